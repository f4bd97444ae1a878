/* SPDX-License-Identifier: MIT */
/* The launcher's side of the environment contract (docs/architecture.md). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "env.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "realname.h"

#ifndef TMPJAIL_SHIM_RELPATH
#define TMPJAIL_SHIM_RELPATH "../lib/libtmpjail-preload.so"
#endif

/* Normalise @in into a new string: one '/' between parts, no '.' parts. */
static int normalise(const char *in, char **out)
{
	if (in[0] != '/' || strchr(in, ':'))
		return -EINVAL;
	char *norm = malloc(strlen(in) + 1), *end = norm;
	if (!norm)
		return -ENOMEM;
	for (const char *p = in; *p;) {
		size_t len = strcspn(p, "/");
		if ((len == 2 && strncmp(p, "..", 2) == 0)) {
			free(norm);
			return -EINVAL;
		}
		if (len && !(len == 1 && p[0] == '.')) {
			*end++ = '/';
			memcpy(end, p, len);
			end += len;
		}
		p += len + (p[len] == '/');
	}
	*end = '\0';
	if (end == norm) { /* "/" itself would redirect everything */
		free(norm);
		return -EINVAL;
	}
	*out = norm;
	return 0;
}

int env_prefixes_add(struct prefixes *prefixes, const char *prefix)
{
	char *norm;
	int err = normalise(prefix, &norm);
	if (err)
		return err;
	for (size_t i = 0; i < prefixes->count; i++)
		if (strcmp(prefixes->list[i], norm) == 0) {
			free(norm);
			return 0;
		}
	/* The shim could not hold it: refused here, never accepted and dropped. */
	if (strlen(norm) > ENV_REDIRECT_PREFIX_MAX ||
	    prefixes->count >= ENV_REDIRECT_MAX_PREFIXES) {
		err = strlen(norm) > ENV_REDIRECT_PREFIX_MAX ? -ENAMETOOLONG : -E2BIG;
		free(norm);
		return err;
	}
	char **grown = realloc(prefixes->list, (prefixes->count + 1) * sizeof(*grown));
	if (!grown) {
		free(norm);
		return -ENOMEM;
	}
	prefixes->list = grown;
	prefixes->list[prefixes->count++] = norm;
	return 0;
}

int env_prefixes_init(struct prefixes *prefixes)
{
	return env_prefixes_init_from(prefixes, getenv("TMPJAIL_REDIRECT"));
}

int env_prefixes_init_from(struct prefixes *prefixes, const char *outer)
{
	*prefixes = (struct prefixes){0};
	int err = env_prefixes_add(prefixes, "/tmp");
	if (!err)
		err = env_prefixes_add(prefixes, "/var/tmp");
	/* A nested run keeps the outer run's redirects. */
	char *copy = outer ? strdup(outer) : NULL, *save = NULL;
	if (outer && !copy)
		err = -ENOMEM;
	/* Every one of them, or no run: the outer run's shim redirected them. */
	for (char *p = copy ? strtok_r(copy, ":", &save) : NULL; p && !err;
	     p = strtok_r(NULL, ":", &save))
		err = env_prefixes_add(prefixes, p);
	free(copy);
	if (err)
		env_prefixes_free(prefixes);
	return err;
}

#define ENV_TEXT(x) ENV_TEXT_(x)
#define ENV_TEXT_(x) #x

const char *env_prefixes_error(int err)
{
	switch (err) {
	case -EINVAL:
		return "must be absolute, not /, without '..' or ':'";
	case -ENAMETOOLONG:
		return "longer than " ENV_TEXT(ENV_REDIRECT_PREFIX_MAX) " bytes (the environment "
									"contract's limit)";
	case -E2BIG:
		return "more than " ENV_TEXT(
		    ENV_REDIRECT_MAX_PREFIXES) " redirected prefixes, "
					       "/tmp and /var/tmp included (the environment "
					       "contract's limit)";
	default:
		return strerror(-err);
	}
}

void env_prefixes_free(struct prefixes *prefixes)
{
	for (size_t i = 0; i < prefixes->count; i++)
		free(prefixes->list[i]);
	free(prefixes->list);
	*prefixes = (struct prefixes){0};
}

char *env_find_shim_near(const char *dir, const char *relpath)
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, relpath) < 0)
		return NULL;
	char *shim = realname_of(path);
	free(path);
	if (shim && access(shim, R_OK) < 0) {
		free(shim);
		return NULL;
	}
	return shim;
}

char *env_find_shim(void)
{
	char self[PATH_MAX];
	if (realname_exe(self, sizeof(self)) < 0)
		return NULL;
	return env_find_shim_near(dirname(self), TMPJAIL_SHIM_RELPATH);
}

