/* SPDX-License-Identifier: MIT */
/*
 * The launcher supervises exactly the command's process tree: it waits for
 * orphans and setsid daemons, forwards signals, and leaves alone the
 * children it had before it started (a shell's `2> >(tee log)`).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "launcher_util.h"
#include "tj_check.h"

/* A launcher started like bash starts `tmpjail ... 2> >(tee log)`. */
struct inherited_run {
	pid_t launcher;
	pid_t tee;     /* the launcher's pre-existing child */
	int report_fd; /* the tee writes 'E' here once it saw EOF */
};

/* The pre-existing child: reads the launcher's stderr until EOF, as tee does. */
static _Noreturn void run_tee(int read_fd, int report_fd)
{
	/* Check's SIGTERM handler, inherited by fork, would signal our whole group. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	char buf[256];
	while (read(read_fd, buf, sizeof(buf)) > 0)
		continue;
	_exit(write(report_fd, "E", 1) == 1 ? 0 : 1);
}

static void start_with_inherited(struct inherited_run *run, const char *const command[])
{
	/* The tee outlives its parent, the launcher: be its reaper to wait for it. */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	int report[2];
	ck_assert_int_eq(pipe2(report, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int to_tee[2];
		if (pipe(to_tee) < 0)
			_exit(125);
		pid_t tee = fork();
		if (tee == 0) {
			close(to_tee[1]);
			run_tee(to_tee[0], report[1]);
		}
		if (tee < 0 || write(report[1], &tee, sizeof(tee)) != sizeof(tee))
			_exit(125);
		/* The tee's pipe becomes the launcher's own stderr. */
		dup2(to_tee[1], 2);
		close(to_tee[0]);
		close(to_tee[1]);
		const char *argv[16] = {lu_launcher(), "--base", command[0], "--"};
		for (int i = 1; command[i] && i < 12; i++)
			argv[i + 3] = command[i];
		execv(argv[0], (char *const *)argv);
		_exit(126);
	}
	close(report[1]);
	run->launcher = pid;
	run->report_fd = report[0];
	ck_assert_int_eq(read(report[0], &run->tee, sizeof(run->tee)), sizeof(run->tee));
}

/*
 * The tee ends as tee does: it sees EOF once the launcher is gone and
 * exits 0. Killed by a signal, it never writes 'E'.
 */
static void assert_tee_saw_eof(struct inherited_run *run)
{
	struct pollfd readable = {.fd = run->report_fd, .events = POLLIN};
	char seen = 0;
	ck_assert_msg(poll(&readable, 1, 10000) == 1, "the tee never saw EOF");
	ck_assert_msg(read(run->report_fd, &seen, 1) == 1 && seen == 'E',
		      "the pre-existing child was killed");
	close(run->report_fd);
	/* Ours to reap once the launcher is gone (we are a subreaper). */
	ck_assert_int_eq(lu_wait_timeout(run->tee, 10), 0);
}

/* The launcher must end by itself, then the tee sees EOF and exits 0. */
static void assert_launcher_then_tee_exit(struct inherited_run *run)
{
	int status = lu_wait_timeout(run->launcher, 10);
	if (status < 0) {
		kill(run->launcher, SIGKILL);
		kill(run->tee, SIGKILL);
		waitpid(run->launcher, NULL, 0);
		waitpid(run->tee, NULL, 0);
	}
	ck_assert_msg(status >= 0, "the launcher waited for its pre-existing child (deadlock)");
	ck_assert_int_eq(status, 0);
	assert_tee_saw_eof(run);
}

/*
 * Without /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN) the launcher
 * cannot tell pre-existing children apart and waits for them, as
 * documented.
 */
static bool have_children_list(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	return access(path, R_OK) == 0;
}

START_TEST(inherited_child)
{
	if (!have_children_list())
		TJ_SKIP("needs /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)");
	const char *scratch = lu_scratch_make();
	struct inherited_run run;
	start_with_inherited(&run, (const char *const[]){scratch, "true", NULL});
	assert_launcher_then_tee_exit(&run);
	ck_assert_int_eq(lu_count_entries(scratch), 0); /* the root is gone */
	lu_scratch_remove(scratch);
}
END_TEST

/* A daemon of the command is still waited for while the tee is not. */
START_TEST(inherited_child_with_daemon)
{
	if (!have_children_list())
		TJ_SKIP("needs /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)");
	char scratch[PATH_MAX], script[PATH_MAX * 2], marker[PATH_MAX + 16];
	strcpy(scratch, lu_scratch_make());
	snprintf(marker, sizeof(marker), "%s/late", scratch);
	snprintf(script, sizeof(script), "setsid -f sh -c 'sleep 1; echo late > %s'", marker);
	struct inherited_run run;
	start_with_inherited(&run, (const char *const[]){scratch, "sh", "-c", script, NULL});
	assert_launcher_then_tee_exit(&run);
	ck_assert_msg(lu_exists(marker), "the launcher did not wait for the daemon");
	unlink(marker);
	ck_assert_int_eq(lu_count_entries(scratch), 0);
	lu_scratch_remove(scratch);
}
END_TEST

/* How many children @pid has (its threads are ours to know: one). */
static int count_children(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *file = fopen(path, "r");
	int count = 0, child;
	if (!file)
		return -1;
	while (fscanf(file, "%d", &child) == 1)
		count++;
	fclose(file);
	return count;
}

/* Termination signals after the command exited reach its daemon, not the tee. */
START_TEST(inherited_child_not_signalled)
{
	if (!have_children_list())
		TJ_SKIP("needs /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)");
	char scratch[PATH_MAX], script[PATH_MAX * 6], pid_file[PATH_MAX + 16];
	strcpy(scratch, lu_scratch_make());
	snprintf(pid_file, sizeof(pid_file), "%s/daemon.pid", scratch);
	snprintf(script, sizeof(script),
		 "setsid -f sh -c 'echo $$ > %s.new; mv %s.new %s; exec sleep 60'; "
		 "while [ ! -e %s ]; do sleep 0.05; done",
		 pid_file, pid_file, pid_file, pid_file);
	struct inherited_run run;
	start_with_inherited(&run, (const char *const[]){scratch, "sh", "-c", script, NULL});
	ck_assert(lu_wait_for_file(pid_file, 10));
	/* The command has exited and was reaped once only the tee and the daemon are left. */
	for (int i = 0; i < 500 && count_children(run.launcher) != 2; i++)
		usleep(10000);
	ck_assert_int_eq(count_children(run.launcher), 2);
	ck_assert_int_eq(kill(run.launcher, SIGTERM), 0);
	int status = lu_wait_timeout(run.launcher, 10);
	if (status < 0) {
		kill(run.launcher, SIGKILL);
		kill(run.tee, SIGKILL);
	}
	ck_assert_msg(status >= 0, "SIGTERM did not end the daemon, or the tee was waited for");
	FILE *file = fopen(pid_file, "r");
	int daemon = 0;
	ck_assert_ptr_nonnull(file);
	ck_assert_int_eq(fscanf(file, "%d", &daemon), 1);
	fclose(file);
	ck_assert_msg(kill(daemon, 0) < 0 && errno == ESRCH, "the daemon is still running");
	/* The command exited 0 before the signal: its status stays. */
	ck_assert_int_eq(status, 0);
	assert_tee_saw_eof(&run);
	unlink(pid_file);
	lu_scratch_remove(scratch);
}
END_TEST

/*
 * Run `sh -c SCRIPT` under the launcher with the root in scratch/base;
 * SCRIPT finds the scratch directory in $SCRATCH and a unique name in the
 * real /tmp in $IN_TMP. Asserts that the command's late writer put its
 * file into $SCRATCH/copied before the launcher returned, and nothing into
 * the real /tmp.
 */
static void assert_late_writer_waited_for(const char *script)
{
	char scratch[PATH_MAX], base[PATH_MAX + 8], copied[PATH_MAX + 8], in_tmp[64];
	strcpy(scratch, lu_scratch_make());
	snprintf(base, sizeof(base), "%s/base", scratch);
	snprintf(copied, sizeof(copied), "%s/copied", scratch);
	snprintf(in_tmp, sizeof(in_tmp), "/tmp/tj-test-late-%d", (int)getpid());
	ck_assert_int_eq(mkdir(base, 0700), 0);
	setenv("SCRATCH", scratch, 1);
	setenv("IN_TMP", in_tmp, 1);
	const char *argv[] = {lu_launcher(), "--base", base, "--", "sh", "-c", script, NULL};
	char *out;
	int status = lu_run(argv, &out, 30);
	bool leaked = lu_exists(in_tmp);
	unlink(in_tmp);
	ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
	ck_assert_msg(lu_exists(copied), "the launcher returned before the late writer:\n%s", out);
	ck_assert_msg(!leaked, "%s landed in the real /tmp", in_tmp);
	ck_assert_int_eq(lu_count_entries(base), 0);
	free(out);
	lu_scratch_remove(scratch);
}

START_TEST(orphan_waited_for)
{
	/* The background subshell is orphaned when sh exits at once. */
	assert_late_writer_waited_for("(sleep 1; echo late > $IN_TMP; cp $IN_TMP $SCRATCH/copied) "
				      ">/dev/null 2>&1 &");
}
END_TEST

START_TEST(setsid_daemon_waited_for)
{
	assert_late_writer_waited_for("setsid -f sh -c 'sleep 1; echo late > $IN_TMP; "
				      "cp $IN_TMP $SCRATCH/copied' >/dev/null 2>&1");
}
END_TEST

/* A command trapping TERM exits 42: the launcher forwarded the signal and exits 42. */
START_TEST(signal_forwarded)
{
	char scratch[PATH_MAX], ready[PATH_MAX + 8], script[PATH_MAX * 2];
	strcpy(scratch, lu_scratch_make());
	snprintf(ready, sizeof(ready), "%s/ready", scratch);
	snprintf(script, sizeof(script), "trap 'exit 42' TERM; : > %s; while :; do sleep 0.1; done",
		 ready);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(lu_launcher(), lu_launcher(), "--base", scratch, "--", "sh", "-c", script,
		      (char *)NULL);
		_exit(126);
	}
	ck_assert(lu_wait_for_file(ready, 10));
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	int status = lu_wait_timeout(pid, 10);
	if (status < 0)
		kill(pid, SIGKILL);
	ck_assert_int_eq(status, 42);
	unlink(ready);
	ck_assert_int_eq(lu_count_entries(scratch), 0); /* root reaped */
	lu_scratch_remove(scratch);
}
END_TEST

START_TEST(killed_by_signal)
{
	const char *scratch = lu_scratch_make();
	const char *argv[] = {lu_launcher(), "--base", scratch,		"--",
			      "sh",	     "-c",     "kill -TERM $$", NULL};
	ck_assert_int_eq(lu_run(argv, NULL, 30), 143);
	ck_assert_int_eq(lu_count_entries(scratch), 0);
	lu_scratch_remove(scratch);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("launcher_tree");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("inherited_child"), inherited_child},
	    {tcase_create("inherited_child_with_daemon"), inherited_child_with_daemon},
	    {tcase_create("inherited_child_not_signalled"), inherited_child_not_signalled},
	    {tcase_create("orphan_waited_for"), orphan_waited_for},
	    {tcase_create("setsid_daemon_waited_for"), setsid_daemon_waited_for},
	    {tcase_create("signal_forwarded"), signal_forwarded},
	    {tcase_create("killed_by_signal"), killed_by_signal},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
