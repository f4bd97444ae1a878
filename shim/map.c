/* SPDX-License-Identifier: MIT */
/*
 * The path mapper. Pure string work on caller-provided buffers, so it can be
 * unit-tested and fuzzed alone and is safe in any context the shim runs in
 * (signal handlers, vfork children).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "map.h"

/* Unix sockets under these stay real, so X clients reach the display. */
static const char *const socket_exceptions[] = {"/tmp/.X11-unix", "/tmp/.ICE-unix"};

/* Skip slashes and "." components: "//./a" -> "a". */
static const char *skip_separators(const char *p)
{
	for (;;) {
		while (*p == '/')
			p++;
		if (p[0] == '.' && (p[1] == '/' || p[1] == '\0')) {
			p++;
			continue;
		}
		return p;
	}
}

/*
 * If the leading components of @path are those of the canonical @prefix,
 * return where the rest of @path starts (at a '/' or the end), else NULL.
 * The first differing byte usually ends it: this is the fast path.
 */
static const char *match_prefix(const char *path, const char *prefix)
{
	const char *p = path;

	while (*prefix == '/') {
		const char *name = prefix + 1;
		size_t len = strcspn(name, "/");

		p = skip_separators(p);
		if (strncmp(p, name, len) != 0 || (p[len] != '/' && p[len] != '\0'))
			return NULL;
		p += len;
		prefix = name + len;
	}
	return p;
}

/*
 * Does @rest stay within @depth levels above its start? Counts components
 * lexically, only to refuse; the kernel still resolves what is kept.
 */
static bool climb_ok(const char *rest, unsigned depth)
{
	long level = 0;

	for (const char *p = rest; *p;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (--level < -(long)depth)
				return false;
		} else if (!(len == 1 && p[0] == '.')) {
			level++;
		}
		p += len;
	}
	return true;
}

/* Components in @rest (".." and "." not expected: the caller checked). */
static unsigned count_components(const char *rest)
{
	unsigned n = 0;

	for (const char *p = rest; *p;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		n++;
		p += strcspn(p, "/");
	}
	return n;
}

/*
 * Write the canonical form of the absolute @path ("//a/./b/" -> "/a/b")
 * into @out. Return its length, or -EINVAL (relative, or has ".."),
 * -ENAMETOOLONG.
 */
