// SPDX-License-Identifier: MIT
/*
 * model/inode.c - inodes, the directory, eviction, the log and recovery.
 *
 * Scope: creating and naming regular files in one flat directory, freeing
 * their blocks, and the journal as far as crash semantics need it.
 *
 * The log.  Every metadata change (extent maps, i_disk_size, directory
 * entries) is a transaction committed in memory.  A log force (fsync, sync,
 * unmount, xfs_extent_busy_flush) makes every committed transaction durable:
 * the persisted copies p_df/p_size/p_exists and p_dir are refreshed for each
 * inode changed since the last force.  A crash recovers exactly the persisted
 * state: forks from p_df, sizes from p_size, names from p_dir; block
 * refcounts are rebuilt from the recovered data forks, and COW fork staging
 * extents are dropped, as xfs_reflink_recover_cow() does.
 *
 * Inode objects are never freed before the kernel is: a crash may bring an
 * unlinked inode back.  Eviction frees only in-core state.
 */
#include <stdlib.h>
#include <string.h>

#include "model/core.h"
#include "model/slab.h"
#include "model/never.h"
#include "model/oracle.h"
#include "model/policy.h"

void inode_mapping_init(struct address_space *m, struct inode *inode)
{
	m->host = inode;
	xa_init(&m->i_pages);
	m->i_mmap.root = NULL;
	m->i_mmap.count = 0;
	rwsem_init(&m->invalidate_lock, "invalidate_lock",
		   LOCK_CLASS_INVALIDATE, inode->i_ino);
	rwsem_init(&m->i_mmap_rwsem, "i_mmap_rwsem", LOCK_CLASS_I_MMAP,
		   inode->i_ino);
}

struct inode *inode_new(struct kernel *k)
{
	struct inode *inode = calloc(1, sizeof(*inode));

	if (NEVER(!inode))
		abort();
	inode->i_ino = k->inodes->len + 1;
	inode->i_df = bmap_new();
	inode->i_cowfp = bmap_new();
	inode->log_dirty = true;
	rwsem_init(&inode->i_rwsem, "i_rwsem", LOCK_CLASS_I_RWSEM,
		   inode->i_ino);
	inode->i_mapping = &inode->i_data;
	inode_mapping_init(&inode->i_data, inode);
	inode->i_data.nviews = 1;	/* live, no pages yet */
	g_ptr_array_add(k->inodes, inode);
	oracle_create(k->oracle, inode->i_ino);
	return inode;
}

struct inode *kernel_inode(struct kernel *k, uint64_t ino)
{
	if (!ino || ino > k->inodes->len)
		return NULL;
	return g_ptr_array_index(k->inodes, ino - 1);
}

struct inode *inode_lookup(struct kernel *k, const char *name)
{
	return g_tree_lookup(k->dir, name);
}

void inode_link(struct kernel *k, const char *name, struct inode *inode)
{
	g_tree_insert(k->dir, g_strdup(name), inode);
	inode->i_nlink++;
	inode->log_dirty = true;
}

/* Remove a name; the inode goes once it is also closed (iput_final). */
void inode_unlink(struct kernel *k, const char *name)
{
	struct inode *inode = inode_lookup(k, name);

	if (!inode)
		return;
	g_tree_remove(k->dir, name);
	inode->i_nlink--;
	inode->log_dirty = true;
	if (!inode->i_count && !inode->i_nlink)
		inode_evict(k, inode);
}

/* The last open file of @inode closed. */
void inode_release(struct kernel *k, struct inode *inode)
{
	inode->i_count--;
	if (!inode->i_count && !inode->i_nlink)
		inode_evict(k, inode);
}

struct free_ctx {
	struct kernel *k;
};

static int free_extent(const struct bmap_irec *irec, void *arg)
{
	struct kernel *k = arg;
	uint64_t i;

	if (irec->br_state == EXT_DELALLOC) {
		bdev_unreserve(k, irec->br_blockcount);
		return 0;
	}
	for (i = 0; i < irec->br_blockcount; i++)
		bdev_put(k, irec->br_startblock + i);
	return 0;
}

/**
 * inode_free_blocks - unmap [@fsb, @fsb + @count) of @fork, dropping block
 * references (xfs_bunmapi + xfs_refcount_decrease_extent) and delalloc
 * reservations.
 */
void inode_free_blocks(struct kernel *k, struct inode *inode,
		       struct bmap *fork, uint64_t fsb, uint64_t count)
{
	if (!count)
		return;
	bmap_walk(fork, fsb, count, free_extent, k);
	bmap_set(fork, fsb, count, EXT_HOLE, BMAP_NOBLOCK);
	inode->log_dirty = true;
}

