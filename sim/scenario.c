/* SPDX-License-Identifier: MIT */
/*
 * sim/scenario.c - parser of .pcs scenario files.
 *
 * Scope: turning the words of each line (sim/lex.c) into a struct sc_line,
 * with the syntax of the tool the line names: xfs_io and its -c commands as
 * xfsprogs parses them (getopt with GNU argument permutation, cvtnum()
 * numbers), GNU cp/rm/md5sum, and the simulator's own verbs.  Semantic
 * checks that need file system state (alignment, EOF, overlap) belong to the
 * runner, which prints what the real tool would print.
 *
 * Deliberate differences from xfs_io, all of them rejections of input that
 * xfs_io would accept with a surprising meaning:
 *   - numbers >= 2^63 (xfs_io clamps them), negative numbers, and
 *     offset + length >= 2^63 are errors;
 *   - pattern seeds (pwrite -S, mwrite -S) must be 0..255 and entirely
 *     numeric (xfs_io takes the low byte, and mwrite ignores trailing junk);
 *   - pwrite/pread -b 0 is an error;
 *   - options of the real tools that we do not model are errors that say
 *     "not supported", distinct from "unknown option".
 *
 * Invariants:
 *   - the first error stops parsing; the error names the file position of
 *     the offending word or character (struct lex_pos survives the second
 *     split of an xfs_io -c argument);
 *   - an sc_line under construction is always freeable by line_free(): its
 *     kind is set before any of its union member is filled, and array
 *     counts only count fully built elements;
 *   - on error nothing is returned: the partial scenario is freed;
 *   - "thread", "end" and "schedule" are directives, not lines: they change
 *     the parser's state (struct parser) and the scenario's threads and
 *     schedule, never lines[].  Where a word may appear (top level, inside
 *     a thread block) is a table column, checked in one place:
 *     check_where().
 *     Names in schedules may come before their thread block, so they are
 *     resolved at the end of the file, in finish().
 */
#define _GNU_SOURCE
#include "sim/scenario.h"
#include "sim/lex.h"

#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_MAX_FILE	(16u << 20)	/* bytes in a scenario file */
#define SC_MAX_NAME	255		/* bytes in a file name component */
#define SC_MAX_POLICY	64		/* bytes in a policy name */
#define SC_MAX_THREAD	16		/* bytes in a thread name */
#define SC_MAX_THREADS	1024		/* threads in a file */
#define SC_MAX_SECTION	64		/* threads in a section (sim/conc.c) */
#define SC_MAX_LABEL	64		/* bytes in a schedule OP or STEP */
#define SC_QUOTE	"'%.64s'"	/* user text in messages, clipped */
#define SC_ALPHA	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define SC_ALNUM	SC_ALPHA "0123456789"

/* Where a verb or directive may appear. */
enum { IN_TOP = 1u << 0, IN_THREAD = 1u << 1, IN_ANY = IN_TOP | IN_THREAD };

/* What the parser keeps of a thread block, besides its name. */
struct thread_decl {
	struct lex_pos at;	/* its "thread" word */
	int section;
};

struct parser {
	const char *name;	/* file name for messages */
	char *err;		/* first error (malloc'ed), or NULL */
	bool failed;		/* an error was reported (even if OOM) */
	uint64_t blocksize;	/* for cvtnum()'s 'b' suffix: set blocksize */
	struct scenario *sc;	/* being built */
	struct thread_decl *decl;	/* decl[i] for sc->threads[i] */
	struct lex_pos *target_at;	/* of sc->sched[i].target */
	int thread;		/* the open thread block (1-based), or 0 */
	int thread_lines;	/* lines in the open block so far */
	int section_threads;	/* threads in the last section so far */
	bool after_end;		/* nothing but comments since an "end" */
	struct lex_words split;	/* an xfs_io -c argument's words */
};

/* An argument: a whole word, or the tail of one ("-S0x61"). */
struct arg {
	const char *s;
	const struct lex_pos *pos;	/* pos[i] is where s[i] came from */
	struct lex_pos at;		/* where the argument starts */
};

#define OPERANDS_SMALL	8

/* Operands: in @small when they fit (most lines), else g_malloc'ed. */
struct operands {
	struct arg *v;
	int n;
	struct arg small[OPERANDS_SMALL];
};

static void operands_free(struct operands *ops)
{
	if (ops->v != ops->small)
		g_free(ops->v);
}

static int __attribute__((format(printf, 3, 4)))
perr(struct parser *p, struct lex_pos pos, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = true;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (asprintf(&p->err, "%s:%d:%d: %s", p->name, pos.line, pos.col,
		     msg ? msg : "out of memory") < 0)
		p->err = NULL;
	free(msg);
	return -1;
}

/* strcmp() == 0, without the call for most misses: table lookups. */
static bool same_word(const char *a, const char *b)
{
	return a[0] == b[0] && !strcmp(a, b);
}

static struct arg word_arg(const struct lex_word *w)
{
	return (struct arg){ w->s, w->pos, w->at };
}

/* @v, which holds @n elements of @size bytes, with room for one more. */
static void *grow(void *v, int n, size_t size)
{
	if (n & (n - 1))	/* grow at 0, 1, 2, 4, ... */
		return v;
	return g_realloc_n(v, n ? 2 * (size_t)n : 1, size);
}

/* ------------------------------------------------------------------ */
/* Numbers and names                                                   */

enum cvt { CVT_OK, CVT_BAD, CVT_NEG, CVT_BIG };

static const char *const cvt_msg[] = {
	[CVT_BAD] = "bad number",
	[CVT_NEG] = "negative number",
	[CVT_BIG] = "number out of range",
};

static const char *const duration_msg[] = {
	[CVT_BAD] = "bad duration",
	[CVT_NEG] = "negative duration",
	[CVT_BIG] = "duration out of range",
};

/* Nanoseconds per unit of a duration; a bare number is nanoseconds. */
static const struct {
	const char *suffix;
	uint64_t ns;
} time_units[] = {
	{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
	{ "s", 1000000000 },
};

/* strtoull() over all of @s, in @base; no sign, no blanks. */
static enum cvt parse_base(const char *s, int base, uint64_t *v)
{
	char *end;

	if (!isxdigit((unsigned char)*s))
		return CVT_BAD;
	errno = 0;
	*v = strtoull(s, &end, base);
	if (end == s || *end)
		return CVT_BAD;
	return errno ? CVT_BIG : CVT_OK;
}

/* Multiplier of a cvtnum() suffix, or 0 if @c is not one. */
static uint64_t cvt_unit(int c, uint64_t blksize)
{
	static const char units[] = "kmgtpe";
	const char *u;

	c = tolower(c);
	if (c == 'b')
		return blksize;
	if (c == 's')
		return 512;
	u = c ? strchr(units, c) : NULL;
	return u ? 1ull << (10 * (u - units + 1)) : 0;
}

/*
 * cvtnum() of xfsprogs' libfrog/convert.c: strtoll(base 0), then at most
 * one case-insensitive suffix among b (block size), s (512), k m g t p e.
 * Stricter: the result must be in 0..2^63-1.
 */
static enum cvt cvtnum(const char *s, uint64_t blksize, uint64_t *out)
{
	unsigned long long v;
	uint64_t unit = 1;
	char *end;

	if (*s == '-')
		return isdigit((unsigned char)s[1]) ? CVT_NEG : CVT_BAD;
	if (!isdigit((unsigned char)s[*s == '+']))
		return CVT_BAD;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end && (end[1] || !(unit = cvt_unit(*end, blksize))))
		return CVT_BAD;
	if (errno || __builtin_mul_overflow(v, unit, out) || *out > INT64_MAX)
		return CVT_BIG;
	return CVT_OK;
}

