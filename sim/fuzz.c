// SPDX-License-Identifier: MIT
/*
 * sim/fuzz.c - `pcsim fuzz`, `pcsim shrink` and `pcsim gen` (sim/fuzz.h).
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
#include "model/coverage.h"
#include "model/never.h"
#include "sim/cliopt.h"
#include "sim/fuzz.h"
#include "sim/gen.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/shrink.h"

#define FUZZ_BAD		CLI_BAD
#define FUZZ_BIAS_GAIN		2	/* per new-coverage run */
#define FUZZ_BIAS_MAX		16
#define FUZZ_BIAS_DECAY		256	/* runs between halvings */
#define FUZZ_DRAW_US		250000	/* progress redraw period */

/* The strategies each scenario with a concurrent section runs under. */
static const char *const strategies[] = { "random", "pct" };

typedef unsigned long long ull;

/*
 * A memstream kept open across runs, so that a run does not pay for
 * creating and closing two streams: each run's text starts at @start and
 * is NUL-terminated at @len after a flush.  Quiet runs print little (a
 * VIOLATION line, runtime errors); past CAPTURE_MAX bytes the stream is
 * opened afresh.
 */
struct capture {
	FILE *f;
	char *buf;
	size_t len, start;
};

#define CAPTURE_MAX	(1u << 20)

/* A campaign: its options, the run in progress and what it found. */
struct fuzz {
	const struct fuzz_opts *o;
	FILE *progress;
	bool tty;			/* progress is a terminal */
	uint64_t run, seed, schedules;
	const char *strategy;		/* of the run in progress */
	char *text;			/* the generated scenario */
	const char *out, *err;		/* its output and runtime errors */
	struct capture outc, errc;	/* where they are written */
	char *sched;			/* the schedule it recorded */
	struct model_cov cov, total;	/* this run's, the campaign's */
	unsigned int bias[GK_NR];	/* gen_opts.bias */
	gint64 t0, drawn;		/* monotonic µs: start, last draw */
};

/* ---------------------------------------------------------- progress --- */

static double elapsed(const struct fuzz *z)
{
	return (double)(g_get_monotonic_time() - z->t0) / 1e6;
}

static double rate(const struct fuzz *z)
{
	double t = elapsed(z);

	return t > 0 ? (double)z->run / t : 0;
}

/* Redraw the progress line on a terminal, at most every FUZZ_DRAW_US. */
static void draw(struct fuzz *z, bool force)
{
	gint64 now = g_get_monotonic_time();

	if (!z->tty || (!force && now - z->drawn < FUZZ_DRAW_US))
		return;
	z->drawn = now;
	fprintf(z->progress, "\r\033[Kfuzz: %llu runs, %.0f runs/s, "
		"0 violations, coverage %llu/%llu", (ull)z->run, rate(z),
		(ull)cov_pairs(&z->total), (ull)cov_universe());
	fflush(z->progress);
}

static void draw_end(struct fuzz *z)
{
	if (z->tty)
		fputs("\r\033[K", z->progress);
}

void fuzz_print_coverage(FILE *f, const struct model_cov *c)
{
	int i, s;

	fprintf(f, "model coverage: %llu of %llu (step x page state) pairs\n"
		"%-34s %9s", (ull)cov_pairs(c), (ull)cov_universe(), "step",
		"runs");
	for (s = 0; s < COV_NR_STATES; s++)
		fprintf(f, " %9s", cov_state_name(s));
	fputc('\n', f);
	for (i = 0; i < cov_nr_steps(); i++) {
		if (!c->runs[i] && i == cov_nr_steps() - 1)
			continue;	/* no "(other)" row when empty */
		fprintf(f, "%-34s %9llu", cov_step_name(i), (ull)c->runs[i]);
		for (s = 0; s < COV_NR_STATES; s++)
			fprintf(f, " %9llu", (ull)c->hits[i][s]);
		fputc('\n', f);
	}
}

