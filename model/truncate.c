// SPDX-License-Identifier: MIT
/*
 * model/truncate.c - truncate, hole punching, zeroing and preallocation.
 *
 * Scope:
 *   fn_truncate        xfs_setattr_size: i_rwsem, invalidate_lock,
 *                      inode_dio_wait, zero the new (or old) EOF block tail
 *                      through the page cache, truncate_setsize
 *                      (unmap_mapping_range, truncate_inode_pages, unmap
 *                      again), xfs_itruncate_extents
 *   fn_truncate_pages  truncate_inode_pages_range: partial pages zeroed,
 *                      whole pages locked, waited for, unmapped, removed
 *   fn_fallocate       xfs_file_fallocate: PUNCH_HOLE, ZERO_RANGE and plain
 *                      preallocation (unwritten extents), with
 *                      xfs_flush_unmap_range before freeing
 *
 * eof invariant: after fn_truncate no page and no PTE lies at or beyond
 * DIV_ROUND_UP(i_size, PAGE_SIZE).
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/oracle.h"
#include "model/policy.h"

/* Enter FN_ZERO_RANGE over [pos, end) of @inode; false if empty. */
static bool call_zero(struct task *t, struct inode *inode, uint64_t pos,
		      uint64_t end)
{
	if (pos >= end)
		return false;
	task_call_range(t, FN_ZERO_RANGE, inode, pos, end);
	return true;
}

/*
 * call_zero() whose zeroes change the file's bytes as they land: the
 * oracle learns each page's zeroes then (ZERO_RANGE_ORACLE), so a sync
 * racing with the call neither misses them nor expects them early.
 */
static bool call_zero_oracle(struct task *t, struct inode *inode,
			     uint64_t pos, uint64_t end)
{
	if (!call_zero(t, inode, pos, end))
		return false;
	t->stack[t->depth - 1].u.r.flags |= ZERO_RANGE_ORACLE;
	return true;
}

/**
 * call_zero_eof - zero the tail of the EOF page before i_size grows to
 * @newsize (xfs_file_write_checks, xfs_setattr_size, zero_posteof): bytes a
 * store through mmap left beyond EOF must read as zero once inside it.
 */
bool call_zero_eof(struct kernel *k, struct task *t, struct inode *inode,
		   uint64_t newsize)
{
	uint64_t end = round_up_page(k, inode->i_size);

	if (newsize < end)
		end = newsize;
	return call_zero(t, inode, inode->i_size, end);
}

/*
 * Remove one locked, written-back page from @m's cache at @index: unmap it
 * from @m's VMAs, cancel its dirtiness if @m was its only owner, and drop
 * the owner.  Other owners of a shared page keep it.
 */
static void truncate_folio(struct kernel *k, struct page *p,
			   struct address_space *m, pgoff_t index)
{
	if (folio_mapped(p))
		unmap_mapping_range(k, m, index, index, false);
	if (folio_nr_owners(p) == 1)
		page_clear(k, p, PG_dirty);	/* folio_cancel_dirty */
	mapping_tag(k, m, index, PAGECACHE_TAG_DIRTY, false);
	xa_clear_mark(&m->i_pages, index, PAGECACHE_TAG_TOWRITE);
	filemap_remove_folio(k, p, m, index);
}

/* Zero [from, to) of a cached page (truncate_inode_partial_folio). */
static void zero_partial(struct kernel *k, struct page *p, uint32_t from,
			 uint32_t to)
{
	page_set_content(k, p, content_fill(k->pool, p->content, from,
					    to - from, 0));
}

/* The cached page at @pos, locked and not under writeback, or block. */
static enum step_result lock_page_at(struct kernel *k, struct task *t,
				     struct range_locals *l, uint64_t pos,
				     struct page **pp)
{
	struct page *p = filemap_get_page(l->inode->i_mapping,
					  pos >> k->page_shift);

	*pp = p;
	if (!p)
		return STEP_DONE;
	if (page_test(p, PG_writeback))
		return task_block(t, WAIT_PAGE_WRITEBACK, p);
	if (!folio_trylock(k, t, p))
		return task_block(t, WAIT_PAGE_LOCK, p);
	return STEP_DONE;
}

