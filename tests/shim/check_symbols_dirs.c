/* SPDX-License-Identifier: MIT */
/*
 * The directory and cwd entry points: listings and walks of /tmp/<name>
 * (which exists only in the private dir) find its entries, and return
 * paths in the form the program asked for; chdir moves into the private
 * dir; realpath resolves to a path that names the private file.
 */
#include "common_shim.h"

static void lists(const char *helper, const char *call, const char *symbol, const char *want)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	tj_make_base();
	tj_call(&res, helper, call, symbol, tj_j->real);
	tj_assert_ok(&res, call);
	ck_assert_msg(strcmp(res.out, want) == 0, "%s found \"%s\", expected \"%s\"", call, res.out,
		      want);
	tj_assert_no_residue();
	tj_result_free(&res);
}

/* The resolved path names the private f (the link l was followed). */
static void resolves(const char *helper, const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char want_end[64];
	tj_make_base();
	tj_call(&res, helper, call, call, tj_j->real);
	tj_assert_ok(&res, call);
	const char *path = tj_value(res.out, "");
	tj_fmt(want_end, sizeof(want_end), "/%s/f", tj_j->name);
	size_t len = strlen(path), end = strlen(want_end);
	ck_assert_msg(len > end && strcmp(path + len - end, want_end) == 0, "%s resolved to %s",
		      call, path);
	tj_assert_private_content(path, "tjdata\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}

#define ENTRIES "d e f l\n"
#define TREE "d d/g e f l\n"

#define CASE(sym, body)        \
	START_TEST(test_##sym) \
	{                      \
		body;          \
	}                      \
	END_TEST

CASE(opendir, lists("calls_dirs", "opendir", "opendir", ENTRIES))
CASE(opendir_tmp, lists("calls_dirs", "opendir_tmp", "opendir", "ok\n"))
CASE(scandir, lists("calls_dirs", "scandir", "scandir", ENTRIES))
CASE(scandir64, lists("calls_dirs", "scandir64", "scandir64", ENTRIES))
CASE(scandirat, lists("calls_dirs", "scandirat", "scandirat", ENTRIES))
CASE(scandirat64, lists("calls_dirs", "scandirat64", "scandirat64", ENTRIES))
CASE(fts_children, lists("calls_dirs", "fts_children", "fts_children", ENTRIES))
CASE(inotify_add_watch, lists("calls_dirs", "inotify_add_watch", "inotify_add_watch", "ok\n"))
CASE(glob, lists("calls_dirs", "glob", "glob", ENTRIES))
CASE(glob64, lists("calls_dirs", "glob64", "glob64", ENTRIES))
CASE(fts_open, lists("calls_dirs", "fts_open", "fts_open", TREE))
CASE(fts64_open, lists("calls_dirs", "fts64_open", "fts64_open", TREE))
CASE(ftw, lists("calls_dirs", "ftw", "ftw", TREE))
CASE(ftw64, lists("calls_dirs", "ftw64", "ftw64", TREE))
CASE(nftw, lists("calls_dirs", "nftw", "nftw", TREE))
CASE(nftw64, lists("calls_dirs", "nftw64", "nftw64", TREE))
CASE(chdir, lists("calls_dirs", "chdir", "chdir", "ok\n"))
CASE(realpath, resolves("calls_dirs", "realpath"))
CASE(canonicalize_file_name, resolves("calls_dirs", "canonicalize_file_name"))
CASE(__realpath_chk, resolves("fortify", "__realpath_chk"))

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_symbols_dirs");
	tj_add(s, tcase_create("opendir"), test_opendir);
	tj_add(s, tcase_create("opendir_tmp"), test_opendir_tmp);
	tj_add(s, tcase_create("scandir"), test_scandir);
	tj_add(s, tcase_create("scandir64"), test_scandir64);
	tj_add(s, tcase_create("scandirat"), test_scandirat);
	tj_add(s, tcase_create("scandirat64"), test_scandirat64);
	tj_add(s, tcase_create("fts_children"), test_fts_children);
	tj_add(s, tcase_create("inotify_add_watch"), test_inotify_add_watch);
	tj_add(s, tcase_create("glob"), test_glob);
	tj_add(s, tcase_create("glob64"), test_glob64);
	tj_add(s, tcase_create("fts_open"), test_fts_open);
	tj_add(s, tcase_create("fts64_open"), test_fts64_open);
	tj_add(s, tcase_create("ftw"), test_ftw);
	tj_add(s, tcase_create("ftw64"), test_ftw64);
	tj_add(s, tcase_create("nftw"), test_nftw);
	tj_add(s, tcase_create("nftw64"), test_nftw64);
	tj_add(s, tcase_create("chdir"), test_chdir);
	tj_add(s, tcase_create("realpath"), test_realpath);
	tj_add(s, tcase_create("canonicalize_file_name"), test_canonicalize_file_name);
	tj_add(s, tcase_create("__realpath_chk"), test___realpath_chk);
	return s;
}
