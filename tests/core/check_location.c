/* SPDX-License-Identifier: MIT */
/*
 * Locating the temporary directory (CPython's TestGetDefaultTempdir,
 * TestGetTempPrefix, TestGetTempDir): the candidate list, TMPDIR honoured,
 * the probe, the cache and the settable tempdir.
 *
 * Each scenario runs in a forked child with its own environment and
 * tf_set_tempdir(NULL), so the library's cache starts empty.
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdbool.h>
#include <sys/wait.h>

#include "internal.h"
#include "tj_check.h"
#include "tj_scratch.h"

/* Run @fn in a child with TMPDIR, TEMP and TMP cleared; true when it exits 0. */
static bool in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		unsetenv("TMPDIR");
		unsetenv("TEMP");
		unsetenv("TMP");
		if (tf_set_tempdir(NULL) < 0)
			_exit(100);
		_exit(fn());
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "child failed with status %#x\n", status);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* 0 when tf_gettempdir() answers @want; prints what went wrong otherwise. */
static int expect_tempdir(const char *want, int code)
{
	const char *got = tf_gettempdir();
	if (got && strcmp(got, want) == 0)
		return 0;
	fprintf(stderr, "tf_gettempdir: want %s, got %s\n", want, got ? got : "NULL");
	return code;
}

START_TEST(test_prefix)
{
	ck_assert_str_eq(tf_gettempprefix(), "tmp");
	ck_assert_str_eq(tf_gettempprefixb(), "tmp");
}
END_TEST

static int tmpdir_wins(void)
{
	setenv("TMPDIR", tj_path("a"), 1);
	setenv("TEMP", tj_path("b"), 1);
	setenv("TMP", tj_path("c"), 1);
	int r = expect_tempdir(tj_path("a"), 1);
	if (r == 0 && strcmp(tf_gettempdirb(), tf_gettempdir()) != 0)
		r = 2;
	return r;
}

static int temp_then_tmp(void)
{
	/* An unusable TMPDIR (missing) is skipped, then TEMP; then TMP. */
	setenv("TMPDIR", tj_path("missing"), 1);
	setenv("TEMP", tj_path("b"), 1);
	setenv("TMP", tj_path("c"), 1);
	int r = expect_tempdir(tj_path("b"), 1);
	if (r)
		return r;
	setenv("TEMP", tj_path("file"), 1); /* a file is not a directory */
	tf_set_tempdir(NULL);
	return expect_tempdir(tj_path("c"), 2);
}

static int relative_made_absolute(void)
{
	if (chdir(tj_scratch) < 0)
		return 10;
	setenv("TMPDIR", "./a//", 1);
	return expect_tempdir(tj_path("a"), 1);
}

static int fixed_candidates(void)
{
	/* No variables: the first usable of /tmp, /var/tmp, /usr/tmp (or the cwd). */
	const char *got = tf_gettempdir();
	if (!got || got[0] != '/')
		return 1;
	const char *fixed[] = {"/tmp", "/var/tmp", "/usr/tmp"};
	for (size_t i = 0; i < 3; i++)
		if (access(fixed[i], W_OK | X_OK) == 0)
			return strcmp(got, fixed[i]) == 0 ? 0 : 2;
	char cwd[PATH_MAX];
	return getcwd(cwd, sizeof(cwd)) && strcmp(got, cwd) == 0 ? 0 : 3;
}

START_TEST(test_candidates)
{
	ck_assert_int_eq(mkdir(tj_path("a"), 0700), 0);
	ck_assert_int_eq(mkdir(tj_path("b"), 0700), 0);
	ck_assert_int_eq(mkdir(tj_path("c"), 0700), 0);
	tj_write_file(tj_path("file"), "x");
	ck_assert(in_child(tmpdir_wins));
	ck_assert(in_child(temp_then_tmp));
	ck_assert(in_child(relative_made_absolute));
	ck_assert(in_child(fixed_candidates));
	/* The probe removed its file: the directories are as they were. */
	ck_assert_int_eq(tj_count_entries(tj_path("a")), 0);
	ck_assert_int_eq(tj_count_entries(tj_path("b")), 0);
	ck_assert_int_eq(tj_count_entries(tj_path("c")), 0);
}
END_TEST

static int readonly_skipped(void)
{
	setenv("TMPDIR", tj_path("ro"), 1);
	setenv("TEMP", tj_path("w"), 1);
	return expect_tempdir(tj_path("w"), 1);
}

static int run_readonly_skipped(void *arg)
{
	(void)arg;
	return in_child(readonly_skipped) ? 0 : 1;
}

START_TEST(test_unusable_skipped)
{
	/* Root's 0755 for uid 65534, or a user's own 0555: not writable. */
	ck_assert_int_eq(mkdir(tj_path("ro"), 0700), 0);
	ck_assert_int_eq(chmod(tj_path("ro"), geteuid() == 0 ? 0755 : 0555), 0);
	ck_assert_int_eq(mkdir(tj_path("w"), 0700), 0);
	ck_assert_int_eq(chmod(tj_path("w"), 0777), 0); /* whatever the umask */
	ck_assert_int_eq(tj_run_as_nobody(run_readonly_skipped, NULL), 0);
	ck_assert_int_eq(tj_count_entries(tj_path("ro")), 0);
	ck_assert_int_eq(tj_count_entries(tj_path("w")), 0);
}
END_TEST

