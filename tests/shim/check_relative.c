/* SPDX-License-Identifier: MIT */
/*
 * Relative paths that reach a redirected prefix. Programs walk with chdir
 * (coreutils' mkdir -p: chdir("/var"), mkdir("tmp"), chdir("tmp")) or with
 * directory descriptors (tar -C /, openat(fd of "/", "tmp/x")) and never
 * write "/tmp" at all: under the shim those must land in the private dir
 * too, and nothing may appear in the real /tmp or /var/tmp. Relative paths
 * that cannot reach a prefix, and those starting inside the private root,
 * stay untouched.
 *
 * The first cases test the pure helpers of shim/map.c (compiled into this
 * suite); the others run real programs under the shim in a scratch root.
 */
#include "common_shim.h"

#include "map.h"

/* ---- the mapper's helpers ---- */

static void join_is(const char *base, const char *path, const char *want)
{
	char out[PATH_MAX];
	long n = map_join(base, path, out, sizeof(out));
	ck_assert_msg(n >= 0, "map_join(%s, %s): %ld", base, path, n);
	ck_assert_msg(strcmp(out, want) == 0, "map_join(%s, %s) = %s, expected %s", base, path, out,
		      want);
	ck_assert_int_eq(n, (long)strlen(want));
}

START_TEST(test_join)
{
	join_is("/", "tmp/x", "/tmp/x");
	join_is("/var", "tmp", "/var/tmp");
	join_is("/var", "./tmp//x", "/var/tmp//x");
	join_is("/usr", "../tmp/z", "/tmp/z");
	join_is("/usr/lib", "./.././../tmp", "/tmp");
	join_is("/", "../../tmp/a", "/tmp/a");
	join_is("/usr", "..", "/");
	join_is("/usr", ".", "/usr");
	/* A ".." after a component of the path is the kernel's: it may follow
	 * a symlink. */
	join_is("/", "tmp/../etc", "/tmp/../etc");
	join_is("/srv", "l/../../tmp", "/srv/l/../../tmp");

	char out[16];
	strcpy(out, "/var");
	ck_assert_int_eq(map_join(out, "tmp", out, sizeof(out)), 8);
	ck_assert_str_eq(out, "/var/tmp");
	ck_assert_int_eq(map_join("/var", "tmp/a-long-name", out, sizeof(out)), -ENAMETOOLONG);
	ck_assert_int_eq(map_join("relative", "tmp", out, sizeof(out)), -EINVAL);
}
END_TEST

START_TEST(test_may_reach)
{
	struct map_table table;
	ck_assert_int_eq(map_table_build(&table, "/r", NULL, NULL), 0);
	static const char *const reach[] = {"tmp",	"tmp/x",      "./tmp",
					    ".//var/tmp", "var",	"..",
					    "../x",	"./../tmp",   "usr/../tmp",
					    "a/b/../..",	"x/../../tmp"};
	static const char *const keep[] = {"",	 ".",	"x",   "lib/tmp", "tmpx",
					   "tm", "...", "..x", "/tmp",	  "a/..b/c"};
	for (size_t i = 0; i < sizeof(reach) / sizeof(reach[0]); i++)
		ck_assert_msg(map_may_reach(&table, reach[i]), "%s should be tested", reach[i]);
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		ck_assert_msg(!map_may_reach(&table, keep[i]), "%s should be kept", keep[i]);

	/* Other prefixes bring their own names, each once. */
	ck_assert_int_eq(map_table_build(&table, NULL, NULL, "/srv/data/tmp:/srv/cache:/tmp"), 0);
	ck_assert_int_eq(table.names_len, sizeof("srv\0data\0tmp\0cache"));
	ck_assert(map_may_reach(&table, "cache/x"));
	ck_assert(map_may_reach(&table, "data"));
	ck_assert(!map_may_reach(&table, "var/tmp"));

	ck_assert(map_inside_root(&(struct map_table){.root = "/r", .root_len = 2}, "/r/tmp"));
	ck_assert(!map_inside_root(&(struct map_table){.root = "/r", .root_len = 2}, "/rx"));
	ck_assert(!map_inside_root(&table, "/r"));
}
END_TEST

/* ---- programs under the shim ---- */

/* Run @script with /bin/sh under the shim; it must succeed. The caller
 * frees @res. */
