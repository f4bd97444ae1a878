/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the seccomp policy parser (launcher/policy.c) and the
 * filter built from what it accepts (launcher/seccomp.c). Each input is the
 * text of a policy file, read through a memfd by its /proc/self/fd path, as
 * `tmpjail --seccomp FILE` would read it. Beyond "no crash, no leak":
 *   - a file is refused (policy_load_file() < 0) exactly when something is
 *     printed, and every message names the file and a line of it (never
 *     "refused, and nothing said", never "accepted, with an error");
 *   - no more messages than lines (one mistake per line at most), and at
 *     most POLICY_MAX_ERROR_LINES of them printed: the rest are counted in
 *     one last line, "tmpjail: --seccomp: ... and N more errors" (issue 8,
 *     defect 6);
 *   - seccomp_build() agrees: an accepted file gives a filter that
 *     libseccomp can turn into BPF, with and without --seccomp-log, and a
 *     refused one gives no filter and the same messages;
 *   - with the harden preset before it, the file still builds or is
 *     refused with a message naming one of its lines.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "policy.h"
#include "sandbox.h"

static int policy_fd = -1, null_fd = -1;
static char policy_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	policy_fd = memfd_create("fuzz.policy", MFD_CLOEXEC);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (policy_fd < 0 || null_fd < 0)
		abort();
	snprintf(policy_path, sizeof(policy_path), "/proc/self/fd/%d", policy_fd);
	return 0;
}

static void write_policy(const uint8_t *data, size_t size)
{
	if (ftruncate(policy_fd, 0) < 0 || pwrite(policy_fd, data, size, 0) != (ssize_t)size)
		abort();
}

/* Lines in the file as getline() sees them (a last line without '\n' counts). */
static unsigned count_lines(const uint8_t *data, size_t size)
{
	unsigned lines = 0;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	return lines + (size > 0 && data[size - 1] != '\n');
}

/*
 * The last line of @msg, when it is the count of the mistakes not printed,
 * after exactly POLICY_MAX_ERROR_LINES printed ones (@count).
 * Return: how many were not printed, or 0: not that line.
 */
