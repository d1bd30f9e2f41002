/*
 * Unit tests for engine/symbols/: kallsyms, ELF symbols and file offsets,
 * library lookup, USDT notes and process map snapshots. Answers are
 * checked against independent tools run on the same files (nm, readelf,
 * ldconfig -p, the dynamic linker's own choice in /proc/self/maps) and
 * against tests/workload/symtest.c compiled here as PIE and non-PIE.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "symbols/elfsyms.h"
#include "symbols/ksyms.h"
#include "symbols/libpath.h"
#include "symbols/procmaps.h"
#include "symbols/usdt_notes.h"
#include "util/strbuf.h"

extern char **environ;

static char tmpdir[] = "/tmp/rcp-symtest-XXXXXX";
static char pie_path[PATH_MAX], nopie_path[PATH_MAX];

/* A function of this test binary, for symbolizing our own addresses. */
__attribute__((noinline)) int symbols_test_marker(int x)
{
	volatile int acc = 0;

	for (int i = 0; i < x; i++)
		acc += i * x;
	return acc;
}

/* Run argv (no shell), capture stdout; returns the exit status or -1. */
static int run_capture(char *const argv[], char **out)
{
	posix_spawn_file_actions_t fa;
	struct strbuf sb = STRBUF_INIT;
	int fds[2], status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	strbuf_init(&sb);
	*out = NULL;
	if (pipe(fds))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		strbuf_release(&sb);
		return -1;
	}
	*out = strbuf_detach(&sb);
	return WEXITSTATUS(status);
}

__attribute__((noinline)) static char *must_run(char *const argv[])
{
	char *out = NULL;
	int rc = run_capture(argv, &out);

	assert_int_equal(rc, 0);
	return out;
}

/* The value nm reports for a defined symbol ("name" or "name@@VER"). */
static uint64_t nm_value(const char *path, bool dynamic, const char *symbol)
{
	char *argv[] = { "nm", "--defined-only", dynamic ? "-D" : "-n",
			 (char *)path, NULL };
	char *out = must_run(argv), *save = NULL;
	uint64_t found = 0;

	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;
		char type, name[512];

		if (sscanf(l, "%llx %c %511s", &v, &type, name) != 3)
			continue;
		name[strcspn(name, "@")] = '\0';
		if (!strcmp(name, symbol)) {
			found = v;
			break;
		}
	}
	free(out);
	assert_true(found != 0);
	return found;
}

/* vaddr -> file offset from readelf's program headers. */
static uint64_t readelf_offset(const char *path, uint64_t vaddr)
{
	char *argv[] = { "readelf", "-lW", (char *)path, NULL };
	char *out = must_run(argv), *save = NULL;
	uint64_t off = UINT64_MAX;

	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long o, v, p, fsz, msz;

		if (sscanf(l, " LOAD 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx",
			   &o, &v, &p, &fsz, &msz) != 5)
			continue;
		if (vaddr >= v && vaddr < v + fsz) {
			off = vaddr - v + o;
			break;
		}
	}
	free(out);
	assert_true(off != UINT64_MAX);
	return off;
}

