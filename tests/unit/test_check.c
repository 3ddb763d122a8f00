// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_check.c - every named invariant fires when its rule breaks.
 *
 * Scope: the checker (model/check.c) and the invariants reported elsewhere
 * ("cow-before-write" at bio submission, "deadlock" by the lock code and the
 * engine, "data" at reads and quiescent points).  Each test boots a kernel
 * and builds a real state through system calls (the fixture below), checks
 * that it is clean, breaks exactly one rule by poking one field or calling
 * one model function the wrong way, runs the check (or the operation) and
 * asserts that the first violation is named "<invariant>:".  The field is
 * then put back so that teardown is safe and leak free.
 *
 * Fixture: files a and b (4k pages).  a holds three pages of 0x61, is
 * fsync'ed, and b is a whole-file reflink of it, so a's blocks have
 * refcount 2.  a is mapped read-write, b read-only; through the mapping of a
 *   page 0 is stored to (dirty page, writable dirty PTE),
 *   page 1 is loaded    (clean page, read-only PTE),
 *   page 2 is left alone (clean, cached, unmapped).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/core.h"
#include "model/policy.h"

#define PAGE		4096ULL
#define NPAGES		3
#define IDX_DIRTY	0	/* dirty page, writable dirty PTE */
#define IDX_MAPPED	1	/* clean page, read-only PTE */
#define IDX_CACHED	2	/* clean page, not mapped */
#define FOREIGN_TASK	1000	/* a task id no proc has */

struct env {
	struct kernel *k;
	struct proc *p;
	struct inode *a, *b;
	int fa, fb;
	uint64_t addr_a, addr_b;
	uint64_t saved;		/* the value a breakage overwrote */
	struct page *page;	/* a page a breakage added */
};

/* ------------------------------------------------------------- helpers */

static int sys(struct env *e, struct sys_req req)
{
	struct sys_res res;

	return kernel_syscall(e->k, e->p, &req, &res);
}

static struct sys_res call(struct env *e, struct sys_req req)
{
	struct sys_res res;

	assert_int_equal(kernel_syscall(e->k, e->p, &req, &res), 0);
	assert_int_equal(res.err, 0);
	return res;
}

static int open_file(struct env *e, const char *name)
{
	return call(e, (struct sys_req){ .kind = SYS_OPEN, .name = name,
		    .flags = SYSF_CREAT }).fd;
}

static uint64_t mmap_file(struct env *e, int fd, unsigned int prot)
{
	return call(e, (struct sys_req){ .kind = SYS_MMAP, .fd = fd,
		    .len = NPAGES * PAGE, .flags = prot }).addr;
}

static struct page *page_of(struct env *e, pgoff_t index)
{
	struct page *p = filemap_get_page(e->a->i_mapping, index);

	assert_non_null(p);
	return p;
}

/* Virtual page number of page @index of a in its mapping. */
static uint64_t vpn_of(struct env *e, pgoff_t index)
{
	return (e->addr_a >> e->k->page_shift) + index;
}

static pte_t pte_of(struct env *e, pgoff_t index)
{
	return (pte_t)xa_load(&e->p->mm->ptes, vpn_of(e, index));
}

static void set_pte_raw(struct env *e, uint64_t vpn, pte_t pte)
{
	xa_store(&e->p->mm->ptes, vpn, (void *)pte);
}

static uint64_t block_of(struct env *e, pgoff_t index)
{
	struct bmap_irec irec;

	bmap_lookup(e->a->i_df, index, &irec);
	assert_int_equal(irec.br_state, EXT_WRITTEN);
	return irec.br_startblock;
}

static struct block *blk_of(struct env *e, pgoff_t index)
{
	return &e->k->bdev.blocks[block_of(e, index)];
}

/* A whole page of 0x7a: bytes the oracle never expects. */
static const struct content *garbage(struct env *e)
{
	return content_fill(e->k->pool, content_zero(e->k->pool), 0, PAGE,
			    0x7a);
}

/* ------------------------------------------------------------- fixture */

static void assert_clean(struct env *e)
{
	assert_int_equal(check_all(e->k), 0);
	assert_int_equal(check_blocks(e->k), 0);
	assert_null(kernel_violation(e->k));
}

/* The fixture's state is what the file comment says, and it is valid. */
static void assert_fixture(struct env *e)
{
	assert_true(page_test(page_of(e, IDX_DIRTY), PG_dirty));
	assert_int_equal(pte_of(e, IDX_DIRTY) & (PTE_WRITE | PTE_DIRTY),
			 PTE_WRITE | PTE_DIRTY);
	assert_false(page_test(page_of(e, IDX_MAPPED), PG_dirty));
	assert_int_equal(pte_of(e, IDX_MAPPED) & (PTE_WRITE | PTE_DIRTY), 0);
	assert_int_equal(page_of(e, IDX_CACHED)->mapcount, 0);
	assert_int_equal(blk_of(e, IDX_CACHED)->refcount, 2);
	assert_clean(e);
}

