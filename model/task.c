// SPDX-License-Identifier: MIT
/*
 * model/task.c - the step-machine calling convention, traces and violations.
 *
 * Scope: pushing and popping frames, dispatching one step of a task, the
 * polled wait conditions, the trace ring and violation reporting.  Knows
 * nothing of any particular operation.
 *
 * Invariant: a task in TASK_RUNNING has depth >= 1; its top frame's pc names
 * the next step to run.  A blocked task's wait.kind != WAIT_NONE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/core.h"
#include "model/never.h"
#include "sim/trace.h"

typedef enum step_result (*step_fn)(struct kernel *, struct task *,
				    struct frame *);

static const step_fn step_fns[FN_MAX] = {
	[FN_SYSCALL] = fn_syscall,
	[FN_BUFFERED_WRITE] = fn_buffered_write,
	[FN_BUFFERED_READ] = fn_buffered_read,
	[FN_DIO_WRITE] = fn_dio_write,
	[FN_DIO_READ] = fn_dio_read,
	[FN_WRITE_AND_WAIT] = fn_write_and_wait,
	[FN_WRITEPAGES] = fn_writepages,
	[FN_FDATAWAIT] = fn_fdatawait,
	[FN_FSYNC] = fn_fsync,
	[FN_SYNC_ALL] = fn_sync_all,
	[FN_MACCESS] = fn_maccess,
	[FN_FAULT] = fn_fault,
	[FN_TRUNCATE] = fn_truncate,
	[FN_TRUNCATE_PAGES] = fn_truncate_pages,
	[FN_FALLOCATE] = fn_fallocate,
	[FN_ZERO_RANGE] = fn_zero_range,
	[FN_REMAP] = fn_remap,
	[FN_DAX_READ] = fn_dax_read,
	[FN_DAX_WRITE] = fn_dax_write,
	[FN_DAX_FAULT] = fn_dax_fault,
	[FN_NANOSLEEP] = fn_nanosleep,
	[FN_KSWAPD] = fn_kswapd,
};

/**
 * task_call - enter a callee frame.
 * @t:    the task.
 * @fn:   the callee's step function.
 * @init: its initial locals (pc and ret are reset).
 *
 * Context: the caller has already advanced its own pc to the step that
 * consumes frame->ret.
 */
void task_call(struct task *t, enum fn_id fn, const struct frame *init)
{
	struct frame *f;

	if (NEVER(t->depth >= TASK_MAX_DEPTH))
		abort();	/* a model bug: call depth is static */
	f = &t->stack[t->depth++];
	*f = *init;
	f->fn = fn;
	f->pc = 0;
	f->ret = 0;
}

/* Enter @fn over bytes [@pos, @end) of @inode (struct range_locals). */
void task_call_range(struct task *t, enum fn_id fn, struct inode *inode,
		     uint64_t pos, uint64_t end)
{
	struct frame c = { 0 };

	c.u.r.inode = inode;
	c.u.r.pos = pos;
	c.u.r.end = end;
	task_call(t, fn, &c);
}

/* Pop the running frame, handing @ret to the caller. */
enum step_result task_return(struct task *t, int64_t ret)
{
	t->depth--;
	if (t->depth > 0)
		t->stack[t->depth - 1].ret = ret;
	else
		t->state = TASK_IDLE;
	return STEP_DONE;
}

/*
 * Block @t until the wait @kind on @obj is over.  A task waiting for a page
 * holds a reference to it (folio_wait_bit takes one too), so a page that
 * is truncated and freed meanwhile stays valid to poll; task_step() drops
 * it before the retried step runs.
 */
enum step_result task_block(struct task *t, enum wait_kind kind, void *obj)
{
	t->wait.kind = kind;
	t->wait.obj = obj;
	if (kind == WAIT_PAGE_LOCK || kind == WAIT_PAGE_WRITEBACK) {
		get_page(obj);
		t->wait_page = obj;
	}
	return STEP_BLOCK;
}

/* Drop the reference task_block() took on a waited-for page. */
void task_wait_release(struct kernel *k, struct task *t)
{
	if (t->wait_page)
		put_page(k, t->wait_page);
	t->wait_page = NULL;
}

