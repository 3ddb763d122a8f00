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
 *
 * Hooks.  An outside decision maker (pcsim explore, sim/explore.h) can
 * take the strategy's place: sched_set_hook() makes sched_pick() ask it at
 * every decision that has a label and that no pinned entry decides.  It is
 * shown the candidates, what fifo would pick, and the world the section's
 * main loop handed over with sched_set_world() (the kernel and a digest of
 * the threads' progress outside it), so that it can hash the state.
 * Without a hook nothing changes: same choices, same recorded schedule.
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
#define SCHED_STOP (-3)	/* a hook's answer: stop the run here */

struct sched_entry {
	char *thread, *op, *step, *target;
	uint32_t n;
};

struct sched;
struct kernel;

/**
 * struct sched_point - one decision, as a hook sees it.
 * @cand:     the candidates: thread indices, or SCHED_IRQ.
 * @n:        how many.
 * @fifo:     what fifo would pick (never a preemption).
 * @last:     the thread that ran the last step (always a thread: a hook
 *            is not asked right after an event fired).
 * @label:    that step's label, "THREAD@OP/STEP#N".
 * @names:    every thread's name, by index (a choice's name in a
 *            recorded entry "LABEL->NAME").
 * @pins:     a digest of the pinned entries' progress: which ones fired
 *            and how far each unused one's step count has come; equal
 *            digests mean the pins decide the rest of the run alike.
 * @k:        the kernel, as sched_set_world() last gave it; read only.
 * @progress: the digest sched_set_world() last gave.
 */
struct sched_point {
	const int *cand;
	int n;
	int fifo;
	int last;
	const char *label;
	char *const *names;
	uint64_t pins;
	const struct kernel *k;
	uint64_t progress;
};

/**
 * struct sched_hook - an outside decision maker.
 * @pick: return one of @pt->cand, or SCHED_STOP to end the run at this
 *        decision (sched_pick() returns it; the section stops as after a
 *        violation, but none is recorded); anything else is taken as
 *        @pt->fifo.
 * @ctx:  passed to @pick.
 */
struct sched_hook {
	int (*pick)(void *ctx, const struct sched_point *pt);
	void *ctx;
};

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

/* Let @hook decide instead of the strategy (NULL: the strategy again). */
void sched_set_hook(struct sched *s, const struct sched_hook *hook);
/*
 * sched_set_world - what the next decisions are about, for a hook: the
 * kernel @k and @progress, a digest of what the section's threads did
 * outside the kernel (sim/conc.c).
 */
void sched_set_world(struct sched *s, const struct kernel *k,
		     uint64_t progress);

/*
 * sched_pick - choose among @cand[0..n) (thread indices, or SCHED_IRQ).
 * Return: the chosen candidate, or SCHED_STOP if a hook stopped the run.
 */
int sched_pick(struct sched *s, const int *cand, int n);

/*
 * sched_wants_world - does a hook read what sched_set_world() gives?  If
 * not, the caller need not compute it.
 */
bool sched_wants_world(const struct sched *s);

/*
 * Thread @thread ran a step named @step of call @op.  The names must live
 * as long as the process (the model's are literals): a cache of names by
 * address outlives @s.
 */
void sched_ran(struct sched *s, int thread, const char *op, const char *step);

/*
 * The decisions recorded so far, as schedule entries "T@OP/STEP#N->U"
 * (formatted when asked for, not when taken).
 */
GPtrArray *sched_recorded(struct sched *s);	/* of char *, owned */
/* Did a hook stop the run (SCHED_STOP)? */
bool sched_stopped(const struct sched *s);
/* Pinned entries that did not fire (refused or stale). */
int sched_unused_pins(const struct sched *s);
/*
 * What became of pinned entry @i (0-based, in sched_new() order) so far:
 * it fired; its step ran N times but its target could not run then (the
 * model refused the switch: a scenario may pin a switch that only a wrong
 * model allows); or its step never ran N times (a stale schedule: the
 * interleaving the entry pins no longer happens).
 */
enum sched_pin_state { PIN_FIRED, PIN_REFUSED, PIN_STALE };
enum sched_pin_state sched_pin_state(struct sched *s, int i);
/*
 * The pinned entry the last sched_pick() fired, and the first one it
 * refused (its step had just run, its target could not run), or -1; for
 * traces.  sched_pin_text() writes entry @i as THREAD@OP/STEP#N->TARGET.
 */
int sched_pin_fired(const struct sched *s);
int sched_pin_refused(const struct sched *s);
void sched_pin_text(const struct sched *s, int i, char *buf, size_t n);

#endif /* PCSIM_SIM_SCHED_H */
