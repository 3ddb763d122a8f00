// SPDX-License-Identifier: MIT
/*
 * sim/cmpout.c - the metrics of `pcsim compare` and their output: table,
 * CSV, JSON and plot (sim/compare.h).
 *
 * Every output is built from one grid of cells (struct grid): the swept
 * parameters, policy, status, the metrics and the violation, so the three
 * formats cannot disagree.  Numbers are fixed point integers formatted by
 * plot_format(): no floating point anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/never.h"
#include "sim/compare.h"
#include "sim/output.h"
#include "sim/plot.h"
#include "sim/runner.h"

#define CMP_BASELINE	"none"
#define CMP_CELL	40	/* a cell's text, NUL included */

typedef unsigned long long ull;

/* ---------------------------------------------------------- metrics --- */

enum metric {
	M_PEAK, M_MEAN, M_FINAL, M_SAVED, M_SAVED_PCT, M_COW_COPIES,
	M_COW_ALLOCS, M_WRITE_AMP, M_WB_IOS, M_READ_IOS, M_MAJOR, M_MINOR,
	M_ZAPPED, M_RECLAIMED, M_LAT50, M_LAT99, NR_METRICS
};

static const struct metric_def {
	const char *name;
	unsigned int decimals;
	const char *label;	/* the plot's y axis */
} metrics[NR_METRICS] = {
	[M_PEAK] = { "peak_pages", 0, "peak cached pages" },
	[M_MEAN] = { "mean_pages", 1, "mean cached pages (over virtual time)" },
	[M_FINAL] = { "final_pages", 0, "cached pages at the end" },
	[M_SAVED] = { "saved_vs_none", 0, "peak pages saved against none" },
	[M_SAVED_PCT] = { "saved_pct", 1, "% of none's peak pages saved" },
	[M_COW_COPIES] = { "cow_page_copies", 0, "COW page copies" },
	[M_COW_ALLOCS] = { "cow_block_allocs", 0, "COW block allocations" },
	[M_WRITE_AMP] = { "write_amp", 3,
			  "write amplification (device / application bytes)" },
	[M_WB_IOS] = { "writeback_ios", 0, "write I/Os" },
	[M_READ_IOS] = { "read_ios", 0, "read I/Os" },
	[M_MAJOR] = { "faults_major", 0, "major faults" },
	[M_MINOR] = { "faults_minor", 0, "minor faults" },
	[M_ZAPPED] = { "ptes_zapped", 0, "PTEs zapped" },
	[M_RECLAIMED] = { "reclaimed", 0, "pages reclaimed" },
	[M_LAT50] = { "lat_p50_us", 3, "median operation latency (virtual us)" },
	[M_LAT99] = { "lat_p99_us", 3, "p99 operation latency (virtual us)" },
};

int compare_metric_find(const char *name)
{
	int m;

	for (m = 0; m < NR_METRICS; m++)
		if (!strcmp(metrics[m].name, name))
			return m;
	return -1;
}

/* @num / @den in fixed point with @d decimals, rounded toward zero. */
static int64_t ratio(int64_t num, uint64_t den, unsigned int d)
{
	int64_t unit = 1, q, r;

	while (d--)
		unit *= 10;
	q = num / (int64_t)den;
	r = num % (int64_t)den;
	return q * unit + r * unit / (int64_t)den;
}

