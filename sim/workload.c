// SPDX-License-Identifier: MIT
/*
 * sim/workload.c - realistic workload generators (sim/workload.h).
 */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/never.h"
#include "sim/cliopt.h"
#include "sim/workload.h"

#define KIB		1024ull
#define BLOCK		4096ull
#define MAX_FILES	100000ull	/* files, containers, clones, pairs */
#define MAX_OPS		1000000ull	/* reads, writes */
#define MAX_KIB		(1024ull * 1024)	/* 1 GiB: the default disk */

typedef unsigned long long ull;

struct wl_gen {
	uint64_t rng;		/* splitmix64 state */
	FILE *f;		/* the text */
};

/* ---------------------------------------------------------- numbers --- */

static uint64_t next(struct wl_gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in 0..n-1 (n >= 1; the modulo bias is below 2^-40). */
static uint64_t below(struct wl_gen *g, uint64_t n)
{
	return next(g) % n;
}

/* Uniform in lo..hi (lo <= hi). */
static uint64_t between(struct wl_gen *g, uint64_t lo, uint64_t hi)
{
	return lo + below(g, hi - lo + 1);
}

/* A fill byte for pwrite -S: never 0, so data differs from a hole. */
static unsigned int fill(struct wl_gen *g)
{
	return 1 + (unsigned int)below(g, 255);
}

/* A block-aligned offset of a 4 KiB block within @size (>= 4 KiB). */
static uint64_t block_off(struct wl_gen *g, uint64_t size)
{
	return below(g, size / BLOCK) * BLOCK;
}

/*
 * A 4 KiB overwrite within @size: its offset, then its fill byte.  Two
 * draws must never be arguments of one call: C leaves their order to the
 * compiler (gcc and clang differ), and the text must not.
 */
static void draw_write(struct wl_gen *g, uint64_t size, uint64_t *off,
		       unsigned int *byte)
{
	*off = block_off(g, size);
	*byte = fill(g);
}

static void line(struct wl_gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line(struct wl_gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(g->f, fmt, ap);
	va_end(ap);
	fputc('\n', g->f);
}

/* ------------------------------------------------------------- zipf --- */

/* Cumulative Zipf weights of ranks 1..n with exponent s (n >= 1). */
static double *zipf_cdf(uint64_t n, double s)
{
	double *cdf = malloc(n * sizeof(*cdf));
	double sum = 0;
	uint64_t i;

	if (NEVER(!cdf))
		abort();
	for (i = 0; i < n; i++) {
		sum += pow((double)(i + 1), -s);
		cdf[i] = sum;
	}
	return cdf;
}

/* A rank 0..n-1 drawn from @cdf (53 random bits). */
static uint64_t zipf_pick(struct wl_gen *g, const double *cdf, uint64_t n)
{
	double u = (double)(next(g) >> 11) / 9007199254740992.0 * cdf[n - 1];
	uint64_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ------------------------------------------------------------ units --- */

/*
 * Units of work (containers, VMs) that run one after another or, with
 * @threads > 1, concurrently: unit i on thread i % threads of one section
 * of `thread NAMEn` blocks.  While units are buffered, each unit's lines go
 * to its own buffer in the order they are generated, so the random stream,
 * and so every unit's lines, are the same whatever the number of threads;
 * with @threads <= 1 nothing is buffered and the text is what a sequential
 * generator would write.
 */
struct wl_units {
	FILE *out;		/* the scenario text */
	uint64_t n, threads;	/* threads: at most n, at most 64 */
	FILE **f;		/* per unit; NULL when sequential */
	char **buf;
	size_t *len;
};

static void units_begin(struct wl_gen *g, struct wl_units *u, uint64_t n,
			uint64_t threads)
{
	uint64_t i;

	memset(u, 0, sizeof(*u));
	u->out = g->f;
	u->n = n;
	u->threads = threads < n ? threads : n;
	if (u->threads <= 1)
		return;
	u->f = calloc(n, sizeof(*u->f));
	u->buf = calloc(n, sizeof(*u->buf));
	u->len = calloc(n, sizeof(*u->len));
	if (NEVER(!u->f || !u->buf || !u->len))
		abort();
	for (i = 0; i < n; i++) {
		u->f[i] = open_memstream(&u->buf[i], &u->len[i]);
		if (NEVER(!u->f[i]))
			abort();
	}
}

/* The lines that follow belong to unit @i. */
static void units_select(struct wl_gen *g, struct wl_units *u, uint64_t i)
{
	g->f = u->f ? u->f[i] : u->out;
}

/* Write unit @i's buffer, each line indented, as a thread block's body. */
static void units_put(struct wl_units *u, uint64_t i)
{
	const char *s = u->buf[i], *nl;

	for (; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		fprintf(u->out, "\t%.*s\n", (int)(nl - s), s);
	}
}

/* Emit the buffered units as thread blocks @tname1, @tname2, ... */
static void units_end(struct wl_gen *g, struct wl_units *u, const char *tname)
{
	uint64_t t, i;

	g->f = u->out;
	if (!u->f)
		return;
	for (i = 0; i < u->n; i++)
		fclose(u->f[i]);
	for (t = 0; t < u->threads; t++) {
		line(g, "thread %s%llu", tname, (ull)t + 1);
		for (i = t; i < u->n; i += u->threads)
			units_put(u, i);
		line(g, "end");
	}
	for (i = 0; i < u->n; i++)
		free(u->buf[i]);
	free(u->f);
	free(u->buf);
	free(u->len);
}

#define MAX_THREADS	64	/* threads of one section (scenarios/README) */

/* -------------------------------------------------- container-layers --- */

enum { CL_FILES, CL_MIN, CL_MAX, CL_CONTAINERS, CL_READS, CL_ZIPF, CL_WPCT,
       CL_THREADS };

static const struct wl_param cl_params[] = {
	[CL_FILES] = { "files", 20, 1, MAX_FILES, false,
		       "files of the base image" },
	[CL_MIN] = { "min-kib", 16, 4, MAX_KIB, false,
		     "smallest file (KiB, whole pages)" },
	[CL_MAX] = { "max-kib", 64, 4, MAX_KIB, false,
		     "largest file (KiB, whole pages)" },
	[CL_CONTAINERS] = { "containers", 8, 1, MAX_FILES, false,
			    "containers cloned from the image" },
	[CL_READS] = { "reads", 30, 0, MAX_OPS, false,
		       "operations per container" },
	[CL_ZIPF] = { "zipf-s", 1000, 0, 10000, true,
		      "Zipf exponent of file popularity" },
	[CL_WPCT] = { "write-pct", 2, 0, 100, false,
		      "percent of operations that overwrite 4 KiB" },
	[CL_THREADS] = { "threads", 1, 1, MAX_THREADS, false,
			 "threads the containers run on (1: one after another)" },
};

/* Sizes of @n files, whole pages of @lo..@hi KiB. */
static uint64_t *page_sizes(struct wl_gen *g, uint64_t n, uint64_t lo,
			    uint64_t hi)
{
	uint64_t *size = malloc(n * sizeof(*size));
	uint64_t i;

	if (NEVER(!size))
		abort();
	for (i = 0; i < n; i++)
		size[i] = between(g, lo / 4, hi / 4) * BLOCK;
	return size;
}

static void cl_container(struct wl_gen *g, const uint64_t *v, uint64_t c,
			 const uint64_t *size, const double *cdf)
{
	uint64_t r, i, off;
	unsigned int b;

	for (r = 0; r < v[CL_READS]; r++) {
		i = zipf_pick(g, cdf, v[CL_FILES]);
		if (below(g, 100) < v[CL_WPCT]) {
			draw_write(g, size[i], &off, &b);
			line(g, "xfs_io -c \"pwrite -S 0x%02x %llu 4k\" "
			     "c%llu-f%03llu", b, (ull)off, (ull)c, (ull)i);
		} else
			line(g, "xfs_io -c \"pread 0 %llu\" c%llu-f%03llu",
			     (ull)size[i], (ull)c, (ull)i);
	}
}

static void cl_gen(struct wl_gen *g, const uint64_t *v)
{
	uint64_t n = v[CL_FILES], *size, i, c;
	struct wl_units u;
	double *cdf;

	size = page_sizes(g, n, v[CL_MIN], v[CL_MAX]);
	cdf = zipf_cdf(n, (double)v[CL_ZIPF] / 1000);
	line(g, "# the base image, written and synced");
	for (i = 0; i < n; i++)
		line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" -c fsync "
		     "base-f%03llu", fill(g), (ull)size[i], (ull)i);
	line(g, "# every container clones every layer file");
	for (c = 1; c <= v[CL_CONTAINERS]; c++)
		for (i = 0; i < n; i++)
			line(g, "cp --reflink=always base-f%03llu "
			     "c%llu-f%03llu", (ull)i, (ull)c, (ull)i);
	units_begin(g, &u, v[CL_CONTAINERS], v[CL_THREADS]);
	for (c = 1; c <= v[CL_CONTAINERS]; c++) {
		units_select(g, &u, c - 1);
		line(g, "# container %llu runs", (ull)c);
		cl_container(g, v, c, size, cdf);
	}
	units_end(g, &u, "c");
	free(cdf);
	free(size);
}

/* --------------------------------------------------------- vm-clones --- */

enum { VM_IMAGE, VM_CLONES, VM_BOOT, VM_WRITES, VM_FSYNC, VM_THREADS };

static const struct wl_param vm_params[] = {
	[VM_IMAGE] = { "image-kib", 4096, 4, MAX_KIB, false,
		       "golden image size (KiB, whole pages)" },
	[VM_CLONES] = { "clones", 4, 1, MAX_FILES, false,
			"VMs cloned from the image" },
	[VM_BOOT] = { "boot-kib", 512, 0, MAX_KIB, false,
		      "KiB each VM reads from its start at boot" },
	[VM_WRITES] = { "writes", 64, 0, MAX_OPS, false,
			"random 4 KiB overwrites per VM" },
	[VM_FSYNC] = { "fsync-every", 16, 1, MAX_OPS, false,
		       "an fsync every this many writes of a VM" },
	[VM_THREADS] = { "threads", 1, 1, MAX_THREADS, false,
			 "threads the VMs' writes run on (1: the VMs take "
			 "turns)" },
};

static void vm_gen(struct wl_gen *g, const uint64_t *v)
{
	uint64_t size = v[VM_IMAGE] / 4 * BLOCK, c, w;
	uint64_t boot = v[VM_BOOT] * KIB < size ? v[VM_BOOT] * KIB : size;
	struct wl_units u;
	uint64_t off;
	unsigned int b;

	line(g, "# the golden image, written and synced");
	line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" -c fsync golden",
	     fill(g), (ull)size);
	for (c = 1; c <= v[VM_CLONES]; c++)
		line(g, "cp --reflink=always golden vm%llu", (ull)c);
	line(g, "# every VM boots");
	for (c = 1; boot && c <= v[VM_CLONES]; c++)
		line(g, "xfs_io -c \"pread 0 %llu\" vm%llu", (ull)boot,
		     (ull)c);
	line(g, v[VM_THREADS] > 1 && v[VM_CLONES] > 1 ?
	     "# the VMs write concurrently" : "# the VMs take turns writing");
	units_begin(g, &u, v[VM_CLONES], v[VM_THREADS]);
	for (w = 1; w <= v[VM_WRITES]; w++) {
		for (c = 1; c <= v[VM_CLONES]; c++) {
			units_select(g, &u, c - 1);
			draw_write(g, size, &off, &b);
			line(g, "xfs_io -c \"pwrite -S 0x%02x %llu 4k\"%s "
			     "vm%llu", b, (ull)off,
			     w % v[VM_FSYNC] ? "" : " -c fsync", (ull)c);
		}
	}
	units_end(g, &u, "vm");
}

/* ----------------------------------------------------------- srctree --- */

enum { ST_FILES, ST_MIN, ST_MAX, ST_REWRITE };

static const struct wl_param st_params[] = {
	[ST_FILES] = { "files", 200, 1, MAX_FILES, false,
		       "source files" },
	[ST_MIN] = { "min-kib", 1, 1, MAX_KIB, false,
		     "smallest file (KiB; sizes are any byte count)" },
	[ST_MAX] = { "max-kib", 16, 1, MAX_KIB, false,
		     "largest file (KiB)" },
	[ST_REWRITE] = { "rewrite-pct", 10, 0, 100, false,
			 "percent of the copies rewritten by the rebuild" },
};

static void st_gen(struct wl_gen *g, const uint64_t *v)
{
	uint64_t n = v[ST_FILES], i, *size = malloc(n * sizeof(*size));

	if (NEVER(!size))
		abort();
	line(g, "# the source tree");
	for (i = 0; i < n; i++) {
		size[i] = between(g, v[ST_MIN] * KIB, v[ST_MAX] * KIB);
		line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" src-%04llu",
		     fill(g), (ull)size[i], (ull)i);
	}
	line(g, "sync");
	line(g, "# cp -r --reflink=always src bld");
	for (i = 0; i < n; i++)
		line(g, "cp --reflink=always src-%04llu bld-%04llu", (ull)i,
		     (ull)i);
	line(g, "# the rebuild reads every file and rewrites some");
	for (i = 0; i < n; i++) {
		line(g, "xfs_io -c \"pread 0 %llu\" bld-%04llu",
		     (ull)size[i], (ull)i);
		if (below(g, 100) < v[ST_REWRITE])
			line(g, "xfs_io -c \"pwrite -S 0x%02x 0 %llu\" "
			     "bld-%04llu", fill(g), (ull)size[i], (ull)i);
	}
	free(size);
}

