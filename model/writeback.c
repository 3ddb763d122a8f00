// SPDX-License-Identifier: MIT
/*
 * model/writeback.c - writeback, I/O completion, fsync and sync.
 *
 * Scope: the kernel path from a dirty page to the disk and back:
 *
 *   filemap_write_and_wait_range
 *     writeback_iter                 tag_pages_for_writeback (WB_SYNC_ALL),
 *                                    lock, wait/skip writeback,
 *                                    folio_clear_dirty_for_io (folio_mkclean)
 *     iomap_writepage_map            xfs_map_blocks: COW fork first, then the
 *                                    data fork; delalloc is allocated here
 *                                    (a data fork delalloc extent whole, as
 *                                    unwritten); the EOF page tail is zeroed
 *     folio_start_writeback, unlock, submit_bio
 *   ... io_latency later, KEV_BIO_END:
 *     xfs_end_ioend                  xfs_reflink_end_cow (remap the COW
 *                                    extent, drop the old block), unwritten
 *                                    conversion, xfs_setfilesize
 *     folio_end_writeback
 *   filemap_fdatawait_range          wait for PG_writeback, collect AS_EIO
 *
 * xfs_file_fsync adds a log force; sync(2) does all of it for every inode.
 *
 * cow-before-write: a write bio aimed at a block shared with another extent
 * reference is reported at submission (no store reaches a shared block),
 * unless every reference belongs to an owner of the page being written
 * (all-host writeback stages one new block for all of them).
 */
#include <stdio.h>
#include <stdlib.h>

#include "model/core.h"
#include "model/never.h"
#include "model/oracle.h"
#include "model/policy.h"
#include "model/sanitizer.h"
#include "sim/trace.h"

enum {
	WB_SYNC_NONE = 0,	/* the flusher's background pass */
	WB_SYNC_ALL = 1,	/* sync, fsync: write and wait for everything */
	WB_KUPDATE = 2,		/* the periodic flusher: only expired inodes */
};

/* Report a bio to the tracer, on the submitting task's track. */
static void bio_trace(struct kernel *k, struct bio *bio, int kind)
{
	char obj[64];

	if (!k->tracer)
		return;
	snprintf(obj, sizeof(obj), "%s block %llu inode %llu index %llu",
		 bio->write ? "write" : "read",
		 (unsigned long long)bio->block,
		 (unsigned long long)(bio->inode ? bio->inode->i_ino : 0),
		 (unsigned long long)bio->index);
	trace_emit(k, kind, kind == TR_IO_SUBMIT ? k->current : NULL, "bio",
		   obj, bio->id, 0);
}

/*
 * The disk's request tags (blk-mq): at most kconfig.queue_depth bios are
 * in flight.  A submitter that finds them all taken sleeps in
 * blk_mq_get_tag until a completion frees one.  The model takes the tag
 * at the top of each submission step of the bulk submitters (writeback,
 * direct I/O), before the step locks or changes anything, so the sleep
 * holds no page lock (iomap submits a bio after unlocking its folios).
 * Every step of writeback waits for a free tag first, since any of them
 * may submit its ioend; an ioend that is being gathered holds no tag.
 * Buffered reads submit one bio and wait for it, so they never sleep here.
 *
 * ioends: writeback gathers the pages it maps into one bio while they
 * follow each other in the file and on the disk and are of one kind
 * (iomap_can_add_to_ioend), up to BIO_MAX_VECS pages; the bio is
 * submitted when the next page does not fit, at the end of the range,
 * and before the writeback sleeps on a page (its pages are under
 * writeback: whoever waits for them must not wait for the sleeper).  One
 * completion ends them all.  A power cut or an aborted call discards a
 * gathered ioend as it discards a submitted one.
 */
#define BLK_QUEUE_DEPTH 128	/* the loop driver's hw_queue_depth */

bool blk_mq_tag_free(const struct kernel *k)
{
	uint32_t depth = k->cfg.queue_depth ? k->cfg.queue_depth :
					      BLK_QUEUE_DEPTH;

	return k->nr_bios < depth;
}

enum step_result blk_mq_get_tag(struct kernel *k, struct task *t)
{
	if (blk_mq_tag_free(k))
		return STEP_NEXT;
	return task_block(t, WAIT_BIO_TAG, k);
}

/*
 * What a write bio does to its block when its page joins the I/O: the
 * design's hook, the cow-before-write rule, the in-flight count.
 */
