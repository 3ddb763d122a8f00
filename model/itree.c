/* SPDX-License-Identifier: MIT */
/*
 * model/itree.c - AVL tree of closed intervals augmented with subtree_last.
 *
 * Scope: the implementation of model/itree.h; see there for the invariants.
 *
 * Every update (insert, remove) ends with itree_fixup() walking from the
 * lowest changed node to the root, recomputing height and subtree_last and
 * rotating where the heights of two siblings differ by two.  Rotations
 * recompute both nodes they move, so the augmentation is exact after every
 * step.  The walk always reaches the root: O(log n) per update, and no
 * early-exit reasoning for the augmented value is needed.
 *
 * The queries are those of include/linux/interval_tree_generic.h: descend
 * left while the left subtree can still reach @start, which finds the
 * lowest (start, id) overlapping node first; then step in order, pruning
 * right subtrees whose subtree_last is below @start and stopping at the
 * first node that starts after @last.
 */
#include "model/itree.h"

/* AVL height of n: 2^64 nodes fit in height 1.45 * 64, so this bounds it. */
#define ITREE_MAX_HEIGHT	96

static int itree_height(const struct itree_node *n)
{
	return n ? n->height : 0;
}

static uint64_t itree_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* (start, id) order of the tree. */
static bool itree_less(const struct itree_node *a, const struct itree_node *b)
{
	return a->start < b->start || (a->start == b->start && a->id < b->id);
}

/* The left (@right false) or right child link of @n. */
static struct itree_node **itree_child(struct itree_node *n, bool right)
{
	return right ? &n->right : &n->left;
}

/* Recompute height and subtree_last of @n from its children. */
static void itree_update(struct itree_node *n)
{
	int hl = itree_height(n->left), hr = itree_height(n->right);

	n->height = 1 + (hl > hr ? hl : hr);
	n->subtree_last = n->last;
	if (n->left)
		n->subtree_last = itree_max(n->subtree_last,
					    n->left->subtree_last);
	if (n->right)
		n->subtree_last = itree_max(n->subtree_last,
					    n->right->subtree_last);
}

/* Make @new take @old's place under @parent (or at the root). */
static void itree_replace_child(struct itree_root *root,
				struct itree_node *parent,
				struct itree_node *old, struct itree_node *new)
{
	if (!parent)
		root->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

/*
 * Rotate the child of @x on side @right_up into @x's place; @x becomes its
 * child on the other side.  Return the node now at @x's old place.
 */
static struct itree_node *itree_rotate(struct itree_root *root,
				       struct itree_node *x, bool right_up)
{
	struct itree_node *y = *itree_child(x, right_up);
	struct itree_node *inner = *itree_child(y, !right_up);

	*itree_child(x, right_up) = inner;
	if (inner)
		inner->parent = x;
	itree_replace_child(root, x->parent, x, y);
	*itree_child(y, !right_up) = x;
	x->parent = y;
	itree_update(x);
	itree_update(y);
	return y;
}

/* Restore the AVL property at @n; return the node now in @n's place. */
static struct itree_node *itree_rebalance(struct itree_root *root,
					  struct itree_node *n)
{
	int bf = itree_height(n->right) - itree_height(n->left);
	bool heavy = bf > 0;
	struct itree_node *c;

	itree_update(n);
	if (bf >= -1 && bf <= 1)
		return n;
	c = *itree_child(n, heavy);
	if (itree_height(*itree_child(c, !heavy)) >
	    itree_height(*itree_child(c, heavy)))
		itree_rotate(root, c, !heavy);
	return itree_rotate(root, n, heavy);
}

static void itree_fixup(struct itree_root *root, struct itree_node *n)
{
	while (n)
		n = itree_rebalance(root, n)->parent;
}

/**
 * itree_insert() - add @node to @root.
 * @root: the tree.
 * @node: the caller's node with start, last and id set; start <= last.
 *
 * A node whose (start, id) equals one already in the tree goes after it.
 *
 * Context: the caller holds whatever guards @root exclusively (i_mmap:
 * i_mmap_rwsem for write).
 */
void itree_insert(struct itree_root *root, struct itree_node *node)
{
	struct itree_node **link = &root->root, *parent = NULL;

	while (*link) {
		parent = *link;
		link = itree_child(parent, !itree_less(node, parent));
	}
	node->parent = parent;
	node->left = node->right = NULL;
	node->height = 1;
	node->subtree_last = node->last;
	*link = node;
	root->count++;
	itree_fixup(root, parent);
}

/*
 * Put @node's in-order successor (it has two children, so the successor is
 * the leftmost node of its right subtree) in @node's place.  Return the
 * lowest node whose subtree changed.
 */
static struct itree_node *itree_splice_successor(struct itree_root *root,
						 struct itree_node *node)
{
	struct itree_node *succ = node->right, *fix;

