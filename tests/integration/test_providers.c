/*
 * test_providers: the perf event probe types on the real kernel:
 * profile (timed sampling), software events, and hardware events, which
 * this VM cannot count (no PMU) and must say so plainly. (The profile
 * recipes' sample counts are their own examples: test_catalogue.)
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include <dirent.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

struct fixture {
	struct hproc rec;
};

static int setup(void **state)
{
	*state = xcalloc(1, sizeof(struct fixture));
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hproc_free(&f->rec);
	free(f);
	return 0;
}

static int run_cmd(struct hproc *p, const char *recipe, const char *comm,
		   const char *wl_args)
{
	char *cmd = xasprintf("%s %s", harness_paths.workload, wl_args);
	char *argv[] = { harness_paths.recipe, "run", (char *)recipe, "--comm",
			 (char *)comm, "-c", cmd, NULL };
	int rc = hproc_run(p, argv, HARNESS_RUN_TIMEOUT_MS);

	free(cmd);
	return rc;
}

/* software:page-faults:1 over a workload touching 5000 fresh pages: at least 5000. */
static void test_software_page_faults(void **state)
{
	struct fixture *f = *state;
	char prefix[64];
	long long n;

	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&f->rec, run_cmd(&f->rec, "memory/page-faults-by-comm", "rcp-wl-touch",
				    "touch 5000"), 0);
	/* keyed by comm and pid: the -c command's pid is in the key */
	snprintf(prefix, sizeof(prefix), "@[rcp-wl-touch, ");
	n = report_max_where(strbuf_str(&f->rec.out), "@", "rcp-wl-touch");
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.out), prefix));
	HASSERT_GE(&f->rec, n, 5000);
}

/*
 * --format folded of cpu/profile-stacks (49 Hz) around a workload that
 * spins for a second in rcp_wl_spin_loop, called by main: every line is
 * a stack rooted at the workload's comm and ending in a count, and the
 * samples in the loop are about 49 (bounded: the timer is not exact).
 */
static void test_folded_stacks(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("%s spin 1000", harness_paths.workload);
	char *argv[] = { harness_paths.recipe, "run", "cpu/profile-stacks", "--format", "folded",
			 "-c", cmd, NULL };
	long long in_loop = 0, lines = 0;

	HARNESS_REQUIRE_ROOT();
	argv[0] = harness_paths.recipe;
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	for (const char *l = strbuf_str(&f->rec.out); l && *l; l = report_next_line(l)) {
		const char *nl = strchr(l, '\n'), *sp;

		HASSERT(&f->rec, nl != NULL);
		sp = memrchr(l, ' ', (size_t)(nl - l));
		HASSERT(&f->rec, sp != NULL && report_number(sp) > 0);
		HASSERT(&f->rec, !strncmp(l, "rcp-wl-spin;", 12));
		if (memmem(l, (size_t)(nl - l), ";main;rcp_wl_spin_loop", 22))
			in_loop += report_number(sp);
		lines++;
	}
	HASSERT_GE(&f->rec, lines, 1);
	HASSERT_GE(&f->rec, in_loop, 30);
	HASSERT(&f->rec, in_loop <= 75);
	free(cmd);
}

static bool machine_has_pmu(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.disabled = 1,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Hardware events where the PMU is absent: the program loads (recipe
 * check passes), attaching fails with one located, plain message, and
 * nothing stays loaded.
 */
static void test_hardware_without_pmu(void **state)
{
	struct fixture *f = *state;
	char *recipe;
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	if (machine_has_pmu()) {
		print_message("hardware: this machine has a PMU, the no-PMU path cannot be tested\n");
		skip();
	}
	recipe = harness_test_recipe("hw-cycles");
	{
		char *check[] = { harness_paths.recipe, "check", recipe, NULL };

		HASSERT_EQ(&f->rec, hproc_run(&f->rec, check, HARNESS_RUN_TIMEOUT_MS), 0);
		HASSERT(&f->rec, strstr(strbuf_str(&f->rec.out), ": ok ("));
	}
	hproc_free(&f->rec);
	baseline = harness_bpf_max_prog_id();
	{
		char *run[] = { harness_paths.recipe, "run", recipe, "-d", "1", NULL };
		char *loc = xasprintf("%s:10:5: error: hardware:cpu-cycles:1000000: "
				      "this machine has no hardware PMU", recipe);

		HASSERT_EQ(&f->rec, hproc_run(&f->rec, run, HARNESS_RUN_TIMEOUT_MS), 1);
		HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), loc));
		HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), "\n  hint: "));
		HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.err), "Attached "));
		free(loc);
	}
	HASSERT_EQ(&f->rec, harness_rcp_progs_settled(baseline, NULL, 1000), 0);
	free(recipe);
}