/* ------------------------------------------------------- dedupe-pass --- */

enum { DD_PAIRS, DD_KIB, DD_READERS };

static const struct wl_param dd_params[] = {
	[DD_PAIRS] = { "pairs", 16, 1, MAX_FILES, false,
		       "pairs of identical files" },
	[DD_KIB] = { "file-kib", 64, 4, MAX_KIB, false,
		     "size of each file (KiB, whole pages)" },
	[DD_READERS] = { "readers", 0, 0, MAX_THREADS - 1, false,
			 "threads that read every b file while the pass "
			 "runs (0: none)" },
};

/* Reader @r of @n: every b file once, starting at its own pair. */
static void dd_reader(struct wl_gen *g, const uint64_t *v, uint64_t r,
		      uint64_t size)
{
	uint64_t pairs = v[DD_PAIRS], i, p;

	line(g, "# reader %llu reads every b file", (ull)r);
	for (i = 0; i < pairs; i++) {
		p = (i + r * pairs / v[DD_READERS]) % pairs;
		line(g, "xfs_io -c \"pread 0 %llu\" b-%03llu", (ull)size,
		     (ull)p);
	}
}

static void dd_gen(struct wl_gen *g, const uint64_t *v)
{
	uint64_t size = v[DD_KIB] / 4 * BLOCK, p, r;
	struct wl_units u;
	unsigned int b;

	line(g, "# pairs of identical files, written independently");
	for (p = 0; p < v[DD_PAIRS]; p++) {
		b = fill(g);
		line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" a-%03llu",
		     b, (ull)size, (ull)p);
		line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" b-%03llu",
		     b, (ull)size, (ull)p);
	}
	line(g, "sync");
	line(g, "drop_caches");
	units_begin(g, &u, v[DD_READERS] + 1, v[DD_READERS] + 1);
	units_select(g, &u, 0);
	line(g, "# a reader maps b, reads a; b is deduped while mapped");
	for (p = 0; p < v[DD_PAIRS]; p++) {
		line(g, "xfs_io -c \"pread 0 %llu\" a-%03llu", (ull)size,
		     (ull)p);
		line(g, "xfs_io -c \"mmap -r 0 %llu\" -c \"mread 0 %llu\" "
		     "-c \"dedupe a-%03llu 0 0 %llu\" -c \"mread 0 %llu\" "
		     "-c munmap b-%03llu", (ull)size, (ull)size, (ull)p,
		     (ull)size, (ull)size, (ull)p);
	}
	for (r = 1; r <= v[DD_READERS]; r++) {
		units_select(g, &u, r);
		dd_reader(g, v, r - 1, size);
	}
	units_end(g, &u, "t");
}

