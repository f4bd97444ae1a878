/* SPDX-License-Identifier: MIT */
/*
 * A slow base, for the tests of interrupted set-up: preloaded into the
 * launcher, every mkdir(2) and mkdirat(2) first sleeps $TJ_SLOW_MKDIR_MS
 * milliseconds, as on a slow network file system. Nothing else changes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static void slow_down(void)
{
	const char *ms = getenv("TJ_SLOW_MKDIR_MS");
	long delay = ms ? atol(ms) : 0;
	struct timespec pause = {.tv_sec = delay / 1000, .tv_nsec = (delay % 1000) * 1000000L};
	/* The launcher blocks its termination signals: this is not cut short. */
	while (delay > 0 && nanosleep(&pause, &pause) < 0)
		;
}

/* The project builds with hidden visibility: these two must be seen. */
__attribute__((visibility("default"))) int mkdirat(int dirfd, const char *path, mode_t mode)
{
	int (*real)(int, const char *, mode_t) =
	    (int (*)(int, const char *, mode_t))dlsym(RTLD_NEXT, "mkdirat");
	slow_down();
	return real(dirfd, path, mode);
}

__attribute__((visibility("default"))) int mkdir(const char *path, mode_t mode)
{
	int (*real)(const char *, mode_t) =
	    (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
	slow_down();
	return real(path, mode);
}