static struct env *env_new_mode(int check_mode)
{
	struct kconfig cfg = {
		.page_size = PAGE, .disk_size = 16 << 20,
		.io_latency = 100000, .policy = policy_lookup("none"),
		.check_mode = check_mode,
	};
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->k = kernel_new(&cfg);
	e->p = proc_new(e->k, "t");
	e->fa = open_file(e, "a");
	e->fb = open_file(e, "b");
	e->a = inode_lookup(e->k, "a");
	e->b = inode_lookup(e->k, "b");
	call(e, (struct sys_req){ .kind = SYS_PWRITE, .fd = e->fa,
	     .len = NPAGES * PAGE, .byte = 0x61 });
	call(e, (struct sys_req){ .kind = SYS_FSYNC, .fd = e->fa });
	call(e, (struct sys_req){ .kind = SYS_CLONE, .fd = e->fb,
	     .fd2 = e->fa });
	e->addr_a = mmap_file(e, e->fa, SYSF_PROT_READ | SYSF_PROT_WRITE);
	e->addr_b = mmap_file(e, e->fb, SYSF_PROT_READ);
	call(e, (struct sys_req){ .kind = SYS_MSTORE,
	     .addr = e->addr_a + IDX_DIRTY * PAGE, .len = PAGE, .byte = 0x62 });
	call(e, (struct sys_req){ .kind = SYS_MLOAD,
	     .addr = e->addr_a + IDX_MAPPED * PAGE, .len = PAGE });
	assert_fixture(e);
	return e;
}

static struct env *env_new(void)
{
	return env_new_mode(CHECK_AUTO);
}

static void env_free(struct env *e)
{
	proc_exit(e->k, e->p);
	kernel_free(e->k);
	free(e);
}

/* ------------------------------------------------ breakages and undos */

/* dirty-consistency */
static void dirty_untagged(struct env *e)
{
	xa_clear_mark(&e->a->i_mapping->i_pages, IDX_DIRTY, PAGECACHE_TAG_DIRTY);
}

static void dirty_untagged_undo(struct env *e)
{
	xa_set_mark(&e->a->i_mapping->i_pages, IDX_DIRTY, PAGECACHE_TAG_DIRTY);
}

static void clean_tagged(struct env *e)
{
	xa_set_mark(&e->a->i_mapping->i_pages, IDX_CACHED, PAGECACHE_TAG_DIRTY);
}

static void clean_tagged_undo(struct env *e)
{
	xa_clear_mark(&e->a->i_mapping->i_pages, IDX_CACHED, PAGECACHE_TAG_DIRTY);
}

static void writeback_untagged(struct env *e)
{
	page_set(e->k, page_of(e, IDX_CACHED), PG_writeback);
}

static void writeback_untagged_undo(struct env *e)
{
	page_clear(e->k, page_of(e, IDX_CACHED), PG_writeback);
}

/* The mapped dirty page goes under writeback with its PTE still writable. */
static void writeback_writable_pte(struct env *e)
{
	struct page *p = page_of(e, IDX_DIRTY);

	page_set(e->k, p, PG_writeback);
	xa_set_mark(&e->a->i_mapping->i_pages, IDX_DIRTY, PAGECACHE_TAG_WRITEBACK);
}

static void writeback_writable_pte_undo(struct env *e)
{
	page_clear(e->k, page_of(e, IDX_DIRTY), PG_writeback);
	xa_clear_mark(&e->a->i_mapping->i_pages, IDX_DIRTY,
		      PAGECACHE_TAG_WRITEBACK);
}

/* PTE edits remember the old PTE of the page they touch in e->saved. */
static void pte_edit(struct env *e, pgoff_t index, pte_t set, pte_t clear)
{
	e->saved = index;
	set_pte_raw(e, vpn_of(e, index), (pte_of(e, index) | set) & ~clear);
}

static void pte_edit_undo(struct env *e, pte_t set, pte_t clear)
{
	pte_t pte = pte_of(e, e->saved);

	set_pte_raw(e, vpn_of(e, e->saved), (pte & ~set) | clear);
}

static void clean_page_dirty_pte(struct env *e)
{
	pte_edit(e, IDX_MAPPED, PTE_WRITE | PTE_DIRTY, 0);
}

static void clean_page_dirty_pte_undo(struct env *e)
{
	pte_edit_undo(e, PTE_WRITE | PTE_DIRTY, 0);
}

static void dirty_readonly_pte(struct env *e)
{
	pte_edit(e, IDX_DIRTY, 0, PTE_WRITE);
}

static void dirty_readonly_pte_undo(struct env *e)
{
	pte_edit_undo(e, 0, PTE_WRITE);
}

/* index-consistent */
static void index_changed(struct env *e)
{
	page_of(e, IDX_CACHED)->index = 7;
}

static void index_changed_undo(struct env *e)
{
	filemap_get_page(e->a->i_mapping, IDX_CACHED)->index = IDX_CACHED;
}

/*
 * host-ambiguity: b at the same index becomes a second owner (in the
 * kernel's side table of extra owners, not in b's i_pages).
 */
static void add_owner(struct env *e, pgoff_t index)
{
	struct page *p = page_of(e, index);

	page_owner_add(e->k, p, e->b->i_mapping, index);
	assert_int_equal(p->nxowners, 1);
}

static void drop_owner(struct env *e, pgoff_t index)
{
	struct page *p = page_of(e, index);

	assert_true(page_owner_del(e->k, p, e->b->i_mapping, index));
	assert_int_equal(p->nxowners, 0);
}

