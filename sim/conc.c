// SPDX-License-Identifier: MIT
/*
 * sim/conc.c - the baton between a section's threads and its main loop.
 *
 * Invariants: each section thread is a coroutine (sim/coro.h) on the
 * caller's OS thread, so exactly one of them or the main loop runs at a
 * time.  A section thread is READY (it has the next line or the rest of
 * one to run), WAITING (its process is in a system call: @proc) or DONE.
 * The main loop steps the kernel only while every thread is WAITING or
 * DONE.  A thread's @digest folds in every call it made in the section and
 * what the call returned: everything that decides what the thread does next
 * outside the kernel, since a thread's lines are fixed and the runner is a
 * function of the results it got.  The scheduler gets it with the kernel
 * (sched_set_world()) for a hook that hashes states; without a hook it is
 * not kept (it stays 0).  @nready and @ndone count the threads READY and
 * DONE.
 *
 * Locking: none; coroutines switch only at conc_syscall() and at the end
 * of a thread's lines.
 */
#include <stdio.h>
#include <stdlib.h>

#include "model/hashmix.h"
#include "model/never.h"
#include "sim/conc.h"
#include "sim/coro.h"

enum ct_state { CT_READY, CT_WAITING, CT_DONE };

struct conc_run;

struct cthread {
	int index;
	struct coro *co;
	enum ct_state state;
	struct proc *proc;		/* WAITING: the process in a call */
	bool killed;			/* the run stopped while it waited */
	uint64_t digest;		/* the calls so far and their results */
	struct conc_run *c;
};

struct conc_run {
	struct cthread *t;
	struct kernel *k;
	struct sched *s;
	const struct conc_section *sec;
	const struct conc_ops *ops;
	void *ctx;
	bool stop;
	bool wants_world;		/* sched_wants_world(), fixed */
	int nready, ndone;		/* threads READY, DONE */
};

static __thread struct cthread *self;

bool conc_active(void)
{
	return self != NULL;
}

int conc_syscall(struct kernel *k, struct proc *p, const struct sys_req *req,
		 struct sys_res *res)
{
	struct cthread *ct = self;
	struct conc_run *c = ct->c;

	proc_set_thread(p, c->sec->names[ct->index]);
	kernel_submit(k, p, req);
	ct->proc = p;
	ct->state = CT_WAITING;
	self = NULL;
	coro_yield();
	self = ct;
	if (ct->killed) {
		kernel_abort_call(k, p);
		return -1;
	}
	kernel_done(p, res);
	if (c->wants_world)	/* only progress() reads it, for a hook */
		ct->digest = kernel_call_hash(ct->digest, req, res);
	return 0;
}

static void thread_main(void *arg)
{
	struct cthread *ct = arg;
	struct conc_run *c = ct->c;
	bool failed = false;
	int i;

	self = ct;
	for (i = 0; i < c->sec->nlines && !ct->killed && !failed; i++) {
		const struct sc_line *l = c->sec->lines[i];

		failed = l->thread - 1 == ct->index &&
			 !c->ops->run_line(c->ctx, ct->index, l);
	}
	self = NULL;
	c->stop |= failed;
	ct->state = CT_DONE;
	c->ndone++;
}

static void set_ready(struct conc_run *c, struct cthread *ct)
{
	ct->state = CT_READY;
	c->nready++;
}

/*
 * Let every READY thread run, in thread order, until it waits in a call or
 * is done (a thread makes no other one READY).  Return: all are DONE.
 */
static bool run_ready(struct conc_run *c)
{
	int i;

	for (i = 0; i < c->sec->nthreads && c->nready; i++) {
		if (c->t[i].state != CT_READY)
			continue;
		c->nready--;
		coro_resume(c->t[i].co);
	}
	return c->ndone == c->sec->nthreads;
}

/* The run stopped: wake every waiting thread so that it unwinds. */
static void kill_waiting(struct conc_run *c)
{
	int i;

	for (i = 0; i < c->sec->nthreads; i++) {
		if (c->t[i].state != CT_WAITING)
			continue;
		c->t[i].killed = true;
		set_ready(c, &c->t[i]);
	}
}

#define RUN_MAX	64	/* runnable processes a decision considers */

/* Is @p one of the @nr processes of @run (each process at most once)? */
static bool proc_in(struct proc *const *run, int nr, const struct proc *p)
{
	int j;

	for (j = 0; j < nr; j++)
		if (run[j] == p)
			return true;
	return false;
}