static void bio_write_start(struct kernel *k, struct bio *bio)
{
	struct block *blk = &k->bdev.blocks[bio->block];

	if (k->policy->block_changed)
		k->policy->block_changed(k, bio->block);
	/* all-host writeback writes for every sharer at once */
	if (blk->refcount > (bio->nowners ? bio->nowners : 1))
		kernel_report(k, "cow-before-write",
			      "write bio to shared block %llu (refs %u) for inode %llu index %llu",
			      (unsigned long long)bio->block, blk->refcount,
			      (unsigned long long)bio->inode->i_ino,
			      (unsigned long long)bio->index);
	blk->inflight++;
	k->stats.wb_bytes += kpage_size(k);
}

/* Send the bio (an ioend's head) to the disk: it takes a request tag. */
static void bio_submit(struct kernel *k, struct bio *bio)
{
	bio->id = ++k->next_bio_id;
	k->nr_bios++;
	if (bio->write)
		k->stats.wb_ios++;
	else
		k->stats.read_ios++;
	trace_bio(k, false, bio->write, bio->block);
	bio_trace(k, bio, TR_IO_SUBMIT);
	eventq_push(&k->events, k->cfg.io_latency, KEV_BIO_END, bio);
}

/* bio_alloc - a zeroed bio for one page: an ioend of one. */
struct bio *bio_alloc(void)
{
	struct bio *bio = calloc(1, sizeof(*bio));

	if (NEVER(!bio))
		abort();
	bio->io_count = 1;
	return bio;
}

/*
 * The disk's bio set: up to BIO_POOL_MAX freed bios are kept for reuse
 * (a mempool's reserve), so that writeback makes no malloc call a page in
 * the steady state; more would keep the peak of bios in flight allocated
 * for bios alone.  Under AddressSanitizer every bio comes from malloc and
 * goes back to it, so that a use after free is caught.
 */
#define BIO_POOL_MAX 512

/* bio_alloc_bioset - bio_alloc() from the disk's bio set. */
static struct bio *bio_alloc_bioset(struct kernel *k)
{
	struct bio *bio = k->bdev.bio_pool;

	if (!bio)
		return bio_alloc();
	k->bdev.bio_pool = bio->io_next;
	k->bdev.bio_pool_len--;
	*bio = (struct bio){ .io_count = 1 };
	return bio;
}

/* bio_put: the bio goes back to the disk's bio set (mempool_free). */
static void bio_put(struct kernel *k, struct bio *bio)
{
	if (PCSIM_ASAN || k->bdev.bio_pool_len == BIO_POOL_MAX) {
		free(bio);
		return;
	}
	bio->io_next = k->bdev.bio_pool;
	k->bdev.bio_pool = bio;
	k->bdev.bio_pool_len++;
}

/* submit_bio - one page's bio on its own (reads, direct I/O). */
void submit_bio(struct kernel *k, struct bio *bio)
{
	if (bio->write)
		bio_write_start(k, bio);
	bio_submit(k, bio);
}

/*
 * iomap_submit_ioend - send the writeback's gathered pages as one bio.
 * The caller's step began with a free request tag (fn_writepages), so
 * the submission never sleeps.
 */
static void iomap_submit_ioend(struct kernel *k,
			       struct iomap_writepage_ctx *wpc)
{
	if (!wpc->ioend)
		return;
	bio_submit(k, wpc->ioend);
	wpc->ioend = wpc->tail = NULL;
}

/*
 * iomap_can_add_to_ioend: the next page of the run, in file and on disk,
 * of the same kind (COW or not, unwritten or not), and room in the bio
 * (BIO_MAX_VECS).  An all-host bio remaps every owner at completion: it
 * stays alone.
 */
#define BIO_MAX_VECS 256

static bool iomap_can_add_to_ioend(const struct bio *head,
				   const struct bio *tail,
				   const struct bio *bio)
{
	return head->io_count < BIO_MAX_VECS && !head->nowners &&
	       !bio->nowners && bio->inode == head->inode &&
	       bio->cow == head->cow && bio->unwritten == head->unwritten &&
	       bio->index == tail->index + 1 && bio->block == tail->block + 1;
}

/*
 * iomap_add_to_ioend - @bio's page joins the writeback's ioend, or ends
 * it (submitted) and starts the next one.
 */
static void iomap_add_to_ioend(struct kernel *k,
			       struct iomap_writepage_ctx *wpc,
			       struct bio *bio)
{
	struct bio *head = wpc->ioend;

	bio_write_start(k, bio);
	if (head && iomap_can_add_to_ioend(head, wpc->tail, bio)) {
		wpc->tail->io_next = bio;
		wpc->tail = bio;
		head->io_count++;
		return;
	}
	iomap_submit_ioend(k, wpc);
	wpc->ioend = wpc->tail = bio;
}

