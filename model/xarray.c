/* SPDX-License-Identifier: MIT */
/*
 * model/xarray.c - radix tree of 64-slot nodes with per-node mark bitmaps.
 *
 * Scope: the implementation of model/xarray.h; see there for the shape and
 * the invariants.  In short:
 *
 *   - A node at shift S covers 2^(S + 6) consecutive indices aligned to
 *     that size (the root at shift 60 covers all 2^64).  Slot i of the node
 *     holds the child (S > 0) or the entry (S == 0) for bits [S, S + 6) == i.
 *   - node->bits[XA_BM_PRESENT] has bit i set iff slots[i] != NULL, so a
 *     node is empty iff that bitmap is 0, and it doubles as the "any entry"
 *     filter of xa_find().
 *   - node->bits[m] (m a mark) has bit i set iff the entry in slot i has
 *     mark m (leaf) or the child in slot i has any bit of bits[m] set
 *     (inner node).  Setting and clearing walk upward only as far as a
 *     bitmap changes between empty and non-empty.
 *
 * Memory: a node is 16 bytes of header, 32 bytes of bitmaps and room for
 * @cap slots, @cap the smallest of 4, 8, 16, 24, ... 64 above the highest
 * slot it ever used; it grows (g_realloc, relinking parent and
 * children) when a store needs a higher slot and never shrinks.  A dense
 * leaf is 8.75 bytes per entry, as the kernel's; the roots of small trees
 * (a 100-page file's has two children) and the leaves of small files cost
 * 80-176 bytes instead of 560.  Nodes come from g_malloc0(), which aborts
 * on exhaustion like the rest of the simulator.
 */
#include "model/xarray.h"

#include <stddef.h>
#include <string.h>

#include <glib.h>

/* Bitmaps per node: one per mark, then the present (occupied-slot) map. */
#define XA_BM_PRESENT	(XA_MARK_MAX + 1)
#define XA_BITMAPS	(XA_BM_PRESENT + 1)
#define XA_SLOT_MASK	(XA_CHUNK_SIZE - 1)
#define XA_MAX_SHIFT	60
#define XA_MIN_CAP	4

/**
 * struct xa_node - one level-chunk of the radix tree.
 * @shift: index bits below this node's slot number (0 for leaves).
 * @offset: slot of this node in @parent (0 for the root).
 * @cap: slots allocated (4 or a multiple of 8 up to XA_CHUNK_SIZE); slots
 *       at and above it are empty.
 * @parent: node one level up, NULL for the root.
 * @bits: XA_MARK_0..XA_MARK_MAX bitmaps, then XA_BM_PRESENT.
 * @slots: children (inner node) or caller entries (leaf).
 *
 * All fields are guarded by whoever guards the owning struct xarray.
 */
struct xa_node {
	unsigned char shift;
	unsigned char offset;
	unsigned char cap;
	struct xa_node *parent;
	uint64_t bits[XA_BITMAPS];
	void *slots[];
};

static size_t xa_node_size(unsigned int cap)
{
	return offsetof(struct xa_node, slots) + cap * sizeof(void *);
}

/*
 * The capacity a node needs for slot @off: 4 or 8, then multiples of 8 (a
 * file of 100 pages has a second leaf of 40 slots, not 64).
 */
static unsigned int xa_cap_for(unsigned int off)
{
	if (off < XA_MIN_CAP)
		return XA_MIN_CAP;
	return (off | 7) + 1;
}

/* Slot @off of @node: NULL beyond its capacity. */
static void *xa_slot(const struct xa_node *node, unsigned int off)
{
	return off < node->cap ? node->slots[off] : NULL;
}

/* Mask of the index bits covered by one node at @shift. */
static uint64_t xa_span_mask(unsigned int shift)
{
	if (shift + XA_CHUNK_SHIFT >= 64)
		return UINT64_MAX;
	return (UINT64_C(1) << (shift + XA_CHUNK_SHIFT)) - 1;
}

static unsigned int xa_offset(uint64_t index, unsigned int shift)
{
	return (index >> shift) & XA_SLOT_MASK;
}

static uint64_t xa_bit(unsigned int offset)
{
	return UINT64_C(1) << offset;
}

/* Bitmap number for a search filter, or -1 if @filter is not valid. */
static int xa_filter_bitmap(xa_mark_t filter)
{
	if (filter <= XA_MARK_MAX)
		return (int)filter;
	if (filter == XA_PRESENT)
		return XA_BM_PRESENT;
	return -1;
}

