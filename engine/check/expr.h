/*
 * expr: the recipe expression language (filter, key, value), parsed into
 * a typed tree, checked against what the probe offers, and only then
 * emitted as C by bpf-gen. Recipe text reaches the generated BPF C
 * through bpf-gen's emitter and nowhere else.
 *
 * The language, small and C-like:
 *   literals     42  0x1f  "text" (strings only compare with ==, !=)
 *   fields       args.bytes  args->bytes   (checked against the probe)
 *   builtins     comm pid tid uid cpu nsecs time probe func kstack ustack
 *   named values the recipe's params; with a start: section, at the end
 *                latency (ns since the matched start) and the values it saved
 *   operators    unary - ! ~ ; * / % + - << >> & ^ | < <= > >= == != && ||
 *                (C precedence), parentheses
 *   casts        (u8) (u16) (u32) (u64) (s8) (s16) (s32) (s64)
 *   calls        str(ptr) str(ptr, maxlen)   user or kernel string by pointer
 *                                           (or by a uprobe's or usdt's 64-bit arg)
 *                kstack(depth) ustack(depth)  stack traces, as map keys
 *                syscall_name(id) errno_name(n) majmin(dev) ksym(addr)
 *                ntop(addr) ntop(af, addr)  an IPv4 or IPv6 address
 *                usym(addr)                 a user address, named
 *                join(argv)                 a user string array (execve's argv)
 *                first(a, b, ...)           the first argument this probe can
 *                                           evaluate (fields named differently)
 *                                             the integer, shown as a name
 *
 * Integer arithmetic is done in 64 bits, signed when either operand is
 * signed (as bpftrace does). A filter is true when non-zero. Strings are
 * fixed-size char buffers: comm is 16 bytes, char[N] fields N bytes,
 * __data_loc strings and str() 64 bytes unless str()'s maxlen says
 * otherwise (at most 256).
 *
 * Lifecycle: expr_parse() once per expression (parse.c); expr_check()
 * annotates a tree in place for one probe (expr.c), and checking again
 * overwrites the annotations. So the plan checks a tree against every
 * attach point, then gives each program group an expr_clone() of its
 * own, checked once against that group and never touched again; bpf-gen
 * (bpf-gen/emit.c) renders those, reading expr_tree.h.
 */
#ifndef RECIPE_CHECK_EXPR_H
#define RECIPE_CHECK_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "check/expr_type.h"
#include "diag.h"
#include "probes/field.h"

/*
 * The tallest expression tree expr_parse() accepts (operators, calls,
 * casts and parentheses all count a level); taller input is an error at
 * the level that crosses it, so walks of a tree cannot exhaust the
 * stack whatever the text.
 */
#define EXPR_MAX_DEPTH 64

/* Where an expression's text sits, so diagnostics can point into it. */
struct expr_src {
	/* Location of byte `offset` of the expression text. */
	struct diag_at (*locate)(void *ctx, unsigned offset);
	void *ctx;
};

/*
 * A value expressions use by name: a recipe param, or at the end of a
 * start/end pair, `latency` and what the start saved.
 */
struct expr_named {
	const char *name;
	struct expr_type type;	/* TY_INT, TY_PTR, TY_PROBE or TY_STR */
	/* where the program holds it, e.g. "rcp_cfg.p0": generated, never recipe text */
	const char *lvalue;
	bool from_start;	/* known only once the end found its start */
};

/* What the expression can refer to, for one probe group. */
struct expr_env {
	/*
	 * Resolve args.NAME. Return 0 and fill *out, or -ENOENT when the
	 * probe has no such field. NULL when the probe has no args at all.
	 */
	int (*field)(void *ctx, const char *name, struct field_info *out);
	/* Comma-separated field names, for "available fields: ..." hints; may be NULL. */
	const char *(*field_names)(void *ctx);
	void *ctx;
	const char *probe_desc;	/* e.g. "tracepoint syscalls:sys_exit_read", for messages */
	const struct expr_named *named;
	unsigned nnamed;
	bool at_start;		/* a start point: from_start names are known only later */
};

/* How the value is used; decides which types are acceptable. */
enum expr_use {
	EXPR_USE_FILTER,	/* integer (non-zero = keep) */
	EXPR_USE_KEY,		/* integer, string or probe */
	EXPR_USE_VALUE,		/* integer */
	EXPR_USE_MATCH,		/* integer, pointer or string: pairs an end with its start */
	EXPR_USE_SAVE,		/* anything but a literal: kept from the start for the end */
};

struct expr;	/* opaque tree */

/*
 * Parse `text`. Returns the tree, or NULL with diagnostics located
 * through src (e.g. "expected ')' after argument list").
 */
struct expr *expr_parse(const char *text, const struct expr_src *src,
			struct diag_list *d);
void expr_free(struct expr *e);
/* A copy of e's syntax, without the annotations of any check. */
struct expr *expr_clone(const struct expr *e);

/*
 * Type-check against env for the given use. Returns 0, or -EINVAL with
 * located diagnostics (unknown field with the available ones as a hint,
 * unknown identifier, type error, wrong arity, ...).
 */
int expr_check(struct expr *e, const struct expr_env *env, enum expr_use use,
	       struct diag_list *d);

/* The checked expression's type (valid after a successful expr_check). */
struct expr_type expr_type_of(const struct expr *e);

/* True when the checked expression reads a field (args.X). */
bool expr_uses_args(const struct expr *e);

/* True for a builtin's name (comm, pid, ...): no named value may take one. */
bool expr_is_builtin(const char *name);

/* True when the checked expression reads a named value marked from_start. */
bool expr_uses_start(const struct expr *e);

/*
 * The operands of e's top-level && chain, left to right, into out[0..max)
 * (e itself when it is no &&); returns how many there are, which may
 * exceed max. They point into e and are checked with it: a filter's
 * parts can so be emitted, in order, at different places.
 */
unsigned expr_conjuncts(const struct expr *e, const struct expr **out, unsigned max);

/* "u32", "s64", "char[16]", "pointer", "probe": for messages and docs. */
void expr_type_name(const struct expr_type *t, char *buf, unsigned len);

/*
 * The builtin functions, from the checker's table: i from 0 to
 * expr_func_count() - 1; NULL past the end. For docs and tests.
 */
unsigned expr_func_count(void);
const char *expr_func_name(unsigned i);
const char *expr_func_signature(unsigned i);	/* "str(ptr[, maxlen])" */
const char *expr_func_doc(unsigned i);		/* one line */

#endif
