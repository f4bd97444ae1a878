/* SPDX-License-Identifier: MIT */
/*
 * One line of the audit log (docs/shim.md, "The audit log"), built on the
 * stack and appended with a single write(2): the shim's lines (audit.c)
 * and the trap's (launcher/trap_audit.c) are made by the same code, so
 * tmpjail --report reads both alike. Raw system calls and no malloc: the
 * shim writes from vfork children and signal handlers.
 */
#ifndef TMPJAIL_SHIM_AUDIT_LINE_H
#define TMPJAIL_SHIM_AUDIT_LINE_H

#include <stddef.h>
#include <sys/types.h>

#define AUDIT_LINE_MAX 16384
/* Room kept for the fields after a path (flags, mode, numbers), so a long
 * path is cut, not the line. */
#define AUDIT_TAIL_ROOM 512

struct audit_line {
	char buf[AUDIT_LINE_MAX];
	size_t len;
};

/* audit_put() - @text as it is (what does not fit is dropped). */
void audit_put(struct audit_line *line, const char *text);

/* audit_put_number() - @value in decimal, at least @min_digits digits. */
void audit_put_number(struct audit_line *line, long value, int min_digits);

/* audit_put_string() - @text as a JSON string; bytes that are not UTF-8 become \u00XX. */
void audit_put_string(struct audit_line *line, const char *text);

/* audit_put_octal() - @value in octal, at least 4 digits ("0644"). */
void audit_put_octal(struct audit_line *line, unsigned value);

/* audit_put_flags() - ',"flags":"O_WRONLY|O_CREAT|..."': open(2) flags by name. */
void audit_put_flags(struct audit_line *line, int flags);

/*
 * audit_line_start() - begin @line: '{"time":...,"pid":@pid,"ppid":@ppid,
 * "exe":@exe,"argv0":@argv0,"call":@call'.
 */
void audit_line_start(struct audit_line *line, pid_t pid, pid_t ppid, const char *exe,
		      const char *argv0, const char *call);

/*
 * audit_line_end() - close @line with '"result":@result,"errno":@error}'
 * and append it to @file (opened O_APPEND for that line alone, mode 0600
 * when made). Best effort: a line that cannot be written is lost.
 */
void audit_line_end(struct audit_line *line, const char *file, long result, int error);

#endif
