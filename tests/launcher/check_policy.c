/* SPDX-License-Identifier: MIT */
/*
 * Policy files: every kind of mistake is reported with the exact
 * "tmpjail: FILE:LINE: message" a user sees, and a good file's rules
 * (conditions, kill, log, allow-lists) do what they say in a child.
 */
#define _GNU_SOURCE 1
#include <signal.h>
#include <sys/signalfd.h>

#include "policy.h"
#include "sandbox_util.h"
#include "tj_check.h"

static char *scratch;

static void setup(void)
{
	scratch = sbx_scratch();
	ck_assert_msg(scratch, "cannot make a scratch directory: %s", strerror(errno));
}

static void teardown(void)
{
	if (scratch)
		ck_assert_int_eq(sbx_remove_scratch(scratch), 0);
	free(scratch);
	scratch = NULL;
}

/* Write @size bytes of @text to @name in the scratch directory. */
static const char *write_policy(const char *name, const char *text, size_t size)
{
	const char *path = sbx_join(scratch, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, size), (ssize_t)size);
	close(fd);
	return path;
}

#define POLICY(name, text) write_policy(name, text, strlen(text))

/* Build @spec; it must fail and print exactly @expected. */
static void expect_error(const char *spec, const char *expected)
{
	char *err = NULL;
	scmp_filter_ctx ctx = sbx_build(spec, false, &err);
	if (ctx)
		seccomp_release(ctx);
	ck_assert_msg(!ctx, "'%s' was accepted", spec);
	ck_assert_str_eq(err, expected);
	free(err);
}

static const struct {
	const char *text;
	unsigned int line;
	const char *message;
} mistakes[] = {
    {"ptrace\n", 1,
     "expected 'default ACTION', 'include PRESET' or 'SYSCALL ACTION [CONDITION...]'"},
    {"# comment\n\nfrobnicate allow\n", 3, "unknown system call 'frobnicate'"},
    {"ptrace deny\n", 1, "unknown action 'deny' (allow, errno NAME|N, kill, log)"},
    {"ptrace errno\n", 1, "'errno' needs a name or a number (errno EPERM)"},
    {"ptrace errno EFOO\n", 1, "unknown errno name 'EFOO'"},
    {"ptrace errno 5000\n", 1, "errno 5000 is out of range (0 to 4095)"},
    {"socket errno EACCES arg0 == AF_NOPE\n", 1, "unknown constant 'AF_NOPE'"},
    {"socket errno EACCES arg0 == AF_INET|\n", 1, "bad value 'AF_INET|'"},
    {"socket allow arg0 == 12x\n", 1, "bad number '12x'"},
    {"socket allow arg0 == -AF_INET\n", 1, "bad number '-AF_INET'"},
    {"socket allow arg0 == --1\n", 1, "bad number '--1'"},
    {"socket allow arg0 =<1\n", 1, "unknown operator '=<' (==, !=, <, <=, >, >=, or & MASK ==)"},
    {"socket allow arg6 == 1\n", 1, "expected a condition (arg0 to arg5) at 'arg6'"},
    {"socket allow arg0 => 1\n", 1, "unknown operator '=>' (==, !=, <, <=, >, >=, or & MASK ==)"},
    {"socket allow arg0 ==\n", 1,
     "incomplete condition after 'arg0' (argN OP VALUE or argN & MASK == VALUE)"},
    {"socket allow arg0 & 3 != 1\n", 1, "a masked condition compares with '==', not '!='"},
    {"socket allow arg0 == 1 arg0 == 2\n", 1, "arg0 is tested twice (one condition per argument)"},
    {"default allow\n\ndefault kill\n", 3, "a second 'default' line (the first is line 1)"},
    {"default allow arg0 == 1\n", 1, "'default' takes an action and no conditions"},
    {"include hardened\n", 1, "unknown preset 'hardened' (harden, no-network)"},
    {"include\n", 1, "expected 'include PRESET'"},
    {"read allow\nptrace errno EPERM\nptrace allow\n", 3,
     "the rule for ptrace conflicts with the one from FILE:2"},
    {"socket errno EACCES arg0 == 2\nsocket allow\n", 2,
     "the rule for socket conflicts with the one from FILE:1"},
    {"include harden\nptrace allow\n", 2,
     "the rule for ptrace conflicts with the one from preset harden (included at FILE:1)"},
    {"ptrace allow arg0 == 1 arg1 == 2 arg2 == 3 arg3 == 4 arg4 == 5 arg5 == 6 arg0 == 7\n", 1,
     "more than 6 conditions"},
    {"ptrace allow arg0 & 1 == 1 arg1 & 1 == 1 arg2 & 1 == 1 arg3 & 1 == 1 arg4 & 1 == 1 "
     "arg5 & 1 == 1 arg0 & 1 == 1\n",
     1, "too many words for one rule"},
};

