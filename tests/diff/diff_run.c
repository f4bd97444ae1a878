/* SPDX-License-Identifier: MIT */
/*
 * Running one sequence on both sides. Every run happens in a private mount
 * namespace where the whole file system is read-only but the base
 * (work/B), and /tmp and /var/tmp are directories of the base: under the
 * shim, work/B/real/{tmp,var/tmp} (a write that escapes the shim lands
 * there, and shows in the tree); in the reference, the private root's own
 * tmp/ and var/tmp/, so the executor sees them as a real mount. A sequence
 * that climbs out of /tmp and writes can thus touch nothing but the base,
 * and the real /tmp, where other runs live, is never seen.
 *
 * Layout of the base in both runs: out/ (the outside directory),
 * real/tmp, real/var/tmp, and the root tj-kept-XXXXXXXX/{tmp,var/tmp} the
 * launcher makes (--keep, so it is still there to be compared); the
 * reference gets a root of the same name, made the same way.
 */
#include "diff.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tmpjail/tempfile.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define TJ_MOUNT_ATTR_RDONLY 0x1ULL
#define TJ_AT_RECURSIVE 0x8000

/* How long one side may run before it is killed (a hang is a finding too). */
#define RUN_TIMEOUT_MS 20000

enum jail_kind { JAIL_CLEAN, JAIL_SHIM, JAIL_REF };

struct tj_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static int set_readonly(const char *path, bool readonly, unsigned flags)
{
	struct tj_mount_attr attr = {0};
	if (readonly)
		attr.attr_set = TJ_MOUNT_ATTR_RDONLY;
	else
		attr.attr_clr = TJ_MOUNT_ATTR_RDONLY;
	return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &attr, sizeof(attr));
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Become root of a new user namespace, mapped to who we are. */
static int enter_userns(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/uid_map", map) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}

/* mkdir -p of "@base/@rel" with @mode for each level made. */
static int make_dirs(const struct diff_env *env, const char *rel, mode_t mode)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", env->base, rel);
	for (char *p = path + strlen(env->base) + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = '\0';
			if (mkdir(path, mode) < 0 && errno != EEXIST)
				return -1;
			chmod(path, mode); /* whatever the umask */
			*p = c;
			if (!c)
				return 0;
		}
	}
}

static int make_skeleton(const struct diff_env *env)
{
	return make_dirs(env, "out", 0755) || make_dirs(env, "real/tmp", 0755) ||
		       make_dirs(env, "real/var/tmp", 0755)
		   ? -1
		   : 0;
}

/*
 * enter_jail() - in a child: a mount namespace with / read-only and the
 * base writable. For a run (@kind not JAIL_CLEAN) the base is emptied and
 * made afresh, and /tmp and /var/tmp are bind-mounted: under the shim from
 * real/, in the reference from the root @root_name, which is made as the
 * launcher makes it. Return: 0, or -1 with errno set.
 */
static int enter_jail(const struct diff_env *env, enum jail_kind kind, const char *root_name)
{
	if (env->userns ? enter_userns() < 0 : unshare(CLONE_NEWNS) < 0)
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(env->base, env->base, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    set_readonly("/", true, TJ_AT_RECURSIVE) < 0 ||
	    set_readonly(env->base, false, TJ_AT_RECURSIVE) < 0)
		return -1;
	if (kind == JAIL_CLEAN)
		return 0;
	int err = tf_rmtree(env->base, TF_RMTREE_CONTENTS_ONLY);
	if (err || make_skeleton(env) < 0)
		return errno = err ? -err : errno, -1;
	char root[4500], tmp[4600], var_tmp[4600];
	if (kind == JAIL_SHIM) {
		snprintf(tmp, sizeof(tmp), "%s/real/tmp", env->base);
		snprintf(var_tmp, sizeof(var_tmp), "%s/real/var/tmp", env->base);
	} else {
		snprintf(root, sizeof(root), "%s/%s", env->base, root_name);
		snprintf(tmp, sizeof(tmp), "%s/tmp", root);
		snprintf(var_tmp, sizeof(var_tmp), "%s/var/tmp", root);
		if (make_dirs(env, tmp + strlen(env->base) + 1, 0700) < 0 ||
		    make_dirs(env, var_tmp + strlen(env->base) + 1, 0700) < 0)
			return -1;
	}
	/* New mounts of the writable base: writable under the read-only /. */
	if (mount(tmp, "/tmp", NULL, MS_BIND, NULL) < 0 ||
	    mount(var_tmp, "/var/tmp", NULL, MS_BIND, NULL) < 0)
		return -1;
	/*
	 * The reference's private directories, and the root holding them, are
	 * mounts at their own paths too: what the program reaches by the
	 * root's real path is the same mount seen from elsewhere, as
	 * removable (EBUSY) as /tmp itself.
	 */
	if (kind == JAIL_REF && (mount(root, root, NULL, MS_BIND, NULL) < 0 ||
				 mount(tmp, tmp, NULL, MS_BIND, NULL) < 0 ||
				 mount(var_tmp, var_tmp, NULL, MS_BIND, NULL) < 0))
		return -1;
	return 0;
}