static long canonical(const char *path, size_t len, char *out, size_t size)
{
	size_t n = 0;

	if (len == 0 || path[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < len;) {
		while (i < len && path[i] == '/')
			i++;
		size_t start = i;
		while (i < len && path[i] != '/')
			i++;
		size_t part = i - start;
		if (part == 0 || (part == 1 && path[start] == '.'))
			continue;
		if (part == 2 && path[start] == '.' && path[start + 1] == '.')
			return -EINVAL;
		if (n + 1 + part + 1 > size)
			return -ENAMETOOLONG;
		out[n++] = '/';
		memcpy(out + n, path + start, part);
		n += part;
	}
	out[n] = '\0';
	return (long)n;
}

/*
 * Add one TMPJAIL_REDIRECT entry. Empty entries and duplicates mean
 * nothing and are skipped; an entry the table cannot honour is an error
 * (see map_table_build()).
 */
static int add_rule(struct map_table *table, const char *entry, size_t len, const char *dir)
{
	struct map_rule candidate;
	long n;

	if (len == 0)
		return 0; /* "a::b", a trailing ':' */
	n = canonical(entry, len, candidate.from, sizeof(candidate.from));
	if (n == 0)
		return -EINVAL; /* "/" would redirect everything */
	if (n < 0)
		return (int)n;
	candidate.from_len = (size_t)n;
	for (size_t i = 0; i < table->nrules; i++)
		if (strcmp(table->rules[i].from, candidate.from) == 0)
			return 0;
	/* Paths inside the root are never mapped: such a prefix (the root
	 * itself, or "/tmp" for a root of "/tmp") could not be redirected. */
	if (table->root_len > 0 && match_prefix(candidate.from, table->root))
		return -EINVAL;
	if (table->nrules == MAP_MAX_RULES)
		return -E2BIG;
	struct map_rule *rule = &table->rules[table->nrules];
	memcpy(rule->from, candidate.from, candidate.from_len + 1);
	rule->from_len = candidate.from_len;

	rule->to[0] = '\0';
	rule->to_len = 0;
	rule->depth = 0;
	if (table->root_len > 0) {
		const char *base = strcmp(rule->from, "/tmp") == 0 ? dir : table->root;
		const char *tail = base == dir ? "" : rule->from;
		size_t base_len = strlen(base), tail_len = strlen(tail);
		if (base_len + tail_len + 1 > sizeof(rule->to))
			return -ENAMETOOLONG;
		memcpy(rule->to, base, base_len);
		memcpy(rule->to + base_len, tail, tail_len + 1);
		rule->to_len = base_len + tail_len;
		const char *below = match_prefix(rule->to, table->root);
		rule->depth = below ? count_components(below) : 0;
	}
	table->nrules++;
	return 0;
}

/* Longest prefix first, so "/tmp/a" wins over "/tmp". */
static void sort_rules(struct map_table *table)
{
	for (size_t i = 1; i < table->nrules; i++) {
		for (size_t j = i; j > 0; j--) {
			struct map_rule *a = &table->rules[j - 1], *b = &table->rules[j];
			if (a->from_len >= b->from_len)
				break;
			struct map_rule swap = *a;
			*a = *b;
			*b = swap;
		}
	}
}

/* Is the component @name (@len bytes) in table->names? */
static bool known_name(const struct map_table *table, const char *name, size_t len)
{
	for (size_t at = 0; at < table->names_len;) {
		const char *known = table->names + at;
		size_t known_len = strlen(known);
		if (known_len == len && memcmp(known, name, len) == 0)
			return true;
		at += known_len + 1;
	}
	return false;
}

static void set_first(struct map_table *table, unsigned char c)
{
	table->first[c >> 3] |= (unsigned char)(1u << (c & 7));
}

/*
 * Could the absolute @path fall under a prefix at all? False only when the
 * byte after its leading '/' cannot begin any prefix's first component,
 * even after skipping slashes and "." (see map_table.first).
 */
static bool may_match(const struct map_table *table, const char *path)
{
	unsigned char c = (unsigned char)path[1];

	return table->first[c >> 3] & (1u << (c & 7));
}

/* Fill map_table.first from the (already canonical) prefixes. */
static void collect_first(struct map_table *table)
{
	memset(table->first, 0, sizeof(table->first));
	set_first(table, '/');
	set_first(table, '.');
	for (size_t i = 0; i < table->nrules; i++)
		set_first(table, (unsigned char)table->rules[i].from[1]);
}

/* Record each component name of the prefixes once, for map_may_reach(). */
static void collect_names(struct map_table *table)
{
	table->names_len = 0;
	for (size_t i = 0; i < table->nrules; i++) {
		for (const char *p = table->rules[i].from; *p;) {
			p++; /* the '/' */
			size_t len = strcspn(p, "/");
			/* Always fits: names are at most their prefixes' length. */
			if (!known_name(table, p, len) &&
			    table->names_len + len + 1 <= sizeof(table->names)) {
				memcpy(table->names + table->names_len, p, len);
				table->names_len += len;
				table->names[table->names_len++] = '\0';
			}
			p += len;
		}
	}
}

/* Fill the root and the /tmp stand-in (@dir_buf) of @table; 0 or -errno. */
static int build_root(struct map_table *table, const char *root, const char *dir, char *dir_buf)
{
	long n = canonical(root, strlen(root), table->root, sizeof(table->root));

	if (n == 0)
		return -EINVAL; /* "/", "//", "/.": every path would be "inside" */
	if (n < 0)
		return (int)n;
	table->root_len = (size_t)n;
	if (dir && dir[0]) {
		n = canonical(dir, strlen(dir), dir_buf, PATH_MAX);
		if (n < 0)
			return (int)n;
		/* The contract's $TMPJAIL_ROOT/tmp: a stand-in elsewhere ("/tmp"
		 * itself) would send /tmp back where it came from. */
		if (!match_prefix(dir_buf, table->root))
			return -EINVAL;
		return 0;
	}
	if (table->root_len + sizeof("/tmp") > PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(dir_buf, table->root, table->root_len);
	memcpy(dir_buf + table->root_len, "/tmp", sizeof("/tmp"));
	return 0;
}

int map_table_build(struct map_table *table, const char *root, const char *dir,
		    const char *redirect)
{
	char dir_buf[PATH_MAX];
	int first = 0;

	memset(table, 0, sizeof(*table));
	if (root && root[0]) {
		int r = build_root(table, root, dir, dir_buf);
		if (r < 0)
			return r;
	}
	if (!redirect)
		redirect = MAP_DEFAULT_REDIRECT;
	for (const char *p = redirect;;) {
		size_t len = strcspn(p, ":");
		int r = add_rule(table, p, len, dir_buf);
		if (r < 0 && first == 0)
			first = r;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if (table->nrules == 0 && first == 0)
		first = -EINVAL; /* "", ":": set, but names nothing: not "redirect nothing" */
	table->incomplete = first != 0;
	sort_rules(table);
	collect_names(table);
	collect_first(table);
	return first;
}

/* The rule @path falls under, and where its rest starts; NULL if none. */
static const struct map_rule *find_rule(const struct map_table *table, const char *path,
					const char **rest)
{
	if (!may_match(table, path))
		return NULL;
	for (size_t i = 0; i < table->nrules; i++) {
		const struct map_rule *rule = &table->rules[i];
		size_t n = rule->from_len;
		const char *p;
		/*
		 * A path written in canonical form matches byte for byte; only
		 * one with "//" or "/./" needs the component walk.
		 */
		if (strncmp(path, rule->from, n) == 0 && (path[n] == '/' || path[n] == '\0'))
			p = path + n;
		else
			p = match_prefix(path, rule->from);
		if (p) {
			*rest = p;
			return rule;
		}
	}
	return NULL;
}

int map_match(const struct map_table *table, const char *path)
{
	const char *rest;

	if (!path || path[0] != '/')
		return 0;
	if (table->incomplete)
		return 1;
	return find_rule(table, path, &rest) != NULL;
}

int map_path(const struct map_table *table, const char *path, char *out, size_t size)
{
	const char *rest;

	if (!path || path[0] != '/')
		return MAP_KEEP;
	/* Not under a prefix: kept whether or not it is inside the root. */
	if (!may_match(table, path))
		return MAP_KEEP;
	if (table->root_len > 0) {
		rest = match_prefix(path, table->root);
		if (rest && climb_ok(rest, 0))
			return MAP_KEEP; /* already inside the root */
	}
	const struct map_rule *rule = find_rule(table, path, &rest);
	if (!rule || rule->to_len == 0)
		return MAP_KEEP;

	/* "/tmp/./a" and "/tmp//a" read as "/tmp/a": drop what is redundant. */
	while (rest[0] == '/' && (rest[1] == '/' || (rest[1] == '.' && rest[2] == '/')))
		rest += rest[1] == '/' ? 1 : 2;
	if (!climb_ok(rest, rule->depth))
		return -EACCES;
	size_t rest_len = strlen(rest);
	if (rule->to_len + rest_len + 1 > size)
		return -ENAMETOOLONG;
	memcpy(out, rule->to, rule->to_len);
	memcpy(out + rule->to_len, rest, rest_len + 1);
	return MAP_DONE;
}

int map_may_reach(const struct map_table *table, const char *path)
{
	if (!path || path[0] == '/')
		return 0;
	if (table->incomplete)
		return 1;
	const char *first = skip_separators(path);
	size_t len = strcspn(first, "/");

	if (len == 0)
		return 0;
	if (len == 2 && first[0] == '.' && first[1] == '.')
		return 1;
	/* "x/../tmp" from "/" reaches /tmp as surely as "tmp" does. */
	return known_name(table, first, len) || map_has_dotdot(first);
}

long map_join(const char *base, const char *path, char *out, size_t size)
{
	size_t n = strlen(base);

	if (n == 0 || base[0] != '/')
		return -EINVAL;
	if (n >= size)
		return -ENAMETOOLONG;
	memmove(out, base, n + 1);
	while (n > 1 && out[n - 1] == '/')
		n--;
	/* Leading "..": the parent of a canonical directory is its dirname. */
	const char *p = skip_separators(path);
	while (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0')) {
		while (n > 1 && out[n - 1] != '/')
			n--;
		if (n > 1)
			n--; /* the '/' before the removed name, unless it is "/" */
		p = skip_separators(p + 2);
	}
	size_t rest = strlen(p);
	bool slash = rest > 0 && out[n - 1] != '/';
	if (n + slash + rest + 1 > size)
		return -ENAMETOOLONG;
	if (slash)
		out[n++] = '/';
	memcpy(out + n, p, rest + 1);
	return (long)(n + rest);
}

int map_inside_root(const struct map_table *table, const char *path)
{
	return table->root_len > 0 && path && match_prefix(path, table->root) != NULL;
}

int map_socket_path(const struct map_table *table, const char *path, char *out, size_t size)
{
	if (!path || path[0] != '/')
		return MAP_KEEP;
	for (size_t i = 0; i < sizeof(socket_exceptions) / sizeof(socket_exceptions[0]); i++)
		if (match_prefix(path, socket_exceptions[i]))
			return MAP_KEEP;
	return map_path(table, path, out, size);
}

int map_unmap(const struct map_table *table, const char *path, char *out, size_t size)
{
	const struct map_rule *best = NULL;
	const char *rest = NULL;

	if (!path || path[0] != '/' || table->root_len == 0)
		return MAP_KEEP;
	/* Stand-ins nest when prefixes do (/tmp and /tmp/x): the longest wins. */
	for (size_t i = 0; i < table->nrules; i++) {
		const struct map_rule *rule = &table->rules[i];
		const char *p = rule->to_len ? match_prefix(path, rule->to) : NULL;
		if (p && (!best || rule->to_len > best->to_len)) {
			best = rule;
			rest = p;
		}
	}
	if (!best)
		return MAP_KEEP;
	size_t rest_len = strlen(rest);
	if (best->from_len + rest_len + 1 > size)
		return -ENAMETOOLONG;
	/* @out may be @path: the prefix is shorter than its stand-in, so the
	 * rest moves left, never over what is still to be read. */
	memmove(out + best->from_len, rest, rest_len + 1);
	memcpy(out, best->from, best->from_len);
	return MAP_DONE;
}

bool map_has_dotdot(const char *path)
{
	for (const char *p = path; p && *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += len;
	}
	return false;
}

/*
 * Does the canonical absolute @path (no "." or "..") lie in a prefix?
 * Byte compare: canonical text needs no component walk.
 */
static bool canonical_in_prefix(const struct map_table *table, const char *path, size_t len)
{
	for (size_t i = 0; i < table->nrules; i++) {
		size_t n = table->rules[i].from_len;
		if (len >= n && memcmp(path, table->rules[i].from, n) == 0 &&
		    (len == n || path[n] == '/'))
			return true;
	}
	return false;
}

/*
 * Does @path go on past a /proc magic link ("/proc/self/root/tmp/x",
 * "/proc/self/cwd/../x", "/dev/fd/3/x")? The kernel jumps to where the link
 * points, not through a prefix as text: "/proc/self/root/tmp" is the real
 * /tmp, unless walked. A magic link as the last component is the call's
 * own (a pipe's /proc/self/fd/0 opens as natively).
 */
bool map_past_magic_link(const char *path)
{
#define IS(name) (len == sizeof(name) - 1 && memcmp(p, name, len) == 0)
	const char *p;
	bool in_links = false, magic = false; /* in a directory of links; on one */

	if (strncmp(path, "/proc/", 6) == 0) {
		p = path + 6;
	} else if (strncmp(path, "/dev/fd/", 8) == 0) {
		p = path + 8;
		in_links = true;
	} else {
		return false;
	}
	for (;;) {
		p += strspn(p, "/");
		size_t len = strcspn(p, "/");
		if (len == 0)
			return false;
		if (magic)
			return true; /* a component after the link */
		magic = in_links || IS("root") || IS("cwd") || IS("exe");
		in_links = IS("fd") || IS("map_files");
		p += len;
	}
#undef IS
}

bool map_needs_walk(const struct map_table *table, const char *path)
{
	if (!path || path[0] != '/')
		return false;
	/* (A prefix written past a magic link is a prefix like any other.) */
	if ((path[1] == 'p' || path[1] == 'd') && !table->incomplete && map_past_magic_link(path) &&
	    !map_match(table, path))
		return true;
	if (!map_has_dotdot(path))
		return false;
	if (table->incomplete)
		return false; /* map_path() refuses every path anyway */
	/* The root's own paths are walked too ($TMPDIR/a/l/../..): a link in
	 * them is followed as a mounted /tmp would follow it, never out of the
	 * root by the kernel's "..". */
	if (map_inside_root(table, path))
		return true;
	/* Collapse lexically, as if nothing were a symlink, and look at every
	 * directory on the way: one in a prefix means the kernel's walk over
	 * the real tree could leave or enter a stand-in where a mounted one
	 * would not. Symlinks only matter inside prefixes, which then shows. */
	char cur[PATH_MAX];
	size_t n = 0;

	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && cur[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else if (!(len == 1 && p[0] == '.')) {
			if (n + 1 + len >= sizeof(cur))
				return true; /* too long to tell: let the walk decide */
			cur[n++] = '/';
			memcpy(cur + n, p, len);
			n += len;
		}
		if (canonical_in_prefix(table, n ? cur : "/", n ? n : 1))
			return true;
		p += len;
	}
	return false;
}

bool map_is_stand_in(const struct map_table *table, const char *path)
{
	if (!path || path[0] != '/' || table->root_len == 0)
		return false;
	const char *rest = match_prefix(path, table->root);
	if (!rest)
		return false;
	if (*skip_separators(rest) == '\0')
		return true;
	/* A stand-in, or a directory between the root and one ($ROOT/var):
	 * moved away, a link in its place would send the stand-in anywhere. */
	char dir[PATH_MAX];
	size_t n = strlen(path);
	if (n >= sizeof(dir))
		return false;
	memcpy(dir, path, n + 1);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	for (size_t i = 0; i < table->nrules; i++) {
		const struct map_rule *rule = &table->rules[i];
		rest = rule->to_len ? match_prefix(rule->to, dir) : NULL;
		if (rest && (*rest == '/' || *rest == '\0'))
			return true;
	}
	return false;
}

bool map_may_be_stand_in(const struct map_table *table, const char *name)
{
	size_t n = strlen(name);

	while (n > 1 && name[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && name[start - 1] != '/')
		start--;
	if (known_name(table, name + start, n - start))
		return true;
	/* The root's own name, from the directory holding it. */
	const char *base = strrchr(table->root, '/');
	return base && table->root_len && strlen(base + 1) == n - start &&
	       memcmp(base + 1, name + start, n - start) == 0;
}

int map_mount_of(const struct map_table *table, const char *path)
{
	int best = -1;
	size_t best_len = 0;

	if (!path || path[0] != '/' || table->root_len == 0)
		return -1;
	for (size_t i = 0; i < table->nrules; i++) {
		const struct map_rule *rule = &table->rules[i];
		const char *rest = rule->to_len ? match_prefix(path, rule->to) : NULL;
		/* Strictly inside: a stand-in itself sits on its parent's mount. */
		if (rest && *skip_separators(rest) != '\0' && rule->to_len > best_len) {
			best = (int)i;
			best_len = rule->to_len;
		}
	}
	return best;
}

void map_collapse(char *path)
{
	size_t n = 0;

	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && path[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			path[n++] = '/';
			memmove(path + n, p, len); /* never ahead of @p */
			n += len;
		}
		p += len;
	}
	if (n == 0)
		path[n++] = '/';
	path[n] = '\0';
}

/*
 * @path resolved by @real (realpath(3)) into @out (PATH_MAX); a missing
 * last component is kept as written after its resolved directory, so two
 * names of one file not made yet compare equal.
 */
bool map_canonical(char *(*real)(const char *, char *), const char *path, char *out)
{
	char dir[PATH_MAX];
	size_t n = strlen(path);

	if (real(path, out))
		return true;
	if (errno != ENOENT || n >= PATH_MAX)
		return false;
	memcpy(dir, path, n + 1);
	char *slash = strrchr(dir, '/');
	if (!slash || slash[1] == '\0' || !strcmp(slash + 1, "..") || !strcmp(slash + 1, "."))
		return false;
	*slash = '\0';
	if (!real(dir[0] ? dir : "/", out))
		return false;
	size_t d = strlen(out), b = strlen(slash + 1);
	if (d + 1 + b >= PATH_MAX)
		return false;
	if (out[d - 1] != '/')
		out[d++] = '/';
	memcpy(out + d, slash + 1, b + 1);
	return true;
}
