// SPDX-License-Identifier: MIT
/*
 * sim/gen.c - random scenario generation for `pcsim fuzz` (sim/gen.h).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/never.h"
#include "sim/gen.h"

#define GEN_MAX_FILES	3
#define GEN_SPAN	65536ull	/* offsets and sizes within 0..64k */
#define GEN_BLOCK	4096ull

/* The text written so far: malloc'ed, NUL-terminated. */
struct text {
	char *s;
	size_t len, cap;
};

struct gen {
	uint64_t rng;			/* splitmix64 state */
	bool from_bytes;		/* choices come from @bytes */
	const uint8_t *bytes;
	size_t nbytes;
	struct text t;			/* the text */
	const char *indent;		/* "\t" inside a thread block */
	int nfiles;
	uint64_t floor[GEN_MAX_FILES];	/* no file is ever smaller */
	bool kernel;			/* the kernel profile (gen.h) */
	uint64_t size[GEN_MAX_FILES];	/* kernel profile: expected sizes */
	int nkinds;			/* kinds the swarm draws from */
	unsigned int weight[GK_NR];	/* this seed's swarm */
	unsigned int total;		/* sum of weight[] */
	unsigned int cp_dst;		/* bit i: c<i> was a cp target */
};

/* ---------------------------------------------------------- numbers --- */

uint64_t gen_mix(uint64_t x)
{
	uint64_t z = x + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t next(struct gen *g)
{
	uint64_t r = gen_mix(g->rng);

	g->rng += 0x9e3779b97f4a7c15ull;
	return r;
}

/* The next @want bytes of the input, little endian; zeros past its end. */
static uint64_t take_bytes(struct gen *g, unsigned int want)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < want && g->nbytes; i++, g->nbytes--)
		v |= (uint64_t)*g->bytes++ << (8 * i);
	return v;
}

/*
 * Uniform in 0..n-1 (n >= 1; the modulo bias is below 2^-40).  From an
 * input of bytes: as many bytes as n needs, modulo n.
 */
static uint64_t below(struct gen *g, uint64_t n)
{
	unsigned int want = 1;

	if (!g->from_bytes)
		return next(g) % n;
	while (want < 8 && (n - 1) >> (8 * want))
		want++;
	return take_bytes(g, want) % n;
}

static bool coin(struct gen *g)
{
	return below(g, 2);
}

/* An offset in 0..64k-1: a block boundary half of the time. */
static uint64_t gen_off(struct gen *g)
{
	return coin(g) ? below(g, GEN_SPAN / GEN_BLOCK) * GEN_BLOCK :
			 below(g, GEN_SPAN);
}

/* A length of 1..64k, whole blocks half of the time. */
static uint64_t gen_size(struct gen *g)
{
	return coin(g) ? (1 + below(g, GEN_SPAN / GEN_BLOCK)) * GEN_BLOCK :
			 1 + below(g, GEN_SPAN);
}

/* A length from @off that stays within 64k. */
static uint64_t gen_len(struct gen *g, uint64_t off)
{
	uint64_t len = gen_size(g);

	return off + len > GEN_SPAN ? GEN_SPAN - off : len;
}

static int gen_file(struct gen *g)
{
	return (int)below(g, g->nfiles);
}

/* Kernel profile: file @f is now at least @end bytes long. */
static void grow(struct gen *g, int f, uint64_t end)
{
	if (g->kernel && g->size[f] < end)
		g->size[f] = end;
}

/* gen_len() of a write to @f at @off, which may grow the file. */
static uint64_t gen_len_grow(struct gen *g, int f, uint64_t off)
{
	uint64_t len = gen_len(g, off);

	grow(g, f, off + len);
	return len;
}

/* --------------------------------------------------------- emitters --- */

typedef unsigned long long ull;

/* Room for @n more bytes and the NUL. */
static void text_reserve(struct text *t, size_t n)
{
	while (t->len + n + 1 > t->cap)
		t->cap *= 2;
	t->s = realloc(t->s, t->cap);
	if (NEVER(!t->s))
		abort();
}

