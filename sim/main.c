/* SPDX-License-Identifier: MIT */
/*
 * sim/main.c - the pcsim command line.
 *
 * Scope: argument parsing and the sub-commands; everything else is in the
 * core library.
 *
 *   pcsim run [--policy NAME] [--seed N] [--stats]
 *             [--stats-format table|json] [--extents-out PATH] FILE...
 *   pcsim check [--policy NAME] [--seed N] FILE...
 *   pcsim fuzz [--policy P] [--seed S] [--runs N] [--time SECONDS]
 *              [--threads K] [--ops M] [--out DIR] [--coverage]
 *              [--no-shrink] [--input FILE]
 *   pcsim shrink [--policy P] [--out FILE] [--budget RUNS] [--test CMD] FILE
 *   pcsim gen [--kernel] [--seed S] [--ops M] [--threads K]
 *             [--count N --out DIR]
 *   pcsim explore [--preemptions B] [--policy P] [--max-schedules N] FILE
 *   pcsim workload NAME [--seed S] [--param K=V ...] | --list
 *   pcsim compare [--policies P1,P2,...] [--seed S] [--param K=V ...]
 *                 [--sweep K=V1,V2,... ...] [--format table|csv|json]
 *                 [--plot FILE [--metric METRIC]] WORKLOAD
 *   pcsim list-policies
 *   pcsim version
 *
 * Every scenario file is parsed before any runs, so that a bad file is
 * reported (path:line:col: message) before anything executed.  Exit status:
 * 0 success, 1 a violation (run) or a failed comparison (check), 2 bad
 * usage or bad input.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "model/check.h"
#include "model/never.h"
#include "model/policy.h"
#include "sim/compare.h"
#include "sim/explore.h"
#include "sim/extents.h"
#include "sim/fuzz.h"
#include "sim/output.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/trace.h"
#include "sim/workload.h"

#ifndef PCSIM_VERSION
#define PCSIM_VERSION "0.1.0"
#endif

#define EXIT_BAD	2

struct cli {
	struct run_opts opts;
	bool stats;		/* --stats or --stats-format */
	enum out_stats_fmt stats_fmt;
	bool run_only;		/* an option only `run` takes was given */
	const char *trace_out;	/* --trace-out PATH */
	enum trace_format trace_fmt;
	const char *extents_out; /* --extents-out PATH */
	FILE *extents;
	struct tracer tracer;
	char **files;
	int nfiles;
	struct scenario *sc;	/* parsed files, nfiles of them */
};

struct command {
	const char *name;
	int (*fn)(struct cli *c);
	bool files;		/* takes scenario files (and options) */
	bool stats;		/* takes --stats and --stats-format */
	int (*main)(int argc, char **argv);	/* parses its own options */
};

