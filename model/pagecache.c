// SPDX-License-Identifier: MIT
/*
 * model/pagecache.c - struct page life cycle and the i_pages index.
 *
 * Scope: page allocation and references, insertion into and removal from a
 * mapping (filemap_add_folio, filemap_remove_folio), the dirty/writeback
 * flag and tag transitions of mm/page-writeback.c, and filling a new page
 * from the disk through the data fork.
 *
 * Invariants (checked by model/check.c):
 *   - PG_dirty <=> PAGECACHE_TAG_DIRTY, PG_writeback <=> TAG_WRITEBACK, in
 *     the i_pages of every owner;
 *   - a page in i_pages at index i of mapping m has the owner (m, i);
 *   - refcount = owners + mapcount + task references.
 * And kept here by construction: kernel->xowners has an entry for a page
 * iff page->nxowners > 0 (see "Extra owners" below).
 *
 * Locking: the caller holds PG_locked for insertion, removal and the dirty
 * transitions, except folio_mark_dirty() from a fault holding the PTE.
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/never.h"

struct page *page_alloc(struct kernel *k, const struct content *c)
{
	struct page *p = page_slab_get(k->slab);

	if (NEVER(k->next_page_id + 1 >= 1ULL << PAGE_ID_BITS))
		abort();
	p->id = ++k->next_page_id;
	p->refcount = 1;
	p->locker = -1;
	p->content = content_get(c);
	INIT_LIST_HEAD(&p->lru);
	k->nr_pages_alloc++;
	return p;
}

/*
 * Set (@on) or clear a PAGECACHE_TAG_DIRTY or _WRITEBACK mark of (@m,
 * @index), noted for the incremental checker (dirty-consistency).
 */
void mapping_tag(struct kernel *k, struct address_space *m, pgoff_t index,
		 xa_mark_t tag, bool on)
{
	if (on)
		xa_set_mark(&m->i_pages, index, tag);
	else
		xa_clear_mark(&m->i_pages, index, tag);
	check_mark_tag(k, m, index);
}

/*
 * Extra owners.  Only sharing designs give a page more than one owner;
 * the owners after the primary one (page->mapping, page->index) live in a
 * side table so that struct page stays one cache line: kernel->xowners
 * maps page->id (stable, never an address: the table is deterministic) to
 * a malloc'd array of page->nxowners struct page_owner, in the order they
 * were added but for the removals' swaps (page_owner_del()).
 *
 * Writers: page_owner_add() and page_owner_del() in the contexts of
 * filemap_add_folio() and filemap_remove_folio() (PG_locked, see struct
 * page), put_page() for a page freed with extra owners, and
 * page_xowners_destroy() with the kernel.
 * Invariant: an entry exists iff its page is live and page->nxowners > 0.
 * A page without extra owners (every page under mainline) never looks the
 * table up.
 */

/* @p's extra owners, page->nxowners of them; NULL if it has none. */
struct page_owner *page_xowners(const struct kernel *k, const struct page *p)
{
	if (!p->nxowners)
		return NULL;
	return xa_load(&k->xowners, p->id);
}

/* Forget every extra owner of @p: its entry and array go. */
static void xowners_free(struct kernel *k, struct page *p)
{
	free(xa_erase(&k->xowners, p->id));
	p->nxowners = 0;
}

/* Position of (@m, @index) among the @n owners @x, or @n if absent. */
static uint32_t xowner_find(const struct page_owner *x, uint32_t n,
			    const struct address_space *m, pgoff_t index)
{
	uint32_t i = 0;

	while (i < n && (x[i].mapping != m || x[i].index != index))
		i++;
	return i;
}

/**
 * page_owner_add - make (@m, @index) an owner of @p: the primary one if @p
 * has none, else one more extra owner.  Only the page's own record: the
 * i_pages slot and its reference are filemap_add_folio()'s.
 */
void page_owner_add(struct kernel *k, struct page *p,
		    struct address_space *m, pgoff_t index)
{
	struct page_owner *x;

	if (!p->mapping) {
		p->mapping = m;
		p->index = index;
		return;
	}
	if (NEVER(p->nxowners == PAGE_XOWNERS_MAX))
		abort();
	x = realloc(page_xowners(k, p), (p->nxowners + 1) * sizeof(*x));
	if (NEVER(!x))
		abort();
	x[p->nxowners++] = (struct page_owner){ m, index };
	xa_store(&k->xowners, p->id, x);
}

/**
 * page_owner_del - forget owner (@m, @index) of @p; if it was the primary
 * one, the first extra owner takes its place.  The last extra owner takes
 * the freed position; the entry goes with the last extra owner.
 * Return: false if (@m, @index) was not an owner of @p.
 */
