/*
 * expr_tree: the layout of a parsed and checked expression tree.
 *
 * engine/check builds trees (parse.c) and annotates them (expr.c); the
 * plan gives every program group trees of its own, checked against that
 * group's record layout, and never changes them again. bpf-gen's emitter
 * (bpf-gen/emit.c) only reads the annotations below: it makes no
 * decision a check could change and calls no check function.
 */
#ifndef RECIPE_CHECK_EXPR_TREE_H
#define RECIPE_CHECK_EXPR_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check/expr.h"

enum tok_kind {
	T_EOF, T_INT, T_STR, T_IDENT,
	T_LPAREN, T_RPAREN, T_COMMA, T_DOT, T_ARROW,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT,
	T_SHL, T_SHR, T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE,
	T_AMP, T_CARET, T_PIPE, T_ANDAND, T_OROR, T_BANG, T_TILDE,
};

enum node_kind { N_INT, N_STR, N_FIELD, N_IDENT, N_UNARY, N_BINARY, N_CAST, N_CALL };

enum res_kind { RES_NONE, RES_BUILTIN, RES_NAMED, RES_FIELD };

/* The builtin values (engine/check/expr.c's table, bpf-gen/emit.c's C for each). */
enum builtin_id { B_COMM, B_PID, B_TID, B_UID, B_CPU, B_NSECS, B_TIME, B_PROBE, B_FUNC,
		  B_KSTACK, B_USTACK, B_COUNT };

/* The builtin functions (engine/check/funcs.c's table, bpf-gen/emit.c's emitters). */
enum func_id { F_NONE, F_STR, F_JOIN, F_SYSCALL_NAME, F_ERRNO_NAME, F_MAJMIN, F_KSYM,
	       F_USYM, F_NTOP, F_KSTACK, F_USTACK, F_FIRST, F_COUNT };

/* join(): the first JOIN_ARGS strings, JOIN_ARG_SIZE bytes each (templates/include/recipe.bpf.h) */
#define EXPR_JOIN_ARGS 6
#define EXPR_JOIN_ARG_SIZE 32

struct expr {
	enum node_kind kind;
	unsigned off;		/* first character of the node */
	unsigned op_off;	/* N_BINARY: operator; N_FIELD: the field name */
	enum tok_kind op;
	struct expr_src src;
	uint64_t ival;		/* N_INT */
	char *sval;		/* N_STR: decoded bytes */
	size_t slen;
	char *name;		/* N_FIELD, N_IDENT, N_CALL: as written (messages only) */
	struct expr_type cast;	/* N_CAST */
	struct expr *kid[2];
	struct expr **args;	/* N_CALL */
	unsigned nargs;
	unsigned height;	/* levels from here to the deepest leaf: at most EXPR_MAX_DEPTH */

	/* Set by expr_check(). */
	bool checked;
	struct expr_type type;
	enum res_kind res;
	enum builtin_id builtin;
	char *member;		/* the kernel's field name, or a named value's lvalue */
	bool from_start;	/* RES_NAMED: a value the start saved, or latency */
	enum field_kind fkind;
	unsigned findex;	/* a field read by the provider's arg reader: its position */
	unsigned maxlen;	/* str(): bytes read */
	enum func_id func;	/* N_CALL: which function */
	unsigned chosen;	/* first(): the argument this probe evaluates */
	bool strcmp;		/* N_BINARY ==/!= on strings */
	bool nonzero_divisor;	/* N_BINARY / and %: the divisor is a constant, not 0 */
};

/*
 * What a checked first() call stands for on this probe: the argument it
 * chose. Every rule that looks at an argument's form (a field, a
 * literal, comm) looks through it.
 */
static inline const struct expr *expr_unwrap(const struct expr *e)
{
	while (e && e->kind == N_CALL && e->func == F_FIRST)
		e = e->args[e->chosen];
	return e;
}

/* Parser internals the checker shares (parse.c). */
struct diag_at expr_locate(const struct expr_src *src, unsigned off);
int expr_err_at(struct diag_list *d, const struct expr_src *src, unsigned off,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Operator spellings for messages. */
extern const char *const expr_tok_text[];

#endif