static void summary(struct fuzz *z, uint64_t violations)
{
	const struct fuzz_opts *o = z->o;

	draw_end(z);
	fprintf(z->progress, "fuzz: %llu runs (%llu schedules), %llu "
		"violations, policy %s, seeds %llu..%llu, coverage %llu/%llu\n",
		(ull)z->run, (ull)z->schedules, (ull)violations, o->policy,
		(ull)o->seed, (ull)(o->seed + (z->run ? z->run - 1 : 0)),
		(ull)cov_pairs(&z->total), (ull)cov_universe());
	fprintf(z->progress, "fuzz: %.1f s, %.0f runs/s\n", elapsed(z),
		rate(z));
	if (o->coverage)
		fuzz_print_coverage(z->progress, &z->total);
}

/* ------------------------------------------------------------ report --- */

/* How to get this find again, from the seed (or the input). */
static void write_found(FILE *f, const struct fuzz *z)
{
	const struct fuzz_opts *o = z->o;

	if (o->input) {
		fprintf(f, "# found: from input %s\n# reproduce: pcsim fuzz "
			"--policy %s --input %s --out DIR\n", o->input,
			o->policy, o->input);
		return;
	}
	fprintf(f, "# found: run %llu (schedule %s) of pcsim fuzz --policy "
		"%s --seed %llu --threads %d --ops %d\n", (ull)z->run,
		z->strategy, o->policy, (ull)o->seed, o->threads, o->ops);
	fprintf(f, "# reproduce: pcsim fuzz --policy %s --seed %llu "
		"--threads %d --ops %d --runs %llu --out DIR\n", o->policy,
		(ull)o->seed, o->threads, o->ops, (ull)z->run + 1);
}

/* Write @body as @path with the repro header; Return: 0 or FUZZ_BAD. */
static int write_file(struct fuzz *z, const char *path, const char *title,
		      const char *line, const char *inv, const char *body)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f) {
		fprintf(z->progress, "fuzz: cannot write %s: %s\n", path,
			strerror(errno));
		return FUZZ_BAD;
	}
	fprintf(f, "# repro-%s-%llu - %s\n", inv, (ull)z->seed, title);
	write_found(f, z);
	fprintf(f, "# VIOLATION: %s\n# expect: VIOLATION %s\n", line, inv);
	fputs("# kernel: skip fuzz repro (simulator settings, schedules)\n", f);
	if (strcmp(z->o->policy, "none"))
		fprintf(f, "set policy-only %s\n", z->o->policy);
	fputs(body, f);
	ok = !ferror(f);
	if (fclose(f) || !ok) {
		fprintf(z->progress, "fuzz: cannot write %s\n", path);
		return FUZZ_BAD;
	}
	return 0;
}

/*
 * The shrunk repro; or the unreduced one if the scenario with its recorded
 * schedule did not stop the same way under fifo (a violation that depends
 * on something the schedule does not pin), said so on the progress line.
 */
static int write_shrunk(struct fuzz *z, const char *path, const char *body,
			const char *line, const char *inv)
{
	struct shrink_opts so = { .policy = z->o->policy };
	struct shrink_result r;
	char *title;
	int st;

	if (shrink_scenario(body, &so, &r)) {
		fprintf(z->progress, "violation: %s in %s (unreduced: it did "
			"not replay under fifo)\n", inv, path);
		return write_file(z, path, "found by pcsim fuzz; did not "
				  "replay under fifo, so not shrunk", line,
				  inv, body);
	}
	title = g_strdup_printf("found by pcsim fuzz, shrunk from %d to %d "
				"operations in %llu runs%s: %d threads, %d "
				"operations, %d preemptions", r.ops_before,
				r.ops, (ull)r.runs, r.minimal ? "" :
				" (budget out, not minimal)", r.threads, r.ops,
				r.preemptions);
	st = write_file(z, path, title, r.violation, r.invariant, r.text);
	fprintf(z->progress, "violation: %s in %s (%d threads, %d operations,"
		" %d preemptions)\n", r.invariant, path, r.threads, r.ops,
		r.preemptions);
	g_free(title);
	shrink_result_free(&r);
	return st;
}

