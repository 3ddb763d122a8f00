/* SPDX-License-Identifier: MIT */
/*
 * model/content.c - compact, hash-consed page content.
 *
 * A content is a header and a canonical array of runs.  A run stores its byte
 * value and the page offset of its *last* byte in a uint16_t (page_size is at
 * most 65536), packed into three bytes.  Storing end offsets instead of
 * lengths makes "which run holds byte off?" a binary search, so byte and
 * range queries are O(log nruns); a run's length is the difference of two
 * neighbouring ends.
 *
 * Interning: a new content is first built into the pool's scratch content
 * (room for page_size runs, the most a page can have), hashed, and looked up
 * in the pool's set of contents; only a miss allocates, sized to its runs.
 * The set is a GHashTable used for lookup only: nothing iterates it except
 * content_pool_free(), which frees everything and so cannot depend on the
 * order.  The pool also keeps a weak pointer to the one-run ("solid") page of
 * each byte value so that filling a whole page costs no hashing at all.
 *
 * Ownership:
 *   pool->table  owns every interned content (destroying it frees them);
 *   callers      own references (content->refcount), dropped by content_put();
 *   pool->solid  owns nothing: content_put() clears the slot before freeing.
 *
 * Bad arguments are reported with g_critical() in the "pcsim-content" log
 * domain and then handled without touching memory outside the page.
 */
#define G_LOG_DOMAIN "pcsim-content"

#include "model/content.h"

#include <stdio.h>
#include <string.h>

/* content->refcount of the permanent zero page. */
#define CONTENT_PERMANENT	UINT64_MAX

#define FNV64_OFFSET		0xcbf29ce484222325ULL
#define FNV64_PRIME		0x100000001b3ULL

/* One run of equal bytes: [previous run's last + 1, last]. */
struct content_run {
	uint8_t byte;			/* value of every byte in the run */
	uint16_t last;			/* page offset of the run's last byte */
} __attribute__((packed));

struct content {
	uint64_t hash;			/* content_hash(), set when built */
	uint64_t refcount;		/* or CONTENT_PERMANENT (zero) */
	uint32_t nruns;			/* >= 1; last run ends the page */
	struct content_run runs[];	/* canonical, .last increasing */
};

struct content_pool {
	uint32_t page_size;		/* fixed at creation, power of two */
	size_t content_bytes;		/* bytes of all interned contents */
	GHashTable *table;		/* set of interned contents, by runs */
	struct content *zero;		/* permanent all-zero page, in table */
	struct content *solid[256];	/* weak: one-run page per byte */
	struct content *build;		/* scratch, room for page_size runs */
};

/* A run visitor: called once per piece of a run inside a walked range. */
typedef void (*run_fn)(void *arg, uint8_t byte, uint32_t len);

static size_t content_alloc_size(uint32_t nruns)
{
	return offsetof(struct content, runs) +
	       (size_t)nruns * sizeof(struct content_run);
}

static uint32_t run_end(const struct content *c, uint32_t i)
{
	return c->runs[i].last + 1u;
}

static uint32_t run_len(const struct content *c, uint32_t i)
{
	return run_end(c, i) - (i ? run_end(c, i - 1) : 0);
}

