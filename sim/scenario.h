/* SPDX-License-Identifier: MIT */
/*
 * sim/scenario.h - the parsed form of a .pcs scenario file.
 *
 * Scope: syntax only.  A scenario file is a list of lines that an fstests
 * author can read: xfs_io command lines with xfs_io's own syntax, the few shell
 * verbs fstests uses (cp --reflink=always, md5sum, rm, sync, echo) and the
 * simulator's verbs (set, writeback, drop_caches, cycle_mount, crash, sleep).
 * The parser turns the whole file into a struct scenario before anything
 * runs, so that a bad line is reported as file:line:col and nothing has
 * executed.
 *
 * Concurrency.  "thread NAME" ... "end" blocks hold operation lines that run
 * in a thread of their own.  Consecutive blocks (nothing but comments and
 * blank lines between them) form one SECTION: its threads start together,
 * and the section ends when all of them have ended; the next top-level line
 * runs after that.  A file is thus a sequence of segments, each either a
 * run of top-level lines or one section:
 *
 *   xfs_io -f -c "pwrite 0 64k" a   top level: thread 0, section 0
 *   thread T1                        section 1 starts
 *     xfs_io -c fsync a              thread 1, section 1
 *   end
 *   thread T2
 *     xfs_io -c "pwrite 0 4k" a      thread 2, section 1
 *   end                              section 1 ends when T1 and T2 have
 *   md5sum a                         top level: thread 0, section 0
 *
 * "thread", "end" and "schedule" lines are not stored as lines: the blocks
 * show up as sc_line.thread and sc_line.section, the schedules in
 * scenario.sched.  "schedule THREAD@OP/STEP#N->TARGET..." pins a scheduling
 * decision: after THREAD has run its N-th step named STEP within system call
 * OP, switch to TARGET (a thread, or "irq": fire the next event).
 *
 * Nothing here knows of pages or inodes: the runner (sim/runner.c) turns
 * lines into model operations.
 *
 * Invariants of a parsed scenario:
 *   - every number has been range-checked (offsets and lengths < 2^63,
 *     patterns 0..255);
 *   - every file name is a non-empty relative name without '/' components
 *     that escape ("..") and without NUL;
 *   - lines[] is in file order; comment and blank lines are not stored;
 *   - a line's thread is 0 (top level) or 1..nthreads, its section is 0 iff
 *     its thread is 0, and sections are numbered 1..nsections in file order;
 *     every thread has at least one line, all of them in one section; a
 *     section has at most 64 threads, a file at most 1024;
 *   - thread names match [A-Za-z][A-Za-z0-9_-]{0,15}, are unique, and are
 *     neither "irq" nor "main";
 *   - every schedule entry names a declared thread, and a target that is
 *     "irq" or a declared thread of the same section; n >= 1;
 *   - durations are nanoseconds below 2^63 (sleep: at least 1).
 */
#ifndef PCSIM_SIM_SCENARIO_H
#define PCSIM_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kinds of scenario line. */
enum sc_kind {
	SC_XFS_IO,		/* xfs_io [-d] [-f] [-r] -c "CMD" ... FILE */
	SC_CP_REFLINK,		/* cp --reflink=always [-p] [-f] SRC DST */
	SC_MD5SUM,		/* md5sum FILE... */
	SC_RM,			/* rm [-f] FILE... */
	SC_SYNC,		/* sync */
	SC_ECHO,		/* echo TEXT... */
	SC_WRITEBACK,		/* writeback: run the flusher now */
	SC_DROP_CACHES,		/* drop_caches (echo 3 > /proc/sys/vm/drop_caches) */
	SC_CYCLE_MOUNT,		/* cycle_mount: umount + mount */
	SC_CRASH,		/* crash: lose everything not persisted, remount */
	SC_SET,			/* set KEY VALUE: configuration */
	SC_SLEEP,		/* sleep DURATION: virtual time passes */
};

/* xfs_io -c commands. */
enum io_kind {
	IO_PWRITE,		/* pwrite [-S seed] [-b bsize] [-w|-W] off len */
	IO_PREAD,		/* pread [-b bsize] off len */
	IO_MMAP,		/* mmap [-r|-w|-x|-rw...] off len */
	IO_MWRITE,		/* mwrite [-r] [-S seed] off len */
	IO_MREAD,		/* mread [-r] off len */
	IO_MSYNC,		/* msync [-a|-i|-s] off len */
	IO_MUNMAP,		/* munmap */
	IO_FSYNC,		/* fsync */
	IO_FDATASYNC,		/* fdatasync */
	IO_TRUNCATE,		/* truncate off */
	IO_FPUNCH,		/* fpunch off len */
	IO_FZERO,		/* fzero [-k] off len */
	IO_FALLOC,		/* falloc [-k] off len */
	IO_REFLINK,		/* reflink SRC [src_off dst_off len] */
	IO_DEDUPE,		/* dedupe SRC src_off dst_off len */
};

/* io_cmd.flags */
enum {
	IOF_KEEP_SIZE	= 1u << 0,	/* falloc -k, fzero -k */
	IOF_PROT_READ	= 1u << 1,	/* mmap -r (or default)   */
	IOF_PROT_WRITE	= 1u << 2,	/* mmap -w (or default)   */
	IOF_PROT_EXEC	= 1u << 3,	/* mmap -x (or default)   */
	IOF_MS_ASYNC	= 1u << 4,	/* msync -a */
	IOF_MS_INVALIDATE = 1u << 5,	/* msync -i */
	IOF_MS_SYNC	= 1u << 6,	/* msync -s */
	IOF_REVERSE	= 1u << 7,	/* mwrite/mread -r: walk backwards */
	IOF_FDATASYNC	= 1u << 8,	/* pwrite -w: fdatasync after */
	IOF_FSYNC	= 1u << 9,	/* pwrite -W: fsync after */
	IOF_WHOLE_FILE	= 1u << 10,	/* reflink SRC with no range */
	IOF_WHOLE_MAP	= 1u << 11,	/* mread/mwrite/msync with no range:
					 * the whole current mapping */
};

