/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the benchmark programs. Each program times a loop with
 * CLOCK_MONOTONIC and prints one JSON object per line on stdout, which
 * bench/run reads. Any failed call is breakage, not slowness: the program
 * says what failed on stderr and exits 1, so bench/run (and the CTest smoke
 * run) fails loudly instead of timing an error path.
 */
#ifndef TMPJAIL_BENCH_H
#define TMPJAIL_BENCH_H

#include <stdint.h>

/*
 * A measurement: wall-clock time (CLOCK_MONOTONIC, what the table shows)
 * and the process's CPU time (CLOCK_PROCESS_CPUTIME_ID, which a busy
 * neighbour on a shared machine disturbs much less) at its start.
 */
struct bench_timer {
	uint64_t wall_ns;
	uint64_t cpu_ns;
};

/* Start @timer now. */
void bench_start(struct bench_timer *timer);

/*
 * Print {"op":..., "n":..., "ns":..., "cpu_ns":...}: @n operations took
 * that much wall-clock and CPU time since bench_start(@timer).
 */
void bench_report(const char *op, long n, const struct bench_timer *timer);

/* Print {"op":..., "kib":...}: a peak resident set size. */
void bench_report_kib(const char *op, long kib);

/* Parse a positive count ("1000000", "1e6"); exits on anything else. */
long bench_count(const char *text);

/* Report that @what failed (with errno) and exit 1. */
__attribute__((noreturn)) void bench_die(const char *what);

/* Print @usage to stderr and exit 2. */
__attribute__((noreturn)) void bench_usage(const char *usage);

#endif
