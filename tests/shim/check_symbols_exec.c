/* SPDX-License-Identifier: MIT */
/*
 * The exec/spawn entry points: a child whose environment lost LD_PRELOAD
 * and the TMPJAIL variables (explicit envp of only PATH, or clearenv())
 * still runs under the shim with the same private root, so its
 * `echo SYMBOL > /tmp/<name>/new` lands in the private dir.
 */
#include "common_shim.h"

static void child_writes(const char *call, const char *symbol, const char *text)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	struct stat st;
	if (lstat(tj_mine(""), &st) < 0)
		tj_make_base();
	tj_call(&res, "calls_exec", call, symbol, tj_j->real);
	tj_assert_ok(&res, call);
	if (text)
		tj_assert_private_content(tj_mine("/new"), text);
	tj_assert_no_residue();
	tj_result_free(&res);
}

#define CASE(sym)                                    \
	START_TEST(test_##sym)                       \
	{                                            \
		child_writes(#sym, #sym, #sym "\n"); \
	}                                            \
	END_TEST

CASE(execve)
CASE(execv)
CASE(execvp)
CASE(execvpe)
CASE(execl)
CASE(execlp)
CASE(execle)
CASE(fexecve)
CASE(execveat)
CASE(posix_spawn)
CASE(posix_spawnp)
CASE(posix_spawn_file_actions_addopen)
CASE(posix_spawn_file_actions_addchdir_np)
CASE(system)

/* popen's child (wiped environment) reads the private f. */
START_TEST(test_popen)
{
	child_writes("popen", "popen", NULL);
}
END_TEST

/* The program execve runs is named by a /tmp path: it is mapped too. */
START_TEST(test_execve_path)
{
	TJ_REQUIRE_SHIM();
	char script[TJ_PATH * 2];
	tj_make_base();
	tj_fmt(script, sizeof(script), "#!/bin/sh\necho execve_path > '%s/new'\n", tj_j->real);
	tj_write_file(tj_mine("/prog"), script);
	ck_assert_int_eq(chmod(tj_mine("/prog"), 0700), 0);
	child_writes("execve_path", "execve", "execve_path\n");
}
END_TEST

/*
 * The child of `env -i LD_PRELOAD=<other library>` gets the shim appended
 * to its LD_PRELOAD (the other library kept, first) and the contract
 * variables back.
 */
START_TEST(test_env_i_restores_contract)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char other[TJ_PATH + 16], want[TJ_PATH * 3];
	const char *lib = getenv("TJ_DLLIB");
	tj_need_program("/usr/bin/env", "coreutils");
	ck_assert_msg(lib && *lib, "TJ_DLLIB is unset: programs_tests.cmake sets it");
	tj_fmt(other, sizeof(other), "LD_PRELOAD=%s", lib);
	tj_run(&res, NULL,
	       (char *const[]){
		   "/usr/bin/env", "-i", other, "/bin/sh", "-c",
		   "echo \"$LD_PRELOAD\"; echo \"$TMPJAIL_ROOT\"; echo \"$TMPJAIL_DIR\"", NULL});
	tj_assert_ok(&res, "env -i LD_PRELOAD=... sh");
	const char *preload = tj_value(res.out, "");
	const char *at_lib = strstr(preload, lib), *at_shim = strstr(preload, tj_j->shim);
	ck_assert_msg(at_lib && at_shim && at_lib < at_shim,
		      "LD_PRELOAD=\"%s\": expected %s kept and the shim appended", preload, lib);
	const char *nl = strchr(res.out, '\n');
	tj_fmt(want, sizeof(want), "%s\n%s\n", tj_j->root, tj_j->dir);
	ck_assert_msg(nl && strcmp(nl + 1, want) == 0, "contract not restored: %s", res.out);
	tj_result_free(&res);
}
END_TEST

/* fork+execve, vfork+execve and posix_spawn with a wiped environment while
 * other threads keep the shim busy: no child may hang or lose the shim. */
START_TEST(test_spawn_under_threads)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	const char *helper = tj_helper("spawn_stress");
	/* .ci/test --tsan asks for fewer: each child loads the TSan runtime. */
	const char *rounds = getenv("TJ_SPAWN_ROUNDS");
	char want[32];
	char *const argv[] = {(char *)helper, tj_j->real, (char *)(rounds ? rounds : "300"), NULL};
	tj_make_base();
	tj_run(&res, NULL, argv);
	tj_assert_ok(&res, "spawn_stress");
	snprintf(want, sizeof(want), "ok %s\n", rounds ? rounds : "300");
	ck_assert_str_eq(res.out, want);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_symbols_exec");
	tj_add(s, tcase_create("execve"), test_execve);
	tj_add(s, tcase_create("execve_path"), test_execve_path);
	tj_add(s, tcase_create("execv"), test_execv);
	tj_add(s, tcase_create("execvp"), test_execvp);
	tj_add(s, tcase_create("execvpe"), test_execvpe);
	tj_add(s, tcase_create("execl"), test_execl);
	tj_add(s, tcase_create("execlp"), test_execlp);
	tj_add(s, tcase_create("execle"), test_execle);
	tj_add(s, tcase_create("fexecve"), test_fexecve);
	tj_add(s, tcase_create("execveat"), test_execveat);
	tj_add(s, tcase_create("posix_spawn"), test_posix_spawn);
	tj_add(s, tcase_create("posix_spawnp"), test_posix_spawnp);
	tj_add(s, tcase_create("posix_spawn_file_actions_addopen"),
	       test_posix_spawn_file_actions_addopen);
	tj_add(s, tcase_create("posix_spawn_file_actions_addchdir_np"),
	       test_posix_spawn_file_actions_addchdir_np);
	tj_add(s, tcase_create("system"), test_system);
	tj_add(s, tcase_create("popen"), test_popen);
	tj_add(s, tcase_create("env_i_restores_contract"), test_env_i_restores_contract);
	tj_add(s, tcase_create("spawn_under_threads"), test_spawn_under_threads);
	return s;
}