/* pc 0 and 2: a partial page at the head or the tail of the range. */
static enum step_result truncate_partial(struct kernel *k, struct task *t,
					 struct range_locals *l, uint64_t pos,
					 uint64_t end)
{
	struct page *p;
	enum step_result r = lock_page_at(k, t, l, pos, &p);

	struct page *dst;

	if (r != STEP_DONE || !p)
		return r;
	dst = folio_prepare_store(k, t, p, l->inode->i_mapping,
				  pos >> k->page_shift);
	check_store(k, dst, l->inode->i_mapping);
	zero_partial(k, dst, pos & (kpage_size(k) - 1),
		     ((end - 1) & (kpage_size(k) - 1)) + 1);
	if (dst != p) {
		folio_unlock(k, t, dst);
		put_page(k, dst);
	}
	folio_unlock(k, t, p);
	return STEP_DONE;
}

/* pc 1: the next whole page of the range, or STEP_DONE when none is left. */
static enum step_result truncate_whole(struct kernel *k, struct task *t,
				       struct range_locals *l, uint64_t last)
{
	uint64_t index = l->pos >> k->page_shift;
	struct page *p;
	enum step_result r;

	if (index > last ||
	    !xa_find(&l->inode->i_mapping->i_pages, &index, last, XA_PRESENT))
		return STEP_DONE;
	l->pos = index << k->page_shift;
	r = lock_page_at(k, t, l, l->pos, &p);
	if (r != STEP_DONE)
		return r;
	get_page(p);
	if (k->policy->truncate_folio)
		k->policy->truncate_folio(k, p, l->inode->i_mapping,
					  l->pos >> k->page_shift);
	else
		truncate_folio(k, p, l->inode->i_mapping,
			       l->pos >> k->page_shift);
	folio_unlock(k, t, p);
	put_page(k, p);
	l->pos += kpage_size(k);
	return STEP_NEXT;
}

/**
 * fn_truncate_pages - truncate_inode_pages_range over bytes [r.pos, r.end).
 * Return (frame): 0.
 */
enum step_result fn_truncate_pages(struct kernel *k, struct task *t,
				   struct frame *f)
{
	struct range_locals *l = &f->u.r;
	uint64_t psz = kpage_size(k), head_end, first, last;
	enum step_result r;

	t->step_name = "truncate_inode_pages_range";
	first = round_up_page(k, l->pos) >> k->page_shift;
	last = l->end >> k->page_shift;		/* exclusive */
	switch (f->pc) {
	case 0:
		l->start = l->pos;
		head_end = round_up_page(k, l->pos);
		/* DAX has no page to zero: dax_zero_range did the blocks */
		if ((l->pos & (psz - 1)) && !IS_DAX(k, l->inode)) {
			r = truncate_partial(k, t, l, l->pos, head_end < l->end ?
					     head_end : l->end);
			if (r != STEP_DONE)
				return r;
		}
		l->pos = first << k->page_shift;
		f->pc = 1;
		return STEP_NEXT;
	case 1:
		if (first < last || l->end == UINT64_MAX) {
			r = truncate_whole(k, t, l, l->end == UINT64_MAX ?
					   UINT64_MAX >> k->page_shift :
					   last - 1);
			if (r != STEP_DONE)
				return r;
		}
		f->pc = 2;
		return STEP_NEXT;
	case 2:
		if ((l->end & (psz - 1)) && l->end != UINT64_MAX &&
		    round_down_page(k, l->end) >= l->start &&
		    !IS_DAX(k, l->inode)) {
			r = truncate_partial(k, t, l,
					     round_down_page(k, l->end), l->end);
			if (r != STEP_DONE)
				return r;
		}
		return task_return(t, 0);
	}
	abort();
}

/* xfs_itruncate_extents + COW fork cancel beyond the new EOF block. */
static void xfs_itruncate_extents(struct kernel *k, struct inode *inode,
				  uint64_t newsize)
{
	uint64_t fsb = i_blocks_end(k, newsize);

	inode_free_blocks(k, inode, inode->i_df, fsb, UINT64_MAX - fsb);
	inode_free_blocks(k, inode, inode->i_cowfp, fsb, UINT64_MAX - fsb);
}

