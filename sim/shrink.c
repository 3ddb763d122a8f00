// SPDX-License-Identifier: MIT
/*
 * sim/shrink.c - reduce a violating scenario (sim/shrink.h).
 *
 * The scenario is held as an array of lines (struct lines); every
 * reduction builds a candidate array, tests it with one run, and keeps it
 * if the same invariant fires.  Lines are the unit because the scenario
 * dialect is line based: a thread block is `thread NAME` .. `end`, every
 * other line stands alone.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/never.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/shrink.h"

#define SHRINK_DEFAULT_BUDGET 20000

struct shrinker {
	const struct shrink_opts *o;
	char *inv;			/* the invariant that must fire */
	char *violation;		/* its line in the last kept run */
	uint64_t runs, budget;
	GPtrArray *lines;		/* the current scenario, char * */
	bool changed;			/* this round kept a reduction */
};

/* ------------------------------------------------------------- lines --- */

static GPtrArray *lines_split(const char *text)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	char **v = g_strsplit(text, "\n", -1);
	int i;

	for (i = 0; v[i]; i++) {
		const char *l = v[i] + strspn(v[i], " \t");

		if (*l && *l != '#')	/* no blank or comment lines */
			g_ptr_array_add(a, g_strdup(v[i]));
	}
	g_strfreev(v);
	return a;
}

static GPtrArray *lines_copy(const GPtrArray *a)
{
	GPtrArray *c = g_ptr_array_new_full(a->len, g_free);
	guint i;

	for (i = 0; i < a->len; i++)
		g_ptr_array_add(c, g_strdup(g_ptr_array_index(a, i)));
	return c;
}

static char *lines_join(const GPtrArray *a)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < a->len; i++)
		g_string_append_printf(s, "%s\n",
				       (char *)g_ptr_array_index(a, i));
	return g_string_free(s, FALSE);
}

static const char *line_at(const GPtrArray *a, guint i)
{
	const char *l = g_ptr_array_index(a, i);

	return l + strspn(l, " \t");
}

static bool starts(const char *l, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(l, word, n) && (!l[n] || isspace((unsigned char)l[n]));
}

static bool is_structure(const char *l)
{
	return starts(l, "thread") || starts(l, "end");
}

/* Lines no reduction may drop: thread structure and the policy. */
static bool is_fixed(const char *l)
{
	return is_structure(l) || starts(l, "set policy") ||
	       starts(l, "set policy-only");
}

static bool is_operation(const char *l)
{
	return !is_structure(l) && !starts(l, "set") && !starts(l, "schedule");
}

/* ------------------------------------------------------------- tests --- */

