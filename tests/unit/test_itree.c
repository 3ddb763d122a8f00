/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_itree.c - unit tests of model/itree.c.
 *
 * Scope: empty tree, a single node, overlapping / nested / adjacent
 * intervals, equal starts ordered by id, removal of root, leaf and inner
 * nodes, intervals at 0 and UINT64_MAX, itree_check() catching corruption,
 * and randomized comparisons against a brute-force array (fixed splitmix64
 * seeds): 100k operations, and a smaller run with itree_check() after
 * every operation.
 *
 * Nodes live in a caller struct (struct vma) as in the simulator, and are
 * recovered with itree_entry().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "model/itree.h"

struct vma {
	uint64_t tag;
	struct itree_node it;
	bool in_tree;
};

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void vma_set(struct vma *v, uint64_t start, uint64_t last,
		    uint64_t id)
{
	v->tag = id * 7 + 1;
	v->it.start = start;
	v->it.last = last;
	v->it.id = id;
	v->in_tree = false;
}

static void vma_insert(struct itree_root *root, struct vma *v)
{
	itree_insert(root, &v->it);
	v->in_tree = true;
}

static void vma_remove(struct itree_root *root, struct vma *v)
{
	itree_remove(root, &v->it);
	v->in_tree = false;
}

/* Run a query and write the ids found, in order; return how many. */
static size_t query_ids(const struct itree_root *root, uint64_t start,
			uint64_t last, uint64_t *ids, size_t max)
{
	struct itree_node *n;
	size_t k = 0;

	itree_for_each(n, root, start, last) {
		assert_true(k < max);
		assert_int_equal(itree_entry(n, struct vma, it)->tag,
				 n->id * 7 + 1);
		ids[k++] = n->id;
	}
	return k;
}

