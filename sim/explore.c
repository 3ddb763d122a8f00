// SPDX-License-Identifier: MIT
/*
 * sim/explore.c - `pcsim explore` (sim/explore.h).
 *
 * Structure:
 *
 *   explore_scenario()       the search: pop a branch, run it, expand it
 *     explore_one()          one schedule: runner_run() with the hook
 *       xhook_pick()         each decision: replay the prefix, then fifo
 *         note_point()       a decision that leaves a choice: prune it, or
 *                            stop the run, or note it
 *     expand()               noted decisions -> new branches
 *
 * A branch is a schedule to run: the first @len choices of an earlier
 * schedule (its struct trace, shared by all the branches taken from it and
 * reference-counted), then one other candidate @alt.  The stack of level p
 * holds the branches whose prefix uses p preemptions; the lowest non-empty
 * level is popped first, last pushed first within a level, so states are
 * reached with as few preemptions as possible before they are expanded.
 *
 * Two visited tables map a state hash to the fewest preemptions with which
 * a schedule expanded a decision in that state, and that schedule's
 * number: @visited keys the state with the thread that ran last, @anylast
 * the state alone.  A decision is covered, and its alternatives pruned,
 * when its state and last thread were expanded with no more preemptions,
 * or its state with another last thread and fewer (docs/EXPLORE.md has
 * the argument).  The tables are only looked up, never iterated, so their
 * layout never shows in the output; everything else is arrays in decision
 * order: two explorations of one scenario print the same bytes.
 *
 * A schedule that reaches a decision an earlier schedule covers is stopped
 * there (SCHED_STOP): what it would run from there is among what that
 * schedule and the branches it pushed run.  Only an earlier schedule stops
 * one: a schedule that comes back to a state of its own goes on (a
 * livelock is for the step bound to report).
 */
#define _GNU_SOURCE	/* sched_getcpu(), sched_setaffinity() */

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/hashmix.h"
#include "model/never.h"
#include "model/sys.h"
#include "sim/cliopt.h"
#include "sim/explore.h"
#include "sim/runner.h"
#include "sim/sched.h"

#define EXPLORE_BAD		CLI_BAD
#define MAX_CAND		72	/* sim/conc.c: threads, kthreads, irq */
#define MAX_BOUND		64
#define DEFAULT_BOUND		2
#define DEFAULT_MAX_SCHEDULES	100000

typedef unsigned long long ull;
typedef int16_t choice_t;

/* The choices of one schedule, shared by the branches taken from it. */
struct trace {
	unsigned int refs;
	int len;
	choice_t c[];
};

/* A schedule to run: @t->c[0..@len), then @alt (no @t: the first one). */
struct branch {
	struct trace *t;
	int len;
	choice_t alt;
};

/* A decision of the running schedule past its prefix, with a choice open. */
struct point {
	uint64_t hash;		/* state, scheduler and threads */
	int index;		/* decision number in the schedule */
	int pre;		/* preemptions before it */
	int last, fifo, n;
	int cand[MAX_CAND];
};

/* A visited state: the fewest preemptions it was expanded with, by whom. */
struct vslot {
	int pre;
	uint64_t run;		/* the schedule's number */
};

/* Open addressing, linear probing; key 0 marks an empty slot. */
struct vtable {
	uint64_t *keys;
	struct vslot *val;
	size_t cap, n;
};

struct explorer {
	const struct scenario *sc;
	const struct explore_opts *o;
	FILE *out, *err;
	struct explore_result res;
	GArray **stacks;		/* of struct branch, one per level */
	struct vtable visited;		/* state and last thread */
	struct vtable anylast;		/* state, whichever thread ran last */
	GPtrArray *reported;		/* invariants reported, in order */
	struct sched_hook hook;
	/* the schedule being run */
	uint64_t run;			/* its number, from 1 */
	choice_t *prefix;
	int plen;
	GArray *choices;		/* of choice_t, every hooked decision */
	GArray *points;			/* of struct point */
	GString *sched;			/* its `schedule` lines */
	int pre;			/* preemptions so far */
	bool diverged;			/* the prefix did not replay */
};

/* ------------------------------------------------------- visited set --- */

static size_t vt_slot(const struct vtable *v, uint64_t key)
{
	size_t i = (size_t)hash_fmix(key) & (v->cap - 1);

	while (v->keys[i] && v->keys[i] != key)
		i = (i + 1) & (v->cap - 1);
	return i;
}