static void dirty_two_owners(struct env *e)
{
	add_owner(e, IDX_DIRTY);
}

static void dirty_two_owners_undo(struct env *e)
{
	drop_owner(e, IDX_DIRTY);
}

/* A (valid) page under writeback that then gains a second owner. */
static void writeback_two_owners(struct env *e)
{
	folio_start_writeback(e->k, page_of(e, IDX_CACHED));
	assert_clean(e);
	add_owner(e, IDX_CACHED);
}

static void writeback_two_owners_undo(struct env *e)
{
	drop_owner(e, IDX_CACHED);
	folio_end_writeback(e->k, page_of(e, IDX_CACHED));
}

/* uptodate */
static void mapped_not_uptodate(struct env *e)
{
	page_clear(e->k, page_of(e, IDX_MAPPED), PG_uptodate);
}

static void mapped_not_uptodate_undo(struct env *e)
{
	page_set(e->k, page_of(e, IDX_MAPPED), PG_uptodate);
}

/* refcounts */
static void page_ref_lost(struct env *e)
{
	page_of(e, IDX_MAPPED)->refcount--;
}

static void page_ref_lost_undo(struct env *e)
{
	page_of(e, IDX_MAPPED)->refcount++;
}

/* mapcount and refcount both up, as for a PTE, but no PTE. */
static void mapcount_no_pte(struct env *e)
{
	struct page *p = page_of(e, IDX_CACHED);

	p->mapcount++;
	p->refcount++;
}

static void mapcount_no_pte_undo(struct env *e)
{
	struct page *p = page_of(e, IDX_CACHED);

	p->mapcount--;
	p->refcount--;
}

static void nrpages_wrong(struct env *e)
{
	e->a->i_mapping->nrpages++;
}

static void nrpages_wrong_undo(struct env *e)
{
	e->a->i_mapping->nrpages--;
}

/* The saved-memory metric's O(1) counter drifts from the sum it keeps. */
static void file_views_wrong(struct env *e)
{
	e->k->stats.file_views++;
}

static void file_views_wrong_undo(struct env *e)
{
	e->k->stats.file_views--;
}

static void block_ref_lost(struct env *e)
{
	blk_of(e, IDX_CACHED)->refcount--;
}

static void block_ref_lost_undo(struct env *e)
{
	blk_of(e, IDX_CACHED)->refcount++;
}

static struct block *last_block(struct env *e)
{
	return &e->k->bdev.blocks[e->k->bdev.nblocks - 1];
}

/* A free block marked used with no reference (refcount 0 = 0 refs). */
static void block_used_unreferenced(struct env *e)
{
	assert_int_equal(last_block(e)->state, BLK_FREE);
	last_block(e)->state = BLK_USED;
}

static void block_used_unreferenced_undo(struct env *e)
{
	last_block(e)->state = BLK_FREE;
}

/* rmap-complete: a PTE with consistent page references, at @vpn. */
static void stray_pte(struct env *e, uint64_t vpn, pgoff_t index)
{
	struct page *p = page_of(e, index);

	assert_null(xa_load(&e->p->mm->ptes, vpn));
	get_page(p);
	p->mapcount++;
	set_pte_raw(e, vpn, (pte_t)p | PTE_YOUNG);
	e->saved = vpn;
}

static void stray_pte_undo(struct env *e)
{
	struct page *p = pte_page((pte_t)xa_erase(&e->p->mm->ptes, e->saved));

	p->mapcount--;
	put_page(e->k, p);
}

/* b's VMA maps a's page: b's i_mmap reaches it, a's owner does not. */
static void pte_in_other_file(struct env *e)
{
	stray_pte(e, e->addr_b >> e->k->page_shift, IDX_CACHED);
}

/* a's own VMA maps page 1 at file index 2. */
static void pte_at_wrong_index(struct env *e)
{
	stray_pte(e, vpn_of(e, IDX_CACHED), IDX_MAPPED);
}

static struct vm_area_struct *vma_a(struct env *e)
{
	struct vm_area_struct *vma = find_vma(e->p->mm, e->addr_a);

	assert_non_null(vma);
	return vma;
}

static void vma_off_i_mmap(struct env *e)
{
	itree_remove(&e->a->i_mapping->i_mmap, &vma_a(e)->shared);
}

static void vma_off_i_mmap_undo(struct env *e)
{
	itree_insert(&e->a->i_mapping->i_mmap, &vma_a(e)->shared);
}

static void i_mmap_corrupt(struct env *e)
{
	e->a->i_mapping->i_mmap.count++;
}

static void i_mmap_corrupt_undo(struct env *e)
{
	e->a->i_mapping->i_mmap.count--;
}

/* set_pte() over a present PTE of another page reports by itself. */
static void pte_replaced(struct env *e)
{
	e->saved = pte_of(e, IDX_MAPPED);
	set_pte(e->k, vma_a(e), e->addr_a + IDX_MAPPED * PAGE,
		page_of(e, IDX_DIRTY), PTE_YOUNG);
}

static void pte_replaced_undo(struct env *e)
{
	set_pte_raw(e, vpn_of(e, IDX_MAPPED), e->saved);
}

/* eof */
static void page_past_eof(struct env *e)
{
	struct page *p = page_alloc(e->k, content_zero(e->k->pool));

	page_set(e->k, p, PG_uptodate);
	filemap_add_folio(e->k, e->a->i_mapping, p, NPAGES + 2);
	put_page(e->k, p);		/* the page cache keeps it */
	e->page = p;
}

