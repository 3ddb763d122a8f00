// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_policy_shared_mapping.c - the shared-mapping design:
 * identical files share one address_space until the first divergence.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/sysenv.h"

#include "model/core.h"
#include "model/policy.h"

#define PG 4096

struct env {
	struct kernel *k;
	struct proc *p;
	int fa, fb;
	struct inode *a, *b;
};

static struct sys_res call(struct env *e, struct sys_req req)
{
	return sys_call(e->k, e->p, req);
}

static int xopen(struct env *e, const char *name, unsigned int flags)
{
	return sys_xopen(e->k, e->p, name, flags);
}

static void xwrite(struct env *e, int fd, uint64_t off, uint64_t len,
		   uint8_t byte)
{
	sys_xwrite(e->k, e->p, fd, off, len, byte);
}

static void xread(struct env *e, int fd, uint64_t len)
{
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_PREAD,
			 .fd = fd, .len = len }).done, len);
}

/* a: 4 pages of 0x61, fsynced and read; b: cp --reflink=always of a. */
static struct env *env_new(void)
{
	struct kconfig cfg = { .page_size = PG, .disk_size = 16 << 20,
			       .io_latency = 1000,
			       .policy = policy_lookup("shared-mapping") };
	struct env *e = calloc(1, sizeof(*e));

	e->k = kernel_new(&cfg);
	e->p = proc_new(e->k, "t");
	e->fa = xopen(e, "a", 0);
	xwrite(e, e->fa, 0, 4 * PG, 0x61);
	call(e, (struct sys_req){ .kind = SYS_FSYNC, .fd = e->fa });
	xread(e, e->fa, 4 * PG);
	e->fb = xopen(e, "b", SYSF_TRUNC);
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_CLONE,
			 .fd = e->fb, .fd2 = e->fa, .flags = SYSF_WHOLE }).err,
			 0);
	e->a = kernel_inode(e->k, 1);
	e->b = kernel_inode(e->k, 2);
	return e;
}

static void env_free(struct env *e)
{
	assert_null(kernel_violation(e->k));
	proc_exit(e->k, e->p);
	assert_int_equal(kernel_check_final(e->k), 0);
	kernel_free(e->k);
	free(e);
}

static void test_identical_files_share_one_mapping(void **state)
{
	struct env *e = env_new();

	assert_ptr_equal(e->a->i_mapping, e->b->i_mapping);
	assert_ptr_not_equal(e->a->i_mapping, &e->a->i_data);
	assert_int_equal(e->a->i_mapping->nr_users, 2);
	assert_ptr_equal(e->a->i_mapping->host, e->a);
	xread(e, e->fb, 4 * PG);		/* hits a's pages */
	assert_int_equal(e->k->stats.nr_cached, 4);
	assert_int_equal(e->k->stats.read_ios, 0);
	env_free(e);
}

static void test_write_clones_the_mapping(void **state)
{
	struct env *e = env_new();

	xwrite(e, e->fb, 100, 10, 0x62);
	assert_ptr_equal(e->b->i_mapping, &e->b->i_data);
	assert_int_equal(e->b->i_data.nrpages, 4);	/* adopted, not read */
	assert_int_equal(e->k->stats.nr_cached, 5);	/* one COW copy */
	assert_int_equal(e->k->stats.cow_page_copies, 1);
	assert_int_equal(e->a->i_mapping->nr_users, 1);
	call(e, (struct sys_req){ .kind = SYS_CYCLE_MOUNT });
	env_free(e);
}

static void test_store_through_shared_vma_unshares(void **state)
{
	struct env *e = env_new();
	struct sys_res r = call(e, (struct sys_req){ .kind = SYS_MMAP,
		.fd = e->fb, .len = 4 * PG,
		.flags = SYSF_PROT_READ | SYSF_PROT_WRITE });
	struct vm_area_struct *vma = find_vma(e->p->mm, r.addr);

	assert_ptr_equal(vma->mapping, e->a->i_mapping);
	call(e, (struct sys_req){ .kind = SYS_MLOAD, .addr = r.addr,
	     .len = 4 * PG });
	r = call(e, (struct sys_req){ .kind = SYS_MSTORE, .addr = r.addr,
		 .len = 10, .byte = 0x63 });
	assert_false(r.sigbus);
	assert_ptr_equal(vma->mapping, &e->b->i_data);	/* moved */
	assert_true(itree_empty(&e->a->i_mapping->i_mmap));
	env_free(e);
}

static void test_host_leaves_by_truncate(void **state)
{
	struct env *e = env_new();
	struct address_space *m = e->b->i_mapping;

	call(e, (struct sys_req){ .kind = SYS_FTRUNCATE, .fd = e->fa,
	     .off = PG });
	assert_ptr_equal(e->a->i_mapping, &e->a->i_data);
	assert_ptr_equal(m->host, e->b);	/* rehosted */
	assert_int_equal(e->b->i_size, 4 * PG);
	xread(e, e->fb, 4 * PG);
	env_free(e);
}

static void test_unlink_and_crash(void **state)
{
	struct env *e = env_new();

	call(e, (struct sys_req){ .kind = SYS_CLOSE, .fd = e->fa });
	call(e, (struct sys_req){ .kind = SYS_UNLINK, .name = "a" });
	assert_true(e->a->evicted);
	xread(e, e->fb, 4 * PG);
	call(e, (struct sys_req){ .kind = SYS_CLOSE, .fd = e->fb });
	call(e, (struct sys_req){ .kind = SYS_CRASH });
	assert_ptr_equal(e->b->i_mapping, &e->b->i_data);
	assert_int_equal(e->k->stats.nr_cached, 0);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_files_share_one_mapping),
		cmocka_unit_test(test_write_clones_the_mapping),
		cmocka_unit_test(test_store_through_shared_vma_unshares),
		cmocka_unit_test(test_host_leaves_by_truncate),
		cmocka_unit_test(test_unlink_and_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
