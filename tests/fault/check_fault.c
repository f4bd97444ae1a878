/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: the launcher and the remover meet a failing openat,
 * getdents64, readdir, unlinkat, mkdirat, read or malloc, at every call
 * along a run, with each of EMFILE, ENOMEM, EIO, ENOSPC and EINTR. The
 * outcome must always be a success or a clean error: never a crash, a
 * hang, a file of the command outside its root, a root left behind
 * without exit 125 saying so, or anything removed outside the tree.
 *
 * One TCase per target and function, each sweeping every errno and N
 * (docs/testing.md). A TCase also fails when the injector never fired:
 * a function the target no longer calls (or calls where the injector
 * cannot see it) must be noticed, not pass for tested.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fault_driver.h"
#include "rmtree_jail.h"

const int fault_errors[] = {EMFILE, ENOMEM, EIO, ENOSPC, EINTR};
const size_t fault_error_count = sizeof(fault_errors) / sizeof(fault_errors[0]);

const char *fault_error_name(int error)
{
	return error_name(error);
}

/* Sweep @call along @sweep for every errno, and say what happened. */
static void matrix(const char *target, enum tj_fault_call call,
		   void (*sweep)(enum tj_fault_call, int, struct fault_tally *))
{
	for (size_t i = 0; i < fault_error_count; i++) {
		struct fault_tally tally = {0};
		sweep(call, fault_errors[i], &tally);
		fprintf(stderr,
			"%s %s %s: %lu runs with a fault: %lu succeeded, %lu failed cleanly "
			"(%lu of them leaving nothing behind), %lu left the root saying so%s\n",
			target, tj_fault_calls[call], fault_error_name(fault_errors[i]), tally.runs,
			tally.ok, tally.clean, tally.gone, tally.said, tally.said_at);
	}
}

#define LAUNCHER_CASE(name, call)                               \
	START_TEST(test_launcher_##name)                        \
	{                                                       \
		matrix("launcher", call, fault_launcher_sweep); \
	}                                                       \
	END_TEST

#define REMOVER_CASE(name, call)                             \
	START_TEST(test_remove_##name)                       \
	{                                                    \
		matrix("remover", call, fault_remove_sweep); \
	}                                                    \
	END_TEST

LAUNCHER_CASE(openat, TJ_FAULT_OPENAT)
LAUNCHER_CASE(getdents64, TJ_FAULT_GETDENTS64)
LAUNCHER_CASE(readdir, TJ_FAULT_READDIR)
LAUNCHER_CASE(unlinkat, TJ_FAULT_UNLINKAT)
LAUNCHER_CASE(mkdirat, TJ_FAULT_MKDIRAT)
LAUNCHER_CASE(read, TJ_FAULT_READ)
LAUNCHER_CASE(malloc, TJ_FAULT_MALLOC)

/* The launcher reads /proc to know when the tree is gone: fail that too. */
START_TEST(test_launcher_readdir_descendant)
{
	matrix("launcher+descendant", TJ_FAULT_READDIR, fault_launcher_descendant_sweep);
}
END_TEST

START_TEST(test_launcher_openat_descendant)
{
	matrix("launcher+descendant", TJ_FAULT_OPENAT, fault_launcher_descendant_sweep);
}
END_TEST
REMOVER_CASE(openat, TJ_FAULT_OPENAT)
REMOVER_CASE(getdents64, TJ_FAULT_GETDENTS64)
REMOVER_CASE(unlinkat, TJ_FAULT_UNLINKAT)
REMOVER_CASE(malloc, TJ_FAULT_MALLOC)

/* The injector reaches the launcher: its first open fails, and says so. */
START_TEST(test_observed_launcher)
{
	const char *out, *err;
	int status = fault_launcher_once(TJ_FAULT_OPENAT, EMFILE, 1, "echo ran", &out, &err);
	ck_assert_msg(status == 125 && strstr(err, strerror(EMFILE)) && !strstr(out, "ran"),
		      "exit %d, stdout \"%s\", stderr \"%s\"", status, out, err);
}
END_TEST

/* ... and the core's sys.h inside the remover: its first getdents64 fails. */
START_TEST(test_observed_remover)
{
	int result;
	bool gone;
	ck_assert(fault_remove_once(TJ_FAULT_GETDENTS64, EIO, 1, &result, &gone));
	ck_assert_msg(result == EIO, "tf_rmtree: %s, expected EIO", error_name(result));
}
END_TEST

/* The injector acts in the launcher only: the command neither loads nor sees it. */
START_TEST(test_kept_out_of_command)
{
	const char *out, *err;
	int status = fault_launcher_once(
	    TJ_FAULT_MALLOC, ENOMEM, FAULT_MAX_NTH,
	    "grep -q libtj_fault /proc/self/maps && echo injector; "
	    "grep -q libtmpjail-preload /proc/self/maps && echo shim; "
	    "case $LD_PRELOAD in *tj_fault*) echo preload;; esac; echo ${TJ_FAULT_PID-unset}",
	    &out, &err);
	ck_assert_msg(status == 0 && strcmp(out, "shim\nunset\n") == 0,
		      "exit %d, stdout \"%s\", stderr \"%s\"", status, out, err);
}
END_TEST

static void add_launcher_case(Suite *suite, TCase *tcase, const TTest *test)
{
	tcase_add_unchecked_fixture(tcase, fault_launcher_setup, fault_launcher_teardown);
	tcase_add_test(tcase, test);
	suite_add_tcase(suite, tcase);
}

Suite *tj_suite(void)
{
	Suite *suite = suite_create("fault");
	add_launcher_case(suite, tcase_create("observed_launcher"), test_observed_launcher);
	add_case(suite, tcase_create("observed_remover"), test_observed_remover);
	add_launcher_case(suite, tcase_create("kept_out_of_command"), test_kept_out_of_command);
	add_launcher_case(suite, tcase_create("launcher_openat"), test_launcher_openat);
	add_launcher_case(suite, tcase_create("launcher_getdents64"), test_launcher_getdents64);
	add_launcher_case(suite, tcase_create("launcher_readdir"), test_launcher_readdir);
	add_launcher_case(suite, tcase_create("launcher_unlinkat"), test_launcher_unlinkat);
	add_launcher_case(suite, tcase_create("launcher_mkdirat"), test_launcher_mkdirat);
	add_launcher_case(suite, tcase_create("launcher_read"), test_launcher_read);
	add_launcher_case(suite, tcase_create("launcher_malloc"), test_launcher_malloc);
	add_launcher_case(suite, tcase_create("launcher_readdir_descendant"),
			  test_launcher_readdir_descendant);
	add_launcher_case(suite, tcase_create("launcher_openat_descendant"),
			  test_launcher_openat_descendant);
	add_case(suite, tcase_create("remove_openat"), test_remove_openat);
	add_case(suite, tcase_create("remove_getdents64"), test_remove_getdents64);
	add_case(suite, tcase_create("remove_unlinkat"), test_remove_unlinkat);
	add_case(suite, tcase_create("remove_malloc"), test_remove_malloc);
	return suite;
}
