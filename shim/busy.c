/* SPDX-License-Identifier: MIT */
/*
 * Removing or renaming a private dir itself. On a mounted private /tmp,
 * "/tmp" is a mount point: rmdir and rename fail with EBUSY. Under the
 * shim it is a plain directory, R/tmp, which rmdir("/tmp") of an empty
 * private dir would remove, taking /tmp away from the rest of the run. So
 * a call whose path, once mapped, is the root or a stand-in itself fails
 * with EBUSY, as on the mount (whatever name it was reached by). And a
 * rename from one private dir to another, or between one and the rest of
 * the system, fails with EXDEV, as between two mounts (mv then copies).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "shim.h"

/* Is a last component of @path a name, not "." or ".." (for which the
 * kernel has its own EINVAL or ENOTEMPTY, as natively)? */
static bool busy_name_ok(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && path[start - 1] != '/')
		start--;
	size_t len = n - start;
	return !(path[start] == '.' && (len == 1 || (len == 2 && path[start + 1] == '.')));
}

/* Is the mapped @path one the call must not remove or rename? */
static bool busy(const char *path)
{
	const struct map_table *table = shim_rules();

	return table && path && map_is_stand_in(table, path) && busy_name_ok(path);
}

/*
 * The absolute name of the mapped @path, read from @dirfd, into @abs; a
 * relative one is kept as written by the mapper, but may still name a
 * private dir from the root's own directory ("tmp" from $TMPJAIL_ROOT).
 * Return: @path itself when absolute, @abs, or NULL when it has no name.
 */
static const char *absolute(int dirfd, const char *path, char *abs)
{
	if (path[0] == '/')
		return path;
	return shim_absolute_at(dirfd, path, abs, PATH_MAX) < 0 ? NULL : abs;
}

/* Is the directory @st described the one at @path? */
static bool same_dir(const char *path, const struct stat *st)
{
	struct stat other;

	return syscall(SYS_newfstatat, AT_FDCWD, path, &other, AT_SYMLINK_NOFOLLOW) == 0 &&
	       other.st_dev == st->st_dev && other.st_ino == st->st_ino;
}

/*
 * busy() for a relative @path read from @dirfd, by what it is, not by a
 * name: the directory it names is the root, a stand-in, or one between
 * them ($ROOT/var). A name needs the directory's own, which a removed or
 * too deep one has not. Only names whose last component could be one of
 * those cost these system calls.
 */
static bool busy_relative(const struct map_table *table, int dirfd, const char *path)
{
	struct stat st;
	char dir[PATH_MAX];

	if (!map_may_be_stand_in(table, path) || !busy_name_ok(path))
		return false;
	int saved = errno;
	bool busy_dir = false;
	if (syscall(SYS_newfstatat, dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode)) {
		busy_dir = same_dir(table->root, &st);
		for (size_t i = 0; i < table->nrules && !busy_dir; i++) {
			const struct map_rule *rule = &table->rules[i];
			if (rule->to_len >= sizeof(dir))
				continue;
			memcpy(dir, rule->to, rule->to_len + 1);
			/* The stand-in, then each directory above it in the root. */
			for (size_t n = rule->to_len; n > table->root_len && !busy_dir;) {
				dir[n] = '\0';
				busy_dir = same_dir(dir, &st);
				while (n > table->root_len && dir[n - 1] != '/')
					n--;
				n--;
			}
		}
	}
	errno = saved;
	return busy_dir;
}

/* busy() for @path read from @dirfd. */
static bool busy_at(int dirfd, const char *path)
{
	const struct map_table *table = shim_rules();

	if (!table || !path)
		return false;
	return path[0] == '/' ? busy(path) : busy_relative(table, dirfd, path);
}

/* Map @path (from @dirfd) for @call, slot @slot; then the EBUSY test. */
static int map_one(struct shim_call *call, int slot, int dirfd, const char **path, char *buf)
{
	if (shim_call_map(call, slot, dirfd, path, buf, 0) < 0)
		return shim_call_refuse(call, call->refused);
	if (busy_at(dirfd, *path))
		return shim_call_refuse(call, -EBUSY);
	return 0;
}

