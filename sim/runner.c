/* SPDX-License-Identifier: MIT */
/*
 * sim/runner.c - run a parsed scenario on a fresh simulated kernel.
 *
 * Scope: one scenario line at a time, each turned into the system calls the
 * real command makes, in the same order, with the real command's output.
 * The model is only reached through model/sys.h.
 *
 * Structure:
 *
 *   runner_run()                 one run: configuration, kernel, lines
 *     run_line(thread, line)     one line on one thread of execution
 *       line_ops[kind].fn        per verb: xfs_io, cp, md5sum, rm, ...
 *         xio_ops[kind].fn       per xfs_io -c command
 *
 * A struct run is the state of the whole run (kernel, configuration, output
 * streams, status); a struct run_thread is one sequence of lines.  Today a
 * scenario has one thread that runs every line in file order; concurrent
 * threads (several line sequences on separate processes) become several
 * struct run_thread driven by the scheduler, each calling run_line().
 *
 * What each command does, and prints, follows xfs_io 6.1 (io/pwrite.c,
 * io/pread.c, io/mmap.c, io/reflink.c, io/prealloc.c, io/fsync.c,
 * io/truncate.c, io/open.c) and coreutils 9.1, checked against the goldens
 * recorded on a real kernel by scripts/kernel-golden:
 *   - an xfs_io process dying of SIGBUS prints "Bus error" (the harness
 *     prints it for exit status 135) and runs no further -c command; its
 *     earlier output survives because the harness line-buffers stdout;
 *     SIGSEGV prints nothing (the harness prints nothing for it);
 *   - mread/mwrite/msync offsets are file offsets, checked against the
 *     current mapping by xfs_io's own check_mapping_range() messages;
 *   - "reflink SRC" (or a range of 0 0 0) is FICLONE and reports
 *     "linked 0/0 bytes at offset 0"; a range reports the length asked for.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/check.h"
#include "model/kernel.h"
#include "model/never.h"
#include "model/policy.h"
#include "model/slab.h"
#include "model/sys.h"
#include "sim/conc.h"
#include "sim/output.h"
#include "sim/runner.h"
#include "sim/sched.h"
#include "sim/trace.h"

#define DEFAULT_PAGE_SIZE	4096u
#define DEFAULT_DISK_SIZE	(1ULL << 30)
#define DEFAULT_IO_LATENCY_NS	100000ULL
#define NS_PER_US		1000ULL
#define DEDUPE_IOCTL		"XFS_IOC_FILE_EXTENT_SAME"

/* What a line or command tells its caller to do next. */
enum step {
	STEP_OK,	/* go on */
	STEP_DIED,	/* the process died: skip the rest of its line */
	STEP_STOP,	/* the run is over (violation or error) */
};

/* The whole run. */
struct run {
	const struct scenario *sc;
	const struct run_opts *opts;
	FILE *out, *err;
	struct kconfig cfg;
	const char *policy;		/* set policy NAME, or NULL */
	int policy_line;
	bool policy_only;		/* set policy-only: --policy ignored */
	uint64_t blocksize;		/* set blocksize N, or 0 */
	int blocksize_line;
	struct kernel *k;		/* NULL until the first operation */
	enum run_status status;
	enum sched_strategy strategy;	/* set schedule, --schedule */
	int strategy_line;
	int pct_depth;
	struct sched *sched;		/* created with the kernel */
	struct run_thread *threads;	/* one per scenario thread */
};

/* One sequence of lines (a thread of the scenario). */
struct run_thread {
	struct run *r;
	int id;
	FILE *out;		/* in a section: this thread's output */
	char *buf;
	size_t buflen;
};

/* ------------------------------------------------------------ helpers --- */

/*
 * Where a line's output goes: the run's output, or, for a line of a
 * concurrent section, its thread's buffer; run_section() prints the buffers
 * in thread order when the section ends, so a scenario's output does not
 * depend on how its threads interleaved, only on what each of them saw.
 * Section threads are coroutines on one OS thread (sim/conc.h): each one
 * sets @thread_out when it starts a line and again when a call returns to
 * it, and the section leaves it NULL.
 *
 * A quiet run's output (fuzz, shrink) is not read, save for the VIOLATION
 * line, which run_violation() prints to r->out itself: there run_out() is
 * NULL, its sections have no buffers, and the output helpers (sim/output.h)
 * format nothing.
 */
static FILE *thread_out;

static FILE *run_out(const struct run *r)
{
	if (thread_out)
		return thread_out;
	return r->opts->quiet ? NULL : r->out;
}

static enum step run_error(struct run *r, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A runtime scenario error at column 1 of @line: the run stops. */
static enum step run_error(struct run *r, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->err, "%s:%d:1: ", r->sc->path, line);
	va_start(ap, fmt);
	vfprintf(r->err, fmt, ap);
	va_end(ap);
	fputc('\n', r->err);
	r->status = RUN_ERROR;
	return STEP_STOP;
}

/*
 * A violation stops the run.  Its headline (invariant, object, task, step)
 * is part of the scenario's output, so goldens record it; the trace lines
 * that follow it go to stderr, where a model change that shifts them does
 * not break a golden.
 */
static enum step run_violation(struct run *r)
{
	const char *v = kernel_violation(r->k);
	const char *trace = v ? strchr(v, '\n') : NULL;

	if (!v)
		v = "(no description)";
	fprintf(r->out, "VIOLATION: %.*s\n",
		(int)(trace ? trace - v : (ptrdiff_t)strlen(v)), v);
	if (trace)
		fprintf(r->err, "%s\n", trace + 1);
	r->status = RUN_VIOLATION;
	return STEP_STOP;
}

/* Make one system call; a violation stops the run. */
static enum step run_sys(struct run *r, struct proc *p, struct sys_req *req,
			 struct sys_res *res)
{
	memset(res, 0, sizeof(*res));
	res->fd = -1;
	if (conc_active()) {	/* the section's main loop reports violations */
		FILE *mine = thread_out;
		int ret = conc_syscall(r->k, p, req, res);

		thread_out = mine;
		return ret < 0 ? STEP_STOP : STEP_OK;
	}
	if (kernel_syscall(r->k, p, req, res) < 0)
		return run_violation(r);
	return STEP_OK;
}

