/* SPDX-License-Identifier: MIT */
/*
 * tj_diff_exec: the executor of the differential tester. It reads path
 * operations from stdin, one a line (tests/diff/README.md lists them),
 * performs them through glibc (so the shim, when preloaded, sees each one)
 * and prints a transcript that must not depend on anything but what the
 * operations did: a line per operation with its result, errno name, the
 * bytes read and the strings returned. File descriptors are kept in slots
 * and never printed (the shim holds descriptors of its own); files are
 * named by role ("ROOT", "SLASH") or by the order they were first seen.
 *
 * In paths, "@R" is the private root (TJ_DIFF_ROOT, else TMPJAIL_ROOT), "@O"
 * the outside directory (TJ_DIFF_OUT), "@B" the base (TJ_DIFF_BASE); in
 * what is printed those strings are written back as "@R", "@O", "@B", so
 * two runs with the same root read alike and a leaked root still shows.
 */
#include "diff_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct exec_state ex;

/* Where "@X" of a path comes from, and what a printed string gets back. */
static const char *const mark[3] = {"@R", "@O", "@B"};

const char *ex_expand(const char *token)
{
	static char buf[4][8192];
	static int ring;
	char *out = buf[ring++ % 4];
	size_t len = 0;
	for (const char *p = token; *p && len < sizeof(buf[0]) - 1;) {
		const char *value = NULL;
		for (int i = 0; i < 3 && !value; i++)
			if (!strncmp(p, mark[i], 2))
				value = ex.place[i];
		if (value) {
			len += (size_t)snprintf(out + len, sizeof(buf[0]) - len, "%s", value);
			p += 2;
		} else {
			out[len++] = *p++;
		}
		if (len >= sizeof(buf[0]))
			len = sizeof(buf[0]) - 1;
	}
	out[len] = '\0';
	return out;
}

void ex_put_string(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n;) {
		size_t matched = 0;
		for (int k = 0; k < 3 && !matched; k++) {
			size_t len = strlen(ex.place[k]);
			if (len && n - i >= len && !memcmp(s + i, ex.place[k], len)) {
				fputs(mark[k], stdout);
				matched = len;
			}
		}
		if (matched) {
			i += matched;
			continue;
		}
		unsigned char c = (unsigned char)s[i++];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

void ex_result(long ret)
{
	if (ret < 0)
		printf(" = -1 %s", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	else
		printf(" = %ld", ret);
}

/*
 * raw_stat() - stat(2) by system call, past the shim: what a name really
 * is, for the table of roles.
 */
static int raw_stat(const char *path, struct stat *st)
{
	return (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, 0);
}

/* Learn the roles: the directories both runs have at the same paths. */
static void anchors_init(void)
{
	static const struct {
		const char *label, *path;
	} roles[] = {{"SLASH", "/"},
		     {"VAR", "/var"},
		     {"BASE", "@B"},
		     {"ROOT", "@R"},
		     {"RTMP", "@R/tmp"},
		     {"RVAR", "@R/var"},
		     {"RVARTMP", "@R/var/tmp"},
		     {"OUT", "@O"},
		     {"REAL", "@B/real"},
		     {"REALTMP", "@B/real/tmp"},
		     {"REALVAR", "@B/real/var"},
		     {"REALVARTMP", "@B/real/var/tmp"}};
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		struct stat st;
		if (raw_stat(ex_expand(roles[i].path), &st) < 0 || ex.ids >= MAX_IDS)
			continue;
		ex.id[ex.ids].dev = st.st_dev;
		ex.id[ex.ids].ino = st.st_ino;
		snprintf(ex.id[ex.ids].label, sizeof(ex.id[0].label), "%s", roles[i].label);
		ex.id[ex.ids].path = roles[i].path;
		ex.ids++;
	}
}

/*
 * Forget every role no longer where it was. A sequence may remove one
 * (rmdir @O), and the file system may give its inode number to the next
 * file made, in one run and not the other: that file is not the role,
 * even when made at the role's own path. Checked after every operation.
 */
static void roles_check(void)
{
	for (size_t i = 0; i < ex.ids; i++) {
		struct stat now;
		if (!ex.id[i].path)
			continue;
		if (raw_stat(ex_expand(ex.id[i].path), &now) == 0 && now.st_dev == ex.id[i].dev &&
		    now.st_ino == ex.id[i].ino)
			continue;
		/* Gone for good; the slot stays, so later labels agree. */
		ex.id[i].path = NULL;
		ex.id[i].dev = 0;
		ex.id[i].ino = 0;
	}
}

const char *ex_identity(const struct stat *st)
{
	for (size_t i = 0; i < ex.ids; i++)
		if (ex.id[i].dev == st->st_dev && ex.id[i].ino == st->st_ino)
			return ex.id[i].label;
	if (ex.ids >= MAX_IDS)
		return "#?";
	ex.id[ex.ids].dev = st->st_dev;
	ex.id[ex.ids].ino = st->st_ino;
	snprintf(ex.id[ex.ids].label, sizeof(ex.id[0].label), "#%zu", ex.ids);
	return ex.id[ex.ids++].label;
}

/* How many entries the directory @path holds, read past the shim. */
static long raw_entries(const char *path)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[4096];
	long count = 0;
	for (long n; fd >= 0 && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0;)
		for (long off = 0; off < n;) {
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			const char *name = buf + off + 19;
			count += strcmp(name, ".") && strcmp(name, "..");
			off += reclen;
		}
	if (fd >= 0)
		syscall(SYS_close, fd);
	return count;
}

