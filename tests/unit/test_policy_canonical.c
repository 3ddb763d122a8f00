// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_policy_canonical.c - the canonical-mapping design through
 * the system-call boundary.
 *
 * Pages of shared blocks live once in the bdev cache and every reader
 * refers to them; a write copies into the writer's own cache; a block
 * rewritten or freed loses its canonical page; reclaim, drop_caches, crash
 * and unmount drop canonical pages like any other.  Every test ends with
 * no violation and a clean final check: sharing never changes what a user
 * reads (each read is also compared with the oracle).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/sysenv.h"

#include "model/core.h"
#include "model/policy.h"

#define PSZ 4096

static struct kernel *boot(uint64_t memory_limit)
{
	struct kconfig cfg = {
		.page_size = PSZ, .disk_size = 64 << 20,
		.io_latency = 100000, .memory_limit = memory_limit,
		.policy = policy_lookup("canonical-mapping"),
	};

	assert_non_null(cfg.policy);
	return kernel_new(&cfg);
}

static void call0(struct kernel *k, struct proc *p, struct sys_req req)
{
	assert_int_equal(sys_call(k, p, req).err, 0);
}

static int open_file(struct kernel *k, struct proc *p, const char *name)
{
	return sys_xopen(k, p, name, 0);
}

/* FICLONE of the whole of @src onto @dst. */
static void clone_(struct kernel *k, struct proc *p, int dst, int src)
{
	call0(k, p, (struct sys_req){ .kind = SYS_CLONE, .fd = dst,
	      .fd2 = src, .flags = SYSF_WHOLE });
}

static void md5_file(struct kernel *k, struct proc *p, int fd,
		     uint8_t out[16])
{
	struct sys_res r = sys_call(k, p, (struct sys_req){ .kind = SYS_READ_MD5,
		.fd = fd });

	assert_int_equal(r.err, 0);
	memcpy(out, r.md5, 16);
}

/* Both files read in full: the same bytes, or (@same false) not. */
static void assert_files(struct kernel *k, struct proc *p, int a, int b,
			 bool same)
{
	uint8_t x[16], y[16];

	md5_file(k, p, a, x);
	md5_file(k, p, b, y);
	assert_int_equal(memcmp(x, y, 16) == 0, same);
}

/*
 * A reference file, written with plain pwrites of @n (offset, length,
 * byte) triples: what the file under test must read as.
 */
static int reference(struct kernel *k, struct proc *p, const char *name,
		     const uint64_t (*w)[3], unsigned int n)
{
	int fd = open_file(k, p, name);
	unsigned int i;

	for (i = 0; i < n; i++)
		sys_xwrite(k, p, fd, w[i][0], w[i][1], (uint8_t)w[i][2]);
	return fd;
}

static struct address_space *canon(struct kernel *k)
{
	struct inode *bdev = g_ptr_array_index(k->anon_inodes, 0);

	return bdev->i_mapping;
}

/* umount (every file closed) and mount again: a new process. */
static struct proc *remount(struct kernel *k, struct proc *p)
{
	proc_exit(k, p);
	p = proc_new(k, "t");
	call0(k, p, (struct sys_req){ .kind = SYS_CYCLE_MOUNT });
	return p;
}

static void finish(struct kernel *k, struct proc *p)
{
	assert_null(kernel_violation(k));
	proc_exit(k, p);
	assert_int_equal(kernel_check_final(k), 0);
	assert_null(kernel_violation(k));
	kernel_free(k);
}

/* a written and cloned to b: both read, one page each cached once. */
static void setup_pair(struct kernel *k, struct proc *p, int *a, int *b,
		       uint64_t len)
{
	*a = open_file(k, p, "a");
	*b = open_file(k, p, "b");
	sys_xwrite(k, p, *a, 0, len, 0x61);
	clone_(k, p, *b, *a);
	assert_files(k, p, *a, *b, true);
}

