// SPDX-License-Identifier: MIT
/*
 * sim/plot.c - line charts as hand-written SVG, or PNG via gnuplot
 * (sim/plot.h).
 *
 * Invariant: every coordinate is an integer number of tenths of a pixel
 * computed with integer arithmetic (128-bit products), so equal input
 * gives equal bytes with any compiler at any optimisation level.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "model/never.h"
#include "sim/plot.h"

typedef long long ll;

/* Layout, in pixels. */
#define W		720	/* width */
#define ML		90	/* left of the plot area: y tick labels */
#define MR		30
#define MT		50	/* above the plot area: the title */
#define PH		300	/* plot area height */
#define MB		60	/* below it: x tick labels and x label */
#define LEG_ROW		20	/* one legend entry */
#define TICKS		6	/* about this many y ticks */
#define X_LABEL_GAP	36	/* least distance between x labels */

static const char *const colors[] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
	"#000000", "#999999",
};
static const char *const dashes[] = { "", "8 4", "3 3", "10 3 3 3" };

#define NR_COLORS	(sizeof(colors) / sizeof(colors[0]))
#define NR_DASHES	(sizeof(dashes) / sizeof(dashes[0]))

/* ---------------------------------------------------------- numbers --- */

static int64_t pow10_of(unsigned int d)
{
	int64_t p = 1;

	while (d--)
		p *= 10;
	return p;
}

void plot_format(char *buf, size_t size, int64_t v, unsigned int decimals,
		 unsigned int shown)
{
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	uint64_t unit = (uint64_t)pow10_of(decimals);
	uint64_t frac = mag % unit / (uint64_t)pow10_of(decimals - shown);

	if (shown)
		snprintf(buf, size, "%s%llu.%0*llu", v < 0 ? "-" : "",
			 (unsigned long long)(mag / unit), (int)shown,
			 (unsigned long long)frac);
	else
		snprintf(buf, size, "%s%llu", v < 0 ? "-" : "",
			 (unsigned long long)(mag / unit));
}

/* Floor and ceiling of @a / @b for @b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return -floor_div(-a, b);
}

/* The smallest of 1, 2, 5 times a power of ten that is at least @raw. */
static int64_t nice_step(int64_t raw)
{
	int64_t p = 1;

	if (raw < 1)
		return 1;
	while (p <= raw / 10)
		p *= 10;
	if (p >= raw)
		return p;
	if (2 * p >= raw)
		return 2 * p;
	return 5 * p >= raw ? 5 * p : 10 * p;
}

/*
 * An axis: [lo, hi] in value units, @px pixels long, ticks every step from
 * @first (the first multiple of step not below lo).
 */
struct axis {
	int64_t lo, hi, step, first;
	unsigned int decimals;	/* of the values */
	unsigned int shown;	/* decimals the tick labels need */
	int origin, px;		/* pixel of lo, signed length to hi */
};

/*
 * Fit an axis around [@min, @max] (@min <= @max): to the data if @tight
 * (the x axis: the swept values), else out to whole steps.
 */
static void axis_fit(struct axis *a, int64_t min, int64_t max,
		     unsigned int decimals, bool tight)
{
	int64_t unit = pow10_of(decimals);

	if (min == max) {	/* a single value: one unit either side */
		min -= unit;
		max += unit;
	}
	a->decimals = decimals;
	a->step = nice_step(ceil_div(max - min, TICKS));
	a->lo = tight ? min : floor_div(min, a->step) * a->step;
	a->hi = tight ? max : ceil_div(max, a->step) * a->step;
	a->first = ceil_div(a->lo, a->step) * a->step;
	for (a->shown = decimals;
	     a->shown && a->step % pow10_of(decimals - a->shown + 1) == 0;
	     a->shown--)
		;
}

/* The pixel of @v on @a, in tenths. */
static ll axis_px10(const struct axis *a, int64_t v)
{
	__int128 num = (__int128)(v - a->lo) * a->px * 10;

	return (ll)a->origin * 10 + (ll)(num / (a->hi - a->lo));
}

/* Print @t tenths of a pixel: "12.3" or "12". */
static void px(FILE *f, ll t)
{
	if (t % 10)
		fprintf(f, "%s%lld.%lld", t < 0 ? "-" : "", llabs(t) / 10,
			llabs(t) % 10);
	else
		fprintf(f, "%lld", t / 10);
}

/* ------------------------------------------------------------- text --- */

/* @s with &, <, > and " escaped. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void text_at(FILE *f, ll x10, ll y10, const char *anchor,
		    const char *extra, const char *s)
{
	fputs("<text x=\"", f);
	px(f, x10);
	fputs("\" y=\"", f);
	px(f, y10);
	fprintf(f, "\" text-anchor=\"%s\"%s>", anchor, extra);
	xml_text(f, s);
	fputs("</text>\n", f);
}

/* ----------------------------------------------------------- series --- */

