/* SPDX-License-Identifier: MIT */
/*
 * The launcher's supervision of the command's process tree: a child
 * subreaper that forwards signals through a signalfd and waits until every
 * descendant has exited (bubblewrap's model).
 */
#ifndef TMPJAIL_LAUNCHER_SUPERVISE_H
#define TMPJAIL_LAUNCHER_SUPERVISE_H

#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>

#include "trap.h"

/* What the child installs between fork and exec. */
struct supervise_child {
	char *const *argv;	     /* the command; argv[0] is looked up in PATH */
	scmp_filter_ctx seccomp;     /* filter to load, or NULL */
	int seal_fd;		     /* Landlock ruleset to apply, or -1 */
	const struct rlimit *nofile; /* RLIMIT_NOFILE to give back to the command, or NULL */
	bool trap_command;	     /* load trap's filter last (trap_install()) */
	struct trap *trap;	     /* its supervisor, served while the tree runs */
};

/*
 * supervise_signals_open() - block SIGCHLD and every signal the launcher
 * forwards, and return a signalfd reading them. Call it first thing, so a
 * Ctrl-C during set-up is seen rather than killing the launcher with its
 * root still on disk (setup.h). SIGCHLD's disposition is reset to the
 * default, since an inherited SIG_IGN would make the kernel reap the tree
 * behind our back. SIGPIPE and SIGXFSZ are ignored: the launcher's own
 * output failing must not end it. The command gets back the dispositions of
 * all three as the launcher inherited them, and @old_mask.
 * @old_mask: receives the mask to restore in the command.
 * Return: the signalfd (O_CLOEXEC) or -errno.
 */
int supervise_signals_open(sigset_t *old_mask);

/*
 * supervise_run() - run the command and wait for its whole tree.
 * @child: what to exec and how to confine it.
 * @signal_fd: from supervise_signals_open().
 * @child_mask: the signal mask the command starts with.
 * @verbose: narrate on stderr.
 *
 * Makes the launcher a child subreaper, notes the children it already had
 * (they are not part of the command's tree), forks and execs the command,
 * forwards signals, and returns once the command and every descendant left
 * (orphans and setsid daemons included) have exited.
 * Return: the exit status for the launcher: the command's, 128+N when it
 * died of signal N, 126/127 when it could not be executed or found, 125
 * when the launcher could not start it.
 */
int supervise_run(const struct supervise_child *child, int signal_fd, const sigset_t *child_mask,
		  bool verbose);

#endif
