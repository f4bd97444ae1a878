/* SPDX-License-Identifier: MIT */
/*
 * The rule set behind --seccomp: presets and policy files are read into one
 * struct policy, which checks each rule against the others as it arrives,
 * so that a conflict is reported with the file and line that caused it.
 * seccomp_build() (seccomp.c) then turns the set into one libseccomp
 * filter. The file format is described in docs/seccomp.md.
 */
#ifndef TMPJAIL_LAUNCHER_POLICY_H
#define TMPJAIL_LAUNCHER_POLICY_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "setup.h"

/* libseccomp takes at most one comparison per argument, and there are six. */
#define POLICY_MAX_ARGS 6
/* Far above any real policy; what is bigger is a mistake (/dev/zero, a binary). */
#define POLICY_MAX_FILE_SIZE (1024 * 1024)
#define POLICY_MAX_FILE_SIZE_TEXT "1 MiB"
/* A filter is at most 4096 BPF instructions (BPF_MAXINSNS), a rule at least one. */
#define POLICY_MAX_RULES 4096
/* Mistakes printed; the rest are counted by policy_print_hidden_errors(). */
#define POLICY_MAX_ERROR_LINES 20

/* Where a rule or default came from, for error messages. */
struct policy_origin {
	const char *file;   /* policy file, or NULL: the command line */
	unsigned int line;  /* line in @file */
	const char *preset; /* the preset the rule belongs to, or NULL */
};

struct policy_rule {
	int syscall;		/* libseccomp's number for the native arch */
	uint32_t action;	/* SCMP_ACT_* */
	unsigned int arg_count; /* conditions, sorted by argument */
	struct scmp_arg_cmp args[POLICY_MAX_ARGS];
	struct policy_origin origin;
};

struct policy {
	struct policy_rule *rules;
	size_t count;
	size_t capacity;
	bool has_default;
	uint32_t default_action;
	struct policy_origin default_origin;
	char **files; /* copies of the file names origins point to */
	size_t file_count;
};

/*
 * policy_init() - an empty policy: no rules, default allow. Also starts the
 * count of printed mistakes afresh.
 */
void policy_init(struct policy *policy);

/* policy_free() - release everything @policy holds. */
void policy_free(struct policy *policy);

/*
 * policy_add_rule() - add a copy of @rule (its origin strings must outlive
 * @policy). An identical rule is dropped; a rule for the same system call
 * with another action conflicts when both test the same conditions or
 * either is unconditional (libseccomp would silently keep one of them).
 * Conflicts are printed as "tmpjail: FILE:LINE: ...".
 * Return: 0, -EEXIST (conflict), -E2BIG (the policy already holds
 * POLICY_MAX_RULES rules, printed) or -ENOMEM.
 */
int policy_add_rule(struct policy *policy, const struct policy_rule *rule);

/*
 * policy_set_default() - set the default action. A second default with a
 * different action is printed as a conflict. Return: 0 or -EEXIST.
 */
int policy_set_default(struct policy *policy, uint32_t action, const struct policy_origin *origin);

/*
 * policy_load_file() - parse the policy file @path into @policy. The file
 * is read whole first (setup_read_fd(): never a wait that a termination
 * signal cannot end), at most POLICY_MAX_FILE_SIZE bytes. Every mistake is
 * printed as "tmpjail: FILE:LINE: message" ("tmpjail: FILE: message" when
 * the file cannot be opened or read, or is too big).
 * @signals: watched while reading and parsing; may be NULL.
 * Return: 0, -EINTR (interrupted: @signals->caught, nothing printed), or
 * -errno (-EINVAL for a mistake in the file, -EFBIG for its size, -E2BIG for
 * too many rules).
 */
int policy_load_file(struct policy *policy, const char *path, struct setup_signals *signals);

/* policy_is_preset() - whether @name is a preset ("harden", "no-network"). */
bool policy_is_preset(const char *name);

/*
 * policy_add_preset() - add the rules of preset @name (seccomp.c); @origin
 * says who asked for it: an include line, or the command line (file NULL).
 * Return: 0 or -errno, after printing.
 */
int policy_add_preset(struct policy *policy, const char *name, const struct policy_origin *origin);

/*
 * policy_print_error() - print "tmpjail: WHERE: message" for @origin: WHERE
 * is FILE:LINE, or "--seccomp PRESET" for the command line. Only the first
 * POLICY_MAX_ERROR_LINES mistakes since policy_init() are printed.
 */
void policy_print_error(const struct policy_origin *origin, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* policy_print_message() - print "tmpjail: message", counted as a mistake. */
void policy_print_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * policy_print_hidden_errors() - print "tmpjail: --seccomp: ... and N more
 * errors" when mistakes went unprinted, and start the count afresh.
 */
void policy_print_hidden_errors(void);

#endif
