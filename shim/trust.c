/* SPDX-License-Identifier: MIT */
/*
 * What the shim accepts from the environment: a TMPJAIL_* value it cannot
 * honour must never turn redirection off (docs/architecture.md, "Bad values
 * fail closed"), and one that is not ours must never make it remove
 * anything. Raw system calls only: this runs while the shim sets itself up.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "shim.h"
#include "sys.h"

/*
 * Only a root that looks like one we make, and is ours, is ever removed at
 * exit: a stray TMPJAIL_OWNER must not turn into deleting someone's tree.
 */
bool shim_removable_root(const char *root)
{
	const char *base = root + strlen("/tmp/");
	struct stat st;

	/* Exactly what create_root() makes: "/tmp/tj-" and 8 name characters. */
	if (strncmp(root, "/tmp/tj-", 8) != 0 || strlen(base + 3) != TF_RANDOM_CHARS)
		return false;
	for (const char *p = base + 3; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	if (sys_fstatat(AT_FDCWD, root, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return S_ISDIR(st.st_mode) && st.st_uid == geteuid();
}

/* Is @text exactly this process's pid, in decimal? */
bool shim_is_own_pid(const char *text)
{
	char *end;
	long pid;

	if (!text || text[0] < '1' || text[0] > '9')
		return false;
	errno = 0;
	pid = strtol(text, &end, 10);
	return errno == 0 && *end == '\0' && pid == (long)getpid();
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Is every directory from the root down to the stand-in @to a directory,
 * not a symlink? The text says @to lies in the root; a link on the way
 * ("$ROOT/l" -> /mnt) would put it anywhere. 0 or -errno.
 */
static int reached_without_links(const struct map_table *table, const char *to)
{
	char part[PATH_MAX];
	size_t n = strlen(to);
	struct stat st;

	if (n >= sizeof(part))
		return -ENAMETOOLONG;
	memcpy(part, to, n + 1);
	for (size_t at = table->root_len + 1; at <= n; at++) {
		if (part[at] != '/' && part[at] != '\0')
			continue;
		char saved = part[at];
		part[at] = '\0';
		int r = sys_fstatat(AT_FDCWD, part, &st, AT_SYMLINK_NOFOLLOW);
		part[at] = saved;
		if (r < 0)
			return errno == ENOENT ? 0 : -errno; /* made later, by the shim */
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
	}
	return 0;
}

/*
 * Is @from, the same file as its stand-in @to, only mapped onto it? Under
 * the launcher's trap (docs/trap.md) the kernel's answers for a redirected
 * prefix come from its stand-in, as on a mounted private /tmp: "/tmp" is
 * then "$ROOT/tmp" to stat as well. The name the kernel gives a descriptor
 * of @from tells the two apart: the stand-in's own path when mapped, @from
 * itself when the stand-in really is that directory (a bind mount, a
 * TMPJAIL_DIR naming it).
 */
static bool mapped_onto(const char *from, const char *to)
{
	char link[sizeof("/proc/self/fd/") + 16], name[PATH_MAX];
	int fd = sys_openat(AT_FDCWD, from, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);

	if (fd < 0)
		return false;
	shim_proc_fd_path(link, fd);
	long len = syscall(SYS_readlinkat, AT_FDCWD, link, name, sizeof(name) - 1);
	sys_close(fd);
	if (len <= 0)
		return false;
	name[len] = '\0';
	return strcmp(name, to) == 0 && strcmp(from, to) != 0;
}

/*
 * shim_check_root() - does the root the environment names hold? It must be a
 * directory of ours (not a symlink, not a file), and neither it nor any
 * stand-in may be "/" or one of the real redirected directories: writes
 * would land where the run is meant to be kept from ("/tmp/..", a link to
 * "/", TMPJAIL_DIR=/tmp). A stand-in not there yet is made by the program.
 * Return: 0 or -errno.
 */
int shim_check_root(const struct map_table *table)
{
	struct stat root, real[MAP_MAX_RULES + 1], st;
	const char *real_name[MAP_MAX_RULES + 1];
	size_t nreal = 0;

	if (sys_fstatat(AT_FDCWD, table->root, &root, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(root.st_mode) || root.st_uid != geteuid())
		return -EPERM;
	if (sys_fstatat(AT_FDCWD, "/", &real[nreal], 0) == 0)
		real_name[nreal++] = "/";
	for (size_t i = 0; i < table->nrules; i++)
		if (sys_fstatat(AT_FDCWD, table->rules[i].from, &real[nreal], 0) == 0)
			real_name[nreal++] = table->rules[i].from;
	for (size_t i = 0; i < nreal; i++)
		if (same_file(&real[i], &root))
			return -EINVAL;
	for (size_t i = 0; i < table->nrules; i++) {
		int r = reached_without_links(table, table->rules[i].to);
		if (r < 0)
			return r;
		if (sys_fstatat(AT_FDCWD, table->rules[i].to, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		/* Another user's directory: not the run's to write in. */
		if (st.st_uid != geteuid())
			return -EPERM;
		for (size_t j = 0; j < nreal; j++)
			if (same_file(&real[j], &st) &&
			    !mapped_onto(real_name[j], table->rules[i].to))
				return -EINVAL;
	}
	return 0;
}
