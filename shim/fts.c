/* SPDX-License-Identifier: MIT */
/*
 * fts(3). glibc's fts walks from the names fts_open() was given with its
 * own internal calls, so those names must be the mapped ones -- and every
 * entry's fts_path then starts with the private directory's name. To give
 * the program the text it wrote, fts_read() hands out the entry with
 * fts_path (and an fts_accpath equal to it) pointing at a rewritten copy,
 * and puts the original pointers back before fts runs again: fts itself
 * reads them (appending child names, moving its buffer), the program only
 * looks.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

/* fts_open() names that were mapped: the two spellings of one prefix. */
struct fts_prefix {
	char *mapped, *original;
	size_t mapped_len, original_len;
};

/* What the shim keeps for one open FTS. */
struct fts_side {
	const void *fts; /* FTS * or FTS64 *; NULL: free slot */
	struct fts_prefix *prefixes;
	size_t count;
	FTSENT *entry; /* the entry handed out rewritten, or NULL */
	char *saved_path, *saved_accpath;
	unsigned short saved_pathlen;
	char text[PATH_MAX];
};

/* More walks open at once than this are left unrewritten. */
#define FTS_SIDES 32
static struct fts_side sides[FTS_SIDES];
static pthread_mutex_t sides_lock = PTHREAD_MUTEX_INITIALIZER;

static struct fts_side *find_side(const void *fts)
{
	for (int i = 0; fts && i < FTS_SIDES; i++)
		if (sides[i].fts == fts)
			return &sides[i];
	return NULL;
}

/* Put back the entry handed out last, before fts touches it again; return
 * it (NULL if none was rewritten). */
static FTSENT *restore(const void *fts)
{
	FTSENT *entry = NULL;

	pthread_mutex_lock(&sides_lock);
	struct fts_side *side = find_side(fts);
	if (side && side->entry) {
		entry = side->entry;
		entry->fts_path = side->saved_path;
		entry->fts_accpath = side->saved_accpath;
		entry->fts_pathlen = side->saved_pathlen;
		side->entry = NULL;
	}
	pthread_mutex_unlock(&sides_lock);
	return entry;
}

static void rewrite(const void *fts, FTSENT *entry)
{
	pthread_mutex_lock(&sides_lock);
	struct fts_side *side = find_side(fts);
	for (size_t i = 0; side && entry && entry->fts_path && i < side->count; i++) {
		const struct fts_prefix *prefix = &side->prefixes[i];
		const char *path = entry->fts_path;
		if (strncmp(path, prefix->mapped, prefix->mapped_len) != 0 ||
		    (path[prefix->mapped_len] != '/' && path[prefix->mapped_len] != '\0'))
			continue;
		size_t rest = strlen(path + prefix->mapped_len);
		if (prefix->original_len + rest + 1 > sizeof(side->text))
			break;
		memcpy(side->text, prefix->original, prefix->original_len);
		memcpy(side->text + prefix->original_len, path + prefix->mapped_len, rest + 1);
		side->entry = entry;
		side->saved_path = entry->fts_path;
		side->saved_accpath = entry->fts_accpath;
		side->saved_pathlen = entry->fts_pathlen;
		if (entry->fts_accpath == entry->fts_path)
			entry->fts_accpath = side->text;
		entry->fts_path = side->text;
		entry->fts_pathlen = (unsigned short)(prefix->original_len + rest);
		break;
	}
	pthread_mutex_unlock(&sides_lock);
}

static void forget(const void *fts)
{
	pthread_mutex_lock(&sides_lock);
	struct fts_side *side = find_side(fts);
	if (side) {
		for (size_t i = 0; i < side->count; i++) {
			free(side->prefixes[i].mapped);
			free(side->prefixes[i].original);
		}
		free(side->prefixes);
		memset(side, 0, sizeof(*side));
	}
	pthread_mutex_unlock(&sides_lock);
}

/* Remember the mapped names of a new walk (best effort: on any shortage
 * the walk just keeps the mapped text). */
static void remember(const void *fts, char *const *paths, char *const *mapped, size_t count)
{
	struct fts_prefix *prefixes = calloc(count ? count : 1, sizeof(*prefixes));
	size_t n = 0;

	for (size_t i = 0; prefixes && i < count; i++) {
		if (paths[i] == mapped[i])
			continue;
		size_t a = strlen(paths[i]), b = strlen(mapped[i]), common = 0;
		while (common < a && common < b &&
		       paths[i][a - 1 - common] == mapped[i][b - 1 - common])
			common++;
		/* Cut both at the same place: what follows is the same text. */
		struct fts_prefix *prefix = &prefixes[n];
		prefix->original = strndup(paths[i], a - common);
		prefix->mapped = strndup(mapped[i], b - common);
		prefix->original_len = a - common;
		prefix->mapped_len = b - common;
		if (prefix->original && prefix->mapped)
			n++;
		else {
			free(prefix->original);
			free(prefix->mapped);
		}
	}
	pthread_mutex_lock(&sides_lock);
	struct fts_side *side = n ? find_side(NULL) : NULL;
	for (int i = 0; n && !side && i < FTS_SIDES; i++)
		if (!sides[i].fts)
			side = &sides[i];
	if (side) {
		side->fts = fts;
		side->prefixes = prefixes;
		side->count = n;
		prefixes = NULL;
	}
	pthread_mutex_unlock(&sides_lock);
	for (size_t i = 0; prefixes && i < n; i++) {
		free(prefixes[i].mapped);
		free(prefixes[i].original);
	}
	free(prefixes);
}