/* Lines of out that start with prefix. */
static int count_lines(const char *out, const char *prefix)
{
	int n = 0;

	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += !strncmp(l, prefix, strlen(prefix));
	return n;
}

/*
 * recipe probes: the sys_enter_* tracepoints are exactly the tracefs
 * event directories of that name; -v shows a tracepoint's fields with
 * their types; a type this kernel cannot attach is named with why.
 */
static void test_probes_listing(void **state)
{
	struct fixture *f = *state;
	char *list[] = { harness_paths.recipe, "probes", "tracepoint:syscalls:sys_enter_*", NULL };
	char *verbose[] = { harness_paths.recipe, "probes", "-v", "t:block:block_rq_issue", NULL };
	char *hw[] = { harness_paths.recipe, "probes", "hardware:*", NULL };
	DIR *dir;
	struct dirent *e;
	int dirs = 0;

	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, list, HARNESS_RUN_TIMEOUT_MS), 0);
	dir = opendir("/sys/kernel/tracing/events/syscalls");
	assert_non_null(dir);
	while ((e = readdir(dir)))
		dirs += !strncmp(e->d_name, "sys_enter_", 10);
	closedir(dir);
	HASSERT_GE(&f->rec, dirs, 300);
	HASSERT_EQ(&f->rec, count_lines(strbuf_str(&f->rec.out), "tracepoint:syscalls:sys_enter_"), dirs);
	HASSERT_EQ(&f->rec, count_lines(strbuf_str(&f->rec.out), ""), dirs);

	hproc_free(&f->rec);
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, verbose, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&f->rec, !strcmp(strbuf_str(&f->rec.out),
				 "tracepoint:block:block_rq_issue\n"
				 "    dev_t dev\n"
				 "    sector_t sector\n"
				 "    unsigned int nr_sector\n"
				 "    unsigned int bytes\n"
				 "    unsigned short ioprio\n"
				 "    char[10] rwbs\n"
				 "    char[16] comm\n"
				 "    __data_loc char[] cmd\n"));

	hproc_free(&f->rec);
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, hw, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.out), "hardware:cpu-cycles\n"));
	if (!machine_has_pmu())
		HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err),
					"# hardware: this kernel cannot attach it: this machine has no hardware PMU"));
}

/*
 * A raw tracepoint after a tracepoint: each counts under its own name.
 * Under comm rcp-wl-sys, getppid 777 makes 777 getppid calls and one
 * exit_group: sys_enter_getppid sees 777, raw sys_enter 778.
 */
static void test_probe_names_without_cookie(void **state)
{
	struct fixture *f = *state;
	char *recipe;
	const char *out;

	HARNESS_REQUIRE_ROOT();
	recipe = harness_test_recipe("getppid-two-ways");
	HASSERT_EQ(&f->rec, run_cmd(&f->rec, recipe, "rcp-wl-sys", "getppid 777"), 0);
	out = strbuf_str(&f->rec.out);
	HASSERT_EQ(&f->rec, report_scalar(out, "@[tracepoint:syscalls:sys_enter_getppid]: "), 777);
	HASSERT_EQ(&f->rec, report_scalar(out, "@[rawtracepoint:sys_enter]: "), 778);
	free(recipe);

	/*
	 * A glob: sys_enter and sys_exit, a program each. The exits under
	 * the new comm: prctl's own (it renamed before returning) and 777
	 * getppid; exit_group never returns.
	 */
	hproc_free(&f->rec);
	recipe = harness_test_recipe("raw-sys-glob");
	HASSERT_EQ(&f->rec, run_cmd(&f->rec, recipe, "rcp-wl-sys", "getppid 777"), 0);
	HASSERT(&f->rec, !strcmp(strbuf_str(&f->rec.out),
				 "@[rawtracepoint:sys_enter]: 778\n@[rawtracepoint:sys_exit]: 778\n"));
	free(recipe);
}

/*
 * interval:ms:200 for 1 s fires on one CPU only: about 5 ticks, not 5
 * per CPU. Bounds, not an exact figure: the end of the duration races
 * the fifth tick.
 */
static void test_interval_one_cpu(void **state)
{
	struct fixture *f = *state;
	char *recipe;
	long long n;

	HARNESS_REQUIRE_ROOT();
	recipe = harness_test_recipe("interval-ticks");
	{
		char *argv[] = { harness_paths.recipe, "run", recipe, "-d", "1", NULL };

		HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	}
	n = report_scalar(strbuf_str(&f->rec.out), "@ticks: ");
	HASSERT_GE(&f->rec, n, 3);
	HASSERT_GE(&f->rec, 6, n);
	free(recipe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_software_page_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded_stacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardware_without_pmu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probes_listing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_names_without_cookie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interval_one_cpu, setup, teardown),
	};

	return cmocka_run_group_tests_name("integration/providers", tests, NULL, NULL);
}
