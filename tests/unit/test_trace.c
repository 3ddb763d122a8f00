// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_trace.c - unit tests of sim/trace.c.
 *
 * Scope: one fixed run, events[] (every kind of event, two tasks and the
 * irq context, a bio across a second boundary, a failed call, a violation
 * with a multi-line message), written by each writer into an
 * open_memstream() and compared byte for byte; JSON escaping; the perfetto
 * output checked by a small strict JSON parser (json_value() below) and for
 * one thread_name per (pid, tid); format names; files that cannot be opened
 * or written.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "sim/trace.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define VIOLATION_MSG \
	"data: inode 2 differs\n  last trace lines:\n    [1.000250] T2: x"

static const struct trace_event events[] = {
	{ TR_OP_BEGIN, 0, 0, 1, "T1", "pwrite", "", "", 0, 0 },
	{ TR_STEP, 100000, 1, 1, "T1", "pwrite", "iomap_write_iter",
	  "inode 2 off 4096", 0, 0 },
	{ TR_SCHED, 100000, 2, 2, "T2", "", "", "T2", 0, 0 },
	{ TR_IO_SUBMIT, 150000, 3, 1, "T1", "pwrite", "bio",
	  "write block 42", 7, 0 },
	{ TR_OP_END, 200000, 4, 1, "T1", "pwrite", "", "", 0, 4096 },
	{ TR_OP_BEGIN, 1000000500, 5, 2, "T2", "fsync", "", "", 0, 0 },
	{ TR_IO_END, 1000250000, 6, 0, "irq", "", "bio", "write block 42",
	  7, 0 },
	{ TR_STEP, 1000250000, 7, 0, "irq", "", "bio_end_io", "", 0, 0 },
	{ TR_OP_END, 1000250999, 8, 2, "T2", "fsync", "", "", 0, -5 },
	{ TR_VIOLATION, 1000250999, 9, 2, "T2", "fsync", "", VIOLATION_MSG,
	  0, 0 },
};

static const char want_text[] =
	"[0.000000] T1 pwrite begin\n"
	"[0.000100] T1 pwrite/iomap_write_iter inode 2 off 4096\n"
	"[0.000100] sched T2\n"
	"[0.000150] T1 bio 7 submit write block 42\n"
	"[0.000200] T1 pwrite end = 4096\n"
	"[1.000000] T2 fsync begin\n"
	"[1.000250] irq bio 7 end write block 42\n"
	"[1.000250] irq bio_end_io\n"
	"[1.000250] T2 fsync end = -5\n"
	"[1.000250] VIOLATION data: inode 2 differs\n"
	"    last trace lines:\n"
	"      [1.000250] T2: x\n";

static const char want_jsonl[] =
	"{\"seq\":0,\"time_ns\":0,\"kind\":\"op_begin\",\"tid\":1,"
	"\"thread\":\"T1\",\"op\":\"pwrite\",\"step\":\"\",\"object\":\"\"}\n"
	"{\"seq\":1,\"time_ns\":100000,\"kind\":\"step\",\"tid\":1,"
	"\"thread\":\"T1\",\"op\":\"pwrite\",\"step\":\"iomap_write_iter\","
	"\"object\":\"inode 2 off 4096\"}\n"
	"{\"seq\":2,\"time_ns\":100000,\"kind\":\"sched\",\"tid\":2,"
	"\"thread\":\"T2\",\"op\":\"\",\"step\":\"\",\"object\":\"T2\"}\n"
	"{\"seq\":3,\"time_ns\":150000,\"kind\":\"io_submit\",\"tid\":1,"
	"\"thread\":\"T1\",\"op\":\"pwrite\",\"step\":\"bio\","
	"\"object\":\"write block 42\",\"io\":7}\n"
	"{\"seq\":4,\"time_ns\":200000,\"kind\":\"op_end\",\"tid\":1,"
	"\"thread\":\"T1\",\"op\":\"pwrite\",\"step\":\"\",\"object\":\"\","
	"\"result\":4096}\n"
	"{\"seq\":5,\"time_ns\":1000000500,\"kind\":\"op_begin\",\"tid\":2,"
	"\"thread\":\"T2\",\"op\":\"fsync\",\"step\":\"\",\"object\":\"\"}\n"
	"{\"seq\":6,\"time_ns\":1000250000,\"kind\":\"io_end\",\"tid\":0,"
	"\"thread\":\"irq\",\"op\":\"\",\"step\":\"bio\","
	"\"object\":\"write block 42\",\"io\":7}\n"
	"{\"seq\":7,\"time_ns\":1000250000,\"kind\":\"step\",\"tid\":0,"
	"\"thread\":\"irq\",\"op\":\"\",\"step\":\"bio_end_io\","
	"\"object\":\"\"}\n"
	"{\"seq\":8,\"time_ns\":1000250999,\"kind\":\"op_end\",\"tid\":2,"
	"\"thread\":\"T2\",\"op\":\"fsync\",\"step\":\"\",\"object\":\"\","
	"\"result\":-5}\n"
	"{\"seq\":9,\"time_ns\":1000250999,\"kind\":\"violation\",\"tid\":2,"
	"\"thread\":\"T2\",\"op\":\"fsync\",\"step\":\"\","
	"\"object\":\"data: inode 2 differs\\u000a  last trace lines:"
	"\\u000a    [1.000250] T2: x\"}\n";

