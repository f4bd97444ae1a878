/* SPDX-License-Identifier: MIT */
/*
 * SpooledTemporaryFile (CPython's TestSpooledTemporaryFile): the max_size
 * boundary, rollover keeping content and position, seeking past the end,
 * fileno() forcing rollover, truncate, and a failed rollover.
 */
#define _GNU_SOURCE 1
#include <stdbool.h>
#include <sys/stat.h>

#include "internal.h"
#include "tj_check.h"
#include "tj_scratch.h"

static struct tf_spooled *open_in_scratch(size_t max_size, const char *mode)
{
	struct tf_spooled *spooled =
	    tf_spooled_open(max_size, &(struct tf_opts){.dir = tj_scratch, .mode = mode});
	ck_assert_ptr_nonnull(spooled);
	return spooled;
}

/* Read the whole stream from the start; the position is left at the end. */
static size_t read_all(FILE *file, char *buf, size_t size)
{
	ck_assert_int_eq(fseeko(file, 0, SEEK_SET), 0);
	size_t n = fread(buf, 1, size, file);
	ck_assert(!ferror(file));
	return n;
}

START_TEST(test_max_size_boundary)
{
	struct tf_spooled *spooled = open_in_scratch(10, NULL);
	FILE *file = tf_spooled_file(spooled);
	ck_assert(!tf_spooled_rolled(spooled));
	ck_assert_uint_eq(fwrite("0123456789", 1, 10, file), 10);
	/* Exactly max_size stays in memory... */
	ck_assert(!tf_spooled_rolled(spooled));
	ck_assert_uint_eq(fwrite("a", 1, 1, file), 1);
	/* ...one byte more rolls over. */
	ck_assert(tf_spooled_rolled(spooled));
	char buf[32] = {0};
	ck_assert_uint_eq(read_all(file, buf, sizeof(buf)), 11);
	ck_assert_str_eq(buf, "0123456789a");
	ck_assert_int_eq(tf_spooled_close(spooled), 0);

	/* Rewriting within max_size does not roll, in two writes either. */
	spooled = open_in_scratch(10, NULL);
	file = tf_spooled_file(spooled);
	fputs("01234", file);
	fflush(file);
	fputs("56789", file);
	rewind(file);
	fputs("abcdefghij", file);
	ck_assert(!tf_spooled_rolled(spooled));
	ck_assert_int_eq(tf_spooled_close(spooled), 0);
	ck_assert_int_eq(tf_spooled_close(NULL), 0);
}
END_TEST

START_TEST(test_max_size_zero)
{
	/* max_size 0: never rolls over on size. */
	struct tf_spooled *spooled = open_in_scratch(0, NULL);
	FILE *file = tf_spooled_file(spooled);
	static char block[64 * 1024];
	memset(block, 'z', sizeof(block));
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(fwrite(block, 1, sizeof(block), file), sizeof(block));
	ck_assert(!tf_spooled_rolled(spooled));
	ck_assert_int_eq(ftello(file), 16 * (off_t)sizeof(block));
	ck_assert_int_eq(tf_spooled_close(spooled), 0);
}
END_TEST

START_TEST(test_rollover_keeps_content_and_position)
{
	struct tf_spooled *spooled = open_in_scratch(100, NULL);
	FILE *file = tf_spooled_file(spooled);
	fputs("hello spooled world", file);
	ck_assert_int_eq(fseeko(file, 6, SEEK_SET), 0);
	ck_assert_int_eq(tf_spooled_rollover(spooled), 0);
	ck_assert(tf_spooled_rolled(spooled));
	ck_assert_int_eq(ftello(file), 6);
	char buf[32] = {0};
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), file));
	ck_assert_str_eq(buf, "spooled world");
	/* Rolling again does nothing. */
	ck_assert_int_eq(tf_spooled_rollover(spooled), 0);
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(read_all(file, buf, sizeof(buf)), 19);
	ck_assert_str_eq(buf, "hello spooled world");
	ck_assert_int_eq(tf_spooled_close(spooled), 0);

	/* An implicit rollover in the middle of a read-write session. */
	spooled = open_in_scratch(8, NULL);
	file = tf_spooled_file(spooled);
	fputs("abcdef", file);
	ck_assert_int_eq(fseeko(file, 2, SEEK_SET), 0);
	ck_assert_int_eq(fgetc(file), 'c');
	ck_assert_int_eq(fseeko(file, 0, SEEK_CUR), 0);
	fputs("XYZWVU", file); /* ends at 9 > 8 */
	ck_assert(tf_spooled_rolled(spooled));
	ck_assert_int_eq(ftello(file), 9);
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(read_all(file, buf, sizeof(buf)), 9);
	ck_assert_str_eq(buf, "abcXYZWVU");
	ck_assert_int_eq(tf_spooled_close(spooled), 0);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