static void test_clone_reads_share(void **state)
{
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a, b;

	setup_pair(k, p, &a, &b, 8 * PSZ);
	assert_int_equal(k->stats.nr_cached, 8);
	assert_int_equal(k->stats.nr_cache_entries, 3 * 8);
	assert_int_equal(canon(k)->nrpages, 8);
	assert_int_equal(k->stats.nr_shared, 8);
	/* the source's pages were adopted: b read nothing from the disk */
	assert_int_equal(k->stats.read_ios, 0);
	finish(k, p);
}

/* With the cache dropped, the first reader reads the block, the rest hit. */
static void test_cold_reads_share(void **state)
{
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a, b;

	setup_pair(k, p, &a, &b, 8 * PSZ);
	call0(k, p, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_int_equal(k->stats.nr_cached, 0);
	assert_files(k, p, b, a, true);
	assert_int_equal(k->stats.nr_cached, 8);
	assert_int_equal(k->stats.read_ios, 8);
	finish(k, p);
}

/* FIDEDUPERANGE: the source's pages serve the destination too. */
static void test_dedupe_shares(void **state)
{
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a"), b = open_file(k, p, "b");

	sys_xwrite(k, p, a, 0, 4 * PSZ, 0x61);
	sys_xwrite(k, p, b, 0, 4 * PSZ, 0x61);
	call0(k, p, (struct sys_req){ .kind = SYS_DEDUPE, .fd = b, .fd2 = a,
	      .len = 4 * PSZ });
	assert_files(k, p, a, b, true);
	assert_int_equal(k->stats.nr_cached, 4);
	assert_int_equal(canon(k)->nrpages, 4);
	finish(k, p);
}

/* A write moves the page into the writer's own cache; a keeps its data. */
static void test_write_cows(void **state)
{
	static const uint64_t w[][3] = { { 0, 8 * PSZ, 0x61 },
					 { PSZ + 10, 100, 0x62 } };
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a, b, ref;

	setup_pair(k, p, &a, &b, 8 * PSZ);
	sys_xwrite(k, p, b, PSZ + 10, 100, 0x62);
	assert_int_equal(k->stats.cow_page_copies, 1);
	assert_int_equal(k->stats.nr_cached, 9);
	assert_int_equal(canon(k)->nrpages, 8);
	assert_false(folio_shared(filemap_get_page(
		kernel_inode(k, 2)->i_mapping, 1)));
	ref = reference(k, p, "ref", w, 2);
	assert_files(k, p, b, ref, true);
	assert_files(k, p, a, b, false);
	p = remount(k, p);
	a = open_file(k, p, "a");
	b = open_file(k, p, "b");
	ref = open_file(k, p, "ref");
	assert_files(k, p, b, ref, true);
	assert_files(k, p, a, b, false);
	finish(k, p);
}

/*
 * The EOF page stays private: each file zeroes its own tail.  a is cut in
 * its third page after the clone, so the block is shared by a file that
 * ends inside it and one that does not.
 */
static void test_eof_page_private(void **state)
{
	static const uint64_t w[][3] = { { 0, 3 * PSZ, 0x61 } };
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a, b, ref;

	setup_pair(k, p, &a, &b, 3 * PSZ);
	call0(k, p, (struct sys_req){ .kind = SYS_DROP_CACHES });
	call0(k, p, (struct sys_req){ .kind = SYS_FTRUNCATE, .fd = a,
	      .off = 2 * PSZ + 1000 });
	assert_files(k, p, b, a, false);
	assert_int_equal(canon(k)->nrpages, 3);
	assert_int_equal(folio_nr_owners(filemap_get_page(
		kernel_inode(k, 1)->i_mapping, 2)), 1);
	ref = reference(k, p, "ref", w, 1);
	assert_files(k, p, b, ref, true);
	call0(k, p, (struct sys_req){ .kind = SYS_FTRUNCATE, .fd = ref,
	      .off = 2 * PSZ + 1000 });
	assert_files(k, p, a, ref, true);
	finish(k, p);
}

/*
 * After a crash a ends inside a block it still shares with b: the truncate
 * reached the log (b's fsync forced it), a's zeroed EOF page did not.  b's
 * canonical page holds the whole block; a's EOF page is its own, its tail
 * beyond i_size zeroed (what a mapping of a shows there).
 */
static void test_eof_tail_after_crash(void **state)
{
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	struct page *eof;
	int a, b;

	setup_pair(k, p, &a, &b, 3 * PSZ);
	call0(k, p, (struct sys_req){ .kind = SYS_SYNC });
	call0(k, p, (struct sys_req){ .kind = SYS_FTRUNCATE, .fd = a,
	      .off = 2 * PSZ + 1000 });
	call0(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = b });
	proc_exit(k, p);
	p = proc_new(k, "t");
	call0(k, p, (struct sys_req){ .kind = SYS_CRASH });
	a = open_file(k, p, "a");
	b = open_file(k, p, "b");
	assert_files(k, p, b, a, false);
	assert_int_equal(kernel_inode(k, 1)->i_size, 2 * PSZ + 1000);
	assert_int_equal(canon(k)->nrpages, 3);
	eof = filemap_get_page(kernel_inode(k, 1)->i_mapping, 2);
	assert_int_equal(folio_nr_owners(eof), 1);
	assert_true(content_range_is(eof->content, 1000, PSZ - 1000, 0));
	finish(k, p);
}

