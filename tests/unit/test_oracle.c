/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_oracle.c - unit tests of model/oracle.c.
 *
 * Scope: the data oracle.  Each test gets a fresh 4096-byte content pool and
 * an empty oracle (fixture); the teardown frees the oracle and checks that
 * no content is left alive (every reference dropped) and that no unexpected
 * GLib critical was logged.  Expected file bytes are plain byte arrays, the
 * trivially correct reference; the randomized test runs 20k operations on
 * three files against GByteArrays with a fixed seed, including md5 and
 * crash recovery.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/content.h"
#include "model/oracle.h"

#define PS		4096u
#define RANDOM_OPS	20000u
#define RANDOM_FILES	3u
#define RANDOM_MAX	65536u
#define RANDOM_MD5_EVERY	16u

struct fixture {
	struct content_pool *pool;
	struct oracle *o;
};

/* GLib criticals logged by oracle.c since the last reset. */
static unsigned int criticals;

static void count_critical(const gchar *domain, GLogLevelFlags level,
			   const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
	criticals++;
}

static int setup(void **state)
{
	struct fixture *fx = g_new0(struct fixture, 1);

	criticals = 0;
	fx->pool = content_pool_new(PS);
	fx->o = oracle_new(fx->pool);
	*state = fx;
	return fx->pool && fx->o ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	oracle_free(fx->o);
	assert_int_equal(content_pool_live(fx->pool), 0);
	assert_int_equal(criticals, 0);
	content_pool_free(fx->pool);
	g_free(fx);
	return 0;
}

/* --- reference helpers, independent of oracle.c ------------------------ */

/* End of the run of equal bytes starting at @start, 8 bytes at a time. */
static uint32_t run_end(const uint8_t *buf, uint32_t start, uint32_t n)
{
	uint64_t want = 0x0101010101010101ULL * buf[start], word;
	uint32_t i = start + 1;

	while (i + 8 <= n) {
		memcpy(&word, buf + i, 8);
		if (word != want)
			break;
		i += 8;
	}
	while (i < n && buf[i] == buf[start])
		i++;
	return i;
}

/* A page holding @n bytes of @buf, zeros after: a new reference. */
static const struct content *content_from(struct content_pool *pool,
					  const uint8_t *buf, uint32_t n)
{
	const struct content *c = content_zero(pool), *next;
	uint32_t start, i;

	for (start = 0; start < n; start = i) {
		i = run_end(buf, start, n);
		next = content_fill(pool, c, start, i - start, buf[start]);
		content_put(pool, c);
		c = next;
	}
	return c;
}

static void md5_hex(const uint8_t digest[16], char hex[33])
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(hex + 2 * i, "%02x", digest[i]);
}

/* Assert that file @id holds exactly @size bytes of @ref. */
static void assert_bytes(struct fixture *fx, uint64_t id, const uint8_t *ref,
			 uint64_t size)
{
	uint64_t pos, bad;

	assert_int_equal(oracle_size(fx->o, id), size);
	for (pos = 0; pos < size; pos += PS) {
		uint32_t n = (uint32_t)MIN(PS, size - pos);
		const struct content *c = content_from(fx->pool, ref + pos, n);

		assert_int_equal(oracle_check_read(fx->o, id, pos, c, 0, n,
						   &bad), 0);
		content_put(fx->pool, c);
	}
}

/* Assert that oracle_md5() of file @id is the md5 of @size bytes of @ref. */
static void assert_md5(struct fixture *fx, uint64_t id, const uint8_t *ref,
		       uint64_t size)
{
	uint8_t digest[16];
	char hex[33], *want;

	oracle_md5(fx->o, id, digest);
	md5_hex(digest, hex);
	want = g_compute_checksum_for_data(G_CHECKSUM_MD5, size ? ref : NULL,
					   size);
	assert_string_equal(hex, want);
	g_free(want);
}

static void assert_file(struct fixture *fx, uint64_t id, const uint8_t *ref,
			uint64_t size)
{
	assert_bytes(fx, id, ref, size);
	assert_md5(fx, id, ref, size);
}

/* Expect oracle_check_read() of [@off, +@len) with @ref to fail at @want. */
static void assert_read_bad(struct fixture *fx, uint64_t id, uint64_t off,
			    const uint8_t *ref, uint32_t len, uint64_t want)
{
	const struct content *c = content_from(fx->pool, ref, len);
	uint64_t bad = 0;

	assert_int_equal(oracle_check_read(fx->o, id, off, c, 0, len, &bad),
			 -1);
	assert_int_equal(bad, want);
	content_put(fx->pool, c);
}

/* The recovered image of a file, served page by page to oracle_crash(). */
struct image {
	struct content_pool *pool;
	const uint8_t *buf;
	uint64_t size;
	unsigned int reads;
};

static const struct content *image_read(void *ctx, uint64_t id,
					uint64_t index)
{
	struct image *im = ctx;
	uint64_t pos = index * PS;

	(void)id;
	im->reads++;
	if (pos >= im->size)
		return content_zero(im->pool);
	return content_from(im->pool, im->buf + pos,
			    (uint32_t)MIN(PS, im->size - pos));
}

