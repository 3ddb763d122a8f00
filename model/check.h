/* SPDX-License-Identifier: MIT */
/*
 * model/check.h - the invariant checker (DESIGN.md section 5 names).
 */
#ifndef PCSIM_MODEL_CHECK_H
#define PCSIM_MODEL_CHECK_H

struct kernel;

/* Per-step sweep of pages, tags, PTEs and rmap.  Return: 0 or -1. */
int check_all(struct kernel *k);
/* Block refcounts against extent references.  Return: 0 or -1. */
int check_blocks(struct kernel *k);
/* check_blocks() plus a scan of every block's allocation state. */
int check_blocks_full(struct kernel *k);

#endif /* PCSIM_MODEL_CHECK_H */