static void page_past_eof_undo(struct env *e)
{
	filemap_remove_folio(e->k, e->page, e->a->i_mapping, NPAGES + 2);
}

static void size_below_page(struct env *e)
{
	e->a->i_size = IDX_CACHED * PAGE;
}

static void size_below_page_undo(struct env *e)
{
	e->a->i_size = NPAGES * PAGE;
}

/* cow-before-write: a direct write bio to a's block shared with b. */
static void write_shared_block(struct env *e)
{
	struct bio *bio = bio_alloc();

	*bio = (struct bio){ .io_count = 1, .write = true, .direct = true,
		.inode = e->a, .index = IDX_CACHED,
		.block = block_of(e, IDX_CACHED),
		.content = garbage(e), .end_off = NPAGES * PAGE };
	e->a->i_dio_count++;	/* dropped with the bio at teardown */
	submit_bio(e->k, bio);
}

/* deadlock */
static void lock_order_inversion(struct env *e)
{
	assert_true(down_write(e->k, &e->p->task,
			       &e->a->i_mapping->invalidate_lock));
	assert_true(down_write(e->k, &e->p->task, &e->a->i_rwsem));
}

static void lock_order_inversion_undo(struct env *e)
{
	up_write(e->k, &e->p->task, &e->a->i_rwsem);
	up_write(e->k, &e->p->task, &e->a->i_mapping->invalidate_lock);
}

static void i_rwsem_foreign(struct env *e)
{
	e->a->i_rwsem.writer = FOREIGN_TASK + 1;
}

static void i_rwsem_foreign_undo(struct env *e)
{
	e->a->i_rwsem.writer = 0;
}

/* data: the disk block or the cached page of a page of a gets garbage. */
static void corrupt_block(struct env *e)
{
	const struct content *c = garbage(e);

	bdev_write(e->k, block_of(e, IDX_CACHED), c);
	content_put(e->k->pool, c);
}

static void corrupt_page(struct env *e, pgoff_t index)
{
	page_set_content(e->k, page_of(e, index), garbage(e));
}

static void corrupt_mapped_page(struct env *e)
{
	corrupt_page(e, IDX_MAPPED);
}

static void corrupt_cached_page(struct env *e)
{
	corrupt_page(e, IDX_CACHED);
}

/* ------------------------------------------------------------ triggers */

static int trig_check_all(struct env *e)
{
	return check_all(e->k);
}

static int trig_check_blocks_full(struct env *e)
{
	return check_blocks_full(e->k);
}

static int trig_check_blocks(struct env *e)
{
	return check_blocks(e->k);
}

static int trig_pwrite(struct env *e)
{
	return sys(e, (struct sys_req){ .kind = SYS_PWRITE, .fd = e->fa,
		   .len = PAGE, .byte = 0x63 });
}

static int trig_pread(struct env *e)
{
	return sys(e, (struct sys_req){ .kind = SYS_PREAD, .fd = e->fa,
		   .off = IDX_CACHED * PAGE, .len = PAGE });
}

static int trig_drop_pread(struct env *e)
{
	call(e, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_null(filemap_get_page(e->a->i_mapping, IDX_CACHED));
	return trig_pread(e);
}

static int trig_mload(struct env *e)
{
	return sys(e, (struct sys_req){ .kind = SYS_MLOAD,
		   .addr = e->addr_a + IDX_MAPPED * PAGE, .len = PAGE });
}

static int trig_sync(struct env *e)
{
	return sys(e, (struct sys_req){ .kind = SYS_SYNC });
}

/*
 * Unmount needs a file system nobody uses (else EBUSY): unmap and close
 * everything first, as exit would.
 */
static void unmap_all(struct env *e)
{
	call(e, (struct sys_req){ .kind = SYS_MUNMAP, .addr = e->addr_a,
	     .len = NPAGES * PAGE });
	call(e, (struct sys_req){ .kind = SYS_MUNMAP, .addr = e->addr_b,
	     .len = NPAGES * PAGE });
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_CLOSE,
			      .fd = e->fa }).err, 0);
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_CLOSE,
			      .fd = e->fb }).err, 0);
}

static int trig_cycle_mount(struct env *e)
{
	unmap_all(e);
	return sys(e, (struct sys_req){ .kind = SYS_CYCLE_MOUNT });
}

static int trig_crash(struct env *e)
{
	unmap_all(e);
	return sys(e, (struct sys_req){ .kind = SYS_CRASH });
}

/* --------------------------------------------------------------- table */

/*
 * One breakage: @brk breaks the rule (and may itself report), @trigger
 * (NULL if @brk reports) must return -1 with the violation named @inv,
 * @undo (NULL: nothing to restore) makes teardown safe.
 */
struct breakage {
	const char *name;
	const char *inv;
	void (*brk)(struct env *e);
	int (*trigger)(struct env *e);
	void (*undo)(struct env *e);
};

#define B(n, inv, trig, undo) { #n, inv, n, trig, undo }

