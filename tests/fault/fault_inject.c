/* SPDX-License-Identifier: MIT */
/*
 * The fault injector (fault_inject.h): libc entry points that count their
 * calls in one process and fail the N-th with a chosen errno.
 *
 * The real work is done with raw system calls (syscall(2)) and glibc's
 * __libc_malloc family, never through dlsym() at call time: the injector
 * must not allocate, open or read through itself. Only readdir needs
 * libc's own function, resolved once at load time, before counting starts.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fault_inject.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

const char *const tj_fault_calls[TJ_FAULT_CALLS] = {
    [TJ_FAULT_NONE] = "none",
    [TJ_FAULT_OPENAT] = "openat",
    [TJ_FAULT_GETDENTS64] = "getdents64",
    [TJ_FAULT_READDIR] = "readdir",
    [TJ_FAULT_UNLINKAT] = "unlinkat",
    [TJ_FAULT_MKDIRAT] = "mkdirat",
    [TJ_FAULT_READ] = "read",
    [TJ_FAULT_MALLOC] = "malloc",
};

/* What to fail, where, and what happened so far. */
static struct {
	int call; /* enum tj_fault_call; read first, written last when arming */
	int error;
	unsigned long nth;
	pid_t pid;
	unsigned long count;
	bool fired;
	char report[4096]; /* the report file, "" for none */
} plan;

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *old, size_t size);

static struct dirent *(*real_readdir)(DIR *dir);
static struct dirent64 *(*real_readdir64)(DIR *dir);

/* Append "@what CALL @n\n" to the report file, with system calls only. */
static void report(const char *what, unsigned long n)
{
	char line[128], digits[24];
	size_t len = 0, count = 0;

	if (!plan.report[0])
		return;
	for (const char *part = what; *part;)
		line[len++] = *part++;
	line[len++] = ' ';
	for (const char *part = tj_fault_calls[plan.call]; *part;)
		line[len++] = *part++;
	line[len++] = ' ';
	do
		digits[count++] = (char)('0' + n % 10);
	while (n /= 10);
	while (count)
		line[len++] = digits[--count];
	line[len++] = '\n';
	int fd = (int)syscall(SYS_openat, AT_FDCWD, plan.report,
			      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (syscall(SYS_write, fd, line, len) < 0) {
		/* the driver then sees no report and fails the run */
	}
	syscall(SYS_close, fd);
}

/*
 * Count a call of @call; true when it is the one to fail, with errno set.
 * Only in the planned process: children and the programs it runs fork
 * with the same plan in memory, but another pid.
 */
static bool hit(enum tj_fault_call call)
{
	if (__atomic_load_n(&plan.call, __ATOMIC_ACQUIRE) != (int)call ||
	    (pid_t)syscall(SYS_getpid) != plan.pid)
		return false;
	unsigned long n = __atomic_add_fetch(&plan.count, 1, __ATOMIC_RELAXED);
	if (n != plan.nth)
		return false;
	__atomic_store_n(&plan.fired, true, __ATOMIC_RELAXED);
	report("fired", n);
	errno = plan.error;
	return true;
}

void tj_fault_arm(enum tj_fault_call call, int error, unsigned long nth)
{
	__atomic_store_n(&plan.call, TJ_FAULT_NONE, __ATOMIC_RELEASE);
	plan.error = error;
	plan.nth = nth;
	plan.pid = (pid_t)syscall(SYS_getpid);
	plan.count = 0;
	plan.fired = false;
	__atomic_store_n(&plan.call, (int)call, __ATOMIC_RELEASE);
}

unsigned long tj_fault_count(void)
{
	return __atomic_load_n(&plan.count, __ATOMIC_RELAXED);
}

bool tj_fault_fired(void)
{
	return __atomic_load_n(&plan.fired, __ATOMIC_RELAXED);
}

/* ---- Preloaded: configuration from the environment --------------------- */

/*
 * Take this library out of LD_PRELOAD, so that the launcher does not pass
 * it on to the command (which would then count as the launcher's).
 */
static void leave_preload(void)
{
	Dl_info self;
	const char *old = getenv("LD_PRELOAD");
	if (!old || !dladdr((void *)tj_fault_arm, &self) || !self.dli_fname)
		return;
	const char *mine = strrchr(self.dli_fname, '/');
	mine = mine ? mine + 1 : self.dli_fname;
	char *copy = strdup(old), *kept = calloc(1, strlen(old) + 1), *save = NULL;
	if (!copy || !kept)
		abort(); /* at load time, before any plan: a broken test set-up */
	for (char *p = strtok_r(copy, ": ", &save); p; p = strtok_r(NULL, ": ", &save)) {
		const char *base = strrchr(p, '/');
		if (strcmp(base ? base + 1 : p, mine) == 0)
			continue;
		if (kept[0])
			strcat(kept, ":");
		strcat(kept, p);
	}
	if (kept[0])
		setenv("LD_PRELOAD", kept, 1);
	else
		unsetenv("LD_PRELOAD");
	free(copy);
	free(kept);
}

/* libc's readdir, for a call that comes before our constructor too. */
static void find_readdir(void)
{
	real_readdir = (struct dirent * (*)(DIR *)) dlsym(RTLD_NEXT, "readdir");
	real_readdir64 = (struct dirent64 * (*)(DIR *)) dlsym(RTLD_NEXT, "readdir64");
}

__attribute__((constructor)) static void fault_load(void)
{
	find_readdir();
	const char *name = getenv("TJ_FAULT_CALL"), *error = getenv("TJ_FAULT_ERRNO");
	const char *nth = getenv("TJ_FAULT_NTH"), *pid = getenv("TJ_FAULT_PID");
	const char *path = getenv("TJ_FAULT_REPORT");
	if (!name || !error || !nth || !pid || atol(pid) != (long)syscall(SYS_getpid))
		return;
	int call = TJ_FAULT_NONE;
	for (int i = 1; i < TJ_FAULT_CALLS; i++)
		if (strcmp(name, tj_fault_calls[i]) == 0)
			call = i;
	if (call == TJ_FAULT_NONE)
		abort(); /* a misspelt plan would test nothing and pass */
	if (path && strlen(path) < sizeof(plan.report))
		strcpy(plan.report, path);
	leave_preload();
	const char *const names[] = {"TJ_FAULT_CALL", "TJ_FAULT_ERRNO", "TJ_FAULT_NTH",
				     "TJ_FAULT_PID", "TJ_FAULT_REPORT"};
	int error_value = atoi(error);
	unsigned long nth_value = strtoul(nth, NULL, 10);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unsetenv(names[i]);
	tj_fault_arm((enum tj_fault_call)call, error_value, nth_value);
}

__attribute__((destructor)) static void fault_unload(void)
{
	if (plan.call != TJ_FAULT_NONE && plan.pid == (pid_t)syscall(SYS_getpid))
		report("calls", tj_fault_count());
}

/* ---- The entry points ----------------------------------------------------- */

static mode_t mode_of(int flags, va_list args)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(args, mode_t) : 0;
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	if (hit(TJ_FAULT_OPENAT))
		return -1;
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list args;
	va_start(args, flags);
	mode_t mode = mode_of(flags, args);
	va_end(args);
	return do_openat(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list args;
	va_start(args, flags);
	mode_t mode = mode_of(flags, args);
	va_end(args);
	return do_openat(dirfd, path, flags, mode);
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list args;
	va_start(args, flags);
	mode_t mode = mode_of(flags, args);
	va_end(args);
	return do_openat(AT_FDCWD, path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list args;
	va_start(args, flags);
	mode_t mode = mode_of(flags, args);
	va_end(args);
	return do_openat(AT_FDCWD, path, flags, mode);
}

/* What _FORTIFY_SOURCE builds call instead of open and openat. */
EXPORT int __open_2(const char *path, int flags);
EXPORT int __open_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags, 0);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags);
EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

