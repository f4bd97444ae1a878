/* SPDX-License-Identifier: MIT */
/*
 * Python's mkstemp(), mkdtemp(), mktemp() and TemporaryFile(): each a few
 * lines over tf_build_path() and the one generator, tf_create_in().
 */
#define _GNU_SOURCE 1 /* Linux extensions here and in sys.h (O_PATH, getdents64) */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

int tf_o_tmpfile_works = 1;

int tf_parse_mode(const char *mode, char out[static 4])
{
	char kind = 0;
	bool plus = false, binary = false, text = false;

	if (!mode)
		mode = "w+b";
	for (const char *c = mode; *c; c++) {
		switch (*c) {
		case 'r':
		case 'w':
		case 'a':
		case 'x':
			if (kind)
				return -EINVAL;
			kind = *c;
			break;
		case '+':
			if (plus)
				return -EINVAL;
			plus = true;
			break;
		case 'b':
		case 't':
			if (binary || text)
				return -EINVAL;
			binary = *c == 'b';
			text = *c == 't';
			break;
		default:
			return -EINVAL;
		}
	}
	if (!kind || (kind == 'r' && !plus))
		return -EINVAL;
	/* The file is new and ours: "x" (exclusive) is plain "w" here. */
	out[0] = kind == 'x' ? 'w' : kind;
	out[1] = plus ? '+' : '\0';
	out[2] = '\0';
	return 0;
}

/* Build the path from @opts and create @kind under it; *@path_out on success. */
static int create_named(const struct tf_opts *opts, enum tf_kind kind, char **path_out)
{
	size_t rand_at;
	char *path = tf_build_path(opts, &rand_at);
	if (!path)
		return errno ? -errno : -ENOMEM; /* never "success" without a path */
	int r = tf_create_in(AT_FDCWD, path, rand_at, TF_RANDOM_CHARS, kind, 0, 0);
	if (r < 0) {
		free(path);
		return r;
	}
	*path_out = path;
	return r;
}

int tf_mkstemp(const struct tf_opts *opts, char **path)
{
	char *created = NULL;
	int fd = create_named(opts, TF_KIND_FILE, &created);
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	if (path)
		*path = created;
	else
		free(created);
	return fd;
}

char *tf_mkdtemp(const struct tf_opts *opts)
{
	char *created = NULL;
	int r = create_named(opts, TF_KIND_DIR, &created);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return created;
}

char *tf_mktemp(const struct tf_opts *opts)
{
	char *name = NULL;
	int r = create_named(opts, TF_KIND_NAME, &name);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return name;
}

/* The file system has no O_TMPFILE (or the kernel predates it)? */
static bool o_tmpfile_unsupported(int err)
{
	if (err == EISDIR)
		__atomic_store_n(&tf_o_tmpfile_works, 0, __ATOMIC_RELAXED);
	return err == EISDIR || err == EOPNOTSUPP || err == ENOENT;
}

int tf_temporary_fd(const struct tf_opts *opts)
{
	const char *prefix = opts && opts->prefix ? opts->prefix : "";
	const char *suffix = opts && opts->suffix ? opts->suffix : "";
	const char *dir = opts && opts->dir ? opts->dir : tf_gettempdir();

	/* Same rules as the named functions, whichever way the file is made. */
	if (strchr(prefix, '/') || strchr(suffix, '/')) {
		errno = EINVAL;
		return -1;
	}
	if (!dir)
		return -1;
	if (__atomic_load_n(&tf_o_tmpfile_works, __ATOMIC_RELAXED)) {
		/*
		 * No O_NOFOLLOW: the directory itself may be a link (TMPDIR
		 * often is), and the fallback follows it just the same.
		 */
		int fd = sys_openat(AT_FDCWD, dir[0] ? dir : ".",
				    O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			/* The umask applies to O_TMPFILE too; make it exact. */
			if (sys_fchmod(fd, 0600) == 0)
				return fd;
			int err = errno;
			sys_close(fd);
			errno = err;
			return -1;
		}
		if (!o_tmpfile_unsupported(errno))
			return -1;
	}

	char *path = NULL;
	int fd = create_named(opts, TF_KIND_FILE, &path);
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	int r = tf_unlink_created(AT_FDCWD, path, fd);
	free(path);
	if (r < 0) {
		sys_close(fd);
		errno = -r;
		return -1;
	}
	return fd;
}

FILE *tf_temporary_file(const struct tf_opts *opts)
{
	char mode[4];
	int r = tf_parse_mode(opts ? opts->mode : NULL, mode);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	int fd = tf_temporary_fd(opts);
	if (fd < 0)
		return NULL;
	FILE *file = fdopen(fd, mode);
	if (!file) {
		int err = errno;
		sys_close(fd);
		errno = err;
	}
	return file;
}
