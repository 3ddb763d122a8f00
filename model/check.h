/* SPDX-License-Identifier: MIT */
/*
 * model/check.h - the invariant checker (DESIGN.md section 5 names).
 *
 * Two ways to check the same rules (model/check.c):
 *
 *   full sweep    every inode, page, PTE and mapped block: O(state);
 *   incremental   only the objects a step touched, which the model notes
 *                 at its mutation points in the check queue
 *                 (model/checkq.c): O(touched x log state) per step.
 *
 * enum check_mode says which runs after a step (kconfig.check_mode, `set
 * check-mode`); kconfig.check_interval spaces the full sweeps.  The end
 * of a run always sweeps everything (kernel_check_final).
 */
#ifndef PCSIM_MODEL_CHECK_H
#define PCSIM_MODEL_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

struct kernel;
struct page;
struct inode;
struct address_space;
struct mm_struct;
struct vm_area_struct;

enum check_mode {
	/*
	 * Full sweep after every step while the sweep covers at most
	 * CHECK_AUTO_SMALL objects (every scenario of the corpus), beyond
	 * that incremental with a full sweep every "size" steps.
	 */
	CHECK_AUTO = 0,
	CHECK_FULL,		/* full sweep every check_interval steps (1) */
	CHECK_INCREMENTAL,	/* touched objects after every step; full
				   sweeps every check_interval steps (by
				   default max(CHECK_SWEEP_MIN, size)) */
	CHECK_VERIFY,		/* both after every step; a violation the
				   sweep finds and the incremental check does
				   not is reported as "check-incomplete" */
};

#define CHECK_AUTO_SMALL 1024
#define CHECK_SWEEP_MIN 256

/* The name of @mode for `set check-mode`, or its number; -1 if unknown. */
const char *check_mode_name(int mode);
int check_mode_parse(const char *name);

/* Per-step sweep of pages, tags, PTEs and rmap.  Return: 0 or -1. */
int check_all(struct kernel *k);
/* Block refcounts against extent references.  Return: 0 or -1. */
int check_blocks(struct kernel *k);
/* check_blocks() plus a scan of every block's allocation state. */
int check_blocks_full(struct kernel *k);
/*
 * The rules of check_all() for the objects in the check queue only, which
 * it empties.  Return: 0 or -1, reporting under the rule's own name.
 */
int check_touched(struct kernel *k);

/* After each step / each returning call: what the mode says is due. */
void check_step(struct kernel *k);
void check_call(struct kernel *k);

/* ------------------------------------------------- the check queue */

enum check_mark_kind {
	CM_NONE = 0,	/* forgotten (its object was freed) */
	CM_PAGE,	/* @obj: struct page *: flags, owners, counts */
	CM_SLOT,	/* @obj: struct address_space *, @idx: i_pages index */
	CM_INODE,	/* @obj: struct inode *: size, locks, nrpages */
	CM_PTE,		/* @obj: struct mm_struct *, @idx: virtual page */
	CM_BLOCK,	/* @idx: disk block: refcount, state, DAX pfn */
	CM_IMMAP,	/* @obj: struct address_space *: its i_mmap tree */
};

struct check_mark {
	uint32_t kind;
	void *obj;
	uint64_t idx;
};

/*
 * struct check_queue - what the steps since the last check touched.
 * @marks: @len marks in marking order (room for @cap); pages appear
 *         once (page->check_slot), inodes once (inode->check_queued).
 *         A plain vector: appending is the hottest call of the checker.
 * @on: marks are recorded (any mode but CHECK_FULL).
 * @probing: check_touched() runs as a probe: a broken rule sets @hit
 *           instead of reporting (check_step() then lets the full sweep
 *           name it as a sweep after every step would).
 */
struct check_queue {
	struct check_mark *marks;
	uint32_t len;
	uint32_t cap;
	uint32_t limit;		/* marks a step may record: CHECK_SLOT_MAX
				   (unit tests lower it to reach overflow) */
	bool on;
	bool probing;
	bool hit;
	bool overflow;		/* marks were lost: sweep (model/checkq.c) */
	uint32_t last_slot;	/* 1 + position of the last CM_SLOT mark,
				   0 if none: a slot marked twice in a row
				   of its kind is queued once */
	uint64_t step;		/* kernel.steps at the last check_step() */
	/* the slot check_touched() looked at last (model/check.c) */
	const struct address_space *seen_m;
	uint64_t seen_index;
};

void checkq_init(struct check_queue *q, bool on);
void checkq_destroy(struct check_queue *q);
void checkq_clear(struct kernel *k);

/* Note a touched object.  All are no-ops while the queue is off. */
void check_mark_page(struct kernel *k, struct page *p);
void check_mark_slot(struct kernel *k, struct address_space *m,
		     uint64_t index);
void check_mark_tag(struct kernel *k, struct address_space *m,
		    uint64_t index);
void check_mark_inode(struct kernel *k, struct inode *inode);
void check_mark_pte(struct kernel *k, struct mm_struct *mm, uint64_t vpn);
void check_mark_block(struct kernel *k, uint64_t block);
/* @m's i_mmap changed (a VMA came or went). */
void check_mark_immap(struct kernel *k, struct address_space *m);
/* Every PTE in @vma's range and its i_mmap (its linkage changed). */
void check_mark_vma(struct kernel *k, struct vm_area_struct *vma);
/* i_size changes from @old: pages between old and new EOF and the inode. */
void check_mark_size(struct kernel *k, struct inode *inode, uint64_t old);

/* @obj (a page, mm or address_space) is being freed: drop its marks. */
void check_forget_page(struct kernel *k, struct page *p);
void check_forget(struct kernel *k, const void *obj);

#endif /* PCSIM_MODEL_CHECK_H */
