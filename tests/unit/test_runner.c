/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_runner.c - the scenario runner on the real model.
 *
 * Scope: sim/runner.c end to end: scenario text -> scenario_parse_string()
 * -> runner_run() on a fresh kernel -> the exact bytes printed.  What the
 * commands print is checked against what xfs_io 6.1 and coreutils 9.1
 * print for the same commands (the mapping-range messages were compared
 * with the real xfs_io); the configuration rules (set before the first
 * operation, policy names, block size) and the exit statuses; that two
 * runs of the same scenario print the same bytes; and the metrics a run
 * reports (struct run_report) for sharing and for mainline.
 *
 * The file contents behind md5sum lines come from the model; the md5 values
 * here are those of the byte patterns written (computed independently).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/output.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/trace.h"

#define STATS	OUT_XFS_IO_STATS "\n"

/* md5 of 4096 bytes of 0x61, and of 100 bytes of 0x61. */
#define MD5_4K_A	"21a199c53f422a380e20b162fb6ebe9c"
#define MD5_100_A	"36a92cc94a9e0fa21f625f8bfb007adf"

struct result {
	int status;
	char *out, *err;
	size_t outlen, errlen;
	struct run_report rep;
};

/* Parse @text as "t.pcs" and run it with @o; the text must parse. */
static void run_text(const char *text, const struct run_opts *o,
		     struct result *r)
{
	struct scenario sc;
	char *perr = NULL;
	FILE *out, *err;

	if (scenario_parse_string("t.pcs", text, strlen(text), &sc, &perr)) {
		fprintf(stderr, "parse error: %s\n", perr);
		fail();
	}
	out = open_memstream(&r->out, &r->outlen);
	err = open_memstream(&r->err, &r->errlen);
	assert_non_null(out);
	assert_non_null(err);
	r->status = runner_run(&sc, o, out, err, &r->rep);
	fclose(out);
	fclose(err);
	scenario_free(&sc);
}

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

/* Run @text; expect @status, exactly @out and exactly @err. */
static void expect(const char *text, const struct run_opts *o, int status,
		   const char *out, const char *err)
{
	struct result r;

	run_text(text, o, &r);
	assert_string_equal(r.out, out);
	assert_string_equal(r.err, err);
	assert_int_equal(r.status, status);
	result_free(&r);
}

/* --- xfs_io ------------------------------------------------------------ */

static void test_pwrite_pread_md5(void **state)
{
	expect("echo start\n"
	       "xfs_io -f -c \"pwrite -S 0x61 0 4k\" -c \"pread 0 8k\" f\n"
	       "xfs_io -c \"pread 8k 4k\" -c \"pread 0 0\""
	       " -c \"pwrite 4k 0\" f\n"
	       "md5sum f\n",
	       NULL, RUN_OK,
	       "start\n"
	       "wrote 4096/4096 bytes at offset 0\n" STATS
	       "read 4096/8192 bytes at offset 0\n" STATS
	       "read 0/4096 bytes at offset 8192\n" STATS
	       "read 0/0 bytes at offset 0\n" STATS
	       "wrote 0/0 bytes at offset 4096\n" STATS
	       MD5_4K_A "  f\n", "");
}

static void test_pwrite_sync_flags(void **state)
{
	expect("xfs_io -f -c \"pwrite -w -W -b 1k -S 0x61 0 4k\" f\n"
	       "md5sum f\n",
	       NULL, RUN_OK,
	       "wrote 4096/4096 bytes at offset 0\n" STATS
	       MD5_4K_A "  f\n", "");
}

static void test_open_failure_runs_nothing(void **state)
{
	expect("xfs_io -c \"pwrite 0 4k\" -c \"fsync\" nofile\n"
	       "xfs_io -r -f -c \"pwrite 0 4k\" f\n",
	       NULL, RUN_OK,
	       "nofile: No such file or directory\n"
	       "pwrite: Bad file descriptor\n", "");
}

static void test_errors_perror_names(void **state)
{
	expect("xfs_io -f -c \"pwrite -S 0x61 0 10000\" f\n"
	       "xfs_io -r -c \"truncate 0\" -c \"fsync\""
	       " -c \"pwrite -w 0 1\" f\n"
	       "xfs_io -d -c \"pwrite 1 512\" -c \"pread 1 512\" f\n"
	       "xfs_io -c \"reflink f 1 0 4k\" -c \"reflink nope\" f\n",
	       NULL, RUN_OK,
	       "wrote 10000/10000 bytes at offset 0\n" STATS
	       "ftruncate: Invalid argument\n"
	       "pwrite: Bad file descriptor\n"
	       "pwrite: Invalid argument\n"
	       "pread: Invalid argument\n"
	       "XFS_IOC_CLONE_RANGE: Invalid argument\n"
	       "nope: No such file or directory\n", "");
}

