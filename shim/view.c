/* SPDX-License-Identifier: MIT */
/*
 * What the program is shown. The kernel names files by where they really
 * are, "$ROOT/tmp/a"; a program on a mounted private /tmp would be told
 * "/tmp/a". So every path the kernel hands back -- a symlink's target
 * (readlink, /proc/self/cwd, /proc/self/fd/N, /proc/self/exe), the working
 * directory (getcwd) and a resolved path (realpath) -- is shown in the
 * program's names (map_unmap()). Paths under the root's own name stay
 * usable (mapping is idempotent), but are never what the program is told.
 *
 * And a symlink stores what the kernel must follow: an absolute target in
 * a prefix is stored mapped (and read back unmapped); a relative target
 * that climbs out of its prefix is stored as the absolute path it names,
 * since the kernel would climb out of the stand-in instead, into the
 * directory that holds the root.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "internal.h"
#include "shim.h"

extern void __chk_fail(void) __attribute__((noreturn));

/* @path in the program's names, in place. */
static void show(char *path)
{
	const struct map_table *table = shim_rules();

	if (path && table)
		(void)map_unmap(table, path, path, strlen(path) + 1);
}

/* ---- symlinks read back ---- */

static ssize_t readlink_common(const char *name, int dirfd, const char *path, char *buf, size_t len)
{
	char mapped[PATH_MAX], target[PATH_MAX];
	struct shim_call call = {.name = name};
	shim_fn_readlinkat real = SHIM_REAL(readlinkat);

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	if (shim_call_map(&call, 0, dirfd, &path, mapped, 0) < 0)
		return SHIM_FAIL_M1(shim_call_refuse(&call, call.refused));
	/* No room or no buffer: the kernel's EINVAL or EFAULT, as natively. */
	if (len == 0 || !buf) {
		ssize_t r = real(dirfd, path, buf, len);
		shim_call_end(&call, r, errno);
		return r;
	}
	/* The whole target first: it is shown shorter, so a buffer that cuts
	 * the real one may hold the program's whole. */
	ssize_t n = real(dirfd, path, target, sizeof(target) - 1);
	int error = errno;
	if (n >= 0) {
		target[n] = '\0';
		show(target);
		n = (ssize_t)strlen(target);
		if ((size_t)n > len)
			n = (ssize_t)len; /* cut, unterminated, as readlink(2) does */
		memcpy(buf, target, (size_t)n);
	}
	shim_call_end(&call, n, error);
	errno = error;
	return n;
}

ssize_t readlink(const char *path, char *buf, size_t len)
{
	return readlink_common("readlink", AT_FDCWD, path, buf, len);
}

ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	return readlink_common("readlinkat", dirfd, path, buf, len);
}

ssize_t __readlink_chk(const char *path, char *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return readlink_common("__readlink_chk", AT_FDCWD, path, buf, len);
}

ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return readlink_common("__readlinkat_chk", dirfd, path, buf, len);
}

/* ---- the working directory ---- */

char *getcwd(char *buf, size_t size)
{
	shim_fn_getcwd real = SHIM_REAL(getcwd);

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	if ((!buf && size == 0) || size >= PATH_MAX) {
		char *r = real(buf, size);
		show(r);
		return r;
	}
	/* A small buffer, or one glibc would allocate at @size, may hold the
	 * program's name but not the real one. */
	char whole[PATH_MAX];
	if (!real(whole, sizeof(whole)))
		return NULL;
	show(whole);
	size_t n = strlen(whole);
	if (n >= size)
		return SHIM_FAIL_PTR(size ? ERANGE : EINVAL);
	if (!buf && !(buf = malloc(size)))
		return SHIM_FAIL_PTR(ENOMEM);
	memcpy(buf, whole, n + 1);
	return buf;
}

char *__getcwd_chk(char *buf, size_t size, size_t buflen)
{
	if (size > buflen)
		__chk_fail();
	return getcwd(buf, size);
}

char *getwd(char *buf)
{
	shim_fn_getwd real = SHIM_REAL(getwd);

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	char *r = real(buf);
	if (r)
		show(r);
	return r;
}

char *get_current_dir_name(void)
{
	shim_fn_get_current_dir_name real = SHIM_REAL(get_current_dir_name);

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	char *r = real();
	show(r);
	return r;
}

/* ---- resolved paths ---- */

#define REALPATH_WRAPPER(fn, params, args)                                           \
	char *fn params                                                              \
	{                                                                            \
		char mapped[PATH_MAX];                                               \
		struct shim_call call = {.name = #fn};                               \
		shim_fn_##fn real = SHIM_REAL(fn);                                   \
		if (!real)                                                           \
			return SHIM_FAIL_PTR(ENOSYS);                                \
		if (shim_call_map(&call, 0, AT_FDCWD, &path, mapped, 0) < 0)         \
			return SHIM_FAIL_PTR(shim_call_refuse(&call, call.refused)); \
		char *r = real args;                                                 \
		int error = errno;                                                   \
		show(r);                                                             \
		shim_call_end(&call, r ? 0 : -1, error);                             \
		errno = error;                                                       \
		return r;                                                            \
	}

REALPATH_WRAPPER(realpath, (const char *path, char *resolved), (path, resolved))
REALPATH_WRAPPER(canonicalize_file_name, (const char *path), (path))

char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	if (resolvedlen < PATH_MAX)
		__chk_fail();
	return realpath(path, resolved);
}