START_TEST(each_mistake_names_file_and_line)
{
	for (size_t i = 0; i < sizeof(mistakes) / sizeof(mistakes[0]); i++) {
		const char *path = POLICY("bad.policy", mistakes[i].text);
		char message[1024], expected[2048];
		/* FILE in the message stands for the policy's path. */
		const char *file = strstr(mistakes[i].message, "FILE");
		if (file)
			snprintf(message, sizeof(message), "%.*s%s%s",
				 (int)(file - mistakes[i].message), mistakes[i].message, path,
				 file + 4);
		else
			snprintf(message, sizeof(message), "%s", mistakes[i].message);
		snprintf(expected, sizeof(expected), "tmpjail: %s:%u: %s\n", path, mistakes[i].line,
			 message);
		expect_error(path, expected);
	}
}
END_TEST

START_TEST(nul_bytes_and_long_lines_are_refused)
{
	char expected[4096];
	const char *path = write_policy("nul.policy", "ptrace allow\nread\0allow\n", 24);
	snprintf(expected, sizeof(expected), "tmpjail: %s:2: NUL byte in the line\n", path);
	expect_error(path, expected);

	/* 4094 characters is the longest line: a comment that long is fine,
	 * one more is refused. */
	char *text = malloc(4200);
	ck_assert_ptr_nonnull(text);
	memset(text, '#', 4094);
	strcpy(text + 4094, "\nread allow\n");
	char *err = NULL;
	scmp_filter_ctx ctx = sbx_build(POLICY("long.policy", text), false, &err);
	ck_assert_msg(ctx, "a 4094-character line was refused: %s", err);
	seccomp_release(ctx);
	free(err);
	memset(text, '#', 4095);
	strcpy(text + 4095, "\n");
	path = POLICY("long.policy", text);
	snprintf(expected, sizeof(expected), "tmpjail: %s:1: line longer than 4094 characters\n",
		 path);
	expect_error(path, expected);
	free(text);
}
END_TEST

START_TEST(unreadable_files_are_reported)
{
	char expected[4096];
	const char *missing = sbx_join(scratch, "missing.policy");
	snprintf(expected, sizeof(expected),
		 "tmpjail: %s: cannot open the policy file: No such file or directory\n", missing);
	expect_error(missing, expected);
	snprintf(expected, sizeof(expected),
		 "tmpjail: %s: cannot read the policy file: Is a directory\n", scratch);
	expect_error(scratch, expected);
	expect_error("harden,", "tmpjail: --seccomp: empty policy name in 'harden,'\n");
}
END_TEST

START_TEST(every_mistake_is_reported_at_once)
{
	const char *path = POLICY("two.policy", "ptrace deny\nread allow\nfrobnicate allow\n");
	char expected[4096];
	snprintf(expected, sizeof(expected),
		 "tmpjail: %s:1: unknown action 'deny' (allow, errno NAME|N, kill, log)\n"
		 "tmpjail: %s:3: unknown system call 'frobnicate'\n",
		 path, path);
	expect_error(path, expected);
}
END_TEST