/* A node at @shift, in slot @offset of @parent, with room for slot @first. */
static struct xa_node *xa_node_alloc(struct xarray *xa, unsigned int shift,
				     unsigned int offset,
				     struct xa_node *parent, unsigned int first)
{
	unsigned int cap = xa_cap_for(first);
	struct xa_node *node = g_malloc0(xa_node_size(cap));

	node->shift = (unsigned char)shift;
	node->offset = (unsigned char)offset;
	node->cap = (unsigned char)cap;
	node->parent = parent;
	xa->xa_nodes++;
	xa->xa_bytes += xa_node_size(cap);
	return node;
}

static void xa_node_free(struct xarray *xa, struct xa_node *node)
{
	if (node == xa->xa_hint)
		xa->xa_hint = NULL;
	xa->xa_bytes -= xa_node_size(node->cap);
	g_free(node);
	xa->xa_nodes--;
}

/*
 * Make room for slot @off in @node: a larger copy, linked in place of it
 * (parent slot or xa_head, and the children's parent pointers).
 * Return: the node, moved or not.
 */
static struct xa_node *xa_node_fit(struct xarray *xa, struct xa_node *node,
				   unsigned int off)
{
	unsigned int old = node->cap, cap, i;

	if (off < old)
		return node;
	cap = xa_cap_for(off);
	if (node == xa->xa_hint)
		xa->xa_hint = NULL;
	node = g_realloc(node, xa_node_size(cap));
	memset(&node->slots[old], 0, (cap - old) * sizeof(void *));
	node->cap = (unsigned char)cap;
	xa->xa_bytes += xa_node_size(cap) - xa_node_size(old);
	if (node->parent)
		node->parent->slots[node->offset] = node;
	else
		xa->xa_head = node;
	for (i = 0; node->shift && i < old; i++)
		if (node->slots[i])
			((struct xa_node *)node->slots[i])->parent = node;
	return node;
}

/* Set bit @offset of bitmap @b in @node and as far up as needed. */
static void xa_node_set_bit(struct xa_node *node, unsigned int offset,
			    unsigned int b)
{
	while (node && !(node->bits[b] & xa_bit(offset))) {
		node->bits[b] |= xa_bit(offset);
		offset = node->offset;
		node = node->parent;
	}
}

/* Clear bit @offset of bitmap @b in @node and as far up as needed. */
static void xa_node_clear_bit(struct xa_node *node, unsigned int offset,
			      unsigned int b)
{
	while (node) {
		node->bits[b] &= ~xa_bit(offset);
		if (node->bits[b])
			break;
		offset = node->offset;
		node = node->parent;
	}
}

/* The marks of slot @off of a leaf: bit N set iff it has XA_MARK_N. */
static unsigned int xa_leaf_marks(const struct xa_node *leaf, unsigned int off)
{
	_Static_assert(XA_MARK_MAX == 2, "one term per mark");
	return (unsigned int)(((leaf->bits[0] >> off) & 1) |
			      (((leaf->bits[1] >> off) & 1) << 1) |
			      (((leaf->bits[2] >> off) & 1) << 2));
}

/*
 * Remember @leaf as the leaf of @index.  The hint is a cache, not the
 * array's content: it is written through a const xarray too.
 */
static void xa_hint_set(const struct xarray *xa, struct xa_node *leaf,
			uint64_t index)
{
	struct xarray *w = (struct xarray *)xa;

	w->xa_hint = leaf;
	w->xa_hint_base = index & ~(uint64_t)XA_SLOT_MASK;
}

/* The hinted leaf if it is the one of @index, else NULL. */
static struct xa_node *xa_hint_leaf(const struct xarray *xa, uint64_t index)
{
	if (xa->xa_hint && (index & ~(uint64_t)XA_SLOT_MASK) ==
			   xa->xa_hint_base)
		return xa->xa_hint;
	return NULL;
}

/* The leaf that would hold @index, or NULL if there is none. */
static struct xa_node *xa_leaf(const struct xarray *xa, uint64_t index)
{
	struct xa_node *node = xa_hint_leaf(xa, index);

	if (node)
		return node;
	node = xa->xa_head;
	if (!node || index > xa_span_mask(node->shift))
		return NULL;
	while (node && node->shift)
		node = xa_slot(node, xa_offset(index, node->shift));
	if (node)
		xa_hint_set(xa, node, index);
	return node;
}

