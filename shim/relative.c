/* SPDX-License-Identifier: MIT */
/*
 * Relative paths. A program that walks with chdir (coreutils' mkdir -p:
 * chdir("/var"), mkdir("tmp"), chdir("tmp"), ...) or with directory
 * descriptors (openat(fd of "/", "tmp/x"), tar -C /) reaches /tmp without
 * ever writing "/tmp". Such a path can only get there when its first
 * component is ".." or the name of a component of a redirected prefix
 * ("tmp", "var"): every other relative path is kept after that one string
 * test, with no system call. The few that pass it are made absolute from
 * the canonical path of the directory they start from -- getcwd(2), or
 * /proc/self/fd for a descriptor, both raw system calls into the stack --
 * and mapped like any absolute path.
 */
#include <string.h>
#include <sys/syscall.h>

#include "shim.h"

/* How /proc names a descriptor whose directory was removed. */
#define DELETED_SUFFIX " (deleted)"

/*
 * The canonical absolute path of the directory @dirfd stands for (the
 * working directory for AT_FDCWD) into @buf (@size bytes). 0, or -errno
 * (sets errno: the caller restores it): -EBADF or -ENOTDIR, the kernel's
 * own errors for such a descriptor; -ENOENT for a removed directory and
 * -ENAMETOOLONG for one deeper than a name can be, both without a name;
 * -EIO when its name cannot be read at all (no /proc, "(unreachable)").
 */
static int base_directory(int dirfd, char *buf, size_t size)
{
	struct stat st;

	if (dirfd == AT_FDCWD) {
		if (syscall(SYS_getcwd, buf, size) < 0)
			return errno == ENOENT || errno == ENAMETOOLONG ? -errno : -EIO;
	} else {
		char link[sizeof("/proc/self/fd/") + 16];
		if (dirfd < 0 || syscall(SYS_fstat, dirfd, &st) < 0)
			return -EBADF;
		/* A relative path from a descriptor of a file: the kernel's
		 * ENOTDIR, not a name joined to a file's. */
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		shim_proc_fd_path(link, dirfd);
		long n = syscall(SYS_readlinkat, AT_FDCWD, link, buf, size - 1);
		if (n < 0)
			return errno == ENAMETOOLONG ? -ENAMETOOLONG : -EIO;
		if ((size_t)n >= size - 1)
			return -ENAMETOOLONG;
		buf[n] = '\0';
		size_t suffix = sizeof(DELETED_SUFFIX) - 1;
		if ((size_t)n >= suffix && strcmp(buf + n - suffix, DELETED_SUFFIX) == 0)
			return -ENOENT;
	}
	return buf[0] == '/' ? 0 : -EIO;
}

/*
 * @path starts from @base, a directory inside the root. Without ".." it
 * stays there: kept as written (the common case after "cd /tmp"). With one
 * it may climb out of the stand-in, and must climb as out of a mounted
 * /tmp: join it to the directory's name in the program's view ("/tmp/a"),
 * and map that. The result is absolute even when not redirected ("/etc"
 * for "../../etc" from /tmp/a), as the kernel must not read it from @base.
 */
static int map_from_inside(const struct map_table *rules, char *base, const char *path, char *out,
			   size_t size, unsigned flags)
{
	if (!map_has_dotdot(path))
		return MAP_KEEP;
	/* The root itself, or a part of it no prefix shows ($TMPDIR/..): no
	 * /tmp name, so its ".." climb as text from its real name, mapped as
	 * any path, never by the kernel into the directory holding the root. */
	(void)map_unmap(rules, base, base, PATH_MAX);
	/* Joined as text, not collapsed: the walk then keeps a last ".." one
	 * (rmdir(".."), unlink("..") fail as they do natively). */
	size_t b = strlen(base), p = strlen(path);
	if (b + 1 + p >= 2 * PATH_MAX)
		return -ENAMETOOLONG;
	base[b] = '/';
	memcpy(base + b + 1, path, p + 1);
	long n = (long)(b + 1 + p);
	int r = shim_map(base, out, size, flags);
	if (r != MAP_KEEP)
		return r;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	memcpy(out, base, (size_t)n + 1);
	return MAP_DONE;
}