/* ------------------------------------------------------ db-snapshots --- */

enum { DB_KIB, DB_WRITES, DB_RPW, DB_FSYNC, DB_SNAP, DB_BACKUP };

static const struct wl_param db_params[] = {
	[DB_KIB] = { "db-kib", 2048, 4, MAX_KIB, false,
		     "database file size (KiB, whole pages)" },
	[DB_WRITES] = { "writes", 128, 0, MAX_OPS, false,
			"random 4 KiB overwrites" },
	[DB_RPW] = { "reads-per-write", 1, 0, 1000, false,
		     "random 4 KiB reads before each write" },
	[DB_FSYNC] = { "fsync-every", 16, 1, MAX_OPS, false,
		       "an fsync every this many writes" },
	[DB_SNAP] = { "snapshot-every", 32, 1, MAX_OPS, false,
		      "a reflink snapshot every this many writes" },
	[DB_BACKUP] = { "backup", 1, 0, 1, false,
			"1: a backup reads each snapshot in full" },
};

static void db_snapshot(struct wl_gen *g, const uint64_t *v, uint64_t n,
			uint64_t size)
{
	line(g, "cp --reflink=always db snap-%03llu", (ull)n);
	if (v[DB_BACKUP])
		line(g, "xfs_io -c \"pread 0 %llu\" snap-%03llu", (ull)size,
		     (ull)n);
}

