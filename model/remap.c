// SPDX-License-Identifier: MIT
/*
 * model/remap.c - FICLONERANGE and FIDEDUPERANGE: xfs_file_remap_range.
 *
 * Scope, in the kernel's order (fs/remap_range.c, fs/xfs/xfs_reflink.c):
 *
 *   xfs_iolock_two_inodes_and_break_layout   i_rwsem of both, lower first
 *   xfs_lock_two_inodes(MMAPLOCK_EXCL)       invalidate_lock of both
 *   __generic_remap_file_range_prep          len 0 -> to source EOF,
 *     generic_remap_checks                   alignment, wrap, EOF, the
 *                                            partial EOF block, same-file
 *                                            overlap, shortened requests
 *     filemap_write_and_wait_range           source range, then dest range
 *     vfs_dedupe_file_range_compare          (dedupe) page by page
 *     generic_remap_check_len                partial EOF block inside dest
 *   xfs_reflink_zero_posteof                 dest EOF page tail
 *   xfs_flush_unmap_range(dest)              write, wait, unmap, truncate
 *   xfs_reflink_remap_blocks                 per block: unmap dest, share
 *                                            written source blocks
 *                                            (refcount++), update dest size;
 *                                            both unwritten: left alone
 *
 * Locking: both i_rwsem and both invalidate_locks are held from the first
 * steps to the last; a page fault on either file waits at invalidate_lock.
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/oracle.h"
#include "model/policy.h"
#include "model/remap.h"

static struct inode *src_inode(const struct remap_locals *l)
{
	return l->src->inode;
}

static struct inode *dst_inode(const struct remap_locals *l)
{
	return l->dst->inode;
}

/*
 * The two inodes in lock order: lower i_ino first (lock_two_nondirectories
 * orders by address; any fixed order works).  The mutant
 * clone-lock-src-first takes the source first, so two clones in opposite
 * directions can deadlock.
 */
