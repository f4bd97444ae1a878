/* SPDX-License-Identifier: MIT */
/*
 * The known-mismatch list (known-mismatches.txt): classes of mismatches
 * the shim has today, each with regular expressions for the shim's line
 * and the reference's line. A mismatch of a listed class is counted, not
 * failed; anything else fails the test.
 *
 *   [class-name]
 *   shim  = POSIX extended regex the shim's line must match
 *   ref   = ... the reference's line (either may be left out: any line)
 *   after = ... an operation before the mismatch must match (optional):
 *           for a cause that shows only later (a link made, used later)
 *   why   = the reason, in words
 *   repro = the minimized reproducer (may repeat)
 *
 * A write that escaped the private dirs (" [real tmp changed]" or
 * " [base changed]" on the shim's line) is excused only by a class whose
 * shim regex names that mark itself -- a documented escape -- never by a
 * broad one (an "after" alone, or a regex that ignores the marks).
 */
#include "diff.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct known_class {
	char name[96];
	regex_t shim, ref, after;
	bool has_shim, has_ref, has_after;
	bool names_real,
	    names_base; /* its shim regex names " [real tmp changed]", " [base changed]" */
	unsigned long seeds;
};

struct known {
	struct known_class *cls;
	size_t count;
};

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Take one "key = value" line into the last class. */
static int parse_entry(struct known *k, char *line, char *why, size_t why_len)
{
	char *eq = strchr(line, '=');
	if (!eq || !k->count) {
		snprintf(why, why_len, "not '[class]' nor 'key = value' in a class: %s", line);
		return -EINVAL;
	}
	*eq = '\0';
	char *key = trim(line), *value = trim(eq + 1);
	struct known_class *c = &k->cls[k->count - 1];
	regex_t *re = !strcmp(key, "shim")    ? &c->shim
		      : !strcmp(key, "ref")   ? &c->ref
		      : !strcmp(key, "after") ? &c->after
					      : NULL;
	if (!re) {
		if (!strcmp(key, "why") || !strcmp(key, "repro"))
			return 0;
		snprintf(why, why_len, "[%s]: unknown key %s", c->name, key);
		return -EINVAL;
	}
	bool *has = re == &c->shim ? &c->has_shim : re == &c->ref ? &c->has_ref : &c->has_after;
	if (*has || regcomp(re, value, REG_EXTENDED | REG_NOSUB)) {
		snprintf(why, why_len, "[%s] %s: repeated or bad regex: %s", c->name, key, value);
		return -EINVAL;
	}
	*has = true;
	if (re == &c->shim) {
		c->names_real = strstr(value, "real tmp changed") != NULL;
		c->names_base = strstr(value, "base changed") != NULL;
	}
	return 0;
}

int known_load(const char *path, struct known **out, char *why, size_t why_len)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	struct known *k = calloc(1, sizeof(*k));
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	while (!err && getline(&line, &cap, f) > 0) {
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			k->cls = realloc(k->cls, (k->count + 1) * sizeof(k->cls[0]));
			struct known_class *c = &k->cls[k->count++];
			*c = (struct known_class){0};
			snprintf(c->name, sizeof(c->name), "%.*s", (int)strcspn(s + 1, "]"), s + 1);
		} else {
			err = parse_entry(k, s, why, why_len);
		}
	}
	free(line);
	fclose(f);
	if (err) {
		known_free(k);
		return err;
	}
	*out = k;
	return 0;
}

void known_free(struct known *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->count; i++) {
		if (k->cls[i].has_shim)
			regfree(&k->cls[i].shim);
		if (k->cls[i].has_ref)
			regfree(&k->cls[i].ref);
		if (k->cls[i].has_after)
			regfree(&k->cls[i].after);
	}
	free(k->cls);
	free(k);
}

/* Does an operation of @seq before the one of @m (any, for the tree) match @re? */
static bool earlier_matches(const regex_t *re, const struct lines *seq, const struct mismatch *m)
{
	size_t end = m->op >= 0 && (size_t)m->op < seq->count ? (size_t)m->op : seq->count;
	for (size_t i = 0; i < end; i++)
		if (!regexec(re, seq->line[i], 0, NULL, 0))
			return true;
	return false;
}

const char *known_match(const struct known *k, const struct mismatch *m, const struct lines *seq)
{
	bool real = strstr(m->shim, " [real tmp changed]") != NULL;
	bool base = strstr(m->shim, " [base changed]") != NULL;
	for (size_t i = 0; k && i < k->count; i++) {
		const struct known_class *c = &k->cls[i];
		if ((real && !c->names_real) || (base && !c->names_base))
			continue;
		if ((!c->has_shim || !regexec(&c->shim, m->shim, 0, NULL, 0)) &&
		    (!c->has_ref || !regexec(&c->ref, m->ref, 0, NULL, 0)) &&
		    (!c->has_after || earlier_matches(&c->after, seq, m)))
			return c->name;
	}
	return NULL;
}

void known_count(struct known *k, const char *name)
{
	for (size_t i = 0; k && i < k->count; i++)
		if (!strcmp(k->cls[i].name, name))
			k->cls[i].seeds++;
}

void known_report(const struct known *k)
{
	for (size_t i = 0; k && i < k->count; i++)
		printf("  known %-32s in %lu seeds\n", k->cls[i].name, k->cls[i].seeds);
}
