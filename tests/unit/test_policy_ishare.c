// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_policy_ishare.c - the ishare design: files with the same
 * fingerprint (i_size and data-fork extents) share the pages of one
 * anonymous inode; a store copies; a changed block leaves no stale page.
 *
 * Every test drives the model through system calls, checks what the files
 * read (md5 of known byte patterns, and the oracle at every read), and ends
 * with no violation and kernel_check_final() clean.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/sysenv.h"

#include "model/core.h"
#include "model/policy.h"

#define PG	4096
#define NPAGES	8		/* pages of the base file */
#define NCOPIES	3		/* cp --reflink=always copies of it */

struct env {
	struct kernel *k;
	struct proc *p;
	int fd[1 + NCOPIES];	/* base, then the copies */
};

static const char *const names[1 + NCOPIES] = { "base", "c1", "c2", "c3" };

static struct sys_res call(struct env *e, struct sys_req req)
{
	return sys_call(e->k, e->p, req);
}

static int xopen(struct env *e, const char *name, unsigned int flags)
{
	return sys_xopen(e->k, e->p, name, flags);
}

static void xwrite(struct env *e, int fd, uint64_t off, uint64_t len,
		   uint8_t byte)
{
	sys_xwrite(e->k, e->p, fd, off, len, byte);
}

static void xsimple(struct env *e, enum sys_kind kind, int fd)
{
	assert_int_equal(call(e, (struct sys_req){ .kind = kind,
			 .fd = fd }).err, 0);
}

static void xclone(struct env *e, int dst, int src, uint64_t len)
{
	assert_int_equal(call(e, (struct sys_req){ .kind = SYS_CLONE,
			 .fd = dst, .fd2 = src, .len = len,
			 .flags = len ? 0 : SYSF_WHOLE }).err, 0);
}

/* md5 of the whole file equals that of @len bytes of @byte then zeroes. */
static void assert_reads(struct env *e, int fd, uint8_t byte, size_t len,
			 size_t size)
{
	struct sys_res r = call(e, (struct sys_req){ .kind = SYS_READ_MD5,
				.fd = fd });
	GChecksum *c = g_checksum_new(G_CHECKSUM_MD5);
	guint8 *buf = g_malloc0(size ? size : 1), want[16];
	gsize n = sizeof(want);

	memset(buf, byte, len);
	g_checksum_update(c, buf, size);
	g_checksum_get_digest(c, want, &n);
	g_checksum_free(c);
	g_free(buf);
	assert_memory_equal(r.md5, want, 16);
}

static void read_all(struct env *e)
{
	int i;

	for (i = 0; i <= NCOPIES; i++)
		assert_reads(e, e->fd[i], 0x61, NPAGES * PG, NPAGES * PG);
}

static struct inode *inode_of(struct env *e, int i)
{
	return kernel_inode(e->k, i + 1);
}

static struct page *page_of(struct env *e, int i, pgoff_t index)
{
	return filemap_get_page(inode_of(e, i)->i_mapping, index);
}

static struct env *env_boot(const char *policy, uint64_t disk,
			    uint64_t memory_limit)
{
	struct kconfig cfg = { .page_size = PG, .disk_size = disk,
			       .io_latency = 1000,
			       .memory_limit = memory_limit,
			       .policy = policy_lookup(policy) };
	struct env *e = calloc(1, sizeof(*e));

	e->k = kernel_new(&cfg);
	e->p = proc_new(e->k, "t");
	return e;
}

/*
 * base: NPAGES pages of 0x61, fsynced; c1..c3: cp --reflink=always of it;
 * the cache emptied, so every file's reads miss.
 */
static struct env *env_new_with(const char *policy, uint64_t disk,
				uint64_t memory_limit)
{
	struct env *e = env_boot(policy, disk, memory_limit);
	int i;

	e->fd[0] = xopen(e, names[0], 0);
	xwrite(e, e->fd[0], 0, NPAGES * PG, 0x61);
	xsimple(e, SYS_FSYNC, e->fd[0]);
	for (i = 1; i <= NCOPIES; i++) {
		e->fd[i] = xopen(e, names[i], SYSF_TRUNC);
		xclone(e, e->fd[i], e->fd[0], 0);
	}
	call(e, (struct sys_req){ .kind = SYS_SYNC });
	call(e, (struct sys_req){ .kind = SYS_DROP_CACHES });
	return e;
}