static struct inode *lock_nth(const struct kernel *k,
			      const struct remap_locals *l, int n)
{
	struct inode *a = src_inode(l), *b = dst_inode(l);

	if (a->i_ino > b->i_ino &&
	    !(k->policy->flags & POLICY_REMAP_SRC_FIRST)) {
		struct inode *tmp = a;

		a = b;
		b = tmp;
	}
	return n ? b : a;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/**
 * generic_remap_checks - fs/remap_range.c, same rules and order.
 * Return: 0 (with l->len possibly shortened) or -EINVAL.
 */
int generic_remap_checks(uint64_t bs, uint64_t size_in, uint64_t size_out,
			 bool same_inode, struct remap_locals *l)
{
	uint64_t count = l->len, bcount;
	bool dedup = l->remap_flags & REMAP_FILE_DEDUP;

	if ((l->pos_in | l->pos_out) & (bs - 1))
		return -EINVAL;
	if (l->pos_in + count < l->pos_in || l->pos_out + count < l->pos_out)
		return -EINVAL;
	if (dedup && (l->pos_in >= size_in || l->pos_in + count > size_in ||
		      l->pos_out >= size_out || l->pos_out + count > size_out))
		return -EINVAL;
	if (l->pos_in >= size_in)
		return -EINVAL;
	if (count > size_in - l->pos_in)
		count = size_in - l->pos_in;
	if (l->pos_in + count == size_in &&
	    (!dedup || l->pos_out + count == size_out)) {
		bcount = align_up(size_in, bs) - l->pos_in;
	} else {
		count &= ~(bs - 1);
		bcount = count;
	}
	if (same_inode && l->pos_out + bcount > l->pos_in &&
	    l->pos_out < l->pos_in + bcount)
		return -EINVAL;
	if (l->len != count && !(l->remap_flags & REMAP_FILE_CAN_SHORTEN))
		return -EINVAL;
	l->len = count;
	return 0;
}

/**
 * generic_remap_check_len - a partial EOF block may only be linked at or
 * beyond the destination's EOF.
 * Return: 0, -EINVAL (clone) or -EBADE (dedupe).
 */
int generic_remap_check_len(uint64_t bs, uint64_t size_out,
			    struct remap_locals *l)
{
	uint64_t new_len = l->len;

	if (!(l->len & (bs - 1)))
		return 0;
	if (l->pos_out + l->len < size_out)
		new_len &= ~(bs - 1);
	if (new_len == l->len)
		return 0;
	if (l->remap_flags & REMAP_FILE_CAN_SHORTEN) {
		l->len = new_len;
		return 0;
	}
	return (l->remap_flags & REMAP_FILE_DEDUP) ? -EBADE : -EINVAL;
}

/* The start of __generic_remap_file_range_prep.  1: done, nothing to do. */
static int remap_prep_checks(struct kernel *k, struct remap_locals *l)
{
	uint64_t isize = src_inode(l)->i_size;

	if (!l->len) {
		if ((l->remap_flags & REMAP_FILE_DEDUP) || l->pos_in == isize)
			return 1;
		if (l->pos_in > isize)
			return -EINVAL;
		l->len = isize - l->pos_in;
	}
	if (!(l->dst->f_flags & FILE_WRITE))
		return -EBADF;
	return generic_remap_checks(kpage_size(k), isize, dst_inode(l)->i_size,
				    src_inode(l) == dst_inode(l), l) ?:
	       (l->len ? 0 : 1);
}

/* A page of @inode at @index as a read would see it, without caching it. */
static const struct content *peek_page(struct kernel *k, struct inode *inode,
				       pgoff_t index)
{
	struct page *p = filemap_get_page(inode->i_mapping, index);

	if (p && page_test(p, PG_uptodate))
		return content_get(p->content);
	return read_file_page(k, inode, index);
}

/* vfs_dedupe_file_range_compare; the ranges are block aligned. */
static bool dedupe_compare(struct kernel *k, struct remap_locals *l)
{
	uint64_t done, n, psz = kpage_size(k);
	bool same = true;

	for (done = 0; same && done < l->len; done += n) {
		const struct content *a, *b;

		n = l->len - done < psz ? l->len - done : psz;
		a = peek_page(k, src_inode(l), (l->pos_in + done) >> k->page_shift);
		b = peek_page(k, dst_inode(l), (l->pos_out + done) >> k->page_shift);
		same = content_range_equal(a, 0, b, 0, n);
		content_put(k->pool, a);
		content_put(k->pool, b);
	}
	return same;
}

/*
 * xfs_reflink_remap_extent, one block: the destination block is left alone
 * when it already maps the source's block, or when both are unwritten
 * (both read as zeroes); otherwise it is unmapped, and a written source
 * block is shared into its place.  An unwritten source block is not: the
 * destination gets a hole, which reads the same.
 */
static bool remap_leaves_alone(const struct bmap_irec *smap,
			       const struct bmap_irec *dmap)
{
	if (smap->br_state == EXT_HOLE || smap->br_state == EXT_DELALLOC)
		return false;
	return dmap->br_startblock == smap->br_startblock ||
	       (smap->br_state == EXT_UNWRITTEN &&
		dmap->br_state == EXT_UNWRITTEN);
}

/* xfs_reflink_remap_blocks + xfs_reflink_update_dest. */
static void xfs_reflink_remap_blocks(struct kernel *k, struct remap_locals *l)
{
	struct inode *src = src_inode(l), *dst = dst_inode(l);
	uint64_t sfsb = l->pos_in >> k->page_shift;
	uint64_t dfsb = l->pos_out >> k->page_shift;
	uint64_t n = i_blocks_end(k, l->len), i;
	struct bmap_irec irec, dmap;

	for (i = 0; i < n; i++) {
		bmap_lookup(src->i_df, sfsb + i, &irec);
		bmap_lookup(dst->i_df, dfsb + i, &dmap);
		if (remap_leaves_alone(&irec, &dmap))
			continue;
		inode_free_blocks(k, dst, dst->i_df, dfsb + i, 1);
		if (irec.br_state != EXT_WRITTEN)
			continue;
		bdev_get(k, irec.br_startblock);
		bmap_set(dst->i_df, dfsb + i, 1, EXT_WRITTEN,
			 irec.br_startblock);
	}
	src->i_flags |= XFS_DIFLAG2_REFLINK;
	dst->i_flags |= XFS_DIFLAG2_REFLINK;
	if (l->pos_out + l->len > dst->i_size) {
		i_size_write(k, dst, l->pos_out + l->len);
		dst->i_disk_size = dst->i_size;
	}
	dst->log_dirty = true;
	oracle_clone(k->oracle, src->i_ino, l->pos_in, dst->i_ino, l->pos_out,
		     l->len);
}

/* Give back the blocks remap_skips_flush() reserved. */
static void remap_unreserve(struct kernel *k, struct remap_locals *l)
{
	if (l->resv)
		bdev_unreserve(k, l->resv);
	l->resv = 0;
}

/*
 * May the clone skip writing the source back?  A design that shares dirty
 * pages must be able to reserve what their owners' writeback will need (a
 * COW block for the source, delalloc or COW for the destination: two per
 * page of the range) before it skips; it holds the reservation until the
 * pages are shared (fn_remap's last step, where policy->remap reserves per
 * owner).  Without the space it writes back like mainline.
 */
static bool remap_skips_flush(struct kernel *k, struct remap_locals *l)
{
	uint64_t n = 2 * i_blocks_end(k, l->len);

	if (!(k->policy->flags & POLICY_NO_SOURCE_FLUSH))
		return false;
	if (!(k->policy->flags & POLICY_ALLHOST_WRITEBACK))
		return true;
	if (bdev_reserve(k, n))
		return false;
	l->resv = n;
	return true;
}

static enum step_result remap_unlock(struct kernel *k, struct task *t,
				     struct remap_locals *l, int64_t ret)
{
	struct inode *a = lock_nth(k, l, 0), *b = lock_nth(k, l, 1);

	remap_unreserve(k, l);
	up_write(k, t, l->ilock[a != b]);
	if (a != b)
		up_write(k, t, l->ilock[0]);
	up_write(k, t, &b->i_rwsem);
	if (a != b)
		up_write(k, t, &a->i_rwsem);
	return task_return(t, ret);
}

/* pc 0-3: i_rwsem of both, then invalidate_lock of both. */
static enum step_result remap_lock(struct kernel *k, struct task *t,
				   struct frame *f)
{
	struct remap_locals *l = &f->u.m;
	struct inode *inode = lock_nth(k, l, f->pc & 1);
	struct rwsem *s;

	if (f->pc == 2)		/* the destination's data is about to change */
		mapping_unshare(k, dst_inode(l));
	s = f->pc < 2 ? &inode->i_rwsem : inode_mmap_lock(inode);
	t->step_name = f->pc < 2 ? "xfs_iolock_two_inodes" :
				   "xfs_lock_two_inodes(MMAPLOCK)";
	if ((f->pc & 1) && inode == lock_nth(k, l, 0)) {
		f->pc++;
		return STEP_NEXT;
	}
	if (!down_write(k, t, s))
		return task_block(t, WAIT_RWSEM_WRITE, s);
	if (f->pc >= 2)
		l->ilock[f->pc - 2] = s;
	f->pc++;
	return STEP_NEXT;
}

/* The destination range xfs_flush_unmap_range() covers. */
static void dest_flush_range(struct kernel *k, struct remap_locals *l,
			     uint64_t *start, uint64_t *end)
{
	uint64_t isize = dst_inode(l)->i_size;

	*start = round_down_page(k, l->pos_out > isize ? isize : l->pos_out);
	*end = round_up_page(k, l->pos_out + l->len);
}

static enum step_result remap_flush(struct kernel *k, struct task *t,
				    struct frame *f)
{
	struct remap_locals *l = &f->u.m;
	uint64_t start, end;

	switch (f->pc) {
	case 5:
		t->step_name = "filemap_write_and_wait_range(src)";
		/*
		 * A design that does not write the source back still waits for
		 * writeback in flight: its completion remaps the source to a
		 * new block the clone must share, not the old one.
		 */
		task_call_range(t, remap_skips_flush(k, l) ?
				FN_FDATAWAIT : FN_WRITE_AND_WAIT, src_inode(l),
				l->pos_in, l->pos_in + l->len);
		break;
	case 6:
		t->step_name = "filemap_write_and_wait_range(dst)";
		if (f->ret)
			return remap_unlock(k, t, l, f->ret);
		task_call_range(t, FN_WRITE_AND_WAIT, dst_inode(l), l->pos_out,
			   l->pos_out + l->len);
		break;
	case 9:
		t->step_name = "xfs_flush_unmap_range";
		dest_flush_range(k, l, &start, &end);
		task_call_range(t, FN_WRITE_AND_WAIT, dst_inode(l), start, end);
		break;
	case 10:
		t->step_name = "truncate_pagecache_range";
		dest_flush_range(k, l, &start, &end);
		unmap_mapping_range(k, dst_inode(l)->i_mapping,
				    start >> k->page_shift,
				    (end >> k->page_shift) - 1, true);
		task_call_range(t, FN_TRUNCATE_PAGES, dst_inode(l), start, end);
		break;
	}
	f->pc++;
	return STEP_NEXT;
}

/* pc 7-8: compare (dedupe), check_len, zero past dest EOF. */
static enum step_result remap_prep_tail(struct kernel *k, struct task *t,
					struct frame *f)
{
	struct remap_locals *l = &f->u.m;
	int err;

	if (f->pc == 7) {
		t->step_name = "generic_remap_check_len";
		if (f->ret)
			return remap_unlock(k, t, l, f->ret);
		if ((l->remap_flags & REMAP_FILE_DEDUP) &&
		    !dedupe_compare(k, l))
			return remap_unlock(k, t, l, -EBADE);
		err = generic_remap_check_len(kpage_size(k),
					      dst_inode(l)->i_size, l);
		if (err || !l->len)
			return remap_unlock(k, t, l, err);
		f->pc = 8;
		return STEP_NEXT;
	}
	t->step_name = "xfs_reflink_zero_posteof";
	f->pc = 9;
	if (l->pos_out > dst_inode(l)->i_size)
		call_zero_eof(k, t, dst_inode(l), l->pos_out);
	return STEP_NEXT;
}

/*
 * A source page of the range under writeback, for a design that skipped the
 * source flush: the flusher may have started writing a dirty source page
 * after the clone's wait, and until its completion the block is not yet in
 * the data fork (so not remapped) while the page is not shareable.  The
 * clone waits for it, as the flush it skipped would have.
 */
static struct page *src_page_under_writeback(struct kernel *k,
					     const struct remap_locals *l)
{
	struct address_space *m = src_inode(l)->i_mapping;
	pgoff_t first = l->pos_in >> k->page_shift;
	pgoff_t last = (l->pos_in + l->len - 1) >> k->page_shift;

	if (!(k->policy->flags & POLICY_NO_SOURCE_FLUSH) || !l->len)
		return NULL;
	return xa_find(&m->i_pages, &first, last, PAGECACHE_TAG_WRITEBACK);
}

/**
 * fn_remap - xfs_file_remap_range of m.src [pos_in, +len) to m.dst pos_out.
 * Return (frame): bytes remapped (0 for nothing to do) or -errno.
 */
enum step_result fn_remap(struct kernel *k, struct task *t, struct frame *f)
{
	struct remap_locals *l = &f->u.m;
	struct page *p;
	int err;

	if (f->pc < 4)
		return remap_lock(k, t, f);
	if (f->pc == 4) {
		t->step_name = "generic_remap_checks";
		err = remap_prep_checks(k, l);
		if (err)
			return remap_unlock(k, t, l, err < 0 ? err : 0);
		f->pc = 5;
		return STEP_NEXT;
	}
	if (f->pc == 5 || f->pc == 6 || f->pc == 9 || f->pc == 10)
		return remap_flush(k, t, f);
	if (f->pc == 7 || f->pc == 8)
		return remap_prep_tail(k, t, f);
	t->step_name = "xfs_reflink_remap_blocks";
	p = src_page_under_writeback(k, l);
	if (p)
		return task_block(t, WAIT_PAGE_WRITEBACK, p);
	xfs_reflink_remap_blocks(k, l);
	remap_unreserve(k, l);
	if (k->policy->remap)
		k->policy->remap(k, l);
	return remap_unlock(k, t, l, (int64_t)l->len);
}
