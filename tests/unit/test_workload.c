// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_workload.c - workload generators and `pcsim compare`.
 *
 * Scope: sim/workload.c (every text parses, for several seeds and
 * parameter values; determinism in the seed; parameters change the text as
 * sim/workload.h documents; threaded forms draw the same lines; bad
 * parameters are refused), sim/sweep.c (the grid's order and its refusals)
 * and sim/compare.c (every workload runs clean under every design at a
 * small size, threaded and under memory pressure too; sharing never caches
 * more than mainline on container-layers; the CSV has a header and one line
 * per policy; metrics by name).
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

#include "sim/compare.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/sweep.h"
#include "sim/workload.h"

/* Small parameterisations that run fast, one per workload. */
static const char *const small[][4] = {
	{ "container-layers", "files=4", "containers=3", "reads=6" },
	{ "vm-clones", "image-kib=64", "clones=3", "writes=8" },
	{ "srctree", "files=12", "rewrite-pct=50", NULL },
	{ "dedupe-pass", "pairs=3", "file-kib=16", NULL },
	{ "db-snapshots", "db-kib=64", "writes=12", "snapshot-every=4" },
	{ "image-versions", "files=6", "max-kib=32", "partial-pct=50" },
};

#define NR_SMALL	(sizeof(small) / sizeof(small[0]))

/* The text of workload @name with @n "k=v" @kv and @seed. */
static char *text_of(const char *name, const char *const *kv, int n,
		     uint64_t seed)
{
	uint64_t v[WL_MAX_PARAMS];
	const struct workload *w;

	w = workload_setup(name, v, (char **)kv, n, "test");
	assert_non_null(w);
	return workload_text(w, v, seed);
}


/* @text parses, with @nthreads thread blocks. */
static void assert_parses_threads(const char *text, int nthreads)
{
	struct scenario sc;
	char *err = NULL;

	if (scenario_parse_string("wl", text, strlen(text), &sc, &err)) {
		fprintf(stderr, "%s\n%s\n", err, text);
		fail();
	}
	assert_true(sc.nlines > 0);
	assert_int_equal(sc.nthreads, nthreads);
	scenario_free(&sc);
}

static void assert_parses(const char *text)
{
	assert_parses_threads(text, 0);
}

static void test_parse(void **state)
{
	const struct workload *w;
	unsigned int i;
	uint64_t seed;
	char *t;
	size_t j;

	(void)state;
	for (i = 0; (w = workload_nth(i)); i++)
		for (seed = 0; seed < 4; seed++) {
			t = text_of(w->name, NULL, 0, seed);
			assert_parses(t);
			free(t);
		}
	assert_int_equal(i, NR_SMALL);
	for (j = 0; j < NR_SMALL; j++)
		for (seed = 0; seed < 4; seed++) {
			t = text_of(small[j][0], &small[j][1],
				    small[j][3] ? 3 : 2, seed);
			assert_parses(t);
			free(t);
		}
}

static void test_determinism(void **state)
{
	const struct workload *w;
	char *a, *b, *c;
	unsigned int i;

	(void)state;
	for (i = 0; (w = workload_nth(i)); i++) {
		a = text_of(w->name, NULL, 0, 7);
		b = text_of(w->name, NULL, 0, 7);
		c = text_of(w->name, NULL, 0, 8);
		assert_string_equal(a, b);
		assert_string_not_equal(a, c);
		free(a);
		free(b);
		free(c);
	}
}

/*
 * The exact text of a small threaded vm-clones: whichever compiler built
 * this test, the random draws come in one order (two draws are never
 * arguments of one call, whose order C leaves open).
 */
static void test_exact_text(void **state)
{
	static const char want[] =
		"# workload vm-clones (pcsim workload), seed 1\n"
		"# VM disk images cloned from one golden image, booted, then "
		"written at random\n"
		"# parameters: image-kib=16 clones=2 boot-kib=4 writes=2 "
		"fsync-every=2 threads=2 step-ns=500 memory-kib=0\n"
		"set step-cost 500ns\n"
		"# the golden image, written and synced\n"
		"xfs_io -f -c \"pwrite -S 0x60 0 16384\" -c fsync golden\n"
		"cp --reflink=always golden vm1\n"
		"cp --reflink=always golden vm2\n"
		"# every VM boots\n"
		"xfs_io -c \"pread 0 4096\" vm1\n"
		"xfs_io -c \"pread 0 4096\" vm2\n"
		"# the VMs write concurrently\n"
		"thread vm1\n"
		"\txfs_io -c \"pwrite -S 0x01 12288 4k\" vm1\n"
		"\txfs_io -c \"pwrite -S 0xc4 0 4k\" -c fsync vm1\n"
		"end\n"
		"thread vm2\n"
		"\txfs_io -c \"pwrite -S 0x9d 12288 4k\" vm2\n"
		"\txfs_io -c \"pwrite -S 0xf1 4096 4k\" -c fsync vm2\n"
		"end\n"
		"sync\n";
	const char *const kv[] = {
		"image-kib=16", "clones=2", "boot-kib=4", "writes=2",
		"fsync-every=2", "threads=2",
	};
	char *t = text_of("vm-clones", kv, 6, 1);

	(void)state;
	assert_string_equal(t, want);
	free(t);
}

/* @name with one parameter @kv: how many times @needle occurs. */
static int count_with(const char *name, const char *kv, const char *needle)
{
	const char *const p[] = { kv };
	char *t = text_of(name, p, kv ? 1 : 0, 1);
	int n = count(t, needle);

	free(t);
	return n;
}

static void test_params(void **state)
{
	(void)state;
	assert_int_equal(count_with("container-layers", "containers=3",
				    "cp --reflink=always base-f000 "), 3);
	assert_int_equal(count_with("container-layers", NULL,
				    "cp --reflink=always base-f000 "), 8);
	assert_int_equal(count_with("container-layers", "files=5",
				    "-c fsync base-f"), 5);
	assert_int_equal(count_with("container-layers", "write-pct=0",
				    "pwrite -S 0x"), 20);
	assert_int_equal(count_with("container-layers", "write-pct=100",
				    "\"pread "), 0);
	assert_int_equal(count_with("vm-clones", "clones=2",
				    "cp --reflink=always golden "), 2);
	assert_int_equal(count_with("vm-clones", NULL, "-c fsync vm"), 16);
	assert_int_equal(count_with("srctree", "files=5",
				    "cp --reflink=always src-"), 5);
	assert_int_equal(count_with("srctree", "rewrite-pct=100",
				    "pwrite -S 0x"), 400);
	assert_int_equal(count_with("dedupe-pass", "pairs=3", "dedupe a-"),
			 3);
	assert_int_equal(count_with("db-snapshots", "snapshot-every=8",
				    "cp --reflink=always db snap-"), 16);
	assert_int_equal(count_with("db-snapshots", "backup=0",
				    "\" snap-"), 0);
	assert_int_equal(count_with("db-snapshots", "reads-per-write=0",
				    "pread "), 4);
	assert_int_equal(count_with("image-versions", "shared-pct=100",
				    "cp --reflink=always v1-"), 32);
	assert_int_equal(count_with("image-versions", "shared-pct=0",
				    "cp --reflink=always v1-"), 0);
	assert_int_equal(count_with("image-versions", "build=0",
				    "cp --reflink"), 0);
	assert_int_equal(count_with("image-versions", "cold=0",
				    "drop_caches"), 0);
	assert_int_equal(count_with("image-versions", NULL, "drop_caches"),
			 2);
	assert_int_equal(count_with("image-versions", NULL, "\" v1-f"), 32);
	assert_int_equal(count_with("image-versions", NULL, "\" v2-f"), 32);
}

/* Every workload's text sets the step cost; memory-kib a limit. */
static void test_common_params(void **state)
{
	const struct workload *w;
	unsigned int i;

	(void)state;
	for (i = 0; (w = workload_nth(i)); i++) {
		assert_int_equal(count_with(w->name, NULL,
					    "\nset step-cost 500ns\n"), 1);
		assert_int_equal(count_with(w->name, "step-ns=0",
					    "\nset step-cost 0ns\n"), 1);
		assert_int_equal(count_with(w->name, NULL, "memory-limit"), 0);
		assert_int_equal(count_with(w->name, "memory-kib=512",
					    "\nset memory-limit 512k\n"), 1);
		assert_true(workload_param_index(w, "step-ns") >= 0);
		assert_int_equal(workload_param_index(w, "no-such"), -1);
		assert_null(workload_param(w, workload_nparams(w)));
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of @text that are not thread structure, unindented, sorted. */
static char *body_lines(const char *text)
{
	gchar **l = g_strsplit(text, "\n", -1);
	GString *s = g_string_new(NULL);
	guint i, n = g_strv_length(l);

	for (i = 0; i < n; i++)
		g_strstrip(l[i]);
	qsort(l, n, sizeof(*l), str_cmp);
	for (i = 0; i < n; i++)
		if (!g_str_has_prefix(l[i], "thread ") &&
		    strcmp(l[i], "end") && !g_str_has_prefix(l[i], "#"))
			g_string_append_printf(s, "%s\n", l[i]);
	g_strfreev(l);
	return g_string_free(s, FALSE);
}

/* A threaded workload runs the same lines as its sequential form. */
static void assert_same_lines(const char *name, const char *seq,
			      const char *thr, int nthreads)
{
	const char *const a[] = { seq }, *const b[] = { seq, thr };
	char *ts = text_of(name, a, 1, 3), *tt = text_of(name, b, 2, 3);
	char *ls = body_lines(ts), *lt = body_lines(tt);

	assert_parses_threads(tt, nthreads);
	assert_string_equal(ls, lt);
	free(ts);
	free(tt);
	g_free(ls);
	g_free(lt);
}

static void test_threads(void **state)
{
	const char *const r2[] = { "pairs=4", "readers=2" };
	char *t = text_of("dedupe-pass", r2, 2, 1);

	(void)state;
	assert_same_lines("container-layers", "containers=5", "threads=3", 3);
	assert_same_lines("container-layers", "containers=2", "threads=9", 2);
	assert_same_lines("vm-clones", "clones=3", "threads=3", 3);
	assert_parses_threads(t, 3);
	assert_int_equal(count(t, "\tend\n"), 0);
	assert_int_equal(count(t, "\nend\n"), 3);
	assert_int_equal(count(t, "\txfs_io -c \"pread 0 65536\" b-"), 8);
	free(t);
}

static void test_zipf(void **state)
{
	const char *const flat[] = { "zipf-s=0" }, *const steep[] = {
		"zipf-s=2.5" };
	char *a = text_of("container-layers", flat, 1, 3);
	char *b = text_of("container-layers", steep, 1, 3);

	(void)state;
	assert_non_null(strstr(a, "zipf-s=0.000"));
	assert_non_null(strstr(b, "zipf-s=2.500"));
	/* Steeper popularity: file 0 is read more often. */
	assert_true(count(b, "-f000\n") > count(a, "-f000\n"));
	free(a);
	free(b);
}

static bool set_ok(const char *name, const char *kv)
{
	const struct workload *w = workload_find(name);
	uint64_t v[WL_MAX_PARAMS];
	char *msg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&msg, &len);
	bool ok;

	assert_non_null(w);
	workload_defaults(w, v);
	ok = workload_set(w, v, kv, "test", f);
	fclose(f);
	assert_int_equal(ok, len == 0);
	free(msg);
	return ok;
}

static void test_bad_params(void **state)
{
	const char *const inv[] = { "min-kib=64", "max-kib=16" };
	uint64_t v[WL_MAX_PARAMS];
	FILE *saved = stderr;

	(void)state;
	assert_true(set_ok("container-layers", "zipf-s=1.25"));
	assert_true(set_ok("container-layers", "containers=0x10"));
	assert_false(set_ok("container-layers", "nope=1"));
	assert_false(set_ok("container-layers", "containers"));
	assert_false(set_ok("container-layers", "containers="));
	assert_false(set_ok("container-layers", "containers=-1"));
	assert_false(set_ok("container-layers", "containers=0"));
	assert_false(set_ok("container-layers", "containers=abc"));
	assert_false(set_ok("container-layers", "write-pct=101"));
	assert_false(set_ok("container-layers", "zipf-s=1.2345"));
	assert_false(set_ok("container-layers", "zipf-s=1."));
	assert_false(set_ok("container-layers", "zipf-s=.5"));
	assert_false(set_ok("container-layers", "zipf-s=10.001"));
	assert_false(set_ok("db-snapshots", "backup=2"));
	assert_false(set_ok("vm-clones", "files=3"));
	assert_false(set_ok("vm-clones", "threads=0"));
	assert_false(set_ok("vm-clones", "threads=65"));
	assert_false(set_ok("dedupe-pass", "readers=64"));
	assert_false(set_ok("image-versions", "build=3"));
	assert_false(set_ok("image-versions", "shared-pct=101"));
	assert_true(set_ok("image-versions", "step-ns=0"));
	assert_false(set_ok("srctree", "step-ns=-1"));
	assert_true(set_ok("srctree", "memory-kib=1024"));
	stderr = fopen("/dev/null", "w");
	assert_null(workload_setup("no-such", v, NULL, 0, "test"));
	assert_null(workload_setup("srctree", v, (char **)inv, 2, "test"));
	fclose(stderr);
	stderr = saved;
}

/* Parse @text into @sc. */
static void parse(const char *text, struct scenario *sc)
{
	char *err = NULL;

	assert_int_equal(scenario_parse_string("wl", text, strlen(text), sc,
					       &err), 0);
}

static const char *const designs[] = {
	"none", "share-clean", "share-dirty-allhosts", "shared-mapping", "dax",
	"canonical-mapping", "ishare",
};

#define NR_DESIGNS	(sizeof(designs) / sizeof(designs[0]))

/* @text runs clean under every design. */
static void assert_clean(const char *text)
{
	struct cmp_row rows[NR_DESIGNS];
	struct scenario sc;
	size_t i;

	parse(text, &sc);
	assert_int_equal(compare_run(&sc, designs, NR_DESIGNS, rows), 0);
	for (i = 0; i < NR_DESIGNS; i++) {
		assert_int_equal(rows[i].status, RUN_OK);
		assert_true(rows[i].has_stats);
		assert_string_equal(rows[i].violation, "");
		assert_true(rows[i].perf.nr_ops > 0);
	}
	scenario_free(&sc);
}

/* Every small workload runs clean under every design. */
static void test_runs_clean(void **state)
{
	size_t j;
	char *t;

	(void)state;
	for (j = 0; j < NR_SMALL; j++) {
		t = text_of(small[j][0], &small[j][1], small[j][3] ? 3 : 2, 5);
		assert_clean(t);
		free(t);
	}
}

/* Concurrent and memory-limited forms run clean too. */
static void test_runs_clean_conc(void **state)
{
	static const char *const variants[][4] = {
		{ "container-layers", "containers=3", "threads=3", "reads=4" },
		{ "vm-clones", "image-kib=64", "threads=2", "writes=6" },
		{ "dedupe-pass", "pairs=3", "file-kib=16", "readers=2" },
		{ "container-layers", "containers=3", "reads=8",
		  "memory-kib=128" },
		{ "db-snapshots", "db-kib=128", "writes=8", "memory-kib=64" },
	};
	size_t j;
	char *t;

	(void)state;
	for (j = 0; j < sizeof(variants) / sizeof(variants[0]); j++) {
		t = text_of(variants[j][0], &variants[j][1], 3, 2);
		assert_clean(t);
		free(t);
	}
}

static void test_compare(void **state)
{
	const char *const pol[] = { "none", "share-clean" };
	struct cmp_what what = { "container-layers", 5, "x=1" };
	struct cmp_row rows[2];
	struct scenario sc;
	char *t = text_of(small[0][0], &small[0][1], 3, 5), *csv = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	parse(t, &sc);
	assert_int_equal(compare_run(&sc, pol, 2, rows), 0);
	assert_true(rows[1].s.peak_cached_pages <=
		    rows[0].s.peak_cached_pages);
	assert_true(rows[1].s.peak_cached_pages <
		    rows[0].s.peak_cached_pages);
	f = open_memstream(&csv, &len);
	compare_print(f, CMP_CSV, &what, rows, 2);
	fclose(f);
	assert_int_equal(count(csv, "\n"), 3);
	assert_int_equal(strncmp(csv, "policy,status,peak_pages,", 25), 0);
	assert_non_null(strstr(csv, "\nnone,ok,"));
	assert_non_null(strstr(csv, "\nshare-clean,ok,"));
	free(csv);
	scenario_free(&sc);
	free(t);
}

/* Metrics by name, and their fixed-point values. */
static void test_metrics(void **state)
{
	struct cmp_row base = { .policy = "none", .has_stats = true };
	struct cmp_row r = { .policy = "x", .has_stats = true };
	unsigned int d;
	int64_t v;

	(void)state;
	base.s.peak_cached_pages = 300;
	r.s.peak_cached_pages = 100;
	r.perf.app_write_bytes = 3;
	r.perf.dev_write_bytes = 4;
	r.perf.elapsed_ns = 3;
	r.perf.page_ns = 10;
	assert_true(compare_metric(compare_metric_find("saved_pct"), &r,
				   &base, &v, &d));
	assert_int_equal(d, 1);
	assert_int_equal(v, 666);		/* 66.6, toward zero */
	assert_true(compare_metric(compare_metric_find("write_amp"), &r,
				   &base, &v, &d));
	assert_int_equal(v, 1333);		/* 1.333 */
	assert_true(compare_metric(compare_metric_find("mean_pages"), &r,
				   &base, &v, &d));
	assert_int_equal(v, 33);		/* 3.3 */
	assert_false(compare_metric(compare_metric_find("lat_p50_us"), &r,
				    &base, &v, &d));	/* no operation */
	assert_int_equal(compare_metric_find("policy"), -1);
	assert_int_equal(compare_metric_find("violation"), -1);
	r.perf.app_write_bytes = 0;
	assert_false(compare_metric(compare_metric_find("write_amp"), &r,
				    &base, &v, &d));
	r.has_stats = false;
	assert_false(compare_metric(compare_metric_find("peak_pages"), &r,
				    &base, &v, &d));
}

/* --sweep: the grid's order and what it refuses. */
static void test_sweep(void **state)
{
	const struct workload *w = workload_find("vm-clones");
	uint64_t base[WL_MAX_PARAMS], v[WL_MAX_PARAMS];
	int ic = workload_param_index(w, "clones");
	int iw = workload_param_index(w, "writes");
	struct sweep s;
	FILE *null = fopen("/dev/null", "w");

	(void)state;
	workload_defaults(w, base);
	sweep_init(&s, w);
	assert_int_equal(sweep_points(&s), 1);
	sweep_point(&s, 0, base, v);
	assert_memory_equal(v, base, sizeof(base));
	assert_true(sweep_add(&s, "clones=4,1,0x10", "t", null));
	assert_true(sweep_add(&s, "writes=0,5", "t", null));
	assert_int_equal(sweep_points(&s), 6);
	assert_true(sweep_has(&s, (unsigned int)ic));
	sweep_point(&s, 0, base, v);
	assert_int_equal(v[ic], 4);
	assert_int_equal(v[iw], 0);
	sweep_point(&s, 1, base, v);		/* the last varies fastest */
	assert_int_equal(v[ic], 4);
	assert_int_equal(v[iw], 5);
	sweep_point(&s, 5, base, v);
	assert_int_equal(v[ic], 16);
	assert_int_equal(v[iw], 5);
	assert_int_equal(v[workload_param_index(w, "image-kib")], 4096);
	assert_false(sweep_add(&s, "clones=2", "t", null));	/* twice */
	assert_false(sweep_add(&s, "boot-kib=1,1", "t", null));
	assert_false(sweep_add(&s, "boot-kib=", "t", null));
	assert_false(sweep_add(&s, "boot-kib", "t", null));
	assert_false(sweep_add(&s, "nope=1", "t", null));
	assert_false(sweep_add(&s, "threads=0,1", "t", null));
	assert_false(sweep_add(&s, "fsync-every=1,2,3,4,5,6,7,8,9,10,11,12,"
			       "13,14,15,16,17,18,19,20,21,22,23,24,25,26,"
			       "27,28,29,30,31,32,33,34,35,36,37,38,39,40,"
			       "41,42,43,44,45,46,47,48,49,50,51,52,53,54,"
			       "55,56,57,58,59,60,61,62,63,64,65", "t", null));
	assert_true(sweep_add(&s, "boot-kib=1,2,3,4,5,6,7,8,9,10", "t", null));
	/* 60 points; 20 more values would make 1200 > SWEEP_MAX_POINTS */
	assert_false(sweep_add(&s, "fsync-every=1,2,3,4,5,6,7,8,9,10,11,12,"
			       "13,14,15,16,17,18,19,20", "t", null));
	assert_int_equal(s.ndims, 3);
	fclose(null);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_exact_text),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_zipf),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_common_params),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_runs_clean),
		cmocka_unit_test(test_runs_clean_conc),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
