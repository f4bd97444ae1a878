/* SPDX-License-Identifier: MIT */
/*
 * The trap's descriptor calls: open, openat, openat2, creat. The
 * supervisor opens the mapped path with the caller's credentials and
 * installs the descriptor in the caller with SECCOMP_IOCTL_NOTIF_ADDFD and
 * SECCOMP_ADDFD_FLAG_SEND, which also answers the call, atomically.
 *
 * An open may wait for another process: a FIFO's waits for its other end.
 * The supervisor opens with O_NONBLOCK first; a FIFO the caller wants to
 * wait on is opened again, waiting, in a thread of its own, so one caller
 * waiting never stalls the others.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trap_calls.h"

/*
 * Install @fd (ours, closed here) as the answer to notification @id.
 * Return: TRAP_ANSWERED, the new descriptor's number (a kernel without
 * ADDFD_FLAG_SEND: the reply is then ours to send), or -errno.
 */
static long send_fd(int listener, uint64_t id, int fd, bool cloexec, long *installed)
{
	struct seccomp_notif_addfd addfd = {.id = id,
					    .flags = SECCOMP_ADDFD_FLAG_SEND,
					    .srcfd = (uint32_t)fd,
					    .newfd_flags = cloexec ? O_CLOEXEC : 0};
	long r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	if (r < 0 && errno == EINVAL) {
		/* Before Linux 5.14: install, then reply (not atomic; the fd may leak if killed).
		 */
		addfd.flags = 0;
		r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	} else if (r >= 0) {
		if (installed)
			*installed = r;
		r = TRAP_ANSWERED;
	}
	int err = errno;
	close(fd);
	if (r < 0 && err == ENOENT)
		return TRAP_ANSWERED; /* the caller is gone */
	return r < 0 ? -err : r;
}

/* The flags openat(2) knows; it ignores the others, which openat2(2) refuses. */
#define OPEN_FLAGS                                                                             \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | \
	 O_SYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |    \
	 O_CLOEXEC | O_PATH | O_TMPFILE)

/*
 * Open @path as @how says, with @more flags; @legacy: with openat(2)'s
 * leniency. Never through a magic link (/proc/PID/fd/N, /proc/self/root):
 * in the supervisor those name the launcher's own descriptors, which a
 * link the program planted in /tmp must not hand it.
 */
static long open_how_call(int dirfd, const char *path, const struct open_how *how, uint64_t more,
			  bool legacy)
{
	struct open_how call = *how;
	call.flags |= more;
	if (legacy)
		call.flags &= OPEN_FLAGS;
	call.resolve |= RESOLVE_NO_MAGICLINKS;
	long fd = syscall(SYS_openat2, dirfd, path, &call, sizeof(call));
	return fd < 0 ? -errno : fd;
}

/* Close what the work held: its pin and socket, when its own. */
static void later_release(struct trap_later *later)
{
	if (later->pin >= 0 && later->own_pin)
		close(later->pin);
	if (later->own_fd)
		close(later->fd);
}

static void *later_thread(void *arg)
{
	struct trap_later *later = arg;
	if (later->root) {
		/* Refused only in a user namespace, where the caller's are ours. */
		syscall(SYS_setgroups, later->ngroups, later->groups);
		syscall(SYS_setfsgid, later->fsgid);
		syscall(SYS_setfsuid, later->fsuid);
	}
	/* Never a capability the caller lacks (trap_become()); the thread ends with it. */
	long answer = later->cut_caps && trap_caps_set(later->cap_eff) < 0 ? -EPERM : 0;
	if (!answer)
		answer = later->work(later);
	later_release(later);
	if (answer != TRAP_ANSWERED) {
		struct seccomp_notif_resp resp = {.id = later->id};
		if (answer < 0)
			resp.error = (int32_t)answer;
		else
			resp.val = answer;
		seccomp_notify_respond(later->listener, &resp);
	}
	free(later);
	return NULL;
}

