/* SPDX-License-Identifier: MIT */
/*
 * The old stat/mknod ABI (__xstat, __lxstat, __fxstatat, __xmknod, ... with
 * a version first argument) that binaries built against glibc before 2.33
 * still import: Debian 12's make, patch and node do. Current headers no
 * longer declare them, so they are declared here and bound to the symbol
 * version such binaries carry.
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include "helper.h"

#define STAT_VER 1  /* _STAT_VER_LINUX on x86_64 */
#define MKNOD_VER 0 /* _MKNOD_VER_LINUX */

int __xstat(int ver, const char *path, struct stat *buf);
int __lxstat(int ver, const char *path, struct stat *buf);
int __xstat64(int ver, const char *path, struct stat64 *buf);
int __lxstat64(int ver, const char *path, struct stat64 *buf);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);
int __xmknod(int ver, const char *path, mode_t mode, dev_t *dev);
int __xmknodat(int ver, int dirfd, const char *path, mode_t mode, dev_t *dev);

#if defined(__x86_64__)
__asm__(".symver __xstat,__xstat@GLIBC_2.2.5");
__asm__(".symver __lxstat,__lxstat@GLIBC_2.2.5");
__asm__(".symver __xstat64,__xstat64@GLIBC_2.2.5");
__asm__(".symver __lxstat64,__lxstat64@GLIBC_2.2.5");
__asm__(".symver __fxstatat,__fxstatat@GLIBC_2.4");
__asm__(".symver __fxstatat64,__fxstatat64@GLIBC_2.4");
__asm__(".symver __xmknod,__xmknod@GLIBC_2.2.5");
__asm__(".symver __xmknodat,__xmknodat@GLIBC_2.4");
#endif

static int check_file(int rc, mode_t mode, off_t size, const char *sym)
{
	if (rc != 0)
		FAIL("%s", sym);
	if (!S_ISREG(mode) || size != (off_t)(sizeof(DATA) - 1)) {
		fprintf(stderr, "%s: mode %o size %lld; expected the data file\n", sym,
			(unsigned)mode, (long long)size);
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int check_link(int rc, mode_t mode, const char *sym)
{
	if (rc != 0)
		FAIL("%s", sym);
	if (!S_ISLNK(mode)) {
		fprintf(stderr, "%s: mode %o is not a symlink\n", sym, (unsigned)mode);
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int call___xstat(const char *base)
{
	struct stat st;
	int rc = __xstat(STAT_VER, at(base, "l"), &st);
	return check_file(rc, st.st_mode, st.st_size, "__xstat");
}

static int call___xstat64(const char *base)
{
	struct stat64 st;
	int rc = __xstat64(STAT_VER, at(base, "l"), &st);
	return check_file(rc, st.st_mode, st.st_size, "__xstat64");
}

static int call___lxstat(const char *base)
{
	struct stat st;
	int rc = __lxstat(STAT_VER, at(base, "l"), &st);
	return check_link(rc, st.st_mode, "__lxstat");
}

static int call___lxstat64(const char *base)
{
	struct stat64 st;
	int rc = __lxstat64(STAT_VER, at(base, "l"), &st);
	return check_link(rc, st.st_mode, "__lxstat64");
}

static int call___fxstatat(const char *base)
{
	struct stat st;
	int rc = __fxstatat(STAT_VER, AT_FDCWD, at(base, "f"), &st, 0);
	return check_file(rc, st.st_mode, st.st_size, "__fxstatat");
}

static int call___fxstatat64(const char *base)
{
	struct stat64 st;
	int rc = __fxstatat64(STAT_VER, AT_FDCWD, at(base, "f"), &st, 0);
	return check_file(rc, st.st_mode, st.st_size, "__fxstatat64");
}

static int call___xmknod(const char *base)
{
	dev_t dev = 0;
	if (__xmknod(MKNOD_VER, at(base, "fifo"), S_IFIFO | 0640, &dev) != 0)
		FAIL("__xmknod");
	printf("ok\n");
	return 0;
}

static int call___xmknodat(const char *base)
{
	dev_t dev = 0;
	if (__xmknodat(MKNOD_VER, AT_FDCWD, at(base, "fifo"), S_IFIFO | 0640, &dev) != 0)
		FAIL("__xmknodat");
	printf("ok\n");
	return 0;
}

static const struct call calls[] = {
    CALL(__xstat),    CALL(__xstat64),	  CALL(__lxstat), CALL(__lxstat64),
    CALL(__fxstatat), CALL(__fxstatat64), CALL(__xmknod), CALL(__xmknodat),
};

HELPER_MAIN(calls)
