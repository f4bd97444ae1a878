/* SPDX-License-Identifier: MIT */
/*
 * The installed tree. Each test installs the build tree into its own
 * scratch prefix with `cmake --install`, usually moves it elsewhere (the
 * tree must be relocatable), then uses it as a person would: runs the
 * installed launcher, builds a small program against the installed core with
 * pkg-config and with find_package(tmpjail), reads the man pages, asks bash
 * for completions (those two in check_install_docs.c). Helpers are in
 * install_util.c.
 *
 * CMake passes what the tests need through the environment:
 *   TJ_BUILD_DIR, TJ_CMAKE, TJ_GENERATOR, TJ_CC, TJ_PKG_CONFIG, TJ_MAN,
 *   TJ_GROFF, TJ_BASH, TJ_SCRATCH_PARENT, TJ_BINDIR, TJ_LIBDIR, TJ_VERSION,
 *   TJ_SOVERSION.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "install_util.h"

/*
 * The installed launcher runs a command whose /tmp is private: it reads back
 * what it wrote, nothing lands in the real /tmp, and the private root is gone
 * once the launcher exits.
 */
static void assert_launcher_works(const char *prefix)
{
	char launcher[PATH_MAX], libdir[PATH_MAX], real_libdir[PATH_MAX], script[512];
	join(launcher, prefix, env("TJ_BINDIR"));
	join(launcher, launcher, "tmpjail");
	join(libdir, prefix, env("TJ_LIBDIR"));
	/* The launcher reports the shim's canonical path. */
	ck_assert_msg(realpath(libdir, real_libdir) != NULL, "%s: %m", libdir);
	snprintf(
	    script, sizeof(script),
	    "echo hi > %s; cat %s; echo \"root=$TMPJAIL_ROOT\"; echo \"shim=$TMPJAIL_PRELOAD\"; "
	    "echo \"audit=$LD_AUDIT\"",
	    real_tmp_name, real_tmp_name);
	const char *argv[] = {launcher, "--", "sh", "-c", script, NULL};

	int status = run(argv, NULL, NULL);
	ck_assert_msg(status == 0, "installed tmpjail exited %d:\n%s", status, out);
	ck_assert_msg(strncmp(out, "hi\n", 3) == 0, "the command did not read back hi:\n%s", out);
	ck_assert_msg(access(real_tmp_name, F_OK) != 0 && errno == ENOENT,
		      "%s was left in the real /tmp", real_tmp_name);

	/* The shim the launcher used is the one of this (moved) tree. */
	char *shim = strstr(out, "shim=");
	ck_assert_ptr_nonnull(shim);
	shim += strlen("shim=");
	ck_assert_msg(strncmp(shim, real_libdir, strlen(real_libdir)) == 0 &&
			  strncmp(shim + strlen(real_libdir), "/libtmpjail-preload.so\n",
				  strlen("/libtmpjail-preload.so\n")) == 0,
		      "the launcher did not use the shim in %s:\n%s", real_libdir, out);
	/* ... and the loader module beside it (libraries in /tmp). */
	char *audit = strstr(out, "audit=");
	ck_assert_ptr_nonnull(audit);
	audit += strlen("audit=");
	ck_assert_msg(strncmp(audit, real_libdir, strlen(real_libdir)) == 0 &&
			  strncmp(audit + strlen(real_libdir), "/libtmpjail-loader.so\n",
				  strlen("/libtmpjail-loader.so\n")) == 0,
		      "the launcher did not audit with the loader module in %s:\n%s", real_libdir,
		      out);

	char *root = strstr(out, "root=");
	ck_assert_ptr_nonnull(root);
	root += strlen("root=");
	*strchrnul(root, '\n') = '\0';
	ck_assert_msg(root[0] == '/', "TMPJAIL_ROOT not absolute: '%s'", root);
	ck_assert_msg(access(root, F_OK) != 0 && errno == ENOENT, "private root %s not reaped",
		      root);
}

START_TEST(test_run_installed)
{
	char prefix[PATH_MAX];
	ck_assert_msg(scratch[0], "the fixture could not make a scratch directory");
	join(prefix, scratch, "prefix");
	install_into(prefix);
	assert_launcher_works(prefix);
}
END_TEST

START_TEST(test_relocated)
{
	char prefix[PATH_MAX];
	install_moved(prefix, "moved.elsewhere");
	assert_launcher_works(prefix);
}
END_TEST

