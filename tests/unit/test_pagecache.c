// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_pagecache.c - unit tests of the page cache (model/
 * pagecache.c) and of the PTE side of it (model/mm.c).
 *
 * Scope: page flags and i_pages tags across buffered write, writeback and
 * the direct flag transitions of mm/page-writeback.c; data fork and COW fork
 * extents and block refcounts across fsync, reflink and a write to the
 * clone; PTEs, mapcount and folio_mkclean across mmap, store, fsync and
 * munmap; truncate of pages and PTEs beyond EOF and of the EOF page tail;
 * drop_caches, cycle_mount and crash; the extra owners of a shared page
 * (kernel->xowners) as owners come and go.
 *
 * Every test boots a fresh 64 MiB kernel with the mainline policy and one
 * process (the fixture), and ends by checking that no invariant fired.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/core.h"
#include "model/policy.h"
#include "tests/unit/sysenv.h"

#define PSZ	4096ULL
#define PG(f)	(1UL << (f))
#define PG_STATE_MASK \
	(PG(PG_locked) | PG(PG_uptodate) | PG(PG_dirty) | PG(PG_writeback) | \
	 PG(PG_lru))
#define PG_CLEAN	(PG(PG_uptodate) | PG(PG_lru))
#define PG_DIRTY	(PG_CLEAN | PG(PG_dirty))

struct env {
	struct kernel *k;
	struct proc *p;
};

static int setup(void **state)
{
	struct kconfig cfg = {
		.page_size = PSZ, .disk_size = 64 << 20,
		.io_latency = 100000, .policy = policy_lookup("none"),
	};
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	e->k = kernel_new(&cfg);
	e->p = proc_new(e->k, "t");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	int ret = sys_teardown(e->k, e->p);

	free(e);
	return ret;
}

/* ---- system calls */

static struct sys_res call(struct env *e, struct sys_req req)
{
	struct sys_res res;

	assert_int_equal(kernel_syscall(e->k, e->p, &req, &res), 0);
	return res;
}

/* A call on @fd (or none) that must succeed. */
static void call_ok(struct env *e, enum sys_kind kind, int fd)
{
	assert_int_equal(call(e, (struct sys_req){ .kind = kind, .fd = fd })
			 .err, 0);
}

static int open_(struct env *e, const char *name)
{
	struct sys_res r = call(e, (struct sys_req){ .kind = SYS_OPEN,
		.name = name, .flags = SYSF_CREAT });

	assert_int_equal(r.err, 0);
	return r.fd;
}

static void pwrite_(struct env *e, int fd, uint64_t off, uint64_t len,
		    uint8_t byte)
{
	struct sys_res r = call(e, (struct sys_req){ .kind = SYS_PWRITE,
		.fd = fd, .off = off, .len = len, .byte = byte });

	assert_int_equal(r.err, 0);
	assert_int_equal(r.done, len);
}

/* pwrite then fsync: clean, written pages. */
static void pwrite_sync(struct env *e, int fd, uint64_t off, uint64_t len,
			uint8_t byte)
{
	pwrite_(e, fd, off, len, byte);
	call_ok(e, SYS_FSYNC, fd);
}

/* FICLONE of all of @src into @dst. */
static void clone_(struct env *e, int dst, int src)
{
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_CLONE,
		.fd = dst, .fd2 = src }).err, 0);
}

static uint64_t mmap_(struct env *e, int fd, uint64_t len)
{
	struct sys_res r = call(e, (struct sys_req){ .kind = SYS_MMAP,
		.fd = fd, .len = len,
		.flags = SYSF_PROT_READ | SYSF_PROT_WRITE });

	assert_int_equal(r.err, 0);
	return r.addr;
}

/* A store (@write) or load of [addr, addr + len) that must not fault out. */
static void maccess(struct env *e, bool write, uint64_t addr, uint64_t len,
		    uint8_t byte)
{
	struct sys_res r = call(e, (struct sys_req){
		.kind = write ? SYS_MSTORE : SYS_MLOAD, .addr = addr,
		.len = len, .byte = byte });

	assert_false(r.sigbus);
	assert_false(r.sigsegv);
}

static void ftruncate_(struct env *e, int fd, uint64_t size)
{
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_FTRUNCATE,
		.fd = fd, .off = size }).err, 0);
}

/* ---- state accessors */

static struct inode *ino(struct env *e, int fd)
{
	return e->p->files[fd]->inode;
}

static struct page *page_at(struct inode *inode, pgoff_t index)
{
	return filemap_get_page(inode->i_mapping, index);
}

static void assert_page(struct inode *inode, pgoff_t index,
			unsigned long flags)
{
	struct page *p = page_at(inode, index);

	assert_non_null(p);
	assert_int_equal(p->flags & PG_STATE_MASK, flags);
	assert_ptr_equal(p->mapping, inode->i_mapping);
	assert_int_equal(p->index, index);
}

