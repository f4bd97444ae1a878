/* SPDX-License-Identifier: MIT */
/*
 * The shim across process boundaries: the environment children get back,
 * PATH search, the root a by-hand preload makes and removes, the
 * TMPJAIL_OWNER handoff, a wrapper reached before the constructor, and the
 * exported symbols. Same harness as check_shim_basic.c (probe_run.h).
 */
#include "probe_run.h"

START_TEST(test_exec_restores_environment)
{
	struct run run;

	/* execve with an empty environment: the child still has the shim and root. */
	PROBE(&run, NULL, "exec-env", "--", "/usr/bin/env");
	assert_ok(&run);
	ck_assert_msg(strstr(run.out, fmt("LD_PRELOAD=%s\n", shim)), "env: %s", run.out);
	ck_assert_msg(strstr(run.out, fmt("TMPJAIL_ROOT=%s\n", root)), "env: %s", run.out);
	ck_assert_msg(strstr(run.out, fmt("TMPJAIL_PRELOAD=%s\n", shim)), "env: %s", run.out);

	/* Appended to what is there, never replacing it, and never twice. */
	PROBE(&run, NULL, "exec-env", "LD_PRELOAD=libm.so.6", "--", "/usr/bin/env");
	assert_ok(&run);
	ck_assert_msg(strstr(run.out, fmt("LD_PRELOAD=libm.so.6:%s\n", shim)), "env: %s", run.out);
	PROBE(&run, NULL, "exec-env", fmt("LD_PRELOAD=%s", shim), "--", "/usr/bin/env");
	assert_ok(&run);
	ck_assert_msg(strstr(run.out, fmt("LD_PRELOAD=%s\n", shim)), "env: %s", run.out);

	/* A value the program set itself is kept. */
	PROBE(&run, NULL, "exec-env", "TMPJAIL_ROOT=/nested", "--", "/usr/bin/env");
	assert_ok(&run);
	ck_assert_msg(strstr(run.out, "TMPJAIL_ROOT=/nested\n"), "env: %s", run.out);
}
END_TEST

START_TEST(test_env_i_child_stays_inside)
{
	struct run run;
	const char *script = fmt("echo inside > /tmp/%s", name);

	run_env(&run, NULL,
		(const char *const[]){"/usr/bin/env", "-i", "/bin/sh", "-c", script, NULL});
	assert_ok(&run);
	assert_file(fmt("%s/tmp/%s", root, name), "inside\n");

	script = fmt("echo cleared > /tmp/%s.2", name);
	PROBE(&run, NULL, "clearenv-system", script);
	assert_ok(&run);
	assert_file(fmt("%s/tmp/%s.2", root, name), "cleared\n");

	run_env(&run, NULL,
		(const char *const[]){"/usr/bin/env", "-u", "LD_PRELOAD", "/bin/sh", "-c",
				      fmt("echo unset > /tmp/%s.3", name), NULL});
	assert_ok(&run);
	assert_file(fmt("%s/tmp/%s.3", root, name), "unset\n");
	assert_real_tmp_clean("");
	assert_real_tmp_clean(".2");
	assert_real_tmp_clean(".3");
}
END_TEST

/* execvp searching a PATH that names a redirected directory. */
START_TEST(test_execvp_redirected_path)
{
	struct run run;
	const char *const env[] = {"PATH=/tmp/bin:/usr/bin:/bin", NULL};

	ck_assert_int_eq(mkdir(fmt("%s/tmp/bin", root), 0700), 0);
	int fd = open(fmt("%s/tmp/bin/%s", root, name), O_WRONLY | O_CREAT | O_EXCL, 0700);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(write(fd, "#!/bin/sh\necho found \"$@\"\n", 26), 0);
	close(fd);
	fd = open(fmt("%s/tmp/bin/%s.plain", root, name), O_WRONLY | O_CREAT | O_EXCL, 0700);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(write(fd, "echo plain \"$@\"\n", 16), 0);
	close(fd);

	PROBE(&run, env, "execvp", name, "x");
	ck_assert_str_eq(run.out, "found x\n");
	/* No "#!": run by /bin/sh, as execvp(3) does. */
	PROBE(&run, env, "execvp", fmt("%s.plain", name), "y");
	ck_assert_str_eq(run.out, "plain y\n");
	PROBE(&run, env, "execvp", fmt("%s.none", name));
	ck_assert_str_eq(run.out, "execvp: errno=2\n");
}
END_TEST

