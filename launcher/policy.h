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

/* libseccomp takes at most one comparison per argument, and there are six. */
#define POLICY_MAX_ARGS 6

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

/* policy_init() - an empty policy: no rules, default allow. */
void policy_init(struct policy *policy);

/* policy_free() - release everything @policy holds. */
void policy_free(struct policy *policy);

/*
 * policy_add_rule() - add a copy of @rule (its origin strings must outlive
 * @policy). An identical rule is dropped; a rule for the same system call
 * with another action conflicts when both test the same conditions or
 * either is unconditional (libseccomp would silently keep one of them).
 * Conflicts are printed as "tmpjail: FILE:LINE: ...".
 * Return: 0, -EEXIST (conflict) or -ENOMEM.
 */
int policy_add_rule(struct policy *policy, const struct policy_rule *rule);

/*
 * policy_set_default() - set the default action. A second default with a
 * different action is printed as a conflict. Return: 0 or -EEXIST.
 */
int policy_set_default(struct policy *policy, uint32_t action, const struct policy_origin *origin);

/*
 * policy_load_file() - parse the policy file @path into @policy. Every
 * mistake is printed as "tmpjail: FILE:LINE: message" ("tmpjail: FILE:
 * message" when the file cannot be read). Return: 0 or -errno (-EINVAL for
 * a mistake in the file).
 */
int policy_load_file(struct policy *policy, const char *path);

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
 * is FILE:LINE, or "--seccomp PRESET" for the command line.
 */
void policy_print_error(const struct policy_origin *origin, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
