/* SPDX-License-Identifier: MIT */
/*
 * Faults in the launcher (fault_driver.h): tmpjail runs with libtj_fault.so
 * preloaded and armed for the launcher's own pid, in a mount namespace
 * where /tmp and /var/tmp are directories of this test's scratch. So a
 * run that fails open writes where the test sees it, never in the real
 * /tmp; the base, the working directory and the output files are in the
 * scratch too, under $TJ_SCRATCH_PARENT in the build tree.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault_driver.h"
#include "launcher_util.h"
#include "tj_check.h"
#include "tmpjail/tempfile.h"

/* What the command does, and what it prints when all goes well. */
struct plan {
	const char *command, *output;
};

/* The run, writing under /tmp. */
static const struct plan simple = {"mkdir -p /tmp/a/b && echo x > /tmp/a/b/f && cat /tmp/a/b/f",
				   "x\n"};

/*
 * A descendant that outlives the command and still writes /tmp: the
 * launcher must wait for it however its look at /proc fails (a failing
 * readdir once read as "no children left", and the root went under it).
 */
static const struct plan descendant = {
    "(sleep 0.3; echo late > /tmp/late && cat /tmp/late || echo LOST) & echo x", "x\nlate\n"};

static char scratch[PATH_MAX];

/* A path in the scratch, in a small ring of static buffers. */
static const char *in_scratch(const char *name)
{
	static char ring[4][PATH_MAX];
	static unsigned next;
	char *path = ring[next++ % 4];
	if (snprintf(path, PATH_MAX, "%s/%s", scratch, name) >= PATH_MAX)
		abort(); /* the scratch is a short path of the build tree */
	return path;
}

void fault_launcher_setup(void)
{
	snprintf(scratch, sizeof(scratch), "%s", lu_scratch_make());
	const char *dirs[] = {"base", "tmp", "vartmp", "cwd"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		ck_assert_msg(mkdir(in_scratch(dirs[i]), 0700) == 0, "mkdir: %m");
}

void fault_launcher_teardown(void)
{
	if (scratch[0])
		lu_scratch_remove(scratch);
	scratch[0] = '\0';
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text);
	bool done = fd >= 0 && write(fd, text, (size_t)len) == len;
	if (fd >= 0)
		close(fd);
	return done ? 0 : -1;
}

/*
 * In the child: a mount namespace (in a user namespace of its own when
 * not root) in which the scratch's tmp and vartmp are /tmp and /var/tmp.
 * Return: 0, or -1 when the system allows neither.
 */
static int private_tmp(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (uid != 0) {
		if (unshare(CLONE_NEWUSER) < 0 || write_file("/proc/self/setgroups", "deny") < 0)
			return -1;
		snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
		if (write_file("/proc/self/uid_map", map) < 0)
			return -1;
		snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
		if (write_file("/proc/self/gid_map", map) < 0)
			return -1;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(in_scratch("tmp"), "/tmp", NULL, MS_BIND, NULL) < 0 ||
	    mount(in_scratch("vartmp"), "/var/tmp", NULL, MS_BIND, NULL) < 0)
		return -1;
	return 0;
}

