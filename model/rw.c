// SPDX-License-Identifier: MIT
/*
 * model/rw.c - read(2) and write(2): buffered, zeroing and direct.
 *
 * Scope:
 *   fn_buffered_write  xfs_file_buffered_write -> iomap_file_buffered_write:
 *                      i_rwsem; per iteration (iomap_iter: one extent, hole
 *                      or shared run, at most 1024 pages)
 *                      xfs_buffered_write_iomap_begin (delalloc or COW
 *                      fork reservation of the whole iteration, or
 *                      -ENOSPC); per page: FGP_WRITEBEGIN lookup
 *                      (read-modify for a partial uptodate miss), copy,
 *                      iomap_write_end (uptodate, dirty, i_size), unlock
 *   fn_zero_range      iomap_zero_range: the same page loop writing zeroes,
 *                      for callers that already hold i_rwsem (truncate, punch)
 *   fn_buffered_read   filemap_read: i_rwsem shared, per page: lookup, or
 *                      readahead of one page (locked until the read bio
 *                      completes), wait, copy out; every byte read is
 *                      compared with the oracle ("data" invariant)
 *   fn_dio_write/read  iomap_dio_rw: flush and invalidate the range, then
 *                      block I/O straight to/from the disk
 *
 * Faithfulness notes: speculative post-EOF preallocation and readahead
 * windows are not modelled (one page per read miss), nor the retry of a
 * write that failed with -ENOSPC after xfs_blockgc_free_space (it frees
 * preallocations, which the model has none of); an iteration cut short
 * after a wait (its remapping failed) keeps the reservations of the pages
 * it did not reach until truncate or eviction, where XFS's iomap_end
 * punches them at once (only a design's all-host writeback can remap a
 * writer's range under i_rwsem; fuzzing reached the remapping 2,217
 * times in 20,000 runs, its failure never); a block-unaligned
 * direct write to a reflinked inode falls back to buffered I/O, as XFS does
 * (-ENOTBLK from xfs_file_dio_write_unaligned, before any flush).
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/oracle.h"
#include "model/policy.h"

#define SECTOR_SIZE 512ULL
#define XFS_MAX_FILE_OFFSET ((1ULL << 63) - 1)

enum {
	RW_EXCL = 1u << 1,	/* DIO: i_rwsem held exclusive */
};

/* XFS caps one iteration of a buffered write at 1024 pages. */
#define XFS_WRITE_ITER_MAX_PAGES 1024

static bool block_shared(struct kernel *k, uint64_t block)
{
	return k->bdev.blocks[block].refcount > 1;
}

static bool block_is_shared(struct kernel *k, const struct bmap_irec *irec)
{
	return irec->br_state == EXT_WRITTEN &&
	       block_shared(k, irec->br_startblock);
}

/**
 * iomap_data_run - the data fork part of an iteration's mapping from page
 * @index, trimmed to @end: the hole or extent there (@irec, from @index)
 * and, for a written extent, its run of blocks that are all shared or all
 * not (xfs_bmap_trim_cow; *@shared says which).  Buffered and DAX writes
 * (model/dax.c) map with it.  Return: the first page past the run.
 */
pgoff_t iomap_data_run(struct kernel *k, struct inode *inode, pgoff_t index,
		       pgoff_t end, struct bmap_irec *irec, bool *shared)
{
	uint64_t n = 1, max;

	bmap_lookup(inode->i_df, index, irec);
	max = MIN(irec->br_blockcount, end - index);
	*shared = block_is_shared(k, irec);
	if (irec->br_state != EXT_WRITTEN)
		return index + max;
	while (n < max && block_shared(k, irec->br_startblock + n) == *shared)
		n++;
	return index + n;
}

/* Reserve [@index, @end) as delalloc in @fork, all or nothing. */
static int reserve_delalloc(struct kernel *k, struct bmap *fork,
			    pgoff_t index, pgoff_t end)
{
	if (bdev_reserve(k, end - index))
		return -ENOSPC;
	bmap_set(fork, index, end - index, EXT_DELALLOC, BMAP_NOBLOCK);
	return 0;
}

