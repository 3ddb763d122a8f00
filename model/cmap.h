/* SPDX-License-Identifier: MIT */
/*
 * model/cmap.h - a file's bytes as page index -> content (model/cmap.c).
 *
 * The oracle's map of what each file must read back.  A hole is no entry.
 * Entries are content references (model/content.h) owned by the map.
 * Iteration is in index order; nothing depends on addresses.
 */
#ifndef PCSIM_MODEL_CMAP_H
#define PCSIM_MODEL_CMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "model/xarray.h"

struct content;
struct content_pool;

struct cmap {
	struct xarray chunks;	/* index >> CMAP_SHIFT -> chunk (cmap.c) */
	uint64_t npages;	/* entries */
};

#define CMAP_INIT { XARRAY_INIT, 0 }

/* The content at @index (borrowed), or NULL for a hole. */
const struct content *cmap_load(const struct cmap *m, uint64_t index);
/* Store @c (consumed; NULL: a hole) at @index, dropping the old entry. */
void cmap_set(struct content_pool *pool, struct cmap *m, uint64_t index,
	      const struct content *c);
/*
 * The first entry at an index in [*@index, @last], its index in *@index;
 * NULL if none (*@index unchanged).
 */
const struct content *cmap_find(const struct cmap *m, uint64_t *index,
				uint64_t last);
/* Make the empty @dst hold the entries of @src (sharing the contents). */
void cmap_copy(struct cmap *dst, const struct cmap *src);
/* Drop every entry; @m is empty and reusable. */
void cmap_drop(struct content_pool *pool, struct cmap *m);
/* Bytes of memory the map itself uses (for tests and figures). */
uint64_t cmap_mem_bytes(const struct cmap *m);

/* Each entry in [@first, @last]; the body may change the map. */
#define cmap_for_each_range(m, index, c, first, last)			\
	for ((index) = (first), (c) = cmap_find((m), &(index), (last));	\
	     (c);							\
	     (c) = (index) < (last) ?					\
		   ((index)++, cmap_find((m), &(index), (last))) : NULL)

#define cmap_for_each(m, index, c)					\
	cmap_for_each_range(m, index, c, 0, UINT64_MAX)

#endif /* PCSIM_MODEL_CMAP_H */
