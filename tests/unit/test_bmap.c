/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_bmap.c - unit tests of the extent map (model/bmap.c).
 *
 * Scope: every public function of model/bmap.h, by hand-written cases
 * (expected extent lists spelled out as bmap_dump() text) and by a
 * randomized comparison with a per-block reference array.  bmap_check()
 * runs after every mutation.
 *
 * White box: this file includes model/bmap.c itself, so that it can
 *   - corrupt a map's tree directly and prove bmap_check() catches each
 *     broken rule, and
 *   - replace the debug abort on a broken caller contract with a counter
 *     (BMAP_CONTRACT_FAIL) and test the release-build clamping.
 * The test therefore never needs bmap.o from libpcsim_core; all bmap_*
 * symbols resolve here first.
 *
 * Determinism: the randomized test uses its own splitmix64 with fixed seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static unsigned int contract_violations;
#define BMAP_CONTRACT_FAIL(what, a, b) \
	((void)(what), (void)(a), (void)(b), contract_violations++)
#include "model/bmap.c"

#include <cmocka.h>

#define P52	(UINT64_C(1) << 52)

/* bmap_set() followed by the structural check, as every test does. */
static void set_checked(struct bmap *map, uint64_t off, uint64_t count,
			enum ext_state state, uint64_t startblock)
{
	GString *why = g_string_new(NULL);
	int ret;

	bmap_set(map, off, count, state, startblock);
	ret = bmap_check_report(map, why);
	if (ret)
		fail_msg("%s", why->str);
	g_string_free(why, TRUE);
}

static void assert_dump(const struct bmap *map, const char *expected)
{
	GString *out = g_string_new(NULL);

	bmap_dump(map, out);
	assert_string_equal(out->str, expected);
	g_string_free(out, TRUE);
}

static void assert_lookup(const struct bmap *map, uint64_t off,
			  enum ext_state state, uint64_t startblock,
			  uint64_t count)
{
	struct bmap_irec irec;

	bmap_lookup(map, off, &irec);
	assert_int_equal(irec.br_startoff, off);
	assert_int_equal(irec.br_state, state);
	assert_int_equal(irec.br_startblock, startblock);
	assert_int_equal(irec.br_blockcount, count);
}

static int count_calls(const struct bmap_irec *irec, void *arg)
{
	(void)irec;
	(*(int *)arg)++;
	return 0;
}

