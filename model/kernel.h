/* SPDX-License-Identifier: MIT */
/*
 * model/kernel.h - the simulated kernel: objects, their fields, who guards
 * them.
 *
 * This header is the design essay of the model.  It declares the kernel
 * objects that pcsim simulates, with the kernel's names, so that a reviewer
 * reads model code like mm code:
 *
 *   struct inode            i_size, data fork + XFS COW fork, i_rwsem
 *   struct address_space    i_pages (xarray with DIRTY/WRITEBACK/TOWRITE
 *                           marks), i_mmap (interval tree of VMAs),
 *                           invalidate_lock, i_mmap_rwsem, wb_err
 *   struct page             PG_* flags, refcount, mapcount, owner(s)
 *   struct mm_struct        VMAs and PTEs of one simulated process
 *   struct block_device     reference-counted blocks with content
 *
 * Everything a task needs across steps is plain data reachable from struct
 * task (model/task.h); nothing is kept on a C stack between steps, so a run can
 * be replayed from its schedule, hashed and explored.
 *
 * Lock ordering: the tree at the top of model/lock.c, which enforces it.
 *
 * Page content is a hash-consed struct content (model/content.h); pages and
 * blocks hold references to it, never bytes.
 *
 * Units: offsets in bytes are uint64_t (loff_t); page indices are pgoff_t;
 * file blocks (fsb) and disk blocks are uint64_t.  Block size equals page
 * size in this model (see README: "block size").
 */
#ifndef PCSIM_MODEL_KERNEL_H
#define PCSIM_MODEL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "model/bmap.h"
#include "model/content.h"
#include "model/itree.h"
#include "model/list.h"
#include "model/xarray.h"
#include "sim/eventq.h"

typedef uint64_t pgoff_t;
typedef uint64_t loff_t_u;	/* byte offset; always < 2^63 */

struct bio;
struct kernel;
struct task;
struct policy_ops;

/* ------------------------------------------------------------------ locks */

/*
 * A reader/writer semaphore as plain data.  @writer is the task id + 1 of
 * the exclusive holder, 0 if none; @readers counts shared holders.  Waiting
 * is by polling: a task that cannot take the lock records it in task->wait
 * and the scheduler runs it again only once rwsem_can_*() says so.
 */
struct rwsem {
	const char *name;	/* class name for traces and lockdep */
	int lclass;		/* LOCK_CLASS_* (order of the tree above) */
	int writer;		/* task id + 1 of the writer, 0 if none */
	int readers;		/* number of shared holders */
	int reader_ids[8];	/* task ids of the first 8 readers (waits-for) */
	uint64_t owner_obj;	/* i_ino (or mm id) for ordering and traces */
};

enum lock_class {
	LOCK_CLASS_I_RWSEM = 1,
	LOCK_CLASS_MMAP = 2,
	LOCK_CLASS_INVALIDATE = 3,
	LOCK_CLASS_FOLIO = 4,
	LOCK_CLASS_I_MMAP = 5,
};

/* ------------------------------------------------------------------ pages */

/* page->flags bits, kernel names (include/linux/page-flags.h). */
enum pageflags {
	PG_locked = 0,
	PG_uptodate,
	PG_dirty,
	PG_writeback,
	PG_lru,
	PG_error,
	PG_dax,		/* a pmem pfn of DAX (fs/dax.c), not page cache */
	NR_PAGEFLAGS
};
_Static_assert(NR_PAGEFLAGS <= 8, "struct page's flags are 8 bits");

/* Positions in the check queue that fit struct page's check_slot. */
#define CHECK_SLOT_MAX ((1u << 24) - 1)

#define PAGECACHE_TAG_DIRTY	XA_MARK_0
#define PAGECACHE_TAG_WRITEBACK	XA_MARK_1
#define PAGECACHE_TAG_TOWRITE	XA_MARK_2

#define DAX_HOLE UINT64_MAX

/* One (mapping, index) through which a page is reachable. */
struct page_owner {
	struct address_space *mapping;
	pgoff_t index;
};