/* DIR/repro-INV-SEED{.orig,}.pcs; Return: 1 (a violation), or 2. */
static int report(struct fuzz *z)
{
	char *line = NULL, *inv = NULL, *body, *orig, *path;
	int st;

	if (!shrink_violation(z->out, &inv, &line)) {
		inv = g_strdup("unknown");
		line = g_strdup("unknown");
	}
	body = g_strdup_printf("set seed %llu\n%s%s", (ull)z->seed, z->text,
			       z->sched ? z->sched : "");
	orig = g_strdup_printf("%s/repro-%s-%llu.orig.pcs", z->o->out_dir, inv,
			       (ull)z->seed);
	path = g_strdup_printf("%s/repro-%s-%llu.pcs", z->o->out_dir, inv,
			       (ull)z->seed);
	st = write_file(z, orig, "found by pcsim fuzz, unreduced", line, inv,
			body);
	if (!st && z->o->no_shrink)
		st = write_file(z, path, "found by pcsim fuzz", line, inv,
				body);
	else if (!st)
		st = write_shrunk(z, path, body, line, inv);
	if (!st && z->o->no_shrink)
		fprintf(z->progress, "violation: %s in %s\n", inv, path);
	g_free(path);
	g_free(orig);
	g_free(body);
	g_free(inv);
	g_free(line);
	return st ? st : 1;
}

/* A scenario the parser or the runner rejects is the generator's fault. */
static int generator_bug(const struct fuzz *z, const char *why)
{
	fprintf(z->progress, "fuzz: generator bug: run %llu, seed %llu: %s\n"
		"--- scenario ---\n%s--- end ---\n", (ull)z->run,
		(ull)z->seed, why, z->text);
	return FUZZ_BAD;
}

/* --------------------------------------------------------------- run --- */

