/* SPDX-License-Identifier: MIT */
/*
 * sim/output.c - what the real tools print, byte for byte.
 *
 * Scope: the message formats of xfs_io (io/ and libxcmd/command.c), of
 * coreutils' md5sum, cp and rm, and the unified diff of `pcsim check`.
 * Sources of truth, in order: the scenarios/NAME.out goldens recorded on a
 * real kernel, then the tools' source.  Notable details:
 *
 *   - xfs_io's report_io_times() prints "VERB TOTAL/COUNT bytes at offset
 *     OFF" and a timing line; fstests' _filter_xfs_io turns the timing line
 *     into a constant, which is what we print (OUT_XFS_IO_STATS);
 *   - errors are perror()-style "what: text", with glibc's English texts
 *     (the C locale, whatever the process locale is);
 *   - coreutils quotes names with gnulib's quotearg shell-escape style:
 *     quoteaf() always quotes, quotef() only when a shell would need it.
 *
 * Not a real tool's output: the metrics of `pcsim run --stats` (struct
 * sys_stats), as a table or as one JSON object a line.
 */
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model/sys.h"
#include "sim/output.h"

/* Lines of context around a change in the unified diff. */
#define DIFF_CONTEXT	3
/* Largest LCS table (cells) before the diff falls back to one big hunk. */
#define DIFF_MAX_CELLS	(4u << 20)

/**
 * out_strerror - glibc's text for an errno value, in the C locale.
 * @err: a positive errno value.
 *
 * Return: a string that stays valid until the next call.
 */
const char *out_strerror(int err)
{
	static locale_t c_locale;

	if (!c_locale)
		c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!c_locale)
		return strerror(err);
	return strerror_l(err, c_locale);
}

/* fprintf(), or nothing for a NULL @f (a quiet run). */
void out_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
}

/**
 * out_perror - print "what: text" as perror(3) would.
 * @f:    output stream, or NULL: nothing.
 * @what: the prefix (a command, an ioctl or a file name).
 * @err:  the errno value.
 */
void out_perror(FILE *f, const char *what, int err)
{
	out_printf(f, "%s: %s\n", what, out_strerror(err));
}

/**
 * out_io_report - xfs_io's report_io_times(), as _filter_xfs_io leaves it.
 * @f:     output stream, or NULL: nothing.
 * @verb:  "wrote", "read", "linked", "deduped".
 * @total: bytes actually transferred.
 * @count: bytes asked for.
 * @off:   starting offset.
 */
void out_io_report(FILE *f, const char *verb, uint64_t total, uint64_t count,
		   uint64_t off)
{
	if (!f)
		return;
	fprintf(f, "%s %lld/%lld bytes at offset %lld\n", verb,
		(long long)total, (long long)count, (long long)off);
	fputs(OUT_XFS_IO_STATS "\n", f);
}

/**
 * out_md5_hex - format a digest as 32 lower-case hex digits.
 * @md5: the digest.
 * @hex: receives the digits and a NUL.
 */
void out_md5_hex(const uint8_t md5[16], char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++) {
		hex[2 * i] = digits[md5[i] >> 4];
		hex[2 * i + 1] = digits[md5[i] & 15];
	}
	hex[32] = '\0';
}

/**
 * out_md5sum_line - one line of md5sum(1) output.
 * @f:    output stream, or NULL: nothing.
 * @md5:  the digest.
 * @name: the file name as given on the command line.
 *
 * A name with a backslash or newline is escaped and the line starts with a
 * backslash, as coreutils does.
 */
