/* SPDX-License-Identifier: MIT */
/*
 * The report's three forms: a table for a terminal, JSON for scripts, and
 * SARIF 2.1.0 for code-scanning tools (one rule per finding kind with its
 * CWE ids, one result per program and folded path). The rules' texts are
 * here, in one place; docs/report.md explains each at length.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>

#include "report.h"

#ifndef TMPJAIL_VERSION
#define TMPJAIL_VERSION "0.1.0"
#endif

const struct report_rule report_rules[KIND_COUNT] = {
    [KIND_INSECURE_CREATE] = {"insecure-create",
			      "created in a shared temporary directory under a name others can "
			      "guess, without O_EXCL",
			      {"CWE-377", "CWE-59"},
			      SEV_HIGH,
			      "another user can put a symlink there first: the program then "
			      "truncates and writes the file it points to, with its own rights",
			      "C: mkstemp(3); shell: f=$(mktemp); Python: tempfile.mkstemp()"},
    [KIND_UNSAFE_NAME] = {"unsafe-temp-name",
			  "a name from tmpnam, tempnam or mktemp, created afterwards",
			  {"CWE-377", NULL},
			  SEV_HIGH,
			  "the name was free only when the function looked: another user can "
			  "create it (as a symlink) before the program does",
			  "C: mkstemp(3) or mkdtemp(3); shell: mktemp, not mktemp -u; Python: "
			  "tempfile.mkstemp(), not tempfile.mktemp()"},
    [KIND_CHECK_USE] =
	{"check-then-use",
	 "a path checked (access, stat) and then used by name",
	 {"CWE-367", NULL},
	 SEV_HIGH,
	 "between the check and the use another user can swap the path for a "
	 "symlink: the check passed on one file, the use acts on another",
	 "C: open(O_CREAT|O_EXCL|O_NOFOLLOW) once, then fstat(2) the descriptor; "
	 "shell: mktemp or set -C; Python: os.open(..., O_CREAT|O_EXCL) + os.fstat()"},
    [KIND_LOOSE_PERMS] = {"loose-permissions",
			  "group or other permissions on a file or directory in a shared "
			  "temporary directory",
			  {"CWE-276", "CWE-379"},
			  SEV_MEDIUM,
			  "other users can read what the program keeps there (and change it when "
			  "it is world-writable)",
			  "C: mode 0600/0700, umask(077), no chmod wider; shell: umask 077; "
			  "Python: tempfile (0600), os.open(..., 0o600)"},
    [KIND_PREDICTABLE] = {"predictable-name",
			  "a temporary name that can be guessed: the pid in it, or the same name "
			  "in two runs",
			  {"CWE-340", "CWE-377"},
			  SEV_MEDIUM,
			  "another user creates the name first: the program fails (O_EXCL) or "
			  "writes where the attacker wants (without it)",
			  "C: mkstemp(3)/mkdtemp(3); shell: mktemp, not /tmp/name.$$; Python: "
			  "tempfile.mkstemp()"},
    [KIND_LEFT] = {"left-for-reaper",
		   "a temporary file or directory the program never removed",
		   {"CWE-459", NULL},
		   SEV_INFO,
		   "without tmpjail it stays in the shared directory after the program ends, "
		   "with what it holds",
		   "C: unlink(2) when done, or tmpfile(3)/O_TMPFILE; shell: trap 'rm -f \"$f\"' "
		   "EXIT; Python: tempfile.TemporaryFile()"},
};

/* ---- JSON text ---- */

/* Length of a valid UTF-8 sequence at @s, or 0. */
static size_t utf8_length(const unsigned char *s)
{
	size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* @text as a JSON string; bytes that are not UTF-8 as \u00XX, as the shim does. */
static void put_json(FILE *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	fputc('"', out);
	while (*s) {
		size_t len = *s >= 0x80 ? utf8_length(s) : 1;
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f || len == 0)
			fprintf(out, "\\u%04x", *s);
		else
			fwrite(s, 1, len, out);
		s += len ? len : 1;
	}
	fputc('"', out);
}

