/* SPDX-License-Identifier: MIT */
/*
 * One audit line into a struct audit_record. The shim writes a narrow JSON
 * (one flat object of strings, numbers, null and true), so this is a small
 * recursive-descent reader of our own rather than a library: it decodes
 * strings in place (an escape is never shorter than what it stands for),
 * skips keys it does not know whatever their value (a newer shim may add
 * them), and says what is wrong with a line it cannot read.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Nested values of unknown keys deeper than this are refused. */
#define MAX_DEPTH 32

struct cursor {
	char *p;
	const char *why;
};

static int fail(struct cursor *c, const char *why)
{
	if (!c->why)
		c->why = why;
	return -EINVAL;
}

static void skip_space(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')
		c->p++;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* \uXXXX at @in (after the backslash and u) into @out; bytes written or -1.
 * \u0080..\u00ff stand for raw bytes (the shim's escape of non-UTF-8). */
static int decode_unicode(const char *in, char *out)
{
	unsigned value = 0;

	for (int i = 0; i < 4; i++) {
		int digit = hex_value(in[i]);
		if (digit < 0)
			return -1;
		value = value << 4 | (unsigned)digit;
	}
	if (value == 0)
		return -1; /* a NUL would cut the string short */
	if (value <= 0xff) {
		out[0] = (char)value;
		return 1;
	}
	if (value <= 0x7ff) {
		out[0] = (char)(0xc0 | value >> 6);
		out[1] = (char)(0x80 | (value & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | value >> 12);
	out[1] = (char)(0x80 | ((value >> 6) & 0x3f));
	out[2] = (char)(0x80 | (value & 0x3f));
	return 3;
}

/* A string at the cursor, decoded in place; *@out points at it. */
static int parse_string(struct cursor *c, const char **out)
{
	static const char plain[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";

	if (*c->p != '"')
		return fail(c, "a string was expected");
	char *read = c->p + 1, *write = read;
	*out = write;
	for (;;) {
		unsigned char ch = (unsigned char)*read;
		if (ch == '"')
			break;
		if (ch == '\0' || ch < 0x20)
			return fail(c, "a string is not closed, or holds a control character");
		if (ch != '\\') {
			*write++ = *read++;
			continue;
		}
		const char *escape = strchr(plain, read[1]);
		if (read[1] == 'u') {
			int n = decode_unicode(read + 2, write);
			if (n < 0)
				return fail(c,
					    "a \\u escape is not four hex digits, or is \\u0000");
			write += n;
			read += 6;
		} else if (read[1] && escape) {
			*write++ = decoded[escape - plain];
			read += 2;
		} else {
			return fail(c, "a string holds an unknown escape");
		}
	}
	c->p = read + 1;
	*write = '\0';
	return 0;
}

/* A JSON number; its integer part in *@value. */
static int parse_number(struct cursor *c, long *value)
{
	char *end;

	errno = 0;
	*value = strtol(c->p, &end, 10);
	if (end == c->p || (c->p[0] == '-' && !(c->p[1] >= '0' && c->p[1] <= '9')) || errno)
		return fail(c, "a number was expected");
	c->p = end;
	if (*c->p == '.') {
		c->p++;
		if (!(*c->p >= '0' && *c->p <= '9'))
			return fail(c, "a number has no digits after its point");
		while (*c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (*c->p == 'e' || *c->p == 'E') {
		c->p += 1 + (c->p[1] == '+' || c->p[1] == '-');
		if (!(*c->p >= '0' && *c->p <= '9'))
			return fail(c, "a number has no digits in its exponent");
		while (*c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	return 0;
}

static bool take_word(struct cursor *c, const char *word)
{
	size_t len = strlen(word);

	if (strncmp(c->p, word, len) != 0)
		return false;
	c->p += len;
	return true;
}

/* Any value, thrown away (a key we do not know). */
static int skip_value(struct cursor *c, int depth)
{
	const char *ignored;
	long number;

	skip_space(c);
	if (*c->p == '"')
		return parse_string(c, &ignored);
	if (take_word(c, "null") || take_word(c, "true") || take_word(c, "false"))
		return 0;
	if (*c->p != '{' && *c->p != '[')
		return parse_number(c, &number);
	if (depth >= MAX_DEPTH)
		return fail(c, "values nest too deep");
	char close = *c->p == '{' ? '}' : ']';
	bool object = close == '}';
	c->p++;
	skip_space(c);
	if (*c->p == close) {
		c->p++;
		return 0;
	}
	for (;;) {
		skip_space(c);
		if (object && (parse_string(c, &ignored) < 0 || (skip_space(c), *c->p++ != ':')))
			return fail(c, "an object member has no key");
		if (skip_value(c, depth + 1) < 0)
			return -EINVAL;
		skip_space(c);
		if (*c->p == close) {
			c->p++;
			return 0;
		}
		if (*c->p++ != ',')
			return fail(c, "',' or the end of a value was expected");
	}
}

/* "O_WRONLY|O_CREAT|0100000" back into flags. */
static int parse_flags(const char *text)
{
	static const struct {
		const char *name;
		int bits;
	} names[] = {
	    {"O_RDONLY", O_RDONLY},   {"O_WRONLY", O_WRONLY},	  {"O_RDWR", O_RDWR},
	    {"O_ACCMODE", O_ACCMODE}, {"O_PATH", O_PATH},	  {"O_TMPFILE", O_TMPFILE},
	    {"O_CREAT", O_CREAT},     {"O_EXCL", O_EXCL},	  {"O_TRUNC", O_TRUNC},
	    {"O_APPEND", O_APPEND},   {"O_NOFOLLOW", O_NOFOLLOW}, {"O_DIRECTORY", O_DIRECTORY},
	    {"O_CLOEXEC", O_CLOEXEC}, {"O_NOCTTY", O_NOCTTY},	  {"O_NONBLOCK", O_NONBLOCK},
	    {"O_SYNC", O_SYNC},	      {"O_DSYNC", O_DSYNC}};
	int flags = 0;

	while (*text) {
		size_t len = strcspn(text, "|");
		if (text[0] >= '0' && text[0] <= '9')
			flags |= (int)strtol(text, NULL, 8);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && strncmp(names[i].name, text, len) == 0)
				flags |= names[i].bits;
		text += len + (text[len] == '|');
	}
	return flags;
}

static int octal_or_none(const char *text)
{
	char *end;
	long value = strtol(text, &end, 8);

	return end != text && *end == '\0' && value >= 0 && value <= 07777 ? (int)value : -1;
}

/* Which record field a known key fills. */
static int take_string(struct cursor *c, const char **out, bool *was_null)
{
	if (was_null && take_word(c, "null")) {
		*was_null = true;
		return 0;
	}
	return parse_string(c, out);
}

static int parse_member(struct cursor *c, const char *key, struct audit_record *r)
{
	const char *text = NULL;
	bool null = false;

	if (!strcmp(key, "pid"))
		return parse_number(c, &r->pid);
	if (!strcmp(key, "ppid"))
		return parse_number(c, &r->ppid);
	if (!strcmp(key, "result"))
		return parse_number(c, &r->result);
	if (!strcmp(key, "errno"))
		return parse_number(c, &r->error);
	if (!strcmp(key, "exe"))
		return parse_string(c, &r->exe);
	if (!strcmp(key, "argv0"))
		return parse_string(c, &r->argv0);
	if (!strcmp(key, "call"))
		return parse_string(c, &r->call);
	if (!strcmp(key, "path"))
		return parse_string(c, &r->path);
	if (!strcmp(key, "path2")) {
		r->has_path2 = true;
		return parse_string(c, &r->path2);
	}
	if (!strcmp(key, "mapped"))
		return take_string(c, &text, &r->mapped_null);
	if (!strcmp(key, "generated")) {
		r->generated = take_word(c, "true");
		return r->generated || take_word(c, "false") ? 0
							     : fail(c, "true or false expected");
	}
	if (!strcmp(key, "flags") || !strcmp(key, "mode") || !strcmp(key, "perm")) {
		if (take_string(c, &text, &null) < 0)
			return -EINVAL;
		if (null)
			return 0;
		if (key[0] == 'f') {
			r->has_flags = true;
			r->flags = parse_flags(text);
		} else {
			*(key[0] == 'm' ? &r->mode : &r->perm) = octal_or_none(text);
		}
		return 0;
	}
	return skip_value(c, 0);
}

int report_parse_line(char *line, struct audit_record *record, const char **why)
{
	struct cursor c = {.p = line};

	*record = (struct audit_record){
	    .exe = "", .argv0 = "", .mode = -1, .perm = -1, .pid = -1, .ppid = -1};
	skip_space(&c);
	if (*c.p++ != '{')
		return *why = "not a JSON object", -EINVAL;
	skip_space(&c);
	if (*c.p == '}')
		return *why = "an empty object", -EINVAL;
	for (;;) {
		const char *key;
		skip_space(&c);
		if (parse_string(&c, &key) < 0 || (skip_space(&c), *c.p++ != ':'))
			return *why = c.why ? c.why : "a key without ':'", -EINVAL;
		skip_space(&c);
		if (parse_member(&c, key, record) < 0)
			return *why = c.why ? c.why : "a value of the wrong type", -EINVAL;
		skip_space(&c);
		if (*c.p == '}')
			break;
		if (*c.p++ != ',')
			return *why = "',' or '}' expected after a value", -EINVAL;
	}
	c.p++;
	skip_space(&c);
	if (*c.p != '\0')
		return *why = "text after the object", -EINVAL;
	if (!record->call)
		return *why = "no \"call\"", -EINVAL;
	return 0;
}
