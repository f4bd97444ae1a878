/* SPDX-License-Identifier: MIT */
/*
 * The private /tmp as the whole truth: what a program is told (readlink,
 * realpath, getcwd, /proc/self/cwd) and where ".." takes it, compared with
 * the reference -- the same program in a private mount namespace where the
 * private dirs really are mounted on /tmp and /var/tmp. Each case runs a
 * Python script twice, under the shim and in that reference, from empty
 * private dirs, and the two outputs must be equal; each also checks what a
 * native run prints, so a reference that went wrong the same way cannot
 * make it pass.
 */
#include "common_shim.h"

static const char python[] = "/usr/bin/python3";

/* Empty the private dirs between the two runs. */
static void empty_private_dirs(void)
{
	ck_assert_int_eq(tf_rmtree(tj_j->dir, TF_RMTREE_CONTENTS_ONLY), 0);
	ck_assert_int_eq(tf_rmtree(tj_j->vardir, TF_RMTREE_CONTENTS_ONLY), 0);
}

/* @script in the reference: the private dirs mounted, no shim. */
static void run_mounted(struct tj_result *res, const char *script)
{
	char mounts[TJ_PATH * 3];

	/* /var/tmp first: the root lies in /tmp, hidden once /tmp is mounted. */
	tj_fmt(mounts, sizeof(mounts),
	       "mount --bind '%s' /var/tmp && mount --bind '%s' /tmp && exec %s -c \"$0\"",
	       tj_j->vardir, tj_j->dir, python);
	tj_run(
	    res,
	    (char *const[]){"LD_PRELOAD", "TMPJAIL_PRELOAD", "TMPJAIL_ROOT", "TMPJAIL_DIR", NULL},
	    (char *const[]){"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh",
			    "-c", mounts, (char *)script, NULL});
}

/* Skip unless a mount namespace can be made here. */
static void require_reference(void)
{
	TJ_REQUIRE_SHIM();
	tj_need_program(python, "python3");
	tj_need_program("/usr/bin/unshare", "util-linux");
	if (geteuid() != 0)
		TJ_SKIP("the reference mounts the private dirs on /tmp: needs root (CI runs it)");
}

/*
 * Run @script both ways; their outputs must be equal, and equal @want
 * (what a program on a real, mounted /tmp prints).
 */
static void same_as_mounted(const char *script, const char *want)
{
	struct tj_result shim, mounted;

	tj_run(&shim, NULL, (char *const[]){(char *)python, "-c", (char *)script, NULL});
	tj_assert_ok(&shim, "under the shim");
	empty_private_dirs();
	run_mounted(&mounted, script);
	tj_assert_ok(&mounted, "on the mounted private dirs");
	ck_assert_msg(strcmp(shim.out, mounted.out) == 0,
		      "under the shim:\n%s\non a mounted /tmp:\n%s", shim.out, mounted.out);
	ck_assert_msg(strcmp(mounted.out, want) == 0, "the reference printed:\n%s\nnot:\n%s",
		      mounted.out, want);
	tj_result_free(&shim);
	tj_result_free(&mounted);
}

/* Links read back as written; realpath, getcwd and /proc/self/cwd name
 * the file by its /tmp path (issue: readlink printed the private dir). */
START_TEST(test_names_read_back)
{
	require_reference();
	same_as_mounted("import os\n"
			"os.makedirs('/tmp/a/b')\n"
			"os.symlink('/tmp/a', '/tmp/l')\n"
			"os.symlink('/var/tmp/v', '/tmp/lv')\n"
			"print(os.readlink('/tmp/l'))\n"
			"print(os.readlink('/tmp/lv'))\n"
			"print(os.path.realpath('/tmp/l/b'))\n"
			"os.chdir('/tmp/l/b')\n"
			"print(os.getcwd())\n"
			"print(os.readlink('/proc/self/cwd'))\n"
			"fd = os.open('x', os.O_CREAT | os.O_WRONLY, 0o600)\n"
			"print(os.readlink('/proc/self/fd/%d' % fd))\n"
			"print(os.path.realpath('../../l'))\n"
			"print(os.popen('pwd -P').read().strip())\n",
			"/tmp/a\n/var/tmp/v\n/tmp/a/b\n/tmp/a/b\n/tmp/a/b\n/tmp/a/b/x\n/tmp/a\n"
			"/tmp/a/b\n");
}
END_TEST

/* ".." climbs as out of a mounted /tmp (the three reproducers,
 * and CPython's test_glob_dotdot). */
