/* SPDX-License-Identifier: MIT */
/*
 * The trap's door (docs/trap.md): how a shim that traps a child of a
 * dynamic program gets the filter and hands the new listener to the
 * supervisor. The door is an abstract Unix socket with a random name
 * (TMPJAIL_TRAP="@name"): nothing in the private root or on disk, so the
 * run's tree shows nothing of it. On each connection the supervisor sends
 * the filter's program (as seccomp_export_bpf() writes it: the shim loads
 * it with seccomp(2), no libseccomp in every process), and receives the
 * listener back. Only a peer of the launcher's own user (or root) is
 * served: the trust the command's own listener has.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trap_internal.h"

/*
 * The filter's program into trap->bpf. 0 or -errno. Exported in a child of
 * its own: libseccomp 2.5's seccomp_export_bpf() dereferences a failed
 * allocation (found by tests/fault: malloc failing crashed the launcher,
 * its root left behind).
 */
int trap_export(struct trap *trap, scmp_filter_ctx filter)
{
	int fd = memfd_create("tmpjail-trap-filter", MFD_CLOEXEC);
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
	ssize_t n = err ? 0 : pread(fd, trap->bpf, sizeof(trap->bpf), 0);
	if (!err && (n <= 0 || (size_t)n == sizeof(trap->bpf)))
		err = n < 0 ? -errno : -E2BIG;
	trap->bpf_len = err ? 0 : (size_t)n;
	close(fd);
	return err;
}

/* Listen on a fresh abstract name, into @name (its text, without the NUL). */
static int listen_fresh(char *name, size_t size)
{
	unsigned char random[8];
	if (getrandom(random, sizeof(random), 0) != sizeof(random))
		return -EIO;
	int len = snprintf(name, size, "tmpjail-trap-");
	for (size_t i = 0; i < sizeof(random); i++)
		len += snprintf(name + len, size - (size_t)len, "%02x", random[i]);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	memcpy(addr.sun_path + 1, name, (size_t)len); /* sun_path[0] = 0: abstract */
	socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
	int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -errno;
	if (bind(sock, (struct sockaddr *)&addr, addr_len) < 0 ||
	    listen(sock, TRAP_PENDING_MAX) < 0) {
		int err = -errno;
		close(sock);
		return err;
	}
	return sock;
}

int trap_open_door(struct trap *trap)
{
	char name[64], value[72];
	int sock = listen_fresh(name, sizeof(name));
	if (sock < 0)
		return sock;
	snprintf(value, sizeof(value), "@%s", name);
	if (setenv("TMPJAIL_TRAP", value, 1) < 0) {
		close(sock);
		return -errno;
	}
	trap->door = sock;
	return 0;
}

/* Is the peer on @conn of the launcher's user, or root? */
static bool trusted(int conn)
{
	struct ucred peer;
	socklen_t len = sizeof(peer);
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0)
		return false;
	return peer.uid == 0 || peer.uid == getuid() || peer.uid == geteuid();
}

void trap_door_accept(struct trap *trap)
{
	for (;;) {
		int conn = accept4(trap->door, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (conn < 0)
			return; /* EAGAIN: none left; anything else: the next poll says */
		/* Too many waiting at once, or a stranger: refused (the shim refuses the exec). */
		if (trap->npending == TRAP_PENDING_MAX || !trusted(conn) ||
		    send(conn, trap->bpf, trap->bpf_len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
			(ssize_t)trap->bpf_len) {
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