static void test_empty(void **state)
{
	struct bmap *map = bmap_new();
	int calls = 0;

	(void)state;
	assert_lookup(map, 0, EXT_HOLE, BMAP_NOBLOCK, UINT64_MAX);
	assert_lookup(map, P52, EXT_HOLE, BMAP_NOBLOCK, UINT64_MAX - P52);
	assert_lookup(map, UINT64_MAX, EXT_HOLE, BMAP_NOBLOCK, 0);
	assert_int_equal(bmap_nextents(map), 0);
	assert_int_equal(bmap_next_mapped(map, 0), UINT64_MAX);
	assert_int_equal(bmap_last_mapped_end(map), 0);
	assert_int_equal(bmap_walk(map, 0, UINT64_MAX, count_calls, &calls), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(bmap_check(map), 0);
	assert_dump(map, "");
	set_checked(map, 5, 10, EXT_HOLE, 0);		/* punch nothing */
	set_checked(map, 5, 0, EXT_WRITTEN, 7);		/* count 0 */
	assert_int_equal(bmap_nextents(map), 0);
	bmap_free(map);
	bmap_free(NULL);
}

static void test_lookup_clips(void **state)
{
	struct bmap *map = bmap_new();

	(void)state;
	set_checked(map, 10, 5, EXT_WRITTEN, 100);
	assert_dump(map, "[10,5) written 100\n");
	assert_lookup(map, 0, EXT_HOLE, BMAP_NOBLOCK, 10);
	assert_lookup(map, 9, EXT_HOLE, BMAP_NOBLOCK, 1);
	assert_lookup(map, 10, EXT_WRITTEN, 100, 5);
	assert_lookup(map, 12, EXT_WRITTEN, 102, 3);
	assert_lookup(map, 14, EXT_WRITTEN, 104, 1);
	assert_lookup(map, 15, EXT_HOLE, BMAP_NOBLOCK, UINT64_MAX - 15);
	assert_int_equal(bmap_next_mapped(map, 0), 10);
	assert_int_equal(bmap_next_mapped(map, 12), 12);
	assert_int_equal(bmap_next_mapped(map, 15), UINT64_MAX);
	assert_int_equal(bmap_last_mapped_end(map), 15);
	bmap_free(map);
}

static void test_split_in_three(void **state)
{
	struct bmap *map = bmap_new();

	(void)state;
	set_checked(map, 0, 100, EXT_WRITTEN, 1000);
	set_checked(map, 40, 10, EXT_HOLE, 0);
	assert_dump(map, "[0,40) written 1000\n[50,50) written 1050\n");
	set_checked(map, 40, 10, EXT_UNWRITTEN, 5000);
	assert_dump(map, "[0,40) written 1000\n[40,10) unwritten 5000\n"
		    "[50,50) written 1050\n");
	/* Replace the middle of the middle: five extents. */
	set_checked(map, 42, 2, EXT_WRITTEN, 7);
	assert_dump(map, "[0,40) written 1000\n[40,2) unwritten 5000\n"
		    "[42,2) written 7\n[44,6) unwritten 5004\n"
		    "[50,50) written 1050\n");
	assert_int_equal(bmap_nextents(map), 5);
	bmap_free(map);
}

static void test_edges(void **state)
{
	struct bmap *map = bmap_new();

	(void)state;
	set_checked(map, 10, 10, EXT_WRITTEN, 100);
	set_checked(map, 10, 3, EXT_HOLE, 0);		/* front */
	assert_dump(map, "[13,7) written 103\n");
	set_checked(map, 17, 3, EXT_HOLE, 0);		/* back */
	assert_dump(map, "[13,4) written 103\n");
	set_checked(map, 5, 10, EXT_UNWRITTEN, 50);	/* over the front */
	assert_dump(map, "[5,10) unwritten 50\n[15,2) written 105\n");
	set_checked(map, 16, 10, EXT_UNWRITTEN, 60);	/* over the back */
	assert_dump(map, "[5,10) unwritten 50\n[15,1) written 105\n"
		    "[16,10) unwritten 60\n");
	set_checked(map, 15, 1, EXT_HOLE, 0);		/* whole extent */
	assert_dump(map, "[5,10) unwritten 50\n[16,10) unwritten 60\n");
	set_checked(map, 5, 21, EXT_HOLE, 0);		/* exactly all */
	assert_dump(map, "");
	bmap_free(map);
}

static void test_across_several(void **state)
{
	struct bmap *map = bmap_new();
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		set_checked(map, i * 10, 5, EXT_WRITTEN, 1000 * (i + 1));
	assert_int_equal(bmap_nextents(map), 5);
	set_checked(map, 12, 25, EXT_DELALLOC, BMAP_NOBLOCK);
	assert_dump(map, "[0,5) written 1000\n[10,2) written 2000\n"
		    "[12,25) delalloc -\n[40,5) written 5000\n");
	set_checked(map, 1, 43, EXT_HOLE, 0);
	assert_dump(map, "[0,1) written 1000\n[44,1) written 5004\n");
	bmap_free(map);
}

static void test_merge_rules(void **state)
{
	struct bmap *map = bmap_new();

	(void)state;
	set_checked(map, 0, 10, EXT_WRITTEN, 100);
	set_checked(map, 10, 10, EXT_WRITTEN, 110);	/* merges left */
	assert_dump(map, "[0,20) written 100\n");
	set_checked(map, 20, 5, EXT_UNWRITTEN, 120);	/* state differs */
	set_checked(map, 25, 5, EXT_UNWRITTEN, 200);	/* blocks differ */
	set_checked(map, 31, 5, EXT_UNWRITTEN, 206);	/* file gap */
	assert_dump(map, "[0,20) written 100\n[20,5) unwritten 120\n"
		    "[25,5) unwritten 200\n[31,5) unwritten 206\n");
	set_checked(map, 30, 1, EXT_UNWRITTEN, 205);	/* fills: 3 -> 1 */
	assert_dump(map, "[0,20) written 100\n[20,5) unwritten 120\n"
		    "[25,11) unwritten 200\n");
	set_checked(map, 20, 5, EXT_WRITTEN, 120);	/* convert */
	assert_dump(map, "[0,25) written 100\n[25,11) unwritten 200\n");
	set_checked(map, 0, 36, EXT_WRITTEN, 100);	/* merge right too */
	set_checked(map, 36, 4, EXT_WRITTEN, 136);
	assert_dump(map, "[0,40) written 100\n");
	set_checked(map, 10, 5, EXT_WRITTEN, 110);	/* same mapping */
	assert_dump(map, "[0,40) written 100\n");
	bmap_free(map);
}

/*
 * Ranges set in file order right after the extent found last (the O(1)
 * append path): they merge into it, also when an extent follows with a
 * gap; one that ends where the next extent starts merges with both.
 */
static void test_append_in_order(void **state)
{
	struct bmap *map = bmap_new();
	struct bmap_irec irec;
	uint64_t i;

	(void)state;
	set_checked(map, 50, 10, EXT_DELALLOC, 0);
	for (i = 0; i < 40; i++) {
		bmap_lookup(map, i ? i - 1 : 0, &irec);	/* hint: the left */
		set_checked(map, i, 1, EXT_DELALLOC, 0);
	}
	assert_dump(map, "[0,40) delalloc -\n[50,10) delalloc -\n");
	bmap_lookup(map, 39, &irec);
	set_checked(map, 40, 10, EXT_DELALLOC, 0);	/* touches the next */
	assert_dump(map, "[0,60) delalloc -\n");
	bmap_lookup(map, 59, &irec);
	set_checked(map, 60, 4, EXT_WRITTEN, 7);	/* state differs */
	bmap_lookup(map, 63, &irec);
	set_checked(map, 64, 4, EXT_WRITTEN, 11);	/* blocks follow */
	bmap_lookup(map, 67, &irec);
	set_checked(map, 68, 4, EXT_WRITTEN, 99);	/* blocks do not */
	assert_dump(map, "[0,60) delalloc -\n[60,8) written 7\n"
		    "[68,4) written 99\n");
	bmap_free(map);
}

static void test_delalloc(void **state)
{
	struct bmap *map = bmap_new();

	(void)state;
	set_checked(map, 0, 8, EXT_DELALLOC, BMAP_NOBLOCK);
	set_checked(map, 8, 8, EXT_DELALLOC, 12345);	/* block ignored */
	assert_dump(map, "[0,16) delalloc -\n");
	assert_lookup(map, 5, EXT_DELALLOC, BMAP_NOBLOCK, 11);
	set_checked(map, 16, 4, EXT_WRITTEN, 16);	/* no merge */
	set_checked(map, 4, 4, EXT_WRITTEN, 500);	/* xfs_bmapi_write */
	assert_dump(map, "[0,4) delalloc -\n[4,4) written 500\n"
		    "[8,8) delalloc -\n[16,4) written 16\n");
	set_checked(map, 4, 4, EXT_DELALLOC, BMAP_NOBLOCK);
	assert_dump(map, "[0,16) delalloc -\n[16,4) written 16\n");
	assert_int_equal(bmap_next_mapped(map, 3), 3);
	bmap_free(map);
}

struct walk_log {
	struct bmap_irec	pieces[8];
	int			n;
	int			stop_at;	/* return 42 at this call */
};

static int log_piece(const struct bmap_irec *irec, void *arg)
{
	struct walk_log *log = arg;

	assert_true(log->n < 8);
	log->pieces[log->n++] = *irec;
	return log->n == log->stop_at ? 42 : 0;
}

static void test_walk(void **state)
{
	struct bmap *map = bmap_new();
	struct walk_log log = { .n = 0 };

	(void)state;
	set_checked(map, 0, 10, EXT_WRITTEN, 100);
	set_checked(map, 20, 10, EXT_DELALLOC, BMAP_NOBLOCK);
	set_checked(map, 40, 10, EXT_UNWRITTEN, 400);
	assert_int_equal(bmap_walk(map, 5, 40, log_piece, &log), 0);
	assert_int_equal(log.n, 3);
	assert_true(irec_same(&log.pieces[0], &(struct bmap_irec){
		5, 105, 5, EXT_WRITTEN }));
	assert_true(irec_same(&log.pieces[1], &(struct bmap_irec){
		20, BMAP_NOBLOCK, 10, EXT_DELALLOC }));
	assert_true(irec_same(&log.pieces[2], &(struct bmap_irec){
		40, 400, 5, EXT_UNWRITTEN }));
	/* Inside one extent, both ends clipped. */
	log = (struct walk_log){ .n = 0 };
	assert_int_equal(bmap_walk(map, 42, 3, log_piece, &log), 0);
	assert_int_equal(log.n, 1);
	assert_true(irec_same(&log.pieces[0], &(struct bmap_irec){
		42, 402, 3, EXT_UNWRITTEN }));
	/* Early stop. */
	log = (struct walk_log){ .stop_at = 2 };
	assert_int_equal(bmap_walk(map, 0, UINT64_MAX, log_piece, &log), 42);
	assert_int_equal(log.n, 2);
	/* Holes only, and count 0 inside an extent. */
	log = (struct walk_log){ .n = 0 };
	assert_int_equal(bmap_walk(map, 10, 10, log_piece, &log), 0);
	assert_int_equal(bmap_walk(map, 3, 0, log_piece, &log), 0);
	assert_int_equal(bmap_walk(map, 50, UINT64_MAX - 50, log_piece, &log),
			 0);
	assert_int_equal(log.n, 0);
	bmap_free(map);
}

static void test_dup_equal(void **state)
{
	struct bmap *a = bmap_new(), *b = bmap_new(), *c;

	(void)state;
	assert_true(bmap_equal(a, b));
	set_checked(a, 0, 10, EXT_WRITTEN, 100);
	set_checked(a, 20, 5, EXT_DELALLOC, BMAP_NOBLOCK);
	/* Same mapping, different history. */
	set_checked(b, 20, 5, EXT_DELALLOC, BMAP_NOBLOCK);
	set_checked(b, 5, 5, EXT_WRITTEN, 105);
	set_checked(b, 0, 5, EXT_WRITTEN, 100);
	assert_true(bmap_equal(a, b));
	c = bmap_dup(a);
	assert_int_equal(bmap_check(c), 0);
	assert_true(bmap_equal(a, c));
	set_checked(c, 3, 1, EXT_UNWRITTEN, 103);	/* state differs */
	assert_false(bmap_equal(a, c));
	assert_dump(a, "[0,10) written 100\n[20,5) delalloc -\n");
	set_checked(c, 3, 1, EXT_WRITTEN, 103);
	assert_true(bmap_equal(a, c));
	set_checked(c, 0, 10, EXT_WRITTEN, 101);	/* block differs */
	assert_false(bmap_equal(a, c));
	set_checked(c, 0, 11, EXT_WRITTEN, 100);	/* length differs */
	set_checked(c, 20, 5, EXT_HOLE, 0);
	set_checked(c, 30, 5, EXT_DELALLOC, 0);		/* same count */
	assert_int_equal(bmap_nextents(c), bmap_nextents(a));
	assert_false(bmap_equal(a, c));
	bmap_free(a);
	bmap_free(b);
	bmap_free(c);
}

static void test_high_offsets(void **state)
{
	struct bmap *map = bmap_new();
	uint64_t top = UINT64_MAX - 10;

	(void)state;
	set_checked(map, P52, 100, EXT_WRITTEN, P52);
	set_checked(map, P52 + 10, 10, EXT_HOLE, 0);
	assert_dump(map, "[4503599627370496,10) written 4503599627370496\n"
		    "[4503599627370516,80) written 4503599627370516\n");
	set_checked(map, top, 10, EXT_WRITTEN, top);	/* ends at MAX */
	assert_int_equal(bmap_last_mapped_end(map), UINT64_MAX);
	assert_lookup(map, UINT64_MAX - 1, EXT_WRITTEN, UINT64_MAX - 1, 1);
	assert_lookup(map, UINT64_MAX, EXT_HOLE, BMAP_NOBLOCK, 0);
	assert_lookup(map, P52 + 100, EXT_HOLE, BMAP_NOBLOCK,
		      top - P52 - 100);
	set_checked(map, top - 5, 5, EXT_WRITTEN, top - 5);	/* merge */
	assert_lookup(map, top - 5, EXT_WRITTEN, top - 5, 15);
	set_checked(map, 0, UINT64_MAX, EXT_HOLE, 0);
	assert_int_equal(bmap_nextents(map), 0);
	set_checked(map, 0, UINT64_MAX, EXT_DELALLOC, BMAP_NOBLOCK);
	assert_lookup(map, 7, EXT_DELALLOC, BMAP_NOBLOCK, UINT64_MAX - 7);
	assert_int_equal(contract_violations, 0);
	bmap_free(map);
}

/* Release-build behaviour of a broken caller contract: clamp or ignore. */
static void test_contract_clamp(void **state)
{
	struct bmap *map = bmap_new();
	int calls = 0;

	(void)state;
	contract_violations = 0;
	set_checked(map, UINT64_MAX - 4, 10, EXT_DELALLOC, BMAP_NOBLOCK);
	assert_int_equal(contract_violations, 1);
	assert_dump(map, "[18446744073709551611,4) delalloc -\n");
	set_checked(map, 0, 4, (enum ext_state)7, 1);
	set_checked(map, 0, 4, EXT_WRITTEN, BMAP_NOBLOCK);
	assert_int_equal(contract_violations, 3);
	assert_int_equal(bmap_nextents(map), 1);
	set_checked(map, 0, 4, EXT_UNWRITTEN, UINT64_MAX - 2);
	assert_int_equal(contract_violations, 4);
	assert_lookup(map, 0, EXT_UNWRITTEN, UINT64_MAX - 2, 2);
	assert_int_equal(bmap_walk(map, 1, UINT64_MAX, count_calls, &calls),
			 0);
	assert_int_equal(contract_violations, 5);
	assert_int_equal(calls, 2);
	assert_string_equal(bmap_state_name((enum ext_state)7), "invalid");
	assert_string_equal(bmap_state_name(EXT_HOLE), "hole");
	contract_violations = 0;
	bmap_free(map);
}

/* Insert @r behind the map's back, then expect bmap_check() to cite @rule. */
static void expect_corrupt(struct bmap_irec r, const char *rule)
{
	struct bmap *map = bmap_new();
	GString *why = g_string_new(NULL);

	set_checked(map, 100, 10, EXT_WRITTEN, 1000);
	bmap_insert(map, &r);
	assert_int_equal(bmap_check(map), -EUCLEAN);
	assert_int_equal(bmap_check_report(map, why), -EUCLEAN);
	if (!strstr(why->str, rule))
		fail_msg("expected \"%s\", got \"%s\"", rule, why->str);
	g_string_free(why, TRUE);
	bmap_free(map);
}

static void test_check_catches(void **state)
{
	(void)state;
	expect_corrupt((struct bmap_irec){ 0, 5, 0, EXT_WRITTEN }, "rule 2");
	expect_corrupt((struct bmap_irec){ 0, 5, 1, EXT_HOLE }, "rule 2");
	expect_corrupt((struct bmap_irec){ 0, 5, 1, (enum ext_state)9 },
		       "rule 2");
	expect_corrupt((struct bmap_irec){ UINT64_MAX - 1, 5, 2,
		       EXT_WRITTEN }, "rule 3: file");
	expect_corrupt((struct bmap_irec){ 0, UINT64_MAX - 1, 2,
		       EXT_WRITTEN }, "rule 3: disk");
	expect_corrupt((struct bmap_irec){ 0, 5, 1, EXT_DELALLOC }, "rule 4");
	expect_corrupt((struct bmap_irec){ 0, BMAP_NOBLOCK, 1,
		       EXT_UNWRITTEN }, "rule 4");
	expect_corrupt((struct bmap_irec){ 95, 5, 6, EXT_UNWRITTEN },
		       "rule 1");
	expect_corrupt((struct bmap_irec){ 110, 1010, 3, EXT_WRITTEN },
		       "rule 5");
	expect_corrupt((struct bmap_irec){ 90, 990, 10, EXT_WRITTEN },
		       "rule 5");
}

/*
 * Randomized comparison with a per-block reference of a WINDOW-block window
 * starting at @base; nothing outside the window is ever mapped.
 */
#define WINDOW	4096

struct ref_block {
	enum ext_state	state;
	uint64_t	block;		/* BMAP_NOBLOCK unless real */
};

struct ref {
	uint64_t		base;
	struct ref_block	b[WINDOW];
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s, uint64_t n)
{
	return splitmix64(s) % n;
}

/* Does reference block @i + 1 continue the extent of block @i? */
static bool ref_continues(const struct ref *ref, size_t i)
{
	const struct ref_block *a = &ref->b[i], *b = &ref->b[i + 1];

	if (a->state == EXT_HOLE || a->state != b->state)
		return false;
	return a->state == EXT_DELALLOC || a->block + 1 == b->block;
}

static uint64_t ref_min_extents(const struct ref *ref)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < WINDOW; i++)
		if (ref->b[i].state != EXT_HOLE &&
		    (i == 0 || !ref_continues(ref, i - 1)))
			n++;
	return n;
}

