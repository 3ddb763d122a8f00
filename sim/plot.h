/* SPDX-License-Identifier: MIT */
/*
 * sim/plot.h - line charts of a metric against a swept parameter
 * (`pcsim compare --sweep ... --plot FILE`, docs/WHATIF.md).
 *
 * Scope: drawing only.  The caller gives x values and, per series (a
 * design), a y value at each x or none; plot_svg() writes a hand-written
 * SVG 1.1 document: a title, axes with "nice" ticks (1, 2 or 5 times a
 * power of ten) and grid lines, one polyline with markers per series, and
 * a legend under the chart.  Series with the same values everywhere are
 * drawn once, their names joined in one legend entry, so that designs
 * that coincide stay visible.
 *
 * Numbers are fixed point: an int64_t v with d decimals means v / 10^d.
 * Every coordinate is computed in integers (tenths of a pixel), so the
 * bytes depend only on the input: no floating point, no locale, no clock.
 *
 * PNG: plot_write() of a path ending in ".png" runs gnuplot (pngcairo) if
 * it is in PATH, and fails with a message naming the alternative if not.
 */
#ifndef PCSIM_SIM_PLOT_H
#define PCSIM_SIM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PLOT_MAX_DECIMALS	6

struct plot_series {
	const char *name;
	const int64_t *y;	/* one per x */
	const bool *has;	/* has[i]: y[i] exists; NULL: all exist */
};

struct plot {
	const char *title;
	const char *x_label, *y_label;
	size_t npoints;
	const int64_t *x;	/* pairwise distinct, in any order */
	unsigned int x_decimals, y_decimals;	/* <= PLOT_MAX_DECIMALS */
	size_t nseries;
	const struct plot_series *series;
};

/*
 * plot_format - @v with @decimals decimals as text with @shown of them
 * (@shown <= @decimals; digits dropped are truncated): "-12.50".
 */
void plot_format(char *buf, size_t size, int64_t v, unsigned int decimals,
		 unsigned int shown);

/* plot_svg - @p as an SVG document on @f. */
void plot_svg(FILE *f, const struct plot *p);

/*
 * plot_gnuplot - the gnuplot script that draws @p into the PNG file
 * @path: pngcairo, one "linespoints" series per plot_series (no merging),
 * data inline.  Quotes and control characters in text become blanks.
 */
void plot_gnuplot(FILE *f, const char *path, const struct plot *p);

/*
 * plot_check - can plot_write() write @path?  Its directory must be
 * writable, and gnuplot in PATH for a ".png".  For checking a command line
 * before a long sweep.
 * Return: true, or false after printing why to @err ("pcsim PROG: ...").
 */
bool plot_check(const char *path, const char *prog, FILE *err);

/*
 * plot_write - @p to the file @path: SVG, or PNG through gnuplot if @path
 * ends in ".png".
 * Return: 0, or -1 after printing why to @err ("pcsim PROG: ...").
 */
int plot_write(const char *path, const struct plot *p, const char *prog,
	       FILE *err);

#endif /* PCSIM_SIM_PLOT_H */