bool page_owner_del(struct kernel *k, struct page *p,
		    const struct address_space *m, pgoff_t index)
{
	struct page_owner *x = page_xowners(k, p);
	uint32_t i = 0;

	if (p->mapping == m && p->index == index) {
		p->mapping = NULL;
		if (!p->nxowners)
			return true;
		p->mapping = x[0].mapping;
		p->index = x[0].index;
	} else {
		i = xowner_find(x, p->nxowners, m, index);
		if (i == p->nxowners)
			return false;
	}
	x[i] = x[--p->nxowners];
	if (!p->nxowners)
		xowners_free(k, p);
	return true;
}

/* With the kernel: the arrays of pages that teardown left in the slab. */
void page_xowners_destroy(struct kernel *k)
{
	struct page_owner *x;
	uint64_t id;

	xa_for_each(&k->xowners, id, x)
		free(x);
	xa_destroy(&k->xowners);
}

void get_page(struct page *p)
{
	p->refcount++;
}

void put_page(struct kernel *k, struct page *p)
{
	if (p->refcount <= 0) {
		kernel_report(k, "refcounts", "put of free page %llu",
			      (unsigned long long)p->id);
		return;
	}
	if (--p->refcount) {
		check_mark_page(k, p);	/* refcount >= mapcount + 1 */
		return;
	}
	check_forget_page(k, p);
	if (p->mapcount || p->mapping || page_test(p, PG_locked))
		kernel_report(k, "refcounts", "page %llu freed while in use",
			      (unsigned long long)p->id);
	if (page_test(p, PG_dax))
		dax_page_freed(k, p);
	content_put(k->pool, p->content);
	if (p->nxowners)
		xowners_free(k, p);
	k->nr_pages_alloc--;
	page_slab_put(k->slab, p);
}

struct page *filemap_get_page(struct address_space *m, pgoff_t index)
{
	return xa_load(&m->i_pages, index);
}

unsigned int folio_nr_owners(const struct page *p)
{
	return (p->mapping ? 1 : 0) + p->nxowners;
}

/* Is (@m, @index) one of @p's owners? */
bool folio_has_owner(const struct kernel *k, const struct page *p,
		     const struct address_space *m, pgoff_t index)
{
	if (p->mapping == m && p->index == index)
		return true;
	return xowner_find(page_xowners(k, p), p->nxowners, m,
			   index) < p->nxowners;
}

/*
 * Is @p reachable through more than one (mapping, index)?  Such a page must
 * not be stored to in place: the other owners would see the store.
 */
bool folio_shared(const struct page *p)
{
	return folio_nr_owners(p) > 1;
}

/*
 * Account one owner of @p arriving (+1) or leaving (-1); owners already
 * counts the change.  A page is cached while it has an owner, and on the LRU
 * for that time; nr_cache_entries - nr_cached is what sharing saves.
 */
static void cache_account(struct kernel *k, struct page *p, int delta)
{
	struct kstats *s = &k->stats;
	unsigned int owners = folio_nr_owners(p);

	if (page_test(p, PG_dax))	/* pmem, not page cache */
		return;
	s->nr_cache_entries += delta;
	if (delta > 0 && owners == 1) {
		s->nr_cached++;
		list_add_tail(&p->lru, &k->lru);
		page_set(k, p, PG_lru);
	} else if (delta < 0 && owners == 0) {
		s->nr_cached--;
		list_del_init(&p->lru);
		page_clear(k, p, PG_lru);
	}
	if (delta > 0 && owners == 2)
		s->nr_shared++;
	else if (delta < 0 && owners == 1)
		s->nr_shared--;
	if (s->nr_cached > s->peak_cached)
		s->peak_cached = s->nr_cached;
}

/*
 * Can reclaim drop @p now?  Clean, idle, unmapped and referenced by its
 * page-cache slots only (shrink_folio_list without try_to_unmap or pageout).
 * A shared page goes from every cache that holds it.
 */
static bool folio_reclaimable(const struct page *p)
{
	return !(p->flags & ((1UL << PG_dirty) | (1UL << PG_writeback) |
			     (1UL << PG_locked))) &&
	       !p->mapcount && p->refcount == (int)folio_nr_owners(p);
}

/**
 * shrink_page_cache - direct reclaim under kconfig.memory_limit.
 *
 * Walks the LRU from the oldest page and drops reclaimable ones until the
 * page cache fits with one more page.  Dirty, mapped, locked or referenced
 * pages are skipped: writeback is left to the flusher and sync, so a limit
 * can be exceeded by dirty or mapped pages (no dirty throttling yet).
 */
/**
 * shrink_lru - reclaim up to @batch pages, oldest first, until fewer than
 * @target pages are cached.  Return: the number reclaimed.
 */
