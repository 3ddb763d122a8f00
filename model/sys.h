/* SPDX-License-Identifier: MIT */
/*
 * model/sys.h - the system-call boundary of the simulated kernel.
 *
 * Scope: what a user process can ask of the model, and what it gets back.
 * The scenario runner (sim/runner.c) turns scenario lines into these calls and
 * formats the results the way xfs_io, md5sum and cp print them; it never looks
 * inside the model.  Each call becomes an operation that runs as the kernel's
 * sequence of steps on a task (model/task.h).
 *
 * Errors are positive errno values (EINVAL, ENOSPC, ...) in sys_res.err, as
 * the C library would leave them in errno.
 */
#ifndef PCSIM_MODEL_SYS_H
#define PCSIM_MODEL_SYS_H

#include <stdbool.h>
#include <stdint.h>

struct kernel;
struct proc;
struct kconfig;
struct policy_ops;

enum sys_kind {
	SYS_OPEN,		/* name, flags SYSF_CREAT|SYSF_RDONLY|SYSF_DIRECT|SYSF_TRUNC -> fd */
	SYS_CLOSE,		/* fd */
	SYS_PWRITE,		/* fd, off, len, byte */
	SYS_PREAD,		/* fd, off, len -> done (bytes read) */
	SYS_READ_MD5,		/* fd: read the whole file -> md5 */
	SYS_MMAP,		/* fd, off, len, flags SYSF_PROT_* -> addr */
	SYS_MUNMAP,		/* addr, len */
	SYS_MSTORE,		/* addr, len, byte, SYSF_REVERSE: memset through PTEs */
	SYS_MLOAD,		/* addr, len, SYSF_REVERSE: read through PTEs */
	SYS_MSYNC,		/* addr, len, SYSF_MS_* */
	SYS_FSYNC,		/* fd */
	SYS_FDATASYNC,		/* fd */
	SYS_FTRUNCATE,		/* fd, off = new size */
	SYS_FALLOCATE,		/* fd, off, len, SYSF_FALLOC_* */
	SYS_CLONE,		/* FICLONERANGE: fd2 = src, off2 = src off, off = dst off, len (0: to EOF); SYSF_WHOLE = FICLONE */
	SYS_DEDUPE,		/* FIDEDUPERANGE: fd2 = src, off2 = src off, off = dst off, len */
	SYS_UNLINK,		/* name */
	SYS_SYNC,		/* sync(2) */
	SYS_WRITEBACK,		/* run the flusher now (WB_SYNC_NONE), wait for its I/O */
	SYS_DROP_CACHES,	/* echo 3 > /proc/sys/vm/drop_caches */
	SYS_CYCLE_MOUNT,	/* umount + mount */
	SYS_CRASH,		/* power cut, then mount and log recovery */
	SYS_NANOSLEEP,		/* len = virtual nanoseconds to sleep */
	SYS_KSWAPD,		/* kswapd's work: reclaim to the low watermark */
	SYS_NR
};

enum {
	SYSF_CREAT = 1u << 0,
	SYSF_RDONLY = 1u << 1,
	SYSF_DIRECT = 1u << 2,
	SYSF_TRUNC = 1u << 3,
	SYSF_PROT_READ = 1u << 4,
	SYSF_PROT_WRITE = 1u << 5,
	SYSF_PROT_EXEC = 1u << 6,
	SYSF_REVERSE = 1u << 7,
	SYSF_MS_ASYNC = 1u << 8,
	SYSF_MS_INVALIDATE = 1u << 9,
	SYSF_MS_SYNC = 1u << 10,
	SYSF_FALLOC_KEEP_SIZE = 1u << 11,
	SYSF_FALLOC_PUNCH_HOLE = 1u << 12,
	SYSF_FALLOC_ZERO_RANGE = 1u << 13,
	SYSF_WHOLE = 1u << 14,
	SYSF_KUPDATE = 1u << 15,	/* SYS_WRITEBACK: expired inodes only */
};

struct sys_req {
	enum sys_kind kind;
	unsigned int flags;	/* SYSF_* */
	int fd, fd2;
	uint64_t off, len, off2;
	uint64_t addr;
	uint8_t byte;
	const char *name;	/* SYS_OPEN, SYS_UNLINK; copied by the model */
};

