// SPDX-License-Identifier: MIT
/*
 * sim/coro.c - coroutines on their own stacks (sim/coro.h).
 *
 * A switch is ctx_swap() bracketed by the AddressSanitizer fiber calls;
 * valgrind learns each stack's bounds once, when it is mapped.  On x86-64
 * ctx_swap() is a dozen instructions of assembly that save the
 * callee-saved registers on the stack being left and load them from the
 * one being entered.  Elsewhere, with CET shadow stacks (which that
 * switch does not maintain) or with -DPCSIM_CORO_UCONTEXT, it is
 * swapcontext(), which also saves and restores the signal mask: a system
 * call at every switch, 5-10% of a fuzz campaign's time.  The mask needs
 * no saving: no coroutine changes it.
 *
 * Invariants: @cur is the running coroutine (NULL: the resumer runs);
 * @main holds the resumer's context while a coroutine runs; a coroutine
 * that is done never runs again; free stacks on @pool all have CORO_STACK
 * bytes and a guard page below them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "model/never.h"
#include "model/sanitizer.h"
#include "sim/coro.h"

#if PCSIM_ASAN
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

#if defined(__x86_64__) && !(defined(__CET__) && (__CET__ & 2)) && \
	!defined(PCSIM_CORO_UCONTEXT)
#define CORO_ASM 1
#endif

/* What a switch needs to come back to a context. */
struct ctx {
#ifdef CORO_ASM
	void *sp;		/* the saved registers are on top of it */
#else
	ucontext_t uc;
#endif
};

#ifdef CORO_ASM
/*
 * ctx_swap - save the callee-saved state of the System V x86-64 ABI (rbx,
 * rbp, r12-r15, the MXCSR and x87 control words) on the current stack,
 * store the stack pointer in @from, load @to's and restore the state saved
 * there; the final ret returns into whoever saved @to.  Caller-saved
 * registers need no saving: the compiler assumes the call clobbers them.
 */
void ctx_swap(struct ctx *from, const struct ctx *to)
	__asm__("pcsim_ctx_swap") __attribute__((visibility("hidden")));

__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl pcsim_ctx_swap\n"
	".hidden pcsim_ctx_swap\n"
	".type pcsim_ctx_swap, @function\n"
	"pcsim_ctx_swap:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	subq $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	fnstcw 4(%rsp)\n"
	"	movq %rsp, (%rdi)\n"
	"	movq (%rsi), %rsp\n"
	"	ldmxcsr (%rsp)\n"
	"	fldcw 4(%rsp)\n"
	"	addq $8, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size pcsim_ctx_swap, .-pcsim_ctx_swap\n"
	".popsection\n");

/*
 * ctx_make - a context that starts @entry on the stack [@lo, @lo + @size):
 * the frame ctx_swap() pops, made by hand.  Its registers are zero, its
 * control words the caller's, its return address @entry, and above that a
 * null return address for @entry itself (which never returns), so that
 * @entry starts with the stack aligned as after a call.
 */
static void ctx_make(struct ctx *c, char *lo, size_t size, void (*entry)(void))
{
	uint64_t *sp = (uint64_t *)(void *)(lo + size);	/* 16-aligned */
	uint32_t mxcsr;
	uint16_t fpucw;

	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(fpucw));
	*--sp = 0;				/* @entry's return address */
	*--sp = (uint64_t)(uintptr_t)entry;	/* ctx_swap()'s */
	sp -= 6;				/* rbp, rbx, r12-r15 */
	memset(sp, 0, 6 * sizeof(*sp));
	*--sp = (uint64_t)fpucw << 32 | mxcsr;	/* as ctx_swap() stores them */
	c->sp = sp;
}
#else
static void ctx_swap(struct ctx *from, const struct ctx *to)
{
	if (swapcontext(&from->uc, &to->uc))
		abort();
}

static void ctx_make(struct ctx *c, char *lo, size_t size, void (*entry)(void))
{
	if (getcontext(&c->uc))
		abort();
	c->uc.uc_stack.ss_sp = lo;
	c->uc.uc_stack.ss_size = size;
	c->uc.uc_link = NULL;
	makecontext(&c->uc, entry, 0);
}
#endif

struct coro {
	struct ctx ctx;
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
	struct ctx main;
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
#if PCSIM_ASAN
	__sanitizer_start_switch_fiber(fake, bottom, size);
#else
	(void)fake, (void)bottom, (void)size;
#endif
}

/* ASan: arrived on a stack; @from_bottom/@from_size learn the one left. */
static void asan_arrive(void *fake, const void **from_bottom,
			size_t *from_size)
{
#if PCSIM_ASAN
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
	ctx_swap(&co->ctx, &tls.main);
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
	ctx_make(&co->ctx, stack_lo(co->st), CORO_STACK, trampoline);
	return co;
}

void coro_resume(struct coro *co)
{
	void *fake = NULL;

	if (NEVER(tls.cur || co->done))
		abort();
	tls.cur = co;
	asan_leave(&fake, stack_lo(co->st), CORO_STACK);
	ctx_swap(&tls.main, &co->ctx);
	asan_arrive(fake, NULL, NULL);
}

void coro_yield(void)
{
	struct coro *co = tls.cur;

	if (NEVER(!co))
		abort();
	tls.cur = NULL;
	asan_leave(&co->fake, tls.main_bottom, tls.main_size);
	ctx_swap(&co->ctx, &tls.main);
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
