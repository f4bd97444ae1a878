/* SPDX-License-Identifier: MIT */
/*
 * The environment contract on the launcher's side (docs/architecture.md):
 * finding the shim, normalising redirected prefixes, and exporting
 * TMPJAIL_*, TMPDIR and LD_PRELOAD for the command.
 */
#ifndef TMPJAIL_LAUNCHER_ENV_H
#define TMPJAIL_LAUNCHER_ENV_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The environment contract's limits on TMPJAIL_REDIRECT (docs/architecture.md,
 * "Limits"): the shim holds no more (shim/map.h: MAP_MAX_RULES, and
 * MAP_PREFIX_MAX with its NUL), so the launcher refuses more at start
 * rather than start a run whose extra prefixes would not be redirected.
 * tests/adversary/check_adversary_shim.c checks that the three agree.
 */
#define ENV_REDIRECT_MAX_PREFIXES 16 /* /tmp and /var/tmp included */
#define ENV_REDIRECT_PREFIX_MAX 255  /* bytes of one canonical prefix */

/* The redirected prefixes of a run. */
struct prefixes {
	char **list; /* normalised absolute paths, /tmp and /var/tmp first */
	size_t count;
};

/*
 * env_prefixes_init() - the prefixes every run redirects: /tmp, /var/tmp
 * and, in a nested run, those of the outer run (TMPJAIL_REDIRECT).
 * Return: 0 or -errno (as env_prefixes_add() for an outer prefix the run
 * could not redirect too).
 */
int env_prefixes_init(struct prefixes *prefixes);

/*
 * env_prefixes_init_from() - env_prefixes_init() with the outer run's
 * TMPJAIL_REDIRECT given: @outer, or NULL for none (a Slurm step, whose
 * submitting shell's run is on another machine).
 */
int env_prefixes_init_from(struct prefixes *prefixes, const char *outer);

/*
 * env_prefixes_add() - add --redirect PREFIX, normalised (//a/./b/ is /a/b).
 * Return: 0 (also when already there), -EINVAL for a relative prefix, "/",
 * a ".." component or a ':', -ENAMETOOLONG for one longer than
 * ENV_REDIRECT_PREFIX_MAX once normalised, -E2BIG when the run already has
 * ENV_REDIRECT_MAX_PREFIXES, -ENOMEM.
 */
int env_prefixes_add(struct prefixes *prefixes, const char *prefix);

/* env_prefixes_error() - the words for an error of env_prefixes_add(). */
const char *env_prefixes_error(int err);

void env_prefixes_free(struct prefixes *prefixes);

/*
 * env_find_shim() - the shim's canonical path, found relative to the
 * launcher's own executable (TMPJAIL_SHIM_RELPATH, from CMake), so build
 * and installed trees, moved or not, work alike.
 * Return: the path (malloc'd), or NULL with errno (ENOENT: no shim there).
 */
char *env_find_shim(void);

/*
 * env_find_shim_near() - the shim's canonical path, found at @relpath from
 * the directory @dir (the Slurm plugin's own directory, for the plugin).
 * Return: the path (malloc'd), or NULL with errno.
 */
char *env_find_shim_near(const char *dir, const char *relpath);

/*
 * Where env_export_to() writes: the launcher's own environment
 * (env_process), or a job's (the Slurm plugin's spank_getenv/setenv).
 * @get: the current value of a name, or NULL.
 * @set: set a name; a NULL value unsets it. Return: 0 or -errno.
 */
struct env_target {
	const char *(*get)(void *ctx, const char *name);
	int (*set)(void *ctx, const char *name, const char *value);
	void *ctx;
};

/* The calling process's environment: getenv(3), setenv(3), unsetenv(3). */
extern const struct env_target env_process;

/*
 * env_export_to() - set a command's environment in @target: TMPJAIL_ROOT,
 * TMPJAIL_DIR, TMPDIR, TMPJAIL_REDIRECT, TMPJAIL_PRELOAD, LD_PRELOAD (the
 * shim appended to the one @target has), TMPJAIL_AUDIT (absolute, from the
 * current directory) or none; TMPJAIL_OWNER and TMPJAIL_LOCK removed.
 * Return: 0 or -errno of the first failure.
 */
int env_export_to(const struct env_target *target, const char *root,
		  const struct prefixes *prefixes, const char *shim, const char *audit);

/*
 * env_export() - set the command's environment in the launcher's own.
 * @root: the private root's absolute path.
 * @prefixes: the redirected prefixes.
 * @shim: the shim's path (no blanks or colons: see env_find_shim()).
 * @audit: --audit FILE, or NULL.
 * Return: 0 or -errno.
 */
int env_export(const char *root, const struct prefixes *prefixes, const char *shim,
	       const char *audit);

#endif