/* Recorded from the real xfs_io 6.1 (tmpfs) for the same commands. */
static void test_mapping_messages(void **state)
{
	expect("xfs_io -f -c \"pwrite -S 0x61 0 10000\" f\n"
	       "xfs_io -c \"mmap 4k 8k\" -c \"mwrite 0 10\""
	       " -c \"mwrite 20k 10\""
	       " -c \"mread 4k 8k\" -c \"msync 4k 4k\""
	       " -c \"mwrite -S 0x41 5000 10\" -c \"msync\" -c \"munmap\""
	       " -c \"munmap\" -c \"mread 0 1\" f\n"
	       "xfs_io -c \"mmap 1 4k\" -c \"mmap 0 0\" f\n"
	       "xfs_io -c \"mwrite 0 1\" -c \"mread\" -c \"msync\" f\n",
	       NULL, RUN_OK,
	       "wrote 10000/10000 bytes at offset 0\n" STATS
	       "offset (0) is before start of mapping (4096)\n"
	       "offset (16384) is beyond end of mapping (4096)\n"
	       "no mapped regions, try 'help mmap'\n"
	       "no mapped regions, try 'help mmap'\n"
	       "mmap: Invalid argument\n"
	       "mmap: Invalid argument\n"
	       "no mapped regions, try 'help mmap'\n"
	       "no mapped regions, try 'help mmap'\n"
	       "no mapped regions, try 'help mmap'\n", "");
}

static void test_range_beyond_mapping(void **state)
{
	expect("xfs_io -f -c \"pwrite 0 16k\" f\n"
	       "xfs_io -c \"mmap 0 8k\" -c \"mwrite 8k 10\" -c \"mwrite 4k 8k\""
	       " f\n",
	       NULL, RUN_OK,
	       "wrote 16384/16384 bytes at offset 0\n" STATS
	       "range (8192:8192) is beyond mapping (0:8192)\n"
	       "range (4096:4096) is beyond mapping (0:8192)\n", "");
}

/* munmap lists the remaining mappings, the current one in brackets. */
static void test_munmap_lists_mappings(void **state)
{
	const char *tail = " rwx               f (0 : 4096)\n";
	unsigned long a, b;
	struct result r;

	run_text("xfs_io -f -c \"pwrite 0 8k\" -c \"mmap 0 4k\""
		 " -c \"mmap 4k 4k\" -c \"munmap\" f\n", NULL, &r);
	assert_int_equal(r.status, RUN_OK);
	assert_int_equal(sscanf(r.out + strlen("wrote 8192/8192 bytes at "
					       "offset 0\n" STATS),
				"[000] 0x%lx - 0x%lx ", &a, &b), 2);
	assert_int_equal(b - a, 4096);
	assert_string_equal(r.out + r.outlen - strlen(tail), tail);
	result_free(&r);
}

/* msync needs a page-aligned address; xfs_io prints the address. */
static void test_msync_unaligned(void **state)
{
	const char *head = "offset address (0x";
	const char *tail = ") is not page aligned\n";
	struct result r;
	char *msg;

	run_text("xfs_io -f -c \"pwrite 0 8k\" -c \"mmap 4k 4k\""
		 " -c \"msync 5000 10\" f\n", NULL, &r);
	assert_int_equal(r.status, RUN_OK);
	msg = strstr(r.out, head);
	assert_non_null(msg);
	assert_string_equal(r.out + r.outlen - strlen(tail), tail);
	/* The address is the mapping's + 904, so not page aligned. */
	assert_int_equal(strtoull(msg + strlen(head) - 2, NULL, 16) % 4096,
			 904);
	result_free(&r);
}

static void test_sigbus_ends_the_line(void **state)
{
	expect("xfs_io -f -c \"pwrite -S 0x61 0 100\" f\n"
	       "xfs_io -c \"mmap 0 16k\" -c \"mwrite 8k 1\" -c \"pwrite 0 1\""
	       " f\n"
	       "echo after\n"
	       "md5sum f\n",
	       NULL, RUN_OK,
	       "wrote 100/100 bytes at offset 0\n" STATS
	       "Bus error\n"
	       "after\n"
	       MD5_100_A "  f\n", "");
}

