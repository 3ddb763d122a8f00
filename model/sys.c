// SPDX-License-Identifier: MIT
/*
 * model/sys.c - system calls, processes and the engine that runs them.
 *
 * Scope: kernel_new/kernel_free, processes and their file tables, the
 * FN_SYSCALL frame that turns a struct sys_req into the operation's frames
 * and its result into a struct sys_res, and kernel_syscall(), the engine
 * loop for one task: step while runnable, fire the next event in virtual
 * time while blocked, check every invariant after every step.
 *
 * Atomic system calls (open, close, unlink, mmap, munmap, drop_caches,
 * crash) run in one step; the others are step machines (model/core.h).
 */
#include <stdlib.h>
#include <string.h>

#include "model/core.h"
#include "model/never.h"
#include "model/oracle.h"
#include "model/policy.h"
#include "model/remap.h"
#include "model/sanitizer.h"
#include "model/sysops.h"

#define MAX_LFS_FILESIZE ((1ULL << 63) - 1)

struct kernel *kernel_new(const struct kconfig *cfg)
{
	struct kernel *k = calloc(1, sizeof(*k));

	if (NEVER(!k))
		abort();
	k->cfg = *cfg;
	k->page_shift = __builtin_ctz(cfg->page_size);
	k->policy = cfg->policy ? cfg->policy : policy_lookup("none");
	k->pool = content_pool_new(cfg->page_size);
	k->oracle = oracle_new(k->pool);
	k->inodes = g_ptr_array_new();
	k->procs = g_ptr_array_new();
	k->anon_inodes = g_ptr_array_new();
	k->shared_mappings = g_ptr_array_new();
	k->dir = g_tree_new_full(dir_name_cmp, NULL, g_free, NULL);
	k->p_dir = g_tree_new_full(dir_name_cmp, NULL, g_free,
				   NULL);
	INIT_LIST_HEAD(&k->lru);
	INIT_LIST_HEAD(&k->mms);
	eventq_init(&k->events);
	xa_init(&k->dax_pages);
	xa_init(&k->xowners);
	checkq_init(&k->chkq, cfg->check_mode != CHECK_FULL);
	k->slab = page_slab_new();
	bdev_init(k, cfg->disk_size >> k->page_shift);
	if (k->policy->init)
		k->policy->init(k);
	if (cfg->memory_limit)
		k->kswapd = kthread_new(k, "kswapd");
	if (cfg->dirty_writeback_ns) {
		k->flusher = kthread_new(k, "flusher");
		eventq_push(&k->events, cfg->dirty_writeback_ns, KEV_TIMER,
			    &k->flusher->task);
		log_worker_start(k);
	}
	return k;
}

/* Free an inode struct; every inode was evicted first (kernel_free). */
static void free_inode(struct kernel *k, struct inode *inode)
{
	xa_destroy(&inode->i_data.i_pages);
	bmap_free(inode->i_df);
	bmap_free(inode->i_cowfp);
	bmap_free(inode->p_df);
	free(inode);
}

void kernel_free(struct kernel *k)
{
	guint i;

	checkq_clear(k);	/* teardown is not checked */
	k->chkq.on = false;
	if (k->flusher) {
		kernel_abort_call(k, k->flusher);
		proc_exit(k, k->flusher);
	}
	if (k->kswapd) {
		kernel_abort_call(k, k->kswapd);
		proc_exit(k, k->kswapd);
	}
	kernel_discard_io(k, false);
	while (!list_empty(&k->mms))
		mm_free(k, list_entry(k->mms.next, struct mm_struct, mm_list));
	k->dying = true;
	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		if (!inode->evicted)
			inode_evict(k, inode);
	}
	anon_inodes_free(k);	/* evictions free blocks: block_changed */
	for (i = 0; i < k->inodes->len; i++)
		free_inode(k, g_ptr_array_index(k->inodes, i));
	shared_mappings_free(k);
	xa_destroy(&k->dax_pages);
	page_xowners_destroy(k);
	if (k->policy->fini)
		k->policy->fini(k);
	g_ptr_array_free(k->inodes, TRUE);
	g_ptr_array_free(k->procs, TRUE);
	g_tree_destroy(k->dir);
	g_tree_destroy(k->p_dir);
	oracle_free(k->oracle);
	bdev_destroy(k);
	eventq_destroy(&k->events);
	checkq_destroy(&k->chkq);
	page_slab_free(k->slab);	/* after every page went */
	free(k->violation);
	perf_free(&k->perf);
	content_pool_free(k->pool);
	free(k);
}

/*
 * Pages the files see: the sum over live files of the pages their
 * mappings hold.  Minus the distinct pages cached, that is the memory
 * sharing saves against private copies (a mapping shared by identical files
 * counts once per file; a design's own anonymous cache not at all).
 */
uint64_t file_page_views(const struct kernel *k)
{
	uint64_t n = 0;
	guint i;

	for (i = 0; i < k->inodes->len; i++) {
		const struct inode *inode = g_ptr_array_index(k->inodes, i);

		if (!inode->evicted)
			n += inode->i_mapping->nrpages;
	}
	return n;
}

static uint64_t saved_pages(const struct kernel *k)
{
	uint64_t views = k->stats.file_views;	/* == file_page_views(k) */

	if (k->policy->flags & POLICY_DAX)	/* entries, not page cache */
		return 0;
	return views > k->stats.nr_cached ? views - k->stats.nr_cached : 0;
}

