/* SPDX-License-Identifier: MIT */
/*
 * tmpjail --report's contract with a CI job: exit 0/1 by --fail-on, 125
 * with the file and line of a log it cannot read; a run killed mid-line is
 * a note, not an error; hostile lines never crash it; old logs (before the
 * richer keys) still read; SARIF output has the 2.1.0 structure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher_util.h"
#include "report_util.h"
#include "tj_check.h"

/* A fixed name created without O_EXCL: one high finding. */
#define HIGH_LINE                                                                          \
	"{\"time\":1796216250.762196,\"pid\":100,\"ppid\":99,\"exe\":\"/usr/bin/legacy\"," \
	"\"argv0\":\"legacy\",\"call\":\"open\",\"path\":\"/tmp/report.tmp\",\"mapped\":"  \
	"\"/r/tmp/report.tmp\",\"flags\":\"O_WRONLY|O_CREAT|O_TRUNC\",\"mode\":\"0600\","  \
	"\"perm\":\"0600\",\"result\":3,\"errno\":0}\n"
/* A spool file opened up with chmod 0644: one medium finding. */
#define MEDIUM_LINE                                                                          \
	"{\"time\":1796216250.8,\"pid\":100,\"ppid\":99,\"exe\":\"/usr/bin/legacy\","        \
	"\"argv0\":\"legacy\",\"call\":\"chmod\",\"path\":\"/tmp/spool.aB3dE9\",\"mapped\":" \
	"\"/r/tmp/spool.aB3dE9\",\"mode\":\"0644\",\"result\":0,\"errno\":0}\n"

static int report_of(const char *text, const char *const options[], char **out)
{
	const char *args[12];
	size_t n = 0;

	for (; options && options[n]; n++)
		args[n] = options[n];
	args[n++] = ru_write("log.jsonl", text, strlen(text));
	args[n] = NULL;
	return ru_report(out, args);
}

START_TEST(exit_status_follows_fail_on)
{
	char *out;

	ck_assert_int_eq(report_of(MEDIUM_LINE, NULL, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "loose-permissions"));
	free(out);
	ck_assert_int_eq(
	    report_of(MEDIUM_LINE, (const char *[]){"--fail-on", "medium", NULL}, &out), 1);
	free(out);
	ck_assert_int_eq(report_of(MEDIUM_LINE, (const char *[]){"--fail-on", "low", NULL}, &out),
			 1);
	free(out);
	ck_assert_int_eq(report_of(MEDIUM_LINE, (const char *[]){"--fail-on", "high", NULL}, &out),
			 0);
	free(out);
	ck_assert_int_eq(report_of(HIGH_LINE, NULL, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "insecure-create"));
	free(out);
	/* An empty log: nothing to say, nothing to fail. */
	ck_assert_int_eq(report_of("", (const char *[]){"--fail-on", "info", NULL}, &out), 0);
	ck_assert_str_eq(out, "no findings\n");
	free(out);
	lu_scratch_remove(ru_scratch());
}
END_TEST

START_TEST(a_malformed_line_is_125_with_its_place)
{
	char *out;

	ck_assert_int_eq(
	    report_of(HIGH_LINE MEDIUM_LINE "{\"call\":\"open\",\n" HIGH_LINE, NULL, &out), 125);
	ck_assert_msg(strstr(out, "log.jsonl:3: malformed audit line") != NULL, "%s", out);
	/* No findings of a log half read: a gate must not pass on them. */
	ck_assert_ptr_null(strstr(out, "SEVERITY"));
	free(out);
	lu_scratch_remove(ru_scratch());
}
END_TEST

START_TEST(a_cut_last_line_is_a_note)
{
	char *out;

	ck_assert_int_eq(
	    report_of(MEDIUM_LINE HIGH_LINE "{\"time\":1796216250.9,\"pid\":1", NULL, &out), 1);
	ck_assert_msg(strstr(out, "log.jsonl:3: note: the last line is cut short") != NULL, "%s",
		      out);
	ck_assert_ptr_nonnull(strstr(out, "insecure-create"));
	free(out);
	lu_scratch_remove(ru_scratch());
}
END_TEST

