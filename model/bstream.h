/* SPDX-License-Identifier: MIT */
/*
 * model/bstream.h - a byte stream as runs, and its memoised md5.
 *
 * Scope: what md5sum feeds to MD5 while it reads a file (model/sysops.c,
 * model/rw.c) and what the oracle says the file holds (model/oracle.c).
 * Page contents are runs of equal bytes (model/content.h); so is the
 * stream: appending a range of a content merges its runs into the tail.
 * A file written with a few `pwrite -S` commands is a few runs however
 * large it is.
 *
 * bstream_md5() is MD5 of the bytes, computed once per distinct stream in
 * the process: a memo keyed by the exact run list (not by a hash of it)
 * remembers digests, so every md5sum of an unchanged file, and the oracle's
 * check of the same bytes, costs a lookup.  The memo only saves work: a
 * result never depends on whether it hit.  It is per OS thread and bounded
 * (cleared when full).
 *
 * bstream_hash() is a stable digest of the bytes so far (state hashing of
 * a read in progress); equal streams hash equal.
 */
#ifndef PCSIM_MODEL_BSTREAM_H
#define PCSIM_MODEL_BSTREAM_H

#include <stdbool.h>
#include <stdint.h>

struct content;
struct bstream;

struct bstream *bstream_new(void);
void bstream_free(struct bstream *s);

/* Append bytes [@off, @off + @len) of @c. */
void bstream_add(struct bstream *s, const struct content *c, uint32_t off,
		 uint32_t len);

/* Append @len copies of @byte. */
void bstream_add_bytes(struct bstream *s, uint8_t byte, uint64_t len);

uint64_t bstream_len(const struct bstream *s);
bool bstream_equal(const struct bstream *a, const struct bstream *b);
/* 16 bytes that name the bytes (two independent 64-bit hashes), not MD5. */
void bstream_fast_digest(const struct bstream *s, uint8_t digest[16]);
uint64_t bstream_hash(const struct bstream *s);
void bstream_md5(const struct bstream *s, uint8_t digest[16]);

#endif /* PCSIM_MODEL_BSTREAM_H */
