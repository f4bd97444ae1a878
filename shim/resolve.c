/* SPDX-License-Identifier: MIT */
/*
 * ".." as the kernel walks it over a mounted private /tmp. Mapping is text
 * work: "/tmp/a/../b" becomes "$ROOT/tmp/a/../b" and the kernel resolves
 * it. That is right until a ".." steps out of a stand-in: the parent of
 * "$ROOT/tmp" is "$ROOT", where a mounted /tmp's parent is "/". So a path
 * whose ".." may cross a prefix (map_needs_walk()) is walked here instead,
 * component by component in the program's names, the way the kernel walks
 * a path: each directory is looked up (lstat), a symlink is read and its
 * target walked in its place (a target the shim stored mapped is read back
 * in the program's names first), and ".." goes to the parent of where the
 * walk really is, which is then a plain string operation (nothing on the
 * way is a symlink). The last component is left to the call itself, so
 * O_NOFOLLOW, AT_SYMLINK_NOFOLLOW and O_CREAT keep their meaning.
 *
 * Raw system calls and stack buffers only: this runs in vfork children and
 * signal handlers like the rest of the mapper. Like any lookup done in user
 * space it races with a program renaming the directories it walks; the
 * kernel still resolves what it is given, so a race yields another file of
 * the run or an error, never a path outside the stand-ins that the
 * program's own path could not name.
 */
#include <string.h>
#include <sys/syscall.h>

#include "shim.h"

/* The kernel's limit on symlinks followed in one lookup (MAXSYMLINKS). */
#define MAX_LINKS 40

struct walk {
	const struct map_table *table;
	char todo[PATH_MAX]; /* what is left to walk */
	char cur[PATH_MAX];  /* where the walk is, in the program's names ("" is "/") */
	size_t cur_len;
	char name[PATH_MAX]; /* cur + one component, in the program's names;
				then a symlink's target, read from ... */
	char real[PATH_MAX]; /* ... its path as the kernel must be given it */
};

