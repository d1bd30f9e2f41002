/*
 * test_catalogue: every shipped recipe's own test, its `example:`
 * (docs/recipe-format.md). For each recipes/<category>/<name>.yaml:
 *
 * - it runs here (`recipe list` says RUNS yes): the example's command is
 *   run under the recipe (through -c, or while it is attached system-wide
 *   with system_wide: true) and every figure of its `expect` must be in
 *   the report, exactly or within its bounds;
 * - it cannot run here (a kprobe on a kernel without kprobes, a device
 *   this machine lacks): it must still pass `recipe check`, and is
 *   reported as skipped with `recipe list`'s reason;
 * - it has no example: reported, and a failure once CATALOGUE_COMPLETE.
 *
 * All recipes are tried before failing, so one run lists every miss,
 * with counts per category. And docs/catalogue.md must be what
 * `recipe list --markdown` prints now (`make catalogue` rewrites it).
 *
 * Needs root; `make integration` sets RECIPE_BIN, RECIPE_WORKLOAD and
 * RECIPE_SRCDIR.
 */
#include "harness.h"

#include <ftw.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "load/catalog.h"
#include "load/recipe.h"
#include "util/file.h"

/* 1 once every recipe has an example: a recipe without one then fails. */
#define CATALOGUE_COMPLETE 0

#define NCAT 5

struct tally {
	int recipes, exact, bounded, skipped, untested, failed;
};

static struct tally tally[NCAT];
static struct strbuf fails = STRBUF_INIT;
static struct strbuf skips = STRBUF_INIT;
static struct hproc listing;

static int category_index(const char *name)
{
	for (int i = 0; catalog_categories[i]; i++) {
		size_t l = strlen(catalog_categories[i]);

		if (!strncmp(name, catalog_categories[i], l) && name[l] == '/')
			return i;
	}
	return -1;
}

/*
 * NULL when `recipe list` says NAME runs here, else its reason (owned
 * by the listing), or "not listed".
 */
static const char *why_not_runnable(const char *name, char *buf, size_t size)
{
	const char *out = strbuf_str(&listing.out);
	size_t len = strlen(name);

	for (const char *l = out; l && *l; l = report_next_line(l)) {
		const char *next;

		if (strncmp(l, "  ", 2) || strncmp(l + 2, name, len) || l[2 + len] != ' ')
			continue;
		for (l += 2 + len; *l == ' '; l++)
			;
		if (!strncmp(l, "yes ", 4))
			return NULL;
		next = report_next_line(l);
		/* the reason line: blanks, then "(REASON)" */
		if (next && next[strspn(next, " ")] == '(') {
			const char *s = next + strspn(next, " ") + 1, *e = strchr(s, '\n');

			if (!e)
				e = s + strlen(s);
			snprintf(buf, size, "%.*s", (int)(e - s - (e > s && e[-1] == ')')), s);
			return buf;
		}
		return "cannot run here";
	}
	return "not listed by recipe list";
}

/* A free TCP port on the loopback, for an example's {port}. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* An example word with rcp-wl, {dir} and {port} made real. */
static char *expand(const char *w, const char *dir, int port)
{
	struct strbuf sb = STRBUF_INIT;

	if (!strcmp(w, "rcp-wl"))
		return xstrdup(harness_paths.workload);
	for (const char *s = w; *s; s++) {
		if (!strncmp(s, "{dir}", 5)) {
			strbuf_addstr(&sb, dir);
			s += 4;
		} else if (!strncmp(s, "{port}", 6)) {
			strbuf_addf(&sb, "%d", port);
			s += 5;
		} else {
			strbuf_addch(&sb, *s);
		}
	}
	return strbuf_detach(&sb);
}

/* A word for -c, in double quotes (recipe run splits -c as a shell would). */
static void add_quoted(struct strbuf *sb, const char *w)
{
	strbuf_addch(sb, '"');
	for (; *w; w++) {
		if (*w == '"' || *w == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *w);
	}
	strbuf_addch(sb, '"');
}

static long long lines_containing(const char *out, const char *text)
{
	long long n = 0;

	for (const char *l = out; l && *l; l = report_next_line(l)) {
		const char *eol = strchr(l, '\n');
		size_t len = eol ? (size_t)(eol - l) : strlen(l);

		if (memmem(l, len, text, strlen(text)))
			n++;
	}
	return n;
}

/*
 * The figure an expect reads from out; an absent key or bucket is 0,
 * as bpftrace prints neither a key nor an edge bucket it never counted.
 */
