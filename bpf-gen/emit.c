/*
 * emit: checked tree -> C. See emit.h for the contract.
 *
 * Each node renders to an operand together with its C type, so a cast
 * is written only where an operation needs another type than its
 * operand has.
 */
#include "bpf-gen/emit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/expr_tree.h"
#include "util/text.h"

/* An emitted operand: its text, and the C type that text has. */
struct operand {
	struct strbuf s;
	const char *ct;
};

#define OPERAND_INIT { STRBUF_INIT, NULL }

/* C spellings of the operators: fixed strings, never input text. */
static const char *const c_op[] = {
	[T_PLUS] = "+", [T_MINUS] = "-", [T_STAR] = "*", [T_SLASH] = "/", [T_PERCENT] = "%",
	[T_SHL] = "<<", [T_SHR] = ">>", [T_LT] = "<", [T_LE] = "<=", [T_GT] = ">",
	[T_GE] = ">=", [T_EQ] = "==", [T_NE] = "!=", [T_AMP] = "&", [T_CARET] = "^",
	[T_PIPE] = "|", [T_ANDAND] = "&&", [T_OROR] = "||", [T_BANG] = "!", [T_TILDE] = "~",
};

/* The C of each integer builtin, and the type it has (bpf_helpers.h, the templates). */
static const struct {
	const char *c;
	const char *ct;
	bool takes_ctx;		/* called with the program's context (stacks.bpf.h) */
} builtin_c[B_COUNT] = {
	[B_PID] = { "(__u32)(bpf_get_current_pid_tgid() >> 32)", "__u32" },
	[B_TID] = { "(__u32)bpf_get_current_pid_tgid()", "__u32" },
	[B_UID] = { "(__u32)bpf_get_current_uid_gid()", "__u32" },
	[B_CPU] = { "(__u32)bpf_get_smp_processor_id()", "__u32" },
	[B_NSECS] = { "bpf_ktime_get_ns()", "__u64" },
	[B_TIME] = { "bpf_ktime_get_boot_ns()", "__u64" },
	[B_KSTACK] = { "rcp_kstack", "__s64", true },
	[B_USTACK] = { "rcp_ustack", "__u64", true },
};

static int internal(struct emit_ctx *ec, const struct expr *e, const char *what)
{
	struct diag_at at = { NULL, 0, 0 };

	if (e && e->src.locate)
		at = e->src.locate(e->src.ctx, e->off);
	if (!ec->d)
		return -EINVAL;
	diag_err(ec->d, &at, "internal: the expression emitter %s", what);
	diag_hint(ec->d, "this is a bug in recipe, not in the recipe: please report it with the recipe");
	return -EINVAL;
}

/*
 * Names reaching the C text come from the provider or bpf-gen, not the
 * recipe; still, refuse anything that is not a plain C lvalue, so a
 * misbehaving provider cannot smuggle code through.
 */
static bool is_c_lvalue(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr("_.->[]()* ", *s))
			return false;
	return true;
}

/* A name.member->member chain: an operand as it stands. */
static bool is_c_path(const char *s)
{
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr("_.->", *s))
			return false;
	return true;
}

static const char *ctype_int(unsigned size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? "__s8" : "__u8";
	case 2: return is_signed ? "__s16" : "__u16";
	case 4: return is_signed ? "__s32" : "__u32";
	default: return is_signed ? "__s64" : "__u64";
	}
}

static const char *ctype64(bool is_signed)
{
	return is_signed ? "__s64" : "__u64";
}

static bool int_signed(const struct expr *e)
{
	return e->type.kind == TY_INT && e->type.is_signed;
}

/* Append o's text to out as C type `want`, cast only when it has another. */
static void add_as(struct strbuf *out, const char *want, const struct operand *o)
{
	if (o->ct && !strcmp(o->ct, want))
		strbuf_addstr(out, o->s.buf);
	else
		strbuf_addf(out, "(%s)%s", want, o->s.buf);
}

static int emit_node(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		     struct operand *out);

