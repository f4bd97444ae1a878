/* SPDX-License-Identifier: MIT */
/*
 * The installed tree. Each test installs the build tree into its own
 * scratch prefix with `cmake --install`, usually moves it elsewhere (the
 * tree must be relocatable), then uses it as a person would: runs the
 * installed launcher, builds a small program against the installed core with
 * pkg-config and with find_package(tmpjail), reads the man pages, asks bash
 * for completions. The scratch directory is removed by an unchecked fixture,
 * which runs in the parent process even when a test fails.
 *
 * CMake passes what the tests need through the environment:
 *   TJ_BUILD_DIR, TJ_CMAKE, TJ_GENERATOR, TJ_CC, TJ_PKG_CONFIG, TJ_MAN,
 *   TJ_GROFF, TJ_BASH, TJ_SCRATCH_PARENT, TJ_BINDIR, TJ_LIBDIR, TJ_VERSION,
 *   TJ_SOVERSION, TJ_LAUNCHER_TARGET and TJ_SHIM_TARGET ("" while that part
 *   has not landed).
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

#include "tj_check.h"

/* Scratch directory of the current test, made by the fixture (parent). */
static char scratch[PATH_MAX];
/* Name in the real /tmp the launcher test uses; removed by the fixture if a
 * broken run left it behind. Random, so it can only be this test's. */
static char real_tmp_name[64];
/* Output of the last command. */
static char out[1 << 16];

static const char *env(const char *name)
{
	const char *value = getenv(name);
	ck_assert_msg(value != NULL, "%s not set: run this test through CTest", name);
	return value;
}

static void setup(void)
{
	const char *parent = getenv("TJ_SCRATCH_PARENT");
	unsigned char raw[6];

	scratch[0] = '\0';
	if (!parent)
		return;
	snprintf(scratch, sizeof(scratch), "%s/tjinst-XXXXXX", parent);
	if (!mkdtemp(scratch))
		scratch[0] = '\0';
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return;
	snprintf(real_tmp_name, sizeof(real_tmp_name), "/tmp/tjinst-%02x%02x%02x%02x%02x%02x",
		 raw[0], raw[1], raw[2], raw[3], raw[4], raw[5]);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT)
		fprintf(stderr, "check_install: cannot remove %s: %m\n", path);
	return 0;
}

static void teardown(void)
{
	/* FTW_PHYS: never follow links; FTW_MOUNT: never leave the scratch fs. */
	if (scratch[0])
		nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (real_tmp_name[0])
		unlink(real_tmp_name);
}

/* @buf = @a/@b; @buf may be @a. */
static void join(char *buf, const char *a, const char *b)
{
	char joined[PATH_MAX];
	int n = snprintf(joined, sizeof(joined), "%s/%s", a, b);
	ck_assert_msg(n > 0 && n < PATH_MAX, "path too long: %s/%s", a, b);
	memcpy(buf, joined, (size_t)n + 1);
}

/*
 * Run @argv with the extra environment @vars ("NAME=value", or "NAME" to
 * unset) in @cwd (NULL: here). Its stdout lands in `out`, its stderr goes to
 * ours so that CTest shows it. Returns the exit status, 128+N for signal N.
 */
