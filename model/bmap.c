/* SPDX-License-Identifier: MIT */
/*
 * model/bmap.c - an XFS-style extent map ("fork"): file block -> disk block.
 *
 * Scope: the in-core extent list of one fork, like fs/xfs/libxfs/
 * xfs_iext_tree.c plus the extent-merging rules of xfs_bmap_add_extent_*()
 * in fs/xfs/libxfs/xfs_bmap.c.  The invariants a map always satisfies are
 * listed, numbered, at the top of model/bmap.h; bmap_check_report() cites
 * them by number.
 *
 * Representation: a GTree (a balanced AVL tree) whose values are
 * g_new()-allocated struct bmap_irec and whose key is the address of the
 * record's own br_startoff.  Two consequences, relied on below:
 *   - the key of an extent may be changed in place (irec_trim_front())
 *     as long as the tree order is unchanged, which holds whenever the new
 *     start stays inside the old extent, since extents never overlap;
 *   - a record pointer stays valid across insertions and removals of other
 *     extents (the tree moves its nodes, never its values), whereas a
 *     GTreeNode pointer is not kept across any change of the tree.
 *
 * bmap_set() is "punch, then insert, then merge": the range is first made a
 * hole (trimming, splitting or removing what overlaps it), then the new
 * extent is merged into the left neighbour or inserted, then the right
 * neighbour is merged into it.  Since the map was canonical before and only
 * the new extent's two boundaries changed, checking those two boundaries
 * keeps it canonical (invariant 5).
 */
#include "model/bmap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * A broken caller contract (range overflow, bad state): abort in a debug
 * build, carry on (the caller then clamps) in a release build.  Unit tests
 * may define BMAP_CONTRACT_FAIL to observe violations and test the clamping.
 */
#ifndef BMAP_CONTRACT_FAIL
#define BMAP_CONTRACT_FAIL(what, a, b) bmap_contract_fail(what, a, b)

static void bmap_contract_fail(const char *what, uint64_t a, uint64_t b)
{
#ifndef NDEBUG
	fprintf(stderr, "pcsim: caller contract broken: %s (%" PRIu64
		", %" PRIu64 ")\n", what, a, b);
	abort();
#else
	(void)what;
	(void)a;
	(void)b;
#endif
}
#endif

struct bmap {
	/*
	 * Extents of the fork: key &irec->br_startoff, value the struct
	 * bmap_irec (owned, freed by the tree).  Guarded by the owning
	 * inode's lock, held by every caller.
	 */
	GTree	*tree;
	/*
	 * The node bmap_first_from() found last, or NULL: a cache that
	 * makes the sequential walks of writeback, reads and the checker
	 * O(1) a block.  It never changes a result; bmap_insert() and
	 * bmap_remove() drop it (a tree node may go away or move).
	 */
	GTreeNode *hint;
	struct bmap_irec *hint_rec;	/* its extent, without a glib call */
	/*
	 * if_seq: bumped by every change of the map, so that a mapping
	 * found earlier can be revalidated in O(1) (xfs_imap_valid(),
	 * model/writeback.c).  Not part of the map's value: bmap_dup()
	 * and bmap_equal() ignore it.
	 */
	uint64_t seq;
};

#define bmap_for_each_node(node, map) \
	for ((node) = g_tree_node_first((map)->tree); (node); \
	     (node) = g_tree_node_next(node))

static const char *const bmap_state_names[] = {
	[EXT_HOLE]	= "hole",
	[EXT_DELALLOC]	= "delalloc",
	[EXT_UNWRITTEN]	= "unwritten",
	[EXT_WRITTEN]	= "written",
};

static gint bmap_key_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	uint64_t x = *(const uint64_t *)a;
	uint64_t y = *(const uint64_t *)b;

	(void)unused;
	return (x > y) - (x < y);
}

static struct bmap_irec *node_rec(GTreeNode *node)
{
	return g_tree_node_value(node);
}

