// SPDX-License-Identifier: MIT
/*
 * model/statehash.c - a canonical 64-bit digest of the simulated kernel.
 *
 * Scope: kernel_state_hash() for pcsim explore (sim/explore.c), which
 * prunes a schedule when it reaches a state an earlier schedule expanded,
 * and kernel_call_hash() for the digest of what a section thread did
 * outside the kernel (sim/conc.c).  Read only: nothing here changes state.
 *
 * Canonical: two runs that reach the same state by different interleavings
 * must get the same digest, so no pointer value, page id, bio id, pid,
 * task id, mm id or VMA id (allocation orders that differ between
 * schedules) is ever hashed.  Objects are named instead by what they are:
 *
 *   task     its thread's name (scenario threads, kernel threads); a lock
 *            owner (task id) is named by its task's thread;
 *   inode    i_ino (allocation order too, but one that decides behaviour:
 *            the lock order of two inodes is lower i_ino first);
 *   file     its inode, open flags and sampled wb_err;
 *   page     its content hash, flags, reference and map counts, lock
 *            holder and every owner (mapping's host i_ino, whether the
 *            mapping is the host's own, index);
 *   rwsem    its class and owner object (i_ino, shared-mapping or not; the
 *            thread of an mm);
 *   VMA      vm_start in its mm (the task's own);
 *   event    its type and object, in pop order, with times relative to
 *            now (and dirtied_when relative to now: time only counts as a
 *            distance).
 *
 * Covered: every live process (thread name, comm, open files, VMAs and
 * PTEs, mmap_lock, next mmap address) and its task (state, each frame's
 * function, pc, return value and locals, the call's request and partial
 * result, held lock classes, wait kind and object, timer); every inode,
 * live or evicted, and every anonymous inode (sizes, flags, counts, log
 * and persisted state, data, COW and persisted forks extent by extent,
 * each referenced block's state, refcount, in-flight count and content,
 * i_rwsem, the page cache: each index with its marks and page); shared
 * mappings through their users; the directory and the persisted one; the
 * block device's counters, allocation cursor and busy set; DAX pfns;
 * pending events; the LRU order when a memory limit makes it matter; the
 * oracle (oracle_state_hash()) and the policy's private state
 * (policy_ops.state_hash).  Processes and busy blocks are combined as
 * multisets (sums), since pid order and free order are history.
 *
 * Left out, because they only describe the past or name things: counters
 * and statistics (steps, faults, copies; the livelock bound's step count),
 * trace state, step names, ids, the content of blocks nothing references
 * (free blocks are written before they are read), and the i_mmap trees
 * (derived from the VMAs hashed with their processes).
 *
 * Too coarse a digest would prune schedules whose future differs
 * (unsound); too fine a one would never match (no pruning).  The rule
 * here: hash every field a step can read, name objects canonically, and
 * leave out only what no step reads.  A 64-bit collision could merge two
 * states; with the few thousand states a small scenario has, that is
 * about 1e-12 likely.
 */
#include <stdlib.h>
#include <string.h>

#include "model/core.h"
#include "model/hashmix.h"
#include "model/never.h"
#include "model/oracle.h"
#include "model/policy.h"

/* Task ids of the live processes and their canonical names. */
struct hctx {
	const struct kernel *k;
	int n;
	int *ids;
	uint64_t *names;
};

/* ------------------------------------------------------------- names --- */

static uint64_t task_name(const struct hctx *c, int id)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->ids[i] == id)
			return c->names[i];
	return hash_mix(0x676f6e65ULL, 0);	/* "gone": not a live task */
}

static const struct inode *ino_lookup(const struct kernel *k, uint64_t ino)
{
	const struct inode *inode;
	guint i;

	if (ino && ino <= k->inodes->len) {
		inode = g_ptr_array_index(k->inodes, ino - 1);
		if (inode->i_ino == ino)
			return inode;
	}
	for (i = 0; i < k->anon_inodes->len; i++) {
		inode = g_ptr_array_index(k->anon_inodes, i);
		if (inode->i_ino == ino)
			return inode;
	}
	return NULL;
}

/* A mapping: its host's i_ino, and whether it is the host's own. */
static uint64_t mapping_name(const struct address_space *m)
{
	if (!m)
		return 0;
	if (!m->host)
		return 1;
	return hash_mix(m->host->i_ino, m == &m->host->i_data);
}