static void db_gen(struct wl_gen *g, const uint64_t *v)
{
	uint64_t size = v[DB_KIB] / 4 * BLOCK, w, r, off;
	unsigned int b;

	line(g, "# the database, written and synced");
	line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" -c fsync db",
	     fill(g), (ull)size);
	for (w = 1; w <= v[DB_WRITES]; w++) {
		for (r = 0; r < v[DB_RPW]; r++)
			line(g, "xfs_io -c \"pread %llu 4k\" db",
			     (ull)block_off(g, size));
		draw_write(g, size, &off, &b);
		line(g, "xfs_io -c \"pwrite -S 0x%02x %llu 4k\"%s db", b,
		     (ull)off, w % v[DB_FSYNC] ? "" : " -c fsync");
		if (!(w % v[DB_SNAP]))
			db_snapshot(g, v, w / v[DB_SNAP], size);
	}
}

/* ---------------------------------------------------- image-versions --- */

enum { IV_FILES, IV_MIN, IV_MAX, IV_SHARED, IV_PARTIAL, IV_BUILD, IV_COLD };

enum iv_build { IV_UNPACK, IV_REFLINK, IV_DEDUPE };

static const struct wl_param iv_params[] = {
	[IV_FILES] = { "files", 32, 1, MAX_FILES, false,
		       "files of each version of the image" },
	[IV_MIN] = { "min-kib", 16, 4, MAX_KIB, false,
		     "smallest file (KiB, whole pages)" },
	[IV_MAX] = { "max-kib", 128, 4, MAX_KIB, false,
		     "largest file (KiB, whole pages)" },
	[IV_SHARED] = { "shared-pct", 70, 0, 100, false,
			"percent of the files identical in both versions" },
	[IV_PARTIAL] = { "partial-pct", 0, 0, 100, false,
			 "percent of the other files changed in one 4 KiB "
			 "block only (else all new)" },
	[IV_BUILD] = { "build", IV_REFLINK, IV_UNPACK, IV_DEDUPE, false,
		       "version 2 is 0: unpacked afresh, 1: reflinked from "
		       "version 1 where unchanged, 2: unpacked, then deduped" },
	[IV_COLD] = { "cold", 1, 0, 1, false,
		      "1: caches dropped after version 1 is written and "
		      "before the images are read" },
};

