/* SPDX-License-Identifier: MIT */
/*
 * sim/coro.h - coroutines: the scenario threads of a concurrent section.
 *
 * Scope: asymmetric coroutines on one OS thread.  The caller (a section's
 * main loop) resumes a coroutine with coro_resume(); the coroutine runs
 * until it calls coro_yield() or its function returns, and control comes
 * back to the caller.  Nothing runs in parallel, so a run is deterministic
 * and needs no locks; a switch costs a few register moves, not a futex
 * round trip through the host scheduler.
 *
 * Stacks are CORO_STACK bytes of anonymous memory below a guard page, kept
 * in a small free list so that a fuzz campaign does not map one per run.
 * They are registered with valgrind and announced to AddressSanitizer on
 * every switch, so memcheck and ASan follow the stack changes.
 *
 * Rules: coro_yield() only from inside a coroutine; coro_resume() only from
 * outside one (no nesting); a coroutine is freed only when it is done or
 * was never resumed.
 */
#ifndef PCSIM_SIM_CORO_H
#define PCSIM_SIM_CORO_H

#include <stdbool.h>

struct coro;

typedef void (*coro_fn)(void *arg);

/* A coroutine that will run @fn(@arg) when first resumed. */
struct coro *coro_new(coro_fn fn, void *arg);

/* Run @co until it yields or returns. */
void coro_resume(struct coro *co);

/* From inside a coroutine: give control back to whoever resumed it. */
void coro_yield(void);

/* Has @co's function returned? */
bool coro_done(const struct coro *co);

/* The running coroutine, or NULL outside any. */
struct coro *coro_self(void);

void coro_free(struct coro *co);

#endif /* PCSIM_SIM_CORO_H */