static void capture_close(struct capture *c)
{
	if (c->f)
		fclose(c->f);
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

/* The stream for the next run, which writes from @c->start on. */
static FILE *capture_begin(struct capture *c)
{
	if (c->f && c->len > CAPTURE_MAX)
		capture_close(c);
	if (!c->f)
		c->f = open_memstream(&c->buf, &c->len);
	if (NEVER(!c->f))
		abort();
	fflush(c->f);
	c->start = c->len;
	return c->f;
}

/* What the run wrote, valid until the next capture_begin(). */
static const char *capture_end(struct capture *c)
{
	fflush(c->f);
	return c->buf + c->start;
}

static void run_clear(struct fuzz *z)
{
	g_free(z->sched);
	z->out = z->err = z->sched = NULL;
}

/* The end of the campaign: run_clear() and the streams closed. */
static void fuzz_clear(struct fuzz *z)
{
	run_clear(z);
	capture_close(&z->outc);
	capture_close(&z->errc);
}

/* Run @sc once under @strategy (NULL: the file's); a runner status. */
static int run_once(struct fuzz *z, const struct scenario *sc,
		    const char *strategy)
{
	struct run_opts ro = {
		.policy = z->o->policy,
		.seed_set = !z->o->input,
		.seed = z->seed,
		.schedule = strategy,
		.schedule_text = &z->sched,
		.cov = &z->cov,
		.quiet = true,	/* a clean run's output is dropped */
		.check_mode = z->o->check_mode ? z->o->check_mode :
						 "incremental",
	};
	int st;

	run_clear(z);
	z->strategy = strategy ? strategy : "of the input";
	st = runner_run(sc, &ro, capture_begin(&z->outc),
			capture_begin(&z->errc), NULL);
	z->out = capture_end(&z->outc);
	z->err = capture_end(&z->errc);
	z->schedules++;
	return st;
}

/* Every strategy (or the input's own); Return: 0 or the exit status. */
static int run_all(struct fuzz *z, const struct scenario *sc)
{
	size_t i, n = sc->nsections && !z->o->input ?
		      G_N_ELEMENTS(strategies) : 1;
	int st;

	for (i = 0; i < n; i++) {
		st = run_once(z, sc, z->o->input ? NULL : strategies[i]);
		if (st == RUN_VIOLATION)
			return report(z);
		if (st != RUN_OK)
			return generator_bug(z, z->err);
	}
	return 0;
}

/* Feed back this run's coverage into the generator's bias. */
static void learn(struct fuzz *z, unsigned int swarm)
{
	int k;

	if (cov_merge(&z->total, &z->cov))
		for (k = 0; k < GK_NR; k++)
			if (swarm & (1u << k))
				z->bias[k] = MIN(z->bias[k] + FUZZ_BIAS_GAIN,
						 FUZZ_BIAS_MAX);
	if ((z->run + 1) % FUZZ_BIAS_DECAY == 0)
		for (k = 0; k < GK_NR; k++)
			z->bias[k] /= 2;
}

/* Parse and run z->text; Return: 0 or the exit status. */
static int run_text(struct fuzz *z)
{
	struct scenario sc;
	char *perr = NULL;
	int st;

	memset(&z->cov, 0, sizeof(z->cov));
	if (scenario_parse_string("fuzz.pcs", z->text, strlen(z->text), &sc,
				  &perr)) {
		st = generator_bug(z, perr ? perr : "parse error");
		free(perr);
		return st;
	}
	st = run_all(z, &sc);
	scenario_free(&sc);
	return st;
}

/* Generate and run scenario z->run; Return: 0 or the exit status. */
static int run_generated(struct fuzz *z)
{
	struct gen_opts go = {
		.threads = z->o->threads, .ops = z->o->ops, .bias = z->bias,
	};
	int st;

	z->seed = gen_mix(z->o->seed + z->run);
	z->text = gen_scenario(z->seed, &go);
	st = run_text(z);
	if (!st)
		learn(z, go.swarm);
	free(z->text);
	z->text = NULL;
	return st;
}

/* --input: decode the bytes of a libFuzzer/AFL++ input and run them. */
static int run_input(struct fuzz *z)
{
	gchar *data = NULL;
	gsize len = 0;
	int st;

	if (!g_file_get_contents(z->o->input, &data, &len, NULL)) {
		fprintf(z->progress, "fuzz: cannot read %s\n", z->o->input);
		return FUZZ_BAD;
	}
	z->seed = 0;
	z->text = gen_scenario_bytes((const uint8_t *)data, len);
	st = run_text(z);
	if (!st)
		cov_merge(&z->total, &z->cov);
	z->run = 1;
	free(z->text);
	z->text = NULL;
	g_free(data);
	return st;
}

static bool budget_left(const struct fuzz *z)
{
	const struct fuzz_opts *o = z->o;

	if (o->runs && z->run >= o->runs)
		return false;
	return !o->time || elapsed(z) < (double)o->time;
}

/* The campaign's runs; Return: 0, 1 (a violation) or 2. */
static int campaign(struct fuzz *z)
{
	int st = 0;

	if (z->o->input)
		st = run_input(z);
	for (; !z->o->input && !st && budget_left(z); z->run++) {
		st = run_generated(z);
		draw(z, false);
	}
	return st;
}

int fuzz_run(const struct fuzz_opts *o, FILE *progress)
{
	struct fuzz z = {
		.o = o, .progress = progress,
		.tty = isatty(fileno(progress)),
		.t0 = g_get_monotonic_time(),
	};
	int st;

	if (o->jobs > 1 && !o->input)
		return fuzz_jobs(o, progress);
	st = campaign(&z);
	if (st != FUZZ_BAD)
		summary(&z, st == 1);
	fuzz_clear(&z);
	return st;
}

int fuzz_campaign(const struct fuzz_opts *o, FILE *progress,
		  struct fuzz_result *res)
{
	struct fuzz z = {
		.o = o, .progress = progress,
		.t0 = g_get_monotonic_time(),
	};

	memset(res, 0, sizeof(*res));
	res->status = campaign(&z);
	res->runs = z.run;
	res->schedules = z.schedules;
	res->cov = z.total;
	fuzz_clear(&z);
	return res->status;
}

/* ----------------------------------------------------------- options --- */

static const char fuzz_usage[] =
"Usage: pcsim fuzz [--policy P] [--seed S] [--runs N] [--time SECONDS]\n"
"                  [--threads K] [--ops M] [--out DIR] [--coverage]\n"
"                  [--no-shrink] [--input FILE] [--jobs K]\n"
"                  [--check auto|full|incremental|verify]\n";

/* One option; Return: false if its argument is bad. */
static bool fuzz_opt(struct fuzz_opts *o, int ch, const char *arg)
{
	uint64_t v = 0;
	bool ok;

	switch (ch) {
	case 'p':
		o->policy = arg;
		return cli_policy_ok(arg);
	case 's':
		return cli_num(arg, UINT64_MAX, &o->seed);
	case 'n':
		return cli_num(arg, UINT64_MAX, &o->runs) && o->runs;
	case 'T':
		return cli_num(arg, UINT64_MAX / 1000000, &o->time) &&
		       o->time;
	case 'o':
		o->out_dir = arg;
		return true;
	case 'i':
		o->input = arg;
		return true;
	case 'c':
		o->coverage = true;
		return true;
	case 'N':
		o->no_shrink = true;
		return true;
	case 'j':
		ok = cli_num(arg, 64, &v) && v >= 1;
		o->jobs = (int)v;
		return ok;
	case 'C':
		o->check_mode = arg;
		return check_mode_parse(arg) >= 0;
	}
	ok = cli_num(arg, ch == 't' ? 64 : 100000, &v) && v >= 1;
	*(ch == 't' ? &o->threads : &o->ops) = (int)v;
	return ok;
}

static bool fuzz_opt_cb(void *o, int ch, const char *arg)
{
	return fuzz_opt(o, ch, arg);
}

int fuzz_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "runs", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 'T' },
		{ "threads", required_argument, NULL, 't' },
		{ "ops", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "input", required_argument, NULL, 'i' },
		{ "coverage", no_argument, NULL, 'c' },
		{ "no-shrink", no_argument, NULL, 'N' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "check", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fuzz_opts o = {
		.policy = "none", .threads = 2, .ops = 8, .out_dir = ".",
	};
	int st = cli_getopt(argc, argv, longopts, fuzz_opt_cb, &o, fuzz_usage);

	if (st)
		return st < 0 ? 0 : st;
	if (optind < argc) {
		fprintf(stderr, "pcsim fuzz: unexpected '%s'\n", argv[optind]);
		return FUZZ_BAD;
	}
	if (!o.runs && !o.time)
		o.runs = 100;
	return fuzz_run(&o, stdout);
}

