// SPDX-License-Identifier: MIT
/*
 * sim/sched.c - scheduling strategies, pinned schedules and recording.
 *
 * See sim/sched.h for the strategies and the labels.  Invariants: @last is
 * the thread whose step ran last, or -1 before any step and after an event
 * fired; @cur names that step (valid while @has_label); counts are only
 * looked up, never iterated, so the hash table's order never matters.
 *
 * Labels are kept as numbers and formatted only when a decision is
 * recorded or a hook asks: op and step names are interned by their text
 * (@names_id; @ptr_cache only remembers which literal had which id, so no
 * result depends on an address), and a step's count key packs (thread,
 * op id, step id).  @pin_keys[i] is pin i's count key.  A @hook, when set,
 * takes the strategy's place; @world and @progress are only handed to it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched.h"

#define PCT_HORIZON_PER_THREAD 64

/* THREAD@OP/STEP#N as numbers: the op and step ids index @texts. */
struct step_label {
	int thread;
	int op, step;
	uint64_t n;
};

struct sched {
	enum sched_strategy strategy;
	uint64_t rng;			/* splitmix64 state */
	int n;
	char **names;
	int last;
	bool has_label;			/* a step ran since start or irq */
	struct step_label cur;		/* the last step's label */
	char label[160];		/* cur formatted, for the hook */
	GHashTable *counts;		/* count key -> count */
	GHashTable *names_id;		/* op/step text -> id + 1 */
	GPtrArray *texts;		/* id -> text (owned) */
	struct { const char *ptr; int id; } ptr_cache[256];
	struct sched_entry *pins;
	int npins;
	bool *used;
	GPtrArray *recorded;
	int *prio;			/* pct: higher runs first */
	uint64_t *change_at;		/* pct: decision numbers */
	int nchange;
	uint64_t decisions;
	uint64_t *pin_keys;		/* each pin's count key */
	const struct sched_hook *hook;	/* NULL: the strategy decides */
	const struct kernel *world;	/* sched_set_world() */
	uint64_t progress;
	bool stopped;			/* the hook said SCHED_STOP */
};

static const char *const strategy_names[] = {
	[SCHEDULE_FIFO] = "fifo", [SCHEDULE_RR] = "rr",
	[SCHEDULE_RANDOM] = "random", [SCHEDULE_PCT] = "pct",
};