static const char usage_text[] =
"Usage: pcsim COMMAND [OPTIONS] [FILE...]\n"
"\n"
"Commands:\n"
"  run FILE...      run each scenario and print its output\n"
"  check FILE...    run each scenario and compare its output with the\n"
"                   golden FILE.out (FILE's .pcs replaced by .out)\n"
"  list-policies    list the sharing designs and mutants\n"
"  fuzz             run random scenarios until an invariant breaks; write\n"
"                   the first violation, shrunk, as\n"
"                   DIR/repro-INVARIANT-SEED.pcs (pcsim fuzz --help)\n"
"  shrink FILE      reduce a scenario that stops with a violation to a\n"
"                   1-minimal one that stops with the same invariant\n"
"                   (or that a --test command still calls interesting)\n"
"  gen              print a generated scenario (--kernel: one a real\n"
"                   kernel can run, for scripts/kernel-diff)\n"
"  explore FILE     run every schedule of FILE's threads with at most B\n"
"                   preemptions; print each violation's schedule\n"
"  workload NAME    print a realistic workload's scenario (.pcs text);\n"
"                   --list lists them with their parameters\n"
"  compare WORKLOAD run a workload under each design and print one row of\n"
"                   metrics per design (docs/WHATIF.md)\n"
"  version          print the version\n"
"\n"
"Options (run, check):\n"
"  -p, --policy NAME  the design to simulate (overrides `set policy`)\n"
"  -s, --seed N       the PRNG seed (overrides `set seed`)\n"
"  --schedule S       how concurrent threads interleave: fifo (default),\n"
"                     rr, random or pct (overrides `set schedule`)\n"
"  --check MODE       invariant checking after each step: auto (default),\n"
"                     full, incremental or verify (overrides `set\n"
"                     check-mode`; docs/MODEL.md)\n"
"  -h, --help         show this help\n"
"\n"
"Options (run only; check refuses them, its output stays the golden's):\n"
"  --stats               after each scenario's output, print its metrics\n"
"  --stats-format FMT    table (the default: a heading, then a metric a\n"
"                        line) or json (one object a line); implies --stats\n"
"  --schedule-out PATH   write the decisions the run took as `schedule`\n"
"                        lines that replay it (paste them into the file)\n"
"  --trace-out PATH      write every step, call, bio and violation\n"
"  --trace-format FMT    text (default), jsonl or perfetto\n"
"  --extents-out PATH    after each scenario, write `== FILE` and each\n"
"                        file's size, extents and cached pages\n"
"                        (sim/extents.h; scripts/kernel-diff)\n"
"\n"
"Options (fuzz):\n"
"  --policy P    the design or mutant to fuzz (default none)\n"
"  --seed S      run i runs the scenario of seed splitmix64(S + i) (0)\n"
"  --runs N      how many scenarios (100), each under the random and pct\n"
"                schedules\n"
"  --threads K   threads of each scenario's concurrent section (2)\n"
"  --ops M       operations per scenario, spread over the threads (8)\n"
"  --out DIR     where the repro goes (.)\n"
"  --check MODE  invariant checking after each step (incremental: the\n"
"                touched objects, full sweeps every max(256, pages) steps\n"
"                and at the end; verify: both, to test the checker)\n"
"\n"
"Options (explore):\n"
"  --preemptions B     at most B preemptions a schedule (2)\n"
"  --policy P          the design or mutant (overrides `set policy`)\n"
"  --max-schedules N   stop after N schedules (100000)\n"
"  --no-prune          hash states but never prune (to measure pruning)\n"
"\n"
"Options (workload, compare):\n"
"  --seed S              the workload's seed (0)\n"
"  --param NAME=VALUE    a workload parameter (pcsim workload --list)\n"
"  --policies P1,P2,...  compare: the policies (default: every design;\n"
"                        none, the baseline, is always added)\n"
"  --format FMT          compare: table (default), csv or json\n"
"  --sweep NAME=V1,V2,.. compare: run every value (several --sweep: the\n"
"                        grid of their values)\n"
"  --plot FILE.svg       compare: draw --metric (peak_pages) against the\n"
"                        one swept parameter (FILE.png: needs gnuplot)\n"
"  --metric METRIC       compare: a numeric column of the table\n"
"\n"
"Exit status: 0 ok; 1 a violation (run) or a failed check; 2 bad usage or\n"
"bad input.\n";

static int usage(FILE *f, int status)
{
	fputs(usage_text, f);
	return status;
}

/* ------------------------------------------------------------ options --- */

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

/* Long options without a short form. */
enum {
	OPT_STATS = 256,
	OPT_STATS_FORMAT,
	OPT_SCHEDULE,
	OPT_SCHEDULE_OUT,
	OPT_TRACE_OUT,
	OPT_TRACE_FORMAT,
	OPT_EXTENTS_OUT,
	OPT_CHECK,
};

