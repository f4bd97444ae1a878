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

/* The redirected prefixes of a run. */
struct prefixes {
	char **list; /* normalised absolute paths, /tmp and /var/tmp first */
	size_t count;
};

/*
 * env_prefixes_init() - the prefixes every run redirects: /tmp, /var/tmp
 * and, in a nested run, those of the outer run (TMPJAIL_REDIRECT).
 * Return: 0 or -errno.
 */
int env_prefixes_init(struct prefixes *prefixes);

/*
 * env_prefixes_add() - add --redirect PREFIX, normalised (//a/./b/ is /a/b).
 * Return: 0 (also when already there), -EINVAL for a relative prefix, "/",
 * a ".." component or a ':', -ENOMEM.
 */
int env_prefixes_add(struct prefixes *prefixes, const char *prefix);

void env_prefixes_free(struct prefixes *prefixes);

/*
 * env_find_shim() - the shim's canonical path, found relative to the
 * launcher's own executable (TMPJAIL_SHIM_RELPATH, from CMake), so build
 * and installed trees, moved or not, work alike.
 * Return: the path (malloc'd), or NULL with errno (ENOENT: no shim there).
 */
char *env_find_shim(void);

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
