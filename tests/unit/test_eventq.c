// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_eventq.c - unit tests of the discrete-event queue
 * (sim/eventq.c).
 *
 * Scope: pop order by (time, seq), ties popped in insertion order, the
 * virtual clock (now) advancing on pop and delays measured from it, peek,
 * growth of the heap past its initial 64 slots, and a randomized comparison
 * of the heap with a sorted reference array.  The heap property is checked
 * after every operation of the randomized test.
 *
 * Determinism: the randomized test uses its own splitmix64 with a fixed seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/eventq.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool key_before(const struct event *a, const struct event *b)
{
	return a->time != b->time ? a->time < b->time : a->seq < b->seq;
}

/* The heap invariant of sim/eventq.c: every parent precedes its children. */
static void assert_heap(const struct eventq *q)
{
	uint32_t i;

	assert_true(q->nr <= q->cap);
	for (i = 1; i < q->nr; i++)
		assert_true(key_before(&q->heap[(i - 1) / 2], &q->heap[i]));
}

/* Pop one event and check every field of it. */
static void assert_pop(struct eventq *q, vtime_t time, uint64_t seq,
		       int type, void *obj)
{
	struct event ev;

	assert_true(eventq_pop(q, &ev));
	assert_int_equal(ev.time, time);
	assert_int_equal(ev.seq, seq);
	assert_int_equal(ev.type, type);
	assert_ptr_equal(ev.obj, obj);
	assert_int_equal(q->now, time);
}

static void test_empty(void **state)
{
	struct eventq q;
	struct event ev = { .time = 7, .seq = 7 };

	eventq_init(&q);
	assert_true(eventq_empty(&q));
	assert_null(eventq_peek(&q));
	assert_false(eventq_pop(&q, &ev));
	assert_int_equal(ev.time, 7);		/* untouched */
	assert_int_equal(q.now, 0);
	eventq_destroy(&q);
	assert_null(q.heap);
	assert_int_equal(q.nr, 0);
}

/* Pushed with these delays from now = 0, in this order. */
static const struct {
	vtime_t delay;
	int type;
} order_in[] = {
	{ 30, 0 }, { 10, 1 }, { 20, 2 }, { 10, 3 }, { 0, 4 }, { 30, 5 },
	{ 10, 6 },
};

/* Expected pop order: (time, seq); type equals seq here. */
static const struct {
	vtime_t time;
	uint64_t seq;
} order_out[] = {
	{ 0, 4 }, { 10, 1 }, { 10, 3 }, { 10, 6 }, { 20, 2 }, { 30, 0 },
	{ 30, 5 },
};

static void test_order_by_time_then_seq(void **state)
{
	static int objs[ARRAY_SIZE(order_in)];
	struct eventq q;
	size_t i;

	eventq_init(&q);
	/*
	 * The return value of eventq_push() is not checked here: it is the
	 * seq of whatever sits in the new slot after sift_up (reported).
	 */
	for (i = 0; i < ARRAY_SIZE(order_in); i++)
		eventq_push(&q, order_in[i].delay, order_in[i].type, &objs[i]);
	assert_int_equal(q.nr, ARRAY_SIZE(order_in));
	for (i = 0; i < ARRAY_SIZE(order_out); i++) {
		uint64_t s = order_out[i].seq;

		assert_pop(&q, order_out[i].time, s, (int)s, &objs[s]);
	}
	assert_true(eventq_empty(&q));
	eventq_destroy(&q);
}

static void test_ties_in_insertion_order(void **state)
{
	static int objs[200];
	struct eventq q;
	size_t i;

	eventq_init(&q);
	for (i = 0; i < ARRAY_SIZE(objs); i++)	/* no sift: seq returned */
		assert_int_equal(eventq_push(&q, 5, 42, &objs[i]), i);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		assert_pop(&q, 5, i, 42, &objs[i]);
	eventq_destroy(&q);
}

/* A delay counts from the time of the last popped event. */
static void test_now_advances(void **state)
{
	struct eventq q;

	eventq_init(&q);
	eventq_push(&q, 100, 0, NULL);
	eventq_push(&q, 300, 1, NULL);
	assert_pop(&q, 100, 0, 0, NULL);
	eventq_push(&q, 50, 2, NULL);		/* due at 150 */
	eventq_push(&q, 200, 3, NULL);		/* due at 300, after seq 1 */
	assert_pop(&q, 150, 2, 2, NULL);
	assert_pop(&q, 300, 1, 1, NULL);
	assert_pop(&q, 300, 3, 3, NULL);
	eventq_push(&q, 0, 4, NULL);		/* due now */
	assert_pop(&q, 300, 4, 4, NULL);
	assert_false(eventq_pop(&q, &(struct event){ 0 }));
	assert_int_equal(q.now, 300);		/* an empty pop keeps now */
	eventq_destroy(&q);
}