/* Expected bmap_lookup() at window index @i. */
static void ref_lookup(const struct ref *ref, size_t i, struct bmap_irec *r)
{
	bool hole = ref->b[i].state == EXT_HOLE;
	size_t j = i + 1;

	r->br_startoff = ref->base + i;
	r->br_state = ref->b[i].state;
	r->br_startblock = ref->b[i].block;
	if (hole)
		while (j < WINDOW && ref->b[j].state == EXT_HOLE)
			j++;
	else
		while (j < WINDOW && ref_continues(ref, j - 1))
			j++;
	r->br_blockcount = j - i;
	if (hole && j == WINDOW)
		r->br_blockcount = UINT64_MAX - r->br_startoff;
}

static void ref_set(struct ref *ref, size_t i, size_t n,
		    enum ext_state state, uint64_t block)
{
	size_t k;

	for (k = 0; k < n; k++) {
		ref->b[i + k].state = state;
		ref->b[i + k].block = BMAP_NOBLOCK;
		if (state == EXT_UNWRITTEN || state == EXT_WRITTEN)
			ref->b[i + k].block = block + k;
	}
}

static void random_set(struct bmap *map, struct ref *ref, uint64_t *s)
{
	static const enum ext_state states[] = {
		EXT_HOLE, EXT_HOLE, EXT_DELALLOC, EXT_UNWRITTEN,
		EXT_UNWRITTEN, EXT_WRITTEN, EXT_WRITTEN, EXT_WRITTEN,
	};
	enum ext_state state = states[rnd(s, 8)];
	size_t i = rnd(s, WINDOW), n, r = rnd(s, 10);
	uint64_t block;

	n = 1 + rnd(s, r < 5 ? 16 : r < 9 ? 256 : WINDOW);
	n = MIN(n, WINDOW - i);
	/* Mostly block = offset + small bias, so contiguity happens. */
	if (rnd(s, 10) < 6)
		block = ref->base + i + 10000 * rnd(s, 3);
	else
		block = ref->base + rnd(s, 1000000);
	set_checked(map, ref->base + i, n, state, block);
	ref_set(ref, i, n, state, block);
}

