/* SPDX-License-Identifier: MIT */
/*
 * Everyday tools on a tree under /tmp: listing, walking, copying, moving,
 * linking and removing it all happen in the private dir, with the names
 * the user typed, and leave nothing in the real /tmp.
 */
#include "common_shim.h"

/* Run @script under the shim with /bin/sh; it must print exactly @want. */
static void sh_prints(const char *script, const char *want)
{
	struct tj_result res;
	tj_sh(&res, NULL, script);
	tj_assert_ok(&res, script);
	tj_assert_out(&res, want);
	tj_result_free(&res);
}

/* ls, find, cp -r, mv, du and rm -rf of /tmp/<name>. */
START_TEST(test_coreutils_tree)
{
	TJ_REQUIRE_SHIM();
	char script[TJ_PATH * 4], want[TJ_PATH * 4];
	struct stat st;
	const char *r = tj_j->real;
	tj_need_program("/usr/bin/find", "findutils");
	tj_need_program("/usr/bin/du", "coreutils");
	tj_real("-copy");
	tj_real("-moved");
	tj_make_base();

	tj_fmt(script, sizeof(script), "ls %s; find %s | sort", r, r);
	tj_fmt(want, sizeof(want), "d\ne\nf\nl\n%s\n%s/d\n%s/d/g\n%s/e\n%s/f\n%s/l\n", r, r, r, r,
	       r, r);
	sh_prints(script, want);

	tj_fmt(script, sizeof(script),
	       "cp -r %s %s-copy && mv %s-copy %s-moved && cat %s-moved/d/g", r, r, r, r, r);
	sh_prints(script, "g\n");
	tj_assert_private_content(tj_mine("-moved/f"), "tjdata\n");
	ck_assert_msg(lstat(tj_mine("-copy"), &st) < 0 && errno == ENOENT, "mv left the source");

	tj_fmt(script, sizeof(script),
	       "du -a %s-moved | wc -l; rm -rf %s %s-moved; ls /tmp | grep -c %s || true", r, r, r,
	       tj_j->name);
	sh_prints(script, "6\n0\n");
	ck_assert_msg(lstat(tj_mine(""), &st) < 0 && errno == ENOENT,
		      "rm -rf left the private tree");
	ck_assert_msg(lstat(tj_mine("-moved"), &st) < 0 && errno == ENOENT,
		      "rm -rf left the moved tree");
	tj_assert_no_residue();
}
END_TEST

/* ln -s to a /tmp target, then every reader follows it in the private dir. */
START_TEST(test_ln_symlink)
{
	TJ_REQUIRE_SHIM();
	char script[TJ_PATH * 3];
	const char *r = tj_j->real;
	tj_make_base();
	tj_fmt(script, sizeof(script),
	       "ln -s %s/f %s/link && cat %s/link && test -L %s/link && echo ok", r, r, r, r);
	sh_prints(script, "tjdata\nok\n");
	tj_assert_no_residue();
}
END_TEST

/* bash's cd /tmp, globbing and a relative write land in the private dir. */
START_TEST(test_bash_cd_tmp)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2], want[TJ_PATH];
	tj_need_program("/bin/bash", "bash");
	tj_make_base();
	tj_fmt(script, sizeof(script), "cd /tmp && pwd && echo %s* && echo rel > %s/rel",
	       tj_j->name, tj_j->name);
	tj_run(&res, NULL, (char *const[]){"/bin/bash", "-c", script, NULL});
	tj_assert_ok(&res, script);
	tj_fmt(want, sizeof(want), "/tmp\n%s\n", tj_j->name);
	tj_assert_out(&res, want);
	tj_assert_private_content(tj_mine("/rel"), "rel\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* make -C /tmp/<name>: a small C build entirely inside the private dir,
 * through make's chdir and __xstat and gcc's temp files; a second make
 * finds everything up to date. */
START_TEST(test_make_build_in_tmp)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	tj_need_program("/usr/bin/make", "make");
	tj_need_program("/usr/bin/gcc", "gcc");
	tj_make_base();
	tj_write_file(tj_mine("/main.c"),
		      "#include <stdio.h>\nint main(void) { puts(\"built\"); return 0; }\n");
	tj_write_file(tj_mine("/Makefile"), "prog: main.o\n\tgcc -o $@ main.o\n"
					    "main.o: main.c\n\tgcc -c -o $@ main.c\n");
	tj_run(&res, (char *const[]){"TMPDIR=/tmp", NULL},
	       (char *const[]){"/usr/bin/make", "-s", "-C", tj_j->real, NULL});
	tj_assert_ok(&res, "make");
	tj_result_free(&res);
	tj_assert_private_exists(tj_mine("/main.o"));
	tj_run(&res, NULL, (char *const[]){(char *)tj_mine("/prog"), NULL});
	tj_assert_ok(&res, "prog");
	tj_assert_out(&res, "built\n");
	tj_result_free(&res);
	tj_run(&res, NULL, (char *const[]){"/usr/bin/make", "-C", tj_j->real, NULL});
	tj_assert_ok(&res, "make again");
	ck_assert_msg(strstr(res.out, "is up to date") != NULL, "make rebuilt: %s", res.out);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_programs_tools");
	tj_add(s, tcase_create("coreutils_tree"), test_coreutils_tree);
	tj_add(s, tcase_create("ln_symlink"), test_ln_symlink);
	tj_add(s, tcase_create("bash_cd_tmp"), test_bash_cd_tmp);
	tj_add(s, tcase_create("make_build_in_tmp"), test_make_build_in_tmp);
	return s;
}