static void text_vprintf(struct gen *g, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * Append to the text.  A fuzz campaign generates a scenario per run: this
 * costs a vsnprintf(), where a memstream cost creating the stream and its
 * buffer each time.
 */
static void text_vprintf(struct gen *g, const char *fmt, va_list ap)
{
	struct text *t = &g->t;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	if (NEVER(n < 0))
		abort();
	if ((size_t)n >= t->cap - t->len) {
		text_reserve(t, (size_t)n);
		vsnprintf(t->s + t->len, t->cap - t->len, fmt, again);
	}
	va_end(again);
	t->len += (size_t)n;
}

/* Append @str as it is. */
static void text_puts(struct gen *g, const char *str)
{
	size_t n = strlen(str);

	if (g->t.len + n + 1 > g->t.cap)
		text_reserve(&g->t, n);
	memcpy(g->t.s + g->t.len, str, n + 1);
	g->t.len += n;
}

static void out(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vprintf(g, fmt, ap);
	va_end(ap);
}

static void line(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One line at the current indentation. */
static void line(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	text_puts(g, g->indent);
	va_start(ap, fmt);
	text_vprintf(g, fmt, ap);
	va_end(ap);
	text_puts(g, "\n");
}

/*
 * The order of the draws is explicit everywhere: the arguments of one call
 * are evaluated in an unspecified order (gcc: right to left, clang: left
 * to right), and a seed must give the same scenario whatever built pcsim.
 * Where draws used to be arguments of one call, the order is gcc's, so
 * that seeds of earlier campaigns (gcc builds) still give their scenarios.
 */
static void emit_pwrite(struct gen *g, int f)
{
	uint64_t off = gen_off(g), len = gen_len_grow(g, f, off);
	int byte = (int)below(g, 256);

	line(g, "xfs_io -c \"pwrite -S 0x%02x %llu %llu\" f%d", byte,
	     (ull)off, (ull)len, f);
}

static void emit_pread(struct gen *g, int f)
{
	uint64_t off = gen_off(g);

	line(g, "xfs_io -c \"pread %llu %llu\" f%d", (ull)off,
	     (ull)gen_len(g, off), f);
}

/*
 * mmap the file below its floor, then CMD a range of it, then munmap;
 * with @load_first, mread the range first, so that CMD's stores fault on
 * PTEs that are already there (a write-protect fault, wp_page_copy's
 * territory) rather than on empty ones.
 */
static void emit_map(struct gen *g, int f, const char *cmd, bool load_first)
{
	uint64_t fl = g->floor[f], off = below(g, fl);
	uint64_t len = 1 + below(g, fl - off);
	char pre[64] = "";

	if (load_first)
		snprintf(pre, sizeof(pre), " -c \"mread %llu %llu\"", (ull)off,
			 (ull)len);
	line(g, "xfs_io -c \"mmap -rw 0 %llu\"%s -c \"%s %llu %llu\" -c munmap f%d",
	     (ull)fl, pre, cmd, (ull)off, (ull)len, f);
}

static void emit_mwrite(struct gen *g, int f)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "mwrite -S 0x%02x", (int)below(g, 256));
	emit_map(g, f, cmd, coin(g));
}

static void emit_mread(struct gen *g, int f)
{
	emit_map(g, f, "mread", false);
}

/* Up or down, never below the file's floor. */
static void emit_truncate(struct gen *g, int f)
{
	uint64_t fl = g->floor[f], size = fl + below(g, GEN_SPAN + 1 - fl);

	if (g->kernel)
		g->size[f] = size;
	line(g, "xfs_io -c \"truncate %llu\" f%d", (ull)size, f);
}

/*
 * CMD [-k] off len: @keep says whether -k is allowed; without -k, a
 * command that may extend the file (fzero, falloc) grows its size.
 */
static void emit_range(struct gen *g, int f, const char *cmd, bool keep)
{
	uint64_t off = gen_off(g), len = gen_len(g, off);
	bool k = keep && coin(g);

	if (keep && !k)
		grow(g, f, off + len);
	line(g, "xfs_io -c \"%s%s %llu %llu\" f%d", cmd, k ? " -k" : "",
	     (ull)off, (ull)len, f);
}

static void emit_fpunch(struct gen *g, int f)
{
	emit_range(g, f, "fpunch", false);
}

static void emit_fzero(struct gen *g, int f)
{
	emit_range(g, f, "fzero", true);
}

static void emit_falloc(struct gen *g, int f)
{
	emit_range(g, f, "falloc", true);
}

