/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the Slurm plugin's cluster tests (check_slurm.c): the cluster
 * that cluster.sh started (TJ_CLUSTER), shell snippets run against it, and
 * polling for a step's root to disappear.
 */
#ifndef TMPJAIL_TESTS_SLURM_UTIL_H
#define TMPJAIL_TESTS_SLURM_UTIL_H

#include <stdbool.h>

/*
 * su_cluster() - the cluster's directory, or NULL when it is not up, with
 * cluster.sh's reason in @why (a static buffer; may be NULL).
 */
const char *su_cluster(const char **why);

/* SU_NEED_CLUSTER(): skip the test, saying why, when the cluster is not up. */
#define SU_NEED_CLUSTER()                  \
	do {                               \
		const char *su_why_;       \
		if (!su_cluster(&su_why_)) \
			TJ_SKIP(su_why_);  \
	} while (0)

/*
 * su_sh() - run the shell snippet @fmt (printf-formatted) with SLURM_CONF
 * set, in the cluster's results directory (writable by every user), with
 * stdout and stderr in @out (malloc'd), within @timeout seconds.
 * Return: its exit status as a shell shows it.
 */
int su_sh(char **out, int timeout, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* su_unique() - a name no other test or agent uses: "tjslurm-@tag-PID". */
const char *su_unique(const char *tag);

/* su_line() - the value after "@key=" on a line of @out (malloc'd), or NULL. */
char *su_line(const char *out, const char *key);

/* su_wait_gone() - poll until @path is gone (not following links), at most @timeout s. */
bool su_wait_gone(const char *path, int timeout);

/* su_in_base() - whether @path is a root in the cluster's base directory. */
bool su_in_base(const char *path);

#endif
