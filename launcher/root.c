/* SPDX-License-Identifier: MIT */
/*
 * The private root: creation under a staging name, the lock that tells
 * --gc a launcher is alive, and removal through the root's own fd.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "root.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "realname.h"
#include "internal.h"

/* Staging roots younger than this may belong to a launcher still making them. */
#define STAGING_GRACE_SECONDS 60

int root_base_check(const char *path, bool memory, char **abs_path, const char **why)
{
	char *canonical = realname_of(path);
	if (!canonical) {
		*why = NULL;
		return -errno;
	}
	int fd = open(canonical, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	struct stat st;
	struct statfs fs;
	*why = NULL;
	if (fd < 0 || fstat(fd, &st) < 0 || fstatfs(fd, &fs) < 0)
		err = -errno;
	/* The effective uid: a Slurm step makes roots as the job's user, uid still root. */
	else if (st.st_uid != geteuid() && st.st_uid != 0)
		*why = "not owned by you or by root";
	/* Others could rename or replace our root in a non-sticky shared directory. */
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		*why = "writable by others but not sticky";
	else if (memory && fs.f_type != TMPFS_MAGIC && fs.f_type != RAMFS_MAGIC)
		*why = "not a RAM file system (tmpfs or ramfs), as --memory needs";
	if (err || *why) {
		if (fd >= 0)
			close(fd);
		free(canonical);
		return err ? err : -EINVAL;
	}
	*abs_path = canonical;
	return fd;
}

int root_base_open(const char *path, bool memory, char **abs_path)
{
	const char *why;
	int fd = root_base_check(path, memory, abs_path, &why);
	if (fd < 0) {
		/* Which path to name: the canonical one when we got that far. */
		char *canonical = realname_of(path);
		fprintf(stderr, "tmpjail: base %s: %s\n", canonical ? canonical : path,
			why ? why : strerror(-fd));
		free(canonical);
		return -1;
	}
	return fd;
}

/*
 * Is the directory open as @fd on the mount of the base @base_fd? A root is
 * a plain directory of the base; whatever is mounted over a root's name
 * (mount --bind C "$TMPJAIL_ROOT") is someone's data, whatever its name and
 * owner. The mount id tells apart the bind mounts of the base's own file
 * system, which share its st_dev; not knowing one of the two is a "no".
 * Return: 0 when it is; -EXDEV when it is not; -errno.
 */
static int check_on_base_mount(int base_fd, int fd)
{
	int same = tf_same_mount(base_fd, fd);
	return same < 0 ? same : same ? 0 : -EXDEV;
}

/* mkdir -p @prefix (absolute, normalised) inside the directory @dirfd. */
static int make_prefix(int dirfd, const char *prefix)
{
	char *copy = strdup(prefix);
	if (!copy)
		return -ENOMEM;
	int fd = dup(dirfd), ret = fd < 0 ? -errno : 0;
	char *save = NULL;
	for (char *part = strtok_r(copy, "/", &save); part && ret == 0;
	     part = strtok_r(NULL, "/", &save)) {
		if (mkdirat(fd, part, 0700) < 0 && errno != EEXIST)
			ret = -errno;
		int next =
		    ret ? -1 : openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (!ret && next < 0)
			ret = -errno;
		close(fd);
		fd = next;
	}
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

/*
 * Rename the staging directory to tj-<random> (tj-kept-<random> when
 * @kept), never over an existing entry.
 */
static int publish(int base_fd, const char *staging, bool kept, char name[static ROOT_NAME_MAX + 1])
{
	const char *prefix = kept ? KEPT_ROOT_PREFIX : ROOT_PREFIX;
	size_t len = strlen(prefix);
	memcpy(name, prefix, len);
	memcpy(name + len, staging + 1 + strlen(ROOT_PREFIX), ROOT_RANDOM_LEN + 1);
	for (int tries = 0; tries < 100; tries++) {
		if (renameat2(base_fd, staging, base_fd, name, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
		int err = tf_random_chars(name + len, ROOT_RANDOM_LEN);
		if (err)
			return err;
	}
	return -EEXIST;
}

int root_create(int base_fd, const char *base_path, const char *const *prefixes, size_t count,
		bool kept, struct root *out)
{
	char staging[] = ".tj-XXXXXXXX";
	int err = tf_create_in(base_fd, staging, 4, ROOT_RANDOM_LEN, TF_KIND_DIR, 0, 0700);
	if (err)
		return err;
	int fd = openat(base_fd, staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		unlinkat(base_fd, staging, AT_REMOVEDIR);
		return err;
	}
	/* What we opened is what we made, not something mounted there meanwhile. */
	bool ours = (err = check_on_base_mount(base_fd, fd)) == 0;
	/* Held until the launcher exits; --gc removes only roots it can lock. */
	if (!err && flock(fd, LOCK_EX | LOCK_NB) < 0)
		err = -errno;
	for (size_t i = 0; i < count && !err; i++)
		err = make_prefix(fd, prefixes[i]);
	struct root root = {.base_fd = base_fd, .fd = fd};
	const char *made = staging;
	if (!err)
		err = publish(base_fd, staging, kept, root.name);
	if (!err && asprintf(&root.path, "%s/%s", base_path, root.name) < 0) {
		root.path = NULL;
		err = -ENOMEM;
		made = root.name; /* already published: remove that */
	}
	if (err) {
		if (ours)
			tf_rmtree_at(fd, ".", TF_RMTREE_CONTENTS_ONLY);
		unlinkat(base_fd, made, AT_REMOVEDIR);
		close(fd);
		return err;
	}
	*out = root;
	return 0;
}

/*
 * Empty the directory open as @fd, then unlink @name in @base_fd if it is
 * still that directory: a tree that moved its root away and put something
 * else under the name gets an error, not a removal of what it put there.
 */
static int remove_locked(int base_fd, const char *name, int fd)
{
	/* A mount point is never emptied, even if it got here. */
	int err = check_on_base_mount(base_fd, fd);
	if (err)
		return err;
	if (tf_rmtree_at(fd, ".", TF_RMTREE_CONTENTS_ONLY) < 0)
		err = -errno;
	struct stat held, named;
	if (fstat(fd, &held) < 0 || fstatat(base_fd, name, &named, AT_SYMLINK_NOFOLLOW) < 0)
		return err ? err : -errno;
	if (held.st_dev != named.st_dev || held.st_ino != named.st_ino)
		return err ? err : -ESTALE;
	if (unlinkat(base_fd, name, AT_REMOVEDIR) < 0 && !err)
		err = -errno;
	return err;
}

static void root_free(struct root *root)
{
	close(root->fd);
	close(root->base_fd);
	free(root->path);
	root->path = NULL;
	root->fd = root->base_fd = -1;
}

int root_remove(struct root *root)
{
	int err = remove_locked(root->base_fd, root->name, root->fd);
	root_free(root);
	return err;
}

void root_keep(struct root *root)
{
	root_free(root);
}

/* Whether @random is ROOT_RANDOM_LEN characters as tf_random_chars() draws them. */
static bool is_random_part(const char *random)
{
	return strlen(random) == ROOT_RANDOM_LEN &&
	       strspn(random, "abcdefghijklmnopqrstuvwxyz0123456789_") == ROOT_RANDOM_LEN;
}

/*
 * Is @name one of ours, and old enough to be judged? Kept roots only with
 * @kept. Their names cannot be taken for each other: "kept-" is not random.
 */
static bool gc_candidate(int base_fd, const char *name, bool kept)
{
	bool staging = name[0] == '.', named = false;
	size_t plain = strlen(ROOT_PREFIX), kept_len = strlen(KEPT_ROOT_PREFIX);
	if (strncmp(name + staging, ROOT_PREFIX, plain) == 0)
		named = is_random_part(name + staging + plain);
	if (!named && kept && !staging && strncmp(name, KEPT_ROOT_PREFIX, kept_len) == 0)
		named = is_random_part(name + kept_len);
	struct stat st;
	if (!named || fstatat(base_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return false;
	return !staging || time(NULL) - st.st_mtime > STAGING_GRACE_SECONDS;
}

/*
 * What was opened as a candidate, @fd, may not be what was judged by name:
 * check it again. Return: 0; -EXDEV, not on the base's mount (said on
 * stderr by the caller); -EPERM, not a directory of ours (left silently).
 */
static int check_candidate(int base_fd, int fd, struct stat *st)
{
	int err = check_on_base_mount(base_fd, fd);
	if (err)
		return err;
	if (fstat(fd, st) < 0)
		return -errno;
	return S_ISDIR(st->st_mode) && st->st_uid == getuid() ? 0 : -EPERM;
}

/*
 * Open candidate @name of @base_fd for flock(2), which needs a real open.
 * A root its owner cannot read (the run did chmod 000 "$TMPJAIL_ROOT") is
 * first opened O_PATH (no permission needed, never a link), checked, given
 * u+rwx through that fd, and opened again; it must be the same directory.
 * @st: its stat, with the mode it had; @mode_changed: whether u+rwx was
 * added (the caller gives the mode back when a launcher still holds it).
 * Return: the fd, or -errno as check_candidate().
 */
static int open_candidate(int base_fd, const char *name, struct stat *st, bool *mode_changed)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	*mode_changed = false;
	int fd = openat(base_fd, name, flags), err = fd < 0 ? -errno : 0;
	if (!err)
		err = check_candidate(base_fd, fd, st);
	if (err != -EACCES || fd >= 0) {
		if (err && fd >= 0)
			close(fd);
		return err ? err : fd;
	}
	int path_fd = openat(base_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (path_fd < 0)
		return -errno;
	err = check_candidate(base_fd, path_fd, st);
	if (!err && (st->st_mode & 0700) == 0700)
		err = -EACCES; /* nothing we may fix */
	if (!err)
		err = tf_chmod_opath(path_fd, (st->st_mode & 07777) | 0700);
	if (!err) {
		struct stat opened;
		fd = openat(base_fd, name, flags);
		err = fd < 0 ? -errno : fstat(fd, &opened) < 0 ? -errno : 0;
		if (!err && (opened.st_dev != st->st_dev || opened.st_ino != st->st_ino))
			err = -ESTALE; /* the name changed meanwhile */
		if (err) {
			if (fd >= 0)
				close(fd);
			tf_chmod_opath(path_fd, st->st_mode & 07777);
		}
		*mode_changed = !err;
	}
	close(path_fd);
	return err ? err : fd;
}

/*
 * --gc on one candidate. Return: 1 removed; 0 left alone (a live root, or
 * not a root of ours any more); -errno, said on stderr.
 */
static int gc_one(int base_fd, const char *base_path, const char *name)
{
	struct stat st;
	bool mode_changed;
	int fd = open_candidate(base_fd, name, &st, &mode_changed);
	if (fd == -EXDEV) {
		fprintf(stderr,
			"tmpjail: --gc: left %s/%s alone: not on the base's mount "
			"(something is mounted there)\n",
			base_path, name);
		return fd;
	}
	/* Gone, or replaced by a link, a file or another user's directory since it was judged. */
	if (fd == -ENOENT || fd == -ELOOP || fd == -ENOTDIR || fd == -EPERM)
		return 0;
	int err = fd < 0 ? fd : 0;
	/* The lock is free only when no launcher holds the root. */
	if (!err && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (mode_changed)
			fchmod(fd, st.st_mode & 07777); /* a live run's root: as it was */
		close(fd);
		return 0;
	}
	if (!err)
		err = remove_locked(base_fd, name, fd);
	if (fd >= 0)
		close(fd);
	if (err) {
		fprintf(stderr, "tmpjail: cannot remove %s/%s: %s\n", base_path, name,
			strerror(-err));
		return err;
	}
	printf("%s/%s\n", base_path, name);
	return 1;
}

int root_gc(int base_fd, const char *base_path, bool kept)
{
	int dup_fd = dup(base_fd);
	DIR *dir = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	if (!dir) {
		int err = -errno;
		if (dup_fd >= 0)
			close(dup_fd);
		fprintf(stderr, "tmpjail: --gc in %s: %s\n", base_path, strerror(-err));
		return err;
	}
	int first = 0;
	struct dirent *entry;
	/* A failing readdir() is not the end of the base: say so, exit 125. */
	while ((errno = 0, entry = readdir(dir))) {
		if (!gc_candidate(base_fd, entry->d_name, kept))
			continue;
		int err = gc_one(base_fd, base_path, entry->d_name);
		if (err < 0 && !first)
			first = err;
	}
	if (errno) {
		fprintf(stderr, "tmpjail: --gc: cannot read %s: %s\n", base_path, strerror(errno));
		first = first ? first : -errno;
	}
	closedir(dir);
	fflush(stdout);
	return first;
}
