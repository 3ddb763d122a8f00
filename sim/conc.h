/* SPDX-License-Identifier: MIT */
/*
 * sim/conc.h - running the threads of a concurrent section.
 *
 * Scope: a section is a group of scenario threads that start together and
 * end when all have ended.  Each thread's lines run in a coroutine of its
 * own (sim/coro.h) on the caller's OS thread, so only one runs at any time
 * and every interleaving is the scheduler's decision: a run is
 * deterministic.  A thread runs until it has submitted a system call
 * (conc_syscall) or finished its lines; then the main loop asks the
 * scheduler which task takes the next kernel step (or whether the next I/O
 * completes), steps it, and resumes the thread whose call
 * returned.  The model sees only kernel_submit/step/fire (model/sys.h).
 */
#ifndef PCSIM_SIM_CONC_H
#define PCSIM_SIM_CONC_H

#include <stdbool.h>

#include "model/sys.h"
#include "sim/scenario.h"
#include "sim/sched.h"

struct conc_ops {
	/* Run one line on thread @thread.  Return: false to stop the run. */
	bool (*run_line)(void *ctx, int thread, const struct sc_line *l);
};

struct conc_section {
	int nthreads;
	char *const *names;		/* thread names */
	const struct sc_line **lines;	/* all lines of the section */
	int nlines;
	struct proc **kthreads;		/* kernel threads: scheduler indices */
	int nkthreads;			/* nthreads .. nthreads + nkthreads - 1 */
};

/*
 * conc_run_section - run @sec on @k with scheduler @s.
 * Return: 0, or -1 if a violation (recorded in @k) stopped it.
 */
int conc_run_section(struct kernel *k, struct sched *s,
		     const struct conc_section *sec,
		     const struct conc_ops *ops, void *ctx);

/* Is the calling OS thread a section thread? */
bool conc_active(void);

/*
 * conc_syscall - from a section thread: submit @req on @p and wait until it
 * returns.  Return: 0, or -1 if the run stopped meanwhile.
 */
int conc_syscall(struct kernel *k, struct proc *p, const struct sys_req *req,
		 struct sys_res *res);

#endif /* PCSIM_SIM_CONC_H */
