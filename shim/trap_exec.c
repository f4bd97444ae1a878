/* SPDX-License-Identifier: MIT */
/*
 * The trap for children (docs/trap.md): a dynamic program the shim runs
 * in may exec one the shim cannot reach (static, Go, set-group-ID). Just
 * before such an exec the wrapper installs the launcher's trap filter in
 * this process -- the exec'd program and its descendants then stay
 * trapped -- and hands the new listener to the launcher's supervisor over
 * the Unix socket TMPJAIL_TRAP names (SCM_RIGHTS). Fails closed: a door
 * that cannot be reached refuses the exec rather than run it untrapped.
 * Raw system calls and the stack only: this may run in a vfork child.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
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

/* Most instructions of the filter read (the launcher's has about 150). */
#define FILTER_MAX 2048

/* TMPJAIL_TRAP: the directory holding "filter" and "socket"; "" for none. */
static char door[PATH_MAX - 16];

void shim_trap_configure(const char *value)
{
	size_t n = value ? strlen(value) : 0;
	if (n == 0 || value[0] != '/' || n >= sizeof(door)) {
		door[0] = '\0';
		return;
	}
	memcpy(door, value, n + 1);
}

/* "@dir/@name" into @out (PATH_MAX); @dir is shorter than door. */
static void door_file(const char *dir, const char *name, char *out)
{
	size_t n = strlen(dir), m = strlen(name);
	memcpy(out, dir, n);
	out[n] = '/';
	memcpy(out + n + 1, name, m + 1);
}

/* The filter's instructions into @insns. Their number, or -errno. */
static long read_filter(const char *dir, struct sock_filter *insns)
{
	char path[PATH_MAX];
	door_file(dir, "filter", path);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	long n = syscall(SYS_read, fd, insns, FILTER_MAX * sizeof(*insns));
	int err = errno;
	syscall(SYS_close, fd);
	if (n < 0)
		return -err;
	if (n == 0 || n % (long)sizeof(*insns) || n == (long)(FILTER_MAX * sizeof(*insns)))
		return -EINVAL;
	return n / (long)sizeof(*insns);
}

/* A socket connected to the door. The descriptor or -errno. */
static int connect_door(const char *dir)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(dir) + sizeof("/socket") > sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	door_file(dir, "socket", addr.sun_path);
	int sock = (int)syscall(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (syscall(SYS_connect, sock, &addr, sizeof(addr)) < 0) {
		int err = errno;
		syscall(SYS_close, sock);
		return -err;
	}
	return sock;
}

int shim_trap_exec(const char *path)
{
	/*
	 * The door named now, when the environment still names one: a nested
	 * launcher, which this shim was loaded into, has opened its own for
	 * the child it starts (and already trapped it with its own filter).
	 */
	const char *now = getenv("TMPJAIL_TRAP");
	const char *dir = now && now[0] == '/' && strlen(now) < sizeof(door) ? now : door;
	const char *why;
	if (!dir[0] || classify_program(path, &why) != CLASSIFY_TRAP)
		return 0;
	struct sock_filter insns[FILTER_MAX];
	long count = read_filter(dir, insns);
	if (count < 0)
		return -EACCES;
	/* The door first: nothing is installed when nobody would answer. */
	int sock = connect_door(dir);
	if (sock < 0)
		return -EACCES; /* refused as a program the run may not start */
	struct sock_fprog prog = {.len = (unsigned short)count, .filter = insns};
	int err = 0;
	if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err = -errno;
	long listener = err ? -1
			    : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				      SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	/* EBUSY: a filter of ours already has a listener -- trapped already. */
	if (!err && listener < 0 && errno != EBUSY)
		err = -errno;
	if (listener >= 0) {
		err = trap_send_listener(sock, 0, (int)listener);
		syscall(SYS_close, (int)listener);
	}
	syscall(SYS_close, sock);
	return err;
}
