// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_cmap.c - the oracle's content map (model/cmap.c).
 *
 * Scope: loads, stores and holes against a plain reference array under a
 * seeded random mix of operations (including iteration that changes the
 * map), runs of pages stored in order growing in place, collapse of
 * uniform chunks and expansion back, copies sharing contents, and content
 * references (every one dropped at the end: the
 * pool has only its permanent contents left).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model/cmap.h"
#include "model/content.h"

#define PAGE	4096u
#define SPAN	300		/* indices of the random test: 4.7 chunks */
#define NBYTES	3		/* distinct contents: 0x61..0x63 */

struct env {
	struct content_pool *pool;
	const struct content *fill[NBYTES];
	uint64_t live0;		/* live contents before the test */
};

static void env_init(struct env *e)
{
	unsigned int i;

	e->pool = content_pool_new(PAGE);
	e->live0 = content_pool_live(e->pool);
	for (i = 0; i < NBYTES; i++)
		e->fill[i] = content_fill(e->pool, content_zero(e->pool), 0,
					  PAGE, (uint8_t)(0x61 + i));
}

static void env_fini(struct env *e)
{
	unsigned int i;

	for (i = 0; i < NBYTES; i++)
		content_put(e->pool, e->fill[i]);
	assert_int_equal(content_pool_live(e->pool), e->live0);
	content_pool_free(e->pool);
}

/* Store fill @b (or a hole for b < 0) at @index, in the map and @ref. */
static void put(struct env *e, struct cmap *m, const struct content **ref,
		uint64_t index, int b)
{
	const struct content *c = b < 0 ? NULL : e->fill[b];

	cmap_set(e->pool, m, index, c ? content_get(c) : NULL);
	if (ref)
		ref[index] = c;
}