/* Whichever comes second is reported: a file's line, or the preset. */
START_TEST(conflicts_with_presets_in_either_order)
{
	const char *path = POLICY("allow.policy", "# let me trace\nptrace allow\n");
	char spec[4200], expected[8400];
	snprintf(spec, sizeof(spec), "harden,%s", path);
	snprintf(expected, sizeof(expected),
		 "tmpjail: %s:2: the rule for ptrace conflicts with the one from preset harden\n",
		 path);
	expect_error(spec, expected);
	snprintf(spec, sizeof(spec), "%s,harden", path);
	snprintf(
	    expected, sizeof(expected),
	    "tmpjail: --seccomp harden: the rule for ptrace conflicts with the one from %s:2\n",
	    path);
	expect_error(spec, expected);
}
END_TEST

START_TEST(defaults_must_agree_across_files)
{
	const char *a = POLICY("a.policy", "default errno EPERM\nread allow\n");
	const char *b = POLICY("b.policy", "# b\ndefault kill\n");
	const char *same = POLICY("same.policy", "default errno 1\n");
	char spec[8192], expected[8192];
	snprintf(spec, sizeof(spec), "%s,%s", a, b);
	snprintf(expected, sizeof(expected),
		 "tmpjail: %s:2: this default conflicts with the one at %s:1\n", b, a);
	expect_error(spec, expected);
	/* The same default twice is no conflict. */
	snprintf(spec, sizeof(spec), "%s,%s", a, same);
	char *err = NULL;
	scmp_filter_ctx ctx = sbx_build(spec, false, &err);
	ck_assert_msg(ctx, "%s", err);
	seccomp_release(ctx);
	free(err);
}
END_TEST

struct expect {
	const char *argv[4];
	int result; /* as sbx_probe() */
};

/* Build @spec (with --seccomp-log when @log) and check each operation. */
static void check_rules(const char *spec, bool log, const struct expect *table, size_t count)
{
	char *err = NULL;
	struct sbx_sandbox box = {.filter = sbx_build(spec, log, &err), .seal_fd = -1};
	ck_assert_msg(box.filter, "%s was refused: %s", spec, err);
	ck_assert_str_eq(err, "");
	free(err);
	for (size_t i = 0; i < count; i++) {
		int got = sbx_probe(&box, table[i].argv);
		ck_assert_msg(got == table[i].result, "%s %s: %s, expected %s", table[i].argv[0],
			      table[i].argv[1] ? table[i].argv[1] : "", sbx_name(got),
			      sbx_name(table[i].result));
		/* The control: without the filter, nothing fails that way. */
		if (table[i].result)
			ck_assert_int_ne(sbx_probe(NULL, table[i].argv), table[i].result);
	}
	seccomp_release(box.filter);
}

#define CHECK_RULES(spec, log, table) \
	check_rules(spec, log, table, sizeof(table) / sizeof(table[0]))

static const char good_policy[] =
    "# a deny-list with conditions\n"
    "socket errno EACCES arg0 == AF_INET   # comment after a rule\n"
    "socket errno 1 arg0 == AF_INET6\n"
    "socket\terrno ENOSYS arg0 >= AF_NETLINK arg1 & 0xf == 3\n"
    "socketpair errno EACCES arg0 != AF_UNIX\n"
    "unshare errno EPERM arg0 & CLONE_NEWUSER|CLONE_NEWNS == CLONE_NEWUSER\n"
    "openat errno EROFS arg2 & O_ACCMODE == O_WRONLY\n"
    "ptrace kill\n"
    "process_vm_readv log\n"
    "mmap allow arg2 < 0x100 arg3 <= 0xffffffff\n"
    "mprotect allow arg2 > 7\n";

