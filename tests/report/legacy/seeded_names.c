/* SPDX-License-Identifier: MIT */
/* Insecure on purpose: its own "random" names from rand() with a fixed
 * seed, so every run makes the same ones. Expected finding, given the logs
 * of two runs: predictable-name (CWE-340). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char name[] = "/tmp/cache-XXXXXXXX";

	srand(1);
	for (char *p = name + sizeof("/tmp/cache-") - 1; *p; p++)
		*p = chars[rand() % (int)(sizeof(chars) - 1)];
	int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return 1;
	close(fd);
	return unlink(name) ? 1 : 0;
}
