// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_remap_checks.c - unit tests of generic_remap_checks() and
 * generic_remap_check_len() (model/remap.c), the pure checks of
 * fs/remap_range.c.
 *
 * Scope: every -EINVAL path and every success path of both functions, as
 * tables of cases with the values fs/remap_range.c gives for them.  Block
 * size 4096 throughout.  Where a case targets one check, its other inputs
 * are chosen so that the request would succeed (usually through
 * REMAP_FILE_CAN_SHORTEN) if that check were missing, so each row can fail.
 * On error the request length must be left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model/remap.h"

#define BS	4096ULL
#define DEDUP	REMAP_FILE_DEDUP
#define SHORTEN	REMAP_FILE_CAN_SHORTEN

struct checks_case {
	const char *name;
	uint64_t size_in, size_out;
	bool same;
	uint64_t pos_in, pos_out, len;
	unsigned int flags;
	int err;		/* expected return */
	uint64_t want_len;	/* expected l->len (== len on error) */
};

static const struct checks_case checks_cases[] = {
	/* alignment of the start offsets */
	{ "pos_in unaligned", 65536, 65536, false, 100, 0, 4096, SHORTEN,
	  -EINVAL, 4096 },
	{ "pos_out unaligned", 65536, 65536, false, 0, 4095, 4096, SHORTEN,
	  -EINVAL, 4096 },
	/* wrap: CAN_SHORTEN would otherwise clip the count to EOF */
	{ "pos_in + count wraps", 65536, 65536, false, 4096, 0,
	  UINT64_MAX - 100, SHORTEN, -EINVAL, UINT64_MAX - 100 },
	{ "pos_out + count wraps", 65536, 65536, false, 0, 8192,
	  UINT64_MAX - 4096, SHORTEN, -EINVAL, UINT64_MAX - 4096 },
	/* dedupe: both ranges within EOF */
	{ "dedupe pos_in at src EOF", 8192, 65536, false, 8192, 0, 4096,
	  DEDUP | SHORTEN, -EINVAL, 4096 },
	{ "dedupe beyond src EOF", 8192, 65536, false, 0, 0, 12288,
	  DEDUP | SHORTEN, -EINVAL, 12288 },
	{ "dedupe pos_out at dst EOF", 65536, 8192, false, 0, 8192, 4096,
	  DEDUP | SHORTEN, -EINVAL, 4096 },
	{ "dedupe empty range at dst EOF", 65536, 8192, false, 0, 8192, 0,
	  DEDUP, -EINVAL, 0 },
	{ "dedupe beyond dst EOF", 65536, 6000, false, 0, 4096, 4096,
	  DEDUP | SHORTEN, -EINVAL, 4096 },
	{ "clone beyond dst EOF is fine", 65536, 6000, false, 0, 4096, 4096,
	  0, 0, 4096 },
	/* the source range must start inside the source */
	{ "pos_in == size_in", 8192, 65536, false, 8192, 0, 4096, SHORTEN,
	  -EINVAL, 4096 },
	{ "pos_in > size_in", 8192, 65536, false, 12288, 0, 4096, SHORTEN,
	  -EINVAL, 4096 },
	/* count clipped to source EOF */
	{ "clipped to src EOF, can shorten", 8192, 0, false, 0, 0, 16384,
	  SHORTEN, 0, 8192 },
	{ "clipped to src EOF, can't shorten", 8192, 0, false, 0, 0, 16384,
	  0, -EINVAL, 16384 },
	{ "clipped to unaligned src EOF", 10000, 0, false, 0, 0, 20000,
	  SHORTEN, 0, 10000 },
	/* partial EOF block: ends at source EOF -> not rounded down */
	{ "whole file, partial EOF block", 10000, 0, false, 0, 0, 10000, 0,
	  0, 10000 },
	{ "EOF block only", 10000, 0, false, 8192, 0, 1808, 0, 0, 1808 },
	{ "EOF block into dest middle", 10000, 65536, false, 8192, 4096,
	  1808, 0, 0, 1808 },
	/* not at source EOF -> count rounded down to a block */
	{ "unaligned count mid-file, can't shorten", 20000, 0, false, 0, 0,
	  10000, 0, -EINVAL, 10000 },
	{ "unaligned count mid-file, can shorten", 20000, 0, false, 0, 0,
	  10000, SHORTEN, 0, 8192 },
	{ "count under one block mid-file", 20000, 0, false, 0, 0, 100,
	  SHORTEN, 0, 0 },
	/* dedupe rounds up only if the range also ends at dest EOF */
	{ "dedupe ends at both EOFs", 10000, 10000, false, 0, 0, 10000,
	  DEDUP, 0, 10000 },
	{ "dedupe ends at src EOF only", 10000, 20000, false, 0, 0, 10000,
	  DEDUP | SHORTEN, 0, 8192 },
	{ "dedupe ends at src EOF only, can't shorten", 10000, 20000, false,
	  0, 0, 10000, DEDUP, -EINVAL, 10000 },
	{ "aligned clone", 65536, 0, false, 4096, 8192, 8192, 0, 0, 8192 },
	/* same-file overlap, with bcount */
	{ "same file, overlapping forward", 65536, 65536, true, 0, 4096, 8192,
	  0, -EINVAL, 8192 },
	{ "same file, overlapping backward", 65536, 65536, true, 8192, 4096,
	  8192, 0, -EINVAL, 8192 },
	{ "same file, same range", 65536, 65536, true, 4096, 4096, 4096, 0,
	  -EINVAL, 4096 },
	{ "same file, adjacent after", 65536, 65536, true, 0, 8192, 8192, 0,
	  0, 8192 },
	{ "same file, adjacent before", 65536, 65536, true, 8192, 0, 8192, 0,
	  0, 8192 },
	{ "different files, same range", 65536, 65536, false, 0, 4096, 8192,
	  0, 0, 8192 },
	/*
	 * The rounded-up EOF block [8192, 12288) counts for overlap.  (With
	 * block-aligned offsets, overlap with bcount and with count agree, so
	 * these rows pin the results, not the rounding itself.)
	 */
	{ "same file, EOF block overlaps", 10000, 10000, true, 4096, 0, 5904,
	  0, -EINVAL, 5904 },
	{ "same file, adjacent past EOF block", 10000, 10000, true, 4096,
	  12288, 5904, 0, 0, 5904 },
	/* the rounded-down count counts: [0, 8192) next to [8192, ...) */
	{ "same file, rounded-down count adjacent", 20000, 20000, true, 0,
	  8192, 10000, SHORTEN, 0, 8192 },
	{ "same file, overlap wins over shorten", 20000, 20000, true, 0,
	  4096, 10000, SHORTEN, -EINVAL, 10000 },
};