/* Crash-recover file @id as @size bytes of @buf; return oracle_crash(). */
static int crash_as(struct fixture *fx, uint64_t id, const uint8_t *buf,
		    uint64_t size, GString *why)
{
	struct image im = { fx->pool, buf, size, 0 };

	return oracle_crash(fx->o, id, true, size, image_read, &im, why);
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

/* --- basic operations ---------------------------------------------------- */

static void test_write_extend_truncate(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[20000];

	oracle_create(fx->o, 1);
	assert_true(oracle_exists(fx->o, 1));
	assert_false(oracle_exists(fx->o, 2));
	assert_file(fx, 1, ref, 0);
	oracle_write(fx->o, 1, 0, 100, 'a');
	memset(ref, 'a', 100);
	assert_file(fx, 1, ref, 100);
	oracle_write(fx->o, 1, 50, 0, 'z');		/* len 0: no-op */
	assert_file(fx, 1, ref, 100);

	oracle_truncate(fx->o, 1, 10);
	oracle_truncate(fx->o, 1, 5000);		/* grow reads zeros */
	memset(ref + 10, 0, 90);
	assert_file(fx, 1, ref, 5000);

	oracle_write(fx->o, 1, 8000, 10, 'b');		/* gap reads zeros */
	memset(ref + 8000, 'b', 10);
	assert_file(fx, 1, ref, 8010);

	oracle_extend(fx->o, 1, 20000);
	assert_file(fx, 1, ref, 20000);
	oracle_extend(fx->o, 1, 100);			/* never shrinks */
	assert_file(fx, 1, ref, 20000);
	assert_int_equal(oracle_byte_at(fx->o, 1, 8009), 'b');
	assert_int_equal(oracle_byte_at(fx->o, 1, 30000), 0);

	oracle_truncate(fx->o, 1, 0);
	assert_int_equal(content_pool_live(fx->pool), 0);
	assert_file(fx, 1, ref, 0);
	assert_int_equal(oracle_nfiles(fx->o), 1);
	oracle_remove(fx->o, 1);
	assert_int_equal(oracle_nfiles(fx->o), 0);
	assert_false(oracle_exists(fx->o, 1));
}

static void test_unaligned_across_pages(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[4 * PS];
	const struct content *c;
	uint8_t want[300];
	uint64_t bad;

	oracle_create(fx->o, 7);
	oracle_write(fx->o, 7, 4000, 200, 'b');		/* pages 0 and 1 */
	oracle_write(fx->o, 7, 4090, 10000, 'c');	/* pages 0..3 */
	memset(ref + 4000, 'b', 200);
	memset(ref + 4090, 'c', 10000);
	assert_file(fx, 7, ref, 14090);

	/* A read found at an offset of its page that differs from the file's. */
	memset(want, 'c', sizeof(want));
	c = content_from(fx->pool, want, sizeof(want));
	assert_int_equal(oracle_check_read(fx->o, 7, 8150, c, 100, 200, &bad),
			 0);
	content_put(fx->pool, c);

	/* A wrong byte in the second page of a page-crossing read. */
	memcpy(want, ref + 4000, 300);
	want[150] = 'x';
	assert_read_bad(fx, 7, 4000, want, 300, 4150);
	want[150] = ref[4150];
	want[299] = 'x';
	assert_read_bad(fx, 7, 4000, want, 300, 4299);
	want[0] = 0;					/* first byte */
	assert_read_bad(fx, 7, 4000, want, 300, 4000);
}

static void test_mstore_beyond_size_ignored(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[12000];

	oracle_create(fx->o, 1);
	oracle_truncate(fx->o, 1, 6000);
	oracle_mstore(fx->o, 1, 5000, 3000, 'm');	/* clipped at 6000 */
	memset(ref + 5000, 'm', 1000);
	assert_file(fx, 1, ref, 6000);
	oracle_mstore(fx->o, 1, 6000, 100, 'n');	/* entirely beyond */
	oracle_mstore(fx->o, 1, 9000, 100, 'n');
	assert_file(fx, 1, ref, 6000);
	oracle_truncate(fx->o, 1, 12000);		/* nothing leaked in */
	assert_file(fx, 1, ref, 12000);
}

static void test_zero(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[20000];

	oracle_create(fx->o, 1);
	oracle_write(fx->o, 1, 0, 3 * PS, 'a');
	memset(ref, 'a', 3 * PS);
	oracle_zero(fx->o, 1, 100, 5000, false);	/* punch */
	memset(ref + 100, 0, 5000);
	assert_file(fx, 1, ref, 3 * PS);
	oracle_zero(fx->o, 1, 10000, 10000, false);	/* -k: size stays */
	memset(ref + 10000, 0, 3 * PS - 10000);
	assert_file(fx, 1, ref, 3 * PS);
	oracle_zero(fx->o, 1, 30000, 100, false);	/* beyond EOF: no-op */
	assert_file(fx, 1, ref, 3 * PS);
	oracle_zero(fx->o, 1, 12000, 8000, true);	/* fzero extends */
	assert_file(fx, 1, ref, 20000);

	/* Zeroed pages are not stored: nothing is alive. */
	oracle_zero(fx->o, 1, 0, 20000, false);
	assert_int_equal(content_pool_live(fx->pool), 0);
	memset(ref, 0, sizeof(ref));
	assert_file(fx, 1, ref, 20000);
}

/* --- clone --------------------------------------------------------------- */

static void test_clone_aligned_shares(void **state)
{
	struct fixture *fx = *state;
	static uint8_t a[4 * PS], b[4 * PS];
	uint64_t live;

	oracle_create(fx->o, 1);
	oracle_create(fx->o, 2);
	oracle_write(fx->o, 1, 0, 4 * PS, 'a');
	oracle_write(fx->o, 1, PS + 10, 2 * PS, 'b');
	memset(a, 'a', 4 * PS);
	memset(a + PS + 10, 'b', 2 * PS);
	oracle_write(fx->o, 2, 0, 2 * PS, 'z');
	memset(b, 'z', 2 * PS);

	live = content_pool_live(fx->pool);
	oracle_clone(fx->o, 1, PS, 2, 2 * PS, 2 * PS);
	memcpy(b + 2 * PS, a + PS, 2 * PS);
	assert_int_equal(content_pool_live(fx->pool), live);	/* shared */
	assert_file(fx, 1, a, 4 * PS);
	assert_file(fx, 2, b, 4 * PS);

	/* The source's later change does not show through the clone. */
	oracle_write(fx->o, 1, PS, PS, 'q');
	memset(a + PS, 'q', PS);
	assert_file(fx, 1, a, 4 * PS);
	assert_file(fx, 2, b, 4 * PS);
	oracle_clone(fx->o, 1, 0, 2, 0, 0);		/* len 0: no-op */
	assert_file(fx, 2, b, 4 * PS);
}

static void test_clone_unaligned(void **state)
{
	struct fixture *fx = *state;
	static uint8_t a[5 * PS], b[4 * PS];
	uint32_t i;

	oracle_create(fx->o, 1);
	oracle_create(fx->o, 2);
	for (i = 0; i < 5 * PS; i += 700) {
		uint32_t n = MIN(700, 5 * PS - i);

		oracle_write(fx->o, 1, i, n, (uint8_t)('a' + i / 700 % 26));
		memset(a + i, 'a' + i / 700 % 26, n);
	}
	oracle_write(fx->o, 2, 0, 4 * PS, 'y');
	memset(b, 'y', 4 * PS);

	oracle_clone(fx->o, 1, 1000, 2, 5000, 7000);
	memcpy(b + 5000, a + 1000, 7000);
	assert_file(fx, 1, a, 5 * PS);
	assert_file(fx, 2, b, 4 * PS);

	oracle_clone(fx->o, 1, 4095, 2, 1, 2);		/* tiny, crossing */
	memcpy(b + 1, a + 4095, 2);
	assert_file(fx, 2, b, 4 * PS);
}

static void test_clone_same_file(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[16000];
	uint32_t i;

	oracle_create(fx->o, 1);
	for (i = 0; i < 10000; i += 333) {
		uint32_t n = MIN(333, 10000 - i);

		oracle_write(fx->o, 1, i, n, (uint8_t)('A' + i / 333 % 26));
		memset(ref + i, 'A' + i / 333 % 26, n);
	}
	oracle_clone(fx->o, 1, 0, 1, 11000, 5000);	/* extends itself */
	memcpy(ref + 11000, ref, 5000);
	assert_file(fx, 1, ref, 16000);
	oracle_clone(fx->o, 1, 9000, 1, 100, 3000);	/* backwards */
	memmove(ref + 100, ref + 9000, 3000);
	assert_file(fx, 1, ref, 16000);
	oracle_clone(fx->o, 1, 100, 1, 3100, 3000);	/* adjacent */
	memmove(ref + 3100, ref + 100, 3000);
	assert_file(fx, 1, ref, 16000);

	oracle_clone(fx->o, 1, 0, 1, 100, 3000);	/* overlap: refused */
	assert_int_equal(criticals, 1);
	criticals = 0;
	assert_file(fx, 1, ref, 16000);
}

static void test_clone_beyond_src_eof(void **state)
{
	struct fixture *fx = *state;
	static uint8_t a[3000], b[12000];

	oracle_create(fx->o, 1);
	oracle_create(fx->o, 2);
	oracle_write(fx->o, 1, 0, 3000, 'x');
	memset(a, 'x', 3000);
	oracle_write(fx->o, 2, 0, 10000, 'y');
	memset(b, 'y', 10000);

	oracle_clone(fx->o, 1, 0, 2, 0, PS);		/* EOF block */
	memcpy(b, a, 3000);
	memset(b + 3000, 0, PS - 3000);
	assert_file(fx, 2, b, 10000);
	oracle_clone(fx->o, 1, 2000, 2, 9000, 3000);	/* extends dst */
	memcpy(b + 9000, a + 2000, 1000);
	memset(b + 10000, 0, 2000);
	assert_file(fx, 2, b, 12000);
	assert_file(fx, 1, a, 3000);
}

static void test_md5(void **state)
{
	struct fixture *fx = *state;
	uint8_t *ref = g_malloc0(1 << 20);
	uint8_t digest[16];
	char hex[33];

	oracle_create(fx->o, 1);
	oracle_md5(fx->o, 1, digest);
	md5_hex(digest, hex);
	assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
	oracle_write(fx->o, 1, 0, 3, 'a');
	oracle_md5(fx->o, 1, digest);
	md5_hex(digest, hex);
	assert_string_equal(hex, "47bce5c74f589f4867dbd57e9ca9f808"); /* aaa */
	oracle_truncate(fx->o, 1, 1 << 20);		/* sparse 1 MiB */
	oracle_write(fx->o, 1, 700000, 5, 'e');
	memset(ref, 'a', 3);
	memset(ref + 700000, 'e', 5);
	assert_file(fx, 1, ref, 1 << 20);
	g_free(ref);
}

/* --- randomized, against byte arrays ------------------------------------- */

struct rfile {
	GByteArray *cur;	/* current bytes */
	GByteArray *dur;	/* durable bytes, or NULL */
};

static void ref_set_size(GByteArray *b, uint64_t size)
{
	uint64_t old = b->len;

	g_byte_array_set_size(b, (guint)size);
	if (size > old)
		memset(b->data + old, 0, size - old);
}

static void ref_fill(GByteArray *b, uint64_t off, uint64_t len, uint8_t byte,
		     bool extend)
{
	if (extend && off + len > b->len)
		ref_set_size(b, off + len);
	if (off < b->len)
		memset(b->data + off, byte, MIN(len, b->len - off));
}

static void ref_clone(GByteArray *s, uint64_t soff, GByteArray *d,
		      uint64_t doff, uint64_t len)
{
	uint8_t *tmp = g_malloc0(len);

	if (soff < s->len)
		memcpy(tmp, s->data + soff, MIN(len, s->len - soff));
	ref_fill(d, doff, len, 0, true);
	memcpy(d->data + doff, tmp, len);
	g_free(tmp);
}

static void ref_copy(GByteArray **dst, const GByteArray *src)
{
	if (*dst)
		g_byte_array_unref(*dst);
	*dst = g_byte_array_sized_new(src->len);
	g_byte_array_append(*dst, src->data, src->len);
}

/* A random byte value from a small alphabet, so that pages are shared. */
static uint8_t rnd_byte(void)
{
	static const uint8_t vals[] = { 0, 'a', 'b', 'c' };

	return vals[rnd(sizeof(vals))];
}

/* A random range [*off, *off + *len) inside [0, RANDOM_MAX). */
static void rnd_range(uint64_t *off, uint64_t *len)
{
	*off = rnd(RANDOM_MAX);
	*len = rnd(RANDOM_MAX - *off) % 9000 + 1;
	if (rnd(4) == 0)				/* page aligned */
		*off &= ~(uint64_t)(PS - 1);
	*len = MIN(*len, RANDOM_MAX - *off);
}

/* Crash file @id: recover the current or the durable state; must pass. */
static void random_crash(struct fixture *fx, uint64_t id, struct rfile *rf)
{
	GByteArray *rec = rf->dur && rnd(2) ? rf->dur : rf->cur;
	GString *why = g_string_new(NULL);

	assert_int_equal(crash_as(fx, id, rec->data, rec->len, why), 0);
	assert_int_equal(why->len, 0);
	g_string_free(why, TRUE);
	if (rec != rf->cur)
		ref_copy(&rf->cur, rec);
	ref_copy(&rf->dur, rf->cur);
}

/* fsync, then recover with one flipped byte: must fail, naming it. */
static void random_lost_byte(struct fixture *fx, uint64_t id,
			     struct rfile *rf)
{
	GString *why = g_string_new(NULL);
	char want[64];
	uint64_t at;

	oracle_fsync(fx->o, id);
	if (!rf->cur->len)
		goto out;
	at = rnd(rf->cur->len);
	rf->cur->data[at] ^= 0x80;
	assert_int_equal(crash_as(fx, id, rf->cur->data, rf->cur->len, why),
			 -1);
	snprintf(want, sizeof(want), "offset %" G_GUINT64_FORMAT " ", at);
	assert_non_null(strstr(why->str, want));
out:
	ref_copy(&rf->dur, rf->cur);
	g_string_free(why, TRUE);
}

/* A random clone into file @id: a source range not overlapping the dest. */
static void random_clone(struct fixture *fx, struct rfile *files, uint64_t id,
			 uint64_t off, uint64_t len)
{
	uint64_t src = rnd(RANDOM_FILES), soff = rnd(RANDOM_MAX - len + 1);

	if (src == id && soff < off + len && off < soff + len)
		return;
	oracle_clone(fx->o, src, soff, id, off, len);
	ref_clone(files[src].cur, soff, files[id].cur, off, len);
}

static void random_sync_all(struct fixture *fx, struct rfile *files)
{
	uint64_t id;

	oracle_sync_all(fx->o);
	for (id = 0; id < RANDOM_FILES; id++)
		ref_copy(&files[id].dur, files[id].cur);
}

static void random_op(struct fixture *fx, struct rfile *files, uint64_t id)
{
	struct rfile *rf = &files[id];
	uint8_t byte = rnd_byte();
	bool extend = rnd(2);
	uint64_t off, len;

	rnd_range(&off, &len);
	switch (rnd(13)) {
	case 0:
	case 1:
	case 2:
		oracle_write(fx->o, id, off, len, byte);
		ref_fill(rf->cur, off, len, byte, true);
		break;
	case 3:
		oracle_mstore(fx->o, id, off, len, byte);
		ref_fill(rf->cur, off, len, byte, false);
		break;
	case 4:
		oracle_truncate(fx->o, id, off);
		ref_set_size(rf->cur, off);
		break;
	case 5:
		oracle_zero(fx->o, id, off, len, extend);
		ref_fill(rf->cur, off, len, 0, extend);
		break;
	case 6:
		oracle_extend(fx->o, id, off + len);
		ref_set_size(rf->cur, MAX(rf->cur->len, off + len));
		break;
	case 7:
	case 8:
		random_clone(fx, files, id, off, len);
		break;
	case 9:
		oracle_fsync(fx->o, id);
		ref_copy(&rf->dur, rf->cur);
		break;
	case 10:
		random_crash(fx, id, rf);
		break;
	case 11:
		random_lost_byte(fx, id, rf);
		break;
	default:
		random_sync_all(fx, files);
		break;
	}
}

static void test_random_vs_bytes(void **state)
{
	struct fixture *fx = *state;
	struct rfile files[RANDOM_FILES] = { { NULL, NULL } };
	uint64_t id;
	uint32_t i;

	rng_state = 0x9e3779b97f4a7c15ULL;
	for (id = 0; id < RANDOM_FILES; id++) {
		oracle_create(fx->o, id);
		files[id].cur = g_byte_array_new();
	}
	for (i = 0; i < RANDOM_OPS; i++) {
		id = rnd(RANDOM_FILES);
		random_op(fx, files, id);
		assert_true(files[id].cur->len <= RANDOM_MAX);
		assert_bytes(fx, id, files[id].cur->data, files[id].cur->len);
		if (i % RANDOM_MD5_EVERY == 0)
			assert_md5(fx, id, files[id].cur->data,
				   files[id].cur->len);
		assert_int_equal(oracle_has_durable(fx->o, id),
				 files[id].dur != NULL);
	}
	for (id = 0; id < RANDOM_FILES; id++) {
		assert_file(fx, id, files[id].cur->data, files[id].cur->len);
		g_byte_array_unref(files[id].cur);
		if (files[id].dur)
			g_byte_array_unref(files[id].dur);
	}
}

/* --- durability and crash ------------------------------------------------ */

/* Three pages of 'a' with 'b' in the middle page, fsync'ed. */
static void durable_abc(struct fixture *fx, uint64_t id, uint8_t *ref)
{
	oracle_create(fx->o, id);
	oracle_write(fx->o, id, 0, 3 * PS, 'a');
	oracle_write(fx->o, id, PS, PS, 'b');
	memset(ref, 'a', 3 * PS);
	memset(ref + PS, 'b', PS);
	assert_false(oracle_has_durable(fx->o, id));
	oracle_fsync(fx->o, id);
	assert_true(oracle_has_durable(fx->o, id));
}

static void test_crash_durable_survives(void **state)
{
	struct fixture *fx = *state;
	static uint8_t dur[3 * PS], cur[3 * PS];
	struct image im = { NULL, dur, 3 * PS, 0 };
	GString *why = g_string_new(NULL);

	durable_abc(fx, 1, dur);
	oracle_write(fx->o, 1, 10, 10, 'z');		/* lost by the crash */
	memcpy(cur, dur, sizeof(cur));
	memset(cur + 10, 'z', 10);
	assert_file(fx, 1, cur, 3 * PS);

	im.pool = fx->pool;
	assert_int_equal(oracle_crash(fx->o, 1, true, 3 * PS, image_read, &im,
				      why), 0);
	assert_int_equal(why->len, 0);
	assert_int_equal(im.reads, 3);
	assert_file(fx, 1, dur, 3 * PS);		/* adopted */
	assert_true(oracle_has_durable(fx->o, 1));
	g_string_free(why, TRUE);
}

static void test_crash_corrupt_page_fails(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[3 * PS];
	GString *why = g_string_new("earlier");

	durable_abc(fx, 5, ref);
	ref[PS + 17] = 'z';
	assert_int_equal(crash_as(fx, 5, ref, 3 * PS, why), -1);
	assert_string_equal(why->str, "earlier; file 5: offset 4113 was 0x62 "
			    "when fsync'ed and not modified since, 0x7a "
			    "after crash");
	assert_file(fx, 5, ref, 3 * PS);		/* adopted anyway */
	g_string_free(why, TRUE);
}

static void test_crash_hole_must_stay_zero(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[3 * PS];
	GString *why = g_string_new(NULL);

	oracle_create(fx->o, 1);
	oracle_truncate(fx->o, 1, 3 * PS);		/* all hole */
	oracle_fsync(fx->o, 1);
	ref[2 * PS + 5] = 'g';				/* garbage in a hole */
	assert_int_equal(crash_as(fx, 1, ref, 3 * PS, why), -1);
	assert_non_null(strstr(why->str, "offset 8197 was 0x00"));
	assert_non_null(strstr(why->str, "0x67 after crash"));
	g_string_free(why, TRUE);
}

static void test_crash_modified_not_checked(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[3 * PS], rec[3 * PS];
	GString *why = g_string_new(NULL);

	durable_abc(fx, 1, ref);
	oracle_mstore(fx->o, 1, PS + 100, 1, 'm');	/* touches page 1 */
	oracle_zero(fx->o, 1, 2 * PS + 1, 1, false);	/* touches page 2 */
	memcpy(rec, ref, sizeof(rec));
	memset(rec + PS, 'x', 2 * PS);			/* anything goes */
	assert_int_equal(crash_as(fx, 1, rec, 3 * PS, why), 0);
	assert_int_equal(why->len, 0);
	assert_file(fx, 1, rec, 3 * PS);

	/* The crash was an fsync point: the marks are gone. */
	rec[PS + 5] = 'y';
	assert_int_equal(crash_as(fx, 1, rec, 3 * PS, why), -1);
	assert_non_null(strstr(why->str, "offset 4101 was 0x78"));
	g_string_free(why, TRUE);
}

static void test_crash_clone_marks_dest(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[3 * PS], rec[3 * PS];
	GString *why = g_string_new(NULL);

	durable_abc(fx, 1, ref);
	oracle_clone(fx->o, 1, 0, 1, 2 * PS + 10, 20);	/* page 2 only */
	memcpy(rec, ref, sizeof(rec));
	rec[2 * PS + 50] = 'x';
	assert_int_equal(crash_as(fx, 1, rec, 3 * PS, why), 0);
	oracle_clone(fx->o, 1, 0, 1, 2 * PS + 10, 20);
	rec[50] = 'x';					/* the source page */
	assert_int_equal(crash_as(fx, 1, rec, 3 * PS, why), -1);
	assert_non_null(strstr(why->str, "offset 50 was 0x61"));
	g_string_free(why, TRUE);
}

static void test_crash_size(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[3 * PS];
	GString *why = g_string_new(NULL);

	durable_abc(fx, 1, ref);
	assert_int_equal(crash_as(fx, 1, ref, 2 * PS, why), -1);
	assert_string_equal(why->str, "file 1: size 8192 after crash, "
			    "fsync'ed size 12288 and not changed since");
	assert_int_equal(oracle_size(fx->o, 1), 2 * PS);	/* adopted */

	/* Changed since: a shorter or longer size may survive. */
	g_string_truncate(why, 0);
	oracle_truncate(fx->o, 1, PS);
	oracle_truncate(fx->o, 1, 2 * PS);		/* back, still changed */
	memset(ref + PS, 0, PS);
	assert_int_equal(crash_as(fx, 1, ref, 3 * PS, why), 0);
	oracle_extend(fx->o, 1, 4 * PS);
	assert_int_equal(crash_as(fx, 1, ref, 2 * PS, why), 0);

	/* Bytes beyond the recovered size are not compared. */
	oracle_write(fx->o, 1, 3 * PS, 1, 'q');
	oracle_fsync(fx->o, 1);
	oracle_extend(fx->o, 1, 4 * PS);		/* size only, no page */
	assert_int_equal(crash_as(fx, 1, ref, PS, why), 0);
	assert_int_equal(why->len, 0);
	g_string_free(why, TRUE);
}

/* A recovered page whose every byte is 'g', even beyond the size. */
static const struct content *garbage_read(void *ctx, uint64_t id,
					  uint64_t index)
{
	struct content_pool *pool = ctx;

	(void)id;
	(void)index;
	return content_fill(pool, content_zero(pool), 0, PS, 'g');
}

static void test_crash_clean_tail(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[2 * PS];

	oracle_create(fx->o, 1);
	assert_int_equal(oracle_crash(fx->o, 1, true, PS + 100, garbage_read,
				      fx->pool, NULL), 0);
	memset(ref, 'g', PS + 100);
	assert_file(fx, 1, ref, PS + 100);
	oracle_truncate(fx->o, 1, 2 * PS);		/* the tail reads zeros */
	assert_file(fx, 1, ref, 2 * PS);
}

static void test_crash_existence(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[3 * PS];
	GString *why = g_string_new(NULL);

	durable_abc(fx, 1, ref);
	oracle_create(fx->o, 2);			/* never durable */
	oracle_create(fx->o, 3);
	oracle_fsync(fx->o, 3);
	oracle_remove(fx->o, 3);			/* unlinked since */
	assert_int_equal(oracle_nfiles(fx->o), 2);

	assert_int_equal(oracle_crash(fx->o, 2, false, 0, NULL, NULL, why),
			 0);
	assert_int_equal(oracle_crash(fx->o, 3, false, 0, NULL, NULL, why),
			 0);
	assert_int_equal(why->len, 0);
	assert_int_equal(oracle_crash(fx->o, 1, false, 0, NULL, NULL, why),
			 -1);
	assert_string_equal(why->str,
			    "file 1: fsync'ed but missing after crash");
	assert_int_equal(oracle_nfiles(fx->o), 0);

	/* A file the oracle forgot may come back: adopted, durable. */
	assert_int_equal(crash_as(fx, 3, ref, 100, why), 0);
	assert_true(oracle_has_durable(fx->o, 3));
	assert_file(fx, 3, ref, 100);
	g_string_free(why, TRUE);
}

/* Page 0 of @id becomes 'n'; an fsync of it starts.  Return its token. */
static uint64_t fsync_begun(struct fixture *fx, uint64_t id)
{
	uint64_t token;

	oracle_write(fx->o, id, 0, PS, 'n');
	token = oracle_durable_begin(fx->o);
	oracle_fsync(fx->o, id);
	return token;
}

/*
 * A durability call cut short by a power cut promised nothing: the crash
 * checks against the point before it, and what that point promised must
 * still survive.
 */
static void test_crash_during_fsync(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[3 * PS], rec[3 * PS];
	GString *why = g_string_new(NULL);
	uint64_t token;

	durable_abc(fx, 1, ref);			/* completed: promised */
	oracle_create(fx->o, 2);			/* never durable */
	oracle_write(fx->o, 2, 0, PS, 'n');
	token = fsync_begun(fx, 1);
	oracle_fsync(fx->o, 2);
	/* the power cut: neither fsync returned */
	oracle_calls_lost(fx->o);
	assert_int_equal(oracle_crash(fx->o, 2, false, 0, NULL, NULL, why),
			 0);
	memcpy(rec, ref, sizeof(rec));			/* old page 0 back */
	assert_int_equal(crash_as(fx, 1, rec, 3 * PS, why), 0);
	assert_int_equal(why->len, 0);
	oracle_durable_end(fx->o, token);		/* stale: ignored */

	/* what the completed fsync promised still counts */
	fsync_begun(fx, 1);
	oracle_calls_lost(fx->o);
	rec[PS + 1] = 'z';				/* page 1: promised */
	assert_int_equal(crash_as(fx, 1, rec, 3 * PS, why), -1);
	assert_non_null(strstr(why->str, "offset 4097 was 0x62"));
	g_string_free(why, TRUE);
}

/*
 * Once the call returned, its point is the promise; with calls
 * overlapping, the point before the first one stays until the last ends
 * (weaker, never wrong).
 */
static void test_durable_end(void **state)
{
	struct fixture *fx = *state;
	static uint8_t ref[3 * PS], rec[3 * PS];
	GString *why = g_string_new(NULL);
	uint64_t a, b;

	durable_abc(fx, 1, ref);
	a = fsync_begun(fx, 1);				/* promises 'n' */
	b = oracle_durable_begin(fx->o);
	oracle_durable_end(fx->o, a);
	memcpy(rec, ref, sizeof(rec));			/* 'a' at page 0 */
	assert_int_equal(crash_as(fx, 1, rec, 3 * PS, why), 0);
	oracle_durable_end(fx->o, b);			/* b returns */

	a = fsync_begun(fx, 1);
	oracle_durable_end(fx->o, a);			/* returned */
	assert_int_equal(crash_as(fx, 1, rec, 3 * PS, why), -1);
	assert_non_null(strstr(why->str, "offset 0 was 0x6e"));
	g_string_free(why, TRUE);
}

static void test_sync_all(void **state)
{
	struct fixture *fx = *state;
	static uint8_t a[3 * PS], b[3 * PS];
	GString *why = g_string_new(NULL);

	durable_abc(fx, 1, a);
	durable_abc(fx, 2, b);
	oracle_write(fx->o, 1, 0, 1, 'n');
	oracle_write(fx->o, 2, 0, 1, 'n');
	oracle_sync_all(fx->o);
	a[0] = 'n';
	b[0] = 'o';
	assert_int_equal(crash_as(fx, 1, a, 3 * PS, why), 0);
	assert_int_equal(crash_as(fx, 2, b, 3 * PS, why), -1);
	assert_non_null(strstr(why->str, "file 2: offset 0 was 0x6e"));
	g_string_free(why, TRUE);
}

/*
 * The disk check after a sync checks the sync's own durable point: bytes
 * changed since are not checked, and a file whose durable point a later
 * fsync replaced is not checked at all (that fsync forgot what changed
 * between the two).
 */
static void test_check_durable_epoch(void **state)
{
	struct fixture *fx = *state;
	static uint8_t a[3 * PS], disk[3 * PS];
	struct image im = { fx->pool, disk, 3 * PS, 0 };
	GString *why = g_string_new(NULL);
	uint64_t e;

	durable_abc(fx, 1, a);
	e = oracle_sync_all(fx->o);
	memcpy(disk, a, sizeof(disk));
	assert_int_equal(oracle_check_durable(fx->o, 1, e, 3 * PS, image_read,
					      &im, why), 0);
	disk[PS] ^= 1;				/* the disk lost a byte */
	assert_int_equal(oracle_check_durable(fx->o, 1, e, 3 * PS, image_read,
					      &im, why), -1);
	assert_non_null(strstr(why->str, "file 1: offset 4096 differs"));
	oracle_write(fx->o, 1, PS, 1, 'z');	/* a racing write: unchecked */
	assert_int_equal(oracle_check_durable(fx->o, 1, e, 3 * PS, image_read,
					      &im, why), 0);
	disk[0] ^= 1;
	assert_int_equal(oracle_check_durable(fx->o, 1, e, 3 * PS, image_read,
					      &im, why), -1);
	oracle_fsync(fx->o, 1);			/* a later durable point */
	assert_int_equal(oracle_check_durable(fx->o, 1, e, 3 * PS, image_read,
					      &im, why), 0);
	g_string_free(why, TRUE);
}

/* --- the disk check after a sync, page by page --------------------------- */

#define LONG_PAGES	200u		/* three chunks of the map and a run */
#define LONG_SIZE	(LONG_PAGES * PS - 100)	/* a partial last page */

/*
 * File 1 written page by page: 'a', but 'b' at page 150 and a hole at
 * pages 170..179; size LONG_SIZE; synced.  @ref (LONG_PAGES pages) gets its
 * bytes.  Return: the sync's epoch.
 */
static uint64_t long_synced(struct fixture *fx, uint8_t *ref)
{
	uint64_t i;

	oracle_create(fx->o, 1);
	for (i = 0; i < LONG_PAGES; i++)
		oracle_write(fx->o, 1, i * PS, PS, 'a');
	oracle_write(fx->o, 1, 150 * PS, PS, 'b');
	oracle_zero(fx->o, 1, 170 * PS, 10 * PS, false);
	oracle_truncate(fx->o, 1, LONG_SIZE);
	memset(ref, 'a', LONG_SIZE);
	memset(ref + 150 * PS, 'b', PS);
	memset(ref + 170 * PS, 0, 10 * PS);
	memset(ref + LONG_SIZE, 0, LONG_PAGES * PS - LONG_SIZE);
	return oracle_sync_all(fx->o);
}

/*
 * oracle_check_durable() of file @id of size @size against @im.  Return:
 * the offset it reports lost, UINT64_MAX if it passes.
 */
static uint64_t disk_check(struct fixture *fx, uint64_t id, uint64_t epoch,
			   uint64_t size, struct image *im)
{
	GString *why = g_string_new(NULL);
	uint64_t bad = UINT64_MAX;
	char tail[64];

	if (oracle_check_durable(fx->o, id, epoch, size, image_read, im,
				 why)) {
		assert_int_equal(sscanf(why->str, "file %*u: offset %" SCNu64
					" %63[^\n]", &bad, tail), 2);
		assert_string_equal(tail, "differs from what sync made "
				    "durable");
	} else {
		assert_int_equal(why->len, 0);
	}
	g_string_free(why, TRUE);
	return bad;
}

/* disk_check() of file 1 of size @size with the disk byte @at flipped. */
static uint64_t lost_at(struct fixture *fx, uint64_t epoch, uint8_t *disk,
			uint64_t size, uint64_t at)
{
	struct image im = { fx->pool, disk, LONG_PAGES * PS, 0 };
	uint64_t bad;

	disk[at] ^= 0x80;
	bad = disk_check(fx, 1, epoch, size, &im);
	disk[at] ^= 0x80;
	return bad;
}

/*
 * The first lost byte is found wherever it is: inside a long run of one
 * content, at either side of a chunk or run boundary, in a durable hole,
 * in the partial last page; not beyond the size (of the file or of the
 * disk's file), nor in pages a racing write touched.
 */
static void test_check_durable_lost_byte(void **state)
{
	static const uint64_t found[] = {
		0, 100 * PS + 1234,		/* in long runs */
		64 * PS - 1, 64 * PS,		/* a chunk boundary */
		150 * PS - 1, 150 * PS,		/* the 'b' page's ends */
		151 * PS - 1, 151 * PS,
		170 * PS, 175 * PS + 5,		/* the hole */
		180 * PS, LONG_SIZE - 1,	/* the partial last page */
	};
	struct fixture *fx = *state;
	static uint8_t disk[LONG_PAGES * PS];
	struct image im = { fx->pool, disk, LONG_PAGES * PS, 0 };
	uint64_t e, i;

	e = long_synced(fx, disk);
	assert_int_equal(disk_check(fx, 1, e, LONG_SIZE, &im), UINT64_MAX);
	assert_int_equal(im.reads, LONG_PAGES);
	for (i = 0; i < G_N_ELEMENTS(found); i++)
		assert_int_equal(lost_at(fx, e, disk, LONG_SIZE, found[i]),
				 found[i]);
	disk[LONG_SIZE + 10] = 'g';		/* beyond EOF: not data */
	assert_int_equal(disk_check(fx, 1, e, LONG_SIZE, &im), UINT64_MAX);
	disk[90 * PS + 7] = 'g';		/* two lost: the first */
	disk[30 * PS + 9] = 'g';
	assert_int_equal(disk_check(fx, 1, e, LONG_SIZE, &im), 30 * PS + 9);
	disk[90 * PS + 7] = disk[30 * PS + 9] = 'a';

	/* The disk's file is shorter: the bytes beyond are not checked. */
	assert_int_equal(lost_at(fx, e, disk, 100 * PS + 50, 100 * PS + 49),
			 100 * PS + 49);
	assert_int_equal(lost_at(fx, e, disk, 100 * PS + 50, 100 * PS + 50),
			 UINT64_MAX);

	/* A racing write: its pages are neither checked nor read. */
	oracle_write(fx->o, 1, 10 * PS + 5, 2 * PS, 'z');	/* 10..12 */
	assert_int_equal(lost_at(fx, e, disk, LONG_SIZE, 11 * PS), UINT64_MAX);
	assert_int_equal(lost_at(fx, e, disk, LONG_SIZE, 12 * PS + 4000),
			 UINT64_MAX);
	assert_int_equal(lost_at(fx, e, disk, LONG_SIZE, 10 * PS - 1),
			 10 * PS - 1);
	assert_int_equal(lost_at(fx, e, disk, LONG_SIZE, 13 * PS), 13 * PS);
	im.reads = 0;
	assert_int_equal(disk_check(fx, 1, e, LONG_SIZE, &im), UINT64_MAX);
	assert_int_equal(im.reads, LONG_PAGES - 3);
}

/*
 * Randomized, against byte arrays: files of random writes and truncates,
 * synced, then racing writes; the disk holds the synced bytes with a few
 * of them (or of the bytes beyond) flipped.  The lost byte reported is
 * the first flip below min(file size, disk's file size) in a page no
 * racing write touched.
 */
static void test_check_durable_random(void **state)
{
	struct fixture *fx = *state;
	uint8_t *disk = g_malloc(RANDOM_MAX + PS);
	struct image im = { fx->pool, disk, RANDOM_MAX + PS, 0 };
	bool touched[RANDOM_MAX / PS + 1];
	uint64_t id, epoch, off, len, size, want, at, p;
	GByteArray *b;
	uint8_t byte;
	unsigned int i;

	rng_state = 0x243f6a8885a308d3ULL;
	for (id = 1; id <= 500; id++) {
		oracle_create(fx->o, id);
		b = g_byte_array_new();
		for (i = 0; i < 8; i++) {
			rnd_range(&off, &len);
			byte = rnd_byte();
			if (rnd(4)) {
				oracle_write(fx->o, id, off, len, byte);
				ref_fill(b, off, len, byte, true);
			} else {
				oracle_truncate(fx->o, id, off);
				ref_set_size(b, off);
			}
		}
		epoch = oracle_sync_all(fx->o);
		memset(touched, 0, sizeof(touched));
		for (i = rnd(3); i; i--) {
			rnd_range(&off, &len);
			oracle_write(fx->o, id, off, len, 'r');
			for (p = off / PS; p * PS < off + len; p++)
				touched[p] = true;
		}
		memset(disk, 0, RANDOM_MAX + PS);
		memcpy(disk, b->data, b->len);
		size = rnd(b->len + PS + 1);
		want = UINT64_MAX;
		for (i = rnd(3) + 1; i; i--) {
			at = rnd(MIN(b->len + PS, RANDOM_MAX + PS));
			disk[at] = (at < b->len ? b->data[at] : 0) ^ 0x80;
			if (at < MIN(b->len, size) && !touched[at / PS])
				want = MIN(want, at);
		}
		assert_int_equal(disk_check(fx, id, epoch, size, &im), want);
		oracle_remove(fx->o, id);
		g_byte_array_unref(b);
	}
	g_free(disk);
}

/* --- misuse -------------------------------------------------------------- */

static void test_bad_arguments(void **state)
{
	struct fixture *fx = *state;
	const struct content *z = content_zero(fx->pool);
	uint8_t digest[16];
	uint64_t bad = 1;

	oracle_create(fx->o, 1);
	oracle_create(fx->o, 1);			/* duplicate */
	assert_int_equal(criticals, 1);
	oracle_write(fx->o, 9, 0, 1, 'a');		/* unknown id */
	oracle_truncate(fx->o, 9, 1);
	oracle_clone(fx->o, 1, 0, 9, 0, 1);
	oracle_remove(fx->o, 9);
	assert_int_equal(oracle_size(fx->o, 9), 0);
	oracle_md5(fx->o, 9, digest);
	assert_int_equal(criticals, 7);
	oracle_write(fx->o, 1, UINT64_MAX, 2, 'a');	/* overflow */
	assert_int_equal(criticals, 8);
	assert_int_equal(oracle_size(fx->o, 1), 0);

	oracle_write(fx->o, 1, 0, 10, 'a');
	assert_int_equal(oracle_check_read(fx->o, 1, 5, z, 0, 6, &bad), -1);
	assert_int_equal(bad, 5);			/* beyond EOF */
	assert_int_equal(oracle_check_read(fx->o, 1, 0, z, PS - 2, 3, &bad),
			 -1);				/* beyond the page */
	assert_int_equal(criticals, 10);
	assert_null(oracle_new(NULL));
	assert_int_equal(criticals, 11);
	criticals = 0;
	oracle_free(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_extend_truncate),
		T(test_unaligned_across_pages),
		T(test_mstore_beyond_size_ignored),
		T(test_zero),
		T(test_clone_aligned_shares),
		T(test_clone_unaligned),
		T(test_clone_same_file),
		T(test_clone_beyond_src_eof),
		T(test_md5),
		T(test_crash_durable_survives),
		T(test_crash_corrupt_page_fails),
		T(test_crash_hole_must_stay_zero),
		T(test_crash_modified_not_checked),
		T(test_crash_clone_marks_dest),
		T(test_crash_size),
		T(test_crash_clean_tail),
		T(test_crash_existence),
		T(test_crash_during_fsync),
		T(test_durable_end),
		T(test_sync_all),
		T(test_check_durable_epoch),
		T(test_check_durable_lost_byte),
		T(test_check_durable_random),
		T(test_bad_arguments),
		T(test_random_vs_bytes),
	};

	g_log_set_handler("pcsim-oracle", G_LOG_LEVEL_CRITICAL |
			  G_LOG_LEVEL_WARNING, count_critical, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
