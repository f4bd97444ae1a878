/* SPDX-License-Identifier: MIT */
/*
 * The shim attacked (issue 8, defects 2, 4, 5 and 12): --gc against the
 * roots a shim makes on its own, redirected prefixes past the contract's
 * limits, hostile TMPJAIL_* values, and a signal handler racing the root's
 * creation.
 *
 * Whatever observes the real /tmp, or runs the shim without a launcher (it
 * then makes its root in the real /tmp), runs in a forked child inside a
 * private mount namespace with a fresh tmpfs on /tmp and /var/tmp: other
 * runs on this machine live in the real one, and `tmpjail --gc` is only
 * ever pointed at that private tmpfs. Such a child reports a failure on
 * stderr and with its exit status (a step number); 77 means it could not
 * make the namespace (unprivileged without user namespaces).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env.h"
#include "launcher_util.h"
#include "map.h"
#include "standalone_run.h"
#include "tj_check.h"

/* ---- defect 2: --gc and the roots a shim makes on its own ---- */

/*
 * Start @argv under the shim alone, wait until its root holds tmp/f, run
 * --gc while it still uses the root, and check it still reads "x".
 */
static int survives_gc(const char *const argv[])
{
	char out[4096];
	int fd;
	pid_t pid = start(argv, NULL, true, &fd);

	if (pid < 0)
		FAIL(1, "cannot start %s", argv[0]);
	if (!wait_in_root("tmp/f"))
		FAIL(2, "no root with tmp/f appeared in the private /tmp");
	int gc = gc_private_tmp();
	int status = finish(pid, fd, out, sizeof(out));
	if (gc != 0)
		FAIL(3, "--gc exited %d", gc);
	if (status != 0 || strcmp(out, "x\n") != 0)
		FAIL(4, "%s: exit %d, output \"%s\" (the root was removed under it)", argv[0],
		     status, out);
	return 0;
}

static int gc_own_root_body(void)
{
	const char *argv[] = {"/bin/sh", "-c", "echo x >/tmp/f; sleep 2; cat /tmp/f", NULL};
	return survives_gc(argv);
}

/* The case: a program using the shim on its own, --gc meanwhile. */
START_TEST(test_gc_spares_own_root)
{
	in_private_tmp(gc_own_root_body);
}
END_TEST

static int gc_after_exec_body(void)
{
	const char *argv[] = {"/bin/sh", "-c",
			      "echo x >/tmp/f; exec /bin/sh -c 'sleep 2; cat /tmp/f'", NULL};
	return survives_gc(argv);
}

/* The maker execs (TMPJAIL_OWNER hands the duty over): still alive. */
START_TEST(test_gc_spares_after_exec)
{
	in_private_tmp(gc_after_exec_body);
}
END_TEST

static int outliving_child_body(void)
{
	const char *argv[] = {"/bin/sh", "-c", "echo x >/tmp/f; (sleep 2; cat /tmp/f) & exit 0",
			      NULL};
	int r = survives_gc(argv);
	if (r)
		return r;
	/* The last one gone, the root is garbage: --gc takes it. */
	if (gc_private_tmp() != 0 || count_entries("/tmp") != 0)
		FAIL(5, "the root outlived its last user and --gc: %d entries",
		     count_entries("/tmp"));
	return 0;
}

/* A fork child outlives the maker: neither its exit nor --gc takes the root. */
START_TEST(test_gc_spares_outliving_child)
{
	in_private_tmp(outliving_child_body);
}
END_TEST

static int fd_closer_body(void)
{
	static const char *const hows[] = {"loop", "closefrom", "close_range", "dup2"};

	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		const char *argv[] = {env_or_die("TJ_SHIM_VICTIM"), "close", hows[i], "1500", NULL};
		int r = survives_gc(argv);
		if (r)
			FAIL(10 + (int)i, "closing every descriptor (%s) dropped the lock",
			     hows[i]);
	}
	return 0;
}