static void test_reflink_dedupe(void **state)
{
	expect("xfs_io -f -c \"pwrite -S 0x61 0 4k\" a\n"
	       "xfs_io -f -c \"reflink a\" -c \"reflink a 0 4k 4k\""
	       " -c \"dedupe a 0 0 4k\" -c \"pwrite -S 0x62 0 4k\""
	       " -c \"dedupe a 0 0 4k\" b\n"
	       "md5sum a\n",
	       NULL, RUN_OK,
	       "wrote 4096/4096 bytes at offset 0\n" STATS
	       "linked 0/0 bytes at offset 0\n" STATS
	       "linked 4096/4096 bytes at offset 4096\n" STATS
	       "deduped 4096/4096 bytes at offset 0\n" STATS
	       "wrote 4096/4096 bytes at offset 0\n" STATS
	       "XFS_IOC_FILE_EXTENT_SAME: Extents did not match.\n"
	       MD5_4K_A "  a\n", "");
}

/* --- coreutils --------------------------------------------------------- */

static void test_coreutils_messages(void **state)
{
	expect("xfs_io -f -c \"pwrite -S 0x61 0 4k\" f\n"
	       "cp --reflink=always nope x\n"
	       "cp --reflink=always f f\n"
	       "cp --reflink=always f g\n"
	       "md5sum g nope x+y\n"
	       "rm nope x+y\n"
	       "rm -f nope\n"
	       "rm g\n"
	       "md5sum g\n",
	       NULL, RUN_OK,
	       "wrote 4096/4096 bytes at offset 0\n" STATS
	       "cp: cannot stat 'nope': No such file or directory\n"
	       "cp: 'f' and 'f' are the same file\n"
	       MD5_4K_A "  g\n"
	       "md5sum: nope: No such file or directory\n"
	       "md5sum: x+y: No such file or directory\n"
	       "rm: cannot remove 'nope': No such file or directory\n"
	       "rm: cannot remove 'x+y': No such file or directory\n"
	       "md5sum: g: No such file or directory\n", "");
}

static void test_simple_verbs(void **state)
{
	expect("xfs_io -f -c \"pwrite -S 0x61 0 4k\" f\n"
	       "sync\nwriteback\ndrop_caches\ncycle_mount\ncrash\n"
	       "md5sum f\n",
	       NULL, RUN_OK,
	       "wrote 4096/4096 bytes at offset 0\n" STATS
	       MD5_4K_A "  f\n", "");
}

/* --- configuration ----------------------------------------------------- */

static void test_set_after_operation(void **state)
{
	expect("set seed 1\necho one\nset seed 2\necho two\n", NULL,
	       RUN_ERROR, "one\n",
	       "t.pcs:3:1: set must come before the first operation\n");
}

static void test_unknown_policy(void **state)
{
	struct run_opts o = { .policy = "no-such-design" };

	expect("set policy bogus\necho hi\n", NULL, RUN_ERROR, "",
	       "t.pcs:1:1: unknown policy 'bogus'\n");
	expect("echo hi\n", &o, RUN_ERROR, "",
	       "t.pcs: unknown policy 'no-such-design' (--policy)\n");
	/* The file's bad name is an error even when overridden. */
	o.policy = "none";
	expect("set policy bogus\necho hi\n", &o, RUN_ERROR, "",
	       "t.pcs:1:1: unknown policy 'bogus'\n");
	expect("set policy none\necho hi\n", &o, RUN_OK, "hi\n", "");
}

static void test_blocksize_must_equal_pagesize(void **state)
{
	expect("set blocksize 8k\necho hi\n", NULL, RUN_ERROR, "",
	       "t.pcs:1:1: blocksize 8192 must equal pagesize 4096\n");
	expect("set blocksize 8k\nset pagesize 8k\necho hi\n", NULL, RUN_OK,
	       "hi\n", "");
}

static void test_config_only_is_checked(void **state)
{
	expect("", NULL, RUN_OK, "", "");
	expect("set seed 7\n", NULL, RUN_OK, "", "");
	expect("set policy bogus\n", NULL, RUN_ERROR, "",
	       "t.pcs:1:1: unknown policy 'bogus'\n");
}