static long long figure(const struct recipe_expect *e, const char *out)
{
	char *label;
	long long v;

	if (e->lines)
		return lines_containing(out, e->lines);
	label = xasprintf("%s:", e->entry ? e->entry : e->hist);
	if (e->entry) {
		char *prefix = xasprintf("%s ", label);

		v = report_scalar(out, prefix);
		free(prefix);
	} else if (e->bucket) {
		v = report_bucket(out, label, e->bucket);
	} else if (e->from_bucket) {
		v = report_buckets_from(out, label, e->from_bucket);
	} else {
		v = report_bucket_total(out, label, NULL);
	}
	free(label);
	return v < 0 ? 0 : v;
}

/* Check every expect; appends what is wrong to why. Returns 1 if all hold. */
static int figures_hold(const struct recipe_example *ex, const char *out, struct strbuf *why)
{
	int ok = 1;

	for (unsigned i = 0; i < ex->expect_count; i++) {
		const struct recipe_expect *e = &ex->expect[i];
		long long v = figure(e, out);
		const char *what = e->entry ? e->entry : e->hist ? e->hist : e->lines;

		if ((e->equals && v != atoll(e->equals)) ||
		    (e->at_least && v < atoll(e->at_least)) ||
		    (e->at_most && v > atoll(e->at_most))) {
			strbuf_addf(why, "  expect[%u] %s%s%s%s%s: got %lld, expected %s%s%s%s%s\n", i,
				    what, e->bucket ? " " : "", e->bucket ? e->bucket : "",
				    e->from_bucket ? " from " : "", e->from_bucket ? e->from_bucket : "", v,
				    e->equals ? e->equals : "", e->at_least ? ">= " : "",
				    e->at_least ? e->at_least : "", e->at_most ? " <= " : "",
				    e->at_most ? e->at_most : "");
			ok = 0;
		}
	}
	return ok;
}

/* Run the example; 0 when its figures hold, else what went wrong in why. */
static int run_example(const char *path, const struct recipe_example *ex, struct strbuf *why)
{
	char dir[] = "/var/tmp/rcp-cat.XXXXXX";
	bool system_wide = ex->system_wide && !strcmp(ex->system_wide, "true");
	char **wl = xcalloc(ex->run_count + 1, sizeof(*wl));
	char **argv = xcalloc(ex->options_count + 8, sizeof(*argv));
	struct strbuf cmd = STRBUF_INIT;
	struct hproc rec = { 0 }, w = { 0 };
	int port = free_port(), argc = 0, rc, ok = 0;

	if (!mkdtemp(dir)) {
		strbuf_addf(why, "  mkdtemp: %s\n", strerror(errno));
		free(wl);
		free(argv);
		return -1;
	}
	for (unsigned i = 0; i < ex->run_count; i++) {
		wl[i] = expand(ex->run[i], dir, port);
		if (i)
			strbuf_addch(&cmd, ' ');
		add_quoted(&cmd, wl[i]);
	}
	argv[argc++] = harness_paths.recipe;
	argv[argc++] = "run";
	argv[argc++] = (char *)path;
	if (system_wide) {
		argv[argc++] = "--duration";
		argv[argc++] = "600";
	} else {
		argv[argc++] = "-c";
		argv[argc++] = (char *)strbuf_str(&cmd);
	}
	for (unsigned i = 0; i < ex->options_count; i++)
		argv[argc++] = ex->options[i];

	if (!system_wide) {
		rc = hproc_run(&rec, argv, HARNESS_RUN_TIMEOUT_MS);
	} else if ((rc = hproc_spawn(&rec, argv, 0)) == 0 &&
		   (rc = hproc_wait_for(&rec, 2, "Attached ", HARNESS_ATTACH_TIMEOUT_MS)) == 0) {
		int wrc = hproc_run(&w, wl, 60000);

		if (wrc)
			strbuf_addf(why, "  the command %s exited %d: %s\n", w.cmdline, wrc,
				    strbuf_str(&w.err));
		hproc_signal(&rec, SIGINT);
		rc = hproc_wait(&rec, 30000);
		if (wrc && !rc)
			rc = -1;
	}
	if (rc == 0 && figures_hold(ex, strbuf_str(&rec.out), why))
		ok = 1;
	if (!ok)
		strbuf_addf(why, "  recipe run exit %d\n  ---- stdout:\n%s  ---- stderr:\n%s",
			    rc, strbuf_str(&rec.out), strbuf_str(&rec.err));
	hproc_free(&rec);
	hproc_free(&w);
	for (unsigned i = 0; i < ex->run_count; i++)
		free(wl[i]);
	free(wl);
	free(argv);
	strbuf_release(&cmd);
	/* the command may leave files behind; the directory goes regardless */
	{
		char *rm[] = { "rm", "-rf", "--", dir, NULL };
		struct hproc p;

		hproc_run(&p, rm, 30000);
		hproc_free(&p);
	}
	return ok ? 0 : -1;
}

