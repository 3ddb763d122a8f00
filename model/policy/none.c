// SPDX-License-Identifier: MIT
/*
 * model/policy/none.c - mainline Linux with XFS reflink: no page is ever
 * shared between inodes.  Clone flushes the source and destination ranges
 * and invalidates the destination's pages (fs/remap_range.c,
 * xfs_reflink_remap_prep); every hook is NULL.
 */
#include "model/policy.h"

const struct policy_ops policy_none = {
	.name = "none",
	.kind = POLICY_DESIGN,
	.description = "mainline: clone flushes both ranges and invalidates "
		       "the destination; no page shared between inodes "
		       "(fs/remap_range.c, xfs_reflink_remap_prep)",
};

/*
 * Mutant: clone takes the two inodes' locks source first instead of in a
 * fixed order, so clone(a -> b) racing clone(b -> a) can deadlock (caught:
 * deadlock, with the waits-for cycle named).
 */
const struct policy_ops policy_clone_lock_src_first = {
	.name = "clone-lock-src-first",
	.kind = POLICY_MUTANT,
	.flags = POLICY_REMAP_SRC_FIRST,
	.description = "mainline whose clone locks the source inode first, "
		       "not in i_ino order: opposite clones deadlock (caught: "
		       "deadlock)",
};
