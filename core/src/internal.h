/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of libtmpjail: hidden symbols shared by the core's
 * files and by the shim, which links the core's static archive. Internal
 * functions return 0 or a result on success and -errno on failure; they
 * never allocate unless they say so.
 */
#ifndef TMPJAIL_CORE_INTERNAL_H
#define TMPJAIL_CORE_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "tmpjail/tempfile.h"

/* What tf_create_in() makes under the name it generates. */
enum tf_kind {
	TF_KIND_FILE, /* a file, opened; returns the fd */
	TF_KIND_DIR,  /* a directory, mode 0700 (unless told otherwise) */
	TF_KIND_NAME, /* nothing: only checks the name is free (mktemp) */
};

/*
 * tf_random_chars() - fill @dst[0..@len) with characters drawn uniformly
 * from [a-z0-9_] with getrandom(2). Async-signal-safe, no allocation.
 * Return: 0 or -errno.
 */
int tf_random_chars(char *dst, size_t len);

/*
 * tf_create_in() - the one name generator behind every creating function.
 * @dirfd: directory @path is relative to, or AT_FDCWD.
 * @path: a writable path whose bytes [@rand_at, @rand_at + @rand_len) are
 *        replaced with random characters on each try; on success they hold
 *        the name that was created.
 * @kind: what to create.
 * @flags: extra open(2) flags for TF_KIND_FILE (O_RDWR|O_CREAT|O_EXCL|
 *         O_NOFOLLOW|O_CLOEXEC are always used; O_APPEND, O_SYNC, ...).
 * @mode: permission bits, 0600 for files and 0700 for directories when 0.
 *        The exact bits are enforced whatever the umask.
 *
 * Retries on EEXIST only, up to TMP_MAX times. Async-signal-safe.
 * Return: the fd (TF_KIND_FILE), 0 (the others), or -errno.
 */
int tf_create_in(int dirfd, char *path, size_t rand_at, size_t rand_len, enum tf_kind kind,
		 int flags, mode_t mode);

/*
 * tf_build_path() - malloc "dir/prefix" + TF_RANDOM_CHARS placeholders +
 * suffix, with dir made absolute and defaults applied from @opts.
 * @rand_at: receives the offset of the placeholders.
 * Return: the path, or NULL with errno (EINVAL when prefix or suffix holds
 * a '/', ENOENT from tf_gettempdir(), ENOMEM).
 */
char *tf_build_path(const struct tf_opts *opts, size_t *rand_at);

/*
 * tf_parse_mode() - check a Python/fopen mode for a new file and turn it
 * into the fdopen(3) mode in @out ("w", "w+", "a", "a+", "r+"); NULL means
 * "w+b". Return: 0 or -EINVAL.
 */
int tf_parse_mode(const char *mode, char out[static 4]);

/*
 * tf_unlink_created() - unlink @path (relative to @dirfd) only if it still
 * names the file open as @fd; a file substituted under the name stays.
 * Return: 0 (also when the name is gone or is another file) or -errno.
 */
int tf_unlink_created(int dirfd, const char *path, int fd);

/* Cleared when O_TMPFILE turned out unsupported; tests clear it to reach the fallback. */
extern int tf_o_tmpfile_works;

/*
 * tf_chmod_opath() - chmod the inode an O_PATH fd holds, race-free:
 * fchmodat2(fd, "", AT_EMPTY_PATH) (Linux 6.6), else /proc/self/fd/N.
 * fchmod(2) refuses O_PATH fds, and a directory its umask left without
 * owner read cannot be opened any other way. Return: 0 or -errno.
 */
int tf_chmod_opath(int fd, mode_t mode);

/*
 * tf_remove_tree() - the secure remover behind tf_rmtree(); see there and
 * docs/remover.md. @name may hold '/' for any @dirfd. Its memory comes
 * from sys_realloc(): malloc(3) in the library, mmap(2) in the shim's raw
 * build, where it is async-signal-safe.
 * Return: 0 or -errno of the first failure.
 */
int tf_remove_tree(int dirfd, const char *name, unsigned flags);

/*
 * tf_same_mount() - are the fds @fd and @other_fd on the same mount? The
 * device and the mount id (statx(2), else /proc/self/fdinfo), as the
 * remover tells mounts apart; a mount id known for one side only is a
 * different mount. Return: 1 same, 0 not, or -errno.
 */
int tf_same_mount(int fd, int other_fd);

#endif /* TMPJAIL_CORE_INTERNAL_H */
