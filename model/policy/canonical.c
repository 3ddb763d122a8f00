// SPDX-License-Identifier: MIT
/*
 * model/policy/canonical.c - a canonical, physically indexed cache for the
 * pages of shared extents (Matthew Wilcox on linux-fsdevel and at LSF/MM
 * 2019/2020: "cache shared extents by physical block, in the block device's
 * page cache"; Josef Bacik and Goldwyn Rodrigues' btrfs RFC, 2022; the ZFS
 * ARC, which is indexed by block address and not by file).
 *
 * One anonymous inode stands for the block device; its mapping is indexed
 * by disk block number.  A page of a shared extent lives there, at its
 * block, and every file that reads it refers to it: the page has the
 * canonical owner (bdev, block) plus one owner (file mapping, file index)
 * per file.
 *
 *   read miss   a file page over a written block with more than one extent
 *               reference takes the canonical page of that block, reading
 *               it first if it is not cached.  The read goes through the
 *               bdev inode, whose data fork is the identity map, so it
 *               fetches the block itself whatever happens to the file
 *               meanwhile (a truncate racing a fault, say).  The EOF page
 *               stays private: each file zeroes its own tail beyond
 *               i_size, and sharers of a block may differ in size.
 *   clone       after the source range is written back, the source's
 *               clean, uptodate, unlocked pages of the range get the
 *               canonical owner too, so the destination's misses find them.
 *               Pages mapped by the source stay mapped: no PTE of a clean
 *               page is writable (the writeback before the clone cleaned
 *               them), so the next store through one faults and COWs.
 *   store       the core copies a page with several owners first
 *               (folio_prepare_store): a write moves the page into the
 *               file's private cache, and canonical pages stay clean.
 *   block write a write bio to a block, or freeing it, drops the canonical
 *               owner of its page, so a block rewritten in place after its
 *               sharing ended is never served stale to its next sharer.
 *
 * What it saves: one cached page per shared block however many files read
 * it, and the read I/O of every file after the first.  What it costs: a
 * page copy on the first write through any file; an extra page when a
 * file's EOF block is shared; canonical pages that no file refers to any
 * more (its sharers were removed) stay cached until reclaim, drop_caches or
 * a write to the block.
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/never.h"
#include "model/policy.h"

struct canonical {
	struct inode *bdev;	/* the block device's page cache */
};

static struct inode *bdev_inode(struct kernel *k)
{
	return ((struct canonical *)k->policy_priv)->bdev;
}

/*
 * The shared, written block behind page @index of @inode, or BMAP_NOBLOCK if
 * the page is private: a hole, unwritten or delalloc range, a block with one
 * reference, or the EOF page.
 */
static uint64_t shared_block(struct kernel *k, struct inode *inode,
			     pgoff_t index)
{
	struct bmap_irec irec;

	if ((index + 1) << k->page_shift > inode->i_size)
		return BMAP_NOBLOCK;
	bmap_lookup(inode->i_df, index, &irec);
	if (irec.br_state != EXT_WRITTEN ||
	    k->bdev.blocks[irec.br_startblock].refcount < 2)
		return BMAP_NOBLOCK;
	return irec.br_startblock;
}

static void trace_canonical(struct kernel *k, const char *what,
			    const struct page *p, uint64_t block)
{
	trace_step(k, "canonical %s page %llu block %llu", what,
		   (unsigned long long)p->id, (unsigned long long)block);
}

/* A miss of (@inode, @index) over a shared block: the block's page. */
static struct page *canonical_read_miss(struct kernel *k, struct task *t,
					struct inode *inode, uint64_t index)
{
	struct inode *bdev = bdev_inode(k);
	uint64_t block = shared_block(k, inode, index);
	struct page *p;

	if (block == BMAP_NOBLOCK)
		return NULL;
	p = filemap_get_page(bdev->i_mapping, block);
	if (p) {
		get_page(p);
		trace_canonical(k, "hit", p, block);
	} else {
		p = page_cache_read(k, t, bdev->i_mapping, block, bdev, block);
		trace_canonical(k, "read", p, block);
	}
	filemap_add_folio(k, inode->i_mapping, p, index);
	return p;
}

/* Can the source page @p join the canonical cache right now? */
static bool adoptable(const struct page *p)
{
	return page_test(p, PG_uptodate) && !page_test(p, PG_dirty) &&
	       !page_test(p, PG_writeback) && !page_test(p, PG_locked);
}

/* Give the cached page (@inode, @index) the canonical owner. */
static void adopt_page(struct kernel *k, struct inode *inode, pgoff_t index)
{
	struct address_space *cm = bdev_inode(k)->i_mapping;
	struct page *p = filemap_get_page(inode->i_mapping, index);
	uint64_t block;

	if (!p || !adoptable(p))
		return;
	block = shared_block(k, inode, index);
	if (block == BMAP_NOBLOCK || filemap_get_page(cm, block))
		return;
	filemap_add_folio(k, cm, p, block);
	trace_canonical(k, "adopt", p, block);
}

/*
 * After clone or dedupe (both files' i_rwsem and invalidate_lock held, the
 * source range written back): the source's pages of the range move into
 * the canonical cache; the destination's misses will find them there.
 */
static void canonical_remap(struct kernel *k, struct remap_locals *l)
{
	pgoff_t first = l->pos_in >> k->page_shift;
	uint64_t i, n = i_blocks_end(k, l->len);

	for (i = 0; i < n; i++)
		adopt_page(k, l->src->inode, first + i);
}

/* @block is rewritten or freed: its canonical page no longer holds it. */
static void canonical_block_changed(struct kernel *k, uint64_t block)
{
	struct address_space *cm = bdev_inode(k)->i_mapping;
	struct page *p = filemap_get_page(cm, block);

	if (!p)
		return;
	trace_canonical(k, "drop", p, block);
	filemap_remove_folio(k, p, cm, block);
}

/* The bdev inode; its data fork maps block n to disk block n. */
static void canonical_init(struct kernel *k)
{
	struct canonical *c = calloc(1, sizeof(*c));

	if (NEVER(!c))
		abort();
	c->bdev = anon_inode_new(k);
	bmap_set(c->bdev->i_df, 0, k->bdev.nblocks, EXT_WRITTEN, 0);
	k->policy_priv = c;
}

/* The bdev inode itself is freed by the core (anon_inodes_free). */
static void canonical_fini(struct kernel *k)
{
	free(k->policy_priv);
	k->policy_priv = NULL;
}

const struct policy_ops policy_canonical_mapping = {
	.name = "canonical-mapping",
	.kind = POLICY_DESIGN,
	.description = "pages of shared extents live in a physically indexed "
		       "bdev cache that files refer to; writes copy to the "
		       "file's own cache (Wilcox LSF/MM 2019/2020, btrfs RFC "
		       "2022, ZFS ARC)",
	.remap = canonical_remap,
	.read_miss = canonical_read_miss,
	.block_changed = canonical_block_changed,
	.init = canonical_init,
	.fini = canonical_fini,
};
