// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_bdev.c - unit tests of the block device and its free-space
 * accounting (model/bdev.c).
 *
 * Scope: the next-fit allocator and its determinism, block reference counts,
 * busy blocks (freed, not reusable until a log force), the log force an
 * allocation does when only busy blocks are left, delalloc reservations and
 * ENOSPC, directly and through buffered pwrite(2) on a 16-block disk.
 *
 * The direct tests call bdev_* on a booted kernel and never enter a system
 * call afterwards: their blocks have no extent references, which the
 * end-of-syscall refcount check would rightly report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model/core.h"
#include "model/policy.h"

#define NBLOCKS	16

static struct kernel *boot(uint64_t nblocks)
{
	struct kconfig cfg = {
		.page_size = 4096, .disk_size = nblocks * 4096,
		.io_latency = 100000, .policy = policy_lookup("none"),
	};
	return kernel_new(&cfg);
}

static void assert_counts(struct kernel *k, uint64_t nfree, uint64_t nbusy,
			  uint64_t reserved)
{
	assert_int_equal(k->bdev.nfree, nfree);
	assert_int_equal(k->bdev.nbusy, nbusy);
	assert_int_equal(k->bdev.reserved, reserved);
}

static void assert_block(struct kernel *k, uint64_t block,
			 enum block_state state, uint32_t refcount)
{
	assert_int_equal(k->bdev.blocks[block].state, state);
	assert_int_equal(k->bdev.blocks[block].refcount, refcount);
}

/* bdev_alloc must succeed and return @want. */
static void alloc_expect(struct kernel *k, bool reserved, uint64_t want)
{
	uint64_t block = UINT64_MAX;

	assert_int_equal(bdev_alloc(k, &block, reserved), 0);
	assert_int_equal(block, want);
	assert_block(k, block, BLK_USED, 1);
}

static void alloc_enospc(struct kernel *k, bool reserved)
{
	uint64_t block = UINT64_MAX;

	assert_int_equal(bdev_alloc(k, &block, reserved), -ENOSPC);
	assert_int_equal(block, UINT64_MAX);
}

static void test_init(void **state)
{
	struct kernel *k = boot(NBLOCKS);
	uint64_t i;

	assert_int_equal(k->bdev.nblocks, NBLOCKS);
	assert_counts(k, NBLOCKS, 0, 0);
	for (i = 0; i < NBLOCKS; i++) {
		assert_block(k, i, BLK_FREE, 0);
		assert_ptr_equal(bdev_read(k, i), content_zero(k->pool));
	}
	kernel_free(k);
}

/*
 * Next fit: allocation resumes after the last block handed out, even when a
 * lower block was freed meanwhile, and wraps at the end of the disk.  Block 4
 * is allocated, freed and logged, then handed out again only after the wrap;
 * got[4] is overwritten by the second loop.
 */
static const uint64_t next_fit_order[] = {
	0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 4,
};

static void run_next_fit(struct kernel *k, uint64_t *got)
{
	uint64_t i;

	for (i = 0; i < 5; i++)
		assert_int_equal(bdev_alloc(k, &got[i], false), 0);
	bdev_put(k, 4);			/* frees block 4 ... */
	bdev_log_force(k);		/* ... for good */
	for (i = 4; i < NBLOCKS; i++)
		assert_int_equal(bdev_alloc(k, &got[i], false), 0);
}

static void test_next_fit_deterministic(void **state)
{
	uint64_t got[2][NBLOCKS];
	int run;

	for (run = 0; run < 2; run++) {
		struct kernel *k = boot(NBLOCKS);

		run_next_fit(k, got[run]);
		assert_memory_equal(got[run], next_fit_order,
				    sizeof(next_fit_order));
		assert_counts(k, 0, 0, 0);
		alloc_enospc(k, false);
		kernel_free(k);
	}
	assert_memory_equal(got[0], got[1], sizeof(got[0]));
}

static void test_refcounts(void **state)
{
	struct kernel *k = boot(NBLOCKS);

	alloc_expect(k, false, 0);
	bdev_get(k, 0);
	bdev_get(k, 0);
	assert_block(k, 0, BLK_USED, 3);
	bdev_put(k, 0);
	bdev_put(k, 0);
	assert_block(k, 0, BLK_USED, 1);
	assert_counts(k, NBLOCKS - 1, 0, 0);
	bdev_put(k, 0);			/* last reference */
	assert_block(k, 0, BLK_BUSY, 0);
	assert_counts(k, NBLOCKS - 1, 1, 0);
	assert_int_equal(k->bdev.busy->len, 1);
	assert_int_equal(g_array_index(k->bdev.busy, uint64_t, 0), 0);
	assert_null(kernel_violation(k));
	kernel_free(k);
}

/* A reference to, or a put of, a block that is not in use is a violation. */
static void test_refcount_misuse(void **state)
{
	static void (*const ops[])(struct kernel *, uint64_t) = {
		bdev_get, bdev_put,
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct kernel *k = boot(NBLOCKS);

		ops[i](k, 3);
		assert_non_null(kernel_violation(k));
		assert_non_null(strstr(kernel_violation(k), "refcounts"));
		kernel_free(k);
	}
}

