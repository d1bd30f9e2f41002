/*
 * emit: a checked expression tree (engine/check/expr_tree.h) -> C.
 *
 * Recipe text reaches the generated program through here and nowhere
 * else: field names come from the provider's field_info, params become
 * generated config members, integer literals are re-printed from their
 * parsed value and string literals become arrays of byte values. The
 * emitter decides nothing a check could: a tree it cannot render is an
 * engine bug, reported as an `internal:` diagnostic.
 *
 * Every C expression it writes is an operand: safe under a cast or as
 * either side of a binary operator. It casts only where the C type of
 * an operand differs from the one the operation needs.
 */
#ifndef RECIPE_BPFGEN_EMIT_H
#define RECIPE_BPFGEN_EMIT_H

#include "check/expr.h"
#include "diag.h"
#include "util/strbuf.h"

/* Names generated C uses; all of them fixed by bpf-gen, none from recipe text. */
struct emit_ctx {
	const char *ctx_var;	/* the record pointer, e.g. "ctx"; fields are ctx_var->NAME */
	const char *cookie_expr;	/* expression giving the probe index, e.g. "rcp_probe_idx" */
	/*
	 * The provider's argument reader (plan_group.arg_reader): a function
	 * of its runtime, `__s64 NAME(void *ctx, __u32 index)`, for args that
	 * are no member of the record (usdt). NULL: none.
	 */
	const char *arg_reader;
	unsigned next_tmp;	/* temporaries are rcp_tN; incremented as used */
	struct diag_list *d;	/* where `internal:` diagnostics go */
};

/*
 * Emit an integer-, pointer- or probe-typed checked expression (or part
 * of one): statements it needs first (declarations of temporaries) are
 * appended to `pre`, the C expression to `out`, of C type __s64 for a
 * signed integer and __u64 otherwise when `cast` is true, of whatever
 * integer type it has when false (a condition, or an assignment that
 * converts anyway). -EINVAL with an internal diagnostic when the tree is
 * not one a check produced.
 */
int emit_value(const struct expr *e, bool cast, struct emit_ctx *ec, struct strbuf *pre,
	       struct strbuf *out);

/*
 * Emit statements to `pre` that store a TY_STR expression into the char
 * array lvalue `dst` of `dst_size` bytes (already zeroed by the caller).
 */
int emit_store_str(const struct expr *e, struct emit_ctx *ec,
		   const char *dst, unsigned dst_size, struct strbuf *pre);

#endif