static void run_checks_case(const struct checks_case *c)
{
	struct remap_locals l = {
		.pos_in = c->pos_in, .pos_out = c->pos_out, .len = c->len,
		.remap_flags = c->flags,
	};
	int err = generic_remap_checks(BS, c->size_in, c->size_out, c->same,
				       &l);

	if (err != c->err || l.len != c->want_len)
		fail_msg("%s: got %d len %llu, want %d len %llu", c->name, err,
			 (unsigned long long)l.len, c->err,
			 (unsigned long long)c->want_len);
	assert_int_equal(l.pos_in, c->pos_in);	/* never moved */
	assert_int_equal(l.pos_out, c->pos_out);
}

static void test_remap_checks(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(checks_cases) / sizeof(checks_cases[0]); i++)
		run_checks_case(&checks_cases[i]);
}

struct len_case {
	const char *name;
	uint64_t size_out, pos_out, len;
	unsigned int flags;
	int err;
	uint64_t want_len;
};

static const struct len_case len_cases[] = {
	{ "aligned len mid-file", 65536, 0, 8192, 0, 0, 8192 },
	{ "aligned len, dedupe", 65536, 0, 8192, DEDUP, 0, 8192 },
	{ "partial block into dest middle", 20000, 0, 10000, 0, -EINVAL,
	  10000 },
	{ "partial block into dest middle, dedupe", 20000, 0, 10000, DEDUP,
	  -EBADE, 10000 },
	{ "partial block ends at dest EOF", 10000, 0, 10000, 0, 0, 10000 },
	{ "partial block ends at dest EOF, dedupe", 10000, 0, 10000, DEDUP, 0,
	  10000 },
	{ "partial block beyond dest EOF", 4096, 0, 10000, 0, 0, 10000 },
	{ "partial block past empty dest", 0, 8192, 1808, 0, 0, 1808 },
	{ "dest EOF one byte further", 10001, 0, 10000, 0, -EINVAL, 10000 },
	{ "can shorten", 20000, 0, 10000, SHORTEN, 0, 8192 },
	{ "can shorten, dedupe", 20000, 0, 10000, DEDUP | SHORTEN, 0, 8192 },
	{ "can shorten to nothing", 8192, 4096, 100, SHORTEN, 0, 0 },
};

static void run_len_case(const struct len_case *c)
{
	struct remap_locals l = {
		.pos_out = c->pos_out, .len = c->len, .remap_flags = c->flags,
	};
	int err = generic_remap_check_len(BS, c->size_out, &l);

	if (err != c->err || l.len != c->want_len)
		fail_msg("%s: got %d len %llu, want %d len %llu", c->name, err,
			 (unsigned long long)l.len, c->err,
			 (unsigned long long)c->want_len);
}

static void test_remap_check_len(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++)
		run_len_case(&len_cases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remap_checks),
		cmocka_unit_test(test_remap_check_len),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