/* One option and its argument; Return: false if it is bad (said why). */
static bool apply_opt(struct cli *c, int ch, const char *arg)
{
	int fmt;

	switch (ch) {
	case 'p':
		c->opts.policy = arg;
		return true;
	case 's':
		c->opts.seed_set = parse_u64(arg, &c->opts.seed);
		if (!c->opts.seed_set)
			fprintf(stderr, "pcsim: bad seed '%s'\n", arg);
		return c->opts.seed_set;
	case OPT_STATS_FORMAT:
		fmt = out_stats_format(arg);
		if (fmt < 0) {
			fprintf(stderr, "pcsim: bad stats format '%s'"
				" (table or json)\n", arg);
			return false;
		}
		c->stats_fmt = fmt;
		c->stats = true;	/* a format implies --stats */
		return true;
	case OPT_STATS:
		c->stats = true;
		return true;
	case OPT_CHECK:
		c->opts.check_mode = arg;
		if (check_mode_parse(arg) >= 0)
			return true;
		fprintf(stderr, "pcsim: bad check mode '%s'"
			" (auto, full, incremental or verify)\n", arg);
		return false;
	case OPT_SCHEDULE:
		c->opts.schedule = arg;
		return true;
	case OPT_SCHEDULE_OUT:
		c->opts.schedule_out = arg;
		c->run_only = true;
		return true;
	case OPT_TRACE_OUT:
		c->trace_out = arg;
		c->run_only = true;
		return true;
	case OPT_EXTENTS_OUT:
		c->extents_out = arg;
		c->run_only = true;
		return true;
	case OPT_TRACE_FORMAT:
		c->run_only = true;
		if (!trace_format_parse(arg, &c->trace_fmt))
			return true;
		fprintf(stderr, "pcsim: bad trace format '%s'"
			" (text, jsonl or perfetto)\n", arg);
		return false;
	}
	return false;
}

/* Return: 0 to go on, else the exit status (after --help: 0 via *done). */
static int parse_opts(int argc, char **argv, struct cli *c, bool *done)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "stats-format", required_argument, NULL, OPT_STATS_FORMAT },
		{ "schedule", required_argument, NULL, OPT_SCHEDULE },
		{ "schedule-out", required_argument, NULL, OPT_SCHEDULE_OUT },
		{ "trace-out", required_argument, NULL, OPT_TRACE_OUT },
		{ "trace-format", required_argument, NULL, OPT_TRACE_FORMAT },
		{ "extents-out", required_argument, NULL, OPT_EXTENTS_OUT },
		{ "check", required_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:s:h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			*done = true;
			return usage(stdout, 0);
		}
		if (ch == '?' || ch == ':')
			fprintf(stderr, "pcsim %s: bad option '%s'\n", argv[0],
				argv[optind - 1]);
		else if (apply_opt(c, ch, optarg))
			continue;
		return usage(stderr, EXIT_BAD);
	}
	c->files = argv + optind;
	c->nfiles = argc - optind;
	return 0;
}

static int check_policy(const char *name)
{
	if (!name || policy_lookup(name) || strcmp(name, "none") == 0)
		return 0;
	fprintf(stderr, "pcsim: unknown policy '%s' (try list-policies)\n",
		name);
	return EXIT_BAD;
}

/* Parse every file first; Return: 0, or EXIT_BAD after printing why. */
static int parse_all(struct cli *c)
{
	int i, bad = 0;

	c->sc = calloc(c->nfiles, sizeof(*c->sc));
	if (NEVER(!c->sc))
		abort();
	for (i = 0; i < c->nfiles; i++) {
		char *err = NULL;

		if (scenario_parse_file(c->files[i], &c->sc[i], &err) == 0)
			continue;
		fprintf(stderr, "%s\n", err ? err : c->files[i]);
		free(err);
		memset(&c->sc[i], 0, sizeof(c->sc[i]));
		bad = EXIT_BAD;
	}
	return bad;
}

static void free_all(struct cli *c)
{
	int i;

	for (i = 0; c->sc && i < c->nfiles; i++)
		if (c->sc[i].lines || c->sc[i].path)
			scenario_free(&c->sc[i]);
	free(c->sc);
}

/* --------------------------------------------------------------- run --- */

/* "dir/NAME.pcs" -> "NAME" (g_free() it): PASS/FAIL and --stats name. */
static char *scenario_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(path);

	base = base ? base + 1 : path;
	if (n >= 4 && strcmp(path + n - 4, ".pcs") == 0)
		n -= 4;
	return g_strndup(base, n - (size_t)(base - path));
}

/* The worse of two statuses: error over violation over success. */
static int worse(int a, int b)
{
	return a > b ? a : b;
}

/* Run one scenario to stdout, then its metrics if asked for. */
static int run_one(struct cli *c, int i)
{
	struct run_report rep;
	char *name;
	int st;

	if (c->extents)
		fprintf(c->extents, "== %s\n", c->files[i]);
	st = runner_run(&c->sc[i], &c->opts, stdout, stderr,
			c->stats ? &rep : NULL);
	if (c->stats && rep.has_stats) {
		name = scenario_name(c->files[i]);
		out_stats(stdout, c->stats_fmt, name, rep.policy, &rep.stats);
		g_free(name);
	}
	fflush(stdout);
	return st;
}

