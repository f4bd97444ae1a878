/* SPDX-License-Identifier: MIT */
/*
 * tmpjail --gc: the root of a launcher killed with SIGKILL is removed; a
 * live launcher's root, fresh staging roots and anything not a root of
 * ours are left alone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "launcher_util.h"
#include "tj_check.h"

struct live_run {
	pid_t launcher;
	int command; /* pid of the command (sleep) */
	char root[PATH_MAX];
};

/* Start `tmpjail --base BASE -- sleep` and learn its root and the command's pid. */
static void start_sleeper(const char *scratch, const char *base, struct live_run *run)
{
	char info[PATH_MAX + 16], script[PATH_MAX * 4];
	snprintf(info, sizeof(info), "%s/info", scratch);
	snprintf(script, sizeof(script),
		 "echo $TMPJAIL_ROOT $$ > %s.new; mv %s.new %s; exec sleep 60", info, info, info);
	run->launcher = fork();
	ck_assert_int_ge(run->launcher, 0);
	if (run->launcher == 0) {
		execl(lu_launcher(), lu_launcher(), "--base", base, "--", "sh", "-c", script,
		      (char *)NULL);
		_exit(126);
	}
	ck_assert(lu_wait_for_file(info, 10));
	FILE *file = fopen(info, "r");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_eq(fscanf(file, "%4095s %d", run->root, &run->command), 2);
	fclose(file);
	unlink(info);
}

static int gc(const char *base, char **out)
{
	const char *argv[] = {lu_launcher(), "--gc", "--base", base, NULL};
	return lu_run(argv, out, 60);
}

START_TEST(stale_root_removed)
{
	/* The orphaned command comes to us, so we can reap it. */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	char scratch[PATH_MAX], base[PATH_MAX + 8], expect[PATH_MAX + 2];
	strcpy(scratch, lu_scratch_make());
	snprintf(base, sizeof(base), "%s/base", scratch);
	ck_assert_int_eq(mkdir(base, 0700), 0);
	struct live_run run;
	start_sleeper(scratch, base, &run);
	ck_assert_int_eq(kill(run.launcher, SIGKILL), 0);
	ck_assert_int_eq(lu_wait_timeout(run.launcher, 10), 128 + SIGKILL);
	kill(run.command, SIGKILL);
	lu_wait_timeout(run.command, 10);
	ck_assert_msg(lu_exists(run.root), "a killed launcher cannot have reaped its root");

	char *out;
	ck_assert_int_eq(gc(base, &out), 0);
	snprintf(expect, sizeof(expect), "%s\n", run.root);
	ck_assert_str_eq(out, expect);
	ck_assert_msg(!lu_exists(run.root), "--gc left %s", run.root);
	free(out);
	lu_scratch_remove(scratch);
}
END_TEST

START_TEST(live_root_untouched)
{
	char scratch[PATH_MAX], base[PATH_MAX + 8], file[PATH_MAX * 2];
	strcpy(scratch, lu_scratch_make());
	snprintf(base, sizeof(base), "%s/base", scratch);
	ck_assert_int_eq(mkdir(base, 0700), 0);
	struct live_run run;
	start_sleeper(scratch, base, &run);
	snprintf(file, sizeof(file), "%s/tmp/data", run.root);
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);

	char *out;
	ck_assert_int_eq(gc(base, &out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_msg(lu_exists(file), "--gc removed a live launcher's root");
	free(out);
	/* The launcher forwards TERM; sleep dies of it; the root is reaped. */
	ck_assert_int_eq(kill(run.launcher, SIGTERM), 0);
	ck_assert_int_eq(lu_wait_timeout(run.launcher, 10), 128 + SIGTERM);
	ck_assert(!lu_exists(run.root));
	lu_scratch_remove(scratch);
}
END_TEST

/* Only directories named like roots, of the user, old enough when staging. */
START_TEST(only_stale_roots)
{
	char scratch[PATH_MAX], base[PATH_MAX + 8], outside[PATH_MAX + 16], path[PATH_MAX * 2];
	strcpy(scratch, lu_scratch_make());
	snprintf(base, sizeof(base), "%s/base", scratch);
	snprintf(outside, sizeof(outside), "%s/outside", scratch);
	ck_assert_int_eq(mkdir(base, 0700), 0);
	ck_assert_int_eq(mkdir(outside, 0700), 0);
	snprintf(path, sizeof(path), "%s/sentinel", outside);
	ck_assert_int_ge(creat(path, 0600), 0);

	const char *kept_dirs[] = {"tj-short", "tj-ABCDEFGH", "other", ".tj-fresh123", NULL};
	for (int i = 0; kept_dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", base, kept_dirs[i]);
		ck_assert_int_eq(mkdir(path, 0700), 0);
	}
	snprintf(path, sizeof(path), "%s/tj-file1234", base);
	ck_assert_int_ge(creat(path, 0600), 0);
	/* A link named like a root: never followed. */
	snprintf(path, sizeof(path), "%s/tj-link1234", base);
	ck_assert_int_eq(symlink(outside, path), 0);
	/* A stale root and a staging root abandoned two minutes ago. */
	snprintf(path, sizeof(path), "%s/tj-stale123", base);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/tj-stale123/tmp", base);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.tj-old12345", base);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	struct timespec old[2] = {{.tv_sec = time(NULL) - 120}, {.tv_sec = time(NULL) - 120}};
	ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);

	/* As root: a stale-looking root of another user is never ours to remove. */
	int kept = 6; /* 4 dirs, the file, the link */
	if (geteuid() == 0) {
		snprintf(path, sizeof(path), "%s/tj-foreign1", base);
		ck_assert_int_eq(mkdir(path, 0700), 0);
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		kept++;
	}

	char *out;
	ck_assert_int_eq(gc(base, &out), 0);
	ck_assert_msg(strstr(out, "/tj-stale123\n") && strstr(out, "/.tj-old12345\n"), "%s", out);
	ck_assert_msg(!strstr(out, "tj-foreign1"), "%s", out);
	free(out);
	ck_assert_int_eq(lu_count_entries(base), kept);
	ck_assert_int_eq(lu_count_entries(outside), 1);
	lu_scratch_remove(scratch);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("launcher_gc");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("stale_root_removed"), stale_root_removed},
	    {tcase_create("live_root_untouched"), live_root_untouched},
	    {tcase_create("only_stale_roots"), only_stale_roots},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