EXPORT ssize_t getdents64(int fd, void *buffer, size_t size)
{
	if (hit(TJ_FAULT_GETDENTS64))
		return -1;
	return syscall(SYS_getdents64, fd, buffer, size);
}

EXPORT struct dirent *readdir(DIR *dir)
{
	if (hit(TJ_FAULT_READDIR))
		return NULL;
	if (!real_readdir)
		find_readdir();
	return real_readdir(dir);
}

EXPORT struct dirent64 *readdir64(DIR *dir)
{
	if (hit(TJ_FAULT_READDIR))
		return NULL;
	if (!real_readdir64)
		find_readdir();
	return real_readdir64(dir);
}

EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	if (hit(TJ_FAULT_UNLINKAT))
		return -1;
	return (int)syscall(SYS_unlinkat, dirfd, path, flags);
}

EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	if (hit(TJ_FAULT_MKDIRAT))
		return -1;
	return (int)syscall(SYS_mkdirat, dirfd, path, mode);
}

EXPORT ssize_t read(int fd, void *buffer, size_t size)
{
	if (hit(TJ_FAULT_READ))
		return -1;
	return syscall(SYS_read, fd, buffer, size);
}

EXPORT void *malloc(size_t size)
{
	return hit(TJ_FAULT_MALLOC) ? NULL : __libc_malloc(size);
}

EXPORT void *calloc(size_t count, size_t size)
{
	return hit(TJ_FAULT_MALLOC) ? NULL : __libc_calloc(count, size);
}

EXPORT void *realloc(void *old, size_t size)
{
	return hit(TJ_FAULT_MALLOC) ? NULL : __libc_realloc(old, size);
}
