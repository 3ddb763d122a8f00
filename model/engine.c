// SPDX-License-Identifier: MIT
/*
 * model/engine.c - running tasks: submit, step, events, deadlock.
 *
 * Scope: the model's side of the discrete-event loop.  A system call is
 * submitted to a process's task; the scheduler (sim/sched.c) repeatedly
 * picks one runnable task to step, or fires the earliest event when it
 * wants time to pass; kernel_syscall() is the same loop for one task.
 * Invariants are checked after every step (model/check.c decides how
 * often); every step, bio and violation is reported to the tracer.
 *
 * Deadlock: when no task can run and no event is pending, the waits-for
 * graph (task -> holders of what it waits for) is searched for a cycle in
 * pid order and the cycle is named.  Livelock: when no system call returns
 * within kconfig.step_bound steps.
 *
 * Determinism: tasks are listed in pid order; events pop in (time, seq)
 * order; nothing depends on addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/core.h"
#include "model/coverage.h"
#include "model/oracle.h"
#include "model/policy.h"
#include "sim/trace.h"

#define DEFAULT_STEP_BOUND 10000000ULL

static const char *const sys_names[SYS_NR] = {
	[SYS_OPEN] = "open", [SYS_CLOSE] = "close", [SYS_PWRITE] = "pwrite",
	[SYS_PREAD] = "pread", [SYS_READ_MD5] = "read", [SYS_MMAP] = "mmap",
	[SYS_MUNMAP] = "munmap", [SYS_MSTORE] = "store",
	[SYS_MLOAD] = "load", [SYS_MSYNC] = "msync", [SYS_FSYNC] = "fsync",
	[SYS_FDATASYNC] = "fdatasync", [SYS_FTRUNCATE] = "ftruncate",
	[SYS_FALLOCATE] = "fallocate", [SYS_CLONE] = "clone",
	[SYS_DEDUPE] = "dedupe", [SYS_UNLINK] = "unlink", [SYS_SYNC] = "sync",
	[SYS_WRITEBACK] = "writeback", [SYS_DROP_CACHES] = "drop_caches",
	[SYS_CYCLE_MOUNT] = "cycle_mount", [SYS_CRASH] = "crash",
	[SYS_NANOSLEEP] = "nanosleep", [SYS_KSWAPD] = "kswapd",
};

const char *sys_kind_name(enum sys_kind kind)
{
	return (unsigned int)kind < SYS_NR ? sys_names[kind] : "?";
}

void proc_set_thread(struct proc *p, const char *name)
{
	g_strlcpy(p->thread, name, sizeof(p->thread));
}

void kernel_set_tracer(struct kernel *k, const struct tracer *tr)
{
	k->tracer = tr;
}

void kernel_trace_sched(struct kernel *k, const char *what)
{
	trace_emit(k, TR_SCHED, NULL, "", what, 0, 0);
}

const char *kernel_proc_thread(const struct proc *p)
{
	return p->thread;
}

const char *kernel_proc_op(const struct proc *p)
{
	return p->task.state == TASK_RUNNING ? sys_kind_name(p->task.req.kind) :
					       "";
}

const char *kernel_proc_step(const struct proc *p)
{
	return p->task.step_name ? p->task.step_name : "";
}

/**
 * trace_emit - report one event to the tracer, if any.
 * @t: the task it concerns, or NULL (interrupt context).
 */
void trace_emit(struct kernel *k, int kind, const struct task *t,
		const char *step, const char *object, uint64_t io_id,
		int64_t result)
{
	struct trace_event ev;

	if (!k->tracer)
		return;
	ev = (struct trace_event){
		.kind = kind, .time = k->events.now, .seq = k->trace_seq++,
		.tid = t ? t->id : 0,
		.thread = t ? t->proc->thread : "irq",
		.op = t ? sys_kind_name(t->req.kind) : "",
		.step = step ? step : "", .object = object ? object : "",
		.io_id = io_id, .result = result,
	};
	k->tracer->emit(k->tracer->ctx, &ev);
}