/* A page, by content, state and owners. */
static uint64_t page_name(const struct hctx *c, const struct page *p)
{
	const struct page_owner *x;
	uint64_t h;
	uint32_t i;

	if (!p)
		return 0;
	h = hash_mix(0x70616765ULL, content_hash(p->content));	/* "page" */
	h = hash_mix(h, p->flags);
	h = hash_mix(h, (uint64_t)p->refcount);
	h = hash_mix(h, (uint64_t)p->mapcount);
	h = hash_mix(h, p->locker < 0 ? 0 : task_name(c, p->locker));
	h = hash_mix(h, mapping_name(p->mapping));
	h = hash_mix(h, p->index);
	h = hash_mix(h, p->nxowners);
	x = page_xowners(c->k, p);
	for (i = 0; i < p->nxowners; i++) {
		h = hash_mix(h, mapping_name(x[i].mapping));
		h = hash_mix(h, x[i].index);
	}
	return hash_mix(h, page_test(p, PG_dax) ? p->dax_block : 0);
}

/* Which lock @s is: class and owner object, never its address. */
static uint64_t rwsem_name(const struct hctx *c, const struct rwsem *s)
{
	const struct inode *inode;
	uint64_t h;
	guint i;

	if (!s)
		return 0;
	h = hash_mix(0x7277ULL, (uint64_t)s->lclass);
	if (s->lclass == LOCK_CLASS_MMAP) {
		for (i = 0; i < c->k->procs->len; i++) {
			const struct proc *p = g_ptr_array_index(c->k->procs, i);

			if (p->mm && &p->mm->mmap_lock == s)
				return hash_mix(h, task_name(c, p->task.id));
		}
		return hash_mix(h, 0);
	}
	inode = ino_lookup(c->k, s->owner_obj);
	h = hash_mix(h, s->owner_obj);
	return hash_mix(h, inode && s != &inode->i_rwsem &&
			   s != &inode->i_data.invalidate_lock &&
			   s != &inode->i_data.i_mmap_rwsem);
}

/* Who holds @s: the writer and the readers (a multiset). */
static uint64_t rwsem_state(const struct hctx *c, const struct rwsem *s)
{
	uint64_t h = hash_mix((uint64_t)s->readers, s->writer ?
			      task_name(c, s->writer - 1) : 0);
	uint64_t readers = 0;
	int i;

	for (i = 0; i < s->readers && i < 8; i++)
		readers += hash_fmix(task_name(c, s->reader_ids[i]));
	return hash_mix(h, readers);
}

static uint64_t file_name(const struct file *f)
{
	if (!f)
		return 0;
	return hash_mix(hash_mix(f->inode ? f->inode->i_ino : 0, f->f_flags),
			f->f_wb_err);
}

/* ------------------------------------------------------------ blocks --- */

struct fork_walk {
	const struct kernel *k;
	uint64_t h;
};

/* One extent, and the state of each block it references. */
static int fork_extent(const struct bmap_irec *irec, void *arg)
{
	struct fork_walk *w = arg;
	const struct block_device *b = &w->k->bdev;
	uint64_t i, blk;

	w->h = hash_mix(w->h, irec->br_startoff);
	w->h = hash_mix(w->h, irec->br_startblock);
	w->h = hash_mix(w->h, irec->br_blockcount);
	w->h = hash_mix(w->h, irec->br_state);
	if (irec->br_startblock == BMAP_NOBLOCK)
		return 0;
	for (i = 0; i < irec->br_blockcount; i++) {
		blk = irec->br_startblock + i;
		if (blk >= b->nblocks)
			break;
		w->h = hash_mix(w->h, b->blocks[blk].refcount |
				(uint64_t)b->blocks[blk].state << 32 |
				(uint64_t)b->blocks[blk].inflight << 40);
		w->h = hash_mix(w->h, content_hash(bdev_read(w->k, blk)));
	}
	return 0;
}

static uint64_t fork_hash(const struct kernel *k, const struct bmap *map)
{
	struct fork_walk w = { k, 0x666f726bULL };	/* "fork" */

	if (!map)
		return 0;
	bmap_walk(map, 0, UINT64_MAX, fork_extent, &w);
	return w.h;
}

