// SPDX-License-Identifier: MIT
/*
 * model/dax.c - DAX: files on persistent memory, with no page cache.
 *
 * Scope: the data path of fs/dax.c with XFS's fsdax reflink support (Shiyang
 * Ruan's series), taken by every file when the policy has POLICY_DAX:
 *
 *   fn_dax_read    dax_iomap_rw (read): bytes straight from the blocks
 *   fn_dax_write   xfs_file_dax_write: i_rwsem exclusive; per block a hole
 *                  or unwritten extent is allocated and zeroed, a shared
 *                  block is copied to a new one and remapped at once
 *                  (dax_iomap_copy_around, xfs_reflink_end_cow); the
 *                  file's DAX entry of a replaced block is invalidated;
 *                  the store goes to the block
 *   fn_dax_fault   dax_iomap_fault under xfs_dax_fault's MMAPLOCK_SHARED:
 *                  a read fault maps the block's pfn read-only (a hole maps
 *                  a zero pfn); a write fault on a shared block first COWs
 *                  it, then maps the new pfn writable, all under the DAX
 *                  entry lock (the entry page's PG_locked)
 *   dax_writeback  dax_writeback_mapping_range for one dirty entry: write
 *                  protect its PTEs (dax_entry_mkclean) - what fsync and
 *                  the clone's flush of the source do - with no I/O
 *
 * A pfn is a struct page with PG_dax (ZONE_DEVICE pages have struct pages)
 * whose content is always its block's: k->dax_pages maps block -> page.
 * Each (mapping, index) DAX entry is an owner of the page, so the owner
 * count is the "share count" of a shared pfn (page->share in fsdax).
 *
 * dax-entry invariant (model/check.c): a writable PTE never maps a pfn
 * whose block is shared (refcount > 1) or that another entry shares.
 *
 * Durability: a store to pmem is taken to be persistent at once (eADR);
 * only the metadata (remaps, sizes) waits for the log.
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/oracle.h"
#include "model/policy.h"


bool IS_DAX(const struct kernel *k, const struct inode *inode)
{
	return (k->policy->flags & POLICY_DAX) && !inode_is_anon(inode);
}

/* The pfn of @block (DAX_HOLE: a new zero pfn), referenced for the caller. */
static struct page *dax_pfn_get(struct kernel *k, uint64_t block)
{
	struct page *p = block == DAX_HOLE ? NULL :
			 xa_load(&k->dax_pages, block);

	if (p) {
		get_page(p);
		return p;
	}
	p = page_alloc(k, block == DAX_HOLE ? content_zero(k->pool) :
					      bdev_read(k, block));
	page_set(k, p, PG_dax);
	page_set(k, p, PG_uptodate);
	p->dax_block = block;
	k->stats.nr_dax_pages++;
	if (block != DAX_HOLE)
		xa_store(&k->dax_pages, block, p);
	return p;
}

void dax_page_freed(struct kernel *k, struct page *p)
{
	if (p->dax_block != DAX_HOLE)
		xa_erase(&k->dax_pages, p->dax_block);
	k->stats.nr_dax_pages--;
}

/* The block's bytes change: the disk and its pfn's view stay one. */
static void dax_block_write(struct kernel *k, uint64_t block,
			    const struct content *c)
{
	struct page *p = xa_load(&k->dax_pages, block);

	bdev_write(k, block, c);
	if (p)
		page_set_content(k, p, content_get(c));
}

/* A store through a PTE to pfn @p: the block itself changes. */
void dax_store(struct kernel *k, struct page *p, uint32_t off, uint32_t len,
	       uint8_t byte)
{
	const struct content *c = content_fill(k->pool, p->content, off, len,
					       byte);

	if (p->dax_block == DAX_HOLE)
		kernel_report(k, "dax-entry", "store to the zero pfn %llu",
			      (unsigned long long)p->id);
	else
		dax_block_write(k, p->dax_block, c);
	k->perf.dax_write_bytes += len;
	content_put(k->pool, c);
}

/*
 * dax_writeback_one, after folio_clear_dirty_for_io() write-protected the
 * entry's PTEs (dax_entry_mkclean): the CPU cache flush is the only "I/O",
 * so writeback starts and ends at once, moving the tags as for a page.
 */
void dax_writeback(struct kernel *k, struct task *t, struct page *p)
{
	folio_start_writeback(k, p);
	folio_end_writeback(k, p);
}

/*
 * Drop @m's DAX entry at @index and zap its PTEs: the block behind the
 * index changed (COW, allocation), so the old pfn must not stay mapped.
 */
static void dax_invalidate_entry(struct kernel *k, struct address_space *m,
				 pgoff_t index)
{
	struct page *p = filemap_get_page(m, index);

	unmap_mapping_range(k, m, index, index, false);
	if (!p)
		return;
	page_clear(k, p, PG_dirty);
	mapping_tag(k, m, index, PAGECACHE_TAG_DIRTY, false);
	filemap_remove_folio(k, p, m, index);
}

