/* SPDX-License-Identifier: MIT */
/*
 * The trap's filter and its hand-over: which calls notify, how the child
 * loads the filter and gives its listener to the launcher.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "trap.h"
#include "trap_internal.h"
#include "trap_send.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * The calls the supervisor answers (trap_calls.c has one case each).
 * Names, not numbers: a name this architecture or this libseccomp does
 * not know is skipped (open and stat exist on x86_64, not on aarch64).
 */
static const char *const trapped[] = {
    "open",	  "openat",	"openat2",     "creat",	       "stat",	     "lstat",
    "newfstatat", "statx",	"access",      "faccessat",    "faccessat2", "mkdir",
    "mkdirat",	  "unlink",	"unlinkat",    "rmdir",	       "rename",     "renameat",
    "renameat2",  "link",	"linkat",      "symlink",      "symlinkat",  "readlink",
    "readlinkat", "chmod",	"fchmodat",    "fchmodat2",    "chown",	     "lchown",
    "fchownat",	  "utimensat",	"utime",       "utimes",       "futimesat",  "truncate",
    "mknod",	  "mknodat",	"getxattr",    "lgetxattr",    "setxattr",   "lsetxattr",
    "listxattr",  "llistxattr", "removexattr", "lremovexattr", "statfs",     "inotify_add_watch",
    "chdir",	  "getcwd",	"execve",      "execveat",     "bind",	     "connect",
};

scmp_filter_ctx trap_filter_build(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		errno = ENOMEM;
		return NULL;
	}
	/*
	 * Another architecture's entry point (i386 int 0x80, x32) has other
	 * numbers: those calls are not trapped, rather than killed (a
	 * --seccomp preset kills them; docs/trap.md).
	 */
	int err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	for (size_t i = 0; !err && i < sizeof(trapped) / sizeof(trapped[0]); i++) {
		int nr = seccomp_syscall_resolve_name(trapped[i]);
		if (nr >= 0)
			err = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
	}
	/*
	 * A process that makes itself non-dumpable (ssh-agent) could no
	 * longer be read by an unprivileged supervisor (the ptrace check of
	 * process_vm_readv): the request is answered 0 and not done
	 * (docs/trap.md says what that costs).
	 */
	int prctl_nr = seccomp_syscall_resolve_name("prctl");
	if (!err && prctl_nr >= 0)
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(0), prctl_nr, 2,
				       SCMP_A0(SCMP_CMP_EQ, PR_SET_DUMPABLE),
				       SCMP_A1(SCMP_CMP_EQ, 0));
	/* Runtimes fall back to system calls when io_uring is not there. */
	int uring = seccomp_syscall_resolve_name("io_uring_setup");
	if (!err && uring >= 0)
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), uring, 0);
	if (err) {
		seccomp_release(ctx);
		errno = -err;
		return NULL;
	}
	return ctx;
}

int trap_install(const struct trap *trap, int sock)
{
	int listener = trap_load(trap->bpf, (unsigned short)(trap->bpf_len / sizeof(trap->bpf[0])));
	/* Loaded but unable to hand the listener over, every trapped call
	 * would wait for an answer nobody gives: the caller fails. */
	int sent = trap_send_listener(sock, listener < 0 ? -listener : 0, listener);
	if (listener >= 0)
		close(listener);
	return listener < 0 ? listener : sent;
}

int trap_receive(int sock, bool wait)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	int status = 0;
	struct iovec iov = {.iov_base = &status, .iov_len = sizeof(status)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | (wait ? 0 : MSG_DONTWAIT));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != sizeof(status))
		return -EPIPE;
	int fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (status) {
		if (fd >= 0)
			close(fd);
		return status > 0 ? -status : -EPROTO;
	}
	return fd >= 0 ? fd : -EPROTO;
}
