/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_scenario.c - the .pcs scenario parser (sim/scenario.c,
 * sim/lex.c).
 *
 * Scope: every line form with every option and the values it yields;
 * cvtnum() numbers and suffixes; shell quoting and continuation; positions
 * (line, column) of parsed commands and of errors; the error messages
 * themselves; file reading and the size limits; thread blocks, sections,
 * schedules, sleep and durations.
 *
 * Invariant checked throughout: on error the output scenario is zeroed and
 * the message is exactly "t.pcs:LINE:COL: message".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/scenario.h"

#define NAME	"t.pcs"

static struct scenario sc;

static int teardown(void **state)
{
	(void)state;
	scenario_free(&sc);
	return 0;
}

/* Parse @len bytes of @text, which must succeed; the result is in sc. */
static void parse_ok_len(const char *text, size_t len)
{
	char *err = NULL;
	int ret;

	scenario_free(&sc);
	ret = scenario_parse_string(NAME, text, len, &sc, &err);
	if (ret)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(ret, 0);
	assert_null(err);
	assert_string_equal(sc.path, NAME);
}

static void parse_ok(const char *text)
{
	parse_ok_len(text, strlen(text));
}

/* Parse @text, which must fail with exactly @msg. */
static void parse_err(const char *text, size_t len, const char *msg)
{
	struct scenario out;
	char *err = NULL;
	int ret;

	memset(&out, 0xa5, sizeof(out));
	ret = scenario_parse_string(NAME, text, len, &out, &err);
	if (ret != -1) {
		print_error("parsed, but should not: %s\n", text);
		scenario_free(&out);
	}
	assert_int_equal(ret, -1);
	assert_non_null(err);
	if (strcmp(err, msg))
		print_error("input: %s\n", text);
	assert_string_equal(err, msg);
	assert_null(out.lines);
	assert_null(out.path);
	assert_int_equal(out.nlines, 0);
	assert_null(out.threads);
	assert_int_equal(out.nthreads, 0);
	assert_int_equal(out.nsections, 0);
	assert_null(out.sched);
	assert_int_equal(out.nsched, 0);
	free(err);
}

/* The single -c command of the single line of @text. */
static const struct io_cmd *one_cmd(const char *text)
{
	parse_ok(text);
	assert_int_equal(sc.nlines, 1);
	assert_int_equal(sc.lines[0].kind, SC_XFS_IO);
	assert_int_equal(sc.lines[0].u.xio.ncmds, 1);
	return &sc.lines[0].u.xio.cmds[0];
}

static void test_xfs_io_options(void **state)
{
	static const struct {
		const char *text;
		unsigned flags;
	} cases[] = {
		{ "xfs_io -c fsync f", 0 },
		{ "xfs_io -f -c fsync f", XIO_CREATE },
		{ "xfs_io -d -c fsync f", XIO_DIRECT },
		{ "xfs_io -r -c fsync f", XIO_RDONLY },
		{ "xfs_io -fdr -c fsync f", XIO_CREATE | XIO_DIRECT | XIO_RDONLY },
		{ "xfs_io -c fsync -d f -f", XIO_CREATE | XIO_DIRECT },
		{ "xfs_io -fc fsync f", XIO_CREATE },
		{ "xfs_io -cfsync -- f", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(cases[i].text);
		assert_int_equal(sc.lines[0].u.xio.flags, cases[i].flags);
		assert_string_equal(sc.lines[0].u.xio.file, "f");
		assert_int_equal(sc.lines[0].u.xio.cmds[0].kind, IO_FSYNC);
	}
	parse_ok("xfs_io -c 'pwrite 0 1' -c fsync -c \"fdatasync\" dir/f.1");
	assert_string_equal(sc.lines[0].u.xio.file, "dir/f.1");
	assert_int_equal(sc.lines[0].u.xio.ncmds, 3);
	assert_int_equal(sc.lines[0].u.xio.cmds[0].kind, IO_PWRITE);
	assert_int_equal(sc.lines[0].u.xio.cmds[1].kind, IO_FSYNC);
	assert_int_equal(sc.lines[0].u.xio.cmds[2].kind, IO_FDATASYNC);
}

static void test_pwrite(void **state)
{
	const struct io_cmd *c;

	(void)state;
	c = one_cmd("xfs_io -c 'pwrite 4k 64k' f");
	assert_int_equal(c->kind, IO_PWRITE);
	assert_int_equal(c->off, 4096);
	assert_int_equal(c->len, 65536);
	assert_int_equal(c->pattern, 0xcd);
	assert_int_equal(c->bsize, 4096);	/* xfs_io: the fs block size */
	assert_int_equal(c->flags, 0);
	assert_null(c->src);

	c = one_cmd("xfs_io -c 'pwrite -S 0x61 -b 8k -w -W 1 2' f");
	assert_int_equal(c->pattern, 0x61);
	assert_int_equal(c->bsize, 8192);
	assert_int_equal(c->flags, IOF_FDATASYNC | IOF_FSYNC);
	assert_int_equal(c->off, 1);
	assert_int_equal(c->len, 2);

	/* attached arguments, clusters, options after the operands */
	c = one_cmd("xfs_io -c 'pwrite -S0 -wWb512 1 2 -S 255' f");
	assert_int_equal(c->pattern, 255);
	assert_int_equal(c->bsize, 512);
	assert_int_equal(c->flags, IOF_FDATASYNC | IOF_FSYNC);

	c = one_cmd("xfs_io -c 'pwrite -S 0141 0 1' f");	/* octal */
	assert_int_equal(c->pattern, 0x61);

	c = one_cmd("xfs_io -c 'w -S 0 0 1' f");
	assert_int_equal(c->kind, IO_PWRITE);
	assert_int_equal(c->pattern, 0);
}

static void test_pread(void **state)
{
	const struct io_cmd *c;

	(void)state;
	c = one_cmd("xfs_io -c 'pread 0 1m' f");
	assert_int_equal(c->kind, IO_PREAD);
	assert_int_equal(c->len, 1 << 20);
	assert_int_equal(c->bsize, 4096);
	c = one_cmd("xfs_io -c 'pread -b 1m 512 1s' f");
	assert_int_equal(c->bsize, 1 << 20);
	assert_int_equal(c->off, 512);
	assert_int_equal(c->len, 512);
	parse_ok("set blocksize 64k\nxfs_io -c 'r 0 1' f");
	assert_int_equal(sc.lines[1].u.xio.cmds[0].bsize, 65536);
	assert_int_equal(sc.lines[1].u.xio.cmds[0].kind, IO_PREAD);
}

static void test_mmap(void **state)
{
	static const struct {
		const char *opts;
		unsigned flags;
	} cases[] = {
		{ "", IOF_PROT_READ | IOF_PROT_WRITE | IOF_PROT_EXEC },
		{ "-r", IOF_PROT_READ },
		{ "-w", IOF_PROT_WRITE },
		{ "-x", IOF_PROT_EXEC },
		{ "-rw", IOF_PROT_READ | IOF_PROT_WRITE },
		{ "-r -x", IOF_PROT_READ | IOF_PROT_EXEC },
		{ "-wrx", IOF_PROT_READ | IOF_PROT_WRITE | IOF_PROT_EXEC },
	};
	char text[128];
	const struct io_cmd *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "xfs_io -c 'mmap %s 4k 8k' f",
			 cases[i].opts);
		c = one_cmd(text);
		assert_int_equal(c->kind, IO_MMAP);
		assert_int_equal(c->flags, cases[i].flags);
		assert_int_equal(c->off, 4096);
		assert_int_equal(c->len, 8192);
	}
	c = one_cmd("xfs_io -c 'mm -r 0 1' f");
	assert_int_equal(c->kind, IO_MMAP);
}

