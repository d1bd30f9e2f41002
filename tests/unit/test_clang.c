/*
 * Unit tests for engine/compile/clang.c, against the real clang: objects,
 * located errors through #line, and the failure modes (missing compiler,
 * signal, unexplained exit) through small fake compilers.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compile/cache.h"
#include "compile/clang.h"
#include "diag.h"
#include "util/strbuf.h"

#define PRELUDE \
	"typedef unsigned char __u8;\n" \
	"typedef unsigned short __u16;\n" \
	"typedef unsigned int __u32;\n" \
	"typedef unsigned long long __u64;\n" \
	"typedef int __s32;\n" \
	"typedef long long __s64;\n" \
	"typedef __u16 __be16;\n" \
	"typedef __u32 __be32;\n" \
	"typedef __u64 __be64;\n" \
	"typedef __u32 __wsum;\n" \
	"#include <bpf/bpf_helpers.h>\n"

static const char good_src[] = PRELUDE
	"SEC(\"tracepoint\")\n"
	"int p(void *ctx)\n"
	"{\n"
	"\treturn 0;\n"
	"}\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n";

/* Two errors in two recipe files, plus a warning that must be dropped. */
static const char bad_src[] = PRELUDE
	"SEC(\"tracepoint\")\n"
	"#line 7 \"my.yaml\"\n"
	"int p(void *ctx) { return nope_count; }\n"
	"#line 12 \"other.yaml\"\n"
	"int q(void *ctx) { int x = 0; if (x = 2) return 1; return missing(ctx)->y; }\n";

static const char warn_src[] = PRELUDE
	"SEC(\"tracepoint\")\n"
	"#line 3 \"w.yaml\"\n"
	"int p(void *ctx) { int x = 0; if (x = 2) return 1; return 0; }\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n";

static char *workdir;
static char *saved_path;

static int setup(void **state)
{
	char tmpl[] = "/tmp/test_clang.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	workdir = xstrdup(tmpl);
	saved_path = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
	unsetenv("RECIPE_CLANG");
	return 0;
}

static void rm_rf(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp)
		return;
	while ((de = readdir(dp))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			rm_rf(p);
		else
			unlink(p);
		free(p);
	}
	closedir(dp);
	rmdir(dir);
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(workdir);
	free(workdir);
	if (saved_path)
		setenv("PATH", saved_path, 1);
	free(saved_path);
	unsetenv("RECIPE_CLANG");
	return 0;
}

static int count_entries(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(dp);
	return n;
}

