/*
 * Unit tests for engine/report/prom.c: the Prometheus text exposition
 * of reports, line for line (family names, counter/gauge/summary/
 * histogram types, cumulative buckets with inclusive le, escaping, the
 * per-recipe counters, the series cut), and the label names taken from
 * key expressions. tests/integration/test_serve.c runs `promtool check
 * metrics` over a real scrape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/prom.h"
#include "util/strbuf.h"

static struct report_entry *str_entry(struct report_map *m, const char *k, int64_t v)
{
	struct report_entry *e = report_map_add_entry(m);

	e->key[0].kind = RK_STR;
	e->key[0].s = xstrdup(k);
	e->val.value = v;
	return e;
}

static void buckets(struct report_entry *e, unsigned n)
{
	e->val.nbuckets = n;
	e->val.buckets = xcalloc(n, sizeof(uint64_t));
}

static char *render(const struct prom_source *src, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(report_print_prom(src, n, 0.25, fp), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* What follows the maps for one recipe with no losses. */
#define TRAILER(recipe, cut)								\
	"# HELP recipe_lost_events_total Events the kernel could not hand over (ring buffer full).\n" \
	"# TYPE recipe_lost_events_total counter\n"					\
	"recipe_lost_events_total{recipe=\"" recipe "\"} 0\n"				\
	"# HELP recipe_missed_events_total Program runs the kernel skipped while another BPF program ran on the CPU (recursion_misses).\n" \
	"# TYPE recipe_missed_events_total counter\n"					\
	"recipe_missed_events_total{recipe=\"" recipe "\"} 0\n"				\
	"# HELP recipe_dropped_keys_total Map updates refused because the map was full (max_entries).\n" \
	"# TYPE recipe_dropped_keys_total counter\n"					\
	"recipe_dropped_keys_total{recipe=\"" recipe "\"} 0\n"				\
	"# HELP recipe_evicted_starts_total Start events evicted before their end (start.max_entries).\n" \
	"# TYPE recipe_evicted_starts_total counter\n"					\
	"recipe_evicted_starts_total{recipe=\"" recipe "\"} 0\n"			\
	"# HELP recipe_keys_cut Entries left out of this scrape by --max-keys (the smallest values).\n" \
	"# TYPE recipe_keys_cut gauge\n"						\
	"recipe_keys_cut{recipe=\"" recipe "\"} " cut "\n"				\
	"# HELP recipe_scrape_read_seconds Time this scrape took to read every map.\n"	\
	"# TYPE recipe_scrape_read_seconds gauge\n"					\
	"recipe_scrape_read_seconds 0.250000\n"

static void test_counter_by_comm(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_SCALAR, 1);
	char *exprs[] = { "comm" };
	char **labels = prom_label_names(exprs, 1);
	struct prom_source src = {
		.recipe = "cpu/syscalls-by-comm", .help = "System calls counted by process name",
		.monotonic = true, .labels = labels, .report = r,
	};
	char *got;

	(void)state;
	str_entry(m, "bash", 12);
	str_entry(m, "rcp-wl-sys", 1001);
	report_sort(r);
	got = render(&src, 1);
	assert_string_equal(got,
		"# HELP recipe_cpu_syscalls_by_comm_total System calls counted by process name\n"
		"# TYPE recipe_cpu_syscalls_by_comm_total counter\n"
		"recipe_cpu_syscalls_by_comm_total{comm=\"bash\"} 12\n"
		"recipe_cpu_syscalls_by_comm_total{comm=\"rcp-wl-sys\"} 1001\n"
		TRAILER("cpu/syscalls-by-comm", "0"));
	free(got);
	prom_labels_free(labels, 1);
	report_free(r);
}

