/* SPDX-License-Identifier: MIT */
/* The audit log's lines (audit_line.h). */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "audit_line.h"

void audit_put(struct audit_line *line, const char *text)
{
	size_t len = strlen(text);

	if (line->len + len < sizeof(line->buf)) {
		memcpy(line->buf + line->len, text, len);
		line->len += len;
	}
}

void audit_put_number(struct audit_line *line, long value, int min_digits)
{
	char text[24], *p = text + sizeof(text) - 1;
	unsigned long magnitude = value < 0 ? 0UL - (unsigned long)value : (unsigned long)value;

	*p = '\0';
	int digits = 0;
	do {
		*--p = (char)('0' + magnitude % 10);
		magnitude /= 10;
		digits++;
	} while (magnitude || digits < min_digits);
	if (value < 0)
		*--p = '-';
	audit_put(line, p);
}

/* Length of the valid UTF-8 sequence at @s (at most @left bytes), or 0. */
static size_t utf8_length(const unsigned char *s, size_t left)
{
	size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (len == 0 || s[0] > 0xf4 || len > left)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

void audit_put_string(struct audit_line *line, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)text;
	size_t left = strlen(text);

	audit_put(line, "\"");
	while (left > 0 && line->len + AUDIT_TAIL_ROOM < sizeof(line->buf)) {
		char *out = line->buf + line->len;
		size_t take = 1;
		if (*s == '"' || *s == '\\') {
			out[0] = '\\';
			out[1] = (char)*s;
			line->len += 2;
		} else if (*s < 0x20 || *s == 0x7f || (*s >= 0x80 && !utf8_length(s, left))) {
			memcpy(out, "\\u00", 4);
			out[4] = hex[*s >> 4];
			out[5] = hex[*s & 15];
			line->len += 6;
		} else {
			take = *s >= 0x80 ? utf8_length(s, left) : 1;
			memcpy(out, s, take);
			line->len += take;
		}
		s += take;
		left -= take;
	}
	audit_put(line, "\"");
}

void audit_put_octal(struct audit_line *line, unsigned value)
{
	char text[16], *p = text + sizeof(text) - 1;
	int digits = 0;

	*p = '\0';
	do {
		*--p = (char)('0' + (value & 7));
		value >>= 3;
		digits++;
	} while (value || digits < 4);
	audit_put(line, p);
}

void audit_put_flags(struct audit_line *line, int flags)
{
	static const struct {
		int bits;
		const char *name;
	} names[] = {
	    {O_TMPFILE, "O_TMPFILE"},	  {O_CREAT, "O_CREAT"},	    {O_EXCL, "O_EXCL"},
	    {O_TRUNC, "O_TRUNC"},	  {O_APPEND, "O_APPEND"},   {O_NOFOLLOW, "O_NOFOLLOW"},
	    {O_DIRECTORY, "O_DIRECTORY"}, {O_CLOEXEC, "O_CLOEXEC"}, {O_NOCTTY, "O_NOCTTY"},
	    {O_NONBLOCK, "O_NONBLOCK"},	  {O_SYNC, "O_SYNC"},	    {O_DSYNC, "O_DSYNC"},
	    {O_NOATIME, "O_NOATIME"},	  {O_DIRECT, "O_DIRECT"},   {O_LARGEFILE, "O_LARGEFILE"}};
	static const char *const access_modes[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	unsigned rest = (unsigned)flags & ~(unsigned)O_ACCMODE;

	audit_put(line, ",\"flags\":\"");
	audit_put(line, (flags & O_PATH) ? "O_PATH" : access_modes[flags & O_ACCMODE]);
	rest &= ~(unsigned)O_PATH;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned bits = (unsigned)names[i].bits;
		if (bits && (rest & bits) == bits) {
			audit_put(line, "|");
			audit_put(line, names[i].name);
			rest &= ~bits;
		}
	}
	if (rest) {
		audit_put(line, "|");
		audit_put_octal(line, rest);
	}
	audit_put(line, "\"");
}

void audit_line_start(struct audit_line *line, pid_t pid, pid_t ppid, const char *exe,
		      const char *argv0, const char *call)
{
	struct timespec now;

	line->len = 0;
	clock_gettime(CLOCK_REALTIME, &now);
	audit_put(line, "{\"time\":");
	audit_put_number(line, (long)now.tv_sec, 1);
	audit_put(line, ".");
	audit_put_number(line, now.tv_nsec / 1000, 6);
	audit_put(line, ",\"pid\":");
	audit_put_number(line, (long)pid, 1);
	audit_put(line, ",\"ppid\":");
	audit_put_number(line, (long)ppid, 1);
	audit_put(line, ",\"exe\":");
	audit_put_string(line, exe);
	audit_put(line, ",\"argv0\":");
	audit_put_string(line, argv0);
	audit_put(line, ",\"call\":");
	audit_put_string(line, call);
}

void audit_line_end(struct audit_line *line, const char *file, long result, int error)
{
	audit_put(line, ",\"result\":");
	audit_put_number(line, result, 1);
	audit_put(line, ",\"errno\":");
	audit_put_number(line, error, 1);
	audit_put(line, "}\n");

	int fd = (int)syscall(SYS_openat, AT_FDCWD, file,
			      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd >= 0) {
		if (syscall(SYS_write, fd, line->buf, line->len) < 0) {
			/* nothing to do: the audit is best effort */
		}
		syscall(SYS_close, fd);
	}
}
