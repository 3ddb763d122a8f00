/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_xarray.c - unit tests of model/xarray.c.
 *
 * Scope: store/load/erase at node and word boundaries (0, 63, 64, 4095,
 * 2^32, UINT64_MAX), marks and their upward propagation, xa_find() across
 * node boundaries and at the top of the index space, growing and shrinking
 * back to no nodes, bad arguments, a 200k-operation randomized comparison
 * against a GTree reference model (fixed splitmix64 seed), and the memory
 * cost per entry of a dense array.
 *
 * Invariant: every test leaves its xarray destroyed, so valgrind sees no
 * leak; xa_check() is asserted after every structural change worth one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "model/xarray.h"

/* A fake, never dereferenced, non-NULL entry for a number. */
#define ENT(n)	((void *)(uintptr_t)(((uint64_t)(n) << 4) | 8))

static const uint64_t edge_indices[] = {
	0, 1, 63, 64, 65, 4095, 4096, UINT64_C(1) << 32,
	(UINT64_C(1) << 32) - 1, UINT64_MAX - 64, UINT64_MAX - 1, UINT64_MAX,
};
#define N_EDGE	(sizeof(edge_indices) / sizeof(edge_indices[0]))

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Size of one node, measured through the public API. */
static size_t one_node_bytes(void)
{
	struct xarray xa = XARRAY_INIT;
	size_t bytes;

	xa_store(&xa, 0, ENT(0));
	bytes = xa_mem_bytes(&xa);
	xa_destroy(&xa);
	return bytes;
}

static void test_empty(void **state)
{
	struct xarray xa;
	uint64_t index = 0;
	unsigned int m;

	(void)state;
	xa_init(&xa);
	assert_true(xa_empty(&xa));
	assert_int_equal(xa_count(&xa), 0);
	assert_int_equal(xa_mem_bytes(&xa), 0);
	assert_null(xa_load(&xa, 0));
	assert_null(xa_load(&xa, UINT64_MAX));
	assert_null(xa_erase(&xa, 5));
	assert_null(xa_find(&xa, &index, UINT64_MAX, XA_PRESENT));
	for (m = XA_MARK_0; m <= XA_MARK_MAX; m++) {
		xa_set_mark(&xa, 0, m);
		assert_false(xa_marked(&xa, m));
		assert_false(xa_get_mark(&xa, 0, m));
	}
	assert_int_equal(xa_check(&xa), 0);
	xa_destroy(&xa);
	assert_true(xa_empty(&xa));
}

static void test_edge_indices(void **state)
{
	struct xarray xa = XARRAY_INIT;
	size_t i, j;

	(void)state;
	for (i = 0; i < N_EDGE; i++) {
		assert_null(xa_store(&xa, edge_indices[i], ENT(i)));
		assert_int_equal(xa_check(&xa), 0);
		for (j = 0; j < N_EDGE; j++)
			assert_ptr_equal(xa_load(&xa, edge_indices[j]),
					 j <= i ? ENT(j) : NULL);
	}
	assert_int_equal(xa_count(&xa), N_EDGE);
	assert_null(xa_load(&xa, 2));
	assert_null(xa_load(&xa, (UINT64_C(1) << 32) + 1));
	assert_null(xa_load(&xa, UINT64_MAX - 2));
	/* Replacing returns the old entry and does not change the count. */
	assert_ptr_equal(xa_store(&xa, UINT64_MAX, ENT(99)), ENT(N_EDGE - 1));
	assert_int_equal(xa_count(&xa), N_EDGE);
	for (i = 0; i < N_EDGE; i++) {
		assert_non_null(xa_erase(&xa, edge_indices[i]));
		assert_null(xa_erase(&xa, edge_indices[i]));
		assert_null(xa_load(&xa, edge_indices[i]));
		assert_int_equal(xa_count(&xa), N_EDGE - 1 - i);
		assert_int_equal(xa_check(&xa), 0);
	}
	assert_true(xa_empty(&xa));
	assert_int_equal(xa_mem_bytes(&xa), 0);
}

