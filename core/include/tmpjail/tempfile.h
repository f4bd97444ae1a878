/* SPDX-License-Identifier: MIT */
/*
 * libtmpjail — Python's tempfile module for C.
 *
 * Every public name starts with tf_. Functions follow the POSIX convention:
 * on failure they return -1 or NULL and set errno; they never print and never
 * exit. Everything they create is private to the calling user: files 0600,
 * directories 0700, whatever the umask. Names are made of random characters
 * from getrandom(2), never from the clock or the pid.
 *
 * Options are passed as a struct whose zero fields mean Python's defaults,
 * best written with designated initializers:
 *
 *     char *path;
 *     int fd = tf_mkstemp(&(struct tf_opts){ .prefix = "job-" }, &path);
 *
 * A NULL options pointer means "all defaults".
 *
 * All functions are thread-safe.
 */
#ifndef TMPJAIL_TEMPFILE_H
#define TMPJAIL_TEMPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TF_API __attribute__((visibility("default")))
#else
#define TF_API
#endif

/* Number of random characters in every generated name, as in Python. */
#define TF_RANDOM_CHARS 8

/*
 * Options shared by every creating function. Zero (or NULL) in any field
 * means Python's default for it.
 */
struct tf_opts {
	/* Appended to the random part. NULL: "". */
	const char *suffix;
	/* Put before the random part. NULL: tf_gettempprefix(), "tmp". */
	const char *prefix;
	/* Where to create. NULL: tf_gettempdir(). May be relative. */
	const char *dir;
	/*
	 * fopen(3)-style mode for functions returning a FILE *.
	 * NULL: "w+b", Python's default. "w", "w+", "a", "a+", "r+", "x",
	 * "x+", each optionally with "b" or "t" (no effect on POSIX), make
	 * sense for a new file; "r" alone cannot write and is rejected with
	 * EINVAL.
	 */
	const char *mode;
	/* tf_mkstemp(): Python's text flag. POSIX has no text mode, so it is
	 * accepted and has no effect, as on Python for POSIX. */
	bool text;
	/* Named files and directories: Python's delete=False. */
	bool keep;
	/* Named files: Python's delete_on_close=False (3.12). */
	bool keep_on_close;
	/* Directories: Python's ignore_cleanup_errors=True. */
	bool ignore_cleanup_errors;
};

/* ---- Locating the temporary directory ---------------------------------- */

/**
 * tf_gettempdir() - the directory used when tf_opts.dir is NULL.
 *
 * Python's rules: the candidates are $TMPDIR, $TEMP, $TMP (read with
 * secure_getenv(3), so set-id programs ignore them), then /tmp, /var/tmp,
 * /usr/tmp, then the current directory. Each is probed by creating, writing
 * and removing a file with a random name; the first usable one wins and is
 * made absolute. The answer is computed once and cached until
 * tf_set_tempdir().
 *
 * Return: an absolute path owned by the library (do not free; it stays
 * valid until exit), or NULL with errno ENOENT when no candidate is usable.
 */
TF_API const char *tf_gettempdir(void);

/**
 * tf_gettempdirb() - Python's bytes variant; in C the same string as
 * tf_gettempdir(). Return and errors as tf_gettempdir().
 */
TF_API const char *tf_gettempdirb(void);

/**
 * tf_gettempprefix() - the default name prefix, "tmp".
 *
 * Return: a static string; never NULL.
 */
TF_API const char *tf_gettempprefix(void);

/**
 * tf_gettempprefixb() - Python's bytes variant; the same string as
 * tf_gettempprefix().
 */
TF_API const char *tf_gettempprefixb(void);

/**
 * tf_set_tempdir() - Python's assignment to tempfile.tempdir.
 * @dir: the directory tf_gettempdir() returns from now on, used as given
 *       (made absolute, but not probed), or NULL to forget it so the next
 *       tf_gettempdir() searches the candidates again.
 *
 * Return: 0, or -1 with errno ENOMEM (copy failed) or an error of
 * getcwd(3) when @dir is relative.
 */
TF_API int tf_set_tempdir(const char *dir);

/* ---- Low-level creation ------------------------------------------------ */

