// SPDX-License-Identifier: MIT
/*
 * sim/sched.c - scheduling strategies, pinned schedules and recording.
 *
 * See sim/sched.h for the strategies and the labels.  Invariants: @last is
 * the thread whose step ran last, or -1 before any step and after an event
 * fired; @cur names the last step settled (below); counts are only looked
 * up, never iterated, so the table's order never matters.
 *
 * Labels are kept as numbers and formatted only when a hook asks or the
 * recorded schedule is read (sched_recorded()): op and step names are
 * interned by their text, once per process (@interned below), and a
 * step's count key packs (thread, op id, step id).  @pin_keys[i] is pin
 * i's count key.  A decision that differs from fifo is appended to @taken as
 * (label, choice); sched_recorded() formats those not formatted yet onto
 * @recorded.  A @hook, when set, takes the strategy's place; @world and
 * @progress are only handed to it.
 *
 * Labels are worked out late: sched_ran() only appends the step to @log,
 * and settle() interns the names, bumps the counts and labels the decisions
 * taken meanwhile when a label is read (pins, a hook, sched_recorded()) or
 * the log is full.  A fuzz run reads none, and interning and counting at
 * every step, each a probe of a table the model's step had evicted from
 * the cache, was a tenth of its scheduling time.  Steps [0, @log_base) are
 * settled; so are decisions [0, @settled), the others name a step of the
 * log by number.
 *
 * The step counts are an open-addressing table of their own (struct
 * counts), allocated at the first settled step: settling a step looks one
 * up and bumps it, which a GHashTable did in two calls, each hashing the
 * key again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/never.h"
#include "model/sanitizer.h"
#include "sim/sched.h"

#define PCT_HORIZON_PER_THREAD 64

/* THREAD@OP/STEP#N as numbers: the op and step ids index interned.texts. */
struct step_label {
	int thread;
	int op, step;
	uint64_t n;
};

/* A recorded decision: after the step @label, @choice ran (or irq). */
struct decision {
	struct step_label label;	/* once settled */
	uint64_t step;			/* until then: which step */
	int choice;
};

/* A step not settled yet: sched_ran()'s arguments. */
struct step_rec {
	const char *op, *step;
	int thread;
};

#define LOG_MIN		64
#define LOG_MAX		1024	/* steps logged before they are settled */

/* The decisions taken, in order (a random schedule takes one in five). */
struct decisions {
	struct decision *v;
	size_t n, cap;
};

/* Step counts by count key; an entry with n == 0 is free. */
struct counts {
	struct count_ent {
		uint64_t key, n;
	} *ent;
	size_t mask;			/* capacity - 1, a power of two */
	size_t used;
};

