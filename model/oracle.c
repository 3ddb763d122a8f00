/* SPDX-License-Identifier: MIT */
/*
 * model/oracle.c - the data oracle: what every file must contain.
 *
 * The design is in model/oracle.h.  Representation of one file:
 *
 *   size        POSIX i_size;
 *   pages       page index -> content reference; absent = zeros; never the
 *               zero page itself; every byte at or beyond size is zero;
 *   d           the durable point (struct dpoint): the size and pages at
 *               the last fsync point (oracle_fsync(), oracle_sync_all(), or
 *               a crash that adopted recovered state), the page indices
 *               below its size whose bytes some operation changed (or may
 *               have changed) since (present or not, the entry is never
 *               read), and whether i_size took another value since;
 *   prev        while durability calls are in flight (oracle_durable_begin
 *               .. _end), the point @d replaced when the first of them
 *               took its own: what the file had been promised before the
 *               unfinished calls.  A crash checks against it, since a
 *               call cut short by the power cut promised nothing.
 *
 * Every mutation goes through three primitives: set_size() (which zeroes
 * dropped bytes to keep the tail clean), fill_range() and the splice loop
 * of oracle_clone(); each first calls touch() on the byte range it changes.
 * A size increase touches nothing: the bytes it exposes were beyond the
 * size, hence either beyond dsize (never checked) or already touched by the
 * shrink that dropped them.
 *
 * Costs: a zeroing walk visits only stored pages, so punching or shrinking
 * a huge sparse file is cheap; touch() is bounded by the durable size; a
 * durability check (lost_byte()) is one pass over the pages below the size
 * it checks, each compared once, equal pages by pointer.
 */
#define G_LOG_DOMAIN "pcsim-oracle"

#include "model/oracle.h"

#include <inttypes.h>
#include <stdarg.h>

#include "model/bstream.h"
#include "model/cmap.h"
#include "model/content.h"
#include "model/hashmix.h"
#include "model/never.h"
#include "model/xarray.h"

/* The entry stored in ofile->modified; only its presence matters. */
static char modified_tag;

/* One durable point of a file. */
struct dpoint {
	bool durable;			/* a point exists */
	bool size_changed;		/* size changed since the point */
	uint64_t size;			/* size at the point */
	struct cmap pages;		/* pages at the point, unless */
	bool shared;			/* nothing changed since it: then they
					   are the file's pages, copied to
					   @pages at the next change
					   (ofile_mut) */
	struct xarray modified;		/* indices touched since, < size */
	uint64_t epoch;			/* the point's epoch */
};

struct ofile {
	uint64_t size;			/* i_size */
	struct cmap pages;		/* index -> content ref, never zero */
	struct dpoint d;		/* the last durable point */
	struct dpoint *prev;		/* the point before the unfinished
					   durability calls, or NULL */
	uint64_t gen;			/* bumped by every change */
};

struct oracle {
	struct content_pool *pool;	/* shared, not owned */
	uint32_t page_size;		/* content_pool_page_size(pool) */
	unsigned int page_shift;	/* log2(page_size) */
	struct xarray files;		/* id -> struct ofile * */
	uint64_t epoch;			/* durable points so far */
	uint32_t inflight;		/* durability calls begun, not ended */
	uint64_t calls_gen;		/* bumped when the calls die (crash) */
	struct xarray prevs;		/* id -> struct ofile * with a @prev */
};

/* --- pages --------------------------------------------------------------- */

static uint64_t page_mask(const struct oracle *o)
{
	return o->page_size - 1;
}

/* Number of pages that hold @bytes bytes: DIV_ROUND_UP without overflow. */
static uint64_t pages_of(const struct oracle *o, uint64_t bytes)
{
	return (bytes >> o->page_shift) + !!(bytes & page_mask(o));
}

/* Bytes from file offset @pos to the end of its page, at most @left. */
static uint32_t chunk_len(const struct oracle *o, uint64_t pos, uint64_t left)
{
	return (uint32_t)MIN(left, o->page_size - (pos & page_mask(o)));
}

/* The content of page @index of @xa: borrowed, the zero page for a hole. */
static const struct content *page_load(const struct oracle *o,
				       const struct cmap *m, uint64_t index)
{
	const struct content *c = cmap_load(m, index);

	return c ? c : content_zero(o->pool);
}

/* Replace page @index of @m by @c, consuming the reference @c. */
static void page_set(struct oracle *o, struct cmap *m, uint64_t index,
		     const struct content *c)
{
	cmap_set(o->pool, m, index, c == content_zero(o->pool) ? NULL : c);
}