/* ------------------------------------------------------------ shrink --- */

static const char shrink_usage[] =
"Usage: pcsim shrink [--policy P] [--out FILE] [--budget RUNS] [--test CMD]\n"
"                    FILE\n"
"  --test CMD  keep a candidate if `sh -c 'CMD \"$1\"' sh CANDIDATE.pcs`\n"
"              exits 0 (the candidate is still interesting), instead of\n"
"              running it for the same violation\n";

struct shrink_cli {
	struct shrink_opts so;
	const char *out;
	const char *test;	/* --test CMD */
	char *dir;		/* --test: where candidates are written */
};

/*
 * --test: write @text to DIR/candidate.pcs and run CMD on it, its output
 * discarded.  Return: whether it exited 0.
 */
static bool shrink_test(void *arg, const char *text)
{
	struct shrink_cli *c = arg;
	char *path = g_build_filename(c->dir, "candidate.pcs", NULL);
	char *script = g_strdup_printf("%s \"$1\"", c->test);
	char *argv[] = { "/bin/sh", "-c", script, "sh", path, NULL };
	gint status = -1;
	bool ok = g_file_set_contents(path, text, -1, NULL) &&
		  g_spawn_sync(NULL, argv, NULL,
			       G_SPAWN_STDOUT_TO_DEV_NULL |
			       G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
			       NULL, &status, NULL) &&
		  g_spawn_check_wait_status(status, NULL);

	unlink(path);
	g_free(script);
	g_free(path);
	return ok;
}

