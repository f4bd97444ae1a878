/* SPDX-License-Identifier: MIT */
/* Careless on purpose: a safe temporary file it never removes. Expected
 * finding: left-for-reaper (CWE-459), informational only. */
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char name[] = "/tmp/scratch.XXXXXX";
	int fd = mkstemp(name);

	return fd < 0 ? 1 : close(fd);
}
