/* SPDX-License-Identifier: MIT */
/*
 * The trap's answers to calls of two paths (rename, link), to links made
 * and read (symlink, readlink), extended attributes, Unix sockets, inotify
 * and the working directory (chdir, getcwd).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"
#include "trap_calls.h"

#define ARG TRAP_ARG
#define AT TRAP_FD

/*
 * The target to store for a link in the pinned directory @dirfd to the
 * relative @target, as the shim stores one (shim/view.c): where the
 * kernel, following it from the link's real directory, would land
 * elsewhere than a mounted /tmp would (its ".." climb out of the stand-in,
 * or through a symlink), the absolute path it names there, mapped, in
 * @out; else @target. A walk that stops (a missing or looping component)
 * keeps @target: the kernel fails on it the same way.
 */
static const char *link_target(const struct map_table *table, int dirfd, const char *target,
			       char *out)
{
	char link[32], real_dir[PATH_MAX], shown[PATH_MAX], prog[PATH_MAX];
	char kernel[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	if (!map_has_dotdot(target))
		return target;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	ssize_t n = raw_readlink(link, real_dir, sizeof(real_dir) - 1);
	if (n <= 0)
		return target;
	real_dir[n] = '\0';
	if (map_unmap(table, real_dir, shown, sizeof(shown)) != MAP_DONE)
		return target; /* not in a prefix: the kernel follows it as natively */
	if (map_join(shown, target, prog, sizeof(prog)) < 0 ||
	    map_join(real_dir, target, kernel, sizeof(kernel)) < 0 ||
	    shim_resolve(table, prog, out, PATH_MAX) < 0)
		return target;
	size_t o = strlen(out), t = strlen(target);
	if (o >= 2 && !strcmp(out + o - 2, "/.") && !(t >= 2 && !strcmp(target + t - 2, "/.")))
		return target;
	if (map_canonical(realpath, kernel, a) && map_canonical(realpath, out, b) &&
	    strcmp(a, b) == 0)
		return target;
	map_collapse(kernel);
	return strcmp(kernel, out) == 0 ? target : out;
}

/*
 * After a rename made @name in the pinned @dirfd a symlink's name: one
 * whose relative target climbed within the stand-in where it was may
 * climb out of it here. It is made again, as symlink() would store it
 * here, under a free name beside it, and renamed over it.
 */
static void relink_moved(const struct map_table *table, int dirfd, const char *name)
{
	char target[PATH_MAX], out[PATH_MAX], spare[NAME_MAX + 1];
	if (dirfd < 0)
		return;
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (n <= 0 || target[0] == '/')
		return;
	target[n] = '\0';
	const char *stored = link_target(table, dirfd, target, out);
	if (stored == target)
		return;
	for (int tries = 0; tries < 8; tries++) {
		char random[TF_RANDOM_CHARS + 1];
		if (tf_random_chars(random, TF_RANDOM_CHARS) < 0)
			return;
		random[TF_RANDOM_CHARS] = '\0';
		snprintf(spare, sizeof(spare), ".tj-relink-%s", random);
		if (symlinkat(stored, dirfd, spare) < 0) {
			if (errno == EEXIST)
				continue;
			return;
		}
		if (renameat(dirfd, spare, dirfd, name) < 0)
			unlinkat(dirfd, spare, 0);
		return;
	}
}

/*
 * rename(at|at2), link(at): both paths. Neither redirected: the kernel's.
 * One in the root and one outside: two mounts to the program, EXDEV, as
 * across a mounted private /tmp.
 */
static long do_two(struct trap_call *c, long nr, int dirfd1, uint64_t path1, int dirfd2,
		   uint64_t path2, uint64_t flags)
{
	char from[PATH_MAX], to[PATH_MAX];
	/* linkat(2) with AT_SYMLINK_FOLLOW links what a last symlink of @path1 names. */
	unsigned how1 = TRAP_FULL;
	if (nr == SYS_linkat && (flags & AT_SYMLINK_FOLLOW))
		how1 |= TRAP_LOOKUP | TRAP_FOLLOW;
	int r1 = trap_path(c, dirfd1, path1, from, NULL, how1);
	if (r1 < 0)
		return r1;
	int r2 = trap_path(c, dirfd2, path2, to, NULL, TRAP_FULL);
	if (r2 < 0)
		return r2;
	if (r1 == TRAP_PATH_KEEP && r2 == TRAP_PATH_KEEP)
		return TRAP_CONTINUE;
	/* A descriptor ("" with AT_EMPTY_PATH) or a bad pointer: the kernel's answer. */
	if (!from[0] || !to[0])
		return TRAP_CONTINUE;
	const struct map_table *table = &c->trap->table;
	if (map_inside_root(table, from) != map_inside_root(table, to) ||
	    map_mount_of(table, from) != map_mount_of(table, to))
		return -EXDEV;
	if (nr == SYS_renameat2 && (map_is_stand_in(table, from) || map_is_stand_in(table, to)))
		return -EBUSY; /* the private dirs are mount points (shim/busy.c) */
	int err = trap_become(c, false);
	if (err)
		return err;
	long r = syscall(nr, AT_FDCWD, trap_at(c, from), AT_FDCWD, trap_at(c, to), flags);
	int saved = errno;
	/* Still with the caller's ids: the link made anew is the caller's own. */
	if (r == 0 && nr != SYS_linkat && nr != SYS_link) {
		int dirfd;
		const char *name = trap_at_fd(c, to, &dirfd);
		relink_moved(table, dirfd, name);
		if (nr == SYS_renameat2 && (flags & RENAME_EXCHANGE)) {
			name = trap_at_fd(c, from, &dirfd);
			relink_moved(table, dirfd, name);
		}
	}
	errno = saved;
	return trap_result(c, r);
}

/*
 * symlink(at): the link's path is mapped; an absolute target in a prefix
 * is stored mapped, as the shim stores it (shim/view.c), and read back
 * unmapped. A link made outside the root is the kernel's to make.
 */
static long do_symlink(struct trap_call *c, uint64_t target_addr, int dirfd, uint64_t path_addr)
{
	char target[PATH_MAX], stored[PATH_MAX], path[PATH_MAX];
	long n = trap_read_string(c, target_addr, target, sizeof(target));
	if (n < 0)
		return n == -EFAULT ? TRAP_CONTINUE : n;
	int r = trap_path(c, dirfd, path_addr, path, NULL, 0);
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	const struct map_table *table = &c->trap->table;
	if (target[0] == '/' && map_needs_walk(table, target) && !map_past_magic_link(target))
		map_collapse(target);
	int m = target[0] == '/' ? map_path(table, target, stored, sizeof(stored)) : MAP_KEEP;
	if (m < 0)
		return m;
	int err = trap_become(c, false);
	if (err)
		return err;
	int at;
	const char *name = trap_at_fd(c, path, &at);
	const char *kept = m == MAP_DONE      ? stored
			   : target[0] == '/' ? target
					      : link_target(table, at, target, stored);
	return trap_result(c, syscall(SYS_symlinkat, kept, at, name));
}

/* readlink(at): the target read back in the program's names. */
static long do_readlink(struct trap_call *c, int dirfd, uint64_t path_addr, uint64_t buf,
			uint64_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	if ((int)size <= 0)
		return TRAP_CONTINUE; /* EINVAL */
	int r = trap_path(c, dirfd, path_addr, path, NULL, TRAP_LOOKUP);
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	if ((r = trap_become(c, false)))
		return r;
	long n = trap_result(
	    c, syscall(SYS_readlinkat, AT_FDCWD, trap_at(c, path), target, PATH_MAX - 1));
	if (n < 0)
		return n;
	target[n] = '\0';
	if (map_unmap(&c->trap->table, target, target, sizeof(target)) == MAP_DONE)
		n = (long)strlen(target);
	if ((uint64_t)n > size)
		n = (long)size;
	r = trap_write(c, buf, target, (size_t)n);
	return r ? r : n;
}

/* The attribute name at @addr, into @name (XATTR_NAME_MAX + 1). */
static long xattr_name(struct trap_call *c, uint64_t addr, char *name)
{
	long n = trap_read_string(c, addr, name, XATTR_NAME_MAX + 1);
	return n == -ENAMETOOLONG ? -ERANGE : n;
}

/*
 * The path and, when @named, the attribute name of an xattr call: 0, or
 * the answer. @follow: the call is not an l...xattr one.
 */
static long xattr_args(struct trap_call *c, bool named, bool follow, char *path, char *name)
{
	int r =
	    trap_path(c, AT_FDCWD, ARG(0), path, NULL, TRAP_LOOKUP | (follow ? TRAP_FOLLOW : 0));
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	long n = named ? xattr_name(c, ARG(1), name) : 0;
	if (n < 0)
		return n == -EFAULT ? TRAP_CONTINUE : n; /* a bad name: EFAULT, as natively */
	return 0;
}

/*
 * getxattr, lgetxattr, listxattr, llistxattr (@list): the value into the
 * caller's buffer. @nr is the call on the path.
 */
static long do_xattr_get(struct trap_call *c, long nr, bool list)
{
	char path[PATH_MAX], name[XATTR_NAME_MAX + 1];
	static char value[XATTR_SIZE_MAX];
	bool follow = nr == SYS_getxattr || nr == SYS_listxattr;
	long n = xattr_args(c, !list, follow, path, name);
	if (n)
		return n;
	uint64_t addr = list ? ARG(1) : ARG(2), size = list ? ARG(2) : ARG(3);
	if (size > sizeof(value))
		size = sizeof(value);
	int r = trap_become(c, false);
	if (r)
		return r;
	const char *at = trap_at(c, path);
	n = list ? syscall(nr, at, size ? value : NULL, size)
		 : syscall(nr, at, name, size ? value : NULL, size);
	n = trap_result(c, n);
	if (n > 0 && size)
		r = trap_write(c, addr, value, (size_t)n);
	return r ? r : n;
}

/* setxattr, lsetxattr, removexattr, lremovexattr (@remove). */
static long do_xattr_set(struct trap_call *c, long nr, bool remove)
{
	char path[PATH_MAX], name[XATTR_NAME_MAX + 1];
	static char value[XATTR_SIZE_MAX];
	long n = xattr_args(c, true, nr == SYS_setxattr || nr == SYS_removexattr, path, name);
	if (n)
		return n;
	if (!remove && ARG(3) > sizeof(value))
		return -E2BIG;
	int r = remove ? 0 : trap_read(c, ARG(2), value, ARG(3));
	if (r)
		return r == -EFAULT ? TRAP_CONTINUE : r;
	if ((r = trap_become(c, false)))
		return r;
	const char *at = trap_at(c, path);
	return trap_result(c, remove ? syscall(nr, at, name)
				     : syscall(nr, at, name, value, ARG(3), ARG(4)));
}

/* A descriptor of the caller's, as ours, through pidfd_getfd(2). */
static int caller_fd(struct trap_call *c, int fd)
{
	int err = trap_creds_read(c);
	if (err)
		return err;
	int pidfd = (int)syscall(SYS_pidfd_open, c->creds.tgid, 0);
	if (pidfd < 0)
		return -errno; /* ESRCH when gone; EMFILE must not read as gone */
	int ours = (int)trap_pidfd_getfd(c->trap, pidfd, fd);
	err = ours < 0 ? ours : 0;
	close(pidfd);
	if (!err)
		err = trap_valid(c);
	if (err && ours >= 0)
		close(ours);
	return err ? err : ours;
}

/* inotify_add_watch: the watch is added to the caller's own inotify instance. */
static long do_inotify(struct trap_call *c)
{
	char path[PATH_MAX];
	unsigned how = TRAP_LOOKUP | (ARG(2) & IN_DONT_FOLLOW ? 0 : TRAP_FOLLOW);
	int r = trap_path(c, AT_FDCWD, ARG(1), path, NULL, how);
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	int fd = caller_fd(c, AT(0));
	if (fd < 0)
		return fd == -EBADF ? TRAP_CONTINUE : fd;
	if ((r = trap_become(c, false))) {
		close(fd);
		return r;
	}
	long wd = trap_result(c, inotify_add_watch(fd, trap_at(c, path), (uint32_t)ARG(2)));
	close(fd);
	return wd;
}

static long connect_work(struct trap_later *later)
{
	return connect(later->fd, (struct sockaddr *)&later->addr, later->addr_len) < 0 ? -errno
											: 0;
}

/* A connect waits while the listener's backlog is full: in a thread (trap_later()). */
static long connect_later(struct trap_call *c, int fd, const struct sockaddr_un *addr,
			  socklen_t size, const char *mapped)
{
	struct trap_later *later = calloc(1, sizeof(*later));
	int err = later ? trap_creds_read(c) : -ENOMEM;
	if (err) {
		free(later);
		close(fd);
		return err;
	}
	later->pin = trap_pin_take(c, mapped);
	later->own_pin = true;
	later->work = connect_work;
	later->fd = fd;
	later->own_fd = true;
	later->addr = *addr;
	later->addr_len = size;
	return trap_later(c, later);
}

/* A bind(2) made in a thread of its own (bind_thread()). */
struct bind_job {
	struct trap_call *c;
	int sock, dirfd;     /* the caller's socket; the pinned directory */
	const char *name;    /* the last name, in @dirfd */
	const char *in_root; /* the whole path below the root ("/tmp/d/s"), or NULL */
	long result;
};

/*
 * The address a socket is bound on is what getsockname(2) and every
 * peer's getpeername(2) report, and what others connect to: never
 * "/proc/self/fd/N/s", the launcher's descriptor, and never a text the
 * kernel would walk over the real tree, where a directory swapped for a
 * link would take the bind out of the root. So the thread unshares its
 * file-system context (root, working directory, umask are then its own)
 * and, when it may (a root supervisor: CAP_SYS_CHROOT), binds chrooted in
 * the root, on the program's own name ("/tmp/d/s"): no link can lead out
 * of a chroot. Otherwise it binds from the pinned directory by the last
 * name alone, the address the program is then told.
 */
static void *bind_thread(void *arg)
{
	struct bind_job *job = arg;
	struct trap_call *c = job->c;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	const char *name = job->name;
	job->result = 0;
	if (syscall(SYS_unshare, CLONE_FS) < 0)
		job->result = -errno;
	else if (job->in_root && fchdir(c->trap->root_fd) == 0 && chroot(".") == 0)
		name = job->in_root;
	else if (fchdir(job->dirfd) < 0)
		job->result = -errno;
	if (!job->result && strlen(name) >= sizeof(addr.sun_path))
		job->result = -ENAMETOOLONG;
	if (!job->result && (job->result = trap_become(c, false)))
		trap_unbecome(c);
	if (job->result)
		return NULL;
	memcpy(addr.sun_path, name, strlen(name) + 1);
	socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1);
	job->result = trap_result(c, bind(job->sock, (struct sockaddr *)&addr, size));
	return NULL;
}

