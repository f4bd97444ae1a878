/* SPDX-License-Identifier: MIT */
/* Timing, reporting and argument helpers shared by the benchmark programs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_start(struct bench_timer *timer)
{
	timer->cpu_ns = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	timer->wall_ns = now_ns(CLOCK_MONOTONIC);
}

void bench_report(const char *op, long n, const struct bench_timer *timer)
{
	uint64_t wall = now_ns(CLOCK_MONOTONIC) - timer->wall_ns;
	uint64_t cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - timer->cpu_ns;

	printf("{\"op\":\"%s\",\"n\":%ld,\"ns\":%" PRIu64 ",\"cpu_ns\":%" PRIu64 "}\n", op, n, wall,
	       cpu);
	fflush(stdout);
}

void bench_report_kib(const char *op, long kib)
{
	printf("{\"op\":\"%s\",\"kib\":%ld}\n", op, kib);
	fflush(stdout);
}

long bench_count(const char *text)
{
	char *end;
	double value;

	errno = 0;
	/* strtod accepts "1e6", which keeps bench/run's sizes readable. */
	value = strtod(text, &end);
	if (errno || end == text || *end != '\0' || value < 1 || value > 1e12) {
		fprintf(stderr, "bench: not a positive count: '%s'\n", text);
		exit(2);
	}
	return (long)value;
}

void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

void bench_usage(const char *usage)
{
	fprintf(stderr, "usage: %s\n", usage);
	exit(2);
}
