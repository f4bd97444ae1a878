/* SPDX-License-Identifier: MIT */
/*
 * The launcher's confinement: seccomp filters (libseccomp) and the Landlock
 * seal. Each is built in the launcher before the fork, so that any mistake
 * is reported and the launcher exits 125 before anything runs, and
 * installed in the child after PR_SET_NO_NEW_PRIVS, just before exec, so
 * the launcher itself stays unrestricted.
 */
#ifndef TMPJAIL_LAUNCHER_SANDBOX_H
#define TMPJAIL_LAUNCHER_SANDBOX_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>

#include "setup.h"

/*
 * seccomp_build() - build the filter for --seccomp SPEC.
 * @spec: comma-separated preset names ("harden", "no-network") and policy
 *        file paths, as given on the command line.
 * @log_denials: --seccomp-log: every deny becomes SCMP_ACT_LOG.
 * @signals: a termination signal arriving on it stops the build at once
 *           (policy files that never end, huge policies); may be NULL.
 *
 * Errors are printed to stderr as "tmpjail: FILE:LINE: what is wrong", the
 * first POLICY_MAX_ERROR_LINES of them and then how many more there were.
 * Return: a filter to pass to seccomp_install(), or NULL after printing,
 * or NULL with @signals->caught set (nothing printed) when interrupted.
 */
scmp_filter_ctx seccomp_build(const char *spec, bool log_denials, struct setup_signals *signals);

/*
 * seccomp_install() - load @ctx into the calling process (the child, after
 * no_new_privs) and release it. No stdio. Return: 0 or -errno.
 */
int seccomp_install(scmp_filter_ctx ctx);

/*
 * seal_build() - prepare the --seal Landlock ruleset: the process tree may
 * not create or write files under any of @prefixes, except inside @root;
 * everything else keeps working.
 * @prefixes: the redirected prefixes ("/tmp", "/var/tmp", ...).
 * @count: how many.
 * @root: the run's private root, already created.
 * @audit: the absolute audit file (TMPJAIL_AUDIT), or NULL: a warning is
 *         printed when the seal keeps the shim from writing it.
 * @signals: a termination signal arriving on it stops the build at once;
 *           may be NULL.
 *
 * Errors (among them "this kernel has no Landlock") are printed to stderr.
 * Return: a ruleset fd to pass to seal_install(), or -1 after printing, or
 * -1 with @signals->caught set (nothing printed) when interrupted.
 */
int seal_build(const char *const *prefixes, size_t count, const char *root, const char *audit,
	       struct setup_signals *signals);

/*
 * seal_install() - restrict the calling process (the child, after
 * no_new_privs) with the ruleset and close it. No stdio. Return: 0 or
 * -errno.
 */
int seal_install(int ruleset_fd);

#endif
