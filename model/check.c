// SPDX-License-Identifier: MIT
/*
 * model/check.c - the full-state invariant checker.
 *
 * Scope: walks every inode, page, mm and block and reports the first broken
 * rule by the name DESIGN.md section 5 gives it.  Each rule is stated where
 * it is checked.  The engine runs check_step() after every step, which
 * runs the full sweep (check_all) or the incremental check of the touched
 * objects (check_touched, model/checkq.c) as kconfig.check_mode says; the
 * "data" invariant is checked at each read and at quiescent points
 * (model/sysops.c), "cow-before-write" at bio submission
 * (model/writeback.c) and "deadlock" by the lock code and the engine.
 *
 * The checker only reads state; it never repairs anything.
 */
#include <stdlib.h>
#include <string.h>

#include "model/core.h"
#include "model/check.h"
#include "model/policy.h"

/*
 * A broken rule: reported, or while check_touched() probes only noted
 * (check_queue.hit), and every loop of the checker stops at the first.
 */
#define check_report(k, inv, fmt, ...)					\
	do {								\
		if ((k)->chkq.probing)					\
			(k)->chkq.hit = true;				\
		else							\
			kernel_report(k, inv, fmt, ##__VA_ARGS__);	\
	} while (0)

static bool stopped(const struct kernel *k)
{
	return k->violation || k->chkq.hit;
}

#define PAGE_REPORT(k, inv, p, fmt, ...)				\
	check_report(k, inv, "page %llu (inode %llu index %llu): " fmt,	\
		      (unsigned long long)(p)->id,			\
		      (unsigned long long)((p)->mapping ?		\
				(p)->mapping->host->i_ino : 0),		\
		      (unsigned long long)(p)->index, ##__VA_ARGS__)

/*
 * dirty-consistency: PG_dirty <=> DIRTY tag, PG_writeback <=> WRITEBACK
 * tag.  One exception, the kernel's own: writeback that finds a page beyond
 * EOF (racing with truncate) has already cleared PG_dirty and unlocks it
 * without starting writeback (iomap_writepage_handle_eof), so the DIRTY tag
 * stays until truncate removes the page.
 * index-consistent: the page found at index i of mapping m names (m, i) as
 * an owner.
 * host-ambiguity: a dirty or writeback page has exactly one owner, the one
 * writeback will use (a DAX pfn's writeback is a cache flush: no host).
 * uptodate: a mapped page is uptodate.
 * @marks: the slot's marks (xa_get_marks()).
 */
static void check_page(struct kernel *k, struct address_space *m,
		       uint64_t index, struct page *p, unsigned int marks)
{
	bool dirty_tag = marks & (1U << PAGECACHE_TAG_DIRTY);
	bool wb_tag = marks & (1U << PAGECACHE_TAG_WRITEBACK);

	if (!folio_has_owner(k, p, m, index))
		PAGE_REPORT(k, "index-consistent",
			    p, "found at index %llu of inode %llu",
			    (unsigned long long)index,
			    (unsigned long long)m->host->i_ino);
	else if (page_test(p, PG_dirty) != dirty_tag &&
		 !(index >= i_blocks_end(k, m->host->i_size) &&
		   !page_test(p, PG_dirty)))
		PAGE_REPORT(k, "dirty-consistency", p,
			    "PG_dirty %d but DIRTY tag %d",
			    page_test(p, PG_dirty), dirty_tag);
	else if (page_test(p, PG_writeback) != wb_tag)
		PAGE_REPORT(k, "dirty-consistency", p,
			    "PG_writeback %d but WRITEBACK tag %d",
			    page_test(p, PG_writeback), wb_tag);
	else if ((page_test(p, PG_dirty) || page_test(p, PG_writeback)) &&
		 folio_shared(p) && !page_test(p, PG_dax) &&
		 !(k->policy->flags & POLICY_ALLHOST_WRITEBACK))
		PAGE_REPORT(k, "host-ambiguity", p,
			    "dirty or under writeback with %u owners",
			    folio_nr_owners(p));
	else if (p->mapcount && !page_test(p, PG_uptodate))
		PAGE_REPORT(k, "uptodate", p, "mapped but not uptodate");
	else if (p->refcount < p->mapcount + 1)
		PAGE_REPORT(k, "refcounts", p, "refcount %d < mapcount %d + 1",
			    p->refcount, p->mapcount);
}

/*
 * eof: with no operation in progress on the inode (i_rwsem free), no page
 * lies at or beyond DIV_ROUND_UP(i_size, PAGE_SIZE).
 */
static void check_eof(struct kernel *k, struct inode *inode)
{
	uint64_t index = i_blocks_end(k, inode->i_size), last;
	struct page *p;

	if (inode->i_rwsem.writer || inode->i_rwsem.readers ||
	    inode_mmap_lock(inode)->writer)
		return;
	if (!xa_last_index(&inode->i_mapping->i_pages, &last) || last < index)
		return;		/* nothing at or beyond EOF */
	p = xa_find(&inode->i_mapping->i_pages, &index, UINT64_MAX, XA_PRESENT);
	if (p)
		PAGE_REPORT(k, "eof", p, "beyond EOF (i_size %llu)",
			    (unsigned long long)inode->i_size);
}

/*
 * What a sweep of one mapping carries: @pte_pages is set when some page
 * could have PTEs (for check_mapcounts(), which skips the other mappings).
 */
struct mapping_sweep {
	struct kernel *k;
	struct address_space *m;
	uint64_t n;
	bool pte_pages;
};

static bool sweep_page(uint64_t index, void *entry, unsigned int marks,
		       void *arg)
{
	struct mapping_sweep *c = arg;
	struct page *p = entry;

	check_page(c->k, c->m, index, p, marks);
	c->n++;
	if (p->mapcount || folio_shared(p))
		c->pte_pages = true;
	return stopped(c->k);
}

/*
 * Every page of @inode's mapping, its page count, i_mmap and EOF.
 * Return: can a page of the mapping have PTEs?  Not when none is mapped
 * (mapcount 0), none has another owner and i_mmap is empty: rmap would
 * count no PTE for any of them (check_page_ptes() is then a no-op).
 */
static bool check_mapping(struct kernel *k, struct inode *inode)
{
	struct address_space *m = inode->i_mapping;
	struct mapping_sweep c = { k, m, 0, !itree_empty(&m->i_mmap) };

	if (xa_scan(&m->i_pages, sweep_page, &c))
		return true;
	if (c.n != m->nrpages)
		check_report(k, "refcounts", "inode %llu: nrpages %llu but %llu pages",
			      (unsigned long long)inode->i_ino,
			      (unsigned long long)m->nrpages,
			      (unsigned long long)c.n);
	if (itree_check(&m->i_mmap))
		check_report(k, "rmap-complete", "inode %llu: i_mmap corrupt",
			      (unsigned long long)inode->i_ino);
	check_eof(k, inode);
	return c.pte_pages;
}

struct pte_ctx {
	struct vm_area_struct *vma;
	pgoff_t index;
	bool found;
};

/* Is @vma in the i_mmap of owner @o, at the index the PTE implies? */
static bool owner_reaches(struct page_owner *o, void *arg)
{
	struct pte_ctx *c = arg;
	struct itree_node *n;

	if (o->index != c->index)
		return false;
	itree_for_each(n, &o->mapping->i_mmap, o->index, o->index)
		if (n == &c->vma->shared)
			return c->found = true;
	return false;
}

/*
 * dax-entry: a writable PTE never maps a DAX pfn that is shared - by a
 * block refcount above one, by another file's entry, or the zero pfn.
 * rmap-complete: every PTE maps a page reachable from one of the page's
 * owners through i_mmap at the PTE's file index.
 * dirty-consistency: a dirty PTE is writable and its page is dirty; a page
 * under writeback has no writable PTE (folio_mkclean ran before
 * folio_start_writeback and page_mkwrite waits in folio_wait_stable: the
 * model assumes stable pages, see docs/MODEL.md).
 * A PTE beyond EOF needs a page beyond EOF, which check_eof() reports.
 */
static void check_pte(struct kernel *k, struct vm_area_struct *vma,
		      uint64_t vpn, pte_t pte)
{
	struct page *p = pte_page(pte);
	struct pte_ctx c = { vma, 0, false };
	uint64_t addr = vpn << k->page_shift;

	c.index = vma->vm_pgoff + ((addr - vma->vm_start) >> k->page_shift);
	page_for_each_owner(k, p, owner_reaches, &c);
	if (!c.found)
		PAGE_REPORT(k, "rmap-complete", p,
			    "PTE at %#llx (mm %d) not reachable through i_mmap",
			    (unsigned long long)addr, vma->vm_mm->id);
	else if ((pte & PTE_DIRTY) && !(pte & PTE_WRITE))
		PAGE_REPORT(k, "dirty-consistency", p, "dirty read-only PTE");
	else if ((pte & PTE_DIRTY) && !page_test(p, PG_dirty))
		PAGE_REPORT(k, "dirty-consistency", p,
			    "dirty PTE on a clean page");
	else if ((pte & PTE_WRITE) && page_test(p, PG_writeback))
		PAGE_REPORT(k, "dirty-consistency", p,
			    "writable PTE on a page under writeback");
	else if ((pte & PTE_WRITE) && page_test(p, PG_dax) &&
		 (folio_shared(p) || p->dax_block == DAX_HOLE ||
		  k->bdev.blocks[p->dax_block].refcount > 1))
		PAGE_REPORT(k, "dax-entry", p,
			    "writable PTE on a shared pfn (block %llu, %u entries)",
			    (unsigned long long)p->dax_block,
			    folio_nr_owners(p));
}

/* Each PTE of @mm inside a VMA, checked. */
static void walk_ptes(struct kernel *k, struct mm_struct *mm)
{
	struct vm_area_struct *vma;

	list_for_each_entry(vma, &mm->mmap, vma_list) {
		uint64_t first = vma->vm_start >> k->page_shift;
		uint64_t last = (vma->vm_end >> k->page_shift) - 1, vpn;
		void *e;

		xa_for_each_range(&mm->ptes, vpn, e, first, last, XA_PRESENT) {
			check_pte(k, vma, vpn, (pte_t)e);
			if (stopped(k))
				return;
		}
	}
}

/* The PTEs that map @p, found through rmap; @check_each: check_pte() each. */
struct rmap_count {
	struct kernel *k;
	struct page *p;
	bool check_each;
	uint32_t ptes;
};

static bool count_pte(struct kernel *k, struct vm_area_struct *vma,
		      uint64_t vpn, pte_t pte, void *arg)
{
	struct rmap_count *c = arg;

	c->ptes++;
	if (c->check_each)
		check_pte(k, vma, vpn, pte);
	return stopped(k);
}

static bool owner_ptes(struct page_owner *o, void *arg)
{
	struct rmap_count *c = arg;

	return owner_for_each_pte(c->k, o, c->p, count_pte, c);
}

/*
 * refcounts: page->mapcount equals the number of PTEs mapping @p.  They
 * are counted through rmap: where every PTE is reachable that way
 * (rmap-complete), those are all of them.
 */
static void check_page_ptes(struct kernel *k, struct page *p, bool check_each)
{
	struct rmap_count c = { k, p, check_each, 0 };

	if (!p->mapcount && !p->nxowners &&
	    (!p->mapping || itree_empty(&p->mapping->i_mmap)))
		return;		/* no VMA to find a PTE in: 0 == 0 */
	page_for_each_owner(k, p, owner_ptes, &c);
	if (!stopped(k) && c.ptes != (uint32_t)p->mapcount)
		PAGE_REPORT(k, "refcounts", p, "mapcount %d but %u PTEs",
			    p->mapcount, c.ptes);
}

/*
 * check_page_ptes() of every cached page, once the PTEs are known good;
 * @pte_pages[i]: can inode i's pages have PTEs (check_mapping())?
 */
static void check_mapcounts(struct kernel *k, const bool *pte_pages)
{
	guint i;

	for (i = 0; i < k->inodes->len && !stopped(k); i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);
		uint64_t index;
		struct page *p;

		if (!pte_pages[i])
			continue;
		xa_for_each(&inode->i_mapping->i_pages, index, p) {
			check_page_ptes(k, p, false);
			if (stopped(k))
				break;
		}
	}
}

int check_all(struct kernel *k)
{
	bool *pte_pages = g_new(bool, k->inodes->len + 1);
	struct mm_struct *mm;
	guint i;

	for (i = 0; i < k->inodes->len && !stopped(k); i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		pte_pages[i] = inode->evicted || check_mapping(k, inode);
	}
	for (i = 0; i < k->anon_inodes->len && !stopped(k); i++)
		check_mapping(k, g_ptr_array_index(k->anon_inodes, i));
	if (!stopped(k)) {
		list_for_each_entry(mm, &k->mms, mm_list)
			if (!stopped(k))
				walk_ptes(k, mm);
		if (!stopped(k))
			check_mapcounts(k, pte_pages);
	}
	g_free(pte_pages);
	if (!stopped(k) && k->stats.file_views != file_page_views(k))
		check_report(k, "refcounts", "file page views %llu, counted %llu",
			      (unsigned long long)k->stats.file_views,
			      (unsigned long long)file_page_views(k));
	return stopped(k) ? -1 : 0;
}

/* A refcount change at a block: +1 where an extent starts, -1 past it. */
struct ref_edge {
	uint64_t block;
	int delta;
};

/* Note the two edges of a real extent in @arg (a GArray of ref_edge). */
static int collect_extent(const struct bmap_irec *irec, void *arg)
{
	struct ref_edge e[2] = {
		{ irec->br_startblock, 1 },
		{ irec->br_startblock + irec->br_blockcount, -1 },
	};

	if (irec->br_state != EXT_DELALLOC)
		g_array_append_vals(arg, e, 2);
	return 0;
}

static int edge_cmp(const void *a, const void *b)
{
	const struct ref_edge *x = a, *y = b;

	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	return x->delta - y->delta;
}

/*
 * Blocks [@from, @to) are mapped @refs times: do their counts agree?  A
 * tight scan to the first that does not (a block past the disk's end
 * never does), which is reported.
 */
static uint64_t check_block_span(struct kernel *k, uint64_t from, uint64_t to,
				 int64_t refs)
{
	const struct block_device *b = &k->bdev;
	uint64_t n, end = MIN(to, b->nblocks);
	const struct block *blk = NULL;

	for (n = from; n < end; n++)
		if (b->blocks[n].refcount != refs ||
		    b->blocks[n].state != BLK_USED)
			break;
	if (n < end)
		blk = &b->blocks[n];
	if (n < to)
		check_report(k, "refcounts",
			      "block %llu: refcount %u state %d but %lld extent references",
			      (unsigned long long)n, blk ? blk->refcount : 0,
			      blk ? (int)blk->state : -1, (long long)refs);
	return to - from;
}

/*
 * refcounts (blocks): each block's refcount equals the number of data- and
 * COW-fork mappings of it, and exactly the mapped blocks are BLK_USED.
 * The extents' edges, sorted, give the reference count of every span of
 * blocks: O(E log E) in the number of extents plus a scan of the mapped
 * blocks, not of the disk.
 */
int check_blocks(struct kernel *k)
{
	struct block_device *b = &k->bdev;
	GArray *edges = g_array_new(FALSE, FALSE, sizeof(struct ref_edge));
	uint64_t used = b->nblocks - b->nfree - b->nbusy, mapped = 0;
	const struct ref_edge *e;
	int64_t refs = 0;
	guint i;

	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		if (inode->evicted)
			continue;
		bmap_walk(inode->i_df, 0, UINT64_MAX, collect_extent, edges);
		bmap_walk(inode->i_cowfp, 0, UINT64_MAX, collect_extent, edges);
	}
	if (edges->len)
		qsort(edges->data, edges->len, sizeof(*e), edge_cmp);
	e = (const struct ref_edge *)(void *)edges->data;
	for (i = 0; i + 1 < edges->len && !stopped(k); i++) {
		refs += e[i].delta;
		if (refs > 0)
			mapped += check_block_span(k, e[i].block,
						   e[i + 1].block, refs);
	}
	if (!stopped(k) && mapped != used)
		check_report(k, "refcounts",
			      "%llu blocks in use but %llu mapped",
			      (unsigned long long)used,
			      (unsigned long long)mapped);
	g_array_free(edges, TRUE);
	return stopped(k) ? -1 : 0;
}

