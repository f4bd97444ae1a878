/* SPDX-License-Identifier: MIT */
/* Lines, and the comparison of two sides of a run (diff.h). */
#include "diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lines_add(struct lines *l, const char *text)
{
	if (l->count == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->line = realloc(l->line, l->cap * sizeof(l->line[0]));
		if (!l->line)
			abort();
	}
	l->line[l->count] = strdup(text);
	if (!l->line[l->count++])
		abort();
}

void lines_addf(struct lines *l, const char *fmt, ...)
{
	char *text;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	lines_add(l, text);
	free(text);
}

void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->line[i]);
	free(l->line);
	*l = (struct lines){0};
}

void lines_copy(struct lines *to, const struct lines *from)
{
	for (size_t i = 0; i < from->count; i++)
		lines_add(to, from->line[i]);
}

void lines_split(struct lines *l, const char *text)
{
	while (*text) {
		const char *end = strchrnul(text, '\n');
		lines_addf(l, "%.*s", (int)(end - text), text);
		text = *end ? end + 1 : end;
	}
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void lines_sort(struct lines *l)
{
	if (l->count)
		qsort(l->line, l->count, sizeof(l->line[0]), cmp_lines);
}

void side_free(struct side *s)
{
	lines_free(&s->transcript);
	lines_free(&s->tree);
}

void mismatch_free(struct mismatch *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].shim);
		free(m[i].ref);
		m[i].shim = m[i].ref = NULL;
	}
}

/* The result part of a transcript line: what follows " = ". */
static const char *result_of(const char *line)
{
	const char *r = strstr(line, " = ");
	return r ? r + 3 : "";
}

/* Is the first word of the results (return value or errno) the same? */
static bool same_return(const char *a, const char *b)
{
	size_t la = strcspn(a, " "), lb = strcspn(b, " ");
	if (!strncmp(a, "-1 ", 3) && !strncmp(b, "-1 ", 3))
		return same_return(a + 3, b + 3);
	return la == lb && !strncmp(a, b, la);
}

/* The return part of a result: "-1 ENAME", or its first word ("0", "fd", "exit"). */
static int return_length(const char *result)
{
	size_t len = strcspn(result, " ");
	if (!strncmp(result, "-1 ", 3) || !strncmp(result, "exit ", 5))
		len += 1 + strcspn(result + len + 1, " ");
	return (int)len;
}

/*
 * "N op ..." -> "op:out" when only what was returned differs, else
 * "op:RET/RET" with both returns ("op:-1 EACCES/-1 EXDEV"): what shrinking
 * must keep, so that it does not wander off to another mismatch.
 */
static void transcript_signature(const char *shim, const char *ref, char *sig, size_t size)
{
	const char *line = strcmp(shim, "(none)") ? shim : ref;
	const char *op = strchr(line, ' ');
	op = op ? op + 1 : line;
	int oplen = (int)strcspn(op, " ");
	const char *a = result_of(shim), *b = result_of(ref);
	if (!strcmp(shim, "(none)") || !strcmp(ref, "(none)"))
		snprintf(sig, size, "%.*s:missing", oplen, op);
	else if (same_return(a, b))
		snprintf(sig, size, "%.*s:out", oplen, op);
	else
		snprintf(sig, size, "%.*s:%.*s/%.*s", oplen, op, return_length(a), a,
			 return_length(b), b);
}

static void add_mismatch(struct mismatch *m, const char *shim, const char *ref, long op)
{
	m->shim = strdup(shim);
	m->ref = strdup(ref);
	m->op = op;
	if (op >= -1 && strncmp(shim, "tree ", 5) && strncmp(ref, "tree ", 5)) {
		transcript_signature(shim, ref, m->signature, sizeof(m->signature));
	} else {
		const char *shape = !strcmp(shim, "(none)")  ? "only-ref"
				    : !strcmp(ref, "(none)") ? "only-shim"
							     : "differs";
		snprintf(m->signature, sizeof(m->signature), "tree:%s", shape);
	}
}

/* The path of a "tree PATH ..." line, for merging the two trees. */
static int tree_path_cmp(const char *a, const char *b)
{
	size_t la = strcspn(a + 5, " "), lb = strcspn(b + 5, " ");
	int c = strncmp(a + 5, b + 5, la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

static size_t tree_mismatches(const struct side *shim, const struct side *ref, struct mismatch *out,
			      size_t max)
{
	size_t i = 0, j = 0, n = 0;
	while ((i < shim->tree.count || j < ref->tree.count) && n < max) {
		const char *a = i < shim->tree.count ? shim->tree.line[i] : NULL;
		const char *b = j < ref->tree.count ? ref->tree.line[j] : NULL;
		int c = !a ? 1 : !b ? -1 : tree_path_cmp(a, b);
		if (c == 0 && !strcmp(a, b)) {
			i++, j++;
			continue;
		}
		add_mismatch(&out[n++], c <= 0 ? a : "(none)", c >= 0 ? b : "(none)", -2);
		i += c <= 0;
		j += c >= 0;
	}
	return n;
}

size_t diff_mismatches(const struct side *shim, const struct side *ref, struct mismatch *out,
		       size_t max)
{
	size_t count = shim->transcript.count > ref->transcript.count ? shim->transcript.count
								      : ref->transcript.count;
	size_t n = 0;
	for (size_t i = 0; i < count && n < max; i++) {
		const char *a = i < shim->transcript.count ? shim->transcript.line[i] : "(none)";
		const char *b = i < ref->transcript.count ? ref->transcript.line[i] : "(none)";
		if (strcmp(a, b)) {
			/* The line starts with the index of its operation. */
			char *end;
			long op = strtol(strcmp(a, "(none)") ? a : b, &end, 10);
			add_mismatch(&out[n++], a, b, *end == ' ' ? op : -1);
		}
	}
	return n ? n : tree_mismatches(shim, ref, out, max);
}

size_t diff_tree_mismatches(const struct side *shim, const struct side *ref, struct mismatch *out,
			    size_t max)
{
	return tree_mismatches(shim, ref, out, max);
}