/* How file i of version 2 differs from version 1. */
enum iv_kind { IV_SAME, IV_PATCHED, IV_NEW };

struct iv_file {
	uint64_t size;
	unsigned int byte;	/* version 1's fill */
	enum iv_kind kind;
	unsigned int byte2;	/* IV_PATCHED: the block's, IV_NEW: all */
	uint64_t patch;		/* IV_PATCHED: offset of the changed block */
};

static void iv_plan(struct wl_gen *g, const uint64_t *v, struct iv_file *f)
{
	uint64_t *size = page_sizes(g, v[IV_FILES], v[IV_MIN], v[IV_MAX]), i;

	uint64_t same, patched;

	/*
	 * The same draws whatever the percentages: a larger shared-pct
	 * makes a superset of the files identical, nothing else changes.
	 */
	for (i = 0; i < v[IV_FILES]; i++) {
		f[i].size = size[i];
		f[i].byte = fill(g);
		same = below(g, 100);
		patched = below(g, 100);
		f[i].kind = same < v[IV_SHARED] ? IV_SAME :
			    patched < v[IV_PARTIAL] ? IV_PATCHED : IV_NEW;
		f[i].byte2 = (f[i].byte + (unsigned int)below(g, 254)) % 255 +
			     1;	/* 1..255, never f[i].byte */
		f[i].patch = block_off(g, size[i]);
	}
	free(size);
}

/* Version 2 of file @i written from scratch (unpack). */
static void iv_unpack(struct wl_gen *g, const struct iv_file *f, uint64_t i)
{
	unsigned int b = f->kind == IV_NEW ? f->byte2 : f->byte;

	if (f->kind == IV_PATCHED)
		line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" -c \"pwrite "
		     "-S 0x%02x %llu 4k\" -c fsync v2-f%03llu", b,
		     (ull)f->size, f->byte2, (ull)f->patch, (ull)i);
	else
		line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" -c fsync "
		     "v2-f%03llu", b, (ull)f->size, (ull)i);
}

/* Version 2 of file @i cloned from version 1 where unchanged. */
static void iv_reflink(struct wl_gen *g, const struct iv_file *f, uint64_t i)
{
	if (f->kind == IV_NEW) {
		iv_unpack(g, f, i);
		return;
	}
	line(g, "cp --reflink=always v1-f%03llu v2-f%03llu", (ull)i, (ull)i);
	if (f->kind == IV_PATCHED)
		line(g, "xfs_io -c \"pwrite -S 0x%02x %llu 4k\" -c fsync "
		     "v2-f%03llu", f->byte2, (ull)f->patch, (ull)i);
}