static int set_and_reset(void)
{
	if (chdir(tj_scratch) < 0)
		return 10;
	setenv("TMPDIR", tj_path("b"), 1);
	/* Assigned: used as given, made absolute, not probed (it need not exist). */
	if (tf_set_tempdir("not-there") < 0)
		return 1;
	const char *assigned = tf_gettempdir();
	if (expect_tempdir(tj_path("not-there"), 2))
		return 2;
	/* Cached: a changed environment does not matter... */
	setenv("TMPDIR", tj_path("c"), 1);
	if (expect_tempdir(tj_path("not-there"), 3))
		return 3;
	/* ...until the assignment is forgotten; the old string stays valid. */
	if (tf_set_tempdir(NULL) < 0)
		return 4;
	if (expect_tempdir(tj_path("c"), 5))
		return 5;
	if (strcmp(assigned, tj_path("not-there")) != 0)
		return 6;
	/* Creating functions use it. */
	char *dir = tf_mkdtemp(NULL);
	int r = dir && strncmp(dir, tj_path("c/tmp"), strlen(tj_path("c/tmp"))) == 0 ? 0 : 7;
	free(dir);
	return r;
}

START_TEST(test_set_tempdir)
{
	ck_assert_int_eq(mkdir(tj_path("b"), 0700), 0);
	ck_assert_int_eq(mkdir(tj_path("c"), 0700), 0);
	ck_assert(in_child(set_and_reset));
	ck_assert_int_eq(tj_count_entries(tj_path("c")), 1);
	ck_assert_int_eq(access(tj_path("not-there"), F_OK), -1);
}
END_TEST

static int default_dir_used(void)
{
	setenv("TMPDIR", tj_path("a"), 1);
	char *path = NULL;
	int fd = tf_mkstemp(NULL, &path);
	if (fd < 0)
		return 1;
	close(fd);
	int r = strncmp(path, tj_path("a/tmp"), strlen(tj_path("a/tmp"))) == 0 ? 0 : 2;
	free(path);
	return r;
}

START_TEST(test_tmpdir_honoured)
{
	ck_assert_int_eq(mkdir(tj_path("a"), 0700), 0);
	ck_assert(in_child(default_dir_used));
	ck_assert_int_eq(tj_count_entries(tj_path("a")), 1);
}
END_TEST

/* Readers racing tf_set_tempdir(): every answer is one of the directories set. */
static char set_dirs[2][PATH_MAX];
static int stop_readers; /* atomic: the readers poll it while the main thread sets it */

static void *read_tempdir(void *arg)
{
	long bad = 0;
	(void)arg;
	while (!__atomic_load_n(&stop_readers, __ATOMIC_RELAXED)) {
		const char *dir = tf_gettempdir();
		if (!dir || (strcmp(dir, set_dirs[0]) != 0 && strcmp(dir, set_dirs[1]) != 0))
			bad++;
	}
	return (void *)bad;
}

static int race_set_and_get(void)
{
	enum { READERS = 8 };
	pthread_t readers[READERS];
	/* After a reset the search finds $TMPDIR, the first of the two. */
	setenv("TMPDIR", set_dirs[0], 1);
	for (int i = 0; i < READERS; i++)
		if (pthread_create(&readers[i], NULL, read_tempdir, NULL) != 0)
			return 1;
	for (int i = 0; i < 3000; i++)
		if (tf_set_tempdir(i % 3 == 2 ? NULL : set_dirs[i % 2]) < 0)
			return 2;
	__atomic_store_n(&stop_readers, 1, __ATOMIC_RELAXED);
	long bad = 0;
	for (int i = 0; i < READERS; i++) {
		void *result;
		pthread_join(readers[i], &result);
		bad += (long)result;
	}
	return bad == 0 ? 0 : 3;
}

START_TEST(test_threads)
{
	snprintf(set_dirs[0], sizeof(set_dirs[0]), "%s", tj_path("a"));
	snprintf(set_dirs[1], sizeof(set_dirs[1]), "%s", tj_path("b"));
	ck_assert_int_eq(mkdir(set_dirs[0], 0700), 0);
	ck_assert(in_child(race_set_and_get));
	ck_assert_int_eq(tj_count_entries(set_dirs[0]), 0);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("core_location");
	tj_add_case(suite, tcase_create("prefix"), test_prefix);
	tj_add_case(suite, tcase_create("candidates"), test_candidates);
	tj_add_case(suite, tcase_create("unusable_skipped"), test_unusable_skipped);
	tj_add_case(suite, tcase_create("set_tempdir"), test_set_tempdir);
	tj_add_case(suite, tcase_create("tmpdir_honoured"), test_tmpdir_honoured);
	tj_add_case(suite, tcase_create("threads"), test_threads);
	return suite;
}
