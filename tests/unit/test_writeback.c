// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_writeback.c - unit tests of writeback's block mapping
 * (model/writeback.c) and of the kernel's teardown (kernel_free()).
 *
 * Scope: the mapping writeback keeps in its context across pages
 * (xfs_imap_valid(): the wpc's cached extent) must answer exactly what a
 * fresh xfs_map_blocks() lookup would, whatever changed the extent maps
 * between two pages of one writeback: a COW fork extent appearing, a punch,
 * a remap of the data fork.  Teardown must free every page, bio and block
 * of a kernel caught in the middle of things (dirty pages, shared pages,
 * bios in flight) and report nothing.
 *
 * Pages are handed to writepage_map() directly, as writeback_locked() does
 * after folio_clear_dirty_for_io(); the gathered ioend is discarded at the
 * end of each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/core.h"
#include "model/policy.h"
#include "tests/unit/sysenv.h"
#include "sim/trace.h"

#define PSZ	4096ULL
#define NPAGES	4

struct env {
	struct kernel *k;
	struct proc *p;
	int fd;
};

static struct env *env_new(const char *policy)
{
	struct kconfig cfg = {
		.page_size = PSZ, .disk_size = 64 << 20,
		.io_latency = 100000, .policy = policy_lookup(policy),
	};
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->k = kernel_new(&cfg);
	e->p = proc_new(e->k, "t");
	return e;
}

static int setup(void **state)
{
	*state = env_new("none");
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	int ret = sys_teardown(e->k, e->p);

	free(e);
	return ret;
}

/* A call that must succeed (tests/unit/sysenv.h makes it). */
static struct sys_res call(struct env *e, struct sys_req req)
{
	struct sys_res res = sys_call(e->k, e->p, req);

	assert_int_equal(res.err, 0);
	return res;
}

static int open_(struct env *e, const char *name)
{
	return sys_xopen(e->k, e->p, name, 0);
}

static void pwrite_(struct env *e, int fd, uint64_t off, uint64_t len,
		    uint8_t byte)
{
	sys_xwrite(e->k, e->p, fd, off, len, byte);
}

static struct inode *ino(struct env *e)
{
	return e->p->files[e->fd]->inode;
}

/*
 * A file of NPAGES pages written and synced (its data fork one written
 * extent), then dirtied again: every page is ready for writeback.
 */
static void file_dirty_over_written(struct env *e)
{
	e->fd = open_(e, "f");
	pwrite_(e, e->fd, 0, NPAGES * PSZ, 'a');
	call(e, (struct sys_req){ .kind = SYS_FSYNC, .fd = e->fd });
	pwrite_(e, e->fd, 0, NPAGES * PSZ, 'b');
}

struct target {
	uint64_t block;
	bool cow, unwritten;
};

/* What a fresh lookup, with no mapping kept, says for @index. */
static struct target fresh_target(struct env *e, pgoff_t index)
{
	struct target t;

	assert_int_equal(xfs_map_blocks(e->k, ino(e), index, &t.block,
					&t.cow, &t.unwritten), 0);
	return t;
}

/* Write back page @index through @wpc: the target its bio got. */
static struct target wb_page(struct env *e, struct iomap_writepage_ctx *wpc,
			     pgoff_t index)
{
	struct page *p = filemap_get_page(ino(e)->i_mapping, index);

	assert_non_null(p);
	assert_true(folio_clear_dirty_for_io(e->k, p));
	writepage_map(e->k, wpc, ino(e), p, index);
	return (struct target){ wpc->tail->block, wpc->tail->cow,
				wpc->tail->unwritten };
}

/* Page @index is written where a fresh lookup says, and @wpc agrees. */
static struct target wb_page_checked(struct env *e,
				     struct iomap_writepage_ctx *wpc,
				     pgoff_t index)
{
	struct target want = fresh_target(e, index);
	struct target got = wb_page(e, wpc, index);

	assert_int_equal(got.block, want.block);
	assert_int_equal(got.cow, want.cow);
	assert_int_equal(got.unwritten, want.unwritten);
	return got;
}

static uint64_t df_block(struct env *e, pgoff_t index)
{
	struct bmap_irec irec;

	bmap_lookup(ino(e)->i_df, index, &irec);
	assert_int_equal(irec.br_state, EXT_WRITTEN);
	return irec.br_startblock;
}

static uint64_t new_block(struct env *e)
{
	uint64_t block;

	assert_int_equal(bdev_alloc(e->k, &block, false), 0);
	return block;
}

/* The mapping found for the first page serves the whole extent. */
static void test_imap_kept_across_pages(void **state)
{
	struct iomap_writepage_ctx wpc = { 0 };
	struct env *e = *state;
	pgoff_t i;

	file_dirty_over_written(e);
	wb_page_checked(e, &wpc, 0);
	assert_ptr_equal(wpc.inode, ino(e));
	assert_false(wpc.cow);
	assert_int_equal(wpc.imap.br_startoff, 0);
	assert_int_equal(wpc.imap.br_blockcount, NPAGES);
	for (i = 1; i < NPAGES; i++)
		assert_int_equal(wb_page_checked(e, &wpc, i).block,
				 df_block(e, i));
	assert_int_equal(wpc.ioend->io_count, NPAGES);	/* one run */
	iomap_discard_ioend(e->k, &wpc);
	assert_null(wpc.inode);
}

/* A COW fork extent staged between two pages takes the second one. */
static void test_imap_sees_new_cow_extent(void **state)
{
	struct iomap_writepage_ctx wpc = { 0 };
	struct env *e = *state;
	struct target t;
	uint64_t cow;

	file_dirty_over_written(e);
	wb_page_checked(e, &wpc, 0);
	cow = new_block(e);
	bmap_set(ino(e)->i_cowfp, 1, 1, EXT_UNWRITTEN, cow);
	t = wb_page_checked(e, &wpc, 1);
	assert_true(t.cow);
	assert_int_equal(t.block, cow);
	assert_true(wpc.cow);
	t = wb_page_checked(e, &wpc, 2);	/* past it: the data fork */
	assert_false(t.cow);
	assert_int_equal(t.block, df_block(e, 2));
	iomap_discard_ioend(e->k, &wpc);
}

/* A punch between two pages: the second gets a new block, not the old. */
static void test_imap_sees_punch(void **state)
{
	struct iomap_writepage_ctx wpc = { 0 };
	struct env *e = *state;
	uint64_t old;
	struct target t;

	file_dirty_over_written(e);
	old = df_block(e, 1);
	wb_page_checked(e, &wpc, 0);
	inode_free_blocks(e->k, ino(e), ino(e)->i_df, 1, 1);
	t = wb_page(e, &wpc, 1);	/* allocates: no fresh lookup first */
	assert_int_not_equal(t.block, old);
	assert_int_equal(t.block, df_block(e, 1));
	assert_false(t.cow);
	wb_page_checked(e, &wpc, 2);
	iomap_discard_ioend(e->k, &wpc);
}

/* The data fork remapped further on: the page there follows it. */
static void test_imap_sees_remap(void **state)
{
	struct iomap_writepage_ctx wpc = { 0 };
	struct env *e = *state;
	uint64_t moved;

	file_dirty_over_written(e);
	wb_page_checked(e, &wpc, 0);
	wb_page_checked(e, &wpc, 1);
	moved = new_block(e);
	inode_free_blocks(e->k, ino(e), ino(e)->i_df, 2, 1);
	bmap_set(ino(e)->i_df, 2, 1, EXT_WRITTEN, moved);
	assert_int_equal(wb_page_checked(e, &wpc, 2).block, moved);
	wb_page_checked(e, &wpc, 3);
	iomap_discard_ioend(e->k, &wpc);
}

/* A data fork mapping ends where the COW fork maps something. */
static void test_imap_trimmed_at_cow_extent(void **state)
{
	struct iomap_writepage_ctx wpc = { 0 };
	struct env *e = *state;
	pgoff_t i;

	file_dirty_over_written(e);
	bmap_set(ino(e)->i_cowfp, 2, 1, EXT_UNWRITTEN, new_block(e));
	wb_page_checked(e, &wpc, 0);
	assert_false(wpc.cow);
	assert_int_equal(wpc.imap.br_blockcount, 2);
	for (i = 1; i < NPAGES; i++)
		assert_int_equal(wb_page_checked(e, &wpc, i).cow, i == 2);
	iomap_discard_ioend(e->k, &wpc);
}

/* Another inode's page never uses the mapping kept for the first. */
static void test_imap_per_inode(void **state)
{
	struct iomap_writepage_ctx wpc = { 0 };
	struct env *e = *state;
	int first;

	file_dirty_over_written(e);
	first = e->fd;
	wb_page_checked(e, &wpc, 0);
	e->fd = open_(e, "g");
	pwrite_(e, e->fd, 0, PSZ, 'c');
	call(e, (struct sys_req){ .kind = SYS_FSYNC, .fd = e->fd });
	pwrite_(e, e->fd, 0, PSZ, 'd');
	wb_page_checked(e, &wpc, 0);
	assert_ptr_equal(wpc.inode, ino(e));
	e->fd = first;
	wb_page_checked(e, &wpc, 1);
	iomap_discard_ioend(e->k, &wpc);
}

/* ---- teardown */

static void count_violation(void *ctx, const struct trace_event *ev)
{
	if (ev->kind == TR_VIOLATION)
		(*(int *)ctx)++;
}

/* Step @e's submitted call until bios are in flight (or it returned). */
static void step_until_io(struct env *e)
{
	struct sys_res res;
	int n;

	for (n = 0; n < 1000 && !kernel_done(e->p, &res); n++) {
		if (e->k->nr_bios)
			return;
		assert_int_equal(kernel_step(e->k, e->p), 0);
	}
	fail_msg("no bio in flight");
}

/*
 * kernel_free() of a kernel in the middle of things under @policy: clean,
 * dirty and shared pages, writeback bios in flight (the process that
 * started them is gone).  Nothing is reported, and valgrind sees nothing
 * leak.
 */
static void teardown_busy_kernel(const char *policy)
{
	struct tracer tr = { count_violation, NULL };
	struct env *e = env_new(policy);
	int violations = 0, clone;
	uint64_t addr;

	tr.ctx = &violations;
	kernel_set_tracer(e->k, &tr);
	e->fd = open_(e, "f");
	pwrite_(e, e->fd, 0, 8 * PSZ, 'a');
	call(e, (struct sys_req){ .kind = SYS_FSYNC, .fd = e->fd });
	clone = open_(e, "c");
	call(e, (struct sys_req){ .kind = SYS_CLONE, .fd = clone,
				  .fd2 = e->fd });
	pwrite_(e, clone, PSZ, PSZ, 'b');
	addr = call(e, (struct sys_req){ .kind = SYS_MMAP, .fd = e->fd,
			.len = 8 * PSZ,
			.flags = SYSF_PROT_READ | SYSF_PROT_WRITE }).addr;
	call(e, (struct sys_req){ .kind = SYS_MSTORE, .addr = addr + PSZ,
				  .len = 2 * PSZ, .byte = 'm' });
	pwrite_(e, e->fd, 16 * PSZ, 4 * PSZ, 'c');
	kernel_submit(e->k, e->p, &(struct sys_req){ .kind = SYS_SYNC });
	step_until_io(e);
	proc_exit(e->k, e->p);		/* the sync is aborted */
	assert_null(kernel_violation(e->k));
	assert_true(e->k->nr_bios > 0);
	kernel_free(e->k);
	assert_int_equal(violations, 0);
	free(e);
}

static void test_teardown_mainline(void **state)
{
	(void)state;
	teardown_busy_kernel("none");
}

static void test_teardown_shared_pages(void **state)
{
	(void)state;
	teardown_busy_kernel("share-clean");
	teardown_busy_kernel("share-dirty-allhosts");
	teardown_busy_kernel("shared-mapping");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_imap_kept_across_pages),
		T(test_imap_sees_new_cow_extent),
		T(test_imap_sees_punch),
		T(test_imap_sees_remap),
		T(test_imap_trimmed_at_cow_extent),
		T(test_imap_per_inode),
		cmocka_unit_test(test_teardown_mainline),
		cmocka_unit_test(test_teardown_shared_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
