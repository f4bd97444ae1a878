/* SPDX-License-Identifier: MIT */
/*
 * tmpjail --report LOG...: read each audit log a line at a time (never the
 * whole log), feed the rules, print what they found. A line the shim could
 * not have written ends the report with 125 and its place; a last line cut
 * short (a run killed while writing) is skipped with a note.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static char *const *log_names;

const char *report_log_name(unsigned log)
{
	return log_names[log];
}

static const char *const severity_names[] = {"info", "low", "medium", "high"};

const char *report_severity_name(enum report_severity severity)
{
	return severity_names[severity];
}

int report_parse_severity(const char *text, enum report_severity *severity)
{
	for (int i = SEV_INFO; i <= SEV_HIGH; i++) {
		if (!strcmp(text, severity_names[i])) {
			*severity = (enum report_severity)i;
			return 0;
		}
	}
	return -1;
}

int report_parse_format(const char *text, enum report_format *format)
{
	static const char *const names[] = {"table", "json", "sarif"};

	for (int i = FORMAT_TABLE; i <= FORMAT_SARIF; i++) {
		if (!strcmp(text, names[i])) {
			*format = (enum report_format)i;
			return 0;
		}
	}
	return -1;
}

/*
 * read_log() - feed every line of the log @log to the rules.
 * Return: 0, or -1 after one line on stderr (unreadable, malformed).
 */
static int read_log(unsigned log, char *buf)
{
	const char *name = log_names[log];
	FILE *file = strcmp(name, "-") ? fopen(name, "re") : stdin;
	unsigned long line = 0;
	struct audit_record record;
	const char *why = NULL;

	if (!file) {
		fprintf(stderr, "tmpjail: --report %s: %s\n", name, strerror(errno));
		return -1;
	}
	report_log_begin(log);
	while (fgets(buf, REPORT_LINE_MAX, file)) {
		size_t len = strlen(buf);
		line++;
		if (len == 0 || buf[len - 1] != '\n') {
			if (len + 1 == REPORT_LINE_MAX)
				why = "longer than any line the shim writes";
			else if (feof(file))
				fprintf(
				    stderr,
				    "tmpjail: --report %s:%lu: note: the last line is cut short "
				    "(a run killed while writing?); skipped\n",
				    name, line);
			else
				why = "a NUL byte";
			if (why)
				break;
			continue;
		}
		buf[len - 1] = '\0';
		if (buf[0] == '\0')
			continue; /* a blank line says nothing */
		if (report_parse_line(buf, &record, &why) < 0)
			break;
		report_record(&record, line);
		why = NULL;
	}
	int error = ferror(file) ? errno : 0;
	if (file != stdin)
		fclose(file);
	if (why || error) {
		if (error)
			fprintf(stderr, "tmpjail: --report %s: %s\n", name, strerror(error));
		else
			fprintf(stderr, "tmpjail: --report %s:%lu: malformed audit line: %s\n",
				name, line, why);
		return -1;
	}
	report_log_end();
	return 0;
}

int report_main(char *const logs[], int nlogs, enum report_format format,
		enum report_severity fail_on)
{
	char *buf = malloc(REPORT_LINE_MAX);
	int status = 0;
	size_t count = 0;

	log_names = logs;
	if (!buf) {
		fputs("tmpjail: --report: out of memory\n", stderr);
		return 125;
	}
	for (int i = 0; i < nlogs && status == 0; i++)
		if (read_log((unsigned)i, buf) < 0)
			status = 125;
	free(buf);
	struct finding **findings = status ? NULL : report_sorted(&count);
	if (!status && !findings) {
		fputs("tmpjail: --report: out of memory\n", stderr);
		status = 125;
	}
	if (!status && report_dropped())
		fprintf(stderr,
			"tmpjail: --report: note: %lu occurrences in more distinct places than "
			"the report keeps apart were not counted\n",
			report_dropped());
	if (!status && report_print(stdout, format, findings, count) < 0) {
		fprintf(stderr, "tmpjail: --report: cannot write to stdout: %s\n", strerror(errno));
		status = 125;
	}
	for (size_t i = 0; !status && i < count; i++)
		if (findings[i]->severity >= fail_on)
			status = 1;
	free(findings);
	report_table_free();
	report_findings_free();
	return status;
}
