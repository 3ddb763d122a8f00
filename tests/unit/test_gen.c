// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_gen.c - the scenario generator and `pcsim fuzz`.
 *
 * Scope: sim/gen.c (determinism, every text parses, the swarm reaches every
 * operation kind) and sim/fuzz.c end to end (a clean run under mainline; a
 * mutant caught, its repro written and replayed to the same violation).
 *
 * The clean run under mainline covers seeds 0..59; the fuzzer's first
 * findings (fzero past an unaligned EOF, a waited-on page freed under its
 * waiter, md5 and sync checks racing writes) are fixed and have regression
 * scenarios.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "sim/fuzz.h"
#include "sim/gen.h"
#include "sim/runner.h"
#include "sim/scenario.h"

static void parse_ok(const char *text, struct scenario *sc)
{
	char *err = NULL;

	if (scenario_parse_string("gen.pcs", text, strlen(text), sc, &err)) {
		fprintf(stderr, "%s\n%s", err, text);
		fail();
	}
}

static void test_deterministic(void **state)
{
	struct gen_opts o = { .threads = 3, .ops = 10 };
	uint64_t s;

	for (s = 0; s < 50; s++) {
		char *a = gen_scenario(s, &o), *b = gen_scenario(s, &o);
		char *c = gen_scenario(s + 1, &o);

		assert_string_equal(a, b);
		assert_string_not_equal(a, c);
		free(a);
		free(b);
		free(c);
	}
}

static void test_parses(void **state)
{
	struct scenario sc;
	uint64_t s;

	for (s = 0; s < 2000; s++) {
		struct gen_opts o = { .threads = 1 + s % 4, .ops = 1 + s % 13 };
		char *text = gen_scenario(gen_mix(s), &o);

		parse_ok(text, &sc);
		assert_int_equal(sc.nsections, o.threads > 1);
		scenario_free(&sc);
		free(text);
	}
}

/* The generator's kind of an operation line. */
static int line_kind(const struct sc_line *l)
{
	static const int io[] = {
		[IO_PWRITE] = GK_PWRITE, [IO_PREAD] = GK_PREAD,
		[IO_TRUNCATE] = GK_TRUNCATE, [IO_FPUNCH] = GK_FPUNCH,
		[IO_FZERO] = GK_FZERO, [IO_FALLOC] = GK_FALLOC,
		[IO_REFLINK] = GK_REFLINK_RANGE, [IO_DEDUPE] = GK_DEDUPE,
		[IO_FSYNC] = GK_FSYNC,
	};
	static const int sh[] = {
		[SC_CP_REFLINK] = GK_CP, [SC_MD5SUM] = GK_MD5SUM,
		[SC_DROP_CACHES] = GK_DROP_CACHES, [SC_SYNC] = GK_SYNC,
		[SC_WRITEBACK] = GK_WRITEBACK, [SC_CYCLE_MOUNT] = GK_CYCLE_MOUNT,
	};
	const struct io_cmd *c = l->u.xio.cmds;

	if (l->kind != SC_XFS_IO)
		return sh[l->kind];
	if (l->u.xio.flags & XIO_DIRECT)
		return c->kind == IO_PWRITE ? GK_DIO_WRITE : GK_DIO_READ;
	if (c->kind == IO_FDATASYNC)
		return GK_FSYNC;
	if (c->kind == IO_MMAP)
		return c[1].kind == IO_MWRITE || c[2].kind == IO_MWRITE ?
		       GK_MWRITE : GK_MREAD;
	if (c->kind == IO_REFLINK && (c->flags & IOF_WHOLE_FILE))
		return GK_REFLINK_WHOLE;
	return io[c->kind];
}

static void test_covers_every_kind(void **state)
{
	struct gen_opts o = { .threads = 2, .ops = 8 };
	int seen[GK_NR] = { 0 }, i, k;
	struct scenario sc;
	uint64_t s;

	for (s = 0; s < 500; s++) {
		char *text = gen_scenario(gen_mix(s), &o);

		parse_ok(text, &sc);
		for (i = 0; i < sc.nlines; i++)
			if (sc.lines[i].thread)
				seen[line_kind(&sc.lines[i])]++;
		scenario_free(&sc);
		free(text);
	}
	for (k = 0; k < GK_NR; k++) {
		if (!seen[k] && k < GK_NR_FUZZ)
			fprintf(stderr, "kind %d never generated\n", k);
		assert_true(k < GK_NR_FUZZ ? seen[k] > 0 : !seen[k]);
	}
}

/*
 * The kernel profile: deterministic, sequential, no `set` line, no
 * `writeback`, and every other kind, the kernel-only ones included.
 */