/* Return: what @key was expanded with, or NULL if never. */
static const struct vslot *vt_get(const struct vtable *v, uint64_t key)
{
	size_t i;

	key = key ? key : 1;
	i = vt_slot(v, key);
	return v->keys[i] ? &v->val[i] : NULL;
}

static void vt_grow(struct vtable *v)
{
	struct vtable old = *v;
	size_t i, j;

	v->cap = old.cap ? old.cap * 2 : 1024;
	v->keys = calloc(v->cap, sizeof(*v->keys));
	v->val = calloc(v->cap, sizeof(*v->val));
	if (NEVER(!v->keys || !v->val))
		abort();
	for (i = 0; i < old.cap; i++) {
		if (!old.keys[i])
			continue;
		j = vt_slot(v, old.keys[i]);
		v->keys[j] = old.keys[i];
		v->val[j] = old.val[i];
	}
	free(old.keys);
	free(old.val);
}

static void vt_put(struct vtable *v, uint64_t key, int pre, uint64_t run)
{
	size_t i;

	key = key ? key : 1;
	if ((v->n + 1) * 2 > v->cap)
		vt_grow(v);
	i = vt_slot(v, key);
	v->n += !v->keys[i];
	v->keys[i] = key;
	v->val[i].pre = pre;
	v->val[i].run = run;
}

/* -------------------------------------------------- traces, branches --- */

static struct trace *trace_new(const GArray *choices)
{
	struct trace *t = malloc(sizeof(*t) + choices->len * sizeof(choice_t));

	if (NEVER(!t))
		abort();
	t->refs = 1;
	t->len = (int)choices->len;
	memcpy(t->c, choices->data, choices->len * sizeof(choice_t));
	return t;
}

static void trace_put(struct trace *t)
{
	if (t && !--t->refs)
		free(t);
}

static void push(struct explorer *x, int level, struct trace *t, int len,
		 int alt)
{
	struct branch b = { t, len, (choice_t)alt };

	t->refs++;
	g_array_append_val(x->stacks[level], b);
}

/* The next branch to run: lowest level first.  Return: false if none. */
static bool pop(struct explorer *x, struct branch *b)
{
	int level;

	for (level = 0; level <= x->o->bound; level++) {
		GArray *s = x->stacks[level];

		if (!s->len)
			continue;
		*b = g_array_index(s, struct branch, s->len - 1);
		g_array_set_size(s, s->len - 1);
		return true;
	}
	return false;
}

/* ------------------------------------------------------- preemptions --- */

/*
 * Does choosing @c preempt?  It does when the thread that ran last could
 * go on and another one runs instead, or when an event fires (irq) while
 * some thread could run.  fifo's choice never preempts.
 */
static bool preempts(const int *cand, int n, int last, int c)
{
	bool thread = false, last_can = false;
	int i;

	for (i = 0; i < n; i++) {
		thread |= cand[i] != SCHED_IRQ;
		last_can |= cand[i] == last && last >= 0;
	}
	if (c == SCHED_IRQ)
		return thread;
	return last_can && c != last;
}

/* How many candidates other than fifo's are within the bound from @pre? */
static int open_choices(const struct explorer *x, const int *cand, int n,
			int last, int fifo)
{
	int i, open = 0;

	for (i = 0; i < n; i++)
		open += cand[i] != fifo &&
			x->pre + preempts(cand, n, last, cand[i]) <= x->o->bound;
	return open;
}

/* ---------------------------------------------------------- the hook --- */

static bool is_cand(const struct sched_point *pt, int c)
{
	int i;

	for (i = 0; i < pt->n; i++)
		if (pt->cand[i] == c)
			return true;
	return false;
}

/* The state at a decision, but for the last thread: kernel, pins, threads. */
static uint64_t point_hash(const struct sched_point *pt)
{
	uint64_t h = kernel_state_hash(pt->k);

	h = hash_mix(h, pt->pins);
	return hash_mix(h, pt->progress);
}

/* Record that this schedule expands @hash with its preemptions so far. */
static void visit(struct explorer *x, struct vtable *v, uint64_t hash,
		  const struct vslot *seen)
{
	if (!seen || seen->pre > x->pre)
		vt_put(v, hash, x->pre, x->run);
}