/* A program that closes every descriptor keeps its root locked. */
START_TEST(test_gc_spares_fd_closer)
{
	in_private_tmp(fd_closer_body);
}
END_TEST

static int vfork_body(void)
{
	const char *argv[] = {env_or_die("TJ_SHIM_VICTIM"), "vfork", "2000", NULL};
	return survives_gc(argv);
}

/* A vfork child that execs, then outlives its parent. */
START_TEST(test_gc_spares_vfork_child)
{
	in_private_tmp(vfork_body);
}
END_TEST

static int abandoned_body(void)
{
	char out[4096];
	const char *argv[] = {"/bin/sh", "-c", "echo x >/tmp/f; kill -9 $$", NULL};

	if (run(argv, NULL, true, out, sizeof(out)) != 128 + SIGKILL)
		FAIL(1, "the run was not killed: %s", out);
	if (count_entries("/tmp") != 1)
		FAIL(2, "no root left by the killed run");
	if (gc_private_tmp() != 0 || count_entries("/tmp") != 0)
		FAIL(3, "--gc did not remove the root of a dead run");
	return 0;
}

/* The control: the lock dies with the run, --gc removes what is left. */
START_TEST(test_gc_removes_abandoned_own_root)
{
	in_private_tmp(abandoned_body);
}
END_TEST

/* ---- defect 12: a signal handler racing the creation of the root ---- */

#define ALARM_RUNS 130

static int alarm_body(void)
{
	char out[4096], names[4096] = "";
	int total = 0, failed = 0;

	for (int i = 0; i < ALARM_RUNS; i++) {
		const char *argv[] = {env_or_die("TJ_SHIM_VICTIM"), "alarm", fmt("%d", i), NULL};
		if (run(argv, NULL, true, out, sizeof(out)) != 0)
			failed++;
		total += leaks("/tmp", names, sizeof(names));
	}
	if (total)
		FAIL(1, "%d files reached the real /tmp in %d runs: %s", total, ALARM_RUNS, names);
	if (failed)
		FAIL(2, "%d of %d runs failed: %s", failed, ALARM_RUNS, out);
	/* Every run removed its own root at exit. */
	if (count_entries("/tmp") != 0)
		FAIL(3, "%d roots left in /tmp", count_entries("/tmp"));
	return 0;
}

/* SIGALRM handlers writing /tmp/x-N while the main thread makes the root. */
START_TEST(test_signal_during_root_creation)
{
	in_private_tmp(alarm_body);
}
END_TEST

static int malloc_body(void)
{
	char out[4096], names[4096] = "";

	for (int i = 0; i < 20; i++) {
		const char *argv[] = {env_or_die("TJ_SHIM_VICTIM"), "malloc", fmt("%d", i), NULL};
		int status = run(argv, NULL, true, out, sizeof(out));
		if (status != 0)
			FAIL(1, "run %d: exit %d (137: hung, killed): %s", i, status, out);
		if (leaks("/tmp", names, sizeof(names)))
			FAIL(2, "run %d: reached the real /tmp: %s", i, names);
	}
	return 0;
}

/* The root made by a handler that interrupted malloc: no deadlock (no setenv, no remover). */
START_TEST(test_handler_makes_root_during_malloc)
{
	in_private_tmp(malloc_body);
}
END_TEST

static int exit_body(void)
{
	char out[4096], names[4096] = "";

	for (int i = 0; i < 40; i++) {
		const char *argv[] = {env_or_die("TJ_SHIM_VICTIM"), "exit", fmt("%d", i), NULL};
		int status = run(argv, NULL, true, out, sizeof(out));
		if (status != 0)
			FAIL(1, "run %d: exit %d (137: hung, killed): %s", i, status, out);
		if (leaks("/tmp", names, sizeof(names)))
			FAIL(2, "run %d: reached the real /tmp: %s", i, names);
		if (count_entries("/tmp") != 0)
			FAIL(3, "run %d: its root was not removed at _exit()", i);
	}
	return 0;
}

