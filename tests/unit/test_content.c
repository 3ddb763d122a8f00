/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_content.c - unit tests of model/content.c.
 *
 * Scope: the hash-consed page content.  Each test gets a fresh 4096-byte pool
 * (fixture) and must leave it with no live content and no unexpected GLib
 * critical; the teardown checks both.  The randomized test compares 100k
 * fill/splice operations against plain page_size buffers, the trivially
 * correct reference model, with a fixed seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/content.h"

#define PS		4096u
#define RANDOM_OPS	100000u
#define RANDOM_SLOTS	8u

/* GLib criticals logged by content.c since the last reset. */
static unsigned int criticals;

static void count_critical(const gchar *domain, GLogLevelFlags level,
			   const gchar *msg, gpointer data)
{
	criticals++;
}

static int setup(void **state)
{
	criticals = 0;
	*state = content_pool_new(PS);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	struct content_pool *pool = *state;

	assert_int_equal(content_pool_live(pool), 0);
	assert_int_equal(criticals, 0);
	content_pool_free(pool);
	return 0;
}

/* --- reference helpers, independent of content.c ------------------------ */

/*
 * content_hash()'s algorithm written out again from the bytes: FNV-1a 64
 * over one word (length << 8 | byte) per maximal run, then murmur3 fmix64.
 */
