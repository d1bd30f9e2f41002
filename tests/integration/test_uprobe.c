/*
 * test_uprobe: the user-space probe types on the real kernel: uprobe and
 * uretprobe on the workload's rcp_wl_target() and on libc, USDT on the
 * workload's rcpwl:tick probe, with exact counts, sums and maxima; the
 * listing; and the errors for a missing binary or symbol, located at the
 * probe in the recipe.
 *
 * The recipes name the workload by its absolute path, which differs per
 * checkout, so each test writes its recipe into a temporary directory.
 * The libc probe needs a dynamically linked caller (the workload is
 * static): this test binary itself, run by `recipe run -c` with
 * --libc-child, calls getppid() through libc a known number of times.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include <sys/prctl.h>

#define CALLS 1234
#define LIBC_CALLS 777
#define CHILD_COMM "rcp-it-libc"

struct fixture {
	struct hproc rec;
	char dir[64];
	char *path;		/* the recipe written last */
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_uprobe.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hproc_free(&f->rec);
	if (f->path)
		unlink(f->path);
	rmdir(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/*
 * Write recipe `name` whose probes are `probes` (one per line, the first
 * on line 8, column 5) and whose rest is `tail` (key, aggregate).
 */
static const char *write_recipe(struct fixture *f, const char *name,
				const char *const *probes, const char *tail)
{
	struct strbuf sb = STRBUF_INIT;
	FILE *fp;

	if (f->path)
		unlink(f->path);
	free(f->path);
	f->path = xasprintf("%s/%s.yaml", f->dir, name);
	strbuf_addstr(&sb, "summary: user-space probe test\n"
			   "description: written by tests/integration/test_uprobe.c\n"
			   "origin:\n"
			   "  id: test-uprobe\n"
			   "  tool: bpftrace\n"
			   "  text: \"none\"\n"
			   "probes:\n");
	for (size_t i = 0; probes[i]; i++)
		strbuf_addf(&sb, "  - %s\n", probes[i]);
	strbuf_addstr(&sb, tail);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(strbuf_str(&sb), fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	strbuf_release(&sb);
	return f->path;
}

/* recipe run RECIPE --comm rcp-wl-ucall -c 'rcp-wl ucall CALLS' */
static int run_ucall(struct fixture *f)
{
	char *cmd = xasprintf("%s ucall %d", harness_paths.workload, CALLS);
	char *argv[] = { harness_paths.recipe, "run", f->path, "--comm", "rcp-wl-ucall",
			 "-c", cmd, NULL };
	int rc;

	hproc_free(&f->rec);
	rc = hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS);
	free(cmd);
	return rc;
}

static char *spec(const char *type, const char *rest)
{
	return xasprintf("%s:%s:%s", type, harness_paths.workload, rest);
}

/* Every call of rcp_wl_target counted, exactly; nothing stays loaded. */
static void test_uprobe_counts_calls(void **state)
{
	struct fixture *f = *state;
	char *s;
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	s = spec("uprobe", "rcp_wl_target");
	write_recipe(f, "count", (const char *const[]){ s, NULL },
		     "key: [comm]\naggregate:\n  type: count\n");
	baseline = harness_bpf_max_prog_id();
	HASSERT_EQ(&f->rec, run_ucall(f), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@[rcp-wl-ucall]: "), CALLS);
	HASSERT_EQ(&f->rec, harness_rcp_progs_settled(baseline, NULL, 5000), 0);
	free(s);
}

/* A uretprobe's retval (i * 2) summed: sum of 2i over 0..CALLS-1. */
static void test_uretprobe_sums_retval(void **state)
{
	struct fixture *f = *state;
	char *s;

	HARNESS_REQUIRE_ROOT();
	s = spec("ur", "rcp_wl_target");
	write_recipe(f, "retval", (const char *const[]){ s, NULL },
		     "key: [comm]\naggregate:\n  type: sum\n  value: args.retval\n");
	HASSERT_EQ(&f->rec, run_ucall(f), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@[rcp-wl-ucall]: "),
		   (long long)CALLS * (CALLS - 1));
	free(s);
}

/* A uprobe's arg0 is the argument i: its largest is CALLS - 1. */
static void test_uprobe_arg0(void **state)
{
	struct fixture *f = *state;
	char *s;

	HARNESS_REQUIRE_ROOT();
	s = spec("u", "rcp_wl_target");
	write_recipe(f, "arg0", (const char *const[]){ s, NULL },
		     "key: [comm]\naggregate:\n  type: max\n  value: args.arg0\n");
	HASSERT_EQ(&f->rec, run_ucall(f), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@[rcp-wl-ucall]: "),
		   CALLS - 1);
	free(s);
}

/*
 * The USDT probe rcpwl:tick(i, i * 3): hit CALLS times, arg1 sums to
 * 3 * the sum of i, arg0's largest is CALLS - 1 (two args in one filter
 * and value: two bpf_usdt_arg() reads).
 */
static void test_usdt_count_and_args(void **state)
{
	struct fixture *f = *state;
	char *s;

	HARNESS_REQUIRE_ROOT();
	s = spec("usdt", "rcpwl:tick");
	write_recipe(f, "usdt-count", (const char *const[]){ s, NULL },
		     "key: [comm]\naggregate:\n  type: count\n");
	HASSERT_EQ(&f->rec, run_ucall(f), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@[rcp-wl-ucall]: "), CALLS);

	write_recipe(f, "usdt-sum", (const char *const[]){ s, NULL },
		     "key: [comm]\naggregate:\n  type: sum\n  value: args.arg1\n");
	HASSERT_EQ(&f->rec, run_ucall(f), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@[rcp-wl-ucall]: "),
		   3LL * CALLS * (CALLS - 1) / 2);

	write_recipe(f, "usdt-max", (const char *const[]){ s, NULL },
		     "filter: args.arg1 == args.arg0 * 3\n"
		     "key: [comm]\naggregate:\n  type: max\n  value: args.arg0\n");
	HASSERT_EQ(&f->rec, run_ucall(f), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@[rcp-wl-ucall]: "),
		   CALLS - 1);
	free(s);
}

/*
 * usym() names a user address: the one the workload passes is
 * rcp_wl_target's. Its memory map is read when the probe first fires,
 * so the workload runs long enough (50M calls, no probe on them) for
 * that to happen while it lives.
 */
static void test_usym(void **state)
{
	struct fixture *f = *state;
	char *s, *cmd;

	HARNESS_REQUIRE_ROOT();
	s = spec("usdt", "rcpwl_addr:target");
	write_recipe(f, "usym", (const char *const[]){ s, NULL },
		     "key: [usym(args.arg0)]\naggregate:\n  type: count\n");
	cmd = xasprintf("%s ucall 50000000", harness_paths.workload);
	{
		char *argv[] = { harness_paths.recipe, "run", f->path, "-c", cmd, NULL };

		HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	}
	free(cmd);
	HASSERT(&f->rec, !strcmp(strbuf_str(&f->rec.out), "@[rcp_wl_target]: 1\n"));
	free(s);
}

/*
 * A USDT probe and a uprobe in one recipe, keyed by probe: two programs,
 * one told its point by the USDT cookie, the other by the BPF cookie;
 * each line names its probe as the report shows it.
 */
static void test_probe_key_mixed(void **state)
{
	struct fixture *f = *state;
	char *u, *t, *ul, *tl;

	HARNESS_REQUIRE_ROOT();
	u = spec("uprobe", "rcp_wl_targe?");
	t = spec("usdt", "rcpwl:*");
	ul = xasprintf("@[uprobe:%s:rcp_wl_target]: ", harness_paths.workload);
	tl = xasprintf("@[usdt:%s:rcpwl:tick]: ", harness_paths.workload);
	write_recipe(f, "mixed", (const char *const[]){ t, u, NULL },
		     "key: [probe]\naggregate:\n  type: count\n");
	HASSERT_EQ(&f->rec, run_ucall(f), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), ul), CALLS);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), tl), CALLS);
	free(u);
	free(t);
	free(ul);
	free(tl);
}