/*
 * xfs_dax_write_iomap_begin/end for one block: the block page @index of
 * @inode is stored to.  A hole or unwritten extent gets a new zeroed block;
 * a shared block is copied to a new one and the data fork remapped (COW),
 * unless @nocow (the mutant).  Return: 0 or -ENOSPC; *changed if the block
 * behind @index is a new one.
 */
static int dax_iomap_write_block(struct kernel *k, struct inode *inode,
				 pgoff_t index, bool nocow, bool *changed)
{
	struct bmap_irec irec;
	const struct content *old;
	uint64_t block;

	*changed = false;
	bmap_lookup(inode->i_df, index, &irec);
	if (irec.br_state == EXT_WRITTEN &&
	    (nocow || k->bdev.blocks[irec.br_startblock].refcount == 1))
		return 0;
	if (bdev_alloc(k, &block, false))
		return -ENOSPC;
	old = irec.br_state == EXT_WRITTEN ? bdev_read(k, irec.br_startblock) :
					     content_zero(k->pool);
	dax_block_write(k, block, old);		/* dax_iomap_copy_around */
	if (irec.br_state == EXT_WRITTEN)
		k->stats.cow_block_allocs++;
	inode_free_blocks(k, inode, inode->i_df, index, 1);
	bmap_set(inode->i_df, index, 1, EXT_WRITTEN, block);
	inode->log_dirty = true;
	*changed = true;
	return 0;
}

/* Does iomap_zero_range have to touch this block? */
static bool dax_zero_needed(const struct inode *inode, pgoff_t index)
{
	struct bmap_irec irec;

	bmap_lookup(inode->i_df, index, &irec);
	return irec.br_state == EXT_WRITTEN;
}

static uint32_t dax_chunk(const struct kernel *k, uint64_t pos, uint64_t end)
{
	uint64_t room = kpage_size(k) - (pos & (kpage_size(k) - 1));

	return end - pos < room ? end - pos : room;
}

/*
 * xfs_direct_write_iomap_begin(IOMAP_DAX) at the start of an iteration
 * (l->map_end: its end): a hole to the end of the write or the next
 * extent, or a written extent's run of shared (or unshared) blocks.  A
 * hole or a shared run gets all its blocks in one transaction
 * (xfs_iomap_write_direct, xfs_reflink_allocate_cow with convert_now),
 * whose space reservation fails the whole iteration with -ENOSPC.  The
 * model checks the space here and allocates page by page as the copy
 * goes; between two pages another task could take the space the kernel's
 * transaction would hold (docs/MODEL.md "Space reservation").
 */
static int dax_iomap_begin(struct kernel *k, struct range_locals *l,
			   pgoff_t index)
{
	struct bmap_irec irec;
	bool shared, alloc;

	l->map_end = iomap_data_run(k, l->inode, index, i_blocks_end(k, l->end),
				    &irec, &shared);
	alloc = irec.br_state != EXT_WRITTEN || shared;
	return alloc && !bdev_has_space(k, l->map_end - index) ? -ENOSPC : 0;
}

/* One block of xfs_file_dax_write.  Return: 0 or -errno. */
static int dax_write_one(struct kernel *k, struct range_locals *l)
{
	struct inode *inode = l->inode;
	pgoff_t index = l->pos >> k->page_shift;
	uint32_t len = dax_chunk(k, l->pos, l->end);
	uint32_t off = l->pos & (kpage_size(k) - 1);
	const struct content *c;
	struct bmap_irec irec;
	bool changed;
	int err;

	if (!(l->flags & RW_ZERO) && index >= l->map_end) {
		err = dax_iomap_begin(k, l, index);
		if (err)
			return err;
	}
	if (!(l->flags & RW_ZERO) || dax_zero_needed(inode, index)) {
		err = dax_iomap_write_block(k, inode, index, false, &changed);
		if (err)
			return err;
		if (changed) {	/* the copy around the written bytes */
			dax_invalidate_entry(k, inode->i_mapping, index);
			k->perf.dax_write_bytes += kpage_size(k) - len;
		}
		bmap_lookup(inode->i_df, index, &irec);
		c = content_fill(k->pool, bdev_read(k, irec.br_startblock),
				 off, len, l->byte);
		dax_block_write(k, irec.br_startblock, c);
		k->perf.dax_write_bytes += len;
		content_put(k->pool, c);
	}
	if (!(l->flags & RW_ZERO)) {
		if (l->pos + len > inode->i_size)
			inode->i_size = inode->i_disk_size = l->pos + len;
		oracle_write(k->oracle, inode->i_ino, l->pos, len, l->byte);
	} else if (l->flags & ZERO_RANGE_ORACLE) {
		oracle_zero(k->oracle, inode->i_ino, l->pos, len, false);
	}
	l->pos += len;
	l->done += len;
	return 0;
}

/**
 * fn_dax_write - write r.byte over [r.pos, r.end) of a DAX file (with
 * RW_ZERO: iomap_zero_range's dax_zero_range, the caller holding i_rwsem).
 * Return (frame): bytes written, or -errno if none.
 */
enum step_result fn_dax_write(struct kernel *k, struct task *t,
			      struct frame *f)
{
	struct range_locals *l = &f->u.r;
	int err;

