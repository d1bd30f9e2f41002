/*
 * report text renderer: bpftrace 0.17's exit-time map dump, byte for
 * byte, so recipe output reads (and diffs) like the one-liners it
 * replaces. Layout rules, including bpftrace's uneven blank lines, come
 * from bpftrace's TextOutput (map_to_str, map_hist_to_str,
 * map_stats_to_str) and were checked against /usr/bin/bpftrace 0.17;
 * docs/output.md lists them. The whole dump is built in memory and
 * written once, so a stream error is reported exactly once.
 */
#include "report/report.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "util/strbuf.h"

#define BAR_WIDTH 52

static void add_key(struct strbuf *sb, const struct report_map *m,
		    const struct report_entry *e)
{
	strbuf_addstr(sb, m->name);
	if (!m->nkeys)
		return;
	strbuf_addch(sb, '[');
	for (unsigned k = 0; k < m->nkeys; k++) {
		const struct report_key_part *p = &e->key[k];

		if (k)
			strbuf_addstr(sb, ", ");
		switch (p->kind) {
		case RK_INT:
			strbuf_addf(sb, "%" PRId64, p->i);
			break;
		case RK_UINT:
			strbuf_addf(sb, "%" PRIu64, p->u);
			break;
		default:
			strbuf_addstr(sb, p->s ? p->s : "");
			break;
		}
	}
	strbuf_addch(sb, ']');
}

static void add_buckets(struct strbuf *sb, const struct report_map *m,
			const struct report_value *v)
{
	unsigned first, last;
	uint64_t max = 0;
	char label[64], bar[BAR_WIDTH + 1];

	report_nonzero_buckets(v, &first, &last);
	for (unsigned i = 0; i < v->nbuckets; i++)
		if (v->buckets[i] > max)
			max = v->buckets[i];
	if (first == v->nbuckets)
		return;

	for (unsigned i = first; i <= last; i++) {
		/*
		 * Single-precision float, truncated, exactly as bpftrace
		 * computes it: in double, 15/26 of 52 columns is 29.99...
		 * and loses the 30th '@' that bpftrace prints.
		 */
		int w = (int)((float)v->buckets[i] / (float)max * BAR_WIDTH);

		memset(bar, '@', w);
		bar[w] = '\0';
		report_bucket_label(m, i, label, sizeof(label));
		strbuf_addf(sb, "%-16s%8" PRIu64 " |%-*s|\n", label,
			    v->buckets[i], BAR_WIDTH, bar);
	}
}

static void add_map(struct strbuf *sb, const struct report_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct report_entry *e = &m->entries[i];
		const struct report_value *v = &e->val;
		int64_t avg = report_average(v);

		/* Entries are joined by "\n", which is a blank line for hists. */
		if (i)
			strbuf_addch(sb, '\n');
		add_key(sb, m, e);
		strbuf_addstr(sb, ": ");
		switch (m->shape) {
		case RS_SCALAR:
			strbuf_addf(sb, "%" PRId64, v->value);
			break;
		case RS_AVG:
			strbuf_addf(sb, "%" PRId64, avg);
			break;
		case RS_STATS:
			strbuf_addf(sb, "count %" PRId64 ", average %" PRId64
				    ", total %" PRId64, (int64_t)v->count, avg,
				    v->sum);
			break;
		case RS_HIST:
		case RS_LHIST:
			strbuf_addch(sb, '\n');
			add_buckets(sb, m, v);
			break;
		}
	}
	/* bpftrace ends avg and stats maps with a blank line, others not. */
	strbuf_addch(sb, '\n');
	if (m->shape == RS_AVG || m->shape == RS_STATS)
		strbuf_addch(sb, '\n');
}

int report_print_text(const struct report *r, FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;
	int err = 0;

	strbuf_init(&sb);
	for (size_t i = 0; i < r->n; i++)
		add_map(&sb, &r->maps[i]);
	if (r->lost)
		strbuf_addf(&sb, "Lost %" PRIu64 " events\n", r->lost);
	if (r->dropped_keys)
		strbuf_addf(&sb, "WARNING: %" PRIu64
			    " map updates dropped: map full\n", r->dropped_keys);
	if (r->evicted_starts)
		strbuf_addf(&sb, "WARNING: %" PRIu64
			    " start events evicted before their end: the start map was full (start.max_entries)\n",
			    r->evicted_starts);
	if (r->missed_events)
		strbuf_addf(&sb, "WARNING: %" PRIu64
			    " events missed: the kernel skips a program while another BPF program runs on its CPU\n",
			    r->missed_events);

	errno = 0;
	n = fwrite(sb.buf, 1, sb.len, fp);
	if (n != sb.len || fflush(fp) == EOF || ferror(fp))
		err = errno ? -errno : -EIO;
	strbuf_release(&sb);
	return err;
}
