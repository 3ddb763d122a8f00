/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_bstream.c - unit tests of model/bstream.c.
 *
 * Scope: byte streams kept as runs.  The reference is the plain one: the
 * same bytes in a buffer, summed by GLib's MD5.  Checked: runs merge
 * across pages, the memoised MD5 equals the plain one on a miss and on a
 * hit, equality is by bytes (not by how the bytes were appended), and the
 * fast digest tells different streams apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/bstream.h"
#include "model/content.h"

#define PS 4096u

static void plain_md5(const uint8_t *buf, size_t len, uint8_t digest[16])
{
	GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
	gsize n = 16;

	g_checksum_update(md5, buf, len);
	g_checksum_get_digest(md5, digest, &n);
	g_checksum_free(md5);
}

/* Three pages: 'a' x 100 then 'b', all 'b', 'b' x 10 then zeroes. */
static struct bstream *three_pages(struct content_pool *pool, uint8_t *buf)
{
	const struct content *c[3];
	struct bstream *s = bstream_new();
	int i;

	c[0] = content_fill(pool, content_zero(pool), 0, PS, 'b');
	c[1] = content_fill(pool, c[0], 0, 100, 'a');
	c[2] = content_fill(pool, content_zero(pool), 0, 10, 'b');
	bstream_add(s, c[1], 0, PS);
	bstream_add(s, c[0], 0, PS);
	bstream_add(s, c[2], 0, PS - 1);	/* a short tail, as at EOF */
	content_copy_out(c[1], 0, PS, buf);
	content_copy_out(c[0], 0, PS, buf + PS);
	content_copy_out(c[2], 0, PS - 1, buf + 2 * PS);
	for (i = 0; i < 3; i++)
		content_put(pool, c[i]);
	return s;
}

static void test_md5_matches_plain(void **state)
{
	struct content_pool *pool = content_pool_new(PS);
	uint8_t buf[3 * PS], want[16], got[16], again[16];
	struct bstream *s = three_pages(pool, buf);

	assert_int_equal(bstream_len(s), 3 * PS - 1);
	plain_md5(buf, 3 * PS - 1, want);
	bstream_md5(s, got);			/* a miss: computed */
	assert_memory_equal(got, want, 16);
	bstream_md5(s, again);			/* a hit: remembered */
	assert_memory_equal(again, want, 16);
	bstream_free(s);
	content_pool_free(pool);
}

static void test_empty(void **state)
{
	struct bstream *s = bstream_new();
	uint8_t want[16], got[16];

	plain_md5((const uint8_t *)"", 0, want);
	bstream_md5(s, got);
	assert_memory_equal(got, want, 16);
	bstream_free(s);
}

/* Equal bytes appended in different pieces are equal streams. */
static void test_equal_by_bytes(void **state)
{
	struct bstream *a = bstream_new(), *b = bstream_new();
	uint8_t da[16], db[16];

	bstream_add_bytes(a, 'x', 5000);
	bstream_add_bytes(a, 0, 3);
	bstream_add_bytes(b, 'x', 1);
	bstream_add_bytes(b, 'x', 4999);
	bstream_add_bytes(b, 0, 0);		/* empty: no run */
	bstream_add_bytes(b, 0, 3);
	assert_true(bstream_equal(a, b));
	assert_int_equal(bstream_hash(a), bstream_hash(b));
	bstream_fast_digest(a, da);
	bstream_fast_digest(b, db);
	assert_memory_equal(da, db, 16);
	bstream_add_bytes(b, 0, 1);		/* one byte longer */
	assert_false(bstream_equal(a, b));
	bstream_fast_digest(b, db);
	assert_memory_not_equal(da, db, 16);
	bstream_free(a);
	bstream_free(b);
}

/* Same length, same run count, one byte value differs. */
static void test_unequal_bytes(void **state)
{
	struct bstream *a = bstream_new(), *b = bstream_new();

	bstream_add_bytes(a, 'x', 10);
	bstream_add_bytes(a, 'y', 10);
	bstream_add_bytes(b, 'x', 10);
	bstream_add_bytes(b, 'z', 10);
	assert_false(bstream_equal(a, b));
	assert_int_not_equal(bstream_hash(a), bstream_hash(b));
	bstream_free(a);
	bstream_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_matches_plain),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_equal_by_bytes),
		cmocka_unit_test(test_unequal_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