/* Each edge index alone, then erased: no node may survive. */
static void test_single_entry_lifecycle(void **state)
{
	struct xarray xa = XARRAY_INIT;
	uint64_t index;
	size_t i;

	(void)state;
	for (i = 0; i < N_EDGE; i++) {
		xa_store(&xa, edge_indices[i], ENT(i));
		index = 0;
		assert_ptr_equal(xa_find(&xa, &index, UINT64_MAX, XA_PRESENT),
				 ENT(i));
		assert_true(index == edge_indices[i]);
		assert_ptr_equal(xa_erase(&xa, edge_indices[i]), ENT(i));
		assert_int_equal(xa_mem_bytes(&xa), 0);
		assert_int_equal(xa_check(&xa), 0);
	}
}

/*
 * Bytes of a node with room for @cap slots, from the smallest (4 slots,
 * @node bytes): one pointer per slot more.
 */
static size_t cap_bytes(size_t node, unsigned int cap)
{
	return node + (cap - 4) * sizeof(void *);
}

static void test_grow_and_shrink(void **state)
{
	struct xarray xa = XARRAY_INIT;
	size_t node = one_node_bytes();

	(void)state;
	xa_store(&xa, 0, ENT(0));
	assert_int_equal(xa_mem_bytes(&xa), node);
	xa_store(&xa, 64, ENT(64));
	assert_int_equal(xa_mem_bytes(&xa), 3 * node);
	xa_erase(&xa, 64);
	assert_int_equal(xa_mem_bytes(&xa), node);
	xa_store(&xa, UINT64_C(1) << 40, ENT(1));
	/*
	 * Root at shift 36 (covers 2^42): seven levels down to index 0, six
	 * more nodes below the root down to 2^40, all using slot 0 only but
	 * the root, whose slot 16 needs a capacity of 24.
	 */
	assert_int_equal(xa_mem_bytes(&xa), 12 * node + cap_bytes(node, 24));
	assert_int_equal(xa_check(&xa), 0);
	xa_erase(&xa, UINT64_C(1) << 40);
	assert_int_equal(xa_mem_bytes(&xa), node);
	assert_int_equal(xa_check(&xa), 0);
	/* The surviving entry kept its place through grow and shrink. */
	assert_ptr_equal(xa_load(&xa, 0), ENT(0));
	/* Erasing index 0 of a tall tree frees the whole left spine. */
	xa_store(&xa, UINT64_MAX, ENT(2));
	xa_erase(&xa, 0);
	/* the root's slot 15 (capacity 16), then slot 63 ten times down */
	assert_int_equal(xa_mem_bytes(&xa),
			 cap_bytes(node, 16) + 10 * cap_bytes(node, 64));
	assert_int_equal(xa_check(&xa), 0);
	xa_erase(&xa, UINT64_MAX);
	assert_int_equal(xa_mem_bytes(&xa), 0);
}

/*
 * A node holds the slots it uses: it grows to 8, 16, 24, ... 64 as higher
 * slots are stored (relinking parent and children), never shrinks, and the
 * tree stays consistent and searchable through each move.
 */
static void test_node_capacity(void **state)
{
	struct xarray xa = XARRAY_INIT;
	size_t node = one_node_bytes();
	uint64_t i, index;

	(void)state;
	for (i = 0; i < 64; i++) {
		xa_store(&xa, 64 + i, ENT(64 + i));	/* a leaf under a root */
		if (i % 4 == 0)
			xa_set_mark(&xa, 64 + i, XA_MARK_1);
		assert_int_equal(xa_check(&xa), 0);
	}
	/* root: slot 1 (4 slots); leaf: 64 slots */
	assert_int_equal(xa_mem_bytes(&xa), node + cap_bytes(node, 64));
	xa_store(&xa, 64 * 40, ENT(1));		/* root grows to 48 slots */
	assert_int_equal(xa_check(&xa), 0);
	assert_int_equal(xa_mem_bytes(&xa),
			 cap_bytes(node, 48) + cap_bytes(node, 64) + node);
	index = 0;
	assert_ptr_equal(xa_find(&xa, &index, UINT64_MAX, XA_MARK_1), ENT(64));
	index = 65;
	assert_ptr_equal(xa_find(&xa, &index, UINT64_MAX, XA_MARK_1), ENT(68));
	for (i = 0; i < 63; i++)
		xa_erase(&xa, 64 + i);
	assert_int_equal(xa_check(&xa), 0);	/* no shrinking below use */
	assert_ptr_equal(xa_load(&xa, 127), ENT(127));
	xa_destroy(&xa);
	assert_int_equal(xa_mem_bytes(&xa), 0);
}