/* bind(2) of the caller's socket (ours: @sock) on the pinned @mapped. */
static long bind_pinned(struct trap_call *c, int sock, const char *mapped)
{
	const struct map_table *table = &c->trap->table;
	struct bind_job job = {.c = c, .sock = sock};
	job.name = trap_at_fd(c, mapped, &job.dirfd);
	if (job.dirfd < 0)
		return -EACCES; /* never so: trap_path() pins every mapped path */
	if (c->trap->root && c->trap->root_fd >= 0 && map_inside_root(table, mapped))
		job.in_root = mapped + table->root_len;
	c->creates = true; /* the socket's file takes the umask */
	pthread_t thread;
	int err = pthread_create(&thread, NULL, bind_thread, &job);
	if (err)
		return -err;
	pthread_join(thread, NULL);
	return job.result;
}

/*
 * bind, connect of an AF_UNIX socket to a path in a prefix: done on the
 * caller's socket itself (pidfd_getfd), to the mapped path. /tmp/.X11-unix
 * and /tmp/.ICE-unix stay the real ones (map_socket_path()).
 */
static long do_socket(struct trap_call *c, bool bind_it)
{
	struct sockaddr_un addr;
	socklen_t len = (socklen_t)ARG(2);
	if (len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(addr))
		return TRAP_CONTINUE;
	int r = trap_read(c, ARG(1), &addr, len);
	if (r)
		return r == -EFAULT ? TRAP_CONTINUE : r;
	if (addr.sun_family != AF_UNIX || addr.sun_path[0] != '/')
		return TRAP_CONTINUE; /* abstract, unnamed, relative: as natively */
	char path[sizeof(addr.sun_path) + 1], mapped[PATH_MAX];
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	memcpy(path, addr.sun_path, n);
	path[n] = '\0';
	int m = map_socket_path(&c->trap->table, path, mapped, sizeof(mapped));
	if (m != MAP_DONE)
		return m < 0 ? m : TRAP_CONTINUE;
	/* bind(2) makes the last name; connect(2) follows a link there. */
	if ((r = trap_pin(c, mapped, path, bind_it ? 0 : TRAP_LOOKUP | TRAP_FOLLOW)))
		return r;
	trap_audit_path(c, path, mapped);
	const char *at = trap_at(c, mapped);
	if (!bind_it && strlen(at) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	int fd = caller_fd(c, AT(0));
	if (fd < 0)
		return fd == -EBADF ? TRAP_CONTINUE : fd;
	if (bind_it) {
		long ret = bind_pinned(c, fd, mapped);
		close(fd);
		return ret;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", at);
	socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(at) + 1);
	return connect_later(c, fd, &addr, size, mapped);
}

/*
 * chdir into a redirected directory: checked as the kernel would, then
 * held as the caller's virtual cwd (trap_cwd.c). Elsewhere the kernel
 * moves the real cwd, and a virtual one ends.
 */
static long do_chdir(struct trap_call *c)
{
	char path[PATH_MAX], raw[PATH_MAX], real[PATH_MAX];
	int r = trap_path(c, AT_FDCWD, ARG(0), path, raw, TRAP_LOOKUP | TRAP_FOLLOW);
	if (r < 0)
		return r;
	if (r == TRAP_PATH_KEEP) {
		/* A chdir the kernel does moves the real cwd; the virtual one ends with it. */
		struct stat st;
		if (raw[0] == '/' && stat(raw, &st) == 0 && S_ISDIR(st.st_mode))
			trap_cwd_drop(c);
		return TRAP_CONTINUE;
	}
	if ((r = trap_become(c, false)))
		return r;
	int fd = open(trap_at(c, path), O_PATH | O_DIRECTORY | O_CLOEXEC);
	long err = fd < 0 ? -errno : 0;
	if (!err && syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) < 0)
		err = -errno;
	trap_unbecome(c);
	if (fd >= 0) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = raw_readlink(link, real, sizeof(real) - 1);
		close(fd);
		if (n < 0 && !err)
			err = -ENOENT;
		real[n < 0 ? 0 : n] = '\0';
	}
	if (err)
		return err;
	/* Canonical, in the program's names: what getcwd will say. */
	if (map_unmap(&c->trap->table, real, real, sizeof(real)) < 0)
		return -ENAMETOOLONG;
	return trap_cwd_set(c, real);
}