static const struct expect good_results[] = {
    {{"socket", "inet"}, EACCES},
    {{"socket", "inet6"}, EPERM},
    {{"socket", "netlink"}, ENOSYS}, /* SOCK_RAW is 3 */
    {{"socket", "unix"}, 0},
    {{"socketpair", "inet"}, EACCES},
    {{"socketpair", "unix"}, 0},
    {{"unshare-user"}, EPERM},
    {{"unshare-fs"}, 0},
    {{"create", "/dev/null"}, EROFS}, /* O_WRONLY|O_CREAT|O_EXCL */
    {{"read", "/dev/null"}, 0},
    {{"ptrace"}, 128 + SIGSYS},
    {{"process_vm_readv"}, 0},
};

/* Operators need no blanks. AT_FDCWD is the int's 32 bits, compared under
 * a mask because a caller may leave anything in the upper half; -1 is all
 * 64 bits set (parsed only: no call here passes it). */
static const char compact_policy[] =
    "socket errno EACCES arg0==AF_INET\n"
    "socketpair errno EACCES arg0!=AF_UNIX#comment\n"
    "unshare errno EPERM arg0&CLONE_NEWUSER==CLONE_NEWUSER\n"
    "openat errno EROFS arg0&0xffffffff==AT_FDCWD arg2&O_ACCMODE==O_WRONLY\n"
    "openat errno EXDEV arg0==-1 arg2&O_ACCMODE==O_RDWR\n"
    "mmap allow arg4==-1 arg3&MAP_ANONYMOUS|MAP_PRIVATE==MAP_PRIVATE\n"
    "socket errno ENOSYS arg0==AF_INET6 arg1&SOCK_CLOEXEC==SOCK_CLOEXEC\n";

static const struct expect compact_results[] = {
    {{"socket", "inet"}, EACCES},     {{"socket", "inet6"}, ENOSYS}, /* the probe passes
									SOCK_CLOEXEC */
    {{"socketpair", "inet"}, EACCES}, {{"socketpair", "unix"}, 0},   {{"unshare-user"}, EPERM},
    {{"create", "/dev/null"}, EROFS}, {{"read", "/dev/null"}, 0},
};

START_TEST(compact_syntax_and_negative_values)
{
	CHECK_RULES(POLICY("compact.policy", compact_policy), false, compact_results);
}
END_TEST

START_TEST(a_good_file_does_what_it_says)
{
	CHECK_RULES(POLICY("good.policy", good_policy), false, good_results);
}
END_TEST

static const struct expect logged_results[] = {
    {{"socket", "inet"}, 0},
    {{"unshare-user"}, 0},
    {{"ptrace"}, 0},
};

START_TEST(log_mode_turns_kill_and_errno_into_log)
{
	CHECK_RULES(POLICY("good.policy", good_policy), true, logged_results);
}
END_TEST

/*
 * An allow-list: what the child does between the filter and _exit(), and
 * what the sanitizers' runtime does on the way out (under ASan, _exit()
 * still checks the thread's signal stack and may map memory).
 */
#define RUNTIME_NEEDS                                                                  \
	"exit_group allow\nexit allow\nclose allow\nsigaltstack allow\ngettid allow\n" \
	"getpid allow\nwrite allow\nmmap allow\nmunmap allow\nmadvise allow\n"         \
	"rt_sigprocmask allow\nrt_sigaction allow\nfutex allow\n"
static const char allow_list[] =
    "default errno EPERM\n" RUNTIME_NEEDS "socket allow arg0 == AF_UNIX\n";

static const struct expect allow_list_results[] = {
    {{"socket", "unix"}, 0},
    {{"socket", "inet"}, EPERM},
    {{"socketpair", "unix"}, EPERM},
    {{"read", "/dev/null"}, EPERM},
};

START_TEST(an_allow_list_denies_the_rest)
{
	CHECK_RULES(POLICY("allow.policy", allow_list), false, allow_list_results);
}
END_TEST

