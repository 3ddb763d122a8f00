// SPDX-License-Identifier: MIT
/*
 * model/fault.c - user loads and stores through MAP_SHARED file mappings.
 *
 * Scope: fn_maccess walks the bytes a process touches (xfs_io mwrite/mread),
 * storing through writable PTEs and loading through present ones; a missing
 * or write-protected PTE enters fn_fault, the model of
 *
 *   handle_mm_fault                mmap_lock (shared)
 *     do_read_fault / do_shared_fault
 *       filemap_fault              SIGBUS at or beyond DIV_ROUND_UP(i_size);
 *                                  a miss takes invalidate_lock (shared),
 *                                  adds a locked page and reads it
 *       xfs_write_fault            invalidate_lock (shared), folio lock,
 *         iomap_page_mkwrite       recheck mapping and i_size, delalloc or
 *                                  COW fork reservation, folio_mark_dirty,
 *                                  folio_wait_stable
 *       finish_fault               PTE: read faults of a VM_SHARED mapping
 *                                  with ->page_mkwrite map read-only, so the
 *                                  first store faults again
 *
 * Every load is compared with the oracle below i_size ("data"); the bytes of
 * the EOF page beyond i_size are not part of the file and are not compared.
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/oracle.h"
#include "model/policy.h"


static uint64_t vma_file_off(const struct kernel *k,
			     const struct vm_area_struct *vma, uint64_t addr)
{
	return (vma->vm_pgoff << k->page_shift) + (addr - vma->vm_start);
}

/* The next byte range [*a, *a + len) of one page to touch. */
static uint32_t maccess_chunk(const struct kernel *k,
			      const struct maccess_locals *l, uint64_t *a)
{
	uint64_t psz = kpage_size(k), len;

	if (l->flags & SYSF_REVERSE) {
		uint64_t last = l->end - 1;

		*a = last & ~(psz - 1);
		if (*a < l->addr)
			*a = l->addr;
		return l->end - *a;
	}
	*a = l->addr;
	len = psz - (l->addr & (psz - 1));
	return l->end - l->addr < len ? l->end - l->addr : len;
}

static void maccess_done(struct maccess_locals *l, uint64_t a, uint32_t len)
{
	if (a == l->addr)
		l->addr += len;
	else
		l->end -= len;
}

/* Touch one page whose PTE allows it.  Return: false if a fault is needed. */
static bool maccess_page(struct kernel *k, struct vm_area_struct *vma,
			 struct maccess_locals *l, uint64_t a, uint32_t len)
{
	struct mm_struct *mm = vma->vm_mm;
	uint64_t vpn = a >> k->page_shift, off = vma_file_off(k, vma, a);
	pte_t pte = (pte_t)xa_load(&mm->ptes, vpn);
	struct inode *inode = vma->mapping->host;
	struct page *p = pte_page(pte);
	uint32_t poff = a & (kpage_size(k) - 1);
	uint64_t bad, n;

	if (!pte || ((l->flags & FAULT_FLAG_WRITE) && !(pte & PTE_WRITE)))
		return false;
	if (l->flags & FAULT_FLAG_WRITE) {
		check_store(k, p, vma->mapping);
		if (page_test(p, PG_dax))
			dax_store(k, p, poff, len, l->byte);
		else
			page_set_content(k, p, content_fill(k->pool, p->content,
							    poff, len, l->byte));
		xa_store(&mm->ptes, vpn, (void *)(pte | PTE_DIRTY | PTE_YOUNG));
		check_mark_pte(k, mm, vpn);
		oracle_mstore(k->oracle, inode->i_ino, off, len, l->byte);
		k->perf.app_write_bytes += len;	/* a store: no wchar */
		return true;
	}
	n = off >= inode->i_size ? 0 : inode->i_size - off;
	if (n > len)
		n = len;
	if (n && oracle_check_read(k->oracle, inode->i_ino, off, p->content,
				   poff, n, &bad))
		kernel_report(k, "data",
			      "mmap load of inode %llu saw wrong data at offset %llu (page %llu)",
			      (unsigned long long)inode->i_ino,
			      (unsigned long long)bad,
			      (unsigned long long)p->id);
	return true;
}