static uint64_t irec_end(const struct bmap_irec *r)
{
	return r->br_startoff + r->br_blockcount;
}

static bool state_valid(enum ext_state state)
{
	return (unsigned int)state <= EXT_WRITTEN;
}

/* Drop the blocks of @r before file block @off, which lies inside @r. */
static void irec_trim_front(struct bmap_irec *r, uint64_t off)
{
	uint64_t delta = off - r->br_startoff;

	if (r->br_startblock != BMAP_NOBLOCK)
		r->br_startblock += delta;
	r->br_startoff = off;
	r->br_blockcount -= delta;
}

/* Drop the blocks of @r from file block @end on; @end lies inside @r. */
static void irec_trim_back(struct bmap_irec *r, uint64_t end)
{
	r->br_blockcount = end - r->br_startoff;
}

/* Clip @r to [off, end), which overlaps it. */
static void irec_clip(struct bmap_irec *r, uint64_t off, uint64_t end)
{
	if (r->br_startoff < off)
		irec_trim_front(r, off);
	if (irec_end(r) > end)
		irec_trim_back(r, end);
}

static bool irec_same(const struct bmap_irec *a, const struct bmap_irec *b)
{
	return a->br_startoff == b->br_startoff &&
	       a->br_startblock == b->br_startblock &&
	       a->br_blockcount == b->br_blockcount &&
	       a->br_state == b->br_state;
}

/* Could @right be appended to @left?  (Invariant 5.) */
static bool irec_mergeable(const struct bmap_irec *left,
			   const struct bmap_irec *right)
{
	if (irec_end(left) != right->br_startoff ||
	    left->br_state != right->br_state)
		return false;
	return left->br_state == EXT_DELALLOC ||
	       left->br_startblock + left->br_blockcount ==
	       right->br_startblock;
}

/*
 * bmap_first_from() answered from the hint: the hint itself if it is
 * the first extent ending after @off, else its successor if that one
 * is; @found is false when neither can be told without a search.
 */
static GTreeNode *bmap_hint_from(const struct bmap *map, uint64_t off,
				 bool *found)
{
	GTreeNode *h = map->hint, *n;

	*found = false;
	if (!h)
		return NULL;
	if (irec_end(map->hint_rec) > off) {
		n = map->hint_rec->br_startoff > off ?
			g_tree_node_previous(h) : NULL;
		*found = !n || irec_end(node_rec(n)) <= off;
		return h;
	}
	n = g_tree_node_next(h);
	*found = !n || irec_end(node_rec(n)) > off;
	return n;
}

/*
 * The first extent that ends after @off: the one containing @off if any,
 * else the first one after it; NULL if none.
 */
static GTreeNode *bmap_first_from(const struct bmap *map, uint64_t off)
{
	GTreeNode *next, *prev;
	bool found;

	next = bmap_hint_from(map, off, &found);
	if (found)
		goto out;
	next = g_tree_upper_bound(map->tree, &off);
	prev = next ? g_tree_node_previous(next) : g_tree_node_last(map->tree);
	if (prev && irec_end(node_rec(prev)) > off)
		next = prev;
out:
	if (next && next != map->hint) {	/* a cache, not the map's
						   state: const stays true */
		((struct bmap *)map)->hint = next;
		((struct bmap *)map)->hint_rec = node_rec(next);
	}
	return next;
}

/*
 * The extent of @node, which bmap_first_from() returned: the hint's,
 * cached.
 */
static struct bmap_irec *found_rec(const struct bmap *map, GTreeNode *node)
{
	return node == map->hint ? map->hint_rec : node_rec(node);
}

/* The extent containing file block @off, or NULL. */
static struct bmap_irec *bmap_find(const struct bmap *map, uint64_t off)
{
	GTreeNode *node = bmap_first_from(map, off);

	if (!node || found_rec(map, node)->br_startoff > off)
		return NULL;
	return found_rec(map, node);
}

