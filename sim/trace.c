// SPDX-License-Identifier: MIT
/*
 * sim/trace.c - the trace writers: text, JSON Lines, Chrome trace-event JSON.
 *
 * Scope: turn the struct trace_event stream of sim/trace.h into a file, one
 * event at a time (a run may report millions; only stdio buffers).  One
 * table, kind_forms[], says how each kind of event looks in every format:
 *
 *   text      [0.000100] T1 pwrite/iomap_write_iter inode 2 off 4096
 *   jsonl     {"seq":3,"time_ns":100,"kind":"step","tid":1,...}
 *   perfetto  {"traceEvents":[ ... ],"displayTimeUnit":"ns"}, for
 *             ui.perfetto.dev and chrome://tracing (docs/TRACES.md)
 *
 * In the perfetto format each run (its seq restarts at 0) is one process,
 * pid 1, 2, ...; each task one thread track, named by a thread_name
 * metadata event the first time it appears; tid 0 is the "irq" track.
 * The JSON stays valid whenever the run stops: objects are separated by
 * commas as they are written and trace_writer_close() adds the brackets.
 *
 * Determinism: the output is a function of the events only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sim/output.h"
#include "sim/trace.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* stdio buffer of a trace file */
#define TRACE_BUFSZ	(1u << 16)

/* Where an event's name (perfetto) or head word (text) comes from. */
enum name_src {
	NAME_FIXED,	/* kind_form.name */
	NAME_OP,	/* the system call */
	NAME_STEP,	/* the step; "op/step" in text */
};

/* How one kind of event looks in each format. */
struct kind_form {
	const char *kind;	/* jsonl "kind" */
	enum name_src src;
	const char *name;	/* NAME_FIXED: text head, perfetto name */
	const char *word;	/* text: after the head and bio number */
	bool thread;		/* text: starts with the thread */
	bool io;		/* io_id is meaningful */
	bool result;		/* result is meaningful */
	bool object;		/* text: ends with the object */
	const char *ph;		/* perfetto phase */
	const char *scope;	/* perfetto instant scope, or NULL */
	const char *cat;	/* perfetto category */
	const char *arg;	/* perfetto args key of the object, or NULL */
	bool irq;		/* perfetto: on the irq track (tid 0) */
};

static const struct kind_form kind_forms[] = {
	[TR_OP_BEGIN] = {
		.kind = "op_begin", .src = NAME_OP, .word = "begin",
		.thread = true, .ph = "B", .cat = "syscall",
	},
	[TR_STEP] = {
		.kind = "step", .src = NAME_STEP, .thread = true,
		.object = true, .ph = "i", .scope = "t", .cat = "step",
		.arg = "object",
	},
	[TR_OP_END] = {
		.kind = "op_end", .src = NAME_OP, .word = "end",
		.thread = true, .result = true, .ph = "E", .cat = "syscall",
	},
	[TR_IO_SUBMIT] = {
		.kind = "io_submit", .name = "bio", .word = "submit",
		.thread = true, .io = true, .object = true, .ph = "b",
		.cat = "io", .arg = "object",
	},
	[TR_IO_END] = {
		.kind = "io_end", .name = "bio", .word = "end",
		.thread = true, .io = true, .object = true, .ph = "e",
		.cat = "io", .arg = "object",
	},
	[TR_VIOLATION] = {
		.kind = "violation", .name = "VIOLATION", .object = true,
		.ph = "i", .scope = "g", .cat = "violation",
		.arg = "message",
	},
	[TR_SCHED] = {
		.kind = "sched", .name = "sched", .object = true,
		.ph = "i", .scope = "t", .cat = "sched", .arg = "object",
		.irq = true,
	},
};

struct trace_writer {
	FILE *f;
	bool own;		/* opened here: closed by trace_writer_close */
	const struct trace_ops *ops;
	unsigned int pid;	/* perfetto: the run, from 1 */
	uint64_t nobj;		/* perfetto: JSON objects written */
	GHashTable *tids;	/* perfetto: tids named in this run */
};