/* The leaf holding an entry at @index if there is one and @mark is valid. */
static struct xa_node *xa_marks_leaf(const struct xarray *xa, uint64_t index,
				     xa_mark_t mark)
{
	struct xa_node *leaf;

	if (mark > XA_MARK_MAX)
		return NULL;
	leaf = xa_leaf(xa, index);
	if (!leaf || !xa_slot(leaf, index & XA_SLOT_MASK))
		return NULL;
	return leaf;
}

/* Add levels on top until the root covers @index (or create the root). */
static void xa_grow(struct xarray *xa, uint64_t index)
{
	struct xa_node *head = xa->xa_head, *node;
	unsigned int shift = 0, b;

	if (!head) {
		while (index > xa_span_mask(shift))
			shift += XA_CHUNK_SHIFT;
		xa->xa_head = xa_node_alloc(xa, shift, 0, NULL,
					    xa_offset(index, shift));
		return;
	}
	while (index > xa_span_mask(head->shift)) {
		node = xa_node_alloc(xa, head->shift + XA_CHUNK_SHIFT, 0, NULL,
				     0);
		for (b = 0; b < XA_BITMAPS; b++)
			node->bits[b] = head->bits[b] ? 1 : 0;
		node->slots[0] = head;
		head->parent = node;
		head->offset = 0;
		xa->xa_head = head = node;
	}
}

/* Collapse roots whose only child sits in slot 0. */
static void xa_shrink(struct xarray *xa)
{
	struct xa_node *head = xa->xa_head, *child;

	while (head && head->shift && head->bits[XA_BM_PRESENT] == 1) {
		child = head->slots[0];		/* present bit 0: not NULL */
		// cppcheck-suppress nullPointerRedundantCheck
		child->parent = NULL;
		// cppcheck-suppress nullPointerRedundantCheck
		child->offset = 0;
		xa->xa_head = child;
		xa_node_free(xa, head);
		head = child;
	}
}

/* Free @node and its ancestors while they are empty. */
static void xa_free_empty(struct xarray *xa, struct xa_node *node)
{
	struct xa_node *parent;

	while (node && !node->bits[XA_BM_PRESENT]) {
		parent = node->parent;
		if (parent)
			parent->slots[node->offset] = NULL;
		else
			xa->xa_head = NULL;
		xa_node_free(xa, node);
		node = parent;
	}
}

static void xa_free_subtree(struct xarray *xa, struct xa_node *node)
{
	uint64_t present = node->bits[XA_BM_PRESENT];

	while (node->shift && present) {
		xa_free_subtree(xa, node->slots[__builtin_ctzll(present)]);
		present &= present - 1;
	}
	xa_node_free(xa, node);
}

/**
 * xa_init() - initialise an empty xarray.
 * @xa: the xarray.
 *
 * Equivalent to assigning XARRAY_INIT.
 */
void xa_init(struct xarray *xa)
{
	*xa = (struct xarray)XARRAY_INIT;
}

/**
 * xa_destroy() - free every node and leave @xa empty.
 * @xa: the xarray.
 *
 * The entries themselves belong to the caller and are not touched.  The
 * xarray may be reused afterwards without another xa_init().
 */
void xa_destroy(struct xarray *xa)
{
	if (xa->xa_head)
		xa_free_subtree(xa, xa->xa_head);
	xa_init(xa);
}

/**
 * xa_load() - look up the entry at @index.
 * @xa: the xarray.
 * @index: any index.
 *
 * Return: the entry, or NULL if there is none.
 */
void *xa_load(const struct xarray *xa, uint64_t index)
{
	struct xa_node *leaf = xa_leaf(xa, index);

	return leaf ? xa_slot(leaf, index & XA_SLOT_MASK) : NULL;
}

/**
 * xa_store() - store @entry at @index.
 * @xa: the xarray.
 * @index: any index, 0..UINT64_MAX.
 * @entry: the caller's non-NULL pointer; NULL makes this an xa_erase().
 *
 * Replacing an entry keeps its marks; a new entry starts with none.
 *
 * Context: the caller holds the lock guarding @xa (i_pages: the mapping's
 * i_pages lock in the kernel).
 * Return: the entry previously at @index, or NULL.
 */
