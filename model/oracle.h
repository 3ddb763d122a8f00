/* SPDX-License-Identifier: MIT */
/*
 * model/oracle.h - the data oracle: what every file must contain.
 *
 * Scope: a deliberately simple reference model of each file's logical bytes
 * under POSIX semantics only.  No page cache, no blocks, no extents, no
 * policies: the oracle never looks at model state.  The model calls it at
 * each operation's linearization point (write, mmap store, truncate, punch,
 * clone, ...), and compares what users observe (read, mmap load, md5sum,
 * the disk after sync, the files after a crash) against it.  This is the
 * "data" invariant of DESIGN.md section 5.
 *
 * A file is identified by a uint64_t id (the model passes i_ino) and is its
 * size plus a sparse xarray, page index -> hash-consed struct content of the
 * shared pool; an absent page reads as zeros.
 *
 * Invariants (checked by tests/unit/test_oracle.c against plain byte arrays):
 *   - sparse: a page holding only zeros is never stored;
 *   - clean tail: every byte at or beyond the size is zero, so growing a
 *     file (truncate up, extending write or clone, falloc) reads zeros;
 *   - counted: the oracle owns one content reference per stored page, in
 *     the current and in the durable map; oracle_free() drops all of them;
 *   - durable: after oracle_fsync() the durable snapshot (size and pages)
 *     equals the current state; every later change marks the pages it
 *     touches below the durable size as modified, and any size change sets
 *     a flag, so oracle_crash() checks exactly what must have survived;
 *   - promised: a durability call's point counts for a crash only once
 *     the call returned (oracle_durable_begin/_end): while calls are in
 *     flight each file keeps the point before them, and a crash checks
 *     against that one;
 *   - deterministic: files live in an xarray keyed by id and are walked in
 *     id order; nothing depends on pointer values.
 *
 * Bad arguments (unknown or duplicate id, a range that overflows, a read
 * range beyond EOF) log a GLib critical in the "pcsim-oracle" domain and
 * change nothing.
 *
 * Context: single-threaded, like the rest of the model; nothing sleeps.
 */
#ifndef PCSIM_MODEL_ORACLE_H
#define PCSIM_MODEL_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

struct content;
struct content_pool;
struct oracle;

/**
 * typedef oracle_read_fn - read one page of a file as recovered after a crash.
 * @ctx: the caller's context, passed through.
 * @id: the file.
 * @index: page index.
 *
 * Return: a NEW reference to the recovered content at @index; the zero page
 * for a hole or beyond the recovered size.
 */
typedef const struct content *(*oracle_read_fn)(void *ctx, uint64_t id,
						 uint64_t index);

struct oracle *oracle_new(struct content_pool *pool);
void oracle_free(struct oracle *o);

void oracle_create(struct oracle *o, uint64_t id);
void oracle_remove(struct oracle *o, uint64_t id);
bool oracle_exists(const struct oracle *o, uint64_t id);
uint64_t oracle_size(const struct oracle *o, uint64_t id);
uint64_t oracle_nfiles(const struct oracle *o);

void oracle_write(struct oracle *o, uint64_t id, uint64_t off, uint64_t len,
		  uint8_t byte);
void oracle_mstore(struct oracle *o, uint64_t id, uint64_t off, uint64_t len,
		   uint8_t byte);
void oracle_truncate(struct oracle *o, uint64_t id, uint64_t size);
void oracle_zero(struct oracle *o, uint64_t id, uint64_t off, uint64_t len,
		 bool extend);
void oracle_extend(struct oracle *o, uint64_t id, uint64_t size);
void oracle_clone(struct oracle *o, uint64_t src, uint64_t soff, uint64_t dst,
		  uint64_t doff, uint64_t len);

int oracle_check_read(const struct oracle *o, uint64_t id, uint64_t off,
		      const struct content *c, uint32_t coff, uint32_t len,
		      uint64_t *bad_off);
uint8_t oracle_byte_at(const struct oracle *o, uint64_t id, uint64_t off);
void oracle_md5(const struct oracle *o, uint64_t id, uint8_t digest[16]);
/* The file's bytes as runs (model/bstream.h); bstream_free() it. */
struct bstream *oracle_bytes(const struct oracle *o, uint64_t id);

void oracle_fsync(struct oracle *o, uint64_t id);
uint64_t oracle_sync_all(struct oracle *o);
uint64_t oracle_durable_begin(struct oracle *o);
void oracle_durable_end(struct oracle *o, uint64_t token);
void oracle_calls_lost(struct oracle *o);
bool oracle_has_durable(const struct oracle *o, uint64_t id);
uint64_t oracle_generation(const struct oracle *o, uint64_t id);
uint64_t oracle_state_hash(const struct oracle *o);
int oracle_check_durable(struct oracle *o, uint64_t id, uint64_t epoch,
			 uint64_t size, oracle_read_fn read, void *ctx,
			 GString *why);
int oracle_crash(struct oracle *o, uint64_t id, bool exists,
		 uint64_t recovered_size, oracle_read_fn read, void *ctx,
		 GString *why);

#endif /* PCSIM_MODEL_ORACLE_H */