/* xfs_reflink_end_cow over @count blocks: the COW staging blocks replace
 * the data fork mapping, whose blocks lose a reference each. */
static void xfs_reflink_end_cow(struct kernel *k, struct inode *inode,
				pgoff_t fsb, uint64_t count, uint64_t block)
{
	inode_free_blocks(k, inode, inode->i_df, fsb, count);
	bmap_set(inode->i_df, fsb, count, EXT_WRITTEN, block);
	bmap_set(inode->i_cowfp, fsb, count, EXT_HOLE, BMAP_NOBLOCK);
}

/*
 * xfs_end_ioend for the range of ioend @head that @inode holds from
 * @index: @head->io_count blocks, @bytes of data from @index's start.
 */
static void end_ioend_one(struct kernel *k, const struct bio *head,
			  struct inode *inode, pgoff_t index, uint64_t bytes)
{
	uint64_t end = (index << k->page_shift) + bytes;

	if (inode->evicted)
		return;
	if (head->cow)
		xfs_reflink_end_cow(k, inode, index, head->io_count,
				    head->block);
	else if (head->unwritten)
		bmap_set(inode->i_df, index, head->io_count, EXT_WRITTEN,
			 head->block);
	if (end > inode->i_size)
		end = inode->i_size;
	if (end > inode->i_disk_size)
		inode->i_disk_size = end;
	inode->log_dirty = true;
}

/*
 * xfs_end_ioend: metadata updates of a completed write over the whole
 * ioend (@tail is its last page), for the writing inode or, with
 * all-host writeback of a shared page (alone in its bio), for every
 * owner.
 */
static void xfs_end_ioend(struct kernel *k, const struct bio *head,
			  const struct bio *tail)
{
	uint64_t bytes = tail->end_off - (head->index << k->page_shift);
	uint32_t i;

	if (!head->nowners) {
		end_ioend_one(k, head, head->inode, head->index, bytes);
		return;
	}
	for (i = 0; i < head->nowners; i++)
		end_ioend_one(k, head, head->owners[i].mapping->host,
			      head->owners[i].index, bytes);
}

/* Free one page's bio: its page reference and its payload. */
static void bio_free(struct kernel *k, struct bio *bio)
{
	if (bio->page)
		put_page(k, bio->page);
	content_put(k->pool, bio->content);
	free(bio->owners);
	bio_put(k, bio);
}

/* Undo what one page's bio did when it was issued. */
static void bio_discard_one(struct kernel *k, struct bio *bio)
{
	if (bio->page) {
		if (!bio->write) {
			page_clear(k, bio->page, PG_locked);
			bio->page->locker = -1;
		} else {
			folio_end_writeback(k, bio->page);
		}
	} else {
		bio->inode->i_dio_count--;
	}
	if (bio->write)
		k->bdev.blocks[bio->block].inflight--;
	bio_free(k, bio);
}

/* The bios chained from @bio, which never complete; @tagged: submitted. */
static void ioend_discard(struct kernel *k, struct bio *bio, bool tagged)
{
	struct bio *next;

	for (; bio; bio = next) {
		next = bio->io_next;
		bio_discard_one(k, bio);
	}
	if (tagged)
		k->nr_bios--;
}

/*
 * bio_discard - a submitted bio (an ioend's head) that will never
 * complete (crash, teardown): undo what its submission did to its pages,
 * inodes and blocks.
 */
void bio_discard(struct kernel *k, struct bio *bio)
{
	ioend_discard(k, bio, true);
}

/*
 * iomap_discard_ioend - the writeback's gathered pages are never sent; the
 * mapping it kept goes too (a crash replaces the forks).
 */
void iomap_discard_ioend(struct kernel *k, struct iomap_writepage_ctx *wpc)
{
	ioend_discard(k, wpc->ioend, false);
	wpc->ioend = wpc->tail = NULL;
	wpc->inode = NULL;
}

/* The disk has @bio's page: its block holds the data now. */
static void bio_write_done(struct kernel *k, struct bio *bio)
{
	bdev_write(k, bio->block, bio->content);
	k->bdev.blocks[bio->block].inflight--;
}

/* One page's part of a completion, after the ioend's metadata. */
static void bio_end_one(struct kernel *k, struct bio *bio)
{
	if (bio->write && bio->page) {
		folio_end_writeback(k, bio->page);
	} else if (bio->write) {
		bio->inode->i_dio_count--;
	} else {
		page_set_content(k, bio->page,
				 read_file_page(k, bio->inode, bio->index));
		page_set(k, bio->page, PG_uptodate);
		page_clear(k, bio->page, PG_locked);
		bio->page->locker = -1;
	}
	bio_free(k, bio);
}

