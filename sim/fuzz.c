// SPDX-License-Identifier: MIT
/*
 * sim/fuzz.c - `pcsim fuzz` (sim/fuzz.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "model/policy.h"
#include "sim/fuzz.h"
#include "sim/gen.h"
#include "sim/runner.h"
#include "sim/scenario.h"

#define FUZZ_BAD	2

/* The strategies each scenario with a concurrent section runs under. */
static const char *const strategies[] = { "random", "pct" };

typedef unsigned long long ull;

/* One run of one scenario: what it is and what it printed. */
struct fuzz_case {
	const struct fuzz_opts *o;
	uint64_t run, seed;
	const char *strategy;
	char *text;			/* the generated scenario */
	char *out, *err;		/* its output and runtime errors */
	size_t outlen, errlen;
	char *sched_path;		/* --schedule-out, a temp file */
};

/* ------------------------------------------------------------ report --- */

/* "VIOLATION: INV: ..." -> the whole line and INV (g_free() both). */
static void violation_line(const char *out, char **line, char **inv)
{
	const char *v = strstr(out, "VIOLATION: ");
	size_t n;

	v = v ? v : "VIOLATION: unknown";
	n = strcspn(v, "\n");
	*line = g_strndup(v, n);
	v += strlen("VIOLATION: ");
	n = strspn(v, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	*inv = n ? g_strndup(v, n) : g_strdup("unknown");
}

static void write_header(FILE *f, const struct fuzz_case *c,
			 const char *line, const char *inv)
{
	const struct fuzz_opts *o = c->o;

	fprintf(f, "# repro-%s-%llu - found by pcsim fuzz\n", inv,
		(ull)c->seed);
	fprintf(f, "# repro: pcsim fuzz --policy %s --seed %llu --threads %d"
		" --ops %d --runs %llu found run %llu (schedule %s)\n",
		o->policy, (ull)o->seed, o->threads, o->ops, (ull)o->runs,
		(ull)c->run, c->strategy);
	fprintf(f, "# %s\n# expect: VIOLATION %s\n", line, inv);
	fputs("# kernel: skip fuzz repro (simulator settings, schedules)\n", f);
	if (strcmp(o->policy, "none"))
		fprintf(f, "set policy-only %s\n", o->policy);
	fprintf(f, "set seed %llu\n", (ull)c->seed);
}

/* DIR/repro-INV-SEED.pcs; Return: 1 (a violation), or 2 if unwritable. */
static int write_repro(const struct fuzz_case *c, FILE *progress)
{
	char *line, *inv, *path, *sched = NULL;
	FILE *f;
	int st = 1;

	violation_line(c->out, &line, &inv);
	path = g_strdup_printf("%s/repro-%s-%llu.pcs", c->o->out_dir, inv,
			       (ull)c->seed);
	g_file_get_contents(c->sched_path, &sched, NULL, NULL);
	f = fopen(path, "w");
	if (f) {
		write_header(f, c, line, inv);
		fprintf(f, "%s%s", c->text, sched ? sched : "");
	}
	if (!f || fclose(f)) {
		fprintf(progress, "fuzz: cannot write %s: %s\n", path,
			strerror(errno));
		st = FUZZ_BAD;
	}
	fprintf(progress, "violation: %s in %s\n", inv, path);
	g_free(sched);
	g_free(path);
	g_free(inv);
	g_free(line);
	return st;
}

/* A scenario the parser or the runner rejects is the generator's fault. */
static int generator_bug(const struct fuzz_case *c, const char *why,
			 FILE *progress)
{
	fprintf(progress, "fuzz: generator bug: run %llu, seed %llu: %s\n"
		"--- scenario ---\n%s--- end ---\n", (ull)c->run,
		(ull)c->seed, why, c->text);
	return FUZZ_BAD;
}

/* --------------------------------------------------------------- run --- */

static void case_clear(struct fuzz_case *c)
{
	free(c->out);
	free(c->err);
	c->out = c->err = NULL;
}

/* Run @sc once under @c->strategy; Return: a runner status. */
static int case_run(struct fuzz_case *c, const struct scenario *sc)
{
	struct run_opts ro = {
		.policy = c->o->policy,
		.seed_set = true,
		.seed = c->seed,
		.schedule = c->strategy,
		.schedule_out = c->sched_path,
	};
	FILE *out, *err;
	int st;

	case_clear(c);
	if (truncate(c->sched_path, 0))	/* no schedule left from before */
		return RUN_ERROR;
	out = open_memstream(&c->out, &c->outlen);
	err = open_memstream(&c->err, &c->errlen);
	if (!out || !err)
		abort();
	st = runner_run(sc, &ro, out, err, NULL);
	fclose(out);
	fclose(err);
	return st;
}

/* Every strategy on run @c->run; Return: 0 or the exit status. */
static int case_all(struct fuzz_case *c, const struct scenario *sc,
		    uint64_t *schedules, FILE *progress)
{
	size_t i, n = sc->nsections ? G_N_ELEMENTS(strategies) : 1;
	int st;

	for (i = 0; i < n; i++) {
		c->strategy = strategies[i];
		st = case_run(c, sc);
		++*schedules;
		if (st == RUN_VIOLATION)
			return write_repro(c, progress);
		if (st != RUN_OK)
			return generator_bug(c, c->err, progress);
	}
	return 0;
}

/* Generate, parse and run scenario @c->run; Return: 0 or exit status. */
static int case_one(struct fuzz_case *c, uint64_t *schedules, FILE *progress)
{
	struct gen_opts go = { .threads = c->o->threads, .ops = c->o->ops };
	struct scenario sc;
	char *perr = NULL;
	int st;

	c->seed = gen_mix(c->o->seed + c->run);
	c->text = gen_scenario(c->seed, &go);
	if (scenario_parse_string("fuzz.pcs", c->text, strlen(c->text), &sc,
				  &perr)) {
		st = generator_bug(c, perr ? perr : "parse error", progress);
		free(perr);
	} else {
		st = case_all(c, &sc, schedules, progress);
		scenario_free(&sc);
	}
	free(c->text);
	c->text = NULL;
	return st;
}

int fuzz_run(const struct fuzz_opts *o, FILE *progress)
{
	struct fuzz_case c = { .o = o };
	uint64_t schedules = 0;
	int fd, st = 0;

	fd = g_file_open_tmp("pcsim-fuzz-XXXXXX.sched", &c.sched_path, NULL);
	if (fd < 0) {
		fprintf(progress, "fuzz: cannot create a temporary file\n");
		return FUZZ_BAD;
	}
	close(fd);
	for (c.run = 0; c.run < o->runs && !st; c.run++)
		st = case_one(&c, &schedules, progress);
	if (!st)
		fprintf(progress, "fuzz: %llu runs (%llu schedules), 0 "
			"violations, policy %s, seeds %llu..%llu\n",
			(ull)o->runs, (ull)schedules, o->policy,
			(ull)o->seed, (ull)(o->seed + o->runs - 1));
	case_clear(&c);
	unlink(c.sched_path);
	g_free(c.sched_path);
	return st;
}

/* ----------------------------------------------------------- options --- */

static const char fuzz_usage[] =
"Usage: pcsim fuzz [--policy P] [--seed S] [--runs N] [--threads K]\n"
"                  [--ops M] [--out DIR]\n";

static bool parse_num(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end && *v <= max;
}

/* One option; Return: false if its argument is bad. */
static bool fuzz_opt(struct fuzz_opts *o, int ch, const char *arg)
{
	uint64_t v = 0;
	bool ok;

	switch (ch) {
	case 'p':
		o->policy = arg;
		return policy_lookup(arg) || !strcmp(arg, "none");
	case 's':
		return parse_num(arg, UINT64_MAX, &o->seed);
	case 'n':
		return parse_num(arg, UINT64_MAX, &o->runs) && o->runs;
	case 'o':
		o->out_dir = arg;
		return true;
	}
	ok = parse_num(arg, ch == 't' ? 64 : 100000, &v) && v >= 1;
	*(ch == 't' ? &o->threads : &o->ops) = (int)v;
	return ok;
}

int fuzz_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "runs", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "ops", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fuzz_opts o = {
		.policy = "none", .runs = 100, .threads = 2, .ops = 8,
		.out_dir = ".",
	};
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(fuzz_usage, stdout);
			return 0;
		}
		if (ch != '?' && ch != ':' && fuzz_opt(&o, ch, optarg))
			continue;
		fprintf(stderr, "pcsim fuzz: bad option or value '%s'\n",
			argv[optind - 1]);
		fputs(fuzz_usage, stderr);
		return FUZZ_BAD;
	}
	if (optind < argc) {
		fprintf(stderr, "pcsim fuzz: unexpected '%s'\n", argv[optind]);
		return FUZZ_BAD;
	}
	return fuzz_run(&o, stdout);
}
