/* SPDX-License-Identifier: MIT */
/*
 * spank_tmpjail.so: a private /tmp and /var/tmp for every Slurm job step
 * that asks (srun/sbatch --tmpjail[=OPTS]) or that the site gives one
 * (plugstack.conf: default=on|force). In slurmstepd:
 *   slurm_spank_user_init  (once a step, as the job's user) makes the step's
 *                          one root on the node and sets the tasks'
 *                          environment, as tmpjail(1) does;
 *   slurm_spank_task_init  (in each task, as the user, before exec) applies
 *                          the seal and the seccomp filter;
 *   slurm_spank_exit       (once a step, as root, after the last task) removes
 *                          the root as the job's user (spank_reap.c).
 * The root, the environment and the confinement are the launcher's own code
 * (tmpjail_runtime). docs/slurm.md tells the admin's and the user's side.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "env.h"
#include "root.h"
#include "sandbox.h"
#include "spank_config.h"
#include "spank_reap.h"

#ifndef TMPJAIL_SPANK_SHIM_RELPATH
#define TMPJAIL_SPANK_SHIM_RELPATH "../libtmpjail-preload.so"
#endif

#define EXPORT __attribute__((visibility("default")))

#pragma GCC visibility push(default)
SPANK_PLUGIN(tmpjail, 1);
#pragma GCC visibility pop

/* One step in one slurmstepd: the plugin's state lives as long as the step. */
static struct spank_config config;
static struct prefixes prefixes;
static struct root root = {.base_fd = -1, .fd = -1};
static bool root_made;
static struct spank_user user;

static int option_callback(int val, const char *optarg, int remote);

static struct spank_option tmpjail_option = {
    .name = "tmpjail",
    .arginfo = "OPTS",
    .usage = "Private /tmp and /var/tmp for the job, removed when each step ends. "
	     "OPTS: comma-separated off, memory, seal, seccomp=SPEC, keep, audit=FILE",
    .has_arg = 2,
    .val = 0,
    .cb = option_callback,
};

static int option_callback(int val, const char *optarg, int remote)
{
	(void)val;
	/* sbatch hands a plain --tmpjail on to the job's sruns as the text "(null)". */
	if (optarg && strcmp(optarg, "(null)") == 0)
		optarg = NULL;
	const char *why = NULL;
	int err = spank_config_user(&config, optarg, &why);
	if (err) {
		/* Local: srun/sbatch print this and refuse the job before it is submitted. */
		slurm_error("tmpjail: --tmpjail=%s: %s", optarg ? optarg : "",
			    why ? why : strerror(-err));
		return -1;
	}
	(void)remote;
	return 0;
}

EXPORT int slurm_spank_init(spank_t sp, int ac, char **av)
{
	spank_context_t context = spank_context();
	spank_config_free(&config);
	for (int i = 0; i < ac; i++) {
		const char *why = NULL;
		int err = spank_config_site(&config, av[i], &why);
		if (err) {
			slurm_error("tmpjail: plugstack.conf argument %s: %s", av[i],
				    why ? why : strerror(-err));
			return -1;
		}
	}
	/* sbatch reads no static option table: the option is registered here. */
	if (context == S_CTX_LOCAL || context == S_CTX_ALLOCATOR || context == S_CTX_REMOTE)
		if (spank_option_register(sp, &tmpjail_option) != ESPANK_SUCCESS) {
			slurm_error("tmpjail: cannot register --tmpjail");
			return -1;
		}
	return 0;
}

/* The shim, beside this plugin as installed (or as built). */
static char *find_shim(void)
{
	Dl_info info;
	if (!dladdr((void *)find_shim, &info) || !info.dli_fname)
		return NULL;
	char *self = strdup(info.dli_fname);
	char *shim = self ? env_find_shim_near(dirname(self), TMPJAIL_SPANK_SHIM_RELPATH) : NULL;
	free(self);
	/* LD_PRELOAD splits on both: such a path would load something else. */
	if (shim && strpbrk(shim, " \t\n:")) {
		free(shim);
		errno = EINVAL;
		return NULL;
	}
	return shim;
}

/* spank_getenv/setenv/unsetenv as an env_target: the job's environment. */
struct job_env {
	spank_t sp;
	char value[PATH_MAX * 4];
};

static const char *job_get(void *ctx, const char *name)
{
	struct job_env *env = ctx;
	if (spank_getenv(env->sp, name, env->value, sizeof(env->value)) != ESPANK_SUCCESS)
		return NULL;
	return env->value;
}

static int job_set(void *ctx, const char *name, const char *value)
{
	struct job_env *env = ctx;
	spank_err_t err =
	    value ? spank_setenv(env->sp, name, value, 1) : spank_unsetenv(env->sp, name);
	return err == ESPANK_SUCCESS || (!value && err == ESPANK_ENV_NOEXIST) ? 0 : -EINVAL;
}

