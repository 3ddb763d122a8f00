// SPDX-License-Identifier: MIT
/*
 * model/sysops.c - the FN_SYSCALL frame: one system call from request to
 * result.
 *
 * Scope: argument checks the VFS does before a file system sees the call
 * (fd modes, negative or overflowing ranges), the choice of the operation's
 * frame, and the translation of its return value into struct sys_res the
 * way the syscall layer does it (e.g. ioctl_file_clone's "short clone is
 * EINVAL").  Whole-system operations (sync, drop_caches, unmount, crash) live
 * here too.
 */
#include <stdlib.h>
#include <string.h>

#include "model/core.h"
#include "model/never.h"
#include "model/oracle.h"
#include "model/policy.h"
#include "model/remap.h"
#include "model/sysops.h"

#define MAX_LFS_FILESIZE ((1ULL << 63) - 1)
#define DEDUPE_MAX (1ULL << 30)

enum { WB_SYNC_NONE = 0, WB_SYNC_ALL = 1, WB_KUPDATE = 2 };

static struct file *fd_file(struct task *t, int fd)
{
	if (fd < 0 || fd >= PROC_MAX_FILES)
		return NULL;
	return t->proc->files[fd];
}

static int sys_open(struct kernel *k, struct task *t)
{
	const struct sys_req *r = &t->req;
	struct inode *inode = inode_lookup(k, r->name);
	struct file *f;
	int fd;

	if (!inode && !(r->flags & SYSF_CREAT))
		return -ENOENT;
	for (fd = 0; fd < PROC_MAX_FILES && t->proc->files[fd]; fd++)
		;
	if (fd == PROC_MAX_FILES)
		return -EMFILE;
	if (!inode) {
		inode = inode_new(k);
		inode_link(k, r->name, inode);
	}
	f = calloc(1, sizeof(*f));
	if (NEVER(!f))
		abort();
	f->inode = inode;
	f->f_flags = (r->flags & SYSF_RDONLY ? 0 : FILE_WRITE) |
		     (r->flags & SYSF_DIRECT ? FILE_DIRECT : 0);
	f->f_wb_err = inode->i_mapping->wb_err;
	inode->i_count++;
	t->proc->files[fd] = f;
	t->res.fd = fd;
	return 0;
}

/* invalidate_mapping_pages of one inode: clean, unused pages go. */
static void invalidate_clean_pages(struct kernel *k, struct inode *inode)
{
	uint64_t index;
	struct page *p;

	xa_for_each(&inode->i_mapping->i_pages, index, p) {
		if (p->flags & ((1UL << PG_dirty) | (1UL << PG_locked) |
				(1UL << PG_writeback)) ||
		    folio_mapped(p) || p->refcount > (int)folio_nr_owners(p))
			continue;
		filemap_remove_folio_all(k, p);
	}
}

/*
 * drop_caches: every inode, and the anonymous inodes of a design's own
 * cache, whose pages files may map too (those stay, as the files' do).
 */
static void drop_caches(struct kernel *k)
{
	guint i;

	for (i = 0; i < k->inodes->len; i++)
		invalidate_clean_pages(k, g_ptr_array_index(k->inodes, i));
	for (i = 0; i < k->anon_inodes->len; i++)
		invalidate_clean_pages(k, g_ptr_array_index(k->anon_inodes, i));
}

/**
 * check_disk - the "data" invariant at quiescent points: after writeback of
 * everything, each live file's blocks read back as the oracle's bytes.
 */
void check_disk(struct kernel *k, const char *when)
{
	guint i;

	for (i = 0; i < k->inodes->len && !k->violation; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);
		uint64_t off, bad;

		if (inode->evicted)
			continue;
		for (off = 0; off < inode->i_size; off += kpage_size(k)) {
			const struct content *c = read_file_page(
				k, inode, off >> k->page_shift);
			uint64_t n = inode->i_size - off;
			int r;

			r = oracle_check_read(k->oracle, inode->i_ino, off, c,
					      0, n < kpage_size(k) ?
					      n : kpage_size(k), &bad);
			content_put(k->pool, c);
			if (r) {
				kernel_report(k, "data",
					      "after %s the disk holds wrong data for inode %llu at offset %llu",
					      when,
					      (unsigned long long)inode->i_ino,
					      (unsigned long long)bad);
				break;
			}
		}
	}
}