static bool metric_value(enum metric m, const struct cmp_row *r,
			 const struct cmp_row *b, int64_t *v)
{
	const struct sys_stats *s = &r->s;
	const struct sys_perf *p = &r->perf;
	int64_t saved = (int64_t)b->s.peak_cached_pages -
			(int64_t)s->peak_cached_pages;

	switch (m) {
	case M_PEAK: *v = (int64_t)s->peak_cached_pages; return true;
	case M_FINAL: *v = (int64_t)s->cached_pages; return true;
	case M_MEAN:
		*v = p->elapsed_ns ? ratio((int64_t)p->page_ns, p->elapsed_ns,
					   1) : (int64_t)s->cached_pages * 10;
		return true;
	case M_SAVED: *v = saved; return true;
	case M_SAVED_PCT:
		*v = b->s.peak_cached_pages ?
		     ratio(saved * 100, b->s.peak_cached_pages, 1) : 0;
		return b->s.peak_cached_pages != 0;
	case M_COW_COPIES: *v = (int64_t)s->cow_page_copies; return true;
	case M_COW_ALLOCS: *v = (int64_t)s->cow_block_allocs; return true;
	case M_WRITE_AMP:
		*v = p->app_write_bytes ? ratio((int64_t)p->dev_write_bytes,
						p->app_write_bytes, 3) : 0;
		return p->app_write_bytes != 0;
	case M_WB_IOS: *v = (int64_t)s->writeback_ios; return true;
	case M_READ_IOS: *v = (int64_t)s->read_ios; return true;
	case M_MAJOR: *v = (int64_t)s->faults_major; return true;
	case M_MINOR: *v = (int64_t)s->faults_minor; return true;
	case M_ZAPPED: *v = (int64_t)s->ptes_zapped; return true;
	case M_RECLAIMED: *v = (int64_t)s->pages_reclaimed; return true;
	case M_LAT50: *v = (int64_t)p->lat_p50_ns; return p->nr_ops != 0;
	case M_LAT99: *v = (int64_t)p->lat_p99_ns; return p->nr_ops != 0;
	default: return false;
	}
}

bool compare_metric(int m, const struct cmp_row *r,
		    const struct cmp_row *base, int64_t *v,
		    unsigned int *decimals)
{
	if (m < 0 || m >= NR_METRICS || !r->has_stats || !base->has_stats)
		return false;
	*decimals = metrics[m].decimals;
	return metric_value((enum metric)m, r, base, v);
}

/* ------------------------------------------------------------- grid --- */

/* What a column's cells are in JSON. */
enum col_kind { COL_NUMBER, COL_STRING };

/* Every cell of the output: a header row, then one row per run. */
struct grid {
	size_t ncols, nrows;		/* nrows counts the header */
	enum col_kind *kind;		/* per column */
	char (*cell)[CMP_CELL];		/* nrows * ncols, row-major */
};

static char *cell(struct grid *g, size_t row, size_t col)
{
	return g->cell[row * g->ncols + col];
}

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

static unsigned int ndims(const struct cmp_result *res)
{
	return res->sweep ? res->sweep->ndims : 0;
}

/* The header row. */
static void grid_header(struct grid *g, const struct cmp_result *res)
{
	size_t c = 0;
	unsigned int d;
	int m;

	for (d = 0; d < ndims(res); d++) {
		g->kind[c] = COL_NUMBER;
		snprintf(cell(g, 0, c++), CMP_CELL, "%s", workload_param(
			 res->sweep->w, res->sweep->dim[d].param)->name);
	}
	g->kind[c] = COL_STRING;
	snprintf(cell(g, 0, c++), CMP_CELL, "policy");
	g->kind[c] = COL_STRING;
	snprintf(cell(g, 0, c++), CMP_CELL, "status");
	for (m = 0; m < NR_METRICS; m++) {
		g->kind[c] = COL_NUMBER;
		snprintf(cell(g, 0, c++), CMP_CELL, "%s", metrics[m].name);
	}
	g->kind[c] = COL_STRING;
	snprintf(cell(g, 0, c), CMP_CELL, "violation");
}

/* The value of swept parameter @d at point @p as text. */
static void param_cell(char *buf, const struct cmp_result *res, size_t p,
		       unsigned int d)
{
	const struct sweep *s = res->sweep;
	unsigned int i = s->dim[d].param;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (NEVER(!f))
		abort();
	workload_print_value(f, workload_param(s->w, i), res->v[p][i]);
	fclose(f);
	snprintf(buf, CMP_CELL, "%s", text);
	free(text);
}

/* Row @row of the grid: run @r at point @p, @base that point's none. */
static void grid_row(struct grid *g, size_t row, const struct cmp_result *res,
		     size_t p, const struct cmp_row *r,
		     const struct cmp_row *base)
{
	unsigned int d, dec;
	size_t c = 0;
	int64_t v;
	int m;

	for (d = 0; d < ndims(res); d++)
		param_cell(cell(g, row, c++), res, p, d);
	snprintf(cell(g, row, c++), CMP_CELL, "%s", r->policy);
	snprintf(cell(g, row, c++), CMP_CELL, "%s", status_name(r->status));
	for (m = 0; m < NR_METRICS; m++, c++) {
		if (compare_metric(m, r, base, &v, &dec))
			plot_format(cell(g, row, c), CMP_CELL, v, dec, dec);
		else
			snprintf(cell(g, row, c), CMP_CELL, "-");
	}
	snprintf(cell(g, row, c), CMP_CELL, "%s",
		 r->violation[0] ? r->violation : "-");
}

