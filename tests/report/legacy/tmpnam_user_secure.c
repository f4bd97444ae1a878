/* SPDX-License-Identifier: MIT */
/* The secure twin of tmpnam_user.c: mkstemp instead of tmpnam + open.
 * Expected: no finding. */
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char name[] = "/tmp/tmpXXXXXX";
	int fd = mkstemp(name);

	if (fd < 0)
		return 1;
	close(fd);
	return unlink(name) ? 1 : 0;
}