/**
 * xfs_buffered_write_iomap_begin_range - one iteration of a buffered write
 * of @count bytes at @pos: map the blocks from @pos's and reserve what
 * writeback will need, all or nothing.
 * @map_end: set to the first page past the mapping (the iteration's end).
 *
 * The mapping starts at @pos's block and ends at the first of: @pos +
 * @count capped at 1024 pages (XFS's cap of an iteration); the end of the
 * data fork extent or hole there; for a written extent, the end of its
 * run of shared (or of unshared) blocks and of the COW fork extent or hole
 * there.  A hole gets a delalloc reservation in the data fork; shared
 * written blocks without COW staging get one in the COW fork
 * (xfs_reflink_allocate_cow), so writeback never stores to a shared
 * block.  Either is the whole mapping or nothing (xfs_bmapi_reserve_delalloc
 * reserves the range at once): a 1 MiB write into a hole with 512 KiB free
 * fails with -ENOSPC and writes nothing, as XFS does (docs/MODEL.md).
 * Return: 0 or -ENOSPC.
 */
int xfs_buffered_write_iomap_begin_range(struct kernel *k,
					 struct inode *inode, uint64_t pos,
					 uint64_t count, pgoff_t *map_end)
{
	uint64_t max = XFS_WRITE_ITER_MAX_PAGES << k->page_shift;
	pgoff_t index = pos >> k->page_shift;
	pgoff_t end = i_blocks_end(k, pos + MIN(count, max));
	struct bmap_irec irec, cow;
	bool shared;

	end = iomap_data_run(k, inode, index, end, &irec, &shared);
	*map_end = end;
	if (irec.br_state == EXT_HOLE)
		return reserve_delalloc(k, inode->i_df, index, end);
	if (!shared)
		return 0;
	bmap_lookup(inode->i_cowfp, index, &cow);
	end = MIN(end, cow.br_startoff + cow.br_blockcount);
	*map_end = end;
	if (cow.br_state != EXT_HOLE)
		return 0;
	return reserve_delalloc(k, inode->i_cowfp, index, end);
}

/**
 * xfs_buffered_write_iomap_begin - reserve space for dirtying page @index
 * alone (iomap_page_mkwrite, a design's own reservations): the iteration
 * of one page.  Return: 0 or -ENOSPC.
 */
int xfs_buffered_write_iomap_begin(struct kernel *k, struct inode *inode,
				   pgoff_t index)
{
	pgoff_t map_end;

	return xfs_buffered_write_iomap_begin_range(k, inode,
						    index << k->page_shift,
						    kpage_size(k), &map_end);
}

/*
 * Does iomap_zero_range have to touch page @index?  Written and delalloc
 * blocks are zeroed through the page cache.  Holes and unwritten extents
 * read as zeroes already and are skipped, unless dirty page cache over
 * them will be written at writeback: iomap_zero_range zeroes such a page
 * (the dirty partial block at the start of the range, or what its flush
 * converted to written).  A clean page over a hole or an unwritten extent
 * is left alone, neither zeroed nor dirtied: XFS allocates no block for it
 * (scripts/kernel-diff, docs/KERNEL-DIFF.md; regression scenario
 * truncate-up-over-cached-hole).
 */
static bool zero_needs_page(struct kernel *k, struct inode *inode,
			    pgoff_t index)
{
	struct page *p = filemap_get_page(inode->i_mapping, index);
	struct bmap_irec irec;

	bmap_lookup(inode->i_df, index, &irec);
	if (irec.br_state == EXT_WRITTEN || irec.br_state == EXT_DELALLOC)
		return true;
	return p && (page_test(p, PG_dirty) || page_test(p, PG_writeback));
}

/* Bytes of this page to copy in [pos, end). */
static uint32_t page_chunk(const struct kernel *k, uint64_t pos, uint64_t end)
{
	uint64_t room = kpage_size(k) - (pos & (kpage_size(k) - 1));

	return end - pos < room ? end - pos : room;
}

/*
 * iomap_iter: the next iteration of the write loop, from l->pos.  A
 * zeroing (iomap_zero_range) maps page by page: it only dirties the pages
 * zero_needs_page() picks, and holes and unwritten extents in between
 * need no reservation.
 */
static int write_iomap_begin(struct kernel *k, struct range_locals *l)
{
	uint64_t count = l->flags & RW_ZERO ?
			 page_chunk(k, l->pos, l->end) : l->end - l->pos;

	return xfs_buffered_write_iomap_begin_range(k, l->inode, l->pos, count,
						    &l->map_end);
}

