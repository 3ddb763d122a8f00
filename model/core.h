/* SPDX-License-Identifier: MIT */
/*
 * model/core.h - the simulated machine, its tasks and their step machines.
 *
 * Scope: struct kernel (everything simulated), struct task (one thread of a
 * simulated process) and the step-machine calling convention every operation
 * uses.  Declarations of the model's internal modules live here too, grouped
 * by the file that implements them.
 *
 * Step machines.  An operation is a stack of frames (task->stack).  Each
 * frame names a step function (enum fn_id) and a program counter; its locals
 * are plain data in the frame's union.  One call of the step function runs
 * one atomic step: it may take or drop locks, touch pages, submit I/O, and
 * then returns:
 *
 *   STEP_NEXT   progress was made; call again (pc already advanced)
 *   STEP_BLOCK  task->wait says what it waits for; retry the same pc later
 *   STEP_DONE   the frame returned (task_return() popped it)
 *
 * A callee is entered with task_call(), which pushes a frame; the caller's pc
 * must already point at the step that consumes the callee's return value
 * (frame->ret).  No C stack survives a step, so a run is a sequence of
 * (task, step) choices and can be replayed, hashed and explored.
 *
 * Concurrency rule: every step runs with no other step in progress (a
 * discrete event); kernel spinlocks (xa_lock, PTL, ILOCK) are therefore never
 * modelled as held across steps.  Sleeping locks (model/lock.c) are.
 */
#ifndef PCSIM_MODEL_CORE_H
#define PCSIM_MODEL_CORE_H

#include <errno.h>

#include "model/bstream.h"
#include "model/check.h"
#include "model/slab.h"
#include "model/kernel.h"
#include "model/perf.h"
#include "model/sys.h"

struct oracle;
struct policy_ops;

enum step_result {
	STEP_NEXT,
	STEP_BLOCK,
	STEP_DONE,
};

enum fn_id {
	FN_SYSCALL = 1,		/* model/sys.c: dispatch of one system call */
	FN_BUFFERED_WRITE,	/* model/rw.c: xfs_file_buffered_write */
	FN_BUFFERED_READ,	/* model/rw.c: filemap_read */
	FN_DIO_WRITE,		/* model/rw.c: xfs_file_dio_write */
	FN_DIO_READ,		/* model/rw.c: xfs_file_dio_read */
	FN_WRITE_AND_WAIT,	/* model/writeback.c: filemap_write_and_wait_range */
	FN_WRITEPAGES,		/* model/writeback.c: writeback_iter + iomap_writepages */
	FN_FDATAWAIT,		/* model/writeback.c: filemap_fdatawait_range */
	FN_FSYNC,		/* model/writeback.c: xfs_file_fsync */
	FN_SYNC_ALL,		/* model/writeback.c: sync(2) / flusher for all inodes */
	FN_MACCESS,		/* model/fault.c: user stores/loads through a mapping */
	FN_FAULT,		/* model/fault.c: handle_mm_fault for one page */
	FN_TRUNCATE,		/* model/truncate.c: xfs_setattr_size */
	FN_TRUNCATE_PAGES,	/* model/truncate.c: truncate_inode_pages_range */
	FN_FALLOCATE,		/* model/truncate.c: xfs_file_fallocate */
	FN_ZERO_RANGE,		/* model/rw.c: iomap_zero_range through the page cache */
	FN_REMAP,		/* model/remap.c: xfs_file_remap_range */
	FN_DAX_READ,		/* model/dax.c: dax_iomap_rw (read) */
	FN_DAX_WRITE,		/* model/dax.c: xfs_file_dax_write */
	FN_DAX_FAULT,		/* model/dax.c: dax_iomap_fault */
	FN_NANOSLEEP,		/* model/sysops.c: hrtimer_nanosleep */
	FN_KSWAPD,		/* model/engine.c: balance_pgdat */
	FN_MAX
};