START_TEST(an_unreadable_log_is_125)
{
	char *out;

	ck_assert_int_eq(ru_report(&out, (const char *const[]){ru_in_scratch("missing"), NULL}),
			 125);
	ck_assert_msg(strstr(out, "missing: No such file or directory") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(ru_report(&out, (const char *const[]){ru_scratch(), NULL}), 125);
	ck_assert_msg(strstr(out, "Is a directory") != NULL, "%s", out);
	free(out);
	/* A good log first does not hide a bad one after it. */
	const char *good = ru_write("good.jsonl", MEDIUM_LINE, strlen(MEDIUM_LINE));
	ck_assert_int_eq(ru_report(&out, (const char *const[]){good, ru_in_scratch("gone"), NULL}),
			 125);
	free(out);
	lu_scratch_remove(ru_scratch());
}
END_TEST

/* Lines no shim writes: each refused with 125 and its line, none crashes. */
START_TEST(hostile_lines_are_refused)
{
	static char deep[512], wide[70000];
	const char *bad[] = {"[1,2]",
			     "{}",
			     "{\"path\":\"/tmp/x\"}",
			     "{\"call\":5}",
			     "{\"call\":\"open\"} tail",
			     "{\"call\":\"open\",\"path\":\"/tmp/\\u0000x\"}",
			     "{\"call\":\"open\",\"path\":\"/tmp/\\q\"}",
			     "{\"call\":\"open\",\"path\":\"/tmp/\\u12\"}",
			     "{\"call\":\"open\" \"path\":\"x\"}",
			     "{\"call\":\"open\",\"pid\":-}",
			     "{\"call\":\"open\",\"generated\":maybe}",
			     "{\"call\":\"open\",\"pid\":99999999999999999999999}",
			     deep,
			     wide,
			     "{\"call\":\"op\tn\"}"};
	char *out;

	memset(deep, 0, sizeof(deep));
	strcpy(deep, "{\"call\":\"open\",\"x\":");
	for (size_t i = strlen(deep); i < 400; i++)
		deep[i] = '[';
	memset(wide, 'a', sizeof(wide) - 1);
	memcpy(wide, "{\"call\":\"", 9);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[sizeof(wide) + 2];
		snprintf(line, sizeof(line), "%s\n", bad[i]);
		ck_assert_int_eq(report_of(line, NULL, &out), 125);
		ck_assert_msg(strstr(out, "log.jsonl:1: malformed audit line: ") != NULL,
			      "%.80s: %s", bad[i], out);
		free(out);
	}
	/* A NUL byte inside a line. */
	ck_assert_int_eq(
	    ru_report(&out, (const char *const[]){ru_write("nul.jsonl", "{\"call\":\"o\0\"}\n", 15),
						  NULL}),
	    125);
	ck_assert_msg(strstr(out, "nul.jsonl:1: malformed audit line: a NUL byte") != NULL, "%s",
		      out);
	free(out);
	lu_scratch_remove(ru_scratch());
}
END_TEST

/* What a newer shim may add, and blank lines, are read past. */
START_TEST(unknown_keys_and_old_logs_are_read)
{
	char *out;

	ck_assert_int_eq(
	    report_of("{\"call\":\"stat\",\"path\":\"/tmp/x\",\"new\":{\"a\":[1,-2.5e3,"
		      "{\"b\":null}],\"c\":\"\\u00e9\\n\"},\"more\":[],\"time\":1e9}"
		      "\n\n",
		      (const char *[]){"--fail-on", "info", NULL}, &out),
	    0);
	ck_assert_str_eq(out, "no findings\n");
	free(out);
	/* The audit line of tmpjail before --report: no flags, no exe. */
	ck_assert_int_eq(report_of("{\"time\":1732630000.123456,\"pid\":42,\"call\":\"creat\","
				   "\"path\":\"/tmp/x\",\"mapped\":\"/tmp/tj-ab12cd34/tmp/x\","
				   "\"result\":3,\"errno\":0}\n",
				   NULL, &out),
			 1);
	ck_assert_msg(strstr(out, "insecure-create") && strstr(out, "/tmp/x"), "%s", out);
	free(out);
	lu_scratch_remove(ru_scratch());
}
END_TEST

START_TEST(bad_options_are_125)
{
	const char *log = ru_write("log.jsonl", MEDIUM_LINE, strlen(MEDIUM_LINE));
	const char *const cases[][5] = {
	    {"--report", "--format", "xml", log, NULL},
	    {"--report", "--fail-on", "critical", log, NULL},
	    {"--format", "json", "--", "true", NULL},
	    {"--report", NULL},
	    {"--report", "--gc", log, NULL},
	    {"--report", "--keep", log, NULL},
	    {"--audit", log, "--report", log, NULL},
	};
	char *out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[7] = {lu_launcher()};
		for (size_t j = 0; cases[i][j]; j++)
			argv[j + 1] = cases[i][j];
		ck_assert_int_eq(lu_run(argv, &out, 30), 125);
		ck_assert_msg(strncmp(out, "tmpjail: ", 9) == 0 && !strchr(out, '\n')[1], "%s",
			      out);
		free(out);
	}
	lu_scratch_remove(ru_scratch());
}
END_TEST

