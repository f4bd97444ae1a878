/* SPDX-License-Identifier: MIT */
/*
 * A library preloaded after the shim whose constructor runs before the
 * shim's: the loader runs initializers in reverse load order. It writes
 * the file named by TJ_EARLY_PATH, so a test can see that a wrapper reached
 * before the shim's constructor still redirects.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void write_early(void)
{
	const char *path = getenv("TJ_EARLY_PATH");
	FILE *file = path ? fopen(path, "w") : NULL;

	if (file) {
		fputs("early\n", file);
		fclose(file);
	}
}
