// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_sys.c - the model through its system-call boundary.
 *
 * Each test drives a fresh kernel with sys_req calls and checks results,
 * file contents (through md5 of known byte patterns) and that no invariant
 * fired.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/sysenv.h"

#include "model/core.h"
#include "model/policy.h"

static struct kernel *boot(void)
{
	struct kconfig cfg = {
		.page_size = 4096, .disk_size = 64 << 20,
		.io_latency = 100000, .policy = policy_lookup("none"),
	};
	return kernel_new(&cfg);
}


static int open_file(struct kernel *k, struct proc *p, const char *name)
{
	return sys_xopen(k, p, name, 0);
}

/* md5 of @len bytes of @byte, for comparison. */
static void md5_of(uint8_t byte, size_t len, uint8_t out[16])
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_MD5);
	guint8 *buf = g_malloc(len ? len : 1);
	gsize n = 16;

	memset(buf, byte, len);
	g_checksum_update(c, buf, len);
	g_checksum_get_digest(c, out, &n);
	g_checksum_free(c);
	g_free(buf);
}

static void assert_file_is(struct kernel *k, struct proc *p, int fd,
			   uint8_t byte, size_t len)
{
	struct sys_res r = sys_call(k, p, (struct sys_req){ .kind = SYS_READ_MD5,
		.fd = fd });
	uint8_t want[16];

	md5_of(byte, len, want);
	assert_memory_equal(r.md5, want, 16);
}

static void test_write_read_writeback(void **state)
{
	struct kernel *k = boot();
	struct proc *p = proc_new(k, "t");
	int fd = open_file(k, p, "a");

	sys_xwrite(k, p, fd, 0, 10000, 0x61);
	assert_file_is(k, p, fd, 0x61, 10000);
	sys_call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = fd });
	sys_call(k, p, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_file_is(k, p, fd, 0x61, 10000);
	assert_null(kernel_violation(k));
	proc_exit(k, p);
	kernel_free(k);
}

/*
 * page_ops (scripts/bench): the pages calls moved, plus bios, faults, COW
 * copies and reclaimed pages.  10000 bytes are 3 pages: written once,
 * then read by two md5sums.
 */
static void assert_page_ops(struct kernel *k, uint64_t call_pages)
{
	struct sys_stats st;

	kernel_stats(k, &st);
	assert_int_equal(st.faults_major + st.faults_minor +
			 st.cow_page_copies + st.pages_reclaimed, 0);
	assert_int_equal(st.page_ops, call_pages +
			 st.writeback_bytes / 4096 + st.read_ios);
}

static void test_page_ops(void **state)
{
	struct kernel *k = boot();
	struct proc *p = proc_new(k, "t");
	int fd = open_file(k, p, "a");
	struct sys_stats st;

	sys_xwrite(k, p, fd, 0, 10000, 0x61);
	assert_page_ops(k, 3);
	assert_file_is(k, p, fd, 0x61, 10000);
	assert_page_ops(k, 6);
	sys_call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = fd });
	kernel_stats(k, &st);
	assert_int_equal(st.writeback_ios, 1);	/* one ioend of 3 pages */
	assert_int_equal(st.writeback_bytes, 3 * 4096);
	assert_page_ops(k, 6);
	sys_call(k, p, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_file_is(k, p, fd, 0x61, 10000);
	assert_page_ops(k, 9);
	proc_exit(k, p);
	kernel_free(k);
}

static void test_clone_cow(void **state)
{
	struct kernel *k = boot();
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a"), b = open_file(k, p, "b");
	struct sys_res r;

	sys_xwrite(k, p, a, 0, 8192, 0x61);
	r = sys_call(k, p, (struct sys_req){ .kind = SYS_CLONE, .fd = b, .fd2 = a,
		 .off = 0, .off2 = 0, .len = 0 });
	assert_int_equal(r.err, 0);
	sys_xwrite(k, p, b, 0, 8192, 0x62);
	sys_call(k, p, (struct sys_req){ .kind = SYS_CYCLE_MOUNT });
	assert_file_is(k, p, a, 0x61, 8192);
	assert_file_is(k, p, b, 0x62, 8192);
	assert_null(kernel_violation(k));
	proc_exit(k, p);
	kernel_free(k);
}

