/* SPDX-License-Identifier: MIT */
/*
 * tmpjail(1) as a user meets it: exit codes, the environment contract, a
 * private /tmp that is gone afterwards, --keep, --memory, --redirect,
 * nested and parallel runs, --help and --version.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "launcher_util.h"
#include "tj_check.h"

/* Run `tmpjail --base SCRATCH [extra...] -- sh -c SCRIPT`; returns the status. */
static int run_sh(const char *scratch, const char *extra, const char *script, char **out)
{
	const char *argv[] = {lu_launcher(), "--base", scratch, "--", "sh", "-c", script, NULL};
	const char *with_extra[] = {lu_launcher(), "--base", scratch, extra, "--",
				    "sh",	   "-c",     script,  NULL};
	return lu_run(extra ? with_extra : argv, out, 60);
}

/* The value of "NAME=value" on its own line of @out, copied into @value. */
static void line_value(const char *out, const char *name, char *value, size_t size)
{
	char key[64];
	snprintf(key, sizeof(key), "%s=", name);
	const char *at = strstr(out, key);
	ck_assert_msg(at, "no %s in:\n%s", name, out);
	at += strlen(key);
	size_t len = strcspn(at, "\n");
	ck_assert_uint_lt(len, size);
	memcpy(value, at, len);
	value[len] = '\0';
}

START_TEST(exit_codes)
{
	const char *scratch = lu_scratch_make();
	ck_assert_int_eq(run_sh(scratch, NULL, "exit 7", NULL), 7);
	ck_assert_int_eq(run_sh(scratch, NULL, "kill -TERM $$", NULL), 143);
	/*
	 * A PATH of searchable directories only: execvp() reports EACCES
	 * (126, as env(1) does) when some PATH entry cannot be searched, as
	 * root's /root/... entries cannot by an unprivileged user.
	 */
	const char *not_found[] = {
	    "env", "PATH=/usr/bin:/bin",     lu_launcher(), "--base", scratch,
	    "--",  "tj-no-such-command-xyz", NULL};
	char *out;
	ck_assert_int_eq(lu_run(not_found, &out, 30), 127);
	ck_assert_msg(strstr(out, "tmpjail: ") && strstr(out, "tj-no-such-command-xyz"), "%s", out);
	free(out);
	const char *not_executable[] = {lu_launcher(), "--base", scratch, "--", scratch, NULL};
	ck_assert_int_eq(lu_run(not_executable, NULL, 30), 126);
	const char *bad_option[] = {lu_launcher(), "--no-such-option", "--", "true", NULL};
	ck_assert_int_eq(lu_run(bad_option, &out, 30), 125);
	ck_assert_msg(strstr(out, "tmpjail: "), "%s", out);
	free(out);
	const char *no_command[] = {lu_launcher(), NULL};
	ck_assert_int_eq(lu_run(no_command, NULL, 30), 125);
	ck_assert_int_eq(lu_count_entries(scratch), 0); /* every root reaped */
	lu_scratch_remove(scratch);
}
END_TEST

/* The environment contract, and /tmp writes landing in the root. */
START_TEST(private_tmp)
{
	const char *scratch = lu_scratch_make();
	char script[512], in_tmp[64];
	snprintf(in_tmp, sizeof(in_tmp), "/tmp/tj-test-private-%d", (int)getpid());
	snprintf(script, sizeof(script),
		 "echo secret > %s && cat %s && echo ROOT=$TMPJAIL_ROOT && echo DIR=$TMPJAIL_DIR "
		 "&& echo TMPDIR=$TMPDIR && echo PRELOAD=$LD_PRELOAD && ls $TMPJAIL_DIR",
		 in_tmp, in_tmp);
	char *out, root[PATH_MAX], dir[PATH_MAX + 8], tmpdir[PATH_MAX], expect[PATH_MAX + 8];
	int status = run_sh(scratch, NULL, script, &out);
	bool leaked = lu_exists(in_tmp);
	unlink(in_tmp);
	ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
	ck_assert_msg(!leaked, "the write reached the real /tmp");
	line_value(out, "ROOT", root, sizeof(root));
	line_value(out, "DIR", dir, sizeof(dir));
	line_value(out, "TMPDIR", tmpdir, sizeof(tmpdir));
	ck_assert_msg(strncmp(root, scratch, strlen(scratch)) == 0 &&
			  strncmp(root + strlen(scratch), "/tj-", 4) == 0,
		      "root %s not in %s", root, scratch);
	snprintf(expect, sizeof(expect), "%s/tmp", root);
	ck_assert_str_eq(dir, expect);
	ck_assert_str_eq(tmpdir, expect);
	ck_assert_msg(strstr(out, "libtmpjail-preload.so"), "no shim in LD_PRELOAD:\n%s", out);
	ck_assert_msg(strstr(out, "secret\n") && strstr(out, "tj-test-private-"), "%s", out);
	ck_assert_msg(!lu_exists(root), "the root %s is still there", root);
	free(out);
	lu_scratch_remove(scratch);
}
END_TEST

