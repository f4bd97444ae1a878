/* SPDX-License-Identifier: MIT */
/*
 * Running programs under the shim for the shim's Check suites: the
 * environment of a run (the contract plus what a test adds or removes),
 * capture of its output and exit status, an inotify record of what it
 * created in the private dir, and the helper-program calls. Part of
 * common_shim.h, which includes it after the jail it runs in.
 */
#ifndef TMPJAIL_TESTS_RUN_SHIM_H
#define TMPJAIL_TESTS_RUN_SHIM_H

#ifndef TMPJAIL_TESTS_COMMON_SHIM_H
#error "include common_shim.h"
#endif

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* Start recording what is created in the private dir and var/tmp. */
static inline void tj_watch(void)
{
	tj_j->created[0] = '\0';
	tj_j->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ck_assert_msg(tj_j->inotify_fd >= 0, "inotify_init1: %s", strerror(errno));
	ck_assert_int_ge(inotify_add_watch(tj_j->inotify_fd, tj_j->dir, IN_CREATE | IN_MOVED_TO),
			 0);
	ck_assert_int_ge(inotify_add_watch(tj_j->inotify_fd, tj_j->vardir, IN_CREATE | IN_MOVED_TO),
			 0);
}

/* Collect the names created since tj_watch() into tj_j->created. */
static inline void tj_watch_collect(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	if (tj_j->inotify_fd < 0)
		return;
	for (;;) {
		ssize_t n = read(tj_j->inotify_fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			size_t used = strlen(tj_j->created);
			if (ev->len && used + strlen(ev->name) + 2 < sizeof(tj_j->created))
				snprintf(tj_j->created + used, sizeof(tj_j->created) - used, "%s\n",
					 ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
	close(tj_j->inotify_fd);
	tj_j->inotify_fd = -1;
}

/* How many names starting with @prefix were created while watched. */
static inline int tj_created_count(const char *prefix)
{
	int count = 0;
	size_t len = strlen(prefix);
	for (const char *p = tj_j->created; *p;) {
		if (strncmp(p, prefix, len) == 0)
			count++;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return count;
}

static inline bool tj_env_dropped(const char *entry, char *const *extra)
{
	static const char *const dropped[] = {"LD_PRELOAD=",	"TMPDIR=", "TMPJAIL_",
					      "SQLITE_TMPDIR=", "TEMP=",   "TMP="};
	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		if (strncmp(entry, dropped[i], strlen(dropped[i])) == 0)
			return true;
	for (size_t i = 0; extra && extra[i]; i++) {
		const char *eq = strchr(extra[i], '=');
		size_t len = eq ? (size_t)(eq - extra[i]) : strlen(extra[i]);
		if (strncmp(entry, extra[i], len) == 0 && entry[len] == '=')
			return true;
	}
	return false;
}

/*
 * The environment of a run: ours without any temp-dir or tmpjail setting,
 * plus the contract (LD_PRELOAD, TMPJAIL_ROOT, TMPJAIL_DIR, TMPJAIL_PRELOAD)
 * and @extra ("VAR=value" sets, a bare "VAR" unsets, contract variables
 * included). Freed with free().
 */
static inline char **tj_run_env(char *const *extra)
{
	size_t n = 0, nextra = 0;
	while (environ[n])
		n++;
	while (extra && extra[nextra])
		nextra++;
	char **env = calloc(n + nextra + 5, sizeof(*env));
	ck_assert_ptr_nonnull(env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!tj_env_dropped(environ[i], extra))
			env[k++] = environ[i];
	static char vars[4][TJ_PATH + 32];
	tj_fmt(vars[0], sizeof(vars[0]), "LD_PRELOAD=%s", tj_j->shim);
	tj_fmt(vars[1], sizeof(vars[1]), "TMPJAIL_PRELOAD=%s", tj_j->shim);
	tj_fmt(vars[2], sizeof(vars[2]), "TMPJAIL_ROOT=%s", tj_j->root);
	tj_fmt(vars[3], sizeof(vars[3]), "TMPJAIL_DIR=%s", tj_j->dir);
	for (int i = 0; i < 4; i++) {
		size_t len = strcspn(vars[i], "=");
		bool unset = false;
		for (size_t e = 0; e < nextra; e++)
			unset |= strlen(extra[e]) == len && strncmp(extra[e], vars[i], len) == 0;
		if (!unset)
			env[k++] = vars[i];
	}
	for (size_t i = 0; i < nextra; i++)
		if (strchr(extra[i], '='))
			env[k++] = extra[i];
	env[k] = NULL;
	return env;
}

/* A run taking longer is killed: Check's own timeout would leave it. */
#ifndef TJ_RUN_SECONDS
#define TJ_RUN_SECONDS 100
#endif

/* Read both pipes until the child closes them, or until TJ_RUN_SECONDS
 * pass. Return: whether the pipes were closed in time. */
static inline bool tj_drain(int out_fd, int err_fd, char **out, char **err)
{
	struct timespec now, deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += TJ_RUN_SECONDS;
	struct {
		int fd;
		char **buf;
		size_t len, cap;
	} s[2] = {{out_fd, out, 0, 0}, {err_fd, err, 0, 0}};
	for (int i = 0; i < 2; i++) {
		s[i].cap = 4096;
		*s[i].buf = malloc(s[i].cap + 1);
		ck_assert_ptr_nonnull(*s[i].buf);
	}
	int open_fds = 2;
	while (open_fds) {
		struct pollfd pfd[2] = {{s[0].fd, POLLIN, 0}, {s[1].fd, POLLIN, 0}};
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec)
			break;
		if (poll(pfd, 2, 1000) < 0) {
			ck_assert_int_eq(errno, EINTR);
			continue;
		}
		for (int i = 0; i < 2; i++) {
			if (s[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (s[i].len == s[i].cap) {
				s[i].cap *= 2;
				*s[i].buf = realloc(*s[i].buf, s[i].cap + 1);
				ck_assert_ptr_nonnull(*s[i].buf);
			}
			ssize_t r = read(s[i].fd, *s[i].buf + s[i].len, s[i].cap - s[i].len);
			if (r > 0) {
				s[i].len += (size_t)r;
				continue;
			}
			close(s[i].fd);
			s[i].fd = -1;
			pfd[i].fd = -1;
			open_fds--;
		}
	}
	for (int i = 0; i < 2; i++) {
		(*s[i].buf)[s[i].len] = '\0';
		if (s[i].fd >= 0)
			close(s[i].fd);
	}
	return open_fds == 0;
}

/*
 * Run @argv (argv[0] an absolute path) under the shim with the jail's
 * environment plus @extra, stdin from /dev/null, and wait for it.
 */
static inline void tj_run(struct tj_result *res, char *const *extra, char *const *argv)
{
	int out[2], err[2];
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	char **env = tj_run_env(extra);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Its own group, killed as a whole on timeout; dies with us. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(126);
		execve(argv[0], argv, env);
		dprintf(2, "execve %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(env);
	close(out[1]);
	close(err[1]);
	bool done = tj_drain(out[0], err[0], &res->out, &res->err);
	if (!done)
		kill(-pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	tj_watch_collect();
	ck_assert_msg(done, "%s did not finish in %d s (killed)\nstdout: %s\nstderr: %s", argv[0],
		      TJ_RUN_SECONDS, res->out, res->err);
}

/* tj_run() of "/bin/sh -c @script". */
static inline void tj_sh(struct tj_result *res, char *const *extra, const char *script)
{
	tj_run(res, extra, (char *const[]){"/bin/sh", "-c", (char *)script, NULL});
}

static inline void tj_result_free(struct tj_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

/* The run exited 0; otherwise fail showing what it printed. */
#define tj_assert_ok(res, what)                                                                 \
	ck_assert_msg((res)->status == 0, "%s: exit status %d\nstdout: %s\nstderr: %s", (what), \
		      (res)->status, (res)->out, (res)->err)

/* The run printed exactly @want on stdout. */
#define tj_assert_out(res, want)                                                         \
	ck_assert_msg(strcmp((res)->out, (want)) == 0,                                   \
		      "printed \"%s\", expected \"%s\"\nstderr: %s", (res)->out, (want), \
		      (res)->err)

/*
 * Does @binary import @symbol from a shared library? Proves a helper calls
 * the symbol by the name a real binary imports (and not an inlined or
 * redirected one).
 */
static inline bool tj_imports(const char *binary, const char *symbol)
{
	char cmd[TJ_PATH * 2];
	tj_fmt(cmd, sizeof(cmd), "nm -D --undefined-only '%s' 2>&1", binary);
	FILE *p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "popen nm: %s (apt-get install -y binutils)", strerror(errno));
	char line[512];
	bool found = false;
	size_t len = strlen(symbol);
	while (fgets(line, sizeof(line), p)) {
		const char *name = strstr(line, " U ");
		if (!name)
			continue;
		name += 3;
		if (strncmp(name, symbol, len) == 0 &&
		    (name[len] == '@' || name[len] == '\n' || name[len] == '\0'))
			found = true;
	}
	int status = pclose(p);
	ck_assert_msg(status == 0, "nm -D %s failed (apt-get install -y binutils)", binary);
	return found;
}

/*
 * Lay out BASE ("/tmp/<name>") in the private dir only, as the helpers
 * expect: f (a file with "tjdata\n"), d/ holding g, e/ (empty), l -> "f".
 */
static inline void tj_make_base(void)
{
	char path[TJ_PATH];
	tj_mkdir(tj_mine(""), 0700);
	tj_write_file(tj_mine("/f"), "tjdata\n");
	tj_mkdir(tj_mine("/d"), 0700);
	tj_write_file(tj_mine("/d/g"), "g\n");
	tj_mkdir(tj_mine("/e"), 0700);
	tj_fmt(path, sizeof(path), "%s", tj_mine("/l"));
	ck_assert_msg(symlink("f", path) == 0, "symlink: %s", strerror(errno));
}

/*
 * Run "helper CALL BASE" under the shim, after checking that the helper
 * imports @symbol, i.e. that it reaches the name a real binary would.
 * The caller frees @res.
 */
static inline void tj_call(struct tj_result *res, const char *helper, const char *call,
			   const char *symbol, const char *base)
{
	const char *path = tj_helper(helper);
	ck_assert_msg(tj_imports(path, symbol),
		      "%s does not import %s: it would not test the wrapper", path, symbol);
	tj_run(res, NULL, (char *const[]){(char *)path, (char *)call, (char *)base, NULL});
}

/* The value of the line "@key<value>" in @text, in a static buffer, or
 * NULL when there is none. */
static inline const char *tj_find_value(const char *text, const char *key)
{
	static char buf[TJ_PATH];
	const char *p = text;
	size_t len = strlen(key);
	while (p && strncmp(p, key, len) != 0) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return NULL;
	p += len;
	size_t n = strcspn(p, "\n");
	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/*
 * Record as owned every name a run printed on a line "@key<name>" for each
 * of the NULL-terminated @keys, when it lies in the real /tmp: call it
 * before any assertion, so the teardown removes what a failing shim let
 * through even when the test stops early.
 */
static inline void tj_own_printed(const char *text, const char *const *keys)
{
	for (size_t i = 0; keys[i]; i++) {
		const char *name = tj_find_value(text, keys[i]);
		if (name && strncmp(name, "/tmp/", 5) == 0 &&
		    strncmp(name, tj_j->root, strlen(tj_j->root)) != 0 && !strstr(name, "/../"))
			tj_own(name);
	}
}

/* As tj_find_value(), but fails the test when there is no such line. */
static inline const char *tj_value(const char *text, const char *key)
{
	static char buf[TJ_PATH];
	const char *p = text;
	size_t len = strlen(key);
	while (p && strncmp(p, key, len) != 0) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		ck_abort_msg("no \"%s\" line in the output", key);
	p += len;
	size_t n = strcspn(p, "\n");
	ck_assert_uint_lt(n, sizeof(buf));
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

#endif