/*
 * __filemap_get_folio(FGP_WRITEBEGIN): find or create the locked page for
 * a write of @len bytes at @pos.  A new page is filled from the disk when the
 * write does not cover it (iomap_read_folio_sync).
 */
static enum step_result write_begin(struct kernel *k, struct task *t,
				    struct range_locals *l, uint32_t len)
{
	pgoff_t index = l->pos >> k->page_shift;
	struct page *p = l->page;
	bool waited = p;	/* held across a wait from an earlier step */

	if (!p) {
		p = filemap_get_page(l->inode->i_mapping, index);
		if (p)
			get_page(p);
		l->page = p;
	}
	if (p) {
		if (!folio_trylock(k, t, p))
			return task_block(t, WAIT_PAGE_LOCK, p);
		if (page_test(p, PG_writeback)) {	/* folio_wait_stable */
			folio_unlock(k, t, p);
			return task_block(t, WAIT_PAGE_WRITEBACK, p);
		}
		if (folio_has_owner(k, p, l->inode->i_mapping, index))
			goto uptodate;
		folio_unlock(k, t, p);		/* truncated: retry */
		put_page(k, p);
		l->page = NULL;
		return STEP_NEXT;
	}
	p = l->page = page_alloc(k, content_zero(k->pool));
	folio_trylock(k, t, p);
	filemap_add_folio(k, l->inode->i_mapping, p, index);
uptodate:
	/*
	 * xfs_iomap_valid: writeback that completed while this task waited
	 * for the folio may have remapped the extent (a shared page's
	 * all-host writeback makes the block shared); after a wait the
	 * reservation is made again against the current map.
	 */
	if (waited)
		l->err = write_iomap_begin(k, l);
	if (l->err) {
		folio_unlock(k, t, p);
		put_page(k, p);
		l->page = NULL;
		return STEP_DONE;
	}
	if (!page_test(p, PG_uptodate) && len < kpage_size(k)) {
		page_set_content(k, p, read_file_page(k, l->inode, index));
		k->stats.read_ios++;
	}
	l->page = folio_prepare_store(k, t, p, l->inode->i_mapping, index);
	if (l->page != p) {
		folio_unlock(k, t, p);
		put_page(k, p);
	}
	return STEP_DONE;
}

/* iomap_write_end: copy done; mark uptodate and dirty, extend i_size. */
static void write_end(struct kernel *k, struct task *t, struct range_locals *l,
		      uint32_t len)
{
	struct page *p = l->page;
	uint32_t poff = l->pos & (kpage_size(k) - 1);

	check_store(k, p, l->inode->i_mapping);
	page_set_content(k, p, content_fill(k->pool, p->content, poff, len,
					    l->byte));
	page_set(k, p, PG_uptodate);
	folio_mark_dirty(k, p);
	if (!(l->flags & RW_ZERO)) {
		if (l->pos + len > l->inode->i_size)
			i_size_write(k, l->inode, l->pos + len);
		oracle_write(k->oracle, l->inode->i_ino, l->pos, len, l->byte);
	} else if (l->flags & ZERO_RANGE_ORACLE) {
		oracle_zero(k->oracle, l->inode->i_ino, l->pos, len, false);
	}
	folio_unlock(k, t, p);
	put_page(k, p);
	l->page = NULL;
	l->pos += len;
	l->done += len;
}

/* One page of the write loop; pc 2 of fn_buffered_write. */
static enum step_result write_one_page(struct kernel *k, struct task *t,
				       struct frame *f)
{
	struct range_locals *l = &f->u.r;
	uint32_t len = page_chunk(k, l->pos, l->end);
	pgoff_t index = l->pos >> k->page_shift;
	enum step_result r;
	int err;

	if ((l->flags & RW_ZERO) && !l->page &&
	    !zero_needs_page(k, l->inode, index)) {
		l->pos += len;
		return STEP_NEXT;
	}
	if (!l->page && index >= l->map_end) {
		err = write_iomap_begin(k, l);
		if (err) {
			l->err = err;
			f->pc = 3;
			return STEP_NEXT;
		}
	}
	r = write_begin(k, t, l, len);
	if (r != STEP_DONE)
		return r;
	if (!l->page) {		/* the reservation failed after a wait */
		f->pc = 3;
		return STEP_NEXT;
	}
	write_end(k, t, l, len);
	return STEP_NEXT;
}