static void test_marks(void **state)
{
	struct xarray xa = XARRAY_INIT;
	unsigned int marks;

	(void)state;
	xa_store(&xa, 10, ENT(10));
	xa_store(&xa, 4096, ENT(4096));
	xa_set_mark(&xa, 11, XA_MARK_0);	/* no entry: no-op */
	assert_false(xa_marked(&xa, XA_MARK_0));
	xa_set_mark(&xa, 4096, XA_MARK_0);
	xa_set_mark(&xa, 4096, XA_MARK_0);	/* idempotent */
	xa_set_mark(&xa, 10, XA_MARK_2);
	assert_true(xa_marked(&xa, XA_MARK_0));
	assert_false(xa_marked(&xa, XA_MARK_1));
	assert_true(xa_marked(&xa, XA_MARK_2));
	assert_true(xa_get_mark(&xa, 4096, XA_MARK_0));
	assert_false(xa_get_mark(&xa, 4096, XA_MARK_2));
	assert_false(xa_get_mark(&xa, 10, XA_MARK_0));
	/* All marks of a slot at once: the same answers, one bit each. */
	xa_set_mark(&xa, 4096, XA_MARK_1);
	assert_int_equal(xa_get_marks(&xa, 4096), 0x3);
	assert_int_equal(xa_get_marks(&xa, 10), 0x4);
	assert_int_equal(xa_get_marks(&xa, 11), 0);	/* no entry */
	assert_int_equal(xa_get_marks(&xa, 1U << 20), 0); /* no leaf */
	/* The entry and its marks in one descent. */
	assert_ptr_equal(xa_load_marks(&xa, 4096, &marks), ENT(4096));
	assert_int_equal(marks, 0x3);
	assert_ptr_equal(xa_load_marks(&xa, 10, &marks), ENT(10));
	assert_int_equal(marks, 0x4);
	assert_null(xa_load_marks(&xa, 11, &marks));
	assert_int_equal(marks, 0);
	assert_null(xa_load_marks(&xa, 1U << 20, &marks));
	assert_int_equal(marks, 0);
	/* Several marks set and cleared in one call; a mark in both is set. */
	xa_update_marks(&xa, 4096, 0x4, 0x3);
	assert_int_equal(xa_get_marks(&xa, 4096), 0x4);
	xa_update_marks(&xa, 4096, 0x3, 0x7);
	assert_int_equal(xa_get_marks(&xa, 4096), 0x3);
	xa_update_marks(&xa, 11, 0x7, 0);		/* no entry: no-op */
	assert_int_equal(xa_get_marks(&xa, 11), 0);
	assert_int_equal(xa_check(&xa), 0);
	xa_update_marks(&xa, 4096, 0x1, 0x6);	/* back to mark 0 only */
	assert_int_equal(xa_get_marks(&xa, 4096), 0x1);
	assert_true(xa_marked(&xa, XA_MARK_2));	/* entry 10 keeps its own */
	assert_false(xa_marked(&xa, XA_MARK_1));	/* cleared up the tree */
	xa_clear_mark(&xa, 4096, XA_MARK_1);
	assert_int_equal(xa_get_marks(&xa, 4096), 0x1);
	assert_int_equal(xa_check(&xa), 0);
	/* Replacing keeps marks. */
	xa_store(&xa, 4096, ENT(1));
	assert_true(xa_get_mark(&xa, 4096, XA_MARK_0));
	/* Clearing propagates up: no mark 0 left anywhere. */
	xa_clear_mark(&xa, 4096, XA_MARK_0);
	xa_clear_mark(&xa, 4096, XA_MARK_0);
	assert_false(xa_marked(&xa, XA_MARK_0));
	assert_int_equal(xa_check(&xa), 0);
	/* Erase clears marks; a new entry at the same index has none. */
	xa_erase(&xa, 10);
	assert_false(xa_marked(&xa, XA_MARK_2));
	xa_store(&xa, 10, ENT(10));
	assert_false(xa_get_mark(&xa, 10, XA_MARK_2));
	/* Growing a marked tree keeps marks reachable. */
	xa_set_mark(&xa, 10, XA_MARK_1);
	xa_store(&xa, UINT64_MAX, ENT(3));
	assert_true(xa_marked(&xa, XA_MARK_1));
	assert_true(xa_get_mark(&xa, 10, XA_MARK_1));
	assert_int_equal(xa_check(&xa), 0);
	/* ... and so does shrinking. */
	xa_erase(&xa, UINT64_MAX);
	assert_true(xa_marked(&xa, XA_MARK_1));
	assert_int_equal(xa_check(&xa), 0);
	xa_destroy(&xa);
}

