/* SPDX-License-Identifier: MIT */
/*
 * The name generator: random characters and the create-or-retry loop that
 * every creating function (and the shim's mkstemp family) is a thin layer
 * over.
 */
#define _GNU_SOURCE 1 /* Linux extensions here and in sys.h (O_PATH, getdents64) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
#define ALPHABET_SIZE (sizeof(alphabet) - 1)
/* Bytes at or above this would bias the draw: 256 - 256 % 37 = 222. */
#define UNBIASED_LIMIT (256 - 256 % ALPHABET_SIZE)

int tf_random_chars(char *dst, size_t len)
{
	unsigned char pool[64];
	size_t have = 0, used = 0;

	while (len > 0) {
		if (used == have) {
			ssize_t n = sys_getrandom(pool, sizeof(pool), 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			have = (size_t)n;
			used = 0;
			continue;
		}
		unsigned char byte = pool[used++];
		if (byte >= UNBIASED_LIMIT)
			continue;
		*dst++ = alphabet[byte % ALPHABET_SIZE];
		len--;
	}
	return 0;
}

/*
 * Make the just-created directory's mode exact: the umask may have cut it,
 * even to no owner read (umask 0777), so it is reached with an O_PATH fd,
 * which needs no permission on the directory itself.
 */
static int fix_dir_mode(int dirfd, const char *path, mode_t mode)
{
	struct stat st;
	if (sys_fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if ((st.st_mode & 07777) == mode)
		return 0;
	int fd = sys_openat(dirfd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = tf_chmod_opath(fd, mode);
	sys_close(fd);
	return r;
}

static int try_create(int dirfd, const char *path, enum tf_kind kind, int flags, mode_t mode)
{
	struct stat st;
	int fd, r;

	switch (kind) {
	case TF_KIND_FILE:
		fd = sys_openat(dirfd, path,
				flags | O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0)
			return -errno;
		/* One fchmod is as cheap as an fstat and always exact. */
		if (sys_fchmod(fd, mode) < 0) {
			r = -errno;
			sys_unlinkat(dirfd, path, 0);
			sys_close(fd);
			return r;
		}
		return fd;
	case TF_KIND_DIR:
		if (sys_mkdirat(dirfd, path, mode) < 0)
			return -errno;
		r = fix_dir_mode(dirfd, path, mode);
		if (r < 0)
			sys_unlinkat(dirfd, path, AT_REMOVEDIR);
		return r;
	case TF_KIND_NAME:
		if (sys_fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return -EEXIST;
		return errno == ENOENT ? 0 : -errno;
	}
	return -EINVAL;
}

int tf_create_in(int dirfd, char *path, size_t rand_at, size_t rand_len, enum tf_kind kind,
		 int flags, mode_t mode)
{
	if (mode == 0)
		mode = kind == TF_KIND_DIR ? 0700 : 0600;

	for (long attempt = 0; attempt < TMP_MAX; attempt++) {
		int r = tf_random_chars(path + rand_at, rand_len);
		if (r < 0)
			return r;
		r = try_create(dirfd, path, kind, flags, mode);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}