/* [4K, 8K) is le="8191": a read of exactly 4096 is <= 8191, not <= 4095. */
static void test_hist_cumulative(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@bytes", RS_HIST, 0);
	struct report_entry *e = report_map_add_entry(m);
	struct prom_source src = {
		.recipe = "fs/read-size-hist", .help = "read() sizes", .report = r,
	};
	char *got;

	(void)state;
	buckets(e, REPORT_LOG2_BUCKETS);
	e->val.buckets[8] = 50;		/* [64, 128) */
	e->val.buckets[14] = 100;	/* [4K, 8K) */
	e->val.sum = 50 * 100 + 100 * 4096;
	got = render(&src, 1);
	assert_string_equal(got,
		"# HELP recipe_fs_read_size_hist_bytes read() sizes\n"
		"# TYPE recipe_fs_read_size_hist_bytes histogram\n"
		"recipe_fs_read_size_hist_bytes_bucket{le=\"127\"} 50\n"
		"recipe_fs_read_size_hist_bytes_bucket{le=\"255\"} 50\n"
		"recipe_fs_read_size_hist_bytes_bucket{le=\"511\"} 50\n"
		"recipe_fs_read_size_hist_bytes_bucket{le=\"1023\"} 50\n"
		"recipe_fs_read_size_hist_bytes_bucket{le=\"2047\"} 50\n"
		"recipe_fs_read_size_hist_bytes_bucket{le=\"4095\"} 50\n"
		"recipe_fs_read_size_hist_bytes_bucket{le=\"8191\"} 150\n"
		"recipe_fs_read_size_hist_bytes_bucket{le=\"+Inf\"} 150\n"
		"recipe_fs_read_size_hist_bytes_sum 414600\n"
		"recipe_fs_read_size_hist_bytes_count 150\n"
		TRAILER("fs/read-size-hist", "0"));
	free(got);
	report_free(r);
}

/* Below-min is le=min-1; [max, ...) only counts in +Inf. */
static void test_lhist_bounds(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_LHIST, 1);
	struct report_entry *e = str_entry(m, "W", 0);
	char *exprs[] = { "args.rwbs" };
	char **labels = prom_label_names(exprs, 1);
	struct prom_source src = {
		.recipe = "t/lh", .help = "h", .labels = labels, .report = r,
	};
	char *got;

	(void)state;
	m->lmin = 0;
	m->lmax = 20;
	m->lstep = 10;
	buckets(e, 4);			/* (..., 0) [0, 10) [10, 20) [20, ...) */
	e->val.buckets[0] = 1;
	e->val.buckets[2] = 2;
	e->val.buckets[3] = 4;
	e->val.sum = -1 + 2 * 15 + 4 * 30;
	got = render(&src, 1);
	assert_string_equal(got,
		"# HELP recipe_t_lh h\n"
		"# TYPE recipe_t_lh histogram\n"
		"recipe_t_lh_bucket{rwbs=\"W\",le=\"-1\"} 1\n"
		"recipe_t_lh_bucket{rwbs=\"W\",le=\"9\"} 1\n"
		"recipe_t_lh_bucket{rwbs=\"W\",le=\"19\"} 3\n"
		"recipe_t_lh_bucket{rwbs=\"W\",le=\"+Inf\"} 7\n"
		"recipe_t_lh_sum{rwbs=\"W\"} 149\n"
		"recipe_t_lh_count{rwbs=\"W\"} 7\n"
		TRAILER("t/lh", "0"));
	free(got);
	prom_labels_free(labels, 1);
	report_free(r);
}

static void test_gauges_and_summary(void **state)
{
	struct report *r1 = report_new(), *r2 = report_new(), *r3 = report_new();
	struct report_map *mx = report_add_map(r1, "@max", RS_SCALAR, 0);
	struct report_map *av = report_add_map(r2, "@", RS_AVG, 0);
	struct report_map *st = report_add_map(r3, "@s", RS_STATS, 0);
	struct report_entry *e;
	struct prom_source src[] = {
		{ .recipe = "a/max", .help = "largest", .report = r1 },
		{ .recipe = "a/avg", .help = "average", .monotonic = true, .report = r2 },
		{ .recipe = "a/stats", .help = "stats", .monotonic = true, .report = r3 },
	};
	char *got;
	const char *want =
		"# HELP recipe_a_max largest\n"
		"# TYPE recipe_a_max gauge\n"
		"recipe_a_max -3\n"
		"# HELP recipe_a_avg average\n"
		"# TYPE recipe_a_avg gauge\n"
		"recipe_a_avg -7\n"
		"# HELP recipe_a_stats_s stats\n"
		"# TYPE recipe_a_stats_s summary\n"
		"recipe_a_stats_s_sum 30\n"
		"recipe_a_stats_s_count 2\n"
		"# HELP recipe_lost_events_total ";

	(void)state;
	report_map_add_entry(mx)->val.value = -3;
	e = report_map_add_entry(av);
	e->val.count = 2;
	e->val.sum = -15;
	e = report_map_add_entry(st);
	e->val.count = 2;
	e->val.sum = 30;
	got = render(src, 3);
	assert_memory_equal(got, want, strlen(want));
	assert_non_null(strstr(got, "recipe_lost_events_total{recipe=\"a/max\"} 0\n"
				    "recipe_lost_events_total{recipe=\"a/avg\"} 0\n"
				    "recipe_lost_events_total{recipe=\"a/stats\"} 0\n"));
	free(got);
	report_free(r1);
	report_free(r2);
	report_free(r3);
}