static bool shrink_opt(void *arg, int ch, const char *val)
{
	struct shrink_cli *c = arg;

	switch (ch) {
	case 'p':
		c->so.policy = val;
		return cli_policy_ok(val);
	case 'o':
		c->out = val;
		return true;
	case 'b':
		return cli_num(val, UINT64_MAX, &c->so.budget);
	case 't':
		c->test = val;
		c->so.test = shrink_test;
		c->so.test_arg = c;
		return true;
	}
	return false;
}

/* The header's middle line: what the reduced scenario still does. */
static void shrink_what(FILE *f, const struct shrink_cli *c,
			const struct shrink_result *r)
{
	if (c->test)
		fprintf(f, "# test: %s\n", c->test);
	else
		fprintf(f, "# VIOLATION: %s\n# expect: VIOLATION %s\n",
			r->violation, r->invariant);
}

/* Print or write the reduced scenario with a short header. */
static int shrink_write(const struct shrink_cli *c, const char *path,
			const struct shrink_result *r)
{
	FILE *f = c->out ? fopen(c->out, "w") : stdout;
	bool ok;

	if (!f) {
		fprintf(stderr, "pcsim shrink: cannot write %s: %s\n", c->out,
			strerror(errno));
		return FUZZ_BAD;
	}
	fprintf(f, "# shrunk from %s by pcsim shrink: %d -> %d operations in "
		"%llu runs%s; %d threads, %d preemptions\n", path,
		r->ops_before, r->ops, (ull)r->runs,
		r->minimal ? "" : " (budget out, not minimal)", r->threads,
		r->preemptions);
	shrink_what(f, c, r);
	if (c->so.policy && !strstr(r->text, "set policy"))
		fprintf(f, "set policy-only %s\n", c->so.policy);
	fputs(r->text, f);
	ok = !ferror(f);
	if ((c->out && fclose(f)) || !ok) {
		fprintf(stderr, "pcsim shrink: write error\n");
		return FUZZ_BAD;
	}
	return 0;
}

int shrink_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "budget", required_argument, NULL, 'b' },
		{ "test", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct shrink_cli c = { { 0 } };
	struct shrink_result r;
	char *text = NULL, *perr = NULL;
	struct scenario sc;
	int st = cli_getopt(argc, argv, longopts, shrink_opt, &c,
			    shrink_usage);

	if (st)
		return st < 0 ? 0 : st;
	if (optind + 1 != argc) {
		fputs(shrink_usage, stderr);
		return FUZZ_BAD;
	}
	if (scenario_parse_file(argv[optind], &sc, &perr)) {
		fprintf(stderr, "%s", perr ? perr : "parse error\n");
		free(perr);
		return FUZZ_BAD;
	}
	scenario_free(&sc);
	if (!g_file_get_contents(argv[optind], &text, NULL, NULL))
		return FUZZ_BAD;
	if (c.test && !(c.dir = g_dir_make_tmp("pcsim-shrink-XXXXXX", NULL))) {
		g_free(text);
		return FUZZ_BAD;
	}
	st = shrink_scenario(text, &c.so, &r);
	g_free(text);
	if (c.dir) {
		rmdir(c.dir);
		g_free(c.dir);
	}
	if (st) {
		fprintf(stderr, "pcsim shrink: %s %s\n", argv[optind],
			c.test ? "is not interesting to the test" :
			"does not stop with a violation");
		return FUZZ_BAD;
	}
	st = shrink_write(&c, argv[optind], &r);
	shrink_result_free(&r);
	return st;
}

