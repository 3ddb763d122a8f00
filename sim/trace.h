/* SPDX-License-Identifier: MIT */
/*
 * sim/trace.h - the event stream of a run, and its writers.
 *
 * Scope: the model reports what happens - an operation starting and
 * ending, each step it runs, each bio submitted and completed, each
 * violation, each scheduling decision - as struct trace_event, through the
 * callback in struct tracer.  The writers (sim/trace.c) turn the stream into
 * text lines, JSON Lines, or Chrome trace-event JSON for ui.perfetto.dev.
 *
 * Determinism: every field is a function of the scenario, the seed and the
 * schedule; nothing is a pointer value or a wall-clock time, so the same
 * run gives a byte-identical trace.
 *
 * Lifetime: the strings of an event are valid only during the callback.
 */
#ifndef PCSIM_SIM_TRACE_H
#define PCSIM_SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum trace_kind {
	TR_OP_BEGIN,	/* a system call starts on a task */
	TR_STEP,	/* the task ran one step (after it ran) */
	TR_OP_END,	/* the system call returned (@result) */
	TR_IO_SUBMIT,	/* a bio was submitted (@io_id, @object) */
	TR_IO_END,	/* that bio completed */
	TR_VIOLATION,	/* an invariant broke (@object: the message) */
	TR_SCHED,	/* a scheduling decision (@object: what was chosen) */
};

struct trace_event {
	enum trace_kind kind;
	uint64_t time;		/* virtual ns */
	uint64_t seq;		/* 0, 1, 2, ... per run */
	int tid;		/* task id; 0 for interrupt context */
	const char *thread;	/* scenario thread or task name, "irq" */
	const char *op;		/* system call, e.g. "pwrite"; "" if none */
	const char *step;	/* step name, e.g. "iomap_writepage_map" */
	const char *object;	/* "inode 2 index 5", "block 42", ... */
	uint64_t io_id;		/* TR_IO_*: the bio's number */
	int64_t result;		/* TR_OP_END: return value or -errno */
};

struct tracer {
	void (*emit)(void *ctx, const struct trace_event *ev);
	void *ctx;
};

enum trace_format {
	TRACE_TEXT,
	TRACE_JSONL,
	TRACE_PERFETTO,
};

struct trace_writer;

/* Parse "text" / "jsonl" / "perfetto".  Return: 0, or -1 if unknown. */
int trace_format_parse(const char *name, enum trace_format *out);

/*
 * trace_writer_open - a writer of @fmt to the file @path (created or
 * truncated).  Return: NULL with errno set if the file cannot be opened.
 */
struct trace_writer *trace_writer_open(const char *path,
				       enum trace_format fmt);
/* The same, to an open stream (tests); the stream is not closed. */
struct trace_writer *trace_writer_stream(FILE *f, enum trace_format fmt);
/* The tracer that feeds @w. */
struct tracer trace_writer_tracer(struct trace_writer *w);
/* Finish the file (closing brackets for perfetto).  Return: 0 or -1. */
int trace_writer_close(struct trace_writer *w);

#endif /* PCSIM_SIM_TRACE_H */
