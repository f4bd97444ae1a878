/* SPDX-License-Identifier: MIT */
/*
 * --seal: under the Landlock ruleset, nothing can be created or written
 * under a sealed prefix except inside the private root; reads, siblings and
 * everything else keep working. Each case seals a prefix in a scratch
 * directory (the real /tmp only where said), tries the operation in a
 * forked child, and then shows the same operation succeeds unsealed.
 */
#define _GNU_SOURCE 1
#include <seccomp.h>
#include <signal.h>

#include "sandbox_util.h"
#include "tj_check.h"

static char *scratch;

/*
 * scratch/prefix/            the sealed prefix
 * scratch/prefix/existing    a file with data
 * scratch/prefix/victim      to unlink
 * scratch/prefix/sub/        a directory beneath the prefix
 * scratch/prefix/root/       the private root
 * scratch/other/src          a file to rename into the prefix
 */
static void setup(void)
{
	scratch = sbx_scratch();
	if (!scratch)
		return;
	static const char *const dirs[] = {"prefix", "prefix/sub", "prefix/root", "other"};
	static const char *const files[] = {"prefix/existing", "prefix/victim", "other/src",
					    "prefix/root/old"};
	for (size_t i = 0; i < 4; i++)
		mkdir(sbx_join(scratch, dirs[i]), 0700);
	for (size_t i = 0; i < 4; i++) {
		int fd = open(sbx_join(scratch, files[i]), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0 && write(fd, "data", 4) < 0)
			perror("write");
		if (fd >= 0)
			close(fd);
	}
}

/* Unchecked: runs in the parent, so it also cleans up after a failure. */
static void teardown(void)
{
	if (scratch && sbx_remove_scratch(scratch) != 0)
		fprintf(stderr, "cannot remove %s\n", scratch);
	free(scratch);
	scratch = NULL;
}

static int build_seal(const char *prefix, const char *root)
{
	const char *prefixes[] = {prefix};
	int fd = seal_build(prefixes, 1, root, NULL, NULL);
	ck_assert_msg(fd >= 0, "seal_build(%s, %s) failed", prefix, root);
	return fd;
}

static const char *path_of(const char *name)
{
	return sbx_join(scratch, name);
}

/* @op on scratch-relative @a (and @b) gives @expected under @box. With
 * @control, it must then succeed without the seal. */
static void expect(const struct sbx_sandbox *box, const char *op, const char *a, const char *b,
		   int expected, bool control)
{
	char pa[4096], pb[4096];
	snprintf(pa, sizeof(pa), "%s", a[0] == '/' ? a : path_of(a));
	snprintf(pb, sizeof(pb), "%s", b ? path_of(b) : "");
	const char *argv[] = {op, pa, b ? pb : NULL, NULL};
	int got = sbx_probe(box, argv);
	ck_assert_msg(got == expected, "sealed %s %s %s: %s, expected %s", op, a, b ? b : "",
		      sbx_name(got), sbx_name(expected));
	if (control) {
		got = sbx_probe(NULL, argv);
		ck_assert_msg(got == 0, "unsealed %s %s %s: %s: the test proves nothing", op, a,
			      b ? b : "", sbx_name(got));
	}
}

START_TEST(writes_under_the_prefix_fail)
{
	struct sbx_sandbox box = {.seal_fd = build_seal(path_of("prefix"), path_of("prefix/root"))};
	expect(&box, "create", "prefix/new", NULL, EACCES, true);
	expect(&box, "create", "prefix/sub/new", NULL, EACCES, true);
	expect(&box, "mkdir", "prefix/dir", NULL, EACCES, true);
	expect(&box, "symlink", "prefix/link", NULL, EACCES, true);
	expect(&box, "write", "prefix/existing", NULL, EACCES, true);
	expect(&box, "truncate", "prefix/existing", NULL, EACCES, true);
	expect(&box, "unlink", "prefix/victim", NULL, EACCES, true);
	expect(&box, "mkfifo", "prefix/fifo", NULL, EACCES, true);
	expect(&box, "link", "other/src", "prefix/hardlink", EACCES, true);
	expect(&box, "rename", "prefix/existing", "other/moved-out", EACCES, true);
	expect(&box, "rename", "other/src", "prefix/moved", EACCES, true);
	close(box.seal_fd);
}
END_TEST

