/* SPDX-License-Identifier: MIT */
/*
 * --seal: a Landlock ruleset that keeps the process tree from creating or
 * writing anything under the real redirected prefixes, except inside its
 * own private root. It is what makes static binaries, raw system calls and
 * io_uring, which the shim cannot see, fail instead of leaving residue.
 *
 * Landlock can only grant, beneath a directory; it cannot deny a subtree.
 * So the ruleset handles only the write-type rights and grants them
 * beneath every directory that is not on the way to a prefix: walking from
 * "/" down to each prefix, every entry at each level is granted except the
 * one leading on to the prefix. The prefix itself, and the directories on
 * the way to it (/ and /var), get no rule and so stay read-only.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "realname.h"

/* Rights newer than the installed kernel headers know (ABI 3). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

/* The rights that can be granted on a file that is not a directory. */
#define FILE_RIGHTS (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

static int landlock_create_ruleset(const struct landlock_ruleset_attr *attr, size_t size,
				   uint32_t flags)
{
	return (int)syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static int landlock_add_rule(int ruleset_fd, enum landlock_rule_type type, const void *attr,
			     uint32_t flags)
{
	return (int)syscall(__NR_landlock_add_rule, ruleset_fd, type, attr, flags);
}

static int landlock_restrict_self(int ruleset_fd, uint32_t flags)
{
	return (int)syscall(__NR_landlock_restrict_self, ruleset_fd, flags);
}

/* The write-type rights the running kernel's Landlock ABI knows. Reads
 * and execution are not handled, so they stay allowed everywhere. */
static uint64_t write_rights(int abi)
{
	uint64_t rights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
			  LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
			  LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
			  LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
			  LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2) /* renames and links across directories */
		rights |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return rights;
}

struct seal {
	int ruleset_fd;
	uint64_t rights;
	char **prefixes; /* resolved, without "." "..", symlinks or "//" */
	size_t count;
	struct setup_signals *signals; /* a termination signal stops the walk */
};

