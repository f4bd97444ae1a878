/* SPDX-License-Identifier: MIT */
/*
 * "#!" scripts, exec'd as the kernel would if the private dirs were mounted
 * on /tmp. The kernel reads the interpreter's path from the script itself,
 * out of the shim's reach: "#!/tmp/venv/bin/python" names the real /tmp.
 * So when a script or an interpreter on its chain is redirected, the chain
 * is read here with the kernel's rules (fs/binfmt_script.c: the first 256
 * bytes, one optional argument, blanks trimmed, at most 5 scripts deep)
 * and the last interpreter is exec'd with the argv the kernel would have
 * built: [interpreter as written, its argument, the script as the program
 * named it, argv[1]...].
 *
 * An interpreter that loads the shim (a dynamic ELF program, not set-id)
 * gets the names as written, so $0 is "/tmp/s" as natively; one that does
 * not (static, set-id: the loader drops LD_PRELOAD) gets the private dir's
 * names, which it can open. Runs in vfork children: raw system calls only,
 * everything on the caller's stack.
 */
#include <elf.h>
#include <link.h>
#include <string.h>

#include "internal.h"
#include "shim.h"
#include "sys.h"

/* The kernel's buffer for the "#!" line (BINPRM_BUF_SIZE). */
#define SCRIPT_LINE 256

/*
 * The kernel's test before it reads a "#!" line of @path: execute
 * permission for our effective ids, on a mount that allows exec. (Its
 * ETXTBSY for a file open for writing has no test that does not disturb the
 * writer: a lease would signal the exec'ing process. See docs/shim.md.)
 * Return: 1 when it may be exec'd, or -errno.
 */
static int exec_error(const char *path)
{
	int r = (int)syscall(SYS_faccessat2, AT_FDCWD, path, X_OK, AT_EACCESS);
	if (r < 0 && errno == ENOSYS)
		r = (int)syscall(SYS_faccessat, AT_FDCWD, path, X_OK);
	return r < 0 ? -errno : 1;
}

/* Parse the "#!" line in @buf (@len bytes read) as load_script() does.
 * Return: true with *@name (and *@arg, or NULL) pointing into @buf. */
static bool parse_line(char *buf, size_t len, char **name, char **arg)
{
	char *end = buf + SCRIPT_LINE - 1, *cp;

	if (len < 2 || buf[0] != '#' || buf[1] != '!')
		return false;
	memset(buf + len, 0, SCRIPT_LINE - len);
	cp = memchr(buf, '\n', SCRIPT_LINE);
	if (!cp) {
		/* No newline: the interpreter's name must end within the buffer,
		 * or it may be cut; the argument may be cut. */
		for (cp = buf + 2; cp <= end && (*cp == ' ' || *cp == '\t'); cp++)
			;
		if (cp > end)
			return false;
		while (cp <= end && *cp != ' ' && *cp != '\t' && *cp != '\0')
			cp++;
		if (cp > end)
			return false;
		cp = end;
	}
	*cp = '\0';
	while (cp > buf && (*--cp == ' ' || *cp == '\t'))
		*cp = '\0';
	for (cp = buf + 2; *cp == ' ' || *cp == '\t'; cp++)
		;
	if (*cp == '\0')
		return false;
	*name = cp;
	while (*cp && *cp != ' ' && *cp != '\t')
		cp++;
	while (*cp == ' ' || *cp == '\t')
		*cp++ = '\0';
	*arg = *cp ? cp : NULL;
	return true;
}

/*
 * Read the "#!" line of @path into @buf. Return: 1 when it is a script
 * (*@name, *@arg set), 0 when it is not or cannot be read (the kernel
 * then says what natively happens), -errno when the kernel would refuse
 * to exec it (EACCES: not a regular file, no execute permission, noexec).
 */
static int read_script(const char *path, char *buf, char **name, char **arg)
{
	struct stat st;
	int fd;

	/* Never open what is not a regular file: a FIFO would block, a device
	 * may act on open. The kernel refuses to exec them anyway. */
	if (sys_fstatat(AT_FDCWD, path, &st, 0) < 0 || !S_ISREG(st.st_mode))
		return 0;
	fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	ssize_t n = sys_read(fd, buf, SCRIPT_LINE);
	int r = n >= 2 && parse_line(buf, (size_t)n, name, arg) ? exec_error(path) : 0;
	sys_close(fd);
	return r;
}

/* Will @path, exec'd, load the shim: a dynamic ELF program, not set-id? */
static bool loads_shim(const char *path)
{
	ElfW(Ehdr) header;
	ElfW(Phdr) phdr;
	struct stat st;
	bool dynamic = false;
	int fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);

	if (fd < 0)
		return false;
	if (sys_fstat(fd, &st) == 0 && !(st.st_mode & (S_ISUID | S_ISGID)) &&
	    sys_read(fd, &header, sizeof(header)) == (ssize_t)sizeof(header) &&
	    memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 && header.e_phentsize == sizeof(phdr)) {
		for (unsigned i = 0; i < header.e_phnum && !dynamic; i++) {
			off_t at = (off_t)(header.e_phoff + (ElfW(Off))i * sizeof(phdr));
			if (syscall(SYS_pread64, fd, &phdr, sizeof(phdr), at) != (long)sizeof(phdr))
				break;
			dynamic = phdr.p_type == PT_INTERP;
		}
	}
	sys_close(fd);
	return dynamic;
}

int shim_script_resolve(const char *path, const char *real, struct shim_script *script)
{
	const char *given = path, *file = real;
	char *name, *arg;
	bool redirected = real != path;
	size_t level = 0;

	script->nprefix = 0;
	for (;; level++) {
		int r = read_script(file, script->line[level], &name, &arg);
		if (r == 0 || (r < 0 && level == 0))
			break; /* the kernel execs @file, or fails as natively */
		if (r < 0)
			return r;
		if (level == SHIM_SCRIPT_DEPTH)
			return -ELOOP;
		/* Level by level: the interpreter named, its argument, the file. */
		struct shim_script_level *at = &script->level[level];
		at->name = name;
		at->arg = arg;
		at->given = given;
		at->real = file;
		int m = shim_map_at(AT_FDCWD, name, script->mapped[level], PATH_MAX,
				    SHIM_MAP_NO_CREATE);
		if (m < 0)
			return m;
		redirected |= m == MAP_DONE;
		given = name;
		file = m == MAP_DONE ? script->mapped[level] : name;
	}
	if (level == 0 || !redirected)
		return 0; /* not a script, or nothing the kernel cannot see */
	/* [last interpreter, then each level's argument and file, outermost
	 * last]: what the kernel's rewrites, one per level, leave. */
	bool as_written = loads_shim(file);
	script->prefix[script->nprefix++] = script->level[level - 1].name;
	for (size_t i = level; i-- > 0;) {
		const struct shim_script_level *at = &script->level[i];
		if (at->arg)
			script->prefix[script->nprefix++] = at->arg;
		script->prefix[script->nprefix++] = as_written ? at->given : at->real;
	}
	script->file = file;
	return 1;
}

size_t shim_script_argc(const struct shim_script *script, char *const argv[])
{
	size_t argc = 0;

	while (argv && argv[argc])
		argc++;
	/* The prefix replaces argv[0]; the NULL is counted. */
	return script->nprefix + (argc ? argc - 1 : 0) + 1;
}

void shim_script_argv(const struct shim_script *script, char *const argv[], const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < script->nprefix; i++)
		out[n++] = script->prefix[i];
	for (size_t i = 1; argv && argv[0] && argv[i]; i++)
		out[n++] = argv[i];
	out[n] = NULL;
}
