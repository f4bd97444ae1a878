/* SPDX-License-Identifier: MIT */
/*
 * Exec wrappers in forked and vforked children of a busy multithreaded
 * process: four threads keep calling wrapped functions on BASE (taking
 * whatever locks the shim and libc take) while the main thread starts
 * children with fork+execve, vfork+execve and posix_spawn, each with a
 * wiped environment, that must still see BASE/f. A wrapper that takes a
 * lock or allocates in the child can deadlock on a lock another thread held
 * at the fork: a child that does not finish in 10 s is killed and reported.
 * ROUNDS (300) children unless the second argument says how many.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#include "helper.h"

#define ROUNDS 300
#define WORKERS 4

static atomic_int stop;
static const char *base_dir;
static char *wiped_env[] = {"PATH=/usr/bin:/bin", NULL};

static void *busy(void *arg)
{
	(void)arg;
	char tmpl[4096];
	while (!atomic_load(&stop)) {
		struct stat st;
		stat(at(base_dir, "f"), &st);
		FILE *f = fopen(at(base_dir, "f"), "r");
		if (f)
			fclose(f);
		snprintf(tmpl, sizeof(tmpl), "%s/wXXXXXX", base_dir);
		int fd = mkstemp(tmpl);
		if (fd >= 0) {
			unlink(tmpl);
			close(fd);
		}
		free(malloc(1000));
	}
	return NULL;
}

/* Wait up to 10 s for @pid; kill it if it hangs. Returns 0 if it exited 0. */
static int reap(pid_t pid, int round, const char *how)
{
	for (int ms = 0; ms < 10000; ms++) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				return 0;
			fprintf(stderr, "round %d (%s): child status 0x%x\n", round, how, status);
			return 1;
		}
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fprintf(stderr, "round %d (%s): child hung (deadlock in an exec wrapper?)\n", round, how);
	return 1;
}

static pid_t by_fork(char **argv)
{
	pid_t pid = fork();
	if (pid == 0) {
		execve("/bin/sh", argv, wiped_env);
		_exit(127);
	}
	return pid;
}

/* Nothing but the exec between vfork and _exit. */
static pid_t by_vfork(char **argv)
{
	pid_t pid = vfork();
	if (pid == 0) {
		execve("/bin/sh", argv, wiped_env);
		_exit(127);
	}
	return pid;
}

static pid_t by_posix_spawn(char **argv)
{
	pid_t pid;
	return posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, wiped_env) == 0 ? pid : -1;
}

static const struct {
	const char *how;
	pid_t (*start)(char **argv);
} ways[] = {
    {"fork+execve", by_fork},
    {"vfork+execve", by_vfork},
    {"posix_spawn", by_posix_spawn},
};

static int start_child(int round, char **argv)
{
	const char *how = ways[round % 3].how;
	pid_t pid = ways[round % 3].start(argv);
	if (pid < 0)
		FAIL("round %d: %s", round, how);
	return reap(pid, round, how);
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s BASE [ROUNDS]\n", argv[0]);
		return 2;
	}
	base_dir = argv[1];
	/* Fewer under ThreadSanitizer, where every child loads its runtime. */
	int rounds = argc == 3 ? atoi(argv[2]) : ROUNDS;
	char script[4200];
	snprintf(script, sizeof(script), "test -f '%s/f'", base_dir);
	char *child_argv[] = {"sh", "-c", script, NULL};
	pthread_t tids[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		if (pthread_create(&tids[i], NULL, busy, NULL) != 0)
			return 1;
	int failures = 0;
	for (int round = 0; round < rounds && failures < 3; round++)
		failures += start_child(round, child_argv);
	atomic_store(&stop, 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(tids[i], NULL);
	if (failures)
		return 1;
	printf("ok %d\n", rounds);
	return 0;
}
