/* SPDX-License-Identifier: MIT */
/* Set-up's side of the launcher's signals, and files read during set-up: see setup.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "setup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

/* One read(2) at most: what is read between two looks at the signalfd. */
#define READ_CHUNK (64 * 1024)

bool setup_ends_run(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

/*
 * Whether @sig was ignored when the launcher started (nohup, a background
 * job of sh): the launcher never changes the disposition of a termination
 * signal, and a blocked signal reaches the signalfd even when ignored.
 */
static bool inherited_ignored(int sig)
{
	struct sigaction action;
	return sigaction(sig, NULL, &action) == 0 && action.sa_handler == SIG_IGN;
}

/* Read one pending signal (the caller saw the signalfd readable). */
static void take_signal(struct setup_signals *signals)
{
	struct signalfd_siginfo info;
	if (read(signals->fd, &info, sizeof(info)) != sizeof(info))
		return;
	int sig = (int)info.ssi_signo;
	/* Natively the command would ignore it: so does set-up. */
	if (setup_ends_run(sig) && !inherited_ignored(sig) && !signals->caught)
		signals->caught = sig;
}

int setup_interrupted(struct setup_signals *signals)
{
	if (!signals || signals->fd < 0)
		return 0;
	struct pollfd ready = {.fd = signals->fd, .events = POLLIN};
	while (!signals->caught && poll(&ready, 1, 0) == 1 && (ready.revents & POLLIN))
		take_signal(signals);
	return signals->caught;
}

int setup_open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Wait until @fd can be read or a termination signal arrives.
 * Return: 0 (read @fd now), -EINTR, or -errno of poll(2).
 */
static int wait_readable(int fd, struct setup_signals *signals)
{
	struct pollfd ready[2] = {{.fd = fd, .events = POLLIN},
				  {.fd = signals ? signals->fd : -1, .events = POLLIN}};
	for (;;) {
		if (setup_interrupted(signals))
			return -EINTR;
		if (poll(ready, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno; /* ENOMEM: an error, never a loop or an end */
		}
		if (ready[1].revents)
			continue; /* a signal: taken at the top */
		if (ready[0].revents)
			return 0; /* data, end of file (POLLHUP) or an error for read(2) */
	}
}

/* Make room in *@buf for @want more bytes after @used, within @limit in all. */
static int grow(char **buf, size_t *size, size_t used, size_t want, size_t limit)
{
	if (used + want <= *size)
		return 0;
	size_t size_new = *size ? *size : 16 * 1024;
	while (size_new < used + want)
		size_new *= 2;
	if (size_new > limit)
		size_new = limit;
	char *bigger = realloc(*buf, size_new);
	if (!bigger)
		return -ENOMEM;
	*buf = bigger;
	*size = size_new;
	return 0;
}

int setup_read_fd(int fd, size_t max, struct setup_signals *signals, char **text, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/* A regular file says its size; /proc and devices say 0 and are read. */
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max)
		return -EFBIG;
	/* Room for one byte beyond @max, which tells "too big", and the NUL. */
	size_t limit = max + 2, used = 0, size = 0;
	char *buf = NULL;
	int err = 0;
	for (;;) {
		err = wait_readable(fd, signals);
		size_t want = limit - 1 - used < READ_CHUNK ? limit - 1 - used : READ_CHUNK;
		if (!err)
			err = grow(&buf, &size, used, want + 1, limit);
		if (err)
			break;
		ssize_t n = read(fd, buf + used, want);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break; /* end of file, and only this is */
		used += (size_t)n;
		if (used > max) {
			err = -EFBIG;
			break;
		}
	}
	if (err) {
		free(buf);
		return err;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[used] = '\0';
	*text = buf;
	*len = used;
	return 0;
}
