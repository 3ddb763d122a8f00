/* SPDX-License-Identifier: MIT */
/*
 * sim/runner.h - run a parsed scenario on a fresh simulated kernel.
 *
 * Scope: the bridge between scenario syntax (sim/scenario.h) and the model's
 * system-call boundary (model/sys.h).  The runner turns each scenario line
 * into the system calls the real command would make (xfs_io, cp, md5sum,
 * rm, ...) and prints what the real command would print, stdout and stderr
 * merged, as scripts/kernel-golden records it on a real kernel: line
 * buffered, passed through fstests' _filter_xfs_io (sim/output.h).
 *
 * Configuration: `set` lines configure the kernel and must all come before
 * the first operation line.  Defaults: pagesize 4096, disk-size 1 GiB,
 * memory-limit 0 (none), io-latency 100 us, seed 0, policy none.  The
 * command line (struct run_opts) overrides the file's policy and seed.
 *
 * Metrics: runner_run() can also hand back the run's metrics (struct
 * run_report, from kernel_stats()) and the policy it ran; the caller
 * formats them (sim/output.h, out_stats()).
 *
 * Determinism: the output depends only on the scenario, the options and the
 * model; never on the clock, the locale or addresses of host memory.
 */
#ifndef PCSIM_SIM_RUNNER_H
#define PCSIM_SIM_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/sys.h"
#include "sim/scenario.h"

/* Overrides from the command line; zero-initialised means none. */
struct tracer;
struct sched_hook;

struct run_opts {
	const char *policy;	/* --policy NAME, or NULL for the file's */
	bool seed_set;		/* --seed was given */
	uint64_t seed;		/* --seed N */
	const char *schedule;	/* --schedule fifo|rr|random|pct, or NULL */
	const char *schedule_out; /* --schedule-out PATH, or NULL */
	char **schedule_text;	/* out: the same lines, g_free() them, of a
				   run that a violation stopped (only a
				   repro wants them); else NULL */
	const struct tracer *tracer; /* --trace-out, or NULL */
	struct model_cov *cov;	/* note model coverage here, or NULL */
	const struct sched_hook *hook; /* decides instead of the strategy
					  (pcsim explore), or NULL */
	/*
	 * Called once at the end of a run that completed (RUN_OK, final
	 * checks passed), before the kernel is freed, with @at_end_arg: a
	 * look at the final state (sim/extents.h).  NULL: none.
	 */
	void (*at_end)(void *arg, struct kernel *k);
	void *at_end_arg;
	const char *check_mode;	/* --check MODE (model/check.h), or NULL
				   for the file's */
	bool quiet;		/* the output is thrown away (fuzz, shrink):
				   md5sum lines print a digest that is not
				   MD5 and violations carry no trace lines */
	/*
	 * The process exits after this run (the last scenario of pcsim
	 * run): where no tool follows each allocation
	 * (page_slab_frees_whole()), the kernel is left to exit(), which
	 * returns its memory at once, instead of being torn down object by
	 * object (a million pages: 5% of such a run).  Nothing reads a
	 * torn-down kernel: its teardown is not checked.
	 */
	bool exit_after;
};

/* runner_run() results, also pcsim's exit statuses. */
enum run_status {
	RUN_OK = 0,		/* ran to the end */
	RUN_VIOLATION = 1,	/* an invariant violation stopped the run */
	RUN_ERROR = 2,		/* a runtime scenario error stopped it */
	RUN_STOPPED = 3,	/* its schedule hook stopped it (explore) */
};

/* What a run leaves besides its output; valid only if has_stats. */
struct run_report {
	bool has_stats;		/* the kernel booted */
	const char *policy;	/* the policy it ran: "none" for mainline */
	struct sys_stats stats;	/* after the last line that ran */
	struct sys_perf perf;	/* the same moment (model/perf.h) */
	int stale_pins;		/* schedule entries whose step never ran N
				   times: the interleaving they pin no
				   longer happens (each is reported on
				   @err; sched_pin_state()) */
};

int runner_run(const struct scenario *sc, const struct run_opts *o,
	       FILE *out, FILE *err, struct run_report *rep);

#endif /* PCSIM_SIM_RUNNER_H */