static void operand_release(struct operand *o)
{
	strbuf_release(&o->s);
}

static void emit_literal_array(const struct expr *lit, const char *name, unsigned size,
			       struct strbuf *pre)
{
	size_t n = lit->slen < size ? lit->slen : size;

	strbuf_addf(pre, "char %s[%u] = {", name, size);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)lit->sval[i];

		if (c > 127)
			strbuf_addf(pre, "%s(char)%u", i ? ", " : " ", c);
		else
			strbuf_addf(pre, "%s%u", i ? ", " : " ", c);
	}
	strbuf_addstr(pre, n ? " };\n" : "};\n");
}

static int emit_strcmp(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		       struct operand *out)
{
	unsigned size = e->kid[0]->type.size > e->kid[1]->type.size ?
			e->kid[0]->type.size : e->kid[1]->type.size;
	unsigned t[2];
	char name[32];

	for (int i = 0; i < 2; i++) {
		const struct expr *k = e->kid[i];
		int ret;

		t[i] = ec->next_tmp++;
		snprintf(name, sizeof(name), "rcp_t%u", t[i]);
		if (k->kind == N_STR) {
			emit_literal_array(k, name, size, pre);
			continue;
		}
		strbuf_addf(pre, "char %s[%u] = {};\n", name, size);
		ret = emit_store_str(k, ec, name, size, pre);
		if (ret)
			return ret;
	}
	strbuf_addf(&out->s, "%srcp_strneq(rcp_t%u, rcp_t%u, %u)",
		    e->op == T_NE ? "!" : "", t[0], t[1], size);
	out->ct = "int";
	return 0;
}

/*
 * Signed division by hand: clang's BPF backend before cpu=v4 rejects
 * sdiv/smod, so divide magnitudes unsigned and fix the sign as C does
 * (quotient truncates toward zero, remainder takes the dividend's sign).
 * The sign is applied to the unsigned result, so INT64_MIN / 1 does not
 * negate INT64_MIN in s64 (undefined in C). A divisor the checker could
 * not see to be non-zero is tested: 0 gives 0, as bpftrace.
 */
static int emit_sdiv(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		     struct operand *out)
{
	struct operand a = OPERAND_INIT, b = OPERAND_INIT;
	unsigned ta, tb;
	char ua[96], ub[96];
	int ret;

	ret = emit_node(e->kid[0], ec, pre, &a);
	if (!ret)
		ret = emit_node(e->kid[1], ec, pre, &b);
	if (ret)
		goto out;
	ta = ec->next_tmp++;
	tb = ec->next_tmp++;
	strbuf_addf(pre, "__s64 rcp_t%u = %s;\n", ta, a.s.buf);
	strbuf_addf(pre, "__s64 rcp_t%u = %s;\n", tb, b.s.buf);
	snprintf(ua, sizeof(ua), "(rcp_t%u < 0 ? -(__u64)rcp_t%u : (__u64)rcp_t%u)", ta, ta, ta);
	snprintf(ub, sizeof(ub), "(rcp_t%u < 0 ? -(__u64)rcp_t%u : (__u64)rcp_t%u)", tb, tb, tb);
	if (!e->nonzero_divisor)
		strbuf_addf(&out->s, "(rcp_t%u == 0 ? 0 : ", tb);
	if (e->op == T_SLASH)
		strbuf_addf(&out->s, "(((rcp_t%u < 0) != (rcp_t%u < 0)) ? (__s64)-(%s / %s) : (__s64)(%s / %s))",
			    ta, tb, ua, ub, ua, ub);
	else
		strbuf_addf(&out->s, "((rcp_t%u < 0) ? (__s64)-(%s %% %s) : (__s64)(%s %% %s))",
			    ta, ua, ub, ua, ub);
	if (!e->nonzero_divisor)
		strbuf_addch(&out->s, ')');
	out->ct = "__s64";
out:
	operand_release(&a);
	operand_release(&b);
	return ret;
}

