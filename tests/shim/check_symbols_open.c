/* SPDX-License-Identifier: MIT */
/*
 * The open/create entry points, each called by its own name from a helper
 * running under the shim on /tmp/<name>/..., a directory that exists only
 * in the private dir; plus the mapping rules as a program sees them.
 */
#include "common_shim.h"

/* The call made /tmp/<name>/@rel holding "<call>\n" with mode @mode (0:
 * do not check), in the private dir and not in the real /tmp. */
static void assert_made(const char *rel, const char *call, mode_t mode)
{
	char text[64], suffix[64];
	struct stat st;
	tj_fmt(text, sizeof(text), "%s\n", call);
	tj_fmt(suffix, sizeof(suffix), "/%s", rel);
	tj_assert_private_content(tj_mine(suffix), text);
	if (mode) {
		ck_assert_int_eq(lstat(tj_mine(suffix), &st), 0);
		ck_assert_msg((st.st_mode & 07777) == mode, "%s has mode %o, expected %o", rel,
			      st.st_mode & 07777, mode);
	}
}

/* helper calls_open CALL BASE creates BASE/new (and BASE/rel for *at). */
static void creates(const char *call, mode_t mode, bool relative_too)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	tj_make_base();
	tj_call(&res, "calls_open", call, call, tj_j->real);
	tj_assert_ok(&res, call);
	assert_made("new", call, mode);
	if (relative_too)
		assert_made("rel", call, mode);
	tj_assert_no_residue();
	tj_result_free(&res);
}

START_TEST(test_open)
{
	creates("open", 0640, false);
}
END_TEST

START_TEST(test_open64)
{
	creates("open64", 0640, false);
}
END_TEST

START_TEST(test_openat)
{
	creates("openat", 0640, true);
}
END_TEST

START_TEST(test_openat64)
{
	creates("openat64", 0640, true);
}
END_TEST

START_TEST(test_creat)
{
	creates("creat", 0640, false);
}
END_TEST

START_TEST(test_creat64)
{
	creates("creat64", 0640, false);
}
END_TEST

START_TEST(test_fopen)
{
	creates("fopen", 0644, false);
}
END_TEST

START_TEST(test_fopen64)
{
	creates("fopen64", 0644, false);
}
END_TEST

START_TEST(test_freopen)
{
	creates("freopen", 0644, false);
}
END_TEST

START_TEST(test_freopen64)
{
	creates("freopen64", 0644, false);
}
END_TEST

/* The fortified forms only read: they cannot take a mode. */
static void fortified_reads(const char *symbol)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	tj_make_base();
	tj_call(&res, "fortify", symbol, symbol, tj_j->real);
	tj_assert_ok(&res, symbol);
	tj_assert_no_residue();
	tj_result_free(&res);
}

START_TEST(test___open_2)
{
	fortified_reads("__open_2");
}
END_TEST

START_TEST(test___open64_2)
{
	fortified_reads("__open64_2");
}
END_TEST

START_TEST(test___openat_2)
{
	fortified_reads("__openat_2");
}
END_TEST

START_TEST(test___openat64_2)
{
	fortified_reads("__openat64_2");
}
END_TEST

/* open(O_TMPFILE) on /tmp/<name> takes its mode and lands in the private
 * dir (the kernel names the fd's file there). */
START_TEST(test_open_tmpfile)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char want[TJ_PATH];
	tj_make_base();
	tj_call(&res, "calls_open", "open_tmpfile", "open", tj_j->real);
	tj_assert_ok(&res, "open(O_TMPFILE)");
	tj_fmt(want, sizeof(want), "fdpath=%s/", tj_mine(""));
	ck_assert_msg(strncmp(res.out, want, strlen(want)) == 0,
		      "the O_TMPFILE file is not in the private dir: %s", res.out);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* "//tmp/./<name>/f" is "/tmp/<name>/f": it maps. */
START_TEST(test_map_dot_slash)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH];
	tj_make_base();
	tj_fmt(script, sizeof(script), "cat //tmp/./%s/f", tj_j->name);
	tj_sh(&res, NULL, script);
	tj_assert_ok(&res, script);
	ck_assert_str_eq(res.out, "tjdata\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/*
 * "/tmp<name>" shares the prefix's letters but not its component: it must
 * not map. A string-prefix mapper would turn it into "$TMPJAIL_DIR<name>",
 * i.e. root/tmp<name>, which the test creates as a decoy.
 */
START_TEST(test_map_component_boundary)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char decoy[TJ_PATH], real[TJ_PATH], script[TJ_PATH];
	struct stat st;
	tj_fmt(decoy, sizeof(decoy), "%s%s", tj_j->dir, tj_j->name);
	tj_write_file(decoy, "decoy\n");
	tj_fmt(real, sizeof(real), "/tmp%s", tj_j->name);
	ck_assert_msg(lstat(real, &st) < 0 && errno == ENOENT, "%s exists", real);
	tj_fmt(script, sizeof(script), "cat %s; echo status=$?", real);
	tj_sh(&res, NULL, script);
	tj_assert_ok(&res, script);
	ck_assert_msg(strstr(res.out, "decoy") == NULL, "%s was mapped into the private dir", real);
	ck_assert_msg(strstr(res.out, "status=1") != NULL, "cat %s: %s", real, res.out);
	tj_result_free(&res);
}
END_TEST

