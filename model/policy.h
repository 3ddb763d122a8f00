/* SPDX-License-Identifier: MIT */
/*
 * model/policy.h - sharing designs as operations tables.
 *
 * A policy is a const table of hooks, like address_space_operations: each
 * hook is called at the point where the designs under review differ, and a
 * NULL hook means mainline Linux behaviour.  The registry (model/policy.c)
 * lists every policy by name; `pcsim list-policies` prints it.
 *
 * Hook points (issue 3 fills them in; mainline leaves all NULL):
 *   remap        after blocks were shared by clone/dedupe
 *   read_miss    before a read miss allocates a page
 *   write_begin  before a buffered write dirties a page
 *   page_mkwrite before a write fault makes a PTE writable
 *   writeback    choosing the host/blocks of a dirty page
 *   truncate     before pages of a range are dropped
 *   reclaim      before a page is reclaimed
 *   crash        after log recovery
 */
#ifndef PCSIM_MODEL_POLICY_H
#define PCSIM_MODEL_POLICY_H

#include <stdbool.h>

struct kernel;
struct inode;
struct page;

enum policy_kind {
	POLICY_DESIGN,
	POLICY_MUTANT,
};

/* policy_ops.flags */
enum {
	/* writeback writes a shared dirty page once for all its owners */
	POLICY_ALLHOST_WRITEBACK = 1u << 0,
};

struct policy_ops {
	const char *name;
	enum policy_kind kind;
	unsigned int flags;		/* POLICY_* */
	const char *description;	/* one line: idea and source */
	void (*remap)(struct kernel *k, struct inode *src, struct inode *dst,
		      unsigned long long pos_in, unsigned long long pos_out,
		      unsigned long long len);
	void (*crash)(struct kernel *k);
};

/* The policy called @name, or NULL. */
const struct policy_ops *policy_lookup(const char *name);
/* The @i-th registered policy (registration order), or NULL past the end. */
const struct policy_ops *policy_nth(unsigned int i);

#endif /* PCSIM_MODEL_POLICY_H */
