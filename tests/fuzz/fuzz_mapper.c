/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the shim's path mapper. Each input is a path (or,
 * with a leading 0x01 byte, a TMPJAIL_REDIRECT list). The mapper's answer
 * is checked against a slow, obviously correct reference written from the
 * rules in docs/shim.md, and its output must be inside the private root,
 * never climb out of it and never be mapped again. Relative inputs also
 * check the fast test for relative paths (map_may_reach()).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"

#define ROOT "/tmp/tj-fuzz0000"
#define REDIRECT "/tmp:/var/tmp:/srv/a:/srv/a/b"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 4096

/* Components of @path, "" and "." dropped. */
static size_t split(const char *path, const char **part, size_t *len)
{
	size_t n = 0;

	for (const char *p = path; *p && n < MAX_PARTS;) {
		while (*p == '/')
			p++;
		size_t l = strcspn(p, "/");
		if (l > 0 && !(l == 1 && p[0] == '.')) {
			part[n] = p;
			len[n++] = l;
		}
		p += l;
	}
	return n;
}

static bool same(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && memcmp(a, b, alen) == 0;
}

/* Do @n components from @part on stay within @depth levels above? */
static bool stays(const char **part, size_t *len, size_t n, long depth)
{
	long level = 0;

	for (size_t i = 0; i < n; i++) {
		if (same(part[i], len[i], "..")) {
			if (--level < -depth)
				return false;
		} else {
			level++;
		}
	}
	return true;
}

/* Does the path start with the components of @prefix? Returns their count. */
static size_t starts_with(const char **part, size_t *len, size_t n, const char *prefix)
{
	const char *want[8];
	size_t want_len[8];
	size_t k = split(prefix, want, want_len);

	if (k > n)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (len[i] != want_len[i] || memcmp(part[i], want[i], len[i]) != 0)
			return 0;
	return k;
}

/* The reference: which answer map_path() must give (DONE may also be
 * ENAMETOOLONG for a long path). */
static int expected(const char *path, long *depth_out)
{
	static const char *const rules[] = {"/srv/a/b", "/var/tmp", "/srv/a", "/tmp"};
	static const long depths[] = {3, 2, 2, 1};
	const char *part[MAX_PARTS];
	size_t len[MAX_PARTS];

	if (path[0] != '/')
		return MAP_KEEP;
	size_t n = split(path, part, len);
	if (n == MAX_PARTS)
		return -1; /* too deep to judge here */
	size_t k = starts_with(part, len, n, ROOT);
	if (k && stays(part + k, len + k, n - k, 0))
		return MAP_KEEP;
	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		k = starts_with(part, len, n, rules[r]);
		if (!k)
			continue;
		*depth_out = depths[r];
		return stays(part + k, len + k, n - k, depths[r]) ? MAP_DONE : -EACCES;
	}
	return MAP_KEEP;
}

/* The reference for map_match(): under a prefix, inside the root or not. */
static bool expected_match(const char *path)
{
	static const char *const rules[] = {"/srv/a/b", "/var/tmp", "/srv/a", "/tmp"};
	const char *part[MAX_PARTS];
	size_t len[MAX_PARTS];

	if (path[0] != '/')
		return false;
	size_t n = split(path, part, len);
	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++)
		if (starts_with(part, len, n, rules[r]))
			return true;
	return false;
}

static void check_path(const struct map_table *table, const char *path)
{
	char out[PATH_MAX], again[PATH_MAX];
	long depth = 0;
	int r = map_path(table, path, out, sizeof(out));
	int want = expected(path, &depth);

	if (want == -1)
		return;
	/* The shim asks map_match() (and its one-byte fast test) before a root exists. */
	if ((map_match(table, path) != 0) != expected_match(path)) {
		fprintf(stderr, "map_match(\"%s\") disagrees with the rules\n", path);
		abort();
	}
	if (want == MAP_DONE && r == -ENAMETOOLONG) {
		if (strlen(path) + sizeof(ROOT "/var/tmp") <= PATH_MAX - 2)
			abort(); /* short path refused as too long */
		return;
	}
	if (r != want) {
		fprintf(stderr, "map_path(\"%s\") = %d, expected %d\n", path, r, want);
		abort();
	}
	if (r != MAP_DONE)
		return;
	if (strlen(out) >= PATH_MAX || strncmp(out, ROOT "/", strlen(ROOT "/")) != 0)
		abort();
	/* The result never leaves the root, and is never mapped again. */
	const char *part[MAX_PARTS];
	size_t len[MAX_PARTS];
	size_t n = split(out, part, len);
	if (!stays(part + 2, len + 2, n - 2, 0))
		abort();
	if (map_path(table, out, again, sizeof(again)) != MAP_KEEP)
		abort();
}

/*
 * A relative path the fast test lets through (map_may_reach() false) must
 * not reach a prefix from any directory outside the prefixes; one it
 * catches is joined into an absolute path that still ends with its text.
 */
static void check_relative(const struct map_table *table, const char *path)
{
	static const char *const bases[] = {"/", "/var", "/srv", "/srv/a0", "/usr/lib", ROOT};
	char joined[2 * PATH_MAX], out[PATH_MAX];

	if (path[0] == '/' || path[0] == '\0')
		return;
	bool reach = map_may_reach(table, path);
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		long n = map_join(bases[i], path, joined, sizeof(joined));
		if (n < 0 || joined[0] != '/' || (size_t)n != strlen(joined))
			abort();
		if (!reach && i + 1 < sizeof(bases) / sizeof(bases[0]) &&
		    map_path(table, joined, out, sizeof(out)) != MAP_KEEP) {
			fprintf(stderr, "\"%s\" from %s reaches a prefix\n", path, bases[i]);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct map_table table;
	static bool ready;
	char text[2 * PATH_MAX + 1];

	if (!ready) {
		if (map_table_build(&table, ROOT, NULL, REDIRECT) != 0)
			abort();
		ready = true;
	}
	if (size > sizeof(text) - 1)
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';

	if (size > 0 && text[0] == 1) {
		/* A TMPJAIL_REDIRECT list: whatever it holds, the table stays sane. */
		static struct map_table custom;
		char out[PATH_MAX];
		if (map_table_build(&custom, ROOT, NULL, text + 1) != 0)
			return 0;
		for (size_t i = 0; i < custom.nrules; i++) {
			const struct map_rule *rule = &custom.rules[i];
			if (rule->from[0] != '/' || rule->from_len < 2 ||
			    strstr(rule->from, "//") || strstr(rule->from, "/../") ||
			    strncmp(rule->to, ROOT, strlen(ROOT)) != 0)
				abort();
			if (map_path(&custom, rule->from, out, sizeof(out)) != MAP_DONE ||
			    strcmp(out, rule->to) != 0)
				abort();
		}
		return 0;
	}
	check_path(&table, text);
	check_relative(&table, text);
	char out[PATH_MAX];
	int r = map_socket_path(&table, text, out, sizeof(out));
	if (r != MAP_KEEP && r != MAP_DONE && r != -EACCES && r != -ENAMETOOLONG)
		abort();
	return 0;
}
