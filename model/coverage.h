/* SPDX-License-Identifier: MIT */
/*
 * model/coverage.h - model coverage: which (step x page state) pairs ran.
 *
 * Scope: counting only.  After every kernel step (and every I/O completion)
 * the engine notes the step's name and the state of the page the task holds
 * in its top frame, if any; and every page a step locks (folio_trylock) is
 * noted with the state it had when locked, since most steps take and drop
 * their page within the step.  The states: clean or dirty, and whether it
 * is under writeback, mapped by a PTE, or shared (more than one owner).  A pair
 * (step, state) is "covered" once it was seen.  Fuzzing campaigns merge the
 * maps of their runs (cov_merge) to find runs that reached new pairs and to
 * bias generation toward them (sim/fuzz.c).
 *
 * The steps are a fixed table (cov_step_name()): the kernel function names
 * the step functions give task->step_name, plus "bio_end_io(read)" and
 * "bio_end_io(write)" for completions.  A step name missing from the table
 * is counted under "(other)"; the ctest coverage/steps keeps the table and
 * the sources in agreement.
 *
 * Determinism: indices come from the table, never from pointers (a pointer
 * only keys a lookup cache).
 */
#ifndef PCSIM_MODEL_COVERAGE_H
#define PCSIM_MODEL_COVERAGE_H

#include <stdbool.h>
#include <stdint.h>

enum cov_state {
	COV_CLEAN,
	COV_DIRTY,
	COV_WRITEBACK,
	COV_MAPPED,
	COV_SHARED,
	COV_NR_STATES
};

#define COV_MAX_STEPS 80

struct model_cov {
	uint64_t runs[COV_MAX_STEPS];			/* times run */
	uint64_t hits[COV_MAX_STEPS][COV_NR_STATES];	/* with a page so */
};

struct page;

/* The number of steps in the table, the last being "(other)". */
int cov_nr_steps(void);
const char *cov_step_name(int step);
const char *cov_state_name(enum cov_state s);
/* The table index of @name, or the index of "(other)". */
int cov_step_index(const char *name);

/* Step @name ran with @p (NULL: no page) in hand. */
void cov_note(struct model_cov *c, const char *name, const struct page *p);
/* Step @name is working on @p (it took the page lock): state only. */
void cov_note_page(struct model_cov *c, const char *name,
		   const struct page *p);

/* Distinct (step, state) pairs @c has seen, and how many there are. */
uint64_t cov_pairs(const struct model_cov *c);
uint64_t cov_universe(void);

/* Add @run into @total.  Return: the pairs new to @total. */
uint64_t cov_merge(struct model_cov *total, const struct model_cov *run);

#endif /* PCSIM_MODEL_COVERAGE_H */
