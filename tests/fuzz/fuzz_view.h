/* SPDX-License-Identifier: MIT */
/*
 * The file system fuzz_shim_env.c shows the shim: a small tree of the
 * harness's own, made next to its binary (or in $TJ_SCRATCH_PARENT), seen as
 * "/" through openat2(RESOLVE_IN_ROOT), so that neither "..", nor a symlink
 * to "/", nor anything else reaches the real /tmp. fuzz_syscall() stands in
 * for syscall(2) in the shim's code compiled into the harness.
 */
#ifndef TMPJAIL_TESTS_FUZZ_VIEW_H
#define TMPJAIL_TESTS_FUZZ_VIEW_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuzz_util.h"

/* The tree's top: "/" for the shim. */
static int view_fd = -1;
static char view_path[PATH_MAX];

/* openat(@path) inside the view: absolute paths and ".." stay in it. */
static long view_open(const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)flags | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return syscall(SYS_openat2, view_fd, path, &how, sizeof(how));
}

/* fstatat(AT_FDCWD, @path, ...) inside the view. */
static long view_stat(const char *path, struct stat *st, bool nofollow)
{
	long fd = view_open(path, O_PATH | (nofollow ? O_NOFOLLOW : 0));

	if (fd < 0)
		return -1;
	long r = syscall(SYS_fstat, (int)fd, st);
	int saved = errno;
	syscall(SYS_close, (int)fd);
	errno = saved;
	return r;
}

/*
 * syscall(2) as the shim's code calls it: a path taken from AT_FDCWD is
 * looked up in the view; making, renaming or removing anything aborts;
 * every other call is the real one.
 */
static long fuzz_syscall(long nr, ...)
{
	long a[6] = {0};
	va_list ap;

	/* Five at most: the shim makes no call of six, and reading a sixth
	 * would read the caller's stack. */
	va_start(ap, nr);
	for (int i = 0; i < 5; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	const char *path = (const char *)a[1];
	bool in_view = (nr == SYS_openat || nr == SYS_newfstatat) && (int)a[0] == AT_FDCWD;
	switch (nr) {
	case SYS_openat:
		if (!in_view)
			break;
		if (a[2] & (O_CREAT | O_TRUNC | O_WRONLY | O_RDWR))
			fuzz_fail("the shim opened %s to write (flags %#lx)", path, a[2]);
		return view_open(path, (int)a[2]);
	case SYS_newfstatat:
		if (!in_view)
			break;
		if (a[3] & ~(long)AT_SYMLINK_NOFOLLOW)
			fuzz_fail("fstatat(%s) with flags %#lx", path, a[3]);
		return view_stat(path, (struct stat *)a[2], a[3] & AT_SYMLINK_NOFOLLOW);
	case SYS_mkdirat:
	case SYS_unlinkat:
	case SYS_renameat2:
		fuzz_fail("the shim tried to make, rename or remove %s (syscall %ld)", path, nr);
	}
	return syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* The tree: directories end in '/', "name>target" is a symlink. */
static const char *const view_entries[] = {
    "tmp/",
    "var/",
    "var/tmp/",
    "tmp/tj-abcdefgh/",
    "tmp/tj-abcdefgh/tmp/",
    "tmp/tj-ABCDEFGH/",
    "r/",
    "r/tmp/",
    "r2/",
    "r2/tmp",
    "r3/",
    "r3/tmp>../tmp",
    "rlink>r",
    "tmplink>tmp",
    "slash>/",
    "file",
    "other/",
};

/* Remove a tree in @top (never recursively: exactly what view_make() makes). */
static void view_remove_in(int top)
{
	for (size_t i = sizeof(view_entries) / sizeof(view_entries[0]); i-- > 0;) {
		char name[64];
		const char *e = view_entries[i];
		size_t len = strcspn(e, ">");
		snprintf(name, sizeof(name), "%.*s", (int)len, e);
		bool dir = name[len - 1] == '/';
		if (dir)
			name[len - 1] = '\0';
		unlinkat(top, name, dir ? AT_REMOVEDIR : 0);
	}
}

static void view_remove(void)
{
	static bool removed;

	if (removed || view_fd < 0)
		return;
	removed = true;
	view_remove_in(view_fd);
	rmdir(view_path);
}

/*
 * Remove the trees that harnesses which died on a failure left in @parent
 * (a failing input aborts, and the next run cleans up after it).
 */
static void view_sweep(const char *parent)
{
	static const char prefix[] = "fuzz-shim-env-view.";
	DIR *dir = opendir(parent);
	struct dirent *d;

	while (dir && (d = readdir(dir))) {
		char *end;
		if (strncmp(d->d_name, prefix, sizeof(prefix) - 1) != 0)
			continue;
		long pid = strtol(d->d_name + sizeof(prefix) - 1, &end, 10);
		if (*end != '.' || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		int top =
		    openat(dirfd(dir), d->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (top < 0)
			continue;
		view_remove_in(top);
		close(top);
		unlinkat(dirfd(dir), d->d_name, AT_REMOVEDIR);
	}
	if (dir)
		closedir(dir);
}

/*
 * Make the tree in $TJ_SCRATCH_PARENT, or next to this binary (the build
 * tree): never in the real /tmp.
 */
static void view_make(void)
{
	const char *parent = getenv("TJ_SCRATCH_PARENT");
	char exe[PATH_MAX];

	if (!parent || !parent[0]) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			abort();
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		parent = exe;
	}
	view_sweep(parent);
	snprintf(view_path, sizeof(view_path), "%s/fuzz-shim-env-view.%ld.XXXXXX", parent,
		 (long)getpid());
	if (!mkdtemp(view_path) ||
	    (view_fd = open(view_path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		fuzz_fail("cannot make the view in %s: %s", parent, strerror(errno));
	atexit(view_remove);
	fuzz_on_fail = view_remove;
	for (size_t i = 0; i < sizeof(view_entries) / sizeof(view_entries[0]); i++) {
		char name[64];
		const char *e = view_entries[i], *target = strchr(e, '>');
		size_t len = target ? (size_t)(target - e) : strlen(e);
		snprintf(name, sizeof(name), "%.*s", (int)len, e);
		int r;
		if (target)
			r = symlinkat(target + 1, view_fd, name);
		else if (name[len - 1] == '/')
			r = mkdirat(view_fd, name, 0700);
		else
			r = close(openat(view_fd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
		if (r < 0)
			fuzz_fail("cannot make %s/%s: %s", view_path, name, strerror(errno));
	}
	/* Another user's directory, where we may make one. */
	if (geteuid() == 0 && fchownat(view_fd, "other", 65534, 65534, 0) < 0)
		fuzz_fail("cannot chown %s/other: %s", view_path, strerror(errno));
}

#endif
