// SPDX-License-Identifier: MIT
/*
 * model/fiemap.c - what FIEMAP and mincore(2) would report of a file.
 *
 * Scope: read-only queries of the state between system calls, for the
 * end-of-run dump that scripts/kernel-diff compares with the real kernel
 * (`pcsim run --extents-out`, sim/extents.c).  Nothing here takes a lock,
 * runs a step or changes a counter: the caller holds no call in progress,
 * so every fork and every i_pages is consistent.
 *
 * FIEMAP (xfs_vn_fiemap -> iomap_fiemap with xfs_read_iomap_ops) reports
 * the data fork: written and unwritten extents, delalloc ones as
 * FIEMAP_EXTENT_DELALLOC, holes not at all; XFS splits an extent where its
 * blocks' sharing changes (xfs_reflink_trim_around_shared) and flags the
 * shared part FIEMAP_EXTENT_SHARED.  Here a block is shared when its
 * reference count (the refcount btree, model/bdev.c) is above one; a COW
 * fork staging extent always owns a block of its own, so that count is
 * the number of data fork references.  Each reported extent is a maximal
 * run of file blocks with the same flags; physical contiguity is not
 * reported (no caller compares block numbers, which depend on the
 * allocator).
 *
 * mincore (mincore_page -> filemap_get_entry on the file's f_mapping)
 * reports the pages found in inode->i_mapping at the file's indices; a
 * DAX entry is not a page-cache page and is not reported.
 */
#include "model/core.h"

void kernel_for_each_name(struct kernel *k, sys_name_fn fn, void *arg)
{
	GTreeNode *n;

	for (n = g_tree_node_first(k->dir); n; n = g_tree_node_next(n))
		fn(arg, g_tree_node_key(n));
}

/* One fiemap walk: the run of blocks not yet reported. */
struct fiemap_ctx {
	const struct kernel *k;
	sys_fiemap_fn fn;
	void *arg;
	uint64_t start, count;		/* file blocks of the pending run */
	unsigned int flags;
};

static void fiemap_flush(struct fiemap_ctx *c)
{
	uint64_t bs = kpage_size(c->k);

	if (c->count)
		c->fn(c->arg, c->start * bs, c->count * bs, c->flags);
	c->count = 0;
}

/* Add file block @fsb with @flags: extend the pending run or start one. */
static void fiemap_add(struct fiemap_ctx *c, uint64_t fsb, unsigned int flags)
{
	if (c->count && c->start + c->count == fsb && c->flags == flags) {
		c->count++;
		return;
	}
	fiemap_flush(c);
	c->start = fsb;
	c->count = 1;
	c->flags = flags;
}

static unsigned int block_flags(const struct kernel *k,
				const struct bmap_irec *irec, uint64_t i)
{
	unsigned int flags = 0;

	if (irec->br_state == EXT_DELALLOC)
		return SYS_FIEMAP_DELALLOC;
	if (irec->br_state == EXT_UNWRITTEN)
		flags |= SYS_FIEMAP_UNWRITTEN;
	if (k->bdev.blocks[irec->br_startblock + i].refcount > 1)
		flags |= SYS_FIEMAP_SHARED;
	return flags;
}

static int fiemap_extent(const struct bmap_irec *irec, void *arg)
{
	struct fiemap_ctx *c = arg;
	uint64_t i;

	for (i = 0; i < irec->br_blockcount; i++)
		fiemap_add(c, irec->br_startoff + i, block_flags(c->k, irec, i));
	return 0;
}

int kernel_file_size(struct kernel *k, const char *name, uint64_t *size)
{
	struct inode *inode = inode_lookup(k, name);

	if (!inode)
		return -ENOENT;
	*size = inode->i_size;
	return 0;
}

int kernel_fiemap(struct kernel *k, const char *name, sys_fiemap_fn fn,
		  void *arg)
{
	struct inode *inode = inode_lookup(k, name);
	struct fiemap_ctx c = { .k = k, .fn = fn, .arg = arg };

	if (!inode)
		return -ENOENT;
	bmap_walk(inode->i_df, 0, UINT64_MAX, fiemap_extent, &c);
	fiemap_flush(&c);
	return 0;
}

int kernel_mincore(struct kernel *k, const char *name, sys_mincore_fn fn,
		   void *arg)
{
	struct inode *inode = inode_lookup(k, name);
	struct page *p;
	uint64_t index;

	if (!inode)
		return -ENOENT;
	xa_for_each(&inode->i_mapping->i_pages, index, p)
		if (!page_test(p, PG_dax))
			fn(arg, index);
	return 0;
}
