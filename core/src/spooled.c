/* SPDX-License-Identifier: MIT */
/*
 * Python's SpooledTemporaryFile(): a fopencookie(3) stream whose data lives
 * in a memory buffer until its size exceeds max_size, then in a
 * tf_temporary_fd(). The cookie functions run under the stream's lock, so
 * the public functions take that lock (flockfile) around anything that
 * touches the spool: a FILE * used from several threads stays consistent.
 *
 * stdio buffers on top of the cookie. Everything that needs the true state
 * (rollover, rolled, fileno, truncate) flushes first; fflush(3) on a stream
 * that was reading seeks the cookie back to the stream's position.
 */
#define _GNU_SOURCE 1 /* fopencookie */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

struct tf_spooled {
	FILE *file;
	size_t max_size; /* 0: never roll over on size */
	bool append;
	/* Where tf_temporary_fd() makes the file: copies of the caller's strings. */
	char *dir, *prefix, *suffix;
	/* In memory: data[0..size), position pos (may be beyond size). */
	char *data;
	size_t size, capacity;
	off_t pos;
	/* On disk: -1 until rolled over. */
	int fd;
};

/* Make room for @need bytes of data, zero-filling new space. Return: 0 or -errno. */
static int reserve(struct tf_spooled *spooled, size_t need)
{
	if (need <= spooled->capacity)
		return 0;
	size_t capacity = spooled->capacity ? spooled->capacity : 256;
	while (capacity < need)
		capacity = capacity > SIZE_MAX / 2 ? need : capacity * 2;
	char *data = realloc(spooled->data, capacity);
	if (!data)
		return -ENOMEM;
	memset(data + spooled->capacity, 0, capacity - spooled->capacity);
	spooled->data = data;
	spooled->capacity = capacity;
	return 0;
}

/* Write all of @buf to @fd. Return: 0 or -errno. */
static int write_all(int fd, const char *buf, size_t size)
{
	while (size > 0) {
		ssize_t n = sys_write(fd, buf, size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		size -= (size_t)n;
	}
	return 0;
}

/*
 * Move the data to a new anonymous file, keeping content and position. On
 * failure nothing changes: the data stays in memory. Caller holds the lock.
 */
static int move_to_file(struct tf_spooled *spooled)
{
	if (spooled->fd >= 0)
		return 0;
	struct tf_opts opts = {
	    .dir = spooled->dir,
	    .prefix = spooled->prefix,
	    .suffix = spooled->suffix,
	};
	int fd = tf_temporary_fd(&opts);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, spooled->data, spooled->size);
	if (r == 0 && sys_lseek(fd, spooled->pos, SEEK_SET) < 0)
		r = -errno;
	if (r < 0) {
		sys_close(fd);
		return r;
	}
	free(spooled->data);
	spooled->data = NULL;
	spooled->size = spooled->capacity = 0;
	spooled->fd = fd;
	return 0;
}

static ssize_t spool_read(void *cookie, char *buf, size_t size)
{
	struct tf_spooled *spooled = cookie;
	if (spooled->fd >= 0)
		return sys_read(spooled->fd, buf, size);
	if ((size_t)spooled->pos >= spooled->size)
		return 0;
	size_t left = spooled->size - (size_t)spooled->pos;
	if (size > left)
		size = left;
	memcpy(buf, spooled->data + spooled->pos, size);
	spooled->pos += (off_t)size;
	return (ssize_t)size;
}

/* fopencookie's write: the count written, 0 with errno on failure. */
static ssize_t spool_write(void *cookie, const char *buf, size_t size)
{
	struct tf_spooled *spooled = cookie;
	int r = 0;

	if (size == 0)
		return 0;
	if (spooled->append && spooled->fd < 0)
		spooled->pos = (off_t)spooled->size;
	if (spooled->fd < 0 && (size_t)spooled->pos > SIZE_MAX - size) {
		errno = EFBIG;
		return 0;
	}
	size_t end = (size_t)spooled->pos + size;
	if (spooled->fd < 0 && spooled->max_size && end > spooled->max_size)
		r = move_to_file(spooled);
	if (r == 0 && spooled->fd >= 0) {
		if (spooled->append && sys_lseek(spooled->fd, 0, SEEK_END) < 0)
			return 0;
		r = write_all(spooled->fd, buf, size);
	} else if (r == 0 && (r = reserve(spooled, end)) == 0) {
		/* reserve() zero-filled: a gap after a seek past the end reads as 0. */
		memcpy(spooled->data + spooled->pos, buf, size);
		spooled->pos = (off_t)end;
		if (end > spooled->size)
			spooled->size = end;
	}
	if (r < 0) {
		errno = -r;
		return 0;
	}
	return (ssize_t)size;
}

