/* SPDX-License-Identifier: MIT */
/*
 * Names (CPython's TestGetCandidateNames / TestRandomNameSequence and the
 * name checks of TestMkstempInner): shape, uniqueness, fork, distribution.
 */
#define _GNU_SOURCE 1
#include <stdbool.h>
#include <sys/wait.h>

#include "internal.h"
#include "tj_check.h"
#include "tj_scratch.h"

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_";

static bool random_part_ok(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!text[i] || !strchr(alphabet, text[i]))
			return false;
	return true;
}

/* basename of @path == prefix + 8 random characters + suffix, in directory @dir. */
static void assert_name_shape(const char *path, const char *dir, const char *prefix,
			      const char *suffix)
{
	size_t dir_len = strlen(dir), prefix_len = strlen(prefix), suffix_len = strlen(suffix);
	ck_assert_msg(strncmp(path, dir, dir_len) == 0 && path[dir_len] == '/', "%s not in %s",
		      path, dir);
	const char *name = path + dir_len + 1;
	ck_assert_uint_eq(strlen(name), prefix_len + TF_RANDOM_CHARS + suffix_len);
	ck_assert_msg(strncmp(name, prefix, prefix_len) == 0, "%s: prefix", name);
	ck_assert_msg(random_part_ok(name + prefix_len, TF_RANDOM_CHARS), "%s: random part", name);
	ck_assert_str_eq(name + prefix_len + TF_RANDOM_CHARS, suffix);
}

START_TEST(test_name_shape)
{
	char *path = NULL;
	int fd = tf_mkstemp(&(struct tf_opts){.dir = tj_scratch}, &path);
	ck_assert_int_ge(fd, 0);
	assert_name_shape(path, tj_scratch, "tmp", "");
	close(fd);
	free(path);

	fd = tf_mkstemp(&(struct tf_opts){.dir = tj_scratch, .prefix = "job-", .suffix = ".log"},
			&path);
	ck_assert_int_ge(fd, 0);
	assert_name_shape(path, tj_scratch, "job-", ".log");
	close(fd);
	free(path);

	/* Empty prefix and suffix are allowed, as in Python. */
	char *dir = tf_mkdtemp(&(struct tf_opts){.dir = tj_scratch, .prefix = "", .suffix = ""});
	ck_assert_ptr_nonnull(dir);
	assert_name_shape(dir, tj_scratch, "", "");
	free(dir);

	char *name = tf_mktemp(&(struct tf_opts){.dir = tj_scratch, .suffix = "-x"});
	ck_assert_ptr_nonnull(name);
	assert_name_shape(name, tj_scratch, "tmp", "-x");
	free(name);
}
END_TEST

START_TEST(test_unique_names)
{
	enum { COUNT = 100 };
	char *paths[COUNT];
	for (int i = 0; i < COUNT; i++) {
		int fd = tf_mkstemp(&(struct tf_opts){.dir = tj_scratch}, &paths[i]);
		ck_assert_int_ge(fd, 0);
		close(fd);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(paths[i], paths[j]);
	}
	ck_assert_int_eq(tj_count_entries(tj_scratch), COUNT);
	for (int i = 0; i < COUNT; i++)
		free(paths[i]);

	/* The generator itself: 100 draws of 8 characters, all different. */
	char names[COUNT][TF_RANDOM_CHARS + 1];
	for (int i = 0; i < COUNT; i++) {
		memset(names[i], 0, sizeof(names[i]));
		ck_assert_int_eq(tf_random_chars(names[i], TF_RANDOM_CHARS), 0);
		ck_assert(random_part_ok(names[i], TF_RANDOM_CHARS));
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(names[i], names[j]);
	}
}
END_TEST

/* CPython's test_process_awareness: a child after fork draws other names. */
START_TEST(test_fork_differs)
{
	enum { COUNT = 10 };
	char parent[COUNT][TF_RANDOM_CHARS + 1] = {{0}}, child[COUNT][TF_RANDOM_CHARS + 1] = {{0}};
	int pipe_fds[2];

	ck_assert_int_eq(pipe(pipe_fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pipe_fds[0]);
		for (int i = 0; i < COUNT; i++)
			if (tf_random_chars(child[i], TF_RANDOM_CHARS) < 0)
				_exit(1);
		_exit(write(pipe_fds[1], child, sizeof(child)) == sizeof(child) ? 0 : 1);
	}
	close(pipe_fds[1]);
	for (int i = 0; i < COUNT; i++)
		ck_assert_int_eq(tf_random_chars(parent[i], TF_RANDOM_CHARS), 0);
	ck_assert_int_eq(read(pipe_fds[0], child, sizeof(child)), sizeof(child));
	close(pipe_fds[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; i < COUNT; i++)
		for (int j = 0; j < COUNT; j++)
			ck_assert_str_ne(parent[i], child[j]);
}
END_TEST

/* Uniform over 37 characters: every one appears, none far from the mean. */
START_TEST(test_random_distribution)
{
	enum { PER_CHAR = 1000, SIZE = 37 * PER_CHAR };
	static char text[SIZE];
	unsigned counts[37] = {0};

	ck_assert_int_eq(tf_random_chars(text, SIZE), 0);
	for (size_t i = 0; i < SIZE; i++) {
		const char *at = text[i] ? strchr(alphabet, text[i]) : NULL;
		ck_assert_msg(at, "character %d outside [a-z0-9_]", text[i]);
		counts[at - alphabet]++;
	}
	/* Binomial(37000, 1/37): sd ~31, so +-200 is over 6 sd. */
	for (int c = 0; c < 37; c++)
		ck_assert_msg(counts[c] > PER_CHAR - 200 && counts[c] < PER_CHAR + 200,
			      "'%c' drawn %u times of %d", alphabet[c], counts[c], SIZE);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("core_names");
	tj_add_case(suite, tcase_create("name_shape"), test_name_shape);
	tj_add_case(suite, tcase_create("unique_names"), test_unique_names);
	tj_add_case(suite, tcase_create("fork_differs"), test_fork_differs);
	tj_add_case(suite, tcase_create("random_distribution"), test_random_distribution);
	return suite;
}
