/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_extents.c - the end-of-run state dump (sim/extents.c)
 * and the model queries behind it (model/fiemap.c).
 *
 * Scope: a scenario runs through runner_run() with the at_end callback
 * (what `pcsim run --extents-out` does) and the dump is compared byte for
 * byte with what scripts/kernel-diff makes of `xfs_io -c "fiemap -v"` and
 * `xfs_io -c mincore` on real XFS for the same lines: the expected texts
 * below are the kernel's (kernel-diff --keep on 6.18 XFS), except for the
 * delalloc block 5 of test_kinds_and_eof, which the kernel shows as data
 * because kernel-diff syncs before it looks.
 * Covered: written, unwritten, delalloc and shared blocks, holes left
 * out, runs merged across extents of the same kind, EOF clipping of
 * blocks and pages, an empty file, names in strcmp order, and that a run
 * stopped by an error dumps nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/extents.h"
#include "sim/runner.h"
#include "sim/scenario.h"

/* Run @text; Return: the dump (free() it), "" if at_end never ran. */
static char *dump_of(const char *text, int want_status)
{
	struct scenario sc;
	char *perr = NULL, *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	FILE *f = open_memstream(&buf, &len), *o = open_memstream(&out, &outlen);
	FILE *null = fopen("/dev/null", "w");
	struct run_opts ro = { .at_end = extents_at_end, .at_end_arg = f };

	assert_non_null(f);
	assert_non_null(o);
	assert_non_null(null);
	if (scenario_parse_string("t.pcs", text, strlen(text), &sc, &perr)) {
		fprintf(stderr, "parse error: %s\n", perr);
		fail();
	}
	assert_int_equal(runner_run(&sc, &ro, o, null, NULL), want_status);
	scenario_free(&sc);
	fclose(f);
	fclose(o);
	fclose(null);
	free(out);
	return buf;
}

static void expect_dump(const char *text, const char *want)
{
	char *got = dump_of(text, RUN_OK);

	if (strcmp(got, want))
		fprintf(stderr, "got:\n%swant:\n%s", got, want);
	assert_string_equal(got, want);
	free(got);
}

/*
 * Written, delalloc (no sync), holes; runs across extents; EOF clip.  The
 * truncate up zeroes the tail of block 4 and writes it back (did_zeroing),
 * so only block 5, written after it, is still delalloc.
 */
static void test_kinds_and_eof(void **state)
{
	expect_dump("xfs_io -f -c \"pwrite 0 8k\" -c fsync -c \"pwrite 16k 100\" f\n"
		    "xfs_io -c \"falloc -k 24k 8k\" -c \"truncate 30000\" f\n"
		    "xfs_io -c \"pwrite 20k 10\" f\n",
		    "f size 30000\n"
		    "f extents 0-1:d 4:d 5:D 6-7:u\n"
		    "f cached 0-1 4-5\n");
}

/* Shared blocks, and a clone that leaves a destination's own unwritten
 * blocks alone while an unwritten source block becomes a hole. */
static void test_shared(void **state)
{
	expect_dump("xfs_io -f -c \"pwrite -S 0x61 0 16k\" -c \"falloc 16k 16k\" src\n"
		    "xfs_io -f -c \"falloc 0 32k\" dst\n"
		    "xfs_io -c \"reflink src 0 0 32k\" dst\n"
		    "xfs_io -f -c \"reflink src 0 0 32k\" new\n"
		    "sync\n",
		    "dst size 32768\n"
		    "dst extents 0-3:ds 4-7:u\n"
		    "dst cached -\n"
		    "new size 32768\n"
		    "new extents 0-3:ds\n"
		    "new cached -\n"
		    "src size 32768\n"
		    "src extents 0-3:ds 4-7:u\n"
		    "src cached 0-3\n");
}

/* An empty file; drop_caches leaves only the dirty page. */
static void test_empty_and_dirty(void **state)
{
	expect_dump("xfs_io -f -c \"pwrite 0 12k\" -c fsync a\n"
		    "xfs_io -c \"pwrite 4096 1\" a\n"
		    "xfs_io -f -c \"truncate 0\" b\n"
		    "drop_caches\n",
		    "a size 12288\n"
		    "a extents 0-2:d\n"
		    "a cached 1\n"
		    "b size 0\n"
		    "b extents -\n"
		    "b cached -\n");
}

/* A run that stops with an error has no end state to dump. */
static void test_no_dump_on_error(void **state)
{
	char *got = dump_of("xfs_io -f -c \"pwrite 0 1k\" f\n"
			    "set pagesize 4096\n", RUN_ERROR);

	assert_string_equal(got, "");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_and_eof),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_empty_and_dirty),
		cmocka_unit_test(test_no_dump_on_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