static uint64_t bdev_hash(const struct kernel *k)
{
	const struct block_device *b = &k->bdev;
	uint64_t h = hash_mix(b->nfree, b->nbusy), busy = 0;
	guint i;

	h = hash_mix(h, b->reserved);
	h = hash_mix(h, b->cursor);
	for (i = 0; b->busy && i < b->busy->len; i++)
		busy += hash_fmix(g_array_index(b->busy, uint64_t, i));
	return hash_mix(h, busy);
}

/* ------------------------------------------------------------ inodes --- */

static uint64_t mapping_hash(const struct hctx *c,
			     const struct address_space *m)
{
	uint64_t h = hash_mix(mapping_name(m), m->nr_users), index;
	const struct page *p;
	xa_mark_t mark;

	h = hash_mix(h, m->nrpages);
	h = hash_mix(h, m->flags);
	h = hash_mix(h, m->wb_err);
	h = hash_mix(h, m->i_mmap.count);
	h = hash_mix(h, rwsem_state(c, &m->invalidate_lock));
	h = hash_mix(h, rwsem_state(c, &m->i_mmap_rwsem));
	xa_for_each(&m->i_pages, index, p) {
		h = hash_mix(h, index);
		for (mark = XA_MARK_0; mark <= XA_MARK_MAX; mark++)
			h = hash_mix(h, xa_get_mark(&m->i_pages, index, mark));
		h = hash_mix(h, page_name(c, p));
	}
	return h;
}

static uint64_t inode_hash(const struct hctx *c, const struct inode *inode)
{
	uint64_t now = c->k->events.now;
	uint64_t h = hash_mix(inode->i_ino, inode->i_size);

	h = hash_mix(h, inode->i_disk_size);
	h = hash_mix(h, inode->i_flags);
	h = hash_mix(h, (uint64_t)inode->i_nlink);
	h = hash_mix(h, (uint64_t)inode->i_count);
	h = hash_mix(h, (uint64_t)inode->i_dio_count);
	h = hash_mix(h, inode->evicted | (uint64_t)inode->log_dirty << 1 |
			(uint64_t)inode->p_exists << 2);
	h = hash_mix(h, inode->dirtied_when ?
			1 + now - (inode->dirtied_when - 1) : 0);
	h = hash_mix(h, rwsem_state(c, &inode->i_rwsem));
	h = hash_mix(h, fork_hash(c->k, inode->i_df));
	h = hash_mix(h, fork_hash(c->k, inode->i_cowfp));
	h = hash_mix(h, fork_hash(c->k, inode->p_df));
	h = hash_mix(h, inode->p_size);
	h = hash_mix(h, mapping_hash(c, &inode->i_data));
	if (inode->i_mapping && inode->i_mapping != &inode->i_data)
		h = hash_mix(h, mapping_hash(c, inode->i_mapping));
	return h;
}

static uint64_t inodes_hash(const struct hctx *c, const GPtrArray *a)
{
	uint64_t h = hash_mix(0x696e6fULL, a->len);	/* "ino" */
	guint i;

	for (i = 0; i < a->len; i++)
		h = hash_mix(h, inode_hash(c, g_ptr_array_index(a, i)));
	return h;
}

static gboolean dirent_hash(gpointer key, gpointer value, gpointer data)
{
	uint64_t *h = data;

	*h = hash_str(*h, key);
	*h = hash_mix(*h, (uint64_t)(uintptr_t)value);
	return FALSE;
}

static gboolean dirent_inode_hash(gpointer key, gpointer value,
				  gpointer data)
{
	const struct inode *inode = value;

	return dirent_hash(key, (gpointer)(uintptr_t)inode->i_ino, data);
}

/* ------------------------------------------------------------- tasks --- */

static uint64_t bio_hash(const struct hctx *c, const struct bio *b)
{
	uint64_t h = hash_mix(b->write | (uint64_t)b->cow << 1 |
			      (uint64_t)b->unwritten << 2 |
			      (uint64_t)b->direct << 3, b->block);
	uint32_t i;

	h = hash_mix(h, page_name(c, b->page));
	h = hash_mix(h, b->inode ? b->inode->i_ino : 0);
	h = hash_mix(h, b->index);
	h = hash_mix(h, content_hash(b->content));
	h = hash_mix(h, b->end_off);
	for (i = 0; i < b->nowners; i++) {
		h = hash_mix(h, mapping_name(b->owners[i].mapping));
		h = hash_mix(h, b->owners[i].index);
	}
	return h;
}