void *xa_store(struct xarray *xa, uint64_t index, void *entry)
{
	struct xa_node *node, *child;
	unsigned int off;
	void *old;

	if (!entry)
		return xa_erase(xa, index);
	node = xa_hint_leaf(xa, index);
	if (!node) {
		xa_grow(xa, index);
		node = xa->xa_head;
	}
	while (node->shift) {
		off = xa_offset(index, node->shift);
		child = xa_slot(node, off);
		if (!child) {
			node = xa_node_fit(xa, node, off);
			child = xa_node_alloc(xa, node->shift - XA_CHUNK_SHIFT,
					      off, node,
					      xa_offset(index, node->shift -
							XA_CHUNK_SHIFT));
			node->slots[off] = child;
			node->bits[XA_BM_PRESENT] |= xa_bit(off);
		}
		node = child;
	}
	off = index & XA_SLOT_MASK;
	node = xa_node_fit(xa, node, off);
	xa_hint_set(xa, node, index);
	old = node->slots[off];
	node->slots[off] = entry;
	if (!old) {
		node->bits[XA_BM_PRESENT] |= xa_bit(off);
		xa->xa_count++;
	}
	return old;
}

/**
 * xa_erase() - remove the entry at @index.
 * @xa: the xarray.
 * @index: any index.
 *
 * Clears the entry's marks, frees nodes that become empty and lowers the
 * tree when the root has a single child in slot 0.
 *
 * Context: as xa_store().
 * Return: the entry that was at @index, or NULL if there was none.
 */
void *xa_erase(struct xarray *xa, uint64_t index)
{
	struct xa_node *leaf = xa_leaf(xa, index);
	unsigned int off = index & XA_SLOT_MASK, b;
	void *old;

	if (!leaf || !xa_slot(leaf, off))
		return NULL;
	old = leaf->slots[off];
	leaf->slots[off] = NULL;
	xa->xa_count--;
	for (b = 0; b < XA_BITMAPS; b++)
		xa_node_clear_bit(leaf, off, b);
	xa_free_empty(xa, leaf);
	xa_shrink(xa);
	return old;
}

/**
 * xa_set_mark() - set @mark on the entry at @index.
 * @xa: the xarray.
 * @index: any index.
 * @mark: XA_MARK_0..XA_MARK_MAX.
 *
 * A no-op if there is no entry at @index or @mark is out of range.
 *
 * Context: as xa_store().
 */
void xa_set_mark(struct xarray *xa, uint64_t index, xa_mark_t mark)
{
	struct xa_node *leaf = xa_marks_leaf(xa, index, mark);

	if (leaf)
		xa_node_set_bit(leaf, index & XA_SLOT_MASK, mark);
}

/**
 * xa_clear_mark() - clear @mark on the entry at @index.
 * @xa: the xarray.
 * @index: any index.
 * @mark: XA_MARK_0..XA_MARK_MAX.
 *
 * A no-op if there is no entry at @index or @mark is out of range.
 *
 * Context: as xa_store().
 */
void xa_clear_mark(struct xarray *xa, uint64_t index, xa_mark_t mark)
{
	struct xa_node *leaf = xa_marks_leaf(xa, index, mark);

	if (leaf)
		xa_node_clear_bit(leaf, index & XA_SLOT_MASK, mark);
}

/**
 * xa_update_marks() - set and clear marks of the entry at @index at once.
 * @xa: the xarray.
 * @index: any index.
 * @set: marks to set, bit N for XA_MARK_N.
 * @clear: marks to clear (a mark in both ends up set).
 *
 * One descent for what xa_clear_mark() and xa_set_mark() would do mark by
 * mark.  A no-op if there is no entry at @index.
 *
 * Context: as xa_store().
 */
void xa_update_marks(struct xarray *xa, uint64_t index, unsigned int set,
		     unsigned int clear)
{
	struct xa_node *leaf = xa_marks_leaf(xa, index, XA_MARK_0);
	unsigned int off = index & XA_SLOT_MASK, mark;

	for (mark = 0; leaf && mark <= XA_MARK_MAX; mark++) {
		if (set & (1U << mark))
			xa_node_set_bit(leaf, off, mark);
		else if (clear & (1U << mark))
			xa_node_clear_bit(leaf, off, mark);
	}
}

/**
 * xa_get_mark() - test @mark on the entry at @index.
 * @xa: the xarray.
 * @index: any index.
 * @mark: XA_MARK_0..XA_MARK_MAX.
 *
 * Return: true iff there is an entry at @index and it has @mark.
 */
