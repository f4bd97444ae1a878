/* SPDX-License-Identifier: MIT */
/*
 * Judging a sequence (known mismatches elided) and shrinking one that
 * fails to the shortest that still fails the same way.
 */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* At most this many pairs per judgement, and per shrink. */
#define MAX_ELISIONS 64
#define SHRINK_BUDGET 300

void evaluation_free(struct evaluation *ev)
{
	lines_free(&ev->classes);
	mismatch_free(&ev->unknown, 1);
}

static void lines_remove(struct lines *l, size_t from, size_t count)
{
	for (size_t i = from; i < from + count && i < l->count; i++)
		free(l->line[i]);
	if (from + count > l->count)
		count = l->count - from;
	memmove(l->line + from, l->line + from + count, (l->count - from - count) * sizeof(char *));
	l->count -= count;
}

/* Operations that change nothing a later one sees (the scripts only read). */
static bool changes_nothing(const struct mismatch *m)
{
	static const char *const pure[] = {"readlink", "readlinkat", "realpath", "stat",   "lstat",
					   "fstatat",  "access",     "list",	 "fdlist", "getcwd",
					   "proccwd",  "procfd",     "read",	 "exec"};
	size_t len = strcspn(m->signature, ":");
	for (size_t i = 0; i < sizeof(pure) / sizeof(pure[0]); i++)
		if (strlen(pure[i]) == len && !strncmp(pure[i], m->signature, len))
			return true;
	return false;
}

/* What to do after one pair: judged, or run again without some operations. */
enum step { STEP_DONE, STEP_RERUN };

/*
 * judge() - look at one pair's mismatches @m[@n] (of a run of @seq) in order. A known one on
 * an operation that changes nothing is passed over; a known one on any
 * other operation, or an unknown one after some were passed over, asks
 * for a run without those operations (@drop, @ndrop), since what follows
 * may come from them. Sets ev->verdict when done.
 */
static enum step judge(const struct known *known, const struct lines *seq, struct mismatch *m,
		       size_t n, struct evaluation *ev, long *drop, size_t *ndrop)
{
	*ndrop = 0;
	for (size_t i = 0; i < n; i++) {
		const char *cls = known_match(known, &m[i], seq);
		if (!cls && *ndrop)
			return STEP_RERUN;
		if (!cls) {
			ev->unknown = m[i];
			m[i] = (struct mismatch){0};
			ev->verdict = VERDICT_NEW;
			return STEP_DONE;
		}
		lines_add(&ev->classes, cls);
		if (m[i].op < 0)
			continue;
		drop[(*ndrop)++] = m[i].op;
		if (!changes_nothing(&m[i]))
			return STEP_RERUN;
	}
	ev->verdict = ev->classes.count ? VERDICT_KNOWN : VERDICT_CLEAN;
	return STEP_DONE;
}

enum verdict diff_evaluate(struct diff_env *env, const struct known *known, const struct lines *seq,
			   struct evaluation *ev)
{
	struct lines cur = {0};
	lines_copy(&cur, seq);
	*ev = (struct evaluation){.verdict = VERDICT_KNOWN};
	for (int round = 0; round < MAX_ELISIONS; round++) {
		struct side shim = {0}, ref = {0};
		struct mismatch m[64] = {0};
		int err = diff_run_pair(env, &cur, &shim, &ref);
		ev->runs++;
		size_t n = err ? 0 : diff_mismatches(&shim, &ref, m, 64);
		side_free(&shim);
		side_free(&ref);
		if (err) {
			fprintf(stderr, "tj_diff: a run could not be made: %s\n", strerror(-err));
			ev->verdict = VERDICT_ERROR;
			break;
		}
		long drop[64];
		size_t ndrop;
		enum step step = judge(known, &cur, m, n, ev, drop, &ndrop);
		mismatch_free(m, n);
		if (step == STEP_DONE)
			break;
		/* Drop from the last, so the indices stay right. */
		for (size_t i = ndrop; i-- > 0;)
			if ((size_t)drop[i] < cur.count)
				lines_remove(&cur, (size_t)drop[i], 1);
	}
	lines_free(&cur);
	return ev->verdict;
}

