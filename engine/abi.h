/*
 * abi: the names a generated program and the engine that loads it
 * agree on. The templates (templates/) spell them in C; bpf-gen renders
 * them; run finds the maps and programs by them in the loaded object.
 * Nothing else crosses from the generated C to run, so a stage that
 * reads a loaded object needs this header, not bpf-gen's.
 */
#ifndef RECIPE_ABI_H
#define RECIPE_ABI_H

#include <stdio.h>

/* Maps (templates/maps/, templates/program.bpf.c, templates/include/recipe.bpf.h). */
#define ABI_MAP			"rcp_map"	/* the recipe's map */
#define ABI_DROPPED_MAP		"rcp_dropped"	/* updates a full map refused */
#define ABI_STACK_MAP		"rcp_stacks"	/* stack ids -> frames */
#define ABI_EVENTS_RINGBUF	"rcp_events"	/* a print recipe's events */
#define ABI_LOST_MAP		"rcp_lost"	/* events the ring buffer refused */
#define ABI_STACK_PIDS_RINGBUF	"rcp_stack_pids_new"	/* processes whose stacks to resolve */
/* A start/end recipe's starts (LRU hash) and its counters (templates/pair/maps.bpf.c). */
#define ABI_PAIR_STARTS_MAP	"rcp_starts"
#define ABI_PAIR_COUNTS_MAP	"rcp_pair_counts"

/* The BPF program of plan group g: "rcp_prog_0", ... */
static inline void abi_prog_name(unsigned group, char *buf, unsigned len)
{
	snprintf(buf, len, "rcp_prog_%u", group);
}

#endif