int sched_strategy_parse(const char *name, enum sched_strategy *out)
{
	unsigned int i;

	for (i = 0; i < G_N_ELEMENTS(strategy_names); i++) {
		if (!strcmp(name, strategy_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

const char *sched_strategy_name(enum sched_strategy s)
{
	return strategy_names[s];
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct sched *s, uint64_t n)
{
	return n ? splitmix64(&s->rng) % n : 0;
}

/* PCT: a random permutation of priorities and depth-1 change points. */
static void pct_init(struct sched *s, int depth)
{
	int i;

	s->prio = calloc(s->n ? s->n : 1, sizeof(*s->prio));
	for (i = 0; i < s->n; i++)
		s->prio[i] = i + depth;
	for (i = s->n - 1; i > 0; i--) {
		int j = below(s, i + 1), tmp = s->prio[i];

		s->prio[i] = s->prio[j];
		s->prio[j] = tmp;
	}
	s->nchange = depth > 1 ? depth - 1 : 0;
	s->change_at = calloc(s->nchange ? s->nchange : 1,
			      sizeof(*s->change_at));
	for (i = 0; i < s->nchange; i++)
		s->change_at[i] = 1 + below(s, PCT_HORIZON_PER_THREAD * s->n);
}

static int thread_index(const struct sched *s, const char *name)
{
	int i;

	if (!strcmp(name, "irq"))
		return SCHED_IRQ;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return i;
	return -2;
}

/*
 * text_id - the id of an op or step name, by its text.  Names are string
 * literals, so a small cache by address saves the string hash; the id
 * itself always comes from the text.
 */
static int text_id(struct sched *s, const char *text)
{
	unsigned int slot = (unsigned int)((uintptr_t)text >> 3) %
			    G_N_ELEMENTS(s->ptr_cache);
	gpointer id;

	if (!text)
		text = "";
	if (s->ptr_cache[slot].ptr == text)
		return s->ptr_cache[slot].id;
	id = g_hash_table_lookup(s->names_id, text);
	if (!id) {
		g_ptr_array_add(s->texts, g_strdup(text));
		id = GINT_TO_POINTER((int)s->texts->len);
		g_hash_table_insert(s->names_id, g_strdup(text), id);
	}
	s->ptr_cache[slot].ptr = text;
	s->ptr_cache[slot].id = GPOINTER_TO_INT(id) - 1;
	return s->ptr_cache[slot].id;
}

/* A step count's key: (thread, op, step) packed; thread -2 never runs. */
static uint64_t count_key(int thread, int op, int step)
{
	return (uint64_t)(uint16_t)thread << 48 | (uint64_t)op << 24 |
	       (uint64_t)step;
}

static uint64_t label_key(const struct step_label *l)
{
	return count_key(l->thread, l->op, l->step);
}

/* The current label as text, "THREAD@OP/STEP#N". */
static const char *label_text(struct sched *s)
{
	const struct step_label *l = &s->cur;

	snprintf(s->label, sizeof(s->label), "%s@%s/%s#%llu",
		 s->names[l->thread], (const char *)s->texts->pdata[l->op],
		 (const char *)s->texts->pdata[l->step],
		 (unsigned long long)l->n);
	return s->label;
}

struct sched *sched_new(enum sched_strategy strategy, uint64_t seed,
			int pct_depth, int nthreads, char *const *names,
			const struct sched_entry *pins, int npins)
{
	struct sched *s = calloc(1, sizeof(*s));
	int i;

	s->strategy = strategy;
	s->rng = seed ^ 0x70637369ULL;		/* "pcsi" */
	s->n = nthreads;
	s->names = calloc(nthreads + 1, sizeof(*s->names));
	for (i = 0; i < nthreads; i++)
		s->names[i] = g_strdup(names[i]);
	s->last = -1;
	s->counts = g_hash_table_new(g_direct_hash, g_direct_equal);
	s->names_id = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    NULL);
	s->texts = g_ptr_array_new_with_free_func(g_free);
	s->pins = calloc(npins + 1, sizeof(*s->pins));
	s->used = calloc(npins + 1, sizeof(*s->used));
	s->pin_keys = calloc(npins + 1, sizeof(*s->pin_keys));
	for (i = 0; i < npins; i++) {
		s->pins[i].thread = g_strdup(pins[i].thread);
		s->pins[i].op = g_strdup(pins[i].op);
		s->pins[i].step = g_strdup(pins[i].step);
		s->pins[i].target = g_strdup(pins[i].target);
		s->pins[i].n = pins[i].n;
	}
	s->npins = npins;
	for (i = 0; i < npins; i++)
		s->pin_keys[i] = count_key(thread_index(s, pins[i].thread),
					   text_id(s, pins[i].op),
					   text_id(s, pins[i].step));
	s->recorded = g_ptr_array_new_with_free_func(g_free);
	if (strategy == SCHEDULE_PCT)
		pct_init(s, pct_depth > 0 ? pct_depth : 3);
	return s;
}

void sched_free(struct sched *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		g_free(s->names[i]);
	for (i = 0; i < s->npins; i++) {
		g_free(s->pins[i].thread);
		g_free(s->pins[i].op);
		g_free(s->pins[i].step);
		g_free(s->pins[i].target);
	}
	free(s->pin_keys);
	free(s->names);
	free(s->pins);
	free(s->used);
	free(s->prio);
	free(s->change_at);
	g_hash_table_destroy(s->counts);
	g_hash_table_destroy(s->names_id);
	g_ptr_array_free(s->texts, TRUE);
	g_ptr_array_free(s->recorded, TRUE);
	free(s);
}

static bool has(const int *cand, int n, int c)
{
	int i;

	for (i = 0; i < n; i++)
		if (cand[i] == c)
			return true;
	return false;
}

/* fifo: the last thread while it can run, else the lowest; irq last. */
static int pick_fifo(const struct sched *s, const int *cand, int n)
{
	int i, best = SCHED_IRQ;

	if (s->last >= 0 && has(cand, n, s->last))
		return s->last;
	for (i = 0; i < n; i++)
		if (cand[i] != SCHED_IRQ && (best == SCHED_IRQ || cand[i] < best))
			best = cand[i];
	return best;
}

static int pick_rr(const struct sched *s, const int *cand, int n)
{
	int d, c;

	for (d = 1; d <= s->n; d++) {
		c = (s->last + d + s->n) % s->n;
		if (has(cand, n, c))
			return c;
	}
	return SCHED_IRQ;
}

static int pick_pct(struct sched *s, const int *cand, int n)
{
	int i, best = SCHED_IRQ, low = 0;

	for (i = 0; i < s->nchange; i++) {
		if (s->change_at[i] != s->decisions || s->last < 0)
			continue;
		for (int j = 0; j < s->n; j++)
			low = s->prio[j] < low ? s->prio[j] : low;
		s->prio[s->last] = low - 1;
	}
	for (i = 0; i < n; i++)
		if (cand[i] != SCHED_IRQ &&
		    (best == SCHED_IRQ || s->prio[cand[i]] > s->prio[best]))
			best = cand[i];
	return best;
}

static int pick_strategy(struct sched *s, const int *cand, int n)
{
	switch (s->strategy) {
	case SCHEDULE_RR:
		return pick_rr(s, cand, n);
	case SCHEDULE_RANDOM:
		return cand[below(s, n)];
	case SCHEDULE_PCT:
		return pick_pct(s, cand, n);
	default:
		return pick_fifo(s, cand, n);
	}
}


/* The unused pin for the current label whose target can run, or -2. */
static int pick_pinned(struct sched *s, const int *cand, int n)
{
	uint64_t key = label_key(&s->cur);
	int i, target;

	for (i = 0; i < s->npins; i++) {
		const struct sched_entry *e = &s->pins[i];

		if (s->used[i] || s->pin_keys[i] != key || e->n != s->cur.n)
			continue;
		target = thread_index(s, e->target);
		if (!has(cand, n, target))
			continue;
		s->used[i] = true;
		return target;
	}
	return -2;
}

void sched_set_hook(struct sched *s, const struct sched_hook *hook)
{
	s->hook = hook;
}

void sched_set_world(struct sched *s, const struct kernel *k,
		     uint64_t progress)
{
	s->world = k;
	s->progress = progress;
}

/*
 * The pins' progress: fired or not, and for an unused one its key's step
 * count so far, capped at its N (a count that reached N without the pin
 * firing can never fire it).
 */
static uint64_t pins_digest(const struct sched *s)
{
	uint64_t h = 0x70696e73ULL, x;		/* "pins" */
	gsize count;
	int i;

	for (i = 0; i < s->npins; i++) {
		count = GPOINTER_TO_SIZE(g_hash_table_lookup(s->counts,
					GSIZE_TO_POINTER(s->pin_keys[i])));
		if (count > s->pins[i].n)
			count = s->pins[i].n;
		x = h ^ (s->used[i] ? UINT64_MAX : (uint64_t)count);
		h = splitmix64(&x);
	}
	return h;
}

/* Ask the hook; a choice that is not a candidate falls back to fifo. */
static int pick_hook(struct sched *s, const int *cand, int n, int fifo)
{
	struct sched_point pt = {
		.cand = cand, .n = n, .fifo = fifo, .last = s->last,
		.label = label_text(s), .names = s->names,
		.pins = pins_digest(s), .k = s->world,
		.progress = s->progress,
	};
	int choice = s->hook->pick(s->hook->ctx, &pt);

	if (choice == SCHED_STOP)
		return choice;
	return has(cand, n, choice) ? choice : fifo;
}

int sched_pick(struct sched *s, const int *cand, int n)
{
	int fifo = pick_fifo(s, cand, n), choice;

	s->decisions++;
	if (!s->has_label)		/* no step yet since start or irq */
		return fifo;
	choice = pick_pinned(s, cand, n);
	if (choice == -2 && s->hook)
		choice = pick_hook(s, cand, n, fifo);
	if (choice == SCHED_STOP) {
		s->stopped = true;
		return choice;
	}
	if (choice == -2)
		choice = pick_strategy(s, cand, n);
	if (choice != fifo)
		g_ptr_array_add(s->recorded, g_strdup_printf("%s->%s",
					label_text(s),
					choice == SCHED_IRQ ? "irq" :
					s->names[choice]));
	if (choice == SCHED_IRQ) {
		s->last = -1;
		s->has_label = false;
	}
	return choice;
}

void sched_ran(struct sched *s, int thread, const char *op, const char *step)
{
	struct step_label *l = &s->cur;
	gpointer key;

	l->thread = thread;
	l->op = text_id(s, op);
	l->step = text_id(s, step);
	key = GSIZE_TO_POINTER(label_key(l));
	l->n = GPOINTER_TO_SIZE(g_hash_table_lookup(s->counts, key)) + 1;
	g_hash_table_insert(s->counts, key, GSIZE_TO_POINTER(l->n));
	s->has_label = true;
	s->last = thread;
}

GPtrArray *sched_recorded(const struct sched *s)
{
	return s->recorded;
}

bool sched_stopped(const struct sched *s)
{
	return s->stopped;
}

int sched_unused_pins(const struct sched *s)
{
	int i, n = 0;

	for (i = 0; i < s->npins; i++)
		n += !s->used[i];
	return n;
}