START_TEST(test_dotdot_as_kernel)
{
	require_reference();
	same_as_mounted(
	    "import os, pathlib\n"
	    "root = os.lstat('/')\n"
	    "def where(p):\n"
	    "    try:\n"
	    "        st = os.lstat(p)\n"
	    "    except OSError as e:\n"
	    "        return 'errno %d' % e.errno\n"
	    "    return '/' if (st.st_dev, st.st_ino) == (root.st_dev, root.st_ino) else 'other'\n"
	    "os.makedirs('/tmp/a/b/c')\n"
	    "print(where('/tmp/a/b/c/../../../..'))\n"
	    "print(where('/tmp/a/b/c/../../../../..'))\n"
	    "os.chdir('/tmp/a')\n"
	    "print(where(os.getcwd() + '/..' * 50))\n"
	    "print(where('../' * 50))\n"
	    "print(where('../../tmp/a/b'))\n"
	    "print(where('b/c/../../../../usr'))\n"
	    "p = pathlib.Path('/tmp/a')\n"
	    "print(sorted(str(x) for x in p.glob('..')))\n"
	    "print(sorted(str(x) for x in p.glob('b/../b')))\n"
	    "os.chdir('/')\n"
	    "open('/tmp/a/f', 'w').close()\n"
	    "print(where('usr/../tmp/a/f'))\n"
	    "print(where('/usr/../tmp/a/f'))\n"
	    "print(where('/tmp/nothing/../a'))\n"
	    "print(where('/tmp/a/f/..'))\n"
	    "os.symlink('/tmp/a/b/c', '/tmp/deep')\n"
	    "print(where('/tmp/deep/../../../..'))\n"
	    "print(os.path.realpath('/tmp/deep/../..'))\n"
	    "print(os.path.realpath('/var/tmp/..'))\n",
	    "/\n/\n/\n/\nother\nother\n['/tmp/a/..']\n['/tmp/a/b/../b']\n"
	    "other\nother\nerrno 2\nerrno 20\n/\n/tmp/a\n/var\n");
}
END_TEST

/* A relative link that climbs out of /tmp goes where it would natively,
 * never into the real directory holding the root. */
START_TEST(test_climbing_link_followed)
{
	require_reference();
	same_as_mounted("import os\n"
			"os.makedirs('/tmp/d/e')\n"
			"os.symlink('../../etc', '/tmp/d/up')\n"
			"os.symlink('../../../usr', '/tmp/d/e/up')\n"
			"os.chdir('/tmp/d')\n"
			"os.symlink('../../bin', 'bin')\n"
			"print(os.path.exists('/tmp/d/up/passwd'))\n"
			"print(os.path.isdir('/tmp/d/e/up/lib'))\n"
			"print(os.path.isdir('bin'))\n",
			"True\nTrue\nTrue\n");
}
END_TEST

/* The safety side of the same rule, where the reference cannot show it: a
 * name that exists only in the real /tmp is never reached, through a
 * climbing link or through "..", nor through a link that climbed within
 * the stand-in where it was made and was then renamed to a shallower
 * directory (it is made again, as symlink() would store it there). */
START_TEST(test_real_tmp_never_reached)
{
	TJ_REQUIRE_SHIM();
	tj_need_program(python, "python3");
	char marker[TJ_PATH], script[4 * TJ_PATH];
	struct tj_result res;

	tj_fmt(marker, sizeof(marker), "%s/%s.real-only", tj_j->base, tj_j->name);
	tj_write_file(marker, "real\n");
	tj_fmt(
	    script, sizeof(script),
	    "import os\n"
	    "name = '%s.real-only'\n"
	    "os.makedirs('/tmp/a')\n"
	    "for t in ['../../' + name, '../../../' + name, '../' + name]:\n"
	    "    os.symlink(t, '/tmp/a/l')\n"
	    "    print(os.path.exists('/tmp/a/l'))\n"
	    "    os.unlink('/tmp/a/l')\n"
	    "for p in ['/tmp/../' + name, '/tmp/a/../../../tmp/' + name, '/tmp/../tmp/' + name]:\n"
	    "    print(os.path.exists(p))\n"
	    "os.makedirs('/tmp/a/b/c')\n"
	    "os.symlink('../../../' + name, '/tmp/a/b/c/m')\n"
	    "os.rename('/tmp/a/b/c/m', '/tmp/a/m')\n"
	    "print(os.path.exists('/tmp/a/m'), os.readlink('/tmp/a/m') == '/' + name)\n"
	    "os.symlink('../../../' + name, '/tmp/a/b/c/n')\n"
	    "os.rename('/tmp/a/b/c', '/tmp/c')\n"
	    "os.rename('/tmp/c/n', '/tmp/a/n')\n"
	    "print(os.path.exists('/tmp/a/n'))\n",
	    tj_j->name);
	tj_run(&res, NULL, (char *const[]){(char *)python, "-c", script, NULL});
	tj_assert_ok(&res, "python3");
	tj_assert_out(&res, "False\nFalse\nFalse\nFalse\nFalse\nFalse\nFalse True\nFalse\n");
	tj_result_free(&res);
	unlink(marker);
}
END_TEST