static void sh_ok(struct tj_result *res, const char *script)
{
	tj_sh(res, NULL, script);
	tj_assert_ok(res, script);
}

/* "/var/tmp/<name><suffix>", recorded as owned and checked free now. */
static const char *var_real(const char *suffix)
{
	char path[TJ_PATH];
	struct stat st;
	tj_fmt(path, sizeof(path), "/var/tmp/%s%s", tj_j->name, suffix);
	ck_assert_msg(lstat(path, &st) < 0 && errno == ENOENT, "%s exists before the test", path);
	return tj_own(path);
}

/* The private path of "/var/tmp/<name><suffix>". */
static const char *var_mine(const char *suffix)
{
	char path[TJ_PATH];
	tj_fmt(path, sizeof(path), "/var/tmp/%s%s", tj_j->name, suffix);
	return tj_priv(path);
}

static void assert_absent(const char *path)
{
	struct stat st;
	ck_assert_msg(lstat(path, &st) < 0 && errno == ENOENT, "%s exists", path);
}

/* coreutils' mkdir -p walks with chdir and relative names. */
START_TEST(test_mkdir_p_var_tmp)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2];
	const char *real = var_real("");
	tj_fmt(script, sizeof(script), "mkdir -p %s/a/b && test -d %s/a/b && echo made", real,
	       real);
	sh_ok(&res, script);
	tj_assert_out(&res, "made\n");
	tj_result_free(&res);
	struct stat st;
	ck_assert_msg(stat(var_mine("/a/b"), &st) == 0 && S_ISDIR(st.st_mode),
		      "mkdir -p did not make the private %s: %s", var_mine("/a/b"),
		      strerror(errno));
	tj_assert_no_residue();
}
END_TEST

START_TEST(test_install_d)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2];
	tj_need_program("/usr/bin/install", "coreutils");
	tj_real("");
	tj_fmt(script, sizeof(script), "install -d %s/x", tj_j->real);
	sh_ok(&res, script);
	tj_result_free(&res);
	tj_assert_private_exists(tj_mine("/x"));
	tj_assert_no_residue();
}
END_TEST

/* The shell's own chdir and a relative redirection; then cd /var and
 * mkdir tmp/<name>. */
START_TEST(test_shell_cd)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2];
	tj_real("");
	var_real("");
	tj_fmt(script, sizeof(script), "cd / && echo hi > tmp/%s && cd /var && mkdir tmp/%s",
	       tj_j->name, tj_j->name);
	sh_ok(&res, script);
	tj_result_free(&res);
	tj_assert_private_content(tj_j->real, "hi\n");
	struct stat st;
	ck_assert_msg(stat(var_mine(""), &st) == 0 && S_ISDIR(st.st_mode),
		      "mkdir tmp/<name> from /var missed the private var/tmp");
	tj_assert_no_residue();
}
END_TEST

/* chdir("tmp") from / and from /var enters the private dirs (Python's
 * os.chdir calls chdir(3) with the name as given). */
START_TEST(test_chdir_relative)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char want[TJ_PATH * 2];
	tj_need_program("/usr/bin/python3", "python3");
	tj_run(&res, NULL,
	       (char *const[]){"/usr/bin/python3", "-c",
			       "import os\n"
			       "os.chdir('/'); os.chdir('tmp'); print(os.getcwd())\n"
			       "open('chdir-probe', 'w').close()\n"
			       "os.chdir('/var'); os.chdir('./tmp'); print(os.getcwd())\n"
			       "open('chdir-probe', 'w').close()\n"
			       "os.chdir('/usr'); os.chdir('..'); print(os.getcwd())\n",
			       NULL});
	tj_assert_ok(&res, "python3 chdir");
	/* Shown as a mounted /tmp would show it (the real dirs are checked
	 * with a file made there). */
	tj_fmt(want, sizeof(want), "/tmp\n/var/tmp\n/\n");
	tj_assert_out(&res, want);
	struct stat st;
	tj_fmt(want, sizeof(want), "%s/chdir-probe", tj_j->dir);
	ck_assert_msg(lstat(want, &st) == 0, "chdir('tmp') did not enter %s", tj_j->dir);
	tj_fmt(want, sizeof(want), "%s/chdir-probe", tj_j->vardir);
	ck_assert_msg(lstat(want, &st) == 0, "chdir('./tmp') did not enter %s", tj_j->vardir);
	tj_result_free(&res);
}
END_TEST