/* DIGITS[ns|us|ms|s], decimal: nanoseconds, below 2^63. */
static enum cvt parse_duration(const char *s, uint64_t *ns)
{
	unsigned long long v;
	char *end;
	size_t k;

	if (*s == '-')
		return isdigit((unsigned char)s[1]) ? CVT_NEG : CVT_BAD;
	if (!isdigit((unsigned char)*s))
		return CVT_BAD;
	errno = 0;
	v = strtoull(s, &end, 10);
	for (k = 0; k < G_N_ELEMENTS(time_units); k++)
		if (!strcmp(end, time_units[k].suffix))
			break;
	if (k == G_N_ELEMENTS(time_units))
		return CVT_BAD;
	if (errno || __builtin_mul_overflow(v, time_units[k].ns, ns) ||
	    *ns > INT64_MAX)
		return CVT_BIG;
	return CVT_OK;
}

/* Report @r, a conversion of @a, with @msg[r]. */
static int cvt_arg(struct parser *p, const struct arg *a, enum cvt r,
		   const char *const *msg)
{
	if (r == CVT_OK)
		return 0;
	return perr(p, a->at, "%s " SC_QUOTE, msg[r], a->s);
}

static int num_arg(struct parser *p, const struct arg *a, uint64_t *v)
{
	return cvt_arg(p, a, cvtnum(a->s, p->blocksize, v), cvt_msg);
}

/* A u64 for set: decimal, or hex with 0x. */
static int u64_arg(struct parser *p, const struct arg *a, uint64_t *v)
{
	bool hex = a->s[0] == '0' && (a->s[1] == 'x' || a->s[1] == 'X');

	return cvt_arg(p, a, parse_base(a->s + 2 * hex, hex ? 16 : 10, v),
		       cvt_msg);
}

static int duration_arg(struct parser *p, const struct arg *a, uint64_t *ns)
{
	return cvt_arg(p, a, parse_duration(a->s, ns), duration_msg);
}

static int pattern_arg(struct parser *p, const struct arg *a, int *pat)
{
	uint64_t v;

	if (parse_base(a->s, 0, &v) != CVT_OK || v > 255)
		return perr(p, a->at,
			    "bad pattern " SC_QUOTE " (must be 0..255)", a->s);
	*pat = (int)v;
	return 0;
}

static bool name_char(char c)
{
	return g_ascii_isalnum(c) || c == '.' || c == '_' || c == '+' ||
	       c == '-';
}