/* What a blocked task waits for (polled by the scheduler). */
enum wait_kind {
	WAIT_NONE = 0,
	WAIT_RWSEM_READ,	/* @obj: struct rwsem * */
	WAIT_RWSEM_WRITE,	/* @obj: struct rwsem * */
	WAIT_PAGE_LOCK,		/* @obj: struct page * */
	WAIT_PAGE_WRITEBACK,	/* @obj: struct page * */
	WAIT_DIO,		/* @obj: struct inode *: i_dio_count == 0 */
	WAIT_TIMER,		/* @obj: the task: its KEV_TIMER fired */
	WAIT_BIO_TAG,		/* @obj: struct kernel *: a request tag is
				   free (blk_mq_get_tag, model/writeback.c) */
};

struct wait {
	enum wait_kind kind;
	void *obj;
};

struct bio;

/*
 * struct iomap_writepage_ctx - writeback's context across its steps (the
 * kernel's wpc): @ioend, the run of pages under writeback not submitted
 * yet, or NULL, and its last bio @tail.  Its pages hold PG_writeback and
 * a reference each.
 *
 * @imap is the mapping xfs_map_blocks() found last (wpc->iomap), for
 * @inode (NULL: none), a COW fork staging extent if @cow; @data_seq and
 * @cow_seq are the forks' bmap_seq() when it was found (xfs_writepage_ctx).
 * The next pages reuse it while xfs_imap_valid() says it still holds: a
 * cache that never changes a result.
 */
struct iomap_writepage_ctx {
	struct bio *ioend;
	struct bio *tail;
	struct inode *inode;
	struct bmap_irec imap;
	bool cow;
	uint64_t data_seq, cow_seq;
};

/* Locals of the frames that iterate over a byte range of one inode. */
struct range_locals {
	struct inode *inode;
	struct file *file;
	uint64_t pos, end;	/* bytes: [pos, end) still to do */
	uint64_t start;		/* first byte of the request */
	uint64_t done;		/* bytes completed */
	struct page *page;	/* page held across steps (a reference) */
	unsigned int flags;	/* frame-specific */
	uint8_t byte;		/* fill byte for writes */
	int err;
	struct bstream *md5;	/* FN_BUFFERED_READ for md5sum: the bytes
				   read so far (model/bstream.h), else NULL */
	struct rwsem *ilock;	/* invalidate_lock taken (truncate, falloc) */
	struct iomap_writepage_ctx wpc;	/* FN_WRITEPAGES: the open ioend */
	uint64_t token;		/* FN_FSYNC, FN_SYNC_ALL: the oracle's
				   oracle_durable_begin(), 0 before */
	pgoff_t map_end;	/* FN_BUFFERED_WRITE: first page past the
				   iteration's mapping (0: none yet) */
};

/*
 * range_locals.flags of the write loops (model/rw.c, model/dax.c):
 * RW_ZERO     fn_zero_range: the caller holds i_rwsem; no oracle update;
 * ZERO_RANGE_ORACLE  with RW_ZERO: the zeroes are a change of the file's
 *             bytes that the oracle learns page by page as they land
 *             (truncate's EOF block, punch and zero range), not at a later
 *             linearization point.
 */
#define RW_ZERO			(1u << 0)
#define ZERO_RANGE_ORACLE	(1u << 30)

/* Locals of FN_REMAP. */
struct remap_locals {
	struct file *src, *dst;
	uint64_t pos_in, pos_out, len, req_len;
	unsigned int remap_flags;	/* REMAP_FILE_* */
	int err;
	bool same;			/* dedupe comparison result */
	uint64_t resv;			/* blocks reserved for sharing dirty
					   pages (POLICY_NO_SOURCE_FLUSH) */
	struct rwsem *ilock[2];		/* invalidate_locks taken, in order */
};

/* Results of FN_FAULT / FN_MACCESS, and the write flag of their locals. */
enum {
	FAULT_OK = 0,
	FAULT_SIGBUS = 1,
	FAULT_SIGSEGV = 2,
	FAULT_RETRY = 3,	/* VM_FAULT_NOPAGE: the PTE was zapped, refault */
	FAULT_FLAG_WRITE = 1u << 16,
	FAULT_FLAG_MAJOR = 1u << 17,	/* the fault read the page */
};

/* Locals of FN_MACCESS / FN_FAULT. */
struct maccess_locals {
	struct vm_area_struct *vma;
	uint64_t addr, end;		/* bytes still to touch */
	uint64_t fault_addr;		/* FN_FAULT: the address */
	unsigned int flags;		/* SYSF_REVERSE, FAULT_FLAG_WRITE */
	uint8_t byte;
	struct page *page;		/* FN_FAULT: page found, referenced */
	int err;
};

