// SPDX-License-Identifier: MIT
/*
 * model/policy.c - the registry of sharing designs and mutants.
 *
 * Adding a design: write model/policy/NAME.c defining a const struct
 * policy_ops, and add one line to policies[] below.
 */
#include <string.h>

#include "model/policy.h"

extern const struct policy_ops policy_none;

static const struct policy_ops *const policies[] = {
	&policy_none,
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
