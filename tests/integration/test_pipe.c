/*
 * test_pipe: a reader that goes away ends the run (issue 11 item 10).
 * `recipe run ... | head -3` used to run forever at full CPU: SIGPIPE
 * was ignored and every failed write dropped. Now a closed stdout ends
 * the run as a filter's does: the programs detach, no report is written
 * to the dead pipe, and the process dies of SIGPIPE (a shell's 141).
 *
 * - A print recipe whose reader closes after three events.
 * - A map recipe with --interval whose reader closes before the first
 *   report: poll() sees the closed pipe, the run ends without waiting
 *   for its command or an interval.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include <signal.h>
#include <unistd.h>

/* The child's stdout read end closed: what `head` does after its lines. */
static void close_reader(struct hproc *p)
{
	close(p->out_fd);
	p->out_fd = -1;
}

static void test_print_reader_goes_away(void **state)
{
	struct harness_fixture *f = *state;
	char *argv[] = { harness_paths.recipe, "run", NULL, "-c", NULL, NULL };
	char *recipe, *cmd;
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	argv[0] = harness_paths.recipe;
	argv[2] = recipe = harness_test_recipe("getppid-print");
	argv[4] = cmd = xasprintf("%s getppid 100000000", harness_paths.workload);
	baseline = harness_bpf_max_prog_id();
	HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, argv, 0), 0);
	HASSERT_EQ(&f->rec, hproc_wait_lines(&f->rec, 1, 3, HARNESS_ATTACH_TIMEOUT_MS), 0);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.out), "rcp-wl-sys ") != NULL);
	close_reader(&f->rec);
	/* a hundred million getppid calls would take minutes: the pipe ends it */
	HASSERT_EQ(&f->rec, hproc_wait(&f->rec, 30000), 128 + SIGPIPE);
	HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.err), "error"));
	harness_assert_no_rcp_progs(baseline, "a run whose reader went away");
	free(cmd);
	free(recipe);
}

static void test_report_reader_goes_away(void **state)
{
	struct harness_fixture *f = *state;
	char *argv[] = { NULL, "run", "cpu/syscalls-by-comm", "--interval", "3600",
			 "-c", NULL, NULL };
	char *cmd;
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	argv[0] = harness_paths.recipe;
	argv[6] = cmd = xasprintf("%s sleep 1 600000", harness_paths.workload);
	baseline = harness_bpf_max_prog_id();
	HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, argv, 0), 0);
	HASSERT_EQ(&f->rec, hproc_wait_for(&f->rec, 2, "Attached ", HARNESS_ATTACH_TIMEOUT_MS), 0);
	close_reader(&f->rec);
	/* neither the ten-minute command nor the hour's interval: the pipe */
	HASSERT_EQ(&f->rec, hproc_wait(&f->rec, 30000), 128 + SIGPIPE);
	harness_assert_no_rcp_progs(baseline, "a run whose reader went away");
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_print_reader_goes_away, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_report_reader_goes_away, harness_setup, harness_teardown),
	};

	return cmocka_run_group_tests_name("integration/pipe", tests, NULL, NULL);
}
