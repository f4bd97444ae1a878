/* SPDX-License-Identifier: MIT */
/*
 * The virtual working directory (docs/trap.md). A supervisor cannot move
 * another process's cwd, so a chdir into a redirected directory is held
 * here: per thread group, checked on every use against the real cwd it
 * was set over (a real cwd that moved, by fchdir or a chdir the kernel
 * did, ends it) and against the thread group still being alive (its
 * pidfd), so a reused pid never inherits it. A process first seen takes
 * its parent's while its real cwd is the one the parent's was set over:
 * that is a fork child that has not moved.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trap_internal.h"

/* Most thread groups with a virtual cwd at once; more fail the chdir with ENOMEM. */
#define CWDS_MAX 4096

static bool alive(const struct trap_cwd *cwd)
{
	struct pollfd p = {.fd = cwd->pidfd, .events = POLLIN};
	/* A pidfd polls readable once its process has exited. */
	return poll(&p, 1, 0) == 0;
}

static void forget(struct trap *trap, size_t i)
{
	close(trap->cwds[i].pidfd);
	free(trap->cwds[i].path);
	trap->cwds[i] = trap->cwds[--trap->ncwds];
}

/* The entry of @tgid, alive, or NULL. */
static struct trap_cwd *find(struct trap *trap, pid_t tgid)
{
	for (size_t i = 0; i < trap->ncwds; i++) {
		if (trap->cwds[i].tgid != tgid)
			continue;
		if (alive(&trap->cwds[i]))
			return &trap->cwds[i];
		forget(trap, i);
		return NULL;
	}
	return NULL;
}

/* The real cwd of the caller. 0 or -errno. */
static int real_cwd(struct trap_call *c, struct stat *st)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)c->pid);
	long err = trap_proc_stat(c->trap, path, st);
	return err == -ENOENT ? -ESRCH : (int)err;
}

/* A new entry for the caller's thread group. */
static int add(struct trap_call *c, const char *path, const struct stat *st)
{
	struct trap *trap = c->trap;
	for (size_t i = trap->ncwds; i-- > 0;)
		if (!alive(&trap->cwds[i]))
			forget(trap, i);
	if (trap->ncwds == trap->cwds_size) {
		size_t size = trap->cwds_size ? 2 * trap->cwds_size : 16;
		struct trap_cwd *grown =
		    size > CWDS_MAX ? NULL : realloc(trap->cwds, size * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		trap->cwds = grown;
		trap->cwds_size = size;
	}
	int pidfd = (int)syscall(SYS_pidfd_open, c->creds.tgid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	char *copy = strdup(path);
	if (!copy) {
		close(pidfd);
		return -ENOMEM;
	}
	trap->cwds[trap->ncwds++] = (struct trap_cwd){.tgid = c->creds.tgid,
						      .pidfd = pidfd,
						      .dev = st->st_dev,
						      .ino = st->st_ino,
						      .path = copy};
	/* Its pidfd is the thread group's now: still the caller's? */
	return trap_valid(c);
}

int trap_cwd_get(struct trap_call *c, char *out)
{
	struct trap *trap = c->trap;
	if (trap->ncwds == 0)
		return 0;
	int err = trap_creds_read(c);
	if (err)
		return err;
	struct stat st;
	err = real_cwd(c, &st);
	if (err)
		return err;
	struct trap_cwd *cwd = find(trap, c->creds.tgid);
	if (cwd && (cwd->dev != st.st_dev || cwd->ino != st.st_ino)) {
		forget(trap, (size_t)(cwd - trap->cwds));
		return 0;
	}
	if (!cwd) {
		struct trap_cwd *parent = find(trap, c->creds.ppid);
		if (!parent || parent->dev != st.st_dev || parent->ino != st.st_ino)
			return 0;
		char *path = strdup(parent->path);
		err = path ? add(c, path, &st) : -ENOMEM;
		free(path);
		if (err)
			return err;
		cwd = &trap->cwds[trap->ncwds - 1];
	}
	snprintf(out, PATH_MAX, "%s", cwd->path);
	return 1;
}

int trap_cwd_set(struct trap_call *c, const char *path)
{
	int err = trap_creds_read(c);
	struct stat st;
	if (!err)
		err = real_cwd(c, &st);
	if (err)
		return err;
	struct trap_cwd *cwd = find(c->trap, c->creds.tgid);
	if (!cwd)
		return add(c, path, &st);
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	free(cwd->path);
	cwd->path = copy;
	cwd->dev = st.st_dev;
	cwd->ino = st.st_ino;
	return 0;
}

void trap_cwd_drop(struct trap_call *c)
{
	if (c->trap->ncwds == 0 || trap_creds_read(c) < 0)
		return;
	struct trap_cwd *cwd = find(c->trap, c->creds.tgid);
	if (cwd)
		forget(c->trap, (size_t)(cwd - c->trap->cwds));
}

void trap_cwd_free(struct trap *trap)
{
	while (trap->ncwds)
		forget(trap, trap->ncwds - 1);
	free(trap->cwds);
	trap->cwds = NULL;
	trap->cwds_size = 0;
}