static struct bmap_irec *bmap_insert(struct bmap *map,
				     const struct bmap_irec *rec)
{
	struct bmap_irec *new = g_new(struct bmap_irec, 1);

	*new = *rec;
	map->hint = NULL;
	g_tree_insert(map->tree, &new->br_startoff, new);
	return new;
}

static void bmap_remove(struct bmap *map, struct bmap_irec *rec)
{
	uint64_t key = rec->br_startoff;

	map->hint = NULL;
	g_tree_remove(map->tree, &key);
}

/**
 * bmap_new() - create an empty extent map.
 *
 * Context: any.
 * Return: the new map (never NULL: glib aborts on out-of-memory).
 */
struct bmap *bmap_new(void)
{
	struct bmap *map = g_new(struct bmap, 1);

	map->tree = g_tree_new_full(bmap_key_cmp, NULL, NULL, g_free);
	map->hint = NULL;
	map->hint_rec = NULL;
	map->seq = 0;
	return map;
}

/**
 * bmap_free() - free a map and all its extents.
 * @map: the map, or NULL.
 *
 * Context: nobody else may hold a reference to @map.
 */
void bmap_free(struct bmap *map)
{
	if (!map)
		return;
	g_tree_destroy(map->tree);
	g_free(map);
}

/**
 * bmap_dup() - deep copy of a map, e.g. for a crash snapshot.
 * @map: the map to copy.
 *
 * Context: caller holds @map's inode lock.
 * Return: a new map, equal to @map and independent of it.
 */
struct bmap *bmap_dup(const struct bmap *map)
{
	struct bmap *copy = bmap_new();
	GTreeNode *node;

	bmap_for_each_node(node, map)
		bmap_insert(copy, node_rec(node));
	return copy;
}

/**
 * bmap_equal() - do two maps map every file block identically?
 * @a: a map.
 * @b: another map.
 *
 * Since maps are canonical (invariant 5), this compares extent by extent.
 *
 * Context: caller holds both inode locks.
 * Return: true if equal.
 */
bool bmap_equal(const struct bmap *a, const struct bmap *b)
{
	GTreeNode *na, *nb;

	if (bmap_nextents(a) != bmap_nextents(b))
		return false;
	na = g_tree_node_first(a->tree);
	nb = g_tree_node_first(b->tree);
	for (; na && nb; na = g_tree_node_next(na), nb = g_tree_node_next(nb))
		if (!irec_same(node_rec(na), node_rec(nb)))
			return false;
	return true;
}

/**
 * bmap_lookup() - what is mapped at file block @off?
 * @map: the map.
 * @off: the file block.
 * @irec: filled with the mapping at @off, clipped to start at @off.
 *
 * Inside an extent, @irec is the rest of that extent from @off (start block
 * advanced unless BMAP_NOBLOCK).  In a hole, @irec is EXT_HOLE with
 * BMAP_NOBLOCK, running to the next extent or, if none, to UINT64_MAX.
 *
 * Context: caller holds the inode lock.
 */
void bmap_lookup(const struct bmap *map, uint64_t off, struct bmap_irec *irec)
{
	GTreeNode *node = bmap_first_from(map, off);
	const struct bmap_irec *rec = node ? found_rec(map, node) : NULL;

	if (rec && rec->br_startoff <= off) {
		*irec = *rec;
		irec_trim_front(irec, off);
		return;
	}
	irec->br_startoff = off;
	irec->br_startblock = BMAP_NOBLOCK;
	irec->br_state = EXT_HOLE;
	irec->br_blockcount = rec ? rec->br_startoff - off : UINT64_MAX - off;
}

/*
 * Check bmap_set()'s arguments against the caller contract; force
 * @startblock to BMAP_NOBLOCK for holes and delalloc.  Return the count to
 * use: clamped so that neither range overflows, 0 for nonsense.
 */