static void test_mwrite_mread(void **state)
{
	const struct io_cmd *c;

	(void)state;
	c = one_cmd("xfs_io -c 'mwrite 1 2' f");
	assert_int_equal(c->kind, IO_MWRITE);
	assert_int_equal(c->pattern, 'X');
	assert_int_equal(c->flags, 0);
	assert_int_equal(c->off, 1);
	assert_int_equal(c->len, 2);
	c = one_cmd("xfs_io -c 'mwrite -r -S 0x62 0 4k' f");
	assert_int_equal(c->pattern, 0x62);
	assert_int_equal(c->flags, IOF_REVERSE);
	c = one_cmd("xfs_io -c 'mw' f");
	assert_int_equal(c->kind, IO_MWRITE);
	assert_int_equal(c->flags, IOF_WHOLE_MAP);

	c = one_cmd("xfs_io -c 'mread 0 4k' f");
	assert_int_equal(c->kind, IO_MREAD);
	assert_int_equal(c->flags, 0);
	assert_int_equal(c->len, 4096);
	c = one_cmd("xfs_io -c 'mread -r 0 4k' f");
	assert_int_equal(c->flags, IOF_REVERSE);
	c = one_cmd("xfs_io -c 'mr -r' f");
	assert_int_equal(c->kind, IO_MREAD);
	assert_int_equal(c->flags, IOF_REVERSE | IOF_WHOLE_MAP);
}

static void test_msync(void **state)
{
	static const struct {
		const char *opts;
		unsigned flags;
	} cases[] = {
		{ "", 0 },	/* xfs_io passes flags 0 to msync(2) */
		{ "-a", IOF_MS_ASYNC },
		{ "-i", IOF_MS_INVALIDATE },
		{ "-s", IOF_MS_SYNC },
		{ "-si", IOF_MS_SYNC | IOF_MS_INVALIDATE },
		{ "-a -i", IOF_MS_ASYNC | IOF_MS_INVALIDATE },
	};
	char text[128];
	const struct io_cmd *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "xfs_io -c 'msync %s 0 4k' f",
			 cases[i].opts);
		c = one_cmd(text);
		assert_int_equal(c->kind, IO_MSYNC);
		assert_int_equal(c->flags, cases[i].flags);
		assert_int_equal(c->len, 4096);
	}
	c = one_cmd("xfs_io -c 'ms -s' f");
	assert_int_equal(c->kind, IO_MSYNC);
	assert_int_equal(c->flags, IOF_MS_SYNC | IOF_WHOLE_MAP);
}

static void test_simple_cmds(void **state)
{
	static const struct {
		const char *cmd;
		enum io_kind kind;
		unsigned flags;
		uint64_t off, len;
	} cases[] = {
		{ "munmap", IO_MUNMAP, 0, 0, 0 },
		{ "mu", IO_MUNMAP, 0, 0, 0 },
		{ "fsync", IO_FSYNC, 0, 0, 0 },
		{ "s", IO_FSYNC, 0, 0, 0 },
		{ "fdatasync", IO_FDATASYNC, 0, 0, 0 },
		{ "ds", IO_FDATASYNC, 0, 0, 0 },
		{ "truncate 5k", IO_TRUNCATE, 0, 5120, 0 },
		{ "t 0", IO_TRUNCATE, 0, 0, 0 },
		{ "fpunch 4k 8k", IO_FPUNCH, 0, 4096, 8192 },
		{ "fzero 1 2", IO_FZERO, 0, 1, 2 },
		{ "fzero -k 1 2", IO_FZERO, IOF_KEEP_SIZE, 1, 2 },
		{ "falloc 0 1m", IO_FALLOC, 0, 0, 1 << 20 },
		{ "falloc -k 3 4", IO_FALLOC, IOF_KEEP_SIZE, 3, 4 },
	};
	char text[128];
	const struct io_cmd *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "xfs_io -c '%s' f", cases[i].cmd);
		c = one_cmd(text);
		assert_int_equal(c->kind, cases[i].kind);
		assert_int_equal(c->flags, cases[i].flags);
		assert_int_equal(c->off, cases[i].off);
		assert_int_equal(c->len, cases[i].len);
		assert_int_equal(c->col, 12);
	}
}

static void test_reflink_dedupe(void **state)
{
	const struct io_cmd *c;

	(void)state;
	c = one_cmd("xfs_io -c 'reflink src' f");
	assert_int_equal(c->kind, IO_REFLINK);
	assert_int_equal(c->flags, IOF_WHOLE_FILE);
	assert_string_equal(c->src, "src");
	assert_int_equal(c->off, 0);
	assert_int_equal(c->src_off, 0);
	assert_int_equal(c->len, 0);

	c = one_cmd("xfs_io -c 'reflink a/b 4k 8k 12k' f");
	assert_int_equal(c->flags, 0);
	assert_string_equal(c->src, "a/b");
	assert_int_equal(c->src_off, 4096);
	assert_int_equal(c->off, 8192);
	assert_int_equal(c->len, 12288);

	c = one_cmd("xfs_io -c 'rl s 0 0 0' f");
	assert_int_equal(c->kind, IO_REFLINK);
	assert_int_equal(c->flags, 0);

	c = one_cmd("xfs_io -c 'dedupe s 1 2 3' f");
	assert_int_equal(c->kind, IO_DEDUPE);
	assert_string_equal(c->src, "s");
	assert_int_equal(c->src_off, 1);
	assert_int_equal(c->off, 2);
	assert_int_equal(c->len, 3);
	c = one_cmd("xfs_io -c 'dd s 1 2 3' f");
	assert_int_equal(c->kind, IO_DEDUPE);
}

