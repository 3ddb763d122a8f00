// SPDX-License-Identifier: MIT
/*
 * model/policy/writeback_in_place.c - mutant of mainline: writeback ignores
 * the COW fork and writes to whatever the data fork maps, so a page of a
 * reflinked file is written into the block the other file still shares
 * (the bug xfs_map_blocks' COW fork lookup exists to prevent).
 * Caught by cow-before-write at bio submission.
 */
#include "model/core.h"
#include "model/policy.h"

static int map_blocks_data_fork_only(struct kernel *k, struct inode *inode,
				     uint64_t index, uint64_t *blockp,
				     bool *cowp, bool *unwrittenp)
{
	struct bmap_irec irec;

	bmap_lookup(inode->i_df, index, &irec);
	if (irec.br_state != EXT_WRITTEN)
		return xfs_map_blocks(k, inode, index, blockp, cowp,
				      unwrittenp);
	*cowp = *unwrittenp = false;
	*blockp = irec.br_startblock;
	return 0;
}

const struct policy_ops policy_writeback_in_place = {
	.name = "writeback-in-place",
	.kind = POLICY_MUTANT,
	.description = "mainline whose writeback skips the COW fork and writes "
		       "a reflinked file's page into the shared block (caught: "
		       "cow-before-write)",
	.map_blocks = map_blocks_data_fork_only,
};