static const struct expect kill_default_results[] = {
    {{"socket", "unix"}, 0},
    {{"socketpair", "unix"}, 128 + SIGSYS},
};

START_TEST(default_kill_kills)
{
	CHECK_RULES(POLICY("kill.policy", "default kill\n" RUNTIME_NEEDS "socket allow\n"), false,
		    kill_default_results);
}
END_TEST

static const struct expect nothing_denied[] = {
    {{"ptrace"}, 0},
    {{"socket", "inet"}, 0},
};

START_TEST(an_empty_file_denies_nothing)
{
	CHECK_RULES(POLICY("empty.policy", ""), false, nothing_denied);
	CHECK_RULES(POLICY("comments.policy", "# only a comment\n\n   \t\n# and another"), false,
		    nothing_denied);
}
END_TEST

static const struct expect included_results[] = {
    {{"ptrace"}, EPERM},
    {{"socket", "inet"}, EACCES},
    {{"clone3"}, ENOSYS},
};

START_TEST(a_file_includes_presets)
{
	CHECK_RULES(POLICY("incl.policy", "include harden\ninclude no-network\n"
					  "include harden # twice is harmless\n"),
		    false, included_results);
}
END_TEST

static const struct expect file_named_like_preset[] = {
    {{"ptrace"}, ENOSYS},
};

static const struct expect the_harden_preset[] = {
    {{"ptrace"}, EPERM},
};

START_TEST(dot_slash_names_a_file_named_like_a_preset)
{
	POLICY("harden", "ptrace errno ENOSYS\n");
	char *cwd = getcwd(NULL, 0);
	ck_assert_int_eq(chdir(scratch), 0);
	CHECK_RULES("./harden", false, file_named_like_preset);
	CHECK_RULES("harden", false, the_harden_preset);
	ck_assert_int_eq(chdir(cwd), 0);
	free(cwd);
}
END_TEST

/* The example in docs/seccomp.md, between "<!-- example -->" and the end
 * of its code block, must build. */
START_TEST(the_documented_example_builds)
{
	const char *doc = getenv("TJ_SECCOMP_DOC");
	ck_assert_msg(doc, "TJ_SECCOMP_DOC is not set by CMake");
	int fd = open(doc, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", doc, strerror(errno));
	char *text = sbx_slurp(fd);
	close(fd);
	char *start = strstr(text, "<!-- example -->");
	ck_assert_msg(start, "no <!-- example --> marker in %s", doc);
	start = strstr(start, "```");
	ck_assert_ptr_nonnull(start);
	start = strchr(start, '\n') + 1;
	char *end = strstr(start, "```");
	ck_assert_ptr_nonnull(end);
	const char *path = write_policy("example.policy", start, (size_t)(end - start));
	char *err = NULL;
	scmp_filter_ctx ctx = sbx_build(path, false, &err);
	ck_assert_msg(ctx, "the documented example was refused: %s", err);
	ck_assert_msg(strstr(start, "default"), "the example has no default line");
	seccomp_release(ctx);
	free(err);
	free(text);
}
END_TEST

#define SKIP_NO_LAUNCHER "needs the launcher: TMPJAIL_BIN is not set or not built yet"

/* At most 20 mistakes are printed, over all files, then how many more. */
START_TEST(error_lines_are_capped)
{
	char text[15 * 12 + 1] = "", expected[8192] = "";
	for (int i = 0; i < 15; i++)
		strcat(text, "ptrace deny\n");
	char first[4096], spec[8300];
	snprintf(first, sizeof(first), "%s", POLICY("one.policy", text));
	const char *second = POLICY("two.policy", text);
	snprintf(spec, sizeof(spec), "%s,%s", first, second);
	for (int i = 0; i < 20; i++)
		snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected),
			 "tmpjail: %s:%d: unknown action 'deny' (allow, errno NAME|N, kill, log)\n",
			 i < 15 ? first : second, i < 15 ? i + 1 : i - 14);
	strcat(expected, "tmpjail: --seccomp: ... and 10 more errors\n");
	expect_error(spec, expected);
	/* Twenty exactly: no count line. */
	text[12 * 10] = '\0';
	const char *ten = POLICY("ten.policy", text);
	snprintf(spec, sizeof(spec), "%s,%s", ten, ten);
	char *err = NULL;
	ck_assert_ptr_null(sbx_build(spec, false, &err));
	ck_assert_ptr_null(strstr(err, "more errors"));
	free(err);
}
END_TEST