/* The three i_pages marks of @index, as a bit mask of the XA_MARK_ numbers. */
static unsigned int tags_at(struct inode *inode, pgoff_t index)
{
	const struct xarray *xa = &inode->i_mapping->i_pages;

	return xa_get_mark(xa, index, PAGECACHE_TAG_DIRTY) << 0 |
	       xa_get_mark(xa, index, PAGECACHE_TAG_WRITEBACK) << 1 |
	       xa_get_mark(xa, index, PAGECACHE_TAG_TOWRITE) << 2;
}

#define TAG_DIRTY	1u
#define TAG_WB		2u
#define TAG_TOWRITE	4u

/* Block of a written extent at @fsb of @fork; fails on any other state. */
static uint64_t written_block(const struct bmap *fork, uint64_t fsb)
{
	struct bmap_irec irec;

	bmap_lookup(fork, fsb, &irec);
	assert_int_equal(irec.br_state, EXT_WRITTEN);
	return irec.br_startblock + (fsb - irec.br_startoff);
}

static enum ext_state ext_at(const struct bmap *fork, uint64_t fsb)
{
	struct bmap_irec irec;

	bmap_lookup(fork, fsb, &irec);
	return irec.br_state;
}

static uint32_t block_refs(struct env *e, uint64_t block)
{
	return e->k->bdev.blocks[block].refcount;
}

/* [off, off + len) of @c holds @byte. */
static void assert_bytes(const struct content *c, uint32_t off, uint32_t len,
			 uint8_t byte)
{
	assert_true(content_range_is(c, off, len, byte));
	assert_int_equal(content_byte_at(c, off), byte);
	assert_int_equal(content_byte_at(c, off + len - 1), byte);
}

static pte_t pte_at(struct env *e, uint64_t addr)
{
	return (pte_t)xa_load(&e->p->mm->ptes, addr >> e->k->page_shift);
}

/* ---- buffered write and writeback */

static void test_write_dirties_page(void **state)
{
	struct env *e = *state;
	int fd = open_(e, "a");
	struct inode *inode = ino(e, fd);
	struct page *p;

	pwrite_(e, fd, 10, 100, 0x61);
	assert_page(inode, 0, PG_DIRTY);
	assert_int_equal(tags_at(inode, 0), TAG_DIRTY);
	p = page_at(inode, 0);
	assert_int_equal(p->refcount, 1);	/* the page cache's only */
	assert_int_equal(p->mapcount, 0);
	assert_bytes(p->content, 0, 10, 0);
	assert_bytes(p->content, 10, 100, 0x61);
	assert_bytes(p->content, 110, PSZ - 110, 0);
	assert_int_equal(inode->i_size, 110);
	assert_int_equal(inode->i_disk_size, 0);
	assert_int_equal(inode->i_mapping->nrpages, 1);
	assert_int_equal(e->k->stats.nr_cached, 1);
	assert_int_equal(ext_at(inode->i_df, 0), EXT_DELALLOC);
	assert_int_equal(e->k->bdev.reserved, 1);
}

static void test_fsync_cleans_and_allocates(void **state)
{
	struct env *e = *state;
	int fd = open_(e, "a");
	struct inode *inode = ino(e, fd);
	uint64_t block, nfree = e->k->bdev.nfree;

	pwrite_sync(e, fd, 0, 6000, 0x61);
	assert_page(inode, 0, PG_CLEAN);
	assert_page(inode, 1, PG_CLEAN);
	assert_int_equal(tags_at(inode, 0), 0);
	assert_int_equal(tags_at(inode, 1), 0);
	block = written_block(inode->i_df, 0);
	assert_int_equal(written_block(inode->i_df, 1), block + 1);
	assert_int_equal(block_refs(e, block), 1);
	assert_int_equal(e->k->bdev.reserved, 0);
	assert_int_equal(e->k->bdev.nfree, nfree - 2);
	assert_bytes(bdev_read(e->k, block), 0, PSZ, 0x61);
	/* iomap_writepage_handle_eof: the EOF block tail is written zeroed */
	assert_bytes(bdev_read(e->k, block + 1), 0, 6000 - PSZ, 0x61);
	assert_bytes(bdev_read(e->k, block + 1), 6000 - PSZ, 2 * PSZ - 6000,
		     0);
	assert_int_equal(inode->i_disk_size, 6000);
	assert_int_equal(inode->p_size, 6000);	/* the log was forced */
	/* one ioend: the two pages follow each other in file and on disk */
	assert_int_equal(e->k->stats.wb_ios, 1);
	assert_int_equal(e->k->stats.wb_bytes, 2 * PSZ);
}

