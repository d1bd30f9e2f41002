/*
 * test_prebuild: `recipe prebuild` fills the object cache, so the next
 * build of each recipe is a cache hit (issue 14: no compile on the first
 * run of a catalogue recipe).
 *
 * - Two recipes into an empty private cache: both compiled, two objects
 *   in it; again: both already cached; `recipe check` then says cached.
 * - A recipe that does not check: reported as failed with its located
 *   error, the others still built, exit 1.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include <dirent.h>

struct fixture {
	struct hproc p;
	char cache[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->cache, sizeof(f->cache), "/var/tmp/rcp-prebuild.XXXXXX");
	if (!mkdtemp(f->cache))
		return -1;
	setenv("RECIPE_CACHE_DIR", f->cache, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hproc_free(&f->p);
	harness_rm_dir(f->cache);
	unsetenv("RECIPE_CACHE_DIR");
	free(f);
	return 0;
}

/* Objects in the cache: the files named *.bpf.o. */
static int objects_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		n += len > 6 && !strcmp(e->d_name + len - 6, ".bpf.o");
	}
	if (d)
		closedir(d);
	return n;
}

static void test_prebuild_then_cached(void **state)
{
	struct fixture *f = *state;
	char *prebuild[] = { NULL, "prebuild", "-j", "2", "fs/read-size-hist",
			     "cpu/syscalls-by-comm", NULL };
	char *check[] = { NULL, "check", "fs/read-size-hist", NULL };

	HARNESS_REQUIRE_ROOT();
	prebuild[0] = check[0] = harness_paths.recipe;
	HASSERT_EQ(&f->p, hproc_run(&f->p, prebuild, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&f->p, strstr(strbuf_str(&f->p.out), "\n2 compiled, 0 already cached, 0 failed\n"));
	HASSERT(&f->p, strstr(strbuf_str(&f->p.out), "  fs/read-size-hist ") != NULL);
	HASSERT_EQ(&f->p, objects_in(f->cache), 2);
	hproc_free(&f->p);

	HASSERT_EQ(&f->p, hproc_run(&f->p, prebuild, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&f->p, strstr(strbuf_str(&f->p.out), "\n0 compiled, 2 already cached, 0 failed\n"));
	HASSERT_EQ(&f->p, objects_in(f->cache), 2);
	hproc_free(&f->p);

	HASSERT_EQ(&f->p, hproc_run(&f->p, check, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&f->p, strstr(strbuf_str(&f->p.out), "object cached)") != NULL);
}

static void test_prebuild_failure_reported(void **state)
{
	struct fixture *f = *state;
	char *bad = xasprintf("%s/tests/bad/bad-no-such-tracepoint.yaml", harness_paths.srcdir);
	char *prebuild[] = { NULL, "prebuild", bad, "fs/read-size-hist", NULL };
	char *want;

	HARNESS_REQUIRE_ROOT();
	prebuild[0] = harness_paths.recipe;
	HASSERT_EQ(&f->p, hproc_run(&f->p, prebuild, HARNESS_RUN_TIMEOUT_MS), 1);
	HASSERT(&f->p, strstr(strbuf_str(&f->p.out), "\n1 compiled, 0 already cached, 1 failed\n"));
	want = xasprintf("%s:5:10: error: no tracepoint matches 'block:block_rq_isue'", bad);
	HASSERT(&f->p, strstr(strbuf_str(&f->p.err), want) != NULL);
	HASSERT_EQ(&f->p, objects_in(f->cache), 1);
	free(want);
	free(bad);
}

/* A recipe for a source this kernel lacks: nothing to build, nothing wrong. */
static void test_prebuild_absent(void **state)
{
	struct fixture *f = *state;
	char *absent = harness_test_recipe("absent-source");
	char *prebuild[] = { NULL, "prebuild", absent, NULL };

	HARNESS_REQUIRE_ROOT();
	prebuild[0] = harness_paths.recipe;
	HASSERT_EQ(&f->p, hproc_run(&f->p, prebuild, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&f->p, strstr(strbuf_str(&f->p.out), " source absent here\n") != NULL);
	HASSERT(&f->p, strstr(strbuf_str(&f->p.out),
			      "\n0 compiled, 0 already cached, 0 failed, 1 source absent here") != NULL);
	HASSERT_EQ(&f->p, objects_in(f->cache), 0);
	free(absent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prebuild_then_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prebuild_failure_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prebuild_absent, setup, teardown),
	};

	return cmocka_run_group_tests_name("integration/prebuild", tests, NULL, NULL);
}
