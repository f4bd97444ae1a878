/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the --report suites: run a program under the built
 * tmpjail --audit (its root in a scratch directory of the build tree) and
 * read the report of the logs.
 */
#ifndef TMPJAIL_TESTS_REPORT_UTIL_H
#define TMPJAIL_TESTS_REPORT_UTIL_H

#include <stddef.h>

/* A fresh scratch directory for this test (under $TJ_SCRATCH_PARENT). */
const char *ru_scratch(void);

/* @name inside the scratch directory (a static buffer of 8 that rotate). */
const char *ru_in_scratch(const char *name);

/*
 * ru_audit() - tmpjail --base SCRATCH --audit @log -- @argv..., which must
 * exit 0.
 */
void ru_audit(const char *log, const char *const argv[]);

/* The path of the legacy program @name ($REPORT_LEGACY) or script ($REPORT_SCRIPTS). */
const char *ru_legacy(const char *name);
const char *ru_script(const char *name);

/*
 * ru_report() - tmpjail --report @args... (NULL-terminated, up to 12), its
 * stdout and stderr in *@out (malloc'd).
 * Return: its exit status.
 */
int ru_report(char **out, const char *const args[]);

/* ru_write() - a file @name in the scratch directory holding @text; its path. */
const char *ru_write(const char *name, const char *text, size_t len);

#endif
