/* SPDX-License-Identifier: MIT */
/*
 * sim/extents.h - the end-of-run state of each file, normalised for
 * comparison with the real kernel (`pcsim run --extents-out PATH`,
 * scripts/kernel-diff).
 *
 * Scope: formatting only; the state comes from the model's FIEMAP and
 * mincore queries (model/sys.h, kernel_fiemap(), kernel_mincore()).  The
 * format is what scripts/kernel-diff makes of `xfs_io -c "fiemap -v"`,
 * `xfs_io -c mincore` and stat(1) on a real filesystem, three lines per
 * file, files in strcmp order of their names:
 *
 *   NAME size BYTES
 *   NAME extents RUN...     data fork blocks below EOF, holes left out
 *   NAME cached RUN...      page indices below EOF that the cache holds
 *
 * A RUN is FIRST or FIRST-LAST (inclusive), in blocks (= pages), then for
 * extents a colon and a kind: `d` written data, `u` unwritten (falloc),
 * `D` delalloc, each followed by `s` if the blocks are shared (their
 * reference count is above one).  A line with no run ends in ` -`.
 * Example: `f0 extents 0-1:d 2:ds 3-5:u`.  Blocks and pages at or beyond
 * EOF are left out: the kernel's mincore cannot see them, and post-EOF
 * blocks are XFS speculative preallocation, an allocation detail.
 *
 * `pcsim run --extents-out PATH` writes, for each scenario run, a line
 * `== FILE` and then this dump (nothing when the run did not complete).
 *
 * Determinism: the text depends on the model state only.
 */
#ifndef PCSIM_SIM_EXTENTS_H
#define PCSIM_SIM_EXTENTS_H

#include <stdio.h>

struct kernel;

/* Write the state of every file of @k to @f. */
void extents_dump(struct kernel *k, FILE *f);

/* A run_opts.at_end callback: extents_dump() to @arg, a FILE *. */
void extents_at_end(void *arg, struct kernel *k);

#endif /* PCSIM_SIM_EXTENTS_H */
