/* SPDX-License-Identifier: MIT */
/*
 * The policy file parser and the rule set it fills. A file is read line by
 * line; every mistake is printed with its file and line and parsing goes
 * on, so that one run shows them all, but any mistake fails the whole file:
 * the launcher then exits 125 without running anything.
 */
#define _GNU_SOURCE 1 /* strerrorname_np() */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy.h"

/* Longest line accepted, without its newline: a 4 KiB buffer with room for
 * the newline and the terminating NUL. */
#define POLICY_MAX_LINE 4094
/* syscall, action, errno value and six masked conditions of five tokens. */
#define POLICY_MAX_TOKENS 33

struct constant {
	const char *name;
	uint64_t value;
};

/* clang-format off */
#define C(name) {#name, (uint64_t)(name)}
/* The symbolic constants a value may use: socket families and types, open
 * and *at() flags, clone/unshare flags, memory protections and mappings. */
static const struct constant constants[] = {
	C(AF_UNSPEC), C(AF_UNIX), C(AF_LOCAL), C(AF_INET), C(AF_INET6), C(AF_NETLINK),
	C(AF_PACKET), C(AF_BLUETOOTH), C(AF_ALG), C(AF_VSOCK), C(AF_KEY), C(AF_APPLETALK),
	C(AF_X25), C(AF_AX25), C(AF_IPX), C(AF_NETROM), C(AF_BRIDGE), C(AF_ATMPVC),
	C(AF_ATMSVC), C(AF_ROSE), C(AF_DECnet), C(AF_SECURITY), C(AF_RDS), C(AF_SNA),
	C(AF_IRDA), C(AF_PPPOX), C(AF_WANPIPE), C(AF_LLC), C(AF_IB), C(AF_MPLS), C(AF_CAN),
	C(AF_TIPC), C(AF_IUCV), C(AF_RXRPC), C(AF_ISDN), C(AF_PHONET), C(AF_IEEE802154),
	C(AF_CAIF), C(AF_NFC), C(AF_KCM), C(AF_QIPCRTR), C(AF_SMC), C(AF_XDP),

	C(O_RDONLY), C(O_WRONLY), C(O_RDWR), C(O_ACCMODE), C(O_CREAT), C(O_EXCL),
	C(O_NOCTTY), C(O_TRUNC), C(O_APPEND), C(O_NONBLOCK), C(O_NDELAY), C(O_DSYNC),
	C(O_SYNC), C(O_RSYNC), C(O_DIRECTORY), C(O_NOFOLLOW), C(O_CLOEXEC), C(O_ASYNC),
	C(O_DIRECT), C(O_LARGEFILE), C(O_NOATIME), C(O_PATH), C(O_TMPFILE),

	C(CLONE_VM), C(CLONE_FS), C(CLONE_FILES), C(CLONE_SIGHAND), C(CLONE_PIDFD),
	C(CLONE_PTRACE), C(CLONE_VFORK), C(CLONE_PARENT), C(CLONE_THREAD), C(CLONE_NEWNS),
	C(CLONE_SYSVSEM), C(CLONE_SETTLS), C(CLONE_PARENT_SETTID), C(CLONE_CHILD_CLEARTID),
	C(CLONE_DETACHED), C(CLONE_UNTRACED), C(CLONE_CHILD_SETTID), C(CLONE_NEWCGROUP),
	C(CLONE_NEWUTS), C(CLONE_NEWIPC), C(CLONE_NEWUSER), C(CLONE_NEWPID), C(CLONE_NEWNET),
	C(CLONE_IO), {"CLONE_NEWTIME", 0x80},

	C(PROT_NONE), C(PROT_READ), C(PROT_WRITE), C(PROT_EXEC), C(PROT_GROWSDOWN),
	C(PROT_GROWSUP),

	C(MAP_SHARED), C(MAP_PRIVATE), C(MAP_SHARED_VALIDATE), C(MAP_FIXED), C(MAP_ANONYMOUS),
	C(MAP_ANON), C(MAP_GROWSDOWN), C(MAP_DENYWRITE), C(MAP_EXECUTABLE), C(MAP_LOCKED),
	C(MAP_NORESERVE), C(MAP_POPULATE), C(MAP_NONBLOCK), C(MAP_STACK), C(MAP_HUGETLB),
	C(MAP_SYNC), C(MAP_FIXED_NOREPLACE),

	C(SOCK_STREAM), C(SOCK_DGRAM), C(SOCK_RAW), C(SOCK_RDM), C(SOCK_SEQPACKET),
	C(SOCK_DCCP), C(SOCK_PACKET), C(SOCK_NONBLOCK), C(SOCK_CLOEXEC),

	/* An int argument: only its low 32 bits mean anything (glibc passes
	 * ints zero-extended on x86-64), so AT_FDCWD is 0xffffff9c. */
	{"AT_FDCWD", (uint32_t)AT_FDCWD}, C(AT_SYMLINK_NOFOLLOW), C(AT_REMOVEDIR),
	C(AT_SYMLINK_FOLLOW), C(AT_EMPTY_PATH), C(AT_NO_AUTOMOUNT),
};
#undef C
/* clang-format on */

