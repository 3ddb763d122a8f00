/* SPDX-License-Identifier: MIT */
/*
 * model/remap.h - the checks of fs/remap_range.c, exposed for unit tests.
 */
#ifndef PCSIM_MODEL_REMAP_H
#define PCSIM_MODEL_REMAP_H

#include "model/core.h"

#define REMAP_FILE_DEDUP	(1u << 0)
#define REMAP_FILE_CAN_SHORTEN	(1u << 1)

int generic_remap_checks(uint64_t bs, uint64_t size_in, uint64_t size_out,
			 bool same_inode, struct remap_locals *l);
int generic_remap_check_len(uint64_t bs, uint64_t size_out,
			    struct remap_locals *l);

#endif /* PCSIM_MODEL_REMAP_H */
