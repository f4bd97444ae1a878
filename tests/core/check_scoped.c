/* SPDX-License-Identifier: MIT */
/*
 * tf_scoped(): Python's with-statement. Each handle kind is released when
 * its variable goes out of scope, on every return path, errno kept; empty
 * handles (NULL, fd -1) are ignored.
 */
#define _GNU_SOURCE 1
#include <stdbool.h>
#include <sys/stat.h>

#include "internal.h"
#include "tj_check.h"
#include "tj_scratch.h"

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Leaves early with errno set, as a caller's error path would. */
static int named_early_return(char *path_out, size_t size)
{
	tf_scoped(named) struct tf_named *named =
	    tf_named_open(&(struct tf_opts){.dir = tj_scratch});
	if (!named)
		return -2;
	snprintf(path_out, size, "%s", tf_named_path(named));
	fputs("data", tf_named_file(named));
	errno = EDOM;
	return -1;
}

START_TEST(test_named)
{
	char path[PATH_MAX];
	errno = 0;
	ck_assert_int_eq(named_early_return(path, sizeof(path)), -1);
	ck_assert_int_eq(errno, EDOM);
	ck_assert(!exists(path));
	{
		tf_scoped(named) struct tf_named *kept =
		    tf_named_open(&(struct tf_opts){.dir = tj_scratch, .keep = true});
		ck_assert_ptr_nonnull(kept);
		snprintf(path, sizeof(path), "%s", tf_named_path(kept));
	}
	ck_assert(exists(path)); /* keep: never deleted */
	ck_assert_int_eq(unlink(path), 0);
	{
		tf_scoped(named) struct tf_named *none = NULL;
		(void)none;
	}
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

START_TEST(test_spooled)
{
	int fd;
	{
		tf_scoped(spooled) struct tf_spooled *spooled =
		    tf_spooled_open(4, &(struct tf_opts){.dir = tj_scratch});
		ck_assert_ptr_nonnull(spooled);
		fputs("more than four", tf_spooled_file(spooled));
		fd = tf_spooled_fileno(spooled);
		ck_assert_int_ge(fd, 0);
		ck_assert(fd_open(fd));
		errno = ERANGE;
	}
	ck_assert_int_eq(errno, ERANGE);
	ck_assert(!fd_open(fd));
	{
		tf_scoped(spooled) struct tf_spooled *none = NULL;
		(void)none;
	}
}
END_TEST

static int tempdir_early_return(char *path_out, size_t size)
{
	tf_scoped(tempdir) struct tf_tempdir *dir = tf_tempdir_open(NULL);
	if (!dir)
		return -2;
	snprintf(path_out, size, "%s", tf_tempdir_path(dir));
	char file[PATH_MAX + 8];
	snprintf(file, sizeof(file), "%s/inside", path_out);
	tj_write_file(file, "x");
	errno = ENOSPC;
	return -1;
}

START_TEST(test_tempdir)
{
	char path[PATH_MAX];
	errno = 0;
	ck_assert_int_eq(tempdir_early_return(path, sizeof(path)), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert(!exists(path));
	{
		tf_scoped(tempdir) struct tf_tempdir *none = NULL;
		(void)none;
	}
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

START_TEST(test_plain_handles)
{
	int fd_seen, stream_fd;
	{
		tf_scoped(close) int fd = tf_mkstemp(&(struct tf_opts){.dir = tj_scratch}, NULL);
		tf_scoped(fclose) FILE *file =
		    tf_temporary_file(&(struct tf_opts){.dir = tj_scratch});
		tf_scoped(free) char *name = tf_mktemp(&(struct tf_opts){.dir = tj_scratch});
		tf_scoped(close) int no_fd = -1;
		tf_scoped(fclose) FILE *no_file = NULL;
		tf_scoped(free) char *no_string = NULL;
		(void)no_fd;
		(void)no_file;
		(void)no_string;
		ck_assert_int_ge(fd, 0);
		ck_assert_ptr_nonnull(file);
		ck_assert_ptr_nonnull(name);
		fd_seen = fd;
		stream_fd = fileno(file);
		errno = EXDEV;
	}
	ck_assert_int_eq(errno, EXDEV);
	ck_assert(!fd_open(fd_seen));
	ck_assert(!fd_open(stream_fd));
	/* The helpers reset the variable, so a second call is harmless. */
	int fd = dup(0);
	ck_assert_int_ge(fd, 0);
	tf_closep(&fd);
	ck_assert_int_eq(fd, -1);
	tf_closep(&fd);
	char *string = strdup("x");
	tf_freep(&string);
	ck_assert_ptr_null(string);
	tf_freep(&string);
	FILE *file = fopen("/dev/null", "re");
	ck_assert_ptr_nonnull(file);
	tf_fclosep(&file);
	ck_assert_ptr_null(file);
	tf_fclosep(&file);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("core_scoped");
	tj_add_case(suite, tcase_create("named"), test_named);
	tj_add_case(suite, tcase_create("spooled"), test_spooled);
	tj_add_case(suite, tcase_create("tempdir"), test_tempdir);
	tj_add_case(suite, tcase_create("plain_handles"), test_plain_handles);
	return suite;
}
