/* SPDX-License-Identifier: MIT */
/*
 * The loader entry points: dlopen and dlmopen of /tmp/<name>/libtjanswer.so,
 * a copy of the test library that exists only in the private dir.
 */
#include "common_shim.h"

static void loads(const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	const char *lib = getenv("TJ_DLLIB");
	ck_assert_msg(lib && *lib, "TJ_DLLIB is unset: programs_tests.cmake sets it");
	tj_make_base();
	int in = open(lib, O_RDONLY | O_CLOEXEC);
	int out = open(tj_mine("/libtjanswer.so"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	ck_assert_int_ge(in, 0);
	ck_assert_int_ge(out, 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	ck_assert_int_eq(n, 0);
	close(in);
	close(out);
	tj_call(&res, "calls_loader", call, call, tj_j->real);
	tj_assert_ok(&res, call);
	ck_assert_str_eq(res.out, "ok\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}

START_TEST(test_dlopen)
{
	loads("dlopen");
}
END_TEST

START_TEST(test_dlmopen)
{
	loads("dlmopen");
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_symbols_loader");
	tj_add(s, tcase_create("dlopen"), test_dlopen);
	tj_add(s, tcase_create("dlmopen"), test_dlmopen);
	return s;
}