/* _exit() from a handler that interrupted malloc removes the root, without malloc's lock. */
START_TEST(test_handler_exits_during_malloc)
{
	in_private_tmp(exit_body);
}
END_TEST

#define THREAD_RUNS 60

static int threads_body(void)
{
	char out[4096], names[4096] = "";
	int total = 0;

	for (int i = 0; i < THREAD_RUNS; i++) {
		const char *argv[] = {env_or_die("TJ_SHIM_VICTIM"), "threads", fmt("%d", i), NULL};
		int status = run(argv, NULL, true, out, sizeof(out));
		total += leaks("/tmp", names, sizeof(names));
		if (status != 0)
			FAIL(1, "run %d: exit %d: %s", i, status, out);
	}
	if (total)
		FAIL(2, "%d files reached the real /tmp in %d runs: %s", total, THREAD_RUNS, names);
	if (count_entries("/tmp") != 0)
		FAIL(3, "%d roots left in /tmp", count_entries("/tmp"));
	return 0;
}

/* Threads (one forking) make the root at once, handlers firing in any of them. */
START_TEST(test_threads_race_root_creation)
{
	in_private_tmp(threads_body);
}
END_TEST

/* ---- defect 5: hostile TMPJAIL_* values fail closed ---- */

/*
 * Run a shell that writes /tmp/leak and /var/tmp/leak under the shim with
 * @extra; nothing may reach the real (private) /tmp or /var/tmp.
 */
static int no_leak_with(int step, const char *const extra[])
{
	char out[4096], names[4096] = "";
	const char *argv[] = {"/bin/sh", "-c",
			      "echo x >/tmp/leak; echo x >/var/tmp/leak; "
			      "env -i /bin/sh -c 'echo x >/tmp/leak-child'",
			      NULL};

	run(argv, extra, true, out, sizeof(out));
	int n = 0;
	static const char *const files[] = {"/tmp/leak", "/var/tmp/leak", "/tmp/leak-child"};
	for (size_t i = 0; i < 3; i++) {
		if (access(files[i], F_OK) == 0) {
			n++;
			strcat(strcat(names, files[i]), " ");
			unlink(files[i]);
		}
	}
	if (n)
		FAIL(step, "with %s %s: %s reached the real directory (output: %s)", extra[0],
		     extra[1] ? extra[1] : "", names, out);
	return 0;
}

static int hostile_root_body(void)
{
	char huge[6000];
	int r;

	memset(huge, 'a', sizeof(huge) - 1);
	huge[0] = '/';
	huge[sizeof(huge) - 1] = '\0';
	if (symlink("/", "/tmp/to-slash") < 0 || mkdir("/tmp/good", 0700) < 0 ||
	    mkdir("/tmp/good/tmp", 0700) < 0 || mkdir("/tmp/linked", 0700) < 0 ||
	    symlink("/tmp", "/tmp/linked/tmp") < 0 ||
	    close(open("/tmp/file", O_CREAT | O_WRONLY, 0600)) < 0)
		FAIL(1, "set-up: %s", strerror(errno));
	const char *roots[] = {
	    "/",	 "//",	     "/.",   "/./",	 "/tmp/..", "/tmp/../",	  "/tmp/to-slash",
	    "/tmp/file", "relative", "/tmp", "/var/tmp", huge,	    "/tmp/linked"};
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		const char *extra[] = {fmt("TMPJAIL_ROOT=%s", roots[i]), NULL};
		if ((r = no_leak_with(10 + (int)i, extra)))
			return r;
	}
	/* A root not ours (root only: unprivileged cannot give one away). */
	if (geteuid() == 0) {
		if (mkdir("/tmp/other", 0777) < 0 || mkdir("/tmp/other/tmp", 0777) < 0 ||
		    chown("/tmp/other", 65534, 65534) < 0)
			FAIL(2, "set-up: %s", strerror(errno));
		const char *extra[] = {"TMPJAIL_ROOT=/tmp/other", NULL};
		if ((r = no_leak_with(40, extra)))
			return r;
	}
	return 0;
}