long trap_later(struct trap_call *c, struct trap_later *later)
{
	later->listener = c->listener;
	later->id = c->req->id;
	later->root = c->trap->root;
	later->fsuid = c->creds.fsuid;
	later->cap_eff = c->trap->cap_eff & c->creds.cap_eff;
	later->cut_caps = later->cap_eff != c->trap->cap_eff;
	later->fsgid = c->creds.fsgid;
	later->ngroups = c->creds.ngroups;
	memcpy(later->groups, c->creds.groups, sizeof(later->groups));
	pthread_attr_t attr;
	pthread_t thread;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int err = pthread_create(&thread, &attr, later_thread, later);
	pthread_attr_destroy(&attr);
	if (err) {
		later_release(later);
		free(later);
		return -err;
	}
	return TRAP_ANSWERED;
}

/* A FIFO open that waits for its other end. */
static long open_later(struct trap_later *later)
{
	int dirfd = later->pin >= 0 ? later->pin : AT_FDCWD;
	long fd = open_how_call(dirfd, later->path, &later->how, O_CLOEXEC, later->legacy);
	return fd < 0 ? fd
		      : send_fd(later->listener, later->id, (int)fd, later->how.flags & O_CLOEXEC,
				NULL);
}

/* Hand the waiting open of @path to a thread (trap_later()). */
static long open_in_thread(struct trap_call *c, const char *path, const struct open_how *how,
			   bool legacy)
{
	struct trap_later *later = calloc(1, sizeof(*later));
	if (!later)
		return -ENOMEM;
	later->work = open_later;
	later->how = *how;
	later->legacy = legacy;
	/*
	 * It may wait until the run ends (a caller killed meanwhile). In the
	 * root it holds no descriptor of its own: the place is opened again
	 * beneath the root's descriptor through no symlink, as trap_pin() did.
	 * Outside the root nothing else holds the place: it keeps the pin, as
	 * the path's text could lead elsewhere by then.
	 */
	const struct trap *trap = c->trap;
	later->pin = -1;
	if (trap->root_fd >= 0 && map_inside_root(&trap->table, path)) {
		const char *rel = path + trap->table.root_len;
		rel += strspn(rel, "/");
		later->pin = trap->root_fd;
		later->how.resolve |= RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
		snprintf(later->path, sizeof(later->path), "%s", rel[0] ? rel : ".");
	} else {
		int dirfd;
		snprintf(later->path, sizeof(later->path), "%s", trap_at_fd(c, path, &dirfd));
		if (dirfd < 0) {
			free(later);
			return -EACCES; /* never so: trap_path() pins every mapped path */
		}
		later->pin = trap_pin_take(c, path);
		later->own_pin = true;
		later->how.resolve |= RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
	}
	return trap_later(c, later);
}

