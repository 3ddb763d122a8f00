// SPDX-License-Identifier: MIT
/*
 * model/policy/ishare.c - identical files share the pages of one
 * fingerprint-keyed anonymous inode (EROFS page-cache sharing, "ishare",
 * fs/erofs/ishare.c, merged 2026: erofs_ishare_fill_inode() looks the
 * file's fingerprint up with iget5_locked() on an internal mount, and reads
 * and mmaps of every file with that fingerprint go to the shared inode's
 * mapping).
 *
 * Fingerprint.  EROFS takes a content digest from an xattr written at mkfs
 * time; pcsim has no such xattr, so the fingerprint is the identity of the
 * file's data: i_size plus its data-fork extents (offset, block, count,
 * state).  Two files match iff they are reflinked copies of each other's
 * whole content (cp --reflink, whole-file FICLONE); a range clone, or a
 * copy one block of which was rewritten, does not.  A 64-bit FNV-1a hash
 * of those numbers keys a table of groups, and a hit compares size and
 * extent lists in full, so different files never share.  What a miss of
 * page i reads is a function of the fingerprint alone (the block at i, or
 * zeroes), hence every member reads the same bytes there.
 *
 *   read miss   (read or read fault) of a page wholly inside i_size of a
 *               file with a written extent: find or create the group of
 *               the file's fingerprint; take the group's page at i, or read
 *               it into the group's mapping, and add the file as an owner.
 *               The read goes through the group inode, whose data fork is
 *               a frozen copy of the fingerprint's extents, so it fetches
 *               the fingerprint's block whatever happens to the file
 *               meanwhile (a truncate racing a fault sets i_size before it
 *               waits on the page lock).  The EOF page stays private.
 *   write       EROFS is read-only; pcsim's files are not.  A file is a
 *               member only while its fingerprint matches: a store to a
 *               group page goes through the core's copy-before-store
 *               (folio_prepare_store -> folio_cow_break), so the writer
 *               gets a private copy and the group page stays clean; once
 *               the file's extents or size change (COW at writeback,
 *               truncate, punch, append) its later misses compute another
 *               fingerprint and no longer join the old group.  Pages it
 *               still holds from the old group stay right: their blocks
 *               are still its own.
 *   block write a write bio to a block, or freeing it, drops the group
 *               pages read from that block from their groups (that index
 *               only, and only the group's slot: a file still holding the
 *               page keeps it, as mainline keeps a private page), so a
 *               later file with the same fingerprint (blocks freed and
 *               reused in the same layout) reads the block afresh.  Not
 *               the whole group: an in-place overwrite (a file nobody
 *               shares, or a direct write) leaves the extents and so the
 *               fingerprint as they were, and the writer's other misses
 *               keep finding the group's other pages, which are still
 *               right.  A table from block to the (group, index) pages read
 *               from it finds them; entries of pages reclaimed since are
 *               left to the next change of their block.
 *
 * What it saves: one cached page per page of identical files however many
 * there are, and the read I/O of every copy after the first.  What it
 * costs: every file read creates a group, even when nobody else has its
 * fingerprint: an anonymous inode (kept until the kernel is torn down, as
 * is the group of every fingerprint a file ever had), a table entry, and a
 * second owner on each of its cached pages, so the first store to any
 * cached page of any file copies it (a copy mainline would not make); each
 * miss hashes the whole extent list, O(extents); and a file stops sharing
 * new misses once one block or its size changes (all-or-nothing, as in
 * EROFS, where the digest covers the whole file).
 */
#include "model/core.h"
#include "model/hashmix.h"
#include "model/policy.h"

/* The identity of a file's data; the group's copy points at its own fork. */
struct ishare_fp {
	uint64_t hash;
	uint64_t size;
	const struct bmap *df;
};

struct ishare_group {
	struct ishare_fp fp;	/* first: the table's key */
	struct inode *anon;	/* owns the pages; i_df: frozen extents */
};

/* A group page read from a block, for block_changed. */
struct ishare_gpage {
	struct ishare_group *g;
	pgoff_t index;
};

struct ishare {
	GHashTable *groups;	/* struct ishare_fp * -> struct ishare_group * */
	GHashTable *by_block;	/* uint64_t * -> GArray of struct ishare_gpage */
};

static struct ishare *ishare_of(struct kernel *k)
{
	return k->policy_priv;
}

/* ------------------------------------------------------- fingerprints */

#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x100000001b3ULL

/* FNV-1a 64 of one little-endian 64-bit word, folded into @h. */
static uint64_t fnv1a64_word(uint64_t h, uint64_t w)
{
	int i;

	for (i = 0; i < 8; i++, w >>= 8) {
		h ^= w & 0xff;
		h *= FNV64_PRIME;
	}
	return h;
}