/* Wait for @pid at most RUN_TIMEOUT_MS; kill it after that. Return: its status. */
static int wait_bounded(pid_t pid)
{
	int status = 0;
	for (int waited = 0;; waited += 5) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (got < 0 && errno != EINTR)
			return -1;
		if (waited >= RUN_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 124;
		}
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	}
}

/*
 * The removal of everything in the base, in a jail where nothing else is
 * writable (a remover that followed a link out of it could do no harm).
 */
static int clean_base(const struct diff_env *env)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (enter_jail(env, JAIL_CLEAN, NULL) < 0)
			_exit(3);
		_exit(tf_rmtree(env->base, TF_RMTREE_CONTENTS_ONLY) ? 1 : 0);
	}
	return pid < 0 ? -1 : wait_bounded(pid) == 0 ? 0 : -1;
}

/* Read a whole file into @l (one entry a line). */
static void read_lines(const char *path, struct lines *l)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while (f && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		lines_add(l, line);
	}
	free(line);
	if (f)
		fclose(f);
}

/*
 * run_side() - run @argv in a jail, stdin the sequence file, the transcript
 * into @out. @root_name and @root_env ("TJ_DIFF_ROOT=...") are given for the
 * reference only; @plant sets TJ_DIFF_PLANT (the tester's self-check).
 */
static int run_side(const struct diff_env *env, char *const argv[], const char *root_name,
		    const char *root_env, bool plant, struct side *out)
{
	char seq[4200], result[4200], err[4200], outdir[8200];
	snprintf(seq, sizeof(seq), "%s/seq", env->work);
	snprintf(result, sizeof(result), "%s/transcript", env->work);
	snprintf(err, sizeof(err), "%s/stderr", env->work);
	snprintf(outdir, sizeof(outdir), "%s/out", env->base);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int in = open(seq, O_RDONLY), o = open(result, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		    e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(120);
		if (enter_jail(env, root_name ? JAIL_REF : JAIL_SHIM, root_name) < 0) {
			dprintf(2, "tj_diff: jail: %s\n", strerror(errno));
			_exit(121);
		}
		if (chdir(outdir) < 0)
			_exit(122);
		setenv("TJ_DIFF_OUT", outdir, 1);
		setenv("TJ_DIFF_BASE", env->base, 1);
		unsetenv("TJ_DIFF_ROOT");
		if (root_env)
			putenv((char *)root_env);
		if (plant)
			putenv("TJ_DIFF_PLANT=1");
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0)
		return -errno;
	out->status = wait_bounded(pid);
	read_lines(result, &out->transcript);
	lines_addf(&out->transcript, "exit %d", out->status);
	return 0;
}

/*
 * The name of the root the launcher kept: from its last words ("kept the
 * private root PATH"), since the sequence may have renamed the root away.
 * "" when it kept none.
 */