/* duperemove over file @i: its ranges equal to version 1 are deduped. */
static void iv_dedupe(struct wl_gen *g, const struct iv_file *f, uint64_t i)
{
	uint64_t end = f->patch + BLOCK;

	if (f->kind == IV_SAME)
		line(g, "xfs_io -c \"dedupe v1-f%03llu 0 0 %llu\" v2-f%03llu",
		     (ull)i, (ull)f->size, (ull)i);
	if (f->kind == IV_PATCHED && f->patch)
		line(g, "xfs_io -c \"dedupe v1-f%03llu 0 0 %llu\" v2-f%03llu",
		     (ull)i, (ull)f->patch, (ull)i);
	if (f->kind == IV_PATCHED && end < f->size)
		line(g, "xfs_io -c \"dedupe v1-f%03llu %llu %llu %llu\" "
		     "v2-f%03llu", (ull)i, (ull)end, (ull)end,
		     (ull)(f->size - end), (ull)i);
}

static void iv_read_all(struct wl_gen *g, const struct iv_file *f,
			uint64_t n, unsigned int version)
{
	uint64_t i;

	line(g, "# a container of version %u reads its whole image",
	     version);
	for (i = 0; i < n; i++)
		line(g, "xfs_io -c \"pread 0 %llu\" v%u-f%03llu",
		     (ull)f[i].size, version, (ull)i);
}

static void iv_gen(struct wl_gen *g, const uint64_t *v)
{
	uint64_t n = v[IV_FILES], i;
	struct iv_file *f = calloc(n, sizeof(*f));

	if (NEVER(!f))
		abort();
	iv_plan(g, v, f);
	line(g, "# version 1 of the image");
	for (i = 0; i < n; i++)
		line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" -c fsync "
		     "v1-f%03llu", f[i].byte, (ull)f[i].size, (ull)i);
	if (v[IV_COLD])		/* version 1 was pulled long ago */
		line(g, "drop_caches");
	line(g, "# version 2 of the image");
	for (i = 0; i < n; i++) {
		if (v[IV_BUILD] == IV_REFLINK)
			iv_reflink(g, &f[i], i);
		else
			iv_unpack(g, &f[i], i);
	}
	if (v[IV_BUILD] == IV_DEDUPE) {
		line(g, "# duperemove over both versions");
		for (i = 0; i < n; i++)
			iv_dedupe(g, &f[i], i);
	}
	line(g, "sync");
	if (v[IV_COLD])
		line(g, "drop_caches");
	iv_read_all(g, f, n, 1);
	iv_read_all(g, f, n, 2);
	free(f);
}

/* ------------------------------------------------------------ table --- */

#define WL(n, s, p, fn) { n, s, p, sizeof(p) / sizeof(p[0]), fn }

static const struct workload workloads[] = {
	WL("container-layers", "container image layers cloned into "
	   "containers that read them with Zipf popularity", cl_params,
	   cl_gen),
	WL("vm-clones", "VM disk images cloned from one golden image, "
	   "booted, then written at random", vm_params, vm_gen),
	WL("srctree", "a source tree copied with cp -r --reflink=always "
	   "and rebuilt", st_params, st_gen),
	WL("dedupe-pass", "a dedupe pass (duperemove) over identical "
	   "files that a reader has mapped", dd_params, dd_gen),
	WL("db-snapshots", "a database overwritten at random with periodic "
	   "reflink snapshots and backups", db_params, db_gen),
	WL("image-versions", "two versions of a container image read in "
	   "full, sharing a fraction of their files (EROFS calibration)",
	   iv_params, iv_gen),
};

#define NR_WORKLOADS	(sizeof(workloads) / sizeof(workloads[0]))

/*
 * Parameters every workload takes after its own: they become `set` lines
 * at the top of the text, so that a dumped workload replays as compare
 * ran it.
 */
enum { CM_STEP_NS, CM_MEMORY_KIB, NR_COMMON };

static const struct wl_param common_params[] = {
	[CM_STEP_NS] = { "step-ns", 500, 0, 1000000000, false,
			 "virtual ns each kernel step takes (set step-cost)" },
	[CM_MEMORY_KIB] = { "memory-kib", 0, 0, MAX_KIB, false,
			    "page-cache limit in KiB, 0: none "
			    "(set memory-limit)" },
};

