/* SPDX-License-Identifier: MIT */
/*
 * open(2) and friends: variadic, so written by hand. The mode argument is
 * only there when the flags create a file (O_CREAT or O_TMPFILE); reading
 * it otherwise would take garbage from the caller's registers.
 */
#include <stdarg.h>

#include "shim.h"

static bool takes_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* What the audit records of a redirected open: its flags, and of a creating
 * one the mode asked for and the permissions the file got. Plain stores
 * after the call (errno untouched); an open of a path kept as it is pays
 * one branch. */
static inline void note_open(struct shim_call *call, int flags, mode_t mode)
{
	if (!call->any)
		return;
	call->note = SHIM_NOTE_FLAGS | (takes_mode(flags) ? SHIM_NOTE_MODE | SHIM_NOTE_PERM_FD : 0);
	call->flags = flags;
	call->mode = mode;
}

typedef int (*open_fn)(const char *path, int flags, ...);
typedef int (*openat_fn)(int dirfd, const char *path, int flags, ...);

static int open_common(open_fn real, const char *name, const char *path, int flags, mode_t mode)
{
	char buf[PATH_MAX];
	struct shim_call call = {.name = name};

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	if (shim_call_map(&call, 0, AT_FDCWD, &path, buf, 0) < 0)
		return SHIM_FAIL_M1(shim_call_refuse(&call, call.refused));
	int fd = real(path, flags, mode);
	note_open(&call, flags, mode);
	shim_call_end(&call, fd, errno);
	return fd;
}

static int openat_common(openat_fn real, const char *name, int dirfd, const char *path, int flags,
			 mode_t mode)
{
	char buf[PATH_MAX];
	struct shim_call call = {.name = name};

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	if (shim_call_map(&call, 0, dirfd, &path, buf, 0) < 0)
		return SHIM_FAIL_M1(shim_call_refuse(&call, call.refused));
	int fd = real(dirfd, path, flags, mode);
	note_open(&call, flags, mode);
	shim_call_end(&call, fd, errno);
	return fd;
}

#define READ_MODE(flags, mode)                          \
	do {                                            \
		if (takes_mode(flags)) {                \
			va_list ap;                     \
			va_start(ap, flags);            \
			mode = (mode_t)va_arg(ap, int); \
			va_end(ap);                     \
		}                                       \
	} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	READ_MODE(flags, mode);
	return open_common(SHIM_REAL(open), "open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	READ_MODE(flags, mode);
	return open_common(SHIM_REAL(open64), "open64", path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	READ_MODE(flags, mode);
	return openat_common(SHIM_REAL(openat), "openat", dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	READ_MODE(flags, mode);
	return openat_common(SHIM_REAL(openat64), "openat64", dirfd, path, flags, mode);
}
