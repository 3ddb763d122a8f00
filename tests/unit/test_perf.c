// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_perf.c - the what-if metrics of a run (model/perf.c).
 *
 * Scope: nearest-rank percentiles; the write-amplification counters
 * (bytes applications wrote, bytes the device took) for buffered writes,
 * stores through a mapping and DAX; operation latency in virtual time with
 * and without a step cost (set step-cost); the time-weighted page integral;
 * and the event queue's clock, which a step cost may run past a pending
 * event without ever running backwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/perf.h"
#include "sim/eventq.h"
#include "sim/runner.h"
#include "sim/scenario.h"

/* Run @text; Return: its metrics (the run must end ok). */
static struct sys_perf run_perf(const char *text, struct sys_stats *stats)
{
	struct run_report rep = { 0 };
	struct scenario sc;
	char *perr = NULL, *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_int_equal(scenario_parse_string("p.pcs", text, strlen(text),
					       &sc, &perr), 0);
	assert_int_equal(runner_run(&sc, NULL, f, f, &rep), RUN_OK);
	fclose(f);
	free(out);
	scenario_free(&sc);
	assert_true(rep.has_stats);
	if (stats)
		*stats = rep.stats;
	return rep.perf;
}

static void test_percentile(void **state)
{
	uint64_t v[100];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		v[i] = i + 1;
	assert_int_equal(perf_percentile(v, 0, 50), 0);
	assert_int_equal(perf_percentile(v, 1, 99), 1);
	assert_int_equal(perf_percentile(v, 10, 50), 5);
	assert_int_equal(perf_percentile(v, 10, 99), 10);
	assert_int_equal(perf_percentile(v, 10, 0), 1);
	assert_int_equal(perf_percentile(v, 10, 100), 10);
	assert_int_equal(perf_percentile(v, 100, 99), 99);
	assert_int_equal(perf_percentile(v, 100, 50), 50);
	assert_int_equal(perf_percentile(v, 3, 50), 2);
	assert_int_equal(perf_percentile(v, 2, 50), 1);
	assert_int_equal(perf_percentile(v, 100, 101), 100);
}

static void test_write_amp_buffered(void **state)
{
	struct sys_perf p;

	(void)state;
	/* 100 bytes written; writeback writes the whole 4 KiB page */
	p = run_perf("xfs_io -f -c \"pwrite 0 100\" f\nsync\n", NULL);
	assert_int_equal(p.app_write_bytes, 100);
	assert_int_equal(p.dev_write_bytes, 4096);
	/* two writes of one page before writeback: one page written */
	p = run_perf("xfs_io -f -c \"pwrite 0 4k\" -c \"pwrite 0 4k\" f\n"
		     "sync\n", NULL);
	assert_int_equal(p.app_write_bytes, 8192);
	assert_int_equal(p.dev_write_bytes, 4096);
	/* a read writes nothing */
	p = run_perf("xfs_io -f -c \"pread 0 4k\" f\n", NULL);
	assert_int_equal(p.app_write_bytes, 0);
	assert_int_equal(p.dev_write_bytes, 0);
}

static void test_write_amp_mmap(void **state)
{
	struct sys_perf p;

	(void)state;
	p = run_perf("xfs_io -f -c \"truncate 8k\" -c \"mmap -w 0 8k\" "
		     "-c \"mwrite 0 10\" -c \"mwrite 4096 10\" -c munmap f\n"
		     "sync\n", NULL);
	assert_int_equal(p.app_write_bytes, 20);
	assert_int_equal(p.dev_write_bytes, 8192);
}

