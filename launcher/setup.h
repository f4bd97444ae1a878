/* SPDX-License-Identifier: MIT */
/*
 * Set-up's side of the launcher's signals. From its first instruction the
 * launcher takes SIGINT, SIGTERM, SIGHUP and SIGQUIT from a signalfd
 * (supervise_signals_open()), so they never kill it with a root on disk.
 * During set-up nothing reads that signalfd unless set-up itself does: every
 * step that may wait on something outside the launcher's control (a policy
 * file that is a FIFO, a terminal, /dev/urandom) waits with poll() on the
 * signalfd too, and every bounded step is followed by a look at it. A
 * termination signal then ends set-up, which undoes what it made and exits
 * with 128+N. docs/launcher.md, "Interrupting set-up".
 */
#ifndef TMPJAIL_LAUNCHER_SETUP_H
#define TMPJAIL_LAUNCHER_SETUP_H

#include <stdbool.h>
#include <stddef.h>

/* The signalfd as set-up sees it. */
struct setup_signals {
	int fd;	    /* from supervise_signals_open(); -1: nothing to watch */
	int caught; /* the termination signal that ended set-up, or 0 */
};

/*
 * setup_ends_run() - whether @sig is one of the termination signals
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT): before the command starts they end
 * the run; while it runs they are forwarded and, after it exited, sent to
 * what is left of its tree.
 */
bool setup_ends_run(int sig);

/*
 * setup_interrupted() - read every signal pending on @signals without
 * waiting. A termination signal the launcher inherited ignored (nohup)
 * is dropped, as the command would ignore it. The others (SIGCHLD of a
 * child the launcher had before it
 * started, SIGWINCH, ...) mean nothing before the command exists and are
 * dropped. @signals may be NULL.
 * Return: the termination signal caught (now or earlier), or 0.
 */
int setup_interrupted(struct setup_signals *signals);

/*
 * setup_open_file() - open @path for reading as a file read during set-up
 * is: O_NONBLOCK, so that a FIFO without a writer, a terminal or a device
 * never blocks the open (nor the reads, which setup_read_fd() polls), and
 * O_NOCTTY, so that a terminal never becomes the launcher's.
 * Return: an O_CLOEXEC fd, or -errno of open(2).
 */
int setup_open_file(const char *path);

/*
 * setup_read_fd() - read all of @fd into memory, in bounded chunks, each
 * after poll() on @fd and the signalfd, so an endless or silent file (a
 * FIFO that never gets data, /dev/urandom) can always be interrupted.
 * @fd: from setup_open_file(); not closed.
 * @max: the largest size accepted; one byte more is -EFBIG.
 * @signals: watched while waiting; NULL: only @fd is.
 * @text: receives the contents followed by a NUL (malloc'd).
 * @len: receives their length, without the NUL.
 *
 * End of file is a read(2) of 0 bytes and nothing else: every error of
 * read(2) is returned as an error. @text and @len are untouched on failure.
 * Return: 0; -EINTR when a termination signal arrived (@signals->caught);
 * -EFBIG above @max; -EISDIR for a directory; -ENOMEM; or -errno of
 * read(2) or poll(2).
 */
int setup_read_fd(int fd, size_t max, struct setup_signals *signals, char **text, size_t *len);

#endif