/*
 * Unsigned / and %: a divisor that may be 0 is read once into a
 * temporary and tested, since x / 0 is undefined in C (clang drops the
 * code that follows it); 0 gives 0, as bpftrace. A constant one is not.
 */
static void emit_udiv(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		      struct operand *a, struct operand *b, struct operand *out)
{
	const char *t = ctype64(e->type.is_signed);
	unsigned tb;

	out->ct = t;
	if (e->nonzero_divisor) {
		strbuf_addch(&out->s, '(');
		add_as(&out->s, t, a);
		strbuf_addf(&out->s, " %s ", c_op[e->op]);
		add_as(&out->s, t, b);
		strbuf_addch(&out->s, ')');
		return;
	}
	tb = ec->next_tmp++;
	strbuf_addf(pre, "%s rcp_t%u = ", t, tb);
	add_as(pre, t, b);
	strbuf_addstr(pre, ";\n");
	strbuf_addf(&out->s, "(rcp_t%u ? ", tb);
	add_as(&out->s, t, a);
	strbuf_addf(&out->s, " %s rcp_t%u : 0)", c_op[e->op], tb);
}

static int emit_binary(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		       struct operand *out)
{
	struct operand a = OPERAND_INIT, b = OPERAND_INIT;
	const char *op = c_op[e->op];
	const char *t;
	int ret;

	if (e->strcmp)
		return emit_strcmp(e, ec, pre, out);
	if ((e->op == T_SLASH || e->op == T_PERCENT) && e->type.is_signed)
		return emit_sdiv(e, ec, pre, out);
	if (!op)
		return internal(ec, e, "met an operator it has no C for");
	ret = emit_node(e->kid[0], ec, pre, &a);
	if (!ret)
		ret = emit_node(e->kid[1], ec, pre, &b);
	if (ret)
		goto out;
	switch (e->op) {
	case T_ANDAND:
	case T_OROR:
		strbuf_addf(&out->s, "(%s %s %s)", a.s.buf, op, b.s.buf);
		out->ct = "int";
		break;
	case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE:
		t = ctype64(int_signed(e->kid[0]) || int_signed(e->kid[1]));
		strbuf_addch(&out->s, '(');
		add_as(&out->s, t, &a);
		strbuf_addf(&out->s, " %s ", op);
		add_as(&out->s, t, &b);
		strbuf_addch(&out->s, ')');
		out->ct = "int";
		break;
	case T_SLASH:
	case T_PERCENT:
		emit_udiv(e, ec, pre, &a, &b, out);
		break;
	case T_SHL:
	case T_SHR:
		/* BPF masks shift counts to 6 bits; say so, rather than leave it undefined in C. */
		t = ctype64(e->type.is_signed);
		strbuf_addch(&out->s, '(');
		add_as(&out->s, t, &a);
		strbuf_addf(&out->s, " %s (%s & 63))", op, b.s.buf);
		out->ct = t;
		break;
	default:
		t = ctype64(e->type.is_signed);
		strbuf_addch(&out->s, '(');
		add_as(&out->s, t, &a);
		strbuf_addf(&out->s, " %s ", op);
		add_as(&out->s, t, &b);
		strbuf_addch(&out->s, ')');
		out->ct = t;
		break;
	}
out:
	operand_release(&a);
	operand_release(&b);
	return ret;
}

static int emit_field(const struct expr *e, struct emit_ctx *ec, struct operand *out)
{
	if (e->res != RES_FIELD || !text_is_identifier(e->member) || !text_is_identifier(ec->ctx_var))
		return internal(ec, e, "was given a field that is no C identifier");
	if (e->fkind == FIELD_READER_ARG) {
		/* not in the record: the provider's runtime reads it */
		if (!ec->arg_reader || !text_is_identifier(ec->arg_reader))
			return internal(ec, e, "has no argument reader for this probe type");
		strbuf_addf(&out->s, "%s((void *)%s, %u)", ec->arg_reader, ec->ctx_var, e->findex);
		out->ct = "__s64";
		return 0;
	}
	if (e->type.kind == TY_INT)
		out->ct = ctype_int(e->type.size, e->type.is_signed);
	else if (e->type.kind == TY_PTR)
		out->ct = "__u64";	/* the record declares pointers as __u64 */
	else
		return internal(ec, e, "was given a field of no integer type");
	strbuf_addf(&out->s, "%s->%s", ec->ctx_var, e->member);
	return 0;
}