/* TMPJAIL_ROOT naming "/" (or a real prefix, a link, a file, ...) turns nothing off. */
START_TEST(test_hostile_root)
{
	in_private_tmp(hostile_root_body);
}
END_TEST

static int hostile_dir_redirect_body(void)
{
	int r;

	if (mkdir("/tmp/good", 0700) < 0 || mkdir("/tmp/good/tmp", 0700) < 0 ||
	    mkdir("/tmp/good/var", 0700) < 0 || symlink("/var/tmp", "/tmp/good/var/tmp") < 0 ||
	    mkdir("/tmp/good2", 0700) < 0 || symlink("/tmp", "/tmp/good2/tmp") < 0)
		FAIL(1, "set-up: %s", strerror(errno));
	const char *const cases[][2] = {
	    {"TMPJAIL_DIR=/tmp", "TMPJAIL_ROOT=/tmp/good"},
	    {"TMPJAIL_DIR=/tmp/good/../../tmp", "TMPJAIL_ROOT=/tmp/good"},
	    {"TMPJAIL_DIR=tmp", "TMPJAIL_ROOT=/tmp/good"},
	    {"TMPJAIL_ROOT=/tmp/good2", NULL}, /* its tmp/ is a link to /tmp */
	    {"TMPJAIL_ROOT=/tmp/good", NULL},  /* its var/tmp is a link to /var/tmp */
	    {"TMPJAIL_REDIRECT=", "TMPJAIL_ROOT=/tmp/good"},
	    {"TMPJAIL_REDIRECT=/", "TMPJAIL_ROOT=/tmp/good"},
	    {"TMPJAIL_REDIRECT=tmp:var/tmp", "TMPJAIL_ROOT=/tmp/good"},
	    {"TMPJAIL_REDIRECT=/tmp/..", "TMPJAIL_ROOT=/tmp/good"},
	    {"TMPJAIL_REDIRECT=", NULL},
	    {"TMPJAIL_REDIRECT=/", NULL},
	    {"TMPJAIL_PRELOAD=/nonexistent/libtmpjail-preload.so", "TMPJAIL_ROOT=/tmp/good"},
	    {"TMPJAIL_PRELOAD=/bin/true", NULL},
	    /* Only empty entries: a list naming nothing (found by fuzz_shim_env). */
	    {"TMPJAIL_REDIRECT=:", "TMPJAIL_ROOT=/tmp/good"},
	    {"TMPJAIL_REDIRECT=::", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *extra[] = {cases[i][0], cases[i][1], NULL};
		if ((r = no_leak_with(10 + (int)i, extra)))
			return r;
	}
	return 0;
}

/* TMPJAIL_DIR, TMPJAIL_REDIRECT and TMPJAIL_PRELOAD values that would turn it off. */
START_TEST(test_hostile_dir_redirect_preload)
{
	in_private_tmp(hostile_dir_redirect_body);
}
END_TEST

static int owner_lock_body(void)
{
	char out[4096];
	const char *root = "/tmp/tj-abcdefgh";

	if (mkdir(root, 0700) < 0 || mkdir("/tmp/tj-abcdefgh/tmp", 0700) < 0)
		FAIL(1, "set-up: %s", strerror(errno));
	/* Only exactly our pid hands the removal over: "<pid>x" is not it. */
	const char *argv[] = {"/bin/sh", "-c",
			      "TMPJAIL_OWNER=${$}x exec /bin/sh -c 'echo x >/tmp/f'", NULL};
	const char *extra[] = {fmt("TMPJAIL_ROOT=%s", root), NULL};
	if (run(argv, extra, true, out, sizeof(out)) != 0 || access(root, F_OK) != 0)
		FAIL(2, "TMPJAIL_OWNER=<pid>x removed the root (%s)", out);
	/* A TMPJAIL_LOCK naming stdout (or nonsense) is never taken over. */
	static const char *const locks[] = {"1", "-1", "99999999999", "abc", ""};
	for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++) {
		const char *cat[] = {"/bin/sh", "-c", "echo hello; cat /tmp/f", NULL};
		const char *env[] = {fmt("TMPJAIL_ROOT=%s", root), "TMPJAIL_OWNER=1",
				     fmt("TMPJAIL_LOCK=%s", locks[i]), NULL};
		if (run(cat, env, true, out, sizeof(out)) != 0 || strcmp(out, "hello\nx\n") != 0)
			FAIL(3 + (int)i, "TMPJAIL_LOCK=%s: output \"%s\"", locks[i], out);
	}
	return 0;
}

