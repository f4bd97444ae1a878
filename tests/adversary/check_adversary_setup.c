/* SPDX-License-Identifier: MIT */
/*
 * The launcher's set-up and its own output, attacked: policy files that
 * are huge, binary, endless, silent FIFOs or unreadable; termination
 * signals at every stage of set-up (reading policies, building the filter,
 * making the root on a slow base, building the seal); the launcher's
 * stderr a closed pipe, a full disk, a hung-up terminal or a file beyond
 * RLIMIT_FSIZE; --audit files the shim could never write. Each run gets a
 * base of its own, which must hold nothing afterwards.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "launcher_util.h"
#include "tj_check.h"

static char scratch[PATH_MAX], base[PATH_MAX + 8], marker[PATH_MAX + 8];

static void setup(void)
{
	snprintf(scratch, sizeof(scratch), "%s", lu_scratch_make());
	snprintf(base, sizeof(base), "%s/base", scratch);
	snprintf(marker, sizeof(marker), "%s/ran", scratch);
	ck_assert_int_eq(mkdir(base, 0700), 0);
}

static void teardown(void)
{
	lu_scratch_remove(scratch);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A path in the scratch directory (a static buffer per call site's use). */
static const char *in_scratch(const char *name)
{
	static char path[4][PATH_MAX + 64];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, PATH_MAX + 64, "%s/%s", scratch, name);
	return p;
}

/* What the launcher's child does before exec'ing it. */
struct spawn_opts {
	int out_fd;	       /* stdout and stderr; -1: /dev/null */
	int fd3;	       /* given as fd 3 when > 0 */
	rlim_t address_space;  /* RLIMIT_AS in bytes, 0: unchanged */
	rlim_t file_size;      /* RLIMIT_FSIZE in bytes, 0: unchanged */
	bool ignore_sigpipe;   /* start the launcher with SIGPIPE ignored */
	const int *ignore;     /* more signals to start it with ignored, 0-terminated */
	const char *slow_base; /* preload the slow mkdir with this many ms */
};

static const int termination_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static pid_t spawn(const char *const argv[], const struct spawn_opts *opts)
{
	/*
	 * Check's runner handles SIGTERM and SIGINT by killing the whole test;
	 * a signal sent to the child before it execs the launcher must not run
	 * that inherited handler. Blocked across fork, reset in the child.
	 */
	sigset_t termination, saved;
	sigemptyset(&termination);
	for (size_t i = 0; i < sizeof(termination_signals) / sizeof(termination_signals[0]); i++)
		sigaddset(&termination, termination_signals[i]);
	fflush(NULL);
	sigprocmask(SIG_BLOCK, &termination, &saved);
	pid_t pid = fork();
	if (pid) {
		sigprocmask(SIG_SETMASK, &saved, NULL);
		ck_assert_int_ge(pid, 0);
		return pid;
	}
	for (size_t i = 0; i < sizeof(termination_signals) / sizeof(termination_signals[0]); i++)
		signal(termination_signals[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	int out = opts->out_fd >= 0 ? opts->out_fd : open("/dev/null", O_WRONLY);
	dup2(out, 1);
	dup2(out, 2);
	if (opts->fd3 > 0)
		dup2(opts->fd3, 3);
	if (opts->address_space)
		setrlimit(RLIMIT_AS, &(struct rlimit){opts->address_space, opts->address_space});
	if (opts->file_size)
		setrlimit(RLIMIT_FSIZE, &(struct rlimit){opts->file_size, opts->file_size});
	signal(SIGPIPE, opts->ignore_sigpipe ? SIG_IGN : SIG_DFL);
	for (const int *sig = opts->ignore; sig && *sig; sig++)
		signal(*sig, SIG_IGN);
	if (opts->slow_base) {
		setenv("LD_PRELOAD", getenv("TJ_SLOW_MKDIR"), 1);
		setenv("TJ_SLOW_MKDIR_MS", opts->slow_base, 1);
	}
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

/* Run @argv with @opts, output captured in *@text; its exit status. */
static int run_captured(const char *const argv[], struct spawn_opts opts, char **text)
{
	char *path = strdup(in_scratch("output"));
	opts.out_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(opts.out_fd, 0);
	int status = lu_wait_timeout(spawn(argv, &opts), 60);
	ck_assert_msg(status >= 0, "%s did not finish within 60 s", argv[1]);
	struct stat st;
	ck_assert_int_eq(fstat(opts.out_fd, &st), 0);
	*text = calloc(1, (size_t)st.st_size + 1);
	ck_assert_int_eq(pread(opts.out_fd, *text, (size_t)st.st_size, 0), st.st_size);
	close(opts.out_fd);
	free(path);
	return status;
}

static int count_lines(const char *text)
{
	int lines = 0;
	for (; *text; text++)
		lines += *text == '\n';
	return lines;
}

/* tmpjail --base BASE --seccomp @spec -- touch MARKER: status, output in *@text. */
static int run_policy(const char *spec, struct spawn_opts opts, char **text)
{
	const char *argv[] = {lu_launcher(), "--base", base,   "--seccomp", spec,
			      "--",	     "touch",  marker, NULL};
	return run_captured(argv, opts, text);
}

/* The run refused before anything ran or was made, with one line: @expected. */
static void assert_refused(int status, char **output, const char *expected)
{
	char *text = *output;
	ck_assert_msg(status == 125, "exit %d, output:\n%.2000s", status, text);
	ck_assert_msg(count_lines(text) == 1 && strstr(text, expected),
		      "expected one line with '%s', got:\n%.2000s", expected, text);
	ck_assert_msg(!lu_exists(marker), "the command ran");
	ck_assert_int_eq(lu_count_entries(base), 0);
	free(text);
}

static void write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, text + done, len - done);
		ck_assert_int_gt(n, 0);
		done += (size_t)n;
	}
	close(fd);
}