/*
 * A block's refcount field holds BLOCK_REFCOUNT_MAX references: one more
 * stops the run cleanly (a violation naming pcsim's limit), leaving the
 * count where it was.
 */
static void test_refcount_limit(void **state)
{
	struct kernel *k = boot(NBLOCKS);
	struct block *blk = &k->bdev.blocks[3];

	(void)state;
	blk->state = BLK_USED;
	blk->refcount = BLOCK_REFCOUNT_MAX - 1;
	bdev_get(k, 3);
	assert_null(kernel_violation(k));
	assert_int_equal(blk->refcount, BLOCK_REFCOUNT_MAX);
	bdev_get(k, 3);
	assert_non_null(strstr(kernel_violation(k), "pcsim's limit"));
	assert_int_equal(blk->refcount, BLOCK_REFCOUNT_MAX);
	blk->refcount = 0;
	blk->state = BLK_FREE;
	kernel_free(k);
}

/* Busy blocks are not reused until a log force, by either entry point. */
static void (*const log_forces[])(struct kernel *) = {
	bdev_log_force, xfs_log_force,
};

static void test_busy_until_log_force(void **state)
{
	size_t i;
	uint64_t n;

	for (i = 0; i < sizeof(log_forces) / sizeof(log_forces[0]); i++) {
		struct kernel *k = boot(NBLOCKS);

		for (n = 0; n < NBLOCKS; n++)
			alloc_expect(k, false, n);
		bdev_put(k, 7);
		bdev_put(k, 2);
		assert_counts(k, 0, 2, 0);
		log_forces[i](k);
		assert_counts(k, 2, 0, 0);
		assert_block(k, 2, BLK_FREE, 0);
		assert_block(k, 7, BLK_FREE, 0);
		assert_int_equal(k->bdev.busy->len, 0);
		alloc_expect(k, false, 2);	/* cursor wrapped to 0 */
		alloc_expect(k, false, 7);
		kernel_free(k);
	}
}

static void test_busy_not_reused(void **state)
{
	struct kernel *k = boot(NBLOCKS);
	uint64_t n;

	alloc_expect(k, false, 0);
	alloc_expect(k, false, 1);
	bdev_put(k, 0);
	bdev_put(k, 1);
	/* The whole disk goes round once without touching 0 and 1. */
	for (n = 2; n < NBLOCKS; n++)
		alloc_expect(k, false, n);
	assert_block(k, 0, BLK_BUSY, 0);
	assert_block(k, 1, BLK_BUSY, 0);
	assert_counts(k, 0, 2, 0);
	kernel_free(k);
}

/*
 * With only busy blocks left, bdev_alloc forces the log
 * (xfs_extent_busy_flush): the busy blocks become free, and every dirty
 * inode is persisted as by any log force.
 */
static void test_alloc_forces_log(void **state)
{
	struct kernel *k = boot(4);
	struct inode *inode = inode_new(k);
	uint64_t n;

	for (n = 0; n < 4; n++)
		alloc_expect(k, false, n);
	bdev_put(k, 1);
	bdev_put(k, 3);
	assert_counts(k, 0, 2, 0);
	assert_true(inode->log_dirty);
	assert_false(inode->p_exists);
	alloc_expect(k, false, 1);
	assert_counts(k, 1, 0, 0);		/* 3 is free now, too */
	assert_block(k, 3, BLK_FREE, 0);
	assert_false(inode->log_dirty);
	assert_true(inode->p_exists);
	alloc_expect(k, false, 3);
	alloc_enospc(k, false);
	kernel_free(k);
}

/* Reservations: backed by free and busy blocks, consumed by allocation. */
static void test_reserve(void **state)
{
	struct kernel *k = boot(NBLOCKS);

	assert_int_equal(bdev_reserve(k, 10), 0);
	assert_int_equal(bdev_reserve(k, 7), -ENOSPC);
	assert_counts(k, NBLOCKS, 0, 10);	/* a failure reserves nothing */
	assert_int_equal(bdev_reserve(k, 6), 0);
	assert_counts(k, NBLOCKS, 0, NBLOCKS);
	assert_int_equal(bdev_reserve(k, 1), -ENOSPC);
	alloc_enospc(k, false);			/* all of it is promised */
	alloc_expect(k, true, 0);		/* a reserved allocation */
	assert_counts(k, NBLOCKS - 1, 0, NBLOCKS - 1);
	bdev_unreserve(k, 5);
	assert_counts(k, NBLOCKS - 1, 0, NBLOCKS - 6);
	alloc_expect(k, false, 1);
	bdev_unreserve(k, 100);			/* clamps at zero */
	assert_counts(k, NBLOCKS - 2, 0, 0);
	kernel_free(k);
}

