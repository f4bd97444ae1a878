/* SPDX-License-Identifier: MIT */
/*
 * The --seccomp presets and --seccomp-log. Each operation is tried twice in
 * a forked child: once without any filter (the control: it must not fail
 * the way the filter makes it fail, or the test would prove nothing) and
 * once under the filter seccomp_build() made.
 */
#define _GNU_SOURCE 1
#include <signal.h>

#include "sandbox_util.h"
#include "tj_check.h"

struct expect {
	const char *argv[4];
	int error;		 /* under the filter; 0: it must keep working */
	bool control_needs_root; /* unprivileged, the kernel refuses it too */
};

static void check_table(const char *spec, bool log, const struct expect *table, size_t count)
{
	char *err = NULL;
	struct sbx_sandbox box = {.filter = sbx_build(spec, log, &err), .seal_fd = -1};
	ck_assert_msg(box.filter, "seccomp_build(%s) failed: %s", spec, err);
	free(err);
	for (size_t i = 0; i < count; i++) {
		const struct expect *e = &table[i];
		const char *what = e->argv[1] ? e->argv[1] : "";
		int control = sbx_probe(NULL, e->argv);
		int got = sbx_probe(&box, e->argv);
		if (log) {
			ck_assert_msg(got == control,
				      "%s %s under %s in log mode: %s, unfiltered %s", e->argv[0],
				      what, spec, sbx_name(got), sbx_name(control));
			continue;
		}
		ck_assert_msg(got == e->error, "%s %s under %s: %s, expected %s", e->argv[0], what,
			      spec, sbx_name(got), sbx_name(e->error));
		if (e->error && (!e->control_needs_root || geteuid() == 0))
			ck_assert_msg(control != e->error,
				      "%s %s fails with %s even without a filter: the test "
				      "proves nothing",
				      e->argv[0], what, sbx_name(control));
	}
	seccomp_release(box.filter);
}

#define CHECK_TABLE(spec, log, table) \
	check_table(spec, log, table, sizeof(table) / sizeof(table[0]))

static const struct expect harden_eperm[] = {
    {{"ptrace"}, EPERM, false},	     {{"process_vm_readv"}, EPERM, false},
    {{"bpf"}, EPERM, true},	     {{"perf_event_open"}, EPERM, false},
    {{"userfaultfd"}, EPERM, false}, {{"mount"}, EPERM, false},
    {{"unshare-user"}, EPERM, true}, {{"setns"}, EPERM, true},
    {{"clone-newns"}, EPERM, true},
};

START_TEST(harden_denies_with_eperm)
{
	CHECK_TABLE("harden", false, harden_eperm);
}
END_TEST

static const struct expect harden_enosys[] = {
    {{"keyctl"}, ENOSYS, false},
    {{"io_uring_setup"}, ENOSYS, false},
    {{"clone3"}, ENOSYS, false},
};

START_TEST(harden_denies_with_enosys)
{
	CHECK_TABLE("harden", false, harden_enosys);
}
END_TEST

/* The kernel reads the request as 32 bits: high garbage must not help. */
static const struct expect harden_tiocsti[] = {
    {{"tiocsti"}, EPERM, true},
    {{"tiocsti-high"}, EPERM, true},
};

START_TEST(harden_refuses_tiocsti)
{
	CHECK_TABLE("harden", false, harden_tiocsti);
}
END_TEST

static const struct expect harden_works[] = {
    {{"thread"}, 0, false},
    {{"fork-exec"}, 0, false},
    {{"socket", "inet"}, 0, false},
    {{"socket", "unix"}, 0, false},
    {{"socketpair", "unix"}, 0, false},
    {{"unshare-fs"}, 0, false},
    {{"process_vm_readv"}, EPERM, false},
};

START_TEST(harden_keeps_programs_working)
{
	CHECK_TABLE("harden", false, harden_works);
}
END_TEST