/*
 * note_point - a decision past the prefix.  One that leaves a choice open
 * is noted for expand(), unless it is covered: its state was expanded
 * before with the same last thread and no more preemptions, or with
 * another last thread and fewer (the first choice from a state costs at
 * most one preemption more under another last thread, and from the
 * second on the costs are the same).  Then its alternatives are pruned,
 * and if an earlier schedule covers it, this one stops: from here it
 * would run what that one covered.
 * Return: true to stop the run here.
 */
static bool note_point(struct explorer *x, const struct sched_point *pt,
		       int index)
{
	struct point p = {
		.index = index, .pre = x->pre, .last = pt->last,
		.fifo = pt->fifo, .n = pt->n < MAX_CAND ? pt->n : MAX_CAND,
	};
	const struct vslot *seen, *any;
	int open = open_choices(x, pt->cand, p.n, pt->last, pt->fifo);
	uint64_t state;

	if (!open)
		return false;
	state = point_hash(pt);
	p.hash = hash_mix(state, (uint64_t)(int64_t)pt->last);
	seen = vt_get(&x->visited, p.hash);
	any = vt_get(&x->anylast, state);
	if (x->o->no_prune || (seen && seen->pre > x->pre))
		seen = NULL;
	if (x->o->no_prune || (any && any->pre >= x->pre))
		any = NULL;
	if (seen || any) {
		x->res.pruned += open;
		return (seen && seen->run != x->run) ||
		       (any && any->run != x->run);
	}
	x->res.states += !vt_get(&x->anylast, state);
	visit(x, &x->visited, p.hash, vt_get(&x->visited, p.hash));
	visit(x, &x->anylast, state, vt_get(&x->anylast, state));
	memcpy(p.cand, pt->cand, p.n * sizeof(*p.cand));
	g_array_append_val(x->points, p);
	return false;
}

/*
 * xhook_pick - one decision of the running schedule: the prefix's choice
 * while it lasts, then fifo's, or SCHED_STOP where note_point() says.  A
 * choice that is not fifo's is recorded as a `schedule` line, in the form
 * sched.c records it.
 */
static int xhook_pick(void *ctx, const struct sched_point *pt)
{
	struct explorer *x = ctx;
	int i = (int)x->choices->len, c;
	choice_t cc;

	if (i < x->plen) {
		c = x->prefix[i];
		if (!is_cand(pt, c)) {
			x->diverged = true;
			c = pt->fifo;
		}
	} else if (note_point(x, pt, i)) {
		return SCHED_STOP;
	} else {
		c = pt->fifo;
	}
	x->pre += preempts(pt->cand, pt->n, pt->last, c);
	if (c != pt->fifo)
		g_string_append_printf(x->sched, "schedule %s->%s\n", pt->label,
				       c == SCHED_IRQ ? "irq" : pt->names[c]);
	cc = (choice_t)c;
	g_array_append_val(x->choices, cc);
	return c;
}

/* ----------------------------------------------------------- a schedule */

/*
 * expand - turn the decisions noted in the schedule just run into
 * branches: each candidate other than fifo's whose preemptions stay within
 * the bound, at the level of the preemptions it makes.
 */
static void expand(struct explorer *x)
{
	struct trace *t = NULL;
	guint i;
	int j, cost;

	for (i = 0; i < x->points->len; i++) {
		const struct point *p = &g_array_index(x->points,
						       struct point, i);

		for (j = 0; j < p->n; j++) {
			if (p->cand[j] == p->fifo)
				continue;
			cost = preempts(p->cand, p->n, p->last, p->cand[j]);
			if (p->pre + cost > x->o->bound)
				continue;
			if (!t)
				t = trace_new(x->choices);
			push(x, p->pre + cost, t, p->index, p->cand[j]);
		}
	}
	trace_put(t);
}