/* "cd /usr && ... ../tmp/<name>": a leading ".." leaves the canonical
 * working directory; from / it stays at /. */
START_TEST(test_dotdot)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 3];
	tj_real("");
	tj_fmt(script, sizeof(script), "cd /usr && echo hi > ../tmp/%s && cd / && cat ../../tmp/%s",
	       tj_j->name, tj_j->name);
	sh_ok(&res, script);
	tj_assert_out(&res, "hi\n");
	tj_result_free(&res);
	tj_assert_private_content(tj_j->real, "hi\n");
	tj_assert_no_residue();
}
END_TEST

/* openat() relative to a descriptor of "/" and of "/var". */
START_TEST(test_openat_dirfd)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char name[TJ_PATH];
	const char *probe = getenv("TJ_RELATIVE_PROBE");
	ck_assert_msg(probe && probe[0] == '/', "TJ_RELATIVE_PROBE is unset");
	ck_assert_msg(tj_imports(probe, "openat"), "%s does not import openat", probe);
	tj_real("");
	var_real("");
	tj_fmt(name, sizeof(name), "tmp/%s", tj_j->name);
	tj_run(&res, NULL, (char *const[]){(char *)probe, "/", name, "root\n", NULL});
	tj_assert_ok(&res, "openat(fd of /)");
	tj_assert_out(&res, "created\n");
	tj_result_free(&res);
	tj_run(&res, NULL, (char *const[]){(char *)probe, "/var", name, "var\n", NULL});
	tj_assert_ok(&res, "openat(fd of /var)");
	tj_result_free(&res);
	tj_assert_private_content(tj_j->real, "root\n");
	char *got = tj_read_file(var_mine(""));
	ck_assert_msg(got && strcmp(got, "var\n") == 0, "private var/tmp file: %s",
		      got ? got : strerror(errno));
	free(got);
	tj_assert_no_residue();
}
END_TEST

/* tar -C / extracting tmp/<name>/f. The archive is made without the shim
 * in the scratch root; the run reads it there (inside the root: kept). */
START_TEST(test_tar_C_root)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char stage[TJ_PATH], archive[TJ_PATH], cmd[TJ_PATH * 3];
	tj_need_program("/bin/tar", "tar");
	tj_real("");
	tj_fmt(stage, sizeof(stage), "%s/stage", tj_j->root);
	tj_fmt(archive, sizeof(archive), "%s/a.tar", tj_j->root);
	tj_fmt(cmd, sizeof(cmd), "%s/tmp", stage);
	tj_mkdir(stage, 0700);
	tj_mkdir(cmd, 0700);
	tj_fmt(cmd, sizeof(cmd), "%s/tmp/%s", stage, tj_j->name);
	tj_mkdir(cmd, 0700);
	tj_fmt(cmd, sizeof(cmd), "%s/tmp/%s/f", stage, tj_j->name);
	tj_write_file(cmd, "from tar\n");
	tj_fmt(cmd, sizeof(cmd), "tar -C '%s' -cf '%s' tmp/%s", stage, archive, tj_j->name);
	ck_assert_int_eq(system(cmd), 0);

	tj_fmt(cmd, sizeof(cmd), "tar -C / -xf '%s' && cat /tmp/%s/f", archive, tj_j->name);
	sh_ok(&res, cmd);
	tj_assert_out(&res, "from tar\n");
	tj_result_free(&res);
	tj_assert_private_content(tj_mine("/f"), "from tar\n");
	tj_assert_no_residue();
}
END_TEST