#define REMOVE_WRAPPER(fn, params, dirfd, path, args, guarded)                           \
	int fn params                                                                    \
	{                                                                                \
		char buf[PATH_MAX];                                                      \
		struct shim_call call = {.name = #fn};                                   \
		shim_fn_##fn real = SHIM_REAL(fn);                                       \
		if (!real)                                                               \
			return SHIM_FAIL_M1(ENOSYS);                                     \
		int err = (guarded) ? map_one(&call, 0, dirfd, &path, buf)               \
				    : (shim_call_map(&call, 0, dirfd, &path, buf, 0) < 0 \
					   ? shim_call_refuse(&call, call.refused)       \
					   : 0);                                         \
		if (err)                                                                 \
			return SHIM_FAIL_M1(err);                                        \
		int r = real args;                                                       \
		shim_call_end(&call, r, errno);                                          \
		return r;                                                                \
	}

REMOVE_WRAPPER(rmdir, (const char *path), AT_FDCWD, path, (path), true)
REMOVE_WRAPPER(remove, (const char *path), AT_FDCWD, path, (path), true)
REMOVE_WRAPPER(unlinkat, (int dirfd, const char *path, int flags), dirfd, path,
	       (dirfd, path, flags), flags &AT_REMOVEDIR)

int shim_lookup_error(int dirfd, const char *path, bool parent)
{
	struct stat st;
	char dir[PATH_MAX];
	size_t n = strlen(path);
	int saved = errno, r = 0;

	if (n == 0) /* rename's ENOENT; linkat's AT_EMPTY_PATH: the descriptor itself */
		return parent ? -ENOENT : 0;
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(dir, path, n + 1);
	if (!parent) {
		if (syscall(SYS_newfstatat, dirfd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		errno = saved;
		return r;
	}
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	char *slash = strrchr(dir, '/');
	if (!slash) { /* the descriptor's own directory: it must be one */
		if (dirfd != AT_FDCWD && syscall(SYS_fstat, dirfd, &st) < 0)
			r = -errno;
		else if (dirfd != AT_FDCWD && !S_ISDIR(st.st_mode))
			r = -ENOTDIR;
	} else {
		slash[slash == dir] = '\0';
		if (syscall(SYS_newfstatat, dirfd, dir, &st, 0) < 0)
			r = -errno;
		else if (!S_ISDIR(st.st_mode))
			r = -ENOTDIR;
	}
	errno = saved;
	return r;
}

/* Is the directory @path is in there? (The kernel looks both parents up,
 * and fails with their errors, before it compares mounts.) */
static bool parent_reached(int dirfd, const char *path)
{
	return shim_lookup_error(dirfd, path, true) == 0;
}

/* Then EXDEV; then, the last components looked up, EBUSY. */
static bool lookups_ok(int fromfd, const char *from, int tofd, const char *to, bool cross)
{
	if (!parent_reached(fromfd, from) || !parent_reached(tofd, to))
		return false;
	return cross || shim_lookup_error(fromfd, from, false) == 0;
}

/* mount_of() for a name with no directory to be judged by. */
#define MOUNT_UNKNOWN (-2)

/*
 * Which private dir the absolute @path is on: a rule's index, or -1 for
 * the rest of the system (map_mount_of()), MOUNT_UNKNOWN for no name. A
 * relative name is on its directory's mount: a rename of "/tmp/a" to "b"
 * from a working directory outside the private dirs crosses mounts as
 * surely as one to "/home/b".
 */
static int mount_of(const struct map_table *table, const char *path)
{
	return path ? map_mount_of(table, path) : MOUNT_UNKNOWN;
}

/*
 * Which private dir the mapped @path (from @dirfd) is on, judged by the
 * directory the kernel reaches for it, symlinks on the way followed: "l/a"
 * with l -> /tmp is on the private /tmp whatever its text says, and
 * "/tmp/h/a" with h -> /home is not. MOUNT_UNKNOWN when that directory
 * cannot be opened or named (the kernel's own lookup then answers), or
 * the last component is "." or "..".
 */
static int real_mount_of(const struct map_table *table, int dirfd, const char *path)
{
	char dir[PATH_MAX], name[PATH_MAX], link[32];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(dir) || !busy_name_ok(path))
		return MOUNT_UNKNOWN;
	memcpy(dir, path, n + 1);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	char *slash = strrchr(dir, '/');
	const char *last = slash ? slash + 1 : dir;
	const char *parent = slash == dir ? "/" : slash ? dir : ".";
	if (slash && slash != dir)
		*slash = '\0';
	int saved = errno, mount = MOUNT_UNKNOWN;
	long fd = syscall(SYS_openat, dirfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		shim_proc_fd_path(link, (int)fd);
		long len = syscall(SYS_readlinkat, AT_FDCWD, link, name, sizeof(name) - 1);
		syscall(SYS_close, fd);
		size_t m = len > 1 ? (size_t)len : 0, k = strlen(last); /* "/" as "" */
		if (len > 0 && name[0] == '/' && m + 1 + k < sizeof(name)) {
			name[m] = '/';
			memcpy(name + m + 1, last, k + 1);
			mount = map_mount_of(table, name);
		}
	}
	errno = saved;
	return mount;
}

/*
 * What the kernel answers before EBUSY on a rename of (or onto) a private
 * dir, a directory: EEXIST or ENOENT for RENAME_NOREPLACE or
 * RENAME_EXCHANGE, then ENOTDIR for a directory onto a file, EISDIR for a
 * file onto a directory. 0 when none applies.
 */
static int before_busy(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
	struct stat src, dst;
	int saved = errno;
	bool have_src = syscall(SYS_newfstatat, fromfd, from, &src, AT_SYMLINK_NOFOLLOW) == 0;
	bool have_dst = syscall(SYS_newfstatat, tofd, to, &dst, AT_SYMLINK_NOFOLLOW) == 0;

	errno = saved;
	if (!have_src)
		return 0;
	if (flags & RENAME_NOREPLACE)
		return have_dst ? -EEXIST : 0;
	if (flags & RENAME_EXCHANGE)
		return have_dst ? 0 : -ENOENT;
	if (!have_dst || S_ISDIR(src.st_mode) == S_ISDIR(dst.st_mode))
		return 0;
	return S_ISDIR(src.st_mode) ? -ENOTDIR : -EISDIR;
}

/*
 * The mount the directory holding @name (a mapped, absolute name) is on,
 * as the program sees it: for a stand-in itself, its prefix's parent ("/"
 * for /tmp, on a mounted /tmp); else the real parent. 0 when unknown.
 */
static uint64_t parent_mount(const struct map_table *table, const char *name)
{
	char dir[PATH_MAX];
	size_t n = strlen(name);
	struct statx sx;

	if (n >= sizeof(dir))
		return 0;
	memcpy(dir, name, n + 1);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	for (size_t i = 0; i < table->nrules; i++)
		if (table->rules[i].to_len && strcmp(dir, table->rules[i].to) == 0) {
			memcpy(dir, table->rules[i].from, table->rules[i].from_len + 1);
			n = table->rules[i].from_len;
			break;
		}
	char *slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	slash[slash == dir] = '\0';
	int saved = errno;
	long r = syscall(SYS_statx, AT_FDCWD, dir, AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx);
	errno = saved;
	return r == 0 && (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
}

/* Map both paths of a rename; EXDEV across mounts comes first, then EBUSY
 * (the kernel's order), both after the lookups. */
static int map_two(struct shim_call *call, int fromfd, const char **from, char *buf, int tofd,
		   const char **to, char *buf2, unsigned flags)
{
	if (shim_call_map(call, 0, fromfd, from, buf, 0) < 0)
		return shim_call_refuse(call, call->refused);
	/* The kernel looks the source's directory up first: its error wins. */
	if (shim_call_map(call, 1, tofd, to, buf2, 0) < 0) {
		int first = shim_lookup_error(fromfd, *from, true);
		return shim_call_refuse(call, first ? first : call->refused);
	}
	const struct map_table *table = shim_rules();
	if (!table || !*from || !*to)
		return 0; /* NULL: the kernel's EFAULT */
	char abs_from[PATH_MAX], abs_to[PATH_MAX];
	const char *from_name = absolute(fromfd, *from, abs_from);
	const char *to_name = absolute(tofd, *to, abs_to);
	int from_mount = mount_of(table, from_name), to_mount = mount_of(table, to_name);
	bool named = from_mount != MOUNT_UNKNOWN && to_mount != MOUNT_UNKNOWN;
	/* Symlinks on the way decide where a name really is; and a name with
	 * no text (relative to a removed working directory) is on the mount
	 * of the directory the kernel reaches for it. */
	int from_real = real_mount_of(table, fromfd, *from),
	    to_real = real_mount_of(table, tofd, *to);
	bool judged = from_real != MOUNT_UNKNOWN && to_real != MOUNT_UNKNOWN;
	if (judged)
		from_mount = from_real, to_mount = to_real;
	bool from_busy = busy_at(fromfd, *from), to_busy = busy_at(tofd, *to);
	/* Nothing to judge mounts by (a removed directory, "." or ".." last):
	 * a private dir is still not moved; anything else is the kernel's. */
	bool cross = (judged || named) && from_mount != to_mount;
	/* A rename onto itself does nothing, and succeeds, even on a mount. */
	if ((!cross && !from_busy && !to_busy) || (named && strcmp(from_name, to_name) == 0))
		return 0;
	int saved = errno;
	bool reached = lookups_ok(fromfd, *from, tofd, *to, cross);
	errno = saved;
	if (!reached)
		return 0; /* the kernel's own error comes first */
	/* Two real mounts under the parents, as the program sees them (a
	 * private dir's parent is "/" or "/var"): EXDEV comes first. */
	if (!cross && named) {
		uint64_t a = parent_mount(table, from_name), b = parent_mount(table, to_name);
		cross = a && b && a != b;
	}
	if (cross)
		return shim_call_refuse(call, -EXDEV);
	int first = before_busy(fromfd, *from, tofd, *to, flags);
	return shim_call_refuse(call, first ? first : -EBUSY);
}

/* A symlink moved to another depth may climb out of its stand-in now. */
static void relink_both(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
	if (!from || !to)
		return;
	shim_relink_moved(tofd, to);
	if (flags & RENAME_EXCHANGE)
		shim_relink_moved(fromfd, from);
}

#define RENAME_WRAPPER(fn, params, fromfd, tofd, flags, args)                         \
	int fn params                                                                 \
	{                                                                             \
		char buf[PATH_MAX], buf2[PATH_MAX];                                   \
		struct shim_call call = {.name = #fn};                                \
		shim_fn_##fn real = SHIM_REAL(fn);                                    \
		if (!real)                                                            \
			return SHIM_FAIL_M1(ENOSYS);                                  \
		int err = map_two(&call, fromfd, &from, buf, tofd, &to, buf2, flags); \
		if (err)                                                              \
			return SHIM_FAIL_M1(err);                                     \
		int r = real args;                                                    \
		if (r == 0)                                                           \
			relink_both(fromfd, from, tofd, to, flags);                   \
		shim_call_end(&call, r, errno);                                       \
		return r;                                                             \
	}

RENAME_WRAPPER(rename, (const char *from, const char *to), AT_FDCWD, AT_FDCWD, 0, (from, to))
RENAME_WRAPPER(renameat, (int fromfd, const char *from, int tofd, const char *to), fromfd, tofd, 0,
	       (fromfd, from, tofd, to))
RENAME_WRAPPER(renameat2,
	       (int fromfd, const char *from, int tofd, const char *to, unsigned int flags), fromfd,
	       tofd, flags, (fromfd, from, tofd, to, flags))
