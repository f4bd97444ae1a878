/* SPDX-License-Identifier: MIT */
/*
 * The trap's answers, one per trapped call: the path is mapped
 * (trap_path()); outside every prefix the kernel does the call
 * (TRAP_CONTINUE); inside, the supervisor does it on the mapped path with
 * the caller's credentials and hands back the result, its out-parameters
 * written into the caller's memory. Descriptors: trap_open.c. Calls of
 * two paths, links, attributes, sockets, the working directory:
 * trap_more.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/stat.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "trap_calls.h"

/* fchmodat2(2), Linux 6.6: not in every header. */
#ifdef SYS_fchmodat2
#define TRAP_SYS_FCHMODAT2 SYS_fchmodat2
#else
#define TRAP_SYS_FCHMODAT2 (-1L)
#endif

long trap_unmapped(int r)
{
	return r == TRAP_PATH_KEEP ? TRAP_CONTINUE : r;
}

long trap_result(struct trap_call *c, long r)
{
	r = r < 0 ? -errno : r;
	trap_unbecome(c);
	return r;
}

/*
 * A symlink's size is its target's length: a target stored mapped
 * (trap_more.c) reads back unmapped, and is that long to the program.
 */
static long shown_link_size(struct trap_call *c, const char *path, long size)
{
	char target[PATH_MAX];
	long n = syscall(SYS_readlinkat, AT_FDCWD, path, target, sizeof(target) - 1);
	if (n < 0)
		return size;
	target[n] = '\0';
	if (map_unmap(&c->trap->table, target, target, sizeof(target)) != MAP_DONE)
		return size;
	return (long)strlen(target);
}

/* A lookup that follows a last symlink unless @flags has AT_SYMLINK_NOFOLLOW. */
static unsigned lookup(unsigned flags)
{
	return TRAP_LOOKUP | (flags & AT_SYMLINK_NOFOLLOW ? 0 : TRAP_FOLLOW);
}

/* stat, lstat, newfstatat. */
static long do_stat(struct trap_call *c, int dirfd, uint64_t path_addr, uint64_t buf, int flags)
{
	char path[PATH_MAX];
	int r = trap_path(c, dirfd, path_addr, path, NULL, lookup((unsigned)flags));
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	struct stat st;
	if ((r = trap_become(c, false)))
		return r;
	const char *at = trap_at(c, path);
	long ret = syscall(SYS_newfstatat, AT_FDCWD, at, &st, flags);
	if (ret == 0 && S_ISLNK(st.st_mode))
		st.st_size = shown_link_size(c, at, st.st_size);
	ret = trap_result(c, ret);
	return ret < 0 ? ret : trap_write(c, buf, &st, sizeof(st));
}

static long do_statx(struct trap_call *c)
{
	char path[PATH_MAX];
	int r = trap_path(c, TRAP_FD(0), TRAP_ARG(1), path, NULL, lookup((unsigned)TRAP_ARG(2)));
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	struct statx stx;
	if ((r = trap_become(c, false)))
		return r;
	const char *at = trap_at(c, path);
	long ret = syscall(SYS_statx, AT_FDCWD, at, (int)TRAP_ARG(2), (unsigned)TRAP_ARG(3), &stx);
	if (ret == 0 && S_ISLNK(stx.stx_mode) && (stx.stx_mask & STATX_SIZE))
		stx.stx_size = (uint64_t)shown_link_size(c, at, (long)stx.stx_size);
	ret = trap_result(c, ret);
	return ret < 0 ? ret : trap_write(c, TRAP_ARG(4), &stx, sizeof(stx));
}

static long do_statfs(struct trap_call *c)
{
	char path[PATH_MAX];
	int r = trap_path(c, AT_FDCWD, TRAP_ARG(0), path, NULL, TRAP_LOOKUP | TRAP_FOLLOW);
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	struct statfs st;
	if ((r = trap_become(c, false)))
		return r;
	long ret = trap_result(c, syscall(SYS_statfs, trap_at(c, path), &st));
	return ret < 0 ? ret : trap_write(c, TRAP_ARG(1), &st, sizeof(st));
}

/*
 * access, faccessat, faccessat2. access(2) checks with the real ids: a
 * root supervisor takes the caller's real (or, with AT_EACCESS, its
 * file-system) ids as its own file-system ids and asks with AT_EACCESS.
 */
static long do_access(struct trap_call *c, int dirfd, uint64_t path_addr, int mode, int flags)
{
	char path[PATH_MAX];
	int r = trap_path(c, dirfd, path_addr, path, NULL, lookup((unsigned)flags));
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	if ((r = trap_become(c, !(flags & AT_EACCESS))))
		return r;
	if (c->trap->root)
		flags |= AT_EACCESS;
	return trap_result(c, syscall(SYS_faccessat2, AT_FDCWD, trap_at(c, path), mode, flags));
}

