/* SPDX-License-Identifier: MIT */
/*
 * Where temporary files go: Python's gettempdir() and its candidate search,
 * the settable tempdir, and tf_build_path(), which turns options into the
 * path template every creating function hands to tf_create_in().
 */
#define _GNU_SOURCE 1 /* Linux extensions here and in sys.h (O_PATH, getdents64) */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

/*
 * Every directory tf_gettempdir() ever answered, kept until exit: a pointer
 * handed to one thread must stay valid while another thread calls
 * tf_set_tempdir(). Equal strings are shared, so the list only grows with
 * the number of distinct directories a program uses.
 */
struct interned_dir {
	struct interned_dir *next;
	char path[];
};

static pthread_mutex_t tempdir_lock = PTHREAD_MUTEX_INITIALIZER;
static struct interned_dir *interned_dirs;
/* The cached or assigned tempdir; NULL until searched or after a reset. */
static const char *tempdir_current;

static const char *intern_locked(const char *path)
{
	for (struct interned_dir *it = interned_dirs; it; it = it->next)
		if (strcmp(it->path, path) == 0)
			return it->path;
	size_t len = strlen(path);
	struct interned_dir *it = malloc(sizeof(*it) + len + 1);
	if (!it)
		return NULL;
	memcpy(it->path, path, len + 1);
	it->next = interned_dirs;
	interned_dirs = it;
	return it->path;
}

/* getcwd(3) into a buffer of whatever size the path needs. */
static char *current_dir(void)
{
	for (size_t size = 256;; size *= 2) {
		char *buf = malloc(size);
		if (!buf)
			return NULL;
		if (sys_getcwd(buf, size)) {
			if (buf[0] == '/')
				return buf;
			/* Linux says "(unreachable)/..." for a cwd outside our root. */
			errno = ENOENT;
		}
		int err = errno;
		free(buf);
		if (err != ERANGE || size > SIZE_MAX / 4) {
			errno = err;
			return NULL;
		}
	}
}

/*
 * Append @path to @out (which holds an absolute directory of @len bytes),
 * dropping empty and "." components. ".." is kept: collapsing it by text,
 * as Python's abspath() does, could name another place than the kernel
 * reaches through a symbolic link, and our paths must name what we made.
 */
