// SPDX-License-Identifier: MIT
/*
 * model/policy/dax.c - every file is DAX: no page cache; PTEs map the
 * blocks' pfns (fs/dax.c), and a shared pfn carries a share count (the
 * number of DAX entries referring to it, page->share in Shiyang Ruan's
 * fsdax reflink series).  A write fault on a shared block COWs the block
 * first, under the DAX entry lock; write(2) copies around and remaps too.
 * Jan Kara in the 2017 thread: "the same pfn will be underlying off1 of A
 * and off2 of B ... you have to make sure you COW before you start
 * modifying the data".  The data path is model/dax.c.
 *
 * What it saves: the whole page cache - data lives once, on pmem, however
 * many files share it.  What it costs: every write to shared data copies a
 * block at once (no deferral to writeback), and a writable mapping can never
 * be shared.
 */
#include "model/core.h"
#include "model/policy.h"

const struct policy_ops policy_dax = {
	.name = "dax",
	.kind = POLICY_DESIGN,
	.flags = POLICY_DAX,
	.description = "no page cache: PTEs map block pfns, shared pfns carry "
		       "a share count, write faults COW shared blocks first "
		       "(fs/dax.c; Ruan's fsdax reflink; Kara 2017-01)",
};

const struct policy_ops policy_dax_nocow = {
	.name = "dax-nocow",
	.kind = POLICY_MUTANT,
	.flags = POLICY_DAX | POLICY_DAX_NO_COW,
	.description = "DAX whose write fault maps a shared block's pfn "
		       "writable without COW (caught: dax-entry)",
};