/* Same scenario, same options: the same bytes, run after run. */
static void test_deterministic(void **state)
{
	static const char text[] =
		"set io-latency 250\n"
		"xfs_io -f -c \"pwrite -S 0x61 0 64k\" -c \"mmap 0 64k\""
		" -c \"mwrite -S 0x62 100 9000\" a\n"
		"cp --reflink=always a b\n"
		"xfs_io -c \"pwrite -S 0x63 4k 4k\" -c \"fpunch 16k 8k\" b\n"
		"writeback\ndrop_caches\nmd5sum a b\ncrash\nmd5sum a b\n";
	struct run_opts o = { .seed_set = true, .seed = 42 };
	struct result r1, r2;

	run_text(text, &o, &r1);
	run_text(text, &o, &r2);
	assert_int_equal(r1.status, RUN_OK);
	assert_int_equal(r1.outlen, r2.outlen);
	assert_memory_equal(r1.out, r2.out, r1.outlen);
	assert_string_equal(r1.err, "");
	result_free(&r1);
	result_free(&r2);
}

/* --- metrics ----------------------------------------------------------- */

/* 16k written and fsynced, cloned whole, the clone read back. */
#define SHARE_TEXT \
	"xfs_io -f -c \"pwrite -S 0x61 0 16k\" -c \"fsync\" a\n" \
	"xfs_io -f -c \"reflink a\" b\n" \
	"xfs_io -c \"pread 0 16k\" b\n"
/* ... then the clone's first page rewritten: one COW copy. */
#define COW_TEXT SHARE_TEXT "xfs_io -c \"pwrite -S 0x62 0 4k\" b\n"

/*
 * Sharing fields only: the I/O and step counts belong to the model.  Under
 * share-clean the clone's reads find the source's pages (no read I/O, one
 * page for two owners); mainline reads the clone into pages of its own.
 */
static const struct {
	const char *policy, *text;
	uint64_t cached, peak_cached, entries, shared, peak_shared;
	uint64_t cow_copies, read_ios;
} stats_cases[] = {
	{ "share-clean", SHARE_TEXT, 4, 4, 8, 4, 4, 0, 0 },
	{ "share-clean", COW_TEXT, 5, 5, 8, 3, 4, 1, 0 },
	{ "none", SHARE_TEXT, 8, 8, 8, 0, 0, 0, 4 },
	{ "none", COW_TEXT, 8, 8, 8, 0, 0, 0, 4 },
};

/* Two threads that read one cached page (schedule entries follow). */
#define TWO_READERS							\
	"xfs_io -f -c \"pwrite -S 0x61 0 4k\" f\n"				\
	"thread T1\n"							\
	"\txfs_io -c \"pread 0 4k\" f\n"					\
	"end\n"								\
	"thread T2\n"							\
	"\txfs_io -c \"pread 0 4k\" f\n"					\
	"end\n"

/*
 * Schedule entries: one fires, one is refused (its target has finished
 * when its step runs: not an error), one names a step that never runs and
 * is reported as stale where it is written.
 */
static void test_stale_schedule_entry(void **state)
{
	struct result r;

	run_text(TWO_READERS
		 "schedule T1@open/syscall#1->T2\n"
		 "schedule T1@pread/syscall#1->T2\n"
		 "schedule T1@read/no_such_step#1->T2\n", NULL, &r);
	assert_int_equal(r.status, RUN_OK);
	assert_string_equal(r.err,
			    "t.pcs:10:10: stale schedule entry "
			    "T1@read/no_such_step#1->T2: T1 never ran step #1 "
			    "of read/no_such_step\n");
	assert_int_equal(r.rep.stale_pins, 1);
	result_free(&r);
}