bool shrink_violation(const char *out, char **inv, char **line)
{
	const char *v = out ? strstr(out, "VIOLATION: ") : NULL;
	size_t n;

	if (!v)
		return false;
	v += strlen("VIOLATION: ");
	*line = g_strndup(v, strcspn(v, "\n"));
	n = strspn(v, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	*inv = g_strndup(v, n);
	return true;
}

/* The external test: @text parses and the test calls it interesting. */
static bool interesting(struct shrinker *s, const char *text)
{
	struct scenario sc;

	if (scenario_parse_string("shrink.pcs", text, strlen(text), &sc, NULL))
		return false;
	scenario_free(&sc);
	if (!s->o->test(s->o->test_arg, text))
		return false;
	if (!s->inv) {
		s->inv = g_strdup("external");
		s->violation = g_strdup("external: the test calls it "
					"interesting");
	}
	return true;
}

/*
 * Run @text.  Return: true if it stops with a violation of s->inv (of any
 * invariant while s->inv is NULL, which then becomes it); @sched receives
 * the recorded schedule lines if not NULL.  With an external test: true if
 * interesting().
 */
static bool violates(struct shrinker *s, const char *text, char **sched)
{
	struct scenario sc;
	struct run_opts ro = { .policy = s->o->policy, .schedule_text = sched,
			       .quiet = true };	/* only the verdict counts */
	char *out = NULL, *err = NULL, *inv = NULL, *line = NULL;
	size_t outlen, errlen;
	FILE *fo, *fe;
	bool hit = false;

	s->runs++;
	if (s->o->test)
		return interesting(s, text);
	if (scenario_parse_string("shrink.pcs", text, strlen(text), &sc, NULL))
		return false;
	fo = open_memstream(&out, &outlen);
	fe = open_memstream(&err, &errlen);
	if (NEVER(!fo || !fe))
		abort();
	hit = runner_run(&sc, &ro, fo, fe, NULL) == RUN_VIOLATION;
	fclose(fo);
	fclose(fe);
	scenario_free(&sc);
	if (hit && shrink_violation(out, &inv, &line) &&
	    (!s->inv || !strcmp(inv, s->inv))) {
		if (!s->inv)
			s->inv = g_strdup(inv);
		g_free(s->violation);
		s->violation = line;
		line = NULL;
	} else {
		hit = false;
	}
	g_free(inv);
	g_free(line);
	free(out);
	free(err);
	return hit;
}

static bool budget_left(const struct shrinker *s)
{
	return s->runs < s->budget;
}

/* Keep @cand if it still fails (it is consumed either way). */
static bool try_lines(struct shrinker *s, GPtrArray *cand)
{
	char *text;
	bool hit;

	if (!budget_left(s)) {
		g_ptr_array_free(cand, TRUE);
		return false;
	}
	text = lines_join(cand);
	hit = violates(s, text, NULL);
	g_free(text);
	if (!hit) {
		g_ptr_array_free(cand, TRUE);
		return false;
	}
	g_ptr_array_free(s->lines, TRUE);
	s->lines = cand;
	s->changed = true;
	return true;
}

/* ------------------------------------------------------- reductions --- */

/* Drop lines [@i, @i + @n) unless one is fixed. */
static bool try_drop(struct shrinker *s, guint i, guint n)
{
	GPtrArray *c;
	guint j;

	for (j = i; j < i + n; j++)
		if (is_fixed(line_at(s->lines, j)))
			return false;
	c = lines_copy(s->lines);
	g_ptr_array_remove_range(c, i, n);
	return try_lines(s, c);
}

/* Drop each whole thread block `thread` .. `end`. */
static void drop_threads(struct shrinker *s)
{
	guint i, j;

	for (i = 0; i < s->lines->len; i++) {
		if (!starts(line_at(s->lines, i), "thread"))
			continue;
		for (j = i + 1; j < s->lines->len &&
		     !starts(line_at(s->lines, j), "end"); j++)
			;
		if (j < s->lines->len) {
			GPtrArray *c = lines_copy(s->lines);

			g_ptr_array_remove_range(c, i, j - i + 1);
			if (try_lines(s, c))
				i--;
		}
	}
}

/* ddmin-style: drop chunks of len/2, len/4, ... 1 lines. */
static void drop_lines(struct shrinker *s)
{
	guint chunk = MAX(s->lines->len / 2, 1), i;

	for (;; chunk /= 2) {
		for (i = 0; i + chunk <= s->lines->len;)
			if (!try_drop(s, i, chunk))
				i++;
		if (chunk == 1)
			break;
	}
}

/* @l with its @n-th match of @re replaced by @with (g_free()). */
static char *replace_nth(const char *l, GRegex *re, int n, const char *with,
			 bool *found)
{
	GMatchInfo *mi;
	GString *s = g_string_new(NULL);
	int start = 0, end = 0, k = 0;

	*found = false;
	g_regex_match(re, l, 0, &mi);
	while (g_match_info_matches(mi)) {
		if (k++ == n) {
			g_match_info_fetch_pos(mi, 0, &start, &end);
			*found = true;
			break;
		}
		g_match_info_next(mi, NULL);
	}
	g_match_info_free(mi);
	g_string_append_len(s, l, start);
	g_string_append(s, *found ? with : "");
	g_string_append(s, *found ? l + end : l + start);
	return g_string_free(s, FALSE);
}

/* Replace line @i by @l (consumed) and test. */
static bool try_line(struct shrinker *s, guint i, char *l)
{
	GPtrArray *c = lines_copy(s->lines);

	g_free(g_ptr_array_index(c, i));
	g_ptr_array_index(c, i) = l;
	return try_lines(s, c);
}

/* Drop single matches of @pattern from lines starting with @word. */
static void drop_parts(struct shrinker *s, const char *word,
		       const char *pattern, int keep)
{
	GRegex *re = g_regex_new(pattern, 0, 0, NULL);
	guint i;
	int n, count;

	for (i = 0; i < s->lines->len; i++) {
		const char *l = line_at(s->lines, i);
		GMatchInfo *mi;

		if (!starts(l, word))
			continue;
		count = 0;
		g_regex_match(re, g_ptr_array_index(s->lines, i), 0, &mi);
		for (; g_match_info_matches(mi); count++)
			g_match_info_next(mi, NULL);
		g_match_info_free(mi);
		for (n = count - 1; n >= 0 && count > keep; n--) {
			bool found;
			char *c = replace_nth(g_ptr_array_index(s->lines, i),
					      re, n, "", &found);

			if (found && try_line(s, i, c))
				count--;
			else if (!found)
				g_free(c);
		}
	}
	g_regex_unref(re);
}

/* ---------------------------------------------------------- numbers --- */

/* A number token: decimal or 0x hex, between spaces or quotes. */
#define NUMBER_RE "(?<=[ \"])(0x[0-9a-fA-F]+|[0-9]+)(?=[ \"]|$)"

/* Line @i with its @n-th number set to @v, written as @hex or not. */
static char *with_number(struct shrinker *s, GRegex *re, guint i, int n,
			 uint64_t v, bool hex)
{
	char buf[32];
	bool found;

	snprintf(buf, sizeof(buf), hex ? "0x%02" PRIx64 : "%" PRIu64, v);
	return replace_nth(g_ptr_array_index(s->lines, i), re, n, buf, &found);
}

static bool try_number(struct shrinker *s, GRegex *re, guint i, int n,
		       uint64_t v, bool hex)
{
	return budget_left(s) && try_line(s, i, with_number(s, re, i, n, v,
							     hex));
}

/* Move number @n of line @i toward 0: 0, else bisect [0, @v]. */
static void shrink_number(struct shrinker *s, GRegex *re, guint i, int n,
			  uint64_t v, bool hex)
{
	uint64_t lo = 0, hi = v, mid;

	if (!v || try_number(s, re, i, n, 0, hex))
		return;
	while (hi - lo > 1 && budget_left(s)) {
		mid = lo + (hi - lo) / 2;
		if (try_number(s, re, i, n, mid, hex))
			hi = mid;
		else
			lo = mid;
	}
}

/* The @n-th number of @l; false if there is none. */
static bool nth_number(GRegex *re, const char *l, int n, uint64_t *v,
		       bool *hex)
{
	GMatchInfo *mi;
	bool found = false;
	int k = 0;

	g_regex_match(re, l, 0, &mi);
	for (; g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
		char *tok;

		if (k++ != n)
			continue;
		tok = g_match_info_fetch(mi, 0);
		*hex = tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X');
		*v = g_ascii_strtoull(tok, NULL, *hex ? 16 : 10);
		g_free(tok);
		found = true;
		break;
	}
	g_match_info_free(mi);
	return found;
}

static void shrink_numbers(struct shrinker *s)
{
	GRegex *re = g_regex_new(NUMBER_RE, 0, 0, NULL);
	uint64_t v;
	bool hex;
	guint i;
	int n;

	for (i = 0; i < s->lines->len; i++) {
		if (!is_operation(line_at(s->lines, i)))
			continue;
		for (n = 0; nth_number(re, g_ptr_array_index(s->lines, i), n,
				       &v, &hex); n++)
			shrink_number(s, re, i, n, v, hex);
	}
	g_regex_unref(re);
}

/* --------------------------------------------------------- schedules --- */

static bool is_schedule_setting(const char *l)
{
	return starts(l, "schedule") || starts(l, "set schedule") ||
	       starts(l, "set pct-depth");
}

/*
 * Replace the schedule settings and lines by what a run of the current
 * lines recorded; keep that if it fails the same way under fifo.
 */
static void rerecord(struct shrinker *s)
{
	char *text = lines_join(s->lines), *sched = NULL;
	bool changed = s->changed;
	GPtrArray *c, *rec;
	guint i;

	if (!s->o->test && violates(s, text, &sched) && sched) {
		c = g_ptr_array_new_with_free_func(g_free);
		for (i = 0; i < s->lines->len; i++)
			if (!is_schedule_setting(line_at(s->lines, i)))
				g_ptr_array_add(c, g_strdup(
					g_ptr_array_index(s->lines, i)));
		rec = lines_split(sched);
		for (i = 0; i < rec->len; i++)
			g_ptr_array_add(c, g_strdup(g_ptr_array_index(rec, i)));
		g_ptr_array_free(rec, TRUE);
		try_lines(s, c);
		s->changed = changed;	/* not a reduction */
	}
	g_free(sched);
	g_free(text);
}

/* -------------------------------------------------------------- main --- */

static void count(const GPtrArray *a, int *threads, int *ops, int *pre)
{
	guint i;

	*threads = *ops = *pre = 0;
	for (i = 0; i < a->len; i++) {
		const char *l = line_at(a, i);

		*threads += starts(l, "thread");
		*pre += starts(l, "schedule");
		*ops += is_operation(l);
	}
}

static void shrink_round(struct shrinker *s)
{
	s->changed = false;
	drop_threads(s);
	drop_lines(s);
	drop_parts(s, "xfs_io", " -c (\"[^\"]*\"|[^ \"]+)", 1);
	drop_parts(s, "md5sum", " [^ ]+", 1);
	shrink_numbers(s);
}

int shrink_scenario(const char *text, const struct shrink_opts *o,
		    struct shrink_result *r)
{
	struct shrinker s = {
		.o = o, .budget = o->budget ? o->budget : SHRINK_DEFAULT_BUDGET,
	};
	int dummy;

	if (!violates(&s, text, NULL)) {
		g_free(s.inv);
		g_free(s.violation);
		return -1;
	}
	s.lines = lines_split(text);
	memset(r, 0, sizeof(*r));
	count(s.lines, &dummy, &r->ops_before, &dummy);
	rerecord(&s);
	do {
		shrink_round(&s);
		if (s.changed)
			rerecord(&s);
	} while (s.changed && budget_left(&s));
	/* a round cut short by the budget proves nothing */
	r->minimal = !s.changed && budget_left(&s);
	r->text = lines_join(s.lines);
	r->invariant = s.inv;
	r->violation = s.violation;
	r->runs = s.runs;
	count(s.lines, &r->threads, &r->ops, &r->preemptions);
	g_ptr_array_free(s.lines, TRUE);
	return 0;
}

void shrink_result_free(struct shrink_result *r)
{
	g_free(r->text);
	g_free(r->invariant);
	g_free(r->violation);
	memset(r, 0, sizeof(*r));
}
