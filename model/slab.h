/* SPDX-License-Identifier: MIT */
/*
 * model/slab.h - struct page frames (model/slab.c).
 */
#ifndef PCSIM_MODEL_SLAB_H
#define PCSIM_MODEL_SLAB_H

#include <stdbool.h>
#include <stddef.h>

struct page_slab;

struct page_slab *page_slab_new(void);
/*
 * Free the slab; every frame must have been returned, unless
 * page_slab_frees_whole() said the slab takes the live ones with it.
 */
void page_slab_free(struct page_slab *s);
bool page_slab_frees_whole(void);
/* A zeroed struct page. */
struct page *page_slab_get(struct page_slab *s);
void page_slab_put(struct page_slab *s, struct page *p);

#endif /* PCSIM_MODEL_SLAB_H */