struct trace_ops {
	const char *name;
	void (*begin)(struct trace_writer *w);
	void (*event)(struct trace_writer *w, const struct trace_event *ev,
		      const struct kind_form *form);
	void (*end)(struct trace_writer *w);
};

/* The perfetto name, or the text head of a NAME_STEP event without "op/". */
static const char *event_name(const struct trace_event *ev,
			      const struct kind_form *form)
{
	switch (form->src) {
	case NAME_OP:
		return ev->op;
	case NAME_STEP:
		return ev->step;
	default:
		return form->name;
	}
}

/* ---------------------------------------------------------------- text --- */

/* @s, every line after the first indented: only events start with '['. */
static void text_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		putc(*s, f);
		if (*s == '\n')
			fputs("  ", f);
	}
}

static void text_event(struct trace_writer *w, const struct trace_event *ev,
		       const struct kind_form *form)
{
	FILE *f = w->f;

	fprintf(f, "[%" PRIu64 ".%06" PRIu64 "] ", ev->time / 1000000000,
		ev->time / 1000 % 1000000);
	if (form->thread) {
		text_str(f, ev->thread);
		putc(' ', f);
	}
	if (form->src == NAME_STEP && *ev->op) {
		text_str(f, ev->op);
		putc('/', f);
	}
	text_str(f, event_name(ev, form));
	if (form->io)
		fprintf(f, " %" PRIu64, ev->io_id);
	if (form->word)
		fprintf(f, " %s", form->word);
	if (form->object && *ev->object) {
		putc(' ', f);
		text_str(f, ev->object);
	}
	if (form->result)
		fprintf(f, " = %" PRId64, ev->result);
	putc('\n', f);
}

/* --------------------------------------------------------------- jsonl --- */

/* Write ,"@key":"@val". */
static void json_member(FILE *f, const char *key, const char *val)
{
	fprintf(f, ",\"%s\":", key);
	out_json_string(f, val);
}

static void jsonl_event(struct trace_writer *w, const struct trace_event *ev,
			const struct kind_form *form)
{
	FILE *f = w->f;

	fprintf(f, "{\"seq\":%" PRIu64 ",\"time_ns\":%" PRIu64, ev->seq,
		ev->time);
	json_member(f, "kind", form->kind);
	fprintf(f, ",\"tid\":%d", ev->tid);
	json_member(f, "thread", ev->thread);
	json_member(f, "op", ev->op);
	json_member(f, "step", ev->step);
	json_member(f, "object", ev->object);
	if (form->io)
		fprintf(f, ",\"io\":%" PRIu64, ev->io_id);
	if (form->result)
		fprintf(f, ",\"result\":%" PRId64, ev->result);
	fputs("}\n", f);
}

/* ------------------------------------------------------------ perfetto --- */

static void pf_begin(struct trace_writer *w)
{
	w->tids = g_hash_table_new(g_direct_hash, g_direct_equal);
	fputs("{\"traceEvents\":[", w->f);
}

/* Start the next object of traceEvents: {"name":@name,"ph":@ph, */
static void pf_open(struct trace_writer *w, const char *name, const char *ph)
{
	fputs(w->nobj++ ? ",\n{\"name\":" : "\n{\"name\":", w->f);
	out_json_string(w->f, name);
	fprintf(w->f, ",\"ph\":\"%s\",", ph);
}

/* A process_name or thread_name metadata event. */
static void pf_meta(struct trace_writer *w, const char *what, int tid,
		    const char *name)
{
	pf_open(w, what, "M");
	fprintf(w->f, "\"pid\":%u,\"tid\":%d,\"args\":{\"name\":", w->pid,
		tid);
	out_json_string(w->f, name);
	fputs("}}", w->f);
}

/* A new run (seq 0) is a new process; name it and forget its threads. */
static void pf_track(struct trace_writer *w, const struct trace_event *ev,
		     int tid)
{
	if (!w->pid || !ev->seq) {
		char name[32];

		snprintf(name, sizeof(name), "run %u", ++w->pid);
		pf_meta(w, "process_name", 0, name);
		g_hash_table_remove_all(w->tids);
	}
	if (g_hash_table_contains(w->tids, GINT_TO_POINTER(tid)))
		return;
	g_hash_table_add(w->tids, GINT_TO_POINTER(tid));
	pf_meta(w, "thread_name", tid, tid ? ev->thread : "irq");
}