static void put_cwes(FILE *out, const struct report_rule *rule)
{
	fputc('[', out);
	for (int i = 0; i < 2 && rule->cwe[i]; i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", rule->cwe[i]);
	fputc(']', out);
}

/* ---- table ---- */

/*
 * @text for a terminal: the paths and program names come from the audited
 * program, which could name a file "x\nhigh ..." or put escape sequences
 * in it to forge or hide lines of the report. Control characters and bytes
 * that are not UTF-8 are shown as \n, \t or \xNN.
 */
static void put_text(FILE *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	while (*s) {
		size_t len = *s >= 0x80 ? utf8_length(s) : 1;
		if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '\t')
			fputs("\\t", out);
		else if (*s == '\\')
			fputs("\\\\", out);
		else if (*s < 0x20 || *s == 0x7f || len == 0)
			fprintf(out, "\\x%02x", *s);
		else
			fwrite(s, 1, len, out);
		s += len ? len : 1;
	}
}

static void cwe_text(const struct report_rule *rule, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s", rule->cwe[0], rule->cwe[1] ? "," : "",
		 rule->cwe[1] ? rule->cwe[1] : "");
}

static void print_table(FILE *out, struct finding **findings, size_t count)
{
	int counted[SEV_HIGH + 1] = {0};

	if (count)
		fprintf(out, "%-8s %-17s %-15s %7s  %s\n", "SEVERITY", "FINDING", "CWE", "COUNT",
			"PATH (random parts as XXXXXX)");
	for (size_t i = 0; i < count; i++) {
		const struct finding *f = findings[i];
		const struct report_rule *rule = &report_rules[f->kind];
		char cwe[32];
		cwe_text(rule, cwe, sizeof(cwe));
		counted[f->severity]++;
		fprintf(out, "%-8s %-17s %-15s %7lu  ", report_severity_name(f->severity), rule->id,
			cwe, f->count);
		put_text(out, f->pattern);
		fprintf(out, "\n%8s program: ", "");
		put_text(out, f->program);
		fprintf(out, "\n%8s first:   ", "");
		put_text(out, report_log_name(f->log));
		fprintf(out, ":%lu, ", f->line);
		put_text(out, f->detail);
		fprintf(out, "\n%8s instead: %s\n", "", rule->fix);
	}
	if (!count)
		fputs("no findings\n", out);
	else
		fprintf(out, "%zu finding%s: %d high, %d medium, %d low, %d info\n", count,
			count == 1 ? "" : "s", counted[SEV_HIGH], counted[SEV_MEDIUM],
			counted[SEV_LOW], counted[SEV_INFO]);
}

/* ---- JSON ---- */

static void print_json(FILE *out, struct finding **findings, size_t count)
{
	fputs("{\"findings\":[", out);
	for (size_t i = 0; i < count; i++) {
		const struct finding *f = findings[i];
		const struct report_rule *rule = &report_rules[f->kind];
		fprintf(out, "%s\n{\"rule\":\"%s\",\"severity\":\"%s\",\"cwe\":", i ? "," : "",
			rule->id, report_severity_name(f->severity));
		put_cwes(out, rule);
		fputs(",\"program\":", out);
		put_json(out, f->program);
		fputs(",\"pattern\":", out);
		put_json(out, f->pattern);
		fputs(",\"example\":", out);
		put_json(out, f->example);
		fprintf(out, ",\"count\":%lu,\"log\":", f->count);
		put_json(out, report_log_name(f->log));
		fprintf(out, ",\"line\":%lu,\"detail\":", f->line);
		put_json(out, f->detail);
		fputs(",\"instead\":", out);
		put_json(out, rule->fix);
		fputc('}', out);
	}
	fprintf(out, "],\n\"dropped\":%lu}\n", report_dropped());
}

/* ---- SARIF 2.1.0 ---- */

