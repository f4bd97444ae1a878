/* SPDX-License-Identifier: MIT */
/* Shared helpers of tmpjail's Check suites. */
#ifndef TMPJAIL_TESTS_TJ_CHECK_H
#define TMPJAIL_TESTS_TJ_CHECK_H

#include <check.h>
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each suite file defines this; check_main.c runs it. */
Suite *tj_suite(void);

/* Everything left to read on @fd, to its end, as a malloc'd string (a read
 * interrupted by a signal is retried; any other error fails the test). */
static inline char *tj_read_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);

	ck_assert_ptr_nonnull(buf);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n >= 0, "read: %s", strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/*
 * TJ_SKIP(reason): end the current test as skipped (CTest reports it so).
 * Say in the reason what the test needs: "needs root", "needs a non-root
 * user", ...
 */
#define TJ_SKIP(reason)                                                     \
	do {                                                                \
		const char *tj_fd_ = getenv("TJ_SKIP_FD");                  \
		if (tj_fd_) {                                               \
			const char *tj_why_ = (reason);                     \
			if (write(atoi(tj_fd_), tj_why_, strlen(tj_why_)) < \
			    0) { /* the run then counts as passed */        \
			}                                                   \
		}                                                           \
		return;                                                     \
	} while (0)

/*
 * Can @uid (group @gid, no other groups) read @path: search every
 * directory on the way? A test that runs the build tree's programs as
 * another user (nobody) needs it, and a build tree in a private directory
 * (a clone made under a mode-0700 one) denies it. As root only: asked in a
 * child that becomes that user.
 */
static inline bool tj_reachable_by(uid_t uid, gid_t gid, const char *path)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(setgroups(0, NULL) == 0 && setgid(gid) == 0 && setuid(uid) == 0 &&
			      access(path, R_OK) == 0
			  ? 0
			  : 1);
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* TJ_NEED_REACHABLE(path): skip, saying why, unless nobody (65534) can read @path. */
#define TJ_NEED_REACHABLE(path)                                                                \
	do {                                                                                   \
		if (!tj_reachable_by(65534, 65534, (path)))                                    \
			TJ_SKIP("runs the build tree's programs as nobody, who cannot reach "  \
				"them: a directory above the build tree is not searchable by " \
				"others (chmod o+x it, or build elsewhere)");                  \
	} while (0)

#endif
