/* SPDX-License-Identifier: MIT */
/* What the files of the trap's answers share (trap_calls.c, trap_open.c, trap_more.c). */
#ifndef TMPJAIL_LAUNCHER_TRAP_CALLS_H
#define TMPJAIL_LAUNCHER_TRAP_CALLS_H

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

/* open, openat, openat2, creat (trap_open.c). */
long trap_dispatch_open(struct trap_call *c, long nr);

/* Two paths, links, xattrs, sockets, inotify, the working directory (trap_more.c). */
long trap_dispatch_more(struct trap_call *c, long nr);

#endif