static int emit_ident(const struct expr *e, struct emit_ctx *ec, struct operand *out)
{
	if (e->res == RES_NAMED) {
		if (e->type.kind == TY_STR || !is_c_lvalue(e->member))
			return internal(ec, e, "was given a named value it cannot read as a number");
		strbuf_addf(&out->s, is_c_path(e->member) ? "%s" : "(%s)", e->member);
		out->ct = e->type.kind == TY_PROBE ? "__u32" :
			  ctype64(e->type.kind == TY_INT && e->type.is_signed);
		return 0;
	}
	if (e->res != RES_BUILTIN || e->builtin >= B_COUNT)
		return internal(ec, e, "was given an unresolved name");
	if (e->builtin == B_PROBE || e->builtin == B_FUNC) {
		if (!ec->cookie_expr || !is_c_lvalue(ec->cookie_expr))
			return internal(ec, e, "has no probe index to read");
		strbuf_addf(&out->s, is_c_path(ec->cookie_expr) ? "%s" : "(%s)", ec->cookie_expr);
		out->ct = "__u32";
		return 0;
	}
	if (!builtin_c[e->builtin].c)
		return internal(ec, e, "has no C for this builtin as a number");
	if (builtin_c[e->builtin].takes_ctx) {
		if (!text_is_identifier(ec->ctx_var))
			return internal(ec, e, "has no context variable");
		strbuf_addf(&out->s, "%s((void *)%s)", builtin_c[e->builtin].c, ec->ctx_var);
	} else {
		strbuf_addstr(&out->s, builtin_c[e->builtin].c);
	}
	out->ct = builtin_c[e->builtin].ct;
	return 0;
}

/* A call that yields a number: a display function's argument, kept as it is. */
static int emit_call(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		     struct operand *out)
{
	const struct expr *arg;
	struct operand k = OPERAND_INIT;
	int ret;

	switch (e->func) {
	case F_FIRST:
		return emit_node(e->args[e->chosen], ec, pre, out);
	case F_KSTACK:
	case F_USTACK:
		return emit_ident(e, ec, out);
	case F_SYSCALL_NAME: case F_ERRNO_NAME: case F_MAJMIN: case F_KSYM: case F_NTOP:
		break;
	default:
		return internal(ec, e, "was asked for a number from a function that gives none");
	}
	arg = e->args[e->nargs - 1];
	if (arg->type.kind == TY_BYTES) {
		/* ntop() of 4 bytes: the address, copied from the record */
		const struct expr *a = expr_unwrap(arg);
		unsigned t = ec->next_tmp++;

		if (a->kind != N_FIELD || a->type.size != 4 || !text_is_identifier(a->member) ||
		    !text_is_identifier(ec->ctx_var))
			return internal(ec, e, "was given an address that is no 4-byte field");
		strbuf_addf(pre, "__u32 rcp_t%u = 0;\n__builtin_memcpy(&rcp_t%u, %s->%s, 4);\n",
			    t, t, ec->ctx_var, a->member);
		strbuf_addf(&out->s, "rcp_t%u", t);
		out->ct = "__u32";
		return 0;
	}
	ret = emit_node(arg, ec, pre, &k);
	if (!ret) {
		out->ct = ctype64(e->type.is_signed);
		add_as(&out->s, out->ct, &k);
	}
	operand_release(&k);
	return ret;
}