static uint64_t ref_hash(const uint8_t *buf, uint32_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t start = 0, i;

	for (i = 1; i <= size; i++) {
		if (i < size && buf[i] == buf[start])
			continue;
		h ^= (uint64_t)(i - start) << 8 | buf[start];
		h *= 0x100000001b3ULL;
		start = i;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static uint32_t ref_nruns(const uint8_t *buf, uint32_t size)
{
	uint32_t n = 1, i;

	for (i = 1; i < size; i++)
		n += buf[i] != buf[i - 1];
	return n;
}

/* Assert that @c holds exactly the bytes of @ref. */
static void assert_bytes(const struct content *c, const uint8_t *ref)
{
	uint8_t out[PS];

	content_copy_out(c, 0, PS, out);
	assert_memory_equal(out, ref, PS);
	assert_int_equal(content_nruns(c), ref_nruns(ref, PS));
	assert_true(content_hash(c) == ref_hash(ref, PS));
}

/* Assert that @c's runs are canonical and cover the page. */
static void assert_canonical(const struct content *c)
{
	uint32_t i, len, total = 0;
	uint8_t byte, prev = 0;

	for (i = 0; content_run(c, i, &byte, &len); i++) {
		assert_true(len > 0);
		assert_true(i == 0 || byte != prev);
		total += len;
		prev = byte;
	}
	assert_int_equal(i, content_nruns(c));
	assert_int_equal(total, content_page_size(c));
}

static void assert_describe(const struct content *c, const char *want)
{
	char buf[256];

	content_describe(c, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* xorshift64*: a fixed-seed PRNG owned by the test. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t bound)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % bound;
}

/* --- tests ------------------------------------------------------------ */

static void test_pool_page_sizes(void **state)
{
	static const uint32_t bad[] = { 0, 1, 512, 2048, 4095, 6144, 131072,
					UINT32_MAX };
	static const uint32_t good[] = { 4096, 8192, 16384, 65536 };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_null(content_pool_new(bad[i]));
	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		struct content_pool *p = content_pool_new(good[i]);

		assert_non_null(p);
		assert_int_equal(content_pool_page_size(p), good[i]);
		assert_int_equal(content_page_size(content_zero(p)), good[i]);
		assert_int_equal(content_pool_live(p), 0);
		content_pool_free(p);
	}
	content_pool_free(NULL);
}

static void test_zero_identity(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *c;
	uint8_t ref[PS] = { 0 };

	assert_ptr_equal(z, content_zero(pool));
	assert_bytes(z, ref);
	assert_true(content_range_is(z, 0, PS, 0));
	assert_false(content_range_is(z, 0, PS, 1));
	c = content_fill(pool, z, 0, PS, 0);
	assert_ptr_equal(c, z);
	c = content_fill(pool, z, 100, 200, 0);
	assert_ptr_equal(c, z);
	c = content_splice(pool, z, 7, z, 900, 1000);
	assert_ptr_equal(c, z);
	/* get/put are no-ops on the permanent zero page, even unbalanced */
	content_get(z);
	content_put(pool, z);
	content_put(pool, z);
	content_put(pool, z);
	assert_ptr_equal(content_zero(pool), z);
	assert_int_equal(content_pool_live(pool), 0);
	assert_describe(z, "0x00*4096");
	content_put(pool, NULL);
	assert_null(content_get(NULL));
}

static void test_fill_shapes(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *all, *pre, *suf, *mid;

	all = content_fill(pool, z, 0, PS, 0x61);
	pre = content_fill(pool, z, 0, 100, 0x61);
	suf = content_fill(pool, z, PS - 100, 100, 0x62);
	mid = content_fill(pool, all, 10, 20, 0x63);
	assert_describe(all, "0x61*4096");
	assert_describe(pre, "0x61*100,0x00*3996");
	assert_describe(suf, "0x00*3996,0x62*100");
	assert_describe(mid, "0x61*10,0x63*20,0x61*4066");
	assert_int_equal(content_byte_at(pre, 99), 0x61);
	assert_int_equal(content_byte_at(pre, 100), 0);
	assert_int_equal(content_byte_at(suf, PS - 101), 0);
	assert_int_equal(content_byte_at(suf, PS - 100), 0x62);
	assert_int_equal(content_byte_at(mid, 9), 0x61);
	assert_int_equal(content_byte_at(mid, 10), 0x63);
	assert_int_equal(content_byte_at(mid, 29), 0x63);
	assert_int_equal(content_byte_at(mid, 30), 0x61);
	assert_true(content_range_is(mid, 10, 20, 0x63));
	assert_false(content_range_is(mid, 9, 20, 0x63));
	assert_false(content_range_is(mid, 10, 21, 0x63));
	assert_true(content_range_is(mid, 5, 0, 0x99));
	/* the base is not consumed and not changed */
	assert_describe(all, "0x61*4096");
	assert_int_equal(content_pool_live(pool), 4);
	content_put(pool, all);
	content_put(pool, pre);
	content_put(pool, suf);
	content_put(pool, mid);
}

static void test_fill_zero_length_and_edges(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *a, *b, *c;

	a = content_fill(pool, z, 0, 1, 0x11);
	b = content_fill(pool, a, PS - 1, 1, 0x22);
	c = content_fill(pool, b, PS, 0, 0x33);
	assert_ptr_equal(c, b);
	assert_describe(b, "0x11*1,0x00*4094,0x22*1");
	content_put(pool, c);
	c = content_fill(pool, b, 0, 0, 0x33);
	assert_ptr_equal(c, b);
	assert_int_equal(content_pool_live(pool), 2);
	content_put(pool, a);
	content_put(pool, b);
	content_put(pool, c);
}

static void test_interning(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool);
	const struct content *a1, *a2, *b1, *b2, *s, *back;

	/* 0x61*100,0x62*100,0x00*3896 two ways */
	a1 = content_fill(pool, z, 0, 100, 0x61);
	a2 = content_fill(pool, a1, 100, 100, 0x62);
	b1 = content_fill(pool, z, 0, 200, 0x62);
	b2 = content_fill(pool, b1, 0, 100, 0x61);
	assert_ptr_equal(a2, b2);
	assert_true(content_hash(a2) == content_hash(b2));
	/* and a third way: splice both halves from other pages */
	s = content_splice(pool, a1, 100, b1, 50, 100);
	assert_ptr_equal(s, a2);
	/* filling the middle back to zero merges the runs again */
	back = content_fill(pool, a2, 0, 200, 0);
	assert_ptr_equal(back, z);
	assert_int_equal(content_pool_live(pool), 3);
	content_put(pool, a1);
	content_put(pool, a2);
	content_put(pool, b1);
	content_put(pool, b2);
	content_put(pool, s);
	content_put(pool, back);
}

static void test_refcount_lifecycle(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *a, *b;
	size_t base_mem = content_pool_mem_bytes(pool);

	a = content_fill(pool, z, 0, PS, 0x61);
	assert_int_equal(content_pool_live(pool), 1);
	assert_true(content_pool_mem_bytes(pool) > base_mem);
	b = content_fill(pool, z, 0, PS, 0x61);	/* solid fast path */
	assert_ptr_equal(a, b);
	assert_ptr_equal(content_get(a), a);
	content_put(pool, a);
	content_put(pool, a);
	assert_int_equal(content_pool_live(pool), 1);
	assert_describe(b, "0x61*4096");
	content_put(pool, b);
	assert_int_equal(content_pool_live(pool), 0);
	assert_int_equal(content_pool_mem_bytes(pool), base_mem);
	/* a freed content is rebuilt on demand, solid cache included */
	a = content_fill(pool, z, 0, PS, 0x61);
	b = content_fill(pool, z, 1, PS - 1, 0x61);
	assert_describe(b, "0x00*1,0x61*4095");
	content_put(pool, b);
	b = content_fill(pool, z, 0, PS - 1, 0x61);
	assert_describe(b, "0x61*4095,0x00*1");
	assert_int_equal(content_pool_live(pool), 2);
	content_put(pool, a);
	content_put(pool, b);
}

