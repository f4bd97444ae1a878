/* SPDX-License-Identifier: MIT */
/*
 * What the harnesses share: capturing what the code under test prints
 * (it prints to the stdio streams, so swapping the FILE pointers is enough
 * and sanitizer reports, written to fd 2, still reach the terminal), and
 * failing an invariant with a message libFuzzer shows next to the input.
 */
#ifndef TMPJAIL_TESTS_FUZZ_UTIL_H
#define TMPJAIL_TESTS_FUZZ_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Run by fuzz_fail() before abort(): a harness's own clean-up (scratch files). */
static void (*fuzz_on_fail)(void);

/* fuzz_fail() - an invariant does not hold: say which, then abort(). */
static inline __attribute__((noreturn, format(printf, 1, 2))) void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	/* fd 2 itself: stderr may be captured right now. */
	va_start(ap, fmt);
	vdprintf(2, fmt, ap);
	va_end(ap);
	dprintf(2, "\n");
	if (fuzz_on_fail)
		fuzz_on_fail();
	abort();
}

#define FUZZ_CHECK(cond, ...)                   \
	do {                                    \
		if (!(cond))                    \
			fuzz_fail(__VA_ARGS__); \
	} while (0)

/* Output of one stream while captured; text is NUL-terminated. */
struct fuzz_capture {
	FILE **stream;
	FILE *saved;
	char *text;
	size_t len;
};

/* fuzz_capture_start() - send what goes to *@stream to memory instead. */
static inline void fuzz_capture_start(struct fuzz_capture *c, FILE **stream)
{
	*c = (struct fuzz_capture){.stream = stream, .saved = *stream};
	FILE *mem = open_memstream(&c->text, &c->len);
	if (!mem)
		abort();
	*stream = mem;
}

/* fuzz_capture_stop() - restore the stream; c->text holds the output
 * (free it with fuzz_capture_free()). */
static inline void fuzz_capture_stop(struct fuzz_capture *c)
{
	FILE *mem = *c->stream;
	*c->stream = c->saved;
	if (fclose(mem) != 0)
		abort();
}

static inline void fuzz_capture_free(struct fuzz_capture *c)
{
	free(c->text);
	c->text = NULL;
}

#endif