/* cp -r of a directory to /var/tmp/<name>, and of /tmp/<name> back. */
START_TEST(test_cp_r)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char src[TJ_PATH], script[TJ_PATH * 3];
	var_real("");
	tj_real("");
	tj_fmt(src, sizeof(src), "%s/src", tj_j->root);
	tj_mkdir(src, 0700);
	tj_fmt(script, sizeof(script), "%s/src/sub", tj_j->root);
	tj_mkdir(script, 0700);
	tj_fmt(script, sizeof(script), "%s/src/sub/g", tj_j->root);
	tj_write_file(script, "g\n");
	tj_fmt(script, sizeof(script), "cp -r '%s' /var/tmp/%s && cd /var && cp -r tmp/%s /tmp/%s",
	       src, tj_j->name, tj_j->name, tj_j->name);
	sh_ok(&res, script);
	tj_result_free(&res);
	char *got = tj_read_file(var_mine("/sub/g"));
	ck_assert_msg(got && strcmp(got, "g\n") == 0, "cp -r to /var/tmp: %s",
		      got ? got : strerror(errno));
	free(got);
	tj_assert_private_content(tj_mine("/sub/g"), "g\n");
	tj_assert_no_residue();
}
END_TEST

/* rm -r (fts) removes the private copy; find /tmp finds it first. */
START_TEST(test_find_and_rm_r)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 4], want[TJ_PATH];
	tj_need_program("/usr/bin/find", "findutils");
	const char *r = tj_real("");
	tj_fmt(script, sizeof(script),
	       "mkdir -p %s/a/b && find /tmp -name %s && cd / && find tmp -name %s", r, tj_j->name,
	       tj_j->name);
	sh_ok(&res, script);
	tj_fmt(want, sizeof(want), "%s\ntmp/%s\n", r, tj_j->name);
	tj_assert_out(&res, want);
	tj_result_free(&res);
	tj_assert_private_exists(tj_mine("/a/b"));

	tj_fmt(script, sizeof(script), "cd / && rm -r tmp/%s/a && rm -r %s && echo gone",
	       tj_j->name, r);
	sh_ok(&res, script);
	tj_assert_out(&res, "gone\n");
	tj_result_free(&res);
	assert_absent(tj_mine(""));
	tj_assert_no_residue();
}
END_TEST

/* mktemp(1) with a relative template from /: the name it prints, read
 * from /, is the private file. */
START_TEST(test_mktemp_relative)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2], path[TJ_PATH];
	tj_need_program("/usr/bin/mktemp", "coreutils");
	tj_fmt(script, sizeof(script),
	       "cd / && f=$(mktemp tmp/%s.XXXXXX) && echo m > $f && echo $f", tj_j->name);
	sh_ok(&res, script);
	size_t len = strcspn(res.out, "\n");
	tj_fmt(path, sizeof(path), "/%.*s", (int)len, res.out);
	tj_result_free(&res);
	ck_assert_msg(strncmp(path, "/tmp/", 5) == 0 && strlen(path) == strlen(tj_j->real) + 7,
		      "mktemp printed %s", path);
	tj_own(path);
	tj_assert_private_content(path, "m\n");
	tj_assert_no_residue();
}
END_TEST

/*
 * Relative paths that cannot reach a prefix are untouched: from /var,
 * "lib" is the real /var/lib, "../usr" the real /usr; "tmpx" is not
 * "tmp". The audit log shows none of them, while it names the relative
 * path that was mapped as the program wrote it.
 */
START_TEST(test_unrelated_untouched)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char audit[TJ_PATH], env_audit[TJ_PATH + 32], script[TJ_PATH * 2], want[TJ_PATH];
	tj_real("");
	tj_fmt(audit, sizeof(audit), "%s/audit.log", tj_j->root);
	tj_fmt(env_audit, sizeof(env_audit), "TMPJAIL_AUDIT=%s", audit);
	tj_fmt(script, sizeof(script),
	       "cd /var && test -d lib && test -d ../usr/bin && ! test -e tmpx && cd / && "
	       "echo a > tmp/%s && cat tmp/%s",
	       tj_j->name, tj_j->name);
	tj_run(&res, (char *const[]){env_audit, NULL},
	       (char *const[]){"/bin/sh", "-c", script, NULL});
	tj_assert_ok(&res, script);
	tj_assert_out(&res, "a\n");
	tj_result_free(&res);
	char *log = tj_read_file(audit);
	ck_assert_msg(log != NULL, "no audit log: %s", strerror(errno));
	ck_assert_msg(!strstr(log, "\"lib\"") && !strstr(log, "../usr") && !strstr(log, "tmpx"),
		      "an unrelated relative path was mapped:\n%s", log);
	tj_fmt(want, sizeof(want), "\"path\":\"tmp/%s\",\"mapped\":\"%s\"", tj_j->name,
	       tj_mine(""));
	ck_assert_msg(strstr(log, want), "the audit log lacks %s:\n%s", want, log);
	free(log);
	tj_assert_no_residue();
}
END_TEST