/* The name of the one root in the private /tmp, or NULL. */
static const char *only_root(void)
{
	static char path[PATH_MAX];
	DIR *dir = opendir("/tmp");
	struct dirent *e;

	path[0] = '\0';
	while (dir && (e = readdir(dir)))
		if (strncmp(e->d_name, "tj-", 3) == 0)
			snprintf(path, sizeof(path), "/tmp/%s", e->d_name);
	if (dir)
		closedir(dir);
	return path[0] ? path : NULL;
}

static int live_launcher_body(void)
{
	char out[4096], shim_out[4096];
	int fd;
	const char *argv[] = {env_or_die("TMPJAIL_BIN"),
			      "--base",
			      "/tmp",
			      "--",
			      "/bin/sh",
			      "-c",
			      "echo x >/tmp/f; sleep 2; cat /tmp/f",
			      NULL};
	pid_t pid = start(argv, NULL, false, &fd);

	if (pid < 0 || !wait_in_root("tmp/f"))
		FAIL(1, "the launcher's run did not start");
	/* Shaped like a shim's own root, ours, and named by TMPJAIL_OWNER=$$:
	 * still the launcher's, alive, so never removed. */
	const char *hand_over[] = {"/bin/sh", "-c", "TMPJAIL_OWNER=$$ exec /bin/true", NULL};
	const char *extra[] = {fmt("TMPJAIL_ROOT=%s", only_root()), NULL};
	int status = run(hand_over, extra, true, shim_out, sizeof(shim_out));
	int launcher = finish(pid, fd, out, sizeof(out));
	if (status != 0 || launcher != 0 || strcmp(out, "x\n") != 0)
		FAIL(2, "shim exit %d (%s); launcher exit %d, output \"%s\"", status, shim_out,
		     launcher, out);
	return 0;
}

/* A stray TMPJAIL_OWNER never removes a live launcher's root. */
START_TEST(test_live_launcher_root_never_removed)
{
	in_private_tmp(live_launcher_body);
}
END_TEST

/* TMPJAIL_OWNER and TMPJAIL_LOCK are read strictly. */
START_TEST(test_owner_and_lock_values)
{
	in_private_tmp(owner_lock_body);
}
END_TEST

/* ---- defect 4: redirected prefixes past the contract's limits ---- */

static int lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* A prefix under @scratch padded to exactly @len bytes; the real directory is made. */
static const char *long_prefix(const char *scratch, size_t len)
{
	static char path[PATH_MAX];
	size_t at = (size_t)snprintf(path, sizeof(path), "%s/", scratch);

	ck_assert_uint_lt(at + 1, len);
	memset(path + at, 'p', len - at);
	path[len] = '\0';
	ck_assert_int_eq(mkdir(path, 0700), 0);
	return path;
}