/* The process exits (unmapping and closing everything it had). */
static enum step run_proc_exit(struct run *r, struct proc *p, enum step s)
{
	proc_exit(r->k, p);
	if (s != STEP_STOP && kernel_violation(r->k))
		return run_violation(r);
	return s == STEP_STOP ? STEP_STOP : STEP_OK;
}

static enum step run_open(struct run *r, struct proc *p, const char *name,
			  unsigned int flags, struct sys_res *res)
{
	struct sys_req req = {
		.kind = SYS_OPEN, .name = name, .flags = flags,
	};

	return run_sys(r, p, &req, res);
}

static enum step run_close(struct run *r, struct proc *p, int fd)
{
	struct sys_req req = { .kind = SYS_CLOSE, .fd = fd };
	struct sys_res res;

	return run_sys(r, p, &req, &res);
}

static uint64_t u64_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* ------------------------------------------------------ configuration --- */

static enum step set_io_latency(struct run *r, const struct sc_line *l)
{
	if (l->u.set.num > UINT64_MAX / NS_PER_US)
		return run_error(r, l->lineno, "io-latency %llu is too large",
				 (unsigned long long)l->u.set.num);
	r->cfg.io_latency = l->u.set.num * NS_PER_US;
	return STEP_OK;
}

static enum step set_apply(struct run *r, const struct sc_line *l)
{
	switch (l->u.set.key) {
	case SET_PAGESIZE:
		r->cfg.page_size = (uint32_t)l->u.set.num;
		break;
	case SET_BLOCKSIZE:
		r->blocksize = l->u.set.num;
		r->blocksize_line = l->lineno;
		break;
	case SET_POLICY:
		r->policy = l->u.set.str;
		r->policy_line = l->lineno;
		break;
	case SET_POLICY_ONLY:
		r->policy = l->u.set.str;
		r->policy_line = l->lineno;
		r->policy_only = true;
		break;
	case SET_MEMORY_LIMIT:
		r->cfg.memory_limit = l->u.set.num;
		break;
	case SET_DISK_SIZE:
		r->cfg.disk_size = l->u.set.num;
		break;
	case SET_SEED:
		r->cfg.seed = l->u.set.num;
		break;
	case SET_IO_LATENCY:
		return set_io_latency(r, l);
	case SET_SCHEDULE:
		if (sched_strategy_parse(l->u.set.str, &r->strategy))
			return run_error(r, l->lineno, "unknown schedule '%s'",
					 l->u.set.str);
		r->strategy_line = l->lineno;
		break;
	case SET_PCT_DEPTH:
		r->pct_depth = (int)l->u.set.num;
		break;
	case SET_STEP_BOUND:
		r->cfg.step_bound = l->u.set.num;
		break;
	case SET_STEP_COST:
		r->cfg.step_cost_ns = l->u.set.num;
		break;
	case SET_DIRTY_WRITEBACK:
		r->cfg.dirty_writeback_ns = l->u.set.num;
		break;
	case SET_DIRTY_EXPIRE:
		r->cfg.dirty_expire_ns = l->u.set.num;
		break;
	case SET_QUEUE_DEPTH:
		r->cfg.queue_depth = (uint32_t)l->u.set.num;
		break;
	case SET_CHECK_MODE:
		r->cfg.check_mode = check_mode_parse(l->u.set.str);
		break;
	case SET_CHECK_INTERVAL:
		r->cfg.check_interval = l->u.set.num ? l->u.set.num :
					UINT64_MAX;
		break;
	}
	return STEP_OK;
}

static enum step line_set(struct run_thread *t, const struct sc_line *l)
{
	struct run *r = t->r;

	if (r->k)
		return run_error(r, l->lineno,
				 "set must come before the first operation");
	return set_apply(r, l);
}

/* "none" is mainline, which the model also takes as a NULL policy. */
static bool policy_find(const char *name, const struct policy_ops **ops)
{
	*ops = policy_lookup(name);
	return *ops || strcmp(name, "none") == 0;
}

static enum step run_policy(struct run *r)
{
	const struct policy_ops *file_ops = NULL, *ops = NULL;
	const char *name = r->opts->policy;

	if (r->policy && !policy_find(r->policy, &file_ops))
		return run_error(r, r->policy_line, "unknown policy '%s'",
				 r->policy);
	if (!name || r->policy_only) {
		r->cfg.policy = file_ops;
		return STEP_OK;
	}
	if (!policy_find(name, &ops)) {
		fprintf(r->err, "%s: unknown policy '%s' (--policy)\n",
			r->sc->path, name);
		r->status = RUN_ERROR;
		return STEP_STOP;
	}
	r->cfg.policy = ops;
	return STEP_OK;
}

/* The scheduler of the run's sections, with the file's pinned entries. */
static struct sched *run_sched_new(struct run *r)
{
	const struct scenario *sc = r->sc;
	struct sched_entry *pins = calloc(sc->nsched + 1, sizeof(*pins));
	char **names = calloc(sc->nthreads + 8, sizeof(*names));
	struct proc *kt[8];
	struct sched *s;
	int i, nk = kernel_kthreads(r->k, kt, 8);

	for (i = 0; i < sc->nsched; i++) {
		pins[i].thread = sc->sched[i].thread;
		pins[i].op = sc->sched[i].op;
		pins[i].step = sc->sched[i].step;
		pins[i].target = sc->sched[i].target;
		pins[i].n = sc->sched[i].n;
	}
	for (i = 0; i < sc->nthreads; i++)
		names[i] = sc->threads[i];
	for (i = 0; i < nk; i++)	/* kernel threads after the scenario's */
		names[sc->nthreads + i] = (char *)kernel_proc_thread(kt[i]);
	s = sched_new(r->strategy, r->cfg.seed, r->pct_depth,
		      sc->nthreads + nk, names, pins, sc->nsched);
	sched_set_hook(s, r->opts->hook);
	free(names);
	free(pins);
	return s;
}