START_TEST(keep)
{
	const char *scratch = lu_scratch_make();
	char *out, root[PATH_MAX], expect[PATH_MAX + 64], file[PATH_MAX + 16];
	ck_assert_int_eq(
	    run_sh(scratch, "--keep", "echo ROOT=$TMPJAIL_ROOT; echo x > /tmp/kept", &out), 0);
	line_value(out, "ROOT", root, sizeof(root));
	snprintf(expect, sizeof(expect), "tmpjail: kept the private root %s\n", root);
	ck_assert_msg(strstr(out, expect), "%s", out);
	snprintf(file, sizeof(file), "%s/tmp/kept", root);
	ck_assert_msg(lu_exists(file), "%s is not there", file);
	free(out);
	lu_scratch_remove(scratch);
}
END_TEST

START_TEST(memory)
{
	struct statfs fs;
	if (statfs("/dev/shm", &fs) < 0)
		TJ_SKIP("needs /dev/shm");
	const char *argv[] = {
	    lu_launcher(), "--memory", "--",
	    "sh",	   "-c",       "echo ROOT=$TMPJAIL_ROOT; stat -f -c TYPE=%T $TMPJAIL_DIR",
	    NULL};
	char *out, root[PATH_MAX], type[64];
	ck_assert_int_eq(lu_run(argv, &out, 60), 0);
	line_value(out, "ROOT", root, sizeof(root));
	line_value(out, "TYPE", type, sizeof(type));
	ck_assert_msg(strncmp(root, "/dev/shm/tj-", 12) == 0, "%s", out);
	ck_assert_msg(strcmp(type, "tmpfs") == 0 || strcmp(type, "ramfs") == 0, "%s", out);
	ck_assert(!lu_exists(root));
	free(out);

	/* A base on a disk is refused for --memory. */
	const char *scratch = lu_scratch_make();
	const char *on_disk[] = {lu_launcher(), "--memory", "--base", scratch, "--", "true", NULL};
	struct statfs scratch_fs;
	ck_assert_int_eq(statfs(scratch, &scratch_fs), 0);
	if (scratch_fs.f_type != fs.f_type)
		ck_assert_int_eq(lu_run(on_disk, NULL, 30), 125);
	lu_scratch_remove(scratch);
}
END_TEST

START_TEST(redirect)
{
	const char *scratch = lu_scratch_make();
	char *out;
	const char *argv[] = {
	    lu_launcher(),
	    "--base",
	    scratch,
	    "--redirect",
	    "//tj-scratch/./area/",
	    "--",
	    "sh",
	    "-c",
	    "echo REDIRECT=$TMPJAIL_REDIRECT; test -d $TMPJAIL_ROOT/tj-scratch/area",
	    NULL};
	ck_assert_int_eq(lu_run(argv, &out, 30), 0);
	ck_assert_msg(strstr(out, "REDIRECT=/tmp:/var/tmp:/tj-scratch/area\n"), "%s", out);
	free(out);
	const char *bad[] = {"relative", "/", "/a/../b", "/a:b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *refused[] = {lu_launcher(), "--base", scratch, "--redirect",
					 bad[i],	"--",	  "true",  NULL};
		ck_assert_msg(lu_run(refused, NULL, 30) == 125, "--redirect %s accepted", bad[i]);
	}
	ck_assert_int_eq(lu_count_entries(scratch), 0);
	lu_scratch_remove(scratch);
}
END_TEST

/* An unsafe base is refused: others could swap the root under us. */
START_TEST(unsafe_base)
{
	const char *scratch = lu_scratch_make();
	char base[PATH_MAX + 8];
	snprintf(base, sizeof(base), "%s/open", scratch);
	ck_assert_int_eq(mkdir(base, 0700), 0);
	ck_assert_int_eq(chmod(base, 0777), 0);
	const char *argv[] = {lu_launcher(), "--base", base, "--", "true", NULL};
	char *out;
	ck_assert_int_eq(lu_run(argv, &out, 30), 125);
	ck_assert_msg(strstr(out, "not sticky"), "%s", out);
	free(out);
	ck_assert_int_eq(chmod(base, 01777), 0);
	ck_assert_int_eq(lu_run(argv, NULL, 30), 0);
	ck_assert_int_eq(lu_count_entries(base), 0);
	lu_scratch_remove(scratch);
}
END_TEST