/* Defect 6: a read error was taken for the end of the file, an empty policy. */
START_TEST(policy_read_errors_are_errors)
{
	char *text, expected[PATH_MAX + 64];
	/* ASan reserves terabytes of address space: no RLIMIT_AS for it. */
	if (!getenv("ASAN_OPTIONS")) {
		struct spawn_opts small = {.address_space = 400000 * 1024UL};
		assert_refused(run_policy("/dev/zero", small, &text), &text,
			       "tmpjail: /dev/zero: the policy file is larger than 1 MiB\n");
	}
	assert_refused(run_policy("/proc/self/mem", (struct spawn_opts){0}, &text), &text,
		       "tmpjail: /proc/self/mem: cannot read the policy file: "
		       "Input/output error\n");
	snprintf(expected, sizeof(expected),
		 "tmpjail: %s: cannot read the policy file: Is a directory\n", base);
	assert_refused(run_policy(base, (struct spawn_opts){0}, &text), &text, expected);
	if (geteuid() != 0) { /* root reads anything */
		const char *locked = in_scratch("locked.policy");
		write_file(locked, "ptrace kill\n", 12);
		ck_assert_int_eq(chmod(locked, 0), 0);
		assert_refused(run_policy(locked, (struct spawn_opts){0}, &text), &text,
			       "locked.policy: cannot open the policy file: Permission denied\n");
	}
}
END_TEST

/* Defect 6: a 10 MB binary file printed ~39,000 lines; the size is capped. */
START_TEST(policy_size_is_capped)
{
	size_t size = 10 * 1000 * 1000, cap = 1024 * 1024;
	char *junk = malloc(size);
	ck_assert_ptr_nonnull(junk);
	for (size_t i = 0; i < size; i++)
		junk[i] = (char)(i * 7919 % 251);
	const char *binary = in_scratch("binary.policy");
	write_file(binary, junk, size);
	char *text;
	assert_refused(run_policy(binary, (struct spawn_opts){0}, &text), &text,
		       "binary.policy: the policy file is larger than 1 MiB\n");
	/* Exactly 1 MiB of comments is a policy; one byte more is not. */
	memset(junk, '#', cap);
	for (size_t i = 63; i < cap; i += 64)
		junk[i] = '\n';
	const char *edge = in_scratch("edge.policy");
	write_file(edge, junk, cap);
	ck_assert_int_eq(run_policy(edge, (struct spawn_opts){0}, &text), 0);
	free(text);
	unlink(marker);
	write_file(edge, junk, cap + 1);
	assert_refused(run_policy(edge, (struct spawn_opts){0}, &text), &text,
		       "edge.policy: the policy file is larger than 1 MiB\n");
	free(junk);
}
END_TEST