static void test_shell_verbs(void **state)
{
	const struct sc_line *l;

	(void)state;
	parse_ok("cp --reflink=always a b\n"
		 "cp -p --reflink -f x/y z\n"
		 "cp -fp a b --reflink=always\n");
	l = sc.lines;
	assert_int_equal(l[0].kind, SC_CP_REFLINK);
	assert_string_equal(l[0].u.cp.src, "a");
	assert_string_equal(l[0].u.cp.dst, "b");
	assert_false(l[0].u.cp.preserve);
	assert_false(l[0].u.cp.force);
	assert_string_equal(l[1].u.cp.src, "x/y");
	assert_true(l[1].u.cp.preserve);
	assert_true(l[1].u.cp.force);
	assert_true(l[2].u.cp.preserve && l[2].u.cp.force);

	parse_ok("md5sum a b/c\nrm -f a b\nrm c\n");
	l = sc.lines;
	assert_int_equal(l[0].kind, SC_MD5SUM);
	assert_int_equal(l[0].u.files.nfiles, 2);
	assert_string_equal(l[0].u.files.files[1], "b/c");
	assert_int_equal(l[1].kind, SC_RM);
	assert_true(l[1].u.files.force);
	assert_int_equal(l[1].u.files.nfiles, 2);
	assert_false(l[2].u.files.force);
	assert_string_equal(l[2].u.files.files[0], "c");
}

static void test_simulator_verbs(void **state)
{
	static const enum sc_kind kinds[] = {
		SC_SYNC, SC_WRITEBACK, SC_DROP_CACHES, SC_CYCLE_MOUNT,
		SC_CRASH,
	};
	size_t i;

	(void)state;
	parse_ok("sync\nwriteback\ndrop_caches\ncycle_mount\ncrash\n");
	assert_int_equal(sc.nlines, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(sc.lines[i].kind, kinds[i]);
		assert_int_equal(sc.lines[i].lineno, (int)i + 1);
	}
}

static void test_echo(void **state)
{
	(void)state;
	parse_ok("echo\necho a   b\necho \"x  y\" 'q\"' \\$z a#b # not me\n");
	assert_int_equal(sc.lines[0].kind, SC_ECHO);
	assert_string_equal(sc.lines[0].u.echo, "");
	assert_string_equal(sc.lines[1].u.echo, "a b");
	assert_string_equal(sc.lines[2].u.echo, "x  y q\" $z a#b");
	parse_ok("echo \"a\\\"b\\\\c\\$d\\`e\\nf\"\n");
	assert_string_equal(sc.lines[0].u.echo, "a\"b\\c$d`e\\nf");
	parse_ok("echo a\\ b '' \"\"\n");
	assert_string_equal(sc.lines[0].u.echo, "a b  ");
	parse_ok("echo \"a\\\nb\" c\\\nd 'e\\f'\n");	/* continuations */
	assert_string_equal(sc.lines[0].u.echo, "ab cd e\\f");
	assert_string_equal(sc.lines[0].text, "echo \"ab\" cd 'e\\f'");
}

/* `set KEY N` lines: each parses to its key and number. */
struct set_case {
	const char *text;
	enum sc_set_key key;
	uint64_t num;
};

static void check_set_cases(const struct set_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		parse_ok(cases[i].text);
		assert_int_equal(sc.lines[0].kind, SC_SET);
		assert_int_equal(sc.lines[0].u.set.key, cases[i].key);
		assert_int_equal(sc.lines[0].u.set.num, cases[i].num);
		assert_null(sc.lines[0].u.set.str);
	}
}

static void test_set(void **state)
{
	static const struct set_case cases[] = {
		{ "set pagesize 16k", SET_PAGESIZE, 16384 },
		{ "set pagesize 4096", SET_PAGESIZE, 4096 },
		{ "set blocksize 512", SET_BLOCKSIZE, 512 },
		{ "set blocksize 0x10000", SET_BLOCKSIZE, 65536 },
		{ "set memory-limit 64m", SET_MEMORY_LIMIT, 64 << 20 },
		{ "set memory-limit 0", SET_MEMORY_LIMIT, 0 },
		{ "set disk-size 1g", SET_DISK_SIZE, 1 << 30 },
		{ "set seed 18446744073709551615", SET_SEED, UINT64_MAX },
		{ "set seed 0xDeadBeef", SET_SEED, 0xdeadbeef },
		{ "set seed 010", SET_SEED, 10 },
		{ "set io-latency 250", SET_IO_LATENCY, 250 },
	};

	(void)state;
	check_set_cases(cases, sizeof(cases) / sizeof(cases[0]));
	parse_ok("set policy share-dirty-2");
	assert_int_equal(sc.lines[0].u.set.key, SET_POLICY);
	assert_string_equal(sc.lines[0].u.set.str, "share-dirty-2");
}

static void test_set_concurrency(void **state)
{
	static const struct set_case cases[] = {
		{ "set pct-depth 1", SET_PCT_DEPTH, 1 },
		{ "set pct-depth 100", SET_PCT_DEPTH, 100 },
		{ "set pct-depth 0x10", SET_PCT_DEPTH, 16 },
		{ "set dirty-writeback-interval 0", SET_DIRTY_WRITEBACK, 0 },
		{ "set dirty-writeback-interval 5s", SET_DIRTY_WRITEBACK,
		  5000000000ull },
		{ "set dirty-expire 30s", SET_DIRTY_EXPIRE, 30000000000ull },
		{ "set dirty-expire 0ms", SET_DIRTY_EXPIRE, 0 },
		{ "set step-bound 1", SET_STEP_BOUND, 1 },
		{ "set step-bound 18446744073709551615", SET_STEP_BOUND,
		  UINT64_MAX },
	};
	static const char *const schedules[] = { "fifo", "rr", "random", "pct" };
	char text[64];
	size_t i;

	(void)state;
	check_set_cases(cases, sizeof(cases) / sizeof(cases[0]));
	for (i = 0; i < sizeof(schedules) / sizeof(schedules[0]); i++) {
		snprintf(text, sizeof(text), "set schedule %s", schedules[i]);
		parse_ok(text);
		assert_int_equal(sc.lines[0].u.set.key, SET_SCHEDULE);
		assert_string_equal(sc.lines[0].u.set.str, schedules[i]);
	}
}

static void test_sleep(void **state)
{
	static const struct {
		const char *dur;
		uint64_t ns;
	} cases[] = {
		{ "30s", 30000000000ull }, { "100ms", 100000000 },
		{ "5000us", 5000000 }, { "250ns", 250 }, { "7", 7 },
		{ "010ms", 10000000 },	/* decimal, not octal */
		{ "9223372036854775807", INT64_MAX },
		{ "9223372036854775807ns", INT64_MAX },
		{ "9223372036s", 9223372036000000000ull },
	};
	char text[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "sleep %s", cases[i].dur);
		parse_ok(text);
		assert_int_equal(sc.nlines, 1);
		assert_int_equal(sc.lines[0].kind, SC_SLEEP);
		assert_int_equal(sc.lines[0].u.sleep_ns, cases[i].ns);
		assert_int_equal(sc.lines[0].thread, 0);
		assert_int_equal(sc.lines[0].section, 0);
	}
}

