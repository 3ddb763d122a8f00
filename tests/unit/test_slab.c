// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_slab.c - struct page frames (model/slab.c).
 *
 * Scope: frames are zeroed, distinct and aligned across the growing
 * chunks; a returned frame is the next one handed out (not under ASan,
 * where frames come from calloc); a slab whose frames all came back frees
 * cleanly, and the next slab works from the kept first chunk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <glib.h>

#include "model/kernel.h"
#include "model/sanitizer.h"
#include "model/slab.h"

#define NFRAMES 3000	/* past the first chunks: 512, 1024, then 2048 */

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* Every frame zeroed, aligned and apart from every other by a frame. */
static void test_frames(void **state)
{
	struct page_slab *s = page_slab_new();
	struct page **p = g_new(struct page *, NFRAMES);
	static const struct page zero;
	size_t i;

	(void)state;
	for (i = 0; i < NFRAMES; i++) {
		p[i] = page_slab_get(s);
		assert_memory_equal(p[i], &zero, sizeof(zero));
		assert_int_equal((uintptr_t)p[i] % _Alignof(struct page), 0);
		p[i]->refcount = (int)i + 1;	/* written through */
	}
	for (i = 0; i < NFRAMES; i++)
		assert_int_equal(p[i]->refcount, (int)i + 1);
	qsort(p, NFRAMES, sizeof(*p), ptr_cmp);
	for (i = 1; i < NFRAMES; i++)
		assert_true((uintptr_t)p[i] - (uintptr_t)p[i - 1] >=
			    sizeof(struct page));
	for (i = 0; i < NFRAMES; i++)
		page_slab_put(s, p[i]);
	page_slab_free(s);
	g_free(p);
}

/* A returned frame comes back next, zeroed again. */
static void test_reuse(void **state)
{
	struct page_slab *s = page_slab_new();
	struct page *a = page_slab_get(s), *b = page_slab_get(s), *c;

	(void)state;
	a->refcount = 7;
	page_slab_put(s, a);
	c = page_slab_get(s);
	if (!PCSIM_ASAN)
		assert_ptr_equal(c, a);
	assert_int_equal(c->refcount, 0);
	page_slab_put(s, b);
	page_slab_put(s, c);
	page_slab_free(s);
}

/* Slab after slab (a fuzz campaign's kernels) from the kept chunks. */
static void test_slab_after_slab(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 10; round++) {
		struct page_slab *s = page_slab_new();
		struct page *p = page_slab_get(s);

		assert_int_equal(p->id, 0);
		p->id = 1;
		page_slab_put(s, p);
		page_slab_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_slab_after_slab),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
