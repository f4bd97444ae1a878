/* SPDX-License-Identifier: MIT */
/*
 * NamedTemporaryFile (CPython's TestNamedTemporaryFile): a visible name,
 * Python 3.12's delete / delete_on_close matrix for close() and the end of
 * the with-block, and, beyond Python, never deleting a substituted file.
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

START_TEST(test_visible_name)
{
	umask(0);
	struct tf_named *named =
	    tf_named_open(&(struct tf_opts){.dir = tj_scratch, .prefix = "n-", .suffix = ".txt"});
	umask(022);
	ck_assert_ptr_nonnull(named);
	const char *path = tf_named_path(named);
	ck_assert_msg(strncmp(path, tj_path("n-"), strlen(tj_path("n-"))) == 0, "%s", path);
	ck_assert_uint_eq(strlen(path), strlen(tj_path("n-")) + TF_RANDOM_CHARS + 4);
	struct stat st;
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);

	FILE *file = tf_named_file(named);
	ck_assert_ptr_nonnull(file);
	ck_assert(fcntl(fileno(file), F_GETFD) & FD_CLOEXEC);
	fputs("through the name", file);
	fflush(file);
	ck_assert_str_eq(tj_read_file(path), "through the name");
	/* Default mode w+b: readable too. */
	rewind(file);
	char buf[32] = {0};
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), file));
	ck_assert_str_eq(buf, "through the name");
	ck_assert_int_eq(tf_named_done(named), 0);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
	ck_assert_int_eq(tf_named_done(NULL), 0);
}
END_TEST

/*
 * One row of the matrix: open with @keep / @keep_on_close, then close
 * (when @close_first) and done; check existence after each step.
 */
static void matrix_row(bool keep, bool keep_on_close, bool close_first, bool after_close,
		       bool after_done)
{
	struct tf_named *named = tf_named_open(
	    &(struct tf_opts){.dir = tj_scratch, .keep = keep, .keep_on_close = keep_on_close});
	ck_assert_ptr_nonnull(named);
	char *path = strdup(tf_named_path(named));
	ck_assert(exists(path));
	if (close_first) {
		ck_assert_int_eq(tf_named_close(named), 0);
		ck_assert_ptr_null(tf_named_file(named));
		ck_assert_msg(exists(path) == after_close, "keep=%d keep_on_close=%d: after close",
			      keep, keep_on_close);
		/* A second close does nothing. */
		ck_assert_int_eq(tf_named_close(named), 0);
		ck_assert(exists(path) == after_close);
		ck_assert_str_eq(tf_named_path(named), path);
	}
	ck_assert_int_eq(tf_named_done(named), 0);
	ck_assert_msg(exists(path) == after_done, "keep=%d keep_on_close=%d close=%d: after done",
		      keep, keep_on_close, close_first);
	if (exists(path))
		ck_assert_int_eq(unlink(path), 0);
	free(path);
}

START_TEST(test_delete_default)
{
	/* delete=True, delete_on_close=True: gone at close, and at the end of with. */
	matrix_row(false, false, true, false, false);
	matrix_row(false, false, false, false, false);
}
END_TEST

START_TEST(test_delete_keep_on_close)
{
	/* delete=True, delete_on_close=False: kept by close, deleted at the end. */
	matrix_row(false, true, true, true, false);
	matrix_row(false, true, false, false, false);
}
END_TEST

START_TEST(test_delete_keep)
{
	/* delete=False: never deleted, whatever delete_on_close says. */
	matrix_row(true, false, true, true, true);
	matrix_row(true, false, false, true, true);
	matrix_row(true, true, true, true, true);
	matrix_row(true, true, false, true, true);
}
END_TEST

/* Replace the file at @path with @kind ("file", "link", "dir"). */
static void substitute(const char *path, const char *kind)
{
	ck_assert_int_eq(rename(path, tj_path("moved-away")), 0);
	if (strcmp(kind, "file") == 0)
		tj_write_file(path, "someone else's");
	else if (strcmp(kind, "link") == 0)
		ck_assert_int_eq(symlink(tj_path("moved-away"), path), 0);
	else
		ck_assert_int_eq(mkdir(path, 0700), 0);
}

