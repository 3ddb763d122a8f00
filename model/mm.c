// SPDX-License-Identifier: MIT
/*
 * model/mm.c - address spaces of processes: VMAs, PTEs and reverse mapping.
 *
 * Scope: mmap/munmap of MAP_SHARED file mappings, PTE installation and
 * zapping, and the rmap walks that reach PTEs from a page through
 * mapping->i_mmap: unmap_mapping_range() and folio_mkclean().
 *
 * Invariants (model/check.c, "rmap-complete"):
 *   - every PTE maps a page that has an owner (m, i) such that the VMA is in
 *     m->i_mmap and vma->vm_pgoff + (addr - vm_start) / PAGE_SIZE == i;
 *   - page->mapcount equals the number of PTEs mapping it, and each PTE
 *     holds a page reference;
 *   - a dirty PTE is also writable, and its page is PG_dirty.
 *
 * Locking: VMA list changes under mmap_lock (write) and i_mmap_rwsem
 * (write); the PTE lock is never held across a step and is not modelled.
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/never.h"

#define MMAP_BASE 0x7f0000000000ULL

struct mm_struct *mm_new(struct kernel *k)
{
	struct mm_struct *mm = calloc(1, sizeof(*mm));

	if (NEVER(!mm))
		abort();
	mm->id = ++k->next_mm_id;
	INIT_LIST_HEAD(&mm->mmap);
	xa_init(&mm->ptes);
	rwsem_init(&mm->mmap_lock, "mmap_lock", LOCK_CLASS_MMAP, mm->id);
	mm->next_addr = MMAP_BASE;
	list_add_tail(&mm->mm_list, &k->mms);
	return mm;
}

void mm_free(struct kernel *k, struct mm_struct *mm)
{
	struct vm_area_struct *vma, *n;

	list_for_each_entry_safe(vma, n, &mm->mmap, vma_list)
		do_munmap(k, mm, vma->vm_start, vma->vm_end - vma->vm_start);
	xa_destroy(&mm->ptes);
	check_forget(k, mm);
	list_del_init(&mm->mm_list);
	free(mm);
}

struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *vma;

	list_for_each_entry(vma, &mm->mmap, vma_list)
		if (addr >= vma->vm_start && addr < vma->vm_end)
			return vma;
	return NULL;
}

static uint64_t vma_pages(const struct kernel *k,
			  const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> k->page_shift;
}

static void vma_link(struct kernel *k, struct vm_area_struct *vma)
{
	struct address_space *m = vma->mapping;

	vma->shared.start = vma->vm_pgoff;
	vma->shared.last = vma->vm_pgoff + vma_pages(k, vma) - 1;
	vma->shared.id = vma->id;
	itree_insert(&m->i_mmap, &vma->shared);
	list_add_tail(&vma->vma_list, &vma->vm_mm->mmap);
	check_mark_immap(k, m);
}

/**
 * do_mmap - map [@off, @off + @len) of @f shared at a new address.
 * Return: 0 or -EINVAL / -EACCES, as mmap(2).
 */
int do_mmap(struct kernel *k, struct mm_struct *mm, struct file *f,
	    uint64_t off, uint64_t len, unsigned int vm_flags, uint64_t *addrp)
{
	struct vm_area_struct *vma;
	uint64_t npages;

	if (!len || off & (kpage_size(k) - 1))
		return -EINVAL;
	if ((vm_flags & VM_WRITE) && !(f->f_flags & FILE_WRITE))
		return -EACCES;
	npages = round_up_page(k, len) >> k->page_shift;
	if (npages > (1ULL << 32) || (off >> k->page_shift) + npages <
	    (off >> k->page_shift))
		return -ENOMEM;
	vma = calloc(1, sizeof(*vma));
	if (NEVER(!vma))
		abort();
	vma->id = ++k->next_vma_id;
	vma->vm_mm = mm;
	vma->vm_start = mm->next_addr;
	vma->vm_end = vma->vm_start + (npages << k->page_shift);
	vma->vm_pgoff = off >> k->page_shift;
	vma->vm_flags = vm_flags | VM_SHARED |
		((f->f_flags & FILE_WRITE) ? VM_MAYWRITE : 0);
	vma->mapping = f->inode->i_mapping;
	vma->vm_inode = f->inode;
	mm->next_addr = vma->vm_end + kpage_size(k);	/* guard gap */
	f->inode->i_count++;		/* vma->vm_file reference */
	vma_link(k, vma);
	*addrp = vma->vm_start;
	return 0;
}


/**
 * set_pte - install a PTE for @p at @addr in @vma (finish_fault).
 * Takes a page reference and a mapcount for a new PTE.
 */
void set_pte(struct kernel *k, struct vm_area_struct *vma, uint64_t addr,
	     struct page *p, pte_t flags)
{
	uint64_t vpn = addr >> k->page_shift;
	pte_t old = (pte_t)xa_load(&vma->vm_mm->ptes, vpn);

	if (!old) {
		get_page(p);
		p->mapcount++;
	} else if (pte_page(old) != p) {
		kernel_report(k, "rmap-complete", "PTE replaced by another page");
	}
	xa_store(&vma->vm_mm->ptes, vpn, (void *)((pte_t)p | flags));
	check_mark_pte(k, vma->vm_mm, vpn);
	check_mark_page(k, p);
}

/* zap one PTE: transfer its dirty bit and drop its references. */
static void zap_pte(struct kernel *k, struct mm_struct *mm, uint64_t vpn)
{
	pte_t pte = (pte_t)xa_erase(&mm->ptes, vpn);
	struct page *p = pte_page(pte);

	if (!pte)
		return;
	if (pte & PTE_DIRTY)
		folio_mark_dirty(k, p);
	p->mapcount--;
	check_mark_page(k, p);
	k->stats.ptes_zapped++;
	put_page(k, p);
}