START_TEST(the_root_and_everything_else_keep_working)
{
	struct sbx_sandbox box = {.seal_fd = build_seal(path_of("prefix"), path_of("prefix/root"))};
	expect(&box, "read", "prefix/existing", NULL, 0, false);
	expect(&box, "create", "prefix/root/new", NULL, 0, false);
	expect(&box, "mkdir", "prefix/root/dir", NULL, 0, false);
	expect(&box, "create", "prefix/root/dir/deeper", NULL, 0, false);
	expect(&box, "symlink", "prefix/root/link", NULL, 0, false);
	expect(&box, "write", "prefix/root/old", NULL, 0, false);
	expect(&box, "truncate", "prefix/root/old", NULL, 0, false);
	expect(&box, "rename", "prefix/root/new", "prefix/root/dir/moved", 0, false);
	expect(&box, "unlink", "prefix/root/dir/moved", NULL, 0, false);
	expect(&box, "rename", "prefix/root/old", "other/from-root", 0, false);
	expect(&box, "create", "other/new", NULL, 0, false);
	expect(&box, "mkdir", "other/dir", NULL, 0, false);
	expect(&box, "write", "/dev/null", NULL, 0, false);
	close(box.seal_fd);
}
END_TEST

START_TEST(io_uring_cannot_open_around_the_seal)
{
	struct sbx_sandbox box = {.seal_fd = build_seal(path_of("prefix"), path_of("prefix/root"))};
	expect(&box, "io_uring-create", "prefix/uring", NULL, EACCES, true);
	expect(&box, "io_uring-create", "prefix/root/uring", NULL, 0, false);
	close(box.seal_fd);
}
END_TEST

START_TEST(the_seal_and_harden_combine_in_either_order)
{
	for (int first = 0; first < 2; first++) {
		char *err = NULL;
		struct sbx_sandbox box = {
		    .filter = sbx_build("harden", false, &err),
		    .seal_fd = build_seal(path_of("prefix"), path_of("prefix/root")),
		    .filter_first = first,
		};
		ck_assert_msg(box.filter, "%s", err);
		free(err);
		expect(&box, "create", "prefix/new", NULL, EACCES, false);
		expect(&box, "create", "prefix/root/new", NULL, 0, false);
		const char *ptrace_argv[] = {"ptrace", NULL};
		ck_assert_int_eq(sbx_probe(&box, ptrace_argv), EPERM);
		ck_assert_int_eq(unlink(path_of("prefix/root/new")), 0);
		seccomp_release(box.filter);
		close(box.seal_fd);
	}
}
END_TEST

START_TEST(a_prefix_that_does_not_exist_yet_stays_sealed)
{
	/* later/deeper does not exist: the tree may not create "later" in
	 * the scratch directory, which is on the way to it. */
	struct sbx_sandbox box = {.seal_fd =
				      build_seal(path_of("later/deeper"), path_of("prefix/root"))};
	expect(&box, "mkdir", "later", NULL, EACCES, true);
	expect(&box, "create", "other/new", NULL, 0, false);
	expect(&box, "create", "prefix/new", NULL, 0, false); /* not sealed this time */
	close(box.seal_fd);
}
END_TEST

START_TEST(a_symlinked_prefix_seals_its_target)
{
	ck_assert_int_eq(symlink("prefix", path_of("link")), 0);
	struct sbx_sandbox box = {.seal_fd = build_seal(path_of("link//"), path_of("prefix/root"))};
	expect(&box, "create", "prefix/new", NULL, EACCES, true);
	expect(&box, "create", "prefix/root/new", NULL, 0, false);
	close(box.seal_fd);
}
END_TEST

/* The default prefixes, with the real /tmp: a sealed child cannot leave a
 * file there. Should the seal fail, the file is removed and reported. */
START_TEST(the_real_tmp_is_sealed)
{
	const char *prefixes[] = {"/tmp", "/var/tmp"};
	struct sbx_sandbox box = {.seal_fd =
				      seal_build(prefixes, 2, path_of("prefix/root"), NULL, NULL)};
	ck_assert_int_ge(box.seal_fd, 0);
	char residue[64];
	snprintf(residue, sizeof(residue), "/tmp/tj-seal-check-%d", (int)getpid());
	const char *argv[] = {"create", residue, NULL};
	int got = sbx_probe(&box, argv);
	/* Remove it only if the probe made it (O_EXCL): never another's file. */
	bool left = got == 0 && unlink(residue) == 0;
	ck_assert_msg(got == EACCES && !left, "sealed create in /tmp: %s", sbx_name(got));
	expect(&box, "create", "prefix/root/new", NULL, 0, false);
	expect(&box, "create", "other/new", NULL, 0, false);
	close(box.seal_fd);
}
END_TEST

