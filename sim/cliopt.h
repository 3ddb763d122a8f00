/* SPDX-License-Identifier: MIT */
/*
 * sim/cliopt.h - option parsing shared by the sub-commands that parse their
 * own options (fuzz, shrink, explore).
 *
 * Scope: numbers, policy names and the getopt_long loop with its error
 * message; nothing about what the options mean.
 */
#ifndef PCSIM_SIM_CLIOPT_H
#define PCSIM_SIM_CLIOPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#define CLI_BAD 2	/* exit status of bad usage */

/* @s as an unsigned number (decimal, 0x hex, 0 octal) no greater than @max. */
bool cli_num(const char *s, uint64_t max, uint64_t *v);

/* Is @name "none" or a policy of `pcsim list-policies`? */
bool cli_policy_ok(const char *name);

/*
 * cli_getopt - the getopt_long loop of `pcsim @argv[0]`: each option goes
 * to @opt(@o, short name, argument), which says whether it was good.
 * --help (short name 'h') prints @usage on stdout.
 *
 * Return: 0 (optind is at the first operand), -1 after --help, or CLI_BAD
 * after printing the bad option and @usage on stderr.
 */
int cli_getopt(int argc, char **argv, const struct option *longopts,
	       bool (*opt)(void *o, int ch, const char *arg), void *o,
	       const char *usage);

#endif /* PCSIM_SIM_CLIOPT_H */