static void check_no_leaks(struct kernel *k)
{
	struct page *p;

	if (k->nr_bios)
		check_report(k, "refcounts", "%llu I/Os still pending at the end",
			      (unsigned long long)k->nr_bios);
	else if (!list_empty(&k->mms))
		check_report(k, "refcounts", "an mm outlived its process");
	else if (k->nr_pages_alloc != k->stats.nr_cached +
					k->stats.nr_dax_pages)
		check_report(k, "refcounts",
			      "%llu pages allocated but %llu cached at the end",
			      (unsigned long long)k->nr_pages_alloc,
			      (unsigned long long)k->stats.nr_cached);
	list_for_each_entry(p, &k->lru, lru) {	/* DAX pfns are not on it */
		if (stopped(k))
			break;
		if (p->refcount != (int)folio_nr_owners(p) || p->mapcount ||
		    page_test(p, PG_locked))
			PAGE_REPORT(k, "refcounts",
				    p, "refcount %d mapcount %d at the end",
				    p->refcount, p->mapcount);
	}
}

/* A block is BLK_USED iff it has references. */
static bool block_consistent(const struct block *blk)
{
	return (blk->state == BLK_USED) == (blk->refcount > 0);
}

/*
 * refcounts (allocator): the full O(disk) scan: a block is BLK_USED iff it
 * has references, and the free/busy counters match the states.  The scan
 * is a tight loop (it runs once per run, over every block of the disk);
 * only when it found an inconsistent block is the first one looked for.
 */
