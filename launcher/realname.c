/* SPDX-License-Identifier: MIT */
/*
 * The kernel's names for paths (realname.h): raw system calls, which no
 * outer shim rewrites.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "realname.h"

/* Read the link @link with readlinkat(2) itself, NUL-terminated. */
static long raw_readlink(const char *link, char *buf, size_t size)
{
	long n = syscall(SYS_readlinkat, AT_FDCWD, link, buf, size - 1);
	if (n < 0)
		return -1;
	if ((size_t)n >= size - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[n] = '\0';
	return n;
}

char *realname_of(const char *path)
{
	char link[sizeof("/proc/self/fd/") + 16], buf[PATH_MAX];
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	long n = raw_readlink(link, buf, sizeof(buf));
	int saved = errno;
	close(fd);
	/* A removed file's name ends in " (deleted)": not a name to use. */
	static const char deleted[] = " (deleted)";
	size_t d = sizeof(deleted) - 1;
	if (n < 0 || buf[0] != '/' || ((size_t)n >= d && strcmp(buf + n - d, deleted) == 0)) {
		errno = saved;
		/* No /proc (or no path for it): the library's answer. */
		return realpath(path, NULL);
	}
	return strdup(buf);
}

char *realname_cwd(char *buf, size_t size)
{
	if (syscall(SYS_getcwd, buf, size) < 0)
		return NULL;
	/* "(unreachable)/...": a directory outside our root has no name. */
	if (buf[0] != '/') {
		errno = ENOENT;
		return NULL;
	}
	return buf;
}

long realname_exe(char *buf, size_t size)
{
	return raw_readlink("/proc/self/exe", buf, size);
}