/* Offset of the first byte that differs in two ranges known to differ. */
static uint32_t first_diff(const struct content *a, uint32_t aoff,
			   const struct content *b, uint32_t boff, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i++)
		if (content_byte_at(a, aoff + i) != content_byte_at(b, boff + i))
			break;
	return i;
}

/* --- files --------------------------------------------------------------- */

static struct ofile *ofile_find(const struct oracle *o, uint64_t id,
				const char *fn)
{
	struct ofile *f = o ? xa_load(&o->files, id) : NULL;

	if (!f)
		g_critical("%s: no file %" PRIu64, fn, id);
	return f;
}

/* @pt shared the pages of @f: it keeps a copy, @f is about to change. */
static void dpoint_unshare(struct ofile *f, struct dpoint *pt)
{
	if (pt && pt->shared) {
		cmap_copy(&pt->pages, &f->pages);
		pt->shared = false;
	}
}

/* ofile_find() for a change: the file's generation moves on. */
static struct ofile *ofile_mut(const struct oracle *o, uint64_t id,
			       const char *fn)
{
	struct ofile *f = ofile_find(o, id, fn);

	if (f) {
		f->gen++;
		dpoint_unshare(f, &f->d);
		dpoint_unshare(f, f->prev);
	}
	return f;
}

/* The pages of @f at its durable point @pt. */
static const struct cmap *durable_pages(const struct ofile *f,
					const struct dpoint *pt)
{
	return pt->shared ? &f->pages : &pt->pages;
}

/**
 * oracle_generation() - a number that changes whenever @id's bytes or size
 * change (0 for an unknown file): a reader compares it before and after.
 */
uint64_t oracle_generation(const struct oracle *o, uint64_t id)
{
	const struct ofile *f = o ? xa_load(&o->files, id) : NULL;

	return f ? f->gen : 0;
}

static struct ofile *ofile_add(struct oracle *o, uint64_t id)
{
	struct ofile *f = g_new0(struct ofile, 1);

	xa_store(&o->files, id, f);
	return f;
}

/* Drop what @pt holds; it is no durable point afterwards. */
static void dpoint_clear(struct oracle *o, struct dpoint *pt)
{
	cmap_drop(o->pool, &pt->pages);
	xa_destroy(&pt->modified);
	*pt = (struct dpoint){ .modified = XARRAY_INIT };
}

/* Forget @f's point before the unfinished calls. */
static void ofile_drop_prev(struct oracle *o, uint64_t id, struct ofile *f)
{
	if (!f->prev)
		return;
	dpoint_clear(o, f->prev);
	g_free(f->prev);
	f->prev = NULL;
	xa_erase(&o->prevs, id);
}

static void ofile_remove(struct oracle *o, uint64_t id)
{
	struct ofile *f = xa_erase(&o->files, id);

	ofile_drop_prev(o, id, f);
	cmap_drop(o->pool, &f->pages);
	dpoint_clear(o, &f->d);
	g_free(f);
}

/*
 * Make the current state of file @id its fsync point.  While durability
 * calls are in flight, the first point they replace is kept as @prev.
 */
static void ofile_fsync(struct oracle *o, uint64_t id, struct ofile *f,
			uint64_t epoch)
{
	if (o->inflight && !f->prev) {
		f->prev = g_new(struct dpoint, 1);
		*f->prev = f->d;	/* moved: its maps go with it */
		f->d = (struct dpoint){ .modified = XARRAY_INIT };
		xa_store(&o->prevs, id, f);
	}
	dpoint_clear(o, &f->d);
	f->d.epoch = epoch;
	f->d.shared = true;	/* copied when @f next changes */
	f->d.size = f->size;
	f->d.durable = true;
}

/* Is [@off, @off + @len) a representable byte range?  Complain if not. */
static bool range_valid(uint64_t off, uint64_t len, const char *fn)
{
	if (len <= UINT64_MAX - off)
		return true;
	g_critical("%s: range [%" PRIu64 ",+%" PRIu64 ") overflows", fn, off,
		   len);
	return false;
}

/* --- mutation primitives ------------------------------------------------- */