int check_blocks_full(struct kernel *k)
{
	const struct block_device *b = &k->bdev;
	uint64_t n, nfree = 0, nbusy = 0;
	bool bad = false;

	if (check_blocks(k))
		return -1;
	for (n = 0; n < b->nblocks; n++) {
		const struct block *blk = &b->blocks[n];

		nfree += blk->state == BLK_FREE;
		nbusy += blk->state == BLK_BUSY;
		bad |= !block_consistent(blk);
	}
	for (n = 0; bad && n < b->nblocks && !stopped(k); n++) {
		const struct block *blk = &b->blocks[n];

		if (!block_consistent(blk))
			check_report(k, "refcounts",
				      "block %llu: state %d with refcount %u",
				      (unsigned long long)n, blk->state,
				      blk->refcount);
	}
	if (!stopped(k) && (nfree != b->nfree || nbusy != b->nbusy))
		check_report(k, "refcounts",
			      "%llu free and %llu busy blocks, counters say %llu and %llu",
			      (unsigned long long)nfree,
			      (unsigned long long)nbusy,
			      (unsigned long long)b->nfree,
			      (unsigned long long)b->nbusy);
	return stopped(k) ? -1 : 0;
}

/* ------------------------------------------------------ incremental */

/*
 * check_touched() checks the rules above for the objects in the check
 * queue (model/checkq.c), in the order of the sweep: i_pages slots and
 * pages, inodes, i_mmap trees, PTEs, then each touched page's PTEs found
 * through rmap (which also counts them against mapcount), then blocks.
 * What only a sweep can see stays with the sweep: the O(1) counters
 * against their sums (kstats.file_views) and block refcounts against
 * extent references (XFS would need its rmap btree for that;
 * check_blocks at call ends).
 */