struct frame {
	enum fn_id fn;
	int pc;
	int64_t ret;			/* value returned by the last callee */
	union {
		struct range_locals r;
		struct remap_locals m;
		struct maccess_locals a;
	} u;
};

#define TASK_MAX_DEPTH 12

enum task_state {
	TASK_IDLE,		/* no operation */
	TASK_RUNNING,		/* runnable or blocked on task->wait */
};

struct proc;

/*
 * struct task - one simulated thread.  Everything it needs across steps is in
 * here or reachable from objects it holds references to.
 */
struct task {
	int id;			/* 0.. : also lock owner ids (id + 1) */
	char comm[16];
	struct proc *proc;
	enum task_state state;
	struct wait wait;
	struct frame stack[TASK_MAX_DEPTH];
	int depth;
	struct sys_req req;	/* the call being executed */
	struct sys_res res;
	const char *step_name;	/* last step run, for traces */
	uint16_t held[8];	/* lock classes held, in acquisition order */
	int nheld;
	bool timer_fired;	/* WAIT_TIMER: the sleep is over */
	struct page *wait_page;	/* referenced while waiting on it */
	vtime_t submitted;	/* virtual time of kernel_submit() */
};

#define PROC_MAX_FILES 16

struct proc {
	int pid;
	char comm[16];
	char thread[24];		/* name in traces and schedules */
	struct mm_struct *mm;
	struct file *files[PROC_MAX_FILES];
	struct task task;
};

/* Run statistics (issue 3 extends them). */
struct kstats {
	uint64_t nr_cached, peak_cached;	/* distinct cached pages */
	uint64_t nr_cache_entries;		/* (mapping, index) slots */
	uint64_t nr_shared;			/* pages with > 1 owner */
	uint64_t peak_saved;	/* max file page views - nr_cached, sampled
				   at system-call boundaries */
	uint64_t cow_page_copies, cow_block_allocs;
	uint64_t wb_ios, wb_bytes;
	uint64_t faults_major, faults_minor;
	uint64_t ptes_zapped, pages_reclaimed;
	uint64_t read_ios;
	uint64_t nr_dax_pages;			/* live PG_dax pages */
	uint64_t page_ops;	/* pages moved by calls (sys_stats.page_ops) */
	uint64_t file_views;	/* sum of nrpages over live files' i_mapping
				   (inode_set_mapping(), inode_set_evicted()) */
};

/* A bio: one block-sized I/O to or from one page. */
struct bio {
	bool write;
	struct page *page;		/* referenced until completion */
	struct inode *inode;		/* write: inode for ioend processing */
	pgoff_t index;			/* file page index of the I/O */
	uint64_t block;			/* disk block */
	bool cow;			/* write: target is a COW fork extent */
	bool unwritten;			/* write: target extent is unwritten */
	bool direct;			/* direct I/O: no page, @content */
	uint64_t id;			/* for traces */
	int tid;			/* submitting task, 0 if none */
	const struct content *content;	/* direct write payload */
	uint64_t end_off;		/* write: byte end of valid data */
	struct page_owner *owners;	/* all-host writeback: every owner */
	uint32_t nowners;		/* (each remapped at completion) */
	/*
	 * Buffered writeback gathers the pages of a file- and disk-
	 * contiguous run into one ioend (model/writeback.c): the bio of
	 * its first page is the head, which is submitted, takes the
	 * request tag and completes; @io_next chains the pages' bios in
	 * index order and @io_count (head only) counts them, 1 for a bio
	 * alone (bio_alloc()).
	 */
	struct bio *io_next;
	uint32_t io_count;
};

enum kevent_type {
	KEV_BIO_END = 1,	/* @obj: struct bio * */
	KEV_TIMER,		/* @obj: struct task * whose sleep ends */
	KEV_LOG_WORKER,		/* xfs_log_worker: periodic CIL push */
};

#define TRACE_RING 16

/*
 * One line of the trace ring that violation reports quote: the time and
 * task are kept as data and the line is formatted only for a report; a
 * bio line (the most frequent) keeps its fields, others their text.
 */