/* Mistakes printed since policy_init(): a binary file has one on every line. */
static unsigned int errors_seen;

static bool print_another_error(void)
{
	return ++errors_seen <= POLICY_MAX_ERROR_LINES;
}

void policy_print_message(const char *fmt, ...)
{
	va_list ap;
	if (!print_another_error())
		return;
	fputs("tmpjail: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void policy_print_error(const struct policy_origin *origin, const char *fmt, ...)
{
	va_list ap;
	if (!print_another_error())
		return;
	if (origin->file)
		fprintf(stderr, "tmpjail: %s:%u: ", origin->file, origin->line);
	else
		fprintf(stderr, "tmpjail: --seccomp %s: ", origin->preset ? origin->preset : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void policy_init(struct policy *policy)
{
	*policy = (struct policy){.default_action = SCMP_ACT_ALLOW};
	errors_seen = 0;
}

void policy_print_hidden_errors(void)
{
	if (errors_seen > POLICY_MAX_ERROR_LINES)
		fprintf(stderr, "tmpjail: --seccomp: ... and %u more errors\n",
			errors_seen - POLICY_MAX_ERROR_LINES);
	errors_seen = 0;
}

void policy_free(struct policy *policy)
{
	for (size_t i = 0; i < policy->file_count; i++)
		free(policy->files[i]);
	free(policy->files);
	free(policy->rules);
	policy_init(policy);
}

static bool same_conditions(const struct policy_rule *a, const struct policy_rule *b)
{
	if (a->arg_count != b->arg_count)
		return false;
	for (unsigned int i = 0; i < a->arg_count; i++) {
		const struct scmp_arg_cmp *x = &a->args[i], *y = &b->args[i];
		if (x->arg != y->arg || x->op != y->op || x->datum_a != y->datum_a ||
		    x->datum_b != y->datum_b)
			return false;
	}
	return true;
}

/* "FILE:2" or "preset harden (included at FILE:1)", for conflict messages. */
static void describe_origin(const struct policy_origin *o, char *buf, size_t size)
{
	if (o->preset && o->file)
		snprintf(buf, size, "preset %s (included at %s:%u)", o->preset, o->file, o->line);
	else if (o->preset)
		snprintf(buf, size, "preset %s", o->preset);
	else
		snprintf(buf, size, "%s:%u", o->file, o->line);
}

static const char *syscall_name(int syscall)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, syscall);
	static char buf[64];
	snprintf(buf, sizeof(buf), "%s", name ? name : "?");
	free(name);
	return buf;
}

int policy_add_rule(struct policy *policy, const struct policy_rule *rule)
{
	for (size_t i = 0; i < policy->count; i++) {
		const struct policy_rule *old = &policy->rules[i];
		if (old->syscall != rule->syscall)
			continue;
		bool same = same_conditions(old, rule);
		if (same && old->action == rule->action)
			return 0;
		if (old->action != rule->action &&
		    (same || old->arg_count == 0 || rule->arg_count == 0)) {
			char other[512];
			describe_origin(&old->origin, other, sizeof(other));
			policy_print_error(&rule->origin,
					   "the rule for %s conflicts with the one from %s",
					   syscall_name(rule->syscall), other);
			return -EEXIST;
		}
	}
	if (policy->count == POLICY_MAX_RULES) {
		policy_print_error(&rule->origin,
				   "more than %d rules (no seccomp filter can hold them)",
				   POLICY_MAX_RULES);
		return -E2BIG;
	}
	if (policy->count == policy->capacity) {
		size_t capacity = policy->capacity ? 2 * policy->capacity : 64;
		struct policy_rule *rules = reallocarray(policy->rules, capacity, sizeof(*rules));
		if (!rules)
			return -ENOMEM;
		policy->rules = rules;
		policy->capacity = capacity;
	}
	policy->rules[policy->count++] = *rule;
	return 0;
}

int policy_set_default(struct policy *policy, uint32_t action, const struct policy_origin *origin)
{
	if (policy->has_default && policy->default_action != action) {
		char other[512];
		describe_origin(&policy->default_origin, other, sizeof(other));
		policy_print_error(origin, "this default conflicts with the one at %s", other);
		return -EEXIST;
	}
	policy->has_default = true;
	policy->default_action = action;
	policy->default_origin = *origin;
	return 0;
}

/* A decimal, 0x hex or 0 octal number of @len characters; -N is its
 * 64-bit two's complement, the way a negative long argument arrives. */
static int parse_number(const char *text, size_t len, uint64_t *out)
{
	bool negative = text[0] == '-';
	const char *digits = text + negative;
	if (len <= (size_t)negative || digits[0] < '0' || digits[0] > '9')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(digits, &end, 0);
	if (errno || end != text + len || (negative && (n == 0 || n > 1ULL << 63)))
		return -EINVAL;
	*out = negative ? -(uint64_t)n : n;
	return 0;
}

/* One number, symbolic constant, or several joined with '|'. */
static int parse_value(const char *token, uint64_t *out, const struct policy_origin *where)
{
	uint64_t value = 0;
	const char *part = token;
	for (;;) {
		size_t len = strcspn(part, "|");
		if (len == 0) {
			policy_print_error(where, "bad value '%s'", token);
			return -EINVAL;
		}
		if ((part[0] >= '0' && part[0] <= '9') || part[0] == '-') {
			uint64_t n;
			if (parse_number(part, len, &n) < 0) {
				policy_print_error(where, "bad number '%.*s'", (int)len, part);
				return -EINVAL;
			}
			value |= n;
		} else {
			size_t i = 0, count = sizeof(constants) / sizeof(constants[0]);
			while (i < count && (strlen(constants[i].name) != len ||
					     strncmp(constants[i].name, part, len) != 0))
				i++;
			if (i == count) {
				policy_print_error(where, "unknown constant '%.*s'", (int)len,
						   part);
				return -EINVAL;
			}
			value |= constants[i].value;
		}
		if (part[len] == '\0')
			break;
		part += len + 1;
	}
	*out = value;
	return 0;
}

static int parse_errno(const char *token, uint32_t *action, const struct policy_origin *where)
{
	if (!token) {
		policy_print_error(where, "'errno' needs a name or a number (errno EPERM)");
		return -EINVAL;
	}
	if (token[0] >= '0' && token[0] <= '9') {
		uint64_t n;
		int r = parse_value(token, &n, where);
		if (r < 0)
			return r;
		if (n > 4095) {
			policy_print_error(where, "errno %s is out of range (0 to 4095)", token);
			return -EINVAL;
		}
		*action = SCMP_ACT_ERRNO((uint32_t)n);
		return 0;
	}
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);
		if (name && strcmp(name, token) == 0) {
			*action = SCMP_ACT_ERRNO((uint32_t)e);
			return 0;
		}
	}
	policy_print_error(where, "unknown errno name '%s'", token);
	return -EINVAL;
}

