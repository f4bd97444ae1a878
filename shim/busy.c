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
#include <string.h>
#include <sys/syscall.h>

#include "shim.h"

/* Is the mapped @path one the call must not remove or rename? */
static bool busy(const char *path)
{
	const struct map_table *table = shim_rules();

	if (!table || !path || !map_is_stand_in(table, path))
		return false;
	/* A last "." or "..": the kernel's EINVAL or ENOTEMPTY, as natively. */
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && path[start - 1] != '/')
		start--;
	size_t len = n - start;
	return !(path[start] == '.' && (len == 1 || (len == 2 && path[start + 1] == '.')));
}

/* Map @path (from @dirfd) for @call, slot @slot; then the EBUSY test. */
static int map_one(struct shim_call *call, int slot, int dirfd, const char **path, char *buf)
{
	if (shim_call_map(call, slot, dirfd, path, buf, 0) < 0)
		return shim_call_refuse(call, call->refused);
	if (busy(*path))
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

/* Is the directory @path is in there? (The kernel looks both parents up,
 * and fails with their errors, before it compares mounts.) */
static bool parent_reached(int dirfd, const char *path)
{
	struct stat st;
	char dir[PATH_MAX];
	size_t n = strlen(path);

	if (n >= PATH_MAX)
		return false;
	memcpy(dir, path, n + 1);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	char *slash = strrchr(dir, '/');
	if (!slash) /* the descriptor's own directory: it must be one */
		return dirfd == AT_FDCWD ||
		       (syscall(SYS_fstat, dirfd, &st) == 0 && S_ISDIR(st.st_mode));
	slash[slash == dir] = '\0';
	return syscall(SYS_newfstatat, dirfd, dir, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/* Then EXDEV; then, the last components looked up, EBUSY. */
static bool lookups_ok(int fromfd, const char *from, int tofd, const char *to, bool cross)
{
	struct stat st;

	if (!parent_reached(fromfd, from) || !parent_reached(tofd, to))
		return false;
	return cross || syscall(SYS_newfstatat, fromfd, from, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* mount_at() when the name has no directory to be judged by. */
#define MOUNT_UNKNOWN (-2)

/*
 * Which private dir the mapped @path, read from @dirfd, is on: a rule's
 * index, or -1 for the rest of the system (map_mount_of()). A relative name
 * is kept as written by the mapper, and is on its directory's mount: a
 * rename of "/tmp/a" to "b" from a working directory outside the private
 * dirs crosses mounts as surely as one to "/home/b".
 */
static int mount_at(const struct map_table *table, int dirfd, const char *path)
{
	char abs[PATH_MAX];

	if (path[0] == '/')
		return map_mount_of(table, path);
	if (shim_absolute_at(dirfd, path, abs, sizeof(abs)) < 0)
		return MOUNT_UNKNOWN;
	return map_mount_of(table, abs);
}

/* Map both paths of a rename; EXDEV across mounts comes first, then EBUSY
 * (the kernel's order), both after the lookups. */
static int map_two(struct shim_call *call, int fromfd, const char **from, char *buf, int tofd,
		   const char **to, char *buf2)
{
	if (shim_call_map(call, 0, fromfd, from, buf, 0) < 0 ||
	    shim_call_map(call, 1, tofd, to, buf2, 0) < 0)
		return shim_call_refuse(call, call->refused);
	const struct map_table *table = shim_rules();
	if (!table)
		return 0;
	int from_mount = mount_at(table, fromfd, *from);
	int to_mount = mount_at(table, tofd, *to);
	if (from_mount == MOUNT_UNKNOWN || to_mount == MOUNT_UNKNOWN)
		return 0; /* no base to judge by: the kernel's own error */
	bool cross = from_mount != to_mount;
	/* A rename onto itself does nothing, and succeeds, even on a mount. */
	if ((!cross && !busy(*from) && !busy(*to)) || strcmp(*from, *to) == 0)
		return 0;
	int saved = errno;
	bool reached = lookups_ok(fromfd, *from, tofd, *to, cross);
	errno = saved;
	if (!reached)
		return 0; /* the kernel's own error comes first */
	return shim_call_refuse(call, cross ? -EXDEV : -EBUSY);
}

#define RENAME_WRAPPER(fn, params, fromfd, tofd, args)                         \
	int fn params                                                          \
	{                                                                      \
		char buf[PATH_MAX], buf2[PATH_MAX];                            \
		struct shim_call call = {.name = #fn};                         \
		shim_fn_##fn real = SHIM_REAL(fn);                             \
		if (!real)                                                     \
			return SHIM_FAIL_M1(ENOSYS);                           \
		int err = map_two(&call, fromfd, &from, buf, tofd, &to, buf2); \
		if (err)                                                       \
			return SHIM_FAIL_M1(err);                              \
		int r = real args;                                             \
		shim_call_end(&call, r, errno);                                \
		return r;                                                      \
	}

RENAME_WRAPPER(rename, (const char *from, const char *to), AT_FDCWD, AT_FDCWD, (from, to))
RENAME_WRAPPER(renameat, (int fromfd, const char *from, int tofd, const char *to), fromfd, tofd,
	       (fromfd, from, tofd, to))
RENAME_WRAPPER(renameat2,
	       (int fromfd, const char *from, int tofd, const char *to, unsigned int flags), fromfd,
	       tofd, (fromfd, from, tofd, to, flags))