static void same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	assert_int_equal(stat(a, &sa), 0);
	assert_int_equal(stat(b, &sb), 0);
	assert_true(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int compile_symtest(const char *out, bool pie)
{
	const char *src = getenv("RECIPE_SRCDIR");
	char *file = xasprintf("%s/tests/workload/symtest.c", src ? src : ".");
	char *pie_argv[] = { "cc", "-g", "-O1", "-fPIE", "-pie", "-o",
			     (char *)out, file, NULL };
	char *nopie_argv[] = { "cc", "-g", "-O1", "-fno-pie", "-no-pie",
			       "-DSYMTEST_NO_SEMAPHORES", "-o", (char *)out,
			       file, NULL };
	char *dump;
	int rc = run_capture(pie ? pie_argv : nopie_argv, &dump);

	free(dump);
	free(file);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(pie_path, sizeof(pie_path), "%s/symtest-pie", tmpdir);
	snprintf(nopie_path, sizeof(nopie_path), "%s/symtest-nopie", tmpdir);
	if (compile_symtest(pie_path, true) || compile_symtest(nopie_path, false))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(pie_path);
	unlink(nopie_path);
	rmdir(tmpdir);
	return 0;
}

/* ---- ksyms ---- */

static void test_ksyms_vfs_read(void **state)
{
	struct ksyms *ks;
	uint64_t addr = 0, off = 99;
	double t0 = now_ms();

	(void)state;
	assert_int_equal(ksyms_load(&ks), 0);
	print_message("kallsyms: %zu symbols, %.1f ms, %zu KiB\n",
		      ksyms_count(ks), now_ms() - t0, ksyms_memory(ks) / 1024);
	assert_true(ksyms_count(ks) > 10000);
	assert_true(ksyms_exists(ks, "vfs_read"));
	assert_false(ksyms_exists(ks, "rcp_no_such_kernel_symbol"));
	assert_int_equal(ksyms_find(ks, "rcp_no_such_kernel_symbol", &addr), -ENOENT);
	if (geteuid() != 0) {
		assert_true(ksyms_addresses_hidden(ks));
		assert_int_equal(ksyms_find(ks, "vfs_read", &addr), -EPERM);
		assert_null(ksyms_lookup(ks, 0xffffffff81000000ull, NULL));
		ksyms_free(ks);
		skip();
	}
	assert_false(ksyms_addresses_hidden(ks));
	assert_int_equal(ksyms_find(ks, "vfs_read", &addr), 0);
	assert_true(addr != 0);
	assert_string_equal(ksyms_lookup(ks, addr + 4, &off), "vfs_read");
	assert_int_equal(off, 4);
	assert_string_equal(ksyms_lookup(ks, addr, &off), "vfs_read");
	assert_int_equal(off, 0);
	assert_null(ksyms_lookup(ks, 0x1000, &off));
	ksyms_free(ks);
}

struct names {
	char *v[64];
	uint64_t addr[64];
	const char *mod[64];
	size_t n;
};

static int collect(const char *name, uint64_t addr, const char *module, void *ctx)
{
	struct names *c = ctx;

	if (c->n < 64) {
		c->addr[c->n] = addr;
		c->mod[c->n] = module;
		c->v[c->n++] = xstrdup(name);
	}
	return 0;
}

static void names_release(struct names *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	c->n = 0;
}

static void test_ksyms_match_live(void **state)
{
	struct names c = { .n = 0 };
	struct ksyms *ks;
	bool read = false;

	(void)state;
	assert_int_equal(ksyms_load(&ks), 0);
	assert_int_equal(ksyms_foreach_match(ks, "vfs_rea*", collect, &c), 0);
	assert_true(c.n >= 2);
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(strncmp(c.v[i], "vfs_rea", 7), 0);
		if (i)	/* sorted, each name once */
			assert_true(strcmp(c.v[i - 1], c.v[i]) < 0);
		read |= !strcmp(c.v[i], "vfs_read");
	}
	assert_true(read);
	names_release(&c);
	ksyms_free(ks);
}