/* @virt as the kernel must see it, into @out (PATH_MAX). 0 or -errno. */
static int real_of(const struct walk *w, const char *virt, char *out)
{
	int r = map_path(w->table, virt, out, PATH_MAX);

	if (r == MAP_KEEP) {
		size_t n = strlen(virt);
		if (n >= PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(out, virt, n + 1);
		return 0;
	}
	return r < 0 ? r : 0;
}

/* w->name = cur + "/" + the @len bytes at @p + @tail. 0 or -ENAMETOOLONG. */
static int name_child(struct walk *w, const char *p, size_t len, const char *tail)
{
	size_t tail_len = strlen(tail);

	if (w->cur_len + 1 + len + tail_len >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(w->name, w->cur, w->cur_len);
	w->name[w->cur_len] = '/';
	memcpy(w->name + w->cur_len + 1, p, len);
	memcpy(w->name + w->cur_len + 1 + len, tail, tail_len + 1);
	return 0;
}

/* The answer: @virt as the kernel must see it, with @suffix, into @out. */
static int finish(struct walk *w, const char *virt, const char *suffix, char *out, size_t size)
{
	int r = real_of(w, virt, w->real);

	if (r < 0)
		return r;
	size_t n = strlen(w->real), m = strlen(suffix);
	if (n + m + 1 > size)
		return -ENAMETOOLONG;
	memcpy(out, w->real, n);
	memcpy(out + n, suffix, m + 1);
	return MAP_DONE;
}

/* ".." as a string operation: where the walk is, nothing is a symlink. */
static void climb(struct walk *w)
{
	while (w->cur_len > 0 && w->cur[w->cur_len - 1] != '/')
		w->cur_len--;
	if (w->cur_len > 0)
		w->cur_len--; /* the '/' before the name; "" stands for "/" */
}

/* The walk's directory as text, "/" for the top. */
static const char *cur_text(struct walk *w)
{
	w->cur[w->cur_len] = '\0';
	return w->cur_len ? w->cur : "/";
}

/* Is the directory the walk stands on (w->cur) in a redirected prefix
 * once its last component is dropped? (The root's parent is the real /tmp.) */
static bool parent_redirected(struct walk *w)
{
	size_t n = w->cur_len;

	while (n > 0 && w->cur[n - 1] != '/')
		n--;
	if (n <= 1)
		return false;
	w->cur[n - 1] = '\0';
	bool redirected = map_match(w->table, w->cur) != 0;
	w->cur[n - 1] = '/';
	return redirected;
}

/*
 * A last component "..": the call must still see a ".." (rmdir, rename
 * and mkdir treat one specially), so name the parent as "<dir>/..". Where
 * the walk stands on a prefix itself, "<dir>" is the prefix's real path,
 * whose parent in the real tree is the one a mounted prefix has.
 */
static int finish_dotdot(struct walk *w, char *out, size_t size)
{
	const char *dir = cur_text(w);

	for (size_t i = 0; i < w->table->nrules; i++) {
		const struct map_rule *rule = &w->table->rules[i];
		if (rule->from_len == w->cur_len && memcmp(rule->from, w->cur, w->cur_len) == 0) {
			if (rule->from_len + sizeof("/..") > size)
				return -ENAMETOOLONG;
			memcpy(out, rule->from, rule->from_len);
			memcpy(out + rule->from_len, "/..", sizeof("/.."));
			return MAP_DONE;
		}
	}
	int r = real_of(w, dir, w->real);
	if (r < 0)
		return r;
	/*
	 * The root itself, or a part of it no prefix shows, reached by the
	 * root's own name ("$TMPDIR/.."), when the root lies in a redirected
	 * directory: on a mounted /tmp it has no parent the kernel could
	 * climb to, and the real one holds other runs' files.
	 * Climb as text, as a ".." in the middle of the path does, to a
	 * directory the program's names reach ("/tmp" for "/tmp/tj-X/..").
	 */
	if (map_inside_root(w->table, w->real) && map_mount_of(w->table, w->real) < 0 &&
	    parent_redirected(w)) {
		climb(w);
		return finish(w, cur_text(w), "", out, size);
	}
	return finish(w, dir, w->cur_len ? "/.." : "..", out, size);
}

/* Walk the symlink at w->real next: todo = its target + "/" + @rest. */
static int follow(struct walk *w, const char *rest)
{
	/* /proc's links name the process that looks: not the program, for a foreign walker. */
	if (w->table->foreign && strncmp(w->real, "/proc/", 6) == 0)
		return -ELOOP;
	long n = syscall(SYS_readlinkat, AT_FDCWD, w->real, w->name, PATH_MAX - 1);

	if (n < 0)
		return -errno;
	w->name[n] = '\0';
	/* A target the shim stored mapped reads back in the program's names. */
	if (map_unmap(w->table, w->name, w->name, PATH_MAX) < 0)
		return -ENAMETOOLONG;
	size_t t = strlen(w->name), r = strlen(rest);
	if (t + 1 + r >= PATH_MAX)
		return -ENAMETOOLONG;
	/* @rest lies in todo: move it first, then put the target before it. */
	memmove(w->todo + t + 1, rest, r + 1);
	memcpy(w->todo, w->name, t);
	w->todo[t] = '/';
	if (w->name[0] == '/')
		w->cur_len = 0;
	return 0;
}

enum { STEP_STOP, STEP_INTO, STEP_LINK };

/* May the directory @path be searched with our effective ids? */
static bool searchable(const char *path)
{
	long r = syscall(SYS_faccessat2, AT_FDCWD, path, X_OK, AT_EACCESS);

	if (r < 0 && errno == ENOSYS)
		r = syscall(SYS_faccessat, AT_FDCWD, path, X_OK);
	return r == 0;
}

/*
 * Step onto w->name (real path in w->real), a component with @rest after
 * it. STEP_INTO: a directory, now w->cur. STEP_LINK: a symlink, whose
 * target now heads w->todo. STEP_STOP: missing, not a directory or not
 * searchable: the kernel must fail there. Or -errno.
 */
static int step(struct walk *w, size_t len, const char *rest, unsigned *links)
{
	struct stat st;

	if (syscall(SYS_newfstatat, AT_FDCWD, w->real, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return STEP_STOP;
	if (S_ISLNK(st.st_mode)) {
		if (++*links > MAX_LINKS)
			return -ELOOP;
		int r = follow(w, rest);
		return r < 0 ? r : STEP_LINK;
	}
	if (!S_ISDIR(st.st_mode))
		return STEP_STOP;
	/* A ".." next drops the directory from the path the kernel gets, so
	 * its search permission is checked here, as the kernel's walk would. */
	rest += strspn(rest, "/");
	if (rest[0] == '.' && rest[1] == '.' && (rest[2] == '/' || rest[2] == '\0') &&
	    !searchable(w->real))
		return STEP_STOP;
	memcpy(w->cur + w->cur_len, w->name + w->cur_len, 1 + len);
	w->cur_len += 1 + len;
	return STEP_INTO;
}

/* shim_resolve() in @w, 16 KiB of scratch. */
static int resolve(struct walk *w, const char *path, char *out, size_t size)
{
	size_t n = strlen(path);
	unsigned links = 0;

	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(w->todo, path, n + 1);
	for (const char *p = w->todo;;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0) /* walked it all: the path names a directory */
			return finish(w, cur_text(w), "", out, size);
		const char *next = p + len, *after = next;
		while (*after == '/')
			after++;
		bool last = *after == '\0';
		bool dot = len == 1 && p[0] == '.';
		bool dotdot = len == 2 && p[0] == '.' && p[1] == '.';

		if (last && dotdot)
			return finish_dotdot(w, out, size);
		if (dotdot) {
			climb(w);
			p = next;
			continue;
		}
		if (dot && !last) {
			p = next;
			continue;
		}
		/* The last component is the call's own: keep it, and a trailing
		 * slash, as written. */
		int r = name_child(w, p, len, last ? next : "");
		if (r == 0)
			r = real_of(w, w->name, w->real);
		if (r < 0)
			return r;
		if (last)
			return finish(w, w->name, "", out, size);
		r = step(w, len, next, &links);
		if (r < 0)
			return r;
		/* Missing, not a directory, not searchable: the kernel says which,
		 * on "<it>/.", before any ".." after it could count. */
		if (r == STEP_STOP)
			return finish(w, w->name, "/.", out, size);
		p = r == STEP_LINK ? w->todo : next;
	}
}

int shim_resolve(const struct map_table *table, const char *path, char *out, size_t size)
{
	struct walk *w = shim_scratch(sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->table = table;
	w->cur_len = 0;
	int saved = errno, r = resolve(w, path, out, size);
	shim_scratch_free(w, sizeof(*w));
	errno = saved;
	return r;
}
