/* SPDX-License-Identifier: MIT */
/*
 * The stat/access family on BASE/f (a 7-byte file) and BASE/l (a symlink),
 * which exist only in the private dir: each call must see them. The old
 * __xstat ABI is in xstat_compat.c.
 */
#define _GNU_SOURCE
#define _LARGEFILE64_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "helper.h"

#define FILE_SIZE ((off_t)(sizeof(DATA) - 1))

static int check_file(int rc, mode_t mode, off_t size, const char *sym)
{
	if (rc != 0)
		FAIL("%s", sym);
	if (!S_ISREG(mode) || size != FILE_SIZE) {
		fprintf(stderr, "%s: mode %o size %lld; expected a %lld-byte file\n", sym,
			(unsigned)mode, (long long)size, (long long)FILE_SIZE);
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

static int call_stat(const char *base)
{
	struct stat st;
	int rc = stat(at(base, "l"), &st);
	return check_file(rc, st.st_mode, st.st_size, "stat");
}

static int call_stat64(const char *base)
{
	struct stat64 st;
	int rc = stat64(at(base, "l"), &st);
	return check_file(rc, st.st_mode, st.st_size, "stat64");
}

static int call_lstat(const char *base)
{
	struct stat st;
	int rc = lstat(at(base, "l"), &st);
	return check_link(rc, st.st_mode, "lstat");
}

static int call_lstat64(const char *base)
{
	struct stat64 st;
	int rc = lstat64(at(base, "l"), &st);
	return check_link(rc, st.st_mode, "lstat64");
}

static int call_fstatat(const char *base)
{
	struct stat st;
	/* The link itself first, without following it. */
	if (fstatat(AT_FDCWD, at(base, "l"), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(st.st_mode))
		FAIL("fstatat(AT_SYMLINK_NOFOLLOW) of the link");
	int rc = fstatat(AT_FDCWD, at(base, "f"), &st, 0);
	return check_file(rc, st.st_mode, st.st_size, "fstatat");
}

static int call_fstatat64(const char *base)
{
	struct stat64 st;
	int rc = fstatat64(AT_FDCWD, at(base, "f"), &st, 0);
	return check_file(rc, st.st_mode, st.st_size, "fstatat64");
}

static int call_statx(const char *base)
{
	struct statx stx;
	int rc = statx(AT_FDCWD, at(base, "f"), 0, STATX_TYPE | STATX_SIZE, &stx);
	return check_file(rc, stx.stx_mode, (off_t)stx.stx_size, "statx");
}

static int check_access(int rc, const char *sym)
{
	if (rc != 0)
		FAIL("%s", sym);
	printf("ok\n");
	return 0;
}

static int call_access(const char *base)
{
	return check_access(access(at(base, "f"), R_OK | W_OK), "access");
}

static int call_faccessat(const char *base)
{
	return check_access(faccessat(AT_FDCWD, at(base, "f"), R_OK, AT_EACCESS), "faccessat");
}

static int call_euidaccess(const char *base)
{
	return check_access(euidaccess(at(base, "f"), R_OK), "euidaccess");
}

static int call_eaccess(const char *base)
{
	return check_access(eaccess(at(base, "f"), R_OK), "eaccess");
}

static const struct call calls[] = {
    CALL(stat),	 CALL(stat64), CALL(lstat),	CALL(lstat64),	  CALL(fstatat), CALL(fstatat64),
    CALL(statx), CALL(access), CALL(faccessat), CALL(euidaccess), CALL(eaccess),
};

HELPER_MAIN(calls)
