/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_scenario_mutate.c - the scenario parser under random
 * mutation of valid input.
 *
 * Scope: robustness of sim/scenario.c and sim/lex.c.  A fixed-seed PRNG
 * applies byte flips, deletions, insertions (quotes, backslashes, digits,
 * suffixes, blanks, '#', '$', NUL, newlines), truncations and duplications
 * to a valid scenario, and every result is parsed.
 *
 * Invariants checked for every mutant:
 *   - the parser returns 0 or -1, nothing else, and never crashes (run this
 *     under ASan/UBSan and valgrind);
 *   - on -1: the output is zeroed and the message is "mut.pcs:L:C: text"
 *     with 1 <= L <= lines in the input + 1, C >= 1, a non-empty text and
 *     no newline;
 *   - on 0: the scenario satisfies the invariants of sim/scenario.h
 *     (numbers range-checked, names well formed, patterns 0..255, every
 *     xfs_io line has a file and a command, threads and sections numbered
 *     in order, every thread has lines, schedules name declared threads).
 * Both outcomes must occur often, or the mutations are not testing much.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/scenario.h"

#define ROUNDS		50000
#define MAX_MUTANT	8192

static const char base[] =
	"# a valid scenario\n"
	"set pagesize 4k\n"
	"set blocksize 4k\n"
	"set policy share-clean\n"
	"set memory-limit 64m\n"
	"set seed 0x1234\n"
	"xfs_io -f -c \"pwrite -S 0x61 -b 64k 0 128k\" -c 'fsync' a\n"
	"xfs_io -fd -c \"mmap -rw 0 64k\" -c \"mwrite -S 98 4k 8k\" \\\n"
	"       -c \"msync -s 0 64k\" -c munmap a\n"
	"cp --reflink=always -p a b\n"
	"xfs_io -c \"reflink a 0 64k 64k\" -c \"dedupe a 0 0 4k\" b\n"
	"xfs_io -c 'reflink a' -c \"truncate 3b\" -c \"fpunch 1k 2s\" c\n"
	"xfs_io -c \"fzero -k 0 4k\" -c \"falloc 8k 8k\" -c fdatasync c\n"
	"xfs_io -r -c \"mmap -r 0 4k\" -c \"mread -r 0 4k\" -c mu b\n"
	"xfs_io -c \"pread -b 1m 0x10 010\" -c 'pwrite -wW 0 1' d/e\n"
	"md5sum a b c\n"
	"echo \"all  done\" 'ok' \\$x # comment\n"
	"writeback\n"
	"drop_caches\n"
	"cycle_mount\n"
	"sync\n"
	"crash\n"
	"set schedule pct\n"
	"set pct-depth 3\n"
	"set dirty-writeback-interval 5s\n"
	"set dirty-expire 30000ms\n"
	"set step-bound 100000\n"
	"schedule T1@pwrite/xfs_ilock(IOLOCK_EXCL)#1->T2 \\\n"
	"         T2@fsync/iomap_writepage_map#2->irq\n"
	"thread T1\n"
	"  xfs_io -c 'pwrite -S 1 0 4k' a\n"
	"  sleep 100ms\n"
	"end\n"
	"# same section\n"
	"thread T2\n"
	"  xfs_io -c fsync a\n"
	"end\n"
	"sleep 250us\n"
	"schedule 'T_3@mwrite/filemap_fault#10->T_3'\n"
	"thread T_3\n"
	"  md5sum a\n"
	"  sleep 1\n"
	"end\n"
	"rm -f a b c\n";

#define TOK(s)	{ s, sizeof(s) - 1 }