/* Zap the PTEs of @vma that map file pages [first, last]. */
static void zap_vma_range(struct kernel *k, struct vm_area_struct *vma,
			  pgoff_t first, pgoff_t last)
{
	uint64_t vfirst, vlast, vpn;
	pgoff_t vma_last = vma->vm_pgoff + vma_pages(k, vma) - 1;
	void *e;

	if (first < vma->vm_pgoff)
		first = vma->vm_pgoff;
	if (last > vma_last)
		last = vma_last;
	if (first > last)
		return;
	vfirst = (vma->vm_start >> k->page_shift) + (first - vma->vm_pgoff);
	vlast = vfirst + (last - first);
	vpn = vfirst;
	while ((e = xa_find(&vma->vm_mm->ptes, &vpn, vlast, XA_PRESENT))) {
		zap_pte(k, vma->vm_mm, vpn);
		if (vpn == vlast)
			break;
		vpn++;
	}
}

/**
 * do_munmap - unmap [@addr, @addr + @len).  Whole VMAs only are removed;
 * a partial munmap of a VMA zaps its PTEs in the range (VMA splitting is not
 * modelled: xfs_io unmaps whole mappings).
 * Return: 0 or -EINVAL.
 */
int do_munmap(struct kernel *k, struct mm_struct *mm, uint64_t addr,
	      uint64_t len)
{
	struct vm_area_struct *vma, *n;
	uint64_t end = addr + round_up_page(k, len);

	if (addr & (kpage_size(k) - 1) || !len)
		return -EINVAL;
	list_for_each_entry_safe(vma, n, &mm->mmap, vma_list) {
		if (vma->vm_end <= addr || vma->vm_start >= end)
			continue;
		zap_vma_range(k, vma, vma->vm_pgoff,
			      vma->vm_pgoff + vma_pages(k, vma) - 1);
		if (addr > vma->vm_start || end < vma->vm_end)
			continue;
		itree_remove(&vma->mapping->i_mmap, &vma->shared);
		check_mark_vma(k, vma);
		list_del_init(&vma->vma_list);
		inode_release(k, vma->vm_inode);
		free(vma);
	}
	return 0;
}

/**
 * unmap_mapping_range - zap every PTE of every VMA of @m over file pages
 * [@first, @last].  Reaches exactly the VMAs in @m->i_mmap: a VMA of another
 * mapping is never touched (rmap-complete).
 *
 * Context: the caller holds i_mmap_rwsem or runs as one atomic step.
 */
void unmap_mapping_range(struct kernel *k, struct address_space *m,
			 pgoff_t first, pgoff_t last, bool even_cows)
{
	struct itree_node *n;

	(void)even_cows;	/* no private COW mappings are modelled */
	itree_for_each(n, &m->i_mmap, first, last) {
		struct vm_area_struct *vma =
			itree_entry(n, struct vm_area_struct, shared);

		zap_vma_range(k, vma, first, last);
	}
}

/**
 * owner_for_each_pte - call @fn for each PTE that maps @p at owner @o's
 * index: the VMAs of o->mapping's i_mmap that cover o->index, each at the
 * address of that index (page_vma_mapped_walk for one owner).
 * Return: true if @fn returned true, which stops the walk.
 */
bool owner_for_each_pte(struct kernel *k, const struct page_owner *o,
			const struct page *p, pte_fn fn, void *arg)
{
	struct itree_node *n;

	itree_for_each(n, &o->mapping->i_mmap, o->index, o->index) {
		struct vm_area_struct *vma =
			itree_entry(n, struct vm_area_struct, shared);
		uint64_t vpn = (vma->vm_start >> k->page_shift) +
			       (o->index - vma->vm_pgoff);
		pte_t pte = (pte_t)xa_load(&vma->vm_mm->ptes, vpn);

		if (pte && pte_page(pte) == p && fn(k, vma, vpn, pte, arg))
			return true;
	}
	return false;
}

struct mkclean_ctx {
	struct kernel *k;
	struct page *page;
};

/* Write-protect and clean one PTE, moving its dirty bit to the page. */
static bool mkclean_pte(struct kernel *k, struct vm_area_struct *vma,
			uint64_t vpn, pte_t pte, void *arg)
{
	(void)arg;
	if (pte & PTE_DIRTY)
		folio_mark_dirty(k, pte_page(pte));
	pte &= ~(PTE_WRITE | PTE_DIRTY);
	xa_store(&vma->vm_mm->ptes, vpn, (void *)pte);
	check_mark_pte(k, vma->vm_mm, vpn);
	return false;
}

/* Write-protect and clean the PTEs of one owner's VMAs mapping the page. */
static bool mkclean_owner(struct page_owner *o, void *arg)
{
	struct mkclean_ctx *c = arg;

	return owner_for_each_pte(c->k, o, c->page, mkclean_pte, NULL);
}

/**
 * folio_mkclean - write-protect every PTE of @p through the rmap and move
 * PTE dirty bits to the page (mm/rmap.c).  The next store faults into
 * page_mkwrite again.
 */
void folio_mkclean(struct kernel *k, struct page *p)
{
	struct mkclean_ctx c = { k, p };

	if (!p->mapcount)
		return;
	rmap_walk(k, p, mkclean_owner, &c);
}

bool folio_mapped(const struct page *p)
{
	return p->mapcount > 0;
}