/* Steps shared by truncate and fallocate: i_rwsem, invalidate_lock, dio. */
static enum step_result lock_for_setattr(struct kernel *k, struct task *t,
					 struct frame *f)
{
	struct inode *inode = f->u.r.inode;

	switch (f->pc) {
	case 0:
		t->step_name = "inode_lock";
		if (!down_write(k, t, &inode->i_rwsem))
			return task_block(t, WAIT_RWSEM_WRITE, &inode->i_rwsem);
		break;
	case 1:
		t->step_name = "filemap_invalidate_lock";
		mapping_unshare(k, inode);	/* data or size will change */
		f->u.r.ilock = inode_mmap_lock(inode);
		if (!down_write(k, t, f->u.r.ilock))
			return task_block(t, WAIT_RWSEM_WRITE, f->u.r.ilock);
		break;
	case 2:
		t->step_name = "inode_dio_wait";
		if (inode->i_dio_count)
			return task_block(t, WAIT_DIO, inode);
		break;
	}
	f->pc++;
	return STEP_NEXT;
}

static enum step_result unlock_setattr(struct kernel *k, struct task *t,
				       struct range_locals *l, int64_t ret)
{
	up_write(k, t, l->ilock);
	up_write(k, t, &l->inode->i_rwsem);
	return task_return(t, ret);
}

/*
 * call_setsize_flush - xfs_setattr_size's flush before the new size is
 * logged: [i_disk_size, @newsize) is written back and waited on if the
 * zeroing before it dirtied a page (@did_zeroing: XFS writes those zeroes
 * before the size that exposes them) or if the in-core size is ahead of the
 * on-disk one (data the new on-disk size would expose: "the null files
 * problem").  Nothing below the on-disk size is flushed.
 * Return: whether FN_WRITE_AND_WAIT was entered.
 */
static bool call_setsize_flush(struct task *t, struct inode *inode,
			       uint64_t newsize, bool did_zeroing)
{
	if (newsize <= inode->i_disk_size ||
	    (!did_zeroing && inode->i_size == inode->i_disk_size))
		return false;
	task_call_range(t, FN_WRITE_AND_WAIT, inode, inode->i_disk_size,
			newsize);
	return true;
}

/* truncate_setsize: the size changes, then the page cache follows. */
static void truncate_setsize(struct kernel *k, struct inode *inode,
			     uint64_t newsize)
{
	i_size_write(k, inode, newsize);
	oracle_truncate(k->oracle, inode->i_ino, newsize);
	unmap_mapping_range(k, inode->i_mapping,
			    round_up_page(k, newsize) >> k->page_shift,
			    UINT64_MAX >> k->page_shift, true);
}

/**
 * fn_truncate - ftruncate(2) to r.pos: xfs_setattr_size.
 * Return (frame): 0 or -errno.
 */
enum step_result fn_truncate(struct kernel *k, struct task *t,
			     struct frame *f)
{
	struct range_locals *l = &f->u.r;
	struct inode *inode = l->inode;
	uint64_t newsize = l->pos;

	if (f->pc < 3)
		return lock_for_setattr(k, t, f);
	switch (f->pc) {
	case 3:
		t->step_name = "xfs_truncate_page";
		f->pc = 4;
		f->ret = 0;		/* no zeroing: did_zeroing false */
		l->start = inode->i_size;	/* oldsize */
		if (newsize > inode->i_size)
			call_zero_eof(k, t, inode, newsize);
		else
			call_zero_oracle(t, inode, newsize,
					 MIN(round_up_page(k, newsize),
					     inode->i_size));
		return STEP_NEXT;
	case 4:
		t->step_name = "filemap_write_and_wait_range";
		if (f->ret < 0)		/* xfs_truncate_page: ENOSPC on COW */
			return unlock_setattr(k, t, l, (int)f->ret);
		f->pc = 5;
		call_setsize_flush(t, inode, newsize, f->ret > 0);
		return STEP_NEXT;
	case 5:
		t->step_name = "truncate_setsize";
		truncate_setsize(k, inode, newsize);
		f->pc = 6;
		task_call_range(t, FN_TRUNCATE_PAGES, inode, newsize, UINT64_MAX);
		return STEP_NEXT;
	case 6:
		t->step_name = "xfs_itruncate_extents";
		unmap_mapping_range(k, inode->i_mapping,
				    round_up_page(k, newsize) >> k->page_shift,
				    UINT64_MAX >> k->page_shift, true);
		inode->i_disk_size = newsize;
		inode->log_dirty = true;
		/*
		 * Only a truncate down unmaps blocks: an extending one keeps
		 * what lies beyond the old EOF (fallocate -k's unwritten
		 * extents).  "Truncated down, so we're removing references to
		 * old data here": the next release of a file of the inode
		 * starts its writeback early (sysops.c, start_close()).
		 */
		if (newsize <= l->start) {
			xfs_itruncate_extents(k, inode, newsize);
			inode->i_flags |= XFS_ITRUNCATED;
		}
		return unlock_setattr(k, t, l, 0);
	}
	abort();
}