/* The launcher's process: environment, output files, the plan, then exec. */
static _Noreturn void exec_launcher(enum tj_fault_call call, int error, unsigned long nth,
				    const char *shell_command)
{
	char number[32];
	setpgid(0, 0);
	if (private_tmp() < 0 || chdir(in_scratch("cwd")) < 0)
		_exit(99);
	int out = open(in_scratch("out"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int err = open(in_scratch("err"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(99);
	/* Not an outer run's: this run starts from a plain environment. */
	const char *outer[] = {"TMPJAIL_ROOT",	  "TMPJAIL_DIR",   "TMPJAIL_REDIRECT",
			       "TMPJAIL_PRELOAD", "TMPJAIL_AUDIT", "TMPJAIL_OWNER",
			       "TMPDIR"};
	for (size_t i = 0; i < sizeof(outer) / sizeof(outer[0]); i++)
		unsetenv(outer[i]);
	setenv("LD_PRELOAD", getenv("TJ_FAULT_LIB"), 1);
	setenv("TJ_FAULT_CALL", tj_fault_calls[call], 1);
	snprintf(number, sizeof(number), "%d", error);
	setenv("TJ_FAULT_ERRNO", number, 1);
	snprintf(number, sizeof(number), "%lu", nth);
	setenv("TJ_FAULT_NTH", number, 1);
	snprintf(number, sizeof(number), "%d", (int)getpid());
	setenv("TJ_FAULT_PID", number, 1);
	setenv("TJ_FAULT_REPORT", in_scratch("report"), 1);
	execl(lu_launcher(), "tmpjail", "--base", in_scratch("base"), "--", "sh", "-c",
	      shell_command, (char *)NULL);
	_exit(98);
}

/* The content of the scratch file @name, in @buffer. */
static const char *slurp(const char *name, char *buffer, size_t size)
{
	ssize_t n = -1;
	int fd = open(in_scratch(name), O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buffer, size - 1);
		close(fd);
	}
	buffer[n > 0 ? n : 0] = '\0';
	return buffer;
}

int fault_launcher_once(enum tj_fault_call call, int error, unsigned long nth,
			const char *shell_command, const char **out, const char **err)
{
	static char out_text[4096], err_text[4096];
	unlink(in_scratch("report"));
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		exec_launcher(call, error, nth, shell_command);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ck_assert_msg(pidfd >= 0, "pidfd_open: %m");
	struct pollfd done = {.fd = pidfd, .events = POLLIN};
	bool hung = poll(&done, 1, FAULT_TIMEOUT * 1000) != 1;
	close(pidfd);
	if (hung)
		kill(-pid, SIGKILL); /* the launcher's group: the command too */
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	*out = slurp("out", out_text, sizeof(out_text));
	*err = slurp("err", err_text, sizeof(err_text));
	ck_assert_msg(!hung, "%s %s N=%lu: the launcher hung (killed after %d s); stderr: %s",
		      tj_fault_calls[call], fault_error_name(error), nth, FAULT_TIMEOUT, *err);
	ck_assert_msg(!WIFSIGNALED(status), "%s %s N=%lu: the launcher crashed (signal %d)%s%s",
		      tj_fault_calls[call], fault_error_name(error), nth, WTERMSIG(status),
		      WCOREDUMP(status) ? ", core dumped" : "", *err);
	return WEXITSTATUS(status);
}

/* Did the injector fail a call in the last run? */
static bool fired(void)
{
	char text[512];
	return strncmp(slurp("report", text, sizeof(text)), "fired ", 6) == 0;
}

static int count_lines(const char *text)
{
	int lines = 0;
	for (; *text; text++)
		lines += *text == '\n';
	return lines;
}

/* Empty @name of the scratch (what a failed run left in the base). */
static void empty_dir(const char *name)
{
	const char *path = in_scratch(name);
	ck_assert_msg(tf_rmtree(path, 0) == 0 && mkdir(path, 0700) == 0, "emptying %s: %m", path);
}

/* The checks of one run's outcome; true when it left its root, saying so. */
static bool judge(enum tj_fault_call call, int error, unsigned long nth, int status,
		  const char *expected, const char *out, const char *err)
{
	const char *name = tj_fault_calls[call], *error_name = fault_error_name(error);
	/* Fail-open: the command's files anywhere but the root. */
	const char *elsewhere[] = {"tmp", "vartmp", "cwd"};
	for (size_t i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++)
		ck_assert_msg(lu_count_entries(in_scratch(elsewhere[i])) == 0,
			      "%s %s N=%lu: failed open: the command wrote to the real %s "
			      "(status %d, stderr: %s)",
			      name, error_name, nth, elsewhere[i], status, err);
	if (status == 0)
		ck_assert_msg(strcmp(out, expected) == 0, "%s %s N=%lu: exit 0, but output \"%s\"",
			      name, error_name, nth, out);
	else if (status == 125)
		ck_assert_msg(count_lines(err) == 1 && strncmp(err, "tmpjail: ", 9) == 0,
			      "%s %s N=%lu: exit 125 without one line of error: \"%s\"", name,
			      error_name, nth, err);
	else
		ck_assert_msg(status < 125 || status == 126 || status == 127,
			      "%s %s N=%lu: exit %d, neither the command's nor an error; "
			      "stderr: %s",
			      name, error_name, nth, status, err);
	int left = lu_count_entries(in_scratch("base"));
	if (left == 0)
		return false;
	ck_assert_msg(status == 125 && strstr(err, "remove"),
		      "%s %s N=%lu: %d entries left in the base, exit %d, stderr: \"%s\"", name,
		      error_name, nth, left, status, err);
	empty_dir("base");
	return true;
}

static void sweep(const struct plan *plan, enum tj_fault_call call, int error,
		  struct fault_tally *tally)
{
	if (strncmp(scratch, "/tmp/", 5) == 0 || strncmp(scratch, "/var/tmp/", 9) == 0)
		ck_abort_msg("the scratch %s is under a directory the run hides", scratch);
	for (unsigned long nth = 1;; nth++) {
		ck_assert_msg(nth <= FAULT_MAX_NTH, "%s: over %d calls in one run",
			      tj_fault_calls[call], FAULT_MAX_NTH);
		const char *out, *err;
		int status = fault_launcher_once(call, error, nth, plan->command, &out, &err);
		ck_assert_msg(status != 99, "cannot give the run a /tmp of its own");
		bool injected = fired();
		bool said = judge(call, error, nth, status, plan->output, out, err);
		if (!injected) {
			/* Past the last call: the run as it is without faults. */
			ck_assert_msg(status == 0 && !said, "%s N=%lu: no fault, yet exit %d: %s",
				      tj_fault_calls[call], nth, status, err);
			ck_assert_msg(nth > 1, "%s: the launcher never called it; injector unseen",
				      tj_fault_calls[call]);
			return;
		}
		tally->runs++;
		tally->ok += status == 0;
		tally->clean += status != 0;
		tally->gone += status != 0 && !said; /* judge() found the base empty */
		if (said) {
			size_t used = strlen(tally->said_at);
			tally->said++;
			snprintf(tally->said_at + used, sizeof(tally->said_at) - used, " %s:%lu",
				 fault_error_name(error), nth);
		}
	}
}

void fault_launcher_sweep(enum tj_fault_call call, int error, struct fault_tally *tally)
{
	sweep(&simple, call, error, tally);
}

void fault_launcher_descendant_sweep(enum tj_fault_call call, int error, struct fault_tally *tally)
{
	sweep(&descendant, call, error, tally);
}