/* tmpjail -- tmpjail -- cmd: two distinct roots, both reaped. */
START_TEST(nested)
{
	const char *scratch = lu_scratch_make();
	char script[PATH_MAX * 2];
	snprintf(script, sizeof(script),
		 "echo OUTER=$TMPJAIL_ROOT; %s -- sh -c 'echo INNER=$TMPJAIL_ROOT; "
		 "echo PRELOAD=$LD_PRELOAD; echo in > /tmp/nested-probe && cat /tmp/nested-probe'; "
		 "cat /tmp/nested-probe 2>/dev/null || echo outer-clean",
		 lu_launcher());
	char *out, outer[PATH_MAX], inner[PATH_MAX], preload[PATH_MAX * 2];
	int status = run_sh(scratch, NULL, script, &out);
	ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
	line_value(out, "OUTER", outer, sizeof(outer));
	line_value(out, "INNER", inner, sizeof(inner));
	line_value(out, "PRELOAD", preload, sizeof(preload));
	ck_assert_str_ne(outer, inner);
	/* The inner run works, in a root the kernel names inside the outer's
	 * private /tmp (not "/tmp/tj-...", which the outer shim shows it), and
	 * leaves nothing in the outer's /tmp. */
	ck_assert_msg(strncmp(inner, outer, strlen(outer)) == 0, "inner %s, outer %s", inner,
		      outer);
	ck_assert_msg(strstr(out, "\nin\n") && strstr(out, "\nouter-clean\n"), "%s", out);
	/* The shim is loaded once. */
	const char *first = strstr(preload, "libtmpjail-preload.so");
	ck_assert_msg(first && !strstr(first + 1, "libtmpjail-preload.so"), "%s", preload);
	ck_assert(!lu_exists(outer));
	ck_assert(!lu_exists(inner));
	ck_assert_int_eq(lu_count_entries(scratch), 0);
	free(out);
	lu_scratch_remove(scratch);
}
END_TEST

/* 24 launchers at once: distinct roots, every one reaped. */
START_TEST(parallel)
{
	enum { RUNS = 24 };
	const char *scratch = lu_scratch_make();
	pid_t pids[RUNS];
	for (int i = 0; i < RUNS; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			execl(lu_launcher(), lu_launcher(), "--base", scratch, "--", "sh", "-c",
			      "echo $TMPJAIL_ROOT > /tmp/mine; sleep 0.2; "
			      "test \"$(cat /tmp/mine)\" = \"$TMPJAIL_ROOT\"",
			      (char *)NULL);
			_exit(126);
		}
	}
	for (int i = 0; i < RUNS; i++)
		ck_assert_int_eq(lu_wait_timeout(pids[i], 60), 0);
	ck_assert_int_eq(lu_count_entries(scratch), 0);
	lu_scratch_remove(scratch);
}
END_TEST

START_TEST(help_and_version)
{
	const char *help[] = {lu_launcher(), "--help", NULL};
	char *out;
	ck_assert_int_eq(lu_run(help, &out, 30), 0);
	const char *options[] = {"--keep",	  "--base", "--memory", "--redirect", "--seccomp",
				 "--seccomp-log", "--seal", "--audit",	"--gc",	      "--verbose"};
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		ck_assert_msg(strstr(out, options[i]), "--help does not document %s", options[i]);
	free(out);
	const char *version[] = {lu_launcher(), "--version", NULL};
	ck_assert_int_eq(lu_run(version, &out, 30), 0);
	ck_assert_msg(strncmp(out, "tmpjail ", 8) == 0, "%s", out);
	free(out);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("launcher");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("exit_codes"), exit_codes},
	    {tcase_create("private_tmp"), private_tmp},
	    {tcase_create("keep"), keep},
	    {tcase_create("memory"), memory},
	    {tcase_create("redirect"), redirect},
	    {tcase_create("unsafe_base"), unsafe_base},
	    {tcase_create("nested"), nested},
	    {tcase_create("parallel"), parallel},
	    {tcase_create("help_and_version"), help_and_version},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
