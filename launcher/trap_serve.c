/* SPDX-License-Identifier: MIT */
/*
 * The trap's supervisor as the launcher's loop sees it: a set of
 * listeners to poll, one notification answered per ready listener.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trap_internal.h"

struct trap *trap_new(bool verbose)
{
	struct trap *trap = calloc(1, sizeof(*trap));
	if (!trap)
		return NULL;
	trap->verbose = verbose;
	trap->euid = geteuid();
	trap->egid = getegid();
	trap->root = trap->euid == 0;
	int err = map_table_build(&trap->table, getenv("TMPJAIL_ROOT"), getenv("TMPJAIL_DIR"),
				  getenv("TMPJAIL_REDIRECT"));
	int ngroups = getgroups(0, NULL);
	if (!err && ngroups >= 0) {
		trap->groups = calloc((size_t)ngroups + 1, sizeof(gid_t));
		trap->ngroups = trap->groups ? getgroups(ngroups, trap->groups) : -1;
		if (trap->ngroups < 0)
			err = -ENOMEM;
	} else if (!err) {
		err = -errno;
	}
	if (!err)
		err = seccomp_notify_alloc(&trap->req, &trap->resp);
	if (err) {
		trap_free(trap);
		errno = -err;
		return NULL;
	}
	return trap;
}

int trap_add_listener(struct trap *trap, int listener)
{
	if (trap->nlisteners == sizeof(trap->listeners) / sizeof(trap->listeners[0])) {
		close(listener);
		return -EMFILE;
	}
	trap->listeners[trap->nlisteners++] = listener;
	return 0;
}

size_t trap_poll_fds(const struct trap *trap, struct pollfd *fds, size_t max)
{
	size_t n = 0;
	for (; trap && n < trap->nlisteners && n < max; n++)
		fds[n] = (struct pollfd){.fd = trap->listeners[n], .events = POLLIN};
	return n;
}

/* Reply @answer to the notification in trap->req. */
static void reply(struct trap *trap, int listener, long answer)
{
	if (answer == TRAP_ANSWERED)
		return;
	struct seccomp_notif_resp *resp = trap->resp;
	memset(resp, 0, sizeof(*resp));
	resp->id = trap->req->id;
	if (answer == TRAP_CONTINUE)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (answer < 0)
		resp->error = (int32_t)answer;
	else
		resp->val = answer;
	/* ENOENT: the caller was killed meanwhile; nothing is owed to it. */
	seccomp_notify_respond(listener, resp);
}

/* Answer one notification on @listener. */
static void serve_one(struct trap *trap, int listener)
{
	memset(trap->req, 0, sizeof(*trap->req));
	if (seccomp_notify_receive(listener, trap->req) < 0)
		return; /* the caller went away before we read it */
	struct trap_call call = {
	    .trap = trap, .listener = listener, .req = trap->req, .pid = (pid_t)trap->req->pid};
	long answer = TRAP_CONTINUE;
	/* Other architectures' numbers mean other calls: the filter traps the native one. */
	if (trap->req->data.arch == seccomp_arch_native())
		answer = trap_dispatch(&call);
	trap_unbecome(&call);
	if (answer == -ESRCH)
		answer = TRAP_ANSWERED; /* the caller is gone */
	reply(trap, listener, answer);
}

/* Stop serving the listener at @index: every process under it has exited. */
static void drop_listener(struct trap *trap, size_t index)
{
	close(trap->listeners[index]);
	trap->listeners[index] = trap->listeners[--trap->nlisteners];
	if (trap->verbose)
		fputs("tmpjail: trap: every trapped process has exited\n", stderr);
}

void trap_serve(struct trap *trap, const struct pollfd *fds, size_t count)
{
	if (!trap)
		return;
	/* Backwards: dropping one moves the last into its place. */
	for (size_t i = count; i-- > 0;) {
		if (i >= trap->nlisteners || fds[i].fd != trap->listeners[i])
			continue;
		if (fds[i].revents & POLLIN)
			serve_one(trap, fds[i].fd);
		else if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			drop_listener(trap, i);
	}
}

void trap_free(struct trap *trap)
{
	if (!trap)
		return;
	for (size_t i = 0; i < trap->nlisteners; i++)
		close(trap->listeners[i]);
	trap_cwd_free(trap);
	if (trap->req)
		seccomp_notify_free(trap->req, trap->resp);
	free(trap->groups);
	free(trap);
}