static bool exact(const struct recipe_example *ex)
{
	for (unsigned i = 0; i < ex->expect_count; i++)
		if (!ex->expect[i].equals)
			return false;
	return true;
}

/*
 * RECIPE_CATALOGUE_ONLY="fs/ net/tcp-" runs only the recipes whose name
 * contains one of its words: a contributor's loop over the recipes at
 * hand. Unset (make test), every recipe runs.
 */
static bool wanted(const char *name)
{
	const char *only = getenv("RECIPE_CATALOGUE_ONLY");
	char *copy, *save, *w;
	bool found = false;

	if (!only || !*only)
		return true;
	copy = xstrdup(only);
	for (w = strtok_r(copy, " ,", &save); w && !found; w = strtok_r(NULL, " ,", &save))
		found = strstr(name, w) != NULL;
	free(copy);
	return found;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct recipe_file *rf;
	size_t len = strlen(path);
	char reason[1024];
	const char *why;
	struct tally *t;
	int cat;

	(void)st;
	(void)ftw;
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".yaml"))
		return 0;
	if (recipe_load_file(path, &rf, &d) || !rf->name || (cat = category_index(rf->name)) < 0) {
		strbuf_addf(&fails, "%s: does not load as a catalogue recipe\n", path);
		diag_list_release(&d);
		return 0;
	}
	if (!wanted(rf->name)) {
		recipe_file_free(rf);
		diag_list_release(&d);
		return 0;
	}
	t = &tally[cat];
	t->recipes++;
	why = why_not_runnable(rf->name, reason, sizeof(reason));
	if (why) {
		char *argv[] = { harness_paths.recipe, "check", (char *)path, NULL };
		struct hproc p;
		int rc = hproc_run(&p, argv, 60000);

		if (rc)
			strbuf_addf(&fails, "%s: cannot run here (%s), and recipe check fails: %s\n",
				    rf->name, why, strbuf_str(&p.err));
		hproc_free(&p);
		t->skipped++;
		strbuf_addf(&skips, "  skipped %s: %s\n", rf->name, why);
	} else if (!rf->r->example) {
		t->untested++;
		strbuf_addf(&skips, "  no example: %s\n", rf->name);
		if (CATALOGUE_COMPLETE)
			strbuf_addf(&fails, "%s: has no example: (its own test)\n", rf->name);
	} else {
		struct strbuf w = STRBUF_INIT;

		if (run_example(path, rf->r->example, &w)) {
			t->failed++;
			strbuf_addf(&fails, "%s: its example fails:\n%s\n", rf->name, strbuf_str(&w));
		} else if (exact(rf->r->example)) {
			t->exact++;
		} else {
			t->bounded++;
		}
		strbuf_release(&w);
	}
	recipe_file_free(rf);
	diag_list_release(&d);
	return 0;
}