static char *write_script(const char *dir, const char *name, const char *body,
			  mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(body, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_compile_good_is_bpf_elf(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	const Elf64_Ehdr *eh;
	void *obj;
	size_t len;

	(void)state;
	assert_non_null(clang_path());
	assert_int_equal(clang_compile(good_src, strlen(good_src), workdir, &obj, &len, &d), 0);
	assert_int_equal(d.n, 0);
	assert_true(len > sizeof(*eh));
	eh = obj;
	assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh->e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh->e_machine, EM_BPF);
	assert_int_equal(eh->e_machine, 247);
	assert_int_equal(eh->e_type, ET_REL);
	/* the temporary source and object are gone */
	assert_int_equal(count_entries(workdir), 0);
	free(obj);
}

static void test_compile_errors_located_by_line(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	void *obj = (void *)1;
	size_t len = 1;

	(void)state;
	assert_int_equal(clang_compile(bad_src, strlen(bad_src), workdir, &obj, &len, &d), -EINVAL);
	assert_null(obj);
	assert_int_equal(len, 0);
	/* errors only: two warnings and their notes are dropped */
	assert_int_equal(d.n, 2);

	assert_int_equal(d.v[0].sev, DIAG_ERROR);
	assert_string_equal(d.v[0].file, "my.yaml");
	assert_int_equal(d.v[0].line, 7);
	assert_int_equal(d.v[0].col, 27);
	assert_string_equal(d.v[0].msg, "use of undeclared identifier 'nope_count'");
	assert_null(d.v[0].hint);

	assert_int_equal(d.v[1].sev, DIAG_ERROR);
	assert_string_equal(d.v[1].file, "other.yaml");
	assert_int_equal(d.v[1].line, 12);
	assert_int_equal(d.v[1].col, 73);
	assert_string_equal(d.v[1].msg, "member reference type 'int' is not a pointer");
	assert_string_equal(d.v[1].hint, "the generated C is shown by: recipe show NAME --c");
	assert_int_equal(count_entries(workdir), 0);
	diag_list_release(&d);
}

/* Over the BPF stack: one error in the recipe's terms, not the backend's three. */
static void test_stack_limit_said_once(void **state)
{
	static const char src[] = PRELUDE
		"static __attribute__((noinline)) int use(volatile char *b, int n) { return b[n]; }\n"
		"SEC(\"tracepoint\")\n"
		"int p(void *ctx)\n"
		"{\n"
		"\tvolatile char a[600];\n"
		"\treturn use(a, (int)(long)ctx & 511);\n"
		"}\n"
		"char LICENSE[] SEC(\"license\") = \"GPL\";\n";
	struct diag_list d = DIAG_LIST_INIT;
	void *obj = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(clang_compile(src, strlen(src), workdir, &obj, &len, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "more than the 512 bytes of BPF stack"));
	assert_non_null(strstr(d.v[0].hint, "str(ptr, maxlen)"));
	diag_list_release(&d);
}

static void test_compile_warning_on_success(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	void *obj;
	size_t len;

	(void)state;
	assert_int_equal(clang_compile(warn_src, strlen(warn_src), workdir, &obj, &len, &d), 0);
	assert_non_null(obj);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, DIAG_WARNING);
	assert_string_equal(d.v[0].file, "w.yaml");
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(d.v[0].col, 37);
	assert_non_null(strstr(d.v[0].msg, "using the result of an assignment as a condition"));
	free(obj);
	diag_list_release(&d);
}

static void test_compile_error_in_generated_prelude(void **state)
{
	static const char src[] = "#include <no/such/header.h>\nint x;\n";
	struct diag_list d = DIAG_LIST_INIT;
	void *obj;
	size_t len;

	(void)state;
	assert_int_equal(clang_compile(src, strlen(src), workdir, &obj, &len, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, DIAG_ERROR);
	assert_string_equal(d.v[0].file, CLANG_GENERATED_NAME);
	assert_int_equal(d.v[0].line, 1);
	assert_int_equal(d.v[0].col, 10);
	assert_string_equal(d.v[0].msg, "'no/such/header.h' file not found");
	diag_list_release(&d);
}

/* $PATH never decides what runs: a `clang` first in PATH is not used. */
static void test_path_not_consulted(void **state)
{
	char *fake = write_script(workdir, "clang", "#!/bin/sh\nexit 0\n", 0700);
	const char *cc;

	(void)state;
	setenv("PATH", workdir, 1);
	cc = clang_path();
	if (cc) {
		assert_string_not_equal(cc, fake);
		assert_true(!strncmp(cc, "/usr/bin/", 9) || !strncmp(cc, "/usr/local/bin/", 15) ||
			    !strncmp(cc, "/usr/lib/llvm-", 14));
	}
	setenv("PATH", saved_path, 1);
	free(fake);
}

static void test_clang_not_found(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct cache_key k;
	void *obj;
	size_t len;

	(void)state;
	/* an explicit RECIPE_CLANG that is wrong does not fall back */
	setenv("RECIPE_CLANG", "/nonexistent/clang", 1);
	assert_null(clang_path());
	assert_int_equal(clang_compile(good_src, strlen(good_src), workdir, &obj, &len, &d), -ENOENT);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "clang not found");
	assert_string_equal(d.v[0].hint,
			    "RECIPE_CLANG=/nonexistent/clang: /nonexistent/clang is not an executable file");
	diag_list_release(&d);
	cache_key_init(&k);
	assert_int_equal(clang_identity(&k), -ENOENT);
	setenv("RECIPE_CLANG", "no-such-clang", 1);
	assert_null(clang_path());
	assert_string_equal(clang_problem(),
			    "RECIPE_CLANG=no-such-clang: no no-such-clang in /usr/local/bin or /usr/bin");
	unsetenv("RECIPE_CLANG");
}

