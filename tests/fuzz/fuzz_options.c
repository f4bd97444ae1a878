/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the launcher's option parser (launcher/options.c).
 * The input, split on NUL bytes, is the argument list after "tmpjail".
 * Beyond "no crash, no leak" (LeakSanitizer runs after every input):
 *   - options_parse() returns -1, 0, or the index of the command: within
 *     argv, and argc exactly when --gc is given (which takes no command);
 *   - -1 comes with one message on stderr ("tmpjail: ...\n") and nothing on
 *     stdout, 0 (--help, --version) with stdout and no error, an index with
 *     neither;
 *   - what is accepted is sane: --seccomp-log only with --seccomp, --kept
 *     only with --gc, the
 *     prefixes absolute, canonical, unique, /tmp and /var/tmp first, and
 *     all of them within what the shim redirects (its MAP_MAX_RULES
 *     prefixes of less than MAP_PREFIX_MAX bytes, a TMPJAIL_REDIRECT under
 *     4 KiB): never accepted here and then dropped by the shim (issue 8,
 *     defect 4; docs/architecture.md, "Limits");
 *   - options_reset() zeroes every arg_*, and parsing the same arguments
 *     again gives the very same answer (no state kept across calls: getopt's
 *     is reset by options_parse() itself).
 */
#define _GNU_SOURCE 1
#include <stdlib.h>

#include "fuzz_util.h"
#include "map.h"
#include "options.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* A nested run's prefixes come from it: none here. */
	unsetenv("TMPJAIL_REDIRECT");
	return 0;
}

/* What one parse gave. */
struct outcome {
	int result;
	bool flags[7];
	char *base, *audit, *seccomp, *prefixes;
	struct fuzz_capture out, err;
};

static char *copy_or_null(const char *s)
{
	char *c = s ? strdup(s) : NULL;
	if (s && !c)
		abort();
	return c;
}

static char *join_prefixes(void)
{
	size_t size = 1;
	for (size_t i = 0; i < arg_prefixes.count; i++)
		size += strlen(arg_prefixes.list[i]) + 1;
	char *joined = calloc(1, size);
	if (!joined)
		abort();
	for (size_t i = 0; i < arg_prefixes.count; i++) {
		strcat(joined, arg_prefixes.list[i]);
		strcat(joined, "\n");
	}
	return joined;
}

static void parse(int argc, char **argv, struct outcome *o)
{
	*o = (struct outcome){0};
	fuzz_capture_start(&o->out, &stdout);
	fuzz_capture_start(&o->err, &stderr);
	o->result = options_parse(argc, argv);
	fuzz_capture_stop(&o->err);
	fuzz_capture_stop(&o->out);
	bool flags[7] = {arg_keep, arg_memory, arg_seccomp_log, arg_seal,
			 arg_gc,   arg_kept,   arg_verbose};
	memcpy(o->flags, flags, sizeof(flags));
	o->base = copy_or_null(arg_base);
	o->audit = copy_or_null(arg_audit);
	o->seccomp = copy_or_null(arg_seccomp);
	o->prefixes = join_prefixes();
}

static void outcome_free(struct outcome *o)
{
	free(o->base);
	free(o->audit);
	free(o->seccomp);
	free(o->prefixes);
	fuzz_capture_free(&o->out);
	fuzz_capture_free(&o->err);
}

static bool same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A prefix as env_prefixes_add() promises it: absolute, canonical, usable. */
static void check_prefix(const char *p)
{
	FUZZ_CHECK(p[0] == '/' && p[1] != '\0', "prefix \"%s\"", p);
	FUZZ_CHECK(!strstr(p, "//") && !strstr(p, "/./") && !strstr(p, "/../") && !strchr(p, ':'),
		   "prefix \"%s\" is not canonical", p);
	size_t len = strlen(p);
	FUZZ_CHECK(p[len - 1] != '/' && strcmp(p + len - 2, "/.") != 0 &&
		       (len < 3 || strcmp(p + len - 3, "/..") != 0),
		   "prefix \"%s\" is not canonical", p);
}

