/* SPDX-License-Identifier: MIT */
/* The native reference run of native_tmp.h. */
#define _GNU_SOURCE
#include "native_tmp.h"

#include <check.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher_util.h"

const char *nt_skip_reason(void)
{
	static char reason[128];
	char *out = NULL;

	if (access("/usr/bin/unshare", X_OK) != 0)
		return "no unshare(1): no private mount namespace for the native run";
	const char *probe[] = {"unshare", geteuid() == 0 ? "--mount" : "--map-root-user", "--mount",
			       "true", NULL};
	int status = lu_run(probe, &out, 30);
	free(out);
	if (status == 0)
		return NULL;
	snprintf(reason, sizeof(reason),
		 "cannot make a mount namespace here (unshare exited %d): neither root nor user "
		 "namespaces",
		 status);
	return reason;
}

const char *nt_unique(void)
{
	static char name[64];
	static int n;

	snprintf(name, sizeof(name), "tjnt-%d-%d", (int)getpid(), n++);
	return name;
}

/* Run @script natively with @tmp bind-mounted on /tmp (and on /var/tmp). */
static int run_native(const char *script, const char *tmp, char **out, int timeout)
{
	/* Root keeps its own ids; others map themselves to root in a user
	 * namespace, which the mount needs. */
	static const char mount_then_run[] = "mount --bind \"$1\" /tmp && mount --bind \"$1\" "
					     "/var/tmp && cd / && exec sh -c \"$2\"";
	const char *argv[] = {"unshare", geteuid() == 0 ? "--mount" : "--map-root-user",
			      "--mount", "--propagation",
			      "private", "sh",
			      "-c",	 mount_then_run,
			      "sh",	 tmp,
			      script,	 NULL};
	return lu_run(argv, out, timeout);
}

void nt_compare(const char *name, const char *script, int timeout, const char *expect)
{
	char scratch[PATH_MAX], tmp[PATH_MAX + 8], root_file[PATH_MAX + 8], jail_script[8192];
	snprintf(scratch, sizeof(scratch), "%s", lu_scratch_make());
	snprintf(tmp, sizeof(tmp), "%s/tmp", scratch);
	snprintf(root_file, sizeof(root_file), "%s/root", scratch);
	ck_assert_int_eq(mkdir(tmp, 0700), 0);
	ck_assert_int_eq(chmod(tmp, 01777), 0); /* as /tmp is */
	ck_assert_int_eq(setenv("W", name, 1), 0);

	/* Jailed: the root's name goes to the scratch dir (not redirected). */
	snprintf(jail_script, sizeof(jail_script), "echo \"$TMPJAIL_ROOT\" > '%s'; cd /; %s",
		 root_file, script);
	char *jail_out = NULL, *native_out = NULL;
	const char *argv[] = {lu_launcher(), "--", "sh", "-c", jail_script, NULL};
	int jail_status = lu_run(argv, &jail_out, timeout);

	char root[PATH_MAX] = "", real[PATH_MAX + 8];
	FILE *f = fopen(root_file, "r");
	ck_assert_msg(f && fgets(root, sizeof(root), f), "the run did not start:\n%s", jail_out);
	fclose(f);
	root[strcspn(root, "\n")] = '\0';
	ck_assert_msg(root[0] == '/' && !lu_exists(root), "the private root %s was not reaped",
		      root);
	/* By name: other runs' files live in the real /tmp. */
	glob_t found;
	snprintf(real, sizeof(real), "/tmp/%s*", name);
	ck_assert_msg(glob(real, GLOB_NOSORT, NULL, &found) == GLOB_NOMATCH,
		      "%s appeared in the real /tmp", found.gl_pathv[0]);
	globfree(&found);

	int native_status = run_native(script, tmp, &native_out, timeout);
	ck_assert_msg(jail_status == native_status && strcmp(jail_out, native_out) == 0,
		      "under tmpjail (exit %d):\n%s\n-- natively (exit %d):\n%s", jail_status,
		      jail_out, native_status, native_out);
	ck_assert_msg(strstr(native_out, expect), "the native run did not print '%s':\n%s", expect,
		      native_out);
	free(jail_out);
	free(native_out);
	lu_scratch_remove(scratch);
}