/* Preloaded by hand: a root of its own, shared by children, gone at exit. */
START_TEST(test_own_root_removed_at_exit)
{
	struct run run;
	struct stat st;
	const char *script = fmt("echo own > /tmp/%s; cat /tmp/%s; /usr/bin/env", name, name);

	run_env(&run, (const char *const[]){"NOROOT", NULL},
		(const char *const[]){"/bin/sh", "-c", script, NULL});
	assert_ok(&run);
	ck_assert_msg(strncmp(run.out, "own\n", 4) == 0, "output: %s", run.out);
	const char *line = strstr(run.out, "TMPJAIL_ROOT=/tmp/tj-");
	ck_assert_msg(line != NULL, "the child did not get the root: %s", run.out);
	char made[PATH_MAX];
	ck_assert_int_eq(sscanf(line, "TMPJAIL_ROOT=%4095[^\n]", made), 1);
	ck_assert_uint_eq(strlen(made), strlen("/tmp/tj-") + TF_RANDOM_CHARS);
	bool gone = lstat(made, &st) != 0 && errno == ENOENT;
	if (!gone)
		tf_rmtree(made, 0); /* the run's own root: do not leave it in /tmp */
	ck_assert_msg(gone, "%s left behind", made);
	assert_real_tmp_clean("");
}
END_TEST

/*
 * TMPJAIL_OWNER hands the removal to a program exec'd in the same process,
 * but only for a root named like the ones the shim makes: a launcher's or
 * anyone else's directory is never deleted, whatever the environment says.
 */
START_TEST(test_foreign_root_never_removed)
{
	struct run run;
	struct stat st;
	const char *script = "TMPJAIL_OWNER=$$ exec /bin/true";

	ck_assert_int_eq(mkdir(fmt("%s/tmp/keep", root), 0700), 0);
	run_env(&run, NULL, (const char *const[]){"/bin/sh", "-c", script, NULL});
	assert_ok(&run);
	ck_assert_int_eq(lstat(fmt("%s/tmp/keep", root), &st), 0);

	/* The control: a root shaped like the shim's own is handed over and removed. */
	char own[] = "/tmp/tj-XXXXXXXX";
	ck_assert_int_eq(random_root_name(own + 8), 0);
	ck_assert_int_eq(mkdir(own, 0700), 0);
	ck_assert_int_eq(mkdir(fmt("%s/tmp", own), 0700), 0);
	run_env(&run, (const char *const[]){"NOROOT", fmt("TMPJAIL_ROOT=%s", own), NULL},
		(const char *const[]){"/bin/sh", "-c", script, NULL});
	bool gone = lstat(own, &st) != 0 && errno == ENOENT;
	if (!gone)
		tf_rmtree(own, 0);
	assert_ok(&run);
	ck_assert_msg(gone, "%s was not removed by its owner", own);
}
END_TEST

/* A wrapper reached before the shim's constructor still redirects. */
START_TEST(test_before_constructor)
{
	struct run run;
	const char *early = getenv("TJ_SHIM_EARLY");

	ck_assert_ptr_nonnull(early);
	run_env(&run,
		(const char *const[]){fmt("LD_PRELOAD=%s:%s", shim, early),
				      fmt("TJ_EARLY_PATH=/tmp/%s", name), "LD_DEBUG=files", NULL},
		(const char *const[]){"/bin/true", NULL});
	assert_ok(&run);
	/* The loader's own trace proves the order this test relies on. */
	const char *first = strstr(run.out, fmt("calling init: %s", early));
	const char *second = strstr(run.out, fmt("calling init: %s", shim));
	ck_assert_msg(first && second && first < second, "init order: %s", run.out);
	assert_file(fmt("%s/tmp/%s", root, name), "early\n");
	assert_real_tmp_clean("");
}
END_TEST