void out_md5sum_line(FILE *f, const uint8_t md5[16], const char *name)
{
	bool escape = strpbrk(name, "\\\n") != NULL;
	char hex[33];
	const char *s;

	if (!f)
		return;
	out_md5_hex(md5, hex);
	fprintf(f, "%s%s  ", escape ? "\\" : "", hex);
	for (s = name; *s; s++) {
		if (escape && *s == '\\')
			fputs("\\\\", f);
		else if (escape && *s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('\n', f);
}

/* ----------------------------------------------------------- quoting --- */

static bool q_is_ctrl(unsigned char c)
{
	return c < 0x20 || c >= 0x7f;
}

/* Would a shell need this character quoted at position @i? */
static bool q_is_special(unsigned char c, size_t i)
{
	if (q_is_ctrl(c))
		return true;
	if (i == 0 && (c == '#' || c == '~'))
		return true;
	return c && strchr(" !\"$&'()*:;<=>?[\\^`|", c);
}

static bool q_needed(const char *s)
{
	size_t i;

	if (!*s)
		return true;
	for (i = 0; s[i]; i++)
		if (q_is_special((unsigned char)s[i], i))
			return true;
	return false;
}

static bool q_has_ctrl(const char *s)
{
	for (; *s; s++)
		if (q_is_ctrl((unsigned char)*s))
			return true;
	return false;
}

/* One control character inside $'...'. */
static void q_put_escape(FILE *f, unsigned char c)
{
	static const char named[] = "\aa\bb\ff\nn\rr\tt\vv";
	const char *p = c ? strchr(named, c) : NULL;

	if (p && (p - named) % 2 == 0)
		fprintf(f, "\\%c", p[1]);
	else
		fprintf(f, "\\%03o", c);
}

/* 'a'\''b'$'\t''c': single quotes, with $'...' for control characters. */
static void q_put_single(FILE *f, const char *s)
{
	bool ctrl = false;

	fputc('\'', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (q_is_ctrl(c)) {
			if (!ctrl)
				fputs("'$'", f);	/* close '...', open $' */
			q_put_escape(f, c);
			ctrl = true;
			continue;
		}
		if (ctrl)
			fputs("''", f);		/* close $'...', open ' */
		ctrl = false;
		if (c == '\'')
			fputs("'\\''", f);
		else
			fputc(c, f);
	}
	fputc('\'', f);
}

/**
 * out_quoted - print a file name quoted the way coreutils quotes it.
 * @f:    output stream, or NULL: nothing.
 * @name: the name.
 * @how:  OUT_QUOTE_ALWAYS for quoteaf() (cp, rm), OUT_QUOTE_NEEDED for
 *        quotef() (md5sum).
 *
 * gnulib's shell-escape style: a name with a single quote and nothing a
 * double-quoted shell word treats specially goes in double quotes.
 */
void out_quoted(FILE *f, const char *name, enum out_quote how)
{
	if (!f)
		return;
	if (!q_needed(name)) {
		if (how == OUT_QUOTE_ALWAYS)
			fprintf(f, "'%s'", name);
		else
			fputs(name, f);
		return;
	}
	if (strchr(name, '\'') && !strpbrk(name, "\"$\\`!") &&
	    !q_has_ctrl(name)) {
		fprintf(f, "\"%s\"", name);
		return;
	}
	q_put_single(f, name);
}

/* ------------------------------------------------------ unified diff --- */

struct dline {
	const char *s;
	size_t len;
	bool nl;		/* ends with a newline */
};

struct dtext {
	struct dline *l;
	size_t n;
};

enum dop { D_EQ, D_DEL, D_INS };

struct dedit {
	enum dop op;
	size_t ai, bi;		/* line of a and b at this step */
};

struct dwriter {
	FILE *f;
	size_t n, max;		/* lines produced, lines shown */
};

static void dtext_split(struct dtext *t, const char *s, size_t len)
{
	size_t i, start = 0;

	t->n = 0;
	t->l = calloc(len + 1, sizeof(*t->l));
	if (!t->l)
		return;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		t->l[t->n].s = s + start;
		t->l[t->n].len = i - start;
		t->l[t->n].nl = i < len;
		t->n++;
		start = i + 1;
	}
}

static bool dline_eq(const struct dline *x, const struct dline *y)
{
	return x->len == y->len && x->nl == y->nl &&
	       memcmp(x->s, y->s, x->len) == 0;
}

static void dedit_push(struct dedit *e, size_t *n, enum dop op, size_t ai,
		       size_t bi)
{
	e[*n].op = op;
	e[*n].ai = ai;
	e[*n].bi = bi;
	(*n)++;
}

static size_t zmin(size_t x, size_t y)
{
	return x < y ? x : y;
}

static size_t zmax(size_t x, size_t y)
{
	return x > y ? x : y;
}

/*
 * L[x][y] = length of the longest common subsequence of a[x..n) and
 * b[y..m), both relative to @a and @b; NULL if too large or out of memory.
 */
static uint32_t *lcs_table(const struct dline *a, size_t n,
			   const struct dline *b, size_t m)
{
	size_t w = m + 1, x, y;
	uint32_t *L;

	if (n + 1 > DIFF_MAX_CELLS / w)
		return NULL;
	L = calloc((n + 1) * w, sizeof(*L));
	for (x = n; L && x-- > 0;) {
		for (y = m; y-- > 0;) {
			if (dline_eq(&a[x], &b[y]))
				L[x * w + y] = L[(x + 1) * w + y + 1] + 1;
			else
				L[x * w + y] = zmax(L[(x + 1) * w + y],
						    L[x * w + y + 1]);
		}
	}
	return L;
}

/*
 * The edit script of the middle part a[lo_a, hi_a) / b[lo_b, hi_b): an LCS
 * walk (deletions before insertions, as diff -u shows them), or, when the
 * table would be too large, everything deleted then everything inserted.
 */
static void diff_middle(const struct dtext *a, const struct dtext *b,
			size_t lo_a, size_t hi_a, size_t lo_b, size_t hi_b,
			struct dedit *e, size_t *ne)
{
	size_t n = hi_a - lo_a, m = hi_b - lo_b, i = 0, j = 0;
	uint32_t *L = lcs_table(a->l + lo_a, n, b->l + lo_b, m);

	while (L && i < n && j < m) {
		if (dline_eq(&a->l[lo_a + i], &b->l[lo_b + j])) {
			dedit_push(e, ne, D_EQ, lo_a + i++, lo_b + j++);
		} else if (L[(i + 1) * (m + 1) + j] >=
			   L[i * (m + 1) + j + 1]) {
			dedit_push(e, ne, D_DEL, lo_a + i++, lo_b + j);
		} else {
			dedit_push(e, ne, D_INS, lo_a + i, lo_b + j++);
		}
	}
	for (; i < n; i++)
		dedit_push(e, ne, D_DEL, lo_a + i, lo_b + j);
	for (; j < m; j++)
		dedit_push(e, ne, D_INS, lo_a + n, lo_b + j);
	free(L);
}

/* Edit script of a -> b; NULL (and *ne == 0) when out of memory. */
static struct dedit *diff_edits(const struct dtext *a, const struct dtext *b,
				size_t *ne)
{
	struct dedit *e = calloc(a->n + b->n + 1, sizeof(*e));
	size_t pre = 0, suf = 0, k;

	*ne = 0;
	if (!e)
		return NULL;
	while (pre < a->n && pre < b->n && dline_eq(&a->l[pre], &b->l[pre]))
		pre++;
	while (suf < a->n - pre && suf < b->n - pre &&
	       dline_eq(&a->l[a->n - 1 - suf], &b->l[b->n - 1 - suf]))
		suf++;
	for (k = 0; k < pre; k++)
		dedit_push(e, ne, D_EQ, k, k);
	diff_middle(a, b, pre, a->n - suf, pre, b->n - suf, e, ne);
	for (k = suf; k > 0; k--)
		dedit_push(e, ne, D_EQ, a->n - k, b->n - k);
	return e;
}

static void dw_printf(struct dwriter *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dw_printf(struct dwriter *w, const char *fmt, ...)
{
	va_list ap;

	if (w->n++ >= w->max)
		return;
	va_start(ap, fmt);
	vfprintf(w->f, fmt, ap);
	va_end(ap);
}

static void dw_line(struct dwriter *w, char tag, const struct dline *l)
{
	dw_printf(w, "%c%.*s\n", tag, (int)l->len, l->s);
	if (!l->nl)
		dw_printf(w, "\\ No newline at end of file\n");
}

/* "-start,count": a count of 1 is omitted; an empty range names the line
 * before it, as GNU diff does. */
static void dw_range(char *buf, size_t size, size_t first, size_t count)
{
	size_t start = count ? first + 1 : first;

	if (count == 1)
		snprintf(buf, size, "%zu", start);
	else
		snprintf(buf, size, "%zu,%zu", start, count);
}

static void diff_hunk(struct dwriter *w, const struct dtext *a,
		      const struct dtext *b, const struct dedit *e,
		      size_t from, size_t to)
{
	size_t k, na = 0, nb = 0;
	char ra[48], rb[48];

	for (k = from; k < to; k++) {
		na += e[k].op != D_INS;
		nb += e[k].op != D_DEL;
	}
	dw_range(ra, sizeof(ra), e[from].ai, na);
	dw_range(rb, sizeof(rb), e[from].bi, nb);
	dw_printf(w, "@@ -%s +%s @@\n", ra, rb);
	for (k = from; k < to; k++) {
		if (e[k].op == D_INS)
			dw_line(w, '+', &b->l[e[k].bi]);
		else
			dw_line(w, e[k].op == D_EQ ? ' ' : '-',
				&a->l[e[k].ai]);
	}
}

/* End (exclusive) of the hunk whose first change is at @k. */
static size_t hunk_end(const struct dedit *e, size_t ne, size_t k)
{
	size_t last = k, j = k;

	while (j < ne) {
		size_t run = j;

		if (e[j].op != D_EQ) {
			last = j++;
			continue;
		}
		while (run < ne && e[run].op == D_EQ)
			run++;
		if (run == ne || run - j > 2 * DIFF_CONTEXT)
			break;
		j = run;
	}
	return zmin(ne, last + 1 + DIFF_CONTEXT);
}

/**
 * out_udiff - a unified diff (diff -u) of two texts, cut to a few lines.
 * @f:         output stream.
 * @a_label:   name of the old text ("---" line).
 * @a, @alen:  the old text.
 * @b_label:   name of the new text ("+++" line).
 * @b, @blen:  the new text.
 * @max_lines: lines to print at most; the rest is counted, not printed.
 *
 * Return: the number of lines the whole diff has (0 if the texts are equal),
 * so that the caller can say how many were left out.
 */
size_t out_udiff(FILE *f, const char *a_label, const char *a, size_t alen,
		 const char *b_label, const char *b, size_t blen,
		 size_t max_lines)
{
	struct dwriter w = { .f = f, .max = max_lines };
	struct dtext ta, tb;
	struct dedit *e = NULL;
	size_t ne = 0, k = 0, floor = 0;

	if (alen == blen && (!alen || memcmp(a, b, alen) == 0))
		return 0;
	dtext_split(&ta, a, alen);
	dtext_split(&tb, b, blen);
	if (ta.l && tb.l)
		e = diff_edits(&ta, &tb, &ne);
	dw_printf(&w, "--- %s\n", a_label);
	dw_printf(&w, "+++ %s\n", b_label);
	while (k < ne) {
		size_t end;

		if (e[k].op == D_EQ) {
			k++;
			continue;
		}
		end = hunk_end(e, ne, k);
		diff_hunk(&w, &ta, &tb, e,
			  zmax(floor, k >= DIFF_CONTEXT ? k - DIFF_CONTEXT : 0),
			  end);
		k = floor = end;
	}
	free(e);
	free(ta.l);
	free(tb.l);
	return w.n;
}

/* -------------------------------------------------------- run metrics --- */

enum stat_unit {
	STAT_COUNT,
	STAT_BYTES,		/* the table adds KiB */
};

/* Every field of struct sys_stats, in the order both formats print. */
#define STAT(field, unit) \
	{ #field, offsetof(struct sys_stats, field), unit }
static const struct stat_field {
	const char *name;	/* the table's name and the JSON key */
	size_t off;
	enum stat_unit unit;
} stat_fields[] = {
	STAT(page_size, STAT_BYTES),
	STAT(cached_pages, STAT_COUNT),
	STAT(peak_cached_pages, STAT_COUNT),
	STAT(cache_entries, STAT_COUNT),
	STAT(shared_pages, STAT_COUNT),
	STAT(saved_bytes, STAT_BYTES),
	STAT(peak_saved_bytes, STAT_BYTES),
	STAT(cow_page_copies, STAT_COUNT),
	STAT(cow_block_allocs, STAT_COUNT),
	STAT(writeback_ios, STAT_COUNT),
	STAT(writeback_bytes, STAT_BYTES),
	STAT(read_ios, STAT_COUNT),
	STAT(faults_major, STAT_COUNT),
	STAT(faults_minor, STAT_COUNT),
	STAT(ptes_zapped, STAT_COUNT),
	STAT(pages_reclaimed, STAT_COUNT),
	STAT(steps, STAT_COUNT),
	STAT(page_ops, STAT_COUNT),
	STAT(virtual_ns, STAT_COUNT),
};
#undef STAT

#define NR_STAT_FIELDS	(sizeof(stat_fields) / sizeof(stat_fields[0]))

_Static_assert(NR_STAT_FIELDS * sizeof(uint64_t) == sizeof(struct sys_stats),
	       "a field of struct sys_stats is missing from stat_fields[]");

static uint64_t stat_get(const struct sys_stats *s,
			 const struct stat_field *sf)
{
	return *(const uint64_t *)((const char *)s + sf->off);
}

/* "N", or for bytes "N (K KiB)" with K to a tenth, rounded down. */
static void stat_value(char *buf, size_t size, uint64_t v,
		       enum stat_unit unit)
{
	uint64_t kib = v / 1024, tenths = v % 1024 * 10 / 1024;

	if (unit != STAT_BYTES || !v)
		snprintf(buf, size, "%" PRIu64, v);
	else if (v % 1024 == 0)
		snprintf(buf, size, "%" PRIu64 " (%" PRIu64 " KiB)", v, kib);
	else
		snprintf(buf, size, "%" PRIu64 " (%" PRIu64 ".%" PRIu64
			 " KiB)", v, kib, tenths);
}

static void stats_table(FILE *f, const char *scenario, const char *policy,
			const struct sys_stats *s)
{
	char val[64];
	size_t i;

	fprintf(f, "== stats: %s (policy %s)\n", scenario, policy);
	for (i = 0; i < NR_STAT_FIELDS; i++) {
		stat_value(val, sizeof(val), stat_get(s, &stat_fields[i]),
			   stat_fields[i].unit);
		fprintf(f, "%-22s %s\n", stat_fields[i].name, val);
	}
}

/* A JSON string: quote, backslash and control characters escaped. */
void out_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void stats_json(FILE *f, const char *scenario, const char *policy,
		       const struct sys_stats *s)
{
	size_t i;

	fputs("{\"scenario\":", f);
	out_json_string(f, scenario);
	fputs(",\"policy\":", f);
	out_json_string(f, policy);
	for (i = 0; i < NR_STAT_FIELDS; i++)
		fprintf(f, ",\"%s\":%" PRIu64, stat_fields[i].name,
			stat_get(s, &stat_fields[i]));
	fputs("}\n", f);
}

static const struct stats_fmt {
	const char *name;
	void (*print)(FILE *f, const char *scenario, const char *policy,
		      const struct sys_stats *s);
} stats_fmts[] = {
	[OUT_STATS_TABLE] = { "table", stats_table },
	[OUT_STATS_JSON] = { "json", stats_json },
};

/**
 * out_stats_format - the format called @name ("table", "json").
 * @name: the --stats-format argument.
 *
 * Return: an enum out_stats_fmt, or -1 if there is no such format.
 */
int out_stats_format(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(stats_fmts) / sizeof(stats_fmts[0]); i++)
		if (strcmp(stats_fmts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/**
 * out_stats - print the metrics of one run.
 * @f:        output stream.
 * @fmt:      OUT_STATS_TABLE or OUT_STATS_JSON.
 * @scenario: the scenario's name.
 * @policy:   the policy the run used ("none" for mainline).
 * @s:        the metrics (kernel_stats()).
 *
 * Table: a heading line, then "%-22s %s" per metric.  JSON: one object on
 * one line, keys "scenario", "policy", then the metrics in the table's
 * order, values integers.  Same arguments, same bytes.
 */
void out_stats(FILE *f, enum out_stats_fmt fmt, const char *scenario,
	       const char *policy, const struct sys_stats *s)
{
	stats_fmts[fmt].print(f, scenario, policy, s);
}
