/* SPDX-License-Identifier: MIT */
/*
 * The reaping of a run's root against a command that makes it hard: links
 * out of the root, unreadable directories, deep nesting, many files; and
 * reaping after the launcher failed once the root existed. Every case
 * keeps a sentinel outside the root and checks it survived.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "launcher_util.h"
#include "tj_check.h"

struct reap_case {
	char scratch[PATH_MAX];
	char base[PATH_MAX + 8];
	char outside[PATH_MAX + 16];
	char sentinel[PATH_MAX + 32];
};

/* scratch/base for the roots, scratch/outside/sentinel to be kept; $OUTSIDE for scripts. */
static void setup(struct reap_case *c)
{
	strcpy(c->scratch, lu_scratch_make());
	snprintf(c->base, sizeof(c->base), "%s/base", c->scratch);
	snprintf(c->outside, sizeof(c->outside), "%s/outside", c->scratch);
	snprintf(c->sentinel, sizeof(c->sentinel), "%s/sentinel", c->outside);
	ck_assert_int_eq(mkdir(c->base, 0700), 0);
	ck_assert_int_eq(mkdir(c->outside, 0700), 0);
	int fd = open(c->sentinel, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "keep", 4), 4);
	close(fd);
	setenv("OUTSIDE", c->outside, 1);
}

/* Run SCRIPT in a root; it must exit 0, and the root must be gone, the sentinel kept. */
static void assert_reaped(struct reap_case *c, const char *script)
{
	const char *argv[] = {lu_launcher(), "--base", c->base, "--", "sh", "-c", script, NULL};
	char *out;
	int status = lu_run(argv, &out, 240);
	ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
	free(out);
	ck_assert_int_eq(lu_count_entries(c->base), 0);
	ck_assert_int_eq(lu_count_entries(c->outside), 1);
	char content[8] = {0};
	int fd = open(c->sentinel, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, content, sizeof(content)), 4);
	close(fd);
	ck_assert_str_eq(content, "keep");
	lu_scratch_remove(c->scratch);
}

START_TEST(links_out_of_the_root)
{
	struct reap_case c;
	setup(&c);
	assert_reaped(&c, "set -e; cd $TMPJAIL_DIR; ln -s $OUTSIDE dir_link; "
			  "ln -s $OUTSIDE/sentinel file_link; ln $OUTSIDE/sentinel hard_link; "
			  "mkdir sub; ln -s ../../../outside sub/up; ln -s / root_link");
}
END_TEST

START_TEST(unreadable_directories)
{
	struct reap_case c;
	setup(&c);
	assert_reaped(&c, "set -e; cd $TMPJAIL_DIR; mkdir -p a/b/c; touch a/f a/b/f a/b/c/f; "
			  "chmod 000 a/b/c a/b a; chmod 000 $TMPJAIL_DIR");
}
END_TEST

START_TEST(deep_nesting)
{
	struct reap_case c;
	setup(&c);
	/* 2,500 levels: paths far beyond PATH_MAX. */
	assert_reaped(&c, "cd $TMPJAIL_DIR && python3 -c '\n"
			  "import os\n"
			  "for i in range(2500):\n"
			  "    os.mkdir(\"d\"); os.chdir(\"d\")\n"
			  "open(\"leaf\", \"w\").close()\n"
			  "os.symlink(os.environ[\"OUTSIDE\"], \"out\")'");
}
END_TEST

START_TEST(many_files)
{
	struct reap_case c;
	setup(&c);
	assert_reaped(&c, "cd $TMPJAIL_DIR && python3 -c '\n"
			  "import os\n"
			  "for d in range(20):\n"
			  "    os.mkdir(str(d))\n"
			  "    for f in range(1000):\n"
			  "        open(\"%d/%d\" % (d, f), \"w\").close()'");
}
END_TEST

/* The root is reaped when tmpjail fails after making it (a bad policy here). */
START_TEST(failure_after_the_root)
{
	struct reap_case c;
	setup(&c);
	char policy[PATH_MAX + 32];
	snprintf(policy, sizeof(policy), "%s/missing.policy", c.outside);
	const char *argv[] = {lu_launcher(), "--base", c.base, "--seccomp",
			      policy,	     "--",     "true", NULL};
	char *out;
	ck_assert_int_eq(lu_run(argv, &out, 30), 125);
	ck_assert_msg(strstr(out, "tmpjail: "), "%s", out);
	free(out);
	ck_assert_int_eq(lu_count_entries(c.base), 0);
	lu_scratch_remove(c.scratch);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("launcher_reaper");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("links_out_of_the_root"), links_out_of_the_root},
	    {tcase_create("unreadable_directories"), unreadable_directories},
	    {tcase_create("deep_nesting"), deep_nesting},
	    {tcase_create("many_files"), many_files},
	    {tcase_create("failure_after_the_root"), failure_after_the_root},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
