// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/fuzz_scenario.c - coverage-guided fuzzing of the model:
 * bytes -> gen_scenario_bytes() -> parse -> runner_run().
 *
 * Scope: one input is one generated scenario (sim/gen.h: byte 0 the
 * threads, byte 1 the operations, byte 2 the schedule, bytes 3..10 its
 * seed, then one byte or so per choice), run once on a fresh kernel under
 * the policy named by PCSIM_FUZZ_POLICY (default "none"), with the
 * schedule and seed the text itself sets.  Its output goes to a memstream
 * and is discarded.
 *
 * Findings, each an abort() after the scenario text on stderr:
 *   - an invariant violation (RUN_VIOLATION), with its VIOLATION line;
 *   - a text the parser rejects, or a runtime error (RUN_ERROR): both are
 *     generator bugs, since the generator only writes valid scenarios;
 *   - whatever ASan, UBSan or LSan report.
 * The text alone replays a finding (`pcsim run --policy P FILE.pcs`); so
 * does the input (`pcsim fuzz --input FILE --policy P`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/policy.h"
#include "sim/gen.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "tests/fuzz/harness.h"

/* PCSIM_FUZZ_POLICY, read once by LLVMFuzzerInitialize(). */
static const char *fuzz_policy = "none";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *p = getenv("PCSIM_FUZZ_POLICY");

	if (!p || !*p)
		return 0;
	if (strcmp(p, "none") && !policy_lookup(p)) {
		fprintf(stderr, "pcsim-fuzz-scenario: PCSIM_FUZZ_POLICY: "
			"unknown policy '%s' (see pcsim list-policies)\n", p);
		exit(2);
	}
	fuzz_policy = p;
	return 0;
}

/* Report a finding with everything needed to replay it, and abort(). */
static void __attribute__((noreturn))
finding(const char *what, const char *detail, const char *text)
{
	fprintf(stderr, "pcsim-fuzz-scenario: %s (policy %s)\n%s\n"
		"--- scenario ---\n%s--- end ---\n", what, fuzz_policy,
		detail ? detail : "", text);
	abort();
}

/* The first "VIOLATION: ..." line of @out, NUL-terminated in place. */
static const char *violation_line(char *out)
{
	char *v = out ? strstr(out, "VIOLATION: ") : NULL;

	if (!v)
		return "VIOLATION: (no VIOLATION line in the output)";
	v[strcspn(v, "\n")] = '\0';
	return v;
}

/* Run @sc once; a violation or a runtime error is a finding. */
static void run_one(const struct scenario *sc, const char *text)
{
	struct run_opts ro = { .policy = fuzz_policy };
	char *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	FILE *fo = open_memstream(&out, &outlen);
	FILE *fe = open_memstream(&err, &errlen);
	int st;

	if (!fo || !fe)
		abort();
	st = runner_run(sc, &ro, fo, fe, NULL);
	if (fclose(fo) || fclose(fe))
		abort();
	if (st == RUN_VIOLATION)
		finding("invariant violation", violation_line(out), text);
	if (st != RUN_OK)
		finding("generator bug: runtime error", err, text);
	free(out);
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = gen_scenario_bytes(data, size);
	struct scenario sc;
	char *perr = NULL;

	if (scenario_parse_string("fuzz.pcs", text, strlen(text), &sc,
				  &perr))
		finding("generator bug: parse error", perr, text);
	run_one(&sc, text);
	scenario_free(&sc);
	free(text);
	return 0;
}
