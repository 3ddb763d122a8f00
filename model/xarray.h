/* SPDX-License-Identifier: MIT */
/*
 * model/xarray.h - a sparse uint64_t-indexed array of pointers, after the
 * kernel's XArray (include/linux/xarray.h, lib/xarray.c).
 *
 * Scope: the index structure behind address_space->i_pages (page index ->
 * struct page) and any other sparse u64-keyed map of the model.  It stores
 * the caller's non-NULL pointers and never dereferences them.
 *
 * Shape: a radix tree of nodes of up to 64 slots (XA_CHUNK_SHIFT 6).  A node at
 * level shift S maps bits [S, S + 6) of the index; leaves have shift 0 and
 * hold entries, inner nodes hold child nodes.  Each node carries one bitmap
 * per mark plus a "present" bitmap of occupied slots; a bit in an inner node
 * is set iff the child below it has that bit set somewhere, so finding the
 * next marked entry costs O(height), height <= 11.
 *
 * Invariants (checked by xa_check()):
 *   - xa_head is NULL iff the array is empty;
 *   - no node is empty: empty nodes are freed as soon as they become empty;
 *   - the tree is as short as possible: a root with more than one level and
 *     only slot 0 occupied is collapsed into its child (but a non-empty
 *     array always has at least one node);
 *   - every mark bitmap and the present bitmap agree with the slots below;
 *   - xa_count is the number of entries, xa_nodes the number of nodes,
 *     xa_bytes their size; a node's capacity (4 or a multiple of 8) holds
 *     every slot it uses.
 *
 * Determinism: iteration is in index order; nothing depends on addresses.
 *
 * Locking: none.  The simulator is single-threaded; "Context:" lines in the
 * kerneldoc say which model lock a caller is expected to hold.
 */
#ifndef PCSIM_MODEL_XARRAY_H
#define PCSIM_MODEL_XARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A mark (tag) on an entry: XA_MARK_0..XA_MARK_MAX, or XA_PRESENT. */
typedef unsigned int xa_mark_t;

#define XA_MARK_0	0U
#define XA_MARK_1	1U
#define XA_MARK_2	2U
#define XA_MARK_MAX	XA_MARK_2
/* A search filter meaning "any entry"; not a mark that can be set. */
#define XA_PRESENT	8U

#define XA_CHUNK_SHIFT	6
#define XA_CHUNK_SIZE	(1U << XA_CHUNK_SHIFT)

struct xa_node;

/**
 * struct xarray - the root of an xarray; embed it by value.
 * @xa_head: root node, NULL when the array is empty.
 * @xa_count: number of entries stored.
 * @xa_nodes: number of nodes allocated.
 * @xa_bytes: their bytes (xa_mem_bytes()).
 * @xa_hint: the leaf of indices xa_hint_base..+63 found last, or NULL: a
 *           cache that makes sequential and repeated accesses O(1) (the
 *           page cache, writeback and the checker walk files in order).
 *           It never changes a result; a node freed or moved drops it.
 *
 * All fields are owned by the xa_* functions; callers only read xa_count
 * through xa_count().
 */
struct xarray {
	struct xa_node *xa_head;
	uint64_t xa_count;
	size_t xa_nodes;
	size_t xa_bytes;
	struct xa_node *xa_hint;
	uint64_t xa_hint_base;
};

#define XARRAY_INIT	{ NULL, 0, 0, 0, NULL, 0 }

void xa_init(struct xarray *xa);
void xa_destroy(struct xarray *xa);
void *xa_load(const struct xarray *xa, uint64_t index);
void *xa_store(struct xarray *xa, uint64_t index, void *entry);
void *xa_erase(struct xarray *xa, uint64_t index);
void xa_set_mark(struct xarray *xa, uint64_t index, xa_mark_t mark);
void xa_clear_mark(struct xarray *xa, uint64_t index, xa_mark_t mark);
void xa_update_marks(struct xarray *xa, uint64_t index, unsigned int set,
		     unsigned int clear);
void xa_copy_marks(struct xarray *xa, uint64_t first, uint64_t last,
		   xa_mark_t from, xa_mark_t to);
bool xa_get_mark(const struct xarray *xa, uint64_t index, xa_mark_t mark);
unsigned int xa_get_marks(const struct xarray *xa, uint64_t index);
void *xa_load_marks(const struct xarray *xa, uint64_t index,
		    unsigned int *marks);
bool xa_marked(const struct xarray *xa, xa_mark_t mark);
void *xa_find(const struct xarray *xa, uint64_t *indexp, uint64_t max,
	      xa_mark_t filter);
void *xa_find_after(const struct xarray *xa, uint64_t *indexp, uint64_t max,
		    xa_mark_t filter);
uint64_t xa_count(const struct xarray *xa);
bool xa_last_index(const struct xarray *xa, uint64_t *indexp);
bool xa_empty(const struct xarray *xa);
size_t xa_mem_bytes(const struct xarray *xa);

/* Visitor of xa_scan(): return true to stop the scan. */
typedef bool (*xa_scan_fn)(uint64_t index, void *entry, unsigned int marks,
			   void *arg);
bool xa_scan(const struct xarray *xa, xa_scan_fn fn, void *arg);
int xa_check(const struct xarray *xa);

/**
 * xa_for_each_range() - iterate over entries with index in [start, last].
 * @xa: the xarray.
 * @index: uint64_t lvalue, set to the index of each entry in turn.
 * @entry: void * lvalue, set to each entry in turn; NULL after the loop.
 * @start: first index to look at.
 * @last: last index to look at.
 * @filter: XA_MARK_0..XA_MARK_MAX, or XA_PRESENT for every entry.
 *
 * Entries are visited in ascending index order.  The body may store or
 * erase any entry, including the current one: each step is a fresh search
 * strictly after @index.
 */
#define xa_for_each_range(xa, index, entry, start, last, filter)	\
	for ((index) = (start),						\
	     (entry) = xa_find((xa), &(index), (last), (filter));	\
	     (entry);							\
	     (entry) = xa_find_after((xa), &(index), (last), (filter)))

#define xa_for_each_start(xa, index, entry, start)			\
	xa_for_each_range(xa, index, entry, start, UINT64_MAX, XA_PRESENT)

#define xa_for_each_marked(xa, index, entry, filter)			\
	xa_for_each_range(xa, index, entry, 0, UINT64_MAX, filter)

#define xa_for_each(xa, index, entry)					\
	xa_for_each_range(xa, index, entry, 0, UINT64_MAX, XA_PRESENT)

#endif /* PCSIM_MODEL_XARRAY_H */