static bool has_y(const struct plot_series *s, size_t i)
{
	return !s->has || s->has[i];
}

static bool same_values(const struct plot *p, const struct plot_series *a,
			const struct plot_series *b)
{
	size_t i;

	for (i = 0; i < p->npoints; i++)
		if (has_y(a, i) != has_y(b, i) ||
		    (has_y(a, i) && a->y[i] != b->y[i]))
			return false;
	return true;
}

/*
 * Groups of series with equal values: @group[i] is the index of the first
 * series equal to series i.  Return: how many groups.
 */
static size_t group_series(const struct plot *p, size_t *group)
{
	size_t i, j, n = 0;

	for (i = 0; i < p->nseries; i++) {
		for (j = 0; j < i; j++)
			if (group[j] == j &&
			    same_values(p, &p->series[i], &p->series[j]))
				break;
		group[i] = j < i ? j : i;
		n += group[i] == i;
	}
	return n;
}

/* The points' indices in increasing x (insertion sort: stable, tiny). */
static void x_order(const struct plot *p, size_t *order)
{
	size_t i, j, t;

	for (i = 0; i < p->npoints; i++) {
		order[i] = i;
		for (j = i; j > 0 && p->x[order[j - 1]] > p->x[order[j]]; j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	}
}

/* Data ranges; Return: whether any y exists. */
static bool y_range(const struct plot *p, int64_t *min, int64_t *max)
{
	bool any = false;
	size_t s, i;

	*min = *max = 0;
	for (s = 0; s < p->nseries; s++)
		for (i = 0; i < p->npoints; i++) {
			if (!has_y(&p->series[s], i))
				continue;
			if (!any || p->series[s].y[i] < *min)
				*min = p->series[s].y[i];
			if (!any || p->series[s].y[i] > *max)
				*max = p->series[s].y[i];
			any = true;
		}
	return any;
}

static void fit_axes(const struct plot *p, struct axis *ax, struct axis *ay)
{
	int64_t xmin = 0, xmax = 0, ymin, ymax;
	size_t i;

	for (i = 0; i < p->npoints; i++) {
		if (!i || p->x[i] < xmin)
			xmin = p->x[i];
		if (!i || p->x[i] > xmax)
			xmax = p->x[i];
	}
	if (!y_range(p, &ymin, &ymax))
		ymax = pow10_of(p->y_decimals);
	if (ymin > 0)			/* amounts: show the zero */
		ymin = 0;
	if (ymax < 0)
		ymax = 0;
	axis_fit(ax, xmin, xmax, p->x_decimals, true);
	axis_fit(ay, ymin, ymax, p->y_decimals, false);
	ax->origin = ML;
	ax->px = W - MR - ML;
	ay->origin = MT + PH;
	ay->px = -PH;
}

/* ------------------------------------------------------------ parts --- */

/* The fewest decimals of @v's @decimals that show it exactly. */
static unsigned int exact_decimals(int64_t v, unsigned int decimals)
{
	unsigned int shown = decimals;

	while (shown && v % pow10_of(decimals - shown + 1) == 0)
		shown--;
	return shown;
}

/* A vertical (@vertical) or horizontal grid line at @at tenths. */
static void grid_line(FILE *f, bool vertical, ll at)
{
	fputs(vertical ? "<line x1=\"" : "<line y1=\"", f);
	px(f, at);
	fputs(vertical ? "\" x2=\"" : "\" y2=\"", f);
	px(f, at);
	if (vertical)
		fprintf(f, "\" y1=\"%d\" y2=\"%d\"/>\n", MT, MT + PH);
	else
		fprintf(f, "\" x1=\"%d\" x2=\"%d\"/>\n", ML, W - MR);
}

/*
 * The y axis: nice ticks with grid lines.  The x axis: a tick and a grid
 * line at each x value (the swept values), a label unless it would crowd
 * the previous one.
 */
static void draw_axes(FILE *f, const struct plot *p, const struct axis *ax,
		      const struct axis *ay, const size_t *order)
{
	char label[48];
	ll last = -100000, at;
	int64_t v;
	size_t i;

	fputs("<g stroke=\"#dddddd\" stroke-width=\"1\">\n", f);
	for (v = ay->first; v <= ay->hi; v += ay->step)
		grid_line(f, false, axis_px10(ay, v));
	for (i = 0; i < p->npoints; i++)
		grid_line(f, true, axis_px10(ax, p->x[order[i]]));
	fputs("</g>\n", f);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"fill=\"none\" stroke=\"#000000\"/>\n", ML, MT, W - MR - ML,
		PH);
	for (v = ay->first; v <= ay->hi; v += ay->step) {
		plot_format(label, sizeof(label), v, ay->decimals, ay->shown);
		text_at(f, (ML - 6) * 10, axis_px10(ay, v) + 40, "end", "",
			label);
	}
	for (i = 0; i < p->npoints; i++) {
		v = p->x[order[i]];
		at = axis_px10(ax, v);
		if (at - last < X_LABEL_GAP * 10)
			continue;
		last = at;
		plot_format(label, sizeof(label), v, ax->decimals,
			    exact_decimals(v, ax->decimals));
		text_at(f, at, (MT + PH + 18) * 10, "middle", "", label);
	}
	text_at(f, (ML + (W - MR - ML) / 2) * 10, (MT + PH + 42) * 10,
		"middle", "", p->x_label);
	fputs("<g transform=\"translate(20 ", f);
	px(f, (MT + PH / 2) * 10);
	fputs(") rotate(-90)\">\n", f);
	text_at(f, 0, 0, "middle", "", p->y_label);
	fputs("</g>\n", f);
}