/* Is the condition a blocked task waits for now true? */
bool task_wait_ready(const struct task *t)
{
	const struct page *p = t->wait.obj;

	switch (t->wait.kind) {
	case WAIT_NONE:
		return true;
	case WAIT_RWSEM_READ:
		return rwsem_ready(t->wait.obj, false);
	case WAIT_RWSEM_WRITE:
		return rwsem_ready(t->wait.obj, true);
	case WAIT_PAGE_LOCK:
		return !page_test(p, PG_locked);
	case WAIT_PAGE_WRITEBACK:
		return !page_test(p, PG_writeback);
	case WAIT_DIO:
		return ((const struct inode *)t->wait.obj)->i_dio_count == 0;
	case WAIT_TIMER:
		return t->timer_fired;
	case WAIT_BIO_TAG:
		return blk_mq_tag_free(t->wait.obj);
	}
	return true;
}

/* Run one step of @t's top frame. */
enum step_result task_step(struct kernel *k, struct task *t)
{
	struct frame *f = &t->stack[t->depth - 1];

	task_wait_release(k, t);
	t->wait.kind = WAIT_NONE;
	k->current = t;
	k->steps++;
	return step_fns[f->fn](k, t, f);
}

/* The next line of the trace ring, stamped; NULL in quiet runs. */
static struct trace_line *trace_line_next(struct kernel *k, int kind)
{
	struct trace_line *l = &k->trace[k->trace_head];

	if (k->cfg.quiet)
		return NULL;
	k->trace_head = (k->trace_head + 1) % TRACE_RING;
	l->kind = kind;
	l->now = k->events.now;
	if (k->current)
		g_strlcpy(l->comm, k->current->comm, sizeof(l->comm));
	else
		l->comm[0] = 0;
	return l;
}

/* Append a line to the trace ring (kept for violation reports). */
void trace_step(struct kernel *k, const char *fmt, ...)
{
	struct trace_line *l = trace_line_next(k, TL_TEXT);
	va_list ap;

	if (!l)
		return;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

/* trace_step() of "submit_bio" or "bio_end_io", formatted when quoted. */
void trace_bio(struct kernel *k, bool end, bool write, uint64_t block)
{
	struct trace_line *l = trace_line_next(k, end ? TL_BIO_END :
							TL_BIO_SUBMIT);

	if (l) {
		l->write = write;
		l->block = block;
	}
}

static void trace_line_format(GString *s, const struct trace_line *l)
{
	g_string_append_printf(s, "\n    [%llu.%06llu] ",
			       (unsigned long long)(l->now / 1000000000ULL),
			       (unsigned long long)(l->now / 1000 % 1000000));
	if (l->comm[0])
		g_string_append_printf(s, "%s: ", l->comm);
	if (l->kind == TL_TEXT)
		g_string_append(s, l->text);
	else
		g_string_append_printf(s, "%s %s block %llu",
				       l->kind == TL_BIO_END ? "bio_end_io" :
							       "submit_bio",
				       l->write ? "WRITE" : "READ",
				       (unsigned long long)l->block);
}

/**
 * kernel_report - record an invariant violation.
 * @inv: the invariant's name (DESIGN.md section 5 names).
 *
 * Only the first violation of a run is kept: later ones are usually its
 * consequences.  The message names the invariant, the object, the step that
 * was running and the last trace lines.
 */
void kernel_report(struct kernel *k, const char *inv, const char *fmt, ...)
{
	GString *s;
	va_list ap;
	unsigned int i;

	if (k->violation)
		return;
	s = g_string_new(NULL);
	g_string_append_printf(s, "%s: ", inv);
	va_start(ap, fmt);
	g_string_append_vprintf(s, fmt, ap);
	va_end(ap);
	if (k->current)
		g_string_append_printf(s, " (task %s, step %s)",
				       k->current->comm,
				       k->current->step_name ?
				       k->current->step_name : "-");
	g_string_append(s, "\n  last trace lines:");
	for (i = 0; i < TRACE_RING; i++) {
		const struct trace_line *l =
			&k->trace[(k->trace_head + i) % TRACE_RING];

		if (l->kind != TL_NONE)
			trace_line_format(s, l);
	}
	k->violation = g_string_free(s, FALSE);
	trace_emit(k, TR_VIOLATION, k->current, "", k->violation, 0,
		   0);
}
