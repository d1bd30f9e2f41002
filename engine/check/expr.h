/*
 * expr: the recipe expression language (filter, key, value), parsed into
 * a typed tree, checked against what the probe offers, and only then
 * emitted as C. Recipe text reaches the generated BPF C through
 * expr_emit*() and nowhere else.
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
 * Lifecycle: expr_parse() once per expression; then for each probe group
 * (probes sharing one record layout) expr_check() annotates the tree in
 * place and expr_emit*() renders it. Re-checking overwrites annotations.
 */
#ifndef RECIPE_CHECK_EXPR_H
#define RECIPE_CHECK_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "probes/field.h"
#include "util/strbuf.h"

enum expr_tkind {
	TY_INT,		/* size 1/2/4/8, is_signed */
	TY_STR,		/* char buffer of `size` bytes (NUL-padded) */
	TY_PTR,		/* 8-byte pointer; `user` says which address space */
	TY_PROBE,	/* u32 index of the attach point (BPF cookie); printed as its name */
	TY_BYTES,	/* raw bytes (a u8[N] field): only ntop() takes them */
};

/*
 * How user space shows an integer: the BPF side keeps the number, the
 * report renders it (engine/run/display.c).
 */
enum expr_display {
	DISP_NONE,
	DISP_SYSCALL,	/* syscall_name(id): "read" */
	DISP_ERRNO,	/* errno_name(n): "EBADF" (n or -n) */
	DISP_DEV,	/* majmin(dev): "254:0", the kernel's dev_t */
	DISP_KSYM,	/* ksym(addr): "vfs_read+4" */
	DISP_KSTACK,	/* kstack, kstack(N): a stack id, shown as kernel frames */
	DISP_USTACK,	/* ustack, ustack(N): pid << 32 | stack id, shown as user frames */
	DISP_FUNC,	/* func (TY_PROBE): the attach point's function, "vfs_read" */
	DISP_IPV4,	/* ntop(addr): 4 address bytes in a u64, "127.0.0.1" */
	DISP_IPV6,	/* ntop(addr) of 16 bytes (TY_STR): "::1" */
	DISP_USYM,	/* usym(addr): pid and address (TY_STR of 16 bytes), "main" */
	DISP_TIME,	/* time: boot-clock ns of the event, shown as wall time "14:03:07" */
	DISP_JOIN,	/* join(argv): up to 6 strings of 32 bytes (TY_STR), shown space-separated */
};

struct expr_type {
	enum expr_tkind kind;
	unsigned size;
	bool is_signed;
	bool user;
	enum expr_display display;	/* TY_INT only */
	unsigned depth;			/* DISP_KSTACK, DISP_USTACK: frames shown, 0 = all */
};

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

/* Names generated C uses; all of them fixed by bpf-gen, none from recipe text. */
struct emit_ctx {
	const char *ctx_var;	/* the record pointer, e.g. "ctx"; fields are ctx_var->NAME */
	const char *cookie_expr;	/* expression giving the probe index, e.g. "rcp_probe_idx" */
	unsigned next_tmp;	/* temporaries are rcp_tN; incremented as used */
};

/*
 * Emit an integer-, pointer- or probe-typed checked expression (or
 * part of one): statements it
 * needs first (declarations of temporaries) are appended to `pre`, the C
 * expression (fully parenthesised, of type __s64/__u64) to `out`.
 */
int expr_emit(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
	      struct strbuf *out);

/*
 * Emit statements to `pre` that store a TY_STR expression into the char
 * array lvalue `dst` of `dst_size` bytes (already zeroed by the caller).
 */
int expr_emit_store_str(const struct expr *e, struct emit_ctx *ec,
			const char *dst, unsigned dst_size, struct strbuf *pre);

/* "u32", "s64", "char[16]", "pointer", "probe": for messages and docs. */
void expr_type_name(const struct expr_type *t, char *buf, unsigned len);

#endif