static const char want_perfetto[] =
	"{\"traceEvents\":[\n"
	"{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
	"\"args\":{\"name\":\"run 1\"}},\n"
	"{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,"
	"\"args\":{\"name\":\"T1\"}},\n"
	"{\"name\":\"pwrite\",\"ph\":\"B\",\"cat\":\"syscall\",\"ts\":0.000,"
	"\"pid\":1,\"tid\":1},\n"
	"{\"name\":\"iomap_write_iter\",\"ph\":\"i\",\"cat\":\"step\","
	"\"s\":\"t\",\"ts\":100.000,\"pid\":1,\"tid\":1,"
	"\"args\":{\"object\":\"inode 2 off 4096\"}},\n"
	"{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
	"\"args\":{\"name\":\"irq\"}},\n"
	"{\"name\":\"sched\",\"ph\":\"i\",\"cat\":\"sched\",\"s\":\"t\","
	"\"ts\":100.000,\"pid\":1,\"tid\":0,\"args\":{\"object\":\"T2\"}},\n"
	"{\"name\":\"bio\",\"ph\":\"b\",\"cat\":\"io\",\"id\":7,"
	"\"ts\":150.000,\"pid\":1,\"tid\":1,"
	"\"args\":{\"object\":\"write block 42\"}},\n"
	"{\"name\":\"pwrite\",\"ph\":\"E\",\"cat\":\"syscall\","
	"\"ts\":200.000,\"pid\":1,\"tid\":1,\"args\":{\"result\":4096}},\n"
	"{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":2,"
	"\"args\":{\"name\":\"T2\"}},\n"
	"{\"name\":\"fsync\",\"ph\":\"B\",\"cat\":\"syscall\","
	"\"ts\":1000000.500,\"pid\":1,\"tid\":2},\n"
	"{\"name\":\"bio\",\"ph\":\"e\",\"cat\":\"io\",\"id\":7,"
	"\"ts\":1000250.000,\"pid\":1,\"tid\":0,"
	"\"args\":{\"object\":\"write block 42\"}},\n"
	"{\"name\":\"bio_end_io\",\"ph\":\"i\",\"cat\":\"step\",\"s\":\"t\","
	"\"ts\":1000250.000,\"pid\":1,\"tid\":0,\"args\":{\"object\":\"\"}},\n"
	"{\"name\":\"fsync\",\"ph\":\"E\",\"cat\":\"syscall\","
	"\"ts\":1000250.999,\"pid\":1,\"tid\":2,\"args\":{\"result\":-5}},\n"
	"{\"name\":\"VIOLATION\",\"ph\":\"i\",\"cat\":\"violation\","
	"\"s\":\"g\",\"ts\":1000250.999,\"pid\":1,\"tid\":2,"
	"\"args\":{\"message\":\"data: inode 2 differs\\u000a  last trace "
	"lines:\\u000a    [1.000250] T2: x\"}}\n"
	"],\n\"displayTimeUnit\":\"ns\"}\n";

/* Feed @n events, @runs times over, to a @fmt writer; return the text. */
static char *write_runs(enum trace_format fmt, const struct trace_event *ev,
			size_t n, int runs)
{
	struct trace_writer *w;
	struct tracer tr;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	w = trace_writer_stream(f, fmt);
	assert_non_null(w);
	tr = trace_writer_tracer(w);
	while (runs--)
		for (i = 0; i < n; i++)
			tr.emit(tr.ctx, &ev[i]);
	assert_int_equal(trace_writer_close(w), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *write_events(enum trace_format fmt, const struct trace_event *ev,
			  size_t n)
{
	return write_runs(fmt, ev, n, 1);
}

/* --- a strict JSON parser (RFC 8259): the end of a value, or NULL ------ */

static const char *json_value(const char *s, int depth);

static const char *json_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static const char *json_digits(const char *s)
{
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	return p == s ? NULL : p;
}

static const char *json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (!(s = json_digits(s)))
		return NULL;
	if (*s == '.' && !(s = json_digits(s + 1)))
		return NULL;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		s = json_digits(s);
	}
	return s;
}