static uint64_t bmap_set_count(uint64_t off, uint64_t count,
			       enum ext_state state, uint64_t *startblock)
{
	if (!state_valid(state)) {
		BMAP_CONTRACT_FAIL("bmap_set: invalid extent state",
				   state, off);
		return 0;
	}
	if (count > UINT64_MAX - off) {
		BMAP_CONTRACT_FAIL("bmap_set: off + count overflows",
				   off, count);
		count = UINT64_MAX - off;
	}
	if (state == EXT_HOLE || state == EXT_DELALLOC) {
		*startblock = BMAP_NOBLOCK;
		return count;
	}
	if (*startblock == BMAP_NOBLOCK) {
		BMAP_CONTRACT_FAIL("bmap_set: real extent without block",
				   off, count);
		return 0;
	}
	if (count > UINT64_MAX - *startblock) {
		BMAP_CONTRACT_FAIL("bmap_set: startblock + count overflows",
				   *startblock, count);
		count = UINT64_MAX - *startblock;
	}
	return count;
}

/* Remove [off, end) from the one extent @r that overlaps it. */
static void bmap_punch_one(struct bmap *map, struct bmap_irec *r,
			   uint64_t off, uint64_t end)
{
	struct bmap_irec tail;

	if (r->br_startoff < off && irec_end(r) > end) {
		tail = *r;
		irec_trim_front(&tail, end);
		irec_trim_back(r, off);
		bmap_insert(map, &tail);
	} else if (r->br_startoff < off) {
		irec_trim_back(r, off);
	} else if (irec_end(r) > end) {
		irec_trim_front(r, end);	/* key moves, order kept */
	} else {
		bmap_remove(map, r);
	}
}

/* Make [off, end) a hole; each step removes one overlap. */
static void bmap_punch(struct bmap *map, uint64_t off, uint64_t end)
{
	GTreeNode *node;

	while ((node = bmap_first_from(map, off)) &&
	       node_rec(node)->br_startoff < end)
		bmap_punch_one(map, node_rec(node), off, end);
}

/* Add @new to the hole it fills, merging with both neighbours. */
static void bmap_add(struct bmap *map, const struct bmap_irec *new)
{
	struct bmap_irec *left = NULL, *right = NULL, *cur;
	uint64_t end = irec_end(new);

	if (new->br_startoff > 0)
		left = bmap_find(map, new->br_startoff - 1);
	if (left && irec_mergeable(left, new)) {
		left->br_blockcount += new->br_blockcount;
		cur = left;
	} else {
		cur = bmap_insert(map, new);
	}
	if (end < UINT64_MAX)
		right = bmap_find(map, end);
	if (right && irec_mergeable(cur, right)) {
		cur->br_blockcount += right->br_blockcount;
		bmap_remove(map, right);
	}
}

/*
 * The common case of bmap_set() in O(1): @new fills a hole right after the
 * hinted extent and merges into it (a file written or allocated in order).
 * The range is a hole when the hint ends where it starts and the next
 * extent starts beyond its end; one that starts right at its end might
 * merge too, and is left to the general path.  Return: done?
 */
static bool bmap_append(struct bmap *map, const struct bmap_irec *new)
{
	GTreeNode *next;
	struct bmap_irec *left;

	if (!map->hint)
		return false;
	left = map->hint_rec;
	if (!irec_mergeable(left, new))
		return false;
	next = g_tree_node_next(map->hint);
	if (next && node_rec(next)->br_startoff <= irec_end(new))
		return false;
	left->br_blockcount += new->br_blockcount;
	return true;
}

/**
 * bmap_set() - map a file range, replacing whatever was mapped there.
 * @map: the map.
 * @off: first file block.
 * @count: number of blocks; 0 is a no-op.
 * @state: EXT_HOLE removes the mapping (xfs_bunmapi()); otherwise the new
 *	state of every block in the range.
 * @startblock: disk block of @off for EXT_UNWRITTEN and EXT_WRITTEN, the
 *	range mapping to @startblock.. contiguously; ignored (taken as
 *	BMAP_NOBLOCK) for EXT_HOLE and EXT_DELALLOC.
 *
 * Extents overlapping the range are trimmed, split or removed; the new
 * extent merges with neighbours that are file-contiguous, of the same state
 * and disk-contiguous (delalloc: file-contiguous suffices).  The caller
 * guarantees @off + @count and @startblock + @count do not overflow; see the
 * top of bmap.h for what happens if not.
 *
 * Context: caller holds the inode lock exclusively.
 */
