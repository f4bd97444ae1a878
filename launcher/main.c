/* SPDX-License-Identifier: MIT */
/*
 * tmpjail(1): parse the options, make the private root, export the
 * environment, build the confinement, run and supervise the command, and
 * remove the root. Exit status as env(1) and timeout(1): the command's,
 * 128+N for a signal, 125 for tmpjail's own errors, 126/127 from exec.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "env.h"
#include "options.h"
#include "report.h"
#include "root.h"
#include "sandbox.h"
#include "setup.h"
#include "supervise.h"

/* The base: --base, else /dev/shm for --memory, else the outer run's /tmp, else /tmp. */
static const char *base_dir(void)
{
	const char *outer = getenv("TMPJAIL_DIR");
	if (arg_base)
		return arg_base;
	if (arg_memory)
		return "/dev/shm";
	return outer && outer[0] == '/' ? outer : "/tmp";
}

/* Exit 125 when a candidate could not be removed or was left as a mount point. */
static int run_gc(void)
{
	char *base_path = NULL;
	int base_fd = root_base_open(base_dir(), arg_memory, &base_path);
	if (base_fd < 0)
		return EXIT_TMPJAIL;
	int err = root_gc(base_fd, base_path, arg_kept);
	close(base_fd);
	free(base_path);
	return err ? EXIT_TMPJAIL : 0;
}

/* tmpjail --report: nothing to supervise, so Ctrl-C stops it as it would cat. */
static int run_report(char *const logs[], int nlogs, const sigset_t *mask)
{
	enum report_format format = FORMAT_TABLE;
	enum report_severity fail_on = SEV_HIGH;

	if (arg_format && report_parse_format(arg_format, &format) < 0) {
		fprintf(stderr, "tmpjail: --format %s: not table, json or sarif\n", arg_format);
		return EXIT_TMPJAIL;
	}
	if (arg_fail_on && report_parse_severity(arg_fail_on, &fail_on) < 0) {
		fprintf(stderr, "tmpjail: --fail-on %s: not info, low, medium or high\n",
			arg_fail_on);
		return EXIT_TMPJAIL;
	}
	sigprocmask(SIG_SETMASK, mask, NULL);
	return report_main(logs, nlogs, format, fail_on);
}

/* The RLIMIT_NOFILE the user gave us, which the command gets back, once we raised it. */
static struct rlimit user_nofile;
static bool nofile_raised;

/*
 * Raise our soft RLIMIT_NOFILE to the hard limit where we can, so that
 * reaping a deep tree is not starved of fds; the remover copes with few,
 * since a command can lower its launcher's limits (prlimit --pid $PPID).
 * Called at start and again before reaping.
 */
static void raise_nofile(void)
{
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) < 0 || limit.rlim_cur >= limit.rlim_max)
		return;
	struct rlimit raised = {limit.rlim_max, limit.rlim_max};
	if (setrlimit(RLIMIT_NOFILE, &raised) == 0 && !nofile_raised) {
		user_nofile = limit;
		nofile_raised = true;
	}
}

/*
 * The descriptors the launcher may hold at once: stdio, its signalfd, the
 * base and the root, the trap's listeners, door and pins, and the
 * remover's few (docs/launcher.md). Below this a run could not be served
 * or reaped: it is refused before anything is made.
 */
#define NOFILE_MIN 32

static bool nofile_enough(void)
{
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) < 0 || limit.rlim_cur >= NOFILE_MIN)
		return true;
	fprintf(stderr,
		"tmpjail: the open-file limit is %llu (ulimit -Hn): tmpjail needs %d to serve "
		"and reap a run. Raise it; a lower soft limit (ulimit -Sn) is still the "
		"command's.\n",
		(unsigned long long)limit.rlim_cur, NOFILE_MIN);
	return false;
}

/* Set-up ended by a termination signal: exit as a run it ended would. */
static int interrupted(const struct setup_signals *signals)
{
	if (arg_verbose)
		fprintf(stderr, "tmpjail: %s during set-up; the command was not started\n",
			strsignal(signals->caught));
	return 128 + signals->caught;
}