/*
 * The KEV_BIO_END event: an I/O completed, for every page of its ioend:
 * the blocks hold the data, xfs_end_ioend updates the extents of the
 * whole range, then iomap_finish_ioend ends each page's writeback.
 */
void bio_end_io(struct kernel *k, struct bio *bio)
{
	struct bio *b, *tail = bio, *next;

	k->current = NULL;
	trace_bio(k, true, bio->write, bio->block);
	bio_trace(k, bio, TR_IO_END);
	if (bio->write) {
		for (b = bio; b; tail = b, b = b->io_next)
			bio_write_done(k, b);
		xfs_end_ioend(k, bio, tail);
	}
	for (b = bio; b; b = next) {
		next = b->io_next;
		bio_end_one(k, b);
	}
	k->nr_bios--;
}

/* Allocate a real block for a delalloc extent piece at @fsb of @fork. */
static int convert_delalloc(struct kernel *k, struct bmap *fork, uint64_t fsb,
			    enum ext_state state, uint64_t *blockp)
{
	int err = bdev_alloc(k, blockp, true);

	if (err)
		return err;
	bmap_set(fork, fsb, 1, state, *blockp);
	return 0;
}

/*
 * xfs_bmapi_convert_delalloc of the data fork: the whole delalloc extent
 * @irec that holds @index is allocated, "mapped in as unwritten and
 * converted to real extents after the write succeeds to avoid exposing
 * stale disk contents if we crash".  Only @index's block is written now;
 * the rest of the extent stays unwritten under its still dirty pages until
 * their own writeback (so the inode has no delalloc blocks left there:
 * xfs_file_release's flush, model/sysops.c, sees none).  The blocks are
 * taken in file order, so that a run of free disk blocks maps the extent
 * contiguously, as the allocator's one allocation would; each run of
 * contiguous blocks is one bmap_set().  Every block was reserved at write
 * time, so an allocation cannot fail; if one did, the blocks after it
 * stay delalloc and the error counts only if @index has no block.
 */
static int convert_delalloc_extent(struct kernel *k, struct inode *inode,
				   const struct bmap_irec *irec,
				   pgoff_t index, uint64_t *blockp)
{
	uint64_t fsb = index, end = irec->br_startoff + irec->br_blockcount;
	uint64_t run = 0, first = 0, block;
	struct bmap_irec prev;
	int err = 0;

	/* bmap_lookup() clipped @irec to start at @index: find the start */
	for (; fsb > 0; fsb--) {
		bmap_lookup(inode->i_df, fsb - 1, &prev);
		if (prev.br_state != EXT_DELALLOC)
			break;
	}
	for (; fsb < end && !(err = bdev_alloc(k, &block, true)); fsb++) {
		if (fsb == index)
			*blockp = block;
		if (run && block != first + run) {
			bmap_set(inode->i_df, fsb - run, run, EXT_UNWRITTEN,
				 first);
			run = 0;
		}
		if (!run++)
			first = block;
	}
	if (run)
		bmap_set(inode->i_df, fsb - run, run, EXT_UNWRITTEN, first);
	return fsb > index ? 0 : err;
}

/* xfs_inode_has_cow_data: is anything staged in the COW fork? */
static bool xfs_inode_has_cow_data(const struct inode *inode)
{
	return bmap_nextents(inode->i_cowfp) != 0;
}

/*
 * xfs_imap_valid - does the mapping @wpc kept still hold for block @index
 * of @inode?  It must cover @index and neither fork may have changed since
 * it was found.  The kernel trusts a COW mapping that covers the offset
 * without looking at the sequence counts; here a completion between two
 * steps of the writeback may remap COW extents, so both are compared.
 */
static bool xfs_imap_valid(const struct iomap_writepage_ctx *wpc,
			   const struct inode *inode, pgoff_t index)
{
	return wpc->inode == inode && index >= wpc->imap.br_startoff &&
	       index - wpc->imap.br_startoff < wpc->imap.br_blockcount &&
	       wpc->data_seq == bmap_seq(inode->i_df) &&
	       wpc->cow_seq == bmap_seq(inode->i_cowfp);
}

/* Keep @imap, a real extent of @inode's COW fork (@cow) or data fork. */
static void xfs_imap_keep(struct iomap_writepage_ctx *wpc,
			  struct inode *inode, const struct bmap_irec *imap,
			  bool cow)
{
	wpc->inode = inode;
	wpc->imap = *imap;
	wpc->cow = cow;
	wpc->data_seq = bmap_seq(inode->i_df);
	wpc->cow_seq = bmap_seq(inode->i_cowfp);
}