static void test_kernel_profile(void **state)
{
	int seen[GK_NR] = { 0 }, i, k;
	struct scenario sc;
	uint64_t s;

	for (s = 0; s < 500; s++) {
		struct gen_opts o = { .threads = 3, .ops = 12, .kernel = true };
		char *text = gen_scenario(gen_mix(s), &o);
		char *again = gen_scenario(gen_mix(s), &o);

		assert_string_equal(text, again);
		assert_null(strstr(text, "\nset "));
		parse_ok(text, &sc);
		assert_int_equal(sc.nsections, 0);
		for (i = 0; i < sc.nlines; i++)
			seen[line_kind(&sc.lines[i])]++;
		scenario_free(&sc);
		free(text);
		free(again);
	}
	for (k = 0; k < GK_NR; k++)
		assert_true(k == GK_WRITEBACK ? !seen[k] : seen[k] > 0);
}

/* `pcsim gen --kernel --count 3 --out DIR`: files of seeds S..S+2. */
static void test_gen_cli(void **state)
{
	char *dir = g_dir_make_tmp("pcsim-gen-XXXXXX", NULL), *path, *text;
	char *argv[] = { "gen", "--kernel", "--seed", "5", "--ops", "6",
			 "--count", "3", "--out", dir, NULL };
	char *bad[] = { "gen", "--count", "2", NULL };
	struct gen_opts o = { .ops = 6, .kernel = true };
	struct scenario sc;
	int i;

	assert_non_null(dir);
	assert_int_equal(gen_main(10, argv), 0);
	for (i = 5; i < 8; i++) {
		char *want = gen_scenario(gen_mix((uint64_t)i), &o);

		path = g_strdup_printf("%s/gen-%d.pcs", dir, i);
		assert_true(g_file_get_contents(path, &text, NULL, NULL));
		assert_non_null(strstr(text, "# reproduce: pcsim gen --kernel "
				       "--seed "));
		assert_non_null(strstr(text, want));
		parse_ok(text, &sc);
		scenario_free(&sc);
		unlink(path);
		g_free(path);
		g_free(text);
		free(want);
	}
	rmdir(dir);
	g_free(dir);
	assert_int_equal(gen_main(3, bad), 2);	/* --count needs --out */
}

/* The kernel profile's remaps include len 0 and same-file ranges. */
static void test_kernel_remaps(void **state)
{
	bool len0 = false, same = false;
	uint64_t s;

	for (s = 0; s < 300 && !(len0 && same); s++) {
		struct gen_opts o = { .ops = 12, .kernel = true };
		char *text = gen_scenario(gen_mix(s), &o), *l;

		for (l = strstr(text, "\"reflink f"); l;
		     l = strstr(l + 1, "\"reflink f")) {
			unsigned long long so, dst, len;
			int src, f;

			if (sscanf(l, "\"reflink f%d %llu %llu %llu\" f%d",
				   &src, &so, &dst, &len, &f) != 5)
				continue;
			len0 |= len == 0;
			same |= src == f;
		}
		free(text);
	}
	assert_true(len0);
	assert_true(same);
}

/* fuzz_run() with its progress in memory (free() it). */
static int fuzz(const struct fuzz_opts *o, char **progress)
{
	size_t len;
	FILE *f = open_memstream(progress, &len);
	int st;

	assert_non_null(f);
	st = fuzz_run(o, f);
	fclose(f);
	return st;
}

static void test_fuzz_none_clean(void **state)
{
	struct fuzz_opts o = {
		.policy = "none", .seed = 0, .runs = 60, .threads = 2,
		.ops = 8, .out_dir = ".",
	};
	char *p;

	assert_int_equal(fuzz(&o, &p), 0);
	assert_memory_equal(p, "fuzz: 60 runs (120 schedules), 0 violations,"
			    " policy none, seeds 0..59, coverage ", 75);
	free(p);
}

/* Replay @path: the same violation, @inv. */
static void replay(const char *path, const char *inv)
{
	struct scenario sc;
	char *err = NULL, *out = NULL, *line;
	size_t len;
	FILE *f = open_memstream(&out, &len), *null = fopen("/dev/null", "w");

	assert_int_equal(scenario_parse_file(path, &sc, &err), 0);
	assert_int_equal(runner_run(&sc, NULL, f, null, NULL), RUN_VIOLATION);
	fclose(f);
	fclose(null);
	line = g_strdup_printf("VIOLATION: %s: ", inv);
	assert_non_null(strstr(out, line));
	g_free(line);
	free(out);
	scenario_free(&sc);
}