static void test_threads(void **state)
{
	static const struct {
		int lineno, thread, section;
		enum sc_kind kind;
	} want[] = {
		{ 1, 0, 0, SC_XFS_IO },
		{ 3, 1, 1, SC_XFS_IO },
		{ 4, 1, 1, SC_SLEEP },
		{ 9, 2, 1, SC_MD5SUM },
		{ 11, 0, 0, SC_MD5SUM },
		{ 13, 3, 2, SC_SYNC },
		{ 16, 4, 2, SC_ECHO },
		{ 17, 4, 2, SC_CRASH },
		{ 20, 5, 2, SC_CP_REFLINK },
		{ 21, 5, 2, SC_RM },
		{ 22, 5, 2, SC_WRITEBACK },
		{ 23, 5, 2, SC_DROP_CACHES },
		{ 24, 5, 2, SC_CYCLE_MOUNT },
		{ 26, 0, 0, SC_SLEEP },
	};
	static const char *const names[] = {
		"T1", "T2", "t-3_x", "a234567890123456", "W",
	};
	size_t i;

	(void)state;
	parse_ok("xfs_io -f -c 'pwrite 0 4k' a\n"	/* 1 */
		 "thread T1\n"				/* 2: section 1 */
		 "  xfs_io -c fsync a\n"		/* 3 */
		 "  sleep 1ms\n"			/* 4 */
		 "end # T1\n"				/* 5 */
		 "# comments and blank lines do not end a section\n"
		 "\n"					/* 7 */
		 "thread T2\n"				/* 8 */
		 "\tmd5sum a\n"			/* 9 */
		 "end\n"				/* 10 */
		 "md5sum a\n"				/* 11 */
		 "thread t-3_x\n"			/* 12: section 2 */
		 "sync\n"				/* 13 */
		 "end\n"				/* 14 */
		 "thread a234567890123456\n"		/* 15: still 2 */
		 "  echo hi\n"				/* 16 */
		 "  crash\n"				/* 17 */
		 "end\n"				/* 18 */
		 "thread W\n"				/* 19 */
		 "  cp --reflink a b\n"			/* 20 */
		 "  rm b\n"				/* 21 */
		 "  writeback\n"			/* 22 */
		 "  drop_caches\n"			/* 23 */
		 "  cycle_mount\n"			/* 24 */
		 "end\n"				/* 25 */
		 "sleep 1\n");				/* 26 */
	assert_int_equal(sc.nlines, (int)(sizeof(want) / sizeof(want[0])));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(sc.lines[i].lineno, want[i].lineno);
		assert_int_equal(sc.lines[i].thread, want[i].thread);
		assert_int_equal(sc.lines[i].section, want[i].section);
		assert_int_equal(sc.lines[i].kind, want[i].kind);
	}
	assert_string_equal(sc.lines[1].text, "xfs_io -c fsync a");
	assert_int_equal(sc.nthreads, 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(sc.threads[i], names[i]);
	assert_int_equal(sc.nsections, 2);
	assert_null(sc.sched);

	/* any top-level line between blocks splits them: set, schedule too */
	parse_ok("thread A\nsync\nend\nset seed 1\nthread B\nsync\nend\n"
		 "schedule B@x/y#1->irq\nthread C\nsync\nend\n");
	assert_int_equal(sc.nsections, 3);
	assert_int_equal(sc.lines[0].section, 1);
	assert_int_equal(sc.lines[2].section, 2);
	assert_int_equal(sc.lines[3].section, 3);
	assert_int_equal(sc.lines[3].thread, 3);

	/* the words are only special as the first word of a line */
	parse_ok("echo thread end schedule\nxfs_io -c fsync end\n");
	assert_int_equal(sc.nthreads, 0);
	assert_string_equal(sc.lines[0].u.echo, "thread end schedule");

	parse_ok("# nothing but comments\n");
	assert_int_equal(sc.nthreads, 0);
	assert_int_equal(sc.nsections, 0);
}

static void test_schedule(void **state)
{
	const struct sc_sched *e;

	(void)state;
	parse_ok("schedule T1@fsync/iomap_writepage_map#2->T2 \\\n"	/* 1 */
		 "   T2@pwrite/xfs_ilock(IOLOCK_EXCL)#1->irq\n"		/* 2 */
		 "thread T1\nsync\nend\n"
		 "thread T2\nsync\nend\n"				/* 6 */
		 "schedule 'T1@p-q/a_b(c)#4294967295->T1' # pinned\n"	/* 9 */
		 "schedule T2@x/y#01->T1\n");				/* 10 */
	assert_int_equal(sc.nlines, 2);
	assert_int_equal(sc.nsched, 4);
	e = &sc.sched[0];
	assert_string_equal(e->thread, "T1");
	assert_string_equal(e->op, "fsync");
	assert_string_equal(e->step, "iomap_writepage_map");
	assert_int_equal(e->n, 2);
	assert_string_equal(e->target, "T2");
	assert_int_equal(e->lineno, 1);
	assert_int_equal(e->col, 10);
	e = &sc.sched[1];
	assert_string_equal(e->thread, "T2");
	assert_string_equal(e->op, "pwrite");
	assert_string_equal(e->step, "xfs_ilock(IOLOCK_EXCL)");
	assert_int_equal(e->n, 1);
	assert_string_equal(e->target, "irq");
	assert_int_equal(e->lineno, 2);
	assert_int_equal(e->col, 4);
	e = &sc.sched[2];
	assert_string_equal(e->op, "p-q");
	assert_string_equal(e->step, "a_b(c)");
	assert_int_equal(e->n, UINT32_MAX);
	assert_string_equal(e->target, "T1");
	assert_int_equal(e->lineno, 9);
	assert_int_equal(e->col, 10);
	e = &sc.sched[3];
	assert_int_equal(e->n, 1);
	assert_int_equal(e->lineno, 10);
	scenario_free(&sc);
	/* kernel threads may be named on either side; they are reserved */
	parse_ok("thread T1\nsync\nend\n"
		 "schedule T1@sync/syscall#1->kswapd "
		 "kswapd@kswapd/balance_pgdat#2->flusher\n");
	assert_int_equal(sc.nsched, 2);
	assert_string_equal(sc.sched[0].target, "kswapd");
	assert_string_equal(sc.sched[1].thread, "kswapd");
	parse_err("thread kswapd\nsync\nend\n", 21,
		  NAME ":1:8: thread name 'kswapd' is reserved");
}

