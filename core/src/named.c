/* SPDX-License-Identifier: MIT */
/*
 * Python 3.12's NamedTemporaryFile(): a file made as by tf_mkstemp(), with a
 * visible name and the delete / delete_on_close matrix.
 *
 * The handle keeps an O_PATH fd of the parent directory and the file's
 * device and inode. Deleting works on the basename relative to that fd and
 * only when the name still refers to the inode we created: a file someone
 * substituted under the name (or a directory renamed over the parent path)
 * is never removed.
 */
#define _GNU_SOURCE 1 /* O_PATH */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

struct tf_named {
	FILE *file;
	char *path;	  /* absolute, as returned by tf_named_path() */
	const char *name; /* the basename inside path */
	int dirfd;	  /* O_PATH fd of the parent directory */
	dev_t dev;
	ino_t ino;
	bool keep;
	bool keep_on_close;
	bool closed;
	bool deleted;
};

/*
 * Open @path's parent directory as an O_PATH fd; *@name_at receives the
 * offset of the basename. O_PATH needs no permission on the directory.
 */
static int open_parent(const char *path, size_t *name_at)
{
	const char *slash = strrchr(path, '/');
	size_t len = (size_t)(slash - path);
	char *parent = strndup(path, len ? len : 1); /* "/name": the root */
	if (!parent)
		return -ENOMEM;
	int fd = sys_openat(AT_FDCWD, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	int r = fd < 0 ? -errno : fd;
	free(parent);
	if (r >= 0)
		*name_at = len + 1;
	return r;
}

/* Create the file under @named->path and fill in its identity; the fd or -errno. */
static int create_file(struct tf_named *named, size_t rand_at, int flags)
{
	size_t name_at = 0;
	int dirfd = open_parent(named->path, &name_at);
	if (dirfd < 0)
		return dirfd;
	char *name = named->path + name_at;
	int fd = tf_create_in(dirfd, name, rand_at - name_at, TF_RANDOM_CHARS, TF_KIND_FILE, flags,
			      0600);
	if (fd < 0) {
		sys_close(dirfd);
		return fd;
	}
	named->name = name;
	named->dirfd = dirfd;
	struct stat st;
	if (sys_fstat(fd, &st) < 0) {
		int r = -errno;
		sys_unlinkat(dirfd, name, 0); /* just made by us, still open */
		sys_close(fd);
		sys_close(dirfd);
		return r;
	}
	named->dev = st.st_dev;
	named->ino = st.st_ino;
	return fd;
}

struct tf_named *tf_named_open(const struct tf_opts *opts)
{
	char mode[4];
	size_t rand_at;
	int r = tf_parse_mode(opts ? opts->mode : NULL, mode);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	struct tf_named *named = calloc(1, sizeof(*named));
	if (!named)
		return NULL;
	named->keep = opts && opts->keep;
	named->keep_on_close = opts && opts->keep_on_close;
	named->path = tf_build_path(opts, &rand_at);
	if (!named->path) {
		r = errno ? -errno : -ENOMEM;
		goto fail;
	}
	/* Append mode must append even after someone else wrote: O_APPEND. */
	int fd = create_file(named, rand_at, mode[0] == 'a' ? O_APPEND : 0);
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	named->file = fdopen(fd, mode);
	if (!named->file) {
		r = -errno;
		sys_unlinkat(named->dirfd, named->name, 0);
		sys_close(fd);
		sys_close(named->dirfd);
		goto fail;
	}
	return named;
fail:
	free(named->path);
	free(named);
	errno = -r;
	return NULL;
}

FILE *tf_named_file(const struct tf_named *named)
{
	return named->file;
}

const char *tf_named_path(const struct tf_named *named)
{
	return named->path;
}

/* Unlink the name if it is still our file. Return: 0 or -errno. */
static int delete_file(struct tf_named *named)
{
	struct stat st;

	if (named->deleted)
		return 0;
	if (sys_fstatat(named->dirfd, named->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return -errno;
	} else if (st.st_dev == named->dev && st.st_ino == named->ino && S_ISREG(st.st_mode)) {
		if (sys_unlinkat(named->dirfd, named->name, 0) < 0 && errno != ENOENT)
			return -errno;
	}
	/* Gone, substituted or removed: either way never ours to delete again. */
	named->deleted = true;
	return 0;
}

/* Close the stream once. Return: 0 or -errno. */
static int close_stream(struct tf_named *named)
{
	int r = 0;
	if (named->file) {
		if (fclose(named->file) != 0)
			r = -errno;
		named->file = NULL;
	}
	return r;
}

int tf_named_close(struct tf_named *named)
{
	if (named->closed)
		return 0;
	named->closed = true;
	int r = close_stream(named);
	if (!named->keep && !named->keep_on_close) {
		int removed = delete_file(named);
		if (r == 0)
			r = removed;
	}
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

int tf_named_done(struct tf_named *named)
{
	if (!named)
		return 0;
	named->closed = true;
	int r = close_stream(named);
	if (!named->keep) {
		int removed = delete_file(named);
		if (r == 0)
			r = removed;
	}
	sys_close(named->dirfd);
	free(named->path);
	free(named);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}
