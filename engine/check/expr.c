/*
 * expr: the checker. expr_check() resolves names (builtins, params,
 * probe fields) and types every node of a tree parse.c built; nothing
 * here writes C. Builtin functions are one table, funcs[]: the checks,
 * the docs and the hints all come from it.
 */
#include "check/expr_tree.h"
#include "util/strbuf.h"
#include "util/text.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sizeof(struct sockaddr_in6): how tcp:tcp_probe keeps either family */
#define SOCKADDR_SIZE 28
#define STR_DEFAULT	64
#define STR_MAX		256
#define STACK_DEPTH_MAX 127

static const struct builtin {
	const char *name;
	struct expr_type type;
} builtins[B_COUNT] = {
	[B_COMM] = { "comm", { TY_STR, 16, false, false } },
	[B_PID] = { "pid", { TY_INT, 4, false, false } },
	[B_TID] = { "tid", { TY_INT, 4, false, false } },
	[B_UID] = { "uid", { TY_INT, 4, false, false } },
	[B_CPU] = { "cpu", { TY_INT, 4, false, false } },
	[B_NSECS] = { "nsecs", { TY_INT, 8, false, false } },
	/* The boot clock counts suspend too: user space turns it into wall time. */
	[B_TIME] = { "time", { TY_INT, 8, false, false, DISP_TIME } },
	[B_PROBE] = { "probe", { TY_PROBE, 4, false, false } },
	/* The attach point too, shown as its function (the target's last part). */
	[B_FUNC] = { "func", { TY_PROBE, 4, false, false, DISP_FUNC } },
	[B_KSTACK] = { "kstack", { TY_INT, 8, true, false, DISP_KSTACK } },
	[B_USTACK] = { "ustack", { TY_INT, 8, false, false, DISP_USTACK } },
};

#define BUILTIN_LIST "comm, pid, tid, uid, cpu, nsecs, time, probe, func, kstack, ustack"

static const struct expr_type type_s64 = { TY_INT, 8, true, false };