/* The flag and tag steps of mm/page-writeback.c, called directly. */
static void test_flag_transitions(void **state)
{
	struct env *e = *state;
	struct inode *inode = inode_new(e->k);
	struct address_space *m = inode->i_mapping;
	struct page *p = page_alloc(e->k, content_zero(e->k->pool));

	filemap_add_folio(e->k, m, p, 3);
	assert_int_equal(p->refcount, 2);
	assert_ptr_equal(page_at(inode, 3), p);
	assert_int_equal(p->flags & PG_STATE_MASK, PG(PG_lru));
	assert_ptr_equal(e->k->lru.prev, &p->lru);
	assert_int_equal(e->k->stats.nr_cached, 1);
	inode->log_dirty = false;
	folio_mark_dirty(e->k, p);
	assert_true(page_test(p, PG_dirty));
	assert_int_equal(tags_at(inode, 3), TAG_DIRTY);
	assert_true(inode->log_dirty);
	xa_set_mark(&m->i_pages, 3, PAGECACHE_TAG_TOWRITE);
	assert_true(folio_clear_dirty_for_io(e->k, p));
	assert_false(page_test(p, PG_dirty));
	/* the DIRTY tag stays until writeback starts, as in the kernel */
	assert_int_equal(tags_at(inode, 3), TAG_DIRTY | TAG_TOWRITE);
	folio_start_writeback(e->k, p);
	assert_true(page_test(p, PG_writeback));
	assert_int_equal(tags_at(inode, 3), TAG_WB);
	folio_end_writeback(e->k, p);
	assert_int_equal(p->flags & PG_STATE_MASK, PG(PG_lru));
	assert_int_equal(tags_at(inode, 3), 0);
	assert_false(folio_clear_dirty_for_io(e->k, p));
	filemap_remove_folio(e->k, p, m, 3);
	assert_null(p->mapping);
	assert_null(page_at(inode, 3));
	assert_int_equal(m->nrpages, 0);
	assert_int_equal(e->k->stats.nr_cached, 0);
	assert_int_equal(e->k->stats.peak_cached, 1);
	assert_int_equal(p->refcount, 1);
	put_page(e->k, p);
	assert_int_equal(e->k->nr_pages_alloc, 0);
}

/* Disk content as a read miss sees it: holes zero, the EOF tail zeroed. */
static void test_read_file_page(void **state)
{
	struct env *e = *state;
	struct content_pool *pool = e->k->pool;
	int fd = open_(e, "a");
	struct inode *inode = ino(e, fd);
	const struct content *c, *saved, *junk;
	uint64_t block;

	pwrite_sync(e, fd, 2 * PSZ, 1000, 0x61);
	block = written_block(inode->i_df, 2);
	saved = content_get(bdev_read(e->k, block));
	junk = content_fill(pool, content_zero(pool), 0, PSZ, 0x7a);
	bdev_write(e->k, block, junk);		/* bytes past EOF on disk */
	content_put(pool, junk);

	c = read_file_page(e->k, inode, 0);	/* hole */
	assert_ptr_equal(c, content_zero(pool));
	content_put(pool, c);
	c = read_file_page(e->k, inode, 2);
	assert_bytes(c, 0, 1000, 0x7a);
	assert_bytes(c, 1000, PSZ - 1000, 0);
	content_put(pool, c);

	bdev_write(e->k, block, saved);		/* what the oracle expects */
	content_put(pool, saved);
}

/* ---- reflink and COW */

/* a: two written blocks of 0x61; b: their clone.  Return a's first block. */
static uint64_t make_clone(struct env *e, int *a, int *b)
{
	uint64_t block;

	*a = open_(e, "a");
	*b = open_(e, "b");
	pwrite_sync(e, *a, 0, 2 * PSZ, 0x61);
	clone_(e, *b, *a);
	block = written_block(ino(e, *a)->i_df, 0);
	assert_int_equal(written_block(ino(e, *a)->i_df, 1), block + 1);
	return block;
}

static void test_reflink_shares_blocks(void **state)
{
	struct env *e = *state;
	uint64_t block;
	int a, b, i;

	block = make_clone(e, &a, &b);
	for (i = 0; i < 2; i++) {
		assert_int_equal(written_block(ino(e, b)->i_df, i), block + i);
		assert_int_equal(block_refs(e, block + i), 2);
	}
	assert_true(ino(e, a)->i_flags & XFS_DIFLAG2_REFLINK);
	assert_true(ino(e, b)->i_flags & XFS_DIFLAG2_REFLINK);
	assert_int_equal(ino(e, b)->i_size, 2 * PSZ);
	assert_int_equal(ino(e, b)->i_mapping->nrpages, 0);	/* not shared */
	assert_int_equal(ino(e, a)->i_mapping->nrpages, 2);
}