struct sys_res {
	int err;		/* 0 or a positive errno */
	bool sigbus;		/* the access was killed by SIGBUS */
	bool sigsegv;		/* the access was killed by SIGSEGV */
	int fd;			/* SYS_OPEN */
	uint64_t done;		/* bytes written/read/remapped */
	uint64_t addr;		/* SYS_MMAP */
	uint8_t md5[16];	/* SYS_READ_MD5 */
};

struct tracer;

/* Kernel lifetime.  @cfg is copied; policy NULL means mainline. */
struct kernel *kernel_new(const struct kconfig *cfg);
void kernel_free(struct kernel *k);

/* A simulated process: an mm and a file table.  proc_exit() unmaps and
 * closes everything, as do_exit() would. */
struct proc *proc_new(struct kernel *k, const char *comm);
void proc_exit(struct kernel *k, struct proc *p);

/* Name @p in traces and schedules (a scenario thread); default comm/pid. */
void proc_set_thread(struct proc *p, const char *name);
/* Report every event of the run to @tr (NULL: stop). */
void kernel_set_tracer(struct kernel *k, const struct tracer *tr);
/* A scheduling note for the tracer (TR_SCHED, interrupt track), if any. */
void kernel_trace_sched(struct kernel *k, const char *what);
/* Note model coverage into @cov (model/coverage.h; NULL: stop). */
struct model_cov;
void kernel_set_coverage(struct kernel *k, struct model_cov *cov);

/*
 * Concurrent execution (sim/sched.c drives it).  kernel_submit() starts a
 * system call on @p's task without running it; kernel_runnable() lists the
 * processes whose call can take a step now (pid order); kernel_step() runs
 * one step of one of them and checks the invariants; kernel_fire_event()
 * completes the earliest I/O (virtual time advances); when nothing is
 * runnable and no I/O is pending, kernel_stuck() names the waits-for cycle
 * as a deadlock violation.  kernel_done() tells whether @p's call returned.
 * Each returns -1 once a violation stopped the run.
 */
void kernel_submit(struct kernel *k, struct proc *p, const struct sys_req *req);
int kernel_runnable(struct kernel *k, struct proc **out, int max);
/* Could @p's call take a step now (is it one kernel_runnable() lists)? */
bool kernel_proc_runnable(const struct proc *p);
/* How many processes are live (kernel_runnable() scans them all). */
unsigned int kernel_nr_procs(const struct kernel *k);
int kernel_step(struct kernel *k, struct proc *p);
bool kernel_has_events(const struct kernel *k);
int kernel_fire_event(struct kernel *k);
int kernel_stuck(struct kernel *k);
bool kernel_done(const struct proc *p, struct sys_res *res);
/* Kernel threads (the flusher), pid order.  Return: how many. */
int kernel_kthreads(struct kernel *k, struct proc **out, int max);
/* Let kernel threads finish what they started (end of a run). */
int kernel_quiesce(struct kernel *k);

/* The run stopped with @p in a call: drop what its frames hold. */
void kernel_abort_call(struct kernel *k, struct proc *p);
/* The running call's name and the last step it ran (schedules, traces). */
const char *kernel_proc_op(const struct proc *p);
const char *kernel_proc_step(const struct proc *p);
const char *kernel_proc_thread(const struct proc *p);
const char *sys_kind_name(enum sys_kind kind);

/*
 * kernel_syscall - run one system call to completion.
 *
 * The call becomes an operation on the process's task; the engine steps it,
 * and any other runnable work, firing I/O completion events in virtual time
 * while the task waits, until the operation returns.  Invariants are checked
 * after every step.
 *
 * Return: 0 if the call completed (its own error, if any, is in @res->err);
 * -1 if an invariant violation stopped the run (see kernel_violation()).
 */
int kernel_syscall(struct kernel *k, struct proc *p, const struct sys_req *req,
		   struct sys_res *res);
/*
 * kernel_wait - the second half of kernel_syscall(): run the call already
 * submitted for @p (kernel_submit(), perhaps stepped by hand since) to
 * completion.  @res may be NULL.  Return: as kernel_syscall().
 */
int kernel_wait(struct kernel *k, struct proc *p, struct sys_res *res);

/*
 * kernel_check_final - the end-of-run checks: a full sweep of every
 * invariant, and nothing leaked: every page is held by the page cache alone,
 * no PTE and no lock is left, no I/O is pending.
 * Return: 0, or -1 with the violation recorded.
 */
int kernel_check_final(struct kernel *k);

