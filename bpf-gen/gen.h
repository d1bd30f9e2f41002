/*
 * gen: checked plan -> BPF C (third stage). Pure: no kernel access
 * beyond what the plan already resolved, no libbpf, no I/O except
 * reading kernel BTF in gen_types(); golden-testable.
 *
 * The C comes in two parts so a cached object can be found without
 * parsing kernel BTF (most of a CO-RE tool's start-up time):
 *   body   everything the recipe decides; hashed into the cache key
 *   types  kernel types the body needs, dumped from BTF only on a miss;
 *          the key covers them through the list of names plus the BTF's
 *          identity
 * Expressions are placed under #line directives naming the recipe's
 * file and line, so clang's errors and the verifier's line info point
 * at the YAML.
 */
#ifndef RECIPE_BPFGEN_GEN_H
#define RECIPE_BPFGEN_GEN_H

#include "check/plan.h"
#include "diag.h"
#include "util/strbuf.h"

/* Names the templates give the program's maps (templates/program.bpf.c, include/recipe.bpf.h). */
#define GEN_MAP "rcp_map"
#define GEN_DROPPED_MAP "rcp_dropped"
#define GEN_STACK_MAP "rcp_stacks"
#define GEN_EVENTS_RINGBUF "rcp_events"
#define GEN_LOST_MAP "rcp_lost"
#define GEN_STACK_PIDS_RINGBUF "rcp_stack_pids_new"
/* A start/end recipe's starts (LRU hash) and its counters (templates/pair/maps.bpf.c). */
#define GEN_PAIR_STARTS_MAP "rcp_starts"
#define GEN_PAIR_COUNTS_MAP "rcp_pair_counts"

struct gen_unit {
	struct strbuf body;
	const char *const *btf_types;		/* NULL-terminated */
	const char *const *btf_enum_consts;	/* NULL-terminated */
};

/* The BPF program name of group g ("rcp_prog_0", ...). */
void gen_prog_name(unsigned group, char *buf, unsigned len);

int gen_render(const struct plan *p, struct gen_unit *u, struct diag_list *d);
/*
 * Whether the program keeps stacks or user addresses (kstack, ustack,
 * usym keys): GEN_STACK_MAP and GEN_STACK_PIDS_RINGBUF exist.
 */
bool gen_uses_stacks(const struct plan *p);
/* Append the kernel types (from BTF) for u: they go before the body. */
int gen_types(const struct gen_unit *u, struct strbuf *out, struct diag_list *d);
/*
 * The complete source: types, then the body with its #line directives
 * after each expression pointed back at `name` (the generated file's
 * name in diagnostics) at the right line.
 */
void gen_assemble(const struct gen_unit *u, const char *types,
		  const char *name, struct strbuf *out);
void gen_unit_release(struct gen_unit *u);

#endif