static const struct breakage breakages[] = {
	B(dirty_untagged, "dirty-consistency", trig_check_all,
	  dirty_untagged_undo),
	B(clean_tagged, "dirty-consistency", trig_check_all,
	  clean_tagged_undo),
	B(writeback_untagged, "dirty-consistency", trig_check_all,
	  writeback_untagged_undo),
	B(writeback_writable_pte, "dirty-consistency", trig_check_all,
	  writeback_writable_pte_undo),
	B(clean_page_dirty_pte, "dirty-consistency", trig_check_all,
	  clean_page_dirty_pte_undo),
	B(dirty_readonly_pte, "dirty-consistency", trig_check_all,
	  dirty_readonly_pte_undo),
	B(index_changed, "index-consistent", trig_check_all,
	  index_changed_undo),
	B(dirty_two_owners, "host-ambiguity", trig_check_all,
	  dirty_two_owners_undo),
	B(writeback_two_owners, "host-ambiguity", trig_check_all,
	  writeback_two_owners_undo),
	B(pte_in_other_file, "rmap-complete", trig_check_all, stray_pte_undo),
	B(pte_at_wrong_index, "rmap-complete", trig_check_all,
	  stray_pte_undo),
	B(vma_off_i_mmap, "rmap-complete", trig_check_all,
	  vma_off_i_mmap_undo),
	B(i_mmap_corrupt, "rmap-complete", trig_check_all,
	  i_mmap_corrupt_undo),
	B(pte_replaced, "rmap-complete", NULL, pte_replaced_undo),
	B(page_ref_lost, "refcounts", trig_check_all, page_ref_lost_undo),
	B(mapcount_no_pte, "refcounts", trig_check_all, mapcount_no_pte_undo),
	B(nrpages_wrong, "refcounts", trig_check_all, nrpages_wrong_undo),
	B(file_views_wrong, "refcounts", trig_check_all,
	  file_views_wrong_undo),
	B(block_ref_lost, "refcounts", trig_check_blocks,
	  block_ref_lost_undo),
	B(block_used_unreferenced, "refcounts", trig_check_blocks_full,
	  block_used_unreferenced_undo),
	B(page_past_eof, "eof", trig_check_all, page_past_eof_undo),
	B(size_below_page, "eof", trig_check_all, size_below_page_undo),
	B(mapped_not_uptodate, "uptodate", trig_check_all,
	  mapped_not_uptodate_undo),
	B(write_shared_block, "cow-before-write", NULL, NULL),
	B(lock_order_inversion, "deadlock", NULL, lock_order_inversion_undo),
	B(i_rwsem_foreign, "deadlock", trig_pwrite, i_rwsem_foreign_undo),
	{ "corrupt_block_read", "data", corrupt_block, trig_drop_pread, NULL },
	{ "corrupt_block_sync", "data", corrupt_block, trig_sync, NULL },
	{ "corrupt_block_cycle_mount", "data", corrupt_block,
	  trig_cycle_mount, NULL },
	{ "corrupt_block_crash", "data", corrupt_block, trig_crash, NULL },
	{ "corrupt_page_mload", "data", corrupt_mapped_page, trig_mload,
	  NULL },
	{ "corrupt_page_pread", "data", corrupt_cached_page, trig_pread,
	  NULL },
};

#define NBREAKAGES (sizeof(breakages) / sizeof(breakages[0]))

static void assert_violation(const struct kernel *k, const char *inv)
{
	const char *v = kernel_violation(k);
	size_t n = strlen(inv);

	if (!v)
		fail_msg("%s did not fire", inv);
	if (strncmp(v, inv, n) || v[n] != ':')
		fail_msg("expected \"%s:\", got: %s", inv, v);
}

static void test_breakage(void **state)
{
	const struct breakage *b = *state;
	struct env *e = env_new();

	b->brk(e);
	if (b->trigger) {
		assert_null(kernel_violation(e->k));
		assert_int_equal(b->trigger(e), -1);
	}
	assert_violation(e->k, b->inv);
	if (b->undo)
		b->undo(e);
	env_free(e);
}

/* The fixture alone, run further, stays clean (no false positives). */
static void test_fixture_clean(void **state)
{
	struct env *e = env_new();

	call(e, (struct sys_req){ .kind = SYS_SYNC });
	call(e, (struct sys_req){ .kind = SYS_READ_MD5, .fd = e->fa });
	unmap_all(e);
	assert_int_equal(call(e, (struct sys_req){
		.kind = SYS_CYCLE_MOUNT }).err, 0);
	assert_clean(e);
	env_free(e);
}

/*
 * refcounts at the end of a run: a page reference nobody drops is a leak
 * that kernel_check_final() names.
 */
static void test_leak_at_end(void **state)
{
	struct kconfig cfg = { .page_size = 4096, .disk_size = 16 << 20,
			       .io_latency = 1000 };
	struct kernel *k = kernel_new(&cfg);
	struct proc *p = proc_new(k, "t");
	struct sys_res res;
	struct sys_req open = { .kind = SYS_OPEN, .name = "f",
				.flags = SYSF_CREAT };
	struct page *pg;

	assert_int_equal(kernel_syscall(k, p, &open, &res), 0);
	assert_int_equal(kernel_syscall(k, p, &(struct sys_req){
		.kind = SYS_PWRITE, .fd = res.fd, .len = 4096, .byte = 1 },
		&res), 0);
	proc_exit(k, p);
	assert_int_equal(kernel_check_final(k), 0);
	pg = filemap_get_page(&kernel_inode(k, 1)->i_data, 0);
	get_page(pg);
	assert_int_equal(kernel_check_final(k), -1);
	assert_violation(k, "refcounts");
	put_page(k, pg);
	kernel_free(k);
}

