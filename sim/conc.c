// SPDX-License-Identifier: MIT
/*
 * sim/conc.c - the baton between a section's threads and its main loop.
 *
 * Invariants: exactly one OS thread runs at a time - the one whose index is
 * @turn (-1: the main loop); every other one waits on its condition
 * variable with @lock released.  A section thread is READY (it has the next
 * line or the rest of one to run), WAITING (its process is in a system
 * call: @proc) or DONE.  The main loop steps the kernel only while every
 * thread is WAITING or DONE, so the kernel is never touched by two threads.
 * A thread's @digest folds in every call it made in the section and what
 * the call returned: everything that decides what the thread does next
 * outside the kernel, since a thread's lines are fixed and the runner is a
 * function of the results it got.  The scheduler gets it with the kernel
 * (sched_set_world()) for a hook that hashes states.
 *
 * Locking: @lock guards @turn and the thread states; the baton holder runs
 * without it (the others are parked in g_cond_wait).
 */
#include <stdlib.h>

#include "model/hashmix.h"
#include "sim/conc.h"

enum ct_state { CT_READY, CT_WAITING, CT_DONE };

struct conc_run;

struct cthread {
	int index;
	GThread *th;
	GCond cond;
	enum ct_state state;
	struct proc *proc;		/* WAITING: the process in a call */
	bool killed;			/* the run stopped while it waited */
	uint64_t digest;		/* the calls so far and their results */
	struct conc_run *c;
};

struct conc_run {
	GMutex lock;
	GCond main_cond;
	int turn;
	struct cthread *t;
	struct kernel *k;
	struct sched *s;
	const struct conc_section *sec;
	const struct conc_ops *ops;
	void *ctx;
	bool stop;
};

static __thread struct cthread *self;

bool conc_active(void)
{
	return self != NULL;
}

/* Hand the baton to @to (-1: main) and wait until it comes back to @me. */
static void baton_pass(struct conc_run *c, int to, int me)
{
	c->turn = to;
	g_cond_signal(to < 0 ? &c->main_cond : &c->t[to].cond);
	while (c->turn != me)
		g_cond_wait(me < 0 ? &c->main_cond : &c->t[me].cond,
			    &c->lock);
}

int conc_syscall(struct kernel *k, struct proc *p, const struct sys_req *req,
		 struct sys_res *res)
{
	struct cthread *ct = self;
	struct conc_run *c = ct->c;

	proc_set_thread(p, c->sec->names[ct->index]);
	kernel_submit(k, p, req);
	g_mutex_lock(&c->lock);
	ct->proc = p;
	ct->state = CT_WAITING;
	baton_pass(c, -1, ct->index);
	g_mutex_unlock(&c->lock);
	if (ct->killed) {
		kernel_abort_call(k, p);
		return -1;
	}
	kernel_done(p, res);
	ct->digest = kernel_call_hash(ct->digest, req, res);
	return 0;
}

static gpointer thread_main(gpointer arg)
{
	struct cthread *ct = arg;
	struct conc_run *c = ct->c;
	int i;

	g_mutex_lock(&c->lock);
	while (c->turn != ct->index)
		g_cond_wait(&ct->cond, &c->lock);
	g_mutex_unlock(&c->lock);
	bool failed = false;

	self = ct;
	for (i = 0; i < c->sec->nlines && !ct->killed && !failed; i++) {
		const struct sc_line *l = c->sec->lines[i];

		failed = l->thread - 1 == ct->index &&
			 !c->ops->run_line(c->ctx, ct->index, l);
	}
	self = NULL;
	g_mutex_lock(&c->lock);
	c->stop |= failed;
	ct->state = CT_DONE;
	c->turn = -1;
	g_cond_signal(&c->main_cond);
	g_mutex_unlock(&c->lock);
	return NULL;
}

/* Let every READY thread run until it waits in a call or is done. */
static bool run_ready(struct conc_run *c)
{
	bool all_done = true;
	int i;

	for (i = 0; i < c->sec->nthreads; i++) {
		if (c->t[i].state == CT_READY)
			baton_pass(c, i, -1);
		all_done &= c->t[i].state == CT_DONE;
	}
	return all_done;
}

/* The run stopped: wake every waiting thread so that it unwinds. */
static void kill_waiting(struct conc_run *c)
{
	int i;

	for (i = 0; i < c->sec->nthreads; i++) {
		if (c->t[i].state != CT_WAITING)
			continue;
		c->t[i].killed = true;
		c->t[i].state = CT_READY;
	}
}

/* The threads whose process can take a step, then irq if I/O is pending. */
static int candidates(struct conc_run *c, int *cand)
{
	struct proc *run[64];
	int n = 0, nr, i, j;

	nr = kernel_runnable(c->k, run, 64);
	for (i = 0; i < c->sec->nthreads; i++)
		for (j = 0; j < nr; j++)
			if (c->t[i].state == CT_WAITING &&
			    c->t[i].proc == run[j])
				cand[n++] = i;
	for (i = 0; i < c->sec->nkthreads; i++)
		for (j = 0; j < nr; j++)
			if (c->sec->kthreads[i] == run[j])
				cand[n++] = c->sec->nthreads + i;
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

/* One decision of the main loop.  Return: -1 if the run must stop. */
static int decide(struct conc_run *c)
{
	int cand[72], n = candidates(c, cand), pick;
	struct proc *p;
	const char *op;

	if (!n)
		return kernel_stuck(c->k);
	sched_set_world(c->s, c->k, progress(c));
	pick = sched_pick(c->s, cand, n);
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
		c->t[pick].state = CT_READY;
	return 0;
}

int conc_run_section(struct kernel *k, struct sched *s,
		     const struct conc_section *sec,
		     const struct conc_ops *ops, void *ctx)
{
	struct conc_run c = { .turn = -1, .k = k, .s = s, .sec = sec,
			      .ops = ops, .ctx = ctx };
	int i;

	g_mutex_init(&c.lock);
	g_cond_init(&c.main_cond);
	c.t = calloc(sec->nthreads, sizeof(*c.t));
	g_mutex_lock(&c.lock);
	for (i = 0; i < sec->nthreads; i++) {
		c.t[i].index = i;
		c.t[i].c = &c;
		g_cond_init(&c.t[i].cond);
		c.t[i].th = g_thread_new(sec->names[i], thread_main, &c.t[i]);
	}
	while (!run_ready(&c)) {
		if (c.stop)
			kill_waiting(&c);
		else if (decide(&c) < 0)
			c.stop = true;
	}
	g_mutex_unlock(&c.lock);
	for (i = 0; i < sec->nthreads; i++) {
		g_thread_join(c.t[i].th);
		g_cond_clear(&c.t[i].cond);
	}
	free(c.t);
	g_cond_clear(&c.main_cond);
	g_mutex_clear(&c.lock);
	return c.stop ? -1 : 0;
}