static void test_clone_unaligned_einval(void **state)
{
	struct kernel *k = boot();
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a"), b = open_file(k, p, "b");
	struct sys_res r;

	sys_xwrite(k, p, a, 0, 10000, 0x61);
	r = sys_call(k, p, (struct sys_req){ .kind = SYS_CLONE, .fd = b, .fd2 = a,
		 .len = 5000 });
	assert_int_equal(r.err, EINVAL);
	proc_exit(k, p);
	kernel_free(k);
}

static void test_mmap_store_and_sigbus(void **state)
{
	struct kernel *k = boot();
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a");
	struct sys_res r;
	uint64_t addr;

	sys_xwrite(k, p, a, 0, 4096, 0x61);
	r = sys_call(k, p, (struct sys_req){ .kind = SYS_MMAP, .fd = a, .off = 0,
		 .len = 16384, .flags = SYSF_PROT_READ | SYSF_PROT_WRITE });
	assert_int_equal(r.err, 0);
	addr = r.addr;
	r = sys_call(k, p, (struct sys_req){ .kind = SYS_MSTORE, .addr = addr,
		 .len = 4096, .byte = 0x58 });
	assert_false(r.sigbus);
	r = sys_call(k, p, (struct sys_req){ .kind = SYS_MSTORE,
		 .addr = addr + 8192, .len = 10, .byte = 0x58 });
	assert_true(r.sigbus);
	sys_call(k, p, (struct sys_req){ .kind = SYS_MUNMAP, .addr = addr,
	     .len = 16384 });
	sys_call(k, p, (struct sys_req){ .kind = SYS_SYNC });
	assert_file_is(k, p, a, 0x58, 4096);
	assert_null(kernel_violation(k));
	proc_exit(k, p);
	kernel_free(k);
}

static void test_crash_keeps_fsynced(void **state)
{
	struct kernel *k = boot();
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a");

	sys_xwrite(k, p, a, 0, 8192, 0x61);
	sys_call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = a });
	sys_xwrite(k, p, a, 0, 4096, 0x62);
	proc_exit(k, p);
	p = proc_new(k, "t");
	sys_call(k, p, (struct sys_req){ .kind = SYS_CRASH });
	assert_null(kernel_violation(k));
	a = open_file(k, p, "a");
	assert_file_is(k, p, a, 0x61, 8192);
	proc_exit(k, p);
	kernel_free(k);
}

/* A crash kills the processes: live mappings do not survive it. */
static void test_crash_with_live_mapping(void **state)
{
	struct kernel *k = boot();
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a");
	struct sys_res r;

	sys_xwrite(k, p, a, 0, 8192, 0x61);
	sys_call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = a });
	r = sys_call(k, p, (struct sys_req){ .kind = SYS_MMAP, .fd = a,
		 .len = 8192, .flags = SYSF_PROT_READ | SYSF_PROT_WRITE });
	sys_call(k, p, (struct sys_req){ .kind = SYS_MSTORE, .addr = r.addr,
	     .len = 10, .byte = 0x62 });
	r = sys_call(k, p, (struct sys_req){ .kind = SYS_CYCLE_MOUNT });
	assert_int_equal(r.err, EBUSY);
	sys_call(k, p, (struct sys_req){ .kind = SYS_CRASH });
	assert_null(kernel_violation(k));
	assert_int_equal(kernel_inode(k, 1)->i_mapping->nrpages, 0);
	proc_exit(k, p);
	kernel_free(k);
}

/* A kernel whose page cache may hold 16 pages. */
static struct kernel *kernel_limited(void)
{
	struct kconfig cfg = {
		.page_size = 4096, .disk_size = 64 << 20,
		.io_latency = 100000, .memory_limit = 16 * 4096,
	};

	return kernel_new(&cfg);
}

/* Direct reclaim keeps the page cache under the memory limit. */
static void test_memory_limit_reclaims_clean_pages(void **state)
{
	struct kernel *k = kernel_limited();
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a");

	sys_xwrite(k, p, a, 0, 64 * 4096, 0x61);
	assert_int_equal(k->stats.nr_cached, 64);	/* dirty: kept */
	sys_call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = a });
	/* Reclaim runs when a page is allocated, not before. */
	assert_int_equal(k->stats.nr_cached, 64);
	sys_xwrite(k, p, open_file(k, p, "b"), 0, 4096, 0x62);
	assert_int_equal(k->stats.nr_cached, 16);
	assert_int_equal(k->stats.pages_reclaimed, 49);
	assert_file_is(k, p, a, 0x61, 64 * 4096);
	assert_true(k->stats.nr_cached <= 16);
	assert_null(kernel_violation(k));
	proc_exit(k, p);
	kernel_free(k);
}