static void check_lookup(const struct bmap *map, const struct ref *ref,
			 size_t i)
{
	struct bmap_irec got, want;

	bmap_lookup(map, ref->base + i, &got);
	ref_lookup(ref, i, &want);
	if (!irec_same(&got, &want))
		fail_msg("lookup %zu: got [%" PRIu64 ",%" PRIu64 ") %d %"
			 PRIu64 ", want count %" PRIu64, i, got.br_startoff,
			 got.br_blockcount, got.br_state, got.br_startblock,
			 want.br_blockcount);
}

/* bmap_walk() callback: expand each piece into a per-block array. */
static int expand_piece(const struct bmap_irec *irec, void *arg)
{
	struct ref *out = arg;
	size_t i = irec->br_startoff - out->base;

	assert_true(irec->br_blockcount > 0);
	assert_true(i + irec->br_blockcount <= WINDOW);
	ref_set(out, i, irec->br_blockcount, irec->br_state,
		irec->br_startblock);
	return 0;
}

/* Walk [base + i, base + i + n) and compare with the reference there. */
static void check_walk(const struct bmap *map, const struct ref *ref,
		       size_t i, size_t n)
{
	struct ref *got = g_new0(struct ref, 1);
	size_t k;

	got->base = ref->base;
	assert_int_equal(bmap_walk(map, ref->base + i, n, expand_piece, got),
			 0);
	for (k = 0; k < WINDOW; k++) {
		bool in = k >= i && k < i + n;
		enum ext_state want = in ? ref->b[k].state : EXT_HOLE;

		assert_int_equal(got->b[k].state, want);
		if (want != EXT_HOLE)
			assert_int_equal(got->b[k].block, ref->b[k].block);
	}
	g_free(got);
}