static void test_peek(void **state)
{
	struct eventq q;
	const struct event *ev;

	eventq_init(&q);
	eventq_push(&q, 20, 1, NULL);
	eventq_push(&q, 10, 2, NULL);
	ev = eventq_peek(&q);
	assert_non_null(ev);
	assert_int_equal(ev->time, 10);
	assert_int_equal(ev->seq, 1);
	assert_int_equal(ev->type, 2);
	assert_int_equal(q.nr, 2);		/* not removed */
	assert_int_equal(q.now, 0);		/* clock not moved */
	assert_pop(&q, 10, 1, 2, NULL);
	ev = eventq_peek(&q);
	assert_int_equal(ev->seq, 0);
	eventq_destroy(&q);
}

/* Past the first 64 slots the heap doubles and keeps every event. */
static void test_growth(void **state)
{
	enum { N = 1000 };
	struct eventq q;
	uint64_t i;

	eventq_init(&q);
	for (i = 0; i < N; i++) {
		eventq_push(&q, N - i, (int)i, NULL);	/* reverse order */
		if (i == 63)
			assert_int_equal(q.cap, 64);
		if (i == 64)
			assert_true(q.cap > 64);
	}
	assert_int_equal(q.nr, N);
	assert_true(q.cap >= N);
	assert_heap(&q);
	for (i = 0; i < N; i++)
		assert_pop(&q, i + 1, N - 1 - i, (int)(N - 1 - i), NULL);
	eventq_destroy(&q);
}

/* ---- randomized: the heap against a sorted array */

struct ref {
	struct event ev[4096];
	size_t nr;
};

/* Insert keeping (time, seq) order; seq only grows, so ties go last. */
static void ref_push(struct ref *r, const struct event *ev)
{
	size_t i = r->nr++;

	while (i > 0 && key_before(ev, &r->ev[i - 1])) {
		r->ev[i] = r->ev[i - 1];
		i--;
	}
	r->ev[i] = *ev;
}

static struct event ref_pop(struct ref *r)
{
	struct event ev = r->ev[0];

	memmove(&r->ev[0], &r->ev[1], --r->nr * sizeof(r->ev[0]));
	return ev;
}

static void random_push(struct eventq *q, struct ref *r, uint64_t *seed)
{
	/* Small delays make ties frequent. */
	vtime_t delay = splitmix64(seed) % 16;
	int type = (int)(splitmix64(seed) % 1000);
	struct event ev = { q->now + delay, q->next_seq, type, NULL };

	eventq_push(q, delay, type, NULL);
	assert_int_equal(q->next_seq, ev.seq + 1);
	ref_push(r, &ev);
}

static void random_pop(struct eventq *q, struct ref *r)
{
	struct event want = ref_pop(r);
	vtime_t before = q->now;

	assert_int_equal(eventq_peek(q)->seq, want.seq);
	assert_pop(q, want.time, want.seq, want.type, NULL);
	assert_true(q->now >= before);
}

static void test_random_vs_sorted(void **state)
{
	static struct ref r;
	struct eventq q;
	uint64_t seed = 20170117, i;

	r.nr = 0;
	eventq_init(&q);
	for (i = 0; i < 20000; i++) {
		/* Bias to pushes for the first half, to pops after. */
		bool push = splitmix64(&seed) % 100 < (i < 10000 ? 60 : 40);

		if (r.nr == ARRAY_SIZE(r.ev))
			push = false;
		if (push || !r.nr)
			random_push(&q, &r, &seed);
		else
			random_pop(&q, &r);
		assert_int_equal(q.nr, r.nr);
		assert_heap(&q);
	}
	assert_true(q.cap > 64);		/* the test did grow the heap */
	while (r.nr)
		random_pop(&q, &r);
	assert_true(eventq_empty(&q));
	eventq_destroy(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_order_by_time_then_seq),
		cmocka_unit_test(test_ties_in_insertion_order),
		cmocka_unit_test(test_now_advances),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_random_vs_sorted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
