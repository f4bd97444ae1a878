/* SPDX-License-Identifier: MIT */
/*
 * Removing a step's private root from slurmstepd, which runs as root: the
 * removal happens in a child that acts as the job's user (effective ids and
 * groups), so the job can never turn it against anything its user could not
 * remove; and it
 * goes through the root's own fd with core's remover (no links followed, no
 * mount crossed), so it cannot reach even that outside the root.
 */
#ifndef TMPJAIL_SLURM_SPANK_REAP_H
#define TMPJAIL_SLURM_SPANK_REAP_H

#include <stddef.h>
#include <sys/types.h>

#include "root.h"

/* Who the job is. */
struct spank_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups, or NULL */
	size_t group_count;
};

/*
 * spank_reap_as_user() - remove @root as @user, in a forked child, trying a
 * few times while a process that outlived the step (a setsid daemon under
 * proctrack/linuxproc) still adds files to it, and waiting for it at most
 * two minutes. @root's fds are closed and its fields freed in the caller
 * either way.
 * Return: 0, -ETIMEDOUT (the child was killed), or -errno of the last
 * attempt's first failure.
 */
int spank_reap_as_user(struct root *root, const struct spank_user *user);

#endif