/* --extents-out: open PATH and hand it to runner_run()'s at_end. */
static int extents_open(struct cli *c)
{
	if (!c->extents_out)
		return 0;
	c->extents = fopen(c->extents_out, "w");
	if (!c->extents) {
		fprintf(stderr, "pcsim: %s: %s\n", c->extents_out,
			strerror(errno));
		return EXIT_BAD;
	}
	c->opts.at_end = extents_at_end;
	c->opts.at_end_arg = c->extents;
	return 0;
}

static int extents_close(struct cli *c)
{
	if (c->extents && fclose(c->extents)) {
		fprintf(stderr, "pcsim: %s: write error\n", c->extents_out);
		return EXIT_BAD;
	}
	return 0;
}

static int cmd_run(struct cli *c)
{
	struct trace_writer *w = NULL;
	int i, status = extents_open(c);

	if (status)
		return status;
	if (c->trace_out) {
		w = trace_writer_open(c->trace_out, c->trace_fmt);
		if (!w) {
			fprintf(stderr, "pcsim: %s: %s\n", c->trace_out,
				strerror(errno));
			extents_close(c);
			return EXIT_BAD;
		}
		c->tracer = trace_writer_tracer(w);
		c->opts.tracer = &c->tracer;
	}
	for (i = 0; i < c->nfiles; i++) {
		c->opts.exit_after = i == c->nfiles - 1;
		status = worse(status, run_one(c, i));
	}
	c->opts.exit_after = false;
	status = worse(status, extents_close(c));
	if (w && trace_writer_close(w)) {
		fprintf(stderr, "pcsim: %s: write error\n", c->trace_out);
		status = worse(status, EXIT_BAD);
	}
	return status;
}

/* ------------------------------------------------------------- check --- */

/* Paths and name of one scenario's golden files. */
struct golden {
	char *out;		/* NAME.out */
	char *bad;		/* NAME.out.bad */
	char *name;		/* basename without .pcs, for PASS/FAIL */
};

static void golden_init(struct golden *g, const char *path)
{
	size_t n = strlen(path);

	if (n >= 4 && strcmp(path + n - 4, ".pcs") == 0)
		n -= 4;
	g->out = g_strdup_printf("%.*s.out", (int)n, path);
	g->bad = g_strdup_printf("%s.bad", g->out);
	g->name = scenario_name(path);
}

static void golden_free(struct golden *g)
{
	g_free(g->out);
	g_free(g->bad);
	g_free(g->name);
}

/* Write @path through @path.tmp and rename(2), so it is never partial. */
static int write_atomic(const char *path, const char *buf, size_t len)
{
	char *tmp = g_strdup_printf("%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	int ok = f && fwrite(buf, 1, len, f) == len;

	if (f && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "pcsim: cannot write %s: %s\n", path,
			out_strerror(errno));
		unlink(tmp);
	}
	g_free(tmp);
	return ok ? 0 : -1;
}

static void show_diff(const struct golden *g, const char *exp, size_t elen,
		      const char *act, size_t alen)
{
	size_t n = out_udiff(stdout, g->out, exp, elen, g->bad, act, alen,
			     OUT_DIFF_MAX_LINES);

	if (n > OUT_DIFF_MAX_LINES)
		printf("... (%zu more diff lines)\n", n - OUT_DIFF_MAX_LINES);
}

/* Compare one output with its golden; Return: true if it passed. */
static bool check_compare(const struct golden *g, const char *act,
			  size_t alen)
{
	gchar *exp = NULL;
	gsize elen = 0;
	bool pass = false;

	if (!g_file_get_contents(g->out, &exp, &elen, NULL)) {
		printf("FAIL %s: no golden %s\n", g->name, g->out);
	} else if (elen == alen && memcmp(exp, act, alen) == 0) {
		printf("PASS %s\n", g->name);
		pass = true;
	} else {
		printf("FAIL %s\n", g->name);
		show_diff(g, exp, elen, act, alen);
	}
	g_free(exp);
	if (pass && unlink(g->bad) != 0 && errno != ENOENT)
		fprintf(stderr, "pcsim: cannot remove %s: %s\n", g->bad,
			out_strerror(errno));
	if (!pass)
		write_atomic(g->bad, act, alen);
	return pass;
}

