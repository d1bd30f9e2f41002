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

struct gen_unit {
	struct strbuf body;
	const char *const *btf_types;		/* NULL-terminated */
	const char *const *btf_enum_consts;	/* NULL-terminated */
};

int gen_render(const struct plan *p, struct gen_unit *u, struct diag_list *d);
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
