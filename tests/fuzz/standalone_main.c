// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/standalone_main.c - run a harness on files, without libFuzzer.
 *
 * Scope: the main() of the harnesses when PCSIM_LIBFUZZER is OFF (any C
 * compiler: gcc for replaying a crash file under gdb or valgrind,
 * afl-gcc-fast or afl-clang-fast for AFL++'s fork server with @@).
 *
 *   pcsim-fuzz-scenario FILE...   each FILE is one input, in order
 *   pcsim-fuzz-scenario           one input from standard input
 *
 * Exit status: 0 if every input ran (a finding abort()s, as under
 * libFuzzer), 2 if a file cannot be read.  A summary goes to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/harness.h"

/* All of @f, malloc'ed in *@buf; Return: 0, or -1 on a read error. */
static int slurp(FILE *f, uint8_t **buf, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	uint8_t *b = malloc(cap), *nb;

	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n < cap)
			continue;
		nb = realloc(b, cap *= 2);
		if (!nb)
			free(b);
		b = nb;
	}
	if (!b || ferror(f)) {
		free(b);
		return -1;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* One input from @path ("-": standard input); Return: 0 or -1. */
static int run_path(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = f ? slurp(f, &buf, &len) : -1;

	if (ret)
		fprintf(stderr, "%s: cannot read: %s\n", path,
			strerror(errno ? errno : EIO));
	else
		LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	if (f && f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	const char *prog = argv[0];
	int i, n = 0, bad = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2)
		return run_path("-") ? 2 : 0;
	for (i = 1; i < argc; i++) {
		if (run_path(argv[i]))
			bad++;
		else
			n++;
	}
	fprintf(stderr, "%s: %d inputs ran, %d unreadable\n", prog, n, bad);
	return bad ? 2 : 0;
}