static void test_bad_arguments(void **state)
{
	struct xarray xa = XARRAY_INIT;
	uint64_t index = 0;

	(void)state;
	xa_store(&xa, 7, ENT(7));
	xa_set_mark(&xa, 7, XA_MARK_MAX + 1);
	xa_set_mark(&xa, 7, XA_PRESENT);
	xa_clear_mark(&xa, 7, 1000);
	assert_false(xa_get_mark(&xa, 7, XA_PRESENT));
	assert_false(xa_marked(&xa, XA_MARK_MAX + 1));
	assert_true(xa_marked(&xa, XA_PRESENT));
	assert_null(xa_find(&xa, &index, UINT64_MAX, XA_MARK_MAX + 1));
	assert_null(xa_find_after(&xa, &index, UINT64_MAX, 77));
	/* start > max finds nothing and leaves *indexp alone. */
	index = 8;
	assert_null(xa_find(&xa, &index, 6, XA_PRESENT));
	assert_true(index == 8);
	/* Storing NULL is erasing. */
	assert_ptr_equal(xa_store(&xa, 7, NULL), ENT(7));
	assert_null(xa_store(&xa, 7, NULL));
	assert_true(xa_empty(&xa));
	assert_int_equal(xa_check(&xa), 0);
}

static void test_find_across_nodes(void **state)
{
	static const uint64_t marked[] = { 5, 63, 64, 200, 4096, 262143 };
	struct xarray xa = XARRAY_INIT;
	uint64_t index;
	size_t i;

	(void)state;
	for (index = 0; index < 300; index++)
		xa_store(&xa, index, ENT(index));
	xa_store(&xa, 4096, ENT(4096));
	xa_store(&xa, 262143, ENT(262143));
	for (i = 0; i < sizeof(marked) / sizeof(marked[0]); i++)
		xa_set_mark(&xa, marked[i], XA_MARK_1);
	index = 6;
	assert_ptr_equal(xa_find(&xa, &index, UINT64_MAX, XA_MARK_1), ENT(63));
	assert_true(index == 63);
	assert_ptr_equal(xa_find_after(&xa, &index, UINT64_MAX, XA_MARK_1),
			 ENT(64));
	assert_ptr_equal(xa_find_after(&xa, &index, UINT64_MAX, XA_MARK_1),
			 ENT(200));
	/* max stops the search; *indexp stays put. */
	assert_null(xa_find_after(&xa, &index, 4095, XA_MARK_1));
	assert_true(index == 200);
	assert_ptr_equal(xa_find_after(&xa, &index, 4096, XA_MARK_1),
			 ENT(4096));
	assert_ptr_equal(xa_find_after(&xa, &index, UINT64_MAX, XA_MARK_1),
			 ENT(262143));
	assert_null(xa_find_after(&xa, &index, UINT64_MAX, XA_MARK_1));
	/* XA_PRESENT: the hole from 300 to 4095 is skipped. */
	index = 299;
	assert_ptr_equal(xa_find_after(&xa, &index, UINT64_MAX, XA_PRESENT),
			 ENT(4096));
	index = 0;
	assert_null(xa_find(&xa, &index, UINT64_MAX, XA_MARK_0));
	xa_destroy(&xa);
}