/* Record that bytes [@off, @off + @len) change after point @pt. */
static void touch_point(const struct oracle *o, struct dpoint *pt,
			uint64_t off, uint64_t len)
{
	uint64_t index, end;

	if (!pt || !pt->durable || !len)
		return;
	end = MIN(pages_of(o, off + len), pages_of(o, pt->size));
	for (index = off >> o->page_shift; index < end; index++)
		xa_store(&pt->modified, index, &modified_tag);
}

/* Record that bytes [@off, @off + @len) of @f change after its points. */
static void touch(const struct oracle *o, struct ofile *f, uint64_t off,
		  uint64_t len)
{
	touch_point(o, &f->d, off, len);
	touch_point(o, f->prev, off, len);
}

/* Zero [@off, @off + @len), @len > 0, of @f, visiting only stored pages. */
static void zero_range(struct oracle *o, struct ofile *f, uint64_t off,
		       uint64_t len)
{
	uint64_t end = off + len, last = (end - 1) >> o->page_shift, index;
	const struct content *c;

	touch(o, f, off, len);
	cmap_for_each_range(&f->pages, index, c, off >> o->page_shift, last) {
		uint64_t start = MAX(off, index << o->page_shift);
		uint32_t n = chunk_len(o, start, end - start);

		page_set(o, &f->pages, index,
			 content_fill(o->pool, c, start & page_mask(o), n, 0));
	}
}

/* Set [@off, @off + @len) of @f to @byte; the range lies below the size. */
static void fill_range(struct oracle *o, struct ofile *f, uint64_t off,
		       uint64_t len, uint8_t byte)
{
	const struct content *base;
	uint64_t done, pos, index;
	uint32_t n;

	if (!len)
		return;
	if (!byte) {
		zero_range(o, f, off, len);
		return;
	}
	touch(o, f, off, len);
	for (done = 0; done < len; done += n) {
		pos = off + done;
		n = chunk_len(o, pos, len - done);
		index = pos >> o->page_shift;
		/* a whole page filled does not depend on what it held */
		base = n == o->page_size ? content_zero(o->pool) :
					   page_load(o, &f->pages, index);
		page_set(o, &f->pages, index,
			 content_fill(o->pool, base, pos & page_mask(o), n,
				      byte));
	}
}

/* Change the size of @f; dropped bytes become zeros (clean tail). */
static void set_size(struct oracle *o, struct ofile *f, uint64_t size)
{
	if (size == f->size)
		return;
	if (size < f->size)
		zero_range(o, f, size, f->size - size);
	f->size = size;
	f->d.size_changed = true;
	if (f->prev)
		f->prev->size_changed = true;
}

/* --- public: lifetime ---------------------------------------------------- */

/**
 * oracle_new() - create an oracle with no files.
 * @pool: the content pool shared with the model; must outlive the oracle.
 *
 * Return: the oracle, or NULL (with a critical) if @pool is NULL.
 */
struct oracle *oracle_new(struct content_pool *pool)
{
	struct oracle *o;

	g_return_val_if_fail(pool, NULL);
	o = g_new0(struct oracle, 1);
	o->pool = pool;
	o->page_size = content_pool_page_size(pool);
	o->page_shift = (unsigned int)g_bit_nth_lsf(o->page_size, -1);
	xa_init(&o->files);
	xa_init(&o->prevs);
	return o;
}

/**
 * oracle_free() - free an oracle and drop all its content references.
 * @o: the oracle, or NULL.
 */
void oracle_free(struct oracle *o)
{
	struct ofile *f;
	uint64_t id;

	if (!o)
		return;
	xa_for_each(&o->files, id, f)
		ofile_remove(o, id);
	xa_destroy(&o->files);
	xa_destroy(&o->prevs);
	g_free(o);
}

/* Fold the pages of @m (index, content hash), in index order, into @h. */
static uint64_t pages_hash(uint64_t h, const struct cmap *m)
{
	const struct content *c;
	uint64_t index;

	h = hash_mix(h, m->npages);
	cmap_for_each(m, index, c) {
		h = hash_mix(h, index);
		h = hash_mix(h, content_hash(c));
	}
	return h;
}

/* Fold durable point @pt of @f into @h. */
static uint64_t dpoint_hash(uint64_t h, const struct ofile *f,
			    const struct dpoint *pt)
{
	uint64_t index;
	void *e;

	h = hash_mix(h, pt->durable | (uint64_t)pt->size_changed << 1);
	h = hash_mix(h, pt->size);
	h = pages_hash(h, durable_pages(f, pt));
	h = hash_mix(h, xa_count(&pt->modified));
	xa_for_each(&pt->modified, index, e)
		h = hash_mix(h, index);
	return hash_mix(h, pt->epoch);
}