/* cvtnum() through "truncate N" (truncate does no option parsing). */
static void test_cvtnum(void **state)
{
	static const struct {
		const char *num;
		uint64_t val;
	} good[] = {
		{ "0", 0 }, { "17", 17 }, { "0x10", 16 }, { "0X1f", 31 },
		{ "010", 8 }, { "+5", 5 }, { "4k", 4096 }, { "4K", 4096 },
		{ "1s", 512 }, { "3S", 1536 }, { "2b", 8192 }, { "1m", 1 << 20 },
		{ "1g", 1ull << 30 }, { "1t", 1ull << 40 }, { "1p", 1ull << 50 },
		{ "7e", 7ull << 60 }, { "0x1b", 27 }, { "0x10k", 16384 },
		{ "9223372036854775807", INT64_MAX },
	};
	static const struct {
		const char *num, *msg;
	} bad[] = {
		{ "1kb", "bad number '1kb'" },
		{ "-1", "negative number '-1'" },
		{ "-0x5", "negative number '-0x5'" },
		{ "9223372036854775808", "number out of range '9223372036854775808'" },
		{ "0x8000000000000000", "number out of range '0x8000000000000000'" },
		{ "99999999999999999999", "number out of range '99999999999999999999'" },
		{ "8e", "number out of range '8e'" },
		{ "8388608t", "number out of range '8388608t'" },
		{ "1q", "bad number '1q'" },
		{ "0x", "bad number '0x'" },
		{ "08", "bad number '08'" },
		{ "k", "bad number 'k'" },
		{ "1.5k", "bad number '1.5k'" },
		{ "''", "bad number ''" },
		{ "' 1'", "bad number ' 1'" },
		{ "+", "bad number '+'" },
		{ "-f", "bad number '-f'" },
	};
	char text[128], msg[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "xfs_io -c 'truncate %s' f",
			 good[i].num);
		assert_int_equal(one_cmd(text)->off, good[i].val);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "xfs_io -c \"truncate %s\" f",
			 bad[i].num);
		snprintf(msg, sizeof(msg), NAME ":1:21: %s", bad[i].msg);
		parse_err(text, strlen(text), msg);
	}
	/* 'b' is the most recent "set blocksize" */
	parse_ok("set blocksize 1k\nxfs_io -c 'truncate 2b' f\n"
		 "set blocksize 512\nxfs_io -c 'truncate 2B' f\n");
	assert_int_equal(sc.lines[1].u.xio.cmds[0].off, 2048);
	assert_int_equal(sc.lines[3].u.xio.cmds[0].off, 1024);
	parse_ok("set blocksize 2k\nset memory-limit 3b\n");
	assert_int_equal(sc.lines[1].u.set.num, 6144);
}

static void test_lexing_and_positions(void **state)
{
	const struct sc_line *l;

	(void)state;
	parse_ok("# comment\n\n   \t\n"			/* lines 1-3 */
		 "  xfs_io -f \\\n"			/* 4 */
		 "     -c \"pwrite 0 1\" \\\n"		/* 5 */
		 "  f  # tail \\\n"			/* 6 */
		 "echo a#b \\\n"				/* 7 */
		 "\n"					/* 8 */
		 "echo a'b'\"c\"d\n");			/* 9 */
	assert_int_equal(sc.nlines, 3);
	l = &sc.lines[0];
	assert_int_equal(l->lineno, 4);
	assert_string_equal(l->text, "xfs_io -f      -c \"pwrite 0 1\"   f");
	assert_int_equal(l->u.xio.cmds[0].col, 10);	/* on line 5 */
	assert_string_equal(l->u.xio.file, "f");
	l = &sc.lines[1];
	assert_int_equal(l->lineno, 7);
	assert_string_equal(l->u.echo, "a#b");
	assert_string_equal(l->text, "echo a#b");
	l = &sc.lines[2];
	assert_int_equal(l->lineno, 9);
	assert_string_equal(l->u.echo, "abcd");
	assert_string_equal(l->text, "echo a'b'\"c\"d");
}

static void test_positions_in_c_strings(void **state)
{
	const struct io_cmd *c;

	(void)state;
	parse_ok("xfs_io -c fsync -c 'fsync' -c \"  fsync\" -c\\\n"
		 "fdatasync f");
	c = sc.lines[0].u.xio.cmds;
	assert_int_equal(c[0].col, 11);
	assert_int_equal(c[1].col, 21);
	assert_int_equal(c[2].col, 34);
	assert_int_equal(c[3].col, 1);		/* on line 2 */
	assert_int_equal(c[3].kind, IO_FDATASYNC);
}

static void test_kind_names(void **state)
{
	static const char *const sc_names[] = {
		"xfs_io", "cp", "md5sum", "rm", "sync", "echo", "writeback",
		"drop_caches", "cycle_mount", "crash", "set", "sleep",
	};
	static const char *const io_names[] = {
		"pwrite", "pread", "mmap", "mwrite", "mread", "msync",
		"munmap", "fsync", "fdatasync", "truncate", "fpunch", "fzero",
		"falloc", "reflink", "dedupe",
	};
	size_t i;

	(void)state;
	for (i = 0; i <= SC_SLEEP; i++)
		assert_string_equal(sc_kind_name((enum sc_kind)i),
				    sc_names[i]);
	for (i = 0; i <= IO_DEDUPE; i++)
		assert_string_equal(io_kind_name((enum io_kind)i),
				    io_names[i]);
	assert_string_equal(sc_kind_name((enum sc_kind)(SC_SLEEP + 1)), "?");
	assert_string_equal(io_kind_name((enum io_kind)-1), "?");
}