static void test_find_top_of_range(void **state)
{
	struct xarray xa = XARRAY_INIT;
	uint64_t index;

	(void)state;
	xa_store(&xa, UINT64_MAX, ENT(1));
	xa_store(&xa, UINT64_MAX - 64, ENT(2));
	xa_set_mark(&xa, UINT64_MAX, XA_MARK_2);
	index = 0;
	assert_ptr_equal(xa_find(&xa, &index, UINT64_MAX, XA_MARK_2), ENT(1));
	assert_true(index == UINT64_MAX);
	assert_null(xa_find_after(&xa, &index, UINT64_MAX, XA_PRESENT));
	assert_true(index == UINT64_MAX);
	index = UINT64_MAX - 1;
	assert_ptr_equal(xa_find_after(&xa, &index, UINT64_MAX, XA_PRESENT),
			 ENT(1));
	index = 0;
	assert_ptr_equal(xa_find(&xa, &index, UINT64_MAX, XA_PRESENT), ENT(2));
	assert_ptr_equal(xa_find_after(&xa, &index, UINT64_MAX - 1,
				       XA_PRESENT), NULL);
	xa_destroy(&xa);
}

static void test_for_each(void **state)
{
	struct xarray xa = XARRAY_INIT;
	uint64_t index, k, seen = 0;
	void *entry;

	(void)state;
	for (k = 0; k < 64; k++) {
		xa_store(&xa, UINT64_C(1) << k, ENT(k));
		if (k % 3 == 0)
			xa_set_mark(&xa, UINT64_C(1) << k, XA_MARK_0);
	}
	xa_store(&xa, UINT64_MAX, ENT(64));
	k = 0;
	xa_for_each(&xa, index, entry) {
		assert_ptr_equal(entry, ENT(k));
		assert_true(index == (k < 64 ? UINT64_C(1) << k : UINT64_MAX));
		k++;
	}
	assert_int_equal(k, 65);
	assert_null(entry);
	k = 0;
	xa_for_each_marked(&xa, index, entry, XA_MARK_0) {
		assert_true(index == UINT64_C(1) << k);
		k += 3;
	}
	assert_int_equal(k, 66);
	/* Erasing the current entry while iterating is allowed. */
	xa_for_each(&xa, index, entry) {
		assert_ptr_equal(xa_erase(&xa, index), entry);
		assert_int_equal(xa_check(&xa), 0);
		seen++;
	}
	assert_int_equal(seen, 65);
	assert_int_equal(xa_mem_bytes(&xa), 0);
}

static void test_check_detects_corruption(void **state)
{
	struct xarray xa = XARRAY_INIT;

	(void)state;
	xa.xa_count = 1;
	assert_int_equal(xa_check(&xa), -4);
	xa.xa_count = 0;
	xa_store(&xa, 100, ENT(1));
	xa_store(&xa, 5000, ENT(2));
	assert_int_equal(xa_check(&xa), 0);
	xa.xa_count++;
	assert_int_equal(xa_check(&xa), -4);
	xa.xa_count--;
	xa.xa_nodes--;
	assert_int_equal(xa_check(&xa), -4);
	xa.xa_nodes++;
	assert_int_equal(xa_check(&xa), 0);
	xa_destroy(&xa);
}