_Static_assert(sizeof(common_params) / sizeof(common_params[0]) ==
	       NR_COMMON, "common_params[] and its enum disagree");

unsigned int workload_nparams(const struct workload *w)
{
	return w->nparams + NR_COMMON;
}

const struct wl_param *workload_param(const struct workload *w,
				      unsigned int i)
{
	if (i < w->nparams)
		return &w->params[i];
	return i < workload_nparams(w) ? &common_params[i - w->nparams] :
					 NULL;
}

/* The `set` lines of the common parameters. */
static void common_lines(struct wl_gen *g, const struct workload *w,
			 const uint64_t *v)
{
	const uint64_t *c = v + w->nparams;

	line(g, "set step-cost %lluns", (ull)c[CM_STEP_NS]);
	if (c[CM_MEMORY_KIB])
		line(g, "set memory-limit %lluk", (ull)c[CM_MEMORY_KIB]);
}

const struct workload *workload_nth(unsigned int i)
{
	return i < NR_WORKLOADS ? &workloads[i] : NULL;
}

const struct workload *workload_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_WORKLOADS; i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	return NULL;
}

void workload_defaults(const struct workload *w, uint64_t *v)
{
	unsigned int i;

	memset(v, 0, WL_MAX_PARAMS * sizeof(*v));
	for (i = 0; i < workload_nparams(w); i++)
		v[i] = workload_param(w, i)->def;
}

/* ------------------------------------------------------- parameters --- */

/* @s as a decimal with up to 3 fractional digits, in thousandths. */
static bool parse_milli(const char *s, uint64_t *v)
{
	const char *dot = strchr(s, '.');
	uint64_t whole, frac = 0;
	char buf[32];
	size_t n = dot ? (size_t)(dot - s) : strlen(s), i;

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return false;
	if (!cli_num(buf, UINT64_MAX / 1000 - 1, &whole))
		return false;
	if (dot) {
		for (i = 1; i <= 3 && dot[i]; i++) {
			if (dot[i] < '0' || dot[i] > '9')
				return false;
			frac = frac * 10 + (uint64_t)(dot[i] - '0');
		}
		if (i == 1 || dot[i])
			return false;
		for (; i <= 3; i++)
			frac *= 10;
	}
	*v = whole * 1000 + frac;
	return true;
}

static const struct wl_param *find_param(const struct workload *w,
					 const char *name, size_t len,
					 unsigned int *idx)
{
	const struct wl_param *p;
	unsigned int i;

	for (i = 0; (p = workload_param(w, i)); i++)
		if (strlen(p->name) == len && !strncmp(p->name, name, len)) {
			*idx = i;
			return p;
		}
	return NULL;
}

void workload_print_value(FILE *f, const struct wl_param *p, uint64_t x)
{
	if (p->milli)
		fprintf(f, "%llu.%03llu", (ull)(x / 1000), (ull)(x % 1000));
	else
		fprintf(f, "%llu", (ull)x);
}

bool workload_set(const struct workload *w, uint64_t *v, const char *kv,
		  const char *prog, FILE *err)
{
	const char *eq = strchr(kv, '=');
	const struct wl_param *p;
	unsigned int i;
	uint64_t x;
	bool ok;

	p = eq ? find_param(w, kv, (size_t)(eq - kv), &i) : NULL;
	if (!p) {
		fprintf(err, "pcsim %s: %s has no parameter '%.*s' "
			"(pcsim workload --list)\n", prog, w->name,
			eq ? (int)(eq - kv) : (int)strlen(kv), kv);
		return false;
	}
	ok = p->milli ? parse_milli(eq + 1, &x) :
			cli_num(eq + 1, UINT64_MAX, &x);
	if (!ok || x < p->min || x > p->max) {
		fprintf(err, "pcsim %s: bad value '%s' for %s: want ", prog,
			eq + 1, p->name);
		workload_print_value(err, p, p->min);
		fputs("..", err);
		workload_print_value(err, p, p->max);
		fputc('\n', err);
		return false;
	}
	v[i] = x;
	return true;
}

int workload_param_index(const struct workload *w, const char *name)
{
	unsigned int i;

	return find_param(w, name, strlen(name), &i) ? (int)i : -1;
}

/* min-kib no greater than max-kib, where a workload has both. */
bool workload_check(const struct workload *w, const uint64_t *v,
		    const char *prog, FILE *err)
{
	unsigned int lo, hi;

	if (!find_param(w, "min-kib", 7, &lo) ||
	    !find_param(w, "max-kib", 7, &hi) || v[lo] <= v[hi])
		return true;
	fprintf(err, "pcsim %s: min-kib %llu is above max-kib %llu\n", prog,
		(ull)v[lo], (ull)v[hi]);
	return false;
}

