/* SPDX-License-Identifier: MIT */
/*
 * Interactive use: Ctrl-C typed in a terminal reaches the command once.
 * The launcher runs on a pseudo-terminal made by forkpty(), as a session
 * leader in the terminal's foreground process group, with its command
 * ($TJ_SIGINT_COUNTER, helpers/sigint_counter.c) in that group too. The
 * terminal sends SIGINT to the whole group; the launcher must not send it
 * to the command again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "launcher_util.h"
#include "tj_check.h"

/* One launcher on a terminal, and what it printed there so far. */
struct tty_run {
	pid_t launcher;
	int master;
	char scratch[PATH_MAX];
	char out[8192];
	size_t len;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run `tmpjail --base SCRATCH -- sigint_counter MODE` on a new terminal. */
static void tty_start(struct tty_run *run, const char *mode)
{
	const char *helper = getenv("TJ_SIGINT_COUNTER");
	ck_assert_msg(helper && *helper, "TJ_SIGINT_COUNTER is not set");
	const char *launcher = lu_launcher();
	memset(run, 0, sizeof(*run));
	strcpy(run->scratch, lu_scratch_make());
	/* forkpty: the child is a session leader with the terminal as its own. */
	run->launcher = forkpty(&run->master, NULL, NULL, NULL);
	ck_assert_msg(run->launcher >= 0, "forkpty: %s", strerror(errno));
	if (run->launcher == 0) {
		/* Nothing of Check's set-up may change how Ctrl-C is handled. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		execl(launcher, launcher, "--base", run->scratch, "--", helper, mode, (char *)NULL);
		_exit(126);
	}
}

/*
 * Read what the terminal printed, waiting until @end at most. Return false
 * once it is closed (EIO: every holder of it is gone) or the buffer is full.
 */
static bool tty_read(struct tty_run *run, double end)
{
	struct pollfd readable = {.fd = run->master, .events = POLLIN};
	double left = end - now();
	if (left <= 0 || run->len + 1 >= sizeof(run->out))
		return false;
	if (poll(&readable, 1, (int)(left * 1000) + 1) <= 0)
		return true;
	ssize_t n = read(run->master, run->out + run->len, sizeof(run->out) - run->len - 1);
	if (n <= 0)
		return false;
	run->len += (size_t)n;
	run->out[run->len] = '\0';
	return true;
}

/* Read the terminal until @text was printed (true), or it closed or @timeout s passed. */
static bool tty_expect(struct tty_run *run, const char *text, double timeout)
{
	double end = now() + timeout;
	while (!strstr(run->out, text))
		if (!tty_read(run, end) || now() >= end)
			return strstr(run->out, text) != NULL;
	return true;
}

/* Type @text on the terminal's keyboard. */
static void tty_type(struct tty_run *run, const char *text)
{
	ck_assert_int_eq(write(run->master, text, strlen(text)), (ssize_t)strlen(text));
}

/* Type the terminal's interrupt character (Ctrl-C) and see it handled. */
static void tty_ctrl_c(struct tty_run *run)
{
	struct termios mode;
	ck_assert_int_eq(tcgetattr(run->master, &mode), 0);
	ck_assert_msg(mode.c_lflag & ISIG, "the terminal does not generate signals");
	tty_type(run, (char[]){(char)mode.c_cc[VINTR], '\0'});
	/* With ECHO and ECHOCTL on, "^C" is echoed once the signal was sent. */
	if (mode.c_lflag & ECHO && mode.c_lflag & ECHOCTL)
		ck_assert_msg(tty_expect(run, "^C", 10), "no ^C echoed; output:\n%s", run->out);
}

/*
 * Wait for the launcher to end, reading what it still prints. Return its
 * exit status as a shell shows it; the root must have been removed.
 */
static int tty_finish(struct tty_run *run)
{
	double end = now() + 10;
	while (tty_read(run, end))
		continue;
	int status = lu_wait_timeout(run->launcher, 10);
	if (status < 0) {
		kill(run->launcher, SIGKILL);
		waitpid(run->launcher, NULL, 0);
	}
	close(run->master);
	ck_assert_msg(status >= 0, "the launcher did not end; output:\n%s", run->out);
	ck_assert_msg(lu_count_entries(run->scratch) == 0, "the private root was not removed");
	lu_scratch_remove(run->scratch);
	return status;
}

static void tty_start_ready(struct tty_run *run, const char *mode)
{
	tty_start(run, mode);
	if (!tty_expect(run, "ready", 20)) {
		kill(run->launcher, SIGKILL);
		waitpid(run->launcher, NULL, 0);
		close(run->master);
		lu_scratch_remove(run->scratch);
		ck_abort_msg("the command did not start; output:\n%s", run->out);
	}
}

/*
 * The command handles SIGINT and counts deliveries for 1.5 s after the
 * first: Ctrl-C reaches it exactly once, from the terminal, and its exit
 * status 0 is the launcher's.
 */
START_TEST(ctrl_c_reaches_command_once)
{
	struct tty_run run;
	tty_start_ready(&run, "count");
	tty_ctrl_c(&run);
	bool counted = tty_expect(&run, "count=", 20); /* the rest of the line: tty_finish() */
	int status = tty_finish(&run);
	ck_assert_msg(counted, "the command never reported; output:\n%s", run.out);
	int count = -1, kernel = -1, user = -1;
	ck_assert_int_eq(
	    sscanf(strstr(run.out, "count="), "count=%d kernel=%d user=%d", &count, &kernel, &user),
	    3);
	ck_assert_msg(count == 1,
		      "Ctrl-C reached the command %d times (%d from the terminal, %d "
		      "sent by kill); output:\n%s",
		      count, kernel, user, run.out);
	ck_assert_msg(kernel == 1, "the one SIGINT did not come from the terminal:\n%s", run.out);
	ck_assert_msg(!strstr(run.out, "tmpjail:"), "the launcher complained:\n%s", run.out);
	ck_assert_int_eq(status, 0);
}
END_TEST

/* A command that does not handle SIGINT dies of it: the launcher exits 130, quietly. */
START_TEST(ctrl_c_default_action)
{
	struct tty_run run;
	tty_start_ready(&run, "default");
	tty_ctrl_c(&run);
	int status = tty_finish(&run);
	ck_assert_msg(!strstr(run.out, "no-signal"), "Ctrl-C did not reach the command:\n%s",
		      run.out);
	ck_assert_msg(!strstr(run.out, "tmpjail"), "the launcher printed something:\n%s", run.out);
	ck_assert_int_eq(status, 128 + SIGINT);
}
END_TEST

/*
 * A command that ignores SIGINT keeps running after Ctrl-C, and the
 * launcher keeps waiting for it: Ctrl-C ends neither.
 */
START_TEST(ctrl_c_ignored)
{
	struct tty_run run;
	tty_start_ready(&run, "ignore");
	tty_ctrl_c(&run);
	/* Give the launcher time to act on its own SIGINT, wrongly or not. */
	usleep(300 * 1000);
	int status = 0;
	pid_t gone = waitpid(run.launcher, &status, WNOHANG);
	if (gone != 0) {
		close(run.master);
		lu_scratch_remove(run.scratch);
		ck_abort_msg("the launcher ended on Ctrl-C (status %#x); output:\n%s", status,
			     run.out);
	}
	tty_type(&run, "go on\n");
	bool alive = tty_expect(&run, "still-here", 10);
	status = tty_finish(&run);
	ck_assert_msg(alive, "the command did not survive Ctrl-C; output:\n%s", run.out);
	ck_assert_int_eq(status, 7);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("launcher_tty");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("ctrl_c_reaches_command_once"), ctrl_c_reaches_command_once},
	    {tcase_create("ctrl_c_default_action"), ctrl_c_default_action},
	    {tcase_create("ctrl_c_ignored"), ctrl_c_ignored},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
