/* SPDX-License-Identifier: MIT */
/*
 * --trap auto: which programs the shim cannot reach. Read from the
 * executable itself, before exec: its ELF program headers (PT_INTERP),
 * its notes and section names (Go), its mode and capabilities (set-id).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "trap.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Headers and tables larger than this are not read (no real program has them). */
#define TABLE_MAX (64 * 1024)

/* Read @size bytes at @offset, all or nothing. */
static bool read_at(int fd, void *buf, size_t size, off_t offset)
{
	return pread(fd, buf, size, offset) == (ssize_t)size;
}

/* A table of @count entries of @entsize bytes at @offset, malloc'd, or NULL. */
static void *read_table(int fd, uint64_t offset, uint64_t count, uint64_t entsize)
{
	if (count == 0 || entsize == 0 || count > TABLE_MAX / entsize)
		return NULL;
	void *table = malloc(count * entsize);
	if (table && !read_at(fd, table, count * entsize, (off_t)offset)) {
		free(table);
		return NULL;
	}
	return table;
}

/* Does the note segment at @offset (@size bytes) hold a note named "Go"? */
static bool has_go_note(int fd, uint64_t offset, uint64_t size)
{
	unsigned char *notes = read_table(fd, offset, size, 1);
	bool go = false;
	for (uint64_t at = 0; notes && !go && at + sizeof(Elf64_Nhdr) <= size;) {
		Elf64_Nhdr note;
		memcpy(&note, notes + at, sizeof(note));
		uint64_t name_at = at + sizeof(note);
		uint64_t desc_at = name_at + ((note.n_namesz + 3ULL) & ~3ULL);
		go = note.n_namesz == 3 && name_at + 3 <= size &&
		     memcmp(notes + name_at, "Go", 3) == 0;
		at = desc_at + ((note.n_descsz + 3ULL) & ~3ULL);
	}
	free(notes);
	return go;
}

/* Has the ELF a section named .go.buildinfo (Go's, also without the note)? */
static bool has_go_section(int fd, const Elf64_Ehdr *ehdr)
{
	Elf64_Shdr *sections = read_table(fd, ehdr->e_shoff, ehdr->e_shnum, sizeof(Elf64_Shdr));
	bool go = false;
	if (sections && ehdr->e_shentsize == sizeof(Elf64_Shdr) &&
	    ehdr->e_shstrndx < ehdr->e_shnum) {
		const Elf64_Shdr *strtab = &sections[ehdr->e_shstrndx];
		char *names = read_table(fd, strtab->sh_offset, strtab->sh_size, 1);
		for (unsigned i = 0; names && !go && i < ehdr->e_shnum; i++) {
			static const char wanted[] = ".go.buildinfo";
			uint64_t at = sections[i].sh_name;
			go = at + sizeof(wanted) <= strtab->sh_size &&
			     memcmp(names + at, wanted, sizeof(wanted)) == 0;
		}
		free(names);
	}
	free(sections);
	return go;
}

/* The verdict on a 64-bit ELF of the native byte order; NULL: dynamic, not Go. */
static const char *elf_verdict(int fd)
{
	Elf64_Ehdr ehdr;
	if (!read_at(fd, &ehdr, sizeof(ehdr), 0) || memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0)
		return NULL;
	if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_phentsize != sizeof(Elf64_Phdr))
		return NULL; /* other classes run on another architecture's calls: see trap.md */
	Elf64_Phdr *phdrs = read_table(fd, ehdr.e_phoff, ehdr.e_phnum, sizeof(Elf64_Phdr));
	if (!phdrs)
		return NULL;
	bool interp = false, go = false;
	for (unsigned i = 0; i < ehdr.e_phnum; i++) {
		if (phdrs[i].p_type == PT_INTERP)
			interp = true;
		else if (phdrs[i].p_type == PT_NOTE && !go)
			go = has_go_note(fd, phdrs[i].p_offset, phdrs[i].p_filesz);
	}
	free(phdrs);
	if (!go)
		go = has_go_section(fd, &ehdr);
	return go ? "a Go program" : !interp ? "statically linked" : NULL;
}

/*
 * The set-id rule. Trapping sets no_new_privs, which drops the privilege:
 * only privileges that are not root's are given up for redirection (a
 * set-group-ID program of a group like ssh-agent's _ssh); set-user-ID
 * programs (sudo, su, passwd, ...), set-group-ID root and file
 * capabilities (ping) keep theirs and run as natively.
 */
static const char *setid_verdict(int fd, const struct stat *st, bool *keep)
{
	*keep = false;
	if (fgetxattr(fd, "security.capability", NULL, 0) > 0 || (st->st_mode & S_ISUID) ||
	    ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP) && st->st_gid == 0)) {
		*keep = true;
		return "privileged (set-user-ID, set-group-ID root or file capabilities): "
		       "not trapped, to keep its privilege";
	}
	if ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP))
		return "set-group-ID to a group other than root: trapped, without the privilege";
	return NULL;
}

/* The program execvp() runs for @name, into @out (PATH_MAX). 0 or -errno. */
static int find_program(const char *name, char *out)
{
	if (strchr(name, '/'))
		return snprintf(out, PATH_MAX, "%s", name) >= PATH_MAX ? -ENAMETOOLONG : 0;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *dir = path;; dir++) {
		size_t len = strcspn(dir, ":");
		if (snprintf(out, PATH_MAX, "%.*s%s%s", (int)len, dir, len ? "/" : "", name) <
			PATH_MAX &&
		    access(out, X_OK) == 0)
			return 0;
		dir += len;
		if (!*dir)
			return -ENOENT;
	}
}

/* Classify the file @path; @depth bounds "#!" chains. */
static bool classify_file(const char *path, const char **why, int depth)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "not readable: not trapped";
		if (fd >= 0)
			close(fd);
		return false;
	}
	bool keep;
	const char *verdict = setid_verdict(fd, &st, &keep);
	if (!verdict)
		verdict = elf_verdict(fd);
	char line[PATH_MAX + 2];
	ssize_t n = verdict ? 0 : pread(fd, line, sizeof(line) - 1, 0);
	close(fd);
	if (verdict) {
		*why = verdict;
		return !keep;
	}
	/* "#!interpreter [arg]": the interpreter is what runs. */
	if (n > 2 && line[0] == '#' && line[1] == '!' && depth < 4) {
		line[n] = '\0';
		char *interp = line + 2 + strspn(line + 2, " \t");
		interp[strcspn(interp, " \t\n")] = '\0';
		if (interp[0] == '/')
			return classify_file(interp, why, depth + 1);
	}
	*why = "dynamically linked: the shim redirects it";
	return false;
}

bool trap_classify(const char *name, const char **why)
{
	char path[PATH_MAX];
	if (find_program(name, path) < 0) {
		*why = "not found: not trapped";
		return false;
	}
	return classify_file(path, why, 0);
}
