// SPDX-License-Identifier: MIT
/*
 * model/checkq.c - the check queue: what the steps since the last check
 * touched, for the incremental checker (model/check.c).
 *
 * Scope: recording only.  The model calls check_mark_*() at its mutation
 * points: page flag changes (page_set/page_clear), owners and i_pages
 * slots (model/pagecache.c), page references and mapcounts, PTEs
 * (model/mm.c, model/fault.c), i_size, the release of the locks check_eof
 * waits for, i_mmap linkage and block reference counts.  Rule of thumb
 * for new code: whatever changes a field that model/check.c reads marks
 * the object.
 *
 * Invariants: a page is in the queue at most once and page->check_slot is
 * 1 + its position; an inode at most once (inode->check_queued).  Nothing
 * in the queue is freed memory: check_forget_page() and check_forget()
 * turn marks of objects being freed into CM_NONE.  The queue is emptied
 * by every check (checkq_clear), so it holds one step's marks: marking is
 * O(1) and forgetting an mm or mapping O(marks of a step).  A step that
 * touches more than @limit (CHECK_SLOT_MAX) objects overflows it
 * (@overflow): the check after it is a full sweep.
 *
 * The queue and the two fields are bookkeeping of the checker, not kernel
 * state: they are empty between steps and left out of the state hash.
 */
#include "model/core.h"

void checkq_init(struct check_queue *q, bool on)
{
	q->marks = NULL;
	q->len = q->cap = q->last_slot = 0;
	q->limit = CHECK_SLOT_MAX;
	q->on = on;
	q->probing = q->hit = q->overflow = false;
}

void checkq_destroy(struct check_queue *q)
{
	g_free(q->marks);
	q->marks = NULL;
	q->len = q->cap = q->last_slot = 0;
}

void checkq_clear(struct kernel *k)
{
	struct check_queue *q = &k->chkq;
	uint32_t i;

	for (i = 0; i < q->len; i++) {
		struct check_mark *m = &q->marks[i];

		if (m->kind == CM_PAGE)
			((struct page *)m->obj)->check_slot = 0;
		else if (m->kind == CM_INODE)
			((struct inode *)m->obj)->check_queued = false;
	}
	q->len = q->last_slot = 0;
	q->overflow = false;
}

/*
 * Append a mark.  A step that touches more objects than a page's
 * check_slot can number (CHECK_SLOT_MAX) overflows the queue: recording
 * stops and the next check is a full sweep.  Return: was it recorded?
 */
static bool mark(struct kernel *k, uint32_t kind, void *obj, uint64_t idx)
{
	struct check_queue *q = &k->chkq;

	if (q->len >= q->limit)
		q->overflow = true;
	if (q->overflow)
		return false;
	if (q->len == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 64;
		q->marks = g_renew(struct check_mark, q->marks, q->cap);
	}
	q->marks[q->len++] = (struct check_mark){ kind, obj, idx };
	return true;
}

void check_mark_page(struct kernel *k, struct page *p)
{
	if (!k->chkq.on || p->check_slot)
		return;
	if (mark(k, CM_PAGE, p, 0))
		p->check_slot = k->chkq.len;
}

void check_mark_inode(struct kernel *k, struct inode *inode)
{
	if (!k->chkq.on || inode->check_queued)
		return;
	inode->check_queued = mark(k, CM_INODE, inode, 0);
}

/*
 * Queue slot @index of @m unless it is the slot marked last (a page's
 * store, tags and i_size move mark it again and again within a step).
 */
static void mark_slot(struct kernel *k, struct address_space *m,
		      uint64_t index)
{
	struct check_queue *q = &k->chkq;
	const struct check_mark *last =
		q->last_slot ? &q->marks[q->last_slot - 1] : NULL;

	if (last && last->kind == CM_SLOT && last->obj == m &&
	    last->idx == index)
		return;
	if (mark(k, CM_SLOT, m, index))
		q->last_slot = q->len;
}

void check_mark_slot(struct kernel *k, struct address_space *m,
		     uint64_t index)
{
	if (!k->chkq.on)
		return;
	mark_slot(k, m, index);
	check_mark_inode(k, m->host);
}

/*
 * A mark (tag) of a slot changed: the slot is checked again, not its
 * inode, whose rules (nrpages, eof) no tag enters.
 */
void check_mark_tag(struct kernel *k, struct address_space *m,
		    uint64_t index)
{
	if (k->chkq.on)
		mark_slot(k, m, index);
}

void check_mark_pte(struct kernel *k, struct mm_struct *mm, uint64_t vpn)
{
	if (k->chkq.on)
		mark(k, CM_PTE, mm, vpn);
}

void check_mark_block(struct kernel *k, uint64_t block)
{
	if (k->chkq.on)
		mark(k, CM_BLOCK, NULL, block);
}

void check_mark_immap(struct kernel *k, struct address_space *m)
{
	if (k->chkq.on)
		mark(k, CM_IMMAP, m, 0);
}

void check_mark_vma(struct kernel *k, struct vm_area_struct *vma)
{
	uint64_t vpn, first = vma->vm_start >> k->page_shift;
	uint64_t last = (vma->vm_end >> k->page_shift) - 1;
	void *e;

	if (!k->chkq.on)
		return;
	xa_for_each_range(&vma->vm_mm->ptes, vpn, e, first, last, XA_PRESENT)
		mark(k, CM_PTE, vma->vm_mm, vpn);
	check_mark_immap(k, vma->mapping);
}

/*
 * A page whose DIRTY tag outlived PG_dirty beyond EOF (check_page's one
 * exception) breaks the rule again once i_size moves past it: recheck the
 * slots between the old and the new EOF.
 */
void check_mark_size(struct kernel *k, struct inode *inode, uint64_t old)
{
	uint64_t a = i_blocks_end(k, old), b = i_blocks_end(k, inode->i_size);
	uint64_t index, lo = a < b ? a : b, hi = a < b ? b : a;
	struct page *p;

	if (!k->chkq.on)
		return;
	check_mark_inode(k, inode);
	if (lo == hi)
		return;
	if (hi - lo == 1) {	/* an append within a page, or of one */
		if (xa_load(&inode->i_mapping->i_pages, lo))
			mark_slot(k, inode->i_mapping, lo);
		return;
	}
	xa_for_each_range(&inode->i_mapping->i_pages, index, p, lo, hi - 1,
			  XA_PRESENT)
		mark_slot(k, inode->i_mapping, index);
}

void check_forget_page(struct kernel *k, struct page *p)
{
	if (!p->check_slot)
		return;
	k->chkq.marks[p->check_slot - 1].kind = CM_NONE;
	p->check_slot = 0;
}

void check_forget(struct kernel *k, const void *obj)
{
	struct check_queue *q = &k->chkq;
	uint32_t i;

	for (i = 0; i < q->len; i++) {
		struct check_mark *m = &q->marks[i];

		if (m->obj == obj && m->kind != CM_PAGE && m->kind != CM_INODE)
			m->kind = CM_NONE;
	}
}