/*
 * One mapped path and the call's other arguments as they are: mkdir(at),
 * unlink(at), rmdir, chmod family, chown family, truncate, mknod(at).
 * @nr: the call made on (AT_FDCWD, path, @a1, @a2, @a3); @how: trap_path()'s.
 */
static long do_simple(struct trap_call *c, int dirfd, uint64_t path_addr, unsigned how, long nr,
		      uint64_t a1, uint64_t a2, uint64_t a3)
{
	char path[PATH_MAX];
	int r = trap_path(c, dirfd, path_addr, path, NULL, how);
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	/* The private dirs are mount points to the program (shim/busy.c). */
	if ((nr == SYS_unlinkat || nr == SYS_rmdir) && map_is_stand_in(&c->trap->table, path))
		return -EBUSY;
	c->creates = nr == SYS_mkdirat || nr == SYS_mknodat;
	if (c->audit && (c->creates || nr == SYS_fchmodat || nr == TRAP_SYS_FCHMODAT2))
		c->audit->mode = (int)(a1 & 07777);
	if ((r = trap_become(c, false)))
		return r;
	const char *at = trap_at(c, path);
	if (nr == SYS_truncate || nr == SYS_rmdir)
		return trap_result(c, syscall(nr, at, a1));
	long ret = trap_result(c, syscall(nr, AT_FDCWD, at, a1, a2, a3));
	/* The permissions made, for the audit line, as the shim notes them. */
	struct stat st;
	if (c->audit && ret == 0 && c->creates && stat(at, &st) == 0)
		c->audit->perm = (int)(st.st_mode & 07777);
	return ret;
}

/* utimensat, and utime, utimes, futimesat through it. @times: NULL for now. */
static long do_times(struct trap_call *c, int dirfd, uint64_t path_addr,
		     const struct timespec *times, int flags)
{
	char path[PATH_MAX];
	int r = trap_path(c, dirfd, path_addr, path, NULL, lookup((unsigned)flags));
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	if ((r = trap_become(c, false)))
		return r;
	return trap_result(c, syscall(SYS_utimensat, AT_FDCWD, trap_at(c, path), times, flags));
}

static long do_utimensat(struct trap_call *c)
{
	struct timespec times[2];
	if (TRAP_ARG(2)) {
		int r = trap_read(c, TRAP_ARG(2), times, sizeof(times));
		if (r)
			return r == -EFAULT ? TRAP_CONTINUE : r;
	}
	return do_times(c, TRAP_FD(0), TRAP_ARG(1), TRAP_ARG(2) ? times : NULL, (int)TRAP_ARG(3));
}

/* utimes, futimesat: two struct timeval at @addr, or NULL. */
static long do_timevals(struct trap_call *c, int dirfd, uint64_t path_addr, uint64_t addr)
{
	struct timeval tv[2];
	struct timespec times[2];
	if (addr) {
		int r = trap_read(c, addr, tv, sizeof(tv));
		if (r)
			return r == -EFAULT ? TRAP_CONTINUE : r;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			times[i] = (struct timespec){tv[i].tv_sec, tv[i].tv_usec * 1000};
		}
	}
	return do_times(c, dirfd, path_addr, addr ? times : NULL, 0);
}

/* utime: a struct utimbuf (two longs: actime, modtime) at @addr, or NULL. */
static long do_utime(struct trap_call *c)
{
	long buf[2];
	struct timespec times[2];
	if (TRAP_ARG(1)) {
		int r = trap_read(c, TRAP_ARG(1), buf, sizeof(buf));
		if (r)
			return r == -EFAULT ? TRAP_CONTINUE : r;
		times[0] = (struct timespec){buf[0], 0};
		times[1] = (struct timespec){buf[1], 0};
	}
	return do_times(c, AT_FDCWD, TRAP_ARG(0), TRAP_ARG(1) ? times : NULL, 0);
}

/*
 * execve of a file in a redirected prefix: the kernel reads the path from
 * the caller's memory and no answer can change it, so it cannot run the
 * mapped file. Refused rather than run the real /tmp's (docs/trap.md).
 */
static long do_exec(struct trap_call *c, int dirfd, uint64_t path_addr)
{
	char path[PATH_MAX];
	int r = trap_path(c, dirfd, path_addr, path, NULL, 0);
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	return -EACCES;
}

#define AT TRAP_FD
#define ARG TRAP_ARG