static void test_reserve_counts_busy(void **state)
{
	struct kernel *k = boot(4);
	uint64_t n;

	for (n = 0; n < 4; n++)
		alloc_expect(k, false, n);
	for (n = 0; n < 4; n++)
		bdev_put(k, n);
	assert_counts(k, 0, 4, 0);
	assert_int_equal(bdev_reserve(k, 4), 0);
	assert_int_equal(bdev_reserve(k, 1), -ENOSPC);
	for (n = 0; n < 4; n++)
		alloc_expect(k, true, n);
	assert_counts(k, 0, 0, 0);
	kernel_free(k);
}

/* ---- ENOSPC through pwrite(2) on a 16-block disk */

static struct sys_res call(struct kernel *k, struct proc *p,
			   struct sys_req req)
{
	struct sys_res res;

	assert_int_equal(kernel_syscall(k, p, &req, &res), 0);
	return res;
}

static struct sys_res pwrite_(struct kernel *k, struct proc *p, int fd,
			      uint64_t off, uint64_t len)
{
	return call(k, p, (struct sys_req){ .kind = SYS_PWRITE, .fd = fd,
		    .off = off, .len = len, .byte = 0x61 });
}

static int open_file(struct kernel *k, struct proc *p, const char *name)
{
	struct sys_res r = call(k, p, (struct sys_req){ .kind = SYS_OPEN,
		.name = name, .flags = SYSF_CREAT });

	assert_int_equal(r.err, 0);
	return r.fd;
}

static void test_pwrite_enospc(void **state)
{
	struct kernel *k = boot(NBLOCKS);
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a"), b = open_file(k, p, "b");
	uint64_t disk = NBLOCKS * 4096;
	struct sys_res r;

	/*
	 * Needs 20 blocks in one iteration: XFS reserves them at once, so
	 * the write fails whole (a short write of 16 blocks was the model's
	 * page-by-page reservation, not XFS).
	 */
	r = pwrite_(k, p, a, 0, disk + 4 * 4096);
	assert_int_equal(r.err, ENOSPC);
	assert_int_equal(r.done, 0);
	assert_int_equal(p->files[a]->inode->i_size, 0);
	assert_counts(k, NBLOCKS, 0, 0);
	/* All 16 fit. */
	r = pwrite_(k, p, a, 0, disk);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.done, disk);
	assert_int_equal(p->files[a]->inode->i_size, disk);
	assert_counts(k, NBLOCKS, 0, NBLOCKS);
	/* Nothing left: the next write to a hole fails outright. */
	r = pwrite_(k, p, b, 0, 4096);
	assert_int_equal(r.err, ENOSPC);
	assert_int_equal(r.done, 0);
	assert_int_equal(p->files[b]->inode->i_size, 0);
	/* Writeback turns every reservation into a block. */
	r = call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = a });
	assert_int_equal(r.err, 0);
	assert_counts(k, 0, 0, 0);
	/* Overwriting allocated blocks needs no new space. */
	r = pwrite_(k, p, a, 0, disk);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.done, disk);
	r = pwrite_(k, p, b, 0, 1);
	assert_int_equal(r.err, ENOSPC);
	assert_null(kernel_violation(k));
	proc_exit(k, p);
	kernel_free(k);
}

/*
 * An iteration maps at most 1024 pages: a write of 2048 pages with room
 * for 1536 writes the first 1024 and fails the second iteration, a short
 * write (XFS on 6.18: an 8 MiB pwrite with 6 MiB free writes 4 MiB).
 * Over written blocks and a hole, the written extent is one iteration and
 * the hole the next: the write stops at the hole.
 */
static void test_pwrite_enospc_per_iteration(void **state)
{
	struct kernel *k = boot(1536);
	struct proc *p = proc_new(k, "t");
	int a = open_file(k, p, "a"), b = open_file(k, p, "b");
	struct sys_res r;

	r = pwrite_(k, p, a, 0, 2048 * 4096ULL);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.done, 1024 * 4096ULL);
	assert_counts(k, 1536, 0, 1024);
	r = call(k, p, (struct sys_req){ .kind = SYS_FSYNC, .fd = a });
	assert_int_equal(r.err, 0);
	assert_counts(k, 512, 0, 0);
	r = pwrite_(k, p, b, 0, 256 * 4096ULL);		/* b: 256 blocks */
	assert_int_equal(r.done, 256 * 4096ULL);
	r = pwrite_(k, p, b, 0, 512 * 4096ULL);	/* 256 more: 256 free */
	assert_int_equal(r.done, 512 * 4096ULL);
	r = pwrite_(k, p, b, 0, 640 * 4096ULL);	/* 128 more: none free */
	assert_int_equal(r.err, 0);
	assert_int_equal(r.done, 512 * 4096ULL);
	assert_null(kernel_violation(k));
	proc_exit(k, p);
	kernel_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_next_fit_deterministic),
		cmocka_unit_test(test_refcounts),
		cmocka_unit_test(test_refcount_misuse),
		cmocka_unit_test(test_refcount_limit),
		cmocka_unit_test(test_busy_until_log_force),
		cmocka_unit_test(test_busy_not_reused),
		cmocka_unit_test(test_alloc_forces_log),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_reserve_counts_busy),
		cmocka_unit_test(test_pwrite_enospc),
		cmocka_unit_test(test_pwrite_enospc_per_iteration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