/* clang_path() under RECIPE_CLANG=value is NULL and the problem says `says`. */
static void refused(const char *value, const char *says)
{
	setenv("RECIPE_CLANG", value, 1);
	assert_null(clang_path());
	if (!strstr(clang_problem(), says))
		fail_msg("problem '%s' lacks '%s'", clang_problem(), says);
}

/*
 * RECIPE_CLANG is what root will execute: refused when the file, the
 * directory it is named in or the directory it resolves into could be
 * changed by someone else.
 */
static void test_clang_override_trust(void **state)
{
	char *bin = xasprintf("%s/bin", workdir), *open_dir = xasprintf("%s/open", workdir);
	char *fake, *planted, *link, *want;

	(void)state;
	assert_int_equal(mkdir(bin, 0700), 0);
	fake = write_script(bin, "clang-17", "#!/bin/sh\n", 0700);
	setenv("RECIPE_CLANG", fake, 1);
	assert_string_equal(clang_path(), fake);
	/* a path that goes through .. is fine: it is checked where it leads */
	want = xasprintf("%s/../bin/clang-17", bin);
	setenv("RECIPE_CLANG", want, 1);
	assert_string_equal(clang_path(), want);
	free(want);

	assert_int_equal(chmod(fake, 0757), 0);
	refused(fake, "clang-17 is writable by group or others (mode 0757");
	assert_int_equal(chmod(fake, 0720), 0);
	refused(fake, "is writable by group or others (mode 0720");
	assert_int_equal(chmod(fake, 0600), 0);
	refused(fake, "is not an executable file");
	assert_int_equal(chmod(fake, 0700), 0);
	assert_int_equal(chmod(bin, 0777), 0);
	refused(fake, "/bin is writable by group or others (mode 0777");
	assert_int_equal(chmod(bin, 0700), 0);

	/* a safe link into a directory anyone can write */
	assert_int_equal(mkdir(open_dir, 0700), 0);
	assert_int_equal(chmod(open_dir, 01777), 0);
	planted = write_script(open_dir, "clang", "#!/bin/sh\n", 0700);
	link = xasprintf("%s/clang", bin);
	assert_int_equal(symlink(planted, link), 0);
	refused(link, "/open is writable by group or others (mode 1777");

	refused("bin/clang-17", "relative path");
	if (geteuid() == 0) {
		assert_int_equal(chown(fake, 65534, 65534), 0);
		refused(fake, "is owned by another user");
	} else {
		print_message("foreign owner case skipped: chown needs root\n");
	}
	/* a bare name is looked up in the trusted directories */
	if (!access("/usr/bin/clang-14", X_OK) && access("/usr/local/bin/clang-14", F_OK)) {
		setenv("RECIPE_CLANG", "clang-14", 1);
		assert_string_equal(clang_path(), "/usr/bin/clang-14");
	}
	unsetenv("RECIPE_CLANG");
	free(link);
	free(planted);
	free(fake);
	free(open_dir);
	free(bin);
}

