/* SPDX-License-Identifier: MIT */
/*
 * tjb_core - libtmpjail's own functions, timed in-process, and the tree
 * maker and remover of the reaping benchmark.
 *
 *   tjb_core tf_mkstemp_unlink N DIR     tf_mkstemp(dir=DIR) + unlink + close
 *   tjb_core tf_temporary_file N DIR     tf_temporary_file(dir=DIR) + fclose
 *   tjb_core spooled_rw N BYTES          SpooledTemporaryFile: write BYTES in
 *                                        small records, read them back, close
 *   tjb_core temporary_rw N BYTES        the same on a TemporaryFile
 *   tjb_core mktree DIR FILES DIRS       make DIR holding FILES empty files
 *                                        spread over DIRS directories
 *   tjb_core rmtree DIR                  tf_rmtree(DIR)
 *   tjb_core root_cycle BASE             make and remove a private root's
 *                                        directories in BASE, as a launcher
 *                                        run does (the start-up floor)
 *
 * bench/run makes its trees with mktree and removes the same shape with
 * each remover, so the removers compare on identical work.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "tmpjail/tempfile.h"

static const char usage[] = "tjb_core {tf_mkstemp_unlink|tf_temporary_file} N DIR |\n"
			    "       {spooled_rw|temporary_rw} N BYTES | mktree DIR FILES DIRS |\n"
			    "       rmtree DIR | root_cycle BASE";

/* The record size of the small-write workload: a log line or a CSV row. */
#define RECORD_SIZE 64
/* Spooled files stay in memory up to this size, far above the workload. */
#define SPOOL_MAX (1024 * 1024)

static void tf_mkstemp_unlink(const char *dir, long unused)
{
	char *path;
	int fd = tf_mkstemp(&(struct tf_opts){.dir = dir}, &path);

	(void)unused;
	if (fd < 0)
		bench_die("tf_mkstemp");
	if (unlink(path) < 0)
		bench_die(path);
	close(fd);
	free(path);
}

static void tf_temporary_file_fclose(const char *dir, long unused)
{
	FILE *file = tf_temporary_file(&(struct tf_opts){.dir = dir});

	(void)unused;
	if (!file)
		bench_die("tf_temporary_file");
	fclose(file);
}

/* Write @bytes in RECORD_SIZE records, read them back and check them. */
static void write_read_back(FILE *file, long bytes)
{
	char record[RECORD_SIZE], back[RECORD_SIZE];
	long records = bytes / RECORD_SIZE;

	memset(record, 'r', sizeof(record));
	for (long i = 0; i < records; i++) {
		if (fwrite(record, sizeof(record), 1, file) != 1)
			bench_die("fwrite");
	}
	rewind(file);
	for (long i = 0; i < records; i++) {
		if (fread(back, sizeof(back), 1, file) != 1)
			bench_die("fread");
		if (memcmp(back, record, sizeof(back)) != 0) {
			fprintf(stderr, "bench: read back other data than written\n");
			exit(1);
		}
	}
}

static void spooled_rw(const char *unused, long bytes)
{
	struct tf_spooled *spooled = tf_spooled_open(SPOOL_MAX, NULL);

	(void)unused;
	if (!spooled)
		bench_die("tf_spooled_open");
	write_read_back(tf_spooled_file(spooled), bytes);
	if (tf_spooled_close(spooled) < 0)
		bench_die("tf_spooled_close");
}

static void temporary_rw(const char *unused, long bytes)
{
	FILE *file = tf_temporary_file(NULL);

	(void)unused;
	if (!file)
		bench_die("tf_temporary_file");
	write_read_back(file, bytes);
	if (fclose(file) != 0)
		bench_die("fclose");
}

/* Make @dir (which must not exist) with @files empty files in @dirs dirs. */
static void make_tree(const char *dir, long files, long dirs)
{
	char name[32];
	int root, sub = -1;
	long per_dir = (files + dirs - 1) / dirs;

	if (mkdir(dir, 0700) < 0)
		bench_die(dir);
	root = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		bench_die(dir);
	for (long i = 0; i < files; i++) {
		if (i % per_dir == 0) {
			if (sub >= 0)
				close(sub);
			snprintf(name, sizeof(name), "d%ld", i / per_dir);
			if (mkdirat(root, name, 0700) < 0)
				bench_die(name);
			sub = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				bench_die(name);
		}
		snprintf(name, sizeof(name), "f%ld", i);
		int fd =
		    openat(sub, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			bench_die(name);
		close(fd);
	}
	if (sub >= 0)
		close(sub);
	close(root);
}

/*
 * The file-system work of one launcher run, and nothing else: a root with
 * tmp/, var/ and var/tmp/, then its removal. Named tjb-, not tj-: tmpjail
 * --gc may reap a tj- root that no launcher holds, even mid-benchmark.
 */
static void root_cycle(const char *base)
{
	static const char *const dirs[] = {"tmp", "var", "var/tmp"};
	char *root = tf_mkdtemp(&(struct tf_opts){.dir = base, .prefix = "tjb-"});
	int fd;

	if (!root)
		bench_die("tf_mkdtemp");
	fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		bench_die(root);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (mkdirat(fd, dirs[i], 0700) < 0)
			bench_die(dirs[i]);
	}
	close(fd);
	if (tf_rmtree(root, 0) < 0)
		bench_die(root);
	free(root);
}

static const struct {
	const char *op;
	void (*call)(const char *, long);
	int arg_is_count;
} loops[] = {
    {"tf_mkstemp_unlink", tf_mkstemp_unlink, 0},
    {"tf_temporary_file", tf_temporary_file_fclose, 0},
    {"spooled_rw", spooled_rw, 1},
    {"temporary_rw", temporary_rw, 1},
};

/* Run a loop of tjb_core OP N ARG; one untimed call first. */
static int run_loop(char **argv)
{
	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		if (strcmp(argv[1], loops[i].op) != 0)
			continue;
		long n = bench_count(argv[2]);
		const char *text = loops[i].arg_is_count ? NULL : argv[3];
		long count = loops[i].arg_is_count ? bench_count(argv[3]) : 0;
		struct bench_timer timer;

		loops[i].call(text, count);
		bench_start(&timer);
		for (long k = 0; k < n; k++)
			loops[i].call(text, count);
		bench_report(loops[i].op, n, &timer);
		return 0;
	}
	bench_usage(usage);
}

int main(int argc, char **argv)
{
	struct bench_timer timer;

	if (argc == 5 && strcmp(argv[1], "mktree") == 0) {
		long files = bench_count(argv[3]);

		bench_start(&timer);
		make_tree(argv[2], files, bench_count(argv[4]));
		bench_report("mktree", files, &timer);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "rmtree") == 0) {
		bench_start(&timer);
		if (tf_rmtree(argv[2], 0) < 0)
			bench_die(argv[2]);
		bench_report("rmtree", 1, &timer);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "root_cycle") == 0) {
		bench_start(&timer);
		root_cycle(argv[2]);
		bench_report("root_cycle", 1, &timer);
		return 0;
	}
	if (argc != 4)
		bench_usage(usage);
	return run_loop(argv);
}
