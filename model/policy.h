/* SPDX-License-Identifier: MIT */
/*
 * model/policy.h - sharing designs as operations tables.
 *
 * A policy is a const table of hooks, like address_space_operations: each
 * hook is called at a point where the designs under review differ, and a
 * NULL hook means mainline Linux behaviour (the core's default, named in
 * the comment of each hook).  The registry (model/policy.c) lists every
 * policy by name; `pcsim list-policies` prints it.  Adding a design is one
 * file in model/policy/ and one line in policies[] (docs/POLICIES.md shows
 * a worked example).
 *
 * Locking: hooks run inside one step of the calling operation, with the
 * locks that operation holds at that point (stated per hook); a hook never
 * blocks.
 */
#ifndef PCSIM_MODEL_POLICY_H
#define PCSIM_MODEL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

struct kernel;
struct task;
struct inode;
struct page;
struct page_owner;
struct address_space;
struct remap_locals;
struct iomap_writepage_ctx;

enum policy_kind {
	POLICY_DESIGN,
	POLICY_MUTANT,
};

/* policy_ops.flags */
enum {
	/* writeback writes a shared dirty page once for all its owners, so
	 * host-ambiguity does not apply */
	POLICY_ALLHOST_WRITEBACK = 1u << 0,
	/*
	 * clone does not write back the source range first.  With
	 * POLICY_ALLHOST_WRITEBACK (dirty pages get shared) only if it can
	 * reserve the blocks their owners' writeback needs, two per page of
	 * the range, up front; on a full disk it writes back like mainline,
	 * rather than turn ENOSPC into a failed writeback (model/remap.c).
	 */
	POLICY_NO_SOURCE_FLUSH = 1u << 1,
	/* every file is DAX: no page cache, PTEs map pmem pfns (fs/dax.c) */
	POLICY_DAX = 1u << 2,
	/* mutant: a DAX write fault on a shared block does not COW it */
	POLICY_DAX_NO_COW = 1u << 3,
	/* mutant: clone locks the source inode first, not the lower i_ino */
	POLICY_REMAP_SRC_FIRST = 1u << 4,
};

typedef bool (*owner_fn)(struct page_owner *o, void *arg);

struct policy_ops {
	const char *name;
	enum policy_kind kind;
	unsigned int flags;		/* POLICY_* */
	const char *description;	/* one line: idea and source */

	/*
	 * remap - clone/dedupe shared the blocks of @l; share pages too.
	 * Context: both i_rwsem and both invalidate_locks held; the
	 * destination range has no cached pages.  Default: nothing.
	 */
	void (*remap)(struct kernel *k, struct remap_locals *l);

	/*
	 * unshare - page @p, cached at (@m, @index), is about to be dirtied
	 * through @m but is shared with another inode: give @m a private
	 * copy and return it, locked, with a reference for the caller; @p
	 * stays locked by the caller.  Context: @p locked; the caller holds
	 * what write_begin / page_mkwrite / truncate hold.
	 * Default: folio_cow_break() (model/share.c).
	 */
	struct page *(*unshare)(struct kernel *k, struct task *t,
				struct page *p, struct address_space *m,
				uint64_t index);

	/*
	 * rmap_walk - call @fn for every owner whose VMAs may map @p
	 * (folio_mkclean, try_to_unmap).  Default: every owner.
	 */
	bool (*rmap_walk)(struct kernel *k, struct page *p, owner_fn fn,
			  void *arg);

	/*
	 * writepage - write back the locked, dirty-cleared page @p for
	 * @inode at @inode's @index (iomap_writepage_map; a shared page's
	 * owners each have their own index, p->index is only the
	 * primary's).  @wpc: the writeback's ioend, for writepage_map().
	 * Default: writepage_map() of one host.
	 */
	void (*writepage)(struct kernel *k, struct iomap_writepage_ctx *wpc,
			  struct inode *inode, struct page *p, uint64_t index);

	/*
	 * map_blocks - the block @inode's page @index is written to.
	 * Default: xfs_map_blocks() (COW fork first).
	 */
	int (*map_blocks)(struct kernel *k, struct inode *inode,
			  uint64_t index, uint64_t *blockp, bool *cowp,
			  bool *unwrittenp);

	/*
	 * truncate_folio - drop locked page @p from (@m, @index) during
	 * truncate or hole punch.  Default: only that owner.
	 */
	void (*truncate_folio)(struct kernel *k, struct page *p,
			       struct address_space *m, uint64_t index);

	/* crash - after log recovery.  Default: nothing. */
	void (*crash)(struct kernel *k);

	/*
	 * read_miss - (@inode's mapping, @index) has no page: return one to
	 * use, already inserted there and referenced for the caller (it may
	 * be locked by a read in flight), or NULL to read a private page
	 * (mainline).  Context: as the read or fault that missed.
	 */
	struct page *(*read_miss)(struct kernel *k, struct task *t,
				  struct inode *inode, uint64_t index);

	/*
	 * block_changed - disk block @block is about to be overwritten (a
	 * write bio) or was freed: caches keyed by block must forget it.
	 */
	void (*block_changed)(struct kernel *k, uint64_t block);

	/* init/fini - set up and free k->policy_priv. */
	void (*init)(struct kernel *k);
	void (*fini)(struct kernel *k);

	/*
	 * state_hash - a digest of k->policy_priv for a state hash (pcsim
	 * explore, model/statehash.c), beyond the anonymous inodes, shared
	 * mappings and pages the core hashes itself.  Name objects by
	 * number (i_ino, block, index), never by address, and visit hash
	 * tables in an order-independent way (model/hashmix.h).
	 * Default: the policy keeps nothing else that decides its future.
	 */
	uint64_t (*state_hash)(const struct kernel *k);
};

/* The policy called @name, or NULL. */
const struct policy_ops *policy_lookup(const char *name);
/* The @i-th registered policy (registration order), or NULL past the end. */
const struct policy_ops *policy_nth(unsigned int i);

#endif /* PCSIM_MODEL_POLICY_H */