static unsigned hidden_errors(const char *msg, const char *end, unsigned count)
{
	static const char prefix[] = "tmpjail: --seccomp: ... and ";
	char *after;

	if (strncmp(msg, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	unsigned long hidden = strtoul(msg + sizeof(prefix) - 1, &after, 10);
	FUZZ_CHECK(strcmp(after, " more errors\n") == 0 && end[1] == '\0' && hidden >= 1,
		   "a malformed count of hidden errors: \"%s\"", msg);
	FUZZ_CHECK(count == POLICY_MAX_ERROR_LINES, "%lu errors hidden after %u printed, not %d",
		   hidden, count, POLICY_MAX_ERROR_LINES);
	return (unsigned)hidden;
}

/*
 * Every message is "tmpjail: PATH:N: ..." with N a line of the file; a
 * file-level one ("tmpjail: PATH: ...") may follow them (a summary), never
 * stand alone. After POLICY_MAX_ERROR_LINES of them, only the count of the
 * others. Return: how many mistakes, printed or counted.
 */
static unsigned check_messages(const char *text, unsigned lines)
{
	size_t path_len = strlen(policy_path);
	unsigned count = 0;

	for (const char *msg = text; *msg; count++) {
		const char *end = strchr(msg, '\n');
		FUZZ_CHECK(end, "a message without its newline: \"%s\"", msg);
		unsigned hidden = hidden_errors(msg, end, count);
		if (hidden)
			return count + hidden;
		FUZZ_CHECK(count < POLICY_MAX_ERROR_LINES, "more than %d messages printed: \"%s\"",
			   POLICY_MAX_ERROR_LINES, text);
		FUZZ_CHECK(strncmp(msg, "tmpjail: ", 9) == 0 &&
			       strncmp(msg + 9, policy_path, path_len) == 0,
			   "a message that does not name the file: \"%.*s\"", (int)(end - msg),
			   msg);
		const char *at = msg + 9 + path_len;
		if (at[0] == ':' && at[1] >= '1' && at[1] <= '9') {
			char *after;
			unsigned long line = strtoul(at + 1, &after, 10);
			FUZZ_CHECK(*after == ':' && line >= 1 && line <= lines,
				   "a message naming line %lu of a file of %u lines: \"%.*s\"",
				   line, lines, (int)(end - msg), msg);
		} else {
			FUZZ_CHECK(count > 0, "the first message names no line: \"%.*s\"",
				   (int)(end - msg), msg);
		}
		msg = end + 1;
	}
	return count;
}

/* seccomp_build(@spec, @log) with its messages in @err. */
static scmp_filter_ctx build(const char *spec, bool log, struct fuzz_capture *err)
{
	fuzz_capture_start(err, &stderr);
	scmp_filter_ctx ctx = seccomp_build(spec, log, NULL);
	fuzz_capture_stop(err);
	return ctx;
}

/* An accepted policy gives a filter libseccomp can generate, silently. */
static void check_builds(const char *spec, bool log)
{
	struct fuzz_capture err;
	scmp_filter_ctx ctx = build(spec, log, &err);

	FUZZ_CHECK(ctx, "accepted by the parser, but no filter (log %d): \"%s\"", log, err.text);
	FUZZ_CHECK(err.len == 0, "a filter, and a message: \"%s\"", err.text);
	int r = seccomp_export_bpf(ctx, null_fd);
	FUZZ_CHECK(r == 0, "libseccomp cannot generate the filter: %s", strerror(-r));
	seccomp_release(ctx);
	fuzz_capture_free(&err);
}

/* A refused policy gives no filter, and the parser's very messages. */
static void check_refused(const char *spec, const char *messages)
{
	struct fuzz_capture err;
	scmp_filter_ctx ctx = build(spec, false, &err);

	FUZZ_CHECK(!ctx, "refused by the parser, but seccomp_build() made a filter");
	FUZZ_CHECK(strcmp(err.text, messages) == 0,
		   "seccomp_build() printed \"%s\", the parser \"%s\"", err.text, messages);
	fuzz_capture_free(&err);
}

/* After the harden preset: a filter, or refused naming a line of the file. */
static void check_after_preset(unsigned lines)
{
	char spec[sizeof(policy_path) + 16];
	struct fuzz_capture err;

	snprintf(spec, sizeof(spec), "harden,%s", policy_path);
	scmp_filter_ctx ctx = build(spec, false, &err);
	if (ctx) {
		FUZZ_CHECK(err.len == 0, "a filter, and a message: \"%s\"", err.text);
		seccomp_release(ctx);
	} else {
		FUZZ_CHECK(err.len > 0, "harden + the file: no filter, and no message");
		check_messages(err.text, lines);
	}
	fuzz_capture_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy policy;
	struct fuzz_capture err;
	unsigned lines = count_lines(data, size);

	write_policy(data, size);
	policy_init(&policy);
	fuzz_capture_start(&err, &stderr);
	int r = policy_load_file(&policy, policy_path, NULL);
	/* What seccomp_build() adds after the parser's messages. */
	policy_print_hidden_errors();
	fuzz_capture_stop(&err);
	policy_free(&policy);

	if (r == 0) {
		FUZZ_CHECK(err.len == 0, "accepted, and a message: \"%s\"", err.text);
		check_builds(policy_path, false);
		check_builds(policy_path, true);
		check_after_preset(lines);
	} else {
		FUZZ_CHECK(r == -EINVAL || r == -EEXIST || r == -E2BIG, "refused with %d (%s)", r,
			   strerror(-r));
		FUZZ_CHECK(err.len > 0, "refused (%d), and nothing said", r);
		unsigned messages = check_messages(err.text, lines);
		FUZZ_CHECK(messages <= lines + 1, "%u mistakes for %u lines", messages, lines);
		check_refused(policy_path, err.text);
	}
	fuzz_capture_free(&err);
	return 0;
}