/*
 * Return from a write loop: bytes written, or -errno if none; a zeroing
 * (iomap_zero_range) fails with its error even after some pages.
 */
enum step_result write_return(struct task *t, struct range_locals *l)
{
	if ((l->flags & RW_ZERO) && l->err)
		return task_return(t, l->err);
	return task_return(t, l->done ? (int64_t)l->done : l->err);
}

/**
 * fn_buffered_write - write r.byte over [r.pos, r.end) through the page
 * cache.  With RW_ZERO (fn_zero_range) the caller holds i_rwsem.
 * Return (frame): bytes written, or -errno if nothing was written.
 */
enum step_result fn_buffered_write(struct kernel *k, struct task *t,
				   struct frame *f)
{
	struct range_locals *l = &f->u.r;

	if (f->pc == 0 && IS_DAX(k, l->inode)) {
		f->fn = FN_DAX_WRITE;
		return STEP_NEXT;
	}
	switch (f->pc) {
	case 0:
		t->step_name = "inode_lock";
		if (!(l->flags & RW_ZERO) &&
		    !down_write(k, t, &l->inode->i_rwsem))
			return task_block(t, WAIT_RWSEM_WRITE,
					  &l->inode->i_rwsem);
		f->pc = 1;
		return STEP_NEXT;
	case 1:
		t->step_name = "generic_write_checks";
		mapping_unshare(k, l->inode);
		if (l->end > XFS_MAX_FILE_OFFSET || l->end < l->pos) {
			l->err = -EFBIG;
			f->pc = 3;
			return STEP_NEXT;
		}
		f->pc = 2;
		if (!(l->flags & RW_ZERO) && l->pos > l->inode->i_size)
			call_zero_eof(k, t, l->inode, l->pos);
		return STEP_NEXT;
	case 2:
		t->step_name = "iomap_write_iter";
		if (l->pos >= l->end) {
			f->pc = 3;
			return STEP_NEXT;
		}
		return write_one_page(k, t, f);
	case 3:
		t->step_name = "inode_unlock";
		if (!(l->flags & RW_ZERO))
			up_write(k, t, &l->inode->i_rwsem);
		return write_return(t, l);
	}
	abort();
}

enum step_result fn_zero_range(struct kernel *k, struct task *t,
			       struct frame *f)
{
	f->u.r.flags |= RW_ZERO;
	f->u.r.byte = 0;
	f->fn = FN_BUFFERED_WRITE;
	return fn_buffered_write(k, t, f);
}

/* Start the read of a missing page: page_cache_ra_unbounded, one page. */
static void readahead_one(struct kernel *k, struct task *t,
			  struct range_locals *l, pgoff_t index)
{
	/* keeps the allocation reference */
	l->page = page_cache_read(k, t, l->inode->i_mapping, index, l->inode,
				  index);
}

/* Copy out of an uptodate page (callers check) and compare with the
 * oracle. */
static void read_copy(struct kernel *k, struct range_locals *l,
		      uint64_t limit)
{
	uint32_t len = page_chunk(k, l->pos, limit);
	uint32_t poff = l->pos & (kpage_size(k) - 1);
	uint64_t bad;

	if (oracle_check_read(k->oracle, l->inode->i_ino, l->pos,
			      l->page->content, poff, len, &bad))
		kernel_report(k, "data",
			      "read of inode %llu returned wrong data at offset %llu (page %llu)",
			      (unsigned long long)l->inode->i_ino,
			      (unsigned long long)bad,
			      (unsigned long long)l->page->id);
	if (l->md5)
		bstream_add(l->md5, l->page->content, poff, len);
	l->pos += len;
	l->done += len;
}

/* One page of filemap_read; returns STEP_DONE when the range is done. */
static enum step_result read_one_page(struct kernel *k, struct task *t,
				      struct range_locals *l)
{
	uint64_t limit = l->end < l->inode->i_size ? l->end : l->inode->i_size;
	pgoff_t index = l->pos >> k->page_shift;

