// SPDX-License-Identifier: MIT
/*
 * model/share.c - the core mechanics of page sharing between inodes.
 *
 * Scope: what every sharing design needs and mainline never exercises:
 *
 *   folio_cow_break      a page shared with another inode is about to be
 *                        dirtied through mapping m: m gets a private copy
 *                        at the same index, m's PTEs of the shared page are
 *                        zapped, the other owners keep the original
 *   folio_prepare_store  the store path's entry: call the policy's unshare
 *                        hook when the page is shared with another inode
 *   check_store          cow-before-write at page level: no store reaches a
 *                        page that another inode also caches
 *   rmap_walk            the owners whose VMAs may map a page (policy hook)
 *
 * Locking: the shared page is locked by the caller; the private copy is
 * created locked by the same task.
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/never.h"
#include "model/policy.h"

bool rmap_walk(struct kernel *k, struct page *p, owner_fn fn, void *arg)
{
	if (k->policy->rmap_walk)
		return k->policy->rmap_walk(k, p, fn, arg);
	return page_for_each_owner(k, p, fn, arg);
}

/**
 * __folio_cow_break - give (@m, @index) a private copy of shared page @p,
 * zapping the PTEs of (@zap, @zap_index) first (@zap NULL: none).  Only
 * folio_cow_break() passes the right pair; mutants pass wrong ones.
 * Return: the copy, locked by @t, with a reference for the caller.
 */
struct page *__folio_cow_break(struct kernel *k, struct task *t,
			       struct page *p, struct address_space *m,
			       uint64_t index, struct address_space *zap,
			       uint64_t zap_index)
{
	struct page *copy = page_alloc(k, p->content);
	bool towrite = xa_get_mark(&m->i_pages, index, PAGECACHE_TAG_TOWRITE);

	folio_trylock(k, t, copy);
	page_set(k, copy, PG_uptodate);
	if (zap)
		unmap_mapping_range(k, zap, zap_index, zap_index, false);
	filemap_remove_folio(k, p, m, index);
	filemap_add_folio(k, m, copy, index);
	if (page_test(p, PG_dirty))
		folio_mark_dirty(k, copy);
	/*
	 * The slot keeps its marks, as replace_page_cache_folio's does: a
	 * sync that tagged the shared page TOWRITE must write the copy.
	 */
	if (towrite && page_test(copy, PG_dirty))
		xa_set_mark(&m->i_pages, index, PAGECACHE_TAG_TOWRITE);
	k->stats.cow_page_copies++;
	trace_step(k, "cow page %llu -> %llu (inode %llu index %llu)",
		   (unsigned long long)p->id, (unsigned long long)copy->id,
		   (unsigned long long)m->host->i_ino,
		   (unsigned long long)index);
	return copy;
}

/**
 * folio_cow_break - give (@m, @index) a private copy of shared page @p.
 *
 * The copy has @p's bytes and, if @p is dirty, is dirty too (the data is
 * not on disk for @m's file either).  @m's PTEs of @p are zapped first, so
 * the next access through @m faults in the copy.
 * Return: the copy, locked by @t, with a reference for the caller.
 */
struct page *folio_cow_break(struct kernel *k, struct task *t, struct page *p,
			     struct address_space *m, uint64_t index)
{
	return __folio_cow_break(k, t, p, m, index, m, index);
}

/**
 * folio_prepare_store - the page a store through (@m, @index) must go to.
 * @p: the locked page found there.
 *
 * Return: @p if only @m's inode caches it, else the policy's private copy
 * (locked, referenced); the caller then unlocks and puts @p.
 */
struct page *folio_prepare_store(struct kernel *k, struct task *t,
				 struct page *p, struct address_space *m,
				 uint64_t index)
{
	if (!folio_shared(p))
		return p;
	if (k->policy->unshare)
		return k->policy->unshare(k, t, p, m, index);
	return folio_cow_break(k, t, p, m, index);
}

/*
 * cow-before-write: a store through @m must not reach a page that another
 * (mapping, index) also owns, nor a page @m does not own at all.
 */
void check_store(struct kernel *k, const struct page *p,
		 const struct address_space *m)
{
	if (folio_shared(p) || !p->mapping || p->mapping != m)
		kernel_report(k, "cow-before-write",
			      "store through inode %llu to page %llu owned by inode %llu and %u other(s)",
			      (unsigned long long)m->host->i_ino,
			      (unsigned long long)p->id,
			      (unsigned long long)(p->mapping ?
						   p->mapping->host->i_ino : 0),
			      p->nxowners);
}

/* Move @inode's VMAs from mapping @from to mapping @to. */
static void move_vmas(struct kernel *k, struct inode *inode,
		      struct address_space *from, struct address_space *to)
{
	struct itree_node *n, *next;

