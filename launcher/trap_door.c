/* SPDX-License-Identifier: MIT */
/*
 * The trap's door (docs/trap.md): how a shim that traps a child of a
 * dynamic program hands the new listener to the supervisor. In the
 * private root, @root/.trap/ holds the filter's program ("filter", as
 * seccomp_export_bpf() writes it: the shim loads it with seccomp(2), no
 * libseccomp in every process) and a listening Unix socket ("socket"). The
 * root is the user's, mode 0700: only the run's own user (or root) can
 * reach the door, which is the trust the command's own listener has.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trap_internal.h"

/*
 * Write the filter's program to @dir_fd/filter. 0 or -errno. In a child of
 * its own: libseccomp 2.5's seccomp_export_bpf() dereferences a failed
 * allocation (found by tests/fault: malloc failing crashed the launcher,
 * its root left behind).
 */
static int write_filter(int dir_fd, scmp_filter_ctx filter)
{
	int fd =
	    openat(dir_fd, "filter", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	pid_t pid = fork();
	if (pid == 0)
		_exit(seccomp_export_bpf(filter, fd) == 0 ? 0 : 1);
	int err = pid < 0 ? -errno : 0, status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		err = -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

/* Listen on @path. The socket (non-blocking, close-on-exec) or -errno. */
static int listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -errno;
	if (bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(sock, TRAP_PENDING_MAX) < 0) {
		int err = -errno;
		close(sock);
		return err;
	}
	return sock;
}

int trap_open_door(struct trap *trap, const char *root, scmp_filter_ctx filter)
{
	char dir[PATH_MAX], socket_path[PATH_MAX + 8];
	if (snprintf(dir, sizeof(dir), "%s/.trap", root) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(socket_path, sizeof(socket_path), "%s/socket", dir);
	if (mkdir(dir, 0700) < 0)
		return -errno;
	int dir_fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int err = dir_fd < 0 ? -errno : write_filter(dir_fd, filter);
	if (dir_fd >= 0)
		close(dir_fd);
	int sock = err ? err : listen_at(socket_path);
	if (sock < 0)
		return sock;
	if (setenv("TMPJAIL_TRAP", dir, 1) < 0) {
		close(sock);
		return -errno;
	}
	trap->door = sock;
	return 0;
}

void trap_door_accept(struct trap *trap)
{
	for (;;) {
		int conn = accept4(trap->door, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (conn < 0)
			return; /* EAGAIN: none left; anything else: the next poll says */
		/* Too many waiting at once: this one's exec then fails (EPIPE), closed. */
		if (trap->npending == TRAP_PENDING_MAX) {
			close(conn);
			continue;
		}
		trap->pending[trap->npending++] = conn;
	}
}

void trap_door_receive(struct trap *trap, size_t index)
{
	int conn = trap->pending[index];
	int listener = trap_receive(conn, false);
	if (listener == -EAGAIN)
		return; /* its message is still on the way */
	trap->pending[index] = trap->pending[--trap->npending];
	close(conn);
	if (listener < 0)
		return;
	if (trap_add_listener(trap, listener) < 0 && trap->verbose)
		fputs("tmpjail: trap: too many trapped trees at once: one is refused\n", stderr);
	else if (trap->verbose)
		fputs("tmpjail: trap: a child trapped by the shim\n", stderr);
}

int trap_door_waiting(const struct trap *trap)
{
	return trap && !trap->running ? trap->door : -1;
}

void trap_close_door(struct trap *trap)
{
	if (trap->door < 0)
		return;
	for (int conn; (conn = accept4(trap->door, NULL, NULL, SOCK_CLOEXEC)) >= 0;)
		close(conn);
	close(trap->door);
	trap->door = -1;
}
