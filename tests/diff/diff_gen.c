/* SPDX-License-Identifier: MIT */
/*
 * The generator: a seeded, reproducible random sequence of operations over
 * a small alphabet of names, so that what one operation creates the next
 * ones use, rename, link to and climb out of.
 */
#include "diff.h"

#include <stdio.h>
#include <string.h>

struct rng {
	uint64_t state;
};

/* splitmix64: the same numbers for the same seed on every machine. */
static uint64_t next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(struct rng *r, unsigned n)
{
	return (unsigned)(next(r) % n);
}

#define PICK(r, array) ((array)[below((r), sizeof(array) / sizeof((array)[0]))])

/* Directories a path starts from: each spelling of the private ones, and outside. */
static const char *const bases[] = {
    "/tmp",	    "/tmp",	    "/tmp",	  "/var/tmp",	"/var/tmp", "//tmp/.",
    "/tmp/",	    "/tmp/../tmp",  "/tmp/a/..",  "/var/tmp/../tmp", "@R/tmp", "@R/var/tmp",
    "@O",	    "@O",	    "/./var//tmp", "/var/../tmp",
};
static const char *const names[] = {"a", "b", "l", "a", "b", "l", "..", "."};
static const char *const relatives[] = {
    "a", "b", "l", "a/b", "../a", "..", "../..", ".", "tmp/a", "var/tmp/b", "l/a", "a/../b",
};
static const char *const oddities[] = {
    "/",	       "@R",	      "@R/..",	    "@B",	    "/tmp/..",	 "/var/tmp/..",
    "/var/tmp/../..", "/tmp/../a",  "/tmp/../tmp/a", "/tmp/../../../..", "/var", "tmp",
};

/* Append "/.." @count times. */
static void climb(char *path, size_t size, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		strncat(path, "/..", size - strlen(path) - 1);
}

static void gen_path(struct rng *r, char *path, size_t size)
{
	unsigned kind = below(r, 10);
	path[0] = '\0';
	if (kind < 5) { /* a base and up to three names */
		snprintf(path, size, "%s", PICK(r, bases));
		for (unsigned n = below(r, 4), i = 0; i < n; i++) {
			if (path[strlen(path) - 1] != '/')
				strncat(path, "/", size - strlen(path) - 1);
			strncat(path, PICK(r, names), size - strlen(path) - 1);
		}
	} else if (kind < 7) {
		snprintf(path, size, "%s", PICK(r, relatives));
	} else if (kind < 9) { /* a `..` chain from deep inside, maybe above / */
		snprintf(path, size, "%s/a/b", PICK(r, bases));
		climb(path, size, 1 + below(r, 5));
		if (below(r, 2))
			strncat(path, below(r, 2) ? "/tmp/a" : "/a", size - strlen(path) - 1);
	} else {
		snprintf(path, size, "%s", PICK(r, oddities));
	}
}

/* A symlink target: a path as above, or one of the usual relative ones. */
static void gen_target(struct rng *r, char *path, size_t size)
{
	static const char *const targets[] = {"a", "../a", "..", "../..", "../../tmp/a",
					      "b/..", "/tmp/a", "/tmp", "/var/tmp/a", "."};
	if (below(r, 2))
		snprintf(path, size, "%s", PICK(r, targets));
	else
		gen_path(r, path, size);
}

static const char *slot(struct rng *r)
{
	static const char *const slots[] = {"0", "1", "2", "3"};
	return PICK(r, slots);
}

static const char *dir_slot(struct rng *r)
{
	static const char *const slots[] = {"c", "0", "1", "2", "3"};
	return PICK(r, slots);
}

/*
 * One operation; the weights favour creating, so later ones find things.
 * Every random choice is drawn before the switch, in a fixed order (the
 * order arguments are evaluated in is unspecified).
 */
static void gen_op(struct rng *r, struct lines *seq)
{
	static const char *const flags[] = {"rc", "wc", "wcx", "rd", "r", "rn", "rwct", "p", "rdn", "wa"};
	static const char *const stats[] = {"stat", "lstat", "realpath", "readlink", "access",
					    "list", "getcwd", "proccwd"};
	char p[512], q[512], t[512];
	gen_path(r, p, sizeof(p));
	gen_path(r, q, sizeof(q));
	gen_target(r, t, sizeof(t));
	const char *f = PICK(r, flags), *st = PICK(r, stats), *s = slot(r), *d1 = dir_slot(r),
		   *d2 = dir_slot(r);
	bool coin = below(r, 2), coin2 = below(r, 2);
	unsigned op = below(r, 24), digit = below(r, 9);
	switch (op) {
	case 0: case 1: lines_addf(seq, "mkdir %s", p); break;
	case 2: lines_addf(seq, "creat %s", p); break;
	case 3: lines_addf(seq, "open %s %s %s", p, f, s); break;
	case 4: lines_addf(seq, "openat %s %s %s %s", d1, p, f, s); break;
	case 5: lines_addf(seq, "symlink %s %s", t, p); break;
	case 6: lines_addf(seq, "symlinkat %s %s %s", t, d1, p); break;
	case 7: lines_addf(seq, "rename %s %s", p, q); break;
	case 8: lines_addf(seq, "renameat %s %s %s %s", d1, p, d2, q); break;
	case 9: lines_addf(seq, "link %s %s", p, q); break;
	case 10: lines_addf(seq, "%s %s", coin ? "unlink" : "rmdir", p); break;
	case 11: lines_addf(seq, "unlinkat %s %s %s", d1, p, coin ? "d" : "f"); break;
	case 12: case 13: case 14: lines_addf(seq, "%s %s", st, p); break;
	case 15: lines_addf(seq, "access %s %s", p, coin ? "w" : "rx"); break;
	case 16: lines_addf(seq, "chdir %s", p); break;
	case 17: lines_addf(seq, "fchdir %s", s); break;
	case 18: lines_addf(seq, "%s %s %s", coin ? "fstatat" : "readlinkat", d1, p); break;
	case 19: lines_addf(seq, "mkdirat %s %s", d1, p); break;
	case 20: lines_addf(seq, "%s %s", coin ? "fdlist" : "procfd", s); break;
	case 21:
		if (coin)
			lines_addf(seq, "write %s x%u", s, digit);
		else
			lines_addf(seq, "read %s", s);
		break;
	case 22: /* a script, its #! line in /tmp or not, then run it */
		lines_addf(seq, "script %s %s", p, coin ? "/bin/sh" : "/tmp/a");
		lines_addf(seq, "exec %s %s", coin2 ? p : "/tmp/a", q);
		break;
	default: lines_addf(seq, "close %s", s); break;
	}
}

void diff_generate(uint64_t seed, struct lines *seq)
{
	struct rng r = {seed * 0x2545f4914f6cdd1dULL + 1};
	/* Most sequences begin with something to work on. */
	if (below(&r, 4))
		lines_add(seq, "mkdir /tmp/a");
	for (unsigned n = 8 + below(&r, 25), i = 0; i < n; i++)
		gen_op(&r, seq);
}
