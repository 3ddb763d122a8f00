/* SPDX-License-Identifier: MIT */
/*
 * model/never.h - NEVER() and ALWAYS(), SQLite's markers for defensive
 * conditions a correct program never meets.
 *
 *	if (NEVER(!p))		a calloc that failed
 *		abort();
 *
 * In every build but the coverage one they are their argument, so the
 * defence stays.  In the coverage build (PCSIM_COVERAGE) they are the
 * constant the program always sees, so the compiler drops the branch and
 * scripts/coverage counts only branches a test could take: an untested
 * branch in the report is a real gap, not an allocation failure.
 *
 * Use them only where the condition cannot hold without a bug or an
 * exhausted host (out of memory); a condition a scenario can reach, even a
 * strange one, is tested instead.  The argument must have no side effect:
 * the coverage build does not evaluate it.
 */
#ifndef PCSIM_MODEL_NEVER_H
#define PCSIM_MODEL_NEVER_H

#ifdef PCSIM_COVERAGE
#define NEVER(x)	(0)
#define ALWAYS(x)	(1)
#else
#define NEVER(x)	(x)
#define ALWAYS(x)	(x)
#endif

#endif /* PCSIM_MODEL_NEVER_H */
