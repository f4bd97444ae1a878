/* SPDX-License-Identifier: MIT */
/*
 * The fortified entry points, reached the way real binaries reach them:
 * built with -O2 -D_FORTIFY_SOURCE=2, glibc's headers turn open() with
 * flags unknown at compile time into __open_2(), readlink() into a known
 * buffer with an unknown length into __readlink_chk(), realpath() into a
 * known buffer into __realpath_chk(). The test checks with nm that this
 * binary imports each name.
 */
#define _GNU_SOURCE
#define _LARGEFILE64_SOURCE
#include <fcntl.h>
#include <limits.h>

#include "helper.h"

#if !defined(_FORTIFY_SOURCE) || !defined(__OPTIMIZE__)
#error "build with -O2 -D_FORTIFY_SOURCE=2"
#endif

/* Opaque to the compiler, so the flags and lengths are not constants. */
static volatile int read_only = O_RDONLY | O_CLOEXEC;
static volatile size_t link_room = 64;

static int check_data(int fd, const char *sym)
{
	if (fd < 0)
		FAIL("%s", sym);
	int ok = fd_has_data(fd);
	close(fd);
	if (!ok) {
		fprintf(stderr, "%s: wrong content\n", sym);
		return 1;
	}
	return 0;
}

static int call___open_2(const char *base)
{
	return check_data(open(at(base, "f"), read_only), "__open_2");
}

static int call___open64_2(const char *base)
{
	return check_data(open64(at(base, "f"), read_only), "__open64_2");
}

static int call___openat_2(const char *base)
{
	return check_data(openat(AT_FDCWD, at(base, "f"), read_only), "__openat_2");
}

static int call___openat64_2(const char *base)
{
	return check_data(openat64(AT_FDCWD, at(base, "f"), read_only), "__openat64_2");
}

static int print_link(ssize_t n, char *buf, const char *sym)
{
	if (n < 0)
		FAIL("%s", sym);
	buf[n] = '\0';
	printf("%s\n", buf);
	return 0;
}

static int call___readlink_chk(const char *base)
{
	char buf[64];
	return print_link(readlink(at(base, "l"), buf, link_room - 1), buf, "__readlink_chk");
}

static int call___readlinkat_chk(const char *base)
{
	char buf[64];
	return print_link(readlinkat(AT_FDCWD, at(base, "l"), buf, link_room - 1), buf,
			  "__readlinkat_chk");
}

static int call___realpath_chk(const char *base)
{
	char resolved[PATH_MAX];
	if (!realpath(at(base, "l"), resolved))
		FAIL("__realpath_chk");
	printf("%s\n", resolved);
	return 0;
}

static const struct call calls[] = {
    CALL(__open_2),	  CALL(__open64_2),	  CALL(__openat_2),	CALL(__openat64_2),
    CALL(__readlink_chk), CALL(__readlinkat_chk), CALL(__realpath_chk),
};

HELPER_MAIN(calls)
