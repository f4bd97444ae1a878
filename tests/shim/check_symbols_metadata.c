/* SPDX-License-Identifier: MIT */
/*
 * The metadata entry points: each changes (or reads) /tmp/<name>/f or the
 * link /tmp/<name>/l, which exist only in the private dir, and the test
 * reads the change back from there.
 */
#include "common_shim.h"

#include <sys/xattr.h>

#define STAMP 1000000000

/* Run calls_metadata CALL BASE under the shim; it must print "ok". */
static void run_ok(const char *call)
{
	struct tj_result res;
	tj_call(&res, "calls_metadata", call, call, tj_j->real);
	tj_assert_ok(&res, call);
	ck_assert_str_eq(res.out, "ok\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}

static void private_stat(const char *rel, struct stat *st)
{
	ck_assert_msg(lstat(tj_mine(rel), st) == 0, "lstat %s: %s", tj_mine(rel), strerror(errno));
}

static void sets_mode(const char *call)
{
	TJ_REQUIRE_SHIM();
	struct stat st;
	tj_make_base();
	run_ok(call);
	private_stat("/f", &st);
	ck_assert_msg((st.st_mode & 07777) == 0604, "%s: private f has mode %o, expected 604", call,
		      st.st_mode & 07777);
}

static void succeeds(const char *call)
{
	TJ_REQUIRE_SHIM();
	tj_make_base();
	run_ok(call);
}

static void truncates(const char *call)
{
	TJ_REQUIRE_SHIM();
	struct stat st;
	tj_make_base();
	run_ok(call);
	private_stat("/f", &st);
	ck_assert_msg(st.st_size == 3, "%s: private f has %lld bytes, expected 3", call,
		      (long long)st.st_size);
}

/* @rel ("/f" or the link "/l") got mtime STAMP. */
static void stamps(const char *call, const char *rel)
{
	TJ_REQUIRE_SHIM();
	struct stat st;
	tj_make_base();
	run_ok(call);
	private_stat(rel, &st);
	ck_assert_msg(st.st_mtime == STAMP, "%s: private %s has mtime %lld", call, rel,
		      (long long)st.st_mtime);
}

/* The test sets user.tjpre = "pre" on the private f before the run. */
static void with_xattr(const char *call, int expect)
{
	TJ_REQUIRE_SHIM();
	char buf[16];
	tj_make_base();
	if (setxattr(tj_mine("/f"), "user.tjpre", "pre", 3, 0) != 0) {
		/*
		 * The file system holding the private dir has no user xattrs
		 * (tmpfs before Linux 6.6): the call can still show where it
		 * went, by failing with ENOTSUP there instead of ENOENT.
		 */
		ck_assert_msg(errno == ENOTSUP, "setxattr %s: %s", tj_mine("/f"), strerror(errno));
		struct tj_result res;
		tj_call(&res, "calls_metadata", call, call, tj_j->real);
		ck_assert_msg(res.status != 0 && strstr(res.err, strerror(ENOTSUP)),
			      "%s did not reach the private file: %s", call, res.err);
		tj_assert_no_residue();
		tj_result_free(&res);
		return;
	}
	run_ok(call);
	if (expect == 'n')
		ck_assert_msg(getxattr(tj_mine("/f"), "user.tjnew", buf, sizeof(buf)) == 3 &&
				  memcmp(buf, "new", 3) == 0,
			      "%s did not set user.tjnew on the private file", call);
	if (expect == 'r')
		ck_assert_msg(getxattr(tj_mine("/f"), "user.tjpre", buf, sizeof(buf)) < 0 &&
				  errno == ENODATA,
			      "%s did not remove user.tjpre from the private file", call);
}

#define CASE(sym, body)        \
	START_TEST(test_##sym) \
	{                      \
		body;          \
	}                      \
	END_TEST

CASE(chmod, sets_mode("chmod"))
CASE(fchmodat, sets_mode("fchmodat"))
CASE(lchmod, sets_mode("lchmod"))
CASE(chown, succeeds("chown"))
CASE(lchown, succeeds("lchown"))
CASE(fchownat, succeeds("fchownat"))
CASE(truncate, truncates("truncate"))
CASE(truncate64, truncates("truncate64"))
CASE(utime, stamps("utime", "/f"))
CASE(utimes, stamps("utimes", "/f"))
CASE(lutimes, stamps("lutimes", "/l"))
CASE(futimesat, stamps("futimesat", "/f"))
CASE(utimensat, stamps("utimensat", "/f"))
CASE(statfs, succeeds("statfs"))
CASE(statfs64, succeeds("statfs64"))
CASE(statvfs, succeeds("statvfs"))
CASE(statvfs64, succeeds("statvfs64"))
CASE(pathconf, succeeds("pathconf"))
CASE(getxattr, with_xattr("getxattr", 0))
CASE(lgetxattr, with_xattr("lgetxattr", 0))
CASE(listxattr, with_xattr("listxattr", 0))
CASE(llistxattr, with_xattr("llistxattr", 0))
CASE(setxattr, with_xattr("setxattr", 'n'))
CASE(lsetxattr, with_xattr("lsetxattr", 'n'))
CASE(removexattr, with_xattr("removexattr", 'r'))
CASE(lremovexattr, with_xattr("lremovexattr", 'r'))

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_symbols_metadata");
	tj_add(s, tcase_create("chmod"), test_chmod);
	tj_add(s, tcase_create("fchmodat"), test_fchmodat);
	tj_add(s, tcase_create("lchmod"), test_lchmod);
	tj_add(s, tcase_create("chown"), test_chown);
	tj_add(s, tcase_create("lchown"), test_lchown);
	tj_add(s, tcase_create("fchownat"), test_fchownat);
	tj_add(s, tcase_create("truncate"), test_truncate);
	tj_add(s, tcase_create("truncate64"), test_truncate64);
	tj_add(s, tcase_create("utime"), test_utime);
	tj_add(s, tcase_create("utimes"), test_utimes);
	tj_add(s, tcase_create("lutimes"), test_lutimes);
	tj_add(s, tcase_create("futimesat"), test_futimesat);
	tj_add(s, tcase_create("utimensat"), test_utimensat);
	tj_add(s, tcase_create("statfs"), test_statfs);
	tj_add(s, tcase_create("statfs64"), test_statfs64);
	tj_add(s, tcase_create("statvfs"), test_statvfs);
	tj_add(s, tcase_create("statvfs64"), test_statvfs64);
	tj_add(s, tcase_create("pathconf"), test_pathconf);
	tj_add(s, tcase_create("getxattr"), test_getxattr);
	tj_add(s, tcase_create("lgetxattr"), test_lgetxattr);
	tj_add(s, tcase_create("listxattr"), test_listxattr);
	tj_add(s, tcase_create("llistxattr"), test_llistxattr);
	tj_add(s, tcase_create("setxattr"), test_setxattr);
	tj_add(s, tcase_create("lsetxattr"), test_lsetxattr);
	tj_add(s, tcase_create("removexattr"), test_removexattr);
	tj_add(s, tcase_create("lremovexattr"), test_lremovexattr);
	return s;
}
