/*
 * test_trust: what `recipe run` as root may trust, end to end. A cached
 * object that was truncated, corrupted or tampered with is reported once
 * and rebuilt, and the rebuilt object counts exactly; a compile killed
 * at any point publishes nothing; the variables that change what root
 * runs are said; and a long string literal, which clang puts in a second
 * read-only section, does not hide the config map.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

struct fixture {
	struct hproc rec;
	char cache[PATH_MAX];	/* a private RECIPE_CACHE_DIR */
	char bin[PATH_MAX];	/* a private directory for fake compilers */
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->cache, sizeof(f->cache), "/var/tmp/rcp-trust.XXXXXX");
	snprintf(f->bin, sizeof(f->bin), "/var/tmp/rcp-trust-bin.XXXXXX");
	if (!mkdtemp(f->cache) || !mkdtemp(f->bin))
		return -1;
	setenv("RECIPE_CACHE_DIR", f->cache, 1);
	unsetenv("RECIPE_CLANG");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hproc_free(&f->rec);
	harness_rm_dir(f->cache);
	harness_rm_dir(f->bin);
	unsetenv("RECIPE_CACHE_DIR");
	unsetenv("RECIPE_CLANG");
	free(f);
	return 0;
}

static int count_of(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The one entry in the cache ending in suffix (NULL if not exactly one). */
static char *cached(const struct fixture *f, const char *suffix)
{
	DIR *dir = opendir(f->cache);
	struct dirent *e;
	char *found = NULL;
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name), slen = strlen(suffix);

		if (len > slen && !strcmp(e->d_name + len - slen, suffix) && !n++)
			found = xasprintf("%s/%s", f->cache, e->d_name);
	}
	closedir(dir);
	if (n != 1) {
		free(found);
		return NULL;
	}
	return found;
}

static int count_temporaries(const struct fixture *f)
{
	DIR *dir = opendir(f->cache);
	struct dirent *e;
	int n = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir)))
		n += !strncmp(e->d_name, ".tmp-", 5);
	closedir(dir);
	return n;
}

/*
 * read-count-min around `rcp-wl read 300 4096`: exit 0 and exactly 300
 * reads, whatever the cache held. Returns stderr's copy (free it).
 */
static char *run_reads(struct fixture *f)
{
	hproc_free(&f->rec);
	{
		char *recipe = harness_test_recipe("read-count-min");

		HASSERT_EQ(&f->rec, harness_run_with_workload(&f->rec, recipe, "read 300 4096",
							      NULL, NULL), 0);
		free(recipe);
	}
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@reads: "), 300);
	return xstrdup(strbuf_str(&f->rec.err));
}

/* Run once more and expect the object to come from the cache, silently. */
static void expect_clean_hit(struct fixture *f)
{
	char *err = run_reads(f);

	HASSERT_EQ(&f->rec, count_of(err, "cached object"), 0);
	free(err);
}

/* After damage(), a run warns once, rebuilds and counts exactly. */
static void expect_rebuilt(struct fixture *f, const char *says)
{
	char *err = run_reads(f), *obj;
	struct stat st;

	HASSERT_EQ(&f->rec, count_of(err, "rebuilding it"), 1);
	HASSERT(&f->rec, strstr(err, says) != NULL);
	free(err);
	obj = cached(f, ".bpf.o");
	assert_non_null(obj);
	assert_int_equal(stat(obj, &st), 0);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 07777, 0600);
	free(obj);
	expect_clean_hit(f);
}

/*
 * The defects the ELF magic let through: a truncated object failed every
 * later run with "Unknown error 4001", a flipped bit loaded silently,
 * and a file anyone could write was used.
 */
static void test_damaged_cache_is_rebuilt(void **state)
{
	struct fixture *f = *state;
	char *err, *obj;
	FILE *fp;
	long size;
	int c;

	HARNESS_REQUIRE_ROOT();
	err = run_reads(f);
	free(err);
	obj = cached(f, ".bpf.o");
	assert_non_null(obj);
	expect_clean_hit(f);

	assert_int_equal(truncate(obj, 200), 0);
	expect_rebuilt(f, "is truncated");

	/* one bit of one instruction byte, in the middle of the object */
	fp = fopen(obj, "r+");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fseek(fp, size / 2, SEEK_SET);
	c = fgetc(fp);
	fseek(fp, size / 2, SEEK_SET);
	fputc(c ^ 0x08, fp);
	fclose(fp);
	expect_rebuilt(f, "is corrupted");

	assert_int_equal(chmod(obj, 0666), 0);
	expect_rebuilt(f, "writable by others (mode 0666)");

	assert_int_equal(chown(obj, 65534, 65534), 0);
	expect_rebuilt(f, "owned by uid 65534");
	free(obj);
}