static const struct expect no_network_denied[] = {
    {{"socket", "inet"}, EACCES, false},    {{"socket", "inet6"}, EACCES, false},
    {{"socket", "netlink"}, EACCES, false}, {{"socketpair", "inet"}, EACCES, false},
    {{"io_uring_setup"}, ENOSYS, false},
};

START_TEST(no_network_denies_sockets)
{
	CHECK_TABLE("no-network", false, no_network_denied);
}
END_TEST

static const struct expect no_network_unix[] = {
    {{"socket", "unix"}, 0, false},
    {{"socketpair", "unix"}, 0, false},
    {{"ptrace"}, 0, false}, /* no-network alone does not harden */
};

START_TEST(no_network_keeps_unix_sockets)
{
	CHECK_TABLE("no-network", false, no_network_unix);
}
END_TEST

static const struct expect combined[] = {
    {{"ptrace"}, EPERM, false},
    {{"socket", "inet"}, EACCES, false},
    {{"socketpair", "unix"}, 0, false},
    {{"clone3"}, ENOSYS, false},
};

START_TEST(presets_combine)
{
	CHECK_TABLE("harden,no-network", false, combined);
}
END_TEST

static const struct expect logged[] = {
    {{"ptrace"}, 0, false},	    {{"mount"}, 0, false},
    {{"keyctl"}, 0, false},	    {{"clone3"}, 0, false},
    {{"socket", "inet"}, 0, false}, {{"socketpair", "inet"}, 0, false},
    {{"clone-newns"}, 0, false},    {{"process_vm_readv"}, 0, false},
};

START_TEST(log_mode_lets_denied_calls_through)
{
	CHECK_TABLE("harden,no-network", true, logged);
}
END_TEST

/*
 * Kernels built without IA32 emulation (or booted with ia32_emulation=0)
 * kill every `int 0x80` with SIGSEGV, filter or not: there the i386 entry
 * is closed already and only x32 is left to check.
 */
static bool i386_entry_works(void)
{
	const char *i386[] = {"i386-getpid", NULL};
	int status = sbx_probe(NULL, i386);
	if (status != 0)
		fprintf(stderr,
			"note: the i386 entry point fails here without a filter (%s); "
			"checking x32 only\n",
			sbx_name(status));
	return status == 0;
}

START_TEST(foreign_architectures_are_killed)
{
	char *err = NULL;
	struct sbx_sandbox box = {.filter = sbx_build("no-network", false, &err), .seal_fd = -1};
	ck_assert_msg(box.filter, "%s", err);
	free(err);
	const char *i386[] = {"i386-getpid", NULL}, *x32[] = {"x32-getpid", NULL};
	ck_assert_int_lt(sbx_probe(NULL, x32), 128);
	ck_assert_str_eq(sbx_name(sbx_probe(&box, x32)), sbx_name(128 + SIGSYS));
	if (i386_entry_works())
		ck_assert_str_eq(sbx_name(sbx_probe(&box, i386)), sbx_name(128 + SIGSYS));
	seccomp_release(box.filter);
}
END_TEST

START_TEST(foreign_architectures_are_logged_in_log_mode)
{
	char *err = NULL;
	struct sbx_sandbox box = {.filter = sbx_build("harden", true, &err), .seal_fd = -1};
	ck_assert_msg(box.filter, "%s", err);
	free(err);
	const char *i386[] = {"i386-getpid", NULL}, *x32[] = {"x32-getpid", NULL};
	if (i386_entry_works())
		ck_assert_str_eq(sbx_name(sbx_probe(&box, i386)), "ok");
	ck_assert_str_eq(sbx_name(sbx_probe(&box, x32)), sbx_name(sbx_probe(NULL, x32)));
	seccomp_release(box.filter);
}
END_TEST

