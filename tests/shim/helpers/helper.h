/* SPDX-License-Identifier: MIT */
/*
 * Frame of the helper programs the shim's tests run under the shim. Each
 * helper is a table of calls, one per interposed symbol, each calling that
 * symbol by the name a real binary imports on paths under BASE, the
 * "/tmp/tjtest-<random>" directory the test prepared in the private dir
 * only:
 *
 *     helper SYMBOL BASE
 *
 * BASE holds f (a file with "tjdata\n"), d/ (holding g), e/ (empty) and l
 * (a symlink to "f"). Since BASE does not exist in the real /tmp, a call the
 * shim failed to redirect fails with ENOENT. A call prints what the test
 * checks on stdout and exits 0, or says what went wrong on stderr and exits
 * 1.
 */
#ifndef TMPJAIL_TESTS_SHIM_HELPER_H
#define TMPJAIL_TESTS_SHIM_HELPER_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA "tjdata\n"

struct call {
	const char *name;
	int (*fn)(const char *base);
};

#define CALL(sym)                \
	{                        \
#sym, call_##sym \
	}

/* Fail the call, naming the step and errno. */
#define FAIL(...)                                                 \
	do {                                                      \
		int fail_errno_ = errno;                          \
		fprintf(stderr, __VA_ARGS__);                     \
		fprintf(stderr, ": %s\n", strerror(fail_errno_)); \
		return 1;                                         \
	} while (0)

/* Check a condition; on failure report the expression and errno. */
#define CHECK(cond)                                                   \
	do {                                                          \
		if (!(cond))                                          \
			FAIL("%s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

/* "BASE/REL" in a static buffer (one of a few, rotating, per thread). */
static inline const char *at(const char *base, const char *rel)
{
	/* Per thread: the helpers' threads call this at once (ThreadSanitizer). */
	static __thread char bufs[8][4096];
	static __thread int next;
	char *buf = bufs[next++ % 8];
	snprintf(buf, sizeof(bufs[0]), "%s/%s", base, rel);
	return buf;
}

/* Write all of @text to @fd. */
static inline int write_all(int fd, const char *text)
{
	size_t len = strlen(text);
	return write(fd, text, len) == (ssize_t)len ? 0 : -1;
}

/* Does the file @fd holds begin with DATA? */
static inline int fd_has_data(int fd)
{
	char buf[sizeof(DATA)] = {0};
	ssize_t n = pread(fd, buf, sizeof(DATA) - 1, 0);
	return n == (ssize_t)(sizeof(DATA) - 1) && strcmp(buf, DATA) == 0;
}

static inline int run_call(const struct call *calls, size_t ncalls, int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s SYMBOL BASE\n", argv[0]);
		return 2;
	}
	/* Modes the tests check do not depend on the caller's umask. */
	umask(022);
	for (size_t i = 0; i < ncalls; i++)
		if (strcmp(calls[i].name, argv[1]) == 0)
			return calls[i].fn(argv[2]);
	fprintf(stderr, "%s: unknown call %s\n", argv[0], argv[1]);
	return 2;
}

#define HELPER_MAIN(calls)                                                            \
	int main(int argc, char **argv)                                               \
	{                                                                             \
		return run_call(calls, sizeof(calls) / sizeof(calls[0]), argc, argv); \
	}

#endif