struct sched {
	enum sched_strategy strategy;
	uint64_t rng;			/* splitmix64 state */
	int n;
	char **names;
	int last;
	bool has_label;			/* a step ran since start or irq */
	struct step_label cur;		/* the last settled step's label */
	char label[160];		/* cur formatted, for the hook */
	struct counts counts;		/* count key -> count */
	struct sched_entry *pins;
	int npins;
	bool *used;
	struct decisions taken;
	size_t settled;			/* decisions with their label */
	struct step_rec *log;		/* steps not settled */
	size_t nlog, logcap;
	uint64_t log_base;		/* the number of log[0] */
	GPtrArray *recorded;		/* the first ones formatted */
	int *prio;			/* pct: higher runs first */
	uint64_t *change_at;		/* pct: decision numbers */
	int nchange;
	uint64_t decisions;
	uint64_t *pin_keys;		/* each pin's count key */
	const struct sched_hook *hook;	/* NULL: the strategy decides */
	const struct kernel *world;	/* sched_set_world() */
	uint64_t progress;
	bool stopped;			/* the hook said SCHED_STOP */
	int fired, refused;		/* pins the last sched_pick() fired and
					   refused (sched_pin_fired()), -1 */
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

#define NAMES_CACHE	512	/* a power of two */

/*
 * Op and step names, interned once per process (per OS thread), not per
 * scheduler: the model's names are a few dozen literals that every run
 * meets again, and interning them anew cost a fuzz campaign 2% of its
 * time.  An id only stands for its text (runs compare ids and format their
 * texts, nothing else), so which run met a name first changes no result.
 * @cache maps the address of a sched_ran() name, which lives as long as
 * the process (sim/sched.h), to its id; no other text enters it, so no
 * address is ever reused for another text and no result depends on one.
 */
static __thread struct {
	GHashTable *ids;		/* text -> id + 1 (owned keys) */
	GPtrArray *texts;		/* id -> text: the same keys */
	struct { const char *ptr; int id; } cache[NAMES_CACHE];
} interned;

/* The id of an op or step name, by its text. */
static int text_id(const char *text)
{
	gpointer id;
	char *copy;

	if (!interned.ids) {
		interned.ids = g_hash_table_new(g_str_hash, g_str_equal);
		interned.texts = g_ptr_array_new_with_free_func(g_free);
	}
	id = g_hash_table_lookup(interned.ids, text);
	if (id)
		return GPOINTER_TO_INT(id) - 1;
	copy = g_strdup(text);
	g_ptr_array_add(interned.texts, copy);
	g_hash_table_insert(interned.ids, copy,
			    GINT_TO_POINTER((int)interned.texts->len));
	return (int)interned.texts->len - 1;
}

/* The id of a sched_ran() name: by its address when the cache knows it. */
static int literal_id(const char *text)
{
	unsigned int slot;

	if (!text)
		text = "";
	slot = (unsigned int)(((uintptr_t)text * 0x9e3779b97f4a7c15ULL) >> 32) &
	       (NAMES_CACHE - 1);
	if (interned.cache[slot].ptr != text) {
		interned.cache[slot].id = text_id(text);
		interned.cache[slot].ptr = text;
	}
	return interned.cache[slot].id;
}

#define PAIRS_CACHE	512	/* a power of two */

/*
 * The ids of a step's (op, step) names, as literal_id() gives them, by
 * the pair of addresses: settle() labels every step, and one probe for
 * both costs half of two.  Like @interned.cache, an address only selects
 * the entry that remembers its ids.
 */
static __thread struct {
	const char *op, *step;
	int op_id, step_id;
} pairs[PAIRS_CACHE];

static void pair_ids(const char *op, const char *step, int *op_id,
		     int *step_id)
{
	uint64_t h = (uintptr_t)op * 0x9e3779b97f4a7c15ULL ^
		     (uintptr_t)step * 0xc2b2ae3d27d4eb4fULL;
	unsigned int slot = (unsigned int)(h >> 32) & (PAIRS_CACHE - 1);

	if (pairs[slot].op != op || pairs[slot].step != step ||
	    !pairs[slot].op) {	/* an empty entry, or NULL names */
		pairs[slot].op = op;
		pairs[slot].step = step;
		pairs[slot].op_id = literal_id(op);
		pairs[slot].step_id = literal_id(step);
	}
	*op_id = pairs[slot].op_id;
	*step_id = pairs[slot].step_id;
}

/* Free the names at exit, so that memcheck sees nothing held. */
__attribute__((destructor)) static void names_free(void)
{
	if (!interned.ids)
		return;
	g_hash_table_destroy(interned.ids);
	g_ptr_array_free(interned.texts, TRUE);
	memset(&interned, 0, sizeof(interned));
	memset(pairs, 0, sizeof(pairs));
}

/*
 * The step log and decisions buffers of a freed scheduler, kept for the
 * next sched_new() of this OS thread: a fuzz campaign makes two
 * schedulers a run, and growing both afresh cost several reallocs of
 * chunks large enough that malloc consolidated its free lists first.
 * Only a buffer's capacity is reused, never its contents.  None under
 * AddressSanitizer, which must see every free.
 */
struct spare {
	void *v;
	size_t cap;			/* elements */
};

static __thread struct spare spare_log, spare_taken;

/* The buffer kept in @sp (NULL if none), its capacity in *@cap. */
static void *spare_take(struct spare *sp, size_t *cap)
{
	void *v = sp->v;

	*cap = sp->cap;
	*sp = (struct spare){ NULL, 0 };
	return v;
}

/* Keep @v, of @cap elements, in @sp if it is the larger; free the other. */
static void spare_keep(struct spare *sp, void *v, size_t cap)
{
	if (PCSIM_ASAN || cap <= sp->cap) {
		free(v);
		return;
	}
	free(sp->v);
	*sp = (struct spare){ v, cap };
}

/* Free the spares at exit, so that memcheck sees nothing held. */
__attribute__((destructor)) static void spares_free(void)
{
	size_t cap;

	free(spare_take(&spare_log, &cap));
	free(spare_take(&spare_taken, &cap));
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

#define COUNTS_MIN	256	/* what a fuzz run's section needs */

static void counts_init(struct counts *c, size_t cap)
{
	c->ent = calloc(cap, sizeof(*c->ent));
	c->mask = cap - 1;
	c->used = 0;
}

/* The entry of @key: its own, or the free one where it would go. */
static struct count_ent *counts_slot(const struct counts *c, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & c->mask;

	while (c->ent[i].n && c->ent[i].key != key)
		i = (i + 1) & c->mask;
	return &c->ent[i];
}

static uint64_t counts_get(const struct counts *c, uint64_t key)
{
	return c->ent ? counts_slot(c, key)->n : 0;
}

/* One more step of @key; Return: its count now. */
static uint64_t counts_bump(struct counts *c, uint64_t key)
{
	struct count_ent *e;

	if (!c->ent)		/* the first settled step */
		counts_init(c, COUNTS_MIN);
	e = counts_slot(c, key);

	if (!e->n && 2 * (c->used + 1) > c->mask + 1) {	/* grow first */
		struct counts old = *c;
		size_t i;

		counts_init(c, 2 * (old.mask + 1));
		for (i = 0; i <= old.mask; i++)
			if (old.ent[i].n)
				*counts_slot(c, old.ent[i].key) = old.ent[i];
		c->used = old.used;
		free(old.ent);
		e = counts_slot(c, key);
	}
	if (!e->n) {
		e->key = key;
		c->used++;
	}
	return ++e->n;
}

/* Label @l as text, "THREAD@OP/STEP#N", in @buf of @size bytes. */
static const char *label_format(const struct sched *s,
				const struct step_label *l, char *buf,
				size_t size)
{
	const char *const *texts = (const char *const *)interned.texts->pdata;

	snprintf(buf, size, "%s@%s/%s#%llu", s->names[l->thread],
		 texts[l->op], texts[l->step], (unsigned long long)l->n);
	return buf;
}

/* The current label as text. */
static const char *label_text(struct sched *s)
{
	return label_format(s, &s->cur, s->label, sizeof(s->label));
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
	s->fired = s->refused = -1;
	s->log = spare_take(&spare_log, &s->logcap);
	s->taken.v = spare_take(&spare_taken, &s->taken.cap);
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
		s->pin_keys[i] = count_key(thread_index(s, s->pins[i].thread),
					   text_id(s->pins[i].op),
					   text_id(s->pins[i].step));
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
	spare_keep(&spare_log, s->log, s->logcap);
	free(s->names);
	free(s->pins);
	free(s->used);
	free(s->prio);
	free(s->change_at);
	free(s->counts.ent);
	spare_keep(&spare_taken, s->taken.v, s->taken.cap);
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


/*
 * The unused pin for the current label whose target can run, or -2; the
 * first one whose target cannot is noted as refused.
 */
static int pick_pinned(struct sched *s, const int *cand, int n)
{
	uint64_t key = label_key(&s->cur);
	int i, target;

	for (i = 0; i < s->npins; i++) {
		const struct sched_entry *e = &s->pins[i];

		if (s->used[i] || s->pin_keys[i] != key || e->n != s->cur.n)
			continue;
		target = thread_index(s, e->target);
		if (!has(cand, n, target)) {
			if (s->refused < 0)
				s->refused = i;
			continue;
		}
		s->used[i] = true;
		s->fired = i;
		return target;
	}
	return -2;
}

int sched_pin_fired(const struct sched *s)
{
	return s->fired;
}

int sched_pin_refused(const struct sched *s)
{
	return s->refused;
}

void sched_pin_text(const struct sched *s, int i, char *buf, size_t n)
{
	const struct sched_entry *e = &s->pins[i];

	snprintf(buf, n, "%s@%s/%s#%u->%s", e->thread, e->op, e->step, e->n,
		 e->target);
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
		count = counts_get(&s->counts, s->pin_keys[i]);
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

/*
 * Label the logged steps, in order, and the decisions taken after them;
 * @cur is then the last step's label.
 */
static void settle(struct sched *s)
{
	struct step_label *l = &s->cur;
	size_t i, j = s->settled;

	for (i = 0; i < s->nlog; i++) {
		l->thread = s->log[i].thread;
		pair_ids(s->log[i].op, s->log[i].step, &l->op, &l->step);
		l->n = counts_bump(&s->counts, label_key(l));
		for (; j < s->taken.n && s->taken.v[j].step == s->log_base + i;
		     j++)
			s->taken.v[j].label = *l;
	}
	s->settled = j;
	s->log_base += s->nlog;
	s->nlog = 0;
}

/* Record @choice, taken after the last step. */
static void decisions_add(struct sched *s, int choice)
{
	struct decisions *ds = &s->taken;

	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? 2 * ds->cap : 64;
		ds->v = realloc(ds->v, ds->cap * sizeof(*ds->v));
		if (NEVER(!ds->v))
			abort();
	}
	ds->v[ds->n].step = s->log_base + s->nlog - 1;
	ds->v[ds->n].choice = choice;
	if (!s->nlog) {		/* that step is settled, so are the others */
		ds->v[ds->n].label = s->cur;
		s->settled++;
	}
	ds->n++;
}

int sched_pick(struct sched *s, const int *cand, int n)
{
	int fifo = pick_fifo(s, cand, n), choice;

	s->decisions++;
	s->fired = s->refused = -1;
	if (!s->has_label)		/* no step yet since start or irq */
		return fifo;
	if (s->npins || s->hook)	/* they read the label */
		settle(s);
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
		decisions_add(s, choice);
	if (choice == SCHED_IRQ) {
		s->last = -1;
		s->has_label = false;
	}
	return choice;
}

/* Grow the log up to LOG_MAX steps, then settle them. */
static void log_make_room(struct sched *s)
{
	if (s->logcap == LOG_MAX) {
		settle(s);
		return;
	}
	s->logcap = s->logcap ? 2 * s->logcap : LOG_MIN;
	s->log = realloc(s->log, s->logcap * sizeof(*s->log));
	if (NEVER(!s->log))
		abort();
}

void sched_ran(struct sched *s, int thread, const char *op, const char *step)
{
	if (s->nlog == s->logcap)
		log_make_room(s);
	s->log[s->nlog].op = op;
	s->log[s->nlog].step = step;
	s->log[s->nlog++].thread = thread;
	s->has_label = true;
	s->last = thread;
}

GPtrArray *sched_recorded(struct sched *s)
{
	char buf[sizeof(s->label)];
	guint i;

	settle(s);
	for (i = s->recorded->len; i < s->taken.n; i++) {
		const struct decision *d = &s->taken.v[i];

		g_ptr_array_add(s->recorded, g_strdup_printf("%s->%s",
				label_format(s, &d->label, buf, sizeof(buf)),
				d->choice == SCHED_IRQ ? "irq" :
				s->names[d->choice]));
	}
	return s->recorded;
}

bool sched_wants_world(const struct sched *s)
{
	return s->hook != NULL;
}

bool sched_stopped(const struct sched *s)
{
	return s->stopped;
}

enum sched_pin_state sched_pin_state(struct sched *s, int i)
{
	if (s->used[i])
		return PIN_FIRED;
	settle(s);
	return counts_get(&s->counts, s->pin_keys[i]) >= s->pins[i].n ?
	       PIN_REFUSED : PIN_STALE;
}

int sched_unused_pins(const struct sched *s)
{
	int i, n = 0;

	for (i = 0; i < s->npins; i++)
		n += !s->used[i];
	return n;
}