/* Is a file open or mapped?  Then umount fails with EBUSY. */
static bool fs_busy(struct kernel *k)
{
	guint i;

	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		if (!inode->evicted && inode->i_count)
			return true;
	}
	return false;
}

/* umount after sync: evict every inode's pages and COW staging extents. */
static void unmount_evict(struct kernel *k)
{
	guint i;

	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);
		uint64_t index;
		struct page *p;

		if (inode->evicted)
			continue;
		mapping_detach(k, inode);
		xa_for_each(&inode->i_mapping->i_pages, index, p)
			filemap_remove_folio(k, p, inode->i_mapping, index);
		inode_free_blocks(k, inode, inode->i_cowfp, 0, UINT64_MAX);
	}
	anon_inodes_drop_pages(k);
	xfs_log_force(k);
}

/* Power cut: every process dies; the page cache and in-flight I/O vanish. */
static void crash_discard(struct kernel *k)
{
	guint i;

	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		unmap_mapping_range(k, inode->i_mapping, 0,
				    UINT64_MAX >> k->page_shift, true);
	}

	kernel_discard_io(k, true);
	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);
		uint64_t index;
		struct page *p;

		xa_for_each(&inode->i_mapping->i_pages, index, p) {
			p->flags &= ~((1u << PG_dirty) | (1u << PG_writeback));
			xa_clear_mark(&inode->i_mapping->i_pages, index,
				      PAGECACHE_TAG_DIRTY);
			xa_clear_mark(&inode->i_mapping->i_pages, index,
				      PAGECACHE_TAG_WRITEBACK);
			xa_clear_mark(&inode->i_mapping->i_pages, index,
				      PAGECACHE_TAG_TOWRITE);
			filemap_remove_folio(k, p, inode->i_mapping, index);
		}
	}
	anon_inodes_drop_pages(k);
}

static const struct content *crash_read(void *ctx, uint64_t id, uint64_t idx)
{
	struct kernel *k = ctx;

	return read_file_page(k, kernel_inode(k, id), idx);
}

/*
 * After sync: every byte sync made durable (the state when it started) and
 * no task changed since is on the disk.  Writes racing with the sync need
 * not be.
 */
static void check_synced(struct kernel *k, uint64_t epoch)
{
	GString *why = g_string_new(NULL);
	guint i;

	for (i = 0; i < k->inodes->len && !k->violation; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);

		if (inode->evicted)
			continue;
		g_string_truncate(why, 0);
		if (oracle_check_durable(k->oracle, inode->i_ino, epoch,
					 inode->i_size, crash_read, k, why))
			kernel_report(k, "data", "after sync: %s", why->str);
	}
	g_string_free(why, TRUE);
}

/* After recovery: everything fsync'ed must have survived. */
static void crash_check(struct kernel *k)
{
	GString *why = g_string_new(NULL);
	guint i;

	oracle_calls_lost(k->oracle);	/* unfinished calls promised nothing */
	for (i = 0; i < k->inodes->len; i++) {
		struct inode *inode = g_ptr_array_index(k->inodes, i);
		bool exists = !inode->evicted;

		if (!oracle_exists(k->oracle, inode->i_ino)) {
			if (!exists)
				continue;
			oracle_create(k->oracle, inode->i_ino);
		}
		g_string_truncate(why, 0);
		if (oracle_crash(k->oracle, inode->i_ino, exists,
				 inode->i_size, crash_read, k, why))
			kernel_report(k, "data", "after crash: %s", why->str);
	}
	g_string_free(why, TRUE);
}