/**
 * oracle_state_hash() - a digest of everything the oracle will compare with.
 * @o: the oracle.
 *
 * Covers, file by file in id order: size, pages, the fsync point (size,
 * pages, epoch) and what changed since, and the generation; and the epoch
 * counter.  Generations and epochs count operations, so two histories of
 * the same operations in another order agree on them.  Pages are named by
 * their content hash, never by address.
 *
 * Return: the digest (pcsim explore, model/statehash.c).
 */
uint64_t oracle_state_hash(const struct oracle *o)
{
	const struct ofile *f;
	uint64_t id, h;

	g_return_val_if_fail(o, 0);
	h = hash_mix(0x6f7261636c65ULL, o->epoch);	/* "oracle" */
	xa_for_each(&o->files, id, f) {
		h = hash_mix(h, id);
		h = hash_mix(h, f->size);
		h = pages_hash(h, &f->pages);
		h = dpoint_hash(h, f, &f->d);
		if (f->prev)
			h = dpoint_hash(hash_mix(h, 0x70726576ULL), f, f->prev);
		h = hash_mix(h, f->gen);
	}
	return hash_mix(h, o->inflight);
}

/**
 * oracle_create() - a new, empty file.
 * @o: the oracle.
 * @id: the file's id (i_ino); must not exist.
 */
void oracle_create(struct oracle *o, uint64_t id)
{
	g_return_if_fail(o);
	if (xa_load(&o->files, id)) {
		g_critical("%s: file %" PRIu64 " exists", __func__, id);
		return;
	}
	ofile_add(o, id);
}

/**
 * oracle_remove() - forget a file: its last name is gone and it is closed.
 * @o: the oracle.
 * @id: the file.
 *
 * Its durable snapshot goes too: a crash may no longer bring it back.
 */
void oracle_remove(struct oracle *o, uint64_t id)
{
	if (ofile_find(o, id, __func__))
		ofile_remove(o, id);
}

/* --- public: queries ----------------------------------------------------- */

/**
 * oracle_exists() - does the oracle know file @id?
 * @o: the oracle.
 * @id: the file.
 *
 * Return: true if @id was created and not removed since.
 */
bool oracle_exists(const struct oracle *o, uint64_t id)
{
	return o && xa_load(&o->files, id);
}

/**
 * oracle_size() - the size a stat(2) of file @id must report.
 * @o: the oracle.
 * @id: the file.
 *
 * Return: the size in bytes, 0 for an unknown file.
 */
uint64_t oracle_size(const struct oracle *o, uint64_t id)
{
	const struct ofile *f = ofile_find(o, id, __func__);

	return f ? f->size : 0;
}

/**
 * oracle_nfiles() - number of files the oracle knows.
 * @o: the oracle.
 *
 * Return: the count.
 */
uint64_t oracle_nfiles(const struct oracle *o)
{
	return o ? xa_count(&o->files) : 0;
}

/**
 * oracle_byte_at() - one byte of a file, for messages.
 * @o: the oracle.
 * @id: the file.
 * @off: file offset.
 *
 * Return: the byte; 0 at or beyond the size and for an unknown file.
 */
uint8_t oracle_byte_at(const struct oracle *o, uint64_t id, uint64_t off)
{
	const struct ofile *f = ofile_find(o, id, __func__);

	if (!f)
		return 0;
	return content_byte_at(page_load(o, &f->pages, off >> o->page_shift),
			       (uint32_t)(off & page_mask(o)));
}

/**
 * oracle_check_read() - compare bytes a user observed with the file's.
 * @o: the oracle.
 * @id: the file.
 * @off: file offset of the first observed byte.
 * @c: page content holding the observed bytes.
 * @coff: where they start in @c.
 * @len: how many; @coff + @len <= page size, @off + @len <= file size (the
 *	caller clips reads at EOF).
 * @bad_off: set to the first differing file offset on a mismatch.
 *
 * Return: 0 if the bytes are equal; -1 if they differ, or (with a critical)
 * if the arguments are bad, in which case @bad_off is @off.
 */