/* Defect 6: one error line per bad line, without end; now 20 and a count. */
START_TEST(policy_error_lines_are_capped)
{
	size_t count = 1000, len = 0;
	char *bad = malloc(count * 16);
	for (size_t i = 0; i < count; i++)
		len += (size_t)sprintf(bad + len, "ptrace deny\n");
	bad[len++] = '\0'; /* and a NUL byte on a last line */
	const char *path = in_scratch("bad.policy");
	write_file(path, bad, len);
	free(bad);
	char *text;
	int status = run_policy(path, (struct spawn_opts){0}, &text);
	ck_assert_int_eq(status, 125);
	ck_assert_msg(count_lines(text) == 21, "%d lines:\n%.3000s", count_lines(text), text);
	ck_assert_msg(strstr(text, "tmpjail: --seccomp: ... and 981 more errors\n"), "%s", text);
	ck_assert(!lu_exists(marker));
	free(text);
}
END_TEST

/* More rules than any filter holds: refused at once, not after minutes. */
START_TEST(policy_rule_count_is_capped)
{
	size_t len = 0;
	char *rules = malloc(5000 * 40);
	for (int i = 0; i < 5000; i++)
		len += (size_t)sprintf(rules + len, "ptrace errno 1 arg0 == %d\n", i);
	const char *path = in_scratch("many.policy");
	write_file(path, rules, len);
	free(rules);
	char *text;
	double start = now();
	assert_refused(
	    run_policy(path, (struct spawn_opts){0}, &text), &text,
	    "many.policy:4097: more than 4096 rules (no seccomp filter can hold them)\n");
	ck_assert_double_lt(now() - start, 10);
}
END_TEST

/*
 * Send @sig to the launcher running @argv @delay seconds after it started;
 * it must exit 128+@sig within @within seconds of the signal, having run
 * nothing and left nothing in the base.
 */
static void interrupt(const char *const argv[], const struct spawn_opts *opts, double delay,
		      int sig, double within)
{
	pid_t pid = spawn(argv, opts);
	usleep((useconds_t)(delay * 1e6));
	ck_assert_int_eq(kill(pid, sig), 0);
	double sent = now();
	int status = lu_wait_timeout(pid, (int)within + 5);
	if (status < 0)
		kill(pid, SIGKILL), lu_wait_timeout(pid, 10);
	ck_assert_msg(status == 128 + sig, "signal %d: exit %d", sig, status);
	ck_assert_msg(now() - sent < within, "signal %d: exit after %.2f s", sig, now() - sent);
	ck_assert_msg(!lu_exists(marker), "the command ran");
	ck_assert_int_eq(lu_count_entries(base), 0);
}

/* Defect 7: a FIFO without data blocked the open, and SIGTERM was ignored. */
START_TEST(signals_end_a_silent_fifo_policy)
{
	const char *fifo = in_scratch("policy.fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	const char *argv[] = {lu_launcher(), "--base", base,   "--seccomp", fifo,
			      "--",	     "touch",  marker, NULL};
	const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < 4; i++)
		interrupt(argv, &(struct spawn_opts){.out_fd = -1}, 0.3, sigs[i], 1.5);
	/* Opened by a writer that never writes: the read waits, still interruptible. */
	int writer = open(fifo, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(writer, 0);
	interrupt(argv, &(struct spawn_opts){.out_fd = -1}, 0.3, SIGTERM, 1.5);
	close(writer);
}
END_TEST

