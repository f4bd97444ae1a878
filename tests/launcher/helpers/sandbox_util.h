/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the sandbox suites (check_seccomp.c, check_policy.c,
 * check_seal.c): run a probe operation in a forked child under a filter
 * and/or seal, capture what seccomp_build() prints, run the launcher, and
 * make and remove scratch directories.
 *
 * Why children leave with _exit(): a filter stays with the process until it
 * dies. Under ASan, a normal exit() runs LeakSanitizer's exit-time check,
 * which stops the process's threads with ptrace (harden denies it) and
 * makes other calls a filter may deny: it would then report a "fatal
 * error" and fail a child that did everything right. _exit() skips that
 * check, and the child has nothing to flush. Even so, the sanitizer
 * runtime's _exit() still calls sigaltstack, gettid and mmap: an
 * allow-list test must allow those (check_policy.c, RUNTIME_NEEDS).
 */
#ifndef TMPJAIL_TESTS_SANDBOX_UTIL_H
#define TMPJAIL_TESTS_SANDBOX_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe_ops.h"
#include "sandbox.h"

/* Exit codes of a child that could not even set up its sandbox. */
#define SBX_SEAL_FAILED 253
#define SBX_FILTER_FAILED 254
#define SBX_BAD_PROBE 255

/* What a child installs before it tries an operation. */
struct sbx_sandbox {
	scmp_filter_ctx filter; /* NULL: none; the child's copy is released */
	int seal_fd;		/* -1: none; closed in the child only */
	bool filter_first;	/* install the filter before the seal */
};

static inline void sbx_install(const struct sbx_sandbox *box)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(SBX_FILTER_FAILED);
	if (box->filter && box->filter_first && seccomp_install(box->filter) < 0)
		_exit(SBX_FILTER_FAILED);
	if (box->seal_fd >= 0 && seal_install(box->seal_fd) < 0)
		_exit(SBX_SEAL_FAILED);
	if (box->filter && !box->filter_first && seccomp_install(box->filter) < 0)
		_exit(SBX_FILTER_FAILED);
}

/* Wait for @pid: its exit code, 128+N if signal N killed it, or -1. */
static inline int sbx_wait(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * sbx_probe() - in a forked child, install @box (NULL: nothing, the
 * control run) and try the operation @argv (NULL-terminated).
 * Return: 0 or the errno the kernel answered with, 128+N when the child
 * was killed by signal N, or one of the SBX_* codes.
 */
static inline int sbx_probe(const struct sbx_sandbox *box, const char *const *argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (box)
			sbx_install(box);
		int r = probe_run(argc, (char **)argv);
		_exit(r < 0 ? SBX_BAD_PROBE : r); /* see the top of this file */
	}
	return pid < 0 ? -1 : sbx_wait(pid);
}

/* The name of sbx_probe()'s result, for messages. */
static inline const char *sbx_name(int r)
{
	static char buf[32];
	if (r == SBX_SEAL_FAILED || r == SBX_FILTER_FAILED || r == SBX_BAD_PROBE || r > 128) {
		snprintf(buf, sizeof(buf), r > 128 && r < 200 ? "signal %d" : "setup failure %d",
			 r > 128 && r < 200 ? r - 128 : r);
		return buf;
	}
	return probe_errno_name(r);
}

/* Read all of @fd from the start into a malloc'd string. */
static inline char *sbx_slurp(int fd)
{
	size_t size = 0, cap = 4096;
	char *text = malloc(cap);
	ssize_t n;
	lseek(fd, 0, SEEK_SET);
	while (text && (n = read(fd, text + size, cap - size - 1)) > 0) {
		size += (size_t)n;
		if (cap - size < 2) {
			char *bigger = realloc(text, cap *= 2);
			if (!bigger)
				free(text);
			text = bigger;
		}
	}
	if (text)
		text[size] = '\0';
	return text;
}

/*
 * sbx_build() - seccomp_build(@spec, @log) with what it prints to stderr
 * captured into *@err (malloc'd). Return: the filter or NULL.
 */
static inline scmp_filter_ctx sbx_build(const char *spec, bool log, char **err)
{
	int capture = memfd_create("stderr", MFD_CLOEXEC);
	int saved = dup(2);
	fflush(stderr);
	dup2(capture, 2);
	scmp_filter_ctx ctx = seccomp_build(spec, log, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	*err = sbx_slurp(capture);
	close(capture);
	return ctx;
}

/*
 * sbx_run() - run @argv (argv[0] a path) with stdout and stderr captured
 * into *@out and *@err (malloc'd; either may be NULL).
 * Return: as sbx_wait().
 */
static inline int sbx_run(char *const *argv, char **out, char **err)
{
	int out_fd = memfd_create("stdout", MFD_CLOEXEC);
	int err_fd = memfd_create("stderr", MFD_CLOEXEC);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	int r = pid < 0 ? -1 : sbx_wait(pid);
	if (out)
		*out = sbx_slurp(out_fd);
	if (err)
		*err = sbx_slurp(err_fd);
	close(out_fd);
	close(err_fd);
	return r;
}

/* sbx_scratch() - a new empty directory "tj-sandbox-XXXXXX" in the current
 * directory (the test's build directory), as a malloc'd real path. */
static inline char *sbx_scratch(void)
{
	char name[] = "tj-sandbox-XXXXXX";
	if (!mkdtemp(name))
		return NULL;
	return realpath(name, NULL);
}

static inline int sbx_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

/* sbx_remove_scratch() - remove a tree made by sbx_scratch(): refuses any
 * other name; never follows symlinks nor crosses mount points. */
static inline int sbx_remove_scratch(const char *dir)
{
	const char *base = strrchr(dir, '/');
	if (!base || strncmp(base + 1, "tj-sandbox-", 11) != 0 || strlen(base + 1) != 17)
		return -EINVAL;
	return nftw(dir, sbx_remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* sbx_join() - "dir/name" in a static buffer (one of four, in rotation). */
static inline const char *sbx_join(const char *dir, const char *name)
{
	static char bufs[4][4096];
	static int next;
	char *buf = bufs[next++ % 4];
	snprintf(buf, sizeof(bufs[0]), "%s/%s", dir, name);
	return buf;
}

#endif