/* Which stand-in is the directory @st describes: a rule's index, or -1. */
static int stand_in_of(const struct map_table *rules, const struct stat *ins, const bool *have,
		       const struct stat *st)
{
	for (size_t i = 0; i < rules->nrules; i++)
		if (have[i] && ins[i].st_dev == st->st_dev && ins[i].st_ino == st->st_ino)
			return (int)i;
	return -1;
}

/* depth_in_stand_in()'s *rule for a directory below the root's own but
 * in no stand-in ($ROOT/x/y). */
#define IN_ROOT (-2)

/*
 * How many levels below a stand-in the directory @dirfd stands for lies,
 * found by climbing its real parents by descriptor; *@rule is the stand-in's
 * rule, IN_ROOT when the climb meets the root itself first, -1 when it
 * reaches "/" in neither. For a directory without a name.
 * Return: the depth, or -errno when the climb could not be finished (no
 * descriptor left, a parent that cannot be opened): the caller refuses.
 */
static int depth_in_stand_in(const struct map_table *rules, int dirfd, int *rule)
{
	struct stat ins[MAP_MAX_RULES], root, st, up_st;
	bool have[MAP_MAX_RULES];
	bool have_root = syscall(SYS_newfstatat, AT_FDCWD, rules->root, &root, 0) == 0;
	int depth = 0, r = 0;

	for (size_t i = 0; i < rules->nrules; i++)
		have[i] = rules->rules[i].to_len &&
			  syscall(SYS_newfstatat, AT_FDCWD, rules->rules[i].to, &ins[i], 0) == 0;
	*rule = -1;
	int fd = (int)syscall(SYS_openat, dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;; depth++) {
		if (syscall(SYS_fstat, fd, &st) < 0) {
			r = -errno;
			break;
		}
		*rule = stand_in_of(rules, ins, have, &st);
		if (*rule < 0 && have_root && st.st_dev == root.st_dev && st.st_ino == root.st_ino)
			*rule = IN_ROOT;
		if (*rule != -1)
			break;
		if (depth >= PATH_MAX / 2) {
			r = -ENAMETOOLONG;
			break;
		}
		int up = (int)syscall(SYS_openat, fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0) {
			r = -errno;
			break;
		}
		syscall(SYS_close, fd);
		fd = up;
		if (syscall(SYS_fstat, up, &up_st) == 0 && up_st.st_dev == st.st_dev &&
		    up_st.st_ino == st.st_ino)
			break; /* "/": in no stand-in */
	}
	syscall(SYS_close, fd);
	return r < 0 ? r : depth;
}

