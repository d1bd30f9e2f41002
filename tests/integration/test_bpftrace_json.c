/*
 * test_bpftrace_json: `--format bpftrace-json` is what bpftrace 0.17's
 * `-f json` writes, compared field by field with bpftrace itself on the
 * same workload: each one-liner and its recipe run attached around one
 * run of the workload, and the lines of each type must hold the same
 * data (a hist's buckets, a keyed count), as json-c reads them.
 *
 * Skips, saying so, without root or without /usr/bin/bpftrace.
 */
#include "harness.h"

#include <json-c/json.h>
#include <sys/stat.h>

#define BPFTRACE "/usr/bin/bpftrace"

/* The line of out whose "type" is type, parsed; NULL if none. */
static json_object *line_of_type(const char *out, const char *type)
{
	for (const char *l = out; l && *l; l = report_next_line(l)) {
		const char *nl = strchr(l, '\n');
		char *text = nl ? xstrndup(l, (size_t)(nl - l)) : xstrdup(l);
		json_object *doc = json_tokener_parse(text), *t;

		free(text);
		if (doc && json_object_object_get_ex(doc, "type", &t) &&
		    !strcmp(json_object_get_string(t), type))
			return doc;
		json_object_put(doc);
	}
	return NULL;
}

/* Attach argv, wait for ready on stream which, run the workload, SIGINT, wait. */
static void around(struct hproc *p, char **argv, int which, const char *ready, char **workload)
{
	struct hproc w = { 0 };

	HASSERT_EQ(p, hproc_spawn(p, argv, 0), 0);
	HASSERT_EQ(p, hproc_wait_for(p, which, ready, HARNESS_ATTACH_TIMEOUT_MS), 0);
	HASSERT_EQ(&w, hproc_run(&w, workload, 60000), 0);
	hproc_free(&w);
	HASSERT_EQ(p, hproc_signal(p, SIGINT), 0);
	HASSERT_EQ(p, hproc_wait(p, 30000), 0);
}

/*
 * The one-liner (filtered to the workload's comm) against the recipe
 * with --comm: the lines of `type` carry equal data.
 */
static void compare(const char *oneliner, const char *recipe, const char *comm,
		    char **workload, const char *type)
{
	/*
	 * bpftrace prints attached_probes before it attaches; BEGIN fires
	 * after, so its printf is the sign it counts.
	 */
	char *program = xasprintf("BEGIN { printf(\"rcp-ready\\n\"); } %s", oneliner);
	char *bt_argv[] = { BPFTRACE, "-f", "json", "-e", program, NULL };
	char *rc_argv[] = { harness_paths.recipe, "run", (char *)recipe, "--comm", (char *)comm,
			    "--format", "bpftrace-json", "--duration", "600", NULL };
	struct hproc bt = { 0 }, rc = { 0 };
	json_object *a, *b, *da, *db;

	around(&bt, bt_argv, 1, "rcp-ready", workload);
	around(&rc, rc_argv, 1, "\"attached_probes\"", workload);
	a = line_of_type(strbuf_str(&bt.out), type);
	b = line_of_type(strbuf_str(&rc.out), type);
	HASSERT(&bt, a != NULL);
	HASSERT(&rc, b != NULL);
	HASSERT(&rc, json_object_object_get_ex(a, "data", &da) &&
		     json_object_object_get_ex(b, "data", &db));
	if (!json_object_equal(da, db))
		fail_msg("bpftrace: %s\nrecipe:   %s", json_object_to_json_string(da),
			 json_object_to_json_string(db));
	/* recipe announces its probes first, as bpftrace does */
	HASSERT(&rc, !strncmp(strbuf_str(&rc.out), "{\"type\":\"attached_probes\",\"data\":{\"probes\":1}}\n",
			      strlen("{\"type\":\"attached_probes\",\"data\":{\"probes\":1}}\n")));
	json_object_put(a);
	json_object_put(b);
	hproc_free(&bt);
	hproc_free(&rc);
	free(program);
}

static bool have_bpftrace(void)
{
	struct stat st;

	return !stat(BPFTRACE, &st);
}

#define REQUIRE_BPFTRACE()							\
	do {									\
		if (!have_bpftrace()) {						\
			print_message("skipped: bpftrace: not installed (Debian package bpftrace)\n"); \
			skip();							\
		}								\
	} while (0)

static void test_hist_as_bpftrace(void **state)
{
	char *wl[] = { NULL, "read", "300", "4096", NULL };

	(void)state;
	HARNESS_REQUIRE_ROOT();
	REQUIRE_BPFTRACE();
	wl[0] = harness_paths.workload;
	compare("tracepoint:syscalls:sys_enter_read /comm == \"rcp-wl-read\"/ { @ = hist(args->count); }",
		"fs/read-size-hist", "rcp-wl-read", wl, "hist");
}

static void test_keyed_count_as_bpftrace(void **state)
{
	char *wl[] = { NULL, "getppid", "500", NULL };

	(void)state;
	HARNESS_REQUIRE_ROOT();
	REQUIRE_BPFTRACE();
	wl[0] = harness_paths.workload;
	compare("tracepoint:raw_syscalls:sys_enter /comm == \"rcp-wl-sys\"/ { @[comm] = count(); }",
		"cpu/syscalls-by-comm", "rcp-wl-sys", wl, "map");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_as_bpftrace),
		cmocka_unit_test(test_keyed_count_as_bpftrace),
	};

	return cmocka_run_group_tests_name("integration/bpftrace_json", tests, NULL, NULL);
}
