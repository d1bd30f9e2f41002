/*
 * test_origins: the catalogue against its reference list,
 * recipes/one-liners.tsv. Every id a shipped recipe claims (origin.id
 * and origin.also[].id) must be in the list, claimed by one recipe only,
 * with the origin's tool the list's. The ids no recipe claims are
 * reported per category; they fail the test once CATALOGUE_COMPLETE is
 * 1 (the commit that completes issue 10 sets it), and the report itself
 * is checked on a doctored list, so the walk cannot pass by seeing
 * nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <unistd.h>

#include "load/catalog.h"
#include "load/recipe.h"
#include "load/reference.h"
#include "util/strbuf.h"

/* 1 once every id of the list is claimed: unclaimed ids then fail. */
#define CATALOGUE_COMPLETE 0

struct claim {
	char *id;
	char *recipe;
};

static struct claim *claims;
static size_t nclaims;
static struct strbuf problems = STRBUF_INIT;
static size_t nrecipes;

static void add_claim(const char *id, const char *tool, const char *path,
		      const struct reference *ref)
{
	const struct oneliner *o = reference_find(ref, id);

	for (size_t i = 0; i < nclaims; i++)
		if (!strcmp(claims[i].id, id))
			strbuf_addf(&problems, "%s: claims %s, which %s claims too\n", path, id,
				    claims[i].recipe);
	if (!o)
		strbuf_addf(&problems, "%s: claims %s, which is not in recipes/one-liners.tsv\n",
			    path, id);
	else if (strcmp(o->tool, tool))
		strbuf_addf(&problems, "%s: %s is a %s one-liner, not %s\n", path, id, o->tool, tool);
	claims = xrealloc(claims, (nclaims + 1) * sizeof(*claims));
	claims[nclaims].id = xstrdup(id);
	claims[nclaims++].recipe = xstrdup(path);
}

static const struct reference *walk_ref;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct recipe_file *rf;
	size_t len = strlen(path);

	(void)st;
	(void)ftw;
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".yaml"))
		return 0;
	nrecipes++;
	if (recipe_load_file(path, &rf, &d)) {
		strbuf_addf(&problems, "%s: does not load\n", path);
		diag_list_release(&d);
		return 0;
	}
	add_claim(rf->r->origin->id, rf->r->origin->tool, path, walk_ref);
	for (unsigned i = 0; i < rf->r->origin->also_count; i++)
		add_claim(rf->r->origin->also[i].id, rf->r->origin->also[i].tool, path, walk_ref);
	recipe_file_free(rf);
	diag_list_release(&d);
	return 0;
}

static bool claimed(const char *id)
{
	for (size_t i = 0; i < nclaims; i++)
		if (!strcmp(claims[i].id, id))
			return true;
	return false;
}

/* The ids of ref no recipe claims, by category; returns how many. */
static size_t report_unclaimed(const struct reference *ref, struct strbuf *out)
{
	size_t total = 0;

	for (size_t c = 0; catalog_categories[c]; c++) {
		const char *cat = catalog_categories[c];
		size_t n = 0, all = 0;
		struct strbuf ids = STRBUF_INIT;

		for (size_t i = 0; i < ref->n; i++) {
			if (strcmp(ref->v[i].category, cat))
				continue;
			all++;
			if (!claimed(ref->v[i].id)) {
				strbuf_addf(&ids, " %s", ref->v[i].id);
				n++;
			}
		}
		strbuf_addf(out, "%-7s %3zu of %3zu ids claimed%s%s\n", cat, all - n, all,
			    n ? "; unclaimed:" : "", strbuf_str(&ids));
		strbuf_release(&ids);
		total += n;
	}
	return total;
}

static char *srcpath(const char *rel)
{
	const char *src = getenv("RECIPE_SRCDIR");

	return xasprintf("%s/%s", src && *src ? src : ".", rel);
}

static void test_every_claim_is_listed(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct strbuf report = STRBUF_INIT;
	struct reference ref;
	char *list = srcpath("recipes/" REFERENCE_FILE), *dir = srcpath("recipes");
	size_t unclaimed;

	(void)state;
	if (reference_load(&ref, list, &d)) {
		diag_print(&d, stderr);
		fail_msg("cannot load %s", list);
	}
	assert_true(ref.n >= 145);
	/* every category of the list is a category of recipes */
	for (size_t i = 0; i < ref.n; i++)
		if (!catalog_is_category(ref.v[i].category))
			fail_msg("%s: %s has category '%s'", list, ref.v[i].id, ref.v[i].category);
	walk_ref = &ref;
	assert_int_equal(nftw(dir, visit, 16, FTW_PHYS), 0);
	assert_true(nrecipes > 0);
	assert_int_equal(nclaims >= nrecipes, 1);
	unclaimed = report_unclaimed(&ref, &report);
	/* printf: cmocka's print_message() truncates long text */
	printf("%zu recipes claim %zu of %zu ids:\n%s", nrecipes, nclaims, ref.n,
	       strbuf_str(&report));
	if (problems.len)
		fail_msg("recipe origins:\n%s", strbuf_str(&problems));
	if (CATALOGUE_COMPLETE && unclaimed)
		fail_msg("%zu ids of %s are claimed by no recipe", unclaimed, list);

	/* The report sees an id no recipe claims (a doctored list). */
	{
		struct reference one = ref;
		struct oneliner extra = ref.v[0];
		struct strbuf r2 = STRBUF_INIT;

		extra.id = "bpftrace-cpu-999";
		one.v = &extra;
		one.n = 1;
		assert_int_equal(report_unclaimed(&one, &r2), 1);
		assert_non_null(strstr(strbuf_str(&r2), "unclaimed: bpftrace-cpu-999"));
		strbuf_release(&r2);
	}
	reference_release(&ref);
	strbuf_release(&report);
	diag_list_release(&d);
	free(list);
	free(dir);
}

/* A malformed row is an error at its line. */
static void test_malformed_list(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct reference ref;
	char path[] = "/tmp/rcp-ref.XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "id\ttool\tcategory\tsource\tdescription\tone-liner\n"
				   "a-1\tbcc\tcpu\tnotes\tok\tx\n"
				   "a-2\tbcc\tcpu\tnotes only five fields\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(reference_load(&ref, path, &d), -EINVAL);
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(ref.n, 0);
	unlink(path);
	diag_list_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_claim_is_listed),
		cmocka_unit_test(test_malformed_list),
	};

	return cmocka_run_group_tests_name("unit/origins", tests, NULL, NULL);
}
