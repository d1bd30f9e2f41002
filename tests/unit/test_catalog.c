/*
 * test_catalog: search order, shadowing, listing and name resolution
 * over a throwaway catalogue given through $RECIPE_PATH.
 */
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

#include "load/catalog.h"
#include "util/text.h"

#ifndef RECIPE_DATADIR
#define RECIPE_DATADIR "/usr/local/share/recipe"
#endif

static char root[] = "/tmp/test_catalog.XXXXXX";
static char *dir1, *dir2;

static void touch(const char *dir, const char *rel)
{
	char *path, *slash;
	FILE *fp;

	if (asprintf(&path, "%s/%s", dir, rel) < 0)
		abort();
	slash = strrchr(path, '/');
	*slash = 0;
	mkdir(path, 0755);
	*slash = '/';
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("summary: s\n", fp);
	fclose(fp);
	free(path);
}

static int setup(void **state)
{
	char *env;

	(void)state;
	if (!mkdtemp(root))
		return -1;
	if (asprintf(&dir1, "%s/one", root) < 0 || asprintf(&dir2, "%s/two", root) < 0)
		return -1;
	mkdir(dir1, 0755);
	mkdir(dir2, 0755);
	touch(dir1, "disk/rwbs-bytes.yaml");
	touch(dir1, "fs/opens.yaml");
	touch(dir1, "disk/dup.yaml");
	touch(dir2, "disk/rwbs-bytes.yaml");	/* shadowed by dir1 */
	touch(dir2, "net/tcp-send.yaml");
	touch(dir2, "net/dup.yaml");
	touch(dir2, "bogus/ignored.yaml");	/* not a category */
	touch(dir2, "net/README.md");		/* not a recipe */
	touch(dir2, "net/.hidden.yaml");
	if (asprintf(&env, "%s::%s", dir1, dir2) < 0)
		return -1;
	setenv("RECIPE_PATH", env, 1);
	free(env);
	return 0;
}

static int teardown(void **state)
{
	char *cmd;

	(void)state;
	if (asprintf(&cmd, "rm -rf '%s'", root) > 0 && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	free(cmd);
	free(dir1);
	free(dir2);
	return 0;
}

static bool ours(const struct catalog_entry *e)
{
	return !strncmp(e->path, root, strlen(root));
}

static void test_categories(void **state)
{
	(void)state;
	assert_true(catalog_is_category("cpu"));
	assert_true(catalog_is_category("memory"));
	assert_true(catalog_is_category("fs"));
	assert_true(catalog_is_category("disk"));
	assert_true(catalog_is_category("net"));
	assert_false(catalog_is_category("io"));
	assert_false(catalog_is_category(""));
	assert_false(catalog_is_category(NULL));
	assert_null(catalog_categories[5]);
}

static void test_dirs(void **state)
{
	size_t n;
	char **dirs = catalog_dirs(&n);

	(void)state;
	assert_true(n >= 3);
	assert_string_equal(dirs[0], RECIPE_DATADIR "/recipes");
	assert_string_equal(dirs[1], dir1);
	assert_string_equal(dirs[2], dir2);
	catalog_dirs_free(dirs, n);
}

static void test_list(void **state)
{
	struct catalog_entry *v;
	const char *want[] = { "disk/dup", "disk/rwbs-bytes", "fs/opens",
			       "net/dup", "net/tcp-send" };
	char *p;
	size_t n, k = 0;

	(void)state;
	assert_int_equal(catalog_list(&v, &n, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		if (i)
			assert_true(strcmp(v[i - 1].name, v[i].name) < 0);
		if (!ours(&v[i]))
			continue;
		assert_true(k < 5);
		assert_string_equal(v[i].name, want[k]);
		assert_string_equal(v[i].category, k < 2 ? "disk" : k == 2 ? "fs" : "net");
		k++;
	}
	assert_int_equal(k, 5);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, "disk/rwbs-bytes")) {
			if (asprintf(&p, "%s/disk/rwbs-bytes.yaml", dir1) < 0)
				abort();
			assert_string_equal(v[i].path, p);
			free(p);
		}
	catalog_entries_free(v, n);

	assert_int_equal(catalog_list(&v, &n, "net"), 0);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(v[i].category, "net");
		k += ours(&v[i]);
	}
	assert_int_equal(k, 2);
	catalog_entries_free(v, n);

	assert_int_equal(catalog_list(&v, &n, "bogus"), -EINVAL);
	catalog_entries_free(NULL, 0);
}

static void test_resolve(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	char *path = NULL, *want;

	(void)state;
	if (asprintf(&want, "%s/disk/rwbs-bytes.yaml", dir1) < 0)
		abort();
	assert_int_equal(catalog_resolve("disk/rwbs-bytes", &path, &d), 0);
	assert_string_equal(path, want);
	free(path);
	/* A bare name that is unique across categories. */
	assert_int_equal(catalog_resolve("rwbs-bytes", &path, &d), 0);
	assert_string_equal(path, want);
	free(path);
	/* An existing path is used as is, even one that is shadowed. */
	free(want);
	if (asprintf(&want, "%s/disk/rwbs-bytes.yaml", dir2) < 0)
		abort();
	assert_int_equal(catalog_resolve(want, &path, &d), 0);
	assert_string_equal(path, want);
	free(path);
	free(want);
	assert_int_equal(d.n, 0);

	path = NULL;
	assert_int_equal(catalog_resolve("disk/rwbs-byte", &path, &d), -ENOENT);
	assert_null(path);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "unknown recipe 'disk/rwbs-byte'");
	assert_string_equal(d.v[0].hint,
			    "did you mean 'disk/rwbs-bytes'? `recipe list` shows what exists");
	diag_list_release(&d);

	assert_int_equal(catalog_resolve("tcp-sned", &path, &d), -ENOENT);
	assert_string_equal(d.v[0].hint,
			    "did you mean 'net/tcp-send'? `recipe list` shows what exists");
	diag_list_release(&d);

	assert_int_equal(catalog_resolve("cpu/zzzzzzzzzzzz", &path, &d), -ENOENT);
	assert_string_equal(d.v[0].hint, "`recipe list` shows what exists");
	diag_list_release(&d);

	assert_int_equal(catalog_resolve("dup", &path, &d), -ENOENT);
	assert_string_equal(d.v[0].msg, "recipe name 'dup' is ambiguous");
	assert_string_equal(d.v[0].hint, "say which one: disk/dup, net/dup");
	diag_list_release(&d);

	assert_int_equal(catalog_resolve("nothere.yaml", &path, &d), -ENOENT);
	assert_string_equal(d.v[0].msg, "cannot open: No such file or directory");
	assert_string_equal(d.v[0].file, "nothere.yaml");
	diag_list_release(&d);

	assert_int_equal(catalog_resolve("bogus/ignored", &path, &d), -ENOENT);
	diag_list_release(&d);
}

static void test_suggest(void **state)
{
	const char *words[] = { "summary", "description", "filter", "map" };

	(void)state;
	assert_string_equal(text_closest("filtr", words, 4), "filter");
	assert_string_equal(text_closest("sumary", words, 4), "summary");
	assert_string_equal(text_closest("mpa", words, 4), "map");
	assert_null(text_closest("aggregate", words, 4));
	assert_null(text_closest("x", words, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_dirs),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_suggest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