/* The log never holds delalloc: a crash after another file's fsync. */
static void test_crash_forgets_delalloc(void **state)
{
	struct kernel *k = boot();
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a"), b = open_file(k, p, "b");

	sys_xwrite(k, p, a, 0, 8192, 0x61);		/* delalloc only */
	sys_xwrite(k, p, b, 0, 8192, 0x62);
	sys_call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = b });
	proc_exit(k, p);
	p = proc_new(k, "t");
	sys_call(k, p, (struct sys_req){ .kind = SYS_CRASH });
	assert_null(kernel_violation(k));
	a = open_file(k, p, "a");			/* created, logged */
	assert_int_equal(kernel_inode(k, 1)->i_size, 0);
	assert_int_equal(bmap_nextents(kernel_inode(k, 1)->i_df), 0);
	proc_exit(k, p);
	assert_int_equal(kernel_check_final(k), 0);
	kernel_free(k);
}

/*
 * fsync of @pages dirty pages with @depth request tags: the most bios in
 * flight at any moment (checked after every step and event).  Every
 * other page is written, so that no two share a bio (ioends).
 */
static uint64_t fsync_peak_bios(uint32_t depth, uint64_t pages)
{
	struct kconfig cfg = {
		.page_size = 4096, .disk_size = 64 << 20, .io_latency = 100000,
		.queue_depth = depth,
	};
	struct kernel *k = kernel_new(&cfg);
	struct proc *p = proc_new(k, "t"), *run[8];
	int a = open_file(k, p, "a");
	uint64_t peak = 0, i;

	for (i = 0; i < pages; i++)
		sys_xwrite(k, p, a, 2 * i * 4096, 4096, 0x61);
	kernel_submit(k, p, &(struct sys_req){ .kind = SYS_FSYNC, .fd = a });
	while (!kernel_done(p, NULL)) {
		if (kernel_runnable(k, run, 8))
			assert_int_equal(kernel_step(k, run[0]), 0);
		else
			assert_int_equal(kernel_fire_event(k), 0);
		if (k->nr_bios > peak)
			peak = k->nr_bios;
	}
	assert_int_equal(k->stats.wb_ios, pages);
	proc_exit(k, p);
	assert_int_equal(kernel_check_final(k), 0);
	kernel_free(k);
	return peak;
}

/* Steps one call of @req takes (kernel threads idle: none is due). */
static uint64_t call_steps(struct kernel *k, struct proc *p,
			   struct sys_req req)
{
	uint64_t before = k->steps;

	assert_int_equal(sys_call(k, p, req).err, 0);
	return k->steps - before;
}

/*
 * The sleep points of docs/MODEL.md "Writeback and I/O": a 4 KiB read of
 * an uncached page is syscall, xfs_ilock, filemap_get_pages (submits the
 * read and sleeps on the folio), filemap_get_pages (copies, and the loop
 * ends there), syscall_exit; of a cached page one filemap_get_pages less.
 * fsync of @n dirty pages: syscall, the writeback's tag step and first
 * lookup, one step a page (lock, map, find the next), the last ioend's
 * own submission step, then the wait and the log force.
 */
static void test_step_structure(void **state)
{
	struct kernel *k = boot();
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a");
	uint64_t small, large;

	sys_xwrite(k, p, a, 0, 8 * 4096, 0x61);
	sys_call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = a });
	sys_call(k, p, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_int_equal(call_steps(k, p, (struct sys_req){
		.kind = SYS_PREAD, .fd = a, .off = 0, .len = 4096 }), 5);
	assert_int_equal(call_steps(k, p, (struct sys_req){
		.kind = SYS_PREAD, .fd = a, .off = 0, .len = 4096 }), 4);
	sys_xwrite(k, p, a, 0, 2 * 4096, 0x62);
	small = call_steps(k, p, (struct sys_req){ .kind = SYS_FSYNC,
						   .fd = a });
	sys_xwrite(k, p, a, 0, 8 * 4096, 0x63);
	large = call_steps(k, p, (struct sys_req){ .kind = SYS_FSYNC,
						   .fd = a });
	assert_int_equal(large - small, 6);	/* one step a page */
	proc_exit(k, p);
	assert_int_equal(kernel_check_final(k), 0);
	kernel_free(k);
}