static void test_identity_tracks_compiler(void **state)
{
	char a[CACHE_HEX_LEN + 1], b[CACHE_HEX_LEN + 1], c[CACHE_HEX_LEN + 1];
	char *fake1, *fake2;
	struct cache_key k;

	(void)state;
	cache_key_init(&k);
	assert_int_equal(clang_identity(&k), 0);
	cache_key_hex(&k, a);
	cache_key_init(&k);
	assert_int_equal(clang_identity(&k), 0);
	cache_key_hex(&k, b);
	assert_string_equal(a, b);

	fake1 = write_script(workdir, "fake1", "#!/bin/sh\n", 0700);
	fake2 = write_script(workdir, "fake2", "#!/bin/sh\n", 0700);
	setenv("RECIPE_CLANG", fake1, 1);
	cache_key_init(&k);
	assert_int_equal(clang_identity(&k), 0);
	cache_key_hex(&k, b);
	assert_string_not_equal(a, b);
	/* an environment variable clang reads is part of the identity */
	setenv("C_INCLUDE_PATH", "/somewhere", 1);
	cache_key_init(&k);
	assert_int_equal(clang_identity(&k), 0);
	cache_key_hex(&k, c);
	assert_string_not_equal(b, c);
	unsetenv("C_INCLUDE_PATH");
	/* same size and contents, another file: still another compiler */
	setenv("RECIPE_CLANG", fake2, 1);
	cache_key_init(&k);
	assert_int_equal(clang_identity(&k), 0);
	cache_key_hex(&k, c);
	assert_string_not_equal(b, c);
	unsetenv("RECIPE_CLANG");
	free(fake1);
	free(fake2);
}

static void test_clang_killed_by_signal(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	char *fake;
	void *obj;
	size_t len;

	(void)state;
	fake = write_script(workdir, "fake-clang", "#!/bin/sh\nkill -SEGV $$\n", 0700);
	setenv("RECIPE_CLANG", fake, 1);
	assert_int_equal(clang_compile(good_src, strlen(good_src), workdir, &obj, &len, &d), -ECANCELED);
	assert_null(obj);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, DIAG_ERROR);
	assert_string_equal(d.v[0].msg, "clang was killed by signal 11 (Segmentation fault)");
	/* only the fake itself remains: its temporaries were removed */
	assert_int_equal(count_entries(workdir), 1);
	unsetenv("RECIPE_CLANG");
	unlink(fake);
	free(fake);
	diag_list_release(&d);
}

static void test_clang_unexplained_failure(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	char *fake;
	void *obj;
	size_t len;

	(void)state;
	/* argv arrives intact (no shell), stdout and stderr are both captured */
	fake = write_script(workdir, "fake-clang",
			    "#!/bin/sh\n"
			    "echo \"argc=$# last=$(basename \"$(eval echo \\${$#})\")\"\n"
			    "echo 'something odd' >&2\n"
			    "exit 3\n", 0700);
	setenv("RECIPE_CLANG", fake, 1);
	assert_int_equal(clang_compile(good_src, strlen(good_src), workdir, &obj, &len, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, DIAG_ERROR);
	assert_null(d.v[0].file);
	assert_non_null(strstr(d.v[0].msg, "clang failed (exit 3): "));
	assert_non_null(strstr(d.v[0].msg, "argc=16 last=.tmp-"));
	assert_non_null(strstr(d.v[0].msg, ".bpf.o\nsomething odd"));
	unsetenv("RECIPE_CLANG");
	unlink(fake);
	free(fake);
	diag_list_release(&d);
}

static void test_flags_exported(void **state)
{
	size_t n = 0;

	(void)state;
	while (clang_flags[n])
		n++;
	assert_int_equal(n, 12);
	assert_string_equal(clang_flags[10], "-idirafter");
	assert_string_equal(clang_flags[0], "-O2");
	assert_string_equal(clang_flags[2], "-target");
	assert_string_equal(clang_flags[3], "bpf");
#ifdef __x86_64__
	assert_string_equal(clang_flags[4], "-D__TARGET_ARCH_x86");
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compile_good_is_bpf_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_errors_located_by_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_limit_said_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_warning_on_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_error_in_generated_prelude, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clang_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_not_consulted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clang_override_trust, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_tracks_compiler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clang_killed_by_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clang_unexplained_failure, setup, teardown),
		cmocka_unit_test(test_flags_exported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
