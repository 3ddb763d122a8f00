/* SPDX-License-Identifier: MIT */
/*
 * sim/compare.h - `pcsim compare`: one workload under several designs,
 * optionally over a grid of parameter values, as a table and a plot
 * (docs/WHATIF.md).
 *
 * Scope: the workload's text (sim/workload.h) is generated and parsed once
 * per point of the grid (sim/sweep.h; one point without --sweep); the same
 * scenario then runs under each policy with runner_run(), its output
 * captured and discarded, and the metrics the model counts (struct
 * sys_stats, struct sys_perf) become one row per policy and point.  `none`
 * (mainline) is always the first policy, added if not asked for: it is the
 * baseline of saved_vs_none and saved_pct at each point.
 *
 * Metrics (columns; "-" where a run has no value):
 *   peak_pages, final_pages  cached pages at the peak and at the end
 *   mean_pages        time-weighted mean of cached pages over virtual time
 *                     (model/perf.h page_ns / elapsed; final_pages if no
 *                     time passed), one decimal, rounded down
 *   saved_vs_none     none's peak_pages minus this row's
 *   saved_pct         saved_vs_none as a percentage of none's peak_pages,
 *                     one decimal, rounded toward zero
 *   cow_page_copies, cow_block_allocs, writeback_ios, read_ios,
 *   faults_major, faults_minor, ptes_zapped, reclaimed (pages_reclaimed)
 *   write_amp         bytes written to the device (write bios, DAX stores
 *                     and block fills) / bytes applications wrote (write()
 *                     and stores through mappings), three decimals, rounded
 *                     down; "-" if applications wrote nothing
 *   lat_p50_us, lat_p99_us  per-operation latency in virtual microseconds
 *                     (three decimals: exact nanoseconds), nearest rank
 *   violation         the invariant that stopped the run, or "-" (a run
 *                     stops at its first violation: at most one per row)
 *
 * Output: an aligned table with comment lines, CSV with a header row, or
 * one JSON object; swept parameters are the first columns.  Only
 * deterministic numbers: no wall-clock timings.
 *
 * Exit statuses: 0 every run ended ok; 1 some run stopped with a violation
 * or a runtime error (its row says which); 2 bad usage or input.
 */
#ifndef PCSIM_SIM_COMPARE_H
#define PCSIM_SIM_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/sys.h"
#include "sim/scenario.h"
#include "sim/sweep.h"

enum cmp_fmt { CMP_TABLE, CMP_CSV, CMP_JSON };

#define CMP_INV_LEN	32

/* One run of the workload. */
struct cmp_row {
	const char *policy;
	int status;		/* enum run_status */
	bool has_stats;		/* the kernel booted */
	struct sys_stats s;
	struct sys_perf perf;
	char violation[CMP_INV_LEN];	/* the invariant, or "" */
};

/* The workload a comparison ran, for the output's heading. */
struct cmp_what {
	const char *workload;
	uint64_t seed;
	const char *params;	/* "k=v k=v ...", every parameter */
};

/*
 * Every run of a comparison: @npoints points of @sweep (NULL or no
 * dimension: one point), each with @npolicies rows, point-major;
 * @v[i] the parameter values of point i.
 */
struct cmp_result {
	const struct cmp_what *what;
	const struct sweep *sweep;
	const uint64_t (*v)[WL_MAX_PARAMS];
	size_t npoints;
	int npolicies;
	const struct cmp_row *rows;
};

/*
 * compare_run - run @sc under each of @n policies into @rows[0..n-1].
 *
 * Return: 0 if every run ended ok, else 1.
 */
int compare_run(const struct scenario *sc, const char *const *policies,
		int n, struct cmp_row *rows);

/* The metric called @name (a numeric column), or -1. */
int compare_metric_find(const char *name);

/*
 * compare_metric - metric @m of row @r, @base its point's none row.
 * @v receives it in fixed point with *@decimals decimals.
 * Return: false if the row has no such value.
 */
bool compare_metric(int m, const struct cmp_row *r,
		    const struct cmp_row *base, int64_t *v,
		    unsigned int *decimals);

/* compare_print_result - every row of @res as @fmt says. */
void compare_print_result(FILE *f, enum cmp_fmt fmt,
			  const struct cmp_result *res);

/* compare_print - @n rows of one point (rows[0] the baseline, none). */
void compare_print(FILE *f, enum cmp_fmt fmt, const struct cmp_what *what,
		   const struct cmp_row *rows, int n);

/*
 * compare_plot - metric @m of @res (one sweep dimension) against the swept
 * parameter, one line per policy (rows that ended ok), into @path.
 * Return: 0, or -1 after a message on stderr.
 */
int compare_plot(const char *path, int m, const struct cmp_result *res);

/* compare_main - `pcsim compare [OPTIONS] WORKLOAD`. */
int compare_main(int argc, char **argv);

#endif /* PCSIM_SIM_COMPARE_H */