/*
 * Let go of @p, held by (@m, @index) alone, on a dying kernel: the page
 * index, the LRU and the cache statistics go with the kernel, so the page
 * only leaves the LRU list (its neighbours outlive it) and is put; where
 * the slab frees its frames whole (@whole) and only this slot holds the
 * page, not even that: its frame goes with the slab and its content with
 * the content pool.  Nothing reads what teardown would report.  Return:
 * false for a page with other owners (their entry in kernel->xowners goes
 * with the last of them) or a DAX pfn, which filemap_remove_folio() drops.
 */
static bool drop_page_final(struct kernel *k, struct page *p,
			    struct address_space *m, pgoff_t index,
			    bool whole)
{
	if (!k->dying || p->mapping != m || p->index != index ||
	    p->nxowners || page_test(p, PG_dax))
		return false;
	if (whole && p->refcount == 1)
		return true;
	list_del_init(&p->lru);
	p->mapping = NULL;
	put_page(k, p);
	return true;
}

/*
 * Drop every page of an unused inode: truncate_inode_pages_final.  Erasing
 * a slot clears its tags.  On a dying kernel the index is freed whole.
 */
static void drop_all_pages(struct kernel *k, struct inode *inode)
{
	struct address_space *m = inode->i_mapping;
	bool whole = k->dying && page_slab_frees_whole();
	struct page *p;
	uint64_t index;

	xa_for_each(&m->i_pages, index, p) {
		if (drop_page_final(k, p, m, index, whole))
			continue;
		if (folio_nr_owners(p) == 1)
			page_clear(k, p, PG_dirty);
		filemap_remove_folio(k, p, m, index);
	}
	if (k->dying) {
		xa_destroy(&m->i_pages);
		m->nrpages = 0;
	}
}

/*
 * File page views (kstats.file_views, the "saved" metric of model/sys.c):
 * a live file sees every page of its i_mapping.  These two are the only
 * writers of i_mapping and evicted for files, so that the counter follows
 * in O(1) what a sum over every inode would give (check_all() compares).
 */
static void views_change(struct kernel *k, struct inode *inode, int delta)
{
	struct address_space *m = inode->i_mapping;

	m->nviews += delta;
	k->stats.file_views += delta * (int64_t)m->nrpages;
}

void inode_set_mapping(struct kernel *k, struct inode *inode,
		       struct address_space *m)
{
	if (!inode->evicted)
		views_change(k, inode, -1);
	inode->i_mapping = m;
	if (!inode->evicted)
		views_change(k, inode, 1);
	check_mark_inode(k, inode);
}

void inode_set_evicted(struct kernel *k, struct inode *inode, bool evicted)
{
	if (inode->evicted != evicted)
		views_change(k, inode, evicted ? -1 : 1);
	inode->evicted = evicted;
}

/**
 * inode_evict - the inode has no name and no open file: free it in core.
 * Its blocks are freed by the inactivation transaction.
 */
void inode_evict(struct kernel *k, struct inode *inode)
{
	mapping_detach(k, inode);
	drop_all_pages(k, inode);
	if (!k->dying || k->policy->block_changed) {	/* else the disk
							   goes whole */
		inode_free_blocks(k, inode, inode->i_df, 0, UINT64_MAX);
		inode_free_blocks(k, inode, inode->i_cowfp, 0, UINT64_MAX);
	}
	inode_set_evicted(k, inode, true);
	i_size_write(k, inode, 0);
	inode->i_disk_size = 0;
	oracle_remove(k->oracle, inode->i_ino);
}

static gboolean persist_dirent(gpointer key, gpointer value, gpointer data)
{
	GTree *p_dir = data;
	struct inode *inode = value;

	g_tree_insert(p_dir, g_strdup(key), (gpointer)(uintptr_t)inode->i_ino);
	return FALSE;
}

static int collect_delalloc(const struct bmap_irec *irec, void *arg)
{
	if (irec->br_state == EXT_DELALLOC)
		g_array_append_val((GArray *)arg, *irec);
	return 0;
}

/*
 * The log holds real extents only: delalloc reservations are in-core state
 * (xfs_bmapi_reserve_delalloc never logs), so a crash forgets them.
 */
static struct bmap *bmap_dup_logged(const struct bmap *df)
{
	struct bmap *copy = bmap_dup(df);
	GArray *d = g_array_new(FALSE, FALSE, sizeof(struct bmap_irec));
	guint i;

