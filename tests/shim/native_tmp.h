/* SPDX-License-Identifier: MIT */
/*
 * Run one shell script twice and compare: under the built tmpjail, and
 * natively with a scratch directory bind-mounted on /tmp (a private mount
 * namespace: the reference for "behaves as natively", issue 10).
 */
#ifndef TMPJAIL_TESTS_SHIM_NATIVE_TMP_H
#define TMPJAIL_TESTS_SHIM_NATIVE_TMP_H

#include <stdbool.h>

#include "tj_check.h"

/*
 * nt_skip_reason() - why no native reference run can be made here (no
 * unshare(1), neither root nor user namespaces), or NULL when it can.
 */
const char *nt_skip_reason(void);

/* Skip the test (TJ_SKIP) when no native reference run can be made. */
#define NT_REQUIRE_NATIVE()                             \
	do {                                            \
		const char *nt_why_ = nt_skip_reason(); \
		if (nt_why_)                            \
			TJ_SKIP(nt_why_);               \
	} while (0)

/*
 * nt_compare() - run `sh -c @script` under tmpjail and natively, in that
 * order, each with a fresh empty /tmp, and assert both print the same and
 * exit alike. The script works in /tmp/@name (given in $W): afterwards the
 * real /tmp must hold no such entry, and the run's private root must be
 * gone. Both outputs must contain @expect (so that two runs failing alike
 * never pass).
 */
void nt_compare(const char *name, const char *script, int timeout, const char *expect);

/* nt_unique() - "tjnt-<pid>-<n>": a name no other run uses in /tmp. */
const char *nt_unique(void);

#endif