/* Landlock refused by a filter stands in for a kernel without it. */
START_TEST(no_landlock_is_a_clear_error)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (!ctx ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(landlock_create_ruleset),
				     0) < 0 ||
		    seccomp_load(ctx) < 0)
			_exit(2);
		int capture = memfd_create("stderr", MFD_CLOEXEC);
		dup2(capture, 2);
		const char *prefixes[] = {"/tmp"};
		int fd = seal_build(prefixes, 1, "/", NULL, NULL);
		char *text = sbx_slurp(capture);
		static const char want[] = "tmpjail: --seal needs Landlock, which this kernel "
					   "does not provide (Function not implemented)\n";
		_exit(fd == -1 && text && strcmp(text, want) == 0 ? 0 : 1); /* see sandbox_util.h */
	}
	ck_assert_int_eq(sbx_wait(pid), 0);
}
END_TEST

/* A prefix that cannot be resolved is an error, not a silent hole: a
 * dangling symlink would let writes through to wherever it points. */
START_TEST(unresolvable_prefixes_are_errors)
{
	char dangling[4200], message[4400];
	snprintf(dangling, sizeof(dangling), "%s", path_of("dangling"));
	ck_assert_int_eq(symlink("nowhere/at/all", dangling), 0);
	snprintf(message, sizeof(message),
		 "tmpjail: --seal: cannot resolve %s: No such file or directory\n", dangling);
	const struct {
		const char *prefix, *message;
	} cases[] = {
	    {"relative/tmp", "tmpjail: --seal: cannot resolve relative/tmp: Invalid argument\n"},
	    {"/nonexistent-tmpjail/../tmp",
	     "tmpjail: --seal: cannot resolve /nonexistent-tmpjail/../tmp: Invalid argument\n"},
	    {"/dev/null/tmp", "tmpjail: --seal: cannot resolve /dev/null/tmp: Not a directory\n"},
	    {dangling, message},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int capture = memfd_create("stderr", MFD_CLOEXEC), saved = dup(2);
		fflush(stderr);
		dup2(capture, 2);
		const char *prefixes[] = {cases[i].prefix};
		int fd = seal_build(prefixes, 1, path_of("prefix/root"), NULL, NULL);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		char *text = sbx_slurp(capture);
		close(capture);
		if (fd >= 0)
			close(fd);
		ck_assert_msg(fd == -1, "%s was accepted", cases[i].prefix);
		ck_assert_str_eq(text, cases[i].message);
		free(text);
	}
}
END_TEST

#define SKIP_NO_LAUNCHER "needs the launcher: TMPJAIL_BIN is not set or not built yet"

START_TEST(the_launcher_seals_a_static_program)
{
	const char *bin = getenv("TMPJAIL_BIN"), *probe = getenv("TJ_PROBE");
	if (!bin || access(bin, X_OK) != 0)
		TJ_SKIP(SKIP_NO_LAUNCHER);
	char residue[64];
	snprintf(residue, sizeof(residue), "/tmp/tj-seal-launch-%d", (int)getpid());
	/* Without the trap, the seal is what stops it. */
	char *in_tmp[] = {(char *)bin,	 "--seal", "--trap", "off", "--",
			  (char *)probe, "create", residue,  NULL};
	char *out = NULL, *err = NULL;
	int status = sbx_run(in_tmp, &out, &err);
	bool left = strcmp(out, "ok\n") == 0 && unlink(residue) == 0; /* the probe's own */
	ck_assert_msg(status == 1 && strcmp(out, "EACCES\n") == 0 && !left,
		      "static probe in /tmp under --seal: exit %d, '%s', stderr %s", status, out,
		      err);
	free(out);
	free(err);

	/* With it (--trap auto, the default), the static program is redirected. */
	char *trapped[] = {(char *)bin, "--seal", "--", (char *)probe, "create", residue, NULL};
	status = sbx_run(trapped, &out, &err);
	left = unlink(residue) == 0;
	ck_assert_msg(
	    status == 0 && strcmp(out, "ok\n") == 0 && !left,
	    "trapped static probe in /tmp under --seal: exit %d, '%s', left %d, stderr %s", status,
	    out, left, err);
	free(out);
	free(err);

	char *in_root[] = {(char *)bin,	  "--seal", "--",
			   "/bin/sh",	  "-c",	    "exec \"$0\" create \"$TMPJAIL_DIR/x\"",
			   (char *)probe, NULL};
	status = sbx_run(in_root, &out, &err);
	ck_assert_msg(status == 0 && strcmp(out, "ok\n") == 0,
		      "static probe in $TMPJAIL_DIR: exit %d, '%s', stderr %s", status, out, err);
	free(out);
	free(err);

	char *outside[] = {(char *)bin,	  "--seal", "--",
			   (char *)probe, "create", (char *)path_of("other/launched"),
			   NULL};
	status = sbx_run(outside, &out, NULL);
	ck_assert_msg(status == 0 && strcmp(out, "ok\n") == 0, "outside /tmp: %d '%s'", status,
		      out);
	free(out);
}
END_TEST