static const struct {
	const char *s;
	size_t len;
} tokens[] = {
	TOK("'"), TOK("\""), TOK("\\"), TOK("\\\n"), TOK("0"), TOK("9"),
	TOK("k"), TOK("b"), TOK("e"), TOK("x"), TOK("0x"), TOK("-"), TOK(" "),
	TOK("\t"), TOK("#"), TOK("$"), TOK("\n"), TOK("\0"), TOK("--"),
	TOK("-c"), TOK("/"), TOK(".."), TOK("9223372036854775807"),
	TOK("@"), TOK("->"), TOK("("), TOK("ms"), TOK("thread T9\n"),
	TOK("end\n"), TOK("T1"), TOK("irq"),
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static size_t below(size_t n)
{
	return n ? rng() % n : 0;
}

/* Insert @len bytes of @s at @at. */
static size_t insert(char *buf, size_t n, size_t at, const char *s, size_t len)
{
	if (n + len > MAX_MUTANT)
		return n;
	memmove(buf + at + len, buf + at, n - at);
	memcpy(buf + at, s, len);
	return n + len;
}

static size_t mutate_once(char *buf, size_t n)
{
	size_t at = below(n + 1), len = 1 + below(16), k;
	char run[16];

	switch (below(7)) {
	case 0:				/* flip a byte */
		if (n)
			buf[below(n)] ^= (char)(1u << below(8));
		return n;
	case 1:				/* delete a run */
		len = at + len > n ? n - at : len;
		memmove(buf + at, buf + at + len, n - at - len);
		return n - len;
	case 2:				/* insert a token */
		k = below(sizeof(tokens) / sizeof(tokens[0]));
		return insert(buf, n, at, tokens[k].s, tokens[k].len);
	case 3:				/* insert a random byte */
		return insert(buf, n, at, (char[]){ (char)rng() }, 1);
	case 4:				/* truncate */
		return at;
	case 5:				/* duplicate a run */
		len = at + len > n ? n - at : len;
		memcpy(run, buf + at, len);
		return insert(buf, n, below(n + 1), run, len);
	default:			/* change a digit */
		for (k = at; k < n && !isdigit((unsigned char)buf[k]); k++)
			;
		if (k < n)
			buf[k] = (char)('0' + below(10));
		return n;
	}
}

static int count_lines(const char *buf, size_t n)
{
	int lines = 1;
	size_t i;

	for (i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

/* "mut.pcs:L:C: text", with L and C in range. */
static void check_error(const char *err, int lines)
{
	int line = 0, col = 0, used = 0;

	assert_non_null(err);
	assert_int_equal(sscanf(err, "mut.pcs:%d:%d: %n", &line, &col, &used),
			 2);
	assert_true(used > 0 && err[used] != '\0');
	assert_true(err[used - 1] == ' ' && err[used - 2] == ':');
	assert_true(line >= 1 && line <= lines);
	assert_true(col >= 1);
	assert_null(strchr(err, '\n'));
}

static bool good_name(const char *s)
{
	return s && *s && *s != '/' && !strstr(s, "//") &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._+-/") == strlen(s);
}

static void check_cmd(const struct io_cmd *c)
{
	assert_true(c->kind <= IO_DEDUPE);
	assert_true(c->off <= INT64_MAX && c->len <= INT64_MAX - c->off);
	assert_true(c->len <= INT64_MAX - c->src_off);
	assert_true(c->pattern >= 0 && c->pattern <= 255);
	assert_true(c->col >= 1);
	if (c->kind == IO_REFLINK || c->kind == IO_DEDUPE)
		assert_true(good_name(c->src));
	else
		assert_null(c->src);
}

static bool good_thread(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 16 && isalpha((unsigned char)*s) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_-") == n &&
	       strcmp(s, "irq") && strcmp(s, "main");
}

static bool good_label(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_()-") == n;
}

static int thread_index(const struct scenario *sc, const char *name)
{
	int i;

	for (i = 0; i < sc->nthreads; i++)
		if (!strcmp(sc->threads[i], name))
			return i + 1;
	return 0;
}

/* Threads, sections and schedules, as sim/scenario.h promises. */
static void check_concurrency(const struct scenario *sc)
{
	int *section = calloc(sc->nthreads + 1, sizeof(*section));
	int i, t, u, last = 0;

	assert_non_null(section);
	for (i = 0; i < sc->nthreads; i++) {
		assert_true(good_thread(sc->threads[i]));
		assert_int_equal(thread_index(sc, sc->threads[i]), i + 1);
	}
	for (i = 0; i < sc->nlines; i++) {
		t = sc->lines[i].thread;
		assert_true(t >= 0 && t <= sc->nthreads);
		assert_true((t == 0) == (sc->lines[i].section == 0));
		if (!t)
			continue;
		assert_true(sc->lines[i].section >= last);
		last = sc->lines[i].section;
		assert_true(!section[t] || section[t] == last);
		section[t] = last;
		assert_int_not_equal(sc->lines[i].kind, SC_SET);
	}
	assert_int_equal(last, sc->nsections);
	for (t = 1; t <= sc->nthreads; t++)
		assert_true(section[t] >= 1);	/* every thread has lines */
	for (i = 0; i < sc->nsched; i++) {
		const struct sc_sched *e = &sc->sched[i];

		t = thread_index(sc, e->thread);
		assert_true(t >= 1);
		assert_true(good_label(e->op) && good_label(e->step));
		assert_true(e->n >= 1);
		assert_true(e->lineno >= 1 && e->col >= 1);
		u = strcmp(e->target, "irq") ? thread_index(sc, e->target) : t;
		assert_true(u >= 1);
		assert_int_equal(section[u], section[t]);
	}
	free(section);
}

static void check_line(const struct sc_line *l)
{
	int i;

	assert_true(l->kind <= SC_SLEEP);
	assert_true(l->lineno >= 1);
	assert_non_null(l->text);
	assert_string_not_equal(sc_kind_name(l->kind), "?");
	if (l->kind == SC_XFS_IO) {
		assert_true(good_name(l->u.xio.file));
		assert_true(l->u.xio.ncmds >= 1);
		for (i = 0; i < l->u.xio.ncmds; i++)
			check_cmd(&l->u.xio.cmds[i]);
	} else if (l->kind == SC_CP_REFLINK) {
		assert_true(good_name(l->u.cp.src) && good_name(l->u.cp.dst));
	} else if (l->kind == SC_MD5SUM || l->kind == SC_RM) {
		assert_true(l->u.files.nfiles >= 1);
		for (i = 0; i < l->u.files.nfiles; i++)
			assert_true(good_name(l->u.files.files[i]));
	} else if (l->kind == SC_ECHO) {
		assert_non_null(l->u.echo);
	} else if (l->kind == SC_SLEEP) {
		assert_true(l->u.sleep_ns >= 1 && l->u.sleep_ns <= INT64_MAX);
	} else if (l->kind == SC_SET && (l->u.set.key == SET_DIRTY_WRITEBACK ||
					 l->u.set.key == SET_DIRTY_EXPIRE)) {
		assert_true(l->u.set.num <= INT64_MAX);
	} else if (l->kind == SC_SET && l->u.set.key == SET_PCT_DEPTH) {
		assert_true(l->u.set.num >= 1 && l->u.set.num <= 100);
	} else if (l->kind == SC_SET && l->u.set.key == SET_STEP_BOUND) {
		assert_true(l->u.set.num >= 1);
	} else if (l->kind == SC_SET && l->u.set.key == SET_SCHEDULE) {
		assert_non_null(l->u.set.str);
	}
}

static void test_mutations(void **state)
{
	static char buf[MAX_MUTANT];
	int round, ok = 0, failed = 0, i, k;
	struct scenario sc;
	size_t n;
	char *err;

	(void)state;
	for (round = 0; round < ROUNDS; round++) {
		n = sizeof(base) - 1;
		memcpy(buf, base, n);
		for (k = 1 + (int)below(3); k > 0; k--)
			n = mutate_once(buf, n);
		err = NULL;
		memset(&sc, 0x5a, sizeof(sc));
		switch (scenario_parse_string("mut.pcs", buf, n, &sc, &err)) {
		case 0:
			assert_null(err);
			for (i = 0; i < sc.nlines; i++)
				check_line(&sc.lines[i]);
			check_concurrency(&sc);
			scenario_free(&sc);
			ok++;
			break;
		case -1:
			check_error(err, count_lines(buf, n));
			assert_null(sc.lines);
			assert_int_equal(sc.nlines, 0);
			assert_null(sc.threads);
			assert_null(sc.sched);
			assert_int_equal(sc.nthreads + sc.nsections + sc.nsched,
					 0);
			free(err);
			failed++;
			break;
		default:
			fail_msg("bad return value");
		}
	}
	print_message("%d mutants parsed, %d rejected\n", ok, failed);
	assert_true(ok > ROUNDS / 20);
	assert_true(failed > ROUNDS / 10);
}

/* The base itself must parse: otherwise every mutant is an error. */
static void test_base_is_valid(void **state)
{
	struct scenario sc;
	char *err = NULL;

	(void)state;
	assert_int_equal(scenario_parse_string("mut.pcs", base,
					       sizeof(base) - 1, &sc, &err), 0);
	assert_int_equal(sc.nlines, 32);
	assert_int_equal(sc.nthreads, 3);
	assert_int_equal(sc.nsections, 2);
	assert_int_equal(sc.nsched, 3);
	check_concurrency(&sc);
	scenario_free(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_is_valid),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