uint64_t shrink_lru(struct kernel *k, uint64_t target, uint64_t batch)
{
	struct page *p, *n;
	uint64_t done = 0;

	list_for_each_entry_safe(p, n, &k->lru, lru) {
		if (k->stats.nr_cached < target || done == batch)
			break;
		if (!folio_reclaimable(p))
			continue;
		trace_step(k, "reclaim page %llu (inode %llu index %llu)",
			   (unsigned long long)p->id,
			   (unsigned long long)p->mapping->host->i_ino,
			   (unsigned long long)p->index);
		k->stats.pages_reclaimed++;
		filemap_remove_folio_all(k, p);
		done++;
	}
	return done;
}

/*
 * Allocation under kconfig.memory_limit: above the high watermark (7/8 of
 * the limit) kswapd is woken to reclaim in the background down to the low
 * watermark (3/4); at the limit the allocating task reclaims directly
 * (__alloc_pages_direct_reclaim).
 */
static void shrink_page_cache(struct kernel *k)
{
	uint64_t limit = k->cfg.memory_limit >> k->page_shift;

	if (!limit)
		return;
	if (k->stats.nr_cached >= limit - limit / 8)
		wakeup_kswapd(k);
	if (k->stats.nr_cached >= limit)
		shrink_lru(k, limit, UINT64_MAX);
}

/* The page's flags as marks in one more owner's i_pages. */
static void copy_tags(struct kernel *k, struct page *p,
		      struct address_space *m, pgoff_t index)
{
	if (page_test(p, PG_dirty))
		mapping_tag(k, m, index, PAGECACHE_TAG_DIRTY, true);
	if (page_test(p, PG_writeback))
		mapping_tag(k, m, index, PAGECACHE_TAG_WRITEBACK, true);
}

/**
 * filemap_add_folio - make (@m, @index) an owner of @p by inserting it into
 * @m's i_pages.  The first owner is the primary one (page->mapping and
 * page->index); sharing designs add more, each at its own index.
 *
 * Context: the caller holds PG_locked of a new page, or a policy hook shares
 * a page while it holds the locks of both files.  Each owner's slot holds a
 * page reference; the page enters the LRU with its first owner.
 */
void filemap_add_folio(struct kernel *k, struct address_space *m,
		       struct page *p, pgoff_t index)
{
	if (!p->mapping)
		shrink_page_cache(k);
	get_page(p);
	page_owner_add(k, p, m, index);
	xa_store(&m->i_pages, index, p);
	copy_tags(k, p, m, index);
	check_mark_slot(k, m, index);
	check_mark_page(k, p);
	m->nrpages++;
	k->stats.file_views += m->nviews;
	cache_account(k, p, 1);
}

/**
 * filemap_remove_folio - delete @p from @m's page cache at @index (one
 * owner).
 *
 * Context: PG_locked held, or the page is idle (reclaim, eviction); not
 * dirty, not under writeback and not mapped through @m.  Drops the
 * reference of @m's slot; the page leaves the LRU with its last owner.
 */
void filemap_remove_folio(struct kernel *k, struct page *p,
			  struct address_space *m, pgoff_t index)
{
	if (!page_owner_del(k, p, m, index))
		return;
	check_mark_page(k, p);
	check_mark_slot(k, m, index);
	xa_erase(&m->i_pages, index);
	m->nrpages--;
	k->stats.file_views -= m->nviews;
	cache_account(k, p, -1);
	put_page(k, p);
}

/* Delete @p from every page cache that holds it. */
void filemap_remove_folio_all(struct kernel *k, struct page *p)
{
	get_page(p);
	while (p->mapping)
		filemap_remove_folio(k, p, p->mapping, p->index);
	put_page(k, p);
}

struct tag_ctx {
	struct kernel *k;
	unsigned int set, clear;	/* 1U << tag */
	uint64_t now;
};

static bool tag_owner(struct page_owner *o, void *arg)
{
	const struct tag_ctx *c = arg;

	xa_update_marks(&o->mapping->i_pages, o->index, c->set, c->clear);
	check_mark_tag(c->k, o->mapping, o->index);
	if (c->set & (1U << PAGECACHE_TAG_DIRTY)) {
		struct inode *host = o->mapping->host;

		host->log_dirty = true;
		if (!host->dirtied_when)	/* __mark_inode_dirty */
			host->dirtied_when = c->now + 1;
	}
	return false;
}

/* Set the tags of @set and clear those of @clear in every owner of @p. */
static void tags_update(struct kernel *k, struct page *p, unsigned int set,
			unsigned int clear)
{
	struct tag_ctx c = { k, set, clear, k->events.now };

	page_for_each_owner(k, p, tag_owner, &c);
}

