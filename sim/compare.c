// SPDX-License-Identifier: MIT
/*
 * sim/compare.c - `pcsim compare`: runs and the command line
 * (sim/compare.h; the output is sim/cmpout.c).
 *
 * Everything the command line can get wrong is checked before the first
 * run: the workload, every parameter, every point of the sweep, the
 * policies, the metric and where the plot goes.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/never.h"
#include "model/policy.h"
#include "sim/cliopt.h"
#include "sim/compare.h"
#include "sim/plot.h"
#include "sim/runner.h"
#include "sim/sweep.h"
#include "sim/workload.h"

#define CMP_BASELINE	"none"
#define CMP_MAX_POLICIES 64
#define VIOLATION_LINE	"VIOLATION: "

/* ------------------------------------------------------------- runs --- */

/*
 * The invariant named by the "VIOLATION: INV: ..." line the runner printed
 * in @out (runner.h), into @inv; "" if there is none.
 */
static void violation_name(const char *out, char *inv, size_t size)
{
	const char *v = out ? strstr(out, VIOLATION_LINE) : NULL;
	size_t n;

	inv[0] = '\0';
	if (!v)
		return;
	v += strlen(VIOLATION_LINE);
	n = strcspn(v, ":\n");
	snprintf(inv, size, "%.*s", (int)n, v);
}

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
	memset(row, 0, sizeof(*row));
	row->policy = policy;
	row->status = runner_run(sc, &ro, fo, fe, &rep);
	fclose(fo);
	fclose(fe);
	if (row->status == RUN_VIOLATION)
		violation_name(out, row->violation, sizeof(row->violation));
	free(out);
	free(err);
	row->has_stats = rep.has_stats;
	if (rep.has_stats) {
		row->s = rep.stats;
		row->perf = rep.perf;
	}
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

/* ---------------------------------------------------------- command --- */

static const char compare_usage[] =
"Usage: pcsim compare [--policies P1,P2,...] [--seed S]\n"
"                     [--param NAME=VALUE ...] [--sweep NAME=V1,V2,... ...]\n"
"                     [--format table|csv|json]\n"
"                     [--plot FILE.svg|FILE.png [--metric METRIC]]\n"
"                     WORKLOAD\n"
"Run workload WORKLOAD (pcsim workload --list) under each policy (default:\n"
"every design of pcsim list-policies) and print one row of metrics per\n"
"policy.  none, the baseline of saved_vs_none, is always the first row.\n"
"--sweep runs every point of the grid of the values given (one --sweep per\n"
"parameter); --plot draws METRIC (default peak_pages; any numeric column)\n"
"against the one swept parameter, one line per policy.\n";

struct cmp_cli {
	uint64_t seed;
	enum cmp_fmt fmt;
	const char *policies;	/* --policies, or NULL */
	char **kv;		/* --param values */
	int nkv;
	char **sweeps;		/* --sweep values */
	int nsweeps;
	const char *plot;	/* --plot FILE, or NULL */
	const char *metric;	/* --metric NAME, or NULL */
};

static bool cmp_fmt_opt(struct cmp_cli *c, const char *val)
{
	static const char *const names[] = {
		[CMP_TABLE] = "table", [CMP_CSV] = "csv", [CMP_JSON] = "json",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(val, names[i])) {
			c->fmt = (enum cmp_fmt)i;
			return true;
		}
	return false;
}