static void test_write_to_clone_cows(void **state)
{
	struct env *e = *state;
	struct inode *ib;
	uint64_t block, fresh;
	int a, b;

	block = make_clone(e, &a, &b);
	ib = ino(e, b);
	pwrite_(e, b, 0, PSZ, 0x62);
	assert_int_equal(ext_at(ib->i_cowfp, 0), EXT_DELALLOC);
	assert_int_equal(ext_at(ib->i_cowfp, 1), EXT_HOLE);
	assert_int_equal(written_block(ib->i_df, 0), block);
	assert_int_equal(e->k->bdev.reserved, 1);
	call_ok(e, SYS_FSYNC, b);
	fresh = written_block(ib->i_df, 0);
	assert_true(fresh != block && fresh != block + 1);
	assert_int_equal(bmap_nextents(ib->i_cowfp), 0);
	assert_int_equal(written_block(ino(e, a)->i_df, 0), block);
	assert_int_equal(block_refs(e, block), 1);
	assert_int_equal(block_refs(e, fresh), 1);
	assert_int_equal(block_refs(e, block + 1), 2);	/* still shared */
	assert_bytes(bdev_read(e->k, block), 0, PSZ, 0x61);
	assert_bytes(bdev_read(e->k, fresh), 0, PSZ, 0x62);
	assert_int_equal(e->k->stats.cow_block_allocs, 1);
	assert_int_equal(e->k->bdev.reserved, 0);
}

/* ---- mmap */

static void test_mmap_store_mkclean_munmap(void **state)
{
	struct env *e = *state;
	int fd = open_(e, "a");
	struct inode *inode = ino(e, fd);
	uint64_t addr;
	struct page *p;
	pte_t pte;

	pwrite_sync(e, fd, 0, PSZ, 0x61);
	p = page_at(inode, 0);
	addr = mmap_(e, fd, PSZ);
	assert_int_equal(pte_at(e, addr), 0);	/* nothing faulted yet */
	maccess(e, true, addr, 10, 0x62);
	pte = pte_at(e, addr);
	assert_ptr_equal(pte_page(pte), p);
	assert_int_equal(pte & PTE_FLAGS, PTE_WRITE | PTE_DIRTY | PTE_YOUNG);
	assert_int_equal(p->mapcount, 1);
	assert_int_equal(p->refcount, 2);		/* cache + PTE */
	assert_page(inode, 0, PG_DIRTY);
	assert_bytes(p->content, 0, 10, 0x62);

	call_ok(e, SYS_FSYNC, fd);			/* folio_mkclean */
	pte = pte_at(e, addr);
	assert_ptr_equal(pte_page(pte), p);
	assert_int_equal(pte & PTE_FLAGS, PTE_YOUNG);
	assert_page(inode, 0, PG_CLEAN);
	assert_int_equal(p->mapcount, 1);
	assert_bytes(bdev_read(e->k, written_block(inode->i_df, 0)), 0, 10,
		     0x62);

	maccess(e, true, addr + 100, 1, 0x63);		/* faults again */
	assert_int_equal(pte_at(e, addr) & PTE_FLAGS,
			 PTE_WRITE | PTE_DIRTY | PTE_YOUNG);
	assert_page(inode, 0, PG_DIRTY);

	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_MUNMAP,
		.addr = addr, .len = PSZ }).err, 0);
	assert_int_equal(p->mapcount, 0);
	assert_int_equal(p->refcount, 1);
	assert_true(xa_empty(&e->p->mm->ptes));
	assert_page(inode, 0, PG_DIRTY);
}

/* A read fault of a shared mapping maps read-only; a store upgrades it. */
static void test_mmap_read_fault_readonly(void **state)
{
	struct env *e = *state;
	int fd = open_(e, "a");
	uint64_t addr, minor;
	struct page *p;

	pwrite_sync(e, fd, 0, PSZ, 0x61);
	call_ok(e, SYS_DROP_CACHES, -1);
	assert_null(page_at(ino(e, fd), 0));
	addr = mmap_(e, fd, PSZ);
	minor = e->k->stats.faults_minor;
	maccess(e, false, addr, PSZ, 0);
	/* one fault, major (it read the page), not also minor */
	assert_int_equal(e->k->stats.faults_major, 1);
	assert_int_equal(e->k->stats.faults_minor, minor);
	p = page_at(ino(e, fd), 0);
	assert_ptr_equal(pte_page(pte_at(e, addr)), p);
	assert_int_equal(pte_at(e, addr) & PTE_FLAGS, PTE_YOUNG);
	assert_int_equal(p->mapcount, 1);
	assert_page(ino(e, fd), 0, PG_CLEAN);
	maccess(e, true, addr, 1, 0x62);
	assert_int_equal(pte_at(e, addr) & PTE_FLAGS,
			 PTE_WRITE | PTE_DIRTY | PTE_YOUNG);
	assert_int_equal(p->mapcount, 1);		/* same PTE */
	assert_page(ino(e, fd), 0, PG_DIRTY);
}

