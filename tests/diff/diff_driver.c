/* SPDX-License-Identifier: MIT */
/*
 * tj_diff: the differential tester's driver (tests/diff/README.md).
 *
 *   tj_diff [--seeds N] [--seconds S] [--first SEED] [--known FILE]
 *           [--no-shrink] [--keep-going] [--print SEED] [--replay FILE]
 *           [--self-check]
 *
 * Runs seeds FIRST, FIRST+1, ... until N seeds or S seconds, whichever
 * comes first. A seed whose mismatches all belong to classes of the known
 * list passes and is counted; the first seed with any other mismatch is
 * shrunk, printed and fails the run (exit 1); with --keep-going every such
 * seed is reported and the run goes on. Exit 77: no private mount
 * namespace can be made here, the tester cannot run.
 */
#include "diff.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct args {
	unsigned long seeds, seconds, first;
	const char *known, *replay;
	bool shrink, print, keep_going, self_check;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_lines(const char *prefix, const struct lines *l)
{
	for (size_t i = 0; i < l->count; i++)
		printf("%s%s\n", prefix, l->line[i]);
}

/* Print a sequence with the two transcripts' lines where they differ. */
static void show(struct diff_env *env, const struct known *known, const struct lines *seq)
{
	struct evaluation ev;
	diff_evaluate(env, known, seq, &ev);
	printf("  sequence (%zu operations; with known mismatches elided, as judged):\n",
	       seq->count);
	print_lines("    ", seq);
	if (ev.verdict == VERDICT_NEW)
		printf("  first unknown mismatch (%s):\n    shim: %s\n    ref:  %s\n",
		       ev.unknown.signature, ev.unknown.shim, ev.unknown.ref);
	for (size_t i = 0; i < ev.classes.count; i++)
		printf("  known on the way: %s\n", ev.classes.line[i]);
	evaluation_free(&ev);
}

/* Replay a sequence file: both transcripts whole, then the verdict. */
static int replay(struct diff_env *env, const struct known *known, const char *path)
{
	struct lines seq = {0};
	FILE *f = fopen(path, "r");
	char line[4096];
	while (f && fgets(line, sizeof(line), f))
		if (line[0] != '\n' && line[0] != '#')
			lines_addf(&seq, "%.*s", (int)strcspn(line, "\n"), line);
	if (f)
		fclose(f);
	struct side shim = {0}, ref = {0};
	int err = diff_run_pair(env, &seq, &shim, &ref);
	if (err < 0) {
		fprintf(stderr, "tj_diff: a run could not be made: %s\n", strerror(-err));
		return 2;
	}
	for (size_t i = 0; i < shim.transcript.count || i < ref.transcript.count; i++) {
		const char *a = i < shim.transcript.count ? shim.transcript.line[i] : "(none)";
		const char *b = i < ref.transcript.count ? ref.transcript.line[i] : "(none)";
		if (!strcmp(a, b))
			printf("    both: %s\n", a);
		else
			printf("  ! shim: %s\n  ! ref:  %s\n", a, b);
	}
	struct mismatch m[64];
	size_t n = diff_tree_mismatches(&shim, &ref, m, 64);
	for (size_t i = 0; i < n; i++)
		printf("  ! tree shim: %s\n  !      ref:  %s\n", m[i].shim, m[i].ref);
	mismatch_free(m, n);
	side_free(&shim);
	side_free(&ref);
	show(env, known, &seq);
	lines_free(&seq);
	return 0;
}

/* Judge seed @seed. Return: false if it found a mismatch of no known class. */
static bool run_seed(struct diff_env *env, struct known *known, unsigned long seed, bool shrink,
		     long *runs)
{
	struct lines seq = {0};
	struct evaluation ev;
	diff_generate(seed, &seq);
	enum verdict v = diff_evaluate(env, known, &seq, &ev);
	*runs += ev.runs;
	/* Count each class once per seed. */
	lines_sort(&ev.classes);
	for (size_t i = 0; i < ev.classes.count; i++)
		if (!i || strcmp(ev.classes.line[i], ev.classes.line[i - 1]))
			known_count(known, ev.classes.line[i]);
	if (v == VERDICT_NEW || v == VERDICT_ERROR) {
		printf("seed %lu: %s\n", seed, v == VERDICT_NEW ? "NEW MISMATCH" : "ERROR");
		if (v == VERDICT_NEW) {
			printf("  shim: %s\n  ref:  %s\n", ev.unknown.shim, ev.unknown.ref);
			if (shrink) {
				printf("  shrinking (%s)...\n", ev.unknown.signature);
				fflush(stdout);
				diff_shrink(env, known, &seq, ev.unknown.signature);
			}
		}
		show(env, known, &seq);
	}
	evaluation_free(&ev);
	lines_free(&seq);
	return v != VERDICT_NEW && v != VERDICT_ERROR;
}