/*
 * --trap: classify the command (auto), make the filter and its supervisor,
 * and under auto open the door through which the shim traps the
 * command's children it cannot reach. Return: 0, or -1 after printing.
 */
static int prepare_trap(struct supervise_child *child)
{
	unsetenv("TMPJAIL_TRAP"); /* an outer run's door is not this run's */
	if (arg_trap == TRAP_OFF)
		return 0;
	const char *why = "--trap all";
	bool command = arg_trap == TRAP_ALL || trap_classify(child->argv[0], &why);
	if (arg_verbose)
		fprintf(stderr, "tmpjail: trap: %s: %s\n", child->argv[0], why);
	scmp_filter_ctx filter = trap_filter_build();
	child->trap = filter ? trap_new(arg_verbose) : NULL;
	int err = child->trap ? trap_export(child->trap, filter) : -errno;
	if (filter)
		seccomp_release(filter);
	if (err) {
		fprintf(stderr, "tmpjail: cannot set the trap up: %s\n", strerror(-err));
		return -1;
	}
	/* Under all, every descendant is trapped already: no door. Without
	 * one, a static program the command runs would reach the real /tmp. */
	if (arg_trap == TRAP_AUTO && (err = trap_open_door(child->trap))) {
		fprintf(stderr,
			"tmpjail: trap: cannot open the door for the programs the shim cannot "
			"reach (%s). --trap off runs without the trap.\n",
			strerror(-err));
		return -1;
	}
	child->trap_command = command;
	return 0;
}

/* Everything after the root exists; the caller removes it. @started: the command was forked. */
static int run_in_root(const struct root *root, struct supervise_child *child, const char *shim,
		       struct setup_signals *signals, const sigset_t *child_mask, bool *started)
{
	/* Making the root cannot be interrupted half-way; a signal meanwhile ends here. */
	if (setup_interrupted(signals))
		return interrupted(signals);
	int err = env_export(root->path, &arg_prefixes, shim, arg_audit);
	if (err) {
		fprintf(stderr, "tmpjail: cannot set the environment: %s\n", strerror(-err));
		return EXIT_TMPJAIL;
	}
	if (arg_verbose)
		fprintf(stderr, "tmpjail: TMPJAIL_ROOT=%s LD_PRELOAD=%s TMPJAIL_REDIRECT=%s\n",
			root->path, getenv("LD_PRELOAD"), getenv("TMPJAIL_REDIRECT"));
	if (prepare_trap(child) < 0)
		return EXIT_TMPJAIL;
	if (arg_seal) {
		child->seal_fd =
		    seal_build((const char *const *)arg_prefixes.list, arg_prefixes.count,
			       root->path, getenv("TMPJAIL_AUDIT"), signals);
		if (child->seal_fd < 0)
			return signals->caught ? interrupted(signals) : EXIT_TMPJAIL;
	}
	/* A Ctrl-C during set-up ends the run before the command starts. */
	int status;
	if (setup_interrupted(signals)) {
		status = interrupted(signals);
	} else {
		*started = true;
		status = supervise_run(child, signals->fd, child_mask, arg_verbose);
	}
	if (child->seal_fd >= 0)
		close(child->seal_fd);
	child->seal_fd = -1;
	return status;
}

/*
 * What can be checked before the root exists: the seccomp filter (policy
 * files may be FIFOs, devices, anything: read under watch of the signals)
 * and the audit file. Return: 0 to go on, or the exit status.
 */
static int prepare(struct supervise_child *child, struct setup_signals *signals)
{
	if (arg_seccomp && !(child->seccomp = seccomp_build(arg_seccomp, arg_seccomp_log, signals)))
		return signals->caught ? interrupted(signals) : EXIT_TMPJAIL;
	if (options_check_audit() < 0)
		return EXIT_TMPJAIL;
	return setup_interrupted(signals) ? interrupted(signals) : 0;
}

