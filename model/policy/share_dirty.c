// SPDX-License-Identifier: MIT
/*
 * model/policy/share_dirty.c - dirty pages may stay shared between inodes
 * (Miklos Szeredi in the 2017 thread: "Or we can let dirty pages be shared
 * between inodes ... do we care about which inode we use for writing back
 * the data?").
 *
 * Clone and dedupe do not write the source back: every cached, uptodate
 * source page of the range, clean or dirty, gains the destination as a
 * second owner.  A dirty source page over delalloc space gives the
 * destination its own delalloc reservation at its index.  A store through
 * either owner copies first (model/share.c), as in share-clean.
 *
 * Writeback of a page with several owners ("all hosts"): the data is
 * written once, to one newly allocated block; every owner's COW fork stages
 * that block at the owner's index, and I/O completion remaps every owner's
 * data fork to it (xfs_reflink_end_cow per owner), dropping the old blocks.
 * Each owner's extent map and the disk agree with what each file reads.
 *
 * What it saves: the writeback before a clone, and the copies of dirty
 * data.  What it costs: writeback must know every owner (the host question
 * of the thread), and block allocation at writeback for all of them.
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/policy.h"
#include "model/share_policy.h"

static bool shareable(const struct page *p)
{
	return page_test(p, PG_uptodate) && !page_test(p, PG_writeback) &&
	       !page_test(p, PG_locked);
}

/*
 * Every owner of a dirty shared page needs the space its own writeback
 * would use, as if it had written the page itself: delalloc over a hole
 * (the source's dirty delalloc range is a hole in the clone), a COW fork
 * reservation over a block the clone made shared
 * (xfs_buffered_write_iomap_begin).  Without it a later single-owner
 * writeback would store into the shared block.
 */
static bool reserve_owner(struct page_owner *o, void *arg)
{
	struct kernel *k = arg;

	xfs_buffered_write_iomap_begin(k, o->mapping->host, o->index);
	return false;
}

static void share_dirty_remap(struct kernel *k, struct remap_locals *l)
{
	struct address_space *dst = l->dst->inode->i_mapping;
	pgoff_t didx = l->pos_out >> k->page_shift;
	uint64_t i, n = i_blocks_end(k, l->len);

	share_pages_after_remap(k, l, shareable);
	for (i = 0; i < n; i++) {
		struct page *p = filemap_get_page(dst, didx + i);

		if (p && page_test(p, PG_dirty))
			page_for_each_owner(k, p, reserve_owner, k);
	}
}

struct allhost_ctx {
	struct kernel *k;
	uint64_t block;
	unsigned int n;
};

/* Stage the new block in one owner's COW fork at its index. */
static bool stage_owner(struct page_owner *o, void *arg)
{
	struct allhost_ctx *c = arg;
	struct inode *inode = o->mapping->host;

	inode_free_blocks(c->k, inode, inode->i_cowfp, o->index, 1);
	if (c->n++)
		bdev_get(c->k, c->block);
	bmap_set(inode->i_cowfp, o->index, 1, EXT_UNWRITTEN, c->block);
	inode->log_dirty = true;
	return false;
}

/*
 * The block for an all-host writeback, out of the writing owner's own
 * reservation if free space is short (the clone reserved one for every
 * owner): its delalloc extent, in the COW fork or the data fork, gives the
 * reservation up as xfs_map_blocks' conversion would.  The other owners'
 * reservations go when their completion replaces their extents.
 */
static int allhost_alloc(struct kernel *k, struct inode *inode,
			 pgoff_t index, uint64_t *block)
{
	struct bmap *forks[] = { inode->i_cowfp, inode->i_df };
	struct bmap_irec irec;
	unsigned int i;

	if (!bdev_alloc(k, block, false))
		return 0;
	for (i = 0; i < G_N_ELEMENTS(forks); i++) {
		bmap_lookup(forks[i], index, &irec);
		if (irec.br_state != EXT_DELALLOC)
			continue;
		if (bdev_alloc(k, block, true))
			return -ENOSPC;
		bmap_set(forks[i], index, 1, EXT_HOLE, BMAP_NOBLOCK);
		return 0;
	}
	return -ENOSPC;
}

/*
 * writepage for all hosts: one new block, staged in every owner's COW fork,
 * then the ordinary single-host path writes it (the COW fork is looked up
 * first) and the completion remaps every owner (see bio_end_io).
 */
static void allhost_writepage(struct kernel *k,
			      struct iomap_writepage_ctx *wpc,
			      struct inode *inode, struct page *p,
			      pgoff_t index)
{
	struct allhost_ctx c = { k, 0, 0 };

	if (!folio_shared(p) || allhost_alloc(k, inode, index, &c.block)) {
		writepage_map(k, wpc, inode, p, index);
		return;
	}
	k->stats.cow_block_allocs++;
	page_for_each_owner(k, p, stage_owner, &c);
	__writepage_map(k, wpc, inode, p, index, true);
}

const struct policy_ops policy_share_dirty_allhosts = {
	.name = "share-dirty-allhosts",
	.kind = POLICY_DESIGN,
	.flags = POLICY_ALLHOST_WRITEBACK | POLICY_NO_SOURCE_FLUSH,
	.description = "clone shares clean and dirty pages without writeback; "
		       "writeback writes a shared page once and remaps every "
		       "owner (Szeredi, linux-fsdevel 2017-01)",
	.remap = share_dirty_remap,
	.writepage = allhost_writepage,
};

const struct policy_ops policy_share_dirty_onehost = {
	.name = "share-dirty-onehost",
	.kind = POLICY_MUTANT,
	.flags = POLICY_ALLHOST_WRITEBACK | POLICY_NO_SOURCE_FLUSH,
	.description = "share-dirty whose writeback goes through page->mapping "
		       "only: the other owner's extents keep the old data "
		       "(caught: data)",
	.remap = share_dirty_remap,
};