void expr_type_name(const struct expr_type *t, char *buf, unsigned len)
{
	if (!len)
		return;
	switch (t->kind) {
	case TY_INT:
		snprintf(buf, len, "%c%u", t->is_signed ? 's' : 'u', t->size * 8);
		break;
	case TY_STR:
		snprintf(buf, len, "char[%u]", t->size);
		break;
	case TY_PTR:
		snprintf(buf, len, "pointer");
		break;
	case TY_PROBE:
		snprintf(buf, len, "probe");
		break;
	case TY_BYTES:
		snprintf(buf, len, "u8[%u]", t->size);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

static int check_node(struct expr *e, const struct expr_env *env, struct diag_list *d);

static char *named_list(const struct expr_env *env)
{
	struct strbuf sb = STRBUF_INIT;

	for (unsigned i = 0; i < env->nnamed; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", env->named[i].name);
	return strbuf_detach(&sb);
}

static int check_ident(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	char *names;

	for (unsigned i = 0; i < B_COUNT; i++) {
		if (!strcmp(e->name, builtins[i].name)) {
			e->res = RES_BUILTIN;
			e->builtin = (enum builtin_id)i;
			e->type = builtins[i].type;
			return 0;
		}
	}
	for (unsigned i = 0; i < env->nnamed; i++) {
		const struct expr_named *nv = &env->named[i];

		if (strcmp(e->name, nv->name))
			continue;
		if (nv->type.kind == TY_BYTES || !nv->lvalue)
			return expr_err_at(d, &e->src, e->off,
				      "'%s' has a type expressions cannot use", e->name);
		if (nv->from_start && env->at_start) {
			expr_err_at(d, &e->src, e->off, "'%s' is known only at the end", e->name);
			diag_hint(d, "the start records it; the end's filter, key and value can use it");
			return -EINVAL;
		}
		e->res = RES_NAMED;
		e->member = xstrdup(nv->lvalue);
		e->type = nv->type;
		e->from_start = nv->from_start;
		return 0;
	}
	expr_err_at(d, &e->src, e->off, "unknown identifier '%s'", e->name);
	if (!strcmp(e->name, "latency")) {
		diag_hint(d, "latency is the time since the matched start event: it exists at the end of a recipe with a start: section");
		return -EINVAL;
	}
	names = named_list(env);
	if (*names)
		diag_hint(d, "builtins: %s; named values: %s", BUILTIN_LIST, names);
	else
		diag_hint(d, "builtins: %s; this recipe declares no params", BUILTIN_LIST);
	free(names);
	return -EINVAL;
}

static int check_field(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	const char *desc = env->probe_desc ? env->probe_desc : "this probe";
	struct field_info fi;
	int ret;

	if (!env->field) {
		expr_err_at(d, &e->src, e->off, "%s has no args", desc);
		diag_hint(d, "args.NAME is available on tracepoints");
		return -EINVAL;
	}
	memset(&fi, 0, sizeof(fi));
	ret = env->field(env->ctx, e->name, &fi);
	if (ret == -ENOENT) {
		const char *names = env->field_names ? env->field_names(env->ctx) : NULL;

		expr_err_at(d, &e->src, e->op_off, "%s has no field '%s'", desc, e->name);
		if (names && *names)
			diag_hint(d, "available fields: %s", names);
		else
			diag_hint(d, "this probe has no args; builtins such as comm, pid and cpu still work");
		return -EINVAL;
	}
	if (ret < 0)
		return expr_err_at(d, &e->src, e->op_off, "cannot read the fields of %s: %s",
			      desc, strerror(-ret));
	if (!fi.name)
		fi.name = e->name;
	switch (fi.kind) {
	case FIELD_INT:
		if (fi.size != 1 && fi.size != 2 && fi.size != 4 && fi.size != 8)
			goto other;
		/* `user`: which memory str() reads when the integer is an address */
		e->type = (struct expr_type){ TY_INT, fi.size, fi.is_signed, fi.user_ptr };
		break;
	case FIELD_CHAR_ARRAY:
		if (!fi.size || fi.size > STR_MAX)
			goto other;
		e->type = (struct expr_type){ TY_STR, fi.size, false, false };
		break;
	case FIELD_DATA_LOC_STR:
		e->type = (struct expr_type){ TY_STR, STR_DEFAULT, false, false };
		break;
	case FIELD_PTR:
		e->type = (struct expr_type){ TY_PTR, 8, false, fi.user_ptr };
		break;
	case FIELD_READER_ARG:
		e->type = type_s64;
		e->type.user = fi.user_ptr;
		break;
	case FIELD_BYTES:
		/* addresses: IPv4, IPv6, and a socket address of either */
		if (fi.size != 4 && fi.size != 16 && fi.size != SOCKADDR_SIZE)
			goto other;
		e->type = (struct expr_type){ TY_BYTES, fi.size, false, false };
		break;
	default:
		goto other;
	}
	e->res = RES_FIELD;
	e->fkind = fi.kind;
	e->findex = fi.offset;
	e->member = xstrdup(fi.name);
	return 0;
other:
	expr_err_at(d, &e->src, e->op_off, "field '%s' has type '%s' which expressions cannot use",
	       fi.name, fi.ctype ? fi.ctype : "?");
	return -EINVAL;
}


/* An operand that must be an integer; pointers count as their u64 address. */
static int need_int(const struct expr *k, const char *op, struct diag_list *d)
{
	char tn[32];

	switch (k->type.kind) {
	case TY_INT:
	case TY_PTR:
		return 0;
	case TY_STR:
		if (expr_unwrap(k)->kind == N_STR)
			expr_err_at(d, &k->src, k->off,
			       "operand of '%s' is a string literal, expected an integer", op);
		else {
			expr_type_name(&k->type, tn, sizeof(tn));
			expr_err_at(d, &k->src, k->off,
			       "operand of '%s' is a string (%s), expected an integer", op, tn);
		}
		diag_hint(d, "strings support only == and !=");
		break;
	case TY_PROBE:
		expr_err_at(d, &k->src, k->off,
		       "operand of '%s' is a probe, expected an integer", op);
		diag_hint(d, "'probe' can only be used on its own, as a key");
		break;
	case TY_BYTES:
		expr_type_name(&k->type, tn, sizeof(tn));
		expr_err_at(d, &k->src, k->off,
		       "operand of '%s' is a byte array (%s), expected an integer", op, tn);
		diag_hint(d, "a byte array is an address here: show it with ntop()");
		break;
	}
	return -EINVAL;
}

/*
 * The value of a checked subtree made of integer literals only, as the
 * generated C computes it (64 bits, wrapping; casts truncate): true and
 * *v, or false when it is not such a constant (or uses an operator this
 * does not fold). It tells a constant zero divisor, `x / 0` or
 * `x % (1 - 1)`, from one known only at run time.
 */
static bool const_value(const struct expr *e, uint64_t *v)
{
	uint64_t a, b;

	switch (e->kind) {
	case N_INT:
		*v = e->ival;
		return true;
	case N_CAST:
		if (!const_value(e->kid[0], &a))
			return false;
		if (e->type.size < 8) {
			unsigned bits = 8 * e->type.size;

			a &= (1ull << bits) - 1;
			if (e->type.is_signed && (a >> (bits - 1)))
				a |= ~0ull << bits;
		}
		*v = a;
		return true;
	case N_UNARY:
		if (!const_value(e->kid[0], &a))
			return false;
		*v = e->op == T_MINUS ? -a : e->op == T_TILDE ? ~a : !a;
		return true;
	case N_BINARY:
		if (!const_value(e->kid[0], &a) || !const_value(e->kid[1], &b))
			return false;
		switch (e->op) {
		case T_PLUS: *v = a + b; return true;
		case T_MINUS: *v = a - b; return true;
		case T_STAR: *v = a * b; return true;
		case T_AMP: *v = a & b; return true;
		case T_PIPE: *v = a | b; return true;
		case T_CARET: *v = a ^ b; return true;
		case T_SHL: *v = a << (b & 63); return true;
		default: return false;
		}
	default:
		return false;
	}
}

static int check_binary(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	struct expr *a = e->kid[0], *b = e->kid[1];
	const char *op = expr_tok_text[e->op];
	int r1 = check_node(a, env, d);
	int r2 = check_node(b, env, d);

	if (r1 || r2)
		return -EINVAL;
	if ((e->op == T_EQ || e->op == T_NE) &&
	    (a->type.kind == TY_STR || b->type.kind == TY_STR)) {
		if (a->type.kind == TY_STR && b->type.kind == TY_STR) {
			const struct expr *ua = expr_unwrap(a), *ub = expr_unwrap(b);
			const struct expr *lit = ua->kind == N_STR ? ua : ub->kind == N_STR ? ub : NULL;
			const struct expr *val = lit == ua ? ub : ua;

			/* Only a char[N] field may fill its buffer without a NUL. */
			unsigned room = val->kind == N_FIELD && val->fkind == FIELD_CHAR_ARRAY ?
					val->type.size : val->type.size - 1;

			if (lit && val->kind != N_STR && strlen(lit->sval) > room) {
				struct diag_at at = expr_locate(&lit->src, lit->off);
				char tn[32];

				expr_type_name(&val->type, tn, sizeof(tn));
				diag_add(d, DIAG_WARNING, &at,
					 "string literal is longer than the %s it is compared with; the comparison is always %s",
					 tn, e->op == T_EQ ? "false" : "true");
				if (val->kind == N_IDENT && val->res == RES_BUILTIN &&
				    val->builtin == B_COMM)
					diag_hint(d, "comm holds at most 15 characters");
			}
			e->strcmp = true;
			e->type = type_s64;
			return 0;
		}
		{
			const struct expr *s = a->type.kind == TY_STR ? a : b;
			const struct expr *o = s == a ? b : a;
			char ts[32], to[32];

			if (o->type.kind == TY_PROBE)
				return need_int(o, op, d);
			expr_type_name(&s->type, ts, sizeof(ts));
			expr_type_name(&o->type, to, sizeof(to));
			expr_err_at(d, &e->src, e->op_off, "cannot compare a string (%s) with %s (%s)",
			       s->kind == N_STR ? "literal" : ts,
			       o->type.kind == TY_PTR ? "a pointer" : "an integer", to);
			if (o->type.kind == TY_PTR)
				diag_hint(d, "read the string it points to with str()");
			else
				diag_hint(d, "strings compare only with strings, e.g. comm == \"bash\"");
			return -EINVAL;
		}
	}
	/* One complaint per operator is enough: "x" < "y" is one mistake. */
	if (need_int(a, op, d) || need_int(b, op, d))
		return -EINVAL;
	e->strcmp = false;
	e->nonzero_divisor = false;
	if (e->op == T_SLASH || e->op == T_PERCENT) {
		uint64_t v;

		if (const_value(b, &v) && !v) {
			expr_err_at(d, &e->src, e->op_off, "%s by zero: the divisor is the constant 0",
				    e->op == T_SLASH ? "division" : "modulo");
			diag_hint(d, "divide by a field or a param; a divisor that is 0 when the "
				  "event comes gives 0, as in bpftrace");
			return -EINVAL;
		}
		e->nonzero_divisor = const_value(b, &v);
	}
	switch (e->op) {
	case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE:
	case T_ANDAND: case T_OROR:
		e->type = type_s64;
		break;
	case T_SHL: case T_SHR:
		/* As in C, a shift keeps the left operand's signedness. */
		e->type = (struct expr_type){ TY_INT, 8, a->type.kind == TY_INT && a->type.is_signed, false };
		break;
	default:
		e->type = (struct expr_type){ TY_INT, 8,
			(a->type.kind == TY_INT && a->type.is_signed) ||
			(b->type.kind == TY_INT && b->type.is_signed), false };
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Functions: one entry of funcs[] each                                */

struct func;
typedef int (*func_check_fn)(struct expr *e, const struct func *f, const struct expr_env *env,
			     struct diag_list *d);

/*
 * A builtin function, as ply's struct func: its name, arity, how it is
 * checked, what it is in docs and hints. bpf-gen/emit.c has the emitter
 * of each id. Adding a function: one entry here, its F_ id in
 * expr_tree.h, its emitter in bpf-gen/emit.c, a test.
 */
struct func {
	const char *name;
	enum func_id id;
	unsigned min_args, max_args;	/* FUNC_VARIADIC: no upper bound */
	func_check_fn check;
	const char *signature;		/* "str(ptr[, maxlen])", for docs and hints */
	const char *example;		/* for the arity hint */
	const char *doc;		/* one line */
	/* display functions: how the number is shown, and its signedness */
	enum expr_display display;
	bool is_signed;
	bool takes_pointer;
};

#define FUNC_VARIADIC 255

static int check_args(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	int ret = 0;

	for (unsigned i = 0; i < e->nargs; i++)
		if (check_node(e->args[i], env, d))
			ret = -EINVAL;
	return ret;
}

/* Functions that keep an integer and say how the report shows it. */
static int check_display(struct expr *e, const struct func *f, const struct expr_env *env,
			 struct diag_list *d)
{
	struct expr *arg = e->args[0];
	char tn[32];

	if (check_node(arg, env, d))
		return -EINVAL;
	if (arg->type.kind != TY_INT && !(arg->type.kind == TY_PTR && f->takes_pointer)) {
		expr_type_name(&arg->type, tn, sizeof(tn));
		expr_err_at(d, &arg->src, arg->off, "%s() needs an integer, got %s", f->name, tn);
		diag_hint(d, "%s() shows a number as a name; give it the number", f->name);
		return -EINVAL;
	}
	e->type = (struct expr_type){ TY_INT, 8, f->is_signed, false, f->display };
	return 0;
}

/*
 * ntop(addr) or ntop(af, addr), as bpftrace: an integer or 4 bytes is an
 * IPv4 address, 16 bytes IPv6; af (2 or 10), when given, must agree.
 * 28 bytes are a socket address (sockaddr_in or sockaddr_in6, as
 * tcp:tcp_probe keeps them), which carries its own family.
 */
static int check_ntop(struct expr *e, const struct func *f, const struct expr_env *env,
		      struct diag_list *d)
{
	struct expr *addr = e->args[e->nargs - 1];
	const struct expr *af = e->nargs == 2 ? e->args[0] : NULL;
	bool v6;
	char tn[32];

	(void)f;
	if (check_node(addr, env, d))
		return -EINVAL;
	if (addr->type.kind != TY_INT &&
	    !(addr->type.kind == TY_BYTES && (addr->type.size == 4 || addr->type.size == 16 ||
					      addr->type.size == SOCKADDR_SIZE))) {
		expr_type_name(&addr->type, tn, sizeof(tn));
		expr_err_at(d, &addr->src, addr->off,
			    "ntop() needs an integer, 4 or 16 address bytes or a 28-byte socket address, got %s",
			    tn);
		diag_hint(d, "give it an address field, e.g. ntop(args.daddr)");
		return -EINVAL;
	}
	if (addr->type.kind == TY_BYTES && addr->type.size == SOCKADDR_SIZE) {
		if (af)
			return expr_err_at(d, &af->src, af->off,
					   "ntop() of a socket address takes no family: the address has its own");
		if (expr_unwrap(addr)->kind != N_FIELD)
			return expr_err_at(d, &addr->src, addr->off,
					   "ntop() of bytes needs a field, e.g. args.daddr");
		e->type = (struct expr_type){ TY_STR, SOCKADDR_SIZE, false, false, DISP_SOCKADDR };
		return 0;
	}
	v6 = addr->type.kind == TY_BYTES && addr->type.size == 16;
	if (af && (af->kind != N_INT || af->ival != (v6 ? 10u : 2u))) {
		expr_err_at(d, &af->src, af->off, "ntop() family must be %d (%s) for this address",
		       v6 ? 10 : 2, v6 ? "AF_INET6" : "AF_INET");
		diag_hint(d, "or leave the family out: the address's size tells it");
		return -EINVAL;
	}
	/* the emitter copies 4 or 16 bytes of a field straight from the record */
	if (addr->type.kind == TY_BYTES && expr_unwrap(addr)->kind != N_FIELD)
		return expr_err_at(d, &addr->src, addr->off, "ntop() of bytes needs a field, e.g. args.daddr");
	e->type = v6 ? (struct expr_type){ TY_STR, 16, false, false, DISP_IPV6 }
		     : (struct expr_type){ TY_INT, 8, false, false, DISP_IPV4 };
	return 0;
}

/*
 * usym(addr): a user address, named from the process's memory map in
 * the report; the key keeps the pid beside the address (16 bytes).
 */
static int check_usym(struct expr *e, const struct func *f, const struct expr_env *env,
		      struct diag_list *d)
{
	struct expr *addr = e->args[0];
	char tn[32];

	(void)f;
	if (check_node(addr, env, d))
		return -EINVAL;
	if (addr->type.kind != TY_INT && addr->type.kind != TY_PTR) {
		expr_type_name(&addr->type, tn, sizeof(tn));
		expr_err_at(d, &addr->src, addr->off, "usym() needs an address, got %s", tn);
		diag_hint(d, "give it a user address, e.g. a uprobe's args.arg0");
		return -EINVAL;
	}
	e->type = (struct expr_type){ TY_STR, 16, false, false, DISP_USYM };
	return 0;
}

/* join(argv): a user array of strings, as execve's argv. */
static int check_join(struct expr *e, const struct func *f, const struct expr_env *env,
		      struct diag_list *d)
{
	struct expr *arr = e->args[0];
	char tn[32];

	(void)f;
	if (check_node(arr, env, d))
		return -EINVAL;
	if (arr->type.kind != TY_PTR || !arr->type.user) {
		expr_type_name(&arr->type, tn, sizeof(tn));
		expr_err_at(d, &arr->src, arr->off, "join() needs a user pointer to strings, got %s%s", tn,
		       arr->type.kind == TY_PTR ? " (kernel)" : "");
		diag_hint(d, "e.g. join(args.argv) on tracepoint:syscalls:sys_enter_execve");
		return -EINVAL;
	}
	e->type = (struct expr_type){ TY_STR, EXPR_JOIN_ARGS * EXPR_JOIN_ARG_SIZE, false, false,
				      DISP_JOIN };
	return 0;
}

/* kstack(N), ustack(N): a stack key showing at most N frames. */
static int check_stack(struct expr *e, const struct func *f, const struct expr_env *env,
		       struct diag_list *d)
{
	const struct expr *n = e->nargs == 1 ? e->args[0] : NULL;
	enum builtin_id b = f->id == F_KSTACK ? B_KSTACK : B_USTACK;

	(void)env;
	if (n && (n->kind != N_INT || n->ival < 1 || n->ival > STACK_DEPTH_MAX)) {
		expr_err_at(d, &e->src, e->off, "%s() takes one depth, an integer literal from 1 to %d",
		       f->name, STACK_DEPTH_MAX);
		diag_hint(d, "e.g. %s(5) for the innermost five frames, or %s for all",
			  f->name, f->name);
		return -EINVAL;
	}
	e->res = RES_BUILTIN;
	e->builtin = b;
	e->type = builtins[b].type;
	e->type.depth = n ? (unsigned)n->ival : 0;
	return 0;
}

/*
 * first(a, b, ...): the first argument this probe can evaluate, decided
 * per attach point when the expression is checked, so one recipe can
 * name a value that different probes call differently
 * (first(args.pid, args.prev_pid)). An argument that does not check is
 * skipped quietly; when none does, the last one's error is reported.
 */
static int check_first(struct expr *e, const struct func *f, const struct expr_env *env,
		       struct diag_list *d)
{
	(void)f;
	for (unsigned i = 0; i + 1 < e->nargs; i++) {
		struct diag_list quiet = DIAG_LIST_INIT;
		int ret = check_node(e->args[i], env, &quiet);

		diag_list_release(&quiet);
		if (!ret) {
			e->chosen = i;
			/* again, for its warnings */
			check_node(e->args[i], env, d);
			break;
		}
		e->chosen = i + 1;
	}
	if (e->chosen == e->nargs - 1 && check_node(e->args[e->chosen], env, d)) {
		diag_hint(d, "first() found none of its %u arguments usable on %s", e->nargs,
			  env->probe_desc ? env->probe_desc : "this probe");
		return -EINVAL;
	}
	e->type = e->args[e->chosen]->type;
	return 0;
}

static int check_str(struct expr *e, const struct func *f, const struct expr_env *env,
		     struct diag_list *d)
{
	struct expr *ptr;
	char tn[32];

	(void)f;
	if (check_args(e, env, d))
		return -EINVAL;
	ptr = e->args[0];
	/*
	 * Or a user program's 64-bit arg (a uprobe's arg0), untyped but
	 * an address as often as not, as bpftrace's str(arg0) takes it.
	 */
	if (ptr->type.kind != TY_PTR &&
	    !(ptr->type.kind == TY_INT && ptr->type.size == 8 && ptr->type.user)) {
		expr_type_name(&ptr->type, tn, sizeof(tn));
		expr_err_at(d, &ptr->src, ptr->off, "str() needs a pointer, got %s", tn);
		if (ptr->type.kind == TY_STR)
			diag_hint(d, "this is already a string; use it without str()");
		else
			diag_hint(d, "str() reads the string a pointer field points to, e.g. str(args.filename), or a uprobe's str(args.arg0)");
		return -EINVAL;
	}
	e->maxlen = STR_DEFAULT;
	if (e->nargs == 2) {
		const struct expr *m = e->args[1];

		if (m->kind != N_INT || m->ival < 1 || m->ival > STR_MAX) {
			expr_err_at(d, &m->src, m->off,
			       "str() maxlen must be an integer literal from 1 to %d", STR_MAX);
			return -EINVAL;
		}
		e->maxlen = (unsigned)m->ival;
	}
	e->type = (struct expr_type){ TY_STR, e->maxlen, false, false };
	return 0;
}

static const struct func funcs[] = {
	{ "str", F_STR, 1, 2, check_str, "str(ptr[, maxlen])", "str(args.filename, 128)",
	  "the string a pointer points to (user or kernel memory), maxlen bytes (64 by default, at most 256)" },
	{ "join", F_JOIN, 1, 1, check_join, "join(argv)", "join(args.argv)",
	  "a user array of strings (execve's argv): its first six, space-separated" },
	{ "syscall_name", F_SYSCALL_NAME, 1, 1, check_display, "syscall_name(id)",
	  "syscall_name(args.id)", "a syscall number, shown as its name",
	  DISP_SYSCALL, false, false },
	{ "errno_name", F_ERRNO_NAME, 1, 1, check_display, "errno_name(n)",
	  "errno_name(args.ret)", "an errno (n or -n), shown as its name (EBADF)",
	  DISP_ERRNO, true, false },
	{ "majmin", F_MAJMIN, 1, 1, check_display, "majmin(dev)", "majmin(args.dev)",
	  "a kernel dev_t, shown as major:minor", DISP_DEV, false, false },
	{ "ksym", F_KSYM, 1, 1, check_display, "ksym(addr)", "ksym(args.x)",
	  "a kernel address, shown as its symbol", DISP_KSYM, false, true },
	{ "usym", F_USYM, 1, 1, check_usym, "usym(addr)", "usym(args.arg0) or usym(args.retval)",
	  "a user address of the current process, named from its memory map" },
	{ "ntop", F_NTOP, 1, 2, check_ntop, "ntop([af, ]addr)", "ntop(args.saddr) or ntop(2, args.saddr)",
	  "an IPv4 (integer or 4 bytes) or IPv6 (16 bytes) address, shown as text" },
	{ "kstack", F_KSTACK, 0, 1, check_stack, "kstack(n)", "kstack(5)",
	  "the kernel stack, its n innermost frames (a key only)" },
	{ "ustack", F_USTACK, 0, 1, check_stack, "ustack(n)", "ustack(5)",
	  "the user stack, its n innermost frames (a key only)" },
	{ "first", F_FIRST, 1, FUNC_VARIADIC, check_first, "first(a, b, ...)",
	  "first(args.pid, args.prev_pid)",
	  "the first argument this probe can evaluate (fields named differently)" },
};

#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))

unsigned expr_func_count(void)
{
	return NFUNCS;
}

const char *expr_func_name(unsigned i)
{
	return i < NFUNCS ? funcs[i].name : NULL;
}

const char *expr_func_signature(unsigned i)
{
	return i < NFUNCS ? funcs[i].signature : NULL;
}

const char *expr_func_doc(unsigned i)
{
	return i < NFUNCS ? funcs[i].doc : NULL;
}

/* "str(ptr[, maxlen]), join(argv), ...": the hint's list, from the table. */
static char *func_list(void)
{
	struct strbuf sb = STRBUF_INIT;

	for (unsigned i = 0; i < NFUNCS; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", funcs[i].signature);
	return strbuf_detach(&sb);
}

static int arity_error(struct expr *e, const struct func *f, struct diag_list *d)
{
	if (f->max_args == FUNC_VARIADIC)
		expr_err_at(d, &e->src, e->off, "%s() needs at least %s argument", f->name,
		       f->min_args == 1 ? "one" : "two");
	else if (f->min_args == f->max_args)
		expr_err_at(d, &e->src, e->off, "%s() takes %u argument%s, got %u", f->name,
		       f->min_args, f->min_args == 1 ? "" : "s", e->nargs);
	else
		expr_err_at(d, &e->src, e->off, "%s() takes %u or %u arguments, got %u", f->name,
		       f->min_args, f->max_args, e->nargs);
	diag_hint(d, "e.g. %s", f->example);
	return -EINVAL;
}

static int check_call(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	char *names;

	for (unsigned i = 0; i < NFUNCS; i++) {
		const struct func *f = &funcs[i];

		if (strcmp(e->name, f->name))
			continue;
		if (e->nargs < f->min_args || e->nargs > f->max_args)
			return arity_error(e, f, d);
		if (f->check(e, f, env, d))
			return -EINVAL;
		e->func = f->id;
		return 0;
	}
	expr_err_at(d, &e->src, e->off, "unknown function '%s'", e->name);
	for (unsigned i = 0; i < B_COUNT; i++)
		if (!strcmp(e->name, builtins[i].name)) {
			diag_hint(d, "'%s' is a builtin value; write it without parentheses",
				  e->name);
			return -EINVAL;
		}
	{
		const char *words[NFUNCS];
		const char *best;

		for (unsigned i = 0; i < NFUNCS; i++)
			words[i] = funcs[i].name;
		best = text_closest(e->name, words, NFUNCS);
		if (best)
			diag_hint(d, "did you mean %s()?", best);
	}
	names = func_list();
	diag_hint(d, "functions: %s", names);
	free(names);
	return -EINVAL;
}

static int check_node(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	free(e->member);
	e->member = NULL;
	e->res = RES_NONE;
	e->checked = false;
	e->strcmp = false;
	e->nonzero_divisor = false;
	e->func = F_NONE;
	e->chosen = 0;
	e->from_start = false;
	memset(&e->type, 0, sizeof(e->type));

	switch (e->kind) {
	case N_INT:
		e->type = (struct expr_type){ TY_INT, 8, e->ival <= INT64_MAX, false };
		return 0;
	case N_STR:
		e->type = (struct expr_type){ TY_STR, (unsigned)e->slen + 1, false, false };
		return 0;
	case N_FIELD:
		return check_field(e, env, d);
	case N_IDENT:
		return check_ident(e, env, d);
	case N_CALL:
		return check_call(e, env, d);
	case N_CAST: {
		struct expr *k = e->kid[0];
		char tn[32], cn[32];

		if (check_node(k, env, d))
			return -EINVAL;
		if (k->type.kind != TY_INT && k->type.kind != TY_PTR) {
			expr_type_name(&k->type, tn, sizeof(tn));
			expr_type_name(&e->cast, cn, sizeof(cn));
			if (k->type.kind == TY_STR)
				return expr_err_at(d, &k->src, k->off,
					      "cannot cast a string (%s) to %s", tn, cn);
			return expr_err_at(d, &k->src, k->off, "cannot cast a %s to %s", tn, cn);
		}
		e->type = e->cast;
		return 0;
	}
	case N_UNARY: {
		struct expr *k = e->kid[0];

		if (check_node(k, env, d))
			return -EINVAL;
		if (need_int(k, expr_tok_text[e->op], d))
			return -EINVAL;
		/* -9223372036854775809 would wrap to 2^63 - 1 */
		if (e->op == T_MINUS && k->kind == N_INT && k->ival > (uint64_t)INT64_MAX + 1) {
			expr_err_at(d, &e->src, e->off, "integer literal -%" PRIu64 " is out of range",
				    k->ival);
			diag_hint(d, "the smallest integer is -9223372036854775808 (-2^63): "
				  "literals are 64-bit");
			return -EINVAL;
		}
		if (e->op == T_BANG)
			e->type = type_s64;
		else
			e->type = (struct expr_type){ TY_INT, 8,
				k->type.kind == TY_INT && k->type.is_signed, false };
		return 0;
	}
	case N_BINARY:
		return check_binary(e, env, d);
	}
	return -EINVAL;
}

/* A checked tree's parts may be emitted alone (a filter's conjuncts). */
static void mark_checked(struct expr *e)
{
	if (!e)
		return;
	e->checked = true;
	mark_checked(e->kid[0]);
	mark_checked(e->kid[1]);
	for (unsigned i = 0; i < e->nargs; i++)
		mark_checked(e->args[i]);
}

int expr_check(struct expr *e, const struct expr_env *env, enum expr_use use,
	       struct diag_list *d)
{
	static const struct expr_env noenv;
	const char *what;
	char tn[32];
	bool ok;

	if (!e)
		return -EINVAL;
	if (!env)
		env = &noenv;
	if (check_node(e, env, d))
		return -EINVAL;
	switch (use) {
	case EXPR_USE_FILTER:
		what = "a filter must be an integer expression";
		ok = e->type.kind == TY_INT;
		break;
	case EXPR_USE_VALUE:
		what = "a value must be an integer expression";
		ok = e->type.kind == TY_INT;
		break;
	case EXPR_USE_KEY:
		what = "a key must be an integer, string or probe expression";
		ok = e->type.kind == TY_INT || e->type.kind == TY_PROBE ||
		     (e->type.kind == TY_STR && expr_unwrap(e)->kind != N_STR);
		break;
	case EXPR_USE_MATCH:
		what = "a match must be an integer, pointer or string expression";
		ok = e->type.kind == TY_INT || e->type.kind == TY_PTR ||
		     (e->type.kind == TY_STR && expr_unwrap(e)->kind != N_STR);
		break;
	case EXPR_USE_SAVE:
		/* a number may be constant: first(args.x, 0) on a probe without x */
		what = "a saved value must be an integer, pointer, string or probe expression";
		ok = e->type.kind != TY_BYTES && expr_unwrap(e)->kind != N_STR;
		break;
	default:
		return -EINVAL;
	}
	if (use != EXPR_USE_KEY && use != EXPR_USE_SAVE &&
	    (e->type.display == DISP_KSTACK || e->type.display == DISP_USTACK)) {
		expr_err_at(d, &e->src, e->off, "a stack can only be a key");
		diag_hint(d, "put it under key:, e.g. key: [kstack, comm]");
		return -EINVAL;
	}
	if (!ok) {
		if (expr_unwrap(e)->kind == N_STR)
			snprintf(tn, sizeof(tn), "a string literal");
		else
			expr_type_name(&e->type, tn, sizeof(tn));
		expr_err_at(d, &e->src, e->off, "%s, got %s", what, tn);
		if (e->type.kind == TY_PTR)
			diag_hint(d, "use str(...) for the string it points to, or (u64) for the address");
		else if (e->type.kind == TY_STR && use == EXPR_USE_FILTER)
			diag_hint(d, "compare it with a string, e.g. comm == \"bash\"");
		else if (e->type.kind == TY_PROBE)
			diag_hint(d, "'probe' can only be used as a key");
		else if (e->type.kind == TY_BYTES)
			diag_hint(d, "a byte array is an address here: ntop(%s) shows it",
				  expr_unwrap(e)->kind == N_FIELD ? expr_unwrap(e)->member : "...");
		return -EINVAL;
	}
	mark_checked(e);
	return 0;
}

struct expr_type expr_type_of(const struct expr *e)
{
	struct expr_type none = { TY_INT, 0, false, false };

	return e ? e->type : none;
}

bool expr_is_builtin(const char *name)
{
	for (unsigned i = 0; i < B_COUNT; i++)
		if (!strcmp(name, builtins[i].name))
			return true;
	return false;
}

bool expr_uses_start(const struct expr *e)
{
	if (!e)
		return false;
	if (e->kind == N_CALL && e->func == F_FIRST)
		return expr_uses_start(e->args[e->chosen]);
	if (e->kind == N_IDENT && e->res == RES_NAMED && e->from_start)
		return true;
	if (expr_uses_start(e->kid[0]) || expr_uses_start(e->kid[1]))
		return true;
	for (unsigned i = 0; i < e->nargs; i++)
		if (expr_uses_start(e->args[i]))
			return true;
	return false;
}

unsigned expr_conjuncts(const struct expr *e, const struct expr **out, unsigned max)
{
	unsigned n;

	if (e->kind != N_BINARY || e->op != T_ANDAND) {
		if (max)
			out[0] = e;
		return 1;
	}
	n = expr_conjuncts(e->kid[0], out, max);
	return n + expr_conjuncts(e->kid[1], out + (n < max ? n : max), n < max ? max - n : 0);
}

bool expr_uses_args(const struct expr *e)
{
	if (!e)
		return false;
	if (e->kind == N_FIELD)
		return true;
	if (expr_uses_args(e->kid[0]) || expr_uses_args(e->kid[1]))
		return true;
	for (unsigned i = 0; i < e->nargs; i++)
		if (expr_uses_args(e->args[i]))
			return true;
	return false;
}
