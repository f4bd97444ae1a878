/* SPDX-License-Identifier: MIT */
/*
 * 16 threads each make 200 files with mkstemp("BASE/tXXXXXX"), read each
 * back through fopen by its /tmp name, and use a tmpfile(): the shim's
 * wrappers must be thread-safe and give every thread the same private dir.
 * Prints "ok <files>" when every step of every thread worked.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "helper.h"

#define THREADS 16
#define ROUNDS 200

struct worker {
	const char *base;
	int index;
	int failures;
	char error[4400];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < ROUNDS; i++) {
		char tmpl[4096], text[64], line[64] = {0};
		snprintf(tmpl, sizeof(tmpl), "%s/t%02d-XXXXXX", w->base, w->index);
		snprintf(text, sizeof(text), "%d/%d\n", w->index, i);
		int fd = mkstemp(tmpl);
		if (fd < 0 || write_all(fd, text) < 0 || close(fd) < 0) {
			snprintf(w->error, sizeof(w->error), "mkstemp %s: %s", tmpl,
				 strerror(errno));
			w->failures++;
			continue;
		}
		FILE *in = fopen(tmpl, "r");
		if (!in || !fgets(line, sizeof(line), in) || strcmp(line, text) != 0) {
			snprintf(w->error, sizeof(w->error), "fopen %s: %s", tmpl, strerror(errno));
			w->failures++;
		}
		if (in)
			fclose(in);
		FILE *anon = tmpfile();
		if (!anon || fputs(text, anon) < 0 || fflush(anon) != 0) {
			snprintf(w->error, sizeof(w->error), "tmpfile: %s", strerror(errno));
			w->failures++;
		}
		if (anon)
			fclose(anon);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s BASE\n", argv[0]);
		return 2;
	}
	pthread_t tids[THREADS];
	struct worker workers[THREADS];
	for (int i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){.base = argv[1], .index = i};
		if (pthread_create(&tids[i], NULL, work, &workers[i]) != 0)
			return 1;
	}
	int failures = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tids[i], NULL);
		failures += workers[i].failures;
		if (workers[i].failures)
			fprintf(stderr, "thread %d: %d failures, last: %s\n", i,
				workers[i].failures, workers[i].error);
	}
	if (failures)
		return 1;
	printf("ok %d\n", THREADS * ROUNDS);
	return 0;
}
