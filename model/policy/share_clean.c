// SPDX-License-Identifier: MIT
/*
 * model/policy/share_clean.c - share only clean, uptodate pages between
 * inodes (Jan Kara in the 2017 thread: "share only read-only pages";
 * Dave Chinner's XFS page-cache sharing notes, 2016/2017).
 *
 * Clone and dedupe write the source range back first, as mainline does
 * (generic_remap_file_range_prep); then every cached source page of the
 * range that is clean, uptodate, idle and not under writeback is inserted
 * into the destination's i_pages at the destination's own index: one page,
 * two owners, (src, off1) and (dst, off2).  Any dirtying through an owner -
 * write(), a write fault, the partial-page zeroing of truncate or punch -
 * first gives that owner a private copy (folio_cow_break, model/share.c),
 * so a dirty page always has one owner and writeback one host.
 *
 * What it saves: the destination's cache misses and memory for data read
 * before the clone.  What it costs: a page copy on the first write through
 * either owner, and rmap walks over every owner.
 */
#include "model/core.h"
#include "model/policy.h"
#include "model/share_policy.h"

/* Can @p be shared into another mapping right now? */
static bool shareable_clean(const struct page *p)
{
	return page_test(p, PG_uptodate) && !page_test(p, PG_dirty) &&
	       !page_test(p, PG_writeback) && !page_test(p, PG_locked);
}

/**
 * share_pages_after_remap - insert the source pages of a finished remap
 * into the destination at the destination's indices.
 * @ok: which source pages may be shared.
 *
 * Context: both files' i_rwsem and invalidate_lock held (fn_remap); the
 * destination range was invalidated by xfs_flush_unmap_range.
 */
void share_pages_after_remap(struct kernel *k, struct remap_locals *l,
			     bool (*ok)(const struct page *p))
{
	struct address_space *src = l->src->inode->i_mapping;
	struct address_space *dst = l->dst->inode->i_mapping;
	pgoff_t sidx = l->pos_in >> k->page_shift;
	pgoff_t didx = l->pos_out >> k->page_shift;
	uint64_t i, n = i_blocks_end(k, l->len);

	for (i = 0; i < n; i++) {
		struct page *p = filemap_get_page(src, sidx + i);

		if (!p || !ok(p) || filemap_get_page(dst, didx + i))
			continue;
		/*
		 * A PTE of the source may still be writable (share-dirty does
		 * not write the source back first): write-protect it, so the
		 * next store faults and copies the page.
		 */
		folio_mkclean(k, p);
		filemap_add_folio(k, dst, p, didx + i);
		trace_step(k, "share page %llu into inode %llu index %llu",
			   (unsigned long long)p->id,
			   (unsigned long long)dst->host->i_ino,
			   (unsigned long long)(didx + i));
	}
}

static void share_clean_remap(struct kernel *k, struct remap_locals *l)
{
	share_pages_after_remap(k, l, shareable_clean);
}

const struct policy_ops policy_share_clean = {
	.name = "share-clean",
	.kind = POLICY_DESIGN,
	.description = "clone writes back, then shares clean uptodate source "
		       "pages into the destination; any dirtying copies to a "
		       "private page (Kara, linux-fsdevel 2017-01)",
	.remap = share_clean_remap,
};

/* ------------------------------------------------------------ mutants */

/* Shares whatever is cached, dirty or not, without writing back first. */
static bool shareable_any(const struct page *p)
{
	return page_test(p, PG_uptodate) && !page_test(p, PG_writeback) &&
	       !page_test(p, PG_locked);
}

static void share_noflush_remap(struct kernel *k, struct remap_locals *l)
{
	share_pages_after_remap(k, l, shareable_any);
}

const struct policy_ops policy_share_clean_noflush = {
	.name = "share-clean-noflush",
	.kind = POLICY_MUTANT,
	.flags = POLICY_NO_SOURCE_FLUSH,
	.description = "share-clean without the writeback before sharing: a "
		       "dirty source page gets two owners (caught: "
		       "host-ambiguity)",
	.remap = share_noflush_remap,
};

/* The store goes to the shared page itself: no copy. */
static struct page *no_unshare(struct kernel *k, struct task *t,
			       struct page *p, struct address_space *m,
			       uint64_t index)
{
	return p;
}

const struct policy_ops policy_share_clean_nocow = {
	.name = "share-clean-nocow",
	.kind = POLICY_MUTANT,
	.description = "share-clean that writes into a shared page in place "
		       "instead of copying it (caught: cow-before-write)",
	.remap = share_clean_remap,
	.unshare = no_unshare,
};

/* Copies, but leaves the writer's PTEs on the shared page. */
static struct page *cow_keep_ptes(struct kernel *k, struct task *t,
				  struct page *p, struct address_space *m,
				  uint64_t index)
{
	return __folio_cow_break(k, t, p, m, index, NULL, 0);
}

const struct policy_ops policy_share_clean_cow_mapped = {
	.name = "share-clean-cow-mapped",
	.kind = POLICY_MUTANT,
	.description = "share-clean whose COW leaves the old page mapped in "
		       "the writer's VMAs (caught: rmap-complete)",
	.remap = share_clean_remap,
	.unshare = cow_keep_ptes,
};

/*
 * Copies, but zaps the PTEs through page->mapping (the primary owner)
 * instead of the writer's mapping: right when the writer is the primary
 * owner, wrong when it writes through a clone.
 */
static struct page *cow_unmap_primary(struct kernel *k, struct task *t,
				      struct page *p, struct address_space *m,
				      uint64_t index)
{
	return __folio_cow_break(k, t, p, m, index, p->mapping, p->index);
}

const struct policy_ops policy_share_clean_unmap_primary = {
	.name = "share-clean-unmap-primary",
	.kind = POLICY_MUTANT,
	.description = "share-clean whose COW unmaps through page->mapping "
		       "only, not the writer's mapping (caught: rmap-complete)",
	.remap = share_clean_remap,
	.unshare = cow_unmap_primary,
};