/* Reference model: one GTree of present entries, one per mark. */
struct ref_ent {
	uint64_t index;
	void *entry;
};

struct ref {
	GTree *t[XA_MARK_MAX + 2];	/* marks, then present (owner) */
};
#define REF_PRESENT	(XA_MARK_MAX + 1)

static gint u64_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	(void)unused;
	return x < y ? -1 : x > y;
}

static void ref_init(struct ref *ref)
{
	unsigned int i;

	for (i = 0; i < REF_PRESENT; i++)
		ref->t[i] = g_tree_new_full(u64_cmp, NULL, NULL, NULL);
	ref->t[REF_PRESENT] = g_tree_new_full(u64_cmp, NULL, NULL, g_free);
}

static void ref_destroy(struct ref *ref)
{
	unsigned int i;

	for (i = 0; i <= REF_PRESENT; i++)
		g_tree_destroy(ref->t[i]);
}

static void *ref_store(struct ref *ref, uint64_t index, void *entry)
{
	struct ref_ent *e = g_tree_lookup(ref->t[REF_PRESENT], &index);
	void *old;

	if (e) {
		old = e->entry;
		e->entry = entry;
		return old;
	}
	e = g_new(struct ref_ent, 1);
	e->index = index;
	e->entry = entry;
	g_tree_insert(ref->t[REF_PRESENT], &e->index, e);
	return NULL;
}

static void *ref_erase(struct ref *ref, uint64_t index)
{
	struct ref_ent *e = g_tree_lookup(ref->t[REF_PRESENT], &index);
	void *old;
	unsigned int i;

	if (!e)
		return NULL;
	old = e->entry;
	for (i = 0; i < REF_PRESENT; i++)
		g_tree_remove(ref->t[i], &index);
	g_tree_remove(ref->t[REF_PRESENT], &index);
	return old;
}

static void ref_mark(struct ref *ref, uint64_t index, unsigned int m, bool set)
{
	struct ref_ent *e = g_tree_lookup(ref->t[REF_PRESENT], &index);

	if (!e || m > XA_MARK_MAX)
		return;
	if (set)
		g_tree_replace(ref->t[m], &e->index, e);
	else
		g_tree_remove(ref->t[m], &index);
}

static void *ref_find(const struct ref *ref, uint64_t *indexp, uint64_t max,
		      xa_mark_t filter)
{
	GTree *t = ref->t[filter == XA_PRESENT ? REF_PRESENT : filter];
	GTreeNode *n = g_tree_lower_bound(t, indexp);
	struct ref_ent *e;

	if (!n)
		return NULL;
	e = g_tree_node_value(n);
	if (e->index > max)
		return NULL;
	*indexp = e->index;
	return e->entry;
}

/* Indices that exercise dense leaves, 2^32 carries and the top levels. */
static uint64_t random_index(uint64_t *rng)
{
	uint64_t r = splitmix64(rng);

	switch (r % 10) {
	case 0: case 1: case 2: case 3:
		return (r >> 8) % 4096;
	case 4: case 5:
		return (UINT64_C(1) << 32) - 256 + (r >> 8) % 512;
	case 6: case 7:
		return UINT64_MAX - (r >> 8) % 300;
	default:
		return splitmix64(rng) >> (r >> 8) % 64;
	}
}

static xa_mark_t random_filter(uint64_t *rng)
{
	uint64_t r = splitmix64(rng) % 4;

	return r <= XA_MARK_MAX ? (xa_mark_t)r : XA_PRESENT;
}