/* Does @seq still fail with @signature? */
static bool still_fails(struct diff_env *env, const struct known *known, const struct lines *seq,
			const char *signature, int *budget)
{
	struct evaluation ev;
	if (--*budget < 0)
		return false;
	bool fails = diff_evaluate(env, known, seq, &ev) == VERDICT_NEW &&
		     !strcmp(ev.unknown.signature, signature);
	evaluation_free(&ev);
	return fails;
}

/* Drop chunks of operations, halving the chunk, while it still fails. */
static void drop_operations(struct diff_env *env, const struct known *known, struct lines *seq,
			    const char *signature, int *budget)
{
	for (size_t chunk = seq->count / 2 ? seq->count / 2 : 1; chunk >= 1; chunk /= 2) {
		for (size_t i = 0; i < seq->count && seq->count > 1;) {
			struct lines cand = {0};
			lines_copy(&cand, seq);
			lines_remove(&cand, i, chunk);
			if (cand.count && still_fails(env, known, &cand, signature, budget)) {
				lines_free(seq);
				*seq = cand;
			} else {
				lines_free(&cand);
				i += chunk;
			}
		}
	}
}

/* Simpler spellings of a path, tried in turn on every token. */
static const char *const rewrites[][2] = {
    {"//", "/"},	  {"/./", "/"},	      {"/tmp/../tmp", "/tmp"},
    {"/var/tmp", "/tmp"}, {"@R/tmp", "/tmp"}, {"/a/b/..", "/a"},
    {"/..", ""},	  {"/b", "/a"},	      {"/l", "/a"},
    {"/.", ""},		  {"/a", ""},
};

static bool rewrite_token(const char *token, size_t which, char *out, size_t size)
{
	const char *at = strstr(token, rewrites[which][0]);
	if (!at)
		return false;
	snprintf(out, size, "%.*s%s%s", (int)(at - token), token, rewrites[which][1],
		 at + strlen(rewrites[which][0]));
	return out[0] != '\0';
}

/* Rewrite one token of line @i of @seq; keep it if it still fails. */
static bool simplify_token(struct diff_env *env, const struct known *known, struct lines *seq,
			   size_t i, size_t t, const char *signature, int *budget)
{
	char copy[4096], *tok[8], *save = NULL, token[4096];
	snprintf(copy, sizeof(copy), "%s", seq->line[i]);
	size_t n = 0;
	for (char *p = strtok_r(copy, " ", &save); p && n < 8; p = strtok_r(NULL, " ", &save))
		tok[n++] = p;
	for (size_t r = 0; t < n && r < sizeof(rewrites) / sizeof(rewrites[0]); r++) {
		if (!rewrite_token(tok[t], r, token, sizeof(token)))
			continue;
		struct lines cand = {0};
		for (size_t k = 0; k < seq->count; k++) {
			if (k != i) {
				lines_add(&cand, seq->line[k]);
				continue;
			}
			char line[8192] = "";
			for (size_t j = 0; j < n; j++)
				snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s",
					 j ? " " : "", j == t ? token : tok[j]);
			lines_add(&cand, line);
		}
		if (still_fails(env, known, &cand, signature, budget)) {
			lines_free(seq);
			*seq = cand;
			return true;
		}
		lines_free(&cand);
	}
	return false;
}

void diff_shrink(struct diff_env *env, const struct known *known, struct lines *seq,
		 const char *signature)
{
	int budget = SHRINK_BUDGET;
	drop_operations(env, known, seq, signature, &budget);
	for (size_t i = 0; i < seq->count && budget > 0; i++)
		for (size_t t = 1; t < 8 && budget > 0; t++)
			while (budget > 0 &&
			       simplify_token(env, known, seq, i, t, signature, &budget))
				;
	drop_operations(env, known, seq, signature, &budget);
}