struct fp_walk {
	uint64_t hash;
	bool written;
};

static int fp_extent(const struct bmap_irec *irec, void *arg)
{
	struct fp_walk *w = arg;

	w->hash = fnv1a64_word(w->hash, irec->br_startoff);
	w->hash = fnv1a64_word(w->hash, irec->br_startblock);
	w->hash = fnv1a64_word(w->hash, irec->br_blockcount);
	w->hash = fnv1a64_word(w->hash, irec->br_state);
	w->written |= irec->br_state == EXT_WRITTEN;
	return 0;
}

/*
 * The fingerprint of @inode's data (i_size, data fork).
 * Return: false if the file has no written extent (nothing to share).
 */
static bool inode_fingerprint(const struct inode *inode,
			      struct ishare_fp *fp)
{
	struct fp_walk w = { fnv1a64_word(FNV64_OFFSET, inode->i_size),
			     false };

	bmap_walk(inode->i_df, 0, UINT64_MAX, fp_extent, &w);
	fp->hash = w.hash;
	fp->size = inode->i_size;
	fp->df = inode->i_df;
	return w.written;
}

static guint fp_hash(gconstpointer key)
{
	const struct ishare_fp *fp = key;

	return (guint)(fp->hash ^ (fp->hash >> 32));
}

/* Equal fingerprints: the hash, then size and every extent (no false hit). */
static gboolean fp_equal(gconstpointer a, gconstpointer b)
{
	const struct ishare_fp *x = a, *y = b;

	return x->hash == y->hash && x->size == y->size &&
	       bmap_equal(x->df, y->df);
}

/* ------------------------------------------------------------- groups */

/* A new group for @fp: an anonymous inode with a frozen copy of its fork. */
static struct ishare_group *group_new(struct kernel *k,
				      const struct ishare_fp *fp)
{
	struct ishare_group *g = g_new0(struct ishare_group, 1);

	g->anon = anon_inode_new(k);
	bmap_free(g->anon->i_df);
	g->anon->i_df = bmap_dup(fp->df);
	g->fp = *fp;
	g->fp.df = g->anon->i_df;
	g_hash_table_insert(ishare_of(k)->groups, &g->fp, g);
	trace_step(k, "ishare group inode %llu size %llu hash %016llx",
		   (unsigned long long)g->anon->i_ino,
		   (unsigned long long)fp->size, (unsigned long long)fp->hash);
	return g;
}

/* The group of @inode's fingerprint, created if new; NULL: not shareable. */
static struct ishare_group *group_of(struct kernel *k, struct inode *inode)
{
	struct ishare_group *g;
	struct ishare_fp fp;

	if (!inode_fingerprint(inode, &fp))
		return NULL;
	g = g_hash_table_lookup(ishare_of(k)->groups, &fp);
	return g ? g : group_new(k, &fp);
}

/* The (group, index) pages read from @block, an empty list if new. */
static GArray *block_gpages(struct kernel *k, uint64_t block)
{
	GHashTable *by_block = ishare_of(k)->by_block;
	GArray *a = g_hash_table_lookup(by_block, &block);

	if (!a) {
		a = g_array_new(FALSE, FALSE, sizeof(struct ishare_gpage));
		g_hash_table_insert(by_block, g_memdup2(&block, sizeof(block)),
				    a);
	}
	return a;
}

/* Remember that @g's page at @index holds the fingerprint's block there. */
static void gpage_index(struct kernel *k, struct ishare_group *g,
			pgoff_t index)
{
	struct bmap_irec irec;
	GArray *a;
	guint i;

	bmap_lookup(g->anon->i_df, index, &irec);
	if (irec.br_state != EXT_WRITTEN)
		return;		/* reads as zeroes whatever the disk holds */
	a = block_gpages(k, irec.br_startblock);
	for (i = 0; i < a->len; i++) {
		const struct ishare_gpage *o;

		o = &g_array_index(a, struct ishare_gpage, i);
		if (o->g == g && o->index == index)
			return;
	}
	g_array_append_val(a, ((struct ishare_gpage){ g, index }));
}

/* ------------------------------------------------------------- hooks */

/*
 * May a miss of (@inode, @index) use a group?  The page must lie wholly
 * inside i_size (each file zeroes its own EOF tail), and no invalidation of
 * the file may be under way: the core calls this hook from a fault without
 * the invalidate_lock, which a truncate or punch holds exclusively while it
 * empties the range; the mainline path then waits for it.
 */
static bool ishare_eligible(struct kernel *k, struct inode *inode,
			    pgoff_t index)
{
	return index < inode->i_size >> k->page_shift &&
	       rwsem_ready(&inode->i_mapping->invalidate_lock, false);
}

