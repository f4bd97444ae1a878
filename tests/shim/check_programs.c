/* SPDX-License-Identifier: MIT */
/*
 * Real, unmodified programs under the shim with /tmp hard-coded: each must
 * give the right output, its files must land in the private dir, and the
 * real /tmp must hold nothing of it afterwards. Programs that make temp
 * files under names of their own (sort, gcc, bash, sqlite3) are watched
 * with inotify on the private dir, which proves they spilled there.
 */
#include "common_shim.h"

/* Run @cmd without the shim (setting up fixtures only). */
static void plain(const char *cmd)
{
	int status = system(cmd);
	ck_assert_msg(status == 0, "%s: status %d", cmd, status);
}

/* sort -T /tmp with a small buffer spills its runs into the private dir. */
START_TEST(test_sort_spill)
{
	TJ_REQUIRE_SHIM();
	enum { LINES = 200000 };
	struct tj_result res;
	char script[TJ_PATH * 2];
	tj_need_program("/usr/bin/sort", "coreutils");
	/* A permutation of 0..LINES-1 (7919 is prime to LINES). */
	char *text = malloc((size_t)LINES * 7 + 1), *want = malloc((size_t)LINES * 7 + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(want);
	for (long i = 0; i < LINES; i++) {
		snprintf(text + i * 7, 8, "%06ld\n", (i * 7919) % LINES);
		snprintf(want + i * 7, 8, "%06ld\n", i);
	}
	tj_real(".in");
	tj_real(".out");
	tj_write_file(tj_mine(".in"), text);
	tj_fmt(script, sizeof(script), "/usr/bin/sort -S 64K --parallel=1 -T /tmp -o %s.out %s.in",
	       tj_j->real, tj_j->real);
	tj_watch();
	tj_sh(&res, NULL, script);
	tj_assert_ok(&res, script);
	ck_assert_msg(tj_created_count("sort") > 0, "sort made no temp file in the private dir: %s",
		      tj_j->created);
	char *got = tj_read_file(tj_mine(".out"));
	ck_assert_msg(got != NULL, "sort's output did not land in the private dir");
	ck_assert_msg(strcmp(got, want) == 0, "sort's output is wrong");
	free(got);
	free(text);
	free(want);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* gcc with TMPDIR=/tmp (no -pipe) puts its .s/.o files in the private dir. */
START_TEST(test_gcc_tmpdir)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 2], binary[TJ_PATH];
	tj_need_program("/usr/bin/gcc", "gcc");
	tj_real(".c");
	tj_real(".bin");
	tj_write_file(tj_mine(".c"), "#include <stdio.h>\nint main(void) { puts(\"hello "
				     "tmpjail\"); return 0; }\n");
	tj_fmt(script, sizeof(script), "/usr/bin/gcc -o %s.bin %s.c", tj_j->real, tj_j->real);
	tj_watch();
	tj_run(&res, (char *const[]){"TMPDIR=/tmp", NULL},
	       (char *const[]){"/bin/sh", "-c", script, NULL});
	tj_assert_ok(&res, script);
	ck_assert_msg(tj_created_count("cc") > 0, "gcc made no temp file in the private dir: %s",
		      tj_j->created);
	tj_result_free(&res);
	/* The program it built runs, from the private dir, by its /tmp name. */
	tj_fmt(binary, sizeof(binary), "%s.bin", tj_j->real);
	tj_run(&res, NULL, (char *const[]){"/bin/sh", "-c", binary, NULL});
	tj_assert_ok(&res, binary);
	tj_assert_out(&res, "hello tmpjail\n");
	tj_assert_private_exists(binary);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* A name a program printed as one it created (owned with tj_own_printed()):
 * it must be in the private dir and not in the real /tmp. */
static void assert_created_name(const char *name, const char *prefix)
{
	ck_assert_msg(strncmp(name, prefix, strlen(prefix)) == 0, "printed %s, expected %s...",
		      name, prefix);
	tj_assert_private_exists(name);
	tj_assert_real_absent(name);
}

/* mktemp(1) prints the name the program sees, /tmp/tmp.XXXXXXXXXX. */
START_TEST(test_mktemp_default)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	tj_need_program("/usr/bin/mktemp", "coreutils");
	tj_run(&res, NULL, (char *const[]){"/usr/bin/mktemp", NULL});
	tj_own_printed(res.out, (const char *const[]){"", NULL});
	tj_assert_ok(&res, "mktemp");
	assert_created_name(tj_value(res.out, ""), "/tmp/tmp.");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

START_TEST(test_mktemp_dir_template)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char tmpl[TJ_PATH];
	struct stat st;
	tj_need_program("/usr/bin/mktemp", "coreutils");
	tj_fmt(tmpl, sizeof(tmpl), "%s.XXXXXX", tj_j->real);
	tj_run(&res, NULL, (char *const[]){"/usr/bin/mktemp", "-d", tmpl, NULL});
	tj_own_printed(res.out, (const char *const[]){"", NULL});
	tj_assert_ok(&res, "mktemp -d");
	const char *name = tj_value(res.out, "");
	assert_created_name(name, tj_j->real);
	ck_assert_int_eq(lstat(tj_priv(name), &st), 0);
	ck_assert_msg(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "%s: mode %o", name,
		      st.st_mode);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* bash keeps a here-document larger than a pipe in a file in $TMPDIR. */
START_TEST(test_bash_heredoc)
{
	TJ_REQUIRE_SHIM();
	enum { LINES = 1600, WIDTH = 64 };
	struct tj_result res;
	char script_path[TJ_PATH], expect[32];
	tj_need_program("/bin/bash", "bash");
	size_t size = 64 + (size_t)LINES * WIDTH + 16;
	char *script = malloc(size), *p = script;
	ck_assert_ptr_nonnull(script);
	p += sprintf(p, "cat <<'END' | wc -c\n");
	for (int i = 0; i < LINES; i++)
		p += sprintf(p, "%0*d\n", WIDTH - 1, i);
	sprintf(p, "END\n");
	tj_real(".sh");
	tj_write_file(tj_mine(".sh"), script);
	free(script);
	tj_fmt(script_path, sizeof(script_path), "%s.sh", tj_j->real);
	tj_fmt(expect, sizeof(expect), "%d\n", LINES * WIDTH);
	tj_watch();
	tj_run(&res, (char *const[]){"TMPDIR=/tmp", NULL},
	       (char *const[]){"/bin/bash", script_path, NULL});
	tj_assert_ok(&res, "bash here-document");
	tj_assert_out(&res, expect);
	ck_assert_msg(tj_created_count("sh-thd") > 0,
		      "bash made no here-document file in the private dir: %s", tj_j->created);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* Python's tempfile with TMPDIR=/tmp: gettempdir() says /tmp, files and
 * directories it makes are in the private dir. */
START_TEST(test_python_tempfile)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char code[TJ_PATH * 4], prefix[TJ_PATH];
	tj_need_program("/usr/bin/python3", "python3");
	tj_fmt(code, sizeof(code),
	       "import tempfile\n"
	       "print('dir=' + tempfile.gettempdir())\n"
	       "f = tempfile.NamedTemporaryFile(prefix='%s-', delete=False)\n"
	       "f.write(b'py\\n'); f.close(); print('named=' + f.name)\n"
	       "print('mkdtemp=' + tempfile.mkdtemp(prefix='%s-'))\n"
	       "with tempfile.TemporaryFile() as t:\n"
	       "    t.write(b'x'); t.seek(0); assert t.read() == b'x'\n"
	       "with tempfile.TemporaryDirectory(prefix='%s-') as d:\n"
	       "    open(d + '/in', 'w').write('in')\n"
	       "    print('tempdir=' + d)\n",
	       tj_j->name, tj_j->name, tj_j->name);
	tj_run(&res, (char *const[]){"TMPDIR=/tmp", NULL},
	       (char *const[]){"/usr/bin/python3", "-c", code, NULL});
	tj_own_printed(res.out, (const char *const[]){"named=", "mkdtemp=", "tempdir=", NULL});
	tj_assert_ok(&res, "python3 tempfile");
	ck_assert_str_eq(tj_value(res.out, "dir="), "/tmp");
	tj_fmt(prefix, sizeof(prefix), "%s-", tj_j->real);
	char named[TJ_PATH];
	tj_fmt(named, sizeof(named), "%s", tj_value(res.out, "named="));
	assert_created_name(named, prefix);
	tj_assert_private_content(named, "py\n");
	assert_created_name(tj_value(res.out, "mkdtemp="), prefix);
	/* TemporaryDirectory removed itself, from the private dir. */
	const char *gone = tj_value(res.out, "tempdir=");
	struct stat st;
	ck_assert_msg(lstat(tj_priv(gone), &st) < 0 && errno == ENOENT, "%s was not cleaned up",
		      gone);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* shutil.rmtree("/tmp/<name>") removes the private tree. */
START_TEST(test_python_rmtree)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char code[TJ_PATH * 2];
	struct stat st;
	tj_need_program("/usr/bin/python3", "python3");
	tj_make_base();
	tj_mkdir(tj_mine("/d/deep"), 0700);
	tj_write_file(tj_mine("/d/deep/h"), "h\n");
	tj_fmt(code, sizeof(code),
	       "import os, shutil\n"
	       "assert os.path.isdir('%s/d/deep')\n"
	       "shutil.rmtree('%s')\n"
	       "print(os.path.exists('%s'))\n",
	       tj_j->real, tj_j->real, tj_j->real);
	tj_run(&res, NULL, (char *const[]){"/usr/bin/python3", "-c", code, NULL});
	tj_assert_ok(&res, "shutil.rmtree");
	tj_assert_out(&res, "False\n");
	ck_assert_msg(lstat(tj_mine(""), &st) < 0 && errno == ENOENT,
		      "the private tree is still there");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* Perl's File::Temp, whose tmpdir is /tmp when TMPDIR is unset. */
START_TEST(test_perl_file_temp)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char code[TJ_PATH * 4], prefix[TJ_PATH];
	struct stat st;
	tj_need_program("/usr/bin/perl", "perl");
	tj_fmt(code, sizeof(code),
	       "use File::Temp qw(tempfile tempdir);\n"
	       "my ($fh, $n) = tempfile('%s-XXXXXX', DIR => '/tmp');\n"
	       "print $fh \"pl\\n\"; close $fh; print \"file=$n\\n\";\n"
	       "my $d = tempdir('%s-dXXXXXX', TMPDIR => 1); print \"dir=$d\\n\";\n"
	       "my $t = File::Temp->new(TEMPLATE => '%s-oXXXXXX', TMPDIR => 1);\n"
	       "print \"obj=\" . $t->filename . \"\\n\";\n",
	       tj_j->name, tj_j->name, tj_j->name);
	tj_run(&res, NULL, (char *const[]){"/usr/bin/perl", "-e", code, NULL});
	tj_own_printed(res.out, (const char *const[]){"file=", "dir=", "obj=", NULL});
	tj_assert_ok(&res, "perl File::Temp");
	tj_fmt(prefix, sizeof(prefix), "%s-", tj_j->real);
	char file[TJ_PATH];
	tj_fmt(file, sizeof(file), "%s", tj_value(res.out, "file="));
	assert_created_name(file, prefix);
	tj_assert_private_content(file, "pl\n");
	assert_created_name(tj_value(res.out, "dir="), prefix);
	/* The object's file was removed when the program ended. */
	const char *obj = tj_value(res.out, "obj=");
	ck_assert_msg(strncmp(obj, prefix, strlen(prefix)) == 0, "obj=%s", obj);
	ck_assert_msg(lstat(tj_priv(obj), &st) < 0 && errno == ENOENT, "%s was not removed", obj);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/*
 * sqlite3 with PRAGMA temp_store=FILE sorts more than its cache through
 * temp files; with SQLITE_TMPDIR and TMPDIR unset it puts them in
 * /var/tmp, which maps to root/var/tmp.
 */
START_TEST(test_sqlite_temp_store)
{
	TJ_REQUIRE_SHIM();
	enum { ROWS = 100000, PRIME = 100003, STEP = 7919 };
	struct tj_result res;
	char want[64];
	tj_need_program("/usr/bin/sqlite3", "sqlite3");
	long first = 1;
	for (long x = 1; x <= ROWS; x++)
		if ((x * STEP) % PRIME < (first * STEP) % PRIME)
			first = x;
	tj_fmt(want, sizeof(want), "%d|%lld\n%ld\n", ROWS, (long long)ROWS * (ROWS + 1) / 2, first);
	const char *sql =
	    "PRAGMA temp_store=FILE; PRAGMA cache_size=16;"
	    "CREATE TEMP VIEW v AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
	    "WHERE x<100000) SELECT x, printf('%0300d', (x*7919)%100003) AS pad FROM c;"
	    "SELECT count(*), sum(x) FROM (SELECT x FROM v ORDER BY pad);"
	    "SELECT x FROM v ORDER BY pad LIMIT 1;";
	tj_watch();
	tj_run(&res, NULL, (char *const[]){"/usr/bin/sqlite3", ":memory:", (char *)sql, NULL});
	tj_assert_ok(&res, "sqlite3");
	tj_assert_out(&res, want);
	ck_assert_msg(tj_created_count("etilqs_") > 0,
		      "sqlite3 made no temp file in the private var/tmp: %s", tj_j->created);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* A database under /tmp in WAL mode: the database, its -wal and -shm files
 * are private, and a second process sees the first one's data. */
START_TEST(test_sqlite_db_wal)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char db[TJ_PATH];
	tj_need_program("/usr/bin/sqlite3", "sqlite3");
	tj_real(".db");
	tj_real(".db-wal");
	tj_real(".db-shm");
	tj_real(".db-journal");
	tj_fmt(db, sizeof(db), "%s.db", tj_j->real);
	tj_run(&res, NULL,
	       (char *const[]){
		   "/usr/bin/sqlite3", db,
		   "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES(42);", NULL});
	tj_assert_ok(&res, "sqlite3 create");
	tj_assert_out(&res, "wal\n");
	tj_result_free(&res);
	tj_run(&res, NULL, (char *const[]){"/usr/bin/sqlite3", db, "SELECT x FROM t;", NULL});
	tj_assert_ok(&res, "sqlite3 read");
	tj_assert_out(&res, "42\n");
	tj_assert_private_exists(db);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* tar -C /tmp -xf /tmp/<name>.tar: both the archive and what it extracts
 * are in the private dir. */
START_TEST(test_tar_extract)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char stage[TJ_PATH], cmd[TJ_PATH * 3], archive[TJ_PATH];
	tj_need_program("/usr/bin/tar", "tar");
	tj_fmt(stage, sizeof(stage), "%s/stage", tj_j->root);
	tj_mkdir(stage, 0700);
	tj_fmt(cmd, sizeof(cmd),
	       "mkdir -p '%s/%s/sub' && echo a > '%s/%s/a' && echo b > '%s/%s/sub/b'", stage,
	       tj_j->name, stage, tj_j->name, stage, tj_j->name);
	plain(cmd);
	tj_real(".tar");
	tj_fmt(cmd, sizeof(cmd), "tar -C '%s' -cf '%s' '%s'", stage, tj_mine(".tar"), tj_j->name);
	plain(cmd);
	tj_fmt(archive, sizeof(archive), "%s.tar", tj_j->real);
	tj_run(&res, NULL, (char *const[]){"/usr/bin/tar", "-C", "/tmp", "-xf", archive, NULL});
	tj_assert_ok(&res, "tar -C /tmp -xf");
	tj_assert_private_content(tj_mine("/a"), "a\n");
	tj_assert_private_content(tj_mine("/sub/b"), "b\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* git init /tmp/<name>, commit, status: the repository is private. */
START_TEST(test_git_init)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char script[TJ_PATH * 4], home[TJ_PATH + 8];
	tj_need_program("/usr/bin/git", "git");
	tj_fmt(home, sizeof(home), "HOME=%s", tj_j->root);
	tj_fmt(script, sizeof(script),
	       "set -e; r=%s; git init -q -b main $r; echo hi > $r/f; git -C $r add f;"
	       "git -C $r -c user.name=tj -c user.email=tj@example.org commit -qm first;"
	       "git -C $r status --porcelain --branch; git -C $r log --format=%%s",
	       tj_j->real);
	tj_run(&res, (char *const[]){home, "GIT_CONFIG_NOSYSTEM=1", NULL},
	       (char *const[]){"/bin/sh", "-c", script, NULL});
	tj_assert_ok(&res, "git");
	tj_assert_out(&res, "## main\nfirst\n");
	tj_assert_private_exists(tj_mine("/.git/HEAD"));
	tj_assert_private_content(tj_mine("/f"), "hi\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_programs");
	tj_add(s, tcase_create("sort_spill"), test_sort_spill);
	tj_add(s, tcase_create("gcc_tmpdir"), test_gcc_tmpdir);
	tj_add(s, tcase_create("mktemp_default"), test_mktemp_default);
	tj_add(s, tcase_create("mktemp_dir_template"), test_mktemp_dir_template);
	tj_add(s, tcase_create("bash_heredoc"), test_bash_heredoc);
	tj_add(s, tcase_create("python_tempfile"), test_python_tempfile);
	tj_add(s, tcase_create("python_rmtree"), test_python_rmtree);
	tj_add(s, tcase_create("perl_file_temp"), test_perl_file_temp);
	tj_add(s, tcase_create("sqlite_temp_store"), test_sqlite_temp_store);
	tj_add(s, tcase_create("sqlite_db_wal"), test_sqlite_db_wal);
	tj_add(s, tcase_create("tar_extract"), test_tar_extract);
	tj_add(s, tcase_create("git_init"), test_git_init);
	return s;
}