/* Each bad input, the exact message with its line and column. */
static const struct {
	const char *text;
	const char *msg;
} bad_inputs[] = {
	{ "xfs_io -f -c \"pwrit 0 4k\" f", "3:15: unknown xfs_io command 'pwrit'" },
	{ "frobnicate now", "1:1: unknown command 'frobnicate'" },
	{ "sync\n  echo \"abc", "2:8: unterminated quote" },
	{ "echo 'abc\ndef'", "1:6: unterminated quote" },
	{ "xfs_io -c 'pwrite 0' f", "1:12: missing length for pwrite" },
	{ "xfs_io -c 'pwrite' f", "1:12: missing offset for pwrite" },
	{ "xfs_io -c fsync", "1:1: xfs_io needs exactly one file" },
	{ "xfs_io -c fsync a b", "1:19: xfs_io needs exactly one file" },
	{ "xfs_io f", "1:1: xfs_io needs at least one -c command" },
	{ "echo $HOME", "1:6: variable expansion is not supported" },
	{ "echo \"a$b\"", "1:8: variable expansion is not supported" },
	{ "echo `ls`", "1:6: command substitution is not supported" },
	{ "echo a > b", "1:8: shell operator '>' is not supported" },
	{ "echo a*", "1:7: glob character '*' is not supported" },
	{ "xfs_io -c 'pwrite 0 1; fsync' f", "1:22: shell operator ';' is not supported" },
	{ "xfs_io -c 'pwrite -S 256 0 1' f", "1:22: bad pattern '256' (must be 0..255)" },
	{ "xfs_io -c 'pwrite -S 1x 0 1' f", "1:22: bad pattern '1x' (must be 0..255)" },
	{ "xfs_io -c 'mwrite -S -1 0 1' f", "1:22: bad pattern '-1' (must be 0..255)" },
	{ "xfs_io -c 'pwrite -i x 0 1' f", "1:20: option -i of pwrite is not supported" },
	{ "xfs_io -c 'pwrite -y 0 1' f", "1:20: unknown option -y for pwrite" },
	{ "xfs_io -c 'pwrite -wy 0 1' f", "1:21: unknown option -y for pwrite" },
	{ "xfs_io -c 'pwrite -S' f", "1:20: option -S of pwrite needs an argument" },
	{ "xfs_io -c 'pwrite 0 1 2' f", "1:23: too many arguments for pwrite" },
	{ "xfs_io -c 'pwrite 0 12q' f", "1:21: bad number '12q'" },
	{ "xfs_io -c 'pwrite 9223372036854775807 1' f", "1:39: offset + length is too large" },
	{ "xfs_io -c 'reflink a 8e 0 1' f", "1:22: number out of range '8e'" },
	{ "xfs_io -c 'reflink a 4e 0 4e' f", "1:27: source offset + length is too large" },
	{ "xfs_io -c 'reflink a 0' f", "1:12: missing destination offset for reflink" },
	{ "xfs_io -c 'reflink' f", "1:12: missing source file for reflink" },
	{ "xfs_io -c 'dedupe a' f", "1:12: missing source offset for dedupe" },
	{ "xfs_io -c 'dedupe -C a 0 0 1' f", "1:20: option -C of dedupe is not supported" },
	{ "xfs_io -c 'reflink ../a' f", "1:20: bad file name '../a'" },
	{ "xfs_io -c 'mmap 0' f", "1:12: missing length for mmap" },
	{ "xfs_io -c 'mmap -s 1 0 1' f", "1:18: option -s of mmap is not supported" },
	{ "xfs_io -c 'mread -v 0 1' f", "1:19: option -v of mread is not supported" },
	{ "xfs_io -c 'mwrite 0' f", "1:12: missing length for mwrite" },
	{ "xfs_io -c 'falloc -p 0 1' f", "1:20: option -p of falloc is not supported" },
	{ "xfs_io -c 'fsync 1' f", "1:18: too many arguments for fsync" },
	{ "xfs_io -c 'truncate' f", "1:12: missing offset for truncate" },
	{ "xfs_io -c 'truncate 1 2' f", "1:23: too many arguments for truncate" },
	{ "xfs_io -c 'pwrite -b 0 0 1' f", "1:22: bad block size '0'" },
	{ "xfs_io -c 'fiemap' f", "1:12: xfs_io command 'fiemap' is not supported" },
	{ "xfs_io -c '' f", "1:11: empty xfs_io command" },
	{ "xfs_io -c \"pwrite '0 1\" f", "1:19: unterminated quote" },
	{ "xfs_io -c 'pwrite 0 1\\' f", "1:22: backslash at end of input" },
	{ "xfs_io -t -c fsync f", "1:9: option -t of xfs_io is not supported" },
	{ "xfs_io -q -c fsync f", "1:9: unknown option -q for xfs_io" },
	{ "xfs_io -c", "1:9: option -c of xfs_io needs an argument" },
	{ "xfs_io --help", "1:8: unknown option '--help' for xfs_io" },
	{ "xfs_io -c fsync /f", "1:17: bad file name '/f'" },
	{ "xfs_io -c fsync a//b", "1:17: bad file name 'a//b'" },
	{ "xfs_io -c fsync a/./b", "1:17: bad file name 'a/./b'" },
	{ "xfs_io -c fsync a/", "1:17: bad file name 'a/'" },
	{ "xfs_io -c fsync 'a b'", "1:17: bad file name 'a b'" },
	{ "xfs_io -c fsync 'a*'", "1:17: bad file name 'a*'" },
	{ "cp a b", "1:1: cp needs --reflink=always" },
	{ "cp --reflink=auto a b", "1:4: only --reflink=always is supported" },
	{ "cp --sparse=always a b", "1:4: option '--sparse=always' of cp is not supported" },
	{ "cp --reflink a", "1:1: missing destination file for cp" },
	{ "cp --reflink", "1:1: missing source file for cp" },
	{ "cp --reflink a b c", "1:18: too many arguments for cp" },
	{ "cp --reflink -r a b", "1:15: option -r of cp is not supported" },
	{ "cp --reflink a b:c", "1:16: bad file name 'b:c'" },
	{ "md5sum", "1:1: md5sum needs at least one file" },
	{ "md5sum -b a", "1:9: option -b of md5sum is not supported" },
	{ "rm -rf a", "1:5: option -r of rm is not supported" },
	{ "rm -f", "1:1: rm needs at least one file" },
	{ "rm a ..", "1:6: bad file name '..'" },
	{ "sync now", "1:6: sync takes no arguments" },
	{ "crash 1", "1:7: crash takes no arguments" },
	{ "echo -n hi", "1:6: echo options are not supported" },
	{ "set", "1:1: missing setting for set" },
	{ "set pagesize", "1:1: missing value for set" },
	{ "set seed 1 2", "1:12: too many arguments for set" },
	{ "set color red", "1:5: unknown setting 'color'" },
	{ "set pagesize 2k", "1:14: pagesize must be a power of two from 4096 to 65536" },
	{ "set pagesize 128k", "1:14: pagesize must be a power of two from 4096 to 65536" },
	{ "set blocksize 3000", "1:15: blocksize must be a power of two from 512 to 65536" },
	{ "set blocksize 1x", "1:15: bad number '1x'" },
	{ "set policy Foo", "1:12: bad policy name 'Foo'" },
	{ "set policy ''", "1:12: bad policy name ''" },
	{ "set seed 12x", "1:10: bad number '12x'" },
	{ "set seed 0x", "1:10: bad number '0x'" },
	{ "set seed -1", "1:10: bad number '-1'" },
	{ "set seed 18446744073709551616", "1:10: number out of range '18446744073709551616'" },
	{ "set io-latency 1k", "1:16: bad number '1k'" },
	{ "sync\r\n", "1:5: carriage return (DOS line end?)" },
	{ "echo a\x01", "1:7: control character 0x01" },
	{ "echo \\", "1:6: backslash at end of input" },
	{ "echo a \\\n  \"b\n", "2:3: unterminated quote" },
	{ "echo '\x7f'", "1:7: control character 0x7f" },
	{ "echo a\\\x02", "1:8: control character 0x02" },
	{ "echo \"\x03\"", "1:7: control character 0x03" },
	{ "# \x04", "1:3: control character 0x04" },
	{ "xfs_io -c 'pwrite -b 12q 0 1' f", "1:22: bad number '12q'" },
	/* thread blocks */
	{ "thread", "1:1: missing name for thread" },
	{ "thread A B", "1:10: too many arguments for thread" },
	{ "thread 1A\nsync\nend", "1:8: bad thread name '1A'" },
	{ "thread _A", "1:8: bad thread name '_A'" },
	{ "thread A.b", "1:8: bad thread name 'A.b'" },
	{ "thread ''", "1:8: bad thread name ''" },
	{ "thread a2345678901234567", "1:8: bad thread name 'a2345678901234567'" },
	{ "thread A(", "1:9: shell operator '(' is not supported" },
	{ "thread irq", "1:8: thread name 'irq' is reserved" },
	{ "thread main\nsync\nend", "1:8: thread name 'main' is reserved" },
	{ "thread A\nsync\nend\n\nthread  A\nsync\nend",
	  "5:9: thread 'A' is already declared on line 1" },
	{ "thread A\n  set seed 1\nend", "2:3: set is not allowed inside thread 'A'" },
	{ "thread A\n  schedule A@x/y#1->irq\nend",
	  "2:3: schedule is not allowed inside thread 'A'" },
	{ "thread A\n  sync\n  thread B\nend",
	  "3:3: thread is not allowed inside thread 'A'" },
	{ "end", "1:1: end without thread" },
	{ "thread A\nsync\nend\n  end", "4:3: end without thread" },
	{ "thread A\nsync\nend now", "3:5: end takes no arguments" },
	{ "sync\n thread T1\n  sync\n", "2:2: thread 'T1' has no end" },
	{ "thread T1\n  sync\nend\nthread T2\n", "4:1: thread 'T2' has no end" },
	{ "thread A\n# empty\nend", "1:1: thread 'A' has no lines" },
	{ "thread A\n  frob\nend", "2:3: unknown command 'frob'" },
	{ "thread A\n  sleep 0\nend", "2:9: sleep duration must be more than 0" },
	/* schedules */
	{ "schedule", "1:1: schedule needs at least one entry" },
	{ "schedule # T1@a/b#1->irq", "1:1: schedule needs at least one entry" },
	{ "schedule T1", "1:10: bad schedule entry 'T1' (not THREAD@OP/STEP#N->TARGET)" },
	{ "schedule T1@a/b#1", "1:10: bad schedule entry 'T1@a/b#1' (not THREAD@OP/STEP#N->TARGET)" },
	{ "schedule T1@a#1->irq", "1:10: bad schedule entry 'T1@a#1->irq' (not THREAD@OP/STEP#N->TARGET)" },
	{ "schedule ''", "1:10: bad schedule entry '' (not THREAD@OP/STEP#N->TARGET)" },
	{ "schedule 1T@a/b#1->irq", "1:10: bad thread name '1T'" },
	{ "schedule @a/b#1->irq", "1:10: bad thread name ''" },
	{ "schedule T1@/b#1->irq", "1:13: bad system call name ''" },
	{ "schedule T1@a.b/c#1->irq", "1:13: bad system call name 'a.b'" },
	{ "schedule T1@a/b.c#1->irq", "1:15: bad step name 'b.c'" },
	{ "schedule T1@a/b>c#1->irq", "1:15: bad step name 'b>c'" },
	{ "schedule T1@a/b#0->irq", "1:17: bad step count '0' (must be 1 to 4294967295)" },
	{ "schedule T1@a/b#4294967296->irq",
	  "1:17: bad step count '4294967296' (must be 1 to 4294967295)" },
	{ "schedule T1@a/b#x->irq", "1:17: bad step count 'x' (must be 1 to 4294967295)" },
	{ "schedule T1@a/b#->irq", "1:17: bad step count '' (must be 1 to 4294967295)" },
	{ "schedule T1@a/b#1->", "1:20: bad thread name ''" },
	{ "schedule T1@a/b#1->T2->T3", "1:20: bad thread name 'T2->T3'" },
	{ "schedule T1@a/b#1->T(", "1:20: bad thread name 'T('" },
	{ "schedule T1@a/b#1->T$x", "1:21: variable expansion is not supported" },
	{ "schedule T1@a/b#1->irq\necho (", "2:6: shell operator '(' is not supported" },
	{ "schedule A@a/b#1->irq", "1:10: unknown thread 'A'" },
	{ "schedule main@a/b#1->irq", "1:10: unknown thread 'main'" },
	{ "thread A\nsync\nend\nschedule irq@a/b#1->A", "4:10: unknown thread 'irq'" },
	{ "thread A\nsync\nend\nschedule A@a/b#1->irq A@a/b#1->B",
	  "4:32: unknown thread 'B'" },
	{ "thread A\nsync\nend\necho x\nthread B\nsync\nend\n"
	  "schedule B@a/b#1->irq A@a/b#1->B",
	  "8:32: threads 'A' and 'B' are in different sections" },
	{ "schedule B@a/b#1->A\nthread A\nsync\nend", "1:10: unknown thread 'B'" },
	/* sleep and durations */
	{ "sleep", "1:1: missing duration for sleep" },
	{ "sleep 1 2", "1:9: too many arguments for sleep" },
	{ "sleep 0", "1:7: sleep duration must be more than 0" },
	{ "sleep 0ms", "1:7: sleep duration must be more than 0" },
	{ "sleep 1m", "1:7: bad duration '1m'" },
	{ "sleep 1S", "1:7: bad duration '1S'" },
	{ "sleep 1.5s", "1:7: bad duration '1.5s'" },
	{ "sleep 1 s", "1:9: too many arguments for sleep" },
	{ "sleep s", "1:7: bad duration 's'" },
	{ "sleep +1", "1:7: bad duration '+1'" },
	{ "sleep 0x10", "1:7: bad duration '0x10'" },
	{ "sleep -1s", "1:7: negative duration '-1s'" },
	{ "sleep 9223372036854775808", "1:7: duration out of range '9223372036854775808'" },
	{ "sleep 9223372037s", "1:7: duration out of range '9223372037s'" },
	{ "sleep 18446744073709551616ns", "1:7: duration out of range '18446744073709551616ns'" },
	/* concurrency settings */
	{ "set schedule fast", "1:14: unknown schedule 'fast' (fifo, rr, random or pct)" },
	{ "set schedule", "1:1: missing value for set" },
	{ "set pct-depth 0", "1:15: pct-depth must be from 1 to 100" },
	{ "set pct-depth 101", "1:15: pct-depth must be from 1 to 100" },
	{ "set pct-depth 1k", "1:15: bad number '1k'" },
	{ "set step-bound 0", "1:16: step-bound must be at least 1" },
	{ "set step-bound -1", "1:16: bad number '-1'" },
	{ "set dirty-expire 5x", "1:18: bad duration '5x'" },
	{ "set dirty-writeback-interval -1", "1:30: negative duration '-1'" },
	{ "set dirty-writeback-interval 1e", "1:30: bad duration '1e'" },
};

