// SPDX-License-Identifier: MIT
/*
 * sim/extents.c - the normalised end-of-run state of files (sim/extents.h).
 *
 * Runs are accumulated one range at a time and merged while they are
 * adjacent and of the same kind, so that the text is canonical: two states
 * with the same blocks, kinds and pages print the same, however the model
 * split its extents.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "model/sys.h"
#include "sim/extents.h"

typedef unsigned long long ull;

struct dump {
	struct kernel *k;
	FILE *f;
	uint64_t bs;			/* block (= page) size */
};

/* The line being written: its pending run and the file's EOF block. */
struct runs {
	FILE *f;
	uint64_t bs;			/* block (= page) size */
	uint64_t eof;			/* first block at or beyond EOF */
	uint64_t first, last;		/* pending run, inclusive */
	char kind[4];			/* its kind, "" for pages */
	bool pending, any;
};

static void runs_flush(struct runs *r)
{
	if (!r->pending)
		return;
	fprintf(r->f, " %llu", (ull)r->first);
	if (r->last != r->first)
		fprintf(r->f, "-%llu", (ull)r->last);
	if (r->kind[0])
		fprintf(r->f, ":%s", r->kind);
	r->pending = false;
	r->any = true;
}

/* Blocks [@first, @end) of @kind, clipped to EOF. */
static void runs_add(struct runs *r, uint64_t first, uint64_t end,
		     const char *kind)
{
	if (end > r->eof)
		end = r->eof;
	if (first >= end)
		return;
	if (r->pending && r->last + 1 == first &&
	    !strcmp(r->kind, kind)) {
		r->last = end - 1;
		return;
	}
	runs_flush(r);
	r->first = first;
	r->last = end - 1;
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	r->pending = true;
}

static void runs_end(struct runs *r)
{
	runs_flush(r);
	fputs(r->any ? "\n" : " -\n", r->f);
}

/* `d`, `u` or `D`, then `s` if shared. */
static void extent_kind(unsigned int flags, char kind[4])
{
	int n = 0;

	if (flags & SYS_FIEMAP_DELALLOC)
		kind[n++] = 'D';
	else
		kind[n++] = flags & SYS_FIEMAP_UNWRITTEN ? 'u' : 'd';
	if (flags & SYS_FIEMAP_SHARED)
		kind[n++] = 's';
	kind[n] = '\0';
}

static void on_extent(void *arg, uint64_t off, uint64_t len,
		      unsigned int flags)
{
	struct runs *r = arg;
	char kind[4];

	extent_kind(flags, kind);
	runs_add(r, off / r->bs, (off + len + r->bs - 1) / r->bs, kind);
}

static void on_page(void *arg, uint64_t index)
{
	runs_add(arg, index, index + 1, "");
}


/* Start a line "NAME WHAT" whose runs end at block @eof. */
static void runs_start(struct runs *r, const struct dump *d, const char *name,
		       const char *what, uint64_t eof)
{
	*r = (struct runs){ .f = d->f, .bs = d->bs, .eof = eof };
	fprintf(d->f, "%s %s", name, what);
}

static void dump_file(void *arg, const char *name)
{
	struct dump *d = arg;
	struct runs r;
	uint64_t size = 0, eof;

	kernel_file_size(d->k, name, &size);
	eof = (size + d->bs - 1) / d->bs;
	fprintf(d->f, "%s size %llu\n", name, (ull)size);
	runs_start(&r, d, name, "extents", eof);
	kernel_fiemap(d->k, name, on_extent, &r);
	runs_end(&r);
	runs_start(&r, d, name, "cached", eof);
	kernel_mincore(d->k, name, on_page, &r);
	runs_end(&r);
}

void extents_dump(struct kernel *k, FILE *f)
{
	struct sys_stats st;
	struct dump d = { .k = k, .f = f };

	kernel_stats(k, &st);
	d.bs = st.page_size;
	kernel_for_each_name(k, dump_file, &d);
}

void extents_at_end(void *arg, struct kernel *k)
{
	extents_dump(k, arg);
}