static bool good_component(const char *s, size_t n)
{
	size_t i;

	if (!n || n > SC_MAX_NAME || !strncmp(s, ".", n) ||
	    !strncmp(s, "..", n))
		return false;
	for (i = 0; i < n; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

/* [A-Za-z0-9._+-]+ components joined by '/', none empty, "." or "..". */
static bool good_name(const char *s)
{
	const char *slash;

	do {
		slash = strchrnul(s, '/');
		if (!good_component(s, slash - s))
			return false;
		s = slash + 1;
	} while (*slash);
	return true;
}

static int file_arg(struct parser *p, const struct arg *a, char **out)
{
	if (!good_name(a->s))
		return perr(p, a->at, "bad file name " SC_QUOTE, a->s);
	*out = g_strdup(a->s);
	return 0;
}

/* ------------------------------------------------------------------ */
/* getopt, with GNU permutation, as xfs_io and coreutils parse options */

struct optdef {
	char opt;
	unsigned flag;		/* or'ed into *flags when seen */
	int (*arg)(struct parser *p, void *obj, const struct arg *a);
};

struct cmd_syntax {
	const char *name;		/* for messages */
	const struct optdef *opts;	/* opt == 0 ends; NULL: no getopt */
	const char *real;		/* the real tool's option letters */
	int (*long_opt)(struct parser *p, void *obj, const struct arg *a);
};

static const struct optdef no_opts[] = { { 0 } };

static const struct optdef *find_opt(const struct optdef *o, char c)
{
	for (; o->opt; o++)
		if (o->opt == c)
			return o;
	return NULL;
}

static int bad_opt(struct parser *p, const struct cmd_syntax *cs, char c,
		   struct lex_pos at)
{
	if (c != ':' && strchr(cs->real, c))
		return perr(p, at, "option -%c of %s is not supported", c,
			    cs->name);
	return perr(p, at, "unknown option -%c for %s", c, cs->name);
}

/* "-abc" or "-bARG" or "-b ARG": the word at *i, and maybe the next. */
static int opt_cluster(struct parser *p, const struct cmd_syntax *cs,
		       const struct lex_words *ws, int *i, void *obj,
		       unsigned *flags)
{
	const struct lex_word *w = &ws->w[*i];
	const struct optdef *o;
	struct arg a;
	int k;

	for (k = 1; k < w->len; k++) {
		o = find_opt(cs->opts, w->s[k]);
		if (!o)
			return bad_opt(p, cs, w->s[k], w->pos[k]);
		*flags |= o->flag;
		if (!o->arg)
			continue;
		if (k + 1 < w->len)
			a = (struct arg){ w->s + k + 1, w->pos + k + 1,
					  w->pos[k + 1] };
		else if (*i + 1 < ws->n)
			a = word_arg(&ws->w[++*i]);
		else
			return perr(p, w->pos[k],
				    "option -%c of %s needs an argument",
				    w->s[k], cs->name);
		return o->arg(p, obj, &a);
	}
	return 0;
}

static int long_opt(struct parser *p, const struct cmd_syntax *cs,
		    void *obj, const struct lex_word *w)
{
	struct arg a = word_arg(w);

	if (cs->long_opt)
		return cs->long_opt(p, obj, &a);
	return perr(p, w->at, "unknown option " SC_QUOTE " for %s", w->s,
		    cs->name);
}

/* An option word: "-x...", but not "-" nor a negative number. */
static bool is_option(const struct lex_word *w)
{
	return w->s[0] == '-' && w->len > 1 &&
	       !isdigit((unsigned char)w->s[1]);
}

/*
 * Options and operands of words [first, n).  Operands go to @ops (even on
 * error: the caller calls operands_free()).
 */
static int get_opts(struct parser *p, const struct cmd_syntax *cs,
		    const struct lex_words *ws, int first, void *obj,
		    unsigned *flags, struct operands *ops)
{
	bool dashdash = !cs->opts;
	int i, ret = 0;

	ops->v = ws->n <= OPERANDS_SMALL ? ops->small :
					   g_new(struct arg, ws->n);
	ops->n = 0;
	for (i = first; i < ws->n && !ret; i++) {
		const struct lex_word *w = &ws->w[i];

		if (dashdash || !is_option(w))
			ops->v[ops->n++] = word_arg(w);
		else if (!strcmp(w->s, "--"))
			dashdash = true;
		else if (w->s[1] == '-')
			ret = long_opt(p, cs, obj, w);
		else
			ret = opt_cluster(p, cs, ws, &i, obj, flags);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* xfs_io -c commands                                                  */

enum operand { A_END, A_OFF, A_LEN, A_SRC, A_SRC_OFF, A_DST_OFF };

static const char *const operand_name[] = {
	[A_OFF] = "offset",
	[A_LEN] = "length",
	[A_SRC] = "source file",
	[A_SRC_OFF] = "source offset",
	[A_DST_OFF] = "destination offset",
};

struct io_spec {
	struct cmd_syntax syn;	/* name, options, xfs_io's getopt string */
	const char *alt;	/* xfs_io's short alias */
	enum operand args[5];	/* operands in order, A_END-terminated */
	int short_n;		/* operand count of the short form... */
	unsigned short_flag;	/* ...if this is set: the flag it sets */
	unsigned def_flags;	/* set if none of them was given */
	int pattern;		/* default -S, or 0 */
	bool bsize;		/* has -b (default: the block size) */
};

static int opt_pattern(struct parser *p, void *obj, const struct arg *a)
{
	return pattern_arg(p, a, &((struct io_cmd *)obj)->pattern);
}

static int opt_bsize(struct parser *p, void *obj, const struct arg *a)
{
	struct io_cmd *c = obj;

	if (num_arg(p, a, &c->bsize))
		return -1;
	if (!c->bsize)
		return perr(p, a->at, "bad block size " SC_QUOTE, a->s);
	return 0;
}

static const struct optdef pwrite_opts[] = {
	{ 'S', 0, opt_pattern },
	{ 'b', 0, opt_bsize },
	{ 'w', IOF_FDATASYNC, NULL },
	{ 'W', IOF_FSYNC, NULL },
	{ 0 }
};
static const struct optdef pread_opts[] = { { 'b', 0, opt_bsize }, { 0 } };
static const struct optdef mmap_opts[] = {
	{ 'r', IOF_PROT_READ, NULL },
	{ 'w', IOF_PROT_WRITE, NULL },
	{ 'x', IOF_PROT_EXEC, NULL },
	{ 0 }
};
static const struct optdef mwrite_opts[] = {
	{ 'r', IOF_REVERSE, NULL },
	{ 'S', 0, opt_pattern },
	{ 0 }
};
static const struct optdef mread_opts[] = {
	{ 'r', IOF_REVERSE, NULL },
	{ 0 }
};
static const struct optdef msync_opts[] = {
	{ 'a', IOF_MS_ASYNC, NULL },
	{ 'i', IOF_MS_INVALIDATE, NULL },
	{ 's', IOF_MS_SYNC, NULL },
	{ 0 }
};
static const struct optdef keep_opts[] = {
	{ 'k', IOF_KEEP_SIZE, NULL },
	{ 0 }
};

#define IOF_PROT_ALL	(IOF_PROT_READ | IOF_PROT_WRITE | IOF_PROT_EXEC)
#define OFF_LEN		{ A_OFF, A_LEN }

#define SYN(n, o, r)	.syn = { .name = (n), .opts = (o), .real = (r) }

/* Indexed by io_kind; option strings are those of xfsprogs' io/\*.c. */
static const struct io_spec io_specs[] = {
	[IO_PWRITE] = { SYN("pwrite", pwrite_opts,
			    "Ab:BCdDf:Fi:NOqRs:S:uUV:wWZ:"),
			.alt = "w", .args = OFF_LEN, .pattern = 0xcd,
			.bsize = true },
	[IO_PREAD] = { SYN("pread", pread_opts, "b:BCFRquvV:Z:"),
		       .alt = "r", .args = OFF_LEN, .bsize = true },
	[IO_MMAP] = { SYN("mmap", mmap_opts, "rwxSs:"),
		      .alt = "mm", .args = OFF_LEN,
		      .def_flags = IOF_PROT_ALL },
	[IO_MWRITE] = { SYN("mwrite", mwrite_opts, "rS:"),
			.alt = "mw", .args = OFF_LEN, .pattern = 'X',
			.short_flag = IOF_WHOLE_MAP },
	[IO_MREAD] = { SYN("mread", mread_opts, "frv"),
		       .alt = "mr", .args = OFF_LEN,
		       .short_flag = IOF_WHOLE_MAP },
	[IO_MSYNC] = { SYN("msync", msync_opts, "ais"),
		       .alt = "ms", .args = OFF_LEN,
		       .short_flag = IOF_WHOLE_MAP },
	[IO_MUNMAP] = { SYN("munmap", NULL, ""), .alt = "mu" },
	[IO_FSYNC] = { SYN("fsync", NULL, ""), .alt = "s" },
	[IO_FDATASYNC] = { SYN("fdatasync", NULL, ""), .alt = "ds" },
	[IO_TRUNCATE] = { SYN("truncate", NULL, ""), .alt = "t",
			  .args = { A_OFF } },
	[IO_FPUNCH] = { SYN("fpunch", NULL, ""), .args = OFF_LEN },
	[IO_FZERO] = { SYN("fzero", keep_opts, "k"), .args = OFF_LEN },
	[IO_FALLOC] = { SYN("falloc", keep_opts, "cikpu"), .args = OFF_LEN },
	[IO_REFLINK] = { SYN("reflink", no_opts, "Cq"), .alt = "rl",
			 .args = { A_SRC, A_SRC_OFF, A_DST_OFF, A_LEN },
			 .short_n = 1, .short_flag = IOF_WHOLE_FILE },
	[IO_DEDUPE] = { SYN("dedupe", no_opts, "Cq"), .alt = "dd",
			.args = { A_SRC, A_SRC_OFF, A_DST_OFF, A_LEN } },
};

/* Commands of xfs_io that scenarios may not use (yet). */
static const char *const io_unsupported[] = {
	"bmap", "chattr", "chproj", "close", "copy_range", "fadvise",
	"fcollapse", "fiemap", "file", "finsert", "flink", "freeze",
	"fsmap", "funshare", "lsattr", "madvise", "mincore", "mremap",
	"open", "seek", "sendfile", "shutdown", "stat", "statx", "swapext",
	"sync", "sync_range", "syncfs", "thaw", "utimes",
};

static const struct io_spec *find_io_spec(const char *name)
{
	const struct io_spec *sp;

	for (sp = io_specs; sp < io_specs + G_N_ELEMENTS(io_specs); sp++)
		if (same_word(sp->syn.name, name) ||
		    (sp->alt && same_word(sp->alt, name)))
			return sp;
	return NULL;
}

static int unknown_io(struct parser *p, const struct lex_word *w)
{
	size_t k;

	for (k = 0; k < G_N_ELEMENTS(io_unsupported); k++)
		if (!strcmp(io_unsupported[k], w->s))
			return perr(p, w->at,
				    "xfs_io command '%s' is not supported",
				    w->s);
	return perr(p, w->at, "unknown xfs_io command " SC_QUOTE, w->s);
}

static int nargs(const struct io_spec *sp)
{
	int n = 0;

	while (n < (int)G_N_ELEMENTS(sp->args) && sp->args[n] != A_END)
		n++;
	return n;
}

static int io_arity(struct parser *p, const struct io_spec *sp,
		    struct io_cmd *c, const struct operands *ops,
		    struct lex_pos at)
{
	int n = nargs(sp);

	if (sp->short_flag && ops->n == sp->short_n)
		c->flags |= sp->short_flag;
	else if (ops->n > n)
		return perr(p, ops->v[n].at, "too many arguments for %s",
			    sp->syn.name);
	else if (ops->n < n)
		return perr(p, at, "missing %s for %s",
			    operand_name[sp->args[ops->n]], sp->syn.name);
	return 0;
}

static uint64_t *io_field(struct io_cmd *c, enum operand k)
{
	switch (k) {
	case A_LEN:
		return &c->len;
	case A_SRC_OFF:
		return &c->src_off;
	default:
		return &c->off;
	}
}

static int io_operands(struct parser *p, const struct io_spec *sp,
		       struct io_cmd *c, const struct operands *ops)
{
	int i;

	for (i = 0; i < ops->n; i++) {
		if (sp->args[i] == A_SRC ?
		    file_arg(p, &ops->v[i], &c->src) :
		    num_arg(p, &ops->v[i], io_field(c, sp->args[i])))
			return -1;
	}
	return 0;
}

/* offset + length and source offset + length must stay below 2^63. */
static int io_ranges(struct parser *p, const struct io_spec *sp,
		     const struct io_cmd *c, const struct operands *ops)
{
	int i;

	for (i = 0; i < ops->n && sp->args[i] != A_LEN; i++)
		;
	if (i == ops->n)
		return 0;
	if (c->len > INT64_MAX - c->off)
		return perr(p, ops->v[i].at, "offset + length is too large");
	if (c->len > INT64_MAX - c->src_off)
		return perr(p, ops->v[i].at,
			    "source offset + length is too large");
	return 0;
}

static int parse_io_cmd(struct parser *p, const struct lex_words *ws,
			struct io_cmd *c)
{
	const struct io_spec *sp = find_io_spec(ws->w[0].s);
	struct operands ops;
	int ret;

	if (!sp)
		return unknown_io(p, &ws->w[0]);
	c->kind = (enum io_kind)(sp - io_specs);
	c->col = ws->w[0].at.col;
	c->pattern = sp->pattern;
	c->bsize = sp->bsize ? p->blocksize : 0;
	ret = get_opts(p, &sp->syn, ws, 1, c, &c->flags, &ops) ||
	      io_arity(p, sp, c, &ops, ws->w[0].at) ||
	      io_operands(p, sp, c, &ops) || io_ranges(p, sp, c, &ops);
	if (!(c->flags & sp->def_flags))
		c->flags |= sp->def_flags;
	operands_free(&ops);
	return ret ? -1 : 0;
}

/* xfs_io -c ARG: split ARG into words again and parse the command. */
static int xio_cmd(struct parser *p, void *obj, const struct arg *a)
{
	struct sc_line *l = obj;
	struct lex_words *ws = &p->split;	/* its buffers are reused */
	struct lex_error le;
	struct io_cmd c = { 0 };
	int ret;

	if (lex_split(a->s, a->pos, a->at, ws, &le))
		ret = perr(p, le.pos, "%s", le.msg);
	else if (!ws->n)
		ret = perr(p, a->at, "empty xfs_io command");
	else
		ret = parse_io_cmd(p, ws, &c);
	if (ret) {
		g_free(c.src);
		return -1;
	}
	l->u.xio.cmds = g_renew(struct io_cmd, l->u.xio.cmds,
				l->u.xio.ncmds + 1);
	l->u.xio.cmds[l->u.xio.ncmds++] = c;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */

struct verb;
typedef int (*verb_fn)(struct parser *p, const struct verb *v,
		       const struct lex_words *ws, struct sc_line *l);

struct verb {
	const char *name;
	verb_fn parse;
	const struct cmd_syntax *syn;
	unsigned where;		/* IN_* */
};

/*
 * Exactly @n words after the verb: "missing WHAT for VERB" names the first
 * one missing (@what[i] names word i + 1), "too many arguments for VERB"
 * points at the first extra one.
 */
static int arity(struct parser *p, const struct lex_words *ws, int n,
		 const char *const *what)
{
	if (ws->n <= n)
		return perr(p, ws->w[0].at, "missing %s for %s",
			    what[ws->n - 1], ws->w[0].s);
	if (ws->n > n + 1)
		return perr(p, ws->w[n + 1].at, "too many arguments for %s",
			    ws->w[0].s);
	return 0;
}

static int no_args(struct parser *p, const struct lex_words *ws)
{
	if (ws->n > 1)
		return perr(p, ws->w[1].at, "%s takes no arguments",
			    ws->w[0].s);
	return 0;
}

static const struct optdef xio_opts[] = {
	{ 'f', XIO_CREATE, NULL },
	{ 'd', XIO_DIRECT, NULL },
	{ 'r', XIO_RDONLY, NULL },
	{ 'c', 0, xio_cmd },
	{ 0 }
};

static int parse_xfs_io(struct parser *p, const struct verb *v,
			const struct lex_words *ws, struct sc_line *l)
{
	struct lex_pos at = ws->w[0].at;
	struct operands ops;
	int ret;

	ret = get_opts(p, v->syn, ws, 1, l, &l->u.xio.flags, &ops);
	if (!ret && ops.n != 1)
		ret = perr(p, ops.n ? ops.v[1].at : at,
			   "xfs_io needs exactly one file");
	if (!ret)
		ret = file_arg(p, &ops.v[0], &l->u.xio.file);
	if (!ret && !l->u.xio.ncmds)
		ret = perr(p, at, "xfs_io needs at least one -c command");
	operands_free(&ops);
	return ret;
}

enum { CP_PRESERVE = 1, CP_FORCE = 2, CP_REFLINK = 4 };

static const struct optdef cp_opts[] = {
	{ 'p', CP_PRESERVE, NULL },
	{ 'f', CP_FORCE, NULL },
	{ 0 }
};

static int cp_long(struct parser *p, void *obj, const struct arg *a)
{
	unsigned *flags = obj;

	if (!strcmp(a->s, "--reflink=always") || !strcmp(a->s, "--reflink")) {
		*flags |= CP_REFLINK;
		return 0;
	}
	if (!strncmp(a->s, "--reflink=", 10))
		return perr(p, a->at, "only --reflink=always is supported");
	return perr(p, a->at, "option " SC_QUOTE " of cp is not supported",
		    a->s);
}

static int parse_cp(struct parser *p, const struct verb *v,
		    const struct lex_words *ws, struct sc_line *l)
{
	static const char *const what[] = { "source file", "destination file" };
	struct lex_pos at = ws->w[0].at;
	unsigned flags = 0;
	struct operands ops;
	int ret;

	ret = get_opts(p, v->syn, ws, 1, &flags, &flags, &ops);
	if (!ret && ops.n < 2)
		ret = perr(p, at, "missing %s for cp", what[ops.n]);
	if (!ret && ops.n > 2)
		ret = perr(p, ops.v[2].at, "too many arguments for cp");
	if (!ret && !(flags & CP_REFLINK))
		ret = perr(p, at, "cp needs --reflink=always");
	if (!ret)
		ret = (file_arg(p, &ops.v[0], &l->u.cp.src) ||
		       file_arg(p, &ops.v[1], &l->u.cp.dst)) ? -1 : 0;
	l->u.cp.preserve = flags & CP_PRESERVE;
	l->u.cp.force = flags & CP_FORCE;
	operands_free(&ops);
	return ret;
}

/* md5sum FILE..., rm [-f] FILE... */
static int parse_files(struct parser *p, const struct verb *v,
		       const struct lex_words *ws, struct sc_line *l)
{
	unsigned flags = 0;
	struct operands ops;
	int i, ret;

	ret = get_opts(p, v->syn, ws, 1, NULL, &flags, &ops);
	if (!ret && !ops.n)
		ret = perr(p, ws->w[0].at, "%s needs at least one file",
			   v->name);
	if (!ret) {
		l->u.files.files = g_new0(char *, ops.n);
		l->u.files.nfiles = ops.n;
	}
	for (i = 0; !ret && i < ops.n; i++)
		ret = file_arg(p, &ops.v[i], &l->u.files.files[i]);
	l->u.files.force = flags & 1;
	operands_free(&ops);
	return ret;
}

/* "-n", "-e", "-E" and clusters of them: sh's echo would obey them. */
static bool is_echo_option(const struct lex_word *w)
{
	return w->len > 1 && w->s[0] == '-' &&
	       strspn(w->s + 1, "neE") == (size_t)w->len - 1;
}

static int parse_echo(struct parser *p, const struct verb *v G_GNUC_UNUSED,
		      const struct lex_words *ws, struct sc_line *l)
{
	GString *s;
	int i;

	if (ws->n > 1 && is_echo_option(&ws->w[1]))
		return perr(p, ws->w[1].at, "echo options are not supported");
	s = g_string_new(NULL);
	for (i = 1; i < ws->n; i++)
		g_string_append_printf(s, "%s%s", i > 1 ? " " : "",
				       ws->w[i].s);
	l->u.echo = g_string_free(s, FALSE);
	return 0;
}

static int parse_noargs(struct parser *p, const struct verb *v G_GNUC_UNUSED,
			const struct lex_words *ws,
			struct sc_line *l G_GNUC_UNUSED)
{
	return no_args(p, ws);
}

/* sleep DURATION */
static int parse_sleep(struct parser *p, const struct verb *v G_GNUC_UNUSED,
		       const struct lex_words *ws, struct sc_line *l)
{
	static const char *const what[] = { "duration" };
	struct arg a;

	if (arity(p, ws, 1, what))
		return -1;
	a = word_arg(&ws->w[1]);
	if (duration_arg(p, &a, &l->u.sleep_ns))
		return -1;
	if (!l->u.sleep_ns)
		return perr(p, a.at, "sleep duration must be more than 0");
	return 0;
}

/* set KEY VALUE */

struct set_key {
	const char *name;
	int (*parse)(struct parser *p, const struct set_key *k,
		     const struct arg *a, struct sc_line *l);
	uint64_t min, max;	/* range, for set_pow2 and set_range */
	const char *const *words;	/* NULL-terminated, for set_word */
};

static int set_pow2(struct parser *p, const struct set_key *k,
		    const struct arg *a, struct sc_line *l)
{
	uint64_t v;

	if (num_arg(p, a, &v))
		return -1;
	if (v & (v - 1) || v < k->min || v > k->max)
		return perr(p, a->at,
			    "%s must be a power of two from %llu to %llu",
			    k->name, (unsigned long long)k->min,
			    (unsigned long long)k->max);
	l->u.set.num = v;
	return 0;
}

static int set_size(struct parser *p, const struct set_key *k G_GNUC_UNUSED,
		    const struct arg *a, struct sc_line *l)
{
	return num_arg(p, a, &l->u.set.num);
}

static int set_u64(struct parser *p, const struct set_key *k G_GNUC_UNUSED,
		   const struct arg *a, struct sc_line *l)
{
	return u64_arg(p, a, &l->u.set.num);
}

static int set_policy(struct parser *p, const struct set_key *k G_GNUC_UNUSED,
		      const struct arg *a, struct sc_line *l)
{
	size_t n = strlen(a->s);

	if (!n || n > SC_MAX_POLICY ||
	    strspn(a->s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return perr(p, a->at, "bad policy name " SC_QUOTE, a->s);
	l->u.set.str = g_strdup(a->s);
	return 0;
}

static int set_range(struct parser *p, const struct set_key *k,
		     const struct arg *a, struct sc_line *l)
{
	uint64_t v;

	if (u64_arg(p, a, &v))
		return -1;
	if (v >= k->min && v <= k->max) {
		l->u.set.num = v;
		return 0;
	}
	if (k->max == UINT64_MAX)
		return perr(p, a->at, "%s must be at least %llu", k->name,
			    (unsigned long long)k->min);
	return perr(p, a->at, "%s must be from %llu to %llu", k->name,
		    (unsigned long long)k->min, (unsigned long long)k->max);
}

static int set_duration(struct parser *p,
			const struct set_key *k G_GNUC_UNUSED,
			const struct arg *a, struct sc_line *l)
{
	return duration_arg(p, a, &l->u.set.num);
}

/* One of k->words; the message lists them: "a, b or c". */
static int set_word(struct parser *p, const struct set_key *k,
		    const struct arg *a, struct sc_line *l)
{
	const char *const *w;
	GString *all;

	for (w = k->words; *w; w++) {
		if (!strcmp(*w, a->s)) {
			l->u.set.str = g_strdup(a->s);
			return 0;
		}
	}
	all = g_string_new(NULL);
	for (w = k->words; *w; w++)
		g_string_append_printf(all, "%s%s", w == k->words ? "" :
				       w[1] ? ", " : " or ", *w);
	perr(p, a->at, "unknown %s " SC_QUOTE " (%s)", k->name, a->s,
	     all->str);
	g_string_free(all, TRUE);
	return -1;
}

/* The strategies of sim/sched.h. */
static const char *const schedules[] = { "fifo", "rr", "random", "pct", NULL };

/* The check modes of model/check.h, in enum check_mode order. */
static const char *const check_modes[] = {
	"auto", "full", "incremental", "verify", NULL
};

/* Indexed by enum sc_set_key. */
static const struct set_key set_keys[] = {
	[SET_PAGESIZE] = { "pagesize", set_pow2, 4096, 65536 },
	[SET_BLOCKSIZE] = { "blocksize", set_pow2, 512, 65536 },
	[SET_POLICY] = { "policy", set_policy, 0, 0 },
	[SET_POLICY_ONLY] = { "policy-only", set_policy, 0, 0 },
	[SET_MEMORY_LIMIT] = { "memory-limit", set_size, 0, 0 },
	[SET_DISK_SIZE] = { "disk-size", set_size, 0, 0 },
	[SET_SEED] = { "seed", set_u64, 0, 0 },
	[SET_IO_LATENCY] = { "io-latency", set_u64, 0, 0 },
	[SET_CHECK_INTERVAL] = { "check-interval", set_u64, 0, 0 },
	[SET_SCHEDULE] = { "schedule", set_word, .words = schedules },
	[SET_PCT_DEPTH] = { "pct-depth", set_range, 1, 100 },
	[SET_DIRTY_WRITEBACK] = { "dirty-writeback-interval", set_duration },
	[SET_DIRTY_EXPIRE] = { "dirty-expire", set_duration },
	[SET_STEP_BOUND] = { "step-bound", set_range, 1, UINT64_MAX },
	[SET_STEP_COST] = { "step-cost", set_duration },
	[SET_CHECK_MODE] = { "check-mode", set_word, .words = check_modes },
	[SET_QUEUE_DEPTH] = { "queue-depth", set_range, 1, 4096 },
};

static int parse_set(struct parser *p, const struct verb *v G_GNUC_UNUSED,
		     const struct lex_words *ws, struct sc_line *l)
{
	static const char *const what[] = { "setting", "value" };
	const struct set_key *k;
	struct arg a;

	if (arity(p, ws, 2, what))
		return -1;
	for (k = set_keys; k < set_keys + G_N_ELEMENTS(set_keys); k++)
		if (!strcmp(k->name, ws->w[1].s))
			break;
	if (k == set_keys + G_N_ELEMENTS(set_keys))
		return perr(p, ws->w[1].at, "unknown setting " SC_QUOTE,
			    ws->w[1].s);
	l->u.set.key = (enum sc_set_key)(k - set_keys);
	a = word_arg(&ws->w[2]);
	if (k->parse(p, k, &a, l))
		return -1;
	if (l->u.set.key == SET_BLOCKSIZE)
		p->blocksize = l->u.set.num;
	return 0;
}

static const struct cmd_syntax xio_syntax = {
	"xfs_io", xio_opts, "ac:C:dFfiLm:p:PnrRstTVx", NULL
};
static const struct cmd_syntax cp_syntax = {
	"cp", cp_opts, "abdfHilLnpPrRsS:t:TuvxZ", cp_long
};
static const struct cmd_syntax md5sum_syntax = {
	"md5sum", no_opts, "bctwz", NULL
};
static const struct optdef rm_opts[] = { { 'f', 1, NULL }, { 0 } };
static const struct cmd_syntax rm_syntax = { "rm", rm_opts, "dIirRv", NULL };

/* Indexed by enum sc_kind. */
static const struct verb verbs[] = {
	[SC_XFS_IO] = { "xfs_io", parse_xfs_io, &xio_syntax, IN_ANY },
	[SC_CP_REFLINK] = { "cp", parse_cp, &cp_syntax, IN_ANY },
	[SC_MD5SUM] = { "md5sum", parse_files, &md5sum_syntax, IN_ANY },
	[SC_RM] = { "rm", parse_files, &rm_syntax, IN_ANY },
	[SC_SYNC] = { "sync", parse_noargs, NULL, IN_ANY },
	[SC_ECHO] = { "echo", parse_echo, NULL, IN_ANY },
	[SC_WRITEBACK] = { "writeback", parse_noargs, NULL, IN_ANY },
	[SC_DROP_CACHES] = { "drop_caches", parse_noargs, NULL, IN_ANY },
	[SC_CYCLE_MOUNT] = { "cycle_mount", parse_noargs, NULL, IN_ANY },
	[SC_CRASH] = { "crash", parse_noargs, NULL, IN_ANY },
	[SC_SET] = { "set", parse_set, NULL, IN_TOP },
	[SC_SLEEP] = { "sleep", parse_sleep, NULL, IN_ANY },
};

static void line_free(struct sc_line *l)
{
	int i;

	g_free(l->text);
	switch (l->kind) {
	case SC_XFS_IO:
		for (i = 0; i < l->u.xio.ncmds; i++)
			g_free(l->u.xio.cmds[i].src);
		g_free(l->u.xio.cmds);
		g_free(l->u.xio.file);
		break;
	case SC_CP_REFLINK:
		g_free(l->u.cp.src);
		g_free(l->u.cp.dst);
		break;
	case SC_MD5SUM:
	case SC_RM:
		for (i = 0; i < l->u.files.nfiles; i++)
			g_free(l->u.files.files[i]);
		g_free(l->u.files.files);
		break;
	case SC_ECHO:
		g_free(l->u.echo);
		break;
	case SC_SET:
		g_free(l->u.set.str);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Threads and schedules                                               */

/* "irq" and the kernel threads are schedule targets, "main" the top level. */
static const char *const reserved_threads[] = {
	"irq", "main", "kswapd", "flusher",
};

/* [A-Za-z][A-Za-z0-9_-]{0,15} */
static bool good_thread_name(const char *s)
{
	size_t n = strlen(s);

	return n && n <= SC_MAX_THREAD && strchr(SC_ALPHA, *s) &&
	       strspn(s, SC_ALNUM "_-") == n;
}

/* A schedule target: a thread name, or "irq". */
static bool good_target(const char *s)
{
	return good_thread_name(s) || !strcmp(s, "irq");
}

/* A system call or step name: [A-Za-z0-9_()-]{1,64} */
static bool good_label(const char *s)
{
	size_t n = strlen(s);

	return n && n <= SC_MAX_LABEL && strspn(s, SC_ALNUM "_()-") == n;
}

static bool good_count(const char *s)
{
	uint64_t v;

	return parse_base(s, 10, &v) == CVT_OK && v >= 1 && v <= UINT32_MAX;
}

static bool is_reserved(const char *name)
{
	size_t k;

	for (k = 0; k < G_N_ELEMENTS(reserved_threads); k++)
		if (!strcmp(reserved_threads[k], name))
			return true;
	return false;
}

/* The 1-based index of thread @name, or 0. */
static int find_thread(const struct scenario *sc, const char *name)
{
	int i;

	for (i = 0; i < sc->nthreads; i++)
		if (!strcmp(sc->threads[i], name))
			return i + 1;
	return 0;
}

/* The name of the open thread block. */
static const char *thread_name(const struct parser *p)
{
	return p->sc->threads[p->thread - 1];
}

/* May @w, a verb or directive allowed @where (IN_*), appear here? */
static int check_where(struct parser *p, unsigned where,
		       const struct lex_word *w)
{
	if (p->thread && !(where & IN_THREAD))
		return perr(p, w->at, "%s is not allowed inside thread '%s'",
			    w->s, thread_name(p));
	if (!p->thread && !(where & IN_TOP))
		return perr(p, w->at, "%s without thread", w->s);
	return 0;
}

/*
 * thread NAME: open a block.  The first block after a top-level line opens
 * a section; the next ones join it.
 */
static int dir_thread(struct parser *p, const struct lex_words *ws)
{
	static const char *const what[] = { "name" };
	struct scenario *sc = p->sc;
	const struct lex_word *w;
	int dup;

	if (arity(p, ws, 1, what))
		return -1;
	w = &ws->w[1];
	if (!good_thread_name(w->s))
		return perr(p, w->at, "bad thread name " SC_QUOTE, w->s);
	if (is_reserved(w->s))
		return perr(p, w->at, "thread name '%s' is reserved", w->s);
	dup = find_thread(sc, w->s);
	if (dup)
		return perr(p, w->at,
			    "thread '%s' is already declared on line %d",
			    w->s, p->decl[dup - 1].at.line);
	if (sc->nthreads == SC_MAX_THREADS)
		return perr(p, w->at, "too many threads (more than %d)",
			    SC_MAX_THREADS);
	if (p->after_end && p->section_threads == SC_MAX_SECTION)
		return perr(p, w->at,
			    "too many threads in a section (more than %d)",
			    SC_MAX_SECTION);
	if (!p->after_end) {
		sc->nsections++;
		p->section_threads = 0;
	}
	p->section_threads++;
	p->decl = grow(p->decl, sc->nthreads, sizeof(*p->decl));
	p->decl[sc->nthreads] = (struct thread_decl){ ws->w[0].at,
						      sc->nsections };
	sc->threads = grow(sc->threads, sc->nthreads, sizeof(*sc->threads));
	sc->threads[sc->nthreads++] = g_strdup(w->s);
	p->thread = sc->nthreads;
	p->thread_lines = 0;
	return 0;
}

static int dir_end(struct parser *p, const struct lex_words *ws)
{
	if (no_args(p, ws))
		return -1;
	if (!p->thread_lines)
		return perr(p, p->decl[p->thread - 1].at,
			    "thread '%s' has no lines", thread_name(p));
	p->thread = 0;
	p->after_end = true;
	return 0;
}

/* The parts of THREAD@OP/STEP#N->TARGET, in order. */
static const struct sched_part {
	const char *what;		/* for "bad WHAT 'TEXT'" */
	const char *hint;		/* appended to that message */
	const char *end;		/* the separator after it, or "" */
	bool (*good)(const char *s);
} sched_parts[] = {
	{ "thread name", "", "@", good_thread_name },
	{ "system call name", "", "/", good_label },
	{ "step name", "", "#", good_label },
	{ "step count", " (must be 1 to 4294967295)", "->", good_count },
	{ "thread name", "", "", good_target },
};

enum { SP_THREAD, SP_OP, SP_STEP, SP_N, SP_TARGET, SP_PARTS };

/* Where w->s[i] came from; one past the end for i == len. */
static struct lex_pos pos_at(const struct lex_word *w, size_t i)
{
	struct lex_pos at;

	if (i < (size_t)w->len)
		return w->pos[i];
	at = w->pos[w->len - 1];
	at.col++;
	return at;
}

static void add_sched(struct parser *p, const struct lex_word *w,
		      char **part, struct lex_pos target_at)
{
	struct scenario *sc = p->sc;
	uint64_t n;

	parse_base(part[SP_N], 10, &n);		/* good_count() said yes */
	p->target_at = grow(p->target_at, sc->nsched, sizeof(*p->target_at));
	p->target_at[sc->nsched] = target_at;
	sc->sched = grow(sc->sched, sc->nsched, sizeof(*sc->sched));
	sc->sched[sc->nsched++] = (struct sc_sched){
		.thread = part[SP_THREAD], .op = part[SP_OP],
		.step = part[SP_STEP], .target = part[SP_TARGET],
		.n = (uint32_t)n, .lineno = w->at.line, .col = w->at.col,
	};
	g_free(part[SP_N]);
}

/* THREAD@OP/STEP#N->TARGET: each part ends at the first separator after it. */
static int sched_entry(struct parser *p, const struct lex_word *w)
{
	char *part[SP_PARTS] = { 0 };
	struct lex_pos at = w->at;
	const char *s = w->s, *end;
	int k, ret = 0;

	G_STATIC_ASSERT(G_N_ELEMENTS(sched_parts) == SP_PARTS);
	for (k = 0; k < SP_PARTS && !ret; k++) {
		const struct sched_part *sp = &sched_parts[k];

		end = *sp->end ? strstr(s, sp->end) : s + strlen(s);
		if (!end) {
			ret = perr(p, w->at, "bad schedule entry " SC_QUOTE
				   " (not THREAD@OP/STEP#N->TARGET)", w->s);
			break;
		}
		at = pos_at(w, s - w->s);
		part[k] = g_strndup(s, end - s);
		if (!sp->good(part[k]))
			ret = perr(p, at, "bad %s " SC_QUOTE "%s", sp->what,
				   part[k], sp->hint);
		s = end + strlen(sp->end);
	}
	if (!ret) {
		add_sched(p, w, part, at);
		return 0;
	}
	for (k = 0; k < SP_PARTS; k++)
		g_free(part[k]);
	return -1;
}

/* schedule ENTRY...: names are resolved at the end, in check_schedule() */
static int dir_schedule(struct parser *p, const struct lex_words *ws)
{
	int i;

	if (ws->n < 2)
		return perr(p, ws->w[0].at,
			    "schedule needs at least one entry");
	for (i = 1; i < ws->n; i++)
		if (sched_entry(p, &ws->w[i]))
			return -1;
	return 0;
}

/*
 * Kernel threads the scheduler interleaves with every section (model/sys.c
 * starts them: kswapd with a memory limit, the flusher with a writeback
 * interval); a schedule may name them, and a pin naming one that does not
 * run is reported as stale, like any entry whose step never runs.
 */
static bool is_kthread(const char *name)
{
	return is_reserved(name) && strcmp(name, "irq") && strcmp(name, "main");
}

/* Every entry's thread is declared, and its target runs beside it. */
static int check_schedule(struct parser *p)
{
	const struct scenario *sc = p->sc;
	int i, t, u;

	for (i = 0; i < sc->nsched; i++) {
		const struct sc_sched *e = &sc->sched[i];

		t = find_thread(sc, e->thread);
		if (!t && !is_kthread(e->thread))
			return perr(p, (struct lex_pos){ e->lineno, e->col },
				    "unknown thread '%s'", e->thread);
		if (!strcmp(e->target, "irq") || is_kthread(e->target))
			continue;
		u = find_thread(sc, e->target);
		if (!u)
			return perr(p, p->target_at[i], "unknown thread '%s'",
				    e->target);
		if (t && p->decl[t - 1].section != p->decl[u - 1].section)
			return perr(p, p->target_at[i],
				    "threads '%s' and '%s' are in different sections",
				    e->thread, e->target);
	}
	return 0;
}

/* At the end of the file. */
static void finish(struct parser *p)
{
	if (p->thread)
		perr(p, p->decl[p->thread - 1].at, "thread '%s' has no end",
		     thread_name(p));
	else
		check_schedule(p);
}

struct directive {
	const char *name;
	int (*parse)(struct parser *p, const struct lex_words *ws);
	unsigned where;		/* IN_* */
};

enum { DIR_THREAD, DIR_END, DIR_SCHEDULE };

static const struct directive directives[] = {
	[DIR_THREAD] = { "thread", dir_thread, IN_TOP },
	[DIR_END] = { "end", dir_end, IN_THREAD },
	[DIR_SCHEDULE] = { "schedule", dir_schedule, IN_TOP },
};

/* Lines whose words are not sh syntax (see sim/lex.h). */
static const char *const plain_verbs[] = { "schedule", NULL };

static const struct directive *find_directive(const char *name)
{
	size_t k;

	for (k = 0; k < G_N_ELEMENTS(directives); k++)
		if (same_word(directives[k].name, name))
			return &directives[k];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Whole files                                                         */

/* Parse one line into @l; @l owns @text from here on, even on error. */
static int parse_line(struct parser *p, const struct lex_words *ws,
		      char *text, struct sc_line *l)
{
	size_t k;

	memset(l, 0, sizeof(*l));
	l->lineno = ws->w[0].at.line;
	l->text = text;
	for (k = 0; k < G_N_ELEMENTS(verbs); k++) {
		if (!same_word(verbs[k].name, ws->w[0].s))
			continue;
		l->kind = (enum sc_kind)k;
		l->thread = p->thread;
		l->section = p->thread ? p->sc->nsections : 0;
		return check_where(p, verbs[k].where, &ws->w[0]) ||
		       verbs[k].parse(p, &verbs[k], ws, l) ? -1 : 0;
	}
	return perr(p, ws->w[0].at, "unknown command " SC_QUOTE, ws->w[0].s);
}

/* One logical line: a directive, or a line for lines[]; owns @text. */
static int parse_words(struct parser *p, const struct lex_words *ws,
		       char *text)
{
	const struct directive *d = find_directive(ws->w[0].s);
	struct scenario *sc = p->sc;
	struct sc_line l;

	if (!p->thread && d != &directives[DIR_THREAD])
		p->after_end = false;	/* the section, if any, is over */
	if (d) {
		g_free(text);
		return check_where(p, d->where, &ws->w[0]) || d->parse(p, ws) ?
		       -1 : 0;
	}
	if (parse_line(p, ws, text, &l)) {
		line_free(&l);
		return -1;
	}
	sc->lines = grow(sc->lines, sc->nlines, sizeof(*sc->lines));
	sc->lines[sc->nlines++] = l;
	p->thread_lines++;
	return 0;
}

static void parse_all(struct parser *p, const char *buf, size_t len,
		      struct scenario *sc)
{
	struct lex_words ws = { 0 };
	struct lex_error le;
	struct lexer lx;
	char *text;
	int r;

	p->sc = sc;
	lex_init(&lx, buf, len);
	lx.plain_verbs = plain_verbs;
	while ((r = lex_line(&lx, &ws, &text, &le)) > 0)
		if (parse_words(p, &ws, text))
			break;
	if (r < 0)
		perr(p, le.pos, "%s", le.msg);
	else if (!p->failed)
		finish(p);
	lex_words_free(&ws);
	lex_words_free(&p->split);
	g_free(p->decl);
	g_free(p->target_at);
}

/* Give the error message to the caller, or free it. */
static void hand_err(struct parser *p, char **err)
{
	if (err)
		*err = p->err;
	else
		free(p->err);
	p->err = NULL;
}

/**
 * scenario_parse_string() - parse a scenario held in memory.
 * @name: file name used in error messages (and kept in @out->path).
 * @text: the scenario's bytes; need not be NUL-terminated.
 * @len:  bytes in @text; more than 16 MiB is an error.
 * @out:  filled on success; release with scenario_free().
 * @err:  on failure, a malloc'ed "name:line:col: message" (no newline),
 *        or NULL if even that could not be allocated.  May be NULL.
 *
 * Context: the first error stops parsing.  Deterministic; no global state.
 * Return: 0 on success, -1 on any error (then @out is zeroed).
 */
int scenario_parse_string(const char *name, const char *text, size_t len,
			  struct scenario *out, char **err)
{
	struct parser p = { .name = name ? name : "-", .blocksize = 4096 };
	struct scenario sc = { 0 };

	if (len > SC_MAX_FILE)
		perr(&p, (struct lex_pos){ 1, 1 },
		     "file too large (more than %u MiB)", SC_MAX_FILE >> 20);
	else
		parse_all(&p, text, len, &sc);
	hand_err(&p, err);
	if (p.failed) {
		scenario_free(&sc);
		memset(out, 0, sizeof(*out));
		return -1;
	}
	sc.path = g_strdup(p.name);
	*out = sc;
	return 0;
}

/* Read at most SC_MAX_FILE + 1 bytes of @f. */
static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *buf = g_malloc(cap);

	while (n <= SC_MAX_FILE && (got = fread(buf + n, 1, cap - n, f))) {
		n += got;
		if (n == cap)
			buf = g_realloc(buf, cap *= 2);
	}
	if (ferror(f)) {
		g_free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/**
 * scenario_parse_file() - read and parse a scenario file.
 * @path: the file; also the name used in error messages.
 * @out:  filled on success; release with scenario_free().
 * @err:  on failure, a malloc'ed "path:line:col: message" (no newline);
 *        an unreadable file is reported at 1:1.  May be NULL.
 *
 * Return: 0 on success, -1 on any error (then @out is zeroed).
 */
int scenario_parse_file(const char *path, struct scenario *out, char **err)
{
	struct parser p = { .name = path ? path : "-" };
	FILE *f = path ? fopen(path, "rb") : NULL;
	size_t len = 0;
	char *buf = f ? slurp(f, &len) : NULL;
	int ret;

	if (buf) {
		ret = scenario_parse_string(path, buf, len, out, err);
	} else {
		ret = perr(&p, (struct lex_pos){ 1, 1 }, "cannot read file: %s",
			   path ? strerror(errno) : "no file name");
		hand_err(&p, err);
		memset(out, 0, sizeof(*out));
	}
	g_free(buf);
	if (f)
		fclose(f);
	return ret;
}

/**
 * scenario_free() - release everything scenario_parse_*() allocated.
 * @sc: the scenario; zeroed on return.  NULL is allowed.
 */
void scenario_free(struct scenario *sc)
{
	int i;

	if (!sc)
		return;
	for (i = 0; i < sc->nlines; i++)
		line_free(&sc->lines[i]);
	g_free(sc->lines);
	for (i = 0; i < sc->nthreads; i++)
		g_free(sc->threads[i]);
	g_free(sc->threads);
	for (i = 0; i < sc->nsched; i++) {
		g_free(sc->sched[i].thread);
		g_free(sc->sched[i].op);
		g_free(sc->sched[i].step);
		g_free(sc->sched[i].target);
	}
	g_free(sc->sched);
	g_free(sc->path);
	memset(sc, 0, sizeof(*sc));
}

/**
 * sc_kind_name() - the verb of a scenario line kind, for traces.
 * @kind: the kind.
 *
 * Return: a static string; "?" for a value outside the enum.
 */
const char *sc_kind_name(enum sc_kind kind)
{
	if ((unsigned)kind >= G_N_ELEMENTS(verbs))
		return "?";
	return verbs[kind].name;
}

/**
 * io_kind_name() - the name of an xfs_io -c command kind, for traces.
 * @kind: the kind.
 *
 * Return: a static string; "?" for a value outside the enum.
 */
const char *io_kind_name(enum io_kind kind)
{
	if ((unsigned)kind >= G_N_ELEMENTS(io_specs))
		return "?";
	return io_specs[kind].syn.name;
}
