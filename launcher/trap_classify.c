/* SPDX-License-Identifier: MIT */
/*
 * --trap auto: is the command a program the shim cannot reach? The rule is
 * the shim's own (shim/classify.c, which its exec wrappers apply to the
 * command's children); here only the command is found in PATH first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "trap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"

/* The program execvp() runs for @name, into @out (PATH_MAX). 0 or -errno. */
static int find_program(const char *name, char *out)
{
	if (strchr(name, '/'))
		return snprintf(out, PATH_MAX, "%s", name) >= PATH_MAX ? -ENAMETOOLONG : 0;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *dir = path;; dir++) {
		size_t len = strcspn(dir, ":");
		if (snprintf(out, PATH_MAX, "%.*s%s%s", (int)len, dir, len ? "/" : "", name) <
			PATH_MAX &&
		    access(out, X_OK) == 0)
			return 0;
		dir += len;
		if (!*dir)
			return -ENOENT;
	}
}

bool trap_classify(const char *name, const char **why)
{
	char path[PATH_MAX];
	if (find_program(name, path) < 0) {
		*why = "not found: not trapped";
		return false;
	}
	return classify_program(path, why) == CLASSIFY_TRAP;
}