/* ------------------------------------------------- incremental checks */

/*
 * The same rules through check_touched() (model/check.c), which looks only
 * at the objects in the check queue.  @touch notes what the breakage
 * changed as the model's mutation point for that field would
 * (model/checkq.c); NULL when the breakage went through one that notes it
 * itself (page_set, filemap_add_folio, ...).  Not here, because only a
 * sweep sees them: file_views_wrong (a counter against its sum) and
 * block_ref_lost (refcounts against extent references).
 */
struct inc_breakage {
	const char *name;
	const char *inv;
	void (*brk)(struct env *e);
	void (*touch)(struct env *e);
	void (*undo)(struct env *e);
};

static void touch_slot(struct env *e, pgoff_t index)
{
	check_mark_slot(e->k, e->a->i_mapping, index);
}

static void touch_dirty_slot(struct env *e)
{
	touch_slot(e, IDX_DIRTY);
}

static void touch_cached_slot(struct env *e)
{
	touch_slot(e, IDX_CACHED);
}

static void touch_cached_page(struct env *e)
{
	check_mark_page(e->k, page_of(e, IDX_CACHED));
}

static void touch_dirty_page(struct env *e)
{
	check_mark_page(e->k, page_of(e, IDX_DIRTY));
}

static void touch_mapped_page(struct env *e)
{
	check_mark_page(e->k, page_of(e, IDX_MAPPED));
}

/* The PTE a PTE edit or a stray PTE changed (its vpn is in e->saved). */
static void touch_edited_pte(struct env *e)
{
	check_mark_pte(e->k, e->p->mm, vpn_of(e, e->saved));
}

static void touch_stray_pte(struct env *e)
{
	check_mark_pte(e->k, e->p->mm, e->saved);
}

static void touch_vma_a(struct env *e)
{
	check_mark_vma(e->k, vma_a(e));
}

static void touch_inode_a(struct env *e)
{
	check_mark_inode(e->k, e->a);
}

static void touch_immap_a(struct env *e)
{
	check_mark_immap(e->k, e->a->i_mapping);
}

static void touch_last_block(struct env *e)
{
	check_mark_block(e->k, e->k->bdev.nblocks - 1);
}

#define I(n, inv, touch, undo) { #n, inv, n, touch, undo }

static const struct inc_breakage inc_breakages[] = {
	I(dirty_untagged, "dirty-consistency", touch_dirty_slot,
	  dirty_untagged_undo),
	I(clean_tagged, "dirty-consistency", touch_cached_slot,
	  clean_tagged_undo),
	I(writeback_untagged, "dirty-consistency", NULL,
	  writeback_untagged_undo),
	I(writeback_writable_pte, "dirty-consistency", NULL,
	  writeback_writable_pte_undo),
	I(clean_page_dirty_pte, "dirty-consistency", touch_edited_pte,
	  clean_page_dirty_pte_undo),
	I(dirty_readonly_pte, "dirty-consistency", touch_edited_pte,
	  dirty_readonly_pte_undo),
	I(index_changed, "index-consistent", touch_cached_slot,
	  index_changed_undo),
	I(dirty_two_owners, "host-ambiguity", touch_dirty_page,
	  dirty_two_owners_undo),
	I(writeback_two_owners, "host-ambiguity", touch_cached_page,
	  writeback_two_owners_undo),
	I(pte_in_other_file, "rmap-complete", touch_stray_pte,
	  stray_pte_undo),
	I(pte_at_wrong_index, "rmap-complete", touch_stray_pte,
	  stray_pte_undo),
	I(vma_off_i_mmap, "rmap-complete", touch_vma_a, vma_off_i_mmap_undo),
	I(i_mmap_corrupt, "rmap-complete", touch_immap_a,
	  i_mmap_corrupt_undo),
	I(page_ref_lost, "refcounts", touch_mapped_page, page_ref_lost_undo),
	I(mapcount_no_pte, "refcounts", touch_cached_page,
	  mapcount_no_pte_undo),
	I(nrpages_wrong, "refcounts", touch_inode_a, nrpages_wrong_undo),
	I(block_used_unreferenced, "refcounts", touch_last_block,
	  block_used_unreferenced_undo),
	I(page_past_eof, "eof", NULL, page_past_eof_undo),
	I(size_below_page, "eof", touch_inode_a, size_below_page_undo),
	I(mapped_not_uptodate, "uptodate", NULL, mapped_not_uptodate_undo),
};

#define NINC (sizeof(inc_breakages) / sizeof(inc_breakages[0]))

/* Every page, slot, PTE and block of the fixture, in the queue. */
static void touch_everything(struct env *e)
{
	pgoff_t i;

	for (i = 0; i < NPAGES; i++) {
		touch_slot(e, i);
		check_mark_page(e->k, page_of(e, i));
		check_mark_pte(e->k, e->p->mm, vpn_of(e, i));
		check_mark_block(e->k, block_of(e, i));
	}
	check_mark_vma(e->k, vma_a(e));
	check_mark_inode(e->k, e->b);
}

