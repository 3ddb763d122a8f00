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
