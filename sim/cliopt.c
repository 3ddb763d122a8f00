// SPDX-License-Identifier: MIT
/*
 * sim/cliopt.c - option parsing shared by sub-commands (sim/cliopt.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/policy.h"
#include "sim/cliopt.h"

bool cli_num(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end && *v <= max;
}

bool cli_policy_ok(const char *name)
{
	return policy_lookup(name) || !strcmp(name, "none");
}

int cli_getopt(int argc, char **argv, const struct option *longopts,
	       bool (*opt)(void *o, int ch, const char *arg), void *o,
	       const char *usage)
{
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (ch != '?' && ch != ':' && opt(o, ch, optarg))
			continue;
		fprintf(stderr, "pcsim %s: bad option or value '%s'\n",
			argv[0], argv[optind - 1]);
		fputs(usage, stderr);
		return CLI_BAD;
	}
	return 0;
}
