/* SPDX-License-Identifier: MIT */
/*
 * The final tree of a run: every entry of the base (the private root, the
 * outside directory and the stand-ins for the real /tmp), read by the
 * tester itself, outside any run and without following a link. A line per
 * entry: "tree PATH TYPE MODE [links] [target or bytes]".
 */
#include "diff.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct places {
	char root[8300], out[8300];
	const char *base;
};

/* Quote @n bytes of @s into @buf, the places written as "@R", "@O", "@B". */
static void quote(const struct places *pl, const char *s, size_t n, char *buf, size_t size)
{
	const char *from[3] = {pl->root, pl->out, pl->base}, *to[3] = {"@R", "@O", "@B"};
	size_t len = 0;
	buf[len++] = '"';
	for (size_t i = 0; i < n && len + 8 < size;) {
		int k = 0;
		for (; k < 3; k++)
			if (from[k][0] && n - i >= strlen(from[k]) &&
			    !memcmp(s + i, from[k], strlen(from[k])))
				break;
		if (k < 3) {
			len += (size_t)snprintf(buf + len, size - len, "%s", to[k]);
			i += strlen(from[k]);
			continue;
		}
		unsigned char c = (unsigned char)s[i++];
		if (c == '"' || c == '\\')
			len += (size_t)snprintf(buf + len, size - len, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			len += (size_t)snprintf(buf + len, size - len, "\\x%02x", c);
		else
			buf[len++] = (char)c;
	}
	snprintf(buf + len, size - len, "\"");
}

/* One entry @path (its printed name @shown), and what is below it. */
static void dump(const struct places *pl, const char *path, const char *shown, struct lines *tree,
		 int depth)
{
	struct stat st;
	char extra[2048] = "", data[512];
	if (lstat(path, &st) < 0)
		return;
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, data, sizeof(data));
		quote(pl, data, n > 0 ? (size_t)n : 0, extra, sizeof(extra));
	} else if (S_ISREG(st.st_mode)) {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, data, sizeof(data)) : -1;
		if (fd >= 0)
			close(fd);
		char bytes[1800];
		quote(pl, data, n > 0 ? (size_t)n : 0, bytes, sizeof(bytes));
		snprintf(extra, sizeof(extra), "n%lu %s", (unsigned long)st.st_nlink, bytes);
	}
	char type = S_ISDIR(st.st_mode)	  ? 'd'
		    : S_ISREG(st.st_mode) ? 'f'
		    : S_ISLNK(st.st_mode) ? 'l'
					  : '?';
	lines_addf(tree, "tree %s %c %04o%s%s", shown, type, (unsigned)(st.st_mode & 07777),
		   extra[0] ? " " : "", extra);
	if (!S_ISDIR(st.st_mode) || depth > 32)
		return;
	DIR *dir = opendir(path);
	for (struct dirent *d; dir && (d = readdir(dir));) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		char child[8400], child_shown[8400];
		snprintf(child, sizeof(child), "%s/%s", path, d->d_name);
		/* The root is named "@R" whatever its random name. */
		if (!strcmp(child, pl->root))
			snprintf(child_shown, sizeof(child_shown), "@R");
		else
			snprintf(child_shown, sizeof(child_shown), "%s/%s", shown, d->d_name);
		dump(pl, child, child_shown, tree, depth + 1);
	}
	if (dir)
		closedir(dir);
}

void diff_dump_tree(const struct diff_env *env, const char *root_name, struct lines *tree)
{
	struct places pl = {.base = env->base};
	if (root_name[0])
		snprintf(pl.root, sizeof(pl.root), "%s/%s", env->base, root_name);
	snprintf(pl.out, sizeof(pl.out), "%s/out", env->base);
	dump(&pl, env->base, "@B", tree, 0);
	lines_sort(tree);
}