/*
 * Where a write must never land: the stand-ins for the real /tmp and
 * /var/tmp (@B/real/...), which under the shim must stay empty and in the
 * reference nothing uses, and the base itself (out, real and the root),
 * which stands for the real directory a root lives in (/tmp). An
 * operation that changes how many entries they hold is marked, so the
 * mismatch shows on the operation that escaped.
 */
struct escapes {
	long real, base;
};

static struct escapes escapes_now(void)
{
	return (struct escapes){.real = raw_entries(ex_expand("@B/real/tmp")) +
					raw_entries(ex_expand("@B/real/var/tmp")),
				.base = raw_entries(ex_expand("@B"))};
}

static void put_escapes(struct escapes *before)
{
	struct escapes now = escapes_now();
	if (now.real != before->real)
		fputs(" [real tmp changed]", stdout);
	if (now.base != before->base)
		fputs(" [base changed]", stdout);
	*before = now;
}

/* Split @line into at most @max tokens at blanks (in place). */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\n", &save))
		tok[n++] = t;
	return n;
}

int main(void)
{
	const char *root = getenv("TJ_DIFF_ROOT");
	ex.place[0] = root && *root ? root : getenv("TMPJAIL_ROOT");
	ex.place[1] = getenv("TJ_DIFF_OUT");
	ex.place[2] = getenv("TJ_DIFF_BASE");
	for (int i = 0; i < 3; i++)
		if (!ex.place[i] || !*ex.place[i]) {
			fprintf(stderr, "tj_diff_exec: %s is not set\n", mark[i]);
			return 2;
		}
	for (int i = 0; i < SLOTS; i++)
		ex.slot[i] = -1;
	anchors_init();
	char line[4096];
	struct escapes escapes = escapes_now();
	for (long n = 0; fgets(line, sizeof(line), stdin); n++) {
		char copy[4096], *tok[8];
		snprintf(copy, sizeof(copy), "%s", line);
		int count = tokenize(copy, tok, 8);
		if (!count)
			continue;
		printf("%ld", n);
		for (int i = 0; i < count; i++)
			printf(" %s", tok[i]);
		ex_run_op(count, tok);
		roles_check();
		put_escapes(&escapes);
		putchar('\n');
		fflush(stdout);
	}
	puts("end");
	return 0;
}
