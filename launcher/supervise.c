/* SPDX-License-Identifier: MIT */
/*
 * Supervising the command's tree: the launcher is a child subreaper, takes
 * its signals from a signalfd, forwards them, and waits until the command
 * and every descendant re-parented to it have exited.
 *
 * Children the launcher had before it started are not part of that tree.
 * A shell runs `tmpjail -- cmd 2> >(tee log)` by forking, starting tee from
 * the fork and then exec'ing tmpjail there: tee is our child, and it waits
 * for EOF on our own stderr. Waiting for it would deadlock, signalling it
 * would kill the user's logger. Such children are read from
 * /proc/self/task/TID/children before the command is forked, reaped
 * silently when they exit, and neither waited for nor signalled. Without
 * /proc (or without CONFIG_PROC_CHILDREN) they cannot be told apart: every
 * child is waited for, and after the command exited signals reach nobody.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "supervise.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "setup.h"

/* Signals forwarded to the command; the first four also end the tree. */
static const int forwarded[] = {SIGINT,	 SIGTERM, SIGHUP,   SIGQUIT,
				SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

/*
 * Signals the launcher's own output may raise: a closed pipe on stderr
 * (`tmpjail -v -- cmd 2>&1 | head -1`) or a file beyond RLIMIT_FSIZE. The
 * launcher ignores them, so that a failed message is only a failed message
 * and never ends the supervision and removal of the root; the command gets
 * back the dispositions the launcher inherited.
 */
static const int output_signals[] = {SIGPIPE, SIGXFSZ};
static struct sigaction inherited_actions[2];
/* SIGCHLD as inherited: an ignored SIGCHLD is the command's to keep (it reaps nothing then). */
static struct sigaction inherited_sigchld;

/* A growable set of pids. */
struct pids {
	pid_t *pid;
	size_t count, size;
};

static int pids_add(struct pids *set, pid_t pid)
{
	if (set->count == set->size) {
		size_t size = set->size ? 2 * set->size : 16;
		pid_t *grown = realloc(set->pid, size * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		set->pid = grown;
		set->size = size;
	}
	set->pid[set->count++] = pid;
	return 0;
}

static bool pids_has(const struct pids *set, pid_t pid)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->pid[i] == pid)
			return true;
	return false;
}

static void pids_remove(struct pids *set, pid_t pid)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->pid[i] == pid) {
			set->pid[i] = set->pid[--set->count];
			return;
		}
}

/*
 * Append to @out the children of process @pid (0: ourselves), read from
 * /proc/PID/task/TID/children for every thread, since a child belongs to
 * the thread that forked it. Return: 0 or -errno (-ENOENT without /proc).
 */
static int read_children(pid_t pid, struct pids *out)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/task");
	DIR *tasks = opendir(path);
	if (!tasks)
		return -errno;
	int ret = 0;
	struct dirent *task;
	/* A failing readdir() must not read as "no more children": the wait would end early. */
	while (ret == 0 && (errno = 0, task = readdir(tasks))) {
		if (task->d_name[0] == '.')
			continue;
		char file[sizeof(task->d_name) + sizeof("/children")];
		snprintf(file, sizeof(file), "%s/children", task->d_name);
		int fd = openat(dirfd(tasks), file, O_RDONLY | O_CLOEXEC);
		FILE *list = fd < 0 ? NULL : fdopen(fd, "r");
		if (!list) {
			/* Another process, or one of its threads, may just have gone. */
			if (!pid)
				ret = -errno;
			if (fd >= 0)
				close(fd);
			continue;
		}
		int child;
		while (ret == 0 && fscanf(list, "%d", &child) == 1)
			ret = pids_add(out, child);
		if (ret == 0 && ferror(list) && !pid)
			ret = errno ? -errno : -EIO;
		fclose(list);
	}
	if (ret == 0 && !task && errno)
		ret = -errno;
	closedir(tasks);
	return ret;
}

/* The state of one run. */
struct tree {
	pid_t command;
	bool command_done;
	int status;	       /* the command's wait status */
	struct pids inherited; /* our children from before the command */
	bool know_inherited;   /* false without /proc: wait for every child */
	pid_t own_group;
	bool verbose;
};

/*
 * Are all our remaining children pre-existing ones? Only then may the wait
 * end before ECHILD. Any doubt (no /proc, out of memory) answers no.
 */
static bool only_inherited_left(const struct tree *tree)
{
	if (!tree->know_inherited)
		return false;
	struct pids now = {0};
	bool only = read_children(0, &now) == 0;
	for (size_t i = 0; only && i < now.count; i++)
		only = pids_has(&tree->inherited, now.pid[i]);
	free(now.pid);
	return only;
}