static size_t append_clean(char *out, size_t len, const char *path)
{
	while (*path) {
		while (*path == '/')
			path++;
		size_t part = strcspn(path, "/");
		if (part == 0 || (part == 1 && path[0] == '.')) {
			path += part;
			continue;
		}
		if (len == 0 || out[len - 1] != '/')
			out[len++] = '/';
		memcpy(out + len, path, part);
		len += part;
		path += part;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return len;
}

/* @path made absolute against the current directory; malloc'd. */
static char *make_absolute(const char *path)
{
	char *cwd = NULL;
	size_t base = 0;

	if (path[0] != '/') {
		cwd = current_dir();
		if (!cwd)
			return NULL;
		base = strlen(cwd);
	}
	char *out = malloc(base + strlen(path) + 2);
	if (!out) {
		free(cwd);
		return NULL;
	}
	size_t len = 0;
	out[0] = '\0';
	if (cwd)
		len = append_clean(out, 0, cwd);
	if (len == 1)
		len = 0; /* the root: let append_clean() add the one slash */
	append_clean(out, len, path);
	free(cwd);
	return out;
}

int tf_unlink_created(int dirfd, const char *path, int fd)
{
	struct stat ours, there;

	if (sys_fstat(fd, &ours) < 0)
		return -errno;
	if (sys_fstatat(dirfd, path, &there, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (ours.st_dev != there.st_dev || ours.st_ino != there.st_ino)
		return 0;
	if (sys_unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * Python's probe: create a file with a random name, write to it and remove
 * it. Any failure means "not usable"; EEXIST is retried by tf_create_in().
 */
static int probe_dir(const char *dir)
{
	char name[TF_RANDOM_CHARS + 1] = {0};
	int dirfd = sys_openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (dirfd < 0)
		return -errno;
	int fd = tf_create_in(dirfd, name, 0, TF_RANDOM_CHARS, TF_KIND_FILE, 0, 0600);
	if (fd < 0) {
		sys_close(dirfd);
		return fd;
	}
	ssize_t written = sys_write(fd, "blat", 4);
	int r = written == 4 ? 0 : written < 0 ? -errno : -ENOSPC;
	int removed = tf_unlink_created(dirfd, name, fd);
	if (r == 0)
		r = removed;
	sys_close(fd);
	sys_close(dirfd);
	return r;
}

/* 0 and *@out set when @dir is usable; -ENOMEM stops the search. */
static int try_candidate_locked(const char *dir, const char **out)
{
	char *path = make_absolute(dir);
	if (!path)
		return errno == ENOMEM ? -ENOMEM : -ENOENT;
	int r = probe_dir(path);
	if (r == 0) {
		*out = intern_locked(path);
		if (!*out)
			r = -ENOMEM;
	} else {
		r = -ENOENT;
	}
	free(path);
	return r;
}

static int search_locked(const char **out)
{
	static const char *const env_names[] = {"TMPDIR", "TEMP", "TMP"};
	static const char *const fixed_dirs[] = {"/tmp", "/var/tmp", "/usr/tmp"};
	int r;

	for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++) {
		/* secure_getenv: a set-id program must not trust its caller's. */
		const char *value = secure_getenv(env_names[i]);
		if (value && value[0] && (r = try_candidate_locked(value, out)) != -ENOENT)
			return r;
	}
	for (size_t i = 0; i < sizeof(fixed_dirs) / sizeof(fixed_dirs[0]); i++)
		if ((r = try_candidate_locked(fixed_dirs[i], out)) != -ENOENT)
			return r;
	char *cwd = current_dir();
	if (!cwd)
		return -ENOENT;
	r = try_candidate_locked(cwd, out);
	free(cwd);
	return r;
}

const char *tf_gettempdir(void)
{
	const char *dir = NULL;
	int r = 0;

	pthread_mutex_lock(&tempdir_lock);
	if (!tempdir_current)
		r = search_locked(&tempdir_current);
	dir = tempdir_current;
	pthread_mutex_unlock(&tempdir_lock);
	if (!dir)
		errno = r < 0 ? -r : ENOENT;
	return dir;
}

const char *tf_gettempdirb(void)
{
	return tf_gettempdir();
}

const char *tf_gettempprefix(void)
{
	return "tmp";
}

const char *tf_gettempprefixb(void)
{
	return tf_gettempprefix();
}

int tf_set_tempdir(const char *dir)
{
	char *path = NULL;
	const char *interned = NULL;

	if (dir && !(path = make_absolute(dir)))
		return -1;
	pthread_mutex_lock(&tempdir_lock);
	if (path)
		interned = intern_locked(path);
	if (!path || interned)
		tempdir_current = interned;
	pthread_mutex_unlock(&tempdir_lock);
	free(path);
	if (path && !interned) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

char *tf_build_path(const struct tf_opts *opts, size_t *rand_at)
{
	const char *suffix = opts && opts->suffix ? opts->suffix : "";
	const char *prefix = opts && opts->prefix ? opts->prefix : tf_gettempprefix();
	char *dir_copy = NULL;
	const char *dir;

	/* A '/' would put the file somewhere other than dir. */
	if (strchr(suffix, '/') || strchr(prefix, '/')) {
		errno = EINVAL;
		return NULL;
	}
	if (opts && opts->dir)
		dir = dir_copy = make_absolute(opts->dir);
	else
		dir = tf_gettempdir();
	if (!dir)
		return NULL;

	size_t dir_len = strlen(dir), prefix_len = strlen(prefix), suffix_len = strlen(suffix);
	size_t slash = dir[dir_len - 1] == '/' ? 0 : 1;
	char *path = malloc(dir_len + slash + prefix_len + TF_RANDOM_CHARS + suffix_len + 1);
	if (path) {
		char *at = path;
		memcpy(at, dir, dir_len);
		at += dir_len;
		if (slash)
			*at++ = '/';
		memcpy(at, prefix, prefix_len);
		at += prefix_len;
		memset(at, 'X', TF_RANDOM_CHARS);
		*rand_at = (size_t)(at - path);
		memcpy(at + TF_RANDOM_CHARS, suffix, suffix_len + 1);
	}
	free(dir_copy);
	return path;
}