/*
 * The sharing ends (rm b), a is rewritten in place and fsynced, then
 * cloned again: the clone must read the new data, not the canonical page
 * of the old contents of the same blocks.
 */
static void test_rewrite_in_place_drops(void **state)
{
	static const uint64_t w[][3] = { { 0, 4 * PSZ, 0x62 } };
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a, b, c, ref;

	setup_pair(k, p, &a, &b, 4 * PSZ);
	call0(k, p, (struct sys_req){ .kind = SYS_CLOSE, .fd = b });
	call0(k, p, (struct sys_req){ .kind = SYS_UNLINK, .name = "b" });
	assert_int_equal(canon(k)->nrpages, 4);
	sys_xwrite(k, p, a, 0, 4 * PSZ, 0x62);
	call0(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = a });
	assert_int_equal(canon(k)->nrpages, 0);
	c = open_file(k, p, "c");
	clone_(k, p, c, a);
	ref = reference(k, p, "ref", w, 1);
	assert_files(k, p, c, ref, true);
	assert_files(k, p, a, ref, true);
	finish(k, p);
}

/* Freeing the blocks (both files removed) drops their canonical pages. */
static void test_free_drops(void **state)
{
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a, b;

	setup_pair(k, p, &a, &b, 4 * PSZ);
	call0(k, p, (struct sys_req){ .kind = SYS_CLOSE, .fd = a });
	call0(k, p, (struct sys_req){ .kind = SYS_CLOSE, .fd = b });
	call0(k, p, (struct sys_req){ .kind = SYS_UNLINK, .name = "a" });
	assert_int_equal(canon(k)->nrpages, 4);
	call0(k, p, (struct sys_req){ .kind = SYS_UNLINK, .name = "b" });
	assert_int_equal(canon(k)->nrpages, 0);
	assert_int_equal(k->stats.nr_cached, 0);
	finish(k, p);
}

/* A read-only mapping of the source: its pages join, a store COWs. */
static void test_mapped_source(void **state)
{
	static const uint64_t w[][3] = { { 0, 2 * PSZ, 0x61 } };
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a"), b = open_file(k, p, "b"), ref;
	struct sys_res r;

	sys_xwrite(k, p, a, 0, 2 * PSZ, 0x61);
	r = sys_call(k, p, (struct sys_req){ .kind = SYS_MMAP, .fd = a,
		 .len = 2 * PSZ, .flags = SYSF_PROT_READ | SYSF_PROT_WRITE });
	call0(k, p, (struct sys_req){ .kind = SYS_MLOAD, .addr = r.addr,
	      .len = 2 * PSZ });
	clone_(k, p, b, a);
	assert_int_equal(canon(k)->nrpages, 2);
	assert_false(sys_call(k, p, (struct sys_req){ .kind = SYS_MSTORE,
		     .addr = r.addr, .len = 10, .byte = 0x62 }).sigbus);
	assert_int_equal(k->stats.cow_page_copies, 1);
	ref = reference(k, p, "ref", w, 1);
	assert_files(k, p, b, ref, true);
	assert_files(k, p, a, ref, false);
	call0(k, p, (struct sys_req){ .kind = SYS_MUNMAP, .addr = r.addr,
	      .len = 2 * PSZ });
	finish(k, p);
}