static int run(const char *const argv[], const char *const vars[], const char *cwd)
{
	int pipe_fds[2];
	ck_assert_int_eq(pipe2(pipe_fds, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (size_t i = 0; vars && vars[i]; i++)
			strchr(vars[i], '=') ? putenv((char *)vars[i]) : unsetenv(vars[i]);
		if (cwd && chdir(cwd) != 0)
			_exit(125);
		dup2(pipe_fds[1], STDOUT_FILENO);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "check_install: exec %s: %m\n", argv[0]);
		_exit(127);
	}
	close(pipe_fds[1]);
	/* Read to the end even past a full buffer, so the child never blocks. */
	size_t used = 0;
	char excess[4096];
	for (;;) {
		size_t room = sizeof(out) - 1 - used;
		ssize_t n = room ? read(pipe_fds[0], out + used, room)
				 : read(pipe_fds[0], excess, sizeof(excess));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			used += (size_t)n;
	}
	out[used] = '\0';
	close(pipe_fds[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run a shell script, as run() does. */
static int run_sh(const char *script, const char *const vars[], const char *cwd)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	return run(argv, vars, cwd);
}

/* Install the build tree into @prefix. */
static void install_into(const char *prefix)
{
	const char *argv[] = {env("TJ_CMAKE"), "--install", env("TJ_BUILD_DIR"),
			      "--prefix",      prefix,	    NULL};
	int status = run(argv, NULL, NULL);
	ck_assert_msg(status == 0, "cmake --install failed (%d):\n%s", status, out);
}

/*
 * Install into scratch/staging, then move the tree to scratch/<name> so that
 * anything remembering the install prefix breaks. @prefix gets the final path.
 */
static void install_moved(char *prefix, const char *name)
{
	char staging[PATH_MAX];
	ck_assert_msg(scratch[0], "the fixture could not make a scratch directory");
	join(staging, scratch, "staging");
	join(prefix, scratch, name);
	install_into(staging);
	ck_assert_msg(rename(staging, prefix) == 0, "rename %s: %m", staging);
}

/* Has the part whose CMake target is named by @target_var landed? */
static bool landed(const char *target_var)
{
	return env(target_var)[0] != '\0';
}

static void assert_exists(const char *prefix, const char *rel, mode_t type)
{
	char path[PATH_MAX];
	struct stat st;
	join(path, prefix, rel);
	ck_assert_msg(lstat(path, &st) == 0, "not installed: %s", rel);
	ck_assert_msg((st.st_mode & S_IFMT) == type, "%s has the wrong file type", rel);
}

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
	    "echo hi > %s; cat %s; echo \"root=$TMPJAIL_ROOT\"; echo \"shim=$TMPJAIL_PRELOAD\"",
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
	if (!landed("TJ_LAUNCHER_TARGET"))
		TJ_SKIP("the launcher (launcher/, executable tmpjail) has not landed yet");
	if (!landed("TJ_SHIM_TARGET"))
		TJ_SKIP("the shim (shim/, target tmpjail-preload) has not landed yet");
	ck_assert_msg(scratch[0], "the fixture could not make a scratch directory");
	join(prefix, scratch, "prefix");
	install_into(prefix);
	assert_launcher_works(prefix);
}
END_TEST

START_TEST(test_relocated)
{
	char prefix[PATH_MAX];
	if (!landed("TJ_LAUNCHER_TARGET"))
		TJ_SKIP("the launcher (launcher/, executable tmpjail) has not landed yet");
	if (!landed("TJ_SHIM_TARGET"))
		TJ_SKIP("the shim (shim/, target tmpjail-preload) has not landed yet");
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

/* Every entry of the directory @rel must be one of @allowed (NULL-ended);
 * this is what keeps test programs and internal archives out. */
static void assert_only(const char *prefix, const char *rel, const char *const allowed[])
{
	char path[PATH_MAX];
	join(path, prefix, rel);
	DIR *dir = opendir(path);
	ck_assert_msg(dir != NULL, "%s: %m", rel);
	struct dirent *entry;
	while ((entry = readdir(dir))) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(entry->d_name, allowed[i]) == 0;
		ck_assert_msg(ok, "%s/%s should not be installed", rel, entry->d_name);
	}
	closedir(dir);
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

	if (landed("TJ_LAUNCHER_TARGET")) {
		snprintf(rel, sizeof(rel), "%s/tmpjail", bindir);
		assert_exists(prefix, rel, S_IFREG);
		join(rel, prefix, rel);
		ck_assert_msg(access(rel, X_OK) == 0, "bin/tmpjail is not executable");
		assert_only(prefix, bindir, (const char *[]){"tmpjail", NULL});
	}
	if (landed("TJ_SHIM_TARGET")) {
		snprintf(rel, sizeof(rel), "%s/libtmpjail-preload.so", libdir);
		assert_exists(prefix, rel, S_IFREG);
	}
	/* Nothing else: no test program, no raw core archive, no test library. */
	assert_only(prefix, libdir,
		    (const char *[]){"libtmpjail.so", so_name, real_name, "libtmpjail.a",
				     "libtmpjail-preload.so", "pkgconfig", "cmake", NULL});
	char bin_top[PATH_MAX], lib_top[PATH_MAX];
	snprintf(bin_top, sizeof(bin_top), "%.*s", (int)strcspn(bindir, "/"), bindir);
	snprintf(lib_top, sizeof(lib_top), "%.*s", (int)strcspn(libdir, "/"), libdir);
	assert_only(prefix, ".", (const char *[]){bin_top, lib_top, "include", "share", NULL});
	assert_only(prefix, "share", (const char *[]){"man", "bash-completion", NULL});
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
	if (landed("TJ_LAUNCHER_TARGET")) {
		/* tmpjail_EXECUTABLE: the launcher of the moved tree. */
		char expected[PATH_MAX + 32];
		join(path, prefix, env("TJ_BINDIR"));
		snprintf(expected, sizeof(expected), "launcher=[%s/tmpjail]", path);
		ck_assert_msg(strstr(out, expected) != NULL, "no %s in:\n%s", expected, out);
	}
	const char *compile[] = {env("TJ_CMAKE"), "--build", build, NULL};
	status = run(compile, vars, scratch);
	ck_assert_msg(status == 0, "building against tmpjail::tmpjail failed:\n%s", out);

	assert_tiny_runs(build, "tiny_shared", NULL);
	/* The static one must not need the shared library at all. */
	remove_shared_core(prefix);
	assert_tiny_runs(build, "tiny_static", NULL);
}
END_TEST

/*
 * The long options the installed launcher's --help documents: the first
 * "--name" of every line that starts (after blanks) with '-'. Written into
 * @names as "--a\n--b\n...". Returns false when the launcher has not landed.
 */
static bool launcher_options(const char *prefix, char *names, size_t size)
{
	char launcher[PATH_MAX];
	if (!landed("TJ_LAUNCHER_TARGET"))
		return false;
	join(launcher, prefix, env("TJ_BINDIR"));
	join(launcher, launcher, "tmpjail");
	const char *argv[] = {launcher, "--help", NULL};
	ck_assert_msg(run(argv, NULL, NULL) == 0, "tmpjail --help failed:\n%s", out);

	size_t used = 0;
	names[0] = '\0';
	for (char *line = out; *line;
	     line = strchrnul(line, '\n') + (*strchrnul(line, '\n') != 0)) {
		char *p = line + strspn(line, " \t");
		if (*p != '-')
			continue;
		char *opt = strstr(p, "--");
		if (!opt || opt > strchrnul(line, '\n'))
			continue;
		size_t len = 2 + strspn(opt + 2, "abcdefghijklmnopqrstuvwxyz-");
		if (len <= 2)
			continue;
		ck_assert(used + len + 2 < size);
		memcpy(names + used, opt, len);
		used += len;
		names[used++] = '\n';
		names[used] = '\0';
	}
	ck_assert_msg(used > 0, "no option found in tmpjail --help:\n%s", out);
	return true;
}

/* Every "--name" line of @names must be a whole word of @text. */
static void assert_options_in(const char *names, const char *text, const char *where)
{
	char name[64];
	for (const char *p = names; *p; p = strchr(p, '\n') + 1) {
		size_t len = (size_t)(strchr(p, '\n') - p);
		ck_assert(len < sizeof(name));
		memcpy(name, p, len);
		name[len] = '\0';
		bool found = false;
		for (const char *hit = text; !found && (hit = strstr(hit, name)); hit += len)
			found = !strchr("abcdefghijklmnopqrstuvwxyz-", hit[len]) || !hit[len];
		ck_assert_msg(found, "%s is in tmpjail --help but not in %s", name, where);
	}
}

/* Render an installed man page with man -l; groff must not warn about it. */
static void render_man(const char *prefix, const char *rel, const char *title)
{
	char page[PATH_MAX], script[PATH_MAX + 128];
	join(page, prefix, rel);
	const char *vars[] = {"LC_ALL=C",     "MANWIDTH=80", "MAN_KEEP_FORMATTING",
			      "MANPAGER=cat", "PAGER=cat",   NULL};
	snprintf(script, sizeof(script), "\"%s\" -Tutf8 -ww -z -man '%s' 2>&1", env("TJ_GROFF"),
		 page);
	ck_assert_int_eq(run_sh(script, vars, NULL), 0);
	ck_assert_msg(out[0] == '\0', "groff warns about %s:\n%s", rel, out);

	const char *argv[] = {env("TJ_MAN"), "--nh", "--nj", "-l", page, NULL};
	int status = run(argv, vars, NULL);
	ck_assert_msg(status == 0, "man -l %s exited %d", rel, status);
	ck_assert_msg(strstr(out, title) != NULL, "man -l %s does not show %s:\n%s", rel, title,
		      out);
	ck_assert_msg(strstr(out, "SYNOPSIS") && strstr(out, "DESCRIPTION") &&
			  strstr(out, "EXAMPLES"),
		      "man -l %s lacks a section:\n%s", rel, out);
}

START_TEST(test_man_pages)
{
	char prefix[PATH_MAX], header[PATH_MAX], options[4096];
	static char text[sizeof(out)];
	if (!env("TJ_MAN")[0] || !env("TJ_GROFF")[0])
		TJ_SKIP("needs man(1) and groff (Debian: man-db, groff-base)");
	install_moved(prefix, "man");

	render_man(prefix, "share/man/man1/tmpjail.1", "TMPJAIL(1)");
	memcpy(text, out, sizeof(out));
	if (launcher_options(prefix, options, sizeof(options)))
		assert_options_in(options, text, "tmpjail(1)");

	/* libtmpjail(3) documents every public function of the installed header. */
	render_man(prefix, "share/man/man3/libtmpjail.3", "LIBTMPJAIL(3)");
	memcpy(text, out, sizeof(out));
	join(header, prefix, "include/tmpjail/tempfile.h");
	FILE *file = fopen(header, "r");
	ck_assert_msg(file != NULL, "%s: %m", header);
	char line[256];
	int functions = 0;
	while (fgets(line, sizeof(line), file)) {
		char *api = strstr(line, "TF_API ");
		char *name = api ? strstr(api, "tf_") : NULL;
		if (!name || strncmp(line, "#define", 7) == 0)
			continue;
		name[strspn(name, "abcdefghijklmnopqrstuvwxyz_")] = '\0';
		ck_assert_msg(strstr(text, name) != NULL, "libtmpjail(3) does not document %s",
			      name);
		functions++;
	}
	fclose(file);
	ck_assert_int_ge(functions, 20);
}
END_TEST

/*
 * Ask the installed completion what it offers, as bash would when Tab is
 * pressed: each "[case]" line is followed by the candidates for that line.
 */
static const char completion_script[] =
    "source \"$1\" || exit 3\n"
    "spec=$(complete -p tmpjail) || exit 4\n"
    "fn=${spec#*-F }; fn=${fn%% *}\n"
    "comp() {\n"
    "	COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1))\n"
    "	COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()\n"
    "	\"$fn\" tmpjail \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
    "	printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    "}\n"
    "echo '[opts]'; comp tmpjail --se\n"
    "echo '[all]'; comp tmpjail -\n"
    "echo '[preset]'; comp tmpjail --seccomp h\n"
    "echo '[list]'; comp tmpjail --seccomp harden,n\n"
    "echo '[policy]'; comp tmpjail --seccomp \"$2/po\"\n"
    "echo '[base]'; comp tmpjail --base \"$2/d\"\n"
    "echo '[audit]'; comp tmpjail --audit \"$2/d\"\n"
    "echo '[after--]'; comp tmpjail -- ech\n"
    "echo '[first]'; comp tmpjail -k ech\n"
    "echo '[cmdargs]'; comp tmpjail ls --se\n"
    "echo '[equals]'; comp tmpjail --seccomp = har\n"
    "echo '[equals-cmd]'; comp tmpjail --base = \"$2\" ech\n"
    "echo '[end]'\n";