int oracle_check_read(const struct oracle *o, uint64_t id, uint64_t off,
		      const struct content *c, uint32_t coff, uint32_t len,
		      uint64_t *bad_off)
{
	const struct ofile *f = ofile_find(o, id, __func__);
	uint64_t done, pos;
	uint32_t n;

	*bad_off = off;
	if (!f)
		return -1;
	if (!range_valid(off, len, __func__) || off + len > f->size ||
	    (uint64_t)coff + len > content_page_size(c)) {
		g_critical("%s: file %" PRIu64 " read [%" PRIu64 ",+%u) size %"
			   PRIu64 " from content offset %u", __func__, id, off,
			   len, f->size, coff);
		return -1;
	}
	for (done = 0; done < len; done += n) {
		const struct content *fc;

		pos = off + done;
		n = chunk_len(o, pos, len - done);
		fc = page_load(o, &f->pages, pos >> o->page_shift);
		if (content_range_equal(fc, pos & page_mask(o), c,
					coff + (uint32_t)done, n))
			continue;
		*bad_off = pos + first_diff(fc, pos & page_mask(o), c,
					    coff + (uint32_t)done, n);
		return -1;
	}
	return 0;
}

/**
 * oracle_md5() - the md5 of a whole file: what md5sum must print.
 * @o: the oracle.
 * @id: the file.
 * @digest: the 16 digest bytes (of the empty string for an unknown file).
 *
 * The MD5 is memoised (model/bstream.h).
 */
void oracle_md5(const struct oracle *o, uint64_t id, uint8_t digest[16])
{
	struct bstream *s = oracle_bytes(o, id);

	bstream_md5(s, digest);
	bstream_free(s);
}

/**
 * oracle_bytes() - the whole file's bytes as runs, O(pages).
 * @o: the oracle.
 * @id: the file (an unknown one is empty).
 */
struct bstream *oracle_bytes(const struct oracle *o, uint64_t id)
{
	const struct ofile *f = ofile_find(o, id, __func__);
	struct bstream *s = bstream_new();
	uint64_t pos, size = f ? f->size : 0;
	uint32_t n;

	for (pos = 0; pos < size; pos += n) {
		n = chunk_len(o, pos, size - pos);
		bstream_add(s, page_load(o, &f->pages, pos >> o->page_shift),
			    0, n);
	}
	return s;
}

/* --- public: operations -------------------------------------------------- */

/**
 * oracle_write() - write(2) of @len bytes of value @byte at @off.
 * @o: the oracle.
 * @id: the file.
 * @off: file offset.
 * @len: byte count; 0 changes nothing.
 * @byte: the value written.
 *
 * Extends the size to @off + @len if that is beyond it.
 */
void oracle_write(struct oracle *o, uint64_t id, uint64_t off, uint64_t len,
		  uint8_t byte)
{
	struct ofile *f = ofile_mut(o, id, __func__);

	if (!f || !len || !range_valid(off, len, __func__))
		return;
	set_size(o, f, MAX(f->size, off + len));
	fill_range(o, f, off, len, byte);
}

/**
 * oracle_mstore() - stores through a shared mapping.
 * @o: the oracle.
 * @id: the file.
 * @off: file offset.
 * @len: byte count.
 * @byte: the value stored.
 *
 * Never extends: bytes at or beyond the size are not part of the file (they
 * live in the page beyond EOF and are lost) and are ignored.
 */
void oracle_mstore(struct oracle *o, uint64_t id, uint64_t off, uint64_t len,
		   uint8_t byte)
{
	struct ofile *f = ofile_mut(o, id, __func__);

	if (!f || !range_valid(off, len, __func__) || off >= f->size)
		return;
	fill_range(o, f, off, MIN(len, f->size - off), byte);
}

/**
 * oracle_truncate() - truncate(2) to @size.
 * @o: the oracle.
 * @id: the file.
 * @size: the new size.
 *
 * Shrinking drops the bytes beyond @size (a later grow reads zeros there);
 * growing adds zeros.
 */
void oracle_truncate(struct oracle *o, uint64_t id, uint64_t size)
{
	struct ofile *f = ofile_mut(o, id, __func__);

	if (f)
		set_size(o, f, size);
}

/**
 * oracle_zero() - punch a hole or zero a range.
 * @o: the oracle.
 * @id: the file.
 * @off: file offset.
 * @len: byte count.
 * @extend: grow the size to @off + @len if beyond it (fzero without -k);
 *	false never changes the size (fpunch, fzero -k) and ignores the part
 *	of the range beyond it.
 */
void oracle_zero(struct oracle *o, uint64_t id, uint64_t off, uint64_t len,
		 bool extend)
{
	struct ofile *f = ofile_mut(o, id, __func__);

	if (!f || !len || !range_valid(off, len, __func__))
		return;
	if (extend)
		set_size(o, f, MAX(f->size, off + len));
	if (off < f->size)
		fill_range(o, f, off, MIN(len, f->size - off), 0);
}

