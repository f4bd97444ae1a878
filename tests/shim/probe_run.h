/* SPDX-License-Identifier: MIT */
/*
 * Shared by the shim's own suites (check_shim_basic.c, check_shim_children.c):
 * a scratch private root per test, a unique name under /tmp, and a runner
 * that starts a program under LD_PRELOAD=$TMPJAIL_SHIM and captures its
 * output. Include it first.
 */
#ifndef TMPJAIL_TESTS_SHIM_PROBE_RUN_H
#define TMPJAIL_TESTS_SHIM_PROBE_RUN_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tj_check.h"
#include "tmpjail/tempfile.h"

extern char **environ;

static char root[PATH_MAX]; /* the scratch private root */
static char name[64];	    /* a unique name to use under /tmp */
static const char *shim, *probe;

/* A path from a format, in a static ring so a test can hold a few. */
static inline const char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
static inline const char *fmt(const char *format, ...)
{
	static char ring[8][PATH_MAX];
	static int next;
	char *out = ring[next++ % 8];
	va_list ap;

	va_start(ap, format);
	vsnprintf(out, PATH_MAX, format, ap);
	va_end(ap);
	return out;
}

static inline void setup(void)
{
	unsigned char bytes[8];
	char dir[] = "tj-shim-basic-XXXXXX";

	shim = getenv("TMPJAIL_SHIM");
	probe = getenv("TJ_SHIM_PROBE");
	ck_assert_msg(shim && shim[0] == '/', "TMPJAIL_SHIM must be the shim's absolute path");
	ck_assert_msg(probe != NULL, "TJ_SHIM_PROBE is unset");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(realpath(dir, root));
	ck_assert_int_eq(mkdir(fmt("%s/tmp", root), 0700), 0);
	ck_assert_int_eq(mkdir(fmt("%s/var", root), 0700), 0);
	ck_assert_int_eq(mkdir(fmt("%s/var/tmp", root), 0700), 0);
	ck_assert_int_eq(getrandom(bytes, sizeof(bytes), 0), (ssize_t)sizeof(bytes));
	snprintf(name, sizeof(name), "tjbasic-%02x%02x%02x%02x%02x%02x%02x%02x", bytes[0], bytes[1],
		 bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]);
}

/* Removes only the scratch root setup() just made. */
static inline void teardown(void)
{
	if (root[0])
		tf_rmtree(root, 0);
}

/* 8 characters of a shim-made root's name, [a-z0-9_]. */
static inline int random_root_name(char *out)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	unsigned char bytes[TF_RANDOM_CHARS];

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		return -1;
	for (int i = 0; i < TF_RANDOM_CHARS; i++)
		out[i] = chars[bytes[i] % (sizeof(chars) - 1)];
	return 0;
}

/* Nothing under our unique name reached the real /tmp. */
static inline void assert_real_tmp_clean(const char *suffix)
{
	struct stat st;
	const char *path = fmt("/tmp/%s%s", name, suffix);

	ck_assert_msg(lstat(path, &st) != 0 && errno == ENOENT, "%s exists in the real /tmp", path);
}

struct run {
	char out[16384];
	int status;
};

/*
 * Run @argv under the shim with the test's environment plus @extra
 * ("NAME=value" entries; "NOROOT" drops TMPJAIL_ROOT, an LD_PRELOAD entry
 * replaces the shim-only one). Output and errors go to @run->out.
 */
static inline void run_env(struct run *run, const char *const *extra, const char *const *argv)
{
	const char *envp[512];
	size_t n = 0;
	bool with_root = true;
	int pipe_fds[2];

	bool with_preload = true;
	for (const char *const *e = extra; e && *e; e++) {
		if (strcmp(*e, "NOROOT") == 0)
			with_root = false;
		if (strncmp(*e, "LD_PRELOAD=", 11) == 0)
			with_preload = false;
	}
	for (char **e = environ; *e && n < 480; e++) {
		bool overridden = false;
		size_t name_len = strcspn(*e, "=") + 1;
		for (const char *const *x = extra; x && *x; x++)
			if (strncmp(*x, *e, name_len) == 0)
				overridden = true;
		if (!overridden && strncmp(*e, "LD_PRELOAD=", 11) != 0 &&
		    strncmp(*e, "TMPJAIL_", 8) != 0)
			envp[n++] = *e;
	}
	if (with_preload)
		envp[n++] = fmt("LD_PRELOAD=%s", shim);
	if (with_root)
		envp[n++] = fmt("TMPJAIL_ROOT=%s", root);
	for (const char *const *e = extra; e && *e; e++)
		if (strcmp(*e, "NOROOT") != 0)
			envp[n++] = *e;
	envp[n] = NULL;

	ck_assert_int_eq(pipe(pipe_fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pipe_fds[1], 1);
		dup2(pipe_fds[1], 2);
		close(pipe_fds[0]);
		execve(argv[0], (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	close(pipe_fds[1]);
	size_t len = 0;
	ssize_t got;
	while ((got = read(pipe_fds[0], run->out + len, sizeof(run->out) - 1 - len)) > 0)
		len += (size_t)got;
	run->out[len] = '\0';
	close(pipe_fds[0]);
	ck_assert_int_eq(waitpid(pid, &run->status, 0), pid);
}

#define PROBE(run, extra, ...) run_env(run, extra, (const char *const[]){probe, __VA_ARGS__, NULL})

static inline void assert_ok(const struct run *run)
{
	ck_assert_msg(WIFEXITED(run->status) && WEXITSTATUS(run->status) == 0,
		      "status %d, output: %s", run->status, run->out);
}

static inline void assert_file(const char *path, const char *content)
{
	char buf[256] = "";
	int fd = open(path, O_RDONLY);

	ck_assert_msg(fd >= 0, "%s is missing", path);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_ge(n, 0);
	ck_assert_str_eq(buf, content);
}

static inline void add(Suite *suite, TCase *tc, const TTest *test)
{
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test);
	suite_add_tcase(suite, tc);
}

#endif
