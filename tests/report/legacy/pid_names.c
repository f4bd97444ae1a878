/* SPDX-License-Identifier: MIT */
/* Insecure on purpose: "unique" names made from the pid; O_EXCL, so a
 * guesser can only make it fail. Expected finding: predictable-name
 * (CWE-340). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char name[64];

	snprintf(name, sizeof(name), "/tmp/job.%ld", (long)getpid());
	int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return 1;
	close(fd);
	return unlink(name) ? 1 : 0;
}