	if (l->pos >= limit)
		return STEP_DONE;
	if (l->page &&
	    !folio_has_owner(k, l->page, l->inode->i_mapping, index)) {
		/*
		 * filemap_update_page after the wait: the folio left the
		 * mapping meanwhile (truncated, or COW-broken away from a
		 * sharing owner): AOP_TRUNCATED_PAGE, look it up again.
		 */
		put_page(k, l->page);
		l->page = NULL;
		return STEP_NEXT;
	}
	if (!l->page) {
		l->page = filemap_get_page(l->inode->i_mapping, index);
		if (!l->page && k->policy->read_miss)
			l->page = k->policy->read_miss(k, t, l->inode, index);
		else if (l->page)
			get_page(l->page);
		if (!l->page) {
			/*
			 * page_cache_sync_readahead, then the lookup finds
			 * the folio locked for the read and sleeps on it
			 * (filemap_update_page) without a step between.
			 */
			readahead_one(k, t, l, index);
			if (!l->page)
				return STEP_NEXT;
		}
	}
	if (page_test(l->page, PG_locked) && !page_test(l->page, PG_uptodate))
		return task_block(t, WAIT_PAGE_LOCK, l->page);
	if (page_test(l->page, PG_uptodate))
		read_copy(k, l, limit);
	else
		l->err = -EIO;
	put_page(k, l->page);
	l->page = NULL;
	/* filemap_read's loop test, against the i_size it copied up to */
	return l->err || l->pos >= limit ? STEP_DONE : STEP_NEXT;
}

/**
 * fn_buffered_read - filemap_read over [r.pos, r.end), clipped at i_size.
 * Return (frame): bytes read, or -errno.
 */
enum step_result fn_buffered_read(struct kernel *k, struct task *t,
				  struct frame *f)
{
	struct range_locals *l = &f->u.r;
	enum step_result r;

	if (f->pc == 0 && IS_DAX(k, l->inode)) {
		f->fn = FN_DAX_READ;
		return STEP_NEXT;
	}
	switch (f->pc) {
	case 0:
		t->step_name = "xfs_ilock(IOLOCK_SHARED)";
		if (!down_read(k, t, &l->inode->i_rwsem))
			return task_block(t, WAIT_RWSEM_READ,
					  &l->inode->i_rwsem);
		f->pc = 1;
		return STEP_NEXT;
	case 1:
		t->step_name = "filemap_get_pages";
		r = read_one_page(k, t, l);
		if (r != STEP_DONE)
			return r;
		up_read(k, t, &l->inode->i_rwsem);
		return task_return(t, l->err && !l->done ? l->err :
				   (int64_t)l->done);
	}
	abort();
}

/* ------------------------------------------------------------ direct I/O */

/*
 * xfs_direct_write_iomap_begin for one block: allocate (unwritten) for a
 * hole or delalloc, and a real COW block for a shared one.
 */
static int dio_map_block(struct kernel *k, struct inode *inode, pgoff_t fsb,
			 struct bio *bio)
{
	struct bmap_irec irec;
	int err;

	bmap_lookup(inode->i_df, fsb, &irec);
	inode->log_dirty = true;
	if (block_is_shared(k, &irec)) {
		inode_free_blocks(k, inode, inode->i_cowfp, fsb, 1);
		err = bdev_alloc(k, &bio->block, false);
		if (err)
			return err;
		k->stats.cow_block_allocs++;
		bmap_set(inode->i_cowfp, fsb, 1, EXT_UNWRITTEN, bio->block);
		bio->cow = true;
		return 0;
	}
	if (irec.br_state == EXT_HOLE || irec.br_state == EXT_DELALLOC) {
		inode_free_blocks(k, inode, inode->i_df, fsb, 1);
		err = bdev_alloc(k, &bio->block, false);
		if (err)
			return err;
		bmap_set(inode->i_df, fsb, 1, EXT_UNWRITTEN, bio->block);
		irec.br_state = EXT_UNWRITTEN;
		irec.br_startblock = bio->block;
	}
	bio->block = irec.br_startblock;
	bio->unwritten = irec.br_state == EXT_UNWRITTEN;
	return 0;
}

