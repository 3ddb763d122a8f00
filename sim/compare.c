// SPDX-License-Identifier: MIT
/*
 * sim/compare.c - `pcsim compare`: one workload under several designs
 * (sim/compare.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/never.h"
#include "model/policy.h"
#include "sim/cliopt.h"
#include "sim/compare.h"
#include "sim/output.h"
#include "sim/runner.h"
#include "sim/workload.h"

#define CMP_BASELINE	"none"
#define CMP_MAX_POLICIES 64
#define CMP_CELL	24	/* a cell's text, NUL included */

typedef unsigned long long ull;

/* ------------------------------------------------------------- runs --- */

static int run_one(const struct scenario *sc, const char *policy,
		   struct cmp_row *row)
{
	struct run_opts ro = { .policy = policy };
	struct run_report rep = { 0 };
	char *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	FILE *fo = open_memstream(&out, &outlen);
	FILE *fe = open_memstream(&err, &errlen);

	if (NEVER(!fo || !fe))
		abort();
	row->policy = policy;
	row->status = runner_run(sc, &ro, fo, fe, &rep);
	fclose(fo);
	fclose(fe);
	free(out);
	free(err);
	row->has_stats = rep.has_stats;
	if (rep.has_stats)
		row->s = rep.stats;
	return row->status;
}

int compare_run(const struct scenario *sc, const char *const *policies,
		int n, struct cmp_row *rows)
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		if (run_one(sc, policies[i], &rows[i]) != RUN_OK)
			bad = 1;
	return bad;
}

/* ----------------------------------------------------------- output --- */

static const char *const columns[] = {
	"policy", "status", "peak_pages", "final_pages", "saved_vs_none",
	"cow_page_copies", "cow_block_allocs", "writeback_ios", "read_ios",
	"faults_major", "faults_minor", "ptes_zapped",
};

#define NR_COLUMNS	(sizeof(columns) / sizeof(columns[0]))

static const char *status_name(int st)
{
	switch (st) {
	case RUN_OK:
		return "ok";
	case RUN_VIOLATION:
		return "violation";
	default:
		return "error";
	}
}

/* The numeric columns of @r (from peak_pages on), @base the baseline. */
static void row_numbers(const struct cmp_row *r, const struct cmp_row *base,
			int64_t *num)
{
	const struct sys_stats *s = &r->s;

	num[0] = (int64_t)s->peak_cached_pages;
	num[1] = (int64_t)s->cached_pages;
	num[2] = (int64_t)base->s.peak_cached_pages -
		 (int64_t)s->peak_cached_pages;
	num[3] = (int64_t)s->cow_page_copies;
	num[4] = (int64_t)s->cow_block_allocs;
	num[5] = (int64_t)s->writeback_ios;
	num[6] = (int64_t)s->read_ios;
	num[7] = (int64_t)s->faults_major;
	num[8] = (int64_t)s->faults_minor;
	num[9] = (int64_t)s->ptes_zapped;
}

/* Every cell of @r as text ("-" for numbers of a run without stats). */
static void row_cells(const struct cmp_row *r, const struct cmp_row *base,
		      char cell[NR_COLUMNS][CMP_CELL])
{
	int64_t num[NR_COLUMNS - 2];
	size_t i;

	snprintf(cell[0], CMP_CELL, "%s", r->policy);
	snprintf(cell[1], CMP_CELL, "%s", status_name(r->status));
	row_numbers(r, base, num);
	for (i = 2; i < NR_COLUMNS; i++) {
		if (r->has_stats && base->has_stats)
			snprintf(cell[i], CMP_CELL, "%" PRId64, num[i - 2]);
		else
			snprintf(cell[i], CMP_CELL, "-");
	}
}

static void print_csv(FILE *f, const struct cmp_row *rows, int n)
{
	char cell[NR_COLUMNS][CMP_CELL];
	size_t i;
	int r;

	for (i = 0; i < NR_COLUMNS; i++)
		fprintf(f, "%s%s", i ? "," : "", columns[i]);
	fputc('\n', f);
	for (r = 0; r < n; r++) {
		row_cells(&rows[r], &rows[0], cell);
		for (i = 0; i < NR_COLUMNS; i++)
			fprintf(f, "%s%s", i ? "," : "", cell[i]);
		fputc('\n', f);
	}
}

