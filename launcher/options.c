/* SPDX-License-Identifier: MIT */
/* tmpjail's command line: see options.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "options.h"

#include "realname.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TMPJAIL_VERSION
#define TMPJAIL_VERSION "0.1.0"
#endif

bool arg_keep, arg_memory, arg_seccomp_log, arg_seal, arg_gc, arg_kept, arg_verbose;
bool arg_report;
const char *arg_base, *arg_audit, *arg_format, *arg_fail_on;
char *arg_seccomp; /* every --seccomp, joined with ',' */
struct prefixes arg_prefixes;
enum trap_mode arg_trap;
static bool trap_given;

static const char usage[] =
    "Usage: tmpjail [OPTIONS] [--] COMMAND [ARG]...\n"
    "       tmpjail --gc [--kept] [--base DIR]\n"
    "       tmpjail --report [--format FORMAT] [--fail-on SEVERITY] AUDIT.jsonl...\n"
    "       tmpjail --help | --version\n"
    "Run COMMAND with a private /tmp that is removed when its whole process tree ends.\n"
    "\n"
    "  -k, --keep               do not remove the private root; print its path at exit\n"
    "                             tmpjail --keep -- ./flaky-test\n"
    "      --base DIR           create the private root in DIR (default /tmp)\n"
    "                             tmpjail --base ~/scratch -- ./job\n"
    "      --memory             put the private root on a RAM file system (/dev/shm)\n"
    "                             tmpjail --memory -- ./decrypt-and-process\n"
    "      --redirect PREFIX    redirect PREFIX too (repeatable; /tmp, /var/tmp always;\n"
    "                             at most 16 prefixes in all, each up to 255 bytes)\n"
    "                             tmpjail --redirect /scratch -- ./legacy-tool\n"
    "      --seccomp POLICY[,POLICY...]  seccomp presets (harden, no-network) or files\n"
    "                             tmpjail --seccomp harden,no-network -- ./untrusted\n"
    "      --seccomp-log        log what the policies would deny instead of denying it\n"
    "                             tmpjail --seccomp harden --seccomp-log -- ./app\n"
    "      --seal               Landlock: no writes under the real prefixes but the root\n"
    "                             tmpjail --seal -- ./static-binary\n"
    "      --trap MODE          redirect what the shim cannot reach with a seccomp\n"
    "                           supervisor: auto (default) traps a static, Go or\n"
    "                           set-group-ID (non-root group) command; set-user-ID,\n"
    "                           set-group-ID root and file-capability programs keep\n"
    "                           their privilege untrapped; all traps any command\n"
    "                           (raw syscall() too); off never. A command the trap\n"
    "                           cannot hold is not run (exit 125)\n"
    "                             tmpjail --trap all -- ./uses-raw-syscalls\n"
    "      --audit FILE         append a JSON line per redirected call to FILE (the shim\n"
    "                             writes it, or the trap for a trapped program)\n"
    "                             (checked, and created if missing, at start)\n"
    "                             tmpjail --audit paths.jsonl -- ./legacy-tool\n"
    "      --report             read audit logs: which temporary-file uses are exploitable\n"
    "                             tmpjail --report run1.jsonl run2.jsonl\n"
    "      --format FORMAT      --report's output: table (default), json or sarif\n"
    "                             tmpjail --report --format sarif paths.jsonl\n"
    "      --fail-on SEVERITY   --report exits 1 on findings this severe or worse:\n"
    "                           info, low, medium or high (default high)\n"
    "                             tmpjail --report --fail-on medium paths.jsonl\n"
    "      --gc                 remove private roots left by launchers that died,\n"
    "                           but not those of runs with --keep\n"
    "                             tmpjail --gc\n"
    "      --kept               with --gc, remove the roots kept with --keep too\n"
    "                             tmpjail --gc --kept\n"
    "  -v, --verbose            say what tmpjail does\n"
    "                             tmpjail -v -- true\n"
    "  -h, --help               show this help\n"
    "      --version            show the version\n"
    "\n"
    "Exit status: COMMAND's; 128+N if it died of signal N; 125 tmpjail failed;\n"
    "126 COMMAND cannot be executed; 127 COMMAND not found. See tmpjail(1).\n"
    "--report: 0 no findings at or above --fail-on; 1 findings; 125 a log unreadable\n"
    "or malformed.\n";

