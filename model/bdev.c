// SPDX-License-Identifier: MIT
/*
 * model/bdev.c - the block device and XFS free-space accounting.
 *
 * Scope: block contents, block reference counts (the refcount btree of a
 * reflink file system: one reference per data-fork or COW-fork mapping),
 * a deterministic next-fit allocator, delalloc reservations and ENOSPC, and
 * busy extents.
 *
 * Invariants:
 *   - state == BLK_USED  <=>  refcount > 0;
 *   - a block whose last reference is dropped becomes BLK_BUSY, not free: it
 *     cannot be reused until the log force that makes the free durable
 *     (xfs_extent_busy), so a crash can never recover a mapping to a block
 *     that now holds another file's data;
 *   - nfree >= reserved: a delalloc reservation is always backed;
 *   - no block at or above hwm has content (NULL reads as zeroes): only
 *     bdev_write() gives a block content, and it raises hwm past it.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "model/core.h"
#include "model/never.h"
#include "model/policy.h"

/*
 * Writes allocate blocks in disk order, so a large workload touches the
 * whole block array: when the allocator reaches block @n past what is
 * populated, the next BDEV_PREFAULT bytes of the array are populated in
 * one call (MADV_POPULATE_WRITE) instead of a page fault per 4 KiB (the
 * first writeback of a million pages faulted 16 MiB in).  Only arrays of
 * BDEV_PREFAULT_MIN bytes and more: a scenario's default 1 GiB disk is
 * not worth a system call per kernel (`pcsim explore` boots thousands).
 * Where the call fails (kernels before 5.14) the faults stay.
 */
#define BDEV_PREFAULT		(1U << 20)
#define BDEV_PREFAULT_MIN	(8U << 20)

static void bdev_prefault(struct block_device *b, uint64_t n)
{
	uintptr_t start, end, limit;

	if (b->nblocks * sizeof(*b->blocks) < BDEV_PREFAULT_MIN ||
	    n < b->prefaulted)
		return;
	start = (uintptr_t)&b->blocks[n] & ~(uintptr_t)4095;
	limit = (uintptr_t)&b->blocks[b->nblocks];
	end = MIN(start + BDEV_PREFAULT, limit);
	madvise((void *)start, end - start, MADV_POPULATE_WRITE);
	b->prefaulted = (end - (uintptr_t)b->blocks) / sizeof(*b->blocks);
}

void bdev_init(struct kernel *k, uint64_t nblocks)
{
	struct block_device *b = &k->bdev;

	b->nblocks = nblocks;
	b->blocks = calloc(nblocks ? nblocks : 1, sizeof(*b->blocks));
	if (NEVER(!b->blocks))
		abort();
	b->nfree = nblocks;
	b->nbusy = 0;
	b->reserved = 0;
	b->cursor = 0;
	b->hwm = 0;
	b->busy = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	b->bio_pool = NULL;
	b->bio_pool_len = 0;
	b->prefaulted = 0;
}

/*
 * Context: the kernel is being freed, and its content pool with it
 * (kernel_free()), so the blocks' contents are not put one by one: the
 * pool frees every content it holds.  Every bio has completed or been
 * discarded: the free ones of the bio set go.
 */
void bdev_destroy(struct kernel *k)
{
	struct block_device *b = &k->bdev;
	struct bio *bio;

	free(b->blocks);
	g_array_free(b->busy, TRUE);
	b->blocks = NULL;
	while ((bio = b->bio_pool)) {
		b->bio_pool = bio->io_next;
		free(bio);
	}
	b->bio_pool_len = 0;
}

/* Could @n more blocks be reserved or allocated (free + busy)? */
bool bdev_has_space(const struct kernel *k, uint64_t n)
{
	const struct block_device *b = &k->bdev;

	return b->reserved + n <= b->nfree + b->nbusy;
}

/* xfs_mod_fdblocks(-n): reserve space for a delalloc extent. */
int bdev_reserve(struct kernel *k, uint64_t n)
{
	if (!bdev_has_space(k, n))
		return -ENOSPC;
	k->bdev.reserved += n;
	return 0;
}