static void find_root(const struct diff_env *env, char *name, size_t size)
{
	char path[4200], line[8400];
	static const char said[] = "tmpjail: kept the private root ";
	snprintf(path, sizeof(path), "%s/stderr", env->work);
	FILE *f = fopen(path, "r");
	name[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		size_t len = strlen(env->base);
		const char *root = line + strlen(said);
		if (strncmp(line, said, strlen(said)) || strncmp(root, env->base, len) ||
		    root[len] != '/')
			continue;
		snprintf(name, size, "%.*s", (int)strcspn(root + len + 1, "\n"), root + len + 1);
	}
	if (f)
		fclose(f);
}

int diff_run_pair(struct diff_env *env, const struct lines *seq, struct side *shim,
		  struct side *ref)
{
	char path[8200], root[256], root_env[8500];
	snprintf(path, sizeof(path), "%s/seq", env->work);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	for (size_t i = 0; i < seq->count; i++)
		fprintf(f, "%s\n", seq->line[i]);
	fclose(f);
	char *shim_argv[] = {env->launcher, "--keep",	   "--base", env->base,
			     "--",	    env->executor, NULL};
	char *ref_argv[] = {env->executor, NULL};
	int err;
	if (env->self_check) {
		snprintf(root, sizeof(root), "tj-kept-selfcheck");
		snprintf(root_env, sizeof(root_env), "TJ_DIFF_ROOT=%s/%s", env->base, root);
		err = run_side(env, ref_argv, root, root_env, env->self_check == 2, shim);
	} else {
		err = run_side(env, shim_argv, NULL, NULL, false, shim);
		find_root(env, root, sizeof(root));
	}
	diff_dump_tree(env, root, &shim->tree);
	if (err || !root[0])
		return err ? err : -ENOENT;

	/* The reference: a root of the same name, as the launcher makes it. */
	snprintf(root_env, sizeof(root_env), "TJ_DIFF_ROOT=%s/%s", env->base, root);
	err = run_side(env, ref_argv, root, root_env, false, ref);
	diff_dump_tree(env, root, &ref->tree);
	return err;
}

int diff_env_init(struct diff_env *env, const char *scratch_parent, char *why, size_t why_len)
{
	const char *launcher = getenv("TJ_DIFF_LAUNCHER"), *executor = getenv("TJ_DIFF_EXECUTOR");
	if (!launcher || !executor) {
		snprintf(why, why_len, "TJ_DIFF_LAUNCHER and TJ_DIFF_EXECUTOR must be set");
		return -EINVAL;
	}
	snprintf(env->launcher, sizeof(env->launcher), "%s", launcher);
	snprintf(env->executor, sizeof(env->executor), "%s", executor);
	if (mkdir(scratch_parent, 0755) < 0 && errno != EEXIST) {
		snprintf(why, why_len, "%s: %s", scratch_parent, strerror(errno));
		return -errno;
	}
	char tmpl[4200];
	snprintf(tmpl, sizeof(tmpl), "%s/diff-XXXXXX", scratch_parent);
	char *work = mkdtemp(tmpl);
	if (!work || !realpath(work, env->work)) {
		snprintf(why, why_len, "%s: %s", tmpl, strerror(errno));
		return -errno;
	}
	snprintf(env->base, sizeof(env->base), "%s/B", env->work);
	mkdir(env->base, 0755);
	/*
	 * Can a jail be made at all? Root without CAP_SYS_ADMIN (a container)
	 * may still make a user namespace. Otherwise the tester cannot run: a skip.
	 */
	int status = EPERM;
	for (int userns = geteuid() != 0; status && userns < 2; userns++) {
		env->userns = userns;
		pid_t pid = fork();
		if (pid == 0)
			_exit(enter_jail(env, JAIL_CLEAN, NULL) < 0 ? errno : 0);
		status = pid < 0 ? errno : wait_bounded(pid);
	}
	if (status) {
		snprintf(why, why_len, "no private mount namespace with a read-only / (%s%s)",
			 env->userns ? "user namespace: " : "", strerror(status));
		diff_env_fini(env);
		return -ENOTSUP;
	}
	return 0;
}

void diff_env_fini(struct diff_env *env)
{
	if (env->work[0]) {
		clean_base(env);
		tf_rmtree(env->work, 0);
	}
	env->work[0] = '\0';
}