static void compare_find(const struct xarray *xa, const struct ref *ref,
			 uint64_t *rng)
{
	uint64_t start = random_index(rng), max, xi, ri;
	xa_mark_t f = random_filter(rng);
	bool after = splitmix64(rng) & 1;
	void *xe, *re;

	max = splitmix64(rng) & 1 ? UINT64_MAX :
		start + (splitmix64(rng) >> (splitmix64(rng) % 64));
	if (max < start)
		max = UINT64_MAX;
	xi = ri = start;
	if (after && start == UINT64_MAX) {
		assert_null(xa_find_after(xa, &xi, max, f));
		return;
	}
	if (after)
		ri++;
	xe = after ? xa_find_after(xa, &xi, max, f) : xa_find(xa, &xi, max, f);
	re = ref_find(ref, &ri, max, f);
	assert_ptr_equal(xe, re);
	assert_true(xi == (re ? ri : start));
}

static void compare_load(const struct xarray *xa, const struct ref *ref,
			 uint64_t index)
{
	struct ref_ent *e = g_tree_lookup(ref->t[REF_PRESENT], &index);
	unsigned int m;

	assert_ptr_equal(xa_load(xa, index), e ? e->entry : NULL);
	for (m = XA_MARK_0; m <= XA_MARK_MAX; m++)
		assert_int_equal(xa_get_mark(xa, index, m),
				 g_tree_lookup(ref->t[m], &index) != NULL);
}

static void compare_all(const struct xarray *xa, const struct ref *ref)
{
	unsigned int m;

	GTreeNode *last = g_tree_node_last(ref->t[REF_PRESENT]);
	uint64_t index = 12345;

	assert_int_equal(xa_check(xa), 0);
	assert_int_equal(xa_count(xa), g_tree_nnodes(ref->t[REF_PRESENT]));
	for (m = XA_MARK_0; m <= XA_MARK_MAX; m++)
		assert_int_equal(xa_marked(xa, m),
				 g_tree_nnodes(ref->t[m]) > 0);
	assert_int_equal(xa_last_index(xa, &index), last != NULL);
	if (last)
		assert_true(index == *(const uint64_t *)g_tree_node_key(last));
	else
		assert_true(index == 12345);	/* untouched */
}

/* xa_copy_marks() over [first, first + span] against the reference. */
static void random_copy_marks(struct xarray *xa, struct ref *ref,
			      uint64_t first, uint64_t *rng)
{
	uint64_t span = splitmix64(rng) % 300, last, ri = first;
	xa_mark_t from = (xa_mark_t)(splitmix64(rng) % 3);
	xa_mark_t to = (from + 1 + (xa_mark_t)(splitmix64(rng) % 2)) % 3;

	last = first > UINT64_MAX - span ? UINT64_MAX : first + span;
	xa_copy_marks(xa, first, last, from, to);
	while (ref_find(ref, &ri, last, from)) {
		ref_mark(ref, ri, to, true);
		if (ri == last)
			break;
		ri++;
	}
}

static void random_op(struct xarray *xa, struct ref *ref, uint64_t *rng,
		      uint64_t op)
{
	uint64_t r = splitmix64(rng) % 100, index = random_index(rng);
	unsigned int m = (unsigned int)(splitmix64(rng) % 4);

	if (r < 30)
		assert_ptr_equal(xa_store(xa, index, ENT(op + 1)),
				 ref_store(ref, index, ENT(op + 1)));
	else if (r < 50)
		assert_ptr_equal(xa_erase(xa, index), ref_erase(ref, index));
	else if (r < 65) {
		xa_set_mark(xa, index, m);
		ref_mark(ref, index, m, true);
	} else if (r < 75) {
		xa_clear_mark(xa, index, m);
		ref_mark(ref, index, m, false);
	} else if (r < 83)
		compare_load(xa, ref, index);
	else if (r < 86)
		random_copy_marks(xa, ref, index, rng);
	else
		compare_find(xa, ref, rng);
}

/* What xa_scan() saw, checked against the reference as it goes. */
struct scan_ctx {
	const struct ref *ref;
	uint64_t next;		/* the reference's next index to look from */
	uint64_t n, stop_at;
};

