/* SPDX-License-Identifier: MIT */
/*
 * The main() of every Check suite. CTest runs it once per TCase with
 * CK_RUN_CASE set; a run in which no test executed is a failure, so a
 * misspelt case name can never pass. A test that calls TJ_SKIP() makes the
 * run exit 77, which CTest reports as skipped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* pipe2() */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tj_check.h"

int main(void)
{
	int skip_pipe[2];
	if (pipe2(skip_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("pipe2");
		return 1;
	}
	char fd_text[16];
	snprintf(fd_text, sizeof(fd_text), "%d", skip_pipe[1]);
	setenv("TJ_SKIP_FD", fd_text, 1);

	SRunner *runner = srunner_create(tj_suite());
	srunner_run_all(runner, CK_NORMAL);
	int ran = srunner_ntests_run(runner);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);

	char reason[512];
	ssize_t n = read(skip_pipe[0], reason, sizeof(reason) - 1);
	if (ran == 0) {
		const char *name = getenv("CK_RUN_CASE");
		fprintf(stderr, "no test ran (CK_RUN_CASE=%s)\n", name ? name : "");
		return 1;
	}
	if (failed)
		return 1;
	if (n > 0) {
		reason[n] = '\0';
		fprintf(stderr, "SKIPPED: %s\n", reason);
		return 77;
	}
	return 0;
}