/*
 * struct page - one page-cache page (one page per folio in this model).
 *
 * @mapping/@index is the owner under mainline Linux: exactly one.  Sharing
 * designs (issue 3) add further owners, each at its own index: @nxowners
 * of them, kept outside the page in the kernel's side table
 * (kernel->xowners, page_xowners()); page_for_each_owner() walks all of
 * them.
 *
 * Guarded by PG_locked for: @mapping, @index, @nxowners and the page's
 * extra owners, @content (stores through a writable PTE are the
 * exception, as in the kernel).
 * @refcount: one for each i_pages slot that holds it, one per PTE (so it is
 * >= @mapcount), one per task reference (task->pages).  Freed at zero.
 *
 * Size: 64 bytes, one cache line (the slab's frames are aligned to it,
 * docs/PERFORMANCE.md); bit fields hold what fits, the extra owners that
 * only sharing designs have live in the side table, and a DAX pfn, never
 * on the LRU, keeps its block where a page cache page keeps its LRU link.
 */
#define PAGE_ID_BITS 40		/* 10^12 page allocations a run */
#define PAGE_XOWNERS_MAX ((1u << 24) - 1)

struct page {
	uint64_t id : PAGE_ID_BITS;	/* allocation order: stable name */
	uint64_t check_slot : 24;	/* 1 + position in the incremental
					   checker's queue, 0 if not queued
					   (model/checkq.c) */
	uint32_t flags : 8;		/* PG_* bits (fewer than 8) */
	uint32_t nxowners : 24;		/* extra owners: page_xowners() */
	int refcount;
	int mapcount;			/* PTEs mapping this page */
	int locker;			/* task id holding PG_locked, -1 */
	const struct content *content;	/* the page's bytes */
	struct address_space *mapping;	/* primary owner; NULL once truncated */
	pgoff_t index;			/* primary owner's index */
	union {
		struct list_head lru;	/* kernel->lru, oldest first */
		uint64_t dax_block;	/* PG_dax: the block this pfn is, or
					   DAX_HOLE for a hole's zero pfn */
	};
};
_Static_assert(sizeof(struct page) == 64, "struct page grew: see above");

static inline bool page_test(const struct page *p, enum pageflags f)
{
	return p->flags & (1u << f);
}

void check_mark_page(struct kernel *k, struct page *p);

/* Flag changes are noted for the incremental checker (model/checkq.c). */
static inline void page_set(struct kernel *k, struct page *p,
			    enum pageflags f)
{
	p->flags |= 1u << f;
	check_mark_page(k, p);
}

static inline void page_clear(struct kernel *k, struct page *p,
			      enum pageflags f)
{
	p->flags &= ~(1u << f);
	check_mark_page(k, p);
}

/* --------------------------------------------------------- address_space */

enum mapping_flags {
	AS_EIO = 0,
	AS_ENOSPC,
};

/*
 * struct address_space - the page cache of one inode.
 *
 * @i_pages: index -> struct page *, with PAGECACHE_TAG_* marks.  A mark is
 *           set iff the corresponding PG_ flag is (dirty-consistency).
 *           Guarded by the page lock of the page being inserted or removed.
 * @i_mmap:  interval tree of VMAs over [vm_pgoff, vm_pgoff + npages - 1];
 *           guarded by @i_mmap_rwsem.
 * @wb_err:  errseq_t-like counter: bumped on writeback error; files sample
 *           it at open and report new errors at fsync.
 */
struct address_space {
	struct inode *host;		/* the inode writeback uses */
	unsigned int nr_users;		/* inodes whose i_mapping this is, for
					   a shared mapping (0: an i_data) */
	struct xarray i_pages;
	struct itree_root i_mmap;
	uint64_t nrpages;
	uint32_t nviews;		/* live files whose i_mapping this is:
					   each of its pages is that many file
					   page views (kstats.file_views) */
	unsigned long flags;		/* AS_* bits */
	uint32_t wb_err;
	struct rwsem invalidate_lock;	/* XFS_MMAPLOCK */
	struct rwsem i_mmap_rwsem;
};