/**
 * tf_mkstemp() - create a new file and open it, like Python's mkstemp().
 * @opts: suffix, prefix, dir, text; NULL for defaults.
 * @path: if not NULL, receives the absolute path (malloc'd; the caller
 *        frees it). Untouched on failure.
 *
 * The file is opened O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC with mode
 * 0600 whatever the umask. Names are retried only when the chosen one
 * exists, up to TMP_MAX times.
 *
 * Return: the file descriptor, or -1 with errno: EEXIST (TMP_MAX names
 * taken), EINVAL (prefix or suffix contains '/'), ENOENT, ENOTDIR, EACCES
 * and the other errors of openat(2), ENOMEM.
 */
TF_API int tf_mkstemp(const struct tf_opts *opts, char **path);

/**
 * tf_mkdtemp() - create a new directory, like Python's mkdtemp().
 * @opts: suffix, prefix, dir; NULL for defaults.
 *
 * The directory has mode 0700 whatever the umask.
 *
 * Return: its absolute path, even when opts->dir is relative (malloc'd;
 * the caller frees it), or NULL with errno as tf_mkstemp().
 */
TF_API char *tf_mkdtemp(const struct tf_opts *opts);

/**
 * tf_mktemp() - return a name that did not exist when it was checked,
 * like Python's deprecated mktemp().
 * @opts: suffix, prefix, dir; NULL for defaults.
 *
 * UNSAFE: another process may create the name before you do. Use
 * tf_mkstemp() or tf_mkdtemp() instead.
 *
 * Return: an absolute path (malloc'd), or NULL with errno as tf_mkstemp().
 */
TF_API char *tf_mktemp(const struct tf_opts *opts);

/* ---- TemporaryFile ------------------------------------------------------ */

/**
 * tf_temporary_fd() - an anonymous file with no name in the file system.
 * @opts: dir (suffix and prefix only matter for the fallback); NULL for
 *        defaults.
 *
 * Uses O_TMPFILE|O_EXCL with mode 0600 where the file system supports it,
 * otherwise (EISDIR, EOPNOTSUPP, ENOENT) creates a file with tf_mkstemp()
 * and unlinks it at once. Either way the directory can be removed while the
 * file is open.
 *
 * Return: a read-write file descriptor with O_CLOEXEC, or -1 with errno.
 */
TF_API int tf_temporary_fd(const struct tf_opts *opts);

/**
 * tf_temporary_file() - Python's TemporaryFile(): tf_temporary_fd() as a
 * stream.
 * @opts: mode ("w+b" by default) and the options of tf_temporary_fd().
 *
 * Return: a FILE * the caller closes with fclose(3), or NULL with errno
 * (EINVAL for a mode that cannot write a new file).
 */
TF_API FILE *tf_temporary_file(const struct tf_opts *opts);

/* ---- NamedTemporaryFile ------------------------------------------------- */

/* Opaque handle of a NamedTemporaryFile. */
struct tf_named;

/**
 * tf_named_open() - Python 3.12's NamedTemporaryFile().
 * @opts: mode, suffix, prefix, dir, keep (delete=False) and keep_on_close
 *        (delete_on_close=False).
 *
 * The file is made as by tf_mkstemp() and has a visible name
 * (tf_named_path()). Whether it is deleted follows Python's matrix:
 *   - default (delete, delete_on_close): deleted by tf_named_close();
 *   - keep_on_close: kept by tf_named_close(), deleted by tf_named_done();
 *   - keep: never deleted.
 * Before deleting, the library checks that the name still refers to the
 * file it created; a file substituted under that name is left alone.
 *
 * Return: a handle to release with tf_named_done(), or NULL with errno.
 */
TF_API struct tf_named *tf_named_open(const struct tf_opts *opts);

/**
 * tf_named_file() - the stream of a named temporary file.
 *
 * Return: the FILE *, owned by the handle (do not fclose it; use
 * tf_named_close()), or NULL after tf_named_close().
 */
TF_API FILE *tf_named_file(const struct tf_named *named);

/**
 * tf_named_path() - the absolute path of a named temporary file.
 *
 * Return: a string owned by the handle, valid until tf_named_done().
 */
TF_API const char *tf_named_path(const struct tf_named *named);