/* Sample the memory saved; peak_saved is the largest sample (per call). */
void kernel_sample_saved(struct kernel *k)
{
	if (saved_pages(k) > k->stats.peak_saved)
		k->stats.peak_saved = saved_pages(k);
}

void kernel_stats(const struct kernel *k, struct sys_stats *o)
{
	const struct kstats *s = &k->stats;
	uint64_t psz = kpage_size(k);

	memset(o, 0, sizeof(*o));
	o->page_size = psz;
	o->cached_pages = s->nr_cached;
	o->peak_cached_pages = s->peak_cached;
	o->cache_entries = s->nr_cache_entries;
	o->shared_pages = s->nr_shared;
	o->saved_bytes = saved_pages(k) * psz;
	o->peak_saved_bytes = (s->peak_saved > saved_pages(k) ?
			       s->peak_saved : saved_pages(k)) * psz;
	o->cow_page_copies = s->cow_page_copies;
	o->cow_block_allocs = s->cow_block_allocs;
	o->writeback_ios = s->wb_ios;
	o->writeback_bytes = s->wb_bytes;
	o->read_ios = s->read_ios;
	o->faults_major = s->faults_major;
	o->faults_minor = s->faults_minor;
	o->ptes_zapped = s->ptes_zapped;
	o->pages_reclaimed = s->pages_reclaimed;
	o->steps = k->steps;
	/* a page written back is an operation, whatever bio carried it */
	o->page_ops = k->stats.page_ops + (s->wb_bytes >> k->page_shift) +
		      s->read_ios +
		      s->faults_major + s->faults_minor + s->cow_page_copies +
		      s->pages_reclaimed;
	o->virtual_ns = k->events.now;
}

const char *kernel_violation(const struct kernel *k)
{
	return k->violation;
}

uint64_t kernel_now(const struct kernel *k)
{
	return k->events.now;
}

/*
 * Freed processes kept for the next proc_alloc() of this OS thread: a run
 * makes a process per scenario line and its kernel threads per kernel,
 * and a struct proc is too large for malloc's fast paths (each calloc()
 * of one also had malloc consolidate its free lists).  None under
 * AddressSanitizer, which must see every free.
 */
#define PROC_CACHE	(PCSIM_ASAN ? 0 : 8)

static __thread struct {
	struct proc *p[PROC_CACHE + 1];
	int n;
} proc_cache;

/* A zeroed struct proc. */
static struct proc *proc_alloc(void)
{
	struct proc *p;

	if (!proc_cache.n)
		return calloc(1, sizeof(*p));
	p = proc_cache.p[--proc_cache.n];
	memset(p, 0, sizeof(*p));
	return p;
}

static void proc_release(struct proc *p)
{
	if (proc_cache.n < PROC_CACHE)
		proc_cache.p[proc_cache.n++] = p;
	else
		free(p);
}

/* Free the cache at exit, so that memcheck sees nothing held. */
__attribute__((destructor)) static void proc_cache_free(void)
{
	while (proc_cache.n)
		free(proc_cache.p[--proc_cache.n]);
}

/* A process of @k named @comm with the next pid: what both kinds share. */
static struct proc *proc_start(struct kernel *k, const char *comm)
{
	struct proc *p = proc_alloc();

	if (NEVER(!p))
		abort();
	p->pid = ++k->next_pid;
	g_strlcpy(p->comm, comm, sizeof(p->comm));
	p->task.id = p->pid;
	p->task.proc = p;
	g_ptr_array_add(k->procs, p);
	return p;
}

/* A kernel thread: a task with no mm and no files. */
struct proc *kthread_new(struct kernel *k, const char *comm)
{
	struct proc *p = proc_start(k, comm);

	g_strlcpy(p->task.comm, comm, sizeof(p->task.comm));
	g_strlcpy(p->thread, comm, sizeof(p->thread));
	return p;
}

/*
 * "@comm/@pid" in @buf of @size bytes, truncated as snprintf() would: a
 * process is made for every scenario line, and printf's machinery cost
 * more than the rest of proc_new().
 */
static void comm_pid(char *buf, size_t size, const char *comm, int pid)
{
	char digits[12];
	unsigned int v = (unsigned int)pid;	/* pids count up from 1 */
	size_t n = 0;
	int nd = 0;

	do {
		digits[nd++] = (char)('0' + v % 10);
	} while ((v /= 10));
	for (; *comm && n + 1 < size; comm++)
		buf[n++] = *comm;
	if (n + 1 < size)
		buf[n++] = '/';
	while (nd && n + 1 < size)
		buf[n++] = digits[--nd];
	buf[n] = '\0';
}

struct proc *proc_new(struct kernel *k, const char *comm)
{
	struct proc *p = proc_start(k, comm);

	p->mm = mm_new(k);
	comm_pid(p->task.comm, sizeof(p->task.comm), comm, p->pid);
	g_strlcpy(p->thread, p->task.comm, sizeof(p->thread));
	return p;
}

void sys_close_fd(struct kernel *k, struct proc *p, int fd)
{
	struct file *f = p->files[fd];

	p->files[fd] = NULL;
	inode_release(k, f->inode);
	free(f);
}

void proc_exit(struct kernel *k, struct proc *p)
{
	int fd;

	kernel_abort_call(k, p);	/* a call a violation stopped */
	if (k->current == &p->task)
		k->current = NULL;
	g_ptr_array_remove(k->procs, p);
	if (p->mm)
		mm_free(k, p->mm);
	for (fd = 0; fd < PROC_MAX_FILES; fd++)
		if (p->files[fd])
			sys_close_fd(k, p, fd);
	proc_release(p);
}

