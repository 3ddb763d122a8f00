// SPDX-License-Identifier: MIT
/*
 * sim/coro.c - coroutines on ucontext (sim/coro.h).
 *
 * A switch is swapcontext() bracketed by the AddressSanitizer fiber calls;
 * valgrind learns each stack's bounds once, when it is mapped.
 *
 * Invariants: @cur is the running coroutine (NULL: the resumer runs);
 * @main holds the resumer's context while a coroutine runs; a coroutine
 * that is done never runs again; free stacks on @pool all have CORO_STACK
 * bytes and a guard page below them.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "model/never.h"
#include "sim/coro.h"

#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif
#ifdef CORO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define VALGRIND_STACK_REGISTER(lo, hi) ((void)(lo), (void)(hi), 0u)
#define VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#endif

#define CORO_STACK	(256 * 1024)	/* the runner's deepest line needs < 64 KiB */
#define CORO_GUARD	4096
#define CORO_POOL	16

struct coro {
	ucontext_t ctx;
	coro_fn fn;
	void *arg;
	bool done;
	struct stack *st;
	void *fake;			/* ASan's fake stack while switched out */
};

struct stack {
	char *base;			/* the mapping: guard page, then stack */
	unsigned int vg_id;		/* valgrind's stack id */
	struct stack *next;
};

static __thread struct {
	ucontext_t main;
	struct coro *cur;
	const void *main_bottom;	/* the resumer's stack, for ASan */
	size_t main_size;
	struct stack *pool;
	int npool;
} tls;

static char *stack_lo(const struct stack *s)
{
	return s->base + CORO_GUARD;
}

static struct stack *stack_get(void)
{
	struct stack *s = tls.pool;

	if (s) {
		tls.pool = s->next;
		tls.npool--;
		return s;
	}
	s = malloc(sizeof(*s));
	if (NEVER(!s))
		abort();
	s->base = mmap(NULL, CORO_GUARD + CORO_STACK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (NEVER(s->base == MAP_FAILED))
		abort();
	if (mprotect(s->base, CORO_GUARD, PROT_NONE))	/* not in NEVER(): */
		abort();			/* its argument is not run */
	s->vg_id = VALGRIND_STACK_REGISTER(stack_lo(s),
					   stack_lo(s) + CORO_STACK);
	return s;
}

static void stack_put(struct stack *s)
{
	if (tls.npool < CORO_POOL) {
		s->next = tls.pool;
		tls.pool = s;
		tls.npool++;
		return;
	}
	VALGRIND_STACK_DEREGISTER(s->vg_id);
	munmap(s->base, CORO_GUARD + CORO_STACK);
	free(s);
}

/* ASan: about to leave the current stack for [@bottom, +@size). */
static void asan_leave(void **fake, const void *bottom, size_t size)
{
#ifdef CORO_ASAN
	__sanitizer_start_switch_fiber(fake, bottom, size);
#else
	(void)fake, (void)bottom, (void)size;
#endif
}

/* ASan: arrived on a stack; @from_bottom/@from_size learn the one left. */
static void asan_arrive(void *fake, const void **from_bottom,
			size_t *from_size)
{
#ifdef CORO_ASAN
	__sanitizer_finish_switch_fiber(fake, from_bottom, from_size);
#else
	(void)fake, (void)from_bottom, (void)from_size;
#endif
}

static void trampoline(void)
{
	struct coro *co = tls.cur;

	asan_arrive(NULL, &tls.main_bottom, &tls.main_size);
	co->fn(co->arg);
	co->done = true;
	tls.cur = NULL;
	asan_leave(NULL, tls.main_bottom, tls.main_size);	/* no return */
	setcontext(&tls.main);
	abort();
}

struct coro *coro_new(coro_fn fn, void *arg)
{
	struct coro *co = calloc(1, sizeof(*co));

	if (NEVER(!co))
		abort();
	co->fn = fn;
	co->arg = arg;
	co->st = stack_get();
	if (getcontext(&co->ctx))
		abort();
	co->ctx.uc_stack.ss_sp = stack_lo(co->st);
	co->ctx.uc_stack.ss_size = CORO_STACK;
	co->ctx.uc_link = NULL;
	makecontext(&co->ctx, trampoline, 0);
	return co;
}

void coro_resume(struct coro *co)
{
	void *fake = NULL;

	if (NEVER(tls.cur || co->done))
		abort();
	tls.cur = co;
	asan_leave(&fake, stack_lo(co->st), CORO_STACK);
	swapcontext(&tls.main, &co->ctx);
	asan_arrive(fake, NULL, NULL);
}

void coro_yield(void)
{
	struct coro *co = tls.cur;

	if (NEVER(!co))
		abort();
	tls.cur = NULL;
	asan_leave(&co->fake, tls.main_bottom, tls.main_size);
	swapcontext(&co->ctx, &tls.main);
	asan_arrive(co->fake, &tls.main_bottom, &tls.main_size);
}

bool coro_done(const struct coro *co)
{
	return co->done;
}

struct coro *coro_self(void)
{
	return tls.cur;
}

/* Unmap the pooled stacks at exit, so that memcheck sees nothing held. */
__attribute__((destructor)) static void pool_drain(void)
{
	while (tls.pool) {
		struct stack *s = tls.pool;

		tls.pool = s->next;
		tls.npool--;
		VALGRIND_STACK_DEREGISTER(s->vg_id);
		munmap(s->base, CORO_GUARD + CORO_STACK);
		free(s);
	}
}

void coro_free(struct coro *co)
{
	if (!co)
		return;
	stack_put(co->st);
	free(co);
}