/* Index of the run holding byte @off; @off < page size. */
static uint32_t run_index(const struct content *c, uint32_t off)
{
	uint32_t lo = 0, hi = c->nruns - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->runs[mid].last < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Call @fn for each run piece of [off, off + len), in page order. */
static void run_walk(const struct content *c, uint32_t off, uint32_t len,
		     run_fn fn, void *arg)
{
	uint32_t end = off + len;
	uint32_t i;

	if (!len)
		return;
	for (i = run_index(c, off); off < end; i++) {
		uint32_t stop = MIN(run_end(c, i), end);

		fn(arg, c->runs[i].byte, stop - off);
		off = stop;
	}
}

/* murmur3's fmix64: avalanche so every hash bit depends on every input bit */
static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static uint64_t runs_hash(const struct content *c)
{
	uint64_t h = FNV64_OFFSET;
	uint32_t i;

	for (i = 0; i < c->nruns; i++)
		h = (h ^ ((uint64_t)run_len(c, i) << 8 | c->runs[i].byte)) *
		    FNV64_PRIME;
	return fmix64(h);
}

static guint table_hash(gconstpointer key)
{
	const struct content *c = key;

	return (guint)(c->hash ^ (c->hash >> 32));
}

static gboolean table_equal(gconstpointer ka, gconstpointer kb)
{
	const struct content *a = ka, *b = kb;

	return a->hash == b->hash && a->nruns == b->nruns &&
	       !memcmp(a->runs, b->runs, a->nruns * sizeof(a->runs[0]));
}

static bool range_in(const struct content *c, uint32_t off, uint32_t len)
{
	uint32_t size = content_page_size(c);

	return c && off <= size && len <= size - off;
}

/* Validate a query's content and range; complain once if bad. */
static bool range_ok(const struct content *c, uint32_t off, uint32_t len,
		     const char *fn)
{
	if (range_in(c, off, len))
		return true;
	g_critical("%s: range [%u,+%u) outside content of %u bytes", fn, off,
		   len, content_page_size(c));
	return false;
}

/* Validate a mutator's input: right pool, range inside the page. */
static bool pool_range_ok(const struct content_pool *pool,
			  const struct content *c, uint32_t off, uint32_t len,
			  const char *fn)
{
	if (!pool || content_page_size(c) != pool->page_size) {
		g_critical("%s: content of %u bytes in pool of %u", fn,
			   content_page_size(c), pool ? pool->page_size : 0);
		return false;
	}
	return range_ok(c, off, len, fn);
}

/* --- building and interning ------------------------------------------- */

static void build_reset(struct content_pool *pool)
{
	pool->build->nruns = 0;
}

/* Append @len bytes of @byte to the scratch content, merging runs. */
static void build_push(void *arg, uint8_t byte, uint32_t len)
{
	struct content *b = arg;
	uint32_t end = b->nruns ? run_end(b, b->nruns - 1) : 0;

	if (!len)
		return;
	if (b->nruns && b->runs[b->nruns - 1].byte == byte) {
		b->runs[b->nruns - 1].last = (uint16_t)(end + len - 1);
		return;
	}
	b->runs[b->nruns].byte = byte;
	b->runs[b->nruns].last = (uint16_t)(end + len - 1);
	b->nruns++;
}

static void build_slice(struct content_pool *pool, const struct content *c,
			uint32_t off, uint32_t len)
{
	run_walk(c, off, len, build_push, pool->build);
}

/* Return a new reference to the interned copy of the scratch content. */
static const struct content *build_intern(struct content_pool *pool)
{
	struct content *b = pool->build, *c;
	size_t size = content_alloc_size(b->nruns);

	b->hash = runs_hash(b);
	c = g_hash_table_lookup(pool->table, b);
	if (c)
		return content_get(c);
	c = g_malloc(size);
	memcpy(c, b, size);
	c->refcount = 1;
	g_hash_table_add(pool->table, c);
	pool->content_bytes += size;
	if (c->nruns == 1)
		pool->solid[c->runs[0].byte] = c;
	return c;
}

/* New reference to the page whose every byte is @byte. */
static const struct content *content_solid(struct content_pool *pool,
					   uint8_t byte)
{
	if (pool->solid[byte])
		return content_get(pool->solid[byte]);
	build_reset(pool);
	build_push(pool->build, byte, pool->page_size);
	return build_intern(pool);
}

/* --- pool --------------------------------------------------------------- */

/**
 * content_pool_new() - create a pool of contents of one page size.
 * @page_size: bytes per content, a power of two in
 *	[CONTENT_PAGE_SIZE_MIN, CONTENT_PAGE_SIZE_MAX].
 *
 * The pool starts with its permanent zero page.
 *
 * Return: the pool, or NULL if @page_size is not acceptable.
 */
struct content_pool *content_pool_new(uint32_t page_size)
{
	struct content_pool *pool;

	if (page_size < CONTENT_PAGE_SIZE_MIN ||
	    page_size > CONTENT_PAGE_SIZE_MAX ||
	    (page_size & (page_size - 1)))
		return NULL;
	pool = g_new0(struct content_pool, 1);
	pool->page_size = page_size;
	pool->build = g_malloc(content_alloc_size(page_size));
	pool->table = g_hash_table_new_full(table_hash, table_equal, g_free,
					    NULL);
	pool->zero = (struct content *)content_solid(pool, 0);
	pool->zero->refcount = CONTENT_PERMANENT;
	return pool;
}

/**
 * content_pool_free() - free a pool and every content in it.
 * @pool: the pool, or NULL.
 *
 * References still held become dangling; content_pool_live() tells callers
 * beforehand whether they leaked any.
 */
void content_pool_free(struct content_pool *pool)
{
	if (!pool)
		return;
	g_hash_table_destroy(pool->table);
	g_free(pool->build);
	g_free(pool);
}

/**
 * content_pool_page_size() - bytes per content of @pool.
 * @pool: the pool.
 *
 * Return: the page size given to content_pool_new().
 */
uint32_t content_pool_page_size(const struct content_pool *pool)
{
	return pool ? pool->page_size : 0;
}

/**
 * content_pool_live() - number of distinct live contents.
 * @pool: the pool.
 *
 * Return: interned contents with at least one reference, not counting the
 * permanent zero page; 0 once every reference has been put.
 */
uint64_t content_pool_live(const struct content_pool *pool)
{
	return pool ? g_hash_table_size(pool->table) - 1u : 0;
}

/* Estimate of GHashTable's arrays: >= 2 buckets per entry, hash + key. */
static size_t table_mem_bytes(guint n)
{
	size_t buckets = 8;

	while (buckets < 2 * (size_t)n)
		buckets *= 2;
	return sizeof(GHashTable *) + buckets * (sizeof(guint) +
						 sizeof(gpointer));
}

/**
 * content_pool_mem_bytes() - memory the pool uses.
 * @pool: the pool.
 *
 * Counts the pool, its scratch content, every interned content (requested
 * sizes, not malloc overhead) and an estimate of the hash table's arrays.
 * References cost nothing here: they are the holders' pointers.
 *
 * Return: bytes.
 */
size_t content_pool_mem_bytes(const struct content_pool *pool)
{
	if (!pool)
		return 0;
	return sizeof(*pool) + content_alloc_size(pool->page_size) +
	       pool->content_bytes +
	       table_mem_bytes(g_hash_table_size(pool->table));
}

/* --- references --------------------------------------------------------- */

/**
 * content_zero() - the all-zero page of @pool.
 * @pool: the pool.
 *
 * The zero page is permanent; taking and dropping references to it is
 * allowed and does nothing, so callers treat it like any other content.
 *
 * Return: the zero page (a reference need not be put, but may be).
 */
const struct content *content_zero(struct content_pool *pool)
{
	return pool ? pool->zero : NULL;
}

/**
 * content_get() - take a reference to a content.
 * @c: the content, or NULL.
 *
 * Return: @c.
 */
const struct content *content_get(const struct content *c)
{
	struct content *mut = (struct content *)c;

	if (mut && mut->refcount != CONTENT_PERMANENT)
		mut->refcount++;
	return c;
}

/**
 * content_put() - drop a reference, freeing the content on the last one.
 * @pool: the pool @c was interned in.
 * @c: the content, or NULL.
 */
void content_put(struct content_pool *pool, const struct content *c)
{
	struct content *mut = (struct content *)c;

	if (!mut || mut->refcount == CONTENT_PERMANENT)
		return;
	if (!pool_range_ok(pool, c, 0, 0, __func__))
		return;
	g_return_if_fail(mut->refcount > 0);
	if (--mut->refcount)
		return;
	if (mut->nruns == 1)
		pool->solid[mut->runs[0].byte] = NULL;
	pool->content_bytes -= content_alloc_size(mut->nruns);
	g_hash_table_remove(pool->table, mut);	/* frees it */
}

/* --- new contents -------------------------------------------------------- */

/**
 * content_fill() - a content with a range set to one byte value.
 * @pool: the pool @base belongs to.
 * @base: the content to start from; not consumed.
 * @off: first byte of the range.
 * @len: bytes in the range; @off + @len <= page size.
 * @byte: the value to store.
 *
 * Filling the whole page and filling bytes that already hold @byte cost no
 * hashing; otherwise the cost is O(nruns of the result).
 *
 * Return: a new reference to @base with [@off, @off + @len) set to @byte, or
 * a new reference to @base itself if the arguments are bad.
 */
const struct content *content_fill(struct content_pool *pool,
				   const struct content *base,
				   uint32_t off, uint32_t len, uint8_t byte)
{
	uint32_t end = off + len;

	if (!pool_range_ok(pool, base, off, len, __func__))
		return content_get(base);
	if (len == pool->page_size)
		return content_solid(pool, byte);
	if (content_range_is(base, off, len, byte))
		return content_get(base);
	build_reset(pool);
	build_slice(pool, base, 0, off);
	build_push(pool->build, byte, len);
	build_slice(pool, base, end, pool->page_size - end);
	return build_intern(pool);
}

/**
 * content_splice() - a content with a range copied from another.
 * @pool: the pool both contents belong to.
 * @dst: the content to start from; not consumed.
 * @dst_off: first byte of the range in @dst.
 * @src: the content to copy from (may be @dst); not consumed.
 * @src_off: first byte of the range in @src.
 * @len: bytes to copy; both ranges lie inside the page.
 *
 * Return: a new reference to @dst with [@dst_off, @dst_off + @len) replaced
 * by @src's [@src_off, @src_off + @len), or a new reference to @dst itself if
 * the arguments are bad.
 */
const struct content *content_splice(struct content_pool *pool,
				     const struct content *dst,
				     uint32_t dst_off,
				     const struct content *src,
				     uint32_t src_off, uint32_t len)
{
	uint32_t end = dst_off + len;

	if (!pool_range_ok(pool, dst, dst_off, len, __func__) ||
	    !pool_range_ok(pool, src, src_off, len, __func__))
		return content_get(dst);
	if (len == pool->page_size)
		return content_get(src);
	if (content_range_equal(dst, dst_off, src, src_off, len))
		return content_get(dst);
	build_reset(pool);
	build_slice(pool, dst, 0, dst_off);
	build_slice(pool, src, src_off, len);
	build_slice(pool, dst, end, pool->page_size - end);
	return build_intern(pool);
}

/* --- queries ------------------------------------------------------------- */

/**
 * content_range_equal() - compare two byte ranges.
 * @a: first content.
 * @aoff: first byte of the range in @a.
 * @b: second content (may be @a, may be of another pool of any page size).
 * @boff: first byte of the range in @b.
 * @len: bytes to compare.
 *
 * Return: true if the ranges hold the same bytes; false if they differ or
 * either range is outside its content.  O(runs in the ranges).
 */
bool content_range_equal(const struct content *a, uint32_t aoff,
			 const struct content *b, uint32_t boff, uint32_t len)
{
	uint32_t i, j;

	if (!range_ok(a, aoff, len, __func__) ||
	    !range_ok(b, boff, len, __func__))
		return false;
	if (!len || (a == b && aoff == boff))
		return true;
	i = run_index(a, aoff);
	j = run_index(b, boff);
	for (;;) {
		uint32_t step = MIN(run_end(a, i) - aoff, run_end(b, j) - boff);

		if (a->runs[i].byte != b->runs[j].byte)
			return false;
		if (step >= len)
			return true;
		len -= step;
		aoff += step;
		boff += step;
		i += aoff == run_end(a, i);
		j += boff == run_end(b, j);
	}
}

/**
 * content_range_is() - test whether a range holds only one byte value.
 * @c: the content.
 * @off: first byte of the range.
 * @len: bytes in the range; an empty range holds only @byte.
 * @byte: the value.
 *
 * Runs are canonical, so the range qualifies iff one run covers it.
 *
 * Return: true if every byte of the range equals @byte.  O(log nruns).
 */
bool content_range_is(const struct content *c, uint32_t off, uint32_t len,
		      uint8_t byte)
{
	uint32_t i;

	if (!range_ok(c, off, len, __func__))
		return false;
	if (!len)
		return true;
	i = run_index(c, off);
	return c->runs[i].byte == byte && run_end(c, i) - off >= len;
}

/**
 * content_byte_at() - one byte of a content.
 * @c: the content.
 * @off: the offset, < page size.
 *
 * Return: the byte, or 0 if @off is outside the page.  O(log nruns).
 */
uint8_t content_byte_at(const struct content *c, uint32_t off)
{
	if (!range_ok(c, off, 1, __func__))
		return 0;
	return c->runs[run_index(c, off)].byte;
}

/**
 * content_nruns() - number of runs of a content.
 * @c: the content.
 *
 * Return: runs in the canonical form, 1..page size (0 for NULL).
 */
uint32_t content_nruns(const struct content *c)
{
	return c ? c->nruns : 0;
}

/**
 * content_run() - one run of a content, for walking or dumping it.
 * @c: the content.
 * @i: run index, < content_nruns(@c).
 * @byte: set to the run's byte value.
 * @len: set to the run's length.
 *
 * Return: false (outputs untouched) if @i is out of range.
 */
bool content_run(const struct content *c, uint32_t i, uint8_t *byte,
		 uint32_t *len)
{
	if (!c || i >= c->nruns)
		return false;
	*byte = c->runs[i].byte;
	*len = run_len(c, i);
	return true;
}

/**
 * content_page_size() - bytes covered by a content.
 * @c: the content.
 *
 * Return: its pool's page size (0 for NULL).
 */
uint32_t content_page_size(const struct content *c)
{
	return c ? run_end(c, c->nruns - 1) : 0;
}

struct copy_cursor {
	uint8_t *buf;			/* next byte to write */
};

static void copy_run(void *arg, uint8_t byte, uint32_t len)
{
	struct copy_cursor *cur = arg;

	memset(cur->buf, byte, len);
	cur->buf += len;
}

/**
 * content_copy_out() - materialize a byte range.
 * @c: the content.
 * @off: first byte of the range.
 * @len: bytes to copy.
 * @buf: destination of @len bytes.
 *
 * If the range is outside the page, @buf is zero-filled instead.
 */
void content_copy_out(const struct content *c, uint32_t off, uint32_t len,
		      uint8_t *buf)
{
	struct copy_cursor cur = { .buf = buf };

	if (!buf)
		return;
	if (!range_ok(c, off, len, __func__)) {
		memset(buf, 0, len);
		return;
	}
	run_walk(c, off, len, copy_run, &cur);
}

/**
 * content_md5_update() - stream a byte range into a checksum.
 * @c: the content.
 * @off: first byte of the range.
 * @len: bytes to stream.
 * @md5: the checksum (any GChecksumType works).
 *
 * Uses a 512-byte stack buffer; never allocates.  Does nothing if the range
 * is outside the page.
 */
void content_md5_update(const struct content *c, uint32_t off, uint32_t len,
			GChecksum *md5)
{
	uint8_t chunk[512];

	if (!md5 || !range_ok(c, off, len, __func__))
		return;
	while (len) {
		uint32_t n = MIN(len, (uint32_t)sizeof(chunk));

		content_copy_out(c, off, n, chunk);
		g_checksum_update(md5, chunk, n);
		off += n;
		len -= n;
	}
}

void content_walk_runs(const struct content *c, uint32_t off, uint32_t len,
		       void (*fn)(void *arg, uint8_t byte, uint32_t len),
		       void *arg)
{
	if (range_ok(c, off, len, __func__))
		run_walk(c, off, len, fn, arg);
}

/**
 * content_hash() - stable hash of a content's bytes.
 * @c: the content.
 *
 * FNV-1a 64 over the canonical runs, one 64-bit word per run (length << 8
 * | byte value), finished with murmur3's fmix64.  Canonical runs are a
 * function of the bytes, so this is too: same value on every run, compiler
 * and platform.
 *
 * Return: the hash (0 for NULL).  O(1): computed once when interned.
 */
uint64_t content_hash(const struct content *c)
{
	return c ? c->hash : 0;
}

/**
 * content_describe() - human-readable runs, for traces and messages.
 * @c: the content.
 * @buf: destination.
 * @buflen: size of @buf; the result is always NUL-terminated.
 *
 * Format: "0x61*100,0x00*3996"; if it does not fit, as many whole runs as
 * fit followed by "...".
 */
void content_describe(const struct content *c, char *buf, size_t buflen)
{
	size_t pos = 0;
	uint32_t i;

	if (!buf || !buflen)
		return;
	snprintf(buf, buflen, "%s", c ? "" : "(null)");
	for (i = 0; c && i < c->nruns; i++) {
		char piece[32];
		size_t room = i + 1 == c->nruns ? 1 : 4;	/* NUL, "..." */
		int n = snprintf(piece, sizeof(piece), "%s0x%02x*%u",
				 i ? "," : "", c->runs[i].byte, run_len(c, i));

		if (pos + (size_t)n + room > buflen) {
			snprintf(buf + pos, buflen - pos, "...");
			return;
		}
		memcpy(buf + pos, piece, (size_t)n + 1);
		pos += (size_t)n;
	}
}