static void test_splice_across_runs(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *src, *dst, *r, *t;
	uint8_t sref[PS] = { 0 }, dref[PS] = { 0 };
	uint32_t i;

	src = content_get(z);
	for (i = 0; i < 8; i++) {		/* 8 runs of 512, bytes 1..8 */
		t = content_fill(pool, src, i * 512, 512, (uint8_t)(i + 1));
		content_put(pool, src);
		src = t;
		memset(sref + i * 512, i + 1, 512);
	}
	dst = content_fill(pool, z, 1000, 2000, 0x61);
	memset(dref + 1000, 0x61, 2000);
	/* copy [500, 1700) of src (runs 1,2,3,4 partly) to 1500 of dst */
	r = content_splice(pool, dst, 1500, src, 500, 1200);
	memcpy(dref + 1500, sref + 500, 1200);
	assert_bytes(r, dref);
	assert_bytes(src, sref);
	assert_canonical(r);
	assert_describe(r, "0x00*1000,0x61*500,0x01*12,0x02*512,0x03*512,"
			   "0x04*164,0x61*300,0x00*1096");
	assert_true(content_range_equal(r, 1500, src, 500, 1200));
	assert_false(content_range_equal(r, 1499, src, 499, 1200));
	/* splicing a page onto itself at another offset */
	t = content_splice(pool, src, 0, src, 256, 1024);
	memmove(sref, sref + 256, 1024);
	assert_bytes(t, sref);
	/* whole-page splice is the source itself */
	content_put(pool, r);
	r = content_splice(pool, dst, 0, src, 0, PS);
	assert_ptr_equal(r, src);
	content_put(pool, r);
	content_put(pool, t);
	content_put(pool, src);
	content_put(pool, dst);
}

static void test_splice_merges_neighbours(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *a, *b, *r;

	a = content_fill(pool, z, 0, 100, 0x61);	/* 0x61*100,0*3996 */
	b = content_fill(pool, z, 0, PS, 0x61);
	r = content_splice(pool, a, 100, b, 0, 50);
	assert_describe(r, "0x61*150,0x00*3946");
	assert_int_equal(content_nruns(r), 2);
	content_put(pool, r);
	r = content_splice(pool, a, 0, z, 0, 100);
	assert_ptr_equal(r, z);
	content_put(pool, a);
	content_put(pool, b);
}

/* Every byte differs from its neighbour: PS runs. */
static uint8_t stripe_byte(uint32_t i)
{
	return (uint8_t)(i * 7u + 1u);
}

static void test_max_runs(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *fwd, *rev, *src, *t;
	uint8_t ref[PS];
	char desc[64];
	uint32_t i;

	fwd = content_get(z);
	for (i = 0; i < PS; i++) {
		t = content_fill(pool, fwd, i, 1, stripe_byte(i));
		content_put(pool, fwd);
		fwd = t;
		ref[i] = stripe_byte(i);
	}
	assert_int_equal(content_nruns(fwd), PS);
	assert_bytes(fwd, ref);
	assert_canonical(fwd);
	/* the same bytes built backwards, one byte spliced at a time */
	rev = content_get(z);
	src = content_get(fwd);
	for (i = PS; i-- > 0;) {
		t = content_splice(pool, rev, i, src, i, 1);
		content_put(pool, rev);
		rev = t;
	}
	assert_ptr_equal(rev, fwd);
	for (i = 0; i < PS; i++)
		assert_int_equal(content_byte_at(fwd, i), stripe_byte(i));
	content_describe(fwd, desc, sizeof(desc));
	assert_string_equal(desc, "0x01*1,0x08*1,0x0f*1,0x16*1,0x1d*1,"
				  "0x24*1,0x2b*1,0x32*1...");
	t = content_fill(pool, fwd, 1, PS - 2, 0x61);
	assert_int_equal(content_nruns(t), 3);
	content_put(pool, t);
	content_put(pool, src);
	content_put(pool, rev);
	content_put(pool, fwd);
}