static struct env *env_new(void)
{
	return env_new_with("ishare", 16 << 20, 0);
}

static void env_free(struct env *e)
{
	assert_null(kernel_violation(e->k));
	proc_exit(e->k, e->p);
	assert_int_equal(kernel_check_final(e->k), 0);
	assert_null(kernel_violation(e->k));
	kernel_free(e->k);
	free(e);
}

/* Four identical files cache one set of pages: NPAGES, not 4 * NPAGES. */
static void test_copies_share_pages(void **state)
{
	struct env *e = env_new();
	struct sys_stats s;
	int i;

	read_all(e);
	kernel_stats(e->k, &s);
	assert_int_equal(s.cached_pages, NPAGES);
	/* each file's slot, plus the group inode's */
	assert_int_equal(s.cache_entries, (2 + NCOPIES) * NPAGES);
	assert_int_equal(s.saved_bytes, NCOPIES * NPAGES * PG);
	assert_int_equal(s.read_ios, NPAGES);
	assert_int_equal(e->k->anon_inodes->len, 1);
	for (i = 1; i <= NCOPIES; i++)
		assert_ptr_equal(page_of(e, i, 3), page_of(e, 0, 3));
	assert_int_equal(folio_nr_owners(page_of(e, 0, 3)), 2 + NCOPIES);
	env_free(e);
}

/* The same story under mainline: every file caches its own pages. */
static void test_mainline_caches_every_copy(void **state)
{
	struct env *e = env_new_with("none", 16 << 20, 0);
	struct sys_stats s;

	read_all(e);
	kernel_stats(e->k, &s);
	assert_int_equal(s.cached_pages, (1 + NCOPIES) * NPAGES);
	assert_int_equal(s.read_ios, (1 + NCOPIES) * NPAGES);
	env_free(e);
}