	bmap_walk(copy, 0, UINT64_MAX, collect_delalloc, d);
	for (i = 0; i < d->len; i++) {
		struct bmap_irec *e = &g_array_index(d, struct bmap_irec, i);

		bmap_set(copy, e->br_startoff, e->br_blockcount, EXT_HOLE,
			 BMAP_NOBLOCK);
	}
	g_array_free(d, TRUE);
	return copy;
}

static void persist_inode(struct inode *inode)
{
	bmap_free(inode->p_df);
	inode->p_df = inode->evicted ? NULL : bmap_dup_logged(inode->i_df);
	inode->p_size = inode->i_disk_size;
	inode->p_exists = !inode->evicted;
	inode->log_dirty = false;
}

/**
 * xfs_log_force - make every committed transaction durable.
 *
 * Context: called from fsync, sync, unmount and block allocation; atomic
 * with respect to other steps (the CIL push is one event here).
 */
void xfs_log_force(struct kernel *k)
{
	guint i;

	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		if (inode->log_dirty)
			persist_inode(inode);
	}
	g_tree_destroy(k->p_dir);
	k->p_dir = g_tree_new_full(dir_name_cmp, NULL, g_free,
				   NULL);
	g_tree_foreach(k->dir, persist_dirent, k->p_dir);
	bdev_log_force(k);
}

static int recount_extent(const struct bmap_irec *irec, void *arg)
{
	struct kernel *k = arg;
	uint64_t i;

	for (i = 0; i < irec->br_blockcount; i++) {
		struct block *blk = &k->bdev.blocks[irec->br_startblock + i];

		if (blk->state != BLK_USED) {
			blk->state = BLK_USED;
			k->bdev.nfree--;
		}
		blk->refcount++;
	}
	return 0;
}

/* Rebuild the block refcounts from the recovered data forks. */
static void recover_refcounts(struct kernel *k)
{
	struct block_device *b = &k->bdev;
	uint64_t i;

	for (i = 0; i < b->nblocks; i++) {
		b->blocks[i].state = BLK_FREE;
		b->blocks[i].refcount = 0;
		b->blocks[i].inflight = 0;
	}
	b->nfree = b->nblocks;
	b->nbusy = 0;
	b->reserved = 0;
	g_array_set_size(b->busy, 0);
	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		if (!inode->evicted)
			bmap_walk(inode->i_df, 0, UINT64_MAX, recount_extent,
				  k);
	}
}

static void recover_inode(struct kernel *k, struct inode *inode)
{
	mapping_detach(k, inode);
	bmap_free(inode->i_df);
	bmap_free(inode->i_cowfp);
	inode->i_cowfp = bmap_new();
	inode->i_df = inode->p_df ? bmap_dup(inode->p_df) : bmap_new();
	inode_set_evicted(k, inode, !inode->p_exists);
	i_size_write(k, inode, inode->p_size);
	inode->i_disk_size = inode->p_size;
	inode->i_nlink = 0;
	inode->i_count = 0;
	inode->i_dio_count = 0;
	inode->i_flags &= ~XFS_DIFLAG2_REFLINK;
	inode->log_dirty = false;
}

static gboolean recover_dirent(gpointer key, gpointer value, gpointer data)
{
	struct kernel *k = data;
	struct inode *inode = kernel_inode(k, (uintptr_t)value);

	g_tree_insert(k->dir, g_strdup(key), inode);
	inode->i_nlink++;
	return FALSE;
}

/**
 * xfs_log_recover - after a crash (the page cache is already gone), bring
 * back the state of the last log force.
 */
void xfs_log_recover(struct kernel *k)
{
	guint i;

	for (i = 0; i < k->inodes->len; i++)
		recover_inode(k, g_ptr_array_index(k->inodes, i));
	g_tree_destroy(k->dir);
	k->dir = g_tree_new_full(dir_name_cmp, NULL, g_free, NULL);
	g_tree_foreach(k->p_dir, recover_dirent, k);
	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		if (!inode->i_nlink)
			inode_set_evicted(k, inode, true);
	}
	recover_refcounts(k);
}

/* One past the last file block that holds bytes below @size. */
/* i_size_write: set the in-core size, noted for the checker (eof). */
void i_size_write(struct kernel *k, struct inode *inode, uint64_t size)
{
	uint64_t old = inode->i_size;

	inode->i_size = size;
	check_mark_size(k, inode, old);
}

uint64_t i_blocks_end(const struct kernel *k, uint64_t size)
{
	return (size + kpage_size(k) - 1) >> k->page_shift;
}

/* Directory name order: strcmp, as a GCompareDataFunc. */
gint dir_name_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	(void)unused;
	return strcmp(a, b);
}