struct touched {
	struct kernel *k;
	struct page *p;
};

/* Is @m one the sweep visits: a live inode's i_mapping or a shared one? */
static bool mapping_swept(const struct address_space *m)
{
	return m->nr_users ||
	       (m->host->i_mapping == m && !m->host->evicted);
}

/*
 * check_page() of the page in slot @index of @m, once per check: a step
 * that touches a page marks the page and its slot, and both lead here.
 * Nothing changes during a check, so a second look finds what the first
 * found (@seen_m/@seen_index of the queue remember the last slot).
 */
static void touched_page_at(struct kernel *k, struct address_space *m,
			    uint64_t index, struct page *p, unsigned int marks)
{
	struct check_queue *q = &k->chkq;

	if (q->seen_m == m && q->seen_index == index)
		return;
	q->seen_m = m;
	q->seen_index = index;
	if (mapping_swept(m))
		check_page(k, m, index, p, marks);
}

static void touched_slot(struct kernel *k, struct address_space *m,
			 uint64_t index)
{
	const struct check_queue *q = &k->chkq;
	unsigned int marks;
	struct page *p;

	if (q->seen_m == m && q->seen_index == index)
		return;		/* touched_page_at() would skip it */
	p = xa_load_marks(&m->i_pages, index, &marks);
	if (p)
		touched_page_at(k, m, index, p, marks);
}