/* --------------------------------------------------------------- gen --- */

static const char gen_usage[] =
"Usage: pcsim gen [--kernel] [--seed S] [--ops M] [--threads K]\n"
"                 [--count N --out DIR]\n"
"  the scenario of seed S (what `pcsim fuzz --seed S` runs first, before\n"
"  any coverage bias); --kernel: one a real kernel can run\n"
"  (scripts/kernel-diff).  With --out, scenarios S..S+N-1 go to\n"
"  DIR/gen-SEED.pcs; without, scenario S goes to stdout.\n";

struct gen_cli {
	struct gen_opts go;
	uint64_t seed, count;
	const char *out;
};

static bool gen_opt(void *arg, int ch, const char *val)
{
	struct gen_cli *c = arg;
	uint64_t v;

	switch (ch) {
	case 'k':
		c->go.kernel = true;
		return true;
	case 's':
		return cli_num(val, UINT64_MAX, &c->seed);
	case 'n':
		return cli_num(val, 1000000, &c->count) && c->count;
	case 'o':
		c->out = val;
		return true;
	}
	if (!cli_num(val, ch == 't' ? 64 : 100000, &v) || !v)
		return false;
	*(ch == 't' ? &c->go.threads : &c->go.ops) = (int)v;
	return true;
}

/* Write scenario @seed (the user's seed; gen_mix()ed here) to @f. */
static bool gen_write(struct gen_cli *c, uint64_t seed, FILE *f)
{
	char *text = gen_scenario(gen_mix(seed), &c->go);
	bool ok;

	fprintf(f, "# reproduce: pcsim gen%s --seed %llu --ops %d%s",
		c->go.kernel ? " --kernel" : "", (ull)seed, c->go.ops,
		c->go.kernel ? "\n" : "");
	if (!c->go.kernel)
		fprintf(f, " --threads %d\n", c->go.threads);
	ok = fputs(text, f) >= 0;
	free(text);
	return ok;
}

/* Scenarios seed..seed+count-1 into DIR/gen-SEED.pcs. */
static int gen_files(struct gen_cli *c)
{
	uint64_t i;

	for (i = 0; i < c->count; i++) {
		char *path = g_strdup_printf("%s/gen-%llu.pcs", c->out,
					     (ull)(c->seed + i));
		FILE *f = fopen(path, "w");
		bool ok = f && gen_write(c, c->seed + i, f);

		if ((f && fclose(f)) || !ok) {
			fprintf(stderr, "pcsim gen: cannot write %s: %s\n",
				path, strerror(errno));
			g_free(path);
			return FUZZ_BAD;
		}
		g_free(path);
	}
	return 0;
}

int gen_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel", no_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen_cli c = { .go = { .threads = 2, .ops = 8 }, .count = 1 };
	int st = cli_getopt(argc, argv, longopts, gen_opt, &c, gen_usage);

	if (st)
		return st < 0 ? 0 : st;
	if (optind < argc || (c.count > 1 && !c.out)) {
		fputs(optind < argc ? "pcsim gen: unexpected operand\n" :
		      "pcsim gen: --count needs --out\n", stderr);
		fputs(gen_usage, stderr);
		return FUZZ_BAD;
	}
	if (c.out)
		return gen_files(&c);
	if (!gen_write(&c, c.seed, stdout) || fflush(stdout)) {
		fprintf(stderr, "pcsim gen: write error\n");
		return FUZZ_BAD;
	}
	return 0;
}
