/* SPDX-License-Identifier: MIT */
/*
 * sim/fuzz.h - `pcsim fuzz`: random scenarios until an invariant breaks.
 *
 * Run i (0, 1, ...) generates the scenario of seed gen_mix(seed + i)
 * (sim/gen.h) and runs it under the policy, seeded with that seed, once
 * per schedule strategy in { random, pct } (once only when it has no
 * concurrent section, where the strategy does not matter).  Output is
 * discarded; every invariant is checked at every step, as in `pcsim run`.
 * The budget is --runs, --time (wall-clock seconds: the only use of the
 * clock, which decides when to stop, never what a run does) or both.
 *
 * Model coverage (model/coverage.h) is merged over the runs.  The
 * generator is biased toward what found new coverage: each operation kind
 * in the swarm of a run that reached a new (step, page state) pair gains
 * weight (sim/gen.h, gen_opts.bias), and every FUZZ_BIAS_DECAY runs all
 * gains halve.  Run i therefore depends on runs 0..i-1, so a find is
 * reproduced by the same command line with --runs i+1, which the repro's
 * header gives.
 *
 * The first violation is shrunk (sim/shrink.h) and written to
 * DIR/repro-INV-SEED.pcs: a header saying how it was found, how to
 * reproduce it from the seed, what to expect, and the reduced scenario
 * with its schedule lines, so that `pcsim run` replays it under fifo.  The
 * unreduced scenario goes to DIR/repro-INV-SEED.orig.pcs.
 *
 * --input FILE decodes a libFuzzer/AFL++ input with gen_scenario_bytes()
 * and treats it as the one run (seed 0).
 *
 * On a terminal, progress (runs, runs/s, violations, coverage) is redrawn
 * on one line; a summary line ends every campaign.
 *
 * Exit statuses: 0 clean, 1 a violation (repro written), 2 a generator bug
 * (a scenario that does not parse or that the runner rejects), bad usage
 * or an I/O error.
 */
#ifndef PCSIM_SIM_FUZZ_H
#define PCSIM_SIM_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct fuzz_opts {
	const char *policy;	/* design or mutant; "none" is mainline */
	uint64_t seed;		/* first run's base seed */
	uint64_t runs;		/* how many scenarios; 0: no limit */
	uint64_t time;		/* wall-clock seconds; 0: no limit */
	int threads;		/* threads of the concurrent section (<= 1: none) */
	int ops;		/* operations per scenario */
	const char *out_dir;	/* where a repro goes */
	bool coverage;		/* print the model coverage table */
	bool no_shrink;		/* write the repro unreduced */
	const char *input;	/* --input FILE: one run from these bytes */
	int jobs;		/* worker processes (<= 1: this one) */
	const char *check_mode;	/* --check: a mode of model/check.h;
				   NULL: incremental (full sweeps every
				   max(256, pages) steps and at the end) */
};

#include "model/coverage.h"

/*
 * What one campaign found, for a parent that runs several (--jobs,
 * sim/fuzzjobs.c): plain data, sent whole through a pipe.
 */
struct fuzz_result {
	uint64_t runs, schedules;
	int status;		/* fuzz_run()'s: 0, 1 (violation), 2 */
	struct model_cov cov;	/* the campaign's coverage */
};

/*
 * fuzz_campaign - fuzz as @o says without the progress line and summary
 * (a --jobs worker); violations and generator bugs are still reported on
 * @progress.  Return: fuzz_run()'s status, also in @res.
 */
int fuzz_campaign(const struct fuzz_opts *o, FILE *progress,
		  struct fuzz_result *res);

/* fuzz_jobs - @o->jobs worker processes (sim/fuzzjobs.c). */
int fuzz_jobs(const struct fuzz_opts *o, FILE *progress);

/* fuzz_print_coverage - the (step x page state) table of @c. */
void fuzz_print_coverage(FILE *f, const struct model_cov *c);

/* fuzz_run - fuzz as @o says; progress and results to @progress. */
int fuzz_run(const struct fuzz_opts *o, FILE *progress);

/* fuzz_main - `pcsim fuzz [OPTIONS]`, @argv[0] being "fuzz". */
int fuzz_main(int argc, char **argv);

/*
 * shrink_main - `pcsim shrink [--policy P] [--out FILE] [--budget RUNS]
 * [--test CMD] FILE`.
 */
int shrink_main(int argc, char **argv);

/*
 * gen_main - `pcsim gen [--kernel] [--seed S] [--ops M] [--threads K]
 * [--count N --out DIR]`: the text of generated scenarios (sim/gen.h),
 * scenario S being that of seed gen_mix(S), as run 0 of `pcsim fuzz
 * --seed S` before any coverage bias.
 */
int gen_main(int argc, char **argv);

#endif /* PCSIM_SIM_FUZZ_H */