/* The configuration is complete: check it and boot the kernel. */
static enum step run_start(struct run *r)
{
	if (r->blocksize && r->blocksize != r->cfg.page_size)
		return run_error(r, r->blocksize_line,
				 "blocksize %llu must equal pagesize %u",
				 (unsigned long long)r->blocksize,
				 r->cfg.page_size);
	if (r->cfg.disk_size < r->cfg.page_size)
		return run_error(r, 1, "disk-size %llu is less than one page",
				 (unsigned long long)r->cfg.disk_size);
	if (run_policy(r) == STEP_STOP)
		return STEP_STOP;
	if (r->opts->seed_set)
		r->cfg.seed = r->opts->seed;
	r->cfg.quiet = r->opts->quiet;
	if (r->opts->check_mode &&
	    (r->cfg.check_mode = check_mode_parse(r->opts->check_mode)) < 0) {
		fprintf(r->err, "%s: unknown check mode '%s' (--check)\n",
			r->sc->path, r->opts->check_mode);
		r->status = RUN_ERROR;
		return STEP_STOP;
	}
	if (r->opts->schedule &&
	    sched_strategy_parse(r->opts->schedule, &r->strategy)) {
		fprintf(r->err, "%s: unknown schedule '%s' (--schedule)\n",
			r->sc->path, r->opts->schedule);
		r->status = RUN_ERROR;
		return STEP_STOP;
	}
	r->k = kernel_new(&r->cfg);
	if (r->opts->tracer)
		kernel_set_tracer(r->k, r->opts->tracer);
	kernel_set_coverage(r->k, r->opts->cov);
	r->sched = run_sched_new(r);
	return STEP_OK;
}

/* ------------------------------------------------------ xfs_io process --- */

/* One entry of xfs_io's mapping table (io/mmap.c maptable). */
struct xmap {
	uint64_t addr, len, off;
	unsigned int prot;		/* IOF_PROT_* */
};

/* One xfs_io process: its open file and its mappings. */
struct xio {
	struct run *r;
	struct proc *p;
	const char *file;
	int fd;
	struct xmap *maps;
	int nmaps;
	int cur;			/* the current mapping */
};

typedef enum step (*xio_fn)(struct xio *x, const struct io_cmd *c);

struct xio_op {
	xio_fn fn;
	bool needs_map;			/* refused without a mapping */
	enum sys_kind sys;		/* for xio_simple(), xio_maccess() */
	unsigned int sysflags;
	const char *name;		/* perror() prefix */
};

static const struct xio_op *xio_op(enum io_kind kind);

static enum step xio_sys(struct xio *x, struct sys_req *req,
			 struct sys_res *res)
{
	return run_sys(x->r, x->p, req, res);
}

/* A command whose only output is perror() on failure. */
static enum step xio_simple(struct xio *x, const struct io_cmd *c)
{
	const struct xio_op *op = xio_op(c->kind);
	struct sys_req req = {
		.kind = op->sys, .fd = x->fd, .off = c->off, .len = c->len,
		.flags = op->sysflags,
	};
	struct sys_res res;

	if (c->flags & IOF_KEEP_SIZE)
		req.flags |= SYSF_FALLOC_KEEP_SIZE;
	if (xio_sys(x, &req, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err)
		out_perror(run_out(x->r), op->name, res.err);
	return STEP_OK;
}

/* A loop of pwrite() or pread() calls, as write_buffer()/read_forward(). */
struct xfer {
	enum sys_kind sys;
	const char *name;		/* "pwrite" or "pread" */
	bool once;			/* call at least once (pwrite of 0) */
	uint64_t off, count, bsize;
	uint8_t byte;
	uint64_t total;			/* out: bytes moved */
	bool failed;			/* out: an error was printed */
};

static enum step xio_xfer(struct xio *x, struct xfer *xf)
{
	uint64_t off = xf->off, left = xf->count;

	while (left > 0 || xf->once) {
		struct sys_req req = {
			.kind = xf->sys, .fd = x->fd, .off = off,
			.len = u64_min(left, xf->bsize), .byte = xf->byte,
		};
		struct sys_res res;

		xf->once = false;
		if (xio_sys(x, &req, &res) == STEP_STOP)
			return STEP_STOP;
		if (res.err) {
			out_perror(run_out(x->r), xf->name, res.err);
			xf->failed = true;
			return STEP_OK;
		}
		res.done = u64_min(res.done, req.len);
		xf->total += res.done;
		if (res.done == 0 || res.done < req.len)
			break;
		off += res.done;
		left -= res.done;
	}
	return STEP_OK;
}

/* pwrite -W / -w: fsync or fdatasync after the writes. */
static enum step xio_pwrite_sync(struct xio *x, const struct io_cmd *c,
				 bool *failed)
{
	static const struct {
		unsigned int flag;
		enum sys_kind sys;
		const char *name;
	} syncs[] = {
		{ IOF_FSYNC, SYS_FSYNC, "fsync" },
		{ IOF_FDATASYNC, SYS_FDATASYNC, "fdatasync" },
	};
	size_t i;

	for (i = 0; i < sizeof(syncs) / sizeof(syncs[0]) && !*failed; i++) {
		struct sys_req req = { .kind = syncs[i].sys, .fd = x->fd };
		struct sys_res res;

		if (!(c->flags & syncs[i].flag))
			continue;
		if (xio_sys(x, &req, &res) == STEP_STOP)
			return STEP_STOP;
		if (res.err)
			out_perror(run_out(x->r), syncs[i].name, res.err);
		*failed = res.err != 0;
	}
	return STEP_OK;
}

static enum step xio_pwrite(struct xio *x, const struct io_cmd *c)
{
	struct xfer xf = {
		.sys = SYS_PWRITE, .name = "pwrite", .once = true,
		.off = c->off, .count = c->len, .bsize = c->bsize,
		.byte = (uint8_t)c->pattern,
	};

	if (xio_xfer(x, &xf) == STEP_STOP ||
	    (!xf.failed && xio_pwrite_sync(x, c, &xf.failed) == STEP_STOP))
		return STEP_STOP;
	if (!xf.failed)
		out_io_report(run_out(x->r), "wrote", xf.total, c->len, c->off);
	return STEP_OK;
}

static enum step xio_pread(struct xio *x, const struct io_cmd *c)
{
	struct xfer xf = {
		.sys = SYS_PREAD, .name = "pread",
		.off = c->off, .count = c->len, .bsize = c->bsize,
	};