/**
 * oracle_extend() - fallocate(2) without KEEP_SIZE: size = max(size, @size).
 * @o: the oracle.
 * @id: the file.
 * @size: end of the allocated range.
 */
void oracle_extend(struct oracle *o, uint64_t id, uint64_t size)
{
	struct ofile *f = ofile_mut(o, id, __func__);

	if (f)
		set_size(o, f, MAX(f->size, size));
}

/* Do [@soff, +@len) and [@doff, +@len) of one file overlap? */
static bool ranges_overlap(uint64_t soff, uint64_t doff, uint64_t len)
{
	return soff < doff + len && doff < soff + len;
}

/**
 * oracle_clone() - reflink or dedupe: dst's bytes become src's.
 * @o: the oracle.
 * @src: source file.
 * @soff: source offset.
 * @dst: destination file (may be @src if the ranges do not overlap).
 * @doff: destination offset.
 * @len: byte count; 0 changes nothing (the model resolves "to EOF").
 *
 * Bytes of @src beyond its size read as zeros.  The size of @dst becomes
 * max(its size, @doff + @len).  Offsets need not be aligned: pages are
 * spliced at byte granularity.
 */
void oracle_clone(struct oracle *o, uint64_t src, uint64_t soff, uint64_t dst,
		  uint64_t doff, uint64_t len)
{
	struct ofile *sf = ofile_find(o, src, __func__);
	struct ofile *df = ofile_mut(o, dst, __func__);
	uint64_t done, s, d;
	uint32_t n;

	if (!sf || !df || !len || !range_valid(soff, len, __func__) ||
	    !range_valid(doff, len, __func__))
		return;
	if (src == dst && ranges_overlap(soff, doff, len)) {
		g_critical("%s: file %" PRIu64 " overlapping ranges", __func__,
			   src);
		return;
	}
	set_size(o, df, MAX(df->size, doff + len));
	touch(o, df, doff, len);
	for (done = 0; done < len; done += n) {
		s = soff + done;
		d = doff + done;
		n = MIN(chunk_len(o, s, len - done), chunk_len(o, d, len - done));
		page_set(o, &df->pages, d >> o->page_shift,
			 content_splice(o->pool,
					page_load(o, &df->pages,
						  d >> o->page_shift),
					d & page_mask(o),
					page_load(o, &sf->pages,
						  s >> o->page_shift),
					s & page_mask(o), n));
	}
}

/* --- public: durability -------------------------------------------------- */

/**
 * oracle_fsync() - fsync(2): the current bytes and size of @id are durable.
 * @o: the oracle.
 * @id: the file.
 *
 * Snapshots the file by sharing its content references (O(stored pages))
 * and forgets what was modified before.
 */
void oracle_fsync(struct oracle *o, uint64_t id)
{
	struct ofile *f = ofile_find(o, id, __func__);

	if (f)
		ofile_fsync(o, id, f, ++o->epoch);
}

/**
 * oracle_sync_all() - sync(2): every file is durable.
 * @o: the oracle.
 *
 * Return: the epoch of this durable point, for oracle_check_durable().
 */
uint64_t oracle_sync_all(struct oracle *o)
{
	struct ofile *f;
	uint64_t id;

	g_return_val_if_fail(o, 0);
	++o->epoch;
	xa_for_each(&o->files, id, f)
		ofile_fsync(o, id, f, o->epoch);
	return o->epoch;
}

/**
 * oracle_has_durable() - was file @id ever made durable?
 * @o: the oracle.
 * @id: the file.
 *
 * Return: true if @id exists and has a durable snapshot.
 */
bool oracle_has_durable(const struct oracle *o, uint64_t id)
{
	const struct ofile *f = o ? xa_load(&o->files, id) : NULL;

	return f && f->d.durable;
}