static void print_table_row(FILE *f, char cell[NR_COLUMNS][CMP_CELL],
			    const int *width)
{
	size_t i;

	for (i = 0; i < NR_COLUMNS; i++) {
		if (i < 2)
			fprintf(f, "%s%-*s", i ? "  " : "", width[i],
				cell[i]);
		else
			fprintf(f, "  %*s", width[i], cell[i]);
	}
	fputc('\n', f);
}

static void print_table(FILE *f, const struct cmp_what *what,
			const struct cmp_row *rows, int n)
{
	char (*cells)[NR_COLUMNS][CMP_CELL] = calloc((size_t)n + 1,
						     sizeof(*cells));
	int width[NR_COLUMNS] = { 0 }, r, len;
	size_t i;

	if (NEVER(!cells))
		abort();
	for (i = 0; i < NR_COLUMNS; i++)
		snprintf(cells[0][i], CMP_CELL, "%s", columns[i]);
	for (r = 0; r < n; r++)
		row_cells(&rows[r], &rows[0], cells[r + 1]);
	for (r = 0; r <= n; r++)
		for (i = 0; i < NR_COLUMNS; i++) {
			len = (int)strlen(cells[r][i]);
			width[i] = len > width[i] ? len : width[i];
		}
	fprintf(f, "# workload %s, seed %llu: %s\n", what->workload,
		(ull)what->seed, what->params);
	fprintf(f, "# pages of %llu bytes; saved_vs_none = none's peak_pages "
		"- this row's\n", (ull)rows[0].s.page_size);
	for (r = 0; r <= n; r++)
		print_table_row(f, cells[r], width);
	free(cells);
}

static void print_json_row(FILE *f, const struct cmp_row *r,
			   const struct cmp_row *base)
{
	char cell[NR_COLUMNS][CMP_CELL];
	size_t i;

	row_cells(r, base, cell);
	fputs("{\"policy\":", f);
	out_json_string(f, cell[0]);
	fputs(",\"status\":", f);
	out_json_string(f, cell[1]);
	for (i = 2; i < NR_COLUMNS; i++)
		fprintf(f, ",\"%s\":%s", columns[i],
			strcmp(cell[i], "-") ? cell[i] : "null");
	fputc('}', f);
}

static void print_json(FILE *f, const struct cmp_what *what,
		       const struct cmp_row *rows, int n)
{
	int r;

	fputs("{\"workload\":", f);
	out_json_string(f, what->workload);
	fprintf(f, ",\"seed\":%llu,\"params\":", (ull)what->seed);
	out_json_string(f, what->params);
	fprintf(f, ",\"page_size\":%llu,\"baseline\":\"%s\",\"rows\":[",
		(ull)rows[0].s.page_size, CMP_BASELINE);
	for (r = 0; r < n; r++) {
		fputs(r ? ",\n" : "\n", f);
		print_json_row(f, &rows[r], &rows[0]);
	}
	fputs("\n]}\n", f);
}

void compare_print(FILE *f, enum cmp_fmt fmt, const struct cmp_what *what,
		   const struct cmp_row *rows, int n)
{
	switch (fmt) {
	case CMP_TABLE:
		print_table(f, what, rows, n);
		break;
	case CMP_CSV:
		print_csv(f, rows, n);
		break;
	case CMP_JSON:
		print_json(f, what, rows, n);
		break;
	}
}

/* ---------------------------------------------------------- command --- */

static const char compare_usage[] =
"Usage: pcsim compare [--policies P1,P2,...] [--seed S]\n"
"                     [--param NAME=VALUE ...] [--format table|csv|json]\n"
"                     WORKLOAD\n"
"Run workload WORKLOAD (pcsim workload --list) under each policy (default:\n"
"every design of pcsim list-policies) and print one row of metrics per\n"
"policy.  none, the baseline of saved_vs_none, is always the first row.\n";

struct cmp_cli {
	uint64_t seed;
	enum cmp_fmt fmt;
	const char *policies;	/* --policies, or NULL */
	char **kv;		/* --param values */
	int nkv;
};