static bool owner_slot(struct page_owner *o, void *arg)
{
	struct touched *c = arg;
	unsigned int marks;

	if (xa_load_marks(&o->mapping->i_pages, o->index, &marks) == c->p)
		touched_page_at(c->k, o->mapping, o->index, c->p, marks);
	return stopped(c->k);
}

static void touched_inode(struct kernel *k, struct inode *inode)
{
	struct address_space *m = inode->i_mapping;

	if (inode->evicted)
		return;
	if (xa_count(&m->i_pages) != m->nrpages)
		check_report(k, "refcounts",
			     "inode %llu: nrpages %llu but %llu pages",
			     (unsigned long long)inode->i_ino,
			     (unsigned long long)m->nrpages,
			     (unsigned long long)xa_count(&m->i_pages));
	else
		check_eof(k, inode);
}

/* rmap-complete (structure): the interval tree of a touched i_mmap. */
static void touched_immap(struct kernel *k, struct address_space *m)
{
	if (itree_check(&m->i_mmap))
		check_report(k, "rmap-complete", "inode %llu: i_mmap corrupt",
			     (unsigned long long)m->host->i_ino);
}

/* A PTE the sweep would visit (inside a VMA): checked as it would be. */
static void touched_pte(struct kernel *k, struct mm_struct *mm, uint64_t vpn)
{
	pte_t pte = (pte_t)xa_load(&mm->ptes, vpn);
	struct vm_area_struct *vma;

	if (pte && (vma = find_vma(mm, vpn << k->page_shift)))
		check_pte(k, vma, vpn, pte);
}