static void check_accepted(int argc, const struct outcome *o)
{
	FUZZ_CHECK(o->err.len == 0 && o->out.len == 0, "accepted, and printed \"%s%s\"",
		   o->out.text, o->err.text);
	if (arg_gc)
		FUZZ_CHECK(o->result == argc, "--gc, and a command at %d of %d", o->result, argc);
	else
		FUZZ_CHECK(o->result < argc, "no command, no --gc, accepted (%d)", o->result);
	FUZZ_CHECK(!arg_seccomp_log || arg_seccomp, "--seccomp-log accepted without --seccomp");
	FUZZ_CHECK(!arg_kept || arg_gc, "--kept accepted without --gc");
	FUZZ_CHECK(arg_prefixes.count >= 2 && strcmp(arg_prefixes.list[0], "/tmp") == 0 &&
		       strcmp(arg_prefixes.list[1], "/var/tmp") == 0,
		   "the prefixes do not start with /tmp and /var/tmp");
	size_t joined = 0;
	for (size_t i = 0; i < arg_prefixes.count; i++) {
		check_prefix(arg_prefixes.list[i]);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(arg_prefixes.list[i], arg_prefixes.list[j]) != 0,
				   "prefix %s twice", arg_prefixes.list[i]);
		joined += strlen(arg_prefixes.list[i]) + 1;
		FUZZ_CHECK(strlen(arg_prefixes.list[i]) < MAP_PREFIX_MAX,
			   "--redirect of %zu bytes accepted but the shim ignores it",
			   strlen(arg_prefixes.list[i]));
	}
	FUZZ_CHECK(arg_prefixes.count <= MAP_MAX_RULES,
		   "%zu prefixes accepted but the shim redirects %d", arg_prefixes.count,
		   MAP_MAX_RULES);
	FUZZ_CHECK(
	    joined <= MAP_REDIRECT_MAX,
	    "prefixes of %zu bytes accepted but the shim ignores a TMPJAIL_REDIRECT that long",
	    joined);
}

/* One message, however many newlines the arguments it quotes hold. */
static void check_refused(const struct outcome *o, size_t arg_newlines)
{
	const char *e = o->err.text;
	size_t newlines = 0;

	FUZZ_CHECK(o->out.len == 0, "refused, and printed on stdout \"%s\"", o->out.text);
	FUZZ_CHECK(o->err.len > 9 && strncmp(e, "tmpjail: ", 9) == 0 && e[o->err.len - 1] == '\n',
		   "refused, with the message \"%s\"", e);
	for (const char *p = e; (p = strchr(p, '\n')); p++)
		newlines++;
	FUZZ_CHECK(newlines <= 1 + arg_newlines, "refused with %zu lines: \"%s\"", newlines, e);
}

static void check_reset(void)
{
	FUZZ_CHECK(!arg_keep && !arg_memory && !arg_seccomp_log && !arg_seal && !arg_gc &&
		       !arg_kept && !arg_verbose && !arg_base && !arg_audit && !arg_seccomp &&
		       arg_prefixes.count == 0 && !arg_prefixes.list,
		   "options_reset() left something set");
}

/* argv from @data: "tmpjail", then the NUL-separated fields (a copy each run). */
static int make_argv(const uint8_t *data, size_t size, char *text, char **argv, size_t *newlines)
{
	int argc = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	argv[argc++] = "tmpjail";
	*newlines = 0;
	for (size_t at = 0; at < size && argc < MAX_ARGS; at += strlen(text + at) + 1)
		argv[argc++] = text + at;
	argv[argc] = NULL;
	for (int i = 1; i < argc; i++)
		for (const char *p = argv[i]; (p = strchr(p, '\n')); p++)
			(*newlines)++;
	return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1], *text = malloc(size + 1);
	size_t newlines;
	struct outcome first, second;

	if (!text)
		return 0;
	check_reset();
	int argc = make_argv(data, size, text, argv, &newlines);
	parse(argc, argv, &first);
	FUZZ_CHECK(first.result >= -1 && first.result <= argc, "options_parse() = %d, argc %d",
		   first.result, argc);
	if (first.result > 0)
		check_accepted(argc, &first);
	else if (first.result == 0)
		FUZZ_CHECK(first.out.len > 0 && first.err.len == 0,
			   "0 (help or version), stdout \"%s\", stderr \"%s\"", first.out.text,
			   first.err.text);
	else
		check_refused(&first, newlines);
	options_reset();
	check_reset();

	/* The same arguments again, from a fresh copy: the same answer. */
	argc = make_argv(data, size, text, argv, &newlines);
	parse(argc, argv, &second);
	FUZZ_CHECK(second.result == first.result &&
		       memcmp(second.flags, first.flags, sizeof(first.flags)) == 0 &&
		       same_string(second.base, first.base) &&
		       same_string(second.audit, first.audit) &&
		       same_string(second.seccomp, first.seccomp) &&
		       strcmp(second.prefixes, first.prefixes) == 0 &&
		       strcmp(second.out.text, first.out.text) == 0 &&
		       strcmp(second.err.text, first.err.text) == 0,
		   "a second parse differs: %d then %d, \"%s\" then \"%s\"", first.result,
		   second.result, first.err.text, second.err.text);
	options_reset();
	outcome_free(&first);
	outcome_free(&second);
	free(text);
	return 0;
}
