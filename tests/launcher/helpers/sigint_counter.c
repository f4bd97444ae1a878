/* SPDX-License-Identifier: MIT */
/*
 * sigint_counter MODE: the command check_launcher_tty runs under the
 * launcher on a pseudo-terminal. Never sanitized: it stands for an ordinary
 * program. It prints "ready" once it is set up and in the terminal's
 * foreground process group, then, by MODE:
 *
 *   count    counts every SIGINT delivered, for 1.5 s after the first one,
 *            then prints "count=N kernel=K user=U" (U: sent with kill(),
 *            as a launcher forwarding Ctrl-C a second time would) and
 *            exits 0;
 *   default  leaves SIGINT at its default action and sleeps: Ctrl-C kills
 *            it (after 10 s it prints "no-signal" and exits 3);
 *   ignore   ignores SIGINT and waits for a line on stdin, then prints
 *            "still-here" and exits 7.
 *
 * Two identical standard signals merge only while the first is pending.
 * The handler runs with SIGINT unblocked (SA_NODEFER) and counts on entry,
 * so a duplicate arriving at any time after the first was delivered is
 * delivered too and counted.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t deliveries, from_kernel, from_user;

static void count_sigint(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)context;
	deliveries++;
	if (info->si_code == SI_KERNEL)
		from_kernel++;
	else if (info->si_code == SI_USER)
		from_user++;
}

static void say(const char *text)
{
	size_t len = strlen(text);
	while (len) {
		ssize_t n = write(STDOUT_FILENO, text, len);
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep in small steps until @seconds passed or *@until became non-zero. */
static void nap(double seconds, volatile sig_atomic_t *until)
{
	double end = now() + seconds;
	while (now() < end && !(until && *until))
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
}

static int run_count(void)
{
	struct sigaction action = {.sa_sigaction = count_sigint,
				   .sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART};
	sigemptyset(&action.sa_mask);
	if (sigaction(SIGINT, &action, NULL) < 0)
		return 2;
	say("ready\n");
	nap(10, &deliveries);
	/* A duplicate forwarded by the launcher would arrive within this window. */
	nap(1.5, NULL);
	char line[64];
	snprintf(line, sizeof(line), "count=%d kernel=%d user=%d\n", (int)deliveries,
		 (int)from_kernel, (int)from_user);
	say(line);
	return 0;
}

static int run_ignore(void)
{
	if (signal(SIGINT, SIG_IGN) == SIG_ERR)
		return 2;
	say("ready\n");
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return 4;
	say("still-here\n");
	return 7;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	/* The test is about Ctrl-C reaching the program: it must get it from the terminal. */
	if (tcgetpgrp(STDIN_FILENO) != getpgrp()) {
		say("not-foreground\n");
		return 5;
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (!strcmp(argv[1], "count"))
		return run_count();
	if (!strcmp(argv[1], "ignore"))
		return run_ignore();
	if (!strcmp(argv[1], "default")) {
		signal(SIGINT, SIG_DFL);
		say("ready\n");
		nap(10, NULL);
		say("no-signal\n");
		return 3;
	}
	return 2;
}