static void test_write_amp_dax(void **state)
{
	struct sys_perf p;

	(void)state;
	/*
	 * DAX: a write of 4 KiB to a shared block allocates a new block and
	 * writes it whole (nothing to copy around); a 100-byte write to an
	 * unshared block writes 100 bytes.  No bio is involved.
	 */
	p = run_perf("set policy dax\n"
		     "xfs_io -f -c \"pwrite 0 4k\" f\n"
		     "cp --reflink=always f g\n"
		     "xfs_io -c \"pwrite -S 0x62 0 4k\" -c \"pwrite 0 100\" g\n",
		     NULL);
	assert_int_equal(p.app_write_bytes, 4096 + 4096 + 100);
	assert_int_equal(p.dev_write_bytes, 4096 + 4096 + 100);
	/* a 100-byte store to a shared block copies the other 3996 bytes */
	p = run_perf("set policy dax\n"
		     "xfs_io -f -c \"pwrite 0 4k\" f\n"
		     "cp --reflink=always f g\n"
		     "xfs_io -c \"pwrite -S 0x62 0 100\" g\n", NULL);
	assert_int_equal(p.app_write_bytes, 4096 + 100);
	assert_int_equal(p.dev_write_bytes, 4096 + 4096);
}

static void test_latency(void **state)
{
	static const char cold_read[] =
		"xfs_io -f -c \"pwrite 0 4k\" -c fsync f\n"
		"drop_caches\n"
		"xfs_io -c \"pread 0 4k\" -c \"pread 0 4k\" f\n";
	struct sys_stats s;
	struct sys_perf p, q;
	char *text;

	(void)state;
	/* steps take no time: only the I/O waits count (100 us each) */
	p = run_perf(cold_read, &s);
	assert_int_equal(p.nr_ops, 4);	/* pwrite, fsync, two preads */
	assert_int_equal(p.lat_max_ns, 100000);
	assert_int_equal(p.lat_p50_ns, 0);	/* the pwrite, the hit */
	assert_int_equal(p.elapsed_ns, s.virtual_ns);
	/* with a step cost every operation takes time, and more steps more */
	text = g_strdup_printf("set step-cost 1us\n%s", cold_read);
	q = run_perf(text, &s);
	g_free(text);
	assert_int_equal(q.nr_ops, 4);
	assert_true(q.lat_p50_ns >= 1000);
	assert_true(q.lat_max_ns > 100000);
	assert_true(q.elapsed_ns >= s.steps * 1000);
	assert_int_equal(q.elapsed_ns, s.virtual_ns);
}

/* Same scenario, same numbers; more cached pages, a larger integral. */
static void test_page_integral(void **state)
{
	static const char small[] = "set step-cost 1us\n"
		"xfs_io -f -c \"pwrite 0 4k\" -c fsync f\n";
	static const char big[] = "set step-cost 1us\n"
		"xfs_io -f -c \"pwrite 0 64k\" -c fsync f\n";
	struct sys_perf a = run_perf(small, NULL), b = run_perf(small, NULL);
	struct sys_perf c = run_perf(big, NULL);

	(void)state;
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(a.page_ns > 0);
	assert_true(a.page_ns <= a.elapsed_ns);	/* at most one page */
	assert_true(c.page_ns / c.elapsed_ns > a.page_ns / a.elapsed_ns);
	assert_true(c.page_ns <= 16 * c.elapsed_ns);
}

static void test_eventq_clock(void **state)
{
	struct eventq q;
	struct event ev;
	int a, b;

	(void)state;
	eventq_init(&q);
	eventq_push(&q, 100, 1, &a);
	eventq_push(&q, 300, 1, &b);
	eventq_advance(&q, 200);	/* a step cost runs past the first */
	assert_true(eventq_pop(&q, &ev));
	assert_ptr_equal(ev.obj, &a);
	assert_int_equal(q.now, 200);	/* handled late, not backwards */
	assert_true(eventq_pop(&q, &ev));
	assert_ptr_equal(ev.obj, &b);
	assert_int_equal(q.now, 300);
	eventq_destroy(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_write_amp_buffered),
		cmocka_unit_test(test_write_amp_mmap),
		cmocka_unit_test(test_write_amp_dax),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_page_integral),
		cmocka_unit_test(test_eventq_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