static void assert_same(const struct cmap *m, const struct content **ref,
			uint64_t n)
{
	const struct content *c;
	uint64_t i, index, count = 0, next = 0;

	for (i = 0; i < n; i++) {
		assert_ptr_equal(cmap_load(m, i), ref[i]);
		count += ref[i] != NULL;
	}
	assert_int_equal(m->npages, count);
	cmap_for_each_range(m, index, c, 0, n - 1) {	/* in order, all */
		while (!ref[next])
			next++;
		assert_int_equal(index, next);
		assert_ptr_equal(c, ref[next]);
		next++;
	}
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Seeded random stores, holes and runs against the reference. */
static void test_random_vs_reference(void **state)
{
	const struct content *ref[SPAN] = { 0 };
	struct cmap m = CMAP_INIT;
	uint64_t x = 88172645463325252ULL, i, op, at, len;
	struct env e;
	int b;

	(void)state;
	env_init(&e);
	for (op = 0; op < 20000; op++) {
		at = rnd(&x) % SPAN;
		len = rnd(&x) % 80 + 1;
		if (at + len > SPAN)
			len = SPAN - at;
		b = (int)(rnd(&x) % (NBYTES + 1)) - 1;	/* -1: a hole */

		for (i = at; i < at + len; i++)
			put(&e, &m, ref, i, b);
		if (op % 97 == 0)
			assert_same(&m, ref, SPAN);
	}
	assert_same(&m, ref, SPAN);
	cmap_drop(e.pool, &m);
	assert_int_equal(m.npages, 0);
	env_fini(&e);
}

/*
 * A full chunk of one content is one tagged entry (no chunk memory); a
 * store of another content expands it, restoring the old content collapses
 * it again.
 */
static void test_uniform_chunk(void **state)
{
	struct cmap m = CMAP_INIT;
	uint64_t i, empty, full;
	struct env e;

	(void)state;
	env_init(&e);
	put(&e, &m, NULL, 0, 0);
	empty = cmap_mem_bytes(&m);
	for (i = 1; i < 64; i++)
		put(&e, &m, NULL, i, 0);
	full = cmap_mem_bytes(&m);
	assert_true(full < empty);		/* the chunk array is gone */
	put(&e, &m, NULL, 17, 1);
	assert_true(cmap_mem_bytes(&m) > full);
	assert_ptr_equal(cmap_load(&m, 17), e.fill[1]);
	assert_ptr_equal(cmap_load(&m, 18), e.fill[0]);
	put(&e, &m, NULL, 17, 0);
	assert_int_equal(cmap_mem_bytes(&m), full);
	put(&e, &m, NULL, 63, -1);		/* a hole breaks it too */
	assert_int_equal(m.npages, 63);
	assert_null(cmap_load(&m, 63));
	cmap_drop(e.pool, &m);
	env_fini(&e);
}

/* A million pages of one content cost next to nothing. */
static void test_uniform_memory(void **state)
{
	struct cmap m = CMAP_INIT;
	uint64_t i;
	struct env e;

	(void)state;
	env_init(&e);
	for (i = 0; i < (1u << 20); i++)
		put(&e, &m, NULL, i, 2);
	assert_int_equal(m.npages, 1u << 20);
	assert_true(cmap_mem_bytes(&m) * 4 < (1u << 20));	/* < 0.25 B a page */
	cmap_drop(e.pool, &m);
	env_fini(&e);
}

/*
 * Pages stored next to each other, upwards or downwards, grow one run in
 * place: the memory of a chunk of one page.  A run that fills its chunk is
 * uniform; a hole or another content inside a run or next to it expands
 * it; a hole outside it or its own content inside it change nothing.
 */
static void test_run_grows_in_place(void **state)
{
	const struct content *ref[256] = { 0 }, *at_copy[256];
	struct cmap m = CMAP_INIT, copy = CMAP_INIT;
	uint64_t i, index, one, full;
	struct env e;

	(void)state;
	env_init(&e);
	put(&e, &m, ref, 100, 0);
	one = cmap_mem_bytes(&m);
	for (i = 101; i <= 120; i++)
		put(&e, &m, ref, i, 0);
	for (i = 99; i >= 70; i--)
		put(&e, &m, ref, i, 0);
	assert_int_equal(cmap_mem_bytes(&m), one);
	assert_same(&m, ref, 256);
	index = 64;
	assert_ptr_equal(cmap_find(&m, &index, 127), e.fill[0]);
	assert_int_equal(index, 70);
	index = 64;
	assert_null(cmap_find(&m, &index, 69));
	index = 121;
	assert_null(cmap_find(&m, &index, UINT64_MAX));
	put(&e, &m, ref, 110, 0);		/* already so */
	put(&e, &m, ref, 10, -1);		/* a hole in a hole */
	put(&e, &m, ref, 125, -1);
	assert_int_equal(cmap_mem_bytes(&m), one);
	cmap_copy(&copy, &m);			/* a run shares its content */
	memcpy(at_copy, ref, sizeof(ref));
	assert_same(&copy, ref, 256);

	for (i = 69; i >= 64; i--)
		put(&e, &m, ref, i, 0);
	for (i = 121; i < 128; i++)
		put(&e, &m, ref, i, 0);
	full = cmap_mem_bytes(&m);
	assert_true(full < one);		/* uniform */
	assert_same(&m, ref, 256);

	for (i = 130; i <= 140; i++)		/* another run, broken */
		put(&e, &m, ref, i, 1);
	put(&e, &m, ref, 135, -1);		/* by a hole inside */
	assert_same(&m, ref, 256);
	for (i = 150; i <= 160; i++)
		put(&e, &m, ref, i, 1);
	put(&e, &m, ref, 161, 2);		/* by another content next */
	assert_same(&m, ref, 256);
	for (i = 192; i < 256; i++)		/* a run that fills a chunk */
		put(&e, &m, ref, i, 2);
	put(&e, &m, ref, 200, -1);		/* uniform, broken by a hole */
	assert_same(&m, ref, 256);
	assert_same(&copy, at_copy, 256);	/* unchanged */
	cmap_drop(e.pool, &copy);
	cmap_drop(e.pool, &m);
	env_fini(&e);
}

/* A copy shares the contents and is independent of the original. */
static void test_copy(void **state)
{
	const struct content *ref[SPAN] = { 0 };
	struct cmap a = CMAP_INIT, b = CMAP_INIT;
	uint64_t i;
	struct env e;

	(void)state;
	env_init(&e);
	for (i = 0; i < SPAN; i++)
		put(&e, &a, ref, i, (int)(i / 70 % NBYTES));
	put(&e, &a, ref, 5, -1);
	cmap_copy(&b, &a);
	assert_same(&b, ref, SPAN);
	put(&e, &a, NULL, 6, 2);		/* a changes, b does not */
	assert_same(&b, ref, SPAN);
	cmap_drop(e.pool, &a);
	assert_same(&b, ref, SPAN);
	cmap_drop(e.pool, &b);
	env_fini(&e);
}

/* Iteration may erase the entry it stands on (the oracle's zeroing). */
static void test_erase_while_iterating(void **state)
{
	const struct content *c;
	struct cmap m = CMAP_INIT;
	uint64_t i, index, seen = 0;
	struct env e;

	(void)state;
	env_init(&e);
	for (i = 0; i < 200; i += 3)
		put(&e, &m, NULL, i, 1);
	cmap_for_each_range(&m, index, c, 10, 150) {
		assert_int_equal(index % 3, 0);
		put(&e, &m, NULL, index, -1);
		seen++;
	}
	assert_int_equal(seen, 47);		/* 12, 15, ..., 150 */
	assert_int_equal(m.npages, 67 - 47);
	index = 0;
	assert_ptr_equal(cmap_find(&m, &index, UINT64_MAX), e.fill[1]);
	assert_int_equal(index, 0);
	index = 10;
	assert_ptr_equal(cmap_find(&m, &index, UINT64_MAX), e.fill[1]);
	assert_int_equal(index, 153);
	index = 154;
	assert_null(cmap_find(&m, &index, 155));
	assert_int_equal(index, 154);
	cmap_drop(e.pool, &m);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_uniform_chunk),
		cmocka_unit_test(test_uniform_memory),
		cmocka_unit_test(test_run_grows_in_place),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_erase_while_iterating),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
