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
#include "model/core.h"
#include "model/policy.h"

bool rmap_walk(struct kernel *k, struct page *p, owner_fn fn, void *arg)
{
	if (k->policy->rmap_walk)
		return k->policy->rmap_walk(p, fn, arg);
	return page_for_each_owner(p, fn, arg);
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

	folio_trylock(k, t, copy);
	page_set(copy, PG_uptodate);
	if (zap)
		unmap_mapping_range(k, zap, zap_index, zap_index, false);
	filemap_remove_folio(k, p, m, index);
	filemap_add_folio(k, m, copy, index);
	if (page_test(p, PG_dirty))
		folio_mark_dirty(k, copy);
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