#define TAG(t)	(1U << PAGECACHE_TAG_##t)

/* filemap_dirty_folio: set PG_dirty and the DIRTY tag. */
void folio_mark_dirty(struct kernel *k, struct page *p)
{
	if (page_test(p, PG_dirty))
		return;
	page_set(k, p, PG_dirty);
	tags_update(k, p, TAG(DIRTY), 0);
}

/**
 * folio_clear_dirty_for_io - prepare a locked dirty page for writeback.
 *
 * Write-protects every PTE mapping it (folio_mkclean), transferring PTE
 * dirty bits, then clears PG_dirty.  The DIRTY tag stays until
 * folio_start_writeback(), as in the kernel.
 * Return: true if the page was dirty.
 */
bool folio_clear_dirty_for_io(struct kernel *k, struct page *p)
{
	folio_mkclean(k, p);
	if (!page_test(p, PG_dirty))
		return false;
	page_clear(k, p, PG_dirty);
	return true;
}

/* __folio_start_writeback: PG_writeback, tags moved. */
void folio_start_writeback(struct kernel *k, struct page *p)
{
	page_set(k, p, PG_writeback);
	tags_update(k, p, TAG(WRITEBACK),
		    TAG(TOWRITE) | (page_test(p, PG_dirty) ? 0 : TAG(DIRTY)));
}

void folio_end_writeback(struct kernel *k, struct page *p)
{
	page_clear(k, p, PG_writeback);
	tags_update(k, p, 0, TAG(WRITEBACK));
}

void page_set_content(struct kernel *k, struct page *p,
		      const struct content *c)
{
	const struct content *old = p->content;

	p->content = c;
	content_put(k->pool, old);
}

/**
 * page_cache_read - allocate a page, insert it at (@m, @index) and start
 * reading into it what the disk holds for page @src_index of @src
 * (page_cache_ra_unbounded for one page; a design's own cache may insert
 * under its own index and read a file's block).
 *
 * The page stays locked until the read bio completes (the lock passes from
 * @t to the bio).  Return: the page, with the allocation reference for the
 * caller.
 */
struct page *page_cache_read(struct kernel *k, struct task *t,
			     struct address_space *m, pgoff_t index,
			     struct inode *src, pgoff_t src_index)
{
	struct page *p = page_alloc(k, content_zero(k->pool));
	struct bio *bio = bio_alloc();
	struct bmap_irec irec;

	folio_trylock(k, t, p);
	filemap_add_folio(k, m, p, index);
	lock_released(t, LOCK_CLASS_FOLIO);	/* the bio unlocks it */
	bio->page = p;
	bio->inode = src;
	bio->index = src_index;
	bmap_lookup(src->i_df, src_index, &irec);	/* for the trace */
	bio->block = irec.br_state == EXT_WRITTEN ? irec.br_startblock : 0;
	get_page(p);
	submit_bio(k, bio);
	return p;
}

/**
 * read_file_page - what the disk holds for page @index of @inode.
 *
 * Reads go through the data fork only (xfs_read_iomap_begin): COW fork
 * staging blocks hold nothing valid until xfs_reflink_end_cow() remaps them.
 * Holes, delalloc and unwritten extents read as zeroes; so do bytes beyond
 * i_size in the EOF page (iomap zeroes the tail).
 * Return: a content reference owned by the caller.
 */
const struct content *read_file_page(struct kernel *k, struct inode *inode,
				     pgoff_t index)
{
	struct bmap_irec irec;
	const struct content *c;
	uint64_t off = index << k->page_shift, valid;

	bmap_lookup(inode->i_df, index, &irec);
	if (irec.br_state != EXT_WRITTEN || off >= inode->i_size)
		return content_get(content_zero(k->pool));
	c = bdev_read(k, irec.br_startblock);
	valid = inode->i_size - off;
	if (valid >= kpage_size(k))
		return content_get(c);
	return content_fill(k->pool, c, valid, kpage_size(k) - valid, 0);
}

/**
 * page_for_each_owner - call @fn for every (mapping, index) of @p, the
 * primary owner first.  @fn must not add or remove owners of @p.
 * Return: true if @fn stopped the walk by returning true.
 */
bool page_for_each_owner(struct kernel *k, struct page *p,
			 bool (*fn)(struct page_owner *o, void *arg),
			 void *arg)
{
	struct page_owner primary = { p->mapping, p->index };
	struct page_owner *x = page_xowners(k, p);
	uint32_t i;

	if (p->mapping && fn(&primary, arg))
		return true;
	for (i = 0; i < p->nxowners; i++)
		if (fn(&x[i], arg))
			return true;
	return false;
}
