// SPDX-License-Identifier: MIT
/*
 * model/cmap.c - page index -> content, 64 pages a chunk.
 *
 * Scope: the oracle's per-file map of expected bytes (model/oracle.c).
 * Content is hash-consed, so a file written with one pattern has one
 * content pointer for all its pages.  The map exploits that: an xarray of
 * chunks of CMAP_CHUNK pages, where a chunk is
 *
 *   - a uniform entry: every page of the chunk present with one content,
 *     stored as the content pointer tagged with bit 0 (one reference);
 *   - a run: a struct cmap_run tagged with bit 1, pages [lo, hi) of the
 *     chunk present with one content (one reference), the others holes;
 *   - or a struct cmap_chunk: a slot per page up to its capacity (4, then
 *     multiples of 8, as xarray nodes), a reference per present slot.
 *
 * A page stored in an empty chunk starts a run; storing its content next
 * to either end grows the run in place, so a file written or read back in
 * order costs no allocation a page.  A run that reaches both ends of its
 * chunk becomes a uniform entry.  Any other change to a run or a uniform
 * entry expands it to slots; slots collapse to a uniform entry when the
 * last one is filled with the content of the others (never back to a
 * run: that is only a matter of memory).  Uniform data costs about nothing
 * a page; the worst case (every page its own content) is the cost of an
 * xarray leaf, 8-9 bytes a page.
 *
 * Invariants: @npages counts the present pages; no chunk is empty; a run
 * has lo < hi and is not the whole chunk; a chunk whose pages are all
 * present with one content is stored uniform.
 */
#include <string.h>

#include <glib.h>

#include "model/cmap.h"
#include "model/content.h"

#define CMAP_SHIFT	6
#define CMAP_CHUNK	(1u << CMAP_SHIFT)
#define CMAP_MASK	(CMAP_CHUNK - 1)

/* The kind of a chunk entry, in its low bits (pointers are 4-aligned). */
#define SLOTS		((uintptr_t)0)
#define UNIFORM		((uintptr_t)1)
#define RUN		((uintptr_t)2)
#define KIND_MASK	((uintptr_t)3)

struct cmap_chunk {
	uint8_t cap;			/* slots allocated */
	uint8_t n;			/* present slots */
	const struct content *slot[];
};

struct cmap_run {
	const struct content *c;	/* one reference */
	uint8_t lo, hi;			/* the present pages: [lo, hi) */
};

static uintptr_t kind(const void *e)
{
	return (uintptr_t)e & KIND_MASK;
}

static void *untag(const void *e)
{
	return (void *)((uintptr_t)e & ~KIND_MASK);
}

static void *tag(const void *p, uintptr_t k)
{
	return (void *)((uintptr_t)p | k);
}

/*
 * A uniform entry or a run seen as a run (a uniform entry is the run of
 * the whole chunk); false (and an empty *@r) for slots.
 */
static bool as_run(const void *e, struct cmap_run *r)
{
	*r = (struct cmap_run){ NULL, 0, 0 };
	if (kind(e) == UNIFORM)
		*r = (struct cmap_run){ untag(e), 0, CMAP_CHUNK };
	else if (kind(e) == RUN)
		*r = *(const struct cmap_run *)untag(e);
	return kind(e) != SLOTS;
}

static unsigned int chunk_cap(unsigned int off)
{
	return off < 4 ? 4 : (off | 7) + 1;
}

static size_t chunk_size(unsigned int cap)
{
	return sizeof(struct cmap_chunk) + cap * sizeof(void *);
}

/* The content at page @off of chunk entry @e, NULL for a hole. */
static const struct content *chunk_load(const void *e, unsigned int off)
{
	const struct cmap_chunk *ch = e;
	struct cmap_run r;

	if (as_run(e, &r))
		return off >= r.lo && off < r.hi ? r.c : NULL;
	return off < ch->cap ? ch->slot[off] : NULL;
}

const struct content *cmap_load(const struct cmap *m, uint64_t index)
{
	const void *e = xa_load(&m->chunks, index >> CMAP_SHIFT);

	return e ? chunk_load(e, index & CMAP_MASK) : NULL;
}

