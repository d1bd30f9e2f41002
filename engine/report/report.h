/*
 * report: the neutral value model every output format renders
 * (last stage: maps -> report -> text | json).
 *
 * Collecting (engine/run/maps.c) is split from rendering (text.c,
 * json.c) so the formats cannot drift apart, as in bpftrace's output/.
 * A report holds maps; a map holds entries; an entry has a key (a tuple
 * of parts, possibly empty) and one value whose shape depends on the
 * aggregation.
 */
#ifndef RECIPE_REPORT_REPORT_H
#define RECIPE_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum report_key_kind { RK_INT, RK_UINT, RK_STR };

/* A key part that is a stack trace: its RK_STR is "\n    frame\n..." innermost first. */
enum report_stack { RSTACK_NONE, RSTACK_KERNEL, RSTACK_USER };

struct report_key_part {
	enum report_key_kind kind;
	int64_t i;		/* RK_INT */
	uint64_t u;		/* RK_UINT */
	char *s;		/* RK_STR, owned */
	enum report_stack stack;	/* which stack s shows, if any */
};

enum report_shape {
	RS_SCALAR,	/* count sum min max: `value` */
	RS_AVG,		/* avg: sum / count, printed as one integer */
	RS_STATS,	/* stats: count, average, total */
	RS_HIST,	/* log2 histogram: buckets[i] as in bpftrace's hist() */
	RS_LHIST,	/* linear histogram: see struct report_map lmin/lmax/lstep */
};

/*
 * Log2 bucket layout (RS_HIST), the same as bpftrace's hist():
 *   index 0: values < 0        label "(..., 0)"
 *   index 1: value 0           label "[0]"
 *   index 2: value 1           label "[1]"
 *   index k >= 2: [2^(k-2), 2^(k-1))   labels "[2, 4)", "[4K, 8K)", ...
 * so REPORT_LOG2_BUCKETS = 66 covers every 64-bit value.
 *
 * Linear layout (RS_LHIST) for lhist(min, max, step):
 *   index 0: values < min                 label "(..., min)"
 *   index 1 + i: [min + i*step, min + (i+1)*step)
 *   last index: values >= max              label "[max, ...)"
 * so nbuckets = (max - min) / step + 2.
 */
#define REPORT_LOG2_BUCKETS 66

struct report_value {
	int64_t value;		/* RS_SCALAR */
	uint64_t count;		/* RS_AVG, RS_STATS; while folding min/max: whether set */
	int64_t sum;		/* RS_AVG, RS_STATS; RS_HIST, RS_LHIST: of every value */
	uint64_t *buckets;	/* RS_HIST, RS_LHIST; owned; nbuckets long */
	unsigned nbuckets;
};

struct report_entry {
	struct report_key_part *key;	/* map->nkeys parts, owned */
	struct report_value val;
};

struct report_map {
	char *name;		/* "@" or "@bytes", owned */
	enum report_shape shape;
	unsigned nkeys;
	int64_t lmin, lmax, lstep;	/* RS_LHIST */
	struct report_entry *entries;	/* owned */
	size_t n, cap;
};

struct report {
	struct report_map *maps;	/* owned */
	size_t n;
	uint64_t lost;		/* events the kernel could not record (0 if none) */
	uint64_t dropped_keys;	/* updates refused because a map was full */
	uint64_t evicted_starts;	/* start/end recipes: starts evicted before their end */
	uint64_t pending_starts;	/* start/end recipes: starts still waiting for their end */
	uint64_t missed_events;	/* program runs the kernel skipped (recursion_misses) */
};

/* Builders (used by the map reader and by tests). */
struct report *report_new(void);
struct report_map *report_add_map(struct report *r, const char *name,
				  enum report_shape shape, unsigned nkeys);
/* Append an entry; key parts are zeroed, the caller fills them and val. */
struct report_entry *report_map_add_entry(struct report_map *m);
void report_free(struct report *r);

/*
 * Sort every map's entries the way bpftrace prints them: ascending by
 * value (scalar), by average (avg, stats), by total count (hist, lhist);
 * ties broken by key so output is deterministic.
 */
void report_sort(struct report *r);

/* sum / count of an RS_AVG or RS_STATS value, truncated toward zero as bpftrace does; 0 when empty. */
int64_t report_average(const struct report_value *v);
/*
 * Buckets of lhist(min, max, step): (max - min) / step + 2, computed
 * without overflow for any min < max and step > 0.
 */
unsigned report_lhist_buckets(int64_t min, int64_t max, int64_t step);
/* Lower bound of RS_LHIST bucket i, 1 <= i < nbuckets (min + (i - 1) * step). */
int64_t report_lhist_lower(const struct report_map *m, unsigned i);

/*
 * The first and last non-zero buckets of v, the rows every format shows
 * (the zero rows between them included); *first == v->nbuckets when all
 * are 0.
 */
void report_nonzero_buckets(const struct report_value *v, unsigned *first, unsigned *last);

/* bpftrace's text layout. Returns 0 or -errno from the stream. */
int report_print_text(const struct report *r, FILE *fp);
/* One JSON document (json-c), bpftrace-like shape; see docs/output.md. */
int report_print_json(const struct report *r, FILE *fp);
/*
 * The folded stacks flame graph tools read (flamegraph.pl, speedscope,
 * inferno): one line per entry, "root;...;leaf VALUE". The key's parts
 * that are not stacks come first (comm as the root), then user stack
 * frames, then kernel frames, outermost first, without offsets. Only
 * RS_SCALAR maps (count, sum): the format table says so.
 */
int report_print_folded(const struct report *r, FILE *fp);

/* The label of bucket i ("[4K, 8K)", "(..., 0)", "[100, 110)"); buf >= 64 bytes. */
void report_bucket_label(const struct report_map *m, unsigned i, char *buf,
			 size_t len);

#endif
