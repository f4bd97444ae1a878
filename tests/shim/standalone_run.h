/* SPDX-License-Identifier: MIT */
/*
 * Running the shim on its own (no launcher) where it can do no harm: a
 * forked child in a private mount namespace with a fresh tmpfs on /tmp and
 * /var/tmp, so whatever the shim makes or leaks there is seen by no one
 * else, and `tmpjail --gc` can be pointed at it. Used by
 * tests/adversary/check_adversary_shim.c.
 *
 * A body run by in_private_tmp() reports a failure on stderr and returns
 * its step number (FAIL()); 77 means the namespace could not be made
 * (unprivileged without user namespaces): the test is then skipped.
 */
#ifndef TMPJAIL_TESTS_SHIM_STANDALONE_RUN_H
#define TMPJAIL_TESTS_SHIM_STANDALONE_RUN_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher_util.h"
#include "tj_check.h"

extern char **environ;

#define FAIL(step, ...)                             \
	do {                                        \
		fprintf(stderr, "step %d: ", step); \
		fprintf(stderr, __VA_ARGS__);       \
		fputc('\n', stderr);                \
		return step;                        \
	} while (0)

static inline const char *env_or_die(const char *name)
{
	const char *value = getenv(name);

	if (!value || !value[0]) {
		fprintf(stderr, "%s is not set\n", name);
		abort();
	}
	return value;
}

static inline const char *fmt(const char *format, ...)
{
	static char bufs[8][PATH_MAX + 64];
	static int next;
	char *buf = bufs[next++ % 8];
	va_list ap;

	va_start(ap, format);
	vsnprintf(buf, sizeof(bufs[0]), format, ap);
	va_end(ap);
	return buf;
}

/* ---- a private /tmp ---- */

static inline int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Unprivileged: a user namespace mapping our own ids gives the right to mount. */
static inline int enter_user_namespace(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (write_proc("/proc/self/uid_map", map) < 0 ||
	    write_proc("/proc/self/setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	return write_proc("/proc/self/gid_map", map);
}

/* In the forked child: a fresh tmpfs on /tmp and /var/tmp, seen by no one else. */
static inline int private_tmp(void)
{
	if (geteuid() != 0 && enter_user_namespace() < 0) {
		perror("user namespace");
		return 77;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") < 0 ||
	    mount("tmpfs", "/var/tmp", "tmpfs", 0, "mode=1777") < 0) {
		perror("private mount namespace");
		return 77;
	}
	return 0;
}

/* Run @body in a forked child with a private /tmp; assert it returned 0. */
static inline void in_private_tmp(int (*body)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int r = private_tmp();
		_exit(r ? r : body());
	}
	int status = lu_wait_timeout(pid, 250);
	if (status < 0)
		kill(pid, SIGKILL);
	ck_assert_msg(status >= 0, "timed out");
	if (status == 77)
		TJ_SKIP("needs root or user namespaces (a private /tmp could not be mounted)");
	ck_assert_msg(status == 0, "failed at step %d (see stderr)", status);
}

/* ---- running programs ---- */

static inline bool dropped(const char *entry)
{
	static const char *const names[] = {"LD_PRELOAD=", "TMPJAIL_", "TMPDIR="};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(entry, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

/*
 * Start @argv (absolute) with our environment minus LD_PRELOAD, TMPJAIL_*
 * and TMPDIR, plus the shim when @shim, plus @extra ("VAR=value"). Its
 * stdout and stderr go to the pipe whose read end is returned in *@out_fd.
 */
static inline pid_t start(const char *const argv[], const char *const extra[], bool shim,
			  int *out_fd)
{
	const char *env[512];
	size_t n = 0;
	int fds[2];

	for (char **e = environ; *e && n < 400; e++)
		if (!dropped(*e))
			env[n++] = *e;
	if (shim)
		env[n++] = fmt("LD_PRELOAD=%s", env_or_die("TMPJAIL_SHIM"));
	for (size_t i = 0; extra && extra[i]; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		execve(argv[0], (char *const *)argv, (char *const *)env);
		_exit(127);
	}
	close(fds[1]);
	*out_fd = fds[0];
	return pid;
}

/*
 * Read the output of a start()ed run until every process holding the pipe
 * closed it (background children too), then wait for the run itself.
 * Return: its status as a shell shows it; 137 (killed) when it takes more
 * than 60 s.
 */
static inline int finish(pid_t pid, int fd, char *out, size_t size)
{
	size_t len = 0;
	time_t end = time(NULL) + 60;

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (time(NULL) > end || poll(&p, 1, 1000) < 0)
			break;
		char buf[512];
		ssize_t r = p.revents ? read(fd, buf, sizeof(buf)) : 1;
		if (r == 0)
			break;
		if (r > 0 && p.revents && len + (size_t)r < size) {
			memcpy(out + len, buf, (size_t)r);
			len += (size_t)r;
		}
	}
	out[len] = '\0';
	close(fd);
	if (time(NULL) > end)
		kill(pid, SIGKILL); /* hung: report it, do not wait forever */
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline int run(const char *const argv[], const char *const extra[], bool shim, char *out,
		      size_t size)
{
	int fd;
	pid_t pid = start(argv, extra, shim, &fd);

	return pid < 0 ? -1 : finish(pid, fd, out, size);
}

/* `tmpjail --gc --base /tmp`, the private /tmp; its exit status. */
static inline int gc_private_tmp(void)
{
	char out[4096];
	const char *argv[] = {env_or_die("TMPJAIL_BIN"), "--gc", "--base", "/tmp", NULL};

	return run(argv, NULL, false, out, sizeof(out));
}

/* Does some root in the private /tmp hold @rel ("tmp/f")? Polls 10 s. */
static inline bool wait_in_root(const char *rel)
{
	for (int tries = 0; tries < 1000; tries++) {
		DIR *dir = opendir("/tmp");
		struct dirent *e;
		bool found = false;
		while (dir && (e = readdir(dir)))
			if (strncmp(e->d_name, "tj-", 3) == 0 &&
			    access(fmt("/tmp/%s/%s", e->d_name, rel), F_OK) == 0)
				found = true;
		if (dir)
			closedir(dir);
		if (found)
			return true;
		usleep(10000);
	}
	return false;
}

/* Entries of @path whose name does not start with "tj-" or ".tj-"; removed. */
static inline int leaks(const char *path, char *names, size_t size)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int count = 0;

	while (dir && (e = readdir(dir))) {
		const char *name = e->d_name;
		if (!strcmp(name, ".") || !strcmp(name, "..") || !strncmp(name, "tj-", 3) ||
		    !strncmp(name, ".tj-", 4))
			continue;
		count++;
		if (strlen(names) + strlen(name) + 2 < size)
			strcat(strcat(names, name), " ");
		unlinkat(dirfd(dir), name, 0);
	}
	if (dir)
		closedir(dir);
	return count;
}

static inline int count_entries(const char *path)
{
	return lu_count_entries(path);
}

#endif