/* Assert that [start, last] finds exactly ids want[0..n) in that order. */
static void expect_ids(const struct itree_root *root, uint64_t start,
		       uint64_t last, const uint64_t *want, size_t n)
{
	uint64_t got[64];
	size_t k = query_ids(root, start, last, got, 64), i;

	assert_int_equal(k, n);
	for (i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

static void test_empty(void **state)
{
	struct itree_root root = ITREE_ROOT_INIT;

	(void)state;
	assert_true(itree_empty(&root));
	assert_null(itree_iter_first(&root, 0, UINT64_MAX));
	assert_null(itree_iter_first(&root, 5, 5));
	assert_int_equal(itree_check(&root), 0);
	assert_int_equal(root.count, 0);
}

static void test_single(void **state)
{
	struct itree_root root = ITREE_ROOT_INIT;
	struct vma v;
	static const uint64_t one[] = { 42 };

	(void)state;
	vma_set(&v, 10, 20, 42);
	vma_insert(&root, &v);
	assert_false(itree_empty(&root));
	assert_int_equal(itree_check(&root), 0);
	expect_ids(&root, 0, UINT64_MAX, one, 1);
	expect_ids(&root, 10, 10, one, 1);
	expect_ids(&root, 20, 20, one, 1);
	expect_ids(&root, 0, 10, one, 1);
	expect_ids(&root, 20, 30, one, 1);
	expect_ids(&root, 12, 15, one, 1);
	expect_ids(&root, 0, 9, NULL, 0);
	expect_ids(&root, 21, UINT64_MAX, NULL, 0);
	expect_ids(&root, 15, 12, NULL, 0);	/* inverted query */
	assert_null(itree_iter_next(&v.it, 0, UINT64_MAX));
	assert_null(itree_iter_next(&v.it, 15, 12));
	vma_remove(&root, &v);
	assert_true(itree_empty(&root));
	assert_int_equal(itree_check(&root), 0);
	/* A second remove is detected and ignored. */
	itree_remove(&root, &v.it);
	assert_int_equal(root.count, 0);
	assert_int_equal(itree_check(&root), 0);
}

/*
 * ids:  0 [0,99]  1 [10,19]  2 [20,29]  3 [30,30]  4 [15,40]
 *       5 [50,60] 6 [61,70]  7 [100,200] 8 [55,56]
 */
static const uint64_t layout[][2] = {
	{ 0, 99 }, { 10, 19 }, { 20, 29 }, { 30, 30 }, { 15, 40 },
	{ 50, 60 }, { 61, 70 }, { 100, 200 }, { 55, 56 },
};
#define N_LAYOUT	(sizeof(layout) / sizeof(layout[0]))

static void build_layout(struct itree_root *root, struct vma *v)
{
	size_t i;

	for (i = 0; i < N_LAYOUT; i++) {
		vma_set(&v[i], layout[i][0], layout[i][1], i);
		vma_insert(root, &v[i]);
		assert_int_equal(itree_check(root), 0);
	}
}

static void test_overlaps(void **state)
{
	struct itree_root root = ITREE_ROOT_INIT;
	struct vma v[N_LAYOUT];
	static const uint64_t all[] = { 0, 1, 4, 2, 3, 5, 8, 6, 7 };
	static const uint64_t at_19[] = { 0, 1, 4 };
	static const uint64_t at_20[] = { 0, 4, 2 };
	static const uint64_t at_30[] = { 0, 4, 3 };
	static const uint64_t r41_54[] = { 0, 5 };
	static const uint64_t adj_60_61[] = { 0, 5, 6 };
	static const uint64_t r71_99[] = { 0 };
	static const uint64_t at_100[] = { 7 };

	(void)state;
	build_layout(&root, v);
	expect_ids(&root, 0, UINT64_MAX, all, N_LAYOUT);
	expect_ids(&root, 19, 19, at_19, 3);
	expect_ids(&root, 20, 20, at_20, 3);
	expect_ids(&root, 30, 30, at_30, 3);
	expect_ids(&root, 41, 54, r41_54, 2);
	expect_ids(&root, 60, 61, adj_60_61, 3);
	expect_ids(&root, 71, 99, r71_99, 1);
	expect_ids(&root, 100, 100, at_100, 1);
	expect_ids(&root, 201, UINT64_MAX, NULL, 0);
	assert_int_equal(root.count, N_LAYOUT);
}

static void test_equal_starts_by_id(void **state)
{
	static const uint64_t ids[] = { 9, 3, 7, 1, 8, 0, 5, 2, 6, 4 };
	static const uint64_t sorted[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const uint64_t long_ones[] = { 5, 6, 7, 8, 9 };
	struct itree_root root = ITREE_ROOT_INIT;
	struct vma v[10];
	size_t i;

	(void)state;
	for (i = 0; i < 10; i++) {
		vma_set(&v[i], 100, 100 + ids[i], ids[i]);
		vma_insert(&root, &v[i]);
	}
	assert_int_equal(itree_check(&root), 0);
	expect_ids(&root, 0, UINT64_MAX, sorted, 10);
	expect_ids(&root, 105, 1000, long_ones, 5);
	/* Removing some keeps the others in id order. */
	vma_remove(&root, &v[0]);	/* id 9 */
	vma_remove(&root, &v[5]);	/* id 0 */
	assert_int_equal(itree_check(&root), 0);
	expect_ids(&root, 100, 100, sorted + 1, 8);
}

/* A leaf: no children. */
static struct itree_node *find_leaf(const struct itree_root *root)
{
	struct itree_node *n = root->root;

	while (n->left || n->right)
		n = n->left ? n->left : n->right;
	return n;
}

static void expect_all_but(const struct itree_root *root, const struct vma *v,
			   size_t n)
{
	uint64_t want[64];
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (v[i].in_tree)
			want[k++] = v[i].it.id;
	expect_ids(root, 0, UINT64_MAX, want, k);
}

static void test_remove_positions(void **state)
{
	struct itree_root root = ITREE_ROOT_INIT;
	struct vma v[31];
	struct itree_node *n;
	size_t i;

	(void)state;
	for (i = 0; i < 31; i++) {
		vma_set(&v[i], i * 10, i * 10 + (i % 4) * 15, i);
		vma_insert(&root, &v[i]);
	}
	/* Root. */
	vma_remove(&root, itree_entry(root.root, struct vma, it));
	assert_int_equal(itree_check(&root), 0);
	expect_all_but(&root, v, 31);
	/* Leaf. */
	vma_remove(&root, itree_entry(find_leaf(&root), struct vma, it));
	assert_int_equal(itree_check(&root), 0);
	expect_all_but(&root, v, 31);
	/* Inner node with two children whose successor is deep. */
	n = root.root->left;
	assert_non_null(n->left);
	assert_non_null(n->right);
	vma_remove(&root, itree_entry(n, struct vma, it));
	assert_int_equal(itree_check(&root), 0);
	expect_all_but(&root, v, 31);
	assert_int_equal(root.count, 28);
	/* Drain from the root down. */
	while (root.root) {
		vma_remove(&root, itree_entry(root.root, struct vma, it));
		assert_int_equal(itree_check(&root), 0);
		expect_all_but(&root, v, 31);
	}
	assert_int_equal(root.count, 0);
}

static void test_extremes(void **state)
{
	struct itree_root root = ITREE_ROOT_INIT;
	struct vma v[3];
	static const uint64_t both_top[] = { 2, 1 };
	static const uint64_t only_top[] = { 1 };
	static const uint64_t bottom[] = { 0, 2 };

	(void)state;
	vma_set(&v[0], 0, 0, 0);
	vma_set(&v[1], UINT64_MAX, UINT64_MAX, 1);
	vma_set(&v[2], 0, UINT64_MAX, 2);
	vma_insert(&root, &v[1]);
	vma_insert(&root, &v[2]);
	vma_insert(&root, &v[0]);
	assert_int_equal(itree_check(&root), 0);
	assert_true(root.root->subtree_last == UINT64_MAX);
	expect_ids(&root, UINT64_MAX, UINT64_MAX, both_top, 2);
	expect_ids(&root, 1, UINT64_MAX, both_top, 2);
	expect_ids(&root, 0, 0, bottom, 2);
	vma_remove(&root, &v[2]);
	expect_ids(&root, 1, UINT64_MAX - 1, NULL, 0);
	expect_ids(&root, UINT64_MAX, UINT64_MAX, only_top, 1);
}

static void test_check_detects_corruption(void **state)
{
	struct itree_root root = ITREE_ROOT_INIT;
	struct vma v[N_LAYOUT];
	struct itree_node *n, *parent;
	uint64_t saved;

	(void)state;
	build_layout(&root, v);
	n = find_leaf(&root);
	saved = n->subtree_last;
	n->subtree_last = saved + 1;
	assert_int_equal(itree_check(&root), -4);
	n->subtree_last = saved;
	saved = n->start;
	n->start = n->last + 1;
	assert_int_equal(itree_check(&root), -5);
	n->start = saved;
	n->height = 3;
	assert_int_equal(itree_check(&root), -3);
	n->height = 1;
	root.count++;
	assert_int_equal(itree_check(&root), -6);
	root.count--;
	parent = n->parent;
	n->parent = n;
	assert_int_equal(itree_check(&root), -1);
	n->parent = parent;
	assert_int_equal(itree_check(&root), 0);
	/* id 0 is [0, 99]: moving its start past id 1's breaks the order. */
	v[0].it.start = 99;
	assert_int_equal(itree_check(&root), -2);
	v[0].it.start = 0;
	assert_int_equal(itree_check(&root), 0);
}

/* Brute force: ids of pool nodes overlapping [s, l], in (start, id) order. */
static int vma_cmp(const void *a, const void *b)
{
	const struct vma *x = *(const struct vma *const *)a;
	const struct vma *y = *(const struct vma *const *)b;

	if (x->it.start != y->it.start)
		return x->it.start < y->it.start ? -1 : 1;
	return x->it.id < y->it.id ? -1 : x->it.id > y->it.id;
}

static size_t brute_ids(struct vma *pool, size_t n, uint64_t s, uint64_t l,
			uint64_t *ids)
{
	struct vma **hit = calloc(n ? n : 1, sizeof(*hit));
	size_t i, k = 0;

	assert_non_null(hit);
	for (i = 0; s <= l && i < n; i++)
		if (pool[i].in_tree && pool[i].it.start <= l &&
		    pool[i].it.last >= s)
			hit[k++] = &pool[i];
	qsort(hit, k, sizeof(*hit), vma_cmp);
	for (i = 0; i < k; i++)
		ids[i] = hit[i]->it.id;
	free(hit);
	return k;
}

/* Starts cluster so that equal starts and nesting are common. */
static void random_interval(uint64_t *rng, uint64_t *s, uint64_t *l)
{
	uint64_t r = splitmix64(rng);

	if (r % 50 == 0) {
		*s = UINT64_MAX - splitmix64(rng) % 64;
		*l = UINT64_MAX;
		return;
	}
	*s = (r >> 8) % 2000;
	*l = *s + (splitmix64(rng) >> (54 + r % 10));
}

struct rand_run {
	struct vma *pool;
	size_t n;
	uint64_t *got, *want;
	uint64_t rng;
};

static void random_query(struct itree_root *root, struct rand_run *rr)
{
	uint64_t s, l;
	size_t k;

	random_interval(&rr->rng, &s, &l);
	if (splitmix64(&rr->rng) % 16 == 0)
		l = s - 1;	/* inverted: must find nothing */
	k = brute_ids(rr->pool, rr->n, s, l, rr->want);
	assert_int_equal(query_ids(root, s, l, rr->got, rr->n), k);
	assert_memory_equal(rr->got, rr->want, k * sizeof(uint64_t));
}

static void random_op(struct itree_root *root, struct rand_run *rr)
{
	uint64_t r = splitmix64(&rr->rng), s, l;
	struct vma *v = &rr->pool[(r >> 8) % rr->n];

	if (r % 3 == 2) {
		random_query(root, rr);
	} else if (v->in_tree) {
		vma_remove(root, v);
	} else {
		random_interval(&rr->rng, &s, &l);
		v->it.start = s;
		v->it.last = l;
		vma_insert(root, v);
	}
}

static void random_run(size_t n, uint64_t ops, uint64_t seed, bool check_all)
{
	struct itree_root root = ITREE_ROOT_INIT;
	struct rand_run rr = { .n = n, .rng = seed };
	uint64_t op, live = 0;
	size_t i;

	rr.pool = calloc(n, sizeof(*rr.pool));
	rr.got = calloc(n, sizeof(*rr.got));
	rr.want = calloc(n, sizeof(*rr.want));
	assert_non_null(rr.pool);
	for (i = 0; i < n; i++)
		vma_set(&rr.pool[i], 0, 0, i);
	for (op = 0; op < ops; op++) {
		random_op(&root, &rr);
		if (check_all || op % 1024 == 0)
			assert_int_equal(itree_check(&root), 0);
	}
	for (i = 0; i < n; i++)
		live += rr.pool[i].in_tree;
	assert_int_equal(root.count, live);
	assert_int_equal(itree_check(&root), 0);
	free(rr.pool);
	free(rr.got);
	free(rr.want);
}

static void test_random_100k(void **state)
{
	(void)state;
	random_run(1000, 100000, 0x17ee, false);
}

static void test_random_checked(void **state)
{
	(void)state;
	random_run(200, 20000, 0xc0ffee, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_equal_starts_by_id),
		cmocka_unit_test(test_remove_positions),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_check_detects_corruption),
		cmocka_unit_test(test_random_100k),
		cmocka_unit_test(test_random_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