static void touched_block(struct kernel *k, uint64_t block)
{
	const struct block *blk = &k->bdev.blocks[block];
	struct page *pfn = xa_load(&k->dax_pages, block);

	if (!block_consistent(blk))
		check_report(k, "refcounts", "block %llu: state %d with refcount %u",
			     (unsigned long long)block, blk->state,
			     blk->refcount);
	else if (pfn)		/* dax-entry depends on the refcount */
		check_page_ptes(k, pfn, true);
}

/* What of a touched page to check: its owners' slots, its PTEs. */
enum { TOUCHED_SLOTS = 1, TOUCHED_PTES = 2, TOUCHED_ALL = 3 };

/* A touched page: the slots of its owners, then its PTEs. */
static void touched_page(struct kernel *k, struct page *p, unsigned int what)
{
	struct touched c = { k, p };

	if (what & TOUCHED_SLOTS)
		page_for_each_owner(k, p, owner_slot, &c);
	if (what & TOUCHED_PTES && !stopped(k))
		check_page_ptes(k, p, true);
}

static void touched_one(struct kernel *k, const struct check_mark *m,
			unsigned int what)
{
	switch (m->kind) {
	case CM_SLOT:
		touched_slot(k, m->obj, m->idx);
		break;
	case CM_PAGE:
		touched_page(k, m->obj, what);
		break;
	case CM_INODE:
		touched_inode(k, m->obj);
		break;
	case CM_PTE:
		touched_pte(k, m->obj, m->idx);
		break;
	case CM_BLOCK:
		touched_block(k, m->idx);
		break;
	case CM_IMMAP:
		touched_immap(k, m->obj);
		break;
	}
}