/**
 * fn_maccess - a user memset (SYSF_* | FAULT_FLAG_WRITE) or read of
 * [a.addr, a.end) in the task's mm.
 * Return (frame): FAULT_OK, FAULT_SIGBUS or FAULT_SIGSEGV.
 */
enum step_result fn_maccess(struct kernel *k, struct task *t, struct frame *f)
{
	struct maccess_locals *l = &f->u.a;
	struct frame c = *f;
	uint64_t a;
	uint32_t len;

	t->step_name = l->flags & FAULT_FLAG_WRITE ? "store" : "load";
	if (l->page && !(f->pc == 1 && f->ret == FAULT_RETRY)) {
		put_page(k, l->page);	/* the refault is over */
		l->page = NULL;
	}
	if (f->pc == 1 && f->ret != FAULT_OK && f->ret != FAULT_RETRY)
		return task_return(t, f->ret);
	f->pc = 0;
	if (l->addr >= l->end)
		return task_return(t, FAULT_OK);
	len = maccess_chunk(k, l, &a);
	l->vma = find_vma(t->proc->mm, a);
	if (!l->vma)
		return task_return(t, FAULT_SIGSEGV);
	if (maccess_page(k, l->vma, l, a, len)) {
		maccess_done(l, a, len);
		return STEP_NEXT;
	}
	f->pc = 1;
	c.u.a.fault_addr = a;
	c.u.a.page = NULL;
	task_call(t, FN_FAULT, &c);
	return STEP_NEXT;
}

static pgoff_t fault_index(const struct kernel *k,
			   const struct maccess_locals *l)
{
	return l->vma->vm_pgoff +
	       ((l->fault_addr - l->vma->vm_start) >> k->page_shift);
}

static bool beyond_eof(const struct kernel *k, struct inode *inode,
		       pgoff_t index)
{
	return index >= i_blocks_end(k, inode->i_size);
}

/*
 * Leave the fault: drop what is held and return @ret.  A fault that mapped
 * a page counts as major if it had to read it (VM_FAULT_MAJOR), else minor.
 */
enum step_result fault_out(struct kernel *k, struct task *t,
			   struct maccess_locals *l, int ret)
{
	if (ret == FAULT_OK && (l->flags & FAULT_FLAG_MAJOR))
		k->stats.faults_major++;
	else if (ret == FAULT_OK)
		k->stats.faults_minor++;
	if (l->page)
		put_page(k, l->page);
	l->page = NULL;
	up_read(k, t, &t->proc->mm->mmap_lock);
	return task_return(t, ret);
}

/*
 * filemap_fault on a miss, under invalidate_lock (shared) as in the kernel:
 * a design's read_miss (a page another owner caches) or a new locked page
 * whose read starts now.  The lock keeps truncate, punch and clone, which
 * hold it exclusive, from freeing the blocks the page is read from.
 */
static enum step_result fault_read_miss(struct kernel *k, struct task *t,
					struct frame *f)
{
	struct maccess_locals *l = &f->u.a;
	struct address_space *m = l->vma->mapping;
	struct rwsem *lock = inode_mmap_lock(l->vma->vm_inode);

	if (!down_read(k, t, lock))
		return task_block(t, WAIT_RWSEM_READ, lock);
	if (k->policy->read_miss)
		l->page = k->policy->read_miss(k, t, m->host,
					       fault_index(k, l));
	if (!l->page)
		l->page = page_cache_read(k, t, m, fault_index(k, l), m->host,
					  fault_index(k, l));
	up_read(k, t, lock);
	if (!page_test(l->page, PG_uptodate))
		l->flags |= FAULT_FLAG_MAJOR;	/* it started a read */
	f->pc = 3;
	return STEP_NEXT;
}

/* The page is locked and valid: finish a read fault or go to mkwrite. */
static enum step_result fault_locked(struct kernel *k, struct task *t,
				     struct frame *f)
{
	struct maccess_locals *l = &f->u.a;