/* Marker @shape centred at (@x, @y), tenths of a pixel. */
static void draw_marker(FILE *f, unsigned int shape, ll x, ll y)
{
	static const char *const paths[] = {
		NULL,				/* circle */
		"m-35 -35h70v70h-70z",		/* square */
		"m0 -45l40 70h-80z",		/* triangle */
		"m0 -45l45 45l-45 45l-45 -45z",	/* diamond */
		"m0 45l40 -70h-80z",		/* triangle down */
		"m-40 -40l80 80m0 -80l-80 80",	/* cross */
	};
	const char *d = paths[shape % (sizeof(paths) / sizeof(paths[0]))];

	if (!d) {
		fputs("<circle cx=\"", f);
		px(f, x);
		fputs("\" cy=\"", f);
		px(f, y);
		fputs("\" r=\"4\"/>\n", f);
		return;
	}
	/*
	 * Path data in tenths: scaled by 0.1, and so is the stroke width,
	 * which 15 makes 1.5 pixels again (the cross is only stroke).
	 */
	fputs("<path transform=\"translate(", f);
	px(f, x);
	fputc(' ', f);
	px(f, y);
	fprintf(f, ") scale(0.1)\" stroke-width=\"15\" d=\"%s\"/>\n", d);
}

static void draw_series(FILE *f, const struct plot *p, const struct axis *ax,
			const struct axis *ay, size_t s, unsigned int g,
			const size_t *order)
{
	const struct plot_series *se = &p->series[s];
	size_t i, k;

	fprintf(f, "<g stroke=\"%s\" fill=\"%s\" stroke-width=\"2\">\n",
		colors[g % NR_COLORS], colors[g % NR_COLORS]);
	fprintf(f, "<polyline fill=\"none\"%s%s%s points=\"",
		*dashes[g % NR_DASHES] ? " stroke-dasharray=\"" : "",
		dashes[g % NR_DASHES], *dashes[g % NR_DASHES] ? "\"" : "");
	for (k = 0, i = 0; i < p->npoints; i++) {
		if (!has_y(se, order[i]))
			continue;
		fputs(k++ ? " " : "", f);
		px(f, axis_px10(ax, p->x[order[i]]));
		fputc(',', f);
		px(f, axis_px10(ay, se->y[order[i]]));
	}
	fputs("\"/>\n", f);
	for (i = 0; i < p->npoints; i++)
		if (has_y(se, order[i]))
			draw_marker(f, g, axis_px10(ax, p->x[order[i]]),
				    axis_px10(ay, se->y[order[i]]));
	fputs("</g>\n", f);
}

/* Legend entry @g (row) of the group led by series @s. */
static void draw_legend(FILE *f, const struct plot *p, const size_t *group,
			size_t s, unsigned int g)
{
	ll y = (MT + PH + MB + (ll)g * LEG_ROW + 10) * 10;
	GString *names = g_string_new(NULL);
	size_t i;

	for (i = s; i < p->nseries; i++)
		if (group[i] == s)
			g_string_append_printf(names, "%s%s", names->len ?
					       ", " : "", p->series[i].name);
	fprintf(f, "<g stroke=\"%s\" fill=\"%s\" stroke-width=\"2\">\n",
		colors[g % NR_COLORS], colors[g % NR_COLORS]);
	fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"", ML, ML + 40);
	px(f, y);
	fputs("\" y2=\"", f);
	px(f, y);
	fprintf(f, "\"%s%s%s/>\n",
		*dashes[g % NR_DASHES] ? " stroke-dasharray=\"" : "",
		dashes[g % NR_DASHES], *dashes[g % NR_DASHES] ? "\"" : "");
	draw_marker(f, g, (ML + 20) * 10, y);
	fputs("</g>\n", f);
	text_at(f, (ML + 50) * 10, y + 40, "start", "", names->str);
	g_string_free(names, TRUE);
}