START_TEST(size_and_read_errors)
{
	char expected[4096];
	expect_error("/proc/self/mem", "tmpjail: /proc/self/mem: cannot read the policy file: "
				       "Input/output error\n");
	expect_error("/dev/zero", "tmpjail: /dev/zero: the policy file is larger than 1 MiB\n");
	size_t size = POLICY_MAX_FILE_SIZE + 1;
	char *text = malloc(size);
	memset(text, '\n', size);
	const char *path = write_policy("big.policy", text, size);
	free(text);
	snprintf(expected, sizeof(expected), "tmpjail: %s: the policy file is larger than 1 MiB\n",
		 path);
	expect_error(path, expected);
}
END_TEST

/*
 * seccomp_build() with SIGTERM and SIGUSR1 blocked into a signalfd, as the
 * launcher has them; @raise is pending before the build starts, and a
 * writer puts @text into the FIFO @fifo after 200 ms.
 */
static scmp_filter_ctx build_watched(const char *fifo, const char *text, int raise_sig, int *caught,
				     char **err)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &mask, NULL), 0);
	struct setup_signals signals = {.fd = signalfd(-1, &mask, SFD_CLOEXEC)};
	ck_assert_int_ge(signals.fd, 0);
	pid_t writer = fork();
	if (writer == 0) {
		usleep(200000);
		int fd = open(fifo, O_WRONLY);
		_exit(write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : 1);
	}
	raise(raise_sig);
	int capture = memfd_create("stderr", MFD_CLOEXEC), saved = dup(2);
	dup2(capture, 2);
	scmp_filter_ctx ctx = seccomp_build(fifo, false, &signals);
	dup2(saved, 2);
	close(saved);
	*err = sbx_slurp(capture);
	close(capture);
	kill(writer, SIGKILL);
	sbx_wait(writer);
	close(signals.fd);
	*caught = signals.caught;
	return ctx;
}