static void pf_event(struct trace_writer *w, const struct trace_event *ev,
		     const struct kind_form *form)
{
	FILE *f = w->f;
	int tid = form->irq ? 0 : ev->tid;

	pf_track(w, ev, tid);
	pf_open(w, event_name(ev, form), form->ph);
	fprintf(f, "\"cat\":\"%s\",", form->cat);
	if (form->scope)
		fprintf(f, "\"s\":\"%s\",", form->scope);
	if (form->io)
		fprintf(f, "\"id\":%" PRIu64 ",", ev->io_id);
	fprintf(f, "\"ts\":%" PRIu64 ".%03u,\"pid\":%u,\"tid\":%d",
		ev->time / 1000, (unsigned int)(ev->time % 1000), w->pid, tid);
	if (form->arg) {
		fprintf(f, ",\"args\":{\"%s\":", form->arg);
		out_json_string(f, ev->object);
		putc('}', f);
	} else if (form->result) {
		fprintf(f, ",\"args\":{\"result\":%" PRId64 "}", ev->result);
	}
	putc('}', f);
}

static void pf_end(struct trace_writer *w)
{
	fputs("\n],\n\"displayTimeUnit\":\"ns\"}\n", w->f);
	g_hash_table_destroy(w->tids);
}

/* ------------------------------------------------------------- writers --- */

static const struct trace_ops trace_ops[] = {
	[TRACE_TEXT] = { .name = "text", .event = text_event },
	[TRACE_JSONL] = { .name = "jsonl", .event = jsonl_event },
	[TRACE_PERFETTO] = {
		.name = "perfetto", .begin = pf_begin, .event = pf_event,
		.end = pf_end,
	},
};

int trace_format_parse(const char *name, enum trace_format *out)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(trace_ops); i++) {
		if (!strcmp(name, trace_ops[i].name)) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

static bool format_valid(enum trace_format fmt)
{
	return (size_t)fmt < ARRAY_SIZE(trace_ops);
}

struct trace_writer *trace_writer_stream(FILE *f, enum trace_format fmt)
{
	struct trace_writer *w;

	if (!format_valid(fmt)) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->f = f;
	w->ops = &trace_ops[fmt];
	if (w->ops->begin)
		w->ops->begin(w);
	return w;
}

struct trace_writer *trace_writer_open(const char *path,
				       enum trace_format fmt)
{
	struct trace_writer *w;
	FILE *f;
	int err;

	if (!format_valid(fmt)) {
		errno = EINVAL;
		return NULL;
	}
	f = fopen(path, "w");
	if (!f)
		return NULL;
	setvbuf(f, NULL, _IOFBF, TRACE_BUFSZ);
	w = trace_writer_stream(f, fmt);
	if (!w) {
		err = errno;
		fclose(f);
		errno = err;
		return NULL;
	}
	w->own = true;
	return w;
}

static void trace_writer_emit(void *ctx, const struct trace_event *ev)
{
	struct trace_writer *w = ctx;

	/* A kind this file does not know (a newer model) is left out. */
	if ((size_t)ev->kind >= ARRAY_SIZE(kind_forms))
		return;
	w->ops->event(w, ev, &kind_forms[ev->kind]);
}

struct tracer trace_writer_tracer(struct trace_writer *w)
{
	return (struct tracer){ .emit = trace_writer_emit, .ctx = w };
}

int trace_writer_close(struct trace_writer *w)
{
	int ret;

	if (!w)
		return 0;
	if (w->ops->end)
		w->ops->end(w);
	ret = ferror(w->f) ? -1 : 0;
	// cppcheck-suppress useClosedFile ; w->f is open until this fclose
	if (w->own ? fclose(w->f) : fflush(w->f))
		ret = -1;
	free(w);
	return ret;
}
