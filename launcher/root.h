/* SPDX-License-Identifier: MIT */
/*
 * A run's private root BASE/tj-XXXXXXXX: made in the base, locked for as
 * long as the launcher lives, removed with core's secure remover; and
 * --gc, which removes the roots whose launcher is gone.
 */
#ifndef TMPJAIL_LAUNCHER_ROOT_H
#define TMPJAIL_LAUNCHER_ROOT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A root's name: "tj-" and 8 random characters; a root of a run with
 * --keep is "tj-kept-" and 8, from its creation on, so that --gc, which
 * takes only the first form unless told --kept, never removes it.
 */
#define ROOT_PREFIX "tj-"
#define KEPT_ROOT_PREFIX "tj-kept-"
#define ROOT_RANDOM_LEN 8
#define ROOT_NAME_MAX (sizeof(KEPT_ROOT_PREFIX) - 1 + ROOT_RANDOM_LEN)

struct root {
	int base_fd;		      /* the base directory */
	int fd;			      /* the root itself, flock()ed: "a launcher lives" */
	char name[ROOT_NAME_MAX + 1]; /* tj-XXXXXXXX or tj-kept-XXXXXXXX */
	char *path;		      /* absolute path of the root (malloc'd) */
};

/*
 * root_base_check() - root_base_open() without printing, for code that has
 * no terminal (the Slurm plugin in slurmstepd).
 * @why: receives the words for a base that is there but unfit (-EINVAL),
 *       or NULL.
 * Return: an O_DIRECTORY|O_CLOEXEC fd, or -errno.
 */
int root_base_check(const char *path, bool memory, char **abs_path, const char **why);

/*
 * root_base_open() - open and check the base directory: a directory owned
 * by the user or root, sticky when others may write to it, and a RAM file
 * system when @memory. Errors are printed ("tmpjail: ...").
 * @path: the base as given.
 * @memory: --memory.
 * @abs_path: receives the canonical absolute path (malloc'd).
 * Return: an O_DIRECTORY|O_CLOEXEC fd, or -1 after printing.
 */
int root_base_open(const char *path, bool memory, char **abs_path);

/*
 * root_create() - make the private root in the base and every redirected
 * prefix inside it. It is made under a staging name .tj-XXXXXXXX, locked,
 * filled and only then renamed to tj-XXXXXXXX, so --gc never sees an
 * unlocked root of a live launcher.
 * @base_fd, @base_path: from root_base_open(); @base_fd is taken over on
 *                       success (the caller closes it on failure).
 * @prefixes, @count: the redirected prefixes, normalised ("/var/tmp").
 * @kept: --keep: publish it as tj-kept-XXXXXXXX, which --gc leaves alone.
 * @out: filled on success; untouched on failure.
 * Return: 0 or -errno.
 */
int root_create(int base_fd, const char *base_path, const char *const *prefixes, size_t count,
		bool kept, struct root *out);

/*
 * root_remove() - remove the root and everything in it, through its fd, so
 * a tree that renamed things around cannot redirect the removal; the name
 * is unlinked only while it still names our root. A root fd that is not on
 * the base's mount (a mount point) is never emptied: -EXDEV. Frees @root's
 * fields.
 * Return: 0 or -errno of the first failure.
 */
int root_remove(struct root *root);

/*
 * root_keep() - release @root without removing it.
 */
void root_keep(struct root *root);

/*
 * root_gc() - remove the roots in @base_fd (at @base_path) whose launcher
 * is gone: entries tj-XXXXXXXX (and tj-kept-XXXXXXXX when @kept), and
 * staging entries .tj-XXXXXXXX older than a minute, that are directories of
 * the calling user on the base's mount and whose lock can be taken. A root
 * its owner cannot read (chmod 000) gets u+rwx through an O_PATH fd to be
 * locked, and its mode back when a launcher still holds it. Prints each
 * removed path on stdout; on stderr, each candidate left because it is not
 * on the base's mount (a mount point), and each failure.
 * Return: 0; -EXDEV when a candidate was a mount point; or -errno of the
 * first failure.
 */
int root_gc(int base_fd, const char *base_path, bool kept);

#endif