static char *write_fake(struct fixture *f, const char *body)
{
	char *path = xasprintf("%s/clang", f->bin);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(body, fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0700), 0);
	return path;
}

/*
 * A compiler killed mid-write (it has written half an object to its -o
 * file), and a recipe killed while its compiler runs: neither leaves an
 * entry under a key, and the next run compiles and counts exactly.
 */
static void test_killed_compile_publishes_nothing(void **state)
{
	struct fixture *f = *state;
	char *fake, *pidfile, *err, *obj, *recipe = harness_test_recipe("read-count-min");
	char *argv[] = { harness_paths.recipe, "check", recipe, NULL };
	long long deadline;
	int clang_pid = 0;
	FILE *fp;

	HARNESS_REQUIRE_ROOT();
	/* the fake writes an ELF header to the path after -o, then dies */
	fake = write_fake(f, "#!/bin/sh\n"
			  "while [ $# -gt 1 ] && [ \"$1\" != -o ]; do shift; done\n"
			  "printf '\\177ELF\\002\\001\\001' > \"$2\"\n"
			  "kill -KILL $$\n");
	setenv("RECIPE_CLANG", fake, 1);
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 1);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), "clang was killed by signal 9"));
	assert_null(cached(f, ".bpf.o"));
	assert_int_equal(count_temporaries(f), 0);
	free(fake);

	/* the recipe itself killed while its compiler runs */
	pidfile = xasprintf("%s/pid", f->bin);
	fake = write_fake(f, "#!/bin/sh\n"
			  "echo $$ > \"$(dirname \"$0\")/pid\"\n"
			  "exec sleep 60\n");
	hproc_free(&f->rec);
	HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, argv, 0), 0);
	deadline = harness_now_ms() + 30000;
	while (!clang_pid && harness_now_ms() < deadline) {
		fp = fopen(pidfile, "r");
		if (!fp || fscanf(fp, "%d", &clang_pid) != 1)
			clang_pid = 0;
		if (fp)
			fclose(fp);
		usleep(10000);
	}
	assert_true(clang_pid > 0);
	HASSERT_EQ(&f->rec, hproc_signal(&f->rec, SIGKILL), 0);
	hproc_wait(&f->rec, 30000);
	kill(clang_pid, SIGKILL);
	assert_null(cached(f, ".bpf.o"));
	unsetenv("RECIPE_CLANG");

	err = run_reads(f);
	HASSERT_EQ(&f->rec, count_of(err, "cached object"), 0);
	free(err);
	obj = cached(f, ".bpf.o");
	assert_non_null(obj);
	free(obj);
	free(fake);
	free(pidfile);
	free(recipe);
}

/* Root is told, once, about a variable that changes what it loads. */
static void test_root_env_is_said(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;

	HARNESS_REQUIRE_ROOT();
	err = run_reads(f);
	HASSERT_EQ(&f->rec, count_of(err, "warning: running as root with RECIPE_CACHE_DIR="), 1);
	HASSERT_EQ(&f->rec, count_of(err, "RECIPE_CLANG"), 0);
	free(err);
}

/*
 * A 20-character literal lands in .rodata.str1.1; the config is still
 * written into .rodata, so the comm filter works: exactly the 777
 * getppid() calls of rcp-wl, and one warning that the other comparison
 * is always true.
 */
static void test_long_literal_keeps_config(void **state)
{
	struct fixture *f = *state;
	char *recipe = harness_test_recipe("comm-long-literal");

	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&f->rec, harness_run_with_workload(&f->rec, recipe, "getppid 777", NULL, NULL), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@calls: "), 777);
	HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.err), "internal"));
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), "always true"));
	free(recipe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_damaged_cache_is_rebuilt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_compile_publishes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_env_is_said, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_literal_keeps_config, setup, teardown),
	};

	return cmocka_run_group_tests_name("integration/trust", tests, NULL, NULL);
}