static void sys_crash(struct kernel *k)
{
	if (k->flusher)		/* kernel threads die with the rest */
		kernel_abort_call(k, k->flusher);
	if (k->kswapd)
		kernel_abort_call(k, k->kswapd);
	crash_discard(k);
	xfs_log_recover(k);
	if (k->policy->crash)
		k->policy->crash(k);
	crash_check(k);
}

/* Range checks of rw_verify_area / vfs_fallocate.  Return: 0 or -errno. */
static int check_range(uint64_t off, uint64_t len)
{
	if (off > MAX_LFS_FILESIZE || len > MAX_LFS_FILESIZE - off)
		return off > MAX_LFS_FILESIZE ? -EINVAL : -EFBIG;
	return 0;
}

static void start_range(struct task *t, enum fn_id fn, struct file *f,
			uint64_t pos, uint64_t end, unsigned int flags)
{
	struct frame c = { 0 };

	c.u.r.file = f;
	c.u.r.inode = f->inode;
	c.u.r.pos = pos;
	c.u.r.end = end;
	c.u.r.flags = flags;
	c.u.r.byte = t->req.byte;
	task_call(t, fn, &c);
}

static int start_rw(struct task *t, struct file *f)
{
	const struct sys_req *r = &t->req;
	bool direct = f->f_flags & FILE_DIRECT;
	int err = check_range(r->off, r->len);

	if (err)
		return err;
	if (r->kind == SYS_PWRITE) {
		if (!(f->f_flags & FILE_WRITE))
			return -EBADF;
		start_range(t, direct ? FN_DIO_WRITE : FN_BUFFERED_WRITE, f,
			    r->off, r->off + r->len, 0);
	} else {
		start_range(t, direct ? FN_DIO_READ : FN_BUFFERED_READ, f,
			    r->off, r->off + r->len, 0);
	}
	return 0;
}

static int start_md5(struct kernel *k, struct task *t, struct file *f)
{
	struct range_locals *l;

	start_range(t, FN_BUFFERED_READ, f, 0, MAX_LFS_FILESIZE, 0);
	l = &t->stack[t->depth - 1].u.r;
	l->md5 = bstream_new();
	/* the file's generation when the read starts, for finish_md5() */
	l->start = oracle_generation(k->oracle, f->inode->i_ino);
	return 0;
}

static int start_maccess(struct task *t, bool write)
{
	const struct sys_req *r = &t->req;
	struct frame c = { 0 };

	c.u.a.addr = r->addr;
	c.u.a.end = r->addr + r->len;
	c.u.a.flags = (r->flags & SYSF_REVERSE) |
		      (write ? FAULT_FLAG_WRITE : 0);
	c.u.a.byte = r->byte;
	task_call(t, FN_MACCESS, &c);
	return 0;
}

static int start_msync(struct kernel *k, struct task *t)
{
	const struct sys_req *r = &t->req;
	struct vm_area_struct *vma = find_vma(t->proc->mm, r->addr);
	struct frame c = { 0 };

	if (r->addr & (kpage_size(k) - 1))
		return -EINVAL;
	if (!vma || r->addr + r->len > vma->vm_end)
		return -ENOMEM;
	if (!(r->flags & SYSF_MS_SYNC))
		return 0;	/* MS_ASYNC and MS_INVALIDATE: nothing to do */
	c.u.r.inode = vma->mapping->host;
	task_call(t, FN_FSYNC, &c);
	return 0;
}

/* ip->i_delayed_blks: delalloc blocks of the data and COW forks. */
static int count_delalloc(const struct bmap_irec *irec, void *arg)
{
	if (irec->br_state == EXT_DELALLOC)
		*(uint64_t *)arg += irec->br_blockcount;
	return 0;
}

static uint64_t i_delayed_blks(const struct inode *inode)
{
	uint64_t n = 0;

	bmap_walk(inode->i_df, 0, UINT64_MAX, count_delalloc, &n);
	bmap_walk(inode->i_cowfp, 0, UINT64_MAX, count_delalloc, &n);
	return n;
}

