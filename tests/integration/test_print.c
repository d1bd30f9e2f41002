/*
 * test_print: print recipes on the real kernel: one line per event,
 * formatted in user space from the values the kernel sent through the
 * ring buffer, exactly as many as the workload made.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include <json-c/json.h>

#define OPENS 250

/* Run `recipe run RECIPE --pid P [extra]` around `rcp-wl open OPENS /etc/hostname`. */
static void run_opens(struct harness_fixture *f, const char *recipe, const char *extra)
{
	char *wl_argv[] = { harness_paths.workload, "--wait-stdin", "open", "250",
			    "/etc/hostname", NULL };
	char pid[32];
	char *rec_argv[] = { harness_paths.recipe, "run", (char *)recipe, "--pid", pid,
			     (char *)extra, extra ? "json" : NULL, NULL };

	HASSERT_EQ(&f->wl, hproc_spawn(&f->wl, wl_argv, 1), 0);
	snprintf(pid, sizeof(pid), "%d", (int)f->wl.pid);
	HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, rec_argv, 0), 0);
	HASSERT_EQ(&f->rec, hproc_wait_for(&f->rec, 2, "Attached ", HARNESS_ATTACH_TIMEOUT_MS), 0);
	HASSERT_EQ(&f->wl, hproc_write_stdin(&f->wl, "x"), 0);
	HASSERT_EQ(&f->wl, hproc_wait(&f->wl, 30000), 0);
	HASSERT_EQ(&f->rec, hproc_signal(&f->rec, SIGINT), 0);
	HASSERT_EQ(&f->rec, hproc_wait(&f->rec, 30000), 0);
}

/* Exactly OPENS lines, each "PID rcp-wl-open /etc/hostname", and nothing else. */
static void test_opens_lines(void **state)
{
	struct harness_fixture *f = *state;
	char *recipe, *line, *want;
	struct strbuf expect = STRBUF_INIT;

	HARNESS_REQUIRE_ROOT();
	recipe = harness_test_recipe("opens-pid");
	run_opens(f, recipe, NULL);
	line = xasprintf("%-7d %-16s %s\n", (int)f->wl.pid, "rcp-wl-open", "/etc/hostname");
	for (int i = 0; i < OPENS; i++)
		strbuf_addstr(&expect, line);
	want = strbuf_detach(&expect);
	HASSERT(&f->rec, !strcmp(strbuf_str(&f->rec.out), want));
	free(want);
	free(line);
	free(recipe);
}

/* --format json: one {"args": [pid, comm, path]} object per event. */
static void test_opens_json(void **state)
{
	struct harness_fixture *f = *state;
	char *recipe;
	const char *l;
	int n = 0;

	HARNESS_REQUIRE_ROOT();
	recipe = harness_test_recipe("opens-pid");
	run_opens(f, recipe, "--format");
	for (l = strbuf_str(&f->rec.out); *l; l = strchr(l, '\n') + 1) {
		struct json_object *o = json_tokener_parse(l), *args;

		HASSERT(&f->rec, o);
		if (json_object_object_get_ex(o, "args", &args)) {
			HASSERT_EQ(&f->rec, json_object_array_length(args), 3);
			HASSERT_EQ(&f->rec, json_object_get_int64(json_object_array_get_idx(args, 0)),
				   f->wl.pid);
			HASSERT(&f->rec, !strcmp(json_object_get_string(json_object_array_get_idx(args, 1)),
						 "rcp-wl-open"));
			HASSERT(&f->rec, !strcmp(json_object_get_string(json_object_array_get_idx(args, 2)),
						 "/etc/hostname"));
			n++;
		}
		json_object_put(o);
		if (!strchr(l, '\n'))
			break;
	}
	HASSERT_EQ(&f->rec, n, OPENS);
	free(recipe);
}

/*
 * cpu/execsnoop while the workload execs "/bin/true a b c" 20 times:
 * exactly 20 lines, each with the time, a pid, the comm and the joined
 * arguments.
 */
static void test_execsnoop_join(void **state)
{
	struct harness_fixture *f = *state;
	char *rec_argv[] = { harness_paths.recipe, "run", "cpu/execsnoop", "--comm", "rcp-wl-exec",
			     "--duration", "600", NULL };
	char *wl_argv[] = { harness_paths.workload, "exec", "20", NULL };
	const char *l;
	int n = 0;

	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, rec_argv, 0), 0);
	HASSERT_EQ(&f->rec, hproc_wait_for(&f->rec, 2, "Attached ", HARNESS_ATTACH_TIMEOUT_MS), 0);
	HASSERT_EQ(&f->wl, hproc_run(&f->wl, wl_argv, 30000), 0);
	HASSERT_EQ(&f->rec, hproc_signal(&f->rec, SIGINT), 0);
	HASSERT_EQ(&f->rec, hproc_wait(&f->rec, 30000), 0);
	for (l = strbuf_str(&f->rec.out); *l; n++) {
		const char *nl = strchr(l, '\n');
		unsigned hh, mm, ss, pid;
		char rest[128];

		HASSERT(&f->rec, nl);
		HASSERT_EQ(&f->rec, sscanf(l, "%2u:%2u:%2u %u %127[^\n]", &hh, &mm, &ss, &pid, rest), 5);
		HASSERT(&f->rec, !strcmp(rest, "rcp-wl-exec      /bin/true a b c"));
		l = nl + 1;
	}
	HASSERT_EQ(&f->rec, n, 20);
}

