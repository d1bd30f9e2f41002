/*
 * prom: reports as Prometheus text exposition (format 0.0.4), for
 * `recipe serve`. The values are the same report the text and JSON
 * renderers lay out (engine/report/report.h); what the exposition needs
 * beyond them (whose map it is, whether a scalar only grows, what to call
 * each key part) comes in a struct prom_source per recipe.
 *
 * Naming (docs/fleet.md is the reference):
 *   family   recipe_<recipe>[_<map>], every byte outside [A-Za-z0-9_]
 *            made '_' (runs of them one), the map's '@' dropped and an
 *            anonymous map adding nothing: cpu/syscalls-by-comm with
 *            map @ is recipe_cpu_syscalls_by_comm; nor does a map the
 *            recipe's name ends with (disk/rwbs-bytes, @bytes:
 *            recipe_disk_rwbs_bytes_total)
 *   counter  count and sum (they only grow between scrapes): _total
 *   gauge    min, max, avg (avg: the integer average, as the text shows)
 *   summary  stats: _sum and _count
 *   histogram hist and lhist: cumulative _bucket{le}, _sum, _count; le is
 *            the largest value a bucket holds (integers: [4K, 8K) is
 *            le="8191"), so a value of exactly 4096 is in le="8191"
 *            and not in le="4095", as Prometheus's "<=" means; the last
 *            bucket ([8E, 16E), [max, ...)) is le="+Inf"
 *   labels   one per key part, named by prom_label_names()
 * Then one family per report counter, a sample per recipe labelled
 * recipe="cpu/syscalls-by-comm": recipe_lost_events_total,
 * recipe_missed_events_total, recipe_dropped_keys_total,
 * recipe_evicted_starts_total, recipe_keys_cut (entries left out of
 * this scrape by max_keys), and recipe_scrape_read_seconds.
 */
#ifndef RECIPE_REPORT_PROM_H
#define RECIPE_REPORT_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report/report.h"

/* The content type of what report_print_prom() writes. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_source {
	const char *recipe;	/* "cpu/syscalls-by-comm": the recipe label, and the family name */
	const char *help;	/* one line, the recipe's summary */
	bool monotonic;		/* a scalar map that only grows (count, sum): a counter */
	char *const *labels;	/* a name per key part (prom_label_names) */
	size_t max_keys;	/* entries (label sets) per map at most; 0: all */
	const struct report *report;	/* a snapshot, not cleared */
};

/*
 * The exposition of n recipes' reports; each family appears once, in
 * source order, entries sorted as report_sort() leaves them. When a map
 * has more than max_keys entries, those with the largest values are
 * kept. read_seconds (what reading every map took) is reported as a
 * gauge. Returns 0 or -errno from the stream.
 */
int report_print_prom(const struct prom_source *src, size_t n, double read_seconds,
		      FILE *fp);

/*
 * Label names for key expressions exprs[0..n): the last identifier of
 * each that is not a function's name ("comm", syscall_name(args.id) ->
 * "id", majmin(args.dev) -> "dev", ntop(2, args.saddr) -> "saddr"), or
 * the last identifier at all (kstack(5) -> "kstack"), leading '_'s
 * dropped (Prometheus owns "__*"), or "k<i>" when it has none. A name a
 * histogram or summary reserves (le, quantile) or one taken by an
 * earlier part gets "_<i>" appended. Free with prom_labels_free().
 */
char **prom_label_names(char *const *exprs, unsigned n);
void prom_labels_free(char **labels, unsigned n);

/* name made a Prometheus metric name part: [A-Za-z0-9_], runs of '_' as one. */
char *prom_sanitize(const char *name);

#endif