/*
 * open(O_TRUNC): handle_truncate -> do_truncate -> xfs_setattr_size to 0,
 * which returns at once for a file that is empty and has no extent ("short
 * circuit the truncate case for zero length files").  The descriptor is
 * installed first, as do_open truncates the file it opened.
 */
static void start_open_trunc(struct task *t)
{
	struct file *f = fd_file(t, t->res.fd);
	struct inode *inode = f->inode;

	if (!(f->f_flags & FILE_WRITE) ||
	    (!inode->i_size && !bmap_nextents(inode->i_df)))
		return;
	start_range(t, FN_TRUNCATE, f, 0, 0, 0);
}

/*
 * close(2), the file's last reference (fput -> xfs_file_release): "if we
 * previously truncated this file and removed old data in the process, we
 * want to initiate early writeout on the last close" (the NULL files
 * problem).  After a truncate down, a file with delalloc blocks is written
 * back.  The kernel's filemap_flush only submits the I/O; here the close
 * also waits for it (filemap_write_and_wait), standing for "the I/O has
 * completed before anything else looks", which a real machine gives in
 * well under the time the next command takes to start; pcsim completes
 * I/O only while a task waits.  The descriptor goes when that returns
 * (syscall_finish()).
 */
static int start_close(struct task *t, struct file *f)
{
	struct inode *inode;

	if (!f)
		return -EBADF;
	inode = f->inode;
	if (!(inode->i_flags & XFS_ITRUNCATED))
		return 0;
	inode->i_flags &= ~XFS_ITRUNCATED;
	if (i_delayed_blks(inode))
		task_call_range(t, FN_WRITE_AND_WAIT, inode, 0, UINT64_MAX);
	return 0;
}

static int start_truncate(struct task *t, struct file *f)
{
	if (t->req.off > MAX_LFS_FILESIZE)
		return -EINVAL;
	if (!(f->f_flags & FILE_WRITE))
		return -EINVAL;
	start_range(t, FN_TRUNCATE, f, t->req.off, 0, 0);
	return 0;
}

static int start_fallocate(struct task *t, struct file *f)
{
	const struct sys_req *r = &t->req;
	int err;

	if (!r->len)
		return -EINVAL;
	err = check_range(r->off, r->len);
	if (err)
		return err;
	if (!(f->f_flags & FILE_WRITE))
		return -EBADF;
	start_range(t, FN_FALLOCATE, f, r->off, r->off + r->len,
		    r->flags & (SYSF_FALLOC_KEEP_SIZE | SYSF_FALLOC_PUNCH_HOLE |
				SYSF_FALLOC_ZERO_RANGE));
	return 0;
}

static int start_remap(struct task *t, struct file *dst, bool dedupe)
{
	const struct sys_req *r = &t->req;
	struct file *src = fd_file(t, r->fd2);
	struct frame c = { 0 };

	if (!src)
		return -EBADF;
	if (check_range(r->off2, r->len) || check_range(r->off, r->len))
		return -EINVAL;
	if (dedupe && r->off2 + r->len > src->inode->i_size)
		return -EINVAL;
	c.u.m.src = src;
	c.u.m.dst = dst;
	c.u.m.pos_in = r->off2;
	c.u.m.pos_out = r->off;
	c.u.m.len = dedupe && r->len > DEDUPE_MAX ? DEDUPE_MAX : r->len;
	c.u.m.req_len = c.u.m.len;
	c.u.m.remap_flags = dedupe ? REMAP_FILE_DEDUP | REMAP_FILE_CAN_SHORTEN :
				     0;
	if (dedupe && !c.u.m.len)
		return 0;
	task_call(t, FN_REMAP, &c);
	return 0;
}

static int start_sync(struct task *t, unsigned int mode)
{
	struct frame c = { 0 };

	c.u.r.flags = mode;
	task_call(t, FN_SYNC_ALL, &c);
	return 0;
}

