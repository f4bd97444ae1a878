/* SPDX-License-Identifier: MIT */
/*
 * mkstemp, mkdtemp, mktemp and TemporaryFile (CPython's TestMkstemp,
 * TestMkstempInner, TestMkdtemp, TestMktemp, TestTemporaryFile,
 * TestBadTempdir): modes, close-on-exec, retries, bad directories,
 * anonymity and threads.
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "internal.h"
#include "tj_check.h"
#include "tj_scratch.h"

static mode_t mode_of(const char *path)
{
	struct stat st;
	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

START_TEST(test_mkstemp_mode)
{
	const mode_t masks[] = {0, 022, 077};
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		umask(masks[i]);
		char *path = NULL;
		int fd = tf_mkstemp(&(struct tf_opts){.dir = tj_scratch, .text = true}, &path);
		ck_assert_int_ge(fd, 0);
		ck_assert_msg(path[0] == '/', "%s not absolute", path);
		ck_assert_uint_eq(mode_of(path), 0600);
		ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
		ck_assert_int_eq(write(fd, "abc", 3), 3);
		ck_assert_str_eq(tj_read_file(path), "abc");
		close(fd);
		free(path);
	}
	/* Without a path out-parameter the file is made all the same. */
	int fd = tf_mkstemp(&(struct tf_opts){.dir = tj_scratch}, NULL);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 4);
}
END_TEST

/* Exit status of sh testing that fd @fd is not open after exec. */
static int exec_sees_fd_closed(int fd, bool clear_cloexec)
{
	char script[64];
	snprintf(script, sizeof(script), "test ! -e /proc/self/fd/%d", fd);
	pid_t pid = fork();
	if (pid == 0) {
		if (clear_cloexec)
			fcntl(fd, F_SETFD, 0);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_mkstemp_cloexec)
{
	int fd = tf_mkstemp(&(struct tf_opts){.dir = tj_scratch}, NULL);
	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(exec_sees_fd_closed(fd, false), 0);
	/* The probe can tell: without close-on-exec the program sees the fd. */
	ck_assert_int_eq(exec_sees_fd_closed(fd, true), 1);
	close(fd);

	int anonymous = tf_temporary_fd(&(struct tf_opts){.dir = tj_scratch});
	ck_assert_int_ge(anonymous, 0);
	ck_assert_int_eq(exec_sees_fd_closed(anonymous, false), 0);
	close(anonymous);
}
END_TEST

/* With one random character there are 37 names: all taken, then EEXIST. */
START_TEST(test_retry_existing)
{
	int dirfd = open(tj_scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd, 0);
	for (int i = 0; i < 37; i++) {
		char name[] = "f-X";
		int fd = tf_create_in(dirfd, name, 2, 1, TF_KIND_FILE, 0, 0);
		ck_assert_msg(fd >= 0, "name %d: %s", i, strerror(-fd));
		close(fd);
	}
	ck_assert_int_eq(tj_count_entries(tj_scratch), 37);
	char name[] = "f-X";
	ck_assert_int_eq(tf_create_in(dirfd, name, 2, 1, TF_KIND_FILE, 0, 0), -EEXIST);
	ck_assert_int_eq(tf_create_in(dirfd, name, 2, 1, TF_KIND_DIR, 0, 0), -EEXIST);
	ck_assert_int_eq(tf_create_in(dirfd, name, 2, 1, TF_KIND_NAME, 0, 0), -EEXIST);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 37);

	/* Directories retry past files just the same. */
	char dir_name[] = "f-X";
	unlink(tj_path("f-q"));
	ck_assert_int_eq(tf_create_in(dirfd, dir_name, 2, 1, TF_KIND_DIR, 0, 0), 0);
	ck_assert_str_eq(dir_name, "f-q");
	ck_assert_uint_eq(mode_of(tj_path("f-q")), 0700);
	close(dirfd);
}
END_TEST