/* ---- truncate */

static void test_truncate_pages_and_tail(void **state)
{
	struct env *e = *state;
	int fd = open_(e, "a");
	struct inode *inode = ino(e, fd);
	uint64_t addr, last;
	struct page *p;

	pwrite_sync(e, fd, 0, 3 * PSZ, 0x61);
	last = written_block(inode->i_df, 2);
	addr = mmap_(e, fd, 3 * PSZ);
	maccess(e, false, addr, 3 * PSZ, 0);		/* three PTEs */
	assert_int_equal(page_at(inode, 2)->mapcount, 1);

	ftruncate_(e, fd, 5000);
	assert_int_equal(inode->i_size, 5000);
	assert_null(page_at(inode, 2));
	assert_int_equal(inode->i_mapping->nrpages, 2);
	assert_int_equal(e->k->stats.nr_cached, 2);
	assert_int_equal(pte_at(e, addr + 2 * PSZ), 0);	/* zapped */
	p = page_at(inode, 1);
	assert_int_equal(p->mapcount, 1);	/* EOF page stays mapped */
	assert_bytes(p->content, 0, 5000 - PSZ, 0x61);
	assert_bytes(p->content, 5000 - PSZ, 2 * PSZ - 5000, 0);
	assert_int_equal(ext_at(inode->i_df, 2), EXT_HOLE);
	assert_int_equal(e->k->bdev.blocks[last].state, BLK_BUSY);
	assert_bytes(page_at(inode, 0)->content, 0, PSZ, 0x61);
}

/* ---- whole-cache operations */

static void test_drop_caches(void **state)
{
	struct env *e = *state;
	int clean = open_(e, "clean"), dirty = open_(e, "dirty");
	int mapped = open_(e, "mapped");

	pwrite_sync(e, clean, 0, PSZ, 0x61);
	pwrite_(e, dirty, 0, PSZ, 0x62);
	pwrite_sync(e, mapped, 0, PSZ, 0x63);
	maccess(e, false, mmap_(e, mapped, PSZ), 1, 0);
	assert_int_equal(e->k->stats.nr_cached, 3);
	call_ok(e, SYS_DROP_CACHES, -1);
	assert_null(page_at(ino(e, clean), 0));
	assert_page(ino(e, dirty), 0, PG_DIRTY);
	assert_page(ino(e, mapped), 0, PG_CLEAN);
	assert_int_equal(e->k->stats.nr_cached, 2);
	assert_int_equal(ino(e, clean)->i_mapping->nrpages, 0);
	/* a read brings the clean page back from the disk */
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_PREAD,
		.fd = clean, .len = PSZ }).done, PSZ);
	assert_page(ino(e, clean), 0, PG_CLEAN);
	assert_bytes(page_at(ino(e, clean), 0)->content, 0, PSZ, 0x61);
}

static int count_cow_extents(struct kernel *k)
{
	uint64_t n = 0;
	guint i;

	for (i = 0; i < k->inodes->len; i++)
		n += bmap_nextents(((struct inode *)
				    g_ptr_array_index(k->inodes, i))->i_cowfp);
	return (int)n;
}

static void test_cycle_mount(void **state)
{
	struct env *e = *state;
	struct inode *ia, *ib;
	uint64_t block;
	int a, b;

	block = make_clone(e, &a, &b);
	ia = ino(e, a);
	ib = ino(e, b);
	pwrite_(e, b, 0, PSZ, 0x62);			/* COW reservation */
	pwrite_(e, a, 2 * PSZ, PSZ, 0x63);		/* dirty, delalloc */
	assert_int_equal(count_cow_extents(e->k), 1);
	call_ok(e, SYS_CLOSE, a);			/* umount: EBUSY if */
	call_ok(e, SYS_CLOSE, b);			/* a file is open */
	call_ok(e, SYS_CYCLE_MOUNT, -1);
	assert_int_equal(e->k->stats.nr_cached, 0);
	assert_int_equal(ia->i_mapping->nrpages, 0);
	assert_int_equal(ib->i_mapping->nrpages, 0);
	assert_true(list_empty(&e->k->lru));
	assert_int_equal(count_cow_extents(e->k), 0);
	assert_int_equal(e->k->bdev.reserved, 0);
	assert_int_equal(written_block(ia->i_df, 0), block);
	assert_bytes(bdev_read(e->k, written_block(ib->i_df, 0)), 0, PSZ,
		     0x62);
	assert_bytes(bdev_read(e->k, written_block(ia->i_df, 2)), 0, PSZ,
		     0x63);
	assert_int_equal(ia->p_size, 3 * PSZ);
}