static void check_all(const struct bmap *map, const struct ref *ref,
		      uint64_t *s)
{
	size_t i = rnd(s, WINDOW), last = WINDOW, first = WINDOW;
	uint64_t want_next = UINT64_MAX;
	size_t k;

	assert_int_equal(bmap_nextents(map), ref_min_extents(ref));
	/* every block forwards and backwards: the lookup hint's paths */
	for (k = 0; k < WINDOW; k += 1 + rnd(s, 3))
		check_lookup(map, ref, k);
	for (k = WINDOW; k-- > 0;)
		if (!rnd(s, 4))
			check_lookup(map, ref, k);
	check_walk(map, ref, 0, WINDOW);
	check_walk(map, ref, i, rnd(s, WINDOW - i + 1));
	for (k = 0; k < WINDOW; k++) {
		if (ref->b[k].state == EXT_HOLE)
			continue;
		last = k;
		if (first == WINDOW)
			first = k;
		if (k >= i && want_next == UINT64_MAX)
			want_next = ref->base + k;
	}
	assert_int_equal(bmap_next_mapped(map, ref->base + i), want_next);
	assert_int_equal(bmap_next_mapped(map, 0),
			 first == WINDOW ? UINT64_MAX : ref->base + first);
	assert_int_equal(bmap_last_mapped_end(map),
			 last == WINDOW ? 0 : ref->base + last + 1);
}

