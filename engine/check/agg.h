/*
 * agg: the aggregation kinds, one table entry each (count sum min max
 * avg stats hist lhist). An entry owns every facet of its kind: what the
 * recipe must give (a value, lhist bounds), the BPF map value type and
 * update template bpf-gen renders, how user space folds the per-CPU
 * copies together, and which report shape prints it. Adding a kind means
 * adding one entry here, one template in templates/agg/, and nothing in
 * between.
 */
#ifndef RECIPE_CHECK_AGG_H
#define RECIPE_CHECK_AGG_H

#include <stdbool.h>

#include "report/report.h"

enum agg_type {
	AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG, AGG_STATS, AGG_HIST,
	AGG_LHIST, AGG_PRINT,
};

struct agg_kind {
	enum agg_type type;
	const char *name;	/* as written in a recipe's aggregate.type */
	const char *doc;	/* one line, for docs and hints */
	bool needs_value;	/* aggregate.value is required */
	bool bucketed;		/* the map key carries a bucket slot (hist, lhist) */
	bool zero_when_empty;	/* a keyless map that saw nothing prints 0, as bpftrace's does */
	/*
	 * A later read less an earlier one is what came in between, so an
	 * --interval report can be a difference and never delete a key a
	 * program may be updating (min and max are not).
	 */
	bool additive;
	/*
	 * Every event changes the value (or its count), so a key whose
	 * value did not move saw no event: --interval may delete it. Not a
	 * sum, which events can bring back to where it was.
	 */
	bool counts_events;
	const char *value_ctype;	/* map value type in generated C */
	unsigned value_size;	/* bytes of one CPU's value */
	const char *map_tmpl;	/* the map it updates, a path under templates/ */
	const char *slot_tmpl;	/* bucketed: fragment computing rcp_key.rcp_slot */
	const char *tmpl;	/* update fragment, a path under templates/ */
	const char *compare;	/* min/max: the C operator of "better" */
	enum report_shape shape;
	/*
	 * Fold one CPU's map value into out (zeroed before the first CPU).
	 * Bucketed kinds fold a bucket count; the caller picks the bucket.
	 */
	void (*fold)(struct report_value *out, const void *cpu_value);
	/*
	 * Combine two folded values of entries whose keys read the same
	 * (stacks shown to fewer frames than the kernel kept). Bucketed
	 * kinds add their buckets.
	 */
	void (*merge)(struct report_value *into, const struct report_value *from);
};

/* The kind called `name`, or NULL. */
const struct agg_kind *agg_find(const char *name);
/*
 * A print recipe's kind: the "key" is the event, sent to user space
 * whole on a ring buffer instead of kept in a map. Not named in YAML.
 */
const struct agg_kind *agg_printer(void);
/* "count, sum, min, ...": the table's names in order, for hints (static storage). */
const char *agg_names(void);

#endif