bool xa_get_mark(const struct xarray *xa, uint64_t index, xa_mark_t mark)
{
	struct xa_node *leaf = xa_marks_leaf(xa, index, mark);

	return leaf && (leaf->bits[mark] & xa_bit(index & XA_SLOT_MASK));
}

/**
 * xa_get_marks() - every mark of the entry at @index, in one descent.
 * @xa: the xarray.
 * @index: any index.
 *
 * Return: bit N set iff the entry has XA_MARK_N; 0 if there is no entry.
 */
unsigned int xa_get_marks(const struct xarray *xa, uint64_t index)
{
	struct xa_node *leaf = xa_marks_leaf(xa, index, XA_MARK_0);

	return leaf ? xa_leaf_marks(leaf, index & XA_SLOT_MASK) : 0;
}

/**
 * xa_load_marks() - the entry at @index and its marks, in one descent.
 * @xa: the xarray.
 * @index: any index.
 * @marks: out: bit N set iff the entry has XA_MARK_N (0 if there is none).
 *
 * Return: the entry, or NULL if there is none.
 */
void *xa_load_marks(const struct xarray *xa, uint64_t index,
		    unsigned int *marks)
{
	struct xa_node *leaf = xa_leaf(xa, index);
	unsigned int off = index & XA_SLOT_MASK;

	*marks = leaf ? xa_leaf_marks(leaf, off) : 0;
	return leaf ? xa_slot(leaf, off) : NULL;
}

/**
 * xa_marked() - does any entry have @mark?
 * @xa: the xarray.
 * @mark: XA_MARK_0..XA_MARK_MAX, or XA_PRESENT ("is there any entry").
 *
 * Return: true iff some entry matches; O(1).
 */
bool xa_marked(const struct xarray *xa, xa_mark_t mark)
{
	int b = xa_filter_bitmap(mark);

	return b >= 0 && xa->xa_head && xa->xa_head->bits[b];
}

/*
 * Step @index to the first index after @node's range and return the lowest
 * ancestor whose range still contains it; NULL when the array is exhausted.
 * Past UINT64_MAX @index wraps to 0, which no ancestor contains (its range
 * would have to be aligned at 2^64), so that ends the search too.
 */
static const struct xa_node *xa_ascend(const struct xa_node *node,
				       uint64_t *index)
{
	*index = (*index | xa_span_mask(node->shift)) + 1;
	do
		node = node->parent;
	while (node && !(*index & xa_span_mask(node->shift)));
	return node;
}

/* First entry in [index, max] whose bit in bitmap @b is set. */
static void *xa_find_from(const struct xarray *xa, uint64_t index,
			  uint64_t max, unsigned int b, uint64_t *indexp)
{
	const struct xa_node *node = xa_hint_leaf(xa, index);
	unsigned int off, next;
	uint64_t bits;

	if (!node) {
		node = xa->xa_head;
		if (!node || index > xa_span_mask(node->shift))
			return NULL;
	}
	while (node && index <= max) {
		off = xa_offset(index, node->shift);
		bits = node->bits[b] & (UINT64_MAX << off);
		if (!bits) {
			node = xa_ascend(node, &index);
			continue;
		}
		next = (unsigned int)__builtin_ctzll(bits);
		if (next != off) {
			index &= ~xa_span_mask(node->shift);
			index |= (uint64_t)next << node->shift;
			continue;
		}
		if (!node->shift) {
			xa_hint_set(xa, (struct xa_node *)node, index);
			*indexp = index;
			return node->slots[off];
		}
		node = node->slots[off];
	}
	return NULL;
}

/**
 * xa_find() - find the first matching entry in [*@indexp, @max].
 * @xa: the xarray.
 * @indexp: in: first index to look at; out: index of the entry found.
 * @max: last index to look at.
 * @filter: XA_MARK_0..XA_MARK_MAX, or XA_PRESENT for any entry.
 *
 * O(height) per node range skipped, thanks to the bitmaps.  *@indexp is
 * left unchanged when nothing is found.
 *
 * Return: the entry, or NULL if none matches (or @filter is invalid).
 */
void *xa_find(const struct xarray *xa, uint64_t *indexp, uint64_t max,
	      xa_mark_t filter)
{
	int b = xa_filter_bitmap(filter);

	if (b < 0)
		return NULL;
	return xa_find_from(xa, *indexp, max, (unsigned int)b, indexp);
}

