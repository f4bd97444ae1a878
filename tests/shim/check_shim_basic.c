/* SPDX-License-Identifier: MIT */
/*
 * Basic behaviour of the built shim, one TCase per behaviour: the probe
 * program (shim_probe.c) runs under LD_PRELOAD=$TMPJAIL_SHIM with a scratch
 * private root, and the suite checks what landed in the root -- and that
 * the real /tmp has nothing under the unique names used.
 */
#include "probe_run.h"

START_TEST(test_open_lands_in_root)
{
	struct run run;

	PROBE(&run, NULL, "write", fmt("/tmp/%s", name), "hello");
	assert_ok(&run);
	assert_file(fmt("%s/tmp/%s", root, name), "hello");
	PROBE(&run, NULL, "read", fmt("//tmp/./%s", name));
	assert_ok(&run);
	ck_assert_str_eq(run.out, "hello");
	/* /var/tmp has its own stand-in. */
	PROBE(&run, NULL, "write", fmt("/var/tmp/%s", name), "var");
	assert_ok(&run);
	assert_file(fmt("%s/var/tmp/%s", root, name), "var");
	assert_real_tmp_clean("");
}
END_TEST

START_TEST(test_namespace_calls_agree)
{
	struct run run;
	struct stat st;

	PROBE(&run, NULL, "write", fmt("/tmp/%s", name), "12345");
	assert_ok(&run);
	PROBE(&run, NULL, "namespace", fmt("/tmp/%s", name), fmt("/tmp/%s.d", name), "keep");
	assert_ok(&run);
	ck_assert_str_eq(run.out, "size=5\n");
	assert_file(fmt("%s/tmp/%s.d/moved", root, name), "12345");
	PROBE(&run, NULL, "list", "/tmp");
	assert_ok(&run);
	ck_assert_str_eq(run.out, fmt("%s.d\n", name)); /* exactly the private dir */
	ck_assert_int_eq(tf_rmtree(fmt("%s/tmp/%s.d", root, name), 0), 0);

	PROBE(&run, NULL, "write", fmt("/tmp/%s", name), "abc");
	assert_ok(&run);
	PROBE(&run, NULL, "namespace", fmt("/tmp/%s", name), fmt("/tmp/%s.d", name));
	assert_ok(&run);
	ck_assert_int_ne(lstat(fmt("%s/tmp/%s.d", root, name), &st), 0);
	assert_real_tmp_clean("");
	assert_real_tmp_clean(".d");
}
END_TEST