/* ACTION at tokens[*i]: allow, kill, log or errno NAME|N; advances *i. */
static int parse_action(char **tokens, size_t count, size_t *i, uint32_t *action,
			const struct policy_origin *where)
{
	const char *word = tokens[*i];
	(*i)++;
	if (strcmp(word, "allow") == 0)
		*action = SCMP_ACT_ALLOW;
	else if (strcmp(word, "kill") == 0)
		*action = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(word, "log") == 0)
		*action = SCMP_ACT_LOG;
	else if (strcmp(word, "errno") == 0)
		return parse_errno(*i < count ? tokens[(*i)++] : NULL, action, where);
	else {
		policy_print_error(where, "unknown action '%s' (allow, errno NAME|N, kill, log)",
				   word);
		return -EINVAL;
	}
	return 0;
}

static int parse_operator(const char *op, enum scmp_compare *out, const struct policy_origin *where)
{
	static const struct {
		const char *text;
		enum scmp_compare op;
	} ops[] = {
	    {"==", SCMP_CMP_EQ}, {"!=", SCMP_CMP_NE}, {"<", SCMP_CMP_LT},
	    {"<=", SCMP_CMP_LE}, {">", SCMP_CMP_GT},  {">=", SCMP_CMP_GE},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(op, ops[i].text) == 0) {
			*out = ops[i].op;
			return 0;
		}
	}
	policy_print_error(where, "unknown operator '%s' (==, !=, <, <=, >, >=, or & MASK ==)", op);
	return -EINVAL;
}