static bool cmp_opt(void *arg, int ch, const char *val)
{
	struct cmp_cli *c = arg;

	switch (ch) {
	case 's':
		return cli_num(val, UINT64_MAX, &c->seed);
	case 'P':
		c->kv[c->nkv++] = (char *)val;
		return true;
	case 'S':
		c->sweeps[c->nsweeps++] = (char *)val;
		return true;
	case 'p':
		c->policies = val;
		return true;
	case 'o':
		c->plot = val;
		return *val != '\0';
	case 'm':
		c->metric = val;
		return true;
	case 'f':
		return cmp_fmt_opt(c, val);
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

/* The workload's scenario at @v, parsed; Return: 0 or CLI_BAD. */
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

/* What a comparison runs: the workload, the grid and the policies. */
struct cmp_plan {
	const struct workload *w;
	uint64_t base[WL_MAX_PARAMS];	/* defaults and --param */
	struct sweep sweep;
	char *spec;			/* --policies, edited: list[] points in */
	const char *list[CMP_MAX_POLICIES];
	int npolicies;
	int metric;			/* for --plot */
};

/* Run every point of @pl; Return: 0, 1 (some run not ok) or CLI_BAD. */
static int cmp_run_all(const struct cmp_cli *c, const struct cmp_plan *pl,
		       uint64_t (*v)[WL_MAX_PARAMS], struct cmp_row *rows)
{
	size_t p, n = sweep_points(&pl->sweep);
	struct scenario sc;
	int st = 0;

	for (p = 0; p < n; p++) {
		sweep_point(&pl->sweep, p, pl->base, v[p]);
		if (cmp_scenario(pl->w, v[p], c->seed, &sc))
			return CLI_BAD;
		if (compare_run(&sc, pl->list, pl->npolicies,
				&rows[p * (size_t)pl->npolicies]))
			st = 1;
		scenario_free(&sc);
	}
	return st;
}

/* Run, print and plot; Return: the exit status. */
static int cmp_go(const struct cmp_cli *c, const struct cmp_plan *pl)
{
	size_t n = sweep_points(&pl->sweep);
	uint64_t (*v)[WL_MAX_PARAMS] = calloc(n, sizeof(*v));
	struct cmp_row *rows = calloc(n * (size_t)pl->npolicies,
				      sizeof(*rows));
	struct cmp_what what = { pl->w->name, c->seed, NULL };
	struct cmp_result res = {
		.what = &what, .sweep = &pl->sweep,
		.v = (const uint64_t (*)[WL_MAX_PARAMS])v, .npoints = n,
		.npolicies = pl->npolicies, .rows = rows,
	};
	int st;

	if (NEVER(!v || !rows))
		abort();
	st = cmp_run_all(c, pl, v, rows);
	if (st != CLI_BAD) {
		what.params = params_text(pl->w, v[0]);
		compare_print_result(stdout, c->fmt, &res);
		fflush(stdout);
		if (c->plot && compare_plot(c->plot, pl->metric, &res))
			st = CLI_BAD;
		free((char *)what.params);
	}
	free(v);
	free(rows);
	return st;
}

/* Each --sweep, and no parameter both set and swept; Return: success. */
static bool cmp_sweeps(const struct cmp_cli *c, struct cmp_plan *pl)
{
	size_t p, n;
	int i, idx;
	uint64_t v[WL_MAX_PARAMS];
	char *name;

	sweep_init(&pl->sweep, pl->w);
	for (i = 0; i < c->nsweeps; i++)
		if (!sweep_add(&pl->sweep, c->sweeps[i], "compare", stderr))
			return false;
	for (i = 0; i < c->nkv; i++) {
		name = g_strndup(c->kv[i], strcspn(c->kv[i], "="));
		idx = workload_param_index(pl->w, name);
		if (idx >= 0 && sweep_has(&pl->sweep, (unsigned int)idx)) {
			fprintf(stderr, "pcsim compare: %s is both --param "
				"and --sweep\n", name);
			g_free(name);
			return false;
		}
		g_free(name);
	}
	for (p = 0, n = sweep_points(&pl->sweep); p < n; p++) {
		sweep_point(&pl->sweep, p, pl->base, v);
		if (!workload_check(pl->w, v, "compare", stderr))
			return false;
	}
	return true;
}

/* --plot and --metric make sense; Return: success. */
static bool cmp_plot_opts(const struct cmp_cli *c, struct cmp_plan *pl)
{
	const char *metric = c->metric ? c->metric : "peak_pages";

	pl->metric = compare_metric_find(metric);
	if (c->metric && !c->plot) {
		fprintf(stderr, "pcsim compare: --metric needs --plot\n");
		return false;
	}
	if (!c->plot)
		return true;
	if (pl->metric < 0) {
		fprintf(stderr, "pcsim compare: no metric '%s' (a numeric "
			"column of the table)\n", metric);
		return false;
	}
	if (pl->sweep.ndims != 1) {
		fprintf(stderr, "pcsim compare: --plot needs exactly one "
			"--sweep\n");
		return false;
	}
	return plot_check(c->plot, "compare", stderr);
}

/* Everything from the command line; Return: success (messages). */
static bool cmp_plan(const struct cmp_cli *c, const char *name,
		     struct cmp_plan *pl)
{
	pl->spec = c->policies ? g_strdup(c->policies) : NULL;
	pl->npolicies = policy_list(pl->spec, pl->list);
	if (pl->npolicies < 0)
		return false;
	pl->w = workload_setup(name, pl->base, c->kv, c->nkv, "compare");
	return pl->w && cmp_sweeps(c, pl) && cmp_plot_opts(c, pl);
}

int compare_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policies", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "param", required_argument, NULL, 'P' },
		{ "sweep", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'f' },
		{ "plot", required_argument, NULL, 'o' },
		{ "metric", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmp_cli c = {
		.kv = calloc((size_t)argc + 1, sizeof(char *)),
		.sweeps = calloc((size_t)argc + 1, sizeof(char *)),
	};
	struct cmp_plan *pl = calloc(1, sizeof(*pl));
	int st;

	if (NEVER(!c.kv || !c.sweeps || !pl))
		abort();
	st = cli_getopt(argc, argv, longopts, cmp_opt, &c, compare_usage);
	if (!st && optind + 1 != argc) {
		fputs(compare_usage, stderr);
		st = CLI_BAD;
	}
	if (!st)
		st = cmp_plan(&c, argv[optind], pl) ? cmp_go(&c, pl) : CLI_BAD;
	g_free(pl->spec);
	free(pl);
	free(c.kv);
	free(c.sweeps);
	return st < 0 ? 0 : st;
}