static void test_errors(void **state)
{
	char msg[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		const char *t = bad_inputs[i].text;

		/* the first case has its error on line 3 */
		if (i == 0) {
			const char *pre = "sync\n# x\n";
			char text[128];

			snprintf(text, sizeof(text), "%s%s", pre, t);
			snprintf(msg, sizeof(msg), NAME ":%s",
				 bad_inputs[i].msg);
			parse_err(text, strlen(text), msg);
			continue;
		}
		snprintf(msg, sizeof(msg), NAME ":%s", bad_inputs[i].msg);
		parse_err(t, strlen(t), msg);
	}
}

/* The first error wins, and nothing of the good lines before survives. */
static void test_first_error_wins(void **state)
{
	static const char text[] =
		"xfs_io -c 'pwrite 0 1' f\ncp --reflink a b\nfoo\nbar\n";

	(void)state;
	parse_err(text, strlen(text), NAME ":3:1: unknown command 'foo'");
}

/* Append @n thread blocks named T@first... to @text (of @len bytes). */
static size_t add_threads(char *text, size_t len, size_t cap, int first,
			  int n)
{
	while (n--)
		len += snprintf(text + len, cap - len,
				"thread T%d\nsync\nend\n", first++);
	return len;
}

/* At most 64 threads in a section, 1024 in a file. */
static void test_thread_limits(void **state)
{
	static char text[1025 * 48];
	size_t n;
	int i;

	(void)state;
	n = add_threads(text, 0, sizeof(text), 0, 64);
	parse_ok_len(text, n);
	assert_int_equal(sc.nthreads, 64);
	assert_int_equal(sc.nsections, 1);
	assert_int_equal(sc.lines[63].thread, 64);
	assert_string_equal(sc.threads[63], "T63");
	n = add_threads(text, n, sizeof(text), 64, 1);
	parse_err(text, n,
		  NAME ":193:8: too many threads in a section (more than 64)");

	for (n = 0, i = 0; i < 16; i++) {
		n = add_threads(text, n, sizeof(text), 64 * i, 64);
		n += snprintf(text + n, sizeof(text) - n, "sync\n");
	}
	parse_ok_len(text, n);
	assert_int_equal(sc.nthreads, 1024);
	assert_int_equal(sc.nsections, 16);
	n = add_threads(text, n, sizeof(text), 1024, 1);
	parse_err(text, n,
		  NAME ":3089:8: too many threads (more than 1024)");
}