/* The mapped copy of a NULL-terminated array of paths (malloc'd), or NULL
 * with *@error set. */
static char **map_paths(const char *name, char *const *paths, size_t *count, int *error)
{
	size_t n = 0;

	while (paths[n])
		n++;
	/* One block: the pointers, then PATH_MAX bytes per mapped name. */
	char **mapped = malloc((n + 1) * sizeof(char *) + n * (size_t)PATH_MAX);
	if (!mapped) {
		*error = ENOMEM;
		return NULL;
	}
	char *storage = (char *)(mapped + n + 1);
	for (size_t i = 0; i < n; i++) {
		struct shim_call call = {.name = name};
		const char *path = paths[i];
		if (shim_call_map(&call, 0, AT_FDCWD, &path, storage + i * PATH_MAX, 0) < 0) {
			*error = shim_call_refuse(&call, call.refused);
			free(mapped);
			return NULL;
		}
		shim_call_end(&call, 0, 0);
		mapped[i] = (char *)path;
	}
	mapped[n] = NULL;
	*count = n;
	return mapped;
}

/* fts_open and fts64_open; fts copies the names it is given. */
static void *open_walk(const char *name, void *(*real)(char *const *, int, void *),
		       char *const *paths, int options, void *compare)
{
	size_t count;
	int error;

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	if (!paths)
		return real(paths, options, compare);
	char **mapped = map_paths(name, paths, &count, &error);
	if (!mapped)
		return SHIM_FAIL_PTR(error);
	void *fts = real(mapped, options, compare);
	error = errno;
	if (fts)
		remember(fts, paths, mapped, count);
	free(mapped);
	errno = error;
	return fts;
}

FTS *fts_open(char *const *paths, int options, int (*compare)(const FTSENT **, const FTSENT **))
{
	return open_walk("fts_open", (void *(*)(char *const *, int, void *))SHIM_REAL(fts_open),
			 paths, options, (void *)compare);
}

FTS64 *fts64_open(char *const *paths, int options,
		  int (*compare)(const FTSENT64 **, const FTSENT64 **))
{
	return open_walk("fts64_open", (void *(*)(char *const *, int, void *))SHIM_REAL(fts64_open),
			 paths, options, (void *)compare);
}

FTSENT *fts_read(FTS *fts)
{
	shim_fn_fts_read real = SHIM_REAL(fts_read);

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	restore(fts);
	FTSENT *entry = real(fts);
	int saved = errno;
	rewrite(fts, entry);
	errno = saved;
	return entry;
}

FTSENT64 *fts64_read(FTS64 *fts)
{
	shim_fn_fts64_read real = SHIM_REAL(fts64_read);

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	restore(fts);
	FTSENT64 *entry = real(fts);
	int saved = errno;
	/* FTSENT64 differs from FTSENT only after the fields rewritten. */
	rewrite(fts, (FTSENT *)entry);
	errno = saved;
	return entry;
}

/*
 * fts_children reads the current entry's path to name the children; the
 * current entry stays current, so it is shown rewritten again afterwards
 * (the children's own fts_path is fts's shared buffer, mapped text).
 */
FTSENT *fts_children(FTS *fts, int options)
{
	shim_fn_fts_children real = SHIM_REAL(fts_children);

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	FTSENT *current = restore(fts);
	FTSENT *children = real(fts, options);
	int saved = errno;
	if (current)
		rewrite(fts, current);
	errno = saved;
	return children;
}

FTSENT64 *fts64_children(FTS64 *fts, int options)
{
	shim_fn_fts64_children real = SHIM_REAL(fts64_children);

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	FTSENT *current = restore(fts);
	FTSENT64 *children = real(fts, options);
	int saved = errno;
	if (current)
		rewrite(fts, current);
	errno = saved;
	return children;
}

int fts_close(FTS *fts)
{
	shim_fn_fts_close real = SHIM_REAL(fts_close);

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	restore(fts);
	forget(fts);
	return real(fts);
}

int fts64_close(FTS64 *fts)
{
	shim_fn_fts64_close real = SHIM_REAL(fts64_close);

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	restore(fts);
	forget(fts);
	return real(fts);
}