bool shim_link_before_climb(int dirfd, const char *path)
{
	char prefix[PATH_MAX];
	const char *last = NULL;

	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		last = p;
	for (const char *p = path; last && p < last;) {
		p += strspn(p, "/");
		size_t len = strcspn(p, "/");
		bool name =
		    len && !(len == 1 && p[0] == '.') && !(len == 2 && p[0] == '.' && p[1] == '.');
		size_t n = (size_t)(p + len - path);
		struct stat st;
		if (name && n < sizeof(prefix)) {
			memcpy(prefix, path, n);
			prefix[n] = '\0';
			if (syscall(SYS_newfstatat, dirfd, prefix, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				return true;
		}
		p += len;
	}
	return false;
}

/* "@from's parent" + @rest ("/x" after the ".." that left the stand-in of
 * @rule), mapped; absolute even where not redirected. */
static int map_above(const struct map_table *rules, int rule, const char *rest, char *out,
		     size_t size, unsigned flags)
{
	const struct map_rule *r = &rules->rules[rule];
	size_t parent = (size_t)(strrchr(r->from, '/') - r->from), n = strlen(rest);
	char virt[PATH_MAX];

	if (parent + n + 2 > sizeof(virt))
		return -ENAMETOOLONG;
	memcpy(virt, r->from, parent);
	memcpy(virt + parent, rest, n + 1);
	if (parent + n == 0)
		memcpy(virt, "/", 2);
	int m = shim_map(virt, out, size, flags);
	if (m != MAP_KEEP)
		return m;
	if (strlen(virt) >= size)
		return -ENAMETOOLONG;
	memcpy(out, virt, strlen(virt) + 1);
	return MAP_DONE;
}

/*
 * @path from a directory that has no name (deeper than PATH_MAX, or
 * removed): where its ".." climb out of the stand-in holding it, go on
 * from the prefix's parent in the program's names, as from a mounted
 * /tmp; a path that stays inside is kept. Never the kernel's climb out of a
 * stand-in or of the root: what cannot be told (a climb that cannot be
 * finished, a symlink the ".." would climb back over, a ".." above the root
 * from a part of it no prefix shows) is refused.
 */
static int map_nameless(const struct map_table *rules, int dirfd, const char *path, char *out,
			size_t size, unsigned flags)
{
	int rule, level = depth_in_stand_in(rules, dirfd, &rule);

	if (level < 0)
		return level;
	if (rule == -1)
		return MAP_KEEP; /* in no stand-in: the kernel's ".." are the native ones */
	if (shim_link_before_climb(dirfd, path))
		return -EACCES;
	for (const char *p = path;;) {
		p += strspn(p, "/");
		size_t len = strcspn(p, "/");
		if (len == 0)
			return MAP_KEEP;
		bool dotdot = len == 2 && p[0] == '.' && p[1] == '.';
		if (dotdot && level-- == 0)
			return rule == IN_ROOT ? -EACCES
					       : map_above(rules, rule, p + 2, out, size, flags);
		if (!dotdot && !(len == 1 && p[0] == '.'))
			level++;
		p += len;
	}
}

/* map_from_base() with @joined, 2 * PATH_MAX bytes of scratch. */
static int join_from_base(const struct map_table *rules, int dirfd, const char *path, char *joined,
			  char *out, size_t size, unsigned flags)
{
	int saved = errno;
	int r = base_directory(dirfd, joined, PATH_MAX);

	if (r < 0) {
		/* A directory with no name (too deep, removed): its ".." are
		 * climbed here; names below it stay below it. A bad descriptor:
		 * the kernel's error. A name that cannot be read: refused. */
		if (r == -ENAMETOOLONG || r == -ENOENT)
			r = map_has_dotdot(path)
				? map_nameless(rules, dirfd, path, out, size, flags)
				: MAP_KEEP;
		else
			r = r == -EIO ? -EACCES : MAP_KEEP;
		errno = saved;
		return r;
	}
	errno = saved;
	if (map_inside_root(rules, joined))
		return map_from_inside(rules, joined, path, out, size, flags);
	if (map_join(joined, path, joined, 2 * PATH_MAX) < 0)
		return MAP_KEEP;
	/* Mapped: the absolute result; not redirected: @path as written. */
	return shim_map(joined, out, size, flags);
}

/*
 * The slow path, in its own frame: the common case (the fast test) must
 * not pay for, or probe the stack of, the join buffer.
 */
static __attribute__((noinline)) int map_from_base(const struct map_table *rules, int dirfd,
						   const char *path, char *out, size_t size,
						   unsigned flags)
{
	/* The base fills at most PATH_MAX, the kernel takes no longer @path:
	 * the join always fits, so a long path is refused, never let through. */
	char *joined = shim_scratch(2 * PATH_MAX);
	if (!joined)
		return -ENOMEM;
	int r = join_from_base(rules, dirfd, path, joined, out, size, flags);
	shim_scratch_free(joined, 2 * PATH_MAX);
	return r;
}

int shim_absolute_at(int dirfd, const char *path, char *out, size_t size)
{
	if (path[0] == '/') {
		size_t n = strlen(path);
		if (n >= size)
			return -ENAMETOOLONG;
		memcpy(out, path, n + 1);
		return 0;
	}
	int saved = errno;
	int r = base_directory(dirfd, out, size);
	errno = saved;
	if (r < 0)
		return r;
	long n = map_join(out, path, out, size);
	return n < 0 ? (int)n : 0;
}

int shim_map_at(int dirfd, const char *path, char *out, size_t size, unsigned flags)
{
	if (!path || path[0] == '/' || dirfd == SHIM_NO_BASE)
		return shim_map(path, out, size, flags);
	const struct map_table *rules = shim_rules();
	if (!rules || !map_may_reach(rules, path))
		return MAP_KEEP; /* the fast path */
	return map_from_base(rules, dirfd, path, out, size, flags);
}