/*
 * Send @sig to every process of the tree left after the command exited:
 * all our descendants but the pre-existing children and theirs. A signal
 * the terminal sent (@from_terminal) already reached the processes of our
 * foreground process group, so they are skipped to deliver it once.
 */
static void signal_rest(const struct tree *tree, int sig, bool from_terminal)
{
	struct pids todo = {0};
	if (!tree->know_inherited || read_children(0, &todo) < 0) {
		free(todo.pid);
		return;
	}
	/* Breadth-first over /proc: todo grows while it is walked. */
	for (size_t i = 0; i < todo.count; i++) {
		pid_t pid = todo.pid[i];
		if (pids_has(&tree->inherited, pid))
			continue;
		if (!(from_terminal && getpgid(pid) == tree->own_group))
			kill(pid, sig);
		read_children(pid, &todo);
	}
	free(todo.pid);
}

static void forward(const struct tree *tree, int sig, bool from_terminal)
{
	if (!tree->command_done) {
		/* Ctrl-C reached the command already if it shares our group. */
		if (!(from_terminal && getpgid(tree->command) == tree->own_group))
			kill(tree->command, sig);
	} else if (setup_ends_run(sig)) {
		signal_rest(tree, sig, from_terminal);
	}
}

/*
 * Reap every child that has exited. Return: 0 while some are left,
 * -ECHILD when none is.
 */
static int reap_exited(struct tree *tree)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return -errno;
		if (pid == 0)
			return 0;
		if (pid == tree->command) {
			tree->command_done = true;
			tree->status = status;
		} else if (pids_has(&tree->inherited, pid)) {
			/* Not ours: its status means nothing here, and its pid may be reused. */
			pids_remove(&tree->inherited, pid);
		} else if (tree->verbose) {
			fprintf(stderr, "tmpjail: reaped descendant %d\n", (int)pid);
		}
	}
}

/*
 * The trap's door (trap.h), while no supervisor thread serves it: the
 * first child the shim traps starts the thread. A run that never traps
 * anything never has one.
 */
static void open_the_door(const struct supervise_child *child, int signal_fd)
{
	struct pollfd fds[2] = {{.fd = signal_fd, .events = POLLIN},
				{.fd = trap_door_waiting(child->trap), .events = POLLIN}};
	if (fds[1].fd < 0 || poll(fds, 2, -1) <= 0 || !(fds[1].revents & POLLIN))
		return;
	int err = trap_start(child->trap, child->seal_fd);
	if (err) {
		/* Its listener is refused: the child's trapped calls fail (ENOSYS). */
		fprintf(stderr, "tmpjail: trap: cannot serve the shim's door: %s\n",
			strerror(-err));
		trap_close_door(child->trap);
	}
}

static void wait_tree(struct tree *tree, int signal_fd, const struct supervise_child *child)
{
	for (;;) {
		if (reap_exited(tree) < 0)
			return; /* ECHILD: the whole tree is gone */
		if (tree->command_done && only_inherited_left(tree))
			return;
		open_the_door(child, signal_fd);
		struct signalfd_siginfo info;
		ssize_t n = read(signal_fd, &info, sizeof(info));
		if (n != sizeof(info)) {
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				perror("tmpjail: reading signals");
				/* Poll rather than spin or give up on the tree. */
				sleep(1);
			}
			continue;
		}
		if (info.ssi_signo != SIGCHLD)
			forward(tree, (int)info.ssi_signo, info.ssi_code == SI_KERNEL);
	}
}

/*
 * The trap, last: a policy's ERRNO or KILL takes precedence over its
 * USER_NOTIF whatever the order, and the trap's own calls (sendmsg) must
 * be done before any filter could trap them. A trap that cannot be loaded
 * (a kernel without user notification, a filter budget used up) ends the
 * child: a command the trap was meant for would reach the real /tmp. The
 * launcher, told the error, says why.
 */
static void install_trap(const struct supervise_child *child, int trap_sock)
{
	int err = trap_install(child->trap, trap_sock);
	close(trap_sock);
	if (err == -EBUSY)
		return; /* trapped already, by an outer run's listener: that one serves it */
	if (err == -EPIPE || err == -ECONNREFUSED)
		fputs("tmpjail: cannot hand the trap to the launcher\n", stderr);
	if (err)
		_exit(125);
}