/* One pass over the queue: the marks of @kind (CM_NONE: every mark). */
static void touched_pass(struct kernel *k, uint32_t kind, unsigned int what)
{
	const struct check_queue *q = &k->chkq;
	uint32_t i;

	for (i = 0; i < q->len && !stopped(k); i++) {
		const struct check_mark *m = &q->marks[i];

		if (kind == CM_NONE || m->kind == kind)
			touched_one(k, m, what);
	}
}

/*
 * The probe checks each mark once, in queue order (a hit is named by the
 * sweep anyway); a report of its own follows the sweep's order.
 */
static void touched_run(struct kernel *k)
{
	k->chkq.seen_m = NULL;
	if (k->chkq.probing) {
		touched_pass(k, CM_NONE, TOUCHED_ALL);
		return;
	}
	touched_pass(k, CM_SLOT, TOUCHED_ALL);
	touched_pass(k, CM_PAGE, TOUCHED_SLOTS);
	touched_pass(k, CM_INODE, TOUCHED_ALL);
	touched_pass(k, CM_IMMAP, TOUCHED_ALL);
	touched_pass(k, CM_PTE, TOUCHED_ALL);
	touched_pass(k, CM_PAGE, TOUCHED_PTES);
	touched_pass(k, CM_BLOCK, TOUCHED_ALL);
}

int check_touched(struct kernel *k)
{
	touched_run(k);
	checkq_clear(k);
	return stopped(k) ? -1 : 0;
}

/*
 * The incremental check as a probe: when a touched object breaks a rule,
 * the full sweep runs and reports, so that the violation and its name are
 * those a sweep after every step gives; only what the sweep cannot see is
 * reported by the incremental check itself.  Return: did the probe hit?
 */
static bool check_probe(struct kernel *k, bool sweep_on_hit)
{
	struct check_queue *q = &k->chkq;
	bool hit;

	q->probing = true;
	q->hit = false;
	touched_run(k);
	q->probing = false;
	hit = q->hit;
	q->hit = false;
	if (hit && sweep_on_hit)
		check_all(k);
	if (hit && !k->violation)
		touched_run(k);
	return hit;
}

/*
 * CHECK_VERIFY: the checker's own test.  Both run after every step; a
 * violation the sweep finds where the probe found nothing means a
 * mutation point that does not mark what it touched.
 */
static void check_verify(struct kernel *k)
{
	bool hit = check_probe(k, false);
	char *v;

	if (k->violation)
		return;
	check_all(k);
	if (!k->violation || hit)
		return;
	v = k->violation;
	k->violation = NULL;
	v[strcspn(v, "\n")] = 0;
	kernel_report(k, "check-incomplete",
		      "the full sweep found what the touched objects did not show: %s",
		      v);
	g_free(v);
}

/* ----------------------------------------------------------- schedule */

static const char *const mode_names[] = {
	[CHECK_AUTO] = "auto",
	[CHECK_FULL] = "full",
	[CHECK_INCREMENTAL] = "incremental",
	[CHECK_VERIFY] = "verify",
};

const char *check_mode_name(int mode)
{
	if (mode < 0 || mode >= (int)G_N_ELEMENTS(mode_names))
		return NULL;
	return mode_names[mode];
}