/* The invariant of the run's "VIOLATION: INV: ..." line; report it once. */
static void report(struct explorer *x, const char *out)
{
	const char *v = NULL, *s;
	size_t n, k;
	char *inv;
	guint i;

	for (s = out; (s = strstr(s, "VIOLATION: ")); s++)
		if (s == out || s[-1] == '\n')
			v = s;
	x->res.violations++;
	if (!v)
		v = "VIOLATION: unknown";
	n = strcspn(v, "\n");
	k = strcspn(v + 11, ": \n");
	inv = g_strndup(v + 11, k);
	for (i = 0; i < x->reported->len; i++) {
		if (!strcmp(g_ptr_array_index(x->reported, i), inv)) {
			g_free(inv);
			return;
		}
	}
	g_ptr_array_add(x->reported, inv);
	fprintf(x->out, "violation: %s after %llu schedules\n# %.*s\n%s",
		inv, (ull)x->res.schedules, (int)n, v, x->sched->str);
	fflush(x->out);
}

/*
 * cpu_hold - keep the run's OS threads on the CPU it starts on (@on), or
 * let them go again.  Only one of them runs at a time (sim/conc.c), and a
 * baton handed to a thread on the same CPU needs no cross-CPU wake-up.
 * Between runs the process is free to move.  Failure changes nothing.
 */
static void cpu_hold(bool on)
{
	static cpu_set_t saved;
	static bool held;
	cpu_set_t one;
	int cpu;

	if (!on) {
		if (held)
			sched_setaffinity(0, sizeof(saved), &saved);
		held = false;
		return;
	}
	cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof(saved), &saved))
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	held = !sched_setaffinity(0, sizeof(one), &one);
}

/* Set the running schedule up to replay @b. */
static void schedule_reset(struct explorer *x, const struct branch *b)
{
	x->plen = b->t ? b->len + 1 : 0;
	x->prefix = realloc(x->prefix, (x->plen + 1) * sizeof(*x->prefix));
	if (NEVER(!x->prefix))
		abort();
	if (b->t) {
		memcpy(x->prefix, b->t->c, b->len * sizeof(*x->prefix));
		x->prefix[b->len] = b->alt;
	}
	g_array_set_size(x->choices, 0);
	g_array_set_size(x->points, 0);
	g_string_truncate(x->sched, 0);
	x->run = x->res.schedules + 1;
	x->pre = 0;
	x->diverged = false;
}

/*
 * explore_one - run the schedule of @b once and expand it.
 * Return: 0, or EXPLORE_BAD for a scenario error or a schedule that did
 * not replay (a nondeterministic run: a bug).
 */
static int explore_one(struct explorer *x, const struct branch *b)
{
	struct run_opts ro = { .policy = x->o->policy, .hook = &x->hook };
	char *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	FILE *fo, *fe;
	int st;

	schedule_reset(x, b);
	cpu_hold(true);
	fo = open_memstream(&out, &outlen);
	fe = open_memstream(&err, &errlen);
	if (NEVER(!fo || !fe))
		abort();
	st = runner_run(x->sc, &ro, fo, fe, NULL);
	cpu_hold(false);
	fclose(fo);
	fclose(fe);
	x->res.schedules++;
	if (st == RUN_ERROR) {
		fputs(err, x->err);
	} else if (x->diverged) {
		fprintf(x->err, "%s: explore: schedule %llu did not replay its "
			"prefix (a nondeterministic run)\n", x->sc->path,
			(ull)x->res.schedules);
	} else {
		if (st == RUN_VIOLATION)
			report(x, out);
		expand(x);
	}
	free(out);
	free(err);
	return st == RUN_ERROR || x->diverged ? EXPLORE_BAD : 0;
}

/* ------------------------------------------------------------ search --- */

static void explorer_init(struct explorer *x, const struct scenario *sc,
			  const struct explore_opts *o, FILE *out, FILE *err)
{
	int i;

	memset(x, 0, sizeof(*x));
	x->sc = sc;
	x->o = o;
	x->out = out;
	x->err = err;
	x->stacks = calloc(o->bound + 1, sizeof(*x->stacks));
	if (NEVER(!x->stacks))
		abort();
	for (i = 0; i <= o->bound; i++)
		x->stacks[i] = g_array_new(FALSE, FALSE, sizeof(struct branch));
	x->reported = g_ptr_array_new_with_free_func(g_free);
	x->hook.pick = xhook_pick;
	x->hook.ctx = x;
	x->choices = g_array_new(FALSE, FALSE, sizeof(choice_t));
	x->points = g_array_new(FALSE, FALSE, sizeof(struct point));
	x->sched = g_string_new(NULL);
	vt_grow(&x->visited);
	vt_grow(&x->anylast);
}

