// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_workload.c - workload generators and `pcsim compare`.
 *
 * Scope: sim/workload.c (every text parses, for several seeds and
 * parameter values; determinism in the seed; parameters change the text as
 * sim/workload.h documents; bad parameters are refused) and sim/compare.c
 * (every workload runs clean under every design at a small size; sharing
 * never caches more than mainline on container-layers; the CSV has a
 * header and one line per policy).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/compare.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/workload.h"

/* Small parameterisations that run fast, one per workload. */
static const char *const small[][4] = {
	{ "container-layers", "files=4", "containers=3", "reads=6" },
	{ "vm-clones", "image-kib=64", "clones=3", "writes=8" },
	{ "srctree", "files=12", "rewrite-pct=50", NULL },
	{ "dedupe-pass", "pairs=3", "file-kib=16", NULL },
	{ "db-snapshots", "db-kib=64", "writes=12", "snapshot-every=4" },
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

static int count(const char *text, const char *needle)
{
	int n = 0;

	while ((text = strstr(text, needle))) {
		n++;
		text++;
	}
	return n;
}

static void assert_parses(const char *text)
{
	struct scenario sc;
	char *err = NULL;

	if (scenario_parse_string("wl", text, strlen(text), &sc, &err)) {
		fprintf(stderr, "%s\n%s\n", err, text);
		fail();
	}
	assert_true(sc.nlines > 0);
	assert_int_equal(sc.nthreads, 0);
	scenario_free(&sc);
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

/* Every small workload runs clean under every design. */
static void test_runs_clean(void **state)
{
	const char *const designs[] = {
		"none", "share-clean", "share-dirty-allhosts",
		"shared-mapping", "dax", "canonical-mapping", "ishare",
	};
	struct cmp_row rows[7];
	struct scenario sc;
	size_t j;
	char *t;
	int i;

	(void)state;
	for (j = 0; j < NR_SMALL; j++) {
		t = text_of(small[j][0], &small[j][1], small[j][3] ? 3 : 2, 5);
		parse(t, &sc);
		assert_int_equal(compare_run(&sc, designs, 7, rows), 0);
		for (i = 0; i < 7; i++) {
			assert_int_equal(rows[i].status, RUN_OK);
			assert_true(rows[i].has_stats);
		}
		scenario_free(&sc);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_zipf),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_runs_clean),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
