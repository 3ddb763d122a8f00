// SPDX-License-Identifier: MIT
/*
 * model/coverage.c - model coverage (model/coverage.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/core.h"
#include "model/coverage.h"

/* Sorted (strcmp order): cov_step_index() searches it.  "(other)" last. */
static const char *const steps[] = {
	"balance_pgdat",
	"bio_end_io(read)",
	"bio_end_io(write)",
	"dax_iomap_rw(read)",
	"dax_iomap_rw(write)",
	"file_write_and_wait_range",
	"filemap_fault",
	"filemap_fault(lock)",
	"filemap_fdatawait_range",
	"filemap_get_pages",
	"filemap_invalidate_lock",
	"filemap_write_and_wait_range",
	"filemap_write_and_wait_range(dst)",
	"filemap_write_and_wait_range(src)",
	"generic_remap_check_len",
	"generic_remap_checks",
	"generic_write_checks",
	"handle_mm_fault",
	"hrtimer_nanosleep",
	"inode_dio_wait",
	"inode_lock",
	"inode_unlock",
	"iomap_dio_rw(read)",
	"iomap_dio_rw(submit)",
	"iomap_page_mkwrite",
	"iomap_write_iter",
	"iomap_writepage_map",
	"kiocb_invalidate_pages",
	"kiocb_write_and_wait",
	"load",
	"store",
	"sync_fs",
	"sync_inodes_sb",
	"syscall",
	"syscall_exit",
	"tag_pages_for_writeback",
	"truncate_inode_pages_range",
	"truncate_pagecache_range",
	"truncate_setsize",
	"wait_sb_inodes",
	"writeback_iter",
	"xfs_alloc_file_space",
	"xfs_dax_fault",
	"xfs_flush_unmap_range",
	"xfs_free_file_space",
	"xfs_ilock(IOLOCK)",
	"xfs_ilock(IOLOCK_EXCL)",
	"xfs_ilock(IOLOCK_SHARED)",
	"xfs_iolock_two_inodes",
	"xfs_itruncate_extents",
	"xfs_lock_two_inodes(MMAPLOCK)",
	"xfs_log_force",
	"xfs_reflink_remap_blocks",
	"xfs_reflink_zero_posteof",
	"xfs_truncate_page",
	"xfs_vn_setattr_size",
	"xfs_write_fault",
	"(other)",
};

#define NR_STEPS ((int)(sizeof(steps) / sizeof(steps[0])))

_Static_assert(NR_STEPS <= COV_MAX_STEPS, "raise COV_MAX_STEPS");

static const char *const state_names[COV_NR_STATES] = {
	[COV_CLEAN] = "clean", [COV_DIRTY] = "dirty",
	[COV_WRITEBACK] = "writeback", [COV_MAPPED] = "mapped",
	[COV_SHARED] = "shared",
};

int cov_nr_steps(void)
{
	return NR_STEPS;
}

const char *cov_step_name(int step)
{
	return step >= 0 && step < NR_STEPS ? steps[step] : NULL;
}

const char *cov_state_name(enum cov_state s)
{
	return state_names[s];
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

int cov_step_index(const char *name)
{
	const char *const *hit;

	if (!name)
		return NR_STEPS - 1;
	hit = bsearch(name, steps, NR_STEPS - 1, sizeof(steps[0]), cmp_name);
	return hit ? (int)(hit - steps) : NR_STEPS - 1;
}

/*
 * Step names are string literals: a cache keyed by the literal's address
 * saves the search.  The address only selects a cache slot (a Fibonacci
 * hash of it, so that neighbouring literals do not evict each other); the
 * index always comes from the table, so no result depends on it.
 */
#define COV_CACHE 256	/* a power of two */

static __thread struct {
	const char *name;
	int index;
} cache[COV_CACHE];

static int step_index_cached(const char *name)
{
	unsigned int slot;

	if (!name)
		return NR_STEPS - 1;
	slot = (unsigned int)(((uintptr_t)name * 0x9e3779b97f4a7c15ULL) >> 32) &
	       (COV_CACHE - 1);
	if (cache[slot].name != name) {
		cache[slot].name = name;
		cache[slot].index = cov_step_index(name);
	}
	return cache[slot].index;
}

/* Step @i ran with page @p: the states @p was in. */
static void note_page(struct model_cov *c, int i, const struct page *p)
{
	c->hits[i][page_test(p, PG_dirty) ? COV_DIRTY : COV_CLEAN]++;
	if (page_test(p, PG_writeback))
		c->hits[i][COV_WRITEBACK]++;
	if (folio_mapped(p))
		c->hits[i][COV_MAPPED]++;
	if (folio_shared(p))
		c->hits[i][COV_SHARED]++;
}

void cov_note(struct model_cov *c, const char *name, const struct page *p)
{
	int i = step_index_cached(name);

	c->runs[i]++;
	if (p)
		note_page(c, i, p);
}

void cov_note_page(struct model_cov *c, const char *name,
		   const struct page *p)
{
	note_page(c, step_index_cached(name), p);
}

uint64_t cov_pairs(const struct model_cov *c)
{
	uint64_t n = 0;
	int i, s;

	for (i = 0; i < NR_STEPS; i++)
		for (s = 0; s < COV_NR_STATES; s++)
			n += c->hits[i][s] != 0;
	return n;
}

uint64_t cov_universe(void)
{
	return (uint64_t)(NR_STEPS - 1) * COV_NR_STATES;
}

uint64_t cov_merge(struct model_cov *total, const struct model_cov *run)
{
	uint64_t fresh = 0;
	int i, s;

	for (i = 0; i < NR_STEPS; i++) {
		total->runs[i] += run->runs[i];
		for (s = 0; s < COV_NR_STATES; s++) {
			fresh += run->hits[i][s] && !total->hits[i][s];
			total->hits[i][s] += run->hits[i][s];
		}
	}
	return fresh;
}