static void test_incremental(void **state)
{
	const struct inc_breakage *b = *state;
	struct env *e = env_new();

	checkq_clear(e->k);
	b->brk(e);
	if (b->touch)
		b->touch(e);
	assert_int_equal(check_touched(e->k), -1);
	assert_violation(e->k, b->inv);
	b->undo(e);
	env_free(e);
}

/* Nothing in the queue broken: no false positive, and the queue empties. */
static void test_incremental_clean(void **state)
{
	struct env *e = env_new();

	touch_everything(e);
	assert_int_not_equal(e->k->chkq.len, 0);
	assert_int_equal(check_touched(e->k), 0);
	assert_int_equal(e->k->chkq.len, 0);
	assert_int_equal(page_of(e, IDX_DIRTY)->check_slot, 0);
	assert_null(kernel_violation(e->k));
	env_free(e);
}

/* It is incremental: a broken object nobody touched is the sweep's. */
static void test_incremental_untouched(void **state)
{
	struct env *e = env_new();

	checkq_clear(e->k);
	dirty_untagged(e);
	touch_cached_slot(e);
	assert_int_equal(check_touched(e->k), 0);
	assert_int_equal(check_all(e->k), -1);
	assert_violation(e->k, "dirty-consistency");
	dirty_untagged_undo(e);
	env_free(e);
}

/* A freed page leaves the queue (no use after free at the next check). */
static void test_incremental_freed_page(void **state)
{
	struct env *e = env_new();
	struct page *p = page_alloc(e->k, content_zero(e->k->pool));

	checkq_clear(e->k);
	check_mark_page(e->k, p);
	assert_int_equal(p->check_slot, 1);
	put_page(e->k, p);
	assert_int_equal(check_touched(e->k), 0);
	env_free(e);
}

/* A read of page @index of a: one step with the fixture's page touched. */
static int trig_mload_at(struct env *e, pgoff_t index)
{
	return sys(e, (struct sys_req){ .kind = SYS_MLOAD,
		   .addr = e->addr_a + index * PAGE, .len = PAGE });
}

/*
 * Under --check incremental a touched object that breaks a rule makes the
 * full sweep run and name the violation as a sweep after every step would:
 * a stray PTE noticed through its page's mapcount only (the incremental
 * check alone says "refcounts") is the sweep's "rmap-complete".
 */
static void test_incremental_named_by_sweep(void **state)
{
	struct env *e = env_new_mode(CHECK_INCREMENTAL);

	pte_in_other_file(e);
	touch_cached_page(e);
	assert_int_equal(check_touched(e->k), -1);
	assert_violation(e->k, "refcounts");
	stray_pte_undo(e);
	env_free(e);

	e = env_new_mode(CHECK_INCREMENTAL);
	pte_in_other_file(e);
	touch_cached_page(e);
	assert_int_equal(trig_mload_at(e, IDX_MAPPED), -1);
	assert_violation(e->k, "rmap-complete");
	stray_pte_undo(e);
	env_free(e);
}

/* A write of page @index of a. */
static int trig_write_at(struct env *e, pgoff_t index)
{
	return sys(e, (struct sys_req){ .kind = SYS_PWRITE, .fd = e->fa,
		   .off = index * PAGE, .len = PAGE, .byte = 0x64 });
}

/*
 * A step that touches more objects than the queue can number overflows
 * it: the check after it is a full sweep, which finds what no mark
 * named (here a dirty page without its tag, broken behind the queue's
 * back and never marked).
 */
static void test_incremental_overflow(void **state)
{
	struct env *e = env_new_mode(CHECK_INCREMENTAL);

	checkq_clear(e->k);
	dirty_untagged(e);		/* not noted */
	e->k->chkq.limit = 1;		/* a write marks page, slot, inode */
	assert_int_equal(trig_write_at(e, IDX_CACHED), -1);
	assert_violation(e->k, "dirty-consistency");
	dirty_untagged_undo(e);
	env_free(e);

	/* the same write without overflow: the probe sees only its marks */
	e = env_new_mode(CHECK_INCREMENTAL);
	checkq_clear(e->k);
	dirty_untagged(e);
	assert_int_equal(trig_write_at(e, IDX_CACHED), 0);
	assert_null(kernel_violation(e->k));
	dirty_untagged_undo(e);
	env_free(e);
}

/*
 * --check verify: a change no mutation point noted, which the sweep finds
 * at the next step, is the checker's own bug: "check-incomplete".
 */
static void test_verify_incomplete(void **state)
{
	struct env *e = env_new_mode(CHECK_VERIFY);

	assert_int_equal(trig_mload_at(e, IDX_MAPPED), 0);
	dirty_untagged(e);		/* not noted */
	assert_int_equal(trig_mload_at(e, IDX_MAPPED), -1);
	assert_violation(e->k, "check-incomplete");
	assert_non_null(strstr(kernel_violation(e->k), "dirty-consistency"));
	dirty_untagged_undo(e);
	env_free(e);

	e = env_new_mode(CHECK_VERIFY);	/* noted: the checks agree */
	dirty_untagged(e);
	touch_dirty_slot(e);
	assert_int_equal(trig_mload_at(e, IDX_MAPPED), -1);
	assert_violation(e->k, "dirty-consistency");
	dirty_untagged_undo(e);
	env_free(e);
}