static char *write_tmp(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_ksyms_synthetic(void **state)
{
	/* unsorted, aliases at one address, a data symbol, duplicates, modules */
	const char *text =
		"ffffffff81002000 T beta\n"
		"ffffffff81000000 D alpha_data\n"
		"ffffffff81000000 T alpha\n"
		"ffffffff81001000 t dup\n"
		"ffffffffc0001000 t mod_func\t[mymod]\n"
		"ffffffff81003000 t dup\n"
		"ffffffffc0002000 d mod_data\t[mymod]\n"
		"ffffffffc0003000 t other_func\t[other]\n";
	struct names c = { .n = 0 };
	const char *mod = "x";
	struct ksyms *ks;
	uint64_t addr, off;
	char *path = write_tmp("kallsyms", text);

	(void)state;
	assert_int_equal(ksyms_load_file(path, &ks), 0);
	assert_int_equal(ksyms_count(ks), 8);
	assert_false(ksyms_addresses_hidden(ks));
	/* the text symbol wins at a shared address */
	assert_string_equal(ksyms_lookup_module(ks, 0xffffffff81000010ull, &off, &mod), "alpha");
	assert_int_equal(off, 0x10);
	assert_null(mod);
	assert_string_equal(ksyms_lookup(ks, 0xffffffff81001fffull, &off), "dup");
	assert_int_equal(off, 0xfff);
	assert_string_equal(ksyms_lookup_module(ks, 0xffffffffc0001008ull, &off, &mod), "mod_func");
	assert_string_equal(mod, "mymod");
	assert_string_equal(ksyms_lookup_module(ks, 0xffffffffc0003000ull, &off, &mod), "other_func");
	assert_string_equal(mod, "other");
	assert_null(ksyms_lookup(ks, 0xffffffff80000000ull, &off));
	/* a shared name finds its lowest address */
	assert_int_equal(ksyms_find(ks, "dup", &addr), 0);
	assert_int_equal(addr, 0xffffffff81001000ull);
	assert_int_equal(ksyms_find(ks, "mod_data", &addr), 0);
	assert_int_equal(addr, 0xffffffffc0002000ull);
	/* text only, sorted, unique */
	assert_int_equal(ksyms_foreach_match(ks, "*", collect, &c), 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.v[0], "alpha");
	assert_string_equal(c.v[1], "beta");
	assert_string_equal(c.v[2], "dup");
	assert_int_equal(c.addr[2], 0xffffffff81001000ull);
	assert_string_equal(c.v[3], "mod_func");
	assert_string_equal(c.mod[3], "mymod");
	assert_string_equal(c.v[4], "other_func");
	names_release(&c);
	assert_int_equal(ksyms_foreach_match(ks, "*_data", collect, &c), 0);
	assert_int_equal(c.n, 0);
	ksyms_free(ks);
	unlink(path);
	free(path);
}

static void test_ksyms_hidden(void **state)
{
	const char *text =
		"0000000000000000 T alpha\n"
		"0000000000000000 t beta\n";
	struct ksyms *ks;
	uint64_t addr;
	char *path = write_tmp("kallsyms-hidden", text);

	(void)state;
	assert_int_equal(ksyms_load_file(path, &ks), 0);
	assert_true(ksyms_addresses_hidden(ks));
	assert_true(ksyms_exists(ks, "beta"));
	assert_int_equal(ksyms_find(ks, "beta", &addr), -EPERM);
	assert_int_equal(ksyms_find(ks, "gamma", &addr), -ENOENT);
	assert_null(ksyms_lookup(ks, 0, NULL));
	ksyms_free(ks);
	unlink(path);
	free(path);
	assert_int_equal(ksyms_load_file("/nonexistent/kallsyms", &ks), -ENOENT);
	assert_null(ks);
}

/* ---- elfsyms ---- */

static void check_resolve(const char *path, const char *symbol, bool dynamic)
{
	uint64_t vaddr = nm_value(path, dynamic, symbol), off;

	assert_int_equal(elfsyms_resolve(path, symbol, &off), 0);
	assert_int_equal(off, readelf_offset(path, vaddr));
}

static void test_elfsyms_pie(void **state)
{
	const struct elfsym *s;
	struct elfsyms *es;

	(void)state;
	check_resolve(pie_path, "symtest_add", false);
	check_resolve(pie_path, "symtest_local", false);
	check_resolve(pie_path, "main", false);
	assert_int_equal(elfsyms_load(pie_path, &es), 0);
	assert_int_equal(elfsyms_elf_type(es), ET_DYN);
	s = elfsyms_find(es, "symtest_local");
	assert_non_null(s);
	assert_int_equal(s->bind, STB_LOCAL);
	assert_int_equal(s->addr, nm_value(pie_path, false, "symtest_local"));
	elfsyms_free(es);
}

static void test_elfsyms_nopie(void **state)
{
	uint64_t off, vaddr = nm_value(nopie_path, false, "symtest_add");
	struct elfsyms *es;

	(void)state;
	check_resolve(nopie_path, "symtest_add", false);
	check_resolve(nopie_path, "symtest_local", false);
	assert_int_equal(elfsyms_load(nopie_path, &es), 0);
	assert_int_equal(elfsyms_elf_type(es), ET_EXEC);
	/* for ET_EXEC, the offset is not the address */
	assert_int_equal(elfsyms_vaddr_to_offset(es, vaddr, &off), 0);
	assert_true(off < vaddr);
	assert_int_equal(elfsyms_offset_to_vaddr(es, off, &vaddr), 0);
	assert_int_equal(vaddr, nm_value(nopie_path, false, "symtest_add"));
	assert_int_equal(elfsyms_vaddr_to_offset(es, 0x10, &off), -ERANGE);
	elfsyms_free(es);
}

static void test_elfsyms_lookup_and_match(void **state)
{
	const struct elfsym *s, *t;
	struct elfsyms *es;
	uint64_t off = 0;
	size_t gaps = 0;

	(void)state;
	assert_int_equal(elfsyms_load(pie_path, &es), 0);
	s = elfsyms_find(es, "symtest_add");
	assert_non_null(s);
	assert_true(s->size > 3);
	t = elfsyms_lookup(es, s->addr + 3, &off);
	assert_ptr_equal(t, s);
	assert_int_equal(off, 3);
	t = elfsyms_lookup(es, s->addr + s->size, &off);
	assert_true(t != s);
	assert_null(elfsyms_lookup(es, 1, &off));
	assert_null(elfsyms_find(es, "symtest_nothing"));
	/* address order; padding after a function belongs to none */
	for (size_t i = 1; i < elfsyms_count(es); i++) {
		const struct elfsym *a = elfsyms_at(es, i - 1), *b = elfsyms_at(es, i);

		assert_true(a->addr <= b->addr);
		if (a->size && a->addr + a->size < b->addr) {
			assert_null(elfsyms_lookup(es, a->addr + a->size, &off));
			gaps++;
		}
	}
	assert_true(gaps > 0);
	elfsyms_free(es);
}

static int collect_elf(const struct elfsym *sym, void *ctx)
{
	return collect(sym->name, sym->addr, NULL, ctx);
}

static void test_elfsyms_glob(void **state)
{
	struct names c = { .n = 0 };
	struct elfsyms *es;

	(void)state;
	assert_int_equal(elfsyms_load(pie_path, &es), 0);
	assert_int_equal(elfsyms_foreach_match(es, "symtest_*", collect_elf, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0], "symtest_add");
	assert_string_equal(c.v[1], "symtest_local");
	assert_int_equal(c.addr[0], nm_value(pie_path, false, "symtest_add"));
	names_release(&c);
	assert_int_equal(elfsyms_foreach_match(es, "*test_l?cal", collect_elf, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0], "symtest_local");
	names_release(&c);
	assert_int_equal(elfsyms_foreach_match(es, "main", collect_elf, &c), 0);
	assert_int_equal(c.n, 1);
	names_release(&c);
	elfsyms_free(es);
}

static void test_elfsyms_build_id(void **state)
{
	char *argv[] = { "readelf", "-n", pie_path, NULL };
	char *out = must_run(argv), *p, hex[129];
	struct elfsyms *es;
	size_t len;

	(void)state;
	p = strstr(out, "Build ID: ");
	assert_non_null(p);
	p += strlen("Build ID: ");
	p[strcspn(p, "\n")] = '\0';
	assert_int_equal(elfsyms_load(pie_path, &es), 0);
	assert_non_null(elfsyms_build_id(es, &len));
	assert_int_equal(2 * len, strlen(p));
	elfsyms_build_id_hex(es, hex, sizeof(hex));
	assert_string_equal(hex, p);
	elfsyms_free(es);
	free(out);
}

static void test_elfsyms_errors(void **state)
{
	struct elfsyms *es;
	uint64_t off;
	char *path = write_tmp("not-elf", "just text\n");

	(void)state;
	assert_int_equal(elfsyms_load("/nonexistent/file", &es), -ENOENT);
	assert_null(es);
	assert_int_equal(elfsyms_load(path, &es), -ENOEXEC);
	assert_int_equal(elfsyms_resolve(pie_path, "symtest_nothing", &off), -ENOENT);
	unlink(path);
	free(path);
}

/* The libc this very process was linked with, per the dynamic linker. */
static char *mapped_libc(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024], *found = NULL;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');

		if (p && strstr(p, "/libc.so.6")) {
			p[strcspn(p, "\n")] = '\0';
			found = xstrdup(p);
		}
	}
	fclose(f);
	assert_non_null(found);
	return found;
}

