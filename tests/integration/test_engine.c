/*
 * test_engine: what the engine promises beyond one report: the object
 * cache (the second run spawns no clang; values that only change a
 * constant share one object; safe file modes), params filtering in the
 * kernel, SIGTERM ending a run with its report, and the JSON report.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include <dirent.h>
#include <sys/stat.h>

#include <json-c/json.h>

struct fixture {
	struct hproc rec;
	struct hproc wl;
	char cache[PATH_MAX];	/* a private RECIPE_CACHE_DIR */
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->cache, sizeof(f->cache), "/var/tmp/rcp-cache.XXXXXX");
	if (!mkdtemp(f->cache))
		return -1;
	/* recipe creates the cache directory itself: start from nothing. */
	rmdir(f->cache);
	setenv("RECIPE_CACHE_DIR", f->cache, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *dir = opendir(f->cache);
	struct dirent *e;

	hproc_free(&f->rec);
	hproc_free(&f->wl);
	while (dir && (e = readdir(dir)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(dir), e->d_name, 0);
	if (dir)
		closedir(dir);
	rmdir(f->cache);
	unsetenv("RECIPE_CACHE_DIR");
	free(f);
	return 0;
}

/* Files in the cache directory ending in suffix; each must be mode 0600. */
static int count_cached(const char *cache, const char *suffix)
{
	DIR *dir = opendir(cache);
	struct dirent *e;
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name), slen = strlen(suffix);
		struct stat st;

		if (len <= slen || strcmp(e->d_name + len - slen, suffix))
			continue;
		assert_int_equal(fstatat(dirfd(dir), e->d_name, &st, 0), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		n++;
	}
	closedir(dir);
	return n;
}


/* The first check compiles and stores; the second finds the object. */
static void test_second_check_is_cached(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { harness_paths.recipe, "check", "fs/read-errors", NULL };
	struct stat st;

	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.out), "object compiled"));
	hproc_free(&f->rec);
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.out), "object cached"));
	assert_int_equal(stat(f->cache, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(count_cached(f->cache, ".bpf.o"), 1);
	assert_int_equal(count_cached(f->cache, ".bpf.c"), 1);
}

/*
 * A param is a value, not shape: three runs with different values
 * filter differently in the kernel and share one object. rcp-wl makes
 * exactly 1000 read() calls of 4096 bytes under -c.
 */
static void test_param_filters_and_shares_object(void **state)
{
	static const struct { const char *param; long long expect; } cases[] = {
		{ "min_count=0", 1000 },
		{ "min_count=4096", 1000 },
		{ "min_count=4097", 0 },	/* no read qualifies */
	};
	struct fixture *f = *state;
	char *recipe;

	HARNESS_REQUIRE_ROOT();
	recipe = harness_test_recipe("read-count-min");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *cmd = xasprintf("%s read 1000 4096", harness_paths.workload);
		char *argv[] = { harness_paths.recipe, "run", recipe, "--param",
				 (char *)cases[i].param, "-c", cmd, NULL };

		hproc_free(&f->rec);
		HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
		HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@reads: "),
			   cases[i].expect);
		free(cmd);
	}
	assert_int_equal(count_cached(f->cache, ".bpf.o"), 1);
	free(recipe);
}

/* SIGTERM ends a run like Ctrl-C: the report is printed, exit 0. */
static void test_sigterm_prints_report(void **state)
{
	struct fixture *f = *state;
	char *wl_argv[] = { harness_paths.workload, "--wait-stdin", "badread", "321", NULL };
	char pid[32];
	char *rec_argv[] = { harness_paths.recipe, "run", "fs/read-errors", "--pid", pid, NULL };

	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&f->wl, hproc_spawn(&f->wl, wl_argv, 1), 0);
	snprintf(pid, sizeof(pid), "%d", (int)f->wl.pid);
	HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, rec_argv, 0), 0);
	HASSERT_EQ(&f->rec, hproc_wait_for(&f->rec, 2, "Attached ",
					   HARNESS_ATTACH_TIMEOUT_MS), 0);
	HASSERT_EQ(&f->wl, hproc_write_stdin(&f->wl, "x"), 0);
	HASSERT_EQ(&f->wl, hproc_wait(&f->wl, 30000), 0);
	HASSERT_EQ(&f->rec, hproc_signal(&f->rec, SIGTERM), 0);
	HASSERT_EQ(&f->rec, hproc_wait(&f->rec, 30000), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@[9]: "), 321);
}

/* --format json: one document; the [4K, 8K) bucket holds exactly 1000. */
static void test_json_report(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("%s read 1000 4096", harness_paths.workload);
	char *argv[] = { harness_paths.recipe, "run", "fs/read-size-hist", "--format",
			 "json", "-c", cmd, NULL };
	struct json_object *doc, *maps, *map, *entries, *buckets;
	long long in_4k = -1;

	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	free(cmd);
	doc = json_tokener_parse(strbuf_str(&f->rec.out));
	HASSERT(&f->rec, doc);
	HASSERT(&f->rec, json_object_object_get_ex(doc, "maps", &maps));
	HASSERT(&f->rec, json_object_object_get_ex(maps, "@", &map));
	HASSERT(&f->rec, json_object_object_get_ex(map, "entries", &entries));
	HASSERT_EQ(&f->rec, json_object_array_length(entries), 1);
	HASSERT(&f->rec, json_object_object_get_ex(json_object_array_get_idx(entries, 0),
						   "buckets", &buckets));
	for (size_t i = 0; i < json_object_array_length(buckets); i++) {
		struct json_object *b = json_object_array_get_idx(buckets, i), *v;

		if (json_object_object_get_ex(b, "min", &v) && json_object_get_int64(v) == 4096 &&
		    json_object_object_get_ex(b, "count", &v))
			in_4k = json_object_get_int64(v);
	}
	HASSERT_EQ(&f->rec, in_4k, 1000);
	json_object_put(doc);
}

/*
 * What every BPF command needs, missing: one clear error, exit 3, and
 * nothing compiled or loaded. Not root is tested through setpriv(1).
 */
static void test_environment_errors(void **state)
{
	static const struct {
		const char *env, *value, *says;
		bool as_nobody;
	} cases[] = {
		{ "RECIPE_VMLINUX_BTF", "/nonexistent/vmlinux", "no kernel BTF at /nonexistent/vmlinux", false },
		{ "RECIPE_CLANG", "/nonexistent/clang", "clang not found", false },
		{ NULL, NULL, "recipe run needs root", true },
	};
	struct fixture *f = *state;

	HARNESS_REQUIRE_ROOT();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *run[] = { harness_paths.recipe, "run", "fs/read-errors", "-d", "1", NULL };
		char *nobody[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
				   harness_paths.recipe, "run", "fs/read-errors", "-d", "1", NULL };
		__u32 baseline = harness_bpf_max_prog_id();

		if (cases[i].env)
			setenv(cases[i].env, cases[i].value, 1);
		hproc_free(&f->rec);
		HASSERT_EQ(&f->rec, hproc_run(&f->rec, cases[i].as_nobody ? nobody : run,
					      HARNESS_RUN_TIMEOUT_MS), 3);
		if (cases[i].env)
			unsetenv(cases[i].env);
		HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), cases[i].says));
		HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), "\n  hint: "));
		HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.err), "Attached "));
		HASSERT_EQ(&f->rec, harness_rcp_progs(baseline, NULL), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_check_is_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_param_filters_and_shares_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_prints_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_environment_errors, setup, teardown),
	};

	return cmocka_run_group_tests_name("integration/engine", tests, NULL, NULL);
}