static void emit_reflink_whole(struct gen *g, int f)
{
	int src = gen_file(g);

	if (g->kernel && g->size[f] < g->size[src])
		g->size[f] = g->size[src];
	line(g, "xfs_io -c \"reflink f%d\" f%d", src, f);
}

/*
 * Kernel profile: the remap ranges of the fuzz profile do not include
 * these: len 0 (to the source's EOF), a range that ends at the source's
 * expected EOF (unaligned unless its size is), and a range of @f itself
 * (the ranges may overlap).  Return: the source file.
 */
static int remap_kernel_range(struct gen *g, int f, int kind, uint64_t *so,
			      uint64_t *dst, uint64_t *len)
{
	int src = kind == 5 ? f : gen_file(g);
	uint64_t size = g->size[src];

	switch (kind) {
	case 3:		/* len 0: to EOF */
		*so = below(g, 16) * GEN_BLOCK;
		*dst = below(g, 16) * GEN_BLOCK;
		*len = 0;
		break;
	case 4:		/* to the expected EOF */
		*so = below(g, (size + GEN_BLOCK - 1) / GEN_BLOCK + 1) *
		      GEN_BLOCK;
		*dst = gen_off(g);
		*len = size > *so ? size - *so : 1;
		break;
	default:	/* within one file */
		*so = below(g, 16) * GEN_BLOCK;
		*dst = below(g, 16) * GEN_BLOCK;
		*len = (1 + below(g, 8)) * GEN_BLOCK;
		break;
	}
	return src;
}

/*
 * reflink/dedupe SRC so do len: aligned, unaligned, or past 64k (EOF);
 * in the kernel profile also the ranges of remap_kernel_range().
 */
static void emit_remap(struct gen *g, int f, const char *cmd)
{
	uint64_t so, dst, len;
	int kind = (int)below(g, g->kernel ? 6 : 3), src = -1;

	switch (kind) {
	case 0:		/* whole blocks */
		so = below(g, 16) * GEN_BLOCK;
		dst = below(g, 16) * GEN_BLOCK;
		len = (1 + below(g, 16 - (so > dst ? so : dst) / GEN_BLOCK)) *
		      GEN_BLOCK;
		break;
	case 1:		/* anything */
		so = gen_off(g);
		dst = gen_off(g);
		len = gen_len(g, so > dst ? so : dst);
		break;
	case 2:		/* destination beyond every EOF */
		so = below(g, 16) * GEN_BLOCK;
		dst = GEN_SPAN + below(g, 4) * GEN_BLOCK;
		len = gen_len(g, so);
		break;
	default:
		src = remap_kernel_range(g, f, kind, &so, &dst, &len);
		break;
	}
	if (src < 0)
		src = gen_file(g);
	if (cmd[0] == 'r' && len)	/* a reflink may extend @f */
		grow(g, f, dst + len);
	line(g, "xfs_io -c \"%s f%d %llu %llu %llu\" f%d", cmd, src,
	     (ull)so, (ull)dst, (ull)len, f);
}

static void emit_reflink_range(struct gen *g, int f)
{
	emit_remap(g, f, "reflink");
}

static void emit_dedupe(struct gen *g, int f)
{
	emit_remap(g, f, "dedupe");
}

static void emit_fsync(struct gen *g, int f)
{
	line(g, "xfs_io -c %s f%d", g->kernel && coin(g) ? "fdatasync" :
	     "fsync", f);
}

/* cp truncates its destination: only into c<f>, never mapped. */
static void emit_cp(struct gen *g, int f)
{
	g->cp_dst |= 1u << f;
	line(g, "cp --reflink=always f%d c%d", f, f);
}

static void emit_md5sum(struct gen *g, int f)
{
	line(g, "md5sum f%d", f);
}

static void emit_drop_caches(struct gen *g, int f)
{
	line(g, "drop_caches");
}

static void emit_sync(struct gen *g, int f)
{
	line(g, "sync");
}

static void emit_writeback(struct gen *g, int f)
{
	line(g, "writeback");
}