/* At most queue_depth bios in flight (blk_mq_get_tag); 128 by default. */
static void test_request_tags(void **state)
{
	assert_int_equal(fsync_peak_bios(3, 32), 3);
	assert_int_equal(fsync_peak_bios(0, 32), 32);
	assert_int_equal(fsync_peak_bios(0, 300), 128);
}

/* The flusher writes back what has been dirty for dirty_expire. */
static void test_flusher_writes_expired_inodes(void **state)
{
	struct kconfig cfg = {
		.page_size = 4096, .disk_size = 64 << 20, .io_latency = 100000,
		.dirty_writeback_ns = 5000000000ULL,
		.dirty_expire_ns = 30000000000ULL,
	};
	struct kernel *k = kernel_new(&cfg);
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a");

	sys_xwrite(k, p, a, 0, 8192, 0x61);
	sys_call(k, p, (struct sys_req){ .kind = SYS_NANOSLEEP,
	     .len = 20000000000ULL });
	assert_int_equal(k->stats.wb_ios, 0);		/* not expired yet */
	sys_call(k, p, (struct sys_req){ .kind = SYS_NANOSLEEP,
	     .len = 11000000000ULL });
	assert_int_equal(k->stats.wb_bytes, 8192);
	assert_false(xa_marked(&kernel_inode(k, 1)->i_data.i_pages,
			       PAGECACHE_TAG_DIRTY));
	assert_int_equal(kernel_inode(k, 1)->dirtied_when, 0);
	proc_exit(k, p);
	assert_int_equal(kernel_quiesce(k), 0);
	assert_int_equal(kernel_check_final(k), 0);
	kernel_free(k);
}

/* kswapd reclaims in the background down to the low watermark. */
static void test_kswapd_background_reclaim(void **state)
{
	struct kernel *k = kernel_limited();
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a");

	sys_xwrite(k, p, a, 0, 15 * 4096, 0x61);
	/* woken at the high watermark, it ran while fsync waited: dirty */
	sys_call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = a });
	assert_int_equal(k->stats.pages_reclaimed, 0);
	sys_xwrite(k, p, open_file(k, p, "b"), 0, 4096, 0x62);
	assert_true(k->kswapd->task.state == TASK_RUNNING);	/* woken */
	assert_int_equal(k->stats.nr_cached, 16);
	assert_int_equal(kernel_quiesce(k), 0);
	assert_int_equal(k->stats.nr_cached, 12);	/* 3/4 of the limit */
	assert_int_equal(k->stats.pages_reclaimed, 4);
	assert_file_is(k, p, a, 0x61, 15 * 4096);
	assert_null(kernel_violation(k));
	proc_exit(k, p);
	assert_int_equal(kernel_quiesce(k), 0);
	assert_int_equal(kernel_check_final(k), 0);
	kernel_free(k);
}

/* No call returning within step_bound steps is reported as a livelock. */
static void test_livelock_bound(void **state)
{
	struct kconfig cfg = { .page_size = 4096, .disk_size = 64 << 20,
			       .io_latency = 1000, .step_bound = 5 };
	struct kernel *k = kernel_new(&cfg);
	struct proc *p = proc_new(k, "t");
	struct sys_res res;
	int a = open_file(k, p, "a");

	assert_int_equal(kernel_syscall(k, p, &(struct sys_req){
		.kind = SYS_PWRITE, .fd = a, .len = 64 * 4096, .byte = 1 },
		&res), -1);
	assert_non_null(strstr(kernel_violation(k),
			       "deadlock: livelock: no system call returned in 5 steps"));
	kernel_abort_call(k, p);
	proc_exit(k, p);
	kernel_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_writeback),
		cmocka_unit_test(test_page_ops),
		cmocka_unit_test(test_clone_cow),
		cmocka_unit_test(test_clone_unaligned_einval),
		cmocka_unit_test(test_mmap_store_and_sigbus),
		cmocka_unit_test(test_crash_keeps_fsynced),
		cmocka_unit_test(test_crash_with_live_mapping),
		cmocka_unit_test(test_memory_limit_reclaims_clean_pages),
		cmocka_unit_test(test_crash_forgets_delalloc),
		cmocka_unit_test(test_flusher_writes_expired_inodes),
		cmocka_unit_test(test_request_tags),
		cmocka_unit_test(test_step_structure),
		cmocka_unit_test(test_kswapd_background_reclaim),
		cmocka_unit_test(test_livelock_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
