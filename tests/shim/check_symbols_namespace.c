/* SPDX-License-Identifier: MIT */
/*
 * The namespace entry points: each adds, removes or renames a name under
 * /tmp/<name>, which exists only in the private dir, and the test finds
 * the result there. Symlinks with a target under /tmp must store the
 * mapped target, so the kernel resolves them inside the private dir.
 */
#include "common_shim.h"

static void run_call(const char *helper, const char *call, struct tj_result *res)
{
	tj_make_base();
	tj_call(res, helper, call, call, tj_j->real);
	tj_assert_ok(res, call);
}

static void assert_gone(const char *rel, const char *call)
{
	struct stat st;
	ck_assert_msg(lstat(tj_mine(rel), &st) < 0 && errno == ENOENT,
		      "%s: private %s is still there", call, rel);
}

/* @call removed each of the NULL-terminated private names. */
static void removes(const char *call, const char *const *rels)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	run_call("calls_namespace", call, &res);
	for (size_t i = 0; rels[i]; i++)
		assert_gone(rels[i], call);
	tj_assert_no_residue();
	tj_result_free(&res);
}

static void renames(const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	run_call("calls_namespace", call, &res);
	assert_gone("/f", call);
	tj_assert_private_content(tj_mine("/moved"), "tjdata\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}

static void makes_dir(const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	struct stat st;
	run_call("calls_namespace", call, &res);
	ck_assert_msg(lstat(tj_mine("/newdir"), &st) == 0 && S_ISDIR(st.st_mode),
		      "%s: no private newdir", call);
	ck_assert_msg((st.st_mode & 07777) == 0750, "%s: mode %o", call, st.st_mode & 07777);
	tj_assert_no_residue();
	tj_result_free(&res);
}

static void hard_links(const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	struct stat f, hard;
	run_call("calls_namespace", call, &res);
	ck_assert_int_eq(lstat(tj_mine("/f"), &f), 0);
	ck_assert_msg(lstat(tj_mine("/hard"), &hard) == 0 && hard.st_ino == f.st_ino,
		      "%s: private hard is not a link to f", call);
	tj_assert_no_residue();
	tj_result_free(&res);
}

/* The stored target of a private link, read without the shim. */
static void assert_link_target(const char *rel, const char *want, const char *call)
{
	char target[TJ_PATH];
	ssize_t n = readlink(tj_mine(rel), target, sizeof(target) - 1);
	ck_assert_msg(n > 0, "%s: private %s is not a symlink: %s", call, rel, strerror(errno));
	target[n] = '\0';
	ck_assert_msg(strcmp(target, want) == 0, "%s: %s points to %s, expected %s", call, rel,
		      target, want);
}

static void symlinks(const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char want[TJ_PATH];
	run_call("calls_namespace", call, &res);
	tj_fmt(want, sizeof(want), "%s", tj_mine("/f"));
	assert_link_target("/abs", want, call);
	assert_link_target("/rel", "f", call);
	tj_assert_no_residue();
	tj_result_free(&res);
}

static void reads_link(const char *helper, const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	run_call(helper, call, &res);
	ck_assert_str_eq(res.out, "f\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}

static void makes_fifo(const char *helper, const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	struct stat st;
	run_call(helper, call, &res);
	ck_assert_msg(lstat(tj_mine("/fifo"), &st) == 0 && S_ISFIFO(st.st_mode),
		      "%s: no private fifo", call);
	tj_assert_no_residue();
	tj_result_free(&res);
}

#define CASE(sym, body)        \
	START_TEST(test_##sym) \
	{                      \
		body;          \
	}                      \
	END_TEST

CASE(unlink, removes("unlink", (const char *const[]){"/f", NULL}))
CASE(unlinkat, removes("unlinkat", (const char *const[]){"/f", "/e", NULL}))
CASE(remove, removes("remove", (const char *const[]){"/f", "/e", NULL}))
CASE(rmdir, removes("rmdir", (const char *const[]){"/e", NULL}))
CASE(rename, renames("rename"))
CASE(renameat, renames("renameat"))
CASE(renameat2, renames("renameat2"))
CASE(mkdir, makes_dir("mkdir"))
CASE(mkdirat, makes_dir("mkdirat"))
CASE(link, hard_links("link"))
CASE(linkat, hard_links("linkat"))
CASE(symlink, symlinks("symlink"))
CASE(symlinkat, symlinks("symlinkat"))
CASE(readlink, reads_link("calls_namespace", "readlink"))
CASE(readlinkat, reads_link("calls_namespace", "readlinkat"))
CASE(__readlink_chk, reads_link("fortify", "__readlink_chk"))
CASE(__readlinkat_chk, reads_link("fortify", "__readlinkat_chk"))
CASE(mkfifo, makes_fifo("calls_namespace", "mkfifo"))
CASE(mkfifoat, makes_fifo("calls_namespace", "mkfifoat"))
CASE(mknod, makes_fifo("calls_namespace", "mknod"))
CASE(mknodat, makes_fifo("calls_namespace", "mknodat"))
CASE(__xmknod, makes_fifo("xstat_compat", "__xmknod"))
CASE(__xmknodat, makes_fifo("xstat_compat", "__xmknodat"))

/* mkdir("/tmp/<name>"): the top of the tree lands in the private dir. */
START_TEST(test_mkdir_top)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	struct stat st;
	tj_call(&res, "calls_namespace", "mkdir_top", "mkdir", tj_j->real);
	tj_assert_ok(&res, "mkdir /tmp/<name>");
	ck_assert_msg(lstat(tj_mine(""), &st) == 0 && S_ISDIR(st.st_mode),
		      "mkdir %s did not land in the private dir", tj_j->real);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_symbols_namespace");
	tj_add(s, tcase_create("unlink"), test_unlink);
	tj_add(s, tcase_create("unlinkat"), test_unlinkat);
	tj_add(s, tcase_create("remove"), test_remove);
	tj_add(s, tcase_create("rmdir"), test_rmdir);
	tj_add(s, tcase_create("rename"), test_rename);
	tj_add(s, tcase_create("renameat"), test_renameat);
	tj_add(s, tcase_create("renameat2"), test_renameat2);
	tj_add(s, tcase_create("mkdir"), test_mkdir);
	tj_add(s, tcase_create("mkdir_top"), test_mkdir_top);
	tj_add(s, tcase_create("mkdirat"), test_mkdirat);
	tj_add(s, tcase_create("link"), test_link);
	tj_add(s, tcase_create("linkat"), test_linkat);
	tj_add(s, tcase_create("symlink"), test_symlink);
	tj_add(s, tcase_create("symlinkat"), test_symlinkat);
	tj_add(s, tcase_create("readlink"), test_readlink);
	tj_add(s, tcase_create("readlinkat"), test_readlinkat);
	tj_add(s, tcase_create("__readlink_chk"), test___readlink_chk);
	tj_add(s, tcase_create("__readlinkat_chk"), test___readlinkat_chk);
	tj_add(s, tcase_create("mkfifo"), test_mkfifo);
	tj_add(s, tcase_create("mkfifoat"), test_mkfifoat);
	tj_add(s, tcase_create("mknod"), test_mknod);
	tj_add(s, tcase_create("mknodat"), test_mknodat);
	tj_add(s, tcase_create("__xmknod"), test___xmknod);
	tj_add(s, tcase_create("__xmknodat"), test___xmknodat);
	return s;
}