/* SARIF 2.1.0, also for paths and programs with quotes, bytes that are not
 * UTF-8 and control characters. No SARIF schema is packaged by Debian
 * (apt-cache search sarif: object models only), so the check is of the
 * structure code-scanning tools read, with Python's json. */
START_TEST(sarif_has_the_2_1_0_structure)
{
	const char *hostile =
	    "{\"pid\":7,\"ppid\":1,\"exe\":\"/opt/my app/\\\"odd\\\"\\u00ff\",\"call\":\"fopen\","
	    "\"path\":\"/tmp/a\\\"b\\\\c\\u00ff\\u0001d\",\"mapped\":null,\"flags\":\"O_WRONLY|"
	    "O_CREAT|O_TRUNC\",\"perm\":\"0666\",\"result\":0,\"errno\":0}\n";
	char text[4096], *out;

	snprintf(text, sizeof(text), "%s%s%s", HIGH_LINE, MEDIUM_LINE, hostile);
	const char *log = ru_write("log.jsonl", text, strlen(text));
	if (access("/usr/bin/python3", X_OK) != 0)
		TJ_SKIP("needs /usr/bin/python3 to parse the SARIF output");
	for (int format = 0; format < 2; format++) {
		const char *cmd[] = {"sh",
				     "-c",
				     format ? "\"$0\" --report --format sarif \"$1\" > \"$2\"; "
					      "[ $? = 1 ] && /usr/bin/python3 \"$3\" \"$2\" "
					      "insecure-create loose-permissions"
					    : "\"$0\" --report --format json \"$1\" > \"$2\"; "
					      "[ $? = 1 ] && /usr/bin/python3 -c 'import json,sys; "
					      "f=json.load(open(sys.argv[1]))[\"findings\"]; "
					      "assert len(f) >= 3, f' \"$2\"",
				     lu_launcher(),
				     log,
				     ru_in_scratch("out.json"),
				     getenv("REPORT_SARIF_CHECK"),
				     NULL};
		ck_assert_msg(lu_run(cmd, &out, 60) == 0, "%s", out);
		free(out);
	}
	lu_scratch_remove(ru_scratch());
}
END_TEST

/* A long run makes and removes far more names than the tables hold at
 * once: a removed name is free again (reopening it by name is a finding),
 * and names it still holds stay its own (reopening them is not). */
START_TEST(many_names_stay_judged)
{
	const char *log = ru_in_scratch("many.jsonl");
	FILE *file = fopen(log, "w");
	char *out;

	ck_assert_ptr_nonnull(file);
	for (int i = 0; i < 250000; i++)
		fprintf(file,
			"{\"call\":\"mkstemp\",\"path\":\"/tmp/a.%06dxy\",\"generated\":true,"
			"\"result\":3}\n{\"call\":\"unlink\",\"path\":\"/tmp/"
			"a.%06dxy\",\"result\":0}\n",
			i, i);
	for (int i = 0; i < 60000; i++)
		fprintf(file,
			"{\"call\":\"mkstemp\",\"path\":\"/tmp/b.%06dxy\",\"generated\":true,"
			"\"result\":3}\n",
			i);
	fputs("{\"call\":\"open\",\"path\":\"/tmp/a.000001xy\",\"flags\":\"O_WRONLY|O_CREAT\","
	      "\"result\":3}\n{\"call\":\"open\",\"path\":\"/tmp/b.000001xy\",\"flags\":"
	      "\"O_WRONLY|O_CREAT\",\"result\":3}\n",
	      file);
	ck_assert_int_eq(fclose(file), 0);
	ck_assert_int_eq(ru_report(&out, (const char *const[]){"--format", "json", log, NULL}), 1);
	ck_assert_msg(strstr(out, "\"rule\":\"insecure-create\"") &&
			  strstr(out, "\"pattern\":\"/tmp/a.XXXXXX\"") &&
			  !strstr(out, "\"example\":\"/tmp/b.000001xy\"") && !strstr(out, "note:"),
		      "%.2000s", out);
	free(out);
	lu_scratch_remove(ru_scratch());
}
END_TEST