/**
 * fn_nanosleep - sleep r.end virtual nanoseconds: arm a timer event and
 * wait for it (hrtimer_nanosleep).  Return (frame): 0.
 */
enum step_result fn_nanosleep(struct kernel *k, struct task *t,
			      struct frame *f)
{
	t->step_name = "hrtimer_nanosleep";
	if (f->pc == 0) {
		t->timer_fired = false;
		eventq_push(&k->events, f->u.r.end, KEV_TIMER, t);
		f->pc = 1;
		return task_block(t, WAIT_TIMER, t);
	}
	return task_return(t, 0);
}

/* Step 0 of FN_SYSCALL: checks, atomic calls, or the operation's frame. */
static int syscall_start(struct kernel *k, struct task *t)
{
	const struct sys_req *r = &t->req;
	struct file *f = fd_file(t, r->fd);
	int err;

	switch (r->kind) {
	case SYS_OPEN:
		t->res.fd = -1;		/* none until installed */
		err = sys_open(k, t);
		if (!err && (r->flags & SYSF_TRUNC))
			start_open_trunc(t);
		return err;
	case SYS_UNLINK:
		if (!inode_lookup(k, r->name))
			return -ENOENT;
		inode_unlink(k, r->name);
		return 0;
	case SYS_MMAP:
		if (!f)
			return -EBADF;
		return do_mmap(k, t->proc->mm, f, r->off, r->len,
			       (r->flags & SYSF_PROT_READ ? VM_READ : 0) |
			       (r->flags & SYSF_PROT_WRITE ? VM_WRITE : 0) |
			       (r->flags & SYSF_PROT_EXEC ? VM_EXEC : 0),
			       &t->res.addr);
	case SYS_MUNMAP:
		return do_munmap(k, t->proc->mm, r->addr, r->len);
	case SYS_MSTORE:
	case SYS_MLOAD:
		return start_maccess(t, r->kind == SYS_MSTORE);
	case SYS_MSYNC:
		return start_msync(k, t);
	case SYS_SYNC:
		return start_sync(t, WB_SYNC_ALL);
	case SYS_WRITEBACK:
		return start_sync(t, r->flags & SYSF_KUPDATE ? WB_KUPDATE :
							WB_SYNC_NONE);
	case SYS_CYCLE_MOUNT:
		if (fs_busy(k))
			return -EBUSY;	/* umount: target is busy */
		return start_sync(t, WB_SYNC_ALL);
	case SYS_DROP_CACHES:
		drop_caches(k);
		return 0;
	case SYS_CRASH:
		sys_crash(k);
		return 0;
	case SYS_KSWAPD:
		task_call_range(t, FN_KSWAPD, NULL, 0, 0);
		return 0;
	case SYS_NANOSLEEP:
		if (r->len)
			task_call_range(t, FN_NANOSLEEP, NULL, 0, r->len);
		return 0;
	default:
		break;
	}
	if (!f)
		return -EBADF;
	switch (r->kind) {
	case SYS_CLOSE:
		return start_close(t, f);
	case SYS_PWRITE:
	case SYS_PREAD:
		return start_rw(t, f);
	case SYS_READ_MD5:
		return start_md5(k, t, f);
	case SYS_FSYNC:
	case SYS_FDATASYNC:
		start_range(t, FN_FSYNC, f, 0, 0, 0);
		return 0;
	case SYS_FTRUNCATE:
		return start_truncate(t, f);
	case SYS_FALLOCATE:
		return start_fallocate(t, f);
	case SYS_CLONE:
	case SYS_DEDUPE:
		if (!(f->f_flags & FILE_WRITE))
			return -EBADF;
		err = start_remap(t, f, r->kind == SYS_DEDUPE);
		return err;
	default:
		return -ENOSYS;
	}
}

