// SPDX-License-Identifier: MIT
/*
 * model/policy.c - the registry of sharing designs and mutants.
 *
 * Adding a design: write model/policy/NAME.c defining a const struct
 * policy_ops, and add one line to policies[] below.
 */
#include <string.h>

#include "model/policy.h"

extern const struct policy_ops policy_none, policy_share_clean,
	policy_share_dirty_allhosts, policy_shared_mapping, policy_dax;
extern const struct policy_ops policy_canonical_mapping;
extern const struct policy_ops policy_ishare;
extern const struct policy_ops policy_writeback_in_place,
	policy_share_clean_noflush, policy_share_clean_nocow,
	policy_share_clean_cow_mapped, policy_share_clean_unmap_primary,
	policy_share_dirty_onehost, policy_dax_nocow,
	policy_clone_lock_src_first;

/* Designs first, then mutants; `pcsim list-policies` keeps this order. */
static const struct policy_ops *const policies[] = {
	&policy_none,
	&policy_share_clean,
	&policy_share_dirty_allhosts,
	&policy_shared_mapping,
	&policy_dax,
	&policy_canonical_mapping,
	&policy_ishare,
	&policy_writeback_in_place,
	&policy_share_clean_noflush,
	&policy_share_clean_nocow,
	&policy_share_clean_cow_mapped,
	&policy_share_clean_unmap_primary,
	&policy_share_dirty_onehost,
	&policy_dax_nocow,
	&policy_clone_lock_src_first,
};

const struct policy_ops *policy_nth(unsigned int i)
{
	return i < sizeof(policies) / sizeof(policies[0]) ? policies[i] : NULL;
}

const struct policy_ops *policy_lookup(const char *name)
{
	const struct policy_ops *p;
	unsigned int i;

	for (i = 0; (p = policy_nth(i)); i++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}
