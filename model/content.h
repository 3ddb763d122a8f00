/* SPDX-License-Identifier: MIT */
/*
 * model/content.h - compact, hash-consed page content.
 *
 * Scope: the bytes of one page (or one disk block) as an immutable value.
 * The simulator never stores a page_size buffer per page.  A content is a
 * canonical sequence of byte runs (byte value, length) that covers exactly
 * page_size bytes, interned in a struct content_pool so that equal bytes are
 * the same object.  Scenario data comes from xfs_io "pwrite -S 0x61 off len",
 * so run-length encoding is small in practice; writes at arbitrary byte
 * offsets still work and a page whose every byte differs is page_size runs.
 *
 * Invariants (checked by tests/unit/test_content.c):
 *   - canonical: no zero-length run, no two adjacent runs with the same byte,
 *     the runs cover [0, page_size) exactly;
 *   - interned: for one pool, two contents with equal bytes are the same
 *     pointer, so equality of whole pages is pointer equality, O(1);
 *   - immutable: the bytes of a content never change once interned; every
 *     "modifying" call returns a new reference and leaves its inputs alone;
 *   - counted: a content lives while it has references; content_put() of the
 *     last one frees it.  The all-zero page (content_zero()) is permanent:
 *     content_get()/content_put() are allowed on it and do nothing;
 *   - deterministic: content_hash() is a function of the bytes only (FNV-1a
 *     64 over the runs), identical across runs, compilers and platforms.
 *     Nothing depends on pointer values or on hash-table iteration order.
 *
 * Bad arguments (NULL, a range outside the page, a content of another page
 * size) never crash: they log a GLib critical in the "pcsim-content" domain;
 * a mutator then returns a new reference to its input unchanged, a predicate
 * returns false and a byte query returns 0.
 *
 * Context: single-threaded; a pool and its contents belong to one simulator
 * instance.  Nothing here sleeps or takes locks.
 */
#ifndef PCSIM_MODEL_CONTENT_H
#define PCSIM_MODEL_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

struct content;
struct content_pool;

/* Page sizes a pool accepts: powers of two in this range. */
#define CONTENT_PAGE_SIZE_MIN	4096u
#define CONTENT_PAGE_SIZE_MAX	65536u

struct content_pool *content_pool_new(uint32_t page_size);
void content_pool_free(struct content_pool *pool);
uint32_t content_pool_page_size(const struct content_pool *pool);
uint64_t content_pool_live(const struct content_pool *pool);
size_t content_pool_mem_bytes(const struct content_pool *pool);

const struct content *content_zero(struct content_pool *pool);
const struct content *content_get(const struct content *c);
void content_put(struct content_pool *pool, const struct content *c);

const struct content *content_fill(struct content_pool *pool,
				   const struct content *base,
				   uint32_t off, uint32_t len, uint8_t byte);
const struct content *content_splice(struct content_pool *pool,
				     const struct content *dst,
				     uint32_t dst_off,
				     const struct content *src,
				     uint32_t src_off, uint32_t len);

bool content_range_equal(const struct content *a, uint32_t aoff,
			 const struct content *b, uint32_t boff, uint32_t len);
bool content_range_is(const struct content *c, uint32_t off, uint32_t len,
		      uint8_t byte);
uint8_t content_byte_at(const struct content *c, uint32_t off);
uint32_t content_nruns(const struct content *c);
bool content_run(const struct content *c, uint32_t i, uint8_t *byte,
		 uint32_t *len);
uint32_t content_page_size(const struct content *c);

void content_copy_out(const struct content *c, uint32_t off, uint32_t len,
		      uint8_t *buf);
void content_md5_update(const struct content *c, uint32_t off, uint32_t len,
			GChecksum *md5);
uint64_t content_hash(const struct content *c);

/*
 * content_walk_runs() - call @fn(@arg, byte, len) for each run, or part of
 * a run, covering [@off, @off + @len) in order.  Nothing if the range is
 * outside the page.
 */
void content_walk_runs(const struct content *c, uint32_t off, uint32_t len,
		       void (*fn)(void *arg, uint8_t byte, uint32_t len),
		       void *arg);
void content_describe(const struct content *c, char *buf, size_t buflen);

#endif /* PCSIM_MODEL_CONTENT_H */
