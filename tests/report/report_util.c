/* SPDX-License-Identifier: MIT */
/* Helpers of the --report suites (report_util.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "report_util.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher_util.h"

static char scratch[PATH_MAX];

const char *ru_scratch(void)
{
	if (!scratch[0])
		snprintf(scratch, sizeof(scratch), "%s", lu_scratch_make());
	return scratch;
}

const char *ru_in_scratch(const char *name)
{
	static char paths[8][PATH_MAX];
	static int next;
	char *path = paths[next++ % 8];
	int len = snprintf(path, PATH_MAX, "%s/%s", ru_scratch(), name);

	ck_assert(len > 0 && len < PATH_MAX);
	return path;
}

void ru_audit(const char *log, const char *const argv[])
{
	const char *args[16] = {lu_launcher(), "--base", ru_scratch(), "--audit", log, "--"};
	size_t n = 6;
	char *out = NULL;

	for (size_t i = 0; argv[i]; i++) {
		ck_assert_uint_lt(n, 15);
		args[n++] = argv[i];
	}
	args[n] = NULL;
	int status = lu_run(args, &out, 60);
	ck_assert_msg(status == 0, "%s exited %d: %s", argv[0], status, out);
	free(out);
}

static const char *in_dir(const char *variable, const char *name)
{
	static char paths[4][PATH_MAX];
	static int next;
	char *path = paths[next++ % 4];
	const char *dir = getenv(variable);

	ck_assert_msg(dir && *dir, "%s is not set", variable);
	int len = snprintf(path, PATH_MAX, "%s/%s", dir, name);
	ck_assert(len > 0 && len < PATH_MAX);
	return path;
}

const char *ru_legacy(const char *name)
{
	return in_dir("REPORT_LEGACY", name);
}

const char *ru_script(const char *name)
{
	return in_dir("REPORT_SCRIPTS", name);
}

int ru_report(char **out, const char *const args[])
{
	const char *argv[16] = {lu_launcher(), "--report"};
	size_t n = 2;

	for (size_t i = 0; args[i]; i++) {
		ck_assert_uint_lt(n, 15);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	return lu_run(argv, out, 120);
}

const char *ru_write(const char *name, const char *text, size_t len)
{
	const char *path = ru_in_scratch(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}