static bool cmp_opt(void *arg, int ch, const char *val)
{
	struct cmp_cli *c = arg;

	switch (ch) {
	case 's':
		return cli_num(val, UINT64_MAX, &c->seed);
	case 'P':
		c->kv[c->nkv++] = (char *)val;
		return true;
	case 'p':
		c->policies = val;
		return true;
	case 'f':
		if (!strcmp(val, "table"))
			c->fmt = CMP_TABLE;
		else if (!strcmp(val, "csv"))
			c->fmt = CMP_CSV;
		else if (!strcmp(val, "json"))
			c->fmt = CMP_JSON;
		else
			return false;
		return true;
	}
	return false;
}

/* Add @name to @list unless there already; Return: success. */
static bool add_policy(const char **list, int *n, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(list[i], name))
			return true;
	if (*n == CMP_MAX_POLICIES)
		return false;
	list[(*n)++] = name;
	return true;
}

/*
 * The policies to run: none first, then @spec's (comma separated; edited
 * in place) or every design.  Return: how many, or -1 after a message.
 */
static int policy_list(char *spec, const char **list)
{
	const struct policy_ops *p;
	char *tok, *save = NULL;
	unsigned int i;
	int n = 0;

	add_policy(list, &n, CMP_BASELINE);
	if (!spec) {
		for (i = 0; (p = policy_nth(i)); i++)
			if (p->kind != POLICY_MUTANT)
				add_policy(list, &n, p->name);
		return n;
	}
	for (tok = strtok_r(spec, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!cli_policy_ok(tok) || !add_policy(list, &n, tok)) {
			fprintf(stderr, "pcsim compare: unknown policy '%s' "
				"(pcsim list-policies)\n", tok);
			return -1;
		}
	}
	return n;
}

/* The workload's scenario, parsed; Return: 0 or CLI_BAD. */
static int cmp_scenario(const struct workload *w, const uint64_t *v,
			uint64_t seed, struct scenario *sc)
{
	char *text = workload_text(w, v, seed), *err = NULL;
	int ret = scenario_parse_string(w->name, text, strlen(text), sc, &err);

	free(text);
	if (!ret)
		return 0;
	fprintf(stderr, "pcsim compare: generator bug: %s\n", err);
	free(err);
	return CLI_BAD;
}

/* The parameter values as "k=v ..." (malloc'ed). */
static char *params_text(const struct workload *w, const uint64_t *v)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (NEVER(!f))
		abort();
	workload_print_params(f, w, v);
	fclose(f);
	return s;
}

/* Run and print; Return: the exit status. */
static int cmp_go(const struct cmp_cli *c, const struct workload *w,
		  const uint64_t *v, const char **list, int n)
{
	struct cmp_row rows[CMP_MAX_POLICIES];
	struct cmp_what what = { w->name, c->seed, NULL };
	struct scenario sc;
	int st = cmp_scenario(w, v, c->seed, &sc);

	if (st)
		return st;
	st = compare_run(&sc, list, n, rows);
	what.params = params_text(w, v);
	compare_print(stdout, c->fmt, &what, rows, n);
	free((char *)what.params);
	scenario_free(&sc);
	return st;
}

int compare_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policies", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "param", required_argument, NULL, 'P' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmp_cli c = { .kv = calloc((size_t)argc + 1, sizeof(char *)) };
	const char *list[CMP_MAX_POLICIES];
	const struct workload *w = NULL;
	uint64_t v[WL_MAX_PARAMS];
	char *spec = NULL;
	int n = -1, st;

	st = cli_getopt(argc, argv, longopts, cmp_opt, &c, compare_usage);
	if (!st && optind + 1 != argc) {
		fputs(compare_usage, stderr);
		st = CLI_BAD;
	}
	if (!st) {
		spec = c.policies ? strdup(c.policies) : NULL;
		n = policy_list(spec, list);
		w = n < 0 ? NULL : workload_setup(argv[optind], v, c.kv,
						  c.nkv, "compare");
		st = w ? cmp_go(&c, w, v, list, n) : CLI_BAD;
	}
	free(spec);
	free(c.kv);
	return st < 0 ? 0 : st;
}