	if (xio_xfer(x, &xf) == STEP_STOP)
		return STEP_STOP;
	if (!xf.failed)
		out_io_report(run_out(x->r), "read", xf.total, c->len, c->off);
	return STEP_OK;
}

/* ------------------------------------------------------------ mappings --- */

static unsigned int xio_prot(unsigned int flags)
{
	static const unsigned int map[][2] = {
		{ IOF_PROT_READ, SYSF_PROT_READ },
		{ IOF_PROT_WRITE, SYSF_PROT_WRITE },
		{ IOF_PROT_EXEC, SYSF_PROT_EXEC },
	};
	unsigned int prot = 0;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (flags & map[i][0])
			prot |= map[i][1];
	return prot;
}

static enum step xio_mmap(struct xio *x, const struct io_cmd *c)
{
	unsigned int prot = c->flags &
			    (IOF_PROT_READ | IOF_PROT_WRITE | IOF_PROT_EXEC);
	struct sys_req req = { .kind = SYS_MMAP, .fd = x->fd, .off = c->off,
			       .len = c->len };
	struct sys_res res;
	struct xmap *maps;

	if (!prot)
		prot = IOF_PROT_READ | IOF_PROT_WRITE | IOF_PROT_EXEC;
	req.flags = xio_prot(prot);
	if (xio_sys(x, &req, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err) {
		out_perror(run_out(x->r), "mmap", res.err);
		return STEP_OK;
	}
	maps = realloc(x->maps, (x->nmaps + 1) * sizeof(*maps));
	if (NEVER(!maps))
		abort();
	x->maps = maps;
	x->cur = x->nmaps++;
	maps[x->cur] = (struct xmap){ res.addr, c->len, c->off, prot };
	return STEP_OK;
}

/*
 * xfs_io's check_mapping_range(): @off is a file offset that must fall in
 * the current mapping.  The messages, including their odd choice of
 * numbers, are xfs_io's.  Return: true with *@addr set, or false (and the
 * reason printed).
 */
static bool xio_map_range(struct xio *x, uint64_t off, uint64_t len,
			  bool pagealign, uint64_t *addr)
{
	const struct xmap *m = &x->maps[x->cur];
	FILE *f = run_out(x->r);
	uint64_t rel = off - m->off;

	if (off < m->off) {
		out_printf(f, "offset (%lld) is before start of mapping "
			   "(%lld)\n", (long long)off, (long long)m->off);
		return false;
	}
	if (rel > m->len) {
		out_printf(f, "offset (%lld) is beyond end of mapping (%lld)\n",
			   (long long)rel, (long long)m->off);
		return false;
	}
	if (rel + len > m->off + m->len) {
		out_printf(f, "range (%lld:%lld) is beyond mapping "
			   "(%lld:%ld)\n", (long long)off, (long long)rel,
			   (long long)m->off, (long)m->len);
		return false;
	}
	*addr = m->addr + rel;
	if (pagealign && *addr % x->r->cfg.page_size) {
		out_printf(f, "offset address (0x%llx) is not page aligned\n",
			   (unsigned long long)*addr);
		return false;
	}
	return true;
}

/* The range of an mread/mwrite/msync: given, or the whole mapping. */
static void xio_cmd_range(const struct xio *x, const struct io_cmd *c,
			  uint64_t *off, uint64_t *len)
{
	const struct xmap *m = &x->maps[x->cur];

	*off = (c->flags & IOF_WHOLE_MAP) ? m->off : c->off;
	*len = (c->flags & IOF_WHOLE_MAP) ? m->len : c->len;
}

/* mwrite / mread: stores or loads through the page tables. */
static enum step xio_maccess(struct xio *x, const struct io_cmd *c)
{
	struct sys_req req = { .kind = xio_op(c->kind)->sys,
			       .byte = (uint8_t)c->pattern };
	struct sys_res res;
	uint64_t off;

	xio_cmd_range(x, c, &off, &req.len);
	if (!xio_map_range(x, off, req.len, false, &req.addr) || !req.len)
		return STEP_OK;
	if (c->flags & IOF_REVERSE)
		req.flags |= SYSF_REVERSE;
	if (xio_sys(x, &req, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.sigbus)
		out_printf(run_out(x->r), "Bus error\n");
	return (res.sigbus || res.sigsegv) ? STEP_DIED : STEP_OK;
}

static enum step xio_msync(struct xio *x, const struct io_cmd *c)
{
	static const unsigned int map[][2] = {
		{ IOF_MS_ASYNC, SYSF_MS_ASYNC },
		{ IOF_MS_INVALIDATE, SYSF_MS_INVALIDATE },
		{ IOF_MS_SYNC, SYSF_MS_SYNC },
	};
	struct sys_req req = { .kind = SYS_MSYNC };
	struct sys_res res;
	uint64_t off;
	size_t i;

