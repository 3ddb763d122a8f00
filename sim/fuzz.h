/* SPDX-License-Identifier: MIT */
/*
 * sim/fuzz.h - `pcsim fuzz`: random scenarios until an invariant breaks.
 *
 * Run i (0..runs-1) generates the scenario of seed gen_mix(seed + i)
 * (sim/gen.h) and runs it under the policy, seeded with that seed, once
 * per schedule strategy in { random, pct } (once only when it has no
 * concurrent section, where the strategy does not matter).  Output is
 * discarded.  The first violation is written to DIR/repro-INV-SEED.pcs: a
 * header saying how it was found and what to expect, `set policy-only`
 * (unless the policy is none), `set seed`, the scenario, and the schedule
 * lines the run recorded, so that `pcsim run` replays it under fifo.
 *
 * Exit statuses: 0 clean, 1 a violation (repro written), 2 a generator bug
 * (a scenario that does not parse or that the runner rejects) or an I/O
 * error.
 */
#ifndef PCSIM_SIM_FUZZ_H
#define PCSIM_SIM_FUZZ_H

#include <stdint.h>
#include <stdio.h>

struct fuzz_opts {
	const char *policy;	/* design or mutant; "none" is mainline */
	uint64_t seed;		/* first run's base seed */
	uint64_t runs;		/* how many scenarios */
	int threads;		/* threads of the concurrent section (<= 1: none) */
	int ops;		/* operations per scenario */
	const char *out_dir;	/* where a repro goes */
};

/* fuzz_run - fuzz as @o says; progress and results to @progress. */
int fuzz_run(const struct fuzz_opts *o, FILE *progress);

/* fuzz_main - `pcsim fuzz [OPTIONS]`, @argv[0] being "fuzz". */
int fuzz_main(int argc, char **argv);

#endif /* PCSIM_SIM_FUZZ_H */
