/* SPDX-License-Identifier: MIT */
/*
 * exec and spawn: the path of the program is mapped like any other, and the
 * child's environment gets the shim and the TMPJAIL_* variables back (see
 * env.c). These wrappers may run in a vfork child, so everything here uses
 * the stack: no malloc, no stdio, no locks, and the root is never created
 * here (SHIM_MAP_NO_CREATE) -- a program cannot exist in a root not yet
 * made.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

extern char **environ;

/* Default search path of execvp(3) when PATH is unset, as in glibc. */
#define DEFAULT_PATH "/bin:/usr/bin"

/*
 * Declare, in the caller's frame, the arrays fixed_env() builds the child's
 * environment in: they must live until the exec call, and a vfork child
 * has no heap to put them on.
 */
#define ENV_ARRAYS(envp, count, vec, ld)                                           \
	size_t count = shim_env_count(envp);                                       \
	const char *vec[(count <= SHIM_ENV_MAX ? count : 0) + SHIM_ENV_EXTRA + 1]; \
	char ld[SHIM_LD_BUF]

/* envp fixed up in @vec, or left alone when it is too large for the stack. */
static char *const *fixed_env(char *const envp[], size_t count, const char **vec, char *ld)
{
	if (count > SHIM_ENV_MAX)
		return envp;
	return shim_env_build(envp, count, vec, ld);
}

/* Number of entries of @argv before its NULL (NULL counts as empty). */
static size_t count_argv(char *const argv[])
{
	size_t argc = 0;

	while (argv && argv[argc])
		argc++;
	return argc;
}

/* execve(2) of a "#!" chain the kernel cannot see (script.c): the last
 * interpreter, with the argv the kernel would have built. */
static int exec_script(shim_fn_execve real, const struct shim_script *script, char *const argv[],
		       char *const env[])
{
	size_t argc = shim_script_argc(script, argv);

	if (argc > 65536)
		return SHIM_FAIL_M1(E2BIG);
	const char *full[argc];
	shim_script_argv(script, argv, full);
	return real(script->file, (char *const *)full, env);
}

/* The execve(2) every exec wrapper ends in. */
static int exec_path(const char *name, const char *path, char *const argv[], char *const envp[])
{
	shim_fn_execve real = SHIM_REAL(execve);
	struct shim_call call = {.name = name};
	const char *given = path;
	struct shim_script script;
	char buf[PATH_MAX];

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	if (shim_call_map(&call, 0, AT_FDCWD, &path, buf, SHIM_MAP_NO_CREATE) < 0)
		return SHIM_FAIL_M1(shim_call_refuse(&call, call.refused));
	int as_script = shim_script_resolve(given, path, &script);
	if (as_script < 0) {
		shim_call_end(&call, -1, -as_script);
		return SHIM_FAIL_M1(-as_script);
	}
	/* The program the kernel will run: trapped first when the shim cannot follow it. */
	int trapped = shim_trap_exec(as_script ? script.file : path, envp);
	if (trapped < 0) {
		shim_call_end(&call, -1, -trapped);
		return SHIM_FAIL_M1(-trapped);
	}
	ENV_ARRAYS(envp, count, vec, ld);
	char *const *env = fixed_env(envp, count, vec, ld);
	/* Audited before: a successful exec does not come back. */
	shim_call_end(&call, 0, 0);
	shim_lock_renew(); /* in a vfork child: a lock not shared with the parent */
	int r = as_script ? exec_script(real, &script, argv, env) : real(path, argv, env);
	shim_call_end(&call, r, errno);
	return r;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return exec_path("execve", path, argv, envp);
}

int execv(const char *path, char *const argv[])
{
	return exec_path("execv", path, argv, environ);
}

/* A script without "#!": run it with /bin/sh, as execvp(3) does. */
static int exec_shell(const char *name, const char *path, char *const argv[], char *const envp[])
{
	size_t argc = count_argv(argv);

	if (argc > 65536)
		return SHIM_FAIL_M1(E2BIG);
	/* "/bin/sh" path argv[1] ... NULL; an empty argv still gets its NULL. */
	char *shell_argv[argc + 3];
	size_t n = 0;
	shell_argv[n++] = (char *)"/bin/sh";
	shell_argv[n++] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		shell_argv[n++] = argv[i];
	shell_argv[n] = NULL;
	return exec_path(name, "/bin/sh", shell_argv, envp);
}

/* Does any directory of the search path lie under a redirected prefix? */
static bool path_is_redirected(const char *search)
{
	char buf[PATH_MAX];

	for (const char *p = search; *p;) {
		size_t len = strcspn(p, ":");
		if (len > 0 && len < sizeof(buf)) {
			memcpy(buf, p, len);
			buf[len] = '\0';
			char mapped[PATH_MAX];
			if (shim_map(buf, mapped, sizeof(mapped), SHIM_MAP_NO_CREATE) != MAP_KEEP)
				return true;
		}
		p += len;
		if (*p)
			p++;
	}
	return false;
}

/*
 * execvpe(3) searching PATH through the shim. Only used when PATH names a
 * redirected directory; otherwise glibc's own search is exact.
 */