static void test_fuzz_mutant_caught(void **state)
{
	char *dir = g_dir_make_tmp("pcsim-gen-XXXXXX", NULL);
	struct fuzz_opts o = {
		.policy = "share-clean-nocow", .seed = 30, .runs = 200,
		.threads = 2, .ops = 8, .out_dir = dir,
	};
	char inv[64], path[4096], *p, *text, *orig;
	int threads, ops;

	assert_non_null(dir);
	assert_int_equal(fuzz(&o, &p), 1);
	assert_int_equal(sscanf(p, "violation: %63s in %4095s (%d threads, "
				"%d operations", inv, path, &threads, &ops), 4);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_non_null(strstr(text, "\nset policy-only share-clean-nocow\n"));
	assert_non_null(strstr(text, "# expect: VIOLATION "));
	assert_non_null(strstr(text, "# reproduce: pcsim fuzz --policy "
			       "share-clean-nocow --seed 30 "));
	assert_true(ops >= 1 && ops <= 8);
	replay(path, inv);
	orig = g_strdup_printf("%.*s.orig.pcs", (int)strlen(path) - 4, path);
	replay(orig, inv);
	g_free(text);
	free(p);
	unlink(path);
	unlink(orig);
	g_free(orig);
	rmdir(dir);
	g_free(dir);
}

/* Bytes decode to a scenario that parses; short inputs are small. */
static void test_bytes(void **state)
{
	uint8_t data[256];
	struct scenario sc;
	uint64_t r = 1;
	char *a, *b;
	int n, i;

	a = gen_scenario_bytes(NULL, 0);
	parse_ok(a, &sc);
	assert_int_equal(sc.nsections, 0);	/* 1 thread, 1 op, fifo */
	assert_non_null(strstr(a, "set schedule random\nset seed 0\n"));
	scenario_free(&sc);
	free(a);
	for (n = 0; n < 300; n++) {
		for (i = 0; i < (int)sizeof(data); i++)
			data[i] = (uint8_t)((r = gen_mix(r)) >> 7);
		a = gen_scenario_bytes(data, n % sizeof(data));
		b = gen_scenario_bytes(data, n % sizeof(data));
		assert_string_equal(a, b);
		parse_ok(a, &sc);
		scenario_free(&sc);
		free(a);
		free(b);
	}
}

/* Bias makes kinds join the swarm; the swarm mask reports them. */
static void test_bias(void **state)
{
	unsigned int bias[GK_NR] = { 0 };
	int joined = 0, s;

	bias[GK_DEDUPE] = 16;
	for (s = 0; s < 200; s++) {
		struct gen_opts o = { .threads = 2, .ops = 8, .bias = bias };
		char *text = gen_scenario(gen_mix(s), &o);

		joined += !!(o.swarm & (1u << GK_DEDUPE));
		free(text);
	}
	assert_true(joined > 180);	/* 1 - 1/18 of them, not 1/2 */
}

/* --input: bytes found by libFuzzer replay and shrink like a seed. */
static void test_fuzz_input(void **state)
{
	char *dir = g_dir_make_tmp("pcsim-gen-XXXXXX", NULL), *p, *in;
	struct fuzz_opts o = {
		.policy = "share-clean-nocow", .threads = 2, .ops = 8,
		.out_dir = dir,
	};
	uint8_t data[64];
	uint64_t r = 7;
	int tries, i, st = 0;

	in = g_strdup_printf("%s/input", dir);
	o.input = in;
	for (tries = 0; tries < 400 && st != 1; tries++) {
		for (i = 0; i < (int)sizeof(data); i++)
			data[i] = (uint8_t)((r = gen_mix(r)) >> 11);
		assert_true(g_file_set_contents(in, (char *)data,
						sizeof(data), NULL));
		st = fuzz(&o, &p);
		assert_true(st == 0 || st == 1);
		if (st == 1)
			assert_non_null(strstr(p, "violation: "));
		free(p);
	}
	assert_int_equal(st, 1);
	unlink(in);
	g_free(in);
	p = g_strdup_printf("rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
	g_free(p);
	g_free(dir);
}

/* --coverage prints the table; the campaign reached some pairs. */
static void test_fuzz_coverage(void **state)
{
	struct fuzz_opts o = {
		.policy = "none", .seed = 5, .runs = 20, .threads = 2,
		.ops = 8, .out_dir = ".", .coverage = true,
	};
	unsigned long long pairs, all;
	char *p, *c;

	assert_int_equal(fuzz(&o, &p), 0);
	c = strstr(p, "model coverage: ");
	assert_non_null(c);
	assert_int_equal(sscanf(c, "model coverage: %llu of %llu", &pairs,
				&all), 2);
	assert_true(pairs > 20 && pairs < all);
	assert_non_null(strstr(c, "\niomap_write_iter "));
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_parses),
		cmocka_unit_test(test_covers_every_kind),
		cmocka_unit_test(test_kernel_profile),
		cmocka_unit_test(test_kernel_remaps),
		cmocka_unit_test(test_gen_cli),
		cmocka_unit_test(test_fuzz_none_clean),
		cmocka_unit_test(test_fuzz_mutant_caught),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_bias),
		cmocka_unit_test(test_fuzz_input),
		cmocka_unit_test(test_fuzz_coverage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
