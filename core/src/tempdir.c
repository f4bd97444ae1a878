/* SPDX-License-Identifier: MIT */
/*
 * Python's TemporaryDirectory(): a directory made as by tf_mkdtemp() and
 * removed with the secure remover.
 *
 * The handle keeps an O_PATH fd of the parent directory and the new
 * directory's device and inode. Cleanup removes the basename relative to
 * that fd, and only while the name still refers to the directory created:
 * a directory renamed away and replaced by another one (or a symbolic link)
 * is not touched, and a parent path swapped for a link leads nowhere else.
 */
#define _GNU_SOURCE 1 /* O_PATH */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

struct tf_tempdir {
	char *path;	  /* absolute, as returned by tf_tempdir_path() */
	const char *name; /* the basename inside path */
	int dirfd;	  /* O_PATH fd of the parent directory */
	dev_t dev;
	ino_t ino;
	bool keep;
	bool ignore_cleanup_errors;
	bool removed;
};

/* Open the parent of tempdir->path and make the directory in it. Return: 0 or -errno. */
static int create_dir(struct tf_tempdir *tempdir, size_t rand_at)
{
	char *slash = strrchr(tempdir->path, '/');
	size_t len = (size_t)(slash - tempdir->path);
	char *parent = strndup(tempdir->path, len ? len : 1); /* "/name": the root */
	if (!parent)
		return -ENOMEM;
	/* O_PATH needs no permission on the directory itself. */
	int dirfd = sys_openat(AT_FDCWD, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	int r = dirfd < 0 ? -errno : 0;
	free(parent);
	if (r < 0)
		return r;

	char *name = slash + 1;
	r = tf_create_in(dirfd, name, rand_at - (size_t)(name - tempdir->path), TF_RANDOM_CHARS,
			 TF_KIND_DIR, 0, 0700);
	struct stat st;
	if (r >= 0 && sys_fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		sys_unlinkat(dirfd, name, AT_REMOVEDIR); /* just made, still empty */
	}
	if (r < 0) {
		sys_close(dirfd);
		return r;
	}
	tempdir->name = name;
	tempdir->dirfd = dirfd;
	tempdir->dev = st.st_dev;
	tempdir->ino = st.st_ino;
	return 0;
}

struct tf_tempdir *tf_tempdir_open(const struct tf_opts *opts)
{
	size_t rand_at;
	int r;
	struct tf_tempdir *tempdir = calloc(1, sizeof(*tempdir));
	if (!tempdir)
		return NULL;
	tempdir->keep = opts && opts->keep;
	tempdir->ignore_cleanup_errors = opts && opts->ignore_cleanup_errors;
	tempdir->path = tf_build_path(opts, &rand_at);
	if (!tempdir->path)
		r = errno ? -errno : -ENOMEM;
	else
		r = create_dir(tempdir, rand_at);
	if (r < 0) {
		free(tempdir->path);
		free(tempdir);
		errno = -r;
		return NULL;
	}
	return tempdir;
}

const char *tf_tempdir_path(const struct tf_tempdir *tempdir)
{
	return tempdir->path;
}

/* Remove the directory if the name still refers to it. Return: 0 or -errno. */
static int remove_dir(struct tf_tempdir *tempdir)
{
	struct stat st;

	if (tempdir->removed)
		return 0;
	if (sys_fstatat(tempdir->dirfd, tempdir->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return -errno;
		tempdir->removed = true; /* someone removed it for us */
		return 0;
	}
	if (!S_ISDIR(st.st_mode) || st.st_dev != tempdir->dev || st.st_ino != tempdir->ino) {
		tempdir->removed = true; /* substituted: not ours, never touched */
		return 0;
	}
	if (tf_rmtree_at(tempdir->dirfd, tempdir->name, 0) < 0 && errno != ENOENT)
		return -errno; /* not marked removed: a later call tries again */
	tempdir->removed = true;
	return 0;
}

int tf_tempdir_cleanup(struct tf_tempdir *tempdir)
{
	int r = remove_dir(tempdir);
	if (r < 0 && !tempdir->ignore_cleanup_errors) {
		errno = -r;
		return -1;
	}
	return 0;
}

int tf_tempdir_done(struct tf_tempdir *tempdir)
{
	if (!tempdir)
		return 0;
	int r = tempdir->keep ? 0 : remove_dir(tempdir);
	if (tempdir->ignore_cleanup_errors)
		r = 0;
	sys_close(tempdir->dirfd);
	free(tempdir->path);
	free(tempdir);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}