/* The trace names the entries that fired and those refused. */
static void test_schedule_entries_traced(void **state)
{
	struct trace_writer *w;
	struct tracer tr;
	struct run_opts o = { 0 };
	struct result r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	w = trace_writer_stream(f, TRACE_TEXT);
	tr = trace_writer_tracer(w);
	o.tracer = &tr;
	run_text(TWO_READERS
		 "schedule T1@open/syscall#1->T2 T1@pread/syscall#1->T2\n",
		 &o, &r);
	assert_int_equal(trace_writer_close(w), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(r.status, RUN_OK);
	assert_non_null(strstr(buf, "] sched schedule T1@open/syscall#1->T2\n"));
	assert_non_null(strstr(buf, "] sched schedule "
				    "T1@pread/syscall#1->T2 refused\n"));
	free(buf);
	result_free(&r);
}

/* A run a violation stopped never reached its later entries: not stale. */
static void test_stopped_run_has_no_stale_entry(void **state)
{
	struct run_opts o = { .policy = "writeback-in-place" };
	struct result r;

	run_text("xfs_io -f -c \"pwrite -S 0x61 0 8k\" -c \"fsync\" a\n"
		 "xfs_io -f -c \"reflink a\" -c \"pwrite -S 0x62 0 4k\" "
		 "-c \"fsync\" b\n"
		 "thread T1\n"
		 "\txfs_io -c \"pread 0 4k\" a\n"
		 "end\n"
		 "schedule T1@pread/syscall#1->irq\n", &o, &r);
	assert_int_equal(r.status, RUN_VIOLATION);
	assert_null(strstr(r.err, "stale"));
	assert_int_equal(r.rep.stale_pins, 0);
	result_free(&r);
}

static void test_stats_sharing(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(stats_cases) / sizeof(stats_cases[0]); i++) {
		struct run_opts o = { .policy = stats_cases[i].policy };
		const struct sys_stats *s;
		struct result r;

		run_text(stats_cases[i].text, &o, &r);
		s = &r.rep.stats;
		assert_int_equal(r.status, RUN_OK);
		assert_true(r.rep.has_stats);
		assert_string_equal(r.rep.policy, stats_cases[i].policy);
		assert_int_equal(s->page_size, 4096);
		assert_int_equal(s->cached_pages, stats_cases[i].cached);
		assert_int_equal(s->peak_cached_pages,
				 stats_cases[i].peak_cached);
		assert_int_equal(s->cache_entries, stats_cases[i].entries);
		assert_int_equal(s->shared_pages, stats_cases[i].shared);
		/* Two owners a page: each shared page saves one. */
		assert_int_equal(s->saved_bytes, s->shared_pages * 4096);
		assert_int_equal(s->peak_saved_bytes,
				 stats_cases[i].peak_shared * 4096);
		assert_int_equal(s->cow_page_copies,
				 stats_cases[i].cow_copies);
		assert_int_equal(s->read_ios, stats_cases[i].read_ios);
		/* The fsync wrote the 16k source back. */
		assert_true(s->writeback_ios > 0);
		assert_true(s->writeback_bytes >= 16384);
		assert_true(s->steps > 0);
		result_free(&r);
	}
}

/* The policy reported is the one run: --policy, else the file's, else
 * none; set policy-only wins over --policy.  No kernel, no metrics. */
static void test_stats_policy_reported(void **state)
{
	static const struct {
		const char *opt, *text, *policy;
		int status;
	} cases[] = {
		{ NULL, "echo hi\n", "none", RUN_OK },
		{ NULL, "set policy share-clean\n", "share-clean", RUN_OK },
		{ "none", "set policy share-clean\necho hi\n", "none",
		  RUN_OK },
		{ "none", "set policy-only share-clean\necho hi\n",
		  "share-clean", RUN_OK },
		/* Stopped by an error after boot: metrics still there. */
		{ NULL, "echo one\nset seed 2\n", "none", RUN_ERROR },
		{ NULL, "set policy bogus\necho hi\n", NULL, RUN_ERROR },
		{ "bogus", "echo hi\n", NULL, RUN_ERROR },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run_opts o = { .policy = cases[i].opt };
		struct result r;

		run_text(cases[i].text, &o, &r);
		assert_int_equal(r.status, cases[i].status);
		assert_int_equal(r.rep.has_stats, cases[i].policy != NULL);
		if (cases[i].policy)
			assert_string_equal(r.rep.policy, cases[i].policy);
		result_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pwrite_pread_md5),
		cmocka_unit_test(test_pwrite_sync_flags),
		cmocka_unit_test(test_open_failure_runs_nothing),
		cmocka_unit_test(test_errors_perror_names),
		cmocka_unit_test(test_mapping_messages),
		cmocka_unit_test(test_range_beyond_mapping),
		cmocka_unit_test(test_munmap_lists_mappings),
		cmocka_unit_test(test_msync_unaligned),
		cmocka_unit_test(test_sigbus_ends_the_line),
		cmocka_unit_test(test_reflink_dedupe),
		cmocka_unit_test(test_coreutils_messages),
		cmocka_unit_test(test_simple_verbs),
		cmocka_unit_test(test_set_after_operation),
		cmocka_unit_test(test_unknown_policy),
		cmocka_unit_test(test_blocksize_must_equal_pagesize),
		cmocka_unit_test(test_config_only_is_checked),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_stale_schedule_entry),
		cmocka_unit_test(test_stopped_run_has_no_stale_entry),
		cmocka_unit_test(test_schedule_entries_traced),
		cmocka_unit_test(test_stats_sharing),
		cmocka_unit_test(test_stats_policy_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
