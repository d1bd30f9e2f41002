/*
 * Unit tests for engine/report: the model builders, report_sort, bucket
 * labels and both renderers. Every expected text below is the verbatim
 * stdout of /usr/bin/bpftrace 0.17 (minus its "Attaching" line and the
 * two newlines it prints before the exit-time dump) for a program that
 * records the same data; the program is quoted above each case. The
 * reports are built in a deliberately unsorted order so the cases also
 * prove report_sort reproduces bpftrace's ordering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/format.h"
#include "report/report.h"
#include "util/strbuf.h"

/* ---- building helpers ---- */

static struct report_entry *entry(struct report_map *m, const char *fmt, ...)
{
	struct report_entry *e = report_map_add_entry(m);
	va_list ap;

	/* fmt has one letter per key part: i (int64), u (uint64), s (string). */
	va_start(ap, fmt);
	for (unsigned k = 0; fmt[k]; k++) {
		switch (fmt[k]) {
		case 'i':
			e->key[k].kind = RK_INT;
			e->key[k].i = va_arg(ap, int64_t);
			break;
		case 'u':
			e->key[k].kind = RK_UINT;
			e->key[k].u = va_arg(ap, uint64_t);
			break;
		default:
			e->key[k].kind = RK_STR;
			e->key[k].s = xstrdup(va_arg(ap, const char *));
			break;
		}
	}
	va_end(ap);
	return e;
}

static void scalar(struct report_entry *e, int64_t v)
{
	e->val.value = v;
}

/* Record n samples of v as avg()/stats() would. */
static void sample(struct report_entry *e, int64_t v, unsigned n)
{
	e->val.count += n;
	e->val.sum += v * n;
}

static unsigned log2_index(int64_t v)
{
	unsigned i = 2;

	if (v < 0)
		return 0;
	if (v == 0)
		return 1;
	while (v > 1) {
		v >>= 1;
		i++;
	}
	return i;
}

/* Record n samples of v in a hist/lhist entry, as the BPF side would. */
static void record(const struct report_map *m, struct report_entry *e,
		   int64_t v, uint64_t n)
{
	unsigned i;

	if (!e->val.buckets) {
		e->val.nbuckets = m->shape == RS_HIST ? REPORT_LOG2_BUCKETS :
			(unsigned)((m->lmax - m->lmin) / m->lstep) + 2;
		e->val.buckets = xcalloc(e->val.nbuckets, sizeof(uint64_t));
	}
	if (m->shape == RS_HIST)
		i = log2_index(v);
	else if (v < m->lmin)
		i = 0;
	else if (v >= m->lmax)
		i = e->val.nbuckets - 1;
	else
		i = 1 + (unsigned)((v - m->lmin) / m->lstep);
	e->val.buckets[i] += n;
}

static struct report_map *lhist_map(struct report *r, const char *name,
				    unsigned nkeys, int64_t min, int64_t max,
				    int64_t step)
{
	struct report_map *m = report_add_map(r, name, RS_LHIST, nkeys);

	m->lmin = min;
	m->lmax = max;
	m->lstep = step;
	return m;
}