static void test_page_size_64k(void **state)
{
	struct content_pool *p = content_pool_new(65536);
	const struct content *z = content_zero(p), *a, *b, *c;
	char desc[64];

	a = content_fill(p, z, 65535, 1, 0x61);
	b = content_fill(p, z, 0, 65536, 0x62);
	c = content_splice(p, b, 65535, a, 65535, 1);
	content_describe(c, desc, sizeof(desc));
	assert_string_equal(desc, "0x62*65535,0x61*1");
	assert_int_equal(content_byte_at(c, 65535), 0x61);
	assert_true(content_range_is(b, 0, 65536, 0x62));
	assert_true(content_range_equal(a, 65535, c, 65535, 1));
	assert_int_equal(content_pool_live(p), 3);
	content_put(p, a);
	content_put(p, b);
	content_put(p, c);
	assert_int_equal(content_pool_live(p), 0);
	content_pool_free(p);
}

static void test_md5_streaming(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *a, *b;
	uint8_t ref[PS] = { 0 };
	static const uint32_t ranges[][2] = {
		{ 0, PS }, { 0, 0 }, { 1, 511 }, { 3, 1025 }, { 100, 3996 },
	};
	size_t i;

	a = content_fill(pool, z, 10, 1000, 0x61);
	b = content_fill(pool, a, 700, 2000, 0x62);
	memset(ref + 10, 0x61, 1000);
	memset(ref + 700, 0x62, 2000);
	for (i = 0; i < G_N_ELEMENTS(ranges); i++) {
		GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
		gchar *want = g_compute_checksum_for_data(G_CHECKSUM_MD5,
				ref + ranges[i][0], ranges[i][1]);

		content_md5_update(b, ranges[i][0], ranges[i][1], md5);
		assert_string_equal(g_checksum_get_string(md5), want);
		g_free(want);
		g_checksum_free(md5);
	}
	content_put(pool, a);
	content_put(pool, b);
}

static void test_hash_stability(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *a;
	uint8_t ref[PS] = { 0 };

	/* hard values, computed outside C with the same algorithm */
	assert_true(ref_hash(ref, PS) == 0x96c94bad5d91a4f7ULL);
	assert_true(content_hash(z) == 0x96c94bad5d91a4f7ULL);
	a = content_fill(pool, z, 0, 100, 0x61);
	memset(ref, 0x61, 100);
	assert_true(ref_hash(ref, PS) == 0x29bca4f9e6ace61aULL);
	assert_true(content_hash(a) == 0x29bca4f9e6ace61aULL);
	assert_true(content_hash(NULL) == 0);
	content_put(pool, a);
}

static void test_run_accessors(void **state)
{
	struct content_pool *pool = *state;
	const struct content *z = content_zero(pool), *a;
	uint8_t byte = 0xee;
	uint32_t len = 0xeeee;

	a = content_fill(pool, z, 5, 10, 0x61);
	assert_true(content_run(a, 0, &byte, &len));
	assert_int_equal(byte, 0);
	assert_int_equal(len, 5);
	assert_true(content_run(a, 1, &byte, &len));
	assert_int_equal(byte, 0x61);
	assert_int_equal(len, 10);
	assert_true(content_run(a, 2, &byte, &len));
	assert_int_equal(len, PS - 15);
	assert_false(content_run(a, 3, &byte, &len));
	assert_int_equal(len, PS - 15);		/* untouched on failure */
	assert_false(content_run(NULL, 0, &byte, &len));
	assert_int_equal(content_nruns(NULL), 0);
	assert_int_equal(content_page_size(NULL), 0);
	content_put(pool, a);
}

static void test_describe_truncation(void **state)
{
	struct content_pool *pool = *state;
	const struct content *a;
	static const struct {
		size_t buflen;
		const char *want;
	} cases[] = {
		{ 19, "0x61*100,0x00*3996" },	/* exactly fits */
		{ 18, "0x61*100..." },
		{ 12, "0x61*100..." },
		{ 11, "..." },
		{ 3, ".." },
		{ 1, "" },
	};
	char buf[32];
	size_t i;

	a = content_fill(pool, content_zero(pool), 0, 100, 0x61);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		memset(buf, 'X', sizeof(buf));
		content_describe(a, buf, cases[i].buflen);
		assert_string_equal(buf, cases[i].want);
	}
	buf[0] = 'X';
	content_describe(a, buf, 0);
	assert_int_equal(buf[0], 'X');
	content_describe(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "(null)");
	content_put(pool, a);
}