/* Defect 7: a policy that never ends, fast (/dev/urandom) or slow (a trickling FIFO). */
START_TEST(signals_end_an_endless_policy)
{
	const char *urandom[] = {lu_launcher(), "--base", base,	  "--seccomp", "/dev/urandom",
				 "--",		"touch",  marker, NULL};
	pid_t pid = spawn(urandom, &(struct spawn_opts){.out_fd = -1});
	int status = lu_wait_timeout(pid, 10);
	if (status < 0)
		kill(pid, SIGKILL), lu_wait_timeout(pid, 10);
	ck_assert_int_eq(status, 125); /* larger than 1 MiB */
	ck_assert_int_eq(lu_count_entries(base), 0);

	const char *fifo = in_scratch("trickle.fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	pid_t writer = fork();
	ck_assert_int_ge(writer, 0);
	if (writer == 0) {
		int fd = open(fifo, O_WRONLY);
		while (write(fd, "# more to come\n", 15) == 15)
			usleep(5000);
		_exit(0);
	}
	const char *argv[] = {lu_launcher(), "--base", base,   "--seccomp", fifo,
			      "--",	     "touch",  marker, NULL};
	interrupt(argv, &(struct spawn_opts){.out_fd = -1}, 0.5, SIGTERM, 1.5);
	kill(writer, SIGKILL);
	lu_wait_timeout(writer, 10);
}
END_TEST

/* Can this kernel seal? (Landlock may be missing or disabled.) */
static bool have_seal(void)
{
	const char *argv[] = {lu_launcher(), "--base", base, "--seal", "--", "true", NULL};
	return lu_run(argv, NULL, 30) == 0;
}

/* A slow base: SIGTERM while the root is being made (each mkdir 300 ms). */
START_TEST(signals_end_root_creation_on_a_slow_base)
{
	const char *argv[] = {lu_launcher(), "--base", base,   "--redirect", "/tj/a/b/c",
			      "--",	     "touch",  marker, NULL};
	/* Six directories: the staging root, tmp, var, var/tmp, tj/a/b/c in part. */
	struct spawn_opts slow = {.out_fd = -1, .slow_base = "300"};
	interrupt(argv, &slow, 0.4, SIGTERM, 3.5);
	interrupt(argv, &slow, 0.9, SIGINT, 3.5);
}
END_TEST

/*
 * Signals at every stage: a big policy, a slow base and the seal, with
 * SIGTERM sent at steps of 40 ms across the whole set-up and into the
 * run. Whenever it lands, the run ends promptly, as the signal or the
 * command says, and nothing is left in the base.
 */
START_TEST(signals_at_every_stage_leave_nothing)
{
	size_t len = 0;
	char *rules = malloc(4000 * 40);
	for (int i = 0; i < 4000; i++)
		len += (size_t)sprintf(rules + len, "ptrace errno 1 arg0 == %d\n", i);
	const char *policy = in_scratch("big.policy");
	write_file(policy, rules, len);
	free(rules);
	bool seal = have_seal();
	const char *argv[] = {lu_launcher(), "--base",	base, "--seccomp", policy,
			      "--redirect",  "/tj/x/y", "--", "sh",	   "-c",
			      "sleep 0.2",   NULL,	NULL};
	if (seal) {
		memmove(argv + 6, argv + 5, 6 * sizeof(*argv));
		argv[5] = "--seal";
	}
	struct spawn_opts slow = {.out_fd = -1, .slow_base = "50"};
	for (int step = 0; step < 30; step++) {
		pid_t pid = spawn(argv, &slow);
		usleep((useconds_t)step * 40000);
		kill(pid, SIGTERM);
		double sent = now();
		int status = lu_wait_timeout(pid, 20);
		ck_assert_msg(status == 143 || status == 0, "step %d: exit %d", step, status);
		ck_assert_msg(now() - sent < 1.5, "step %d: %.2f s", step, now() - sent);
		ck_assert_msg(lu_count_entries(base) == 0, "step %d: the base is not empty", step);
	}
}
END_TEST

/* Defect 8: `tmpjail -v -- sleep 1 2>&1 | head -1` killed the launcher (141). */
START_TEST(a_closed_pipe_on_stderr_stops_nothing)
{
	int pipe_fds[2];
	ck_assert_int_eq(pipe2(pipe_fds, O_CLOEXEC), 0);
	const char *argv[] = {lu_launcher(),	       "-v",   "--base", base, "--", "sh", "-c",
			      "sleep 1; touch \"$0\"", marker, NULL};
	pid_t pid = spawn(argv, &(struct spawn_opts){.out_fd = pipe_fds[1]});
	close(pipe_fds[1]);
	char c;
	while (read(pipe_fds[0], &c, 1) == 1 && c != '\n') /* head -1 */
		;
	close(pipe_fds[0]);
	ck_assert_int_eq(lu_wait_timeout(pid, 30), 0);
	ck_assert_msg(lu_exists(marker), "the command was cut short");
	ck_assert_int_eq(lu_count_entries(base), 0);
}
END_TEST

/* Defect 8: the command still dies of SIGPIPE (or ignores it) and of SIGXFSZ, as natively. */
START_TEST(the_command_gets_sigpipe_as_natively)
{
	const char *argv[] = {lu_launcher(),	     "--base", base, "--", "sh", "-c",
			      "yes >&3 2>/dev/null", NULL};
	for (int ignored = 0; ignored < 2; ignored++) {
		int pipe_fds[2];
		ck_assert_int_eq(pipe2(pipe_fds, O_CLOEXEC), 0);
		close(pipe_fds[0]);
		struct spawn_opts opts = {
		    .out_fd = -1, .fd3 = pipe_fds[1], .ignore_sigpipe = ignored};
		pid_t pid = spawn(argv, &opts);
		close(pipe_fds[1]);
		/* yes(1) dies of SIGPIPE (141), or with SIGPIPE ignored fails on EPIPE (1). */
		ck_assert_int_eq(lu_wait_timeout(pid, 30), ignored ? 1 : 141);
		ck_assert_int_eq(lu_count_entries(base), 0);
	}
	/* Beyond RLIMIT_FSIZE the command dies of SIGXFSZ (153), as natively. */
	const char *big[] = {
	    lu_launcher(),     "--base", base, "--", "sh", "-c", "head -c 100 /dev/zero >\"$0\"",
	    in_scratch("big"), NULL};
	pid_t pid = spawn(big, &(struct spawn_opts){.out_fd = -1, .file_size = 16});
	ck_assert_int_eq(lu_wait_timeout(pid, 30), 128 + SIGXFSZ);
	ck_assert_int_eq(lu_count_entries(base), 0);
}
END_TEST

/* The launcher's output failing in any other way stops nothing either. */
START_TEST(failing_output_stops_nothing)
{
	const char *argv[] = {lu_launcher(), "-v", "--base",	   base,   "--",
			      "sh",	     "-c", "touch \"$0\"", marker, NULL};
	/* A file beyond RLIMIT_FSIZE: SIGXFSZ killed the launcher (153). */
	int file = open(in_scratch("stderr"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(file, 0);
	pid_t pid = spawn(argv, &(struct spawn_opts){.out_fd = file, .file_size = 16});
	close(file);
	ck_assert_int_eq(lu_wait_timeout(pid, 30), 0);
	ck_assert(lu_exists(marker));
	ck_assert_int_eq(lu_count_entries(base), 0);
	/* A full disk (ENOSPC), and a terminal that hung up (EIO). */
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master) | unlockpt(master), 0);
	int hung_up = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	close(master);
	const int outputs[] = {full, hung_up};
	for (int i = 0; i < 2; i++) {
		ck_assert_int_ge(outputs[i], 0);
		unlink(marker);
		pid = spawn(argv, &(struct spawn_opts){.out_fd = outputs[i]});
		ck_assert_int_eq(lu_wait_timeout(pid, 30), 0);
		ck_assert(lu_exists(marker));
		ck_assert_int_eq(lu_count_entries(base), 0);
		close(outputs[i]);
	}
}
END_TEST

/*
 * tmpjail --base BASE --audit @audit -- touch MARKER, or with @sealed:
 * tmpjail --base BASE --seal --redirect @sealed --audit @audit -- true (the
 * seal keeps the scratch directory, on the way to @sealed, read-only).
 */
static int run_audit(const char *audit, const char *sealed, char **text)
{
	const char *plain[] = {lu_launcher(), "--base", base,	"--audit", audit,
			       "--",	      "touch",	marker, NULL};
	const char *seal[] = {lu_launcher(), "--base", base, "--seal", "--redirect", sealed,
			      "--audit",     audit,    "--", "true",   NULL};
	return run_captured(sealed ? seal : plain, (struct spawn_opts){0}, text);
}

/* Defect 11: an audit file the shim cannot open was accepted, and lost. */
START_TEST(an_unusable_audit_file_is_refused)
{
	char long_name[PATH_MAX + 16], *text;
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_refused(run_audit("", NULL, &text), &text,
		       "tmpjail: --audit: the file name is empty\n");
	assert_refused(run_audit(in_scratch("missing/audit.jsonl"), NULL, &text), &text,
		       "missing/audit.jsonl: No such file or directory\n");
	assert_refused(run_audit(scratch, NULL, &text), &text, ": Is a directory\n");
	assert_refused(run_audit(long_name, NULL, &text), &text, ": File name too long\n");
	if (geteuid() != 0) { /* root writes anywhere */
		const char *locked = in_scratch("locked");
		ck_assert_int_eq(mkdir(locked, 0500), 0);
		assert_refused(run_audit(in_scratch("locked/audit.jsonl"), NULL, &text), &text,
			       "locked/audit.jsonl: Permission denied\n");
	}
}
END_TEST

/* What the shim can use is accepted: a new file, and a FIFO without a reader yet. */
START_TEST(a_usable_audit_file_is_accepted)
{
	char *text;
	const char *audit = in_scratch("audit.jsonl");
	ck_assert_int_eq(run_audit(audit, NULL, &text), 0);
	ck_assert_msg(text[0] == '\0', "%s", text);
	ck_assert(lu_exists(audit) && lu_exists(marker));
	free(text);
	unlink(marker);
	const char *fifo = in_scratch("audit.fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(run_audit(fifo, NULL, &text), 0);
	ck_assert(lu_exists(marker));
	ck_assert_int_eq(lu_count_entries(base), 0);
	free(text);
}
END_TEST

/* Defect 11: under --seal, an audit file beneath a sealed prefix gets a warning. */
START_TEST(a_sealed_audit_file_is_warned_about)
{
	if (!have_seal())
		TJ_SKIP("needs Landlock for --seal");
	char sealed[PATH_MAX], *text;
	snprintf(sealed, sizeof(sealed), "%s", in_scratch("sealed"));
	ck_assert_int_eq(mkdir(sealed, 0700), 0);
	const char *audit = in_scratch("sealed/audit.jsonl");
	ck_assert_int_eq(run_audit(audit, sealed, &text), 0);
	ck_assert_msg(count_lines(text) == 1 && strstr(text, "tmpjail: warning: --audit ") &&
			  strstr(text, "which --seal keeps the command from writing"),
		      "%s", text);
	free(text);
	/* Outside the sealed prefixes: no word. */
	ck_assert_int_eq(run_audit(in_scratch("free.jsonl"), sealed, &text), 0);
	ck_assert_msg(text[0] == '\0', "%s", text);
	free(text);
	ck_assert_int_eq(lu_count_entries(base), 0);
}
END_TEST

/*
 * A termination signal the launcher inherited ignored (nohup, a background
 * job of sh) does not end set-up: natively the command would ignore it.
 */
START_TEST(inherited_ignored_signals_do_not_end_setup)
{
	const char *fifo = in_scratch("policy.fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	const char *argv[] = {lu_launcher(), "--base", base,   "--seccomp", fifo,
			      "--",	     "touch",  marker, NULL};
	static const int ignored[] = {SIGHUP, SIGINT, 0};
	pid_t pid = spawn(argv, &(struct spawn_opts){.out_fd = -1, .ignore = ignored});
	usleep(300000);
	kill(pid, SIGHUP);
	kill(pid, SIGINT);
	usleep(300000);
	/* Still waiting for its policy: give it one. */
	int writer = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_msg(writer >= 0, "the launcher no longer reads its policy: %s", strerror(errno));
	ck_assert_int_eq(write(writer, "default allow\n", 14), 14);
	close(writer);
	int status = lu_wait_timeout(pid, 30);
	ck_assert_msg(status == 0, "exit %d", status);
	ck_assert_msg(lu_exists(marker), "the command did not run");
	ck_assert_int_eq(lu_count_entries(base), 0);
}
END_TEST

/* The command's ignored signals, among them SIGCHLD, are those it would have natively. */
START_TEST(the_command_gets_ignored_signals_as_natively)
{
	static const int ignored[] = {SIGCHLD, SIGHUP, SIGUSR1, 0};
	const char *native[] = {"grep", "^SigIgn", "/proc/self/status", NULL};
	const char *jailed[] = {lu_launcher(),	     "--base", base, "--", "grep", "^SigIgn",
				"/proc/self/status", NULL};
	char *want, *got;
	ck_assert_int_eq(run_captured(native, (struct spawn_opts){.ignore = ignored}, &want), 0);
	ck_assert_int_eq(run_captured(jailed, (struct spawn_opts){.ignore = ignored}, &got), 0);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
	ck_assert_int_eq(lu_count_entries(base), 0);
}
END_TEST

/* Run `tmpjail @option` with stdout @out (-1: closed), stderr captured in *@text. */
static int run_answer(const char *option, const char *out, char **text)
{
	const char *err_path = in_scratch("answer.err");
	int err = open(err_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(err, 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(1);
		if (out && open(out, O_WRONLY) != 1)
			_exit(99);
		dup2(err, 2);
		execl(lu_launcher(), lu_launcher(), option, (char *)NULL);
		_exit(98);
	}
	int status = lu_wait_timeout(pid, 30);
	struct stat st;
	ck_assert_int_eq(fstat(err, &st), 0);
	*text = calloc(1, (size_t)st.st_size + 1);
	ck_assert_int_eq(pread(err, *text, (size_t)st.st_size, 0), st.st_size);
	close(err);
	return status;
}

/* --help and --version whose answer is lost (stdout full or closed) say so and fail. */
START_TEST(a_lost_answer_is_an_error)
{
	const char *options[] = {"--help", "--version"};
	const char *outs[] = {"/dev/full", NULL};
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 2; j++) {
			char *text;
			int status = run_answer(options[i], outs[j], &text);
			ck_assert_msg(status == 125 && count_lines(text) == 1 &&
					  strstr(text, "tmpjail: "),
				      "%s, stdout %s: exit %d, stderr:\n%s", options[i],
				      outs[j] ? outs[j] : "closed", status, text);
			free(text);
		}
	char *text;
	ck_assert_int_eq(run_answer("--version", "/dev/null", &text), 0);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

Suite *tj_suite(void)
{
	const struct {
		TCase *tc;
		const TTest *test;
	} cases[] = {
	    {tcase_create("policy_read_errors"), policy_read_errors_are_errors},
	    {tcase_create("policy_size_cap"), policy_size_is_capped},
	    {tcase_create("policy_error_lines_cap"), policy_error_lines_are_capped},
	    {tcase_create("policy_rule_cap"), policy_rule_count_is_capped},
	    {tcase_create("signal_silent_fifo"), signals_end_a_silent_fifo_policy},
	    {tcase_create("signal_endless_policy"), signals_end_an_endless_policy},
	    {tcase_create("signal_slow_base"), signals_end_root_creation_on_a_slow_base},
	    {tcase_create("signal_every_stage"), signals_at_every_stage_leave_nothing},
	    {tcase_create("sigpipe_launcher_output"), a_closed_pipe_on_stderr_stops_nothing},
	    {tcase_create("sigpipe_command_native"), the_command_gets_sigpipe_as_natively},
	    {tcase_create("failing_output"), failing_output_stops_nothing},
	    {tcase_create("audit_unusable"), an_unusable_audit_file_is_refused},
	    {tcase_create("audit_usable"), a_usable_audit_file_is_accepted},
	    {tcase_create("audit_sealed_warning"), a_sealed_audit_file_is_warned_about},
	    {tcase_create("signal_inherited_ignored"), inherited_ignored_signals_do_not_end_setup},
	    {tcase_create("sigchld_command_native"), the_command_gets_ignored_signals_as_natively},
	    {tcase_create("answer_lost"), a_lost_answer_is_an_error},
	};
	Suite *s = suite_create("adversary_setup");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_unchecked_fixture(cases[i].tc, setup, teardown);
		tcase_add_test(cases[i].tc, cases[i].test);
		suite_add_tcase(s, cases[i].tc);
	}
	return s;
}