static const char *sarif_level(enum report_severity severity)
{
	return severity == SEV_HIGH ? "error" : severity == SEV_MEDIUM ? "warning" : "note";
}

static void print_sarif_rule(FILE *out, const struct report_rule *rule, bool first)
{
	static const char *const scores[] = {"1.0", "3.0", "5.0", "7.5"};

	fprintf(out, "%s\n{\"id\":\"%s\",\"name\":\"%s\",\"shortDescription\":{\"text\":",
		first ? "" : ",", rule->id, rule->id);
	put_json(out, rule->title);
	fputs("},\"fullDescription\":{\"text\":", out);
	put_json(out, rule->why);
	fputs("},\"help\":{\"text\":", out);
	put_json(out, rule->fix);
	fprintf(out, "},\"defaultConfiguration\":{\"level\":\"%s\"},", sarif_level(rule->severity));
	fputs("\"properties\":{\"tags\":[\"security\"", out);
	for (int i = 0; i < 2 && rule->cwe[i]; i++)
		fprintf(out, ",\"external/cwe/cwe-%s\"", rule->cwe[i] + 4);
	fprintf(out, "],\"security-severity\":\"%s\",\"cwe\":", scores[rule->severity]);
	put_cwes(out, rule);
	fputs("}}", out);
}

/* A file URI for the program (an absolute path), percent-encoding what a
 * URI may not hold; a name that is not a path is kept as a relative one. */
static void put_uri(FILE *out, const char *program)
{
	fputs(program[0] == '/' ? "\"file://" : "\"", out);
	for (const unsigned char *p = (const unsigned char *)program; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~+", *p))
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
	fputc('"', out);
}

static void print_sarif_result(FILE *out, const struct finding *f, bool first)
{
	const struct report_rule *rule = &report_rules[f->kind];
	char message[512];

	snprintf(message, sizeof(message), "%s: %s (%lu time%s; first %s:%lu: %s). Instead: %s",
		 f->pattern, rule->title, f->count, f->count == 1 ? "" : "s",
		 report_log_name(f->log), f->line, f->detail, rule->fix);
	fprintf(out,
		"%s\n{\"ruleId\":\"%s\",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":",
		first ? "" : ",", rule->id, (int)f->kind, sarif_level(f->severity));
	put_json(out, message);
	fputs("},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
	put_uri(out, f->program);
	fputs("}},\"logicalLocations\":[{\"name\":", out);
	put_json(out, f->pattern);
	fprintf(out,
		",\"kind\":\"resource\"}]}],\"partialFingerprints\":{\"tmpjail/v1\":\"%016llx\"},",
		(unsigned long long)report_hash(f->pattern, report_hash(f->program, f->kind)));
	fprintf(out, "\"properties\":{\"severity\":\"%s\",\"count\":%lu,\"program\":",
		report_severity_name(f->severity), f->count);
	put_json(out, f->program);
	fputs(",\"pattern\":", out);
	put_json(out, f->pattern);
	fputs(",\"example\":", out);
	put_json(out, f->example);
	fputs(",\"log\":", out);
	put_json(out, report_log_name(f->log));
	fprintf(out, ",\"line\":%lu}}", f->line);
}

static void print_sarif(FILE *out, struct finding **findings, size_t count)
{
	fputs(
	    "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
	    "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"tmpjail\",\"version\":\"" TMPJAIL_VERSION
	    "\",\"rules\":[",
	    out);
	for (int i = 0; i < KIND_COUNT; i++)
		print_sarif_rule(out, &report_rules[i], i == 0);
	fputs("]}},\n\"results\":[", out);
	for (size_t i = 0; i < count; i++)
		print_sarif_result(out, findings[i], i == 0);
	fputs("]}]}\n", out);
}

int report_print(FILE *out, enum report_format format, struct finding **findings, size_t count)
{
	if (format == FORMAT_SARIF)
		print_sarif(out, findings, count);
	else if (format == FORMAT_JSON)
		print_json(out, findings, count);
	else
		print_table(out, findings, count);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
