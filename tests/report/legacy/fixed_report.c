/* SPDX-License-Identifier: MIT */
/* Insecure on purpose: the report writer of many a legacy tool, a fixed name
 * opened with fopen("w") (O_CREAT|O_TRUNC, no O_EXCL). Expected finding:
 * insecure-create (CWE-377, CWE-59). */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	FILE *report = fopen("/tmp/report.tmp", "w");

	if (!report)
		return 1;
	fputs("total: 42\n", report);
	fclose(report);
	return unlink("/tmp/report.tmp") ? 1 : 0;
}
