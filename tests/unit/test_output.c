/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_output.c - unit tests of sim/output.c.
 *
 * Scope: the exact bytes of what pcsim prints in place of the real tools:
 * xfs_io's report lines and the filtered statistics line, perror()-style
 * messages with glibc's texts, md5sum lines, coreutils' quoting of file
 * names (expected values recorded from coreutils 9.1 in the C locale), and
 * the unified diff of `pcsim check` (expected values as GNU diff -u prints
 * them, without timestamps), and the run metrics of `pcsim run --stats` in
 * both formats.
 *
 * Every helper writes to a FILE; capture() runs it on an open_memstream()
 * and returns the text, which each test compares and frees.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "model/sys.h"
#include "sim/output.h"

#define STATS	OUT_XFS_IO_STATS "\n"

struct cap {
	FILE *f;
	char *buf;
	size_t len;
};

static FILE *cap_open(struct cap *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

/* Close the stream, compare with @want, free. */
static void cap_check(struct cap *c, const char *want)
{
	fclose(c->f);
	assert_string_equal(c->buf, want);
	free(c->buf);
}

/* --- xfs_io ------------------------------------------------------------ */

static void test_stats_line(void **state)
{
	assert_string_equal(OUT_XFS_IO_STATS,
		"XXX Bytes, X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)");
}

static void test_io_report(void **state)
{
	static const struct {
		const char *verb;
		uint64_t total, count, off;
		const char *line;
	} cases[] = {
		{ "wrote", 4096, 4096, 0,
		  "wrote 4096/4096 bytes at offset 0\n" },
		{ "read", 5000, 16384, 0,
		  "read 5000/16384 bytes at offset 0\n" },
		{ "read", 0, 0, 0, "read 0/0 bytes at offset 0\n" },
		{ "linked", 0, 0, 4096, "linked 0/0 bytes at offset 4096\n" },
		{ "deduped", 8192, 8192, 1ULL << 40,
		  "deduped 8192/8192 bytes at offset 1099511627776\n" },
		{ "wrote", 1, 2, (1ULL << 63) - 1,
		  "wrote 1/2 bytes at offset 9223372036854775807\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cap c;
		char want[128];

		snprintf(want, sizeof(want), "%s%s", cases[i].line, STATS);
		out_io_report(cap_open(&c), cases[i].verb, cases[i].total,
			      cases[i].count, cases[i].off);
		cap_check(&c, want);
	}
}

static void test_strerror_glibc_texts(void **state)
{
	static const struct {
		int err;
		const char *text;
	} cases[] = {
		{ ENOENT, "No such file or directory" },
		{ EINVAL, "Invalid argument" },
		{ EBADF, "Bad file descriptor" },
		{ ENOSPC, "No space left on device" },
		{ EACCES, "Permission denied" },
		{ EIO, "Input/output error" },
		{ EOPNOTSUPP, "Operation not supported" },
		{ EXDEV, "Invalid cross-device link" },
		{ EFBIG, "File too large" },
		{ ETXTBSY, "Text file busy" },
		{ EISDIR, "Is a directory" },
		{ EPERM, "Operation not permitted" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(out_strerror(cases[i].err),
				    cases[i].text);
}

static void test_perror(void **state)
{
	struct cap c;
	FILE *f = cap_open(&c);

	out_perror(f, "pwrite", EBADF);
	out_perror(f, "XFS_IOC_CLONE_RANGE", EINVAL);
	out_perror(f, "nofile", ENOENT);
	cap_check(&c, "pwrite: Bad file descriptor\n"
		      "XFS_IOC_CLONE_RANGE: Invalid argument\n"
		      "nofile: No such file or directory\n");
}

/* --- md5sum ------------------------------------------------------------ */

/* md5("") and md5("abc") */
static const uint8_t md5_empty[16] = {
	0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04,
	0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e,
};
static const uint8_t md5_abc[16] = {
	0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
	0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72,
};

static void test_md5_hex(void **state)
{
	char hex[33];

	out_md5_hex(md5_empty, hex);
	assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
	out_md5_hex(md5_abc, hex);
	assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
}

static void test_md5sum_line(void **state)
{
	struct cap c;
	FILE *f = cap_open(&c);

	out_md5sum_line(f, md5_abc, "file");
	out_md5sum_line(f, md5_empty, "a b");
	out_md5sum_line(f, md5_abc, "a\\b");
	cap_check(&c, "900150983cd24fb0d6963f7d28e17f72  file\n"
		      "d41d8cd98f00b204e9800998ecf8427e  a b\n"
		      "\\900150983cd24fb0d6963f7d28e17f72  a\\\\b\n");
}

/* --- quoting ----------------------------------------------------------- */

/* Recorded from rm (quoteaf) and md5sum (quotef) of coreutils 9.1. */
static const struct {
	const char *name, *needed, *always;
} quote_cases[] = {
	{ "file", "file", "'file'" },
	{ "a,b%c@d+e{f]g-h.i_j", "a,b%c@d+e{f]g-h.i_j",
	  "'a,b%c@d+e{f]g-h.i_j'" },
	{ "x~", "x~", "'x~'" },
	{ "a#", "a#", "'a#'" },
	{ "~x", "'~x'", "'~x'" },
	{ "#a", "'#a'", "'#a'" },
	{ "a b", "'a b'", "'a b'" },
	{ "a=b", "'a=b'", "'a=b'" },
	{ "a:b", "'a:b'", "'a:b'" },
	{ "a^b", "'a^b'", "'a^b'" },
	{ "a!b", "'a!b'", "'a!b'" },
	{ "a*b", "'a*b'", "'a*b'" },
	{ "a\\b", "'a\\b'", "'a\\b'" },
	{ "a\"b", "'a\"b'", "'a\"b'" },
	{ "a$b", "'a$b'", "'a$b'" },
	{ "a'b", "\"a'b\"", "\"a'b\"" },
	{ "a'b c", "\"a'b c\"", "\"a'b c\"" },
	{ "'", "\"'\"", "\"'\"" },
	{ "~'", "\"~'\"", "\"~'\"" },
	{ "a'b\"c", "'a'\\''b\"c'", "'a'\\''b\"c'" },
	{ "a'b$c", "'a'\\''b$c'", "'a'\\''b$c'" },
	{ "a'b!c", "'a'\\''b!c'", "'a'\\''b!c'" },
	{ "a\tb", "'a'$'\\t''b'", "'a'$'\\t''b'" },
	{ "a\t", "'a'$'\\t'", "'a'$'\\t'" },
	{ "\ta", "''$'\\t''a'", "''$'\\t''a'" },
	{ "\x7f", "''$'\\177'", "''$'\\177'" },
	{ "\xc3\xa9", "''$'\\303\\251'", "''$'\\303\\251'" },
};

static void test_quoting(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
		struct cap c;

		out_quoted(cap_open(&c), quote_cases[i].name,
			   OUT_QUOTE_NEEDED);
		cap_check(&c, quote_cases[i].needed);
		out_quoted(cap_open(&c), quote_cases[i].name,
			   OUT_QUOTE_ALWAYS);
		cap_check(&c, quote_cases[i].always);
	}
}

/* --- unified diff ------------------------------------------------------ */

/* Diff @a against @b (max @max lines), compare with @want and the count. */
static void diff_case(const char *a, const char *b, size_t max,
		      const char *want, size_t want_lines)
{
	struct cap c;
	size_t n;

	n = out_udiff(cap_open(&c), "A", a, strlen(a), "B", b, strlen(b),
		      max);
	cap_check(&c, want);
	assert_int_equal(n, want_lines);
}

static void test_diff_equal(void **state)
{
	diff_case("", "", 40, "", 0);
	diff_case("a\nb\n", "a\nb\n", 40, "", 0);
}

static void test_diff_change(void **state)
{
	diff_case("a\nb\n", "a\nc\n", 40,
		  "--- A\n+++ B\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n", 6);
}

static void test_diff_no_newline(void **state)
{
	diff_case("a\nb\n", "a\nc", 40,
		  "--- A\n+++ B\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
		  "\\ No newline at end of file\n", 7);
	/* Same text, only the final newline differs. */
	diff_case("a\n", "a", 40,
		  "--- A\n+++ B\n@@ -1 +1 @@\n-a\n+a\n"
		  "\\ No newline at end of file\n", 6);
}

static void test_diff_all_deleted_inserted(void **state)
{
	diff_case("1\n2\n3\n", "", 40,
		  "--- A\n+++ B\n@@ -1,3 +0,0 @@\n-1\n-2\n-3\n", 6);
	diff_case("", "1\n2\n3\n", 40,
		  "--- A\n+++ B\n@@ -0,0 +1,3 @@\n+1\n+2\n+3\n", 6);
}

static void test_diff_context_and_hunks(void **state)
{
	/* Changes at lines 2 and 12: two hunks with 3 lines of context. */
	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n";
	const char *b = "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY\n13\n";

	diff_case(a, b, 40,
		  "--- A\n+++ B\n"
		  "@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n"
		  "@@ -9,5 +9,5 @@\n 9\n 10\n 11\n-12\n+Y\n 13\n", 16);
	/* Changes 6 equal lines apart share one hunk. */
	diff_case("1\n2\n3\n4\n5\n6\n7\n8\n", "X\n2\n3\n4\n5\n6\n7\nY\n", 40,
		  "--- A\n+++ B\n@@ -1,8 +1,8 @@\n-1\n+X\n 2\n 3\n 4\n"
		  " 5\n 6\n 7\n-8\n+Y\n", 13);
	/* 7 equal lines apart: two hunks. */
	diff_case("1\n2\n3\n4\n5\n6\n7\n8\n9\n",
		  "X\n2\n3\n4\n5\n6\n7\n8\nY\n", 40,
		  "--- A\n+++ B\n@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n 4\n"
		  "@@ -6,4 +6,4 @@\n 6\n 7\n 8\n-9\n+Y\n", 14);
}

static void test_diff_insert_in_middle(void **state)
{
	diff_case("a\nb\nc\n", "a\nb\nnew\nc\n", 40,
		  "--- A\n+++ B\n@@ -1,3 +1,4 @@\n a\n b\n+new\n c\n", 7);
	diff_case("a\nb\nc\nd\ne\nf\n", "a\nb\nc\nd\ne\nf\ng\n", 40,
		  "--- A\n+++ B\n@@ -4,3 +4,4 @@\n d\n e\n f\n+g\n", 7);
}

static void test_diff_truncated(void **state)
{
	diff_case("1\n2\n3\n", "", 4, "--- A\n+++ B\n@@ -1,3 +0,0 @@\n-1\n",
		  6);
}

/* Too large for the LCS table: still a correct (if not minimal) diff. */
static void test_diff_large_fallback(void **state)
{
	GString *a = g_string_new(NULL), *b = g_string_new(NULL);
	struct cap c;
	size_t n, i;

	for (i = 0; i < 3000; i++) {
		g_string_append_printf(a, "line %zu\n", i);
		g_string_append_printf(b, "line %zu\n", i % 7 ? i : i + 1);
	}
	n = out_udiff(cap_open(&c), "A", a->str, a->len, "B", b->str, b->len,
		      10);
	fclose(c.f);
	/* 2997 lines deleted and inserted, 3 of context, 3 of headers. */
	assert_int_equal(n, 6000);
	assert_string_equal(c.buf, "--- A\n+++ B\n@@ -1,3000 +1,3000 @@\n"
			    "-line 0\n-line 1\n-line 2\n-line 3\n"
			    "-line 4\n-line 5\n-line 6\n");
	free(c.buf);
	g_string_free(a, TRUE);
	g_string_free(b, TRUE);
}

/* --- run metrics ------------------------------------------------------ */

/* Every field different; bytes whole, fractional and zero KiB. */
static const struct sys_stats some_stats = {
	.page_size = 4096,
	.cached_pages = 5, .peak_cached_pages = 9, .cache_entries = 8,
	.shared_pages = 3,
	.saved_bytes = 0, .peak_saved_bytes = 1023,
	.cow_page_copies = 1, .cow_block_allocs = 2,
	.writeback_ios = 6, .writeback_bytes = 1536,
	.read_ios = 7, .faults_major = 10, .faults_minor = 11,
	.ptes_zapped = 12, .pages_reclaimed = 13,
	.steps = 137, .page_ops = 99, .virtual_ns = 18446744073709551615ULL,
};

static void test_stats_table(void **state)
{
	struct cap c;

	out_stats(cap_open(&c), OUT_STATS_TABLE, "reflink-x", "share-clean",
		  &some_stats);
	cap_check(&c,
		  "== stats: reflink-x (policy share-clean)\n"
		  "page_size              4096 (4 KiB)\n"
		  "cached_pages           5\n"
		  "peak_cached_pages      9\n"
		  "cache_entries          8\n"
		  "shared_pages           3\n"
		  "saved_bytes            0\n"
		  "peak_saved_bytes       1023 (0.9 KiB)\n"
		  "cow_page_copies        1\n"
		  "cow_block_allocs       2\n"
		  "writeback_ios          6\n"
		  "writeback_bytes        1536 (1.5 KiB)\n"
		  "read_ios               7\n"
		  "faults_major           10\n"
		  "faults_minor           11\n"
		  "ptes_zapped            12\n"
		  "pages_reclaimed        13\n"
		  "steps                  137\n"
		  "page_ops               99\n"
		  "virtual_ns             18446744073709551615\n");
}

static void test_stats_json(void **state)
{
	static const struct sys_stats zero;
	struct cap c;

	out_stats(cap_open(&c), OUT_STATS_JSON, "reflink-x", "none",
		  &some_stats);
	cap_check(&c,
		  "{\"scenario\":\"reflink-x\",\"policy\":\"none\","
		  "\"page_size\":4096,\"cached_pages\":5,"
		  "\"peak_cached_pages\":9,\"cache_entries\":8,"
		  "\"shared_pages\":3,\"saved_bytes\":0,"
		  "\"peak_saved_bytes\":1023,\"cow_page_copies\":1,"
		  "\"cow_block_allocs\":2,\"writeback_ios\":6,"
		  "\"writeback_bytes\":1536,\"read_ios\":7,"
		  "\"faults_major\":10,\"faults_minor\":11,"
		  "\"ptes_zapped\":12,\"pages_reclaimed\":13,"
		  "\"steps\":137,\"page_ops\":99,\"virtual_ns\":18446744073709551615}\n");
	/* Names are JSON strings: quote, backslash, controls escaped. */
	out_stats(cap_open(&c), OUT_STATS_JSON, "a\"b\\c\td\xc3\xa9", "p",
		  &zero);
	cap_check(&c,
		  "{\"scenario\":\"a\\\"b\\\\c\\u0009d\xc3\xa9\","
		  "\"policy\":\"p\",\"page_size\":0,\"cached_pages\":0,"
		  "\"peak_cached_pages\":0,\"cache_entries\":0,"
		  "\"shared_pages\":0,\"saved_bytes\":0,"
		  "\"peak_saved_bytes\":0,\"cow_page_copies\":0,"
		  "\"cow_block_allocs\":0,\"writeback_ios\":0,"
		  "\"writeback_bytes\":0,\"read_ios\":0,"
		  "\"faults_major\":0,\"faults_minor\":0,"
		  "\"ptes_zapped\":0,\"pages_reclaimed\":0,"
		  "\"steps\":0,\"page_ops\":0,\"virtual_ns\":0}\n");
}

static void test_stats_format_names(void **state)
{
	assert_int_equal(out_stats_format("table"), OUT_STATS_TABLE);
	assert_int_equal(out_stats_format("json"), OUT_STATS_JSON);
	assert_int_equal(out_stats_format("JSON"), -1);
	assert_int_equal(out_stats_format("csv"), -1);
	assert_int_equal(out_stats_format(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_line),
		cmocka_unit_test(test_io_report),
		cmocka_unit_test(test_strerror_glibc_texts),
		cmocka_unit_test(test_perror),
		cmocka_unit_test(test_md5_hex),
		cmocka_unit_test(test_md5sum_line),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_diff_equal),
		cmocka_unit_test(test_diff_change),
		cmocka_unit_test(test_diff_no_newline),
		cmocka_unit_test(test_diff_all_deleted_inserted),
		cmocka_unit_test(test_diff_context_and_hunks),
		cmocka_unit_test(test_diff_insert_in_middle),
		cmocka_unit_test(test_diff_truncated),
		cmocka_unit_test(test_diff_large_fallback),
		cmocka_unit_test(test_stats_table),
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_stats_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