/* A stale schedule fails the check; Return: the exit status, 1. */
static int check_stale(const struct golden *g, int n)
{
	printf("FAIL %s: %d stale schedule entries (see above)\n", g->name, n);
	return 1;
}

/*
 * Run one scenario into memory and check it; Return: its exit status.  Under
 * the file's own design, a stale schedule entry (its step never ran N
 * times: the interleaving the file pins no longer happens) fails the check;
 * under another design (--policy) steps may differ, and it is only
 * reported.
 */
static int check_one(struct cli *c, int i)
{
	struct run_report rep;
	struct golden g;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int st;

	if (NEVER(!m))
		abort();
	golden_init(&g, c->files[i]);
	st = runner_run(&c->sc[i], &c->opts, m, stderr, &rep);
	fclose(m);
	if (st == RUN_ERROR)
		printf("FAIL %s: scenario error (see above)\n", g.name);
	else if (rep.stale_pins && !c->opts.policy)
		st = check_stale(&g, rep.stale_pins);
	else
		st = check_compare(&g, buf, len) ? 0 : 1;
	free(buf);
	golden_free(&g);
	fflush(stdout);
	return st;
}

static int cmd_check(struct cli *c)
{
	int i, st, status = 0, passed = 0;

	for (i = 0; i < c->nfiles; i++) {
		st = check_one(c, i);
		passed += st == 0;
		status = worse(status, st);
	}
	printf("%d passed, %d failed\n", passed, c->nfiles - passed);
	return status;
}

/* ------------------------------------------------------------ others --- */

static int cmd_version(struct cli *c G_GNUC_UNUSED)
{
	printf("pcsim %s\n", PCSIM_VERSION);
	return 0;
}

static int cmd_list_policies(struct cli *c G_GNUC_UNUSED)
{
	const struct policy_ops *p;
	unsigned int i;

	for (i = 0; (p = policy_nth(i)); i++)
		printf("%s\t%s\t%s\n", p->name,
		       p->kind == POLICY_MUTANT ? "mutant" : "design",
		       p->description ? p->description : "");
	return 0;
}

static const struct command commands[] = {
	{ "run", cmd_run, true, true },
	{ "check", cmd_check, true, false },
	{ "list-policies", cmd_list_policies, false, false },
	{ "version", cmd_version, false, false },
	{ "fuzz", NULL, false, false, fuzz_main },
	{ "shrink", NULL, false, false, shrink_main },
	{ "gen", NULL, false, false, gen_main },
	{ "explore", NULL, false, false, explore_main },
	{ "workload", NULL, false, false, workload_main },
	{ "compare", NULL, false, false, compare_main },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Options, policy and files of a run/check; Return: 0 or exit status. */
static int prepare(const struct command *cmd, int argc, char **argv,
		   struct cli *c, bool *done)
{
	int st = parse_opts(argc, argv, c, done);

	if (st || *done)
		return st;
	if ((c->stats || c->run_only) && !cmd->stats) {
		fprintf(stderr, "pcsim %s: --stats, --stats-format, "
			"--schedule-out, --extents-out and --trace-* are "
			"options of run only\n",
			argv[0]);
		return usage(stderr, EXIT_BAD);
	}
	if (!c->nfiles) {
		fprintf(stderr, "pcsim %s: no scenario files\n", argv[0]);
		return usage(stderr, EXIT_BAD);
	}
	st = check_policy(c->opts.policy);
	return st ? st : parse_all(c);
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct cli c = { 0 };
	bool done = false;
	int st;

	if (argc < 2)
		return usage(stderr, EXIT_BAD);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout, 0);
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "pcsim: unknown command '%s'\n", argv[1]);
		return usage(stderr, EXIT_BAD);
	}
	if (cmd->main)
		return cmd->main(argc - 1, argv + 1);
	if (!cmd->files && argc > 2)
		return usage(stderr, EXIT_BAD);
	st = cmd->files ? prepare(cmd, argc - 1, argv + 1, &c, &done) : 0;
	if (!st && !done)
		st = cmd->fn(&c);
	free_all(&c);
	return st;
}