static char *render(struct report *r, int (*print)(const struct report *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	report_sort(r);
	assert_int_equal(print(r, fp), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void expect_text(struct report *r, const char *want)
{
	char *got = render(r, report_print_text);

	assert_string_equal(got, want);
	free(got);
	report_free(r);
}

/* ---- text: bpftrace 0.17 oracle ---- */

/*
 * BEGIN { $i = 0; while ($i < 1000) { @bytes["W"] = hist(4096); $i++; }
 *         exit(); }
 */
static void test_text_hist_1000(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@bytes", RS_HIST, 1);

	(void)state;
	record(m, entry(m, "s", "W"), 4096, 1000);
	expect_text(r,
		"@bytes[W]: \n"
		"[4K, 8K)            1000 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
}

/*
 * 13x hist(4), 7x hist(16), 3x hist(64), 11x hist(256), 5x hist(1024):
 * zero buckets between the first and last non-zero one are printed, and
 * the bars are truncated single-precision ratios (7/13*52 -> 28).
 */
static void test_text_hist_gap(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@r", RS_HIST, 0);
	struct report_entry *e = entry(m, "");

	(void)state;
	record(m, e, 4, 13);
	record(m, e, 16, 7);
	record(m, e, 64, 3);
	record(m, e, 256, 11);
	record(m, e, 1024, 5);
	expect_text(r,
		"@r: \n"
		"[4, 8)                13 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               7 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@                        |\n"
		"[32, 64)               0 |                                                    |\n"
		"[64, 128)              3 |@@@@@@@@@@@@                                        |\n"
		"[128, 256)             0 |                                                    |\n"
		"[256, 512)            11 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@        |\n"
		"[512, 1K)              0 |                                                    |\n"
		"[1K, 2K)               5 |@@@@@@@@@@@@@@@@@@@@                                |\n"
		"\n");
}

/*
 * 15/26 of the bar is exactly 30 columns in single precision but 29.99
 * in double; bpftrace computes in float:
 * BEGIN { $i = 0; while ($i < 26) { @f = hist(8);
 *         if ($i < 15) { @f = hist(2); } $i++; } exit(); }
 */
static void test_text_hist_bar_float(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@f", RS_HIST, 0);
	struct report_entry *e = entry(m, "");

	(void)state;
	record(m, e, 8, 26);
	record(m, e, 2, 15);
	expect_text(r,
		"@f: \n"
		"[2, 4)                15 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                      |\n"
		"[4, 8)                 0 |                                                    |\n"
		"[8, 16)               26 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
}

/* BEGIN { @ = hist(4096); @ = hist(0); @ = hist(-1); exit(); } */
static void test_text_hist_negative_zero(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_HIST, 0);
	struct report_entry *e = entry(m, "");

	(void)state;
	record(m, e, 4096, 1);
	record(m, e, 0, 1);
	record(m, e, -1, 1);
	expect_text(r,
		"@: \n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[1]                    0 |                                                    |\n"
		"[2, 4)                 0 |                                                    |\n"
		"[4, 8)                 0 |                                                    |\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               0 |                                                    |\n"
		"[32, 64)               0 |                                                    |\n"
		"[64, 128)              0 |                                                    |\n"
		"[128, 256)             0 |                                                    |\n"
		"[256, 512)             0 |                                                    |\n"
		"[512, 1K)              0 |                                                    |\n"
		"[1K, 2K)               0 |                                                    |\n"
		"[2K, 4K)               0 |                                                    |\n"
		"[4K, 8K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
}

/*
 * BEGIN { @l = lhist(-5, 0, 100, 10); @l = lhist(150, 0, 100, 10);
 *   @l = lhist(100, 0, 100, 10); @l = lhist(99, 0, 100, 10);
 *   @l = lhist(0, 0, 100, 10); @l = lhist(50, 0, 100, 10);
 *   @m = lhist(2048, 1024, 4096, 512); @m = lhist(5000, 1024, 4096, 512);
 *   exit(); }
 */
static void test_text_lhist(void **state)
{
	struct report *r = report_new();
	struct report_map *m = lhist_map(r, "@l", 0, 0, 100, 10);
	struct report_entry *e = entry(m, "");

	(void)state;
	record(m, e, -5, 1);
	record(m, e, 150, 1);
	record(m, e, 100, 1);
	record(m, e, 99, 1);
	record(m, e, 0, 1);
	record(m, e, 50, 1);
	assert_int_equal(e->val.nbuckets, 12);
	m = lhist_map(r, "@m", 0, 1024, 4096, 512);
	e = entry(m, "");
	record(m, e, 2048, 1);
	record(m, e, 5000, 1);
	expect_text(r,
		"@l: \n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[0, 10)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[10, 20)               0 |                                                    |\n"
		"[20, 30)               0 |                                                    |\n"
		"[30, 40)               0 |                                                    |\n"
		"[40, 50)               0 |                                                    |\n"
		"[50, 60)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[60, 70)               0 |                                                    |\n"
		"[70, 80)               0 |                                                    |\n"
		"[80, 90)               0 |                                                    |\n"
		"[90, 100)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[100, ...)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@m: \n"
		"[2K, 2560)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2560, 3K)             0 |                                                    |\n"
		"[3K, 3584)             0 |                                                    |\n"
		"[3584, 4K)             0 |                                                    |\n"
		"[4K, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
}

/*
 * Labels wider than 16 columns are not padded:
 * BEGIN { @w = lhist(1000007, 1000000, 1000020, 5);
 *         101x @w = lhist(1000012, 1000000, 1000020, 5); exit(); }
 */
static void test_text_lhist_wide_label(void **state)
{
	struct report *r = report_new();
	struct report_map *m = lhist_map(r, "@w", 0, 1000000, 1000020, 5);
	struct report_entry *e = entry(m, "");

	(void)state;
	record(m, e, 1000007, 1);
	record(m, e, 1000012, 101);
	expect_text(r,
		"@w: \n"
		"[1000005, 1000010)       1 |                                                    |\n"
		"[1000010, 1000015)     101 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
}

/*
 * Keyed hists are sorted by total count, separated by blank lines:
 * BEGIN { 3x @h["a"] = hist(1); @h["b"] = hist(2); 2x @h["c"] = hist(3);
 *         @h["c"] = hist(100); exit(); }
 */
static void test_text_keyed_hist_sorted(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@h", RS_HIST, 1);
	struct report_entry *e;

	(void)state;
	record(m, entry(m, "s", "a"), 1, 3);
	e = entry(m, "s", "c");
	record(m, e, 3, 2);
	record(m, e, 100, 1);
	record(m, entry(m, "s", "b"), 2, 1);
	expect_text(r,
		"@h[b]: \n"
		"[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[a]: \n"
		"[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[c]: \n"
		"[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[4, 8)                 0 |                                                    |\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               0 |                                                    |\n"
		"[32, 64)               0 |                                                    |\n"
		"[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"\n");
}

/*
 * avg and stats, sorted by average, each map followed by a blank line:
 * BEGIN { @a[1] = avg(10); @a[1] = avg(20); @a[2] = avg(100);
 *   @a[3] = avg(-7); @a[3] = avg(-8); 4x @a[4] = avg(1); @a[4] = avg(200);
 *   @s[1] = stats(10); @s[1] = stats(20); @s[2] = stats(100);
 *   @s[3] = stats(-7); @s[3] = stats(-8); @t = stats(5); exit(); }
 */
static void test_text_avg_stats(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@a", RS_AVG, 1);
	struct report_entry *e;

	(void)state;
	e = entry(m, "i", (int64_t)1);
	sample(e, 10, 1);
	sample(e, 20, 1);
	sample(entry(m, "i", (int64_t)2), 100, 1);
	e = entry(m, "i", (int64_t)3);
	sample(e, -7, 1);
	sample(e, -8, 1);
	e = entry(m, "i", (int64_t)4);
	sample(e, 1, 4);
	sample(e, 200, 1);

	m = report_add_map(r, "@s", RS_STATS, 1);
	e = entry(m, "i", (int64_t)1);
	sample(e, 10, 1);
	sample(e, 20, 1);
	sample(entry(m, "i", (int64_t)2), 100, 1);
	e = entry(m, "i", (int64_t)3);
	sample(e, -7, 1);
	sample(e, -8, 1);

	m = report_add_map(r, "@t", RS_STATS, 0);
	sample(entry(m, ""), 5, 1);
	expect_text(r,
		"@a[3]: -7\n"
		"@a[1]: 15\n"
		"@a[4]: 40\n"
		"@a[2]: 100\n"
		"\n"
		"@s[3]: count 2, average -7, total -15\n"
		"@s[1]: count 2, average 15, total 30\n"
		"@s[2]: count 1, average 100, total 100\n"
		"\n"
		"@t: count 1, average 5, total 5\n"
		"\n");
}

/*
 * count/sum/min/max maps: sorted by value, no blank line after them.
 * BEGIN { 2x @c["b", 2] = count(); @c["a", 10] = count();
 *   3x @c["z", -3] = count(); @m = min(-4); @s[-1] = sum(-10);
 *   @s[5] = sum(3); @s[7] = sum(0); @x = max(9); exit(); }
 */
static void test_text_scalars(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@c", RS_SCALAR, 2);

	(void)state;
	scalar(entry(m, "si", "z", (int64_t)-3), 3);
	scalar(entry(m, "si", "b", (int64_t)2), 2);
	scalar(entry(m, "si", "a", (int64_t)10), 1);
	m = report_add_map(r, "@m", RS_SCALAR, 0);
	scalar(entry(m, ""), -4);
	m = report_add_map(r, "@s", RS_SCALAR, 1);
	scalar(entry(m, "i", (int64_t)5), 3);
	scalar(entry(m, "i", (int64_t)-1), -10);
	scalar(entry(m, "i", (int64_t)7), 0);
	m = report_add_map(r, "@x", RS_SCALAR, 0);
	scalar(entry(m, ""), 9);
	expect_text(r,
		"@c[a, 10]: 1\n"
		"@c[b, 2]: 2\n"
		"@c[z, -3]: 3\n"
		"@m: -4\n"
		"@s[-1]: -10\n"
		"@s[7]: 0\n"
		"@s[5]: 3\n"
		"@x: 9\n");
}

/*
 * A map without entries still ends its block (bpftrace prints one empty
 * line for an emptied count or hist map):
 * BEGIN { @e[1] = count(); delete(@e[1]); @n[1] = hist(1); delete(@n[1]);
 *         @z = count(); exit(); }
 */
static void test_text_empty_maps(void **state)
{
	struct report *r = report_new();
	struct report_map *m;

	(void)state;
	report_add_map(r, "@e", RS_SCALAR, 1);
	report_add_map(r, "@n", RS_HIST, 1);
	m = report_add_map(r, "@z", RS_SCALAR, 0);
	scalar(entry(m, ""), 1);
	expect_text(r, "\n\n@z: 1\n");
}

static void test_text_lost_dropped(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_SCALAR, 0);

	(void)state;
	scalar(entry(m, ""), 5);
	r->lost = 3;
	r->dropped_keys = 2;
	r->evicted_starts = 6;
	r->pending_starts = 1;	/* normal: not in the text */
	r->missed_events = 4;
	expect_text(r,
		"@: 5\n"
		"Lost 3 events\n"
		"WARNING: 2 map updates dropped: map full\n"
		"WARNING: 6 start events evicted before their end: the start map was full (start.max_entries)\n"
		"WARNING: 4 events missed: the kernel skips a program while another BPF program runs on its CPU\n");

	r = report_new();
	r->lost = 7;
	expect_text(r, "Lost 7 events\n");
}

static void test_text_uint_and_string_keys(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@k", RS_SCALAR, 2);

	(void)state;
	scalar(entry(m, "us", UINT64_MAX, "a b, c"), 1);
	expect_text(r, "@k[18446744073709551615, a b, c]: 1\n");
}

/* ---- sorting ---- */

static void test_sort_ties_by_key(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_SCALAR, 2);

	(void)state;
	scalar(entry(m, "is", (int64_t)10, "x"), 1);
	scalar(entry(m, "is", (int64_t)9, "y"), 1);
	scalar(entry(m, "is", (int64_t)9, "x"), 1);
	scalar(entry(m, "is", (int64_t)-2, "z"), 1);
	scalar(entry(m, "is", (int64_t)100, "a"), 0);
	report_sort(r);
	m = &r->maps[0];
	assert_int_equal(m->n, 5);
	assert_int_equal(m->entries[0].key[0].i, 100);
	assert_int_equal(m->entries[1].key[0].i, -2);
	assert_int_equal(m->entries[2].key[0].i, 9);
	assert_string_equal(m->entries[2].key[1].s, "x");
	assert_int_equal(m->entries[3].key[0].i, 9);
	assert_string_equal(m->entries[3].key[1].s, "y");
	assert_int_equal(m->entries[4].key[0].i, 10);
	report_free(r);
}

static void test_sort_avg_by_average_not_total(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_AVG, 1);
	struct report_entry *e;

	(void)state;
	/* total 100, average 100 */
	sample(entry(m, "u", (uint64_t)1), 100, 1);
	/* total 204, average 34 */
	e = entry(m, "u", (uint64_t)2);
	sample(e, 40, 5);
	sample(e, 4, 1);
	report_sort(r);
	m = &r->maps[0];
	assert_int_equal(m->entries[0].key[0].u, 2);
	assert_int_equal(m->entries[0].val.sum, 204);
	assert_int_equal(m->entries[1].key[0].u, 1);
	report_free(r);
}

/* ---- labels ---- */

static void expect_label(const struct report_map *m, unsigned i,
			 const char *want)
{
	char buf[64];

	report_bucket_label(m, i, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_bucket_labels(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_HIST, 0);

	(void)state;
	expect_label(m, 0, "(..., 0)");
	expect_label(m, 1, "[0]");
	expect_label(m, 2, "[1]");
	expect_label(m, 3, "[2, 4)");
	expect_label(m, 11, "[512, 1K)");
	expect_label(m, 14, "[4K, 8K)");
	expect_label(m, 33, "[2G, 4G)");
	expect_label(m, 42, "[1T, 2T)");
	expect_label(m, 52, "[1P, 2P)");
	expect_label(m, 61, "[512P, 1E)");
	expect_label(m, 65, "[8E, 16E)");

	m = lhist_map(r, "@l", 0, 1048576, 4194304, 1048576);
	expect_label(m, 0, "(..., 1M)");
	expect_label(m, 1, "[1M, 2M)");
	expect_label(m, 3, "[3M, 4M)");
	expect_label(m, 4, "[4M, ...)");
	m = lhist_map(r, "@n", 0, 0, 10, 3);
	expect_label(m, 0, "(..., 0)");
	expect_label(m, 3, "[6, 9)");
	expect_label(m, 4, "[10, ...)");
	report_free(r);
}

/* ---- errors and ownership ---- */

static void test_print_reports_stream_error(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_SCALAR, 0);
	FILE *fp = fopen("/dev/full", "w");

	(void)state;
	if (!fp)
		skip();
	scalar(entry(m, ""), 1);
	assert_int_equal(report_print_text(r, fp), -ENOSPC);
	clearerr(fp);
	assert_int_equal(report_print_json(r, fp), -ENOSPC);
	fclose(fp);
	report_free(r);
}

static void test_free_null(void **state)
{
	(void)state;
	report_free(NULL);
}

/* ---- JSON ---- */

static struct json_object *render_json(struct report *r)
{
	char *s = render(r, report_print_json);
	struct json_object *doc;
	size_t len = strlen(s);

	/* One document on one line. */
	assert_true(len > 0);
	assert_int_equal(s[len - 1], '\n');
	assert_null(memchr(s, '\n', len - 1));
	doc = json_tokener_parse(s);
	assert_non_null(doc);
	free(s);
	report_free(r);
	return doc;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no member \"%s\" in %s", k, json_object_to_json_string(o));
	return v;
}

static bool has(struct json_object *o, const char *k)
{
	return json_object_object_get_ex(o, k, NULL);
}

static struct json_object *map_entry(struct json_object *doc, const char *map,
				     size_t i)
{
	struct json_object *entries = get(get(get(doc, "maps"), map), "entries");

	assert_true(i < json_object_array_length(entries));
	return json_object_array_get_idx(entries, i);
}

static void test_json_hist(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@bytes", RS_HIST, 1);
	struct report_entry *e;
	struct json_object *doc, *je, *key, *buckets, *b;

	(void)state;
	e = entry(m, "s", "W");
	record(m, e, 4096, 1000);
	record(m, e, 1024, 10);
	record(m, e, -3, 2);
	record(m, entry(m, "s", "R"), 1, 1);
	doc = render_json(r);

	assert_int_equal(json_object_get_uint64(get(doc, "lost")), 0);
	assert_int_equal(json_object_get_uint64(get(doc, "dropped_keys")), 0);
	assert_string_equal(json_object_get_string(get(get(get(doc, "maps"),
					"@bytes"), "type")), "hist");

	/* sorted by total: "R" (1) before "W" (1012) */
	je = map_entry(doc, "@bytes", 1);
	key = get(je, "key");
	assert_int_equal(json_object_array_length(key), 1);
	assert_string_equal(json_object_get_string(
				    json_object_array_get_idx(key, 0)), "W");
	assert_string_equal(json_object_get_string(get(je, "keystr")), "W");
	assert_int_equal(json_object_get_uint64(get(je, "total")), 1012);

	/* from (..., 0) to [4K, 8K): 15 buckets, zeros included */
	buckets = get(je, "buckets");
	assert_int_equal(json_object_array_length(buckets), 15);
	b = json_object_array_get_idx(buckets, 0);
	assert_false(has(b, "min"));
	assert_int_equal(json_object_get_int64(get(b, "max")), -1);
	assert_int_equal(json_object_get_uint64(get(b, "count")), 2);
	b = json_object_array_get_idx(buckets, 1);
	assert_int_equal(json_object_get_int64(get(b, "min")), 0);
	assert_int_equal(json_object_get_int64(get(b, "max")), 0);
	assert_int_equal(json_object_get_uint64(get(b, "count")), 0);
	b = json_object_array_get_idx(buckets, 12);
	assert_string_equal(json_object_get_string(get(b, "label")), "[1K, 2K)");
	assert_int_equal(json_object_get_uint64(get(b, "count")), 10);
	b = json_object_array_get_idx(buckets, 14);
	assert_int_equal(json_object_get_int64(get(b, "min")), 4096);
	assert_int_equal(json_object_get_int64(get(b, "max")), 8191);
	assert_int_equal(json_object_get_uint64(get(b, "count")), 1000);
	assert_string_equal(json_object_get_string(get(b, "label")), "[4K, 8K)");
	json_object_put(doc);
}

static void test_json_top_log2_bucket_is_unsigned(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_HIST, 0);
	struct report_entry *e = entry(m, "");
	struct json_object *doc, *b;

	(void)state;
	record(m, e, 0, 1);
	e->val.buckets[65] = 4;
	doc = render_json(r);
	b = json_object_array_get_idx(get(map_entry(doc, "@", 0), "buckets"), 64);
	assert_true(json_object_get_uint64(get(b, "min")) == (uint64_t)1 << 63);
	assert_true(json_object_get_uint64(get(b, "max")) == UINT64_MAX);
	assert_int_equal(json_object_get_uint64(get(b, "count")), 4);
	assert_string_equal(json_object_get_string(get(b, "label")), "[8E, 16E)");
	json_object_put(doc);
}

static void test_json_lhist(void **state)
{
	struct report *r = report_new();
	struct report_map *m = lhist_map(r, "@l", 0, 0, 100, 10);
	struct report_entry *e = entry(m, "");
	struct json_object *doc, *jm, *buckets, *b;

	(void)state;
	record(m, e, -5, 1);
	record(m, e, 55, 3);
	record(m, e, 150, 2);
	doc = render_json(r);
	jm = get(get(doc, "maps"), "@l");
	assert_string_equal(json_object_get_string(get(jm, "type")), "lhist");
	assert_int_equal(json_object_get_int64(get(jm, "min")), 0);
	assert_int_equal(json_object_get_int64(get(jm, "max")), 100);
	assert_int_equal(json_object_get_int64(get(jm, "step")), 10);
	assert_int_equal(json_object_get_int64(get(jm, "nkeys")), 0);
	assert_int_equal(json_object_array_length(get(map_entry(doc, "@l", 0),
						      "key")), 0);
	buckets = get(map_entry(doc, "@l", 0), "buckets");
	assert_int_equal(json_object_array_length(buckets), 12);
	b = json_object_array_get_idx(buckets, 0);
	assert_false(has(b, "min"));
	assert_int_equal(json_object_get_int64(get(b, "max")), -1);
	b = json_object_array_get_idx(buckets, 6);
	assert_int_equal(json_object_get_int64(get(b, "min")), 50);
	assert_int_equal(json_object_get_int64(get(b, "max")), 59);
	assert_int_equal(json_object_get_uint64(get(b, "count")), 3);
	b = json_object_array_get_idx(buckets, 11);
	assert_int_equal(json_object_get_int64(get(b, "min")), 100);
	assert_false(has(b, "max"));
	assert_int_equal(json_object_get_uint64(get(b, "count")), 2);
	assert_string_equal(json_object_get_string(get(b, "label")), "[100, ...)");
	json_object_put(doc);
}

static void test_json_values_and_keys(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@x", RS_SCALAR, 2);
	struct report_entry *e;
	struct json_object *doc, *je, *key;

	(void)state;
	scalar(entry(m, "is", (int64_t)-1, "a,b/c\"d"), 7);
	scalar(entry(m, "us", UINT64_MAX, "z"), -2);
	m = report_add_map(r, "@a", RS_AVG, 0);
	e = entry(m, "");
	sample(e, -7, 1);
	sample(e, -8, 1);
	m = report_add_map(r, "@s", RS_STATS, 1);
	sample(entry(m, "s", "k"), 10, 1);
	sample(&m->entries[0], 20, 1);
	r->lost = 9;
	r->dropped_keys = 4;
	r->evicted_starts = 5;
	r->pending_starts = 6;
	r->missed_events = 8;
	doc = render_json(r);

	assert_int_equal(json_object_get_uint64(get(doc, "lost")), 9);
	assert_int_equal(json_object_get_uint64(get(doc, "dropped_keys")), 4);
	assert_int_equal(json_object_get_uint64(get(doc, "evicted_starts")), 5);
	assert_int_equal(json_object_get_uint64(get(doc, "pending_starts")), 6);
	assert_int_equal(json_object_get_uint64(get(doc, "missed_events")), 8);

	je = map_entry(doc, "@x", 0);
	assert_int_equal(json_object_get_int64(get(je, "value")), -2);
	key = get(je, "key");
	assert_true(json_object_get_uint64(json_object_array_get_idx(key, 0)) ==
		    UINT64_MAX);
	assert_string_equal(json_object_get_string(get(je, "keystr")),
			    "18446744073709551615,z");
	je = map_entry(doc, "@x", 1);
	key = get(je, "key");
	assert_int_equal(json_object_get_int64(json_object_array_get_idx(key, 0)), -1);
	assert_string_equal(json_object_get_string(
				    json_object_array_get_idx(key, 1)), "a,b/c\"d");
	assert_int_equal(json_object_get_int64(get(je, "value")), 7);

	je = map_entry(doc, "@a", 0);
	assert_string_equal(json_object_get_string(get(get(get(doc, "maps"), "@a"),
							  "type")), "avg");
	assert_int_equal(json_object_get_int64(get(je, "value")), -7);
	assert_int_equal(json_object_get_uint64(get(je, "count")), 2);
	assert_int_equal(json_object_get_int64(get(je, "total")), -15);

	je = map_entry(doc, "@s", 0);
	assert_int_equal(json_object_get_uint64(get(je, "count")), 2);
	assert_int_equal(json_object_get_int64(get(je, "average")), 15);
	assert_int_equal(json_object_get_int64(get(je, "total")), 30);
	json_object_put(doc);
}

static void test_json_empty_report(void **state)
{
	struct json_object *doc;

	(void)state;
	doc = render_json(report_new());
	assert_int_equal(json_object_object_length(get(doc, "maps")), 0);
	assert_int_equal(json_object_get_uint64(get(doc, "lost")), 0);
	json_object_put(doc);
}

/*
 * Folded stacks: the non-stack parts first (comm is the root), then the
 * user stack, then the kernel stack, each outermost first and without
 * offsets; entries that fold alike merge; ';' in a name cannot split a
 * frame; a keyless map is one frame named for the map.
 */
static void test_folded(void **state)
{
	struct report *r = report_new();
	struct report_map *m = report_add_map(r, "@", RS_SCALAR, 3);
	struct report_entry *e;
	char *got;

	(void)state;
	e = entry(m, "sss", "\n    inner+5\n    outer+17\n", "\n    do_syscall_64+40\n    entry_SYSCALL_64+100\n",
		  "spin");
	e->key[0].stack = RSTACK_USER;
	e->key[1].stack = RSTACK_KERNEL;
	scalar(e, 7);
	/* the same stacks at other offsets: one line with both counts */
	e = entry(m, "sss", "\n    inner+9\n    outer+17\n", "\n    do_syscall_64+44\n    entry_SYSCALL_64+100\n",
		  "spin");
	e->key[0].stack = RSTACK_USER;
	e->key[1].stack = RSTACK_KERNEL;
	scalar(e, 3);
	e = entry(m, "sss", "\n    a;b+1\n", "", "x y");
	e->key[0].stack = RSTACK_USER;
	e->key[1].stack = RSTACK_KERNEL;
	scalar(e, 1);
	m = report_add_map(r, "@total", RS_SCALAR, 0);
	scalar(entry(m, ""), 42);
	got = render(r, report_print_folded);
	assert_string_equal(got,
			    "spin;outer;inner;entry_SYSCALL_64;do_syscall_64 10\n"
			    "x y;a:b 1\n"
			    "@total 42\n");
	free(got);
	report_free(r);
}

/* The format table: text first (the default), each name found, each entry whole. */
static void test_format_table(void **state)
{
	unsigned n = 0;

	(void)state;
	assert_string_equal(report_formats[0].name, "text");
	for (const struct report_format *f = report_formats; f->name; f++, n++) {
		assert_ptr_equal(report_format_find(f->name), f);
		assert_non_null(f->summary);
		assert_non_null(f->print_report);
		/* a format without an event printer is for maps only */
		assert_true(f->print_event || f->scalar_maps_only);
		assert_non_null(strstr(report_format_names(), f->name));
	}
	assert_true(n >= 2);
	assert_ptr_equal(report_format_find("json")->print_report, report_print_json);
	assert_null(report_format_find("xml"));
	assert_null(report_format_find(""));
	assert_string_equal(report_format_names(), "text, json, folded, bpftrace-json");
	assert_non_null(report_format_find("bpftrace-json")->print_attached);
	assert_true(report_format_find("folded")->scalar_maps_only);
	assert_null(report_format_find("folded")->print_event);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_text_hist_1000),
		cmocka_unit_test(test_text_hist_gap),
		cmocka_unit_test(test_text_hist_bar_float),
		cmocka_unit_test(test_text_hist_negative_zero),
		cmocka_unit_test(test_text_lhist),
		cmocka_unit_test(test_text_lhist_wide_label),
		cmocka_unit_test(test_text_keyed_hist_sorted),
		cmocka_unit_test(test_text_avg_stats),
		cmocka_unit_test(test_text_scalars),
		cmocka_unit_test(test_text_empty_maps),
		cmocka_unit_test(test_text_lost_dropped),
		cmocka_unit_test(test_text_uint_and_string_keys),
		cmocka_unit_test(test_sort_ties_by_key),
		cmocka_unit_test(test_sort_avg_by_average_not_total),
		cmocka_unit_test(test_bucket_labels),
		cmocka_unit_test(test_print_reports_stream_error),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_json_hist),
		cmocka_unit_test(test_json_top_log2_bucket_is_unsigned),
		cmocka_unit_test(test_json_lhist),
		cmocka_unit_test(test_json_values_and_keys),
		cmocka_unit_test(test_json_empty_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