/* Append one failure reason to @why.  Return: -1. */
static int G_GNUC_PRINTF(2, 3) crash_fail(GString *why, const char *fmt, ...)
{
	va_list ap;

	if (!why)
		return -1;
	if (why->len)
		g_string_append(why, "; ");
	va_start(ap, fmt);
	g_string_append_vprintf(why, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The first lost byte of page @index: the first of its bytes below @limit
 * where durable @dc and recovered @rc differ; UINT64_MAX if none.  Equal
 * whole pages are one pointer (interned), so the common case is O(1).
 */
static uint64_t page_lost_byte(const struct oracle *o, uint64_t index,
			       const struct content *dc,
			       const struct content *rc, uint64_t limit)
{
	uint64_t pos = index << o->page_shift;
	uint32_t n = chunk_len(o, pos, limit - pos);

	if (dc == rc || content_range_equal(dc, 0, rc, 0, n))
		return UINT64_MAX;
	return pos + first_diff(dc, 0, rc, 0, n);
}

/*
 * The first byte below @limit that point @pt of @f made durable, nobody
 * modified since, and the recovered file does not hold; UINT64_MAX if none.
 * One pass in index order over the pages below @limit that are not
 * modified since @pt: @read(@ctx, @id, index) gives each recovered page (a
 * new reference, dropped here), and is called for those pages only.
 */
static uint64_t lost_byte(const struct oracle *o, uint64_t id,
			  const struct ofile *f, const struct dpoint *pt,
			  uint64_t limit, oracle_read_fn read, void *ctx)
{
	const struct cmap *dp = durable_pages(f, pt);
	uint64_t index, npages = pages_of(o, limit), bad = UINT64_MAX;

	for (index = 0; index < npages && bad == UINT64_MAX; index++) {
		const struct content *rc;

		if (xa_load(&pt->modified, index))
			continue;
		rc = read(ctx, id, index);
		bad = page_lost_byte(o, index, page_load(o, dp, index), rc,
				     limit);
		content_put(o->pool, rc);
	}
	return bad;
}

/* The recovered pages of a file, held in a map, for lost_byte(). */
struct rec_pages {
	const struct oracle *o;
	const struct cmap *pages;
};

/* oracle_read_fn of a struct rec_pages. */
static const struct content *rec_read(void *ctx, uint64_t id, uint64_t index)
{
	const struct rec_pages *rp = ctx;

	(void)id;
	return content_get(page_load(rp->o, rp->pages, index));
}

/* Check that what point @pt of @f made durable survived in @rec. */
static int crash_check(const struct oracle *o, uint64_t id,
		       const struct ofile *f, const struct dpoint *pt,
		       const struct cmap *rec, uint64_t rsize, GString *why)
{
	struct rec_pages rp = { o, rec };
	uint64_t limit = MIN(pt->size, rsize), bad, in;
	int ret = 0;

	if (!pt->size_changed && rsize != pt->size)
		ret = crash_fail(why, "file %" PRIu64 ": size %" PRIu64
				 " after crash, fsync'ed size %" PRIu64
				 " and not changed since", id, rsize, pt->size);
	bad = lost_byte(o, id, f, pt, limit, rec_read, &rp);
	if (bad == UINT64_MAX)
		return ret;
	in = bad & page_mask(o);
	return crash_fail(why, "file %" PRIu64 ": offset %" PRIu64
			  " was 0x%02x when fsync'ed and not modified since,"
			  " 0x%02x after crash", id, bad,
			  content_byte_at(page_load(o, durable_pages(f, pt),
						    bad >> o->page_shift),
					  (uint32_t)in),
			  content_byte_at(page_load(o, rec,
						    bad >> o->page_shift),
					  (uint32_t)in));
}

/* Read the recovered pages of @id into the empty @rec, clean tail. */
static void crash_read(struct oracle *o, uint64_t id, uint64_t rsize,
		       oracle_read_fn read, void *ctx, struct cmap *rec)
{
	uint64_t index, npages = pages_of(o, rsize);
	uint32_t tail = (uint32_t)(rsize & page_mask(o));

	for (index = 0; index < npages; index++) {
		const struct content *c = read(ctx, id, index);

		if (index + 1 == npages && tail) {
			const struct content *clean =
				content_fill(o->pool, c, tail,
					     o->page_size - tail, 0);

			content_put(o->pool, c);
			c = clean;
		}
		page_set(o, rec, index, c);
	}
}

/**
 * oracle_check_durable() - check, without adopting anything, that the
 * bytes of @id made durable by the sync of @epoch and not modified since
 * read back as @read says, for the first @size bytes: the disk after a
 * sync that other tasks wrote concurrently with.
 *
 * A later durable point of @id (an fsync that started while the sync ran)
 * replaced the snapshot and forgot what changed between the two, so the
 * file is then not checked: the later call's own durability stands in for
 * it (a crash checks that).
 *
 * Calls @read only for the pages it compares: those below min(@size,
 * durable size) not modified since, in index order.
 *
 * Return: 0, or -1 with the reason appended to @why.
 */
int oracle_check_durable(struct oracle *o, uint64_t id, uint64_t epoch,
			 uint64_t size, oracle_read_fn read, void *ctx,
			 GString *why)
{
	struct ofile *f = xa_load(&o->files, id);
	uint64_t bad;

	if (!f || !f->d.durable || f->d.epoch != epoch)
		return 0;
	bad = lost_byte(o, id, f, &f->d, MIN(f->d.size, size), read, ctx);
	if (bad == UINT64_MAX)
		return 0;
	return crash_fail(why, "file %" PRIu64 ": offset %" PRIu64
			  " differs from what sync made durable", id, bad);
}

/**
 * oracle_crash() - check and adopt one file as recovered after a crash.
 * @o: the oracle.
 * @id: the file.
 * @exists: whether the model recovered the file.
 * @recovered_size: its recovered size (if @exists).
 * @read: returns a new reference to each recovered page (if @exists).
 * @ctx: passed to @read.
 * @why: failure reasons are appended here ("; "-separated); may be NULL.
 *
 * If @id has a durable snapshot: it must exist; if its size did not change
 * since, the recovered size must equal the durable size; every byte below
 * min(durable size, recovered size) in a page not modified since must equal
 * the durable byte.  Then, pass or fail, the recovered state becomes the
 * file's current and durable state (an unknown file that exists is added;
 * a file that does not exist is removed), so later checks compare against
 * what survived.  Calls @read once per recovered page.
 *
 * Return: 0 if everything durable survived, -1 otherwise.
 */
int oracle_crash(struct oracle *o, uint64_t id, bool exists,
		 uint64_t recovered_size, oracle_read_fn read, void *ctx,
		 GString *why)
{
	struct ofile *f;
	struct dpoint *pt;
	struct cmap rec = CMAP_INIT;
	int ret = 0;

	g_return_val_if_fail(o && (read || !exists), -1);
	f = xa_load(&o->files, id);
	pt = f ? (f->prev ? f->prev : &f->d) : NULL;
	if (!exists) {
		if (pt && pt->durable)
			ret = crash_fail(why, "file %" PRIu64 ": fsync'ed but"
					 " missing after crash", id);
		if (f)
			ofile_remove(o, id);
		return ret;
	}
	crash_read(o, id, recovered_size, read, ctx, &rec);
	if (!f)
		f = ofile_add(o, id);
	else if (pt->durable)
		ret = crash_check(o, id, f, pt, &rec, recovered_size, why);
	ofile_drop_prev(o, id, f);
	cmap_drop(o->pool, &f->pages);
	f->pages = rec;
	f->size = recovered_size;
	ofile_fsync(o, id, f, ++o->epoch);
	return ret;
}

/**
 * oracle_durable_begin() - a durability call (fsync, sync) starts.
 * @o: the oracle.
 *
 * Call it before the call's oracle_fsync()/oracle_sync_all(): until
 * oracle_durable_end(), every file keeps the point its first replacement
 * replaced, and a crash checks against that one (a call the power cut
 * stopped promised nothing).  With calls overlapping, a crash checks
 * against the point before the first of them even if others completed:
 * weaker, never wrong.
 *
 * Return: the token for oracle_durable_end(); never 0.
 */
uint64_t oracle_durable_begin(struct oracle *o)
{
	o->inflight++;
	return o->calls_gen + 1;
}

/**
 * oracle_durable_end() - the call of @token returned (or was aborted).
 * @o: the oracle.
 * @token: from oracle_durable_begin(); a token from before a crash, or 0,
 *	is ignored (oracle_calls_lost() ended those calls).
 *
 * When no call is left in flight, the kept points are forgotten.
 */
void oracle_durable_end(struct oracle *o, uint64_t token)
{
	struct ofile *f;
	uint64_t id;

	if (!token || token != o->calls_gen + 1 || NEVER(!o->inflight))
		return;
	if (--o->inflight)
		return;
	xa_for_each(&o->prevs, id, f)
		ofile_drop_prev(o, id, f);
}

/**
 * oracle_calls_lost() - a power cut: the durability calls in flight never
 * return.  Call it before the crash's oracle_crash() of each file, which
 * checks against the kept points and forgets them.
 * @o: the oracle.
 */
void oracle_calls_lost(struct oracle *o)
{
	o->inflight = 0;
	o->calls_gen++;
}