START_TEST(test_mkstemp_keeps_template_text)
{
	struct run run;
	struct stat st;

	PROBE(&run, NULL, "mkstemp", fmt("/tmp/%s.XXXXXX", name));
	assert_ok(&run);
	const char *prefix = fmt("/tmp/%s.", name);
	ck_assert_msg(strncmp(run.out, prefix, strlen(prefix)) == 0, "template became %s", run.out);
	ck_assert_uint_eq(strlen(run.out), strlen(prefix) + 6 + 1);
	ck_assert_msg(strstr(run.out, "XXXXXX") == NULL, "template not filled: %s", run.out);
	run.out[strlen(run.out) - 1] = '\0';
	ck_assert_int_eq(lstat(fmt("%s%s", root, run.out), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_ne(lstat(run.out, &st), 0);
}
END_TEST

START_TEST(test_tmpfile_in_private_dir)
{
	struct run run;
	const char *dir = fmt("%s/tmp/", root);

	PROBE(&run, NULL, "tmpfile");
	assert_ok(&run);
	ck_assert_msg(strncmp(run.out, dir, strlen(dir)) == 0, "tmpfile is %s", run.out);
}
END_TEST

/* glob sees the private dir and answers in the program's own text, even
 * when the root's path holds pattern characters. */
START_TEST(test_glob_results)
{
	struct run run;
	char odd[PATH_MAX + 16];

	snprintf(odd, sizeof(odd), "%s/we[ir]d*?", root);
	ck_assert_int_eq(mkdir(odd, 0700), 0);
	ck_assert_int_eq(mkdir(fmt("%s/tmp", odd), 0700), 0);
	for (int pass = 0; pass < 2; pass++) {
		const char *where = pass ? odd : root;
		char root_entry[PATH_MAX + 32];
		snprintf(root_entry, sizeof(root_entry), "TMPJAIL_ROOT=%s", where);
		const char *const env[] = {"NOROOT", root_entry, NULL};
		ck_assert_int_eq(
		    close(open(fmt("%s/tmp/%s.a", where, name), O_CREAT | O_WRONLY, 0600)), 0);
		ck_assert_int_eq(
		    close(open(fmt("%s/tmp/%s.b", where, name), O_CREAT | O_WRONLY, 0600)), 0);
		PROBE(&run, env, "glob", fmt("/tmp/%s.*", name));
		assert_ok(&run);
		ck_assert_str_eq(run.out, fmt("/tmp/%s.a\n/tmp/%s.b\n", name, name));
		PROBE(&run, env, "glob", fmt("/tmp/%s.[b]", name));
		ck_assert_str_eq(run.out, fmt("/tmp/%s.b\n", name));
	}
	assert_real_tmp_clean(".a");
}
END_TEST

/* inotify watches the private dir; scandir and scandirat64 list it. */
START_TEST(test_watch_and_scan)
{
	struct run run;

	PROBE(&run, NULL, "watch", "/tmp", name);
	assert_ok(&run);
	ck_assert_str_eq(run.out, fmt("%s\n", name));
	PROBE(&run, NULL, "scan", "//tmp/");
	assert_ok(&run);
	ck_assert_str_eq(run.out, fmt("%s %s\n", name, name));
	assert_real_tmp_clean("");
}
END_TEST

START_TEST(test_audit_lines)
{
	struct run run;
	char log[16384] = "";
	const char *audit = fmt("%s/audit.log", root);
	long long started = (long long)time(NULL);

	PROBE(&run, ((const char *const[]){fmt("TMPJAIL_AUDIT=%s", audit), NULL}), "write",
	      fmt("/tmp/%s", name), "x");
	assert_ok(&run);
	PROBE(&run, ((const char *const[]){fmt("TMPJAIL_AUDIT=%s", audit), NULL}), "open-errno",
	      "/tmp/../../etc/passwd");
	assert_ok(&run);
	int fd = open(audit, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(read(fd, log, sizeof(log) - 1), 0);
	close(fd);

	char *second = strchr(log, '\n');
	ck_assert_ptr_nonnull(second);
	*second++ = '\0';
	ck_assert_msg(strncmp(log, "{\"time\":", 8) == 0 && log[strlen(log) - 1] == '}', "%s", log);
	/* Seconds since the epoch with exactly six decimals, within the run. */
	long long seconds;
	char fraction[16] = "";
	ck_assert_int_eq(sscanf(log, "{\"time\":%lld.%15[0-9],", &seconds, fraction), 2);
	ck_assert_uint_eq(strlen(fraction), 6);
	ck_assert_msg(seconds >= started - 1 && seconds <= (long long)time(NULL) + 1, "%s", log);
	ck_assert_ptr_nonnull(strstr(log, "\"call\":\"open\""));
	ck_assert_ptr_nonnull(strstr(log, fmt("\"path\":\"/tmp/%s\"", name)));
	ck_assert_ptr_nonnull(strstr(log, fmt("\"mapped\":\"%s/tmp/%s\"", root, name)));
	ck_assert_ptr_nonnull(strstr(log, "\"errno\":0}"));
	/* The walked one: a mounted /tmp's ".." is "/", so this is the real
	 * /etc/passwd, opened. */
	ck_assert_ptr_nonnull(
		strstr(second, "\"path\":\"/tmp/../../etc/passwd\",\"mapped\":\"/etc/passwd\""));
	ck_assert_ptr_nonnull(strstr(second, "\"errno\":0}\n"));
	ck_assert_str_eq(strchr(second, '\n'), "\n"); /* exactly two lines */
}
END_TEST

START_TEST(test_dotdot_never_escapes)
{
	struct run run;

	/* ".." climbs as out of a mounted /tmp: to "/", never to the real
	 * directory holding the root, whatever the depth. */
	PROBE(&run, NULL, "open-errno", "/tmp/../../etc/passwd");
	ck_assert_str_eq(run.out, "opened\n");
	PROBE(&run, NULL, "open-errno", "/tmp/../etc/passwd");
	ck_assert_str_eq(run.out, "opened\n");
	PROBE(&run, NULL, "open-errno", "/etc/passwd");
	ck_assert_str_eq(run.out, "opened\n");
	/* A name only the real /tmp has is never found through "..". */
	const char *real_only = fmt("/tmp/%s.realonly", name);
	int fd = open(real_only, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	PROBE(&run, NULL, "open-errno", fmt("/tmp/../tmp/%s.realonly", name));
	ck_assert_str_eq(run.out, "errno=2\n");
	PROBE(&run, NULL, "open-errno", fmt("/tmp/../../../tmp/%s.realonly", name));
	ck_assert_str_eq(run.out, "errno=2\n");
	PROBE(&run, NULL, "open-errno", fmt("/usr/../tmp/%s.realonly", name));
	ck_assert_str_eq(run.out, "errno=2\n");
	unlink(real_only);
}
END_TEST

START_TEST(test_errno_preserved)
{
	struct run run;

	PROBE(&run, NULL, "write", fmt("/tmp/%s", name), "e");
	assert_ok(&run);
	PROBE(&run, NULL, "errno-kept", fmt("/tmp/%s", name));
	assert_ok(&run);
	ck_assert_str_eq(run.out, "errno=4242\n");
	PROBE(&run, NULL, "errno-kept", "/etc/passwd");
	assert_ok(&run);
	ck_assert_str_eq(run.out, "errno=4242\n");
}
END_TEST

START_TEST(test_unix_socket)
{
	struct run run;
	struct stat st;

	PROBE(&run, NULL, "bind", fmt("/tmp/%s.sock", name));
	assert_ok(&run);
	ck_assert_str_eq(run.out, "connected\n");
	ck_assert_int_eq(lstat(fmt("%s/tmp/%s.sock", root, name), &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	assert_real_tmp_clean(".sock");

	/* Fits in sun_path as written, not once mapped: refused, never cut. */
	char longname[108];
	size_t room = sizeof(longname) - 1 - strlen("/tmp/");
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "/tmp/", 5);
	longname[5 + room - 1] = '\0';
	PROBE(&run, NULL, "bind", longname);
	assert_ok(&run);
	ck_assert_str_eq(run.out, "bind errno=36\n");
}
END_TEST

START_TEST(test_symlink_target_mapped)
{
	struct run run;
	char target[PATH_MAX] = "";

	PROBE(&run, NULL, "symlink", fmt("/tmp/%s.target", name), fmt("/tmp/%s.link", name));
	assert_ok(&run);
	/* Read back as written, as on a mounted /tmp; stored mapped, so the
	 * kernel follows it inside the root. */
	ck_assert_str_eq(run.out, fmt("/tmp/%s.target\n", name));
	ck_assert_int_gt(readlink(fmt("%s/tmp/%s.link", root, name), target, sizeof(target) - 1),
			 0);
	ck_assert_str_eq(target, fmt("%s/tmp/%s.target", root, name));
	assert_real_tmp_clean(".link");
}
END_TEST

START_TEST(test_threads)
{
	struct run run;

	PROBE(&run, NULL, "threads", "/tmp");
	assert_ok(&run);
	ck_assert_str_eq(run.out, "failures=0\n");
	PROBE(&run, NULL, "list", "/tmp");
	ck_assert_str_eq(run.out, ""); /* every name unlinked, every tmpfile anonymous */
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("shim_basic");

	add(suite, tcase_create("open_lands_in_root"), test_open_lands_in_root);
	add(suite, tcase_create("namespace_calls_agree"), test_namespace_calls_agree);
	add(suite, tcase_create("mkstemp_keeps_template_text"), test_mkstemp_keeps_template_text);
	add(suite, tcase_create("tmpfile_in_private_dir"), test_tmpfile_in_private_dir);
	add(suite, tcase_create("glob_results"), test_glob_results);
	add(suite, tcase_create("watch_and_scan"), test_watch_and_scan);
	add(suite, tcase_create("audit_lines"), test_audit_lines);
	add(suite, tcase_create("dotdot_never_escapes"), test_dotdot_never_escapes);
	add(suite, tcase_create("errno_preserved"), test_errno_preserved);
	add(suite, tcase_create("unix_socket"), test_unix_socket);
	add(suite, tcase_create("symlink_target_mapped"), test_symlink_target_mapped);
	add(suite, tcase_create("threads"), test_threads);
	return suite;
}