static int emit_node(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		     struct operand *out)
{
	struct operand k = OPERAND_INIT;
	int ret = 0;

	if (!e->checked)
		return internal(ec, e, "was given a tree no check has annotated");
	switch (e->kind) {
	case N_INT:
		if (e->ival <= INT64_MAX) {
			strbuf_addf(&out->s, "%" PRIu64 "LL", e->ival);
			out->ct = "__s64";
		} else {
			strbuf_addf(&out->s, "%" PRIu64 "ULL", e->ival);
			out->ct = "__u64";
		}
		return 0;
	case N_FIELD:
		return emit_field(e, ec, out);
	case N_IDENT:
		return emit_ident(e, ec, out);
	case N_CAST:
		ret = emit_node(e->kid[0], ec, pre, &k);
		if (!ret) {
			out->ct = ctype_int(e->type.size, e->type.is_signed);
			add_as(&out->s, out->ct, &k);
		}
		break;
	case N_UNARY:
		ret = emit_node(e->kid[0], ec, pre, &k);
		if (ret)
			break;
		if (e->op == T_BANG) {
			strbuf_addf(&out->s, "!%s", k.s.buf);
			out->ct = "int";
			break;
		}
		if (e->op != T_MINUS && e->op != T_TILDE) {
			ret = internal(ec, e, "met a unary operator it has no C for");
			break;
		}
		/* "- -1" must not become the decrement "--1" */
		out->ct = ctype64(e->type.is_signed);
		strbuf_addf(&out->s, "%s", c_op[e->op]);
		if (!strcmp(k.ct ? k.ct : "", out->ct) && k.s.buf[0] == '-')
			strbuf_addf(&out->s, "(%s)", k.s.buf);
		else
			add_as(&out->s, out->ct, &k);
		break;
	case N_BINARY:
		return emit_binary(e, ec, pre, out);
	case N_CALL:
		return emit_call(e, ec, pre, out);
	case N_STR:
		return internal(ec, e, "was asked for a string literal as a number");
	}
	operand_release(&k);
	return ret;
}

int emit_value(const struct expr *e, bool cast, struct emit_ctx *ec, struct strbuf *pre,
	       struct strbuf *out)
{
	struct operand o = OPERAND_INIT;
	int ret;

	if (!e || !e->checked ||
	    (e->type.kind != TY_INT && e->type.kind != TY_PROBE && e->type.kind != TY_PTR))
		return internal(ec, e, "was given a tree that is no checked number");
	ret = emit_node(e, ec, pre, &o);
	if (!ret && cast)
		add_as(out, ctype64(int_signed(e)), &o);
	else if (!ret)
		strbuf_addstr(out, o.s.buf);
	operand_release(&o);
	return ret;
}

/* Store the number e gives with a helper `fn(dst, value)` (rcp_join, rcp_usym). */
static int emit_store_call(const struct expr *arg, const char *fn, const char *argtype,
			   struct emit_ctx *ec, const char *dst, struct strbuf *pre)
{
	struct operand o = OPERAND_INIT;
	int ret = emit_node(arg, ec, pre, &o);

	if (!ret) {
		strbuf_addf(pre, "%s(%s, ", fn, dst);
		if (!strcmp(argtype, "(const void *)"))
			strbuf_addf(pre, "(const void *)%s", o.s.buf);
		else
			add_as(pre, argtype, &o);
		strbuf_addstr(pre, ");\n");
	}
	operand_release(&o);
	return ret;
}