/* The calls of one path and a flat result. TRAP_CONTINUE when not one of them. */
static long dispatch_simple(struct trap_call *c, long nr)
{
	switch (nr) {
	case SCMP_SYS(mkdir):
		return do_simple(c, AT_FDCWD, ARG(0), 0, SYS_mkdirat, ARG(1), 0, 0);
	case SCMP_SYS(mkdirat):
		return do_simple(c, AT(0), ARG(1), 0, SYS_mkdirat, ARG(2), 0, 0);
	case SCMP_SYS(unlink):
		return do_simple(c, AT_FDCWD, ARG(0), 0, SYS_unlinkat, 0, 0, 0);
	case SCMP_SYS(unlinkat):
		return do_simple(c, AT(0), ARG(1), 0, SYS_unlinkat, ARG(2), 0, 0);
	case SCMP_SYS(rmdir):
		return do_simple(c, AT_FDCWD, ARG(0), 0, SYS_rmdir, 0, 0, 0);
	case SCMP_SYS(chmod):
		return do_simple(c, AT_FDCWD, ARG(0), lookup(0), SYS_fchmodat, ARG(1), 0, 0);
	case SCMP_SYS(fchmodat):
		return do_simple(c, AT(0), ARG(1), lookup(0), SYS_fchmodat, ARG(2), 0, 0);
#ifdef SYS_fchmodat2
	case SCMP_SYS(fchmodat2):
		return do_simple(c, AT(0), ARG(1), lookup((unsigned)ARG(3)), SYS_fchmodat2, ARG(2),
				 ARG(3), 0);
#endif
	case SCMP_SYS(chown):
		return do_simple(c, AT_FDCWD, ARG(0), lookup(0), SYS_fchownat, ARG(1), ARG(2), 0);
	case SCMP_SYS(lchown):
		return do_simple(c, AT_FDCWD, ARG(0), lookup(AT_SYMLINK_NOFOLLOW), SYS_fchownat,
				 ARG(1), ARG(2), AT_SYMLINK_NOFOLLOW);
	case SCMP_SYS(fchownat):
		return do_simple(c, AT(0), ARG(1), lookup((unsigned)ARG(4)), SYS_fchownat, ARG(2),
				 ARG(3), ARG(4));
	case SCMP_SYS(truncate):
		return do_simple(c, AT_FDCWD, ARG(0), lookup(0), SYS_truncate, ARG(1), 0, 0);
	case SCMP_SYS(mknod):
		return do_simple(c, AT_FDCWD, ARG(0), 0, SYS_mknodat, ARG(1), ARG(2), 0);
	case SCMP_SYS(mknodat):
		return do_simple(c, AT(0), ARG(1), 0, SYS_mknodat, ARG(2), ARG(3), 0);
	case SCMP_SYS(access):
		return do_access(c, AT_FDCWD, ARG(0), (int)ARG(1), 0);
	case SCMP_SYS(faccessat):
		return do_access(c, AT(0), ARG(1), (int)ARG(2), 0);
	case SCMP_SYS(faccessat2):
		return do_access(c, AT(0), ARG(1), (int)ARG(2), (int)ARG(3));
	case SCMP_SYS(stat):
		return do_stat(c, AT_FDCWD, ARG(0), ARG(1), 0);
	case SCMP_SYS(lstat):
		return do_stat(c, AT_FDCWD, ARG(0), ARG(1), AT_SYMLINK_NOFOLLOW);
	case SCMP_SYS(newfstatat):
		return do_stat(c, AT(0), ARG(1), ARG(2), (int)ARG(3));
	case SCMP_SYS(statx):
		return do_statx(c);
	case SCMP_SYS(statfs):
		return do_statfs(c);
	case SCMP_SYS(utimensat):
		return do_utimensat(c);
	case SCMP_SYS(utime):
		return do_utime(c);
	case SCMP_SYS(utimes):
		return do_timevals(c, AT_FDCWD, ARG(0), ARG(1));
	case SCMP_SYS(futimesat):
		return do_timevals(c, AT(0), ARG(1), ARG(2));
	case SCMP_SYS(execve):
		return do_exec(c, AT_FDCWD, ARG(0));
	case SCMP_SYS(execveat):
		return do_exec(c, AT(0), ARG(1));
	}
	return TRAP_CONTINUE;
}

long trap_dispatch(struct trap_call *c)
{
	long nr = c->req->data.nr;
	long r = trap_dispatch_open(c, nr);
	if (r == TRAP_NOT_MINE)
		r = trap_dispatch_more(c, nr);
	if (r == TRAP_NOT_MINE)
		r = dispatch_simple(c, nr);
	return r;
}