/*
 * A working directory inside the private dir is kept as it is: "tmp/y"
 * and "var/tmp/q" from the private /tmp/<name> are its own subdirectories,
 * never the private /tmp or /var/tmp again.
 */
START_TEST(test_inside_root_idempotent)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2];
	const char *r = tj_real("");
	tj_fmt(script, sizeof(script),
	       "mkdir %s && cd %s && mkdir tmp && echo y > tmp/y && mkdir -p var/tmp/q && cd tmp "
	       "&& cat y",
	       r, r);
	sh_ok(&res, script);
	tj_assert_out(&res, "y\n");
	tj_result_free(&res);
	tj_assert_private_content(tj_mine("/tmp/y"), "y\n");
	tj_assert_private_exists(tj_mine("/var/tmp/q"));
	char path[TJ_PATH];
	tj_fmt(path, sizeof(path), "%s/y", tj_j->dir);
	assert_absent(path);
	tj_fmt(path, sizeof(path), "%s/q", tj_j->vardir);
	assert_absent(path);
	tj_assert_no_residue();
}
END_TEST

/* A symlink's relative target is stored as written, never made absolute. */
START_TEST(test_symlink_target_kept)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2];
	const char *r = tj_real("");
	tj_fmt(script, sizeof(script), "mkdir %s && cd / && ln -s tmp/x %s/l && readlink %s/l", r,
	       r, r);
	sh_ok(&res, script);
	tj_assert_out(&res, "tmp/x\n");
	tj_result_free(&res);
	tj_assert_no_residue();
}
END_TEST

/* Without a launcher the first relative redirected path makes the
 * shim's own root; the file is found there and the root goes at exit. */
START_TEST(test_without_launcher)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2];
	tj_real("");
	tj_fmt(script, sizeof(script),
	       "cd / && echo own > tmp/%s && cat /tmp/%s && sh -c 'echo \"$TMPJAIL_ROOT\"'",
	       tj_j->name, tj_j->name);
	tj_run(&res, (char *const[]){"TMPJAIL_ROOT", "TMPJAIL_DIR", NULL},
	       (char *const[]){"/bin/sh", "-c", script, NULL});
	tj_assert_ok(&res, script);
	ck_assert_msg(strncmp(res.out, "own\n/tmp/tj-", 12) == 0, "printed %s", res.out);
	char root[TJ_PATH];
	tj_fmt(root, sizeof(root), "%.*s", (int)strcspn(res.out + 4, "\n"), res.out + 4);
	tj_result_free(&res);
	assert_absent(root);
	tj_assert_no_residue();
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_relative");
	TCase *tc = tcase_create("join");
	tcase_add_test(tc, test_join);
	suite_add_tcase(s, tc);
	tc = tcase_create("may_reach");
	tcase_add_test(tc, test_may_reach);
	suite_add_tcase(s, tc);
	tj_add(s, tcase_create("mkdir_p_var_tmp"), test_mkdir_p_var_tmp);
	tj_add(s, tcase_create("install_d"), test_install_d);
	tj_add(s, tcase_create("shell_cd"), test_shell_cd);
	tj_add(s, tcase_create("chdir_relative"), test_chdir_relative);
	tj_add(s, tcase_create("dotdot"), test_dotdot);
	tj_add(s, tcase_create("openat_dirfd"), test_openat_dirfd);
	tj_add(s, tcase_create("tar_C_root"), test_tar_C_root);
	tj_add(s, tcase_create("cp_r"), test_cp_r);
	tj_add(s, tcase_create("find_and_rm_r"), test_find_and_rm_r);
	tj_add(s, tcase_create("mktemp_relative"), test_mktemp_relative);
	tj_add(s, tcase_create("unrelated_untouched"), test_unrelated_untouched);
	tj_add(s, tcase_create("inside_root_idempotent"), test_inside_root_idempotent);
	tj_add(s, tcase_create("symlink_target_kept"), test_symlink_target_kept);
	tj_add(s, tcase_create("without_launcher"), test_without_launcher);
	return s;
}