/**
 * xa_copy_marks() - set @to on every entry of [@first, @last] that has
 * @from, a leaf at a time (the page cache's tag_pages_for_writeback).
 * @xa: the xarray.
 * @first: first index.
 * @last: last index.
 * @from: XA_MARK_0..XA_MARK_MAX: the mark to copy.
 * @to: XA_MARK_0..XA_MARK_MAX: the mark to set.
 *
 * O(height) per leaf holding a @from entry in the range, not per entry.
 *
 * Context: as xa_store().
 */
void xa_copy_marks(struct xarray *xa, uint64_t first, uint64_t last,
		   xa_mark_t from, xa_mark_t to)
{
	uint64_t index = first, base, mask;
	struct xa_node *leaf;

	if (from > XA_MARK_MAX || to > XA_MARK_MAX)
		return;
	while (index <= last &&
	       xa_find_from(xa, index, last, from, &index)) {
		leaf = xa->xa_hint;	/* xa_find_from() found it there */
		base = xa->xa_hint_base;
		mask = UINT64_MAX << (index - base);
		if (last - base < XA_SLOT_MASK)
			mask &= UINT64_MAX >> (XA_SLOT_MASK - (last - base));
		mask &= leaf->bits[from] & ~leaf->bits[to];
		if (mask) {
			xa_node_set_bit(leaf, __builtin_ctzll(mask), to);
			leaf->bits[to] |= mask;
		}
		if (base + XA_SLOT_MASK >= last)
			break;
		index = base + XA_CHUNK_SIZE;
	}
}

/**
 * xa_find_after() - find the first matching entry in (*@indexp, @max].
 * @xa: the xarray.
 * @indexp: in: index to search after; out: index of the entry found.
 * @max: last index to look at.
 * @filter: XA_MARK_0..XA_MARK_MAX, or XA_PRESENT for any entry.
 *
 * Return: the entry, or NULL if none matches; always NULL when *@indexp is
 * UINT64_MAX.  *@indexp is left unchanged when nothing is found.
 */
void *xa_find_after(const struct xarray *xa, uint64_t *indexp, uint64_t max,
		    xa_mark_t filter)
{
	int b = xa_filter_bitmap(filter);

	if (b < 0 || *indexp == UINT64_MAX)
		return NULL;
	return xa_find_from(xa, *indexp + 1, max, (unsigned int)b, indexp);
}

/* xa_scan() below @node, whose first index is @base. */
static bool xa_scan_node(const struct xa_node *node, uint64_t base,
			 xa_scan_fn fn, void *arg)
{
	uint64_t present = node->bits[XA_BM_PRESENT];

	while (present) {
		unsigned int off = (unsigned int)__builtin_ctzll(present);
		uint64_t index = base | ((uint64_t)off << node->shift);

		if (node->shift ? xa_scan_node(node->slots[off], index, fn, arg)
				: fn(index, node->slots[off],
				     xa_leaf_marks(node, off), arg))
			return true;
		present &= present - 1;
	}
	return false;
}

/**
 * xa_scan() - call @fn on every entry, in index order, with its marks.
 * @xa: the xarray.
 * @fn: called as fn(index, entry, marks, @arg); returning true stops the
 *      scan.
 * @arg: passed to @fn.
 *
 * A walk of the tree itself, O(1) per entry: for readers (the invariant
 * checker's sweeps) that visit everything.  @fn must not change @xa;
 * writers iterate with xa_for_each(), which allows that.
 *
 * Return: true iff @fn stopped the scan.
 */
bool xa_scan(const struct xarray *xa, xa_scan_fn fn, void *arg)
{
	return xa->xa_head && xa_scan_node(xa->xa_head, 0, fn, arg);
}

/**
 * xa_last_index() - the highest index holding an entry.
 * @xa: the xarray.
 * @indexp: out: that index.
 *
 * O(height): the descent follows the highest present slot of each node.
 *
 * Return: false if @xa is empty (*@indexp untouched).
 */
bool xa_last_index(const struct xarray *xa, uint64_t *indexp)
{
	const struct xa_node *node = xa->xa_head;
	uint64_t index = 0;
	unsigned int off;

	if (!node)
		return false;
	for (;;) {
		off = 63 - (unsigned int)__builtin_clzll(
					node->bits[XA_BM_PRESENT]);
		index |= (uint64_t)off << node->shift;
		if (!node->shift)
			break;
		node = node->slots[off];
	}
	*indexp = index;
	return true;
}