/* ------------------------------------------------------------- text --- */

void workload_print_params(FILE *f, const struct workload *w,
			   const uint64_t *v)
{
	const struct wl_param *p;
	unsigned int i;

	for (i = 0; (p = workload_param(w, i)); i++) {
		fprintf(f, "%s%s=", i ? " " : "", p->name);
		workload_print_value(f, p, v[i]);
	}
}

char *workload_text(const struct workload *w, const uint64_t *v,
		    uint64_t seed)
{
	struct wl_gen g = { .rng = seed };
	char *text = NULL;
	size_t len = 0;

	g.f = open_memstream(&text, &len);
	if (NEVER(!g.f))
		abort();
	fprintf(g.f, "# workload %s (pcsim workload), seed %llu\n", w->name,
		(ull)seed);
	fprintf(g.f, "# %s\n# parameters: ", w->summary);
	workload_print_params(g.f, w, v);
	fputc('\n', g.f);
	common_lines(&g, w, v);
	w->gen(&g, v);
	line(&g, "sync");
	fclose(g.f);
	return text;
}

void workload_list(FILE *f)
{
	const struct workload *w;
	const struct wl_param *p;
	unsigned int i, j;

	for (i = 0; (w = workload_nth(i)); i++) {
		fprintf(f, "%s\t%s\n", w->name, w->summary);
		for (j = 0; j < w->nparams; j++) {
			p = workload_param(w, j);
			fprintf(f, "\t%s=", p->name);
			workload_print_value(f, p, p->def);
			fprintf(f, "\t%s\n", p->help);
		}
	}
	fputs("every workload also takes\n", f);
	for (j = 0; j < NR_COMMON; j++) {
		fprintf(f, "\t%s=", common_params[j].name);
		workload_print_value(f, &common_params[j], common_params[j].def);
		fprintf(f, "\t%s\n", common_params[j].help);
	}
}

/* --------------------------------------------------------- commands --- */

static const char workload_usage[] =
"Usage: pcsim workload NAME [--seed S] [--param NAME=VALUE ...]\n"
"       pcsim workload --list\n"
"Print workload NAME's scenario (.pcs text) to stdout.\n";

struct wl_cli {
	uint64_t seed;
	bool list;
	char **kv;		/* --param values, in order */
	int nkv;
};

static bool wl_opt(void *arg, int ch, const char *val)
{
	struct wl_cli *c = arg;

	switch (ch) {
	case 's':
		return cli_num(val, UINT64_MAX, &c->seed);
	case 'l':
		c->list = true;
		return true;
	case 'P':
		c->kv[c->nkv++] = (char *)val;
		return true;
	}
	return false;
}

/* Apply @n "k=v" strings to @v and check them; Return: success. */
static bool wl_apply(const struct workload *w, uint64_t *v, char **kv,
		     int n, const char *prog)
{
	int i;

	for (i = 0; i < n; i++)
		if (!workload_set(w, v, kv[i], prog, stderr))
			return false;
	return workload_check(w, v, prog, stderr);
}

const struct workload *workload_setup(const char *name, uint64_t *v,
				      char **kv, int n, const char *prog)
{
	const struct workload *w = workload_find(name);

	if (!w) {
		fprintf(stderr, "pcsim %s: no workload '%s' (pcsim workload "
			"--list)\n", prog, name);
		return NULL;
	}
	workload_defaults(w, v);
	return wl_apply(w, v, kv, n, prog) ? w : NULL;
}

int workload_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "param", required_argument, NULL, 'P' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct wl_cli c = { .kv = calloc((size_t)argc + 1, sizeof(char *)) };
	const struct workload *w = NULL;
	uint64_t v[WL_MAX_PARAMS];
	char *text;
	int st = cli_getopt(argc, argv, longopts, wl_opt, &c, workload_usage);

	if (!st && c.list && optind == argc)
		workload_list(stdout);
	else if (!st && optind + 1 != argc) {
		fputs(workload_usage, stderr);
		st = CLI_BAD;
	} else if (!st) {
		w = workload_setup(argv[optind], v, c.kv, c.nkv, "workload");
		st = w ? 0 : CLI_BAD;
	}
	if (w) {
		text = workload_text(w, v, c.seed);
		fputs(text, stdout);
		free(text);
	}
	free(c.kv);
	return st < 0 ? 0 : st;
}