/**
 * tf_named_close() - Python's close(): close the stream and, unless keep or
 * keep_on_close was set, delete the file. Calling it again does nothing.
 *
 * Return: 0, or -1 with errno from fclose(3) or unlink(2); the stream is
 * closed either way.
 */
TF_API int tf_named_close(struct tf_named *named);

/**
 * tf_named_done() - the end of Python's with-block: close the stream if it
 * is open, delete the file unless keep was set, and free the handle.
 * @named: the handle, or NULL (does nothing).
 *
 * Return: 0, or -1 with errno of the first failure; the handle is freed
 * either way.
 */
TF_API int tf_named_done(struct tf_named *named);

/* ---- SpooledTemporaryFile ------------------------------------------------ */

/* Opaque handle of a SpooledTemporaryFile. */
struct tf_spooled;

/**
 * tf_spooled_open() - Python's SpooledTemporaryFile().
 * @max_size: data stays in memory while its size is at most @max_size; a
 *            write that makes it larger rolls it over to a
 *            tf_temporary_fd(). 0 means never roll over on size.
 * @opts: mode ("w+b" by default), and where the file goes on rollover.
 *
 * Content and position survive the rollover. The stream is a real FILE *
 * (tf_spooled_file()), so fprintf(3), fread(3) and fseek(3) just work.
 * Like every stdio stream it buffers: the size check happens when stdio
 * hands data to the spool, at the latest on fflush(3); tf_spooled_rolled()
 * flushes first.
 *
 * Return: a handle to release with tf_spooled_close(), or NULL with errno.
 */
TF_API struct tf_spooled *tf_spooled_open(size_t max_size, const struct tf_opts *opts);

/**
 * tf_spooled_file() - the stream of a spooled file, owned by the handle
 * (do not fclose it).
 */
TF_API FILE *tf_spooled_file(const struct tf_spooled *spooled);

/**
 * tf_spooled_rolled() - Python's _rolled: has the data moved to disk?
 * Flushes the stream first, so pending writes are counted.
 *
 * Return: true once rolled over.
 */
TF_API bool tf_spooled_rolled(struct tf_spooled *spooled);

/**
 * tf_spooled_rollover() - move the data to a file now, keeping content and
 * position. Does nothing when already rolled over.
 *
 * Return: 0, or -1 with errno (the data stays in memory then).
 */
TF_API int tf_spooled_rollover(struct tf_spooled *spooled);

/**
 * tf_spooled_fileno() - Python's fileno(): rolls over and returns the
 * file descriptor, owned by the handle.
 *
 * Return: the fd, or -1 with errno from the rollover.
 */
TF_API int tf_spooled_fileno(struct tf_spooled *spooled);

/**
 * tf_spooled_truncate() - Python's truncate(size): cut or extend the data
 * to @size bytes; a @size above max_size rolls over first (as in Python,
 * even when max_size is 0). The position is unchanged.
 *
 * Return: 0, or -1 with errno (EINVAL for a negative size).
 */
TF_API int tf_spooled_truncate(struct tf_spooled *spooled, off_t size);

/**
 * tf_spooled_close() - close the stream, drop the data, free the handle.
 * @spooled: the handle, or NULL (does nothing).
 *
 * Return: 0, or -1 with errno from fclose(3); the handle is freed either way.
 */
TF_API int tf_spooled_close(struct tf_spooled *spooled);

/* ---- TemporaryDirectory ------------------------------------------------- */

/* Opaque handle of a TemporaryDirectory. */
struct tf_tempdir;

/**
 * tf_tempdir_open() - Python's TemporaryDirectory().
 * @opts: suffix, prefix, dir, ignore_cleanup_errors, keep (delete=False).
 *
 * Return: a handle to release with tf_tempdir_done(), or NULL with errno
 * as tf_mkdtemp().
 */
TF_API struct tf_tempdir *tf_tempdir_open(const struct tf_opts *opts);

/**
 * tf_tempdir_path() - the absolute path of the directory, owned by the
 * handle.
 */
TF_API const char *tf_tempdir_path(const struct tf_tempdir *tempdir);

/**
 * tf_tempdir_cleanup() - Python's cleanup(): remove the directory and all
 * it holds with tf_rmtree(), whatever keep says. Calling it again, or after
 * the directory is gone, does nothing and succeeds.
 *
 * Return: 0, or -1 with errno of the first failure; with
 * ignore_cleanup_errors, always 0.
 */