/* What the frame on top of @t's stack works on, for traces. */
static void frame_object(const struct task *t, char *buf, size_t n)
{
	const struct frame *f = &t->stack[t->depth ? t->depth - 1 : 0];

	buf[0] = 0;
	if (!t->depth)
		return;
	switch (f->fn) {
	case FN_REMAP:
		snprintf(buf, n, "inode %llu -> inode %llu",
			 (unsigned long long)f->u.m.src->inode->i_ino,
			 (unsigned long long)f->u.m.dst->inode->i_ino);
		break;
	case FN_MACCESS:
	case FN_FAULT:
	case FN_DAX_FAULT:
		snprintf(buf, n, "addr %#llx",
			 (unsigned long long)(f->fn == FN_MACCESS ? f->u.a.addr :
					      f->u.a.fault_addr));
		break;
	case FN_SYSCALL:
		break;
	default:
		if (f->u.r.inode)
			snprintf(buf, n, "inode %llu off %llu",
				 (unsigned long long)f->u.r.inode->i_ino,
				 (unsigned long long)f->u.r.pos);
	}
}

/*
 * The flusher's timer fired (wb_workfn, every dirty_writeback_interval):
 * start a pass over the inodes dirty for longer than dirty_expire, unless
 * the last one is still running, and arm the next wake-up.
 */
void flusher_wake(struct kernel *k)
{
	struct sys_req req = { .kind = SYS_WRITEBACK, .flags = SYSF_KUPDATE };

	eventq_push(&k->events, k->cfg.dirty_writeback_ns, KEV_TIMER,
		    &k->flusher->task);
	if (k->flusher->task.state != TASK_RUNNING)
		kernel_submit(k, k->flusher, &req);
}

/*
 * xfs_log_worker: every xfssyncd_centisecs (30 s) the log is pushed, so
 * metadata of a quiet system becomes durable without an fsync.  Armed with
 * the flusher (both are "background activity").
 */
#define XFS_LOG_WORKER_NS (30ULL * 1000000000ULL)

void log_worker(struct kernel *k)
{
	xfs_log_force(k);
	eventq_push(&k->events, XFS_LOG_WORKER_NS, KEV_LOG_WORKER, NULL);
}

void log_worker_start(struct kernel *k)
{
	eventq_push(&k->events, XFS_LOG_WORKER_NS, KEV_LOG_WORKER, NULL);
}

/* Wake kswapd (wakeup_kswapd), unless it is already at work. */
void wakeup_kswapd(struct kernel *k)
{
	struct sys_req req = { .kind = SYS_KSWAPD };

	if (k->kswapd && k->kswapd->task.state != TASK_RUNNING)
		kernel_submit(k, k->kswapd, &req);
}

#define KSWAPD_BATCH 32		/* pages per step (SWAP_CLUSTER_MAX) */

/**
 * fn_kswapd - balance_pgdat: reclaim clean idle pages, a batch per step,
 * until the cache is under the low watermark (3/4 of memory_limit) or
 * nothing more can be reclaimed.  Return (frame): 0.
 */
enum step_result fn_kswapd(struct kernel *k, struct task *t, struct frame *f)
{
	uint64_t limit = k->cfg.memory_limit >> k->page_shift;
	uint64_t low = limit - limit / 4;

	t->step_name = "balance_pgdat";
	if (k->stats.nr_cached > low && shrink_lru(k, low + 1, KSWAPD_BATCH))
		return STEP_NEXT;
	return task_return(t, 0);
}

int kernel_kthreads(struct kernel *k, struct proc **out, int max)
{
	int n = 0;

	if (k->flusher && n < max)
		out[n++] = k->flusher;
	if (k->kswapd && n < max)
		out[n++] = k->kswapd;
	return n;
}

static bool kthreads_busy(struct kernel *k)
{
	struct proc *kt[8];
	int i, n = kernel_kthreads(k, kt, 8);

	for (i = 0; i < n; i++)
		if (kt[i]->task.state == TASK_RUNNING)
			return true;
	return false;
}

/* Run kernel threads until they are idle (events fire as needed). */
int kernel_quiesce(struct kernel *k)
{
	struct proc *run[8];

	while (!k->violation && kthreads_busy(k)) {
		if (kernel_runnable(k, run, 8))
			kernel_step(k, run[0]);
		else if (kernel_has_events(k))
			kernel_fire_event(k);
		else
			kernel_stuck(k);
	}
	return k->violation ? -1 : 0;
}

void kernel_submit(struct kernel *k, struct proc *p, const struct sys_req *req)
{
	struct task *t = &p->task;
	struct frame init = { 0 };

	t->req = *req;
	memset(&t->res, 0, sizeof(t->res));
	t->state = TASK_RUNNING;
	t->depth = 0;
	t->wait.kind = WAIT_NONE;
	t->step_name = NULL;
	t->submitted = k->events.now;
	task_call(t, FN_SYSCALL, &init);
	trace_emit(k, TR_OP_BEGIN, t, "", "", 0, 0);
}

