// SPDX-License-Identifier: MIT
/*
 * model/bstream.c - byte streams as runs; MD5 memo (model/bstream.h).
 *
 * Invariants: @runs is canonical (no empty run, no two adjacent runs of the
 * same byte), so equal byte streams have equal run arrays and the memo can
 * compare run arrays to compare streams.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/bstream.h"
#include "model/content.h"
#include "model/hashmix.h"
#include "model/never.h"

struct brun {
	uint64_t len;
	uint8_t byte;
};

struct bstream {
	struct brun *runs;
	uint32_t nruns, cap;
	uint64_t len;
};

#define MEMO_MAX	4096	/* distinct streams remembered */

struct memo_key {
	uint64_t hash;
	uint32_t nruns;
	struct brun *runs;		/* owned */
};

struct memo_entry {
	struct memo_key key;
	uint8_t digest[16];
};

static __thread GHashTable *memo;

struct bstream *bstream_new(void)
{
	struct bstream *s = calloc(1, sizeof(*s));

	if (NEVER(!s))
		abort();
	return s;
}

void bstream_free(struct bstream *s)
{
	if (!s)
		return;
	free(s->runs);
	free(s);
}

void bstream_add_bytes(struct bstream *s, uint8_t byte, uint64_t len)
{
	if (!len)
		return;
	s->len += len;
	if (s->nruns && s->runs[s->nruns - 1].byte == byte) {
		s->runs[s->nruns - 1].len += len;
		return;
	}
	if (s->nruns == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->runs = realloc(s->runs, s->cap * sizeof(*s->runs));
		if (NEVER(!s->runs))
			abort();
	}
	s->runs[s->nruns++] = (struct brun){ .len = len, .byte = byte };
}

static void add_run(void *arg, uint8_t byte, uint32_t len)
{
	bstream_add_bytes(arg, byte, len);
}

void bstream_add(struct bstream *s, const struct content *c, uint32_t off,
		 uint32_t len)
{
	content_walk_runs(c, off, len, add_run, s);
}

uint64_t bstream_len(const struct bstream *s)
{
	return s->len;
}

static uint64_t runs_hash(const struct brun *runs, uint32_t n)
{
	uint64_t h = hash_mix(0, n);
	uint32_t i;

	for (i = 0; i < n; i++)
		h = hash_mix(hash_mix(h, runs[i].byte), runs[i].len);
	return h;
}

uint64_t bstream_hash(const struct bstream *s)
{
	return runs_hash(s->runs, s->nruns);
}

static bool runs_equal(const struct brun *a, const struct brun *b, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)	/* fields: struct brun has padding */
		if (a[i].len != b[i].len || a[i].byte != b[i].byte)
			return false;
	return true;
}

bool bstream_equal(const struct bstream *a, const struct bstream *b)
{
	return a->len == b->len && a->nruns == b->nruns &&
	       runs_equal(a->runs, b->runs, a->nruns);
}

void bstream_fast_digest(const struct bstream *s, uint8_t digest[16])
{
	uint64_t h[2] = { runs_hash(s->runs, s->nruns),
			  hash_mix(runs_hash(s->runs, s->nruns), s->len) };

	memcpy(digest, h, 16);
}

static guint key_hash(gconstpointer p)
{
	return (guint)((const struct memo_key *)p)->hash;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
	const struct memo_key *x = a, *y = b;

	return x->hash == y->hash && x->nruns == y->nruns &&
	       runs_equal(x->runs, y->runs, x->nruns);
}

static void entry_free(gpointer p)
{
	struct memo_entry *e = p;

	free(e->key.runs);
	free(e);
}

/* MD5 of the runs, the slow way: a run of one byte in 4 KiB chunks. */
static void md5_compute(const struct bstream *s, uint8_t digest[16])
{
	GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
	uint8_t chunk[4096];
	gsize dlen = 16;
	uint32_t i;

	if (NEVER(!md5))
		abort();
	for (i = 0; i < s->nruns; i++) {
		uint64_t left = s->runs[i].len;

		memset(chunk, s->runs[i].byte,
		       left < sizeof(chunk) ? left : sizeof(chunk));
		while (left) {
			gsize n = left < sizeof(chunk) ? left : sizeof(chunk);

			g_checksum_update(md5, chunk, n);
			left -= n;
		}
	}
	g_checksum_get_digest(md5, digest, &dlen);
	g_checksum_free(md5);
}

void bstream_md5(const struct bstream *s, uint8_t digest[16])
{
	struct memo_key key = { .hash = bstream_hash(s), .nruns = s->nruns,
				.runs = s->runs };
	struct memo_entry *e;

	if (!memo)
		memo = g_hash_table_new_full(key_hash, key_equal, NULL,
					     entry_free);
	e = g_hash_table_lookup(memo, &key);
	if (e) {
		memcpy(digest, e->digest, 16);
		return;
	}
	md5_compute(s, digest);
	if (g_hash_table_size(memo) >= MEMO_MAX)
		g_hash_table_remove_all(memo);
	e = malloc(sizeof(*e));
	if (NEVER(!e))
		abort();
	e->key = key;
	e->key.runs = malloc(s->nruns * sizeof(*s->runs) + 1);
	if (NEVER(!e->key.runs))
		abort();
	if (s->nruns)
		memcpy(e->key.runs, s->runs, s->nruns * sizeof(*s->runs));
	memcpy(e->digest, digest, 16);
	g_hash_table_add(memo, e);
}

/* Free the memo at exit, so that memcheck sees nothing held. */
__attribute__((destructor)) static void memo_free(void)
{
	if (memo)
		g_hash_table_destroy(memo);
	memo = NULL;
}