/*
 * Direct I/O (kernel profile): offsets and lengths in whole blocks, or one
 * time in four in 512-byte sectors (XFS's sub-block direct I/O; btrfs,
 * whose direct I/O unit is its 4 KiB sector, falls back to buffered I/O
 * with the same result).  Never unaligned: XFS fails that with EINVAL,
 * btrfs falls back (docs/KERNEL-GOLDENS.md).
 */
static void emit_dio(struct gen *g, int f, bool write)
{
	uint64_t unit = below(g, 4) ? GEN_BLOCK : 512;
	uint64_t off = below(g, GEN_SPAN / unit) * unit;
	uint64_t len = (1 + below(g, (GEN_SPAN - off) / unit)) * unit;

	if (!write) {
		line(g, "xfs_io -d -c \"pread %llu %llu\" f%d", (ull)off,
		     (ull)len, f);
		return;
	}
	grow(g, f, off + len);
	line(g, "xfs_io -d -c \"pwrite -S 0x%02x %llu %llu\" f%d",
	     (int)below(g, 256), (ull)off, (ull)len, f);
}

static void emit_dio_write(struct gen *g, int f)
{
	emit_dio(g, f, true);
}

static void emit_dio_read(struct gen *g, int f)
{
	emit_dio(g, f, false);
}

static void emit_cycle_mount(struct gen *g, int f)
{
	line(g, "cycle_mount");
}

static void (*const emitters[GK_NR])(struct gen *g, int f) = {
	[GK_PWRITE] = emit_pwrite,
	[GK_PREAD] = emit_pread,
	[GK_MWRITE] = emit_mwrite,
	[GK_MREAD] = emit_mread,
	[GK_TRUNCATE] = emit_truncate,
	[GK_FPUNCH] = emit_fpunch,
	[GK_FZERO] = emit_fzero,
	[GK_FALLOC] = emit_falloc,
	[GK_REFLINK_WHOLE] = emit_reflink_whole,
	[GK_REFLINK_RANGE] = emit_reflink_range,
	[GK_DEDUPE] = emit_dedupe,
	[GK_FSYNC] = emit_fsync,
	[GK_CP] = emit_cp,
	[GK_MD5SUM] = emit_md5sum,
	[GK_DROP_CACHES] = emit_drop_caches,
	[GK_SYNC] = emit_sync,
	[GK_WRITEBACK] = emit_writeback,
	[GK_DIO_WRITE] = emit_dio_write,
	[GK_DIO_READ] = emit_dio_read,
	[GK_CYCLE_MOUNT] = emit_cycle_mount,
};

/* ------------------------------------------------------------ swarm --- */

/*
 * Each kind of the profile is in this seed's swarm with probability 1/2,
 * weight 1..4; a kind with coverage bias b joins with probability
 * 1 - 1/(2 + b) and gets b more weight.
 */
static void swarm_pick(struct gen *g, const unsigned int *bias)
{
	unsigned int b;
	int k;

	for (k = 0; k < g->nkinds; k++) {
		if (g->kernel && k == GK_WRITEBACK)
			continue;	/* no user-space trigger (gen.h) */
		b = bias ? bias[k] : 0;
		g->weight[k] = below(g, 2 + b) ?
			       1 + (unsigned int)below(g, 4) + b : 0;
		g->total += g->weight[k];
	}
	if (!g->total)
		g->total = g->weight[GK_PWRITE] = 1;
}

static unsigned int swarm_mask(const struct gen *g)
{
	unsigned int m = 0;
	int k;

	for (k = 0; k < GK_NR; k++)
		m |= (g->weight[k] ? 1u << k : 0);
	return m;
}

static void emit_op(struct gen *g)
{
	uint64_t r = below(g, g->total);
	int k = 0;

	while (r >= g->weight[k])
		r -= g->weight[k++];
	emitters[k](g, gen_file(g));
}

/* ------------------------------------------------------------ shape --- */

/*
 * A small disk keeps a run cheap (the block device is an array); now and
 * then a tiny one, so that delalloc reservations, COW and clones hit
 * ENOSPC.
 */