static void test_examples(void **state)
{
	char *argv[] = { harness_paths.recipe, "list", NULL };
	__u32 baseline;
	int total = 0;

	(void)state;
	HARNESS_REQUIRE_ROOT();
	if (chdir(harness_paths.srcdir))
		fail_msg("chdir %s: %s", harness_paths.srcdir, strerror(errno));
	HASSERT_EQ(&listing, hproc_run(&listing, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	baseline = harness_bpf_max_prog_id();
	if (nftw("recipes", visit, 16, FTW_PHYS))
		fail_msg("walking recipes/: %s", strerror(errno));
	hproc_free(&listing);
	printf("%s", strbuf_str(&skips));
	printf("%-7s %7s %7s %7s %7s %7s %7s\n", "", "recipes", "exact", "bounded", "skipped",
	       "no test", "failed");
	for (int i = 0; i < NCAT; i++) {
		printf("%-7s %7d %7d %7d %7d %7d %7d\n", catalog_categories[i], tally[i].recipes,
		       tally[i].exact, tally[i].bounded, tally[i].skipped, tally[i].untested,
		       tally[i].failed);
		total += tally[i].exact + tally[i].bounded;
	}
	if (fails.len) {
		/* all of it: cmocka's messages are cut at 1 KiB */
		fflush(stdout);
		fputs(strbuf_str(&fails), stdout);
		fflush(stdout);
		fail_msg("catalogue examples: the failures are above");
	}
	if (!total)
		fail_msg("no recipe's example ran");
	/*
	 * The kernel may take seconds to free the programs of a recipe
	 * with hundreds of attach points (the 631 of fs/xfs-tracepoints
	 * took 24 s here): allow a minute.
	 */
	{
		struct strbuf names = STRBUF_INIT;

		if (harness_rcp_progs_settled(baseline, &names, 60000))
			fail_msg("rcp_ BPF programs still loaded after the examples: %s",
				 strbuf_str(&names));
		strbuf_release(&names);
	}
}

/*
 * The runner fails a wrong figure: cpu/syscalls-by-comm's example with
 * 777 in place of its 778 (the exit_group), and with an exact bound
 * turned into a range that excludes it.
 */
static void test_wrong_figure_fails(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct strbuf why = STRBUF_INIT;
	struct recipe_file *rf;
	struct recipe_expect *e;
	char *path, *saved;

	(void)state;
	HARNESS_REQUIRE_ROOT();
	path = xasprintf("%s/recipes/cpu/syscalls-by-comm.yaml", harness_paths.srcdir);
	assert_int_equal(recipe_load_file(path, &rf, &d), 0);
	assert_non_null(rf->r->example);
	e = &rf->r->example->expect[0];
	assert_int_equal(run_example(path, rf->r->example, &why), 0);
	saved = e->equals;
	e->equals = "777";
	assert_int_equal(run_example(path, rf->r->example, &why), -1);
	assert_non_null(strstr(strbuf_str(&why), "got 778, expected 777"));
	e->equals = NULL;
	e->at_least = "779";
	assert_int_equal(run_example(path, rf->r->example, &why), -1);
	e->at_least = NULL;
	e->equals = saved;
	recipe_file_free(rf);
	strbuf_release(&why);
	diag_list_release(&d);
	free(path);
}

/*
 * `recipe list`'s columns line up under their headers on every row,
 * among them a name longer than the 28 columns that once were fixed
 * (fs/ext4-readahead-proc-stacks, 29).
 */
static void test_list_columns_aligned(void **state)
{
	char *argv[] = { harness_paths.recipe, "list", NULL };
	size_t runs_at = 0, origin_at = 0;
	int rows = 0, long_rows = 0;
	struct hproc p;
	char *text, *line, *save;

	(void)state;
	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&p, hproc_run(&p, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	text = xstrdup(strbuf_str(&p.out));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *runs = strstr(line, " RUNS ");
		size_t name_len = strcspn(line + 2, " ");

		if (runs) {
			runs_at = (size_t)(runs + 1 - line);
			origin_at = (size_t)(strstr(line, " ORIGIN ") + 1 - line);
			continue;
		}
		if (strncmp(line, "  ", 2) || line[2] == ' ')
			continue; /* a category's title or a row's reason */
		if (!runs_at)
			fail_msg("a row before any header: %s", line);
		if (strncmp(line + runs_at, "yes ", 4) && strncmp(line + runs_at, "no  ", 4))
			fail_msg("RUNS not at column %zu: %s", runs_at, line);
		if (line[origin_at - 1] != ' ' || line[origin_at] == ' ')
			fail_msg("ORIGIN not at column %zu: %s", origin_at, line);
		rows++;
		long_rows += name_len > 28;
	}
	if (!rows || !long_rows)
		fail_msg("recipe list: %d rows, %d with a name over 28 characters; expected both", rows,
			 long_rows);
	free(text);
	hproc_free(&p);
}

/* docs/catalogue.md is what `recipe list --markdown` prints now. */
static void test_catalogue_md_fresh(void **state)
{
	char *argv[] = { harness_paths.recipe, "list", "--markdown", NULL };
	struct hproc p;
	void *doc;
	size_t len;
	char *path;

	(void)state;
	HARNESS_REQUIRE_ROOT();
	if (getenv("RECIPE_CATALOGUE_ONLY") && *getenv("RECIPE_CATALOGUE_ONLY")) {
		/* its RUNS column is this kernel's: the lab runs a selection on another */
		print_message("skipped: RECIPE_CATALOGUE_ONLY selects recipes; the full run checks docs/catalogue.md\n");
		skip();
	}
	path = xasprintf("%s/docs/catalogue.md", harness_paths.srcdir);
	HASSERT_EQ(&p, hproc_run(&p, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	if (file_read(path, &doc, &len))
		fail_msg("%s: cannot read (make catalogue writes it)", path);
	if (strcmp(doc, strbuf_str(&p.out)))
		fail_msg("%s is stale: run `make catalogue` and commit it", path);
	free(doc);
	free(path);
	hproc_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_wrong_figure_fails),
		cmocka_unit_test(test_list_columns_aligned),
		cmocka_unit_test(test_catalogue_md_fresh),
	};

	return cmocka_run_group_tests_name("integration/catalogue", tests, NULL, NULL);
}
