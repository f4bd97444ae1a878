/* SPDX-License-Identifier: MIT */
/* Shared helpers of tmpjail's Check suites. */
#ifndef TMPJAIL_TESTS_TJ_CHECK_H
#define TMPJAIL_TESTS_TJ_CHECK_H

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each suite file defines this; check_main.c runs it. */
Suite *tj_suite(void);

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
