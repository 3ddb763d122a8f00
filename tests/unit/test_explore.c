/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_explore.c - `pcsim explore` (sim/explore.c) end to end.
 *
 * Scope: the number of schedules at bounds 0..3 of a scenario small enough
 * to count them by hand; that state hashing prunes on independent threads
 * without losing a state (the same distinct states as --no-prune); that
 * mutants are caught and the printed `schedule` lines replay the violation
 * with runner_run() under fifo; that pinned entries are honoured and not
 * printed again; the --max-schedules stop; determinism (the same bytes
 * twice); and bad usage and bad input (exit status 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "sim/explore.h"
#include "sim/runner.h"
#include "sim/scenario.h"

struct xout {
	int status;
	char *out, *err;
	size_t outlen, errlen;
	struct explore_result res;
};

static void parse(const char *text, struct scenario *sc)
{
	char *perr = NULL;

	if (scenario_parse_string("t.pcs", text, strlen(text), sc, &perr)) {
		fprintf(stderr, "parse error: %s\n", perr);
		fail();
	}
}

/* Explore @text with @policy (or NULL), @bound, no limit, pruning as said. */
static void explore_text(const char *text, const char *policy, int bound,
			 bool no_prune, uint64_t max, struct xout *x)
{
	struct explore_opts o = {
		.policy = policy, .bound = bound, .max_schedules = max,
		.no_prune = no_prune,
	};
	struct scenario sc;
	FILE *out, *err;

	parse(text, &sc);
	out = open_memstream(&x->out, &x->outlen);
	err = open_memstream(&x->err, &x->errlen);
	assert_non_null(out);
	assert_non_null(err);
	x->status = explore_scenario(&sc, &o, out, err, &x->res);
	fclose(out);
	fclose(err);
	scenario_free(&sc);
}

static void xout_free(struct xout *x)
{
	free(x->out);
	free(x->err);
}

/* ------------------------------------------------------------ counts --- */

/*
 * Two threads, one call each (unlink of a missing file: the steps syscall
 * and syscall_exit).  The first step is T1's (no decision has a label
 * before it), so the schedules are T1's step followed by the orders of
 * {T1 exit, T2 syscall, T2 exit}: T1 T1 T2 T2 (fifo), T1 T2 T2 T1 (one
 * preemption), T1 T2 T1 T2 (two).
 */
static const char tiny[] =
	"thread T1\n"
	"\trm -f x\n"
	"end\n"
	"thread T2\n"
	"\trm -f y\n"
	"end\n";

static void test_tiny_counts(void **state)
{
	static const uint64_t want[] = { 1, 2, 3, 3 };
	struct xout x;
	int b;

	(void)state;
	for (b = 0; b < 4; b++) {
		explore_text(tiny, NULL, b, false, 0, &x);
		assert_int_equal(x.status, 0);
		assert_int_equal(x.res.schedules, want[b]);
		assert_true(x.res.exhausted);
		assert_int_equal(x.res.violations, 0);
		assert_string_equal(x.err, "");
		xout_free(&x);
	}
	explore_text(tiny, NULL, 1, false, 0, &x);
	assert_string_equal(x.out, "explore: 2 schedules, 1 distinct states, "
			    "0 pruned, 0 violations, bound 1 (exhausted)\n");
	xout_free(&x);
}

/* ----------------------------------------------------------- pruning --- */

/*
 * T1 and T2 each make two calls that touch nothing the other reads: many
 * orders, few states.  With two threads, pruning needs a third preemption
 * (below that, every decision that leaves a choice is reached once).
 */
static const char independent[] =
	"thread T1\n"
	"\trm -f x\n"
	"\trm -f x2\n"
	"end\n"
	"thread T2\n"
	"\trm -f y\n"
	"\trm -f y2\n"
	"end\n";

static void test_prunes_independent(void **state)
{
	struct xout p, np;

	(void)state;
	explore_text(independent, NULL, 3, false, 0, &p);
	explore_text(independent, NULL, 3, true, 0, &np);
	assert_int_equal(p.status, 0);
	assert_int_equal(np.status, 0);
	assert_true(p.res.exhausted && np.res.exhausted);
	assert_true(p.res.pruned > 0);
	assert_int_equal(np.res.pruned, 0);
	assert_true(p.res.schedules < np.res.schedules);
	/* pruning skips schedules, never a state */
	assert_int_equal(p.res.states, np.res.states);
	xout_free(&p);
	xout_free(&np);
}

static void test_max_schedules(void **state)
{
	struct xout x;

	(void)state;
	explore_text(independent, NULL, 2, false, 2, &x);
	assert_int_equal(x.status, 0);
	assert_int_equal(x.res.schedules, 2);
	assert_false(x.res.exhausted);
	assert_non_null(strstr(x.out, "(stopped at --max-schedules)\n"));
	xout_free(&x);
}

/* ----------------------------------------------------------- mutants --- */

/* scenarios/concurrent/opposite-clones.pcs without its schedule lines. */
static const char opposite_clones[] =
	"xfs_io -f -c \"pwrite -S 0x61 0 8k\" -c \"fsync\" a\n"
	"xfs_io -f -c \"pwrite -S 0x62 0 8k\" -c \"fsync\" b\n"
	"thread T1\n"
	"\txfs_io -c \"reflink b 0 0 4k\" a\n"
	"end\n"
	"thread T2\n"
	"\txfs_io -c \"reflink a 4k 4k 4k\" b\n"
	"end\n"
	"md5sum a b\n"
	"cycle_mount\n"
	"md5sum a b\n";

/* scenarios/concurrent/mutant-share-clean-nocow-race.pcs, unpinned. */
static const char nocow_race[] =
	"set policy-only share-clean-nocow\n"
	"xfs_io -f -c \"pwrite -S 0x61 0 8k\" -c \"fsync\" a\n"
	"xfs_io -f -c \"pwrite -S 0x78 0 8k\" -c \"fsync\" b\n"
	"thread T1\n"
	"\txfs_io -c \"pwrite -S 0x62 0 4k\" -c \"pwrite -S 0x63 4k 4k\" a\n"
	"end\n"
	"thread T2\n"
	"\txfs_io -c \"reflink a 0 0 8k\" b\n"
	"end\n"
	"md5sum a b\n";

/* The `schedule` lines after the first "violation: @inv " report. */
static char *violation_schedule(const char *out, const char *inv)
{
	char *head = g_strdup_printf("violation: %s after ", inv);
	const char *s = strstr(out, head);
	GString *lines = g_string_new(NULL);

	g_free(head);
	assert_non_null(s);
	s = strchr(s, '\n') + 1;
	if (!strncmp(s, "# VIOLATION: ", 13))
		s = strchr(s, '\n') + 1;
	while (!strncmp(s, "schedule ", 9)) {
		size_t n = strcspn(s, "\n") + 1;

		g_string_append_len(lines, s, (gssize)n);
		s += n;
	}
	return g_string_free(lines, FALSE);
}

/* Run @text plus @sched under fifo with @policy: the violation @inv. */
static void expect_replay(const char *text, const char *sched,
			  const char *policy, const char *inv)
{
	char *full = g_strconcat(text, sched, NULL);
	char *want = g_strdup_printf("VIOLATION: %s: ", inv);
	struct run_opts o = { .policy = policy };
	char *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	struct scenario sc;
	FILE *fo, *fe;

	parse(full, &sc);
	fo = open_memstream(&out, &outlen);
	fe = open_memstream(&err, &errlen);
	assert_non_null(fo);
	assert_non_null(fe);
	assert_int_equal(runner_run(&sc, &o, fo, fe, NULL), RUN_VIOLATION);
	fclose(fo);
	fclose(fe);
	assert_non_null(strstr(out, want));
	assert_null(strstr(err, "stale schedule"));
	scenario_free(&sc);
	free(out);
	free(err);
	g_free(want);
	g_free(full);
}

/*
 * Fifo alone is clean; exploring with one preemption finds @inv; its
 * schedule replays it.
 */
static void expect_caught(const char *text, const char *policy,
			  const char *inv)
{
	struct xout x;
	char *sched;

	explore_text(text, policy, 0, false, 0, &x);
	assert_int_equal(x.status, 0);
	xout_free(&x);
	explore_text(text, policy, 1, false, 0, &x);
	assert_int_equal(x.status, 1);
	assert_true(x.res.exhausted);
	assert_true(x.res.violations > 0);
	sched = violation_schedule(x.out, inv);
	assert_true(strlen(sched) > 0);
	expect_replay(text, sched, policy, inv);
	g_free(sched);
	xout_free(&x);
}

static void test_clone_lock_src_first(void **state)
{
	struct xout x;

	(void)state;
	expect_caught(opposite_clones, "clone-lock-src-first", "deadlock");
	explore_text(opposite_clones, NULL, 1, false, 0, &x);
	assert_int_equal(x.status, 0);		/* the design is clean */
	assert_true(x.res.exhausted);
	xout_free(&x);
}

static void test_share_clean_nocow(void **state)
{
	(void)state;
	expect_caught(nocow_race, NULL, "cow-before-write");
}

/* A pinned entry decides as in a run, and is not printed again. */
static void test_pins_honoured(void **state)
{
	char *text = g_strconcat(nocow_race,
				 "schedule T1@pwrite/syscall_exit#1->T2\n",
				 NULL);
	struct xout x;

	(void)state;
	explore_text(text, NULL, 0, false, 0, &x);
	assert_int_equal(x.status, 1);
	assert_int_equal(x.res.schedules, 1);
	assert_non_null(strstr(x.out, "violation: cow-before-write after 1 "
			       "schedules\n# VIOLATION: cow-before-write: "));
	assert_null(strstr(x.out, "\nschedule "));
	xout_free(&x);
	g_free(text);
}

static void test_deterministic(void **state)
{
	struct xout a, b;

	(void)state;
	explore_text(nocow_race, NULL, 1, false, 0, &a);
	explore_text(nocow_race, NULL, 1, false, 0, &b);
	assert_non_null(strstr(a.out, "\nschedule "));
	assert_int_equal(a.outlen, b.outlen);
	assert_memory_equal(a.out, b.out, a.outlen);
	xout_free(&a);
	xout_free(&b);
}

/* ------------------------------------------------------------- usage --- */

static int run_main(int argc, const char *const *argv)
{
	char **v = g_new0(char *, argc + 1);
	int i, st;

	for (i = 0; i < argc; i++)
		v[i] = g_strdup(argv[i]);
	st = explore_main(argc, v);
	g_strfreev(v);
	return st;
}

static void test_bad_usage(void **state)
{
	static const char *const no_file[] = { "explore" };
	static const char *const two[] = { "explore", "a.pcs", "b.pcs" };
	static const char *const bound[] = {
		"explore", "--preemptions", "x", "a.pcs",
	};
	static const char *const policy[] = {
		"explore", "--policy", "no-such-policy", "a.pcs",
	};
	static const char *const max[] = {
		"explore", "--max-schedules", "0", "a.pcs",
	};
	static const char *const missing[] = {
		"explore", "/nonexistent/dir/none.pcs",
	};

	(void)state;
	assert_int_equal(run_main(1, no_file), 2);
	assert_int_equal(run_main(3, two), 2);
	assert_int_equal(run_main(4, bound), 2);
	assert_int_equal(run_main(4, policy), 2);
	assert_int_equal(run_main(4, max), 2);
	assert_int_equal(run_main(2, missing), 2);
}

static void test_bad_scenario(void **state)
{
	char *path = NULL;
	const char *argv[2] = { "explore", NULL };
	int fd = g_file_open_tmp("pcsim-explore-XXXXXX.pcs", &path, NULL);

	(void)state;
	assert_true(fd >= 0);
	assert_true(write(fd, "thread T1\n\tfrobnicate x\nend\n", 28) == 28);
	close(fd);
	argv[1] = path;
	assert_int_equal(run_main(2, argv), 2);
	unlink(path);
	g_free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiny_counts),
		cmocka_unit_test(test_prunes_independent),
		cmocka_unit_test(test_max_schedules),
		cmocka_unit_test(test_clone_lock_src_first),
		cmocka_unit_test(test_share_clean_nocow),
		cmocka_unit_test(test_pins_honoured),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_bad_usage),
		cmocka_unit_test(test_bad_scenario),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
