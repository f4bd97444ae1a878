/* SPDX-License-Identifier: MIT */
/*
 * The path mapper: a pure function from a path a program passes to libc to
 * the path the kernel should see. No allocation, no system call, no lock,
 * no getenv: the shim calls it on every path-taking call, and the answer for
 * a path outside the redirected prefixes must cost no more than a prefix
 * test.
 */
#ifndef TMPJAIL_SHIM_MAP_H
#define TMPJAIL_SHIM_MAP_H

#include <limits.h>
#include <stddef.h>

/* At most this many redirected prefixes (TMPJAIL_REDIRECT). */
#define MAP_MAX_RULES 16
/* Longest redirected prefix, terminating NUL included. */
#define MAP_PREFIX_MAX 256

/* One redirected prefix and where it goes. */
struct map_rule {
	char from[MAP_PREFIX_MAX]; /* canonical absolute prefix: "/var/tmp" */
	size_t from_len;
	char to[PATH_MAX]; /* its stand-in: "$TMPJAIL_ROOT/var/tmp" */
	size_t to_len;
	/*
	 * How many components "to" lies below the root: a ".." after the
	 * prefix may climb this far and still stay inside the root.
	 */
	unsigned depth;
};

/*
 * Everything the mapper needs, self-contained (no pointers), so the shim
 * fills one once and publishes it.
 */
struct map_table {
	char root[PATH_MAX]; /* TMPJAIL_ROOT, "" while none exists */
	size_t root_len;
	struct map_rule rules[MAP_MAX_RULES]; /* longest prefix first */
	size_t nrules;
};

/* map_path() results besides -errno. */
enum {
	MAP_KEEP = 0, /* not redirected: use the path as given */
	MAP_DONE = 1, /* redirected: the output buffer holds the new path */
};

/* The prefixes used when TMPJAIL_REDIRECT is unset. */
#define MAP_DEFAULT_REDIRECT "/tmp:/var/tmp"

/**
 * map_table_build() - fill @table from the environment contract's values.
 * @table: the table to fill (entirely overwritten).
 * @root: TMPJAIL_ROOT, or NULL/"" when there is no root yet (then rules
 *        only tell which paths are redirected; map_path() keeps all).
 * @dir: TMPJAIL_DIR, or NULL for "$root/tmp".
 * @redirect: TMPJAIL_REDIRECT, colon-separated absolute prefixes, or NULL
 *            for MAP_DEFAULT_REDIRECT. Entries are made canonical ("//a/./b/"
 *            is "/a/b"); "/", relative entries, entries with "..", too long
 *            ones and duplicates are ignored.
 *
 * Return: 0, or -EINVAL when @root or @dir is not absolute, -ENAMETOOLONG
 * when a mapped prefix does not fit in PATH_MAX.
 */
int map_table_build(struct map_table *table, const char *root, const char *dir,
		    const char *redirect);

/**
 * map_path() - map one path.
 * @table: the rules.
 * @path: what the program passed; NULL and relative paths are kept.
 * @out: receives the mapped path (only when MAP_DONE is returned).
 * @size: size of @out, normally PATH_MAX.
 *
 * A path is redirected when, after skipping repeated slashes and "."
 * components, its leading components equal a prefix's (so "/tmp", "/tmp/"
 * and "//tmp/./a" are, "/tmpfoo" is not). The prefix is replaced by its
 * stand-in and the rest is kept as written: ".." is never collapsed, the
 * kernel resolves it inside the stand-in. A ".." that would climb above
 * the private root ("/tmp/../../etc") is refused, so nothing redirected
 * can reach the real directory the root lives in. A path already inside
 * the root is kept (idempotence).
 *
 * Return: MAP_KEEP, MAP_DONE, -EACCES (climbs out of the root),
 * -ENAMETOOLONG (the result does not fit in @size).
 */
int map_path(const struct map_table *table, const char *path, char *out, size_t size);

/**
 * map_match() - does @path fall under one of the redirected prefixes?
 * Works on a table without a root too: the shim asks it before it creates
 * a root of its own.
 *
 * Return: nonzero when it does.
 */
int map_match(const struct map_table *table, const char *path);

/**
 * map_socket_path() - map_path() for the sun_path of a Unix socket:
 * /tmp/.X11-unix and /tmp/.ICE-unix (and what is below them) are kept, so
 * X clients reach the real display server.
 *
 * Return: as map_path().
 */
int map_socket_path(const struct map_table *table, const char *path, char *out, size_t size);

#endif /* TMPJAIL_SHIM_MAP_H */