/* Faults of the destination map canonical pages; reads stay right. */
static void test_fault_shares(void **state)
{
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a, b;
	struct sys_res r;

	setup_pair(k, p, &a, &b, 2 * PSZ);
	call0(k, p, (struct sys_req){ .kind = SYS_DROP_CACHES });
	r = sys_call(k, p, (struct sys_req){ .kind = SYS_MMAP, .fd = b,
		 .len = 2 * PSZ, .flags = SYSF_PROT_READ });
	call0(k, p, (struct sys_req){ .kind = SYS_MLOAD, .addr = r.addr,
	      .len = 2 * PSZ });
	assert_int_equal(canon(k)->nrpages, 2);
	assert_files(k, p, a, b, true);
	assert_int_equal(k->stats.nr_cached, 2);
	call0(k, p, (struct sys_req){ .kind = SYS_MUNMAP, .addr = r.addr,
	      .len = 2 * PSZ });
	finish(k, p);
}

/* Reclaim under a memory limit drops canonical pages like any other. */
static void test_reclaim(void **state)
{
	struct kernel *k = boot(8 * PSZ);
	struct proc *p = proc_new(k, "t");
	int a, b, c;

	setup_pair(k, p, &a, &b, 32 * PSZ);
	assert_int_equal(k->stats.pages_reclaimed, 0);	/* all hits */
	call0(k, p, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_files(k, p, b, a, true);
	assert_true(k->stats.pages_reclaimed > 0);
	assert_true(k->stats.nr_cached <= 8);
	assert_true(canon(k)->nrpages <= 8);
	c = open_file(k, p, "c");
	clone_(k, p, c, b);
	assert_files(k, p, c, a, true);
	assert_files(k, p, b, c, true);
	finish(k, p);
}

/* Crash and unmount drop the canonical cache; the data survives. */
static void test_crash_and_cycle_mount(void **state)
{
	struct kernel *k = boot(0);
	struct proc *p = proc_new(k, "t");
	int a, b;

	setup_pair(k, p, &a, &b, 4 * PSZ);
	p = remount(k, p);
	assert_int_equal(canon(k)->nrpages, 0);
	a = open_file(k, p, "a");
	b = open_file(k, p, "b");
	assert_files(k, p, a, b, true);
	assert_int_equal(canon(k)->nrpages, 4);
	proc_exit(k, p);
	p = proc_new(k, "t");
	call0(k, p, (struct sys_req){ .kind = SYS_CRASH });
	assert_null(kernel_violation(k));
	assert_int_equal(canon(k)->nrpages, 0);
	a = open_file(k, p, "a");
	b = open_file(k, p, "b");
	assert_files(k, p, a, b, true);
	assert_int_equal(k->stats.nr_cached, 4);
	finish(k, p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clone_reads_share),
		cmocka_unit_test(test_cold_reads_share),
		cmocka_unit_test(test_dedupe_shares),
		cmocka_unit_test(test_write_cows),
		cmocka_unit_test(test_eof_page_private),
		cmocka_unit_test(test_eof_tail_after_crash),
		cmocka_unit_test(test_rewrite_in_place_drops),
		cmocka_unit_test(test_free_drops),
		cmocka_unit_test(test_mapped_source),
		cmocka_unit_test(test_fault_shares),
		cmocka_unit_test(test_reclaim),
		cmocka_unit_test(test_crash_and_cycle_mount),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