static int exec_search(const char *name, const char *file, const char *search, char *const argv[],
		       char *const envp[])
{
	bool denied = false;
	size_t file_len = strlen(file);
	char path[PATH_MAX];

	for (const char *p = search;; p++) {
		size_t len = strcspn(p, ":");
		if (len + 1 + file_len + 1 <= sizeof(path)) {
			memcpy(path, p, len);
			path[len] = '/';
			memcpy(path + (len ? len + 1 : 0), file, file_len + 1);
			exec_path(name, path, argv, envp);
			if (errno == ENOEXEC)
				return exec_shell(name, path, argv, envp);
			if (errno == EACCES)
				denied = true;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE &&
				 errno != ENODEV && errno != ETIMEDOUT)
				return -1;
		}
		p += len;
		if (*p == '\0')
			break;
	}
	if (denied)
		errno = EACCES;
	return -1;
}

static int exec_file(const char *name, const char *file, char *const argv[], char *const envp[])
{
	if (!file || !file[0])
		return SHIM_FAIL_M1(ENOENT);
	if (strchr(file, '/')) {
		int r = exec_path(name, file, argv, envp);
		if (r < 0 && errno == ENOEXEC)
			return exec_shell(name, file, argv, envp);
		return r;
	}
	const char *search = getenv("PATH");
	if (!search)
		search = DEFAULT_PATH;
	if (path_is_redirected(search))
		return exec_search(name, file, search, argv, envp);

	shim_fn_execvpe real = SHIM_REAL(execvpe);
	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	ENV_ARRAYS(envp, count, vec, ld);
	shim_lock_renew();
	return real(file, argv, fixed_env(envp, count, vec, ld));
}

int execvp(const char *file, char *const argv[])
{
	return exec_file("execvp", file, argv, environ);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return exec_file("execvpe", file, argv, envp);
}

/* execl's arguments: count them, then copy them into a stack array. */
#define EXECL_MAX 65536

static size_t count_args(const char *arg, va_list ap)
{
	size_t argc = 0;

	while (arg && argc <= EXECL_MAX) {
		argc++;
		arg = va_arg(ap, const char *);
	}
	return argc;
}

static void copy_args(char **argv, size_t argc, const char *arg, va_list ap)
{
	argv[0] = (char *)arg;
	for (size_t i = 1; i <= argc; i++)
		argv[i] = i < argc ? va_arg(ap, char *) : NULL;
	if (argc > 0)
		(void)va_arg(ap, char *); /* the terminating NULL */
}

#define EXECL_BODY(name, target, run, with_env)   \
	va_list ap;                               \
	va_start(ap, arg);                        \
	size_t argc = count_args(arg, ap);        \
	va_end(ap);                               \
	if (argc > EXECL_MAX)                     \
		return SHIM_FAIL_M1(E2BIG);       \
	char *argv[argc + 1];                     \
	char *const *envp = environ;              \
	va_start(ap, arg);                        \
	copy_args(argv, argc, arg, ap);           \
	if (with_env)                             \
		envp = va_arg(ap, char *const *); \
	va_end(ap);                               \
	return run(name, target, argv, envp)

int execl(const char *path, const char *arg, ...)
{
	EXECL_BODY("execl", path, exec_path, false);
}

int execlp(const char *file, const char *arg, ...)
{
	EXECL_BODY("execlp", file, exec_file, false);
}

int execle(const char *path, const char *arg, ...)
{
	EXECL_BODY("execle", path, exec_path, true);
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	shim_fn_fexecve real = SHIM_REAL(fexecve);

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	int trapped = shim_trap_exec(self, envp);
	if (trapped < 0)
		return SHIM_FAIL_M1(-trapped);
	ENV_ARRAYS(envp, count, vec, ld);
	shim_lock_renew();
	return real(fd, argv, fixed_env(envp, count, vec, ld));
}

int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	shim_fn_execveat real = SHIM_REAL(execveat);
	struct shim_call call = {.name = "execveat"};
	char buf[PATH_MAX];

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	if (shim_call_map(&call, 0, dirfd, &path, buf, SHIM_MAP_NO_CREATE) < 0)
		return SHIM_FAIL_M1(shim_call_refuse(&call, call.refused));
	/* The file the kernel will run, as a path this process can name. */
	char target[PATH_MAX + 32];
	if (path[0] == '/')
		snprintf(target, sizeof(target), "%s", path);
	else if (path[0] == '\0' && (flags & AT_EMPTY_PATH))
		snprintf(target, sizeof(target), "/proc/self/fd/%d", dirfd);
	else if (dirfd == AT_FDCWD)
		snprintf(target, sizeof(target), "%s", path);
	else
		snprintf(target, sizeof(target), "/proc/self/fd/%d/%s", dirfd, path);
	int trapped = shim_trap_exec(target, envp);
	if (trapped < 0) {
		shim_call_end(&call, -1, -trapped);
		return SHIM_FAIL_M1(-trapped);
	}
	ENV_ARRAYS(envp, count, vec, ld);
	char *const *env = fixed_env(envp, count, vec, ld);
	shim_call_end(&call, 0, 0);
	shim_lock_renew();
	int r = real(dirfd, path, argv, env, flags);
	shim_call_end(&call, r, errno);
	return r;
}