enum trace_line_kind {
	TL_NONE = 0,
	TL_TEXT,		/* @text */
	TL_BIO_SUBMIT,		/* submit_bio @write @block */
	TL_BIO_END,		/* bio_end_io @write @block */
};

struct trace_line {
	uint8_t kind;
	bool write;
	char comm[16];		/* the task's, "" for none */
	vtime_t now;
	uint64_t block;
	char text[112];
};

struct kernel {
	struct kconfig cfg;
	uint32_t page_shift;
	struct content_pool *pool;
	struct block_device bdev;
	GPtrArray *inodes;		/* index i_ino - 1; never shrinks */
	GPtrArray *procs;		/* live processes, by pid */
	const struct tracer *tracer;	/* NULL: no trace */
	uint64_t trace_seq;		/* next trace event number */
	uint64_t next_bio_id;
	uint64_t last_progress;		/* steps when a call last returned */
	struct proc *flusher;		/* the periodic writeback kthread */
	struct proc *kswapd;		/* background reclaim (memory_limit) */
	uint64_t nr_bios;		/* bios submitted, not completed */
	GPtrArray *anon_inodes;		/* model/anon.c, creation order */
	GPtrArray *shared_mappings;	/* mapping_share(), creation order */
	void *policy_priv;		/* the policy's own state */
	GTree *dir;			/* name (char *) -> struct inode * */
	GTree *p_dir;			/* persisted: name -> i_ino (uintptr) */
	struct list_head lru;		/* all cached pages, oldest first */
	struct list_head mms;
	struct eventq events;
	struct oracle *oracle;
	const struct policy_ops *policy;
	struct kstats stats;
	struct kperf perf;		/* what-if metrics (model/perf.h) */
	struct xarray dax_pages;	/* block -> PG_dax page (pfn) */
	struct xarray xowners;		/* page->id -> the page's extra
					   owners, iff page->nxowners > 0
					   (model/pagecache.c) */
	uint64_t next_page_id, next_vma_id;
	int next_pid, next_mm_id;
	uint64_t nr_pages_alloc;	/* live struct pages */
	struct task *current;		/* task whose step is running */
	struct model_cov *cov;		/* NULL, or where coverage is noted */
	char *violation;		/* first violation, formatted */
	struct trace_line trace[TRACE_RING];	/* last trace lines */
	unsigned int trace_head;
	uint64_t steps;
	uint64_t last_check;		/* steps at the last full sweep */
	uint64_t last_block_check;	/* steps at the last block sweep */
	struct check_queue chkq;	/* touched since the last check */
	struct page_slab *slab;		/* struct page frames (model/slab.c) */
	bool dying;			/* kernel_free() is evicting every
					   inode: what dies with the kernel
					   (page index, LRU, statistics) is
					   no longer kept up to date */
};

/*
 * XFS_MMAPLOCK (mapping->invalidate_lock) belongs to the inode: it is the
 * lock of the inode's own i_data, whichever address_space i_mapping points
 * to (a design may point it at a shared one, model/policy/shared_mapping.c)
 * and whichever one a VMA recorded at mmap time.  Truncate, fallocate,
 * clone and faults of one inode must exclude each other through one lock.
 */
static inline struct rwsem *inode_mmap_lock(struct inode *inode)
{
	return &inode->i_data.invalidate_lock;
}

static inline uint64_t kpage_size(const struct kernel *k)
{
	return k->cfg.page_size;
}

static inline pgoff_t off_to_index(const struct kernel *k, uint64_t off)
{
	return off >> k->page_shift;
}

static inline uint64_t round_up_page(const struct kernel *k, uint64_t off)
{
	return (off + kpage_size(k) - 1) & ~(kpage_size(k) - 1);
}

static inline uint64_t round_down_page(const struct kernel *k, uint64_t off)
{
	return off & ~(kpage_size(k) - 1);
}

/* ---- model/engine.c, model/sys.c */
void trace_emit(struct kernel *k, int kind, const struct task *t,
		const char *step, const char *object, uint64_t io_id,
		int64_t result);
