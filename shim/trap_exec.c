/* SPDX-License-Identifier: MIT */
/*
 * The trap for children (docs/trap.md): a dynamic program the shim runs
 * in may exec one the shim cannot reach (static, Go, set-group-ID). Just
 * before such an exec the wrapper installs the launcher's trap filter in
 * this process -- the exec'd program and its descendants then stay
 * trapped -- and hands the new listener to the launcher's supervisor over
 * the abstract Unix socket TMPJAIL_TRAP names ("@name"), which first sends
 * the filter's program (SCM_RIGHTS back). Fails closed: a door that cannot
 * be reached refuses the exec (EACCES) rather than run it untrapped.
 * Raw system calls and the stack only: this may run in a vfork child.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "classify.h"
#include "shim.h"
#include "trap_send.h"

/* Most instructions of the filter (launcher/trap_internal.h agrees). */
#define FILTER_MAX 2048

/* TMPJAIL_TRAP at load: "@name", the launcher's door (an abstract socket); "" for none. */
static char door[108];

void shim_trap_configure(const char *value)
{
	size_t n = value ? strlen(value) : 0;
	if (n < 2 || value[0] != '@' || n >= sizeof(door)) {
		door[0] = '\0';
		return;
	}
	memcpy(door, value, n + 1);
}

/* A socket connected to the door "@name". The descriptor or -errno. */
static int connect_door(const char *name)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t len = strlen(name + 1);
	if (len + 1 > sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path + 1, name + 1, len); /* sun_path[0] = 0: abstract */
	int sock = (int)syscall(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
	if (syscall(SYS_connect, sock, &addr, size) < 0) {
		int err = errno;
		syscall(SYS_close, sock);
		return -err;
	}
	return sock;
}

/* The filter's program, as the door sends it first. Its length in instructions, or -errno. */
static long receive_filter(int sock, struct sock_filter *insns)
{
	long n;
	do
		n = syscall(SYS_recvfrom, sock, insns, FILTER_MAX * sizeof(*insns), 0, NULL, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0 || n % (long)sizeof(*insns))
		return -EPROTO;
	return n / (long)sizeof(*insns);
}

/* TMPJAIL_TRAP's value in @envp, or NULL. */
static const char *door_in(char *const envp[])
{
	static const char var[] = "TMPJAIL_TRAP=";
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], var, sizeof(var) - 1) == 0)
			return envp[i] + sizeof(var) - 1;
	return NULL;
}

/*
 * The door for a child started with @envp: the one its environment names,
 * when it names one (a nested launcher, which this shim was loaded into,
 * has opened its own for the child it starts, and already trapped it with
 * its own filter), else the one named at load; "" for none.
 */
static const char *door_for(char *const envp[])
{
	const char *now = door_in(envp);
	return now && now[0] == '@' && now[1] && strlen(now) < sizeof(door) ? now : door;
}

bool shim_trap_needed(const char *path, char *const envp[])
{
	const char *why;
	return door_for(envp)[0] && classify_program(path, &why) == CLASSIFY_TRAP;
}

int shim_trap_exec(const char *path, char *const envp[])
{
	const char *name = door_for(envp);
	const char *why;
	if (!name[0] || classify_program(path, &why) != CLASSIFY_TRAP)
		return 0;
	/* The door first: nothing is installed when nobody would answer. */
	int sock = connect_door(name);
	if (sock < 0)
		return -EACCES; /* refused as a program the run may not start */
	struct sock_filter insns[FILTER_MAX];
	long count = receive_filter(sock, insns);
	if (count < 0) {
		syscall(SYS_close, sock);
		return -EACCES;
	}
	int listener = trap_load(insns, (unsigned short)count);
	/* EBUSY: a filter of ours already has a listener -- trapped already. */
	int err = listener == -EBUSY ? 0 : listener;
	if (listener >= 0) {
		err = trap_send_listener(sock, 0, listener);
		syscall(SYS_close, listener);
	}
	syscall(SYS_close, sock);
	return err;
}