START_TEST(test_invalid_affixes)
{
	const struct tf_opts bad[] = {
	    {.dir = tj_scratch, .prefix = "a/b"},
	    {.dir = tj_scratch, .suffix = "/x"},
	    {.dir = tj_scratch, .prefix = "../"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_int_eq(tf_mkstemp(&bad[i], NULL), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_ptr_null(tf_mkdtemp(&bad[i]));
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_ptr_null(tf_mktemp(&bad[i]));
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(tf_temporary_fd(&bad[i]), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_ptr_null(tf_named_open(&bad[i]));
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_ptr_null(tf_tempdir_open(&bad[i]));
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_ptr_null(tf_spooled_open(10, &bad[i]));
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

/* Every creating function fails on @dir with @want and makes nothing. */
static int all_fail_with(const char *dir, int want)
{
	const struct tf_opts opts = {.dir = dir};
	int fd;
	char *path;
	void *handle;

	errno = 0;
	if ((fd = tf_mkstemp(&opts, NULL)) >= 0 || errno != want)
		return 1;
	errno = 0;
	if ((path = tf_mkdtemp(&opts)) || errno != want)
		return 2;
	errno = 0;
	if ((fd = tf_temporary_fd(&opts)) >= 0 || errno != want)
		return 3;
	errno = 0;
	if ((handle = tf_named_open(&opts)) || errno != want)
		return 4;
	errno = 0;
	if ((handle = tf_tempdir_open(&opts)) || errno != want)
		return 5;
	errno = 0;
	if ((handle = tf_temporary_file(&opts)) || errno != want)
		return 6;
	return 0;
}

static int readonly_fails(void *arg)
{
	return all_fail_with(arg, EACCES);
}

START_TEST(test_bad_dir_readonly)
{
	const char *ro = tj_path("ro");
	ck_assert_int_eq(mkdir(ro, 0555), 0);
	ck_assert_int_eq(chmod(ro, 0555), 0);
	if (geteuid() == 0) {
		/* Root writes anywhere: a child as uid 65534 stands for a user. */
		ck_assert_int_eq(tj_run_as_nobody(readonly_fails, (void *)ro), 0);
	} else {
		ck_assert_int_eq(all_fail_with(ro, EACCES), 0);
	}
	ck_assert_int_eq(tj_count_entries(ro), 0);
}
END_TEST

START_TEST(test_bad_dir_missing)
{
	ck_assert_int_eq(all_fail_with(tj_path("missing"), ENOENT), 0);
	ck_assert_int_eq(all_fail_with(tj_path("missing/deeper"), ENOENT), 0);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

START_TEST(test_bad_dir_file)
{
	tj_write_file(tj_path("file"), "content");
	ck_assert_int_eq(all_fail_with(tj_path("file"), ENOTDIR), 0);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 1);
	ck_assert_str_eq(tj_read_file(tj_path("file")), "content");
}
END_TEST

START_TEST(test_mkdtemp_mode)
{
	const mode_t masks[] = {0, 022, 077};
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		umask(masks[i]);
		char *dir = tf_mkdtemp(&(struct tf_opts){.dir = tj_scratch});
		ck_assert_ptr_nonnull(dir);
		ck_assert_uint_eq(mode_of(dir), 0700);
		free(dir);
	}
	umask(022);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 3);
}
END_TEST

/* As a user: umask 0777 leaves no owner bits; the mode must still be 0700. */
static int mkdtemp_umask_0777(void *arg)
{
	umask(0777);
	char *dir = tf_mkdtemp(&(struct tf_opts){.dir = arg});
	if (!dir)
		return 1;
	struct stat st;
	int r = lstat(dir, &st) == 0 && (st.st_mode & 07777) == 0700 ? 0 : 2;
	free(dir);
	return r;
}

START_TEST(test_mkdtemp_umask_0777)
{
	const char *dir = tj_path("open");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(tj_run_as_nobody(mkdtemp_umask_0777, (void *)dir), 0);
	ck_assert_int_eq(tj_count_entries(dir), 1);
}
END_TEST

START_TEST(test_mkdtemp_relative)
{
	ck_assert_int_eq(mkdir(tj_path("rel"), 0700), 0);
	ck_assert_int_eq(chdir(tj_scratch), 0);
	char *dir = tf_mkdtemp(&(struct tf_opts){.dir = "rel", .prefix = "p"});
	ck_assert_ptr_nonnull(dir);
	ck_assert_msg(strncmp(dir, tj_path("rel/p"), strlen(tj_path("rel/p"))) == 0, "%s", dir);
	struct stat st;
	ck_assert_int_eq(lstat(dir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	free(dir);

	char *path = NULL;
	int fd = tf_mkstemp(&(struct tf_opts){.dir = "./rel/"}, &path);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(strncmp(path, tj_path("rel/tmp"), strlen(tj_path("rel/tmp"))) == 0, "%s",
		      path);
	close(fd);
	free(path);
}
END_TEST

START_TEST(test_mktemp_unused)
{
	for (int i = 0; i < 10; i++) {
		char *name = tf_mktemp(&(struct tf_opts){.dir = tj_scratch});
		ck_assert_ptr_nonnull(name);
		ck_assert_int_eq(access(name, F_OK), -1);
		ck_assert_int_eq(errno, ENOENT);
		/* Taking it works: it was free. */
		tj_write_file(name, "x");
		free(name);
	}
	ck_assert_int_eq(tj_count_entries(tj_scratch), 10);
}
END_TEST

/* A TemporaryFile has no name: its directory can be removed while it is open. */
static void check_anonymous(void)
{
	const char *dir = tj_path("sub");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	umask(0);
	FILE *file = tf_temporary_file(&(struct tf_opts){.dir = dir});
	umask(022);
	ck_assert_ptr_nonnull(file);
	ck_assert_int_eq(tj_count_entries(dir), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	struct stat st;
	ck_assert_int_eq(fstat(fileno(file), &st), 0);
	ck_assert_uint_eq(st.st_nlink, 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert(fcntl(fileno(file), F_GETFD) & FD_CLOEXEC);
	ck_assert_int_gt(fprintf(file, "written %d", 42), 0);
	rewind(file);
	char buf[32] = {0};
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), file));
	ck_assert_str_eq(buf, "written 42");
	ck_assert_int_eq(fclose(file), 0);
}

START_TEST(test_temporary_file_anonymous)
{
	check_anonymous();
}
END_TEST

START_TEST(test_temporary_file_fallback)
{
	/* The create-then-unlink path, as on a file system without O_TMPFILE. */
	tf_o_tmpfile_works = 0;
	check_anonymous();
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

START_TEST(test_temporary_file_modes)
{
	errno = 0;
	ck_assert_ptr_null(tf_temporary_file(&(struct tf_opts){.dir = tj_scratch, .mode = "r"}));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(tf_temporary_file(&(struct tf_opts){.dir = tj_scratch, .mode = "wq"}));
	ck_assert_int_eq(errno, EINVAL);

	/* "w": write-only, like Python's mode="wb". */
	FILE *file = tf_temporary_file(&(struct tf_opts){.dir = tj_scratch, .mode = "wb"});
	ck_assert_ptr_nonnull(file);
	ck_assert_int_eq(fcntl(fileno(file), F_GETFL) & O_ACCMODE, O_RDWR);
	ck_assert_int_eq(fputs("x", file), 1);
	char c;
	ck_assert_uint_eq(fread(&c, 1, 1, file), 0);
	ck_assert(ferror(file));
	fclose(file);

	/* "a+": writes go to the end, whatever the position. */
	file = tf_temporary_file(&(struct tf_opts){.dir = tj_scratch, .mode = "a+"});
	ck_assert_ptr_nonnull(file);
	fputs("first", file);
	rewind(file);
	fputs("-second", file);
	rewind(file);
	char buf[32] = {0};
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), file));
	ck_assert_str_eq(buf, "first-second");
	fclose(file);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

enum { THREADS = 20, FILES_PER_THREAD = 50 };

static void *make_files(void *arg)
{
	long failures = 0;
	(void)arg;
	for (int i = 0; i < FILES_PER_THREAD; i++) {
		FILE *file = tf_temporary_file(NULL); /* the default dir: the scratch */
		if (!file) {
			failures++;
			continue;
		}
		char buf[16] = {0};
		if (fprintf(file, "%d", i) < 0 || fseek(file, 0, SEEK_SET) != 0 ||
		    !fgets(buf, sizeof(buf), file) || atoi(buf) != i)
			failures++;
		fclose(file);
	}
	return (void *)failures;
}

/* 20 threads each making 50 TemporaryFiles: no error, nothing left behind. */
static void run_threads(void)
{
	pthread_t threads[THREADS];
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, make_files, NULL), 0);
	long failures = 0;
	for (int i = 0; i < THREADS; i++) {
		void *result;
		ck_assert_int_eq(pthread_join(threads[i], &result), 0);
		failures += (long)result;
	}
	ck_assert_int_eq(failures, 0);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}

START_TEST(test_threads)
{
	run_threads();
	/* Again on the named fallback, where the threads race for names. */
	tf_o_tmpfile_works = 0;
	run_threads();
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("core_create");
	tj_add_case(suite, tcase_create("mkstemp_mode"), test_mkstemp_mode);
	tj_add_case(suite, tcase_create("mkstemp_cloexec"), test_mkstemp_cloexec);
	tj_add_case(suite, tcase_create("retry_existing"), test_retry_existing);
	tj_add_case(suite, tcase_create("invalid_affixes"), test_invalid_affixes);
	tj_add_case(suite, tcase_create("bad_dir_readonly"), test_bad_dir_readonly);
	tj_add_case(suite, tcase_create("bad_dir_missing"), test_bad_dir_missing);
	tj_add_case(suite, tcase_create("bad_dir_file"), test_bad_dir_file);
	tj_add_case(suite, tcase_create("mkdtemp_mode"), test_mkdtemp_mode);
	tj_add_case(suite, tcase_create("mkdtemp_umask_0777"), test_mkdtemp_umask_0777);
	tj_add_case(suite, tcase_create("mkdtemp_relative"), test_mkdtemp_relative);
	tj_add_case(suite, tcase_create("mktemp_unused"), test_mktemp_unused);
	tj_add_case(suite, tcase_create("temporary_file_anonymous"), test_temporary_file_anonymous);
	tj_add_case(suite, tcase_create("temporary_file_fallback"), test_temporary_file_fallback);
	tj_add_case(suite, tcase_create("temporary_file_modes"), test_temporary_file_modes);
	tj_add_case(suite, tcase_create("threads"), test_threads);
	return suite;
}
