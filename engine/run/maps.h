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
 * What earlier --interval reports have shown of each key, so the next
 * shows only what is new. For an additive aggregation (agg.h) the map
 * keeps counting and a report is the difference: deleting a key under
 * running programs would lose the updates made through pointers they
 * took before the delete (about 1 in 6000 at a million events a second).
 * Keys idle for a whole interval are still deleted, so the map needs
 * room for the keys of two intervals rather than one.
 */
struct maps_shown;
struct maps_shown *maps_shown_new(void);
void maps_shown_free(struct maps_shown *sh);

/*
 * Append the map `map_fd` (laid out by p) to r as one report map: all
 * of it, or with `since` what is new since it. With `clear` (needs
 * `since`) what is read counts as shown: an additive map's keys stay
 * unless they saw nothing new (those are deleted, so the map holds only
 * keys active since the last report), a min or max map's are deleted.
 */
int maps_read(const struct plan *p, int map_fd, const struct maps_keys *mk,
	      struct maps_shown *since, bool clear, struct report *r,
	      struct diag_list *d);

#endif
