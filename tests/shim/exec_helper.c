/* SPDX-License-Identifier: MIT */
/*
 * tj_exec_helper CALL FILE [ARG]...: run FILE with argv [FILE, ARG...]
 * through the libc call CALL (execv, execvp, execvpe, posix_spawn,
 * posix_spawnp), the way programs reach the shim's wrappers. Prints the
 * error of a call that fails, and exits with the child's status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *call = argv[1], *file = argv[2];
	char **args = argv + 2;
	pid_t pid;
	int r, status;

	if (strcmp(call, "execv") == 0)
		execv(file, args);
	else if (strcmp(call, "execvp") == 0)
		execvp(file, args);
	else if (strcmp(call, "execvpe") == 0)
		execvpe(file, args, environ);
	if (strncmp(call, "exec", 4) == 0) {
		printf("%s: %s\n", call, strerror(errno));
		return 127;
	}
	if (strcmp(call, "posix_spawn") == 0)
		r = posix_spawn(&pid, file, NULL, NULL, args, environ);
	else if (strcmp(call, "posix_spawnp") == 0)
		r = posix_spawnp(&pid, file, NULL, NULL, args, environ);
	else
		return 2;
	if (r != 0) {
		printf("%s: %s\n", call, strerror(r));
		return 127;
	}
	fflush(stdout);
	if (waitpid(pid, &status, 0) != pid)
		return 3;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