static struct page *ishare_read_miss(struct kernel *k, struct task *t,
				     struct inode *inode, uint64_t index)
{
	struct ishare_group *g;
	struct address_space *gm;
	struct page *p;

	if (!ishare_eligible(k, inode, index))
		return NULL;
	g = group_of(k, inode);
	if (!g)
		return NULL;
	gm = g->anon->i_mapping;
	p = filemap_get_page(gm, index);
	if (p) {
		get_page(p);
	} else {
		p = page_cache_read(k, t, gm, index, g->anon, index);
		gpage_index(k, g, index);
	}
	filemap_add_folio(k, inode->i_mapping, p, index);
	trace_step(k, "ishare inode %llu index %llu -> page %llu of group %llu",
		   (unsigned long long)inode->i_ino, (unsigned long long)index,
		   (unsigned long long)p->id,
		   (unsigned long long)g->anon->i_ino);
	return p;
}

/* Drop the group owner of one page read from a changed block. */
static void gpage_drop(struct kernel *k, const struct ishare_gpage *gp)
{
	struct address_space *gm = gp->g->anon->i_mapping;
	struct page *p = filemap_get_page(gm, gp->index);

	if (!p)
		return;		/* reclaimed or dropped since */
	trace_step(k, "ishare drop page %llu of group %llu index %llu",
		   (unsigned long long)p->id,
		   (unsigned long long)gp->g->anon->i_ino,
		   (unsigned long long)gp->index);
	filemap_remove_folio(k, p, gm, gp->index);
}

/* @block is about to be rewritten, or was freed: its group pages go. */
static void ishare_block_changed(struct kernel *k, uint64_t block)
{
	GArray *a = g_hash_table_lookup(ishare_of(k)->by_block, &block);
	guint i;

	if (!a)
		return;
	for (i = 0; i < a->len; i++)
		gpage_drop(k, &g_array_index(a, struct ishare_gpage, i));
	g_hash_table_remove(ishare_of(k)->by_block, &block);
}

/* The crash dropped every group page: forget where they came from. */
static void ishare_crash(struct kernel *k)
{
	g_hash_table_remove_all(ishare_of(k)->by_block);
}

/*
 * The groups (fingerprint and inode) and the block table, as sums over
 * their entries, so that the tables' order does not matter; the group
 * inodes' pages and frozen forks are hashed by the core.
 */
static uint64_t ishare_state_hash(const struct kernel *k)
{
	const struct ishare *s = k->policy_priv;
	const struct ishare_group *g;
	const uint64_t *block;
	const GArray *a;
	GHashTableIter it;
	uint64_t h = 0;
	guint i;

	g_hash_table_iter_init(&it, s->groups);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&g))
		h += hash_fmix(hash_mix(hash_mix(g->anon->i_ino, g->fp.hash),
					g->fp.size));
	g_hash_table_iter_init(&it, s->by_block);
	while (g_hash_table_iter_next(&it, (gpointer *)&block,
				      (gpointer *)&a)) {
		for (i = 0; i < a->len; i++) {
			const struct ishare_gpage *gp;

			gp = &g_array_index(a, struct ishare_gpage, i);
			h += hash_fmix(hash_mix(hash_mix(*block,
							 gp->g->anon->i_ino),
						gp->index));
		}
	}
	return h;
}

static void free_gpages(gpointer a)
{
	g_array_free(a, TRUE);
}

static void ishare_init(struct kernel *k)
{
	struct ishare *s = g_new0(struct ishare, 1);

	s->groups = g_hash_table_new_full(fp_hash, fp_equal, NULL, g_free);
	s->by_block = g_hash_table_new_full(g_int64_hash, g_int64_equal,
					    g_free, free_gpages);
	k->policy_priv = s;
}

/* The anonymous inodes are the core's to free. */
static void ishare_fini(struct kernel *k)
{
	struct ishare *s = ishare_of(k);

	g_hash_table_destroy(s->by_block);
	g_hash_table_destroy(s->groups);
	g_free(s);
	k->policy_priv = NULL;
}

const struct policy_ops policy_ishare = {
	.name = "ishare",
	.kind = POLICY_DESIGN,
	.description = "identical files (same size and extents) share the "
		       "pages of a fingerprint-keyed anonymous inode; a store "
		       "copies (EROFS ishare, fs/erofs/ishare.c, 2026)",
	.read_miss = ishare_read_miss,
	.block_changed = ishare_block_changed,
	.crash = ishare_crash,
	.init = ishare_init,
	.fini = ishare_fini,
	.state_hash = ishare_state_hash,
};