/* The shim exports exactly the names of shim/wrappers.def. */
START_TEST(test_exports_match_table)
{
	char line[4096], table[16384] = "\n", exported[16384] = "\n";
	const char *def = getenv("TJ_SHIM_TABLE");
	int in_table = 0, in_exports = 0;

	ck_assert_ptr_nonnull(def);
	FILE *f = fopen(def, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char symbol[128];
		if (sscanf(line, "SHIM_HAND(%*[^,], %127[^,],", symbol) == 1 ||
		    sscanf(line, "SHIM_PATH1(%*[^,], %127[^,],", symbol) == 1 ||
		    sscanf(line, "SHIM_PATH2(%*[^,], %127[^,],", symbol) == 1) {
			strcat(table, symbol);
			strcat(table, "\n");
			in_table++;
		}
	}
	fclose(f);
	f = popen(fmt("nm -D --defined-only '%s'", shim), "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char type, symbol[128];
		if (sscanf(line, "%*s %c %127s", &type, symbol) != 2)
			continue;
		ck_assert_msg(strstr(table, fmt("\n%s\n", symbol)) != NULL,
			      "%s is exported but not in the table", symbol);
		strcat(exported, symbol);
		strcat(exported, "\n");
		in_exports++;
	}
	ck_assert_int_eq(pclose(f), 0);
	ck_assert_int_gt(in_table, 100);
	ck_assert_int_eq(in_exports, in_table);
}
END_TEST

/* A relative TMPJAIL_AUDIT names one file for the whole run, wherever the
 * children work. */
START_TEST(test_audit_relative_name)
{
	struct run run;
	char log[8192] = "";
	const char *relative = fmt("%s/audit.log", strrchr(root, '/') + 1);
	const char *script = fmt("cd /; echo x > /tmp/%s; /bin/cat /tmp/%s", name, name);

	run_env(&run, (const char *const[]){fmt("TMPJAIL_AUDIT=%s", relative), NULL},
		(const char *const[]){"/bin/sh", "-c", script, NULL});
	assert_ok(&run);
	int fd = open(fmt("%s/audit.log", root), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(read(fd, log, sizeof(log) - 1), 0);
	close(fd);
	/* The shell's open and cat's, in one file. */
	int lines = 0;
	for (const char *p = log; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_msg(lines == 2, "audit log: %s", log);
}
END_TEST

/* A vfork child never makes the root: it would do so in its parent's memory. */
START_TEST(test_vfork_child_makes_no_root)
{
	struct run run;

	PROBE(&run, ((const char *const[]){"NOROOT", NULL}), "vfork-open", fmt("/tmp/%s", name));
	assert_ok(&run);
	ck_assert_str_eq(run.out, "child errno=2 root=unset\n");
	assert_real_tmp_clean("");
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("shim_children");

	add(suite, tcase_create("exec_restores_environment"), test_exec_restores_environment);
	add(suite, tcase_create("env_i_child_stays_inside"), test_env_i_child_stays_inside);
	add(suite, tcase_create("execvp_redirected_path"), test_execvp_redirected_path);
	add(suite, tcase_create("own_root_removed_at_exit"), test_own_root_removed_at_exit);
	add(suite, tcase_create("foreign_root_never_removed"), test_foreign_root_never_removed);
	add(suite, tcase_create("before_constructor"), test_before_constructor);
	add(suite, tcase_create("exports_match_table"), test_exports_match_table);
	add(suite, tcase_create("vfork_child_makes_no_root"), test_vfork_child_makes_no_root);
	add(suite, tcase_create("audit_relative_name"), test_audit_relative_name);
	return suite;
}