/* The target of block @index in the valid mapping @wpc keeps. */
static int xfs_imap_target(const struct iomap_writepage_ctx *wpc,
			   struct inode *inode, pgoff_t index,
			   uint64_t *blockp, bool *cowp, bool *unwrittenp)
{
	*cowp = wpc->cow;
	*unwrittenp = !wpc->cow && wpc->imap.br_state == EXT_UNWRITTEN;
	*blockp = wpc->imap.br_startblock + (index - wpc->imap.br_startoff);
	if (wpc->cow)
		inode->log_dirty = true;
	return 0;
}

/*
 * xfs_map_blocks for writeback context @wpc: the mapping it kept if still
 * valid, else the forks are looked up.  The COW fork first, if it has
 * anything: a reservation there means the data fork block is (or was)
 * shared.  A real extent found is kept in @wpc for the next pages; a data
 * fork extent trimmed to end where the COW fork's hole does.
 */
static int __xfs_map_blocks(struct kernel *k, struct iomap_writepage_ctx *wpc,
			    struct inode *inode, pgoff_t index,
			    uint64_t *blockp, bool *cowp, bool *unwrittenp)
{
	struct bmap_irec imap, cow = { .br_state = EXT_HOLE,
				       .br_blockcount = UINT64_MAX };

	if (xfs_imap_valid(wpc, inode, index))
		goto out;
	*cowp = *unwrittenp = false;
	if (xfs_inode_has_cow_data(inode))
		bmap_lookup(inode->i_cowfp, index, &cow);
	if (cow.br_state == EXT_DELALLOC) {
		*cowp = true;
		inode->log_dirty = true;
		k->stats.cow_block_allocs++;
		return convert_delalloc(k, inode->i_cowfp, index,
					EXT_UNWRITTEN, blockp);
	}
	if (cow.br_state != EXT_HOLE) {
		xfs_imap_keep(wpc, inode, &cow, true);
		goto out;
	}
	bmap_lookup(inode->i_df, index, &imap);
	switch (imap.br_state) {
	case EXT_DELALLOC:
		inode->log_dirty = true;
		*unwrittenp = true;
		return convert_delalloc_extent(k, inode, &imap, index, blockp);
	case EXT_HOLE:
		inode->log_dirty = true;
		if (bdev_alloc(k, blockp, false))
			return -ENOSPC;
		bmap_set(inode->i_df, index, 1, EXT_WRITTEN, *blockp);
		return 0;
	case EXT_UNWRITTEN:
	case EXT_WRITTEN:
		imap.br_blockcount = MIN(imap.br_blockcount,
					 cow.br_blockcount);
		xfs_imap_keep(wpc, inode, &imap, false);
		break;
	}
out:
	return xfs_imap_target(wpc, inode, index, blockp, cowp, unwrittenp);
}

/**
 * xfs_map_blocks - find or allocate the block page @index is written to.
 * @cowp:       set if the target is a COW fork staging block
 * @unwrittenp: set if the target extent is unwritten (converted at ioend)
 *
 * The COW fork is looked up first: a reservation there means the data fork
 * block is (or was) shared.  COW allocations are unwritten until
 * xfs_reflink_end_cow; a data fork delalloc extent becomes unwritten
 * (convert_delalloc_extent()), converted at ioend.  This is a lookup of
 * its own: writeback's, __xfs_map_blocks(), reuses what it found.
 * Return: 0 or -ENOSPC.
 */
int xfs_map_blocks(struct kernel *k, struct inode *inode, pgoff_t index,
		   uint64_t *blockp, bool *cowp, bool *unwrittenp)
{
	struct iomap_writepage_ctx wpc = { 0 };

	return __xfs_map_blocks(k, &wpc, inode, index, blockp, cowp,
				unwrittenp);
}

/* mapping_set_error + errseq_set */
static void mapping_set_error(struct address_space *m, int err)
{
	m->flags |= 1UL << (err == -ENOSPC ? AS_ENOSPC : AS_EIO);
	m->wb_err++;
}

static bool add_owner(struct page_owner *o, void *arg)
{
	struct bio *bio = arg;

	bio->owners[bio->nowners++] = *o;
	return false;
}

/* All-host writeback: the completion remaps every owner of @p. */
static void bio_record_owners(struct kernel *k, struct bio *bio,
			      struct page *p)
{
	bio->owners = calloc(folio_nr_owners(p), sizeof(*bio->owners));
	if (NEVER(!bio->owners))
		abort();
	page_for_each_owner(k, p, add_owner, bio);
}

/*
 * iomap_writepage_map for one locked page that was dirty, owned by @inode
 * at @index.  @all_owners: the completion remaps every owner of @p to the
 * written block (all-host writeback of a shared page, which staged the
 * block in every COW fork).
 */