	xio_cmd_range(x, c, &off, &req.len);
	if (!xio_map_range(x, off, req.len, true, &req.addr))
		return STEP_OK;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (c->flags & map[i][0])
			req.flags |= map[i][1];
	if (xio_sys(x, &req, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err)
		out_perror(run_out(x->r), "msync", res.err);
	return STEP_OK;
}

/* xfs_io's print_mapping(): "[000] 0xADDR - 0xEND rwx  NAME (OFF : LEN)". */
static void xio_print_map(const struct xio *x, int i)
{
	const struct xmap *m = &x->maps[i];
	bool cur = i == x->cur;
	char prot[4] = {
		(m->prot & IOF_PROT_READ) ? 'r' : '-',
		(m->prot & IOF_PROT_WRITE) ? 'w' : '-',
		(m->prot & IOF_PROT_EXEC) ? 'x' : '-',
		'\0',
	};

	out_printf(run_out(x->r),
		   "%c%03d%c 0x%lx - 0x%lx %s  %14s (%lld : %ld)\n",
		   cur ? '[' : ' ', i, cur ? ']' : ' ', (unsigned long)m->addr,
		   (unsigned long)(m->addr + m->len), prot, x->file,
		   (long long)m->off, (long)m->len);
}

/* xfs_io's maplist_f(): the remaining mappings, current one in brackets. */
static void xio_maplist(const struct xio *x)
{
	int i;

	for (i = 0; i < x->nmaps; i++)
		xio_print_map(x, i);
}

static enum step xio_munmap(struct xio *x,
			    const struct io_cmd *c G_GNUC_UNUSED)
{
	struct xmap *m = &x->maps[x->cur];
	struct sys_req req = { .kind = SYS_MUNMAP, .addr = m->addr,
			       .len = m->len };
	struct sys_res res;

	if (xio_sys(x, &req, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err) {
		out_perror(run_out(x->r), "munmap", res.err);
		return STEP_OK;
	}
	memmove(m, m + 1, (x->nmaps - x->cur - 1) * sizeof(*m));
	if (--x->nmaps && x->cur == x->nmaps)
		x->cur--;
	xio_maplist(x);
	return STEP_OK;
}

/* ------------------------------------------------------ reflink/dedupe --- */

/* Open the source file of reflink/dedupe read-only, as xfs_io does. */
static enum step xio_open_src(struct xio *x, const char *name, int *fd)
{
	struct sys_res res;

	*fd = -1;
	if (run_open(x->r, x->p, name, SYSF_RDONLY, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err)
		out_perror(run_out(x->r), name, res.err);
	else
		*fd = res.fd;
	return STEP_OK;
}

static enum step xio_clone(struct xio *x, const struct io_cmd *c, int src)
{
	bool whole = (c->flags & IOF_WHOLE_FILE) ||
		     (!c->src_off && !c->off && !c->len);
	struct sys_req req = {
		.kind = SYS_CLONE, .fd = x->fd, .fd2 = src,
		.off2 = c->src_off, .off = c->off, .len = c->len,
		.flags = whole ? SYSF_WHOLE : 0,
	};
	struct sys_res res;

	if (whole)
		req.off2 = req.off = req.len = 0;
	if (xio_sys(x, &req, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err)
		out_perror(run_out(x->r), whole ? "XFS_IOC_CLONE" :
			   "XFS_IOC_CLONE_RANGE", res.err);
	else
		out_io_report(run_out(x->r), "linked", req.len, req.len, req.off);
	return STEP_OK;
}

/* xfs_io's dedupe_ioctl() loop; Return: STEP_STOP or STEP_OK. */
static enum step xio_dedupe_loop(struct xio *x, struct sys_req *req,
				 uint64_t *deduped, int *ops)
{
	uint64_t left = req->len;
	struct sys_res res;

	while (left > 0 || !*ops) {
		req->len = left;
		if (xio_sys(x, req, &res) == STEP_STOP)
			return STEP_STOP;
		if (res.err == EBADE) {
			out_printf(run_out(x->r),
				   DEDUPE_IOCTL ": Extents did not match.\n");
			return STEP_OK;
		}
		if (res.err) {
			out_perror(run_out(x->r), DEDUPE_IOCTL, res.err);
			return STEP_OK;
		}
		if (left && (!res.done || res.done > left))
			break;
		(*ops)++;
		req->off += res.done;
		req->off2 += res.done;
		left -= res.done;
		*deduped += res.done;
	}
	return STEP_OK;
}

static enum step xio_dedupe_fd(struct xio *x, const struct io_cmd *c, int src)
{
	struct sys_req req = {
		.kind = SYS_DEDUPE, .fd = x->fd, .fd2 = src,
		.off2 = c->src_off, .off = c->off, .len = c->len,
	};
	uint64_t deduped = 0;
	int ops = 0;

	if (xio_dedupe_loop(x, &req, &deduped, &ops) == STEP_STOP)
		return STEP_STOP;
	if (ops)
		out_io_report(run_out(x->r), "deduped", deduped, c->len, c->off);
	return STEP_OK;
}

/* reflink and dedupe: open the source, act, close the source. */
static enum step xio_remap(struct xio *x, const struct io_cmd *c)
{
	enum step s;
	int src;

	if (xio_open_src(x, c->src, &src) == STEP_STOP)
		return STEP_STOP;
	if (src < 0)
		return STEP_OK;
	if (c->kind == IO_REFLINK)
		s = xio_clone(x, c, src);
	else
		s = xio_dedupe_fd(x, c, src);
	if (s == STEP_STOP)
		return STEP_STOP;
	return run_close(x->r, x->p, src);
}

/* ------------------------------------------------------- xfs_io table --- */

static const struct xio_op xio_ops[] = {
	[IO_PWRITE]	= { xio_pwrite },
	[IO_PREAD]	= { xio_pread },
	[IO_MMAP]	= { xio_mmap },
	[IO_MWRITE]	= { xio_maccess, true, SYS_MSTORE },
	[IO_MREAD]	= { xio_maccess, true, SYS_MLOAD },
	[IO_MSYNC]	= { xio_msync, true },
	[IO_MUNMAP]	= { xio_munmap, true },
	[IO_FSYNC]	= { xio_simple, false, SYS_FSYNC, 0, "fsync" },
	[IO_FDATASYNC]	= { xio_simple, false, SYS_FDATASYNC, 0, "fdatasync" },
	[IO_TRUNCATE]	= { xio_simple, false, SYS_FTRUNCATE, 0, "ftruncate" },
	[IO_FPUNCH]	= { xio_simple, false, SYS_FALLOCATE,
			    SYSF_FALLOC_PUNCH_HOLE | SYSF_FALLOC_KEEP_SIZE,
			    "fallocate" },
	[IO_FZERO]	= { xio_simple, false, SYS_FALLOCATE,
			    SYSF_FALLOC_ZERO_RANGE, "fallocate" },
	[IO_FALLOC]	= { xio_simple, false, SYS_FALLOCATE, 0, "fallocate" },
	[IO_REFLINK]	= { xio_remap },
	[IO_DEDUPE]	= { xio_remap },
};

static const struct xio_op *xio_op(enum io_kind kind)
{
	if ((size_t)kind >= sizeof(xio_ops) / sizeof(xio_ops[0]) ||
	    !xio_ops[kind].fn)
		return NULL;
	return &xio_ops[kind];
}

/* Run one -c command, with xfs_io's own checks (init_check_command()). */
static enum step xio_cmd(struct xio *x, const struct io_cmd *c)
{
	const struct xio_op *op = xio_op(c->kind);

	if (!op)
		return STEP_OK;
	if (op->needs_map && !x->nmaps) {
		out_printf(run_out(x->r),
			   "no mapped regions, try 'help mmap'\n");
		return STEP_OK;
	}
	return op->fn(x, c);
}

static unsigned int xio_open_flags(unsigned int xflags)
{
	unsigned int flags = 0;

	if (xflags & XIO_CREATE)
		flags |= SYSF_CREAT;
	if (xflags & XIO_RDONLY)
		flags |= SYSF_RDONLY;
	if (xflags & XIO_DIRECT)
		flags |= SYSF_DIRECT;
	return flags;
}

/* Open FILE, then run the -c commands until the end or the process dies. */
static enum step xio_run(struct xio *x, const struct sc_line *l)
{
	struct sys_res res;
	enum step s = STEP_OK;
	int i;

	if (run_open(x->r, x->p, l->u.xio.file,
		     xio_open_flags(l->u.xio.flags), &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err) {
		out_perror(run_out(x->r), l->u.xio.file, res.err);
		return STEP_OK;
	}
	x->fd = res.fd;
	for (i = 0; i < l->u.xio.ncmds && s == STEP_OK; i++)
		s = xio_cmd(x, &l->u.xio.cmds[i]);
	return s;
}

static enum step line_xfs_io(struct run_thread *t, const struct sc_line *l)
{
	struct xio x = {
		.r = t->r, .file = l->u.xio.file, .fd = -1,
	};
	enum step s;

	x.p = proc_new(t->r->k, "xfs_io");
	s = xio_run(&x, l);
	free(x.maps);
	/* its file's release (xfs_file_release) is a step of the model's */
	if (s != STEP_STOP && x.fd >= 0)
		s = run_close(t->r, x.p, x.fd) == STEP_STOP ? STEP_STOP : s;
	return run_proc_exit(t->r, x.p, s);
}

/* ---------------------------------------------------- coreutils verbs --- */

/* "cp: PRE'A'MID'B'POST[: error]": names quoted as quoteaf() does. */
static void cp_msg(FILE *f, const char *pre, const char *a, const char *mid,
		   const char *b, const char *post, int err)
{
	if (!f)
		return;		/* a quiet run */
	fprintf(f, "cp: %s", pre);
	out_quoted(f, a, OUT_QUOTE_ALWAYS);
	if (b) {
		fputs(mid, f);
		out_quoted(f, b, OUT_QUOTE_ALWAYS);
	}
	fputs(post, f);
	if (err)
		fprintf(f, ": %s", out_strerror(err));
	fputc('\n', f);
}

/*
 * cp opens an existing destination O_WRONLY|O_TRUNC, else creates it
 * (O_CREAT|O_EXCL); the two failures have different messages.
 */
static enum step cp_open_dst(struct run *r, struct proc *p, const char *dst,
			     int *fd)
{
	struct sys_res res;
	const char *pre = "cannot open ", *post = " for writing";

	*fd = -1;
	if (run_open(r, p, dst, SYSF_TRUNC, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err == ENOENT) {
		pre = "cannot create regular file ";
		post = "";
		if (run_open(r, p, dst, SYSF_CREAT | SYSF_TRUNC, &res) ==
		    STEP_STOP)
			return STEP_STOP;
	}
	if (res.err)
		cp_msg(run_out(r), pre, dst, NULL, NULL, post, res.err);
	else
		*fd = res.fd;
	return STEP_OK;
}

/* cp --reflink=always SRC DST: FICLONE into a truncated destination. */
static enum step cp_run(struct run *r, struct proc *p, const char *src,
			const char *dst)
{
	struct sys_req req = { .kind = SYS_CLONE, .flags = SYSF_WHOLE };
	struct sys_res res;

	if (run_open(r, p, src, SYSF_RDONLY, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err) {
		cp_msg(run_out(r), res.err == ENOENT ? "cannot stat " :
		       "cannot open ", src, NULL, NULL,
		       res.err == ENOENT ? "" : " for reading", res.err);
		return STEP_OK;
	}
	req.fd2 = res.fd;
	if (strcmp(src, dst) == 0) {
		cp_msg(run_out(r), "", src, " and ", dst, " are the same file", 0);
		return STEP_OK;
	}
	if (cp_open_dst(r, p, dst, &req.fd) == STEP_STOP)
		return STEP_STOP;
	if (req.fd < 0)
		return STEP_OK;
	if (run_sys(r, p, &req, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err)
		cp_msg(run_out(r), "failed to clone ", dst, " from ", src, "",
		       res.err);
	/* copy_reg: the destination, then the source */
	if (run_close(r, p, req.fd) == STEP_STOP)
		return STEP_STOP;
	return run_close(r, p, req.fd2);
}

static enum step line_cp(struct run_thread *t, const struct sc_line *l)
{
	struct proc *p = proc_new(t->r->k, "cp");

	return run_proc_exit(t->r, p, cp_run(t->r, p, l->u.cp.src,
					     l->u.cp.dst));
}

static void md5sum_error(FILE *f, const char *name, int err)
{
	if (!f)
		return;		/* a quiet run */
	fputs("md5sum: ", f);
	out_quoted(f, name, OUT_QUOTE_NEEDED);
	fprintf(f, ": %s\n", out_strerror(err));
}

static enum step md5sum_one(struct run *r, struct proc *p, const char *name)
{
	struct sys_req req = { .kind = SYS_READ_MD5 };
	struct sys_res res;

	if (run_open(r, p, name, SYSF_RDONLY, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err) {
		md5sum_error(run_out(r), name, res.err);
		return STEP_OK;
	}
	req.fd = res.fd;
	if (run_sys(r, p, &req, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err)
		md5sum_error(run_out(r), name, res.err);
	else
		out_md5sum_line(run_out(r), res.md5, name);
	return run_close(r, p, req.fd);
}

static enum step rm_one(struct run *r, struct proc *p, const char *name,
			bool force)
{
	struct sys_req req = { .kind = SYS_UNLINK, .name = name };
	struct sys_res res;

	if (run_sys(r, p, &req, &res) == STEP_STOP)
		return STEP_STOP;
	if (res.err && !(force && res.err == ENOENT)) {
		out_printf(run_out(r), "rm: cannot remove ");
		out_quoted(run_out(r), name, OUT_QUOTE_ALWAYS);
		out_printf(run_out(r), ": %s\n", out_strerror(res.err));
	}
	return STEP_OK;
}

/* md5sum FILE... and rm [-f] FILE...: one process, one call per file. */
static enum step line_files(struct run_thread *t, const struct sc_line *l)
{
	bool md5 = l->kind == SC_MD5SUM;
	struct proc *p = proc_new(t->r->k, md5 ? "md5sum" : "rm");
	enum step s = STEP_OK;
	int i;

	for (i = 0; i < l->u.files.nfiles && s == STEP_OK; i++) {
		const char *name = l->u.files.files[i];

		s = md5 ? md5sum_one(t->r, p, name) :
			  rm_one(t->r, p, name, l->u.files.force);
	}
	return run_proc_exit(t->r, p, s);
}

static enum step line_echo(struct run_thread *t, const struct sc_line *l)
{
	out_printf(run_out(t->r), "%s\n", l->u.echo ? l->u.echo : "");
	return STEP_OK;
}

/* sync, writeback, drop_caches, cycle_mount, crash: one call, no output. */
static const enum sys_kind simple_sys[] = {
	[SC_SYNC] = SYS_SYNC,
	[SC_WRITEBACK] = SYS_WRITEBACK,
	[SC_DROP_CACHES] = SYS_DROP_CACHES,
	[SC_CYCLE_MOUNT] = SYS_CYCLE_MOUNT,
	[SC_CRASH] = SYS_CRASH,
};

/* sleep DURATION: the thread's process sleeps in virtual time. */
static enum step line_sleep(struct run_thread *t, const struct sc_line *l)
{
	struct sys_req req = { .kind = SYS_NANOSLEEP, .len = l->u.sleep_ns };
	struct proc *p = proc_new(t->r->k, "sleep");
	struct sys_res res;

	return run_proc_exit(t->r, p, run_sys(t->r, p, &req, &res));
}

static enum step line_simple(struct run_thread *t, const struct sc_line *l)
{
	struct sys_req req = { .kind = simple_sys[l->kind] };
	struct proc *p = proc_new(t->r->k, sc_kind_name(l->kind));
	struct sys_res res;

	return run_proc_exit(t->r, p, run_sys(t->r, p, &req, &res));
}

/* --------------------------------------------------------------- lines --- */

typedef enum step (*line_fn)(struct run_thread *t, const struct sc_line *l);

static const struct line_op {
	line_fn fn;
	bool config;		/* a configuration line, not an operation */
} line_ops[] = {
	[SC_XFS_IO]	= { line_xfs_io },
	[SC_CP_REFLINK]	= { line_cp },
	[SC_MD5SUM]	= { line_files },
	[SC_RM]		= { line_files },
	[SC_SYNC]	= { line_simple },
	[SC_ECHO]	= { line_echo },
	[SC_WRITEBACK]	= { line_simple },
	[SC_DROP_CACHES] = { line_simple },
	[SC_CYCLE_MOUNT] = { line_simple },
	[SC_CRASH]	= { line_simple },
	[SC_SET]	= { line_set, true },
	[SC_SLEEP]	= { line_sleep },
};

/*
 * run_line - execute one scenario line on one thread.
 * @t: the thread (its run holds the kernel and the output).
 * @l: the line.
 *
 * The first operation line boots the kernel with the configuration so far.
 *
 * Context: the thread's previous line has completed.
 * Return: STEP_OK to go on, STEP_STOP when the run is over.
 */
static enum step run_line(struct run_thread *t, const struct sc_line *l)
{
	const struct line_op *op = NULL;

	if ((size_t)l->kind < sizeof(line_ops) / sizeof(line_ops[0]))
		op = &line_ops[l->kind];
	if (!op || !op->fn)
		return run_error(t->r, l->lineno, "unknown line kind %d",
				 (int)l->kind);
	if (!op->config && !t->r->k && run_start(t->r) == STEP_STOP)
		return STEP_STOP;
	if (op->fn(t, l) == STEP_STOP)
		return STEP_STOP;
	return STEP_OK;
}

static void run_init(struct run *r, const struct scenario *sc,
		     const struct run_opts *o, FILE *out, FILE *err)
{
	static const struct run_opts none;

	memset(r, 0, sizeof(*r));
	r->sc = sc;
	r->opts = o ? o : &none;
	r->out = out;
	r->err = err;
	r->cfg.page_size = DEFAULT_PAGE_SIZE;
	r->cfg.disk_size = DEFAULT_DISK_SIZE;
	r->cfg.io_latency = DEFAULT_IO_LATENCY_NS;
	r->cfg.dirty_expire_ns = 30ULL * 1000000000ULL;	/* Linux's 30 s */
}

/* The metrics after the last line that ran, if the kernel booted. */
static void report_fill(const struct run *r, struct run_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	if (!r->k)
		return;
	rep->has_stats = true;
	rep->policy = r->cfg.policy ? r->cfg.policy->name : "none";
	kernel_stats(r->k, &rep->stats);
	kernel_perf(r->k, &rep->perf);
}

static bool section_line(void *ctx, int thread, const struct sc_line *l)
{
	struct run *r = ctx;

	thread_out = r->threads[thread].out;
	return run_line(&r->threads[thread], l) != STEP_STOP &&
	       r->status == RUN_OK;
}

/* Each thread's output buffer of a section (none in a quiet run). */
static void section_buffers_open(struct run *r, int nthreads)
{
	int i;

	for (i = 0; i < nthreads && !r->opts->quiet; i++) {
		struct run_thread *t = &r->threads[i];

		t->out = open_memstream(&t->buf, &t->buflen);
		if (NEVER(!t->out))
			abort();
	}
}

/* Print the buffers in thread order and free them. */
static void section_buffers_flush(struct run *r, int nthreads)
{
	int i;

	for (i = 0; i < nthreads && !r->opts->quiet; i++) {
		struct run_thread *t = &r->threads[i];

		fclose(t->out);
		fwrite(t->buf, 1, t->buflen, r->out);
		free(t->buf);
		t->out = NULL;
		t->buf = NULL;
	}
}

/*
 * run_section - run the section that starts at line @first: its threads
 * concurrently, under the run's scheduler.
 * Return: the index of the first line after the section.
 */
static int run_section(struct run *r, int first)
{
	const struct scenario *sc = r->sc;
	static const struct conc_ops ops = { .run_line = section_line };
	struct conc_section sec = { .nthreads = sc->nthreads,
				    .names = sc->threads };
	struct proc *kt[8];
	int end = first, i;

	while (end < sc->nlines &&
	       sc->lines[end].section == sc->lines[first].section)
		end++;
	if (!r->k && run_start(r) == STEP_STOP)
		return end;
	if (!r->threads) {
		r->threads = calloc(sc->nthreads + 1, sizeof(*r->threads));
		for (i = 0; i < sc->nthreads; i++) {
			r->threads[i].r = r;
			r->threads[i].id = i + 1;
		}
	}
	sec.lines = calloc(end - first, sizeof(*sec.lines));
	for (i = first; i < end; i++)
		sec.lines[i - first] = &sc->lines[i];
	sec.nlines = end - first;
	sec.nkthreads = kernel_kthreads(r->k, kt, 8);
	sec.kthreads = kt;
	section_buffers_open(r, sc->nthreads);
	i = conc_run_section(r->k, r->sched, &sec, &ops, r);
	thread_out = NULL;
	section_buffers_flush(r, sc->nthreads);
	if (i < 0 && kernel_violation(r->k) && r->status == RUN_OK)
		run_violation(r);
	else if (i < 0 && r->status == RUN_OK && sched_stopped(r->sched))
		r->status = RUN_STOPPED;
	free(sec.lines);
	return end;
}

/* --schedule-out: the decisions this run took, as `schedule` lines. */
/* The recorded decisions as `schedule` lines (g_free() it). */
static char *run_schedule_text(const struct run *r)
{
	GPtrArray *rec = sched_recorded(r->sched);
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < rec->len; i++)
		g_string_append_printf(s, "schedule %s\n",
				       (char *)g_ptr_array_index(rec, i));
	return g_string_free(s, FALSE);
}

static void run_write_schedule(const struct run *r, const char *path)
{
	char *text = run_schedule_text(r);
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(text, f) >= 0;

	if ((f && fclose(f)) || !ok)
		fprintf(r->err, "%s: cannot write schedule: %s\n", path,
			strerror(errno));
	g_free(text);
}

/*
 * A pinned entry whose step never ran N times is a stale schedule: the
 * interleaving the file pins (and its purpose) is gone, usually because
 * a step was renamed or merged.  Each is reported where it is written.
 * An entry whose step ran but whose target could not run then is not: the
 * model refused the switch (PIN_REFUSED), which is what a scenario that
 * pins a switch only a wrong model allows expects.  Only a run that went
 * to its end can tell.  Return: how many.
 */
static int run_stale_pins(const struct run *r)
{
	const struct scenario *sc = r->sc;
	char pin[200];
	int i, n = 0;

	for (i = 0; i < sc->nsched; i++) {
		const struct sc_sched *e = &sc->sched[i];

		if (sched_pin_state(r->sched, i) != PIN_STALE)
			continue;
		sched_pin_text(r->sched, i, pin, sizeof(pin));
		fprintf(r->err, "%s:%d:%d: stale schedule entry %s: %s never ran step #%u of %s/%s\n",
			sc->path, e->lineno, e->col, pin, e->thread, e->n,
			e->op, e->step);
		n++;
	}
	return n;
}

/**
 * runner_run - run a parsed scenario on a fresh kernel.
 * @sc:  the scenario (sim/scenario.h).
 * @o:   command-line overrides, or NULL.
 * @out: receives what the commands print (stdout and stderr merged), and a
 *       final "VIOLATION: ..." line if an invariant violation stopped the
 *       run.
 * @err: receives runtime scenario errors, as "path:line:col: message".
 * @rep: receives the policy run and the metrics after the last line that
 *       ran (also when a violation or an error stopped the run), or NULL.
 *       No metrics (has_stats false) if the kernel never booted, i.e. the
 *       configuration was bad.
 *
 * A scenario without operations still has its configuration checked.
 *
 * Return: RUN_OK, RUN_VIOLATION or RUN_ERROR.
 */
int runner_run(const struct scenario *sc, const struct run_opts *o,
	       FILE *out, FILE *err, struct run_report *rep)
{
	struct run r;
	struct run_thread t = { .r = &r, .id = 0 };
	int i, stale;

	run_init(&r, sc, o, out, err);
	for (i = 0; i < sc->nlines && r.status == RUN_OK; ) {
		if (sc->lines[i].section)
			i = run_section(&r, i);
		else if (run_line(&t, &sc->lines[i++]) == STEP_STOP)
			break;
	}
	if (!r.k && r.status == RUN_OK)
		run_start(&r);
	if (rep)
		report_fill(&r, rep);
	if (r.k && r.status == RUN_OK &&
	    (kernel_quiesce(r.k) || kernel_check_final(r.k)))
		run_violation(&r);
	if (r.k && r.status == RUN_OK && o && o->at_end)
		o->at_end(o->at_end_arg, r.k);
	if (r.sched && o && o->schedule_out)
		run_write_schedule(&r, o->schedule_out);
	if (o && o->schedule_text)
		*o->schedule_text = r.sched && r.status == RUN_VIOLATION ?
				    run_schedule_text(&r) : NULL;
	/* a run a violation or an error stopped never reached the rest */
	stale = r.sched && r.status == RUN_OK ? run_stale_pins(&r) : 0;
	if (rep)
		rep->stale_pins = stale;
	sched_free(r.sched);
	free(r.threads);
	if (r.k && !(o && o->exit_after && page_slab_frees_whole()))
		kernel_free(r.k);
	fflush(out);
	return r.status;
}
