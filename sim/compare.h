/* SPDX-License-Identifier: MIT */
/*
 * sim/compare.h - `pcsim compare`: one workload under several designs
 * (docs/WHATIF.md).
 *
 * Scope: the workload's text (sim/workload.h) is generated once and parsed
 * once; the same scenario then runs under each policy with runner_run(),
 * its output captured and discarded, and the metrics the model counts
 * (struct sys_stats) become one row per policy.  `none` (mainline) is
 * always the first row, added if not asked for: it is the baseline of the
 * "saved" column, none's peak cached pages minus the row's (negative if the
 * design cached more).
 *
 * Output: an aligned table, CSV with a header row, or one JSON object with
 * an array of rows.  Only deterministic numbers: no wall-clock timings.
 * Operation latency percentiles are not reported (not measured yet).
 *
 * Exit statuses: 0 every run ended ok; 1 some run stopped with a violation
 * or a runtime error (its row says which); 2 bad usage or input.
 */
#ifndef PCSIM_SIM_COMPARE_H
#define PCSIM_SIM_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/sys.h"
#include "sim/scenario.h"

enum cmp_fmt { CMP_TABLE, CMP_CSV, CMP_JSON };

/* One run of the workload. */
struct cmp_row {
	const char *policy;
	int status;		/* enum run_status */
	bool has_stats;		/* the kernel booted */
	struct sys_stats s;
};

/* The workload a comparison ran, for the output's heading. */
struct cmp_what {
	const char *workload;
	uint64_t seed;
	const char *params;	/* "k=v k=v ...", every parameter */
};

/*
 * compare_run - run @sc under each of @n policies into @rows[0..n-1].
 *
 * Return: 0 if every run ended ok, else 1.
 */
int compare_run(const struct scenario *sc, const char *const *policies,
		int n, struct cmp_row *rows);

/* compare_print - @n rows (rows[0] the baseline, none) as @fmt says. */
void compare_print(FILE *f, enum cmp_fmt fmt, const struct cmp_what *what,
		   const struct cmp_row *rows, int n);

/* compare_main - `pcsim compare [OPTIONS] WORKLOAD`. */
int compare_main(int argc, char **argv);

#endif /* PCSIM_SIM_COMPARE_H */