/* A path already inside the private root is used as is (idempotence):
 * TMPDIR pointing at the private dir and realpath() results work. */
START_TEST(test_map_idempotent)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2], tmpdir[TJ_PATH + 8];
	tj_make_base();
	tj_fmt(tmpdir, sizeof(tmpdir), "TMPDIR=%s", tj_j->dir);
	tj_fmt(script, sizeof(script), "cat %s/f && echo again > \"$TMPDIR/%s/again\"", tj_mine(""),
	       tj_j->name);
	tj_sh(&res, (char *const[]){tmpdir, NULL}, script);
	tj_assert_ok(&res, script);
	ck_assert_str_eq(res.out, "tjdata\n");
	tj_assert_private_content(tj_mine("/again"), "again\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* A path the program names relative to its cwd is not touched. */
START_TEST(test_map_relative)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2];
	tj_make_base();
	tj_fmt(script, sizeof(script), "cd %s && cat f && echo rel > rel", tj_mine(""));
	tj_sh(&res, NULL, script);
	tj_assert_ok(&res, script);
	ck_assert_str_eq(res.out, "tjdata\n");
	tj_assert_private_content(tj_mine("/rel"), "rel\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/*
 * ".." is not collapsed lexically: "/tmp/../etc/passwd" must not reach a
 * file inside the private dir. A mapper that dropped or folded the ".."
 * would read the decoy the test puts at $TMPJAIL_DIR/etc/passwd.
 */
START_TEST(test_map_dotdot)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char etc[TJ_PATH], decoy[TJ_PATH];
	tj_fmt(etc, sizeof(etc), "%s/etc", tj_j->dir);
	tj_fmt(decoy, sizeof(decoy), "%s/etc/passwd", tj_j->dir);
	tj_mkdir(etc, 0700);
	tj_write_file(decoy, "decoy\n");
	tj_sh(&res, NULL, "cat /tmp/../etc/passwd; echo status=$?");
	tj_assert_ok(&res, "cat /tmp/../etc/passwd");
	ck_assert_msg(strstr(res.out, "decoy") == NULL,
		      "/tmp/../etc/passwd was resolved inside the private dir");
	tj_result_free(&res);
}
END_TEST

/* errno survives the wrappers, even when the audit log cannot be written
 * (TMPJAIL_AUDIT names a directory). */
START_TEST(test_errno_preserved)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char audit[TJ_PATH + 16];
	const char *helper = tj_helper("calls_open");
	tj_make_base();
	tj_fmt(audit, sizeof(audit), "TMPJAIL_AUDIT=%s", tj_j->root);
	tj_run(&res, (char *const[]){audit, NULL},
	       (char *const[]){(char *)helper, "errno", tj_j->real, NULL});
	tj_assert_ok(&res, "errno");
	ck_assert_str_eq(res.out, "ok\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_symbols_open");
	tj_add(s, tcase_create("open"), test_open);
	tj_add(s, tcase_create("open64"), test_open64);
	tj_add(s, tcase_create("openat"), test_openat);
	tj_add(s, tcase_create("openat64"), test_openat64);
	tj_add(s, tcase_create("creat"), test_creat);
	tj_add(s, tcase_create("creat64"), test_creat64);
	tj_add(s, tcase_create("fopen"), test_fopen);
	tj_add(s, tcase_create("fopen64"), test_fopen64);
	tj_add(s, tcase_create("freopen"), test_freopen);
	tj_add(s, tcase_create("freopen64"), test_freopen64);
	tj_add(s, tcase_create("__open_2"), test___open_2);
	tj_add(s, tcase_create("__open64_2"), test___open64_2);
	tj_add(s, tcase_create("__openat_2"), test___openat_2);
	tj_add(s, tcase_create("__openat64_2"), test___openat64_2);
	tj_add(s, tcase_create("open_tmpfile"), test_open_tmpfile);
	tj_add(s, tcase_create("map_dot_slash"), test_map_dot_slash);
	tj_add(s, tcase_create("map_component_boundary"), test_map_component_boundary);
	tj_add(s, tcase_create("map_idempotent"), test_map_idempotent);
	tj_add(s, tcase_create("map_relative"), test_map_relative);
	tj_add(s, tcase_create("map_dotdot"), test_map_dotdot);
	tj_add(s, tcase_create("errno_preserved"), test_errno_preserved);
	return s;
}
