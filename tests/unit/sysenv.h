/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/sysenv.h - system calls for tests that drive a booted kernel.
 *
 * Each helper makes one call through kernel_syscall() and asserts what every
 * caller expects of it (no violation; open and write succeed in full), so a
 * test reads as the scenario it plays.  Include after <cmocka.h>.
 */
#ifndef PCSIM_TESTS_SYSENV_H
#define PCSIM_TESTS_SYSENV_H

#include "model/sys.h"

/* One call; no invariant violation may stop it. */
static inline struct sys_res sys_call(struct kernel *k, struct proc *p,
				      struct sys_req req)
{
	struct sys_res res;

	assert_int_equal(kernel_syscall(k, p, &req, &res), 0);
	return res;
}

/* open(@name, O_CREAT | @flags), which must succeed.  Return: the fd. */
static inline int sys_xopen(struct kernel *k, struct proc *p,
			    const char *name, unsigned int flags)
{
	struct sys_res r = sys_call(k, p, (struct sys_req){ .kind = SYS_OPEN,
				    .name = name, .flags = SYSF_CREAT | flags });

	assert_int_equal(r.err, 0);
	return r.fd;
}

/* pwrite of @len bytes of @byte at @off, which must write them all. */
static inline void sys_xwrite(struct kernel *k, struct proc *p, int fd,
			      uint64_t off, uint64_t len, uint8_t byte)
{
	struct sys_res r = sys_call(k, p, (struct sys_req){
		.kind = SYS_PWRITE, .fd = fd, .off = off, .len = len,
		.byte = byte });

	assert_int_equal(r.err, 0);
	assert_int_equal(r.done, len);
}

/*
 * End a test's kernel: its process exits and the kernel is freed.
 * Return: -1 (after printing it) if the kernel reported a violation, for a
 * cmocka teardown to fail the test; else 0.
 */
static inline int sys_teardown(struct kernel *k, struct proc *p)
{
	const char *v = kernel_violation(k);
	int ret = 0;

	if (v) {
		print_error("violation: %s\n", v);
		ret = -1;
	}
	proc_exit(k, p);
	kernel_free(k);
	return ret;
}

#endif /* PCSIM_TESTS_SYSENV_H */
