// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_plot.c - line charts (sim/plot.c).
 *
 * Scope: fixed-point formatting; the SVG is deterministic, has balanced
 * elements, escapes text, draws one polyline per group of equal series
 * (names joined in the legend) with its points in increasing x and
 * missing values left out; degenerate input (one point, negative values,
 * no value at all) still gives a document; plot_write() writes SVG files
 * and refuses what it cannot do.  tests/check-plot.sh checks a real plot
 * with xmllint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/strcount.h"
#include <glib.h>
#include <glib/gstdio.h>

#include "sim/plot.h"


/* @p as SVG text (free() it), through a temporary file. */
static char *svg_of(const struct plot *p)
{
	FILE *f = tmpfile();
	char *text;
	long len;

	assert_non_null(f);
	plot_svg(f, p);
	len = ftell(f);
	assert_true(len > 0);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	rewind(f);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

/* Every element opened is closed, the document ends with </svg>. */
static void assert_balanced(const char *s)
{
	assert_int_equal(strncmp(s, "<?xml version=\"1.0\"", 19), 0);
	assert_int_equal(count(s, "<svg "), 1);
	assert_non_null(strstr(s, "</svg>\n"));
	assert_int_equal(strcmp(strstr(s, "</svg>\n"), "</svg>\n"), 0);
	assert_int_equal(count(s, "<g "), count(s, "</g>"));
	assert_int_equal(count(s, "<text "), count(s, "</text>"));
	assert_int_equal(count(s, "<"), count(s, ">"));
}

static void test_format(void **state)
{
	char b[32];

	(void)state;
	plot_format(b, sizeof(b), 1234, 3, 3);
	assert_string_equal(b, "1.234");
	plot_format(b, sizeof(b), 1234, 3, 1);
	assert_string_equal(b, "1.2");
	plot_format(b, sizeof(b), -5, 1, 1);
	assert_string_equal(b, "-0.5");
	plot_format(b, sizeof(b), 42, 0, 0);
	assert_string_equal(b, "42");
	plot_format(b, sizeof(b), -1000, 3, 0);
	assert_string_equal(b, "-1");
	plot_format(b, sizeof(b), 7, 3, 3);
	assert_string_equal(b, "0.007");
	plot_format(b, sizeof(b), INT64_MIN, 0, 0);
	assert_string_equal(b, "-9223372036854775808");
}

/* Three designs over four x values given out of order. */
static const int64_t xs[] = { 8, 1, 4, 2 };
static const int64_t y_none[] = { 800, 100, 400, 200 };
static const int64_t y_share[] = { 110, 100, 104, 102 };
static const bool has_dax[] = { true, false, true, true };

static const struct plot_series three[] = {
	{ "none", y_none, NULL },
	{ "share-clean", y_share, NULL },
	{ "shared-mapping", y_share, NULL },	/* equal: one line */
	{ "dax", y_share, has_dax },		/* a point missing */
};

static const struct plot base_plot = {
	.title = "vm-clones: peak_pages by clones <&\">",
	.x_label = "clones", .y_label = "peak cached pages",
	.npoints = 4, .x = xs, .nseries = 4, .series = three,
};

static void test_svg(void **state)
{
	char *a = svg_of(&base_plot), *b = svg_of(&base_plot);
	const char *pl;

	(void)state;
	assert_string_equal(a, b);		/* deterministic */
	assert_balanced(a);
	assert_non_null(strstr(a, "peak_pages by clones &lt;&amp;&quot;&gt;"));
	assert_null(strstr(a, "<&"));
	assert_int_equal(count(a, "<polyline "), 3);
	assert_non_null(strstr(a, ">share-clean, shared-mapping</text>"));
	assert_non_null(strstr(a, ">none</text>"));
	assert_non_null(strstr(a, ">dax</text>"));
	/* none's line: four points, x increasing */
	pl = strstr(a, "<polyline ");
	assert_non_null(pl);
	pl = strstr(pl, "points=\"") + 8;
	{
		char *pts = g_strndup(pl, strcspn(pl, "\""));

		assert_int_equal(count(pts, ","), 4);
		g_free(pts);
	}
	/* dax's line has three points (third polyline) */
	pl = strstr(strstr(strstr(a, "<polyline ") + 1, "<polyline ") + 1,
		    "<polyline ");
	pl = strstr(pl, "points=\"") + 8;
	{
		char *pts = g_strndup(pl, strcspn(pl, "\""));
		gchar **v = g_strsplit(pts, " ", -1);

		assert_int_equal(g_strv_length(v), 3);
		assert_true(atof(v[0]) < atof(v[1]));
		assert_true(atof(v[1]) < atof(v[2]));
		g_strfreev(v);
		g_free(pts);
	}
	/* y ticks 0..800 every 200; x ticks at the x values */
	assert_non_null(strstr(a, "text-anchor=\"end\">800</text>"));
	assert_non_null(strstr(a, "text-anchor=\"end\">0</text>"));
	assert_non_null(strstr(a, "text-anchor=\"middle\">8</text>"));
	assert_non_null(strstr(a, "text-anchor=\"middle\">1</text>"));
	assert_non_null(strstr(a, "text-anchor=\"middle\">4</text>"));
	free(a);
	free(b);
}

static void test_svg_degenerate(void **state)
{
	static const int64_t x1[] = { 5 }, yneg[] = { -1500 };
	static const bool none[] = { false };
	const struct plot_series s1[] = { { "a", yneg, NULL } };
	const struct plot_series s0[] = { { "a", yneg, none } };
	struct plot p = {
		.title = "t", .x_label = "x", .y_label = "y", .npoints = 1,
		.x = x1, .x_decimals = 3, .y_decimals = 3, .nseries = 1,
		.series = s1,
	};
	char *s = svg_of(&p);

	(void)state;
	assert_balanced(s);
	assert_non_null(strstr(s, ">-1.5</text>"));	/* y tick */
	assert_non_null(strstr(s, ">0.0</text>"));	/* y tick */
	assert_non_null(strstr(s, ">0.005</text>"));	/* the x value */
	free(s);
	p.series = s0;				/* nothing to draw */
	s = svg_of(&p);
	assert_balanced(s);
	assert_int_equal(count(s, "<circle"), 1);	/* the legend's */
	free(s);
}

/* The gnuplot script: every series, its points in increasing x. */
static void test_gnuplot(void **state)
{
	FILE *f = tmpfile();
	char buf[4096];
	size_t n;

	(void)state;
	assert_non_null(f);
	plot_gnuplot(f, "out\".png", &base_plot);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "set terminal pngcairo"));
	assert_non_null(strstr(buf, "set output \"out .png\"\n"));
	assert_non_null(strstr(buf, "title \"shared-mapping\""));
	assert_int_equal(count(buf, "'-' with linespoints"), 4);
	assert_int_equal(count(buf, "\ne\n"), 4);
	assert_non_null(strstr(buf, "\n1 100\n2 200\n4 400\n8 800\ne\n"));
	assert_non_null(strstr(buf, "\n2 102\n4 104\n8 110\ne\n")); /* dax */
}

static void test_write(void **state)
{
	char *dir = g_dir_make_tmp("pcsim-plot-XXXXXX", NULL);
	char *path = g_build_filename(dir, "p.svg", NULL);
	char *bad = g_build_filename(dir, "no/such/dir/p.svg", NULL);
	char *png = g_build_filename(dir, "p.png", NULL);
	char *text = NULL, *want = svg_of(&base_plot), *gp;
	FILE *null = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(dir);
	assert_int_equal(plot_write(path, &base_plot, "t", null), 0);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_string_equal(text, want);
	assert_int_equal(plot_write(bad, &base_plot, "t", null), -1);
	gp = g_find_program_in_path("gnuplot");
	if (!gp)			/* PNG needs gnuplot */
		assert_int_equal(plot_write(png, &base_plot, "t", null), -1);
	g_free(gp);
	g_remove(path);
	g_remove(png);
	g_rmdir(dir);
	fclose(null);
	g_free(text);
	free(want);
	g_free(png);
	g_free(bad);
	g_free(path);
	g_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_svg_degenerate),
		cmocka_unit_test(test_gnuplot),
		cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
