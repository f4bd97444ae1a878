/* SPDX-License-Identifier: MIT */
/*
 * The directory and cwd family. Listing calls print the sorted names they
 * found under BASE on one line ("d e f l"); walking calls print the paths
 * they visited relative to BASE, which also shows that paths come back in
 * the form the program asked for (under /tmp). The fortified realpath is
 * in fortify.c.
 */
#define _GNU_SOURCE
#define _LARGEFILE64_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <sys/inotify.h>

#include "helper.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print @n names sorted, space-separated, skipping "." and "..". */
static void print_names(char **names, size_t n)
{
	qsort(names, n, sizeof(*names), cmp_str);
	const char *sep = "";
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], ".") == 0 || strcmp(names[i], "..") == 0)
			continue;
		printf("%s%s", sep, names[i]);
		sep = " ";
	}
	printf("\n");
}

static int call_opendir(const char *base)
{
	DIR *dir = opendir(base);
	if (!dir)
		FAIL("opendir");
	char *names[64];
	size_t n = 0;
	struct dirent *ent;
	while (n < 64 && (ent = readdir(dir)))
		names[n++] = strdup(ent->d_name);
	closedir(dir);
	print_names(names, n);
	while (n)
		free(names[--n]);
	return 0;
}

/* opendir("/tmp") lists the private dir: BASE's name is in it. */
static int call_opendir_tmp(const char *base)
{
	const char *name = strrchr(base, '/') + 1;
	DIR *dir = opendir("/tmp");
	if (!dir)
		FAIL("opendir /tmp");
	struct dirent *ent;
	int found = 0;
	while ((ent = readdir(dir)))
		found |= strcmp(ent->d_name, name) == 0;
	closedir(dir);
	if (!found) {
		fprintf(stderr, "opendir(\"/tmp\") does not list %s\n", name);
		return 1;
	}
	printf("ok\n");
	return 0;
}