/* One condition at tokens[*i]: "argN OP VALUE" or "argN & MASK == VALUE". */
static int parse_condition(char **tokens, size_t count, size_t *i, struct scmp_arg_cmp *cmp,
			   const struct policy_origin *where)
{
	const char *arg = tokens[*i];
	if (strncmp(arg, "arg", 3) != 0 || arg[3] < '0' || arg[3] > '5' || arg[4] != '\0') {
		policy_print_error(where, "expected a condition (arg0 to arg5) at '%s'", arg);
		return -EINVAL;
	}
	cmp->arg = (unsigned int)(arg[3] - '0');
	bool masked = *i + 1 < count && strcmp(tokens[*i + 1], "&") == 0;
	size_t need = masked ? 5 : 3;
	if (*i + need > count) {
		policy_print_error(where,
				   "incomplete condition after '%s' (argN OP VALUE or "
				   "argN & MASK == VALUE)",
				   arg);
		return -EINVAL;
	}
	const char *op = tokens[*i + need - 2], *value = tokens[*i + need - 1];
	int r;
	if (masked) {
		if (strcmp(op, "==") != 0) {
			policy_print_error(where, "a masked condition compares with '==', not '%s'",
					   op);
			return -EINVAL;
		}
		cmp->op = SCMP_CMP_MASKED_EQ;
		r = parse_value(tokens[*i + 2], &cmp->datum_a, where);
	} else {
		cmp->datum_a = 0;
		r = parse_operator(op, &cmp->op, where);
	}
	if (r == 0)
		r = parse_value(value, masked ? &cmp->datum_b : &cmp->datum_a, where);
	if (r == 0 && !masked)
		cmp->datum_b = 0;
	*i += need;
	return r;
}

static int compare_args(const void *a, const void *b)
{
	const struct scmp_arg_cmp *x = a, *y = b;
	return (x->arg > y->arg) - (x->arg < y->arg);
}

/* SYSCALL ACTION [CONDITION...] */
static int parse_rule(struct policy *policy, char **tokens, size_t count,
		      const struct policy_origin *where)
{
	struct policy_rule rule = {.origin = *where};
	rule.syscall = seccomp_syscall_resolve_name(tokens[0]);
	if (rule.syscall == __NR_SCMP_ERROR) {
		policy_print_error(where, "unknown system call '%s'", tokens[0]);
		return -EINVAL;
	}
	size_t i = 1;
	int r = parse_action(tokens, count, &i, &rule.action, where);
	while (r == 0 && i < count) {
		if (rule.arg_count == POLICY_MAX_ARGS) {
			policy_print_error(where, "more than %d conditions", POLICY_MAX_ARGS);
			return -EINVAL;
		}
		r = parse_condition(tokens, count, &i, &rule.args[rule.arg_count++], where);
	}
	if (r < 0)
		return r;
	qsort(rule.args, rule.arg_count, sizeof(rule.args[0]), compare_args);
	for (unsigned int k = 1; k < rule.arg_count; k++) {
		if (rule.args[k].arg == rule.args[k - 1].arg) {
			policy_print_error(where,
					   "arg%u is tested twice (one condition per argument)",
					   rule.args[k].arg);
			return -EINVAL;
		}
	}
	return policy_add_rule(policy, &rule);
}

/* Characters of the operators: a run of them is a word of its own, so
 * "arg0==AF_INET" reads as "arg0 == AF_INET". '|' joins values instead. */
#define OPERATOR_CHARS "=!<>&"
#define BLANKS " \t\r\v\f"

/*
 * Split @line into words, up to a '#' comment, copying them into @storage
 * (twice the line's length is always enough). Return: how many, or -E2BIG.
 */
static int tokenize(const char *line, char **tokens, char *storage)
{
	int count = 0;
	const char *s = line;
	for (;;) {
		s += strspn(s, BLANKS);
		if (*s == '\0' || *s == '#')
			return count;
		size_t len = strspn(s, OPERATOR_CHARS);
		if (len == 0)
			len = strcspn(s, BLANKS OPERATOR_CHARS "#");
		if (count == POLICY_MAX_TOKENS)
			return -E2BIG;
		tokens[count++] = memcpy(storage, s, len);
		storage[len] = '\0';
		storage += len + 1;
		s += len;
	}
}

