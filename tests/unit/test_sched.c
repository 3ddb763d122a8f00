// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_sched.c - scheduling strategies, pins and recording.
 *
 * A toy "program": thread i runs steps named "s" of call "op" forever; at
 * each decision every thread is a candidate (and irq when asked).  The
 * sequences of choices are compared exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/sched.h"

static char *names3[] = { "T1", "T2", "T3" };

/* Run @steps decisions with all of @n threads runnable; log the picks. */
static void drive(struct sched *s, int n, bool irq, int steps, int *log)
{
	int cand[8], i, c;

	for (i = 0; i < steps; i++) {
		for (c = 0; c < n; c++)
			cand[c] = c;
		if (irq)
			cand[n] = SCHED_IRQ;
		log[i] = sched_pick(s, cand, n + irq);
		if (log[i] >= 0)
			sched_ran(s, log[i], "op", "s");
	}
}

static void test_fifo_runs_the_last_thread(void **state)
{
	struct sched *s = sched_new(SCHEDULE_FIFO, 0, 0, 3, names3, NULL, 0);
	int log[6], i;

	drive(s, 3, true, 6, log);
	for (i = 0; i < 6; i++)
		assert_int_equal(log[i], 0);
	assert_int_equal(sched_recorded(s)->len, 0);
	sched_free(s);
}

static void test_rr_rotates(void **state)
{
	struct sched *s = sched_new(SCHEDULE_RR, 0, 0, 3, names3, NULL, 0);
	int log[6], want[6] = { 0, 1, 2, 0, 1, 2 };

	drive(s, 3, false, 6, log);
	assert_memory_equal(log, want, sizeof(want));
	/* every switch away from the running thread is recorded */
	assert_int_equal(sched_recorded(s)->len, 5);
	assert_string_equal(g_ptr_array_index(sched_recorded(s), 0),
			    "T1@op/s#1->T2");
	sched_free(s);
}

static void test_random_is_seeded(void **state)
{
	int a[200], b[200], c[200];
	struct sched *s;

	s = sched_new(SCHEDULE_RANDOM, 7, 0, 3, names3, NULL, 0);
	drive(s, 3, true, 200, a);
	sched_free(s);
	s = sched_new(SCHEDULE_RANDOM, 7, 0, 3, names3, NULL, 0);
	drive(s, 3, true, 200, b);
	sched_free(s);
	s = sched_new(SCHEDULE_RANDOM, 8, 0, 3, names3, NULL, 0);
	drive(s, 3, true, 200, c);
	sched_free(s);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
}

/* PCT runs one thread at a time, switching only at change points. */
static void test_pct_switches_rarely(void **state)
{
	struct sched *s = sched_new(SCHEDULE_PCT, 3, 3, 3, names3, NULL, 0);
	int log[300], i, switches = 0;

	drive(s, 3, false, 300, log);
	for (i = 1; i < 300; i++)
		switches += log[i] != log[i - 1];
	assert_true(switches <= 2);		/* depth - 1 change points */
	sched_free(s);
}

/* A schedule recorded under random replays exactly as pins under fifo. */
static void test_recorded_schedule_replays(void **state)
{
	struct sched *s = sched_new(SCHEDULE_RANDOM, 11, 0, 3, names3, NULL,
				    0);
	struct sched_entry pins[256];
	int a[100], b[100], n, i;
	GPtrArray *rec;

	drive(s, 3, false, 100, a);
	rec = sched_recorded(s);
	n = rec->len;
	assert_true(n > 10 && n < 256);
	for (i = 0; i < n; i++) {
		char *e = g_ptr_array_index(rec, i);

		pins[i].thread = g_strndup(e, strcspn(e, "@"));
		pins[i].op = g_strdup("op");
		pins[i].step = g_strdup("s");
		pins[i].n = atoi(strchr(e, '#') + 1);
		pins[i].target = g_strdup(strstr(e, "->") + 2);
	}
	sched_free(s);
	s = sched_new(SCHEDULE_FIFO, 0, 0, 3, names3, pins, n);
	drive(s, 3, false, 100, b);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(sched_unused_pins(s), 0);
	sched_free(s);
	for (i = 0; i < n; i++) {
		g_free(pins[i].thread);
		g_free(pins[i].op);
		g_free(pins[i].step);
		g_free(pins[i].target);
	}
}

static void test_pin_to_irq_and_stale_pin(void **state)
{
	struct sched_entry pins[] = {
		{ "T1", "op", "s", "irq", 2 },
		{ "T3", "op", "s", "T1", 9 },	/* never happens */
	};
	struct sched *s = sched_new(SCHEDULE_FIFO, 0, 0, 3, names3, pins, 2);
	int log[4];

	drive(s, 3, true, 4, log);
	assert_int_equal(log[0], 0);
	assert_int_equal(log[1], 0);
	assert_int_equal(log[2], SCHED_IRQ);	/* after T1's 2nd step */
	assert_int_equal(log[3], 0);
	assert_int_equal(sched_unused_pins(s), 1);
	assert_int_equal(sched_pin_state(s, 0), PIN_FIRED);
	assert_int_equal(sched_pin_state(s, 1), PIN_STALE);
	sched_free(s);
}

/*
 * A pin whose step ran but whose target could not run then is refused,
 * not stale; a count the step never reaches is stale.
 */
static void test_pin_refused_is_not_stale(void **state)
{
	struct sched_entry pins[] = {
		{ "T1", "op", "s", "T3", 2 },	/* T3 never a candidate */
		{ "T1", "op", "s", "T2", 50 },	/* T1 runs 6 steps */
		{ "T1", "op", "t", "T2", 1 },	/* no step "t" */
	};
	struct sched *s = sched_new(SCHEDULE_FIFO, 0, 0, 3, names3, pins, 3);
	char text[64];
	int log[6], i;

	drive(s, 2, false, 3, log);		/* only T1 and T2 can run */
	assert_int_equal(sched_pin_refused(s), 0);	/* after step #2 */
	assert_int_equal(sched_pin_fired(s), -1);
	sched_pin_text(s, 0, text, sizeof(text));
	assert_string_equal(text, "T1@op/s#2->T3");
	drive(s, 2, false, 3, log + 3);
	assert_int_equal(sched_pin_refused(s), -1);	/* reset each pick */
	for (i = 0; i < 6; i++)
		assert_int_equal(log[i], 0);
	assert_int_equal(sched_pin_state(s, 0), PIN_REFUSED);
	assert_int_equal(sched_pin_state(s, 1), PIN_STALE);
	assert_int_equal(sched_pin_state(s, 2), PIN_STALE);
	assert_int_equal(sched_unused_pins(s), 3);
	sched_free(s);
}

static void test_strategy_names(void **state)
{
	enum sched_strategy st;

	assert_int_equal(sched_strategy_parse("pct", &st), 0);
	assert_int_equal(st, SCHEDULE_PCT);
	assert_string_equal(sched_strategy_name(SCHEDULE_RR), "rr");
	assert_int_equal(sched_strategy_parse("lottery", &st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_runs_the_last_thread),
		cmocka_unit_test(test_rr_rotates),
		cmocka_unit_test(test_random_is_seeded),
		cmocka_unit_test(test_pct_switches_rarely),
		cmocka_unit_test(test_recorded_schedule_replays),
		cmocka_unit_test(test_pin_to_irq_and_stale_pin),
		cmocka_unit_test(test_pin_refused_is_not_stale),
		cmocka_unit_test(test_strategy_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