TF_API int tf_tempdir_cleanup(struct tf_tempdir *tempdir);

/**
 * tf_tempdir_done() - the end of Python's with-block: tf_tempdir_cleanup()
 * unless keep was set, then free the handle.
 * @tempdir: the handle, or NULL (does nothing).
 *
 * Return: as tf_tempdir_cleanup(); the handle is freed either way.
 */
TF_API int tf_tempdir_done(struct tf_tempdir *tempdir);

/* ---- Secure removal ------------------------------------------------------ */

/* tf_rmtree() flags. */
enum {
	/* Empty the directory but keep the directory itself. */
	TF_RMTREE_CONTENTS_ONLY = 1 << 0,
};

/**
 * tf_rmtree() - remove a file or a directory tree, safely.
 * @path: what to remove. "/" is refused with EPERM.
 * @flags: 0 or TF_RMTREE_CONTENTS_ONLY.
 *
 * Works from the root's file descriptor with openat(2) and unlinkat(2):
 *   - never follows a symbolic link: a link is removed, its target is not
 *     touched, even when @path itself is a link;
 *   - never leaves the file system @path is on: a mount point below it is
 *     neither entered nor removed (EBUSY is reported);
 *   - fixes a directory it cannot read or empty (mode 000) through a file
 *     descriptor, and only when the caller owns it;
 *   - uses an explicit stack and a bounded number of file descriptors, so
 *     any depth and any path length is removed;
 *   - keeps going after an error and reports the first.
 * Only the last component of @path is never followed (trailing slashes are
 * ignored); with TF_RMTREE_CONTENTS_ONLY the kept directory gets its mode
 * back. Not async-signal-safe (it allocates its stack).
 *
 * Return: 0, or -1 with errno of the first failure: ENOENT when @path does
 * not exist; EPERM for "/" in any spelling; EINVAL for bad flags, or "." /
 * ".." without TF_RMTREE_CONTENTS_ONLY; ENOTDIR for CONTENTS_ONLY on a
 * non-directory (a link to one included); EBUSY for a mount point; ESTALE
 * when a directory was moved away during the removal.
 */
TF_API int tf_rmtree(const char *path, unsigned flags);

/**
 * tf_rmtree_at() - tf_rmtree() for @name relative to the directory fd
 * @dirfd (or AT_FDCWD). With a real @dirfd, @name must be a single
 * component (no '/'), so the removal cannot leave that directory; "." with
 * TF_RMTREE_CONTENTS_ONLY empties @dirfd itself.
 *
 * Return: as tf_rmtree(); also EINVAL for a '/' in @name with a real @dirfd.
 */
TF_API int tf_rmtree_at(int dirfd, const char *name, unsigned flags);

/* ---- Scope-bound use (GCC and Clang) ------------------------------------ */

/* Cleanup helpers for tf_scoped(); each takes a pointer to the variable. */
TF_API void tf_named_donep(struct tf_named **named);
TF_API void tf_spooled_closep(struct tf_spooled **spooled);
TF_API void tf_tempdir_donep(struct tf_tempdir **tempdir);
TF_API void tf_fclosep(FILE **file);
TF_API void tf_closep(int *fd);
TF_API void tf_freep(char **string);

/*
 * tf_scoped(kind) - Python's with-statement: the handle is released when
 * the variable goes out of scope, on every return path.
 *
 *     {
 *         tf_scoped(tempdir) struct tf_tempdir *dir = tf_tempdir_open(NULL);
 *         ...
 *     }   // tf_tempdir_done(dir) runs here
 *
 * kind is one of: named, spooled, tempdir, fclose (FILE *), close (int fd),
 * free (char *). A NULL handle (or fd -1) is ignored; errno is kept.
 */
#define tf_scoped(kind) __attribute__((cleanup(tf_scoped_##kind)))
#define tf_scoped_named tf_named_donep
#define tf_scoped_spooled tf_spooled_closep
#define tf_scoped_tempdir tf_tempdir_donep
#define tf_scoped_fclose tf_fclosep
#define tf_scoped_close tf_closep
#define tf_scoped_free tf_freep

#ifdef __cplusplus
}
#endif

#endif /* TMPJAIL_TEMPFILE_H */
