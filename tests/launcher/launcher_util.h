/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the launcher's integration suites: the built tmpjail is
 * $TMPJAIL_BIN; scratch directories live under $TJ_SCRATCH_PARENT in the
 * build tree, never in /tmp.
 */
#ifndef TMPJAIL_TESTS_LAUNCHER_UTIL_H
#define TMPJAIL_TESTS_LAUNCHER_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

/* The launcher under test (TMPJAIL_BIN). */
const char *lu_launcher(void);

/*
 * lu_scratch_make() - a fresh 0700 directory for one test. Its path is a
 * static buffer, valid until the next call.
 */
const char *lu_scratch_make(void);

/* lu_scratch_remove() - rm -rf the directory lu_scratch_make() gave. */
void lu_scratch_remove(const char *path);

/*
 * lu_run() - run @argv (argv[0] searched in PATH) with stdout and stderr
 * captured in @out (malloc'd, NUL-terminated; may be NULL), within
 * @timeout seconds (killed and failed after that).
 * Return: the exit status as a shell shows it (128+N for a signal).
 */
int lu_run(const char *const argv[], char **out, int timeout);

/*
 * lu_wait_timeout() - wait for the child @pid for at most @timeout
 * seconds. Return: the exit status as a shell shows it, or -1 on timeout
 * (the child is left running).
 */
int lu_wait_timeout(pid_t pid, int timeout);

/* lu_exists() - does @path exist (not following a last symlink)? */
bool lu_exists(const char *path);

/* lu_count_entries() - how many entries @dir holds (not . and ..), -1 if unreadable. */
int lu_count_entries(const char *dir);

/* lu_wait_for_file() - poll until @path exists, at most @timeout seconds. */
bool lu_wait_for_file(const char *path, int timeout);

#endif