/* Every page's bio of the ioend that starts at @b (one bio if alone). */
static uint64_t ioend_hash(const struct hctx *c, const struct bio *b)
{
	uint64_t h = 0x696f656e64ULL;	/* "ioend" */

	for (; b; b = b->io_next)
		h = hash_mix(h, bio_hash(c, b));
	return h;
}

static uint64_t range_hash(const struct hctx *c, uint64_t h,
			   const struct range_locals *l)
{
	h = hash_mix(h, l->inode ? l->inode->i_ino : 0);
	h = hash_mix(h, file_name(l->file));
	h = hash_mix(h, l->pos);
	h = hash_mix(h, l->end);
	h = hash_mix(h, l->start);
	h = hash_mix(h, l->done);
	h = hash_mix(h, page_name(c, l->page));
	h = hash_mix(h, l->flags | (uint64_t)l->byte << 32);
	h = hash_mix(h, (uint64_t)(int64_t)l->err);
	h = hash_mix(h, rwsem_name(c, l->ilock));
	if (l->md5)		/* the bytes summed so far */
		h = hash_mix(h, bstream_hash(l->md5));
	h = hash_mix(h, l->token);
	h = hash_mix(h, l->map_end);
	if (l->wpc.ioend)	/* gathered, not submitted yet */
		h = hash_mix(h, ioend_hash(c, l->wpc.ioend));
	return h;
}

static uint64_t remap_hash(const struct hctx *c, uint64_t h,
			   const struct remap_locals *l)
{
	h = hash_mix(h, file_name(l->src));
	h = hash_mix(h, file_name(l->dst));
	h = hash_mix(h, l->pos_in);
	h = hash_mix(h, l->pos_out);
	h = hash_mix(h, l->len);
	h = hash_mix(h, l->req_len);
	h = hash_mix(h, l->remap_flags | (uint64_t)l->same << 32);
	h = hash_mix(h, (uint64_t)(int64_t)l->err);
	h = hash_mix(h, rwsem_name(c, l->ilock[0]));
	return hash_mix(h, rwsem_name(c, l->ilock[1]));
}

static uint64_t maccess_hash(const struct hctx *c, uint64_t h,
			     const struct maccess_locals *l)
{
	h = hash_mix(h, l->vma ? l->vma->vm_start : 0);
	h = hash_mix(h, l->addr);
	h = hash_mix(h, l->end);
	h = hash_mix(h, l->fault_addr);
	h = hash_mix(h, l->flags | (uint64_t)l->byte << 32);
	h = hash_mix(h, page_name(c, l->page));
	return hash_mix(h, (uint64_t)(int64_t)l->err);
}

/* One frame; which member of the union is live follows frame_release(). */
static uint64_t frame_hash(const struct hctx *c, const struct frame *f)
{
	uint64_t h = hash_mix(hash_mix(f->fn, (uint64_t)f->pc),
			      (uint64_t)f->ret);

	switch (f->fn) {
	case FN_SYSCALL:
		return h;
	case FN_REMAP:
		return remap_hash(c, h, &f->u.m);
	case FN_MACCESS:
	case FN_FAULT:
	case FN_DAX_FAULT:
		return maccess_hash(c, h, &f->u.a);
	default:
		return range_hash(c, h, &f->u.r);
	}
}

static uint64_t req_hash(uint64_t h, const struct sys_req *r)
{
	h = hash_mix(h, r->kind | (uint64_t)r->flags << 32);
	h = hash_mix(h, (uint64_t)(uint32_t)r->fd | (uint64_t)r->fd2 << 32);
	h = hash_mix(h, r->off);
	h = hash_mix(h, r->len);
	h = hash_mix(h, r->off2);
	h = hash_mix(h, r->addr);
	h = hash_mix(h, r->byte);
	return hash_str(h, r->name);
}

static uint64_t res_hash(uint64_t h, const struct sys_res *r)
{
	uint64_t md5[2];

	memcpy(md5, r->md5, sizeof(md5));
	h = hash_mix(h, (uint64_t)(uint32_t)r->err | (uint64_t)r->sigbus << 32 |
			(uint64_t)r->sigsegv << 33);
	h = hash_mix(h, (uint64_t)(uint32_t)r->fd);
	h = hash_mix(h, r->done);
	h = hash_mix(h, r->addr);
	h = hash_mix(h, md5[0]);
	return hash_mix(h, md5[1]);
}

