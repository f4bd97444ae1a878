/* SPDX-License-Identifier: MIT */
/*
 * The metadata family. Calls that change something change BASE/f (or the
 * link BASE/l) in a way the test reads back from the private dir: mode
 * 0604, size 3, mtime 1000000000, the xattr user.tjnew. Calls that only
 * read print "ok" after checking what they got.
 */
#define _GNU_SOURCE
#define _LARGEFILE64_SOURCE
#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <utime.h>

#include "helper.h"

#define STAMP 1000000000

static int done(int rc, const char *sym)
{
	if (rc != 0)
		FAIL("%s", sym);
	printf("ok\n");
	return 0;
}

static int call_chmod(const char *base)
{
	return done(chmod(at(base, "f"), 0604), "chmod");
}

static int call_fchmodat(const char *base)
{
	return done(fchmodat(AT_FDCWD, at(base, "f"), 0604, 0), "fchmodat");
}

static int call_lchmod(const char *base)
{
	return done(lchmod(at(base, "f"), 0604), "lchmod");
}

/* Changing to the owner it has already works for anyone, and fails with
 * ENOENT only when the path was not redirected. */
static int call_chown(const char *base)
{
	return done(chown(at(base, "f"), geteuid(), getegid()), "chown");
}

static int call_lchown(const char *base)
{
	return done(lchown(at(base, "l"), geteuid(), getegid()), "lchown");
}

static int call_fchownat(const char *base)
{
	return done(fchownat(AT_FDCWD, at(base, "l"), geteuid(), getegid(), AT_SYMLINK_NOFOLLOW),
		    "fchownat");
}

static int call_truncate(const char *base)
{
	return done(truncate(at(base, "f"), 3), "truncate");
}

static int call_truncate64(const char *base)
{
	return done(truncate64(at(base, "f"), 3), "truncate64");
}

static int call_utime(const char *base)
{
	struct utimbuf times = {STAMP, STAMP};
	return done(utime(at(base, "f"), &times), "utime");
}

static int call_utimes(const char *base)
{
	struct timeval tv[2] = {{STAMP, 0}, {STAMP, 0}};
	return done(utimes(at(base, "f"), tv), "utimes");
}

static int call_lutimes(const char *base)
{
	struct timeval tv[2] = {{STAMP, 0}, {STAMP, 0}};
	return done(lutimes(at(base, "l"), tv), "lutimes");
}

static int call_futimesat(const char *base)
{
	struct timeval tv[2] = {{STAMP, 0}, {STAMP, 0}};
	return done(futimesat(AT_FDCWD, at(base, "f"), tv), "futimesat");
}

static int call_utimensat(const char *base)
{
	struct timespec ts[2] = {{STAMP, 0}, {STAMP, 0}};
	return done(utimensat(AT_FDCWD, at(base, "f"), ts, 0), "utimensat");
}

static int call_statfs(const char *base)
{
	struct statfs sf;
	int rc = statfs(at(base, "d"), &sf);
	return done(rc == 0 && sf.f_bsize > 0 ? 0 : -1, "statfs");
}

static int call_statfs64(const char *base)
{
	struct statfs64 sf;
	int rc = statfs64(at(base, "d"), &sf);
	return done(rc == 0 && sf.f_bsize > 0 ? 0 : -1, "statfs64");
}

static int call_statvfs(const char *base)
{
	struct statvfs sv;
	int rc = statvfs(at(base, "d"), &sv);
	return done(rc == 0 && sv.f_bsize > 0 ? 0 : -1, "statvfs");
}

static int call_statvfs64(const char *base)
{
	struct statvfs64 sv;
	int rc = statvfs64(at(base, "d"), &sv);
	return done(rc == 0 && sv.f_bsize > 0 ? 0 : -1, "statvfs64");
}

static int call_pathconf(const char *base)
{
	errno = 0;
	long max = pathconf(at(base, "d"), _PC_NAME_MAX);
	return done(max > 0 ? 0 : -1, "pathconf");
}

/* The test set user.tjpre = "pre" on BASE/f before the run. */
static int check_get(ssize_t n, const char *buf, const char *sym)
{
	if (n != 3 || memcmp(buf, "pre", 3) != 0)
		FAIL("%s (got %zd bytes)", sym, n);
	printf("ok\n");
	return 0;
}

static int call_getxattr(const char *base)
{
	char buf[16];
	return check_get(getxattr(at(base, "f"), "user.tjpre", buf, sizeof(buf)), buf, "getxattr");
}

static int call_lgetxattr(const char *base)
{
	char buf[16];
	return check_get(lgetxattr(at(base, "f"), "user.tjpre", buf, sizeof(buf)), buf,
			 "lgetxattr");
}

static int check_list(ssize_t n, const char *buf, const char *sym)
{
	if (n < 0)
		FAIL("%s", sym);
	for (const char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (strcmp(p, "user.tjpre") == 0) {
			printf("ok\n");
			return 0;
		}
	fprintf(stderr, "%s: user.tjpre not listed\n", sym);
	return 1;
}

static int call_listxattr(const char *base)
{
	char buf[1024];
	return check_list(listxattr(at(base, "f"), buf, sizeof(buf)), buf, "listxattr");
}

static int call_llistxattr(const char *base)
{
	char buf[1024];
	return check_list(llistxattr(at(base, "f"), buf, sizeof(buf)), buf, "llistxattr");
}

static int call_setxattr(const char *base)
{
	return done(setxattr(at(base, "f"), "user.tjnew", "new", 3, 0), "setxattr");
}

static int call_lsetxattr(const char *base)
{
	return done(lsetxattr(at(base, "f"), "user.tjnew", "new", 3, 0), "lsetxattr");
}

static int call_removexattr(const char *base)
{
	return done(removexattr(at(base, "f"), "user.tjpre"), "removexattr");
}

static int call_lremovexattr(const char *base)
{
	return done(lremovexattr(at(base, "f"), "user.tjpre"), "lremovexattr");
}

static const struct call calls[] = {
    CALL(chmod),	CALL(fchmodat),	  CALL(lchmod),	    CALL(chown),     CALL(lchown),
    CALL(fchownat),	CALL(truncate),	  CALL(truncate64), CALL(utime),     CALL(utimes),
    CALL(lutimes),	CALL(futimesat),  CALL(utimensat),  CALL(statfs),    CALL(statfs64),
    CALL(statvfs),	CALL(statvfs64),  CALL(pathconf),   CALL(getxattr),  CALL(lgetxattr),
    CALL(listxattr),	CALL(llistxattr), CALL(setxattr),   CALL(lsetxattr), CALL(removexattr),
    CALL(lremovexattr),
};

HELPER_MAIN(calls)