int emit_store_str(const struct expr *e, struct emit_ctx *ec,
		   const char *dst, unsigned dst_size, struct strbuf *pre)
{
	struct operand p = OPERAND_INIT;
	const struct expr *a;
	unsigned n;
	int ret = 0;

	if (!e || e->type.kind != TY_STR || !dst_size || !is_c_lvalue(dst))
		return internal(ec, e, "was asked to store what is no string");
	n = e->type.size < dst_size ? e->type.size : dst_size;
	switch (e->kind) {
	case N_STR:
		for (unsigned i = 0; i < n && i < e->slen; i++) {
			unsigned char c = (unsigned char)e->sval[i];

			strbuf_addf(pre, c > 127 ? "%s[%u] = (char)%u;\n" : "%s[%u] = %u;\n",
				    dst, i, c);
		}
		return 0;
	case N_IDENT:
		if (e->res == RES_BUILTIN && e->builtin == B_COMM) {
			strbuf_addf(pre, "bpf_get_current_comm(%s, %u);\n", dst, n);
			return 0;
		}
		if (e->res == RES_NAMED && is_c_lvalue(e->member)) {
			/*
			 * Byte by byte: a param lives in the volatile config,
			 * and memcpy would cast the qualifier away and let
			 * clang fold the object's zero initializer into it.
			 */
			strbuf_addf(pre, "for (unsigned rcp_i = 0; rcp_i < %u; rcp_i++)\n"
					 "\t%s[rcp_i] = %s[rcp_i];\n",
				    n, dst, e->member);
			return 0;
		}
		return internal(ec, e, "was given a string name it cannot read");
	case N_FIELD:
		if (e->res != RES_FIELD || !text_is_identifier(e->member) || !text_is_identifier(ec->ctx_var))
			return internal(ec, e, "was given a field that is no C identifier");
		/*
		 * All N bytes (a char[N] may be full, with no NUL), then
		 * zeros after the first NUL: the kernel leaves whatever was
		 * in the record's buffer there, and "WS\0junk" would be a
		 * second key that prints as "WS".
		 */
		if (e->fkind == FIELD_CHAR_ARRAY)
			strbuf_addf(pre, "bpf_probe_read_kernel(%s, %u, &%s->%s);\n"
					 "rcp_zero_after_nul(%s, %u);\n",
				    dst, n, ec->ctx_var, e->member, dst, n);
		else if (e->fkind == FIELD_DATA_LOC_STR)
			strbuf_addf(pre, "bpf_probe_read_kernel_str(%s, %u, (void *)%s + (%s->%s & 0xffff));\n",
				    dst, n, ec->ctx_var, ec->ctx_var, e->member);
		else
			return internal(ec, e, "was given a string field of no string kind");
		return 0;
	case N_CALL:
		switch (e->func) {
		case F_FIRST:
			return emit_store_str(e->args[e->chosen], ec, dst, dst_size, pre);
		case F_JOIN:
			return emit_store_call(e->args[0], "rcp_join", "(const void *)", ec, dst, pre);
		case F_USYM:
			return emit_store_call(e->args[0], "rcp_usym", "__u64", ec, dst, pre);
		case F_NTOP:
			/* ntop() of 16 bytes: copy the address as it is */
			a = expr_unwrap(e->args[e->nargs - 1]);
			if (a->kind != N_FIELD || a->type.kind != TY_BYTES ||
			    !text_is_identifier(a->member) || !text_is_identifier(ec->ctx_var))
				return internal(ec, e, "was given an IPv6 address that is no field");
			strbuf_addf(pre, "bpf_probe_read_kernel(%s, %u, &%s->%s);\n", dst,
				    n < a->type.size ? n : a->type.size, ec->ctx_var, a->member);
			/*
			 * A socket address is keyed by its address alone: the
			 * port, and IPv6's flow label, would split one peer
			 * into a key per connection that all read alike.
			 */
			if (e->type.display == DISP_SOCKADDR && n >= 8)
				strbuf_addf(pre, "__builtin_memset((__u8 *)(%s) + 2, 0, 2);\n"
					    "if (*(__u16 *)(%s) == 10)\n"
					    "\t__builtin_memset((__u8 *)(%s) + 4, 0, 4);\n", dst, dst, dst);
			return 0;
		case F_STR:
			ret = emit_node(e->args[0], ec, pre, &p);
			if (!ret)
				strbuf_addf(pre, "bpf_probe_read_%s_str(%s, %u, (const void *)%s);\n",
					    e->args[0]->type.user ? "user" : "kernel", dst, n, p.s.buf);
			operand_release(&p);
			return ret;
		default:
			return internal(ec, e, "was asked for a string from a function that gives none");
		}
	default:
		return internal(ec, e, "was asked to store a string it cannot compute");
	}
}