/* ---- symlinks made ---- */

/* "@dir/@rest", collapsed, into @out (PATH_MAX). false if too long. */
static bool join_collapsed(const char *dir, const char *rest, char *out)
{
	size_t a = strlen(dir), b = strlen(rest);

	if (a + 1 + b >= PATH_MAX)
		return false;
	memcpy(out, dir, a);
	out[a] = '/';
	memcpy(out + a + 1, rest, b + 1);
	map_collapse(out);
	return true;
}

/*
 * Does the kernel meet a symlink on @target's way from @dir (a real,
 * canonical directory) before its last ".."? Then the text alone cannot say
 * where the ".." lead ("s/../../x" with s a link to /tmp).
 */
static bool link_before_dotdot(const char *dir, const char *target)
{
	if (strlen(dir) + 1 + strlen(target) >= PATH_MAX)
		return true; /* too long to tell: treat as a link */
	int fd = (int)syscall(SYS_openat, AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false; /* the kernel fails on the directory itself */
	bool link = shim_link_before_climb(fd, target);
	syscall(SYS_close, fd);
	return link;
}

/* Did the walk of @target stop short (its answer ends in "/." where the
 * target does not: a missing or non-directory component on the way)? */
static bool walk_stopped(const char *walked, const char *target)
{
	size_t w = strlen(walked), t = strlen(target);

	return w >= 2 && !strcmp(walked + w - 2, "/.") &&
	       !(t >= 2 && !strcmp(target + t - 2, "/.")) && strcmp(target, ".") != 0;
}

/*
 * Do @dir/@target, followed by the kernel from the real tree, and @walked
 * name one existing file? (Both resolved with realpath(3), past the shim.)
 * @dir is a PATH_MAX buffer, left as it was.
 */
static bool same_place(char *dir, const char *target, const char *walked)
{
	char a[PATH_MAX], b[PATH_MAX];
	shim_fn_realpath real = SHIM_REAL(realpath);
	size_t n = strlen(dir), t = strlen(target);

	if (!real || n + 1 + t >= PATH_MAX)
		return false;
	dir[n] = '/';
	memcpy(dir + n + 1, target, t + 1);
	bool same =
	    map_canonical(real, dir, a) && map_canonical(real, walked, b) && strcmp(a, b) == 0;
	dir[n] = '\0';
	return same;
}

/*
 * climbing_target() for a link whose directory has no name (deeper than
 * PATH_MAX, or removed): the target read from there, mapped as a relative
 * path from that directory is (shim_map_at() climbs such ".."), absolute
 * where it climbs out of the stand-in.
 */
static const char *nameless_target(int dirfd, const char *link, const char *target, char *out)
{
	char from_dir[PATH_MAX];
	const char *slash = strrchr(link, '/');
	size_t n = slash ? (size_t)(slash - link) + 1 : 0, t = strlen(target);

	if (n + t >= sizeof(from_dir)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(from_dir, link, n);
	memcpy(from_dir + n, target, t + 1);
	int r = shim_map_at(dirfd, from_dir, out, PATH_MAX, SHIM_MAP_NO_CREATE);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return r == MAP_DONE ? out : target;
}

/*
 * The target to store for a new link @link (read from @dirfd) to the
 * relative @target: where the kernel, reading it from the link's real
 * directory, would land elsewhere than a mounted /tmp would (its ".." climb
 * out of the stand-in, or go through a symlink), the absolute path it names
 * there, mapped; else @target as written. NULL, with errno, when where the
 * link is cannot be told (a working directory too deep for a name): the
 * call is refused rather than store a way out.
 */
static const char *climbing_target(const struct map_table *table, int dirfd, const char *link,
				   const char *target, char *out)
{
	char dir[PATH_MAX], real_dir[PATH_MAX], shown[PATH_MAX], kernel[PATH_MAX];
	shim_fn_realpath real = SHIM_REAL(realpath);

	if (!map_has_dotdot(target))
		return target;
	int r = real ? shim_absolute_at(dirfd, link, dir, sizeof(dir)) : -ENOSYS;
	if ((r == -ENAMETOOLONG || r == -ENOENT) && link[0] != '/')
		return nameless_target(dirfd, link, target, out);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	char *slash = strrchr(dir, '/');
	slash[slash == dir] = '\0'; /* "/l" -> "/" */
	/* The canonical directory, as it is and in the program's names. A
	 * missing one: the kernel's error, from the call itself. */
	if (!real(dir, real_dir) || strlen(real_dir) >= PATH_MAX)
		return errno == ENOENT || errno == ENOTDIR ? target : NULL;
	memcpy(shown, real_dir, strlen(real_dir) + 1);
	if (map_unmap(table, shown, shown, sizeof(shown)) != MAP_DONE)
		return target; /* not in a prefix: the kernel reads it as natively */
	if (!join_collapsed(shown, target, dir) || !join_collapsed(real_dir, target, kernel)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (link_before_dotdot(real_dir, target)) {
		/* Walked as a mounted /tmp would walk it, links and all. */
		if (!join_collapsed(shown, "", dir) ||
		    strlen(dir) + 1 + strlen(target) >= PATH_MAX) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		strcat(strcat(dir, "/"), target);
		r = shim_map(dir, out, PATH_MAX, SHIM_MAP_NO_CREATE);
		/* A walk that fails or stops (a loop, a dangling link, a file
		 * on the way): the kernel fails on the text the same way, so it
		 * is kept, as natively. Where the kernel, following the text,
		 * lands on the same file, the text is kept too. */
		if (r < 0 || walk_stopped(r == MAP_DONE ? out : dir, target) ||
		    same_place(real_dir, target, r == MAP_DONE ? out : dir))
			return target;
	} else {
		r = map_path(table, dir, out, PATH_MAX);
	}
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	if (r == MAP_KEEP)
		memcpy(out, dir, strlen(dir) + 1);
	return strcmp(out, kernel) == 0 ? target : out;
}

static int symlink_common(const char *name, const char *target, int dirfd, const char *path)
{
	char mapped_target[PATH_MAX], mapped[PATH_MAX], climbed[PATH_MAX];
	struct shim_call call = {.name = name};
	shim_fn_symlinkat real = SHIM_REAL(symlinkat);

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	/* An absolute target whose ".." cross a prefix (/tmp/../../x): stored
	 * collapsed, as text, so the kernel never climbs out of a stand-in. */
	char flat[PATH_MAX];
	const struct map_table *rules = shim_rules();
	if (rules && target && target[0] == '/' && strlen(target) < sizeof(flat) &&
	    map_needs_walk(rules, target) && !map_past_magic_link(target) &&
	    !map_inside_root(rules, target)) {
		memcpy(flat, target, strlen(target) + 1);
		map_collapse(flat);
		target = flat;
	}
	/* The target is text: mapped as written, never walked (it need not
	 * exist, and is resolved each time the link is followed). */
	if (shim_call_map(&call, 0, SHIM_NO_BASE, &target, mapped_target, SHIM_MAP_TEXT) < 0 ||
	    shim_call_map(&call, 1, dirfd, &path, mapped, 0) < 0)
		return SHIM_FAIL_M1(shim_call_refuse(&call, call.refused));
	const struct map_table *table = shim_rules();
	int saved = errno;
	if (table && target && path && target[0] != '/') {
		target = climbing_target(table, dirfd, path, target, climbed);
		if (!target)
			return SHIM_FAIL_M1(shim_call_refuse(&call, -errno));
	}
	errno = saved;
	int r = real(target, dirfd, path);
	shim_call_end(&call, r, errno);
	return r;
}

int symlink(const char *target, const char *path)
{
	return symlink_common("symlink", target, AT_FDCWD, path);
}

int symlinkat(const char *target, int dirfd, const char *path)
{
	return symlink_common("symlinkat", target, dirfd, path);
}

/* ---- symlinks moved ---- */

void shim_relink_moved(int dirfd, const char *path)
{
	const struct map_table *table = shim_rules();
	shim_fn_symlinkat make = SHIM_REAL(symlinkat);
	char target[PATH_MAX], climbed[PATH_MAX], spare[PATH_MAX];

	if (!table || !path || !make)
		return;
	int saved = errno;
	ssize_t n = syscall(SYS_readlinkat, dirfd, path, target, sizeof(target) - 1);
	if (n <= 0 || target[0] == '/')
		goto out;
	target[n] = '\0';
	const char *stored = climbing_target(table, dirfd, path, target, climbed);
	if (!stored || stored == target)
		goto out;
	/* Made beside it under a free name, then renamed over it: the name
	 * never misses a link, nor holds one that climbs out. */
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	if (dir_len + sizeof(".tj-relink-") + TF_RANDOM_CHARS >= sizeof(spare))
		goto out;
	memcpy(spare, path, dir_len);
	memcpy(spare + dir_len, ".tj-relink-", sizeof(".tj-relink-") - 1);
	char *random = spare + dir_len + sizeof(".tj-relink-") - 1;
	for (int tries = 0; tries < 8; tries++) {
		if (tf_random_chars(random, TF_RANDOM_CHARS) < 0)
			break;
		random[TF_RANDOM_CHARS] = '\0';
		if (make(stored, dirfd, spare) < 0) {
			if (errno == EEXIST)
				continue;
			break;
		}
		if (syscall(SYS_renameat, dirfd, spare, dirfd, path) < 0)
			syscall(SYS_unlinkat, dirfd, spare, 0);
		break;
	}
out:
	errno = saved;
}