static int spool_seek(void *cookie, off64_t *offset, int whence)
{
	struct tf_spooled *spooled = cookie;
	if (spooled->fd >= 0) {
		off_t at = sys_lseek(spooled->fd, *offset, whence);
		if (at < 0)
			return -1;
		*offset = at;
		return 0;
	}
	off64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? spooled->pos
		       : whence == SEEK_END ? (off64_t)spooled->size
					    : -1;
	if (base < 0 || (*offset > 0 && base > INT64_MAX - *offset) || base + *offset < 0) {
		errno = EINVAL;
		return -1;
	}
	spooled->pos = base + *offset;
	*offset = spooled->pos;
	return 0;
}

static int spool_close(void *cookie)
{
	struct tf_spooled *spooled = cookie;
	int r = 0;
	if (spooled->fd >= 0 && sys_close(spooled->fd) < 0)
		r = -1;
	spooled->fd = -1;
	free(spooled->data);
	spooled->data = NULL;
	spooled->size = spooled->capacity = 0;
	return r;
}

static void free_spooled(struct tf_spooled *spooled)
{
	free(spooled->data);
	free(spooled->dir);
	free(spooled->prefix);
	free(spooled->suffix);
	free(spooled);
}

/* strdup(3) that keeps NULL. Return: false when out of memory. */
static bool copy_option(char **out, const char *value)
{
	*out = value ? strdup(value) : NULL;
	return !value || *out;
}

struct tf_spooled *tf_spooled_open(size_t max_size, const struct tf_opts *opts)
{
	char mode[4];
	int r = tf_parse_mode(opts ? opts->mode : NULL, mode);
	if (r == 0 && opts &&
	    ((opts->prefix && strchr(opts->prefix, '/')) ||
	     (opts->suffix && strchr(opts->suffix, '/'))))
		r = -EINVAL; /* found now, not at an unexpected rollover */
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	struct tf_spooled *spooled = calloc(1, sizeof(*spooled));
	if (!spooled)
		return NULL;
	spooled->fd = -1;
	spooled->max_size = max_size;
	spooled->append = mode[0] == 'a';
	if (!opts ||
	    (copy_option(&spooled->dir, opts->dir) && copy_option(&spooled->prefix, opts->prefix) &&
	     copy_option(&spooled->suffix, opts->suffix)))
		spooled->file = fopencookie(spooled, mode,
					    (cookie_io_functions_t){
						.read = spool_read,
						.write = spool_write,
						.seek = spool_seek,
						.close = spool_close,
					    });
	if (!spooled->file) {
		int err = errno;
		free_spooled(spooled);
		errno = err;
		return NULL;
	}
	return spooled;
}

FILE *tf_spooled_file(const struct tf_spooled *spooled)
{
	return spooled->file;
}

/* fflush(3) then roll over, under the stream's lock. Return: 0 or -errno. */
static int rollover_locked(struct tf_spooled *spooled)
{
	if (fflush(spooled->file) != 0)
		return -errno;
	return move_to_file(spooled);
}

bool tf_spooled_rolled(struct tf_spooled *spooled)
{
	flockfile(spooled->file);
	fflush(spooled->file);
	bool rolled = spooled->fd >= 0;
	funlockfile(spooled->file);
	return rolled;
}

int tf_spooled_rollover(struct tf_spooled *spooled)
{
	flockfile(spooled->file);
	int r = rollover_locked(spooled);
	funlockfile(spooled->file);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

int tf_spooled_fileno(struct tf_spooled *spooled)
{
	flockfile(spooled->file);
	int r = rollover_locked(spooled);
	if (r == 0) {
		/* After the flush, the stream's position is the cookie's. */
		off_t at = ftello(spooled->file);
		if (at < 0 || sys_lseek(spooled->fd, at, SEEK_SET) < 0)
			r = -errno;
		else
			r = spooled->fd;
	}
	funlockfile(spooled->file);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

/* Cut or extend the data in memory to @size; the position stays. */
static int truncate_memory(struct tf_spooled *spooled, size_t size)
{
	if (size > spooled->size) {
		int r = reserve(spooled, size);
		if (r < 0)
			return r;
	} else if (size < spooled->size) {
		/* Zero what is cut, so a later extension reads zeros. */
		memset(spooled->data + size, 0, spooled->size - size);
	}
	spooled->size = size;
	return 0;
}

int tf_spooled_truncate(struct tf_spooled *spooled, off_t size)
{
	if (size < 0) {
		errno = EINVAL;
		return -1;
	}
	flockfile(spooled->file);
	int r = fflush(spooled->file) != 0 ? -errno : 0;
	if (r == 0 && spooled->fd < 0 && (uintmax_t)size > spooled->max_size)
		r = move_to_file(spooled);
	if (r == 0 && spooled->fd >= 0)
		r = sys_ftruncate(spooled->fd, size) < 0 ? -errno : 0;
	else if (r == 0 && (uintmax_t)size > SIZE_MAX)
		r = -EFBIG;
	else if (r == 0)
		r = truncate_memory(spooled, (size_t)size);
	funlockfile(spooled->file);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

int tf_spooled_close(struct tf_spooled *spooled)
{
	if (!spooled)
		return 0;
	int r = fclose(spooled->file);
	int err = errno;
	free_spooled(spooled);
	errno = err;
	return r == 0 ? 0 : -1;
}
