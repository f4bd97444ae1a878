/* SPDX-License-Identifier: MIT */
/*
 * tmpjail's command line: getopt_long into the arg_* variables below.
 * Kept apart from main.c so the parser can be fuzzed on its own
 * (tests/fuzz/fuzz_options.c).
 */
#ifndef TMPJAIL_LAUNCHER_OPTIONS_H
#define TMPJAIL_LAUNCHER_OPTIONS_H

#include <stdbool.h>

#include "env.h"
#include "trap.h"

#define EXIT_TMPJAIL 125

extern bool arg_keep, arg_memory, arg_seccomp_log, arg_seal, arg_gc, arg_kept, arg_verbose;
extern bool arg_report; /* --report: the rest of argv are audit logs */
extern const char *arg_base, *arg_audit, *arg_format, *arg_fail_on;
extern char *arg_seccomp; /* every --seccomp, joined with ',' */
extern struct prefixes arg_prefixes;
extern enum trap_mode arg_trap; /* --trap: auto (the default), off or all */

/*
 * options_parse() - parse tmpjail's options into the arg_* variables.
 * @argc, @argv: main()'s. Options end at the first non-option (the command).
 *
 * --help and --version are answered on stdout here. Every error is one line
 * on stderr. Can be called again after options_reset().
 * Return: the index of COMMAND in @argv (or of argc with --gc; of the
 * first audit log with --report), 0 when
 * --help or --version was handled, -1 on error (also when their answer
 * could not be written to stdout).
 */
int options_parse(int argc, char **argv);

/*
 * options_check_audit() - can the shim append to the --audit file? It is
 * opened (and created if missing) the way the shim opens it, at the
 * absolute name the command will be given. An empty name, a directory, a
 * missing directory, no permission: one line on stderr.
 * Return: 0 (also without --audit), -1 after printing.
 */
int options_check_audit(void);

/* options_reset() - free what options_parse() allocated; zero every arg_*. */
void options_reset(void);

#endif