void plot_svg(FILE *f, const struct plot *p)
{
	size_t *group = calloc(p->nseries + 1, sizeof(*group));
	size_t *order = calloc(p->npoints + 1, sizeof(*order));
	size_t ngroups = group_series(p, group), s;
	struct axis ax, ay;
	unsigned int g;
	int h = MT + PH + MB + (int)ngroups * LEG_ROW + 10;

	if (NEVER(!group || !order))
		abort();
	x_order(p, order);
	fit_axes(p, &ax, &ay);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n", W, h, W, h);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		W, h);
	text_at(f, W / 2 * 10, 28 * 10, "middle", " font-size=\"15\"",
		p->title);
	draw_axes(f, p, &ax, &ay, order);
	for (g = 0, s = 0; s < p->nseries; s++)
		if (group[s] == s)
			draw_series(f, p, &ax, &ay, s, g++, order);
	for (g = 0, s = 0; s < p->nseries; s++)
		if (group[s] == s)
			draw_legend(f, p, group, s, g++);
	fputs("</svg>\n", f);
	free(group);
	free(order);
}

/* ----------------------------------------------------------- gnuplot --- */

/* A gnuplot double-quoted string: no quote, backslash or control char. */
static void gp_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 ?
		      ' ' : *s, f);
	fputc('"', f);
}

void plot_gnuplot(FILE *f, const char *path, const struct plot *p)
{
	char xs[48], ys[48];
	size_t *order = calloc(p->npoints + 1, sizeof(*order));
	size_t s, i;

	if (NEVER(!order))
		abort();
	x_order(p, order);
	fputs("set terminal pngcairo size 720,480\nset output ", f);
	gp_string(f, path);
	fputs("\nset title ", f);
	gp_string(f, p->title);
	fputs(" noenhanced\nset xlabel ", f);
	gp_string(f, p->x_label);
	fputs(" noenhanced\nset ylabel ", f);
	gp_string(f, p->y_label);
	fputs(" noenhanced\nset key below noenhanced\nset grid\nplot", f);
	for (s = 0; s < p->nseries; s++) {
		fputs(s ? ", '-' with linespoints title " :
			  " '-' with linespoints title ", f);
		gp_string(f, p->series[s].name);
	}
	fputc('\n', f);
	for (s = 0; s < p->nseries; s++) {
		for (i = 0; i < p->npoints; i++) {
			if (!has_y(&p->series[s], order[i]))
				continue;
			plot_format(xs, sizeof(xs), p->x[order[i]],
				    p->x_decimals, p->x_decimals);
			plot_format(ys, sizeof(ys), p->series[s].y[order[i]],
				    p->y_decimals, p->y_decimals);
			fprintf(f, "%s %s\n", xs, ys);
		}
		fputs("e\n", f);
	}
	free(order);
}

static bool is_png(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcmp(path + n - 4, ".png");
}

bool plot_check(const char *path, const char *prog, FILE *err)
{
	char *dir = g_path_get_dirname(path), *gp = NULL;
	bool ok = access(dir, W_OK) == 0;

	if (!ok)
		fprintf(err, "pcsim %s: --plot %s: cannot write in %s\n", prog,
			path, dir);
	else if (is_png(path) && !(gp = g_find_program_in_path("gnuplot")))
		fprintf(err, "pcsim %s: --plot %s: PNG needs gnuplot, which "
			"is not installed; write an .svg instead\n", prog,
			path);
	ok = ok && (!is_png(path) || gp);
	g_free(gp);
	g_free(dir);
	return ok;
}

static int plot_png(const char *path, const struct plot *p, const char *prog,
		    FILE *err)
{
	char *gp, *q, *cmd;
	FILE *pipe;
	int st;

	if (!plot_check(path, prog, err))
		return -1;
	gp = g_find_program_in_path("gnuplot");
	q = g_shell_quote(gp);
	cmd = g_strdup_printf("%s >/dev/null 2>&1", q);
	pipe = popen(cmd, "w");
	if (pipe)
		plot_gnuplot(pipe, path, p);
	st = pipe ? pclose(pipe) : -1;
	g_free(cmd);
	g_free(q);
	g_free(gp);
	if (st == 0)
		return 0;
	fprintf(err, "pcsim %s: --plot %s: gnuplot failed\n", prog, path);
	return -1;
}

int plot_write(const char *path, const struct plot *p, const char *prog,
	       FILE *err)
{
	FILE *f;
	int bad;

	if (is_png(path))
		return plot_png(path, p, prog, err);
	f = fopen(path, "w");
	if (!f) {
		fprintf(err, "pcsim %s: --plot %s: %s\n", prog, path,
			g_strerror(errno));
		return -1;
	}
	plot_svg(f, p);
	bad = ferror(f);
	if (fclose(f) || bad) {
		fprintf(err, "pcsim %s: --plot %s: write error\n", prog, path);
		return -1;
	}
	return 0;
}
