// SPDX-License-Identifier: MIT
/*
 * sim/eventq.c - binary min-heap of events on (time, seq).
 *
 * Invariant: for every i > 0, key(heap[(i-1)/2]) < key(heap[i]), where key
 * is the pair (time, seq) compared lexicographically.  seq values are unique.
 */
#include <stdlib.h>
#include <string.h>

#include "model/never.h"
#include "sim/eventq.h"

static bool ev_before(const struct event *a, const struct event *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	return a->seq < b->seq;
}

static void ev_swap(struct event *a, struct event *b)
{
	struct event t = *a;

	*a = *b;
	*b = t;
}

void eventq_init(struct eventq *q)
{
	memset(q, 0, sizeof(*q));
}

void eventq_destroy(struct eventq *q)
{
	free(q->heap);
	memset(q, 0, sizeof(*q));
}

static void sift_up(struct eventq *q, uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!ev_before(&q->heap[i], &q->heap[p]))
			break;
		ev_swap(&q->heap[i], &q->heap[p]);
		i = p;
	}
}

static void sift_down(struct eventq *q, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->nr && ev_before(&q->heap[l], &q->heap[m]))
			m = l;
		if (r < q->nr && ev_before(&q->heap[r], &q->heap[m]))
			m = r;
		if (m == i)
			return;
		ev_swap(&q->heap[i], &q->heap[m]);
		i = m;
	}
}

uint64_t eventq_push(struct eventq *q, vtime_t delay, int type, void *obj)
{
	struct event *ev;

	if (q->nr == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->heap = realloc(q->heap, q->cap * sizeof(*q->heap));
		if (NEVER(!q->heap))
			abort();
	}
	ev = &q->heap[q->nr];
	ev->time = q->now + delay;
	ev->seq = q->next_seq++;
	ev->type = type;
	ev->obj = obj;
	sift_up(q, q->nr++);
	return q->next_seq - 1;	/* ev may have moved in sift_up() */
}

bool eventq_pop(struct eventq *q, struct event *ev)
{
	if (!q->nr)
		return false;
	*ev = q->heap[0];
	q->heap[0] = q->heap[--q->nr];
	sift_down(q, 0);
	if (ev->time > q->now)
		q->now = ev->time;
	return true;
}

const struct event *eventq_peek(const struct eventq *q)
{
	return q->nr ? &q->heap[0] : NULL;
}