static char *find_shim(void)
{
	errno = 0;
	char *shim = env_find_shim();
	if (!shim) {
		/* Missing, or there but out of reach (EMFILE, EACCES): say which. */
		if (errno && errno != ENOENT)
			fprintf(stderr, "tmpjail: cannot reach the shim (%s beside %s): %s\n",
				TMPJAIL_SHIM_RELPATH, "the tmpjail executable", strerror(errno));
		else
			fprintf(stderr, "tmpjail: the shim is missing (looked for %s beside %s)\n",
				TMPJAIL_SHIM_RELPATH, "the tmpjail executable");
		return NULL;
	}
	/* LD_PRELOAD splits on both: such a path would load something else. */
	if (strpbrk(shim, " \t\n:")) {
		fprintf(stderr, "tmpjail: the shim's path has a blank or ':': %s\n", shim);
		free(shim);
		return NULL;
	}
	return shim;
}

static int run_with_root(struct supervise_child *child, const char *shim,
			 struct setup_signals *signals, const sigset_t *child_mask)
{
	char *base_path = NULL;
	int base_fd = root_base_open(base_dir(), arg_memory, &base_path);
	struct root root;
	int err = base_fd < 0
		      ? -EINVAL
		      : root_create(base_fd, base_path, (const char *const *)arg_prefixes.list,
				    arg_prefixes.count, arg_keep, &root);
	if (err) {
		if (base_fd >= 0) {
			fprintf(stderr, "tmpjail: cannot create the private root in %s: %s\n",
				base_path, strerror(-err));
			close(base_fd);
		}
		free(base_path);
		return EXIT_TMPJAIL;
	}
	free(base_path);
	if (arg_verbose)
		fprintf(stderr, "tmpjail: private root %s\n", root.path);

	bool started = false;
	int status = run_in_root(&root, child, shim, signals, child_mask, &started);
	/* A root the command never saw is removed even with --keep. */
	if (arg_keep && started) {
		fprintf(stderr, "tmpjail: kept the private root %s\n", root.path);
		root_keep(&root);
		return status;
	}
	/* The tree has exited: the trap's descriptors would only starve the remover. */
	trap_free(child->trap);
	child->trap = NULL;
	char *path = strdup(root.path);
	raise_nofile(); /* again: the command may have lowered it */
	err = root_remove(&root);
	if (err) {
		fprintf(stderr, "tmpjail: cannot remove the private root %s completely: %s\n",
			path ? path : "", strerror(-err));
		status = EXIT_TMPJAIL;
	} else if (arg_verbose) {
		fprintf(stderr, "tmpjail: removed %s\n", path ? path : "the private root");
	}
	free(path);
	return status;
}

static int run(char **command, struct setup_signals *signals, const sigset_t *child_mask)
{
	if (!nofile_enough())
		return EXIT_TMPJAIL;
	char *shim = find_shim();
	if (!shim)
		return EXIT_TMPJAIL;
	struct supervise_child child = {
	    .argv = command, .seal_fd = -1, .nofile = nofile_raised ? &user_nofile : NULL};
	int status = prepare(&child, signals);
	if (!status)
		status = run_with_root(&child, shim, signals, child_mask);
	if (child.seccomp)
		seccomp_release(child.seccomp);
	trap_free(child.trap);
	free(shim);
	return status;
}

int main(int argc, char **argv)
{
	sigset_t child_mask;
	int signal_fd = supervise_signals_open(&child_mask);
	if (signal_fd < 0) {
		fprintf(stderr, "tmpjail: cannot take signals: %s\n", strerror(-signal_fd));
		return EXIT_TMPJAIL;
	}
	struct setup_signals signals = {.fd = signal_fd};
	raise_nofile();
	int command_at = options_parse(argc, argv);
	int status = command_at < 0    ? EXIT_TMPJAIL
		     : command_at == 0 ? 0
		     : arg_gc	       ? run_gc()
		     : arg_report ? run_report(argv + command_at, argc - command_at, &child_mask)
				  : run(argv + command_at, &signals, &child_mask);
	options_reset();
	close(signal_fd);
	return status;
}
