/* SPDX-License-Identifier: MIT */
/*
 * tjb_calls - loops of plain libc calls, timed in-process.
 *
 * Links nothing of tmpjail on purpose: bench/run runs the same binary
 * natively, under the shim (LD_PRELOAD), under the launcher, fakechroot and
 * proot, so the only difference between the figures is what sits between
 * the program and the kernel.
 *
 *   tjb_calls open_close N PATH      open(PATH, O_RDONLY) + close
 *   tjb_calls stat N PATH            stat(PATH)
 *   tjb_calls fopen_fclose N PATH    fopen(PATH, "r") + fclose
 *   tjb_calls mkstemp_unlink N DIR   mkstemp(DIR/tjbXXXXXX) + unlink + close
 *   tjb_calls tmpfile_fclose N       tmpfile() + fclose
 *   tjb_calls rss PATH               a few calls, then the peak RSS
 *   tjb_calls spawn PROG [ARG]...    run PROG, then its peak RSS
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const char usage[] =
    "tjb_calls {open_close|stat|fopen_fclose} N PATH | mkstemp_unlink N DIR |\n"
    "       tmpfile_fclose N | rss PATH | spawn PROG [ARG]...";

static void open_close(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		bench_die(path);
	close(fd);
}

static void stat_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		bench_die(path);
}

static void fopen_fclose(const char *path)
{
	FILE *file = fopen(path, "re");

	if (!file)
		bench_die(path);
	fclose(file);
}

/* @dir is the template: "DIR/tjbXXXXXX", rewritten on each call. */
static void mkstemp_unlink(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/tjbXXXXXX", dir) >= (int)sizeof(path))
		bench_usage(usage);
	fd = mkstemp(path);
	if (fd < 0)
		bench_die("mkstemp");
	if (unlink(path) < 0)
		bench_die(path);
	close(fd);
}

static void tmpfile_fclose(const char *unused)
{
	FILE *file = tmpfile();

	(void)unused;
	if (!file)
		bench_die("tmpfile");
	fclose(file);
}

/* Run @call @n times after one untimed call (symbol binding, lazy set-up). */
static void time_loop(const char *op, long n, void (*call)(const char *), const char *arg)
{
	struct bench_timer timer;

	call(arg);
	bench_start(&timer);
	for (long i = 0; i < n; i++)
		call(arg);
	bench_report(op, n, &timer);
}

/*
 * Peak RSS of this process since its exec, in KiB. Not ru_maxrss: that
 * keeps the high-water mark of the process before exec, which is the size
 * of bench/run's Python when it started us.
 */
static long peak_rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *status = fopen("/proc/self/status", "re");

	if (!status)
		bench_die("/proc/self/status");
	while (fgets(line, sizeof(line), status)) {
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	}
	fclose(status);
	if (kib < 0)
		bench_die("VmHWM in /proc/self/status");
	return kib;
}

/*
 * What a small program costs in memory: touch @path the usual ways (so a
 * preloaded shim does its set-up and maps a path), then report the peak.
 */
static void report_rss(const char *path)
{
	stat_path(path);
	open_close(path);
	fopen_fclose(path);
	tmpfile_fclose(NULL);
	bench_report_kib("rss", peak_rss_kib());
}

/*
 * Run @argv and report the peak RSS of the largest process of its tree
 * that was waited for (ru_maxrss of wait4). This program is small, so the
 * pre-exec high-water mark the child inherits from it stays below any real
 * program's.
 */
static void report_spawn_rss(char **argv)
{
	struct rusage usage_child;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &usage_child) < 0)
		bench_die("wait4");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: %s did not exit 0 (status %#x)\n", argv[0], status);
		exit(1);
	}
	bench_report_kib("spawn", usage_child.ru_maxrss);
}

static const struct {
	const char *op;
	void (*call)(const char *);
	int needs_arg;
} loops[] = {
    /* op, function, takes PATH or DIR */
    {"open_close", open_close, 1},	   {"stat", stat_path, 1},
    {"fopen_fclose", fopen_fclose, 1},	   {"mkstemp_unlink", mkstemp_unlink, 1},
    {"tmpfile_fclose", tmpfile_fclose, 0},
};

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "spawn") == 0) {
		report_spawn_rss(argv + 2);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "rss") == 0) {
		report_rss(argv[2]);
		return 0;
	}
	if (argc < 3)
		bench_usage(usage);
	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		if (strcmp(argv[1], loops[i].op) != 0)
			continue;
		if (argc != 3 + loops[i].needs_arg)
			bench_usage(usage);
		time_loop(loops[i].op, bench_count(argv[2]), loops[i].call,
			  loops[i].needs_arg ? argv[3] : NULL);
		return 0;
	}
	bench_usage(usage);
}
