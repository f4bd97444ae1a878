/* SPDX-License-Identifier: MIT */
/*
 * --seccomp: the presets, and the one libseccomp filter built from every
 * preset and policy file named on the command line. The filter is built in
 * the launcher, where a mistake can still be reported and stop the run, and
 * loaded in the child just before exec.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "policy.h"
#include "sandbox.h"

/*
 * harden, denied with EPERM: systemd's @mount @module @raw-io @reboot @swap
 * @clock @debug groups, and what firejail's default list adds: reading or
 * writing other processes, BPF and userfaultfd (favourite tools of kernel
 * exploits), opening files by handle (a way out of a chroot), process
 * accounting, the kernel log, vhangup, and joining namespaces.
 */
/* clang-format off */
static const char *const harden_eperm[] = {
	/* @mount */
	"chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr",
	"move_mount", "open_tree", "pivot_root", "umount", "umount2",
	/* @module */
	"delete_module", "finit_module", "init_module",
	/* @raw-io */
	"ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
	"s390_pci_mmio_read", "s390_pci_mmio_write",
	/* @reboot */
	"kexec_file_load", "kexec_load", "reboot",
	/* @swap */
	"swapoff", "swapon",
	/* @clock */
	"adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
	"settimeofday",
	/* @debug */
	"lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace", "rtas",
	"s390_runtime_instr", "sys_debug_setcontext",
	/* firejail's extras */
	"process_vm_readv", "process_vm_writev", "bpf", "userfaultfd",
	"open_by_handle_at", "acct", "syslog", "vhangup",
	/* Joining another process's namespaces; its type argument may be 0
	 * ("any"), so only denying the call outright is safe. */
	"setns",
};
/* clang-format on */

/*
 * harden, denied with ENOSYS, which programs take as "this kernel is too
 * old" and fall back cleanly: io_uring (its operations bypass seccomp),
 * clone3 (its flags sit in memory a filter cannot read; glibc then uses
 * clone, whose flags are checked below), the key-management calls, and
 * systemd's @obsolete group.
 */
/* clang-format off */
static const char *const harden_enosys[] = {
	"io_uring_setup", "io_uring_enter", "io_uring_register", "clone3",
	"keyctl", "add_key", "request_key",
	/* @obsolete */
	"_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime",
	"get_kernel_syms", "getpmsg", "gtty", "idle", "lock", "mpx", "prof", "profil",
	"putpmsg", "query_module", "security", "sgetmask", "ssetmask", "stime", "stty",
	"sysfs", "tuxcall", "ulimit", "uselib", "ustat", "vserver",
};
/* clang-format on */

/* Namespace flags: clone and unshare fail with EPERM when they ask for any. */
static const unsigned long namespace_flags[] = {
    CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
    CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
};
/* CLONE_NEWTIME: only unshare takes it (in clone it is a signal bit). */
#define NEWTIME_FLAG 0x80UL

/* Add @name with @action and @cond (NULL: unconditional); names this
 * architecture does not know are skipped. */
static int add_named(struct policy *policy, const char *name, uint32_t action,
		     const struct scmp_arg_cmp *cond, const struct policy_origin *origin)
{
	struct policy_rule rule = {.action = action, .origin = *origin};
	rule.syscall = seccomp_syscall_resolve_name(name);
	if (rule.syscall == __NR_SCMP_ERROR || rule.syscall < 0)
		return 0;
	if (cond) {
		rule.args[0] = *cond;
		rule.arg_count = 1;
	}
	return policy_add_rule(policy, &rule);
}

/* A condition "argument @arg has every bit of @bits set". */
static struct scmp_arg_cmp has_bits(unsigned int arg, uint64_t bits)
{
	return (struct scmp_arg_cmp){
	    .arg = arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = bits, .datum_b = bits};
}

static int add_harden(struct policy *policy, const struct policy_origin *origin)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(harden_eperm) / sizeof(harden_eperm[0]); i++)
		r = add_named(policy, harden_eperm[i], SCMP_ACT_ERRNO(EPERM), NULL, origin);
	for (size_t i = 0; r == 0 && i < sizeof(harden_enosys) / sizeof(harden_enosys[0]); i++)
		r = add_named(policy, harden_enosys[i], SCMP_ACT_ERRNO(ENOSYS), NULL, origin);
	for (size_t i = 0; r == 0 && i < sizeof(namespace_flags) / sizeof(namespace_flags[0]);
	     i++) {
		struct scmp_arg_cmp flags = has_bits(0, namespace_flags[i]);
		r = add_named(policy, "clone", SCMP_ACT_ERRNO(EPERM), &flags, origin);
		if (r == 0)
			r = add_named(policy, "unshare", SCMP_ACT_ERRNO(EPERM), &flags, origin);
	}
	struct scmp_arg_cmp newtime = has_bits(0, NEWTIME_FLAG);
	if (r == 0)
		r = add_named(policy, "unshare", SCMP_ACT_ERRNO(EPERM), &newtime, origin);
	/*
	 * TIOCSTI pushes input into the terminal, TIOCLINUX can read the
	 * console: both let a program type commands into its parent's shell.
	 * The kernel reads the request as 32 bits, so the mask makes high
	 * garbage bits no way around the rule.
	 */
	static const unsigned long requests[] = {TIOCSTI, TIOCLINUX};
	for (size_t i = 0; r == 0 && i < 2; i++) {
		struct scmp_arg_cmp request = {.arg = 1,
					       .op = SCMP_CMP_MASKED_EQ,
					       .datum_a = 0xffffffffU,
					       .datum_b = requests[i]};
		r = add_named(policy, "ioctl", SCMP_ACT_ERRNO(EPERM), &request, origin);
	}
	return r;
}