/* xfs_alloc_file_space: unwritten extents over the holes of the range. */
static int xfs_alloc_file_space(struct kernel *k, struct inode *inode,
				uint64_t fsb, uint64_t end_fsb)
{
	struct bmap_irec irec;
	uint64_t block;

	for (; fsb < end_fsb; fsb++) {
		bmap_lookup(inode->i_df, fsb, &irec);
		if (irec.br_state != EXT_HOLE)
			continue;
		if (bdev_alloc(k, &block, false))
			return -ENOSPC;
		bdev_write(k, block, content_zero(k->pool));
		bmap_set(inode->i_df, fsb, 1, EXT_UNWRITTEN, block);
		inode->log_dirty = true;
	}
	return 0;
}

/* xfs_free_file_space: whole blocks of the range are unmapped. */
static void xfs_free_file_space(struct kernel *k, struct inode *inode,
				uint64_t pos, uint64_t end)
{
	uint64_t fsb = round_up_page(k, pos) >> k->page_shift;
	uint64_t end_fsb = end >> k->page_shift;

	if (fsb >= end_fsb)
		return;
	inode_free_blocks(k, inode, inode->i_df, fsb, end_fsb - fsb);
	inode_free_blocks(k, inode, inode->i_cowfp, fsb, end_fsb - fsb);
	oracle_zero(k->oracle, inode->i_ino, fsb << k->page_shift,
		    (end_fsb - fsb) << k->page_shift, false);
}

static bool falloc_flushes(unsigned int mode)
{
	return mode & (SYSF_FALLOC_PUNCH_HOLE | SYSF_FALLOC_ZERO_RANGE);
}

/* The block-changing step of fallocate.  Return: 0 or -errno. */
static int falloc_blocks(struct kernel *k, struct range_locals *l)
{
	struct inode *inode = l->inode;

	if (l->flags & SYSF_FALLOC_PUNCH_HOLE)
		return 0;
	return xfs_alloc_file_space(k, inode, l->pos >> k->page_shift,
				    round_up_page(k, l->end) >> k->page_shift);
}

/* Size and oracle updates after the blocks changed. */
static void falloc_finish(struct kernel *k, struct range_locals *l)
{
	struct inode *inode = l->inode;
	bool keep = l->flags & SYSF_FALLOC_KEEP_SIZE;

	if (!keep)
		oracle_extend(k->oracle, inode->i_ino, l->end);
	if (!keep && l->end > inode->i_size) {
		i_size_write(k, inode, l->end);
		inode->i_disk_size = l->end;
		inode->log_dirty = true;
	}
}

/*
 * xfs_free_file_space, second half: after the whole blocks are unmapped,
 * zero what is left of [pos, end) inside EOF through the page cache
 * (xfs_zero_range skips the holes just made, so only the partial blocks at
 * both ends are written).  The oracle learns the zeroes as they land.
 */
static bool falloc_zero_partial(struct kernel *k, struct task *t,
				struct range_locals *l)
{
	uint64_t isize = l->inode->i_size;

	if (l->pos >= isize)
		return false;
	return call_zero_oracle(t, l->inode, l->pos, MIN(l->end, isize));
}