/**
 * xa_count() - number of entries in @xa.
 * @xa: the xarray.
 *
 * Return: the number of entries; O(1).
 */
uint64_t xa_count(const struct xarray *xa)
{
	return xa->xa_count;
}

/**
 * xa_empty() - does @xa hold no entry?
 * @xa: the xarray.
 *
 * Return: true iff the xarray is empty.
 */
bool xa_empty(const struct xarray *xa)
{
	return !xa->xa_head;
}

/**
 * xa_mem_bytes() - memory used by the index itself.
 * @xa: the xarray.
 *
 * Return: bytes of nodes currently allocated (allocator overhead and the
 * embedded struct xarray excluded); 0 when empty.
 */
size_t xa_mem_bytes(const struct xarray *xa)
{
	return xa->xa_bytes;
}

/* What xa_check() counts on its walk. */
struct xa_tally {
	uint64_t entries;
	size_t nodes;
	size_t bytes;
};

static int xa_check_node(const struct xa_node *node,
			 const struct xa_node *parent, unsigned int offset,
			 unsigned int shift, struct xa_tally *t);

/* Check the children of inner node @node and its bitmaps against them. */
static int xa_check_children(const struct xa_node *node, struct xa_tally *t)
{
	unsigned int i, b, shift = node->shift - XA_CHUNK_SHIFT;
	const struct xa_node *child;
	int ret;

	for (i = 0; i < XA_CHUNK_SIZE; i++) {
		child = xa_slot(node, i);
		if (!child)
			continue;
		ret = xa_check_node(child, node, i, shift, t);
		if (ret)
			return ret;
		for (b = 0; b < XA_BM_PRESENT; b++)
			if (!(node->bits[b] & xa_bit(i)) != !child->bits[b])
				return -2;
	}
	return 0;
}

/* Check one node and its subtree; accumulates entries and nodes seen. */
static int xa_check_node(const struct xa_node *node,
			 const struct xa_node *parent, unsigned int offset,
			 unsigned int shift, struct xa_tally *t)
{
	uint64_t present = node->bits[XA_BM_PRESENT];
	unsigned int i, b;

	if (node->parent != parent || node->offset != offset ||
	    node->shift != shift || node->cap < XA_MIN_CAP ||
	    node->cap > XA_CHUNK_SIZE ||
	    (node->cap != XA_MIN_CAP && node->cap % 8))
		return -1;
	if (!present)
		return -3;
	t->nodes++;
	t->bytes += xa_node_size(node->cap);
	for (i = 0; i < XA_CHUNK_SIZE; i++)
		if (!(present & xa_bit(i)) != !xa_slot(node, i))
			return -2;
	if (shift)
		return xa_check_children(node, t);
	for (b = 0; b < XA_BM_PRESENT; b++)
		if (node->bits[b] & ~present)
			return -2;
	t->entries += (uint64_t)__builtin_popcountll(present);
	return 0;
}

/**
 * xa_check() - verify every invariant listed in model/xarray.h.
 * @xa: the xarray.
 *
 * Walks the whole tree: O(number of nodes).  Meant for unit tests and the
 * simulator's invariant checker.
 *
 * Return: 0 if consistent; -1 bad parent/offset/shift link, -2 a bitmap
 * disagrees with the slots below it, -3 an empty node or a root that
 * should have been collapsed, -4 xa_count or xa_nodes is wrong.
 */
int xa_check(const struct xarray *xa)
{
	const struct xa_node *head = xa->xa_head;
	struct xa_tally t = { 0, 0, 0 };
	int ret;

	if (!head)
		return xa->xa_count || xa->xa_nodes || xa->xa_bytes ? -4 : 0;
	if (head->shift % XA_CHUNK_SHIFT || head->shift > XA_MAX_SHIFT)
		return -1;
	if (head->shift && head->bits[XA_BM_PRESENT] == 1)
		return -3;
	ret = xa_check_node(head, NULL, 0, head->shift, &t);
	if (ret)
		return ret;
	if (t.entries != xa->xa_count || t.nodes != xa->xa_nodes ||
	    t.bytes != xa->xa_bytes)
		return -4;
	return 0;
}