void __writepage_map(struct kernel *k, struct iomap_writepage_ctx *wpc,
		     struct inode *inode, struct page *p, pgoff_t index,
		     bool all_owners)
{
	struct bio *bio;
	uint64_t pos = index << k->page_shift, valid;
	int err;

	bio = bio_alloc_bioset(k);
	if (k->policy->map_blocks)
		err = k->policy->map_blocks(k, inode, index, &bio->block,
					    &bio->cow, &bio->unwritten);
	else
		err = __xfs_map_blocks(k, wpc, inode, index, &bio->block,
				       &bio->cow, &bio->unwritten);
	if (err) {
		/*
		 * iomap_writepage_map sets writeback before mapping ("ASAP")
		 * and, with nothing submitted, ends it: the DIRTY tag goes
		 * with PG_dirty, the data is lost and the error is the
		 * mapping's (xfs_discard_folio).
		 */
		folio_start_writeback(k, p);
		folio_end_writeback(k, p);
		mapping_set_error(inode->i_mapping, err);
		bio_put(k, bio);
		return;
	}
	valid = inode->i_size - pos;
	if (valid < kpage_size(k))	/* iomap_writepage_handle_eof */
		page_set_content(k, p, content_fill(k->pool, p->content, valid,
						    kpage_size(k) - valid, 0));
	if (all_owners && bio->cow)
		bio_record_owners(k, bio, p);
	folio_start_writeback(k, p);
	get_page(p);
	bio->write = true;
	bio->page = p;
	bio->inode = inode;
	bio->index = index;
	bio->content = content_get(p->content);
	bio->end_off = pos + (valid < kpage_size(k) ? valid : kpage_size(k));
	iomap_add_to_ioend(k, wpc, bio);
}

void writepage_map(struct kernel *k, struct iomap_writepage_ctx *wpc,
		   struct inode *inode, struct page *p, pgoff_t index)
{
	__writepage_map(k, wpc, inode, p, index, false);
}

/* Find the next page to write back: TOWRITE for WB_SYNC_ALL, else DIRTY. */
static struct page *writeback_next(struct kernel *k, struct range_locals *l)
{
	xa_mark_t tag = l->flags == WB_SYNC_ALL ? PAGECACHE_TAG_TOWRITE :
						  PAGECACHE_TAG_DIRTY;
	uint64_t index = l->pos >> k->page_shift;
	struct page *p;

	if (l->pos >= l->end)
		return NULL;
	p = xa_find(&l->inode->i_mapping->i_pages, &index,
		    (l->end - 1) >> k->page_shift, tag);
	if (p)
		l->pos = index << k->page_shift;
	return p;
}

/* tag_pages_for_writeback: TOWRITE on every DIRTY page of the range. */
static void tag_pages_for_writeback(struct kernel *k, struct range_locals *l)
{
	if (l->pos >= l->end)
		return;
	xa_copy_marks(&l->inode->i_mapping->i_pages, l->pos >> k->page_shift,
		      (l->end - 1) >> k->page_shift, PAGECACHE_TAG_DIRTY,
		      PAGECACHE_TAG_TOWRITE);
}

static void writeback_skip(struct kernel *k, struct task *t,
			   struct range_locals *l, struct page *p)
{
	xa_clear_mark(&l->inode->i_mapping->i_pages, l->pos >> k->page_shift,
		      PAGECACHE_TAG_TOWRITE);
	folio_unlock(k, t, p);
}

/* One locked page of writeback_iter: skip, wait, or write it. */
static enum step_result writeback_locked(struct kernel *k, struct task *t,
					 struct range_locals *l, struct page *p)
{
	pgoff_t index = l->pos >> k->page_shift;

	if (!folio_has_owner(k, p, l->inode->i_mapping, index)) {
		folio_unlock(k, t, p);		/* truncated meanwhile */
		if (filemap_get_page(l->inode->i_mapping, index)) {
			/*
			 * Replaced: a COW break put a private copy in the
			 * slot.  It carries the slot's tags; look again.
			 */
			put_page(k, p);
			l->page = NULL;
			return STEP_NEXT;
		}
	} else if (page_test(p, PG_writeback)) {
		if (l->flags != WB_SYNC_ALL) {
			writeback_skip(k, t, l, p);
		} else {
			folio_unlock(k, t, p);
			iomap_submit_ioend(k, &l->wpc);	/* never sleep on it */
			return task_block(t, WAIT_PAGE_WRITEBACK, p);
		}
	} else if (l->pos >= l->inode->i_size && folio_shared(p)) {
		/*
		 * Beyond this owner's EOF (a truncate in progress), but
		 * another owner may hold it inside its own: its dirtiness is
		 * theirs to write back, not this writeback's to drop.
		 */
		writeback_skip(k, t, l, p);
	} else if (!folio_clear_dirty_for_io(k, p) ||
		   l->pos >= l->inode->i_size) {
		writeback_skip(k, t, l, p);
	} else if (page_test(p, PG_dax)) {
		dax_writeback(k, t, p);
		folio_unlock(k, t, p);
	} else {
		(k->policy->writepage ?: writepage_map)(k, &l->wpc, l->inode,
							 p, index);
		folio_unlock(k, t, p);
	}
	put_page(k, p);
	l->page = NULL;
	l->pos += kpage_size(k);
	return STEP_NEXT;
}

