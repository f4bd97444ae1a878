/* SPDX-License-Identifier: MIT */
/*
 * tmpjail(1): parse the options, make the private root, export the
 * environment, build the confinement, run and supervise the command, and
 * remove the root. Exit status as env(1) and timeout(1): the command's,
 * 128+N for a signal, 125 for tmpjail's own errors, 126/127 from exec.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "root.h"
#include "sandbox.h"
#include "supervise.h"

#ifndef TMPJAIL_VERSION
#define TMPJAIL_VERSION "0.1.0"
#endif

#define EXIT_TMPJAIL 125

static bool arg_keep, arg_memory, arg_seccomp_log, arg_seal, arg_gc, arg_verbose;
static const char *arg_base, *arg_audit;
static char *arg_seccomp; /* every --seccomp, joined with ',' */
static struct prefixes arg_prefixes;

static const char usage[] =
    "Usage: tmpjail [OPTIONS] [--] COMMAND [ARG]...\n"
    "       tmpjail --gc [--base DIR]\n"
    "       tmpjail --help | --version\n"
    "Run COMMAND with a private /tmp that is removed when its whole process tree ends.\n"
    "\n"
    "  -k, --keep               do not remove the private root; print its path at exit\n"
    "                             tmpjail --keep -- ./flaky-test\n"
    "      --base DIR           create the private root in DIR (default /tmp)\n"
    "                             tmpjail --base ~/scratch -- ./job\n"
    "      --memory             put the private root on a RAM file system (/dev/shm)\n"
    "                             tmpjail --memory -- ./decrypt-and-process\n"
    "      --redirect PREFIX    redirect PREFIX too (repeatable; /tmp, /var/tmp always)\n"
    "                             tmpjail --redirect /scratch -- ./legacy-tool\n"
    "      --seccomp POLICY[,POLICY...]  seccomp presets (harden, no-network) or files\n"
    "                             tmpjail --seccomp harden,no-network -- ./untrusted\n"
    "      --seccomp-log        log what the policies would deny instead of denying it\n"
    "                             tmpjail --seccomp harden --seccomp-log -- ./app\n"
    "      --seal               Landlock: no writes under the real prefixes but the root\n"
    "                             tmpjail --seal -- ./static-binary\n"
    "      --audit FILE         the shim appends a JSON line per redirected call to FILE\n"
    "                             tmpjail --audit paths.jsonl -- ./legacy-tool\n"
    "      --gc                 remove private roots left by launchers that died\n"
    "                             tmpjail --gc\n"
    "  -v, --verbose            say what tmpjail does\n"
    "                             tmpjail -v -- true\n"
    "  -h, --help               show this help\n"
    "      --version            show the version\n"
    "\n"
    "Exit status: COMMAND's; 128+N if it died of signal N; 125 tmpjail failed;\n"
    "126 COMMAND cannot be executed; 127 COMMAND not found. See tmpjail(1).\n";

enum {
	OPT_BASE = 256,
	OPT_MEMORY,
	OPT_REDIRECT,
	OPT_SECCOMP,
	OPT_SECCOMP_LOG,
	OPT_SEAL,
	OPT_AUDIT,
	OPT_GC,
	OPT_VERSION
};

static int add_seccomp(const char *spec)
{
	char *joined;
	if (asprintf(&joined, "%s%s%s", arg_seccomp ? arg_seccomp : "", arg_seccomp ? "," : "",
		     spec) < 0)
		return -ENOMEM;
	free(arg_seccomp);
	arg_seccomp = joined;
	return 0;
}

static const struct option options[] = {{"keep", no_argument, NULL, 'k'},
					{"base", required_argument, NULL, OPT_BASE},
					{"memory", no_argument, NULL, OPT_MEMORY},
					{"redirect", required_argument, NULL, OPT_REDIRECT},
					{"seccomp", required_argument, NULL, OPT_SECCOMP},
					{"seccomp-log", no_argument, NULL, OPT_SECCOMP_LOG},
					{"seal", no_argument, NULL, OPT_SEAL},
					{"audit", required_argument, NULL, OPT_AUDIT},
					{"gc", no_argument, NULL, OPT_GC},
					{"verbose", no_argument, NULL, 'v'},
					{"help", no_argument, NULL, 'h'},
					{"version", no_argument, NULL, OPT_VERSION},
					{NULL, 0, NULL, 0}};