static void grid_build(struct grid *g, const struct cmp_result *res)
{
	size_t p, row = 1;
	int i;

	g->ncols = ndims(res) + 3 + NR_METRICS;
	g->nrows = 1 + res->npoints * (size_t)res->npolicies;
	g->kind = calloc(g->ncols, sizeof(*g->kind));
	g->cell = calloc(g->nrows * g->ncols, sizeof(*g->cell));
	if (NEVER(!g->kind || !g->cell))
		abort();
	grid_header(g, res);
	for (p = 0; p < res->npoints; p++) {
		const struct cmp_row *rows = &res->rows[p * res->npolicies];

		for (i = 0; i < res->npolicies; i++)
			grid_row(g, row++, res, p, &rows[i], &rows[0]);
	}
}

static void grid_free(struct grid *g)
{
	free(g->kind);
	free(g->cell);
}

/* ----------------------------------------------------------- output --- */

static void print_csv(FILE *f, struct grid *g)
{
	size_t r, c;

	for (r = 0; r < g->nrows; r++)
		for (c = 0; c < g->ncols; c++)
			fprintf(f, "%s%s", cell(g, r, c),
				c + 1 < g->ncols ? "," : "\n");
}

/* The parameters line: swept ones as their lists of values. */
static void print_params(FILE *f, const struct cmp_result *res)
{
	const struct sweep *s = res->sweep;
	const struct workload *w = s ? s->w : NULL;
	unsigned int i, j, d;

	if (!ndims(res)) {
		fputs(res->what->params, f);
		return;
	}
	for (i = 0; i < workload_nparams(w); i++) {
		fprintf(f, "%s%s=", i ? " " : "", workload_param(w, i)->name);
		for (d = 0; d < s->ndims && s->dim[d].param != i; d++)
			;
		if (d == s->ndims) {
			workload_print_value(f, workload_param(w, i),
					     res->v[0][i]);
			continue;
		}
		for (j = 0; j < s->dim[d].n; j++) {
			fputs(j ? "," : "", f);
			workload_print_value(f, workload_param(w, i),
					     s->dim[d].vals[j]);
		}
	}
}

static uint64_t page_size(const struct cmp_result *res)
{
	return res->npoints && res->npolicies ? res->rows[0].s.page_size : 0;
}

/* Cell (@r, @c) padded to @w: numbers to the right, text to the left. */
static void table_cell(FILE *f, struct grid *g, size_t r, size_t c, int w)
{
	const char *sep = c ? "  " : "";

	if (g->kind[c] == COL_NUMBER)
		fprintf(f, "%s%*s", sep, w, cell(g, r, c));
	else if (c + 1 < g->ncols)
		fprintf(f, "%s%-*s", sep, w, cell(g, r, c));
	else			/* the last column: no trailing blanks */
		fprintf(f, "%s%s\n", sep, cell(g, r, c));
}

static void print_table(FILE *f, const struct cmp_result *res,
			struct grid *g)
{
	size_t *width = calloc(g->ncols, sizeof(*width)), r, c, len;

	if (NEVER(!width))
		abort();
	for (r = 0; r < g->nrows; r++)
		for (c = 0; c < g->ncols; c++) {
			len = strlen(cell(g, r, c));
			width[c] = len > width[c] ? len : width[c];
		}
	fprintf(f, "# workload %s, seed %llu: ", res->what->workload,
		(ull)res->what->seed);
	print_params(f, res);
	fprintf(f, "\n# pages of %llu bytes; saved_vs_none, saved_pct: "
		"against none's peak_pages; mean_pages: over virtual time\n"
		"# write_amp: device bytes written / bytes applications "
		"wrote; lat_*_us: per operation, virtual time\n",
		(ull)page_size(res));
	for (r = 0; r < g->nrows; r++)
		for (c = 0; c < g->ncols; c++)
			table_cell(f, g, r, c, (int)width[c]);
	free(width);
}

