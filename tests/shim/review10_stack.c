/* SPDX-License-Identifier: MIT */
/*
 * stat(2) of a path where stacks are small, as programs have them: a
 * thread made with PTHREAD_STACK_MIN, and a handler on a SIGSTKSZ
 * alternate signal stack. Usage: tj_review10_stack thread|signal PATH DIR
 * (chdir to DIR first). Prints "0" or the errno name's number; a stack
 * overflow kills it with SIGSEGV.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *path;
static volatile int result = -2, error;

static void look(void)
{
	struct stat st;

	result = stat(path, &st);
	error = result < 0 ? errno : 0;
}

static void *in_thread(void *arg)
{
	(void)arg;
	look();
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	look();
}

int main(int argc, char **argv)
{
	if (argc != 4 || chdir(argv[3]) != 0)
		return 2;
	path = argv[2];
	if (strcmp(argv[1], "thread") == 0) {
		pthread_attr_t attr;
		pthread_t thread;
		if (pthread_attr_init(&attr) ||
		    pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN) ||
		    pthread_create(&thread, &attr, in_thread, NULL) || pthread_join(thread, NULL))
			return 2;
	} else {
		stack_t ss = {.ss_sp = malloc(SIGSTKSZ), .ss_size = SIGSTKSZ};
		struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_ONSTACK};
		if (!ss.ss_sp || sigaltstack(&ss, NULL) || sigaction(SIGUSR1, &sa, NULL))
			return 2;
		raise(SIGUSR1);
	}
	printf("%d\n", result < 0 ? error : 0);
	return 0;
}
