/* SPDX-License-Identifier: MIT */
/*
 * The open/create family, plain names (the fortified __open_2 forms are in
 * fortify.c). Each creating call makes BASE/new holding "<symbol>\n" with
 * mode 0640, so the test sees that both the path and the mode arrived.
 */
#define _GNU_SOURCE
#define _LARGEFILE64_SOURCE
#include <sys/syscall.h>
#include <fcntl.h>

#include "helper.h"

#define NEW_FLAGS (O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC)

static int finish_fd(int fd, const char *sym)
{
	char text[64];
	if (fd < 0)
		FAIL("%s", sym);
	snprintf(text, sizeof(text), "%s\n", sym);
	if (write_all(fd, text) < 0 || close(fd) < 0)
		FAIL("%s: write", sym);
	return 0;
}

static int call_open(const char *base)
{
	return finish_fd(open(at(base, "new"), NEW_FLAGS, 0640), "open");
}

static int call_open64(const char *base)
{
	return finish_fd(open64(at(base, "new"), NEW_FLAGS, 0640), "open64");
}

static int call_creat(const char *base)
{
	return finish_fd(creat(at(base, "new"), 0640), "creat");
}

static int call_creat64(const char *base)
{
	return finish_fd(creat64(at(base, "new"), 0640), "creat64");
}

/* Absolute path with AT_FDCWD is mapped; a name relative to a real
 * directory fd (one that already points into the private dir) is not. */
static int openat_both(int (*fn)(int, const char *, int, ...), const char *sym, const char *base)
{
	if (finish_fd(fn(AT_FDCWD, at(base, "new"), NEW_FLAGS, 0640), sym))
		return 1;
	int dir = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		FAIL("open %s", base);
	int rc = finish_fd(fn(dir, "rel", NEW_FLAGS, 0640), sym);
	close(dir);
	return rc;
}

static int call_openat(const char *base)
{
	return openat_both(openat, "openat", base);
}

static int call_openat64(const char *base)
{
	return openat_both(openat64, "openat64", base);
}

static int fopen_both(FILE *(*fn)(const char *, const char *), const char *sym, const char *base)
{
	FILE *in = fn(at(base, "f"), "r");
	if (!in)
		FAIL("%s r", sym);
	char line[64] = {0};
	if (!fgets(line, sizeof(line), in) || strcmp(line, DATA) != 0)
		FAIL("%s: read back \"%s\"", sym, line);
	fclose(in);
	FILE *out = fn(at(base, "new"), "wx");
	if (!out)
		FAIL("%s w", sym);
	fprintf(out, "%s\n", sym);
	if (fclose(out) != 0)
		FAIL("%s: fclose", sym);
	return 0;
}

static int call_fopen(const char *base)
{
	return fopen_both(fopen, "fopen", base);
}

static int call_fopen64(const char *base)
{
	return fopen_both(fopen64, "fopen64", base);
}

static int freopen_new(FILE *(*fn)(const char *, const char *, FILE *), const char *sym,
		       const char *base)
{
	FILE *stream = fopen("/dev/null", "r");
	if (!stream)
		FAIL("fopen /dev/null");
	stream = fn(at(base, "new"), "w", stream);
	if (!stream)
		FAIL("%s", sym);
	fprintf(stream, "%s\n", sym);
	if (fclose(stream) != 0)
		FAIL("%s: fclose", sym);
	return 0;
}

static int call_freopen(const char *base)
{
	return freopen_new(freopen, "freopen", base);
}

static int call_freopen64(const char *base)
{
	return freopen_new(freopen64, "freopen64", base);
}

/* O_TMPFILE takes a mode as O_CREAT does: the wrapper must pass it on. */
static int call_open_tmpfile(const char *base)
{
	int fd = open(base, O_TMPFILE | O_RDWR | O_CLOEXEC, 0604);
	if (fd < 0)
		FAIL("open(O_TMPFILE)");
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	if ((st.st_mode & 07777) != 0604) {
		fprintf(stderr, "O_TMPFILE mode %o, expected 604\n", st.st_mode & 07777);
		return 1;
	}
	char link[64], target[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = syscall(SYS_readlinkat, AT_FDCWD, link, target, sizeof(target) - 1);
	CHECK(n > 0);
	target[n] = '\0';
	printf("fdpath=%s\n", target);
	close(fd);
	return 0;
}

/*
 * The wrappers keep errno: a failing call reports the real call's errno,
 * whatever the shim's own bookkeeping (the audit write) met; a succeeding
 * call leaves errno as it was.
 */
static int call_errno(const char *base)
{
	errno = 0;
	if (open(at(base, "missing"), O_RDONLY | O_CLOEXEC) != -1 || errno != ENOENT)
		FAIL("open of a missing file: expected ENOENT");
	errno = 0;
	if (open(at(base, "f/below"), O_RDONLY | O_CLOEXEC) != -1 || errno != ENOTDIR)
		FAIL("open below a file: expected ENOTDIR");
	errno = 4242;
	int fd = open(at(base, "f"), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		FAIL("open");
	if (errno != 4242) {
		fprintf(stderr, "a successful open changed errno from 4242 to %d\n", errno);
		return 1;
	}
	close(fd);
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/nodir/sXXXXXX", base);
	errno = 0;
	if (mkstemp(tmpl) != -1 || errno != ENOENT)
		FAIL("mkstemp in a missing directory: expected ENOENT");
	printf("ok\n");
	return 0;
}

static const struct call calls[] = {
    CALL(open),	 CALL(open64),	CALL(creat),   CALL(creat64),	CALL(openat),	    CALL(openat64),
    CALL(fopen), CALL(fopen64), CALL(freopen), CALL(freopen64), CALL(open_tmpfile), CALL(errno),
};

HELPER_MAIN(calls)