void bdev_unreserve(struct kernel *k, uint64_t n)
{
	k->bdev.reserved -= n < k->bdev.reserved ? n : k->bdev.reserved;
}

static bool bdev_find_free(struct block_device *b, uint64_t *blockp)
{
	uint64_t i, n;

	for (i = 0, n = b->cursor; i < b->nblocks; i++) {
		if (b->blocks[n].state == BLK_FREE) {
			bdev_prefault(b, n);
			*blockp = n;
			b->cursor = n + 1 == b->nblocks ? 0 : n + 1;
			return true;
		}
		n = n + 1 == b->nblocks ? 0 : n + 1;
	}
	return false;
}

/**
 * bdev_alloc - allocate one block with refcount 1.
 * @reserved: the caller holds a delalloc reservation for it.
 *
 * When only busy blocks remain, the log is forced to make them reusable,
 * as xfs_extent_busy_flush() does.
 * Return: 0, or -ENOSPC.
 */
int bdev_alloc(struct kernel *k, uint64_t *blockp, bool reserved)
{
	struct block_device *b = &k->bdev;

	if (!reserved && !bdev_has_space(k, 1))
		return -ENOSPC;
	if (!b->nfree && b->nbusy)
		xfs_log_force(k);
	if (!bdev_find_free(b, blockp))
		return -ENOSPC;
	if (reserved)
		bdev_unreserve(k, 1);
	b->blocks[*blockp].state = BLK_USED;
	b->blocks[*blockp].refcount = 1;
	check_mark_block(k, *blockp);
	b->nfree--;
	return 0;
}

void bdev_get(struct kernel *k, uint64_t block)
{
	struct block *blk = &k->bdev.blocks[block];

	if (blk->state != BLK_USED)
		kernel_report(k, "refcounts", "reference to free block %llu",
			      (unsigned long long)block);
	if (blk->refcount == BLOCK_REFCOUNT_MAX) {
		kernel_report(k, "refcounts",
			      "block %llu: more than %u references (pcsim's limit)",
			      (unsigned long long)block, BLOCK_REFCOUNT_MAX);
		return;
	}
	blk->refcount++;
	check_mark_block(k, block);
}

void bdev_put(struct kernel *k, uint64_t block)
{
	struct block_device *b = &k->bdev;
	struct block *blk = &b->blocks[block];

	if (blk->state != BLK_USED || !blk->refcount) {
		kernel_report(k, "refcounts", "put of free block %llu",
			      (unsigned long long)block);
		return;
	}
	check_mark_block(k, block);
	if (--blk->refcount)
		return;
	if (k->policy->block_changed)
		k->policy->block_changed(k, block);
	blk->state = BLK_BUSY;
	b->nbusy++;
	if (!k->dying)		/* no log force will free it */
		g_array_append_val(b->busy, block);
}

void bdev_write(struct kernel *k, uint64_t block, const struct content *c)
{
	struct block *blk = &k->bdev.blocks[block];
	const struct content *old = blk->content;

	blk->content = content_get(c);
	content_put(k->pool, old);
	if (block >= k->bdev.hwm)
		k->bdev.hwm = block + 1;
}

/* What block @block holds (a borrowed reference); zeroes if never written. */
const struct content *bdev_read(const struct kernel *k, uint64_t block)
{
	const struct content *c = k->bdev.blocks[block].content;

	return c ? c : content_zero(k->pool);
}

/* The frees logged so far are durable: busy blocks become free. */
void bdev_log_force(struct kernel *k)
{
	struct block_device *b = &k->bdev;
	guint i;

	for (i = 0; i < b->busy->len; i++) {
		uint64_t n = g_array_index(b->busy, uint64_t, i);

		if (b->blocks[n].state != BLK_BUSY)
			continue;
		b->blocks[n].state = BLK_FREE;
		b->nbusy--;
		b->nfree++;
	}
	g_array_set_size(b->busy, 0);
}