struct file_state {
	struct policy_origin where;
	unsigned int default_line; /* 0: no default in this file yet */
};

static int parse_line(struct policy *policy, char *line, struct file_state *state)
{
	char *tokens[POLICY_MAX_TOKENS], storage[2 * (POLICY_MAX_LINE + 1)];
	const struct policy_origin *where = &state->where;
	int count = tokenize(line, tokens, storage);
	if (count == -E2BIG) {
		policy_print_error(where, "too many words for one rule");
		return -EINVAL;
	}
	if (count == 0)
		return 0;
	if (strcmp(tokens[0], "include") == 0) {
		if (count != 2) {
			policy_print_error(where, "expected 'include PRESET'");
			return -EINVAL;
		}
		return policy_add_preset(policy, tokens[1], where);
	}
	if (count < 2) {
		policy_print_error(where, "expected 'default ACTION', 'include PRESET' or "
					  "'SYSCALL ACTION [CONDITION...]'");
		return -EINVAL;
	}
	if (strcmp(tokens[0], "default") != 0)
		return parse_rule(policy, tokens, (size_t)count, where);

	if (state->default_line) {
		policy_print_error(where, "a second 'default' line (the first is line %u)",
				   state->default_line);
		return -EINVAL;
	}
	size_t i = 1;
	uint32_t action;
	int r = parse_action(tokens, (size_t)count, &i, &action, where);
	if (r < 0)
		return r;
	if (i != (size_t)count) {
		policy_print_error(where, "'default' takes an action and no conditions");
		return -EINVAL;
	}
	state->default_line = where->line;
	return policy_set_default(policy, action, where);
}

/* Keep a copy of @path that the origins of its rules can point to. */
static const char *remember_file(struct policy *policy, const char *path)
{
	char **files = reallocarray(policy->files, policy->file_count + 1, sizeof(*files));
	if (!files)
		return NULL;
	policy->files = files;
	char *copy = strdup(path);
	if (copy)
		policy->files[policy->file_count++] = copy;
	return copy;
}

/* How many lines are parsed between two looks at the signals. */
#define LINES_PER_SIGNAL_CHECK 1024

/*
 * Parse the file's @text of @len bytes (NUL-terminated), line by line.
 * Return: 0, the first mistake's -errno, or -EINTR when a termination
 * signal arrived.
 */
static int parse_text(struct policy *policy, char *text, size_t len, struct file_state *state,
		      struct setup_signals *signals)
{
	int result = 0;
	for (size_t at = 0; at < len;) {
		char *line = text + at, *newline = memchr(line, '\n', len - at);
		size_t line_len = newline ? (size_t)(newline - line) : len - at;
		at += line_len + 1;
		line[line_len] = '\0';
		if (++state->where.line % LINES_PER_SIGNAL_CHECK == 0 && setup_interrupted(signals))
			return -EINTR;
		int r;
		if (memchr(line, '\0', line_len)) {
			policy_print_error(&state->where, "NUL byte in the line");
			r = -EINVAL;
		} else if (line_len > POLICY_MAX_LINE) {
			policy_print_error(&state->where, "line longer than %d characters",
					   POLICY_MAX_LINE);
			r = -EINVAL;
		} else {
			r = parse_line(policy, line, state);
		}
		if (r < 0 && result == 0)
			result = r;
		/* Going on could only repeat the same error. */
		if (r == -ENOMEM || r == -E2BIG)
			break;
	}
	return result;
}

int policy_load_file(struct policy *policy, const char *path, struct setup_signals *signals)
{
	const char *name = remember_file(policy, path);
	if (!name)
		return -ENOMEM;
	int fd = setup_open_file(path);
	if (fd < 0) {
		policy_print_message("%s: cannot open the policy file: %s", path, strerror(-fd));
		return fd;
	}
	char *text = NULL;
	size_t len = 0;
	int r = setup_read_fd(fd, POLICY_MAX_FILE_SIZE, signals, &text, &len);
	close(fd);
	if (r == -EFBIG)
		policy_print_message("%s: the policy file is larger than %s", path,
				     POLICY_MAX_FILE_SIZE_TEXT);
	else if (r < 0 && r != -EINTR)
		policy_print_message("%s: cannot read the policy file: %s", path, strerror(-r));
	if (r < 0)
		return r;
	struct file_state state = {.where = {.file = name}};
	r = parse_text(policy, text, len, &state, signals);
	free(text);
	return r;
}