/*
 * writeback_iter: find the next page to write back and hold it for the
 * next step, which locks it; none left: the gathered ioend goes, the call
 * returns.  The lookup ends the step that wrote the page before (as the
 * kernel's folio_batch finds pages before it locks them), so other tasks
 * still run between a page's lookup and its lock.  After a page (@mapped)
 * the step may have sent a bio already: the last ioend then waits for a
 * step of its own, which takes a request tag first.
 */
static enum step_result writeback_iter(struct kernel *k, struct task *t,
				       struct frame *f, bool mapped)
{
	struct range_locals *l = &f->u.r;

	l->page = writeback_next(k, l);
	if (!l->page && mapped && l->wpc.ioend) {
		f->pc = 1;
		return STEP_NEXT;
	}
	if (!l->page) {
		iomap_submit_ioend(k, &l->wpc);
		if (!xa_marked(&l->inode->i_mapping->i_pages,
			       PAGECACHE_TAG_DIRTY))
			l->inode->dirtied_when = 0;	/* clean again */
		return task_return(t, 0);
	}
	get_page(l->page);
	f->pc = 2;
	return STEP_NEXT;
}

/**
 * fn_writepages - write back the dirty pages of [pos, end) of one inode.
 * Locals: r.inode, r.pos, r.end, r.flags = WB_SYNC_NONE/ALL.
 * Return (frame): 0.
 */
enum step_result fn_writepages(struct kernel *k, struct task *t,
			       struct frame *f)
{
	struct range_locals *l = &f->u.r;

	switch (f->pc) {
	case 0:
		t->step_name = "tag_pages_for_writeback";
		l->wpc.inode = NULL;		/* no mapping found yet */
		if (l->flags == WB_SYNC_ALL)
			tag_pages_for_writeback(k, l);
		f->pc = 1;
		return STEP_NEXT;
	case 1:
		t->step_name = "writeback_iter";
		if (blk_mq_get_tag(k, t) == STEP_BLOCK)
			return STEP_BLOCK;
		return writeback_iter(k, t, f, false);
	case 2:
		t->step_name = "iomap_writepage_map";
		if (blk_mq_get_tag(k, t) == STEP_BLOCK)
			return STEP_BLOCK;
		if (!folio_trylock(k, t, l->page)) {
			iomap_submit_ioend(k, &l->wpc);
			return task_block(t, WAIT_PAGE_LOCK, l->page);
		}
		if (writeback_locked(k, t, l, l->page) == STEP_BLOCK)
			return STEP_BLOCK;
		return writeback_iter(k, t, f, true);
	}
	abort();
}

static int mapping_check_error(struct address_space *m)
{
	int err = 0;

	if (m->flags & (1UL << AS_ENOSPC))
		err = -ENOSPC;
	if (m->flags & (1UL << AS_EIO))
		err = -EIO;
	m->flags &= ~((1UL << AS_ENOSPC) | (1UL << AS_EIO));
	return err;
}

/**
 * fn_fdatawait - wait for writeback of every page in [pos, end).
 * Return (frame): 0 or the mapping's pending error.
 */
enum step_result fn_fdatawait(struct kernel *k, struct task *t,
			      struct frame *f)
{
	struct range_locals *l = &f->u.r;
	uint64_t index = l->pos >> k->page_shift;
	struct page *p;

	t->step_name = "filemap_fdatawait_range";
	if (l->pos >= l->end)
		return task_return(t, mapping_check_error(l->inode->i_mapping));
	p = xa_find(&l->inode->i_mapping->i_pages, &index,
		    (l->end - 1) >> k->page_shift, PAGECACHE_TAG_WRITEBACK);
	if (!p)
		return task_return(t, mapping_check_error(l->inode->i_mapping));
	l->pos = index << k->page_shift;
	return task_block(t, WAIT_PAGE_WRITEBACK, p);
}