static void emit_settings(struct gen *g)
{
	if (g->kernel)		/* pcsim's defaults (gen.h) */
		return;
	/* a livelock shows in a second, not after the default 10M steps */
	line(g, "set step-bound 1000000");
	if (below(g, 8) == 7)
		line(g, "set disk-size %llu",
		     (ull)((8 + below(g, 57)) * GEN_BLOCK));
	else
		line(g, "set disk-size 4m");
	if (below(g, 4) == 3)	/* not 0: an exhausted input sets nothing */
		line(g, "set memory-limit %llu",
		     (ull)((16 + below(g, 49)) * GEN_BLOCK));
	if (below(g, 4) == 3)
		line(g, "set io-latency %llu", (ull)(1 + below(g, 1000)));
}

static void emit_prefix(struct gen *g)
{
	uint64_t size;
	int f;

	g->nfiles = 1 + (int)below(g, GEN_MAX_FILES);
	for (f = 0; f < g->nfiles; f++) {
		size = gen_size(g);
		g->floor[f] = 1 + below(g, size);
		g->size[f] = size;
		line(g, "xfs_io -f -c \"pwrite -S 0x%02x 0 %llu\" f%d",
		     (int)below(g, 256), (ull)size, f);
	}
}

/* @ops operations over @threads threads, each at least one. */
static void emit_section(struct gen *g, int threads, int ops)
{
	int *n = calloc(threads, sizeof(*n));
	int t, i;

	if (NEVER(!n))
		abort();
	for (i = 0; i < ops || i < threads; i++)
		n[i < threads ? i : (int)below(g, threads)]++;
	for (t = 0; t < threads; t++) {
		out(g, "thread T%d\n", t + 1);
		g->indent = "\t";
		for (i = 0; i < n[t]; i++)
			emit_op(g);
		g->indent = "";
		text_puts(g, "end\n");
	}
	free(n);
}

static void emit_final_md5sum(struct gen *g)
{
	int f;

	text_puts(g, "md5sum");
	for (f = 0; f < g->nfiles; f++)
		out(g, " f%d", f);
	for (f = 0; f < g->nfiles; f++)
		if (g->cp_dst & (1u << f))
			out(g, " c%d", f);
	text_puts(g, "\n");
}

/* The body after the header line: settings, files, operations, md5sum. */
static void emit_body(struct gen *g, int threads, int ops,
		      const unsigned int *bias)
{
	int i;

	swarm_pick(g, bias);
	emit_settings(g);
	emit_prefix(g);
	if (threads > 1)
		emit_section(g, threads, ops);
	else
		for (i = 0; i < ops; i++)
			emit_op(g);
	emit_final_md5sum(g);
}

#define TEXT_MIN	1024	/* a fuzz scenario's size */

static void text_open(struct gen *g)
{
	g->t.cap = TEXT_MIN;
	g->t.len = 0;
	g->t.s = malloc(g->t.cap);
	if (NEVER(!g->t.s))
		abort();
	g->t.s[0] = '\0';
}

char *gen_scenario(uint64_t seed, struct gen_opts *o)
{
	struct gen g = {
		.rng = seed, .indent = "", .kernel = o && o->kernel,
		.nkinds = o && o->kernel ? GK_NR : GK_NR_FUZZ,
	};
	int threads = o && !o->kernel ? o->threads : 1, ops = o ? o->ops : 8;

	text_open(&g);
	if (g.kernel)
		out(&g, "# pcsim gen --kernel: seed %llu, %d ops\n",
		    (ull)seed, ops);
	else
		out(&g, "# pcsim fuzz: seed %llu, %d threads, %d ops\n",
		    (ull)seed, threads, ops);
	emit_body(&g, threads, ops, o ? o->bias : NULL);
	if (o)
		o->swarm = swarm_mask(&g);
	return g.t.s;	/* the caller frees it */
}

char *gen_scenario_bytes(const uint8_t *data, size_t size)
{
	struct gen g = {
		.from_bytes = true, .bytes = data, .nbytes = size, .indent = "",
		.nkinds = GK_NR_FUZZ,
	};
	int threads = 1 + (int)below(&g, 4), ops = 1 + (int)below(&g, 16);
	bool pct = coin(&g);
	uint64_t seed = take_bytes(&g, 8);

	text_open(&g);
	out(&g, "# pcsim fuzz: %zu input bytes, %d threads, %d ops\n"
	    "set schedule %s\nset seed %llu\n", size, threads, ops,
	    pct ? "pct" : "random", (ull)seed);
	emit_body(&g, threads, ops, NULL);
	return g.t.s;	/* the caller frees it */
}
