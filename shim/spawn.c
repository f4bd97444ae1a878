/* SPDX-License-Identifier: MIT */
/*
 * posix_spawn, system and popen. glibc starts their children with its own
 * internal calls, out of the shim's reach, so the environment is fixed
 * before: in the envp argument for posix_spawn, in the process's own
 * environment for system and popen (their children inherit it). The root
 * is made first, so the child shares it.
 */
#include <stdlib.h>
#include <string.h>

#include "shim.h"

extern char **environ;

/*
 * A relative @path is read after the file actions, which may change the
 * directory: it is only mapped without actions (@base AT_FDCWD).
 */
static int spawn_common(const char *name, pid_t *pid, int base, const char *path,
			const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr,
			char *const argv[], char *const envp[], shim_fn_posix_spawn real)
{
	struct shim_call call = {.name = name};
	const char *given = path;
	char buf[PATH_MAX];

	if (!real)
		return ENOSYS;
	(void)shim_ensure_root();
	if (shim_call_map(&call, 0, actions ? SHIM_NO_BASE : base, &path, buf, 0) < 0)
		return shim_call_refuse(&call, call.refused);
	/* A "#!" chain the kernel cannot see (script.c). A relative path after
	 * file actions is read where they lead, and a bare name glibc searches
	 * in PATH (SHIM_NO_BASE): both are left to the kernel. */
	struct shim_script script;
	int as_script = 0;
	if (given[0] == '/' || (base == AT_FDCWD && !actions))
		as_script = shim_script_resolve(given, path, &script);
	if (as_script < 0) {
		shim_call_end(&call, -1, -as_script);
		return -as_script;
	}
	size_t count = shim_env_count(envp);
	const char *vec[(count <= SHIM_ENV_MAX ? count : 0) + SHIM_ENV_EXTRA + 1];
	char ld[SHIM_LD_BUF];
	char *const *env = count <= SHIM_ENV_MAX ? shim_env_build(envp, count, vec, ld) : envp;
	/* The kernel's argv for the chain, in place of the program's. */
	size_t argc = as_script ? shim_script_argc(&script, argv) : 1;
	if (argc > 65536)
		return E2BIG;
	const char *full[argc];
	if (as_script) {
		shim_script_argv(&script, argv, full);
		path = script.file;
		argv = (char *const *)full;
	}
	/*
	 * A program the trap must hold (static, Go, set-group-ID): glibc's
	 * child would exec it untrapped, so the helper beside the shim is
	 * started in its place and execs it through the shim, which traps it
	 * (trap_helper.c). A relative path after file actions is not known
	 * here: left as it is.
	 */
	const char *helper = shim_trap_helper();
	bool known = strchr(path, '/') && (path[0] == '/' || !actions);
	size_t n = helper && known ? shim_env_count(argv) : 0;
	bool via_helper = n > 0 && n <= 65536 && shim_trap_needed(path, env);
	const char *via[via_helper ? n + 3 : 1];
	if (via_helper) {
		via[0] = helper;
		via[1] = path;
		memcpy(via + 2, argv, (n + 1) * sizeof(*via));
		path = helper;
		argv = (char *const *)via;
	}
	int r = real(pid, path, actions, attr, argv, env);
	/* The child shares our lock's description: keep it, take a new one. */
	if (r == 0)
		shim_lock_renew();
	shim_call_end(&call, r ? -1 : 0, r);
	return r;
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
		const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_common("posix_spawn", pid, AT_FDCWD, path, actions, attr, argv, envp,
			    SHIM_REAL(posix_spawn));
}

/* The first executable "dir/file" on PATH, seen through the shim. */
static bool search_path(const char *file, char *out, size_t size)
{
	const char *search = getenv("PATH");
	size_t file_len = strlen(file);

	if (!search)
		search = "/bin:/usr/bin";
	for (const char *p = search;; p++) {
		size_t len = strcspn(p, ":");
		if (len + 1 + file_len + 1 <= size) {
			char mapped[PATH_MAX];
			struct stat st;
			memcpy(out, p, len);
			out[len] = '/';
			memcpy(out + (len ? len + 1 : 0), file, file_len + 1);
			int r = shim_map(out, mapped, sizeof(mapped), 0);
			const char *real_path = r == MAP_DONE ? mapped : out;
			if (r >= 0 && stat(real_path, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(real_path, X_OK) == 0)
				return true;
		}
		p += len;
		if (*p == '\0')
			return false;
	}
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char found[PATH_MAX];
	int saved = errno;

	/* glibc's search cannot see a redirected PATH entry: search here then. */
	bool searched = !strchr(file, '/') && search_path(file, found, sizeof(found));
	errno = saved; /* the probing may have set it */
	if (searched) {
		/* Mapped, or one the trap must hold: spawned by the path found. */
		char mapped[PATH_MAX];
		int m = shim_map(found, mapped, sizeof(mapped), SHIM_MAP_NO_CREATE);
		if (m == MAP_DONE ||
		    (m == MAP_KEEP && shim_trap_helper() && shim_trap_needed(found, envp)))
			return spawn_common("posix_spawnp", pid, AT_FDCWD, found, actions, attr,
					    argv, envp, SHIM_REAL(posix_spawn));
	}
	/* A name without a slash is looked up in PATH, never in the directory. */
	return spawn_common("posix_spawnp", pid, strchr(file, '/') ? AT_FDCWD : SHIM_NO_BASE, file,
			    actions, attr, argv, envp,
			    (shim_fn_posix_spawn)SHIM_REAL(posix_spawnp));
}

int system(const char *command)
{
	shim_fn_system real = SHIM_REAL(system);

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	int saved = errno;
	(void)shim_ensure_root();
	shim_env_restore_process();
	errno = saved;
	return real(command);
}

FILE *popen(const char *command, const char *mode)
{
	shim_fn_popen real = SHIM_REAL(popen);

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	int saved = errno;
	(void)shim_ensure_root();
	shim_env_restore_process();
	errno = saved;
	FILE *f = real(command, mode);
	if (f)
		shim_lock_renew();
	return f;
}