/* Open the mapped @path for the caller as @how asks, and answer. */
static long open_mapped(struct trap_call *c, const char *path, const struct open_how *how,
			bool legacy)
{
	/*
	 * ADDFD cannot pass an O_PATH file (fget() refuses them, EBADF): the
	 * caller gets a read-only descriptor instead, which can do all an
	 * O_PATH one can, on a file it may read (docs/trap.md).
	 */
	struct open_how path_how = *how;
	if (how->flags & O_PATH) {
		path_how.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY |
				 (how->flags & (O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		how = &path_how;
	}
	c->creates = (how->flags & O_CREAT) || (how->flags & O_TMPFILE) == O_TMPFILE;
	int err = trap_become(c, false);
	if (err)
		return err;
	bool may_wait = !(how->flags & (O_NONBLOCK | O_PATH));
	int dirfd;
	const char *name = trap_at_fd(c, path, &dirfd);
	long fd = open_how_call(dirfd, name, how, O_CLOEXEC | (may_wait ? O_NONBLOCK : 0), legacy);
	err = fd < 0 ? (int)fd : 0;
	trap_unbecome(c);
	struct stat st;
	/* ENXIO: a FIFO without a reader, which the caller waits for. */
	if (may_wait &&
	    (err == -ENXIO || (!err && fstat((int)fd, &st) == 0 && S_ISFIFO(st.st_mode)))) {
		if (fd >= 0)
			close((int)fd);
		return open_in_thread(c, path, how, legacy);
	}
	if (err)
		return err;
	if (may_wait) {
		int fl = fcntl((int)fd, F_GETFL);
		if (fl >= 0)
			fcntl((int)fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	if (c->audit && c->creates && fstat((int)fd, &st) == 0)
		c->audit->perm = (int)(st.st_mode & 07777);
	return send_fd(c->listener, c->req->id, (int)fd, how->flags & O_CLOEXEC,
		       c->audit ? &c->audit->installed : NULL);
}

/* An open's flags, and mode when it may create, for c's audit line. */
static void trap_audit_open(struct trap_call *c, const struct open_how *how)
{
	if (!c->audit)
		return;
	c->audit->flags = (int)how->flags;
	if ((how->flags & O_CREAT) || (how->flags & O_TMPFILE) == O_TMPFILE)
		c->audit->mode = (int)how->mode;
}

/* trap_path()'s @how for an open of @flags and @resolve. */
static unsigned open_how_lookup(uint64_t flags, uint64_t resolve)
{
	bool excl = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
	if (resolve & RESOLVE_NO_SYMLINKS)
		return TRAP_LOOKUP | TRAP_NO_LINKS;
	if ((flags & O_NOFOLLOW) || excl)
		return TRAP_LOOKUP;
	return TRAP_LOOKUP | TRAP_FOLLOW;
}

/* open, openat, creat: @flags and @mode as the call gave them. */
static long do_open(struct trap_call *c, int dirfd, uint64_t path_addr, uint64_t flags,
		    uint64_t mode)
{
	char path[PATH_MAX];
	int r = trap_path(c, dirfd, path_addr, path, NULL, open_how_lookup(flags, 0));
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	/* openat(2) ignores the mode without O_CREAT or O_TMPFILE; openat2(2) refuses it. */
	struct open_how how = {.flags = (uint32_t)flags};
	if ((how.flags & O_CREAT) || (how.flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode & 07777;
	trap_audit_open(c, &how);
	return open_mapped(c, path, &how, true);
}

static long do_openat2(struct trap_call *c)
{
	struct open_how how = {0};
	if (TRAP_ARG(3) < sizeof(how))
		return TRAP_CONTINUE; /* the kernel's EINVAL */
	int r = trap_read(c, TRAP_ARG(2), &how, sizeof(how));
	if (r)
		return r == -EFAULT ? TRAP_CONTINUE : r;
	char path[PATH_MAX];
	/* RESOLVE_* confine the walk from a directory: the kernel does those as asked. */
	if (how.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))
		return TRAP_CONTINUE;
	r = trap_path(c, TRAP_FD(0), TRAP_ARG(1), path, NULL,
		      open_how_lookup(how.flags, how.resolve));
	if (r != TRAP_PATH_MAPPED)
		return trap_unmapped(r);
	trap_audit_open(c, &how);
	return open_mapped(c, path, &how, false);
}

long trap_dispatch_open(struct trap_call *c, long nr)
{
	switch (nr) {
	case SCMP_SYS(open):
		return do_open(c, AT_FDCWD, TRAP_ARG(0), TRAP_ARG(1), TRAP_ARG(2));
	case SCMP_SYS(openat):
		return do_open(c, TRAP_FD(0), TRAP_ARG(1), TRAP_ARG(2), TRAP_ARG(3));
	case SCMP_SYS(creat):
		return do_open(c, AT_FDCWD, TRAP_ARG(0), O_CREAT | O_WRONLY | O_TRUNC, TRAP_ARG(1));
	case SCMP_SYS(openat2):
		return do_openat2(c);
	}
	return TRAP_NOT_MINE;
}
