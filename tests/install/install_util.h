/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the installed-tree suites. CMake passes what they need through
 * the environment: TJ_BUILD_DIR, TJ_CMAKE, TJ_GENERATOR, TJ_CC,
 * TJ_PKG_CONFIG, TJ_MAN, TJ_GROFF, TJ_BASH, TJ_SCRATCH_PARENT, TJ_BINDIR,
 * TJ_LIBDIR, TJ_VERSION and TJ_SOVERSION.
 */
#ifndef TMPJAIL_TESTS_INSTALL_UTIL_H
#define TMPJAIL_TESTS_INSTALL_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tj_check.h"

/* Scratch directory of the current test, made by the fixture (parent). */
extern char scratch[PATH_MAX];
/* Name in the real /tmp the launcher tests use; removed by the fixture if
 * a broken run left it behind. Random, so it can only be this test's. */
extern char real_tmp_name[64];
/* Standard output of the last command run(). */
extern char out[1 << 16];

/* The value of the environment variable @name; fails the test if unset. */
const char *env(const char *name);

/* @buf = @a/@b (at most PATH_MAX); @buf may be @a. */
void join(char *buf, const char *a, const char *b);

/*
 * Run @argv with the extra environment @vars ("NAME=value", or "NAME" to
 * unset; NULL-ended, or NULL) in @cwd (NULL: here). Its stdout lands in
 * `out`, its stderr goes to ours so that CTest shows it.
 * Return: the exit status, 128+N for signal N.
 */
int run(const char *const argv[], const char *const vars[], const char *cwd);

/* Run a shell script, as run() does. */
int run_sh(const char *script, const char *const vars[], const char *cwd);

/* Install the build tree into @prefix with `cmake --install`. */
void install_into(const char *prefix);

/*
 * Install into scratch/staging, then move the tree to scratch/@name so that
 * anything remembering the install prefix breaks. @prefix gets the final
 * path (PATH_MAX bytes).
 */
void install_moved(char *prefix, const char *name);

/* @prefix/@rel exists and is of @type (S_IFREG, S_IFDIR, ...). */
void assert_exists(const char *prefix, const char *rel, mode_t type);

/* Every entry of the directory @prefix/@rel is one of @allowed (NULL-ended). */
void assert_only(const char *prefix, const char *rel, const char *const allowed[]);

/*
 * The long options the installed launcher's --help documents, written into
 * @names as "--a\n--b\n...".
 */
void launcher_options(const char *prefix, char *names, size_t size);

/* Every "--name" line of @names is a whole word of @text. */
void assert_options_in(const char *names, const char *text, const char *where);

/* Add @test as the TCase @tcase of @suite, with its own scratch directory. */
void add_case(Suite *suite, TCase *tcase, const TTest *test);

#endif