static void test_crash(void **state)
{
	struct env *e = *state;
	int a = open_(e, "a"), b;
	struct inode *ia = ino(e, a);
	uint64_t block;

	pwrite_sync(e, a, 0, 2 * PSZ, 0x61);
	block = written_block(ia->i_df, 0);
	pwrite_(e, a, 0, PSZ, 0x62);			/* overwrite, lost */
	pwrite_(e, a, 2 * PSZ, PSZ, 0x63);		/* extension, lost */
	b = open_(e, "b");				/* never logged */
	pwrite_(e, b, 0, PSZ, 0x64);
	proc_exit(e->k, e->p);
	e->p = proc_new(e->k, "t");
	call_ok(e, SYS_CRASH, -1);
	assert_int_equal(e->k->stats.nr_cached, 0);
	assert_int_equal(ia->i_mapping->nrpages, 0);
	assert_int_equal(ia->i_size, 2 * PSZ);
	assert_int_equal(written_block(ia->i_df, 0), block);
	assert_int_equal(ext_at(ia->i_df, 2), EXT_HOLE);
	assert_bytes(bdev_read(e->k, block), 0, PSZ, 0x61);
	assert_ptr_equal(inode_lookup(e->k, "a"), ia);
	assert_null(inode_lookup(e->k, "b"));
	assert_int_equal(e->k->bdev.reserved, 0);
	/* and through the system-call boundary: the oracle agrees */
	a = open_(e, "a");
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_PREAD,
		.fd = a, .len = 4 * PSZ }).done, 2 * PSZ);
	assert_bytes(page_at(ia, 0)->content, 0, PSZ, 0x61);
}

/* ---- ioends: one bio for a run of pages (model/writeback.c) */

/* Contiguous dirty pages share a bio, up to BIO_MAX_VECS (256) pages. */
static void test_ioend_gathers_runs(void **state)
{
	struct env *e = *state;
	int a = open_(e, "a");
	unsigned int i;

	pwrite_(e, a, 0, 600 * PSZ, 0x61);
	call_ok(e, SYS_FSYNC, a);
	assert_int_equal(e->k->stats.wb_ios, 3);	/* 256 + 256 + 88 */
	assert_int_equal(e->k->stats.wb_bytes, 600 * PSZ);
	/* every other page: no two follow each other, a bio each */
	for (i = 0; i < 8; i++)
		pwrite_(e, a, 2 * i * PSZ, PSZ, 0x62);
	call_ok(e, SYS_FSYNC, a);
	assert_int_equal(e->k->stats.wb_ios, 3 + 8);
	assert_int_equal(e->k->stats.wb_bytes, 608 * PSZ);
	assert_int_equal(e->k->nr_bios, 0);
}

/*
 * A COW page and the next page, newly allocated: neighbours in the file
 * and on the disk, but of two kinds (COW staging, unwritten), so two
 * bios: their completions remap differently.
 */
static void test_ioend_splits_kinds(void **state)
{
	struct env *e = *state;
	int a = open_(e, "a"), b = open_(e, "b");
	struct bmap_irec cow, data;

	pwrite_(e, a, 0, 4 * PSZ, 0x61);
	call_ok(e, SYS_FSYNC, a);
	clone_(e, b, a);
	pwrite_(e, b, 3 * PSZ, 2 * PSZ, 0x62);	/* page 3 COW, page 4 new */
	call_ok(e, SYS_FSYNC, b);
	assert_int_equal(e->k->stats.wb_ios, 1 + 2);
	bmap_lookup(ino(e, b)->i_df, 3, &cow);
	bmap_lookup(ino(e, b)->i_df, 4, &data);
	assert_int_equal(cow.br_state, EXT_WRITTEN);
	assert_int_equal(data.br_state, EXT_WRITTEN);
	assert_int_equal(data.br_startblock, cow.br_startblock + 1);
}

/*
 * Writeback that starts inside a delalloc extent (a direct read flushes
 * only its own range) allocates the whole extent in file order: one
 * contiguous run, as the allocator's one allocation would give, so each
 * page's block is the extent's first block plus its index.
 */
static void test_delalloc_extent_in_file_order(void **state)
{
	struct env *e = *state;
	int a = open_(e, "a"), d;
	struct bmap_irec irec;
	uint64_t first;
	pgoff_t i;

	pwrite_(e, a, 0, 4 * PSZ, 0x61);		/* one delalloc extent */
	d = call(e, (struct sys_req){ .kind = SYS_OPEN, .name = "a",
				      .flags = SYSF_DIRECT }).fd;
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_PREAD,
		.fd = d, .off = 2 * PSZ, .len = PSZ }).done, PSZ);
	assert_int_equal(ext_at(ino(e, a)->i_df, 2), EXT_WRITTEN);
	bmap_lookup(ino(e, a)->i_df, 0, &irec);
	assert_int_equal(irec.br_state, EXT_UNWRITTEN);
	first = irec.br_startblock;
	for (i = 0; i < 4; i++) {
		bmap_lookup(ino(e, a)->i_df, i, &irec);
		assert_int_equal(irec.br_startblock, first + i);
	}
}

