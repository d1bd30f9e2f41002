/*
 * maps: read a recipe's BPF map into the neutral report model. Per-CPU
 * values are folded by the aggregation's own fold function; keys are
 * decoded by the plan's key layout; bucketed keys are grouped into one
 * histogram per user key.
 */
#ifndef RECIPE_RUN_MAPS_H
#define RECIPE_RUN_MAPS_H

#include <stdbool.h>

#include "check/plan.h"
#include "diag.h"
#include "report/report.h"

struct symbolizer;

/* What decoding keys needs beyond the plan. */
struct maps_keys {
	struct symbolizer *sym;	/* for stacks and ksym(); NULL when none is used */
	int stack_fd;		/* the stack-trace map, or -1 */
};

/*
 * Decode one key (or a print recipe's event) laid out by p into
 * p->nkeys parts, owned by the caller (free each part's s).
 */
void maps_decode_key(const struct plan *p, const struct maps_keys *mk,
		     const void *bytes, struct report_key_part *parts);

/*
 * Append the map `map_fd` (laid out by p) to r as one report map. With
 * `clear`, delete every key read.
 */
int maps_read(const struct plan *p, int map_fd, const struct maps_keys *mk,
	      bool clear, struct report *r, struct diag_list *d);

#endif
