/* SPDX-License-Identifier: MIT */
/*
 * sim/shrink.h - reduce a violating scenario to a 1-minimal one.
 *
 * Scope: scenario text in, scenario text out; the test of a candidate is a
 * full run (sim/runner.h) that must stop with a violation of the same
 * invariant.  Used by `pcsim fuzz` on what it finds, by `pcsim fuzz
 * --input` on what libFuzzer or AFL++ found, and by `pcsim shrink`.
 *
 * First, a scenario that names a random or pct schedule (`set schedule`)
 * is run once recording its decisions; if the same scenario under fifo with
 * the recorded `schedule` lines fails the same way, that is the starting
 * point, so every later candidate replays exactly.  Then these reductions
 * are tried, each kept only if the invariant still fires, in rounds until a
 * whole round changes nothing (1-minimal: no single reduction below keeps
 * the violation):
 *   - drop a whole thread block;
 *   - drop lines (ddmin: halves, quarters, ... single lines), including
 *     `set` lines other than the policy, and `schedule` lines (preemptions);
 *   - drop one -c command of a multi-command xfs_io line, one name of an
 *     md5sum line;
 *   - move each number of an operation (offsets, lengths, sizes, fill
 *     bytes) toward 0: 0 first, then a bisection to the least that fails.
 * After each round the schedule lines are re-recorded, so that stale pins
 * disappear.
 *
 * External test (creduce-style; `pcsim shrink --test CMD`, used by
 * scripts/kernel-diff to reduce a scenario on which pcsim and the real
 * kernel disagree): with shrink_opts.test set, a candidate is kept if it
 * parses and the test calls it interesting; nothing is run here, and no
 * schedule is recorded (the scenarios it is for are sequential).  The
 * result's invariant is "external".
 *
 * Determinism: the same input gives the same result; the candidate order
 * is fixed.  A budget bounds the candidate runs; the result says whether
 * the fixpoint was reached within it.  (With an external test, as far as
 * the test is deterministic.)
 */
#ifndef PCSIM_SIM_SHRINK_H
#define PCSIM_SIM_SHRINK_H

#include <stdbool.h>
#include <stdint.h>

struct shrink_opts {
	const char *policy;	/* as --policy; NULL: the scenario's */
	uint64_t budget;	/* candidate runs at most; 0: 20000 */
	/* External test, or NULL: is the candidate @text interesting? */
	bool (*test)(void *arg, const char *text);
	void *test_arg;
};

struct shrink_result {
	char *text;		/* the reduced scenario, no comments */
	char *invariant;	/* what fires, e.g. "cow-before-write" */
	char *violation;	/* its VIOLATION line, without "VIOLATION: " */
	uint64_t runs;		/* candidate runs made */
	bool minimal;		/* a whole round changed nothing */
	int threads;		/* thread blocks left */
	int ops;		/* operation lines left */
	int preemptions;	/* schedule lines left */
	int ops_before;		/* operation lines of the input */
};

/*
 * shrink_scenario - reduce @text (a scenario that stops with a violation,
 * or that the external test calls interesting).
 * Return: 0 with @r filled (shrink_result_free() it), or -1 if @text does
 * not parse or is not interesting (@r untouched).
 */
int shrink_scenario(const char *text, const struct shrink_opts *o,
		    struct shrink_result *r);
void shrink_result_free(struct shrink_result *r);

/*
 * shrink_violation - the invariant of the first "VIOLATION: INV: ..." line
 * of @out and the line's text after "VIOLATION: ", or false if none.
 * Both g_free()d by the caller.
 */
bool shrink_violation(const char *out, char **inv, char **line);

#endif /* PCSIM_SIM_SHRINK_H */