/* Where @f keeps the page it holds across steps; NULL if it has no slot. */
static struct page **frame_page_slot(struct frame *f)
{
	switch (f->fn) {
	case FN_REMAP:
	case FN_SYSCALL:
		return NULL;
	case FN_MACCESS:
	case FN_FAULT:
	case FN_DAX_FAULT:
		return &f->u.a.page;
	default:
		return &f->u.r.page;
	}
}

/* The page @t holds in its top frame or waits on, or NULL. */
static const struct page *task_page(struct task *t)
{
	struct page **slot = t->depth && t->state == TASK_RUNNING ?
			     frame_page_slot(&t->stack[t->depth - 1]) : NULL;

	return slot && *slot ? *slot : t->wait_page;
}

/* The bytes an md5sum read of @f collected (FN_BUFFERED_READ only). */
static void frame_drop_md5(struct frame *f)
{
	if (f->fn == FN_BUFFERED_READ && f->u.r.md5) {
		bstream_free(f->u.r.md5);
		f->u.r.md5 = NULL;
	}
}

/* Drop the page references and buffers held by @t's frames. */
static void frame_release(struct kernel *k, struct task *t, struct frame *f)
{
	struct page **slot = frame_page_slot(f), *p;

	if (f->fn == FN_WRITEPAGES)
		iomap_discard_ioend(k, &f->u.r.wpc);
	if (f->fn == FN_FSYNC || f->fn == FN_SYNC_ALL)
		oracle_durable_end(k->oracle, f->u.r.token);
	if (!slot)
		return;
	p = *slot;
	*slot = NULL;
	frame_drop_md5(f);
	if (!p)
		return;
	if (page_test(p, PG_locked) && p->locker == t->id)
		folio_unlock(k, t, p);
	put_page(k, p);
}

void kernel_abort_call(struct kernel *k, struct proc *p)
{
	struct task *t = &p->task;

	task_wait_release(k, t);
	/* a read that returned, whose caller has not taken its bytes yet */
	if (t->state == TASK_RUNNING && t->depth < TASK_MAX_DEPTH)
		frame_drop_md5(&t->stack[t->depth]);
	while (t->state == TASK_RUNNING && t->depth > 0)
		frame_release(k, t, &t->stack[--t->depth]);
	t->state = TASK_IDLE;
}

bool kernel_done(const struct proc *p, struct sys_res *res)
{
	if (p->task.state == TASK_RUNNING)
		return false;
	if (res)
		*res = p->task.res;
	return true;
}

/*
 * task_wait_ready() without the call for a task that waits for nothing,
 * most of them: the scheduler asks about every task at every decision.
 */
static bool wait_ready(const struct task *t)
{
	return t->wait.kind == WAIT_NONE || task_wait_ready(t);
}

bool kernel_proc_runnable(const struct proc *p)
{
	return p->task.state == TASK_RUNNING && wait_ready(&p->task);
}

unsigned int kernel_nr_procs(const struct kernel *k)
{
	return k->procs->len;
}

int kernel_runnable(struct kernel *k, struct proc **out, int max)
{
	struct proc **procs = (struct proc **)k->procs->pdata;
	guint i, len = k->procs->len;
	int n = 0;

	for (i = 0; i < len && n < max; i++)
		if (kernel_proc_runnable(procs[i]))
			out[n++] = procs[i];
	return n;
}

bool kernel_has_events(const struct kernel *k)
{
	return !eventq_empty(&k->events);
}

static void check_after_step(struct kernel *k)
{
	uint64_t bound = k->cfg.step_bound ? k->cfg.step_bound :
					     DEFAULT_STEP_BOUND;

	check_step(k);
	if (!k->violation && k->steps - k->last_progress > bound)
		kernel_report(k, "deadlock",
			      "livelock: no system call returned in %llu steps",
			      (unsigned long long)bound);
}

/* A call returned: the per-call samples and block sweep. */
static void call_returned(struct kernel *k, struct task *t)
{
	if (t->proc != k->kswapd && t->proc != k->flusher)
		k->last_progress = k->steps;	/* kthreads' calls are no sign */
	kernel_sample_saved(k);
	perf_call_returned(k, t);
	trace_emit(k, TR_OP_END, t, "", "", 0,
		   t->res.err ? -(int64_t)t->res.err : (int64_t)t->res.done);
	check_call(k);
}