/* ------------------------------------------------------------------ inode */

enum inode_flags {
	S_DAX = 1u << 0,
	XFS_DIFLAG2_REFLINK = 1u << 1,	/* may have shared extents */
	XFS_ITRUNCATED = 1u << 2,	/* in-core: truncated down since the
					   last release (xfs_file_release) */
};

/*
 * struct inode - a regular file.
 *
 * @i_size:      VFS in-core size (i_size_read); guarded by i_rwsem for
 *               writers.
 * @i_disk_size: XFS ip->i_disk_size, the size the log knows; raised at
 *               write I/O completion (xfs_setfilesize), set by truncate and
 *               clone transactions.
 * @i_df/@i_cowfp: data fork and COW fork (fs/xfs/libxfs/xfs_inode_fork.h);
 *               guarded by the ILOCK, which is never held across a step, so
 *               every step sees them consistent.
 * @p_*:         the state the log last persisted (taken at log force);
 *               what a crash recovers.
 */
struct inode {
	uint64_t i_ino;
	uint64_t i_size;
	uint64_t i_disk_size;
	unsigned int i_flags;		/* S_DAX, XFS_DIFLAG2_REFLINK */
	int i_nlink;			/* directory entries */
	int i_count;			/* open files */
	int i_dio_count;		/* direct I/Os in flight */
	bool evicted;			/* in-core state torn down */
	bool log_dirty;			/* changed since the last log force */
	uint64_t dirtied_when;		/* virtual ns + 1 when its first page
					   got dirty; 0 while clean */
	struct address_space *i_mapping; /* &i_data, or a mapping shared by
					    identical files (shared-mapping) */
	struct address_space i_data;	/* this inode's own page cache */
	struct rwsem i_rwsem;
	struct bmap *i_df;		/* data fork */
	struct bmap *i_cowfp;		/* COW fork (staging extents) */
	struct bmap *p_df;		/* persisted data fork, NULL if never */
	uint64_t p_size;		/* persisted i_disk_size */
	bool p_exists;			/* persisted inode is allocated */
	bool check_queued;		/* in the incremental checker's queue */
};

/* --------------------------------------------------------- block device */

enum block_state {
	BLK_FREE = 0,
	BLK_USED,
	BLK_BUSY,	/* freed, but not reusable until the free is logged */
};

/*
 * 12 bytes a block (packed: the content pointer is 4-byte aligned), so a
 * disk of millions of blocks costs little more than their pages' content.
 */
#define BLOCK_REFCOUNT_MAX ((1u << 22) - 1)

struct block {
	const struct content *content;	/* what the disk holds; NULL: zeroes,
					   never written (bdev_read()) */
	uint32_t refcount : 22;		/* extent references (refcount btree) */
	uint32_t state : 2;		/* enum block_state */
	uint32_t inflight : 8;		/* write bios in flight to it (fewer
					   than the queue depth) */
} __attribute__((packed, aligned(4)));
_Static_assert(sizeof(struct block) == 12, "struct block is 12 bytes");

/*
 * struct block_device - the disk, with XFS's free-space accounting folded in.
 *
 * Allocation is next-fit from @cursor, so it is deterministic.  @reserved
 * counts delalloc reservations (xfs_mod_fdblocks): a buffered write to a hole
 * reserves, writeback converts the reservation into an allocation.
 * ENOSPC when nfree - reserved would go negative.  Blocks at or above @hwm
 * were never written: their content is NULL (zeroes, bdev_read()), so a
 * fresh disk costs no per-block work at boot nor at teardown.
 */
struct block_device {
	uint64_t nblocks;
	struct block *blocks;
	uint64_t nfree;		/* BLK_FREE blocks */
	uint64_t nbusy;		/* BLK_BUSY blocks */
	uint64_t reserved;	/* delalloc reservations */
	uint64_t cursor;	/* next-fit allocation cursor */
	uint64_t hwm;		/* 1 + the highest block ever written */
	GArray *busy;		/* uint64_t block numbers freed since log force */
	struct bio *bio_pool;	/* free bios for reuse (the bio set's
				   mempool), chained by io_next */
	uint32_t bio_pool_len;	/* how many (model/writeback.c) */
	uint64_t prefaulted;	/* blocks [0, prefaulted) are populated
				   (model/bdev.c, bdev_prefault()) */
};