/* The candidates printed after "[@name]", up to the next "[". */
static const char *completions(const char *name, char *buf, size_t size)
{
	char tag[32];
	snprintf(tag, sizeof(tag), "[%s]\n", name);
	const char *start = strstr(out, tag);
	ck_assert_msg(start != NULL, "no %s in:\n%s", tag, out);
	start += strlen(tag);
	size_t len = (size_t)(strchr(start, '[') - start);
	ck_assert(len < size);
	memcpy(buf, start, len);
	buf[len] = '\0';
	return buf;
}

static bool offers(const char *list, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = list; *p; p = strchr(p, '\n') + 1)
		if (strncmp(p, word, len) == 0 && p[len] == '\n')
			return true;
	return false;
}

START_TEST(test_bash_completion)
{
	char prefix[PATH_MAX], file[PATH_MAX], path[PATH_MAX], list[4096], options[4096];
	install_moved(prefix, "completion");
	join(file, prefix, "share/bash-completion/completions/tmpjail");
	join(path, scratch, "dir");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	join(path, scratch, "dfile");
	ck_assert_int_eq(close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);
	join(path, scratch, "policy.txt");
	ck_assert_int_eq(close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);

	const char *argv[] = {env("TJ_BASH"), "-c", completion_script, "bash", file, scratch, NULL};
	int status = run(argv, (const char *[]){"PATH=/usr/bin:/bin", NULL}, NULL);
	ck_assert_msg(status == 0, "bash completion script failed (%d):\n%s", status, out);

	completions("opts", list, sizeof(list));
	ck_assert_msg(offers(list, "--seal") && offers(list, "--seccomp") &&
			  offers(list, "--seccomp-log") && !offers(list, "--keep"),
		      "--se<Tab> offered:\n%s", list);
	completions("preset", list, sizeof(list));
	ck_assert_msg(offers(list, "harden") && !offers(list, "no-network"),
		      "--seccomp h<Tab> offered:\n%s", list);
	completions("list", list, sizeof(list));
	ck_assert_msg(offers(list, "harden,no-network"), "--seccomp harden,n<Tab>:\n%s", list);
	completions("policy", list, sizeof(list));
	join(path, scratch, "policy.txt");
	ck_assert_msg(offers(list, path), "--seccomp <file><Tab> offered:\n%s", list);
	completions("base", list, sizeof(list));
	join(path, scratch, "dir");
	ck_assert_msg(offers(list, path) && !strstr(list, "dfile"), "--base d<Tab>:\n%s", list);
	completions("audit", list, sizeof(list));
	join(path, scratch, "dfile");
	ck_assert_msg(offers(list, path), "--audit d<Tab> offered:\n%s", list);
	completions("after--", list, sizeof(list));
	ck_assert_msg(offers(list, "echo"), "tmpjail -- ech<Tab> offered:\n%s", list);
	completions("first", list, sizeof(list));
	ck_assert_msg(offers(list, "echo"), "tmpjail -k ech<Tab> offered:\n%s", list);
	completions("cmdargs", list, sizeof(list));
	ck_assert_msg(!offers(list, "--seal"), "options of tmpjail offered to ls:\n%s", list);
	completions("equals", list, sizeof(list));
	ck_assert_msg(offers(list, "harden"), "--seccomp=har<Tab> offered:\n%s", list);
	completions("equals-cmd", list, sizeof(list));
	ck_assert_msg(offers(list, "echo"), "tmpjail --base=DIR ech<Tab> offered:\n%s", list);

	completions("all", list, sizeof(list));
	if (launcher_options(prefix, options, sizeof(options)))
		assert_options_in(options, list, "the bash completion");
}
END_TEST

/* One TCase per behaviour, each with its own scratch directory. */
static void add_case(Suite *suite, TCase *tcase, const TTest *test)
{
	tcase_add_unchecked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test);
	suite_add_tcase(suite, tcase);
}

Suite *tj_suite(void)
{
	Suite *suite = suite_create("install");
	add_case(suite, tcase_create("run_installed"), test_run_installed);
	add_case(suite, tcase_create("relocated"), test_relocated);
	add_case(suite, tcase_create("layout"), test_layout);
	add_case(suite, tcase_create("pkg_config_shared"), test_pkg_config_shared);
	add_case(suite, tcase_create("pkg_config_static"), test_pkg_config_static);
	add_case(suite, tcase_create("find_package"), test_find_package);
	add_case(suite, tcase_create("man_pages"), test_man_pages);
	add_case(suite, tcase_create("bash_completion"), test_bash_completion);
	return suite;
}