/* Return: the index of COMMAND in argv, 0 for a handled --help/--version, -1 on error. */
static int parse_options(int argc, char **argv)
{
	int opt, err;
	/* '+': options end at the command's name; ':': we word the errors. */
	while ((opt = getopt_long(argc, argv, "+:kvh", options, NULL)) != -1) {
		switch (opt) {
		case 'k':
			arg_keep = true;
			break;
		case 'v':
			arg_verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case OPT_VERSION:
			puts("tmpjail " TMPJAIL_VERSION);
			return 0;
		case OPT_BASE:
			arg_base = optarg;
			break;
		case OPT_MEMORY:
			arg_memory = true;
			break;
		case OPT_SECCOMP_LOG:
			arg_seccomp_log = true;
			break;
		case OPT_SEAL:
			arg_seal = true;
			break;
		case OPT_AUDIT:
			arg_audit = optarg;
			break;
		case OPT_GC:
			arg_gc = true;
			break;
		case OPT_SECCOMP:
			if (add_seccomp(optarg) < 0)
				return -1;
			break;
		case OPT_REDIRECT:
			err = env_prefixes_add(&arg_prefixes, optarg);
			if (err) {
				fprintf(stderr, "tmpjail: --redirect %s: %s\n", optarg,
					err == -EINVAL
					    ? "must be absolute, not /, without '..' or ':'"
					    : strerror(-err));
				return -1;
			}
			break;
		case ':':
			fprintf(stderr, "tmpjail: option '%s' needs an argument\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "tmpjail: unknown option '%s' (see tmpjail --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (arg_seccomp_log && !arg_seccomp) {
		fputs("tmpjail: --seccomp-log needs --seccomp\n", stderr);
		return -1;
	}
	if (arg_gc != (optind == argc)) {
		fputs(arg_gc ? "tmpjail: --gc takes no command\n"
			     : "tmpjail: no command given (see tmpjail --help)\n",
		      stderr);
		return -1;
	}
	return optind;
}

/* The base: --base, else /dev/shm for --memory, else the outer run's /tmp, else /tmp. */
static const char *base_dir(void)
{
	const char *outer = getenv("TMPJAIL_DIR");
	if (arg_base)
		return arg_base;
	if (arg_memory)
		return "/dev/shm";
	return outer && outer[0] == '/' ? outer : "/tmp";
}

static int run_gc(void)
{
	char *base_path = NULL;
	int base_fd = root_base_open(base_dir(), arg_memory, &base_path);
	if (base_fd < 0)
		return EXIT_TMPJAIL;
	int err = root_gc(base_fd, base_path);
	if (err < 0 && err != -ENOENT)
		fprintf(stderr, "tmpjail: --gc in %s: %s\n", base_path, strerror(-err));
	close(base_fd);
	free(base_path);
	return err ? EXIT_TMPJAIL : 0;
}

/* Everything after the root exists; the caller removes it. @started: the command was forked. */
static int run_in_root(const struct root *root, char **command, const char *shim, int signal_fd,
		       const sigset_t *child_mask, bool *started)
{
	struct supervise_child child = {.argv = command, .seal_fd = -1};
	int err = env_export(root->path, &arg_prefixes, shim, arg_audit);
	if (err) {
		fprintf(stderr, "tmpjail: cannot set the environment: %s\n", strerror(-err));
		return EXIT_TMPJAIL;
	}
	if (arg_verbose)
		fprintf(stderr, "tmpjail: TMPJAIL_ROOT=%s LD_PRELOAD=%s TMPJAIL_REDIRECT=%s\n",
			root->path, getenv("LD_PRELOAD"), getenv("TMPJAIL_REDIRECT"));
	if (arg_seccomp && !(child.seccomp = seccomp_build(arg_seccomp, arg_seccomp_log)))
		return EXIT_TMPJAIL;
	if (arg_seal) {
		child.seal_fd = seal_build((const char *const *)arg_prefixes.list,
					   arg_prefixes.count, root->path);
		if (child.seal_fd < 0) {
			seccomp_release(child.seccomp);
			return EXIT_TMPJAIL;
		}
	}
	/* A Ctrl-C during set-up ends the run before the command starts. */
	int sig = supervise_setup_signal(signal_fd);
	*started = !sig;
	int status = sig ? 128 + sig : supervise_run(&child, signal_fd, child_mask, arg_verbose);
	if (child.seal_fd >= 0)
		close(child.seal_fd);
	if (child.seccomp)
		seccomp_release(child.seccomp);
	return status;
}

static int run(char **command, int signal_fd, const sigset_t *child_mask)
{
	char *shim = env_find_shim();
	if (!shim) {
		fprintf(stderr, "tmpjail: the shim is missing (looked for %s beside %s)\n",
			TMPJAIL_SHIM_RELPATH, "the tmpjail executable");
		return EXIT_TMPJAIL;
	}
	/* LD_PRELOAD splits on both: such a path would load something else. */
	if (strpbrk(shim, " \t\n:")) {
		fprintf(stderr, "tmpjail: the shim's path has a blank or ':': %s\n", shim);
		free(shim);
		return EXIT_TMPJAIL;
	}
	char *base_path = NULL;
	int base_fd = root_base_open(base_dir(), arg_memory, &base_path);
	struct root root;
	int err = base_fd < 0
		      ? -EINVAL
		      : root_create(base_fd, base_path, (const char *const *)arg_prefixes.list,
				    arg_prefixes.count, &root);
	if (err) {
		if (base_fd >= 0) {
			fprintf(stderr, "tmpjail: cannot create the private root in %s: %s\n",
				base_path, strerror(-err));
			close(base_fd);
		}
		free(base_path);
		free(shim);
		return EXIT_TMPJAIL;
	}
	free(base_path);
	if (arg_verbose)
		fprintf(stderr, "tmpjail: private root %s\n", root.path);

	bool started = false;
	int status = run_in_root(&root, command, shim, signal_fd, child_mask, &started);
	free(shim);
	/* A root the command never saw is removed even with --keep. */
	if (arg_keep && started) {
		fprintf(stderr, "tmpjail: kept the private root %s\n", root.path);
		root_keep(&root);
		return status;
	}
	char *path = strdup(root.path);
	err = root_remove(&root);
	if (err) {
		fprintf(stderr, "tmpjail: cannot remove the private root %s completely: %s\n",
			path ? path : "", strerror(-err));
		status = EXIT_TMPJAIL;
	} else if (arg_verbose) {
		fprintf(stderr, "tmpjail: removed %s\n", path ? path : "the private root");
	}
	free(path);
	return status;
}

int main(int argc, char **argv)
{
	sigset_t child_mask;
	int signal_fd = supervise_signals_open(&child_mask);
	if (signal_fd < 0) {
		fprintf(stderr, "tmpjail: cannot take signals: %s\n", strerror(-signal_fd));
		return EXIT_TMPJAIL;
	}
	int err = env_prefixes_init(&arg_prefixes);
	if (err) {
		fprintf(stderr, "tmpjail: %s\n", strerror(-err));
		return EXIT_TMPJAIL;
	}
	int command_at = parse_options(argc, argv);
	int status = command_at < 0    ? EXIT_TMPJAIL
		     : command_at == 0 ? 0
		     : arg_gc	       ? run_gc()
				       : run(argv + command_at, signal_fd, &child_mask);
	env_prefixes_free(&arg_prefixes);
	free(arg_seccomp);
	close(signal_fd);
	return status;
}