/* ------------------------------------------------------------------- mm */

/* vm_flags */
enum {
	VM_READ = 1u << 0,
	VM_WRITE = 1u << 1,
	VM_EXEC = 1u << 2,
	VM_SHARED = 1u << 3,
	VM_MAYWRITE = 1u << 4,
};

/*
 * A PTE is a struct page pointer with its low bits as flags; present iff the
 * mm's pte xarray has an entry at the virtual page number.
 */
typedef uintptr_t pte_t;
#define PTE_WRITE	((pte_t)1)
#define PTE_DIRTY	((pte_t)2)
#define PTE_YOUNG	((pte_t)4)
#define PTE_FLAGS	((pte_t)7)

static inline struct page *pte_page(pte_t pte)
{
	return (struct page *)(pte & ~PTE_FLAGS);
}

struct vm_area_struct {
	uint64_t id;			/* creation order: tie-breaker in i_mmap */
	struct mm_struct *vm_mm;
	uint64_t vm_start, vm_end;	/* bytes, page aligned */
	pgoff_t vm_pgoff;		/* file page of vm_start */
	unsigned int vm_flags;
	struct address_space *mapping;	/* vm_file->f_mapping */
	struct inode *vm_inode;		/* file_inode(vm_file) */
	struct itree_node shared;	/* in mapping->i_mmap */
	struct list_head vma_list;	/* mm->mmap, by vm_start */
};

/*
 * struct mm_struct - the address space of one simulated process.
 * @ptes: virtual page number -> pte_t; guarded by mmap_lock (and the PTL,
 *        which is never held across a step).
 */
struct mm_struct {
	int id;
	struct list_head mmap;		/* VMAs by vm_start */
	struct xarray ptes;
	struct rwsem mmap_lock;
	uint64_t next_addr;		/* bump allocator for mmap addresses */
	struct list_head mm_list;	/* kernel->mms */
};

/* ----------------------------------------------------------------- files */

/* An open file description of a simulated process. */
struct file {
	struct inode *inode;
	unsigned int f_flags;		/* FILE_* */
	uint32_t f_wb_err;		/* sampled mapping->wb_err */
};

enum {
	FILE_WRITE = 1u << 0,
	FILE_DIRECT = 1u << 1,
};

/* ---------------------------------------------------------------- config */

struct kconfig {
	uint32_t page_size;		/* bytes; block size equals it */
	uint64_t disk_size;		/* bytes */
	uint64_t memory_limit;		/* bytes of page cache, 0 = none */
	uint64_t io_latency;		/* virtual ns per bio */
	uint32_t queue_depth;		/* request tags of the disk: bios in
					   flight at most (0: the default,
					   BLK_QUEUE_DEPTH) */
	uint64_t seed;
	uint64_t dirty_writeback_ns;	/* flusher period (0: off) */
	uint64_t dirty_expire_ns;	/* age of dirty data it writes */
	uint64_t step_bound;		/* livelock: steps without a returning
					   call (0: 10 million) */
	uint64_t check_interval;	/* steps between full sweeps; 0: the
					   mode's default; UINT64_MAX: end
					   only (model/check.c) */
	int check_mode;			/* enum check_mode (model/check.h) */
	uint64_t step_cost_ns;		/* virtual ns each kernel step takes (0:
					   steps take no time; model/perf.h) */
	const struct policy_ops *policy;
	bool quiet;			/* nobody reads this run's output
					   (pcsim fuzz, shrink): md5sum returns
					   a digest of the bytes that is not
					   MD5 (the oracle check is exact
					   either way) and no trace ring is
					   kept for violation reports */
};

#endif /* PCSIM_MODEL_KERNEL_H */
