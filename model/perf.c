// SPDX-License-Identifier: MIT
/*
 * model/perf.c - what-if metrics of a run (model/perf.h).
 *
 * Invariant: nothing in this file changes model state other than struct
 * kperf, and the clock in perf_step_cost() when a step cost is configured.
 */
#include <stdlib.h>
#include <string.h>

#include "model/core.h"
#include "model/perf.h"

void perf_free(struct kperf *p)
{
	if (p->lat)
		g_array_free(p->lat, TRUE);
	p->lat = NULL;
}

void perf_time_passes(struct kernel *k, vtime_t to)
{
	uint64_t add, now = k->events.now;

	if (to <= now)
		return;
	if (__builtin_mul_overflow(k->stats.nr_cached, to - now, &add) ||
	    __builtin_add_overflow(k->perf.page_ns, add, &k->perf.page_ns))
		k->perf.page_ns = UINT64_MAX;
}

void perf_step_cost(struct kernel *k)
{
	uint64_t cost = k->cfg.step_cost_ns;

	if (!cost)
		return;
	perf_time_passes(k, k->events.now + cost);
	eventq_advance(&k->events, cost);
}

bool perf_is_op(enum sys_kind kind)
{
	switch (kind) {
	case SYS_PWRITE:
	case SYS_PREAD:
	case SYS_READ_MD5:
	case SYS_MSTORE:
	case SYS_MLOAD:
	case SYS_MSYNC:
	case SYS_FSYNC:
	case SYS_FDATASYNC:
	case SYS_FTRUNCATE:
	case SYS_FALLOCATE:
	case SYS_CLONE:
	case SYS_DEDUPE:
	case SYS_SYNC:
		return true;
	default:	/* bookkeeping, simulator verbs, sleeps, kthreads */
		return false;
	}
}

/* The pages a call moved: bytes read, written, stored or remapped. */
static uint64_t call_pages(const struct kernel *k, const struct task *t)
{
	switch (t->req.kind) {
	case SYS_PWRITE:
	case SYS_PREAD:
	case SYS_READ_MD5:
	case SYS_MSTORE:
	case SYS_MLOAD:
	case SYS_CLONE:
	case SYS_DEDUPE:
		return (t->res.done + kpage_size(k) - 1) >> k->page_shift;
	default:
		return 0;
	}
}

void perf_call_returned(struct kernel *k, const struct task *t)
{
	uint64_t ns;

	k->stats.page_ops += call_pages(k, t);
	if (!t->proc->mm)		/* a kernel thread's work */
		return;
	if (t->req.kind == SYS_PWRITE && !t->res.err)	/* add_wchar() */
		k->perf.app_write_bytes += t->res.done;
	if (!perf_is_op(t->req.kind))
		return;
	if (!k->perf.lat)
		k->perf.lat = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	ns = k->events.now - t->submitted;
	g_array_append_val(k->perf.lat, ns);
}

uint64_t perf_percentile(const uint64_t *sorted, size_t n, unsigned int pct)
{
	size_t rank;

	if (!n)
		return 0;
	if (pct > 100)
		pct = 100;
	rank = (pct * n + 99) / 100;	/* ceil(pct * n / 100) */
	return sorted[rank ? rank - 1 : 0];
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void kernel_perf(const struct kernel *k, struct sys_perf *o)
{
	const GArray *lat = k->perf.lat;
	uint64_t *v = NULL;
	size_t n = lat ? lat->len : 0;

	memset(o, 0, sizeof(*o));
	o->elapsed_ns = k->events.now;
	o->page_ns = k->perf.page_ns;
	o->app_write_bytes = k->perf.app_write_bytes;
	o->dev_write_bytes = k->stats.wb_bytes + k->perf.dax_write_bytes;
	o->nr_ops = n;
	if (!n)
		return;
	v = g_memdup2(lat->data, n * sizeof(*v));
	qsort(v, n, sizeof(*v), u64_cmp);
	o->lat_p50_ns = perf_percentile(v, n, 50);
	o->lat_p99_ns = perf_percentile(v, n, 99);
	o->lat_max_ns = v[n - 1];
	g_free(v);
}