/* A range clone has another size and extent list: no sharing with base. */
static void test_range_clone_does_not_share(void **state)
{
	struct env *e = env_boot("ishare", 16 << 20, 0);
	struct sys_stats s;
	pgoff_t i;

	e->fd[0] = xopen(e, names[0], 0);
	xwrite(e, e->fd[0], 0, NPAGES * PG, 0x61);
	xsimple(e, SYS_FSYNC, e->fd[0]);
	e->fd[1] = xopen(e, names[1], 0);
	xclone(e, e->fd[1], e->fd[0], NPAGES / 2 * PG);
	call(e, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_reads(e, e->fd[0], 0x61, NPAGES * PG, NPAGES * PG);
	assert_reads(e, e->fd[1], 0x61, NPAGES / 2 * PG, NPAGES / 2 * PG);
	for (i = 0; i < NPAGES / 2; i++)
		assert_ptr_not_equal(page_of(e, 0, i), page_of(e, 1, i));
	kernel_stats(e->k, &s);
	assert_int_equal(s.cached_pages, NPAGES + NPAGES / 2);
	assert_int_equal(s.saved_bytes, 0);
	assert_int_equal(e->k->anon_inodes->len, 2);	/* two fingerprints */
	env_free(e);
}

/* A store to a shared page copies it; the other copies keep the old data. */
static void test_write_copies_before_store(void **state)
{
	struct env *e = env_new();
	int i;

	read_all(e);
	xwrite(e, e->fd[2], PG, 100, 0x62);
	assert_int_equal(e->k->stats.cow_page_copies, 1);
	assert_int_equal(folio_nr_owners(page_of(e, 2, 1)), 1);
	assert_ptr_not_equal(page_of(e, 2, 1), page_of(e, 0, 1));
	assert_ptr_equal(page_of(e, 2, 2), page_of(e, 0, 2));
	for (i = 0; i <= NCOPIES; i++)
		if (i != 2)
			assert_reads(e, e->fd[i], 0x61, NPAGES * PG,
				     NPAGES * PG);
	call(e, (struct sys_req){ .kind = SYS_CYCLE_MOUNT });
	for (i = 0; i <= NCOPIES; i++)
		if (i != 2)
			assert_reads(e, e->fd[i], 0x61, NPAGES * PG,
				     NPAGES * PG);
	env_free(e);
}

/* After the writer's writeback its misses use a group of its own. */
static void test_writer_leaves_group(void **state)
{
	struct env *e = env_new();
	struct sys_stats s;

	read_all(e);
	xwrite(e, e->fd[2], 0, PG, 0x62);
	xsimple(e, SYS_FSYNC, e->fd[2]);	/* COW remaps c2's block 0 */
	call(e, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_reads(e, e->fd[0], 0x61, NPAGES * PG, NPAGES * PG);
	assert_reads(e, e->fd[1], 0x61, NPAGES * PG, NPAGES * PG);
	call(e, (struct sys_req){ .kind = SYS_PREAD, .fd = e->fd[2],
	     .len = NPAGES * PG });
	assert_ptr_equal(page_of(e, 1, 5), page_of(e, 0, 5));
	assert_ptr_not_equal(page_of(e, 2, 5), page_of(e, 0, 5));
	assert_int_equal(e->k->anon_inodes->len, 2);
	kernel_stats(e->k, &s);
	assert_int_equal(s.cached_pages, 2 * NPAGES);
	env_free(e);
}

/*
 * Every copy removed, the group's pages go with the blocks.  The blocks are
 * then reused, in the same order, by a new file written with direct I/O:
 * the very same fingerprint, so its buffered reads join the old group,
 * which must hold no page of the old data.
 */
static void test_freed_blocks_leave_no_stale_page(void **state)
{
	struct env *e = env_new_with("ishare", NPAGES * PG, 0);
	struct inode *group;
	int i, fd;

	read_all(e);
	group = g_ptr_array_index(e->k->anon_inodes, 0);
	assert_int_equal(group->i_mapping->nrpages, NPAGES);
	for (i = 0; i <= NCOPIES; i++) {
		xsimple(e, SYS_CLOSE, e->fd[i]);
		call(e, (struct sys_req){ .kind = SYS_UNLINK,
		     .name = names[i] });
	}
	assert_int_equal(group->i_mapping->nrpages, 0);
	call(e, (struct sys_req){ .kind = SYS_SYNC });	/* busy -> free */
	fd = xopen(e, "new", SYSF_DIRECT);	/* nothing cached */
	xwrite(e, fd, 0, NPAGES * PG, 0x7a);
	xsimple(e, SYS_CLOSE, fd);
	fd = xopen(e, "new", 0);
	assert_reads(e, fd, 0x7a, NPAGES * PG, NPAGES * PG);
	assert_int_equal(e->k->anon_inodes->len, 1);	/* the old group */
	assert_int_equal(group->i_mapping->nrpages, NPAGES);
	env_free(e);
}

/*
 * A block rewritten in place (direct write to a file nobody shares) drops
 * the group's page of it; the next buffered miss reads the new data.
 */
static void test_overwritten_block_drops_group_page(void **state)
{
	struct env *e = env_boot("ishare", 16 << 20, 0);
	struct inode *group;
	int fd, dfd;

	fd = xopen(e, "a", 0);
	xwrite(e, fd, 0, NPAGES * PG, 0x61);
	xsimple(e, SYS_FSYNC, fd);
	call(e, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_reads(e, fd, 0x61, NPAGES * PG, NPAGES * PG);
	group = g_ptr_array_index(e->k->anon_inodes, 0);
	dfd = xopen(e, "a", SYSF_DIRECT);
	xwrite(e, dfd, 0, PG, 0x62);
	assert_null(filemap_get_page(group->i_mapping, 0));
	assert_non_null(filemap_get_page(group->i_mapping, 1));
	assert_null(page_of(e, 0, 0));
	/* the oracle checks the bytes: 0x62, not the group's old 0x61 */
	call(e, (struct sys_req){ .kind = SYS_PREAD, .fd = fd, .len = PG });
	assert_non_null(filemap_get_page(group->i_mapping, 0));
	env_free(e);
}

/* Shared pages are clean: reclaim keeps the cache within the limit. */
static void test_reclaim_under_memory_limit(void **state)
{
	/*
	 * A limit of 1.5 * NPAGES pages: kswapd keeps the cache under its
	 * low watermark (3/4 of it, NPAGES + 1 pages); four identical files
	 * fit in NPAGES pages, where mainline would need 4 * NPAGES.
	 */
	struct env *e = env_new_with("ishare", 16 << 20,
				     (NPAGES + NPAGES / 2) * PG);
	struct sys_stats s, s0;
	int fd;

	kernel_stats(e->k, &s0);
	read_all(e);
	kernel_stats(e->k, &s);
	assert_int_equal(s.cached_pages, NPAGES);
	assert_int_equal(s.pages_reclaimed, s0.pages_reclaimed);
	fd = xopen(e, "other", 0);
	xwrite(e, fd, 0, NPAGES * PG, 0x63);
	xsimple(e, SYS_FSYNC, fd);
	assert_reads(e, fd, 0x63, NPAGES * PG, NPAGES * PG);
	read_all(e);
	kernel_stats(e->k, &s);
	assert_true(s.cached_pages <= NPAGES + NPAGES / 2);	/* the limit */
	assert_true(s.pages_reclaimed > s0.pages_reclaimed);
	env_free(e);
}

/* A read fault maps the group page; a store through the mapping copies. */
static void test_mmap_store_copies(void **state)
{
	struct env *e = env_new();
	struct sys_res r;
	uint64_t addr;

	read_all(e);
	r = call(e, (struct sys_req){ .kind = SYS_MMAP, .fd = e->fd[1],
		 .len = NPAGES * PG,
		 .flags = SYSF_PROT_READ | SYSF_PROT_WRITE });
	addr = r.addr;
	call(e, (struct sys_req){ .kind = SYS_MLOAD, .addr = addr,
	     .len = NPAGES * PG });
	assert_int_equal(page_of(e, 0, 2)->mapcount, 1);
	r = call(e, (struct sys_req){ .kind = SYS_MSTORE,
		 .addr = addr + 2 * PG, .len = PG, .byte = 0x64 });
	assert_false(r.sigbus);
	assert_int_equal(page_of(e, 0, 2)->mapcount, 0);
	assert_ptr_not_equal(page_of(e, 1, 2), page_of(e, 0, 2));
	assert_reads(e, e->fd[0], 0x61, NPAGES * PG, NPAGES * PG);
	call(e, (struct sys_req){ .kind = SYS_MUNMAP, .addr = addr,
	     .len = NPAGES * PG });
	call(e, (struct sys_req){ .kind = SYS_CYCLE_MOUNT });
	assert_reads(e, e->fd[3], 0x61, NPAGES * PG, NPAGES * PG);
	env_free(e);
}

/* drop_caches keeps a group page a file maps, as it keeps a file's own. */
static void test_drop_caches_keeps_mapped_pages(void **state)
{
	struct env *e = env_new();
	struct sys_res r;

	r = call(e, (struct sys_req){ .kind = SYS_MMAP, .fd = e->fd[1],
		 .len = NPAGES * PG, .flags = SYSF_PROT_READ });
	call(e, (struct sys_req){ .kind = SYS_MLOAD, .addr = r.addr,
	     .len = PG });
	assert_reads(e, e->fd[0], 0x61, NPAGES * PG, NPAGES * PG);
	call(e, (struct sys_req){ .kind = SYS_DROP_CACHES });
	assert_int_equal(e->k->stats.nr_cached, 1);
	assert_int_equal(folio_nr_owners(page_of(e, 1, 0)), 3);
	call(e, (struct sys_req){ .kind = SYS_MLOAD, .addr = r.addr,
	     .len = NPAGES * PG });
	env_free(e);
}

/* A crash drops the groups' pages; the files share again afterwards. */
static void test_crash_then_share_again(void **state)
{
	struct env *e = env_new();
	struct sys_stats s;
	int i;

	read_all(e);
	xwrite(e, e->fd[1], 0, PG, 0x62);	/* never made durable */
	call(e, (struct sys_req){ .kind = SYS_CRASH });
	assert_int_equal(e->k->stats.nr_cached, 0);
	proc_exit(e->k, e->p);
	e->p = proc_new(e->k, "t");
	for (i = 0; i <= NCOPIES; i++)
		e->fd[i] = xopen(e, names[i], 0);
	read_all(e);
	kernel_stats(e->k, &s);
	assert_int_equal(s.cached_pages, NPAGES);
	call(e, (struct sys_req){ .kind = SYS_CYCLE_MOUNT });
	read_all(e);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies_share_pages),
		cmocka_unit_test(test_mainline_caches_every_copy),
		cmocka_unit_test(test_range_clone_does_not_share),
		cmocka_unit_test(test_write_copies_before_store),
		cmocka_unit_test(test_writer_leaves_group),
		cmocka_unit_test(test_freed_blocks_leave_no_stale_page),
		cmocka_unit_test(test_overwritten_block_drops_group_page),
		cmocka_unit_test(test_reclaim_under_memory_limit),
		cmocka_unit_test(test_mmap_store_copies),
		cmocka_unit_test(test_drop_caches_keeps_mapped_pages),
		cmocka_unit_test(test_crash_then_share_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