int check_mode_parse(const char *name)
{
	int i;

	for (i = 0; i < (int)G_N_ELEMENTS(mode_names); i++)
		if (!strcmp(name, mode_names[i]))
			return i;
	return -1;
}

/*
 * The sizes of the two sweeps, in page visits (about 40 ns each when the
 * state outgrows the caches): a page sweep visits every cached page and
 * every inode (its i_mmap and EOF: about 4 page visits); a block sweep
 * walks both extent trees of every inode (about 8 page visits each) and
 * every used block.
 */
#define SWEEP_INODE_COST 4
#define SWEEP_FORK_COST 8

static uint64_t page_sweep_size(const struct kernel *k)
{
	return k->stats.nr_cached +
	       SWEEP_INODE_COST * (k->inodes->len + k->anon_inodes->len);
}

static uint64_t block_sweep_size(const struct kernel *k)
{
	const struct block_device *b = &k->bdev;

	return 2 * SWEEP_FORK_COST * k->inodes->len +
	       b->nblocks - b->nfree - b->nbusy;
}

/*
 * Does the mode sweep after every step (no incremental check)?  CHECK_AUTO
 * does while both sweeps together cover at most CHECK_AUTO_SMALL objects.
 * @pages: page_sweep_size(k).
 */
static bool sweeps_only(const struct kernel *k, uint64_t pages)
{
	return k->cfg.check_mode == CHECK_FULL ||
	       (k->cfg.check_mode == CHECK_AUTO && !k->cfg.check_interval &&
		pages + block_sweep_size(k) <= CHECK_AUTO_SMALL);
}

/*
 * Is a full sweep of @size objects due, the last at step *@last?  Every
 * kconfig.check_interval steps if set; else every step when @every (full
 * sweeps only, and CHECK_VERIFY), and every max(CHECK_SWEEP_MIN, @size)
 * steps between incremental checks: about one object visit per step,
 * whatever the size.
 */
static bool sweep_due(struct kernel *k, uint64_t *last, uint64_t size,
		      bool every)
{
	uint64_t n = k->cfg.check_interval;

	if (!n)
		n = every ? 1 : MAX(size, CHECK_SWEEP_MIN);
	if (k->steps - *last < n)
		return false;
	*last = k->steps;
	return true;
}

/* Is every step followed by a sweep (CHECK_FULL, small CHECK_AUTO, VERIFY)? */
static bool sweep_every_step(const struct kernel *k, bool only)
{
	return only || k->cfg.check_mode == CHECK_VERIFY;
}

void check_step(struct kernel *k)
{
	bool stepped = k->steps != k->chkq.step;
	uint64_t pages;
	bool full, only;

	k->chkq.step = k->steps;
	if (k->violation)
		return;
	pages = page_sweep_size(k);
	only = sweeps_only(k, pages);
	full = sweep_due(k, &k->last_check, pages,
			 sweep_every_step(k, only));
	if (only) {
		if (full)
			check_all(k);
		checkq_clear(k);
		return;
	}
	if (k->chkq.overflow) {
		check_all(k);	/* the queue lost marks: sweep instead */
	} else if (k->cfg.check_mode == CHECK_VERIFY) {
		if (!stepped)
			return;	/* an event: checked with the next step, as
				   the sweep after every step checks it */
		check_verify(k);
	} else if (!check_probe(k, true) && full) {
		check_all(k);
	}
	checkq_clear(k);
}

void check_call(struct kernel *k)
{
	bool every = sweep_every_step(k, sweeps_only(k, page_sweep_size(k)));

	if (!k->violation &&
	    sweep_due(k, &k->last_block_check, block_sweep_size(k), every))
		check_blocks(k);
}

int kernel_check_final(struct kernel *k)
{
	if (k->violation)
		return -1;
	k->current = NULL;
	check_all(k);
	if (!stopped(k))
		check_blocks_full(k);
	if (!stopped(k))
		check_no_leaks(k);
	return k->violation ? -1 : 0;
}
