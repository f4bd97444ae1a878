/* SPDX-License-Identifier: MIT */
/* What the files of the trap's answers share (trap_calls.c, trap_open.c, trap_more.c). */
#ifndef TMPJAIL_LAUNCHER_TRAP_CALLS_H
#define TMPJAIL_LAUNCHER_TRAP_CALLS_H

#include <linux/openat2.h>
#include <sys/un.h>

#include "trap_internal.h"

/* The call's argument @i, and as a descriptor (AT_FDCWD is an int). */
#define TRAP_ARG(i) (c->req->data.args[i])
#define TRAP_FD(i) ((int)(int32_t)TRAP_ARG(i))

/* A dispatcher's answer for a call it does not know. */
#define TRAP_NOT_MINE (-(1L << 42))

/* trap_unmapped() - the answer for a trap_path() result that is not MAPPED. */
long trap_unmapped(int r);

/* trap_result() - @r, or -errno when it is negative; stop acting as the caller. */
long trap_result(struct trap_call *c, long r);

/*
 * What may wait on another process (the open of a FIFO, a connect to a
 * busy listener) is answered from a thread of its own, so that one caller
 * never stalls the others: trap_later() starts one running @work with the
 * caller's file-system ids, which answers the notification.
 */
struct trap_later {
	int listener;
	uint64_t id;
	bool root;
	uid_t fsuid;
	gid_t fsgid;
	uint64_t cap_eff; /* the capabilities the caller has, of ours */
	bool cut_caps;	  /* ... fewer than ours: cut to them */
	int ngroups;
	gid_t groups[256];
	long (*work)(struct trap_later *later); /* the answer, or TRAP_ANSWERED */
	int pin;				/* the directory the work acts in, or -1 */
	bool own_pin;				/* ... a pin the work closes (trap_pin_take()) */
	/* The work's own: an open ... */
	struct open_how how;
	bool legacy;
	char path[PATH_MAX];
	/* ... or a connect. */
	int fd;
	bool own_fd; /* ... closed once the work is done, or not done */
	struct sockaddr_un addr;
	socklen_t addr_len;
};

/* trap_later() - answer the call from a thread; takes @later (malloc'd). */
long trap_later(struct trap_call *c, struct trap_later *later);

/* open, openat, openat2, creat (trap_open.c). */
long trap_dispatch_open(struct trap_call *c, long nr);

/* Two paths, links, xattrs, sockets, inotify, the working directory (trap_more.c). */
long trap_dispatch_more(struct trap_call *c, long nr);

#endif