/* Write "ab", seek to 10, write "c": bytes 2..9 read as zeros. */
static void check_seek_past_end(bool rolled_first)
{
	struct tf_spooled *spooled = open_in_scratch(1000, NULL);
	FILE *file = tf_spooled_file(spooled);
	fputs("ab", file);
	if (rolled_first)
		ck_assert_int_eq(tf_spooled_rollover(spooled), 0);
	ck_assert_int_eq(fseeko(file, 10, SEEK_SET), 0);
	fputc('c', file);
	ck_assert(tf_spooled_rolled(spooled) == rolled_first);
	char buf[32];
	memset(buf, 'x', sizeof(buf));
	ck_assert_uint_eq(read_all(file, buf, sizeof(buf)), 11);
	ck_assert_mem_eq(buf, "ab\0\0\0\0\0\0\0\0c", 11);
	ck_assert_int_eq(fseeko(file, 0, SEEK_END), 0);
	ck_assert_int_eq(ftello(file), 11);
	ck_assert_int_eq(fseeko(file, -1, SEEK_SET), -1);
	ck_assert_int_eq(tf_spooled_close(spooled), 0);
}

START_TEST(test_seek_past_end)
{
	check_seek_past_end(false);
	check_seek_past_end(true);
}
END_TEST

START_TEST(test_fileno_rolls)
{
	struct tf_spooled *spooled = open_in_scratch(1000, NULL);
	FILE *file = tf_spooled_file(spooled);
	fputs("0123456789", file);
	ck_assert_int_eq(fseeko(file, 4, SEEK_SET), 0);
	ck_assert(!tf_spooled_rolled(spooled));
	int fd = tf_spooled_fileno(spooled);
	ck_assert_int_ge(fd, 0);
	ck_assert(tf_spooled_rolled(spooled));
	/* A real, anonymous, private file whose offset is the stream's position. */
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_nlink, 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_size, 10);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 4);
	char buf[8] = {0};
	ck_assert_int_eq(pread(fd, buf, 3, 0), 3);
	ck_assert_str_eq(buf, "012");
	ck_assert_int_eq(tf_spooled_fileno(spooled), fd);
	ck_assert_int_eq(tf_spooled_close(spooled), 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1); /* closed with the handle */
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