/*
 * The value of @var (LD_PRELOAD, LD_AUDIT) in @target with @file appended,
 * unless a file named @file_name is there already (a nested run: the outer
 * run's serves us).
 */
static char *list_with(const struct env_target *target, const char *var, const char *file,
		       const char *file_name)
{
	const char *old = target->get(target->ctx, var);
	char *result;
	if (!old || !*old)
		return strdup(file);
	char *copy = strdup(old), *save = NULL;
	if (!copy)
		return NULL;
	for (char *p = strtok_r(copy, ": ", &save); p; p = strtok_r(NULL, ": ", &save)) {
		const char *base = strrchr(p, '/');
		if (strcmp(base ? base + 1 : p, file_name) == 0) {
			free(copy);
			return strdup(old);
		}
	}
	free(copy);
	return asprintf(&result, "%s:%s", old, file) < 0 ? NULL : result;
}

/*
 * LD_AUDIT with the loader module (libtmpjail-loader.so, installed beside
 * the shim) appended; NULL with errno 0 when there is none: the run then
 * works without it, as before.
 */
static char *audit_with(const struct env_target *target, const char *shim)
{
	char *loader = NULL, *dir = strdup(shim), *result = NULL;
	if (!dir || asprintf(&loader, "%s/libtmpjail-loader.so", dirname(dir)) < 0) {
		free(dir);
		return NULL;
	}
	if (access(loader, R_OK) == 0)
		result = list_with(target, "LD_AUDIT", loader, "libtmpjail-loader.so");
	else
		errno = 0;
	free(loader);
	free(dir);
	return result;
}

static char *join_prefixes(const struct prefixes *prefixes)
{
	size_t len = 1;
	for (size_t i = 0; i < prefixes->count; i++)
		len += strlen(prefixes->list[i]) + 1;
	char *joined = calloc(1, len);
	for (size_t i = 0; joined && i < prefixes->count; i++) {
		if (i)
			strcat(joined, ":");
		strcat(joined, prefixes->list[i]);
	}
	return joined;
}

static const char *process_get(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static int process_set(void *ctx, const char *name, const char *value)
{
	(void)ctx;
	int ret = value ? setenv(name, value, 1) : unsetenv(name);
	return ret < 0 ? -errno : 0;
}

const struct env_target env_process = {.get = process_get, .set = process_set};

/* Set @name in @target; a NULL @value unsets it. */
static int put(const struct env_target *target, const char *name, const char *value)
{
	return target->set(target->ctx, name, value);
}

int env_export_to(const struct env_target *target, const char *root,
		  const struct prefixes *prefixes, const char *shim, const char *audit)
{
	char *dir = NULL, *redirect = join_prefixes(prefixes);
	char *preload = list_with(target, "LD_PRELOAD", shim, "libtmpjail-preload.so");
	char *audit_list = audit_with(target, shim);
	char *audit_abs = NULL;
	int err = 0;
	if (!redirect || !preload || (!audit_list && errno) || asprintf(&dir, "%s/tmp", root) < 0)
		err = -ENOMEM;
	if (!err && audit && audit[0] != '/') {
		char cwd[PATH_MAX];
		if (!realname_cwd(cwd, sizeof(cwd)))
			err = -errno;
		else if (asprintf(&audit_abs, "%s/%s", cwd, audit) < 0)
			err = -ENOMEM;
	}
	const char *names[] = {"TMPJAIL_ROOT", "TMPJAIL_DIR", "TMPDIR", "TMPJAIL_REDIRECT",
			       "TMPJAIL_PRELOAD", "LD_PRELOAD",
			       /* not the outer run's */ "TMPJAIL_AUDIT",
			       /* only a shim that made its own root sets them */
			       "TMPJAIL_OWNER", "TMPJAIL_LOCK"};
	const char *values[] = {
	    root, dir, dir, redirect, shim, preload, audit_abs ? audit_abs : audit, NULL, NULL};
	for (size_t i = 0; !err && i < sizeof(names) / sizeof(names[0]); i++)
		err = put(target, names[i], values[i]);
	/* No loader module beside the shim: LD_AUDIT stays as the user set it. */
	if (!err && audit_list)
		err = put(target, "LD_AUDIT", audit_list);
	free(dir);
	free(redirect);
	free(preload);
	free(audit_list);
	free(audit_abs);
	return err;
}

int env_export(const char *root, const struct prefixes *prefixes, const char *shim,
	       const char *audit)
{
	return env_export_to(&env_process, root, prefixes, shim, audit);
}
