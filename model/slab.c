// SPDX-License-Identifier: MIT
/*
 * model/slab.c - struct page frames without a malloc header each.
 *
 * Scope: page_alloc() and put_page() take and return struct pages here, as
 * the kernel's pages live in mem_map rather than in kmalloc: chunks of
 * SLAB_CHUNK frames carved in order, freed frames reused last-in first-out
 * through a free list threaded through them.  A frame costs sizeof(struct
 * page) (72 bytes) instead of malloc's 80-byte chunk, and a million pages
 * need 64 allocations instead of a million.
 *
 * Nothing depends on where a frame is: pages are named by page->id, never
 * ordered by address, so reuse order cannot change a run.
 *
 * Checking tools keep seeing each frame as an allocation of its own:
 * under AddressSanitizer frames come from calloc/free directly (so a use
 * after put_page is caught), and valgrind is told of each frame as a
 * malloc-like block (leaks and uses after free are reported per page).
 * Chunks are mmap()ed, not malloc()ed, so that no frame starts where a
 * heap block of valgrind's own does (it would take the frame's free for
 * the chunk's).  Chunks are unmapped with the slab, when the kernel is.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <glib.h>

#include "model/kernel.h"
#include "model/never.h"
#include "model/slab.h"

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_MALLOC 1
#endif
#endif

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#else
#define VALGRIND_MALLOCLIKE_BLOCK(a, n, rz, z) ((void)(a))
#define VALGRIND_FREELIKE_BLOCK(a, rz) ((void)(a))
#define VALGRIND_MAKE_MEM_NOACCESS(a, n) ((void)(a))
#define VALGRIND_MAKE_MEM_DEFINED(a, n) ((void)(a))
#endif

#define SLAB_CHUNK 16384	/* frames a chunk: 1.1 MiB */
#define SLAB_CHUNK_BYTES (SLAB_CHUNK * sizeof(struct page))

/*
 * struct page_slab - @chunks: every chunk, in allocation order; @next: the
 * next never-used frame of the last chunk, @left of them; @free: frames
 * returned, each holding the next in its first word.
 */
struct page_slab {
	GPtrArray *chunks;
	struct page *next;
	size_t left;
	void *free;
};

struct page_slab *page_slab_new(void)
{
	struct page_slab *s = g_new0(struct page_slab, 1);

	s->chunks = g_ptr_array_new();
	return s;
}

void page_slab_free(struct page_slab *s)
{
	guint i;

	for (i = 0; i < s->chunks->len; i++)
		munmap(g_ptr_array_index(s->chunks, i), SLAB_CHUNK_BYTES);
	g_ptr_array_free(s->chunks, TRUE);
	g_free(s);
}

#ifdef SLAB_MALLOC
struct page *page_slab_get(struct page_slab *s)
{
	struct page *p = calloc(1, sizeof(*p));

	(void)s;
	if (NEVER(!p))
		abort();
	return p;
}

void page_slab_put(struct page_slab *s, struct page *p)
{
	(void)s;
	free(p);
}
#else
/* A frame from the free list, the last chunk, or a new chunk. */
static struct page *slab_frame(struct page_slab *s)
{
	struct page *p;

	if (s->free) {
		p = s->free;
		VALGRIND_MAKE_MEM_DEFINED(p, sizeof(void *));
		s->free = *(void **)s->free;
		return p;
	}
	if (!s->left) {
		s->next = mmap(NULL, SLAB_CHUNK_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (NEVER(s->next == MAP_FAILED))
			abort();
		VALGRIND_MAKE_MEM_NOACCESS(s->next, SLAB_CHUNK_BYTES);
		g_ptr_array_add(s->chunks, s->next);
		s->left = SLAB_CHUNK;
	}
	s->left--;
	return s->next++;
}

struct page *page_slab_get(struct page_slab *s)
{
	struct page *p = slab_frame(s);

	VALGRIND_MALLOCLIKE_BLOCK(p, sizeof(*p), 0, 1);
	memset(p, 0, sizeof(*p));
	return p;
}

void page_slab_put(struct page_slab *s, struct page *p)
{
	VALGRIND_FREELIKE_BLOCK(p, 0);
	VALGRIND_MAKE_MEM_DEFINED(p, sizeof(void *));
	*(void **)p = s->free;
	VALGRIND_MAKE_MEM_NOACCESS(p, sizeof(void *));
	s->free = p;
}
#endif