static int add_no_network(struct policy *policy, const struct policy_origin *origin)
{
	/* The family is an int, so a 64-bit "!=" is never fooled into
	 * letting anything but exactly AF_UNIX through. */
	struct scmp_arg_cmp not_unix = {.arg = 0, .op = SCMP_CMP_NE, .datum_a = AF_UNIX};
	int r = add_named(policy, "socket", SCMP_ACT_ERRNO(EACCES), &not_unix, origin);
	if (r == 0)
		r = add_named(policy, "socketpair", SCMP_ACT_ERRNO(EACCES), &not_unix, origin);
	/* io_uring can create sockets without socket(2). */
	static const char *const uring[] = {"io_uring_setup", "io_uring_enter",
					    "io_uring_register"};
	for (size_t i = 0; r == 0 && i < 3; i++)
		r = add_named(policy, uring[i], SCMP_ACT_ERRNO(ENOSYS), NULL, origin);
	return r;
}

static const struct {
	const char *name;
	int (*add)(struct policy *policy, const struct policy_origin *origin);
} presets[] = {
    {"harden", add_harden},
    {"no-network", add_no_network},
};

bool policy_is_preset(const char *name)
{
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (strcmp(presets[i].name, name) == 0)
			return true;
	return false;
}

int policy_add_preset(struct policy *policy, const char *name, const struct policy_origin *origin)
{
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (strcmp(presets[i].name, name) == 0) {
			struct policy_origin preset_origin = *origin;
			preset_origin.preset = presets[i].name;
			return presets[i].add(policy, &preset_origin);
		}
	}
	policy_print_error(origin, "unknown preset '%s' (harden, no-network)", name);
	return -EINVAL;
}

/* --seccomp-log turns every way of denying into a log entry. */
static uint32_t effective_action(uint32_t action, bool log_denials)
{
	return log_denials && action != SCMP_ACT_ALLOW ? SCMP_ACT_LOG : action;
}

/* How many rules go to libseccomp between two looks at the signals. */
#define RULES_PER_SIGNAL_CHECK 256

static scmp_filter_ctx filter_from_policy(const struct policy *policy, bool log_denials,
					  struct setup_signals *signals)
{
	uint32_t fallback = effective_action(policy->default_action, log_denials);
	scmp_filter_ctx ctx = seccomp_init(fallback);
	if (!ctx) {
		fprintf(stderr, "tmpjail: --seccomp: libseccomp cannot create a filter\n");
		return NULL;
	}
	/* i386 (int 0x80) and x32 calls would slip past rules written for
	 * x86_64 numbers: the process is killed instead. */
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				 log_denials ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; r == 0 && i < policy->count; i++) {
		const struct policy_rule *rule = &policy->rules[i];
		uint32_t action = effective_action(rule->action, log_denials);
		if (i % RULES_PER_SIGNAL_CHECK == 0 && setup_interrupted(signals)) {
			seccomp_release(ctx);
			return NULL;
		}
		/* libseccomp refuses rules that repeat the default. */
		if (action == fallback)
			continue;
		r = seccomp_rule_add_array(ctx, action, rule->syscall, rule->arg_count, rule->args);
		if (r < 0) {
			char *name =
			    seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, rule->syscall);
			policy_print_error(&rule->origin, "libseccomp refused the rule for %s: %s",
					   name ? name : "?", strerror(-r));
			free(name);
			seccomp_release(ctx);
			return NULL;
		}
	}
	if (r < 0) {
		fprintf(stderr, "tmpjail: --seccomp: %s\n", strerror(-r));
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* Each comma-separated item: a preset when the name is one, else a file. */
static int load_spec(struct policy *policy, const char *spec, struct setup_signals *signals)
{
	char *copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	int result = 0;
	char *rest = copy, *item;
	while ((item = strsep(&rest, ","))) {
		int r;
		if (*item == '\0') {
			policy_print_message("--seccomp: empty policy name in '%s'", spec);
			r = -EINVAL;
		} else if (policy_is_preset(item)) {
			r = policy_add_preset(policy, item, &(struct policy_origin){0});
		} else {
			r = policy_load_file(policy, item, signals);
		}
		if (r == 0 && setup_interrupted(signals))
			r = -EINTR;
		if (r < 0 && result == 0)
			result = r;
		if (r == -ENOMEM || r == -E2BIG || r == -EINTR)
			break;
	}
	free(copy);
	return result;
}

scmp_filter_ctx seccomp_build(const char *spec, bool log_denials, struct setup_signals *signals)
{
	struct policy policy;
	policy_init(&policy);
	int r = load_spec(&policy, spec, signals);
	scmp_filter_ctx ctx = NULL;
	if (r == -ENOMEM)
		policy_print_message("--seccomp: %s", strerror(ENOMEM));
	else if (r == 0)
		ctx = filter_from_policy(&policy, log_denials, signals);
	/* Interrupted: the signal says why, no error count is due. */
	if (!setup_interrupted(signals))
		policy_print_hidden_errors();
	policy_free(&policy);
	return ctx;
}

int seccomp_install(scmp_filter_ctx ctx)
{
	int r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}
