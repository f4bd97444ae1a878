/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the installed-tree suites (check_install.c, check_install_docs.c):
 * a scratch directory per test made and removed by an unchecked fixture (it
 * runs in the parent process, even when a test fails), running commands with
 * their output captured, and installing the build tree with `cmake --install`.
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

char scratch[PATH_MAX];
char real_tmp_name[64];
char out[1 << 16];

const char *env(const char *name)
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
void join(char *buf, const char *a, const char *b)
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
int run(const char *const argv[], const char *const vars[], const char *cwd)
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
int run_sh(const char *script, const char *const vars[], const char *cwd)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	return run(argv, vars, cwd);
}

/* Install the build tree into @prefix. */
void install_into(const char *prefix)
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
void install_moved(char *prefix, const char *name)
{
	char staging[PATH_MAX];
	ck_assert_msg(scratch[0], "the fixture could not make a scratch directory");
	join(staging, scratch, "staging");
	join(prefix, scratch, name);
	install_into(staging);
	ck_assert_msg(rename(staging, prefix) == 0, "rename %s: %m", staging);
}

void assert_exists(const char *prefix, const char *rel, mode_t type)
{
	char path[PATH_MAX];
	struct stat st;
	join(path, prefix, rel);
	ck_assert_msg(lstat(path, &st) == 0, "not installed: %s", rel);
	ck_assert_msg((st.st_mode & S_IFMT) == type, "%s has the wrong file type", rel);
}

/* Every entry of the directory @rel must be one of @allowed (NULL-ended);
 * this is what keeps test programs and internal archives out. */
void assert_only(const char *prefix, const char *rel, const char *const allowed[])
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

/*
 * The long options the installed launcher's --help documents: the first
 * "--name" of every line that starts (after blanks) with '-'. Written into
 * @names as "--a\n--b\n...".
 */
void launcher_options(const char *prefix, char *names, size_t size)
{
	char launcher[PATH_MAX];
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
}

/* Every "--name" line of @names must be a whole word of @text. */
void assert_options_in(const char *names, const char *text, const char *where)
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

/* One TCase per behaviour, each with its own scratch directory. */
void add_case(Suite *suite, TCase *tcase, const TTest *test)
{
	tcase_add_unchecked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test);
	suite_add_tcase(suite, tcase);
}