static const char *json_string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	for (; *s != '"'; s++) {
		if ((unsigned char)*s < 0x20)
			return NULL;	/* also the end of the text */
		if (*s != '\\')
			continue;
		s++;
		if (*s == 'u') {
			if (strspn(s + 1, "0123456789abcdefABCDEF") < 4)
				return NULL;
			s += 4;
		} else if (!*s || !strchr("\"\\/bfnrt", *s)) {
			return NULL;
		}
	}
	return s + 1;
}

/* The members of an object (@close '}') or the elements of an array. */
static const char *json_list(const char *s, char close, int depth)
{
	s = json_ws(s + 1);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (close == '}') {
			s = json_string(json_ws(s));
			if (!s || *(s = json_ws(s)) != ':')
				return NULL;
			s++;
		}
		s = json_value(s, depth + 1);
		if (!s)
			return NULL;
		if (*s == close)
			return s + 1;
		if (*s++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *s, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t i;

	s = json_ws(s);
	if (depth > 64)
		return NULL;
	if (*s == '{' || *s == '[')
		s = json_list(s, *s == '{' ? '}' : ']', depth);
	else if (*s == '"')
		s = json_string(s);
	else if (*s == '-' || (*s >= '0' && *s <= '9'))
		s = json_number(s);
	else {
		for (i = 0; i < ARRAY_SIZE(words); i++)
			if (!strncmp(s, words[i], strlen(words[i])))
				break;
		if (i == ARRAY_SIZE(words))
			return NULL;
		s += strlen(words[i]);
	}
	return s ? json_ws(s) : NULL;
}

static bool json_valid(const char *s)
{
	s = json_value(s, 0);
	return s && !*s;
}

static void test_json_validator(void **state)
{
	static const struct {
		const char *text;
		bool ok;
	} cases[] = {
		{ "{}", true },
		{ " [1, -2.5e3, \"a\\u00e9\\n\", true, null, {\"k\":[]}] ",
		  true },
		{ "{\"a\":0.000}", true },
		{ "", false },
		{ "[1,]", false },
		{ "{\"a\" 1}", false },
		{ "[\"\n\"]", false },
		{ "[\"\\x\"]", false },
		{ "[01]", false },
		{ "[1.]", false },
		{ "{\"a\":1}}", false },
		{ "[tru]", false },
		{ "{\"traceEvents\":[", false },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(json_valid(cases[i].text), cases[i].ok);
}

/* --- the three formats --------------------------------------------------- */

static void test_text(void **state)
{
	char *s = write_events(TRACE_TEXT, events, ARRAY_SIZE(events));

	assert_string_equal(s, want_text);
	free(s);
}

static void test_jsonl(void **state)
{
	char *s = write_events(TRACE_JSONL, events, ARRAY_SIZE(events));
	char **lines = g_strsplit(s, "\n", -1);
	size_t i;

	assert_string_equal(s, want_jsonl);
	for (i = 0; i < ARRAY_SIZE(events); i++)
		assert_true(json_valid(lines[i]));
	assert_string_equal(lines[i], "");
	g_strfreev(lines);
	free(s);
}

static void test_perfetto(void **state)
{
	char *s = write_events(TRACE_PERFETTO, events, ARRAY_SIZE(events));

	assert_string_equal(s, want_perfetto);
	assert_true(json_valid(s));
	free(s);
}

/* Count the thread_name events of (@pid, @tid) in a perfetto trace. */
static int thread_names(const char *s, unsigned int pid, int tid)
{
	char key[64];
	int n = 0;

	snprintf(key, sizeof(key),
		 "\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%d,",
		 pid, tid);
	for (; (s = strstr(s, key)); s++)
		n++;
	return n;
}

/* Two runs into one file: two processes, each naming its threads once. */
static void test_perfetto_runs(void **state)
{
	char *s = write_runs(TRACE_PERFETTO, events, ARRAY_SIZE(events), 2);
	unsigned int pid;
	int tid;

	assert_true(json_valid(s));
	assert_non_null(strstr(s, "\"args\":{\"name\":\"run 2\"}"));
	assert_null(strstr(s, "\"pid\":3"));
	for (pid = 1; pid <= 2; pid++)
		for (tid = 0; tid <= 2; tid++)
			assert_int_equal(thread_names(s, pid, tid), 1);
	assert_int_equal(thread_names(s, 1, 3), 0);
	free(s);
}

/* A run stopped early, even before its first event: still valid JSON. */
static void test_perfetto_stopped(void **state)
{
	size_t n;

	for (n = 0; n <= ARRAY_SIZE(events); n++) {
		char *s = write_events(TRACE_PERFETTO, events, n);

		assert_true(json_valid(s));
		free(s);
	}
}

/* --- escaping -------------------------------------------------------- */

static const struct trace_event odd_event = {
	TR_STEP, 1, 0, 3, "a\"b\\c\nd\x01" "e", "pread", "x\x1f",
	"\"q\" \\ \t\x7f", 0, 0,
};

static void test_escape(void **state)
{
	static const struct {
		enum trace_format fmt;
		const char *want;
	} cases[] = {
		{ TRACE_TEXT,
		  "[0.000000] a\"b\\c\n  d\x01" "e pread/x\x1f"
		  " \"q\" \\ \t\x7f\n" },
		{ TRACE_JSONL,
		  "{\"seq\":0,\"time_ns\":1,\"kind\":\"step\",\"tid\":3,"
		  "\"thread\":\"a\\\"b\\\\c\\u000ad\\u0001e\",\"op\":\"pread\","
		  "\"step\":\"x\\u001f\","
		  "\"object\":\"\\\"q\\\" \\\\ \\u0009\x7f\"}\n" },
		{ TRACE_PERFETTO,
		  "{\"traceEvents\":[\n"
		  "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
		  "\"args\":{\"name\":\"run 1\"}},\n"
		  "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":3,"
		  "\"args\":{\"name\":\"a\\\"b\\\\c\\u000ad\\u0001e\"}},\n"
		  "{\"name\":\"x\\u001f\",\"ph\":\"i\",\"cat\":\"step\","
		  "\"s\":\"t\",\"ts\":0.001,\"pid\":1,\"tid\":3,"
		  "\"args\":{\"object\":\"\\\"q\\\" \\\\ \\u0009\x7f\"}}\n"
		  "],\n\"displayTimeUnit\":\"ns\"}\n" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *s = write_events(cases[i].fmt, &odd_event, 1);

		assert_string_equal(s, cases[i].want);
		if (cases[i].fmt != TRACE_TEXT)
			assert_true(json_valid(s));
		free(s);
	}
}

/* --- names and files ----------------------------------------------------- */

static void test_format_parse(void **state)
{
	static const struct {
		const char *name;
		int ret;
		enum trace_format fmt;
	} cases[] = {
		{ "text", 0, TRACE_TEXT },
		{ "jsonl", 0, TRACE_JSONL },
		{ "perfetto", 0, TRACE_PERFETTO },
		{ "", -1, TRACE_JSONL },
		{ "Text", -1, TRACE_JSONL },
		{ "json", -1, TRACE_JSONL },
		{ "perfetto ", -1, TRACE_JSONL },
		{ "chrome", -1, TRACE_JSONL },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		enum trace_format fmt = TRACE_JSONL;

		assert_int_equal(trace_format_parse(cases[i].name, &fmt),
				 cases[i].ret);
		assert_int_equal(fmt, cases[i].fmt);
	}
}

static void test_open_unwritable(void **state)
{
	errno = 0;
	assert_null(trace_writer_open("/nonexistent-pcsim-dir/t.json",
				      TRACE_PERFETTO));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(trace_writer_open("/", TRACE_TEXT));
	assert_int_equal(errno, EISDIR);
	assert_null(trace_writer_stream(stdout, (enum trace_format)42));
	assert_int_equal(errno, EINVAL);
}

/* A real file: created, truncated, written whole at close. */
static void test_open_file(void **state)
{
	char *dir = g_dir_make_tmp("pcsim-trace-XXXXXX", NULL);
	char *path = g_build_filename(dir, "t.json", NULL);
	struct trace_writer *w;
	struct tracer tr;
	char *text;
	size_t i;

	assert_non_null(dir);
	assert_true(g_file_set_contents(path, "old and longer", -1, NULL));
	w = trace_writer_open(path, TRACE_PERFETTO);
	assert_non_null(w);
	tr = trace_writer_tracer(w);
	for (i = 0; i < ARRAY_SIZE(events); i++)
		tr.emit(tr.ctx, &events[i]);
	assert_int_equal(trace_writer_close(w), 0);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_string_equal(text, want_perfetto);
	g_free(text);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

/* A write error (a full disk) is reported by close. */
static void test_close_write_error(void **state)
{
	struct trace_writer *w;
	struct tracer tr;

	if (access("/dev/full", W_OK))
		skip();
	w = trace_writer_open("/dev/full", TRACE_TEXT);
	assert_non_null(w);
	tr = trace_writer_tracer(w);
	tr.emit(tr.ctx, &events[0]);
	assert_int_equal(trace_writer_close(w), -1);
	assert_int_equal(trace_writer_close(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_validator),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_perfetto),
		cmocka_unit_test(test_perfetto_runs),
		cmocka_unit_test(test_perfetto_stopped),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_open_unwritable),
		cmocka_unit_test(test_open_file),
		cmocka_unit_test(test_close_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
