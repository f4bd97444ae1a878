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

#include "internal.h"

/* Staging roots younger than this may belong to a launcher still making them. */
#define STAGING_GRACE_SECONDS 60

int root_base_open(const char *path, bool memory, char **abs_path)
{
	char *canonical = realpath(path, NULL);
	if (!canonical) {
		fprintf(stderr, "tmpjail: base %s: %s\n", path, strerror(errno));
		return -1;
	}
	int fd = open(canonical, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	struct statfs fs;
	const char *why = NULL;
	if (fd < 0 || fstat(fd, &st) < 0 || fstatfs(fd, &fs) < 0)
		why = strerror(errno);
	else if (st.st_uid != getuid() && st.st_uid != 0)
		why = "not owned by you or by root";
	/* Others could rename or replace our root in a non-sticky shared directory. */
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		why = "writable by others but not sticky";
	else if (memory && fs.f_type != TMPFS_MAGIC && fs.f_type != RAMFS_MAGIC)
		why = "not a RAM file system (tmpfs or ramfs), as --memory needs";
	if (why) {
		fprintf(stderr, "tmpjail: base %s: %s\n", canonical, why);
		if (fd >= 0)
			close(fd);
		free(canonical);
		return -1;
	}
	*abs_path = canonical;
	return fd;
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

/* Rename the staging directory to tj-<random>, never over an existing entry. */
static int publish(int base_fd, const char *staging, char name[static ROOT_NAME_LEN + 1])
{
	memcpy(name, staging + 1, ROOT_NAME_LEN + 1);
	for (int tries = 0; tries < 100; tries++) {
		if (renameat2(base_fd, staging, base_fd, name, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
		int err = tf_random_chars(name + 3, ROOT_NAME_LEN - 3);
		if (err)
			return err;
	}
	return -EEXIST;
}

int root_create(int base_fd, const char *base_path, const char *const *prefixes, size_t count,
		struct root *out)
{
	char staging[] = ".tj-XXXXXXXX";
	int err = tf_create_in(base_fd, staging, 4, ROOT_NAME_LEN - 3, TF_KIND_DIR, 0, 0700);
	if (err)
		return err;
	int fd = openat(base_fd, staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		unlinkat(base_fd, staging, AT_REMOVEDIR);
		return err;
	}
	/* Held until the launcher exits; --gc removes only roots it can lock. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		err = -errno;
	for (size_t i = 0; i < count && !err; i++)
		err = make_prefix(fd, prefixes[i]);
	struct root root = {.base_fd = base_fd, .fd = fd};
	if (!err)
		err = publish(base_fd, staging, root.name);
	if (!err && asprintf(&root.path, "%s/%s", base_path, root.name) < 0) {
		root.path = NULL;
		err = -ENOMEM;
		strcpy(staging, root.name); /* already published: remove that */
	}
	if (err) {
		tf_rmtree_at(fd, ".", TF_RMTREE_CONTENTS_ONLY);
		unlinkat(base_fd, staging, AT_REMOVEDIR);
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
	int err = 0;
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

/* Is @name one of ours, and old enough to be judged? */
static bool gc_candidate(int base_fd, const char *name)
{
	const char *random = NULL;
	bool staging = name[0] == '.';
	if (strncmp(name + staging, "tj-", 3) == 0)
		random = name + staging + 3;
	if (!random || strlen(random) != ROOT_NAME_LEN - 3 ||
	    strspn(random, "abcdefghijklmnopqrstuvwxyz0123456789_") != ROOT_NAME_LEN - 3)
		return false;
	struct stat st;
	if (fstatat(base_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid())
		return false;
	return !staging || time(NULL) - st.st_mtime > STAGING_GRACE_SECONDS;
}

int root_gc(int base_fd, const char *base_path)
{
	int dup_fd = dup(base_fd);
	DIR *dir = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	if (!dir) {
		int err = -errno;
		if (dup_fd >= 0)
			close(dup_fd);
		return err;
	}
	int first = 0;
	struct dirent *entry;
	while ((entry = readdir(dir))) {
		if (!gc_candidate(base_fd, entry->d_name))
			continue;
		int fd =
		    openat(base_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int err = fd < 0 ? -errno : 0;
		struct stat st;
		/* The lock is free only when no launcher holds the root; check the
		 * owner again on what was opened, which may not be what was judged. */
		if (!err && (fstat(fd, &st) < 0 || st.st_uid != getuid() ||
			     flock(fd, LOCK_EX | LOCK_NB) < 0)) {
			close(fd);
			continue;
		}
		if (!err)
			err = remove_locked(base_fd, entry->d_name, fd);
		if (fd >= 0)
			close(fd);
		if (err) {
			fprintf(stderr, "tmpjail: cannot remove %s/%s: %s\n", base_path,
				entry->d_name, strerror(-err));
			first = first ? first : err;
		} else {
			printf("%s/%s\n", base_path, entry->d_name);
		}
	}
	closedir(dir);
	fflush(stdout);
	return first;
}
