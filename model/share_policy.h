/* SPDX-License-Identifier: MIT */
/*
 * model/share_policy.h - helpers shared by the sharing policies.
 */
#ifndef PCSIM_MODEL_SHARE_POLICY_H
#define PCSIM_MODEL_SHARE_POLICY_H

#include "model/core.h"

void share_pages_after_remap(struct kernel *k, struct remap_locals *l,
			     bool (*ok)(const struct page *p));

#endif /* PCSIM_MODEL_SHARE_POLICY_H */