/* @ch with room for slot @off (moved if it grew). */
static struct cmap_chunk *chunk_fit(struct cmap_chunk *ch, unsigned int off)
{
	unsigned int old = ch ? ch->cap : 0, cap = chunk_cap(off);

	if (off < old)
		return ch;
	ch = g_realloc(ch, chunk_size(cap));
	memset(&ch->slot[old], 0, (cap - old) * sizeof(void *));
	if (!old)
		ch->n = 0;
	ch->cap = (uint8_t)cap;
	return ch;
}

/* The slots of uniform entry or run @e, which is consumed. */
static struct cmap_chunk *chunk_expand(void *e)
{
	struct cmap_chunk *ch;
	struct cmap_run r;
	unsigned int i;

	as_run(e, &r);
	if (kind(e) == RUN)
		g_free(untag(e));
	ch = chunk_fit(NULL, r.hi - 1u);
	ch->n = (uint8_t)(r.hi - r.lo);
	ch->slot[r.lo] = r.c;			/* the entry's reference */
	for (i = r.lo + 1u; i < r.hi; i++)
		ch->slot[i] = content_get(r.c);
	return ch;
}

/* All slots present with one content: the uniform entry, else NULL. */
static void *chunk_collapse(struct content_pool *pool, struct cmap_chunk *ch)
{
	unsigned int i;

	if (ch->n != CMAP_CHUNK)
		return NULL;
	for (i = 1; i < CMAP_CHUNK; i++)
		if (ch->slot[i] != ch->slot[0])
			return NULL;
	for (i = 1; i < CMAP_CHUNK; i++)
		content_put(pool, ch->slot[i]);
	return tag(ch->slot[0], UNIFORM);
}

/*
 * Store @c (consumed) at page @off of chunk @ci, which holds run or uniform
 * entry @e, if that keeps it a run: the page already holds @c, or @c just
 * extends the run.  Return: false if the chunk must become slots.
 */
static bool run_set(struct content_pool *pool, struct cmap *m, uint64_t ci,
		    void *e, unsigned int off, const struct content *c)
{
	struct cmap_run r, *run;

	as_run(e, &r);
	if (c == chunk_load(e, off)) {
		content_put(pool, c);		/* already so */
		return true;
	}
	if (c != r.c || (off + 1u != r.lo && off != r.hi))
		return false;
	run = untag(e);		/* next to it: a run (uniform is full) */
	content_put(pool, c);			/* the run holds one */
	m->npages++;
	run->lo = (uint8_t)MIN(r.lo, off);
	run->hi = (uint8_t)MAX(r.hi, off + 1u);
	if (run->lo == 0 && run->hi == CMAP_CHUNK) {
		xa_store(&m->chunks, ci, tag(run->c, UNIFORM));
		g_free(run);
	}
	return true;
}

/* Store @c (consumed) at page @off of the empty chunk @ci: a run. */
static void run_new(struct cmap *m, uint64_t ci, unsigned int off,
		    const struct content *c)
{
	struct cmap_run *run = g_new(struct cmap_run, 1);

	*run = (struct cmap_run){ c, (uint8_t)off, (uint8_t)(off + 1u) };
	xa_store(&m->chunks, ci, tag(run, RUN));
	m->npages++;
}

/*
 * Store @c (consumed; NULL: a hole) at page @off of slots @ch of chunk @ci,
 * whose entry in the map is @e (@ch itself, or what @ch was expanded from).
 */
static void slots_set(struct content_pool *pool, struct cmap *m, uint64_t ci,
		      const void *e, struct cmap_chunk *ch, unsigned int off,
		      const struct content *c)
{
	const struct content *old;
	void *u;

	if (c)
		ch = chunk_fit(ch, off);
	old = off < ch->cap ? ch->slot[off] : NULL;
	if (off < ch->cap)
		ch->slot[off] = c;
	ch->n += (c != NULL) - (old != NULL);
	m->npages += (c != NULL) - (old != NULL);
	content_put(pool, old);
	if (!ch->n) {
		g_free(ch);
		xa_erase(&m->chunks, ci);
	} else if ((u = chunk_collapse(pool, ch))) {
		g_free(ch);
		xa_store(&m->chunks, ci, u);
	} else if ((const void *)ch != e) {
		xa_store(&m->chunks, ci, ch);
	}
}

