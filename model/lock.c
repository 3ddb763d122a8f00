// SPDX-License-Identifier: MIT
/*
 * model/lock.c - sleeping locks as plain data, with lock-order checking.
 *
 * Scope: rwsems (i_rwsem, invalidate_lock, mmap_lock, i_mmap_rwsem) and the
 * folio lock.
 *
 * Lock ordering (checked at every acquisition; the tree at the top of
 * mm/filemap.c, restricted to what is modelled):
 *
 *   inode->i_rwsem                       (two inodes: lower i_ino first)
 *     mm->mmap_lock                      (fault_in_readable in write())
 *       mapping->invalidate_lock         (XFS_MMAPLOCK; filemap_fault;
 *                                         two inodes: lower i_ino first)
 *         folio_lock (PG_locked)         (two folios: lower index first)
 *           mapping->i_mmap_rwsem        (unmap_mapping_range, rmap walks)
 *
 *   Truncate and clone take i_rwsem -> invalidate_lock -> i_mmap_rwsem and
 *   never mmap_lock; faults enter at mmap_lock and take invalidate_lock
 *   shared below it.  The same order as the top of mm/filemap.c.
 *
 * The DAX entry lock is the PG_locked bit of the pfn's page (folio class).
 * I/O completion runs in interrupt context (an event) and takes no lock.
 *
 * A task taking a lock whose class is lower than one it holds (other than
 * the same class in the documented order) is reported as the "deadlock"
 * invariant, because such an inversion is how the cycles of the waits-for
 * graph are made.
 *
 * Waiting is polled: a failed acquisition returns false, the caller records
 * the wait with task_block() and retries the same step once
 * rwsem_ready()/!PG_locked says it can succeed.  No C stack is held.
 */
#include "model/core.h"
#include "model/coverage.h"

void rwsem_init(struct rwsem *s, const char *name, int lclass, uint64_t obj)
{
	s->name = name;
	s->lclass = lclass;
	s->writer = 0;
	s->readers = 0;
	s->owner_obj = obj;
}

bool rwsem_ready(const struct rwsem *s, bool write)
{
	return write ? (!s->writer && !s->readers) : !s->writer;
}

/* Record that @t took a lock of class @lclass; check the order. */
static void lock_acquired(struct kernel *k, struct task *t, int lclass)
{
	int i;

	for (i = 0; i < t->nheld; i++) {
		if (t->held[i] > lclass)
			kernel_report(k, "deadlock",
				      "lock order: class %d taken after %d",
				      lclass, t->held[i]);
	}
	if (t->nheld < (int)(sizeof(t->held) / sizeof(t->held[0])))
		t->held[t->nheld++] = (uint16_t)lclass;
}

void lock_released(struct task *t, int lclass)
{
	int i;

	for (i = t->nheld - 1; i >= 0; i--) {
		if (t->held[i] != lclass)
			continue;
		for (; i < t->nheld - 1; i++)
			t->held[i] = t->held[i + 1];
		t->nheld--;
		return;
	}
}

/*
 * The eof rule is checked only while an inode's i_rwsem and invalidate_lock
 * are free (check_eof): their release is a change the checker must see.
 */
static void rwsem_released(struct kernel *k, struct rwsem *s)
{
	if (s->lclass == LOCK_CLASS_I_RWSEM)
		check_mark_inode(k, container_of(s, struct inode, i_rwsem));
	else if (s->lclass == LOCK_CLASS_INVALIDATE)
		check_mark_inode(k, container_of(s, struct address_space,
						 invalidate_lock)->host);
}

bool down_read(struct kernel *k, struct task *t, struct rwsem *s)
{
	if (!rwsem_ready(s, false))
		return false;
	if (s->readers < 8)
		s->reader_ids[s->readers] = t->id;
	s->readers++;
	lock_acquired(k, t, s->lclass);
	return true;
}

bool down_write(struct kernel *k, struct task *t, struct rwsem *s)
{
	if (!rwsem_ready(s, true))
		return false;
	s->writer = t->id + 1;
	lock_acquired(k, t, s->lclass);
	return true;
}

void up_read(struct kernel *k, struct task *t, struct rwsem *s)
{
	int i;

	if (s->readers <= 0) {
		kernel_report(k, "deadlock", "up_read of %s not held", s->name);
		return;
	}
	for (i = 0; i < s->readers && i < 8; i++)
		if (s->reader_ids[i] == t->id)
			break;
	for (; i + 1 < s->readers && i + 1 < 8; i++)
		s->reader_ids[i] = s->reader_ids[i + 1];
	s->readers--;
	lock_released(t, s->lclass);
	rwsem_released(k, s);
}

void up_write(struct kernel *k, struct task *t, struct rwsem *s)
{
	if (s->writer != t->id + 1)
		kernel_report(k, "deadlock", "up_write of %s not owned",
			      s->name);
	s->writer = 0;
	lock_released(t, s->lclass);
	rwsem_released(k, s);
}

bool folio_trylock(struct kernel *k, struct task *t, struct page *p)
{
	if (page_test(p, PG_locked))
		return false;
	if (k->cov)		/* the step works on @p: note its state */
		cov_note_page(k->cov, t->step_name, p);
	page_set(k, p, PG_locked);
	p->locker = t->id;
	lock_acquired(k, t, LOCK_CLASS_FOLIO);
	return true;
}

void folio_unlock(struct kernel *k, struct task *t, struct page *p)
{
	if (!page_test(p, PG_locked))
		kernel_report(k, "deadlock", "unlock of unlocked page %llu",
			      (unsigned long long)p->id);
	page_clear(k, p, PG_locked);
	p->locker = -1;
	lock_released(t, LOCK_CLASS_FOLIO);
}