/* One xfs_io -c command, already converted with cvtnum(). */
struct io_cmd {
	enum io_kind kind;
	int col;		/* 1-based column of the command's text */
	unsigned flags;		/* IOF_* */
	uint64_t off;		/* offset (dst_off for reflink/dedupe) */
	uint64_t len;		/* length (0 for reflink means "to EOF") */
	uint64_t src_off;	/* reflink/dedupe source offset */
	uint64_t bsize;		/* pwrite/pread -b (default 65536) */
	int pattern;		/* pwrite -S (default 0xcd), mwrite -S (default 'X') */
	char *src;		/* reflink/dedupe source file name */
};

/* xfs_io line flags */
enum {
	XIO_CREATE	= 1u << 0,	/* -f */
	XIO_DIRECT	= 1u << 1,	/* -d */
	XIO_RDONLY	= 1u << 2,	/* -r */
};

/* set KEY VALUE keys */
enum sc_set_key {
	SET_PAGESIZE,		/* set pagesize 4k      (bytes, power of 2, 4k..64k) */
	SET_BLOCKSIZE,		/* set blocksize 4k     (bytes, must equal pagesize) */
	SET_POLICY,		/* set policy NAME      (string) */
	SET_MEMORY_LIMIT,	/* set memory-limit 64m (bytes of page cache; 0 = none) */
	SET_DISK_SIZE,		/* set disk-size 512m   (bytes) */
	SET_SEED,		/* set seed N */
	SET_IO_LATENCY,		/* set io-latency N     (virtual microseconds) */
	SET_CHECK_INTERVAL,	/* set check-interval N (steps between full checks; 0: end only) */
	SET_POLICY_ONLY,	/* set policy-only NAME: this scenario is about NAME; --policy does not override it */
	SET_SCHEDULE,		/* set schedule fifo|rr|random|pct (string) */
	SET_PCT_DEPTH,		/* set pct-depth N      (1..100) */
	SET_DIRTY_WRITEBACK,	/* set dirty-writeback-interval DURATION (ns; 0: off) */
	SET_DIRTY_EXPIRE,	/* set dirty-expire DURATION (ns) */
	SET_STEP_BOUND,		/* set step-bound N     (livelock bound, steps, >= 1) */
	SET_STEP_COST,		/* set step-cost DURATION (virtual time per kernel step; 0) */
	SET_CHECK_MODE,		/* set check-mode auto|full|incremental|verify (string) */
	SET_QUEUE_DEPTH,	/* set queue-depth N    (bios in flight, 1..4096; 128) */
};

struct sc_line {
	enum sc_kind kind;
	int lineno;		/* 1-based line number */
	char *text;		/* the line as written, for traces */
	union {
		struct {	/* SC_XFS_IO */
			unsigned flags;		/* XIO_* */
			char *file;
			struct io_cmd *cmds;
			int ncmds;
		} xio;
		struct {	/* SC_CP_REFLINK */
			char *src, *dst;
			bool preserve, force;
		} cp;
		struct {	/* SC_MD5SUM, SC_RM */
			char **files;
			int nfiles;
			bool force;		/* rm -f */
		} files;
		char *echo;	/* SC_ECHO: the text, words joined by one space */
		struct {	/* SC_SET */
			enum sc_set_key key;
			uint64_t num;		/* numeric value */
			char *str;		/* SET_POLICY, SET_SCHEDULE,
					   SET_CHECK_MODE */
		} set;
		uint64_t sleep_ns;	/* SC_SLEEP: 1..2^63-1 nanoseconds */
	} u;
	int thread;		/* 0: top level, else 1-based in threads[] */
	int section;		/* 0: top level; else 1-based section number */
};

/* schedule THREAD@OP/STEP#N->TARGET */
struct sc_sched {
	char *thread;		/* a declared thread */
	char *op;		/* system call, [A-Za-z0-9_()-]+ */
	char *step;		/* step name, [A-Za-z0-9_()-]+ */
	char *target;		/* a thread of the same section, or "irq" */
	uint32_t n;		/* the n-th such step, >= 1 */
	int lineno, col;	/* where the entry is, for messages */
};

struct scenario {
	char *path;		/* file name as given, for messages */
	struct sc_line *lines;
	int nlines;
	char **threads;		/* thread names, in order of appearance */
	int nthreads;
	int nsections;
	struct sc_sched *sched;	/* schedule entries, in file order */
	int nsched;
};

/*
 * scenario_parse_file - parse a scenario file.
 * @path:  file to read.
 * @out:   filled on success; release with scenario_free().
 * @err:   on failure, a malloc'ed "path:line:col: message" (no newline).
 *
 * Return: 0 on success, -1 on any error (nothing allocated in @out).
 */
int scenario_parse_file(const char *path, struct scenario *out, char **err);

/* scenario_parse_string - as scenario_parse_file() for text in memory. */
int scenario_parse_string(const char *name, const char *text, size_t len,
			  struct scenario *out, char **err);

void scenario_free(struct scenario *sc);

/* Names for traces: the verb ("xfs_io", "cp", ...) and the -c command. */
const char *sc_kind_name(enum sc_kind kind);
const char *io_kind_name(enum io_kind kind);

#endif /* PCSIM_SIM_SCENARIO_H */
