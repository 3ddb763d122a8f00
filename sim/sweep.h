/* SPDX-License-Identifier: MIT */
/*
 * sim/sweep.h - a grid of workload parameter values (`pcsim compare
 * --sweep PARAM=v1,v2,...`, docs/WHATIF.md).
 *
 * Scope: parsing and enumerating the grid; nothing runs here.  Each
 * --sweep adds a dimension; a point of the grid is one value of every
 * dimension, the other parameters keeping their values.  Points are
 * numbered with the first dimension varying slowest and each dimension's
 * values in the order given, so the grid's order follows the command line
 * alone.
 *
 * Limits (each refused with a message): SWEEP_MAX_DIMS dimensions,
 * SWEEP_MAX_VALUES values in one, SWEEP_MAX_POINTS points in all; a
 * parameter swept twice, a value given twice, or a value the parameter
 * refuses (workload_set()).
 */
#ifndef PCSIM_SIM_SWEEP_H
#define PCSIM_SIM_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/workload.h"

#define SWEEP_MAX_DIMS		4
#define SWEEP_MAX_VALUES	64
#define SWEEP_MAX_POINTS	1024

struct sweep_dim {
	unsigned int param;		/* index in the workload's values */
	uint64_t vals[SWEEP_MAX_VALUES];
	unsigned int n;
};

struct sweep {
	const struct workload *w;
	struct sweep_dim dim[SWEEP_MAX_DIMS];
	unsigned int ndims;
};

void sweep_init(struct sweep *s, const struct workload *w);

/*
 * sweep_add - add the dimension "PARAM=v1,v2,..." (@spec).
 * Return: true, or false after printing why to @err ("pcsim PROG: ...").
 */
bool sweep_add(struct sweep *s, const char *spec, const char *prog,
	       FILE *err);

/* Is parameter @param (an index) swept? */
bool sweep_has(const struct sweep *s, unsigned int param);

/* How many points: the product of the dimensions' sizes (1 if none). */
size_t sweep_points(const struct sweep *s);

/* Point @i: @v (WL_MAX_PARAMS values) is @base with @i's swept values. */
void sweep_point(const struct sweep *s, size_t i, const uint64_t *base,
		 uint64_t *v);

#endif /* PCSIM_SIM_SWEEP_H */
