/* SPDX-License-Identifier: MIT */
/* Helpers of the Slurm plugin's cluster tests: see slurm_util.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "slurm_util.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launcher_util.h"

const char *su_cluster(const char **why)
{
	static char reason[512];
	const char *dir = getenv("TJ_CLUSTER");
	ck_assert_msg(dir && *dir, "TJ_CLUSTER is not set");
	char path[4096];
	snprintf(path, sizeof(path), "%s/up", dir);
	if (access(path, F_OK) == 0)
		return dir;
	snprintf(path, sizeof(path), "%s/skip", dir);
	FILE *file = fopen(path, "r");
	size_t n = file ? fread(reason, 1, sizeof(reason) - 1, file) : 0;
	if (file)
		fclose(file);
	reason[n] = '\0';
	if (!n)
		snprintf(reason, sizeof(reason),
			 "the test cluster is not up (slurm_cluster_start)");
	if (why)
		*why = reason;
	return NULL;
}

int su_sh(char **out, int timeout, const char *fmt, ...)
{
	const char *dir = su_cluster(NULL);
	ck_assert_msg(dir, "the test cluster is not up");
	char *snippet, *script;
	va_list args;
	va_start(args, fmt);
	ck_assert_int_ge(vasprintf(&snippet, fmt, args), 0);
	va_end(args);
	ck_assert_int_ge(asprintf(&script,
				  "export SLURM_CONF='%s/etc/slurm.conf'; cd '%s/results' && %s",
				  dir, dir, snippet),
			 0);
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	int status = lu_run(argv, out, timeout);
	free(snippet);
	free(script);
	return status;
}

const char *su_unique(const char *tag)
{
	static char name[128];
	snprintf(name, sizeof(name), "tjslurm-%s-%d", tag, (int)getpid());
	return name;
}

char *su_line(const char *out, const char *key)
{
	size_t len = strlen(key);
	for (const char *line = out; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, len) == 0 && line[len] == '=')
			return strndup(line + len + 1, strcspn(line + len + 1, "\n"));
	}
	return NULL;
}

bool su_wait_gone(const char *path, int timeout)
{
	for (int i = 0; i < timeout * 10; i++) {
		if (!lu_exists(path))
			return true;
		nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
	}
	return !lu_exists(path);
}

bool su_in_base(const char *path)
{
	char base[4096];
	snprintf(base, sizeof(base), "%s/base/tj-", su_cluster(NULL));
	return path && strncmp(path, base, strlen(base)) == 0 && !strchr(path + strlen(base), '/');
}