static _Noreturn void exec_command(const struct supervise_child *child, const sigset_t *mask,
				   int trap_sock)
{
	/* The command starts as it would without us: a write to a closed pipe kills it. */
	for (size_t i = 0; i < sizeof(output_signals) / sizeof(output_signals[0]); i++)
		sigaction(output_signals[i], &inherited_actions[i], NULL);
	sigaction(SIGCHLD, &inherited_sigchld, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* The launcher raised its own; the command runs with the user's. */
	if (child->nofile && setrlimit(RLIMIT_NOFILE, child->nofile) < 0) {
		fprintf(stderr, "tmpjail: cannot restore the open-file limit: %s\n",
			strerror(errno));
		_exit(125);
	}
	if (child->seccomp || child->seal_fd >= 0 || child->trap_command) {
		int err = 0;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			err = -errno;
		/* The seal first: a seccomp allow-list might not allow Landlock's calls. */
		if (!err && child->seal_fd >= 0)
			err = seal_install(child->seal_fd);
		if (!err && child->seccomp)
			err = seccomp_install(child->seccomp);
		if (err) {
			fprintf(stderr, "tmpjail: cannot confine the command: %s\n",
				strerror(-err));
			_exit(125);
		}
		if (child->trap_command)
			install_trap(child, trap_sock);
	}
	execvp(child->argv[0], child->argv);
	int code = errno == ENOENT ? 127 : 126;
	fprintf(stderr, "tmpjail: cannot run '%s': %s\n", child->argv[0], strerror(errno));
	_exit(code);
}

int supervise_signals_open(sigset_t *old_mask)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&mask, forwarded[i]);
	if (sigaction(SIGCHLD, &(struct sigaction){.sa_handler = SIG_DFL}, &inherited_sigchld) < 0)
		return -errno;
	struct sigaction ignore = {.sa_handler = SIG_IGN};
	for (size_t i = 0; i < sizeof(output_signals) / sizeof(output_signals[0]); i++)
		if (sigaction(output_signals[i], &ignore, &inherited_actions[i]) < 0)
			return -errno;
	if (sigprocmask(SIG_BLOCK, &mask, old_mask) < 0)
		return -errno;
	int fd = signalfd(-1, &mask, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Take the trap's listener from the command child (@pid) and start
 * serving it. A child that cannot be trapped, or served, is killed before
 * it runs the command (fail closed). Return: 0, or -1 after saying why.
 */
static int receive_trap(const struct supervise_child *child, int trap_sock[2], pid_t pid,
			bool verbose)
{
	close(trap_sock[1]);
	int listener = trap_receive(trap_sock[0], true);
	close(trap_sock[0]);
	if (listener == -EPIPE)
		return 0; /* the child ended first, and said why */
	if (listener == -EBUSY) {
		if (verbose)
			fputs("tmpjail: trap: the command is trapped already (an outer run's)\n",
			      stderr);
		return 0;
	}
	int err = listener < 0 ? listener : trap_add_listener(child->trap, listener);
	if (!err)
		err = trap_start(child->trap, child->seal_fd);
	if (err) {
		fprintf(stderr,
			"tmpjail: trap: cannot trap '%s' (%s), so it was not run: it would reach "
			"the real /tmp. --trap off runs it with the shim only.\n",
			child->argv[0], strerror(-err));
		kill(pid, SIGKILL);
		return -1;
	}
	if (verbose)
		fputs("tmpjail: trap: installed\n", stderr);
	return 0;
}

/* The status the launcher exits with, as env(1) and timeout(1) do. */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

int supervise_run(const struct supervise_child *child, int signal_fd, const sigset_t *child_mask,
		  bool verbose)
{
	struct tree tree = {.own_group = getpgrp(), .verbose = verbose};
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("tmpjail: cannot become a child subreaper");
		return 125;
	}
	/* Single-threaded here: no thread of ours forks while we read. */
	int err = read_children(0, &tree.inherited);
	tree.know_inherited = err == 0;
	if (err == -ENOMEM) {
		fprintf(stderr, "tmpjail: %s\n", strerror(ENOMEM));
		free(tree.inherited.pid);
		return 125;
	}
	if (verbose && tree.inherited.count)
		fprintf(stderr, "tmpjail: %zu pre-existing children are not waited for\n",
			tree.inherited.count);

	int trap_sock[2] = {-1, -1};
	if (child->trap_command &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, trap_sock) < 0) {
		perror("tmpjail: socketpair");
		free(tree.inherited.pid);
		return 125;
	}
	fflush(NULL); /* no stdio buffer written twice */
	tree.command = fork();
	if (tree.command < 0) {
		perror("tmpjail: fork");
		free(tree.inherited.pid);
		return 125;
	}
	if (tree.command == 0) {
		if (trap_sock[0] >= 0)
			close(trap_sock[0]);
		exec_command(child, child_mask, trap_sock[1]);
	}
	if (verbose)
		fprintf(stderr, "tmpjail: command is pid %d\n", (int)tree.command);
	bool untrappable =
	    trap_sock[0] >= 0 && receive_trap(child, trap_sock, tree.command, verbose);

	wait_tree(&tree, signal_fd, child);
	trap_stop(child->trap);
	free(tree.inherited.pid);
	if (verbose)
		fprintf(stderr, "tmpjail: the whole tree has exited\n");
	return untrappable ? 125 : exit_code(tree.status);
}
