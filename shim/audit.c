/* SPDX-License-Identifier: MIT */
/*
 * Per-call bookkeeping and the audit log. With TMPJAIL_AUDIT set, every
 * redirected call appends one JSON line:
 *
 *   {"time":1732630000.123456,"pid":42,"call":"open","path":"/tmp/x",
 *    "mapped":"/tmp/tj-ab12cd34/tmp/x","result":3,"errno":0}
 *
 * (a call with two paths adds "path2"/"mapped2"; "mapped" is null when the
 * mapping was refused). The line is built on the stack and written with a
 * single write(2) to a file opened O_APPEND for that line only, so lines
 * from many processes never interleave, no malloc is needed (vfork
 * children), and a program that closes or reuses descriptors cannot
 * redirect it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "shim.h"

#define AUDIT_LINE_MAX 16384
/* Room kept for the fields after a path, so a long path is cut, not the
 * line. */
#define AUDIT_TAIL_ROOM 160

static char audit_file[PATH_MAX];

/*
 * The file is used as named, never redirected: the log must outlive the
 * run's root. A relative name is made absolute now, so children working
 * elsewhere append to the same file.
 */
void shim_audit_init(void)
{
	const char *file = getenv("TMPJAIL_AUDIT");
	size_t len = file ? strlen(file) : 0, at = 0;

	if (len == 0)
		return;
	if (file[0] != '/') {
		if (syscall(SYS_getcwd, audit_file, sizeof(audit_file)) < 0)
			return;
		at = strlen(audit_file);
		audit_file[at++] = '/';
	}
	if (at + len >= sizeof(audit_file)) {
		audit_file[0] = '\0';
		return;
	}
	memcpy(audit_file + at, file, len + 1);
}

const char *shim_audit_path(void)
{
	return audit_file[0] ? audit_file : NULL;
}

struct line {
	char buf[AUDIT_LINE_MAX];
	size_t len;
};

static void put(struct line *line, const char *text)
{
	size_t len = strlen(text);

	if (line->len + len < sizeof(line->buf)) {
		memcpy(line->buf + line->len, text, len);
		line->len += len;
	}
}

static void put_number(struct line *line, long value, int min_digits)
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
	put(line, p);
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

/* A JSON string; bytes that are not UTF-8 become \u00XX, one per byte. */
static void put_string(struct line *line, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)text;
	size_t left = strlen(text);

	put(line, "\"");
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
	put(line, "\"");
}

static void put_paths(struct line *line, const struct shim_call *call, int slot)
{
	put(line, slot ? ",\"path2\":" : ",\"path\":");
	put_string(line, call->orig[slot]);
	put(line, slot ? ",\"mapped2\":" : ",\"mapped\":");
	if (call->mapped[slot])
		put_string(line, call->mapped[slot]);
	else
		put(line, "null");
}

void shim_audit(const struct shim_call *call, long result, int error)
{
	struct timespec now;
	struct line line;

	if (!audit_file[0])
		return;
	int saved = errno;
	line.len = 0;
	clock_gettime(CLOCK_REALTIME, &now);
	put(&line, "{\"time\":");
	put_number(&line, (long)now.tv_sec, 1);
	put(&line, ".");
	put_number(&line, now.tv_nsec / 1000, 6);
	put(&line, ",\"pid\":");
	put_number(&line, (long)syscall(SYS_getpid), 1);
	put(&line, ",\"call\":");
	put_string(&line, call->name);
	for (int slot = 0; slot < 2; slot++)
		if (call->orig[slot])
			put_paths(&line, call, slot);
	put(&line, ",\"result\":");
	put_number(&line, result, 1);
	put(&line, ",\"errno\":");
	put_number(&line, result == -1 ? error : 0, 1);
	put(&line, "}\n");

	int fd = (int)syscall(SYS_openat, AT_FDCWD, audit_file,
			      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd >= 0) {
		if (syscall(SYS_write, fd, line.buf, line.len) < 0) {
			/* nothing to do: the audit is best effort */
		}
		syscall(SYS_close, fd);
	}
	errno = saved;
}

int shim_call_map(struct shim_call *call, int slot, int dirfd, const char **path, char *buf,
		  unsigned flags)
{
	int r = shim_map_at(dirfd, *path, buf, PATH_MAX, flags);

	if (r == MAP_KEEP)
		return 0;
	call->any = true;
	call->orig[slot] = *path;
	if (r < 0) {
		call->refused = r;
		return r;
	}
	call->mapped[slot] = buf;
	*path = buf;
	return 0;
}

int shim_call_refuse(struct shim_call *call, int error)
{
	shim_audit(call, -1, -error);
	return -error;
}

void shim_call_end(struct shim_call *call, long result, int error)
{
	if (call->any)
		shim_audit(call, result, error);
}