static bool scan_visit(uint64_t index, void *entry, unsigned int marks,
		       void *arg)
{
	struct scan_ctx *c = arg;
	uint64_t ri = c->next;
	xa_mark_t m;

	assert_ptr_equal(entry, ref_find(c->ref, &ri, UINT64_MAX, XA_PRESENT));
	assert_true(ri == index);
	for (m = XA_MARK_0; m <= XA_MARK_MAX; m++)
		assert_int_equal(!!(marks & (1U << m)),
				 g_tree_lookup(c->ref->t[m], &index) != NULL);
	c->next = index + 1;
	return ++c->n == c->stop_at;
}

/*
 * xa_scan() visits what the reference holds, in order, with each entry's
 * marks; a visitor returning true stops it there.
 */
static void scan_vs_reference(const struct xarray *xa, const struct ref *ref)
{
	struct scan_ctx c = { ref, 0, 0, 0 };
	uint64_t total = g_tree_nnodes(ref->t[REF_PRESENT]);

	assert_false(xa_scan(xa, scan_visit, &c));
	assert_int_equal(c.n, total);
	c = (struct scan_ctx){ ref, 0, 0, total / 2 + 1 };
	assert_true(xa_scan(xa, scan_visit, &c));
	assert_int_equal(c.n, total / 2 + 1);
}

static void test_random_vs_reference(void **state)
{
	struct xarray xa = XARRAY_INIT;
	struct ref ref;
	uint64_t rng = 0x5eed, op, index;
	xa_mark_t f;
	void *entry;

	(void)state;
	ref_init(&ref);
	for (op = 0; op < 200000; op++) {
		random_op(&xa, &ref, &rng, op);
		if (op % 1000 == 0)
			compare_all(&xa, &ref);
	}
	compare_all(&xa, &ref);
	/* Full in-order walks agree for every filter. */
	for (f = XA_MARK_0; f <= XA_MARK_MAX + 1; f++) {
		xa_mark_t filter = f > XA_MARK_MAX ? XA_PRESENT : f;
		uint64_t ri = 0, n = 0;

		xa_for_each_marked(&xa, index, entry, filter) {
			assert_ptr_equal(entry, ref_find(&ref, &ri, UINT64_MAX,
							 filter));
			assert_true(ri == index);
			ri++;
			n++;
		}
		assert_int_equal(n, g_tree_nnodes(ref.t[f]));
	}
	scan_vs_reference(&xa, &ref);
	xa_for_each(&xa, index, entry)
		assert_ptr_equal(xa_erase(&xa, index), ref_erase(&ref, index));
	compare_all(&xa, &ref);
	assert_int_equal(xa_mem_bytes(&xa), 0);
	ref_destroy(&ref);
}

static void test_dense_memory(void **state)
{
	const uint64_t n = 1000000;
	struct xarray xa = XARRAY_INIT;
	double per_entry;
	uint64_t i;

	(void)state;
	for (i = 0; i < n; i++)
		xa_store(&xa, i, ENT(i));
	assert_int_equal(xa_count(&xa), n);
	assert_int_equal(xa_check(&xa), 0);
	per_entry = (double)xa_mem_bytes(&xa) / (double)n;
	print_message("xarray: %.3f bytes/entry for %llu dense entries\n",
		      per_entry, (unsigned long long)n);
	assert_true(per_entry < 12.0);
	assert_true(per_entry >= 8.0);	/* at least one pointer per entry */
	for (i = 0; i < n; i += 2)
		xa_erase(&xa, i);
	assert_int_equal(xa_count(&xa), n / 2);
	assert_ptr_equal(xa_load(&xa, n - 1), ENT(n - 1));
	assert_int_equal(xa_check(&xa), 0);
	xa_destroy(&xa);
	assert_int_equal(xa_mem_bytes(&xa), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_edge_indices),
		cmocka_unit_test(test_single_entry_lifecycle),
		cmocka_unit_test(test_grow_and_shrink),
		cmocka_unit_test(test_node_capacity),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_find_across_nodes),
		cmocka_unit_test(test_find_top_of_range),
		cmocka_unit_test(test_for_each),
		cmocka_unit_test(test_check_detects_corruption),
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_dense_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