void kernel_sample_saved(struct kernel *k);
void flusher_wake(struct kernel *k);
void wakeup_kswapd(struct kernel *k);
uint64_t shrink_lru(struct kernel *k, uint64_t target, uint64_t batch);
void log_worker(struct kernel *k);
void log_worker_start(struct kernel *k);
struct proc *kthread_new(struct kernel *k, const char *comm);

/* ---- model/task.c: step-machine calling convention */
void task_call(struct task *t, enum fn_id fn, const struct frame *init);
void task_call_range(struct task *t, enum fn_id fn, struct inode *inode,
		     uint64_t pos, uint64_t end);
enum step_result task_return(struct task *t, int64_t ret);
enum step_result task_block(struct task *t, enum wait_kind kind, void *obj);
void task_wait_release(struct kernel *k, struct task *t);
bool task_wait_ready(const struct task *t);
enum step_result task_step(struct kernel *k, struct task *t);
void trace_bio(struct kernel *k, bool end, bool write, uint64_t block);
bool blk_mq_tag_free(const struct kernel *k);
enum step_result blk_mq_get_tag(struct kernel *k, struct task *t);
void trace_step(struct kernel *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kernel_report(struct kernel *k, const char *inv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- model/lock.c */
void rwsem_init(struct rwsem *s, const char *name, int lclass, uint64_t obj);
bool down_read(struct kernel *k, struct task *t, struct rwsem *s);
bool down_write(struct kernel *k, struct task *t, struct rwsem *s);
void up_read(struct kernel *k, struct task *t, struct rwsem *s);
void up_write(struct kernel *k, struct task *t, struct rwsem *s);
bool folio_trylock(struct kernel *k, struct task *t, struct page *p);
void folio_unlock(struct kernel *k, struct task *t, struct page *p);
bool rwsem_ready(const struct rwsem *s, bool write);
/* Hand a held lock to an I/O completion (folio lock of a read). */
void lock_released(struct task *t, int lclass);

/* ---- model/bdev.c */
void bdev_init(struct kernel *k, uint64_t nblocks);
void bdev_destroy(struct kernel *k);
bool bdev_has_space(const struct kernel *k, uint64_t n);
int bdev_reserve(struct kernel *k, uint64_t n);		/* delalloc */
void bdev_unreserve(struct kernel *k, uint64_t n);
int bdev_alloc(struct kernel *k, uint64_t *blockp, bool reserved);
void bdev_get(struct kernel *k, uint64_t block);		/* refcount++ */
void bdev_put(struct kernel *k, uint64_t block);		/* refcount-- */
void bdev_write(struct kernel *k, uint64_t block, const struct content *c);
const struct content *bdev_read(const struct kernel *k, uint64_t block);
void bdev_log_force(struct kernel *k);				/* busy -> free */

/* ---- model/pagecache.c */
struct page *page_alloc(struct kernel *k, const struct content *c);
void get_page(struct page *p);
void put_page(struct kernel *k, struct page *p);
struct page *filemap_get_page(struct address_space *m, pgoff_t index);
void filemap_add_folio(struct kernel *k, struct address_space *m,
		       struct page *p, pgoff_t index);
void filemap_remove_folio(struct kernel *k, struct page *p,
			  struct address_space *m, pgoff_t index);
void filemap_remove_folio_all(struct kernel *k, struct page *p);
void mapping_tag(struct kernel *k, struct address_space *m, pgoff_t index,
		 xa_mark_t tag, bool on);
unsigned int folio_nr_owners(const struct page *p);
bool folio_has_owner(const struct kernel *k, const struct page *p,
		     const struct address_space *m, pgoff_t index);
bool folio_shared(const struct page *p);
void folio_mark_dirty(struct kernel *k, struct page *p);
bool folio_clear_dirty_for_io(struct kernel *k, struct page *p);
void folio_start_writeback(struct kernel *k, struct page *p);
void folio_end_writeback(struct kernel *k, struct page *p);
void page_set_content(struct kernel *k, struct page *p,
		      const struct content *c);
const struct content *read_file_page(struct kernel *k, struct inode *inode,
				     pgoff_t index);
struct page *page_cache_read(struct kernel *k, struct task *t,
			     struct address_space *m, pgoff_t index,
			     struct inode *src, pgoff_t src_index);
struct page_owner *page_xowners(const struct kernel *k,
				const struct page *p);
void page_owner_add(struct kernel *k, struct page *p,
		    struct address_space *m, pgoff_t index);
bool page_owner_del(struct kernel *k, struct page *p,
		    const struct address_space *m, pgoff_t index);
void page_xowners_destroy(struct kernel *k);
bool page_for_each_owner(struct kernel *k, struct page *p,
			 bool (*fn)(struct page_owner *o, void *arg),
			 void *arg);

/* ---- model/inode.c */
struct inode *inode_new(struct kernel *k);
struct inode *inode_lookup(struct kernel *k, const char *name);
void inode_link(struct kernel *k, const char *name, struct inode *inode);
void inode_unlink(struct kernel *k, const char *name);
void inode_release(struct kernel *k, struct inode *inode);
void inode_evict(struct kernel *k, struct inode *inode);
void inode_free_blocks(struct kernel *k, struct inode *inode,
		       struct bmap *fork, uint64_t fsb, uint64_t count);
void xfs_log_force(struct kernel *k);
void xfs_log_recover(struct kernel *k);
struct inode *kernel_inode(struct kernel *k, uint64_t ino);
uint64_t i_blocks_end(const struct kernel *k, uint64_t size);
void i_size_write(struct kernel *k, struct inode *inode, uint64_t size);
gint dir_name_cmp(gconstpointer a, gconstpointer b, gpointer unused);
void inode_mapping_init(struct address_space *m, struct inode *inode);
void inode_set_mapping(struct kernel *k, struct inode *inode,
		       struct address_space *m);
void inode_set_evicted(struct kernel *k, struct inode *inode, bool evicted);
/* The sum kstats.file_views keeps, recomputed over every inode: O(inodes). */
uint64_t file_page_views(const struct kernel *k);

/* ---- model/anon.c */
struct inode *anon_inode_new(struct kernel *k);
bool inode_is_anon(const struct inode *inode);
void anon_inodes_drop_pages(struct kernel *k);
void anon_inodes_free(struct kernel *k);

/* ---- model/mm.c */
struct mm_struct *mm_new(struct kernel *k);
void mm_free(struct kernel *k, struct mm_struct *mm);
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr);
int do_mmap(struct kernel *k, struct mm_struct *mm, struct file *f,
	    uint64_t off, uint64_t len, unsigned int vm_flags, uint64_t *addrp);
int do_munmap(struct kernel *k, struct mm_struct *mm, uint64_t addr,
	      uint64_t len);
void set_pte(struct kernel *k, struct vm_area_struct *vma, uint64_t addr,
	     struct page *p, pte_t flags);
void unmap_mapping_range(struct kernel *k, struct address_space *m,
			 pgoff_t first, pgoff_t last, bool even_cows);
void folio_mkclean(struct kernel *k, struct page *p);
typedef bool (*pte_fn)(struct kernel *k, struct vm_area_struct *vma,
		       uint64_t vpn, pte_t pte, void *arg);
bool owner_for_each_pte(struct kernel *k, const struct page_owner *o,
			const struct page *p, pte_fn fn, void *arg);
bool folio_mapped(const struct page *p);

/* ---- model/writeback.c */
struct bio *bio_alloc(void);
void submit_bio(struct kernel *k, struct bio *bio);
void bio_end_io(struct kernel *k, struct bio *bio);
void bio_discard(struct kernel *k, struct bio *bio);
void iomap_discard_ioend(struct kernel *k, struct iomap_writepage_ctx *wpc);
void kernel_discard_io(struct kernel *k, bool keep_timers);
int xfs_map_blocks(struct kernel *k, struct inode *inode, pgoff_t index,
		   uint64_t *blockp, bool *cowp, bool *unwrittenp);

/* ---- model/fault.c */
enum step_result fault_out(struct kernel *k, struct task *t,
			   struct maccess_locals *l, int ret);

/* ---- model/dax.c */
bool IS_DAX(const struct kernel *k, const struct inode *inode);
void dax_page_freed(struct kernel *k, struct page *p);
void dax_store(struct kernel *k, struct page *p, uint32_t off, uint32_t len,
	       uint8_t byte);
void dax_writeback(struct kernel *k, struct task *t, struct page *p);
enum step_result fn_dax_read(struct kernel *k, struct task *t,
			     struct frame *f);
enum step_result fn_dax_write(struct kernel *k, struct task *t,
			      struct frame *f);
enum step_result fn_dax_fault(struct kernel *k, struct task *t,
			      struct frame *f);

/* ---- model/rw.c */
void read_from_disk_one(struct kernel *k, struct range_locals *l,
			uint64_t limit);
bool call_zero_eof(struct kernel *k, struct task *t, struct inode *inode,
		   uint64_t newsize);
int xfs_buffered_write_iomap_begin(struct kernel *k, struct inode *inode,
				   pgoff_t index);
pgoff_t iomap_data_run(struct kernel *k, struct inode *inode, pgoff_t index,
		       pgoff_t end, struct bmap_irec *irec, bool *shared);
int xfs_buffered_write_iomap_begin_range(struct kernel *k,
					 struct inode *inode, uint64_t pos,
					 uint64_t count, pgoff_t *map_end);
enum step_result write_return(struct task *t, struct range_locals *l);

/* Frame step functions. */
enum step_result fn_syscall(struct kernel *k, struct task *t, struct frame *f);
enum step_result fn_buffered_write(struct kernel *k, struct task *t,
				   struct frame *f);
enum step_result fn_buffered_read(struct kernel *k, struct task *t,
				  struct frame *f);
enum step_result fn_dio_write(struct kernel *k, struct task *t,
			      struct frame *f);
enum step_result fn_dio_read(struct kernel *k, struct task *t,
			     struct frame *f);
enum step_result fn_zero_range(struct kernel *k, struct task *t,
			       struct frame *f);
enum step_result fn_write_and_wait(struct kernel *k, struct task *t,
				   struct frame *f);
enum step_result fn_writepages(struct kernel *k, struct task *t,
			       struct frame *f);
enum step_result fn_fdatawait(struct kernel *k, struct task *t,
			      struct frame *f);
enum step_result fn_fsync(struct kernel *k, struct task *t, struct frame *f);
enum step_result fn_sync_all(struct kernel *k, struct task *t,
			     struct frame *f);
enum step_result fn_maccess(struct kernel *k, struct task *t,
			    struct frame *f);
enum step_result fn_fault(struct kernel *k, struct task *t, struct frame *f);
enum step_result fn_truncate(struct kernel *k, struct task *t,
			     struct frame *f);
enum step_result fn_truncate_pages(struct kernel *k, struct task *t,
				   struct frame *f);
enum step_result fn_fallocate(struct kernel *k, struct task *t,
			      struct frame *f);
enum step_result fn_remap(struct kernel *k, struct task *t, struct frame *f);
enum step_result fn_nanosleep(struct kernel *k, struct task *t,
			      struct frame *f);
enum step_result fn_kswapd(struct kernel *k, struct task *t, struct frame *f);

/* ---- model/share.c */
struct page *folio_cow_break(struct kernel *k, struct task *t, struct page *p,
			     struct address_space *m, uint64_t index);
struct page *__folio_cow_break(struct kernel *k, struct task *t,
			       struct page *p, struct address_space *m,
			       uint64_t index, struct address_space *zap,
			       uint64_t zap_index);
struct page *folio_prepare_store(struct kernel *k, struct task *t,
				 struct page *p, struct address_space *m,
				 uint64_t index);
void mapping_unshare(struct kernel *k, struct inode *inode);
void mapping_detach(struct kernel *k, struct inode *inode);
bool mapping_share(struct kernel *k, struct inode *src, struct inode *dst);
void shared_mappings_free(struct kernel *k);
void check_store(struct kernel *k, const struct page *p,
		 const struct address_space *m);
bool rmap_walk(struct kernel *k, struct page *p,
	       bool (*fn)(struct page_owner *o, void *arg), void *arg);
void writepage_map(struct kernel *k, struct iomap_writepage_ctx *wpc,
		   struct inode *inode, struct page *p, pgoff_t index);
void __writepage_map(struct kernel *k, struct iomap_writepage_ctx *wpc,
		     struct inode *inode, struct page *p, pgoff_t index,
		     bool all_owners);

/* ---- model/check.c */
#include "model/check.h"

#endif /* PCSIM_MODEL_CORE_H */
