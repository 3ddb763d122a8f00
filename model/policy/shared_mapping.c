// SPDX-License-Identifier: MIT
/*
 * model/policy/shared_mapping.c - identical files share one address_space
 * (Miklos Szeredi in the 2017 thread: "is it maybe enough to share mappings
 * between files while they are completely identical and clone the mapping
 * when necessary?").
 *
 * A whole-file clone that leaves the destination identical to the source
 * (cp --reflink, FICLONE, or a range clone from 0 to the source's EOF onto a
 * destination of the same size) makes the destination's i_mapping the
 * source's: one i_pages, one i_mmap, one set of pages for both files
 * (mapping_share, model/share.c).  mapping->host stays the source: Kara's
 * question "how would the page->mapping->host indirection work?" is
 * answered by never letting a shared mapping hold dirty data - the first
 * change of either file's data or size (write, write fault, truncate,
 * fallocate, being a clone or dedupe destination, direct write) clones the
 * mapping for that file (mapping_unshare): the file gets its own i_data whose
 * slots own the same pages, and from then on the per-page copy-before-store
 * of the core applies.
 *
 * What it saves: every page and every i_pages slot of the identical files
 * (one radix tree for all), with no per-page bookkeeping while they stay
 * identical.  What it costs: all-or-nothing - one write anywhere in a 1 GiB
 * file clones the whole mapping (every page gains a second owner); and
 * while shared, one i_mmap holds the VMAs of every file, so an unmap of one
 * file's range would reach the others' VMAs (nothing does that here, since
 * every such operation unshares first).
 */
#include "model/core.h"
#include "model/policy.h"
#include "model/remap.h"

/* Did the remap leave the destination byte-for-byte the source's twin? */
static bool remap_made_twin(const struct remap_locals *l)
{
	const struct inode *src = l->src->inode, *dst = l->dst->inode;

	return !(l->remap_flags & REMAP_FILE_DEDUP) &&
	       src != dst && !l->pos_in && !l->pos_out &&
	       l->len == src->i_size && dst->i_size == src->i_size;
}

static void shared_mapping_remap(struct kernel *k, struct remap_locals *l)
{
	if (remap_made_twin(l) && mapping_share(k, l->src->inode,
						l->dst->inode))
		trace_step(k, "inode %llu shares the mapping of inode %llu",
			   (unsigned long long)l->dst->inode->i_ino,
			   (unsigned long long)l->src->inode->i_ino);
}

const struct policy_ops policy_shared_mapping = {
	.name = "shared-mapping",
	.kind = POLICY_DESIGN,
	.description = "identical files share one address_space; the mapping "
		       "is cloned at the first divergence (Szeredi, "
		       "linux-fsdevel 2017-01)",
	.remap = shared_mapping_remap,
};
