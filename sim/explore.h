/* SPDX-License-Identifier: MIT */
/*
 * sim/explore.h - `pcsim explore`: every schedule of a scenario, up to a
 * preemption bound.
 *
 * Stateless model checking in the style of CHESS (Musuvathi and Qadeer,
 * PLDI'07 and OSDI'08): the scenario is run from the start once per
 * schedule, under a scheduler hook (sim/sched.h) that replays a prefix of
 * decisions and then does what fifo does, noting at each later decision
 * the candidates and a canonical hash of the state (kernel_state_hash()
 * with the scheduler's and the threads' progress).  Every untried
 * candidate at such a decision whose preemptions stay within the bound is
 * a new prefix; a decision whose state was already expanded with no more
 * preemptions used (or with another last thread and fewer) is pruned, and
 * the schedule stops there.  Prefixes are run in order of preemptions
 * (all with 0, then 1, ...), deepest decision first within a level.
 * docs/EXPLORE.md has the algorithm, what a preemption is, what the hash
 * covers and the soundness caveats.
 *
 * Output (@out), stable:
 *
 *   violation: INVARIANT after N schedules      first schedule that broke
 *   # VIOLATION: ...                            INVARIANT: the headline,
 *   schedule LABEL->TARGET                      and the decisions that
 *   ...                                         replay it under fifo
 *   explore: S schedules, D distinct states, P pruned, V violations,
 *     bound B (exhausted|stopped at --max-schedules)       (one line)
 *
 * V counts the schedules that ran into a violation (a schedule stopped at
 * a pruned decision does not get that far); the report shows the first
 * schedule for each invariant.  Appending its `schedule` lines to the
 * scenario replays that violation with `pcsim run` (fifo).  The scenario's
 * own pinned `schedule` lines decide as in a run and are not repeated.
 *
 * Exit statuses: 0 no violation (exhausted or stopped at the limit), 1 a
 * violation, 2 bad usage, a bad scenario (file:line:col: message) or a
 * runtime scenario error.
 */
#ifndef PCSIM_SIM_EXPLORE_H
#define PCSIM_SIM_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/scenario.h"

struct explore_opts {
	const char *policy;	/* --policy, or NULL for the scenario's */
	int bound;		/* --preemptions: at most this many a schedule */
	uint64_t max_schedules;	/* --max-schedules: stop after this many */
	bool no_prune;		/* --no-prune: hash states, never prune */
};

struct explore_result {
	uint64_t schedules;	/* runs of the scenario */
	uint64_t states;	/* distinct states where a choice was open */
	uint64_t pruned;	/* alternatives not run: their state was seen */
	uint64_t violations;	/* schedules that ended in a violation */
	bool exhausted;		/* every schedule within the bound was run */
};

/*
 * explore_scenario - explore @sc as @o says.
 * @out: the report (above).  @err: runtime scenario errors.
 * @res: the figures, or NULL.
 * Return: 0, 1 or 2 as the exit statuses above.
 */
int explore_scenario(const struct scenario *sc, const struct explore_opts *o,
		     FILE *out, FILE *err, struct explore_result *res);

/* explore_main - `pcsim explore [OPTIONS] FILE`, @argv[0] being "explore". */
int explore_main(int argc, char **argv);

#endif /* PCSIM_SIM_EXPLORE_H */
