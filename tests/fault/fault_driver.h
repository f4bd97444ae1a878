/* SPDX-License-Identifier: MIT */
/*
 * The driver of the fault-injection suite (check_fault.c): for one libc
 * function and each errno of fault_errors[], fail its N-th call for every
 * N along a launcher run (fault_launcher.c) or a removal (fault_remove.c),
 * from N = 1 until a run makes fewer than N calls, and check each outcome.
 */
#ifndef TMPJAIL_TESTS_FAULT_DRIVER_H
#define TMPJAIL_TESTS_FAULT_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "fault_inject.h"

/* The errors every function is failed with. */
extern const int fault_errors[];
extern const size_t fault_error_count;

/* More calls than this in one run is a runaway loop, not a plan to follow. */
#define FAULT_MAX_NTH 20000

/* Seconds a run may take before it counts as a hang. */
#define FAULT_TIMEOUT 20

/* What a sweep over N saw, for the summary line. */
struct fault_tally {
	unsigned long runs;  /* runs with a failure injected */
	unsigned long ok;    /* ... that still succeeded */
	unsigned long clean; /* ... that ended in a clean error */
	unsigned long said;  /* ... that left the root and said so (exit 125) */
	unsigned long gone;  /* ... that failed, yet left nothing behind */
	char said_at[256];   /* where those were: "N=12 N=40 ..." */
};

/*
 * fault_launcher_sweep() - tmpjail --base <scratch> -- sh -c 'mkdir -p
 * /tmp/a/b && echo x > /tmp/a/b/f && cat /tmp/a/b/f' with @call's N-th
 * call failing with @error in the launcher, for every N. Check failures
 * name the call, the errno and N.
 */
void fault_launcher_sweep(enum tj_fault_call call, int error, struct fault_tally *tally);

/*
 * fault_launcher_descendant_sweep() - the same with a command that leaves
 * a descendant writing /tmp after it exited: the launcher must wait for it.
 */
void fault_launcher_descendant_sweep(enum tj_fault_call call, int error, struct fault_tally *tally);

/* fault_launcher_setup() / _teardown(): the TCase fixture (a scratch of its own). */
void fault_launcher_setup(void);
void fault_launcher_teardown(void);

/*
 * fault_launcher_once() - one launcher run with the plan (@call, @error,
 * @nth), its stderr in @err (a static buffer). Return: its exit status
 * as a shell shows it; fails the test on a crash or a hang.
 */
int fault_launcher_once(enum tj_fault_call call, int error, unsigned long nth, const char *command,
			const char **out, const char **err);

/*
 * fault_remove_sweep() - tf_rmtree() of a small tree, in a chroot jail,
 * with @call's N-th call failing with @error, for every N.
 */
void fault_remove_sweep(enum tj_fault_call call, int error, struct fault_tally *tally);

/*
 * fault_remove_once() - one removal with the plan; its errno (0 on
 * success) in @result, whether the tree is gone in @gone. Return:
 * whether the failure was injected.
 */
bool fault_remove_once(enum tj_fault_call call, int error, unsigned long nth, int *result,
		       bool *gone);

/* "EMFILE" for EMFILE. */
const char *fault_error_name(int error);

#endif