/* Label values escape \, " and newline (a kernel stack is several lines). */
static void test_escaping_and_counters(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_SCALAR, 2);
	struct report_entry *e = str_entry(m, "a\"b\\c\nd", 5);
	char *exprs[] = { "kstack", "pid" };
	char **labels = prom_label_names(exprs, 2);
	struct prom_source src = {
		.recipe = "x/y", .help = "two\nlines \\ here", .monotonic = true,
		.labels = labels, .report = r,
	};
	char *got;

	(void)state;
	e->key[1].kind = RK_INT;
	e->key[1].i = -4;
	r->lost = 3;
	r->missed_events = 4;
	r->dropped_keys = 5;
	got = render(&src, 1);
	assert_non_null(strstr(got, "# HELP recipe_x_y_total two\\nlines \\\\ here\n"));
	assert_non_null(strstr(got, "\nrecipe_x_y_total{kstack=\"a\\\"b\\\\c\\nd\",pid=\"-4\"} 5\n"));
	assert_non_null(strstr(got, "\nrecipe_lost_events_total{recipe=\"x/y\"} 3\n"));
	assert_non_null(strstr(got, "\nrecipe_missed_events_total{recipe=\"x/y\"} 4\n"));
	assert_non_null(strstr(got, "\nrecipe_dropped_keys_total{recipe=\"x/y\"} 5\n"));
	free(got);
	prom_labels_free(labels, 2);
	report_free(r);
}

/* With max_keys, the largest entries stay and the cut is a metric. */
static void test_keys_cut(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_SCALAR, 1);
	char *exprs[] = { "comm" };
	char **labels = prom_label_names(exprs, 1);
	struct prom_source src = {
		.recipe = "c/n", .help = "h", .monotonic = true, .labels = labels,
		.max_keys = 2, .report = r,
	};
	char *got;

	(void)state;
	str_entry(m, "small", 1);
	str_entry(m, "big", 100);
	str_entry(m, "mid", 50);
	report_sort(r);
	got = render(&src, 1);
	assert_string_equal(got,
		"# HELP recipe_c_n_total h\n"
		"# TYPE recipe_c_n_total counter\n"
		"recipe_c_n_total{comm=\"mid\"} 50\n"
		"recipe_c_n_total{comm=\"big\"} 100\n"
		TRAILER("c/n", "1"));
	free(got);
	prom_labels_free(labels, 1);
	report_free(r);
}

/* A map the recipe's name ends with is not named twice. */
static void test_family_names(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@bytes", RS_SCALAR, 0);
	struct prom_source src = {
		.recipe = "disk/rwbs-bytes", .help = "h", .monotonic = true, .report = r,
	};
	char *got;

	(void)state;
	report_map_add_entry(m)->val.value = 7;
	got = render(&src, 1);
	assert_non_null(strstr(got, "# TYPE recipe_disk_rwbs_bytes_total counter\n"
				    "recipe_disk_rwbs_bytes_total 7\n"));
	free(got);
	report_free(r);
}

static void test_label_names(void **state)
{
	char *exprs[] = {
		"comm", "syscall_name(args.id)", "majmin(args.dev)", "ntop(2, args.saddr)",
		"kstack(5)", "-args.ret", "42", "args.id", "le", "__x", "comm == \"a b\"",
	};
	const char *want[] = {
		"comm", "id", "dev", "saddr", "kstack", "ret", "k6", "id_7", "le_8",
		"x", "comm_10",
	};
	unsigned n = sizeof(exprs) / sizeof(exprs[0]);
	char **got = prom_label_names(exprs, n);

	(void)state;
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
	prom_labels_free(got, n);
}

static void test_sanitize(void **state)
{
	char *s = prom_sanitize("recipe_disk/rwbs--bytes.x@");

	(void)state;
	assert_string_equal(s, "recipe_disk_rwbs_bytes_x_");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_by_comm),
		cmocka_unit_test(test_hist_cumulative),
		cmocka_unit_test(test_lhist_bounds),
		cmocka_unit_test(test_gauges_and_summary),
		cmocka_unit_test(test_escaping_and_counters),
		cmocka_unit_test(test_keys_cut),
		cmocka_unit_test(test_family_names),
		cmocka_unit_test(test_label_names),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