static void test_elfsyms_libc_malloc(void **state)
{
	char *libc = mapped_libc(), *path;
	const struct elfsym *s;
	struct elfsyms *es;
	double t0;

	(void)state;
	assert_int_equal(libpath_find_library("libc", &path), 0);
	check_resolve(path, "malloc", true);
	t0 = now_ms();
	assert_int_equal(elfsyms_load(path, &es), 0);
	print_message("%s: %zu functions, %.2f ms\n", path, elfsyms_count(es),
		      now_ms() - t0);
	s = elfsyms_find(es, "malloc");
	assert_non_null(s);
	assert_false(s->hidden_version);
	elfsyms_free(es);
	free(path);
	free(libc);
}

/* ---- libpath ---- */

struct ldconfig_lines {
	char **soname, **path;
	size_t n, i;
	bool mismatch;
};

static int compare_entry(const struct libpath_entry *e, void *ctx)
{
	struct ldconfig_lines *l = ctx;

	if (l->i >= l->n || strcmp(l->soname[l->i], e->soname) ||
	    strcmp(l->path[l->i], e->path))
		l->mismatch = true;
	l->i++;
	return 0;
}

static void test_libpath_cache_matches_ldconfig(void **state)
{
	char *argv[] = { access("/sbin/ldconfig", X_OK) ? "ldconfig" : "/sbin/ldconfig",
			 "-p", NULL };
	char *out = must_run(argv), *save = NULL;
	struct ldconfig_lines l = { .n = 0 };
	size_t cap = 1024, total = 0;

	(void)state;
	l.soname = xcalloc(cap, sizeof(char *));
	l.path = xcalloc(cap, sizeof(char *));
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, " => "), *sp;

		if (sscanf(line, "%zu libs found", &total) == 1 || !arrow)
			continue;
		while (*line == '\t' || *line == ' ')
			line++;
		sp = strchr(line, ' ');
		assert_non_null(sp);
		*sp = '\0';
		if (l.n == cap) {
			cap *= 2;
			l.soname = xrealloc(l.soname, cap * sizeof(char *));
			l.path = xrealloc(l.path, cap * sizeof(char *));
		}
		l.soname[l.n] = line;
		l.path[l.n++] = arrow + 4;
	}
	assert_true(l.n > 10);
	assert_int_equal(l.n, total);
	assert_int_equal(libpath_cache_foreach(NULL, compare_entry, &l), 0);
	assert_false(l.mismatch);
	assert_int_equal(l.i, l.n);
	free(l.soname);
	free(l.path);
	free(out);
}