/* Who the job is, for the removal that root does at the end. */
static int read_user(spank_t sp)
{
	gid_t *groups = NULL;
	int count = 0;
	if (spank_get_item(sp, S_JOB_UID, &user.uid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_GID, &user.gid) != ESPANK_SUCCESS)
		return -EINVAL;
	if (spank_get_item(sp, S_JOB_SUPPLEMENTARY_GIDS, &groups, &count) == ESPANK_SUCCESS &&
	    count > 0) {
		user.groups = malloc(sizeof(*groups) * (size_t)count);
		if (!user.groups)
			return -ENOMEM;
		memcpy(user.groups, groups, sizeof(*groups) * (size_t)count);
		user.group_count = (size_t)count;
	}
	return 0;
}

/* Make the root in the base, as the user slurmstepd now acts as. */
static int make_root(void)
{
	const char *base = config.base ? config.base : config.memory ? "/dev/shm" : "/tmp";
	const char *why = NULL;
	char *base_path = NULL;
	int base_fd = root_base_check(base, config.memory, &base_path, &why);
	if (base_fd < 0) {
		slurm_error("tmpjail: base %s: %s", base, why ? why : strerror(-base_fd));
		return base_fd;
	}
	int err = env_prefixes_init_from(&prefixes, NULL);
	if (!err)
		err = root_create(base_fd, base_path, (const char *const *)prefixes.list,
				  prefixes.count, config.keep, &root);
	if (err) {
		slurm_error("tmpjail: cannot create the private root in %s: %s", base_path,
			    strerror(-err));
		close(base_fd);
	}
	free(base_path);
	root_made = !err;
	return err;
}

EXPORT int slurm_spank_user_init(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	if (spank_context() != S_CTX_REMOTE || !spank_config_enabled(&config))
		return 0;
	char *shim = find_shim();
	if (!shim) {
		slurm_error("tmpjail: the shim is missing (looked for %s beside the plugin)",
			    TMPJAIL_SPANK_SHIM_RELPATH);
		return -1;
	}
	int err = read_user(sp);
	if (err)
		slurm_error("tmpjail: cannot tell the job's user: %s", strerror(-err));
	if (!err)
		err = make_root();
	struct job_env env = {.sp = sp};
	struct env_target target = {.get = job_get, .set = job_set, .ctx = &env};
	if (!err && (err = env_export_to(&target, root.path, &prefixes, shim, config.audit)))
		slurm_error("tmpjail: cannot set the job's environment: %s", strerror(-err));
	free(shim);
	/* Fail closed: no task starts with the real /tmp when a private one was asked for. */
	return err ? -1 : 0;
}

/* In the task, as the user, before exec: the confinement, as tmpjail's child does it. */
EXPORT int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	if (spank_context() != S_CTX_REMOTE || !root_made || (!config.seal && !config.seccomp))
		return 0;
	struct job_env env = {.sp = sp};
	const char *audit = config.audit ? job_get(&env, "TMPJAIL_AUDIT") : NULL;
	scmp_filter_ctx filter = NULL;
	int seal_fd = -1, err = 0;
	if (config.seccomp && !(filter = seccomp_build(config.seccomp, false, NULL)))
		err = -EINVAL; /* what is wrong was printed on the task's stderr */
	if (!err && config.seal &&
	    (seal_fd = seal_build((const char *const *)prefixes.list, prefixes.count, root.path,
				  audit, NULL)) < 0)
		err = -EINVAL;
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err = -errno;
	/* The seal first: a seccomp allow-list might not allow Landlock's calls. */
	if (!err && seal_fd >= 0) {
		err = seal_install(seal_fd); /* closes it */
		seal_fd = -1;
	}
	if (!err && filter)
		err = seccomp_install(filter); /* releases it */
	else if (filter)
		seccomp_release(filter);
	if (seal_fd >= 0)
		close(seal_fd);
	if (err) {
		fprintf(stderr, "tmpjail: cannot confine the task: %s\n", strerror(-err));
		return -1;
	}
	return 0;
}

EXPORT int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	(void)sp;
	(void)ac;
	(void)av;
	if (spank_context() != S_CTX_REMOTE || !root_made)
		return 0;
	root_made = false;
	char *path = root.path ? strdup(root.path) : NULL;
	if (config.keep) {
		slurm_info("tmpjail: kept the private root %s", path ? path : "");
		root_keep(&root);
	} else {
		int err = spank_reap_as_user(&root, &user);
		/* What is left is removed by `tmpjail --gc` from the Epilog (docs/slurm.md). */
		if (err)
			slurm_error("tmpjail: cannot remove the private root %s completely: %s",
				    path ? path : "", strerror(-err));
	}
	free(path);
	free(user.groups);
	user = (struct spank_user){0};
	env_prefixes_free(&prefixes);
	spank_config_free(&config);
	return 0;
}
