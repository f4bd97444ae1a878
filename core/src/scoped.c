/* SPDX-License-Identifier: MIT */
/*
 * The cleanup helpers behind tf_scoped(): Python's with-statement for
 * GCC and Clang. Each takes a pointer to the variable going out of scope,
 * ignores an empty one (NULL, fd -1) and keeps errno, so an early
 * "return -1" with errno set reaches the caller intact.
 */
#define _GNU_SOURCE 1 /* sys.h: statx, getdents64 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "sys.h"

void tf_named_donep(struct tf_named **named)
{
	if (named && *named) {
		int err = errno;
		tf_named_done(*named);
		*named = NULL;
		errno = err;
	}
}

void tf_spooled_closep(struct tf_spooled **spooled)
{
	if (spooled && *spooled) {
		int err = errno;
		tf_spooled_close(*spooled);
		*spooled = NULL;
		errno = err;
	}
}

void tf_tempdir_donep(struct tf_tempdir **tempdir)
{
	if (tempdir && *tempdir) {
		int err = errno;
		tf_tempdir_done(*tempdir);
		*tempdir = NULL;
		errno = err;
	}
}

void tf_fclosep(FILE **file)
{
	if (file && *file) {
		int err = errno;
		fclose(*file);
		*file = NULL;
		errno = err;
	}
}

void tf_closep(int *fd)
{
	if (fd && *fd >= 0) {
		int err = errno;
		sys_close(*fd);
		*fd = -1;
		errno = err;
	}
}

void tf_freep(char **string)
{
	if (string && *string) {
		int err = errno;
		free(*string);
		*string = NULL;
		errno = err;
	}
}