	while (succ->left)
		succ = succ->left;
	if (succ == node->right) {
		fix = succ;
	} else {
		fix = succ->parent;
		fix->left = succ->right;
		if (succ->right)
			succ->right->parent = fix;
		succ->right = node->right;
		node->right->parent = succ;
	}
	succ->left = node->left;
	node->left->parent = succ;
	itree_replace_child(root, node->parent, node, succ);
	return fix;
}

/* Is @node linked into @root?  Cheap: catches removing a removed node. */
static bool itree_linked(const struct itree_root *root,
			 const struct itree_node *node)
{
	const struct itree_node *p = node->parent;

	if (!p)
		return root->root == node;
	return p->left == node || p->right == node;
}

/**
 * itree_remove() - take @node out of @root.
 * @root: the tree @node is in.
 * @node: the node; its links are cleared, its interval and id kept.
 *
 * Removing a node that is not linked (e.g. removed twice) is detected
 * through its cleared links and ignored.
 *
 * Context: as itree_insert().
 */
void itree_remove(struct itree_root *root, struct itree_node *node)
{
	struct itree_node *fix, *child;

	if (!itree_linked(root, node))
		return;
	if (node->left && node->right) {
		fix = itree_splice_successor(root, node);
	} else {
		child = node->left ? node->left : node->right;
		fix = node->parent;
		itree_replace_child(root, fix, node, child);
	}
	itree_fixup(root, fix);
	root->count--;
	node->parent = node->left = node->right = NULL;
}

/*
 * Lowest (start, id) node of the subtree at @node overlapping the query.
 * The caller has checked @start <= node->subtree_last, so some node below
 * ends at or after @start; if neither the left subtree nor @node itself
 * does, the right subtree must, which keeps the descent non-NULL.  When
 * the left subtree has a node X ending at or after @start, the first match
 * is in there: X matches unless it starts after @last, and then so does
 * everything after it in order.
 */
static struct itree_node *itree_subtree_search(struct itree_node *node,
					       uint64_t start, uint64_t last)
{
	for (;;) {
		if (node->left && start <= node->left->subtree_last)
			node = node->left;
		else if (node->start > last)
			return NULL;
		else if (start <= node->last)
			return node;
		else
			node = node->right;
	}
}

/**
 * itree_iter_first() - first node overlapping [@start, @last].
 * @root: the tree.
 * @start: first point of the query.
 * @last: last point of the query, inclusive.
 *
 * A node overlaps when node->start <= @last and node->last >= @start.
 *
 * Context: the caller holds whatever guards @root (i_mmap: i_mmap_rwsem,
 * shared is enough).
 * Return: the overlapping node lowest in (start, id) order, or NULL; NULL
 * as well when @start > @last.
 */
struct itree_node *itree_iter_first(const struct itree_root *root,
				    uint64_t start, uint64_t last)
{
	struct itree_node *node = root->root;

	if (start > last || !node || start > node->subtree_last)
		return NULL;
	return itree_subtree_search(node, start, last);
}

/**
 * itree_iter_next() - next node overlapping [@start, @last] after @node.
 * @node: a node returned for the same query by itree_iter_first() or
 *        itree_iter_next().
 * @start: first point of the query.
 * @last: last point of the query, inclusive.
 *
 * Context: as itree_iter_first(); the tree must not change in between.
 * Return: the next overlapping node in (start, id) order, or NULL.
 */
struct itree_node *itree_iter_next(const struct itree_node *node,
				   uint64_t start, uint64_t last)
{
	struct itree_node *next = node->right, *up;

	if (start > last)
		return NULL;
	for (;;) {
		if (next && start <= next->subtree_last)
			return itree_subtree_search(next, start, last);
		/* Climb until we come up from a left child. */
		for (up = node->parent; up && up->right == node;
		     up = up->parent)
			node = up;
		if (!up || up->start > last)
			return NULL;
		if (start <= up->last)
			return up;
		node = up;
		next = up->right;
	}
}

/**
 * itree_empty() - is the tree empty?
 * @root: the tree.
 *
 * Return: true iff @root holds no node.
 */
bool itree_empty(const struct itree_root *root)
{
	return !root->root;
}

/* Walk state of itree_check(): last node seen in order, nodes seen. */
struct itree_check_state {
	const struct itree_node *prev;
	uint64_t count;
};

/* Height, balance and subtree_last of @n against its children. */
static int itree_check_augment(const struct itree_node *n)
{
	int hl = itree_height(n->left), hr = itree_height(n->right);
	uint64_t sl = n->last;

	if (hl - hr > 1 || hr - hl > 1 || n->height != 1 + (hl > hr ? hl : hr))
		return -3;
	if (n->left)
		sl = itree_max(sl, n->left->subtree_last);
	if (n->right)
		sl = itree_max(sl, n->right->subtree_last);
	return n->subtree_last == sl ? 0 : -4;
}

static int itree_check_node(const struct itree_node *n,
			    const struct itree_node *parent, int depth,
			    struct itree_check_state *st)
{
	int ret;

	if (!n)
		return 0;
	if (depth > ITREE_MAX_HEIGHT || n->parent != parent)
		return -1;
	ret = itree_check_node(n->left, n, depth + 1, st);
	if (ret)
		return ret;
	if (n->start > n->last)
		return -5;
	if (st->prev && itree_less(n, st->prev))
		return -2;
	st->prev = n;
	st->count++;
	ret = itree_check_node(n->right, n, depth + 1, st);
	return ret ? ret : itree_check_augment(n);
}

/**
 * itree_check() - verify every invariant listed in model/itree.h.
 * @root: the tree.
 *
 * O(n).  Terminates on any corruption (links are checked both ways and
 * the depth is bounded).  For unit tests and the simulator's invariant
 * checker.
 *
 * Return: 0 if consistent; -1 bad parent link or impossible depth, -2 nodes
 * out of (start, id) order, -3 bad height or AVL imbalance, -4 wrong
 * subtree_last, -5 a node with start > last, -6 wrong count.
 */
int itree_check(const struct itree_root *root)
{
	struct itree_check_state st = { NULL, 0 };
	int ret = itree_check_node(root->root, NULL, 1, &st);

	if (ret)
		return ret;
	return st.count == root->count ? 0 : -6;
}