/*
 * Can @p take a step?  A decision considers the RUN_MAX runnable processes
 * of lowest pid, @run from kernel_runnable(); while the kernel has no more
 * live processes than that, none is left out, and @run is NULL: @p is
 * asked directly, without the scan of every process.
 */
static bool can_step(struct proc *const *run, int nr, const struct proc *p)
{
	return run ? proc_in(run, nr, p) : kernel_proc_runnable(p);
}

/* The threads whose process can take a step, then irq if I/O is pending. */
static int candidates(struct conc_run *c, int *cand)
{
	const struct conc_section *sec = c->sec;
	const struct cthread *t = c->t;
	int n = 0, nr = 0, i, nthreads = sec->nthreads;
	struct proc *buf[RUN_MAX], *const *run = NULL;

	if (kernel_nr_procs(c->k) > RUN_MAX) {
		nr = kernel_runnable(c->k, buf, RUN_MAX);
		run = buf;
	}
	for (i = 0; i < nthreads; i++)
		if (t[i].state == CT_WAITING && can_step(run, nr, t[i].proc))
			cand[n++] = i;
	for (i = 0; i < sec->nkthreads; i++)
		if (can_step(run, nr, sec->kthreads[i]))
			cand[n++] = nthreads + i;
	if (kernel_has_events(c->k))
		cand[n++] = SCHED_IRQ;
	return n;
}

/*
 * The threads' progress outside the kernel: each one's state and, until
 * it is done, its digest (a done thread does nothing more).
 */
static uint64_t progress(const struct conc_run *c)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < c->sec->nthreads; i++) {
		h = hash_mix(h, (uint64_t)c->t[i].state);
		h = hash_mix(h, c->t[i].state == CT_DONE ? 0 :
				c->t[i].digest);
	}
	return h;
}

/*
 * The scenario's schedule entries the decision fired or refused, for the
 * trace: a refused entry's step ran but its target could not run then.
 */
static void trace_pin(const struct conc_run *c, int i, const char *how)
{
	char pin[200], what[240];

	if (i < 0)
		return;
	sched_pin_text(c->s, i, pin, sizeof(pin));
	snprintf(what, sizeof(what), "schedule %s%s", pin, how);
	kernel_trace_sched(c->k, what);
}

static void trace_pins(const struct conc_run *c)
{
	trace_pin(c, sched_pin_refused(c->s), " refused");
	trace_pin(c, sched_pin_fired(c->s), "");
}

/* One decision of the main loop.  Return: -1 if the run must stop. */
static int decide(struct conc_run *c)
{
	int cand[RUN_MAX + 1], n = candidates(c, cand), pick;
	struct proc *p;
	const char *op;

	if (!n)
		return kernel_stuck(c->k);
	if (c->wants_world)	/* only a hook reads it */
		sched_set_world(c->s, c->k, progress(c));
	pick = sched_pick(c->s, cand, n);
	trace_pins(c);
	if (pick == SCHED_STOP)
		return -1;
	if (pick == SCHED_IRQ)
		return kernel_fire_event(c->k);
	p = pick < c->sec->nthreads ? c->t[pick].proc :
		c->sec->kthreads[pick - c->sec->nthreads];
	op = kernel_proc_op(p);
	if (kernel_step(c->k, p) < 0)
		return -1;
	sched_ran(c->s, pick, op, kernel_proc_step(p));
	if (pick < c->sec->nthreads && kernel_done(p, NULL))
		set_ready(c, &c->t[pick]);
	return 0;
}

int conc_run_section(struct kernel *k, struct sched *s,
		     const struct conc_section *sec,
		     const struct conc_ops *ops, void *ctx)
{
	struct conc_run c = { .k = k, .s = s, .sec = sec, .ops = ops,
			      .ctx = ctx, .wants_world = sched_wants_world(s),
			      .nready = sec->nthreads };
	int i;

	c.t = calloc(sec->nthreads, sizeof(*c.t));
	if (NEVER(!c.t))
		abort();
	for (i = 0; i < sec->nthreads; i++) {
		c.t[i].index = i;
		c.t[i].c = &c;
		c.t[i].co = coro_new(thread_main, &c.t[i]);
	}
	while (!run_ready(&c)) {
		if (c.stop)
			kill_waiting(&c);
		else if (decide(&c) < 0)
			c.stop = true;
	}
	for (i = 0; i < sec->nthreads; i++)
		coro_free(c.t[i].co);
	free(c.t);
	return c.stop ? -1 : 0;
}
