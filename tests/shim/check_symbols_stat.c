/* SPDX-License-Identifier: MIT */
/*
 * The stat/access entry points, including the old __xstat ABI: each sees
 * /tmp/<name>/f and the link /tmp/<name>/l, which exist only in the
 * private dir. The __xstat family is proven twice: with a helper bound to
 * the GLIBC_2.2.5 symbols, and with Debian's make, a real binary that
 * imports __xstat, __lxstat and __fxstat.
 */
#include "common_shim.h"

/* helper CALL BASE exits 0 having seen the private file; nothing else. */
static void sees(const char *helper, const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	tj_make_base();
	tj_call(&res, helper, call, call, tj_j->real);
	tj_assert_ok(&res, call);
	ck_assert_str_eq(res.out, "ok\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}

#define SEES(helper, sym)           \
	START_TEST(test_##sym)      \
	{                           \
		sees(helper, #sym); \
	}                           \
	END_TEST

SEES("calls_stat", stat)
SEES("calls_stat", lstat)
SEES("calls_stat", fstatat)
SEES("calls_stat", stat64)
SEES("calls_stat", lstat64)
SEES("calls_stat", fstatat64)
SEES("calls_stat", statx)
SEES("calls_stat", access)
SEES("calls_stat", faccessat)
SEES("calls_stat", euidaccess)
SEES("calls_stat", eaccess)
SEES("xstat_compat", __xstat)
SEES("xstat_compat", __lxstat)
SEES("xstat_compat", __xstat64)
SEES("xstat_compat", __lxstat64)
SEES("xstat_compat", __fxstatat)
SEES("xstat_compat", __fxstatat64)

/*
 * GNU make 4.3 as Debian 12 ships it reads mtimes through __xstat. With
 * /tmp/<name>/out newer than /tmp/<name>/in, both only in the private dir,
 * make must call out up to date; then, with in newer, rebuild it. Unmapped,
 * it finds neither file ("No rule to make target").
 */
START_TEST(test_xstat_make)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char makefile[TJ_PATH * 2], script[TJ_PATH];
	tj_need_program("/usr/bin/make", "make");
	ck_assert_msg(tj_imports("/usr/bin/make", "__xstat"),
		      "/usr/bin/make no longer imports __xstat: find another binary that does");
	tj_make_base();
	tj_fmt(makefile, sizeof(makefile), "%s/out: %s/in\n\t@echo rebuilt\n", tj_j->real,
	       tj_j->real);
	tj_write_file(tj_mine("/Makefile"), makefile);
	tj_write_file(tj_mine("/in"), "in\n");
	tj_write_file(tj_mine("/out"), "out\n");
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	struct timespec mid[2] = {{1200000000, 0}, {1200000000, 0}};
	ck_assert_int_eq(utimensat(AT_FDCWD, tj_mine("/in"), old, 0), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, tj_mine("/out"), mid, 0), 0);
	tj_fmt(script, sizeof(script), "/usr/bin/make -f %s/Makefile", tj_j->real);

	tj_sh(&res, NULL, script);
	tj_assert_ok(&res, script);
	ck_assert_msg(strstr(res.out, "is up to date") != NULL, "make did not see out newer: %s",
		      res.out);
	tj_result_free(&res);

	struct timespec newer[2] = {{1500000000, 0}, {1500000000, 0}};
	ck_assert_int_eq(utimensat(AT_FDCWD, tj_mine("/in"), newer, 0), 0);
	tj_sh(&res, NULL, script);
	tj_assert_ok(&res, script);
	ck_assert_str_eq(res.out, "rebuilt\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_symbols_stat");
	tj_add(s, tcase_create("stat"), test_stat);
	tj_add(s, tcase_create("lstat"), test_lstat);
	tj_add(s, tcase_create("fstatat"), test_fstatat);
	tj_add(s, tcase_create("stat64"), test_stat64);
	tj_add(s, tcase_create("lstat64"), test_lstat64);
	tj_add(s, tcase_create("fstatat64"), test_fstatat64);
	tj_add(s, tcase_create("statx"), test_statx);
	tj_add(s, tcase_create("access"), test_access);
	tj_add(s, tcase_create("faccessat"), test_faccessat);
	tj_add(s, tcase_create("euidaccess"), test_euidaccess);
	tj_add(s, tcase_create("eaccess"), test_eaccess);
	tj_add(s, tcase_create("__xstat"), test___xstat);
	tj_add(s, tcase_create("__lxstat"), test___lxstat);
	tj_add(s, tcase_create("__xstat64"), test___xstat64);
	tj_add(s, tcase_create("__lxstat64"), test___lxstat64);
	tj_add(s, tcase_create("__fxstatat"), test___fxstatat);
	tj_add(s, tcase_create("__fxstatat64"), test___fxstatat64);
	tj_add(s, tcase_create("xstat_make"), test_xstat_make);
	return s;
}