/*
 * Metrics of a run (`pcsim run --stats`).  Pages are 4 KiB or the
 * configured page size; "entries" count (mapping, index) slots, so
 * entries - cached is what sharing saves against private copies.
 */
struct sys_stats {
	uint64_t page_size;
	uint64_t cached_pages, peak_cached_pages;
	uint64_t cache_entries;		/* (mapping, index) slots now */
	uint64_t shared_pages;		/* pages with more than one owner */
	uint64_t saved_bytes, peak_saved_bytes;	/* vs private copies */
	uint64_t cow_page_copies, cow_block_allocs;
	uint64_t writeback_ios, writeback_bytes;
	uint64_t read_ios;
	uint64_t faults_major, faults_minor;
	uint64_t ptes_zapped, pages_reclaimed;
	uint64_t steps;			/* kernel steps run */
	uint64_t page_ops;		/* page operations: pages that calls
					   read, wrote or remapped, pages
					   written back, read bios, faults,
					   COW copies and reclaimed pages
					   (benchmarks) */
	uint64_t virtual_ns;		/* virtual time now */
};

void kernel_stats(const struct kernel *k, struct sys_stats *out);

/*
 * End-of-run queries (model/fiemap.c; `pcsim run --extents-out`): what
 * FIEMAP and mincore(2) would report of a file.  They read the state
 * between calls (none may be in progress), take no lock, run no step.
 *
 * kernel_for_each_name() calls @fn with every name in the directory, in
 * strcmp order.  kernel_file_size() is stat's st_size (i_size).
 * kernel_fiemap() calls @fn with each run of data fork blocks that share
 * their flags, in file order, offsets and lengths in bytes (holes are not
 * reported).  kernel_mincore() calls @fn with the index of each page the
 * file's mapping caches, in index order.  Each returns -ENOENT for no such
 * name, else 0.
 */
enum {
	SYS_FIEMAP_UNWRITTEN = 1u << 0,	/* FIEMAP_EXTENT_UNWRITTEN */
	SYS_FIEMAP_DELALLOC = 1u << 1,	/* FIEMAP_EXTENT_DELALLOC */
	SYS_FIEMAP_SHARED = 1u << 2,	/* FIEMAP_EXTENT_SHARED */
};

typedef void (*sys_name_fn)(void *arg, const char *name);
typedef void (*sys_fiemap_fn)(void *arg, uint64_t off, uint64_t len,
			      unsigned int flags);
typedef void (*sys_mincore_fn)(void *arg, uint64_t index);

void kernel_for_each_name(struct kernel *k, sys_name_fn fn, void *arg);
int kernel_file_size(struct kernel *k, const char *name, uint64_t *size);
int kernel_fiemap(struct kernel *k, const char *name, sys_fiemap_fn fn,
		  void *arg);
int kernel_mincore(struct kernel *k, const char *name, sys_mincore_fn fn,
		   void *arg);

/*
 * What-if metrics of a run (`pcsim compare`; definitions in model/perf.h).
 * Not part of struct sys_stats, whose every field `pcsim run --stats`
 * prints.  Latencies are virtual time from submission to return of each
 * data operation of a scenario process; percentiles by nearest rank.
 */
struct sys_perf {
	uint64_t elapsed_ns;		/* virtual time now */
	uint64_t page_ns;		/* integral of cached pages over time */
	uint64_t app_write_bytes;	/* written by applications */
	uint64_t dev_write_bytes;	/* written to the device (write bios
					   and DAX stores and block fills) */
	uint64_t nr_ops;		/* latency samples */
	uint64_t lat_p50_ns, lat_p99_ns, lat_max_ns;
};

void kernel_perf(const struct kernel *k, struct sys_perf *out);

/*
 * State hashing (model/statehash.c; pcsim explore).  kernel_state_hash()
 * is a canonical digest of everything a later step can read: equal for
 * equal states reached by different interleavings (no addresses, pids or
 * allocation ids), different when the futures can differ.
 * kernel_call_hash() folds one call and its result into @h (a thread's
 * progress outside the kernel).
 */
uint64_t kernel_state_hash(const struct kernel *k);
uint64_t kernel_call_hash(uint64_t h, const struct sys_req *req,
			  const struct sys_res *res);

/* The first violation of the run, formatted, or NULL. */
const char *kernel_violation(const struct kernel *k);

/* Virtual time now, in nanoseconds. */
uint64_t kernel_now(const struct kernel *k);

#endif /* PCSIM_MODEL_SYS_H */
