/* SPDX-License-Identifier: MIT */
/*
 * sim/sched.h - scheduling decisions for concurrent scenario threads.
 *
 * Scope: which thread takes the next step, or whether the next I/O
 * completion fires first ("irq").  Knows nothing of pages: the caller gives
 * the candidates and tells what each step was.
 *
 * Strategies: fifo (the default: run the thread that ran last while it can,
 * else the lowest-numbered runnable one; events fire when nothing can run),
 * rr (rotate among runnable threads every step), random (uniform among
 * threads and, when an I/O is pending, irq; seeded), pct (probabilistic
 * concurrency testing, Burckhardt et al. ASPLOS'10: random distinct thread
 * priorities, depth-1 random change points where the running thread drops to
 * the lowest priority; seeded).
 *
 * Schedules by label.  A decision is named by the last step run before it:
 * THREAD@OP/STEP#N, the N-th step named STEP that THREAD ran within system
 * call OP.  Every run records the decisions where it did not do what fifo
 * would have done, as "LABEL->TARGET"; pinned entries (the scenario's
 * `schedule` lines) force those choices on top of the strategy, so a
 * recorded schedule replays exactly under fifo, and edits to other lines or
 * other threads leave the labels valid.
 */
#ifndef PCSIM_SIM_SCHED_H
#define PCSIM_SIM_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

enum sched_strategy {
	SCHEDULE_FIFO,
	SCHEDULE_RR,
	SCHEDULE_RANDOM,
	SCHEDULE_PCT,
};

#define SCHED_IRQ (-1)	/* a candidate meaning "fire the next event" */

struct sched_entry {
	char *thread, *op, *step, *target;
	uint32_t n;
};

struct sched;

int sched_strategy_parse(const char *name, enum sched_strategy *out);
const char *sched_strategy_name(enum sched_strategy s);

/*
 * sched_new - a scheduler for @nthreads threads called @names.
 * @pins: pinned entries (copied); may be NULL.
 */
struct sched *sched_new(enum sched_strategy s, uint64_t seed, int pct_depth,
			int nthreads, char *const *names,
			const struct sched_entry *pins, int npins);
void sched_free(struct sched *s);

/*
 * sched_pick - choose among @cand[0..n) (thread indices, or SCHED_IRQ).
 * Return: the chosen candidate.
 */
int sched_pick(struct sched *s, const int *cand, int n);

/* Thread @thread ran a step named @step of call @op. */
void sched_ran(struct sched *s, int thread, const char *op, const char *step);

/* The decisions recorded so far, as schedule entries "T@OP/STEP#N->U". */
GPtrArray *sched_recorded(const struct sched *s);	/* of char *, owned */
/* Pinned entries that never matched (a stale schedule). */
int sched_unused_pins(const struct sched *s);

#endif /* PCSIM_SIM_SCHED_H */