/* The private dirs are what mount points would be: never removed or
 * renamed (rm -rf /tmp in a run must not take /tmp from the rest of it),
 * and a rename between them, or between one and the rest of the system,
 * crosses mounts (EXDEV: mv copies), by absolute or relative names. */
START_TEST(test_private_dirs_stay)
{
	require_reference();
	same_as_mounted("import os\n"
			"def err(f, *a):\n"
			"    try:\n"
			"        f(*a)\n"
			"        return 'ok'\n"
			"    except OSError as e:\n"
			"        return 'errno %d' % e.errno\n"
			"os.mkdir('/tmp/a')\n"
			"print(err(os.rmdir, '/tmp'))\n"
			"print(err(os.rmdir, '//var/./tmp/'))\n"
			"print(err(os.rename, '/tmp', '/tmp-moved'))\n"
			"print(err(os.rename, '/tmp/a', '/tmp'))\n"
			"print(err(os.rmdir, '/tmp/a'))\n"
			"print(os.path.isdir('/tmp'), os.path.isdir('/var/tmp'))\n"
			"open('/tmp/f', 'w').write('x')\n"
			"print(err(os.rename, '/tmp/f', '/var/tmp/f'))\n"
			"print(os.system('mv /tmp/f /var/tmp/g'), open('/var/tmp/g').read())\n"
			/* Relative names are on their directory's mount. */
			"open('/tmp/r', 'w').close()\n"
			"print(err(os.rename, '/tmp/r', 'view-renamed-here'))\n"
			"os.chdir('/tmp')\n"
			"print(err(os.rename, 'r', '/var/tmp/r'))\n"
			"print(err(os.rename, 'r', 's'), err(os.rename, 's', '/tmp/r'))\n"
			"os.chdir('/var/tmp')\n"
			"print(err(os.rename, 'g', '../../tmp/g'))\n",
			"errno 16\nerrno 16\nerrno 16\nerrno 18\nok\nTrue True\nerrno 18\n0 x\n"
			"errno 18\nerrno 18\nok ok\nerrno 18\n");
}
END_TEST

/* mount(8) hands the kernel the names realpath(3) gives it, /tmp names in
 * a run: mount and umount map them as every path call does. */
START_TEST(test_mount_by_tmp_names)
{
	require_reference();
	char victim[TJ_PATH], cwd[TJ_PATH / 2], script[4 * TJ_PATH];
	/* Outside /tmp (the reference hides it): in the test's directory. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	tj_fmt(victim, sizeof(victim), "%s/view-mount-XXXXXX", cwd);
	ck_assert_ptr_nonnull(mkdtemp(victim));
	char file[TJ_PATH + 8];
	tj_fmt(file, sizeof(file), "%s/f", victim);
	tj_write_file(file, "mounted\n");
	tj_fmt(script, sizeof(script),
	       "import os, subprocess\n"
	       "os.mkdir('/tmp/m')\n"
	       "print(subprocess.run(['mount', '--bind', '%s', '/tmp/m']).returncode)\n"
	       "print(open('/tmp/m/f').read().strip())\n"
	       "print(subprocess.run(['umount', '/tmp/m']).returncode)\n"
	       "print(os.listdir('/tmp/m'))\n",
	       victim);
	same_as_mounted(script, "0\nmounted\n0\n[]\n");
	unlink(file);
	rmdir(victim);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_view");
	tj_add(s, tcase_create("names_read_back"), test_names_read_back);
	tj_add(s, tcase_create("dotdot_as_kernel"), test_dotdot_as_kernel);
	tj_add(s, tcase_create("climbing_link_followed"), test_climbing_link_followed);
	tj_add(s, tcase_create("real_tmp_never_reached"), test_real_tmp_never_reached);
	tj_add(s, tcase_create("private_dirs_stay"), test_private_dirs_stay);
	tj_add(s, tcase_create("mount_by_tmp_names"), test_mount_by_tmp_names);
	return s;
}