/*
 * self_check() - check the tester itself, whatever the shim does: the
 * reference against itself must agree on every seed (no mismatch from the
 * tester's own nondeterminism), and against the executor with a planted
 * defect (mkdir of a path with a "b" fails with EIO) must fail, shrunk to a
 * single mkdir. Return: 0 when both hold.
 */
static int self_check(struct diff_env *env, const struct args *a)
{
	unsigned long seed = a->first, found = 0;
	double start = now();
	env->self_check = 1;
	for (; seed < a->first + a->seeds && now() - start < (double)a->seconds; seed++) {
		long runs = 0;
		if (!run_seed(env, NULL, seed, false, &runs)) {
			printf(
			    "tj_diff: self-check: the reference disagrees with itself (seed %lu)\n",
			    seed);
			return 1;
		}
	}
	printf("tj_diff: self-check: seeds %lu to %lu agree with themselves\n", a->first, seed - 1);
	env->self_check = 2;
	for (seed = a->first; !found && seed < a->first + 50; seed++) {
		struct lines seq = {0};
		struct evaluation ev;
		diff_generate(seed, &seq);
		if (diff_evaluate(env, NULL, &seq, &ev) == VERDICT_NEW) {
			diff_shrink(env, NULL, &seq, ev.unknown.signature);
			found = seed;
			printf("tj_diff: self-check: the planted defect found by seed %lu, shrunk "
			       "to:\n",
			       seed);
			print_lines("    ", &seq);
			if (seq.count != 1 || strncmp(seq.line[0], "mkdir ", 6))
				found = 0;
		}
		evaluation_free(&ev);
		lines_free(&seq);
	}
	if (!found)
		printf("tj_diff: self-check: the planted defect was not found, or not shrunk to "
		       "one mkdir\n");
	return found ? 0 : 1;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
	    {"seeds", required_argument, NULL, 'n'},  {"seconds", required_argument, NULL, 's'},
	    {"first", required_argument, NULL, 'f'},  {"known", required_argument, NULL, 'k'},
	    {"replay", required_argument, NULL, 'r'}, {"print", required_argument, NULL, 'p'},
	    {"no-shrink", no_argument, NULL, 'S'},    {"keep-going", no_argument, NULL, 'K'},
	    {"self-check", no_argument, NULL, 'C'},   {NULL, 0, NULL, 0}};
	*a = (struct args){.seeds = 200, .seconds = 20, .first = 1, .shrink = true};
	for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		switch (c) {
		case 'n':
			a->seeds = strtoul(optarg, NULL, 10);
			break;
		case 's':
			a->seconds = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			a->first = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			a->known = optarg;
			break;
		case 'r':
			a->replay = optarg;
			break;
		case 'p':
			a->print = true, a->first = strtoul(optarg, NULL, 10);
			break;
		case 'S':
			a->shrink = false;
			break;
		case 'K':
			a->keep_going = true;
			break;
		case 'C':
			a->self_check = true;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct args a;
	struct known *known = NULL;
	char why[512] = "";
	if (parse_args(argc, argv, &a) < 0) {
		fputs("usage: tj_diff [--seeds N] [--seconds S] [--first SEED] [--known FILE]\n"
		      "              [--no-shrink] [--keep-going] [--print SEED] [--replay FILE]\n"
		      "              [--self-check]\n",
		      stderr);
		return 2;
	}
	if (a.print) {
		struct lines seq = {0};
		diff_generate(a.first, &seq);
		print_lines("", &seq);
		lines_free(&seq);
		return 0;
	}
	if (a.known && known_load(a.known, &known, why, sizeof(why)) < 0) {
		fprintf(stderr, "tj_diff: %s\n", why);
		return 2;
	}
	const char *parent = getenv("TJ_SCRATCH_PARENT");
	struct diff_env env = {0};
	int err = diff_env_init(&env, parent ? parent : "scratch", why, sizeof(why));
	if (err) {
		printf("tj_diff: cannot run: %s\n", why);
		known_free(known);
		return err == -ENOTSUP ? 77 : 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (a.self_check) {
		err = self_check(&env, &a);
		diff_env_fini(&env);
		known_free(known);
		return err;
	}
	if (a.replay) {
		err = replay(&env, known, a.replay);
		diff_env_fini(&env);
		known_free(known);
		return err;
	}
	double start = now();
	unsigned long done = 0, failed = 0;
	long runs = 0;
	for (unsigned long seed = a.first; done < a.seeds && now() - start < (double)a.seconds;
	     seed++) {
		done++;
		if (!run_seed(&env, known, seed, a.shrink, &runs) && (++failed, !a.keep_going))
			break;
	}
	double took = now() - start;
	printf("tj_diff: %lu seeds from %lu in %.1f s (%ld pairs, %.0f ms a pair), %lu failed\n",
	       done, a.first, took, runs, runs ? 1000 * took / (double)runs : 0.0, failed);
	known_report(known);
	diff_env_fini(&env);
	known_free(known);
	return failed ? 1 : 0;
}
