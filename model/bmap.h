/* SPDX-License-Identifier: MIT */
/*
 * model/bmap.h - an XFS-style extent map ("fork") of one inode.
 *
 * Scope: the in-core extent list of fs/xfs (struct xfs_ifork, iterated with
 * struct xfs_bmbt_irec records), used by the model for an inode's data fork
 * (file block -> disk block, written or unwritten, or delayed allocation)
 * and for its COW fork (staging extents of copy-on-write).  It maps file
 * block offsets ("fsb", uint64_t) to disk blocks; it knows nothing of pages,
 * of block reference counts or of the allocator: callers own those.
 *
 * Invariants of every map (bmap_check() verifies all of them):
 *   1. extents are sorted by br_startoff and do not overlap;
 *   2. no extent has br_blockcount == 0, and no extent state is EXT_HOLE:
 *      a hole is the absence of an extent;
 *   3. br_startoff + br_blockcount <= UINT64_MAX, and for a real extent
 *      (EXT_UNWRITTEN, EXT_WRITTEN) br_startblock + br_blockcount <=
 *      UINT64_MAX, so neither range overflows and BMAP_NOBLOCK is never a
 *      real block;
 *   4. br_startblock == BMAP_NOBLOCK if and only if the state is
 *      EXT_DELALLOC;
 *   5. the map is canonical: no two neighbours could be merged.  Neighbours
 *      merge when they are file-contiguous, have the same state and, unless
 *      delalloc, are disk-contiguous.  Hence two maps describing the same
 *      mapping have exactly the same extents, and bmap_nextents() is the
 *      minimal number of extents for that mapping.
 *
 * Ranges are half-open, [off, off + count).  The caller guarantees that
 * off + count <= UINT64_MAX (and startblock + count <= UINT64_MAX for real
 * extents); a debug build (no NDEBUG) aborts with a message naming the
 * broken contract, a release build clamps the range and carries on.
 *
 * Complexity: lookups and neighbour steps are O(log n) (a balanced tree
 * keyed by br_startoff); bmap_set() is O(log n) plus O(log n) per extent it
 * removes.  Memory is one tree node plus one struct bmap_irec per extent.
 *
 * Locking: none inside.  A map belongs to one inode; the model's caller
 * holds that inode's ILOCK-equivalent across any call.  Nothing here is
 * thread-safe, and nothing here depends on pointer values or hash order, so
 * iteration order is always file order.
 */
#ifndef PCSIM_MODEL_BMAP_H
#define PCSIM_MODEL_BMAP_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

/* br_startblock of a DELALLOC extent, and of a hole returned by lookup. */
#define BMAP_NOBLOCK	UINT64_MAX

/* State of a file range, like xfs_exntst_t plus the delalloc/hole cases. */
enum ext_state {
	EXT_HOLE = 0,		/* nothing mapped */
	EXT_DELALLOC,		/* reserved, no disk block yet */
	EXT_UNWRITTEN,		/* allocated, reads as zeroes */
	EXT_WRITTEN,		/* disk blocks hold the data */
};

/*
 * One extent, as struct xfs_bmbt_irec.  Every field is owned by whoever
 * holds the record: the map for its own records, the caller for a copy.
 */
struct bmap_irec {
	uint64_t	br_startoff;	/* first file block */
	uint64_t	br_startblock;	/* disk block, or BMAP_NOBLOCK */
	uint64_t	br_blockcount;	/* blocks; > 0 in a map */
	enum ext_state	br_state;	/* never EXT_HOLE inside a map */
};

struct bmap;	/* opaque */

/* Callback of bmap_walk(); a non-zero return stops the walk. */
typedef int (*bmap_walk_fn)(const struct bmap_irec *irec, void *arg);

struct bmap *bmap_new(void);
void bmap_free(struct bmap *map);
struct bmap *bmap_dup(const struct bmap *map);
bool bmap_equal(const struct bmap *a, const struct bmap *b);

void bmap_lookup(const struct bmap *map, uint64_t off, struct bmap_irec *irec);
void bmap_set(struct bmap *map, uint64_t off, uint64_t count,
	      enum ext_state state, uint64_t startblock);
int bmap_walk(const struct bmap *map, uint64_t off, uint64_t count,
	      bmap_walk_fn fn, void *arg);

uint64_t bmap_nextents(const struct bmap *map);
uint64_t bmap_next_mapped(const struct bmap *map, uint64_t off);
uint64_t bmap_last_mapped_end(const struct bmap *map);
uint64_t bmap_seq(const struct bmap *map);

int bmap_check(const struct bmap *map);
int bmap_check_report(const struct bmap *map, GString *why);
void bmap_dump(const struct bmap *map, GString *out);
const char *bmap_state_name(enum ext_state state);

#endif /* PCSIM_MODEL_BMAP_H */