static void test_libpath_libc(void **state)
{
	const char *names[] = { "libc", "c", "libc.so.6", "libc.so" };
	char *libc = mapped_libc(), *path;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		assert_int_equal(libpath_find_library(names[i], &path), 0);
		same_file(path, libc);
		free(path);
		assert_int_equal(libpath_resolve(names[i], &path), 0);
		same_file(path, libc);
		free(path);
	}
	assert_int_equal(libpath_find_library("rcp_no_such_lib", &path), -ENOENT);
	assert_null(path);
	/* "libc" is not a prefix of "libcrypt" */
	assert_int_equal(libpath_find_library("libc", &path), 0);
	assert_null(strstr(path, "libcrypt"));
	free(path);
	free(libc);
}

static void test_libpath_pthread_native(void **state)
{
	char *argv[] = { access("/sbin/ldconfig", X_OK) ? "ldconfig" : "/sbin/ldconfig",
			 "-p", NULL };
	char *out = must_run(argv), *path, *line, *save = NULL;
	GElf_Ehdr self, lib;
	bool listed = false;
	int fd;
	Elf *e;

	(void)state;
	assert_int_equal(libpath_find_library("libpthread", &path), 0);
	/* same ABI as this program: not a /lib32 copy */
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open("/proc/self/exe", O_RDONLY);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(gelf_getehdr(e, &self));
	elf_end(e);
	close(fd);
	fd = open(path, O_RDONLY);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(gelf_getehdr(e, &lib));
	elf_end(e);
	close(fd);
	assert_int_equal(lib.e_machine, self.e_machine);
	assert_int_equal(lib.e_ident[EI_CLASS], self.e_ident[EI_CLASS]);
	/* and one ldconfig lists for libpthread.so.0 */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, " => "), real[PATH_MAX];

		if (arrow && strstr(line, "libpthread.so.0 ") && realpath(arrow + 4, real))
			listed |= !strcmp(real, path);
	}
	assert_true(listed);
	free(path);
	free(out);
}

