/* SPDX-License-Identifier: MIT */
/*
 * The operations the sandbox tests try: one table shared by the statically
 * linked probe tj_probe (run under the launcher) and the unit tests (run
 * in a forked child after installing a filter or a seal), so that both ask
 * the kernel exactly the same thing.
 */
#ifndef TMPJAIL_TESTS_PROBE_OPS_H
#define TMPJAIL_TESTS_PROBE_OPS_H

/*
 * probe_run() - try operation @argv[0] with its arguments @argv[1..].
 * Operations: ptrace, process_vm_readv, bpf, perf_event_open, userfaultfd,
 * mount, unshare-user, clone-newns, setns, unshare-fs, keyctl, io_uring_setup,
 * clone3, tiocsti, tiocsti-high, thread, fork-exec, socket FAMILY,
 * socketpair FAMILY (FAMILY: unix, inet, inet6, netlink), i386-getpid,
 * x32-getpid, create PATH, mkdir PATH, symlink PATH, write PATH, truncate
 * PATH, unlink PATH, mkfifo PATH, rename FROM TO, link FROM TO, read PATH,
 * io_uring-create PATH.
 * Return: 0 when the kernel did it, the errno it answered with, or -1 for
 * an unknown operation or missing argument.
 */
int probe_run(int argc, char **argv);

/* probe_errno_name() - "EPERM" for EPERM, "ok" for 0, else the number. */
const char *probe_errno_name(int error);

#endif
