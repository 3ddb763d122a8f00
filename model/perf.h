/* SPDX-License-Identifier: MIT */
/*
 * model/perf.h - what-if metrics of a run: memory over time, bytes written
 * by applications and to the device, operation latency in virtual time
 * (pcsim compare, docs/WHATIF.md).
 *
 * Scope: counters the engine and a few model paths feed, and their
 * summary (kernel_perf(), model/sys.h).  Nothing here changes what the
 * model does: the counters are written, never read, by the model, so every
 * run's output is the same with or without them.
 *
 * Definitions (exact and deterministic: integers, virtual time only):
 *
 *   page_ns       the integral of the cached page count over virtual time,
 *                 in page-nanoseconds: each time virtual time passes from
 *                 t0 to t1 (an event fires, or a step's cost elapses, see
 *                 kconfig.step_cost_ns) nr_cached * (t1 - t0) is added.
 *                 Divided by the elapsed time it is the time-weighted mean
 *                 of cached pages.  Saturates at UINT64_MAX.
 *   app_write_bytes  bytes applications wrote: what write()/pwrite()
 *                 returned (the kernel's add_wchar() in vfs_write) plus
 *                 bytes stored through shared mappings (which the kernel
 *                 does not count anywhere; the model knows them).
 *   dax_write_bytes  bytes written to persistent memory by DAX, which the
 *                 block layer never sees: bytes stored (write() or a store
 *                 through a PTE) and a whole block per block the DAX path
 *                 allocates and fills (COW copy, zeroed new block).
 *   lat           one sample per operation that returned: the virtual time
 *                 at its return minus the time at its submission
 *                 (kernel_submit), for system calls of scenario processes
 *                 that move or share data (perf_is_op()), in return order.
 */
#ifndef PCSIM_MODEL_PERF_H
#define PCSIM_MODEL_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "model/sys.h"
#include "sim/eventq.h"

struct kernel;
struct task;

struct kperf {
	uint64_t page_ns;
	uint64_t app_write_bytes;
	uint64_t dax_write_bytes;
	GArray *lat;		/* uint64_t ns; NULL until the first sample */
};

/* Free what @p holds (kernel_free). */
void perf_free(struct kperf *p);

/*
 * perf_time_passes - virtual time is about to advance from now to @to:
 * account the pages cached meanwhile.  Call it before the clock moves;
 * a @to not after now adds nothing.
 */
void perf_time_passes(struct kernel *k, vtime_t to);

/*
 * perf_step_cost - a kernel step ran: the clock advances by its cost
 * (kconfig.step_cost_ns; 0, the default, keeps time still).
 */
void perf_step_cost(struct kernel *k);

/* Is a system call of @kind an operation whose latency is sampled? */
bool perf_is_op(enum sys_kind kind);

/* @t's system call returned (engine.c, call_returned()): sample it. */
void perf_call_returned(struct kernel *k, const struct task *t);

/*
 * perf_percentile - the @pct-th percentile (0..100) of @n sorted values by
 * the nearest-rank method: the smallest value with at least @pct percent of
 * the values at or below it, i.e. sorted[ceil(pct * n / 100) - 1], and
 * sorted[0] for pct 0.  Return: that value, or 0 if @n is 0.
 */
uint64_t perf_percentile(const uint64_t *sorted, size_t n, unsigned int pct);

#endif /* PCSIM_MODEL_PERF_H */