static void check_dup(const struct bmap *map, uint64_t *s)
{
	struct bmap *copy = bmap_dup(map);

	assert_true(bmap_equal(map, copy));
	if (bmap_nextents(copy)) {
		/* Flip one block's state: must no longer be equal. */
		uint64_t off = bmap_next_mapped(copy, 0) + rnd(s, 4);
		struct bmap_irec r;

		bmap_lookup(copy, off, &r);
		set_checked(copy, off, 1, r.br_state == EXT_HOLE ?
			    EXT_DELALLOC : EXT_HOLE, 0);
		assert_false(bmap_equal(map, copy));
	}
	bmap_free(copy);
}

static void run_random(uint64_t base, uint64_t seed, unsigned int nops)
{
	struct ref *ref = g_new0(struct ref, 1);
	struct bmap *map = bmap_new();
	uint64_t s = seed;
	unsigned int op;

	ref->base = base;
	ref_set(ref, 0, WINDOW, EXT_HOLE, 0);
	for (op = 0; op < nops; op++) {
		random_set(map, ref, &s);
		check_lookup(map, ref, rnd(&s, WINDOW));
		check_lookup(map, ref, rnd(&s, WINDOW));
		if (op % 97 == 0)
			check_all(map, ref, &s);
		if (op % 1009 == 0)
			check_dup(map, &s);
	}
	check_all(map, ref, &s);
	assert_int_equal(contract_violations, 0);
	bmap_free(map);
	g_free(ref);
}

static void test_random_low(void **state)
{
	(void)state;
	run_random(0, 20170117, 100000);
}

static void test_random_p52(void **state)
{
	(void)state;
	run_random(P52 - WINDOW / 2, 0x5eed, 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_lookup_clips),
		cmocka_unit_test(test_split_in_three),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_across_several),
		cmocka_unit_test(test_merge_rules),
		cmocka_unit_test(test_append_in_order),
		cmocka_unit_test(test_delalloc),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_dup_equal),
		cmocka_unit_test(test_high_offsets),
		cmocka_unit_test(test_contract_clamp),
		cmocka_unit_test(test_check_catches),
		cmocka_unit_test(test_random_low),
		cmocka_unit_test(test_random_p52),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
