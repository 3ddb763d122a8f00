// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/fuzz_parser.c - coverage-guided fuzzing of the scenario
 * parser: bytes -> scenario_parse_string().
 *
 * Scope: the bytes are the text of a .pcs file.  The parser must never
 * crash, leak or hang on them; rejecting them is fine (the error is freed).
 * An accepted text must satisfy the invariants sim/scenario.h promises of
 * a parsed scenario, checked here: a breach is printed and abort()ed.
 *
 * Parse only: an accepted text is not run.  Arbitrary text can ask for
 * work without bound (pwrite -b 1 0 1t, sleep 9e18 under a 1 ns flusher
 * interval), so running it would make the harness hang, not find bugs;
 * fuzz_scenario.c runs generated scenarios instead.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"
#include "tests/fuzz/harness.h"

#define MAX_OFF		(UINT64_MAX >> 1)	/* offsets, lengths < 2^63 */

static const struct scenario *cur;	/* for breach() only */

static void __attribute__((noreturn)) breach(const char *what, int lineno)
{
	fprintf(stderr, "pcsim-fuzz-parser: accepted scenario breaks an "
		"invariant of sim/scenario.h: %s (line %d; %d lines, %d "
		"threads, %d sections, %d schedule entries)\n", what, lineno,
		cur->nlines, cur->nthreads, cur->nsections, cur->nsched);
	abort();
}

/* [A-Za-z0-9._+-]+ components joined by '/', none empty, "." or "..". */
static bool good_file(const char *s)
{
	size_t n;

	if (!s || !*s)
		return false;
	for (;; s += n + 1) {
		n = strcspn(s, "/");
		if (!n || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
			   "vwxyz0123456789._+-") < n)
			return false;
		if (!s[n])
			return true;
	}
}

/* [A-Za-z][A-Za-z0-9_-]{0,15}, neither "irq" nor "main". */
static bool good_thread_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > 16 || !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"abcdefghijklmnopqrstuvwxyz", s[0]))
		return false;
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789_-") != n)
		return false;
	return strcmp(s, "irq") && strcmp(s, "main");
}

static void check_cmd(const struct io_cmd *c, int lineno)
{
	if (c->off > MAX_OFF || c->len > MAX_OFF || c->src_off > MAX_OFF)
		breach("offset or length >= 2^63", lineno);
	if (c->pattern < 0 || c->pattern > 255)
		breach("pattern outside 0..255", lineno);
	if ((c->kind == IO_REFLINK || c->kind == IO_DEDUPE) &&
	    !good_file(c->src))
		breach("bad source file name", lineno);
}

static void check_files(char *const *files, int n, int lineno)
{
	int i;

	if (n < 1)
		breach("no file names", lineno);
	for (i = 0; i < n; i++)
		if (!good_file(files[i]))
			breach("bad file name", lineno);
}

/* What the line's kind stores: names and numbers in range. */
static void check_payload(const struct sc_line *l)
{
	int i;

	switch (l->kind) {
	case SC_XFS_IO:
		check_files(&l->u.xio.file, 1, l->lineno);
		for (i = 0; i < l->u.xio.ncmds; i++)
			check_cmd(&l->u.xio.cmds[i], l->lineno);
		break;
	case SC_CP_REFLINK:
		check_files(&l->u.cp.src, 1, l->lineno);
		check_files(&l->u.cp.dst, 1, l->lineno);
		break;
	case SC_MD5SUM:
	case SC_RM:
		check_files(l->u.files.files, l->u.files.nfiles, l->lineno);
		break;
	case SC_SLEEP:
		if (!l->u.sleep_ns || l->u.sleep_ns > MAX_OFF)
			breach("sleep outside 1..2^63-1 ns", l->lineno);
		break;
	default:
		break;
	}
}

/* Thread, section and file order of every line; @section_of[t]: t's. */
static void check_lines(int *section_of)
{
	int i, prev = 0;

	for (i = 0; i < cur->nlines; i++) {
		const struct sc_line *l = &cur->lines[i];

		if (l->lineno <= prev)
			breach("lines out of file order", l->lineno);
		prev = l->lineno;
		if (l->thread < 0 || l->thread > cur->nthreads ||
		    l->section < 0 || l->section > cur->nsections ||
		    !l->thread != !l->section)
			breach("bad thread or section of a line", l->lineno);
		if (l->thread && section_of[l->thread] &&
		    section_of[l->thread] != l->section)
			breach("thread spans two sections", l->lineno);
		if (l->thread)
			section_of[l->thread] = l->section;
		check_payload(l);
	}
}

/* Names valid and unique; each thread has lines; at most 64 a section. */
static void check_threads(const int *section_of)
{
	int i, j, n;

	if (cur->nthreads > 1024)
		breach("more than 1024 threads", 0);
	for (i = 1; i <= cur->nthreads; i++) {
		if (!good_thread_name(cur->threads[i - 1]))
			breach("bad thread name", 0);
		if (!section_of[i])
			breach("a thread without lines", 0);
		for (j = 1, n = 0; j <= cur->nthreads; j++)
			n += section_of[j] == section_of[i];
		if (n > 64)
			breach("more than 64 threads in a section", 0);
		for (j = 1; j < i; j++)
			if (!strcmp(cur->threads[j - 1], cur->threads[i - 1]))
				breach("duplicate thread name", 0);
	}
}

/* 1-based index of thread @name, or 0. */
static int thread_index(const char *name)
{
	int i;

	for (i = 0; i < cur->nthreads; i++)
		if (name && !strcmp(cur->threads[i], name))
			return i + 1;
	return 0;
}

/* Each entry: a declared thread; "irq" or a thread of its section. */
static void check_sched(const int *section_of)
{
	int i, t, u;

	for (i = 0; i < cur->nsched; i++) {
		const struct sc_sched *e = &cur->sched[i];

		t = thread_index(e->thread);
		if (!t || e->n < 1 || !e->op || !e->step || !e->target)
			breach("bad schedule entry", e->lineno);
		if (!strcmp(e->target, "irq"))
			continue;
		u = thread_index(e->target);
		if (!u || section_of[u] != section_of[t])
			breach("schedule target outside the section",
			       e->lineno);
	}
}

static void check_scenario(const struct scenario *sc)
{
	int *section_of;

	cur = sc;
	if (sc->nlines < 0 || sc->nthreads < 0 || sc->nsched < 0 ||
	    sc->nsections < 0 || sc->nsections > sc->nthreads)
		breach("negative or inconsistent counts", 0);
	section_of = calloc((size_t)sc->nthreads + 1, sizeof(*section_of));
	if (!section_of)
		abort();
	check_lines(section_of);
	check_threads(section_of);
	check_sched(section_of);
	free(section_of);
	cur = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario sc;
	char *err = NULL;

	if (scenario_parse_string("fuzz.pcs", (const char *)data, size, &sc,
				  &err)) {
		free(err);
		return 0;
	}
	check_scenario(&sc);
	scenario_free(&sc);
	return 0;
}