/* A FIFO policy waits for its writer, dropping other signals; SIGTERM ends the wait. */
START_TEST(reading_is_interrupted_by_termination_signals_only)
{
	const char *fifo = sbx_join(scratch, "policy.fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	char *err;
	int caught;
	scmp_filter_ctx ctx = build_watched(fifo, "ptrace kill\n", SIGUSR1, &caught, &err);
	ck_assert_msg(ctx, "the FIFO's policy was refused: %s", err);
	ck_assert_int_eq(caught, 0);
	seccomp_release(ctx);
	free(err);
	ck_assert_ptr_null(build_watched(fifo, "ptrace kill\n", SIGTERM, &caught, &err));
	ck_assert_int_eq(caught, SIGTERM);
	ck_assert_str_eq(err, ""); /* the signal says it all */
	free(err);
}
END_TEST

/* tmpjail --seccomp @spec -- tj_probe create @marker: its exit status. */
static int launch_create(const char *spec, const char *marker, char **err)
{
	char *argv[] = {getenv("TMPJAIL_BIN"), "--seccomp", (char *)spec,   "--",
			getenv("TJ_PROBE"),    "create",    (char *)marker, NULL};
	return sbx_run(argv, NULL, err);
}

START_TEST(the_launcher_refuses_bad_policies)
{
	const char *bin = getenv("TMPJAIL_BIN");
	if (!bin || access(bin, X_OK) != 0)
		TJ_SKIP(SKIP_NO_LAUNCHER);
	char marker[4096]; /* sbx_join()'s buffers are reused by POLICY() */
	snprintf(marker, sizeof(marker), "%s", sbx_join(scratch, "marker"));
	for (size_t i = 0; i < sizeof(mistakes) / sizeof(mistakes[0]); i++) {
		const char *path = POLICY("bad.policy", mistakes[i].text);
		char *err = NULL, where[4200];
		int status = launch_create(path, marker, &err);
		snprintf(where, sizeof(where), "tmpjail: %s:%u: ", path, mistakes[i].line);
		ck_assert_msg(status == 125, "policy %zu: exit %d, stderr: %s", i, status, err);
		ck_assert_msg(strstr(err, where), "policy %zu: stderr lacks '%s': %s", i, where,
			      err);
		ck_assert_msg(access(marker, F_OK) != 0, "the command ran despite policy %zu", i);
		free(err);
	}
	char *err = NULL;
	int status = launch_create(sbx_join(scratch, "missing.policy"), marker, &err);
	ck_assert_int_eq(status, 125);
	ck_assert_ptr_nonnull(strstr(err, "missing.policy: cannot open the policy file"));
	ck_assert_int_ne(access(marker, F_OK), 0);
	free(err);

	/* A good policy lets the command run. */
	status =
	    launch_create(POLICY("good.policy", "include no-network\nptrace kill\n"), marker, &err);
	ck_assert_msg(status == 0, "exit %d, stderr: %s", status, err);
	ck_assert_int_eq(access(marker, F_OK), 0);
	free(err);
}
END_TEST

/* An unchecked fixture runs in the parent, so the scratch directory is
 * removed even when a failed assertion ends the test's child early. */
static TCase *with_scratch(TCase *tc)
{
	tcase_add_unchecked_fixture(tc, setup, teardown);
	return tc;
}

static void add_case(Suite *s, TCase *tc, const TTest *test)
{
	tcase_add_test(with_scratch(tc), test);
	suite_add_tcase(s, tc);
}

Suite *tj_suite(void)
{
	Suite *s = suite_create("policy");
	add_case(s, tcase_create("error_messages"), each_mistake_names_file_and_line);
	add_case(s, tcase_create("nul_and_long_lines"), nul_bytes_and_long_lines_are_refused);
	add_case(s, tcase_create("unreadable_files"), unreadable_files_are_reported);
	add_case(s, tcase_create("all_mistakes_reported"), every_mistake_is_reported_at_once);
	add_case(s, tcase_create("default_conflicts"), defaults_must_agree_across_files);
	add_case(s, tcase_create("preset_conflicts"), conflicts_with_presets_in_either_order);
	add_case(s, tcase_create("good_file"), a_good_file_does_what_it_says);
	add_case(s, tcase_create("compact_syntax"), compact_syntax_and_negative_values);
	add_case(s, tcase_create("log_mode"), log_mode_turns_kill_and_errno_into_log);
	add_case(s, tcase_create("allow_list"), an_allow_list_denies_the_rest);
	add_case(s, tcase_create("default_kill"), default_kill_kills);
	add_case(s, tcase_create("empty_file"), an_empty_file_denies_nothing);
	add_case(s, tcase_create("include_presets"), a_file_includes_presets);
	add_case(s, tcase_create("file_named_like_preset"),
		 dot_slash_names_a_file_named_like_a_preset);
	add_case(s, tcase_create("docs_example"), the_documented_example_builds);
	add_case(s, tcase_create("launcher_bad_policy"), the_launcher_refuses_bad_policies);
	add_case(s, tcase_create("error_lines_capped"), error_lines_are_capped);
	add_case(s, tcase_create("size_and_read_errors"), size_and_read_errors);
	add_case(s, tcase_create("interrupted_read"),
		 reading_is_interrupted_by_termination_signals_only);
	return s;
}