/* Build and submit the bio for the block holding l->pos. */
static int dio_submit_one(struct kernel *k, struct range_locals *l)
{
	uint32_t len = page_chunk(k, l->pos, l->end);
	uint32_t boff = l->pos & (kpage_size(k) - 1);
	struct bio *bio = bio_alloc();
	const struct content *base;
	int err;

	err = dio_map_block(k, l->inode, l->pos >> k->page_shift, bio);
	if (err) {
		free(bio);
		return err;
	}
	/* Sub-block writes to new blocks zero the rest (iomap_dio_zero). */
	base = (bio->cow || bio->unwritten) ? content_zero(k->pool) :
					      bdev_read(k, bio->block);
	bio->content = content_fill(k->pool, base, boff, len, l->byte);
	bio->write = bio->direct = true;
	bio->inode = l->inode;
	bio->index = l->pos >> k->page_shift;
	bio->end_off = l->pos + len;
	l->inode->i_dio_count++;
	submit_bio(k, bio);
	l->pos += len;
	l->done += len;
	return 0;
}

/* Remove the cached pages of the range (invalidate_inode_pages2_range). */
static void dio_invalidate(struct kernel *k, struct range_locals *l)
{
	pgoff_t first = l->start >> k->page_shift;
	pgoff_t last = (l->end - 1) >> k->page_shift;
	uint64_t index;
	struct page *p;

	unmap_mapping_range(k, l->inode->i_mapping, first, last, false);
	xa_for_each_range(&l->inode->i_mapping->i_pages, index, p, first, last,
			  XA_PRESENT) {
		if (page_test(p, PG_dirty) || page_test(p, PG_writeback) ||
		    page_test(p, PG_locked))
			continue;
		filemap_remove_folio(k, p, l->inode->i_mapping, index);
	}
}

static void dio_unlock(struct kernel *k, struct task *t,
		       struct range_locals *l)
{
	if (l->flags & RW_EXCL)
		up_write(k, t, &l->inode->i_rwsem);
	else
		up_read(k, t, &l->inode->i_rwsem);
}

static bool dio_aligned(const struct range_locals *l)
{
	return !((l->start | (l->end - l->start)) & (SECTOR_SIZE - 1));
}

static bool dio_needs_fallback(struct kernel *k, const struct range_locals *l)
{
	return (l->inode->i_flags & XFS_DIFLAG2_REFLINK) &&
	       ((l->start | l->end) & (kpage_size(k) - 1));
}

/* The first pc after dio_prologue(). */
#define DIO_PROLOGUE_END 4

/*
 * The steps both direct paths share: lock, check, flush, invalidate.  A
 * write starting beyond EOF zeroes the old EOF page's tail first, as a
 * buffered one does (xfs_file_write_checks -> xfs_file_write_zero_eof).
 * A block-unaligned write to a reflinked inode goes buffered as soon as
 * it holds the lock, before any check or flush
 * (xfs_file_dio_write_unaligned: "we can't properly handle unaligned
 * direct I/O to reflink files yet", -ENOTBLK).
 */
static enum step_result dio_prologue(struct kernel *k, struct task *t,
				     struct frame *f, bool write)
{
	struct range_locals *l = &f->u.r;
	struct frame c = *f;

	switch (f->pc) {
	case 0:
		t->step_name = "xfs_ilock(IOLOCK)";
		if (!dio_aligned(l))
			return task_return(t, -EINVAL);
		if (l->flags & RW_EXCL ? !down_write(k, t, &l->inode->i_rwsem) :
		    !down_read(k, t, &l->inode->i_rwsem))
			return task_block(t, l->flags & RW_EXCL ?
					  WAIT_RWSEM_WRITE : WAIT_RWSEM_READ,
					  &l->inode->i_rwsem);
		f->pc = 1;
		if (write && dio_needs_fallback(k, l)) {
			dio_unlock(k, t, l);
			f->fn = FN_BUFFERED_WRITE;	/* direct_write_fallback */
			f->pc = 0;
			l->flags = 0;
		}
		return STEP_NEXT;
	case 1:
		t->step_name = "generic_write_checks";
		f->pc = 2;
		f->ret = 0;
		if (write && l->pos > l->inode->i_size)
			call_zero_eof(k, t, l->inode, l->pos);
		return STEP_NEXT;
	case 2:
		t->step_name = "kiocb_write_and_wait";
		if (f->ret < 0) {	/* the zeroing's ENOSPC on COW */
			dio_unlock(k, t, l);
			return task_return(t, f->ret);
		}
		f->pc = 3;
		task_call(t, FN_WRITE_AND_WAIT, &c);
		return STEP_NEXT;
	case 3:
		t->step_name = "kiocb_invalidate_pages";
		if (write) {
			mapping_unshare(k, l->inode);
			dio_invalidate(k, l);
		}
		f->pc = DIO_PROLOGUE_END;
		return STEP_NEXT;
	}
	return STEP_DONE;
}