void bmap_set(struct bmap *map, uint64_t off, uint64_t count,
	      enum ext_state state, uint64_t startblock)
{
	struct bmap_irec new;

	count = bmap_set_count(off, count, state, &startblock);
	if (!count)
		return;
	map->seq++;
	new = (struct bmap_irec){
		.br_startoff = off,
		.br_startblock = startblock,
		.br_blockcount = count,
		.br_state = state,
	};
	if (state != EXT_HOLE && bmap_append(map, &new))
		return;
	bmap_punch(map, off, off + count);
	if (state != EXT_HOLE)
		bmap_add(map, &new);
}

/**
 * bmap_walk() - call @fn for each mapped piece of [off, off + count).
 * @map: the map.
 * @off: first file block.
 * @count: number of blocks (clamped so that the range ends by UINT64_MAX).
 * @fn: callback, given each extent overlapping the range, in file order,
 *	clipped to the range.  Holes are skipped.  @fn must not modify @map.
 * @arg: passed to @fn.
 *
 * Context: caller holds the inode lock across the whole walk.
 * Return: the first non-zero value returned by @fn, which stops the walk;
 * 0 if @fn always returned 0.
 */
int bmap_walk(const struct bmap *map, uint64_t off, uint64_t count,
	      bmap_walk_fn fn, void *arg)
{
	struct bmap_irec piece;
	GTreeNode *node;
	uint64_t end;
	int ret;

	if (count > UINT64_MAX - off) {
		BMAP_CONTRACT_FAIL("bmap_walk: off + count overflows",
				   off, count);
		count = UINT64_MAX - off;
	}
	if (!count)
		return 0;
	end = off + count;
	/* every extent ends after block 0: a whole-map walk starts leftmost */
	node = off ? bmap_first_from(map, off) : g_tree_node_first(map->tree);
	for (; node && node_rec(node)->br_startoff < end;
	     node = g_tree_node_next(node)) {
		piece = *node_rec(node);
		irec_clip(&piece, off, end);
		ret = fn(&piece, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * bmap_nextents() - number of extents in the map.
 * @map: the map.
 *
 * Context: caller holds the inode lock.
 * Return: the extent count, minimal for the mapping (invariant 5).
 */
uint64_t bmap_nextents(const struct bmap *map)
{
	return (uint64_t)g_tree_nnodes(map->tree);
}

/**
 * bmap_next_mapped() - first mapped file block at or after @off.
 * @map: the map.
 * @off: where to start looking.
 *
 * Context: caller holds the inode lock.
 * Return: the block (delalloc counts as mapped), or UINT64_MAX if none;
 * UINT64_MAX can never be mapped (invariant 3).
 */
uint64_t bmap_next_mapped(const struct bmap *map, uint64_t off)
{
	GTreeNode *node = bmap_first_from(map, off);

	if (!node)
		return UINT64_MAX;
	return MAX(node_rec(node)->br_startoff, off);
}

/**
 * bmap_seq() - the map's change count (XFS's if_seq).
 * @map: the map.
 *
 * Every bmap_set() that changes anything bumps it; equal values mean the
 * map is unchanged in between (for one map: it restarts at 0 in a new one).
 *
 * Context: caller holds the inode lock.
 * Return: the count.
 */
uint64_t bmap_seq(const struct bmap *map)
{
	return map->seq;
}

/**
 * bmap_last_mapped_end() - one past the last mapped file block.
 * @map: the map.
 *
 * Context: caller holds the inode lock.
 * Return: the end of the last extent, 0 if the map is empty.
 */
uint64_t bmap_last_mapped_end(const struct bmap *map)
{
	GTreeNode *node = g_tree_node_last(map->tree);

	return node ? irec_end(node_rec(node)) : 0;
}

/* Invariants 2-4 of one extent: NULL if @r is valid, else the rule. */
static const char *irec_invalid(const struct bmap_irec *r)
{
	if (r->br_blockcount == 0)
		return "rule 2: zero-length extent";
	if (r->br_state == EXT_HOLE || !state_valid(r->br_state))
		return "rule 2: state must be delalloc, unwritten or written";
	if (r->br_blockcount > UINT64_MAX - r->br_startoff)
		return "rule 3: file range overflows";
	if ((r->br_state == EXT_DELALLOC) !=
	    (r->br_startblock == BMAP_NOBLOCK))
		return "rule 4: BMAP_NOBLOCK if and only if delalloc";
	if (r->br_state != EXT_DELALLOC &&
	    r->br_blockcount > UINT64_MAX - r->br_startblock)
		return "rule 3: disk range overflows";
	return NULL;
}

/* Invariants 1 and 5 of two neighbours: NULL if valid, else the rule. */
static const char *pair_invalid(const struct bmap_irec *left,
				const struct bmap_irec *right)
{
	if (irec_end(left) > right->br_startoff)
		return "rule 1: extents overlap or are out of order";
	if (irec_mergeable(left, right))
		return "rule 5: mergeable neighbours";
	return NULL;
}

static void irec_format(GString *out, const struct bmap_irec *r)
{
	g_string_append_printf(out, "[%" PRIu64 ",%" PRIu64 ") %s ",
			       r->br_startoff, r->br_blockcount,
			       bmap_state_name(r->br_state));
	if (r->br_startblock == BMAP_NOBLOCK)
		g_string_append(out, "-\n");
	else
		g_string_append_printf(out, "%" PRIu64 "\n", r->br_startblock);
}

/**
 * bmap_check_report() - verify every invariant of bmap.h on the whole map.
 * @map: the map.
 * @why: if not NULL, the first broken rule and the offending extent are
 *	appended to it.
 *
 * Context: caller holds the inode lock.
 * Return: 0 if the map is valid, -EUCLEAN (XFS's -EFSCORRUPTED) if not.
 */
int bmap_check_report(const struct bmap *map, GString *why)
{
	const struct bmap_irec *prev = NULL, *r;
	const char *rule;
	GTreeNode *node;

	bmap_for_each_node(node, map) {
		r = node_rec(node);
		rule = irec_invalid(r);
		if (!rule && prev)
			rule = pair_invalid(prev, r);
		if (rule)
			goto err;
		prev = r;
	}
	return 0;
err:
	if (why) {
		g_string_append_printf(why, "bmap: %s at ", rule);
		irec_format(why, r);
	}
	return -EUCLEAN;
}

/**
 * bmap_check() - structural check of the map, see bmap_check_report().
 * @map: the map.
 *
 * Context: caller holds the inode lock.
 * Return: 0 if valid, negative errno otherwise.
 */
int bmap_check(const struct bmap *map)
{
	return bmap_check_report(map, NULL);
}

/**
 * bmap_dump() - append one "[off,count) state block" line per extent.
 * @map: the map.
 * @out: where to append; nothing is appended for an empty map.
 *
 * The block of a delalloc extent prints as "-".
 *
 * Context: caller holds the inode lock.
 */
void bmap_dump(const struct bmap *map, GString *out)
{
	GTreeNode *node;

	bmap_for_each_node(node, map)
		irec_format(out, node_rec(node));
}

/**
 * bmap_state_name() - printable name of an extent state.
 * @state: the state.
 *
 * Return: "hole", "delalloc", "unwritten", "written", or "invalid".
 */
const char *bmap_state_name(enum ext_state state)
{
	if (!state_valid(state))
		return "invalid";
	return bmap_state_names[state];
}