static void explorer_free(struct explorer *x)
{
	struct branch b;
	int i;

	while (pop(x, &b))
		trace_put(b.t);
	for (i = 0; i <= x->o->bound; i++)
		g_array_free(x->stacks[i], TRUE);
	free(x->stacks);
	free(x->visited.keys);
	free(x->visited.val);
	free(x->anylast.keys);
	free(x->anylast.val);
	g_ptr_array_free(x->reported, TRUE);
	g_array_free(x->choices, TRUE);
	g_array_free(x->points, TRUE);
	g_string_free(x->sched, TRUE);
	free(x->prefix);
}

/**
 * explore_scenario - every schedule of @sc with at most @o->bound
 * preemptions, pruned by state, until exhausted or @o->max_schedules.
 * @sc:  the parsed scenario; its pinned `schedule` lines are honoured.
 * @o:   policy, bound and limit.
 * @out: the report (sim/explore.h).
 * @err: runtime scenario errors.
 * @res: the figures, or NULL.
 *
 * Return: 0 no violation, 1 a violation, 2 a scenario error.
 */
int explore_scenario(const struct scenario *sc, const struct explore_opts *o,
		     FILE *out, FILE *err, struct explore_result *res)
{
	struct branch b = { NULL, 0, 0 };
	struct explorer x;
	bool stopped = false;
	int st = 0;

	explorer_init(&x, sc, o, out, err);
	do {
		if (o->max_schedules && x.res.schedules >= o->max_schedules)
			stopped = true;
		else
			st = explore_one(&x, &b);
		trace_put(b.t);
	} while (!st && !stopped && pop(&x, &b));
	x.res.exhausted = !st && !stopped;
	fprintf(out, "explore: %llu schedules, %llu distinct states, %llu "
		"pruned, %llu violations, bound %d (%s)\n",
		(ull)x.res.schedules, (ull)x.res.states, (ull)x.res.pruned,
		(ull)x.res.violations, o->bound,
		x.res.exhausted ? "exhausted" : st ? "stopped by an error" :
		"stopped at --max-schedules");
	fflush(out);
	if (res)
		*res = x.res;
	explorer_free(&x);
	return st ? st : x.res.violations ? 1 : 0;
}

/* ----------------------------------------------------------- options --- */

static const char explore_usage[] =
"Usage: pcsim explore [--preemptions B] [--policy P] [--max-schedules N]\n"
"                     [--no-prune] FILE.pcs\n";

/* One option; Return: false if its argument is bad. */
static bool explore_opt(void *opts, int ch, const char *arg)
{
	struct explore_opts *o = opts;
	uint64_t v;

	switch (ch) {
	case 'b':
		if (!cli_num(arg, MAX_BOUND, &v))
			return false;
		o->bound = (int)v;
		return true;
	case 'p':
		o->policy = arg;
		return cli_policy_ok(arg);
	case 'm':
		return cli_num(arg, UINT64_MAX, &o->max_schedules) &&
		       o->max_schedules;
	case 'n':
		o->no_prune = true;
		return true;
	}
	return false;
}

static int explore_file(const struct explore_opts *o, const char *path)
{
	struct scenario sc;
	char *perr = NULL;
	int st;

	if (scenario_parse_file(path, &sc, &perr)) {
		fprintf(stderr, "%s\n", perr ? perr : path);
		free(perr);
		return EXPLORE_BAD;
	}
	st = explore_scenario(&sc, o, stdout, stderr, NULL);
	scenario_free(&sc);
	return st;
}

int explore_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "preemptions", required_argument, NULL, 'b' },
		{ "policy", required_argument, NULL, 'p' },
		{ "max-schedules", required_argument, NULL, 'm' },
		{ "no-prune", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct explore_opts o = {
		.bound = DEFAULT_BOUND, .max_schedules = DEFAULT_MAX_SCHEDULES,
	};
	int st = cli_getopt(argc, argv, longopts, explore_opt, &o,
			    explore_usage);

	if (st)
		return st < 0 ? 0 : st;
	if (argc - optind != 1) {
		fprintf(stderr, "pcsim explore: %s\n", argc - optind ?
			"one scenario file at a time" : "no scenario file");
		fputs(explore_usage, stderr);
		return EXPLORE_BAD;
	}
	return explore_file(&o, argv[optind]);
}