/**
 * fn_write_and_wait - filemap_write_and_wait_range(inode, pos, end - 1).
 * Return (frame): 0 or an error from writeback.
 */
enum step_result fn_write_and_wait(struct kernel *k, struct task *t,
				   struct frame *f)
{
	struct range_locals *l = &f->u.r;
	struct frame c = *f;

	switch (f->pc) {
	case 0:
		f->pc = 1;
		c.u.r.flags = WB_SYNC_ALL;
		task_call(t, FN_WRITEPAGES, &c);
		return STEP_NEXT;
	case 1:
		f->pc = 2;
		task_call(t, FN_FDATAWAIT, &c);
		return STEP_NEXT;
	case 2:
		return task_return(t, f->ret ? f->ret : l->err);
	}
	abort();
}

/**
 * fn_fsync - xfs_file_fsync: write and wait the whole file, force the log.
 * Return (frame): 0 or -errno.
 */
enum step_result fn_fsync(struct kernel *k, struct task *t, struct frame *f)
{
	struct range_locals *l = &f->u.r;
	struct frame c = *f;

	switch (f->pc) {
	case 0:
		/*
		 * What fsync promises is what was written before it was
		 * called: the oracle's durable point is now, and writes that
		 * race with the flush below count as modified after it.
		 */
		t->step_name = "file_write_and_wait_range";
		l->token = oracle_durable_begin(k->oracle);
		oracle_fsync(k->oracle, l->inode->i_ino);
		f->pc = 1;
		c.u.r.pos = 0;
		c.u.r.end = UINT64_MAX;
		task_call(t, FN_WRITE_AND_WAIT, &c);
		return STEP_NEXT;
	case 1:
		t->step_name = "xfs_log_force";
		xfs_log_force(k);
		oracle_durable_end(k->oracle, l->token);
		return task_return(t, f->ret);
	}
	abort();
}

/* Has @inode been dirty for dirty_expire_centisecs (wb_writeback)? */
static bool inode_expired(const struct kernel *k, const struct inode *inode)
{
	return inode->dirtied_when &&
	       k->events.now - (inode->dirtied_when - 1) >=
	       k->cfg.dirty_expire_ns;
}

static struct inode *next_live_inode(struct kernel *k, uint64_t *cursor,
				     unsigned int mode)
{
	while (*cursor < k->inodes->len) {
		struct inode *inode = g_ptr_array_index(k->inodes, (*cursor)++);

		if (!inode->evicted &&
		    (mode != WB_KUPDATE || inode_expired(k, inode)))
			return inode;
	}
	return NULL;
}

/**
 * fn_sync_all - sync(2) (r.flags == WB_SYNC_ALL: write, wait, log force) or
 * the flusher (WB_SYNC_NONE: write every dirty inode, wait for the I/O,
 * no log force).  r.done is the inode cursor; r.start the epoch of sync's
 * durable point (oracle_sync_all()), which it returns, 0 for the flusher.
 */
enum step_result fn_sync_all(struct kernel *k, struct task *t,
			     struct frame *f)
{
	struct range_locals *l = &f->u.r;
	struct frame c = { 0 };
	struct inode *inode;

	c.u.r.end = UINT64_MAX;
	c.u.r.flags = l->flags == WB_SYNC_ALL ? WB_SYNC_ALL : WB_SYNC_NONE;
	if (f->pc == 0 && l->done == 0 && l->flags == WB_SYNC_ALL) {
		l->token = oracle_durable_begin(k->oracle);
		l->start = oracle_sync_all(k->oracle);	/* durable point */
	}
	switch (f->pc) {
	case 0:		/* wb_writeback / sync_inodes_sb: write phase */
		t->step_name = "sync_inodes_sb";
		inode = next_live_inode(k, &l->done, l->flags);
		if (!inode) {
			l->done = 0;
			f->pc = 1;
			return STEP_NEXT;
		}
		c.u.r.inode = inode;
		task_call(t, FN_WRITEPAGES, &c);
		return STEP_NEXT;
	case 1:		/* wait phase */
		t->step_name = "wait_sb_inodes";
		inode = next_live_inode(k, &l->done, l->flags);
		if (!inode) {
			f->pc = 2;
			return STEP_NEXT;
		}
		c.u.r.inode = inode;
		task_call(t, FN_FDATAWAIT, &c);
		return STEP_NEXT;
	case 2:
		t->step_name = "sync_fs";
		if (l->flags == WB_SYNC_ALL)
			xfs_log_force(k);
		oracle_durable_end(k->oracle, l->token);
		return task_return(t, (int64_t)l->start);
	}
	abort();
}