/* One JSON value: a number, a string, or null for "-". */
static void json_value(FILE *f, enum col_kind kind, const char *s)
{
	if (!strcmp(s, "-"))
		fputs("null", f);
	else if (kind == COL_NUMBER)
		fputs(s, f);
	else
		out_json_string(f, s);
}

static void print_json(FILE *f, const struct cmp_result *res,
		       struct grid *g)
{
	char *params = NULL;
	size_t len = 0, r, c;
	FILE *pf = open_memstream(&params, &len);
	unsigned int d;

	if (NEVER(!pf))
		abort();
	print_params(pf, res);
	fclose(pf);
	fputs("{\"workload\":", f);
	out_json_string(f, res->what->workload);
	fprintf(f, ",\"seed\":%llu,\"params\":", (ull)res->what->seed);
	out_json_string(f, params);
	fputs(",\"sweep\":[", f);
	for (d = 0; d < ndims(res); d++) {
		fputs(d ? "," : "", f);
		out_json_string(f, cell(g, 0, d));
	}
	fprintf(f, "],\"page_size\":%llu,\"baseline\":\"%s\",\"rows\":[",
		(ull)page_size(res), CMP_BASELINE);
	for (r = 1; r < g->nrows; r++) {
		fputs(r > 1 ? ",\n{" : "\n{", f);
		for (c = 0; c < g->ncols; c++) {
			fputs(c ? ",\"" : "\"", f);
			fprintf(f, "%s\":", cell(g, 0, c));
			json_value(f, g->kind[c], cell(g, r, c));
		}
		fputc('}', f);
	}
	fputs("\n]}\n", f);
	free(params);
}

void compare_print_result(FILE *f, enum cmp_fmt fmt,
			  const struct cmp_result *res)
{
	struct grid g;

	grid_build(&g, res);
	switch (fmt) {
	case CMP_TABLE:
		print_table(f, res, &g);
		break;
	case CMP_CSV:
		print_csv(f, &g);
		break;
	case CMP_JSON:
		print_json(f, res, &g);
		break;
	}
	grid_free(&g);
}

void compare_print(FILE *f, enum cmp_fmt fmt, const struct cmp_what *what,
		   const struct cmp_row *rows, int n)
{
	struct cmp_result res = {
		.what = what, .npoints = 1, .npolicies = n, .rows = rows,
	};

	compare_print_result(f, fmt, &res);
}

/* ------------------------------------------------------------- plot --- */

/* Series @i's values: metric @m of policy i at every point, ok runs. */
static void plot_values(const struct cmp_result *res, int m, int i,
			int64_t *y, bool *has)
{
	unsigned int dec;
	size_t p;

	for (p = 0; p < res->npoints; p++) {
		const struct cmp_row *rows = &res->rows[p * res->npolicies];

		has[p] = rows[i].status == RUN_OK &&
			 compare_metric(m, &rows[i], &rows[0], &y[p], &dec);
	}
}

int compare_plot(const char *path, int m, const struct cmp_result *res)
{
	const struct sweep_dim *d = &res->sweep->dim[0];
	const struct wl_param *xp = workload_param(res->sweep->w, d->param);
	size_t n = res->npoints, k = (size_t)res->npolicies;
	struct plot_series *series = calloc(k, sizeof(*series));
	int64_t *x = calloc(n, sizeof(*x)), *y = calloc(n * k, sizeof(*y));
	bool *has = calloc(n * k, sizeof(*has));
	char *title = g_strdup_printf("%s: %s by %s", res->what->workload,
				      metrics[m].name, xp->name);
	struct plot p = {
		.title = title, .x_label = xp->name,
		.y_label = metrics[m].label, .npoints = n, .x = x,
		.x_decimals = xp->milli ? 3 : 0, .nseries = k,
		.series = series, .y_decimals = metrics[m].decimals,
	};
	size_t i;
	int st;

	if (NEVER(!series || !x || !y || !has))
		abort();
	for (i = 0; i < n; i++)
		x[i] = (int64_t)d->vals[i];
	for (i = 0; i < k; i++) {
		series[i].name = res->rows[i].policy;
		series[i].y = &y[i * n];
		series[i].has = &has[i * n];
		plot_values(res, m, (int)i, &y[i * n], &has[i * n]);
	}
	st = plot_write(path, &p, "compare", stderr);
	g_free(title);
	free(series);
	free(x);
	free(y);
	free(has);
	return st;
}