#define SCAN_CALL(sym, type, expr)                            \
	static int call_##sym(const char *base)               \
	{                                                     \
		type **list;                                  \
		int n = expr;                                 \
		if (n < 0)                                    \
			FAIL(#sym);                           \
		char *names[64];                              \
		int k = 0;                                    \
		for (int i = 0; i < n; i++) {                 \
			if (k < 64)                           \
				names[k++] = list[i]->d_name; \
		}                                             \
		print_names(names, (size_t)k);                \
		for (int i = 0; i < n; i++)                   \
			free(list[i]);                        \
		free(list);                                   \
		return 0;                                     \
	}

SCAN_CALL(scandir, struct dirent, scandir(base, &list, NULL, NULL))
SCAN_CALL(scandir64, struct dirent64, scandir64(base, &list, NULL, NULL))
SCAN_CALL(scandirat, struct dirent, scandirat(AT_FDCWD, base, &list, NULL, NULL))
SCAN_CALL(scandirat64, struct dirent64, scandirat64(AT_FDCWD, base, &list, NULL, NULL))

/* Matches are printed relative to BASE; each must start with BASE. */
static int print_matches(char **paths, size_t n, const char *base, const char *sym)
{
	size_t blen = strlen(base);
	char *names[64];
	size_t k = 0;
	for (size_t i = 0; i < n && k < 64; i++) {
		if (strncmp(paths[i], base, blen) != 0 || paths[i][blen] != '/') {
			fprintf(stderr, "%s returned %s, not under %s\n", sym, paths[i], base);
			return 1;
		}
		names[k++] = paths[i] + blen + 1;
	}
	print_names(names, k);
	return 0;
}

static int call_glob(const char *base)
{
	glob_t g;
	if (glob(at(base, "*"), 0, NULL, &g) != 0)
		FAIL("glob");
	int rc = print_matches(g.gl_pathv, g.gl_pathc, base, "glob");
	globfree(&g);
	return rc;
}

static int call_glob64(const char *base)
{
	glob64_t g;
	if (glob64(at(base, "*"), 0, NULL, &g) != 0)
		FAIL("glob64");
	int rc = print_matches(g.gl_pathv, g.gl_pathc, base, "glob64");
	globfree64(&g);
	return rc;
}

#define FTS_CALL(sym, fts_t, ent_t, open_fn, read_fn, close_fn)                    \
	static int call_##sym(const char *base)                                    \
	{                                                                          \
		char *roots[] = {(char *)base, NULL};                              \
		fts_t *fts = open_fn(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);     \
		if (!fts)                                                          \
			FAIL(#sym);                                                \
		char *paths[64];                                                   \
		size_t n = 0;                                                      \
		ent_t *ent;                                                        \
		while ((ent = read_fn(fts))) {                                     \
			if (ent->fts_info == FTS_DP || ent->fts_level == 0)        \
				continue;                                          \
			if (ent->fts_info == FTS_NS || ent->fts_info == FTS_ERR || \
			    ent->fts_info == FTS_DNR)                              \
				FAIL(#sym ": %s", ent->fts_path);                  \
			if (n < 64)                                                \
				paths[n++] = strdup(ent->fts_path);                \
		}                                                                  \
		close_fn(fts);                                                     \
		int rc = print_matches(paths, n, base, #sym);                      \
		while (n)                                                          \
			free(paths[--n]);                                          \
		return rc;                                                         \
	}

FTS_CALL(fts_open, FTS, FTSENT, fts_open, fts_read, fts_close)
FTS_CALL(fts64_open, FTS64, FTSENT64, fts64_open, fts64_read, fts64_close)

/*
 * fts_children of the root lists its entries; their parent's path starts
 * with the root's path as the program gave it. (Only fts_name is reliable
 * in the entries themselves: glibc shares one path buffer among them.)
 */
static int call_fts_children(const char *base)
{
	char *roots[] = {(char *)base, NULL};
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	if (!fts)
		FAIL("fts_open");
	FTSENT *root = fts_read(fts);
	if (!root || root->fts_info != FTS_D)
		FAIL("fts_read of the root");
	char *names[64];
	size_t n = 0;
	int rc = 0;
	for (FTSENT *ent = fts_children(fts, 0); ent && n < 64; ent = ent->fts_link) {
		names[n++] = strdup(ent->fts_name);
		/* glibc leaves "BASE/" there, the shared buffer's prefix. */
		if (strncmp(ent->fts_parent->fts_path, base, strlen(base)) != 0) {
			fprintf(stderr, "fts_children: parent path %s, not under %s\n",
				ent->fts_parent->fts_path, base);
			rc = 1;
		}
	}
	if (n == 0)
		FAIL("fts_children");
	fts_close(fts);
	if (rc == 0)
		print_names(names, n);
	while (n)
		free(names[--n]);
	return rc;
}

/* A watch on BASE sees a file made under BASE: it watches the private dir. */
static int call_inotify_add_watch(const char *base)
{
	int ifd = inotify_init1(IN_CLOEXEC);
	CHECK(ifd >= 0);
	if (inotify_add_watch(ifd, base, IN_CREATE) < 0)
		FAIL("inotify_add_watch");
	int fd = open(at(base, "new"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		FAIL("open new");
	close(fd);
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(ifd, buf, sizeof(buf));
	CHECK(n > 0);
	struct inotify_event *ev = (struct inotify_event *)buf;
	if (!ev->len || strcmp(ev->name, "new") != 0) {
		fprintf(stderr, "inotify reported \"%s\", expected \"new\"\n",
			ev->len ? ev->name : "");
		return 1;
	}
	close(ifd);
	printf("ok\n");
	return 0;
}

static char *walked[64];
static size_t nwalked;

static void walk_add(const char *path)
{
	if (nwalked < 64)
		walked[nwalked++] = strdup(path);
}

static int walk_finish(int rc, const char *base, const char *sym)
{
	if (rc != 0)
		FAIL("%s", sym);
	/* One entry is BASE itself, by the name the program passed. */
	size_t k = 0;
	for (size_t i = 0; i < nwalked; i++) {
		if (strcmp(walked[i], base) == 0)
			free(walked[i]);
		else
			walked[k++] = walked[i];
	}
	if (k + 1 != nwalked) {
		fprintf(stderr, "%s did not report %s itself (first entry: %s)\n", sym, base,
			k ? walked[0] : "none");
		return 1;
	}
	rc = print_matches(walked, k, base, sym);
	while (k)
		free(walked[--k]);
	return rc;
}

static int on_ftw(const char *path, const struct stat *st, int flag)
{
	(void)st;
	if (flag == FTW_NS || flag == FTW_DNR)
		return -1;
	walk_add(path);
	return 0;
}

static int on_ftw64(const char *path, const struct stat64 *st, int flag)
{
	(void)st;
	if (flag == FTW_NS || flag == FTW_DNR)
		return -1;
	walk_add(path);
	return 0;
}

static int on_nftw(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	return on_ftw(path, st, flag);
}

static int on_nftw64(const char *path, const struct stat64 *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	return on_ftw64(path, st, flag);
}

static int call_ftw(const char *base)
{
	return walk_finish(ftw(base, on_ftw, 8), base, "ftw");
}

static int call_ftw64(const char *base)
{
	return walk_finish(ftw64(base, on_ftw64, 8), base, "ftw64");
}

static int call_nftw(const char *base)
{
	return walk_finish(nftw(base, on_nftw, 8, FTW_PHYS), base, "nftw");
}

static int call_nftw64(const char *base)
{
	return walk_finish(nftw64(base, on_nftw64, 8, FTW_PHYS), base, "nftw64");
}

/* After chdir, relative names resolve inside the private dir. */
static int call_chdir(const char *base)
{
	if (chdir(base) != 0)
		FAIL("chdir");
	int fd = open("f", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		FAIL("open f after chdir");
	int ok = fd_has_data(fd);
	close(fd);
	CHECK(ok);
	if (chdir("/tmp") != 0)
		FAIL("chdir /tmp");
	fd = open(strrchr(base, '/') + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		FAIL("open BASE relative to /tmp after chdir(\"/tmp\")");
	close(fd);
	printf("ok\n");
	return 0;
}

static int print_resolved(char *resolved, const char *sym)
{
	if (!resolved)
		FAIL("%s", sym);
	printf("%s\n", resolved);
	free(resolved);
	return 0;
}

static int call_realpath(const char *base)
{
	return print_resolved(realpath(at(base, "l"), NULL), "realpath");
}

static int call_canonicalize_file_name(const char *base)
{
	return print_resolved(canonicalize_file_name(at(base, "l")), "canonicalize_file_name");
}

static const struct call calls[] = {
    CALL(opendir),
    CALL(opendir_tmp),
    CALL(scandir),
    CALL(scandir64),
    CALL(scandirat),
    CALL(scandirat64),
    CALL(fts_children),
    CALL(inotify_add_watch),
    CALL(glob),
    CALL(glob64),
    CALL(fts_open),
    CALL(fts64_open),
    CALL(ftw),
    CALL(ftw64),
    CALL(nftw),
    CALL(nftw64),
    CALL(chdir),
    CALL(realpath),
    CALL(canonicalize_file_name),
};

HELPER_MAIN(calls)
