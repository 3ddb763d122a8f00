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
 *   - or a struct cmap_chunk: a slot per page up to its capacity (4, then
 *     multiples of 8, as xarray nodes), a reference per present slot.
 *
 * A chunk collapses to a uniform entry when its last slot is filled with
 * the content of the others, and expands back when a page of it changes.
 * Uniform data costs about nothing a page; the worst case (every page its
 * own content) is the cost of an xarray leaf, 8-9 bytes a page.
 *
 * Invariants: @npages counts the present pages; no chunk is empty; a chunk
 * whose slots are all present with one content is stored uniform.
 */
#include <string.h>

#include <glib.h>

#include "model/cmap.h"
#include "model/content.h"

#define CMAP_SHIFT	6
#define CMAP_CHUNK	(1u << CMAP_SHIFT)
#define CMAP_MASK	(CMAP_CHUNK - 1)
#define UNIFORM		((uintptr_t)1)

struct cmap_chunk {
	uint8_t cap;			/* slots allocated */
	uint8_t n;			/* present slots */
	const struct content *slot[];
};

static bool is_uniform(const void *e)
{
	return (uintptr_t)e & UNIFORM;
}

static const struct content *uniform_content(const void *e)
{
	return (const struct content *)((uintptr_t)e & ~UNIFORM);
}

static void *uniform_entry(const struct content *c)
{
	return (void *)((uintptr_t)c | UNIFORM);
}

static unsigned int chunk_cap(unsigned int off)
{
	return off < 4 ? 4 : (off | 7) + 1;
}

static size_t chunk_size(unsigned int cap)
{
	return sizeof(struct cmap_chunk) + cap * sizeof(void *);
}

const struct content *cmap_load(const struct cmap *m, uint64_t index)
{
	const void *e = xa_load(&m->chunks, index >> CMAP_SHIFT);
	const struct cmap_chunk *ch = e;
	unsigned int off = index & CMAP_MASK;

	if (!e)
		return NULL;
	if (is_uniform(e))
		return uniform_content(e);
	return off < ch->cap ? ch->slot[off] : NULL;
}

/* A chunk of every page of uniform entry @e (64 references). */
static struct cmap_chunk *chunk_expand(const void *e)
{
	struct cmap_chunk *ch = g_malloc(chunk_size(CMAP_CHUNK));
	unsigned int i;

	ch->cap = CMAP_CHUNK;
	ch->n = CMAP_CHUNK;
	ch->slot[0] = uniform_content(e);	/* the entry's reference */
	for (i = 1; i < CMAP_CHUNK; i++)
		ch->slot[i] = content_get(ch->slot[0]);
	return ch;
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
	return uniform_entry(ch->slot[0]);
}

void cmap_set(struct content_pool *pool, struct cmap *m, uint64_t index,
	      const struct content *c)
{
	uint64_t ci = index >> CMAP_SHIFT;
	unsigned int off = index & CMAP_MASK;
	void *e = xa_load(&m->chunks, ci), *u;
	struct cmap_chunk *ch = e;
	const struct content *old;

	if (e && is_uniform(e) && uniform_content(e) == c) {
		content_put(pool, c);	/* already so */
		return;
	}
	if (!e && !c)
		return;
	if (e && is_uniform(e))
		ch = chunk_expand(e);
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
	} else if (ch != e) {
		xa_store(&m->chunks, ci, ch);
	}
}

/* The first entry of chunk @e at or after page *@i (<= @last), or NULL. */
static const struct content *chunk_first(const void *e, uint64_t *i,
					 uint64_t last)
{
	const struct cmap_chunk *ch = e;
	unsigned int off;

	if (is_uniform(e))
		return uniform_content(e);
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

void cmap_copy(struct cmap *dst, const struct cmap *src)
{
	uint64_t ci;
	void *e;

	xa_for_each(&src->chunks, ci, e) {
		const struct cmap_chunk *ch = e;
		struct cmap_chunk *copy;
		unsigned int i;

		if (is_uniform(e)) {
			content_get(uniform_content(e));
			xa_store(&dst->chunks, ci, e);
			continue;
		}
		copy = g_memdup2(ch, chunk_size(ch->cap));
		for (i = 0; i < ch->cap; i++)
			if (ch->slot[i])
				content_get(ch->slot[i]);
		xa_store(&dst->chunks, ci, copy);
	}
	dst->npages = src->npages;
}

void cmap_drop(struct content_pool *pool, struct cmap *m)
{
	uint64_t ci;
	void *e;

	xa_for_each(&m->chunks, ci, e) {
		struct cmap_chunk *ch = e;
		unsigned int i;

		if (is_uniform(e)) {
			content_put(pool, uniform_content(e));
			continue;
		}
		for (i = 0; i < ch->cap; i++)
			content_put(pool, ch->slot[i]);
		g_free(ch);
	}
	xa_destroy(&m->chunks);
	m->npages = 0;
}

uint64_t cmap_mem_bytes(const struct cmap *m)
{
	uint64_t bytes = xa_mem_bytes(&m->chunks), ci;
	void *e;

	xa_for_each(&m->chunks, ci, e)
		if (!is_uniform(e))
			bytes += chunk_size(((struct cmap_chunk *)e)->cap);
	return bytes;
}