static void test_bad_arguments(void **state)
{
	struct content_pool *pool = *state;
	struct content_pool *other = content_pool_new(8192);
	const struct content *z = content_zero(pool), *a, *r, *o;
	uint8_t buf[16];
	static const uint8_t zeros[16];
	GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
	gchar *empty = g_compute_checksum_for_data(G_CHECKSUM_MD5, buf, 0);

	a = content_fill(pool, z, 0, 10, 0x61);
	r = content_fill(pool, a, PS - 10, 11, 0x62);	/* one past the end */
	assert_ptr_equal(r, a);
	content_put(pool, r);
	r = content_fill(pool, a, 4000, UINT32_MAX, 0x62);	/* wraps */
	assert_ptr_equal(r, a);
	content_put(pool, r);
	r = content_splice(pool, a, 0, z, PS, 1);
	assert_ptr_equal(r, a);
	content_put(pool, r);
	o = content_fill(other, content_zero(other), 0, 1, 0x61);
	r = content_splice(pool, a, 0, o, 0, 1);	/* wrong pool */
	assert_ptr_equal(r, a);
	content_put(pool, r);
	content_put(pool, o);				/* wrong pool */
	assert_int_equal(content_pool_live(other), 1);
	content_put(other, o);
	assert_int_equal(content_pool_live(other), 0);
	assert_null(content_fill(pool, NULL, 0, 1, 0x61));
	assert_ptr_equal(content_fill(NULL, a, 0, 1, 0x61), a);
	content_put(pool, a);
	assert_int_equal(criticals, 7);
	assert_int_equal(content_byte_at(a, PS), 0);
	assert_false(content_range_is(a, PS, 1, 0));
	assert_false(content_range_equal(a, 0, z, 1, PS));
	assert_false(content_range_equal(NULL, 0, z, 0, 0));
	memset(buf, 0x55, sizeof(buf));
	content_copy_out(a, PS - 8, sizeof(buf), buf);	/* zero-filled */
	assert_memory_equal(buf, zeros, sizeof(buf));
	content_md5_update(a, PS, 1, md5);
	assert_string_equal(g_checksum_get_string(md5), empty);
	assert_int_equal(criticals, 13);
	content_put(pool, a);
	g_free(empty);
	g_checksum_free(md5);
	content_pool_free(other);
	criticals = 0;
}

/* --- randomized comparison with plain buffers --------------------------- */

struct rslot {
	const struct content *c;
	uint8_t ref[PS];
};

/* A random offset, aligned to 1, 64 or 512 bytes so pages collide. */
static uint32_t rnd_off(uint32_t max)
{
	static const uint32_t align[] = { 1, 64, 512 };
	uint32_t a = align[rnd(3)];

	return rnd(max / a + 1) * a;
}

static uint8_t rnd_byte(void)
{
	static const uint8_t common[] = { 0, 0x61, 0x62, 0x63 };

	return rnd(8) ? common[rnd(4)] : (uint8_t)rnd(256);
}

static void random_fill(struct content_pool *pool, struct rslot *s)
{
	uint32_t off = rnd_off(PS), len = rnd_off(PS - off);
	uint8_t byte = rnd_byte();
	const struct content *c;

	if (!rnd(10)) {
		off = 0;
		len = PS;
	}
	c = content_fill(pool, s->c, off, len, byte);
	content_put(pool, s->c);
	s->c = c;
	memset(s->ref + off, byte, len);
}

static void random_splice(struct content_pool *pool, struct rslot *d,
			  const struct rslot *s)
{
	uint32_t doff = rnd_off(PS), soff = rnd_off(PS);
	uint32_t len = rnd_off(PS - MAX(doff, soff));
	const struct content *c;

	c = content_splice(pool, d->c, doff, s->c, soff, len);
	content_put(pool, d->c);
	d->c = c;
	memmove(d->ref + doff, s->ref + soff, len);
}

/* Query both models at random ranges and compare the answers. */
static void random_queries(const struct rslot *a, const struct rslot *b)
{
	uint32_t aoff = rnd_off(PS), boff = rnd_off(PS);
	uint32_t len = rnd_off(PS - MAX(aoff, boff));
	uint32_t i;
	bool same = true;

	assert_int_equal(content_range_equal(a->c, aoff, b->c, boff, len),
			 !memcmp(a->ref + aoff, b->ref + boff, len));
	for (i = 1; i < len; i++)
		same &= a->ref[aoff + i] == a->ref[aoff];
	if (len)
		assert_int_equal(content_range_is(a->c, aoff, len,
						  a->ref[aoff]), same);
	assert_int_equal(content_byte_at(a->c, aoff % PS),
			 a->ref[aoff % PS]);
}