START_TEST(test_substituted_not_deleted)
{
	const char *kinds[] = {"file", "link", "dir"};
	for (size_t i = 0; i < 3; i++) {
		for (int via_done = 0; via_done < 2; via_done++) {
			struct tf_named *named = tf_named_open(
			    &(struct tf_opts){.dir = tj_scratch, .keep_on_close = via_done});
			ck_assert_ptr_nonnull(named);
			char *path = strdup(tf_named_path(named));
			substitute(path, kinds[i]);
			ck_assert_int_eq(tf_named_close(named), 0);
			ck_assert_int_eq(tf_named_done(named), 0);
			ck_assert_msg(exists(path), "substituted %s deleted", kinds[i]);
			if (i == 0)
				ck_assert_str_eq(tj_read_file(path), "someone else's");
			/* Ours, moved away, is not followed either. */
			ck_assert(exists(tj_path("moved-away")));
			ck_assert_int_eq(i == 2 ? rmdir(path) : unlink(path), 0);
			ck_assert_int_eq(unlink(tj_path("moved-away")), 0);
			free(path);
		}
	}
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

/*
 * The parent directory renamed and another put in its place with a file of
 * the same name: ours (in the moved directory) goes, theirs stays.
 */
START_TEST(test_parent_moved)
{
	ck_assert_int_eq(mkdir(tj_path("d"), 0700), 0);
	struct tf_named *named = tf_named_open(&(struct tf_opts){.dir = tj_path("d")});
	ck_assert_ptr_nonnull(named);
	const char *name = strrchr(tf_named_path(named), '/') + 1;
	ck_assert_int_eq(rename(tj_path("d"), tj_path("d-moved")), 0);
	ck_assert_int_eq(mkdir(tj_path("d"), 0700), 0);
	tj_write_file(tj_path("d/%s", name), "theirs");
	ck_assert(exists(tj_path("d-moved/%s", name)));
	char *kept = strdup(name);
	ck_assert_int_eq(tf_named_done(named), 0);
	ck_assert_str_eq(tj_read_file(tj_path("d/%s", kept)), "theirs");
	ck_assert(!exists(tj_path("d-moved/%s", kept)));
	free(kept);
}
END_TEST

START_TEST(test_modes)
{
	errno = 0;
	ck_assert_ptr_null(tf_named_open(&(struct tf_opts){.dir = tj_scratch, .mode = "r"}));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);

	struct tf_named *named =
	    tf_named_open(&(struct tf_opts){.dir = tj_scratch, .mode = "a", .keep_on_close = true});
	ck_assert_ptr_nonnull(named);
	FILE *file = tf_named_file(named);
	fputs("one", file);
	fflush(file);
	/* Someone else writes through the name: append mode still appends. */
	int fd = open(tf_named_path(named), O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "ONE-", 4, 0), 4);
	close(fd);
	fputs("two", file);
	ck_assert_int_eq(tf_named_close(named), 0);
	ck_assert_str_eq(tj_read_file(tf_named_path(named)), "ONE-two");
	ck_assert_int_eq(tf_named_done(named), 0);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

/* Missing dir: nothing made, errno says why. */
START_TEST(test_open_errors)
{
	errno = 0;
	ck_assert_ptr_null(tf_named_open(&(struct tf_opts){.dir = tj_path("missing")}));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_ptr_null(tf_named_open(&(struct tf_opts){.dir = tj_scratch, .prefix = "a/"}));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("core_named");
	tj_add_case(suite, tcase_create("visible_name"), test_visible_name);
	tj_add_case(suite, tcase_create("delete_default"), test_delete_default);
	tj_add_case(suite, tcase_create("delete_keep_on_close"), test_delete_keep_on_close);
	tj_add_case(suite, tcase_create("delete_keep"), test_delete_keep);
	tj_add_case(suite, tcase_create("substituted_not_deleted"), test_substituted_not_deleted);
	tj_add_case(suite, tcase_create("parent_moved"), test_parent_moved);
	tj_add_case(suite, tcase_create("modes"), test_modes);
	tj_add_case(suite, tcase_create("open_errors"), test_open_errors);
	return suite;
}