static uint64_t wait_hash(const struct hctx *c, const struct task *t)
{
	uint64_t h = hash_mix(0x77616974ULL, t->wait.kind);	/* "wait" */

	switch (t->wait.kind) {
	case WAIT_RWSEM_READ:
	case WAIT_RWSEM_WRITE:
		return hash_mix(h, rwsem_name(c, t->wait.obj));
	case WAIT_PAGE_LOCK:
	case WAIT_PAGE_WRITEBACK:
		return hash_mix(h, page_name(c, t->wait.obj));
	case WAIT_DIO:
		return hash_mix(h, ((const struct inode *)t->wait.obj)->i_ino);
	case WAIT_TIMER:
	case WAIT_BIO_TAG:
	case WAIT_NONE:
		break;
	}
	return h;
}

static uint64_t task_hash(const struct hctx *c, const struct task *t)
{
	uint64_t h = hash_str(0x7461736bULL, t->proc->comm);	/* "task" */
	int i, depth = t->depth;

	h = hash_mix(h, t->state);
	h = hash_mix(h, (uint64_t)t->depth);
	/* md5sum's syscall_exit reads the popped read frame (sysops.c) */
	if (depth == 1 && t->stack[0].fn == FN_SYSCALL && t->stack[0].pc == 2)
		depth = 2;
	for (i = 0; i < depth && i < TASK_MAX_DEPTH; i++)
		h = hash_mix(h, frame_hash(c, &t->stack[i]));
	if (t->state == TASK_RUNNING) {
		h = req_hash(h, &t->req);
		h = res_hash(h, &t->res);
	}
	for (i = 0; i < t->nheld; i++)
		h = hash_mix(h, t->held[i]);
	h = hash_mix(h, wait_hash(c, t));
	h = hash_mix(h, t->timer_fired);
	return hash_mix(h, page_name(c, t->wait_page));
}

static uint64_t mm_hash(const struct hctx *c, const struct mm_struct *mm)
{
	const struct vm_area_struct *vma;
	uint64_t h = hash_mix(0x6d6dULL, mm->next_addr), vpn;	/* "mm" */
	void *e;

	h = hash_mix(h, rwsem_state(c, &mm->mmap_lock));
	list_for_each_entry(vma, &mm->mmap, vma_list) {
		h = hash_mix(h, vma->vm_start);
		h = hash_mix(h, vma->vm_end);
		h = hash_mix(h, vma->vm_pgoff);
		h = hash_mix(h, vma->vm_flags);
		h = hash_mix(h, mapping_name(vma->mapping));
		h = hash_mix(h, vma->vm_inode ? vma->vm_inode->i_ino : 0);
	}
	xa_for_each(&mm->ptes, vpn, e) {
		pte_t pte = (pte_t)e;

		h = hash_mix(h, vpn);
		h = hash_mix(h, pte & PTE_FLAGS);
		h = hash_mix(h, page_name(c, pte_page(pte)));
	}
	return h;
}

static uint64_t proc_hash(const struct hctx *c, const struct proc *p)
{
	uint64_t h = hash_str(0x70726f63ULL, p->thread);	/* "proc" */
	int fd;

	h = hash_str(h, p->comm);
	for (fd = 0; fd < PROC_MAX_FILES; fd++)
		if (p->files[fd])
			h = hash_mix(hash_mix(h, (uint64_t)fd),
				     file_name(p->files[fd]));
	if (p->mm)
		h = hash_mix(h, mm_hash(c, p->mm));
	return hash_mix(h, task_hash(c, &p->task));
}

/* Processes as a multiset: their pid order is the order they started. */
static uint64_t procs_hash(const struct hctx *c)
{
	uint64_t sum = 0;
	guint i;

	for (i = 0; i < c->k->procs->len; i++)
		sum += hash_fmix(proc_hash(c, g_ptr_array_index(c->k->procs,
								i)));
	return hash_mix(c->k->procs->len, sum);
}

/* ------------------------------------------------------------ events --- */

