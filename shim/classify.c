/* SPDX-License-Identifier: MIT */
/* Which programs need the trap (classify.h). */
#include "classify.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Entries read at once from the program and section header tables. */
#define BATCH 32
/* Bytes of a note segment or of the section names looked at. */
#define TEXT_MAX 4096

static bool read_at(int fd, void *buf, size_t size, unsigned long long offset)
{
	return syscall(SYS_pread64, fd, buf, size, (off_t)offset) == (long)size;
}

/* Does a note named "Go" lie in the first TEXT_MAX bytes at @offset? */
static bool has_go_note(int fd, unsigned long long offset, unsigned long long size)
{
	unsigned char notes[TEXT_MAX];
	if (size > sizeof(notes))
		size = sizeof(notes);
	if (!read_at(fd, notes, (size_t)size, offset))
		return false;
	for (unsigned long long at = 0; at + sizeof(Elf64_Nhdr) <= size;) {
		Elf64_Nhdr note;
		memcpy(&note, notes + at, sizeof(note));
		unsigned long long name_at = at + sizeof(note);
		if (note.n_namesz == 3 && name_at + 3 <= size &&
		    memcmp(notes + name_at, "Go", 3) == 0)
			return true;
		at = name_at + ((note.n_namesz + 3ULL) & ~3ULL) + ((note.n_descsz + 3ULL) & ~3ULL);
	}
	return false;
}

/* Has the ELF a section named .go.buildinfo (Go's, also without the note)? */
static bool has_go_section(int fd, const Elf64_Ehdr *ehdr)
{
	static const char wanted[] = ".go.buildinfo";
	Elf64_Shdr names;
	char text[TEXT_MAX];
	if (ehdr->e_shentsize != sizeof(Elf64_Shdr) || ehdr->e_shstrndx >= ehdr->e_shnum ||
	    !read_at(fd, &names, sizeof(names),
		     ehdr->e_shoff + (unsigned long long)ehdr->e_shstrndx * sizeof(names)))
		return false;
	size_t text_len = names.sh_size < sizeof(text) ? (size_t)names.sh_size : sizeof(text);
	if (!read_at(fd, text, text_len, names.sh_offset))
		return false;
	for (unsigned first = 0; first < ehdr->e_shnum; first += BATCH) {
		Elf64_Shdr batch[BATCH];
		unsigned n = ehdr->e_shnum - first < BATCH ? ehdr->e_shnum - first : BATCH;
		if (!read_at(fd, batch, n * sizeof(batch[0]),
			     ehdr->e_shoff + (unsigned long long)first * sizeof(batch[0])))
			return false;
		for (unsigned i = 0; i < n; i++)
			if (batch[i].sh_name + sizeof(wanted) <= text_len &&
			    memcmp(text + batch[i].sh_name, wanted, sizeof(wanted)) == 0)
				return true;
	}
	return false;
}

/* A 64-bit ELF: static or Go. Anything else is left to the shim. */
static enum classify_verdict elf_verdict(int fd, const char **why)
{
	Elf64_Ehdr ehdr;
	*why = "dynamically linked: the shim redirects it";
	if (!read_at(fd, &ehdr, sizeof(ehdr), 0) || memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0 ||
	    ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_phentsize != sizeof(Elf64_Phdr))
		return CLASSIFY_SHIM; /* other classes: another architecture's calls (trap.md) */
	bool interp = false, go = false;
	for (unsigned first = 0; first < ehdr.e_phnum; first += BATCH) {
		Elf64_Phdr batch[BATCH];
		unsigned n = ehdr.e_phnum - first < BATCH ? ehdr.e_phnum - first : BATCH;
		if (!read_at(fd, batch, n * sizeof(batch[0]),
			     ehdr.e_phoff + (unsigned long long)first * sizeof(batch[0])))
			return CLASSIFY_SHIM;
		for (unsigned i = 0; i < n; i++) {
			if (batch[i].p_type == PT_INTERP)
				interp = true;
			else if (batch[i].p_type == PT_NOTE && !go)
				go = has_go_note(fd, batch[i].p_offset, batch[i].p_filesz);
		}
	}
	if (go || has_go_section(fd, &ehdr)) {
		*why = "a Go program";
		return CLASSIFY_TRAP;
	}
	if (!interp) {
		*why = "statically linked";
		return CLASSIFY_TRAP;
	}
	return CLASSIFY_SHIM;
}

/*
 * The set-id rule. Trapping sets no_new_privs, which drops the privilege:
 * only privileges that are not root's are given up for redirection (a
 * set-group-ID program of a group like ssh-agent's _ssh); set-user-ID
 * programs (sudo, su, passwd, ...), set-group-ID root and file
 * capabilities (ping) keep theirs and run as natively, untrapped.
 */
static bool setid_verdict(int fd, const struct stat *st, enum classify_verdict *verdict,
			  const char **why)
{
	bool setgid = (st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP);
	if (syscall(SYS_fgetxattr, fd, "security.capability", NULL, 0) > 0 ||
	    (st->st_mode & S_ISUID) || (setgid && st->st_gid == 0)) {
		*verdict = CLASSIFY_PRIVILEGED;
		*why = "privileged (set-user-ID, set-group-ID root or file capabilities): "
		       "not trapped, to keep its privilege";
		return true;
	}
	if (setgid) {
		*verdict = CLASSIFY_TRAP;
		*why = "set-group-ID to a group other than root: trapped, without the privilege";
		return true;
	}
	return false;
}

/* The interpreter of a "#!" script open at @fd, into @out (PATH_MAX); false if none. */
static bool interpreter(int fd, char *out)
{
	char line[PATH_MAX + 2];
	long n = syscall(SYS_pread64, fd, line, sizeof(line) - 1, (off_t)0);
	if (n < 3 || line[0] != '#' || line[1] != '!')
		return false;
	line[n] = '\0';
	char *name = line + 2 + strspn(line + 2, " \t");
	size_t len = strcspn(name, " \t\n");
	if (name[0] != '/' || len >= PATH_MAX)
		return false;
	memcpy(out, name, len);
	out[len] = '\0';
	return true;
}

enum classify_verdict classify_program(const char *path, const char **why)
{
	char next[PATH_MAX];
	for (int depth = 0; depth < 5; depth++) {
		int fd = (int)syscall(SYS_openat, AT_FDCWD, path,
				      O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		struct stat st;
		if (fd < 0 || syscall(SYS_fstat, fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			if (fd >= 0)
				syscall(SYS_close, fd);
			*why = "not readable: not trapped";
			return CLASSIFY_UNREADABLE;
		}
		enum classify_verdict verdict;
		bool script = false;
		if (!setid_verdict(fd, &st, &verdict, why)) {
			script = interpreter(fd, next);
			if (!script)
				verdict = elf_verdict(fd, why);
		}
		syscall(SYS_close, fd);
		if (!script)
			return verdict;
		path = next; /* the kernel runs the interpreter */
	}
	*why = "a chain of scripts too deep: not trapped";
	return CLASSIFY_UNREADABLE;
}