	if (l->flags & FAULT_FLAG_WRITE) {
		folio_unlock(k, t, l->page);	/* do_page_mkwrite relocks */
		f->pc = 4;
		return STEP_NEXT;
	}
	set_pte(k, l->vma, l->fault_addr, l->page, PTE_YOUNG);
	folio_unlock(k, t, l->page);
	return fault_out(k, t, l, FAULT_OK);
}

/*
 * A write fault on a page another inode also caches: the policy gives this
 * mapping a private copy (folio_prepare_store), which zaps this mapping's
 * PTE of the shared page, and the fault is retried to map the copy.
 * Return: FAULT_RETRY, or FAULT_OK if the PTE still maps the shared page (a
 * design that forgot to zap it: the shared page is then made writable, as
 * finish_mkwrite_fault would).
 */
static int page_mkwrite_shared(struct kernel *k, struct task *t,
			       struct maccess_locals *l)
{
	struct address_space *m = l->vma->mapping;
	struct page *copy = folio_prepare_store(k, t, l->page, m,
						fault_index(k, l));
	pte_t pte = (pte_t)xa_load(&l->vma->vm_mm->ptes,
				   l->fault_addr >> k->page_shift);
	struct page **held;

	if (copy == l->page)		/* a design that stores in place */
		return FAULT_OK;
	folio_unlock(k, t, copy);
	if (pte && pte_page(pte) == l->page) {
		put_page(k, copy);
		return FAULT_OK;
	}
	/*
	 * The refault maps the copy.  Until then the faulting task keeps a
	 * reference (FN_MACCESS, the caller, holds it), as wp_page_copy
	 * holds the new folio until set_pte: reclaim must not take the copy
	 * in between, or a fault under memory pressure copies, loses the
	 * copy and refaults for ever.
	 */
	held = &t->stack[t->depth - 2].u.a.page;
	if (*held)
		put_page(k, *held);
	*held = copy;
	return FAULT_RETRY;
}

/* iomap_page_mkwrite with the folio locked and invalidate_lock held. */
static enum step_result page_mkwrite_locked(struct kernel *k, struct task *t,
					    struct frame *f)
{
	struct maccess_locals *l = &f->u.a;
	struct address_space *m = l->vma->mapping;
	pgoff_t index = fault_index(k, l);
	bool stale = false;	/* a broken design left the PTE on it */
	int ret = FAULT_OK;

	/*
	 * folio_wait_stable, before anything else: a shared page under
	 * all-host writeback has a block staged in every owner's COW fork,
	 * so it must not be COW-broken for one owner while the bio flies.
	 */
	if (page_test(l->page, PG_writeback))
		return task_block(t, WAIT_PAGE_WRITEBACK, l->page);
	if (folio_has_owner(k, l->page, m, index) &&
	    folio_shared(l->page)) {
		ret = page_mkwrite_shared(k, t, l);
		stale = ret == FAULT_OK &&
			!folio_has_owner(k, l->page, m, index);
	}
	if (ret == FAULT_RETRY) {
		/* the private copy is cached; the refault maps it */
	} else if (!stale && (!folio_has_owner(k, l->page, m, index) ||
			      beyond_eof(k, m->host, index))) {
		/*
		 * folio_mkwrite_check_truncate: -EFAULT, i.e. VM_FAULT_NOPAGE:
		 * the refault finds the page again or gets SIGBUS beyond EOF.
		 */
		unmap_mapping_range(k, m, index, index, false);
		ret = FAULT_RETRY;
	} else if (xfs_buffered_write_iomap_begin(k, m->host, index)) {
		ret = FAULT_SIGBUS;	/* VM_FAULT_SIGBUS on -ENOSPC */
	} else {
		folio_mark_dirty(k, l->page);
		if (page_test(l->page, PG_writeback))	/* folio_wait_stable */
			return task_block(t, WAIT_PAGE_WRITEBACK, l->page);
		set_pte(k, l->vma, l->fault_addr, l->page,
			PTE_WRITE | PTE_DIRTY | PTE_YOUNG);
	}
	folio_unlock(k, t, l->page);
	up_read(k, t, inode_mmap_lock(l->vma->vm_inode));
	return fault_out(k, t, l, ret);
}