/* The prefix @path is, or is beneath, or NULL. */
static const char *sealed_by(const struct seal *seal, const char *path)
{
	for (size_t i = 0; i < seal->count; i++) {
		const char *p = seal->prefixes[i];
		size_t n = strlen(p);
		if (strcmp(p, "/") == 0 ||
		    (strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/')))
			return p;
	}
	return NULL;
}

static bool is_sealed(const struct seal *seal, const char *path)
{
	return sealed_by(seal, path) != NULL;
}

/* Whether @path is a directory above a prefix. */
static bool leads_to_seal(const struct seal *seal, const char *path)
{
	size_t n = strcmp(path, "/") == 0 ? 0 : strlen(path);
	for (size_t i = 0; i < seal->count; i++) {
		const char *p = seal->prefixes[i];
		if (strncmp(p, path, n) == 0 && p[n] == '/' && p[n + 1] != '\0')
			return true;
	}
	return false;
}

/*
 * The real path of @prefix, which need not exist yet: the longest part that
 * exists goes through realpath(3), the missing rest is appended as it is.
 * Return: a malloc'd path, or NULL with errno.
 */
static char *resolve_prefix(const char *prefix)
{
	if (prefix[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	/* Collapse "//" and drop a trailing "/", so components are clean. */
	char *path = malloc(strlen(prefix) + 1), *out = path;
	if (!path)
		return NULL;
	for (const char *s = prefix; *s; s++)
		if (*s != '/' || (s[1] != '/' && s[1] != '\0'))
			*out++ = *s;
	*out = '\0';
	for (size_t cut = strlen(path);;) {
		char saved = path[cut];
		path[cut] = '\0';
		char *real = realname_of(cut ? path : "/");
		int e = errno;
		struct stat st;
		/* It is there, yet cannot be resolved: a dangling symlink,
		 * which would let writes through to wherever it points. */
		bool dangling = !real && e == ENOENT && cut && lstat(path, &st) == 0;
		path[cut] = saved;
		if (real) {
			char *joined;
			if (asprintf(&joined, "%s%s", strcmp(real, "/") ? real : "", path + cut) <
			    0)
				joined = NULL;
			free(real);
			free(path);
			if (joined && joined[0] == '\0') { /* the prefix "/" */
				free(joined);
				joined = strdup("/");
			}
			return joined;
		}
		size_t start = cut;
		while (cut > 0 && path[cut - 1] != '/')
			cut--;
		const char *name = path + cut;
		size_t len = start - cut;
		/* Without the directory, ".." has no meaning to resolve. */
		if (e != ENOENT || dangling || (len == 1 && name[0] == '.') ||
		    (len == 2 && name[0] == '.' && name[1] == '.')) {
			free(path);
			errno = e == ENOENT && !dangling ? EINVAL : e;
			return NULL;
		}
		cut--; /* the '/' before the missing name */
	}
}

/* Open the absolute @path, following no symlink on the way. */
static int open_nofollow(const char *path, int flags)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *copy = strdup(path), *save = NULL;
	if (fd < 0 || !copy) {
		int e = fd < 0 ? errno : ENOMEM;
		if (fd >= 0)
			close(fd);
		free(copy);
		return -e;
	}
	char *name = strtok_r(copy, "/", &save);
	while (name) {
		char *next = strtok_r(NULL, "/", &save);
		int child = openat(fd, name,
				   (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (child < 0) {
			free(copy);
			return -e;
		}
		fd = child;
		name = next;
	}
	free(copy);
	if (strcmp(path, "/") == 0) { /* no component: reopen "/" with @flags */
		close(fd);
		fd = open("/", flags | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	return fd;
}

static int grant_fd(const struct seal *seal, int fd, uint64_t rights)
{
	struct landlock_path_beneath_attr beneath = {.allowed_access = rights, .parent_fd = fd};
	if (landlock_add_rule(seal->ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) < 0)
		return -errno;
	return 0;
}

/* Grant the write rights beneath the entry @name of @dir_fd. */
static int grant_entry(const struct seal *seal, int dir_fd, const char *name, const char *path)
{
	int fd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* gone since readdir */
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0 && S_ISDIR(st.st_mode)) {
		r = grant_fd(seal, fd, seal->rights);
		if (r < 0)
			fprintf(stderr, "tmpjail: --seal: cannot allow writes beneath %s: %s\n",
				path, strerror(-r));
	} else if (r == 0 && !S_ISLNK(st.st_mode)) {
		/* A file right in / or /var: it can be written, but not
		 * replaced. Landlock refuses some special files: they then
		 * stay read-only, which is the safe side. */
		grant_fd(seal, fd, seal->rights & FILE_RIGHTS);
	}
	close(fd);
	return r;
}

/* Grant the write rights beneath the directory @path. */
static int grant_path(const struct seal *seal, const char *path)
{
	int fd = open_nofollow(path, O_PATH | O_DIRECTORY);
	int r = fd < 0 ? fd : grant_fd(seal, fd, seal->rights);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		fprintf(stderr, "tmpjail: --seal: cannot allow writes beneath %s: %s\n", path,
			strerror(-r));
	return r;
}

/* Grant every entry of the directory @path that does not lead to a prefix. */
static int grant_siblings(const struct seal *seal, const char *path)
{
	int fd = open_nofollow(path, O_RDONLY | O_DIRECTORY);
	if (fd == -ENOENT)
		return 0; /* a prefix that does not exist yet, nor its parent */
	if (fd < 0) {
		fprintf(stderr, "tmpjail: --seal: cannot open %s: %s\n", path, strerror(-fd));
		return fd;
	}
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int e = errno;
		close(fd);
		return -e;
	}
	int r = 0;
	struct dirent *entry;
	while (r == 0 && (errno = 0, entry = readdir(dir))) {
		const char *name = entry->d_name;
		if (setup_interrupted(seal->signals)) {
			r = -EINTR;
			break;
		}
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		char *child;
		if (asprintf(&child, "%s/%s", strcmp(path, "/") ? path : "", name) < 0)
			child = NULL;
		if (!child)
			r = -ENOMEM;
		else if (!is_sealed(seal, child) && !leads_to_seal(seal, child))
			r = grant_entry(seal, dirfd(dir), name, child);
		free(child);
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(dir);
	return r;
}

/* Visit every directory on the way from "/" to each prefix. */
static int grant_all(const struct seal *seal)
{
	if (seal->count == 0)
		return grant_path(seal, "/");
	int r = 0;
	for (size_t i = 0; r == 0 && i < seal->count; i++) {
		char *way = strdup(seal->prefixes[i]);
		if (!way)
			return -ENOMEM;
		/* Each proper ancestor of the prefix, deepest first. */
		for (char *slash = strrchr(way, '/'); r == 0 && slash; slash = strrchr(way, '/')) {
			if (slash == way) {
				if (way[1] == '\0')
					break;
				way[1] = '\0';
			} else {
				*slash = '\0';
			}
			if (is_sealed(seal, way))
				continue;
			/* Another prefix with the same ancestor may visit it
			 * again: granting twice is harmless. */
			r = grant_siblings(seal, way);
		}
		free(way);
	}
	return r;
}

static void free_prefixes(struct seal *seal)
{
	for (size_t i = 0; i < seal->count; i++)
		free(seal->prefixes[i]);
	free(seal->prefixes);
}

static int resolve_all(struct seal *seal, const char *const *prefixes, size_t count)
{
	seal->prefixes = calloc(count ? count : 1, sizeof(*seal->prefixes));
	if (!seal->prefixes)
		return -ENOMEM;
	for (; seal->count < count; seal->count++) {
		char *real = resolve_prefix(prefixes[seal->count]);
		if (!real) {
			int e = errno;
			fprintf(stderr, "tmpjail: --seal: cannot resolve %s: %s\n",
				prefixes[seal->count], strerror(e));
			return -e;
		}
		seal->prefixes[seal->count] = real;
	}
	return 0;
}

/* A ruleset handling every write right this kernel knows, or -1. */
static int create_ruleset(uint64_t *rights)
{
	int abi = landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		int e = errno;
		if (e == ENOSYS || e == EOPNOTSUPP)
			fprintf(stderr,
				"tmpjail: --seal needs Landlock, which this kernel does "
				"not provide (%s)\n",
				strerror(e));
		else
			fprintf(stderr, "tmpjail: --seal: Landlock: %s\n", strerror(e));
		return -1;
	}
	struct landlock_ruleset_attr attr = {.handled_access_fs = write_rights(abi)};
	int fd = landlock_create_ruleset(&attr, sizeof(attr), 0);
	if (fd < 0) {
		fprintf(stderr, "tmpjail: --seal: cannot create a Landlock ruleset: %s\n",
			strerror(errno));
		return -1;
	}
	*rights = attr.handled_access_fs;
	return fd;
}

/*
 * The shim appends to the audit file from inside the command, so under the
 * seal it must not lie beneath a sealed prefix (the private root, the only
 * writable place there, does not exist before the run). Say so once: the
 * run goes on, without its audit.
 */
static void warn_sealed_audit(const struct seal *seal, const char *audit)
{
	char *real = audit ? resolve_prefix(audit) : NULL;
	const char *prefix = real ? sealed_by(seal, real) : NULL;
	if (prefix)
		fprintf(stderr,
			"tmpjail: warning: --audit %s is under %s, which --seal keeps the "
			"command from writing: no audit will be written\n",
			audit, prefix);
	free(real);
}

int seal_build(const char *const *prefixes, size_t count, const char *root, const char *audit,
	       struct setup_signals *signals)
{
	uint64_t rights = 0;
	int ruleset_fd = create_ruleset(&rights);
	if (ruleset_fd < 0)
		return -1;
	struct seal seal = {.ruleset_fd = ruleset_fd, .rights = rights, .signals = signals};
	int r = resolve_all(&seal, prefixes, count);
	if (r == 0)
		warn_sealed_audit(&seal, audit);
	if (r == 0)
		r = grant_all(&seal);
	if (r == 0) {
		/* The private root is the one place under a prefix the tree
		 * may write to. */
		char *real_root = realname_of(root);
		if (!real_root)
			fprintf(stderr, "tmpjail: --seal: %s: %s\n", root, strerror(errno));
		r = real_root ? grant_path(&seal, real_root) : -ENOENT;
		free(real_root);
	}
	free_prefixes(&seal);
	if (r < 0) {
		close(seal.ruleset_fd);
		return -1;
	}
	return seal.ruleset_fd;
}

int seal_install(int ruleset_fd)
{
	int r = landlock_restrict_self(ruleset_fd, 0) < 0 ? -errno : 0;
	close(ruleset_fd);
	return r;
}
