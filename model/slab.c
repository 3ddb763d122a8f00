// SPDX-License-Identifier: MIT
/*
 * model/slab.c - struct page frames without a malloc header each.
 *
 * Scope: page_alloc() and put_page() take and return struct pages here, as
 * the kernel's pages live in mem_map rather than in kmalloc: chunks of
 * SLAB_CHUNK frames carved in order, freed frames reused last-in first-out
 * through a free list threaded through them.  A frame costs sizeof(struct
 * page) (64 bytes, one cache line: chunks are page aligned) instead of
 * malloc's 80-byte chunk, and a million pages need about 70 mappings
 * instead of a million allocations.  Chunks grow from SLAB_FIRST frames (a
 * fuzz run's kernel needs one of those) to SLAB_CHUNK; a few first chunks
 * are kept per OS thread for the next kernel, so that a campaign of small
 * runs makes no mmap/munmap calls and no page faults after its first runs.
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
#include "model/sanitizer.h"
#include "model/slab.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#else
#define VALGRIND_MALLOCLIKE_BLOCK(a, n, rz, z) ((void)(a))
#define VALGRIND_FREELIKE_BLOCK(a, rz) ((void)(a))
#define VALGRIND_MAKE_MEM_NOACCESS(a, n) ((void)(a))
#define VALGRIND_MAKE_MEM_DEFINED(a, n) ((void)(a))
#define RUNNING_ON_VALGRIND 0
#endif

#define SLAB_FIRST 512		/* frames of the first chunk: 32 KiB */
#define SLAB_CHUNK 16384	/* frames of the largest chunks: 1 MiB */
#define SLAB_CACHE 4		/* first chunks kept for the next kernel */

/* Frames of chunk @i of a slab: doubling from SLAB_FIRST to SLAB_CHUNK. */
static size_t chunk_frames(guint i)
{
	return i >= 5 ? SLAB_CHUNK : (size_t)SLAB_FIRST << i;
}

static size_t chunk_bytes(guint i)
{
	return chunk_frames(i) * sizeof(struct page);
}

/*
 * Kept first chunks, by their end address: a pointer to a chunk's start
 * would be one to its first frame, and valgrind would call a frame leaked
 * there "still reachable" instead of lost.
 */
static __thread struct {
	char *end[SLAB_CACHE];
	int n;
} first_cache;

static void chunk_unmap(guint i, void *c)
{
	if (!i && first_cache.n < SLAB_CACHE)
		first_cache.end[first_cache.n++] = (char *)c + chunk_bytes(0);
	else
		munmap(c, chunk_bytes(i));
}

/* The kept chunks go at exit (mappings are not leak-checked: tidiness). */
__attribute__((destructor)) static void first_cache_free(void)
{
	while (first_cache.n)
		munmap(first_cache.end[--first_cache.n] - chunk_bytes(0),
		       chunk_bytes(0));
}

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
		chunk_unmap(i, g_ptr_array_index(s->chunks, i));
	g_ptr_array_free(s->chunks, TRUE);
	g_free(s);
}

/*
 * Can a dying kernel leave its pages in the slab (page_slab_free() unmaps
 * them with their chunks)?  Not when each frame is an allocation of its
 * own that the checking tool follows: under AddressSanitizer (calloc) and
 * under valgrind (a malloc-like block each, which would read as leaked).
 */
bool page_slab_frees_whole(void)
{
#if PCSIM_ASAN
	return false;
#else
	return !RUNNING_ON_VALGRIND;
#endif
}

#if PCSIM_ASAN
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
/*
 * Chunk @i: a first chunk from the cache, or a new mapping (no access).
 * The largest chunks are filled as they are mapped (MAP_POPULATE): their
 * frames are all used but the last chunk's, and one populating call costs
 * less than a page fault per 4 KiB (about 5% of a million-page run).
 */
static void *chunk_map(guint i)
{
	int populate = chunk_frames(i) == SLAB_CHUNK ? MAP_POPULATE : 0;
	void *c;

	if (!i && first_cache.n)
		c = first_cache.end[--first_cache.n] - chunk_bytes(0);
	else if ((c = mmap(NULL, chunk_bytes(i), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | populate, -1,
			   0)) == MAP_FAILED)
		c = NULL;
	if (c)
		VALGRIND_MAKE_MEM_NOACCESS(c, chunk_bytes(i));
	return c;
}

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
		s->next = chunk_map(s->chunks->len);
		if (NEVER(!s->next))
			abort();
		s->left = chunk_frames(s->chunks->len);
		g_ptr_array_add(s->chunks, s->next);
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