/* Run the static probe under the launcher: its output, or NULL to skip. */
static char *launch_probe(const char *option, const char *spec, const char *op, const char *arg,
			  int *status)
{
	const char *bin = getenv("TMPJAIL_BIN"), *probe = getenv("TJ_PROBE");
	ck_assert_msg(probe && access(probe, X_OK) == 0, "TJ_PROBE is not set by CMake");
	if (!bin || access(bin, X_OK) != 0)
		return NULL;
	char *argv[] = {(char *)bin,   (char *)option, (char *)spec, "--",
			(char *)probe, (char *)op,     (char *)arg,  NULL};
	char *out = NULL, *err = NULL;
	*status = sbx_run(argv, &out, &err);
	if (*status > 1)
		fprintf(stderr, "launcher stderr: %s\n", err);
	free(err);
	return out;
}

#define SKIP_NO_LAUNCHER "needs the launcher: TMPJAIL_BIN is not set or not built yet"

START_TEST(launcher_applies_presets)
{
	static const struct {
		const char *spec, *op, *arg, *out;
	} cases[] = {
	    {"harden", "ptrace", NULL, "EPERM\n"},
	    {"harden", "clone3", NULL, "ENOSYS\n"},
	    {"harden", "socket", "inet", "ok\n"},
	    {"no-network", "socket", "inet", "EACCES\n"},
	    {"no-network", "socketpair", "unix", "ok\n"},
	    {"harden,no-network", "socket", "inet6", "EACCES\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status;
		char *out =
		    launch_probe("--seccomp", cases[i].spec, cases[i].op, cases[i].arg, &status);
		if (!out)
			TJ_SKIP(SKIP_NO_LAUNCHER);
		ck_assert_msg(strcmp(out, cases[i].out) == 0, "--seccomp %s: %s %s printed '%s'",
			      cases[i].spec, cases[i].op, cases[i].arg ? cases[i].arg : "", out);
		ck_assert_int_eq(status, strcmp(cases[i].out, "ok\n") == 0 ? 0 : 1);
		free(out);
	}
}
END_TEST

START_TEST(launcher_log_mode)
{
	const char *bin = getenv("TMPJAIL_BIN"), *probe = getenv("TJ_PROBE");
	if (!bin || access(bin, X_OK) != 0)
		TJ_SKIP(SKIP_NO_LAUNCHER);
	static const char *const ops[][2] = {{"socket", "inet"}, {"ptrace", NULL}};
	for (size_t i = 0; i < 2; i++) {
		char *argv[] = {
		    (char *)bin, "--seccomp-log", "--seccomp",	     "harden,no-network",
		    "--",	 (char *)probe,	  (char *)ops[i][0], (char *)ops[i][1],
		    NULL};
		char *out = NULL;
		int status = sbx_run(argv, &out, NULL);
		ck_assert_msg(strcmp(out, "ok\n") == 0, "%s under --seccomp-log: %s", ops[i][0],
			      out);
		ck_assert_int_eq(status, 0);
		free(out);
	}
}
END_TEST

static void add_case(Suite *s, TCase *tc, const TTest *test)
{
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

Suite *tj_suite(void)
{
	Suite *s = suite_create("seccomp");
	add_case(s, tcase_create("harden_eperm"), harden_denies_with_eperm);
	add_case(s, tcase_create("harden_enosys"), harden_denies_with_enosys);
	add_case(s, tcase_create("harden_tiocsti"), harden_refuses_tiocsti);
	add_case(s, tcase_create("harden_keeps_working"), harden_keeps_programs_working);
	add_case(s, tcase_create("no_network_denies"), no_network_denies_sockets);
	add_case(s, tcase_create("no_network_unix_works"), no_network_keeps_unix_sockets);
	add_case(s, tcase_create("presets_combine"), presets_combine);
	add_case(s, tcase_create("log_mode"), log_mode_lets_denied_calls_through);
	add_case(s, tcase_create("foreign_arch_killed"), foreign_architectures_are_killed);
	add_case(s, tcase_create("foreign_arch_logged"),
		 foreign_architectures_are_logged_in_log_mode);
	add_case(s, tcase_create("launcher_presets"), launcher_applies_presets);
	add_case(s, tcase_create("launcher_log"), launcher_log_mode);
	return s;
}