/* A library named as the dynamic linker would find it: libc's getppid. */
static void test_libc_uprobe(void **state)
{
	struct fixture *f = *state;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *cmd, *argv[8];

	HARNESS_REQUIRE_ROOT();
	assert_true(n > 0);
	self[n] = 0;
	write_recipe(f, "libc", (const char *const[]){ "uprobe:libc:getppid", NULL },
		     "key: [comm]\naggregate:\n  type: count\n");
	cmd = xasprintf("%s --libc-child %d", self, LIBC_CALLS);
	argv[0] = harness_paths.recipe;
	argv[1] = "run";
	argv[2] = f->path;
	argv[3] = "--comm";
	argv[4] = CHILD_COMM;
	argv[5] = "-c";
	argv[6] = cmd;
	argv[7] = NULL;
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT_EQ(&f->rec, report_scalar(strbuf_str(&f->rec.out), "@[" CHILD_COMM "]: "),
		   LIBC_CALLS);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), "Attached 1 probe"));
	free(cmd);
}

/* recipe probes: the workload's functions by glob, and a USDT probe's args. */
static void test_probes_listing(void **state)
{
	struct fixture *f = *state;
	char *list[] = { NULL, "probes", NULL, NULL };
	char *verbose[] = { NULL, "probes", "-v", NULL, NULL };
	char *glob, *usdt, *want;

	HARNESS_REQUIRE_ROOT();
	glob = spec("uprobe", "rcp_wl_*");
	usdt = spec("usdt", "rcpwl:*");
	list[0] = verbose[0] = harness_paths.recipe;
	list[2] = glob;
	verbose[3] = usdt;
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, list, HARNESS_RUN_TIMEOUT_MS), 0);
	want = xasprintf("uprobe:%s:rcp_wl_spin_loop\nuprobe:%s:rcp_wl_target\n",
			 harness_paths.workload, harness_paths.workload);
	HASSERT(&f->rec, !strcmp(strbuf_str(&f->rec.out), want));
	free(want);

	hproc_free(&f->rec);
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, verbose, HARNESS_RUN_TIMEOUT_MS), 0);
	want = xasprintf("usdt:%s:rcpwl:tick\n    long arg0\n    long arg1\n",
			 harness_paths.workload);
	HASSERT(&f->rec, !strcmp(strbuf_str(&f->rec.out), want));
	free(want);
	free(glob);
	free(usdt);
}