START_TEST(test_truncate)
{
	struct tf_spooled *spooled = open_in_scratch(20, NULL);
	FILE *file = tf_spooled_file(spooled);
	fputs("0123456789", file);
	/* Below max_size: cut in memory, position unchanged. */
	ck_assert_int_eq(tf_spooled_truncate(spooled, 4), 0);
	ck_assert(!tf_spooled_rolled(spooled));
	ck_assert_int_eq(ftello(file), 10);
	/* Extending (still at most max_size) zero-fills. */
	ck_assert_int_eq(tf_spooled_truncate(spooled, 8), 0);
	char buf[32];
	memset(buf, 'x', sizeof(buf));
	ck_assert_uint_eq(read_all(file, buf, sizeof(buf)), 8);
	ck_assert_mem_eq(buf, "0123\0\0\0\0", 8);
	/* Above max_size: rolls over first; the position stays. */
	ck_assert_int_eq(fseeko(file, 3, SEEK_SET), 0);
	ck_assert_int_eq(tf_spooled_truncate(spooled, 21), 0);
	ck_assert(tf_spooled_rolled(spooled));
	ck_assert_int_eq(ftello(file), 3);
	memset(buf, 'x', sizeof(buf));
	ck_assert_uint_eq(read_all(file, buf, sizeof(buf)), 21);
	ck_assert_mem_eq(buf, "0123\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 21);
	/* On disk, cutting works the same. */
	ck_assert_int_eq(tf_spooled_truncate(spooled, 2), 0);
	ck_assert_uint_eq(read_all(file, buf, sizeof(buf)), 2);
	errno = 0;
	ck_assert_int_eq(tf_spooled_truncate(spooled, -1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(tf_spooled_close(spooled), 0);

	/* As in Python, truncate(n > max_size) rolls over even for max_size 0. */
	spooled = open_in_scratch(0, NULL);
	ck_assert_int_eq(tf_spooled_truncate(spooled, 0), 0);
	ck_assert(!tf_spooled_rolled(spooled));
	ck_assert_int_eq(tf_spooled_truncate(spooled, 1), 0);
	ck_assert(tf_spooled_rolled(spooled));
	ck_assert_int_eq(tf_spooled_close(spooled), 0);
}
END_TEST

START_TEST(test_rollover_failure_keeps_data)
{
	struct tf_spooled *spooled =
	    tf_spooled_open(100, &(struct tf_opts){.dir = tj_path("missing")});
	ck_assert_ptr_nonnull(spooled);
	FILE *file = tf_spooled_file(spooled);
	fputs("kept in memory", file);
	ck_assert_int_eq(fseeko(file, 5, SEEK_SET), 0);
	errno = 0;
	ck_assert_int_eq(tf_spooled_rollover(spooled), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(tf_spooled_fileno(spooled), -1);
	ck_assert(!tf_spooled_rolled(spooled));
	ck_assert_int_eq(ftello(file), 5);
	char buf[32] = {0};
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), file));
	ck_assert_str_eq(buf, "in memory");
	/* Now the directory exists: the next try works. */
	ck_assert_int_eq(mkdir(tj_path("missing"), 0700), 0);
	ck_assert_int_eq(tf_spooled_rollover(spooled), 0);
	ck_assert_int_eq(ftello(file), 14);
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(read_all(file, buf, sizeof(buf)), 14);
	ck_assert_str_eq(buf, "kept in memory");
	ck_assert_int_eq(tf_spooled_close(spooled), 0);
	ck_assert_int_eq(tj_count_entries(tj_path("missing")), 0);
}
END_TEST

START_TEST(test_modes_and_stdio)
{
	errno = 0;
	ck_assert_ptr_null(tf_spooled_open(10, &(struct tf_opts){.mode = "r"}));
	ck_assert_int_eq(errno, EINVAL);

	/* fprintf/fscanf just work, across a rollover. */
	struct tf_spooled *spooled = open_in_scratch(16, "w+");
	FILE *file = tf_spooled_file(spooled);
	for (int i = 0; i < 10; i++)
		fprintf(file, "%d ", i * 11);
	rewind(file);
	for (int i = 0; i < 10; i++) {
		int value = -1;
		ck_assert_int_eq(fscanf(file, "%d", &value), 1);
		ck_assert_int_eq(value, i * 11);
	}
	ck_assert(tf_spooled_rolled(spooled));
	ck_assert_int_eq(tf_spooled_close(spooled), 0);

	/* "a+": every write goes to the end, in memory and on disk. */
	for (int roll = 0; roll < 2; roll++) {
		spooled = open_in_scratch(100, "a+");
		file = tf_spooled_file(spooled);
		fputs("one", file);
		if (roll)
			ck_assert_int_eq(tf_spooled_rollover(spooled), 0);
		rewind(file);
		fputs("-two", file);
		char buf[16] = {0};
		ck_assert_uint_eq(read_all(file, buf, sizeof(buf)), 7);
		ck_assert_str_eq(buf, "one-two");
		ck_assert_int_eq(tf_spooled_close(spooled), 0);
	}
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("core_spooled");
	tj_add_case(suite, tcase_create("max_size_boundary"), test_max_size_boundary);
	tj_add_case(suite, tcase_create("max_size_zero"), test_max_size_zero);
	tj_add_case(suite, tcase_create("rollover_keeps_content_and_position"),
		    test_rollover_keeps_content_and_position);
	tj_add_case(suite, tcase_create("seek_past_end"), test_seek_past_end);
	tj_add_case(suite, tcase_create("fileno_rolls"), test_fileno_rolls);
	tj_add_case(suite, tcase_create("truncate"), test_truncate);
	tj_add_case(suite, tcase_create("rollover_failure_keeps_data"),
		    test_rollover_failure_keeps_data);
	tj_add_case(suite, tcase_create("modes_and_stdio"), test_modes_and_stdio);
	return suite;
}