/*
 * xfs_free_file_space, last: "if we zeroed right up to EOF and EOF
 * straddles a page boundary", write back and wait on the EOF page, so that
 * writeback zeroes its post-EOF part (a mapping may have stored there).
 * The page is left clean.  Return: whether FN_WRITE_AND_WAIT was entered.
 */
static bool falloc_flush_eof(struct kernel *k, struct task *t,
			     struct range_locals *l)
{
	uint64_t isize = l->inode->i_size;

	if (l->pos >= isize || l->end < isize ||
	    !(isize & (kpage_size(k) - 1)))
		return false;
	task_call_range(t, FN_WRITE_AND_WAIT, l->inode,
			round_down_page(k, isize), UINT64_MAX);
	return true;
}

/**
 * fn_fallocate - fallocate(2) of [r.pos, r.end) with mode r.flags.
 * Return (frame): 0 or -errno.
 */
enum step_result fn_fallocate(struct kernel *k, struct task *t,
			      struct frame *f)
{
	struct range_locals *l = &f->u.r;
	int err;

	if (f->pc < 3)
		return lock_for_setattr(k, t, f);
	switch (f->pc) {
	case 3:
		t->step_name = "xfs_flush_unmap_range";
		f->pc = 5;
		if (!falloc_flushes(l->flags))
			return STEP_NEXT;
		f->pc = 4;
		task_call_range(t, FN_WRITE_AND_WAIT, l->inode,
			   round_down_page(k, l->pos), round_up_page(k, l->end));
		return STEP_NEXT;
	case 4:
		t->step_name = "truncate_pagecache_range";
		unmap_mapping_range(k, l->inode->i_mapping,
				    l->pos >> k->page_shift,
				    (round_up_page(k, l->end) >> k->page_shift) - 1,
				    true);
		f->pc = 5;
		task_call_range(t, FN_TRUNCATE_PAGES, l->inode,
			   round_down_page(k, l->pos), round_up_page(k, l->end));
		return STEP_NEXT;
	case 5:
		/*
		 * xfs_free_file_space: the range's bytes change from here
		 * on, the whole blocks when they are unmapped, the partial
		 * ones as their zeroes land in the cache (the oracle learns
		 * both then).  Readers and faults are shut out by i_rwsem
		 * and invalidate_lock; only a racing sync or crash can tell.
		 */
		t->step_name = "xfs_free_file_space";
		f->pc = 6;
		if (falloc_flushes(l->flags)) {
			xfs_free_file_space(k, l->inode, l->pos, l->end);
			falloc_zero_partial(k, t, l);
		}
		return STEP_NEXT;
	case 6:
		t->step_name = "filemap_write_and_wait_range";
		if (f->ret < 0)		/* xfs_zero_range: ENOSPC on COW */
			return unlock_setattr(k, t, l, (int)f->ret);
		f->pc = 7;
		if (falloc_flushes(l->flags))
			falloc_flush_eof(k, t, l);
		return STEP_NEXT;
	case 7:
		t->step_name = "xfs_alloc_file_space";
		err = falloc_blocks(k, l);
		if (err)
			return unlock_setattr(k, t, l, err);
		f->pc = 8;
		return STEP_NEXT;
	case 8:
		/*
		 * The new size comes last (xfs_vn_setattr_size after the
		 * blocks changed): zero the old EOF page's tail then, over
		 * whatever the range now maps, not before the range is freed.
		 */
		t->step_name = "xfs_vn_setattr_size";
		f->pc = 10;
		if (!(l->flags & SYSF_FALLOC_KEEP_SIZE) &&
		    l->end > l->inode->i_size) {
			f->pc = 9;
			f->ret = 0;	/* no zeroing: did_zeroing false */
			call_zero_eof(k, t, l->inode, l->end);
		}
		return STEP_NEXT;
	case 9:
		t->step_name = "filemap_write_and_wait_range";
		if (f->ret < 0)		/* xfs_zero_range: ENOSPC on COW */
			return unlock_setattr(k, t, l, (int)f->ret);
		f->pc = 10;
		call_setsize_flush(t, l->inode, l->end, f->ret > 0);
		return STEP_NEXT;
	case 10:
		falloc_finish(k, l);
		return unlock_setattr(k, t, l, 0);
	}
	abort();
}