enum {
	OPT_BASE = 256,
	OPT_MEMORY,
	OPT_REDIRECT,
	OPT_SECCOMP,
	OPT_SECCOMP_LOG,
	OPT_SEAL,
	OPT_TRAP,
	OPT_AUDIT,
	OPT_GC,
	OPT_KEPT,
	OPT_REPORT,
	OPT_FORMAT,
	OPT_FAIL_ON,
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

/* --trap MODE. 0, or -1 after printing. */
static int parse_trap(const char *mode)
{
	static const char *const names[] = {
	    [TRAP_AUTO] = "auto", [TRAP_OFF] = "off", [TRAP_ALL] = "all"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(mode, names[i]) == 0) {
			arg_trap = (enum trap_mode)i;
			trap_given = true;
			return 0;
		}
	fprintf(stderr, "tmpjail: --trap %s: not auto, off or all\n", mode);
	return -1;
}

static const struct option options[] = {{"keep", no_argument, NULL, 'k'},
					{"base", required_argument, NULL, OPT_BASE},
					{"memory", no_argument, NULL, OPT_MEMORY},
					{"redirect", required_argument, NULL, OPT_REDIRECT},
					{"seccomp", required_argument, NULL, OPT_SECCOMP},
					{"seccomp-log", no_argument, NULL, OPT_SECCOMP_LOG},
					{"seal", no_argument, NULL, OPT_SEAL},
					{"trap", required_argument, NULL, OPT_TRAP},
					{"audit", required_argument, NULL, OPT_AUDIT},
					{"gc", no_argument, NULL, OPT_GC},
					{"kept", no_argument, NULL, OPT_KEPT},
					{"report", no_argument, NULL, OPT_REPORT},
					{"format", required_argument, NULL, OPT_FORMAT},
					{"fail-on", required_argument, NULL, OPT_FAIL_ON},
					{"verbose", no_argument, NULL, 'v'},
					{"help", no_argument, NULL, 'h'},
					{"version", no_argument, NULL, OPT_VERSION},
					{NULL, 0, NULL, 0}};

/*
 * The answer to --help or --version is all that was asked: lost (stdout
 * full, closed, a closed pipe, whose SIGPIPE the launcher ignores), it is
 * an error, as in coreutils. Return: 0, or -1 after printing.
 */
static int answered(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	fprintf(stderr, "tmpjail: cannot write to stdout: %s\n", strerror(errno));
	return -1;
}

/* --report's options hang together: checked apart from a run's. */
static int report_options(int argc)
{
	if (!arg_report) {
		fputs("tmpjail: --format and --fail-on need --report\n", stderr);
		return -1;
	}
	if (arg_gc) {
		fputs("tmpjail: --report and --gc do not go together\n", stderr);
		return -1;
	}
	/* A report runs nothing: an option of a run would be ignored, so refuse it. */
	if (arg_keep || arg_memory || arg_seal || arg_seccomp || arg_audit || arg_base ||
	    trap_given) {
		fputs("tmpjail: --report runs no command: --keep, --base, --memory, --seccomp, "
		      "--seal, --trap and --audit do not go with it\n",
		      stderr);
		return -1;
	}
	if (optind == argc) {
		fputs("tmpjail: --report needs at least one audit log\n", stderr);
		return -1;
	}
	return optind;
}

int options_parse(int argc, char **argv)
{
	int opt, err = env_prefixes_init(&arg_prefixes);
	if (err) {
		fprintf(stderr, "tmpjail: TMPJAIL_REDIRECT: %s\n", env_prefixes_error(err));
		return -1;
	}
	optind = 0; /* glibc: start afresh, also on a second call */
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
			return answered();
		case OPT_VERSION:
			puts("tmpjail " TMPJAIL_VERSION);
			return answered();
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
		case OPT_TRAP:
			if (parse_trap(optarg) < 0)
				return -1;
			break;
		case OPT_AUDIT:
			arg_audit = optarg;
			break;
		case OPT_GC:
			arg_gc = true;
			break;
		case OPT_KEPT:
			arg_kept = true;
			break;
		case OPT_REPORT:
			arg_report = true;
			break;
		case OPT_FORMAT:
			arg_format = optarg;
			break;
		case OPT_FAIL_ON:
			arg_fail_on = optarg;
			break;
		case OPT_SECCOMP:
			if (add_seccomp(optarg) < 0)
				return -1;
			break;
		case OPT_REDIRECT:
			err = env_prefixes_add(&arg_prefixes, optarg);
			if (err) {
				fprintf(stderr, "tmpjail: --redirect %s: %s\n", optarg,
					env_prefixes_error(err));
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
	if (arg_kept && !arg_gc) {
		fputs("tmpjail: --kept needs --gc\n", stderr);
		return -1;
	}
	if (arg_report || arg_format || arg_fail_on)
		return report_options(argc);
	if (arg_gc != (optind == argc)) {
		fputs(arg_gc ? "tmpjail: --gc takes no command\n"
			     : "tmpjail: no command given (see tmpjail --help)\n",
		      stderr);
		return -1;
	}
	return optind;
}

/* --audit FILE made absolute as env_export() exports it: the shim gets this name. */
static char *audit_absolute(const char *audit)
{
	char cwd[PATH_MAX], *path;
	if (audit[0] == '/')
		return strdup(audit);
	if (!realname_cwd(cwd, sizeof(cwd)))
		return NULL;
	return asprintf(&path, "%s/%s", cwd, audit) < 0 ? NULL : path;
}

int options_check_audit(void)
{
	if (!arg_audit)
		return 0;
	/* The shim takes an empty TMPJAIL_AUDIT for "no audit". */
	if (arg_audit[0] == '\0') {
		fputs("tmpjail: --audit: the file name is empty\n", stderr);
		return -1;
	}
	char *path = audit_absolute(arg_audit);
	int err = !path ? -errno : strlen(path) >= PATH_MAX ? -ENAMETOOLONG : 0;
	if (!err) {
		/* The shim's own open (shim/audit.c), and O_NONBLOCK so that a
		 * FIFO without a reader fails (ENXIO) instead of hanging us. */
		int fd = open(
		    path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
		struct stat st;
		err = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
		/* The shim's writes wait for a reader to come: that is a FIFO's use. */
		if (err == -ENXIO && stat(path, &st) == 0 && S_ISFIFO(st.st_mode))
			err = 0;
	}
	if (err)
		fprintf(stderr, "tmpjail: --audit %s: %s\n", arg_audit, strerror(-err));
	free(path);
	return err ? -1 : 0;
}

void options_reset(void)
{
	env_prefixes_free(&arg_prefixes);
	free(arg_seccomp);
	arg_seccomp = NULL;
	arg_keep = arg_memory = arg_seccomp_log = arg_seal = arg_gc = arg_kept = arg_verbose =
	    arg_report = false;
	arg_base = arg_audit = arg_format = arg_fail_on = NULL;
	arg_trap = TRAP_AUTO;
	trap_given = false;
}
