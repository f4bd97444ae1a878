/* SPDX-License-Identifier: MIT */
/* Removing a step's root as the job's user: see spank_reap.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spank_reap.h"

#include <errno.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Attempts, and the pause between them, while something still writes in the root. */
#define REAP_ATTEMPTS 5
#define REAP_PAUSE_NS (200 * 1000 * 1000L)
/* The longest slurmstepd waits for the removal; what is left is the Epilog's. */
#define REAP_TIMEOUT_S 120L
#define REAP_POLL_NS (20 * 1000 * 1000L)

/* Close every fd but @keep_a and @keep_b: the child holds nothing of slurmstepd's. */
static int close_all_but(int keep_a, int keep_b)
{
	int low = keep_a < keep_b ? keep_a : keep_b, high = keep_a < keep_b ? keep_b : keep_a;
	if ((low > 0 && syscall(SYS_close_range, 0U, (unsigned)low - 1, 0U) < 0) ||
	    (high > low + 1 &&
	     syscall(SYS_close_range, (unsigned)low + 1, (unsigned)high - 1, 0U) < 0) ||
	    syscall(SYS_close_range, (unsigned)high + 1, ~0U, 0U) < 0)
		return -errno;
	return 0;
}

/*
 * Act as @user: its groups, and its uid and gid as the effective ones, which
 * file access goes by (the kernel's fsuid/fsgid follow them; effective
 * capabilities are dropped). The real and saved uid stay root's on purpose:
 * the job's processes may not signal (SIGSTOP) nor ptrace the child that
 * removes their root, so they cannot hold slurmstepd in its wait.
 */
static int act_as(const struct spank_user *user)
{
	if (setgroups(user->group_count, user->groups) < 0 ||
	    setresgid((gid_t)-1, user->gid, (gid_t)-1) < 0 ||
	    setresuid((uid_t)-1, user->uid, (uid_t)-1) < 0)
		return -errno;
	return 0;
}

/* A retry can help only when the tree changed under the remover. */
static bool worth_retrying(int err)
{
	return err == -ENOTEMPTY || err == -EEXIST || err == -EBUSY;
}

/* The child: drop to the user and remove; exit with the error number. */
static _Noreturn void reap_child(struct root *root, const struct spank_user *user)
{
	int err = close_all_but(root->base_fd, root->fd);
	if (!err)
		err = act_as(user);
	for (int attempt = 0; !err || worth_retrying(err); attempt++) {
		struct root copy = {.base_fd = dup(root->base_fd), .fd = dup(root->fd)};
		memcpy(copy.name, root->name, sizeof(copy.name));
		if (copy.base_fd < 0 || copy.fd < 0) {
			err = -errno;
			break;
		}
		err = root_remove(&copy);
		if (!err || attempt + 1 == REAP_ATTEMPTS)
			break;
		nanosleep(&(struct timespec){.tv_nsec = REAP_PAUSE_NS}, NULL);
	}
	_exit(err ? (-err & 0xff) : 0);
}

/*
 * Wait for the child @pid at most REAP_TIMEOUT_S seconds, then kill it: a
 * tree that never ends (a FUSE file system the job mounted in its root and
 * left unanswering) must not keep the step from ending. Return: its status.
 */
static int wait_bounded(pid_t pid, int *status)
{
	for (long waited = 0;; waited += REAP_POLL_NS) {
		pid_t done = waitpid(pid, status, WNOHANG);
		if (done == pid)
			return 0;
		if (done < 0 && errno != EINTR)
			return -errno;
		if (waited >= REAP_TIMEOUT_S * 1000000000L) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){.tv_nsec = REAP_POLL_NS}, NULL);
	}
}

int spank_reap_as_user(struct root *root, const struct spank_user *user)
{
	pid_t pid = fork();
	if (pid == 0)
		reap_child(root, user);
	int status = 0, err = pid < 0 ? -errno : wait_bounded(pid, &status);
	if (!err && WIFEXITED(status))
		err = -WEXITSTATUS(status);
	else if (!err)
		err = -ECHILD; /* killed: nothing can be said of the tree */
	root_keep(root);       /* the parent's fds and path, the tree is the child's business */
	return err;
}
