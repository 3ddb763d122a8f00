// SPDX-License-Identifier: MIT
/*
 * model/anon.c - anonymous inodes that own page-cache pages for a design.
 *
 * Scope: sharing designs that keep pages in a cache of their own - the
 * physically indexed block-device cache of canonical-mapping, the
 * fingerprint-keyed inodes of ishare (fs/erofs/ishare.c) - get an inode that
 * is in no directory, has no blocks and no oracle file, and whose
 * address_space owns pages like any other.  The core checks their pages
 * with the rest, drops them at drop_caches, unmount and crash, and frees
 * them with the kernel.
 *
 * Invariants: an anonymous inode's pages are clean (files dirty private
 * copies); its i_size is the largest representable, so no page of it is
 * ever beyond EOF.
 */
#include <stdlib.h>

#include "model/core.h"
#include "model/never.h"

#define ANON_INO_BASE (1ULL << 62)

struct inode *anon_inode_new(struct kernel *k)
{
	struct inode *inode = calloc(1, sizeof(*inode));

	if (NEVER(!inode))
		abort();
	inode->i_ino = ANON_INO_BASE + k->anon_inodes->len;
	inode->i_size = inode->i_disk_size = (1ULL << 62);
	inode->i_df = bmap_new();
	inode->i_cowfp = bmap_new();
	rwsem_init(&inode->i_rwsem, "i_rwsem", LOCK_CLASS_I_RWSEM,
		   inode->i_ino);
	inode->i_mapping = &inode->i_data;
	inode_mapping_init(&inode->i_data, inode);
	g_ptr_array_add(k->anon_inodes, inode);
	return inode;
}

bool inode_is_anon(const struct inode *inode)
{
	return inode->i_ino >= ANON_INO_BASE;
}

/* Drop every page of every anonymous inode (from all its owners). */
void anon_inodes_drop_pages(struct kernel *k)
{
	guint i;

	for (i = 0; i < k->anon_inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->anon_inodes, i);
		uint64_t index;
		struct page *p;

		xa_for_each(&inode->i_mapping->i_pages, index, p)
			filemap_remove_folio_all(k, p);
	}
}

void anon_inodes_free(struct kernel *k)
{
	guint i;

	anon_inodes_drop_pages(k);
	for (i = 0; i < k->anon_inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->anon_inodes, i);

		xa_destroy(&inode->i_data.i_pages);
		bmap_free(inode->i_df);
		bmap_free(inode->i_cowfp);
		free(inode);
	}
	g_ptr_array_free(k->anon_inodes, TRUE);
}
