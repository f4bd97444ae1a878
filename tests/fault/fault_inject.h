/* SPDX-License-Identifier: MIT */
/*
 * The fault injector of tests/fault: makes the N-th call of one libc
 * function fail with a chosen errno, in one process only.
 *
 * Built twice from fault_inject.c:
 *   - libtj_fault.so, preloaded into the launcher. It is configured by
 *     the environment at load time, acts only in the process whose pid
 *     is $TJ_FAULT_PID, and takes itself out of that process's
 *     LD_PRELOAD so that the command the launcher runs never loads it:
 *       TJ_FAULT_CALL    a name of tj_fault_calls[] ("openat", "malloc", ...)
 *       TJ_FAULT_ERRNO   the errno value, in decimal
 *       TJ_FAULT_NTH     which call fails, from 1
 *       TJ_FAULT_PID     the process it acts in
 *       TJ_FAULT_REPORT  a file it appends "fired CALL N\n" to when it
 *                        fails a call, and "calls CALL COUNT\n" at exit
 *   - linked into the driver itself, where the core's static code calls
 *     it directly: armed with tj_fault_arm() in the process that removes.
 *
 * The libc names a function is reached by, and counted as:
 *   openat      open, open64, openat, openat64, __open_2, __openat_2
 *   getdents64  getdents64 (what the core's sys.h calls)
 *   readdir     readdir, readdir64 (glibc's readdir reaches getdents64
 *               inside libc, where no preload can see it)
 *   unlinkat    unlinkat;  mkdirat  mkdirat;  read  read
 *   malloc      malloc, calloc, realloc (libc's own calls included)
 */
#ifndef TMPJAIL_TESTS_FAULT_INJECT_H
#define TMPJAIL_TESTS_FAULT_INJECT_H

#include <stdbool.h>
#include <sys/types.h>

enum tj_fault_call {
	TJ_FAULT_NONE,
	TJ_FAULT_OPENAT,
	TJ_FAULT_GETDENTS64,
	TJ_FAULT_READDIR,
	TJ_FAULT_UNLINKAT,
	TJ_FAULT_MKDIRAT,
	TJ_FAULT_READ,
	TJ_FAULT_MALLOC,
	TJ_FAULT_CALLS /* how many there are */
};

/* The names of enum tj_fault_call, as TJ_FAULT_CALL spells them. */
extern const char *const tj_fault_calls[TJ_FAULT_CALLS];

/*
 * tj_fault_arm() - from now on, in this process only, count the calls of
 * @call and make the @nth fail with @error. @call TJ_FAULT_NONE disarms.
 */
void tj_fault_arm(enum tj_fault_call call, int error, unsigned long nth);

/* tj_fault_count() - how many calls of the armed function were counted. */
unsigned long tj_fault_count(void);

/* tj_fault_fired() - whether the @nth call was made (and failed). */
bool tj_fault_fired(void);

#endif
