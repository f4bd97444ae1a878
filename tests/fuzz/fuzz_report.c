/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of tmpjail --report (launcher/report*.c). The input is
 * an audit log, as an audited program could shape it (its paths, its
 * names): it is read twice, as two runs' logs (so the cross-run rules run
 * too), in the format its first byte picks. Beyond "no crash, no leak":
 *   - the exit status is 0, 1 or 125, and 125 prints no findings;
 *   - the JSON and SARIF outputs are whole: they open and close as the
 *     format says, and their braces and brackets (outside strings) balance;
 *   - the table has no control character but newlines (a name cannot
 *     forge or hide a line of it).
 */
#define _GNU_SOURCE 1
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "report.h"

/* Do the braces and brackets of the JSON text @text balance, strings aside? */
static bool balanced(const char *text)
{
	int depth = 0;
	bool string = false;

	for (const char *p = text; *p; p++) {
		if (string) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				string = false;
			continue;
		}
		if (*p == '"')
			string = true;
		else if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth < 0)
			return false;
	}
	return depth == 0 && !string;
}

static void check_output(enum report_format format, int status, const char *out)
{
	if (status == 125) {
		FUZZ_CHECK(out[0] == '\0', "125 with output: %s", out);
		return;
	}
	if (format == FORMAT_TABLE) {
		for (const char *p = out; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\n',
				   "control character %#x in the table", *p);
		return;
	}
	const char *head = format == FORMAT_JSON ? "{\"findings\":[" : "{\"$schema\":";
	FUZZ_CHECK(!strncmp(out, head, strlen(head)), "output starts: %.40s", out);
	FUZZ_CHECK(balanced(out), "unbalanced output: %s", out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum report_format format = (enum report_format)(data[0] % 3);
	int fd = memfd_create("log", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "memfd_create");
	FUZZ_CHECK(write(fd, data + 1, size - 1) == (ssize_t)(size - 1), "write");
	char path[64], *out = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	char *logs[] = {path, path};

	FILE *saved_out = stdout, *saved_err = stderr, *capture = open_memstream(&out, &len);
	FILE *null = fopen("/dev/null", "w");
	FUZZ_CHECK(capture && null, "open_memstream");
	stdout = capture;
	stderr = null;
	int status = report_main(logs, 2, format, (enum report_severity)(data[0] / 3 % 4));
	stdout = saved_out;
	stderr = saved_err;
	fclose(capture);
	fclose(null);
	close(fd);
	FUZZ_CHECK(status == 0 || status == 1 || status == 125, "exit status %d", status);
	check_output(format, status, out);
	free(out);
	return 0;
}
