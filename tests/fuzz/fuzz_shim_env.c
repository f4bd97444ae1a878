/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the shim's environment parser: TMPJAIL_ROOT,
 * TMPJAIL_DIR and TMPJAIL_REDIRECT read exactly as the shim reads them.
 * shim/config.c is compiled into this file (its load() and state are
 * static), getenv() is pointed at the fuzz input, and the parts of the shim
 * config.c calls but that do not decide anything here (real symbols, audit,
 * children's environment, making a root) are stubbed; making or removing a
 * root aborts. The input is NUL-separated fields: ROOT, DIR, REDIRECT, then
 * paths to map; a missing field, or one starting with byte 0x01, is unset.
 *
 * Invariants, whatever the values:
 *   - a root that is accepted is absolute and never "/" (KNOWN_ROOT_SLASH);
 *   - every stand-in lies inside the root (KNOWN_DIR_OUTSIDE: TMPJAIL_DIR);
 *   - every usable prefix given (absolute, not "/", no "..", not inside the
 *     root: docs/shim.md) is redirected, or refused with the whole value
 *     (EACCES), or waits for a root (ENOENT without one) — never kept as
 *     is (KNOWN_PREFIX_LIMITS: past the 16th or longer than 255 bytes;
 *     KNOWN_REDIRECT_LENGTH: a value of 4096 bytes or more);
 *   - every mapped path stays inside the root and is never mapped again.
 * KNOWN_* checks fire on the code as it stands: they run only in the strict
 * build (-DTJ_FUZZ_STRICT), which CTest expects to fail on each finding's
 * regression input (corpus/shim_env/known-*). Remove the line once fixed.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuzz_util.h"

#ifndef TJ_FUZZ_STRICT
#define KNOWN_ROOT_SLASH 1	/* issue 8, defect 5: TMPJAIL_ROOT=/ turns the shim off */
#define KNOWN_PREFIX_LIMITS 1	/* issue 8, defect 4: prefixes past the 16th, > 255 bytes */
#define KNOWN_REDIRECT_LENGTH 1 /* TMPJAIL_REDIRECT of 4096 bytes or more: defaults used */
#define KNOWN_DIR_OUTSIDE 1	/* TMPJAIL_DIR outside TMPJAIL_ROOT is used as given */
#endif

#define MAX_FIELDS 12
static const char *field[MAX_FIELDS];
static size_t nfields;

static const char *fuzz_getenv(const char *name)
{
	static const char *const names[] = {"TMPJAIL_ROOT", "TMPJAIL_DIR", "TMPJAIL_REDIRECT"};

	for (size_t i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0)
			return i < nfields ? field[i] : NULL;
	return NULL; /* TMPJAIL_OWNER, TMPJAIL_PRELOAD, ...: unset */
}

/*
 * config.c, with: getenv() reading the fields; _exit and _Exit renamed
 * (they would replace libc's for libFuzzer too); one atfork handler (load()
 * registers one per call, and runs here millions of times).
 */
#define getenv(name) fuzz_getenv(name)
#define _exit fuzz_shim__exit
#define _Exit fuzz_shim__Exit
#define pthread_atfork(prepare, parent, child) ((void)(prepare), (void)(parent), (void)(child), 0)
#include "config.c"
#undef getenv
#undef pthread_atfork

/* ---- stubs for the rest of the shim and the core ---- */

void shim_real_resolve_all(void)
{
}

void *shim_real(enum shim_sym sym)
{
	(void)sym;
	return NULL;
}

void shim_audit_init(void)
{
}

const char *shim_audit_path(void)
{
	return NULL;
}

void shim_env_prepare(const struct shim_env_values *values)
{
	(void)values;
}

int tf_create_in(int dirfd, char *path, size_t rand_at, size_t rand_len, enum tf_kind kind,
		 int flags, mode_t mode)
{
	(void)dirfd, (void)path, (void)rand_at, (void)rand_len, (void)kind, (void)flags, (void)mode;
	fuzz_fail("the shim tried to make a root (SHIM_MAP_NO_CREATE was given)");
}

int tf_remove_tree(int dirfd, const char *name, unsigned flags)
{
	(void)dirfd, (void)flags;
	fuzz_fail("the shim tried to remove %s", name);
}

/* ---- the checks ---- */

/* Forget everything load() did, as in a freshly loaded shim. */
static void reset(void)
{
	atomic_store(&state, STATE_NEW);
	atomic_store(&active_table, NULL);
	mode = MODE_SELF;
	memset(&pending, 0, sizeof(pending));
	memset(&active, 0, sizeof(active));
	redirect_value[0] = '\0';
	redirect_set = false;
	preload_value[0] = '\0';
	owner_pid = 0;
}

static bool set(size_t i)
{
	return i < nfields && field[i] != NULL;
}

/* Is the absolute @path @root or below it, ".." components included? */
static bool inside(const char *root, size_t root_len, const char *path)
{
	if (root_len == 0 || strncmp(path, root, root_len) != 0 ||
	    (path[root_len] != '/' && path[root_len] != '\0'))
		return false;
	long level = 0;
	for (const char *p = path + root_len; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.' && --level < 0)
			return false;
		if (len > 0 && !(len == 1 && p[0] == '.') &&
		    !(len == 2 && p[0] == '.' && p[1] == '.'))
			level++;
		p += len;
	}
	return true;
}

/* The canonical form of a usable prefix (docs/shim.md), or false. */
static bool usable_prefix(const char *entry, size_t len, char *out, size_t size)
{
	size_t n = 0;

	if (len == 0 || entry[0] != '/')
		return false;
	for (size_t i = 0; i < len;) {
		while (i < len && entry[i] == '/')
			i++;
		size_t start = i;
		while (i < len && entry[i] != '/')
			i++;
		size_t part = i - start;
		if (part == 0 || (part == 1 && entry[start] == '.'))
			continue;
		if (part == 2 && entry[start] == '.' && entry[start + 1] == '.')
			return false;
		if (n + part + 2 > size)
			return false; /* longer than any path: PATH_MAX */
		out[n++] = '/';
		memcpy(out + n, entry + start, part);
		n += part;
	}
	out[n] = '\0';
	return n > 0;
}

/* What shim_map() gives @path, with the general checks on a result. */
static int map_checked(const char *path, const char *root, size_t root_len)
{
	char out[PATH_MAX], again[PATH_MAX];
	int r = shim_map(path, out, sizeof(out), SHIM_MAP_NO_CREATE);

	FUZZ_CHECK(r == MAP_KEEP || r == MAP_DONE || r == -EACCES || r == -ENOENT ||
		       r == -ENAMETOOLONG,
		   "shim_map(\"%s\") = %d", path, r);
	if (r != MAP_DONE)
		return r;
	FUZZ_CHECK(root_len > 0, "\"%s\" mapped to %s without a root", path, out);
	FUZZ_CHECK(inside(root, root_len, out), "\"%s\" mapped to %s, outside the root %s", path,
		   out, root);
	FUZZ_CHECK(shim_map(out, again, sizeof(again), SHIM_MAP_NO_CREATE) == MAP_KEEP,
		   "\"%s\" mapped to %s, which is mapped again", path, out);
	return r;
}

/* A usable @prefix given to the shim is never simply kept. */
static void check_prefix(const char *prefix, size_t len, const char *root, size_t root_len,
			 bool dropped_known)
{
	char canonical[PATH_MAX + 8];

	if (!usable_prefix(prefix, len, canonical, sizeof(canonical) - 8))
		return;
	if (root_len > 0 && inside(root, root_len, canonical))
		return; /* documented: paths inside the root are never mapped */
	/* The prefix itself: a root below it is never the prefix, so never kept. */
	int r = map_checked(canonical, root, root_len);
	if (dropped_known && r == MAP_KEEP)
		return;
	FUZZ_CHECK(r != MAP_KEEP, "prefix %s accepted but not redirected (mode %d)", canonical,
		   mode);
	if (mode == MODE_SELF)
		FUZZ_CHECK(r == -ENOENT, "%s without a root: %d", canonical, r);
	if (mode == MODE_BROKEN)
		FUZZ_CHECK(r == -EACCES, "%s with an unusable root: %d", canonical, r);
}

/* The prefixes today's code drops (issue 8, defect 4 and the 4 KiB value). */
static bool dropped_known(const char *entry, size_t len, size_t usable_before)
{
	bool dropped = false;
#ifdef KNOWN_PREFIX_LIMITS
	char canonical[PATH_MAX + 8];
	if (usable_prefix(entry, len, canonical, sizeof(canonical)))
		dropped |= strlen(canonical) >= MAP_PREFIX_MAX || usable_before >= MAP_MAX_RULES;
#else
	(void)entry, (void)len, (void)usable_before;
#endif
#ifdef KNOWN_REDIRECT_LENGTH
	dropped |= set(2) && strlen(field[2]) >= sizeof(redirect_value);
#endif
	return dropped;
}

static void check_prefixes(const char *root, size_t root_len)
{
	const char *list = set(2) ? field[2] : MAP_DEFAULT_REDIRECT;
	size_t usable = 0;

	for (const char *entry = list;;) {
		size_t len = strcspn(entry, ":");
		char canonical[PATH_MAX + 8];
		check_prefix(entry, len, root, root_len, dropped_known(entry, len, usable));
		usable += usable_prefix(entry, len, canonical, sizeof(canonical));
		if (entry[len] == '\0')
			break;
		entry += len + 1;
	}
}

#ifdef KNOWN_ROOT_SLASH
/* Does @path name "/" ("/", "//", "/./")? Only that is the known finding. */
static bool names_slash(const char *path)
{
	if (path[0] != '/')
		return false;
	for (const char *p = path; *p; p++)
		if (*p != '/' && !(*p == '.' && p[-1] == '/' && (p[1] == '/' || p[1] == '\0')))
			return false;
	return true;
}
#endif

#ifdef KNOWN_DIR_OUTSIDE
/* Does the stand-in of /tmp (TMPJAIL_DIR) lie outside the root? */
static bool dir_outside(const char *root, size_t root_len)
{
	for (size_t i = 0; i < active.nrules; i++)
		if (strcmp(active.rules[i].from, "/tmp") == 0)
			return !inside(root, root_len, active.rules[i].to);
	return false;
}
#endif

static void check_table(void)
{
	const char *root = active.root;
	size_t root_len = mode == MODE_LAUNCHER ? active.root_len : 0;

#ifdef KNOWN_ROOT_SLASH
	if (mode == MODE_LAUNCHER && root_len == 0 && names_slash(field[0]))
		return; /* TMPJAIL_ROOT=/ (or //, /.): the shim is off */
#endif
	if (mode == MODE_LAUNCHER) {
		FUZZ_CHECK(root_len > 0 && root[0] == '/' && strcmp(root, "/") != 0,
			   "TMPJAIL_ROOT=\"%s\" accepted as the root \"%s\"", field[0], root);
#ifdef KNOWN_DIR_OUTSIDE
		if (set(1) && field[1][0] && dir_outside(root, root_len))
			return; /* TMPJAIL_DIR=/elsewhere: /tmp goes there */
#endif
		for (size_t i = 0; i < active.nrules; i++) {
			const struct map_rule *rule = &active.rules[i];
			FUZZ_CHECK(inside(root, root_len, rule->to),
				   "%s stands in for %s, outside the root %s", rule->to, rule->from,
				   root);
		}
	}
	check_prefixes(root, root_len);
	for (size_t i = 3; i < nfields; i++)
		if (field[i])
			map_checked(field[i], root, root_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nfields = 0;
	for (size_t at = 0; at <= size && nfields < MAX_FIELDS;) {
		field[nfields++] = text[at] == 1 ? NULL : text + at;
		at += strlen(text + at) + 1;
	}

	reset();
	ensure_loaded();
	FUZZ_CHECK(!shim_busy(), "load() left the shim busy");
	const char *root = set(0) ? field[0] : NULL;
	if (root && root[0])
		FUZZ_CHECK(mode == MODE_LAUNCHER || mode == MODE_BROKEN,
			   "TMPJAIL_ROOT set: mode %d", mode);
	else
		FUZZ_CHECK(mode == MODE_SELF, "TMPJAIL_ROOT unset: mode %d", mode);
	check_table();
	free(text);
	return 0;
}