int kernel_step(struct kernel *k, struct proc *p)
{
	struct task *t = &p->task;
	char obj[64];

	if (k->violation)
		return -1;
	if (t->state != TASK_RUNNING || !task_wait_ready(t))
		return 0;
	obj[0] = 0;
	if (k->tracer)		/* formatting it costs more than most steps */
		frame_object(t, obj, sizeof(obj));
	task_step(k, t);
	perf_step_cost(k);
	if (k->cov)
		cov_note(k->cov, t->step_name, task_page(t));
	trace_emit(k, TR_STEP, t, t->step_name, obj, 0, 0);
	check_after_step(k);
	if (t->state != TASK_RUNNING && !k->violation)
		call_returned(k, t);
	return k->violation ? -1 : 0;
}

/* bio_end_io(), noted in the model coverage first. */
static void bio_end_io_noted(struct kernel *k, struct bio *bio)
{
	if (k->cov)
		cov_note(k->cov, bio->write ? "bio_end_io(write)" :
					      "bio_end_io(read)", bio->page);
	bio_end_io(k, bio);
}

void kernel_set_coverage(struct kernel *k, struct model_cov *cov)
{
	k->cov = cov;
}

int kernel_fire_event(struct kernel *k)
{
	const struct event *next = eventq_peek(&k->events);
	struct event ev;

	if (k->violation)
		return -1;
	if (next)
		perf_time_passes(k, next->time);
	if (!eventq_pop(&k->events, &ev))
		return 0;
	if (ev.type == KEV_BIO_END)
		bio_end_io_noted(k, ev.obj);
	else if (ev.type == KEV_LOG_WORKER)
		log_worker(k);
	else if (k->flusher && ev.obj == &k->flusher->task)
		flusher_wake(k);
	else if (ev.type == KEV_TIMER)
		((struct task *)ev.obj)->timer_fired = true;
	check_after_step(k);
	return k->violation ? -1 : 0;
}

/* The ioends @t's writeback frames gathered: never submitted now. */
static void discard_ioends(struct kernel *k, struct task *t)
{
	int i;

	for (i = 0; t->state == TASK_RUNNING && i < t->depth; i++)
		if (t->stack[i].fn == FN_WRITEPAGES)
			iomap_discard_ioend(k, &t->stack[i].u.r.wpc);
}

/**
 * kernel_discard_io - drop every pending bio: it never completes (a power
 * cut, or teardown).  Timers of sleeping tasks survive a crash when
 * @keep_timers (processes that sleep are not I/O).
 */
void kernel_discard_io(struct kernel *k, bool keep_timers)
{
	GArray *timers = g_array_new(FALSE, FALSE, sizeof(struct event));
	vtime_t now = k->events.now;
	struct event ev;
	guint i;

	for (i = 0; i < k->procs->len; i++)
		discard_ioends(k, &((struct proc *)g_ptr_array_index(k->procs,
								     i))->task);
	while (eventq_pop(&k->events, &ev)) {
		if (ev.type == KEV_BIO_END)
			bio_discard(k, ev.obj);
		else if (keep_timers)
			g_array_append_val(timers, ev);
	}
	k->events.now = now;		/* popping is not time passing */
	for (i = 0; i < timers->len; i++) {
		struct event *t = &g_array_index(timers, struct event, i);

		eventq_push(&k->events, t->time > k->events.now ?
			    t->time - k->events.now : 0, t->type, t->obj);
	}
	g_array_free(timers, TRUE);
}

/* ------------------------------------------------------------ deadlock */

/* The task ids @t waits for (holders of its lock), or 0 for I/O. */
static int wait_holders(const struct task *t, int *ids, int max)
{
	const struct rwsem *s = t->wait.obj;
	const struct page *p = t->wait.obj;
	int n = 0, i;

	switch (t->wait.kind) {
	case WAIT_RWSEM_WRITE:
		for (i = 0; i < s->readers && i < 8 && n < max; i++)
			ids[n++] = s->reader_ids[i];
		/* fall through */
	case WAIT_RWSEM_READ:
		if (s->writer && n < max)
			ids[n++] = s->writer - 1;
		return n;
	case WAIT_PAGE_LOCK:
		if (p->locker >= 0)
			ids[n++] = p->locker;
		return n;
	default:
		return 0;
	}
}