static void finish_md5(struct kernel *k, struct task *t, struct frame *callee)
{
	struct bstream *got = callee->u.r.md5, *want;
	uint64_t ino = callee->u.r.inode->i_ino;

	callee->u.r.md5 = NULL;
	if (k->cfg.quiet)
		bstream_fast_digest(got, t->res.md5);
	else
		bstream_md5(got, t->res.md5);
	/*
	 * Every page read was checked against the oracle when it was read;
	 * the whole file can be compared too, byte for byte (as runs), when
	 * nothing changed the file during the read (read(2) is not atomic).
	 */
	if (oracle_generation(k->oracle, ino) == callee->u.r.start) {
		want = oracle_bytes(k->oracle, ino);
		if (!bstream_equal(want, got))
			kernel_report(k, "data", "md5sum of inode %llu differs from the oracle",
				      (unsigned long long)ino);
		bstream_free(want);
	}
	bstream_free(got);
}

/* fsync's error reporting: file_check_and_advance_wb_err. */
static int64_t fsync_wb_err(struct task *t, int64_t ret)
{
	struct file *f = fd_file(t, t->req.fd);

	if (!f || ret)
		return ret;
	if (f->f_wb_err != f->inode->i_mapping->wb_err) {
		f->f_wb_err = f->inode->i_mapping->wb_err;
		return -EIO;
	}
	return 0;
}

/* Step 1 of FN_SYSCALL: the operation returned @ret. */
static void syscall_finish(struct kernel *k, struct task *t, int64_t ret)
{
	struct sys_res *res = &t->res;
	const struct sys_req *r = &t->req;

	switch (r->kind) {
	case SYS_OPEN:		/* O_TRUNC failed: the open fails */
		if (ret < 0 && fd_file(t, res->fd))
			sys_close_fd(k, t->proc, res->fd);
		break;
	case SYS_CLOSE:
		if (fd_file(t, r->fd))
			sys_close_fd(k, t->proc, r->fd);
		break;
	case SYS_MSTORE:
	case SYS_MLOAD:
		res->sigbus = ret == FAULT_SIGBUS;
		res->sigsegv = ret == FAULT_SIGSEGV;
		return;
	case SYS_FSYNC:
	case SYS_FDATASYNC:
		ret = fsync_wb_err(t, ret);
		break;
	case SYS_CLONE:		/* ioctl_file_clone */
		if (ret >= 0 && r->len && (uint64_t)ret != r->len)
			ret = -EINVAL;
		break;
	case SYS_DEDUPE:	/* vfs_dedupe_file_range: bytes_deduped = len */
		if (ret >= 0)
			ret = r->len > DEDUPE_MAX ? DEDUPE_MAX : r->len;
		break;
	case SYS_SYNC:		/* FN_SYNC_ALL returned its epoch */
		if (ret > 0)
			check_synced(k, (uint64_t)ret);
		ret = ret < 0 ? ret : 0;
		break;
	case SYS_CYCLE_MOUNT:
		if (ret < 0)
			break;
		ret = 0;
		unmount_evict(k);
		check_disk(k, "cycle_mount");
		break;
	default:
		break;
	}
	if (ret < 0)
		res->err = (int)-ret;
	else if (r->kind != SYS_CLONE)
		res->done = (uint64_t)ret;
	else
		res->done = (uint64_t)ret;
}

/**
 * fn_syscall - the bottom frame of every task: start, then finish.
 */
enum step_result fn_syscall(struct kernel *k, struct task *t, struct frame *f)
{
	int err;

	switch (f->pc) {
	case 0:
		t->step_name = "syscall";
		f->pc = 1;
		err = syscall_start(k, t);
		if (err || t->depth == 1)
			f->ret = err;
		else if (t->req.kind == SYS_READ_MD5)
			f->pc = 2;
		return STEP_NEXT;
	case 2:		/* md5: the callee's frame is still in the stack slot */
		finish_md5(k, t, &t->stack[1]);
		/* fall through */
	case 1:
		t->step_name = "syscall_exit";
		syscall_finish(k, t, f->ret);
		return task_return(t, 0);
	}
	abort();
}