START_TEST(test_launcher_refuses_past_limits)
{
	const char *scratch = lu_scratch_make();
	char base[PATH_MAX], *out = NULL;

	snprintf(base, sizeof(base), "%s/base", scratch);
	ck_assert_int_eq(mkdir(base, 0700), 0);
	/* 256 bytes: refused at start, naming the limit, nothing run. */
	const char *prefix = long_prefix(scratch, ENV_REDIRECT_PREFIX_MAX + 1);
	const char *too_long[] = {lu_launcher(), "--base", base,
				  "--redirect",	 prefix,   "--",
				  "/bin/sh",	 "-c",	   fmt("echo x >%s/f", prefix),
				  NULL};
	ck_assert_int_eq(lu_run(too_long, &out, 60), 125);
	ck_assert_msg(strstr(out, "255") && lines(out) == 1, "%s", out);
	ck_assert_int_eq(lu_count_entries(prefix), 0);
	free(out);

	/* 255 bytes: accepted, and redirected. */
	prefix = long_prefix(scratch, ENV_REDIRECT_PREFIX_MAX);
	too_long[4] = prefix;
	too_long[8] = fmt("echo x >%s/f", prefix);
	ck_assert_int_eq(lu_run(too_long, &out, 60), 0);
	ck_assert_int_eq(lu_count_entries(prefix), 0);
	free(out);

	/* 14 more prefixes: all redirected; a 15th: refused. */
	const char *argv[64] = {lu_launcher(), "--base", base};
	int n = 3;
	char dirs[15][PATH_MAX];
	for (int i = 0; i < 15; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "%s/d%d", scratch, i);
		ck_assert_int_eq(mkdir(dirs[i], 0700), 0);
		argv[n++] = "--redirect";
		argv[n++] = dirs[i];
	}
	argv[n++] = "--";
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = fmt("echo x >%s/f", dirs[13]);
	argv[n] = NULL;
	ck_assert_int_eq(lu_run(argv, &out, 60), 125);
	ck_assert_msg(strstr(out, "16"), "%s", out);
	free(out);
	argv[3 + 2 * 14] = "--"; /* drop the 15th */
	argv[3 + 2 * 14 + 1] = "/bin/sh";
	argv[3 + 2 * 14 + 2] = "-c";
	argv[3 + 2 * 14 + 3] = fmt("echo x >%s/f", dirs[13]);
	argv[3 + 2 * 14 + 4] = NULL;
	ck_assert_int_eq(lu_run(argv, &out, 60), 0);
	ck_assert_msg(lu_count_entries(dirs[13]) == 0, "the 14th prefix was not redirected");
	free(out);
	lu_scratch_remove(scratch);
}
END_TEST

/* The shim, given a TMPJAIL_REDIRECT it cannot hold whole, refuses: no write lands. */
START_TEST(test_shim_fails_closed_past_limits)
{
	const char *scratch = lu_scratch_make();
	char root[PATH_MAX], list[3 * MAP_REDIRECT_MAX], *out = NULL;

	snprintf(root, sizeof(root), "%s/root", scratch);
	ck_assert_int_eq(mkdir(root, 0700), 0);
	ck_assert_int_eq(mkdir(fmt("%s/tmp", root), 0700), 0);
	/* 17 prefixes; one of 256 bytes; a list longer than any the shim holds. */
	const char *last = NULL;
	list[0] = '\0';
	for (int i = 0; i < MAP_MAX_RULES + 1; i++) {
		last = fmt("%s/d%d", scratch, i);
		ck_assert_int_eq(mkdir(last, 0700), 0);
		strcat(strcat(list, last), ":");
	}
	const char *longest = long_prefix(scratch, MAP_PREFIX_MAX);
	char huge[3 * MAP_REDIRECT_MAX];
	snprintf(huge, sizeof(huge), "/tmp:/var/tmp");
	while (strlen(huge) < MAP_REDIRECT_MAX + 16)
		strcat(huge, ":/a/b/c/d/e/f");
	strcat(strcat(huge, ":"), last);
	const char *lists[][2] = {{list, last}, {longest, longest}, {huge, last}};
	for (size_t i = 0; i < 3; i++) {
		const char *argv[] = {"/bin/sh", "-c", fmt("echo x >%s/f", lists[i][1]), NULL};
		setenv("TMPJAIL_REDIRECT", lists[i][0], 1);
		setenv("TMPJAIL_ROOT", root, 1);
		setenv("LD_PRELOAD", getenv("TMPJAIL_SHIM"), 1);
		int status = lu_run(argv, &out, 60);
		unsetenv("LD_PRELOAD");
		ck_assert_msg(lu_count_entries(lists[i][1]) == 0,
			      "list %zu: the write reached %s (exit %d: %s)", i, lists[i][1],
			      status, out);
		ck_assert_int_ne(status, 0);
		free(out);
	}
	unsetenv("TMPJAIL_REDIRECT");
	unsetenv("TMPJAIL_ROOT");
	lu_scratch_remove(scratch);
}
END_TEST

