/* SPDX-License-Identifier: MIT */
/*
 * model/itree.h - intrusive augmented interval tree over closed uint64_t
 * intervals, after include/linux/interval_tree_generic.h.
 *
 * Scope: mapping->i_mmap (VMAs by [vm_pgoff, vm_pgoff + pages - 1]) and any
 * other "which objects overlap this range" index of the model.  Nodes are
 * embedded in the caller's struct and recovered with itree_entry(); the
 * tree never allocates.
 *
 * Shape: an AVL tree ordered by (start, id); equal (start, id) pairs, which
 * callers should avoid, go after the ones already present.  Each node's
 * subtree_last is the largest `last` in its subtree, so stabbing and
 * overlap queries cost O(log n + k) for k results.
 *
 * Invariants (checked by itree_check()):
 *   - in-order traversal is non-decreasing in (start, id);
 *   - height is 1 + the larger child height (0 for NULL), and the child
 *     heights differ by at most one;
 *   - subtree_last == max(last, left->subtree_last, right->subtree_last);
 *   - start <= last in every node; parent links mirror child links;
 *   - root->count is the number of nodes.
 *
 * Determinism: query results come in ascending (start, id) order; nothing
 * depends on node addresses.
 *
 * Locking: none here; for i_mmap the caller holds the mapping's
 * i_mmap_rwsem (shared for queries, exclusive for insert/remove).
 */
#ifndef PCSIM_MODEL_ITREE_H
#define PCSIM_MODEL_ITREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct itree_node - interval tree linkage, embedded in the caller's object.
 * @start: first point of the interval (set by the caller before insert).
 * @last: last point, inclusive, >= @start (set by the caller).
 * @id: tie-break for equal @start (set by the caller, e.g. a VMA serial).
 * @subtree_last: max @last over this subtree (tree-private).
 * @parent: parent node, NULL for the root (tree-private).
 * @left: subtree of smaller (start, id) (tree-private).
 * @right: subtree of greater or equal (start, id) (tree-private).
 * @height: AVL height of this subtree, 1 for a leaf (tree-private).
 *
 * The caller must not change @start, @last or @id while the node is in a
 * tree: remove, change, insert again.
 */
struct itree_node {
	uint64_t start, last;
	uint64_t id;
	uint64_t subtree_last;
	struct itree_node *parent, *left, *right;
	int height;
};

/**
 * struct itree_root - an interval tree.
 * @root: top node, NULL when empty.
 * @count: number of nodes in the tree.
 */
struct itree_root {
	struct itree_node *root;
	uint64_t count;
};

#define ITREE_ROOT_INIT	{ NULL, 0 }

/* The struct of @type containing the itree_node @ptr as @member. */
#define itree_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

void itree_insert(struct itree_root *root, struct itree_node *node);
void itree_remove(struct itree_root *root, struct itree_node *node);
struct itree_node *itree_iter_first(const struct itree_root *root,
				    uint64_t start, uint64_t last);
struct itree_node *itree_iter_next(const struct itree_node *node,
				   uint64_t start, uint64_t last);
bool itree_empty(const struct itree_root *root);
int itree_check(const struct itree_root *root);

/**
 * itree_for_each() - visit every node overlapping [start, last].
 * @node: struct itree_node * cursor.
 * @root: the tree.
 * @start: first point of the query.
 * @last: last point of the query, inclusive.
 *
 * Nodes come in ascending (start, id) order.  The body must not remove
 * @node from the tree (fetch the next node first if it needs to).
 */
#define itree_for_each(node, root, start, last)				\
	for ((node) = itree_iter_first((root), (start), (last));	\
	     (node);							\
	     (node) = itree_iter_next((node), (start), (last)))

#endif /* PCSIM_MODEL_ITREE_H */
