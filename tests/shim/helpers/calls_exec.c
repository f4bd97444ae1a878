/* SPDX-License-Identifier: MIT */
/*
 * The exec/spawn family. Each call starts /bin/sh -c 'echo SYMBOL >
 * BASE/new' with an environment that lost LD_PRELOAD and the TMPJAIL
 * variables (an explicit envp of only PATH, or clearenv() for the calls
 * that pass environ on). BASE exists only in the private dir, so the shell
 * can write there only if the wrapper put the shim back. The exec calls
 * replace this helper: the shell's exit status is the helper's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "helper.h"

extern char **environ;

static char *wiped_env[] = {"PATH=/usr/bin:/bin", NULL};

/* The shell command of a call, in a static buffer. */
static char *script(const char *base, const char *sym)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "echo %s > '%s/new'", sym, base);
	return buf;
}

/* Drop the whole environment the way clearenv() users do. */
static void wipe_environ(void)
{
	clearenv();
	setenv("PATH", "/usr/bin:/bin", 1);
}

static int call_execve(const char *base)
{
	char *argv[] = {"sh", "-c", script(base, "execve"), NULL};
	execve("/bin/sh", argv, wiped_env);
	FAIL("execve");
}

/* The program itself lives under /tmp: the path execve gets is mapped. */
static int call_execve_path(const char *base)
{
	char *argv[] = {"prog", NULL};
	execve(at(base, "prog"), argv, wiped_env);
	FAIL("execve %s", at(base, "prog"));
}

static int call_execv(const char *base)
{
	char *argv[] = {"sh", "-c", script(base, "execv"), NULL};
	wipe_environ();
	execv("/bin/sh", argv);
	FAIL("execv");
}

static int call_execvp(const char *base)
{
	char *argv[] = {"sh", "-c", script(base, "execvp"), NULL};
	wipe_environ();
	execvp("sh", argv);
	FAIL("execvp");
}

static int call_execvpe(const char *base)
{
	char *argv[] = {"sh", "-c", script(base, "execvpe"), NULL};
	execvpe("sh", argv, wiped_env);
	FAIL("execvpe");
}

static int call_execl(const char *base)
{
	wipe_environ();
	execl("/bin/sh", "sh", "-c", script(base, "execl"), (char *)NULL);
	FAIL("execl");
}

static int call_execlp(const char *base)
{
	wipe_environ();
	execlp("sh", "sh", "-c", script(base, "execlp"), (char *)NULL);
	FAIL("execlp");
}

static int call_execle(const char *base)
{
	execle("/bin/sh", "sh", "-c", script(base, "execle"), (char *)NULL, wiped_env);
	FAIL("execle");
}

static int call_fexecve(const char *base)
{
	char *argv[] = {"sh", "-c", script(base, "fexecve"), NULL};
	int fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		FAIL("open /bin/sh");
	fexecve(fd, argv, wiped_env);
	FAIL("fexecve");
}

static int call_execveat(const char *base)
{
	char *argv[] = {"sh", "-c", script(base, "execveat"), NULL};
	execveat(AT_FDCWD, "/bin/sh", argv, wiped_env, 0);
	FAIL("execveat");
}

static int wait_child(pid_t pid, const char *sym)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		FAIL("%s: waitpid", sym);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: the child failed (status 0x%x)\n", sym, status);
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int call_posix_spawn(const char *base)
{
	char *argv[] = {"sh", "-c", script(base, "posix_spawn"), NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, wiped_env);
	if (rc != 0) {
		errno = rc;
		FAIL("posix_spawn");
	}
	return wait_child(pid, "posix_spawn");
}

static int call_posix_spawnp(const char *base)
{
	char *argv[] = {"sh", "-c", script(base, "posix_spawnp"), NULL};
	pid_t pid;
	int rc = posix_spawnp(&pid, "sh", NULL, NULL, argv, wiped_env);
	if (rc != 0) {
		errno = rc;
		FAIL("posix_spawnp");
	}
	return wait_child(pid, "posix_spawnp");
}

/* The child's stdout is opened by the file action, before the exec. */
static int call_posix_spawn_file_actions_addopen(const char *base)
{
	char *argv[] = {"echo", "posix_spawn_file_actions_addopen", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	posix_spawn_file_actions_init(&fa);
	int rc = posix_spawn_file_actions_addopen(&fa, 1, at(base, "new"),
						  O_WRONLY | O_CREAT | O_EXCL, 0640);
	if (rc == 0)
		rc = posix_spawn(&pid, "/bin/echo", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		FAIL("posix_spawn_file_actions_addopen");
	}
	return wait_child(pid, "posix_spawn_file_actions_addopen");
}

static int call_posix_spawn_file_actions_addchdir_np(const char *base)
{
	char *argv[] = {"sh", "-c", "echo posix_spawn_file_actions_addchdir_np > new", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	posix_spawn_file_actions_init(&fa);
	int rc = posix_spawn_file_actions_addchdir_np(&fa, base);
	if (rc == 0)
		rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		FAIL("posix_spawn_file_actions_addchdir_np");
	}
	return wait_child(pid, "posix_spawn_file_actions_addchdir_np");
}

static int call_system(const char *base)
{
	wipe_environ();
	int status = system(script(base, "system"));
	if (status != 0) {
		fprintf(stderr, "system: status 0x%x\n", status);
		return 1;
	}
	printf("ok\n");
	return 0;
}

/* popen's child reads BASE/f, which exists only in the private dir. */
static int call_popen(const char *base)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "cat '%s/f'", base);
	wipe_environ();
	FILE *p = popen(cmd, "r");
	if (!p)
		FAIL("popen");
	char line[64] = {0};
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	int status = pclose(p);
	if (status != 0 || strcmp(line, DATA) != 0) {
		fprintf(stderr, "popen: read \"%s\", status 0x%x\n", line, status);
		return 1;
	}
	printf("ok\n");
	return 0;
}

static const struct call calls[] = {
    CALL(execve),
    CALL(execve_path),
    CALL(execv),
    CALL(execvp),
    CALL(execvpe),
    CALL(execl),
    CALL(execlp),
    CALL(execle),
    CALL(fexecve),
    CALL(execveat),
    CALL(posix_spawn),
    CALL(posix_spawnp),
    CALL(posix_spawn_file_actions_addopen),
    CALL(posix_spawn_file_actions_addchdir_np),
    CALL(system),
    CALL(popen),
};

HELPER_MAIN(calls)