/* getcwd: a virtual cwd, or a real one inside the root, in the program's names. */
static long do_getcwd(struct trap_call *c)
{
	char cwd[PATH_MAX];
	int v = trap_cwd_get(c, cwd);
	if (v < 0)
		return v;
	if (v == 0) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)c->pid);
		long n = trap_proc_readlink(c->trap, link, cwd, sizeof(cwd) - 1);
		if (n < 0)
			return TRAP_CONTINUE;
		cwd[n] = '\0';
		if (map_unmap(&c->trap->table, cwd, cwd, sizeof(cwd)) != MAP_DONE)
			return TRAP_CONTINUE;
	}
	size_t len = strlen(cwd) + 1;
	if (len > ARG(1))
		return -ERANGE;
	int r = trap_write(c, ARG(0), cwd, len);
	return r ? r : (long)len;
}

long trap_dispatch_more(struct trap_call *c, long nr)
{
	switch (nr) {
	case SCMP_SYS(rename):
		return do_two(c, SYS_renameat2, AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), 0);
	case SCMP_SYS(renameat):
		return do_two(c, SYS_renameat2, AT(0), ARG(1), AT(2), ARG(3), 0);
	case SCMP_SYS(renameat2):
		return do_two(c, SYS_renameat2, AT(0), ARG(1), AT(2), ARG(3), ARG(4));
	case SCMP_SYS(link):
		return do_two(c, SYS_linkat, AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), 0);
	case SCMP_SYS(linkat):
		return do_two(c, SYS_linkat, AT(0), ARG(1), AT(2), ARG(3), ARG(4));
	case SCMP_SYS(symlink):
		return do_symlink(c, ARG(0), AT_FDCWD, ARG(1));
	case SCMP_SYS(symlinkat):
		return do_symlink(c, ARG(0), AT(1), ARG(2));
	case SCMP_SYS(readlink):
		return do_readlink(c, AT_FDCWD, ARG(0), ARG(1), ARG(2));
	case SCMP_SYS(readlinkat):
		return do_readlink(c, AT(0), ARG(1), ARG(2), ARG(3));
	case SCMP_SYS(getxattr):
	case SCMP_SYS(lgetxattr):
	case SCMP_SYS(listxattr):
	case SCMP_SYS(llistxattr):
		return do_xattr_get(c, nr, nr == SCMP_SYS(listxattr) || nr == SCMP_SYS(llistxattr));
	case SCMP_SYS(setxattr):
	case SCMP_SYS(lsetxattr):
	case SCMP_SYS(removexattr):
	case SCMP_SYS(lremovexattr):
		return do_xattr_set(c, nr,
				    nr == SCMP_SYS(removexattr) || nr == SCMP_SYS(lremovexattr));
	case SCMP_SYS(inotify_add_watch):
		return do_inotify(c);
	case SCMP_SYS(bind):
		return do_socket(c, true);
	case SCMP_SYS(connect):
		return do_socket(c, false);
	case SCMP_SYS(chdir):
		return do_chdir(c);
	case SCMP_SYS(getcwd):
		return do_getcwd(c);
	}
	return TRAP_NOT_MINE;
}