/* Read "**<n>**" after @label in the contract (docs/architecture.md). */
static long contract_number(const char *doc, const char *label)
{
	const char *at = strstr(doc, label);

	ck_assert_msg(at != NULL, "docs/architecture.md does not state \"%s\"", label);
	at = strstr(at, "**");
	ck_assert_ptr_nonnull(at);
	return strtol(at + 2, NULL, 10);
}

/* The limits live in the contract; the launcher and the shim read the same. */
START_TEST(test_limits_agree_with_contract)
{
	char doc[65536];
	const char *path = fmt("%s/architecture.md", env_or_die("TJ_DOCS_DIR"));
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	long prefixes = contract_number(doc, "Most redirected prefixes");
	long bytes = contract_number(doc, "Longest redirected prefix");
	ck_assert_int_eq(prefixes, ENV_REDIRECT_MAX_PREFIXES);
	ck_assert_int_eq(prefixes, MAP_MAX_RULES);
	ck_assert_int_eq(bytes, ENV_REDIRECT_PREFIX_MAX);
	ck_assert_int_eq(bytes, MAP_PREFIX_MAX - 1);
	/* The longest list fits the shim's copy of TMPJAIL_REDIRECT. */
	ck_assert_int_le(prefixes * (bytes + 1), MAP_REDIRECT_MAX);
}
END_TEST

static void add_case(Suite *suite, TCase *tc, const TTest *test)
{
	tcase_add_test(tc, test);
	suite_add_tcase(suite, tc);
}

Suite *tj_suite(void)
{
	Suite *suite = suite_create("adversary_shim");

	add_case(suite, tcase_create("gc_spares_own_root"), test_gc_spares_own_root);
	add_case(suite, tcase_create("gc_spares_after_exec"), test_gc_spares_after_exec);
	add_case(suite, tcase_create("gc_spares_outliving_child"), test_gc_spares_outliving_child);
	add_case(suite, tcase_create("gc_spares_fd_closer"), test_gc_spares_fd_closer);
	add_case(suite, tcase_create("gc_spares_vfork_child"), test_gc_spares_vfork_child);
	add_case(suite, tcase_create("gc_removes_abandoned_own_root"),
		 test_gc_removes_abandoned_own_root);
	add_case(suite, tcase_create("signal_during_root_creation"),
		 test_signal_during_root_creation);
	add_case(suite, tcase_create("handler_makes_root_during_malloc"),
		 test_handler_makes_root_during_malloc);
	add_case(suite, tcase_create("handler_exits_during_malloc"),
		 test_handler_exits_during_malloc);
	add_case(suite, tcase_create("threads_race_root_creation"),
		 test_threads_race_root_creation);
	add_case(suite, tcase_create("hostile_root"), test_hostile_root);
	add_case(suite, tcase_create("hostile_dir_redirect_preload"),
		 test_hostile_dir_redirect_preload);
	add_case(suite, tcase_create("owner_and_lock_values"), test_owner_and_lock_values);
	add_case(suite, tcase_create("live_launcher_root_never_removed"),
		 test_live_launcher_root_never_removed);
	add_case(suite, tcase_create("launcher_refuses_past_limits"),
		 test_launcher_refuses_past_limits);
	add_case(suite, tcase_create("shim_fails_closed_past_limits"),
		 test_shim_fails_closed_past_limits);
	add_case(suite, tcase_create("limits_agree_with_contract"),
		 test_limits_agree_with_contract);
	return suite;
}
