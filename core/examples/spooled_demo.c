/* SPDX-License-Identifier: MIT */
/* Python's `with tempfile.SpooledTemporaryFile(max_size=1024) as fp:` in C. */
#include <stdio.h>
#include <tmpjail/tempfile.h>

int main(void)
{
	tf_scoped(spooled) struct tf_spooled *spooled = tf_spooled_open(1024, NULL);
	if (!spooled) {
		perror("tf_spooled_open");
		return 1;
	}
	FILE *fp = tf_spooled_file(spooled);
	fprintf(fp, "Hello world!");
	rewind(fp);
	char buf[64] = {0};
	fread(buf, 1, sizeof(buf) - 1, fp);
	puts(buf); /* Hello world!, never written to disk */
	return 0;
}