static void test_limits(void **state)
{
	size_t big = (16u << 20) + 1, n = 65536;
	char *buf = malloc(big);

	(void)state;
	assert_non_null(buf);
	/* NUL byte, given by length */
	parse_err("sync\nsy\0nc\n", 11, NAME ":2:3: NUL byte in file");
	parse_err("# a\0b\n", 6, NAME ":1:4: NUL byte in file");

	/* a line of exactly 64 KiB is fine, one byte more is not */
	memcpy(buf, "echo ", 5);
	memset(buf + 5, 'a', n - 5);
	buf[n] = '\n';
	parse_ok_len(buf, n + 1);
	memset(buf + 5, 'a', n - 4);
	buf[n + 1] = '\n';
	parse_err(buf, n + 2, NAME ":1:65537: line too long (more than 65536 bytes)");

	/* continuation lines count towards the logical line */
	memset(buf, ' ', n + 10);
	memcpy(buf, "echo", 4);
	buf[n - 1] = '\\';
	buf[n] = '\n';
	buf[n + 9] = '\n';
	parse_err(buf, n + 10, NAME ":2:1: line too long (more than 65536 bytes)");

	memset(buf, '\n', big);
	parse_err(buf, big, NAME ":1:1: file too large (more than 16 MiB)");
	parse_ok_len(buf, big - 1);
	assert_int_equal(sc.nlines, 0);
	free(buf);
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/test_scenario_XXXXXX";
	struct scenario out;
	char *err = NULL;
	FILE *f;
	int fd, i;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (i = 0; i < 1000; i++)	/* more than slurp()'s first read */
		fputs("# padding, padding\n", f);
	fputs("set blocksize 1k\nxfs_io -f -c 'pwrite 0 1b' a\n", f);
	fclose(f);
	assert_int_equal(scenario_parse_file(path, &sc, &err), 0);
	assert_null(err);
	assert_string_equal(sc.path, path);
	assert_int_equal(sc.nlines, 2);
	assert_int_equal(sc.lines[0].lineno, 1001);
	assert_int_equal(sc.lines[1].u.xio.cmds[0].len, 1024);
	assert_string_equal(sc.lines[1].text,
			    "xfs_io -f -c 'pwrite 0 1b' a");
	unlink(path);

	assert_int_equal(scenario_parse_file(path, &out, &err), -1);
	assert_non_null(err);
	assert_true(!strncmp(err, path, strlen(path)));
	assert_string_equal(err + strlen(path),
			    ":1:1: cannot read file: No such file or directory");
	free(err);
	assert_null(out.lines);
	assert_int_equal(scenario_parse_file("/", &out, NULL), -1);
	assert_int_equal(scenario_parse_file(NULL, &out, NULL), -1);
	/* an error with err == NULL frees the message itself */
	assert_int_equal(scenario_parse_string("x", "foo", 3, &out, NULL), -1);
	scenario_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_xfs_io_options, teardown),
		cmocka_unit_test_teardown(test_pwrite, teardown),
		cmocka_unit_test_teardown(test_pread, teardown),
		cmocka_unit_test_teardown(test_mmap, teardown),
		cmocka_unit_test_teardown(test_mwrite_mread, teardown),
		cmocka_unit_test_teardown(test_msync, teardown),
		cmocka_unit_test_teardown(test_simple_cmds, teardown),
		cmocka_unit_test_teardown(test_reflink_dedupe, teardown),
		cmocka_unit_test_teardown(test_shell_verbs, teardown),
		cmocka_unit_test_teardown(test_simulator_verbs, teardown),
		cmocka_unit_test_teardown(test_echo, teardown),
		cmocka_unit_test_teardown(test_set, teardown),
		cmocka_unit_test_teardown(test_set_concurrency, teardown),
		cmocka_unit_test_teardown(test_sleep, teardown),
		cmocka_unit_test_teardown(test_threads, teardown),
		cmocka_unit_test_teardown(test_schedule, teardown),
		cmocka_unit_test_teardown(test_thread_limits, teardown),
		cmocka_unit_test_teardown(test_cvtnum, teardown),
		cmocka_unit_test_teardown(test_lexing_and_positions, teardown),
		cmocka_unit_test_teardown(test_positions_in_c_strings,
					  teardown),
		cmocka_unit_test_teardown(test_kind_names, teardown),
		cmocka_unit_test_teardown(test_errors, teardown),
		cmocka_unit_test_teardown(test_first_error_wins, teardown),
		cmocka_unit_test_teardown(test_limits, teardown),
		cmocka_unit_test_teardown(test_parse_file, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
