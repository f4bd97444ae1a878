/* SPDX-License-Identifier: MIT */
/*
 * The differential tester (tests/diff/README.md): a sequence of path
 * operations runs once under tmpjail and once in a private mount namespace
 * whose /tmp and /var/tmp are the run's directories bind-mounted; every
 * line of the two transcripts and the final trees must agree.
 */
#ifndef TMPJAIL_TESTS_DIFF_H
#define TMPJAIL_TESTS_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growing list of malloc'd lines (a sequence, a transcript, a tree). */
struct lines {
	char **line;
	size_t count, cap;
};

void lines_add(struct lines *l, const char *text);
void lines_addf(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lines_free(struct lines *l);
void lines_copy(struct lines *to, const struct lines *from);
/* lines_split() - append each line of @text (a NUL-terminated buffer). */
void lines_split(struct lines *l, const char *text);
/* lines_sort() - sort in strcmp order. */
void lines_sort(struct lines *l);

/* diff_generate() - the sequence of @seed (the same for the same seed). */
void diff_generate(uint64_t seed, struct lines *seq);

/* What one side of a run produced. */
struct side {
	struct lines transcript; /* one line per operation, then "end" */
	struct lines tree;	 /* "tree PATH ..." for the whole base */
	int status;		 /* the executor's (or the launcher's) exit status */
};

/* The paths one tester process works in (set up by diff_env_init()). */
struct diff_env {
	char work[4096]; /* scratch directory of this process (build tree) */
	char base[4200]; /* work/B: the launcher's --base, writable in the runs */
	char launcher[4096];
	char executor[4096];
	bool userns; /* not root: a user namespace comes with the mount one */
	int self_check; /* 0; 1: the reference against itself; 2: and a planted defect */
};

/*
 * diff_env_init() - check that a mount namespace can be made and prepare
 * the scratch directory under @scratch_parent.
 * Return: 0; -errno, with @why saying what is missing (a skip).
 */
int diff_env_init(struct diff_env *env, const char *scratch_parent, char *why, size_t why_len);
void diff_env_fini(struct diff_env *env);

/*
 * diff_run_pair() - run @seq under the shim (@shim) and in the reference
 * (@ref); with env->self_check, the reference on both sides (the first
 * with the executor's planted defect when it is 2), which checks the tester.
 * Return: 0, or -errno when a run could not be made at all.
 */
int diff_run_pair(struct diff_env *env, const struct lines *seq, struct side *shim,
		  struct side *ref);
void side_free(struct side *s);
/* diff_dump_tree() - the lines of the base of @env, its root named @root_name. */
void diff_dump_tree(const struct diff_env *env, const char *root_name, struct lines *tree);

/* One mismatch: the two lines that differ (either may be "(none)"). */
struct mismatch {
	char *shim, *ref;
	long op;	    /* index of its operation; -1 another line, -2 the tree */
	char signature[96]; /* what shrinking must keep: op name and shape */
};

/*
 * diff_mismatches() - the mismatches of @shim and @ref: every differing
 * transcript line (later ones may follow from earlier ones), or, when the
 * transcripts agree, every differing tree line. Return: how many were put
 * in @out (at most @max). diff_tree_mismatches(): the tree's alone.
 */
size_t diff_mismatches(const struct side *shim, const struct side *ref, struct mismatch *out,
		       size_t max);
size_t diff_tree_mismatches(const struct side *shim, const struct side *ref, struct mismatch *out,
			    size_t max);
void mismatch_free(struct mismatch *m, size_t n);

/* The known-mismatch list (known-mismatches.txt). */
struct known;
int known_load(const char *path, struct known **out, char *why, size_t why_len);
void known_free(struct known *k);
/* known_match() - the name of the class @m (of a run of @seq) belongs to, or NULL. */
const char *known_match(const struct known *k, const struct mismatch *m, const struct lines *seq);
/* known_count() - count one more seed for class @name; known_report() prints the counts. */
void known_count(struct known *k, const char *name);
void known_report(const struct known *k);

enum verdict { VERDICT_CLEAN, VERDICT_KNOWN, VERDICT_NEW, VERDICT_ERROR };

/* What diff_evaluate() found. */
struct evaluation {
	enum verdict verdict;
	struct lines classes;	 /* the known classes seen (one per elision) */
	struct mismatch unknown; /* the first mismatch no class explains */
	long runs;		 /* pairs run */
};

/*
 * diff_evaluate() - run @seq; while the first mismatch is of a known class,
 * drop the operation it is on and run again (a known mismatch changes what
 * follows); stop at the first unknown one.
 */
enum verdict diff_evaluate(struct diff_env *env, const struct known *known, const struct lines *seq,
			   struct evaluation *ev);
void evaluation_free(struct evaluation *ev);

/*
 * diff_shrink() - shorten @seq (in place) while diff_evaluate() still finds
 * an unknown mismatch with @signature: drop operations, then simplify paths.
 */
void diff_shrink(struct diff_env *env, const struct known *known, struct lines *seq,
		 const char *signature);

#endif