/* A missing binary and a misspelt symbol: exit 1, at the probe, with a hint. */
static void test_errors(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { NULL, "run", NULL, "-d", "1", NULL };
	char *bad, *want;

	HARNESS_REQUIRE_ROOT();
	argv[0] = harness_paths.recipe;
	bad = spec("uprobe", "rcp_wl_targte");
	argv[2] = (char *)write_recipe(f, "nobin",
				       (const char *const[]){ "uprobe:/nonexistent/rcp-wl:main", NULL },
				       "key: [comm]\naggregate:\n  type: count\n");
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 1);
	/* located, the line shown with a caret under the probe, then the hint */
	want = xasprintf("%s:8:5: error: uprobe: no file, library or program "
			 "'/nonexistent/rcp-wl'\n"
			 "     8 |   - uprobe:/nonexistent/rcp-wl:main\n"
			 "       |     ^\n"
			 "  hint: name a file by its path", f->path);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), want));
	HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.err), "Attached "));
	free(want);

	hproc_free(&f->rec);
	argv[2] = (char *)write_recipe(f, "nosym", (const char *const[]){ bad, NULL },
				       "key: [comm]\naggregate:\n  type: count\n");
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 1);
	want = xasprintf("%s:8:5: error: uprobe: no function in %s is named 'rcp_wl_targte'\n"
			 "     8 |   - %s\n"
			 "       |     ^\n"
			 "  hint: did you mean uprobe:%s:rcp_wl_target?\n",
			 f->path, harness_paths.workload, bad, harness_paths.workload);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), want));
	free(want);
	free(bad);

	hproc_free(&f->rec);
	bad = spec("usdt", "rcpwl:tock");
	argv[2] = (char *)write_recipe(f, "nousdt", (const char *const[]){ bad, NULL },
				       "key: [comm]\naggregate:\n  type: count\n");
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 1);
	want = xasprintf("%s:8:5: error: usdt: no USDT probe in %s matches 'rcpwl:tock'\n"
			 "     8 |   - %s\n"
			 "       |     ^\n"
			 "  hint: did you mean usdt:%s:rcpwl:tick?\n",
			 f->path, harness_paths.workload, bad, harness_paths.workload);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), want));
	free(want);
	free(bad);
}

/*
 * Run by test_libc_uprobe through `recipe run -c`: rename, then call
 * libc's getppid() exactly `count` times (glibc does not cache it).
 */
static int libc_child(const char *count)
{
	long n = strtol(count, NULL, 10);
	volatile long sink = 0;

	if (prctl(PR_SET_NAME, CHILD_COMM, 0, 0, 0))
		return 1;
	for (long i = 0; i < n; i++)
		sink += getppid();
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uprobe_counts_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uretprobe_sums_retval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uprobe_arg0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usdt_count_and_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_key_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usym, setup, teardown),
		cmocka_unit_test_setup_teardown(test_libc_uprobe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probes_listing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	if (argc == 3 && !strcmp(argv[1], "--libc-child"))
		return libc_child(argv[2]);
	return cmocka_run_group_tests_name("integration/uprobe", tests, NULL, NULL);
}
