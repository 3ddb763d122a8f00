/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_shrink.c - the shrinker with an external test
 * (sim/shrink.c, shrink_opts.test: `pcsim shrink --test CMD`).
 *
 * Scope: with a test callback the shrinker runs nothing itself: a
 * candidate is kept when it parses and the callback calls it interesting,
 * so the result is 1-minimal for the callback; an input the callback
 * rejects is refused; the budget bounds the calls; the result is the same
 * run after run.  (Reduction to the same invariant is covered through
 * `pcsim fuzz` in test_gen.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/scenario.h"
#include "sim/shrink.h"

static const char input[] =
	"# a comment\n"
	"xfs_io -f -c \"pwrite -S 0x61 0 65536\" f0\n"
	"xfs_io -f -c \"pwrite -S 0x62 0 4096\" f1\n"
	"xfs_io -c \"truncate 1000\" -c \"fpunch 4096 8192\" f0\n"
	"md5sum f0 f1\n"
	"sync\n";

struct calls {
	int n;
	const char *needle;
};

/* Interesting: the text still has @needle; every call parses (checked). */
static bool has_needle(void *arg, const char *text)
{
	struct calls *c = arg;
	struct scenario sc;

	c->n++;
	assert_int_equal(scenario_parse_string("c.pcs", text, strlen(text),
					       &sc, NULL), 0);
	scenario_free(&sc);
	return strstr(text, c->needle) != NULL;
}

static void test_minimal(void **state)
{
	struct calls c = { .needle = "fpunch" };
	struct shrink_opts o = { .test = has_needle, .test_arg = &c };
	struct shrink_result r, again;

	assert_int_equal(shrink_scenario(input, &o, &r), 0);
	assert_string_equal(r.text, "xfs_io -c \"fpunch 0 0\" f0\n");
	assert_string_equal(r.invariant, "external");
	assert_true(r.minimal);
	assert_int_equal(r.ops, 1);
	assert_int_equal(r.ops_before, 5);
	assert_int_equal((int)r.runs, c.n);
	assert_int_equal(shrink_scenario(input, &o, &again), 0);
	assert_string_equal(r.text, again.text);
	shrink_result_free(&r);
	shrink_result_free(&again);
}

static void test_not_interesting(void **state)
{
	struct calls c = { .needle = "dedupe" };
	struct shrink_opts o = { .test = has_needle, .test_arg = &c };
	struct shrink_result r;

	assert_int_equal(shrink_scenario(input, &o, &r), -1);
	assert_int_equal(c.n, 1);
}

static void test_budget(void **state)
{
	struct calls c = { .needle = "fpunch" };
	struct shrink_opts o = {
		.test = has_needle, .test_arg = &c, .budget = 3,
	};
	struct shrink_result r;

	assert_int_equal(shrink_scenario(input, &o, &r), 0);
	assert_true(c.n <= 3);
	assert_false(r.minimal);
	assert_non_null(strstr(r.text, "fpunch"));
	shrink_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_not_interesting),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