static int event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Pending events in pop order, times relative to now. */
static uint64_t events_hash(const struct hctx *c)
{
	const struct eventq *q = &c->k->events;
	struct event *ev = malloc((q->nr + 1) * sizeof(*ev));
	uint64_t h = hash_mix(0x657674ULL, q->nr);	/* "evt" */
	uint32_t i;

	if (NEVER(!ev))
		abort();
	if (q->nr)
		memcpy(ev, q->heap, q->nr * sizeof(*ev));
	qsort(ev, q->nr, sizeof(*ev), event_cmp);
	for (i = 0; i < q->nr; i++) {
		h = hash_mix(h, ev[i].time - q->now);
		h = hash_mix(h, (uint64_t)ev[i].type);
		if (ev[i].type == KEV_BIO_END)
			h = hash_mix(h, ioend_hash(c, ev[i].obj));
		else if (ev[i].type == KEV_TIMER)
			h = hash_mix(h, task_name(c, ((const struct task *)
						      ev[i].obj)->id));
	}
	free(ev);
	return h;
}

/* -------------------------------------------------------------- rest --- */

/* Reclaim takes the oldest page first: the order matters under a limit. */
static uint64_t lru_hash(const struct hctx *c)
{
	const struct page *p;
	uint64_t h = 0x6c7275ULL;				/* "lru" */

	if (!c->k->cfg.memory_limit)
		return h;
	list_for_each_entry(p, &c->k->lru, lru)
		h = hash_mix(h, page_name(c, p));
	return h;
}

static uint64_t dax_hash(const struct hctx *c)
{
	const struct page *p;
	uint64_t h = 0x646178ULL, block;			/* "dax" */

	xa_for_each(&c->k->dax_pages, block, p)
		h = hash_mix(hash_mix(h, block), page_name(c, p));
	return h;
}

static void hctx_init(struct hctx *c, const struct kernel *k)
{
	guint i;

	c->k = k;
	c->n = (int)k->procs->len;
	c->ids = calloc(c->n + 1, sizeof(*c->ids));
	c->names = calloc(c->n + 1, sizeof(*c->names));
	if (NEVER(!c->ids || !c->names))
		abort();
	for (i = 0; i < k->procs->len; i++) {
		const struct proc *p = g_ptr_array_index(k->procs, i);

		c->ids[i] = p->task.id;
		c->names[i] = hash_str(0x746964ULL, p->thread);	/* "tid" */
	}
}

/**
 * kernel_state_hash - a canonical digest of the whole simulated state.
 * @k: the kernel, between two steps.
 *
 * See the top of this file for what it covers and how objects are named.
 * Runs that reach equal states get equal digests whatever their
 * interleaving; the cost is linear in the objects, pages and referenced
 * blocks of the state.
 *
 * Return: the digest.
 */
uint64_t kernel_state_hash(const struct kernel *k)
{
	struct hctx c;
	uint64_t h, dir = 0x646972ULL, pdir = 0x70646972ULL;

	hctx_init(&c, k);
	h = procs_hash(&c);
	h = hash_mix(h, inodes_hash(&c, k->inodes));
	h = hash_mix(h, inodes_hash(&c, k->anon_inodes));
	g_tree_foreach(k->dir, dirent_inode_hash, &dir);
	g_tree_foreach(k->p_dir, dirent_hash, &pdir);
	h = hash_mix(hash_mix(h, dir), pdir);
	h = hash_mix(h, bdev_hash(k));
	h = hash_mix(h, dax_hash(&c));
	h = hash_mix(h, events_hash(&c));
	h = hash_mix(h, lru_hash(&c));
	h = hash_mix(h, k->stats.nr_cached);
	h = hash_mix(h, k->nr_bios);
	h = hash_mix(h, k->oracle ? oracle_state_hash(k->oracle) : 0);
	if (k->policy && k->policy->state_hash)
		h = hash_mix(h, k->policy->state_hash(k));
	free(c.ids);
	free(c.names);
	return h;
}

/**
 * kernel_call_hash - fold one system call and its result into @h.
 * @h:   the running digest.
 * @req: the call (its name, if any, by content).
 * @res: what it returned.
 *
 * Return: the new digest; a function of @h and the fields' values only.
 */
uint64_t kernel_call_hash(uint64_t h, const struct sys_req *req,
			  const struct sys_res *res)
{
	return res_hash(req_hash(hash_mix(h, 0x63616c6cULL), req), res);
}