/* The audited program names the files: a name with a newline or terminal
 * escapes must not forge or hide lines of the table. */
START_TEST(names_cannot_forge_table_lines)
{
	const char *evil = "{\"call\":\"creat\",\"path\":\"/tmp/x\\nhigh     forged\\u001b[2J\","
			   "\"exe\":\"/a\\u00ffb\\r\",\"result\":-1,\"errno\":13}\n";
	char *out;

	ck_assert_int_eq(report_of(evil, NULL, &out), 1);
	ck_assert_msg(!strchr(out, '\033') && !strchr(out, '\r') && strstr(out, "/tmp/x\\nhigh") &&
			  strstr(out, "program: /a\\xffb\\x0d"),
		      "%s", out);
	size_t lines = 0;
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	ck_assert_msg(lines == 6, "%zu lines:\n%s", lines, out); /* header, 4, summary */
	free(out);
	/* "-" reads the log from standard input. */
	const char *log = ru_write("stdin.jsonl", evil, strlen(evil));
	const char *cmd[] = {"sh",	    "-c", "\"$0\" --report --format json - < \"$1\"",
			     lu_launcher(), log,  NULL};
	ck_assert_int_eq(lu_run(cmd, &out, 30), 1);
	ck_assert_msg(strstr(out, "\"log\":\"-\",\"line\":1"), "%s", out);
	free(out);
	lu_scratch_remove(ru_scratch());
}
END_TEST

/* Against the SARIF 2.1.0 schema itself, where a validator and the schema
 * are at hand: Debian packages a JSON-schema validator (python3-jsonschema)
 * but not the schema, so its path comes from the build
 * (-DTMPJAIL_SARIF_SCHEMA=/path/to/sarif-schema-2.1.0.json). */
START_TEST(sarif_validates_against_the_schema)
{
	const char *schema = getenv("REPORT_SARIF_SCHEMA");
	char *out;

	if (!schema || !*schema || access(schema, R_OK) != 0)
		TJ_SKIP("needs the SARIF 2.1.0 schema file (cmake -DTMPJAIL_SARIF_SCHEMA=FILE): "
			"no Debian package ships it");
	const char *probe[] = {"python3", "-c", "import jsonschema", NULL};
	if (lu_run(probe, &out, 30) != 0) {
		free(out);
		TJ_SKIP("needs python3-jsonschema (Debian) to validate against the schema");
	}
	free(out);
	const char *log =
	    ru_write("log.jsonl", HIGH_LINE MEDIUM_LINE, strlen(HIGH_LINE MEDIUM_LINE));
	const char *cmd[] = {"sh",
			     "-c",
			     "\"$0\" --report --format sarif \"$1\" > \"$2\"; [ $? = 1 ] && "
			     "python3 -c 'import json, sys, jsonschema; "
			     "jsonschema.validate(json.load(open(sys.argv[1])), "
			     "json.load(open(sys.argv[2])))' \"$2\" \"$3\"",
			     lu_launcher(),
			     log,
			     ru_in_scratch("out.sarif"),
			     schema,
			     NULL};
	ck_assert_msg(lu_run(cmd, &out, 60) == 0, "%s", out);
	free(out);
	lu_scratch_remove(ru_scratch());
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("report_input");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("exit_status_follows_fail_on"), exit_status_follows_fail_on},
	    {tcase_create("a_malformed_line_is_125_with_its_place"),
	     a_malformed_line_is_125_with_its_place},
	    {tcase_create("a_cut_last_line_is_a_note"), a_cut_last_line_is_a_note},
	    {tcase_create("an_unreadable_log_is_125"), an_unreadable_log_is_125},
	    {tcase_create("hostile_lines_are_refused"), hostile_lines_are_refused},
	    {tcase_create("unknown_keys_and_old_logs_are_read"),
	     unknown_keys_and_old_logs_are_read},
	    {tcase_create("bad_options_are_125"), bad_options_are_125},
	    {tcase_create("many_names_stay_judged"), many_names_stay_judged},
	    {tcase_create("names_cannot_forge_table_lines"), names_cannot_forge_table_lines},
	    {tcase_create("sarif_has_the_2_1_0_structure"), sarif_has_the_2_1_0_structure},
	    {tcase_create("sarif_validates_against_the_schema"),
	     sarif_validates_against_the_schema},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