	switch (f->pc) {
	case 0:
		t->step_name = "xfs_ilock(IOLOCK_EXCL)";
		if (!(l->flags & RW_ZERO) &&
		    !down_write(k, t, &l->inode->i_rwsem))
			return task_block(t, WAIT_RWSEM_WRITE,
					  &l->inode->i_rwsem);
		f->pc = 1;
		if (!(l->flags & RW_ZERO) && l->pos > l->inode->i_size)
			call_zero_eof(k, t, l->inode, l->pos);
		return STEP_NEXT;
	case 1:
		t->step_name = "dax_iomap_rw(write)";
		if (l->pos < l->end) {
			err = dax_write_one(k, l);
			if (!err)
				return STEP_NEXT;
			l->err = err;
		}
		if (!(l->flags & RW_ZERO))
			up_write(k, t, &l->inode->i_rwsem);
		return write_return(t, l);
	}
	abort();
}

/**
 * fn_dax_read - read [r.pos, r.end) of a DAX file, clipped at i_size.
 * Return (frame): bytes read.
 */
enum step_result fn_dax_read(struct kernel *k, struct task *t,
			     struct frame *f)
{
	struct range_locals *l = &f->u.r;
	uint64_t limit;

	switch (f->pc) {
	case 0:
		t->step_name = "xfs_ilock(IOLOCK_SHARED)";
		if (!down_read(k, t, &l->inode->i_rwsem))
			return task_block(t, WAIT_RWSEM_READ,
					  &l->inode->i_rwsem);
		f->pc = 1;
		return STEP_NEXT;
	case 1:
		t->step_name = "dax_iomap_rw(read)";
		limit = l->end < l->inode->i_size ? l->end : l->inode->i_size;
		if (l->pos < limit) {
			read_from_disk_one(k, l, limit);
			return STEP_NEXT;
		}
		up_read(k, t, &l->inode->i_rwsem);
		return task_return(t, (int64_t)l->done);
	}
	abort();
}

/* The pfn a fault maps at @index, inserted as @m's entry if new. */
static struct page *dax_entry_get(struct kernel *k, struct address_space *m,
				  pgoff_t index)
{
	struct page *p = filemap_get_page(m, index);
	struct bmap_irec irec;

	if (p) {
		get_page(p);
		return p;
	}
	bmap_lookup(m->host->i_df, index, &irec);
	p = dax_pfn_get(k, irec.br_state == EXT_WRITTEN ?
			irec.br_startblock : DAX_HOLE);
	filemap_add_folio(k, m, p, index);
	return p;
}

/* The write half of dax_iomap_fault, under the entry lock. */
static int dax_write_fault(struct kernel *k, struct maccess_locals *l,
			   pgoff_t index)
{
	struct address_space *m = l->vma->mapping;
	bool nocow = k->policy->flags & POLICY_DAX_NO_COW, changed;
	int err = dax_iomap_write_block(k, m->host, index, nocow, &changed);

	if (err)
		return FAULT_SIGBUS;
	if (changed) {		/* the whole block was copied or zeroed */
		k->perf.dax_write_bytes += kpage_size(k);
		k->stats.cow_page_copies++;
		dax_invalidate_entry(k, m, index);
		put_page(k, l->page);
		l->page = dax_entry_get(k, m, index);
	}
	folio_mark_dirty(k, l->page);
	set_pte(k, l->vma, l->fault_addr, l->page,
		PTE_WRITE | PTE_DIRTY | PTE_YOUNG);
	return FAULT_OK;
}

/**
 * fn_dax_fault - dax_iomap_fault for a.fault_addr; entered from fn_fault
 * with mmap_lock held and a.vma set, at pc 1.
 * Return (frame): FAULT_OK or FAULT_SIGBUS.
 */
enum step_result fn_dax_fault(struct kernel *k, struct task *t,
			      struct frame *f)
{
	struct maccess_locals *l = &f->u.a;
	struct address_space *m = l->vma->mapping;
	pgoff_t index = l->vma->vm_pgoff +
			((l->fault_addr - l->vma->vm_start) >> k->page_shift);
	int ret = FAULT_OK;

	t->step_name = "xfs_dax_fault";
	if (!down_read(k, t, inode_mmap_lock(l->vma->vm_inode)))
		return task_block(t, WAIT_RWSEM_READ,
				  inode_mmap_lock(l->vma->vm_inode));
	if (index >= i_blocks_end(k, m->host->i_size)) {
		ret = FAULT_SIGBUS;
	} else {
		l->page = dax_entry_get(k, m, index);
		if (!folio_trylock(k, t, l->page))	/* the DAX entry lock */
			abort();	/* never held across a step */
		if (l->flags & FAULT_FLAG_WRITE) {
			struct page *locked = l->page;

			get_page(locked);
			ret = dax_write_fault(k, l, index);
			folio_unlock(k, t, locked);
			put_page(k, locked);
		} else {
			set_pte(k, l->vma, l->fault_addr, l->page, PTE_YOUNG);
			folio_unlock(k, t, l->page);
		}
	}
	up_read(k, t, inode_mmap_lock(l->vma->vm_inode));
	return fault_out(k, t, l, ret);
}
