/* SPDX-License-Identifier: MIT */
/* Shared helpers of tmpjail's Check suites. */
#ifndef TMPJAIL_TESTS_TJ_CHECK_H
#define TMPJAIL_TESTS_TJ_CHECK_H

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
#define TJ_SKIP(reason)                                                        \
	do {                                                                   \
		const char *tj_fd_ = getenv("TJ_SKIP_FD");                     \
		if (tj_fd_) {                                                  \
			const char *tj_why_ = (reason);                        \
			if (write(atoi(tj_fd_), tj_why_, strlen(tj_why_)) < 0) \
				{ /* the run then counts as passed */          \
				}                                              \
		}                                                              \
		return;                                                        \
	} while (0)

#endif
