/* SPDX-License-Identifier: MIT */
/*
 * Stand-ins for the parts of sandbox.h whose source file is not in this
 * tree (launcher/CMakeLists.txt defines TMPJAIL_HAVE_SECCOMP and
 * TMPJAIL_HAVE_SEAL for those that are): the options then fail with exit
 * 125 instead of running the command unconfined.
 */
#include <errno.h>
#include <stdio.h>

#include "sandbox.h"

#ifndef TMPJAIL_HAVE_SECCOMP
scmp_filter_ctx seccomp_build(const char *spec, bool log_denials)
{
	(void)log_denials;
	fprintf(stderr, "tmpjail: --seccomp %s: seccomp support is not built in\n", spec);
	return NULL;
}

int seccomp_install(scmp_filter_ctx ctx)
{
	(void)ctx;
	return -ENOSYS;
}
#endif

#ifndef TMPJAIL_HAVE_SEAL
int seal_build(const char *const *prefixes, size_t count, const char *root)
{
	(void)prefixes;
	(void)count;
	(void)root;
	fprintf(stderr, "tmpjail: --seal: Landlock support is not built in\n");
	return -1;
}

int seal_install(int ruleset_fd)
{
	(void)ruleset_fd;
	return -ENOSYS;
}
#endif