/*
 * A burst of 100000 opens through a 4 KiB ring buffer: every event is
 * either printed or counted in the closing "Lost N events" line. That
 * some are lost is made certain, not left to the scheduler: nobody
 * reads the recipe's output while the workload runs, so it blocks on
 * its full stdout pipe (64 KiB, some 11000 lines) and the ring buffer
 * overflows behind it.
 */
static void test_lost_events_counted(void **state)
{
	struct harness_fixture *f = *state;
	char *wl_argv[] = { harness_paths.workload, "--wait-stdin", "open", "100000",
			    "/etc/hostname", NULL };
	char pid[32];
	char *rec_argv[] = { harness_paths.recipe, "run", NULL, "--pid", pid, NULL };
	const char *l, *lost_line;
	long long printed = 0, lost;

	HARNESS_REQUIRE_ROOT();
	rec_argv[2] = harness_test_recipe("opens-small-buffer");
	HASSERT_EQ(&f->wl, hproc_spawn(&f->wl, wl_argv, 1), 0);
	snprintf(pid, sizeof(pid), "%d", (int)f->wl.pid);
	HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, rec_argv, 0), 0);
	HASSERT_EQ(&f->rec, hproc_wait_for(&f->rec, 2, "Attached ", HARNESS_ATTACH_TIMEOUT_MS), 0);
	HASSERT_EQ(&f->wl, hproc_write_stdin(&f->wl, "x"), 0);
	/* pumps the workload's pipes only: the recipe's stdout fills */
	HASSERT_EQ(&f->wl, hproc_wait(&f->wl, 60000), 0);
	HASSERT_EQ(&f->rec, hproc_signal(&f->rec, SIGINT), 0);
	HASSERT_EQ(&f->rec, hproc_wait(&f->rec, 60000), 0);
	for (l = strbuf_str(&f->rec.out); *l >= '0' && *l <= '9'; l = strchr(l, '\n') + 1)
		printed++;
	lost_line = strstr(strbuf_str(&f->rec.out), "Lost ");
	HASSERT(&f->rec, lost_line && lost_line == l);
	lost = atoll(lost_line + 5);
	HASSERT_GE(&f->rec, lost, 1);
	HASSERT_EQ(&f->rec, printed + lost, 100000);
	free(rec_argv[2]);
}

/*
 * A print recipe on write(2) for 1 s: its own lines are writes, which
 * must not come back as events (that loop would never end); so it ends
 * on time and no line is its own.
 */
static void test_no_feedback(void **state)
{
	struct harness_fixture *f = *state;
	char *recipe;
	char *self;

	HARNESS_REQUIRE_ROOT();
	recipe = harness_test_recipe("writes-print");
	{
		char *argv[] = { harness_paths.recipe, "run", recipe, "-d", "1", NULL };

		HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, argv, 0), 0);
		HASSERT_EQ(&f->rec, hproc_wait(&f->rec, 60000), 0);
	}
	self = xasprintf("recipe %d\n", (int)f->rec.pid);
	HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.out), self));
	free(self);
	free(recipe);
}

/*
 * print.columns: a header, then OPENS lines "TIME PID TID COMM PROBE
 * path", the pid and tid the workload's own (it is single-threaded).
 */
static void test_trace_columns(void **state)
{
	struct harness_fixture *f = *state;
	char *recipe, *want;
	const char *out, *l;
	int n = 0;

	HARNESS_REQUIRE_ROOT();
	recipe = harness_test_recipe("opens-columns");
	run_opens(f, recipe, NULL);
	out = strbuf_str(&f->rec.out);
	HASSERT(&f->rec, !strncmp(out, "TIME     PID     TID     COMM             PROBE\n", 48));
	want = xasprintf("%-7d %-7d %-16s %-24s %s", (int)f->wl.pid, (int)f->wl.pid, "rcp-wl-open",
			 "tracepoint:syscalls:sys_enter_openat", "/etc/hostname");
	for (l = strchr(out, '\n') + 1; *l; n++) {
		const char *nl = strchr(l, '\n');
		unsigned hh, mm, ss;

		HASSERT(&f->rec, nl);
		HASSERT_EQ(&f->rec, sscanf(l, "%2u:%2u:%2u ", &hh, &mm, &ss), 3);
		HASSERT(&f->rec, !strncmp(l + 9, want, strlen(want)) && l + 9 + strlen(want) == nl);
		l = nl + 1;
	}
	HASSERT_EQ(&f->rec, n, OPENS);
	free(want);
	free(recipe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_opens_lines, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_opens_json, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_execsnoop_join, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_lost_events_counted, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_no_feedback, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_trace_columns, harness_setup, harness_teardown),
	};

	return cmocka_run_group_tests_name("integration/print", tests, NULL, NULL);
}