static void test_libpath_paths_and_binaries(void **state)
{
	char *old = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL, *path;
	char *link = xasprintf("%s/link-to-pie", tmpdir);

	(void)state;
	assert_int_equal(symlink(pie_path, link), 0);
	/* a path is taken as given, resolved to the real file */
	assert_int_equal(libpath_resolve(link, &path), 0);
	assert_string_equal(path, pie_path);
	free(path);
	assert_int_equal(libpath_resolve("/nonexistent/prog", &path), -ENOENT);
	assert_null(path);
	/* a bare name is looked up on $PATH */
	setenv("PATH", tmpdir, 1);
	assert_int_equal(libpath_resolve("symtest-nopie", &path), 0);
	assert_string_equal(path, nopie_path);
	free(path);
	assert_int_equal(libpath_find_binary("link-to-pie", &path), 0);
	assert_string_equal(path, pie_path);
	free(path);
	assert_int_equal(libpath_find_binary("rcp-no-such-prog", &path), -ENOENT);
	if (old)
		setenv("PATH", old, 1);
	else
		unsetenv("PATH");
	free(old);
	unlink(link);
	free(link);
}

/* ---- usdt ---- */

struct readelf_probe {
	char provider[64], name[64], args[128];
	uint64_t pc, base, sema;
};

static size_t readelf_probes(const char *path, struct readelf_probe *v, size_t max)
{
	char *argv[] = { "readelf", "-n", (char *)path, NULL };
	char *out = must_run(argv), *save = NULL;
	size_t n = 0;

	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long pc, base, sema;

		while (*l == ' ')
			l++;
		if (!strncmp(l, "Provider: ", 10) && n < max) {
			memset(&v[n], 0, sizeof(v[n]));
			snprintf(v[n++].provider, 64, "%s", l + 10);
		} else if (n && !strncmp(l, "Name: ", 6)) {
			snprintf(v[n - 1].name, 64, "%s", l + 6);
		} else if (n && sscanf(l, "Location: 0x%llx, Base: 0x%llx, Semaphore: 0x%llx",
				       &pc, &base, &sema) == 3) {
			v[n - 1].pc = pc;
			v[n - 1].base = base;
			v[n - 1].sema = sema;
		} else if (n && !strncmp(l, "Arguments:", 10)) {
			snprintf(v[n - 1].args, 128, "%s", l[10] == ' ' ? l + 11 : l + 10);
		}
	}
	free(out);
	return n;
}

static const struct usdt_probe *check_notes(const char *path, struct usdt_notes *un,
					    bool semaphores)
{
	struct readelf_probe want[16];
	const struct usdt_probe *tick = NULL;
	size_t n = readelf_probes(path, want, 16);

	assert_int_equal(usdt_notes_read(path, un), 0);
	assert_int_equal(un->n, 2);
	assert_int_equal(un->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct usdt_probe *p = &un->v[i];

		assert_string_equal(p->provider, want[i].provider);
		assert_string_equal(p->name, want[i].name);
		assert_string_equal(p->args, want[i].args);
		assert_int_equal(p->pc, want[i].pc);
		assert_int_equal(p->semaphore, want[i].sema);
		assert_int_equal(p->pc_offset, readelf_offset(path, p->pc));
		if (semaphores) {
			assert_true(p->semaphore != 0);
			assert_int_equal(p->sema_offset, readelf_offset(path, p->semaphore));
		} else {
			assert_int_equal(p->semaphore, 0);
			assert_int_equal(p->sema_offset, 0);
		}
		if (!strcmp(p->name, "tick"))
			tick = p;
	}
	assert_non_null(tick);
	assert_string_equal(tick->provider, "rcptest");
	return tick;
}