/**
 * fn_dio_write - O_DIRECT write of r.byte over [r.pos, r.end).
 * Return (frame): bytes written or -errno.
 */
enum step_result fn_dio_write(struct kernel *k, struct task *t,
			      struct frame *f)
{
	struct range_locals *l = &f->u.r;
	int err;

	if (f->pc == 0 && IS_DAX(k, l->inode)) {	/* O_DIRECT is moot */
		f->fn = FN_DAX_WRITE;
		return STEP_NEXT;
	}
	if (f->pc < DIO_PROLOGUE_END) {
		if (f->pc == 0) {
			l->start = l->pos;
			if (l->end > l->inode->i_size ||
			    ((l->start | l->end) & (kpage_size(k) - 1)))
				l->flags |= RW_EXCL;
		}
		return dio_prologue(k, t, f, true);
	}
	switch (f->pc) {
	case DIO_PROLOGUE_END:
		t->step_name = "iomap_dio_rw(submit)";
		if (l->pos >= l->end) {
			f->pc = DIO_PROLOGUE_END + 1;
			return STEP_NEXT;
		}
		if (blk_mq_get_tag(k, t) == STEP_BLOCK)
			return STEP_BLOCK;
		err = dio_submit_one(k, l);
		if (err) {
			l->err = err;
			f->pc = DIO_PROLOGUE_END + 1;
		}
		return STEP_NEXT;
	case DIO_PROLOGUE_END + 1:
		t->step_name = "inode_dio_wait";
		if (l->inode->i_dio_count)
			return task_block(t, WAIT_DIO, l->inode);
		/*
		 * xfs_dio_write_end_io: an extending write raises i_size and
		 * then the on-disk size (xfs_setfilesize); the bios' own
		 * completions could only raise it up to the old i_size.
		 */
		if (l->start + l->done > l->inode->i_size) {
			i_size_write(k, l->inode, l->start + l->done);
			l->inode->i_disk_size = l->inode->i_size;
			l->inode->log_dirty = true;
		}
		oracle_write(k->oracle, l->inode->i_ino, l->start, l->done,
			     l->byte);
		dio_invalidate(k, l);	/* kiocb_invalidate_post_direct_write */
		dio_unlock(k, t, l);
		return task_return(t, l->done ? (int64_t)l->done : l->err);
	}
	abort();
}

/* Read one block-sized piece straight from the disk. */
void read_from_disk_one(struct kernel *k, struct range_locals *l,
			uint64_t limit)
{
	const struct content *c = read_file_page(k, l->inode,
						 l->pos >> k->page_shift);

	l->page = page_alloc(k, c);	/* a bounce buffer, not cached */
	content_put(k->pool, c);
	page_set(k, l->page, PG_uptodate);
	read_copy(k, l, limit);
	put_page(k, l->page);
	l->page = NULL;
	k->stats.read_ios++;
}

/**
 * fn_dio_read - O_DIRECT read of [r.pos, r.end), clipped at i_size.
 * Return (frame): bytes read or -errno.
 */
enum step_result fn_dio_read(struct kernel *k, struct task *t,
			     struct frame *f)
{
	struct range_locals *l = &f->u.r;
	uint64_t limit;

	if (f->pc == 0 && IS_DAX(k, l->inode)) {
		f->fn = FN_DAX_READ;
		return STEP_NEXT;
	}
	if (f->pc < DIO_PROLOGUE_END) {
		if (f->pc == 0)
			l->start = l->pos;
		return dio_prologue(k, t, f, false);
	}
	t->step_name = "iomap_dio_rw(read)";
	limit = l->end < l->inode->i_size ? l->end : l->inode->i_size;
	if (l->pos < limit) {
		read_from_disk_one(k, l, limit);
		return STEP_NEXT;
	}
	dio_unlock(k, t, l);
	return task_return(t, (int64_t)l->done);
}
