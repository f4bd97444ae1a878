/* SPDX-License-Identifier: MIT */
/*
 * The run as a whole under the shim: children whose environment was wiped
 * or edited stay inside, many threads share one private dir, a file is
 * the same file by every way of naming it, the shim preloaded by hand makes
 * and removes a root of its own, the audit log and TMPJAIL_REDIRECT work.
 * Nothing may reach the real /tmp.
 */
#include "common_shim.h"

#include <dirent.h>

/* A child run with a wiped or edited environment still writes into the
 * private dir: the exec wrappers put the shim and the contract back. */
static void edited_env_writes(char *const *argv, const char *what)
{
	struct tj_result res;
	tj_real(".x");
	tj_run(&res, NULL, argv);
	tj_assert_ok(&res, what);
	tj_assert_private_content(tj_mine(".x"), "hi\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}

START_TEST(test_env_i)
{
	TJ_REQUIRE_SHIM();
	char script[TJ_PATH];
	tj_need_program("/usr/bin/env", "coreutils");
	tj_fmt(script, sizeof(script), "echo hi > %s.x", tj_j->real);
	edited_env_writes((char *const[]){"/usr/bin/env", "-i", "/bin/sh", "-c", script, NULL},
			  "env -i sh -c");
}
END_TEST

START_TEST(test_env_u_ld_preload)
{
	TJ_REQUIRE_SHIM();
	char script[TJ_PATH];
	tj_need_program("/usr/bin/env", "coreutils");
	tj_fmt(script, sizeof(script), "echo hi > %s.x", tj_j->real);
	edited_env_writes(
	    (char *const[]){"/usr/bin/env", "-u", "LD_PRELOAD", "/bin/sh", "-c", script, NULL},
	    "env -u LD_PRELOAD sh -c");
}
END_TEST

START_TEST(test_env_u_tmpjail)
{
	TJ_REQUIRE_SHIM();
	char script[TJ_PATH];
	tj_need_program("/usr/bin/env", "coreutils");
	tj_fmt(script, sizeof(script), "echo hi > %s.x", tj_j->real);
	edited_env_writes((char *const[]){"/usr/bin/env", "-u", "LD_PRELOAD", "-u", "TMPJAIL_ROOT",
					  "-u", "TMPJAIL_DIR", "-u", "TMPJAIL_PRELOAD", "/bin/sh",
					  "-c", script, NULL},
			  "env -u LD_PRELOAD -u TMPJAIL_* sh -c");
}
END_TEST

START_TEST(test_python_subprocess_env)
{
	TJ_REQUIRE_SHIM();
	char code[TJ_PATH * 2];
	tj_need_program("/usr/bin/python3", "python3");
	tj_fmt(code, sizeof(code),
	       "import subprocess\n"
	       "subprocess.run(['/bin/sh', '-c', 'echo hi > %s.x'], env={}, check=True)\n",
	       tj_j->real);
	edited_env_writes((char *const[]){"/usr/bin/python3", "-c", code, NULL},
			  "python3 subprocess env={}");
}
END_TEST

/* 16 threads x 200 rounds of mkstemp, fopen and tmpfile. */
START_TEST(test_threads)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	const char *helper = tj_helper("threads");
	tj_make_base();
	tj_run(&res, NULL, (char *const[]){(char *)helper, tj_j->real, NULL});
	tj_assert_ok(&res, "threads");
	tj_assert_out(&res, "ok 3200\n");
	DIR *dir = opendir(tj_mine(""));
	ck_assert_ptr_nonnull(dir);
	int files = 0;
	struct dirent *ent;
	while ((ent = readdir(dir)))
		files += ent->d_name[0] == 't';
	closedir(dir);
	ck_assert_int_eq(files, 3200);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* One file made by mkstemp is found by every other way of naming it. */
START_TEST(test_consistency)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char want[TJ_PATH * 3], name[TJ_PATH], moved[TJ_PATH + 8], fdpath[TJ_PATH];
	const char *helper = tj_helper("consistency");
	tj_run(&res, NULL, (char *const[]){(char *)helper, tj_j->real, NULL});
	tj_own_printed(res.out, (const char *const[]){"mkstemp ", NULL});
	const char *made = tj_find_value(res.out, "mkstemp ");
	if (made && strncmp(made, "/tmp/", 5) == 0) {
		tj_fmt(moved, sizeof(moved), "%s.moved", made);
		tj_own(moved);
	}
	tj_assert_ok(&res, "consistency");
	tj_fmt(name, sizeof(name), "%s", tj_value(res.out, "mkstemp "));
	ck_assert_msg(strncmp(name, tj_j->real, strlen(tj_j->real)) == 0, "mkstemp gave %s", name);
	tj_fmt(fdpath, sizeof(fdpath), "%s/", tj_j->dir);
	ck_assert_msg(strncmp(tj_value(res.out, "fdpath="), fdpath, strlen(fdpath)) == 0,
		      "mkstemp made %s outside the private dir", tj_value(res.out, "fdpath="));
	tj_fmt(want, sizeof(want),
	       "mkstemp %s\nfdpath=%s\nfopen ok\nstat ok\nopendir ok\ntjdata\nrename ok\nunlink "
	       "ok\n",
	       name, tj_value(res.out, "fdpath="));
	tj_assert_out(&res, want);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/*
 * Preloaded by hand, without TMPJAIL_ROOT: the shim makes a root of its
 * own, children share it, and the process that made it removes it when it
 * exits. The maker is Python, which ends through exit(3).
 */
START_TEST(test_self_made_root)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char code[TJ_PATH * 2];
	struct stat st;
	tj_need_program("/usr/bin/python3", "python3");
	tj_real(".x");
	tj_fmt(code, sizeof(code),
	       "import subprocess\n"
	       "open('%s.x', 'w').write('hi\\n')\n"
	       "subprocess.run(['/bin/cat', '%s.x'], env={}, check=True)\n"
	       "subprocess.run(['/bin/sh', '-c', 'env | grep ^TMPJAIL_ROOT='], check=True)\n",
	       tj_j->real, tj_j->real);
	tj_run(&res, (char *const[]){"TMPJAIL_ROOT", "TMPJAIL_DIR", "TMPJAIL_PRELOAD", NULL},
	       (char *const[]){"/usr/bin/python3", "-c", code, NULL});
	tj_own_printed(res.out, (const char *const[]){"TMPJAIL_ROOT=", NULL});
	const char *root = tj_find_value(res.out, "TMPJAIL_ROOT=");
	tj_assert_ok(&res, "python3 under a hand-preloaded shim");
	ck_assert_msg(root != NULL, "no TMPJAIL_ROOT exported to children: %s", res.out);
	ck_assert_msg(strncmp(res.out, "hi\n", 3) == 0, "the child did not see the file: %s",
		      res.out);
	ck_assert_msg(lstat(root, &st) < 0 && errno == ENOENT,
		      "the self-made root %s was not removed at exit", root);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/*
 * The same with dash as the maker: dash ends through _exit(2), which runs
 * no destructor, so the shim's _exit wrapper must remove the root.
 */
START_TEST(test_self_made_root_dash)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2];
	struct stat st;
	tj_real(".x");
	tj_fmt(script, sizeof(script),
	       "echo hi > %s.x && /bin/cat %s.x && /usr/bin/env | grep '^TMPJAIL_ROOT='; exit 0",
	       tj_j->real, tj_j->real);
	tj_run(&res, (char *const[]){"TMPJAIL_ROOT", "TMPJAIL_DIR", "TMPJAIL_PRELOAD", NULL},
	       (char *const[]){"/bin/sh", "-c", script, NULL});
	tj_own_printed(res.out, (const char *const[]){"TMPJAIL_ROOT=", NULL});
	const char *root = tj_find_value(res.out, "TMPJAIL_ROOT=");
	tj_assert_ok(&res, script);
	ck_assert_msg(root != NULL, "no TMPJAIL_ROOT exported to children: %s", res.out);
	ck_assert_msg(strncmp(res.out, "hi\n", 3) == 0, "the child did not see the file: %s",
		      res.out);
	ck_assert_msg(lstat(root, &st) < 0 && errno == ENOENT,
		      "the self-made root %s was not removed when dash ended with _exit", root);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/*
 * TMPJAIL_AUDIT: every redirected call of the run and its children
 * appends one JSON line (time, pid, call, path, mapped, result); the
 * write to /tmp/<name>.x is among them with its private path.
 */
START_TEST(test_audit_log)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char audit[TJ_PATH + 16], log[TJ_PATH], script[TJ_PATH * 2], mapped[TJ_PATH], path[TJ_PATH];
	char check[TJ_PATH * 6];
	tj_need_program("/usr/bin/python3", "python3");
	tj_real(".x");
	tj_fmt(log, sizeof(log), "%s/audit.jsonl", tj_j->root);
	tj_fmt(audit, sizeof(audit), "TMPJAIL_AUDIT=%s", log);
	tj_fmt(script, sizeof(script), "echo hi > %s.x && /bin/cat %s.x", tj_j->real, tj_j->real);
	struct timespec before, after;
	clock_gettime(CLOCK_REALTIME, &before);
	tj_run(&res, (char *const[]){audit, NULL}, (char *const[]){"/bin/sh", "-c", script, NULL});
	clock_gettime(CLOCK_REALTIME, &after);
	tj_assert_ok(&res, script);
	tj_assert_out(&res, "hi\n");
	tj_fmt(path, sizeof(path), "%s.x", tj_j->real);
	tj_fmt(mapped, sizeof(mapped), "%s", tj_mine(".x"));
	/* Every line is one JSON object with the documented fields and a
	 * time (seconds since the epoch) within the run, give or take a
	 * millisecond; the write and the child's read of the file are both
	 * there. */
	tj_fmt(check, sizeof(check),
	       "/usr/bin/python3 -c 'import json, sys\n"
	       "lines = open(sys.argv[1]).read().splitlines()\n"
	       "recs = [json.loads(l) for l in lines]\n"
	       "for r in recs:\n"
	       "    missing = {\"time\", \"pid\", \"call\", \"path\", \"mapped\", \"result\"} - "
	       "set(r)\n"
	       "    assert not missing, (missing, r)\n"
	       "    t0, t1 = float(sys.argv[4]) - 0.001, float(sys.argv[5]) + 0.001\n"
	       "    assert t0 <= r[\"time\"] <= t1, (\"time outside the run\", r, t0, t1)\n"
	       "hits = [r for r in recs if r[\"path\"] == sys.argv[2] and r[\"mapped\"] == "
	       "sys.argv[3]]\n"
	       "assert len({r[\"pid\"] for r in hits}) >= 2, hits or lines\n"
	       "' '%s' '%s' '%s' %lld.%09ld %lld.%09ld",
	       log, path, mapped, (long long)before.tv_sec, before.tv_nsec, (long long)after.tv_sec,
	       after.tv_nsec);
	int status = system(check);
	ck_assert_msg(status == 0, "the audit log %s lacks the documented lines (status %d)", log,
		      status);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/*
 * TMPJAIL_REDIRECT replaces the list of redirected prefixes: a prefix P
 * other than /tmp maps to $TMPJAIL_ROOT$P, and /tmp, left out, is not
 * redirected. The extra prefix does not exist on the real file system,
 * and /tmp/<name> exists only in the private dir, so a wrong decision
 * either way fails with ENOENT instead of touching anything real.
 */
START_TEST(test_redirect_list)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char rand[12], prefix[64], stand_in[TJ_PATH], env[128], script[TJ_PATH * 2];
	struct stat st;
	tj_random(rand, 10);
	tj_fmt(prefix, sizeof(prefix), "/tjtest-%s", rand);
	ck_assert_msg(lstat(prefix, &st) < 0 && errno == ENOENT, "%s exists", prefix);
	tj_fmt(stand_in, sizeof(stand_in), "%s%s", tj_j->root, prefix);
	tj_mkdir(stand_in, 0700);
	tj_make_base();
	tj_fmt(env, sizeof(env), "TMPJAIL_REDIRECT=/var/tmp:%s", prefix);
	tj_fmt(script, sizeof(script), "echo hi > %s/x && cat %s/x; cat %s/f 2>/dev/null; echo $?",
	       prefix, prefix, tj_j->real);
	tj_sh(&res, (char *const[]){env, NULL}, script);
	tj_assert_ok(&res, script);
	tj_assert_out(&res, "hi\n1\n");
	tj_fmt(stand_in, sizeof(stand_in), "%s%s/x", tj_j->root, prefix);
	char *got = tj_read_file(stand_in);
	ck_assert_msg(got && strcmp(got, "hi\n") == 0, "%s/x did not land in %s", prefix, stand_in);
	free(got);
	ck_assert_msg(lstat(prefix, &st) < 0 && errno == ENOENT, "%s appeared", prefix);
	tj_result_free(&res);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_programs_env");
	tj_add(s, tcase_create("env_i"), test_env_i);
	tj_add(s, tcase_create("env_u_ld_preload"), test_env_u_ld_preload);
	tj_add(s, tcase_create("env_u_tmpjail"), test_env_u_tmpjail);
	tj_add(s, tcase_create("python_subprocess_env"), test_python_subprocess_env);
	tj_add(s, tcase_create("threads"), test_threads);
	tj_add(s, tcase_create("consistency"), test_consistency);
	tj_add(s, tcase_create("self_made_root"), test_self_made_root);
	tj_add(s, tcase_create("self_made_root_dash"), test_self_made_root_dash);
	tj_add(s, tcase_create("audit_log"), test_audit_log);
	tj_add(s, tcase_create("redirect_list"), test_redirect_list);
	return s;
}