static void test_usdt_notes(void **state)
{
	const struct usdt_probe *tick;
	struct usdt_notes un;
	uint64_t add_off;
	const char *sp;

	(void)state;
	tick = check_notes(pie_path, &un, true);
	/* STAP_PROBE2(rcptest, tick, int a, long b): "-4@<op> -8@<op>" */
	assert_int_equal(strncmp(tick->args, "-4@", 3), 0);
	sp = strchr(tick->args, ' ');
	assert_non_null(sp);
	assert_int_equal(strncmp(sp, " -8@", 4), 0);
	assert_null(strchr(sp + 1, ' '));
	/* the probe site lies inside symtest_add */
	assert_int_equal(elfsyms_resolve(pie_path, "symtest_add", &add_off), 0);
	assert_true(tick->pc_offset >= add_off && tick->pc_offset < add_off + 64);
	assert_true(usdt_probe_matches(tick, "rcp*", "tick"));
	assert_false(usdt_probe_matches(tick, "rcptest", "tock"));
	usdt_notes_release(&un);
	check_notes(nopie_path, &un, false);
	usdt_notes_release(&un);
	/* a file without notes */
	assert_int_equal(usdt_notes_read("/proc/self/exe", &un), 0);
	assert_int_equal(un.n, 0);
	usdt_notes_release(&un);
	assert_int_equal(usdt_notes_read("/nonexistent", &un), -ENOENT);
}

/* ---- procmaps ---- */

static void test_procmaps_self(void **state)
{
	uint64_t marker = (uint64_t)(uintptr_t)symbols_test_marker;
	struct procmaps_sym s;
	struct procmaps *m;
	char buf[PATH_MAX + 64], self[PATH_MAX], *want;
	char *libc = mapped_libc();

	(void)state;
	assert_non_null(realpath("/proc/self/exe", self));
	assert_int_equal(procmaps_snapshot(getpid(), NULL, &m), 0);
	assert_true(procmaps_count(m) > 5);
	assert_non_null(procmaps_find(m, marker));
	assert_true(procmaps_find(m, marker)->exec);
	procmaps_symbolize(m, marker, 0, buf, sizeof(buf));
	assert_string_equal(buf, "symbols_test_marker");
	procmaps_symbolize(m, marker, PROCMAPS_OFFSET, buf, sizeof(buf));
	assert_string_equal(buf, "symbols_test_marker");
	procmaps_symbolize(m, marker + 5, PROCMAPS_OFFSET, buf, sizeof(buf));
	assert_string_equal(buf, "symbols_test_marker+5");
	want = xasprintf("symbols_test_marker+5 (%s)", self);
	procmaps_symbolize(m, marker + 5, PROCMAPS_OFFSET | PROCMAPS_MODULE, buf, sizeof(buf));
	assert_string_equal(buf, want);
	free(want);
	/* a libc function: found in libc at its start */
	assert_int_equal(procmaps_resolve(m, (uint64_t)(uintptr_t)&strverscmp, &s), 0);
	assert_int_equal(s.offset, 0);
	assert_string_equal(s.path, libc);
	/* unmapped: the address in hex */
	procmaps_symbolize(m, 0x10, PROCMAPS_OFFSET, buf, sizeof(buf));
	assert_string_equal(buf, "0x10");
	assert_int_equal(procmaps_resolve(m, 0x10, &s), -ENOENT);
	assert_null(s.path);
	procmaps_free(m);
	free(libc);
}