static void assert_md5(const struct rslot *s)
{
	GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
	gchar *want = g_compute_checksum_for_data(G_CHECKSUM_MD5, s->ref, PS);

	content_md5_update(s->c, 0, PS, md5);
	assert_string_equal(g_checksum_get_string(md5), want);
	g_free(want);
	g_checksum_free(md5);
}

/* Pointer equality must be exactly byte equality; returns #equal pairs. */
static unsigned int assert_interned(const struct rslot *slots, uint32_t k)
{
	unsigned int equal = 0;
	uint32_t j;

	for (j = 0; j < RANDOM_SLOTS; j++) {
		bool same = !memcmp(slots[k].ref, slots[j].ref, PS);

		assert_int_equal(slots[k].c == slots[j].c, same);
		equal += j != k && same;
	}
	return equal;
}

static void test_random_vs_buffers(void **state)
{
	struct content_pool *pool = *state;
	struct rslot *slots = g_new0(struct rslot, RANDOM_SLOTS);
	unsigned int equal = 0, maxruns = 0;
	uint32_t op, k;
	uint8_t out[PS];

	rng_state = 0x9e3779b97f4a7c15ULL;
	for (k = 0; k < RANDOM_SLOTS; k++)
		slots[k].c = content_zero(pool);
	for (op = 0; op < RANDOM_OPS; op++) {
		struct rslot *s = &slots[rnd(RANDOM_SLOTS)];
		struct rslot *t = &slots[rnd(RANDOM_SLOTS)];

		if (rnd(2))
			random_fill(pool, s);
		else
			random_splice(pool, s, t);
		content_copy_out(s->c, 0, PS, out);
		assert_memory_equal(out, s->ref, PS);
		equal += assert_interned(slots, (uint32_t)(s - slots));
		random_queries(s, t);
		maxruns = MAX(maxruns, content_nruns(s->c));
		if (op % 64 == 0) {
			assert_md5(s);
			assert_canonical(s->c);
			assert_true(content_hash(s->c) == ref_hash(s->ref, PS));
		}
	}
	/* the comparison must have seen both shared and fragmented pages */
	assert_true(equal > 1000);
	assert_true(maxruns > 20);
	for (k = 0; k < RANDOM_SLOTS; k++)
		content_put(pool, slots[k].c);
	g_free(slots);
}

/* --- memory --------------------------------------------------------------- */

#define MEM_DISTINCT	1000u
#define MEM_REFS	1000000u

static void test_memory(void **state)
{
	struct content_pool *pool = *state;
	const struct content **refs = g_new(const struct content *, MEM_REFS);
	const struct content *distinct[MEM_DISTINCT];
	uint32_t i;

	for (i = 0; i < MEM_DISTINCT; i++)
		distinct[i] = content_fill(pool, content_zero(pool), 0, i + 1,
					   0x61);
	for (i = 0; i < MEM_REFS; i++)
		refs[i] = content_get(distinct[i % MEM_DISTINCT]);
	assert_int_equal(content_pool_live(pool), MEM_DISTINCT);
	assert_true(content_pool_mem_bytes(pool) < 1024 * 1024);
	for (i = 0; i < MEM_DISTINCT; i++)
		content_put(pool, distinct[i]);
	assert_int_equal(content_pool_live(pool), MEM_DISTINCT);
	for (i = 0; i < MEM_REFS; i++)
		content_put(pool, refs[i]);
	assert_int_equal(content_pool_live(pool), 0);
	g_free(refs);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pool_page_sizes),
		T(test_zero_identity),
		T(test_fill_shapes),
		T(test_fill_zero_length_and_edges),
		T(test_interning),
		T(test_refcount_lifecycle),
		T(test_splice_across_runs),
		T(test_splice_merges_neighbours),
		T(test_max_runs),
		T(test_page_size_64k),
		T(test_md5_streaming),
		T(test_hash_stability),
		T(test_run_accessors),
		T(test_describe_truncation),
		T(test_bad_arguments),
		T(test_random_vs_buffers),
		T(test_memory),
	};

	g_log_set_handler("pcsim-content", G_LOG_LEVEL_CRITICAL |
			  G_LOG_LEVEL_WARNING, count_critical, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