	for (n = itree_iter_first(&from->i_mmap, 0, UINT64_MAX); n; n = next) {
		struct vm_area_struct *vma =
			itree_entry(n, struct vm_area_struct, shared);

		next = itree_iter_next(n, 0, UINT64_MAX);
		if (vma->vm_inode != inode)
			continue;
		itree_remove(&from->i_mmap, &vma->shared);
		vma->mapping = to;
		itree_insert(&to->i_mmap, &vma->shared);
		check_mark_vma(k, vma);	/* its PTEs' rmap changed */
		check_mark_immap(k, from);
	}
}

/* Give every page of @from an owner in @to at the same index. */
static void adopt_pages(struct kernel *k, struct address_space *from,
			struct address_space *to)
{
	uint64_t index;
	struct page *p;

	xa_for_each(&from->i_pages, index, p)
		filemap_add_folio(k, to, p, index);
}

/* Drop @m's ownership of all its pages. */
static void release_pages(struct kernel *k, struct address_space *m)
{
	uint64_t index;
	struct page *p;

	xa_for_each(&m->i_pages, index, p)
		filemap_remove_folio(k, p, m, index);
}

/* Another user of @m becomes its host when the host leaves. */
static void rehost(struct kernel *k, struct address_space *m,
		   struct inode *leaving)
{
	guint i;

	if (m->host != leaving)
		return;
	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		if (inode != leaving && inode->i_mapping == m) {
			m->host = inode;
			return;
		}
	}
}

/**
 * mapping_share - make @dst use the same address_space as @src
 * (shared-mapping: identical files share one mapping).
 *
 * The first time, @src's pages and VMAs move from its own i_data to a new,
 * separately allocated mapping (so that any user can leave it later); @dst's
 * own cache must be empty and unmapped.  The mapping's host, the inode
 * writeback and faults use, is @src.
 * Return: false if @dst cannot share (it has cached pages or VMAs).
 */
bool mapping_share(struct kernel *k, struct inode *src, struct inode *dst)
{
	struct address_space *m = src->i_mapping;

	if (dst->i_mapping != &dst->i_data || dst->i_data.nrpages ||
	    !itree_empty(&dst->i_data.i_mmap) || src == dst)
		return false;
	if (m == &src->i_data) {
		m = calloc(1, sizeof(*m));
		if (NEVER(!m))
			abort();
		inode_mapping_init(m, src);
		g_ptr_array_add(k->shared_mappings, m);
		adopt_pages(k, &src->i_data, m);
		release_pages(k, &src->i_data);
		move_vmas(k, src, &src->i_data, m);
		inode_set_mapping(k, src, m);
		m->nr_users = 1;
	}
	inode_set_mapping(k, dst, m);
	m->nr_users++;
	return true;
}

/**
 * mapping_detach - @inode stops using a shared mapping and takes nothing
 * with it (eviction, unmount, crash: its cache is going anyway).  The last
 * user to leave releases the mapping's pages; the struct is freed with the
 * kernel.
 */
void mapping_detach(struct kernel *k, struct inode *inode)
{
	struct address_space *m = inode->i_mapping;

	if (m == &inode->i_data)
		return;
	inode_set_mapping(k, inode, &inode->i_data);
	rehost(k, m, inode);
	if (!--m->nr_users)
		release_pages(k, m);
}

/**
 * mapping_unshare - @inode stops using a mapping shared with identical
 * files (shared-mapping: "clone the mapping at the first divergence").
 *
 * @inode gets its own i_data back; every page of the shared mapping gains
 * (@inode's mapping, same index) as an owner, so nothing is re-read and a
 * later store copies the page (folio_prepare_store).  @inode's VMAs move to
 * its own i_mmap.  No-op for an inode that uses its own mapping.
 *
 * Context: called before @inode's data or size changes, with the locks of
 * that operation held; one atomic step.
 */
void mapping_unshare(struct kernel *k, struct inode *inode)
{
	struct address_space *shared = inode->i_mapping;

	if (shared == &inode->i_data)
		return;
	adopt_pages(k, shared, &inode->i_data);
	move_vmas(k, inode, shared, &inode->i_data);
	mapping_detach(k, inode);
	trace_step(k, "unshare mapping of inode %llu (%llu pages)",
		   (unsigned long long)inode->i_ino,
		   (unsigned long long)inode->i_data.nrpages);
}

/* Free the mappings mapping_share() allocated (kernel teardown). */
void shared_mappings_free(struct kernel *k)
{
	guint i;

	for (i = 0; i < k->shared_mappings->len; i++) {
		struct address_space *m =
			g_ptr_array_index(k->shared_mappings, i);

		release_pages(k, m);
		xa_destroy(&m->i_pages);
		free(m);
	}
	g_ptr_array_free(k->shared_mappings, TRUE);
}
