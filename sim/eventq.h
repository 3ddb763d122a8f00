/* SPDX-License-Identifier: MIT */
/*
 * sim/eventq.h - the discrete-event queue.
 *
 * Scope: a min-heap of events keyed by (virtual time, sequence number).  The
 * sequence number is assigned at insertion and strictly increases, so two
 * events due at the same virtual time pop in insertion order: the order never
 * depends on pointer values, and a run is reproducible bit for bit.
 *
 * The queue knows nothing of what an event means: @type and @obj belong to
 * the model that scheduled it.
 */
#ifndef PCSIM_SIM_EVENTQ_H
#define PCSIM_SIM_EVENTQ_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t vtime_t;	/* virtual nanoseconds since boot */

struct event {
	vtime_t time;		/* when it fires */
	uint64_t seq;		/* tie breaker: insertion order */
	int type;		/* owner-defined */
	void *obj;		/* owner-defined payload */
};

struct eventq {
	struct event *heap;	/* binary min-heap on (time, seq) */
	uint32_t nr, cap;
	uint64_t next_seq;	/* next sequence number to hand out */
	vtime_t now;		/* virtual time: never decreases */
};

void eventq_init(struct eventq *q);
void eventq_destroy(struct eventq *q);
/* Schedule @type/@obj at now + @delay.  Return: the event's sequence number. */
uint64_t eventq_push(struct eventq *q, vtime_t delay, int type, void *obj);
/*
 * Pop the earliest event into *@ev and advance now to its time, unless now
 * is already later (eventq_advance() ran the clock past it: the event is
 * handled late, and time never runs backwards).  Return: false if empty.
 */
bool eventq_pop(struct eventq *q, struct event *ev);
/* Let @d of virtual time pass without popping anything (CPU time). */
static inline void eventq_advance(struct eventq *q, vtime_t d) { q->now += d; }
/* Earliest event without removing it, or NULL. */
const struct event *eventq_peek(const struct eventq *q);
static inline bool eventq_empty(const struct eventq *q) { return q->nr == 0; }

#endif /* PCSIM_SIM_EVENTQ_H */