/* A symbolic link at @rel pointing, relatively, to @target. */
static void assert_link(const char *prefix, const char *rel, const char *target)
{
	char path[PATH_MAX], got[PATH_MAX];
	join(path, prefix, rel);
	ssize_t n = readlink(path, got, sizeof(got) - 1);
	ck_assert_msg(n > 0, "%s is not a symbolic link", rel);
	got[n] = '\0';
	ck_assert_msg(strcmp(got, target) == 0, "%s -> %s, expected -> %s", rel, got, target);
}

START_TEST(test_layout)
{
	char prefix[PATH_MAX], rel[PATH_MAX], real_name[64], so_name[64];
	const char *bindir = env("TJ_BINDIR"), *libdir = env("TJ_LIBDIR");
	install_moved(prefix, "layout");

	snprintf(real_name, sizeof(real_name), "libtmpjail.so.%s", env("TJ_VERSION"));
	snprintf(so_name, sizeof(so_name), "libtmpjail.so.%s", env("TJ_SOVERSION"));
	snprintf(rel, sizeof(rel), "%s/libtmpjail.so", libdir);
	assert_link(prefix, rel, so_name);
	join(rel, libdir, so_name);
	assert_link(prefix, rel, real_name);
	join(rel, libdir, real_name);
	assert_exists(prefix, rel, S_IFREG);
	snprintf(rel, sizeof(rel), "%s/libtmpjail.a", libdir);
	assert_exists(prefix, rel, S_IFREG);
	snprintf(rel, sizeof(rel), "%s/pkgconfig/tmpjail.pc", libdir);
	assert_exists(prefix, rel, S_IFREG);
	const char *cmake_files[] = {"tmpjailConfig.cmake", "tmpjailConfigVersion.cmake",
				     "tmpjailTargets.cmake"};
	for (size_t i = 0; i < sizeof(cmake_files) / sizeof(cmake_files[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/cmake/tmpjail/%s", libdir, cmake_files[i]);
		assert_exists(prefix, rel, S_IFREG);
	}
	assert_exists(prefix, "include/tmpjail/tempfile.h", S_IFREG);
	assert_exists(prefix, "share/man/man1/tmpjail.1", S_IFREG);
	assert_exists(prefix, "share/man/man3/libtmpjail.3", S_IFREG);
	assert_exists(prefix, "share/bash-completion/completions/tmpjail", S_IFREG);

	snprintf(rel, sizeof(rel), "%s/tmpjail", bindir);
	assert_exists(prefix, rel, S_IFREG);
	join(rel, prefix, rel);
	ck_assert_msg(access(rel, X_OK) == 0, "bin/tmpjail is not executable");
	assert_only(prefix, bindir, (const char *[]){"tmpjail", NULL});
	snprintf(rel, sizeof(rel), "%s/libtmpjail-preload.so", libdir);
	assert_exists(prefix, rel, S_IFREG);
	snprintf(rel, sizeof(rel), "%s/libtmpjail-loader.so", libdir);
	assert_exists(prefix, rel, S_IFREG);
	/* The trap's posix_spawn helper, beside the shim where the shim looks. */
	snprintf(rel, sizeof(rel), "%s/tmpjail-trap-exec", libdir);
	assert_exists(prefix, rel, S_IFREG);
	join(rel, prefix, rel);
	ck_assert_msg(access(rel, X_OK) == 0, "tmpjail-trap-exec is not executable");
	/* Nothing else: no test program, no raw core archive, no test library. */
	assert_only(prefix, libdir,
		    (const char *[]){"libtmpjail.so", so_name, real_name, "libtmpjail.a",
				     "libtmpjail-preload.so", "libtmpjail-loader.so",
				     "tmpjail-trap-exec", "pkgconfig", "cmake",
				     "slurm-wlm" /* the Slurm plugin, when built */, NULL});
	char bin_top[PATH_MAX], lib_top[PATH_MAX];
	snprintf(bin_top, sizeof(bin_top), "%.*s", (int)strcspn(bindir, "/"), bindir);
	snprintf(lib_top, sizeof(lib_top), "%.*s", (int)strcspn(libdir, "/"), libdir);
	assert_only(prefix, ".", (const char *[]){bin_top, lib_top, "include", "share", NULL});
	/* doc: the Slurm plugin's example plugstack.conf.d line, when built. */
	assert_only(prefix, "share", (const char *[]){"man", "bash-completion", "doc", NULL});
	assert_only(prefix, "include", (const char *[]){"tmpjail", NULL});
	assert_only(prefix, "include/tmpjail", (const char *[]){"tempfile.h", NULL});
}
END_TEST

/*
 * The small program users would write: a TemporaryDirectory in argv[1]
 * holding a NamedTemporaryFile, both removed at the end of their scope.
 */
static const char tiny_source[] =
    "#include <stdio.h>\n"
    "#include <tmpjail/tempfile.h>\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "	if (argc != 2)\n"
    "		return 2;\n"
    "	tf_scoped(tempdir) struct tf_tempdir *dir =\n"
    "		tf_tempdir_open(&(struct tf_opts){ .dir = argv[1], .prefix = \"tiny-\" });\n"
    "	if (!dir) {\n"
    "		perror(\"tf_tempdir_open\");\n"
    "		return 1;\n"
    "	}\n"
    "	struct tf_named *named = tf_named_open(&(struct tf_opts){ .dir = tf_tempdir_path(dir) });\n"
    "	if (!named || fputs(\"hello\", tf_named_file(named)) < 0) {\n"
    "		perror(\"tf_named_open\");\n"
    "		return 1;\n"
    "	}\n"
    "	printf(\"tiny ok %s\\n\", tf_named_path(named));\n"
    "	return tf_named_done(named) == 0 ? 0 : 1;\n"
    "}\n";

/* Write the tiny program's source and an empty work directory for it. */
static void write_tiny(const char *dir)
{
	char path[PATH_MAX];
	join(path, dir, "tiny.c");
	FILE *file = fopen(path, "w");
	ck_assert_msg(file != NULL, "%s: %m", path);
	ck_assert_int_eq(fputs(tiny_source, file) >= 0, 1);
	ck_assert_int_eq(fclose(file), 0);
	join(path, dir, "work");
	ck_assert_msg(mkdir(path, 0700) == 0, "%s: %m", path);
}

/* Run a tiny program built in @dir; it must work in scratch/work and leave
 * that directory empty. */
static void assert_tiny_runs(const char *dir, const char *program, const char *const vars[])
{
	char path[PATH_MAX], work[PATH_MAX];
	join(path, dir, program);
	join(work, scratch, "work");
	const char *argv[] = {path, work, NULL};
	int status = run(argv, vars, scratch);
	ck_assert_msg(status == 0, "%s exited %d:\n%s", program, status, out);
	ck_assert_msg(strncmp(out, "tiny ok ", 8) == 0, "%s printed:\n%s", program, out);
	ck_assert_msg(strstr(out, work) != NULL, "%s did not write in %s:\n%s", program, work, out);
	assert_only(scratch, "work", (const char *[]){NULL});
}

/* Remove the shared core from an installed tree, so that only the static
 * archive can satisfy a link. */
static void remove_shared_core(const char *prefix)
{
	char libdir[PATH_MAX], script[PATH_MAX + 64];
	join(libdir, prefix, env("TJ_LIBDIR"));
	snprintf(script, sizeof(script), "rm -f -- '%s'/libtmpjail.so*", libdir);
	ck_assert_int_eq(run_sh(script, NULL, NULL), 0);
}

/*
 * Build the tiny program with the flags pkg-config gives from the moved
 * tree; only that tree's .pc file is visible.
 */
static void build_with_pkg_config(const char *prefix, const char *extra)
{
	char pc_dir[PATH_MAX], pc_path[PATH_MAX + 32], pc_libdir[PATH_MAX + 32];
	char cc[PATH_MAX + 8], pkg_config[PATH_MAX + 16];
	join(pc_dir, prefix, env("TJ_LIBDIR"));
	join(pc_dir, pc_dir, "pkgconfig");
	snprintf(pc_path, sizeof(pc_path), "PKG_CONFIG_PATH=%s", pc_dir);
	snprintf(pc_libdir, sizeof(pc_libdir), "PKG_CONFIG_LIBDIR=%s", pc_dir);
	snprintf(cc, sizeof(cc), "CC=%s", env("TJ_CC"));
	snprintf(pkg_config, sizeof(pkg_config), "PKG_CONFIG=%s", env("TJ_PKG_CONFIG"));
	const char *vars[] = {pc_path, pc_libdir, cc, pkg_config, NULL};
	char script[256];

	write_tiny(scratch);
	snprintf(script, sizeof(script),
		 "set -e; flags=$(\"$PKG_CONFIG\" --cflags --libs %s tmpjail); echo \"$flags\";"
		 " \"$CC\" -o tiny tiny.c $flags",
		 extra);
	int status = run_sh(script, vars, scratch);
	ck_assert_msg(status == 0, "building with pkg-config failed (%d):\n%s", status, out);
	/* The flags point into the moved tree: ${pcfiledir} did its job. */
	ck_assert_msg(strstr(out, prefix) != NULL, "pkg-config flags outside %s:\n%s", prefix, out);
}

START_TEST(test_pkg_config_shared)
{
	char prefix[PATH_MAX], libpath[PATH_MAX + 32];
	install_moved(prefix, "pc-shared");
	build_with_pkg_config(prefix, "");
	join(libpath, prefix, env("TJ_LIBDIR"));
	memmove(libpath + strlen("LD_LIBRARY_PATH="), libpath, strlen(libpath) + 1);
	memcpy(libpath, "LD_LIBRARY_PATH=", strlen("LD_LIBRARY_PATH="));
	assert_tiny_runs(scratch, "tiny", (const char *[]){libpath, NULL});
}
END_TEST

START_TEST(test_pkg_config_static)
{
	char prefix[PATH_MAX];
	install_moved(prefix, "pc-static");
	remove_shared_core(prefix);
	build_with_pkg_config(prefix, "--static");
	assert_tiny_runs(scratch, "tiny", (const char *[]){"LD_LIBRARY_PATH", NULL});
}
END_TEST

static const char tiny_cmake[] =
    "cmake_minimum_required(VERSION 3.18)\n"
    "project(tiny C)\n"
    "find_package(tmpjail 0.1 REQUIRED)\n"
    "message(STATUS \"launcher=[${tmpjail_EXECUTABLE}]\")\n"
    "add_executable(tiny_shared tiny.c)\n"
    "target_link_libraries(tiny_shared PRIVATE tmpjail::tmpjail)\n"
    "add_executable(tiny_static tiny.c)\n"
    "target_link_libraries(tiny_static PRIVATE tmpjail::tmpjail_static)\n";

START_TEST(test_find_package)
{
	char prefix[PATH_MAX], path[PATH_MAX], build[PATH_MAX], prefix_path[PATH_MAX + 32],
	    compiler[PATH_MAX + 32];
	install_moved(prefix, "cmake-pkg");
	write_tiny(scratch);
	join(path, scratch, "CMakeLists.txt");
	FILE *file = fopen(path, "w");
	ck_assert_msg(file != NULL, "%s: %m", path);
	ck_assert_int_eq(fputs(tiny_cmake, file) >= 0, 1);
	ck_assert_int_eq(fclose(file), 0);

	join(build, scratch, "build");
	snprintf(prefix_path, sizeof(prefix_path), "-DCMAKE_PREFIX_PATH=%s", prefix);
	snprintf(compiler, sizeof(compiler), "-DCMAKE_C_COMPILER=%s", env("TJ_CC"));
	/* Not the outer build's make: a jobserver from it would confuse ours. */
	const char *vars[] = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CFLAGS", "LDFLAGS", NULL};
	const char *configure[] = {
	    env("TJ_CMAKE"), "-G", env("TJ_GENERATOR"), "-S", scratch, "-B", build, prefix_path,
	    compiler,	     NULL};
	int status = run(configure, vars, scratch);
	ck_assert_msg(status == 0, "configuring with find_package(tmpjail) failed:\n%s", out);
	/* tmpjail_EXECUTABLE: the launcher of the moved tree. */
	char expected[PATH_MAX + 32];
	join(path, prefix, env("TJ_BINDIR"));
	snprintf(expected, sizeof(expected), "launcher=[%s/tmpjail]", path);
	ck_assert_msg(strstr(out, expected) != NULL, "no %s in:\n%s", expected, out);
	const char *compile[] = {env("TJ_CMAKE"), "--build", build, NULL};
	status = run(compile, vars, scratch);
	ck_assert_msg(status == 0, "building against tmpjail::tmpjail failed:\n%s", out);

	assert_tiny_runs(build, "tiny_shared", NULL);
	/* The static one must not need the shared library at all. */
	remove_shared_core(prefix);
	assert_tiny_runs(build, "tiny_static", NULL);
}
END_TEST
Suite *tj_suite(void)
{
	Suite *suite = suite_create("install");
	add_case(suite, tcase_create("run_installed"), test_run_installed);
	add_case(suite, tcase_create("relocated"), test_relocated);
	add_case(suite, tcase_create("layout"), test_layout);
	add_case(suite, tcase_create("pkg_config_shared"), test_pkg_config_shared);
	add_case(suite, tcase_create("pkg_config_static"), test_pkg_config_static);
	add_case(suite, tcase_create("find_package"), test_find_package);
	return suite;
}