static void wait_describe(const struct task *t, char *buf, size_t n)
{
	const struct rwsem *s = t->wait.obj;
	const struct page *p = t->wait.obj;

	switch (t->wait.kind) {
	case WAIT_RWSEM_READ:
	case WAIT_RWSEM_WRITE:
		snprintf(buf, n, "%s of %llu (%s)", s->name,
			 (unsigned long long)s->owner_obj,
			 t->wait.kind == WAIT_RWSEM_READ ? "read" : "write");
		break;
	case WAIT_PAGE_LOCK:
		snprintf(buf, n, "lock of page %llu", (unsigned long long)p->id);
		break;
	case WAIT_PAGE_WRITEBACK:
		snprintf(buf, n, "writeback of page %llu",
			 (unsigned long long)p->id);
		break;
	case WAIT_TIMER:
		snprintf(buf, n, "a timer");
		break;
	case WAIT_BIO_TAG:
		snprintf(buf, n, "a request tag");
		break;
	default:
		snprintf(buf, n, "direct I/O");
	}
}

static struct task *task_by_id(struct kernel *k, int id)
{
	guint i;

	for (i = 0; i < k->procs->len; i++) {
		struct proc *p = g_ptr_array_index(k->procs, i);

		if (p->task.id == id)
			return &p->task;
	}
	return NULL;
}

/* Depth-first search for a cycle through @t; @path holds the visit. */
static bool find_cycle(struct kernel *k, struct task *t, struct task **path,
		       int depth, int *len)
{
	int ids[16], n, i, j;

	for (j = 0; j < depth; j++) {
		if (path[j] == t) {
			memmove(path, path + j, (depth - j) * sizeof(*path));
			*len = depth - j;
			return true;
		}
	}
	if (depth == 32 || t->state != TASK_RUNNING || task_wait_ready(t))
		return false;
	path[depth] = t;
	n = wait_holders(t, ids, 16);
	for (i = 0; i < n; i++) {
		struct task *h = task_by_id(k, ids[i]);

		if (h && find_cycle(k, h, path, depth + 1, len))
			return true;
	}
	return false;
}

static void report_cycle(struct kernel *k, struct task **cycle, int len)
{
	GString *s = g_string_new("cycle");
	char what[64];
	int i;

	for (i = 0; i < len; i++) {
		wait_describe(cycle[i], what, sizeof(what));
		g_string_append_printf(s, " %s (%s in %s, waits for %s) ->",
				       cycle[i]->proc->thread,
				       sys_kind_name(cycle[i]->req.kind),
				       cycle[i]->step_name ?
				       cycle[i]->step_name : "-", what);
	}
	g_string_append_printf(s, " %s", cycle[0]->proc->thread);
	k->current = NULL;
	kernel_report(k, "deadlock", "%s", s->str);
	g_string_free(s, TRUE);
}

/**
 * kernel_stuck - nothing can run and no event is pending: report why.
 * Return: -1 (a deadlock violation is always recorded).
 */
int kernel_stuck(struct kernel *k)
{
	struct task *path[33];
	char what[64];
	guint i;
	int len;

	for (i = 0; i < k->procs->len; i++) {
		struct proc *p = g_ptr_array_index(k->procs, i);

		if (find_cycle(k, &p->task, path, 0, &len)) {
			report_cycle(k, path, len);
			return -1;
		}
	}
	for (i = 0; i < k->procs->len && !k->violation; i++) {
		struct task *t = &((struct proc *)
				   g_ptr_array_index(k->procs, i))->task;

		if (t->state != TASK_RUNNING)
			continue;
		wait_describe(t, what, sizeof(what));
		k->current = t;
		kernel_report(k, "deadlock", "%s waits forever for %s in %s",
			      t->proc->thread, what,
			      t->step_name ? t->step_name : "-");
	}
	if (!k->violation)
		kernel_report(k, "deadlock", "no task can run");
	return -1;
}

/*
 * kernel_wait: the loop for one caller.  Its own task runs whenever it
 * can; other runnable tasks (kernel threads) next, in pid order; time
 * passes only when nothing can run.
 */
int kernel_wait(struct kernel *k, struct proc *p, struct sys_res *res)
{
	struct proc *run[8];

	while (!kernel_done(p, res) && !k->violation) {
		if (wait_ready(&p->task))
			kernel_step(k, p);
		else if (kernel_runnable(k, run, 8))
			kernel_step(k, run[0]);
		else if (kernel_has_events(k))
			kernel_fire_event(k);
		else
			kernel_stuck(k);
	}
	kernel_done(p, res);
	return k->violation ? -1 : 0;
}

int kernel_syscall(struct kernel *k, struct proc *p, const struct sys_req *req,
		   struct sys_res *res)
{
	if (k->violation)
		return -1;
	kernel_submit(k, p, req);
	return kernel_wait(k, p, res);
}
