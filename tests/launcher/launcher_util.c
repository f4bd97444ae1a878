/* SPDX-License-Identifier: MIT */
/* Helpers of the launcher's integration suites (launcher_util.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "launcher_util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *lu_launcher(void)
{
	const char *bin = getenv("TMPJAIL_BIN");
	ck_assert_msg(bin && *bin, "TMPJAIL_BIN is not set");
	return bin;
}

const char *lu_scratch_make(void)
{
	static char path[PATH_MAX];
	const char *parent = getenv("TJ_SCRATCH_PARENT");
	ck_assert_msg(parent && *parent, "TJ_SCRATCH_PARENT is not set");
	mkdir(parent, 0700);
	snprintf(path, sizeof(path), "%s/lf-XXXXXX", parent);
	ck_assert_msg(mkdtemp(path), "mkdtemp in %s: %s", parent, strerror(errno));
	return path;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int shell_status(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int lu_wait_timeout(pid_t pid, int timeout)
{
	double end = now() + timeout;
	for (;;) {
		int status;
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			return shell_status(status);
		ck_assert_msg(got == 0, "waitpid: %s", strerror(errno));
		if (now() > end)
			return -1;
		usleep(10000);
	}
}

void lu_scratch_remove(const char *path)
{
	/* A test may leave 000 directories behind; chmod -R first. */
	const char *chmod_argv[] = {"chmod", "-R", "u+rwx", path, NULL};
	const char *rm_argv[] = {"rm", "-rf", "--one-file-system", "--", path, NULL};
	ck_assert_int_eq(lu_run(chmod_argv, NULL, 120), 0);
	ck_assert_int_eq(lu_run(rm_argv, NULL, 120), 0);
}

int lu_run(const char *const argv[], char **out, int timeout)
{
	int pipe_fds[2];
	ck_assert_int_eq(pipe2(pipe_fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pipe_fds[1], 1);
		dup2(pipe_fds[1], 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipe_fds[1]);
	size_t len = 0, size = 4096;
	char *text = malloc(size);
	ck_assert_ptr_nonnull(text);
	double end = now() + timeout;
	struct pollfd readable = {.fd = pipe_fds[0], .events = POLLIN};
	/* Until EOF: every holder of the pipe (daemons too) is gone. */
	while (now() < end) {
		if (poll(&readable, 1, 100) <= 0)
			continue;
		if (len + 1024 > size)
			ck_assert_ptr_nonnull(text = realloc(text, size *= 2));
		ssize_t n = read(pipe_fds[0], text + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	close(pipe_fds[0]);
	int status = lu_wait_timeout(pid, (int)(end - now()) + 1);
	if (status < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	ck_assert_msg(status >= 0, "%s did not finish within %d s; output:\n%s", argv[0], timeout,
		      text);
	if (out)
		*out = text;
	else
		free(text);
	return status;
}

bool lu_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int lu_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int count = 0;
	struct dirent *entry;
	while ((entry = readdir(d)))
		if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
			count++;
	closedir(d);
	return count;
}

bool lu_wait_for_file(const char *path, int timeout)
{
	double end = now() + timeout;
	while (!lu_exists(path)) {
		if (now() > end)
			return false;
		usleep(10000);
	}
	return true;
}