/*
 * A file nobody mapped (empty i_mmap): the sweep and the probe skip its
 * pages' rmap walks, which would count no PTE - but not a page whose
 * mapcount says it is mapped all the same.
 */
static void test_mapcount_unmapped_file(void **state)
{
	struct env *e = env_new();
	int fc = open_file(e, "c");
	struct inode *c = inode_lookup(e->k, "c");
	struct page *p;

	call(e, (struct sys_req){ .kind = SYS_PWRITE, .fd = fc, .len = PAGE,
	     .byte = 0x63 });
	p = filemap_get_page(c->i_mapping, 0);
	assert_non_null(p);
	assert_true(itree_empty(&c->i_mapping->i_mmap));
	assert_clean(e);
	p->mapcount++;
	p->refcount++;
	assert_int_equal(check_all(e->k), -1);
	assert_violation(e->k, "refcounts");
	assert_non_null(strstr(kernel_violation(e->k), "but 0 PTEs"));
	p->mapcount--;
	p->refcount--;
	env_free(e);

	e = env_new_mode(CHECK_INCREMENTAL);	/* the probe of the page */
	fc = open_file(e, "c");
	c = inode_lookup(e->k, "c");
	call(e, (struct sys_req){ .kind = SYS_PWRITE, .fd = fc, .len = PAGE,
	     .byte = 0x63 });
	p = filemap_get_page(c->i_mapping, 0);
	checkq_clear(e->k);
	p->mapcount++;
	p->refcount++;
	check_mark_page(e->k, p);
	assert_int_equal(check_touched(e->k), -1);
	assert_violation(e->k, "refcounts");
	p->mapcount--;
	p->refcount--;
	env_free(e);
}

/*
 * A DIRTY tag that outlived PG_dirty beyond EOF (the one exception of
 * dirty-consistency) breaks the rule again when i_size moves past the
 * page: i_size_write() queues the slots between the old and the new EOF,
 * one page (@npages 2) or several.
 */
static void eof_exception_revived(unsigned int npages)
{
	struct env *e = env_new_mode(CHECK_INCREMENTAL);
	int fc = open_file(e, "c");
	struct inode *c = inode_lookup(e->k, "c");
	unsigned int i;

	call(e, (struct sys_req){ .kind = SYS_PWRITE, .fd = fc,
	     .len = npages * PAGE, .byte = 0x63 });
	c->i_rwsem.readers++;		/* a truncate in progress: no eof */
	i_size_write(e->k, c, PAGE);
	for (i = 1; i < npages; i++)	/* written back racing truncate */
		page_clear(e->k, filemap_get_page(c->i_mapping, i), PG_dirty);
	assert_int_equal(check_all(e->k), 0);
	checkq_clear(e->k);
	i_size_write(e->k, c, npages * PAGE);
	assert_int_equal(check_touched(e->k), -1);
	assert_violation(e->k, "dirty-consistency");
	for (i = 1; i < npages; i++)
		page_set(e->k, filemap_get_page(c->i_mapping, i), PG_dirty);
	c->i_rwsem.readers--;
	env_free(e);
}

static void test_eof_exception_revived(void **state)
{
	eof_exception_revived(2);
	eof_exception_revived(4);
}

/* `set check-mode` names. */
static void test_check_mode_names(void **state)
{
	int m;

	for (m = CHECK_AUTO; m <= CHECK_VERIFY; m++)
		assert_int_equal(check_mode_parse(check_mode_name(m)), m);
	assert_int_equal(check_mode_parse("sometimes"), -1);
	assert_null(check_mode_name(CHECK_VERIFY + 1));
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_fixture_clean),
		cmocka_unit_test(test_leak_at_end),
		cmocka_unit_test(test_incremental_clean),
		cmocka_unit_test(test_incremental_untouched),
		cmocka_unit_test(test_incremental_overflow),
		cmocka_unit_test(test_incremental_freed_page),
		cmocka_unit_test(test_incremental_named_by_sweep),
		cmocka_unit_test(test_verify_incomplete),
		cmocka_unit_test(test_mapcount_unmapped_file),
		cmocka_unit_test(test_eof_exception_revived),
		cmocka_unit_test(test_check_mode_names),
	};
	enum { NFIXED = sizeof(fixed) / sizeof(fixed[0]) };
	struct CMUnitTest tests[NFIXED + NBREAKAGES + NINC];
	static char inc_names[NINC][64];
	size_t i, n = 0;

	for (i = 0; i < NFIXED; i++)
		tests[n++] = fixed[i];
	for (i = 0; i < NBREAKAGES; i++)
		tests[n++] = (struct CMUnitTest){
			.name = breakages[i].name,
			.test_func = test_breakage,
			.initial_state = (void *)&breakages[i],
		};
	for (i = 0; i < NINC; i++) {
		snprintf(inc_names[i], sizeof(inc_names[i]), "incremental/%s",
			 inc_breakages[i].name);
		tests[n++] = (struct CMUnitTest){
			.name = inc_names[i],
			.test_func = test_incremental,
			.initial_state = (void *)&inc_breakages[i],
		};
	}
	return _cmocka_run_group_tests("test_check", tests, n, NULL, NULL);
}