/* Steps 0-2 of the fault: mmap_lock, VMA and PTE checks, lookup. */
static enum step_result fault_enter(struct kernel *k, struct task *t,
				    struct frame *f)
{
	struct maccess_locals *l = &f->u.a;
	struct mm_struct *mm = t->proc->mm;
	pte_t pte;

	if (f->pc == 0) {
		t->step_name = "handle_mm_fault";
		if (!down_read(k, t, &mm->mmap_lock))
			return task_block(t, WAIT_RWSEM_READ, &mm->mmap_lock);
		l->vma = find_vma(mm, l->fault_addr);
		if (!l->vma || ((l->flags & FAULT_FLAG_WRITE) &&
				!(l->vma->vm_flags & VM_WRITE)))
			return fault_out(k, t, l, FAULT_SIGSEGV);
		if (IS_DAX(k, l->vma->vm_inode)) {	/* dax_iomap_fault */
			f->fn = FN_DAX_FAULT;
			f->pc = 1;
			return STEP_NEXT;
		}
		pte = (pte_t)xa_load(&mm->ptes, l->fault_addr >> k->page_shift);
		if (pte) {		/* do_wp_page -> wp_page_shared */
			l->page = pte_page(pte);
			get_page(l->page);
			f->pc = 4;
			return STEP_NEXT;
		}
		f->pc = 1;
		return STEP_NEXT;
	}
	t->step_name = "filemap_fault";
	if (beyond_eof(k, l->vma->mapping->host, fault_index(k, l)))
		return fault_out(k, t, l, FAULT_SIGBUS);
	l->page = filemap_get_page(l->vma->mapping, fault_index(k, l));
	if (!l->page)
		return fault_read_miss(k, t, f);
	get_page(l->page);
	f->pc = 3;
	return STEP_NEXT;
}

/**
 * fn_fault - handle_mm_fault for a.fault_addr (FAULT_FLAG_WRITE in a.flags
 * for a store).
 * Return (frame): FAULT_OK, FAULT_SIGBUS or FAULT_SIGSEGV.
 */
enum step_result fn_fault(struct kernel *k, struct task *t, struct frame *f)
{
	struct maccess_locals *l = &f->u.a;
	struct address_space *m;

	if (f->pc < 3)
		return fault_enter(k, t, f);
	if (f->pc == 4)		/* a store: the file's data will change */
		mapping_unshare(k, l->vma->vm_inode);
	m = l->vma->mapping;
	switch (f->pc) {
	case 3:			/* lock_folio_maybe_drop_mmap */
		t->step_name = "filemap_fault(lock)";
		if (!folio_trylock(k, t, l->page))
			return task_block(t, WAIT_PAGE_LOCK, l->page);
		if (!folio_has_owner(k, l->page, m, fault_index(k, l))) {
			/* truncated or invalidated meanwhile: retry_find */
			folio_unlock(k, t, l->page);
			return fault_out(k, t, l, FAULT_RETRY);
		}
		if (!page_test(l->page, PG_uptodate) ||
		    beyond_eof(k, m->host, fault_index(k, l))) {
			folio_unlock(k, t, l->page);
			return fault_out(k, t, l, FAULT_SIGBUS);
		}
		return fault_locked(k, t, f);
	case 4:			/* xfs_write_fault */
		t->step_name = "xfs_write_fault";
		if (!down_read(k, t, inode_mmap_lock(l->vma->vm_inode)))
			return task_block(t, WAIT_RWSEM_READ,
					  inode_mmap_lock(l->vma->vm_inode));
		f->pc = 5;
		return STEP_NEXT;
	case 5:
		t->step_name = "iomap_page_mkwrite";
		if (!page_test(l->page, PG_locked) ||
		    l->page->locker != t->id) {
			if (!folio_trylock(k, t, l->page))
				return task_block(t, WAIT_PAGE_LOCK, l->page);
		}
		return page_mkwrite_locked(k, t, f);
	}
	abort();
}