/* Every --redirect prefix is sealed too; its stand-in in the root is not. */
START_TEST(the_launcher_seals_redirected_prefixes)
{
	const char *bin = getenv("TMPJAIL_BIN"), *probe = getenv("TJ_PROBE");
	if (!bin || access(bin, X_OK) != 0)
		TJ_SKIP(SKIP_NO_LAUNCHER);
	char prefix[4200], target[4300];
	snprintf(prefix, sizeof(prefix), "%s", path_of("other"));
	snprintf(target, sizeof(target), "%s/sealed", prefix);
	char residue[64];
	snprintf(residue, sizeof(residue), "/var/tmp/tj-seal-launch-%d", (int)getpid());
	static const struct {
		const char *script, *out;
	} cases[] = {
	    {"exec \"$0\" create \"$1\"", "EACCES\n"},
	    {"exec \"$0\" create \"$TMPJAIL_ROOT$1\"", "ok\n"},
	    {"exec \"$0\" create \"$2\"", "EACCES\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* --trap off: the seal is what stops the static probe (the trap redirects it). */
		char *argv[] = {
		    (char *)bin,   "--redirect", prefix,    "--seal", "--trap",
		    "off",	   "--",	 "/bin/sh", "-c",     (char *)cases[i].script,
		    (char *)probe, target,	 residue,   NULL};
		char *out = NULL, *err = NULL;
		int status = sbx_run(argv, &out, &err);
		/* Only the probe's own file, should the seal have failed. */
		bool left = i == 2 && strcmp(out, "ok\n") == 0 && unlink(residue) == 0;
		ck_assert_msg(strcmp(out, cases[i].out) == 0 && !left,
			      "%s: exit %d, '%s', stderr %s", cases[i].script, status, out, err);
		free(out);
		free(err);
	}
	ck_assert_int_ne(access(target, F_OK), 0);
}
END_TEST

START_TEST(the_launcher_seal_keeps_the_private_dir_usable)
{
	const char *bin = getenv("TMPJAIL_BIN");
	if (!bin || access(bin, X_OK) != 0)
		TJ_SKIP(SKIP_NO_LAUNCHER);
	char *argv[] = {(char *)bin, "--seal", "--",
			"/bin/sh",   "-c",     "echo hi > $TMPJAIL_DIR/x && cat $TMPJAIL_DIR/x",
			NULL};
	char *out = NULL, *err = NULL;
	int status = sbx_run(argv, &out, &err);
	ck_assert_msg(status == 0, "exit %d, stderr: %s", status, err);
	ck_assert_str_eq(out, "hi\n");
	free(out);
	free(err);
}
END_TEST

static void add_case(Suite *s, TCase *tc, const TTest *test)
{
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

Suite *tj_suite(void)
{
	Suite *s = suite_create("seal");
	add_case(s, tcase_create("denies_writes_in_prefix"), writes_under_the_prefix_fail);
	add_case(s, tcase_create("root_and_outside_work"),
		 the_root_and_everything_else_keep_working);
	add_case(s, tcase_create("io_uring_open"), io_uring_cannot_open_around_the_seal);
	add_case(s, tcase_create("with_harden"), the_seal_and_harden_combine_in_either_order);
	add_case(s, tcase_create("missing_prefix"), a_prefix_that_does_not_exist_yet_stays_sealed);
	add_case(s, tcase_create("symlinked_prefix"), a_symlinked_prefix_seals_its_target);
	add_case(s, tcase_create("real_tmp"), the_real_tmp_is_sealed);
	add_case(s, tcase_create("no_landlock"), no_landlock_is_a_clear_error);
	add_case(s, tcase_create("bad_prefix"), unresolvable_prefixes_are_errors);
	add_case(s, tcase_create("launcher_static_probe"), the_launcher_seals_a_static_program);
	add_case(s, tcase_create("launcher_redirect"), the_launcher_seals_redirected_prefixes);
	add_case(s, tcase_create("launcher_shell"), the_launcher_seal_keeps_the_private_dir_usable);
	return s;
}
