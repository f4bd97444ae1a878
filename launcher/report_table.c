/* SPDX-License-Identifier: MIT */
/*
 * The findings, one per (program, kind, folded path): a fixed open-address
 * table, so a million lines about the same few files cost a few entries.
 * A log that names more distinct patterns than the table holds has the
 * rest counted as dropped, and the report says so.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* At most this many findings are kept apart (a power of two, half used). */
#define FINDINGS_MAX 32768
#define SLOTS (2 * FINDINGS_MAX)

static struct finding *slots[SLOTS];
static uint64_t slot_hash[SLOTS];
static size_t used;
static unsigned long dropped;

uint64_t report_hash(const char *text, uint64_t seed)
{
	uint64_t hash = 14695981039346656037ULL ^ seed;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		hash = (hash ^ *p) * 1099511628211ULL;
	return hash;
}

static bool token_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* Does the run @text (@len bytes of token_char) look made by a generator? */
static bool looks_random(const char *text, size_t len)
{
	size_t digits = 0, upper = 0, lower = 0;

	for (size_t i = 0; i < len; i++) {
		digits += text[i] >= '0' && text[i] <= '9';
		upper += text[i] >= 'A' && text[i] <= 'Z';
		lower += text[i] >= 'a' && text[i] <= 'z';
	}
	if (digits == len)
		return len >= 3; /* pids, times, counters */
	return len >= 6 && ((digits && (upper || lower)) || (upper && lower));
}

void report_fold(const char *path, char *out, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return;
	while (*path && n + 1 < size) {
		if (!token_char(*path)) {
			out[n++] = *path++;
			continue;
		}
		const char *start = path;
		while (token_char(*path))
			path++;
		size_t len = (size_t)(path - start);
		const char *text = looks_random(start, len) ? "XXXXXX" : start;
		if (text != start)
			len = 6;
		if (len > size - 1 - n)
			len = size - 1 - n;
		memcpy(out + n, text, len);
		n += len;
	}
	out[n] = '\0';
}

static bool same(const struct finding *f, enum report_kind kind, const char *program,
		 const char *pattern)
{
	return f->kind == kind && !strcmp(f->program, program) && !strcmp(f->pattern, pattern);
}

static struct finding *new_finding(enum report_kind kind, const char *program, const char *pattern,
				   const char *path, const char *detail)
{
	struct finding *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->kind = kind;
	f->program = strdup(program);
	f->pattern = strdup(pattern);
	f->example = strdup(path);
	f->detail = strdup(detail);
	if (!f->program || !f->pattern || !f->example || !f->detail) {
		free(f->program);
		free(f->pattern);
		free(f->example);
		free(f->detail);
		free(f);
		return NULL;
	}
	return f;
}

struct finding *report_add(enum report_kind kind, enum report_severity severity,
			   const char *program, const char *path, const char *detail, unsigned log,
			   unsigned long line)
{
	char pattern[PATH_MAX];

	report_fold(path, pattern, sizeof(pattern));
	uint64_t hash = report_hash(pattern, report_hash(program, kind));
	size_t at = hash & (SLOTS - 1);
	while (slots[at] && !(slot_hash[at] == hash && same(slots[at], kind, program, pattern)))
		at = (at + 1) & (SLOTS - 1);
	struct finding *f = slots[at];
	if (!f) {
		if (used >= FINDINGS_MAX ||
		    !(f = new_finding(kind, program, pattern, path, detail))) {
			dropped++;
			return NULL;
		}
		f->log = log;
		f->line = line;
		f->severity = severity;
		slots[at] = f;
		slot_hash[at] = hash;
		used++;
	}
	f->count++;
	if (severity > f->severity)
		f->severity = severity;
	return f;
}

static int by_severity(const void *a, const void *b)
{
	const struct finding *x = *(struct finding *const *)a, *y = *(struct finding *const *)b;
	int r;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((r = strcmp(x->program, y->program)))
		return r;
	return strcmp(x->pattern, y->pattern);
}

struct finding **report_sorted(size_t *count)
{
	struct finding **list = malloc((used ? used : 1) * sizeof(*list));
	size_t n = 0;

	if (!list)
		return NULL;
	/* A "left" finding whose every file was removed counts 0: not a finding. */
	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i] && slots[i]->count)
			list[n++] = slots[i];
	qsort(list, n, sizeof(*list), by_severity);
	*count = n;
	return list;
}

unsigned long report_dropped(void)
{
	return dropped;
}

void report_table_free(void)
{
	for (size_t i = 0; i < SLOTS; i++) {
		if (!slots[i])
			continue;
		free(slots[i]->program);
		free(slots[i]->pattern);
		free(slots[i]->example);
		free(slots[i]->detail);
		free(slots[i]);
		slots[i] = NULL;
	}
	used = 0;
	dropped = 0;
}