/*
 * Step @e's fsync of @fd, submitted with kernel_submit(), until @done
 * says stop.
 */
static void step_until(struct env *e, bool (*done)(struct env *e))
{
	while (!done(e))
		assert_int_equal(kernel_step(e->k, e->p), 0);
}

static bool sleeps_on_page(struct env *e)
{
	return e->p->task.wait.kind == WAIT_PAGE_LOCK;
}

/*
 * Writeback that must sleep on a page lock submits what it gathered
 * first: whoever waits for those pages' writeback must not wait for the
 * sleeper.
 */
static void test_ioend_submitted_before_sleep(void **state)
{
	struct env *e = *state;
	struct proc *q = proc_new(e->k, "holder");
	int a = open_(e, "a");
	struct page *p;

	pwrite_(e, a, 0, 4 * PSZ, 0x61);
	p = page_at(ino(e, a), 2);
	assert_true(folio_trylock(e->k, &q->task, p));
	kernel_submit(e->k, e->p, &(struct sys_req){ .kind = SYS_FSYNC,
						    .fd = a });
	step_until(e, sleeps_on_page);
	assert_int_equal(e->k->nr_bios, 1);		/* pages 0 and 1 */
	assert_int_equal(e->k->stats.wb_bytes, 2 * PSZ);
	assert_true(page_test(page_at(ino(e, a), 1), PG_writeback));
	folio_unlock(e->k, &q->task, p);
	assert_int_equal(kernel_wait(e->k, e->p, NULL), 0);
	assert_int_equal(e->k->stats.wb_ios, 2);	/* then pages 2 and 3 */
	assert_page(ino(e, a), 3, PG_CLEAN);
	proc_exit(e->k, q);
}

static bool gathered_two(struct env *e)
{
	return e->k->stats.wb_bytes == 2 * PSZ;
}

/*
 * A call stopped while it gathers (a violation, a killed thread), or the
 * in-flight I/O dropped by a power cut (kernel_discard_io): the gathered
 * pages leave writeback, their data is lost as with a bio that never
 * completes, and nothing stays referenced.
 */
static void ioend_dropped(void **state, bool power_cut)
{
	struct env *e = *state;
	int a = open_(e, "a");
	struct bmap_irec irec;

	pwrite_(e, a, 0, 4 * PSZ, 0x61);
	kernel_submit(e->k, e->p, &(struct sys_req){ .kind = SYS_FSYNC,
						    .fd = a });
	step_until(e, gathered_two);
	assert_int_equal(e->k->nr_bios, 0);		/* gathered, not sent */
	bmap_lookup(ino(e, a)->i_df, 0, &irec);
	assert_int_equal(e->k->bdev.blocks[irec.br_startblock].inflight, 1);
	assert_true(page_test(page_at(ino(e, a), 0), PG_writeback));
	if (power_cut)
		kernel_discard_io(e->k, true);
	else
		kernel_abort_call(e->k, e->p);
	assert_false(page_test(page_at(ino(e, a), 0), PG_writeback));
	assert_false(xa_marked(&ino(e, a)->i_mapping->i_pages,
			       PAGECACHE_TAG_WRITEBACK));
	assert_int_equal(e->k->bdev.blocks[irec.br_startblock].inflight, 0);
	assert_int_equal(e->k->nr_bios, 0);
	kernel_abort_call(e->k, e->p);		/* the power cut's process */
}

static void test_ioend_dropped_by_abort(void **state)
{
	ioend_dropped(state, false);
}

static void test_ioend_dropped_by_power_cut(void **state)
{
	ioend_dropped(state, true);
}

/* ---- extra owners (sharing designs): the side table kernel->xowners */

#define NOWNERS	3
#define OWNER_INDEX(i)	(10 + (pgoff_t)(i))	/* mapping i's index */

struct owners_seen {
	struct page_owner o[NOWNERS];
	unsigned int n;
};

static bool note_owner(struct page_owner *o, void *arg)
{
	struct owners_seen *s = arg;

	assert_true(s->n < NOWNERS);
	s->o[s->n++] = *o;
	return false;
}

/*
 * @p's owners are exactly (@m[i], OWNER_INDEX(i)) for each bit i of @left:
 * as page_for_each_owner() visits them, once each, and as folio_has_owner()
 * sees them; the side table has an entry for @p iff it has extra owners.
 */
static void assert_owners(struct kernel *k, struct page *p,
			  struct address_space **m, unsigned int left)
{
	unsigned int n = __builtin_popcount(left), i, j, hits;
	struct owners_seen s = { .n = 0 };
	bool want;

