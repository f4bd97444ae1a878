/* SPDX-License-Identifier: MIT */
/*
 * tmpjail --report: read the shim's audit logs (docs/shim.md, "Audit") and
 * tell which temporary-file uses an attacker on the same machine could
 * exploit (docs/report.md). Four parts: the line reader (report.c), the
 * parser of one line (report_parse.c), the rules and their aggregation
 * (report_findings.c, report_set.c, report_table.c) and the output formats
 * (report_output.c). Memory is bounded whatever the size of the logs: the
 * per-log state lives in fixed hash tables, findings are kept once per
 * (program, kind, folded path).
 */
#ifndef TMPJAIL_LAUNCHER_REPORT_H
#define TMPJAIL_LAUNCHER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The longest line read: the shim writes at most 16384 bytes. */
#define REPORT_LINE_MAX 65536

/* One audit line, its strings decoded in place in the line's buffer. */
struct audit_record {
	long pid, ppid, result, error;
	const char *exe, *argv0, *call, *path, *path2;
	bool mapped_null; /* "mapped":null: the shim refused the path */
	bool has_path2;	  /* the second path was redirected too */
	bool has_flags;	  /* "flags" was there; @flags holds them */
	bool generated;	  /* "generated":true */
	int flags;
	int mode, perm; /* -1 when absent */
};

/*
 * report_parse_line() - parse the JSON object in @line (NUL-terminated, no
 * newline) into @record, decoding its strings in place. Keys we do not know
 * are skipped, whatever their value.
 * Return: 0, or -EINVAL with *@why saying what is wrong.
 */
int report_parse_line(char *line, struct audit_record *record, const char **why);

/* How bad a finding is; the order is the order of severity. */
enum report_severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH };

/* The finding kinds (docs/report.md has one section each). */
enum report_kind {
	KIND_INSECURE_CREATE,
	KIND_UNSAFE_NAME,
	KIND_CHECK_USE,
	KIND_LOOSE_PERMS,
	KIND_PREDICTABLE,
	KIND_LEFT,
	KIND_COUNT
};

struct report_rule {
	const char *id;		       /* SARIF rule id, table column */
	const char *title;	       /* one line: what is wrong */
	const char *cwe[2];	       /* "CWE-377", ... (NULL-padded) */
	enum report_severity severity; /* the default */
	const char *why;	       /* how it is exploited */
	const char *fix;	       /* what to use instead */
};

extern const struct report_rule report_rules[KIND_COUNT];

/* One aggregated finding: a program, a kind, a folded path. */
struct finding {
	enum report_kind kind;
	enum report_severity severity; /* the worst of its occurrences */
	char *program, *pattern, *example, *detail;
	unsigned long count;
	unsigned log; /* where it was first seen: report_log_name(log), line */
	unsigned long line;
};

/* ---- aggregation (report_table.c) ---- */

/*
 * report_add() - count one occurrence of @kind for @program on @path
 * (folded), first seen at @log:@line, @detail saying which call. The first
 * occurrence keeps @path as its example.
 * Return: the finding (its count may be lowered again: "left" findings
 * whose file was removed), or NULL when it could not be kept.
 */
struct finding *report_add(enum report_kind kind, enum report_severity severity,
			   const char *program, const char *path, const char *detail, unsigned log,
			   unsigned long line);
/* The findings, most severe first, then most frequent. *@count set. */
struct finding **report_sorted(size_t *count);
/* Findings that could not be kept separately (the table was full). */
unsigned long report_dropped(void);
void report_table_free(void);

/*
 * report_fold() - @path with its random-looking parts (runs of 3+ digits,
 * runs of 6+ letters/digits mixing digits and letters or cases) replaced by
 * XXXXXX, into @out (@size bytes).
 */
void report_fold(const char *path, char *out, size_t size);

/* FNV-1a, for the fixed hash sets. */
uint64_t report_hash(const char *text, uint64_t seed);

/* ---- hash sets of path hashes (report_set.c) ---- */

/* A set of 64-bit keys with two values each, of a fixed number of slots. */
struct set {
	size_t slots;	   /* a power of two */
	size_t used, live; /* keys and tombstones; keys only */
	uint64_t *key;	   /* 0: empty, 1: removed; keys are stored as >= 2 */
	uint64_t (*value)[2];
};

/* Allocate @slots (a power of two) slots. Return: 0, or -1 (no memory). */
int set_init(struct set *set, size_t slots);
void set_free(struct set *set);
/* The two values of @hash, or NULL. */
uint64_t *set_get(struct set *set, uint64_t hash);
/* Insert @hash with @first and @second, or find it (its values kept).
 * Return: its values, or NULL when the set is full. */
uint64_t *set_put(struct set *set, uint64_t hash, uint64_t first, uint64_t second);
void set_remove(struct set *set, uint64_t hash);
/* Empty the set, keeping its slots. */
void set_clear(struct set *set);

/* ---- the rules (report_findings.c) ---- */

/* Start the log @log (an index for report_log_name()); forget the last one's
 * per-run state, after reporting what it left behind. */
void report_log_begin(unsigned log);
/* Feed one record of the current log, read at @line. */
void report_record(const struct audit_record *record, unsigned long line);
/* The current log ended: report what it left for the reaper. */
void report_log_end(void);
void report_findings_free(void);

/* ---- the driver and output (report.c, report_output.c) ---- */

const char *report_log_name(unsigned log);

enum report_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_SARIF };

/* Print @findings in @format on @out. Return: 0, or -1 when writing failed. */
int report_print(FILE *out, enum report_format format, struct finding **findings, size_t count);

/*
 * report_main() - tmpjail --report: read the @nlogs logs in @logs, print the
 * findings in @format on stdout.
 * Return: 0 (no finding at or above @fail_on), 1 (some), 125 (a log could
 * not be read or has a malformed line; one line on stderr says where).
 */
int report_main(char *const logs[], int nlogs, enum report_format format,
		enum report_severity fail_on);

/* Parse "table"/"json"/"sarif" and "info"/"low"/"medium"/"high". Return: 0 or -1. */
int report_parse_format(const char *text, enum report_format *format);
int report_parse_severity(const char *text, enum report_severity *severity);
const char *report_severity_name(enum report_severity severity);

#endif