static void test_procmaps_after_exit(void **state)
{
	uint64_t marker = (uint64_t)(uintptr_t)symbols_test_marker;
	struct elfsyms_cache *cache = elfsyms_cache_new();
	struct procmaps *m;
	char buf[256], maps[64];
	int fds[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;

		close(fds[1]);
		/* same layout as the parent until it exits */
		_exit(read(fds[0], &c, 1) == 0 ? symbols_test_marker(0) : 1);
	}
	close(fds[0]);
	assert_int_equal(procmaps_snapshot(pid, cache, &m), 0);
	close(fds[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	assert_int_equal(access(maps, F_OK), -1);
	procmaps_symbolize(m, marker + 1, PROCMAPS_OFFSET, buf, sizeof(buf));
	assert_string_equal(buf, "symbols_test_marker+1");
	procmaps_free(m);
	assert_int_equal(procmaps_snapshot(pid, cache, &m), -ESRCH);
	elfsyms_cache_free(cache);
}

static void test_procmaps_parse(void **state)
{
	char *text;
	const struct procmaps_range *r;
	struct procmaps *m;
	char buf[64];

	(void)state;
	text = xasprintf(
		 "%s-%s r--p 00000000 fe:00 11 %s\n"
		 "%s-%s r-xp 00001000 fe:00 11 %s\n"
		 "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
		 "7f0000002000-7f0000003000 r-xp 00000000 fe:00 12 /tmp/gone.so (deleted)\n"
		 "7fff00000000-7fff00002000 r-xp 00000000 00:00 0                          [vdso]\n",
		 "555500000000", "555500001000", pie_path,
		 "555500001000", "555500002000", pie_path);
	assert_int_equal(procmaps_parse(text, strlen(text), 0, NULL, &m), 0);
	assert_int_equal(procmaps_count(m), 5);
	r = procmaps_at(m, 1);
	assert_int_equal(r->start, 0x555500001000ull);
	assert_int_equal(r->pgoff, 0x1000);
	assert_int_equal(r->inode, 11);
	assert_true(r->exec);
	assert_string_equal(r->path, pie_path);
	assert_ptr_equal(procmaps_at(m, 0)->path, r->path);
	assert_string_equal(procmaps_at(m, 2)->path, "");
	r = procmaps_at(m, 3);
	assert_true(r->deleted);
	assert_string_equal(r->path, "/tmp/gone.so");
	assert_string_equal(procmaps_at(m, 4)->path, "[vdso]");
	assert_ptr_equal(procmaps_find(m, 0x7fff00001fffull), procmaps_at(m, 4));
	assert_null(procmaps_find(m, 0x7fff00002000ull));
	assert_null(procmaps_find(m, 0x7f0000001000ull));
	procmaps_symbolize(m, 0x7fff00000010ull, PROCMAPS_OFFSET, buf, sizeof(buf));
	assert_string_equal(buf, "0x7fff00000010");
	/* the mapped PIE: runtime address -> symtest_add via offset and PT_LOAD */
	{
		uint64_t off, vaddr = nm_value(pie_path, false, "symtest_add");

		off = readelf_offset(pie_path, vaddr);
		assert_true(off >= 0x1000 && off < 0x2000);
		procmaps_symbolize(m, 0x555500001000ull + (off - 0x1000) + 2,
				   PROCMAPS_OFFSET, buf, sizeof(buf));
		assert_string_equal(buf, "symtest_add+2");
	}
	procmaps_free(m);
	free(text);
	assert_int_equal(procmaps_parse("garbage\n", 8, 0, NULL, &m), -EBADMSG);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ksyms_vfs_read),
		cmocka_unit_test(test_ksyms_match_live),
		cmocka_unit_test(test_ksyms_synthetic),
		cmocka_unit_test(test_ksyms_hidden),
		cmocka_unit_test(test_elfsyms_pie),
		cmocka_unit_test(test_elfsyms_nopie),
		cmocka_unit_test(test_elfsyms_lookup_and_match),
		cmocka_unit_test(test_elfsyms_glob),
		cmocka_unit_test(test_elfsyms_build_id),
		cmocka_unit_test(test_elfsyms_errors),
		cmocka_unit_test(test_elfsyms_libc_malloc),
		cmocka_unit_test(test_libpath_cache_matches_ldconfig),
		cmocka_unit_test(test_libpath_libc),
		cmocka_unit_test(test_libpath_pthread_native),
		cmocka_unit_test(test_libpath_paths_and_binaries),
		cmocka_unit_test(test_usdt_notes),
		cmocka_unit_test(test_procmaps_self),
		cmocka_unit_test(test_procmaps_after_exit),
		cmocka_unit_test(test_procmaps_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