	page_for_each_owner(k, p, note_owner, &s);
	assert_int_equal(s.n, n);
	assert_int_equal(folio_nr_owners(p), n);
	assert_int_equal(p->nxowners, n ? n - 1 : 0);
	for (i = 0; i < NOWNERS; i++) {
		want = left & (1u << i);
		for (hits = 0, j = 0; j < s.n; j++)
			hits += s.o[j].mapping == m[i] &&
				s.o[j].index == OWNER_INDEX(i);
		assert_int_equal(hits, want);
		assert_int_equal(folio_has_owner(k, p, m[i], OWNER_INDEX(i)),
				 want);
		assert_int_equal(filemap_get_page(m[i], OWNER_INDEX(i)) == p,
				 want);
	}
	assert_int_equal(xa_load(&k->xowners, p->id) != NULL, n > 1);
	assert_int_equal(xa_count(&k->xowners), n > 1);
	assert_int_equal(p->refcount, 1 + n);
}

/* The mappings of NOWNERS new files. */
static void owner_mappings(struct env *e, struct address_space **m)
{
	unsigned int i;

	for (i = 0; i < NOWNERS; i++)
		m[i] = inode_new(e->k)->i_mapping;
}

/* A page of three mappings, its owners removed in the order @order. */
static void owners_removed_in_order(struct env *e, const unsigned int *order)
{
	struct address_space *m[NOWNERS];
	struct page *p = page_alloc(e->k, content_zero(e->k->pool));
	unsigned int i, left = 0;

	owner_mappings(e, m);
	for (i = 0; i < NOWNERS; i++) {
		filemap_add_folio(e->k, m[i], p, OWNER_INDEX(i));
		left |= 1u << i;
		assert_owners(e->k, p, m, left);
	}
	assert_ptr_equal(p->mapping, m[0]);	/* the first is primary */
	for (i = 0; i < NOWNERS; i++) {
		filemap_remove_folio(e->k, p, m[order[i]],
				     OWNER_INDEX(order[i]));
		left &= ~(1u << order[i]);
		assert_owners(e->k, p, m, left);
	}
	assert_null(p->mapping);
	put_page(e->k, p);
	assert_int_equal(e->k->nr_pages_alloc, 0);
}

/* Every order: primary first, last or in the middle, extra ones swapped. */
static void test_xowners_removal_orders(void **state)
{
	static const unsigned int orders[][NOWNERS] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		owners_removed_in_order(*state, orders[i]);
}

/*
 * Owners that are not there: a mapping that holds the page at another
 * index, or not at all, removes nothing.
 */
static void test_xowners_remove_absent(void **state)
{
	struct env *e = *state;
	struct address_space *m[NOWNERS];
	struct page *p = page_alloc(e->k, content_zero(e->k->pool));

	owner_mappings(e, m);
	filemap_add_folio(e->k, m[0], p, OWNER_INDEX(0));
	filemap_add_folio(e->k, m[1], p, OWNER_INDEX(1));
	assert_false(page_owner_del(e->k, p, m[1], OWNER_INDEX(0)));
	assert_false(page_owner_del(e->k, p, m[2], OWNER_INDEX(2)));
	assert_owners(e->k, p, m, 3);
	filemap_remove_folio_all(e->k, p);
	assert_owners(e->k, p, m, 0);
	put_page(e->k, p);
}

/*
 * A page still shared when the kernel goes: teardown frees its owner
 * array (a leak here fails under ASan and valgrind).
 */
static void test_xowners_at_teardown(void **state)
{
	struct env *e = *state;
	struct address_space *m[NOWNERS];
	struct page *p = page_alloc(e->k, content_zero(e->k->pool));
	unsigned int i;

	owner_mappings(e, m);
	for (i = 0; i < NOWNERS; i++)
		filemap_add_folio(e->k, m[i], p, OWNER_INDEX(i));
	assert_owners(e->k, p, m, 7);
	put_page(e->k, p);		/* the three slots keep it */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_dirties_page),
		T(test_fsync_cleans_and_allocates),
		T(test_flag_transitions),
		T(test_read_file_page),
		T(test_reflink_shares_blocks),
		T(test_write_to_clone_cows),
		T(test_mmap_store_mkclean_munmap),
		T(test_mmap_read_fault_readonly),
		T(test_truncate_pages_and_tail),
		T(test_drop_caches),
		T(test_cycle_mount),
		T(test_crash),
		T(test_ioend_gathers_runs),
		T(test_delalloc_extent_in_file_order),
		T(test_ioend_splits_kinds),
		T(test_ioend_submitted_before_sleep),
		T(test_ioend_dropped_by_abort),
		T(test_ioend_dropped_by_power_cut),
		T(test_xowners_removal_orders),
		T(test_xowners_remove_absent),
		T(test_xowners_at_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
