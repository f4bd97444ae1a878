/* SPDX-License-Identifier: MIT */
/*
 * Handing a trap's listener to the launcher (docs/trap.md): one message,
 * a status and the descriptor (SCM_RIGHTS). Sent by the launcher's command
 * child and by the shim's exec wrappers; read by trap_receive() in the
 * launcher. Raw system calls only: the shim's side may run in a vfork child.
 */
#ifndef TMPJAIL_SHIM_TRAP_SEND_H
#define TMPJAIL_SHIM_TRAP_SEND_H

#include <linux/filter.h>

/*
 * trap_load() - in the process to be trapped: set no_new_privs, then load
 * the classic BPF program @insns (@count instructions) with a new
 * listener. The trap then holds for this process and all it execs.
 * Return: the listener, or -errno: -EBUSY when a filter of this process
 * has a listener already (it is trapped by an outer run's).
 */
int trap_load(const struct sock_filter *insns, unsigned short count);

/*
 * trap_send_listener() - send @status (0, or an errno number) and, when
 * @fd >= 0, the descriptor @fd over the Unix socket @sock.
 * Return: 0 or -errno.
 */
int trap_send_listener(int sock, int status, int fd);

#endif
