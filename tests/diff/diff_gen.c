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
    "/tmp",  "/tmp",	    "/tmp",	   "/var/tmp",	      "/var/tmp", "//tmp/.",
    "/tmp/", "/tmp/../tmp", "/tmp/a/..",   "/var/tmp/../tmp", "@R/tmp",	  "@R/var/tmp",
    "@O",    "@O",	    "/./var//tmp", "/var/../tmp",
};
static const char *const names[] = {"a", "b", "l", "a", "b", "l", "..", "."};
static const char *const relatives[] = {
    "a", "b", "l", "a/b", "../a", "..", "../..", ".", "tmp/a", "var/tmp/b", "l/a", "a/../b",
};
static const char *const oddities[] = {
    "/",
    "@R",
    "@R/..",
    "@B",
    "/tmp/..",
    "/var/tmp/..",
    "/var/tmp/../..",
    "/tmp/../a",
    "/tmp/../tmp/a",
    "/tmp/../../../..",
    "/var",
    "tmp",
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
	static const char *const targets[] = {"a",    "../a",	"..",	"../..",      "../../tmp/a",
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
 * The operations and their weights (a line each, repeated to weigh more).
 * Upper-case letters are drawn: P and Q paths, T a link target, F open
 * flags, S a slot, D and E directory slots, X a call that only looks, I an
 * interpreter, V the program to run (P or /tmp/a), N a digit. A "\n"
 * makes two operations.
 */
static const char *const templates[] = {
    "mkdir P",
    "mkdir P",
    "creat P",
    "open P F S",
    "openat D P F S",
    "symlink T P",
    "symlinkat T D P",
    "rename P Q",
    "renameat D P E Q",
    "link P Q",
    "unlink P",
    "rmdir P",
    "unlinkat D P d",
    "unlinkat D P f",
    "X P",
    "X P",
    "X P",
    "access P w",
    "access P rx",
    "chdir P",
    "fchdir S",
    "fstatat D P",
    "readlinkat D P",
    "mkdirat D P",
    "fdlist S",
    "procfd S",
    "write S xN",
    "read S",
    "close S",
    "X P",
    "X P",
    "readlink P",
    "lstat P",
    "realpath P",
    "script P I\nexec V Q",
};

/* The value of placeholder @c, drawn in gen_op()'s fixed order. */
struct draws {
	char p[512], q[512], t[512], n[4];
	const char *f, *s, *d, *e, *x, *i, *v;
};

static const char *draw_value(const struct draws *d, char c)
{
	switch (c) {
	case 'P':
		return d->p;
	case 'Q':
		return d->q;
	case 'T':
		return d->t;
	case 'F':
		return d->f;
	case 'S':
		return d->s;
	case 'D':
		return d->d;
	case 'E':
		return d->e;
	case 'X':
		return d->x;
	case 'I':
		return d->i;
	case 'V':
		return d->v;
	case 'N':
		return d->n;
	default:
		return NULL;
	}
}

/*
 * One operation. Every random choice is drawn first, in a fixed order (the
 * order function arguments are evaluated in is unspecified).
 */
static void gen_op(struct rng *r, struct lines *seq)
{
	static const char *const flags[] = {"rc", "wc",	  "wcx", "rd",	"r",
					    "rn", "rwct", "p",	 "rdn", "wa"};
	static const char *const looks[] = {"stat",   "lstat", "realpath", "readlink",
					    "access", "list",  "getcwd",   "proccwd"};
	static const char *const interps[] = {"/bin/sh", "/tmp/a"};
	struct draws d;
	gen_path(r, d.p, sizeof(d.p));
	gen_path(r, d.q, sizeof(d.q));
	gen_target(r, d.t, sizeof(d.t));
	d.f = PICK(r, flags);
	d.x = PICK(r, looks);
	d.i = PICK(r, interps);
	d.s = slot(r);
	d.d = dir_slot(r);
	d.e = dir_slot(r);
	d.v = below(r, 2) ? d.p : "/tmp/a";
	snprintf(d.n, sizeof(d.n), "%u", below(r, 9));
	char line[2048] = "";
	for (const char *c = PICK(r, templates); *c; c++) {
		const char *value = draw_value(&d, *c);
		size_t len = strlen(line);
		if (*c == '\n') {
			lines_add(seq, line);
			line[0] = '\0';
		} else if (value) {
			snprintf(line + len, sizeof(line) - len, "%s", value);
		} else if (len + 1 < sizeof(line)) {
			line[len] = *c;
			line[len + 1] = '\0';
		}
	}
	lines_add(seq, line);
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