void cmap_set(struct content_pool *pool, struct cmap *m, uint64_t index,
	      const struct content *c)
{
	uint64_t ci = index >> CMAP_SHIFT;
	unsigned int off = index & CMAP_MASK;
	void *e = xa_load(&m->chunks, ci);

	if (!e) {
		if (c)
			run_new(m, ci, off, c);
	} else if (kind(e) == SLOTS) {
		slots_set(pool, m, ci, e, e, off, c);
	} else if (!run_set(pool, m, ci, e, off, c)) {
		/* a tagged @e never equals the new slots: they get stored */
		slots_set(pool, m, ci, e, chunk_expand(e), off, c);
	}
}

/* The first entry of chunk @e at or after page *@i (<= @last), or NULL. */
static const struct content *chunk_first(const void *e, uint64_t *i,
					 uint64_t last)
{
	const struct cmap_chunk *ch = e;
	uint64_t base = *i & ~(uint64_t)CMAP_MASK;
	unsigned int off;
	struct cmap_run r;

	if (as_run(e, &r)) {
		*i = MAX(*i, base + r.lo);
		return *i < base + r.hi && *i <= last ? r.c : NULL;
	}
	for (off = *i & CMAP_MASK; off < ch->cap && *i <= last; off++, (*i)++)
		if (ch->slot[off])
			return ch->slot[off];
	return NULL;
}

const struct content *cmap_find(const struct cmap *m, uint64_t *index,
				uint64_t last)
{
	uint64_t ci = *index >> CMAP_SHIFT, i;
	const struct content *c;
	const void *e;

	if (*index > last)
		return NULL;
	while ((e = xa_find(&m->chunks, &ci, last >> CMAP_SHIFT,
			    XA_PRESENT))) {
		i = MAX(*index, ci << CMAP_SHIFT);
		c = chunk_first(e, &i, last);
		if (c) {
			*index = i;
			return c;
		}
		if (ci == last >> CMAP_SHIFT)
			break;
		ci++;
	}
	return NULL;
}

/* A copy of chunk entry @e, sharing its contents. */
static void *chunk_copy(const void *e)
{
	const struct cmap_chunk *ch = e;
	unsigned int i;

	switch (kind(e)) {
	case UNIFORM:
		content_get(untag(e));
		return (void *)e;
	case RUN:
		content_get(((const struct cmap_run *)untag(e))->c);
		return tag(g_memdup2(untag(e), sizeof(struct cmap_run)), RUN);
	}
	for (i = 0; i < ch->cap; i++)
		content_get(ch->slot[i]);
	return g_memdup2(ch, chunk_size(ch->cap));
}

void cmap_copy(struct cmap *dst, const struct cmap *src)
{
	uint64_t ci;
	void *e;

	xa_for_each(&src->chunks, ci, e)
		xa_store(&dst->chunks, ci, chunk_copy(e));
	dst->npages = src->npages;
}

/* Drop chunk entry @e: its references and its memory. */
static void chunk_drop(struct content_pool *pool, void *e)
{
	struct cmap_chunk *ch = e;
	unsigned int i;

	switch (kind(e)) {
	case UNIFORM:
		content_put(pool, untag(e));
		return;
	case RUN:
		content_put(pool, ((struct cmap_run *)untag(e))->c);
		g_free(untag(e));
		return;
	}
	for (i = 0; i < ch->cap; i++)
		content_put(pool, ch->slot[i]);
	g_free(ch);
}

void cmap_drop(struct content_pool *pool, struct cmap *m)
{
	uint64_t ci;
	void *e;

	xa_for_each(&m->chunks, ci, e)
		chunk_drop(pool, e);
	xa_destroy(&m->chunks);
	m->npages = 0;
}

uint64_t cmap_mem_bytes(const struct cmap *m)
{
	uint64_t bytes = xa_mem_bytes(&m->chunks), ci;
	void *e;

	xa_for_each(&m->chunks, ci, e) {
		if (kind(e) == RUN)
			bytes += sizeof(struct cmap_run);
		else if (kind(e) == SLOTS)
			bytes += chunk_size(((struct cmap_chunk *)e)->cap);
	}
	return bytes;
}
