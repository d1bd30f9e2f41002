/*
 * expr: the recipe expression language, from text to checked tree to C.
 *
 * A hand-written lexer and precedence-climbing parser build a tree whose
 * nodes remember the byte offset they start at, so every diagnostic can
 * point at the exact character. expr_check() resolves names (builtins,
 * params, probe fields) and types every node; the emitters then render
 * C from the resolved tree only. Nothing typed by the recipe author is
 * ever copied into the generated program: field names come from the
 * provider's field_info, params become generated config members, integer
 * literals are re-printed from their parsed value and string literals
 * become arrays of byte values. That is what makes the emitted C safe to
 * compile no matter what the recipe says.
 */
#include "check/expr.h"
#include "util/text.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper nesting than this is not a real recipe; it would only risk the stack. */
#define MAX_DEPTH	64
#define STR_DEFAULT	64
#define STR_MAX		256
#define STRLIT_MAX	255

enum tok_kind {
	T_EOF, T_INT, T_STR, T_IDENT,
	T_LPAREN, T_RPAREN, T_COMMA, T_DOT, T_ARROW,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT,
	T_SHL, T_SHR, T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE,
	T_AMP, T_CARET, T_PIPE, T_ANDAND, T_OROR, T_BANG, T_TILDE,
};

/* Operator spellings; the emitter uses these fixed strings, never input text. */
static const char *const tok_text[] = {
	[T_EOF] = "end of expression", [T_INT] = "integer", [T_STR] = "string",
	[T_IDENT] = "identifier",
	[T_LPAREN] = "(", [T_RPAREN] = ")", [T_COMMA] = ",", [T_DOT] = ".",
	[T_ARROW] = "->", [T_PLUS] = "+", [T_MINUS] = "-", [T_STAR] = "*",
	[T_SLASH] = "/", [T_PERCENT] = "%", [T_SHL] = "<<", [T_SHR] = ">>",
	[T_LT] = "<", [T_LE] = "<=", [T_GT] = ">", [T_GE] = ">=",
	[T_EQ] = "==", [T_NE] = "!=", [T_AMP] = "&", [T_CARET] = "^",
	[T_PIPE] = "|", [T_ANDAND] = "&&", [T_OROR] = "||", [T_BANG] = "!",
	[T_TILDE] = "~",
};

struct tok {
	enum tok_kind kind;
	unsigned off, len;
	uint64_t ival;
	char *s;		/* T_STR: decoded bytes (owned until taken) */
	size_t slen;
};

enum node_kind { N_INT, N_STR, N_FIELD, N_IDENT, N_UNARY, N_BINARY, N_CAST, N_CALL };

enum res_kind { RES_NONE, RES_BUILTIN, RES_NAMED, RES_FIELD };

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

	/* Set by expr_check(). */
	bool checked;
	struct expr_type type;
	enum res_kind res;
	unsigned builtin;	/* index into builtins[] */
	char *member;		/* the kernel's field name, or a named value's lvalue */
	bool from_start;	/* RES_NAMED: a value the start saved, or latency */
	enum field_kind fkind;
	unsigned findex;	/* FIELD_USDT_ARG: the argument's position */
	unsigned maxlen;	/* N_CALL str(): bytes read */
	bool display_fn;	/* N_CALL of a display function: emits its argument */
	bool first_fn;		/* N_CALL first(): is its argument `chosen` */
	unsigned chosen;
	bool strcmp;		/* N_BINARY ==/!= on strings */
};

enum builtin_id { B_COMM, B_PID, B_TID, B_UID, B_CPU, B_NSECS, B_TIME, B_PROBE, B_FUNC,
		  B_KSTACK, B_USTACK };

static const struct builtin {
	const char *name;
	struct expr_type type;
	const char *c;		/* C for integer builtins */
} builtins[] = {
	[B_COMM] = { "comm", { TY_STR, 16, false, false }, NULL },
	[B_PID] = { "pid", { TY_INT, 4, false, false },
		    "((__u32)(bpf_get_current_pid_tgid() >> 32))" },
	[B_TID] = { "tid", { TY_INT, 4, false, false },
		    "((__u32)bpf_get_current_pid_tgid())" },
	[B_UID] = { "uid", { TY_INT, 4, false, false },
		    "((__u32)bpf_get_current_uid_gid())" },
	[B_CPU] = { "cpu", { TY_INT, 4, false, false },
		    "((__u32)bpf_get_smp_processor_id())" },
	[B_NSECS] = { "nsecs", { TY_INT, 8, false, false },
		      "((__u64)bpf_ktime_get_ns())" },
	/* The boot clock counts suspend too: user space turns it into wall time. */
	[B_TIME] = { "time", { TY_INT, 8, false, false, DISP_TIME },
		     "((__u64)bpf_ktime_get_boot_ns())" },
	[B_PROBE] = { "probe", { TY_PROBE, 4, false, false }, NULL },
	/* The attach point too, shown as its function (the target's last part). */
	[B_FUNC] = { "func", { TY_PROBE, 4, false, false, DISP_FUNC }, NULL },
	/* Called with the program's context: bpf-gen's stacks runtime defines them. */
	[B_KSTACK] = { "kstack", { TY_INT, 8, true, false, DISP_KSTACK }, "rcp_kstack" },
	[B_USTACK] = { "ustack", { TY_INT, 8, false, false, DISP_USTACK }, "rcp_ustack" },
};

#define BUILTIN_LIST "comm, pid, tid, uid, cpu, nsecs, time, probe, func, kstack, ustack"
#define STACK_DEPTH_MAX 127
/* join(): the first JOIN_ARGS strings, JOIN_ARG_SIZE bytes each (templates/include/recipe.bpf.h) */
#define JOIN_ARGS 6
#define JOIN_ARG_SIZE 32

static bool is_stack_builtin(unsigned b)
{
	return b == B_KSTACK || b == B_USTACK;
}

static const struct cast_name {
	const char *name;
	unsigned size;
	bool is_signed;
} casts[] = {
	{ "u8", 1, false }, { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
	{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true }, { "s64", 8, true },
};

static const struct expr_type type_s64 = { TY_INT, 8, true, false };

/* ------------------------------------------------------------------ */
/* Diagnostics                                                         */

static struct diag_at locate(const struct expr_src *src, unsigned off)
{
	struct diag_at at = { NULL, 0, 0 };

	if (src && src->locate)
		at = src->locate(src->ctx, off);
	return at;
}

static int err_at(struct diag_list *d, const struct expr_src *src, unsigned off,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int err_at(struct diag_list *d, const struct expr_src *src, unsigned off,
		  const char *fmt, ...)
{
	struct diag_at at = locate(src, off);
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ret = diag_err(d, &at, "%s", strbuf_str(&sb));
	strbuf_release(&sb);
	return ret;
}

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

/* ------------------------------------------------------------------ */
/* Lexer                                                               */

struct parser {
	const char *text;
	unsigned pos;
	struct tok tok;
	const struct expr_src *src;
	struct diag_list *d;
	unsigned depth;
};

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Render one input byte for a message without letting odd bytes through. */
static void char_desc(char c, char *buf, size_t len)
{
	unsigned char u = (unsigned char)c;

	if (u >= 0x21 && u < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", u);
}

static int lex_int(struct parser *p, unsigned start)
{
	const char *t = p->text;
	unsigned i = start, base = 10;
	uint64_t v = 0;
	bool overflow = false;

	if (t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X')) {
		base = 16;
		i += 2;
		if (digit_value(t[i]) >= 16)
			return err_at(p->d, p->src, start,
				      "hexadecimal literal has no digits");
	} else if (t[i] == '0' && t[i + 1] >= '0' && t[i + 1] <= '9') {
		base = 8;
		i++;
	}
	for (; is_ident_char(t[i]); i++) {
		unsigned dv = digit_value(t[i]);
		char cd[16];

		if (dv >= base) {
			char_desc(t[i], cd, sizeof(cd));
			err_at(p->d, p->src, i, "invalid character %s in %s literal",
			       cd, base == 16 ? "hexadecimal" :
			       base == 8 ? "octal" : "integer");
			if (base == 8)
				diag_hint(p->d, "a leading 0 makes an octal literal, as in C");
			return -EINVAL;
		}
		if (v > (UINT64_MAX - dv) / base)
			overflow = true;
		v = v * base + dv;
	}
	if (overflow) {
		err_at(p->d, p->src, start, "integer literal out of range");
		diag_hint(p->d, "integer literals must fit in 64 bits (at most %" PRIu64 ")",
			  UINT64_MAX);
		return -EINVAL;
	}
	p->tok.kind = T_INT;
	p->tok.ival = v;
	p->tok.len = i - start;
	p->pos = i;
	return 0;
}

static int lex_str(struct parser *p, unsigned start)
{
	struct strbuf sb = STRBUF_INIT;
	const char *t = p->text;
	unsigned i = start + 1;

	for (;;) {
		char c = t[i];

		if (!c) {
			strbuf_release(&sb);
			err_at(p->d, p->src, start, "unterminated string literal");
			diag_hint(p->d, "close the string with '\"'");
			return -EINVAL;
		}
		if (c == '"')
			break;
		if (c != '\\') {
			strbuf_addch(&sb, c);
			i++;
			continue;
		}
		c = t[i + 1];
		switch (c) {
		case '"': case '\\': case '\'':
			strbuf_addch(&sb, c);
			i += 2;
			break;
		case 'n': strbuf_addch(&sb, '\n'); i += 2; break;
		case 't': strbuf_addch(&sb, '\t'); i += 2; break;
		case 'r': strbuf_addch(&sb, '\r'); i += 2; break;
		case '0': strbuf_addch(&sb, '\0'); i += 2; break;
		case 'x':
			if (digit_value(t[i + 2]) < 16 && digit_value(t[i + 3]) < 16) {
				strbuf_addch(&sb, (char)(digit_value(t[i + 2]) * 16 +
							 digit_value(t[i + 3])));
				i += 4;
				break;
			}
			/* fallthrough */
		default:
			strbuf_release(&sb);
			err_at(p->d, p->src, i, "invalid escape sequence in string literal");
			diag_hint(p->d, "known escapes: \\\" \\\\ \\n \\t \\r \\0 \\xHH");
			return -EINVAL;
		}
	}
	if (sb.len > STRLIT_MAX) {
		strbuf_release(&sb);
		err_at(p->d, p->src, start, "string literal is longer than %d bytes",
		       STRLIT_MAX);
		return -EINVAL;
	}
	p->tok.kind = T_STR;
	p->tok.slen = sb.len;
	p->tok.s = sb.len ? strbuf_detach(&sb) : xcalloc(1, 1);
	strbuf_release(&sb);
	p->tok.len = i + 1 - start;
	p->pos = i + 1;
	return 0;
}

static int bad_char(struct parser *p, unsigned off)
{
	char c = p->text[off], cd[16];

	char_desc(c, cd, sizeof(cd));
	err_at(p->d, p->src, off, "unexpected character %s", cd);
	switch (c) {
	case '$':
		diag_hint(p->d, "params are referred to by their bare name, e.g. min_bytes");
		break;
	case '\'':
		diag_hint(p->d, "string literals use double quotes");
		break;
	case '=':
		diag_hint(p->d, "use '==' to compare");
		break;
	case '?':
		diag_hint(p->d, "the conditional operator is not supported");
		break;
	case '[':
		diag_hint(p->d, "indexing is not supported");
		break;
	default:
		break;
	}
	return -EINVAL;
}

/* Advance to the next token. The previous token's string is dropped. */
static int next(struct parser *p)
{
	const char *t = p->text;
	unsigned i = p->pos;
	enum tok_kind k;
	unsigned len = 1;

	free(p->tok.s);
	memset(&p->tok, 0, sizeof(p->tok));
	while (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')
		i++;
	p->tok.off = i;
	if (!t[i]) {
		p->tok.kind = T_EOF;
		p->pos = i;
		return 0;
	}
	if (t[i] >= '0' && t[i] <= '9')
		return lex_int(p, i);
	if (t[i] == '"')
		return lex_str(p, i);
	if (is_ident_start(t[i])) {
		unsigned j = i;

		while (is_ident_char(t[j]))
			j++;
		p->tok.kind = T_IDENT;
		p->tok.len = j - i;
		p->pos = j;
		return 0;
	}
#define TWO(a, b) (t[i] == (a) && t[i + 1] == (b))
	if (TWO('-', '>'))
		k = T_ARROW, len = 2;
	else if (TWO('<', '<'))
		k = T_SHL, len = 2;
	else if (TWO('>', '>'))
		k = T_SHR, len = 2;
	else if (TWO('<', '='))
		k = T_LE, len = 2;
	else if (TWO('>', '='))
		k = T_GE, len = 2;
	else if (TWO('=', '='))
		k = T_EQ, len = 2;
	else if (TWO('!', '='))
		k = T_NE, len = 2;
	else if (TWO('&', '&'))
		k = T_ANDAND, len = 2;
	else if (TWO('|', '|'))
		k = T_OROR, len = 2;
#undef TWO
	else {
		switch (t[i]) {
		case '(': k = T_LPAREN; break;
		case ')': k = T_RPAREN; break;
		case ',': k = T_COMMA; break;
		case '.': k = T_DOT; break;
		case '+': k = T_PLUS; break;
		case '-': k = T_MINUS; break;
		case '*': k = T_STAR; break;
		case '/': k = T_SLASH; break;
		case '%': k = T_PERCENT; break;
		case '<': k = T_LT; break;
		case '>': k = T_GT; break;
		case '&': k = T_AMP; break;
		case '^': k = T_CARET; break;
		case '|': k = T_PIPE; break;
		case '!': k = T_BANG; break;
		case '~': k = T_TILDE; break;
		default:
			return bad_char(p, i);
		}
	}
	p->tok.kind = k;
	p->tok.len = len;
	p->pos = i + len;
	return 0;
}

static bool tok_is_ident(const struct parser *p, const char *s)
{
	return p->tok.kind == T_IDENT && strlen(s) == p->tok.len &&
	       !strncmp(p->text + p->tok.off, s, p->tok.len);
}

/* "'+'", "'foo'", "'42'", "a string literal", "the end of the expression" */
static char *tok_desc(const struct parser *p)
{
	switch (p->tok.kind) {
	case T_EOF:
		return xstrdup("the end of the expression");
	case T_STR:
		return xstrdup("a string literal");
	case T_INT:
	case T_IDENT:
		return xasprintf("'%.*s'", (int)p->tok.len, p->text + p->tok.off);
	default:
		return xasprintf("'%s'", tok_text[p->tok.kind]);
	}
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */

static struct expr *node_new(const struct parser *p, enum node_kind kind, unsigned off)
{
	struct expr *e = xcalloc(1, sizeof(*e));

	e->kind = kind;
	e->off = off;
	e->src = *p->src;
	return e;
}

static char *tok_name(const struct parser *p)
{
	return xstrndup(p->text + p->tok.off, p->tok.len);
}

static int expect_err(struct parser *p, const char *what)
{
	char *got = tok_desc(p);

	err_at(p->d, p->src, p->tok.off, "expected %s, got %s", what, got);
	free(got);
	return -EINVAL;
}

static struct expr *parse_binary(struct parser *p, int min_prec);
static struct expr *parse_unary(struct parser *p);

static const struct cast_name *cast_lookup(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(casts) / sizeof(casts[0]); i++)
		if (strlen(casts[i].name) == len && !strncmp(casts[i].name, s, len))
			return &casts[i];
	return NULL;
}

/* '(' already current: a cast "(u32) x" or a parenthesised expression. */
static struct expr *parse_paren(struct parser *p)
{
	unsigned open = p->tok.off;
	const struct cast_name *c;
	struct expr *e, *kid;

	if (next(p))
		return NULL;
	if (p->tok.kind == T_IDENT &&
	    (c = cast_lookup(p->text + p->tok.off, p->tok.len))) {
		unsigned save = p->pos;
		const char *q = p->text + save;

		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		if (*q == ')') {
			p->pos = (unsigned)(q - p->text) + 1;
			if (next(p))
				return NULL;
			if (p->tok.kind == T_EOF) {
				err_at(p->d, p->src, p->tok.off,
				       "expected an expression after the cast to %s",
				       c->name);
				return NULL;
			}
			kid = parse_unary(p);
			if (!kid)
				return NULL;
			e = node_new(p, N_CAST, open);
			e->cast = (struct expr_type){ TY_INT, c->size, c->is_signed, false };
			e->kid[0] = kid;
			return e;
		}
	}
	e = parse_binary(p, 1);
	if (!e)
		return NULL;
	if (p->tok.kind != T_RPAREN) {
		char *got = tok_desc(p);
		struct diag_at at = locate(p->src, open);

		err_at(p->d, p->src, p->tok.off, "expected ')', got %s", got);
		if (at.col)
			diag_hint(p->d, "to match the '(' at column %u", at.col);
		free(got);
		expr_free(e);
		return NULL;
	}
	if (next(p)) {
		expr_free(e);
		return NULL;
	}
	return e;
}

static struct expr *parse_call(struct parser *p, struct expr *call)
{
	/* current token is '(' */
	if (next(p))
		goto fail;
	if (p->tok.kind == T_RPAREN)
		goto close;
	for (;;) {
		struct expr *a = parse_binary(p, 1);

		if (!a)
			goto fail;
		call->args = xrealloc(call->args, (call->nargs + 1) * sizeof(*call->args));
		call->args[call->nargs++] = a;
		if (p->tok.kind == T_COMMA) {
			if (next(p))
				goto fail;
			continue;
		}
		if (p->tok.kind != T_RPAREN) {
			char *got = tok_desc(p);

			err_at(p->d, p->src, p->tok.off,
			       "expected ')' after argument list, got %s", got);
			diag_hint(p->d, "arguments are separated by ','");
			free(got);
			goto fail;
		}
		break;
	}
close:
	if (next(p))
		goto fail;
	return call;
fail:
	expr_free(call);
	return NULL;
}

static struct expr *parse_primary(struct parser *p)
{
	struct expr *e;

	switch (p->tok.kind) {
	case T_INT:
		e = node_new(p, N_INT, p->tok.off);
		e->ival = p->tok.ival;
		if (next(p))
			goto fail;
		return e;
	case T_STR:
		e = node_new(p, N_STR, p->tok.off);
		e->sval = p->tok.s;
		e->slen = p->tok.slen;
		p->tok.s = NULL;
		if (next(p))
			goto fail;
		return e;
	case T_LPAREN:
		return parse_paren(p);
	case T_IDENT:
		break;
	default:
		expect_err(p, "an expression");
		return NULL;
	}

	if (tok_is_ident(p, "args")) {
		unsigned off = p->tok.off;
		const char *sep;

		if (next(p))
			return NULL;
		if (p->tok.kind != T_DOT && p->tok.kind != T_ARROW) {
			expect_err(p, "'.' or '->' after 'args'");
			diag_hint(p->d, "probe fields are written args.NAME");
			return NULL;
		}
		sep = tok_text[p->tok.kind];
		if (next(p))
			return NULL;
		if (p->tok.kind != T_IDENT) {
			char *what = xasprintf("a field name after 'args%s'", sep);

			expect_err(p, what);
			free(what);
			return NULL;
		}
		e = node_new(p, N_FIELD, off);
		e->op_off = p->tok.off;
		e->name = tok_name(p);
		if (next(p))
			goto fail;
		return e;
	}

	e = node_new(p, N_IDENT, p->tok.off);
	e->name = tok_name(p);
	if (next(p))
		goto fail;
	if (p->tok.kind == T_LPAREN) {
		e->kind = N_CALL;
		return parse_call(p, e);
	}
	return e;
fail:
	expr_free(e);
	return NULL;
}

static struct expr *parse_unary(struct parser *p)
{
	enum tok_kind op = p->tok.kind;
	unsigned off = p->tok.off;
	struct expr *e, *kid;

	if (op != T_MINUS && op != T_BANG && op != T_TILDE && op != T_LPAREN)
		return parse_primary(p);
	if (++p->depth > MAX_DEPTH) {
		err_at(p->d, p->src, off, "expression is nested too deeply");
		return NULL;
	}
	if (op == T_LPAREN) {
		e = parse_paren(p);
		p->depth--;
		return e;
	}
	if (next(p))
		return NULL;
	kid = parse_unary(p);
	p->depth--;
	if (!kid)
		return NULL;
	e = node_new(p, N_UNARY, off);
	e->op = op;
	e->kid[0] = kid;
	return e;
}

/* C precedence, higher binds tighter; 0 = not a binary operator. */
static int binary_prec(enum tok_kind k)
{
	switch (k) {
	case T_OROR: return 1;
	case T_ANDAND: return 2;
	case T_PIPE: return 3;
	case T_CARET: return 4;
	case T_AMP: return 5;
	case T_EQ: case T_NE: return 6;
	case T_LT: case T_LE: case T_GT: case T_GE: return 7;
	case T_SHL: case T_SHR: return 8;
	case T_PLUS: case T_MINUS: return 9;
	case T_STAR: case T_SLASH: case T_PERCENT: return 10;
	default: return 0;
	}
}

static struct expr *parse_binary(struct parser *p, int min_prec)
{
	struct expr *lhs = parse_unary(p);

	while (lhs) {
		enum tok_kind op = p->tok.kind;
		int prec = binary_prec(op);
		unsigned op_off = p->tok.off;
		struct expr *rhs, *e;

		if (!prec || prec < min_prec)
			break;
		if (next(p))
			goto fail;
		if (p->tok.kind == T_EOF) {
			err_at(p->d, p->src, p->tok.off,
			       "expected an expression after '%s'", tok_text[op]);
			goto fail;
		}
		rhs = parse_binary(p, prec + 1);
		if (!rhs)
			goto fail;
		e = node_new(p, N_BINARY, lhs->off);
		e->op = op;
		e->op_off = op_off;
		e->kid[0] = lhs;
		e->kid[1] = rhs;
		lhs = e;
	}
	return lhs;
fail:
	expr_free(lhs);
	return NULL;
}

struct expr *expr_parse(const char *text, const struct expr_src *src,
			struct diag_list *d)
{
	static const struct expr_src nosrc = { NULL, NULL };
	struct parser p = { .text = text ? text : "", .src = src ? src : &nosrc, .d = d };
	struct expr *e;

	if (next(&p))
		goto fail;
	if (p.tok.kind == T_EOF) {
		err_at(d, p.src, p.tok.off, "empty expression");
		diag_hint(d, "write an expression, e.g. pid == 42");
		goto fail;
	}
	e = parse_binary(&p, 1);
	if (!e)
		goto fail;
	if (p.tok.kind != T_EOF) {
		char *got = tok_desc(&p);

		err_at(d, p.src, p.tok.off, "expected an operator or the end of the expression, got %s",
		       got);
		if (p.tok.kind == T_RPAREN)
			diag_hint(d, "this ')' has no matching '('");
		else if (p.tok.kind == T_IDENT || p.tok.kind == T_INT ||
			 p.tok.kind == T_STR || p.tok.kind == T_LPAREN)
			diag_hint(d, "is an operator missing before it?");
		free(got);
		expr_free(e);
		goto fail;
	}
	free(p.tok.s);
	return e;
fail:
	free(p.tok.s);
	return NULL;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	expr_free(e->kid[0]);
	expr_free(e->kid[1]);
	for (unsigned i = 0; i < e->nargs; i++)
		expr_free(e->args[i]);
	free(e->args);
	free(e->sval);
	free(e->name);
	free(e->member);
	free(e);
}

/* ------------------------------------------------------------------ */
/* Checker                                                             */

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

	for (unsigned i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (!strcmp(e->name, builtins[i].name)) {
			e->res = RES_BUILTIN;
			e->builtin = i;
			e->type = builtins[i].type;
			return 0;
		}
	}
	for (unsigned i = 0; i < env->nnamed; i++) {
		const struct expr_named *nv = &env->named[i];

		if (strcmp(e->name, nv->name))
			continue;
		if (nv->type.kind == TY_BYTES || !nv->lvalue)
			return err_at(d, &e->src, e->off,
				      "'%s' has a type expressions cannot use", e->name);
		if (nv->from_start && env->at_start) {
			err_at(d, &e->src, e->off, "'%s' is known only at the end", e->name);
			diag_hint(d, "the start records it; the end's filter, key and value can use it");
			return -EINVAL;
		}
		e->res = RES_NAMED;
		e->member = xstrdup(nv->lvalue);
		e->type = nv->type;
		e->from_start = nv->from_start;
		return 0;
	}
	err_at(d, &e->src, e->off, "unknown identifier '%s'", e->name);
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
		err_at(d, &e->src, e->off, "%s has no args", desc);
		diag_hint(d, "args.NAME is available on tracepoints");
		return -EINVAL;
	}
	memset(&fi, 0, sizeof(fi));
	ret = env->field(env->ctx, e->name, &fi);
	if (ret == -ENOENT) {
		const char *names = env->field_names ? env->field_names(env->ctx) : NULL;

		err_at(d, &e->src, e->op_off, "%s has no field '%s'", desc, e->name);
		if (names && *names)
			diag_hint(d, "available fields: %s", names);
		else
			diag_hint(d, "this probe has no args; builtins such as comm, pid and cpu still work");
		return -EINVAL;
	}
	if (ret < 0)
		return err_at(d, &e->src, e->op_off, "cannot read the fields of %s: %s",
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
	case FIELD_USDT_ARG:
		e->type = type_s64;
		e->type.user = fi.user_ptr;
		break;
	case FIELD_BYTES:
		if (fi.size != 4 && fi.size != 16)
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
	err_at(d, &e->src, e->op_off, "field '%s' has type '%s' which expressions cannot use",
	       fi.name, fi.ctype ? fi.ctype : "?");
	return -EINVAL;
}

static int check_node(struct expr *e, const struct expr_env *env, struct diag_list *d);

/*
 * What a checked first() call stands for on this probe: the argument it
 * chose. Every rule that looks at an argument's form (a field, a
 * literal, comm) looks through it.
 */
static const struct expr *unwrap(const struct expr *e)
{
	while (e && e->kind == N_CALL && e->first_fn)
		e = e->args[e->chosen];
	return e;
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
		if (unwrap(k)->kind == N_STR)
			err_at(d, &k->src, k->off,
			       "operand of '%s' is a string literal, expected an integer", op);
		else {
			expr_type_name(&k->type, tn, sizeof(tn));
			err_at(d, &k->src, k->off,
			       "operand of '%s' is a string (%s), expected an integer", op, tn);
		}
		diag_hint(d, "strings support only == and !=");
		break;
	case TY_PROBE:
		err_at(d, &k->src, k->off,
		       "operand of '%s' is a probe, expected an integer", op);
		diag_hint(d, "'probe' can only be used on its own, as a key");
		break;
	case TY_BYTES:
		expr_type_name(&k->type, tn, sizeof(tn));
		err_at(d, &k->src, k->off,
		       "operand of '%s' is a byte array (%s), expected an integer", op, tn);
		diag_hint(d, "a byte array is an address here: show it with ntop()");
		break;
	}
	return -EINVAL;
}

static int check_binary(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	struct expr *a = e->kid[0], *b = e->kid[1];
	const char *op = tok_text[e->op];
	int r1 = check_node(a, env, d);
	int r2 = check_node(b, env, d);

	if (r1 || r2)
		return -EINVAL;
	if ((e->op == T_EQ || e->op == T_NE) &&
	    (a->type.kind == TY_STR || b->type.kind == TY_STR)) {
		if (a->type.kind == TY_STR && b->type.kind == TY_STR) {
			const struct expr *ua = unwrap(a), *ub = unwrap(b);
			const struct expr *lit = ua->kind == N_STR ? ua : ub->kind == N_STR ? ub : NULL;
			const struct expr *val = lit == ua ? ub : ua;

			/* Only a char[N] field may fill its buffer without a NUL. */
			unsigned room = val->kind == N_FIELD && val->fkind == FIELD_CHAR_ARRAY ?
					val->type.size : val->type.size - 1;

			if (lit && val->kind != N_STR && strlen(lit->sval) > room) {
				struct diag_at at = locate(&lit->src, lit->off);
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
			err_at(d, &e->src, e->op_off, "cannot compare a string (%s) with %s (%s)",
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

/* Functions that keep an integer and say how the report shows it. */
static const struct {
	const char *name;
	enum expr_display display;
	bool is_signed;
	bool takes_pointer;
} display_fns[] = {
	{ "syscall_name", DISP_SYSCALL, false, false },
	{ "errno_name", DISP_ERRNO, true, false },
	{ "majmin", DISP_DEV, false, false },
	{ "ksym", DISP_KSYM, false, true },
};

static int check_display_call(struct expr *e, unsigned fn, const struct expr_env *env,
			      struct diag_list *d)
{
	struct expr *arg;
	char tn[32];

	if (e->nargs != 1) {
		err_at(d, &e->src, e->off, "%s() takes 1 argument, got %u",
		       display_fns[fn].name, e->nargs);
		diag_hint(d, "e.g. %s(args.%s)", display_fns[fn].name,
			  display_fns[fn].display == DISP_SYSCALL ? "id" : "x");
		return -EINVAL;
	}
	arg = e->args[0];
	if (check_node(arg, env, d))
		return -EINVAL;
	if (arg->type.kind != TY_INT &&
	    !(arg->type.kind == TY_PTR && display_fns[fn].takes_pointer)) {
		expr_type_name(&arg->type, tn, sizeof(tn));
		err_at(d, &arg->src, arg->off, "%s() needs an integer, got %s",
		       display_fns[fn].name, tn);
		diag_hint(d, "%s() shows a number as a name; give it the number", display_fns[fn].name);
		return -EINVAL;
	}
	e->display_fn = true;
	e->type = (struct expr_type){ TY_INT, 8, display_fns[fn].is_signed, false,
				      display_fns[fn].display };
	return 0;
}

/*
 * ntop(addr) or ntop(af, addr), as bpftrace: an integer or 4 bytes is an
 * IPv4 address, 16 bytes IPv6; af (2 or 10), when given, must agree.
 */
static int check_ntop(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	struct expr *addr = e->nargs ? e->args[e->nargs - 1] : NULL;
	const struct expr *af = e->nargs == 2 ? e->args[0] : NULL;
	bool v6;
	char tn[32];

	if (!addr || e->nargs > 2) {
		err_at(d, &e->src, e->off, "ntop() takes an address, or a family and an address");
		diag_hint(d, "e.g. ntop(args.saddr) or ntop(2, args.saddr)");
		return -EINVAL;
	}
	if (check_node(addr, env, d))
		return -EINVAL;
	if (addr->type.kind != TY_INT &&
	    !(addr->type.kind == TY_BYTES && (addr->type.size == 4 || addr->type.size == 16))) {
		expr_type_name(&addr->type, tn, sizeof(tn));
		err_at(d, &addr->src, addr->off, "ntop() needs an integer or 4 or 16 bytes, got %s", tn);
		diag_hint(d, "give it an address field, e.g. ntop(args.daddr)");
		return -EINVAL;
	}
	v6 = addr->type.kind == TY_BYTES && addr->type.size == 16;
	if (af && (af->kind != N_INT || af->ival != (v6 ? 10u : 2u))) {
		err_at(d, &af->src, af->off, "ntop() family must be %d (%s) for this address",
		       v6 ? 10 : 2, v6 ? "AF_INET6" : "AF_INET");
		diag_hint(d, "or leave the family out: the address's size tells it");
		return -EINVAL;
	}
	e->display_fn = true;
	e->type = v6 ? (struct expr_type){ TY_STR, 16, false, false, DISP_IPV6 }
		     : (struct expr_type){ TY_INT, 8, false, false, DISP_IPV4 };
	return 0;
}

/*
 * usym(addr): a user address, named from the process's memory map in
 * the report; the key keeps the pid beside the address (16 bytes).
 */
static int check_usym(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	struct expr *addr = e->nargs == 1 ? e->args[0] : NULL;
	char tn[32];

	if (!addr) {
		err_at(d, &e->src, e->off, "usym() takes 1 argument, got %u", e->nargs);
		diag_hint(d, "e.g. usym(args.arg0) or usym(args.retval)");
		return -EINVAL;
	}
	if (check_node(addr, env, d))
		return -EINVAL;
	if (addr->type.kind != TY_INT && addr->type.kind != TY_PTR) {
		expr_type_name(&addr->type, tn, sizeof(tn));
		err_at(d, &addr->src, addr->off, "usym() needs an address, got %s", tn);
		diag_hint(d, "give it a user address, e.g. a uprobe's args.arg0");
		return -EINVAL;
	}
	e->display_fn = true;
	e->type = (struct expr_type){ TY_STR, 16, false, false, DISP_USYM };
	return 0;
}

/* join(argv): a user array of strings, as execve's argv. */
static int check_join(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	struct expr *arr = e->nargs == 1 ? e->args[0] : NULL;
	char tn[32];

	if (!arr) {
		err_at(d, &e->src, e->off, "join() takes 1 argument, got %u", e->nargs);
		diag_hint(d, "e.g. join(args.argv)");
		return -EINVAL;
	}
	if (check_node(arr, env, d))
		return -EINVAL;
	if (arr->type.kind != TY_PTR || !arr->type.user) {
		expr_type_name(&arr->type, tn, sizeof(tn));
		err_at(d, &arr->src, arr->off, "join() needs a user pointer to strings, got %s%s", tn,
		       arr->type.kind == TY_PTR ? " (kernel)" : "");
		diag_hint(d, "e.g. join(args.argv) on tracepoint:syscalls:sys_enter_execve");
		return -EINVAL;
	}
	e->display_fn = true;
	e->type = (struct expr_type){ TY_STR, JOIN_ARGS * JOIN_ARG_SIZE, false, false, DISP_JOIN };
	return 0;
}

/* kstack(N), ustack(N): a stack key showing at most N frames. */
static int check_stack_call(struct expr *e, unsigned b, struct diag_list *d)
{
	const struct expr *n = e->nargs == 1 ? e->args[0] : NULL;

	if (e->nargs > 1 || (n && (n->kind != N_INT || n->ival < 1 || n->ival > STACK_DEPTH_MAX))) {
		err_at(d, &e->src, e->off, "%s() takes one depth, an integer literal from 1 to %d",
		       builtins[b].name, STACK_DEPTH_MAX);
		diag_hint(d, "e.g. %s(5) for the innermost five frames, or %s for all",
			  builtins[b].name, builtins[b].name);
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
static int check_first(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	if (!e->nargs) {
		err_at(d, &e->src, e->off, "first() needs at least one argument");
		diag_hint(d, "first(args.pid, args.prev_pid): the first of them this probe has");
		return -EINVAL;
	}
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
	e->first_fn = true;
	e->type = e->args[e->chosen]->type;
	return 0;
}

static int check_call(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	struct expr *ptr;
	char tn[32];
	int ret = 0;

	if (!strcmp(e->name, "first"))
		return check_first(e, env, d);

	for (unsigned i = 0; i < sizeof(display_fns) / sizeof(display_fns[0]); i++)
		if (!strcmp(e->name, display_fns[i].name))
			return check_display_call(e, i, env, d);
	for (unsigned b = B_KSTACK; b <= B_USTACK; b++)
		if (!strcmp(e->name, builtins[b].name))
			return check_stack_call(e, b, d);
	if (!strcmp(e->name, "ntop"))
		return check_ntop(e, env, d);
	if (!strcmp(e->name, "usym"))
		return check_usym(e, env, d);
	if (!strcmp(e->name, "join"))
		return check_join(e, env, d);
	if (strcmp(e->name, "str")) {
		err_at(d, &e->src, e->off, "unknown function '%s'", e->name);
		for (unsigned i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
			if (!strcmp(e->name, builtins[i].name)) {
				diag_hint(d, "'%s' is a builtin value; write it without parentheses",
					  e->name);
				return -EINVAL;
			}
		diag_hint(d, "functions: str(ptr[, maxlen]), join(argv), syscall_name(id), errno_name(n), "
			  "majmin(dev), ksym(addr), usym(addr), ntop(addr), kstack(n), ustack(n), first(a, b, ...)");
		return -EINVAL;
	}
	if (e->nargs < 1 || e->nargs > 2) {
		err_at(d, &e->src, e->off, "str() takes 1 or 2 arguments, got %u", e->nargs);
		diag_hint(d, "str(ptr) or str(ptr, maxlen), e.g. str(args.filename, 128)");
		return -EINVAL;
	}
	for (unsigned i = 0; i < e->nargs; i++)
		if (check_node(e->args[i], env, d))
			ret = -EINVAL;
	if (ret)
		return ret;
	ptr = e->args[0];
	/*
	 * Or a user program's 64-bit arg (a uprobe's arg0), untyped but
	 * an address as often as not, as bpftrace's str(arg0) takes it.
	 */
	if (ptr->type.kind != TY_PTR &&
	    !(ptr->type.kind == TY_INT && ptr->type.size == 8 && ptr->type.user)) {
		expr_type_name(&ptr->type, tn, sizeof(tn));
		err_at(d, &ptr->src, ptr->off, "str() needs a pointer, got %s", tn);
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
			err_at(d, &m->src, m->off,
			       "str() maxlen must be an integer literal from 1 to %d", STR_MAX);
			return -EINVAL;
		}
		e->maxlen = (unsigned)m->ival;
	}
	e->type = (struct expr_type){ TY_STR, e->maxlen, false, false };
	return 0;
}

static int check_node(struct expr *e, const struct expr_env *env, struct diag_list *d)
{
	free(e->member);
	e->member = NULL;
	e->res = RES_NONE;
	e->checked = false;
	e->strcmp = false;
	e->display_fn = false;
	e->first_fn = false;
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
				return err_at(d, &k->src, k->off,
					      "cannot cast a string (%s) to %s", tn, cn);
			return err_at(d, &k->src, k->off, "cannot cast a %s to %s", tn, cn);
		}
		e->type = e->cast;
		return 0;
	}
	case N_UNARY: {
		struct expr *k = e->kid[0];

		if (check_node(k, env, d))
			return -EINVAL;
		if (need_int(k, tok_text[e->op], d))
			return -EINVAL;
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
		     (e->type.kind == TY_STR && unwrap(e)->kind != N_STR);
		break;
	case EXPR_USE_MATCH:
		what = "a match must be an integer, pointer or string expression";
		ok = e->type.kind == TY_INT || e->type.kind == TY_PTR ||
		     (e->type.kind == TY_STR && unwrap(e)->kind != N_STR);
		break;
	case EXPR_USE_SAVE:
		/* a number may be constant: first(args.x, 0) on a probe without x */
		what = "a saved value must be an integer, pointer, string or probe expression";
		ok = e->type.kind != TY_BYTES && unwrap(e)->kind != N_STR;
		break;
	default:
		return -EINVAL;
	}
	if (use != EXPR_USE_KEY && use != EXPR_USE_SAVE &&
	    (e->type.display == DISP_KSTACK || e->type.display == DISP_USTACK)) {
		err_at(d, &e->src, e->off, "a stack can only be a key");
		diag_hint(d, "put it under key:, e.g. key: [kstack, comm]");
		return -EINVAL;
	}
	if (!ok) {
		if (unwrap(e)->kind == N_STR)
			snprintf(tn, sizeof(tn), "a string literal");
		else
			expr_type_name(&e->type, tn, sizeof(tn));
		err_at(d, &e->src, e->off, "%s, got %s", what, tn);
		if (e->type.kind == TY_PTR)
			diag_hint(d, "use str(...) for the string it points to, or (u64) for the address");
		else if (e->type.kind == TY_STR && use == EXPR_USE_FILTER)
			diag_hint(d, "compare it with a string, e.g. comm == \"bash\"");
		else if (e->type.kind == TY_PROBE)
			diag_hint(d, "'probe' can only be used as a key");
		else if (e->type.kind == TY_BYTES)
			diag_hint(d, "a byte array is an address here: ntop(%s) shows it",
				  unwrap(e)->kind == N_FIELD ? unwrap(e)->member : "...");
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
	for (unsigned i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(name, builtins[i].name))
			return true;
	return false;
}

bool expr_uses_start(const struct expr *e)
{
	if (!e)
		return false;
	if (e->kind == N_CALL && e->first_fn)
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

/* ------------------------------------------------------------------ */
/* Emitter                                                             */

/*
 * Names reaching the C text come from the provider or bpf-gen, not the
 * recipe; still, refuse anything that is not a plain C identifier, so a
 * misbehaving provider cannot smuggle code through.
 */
static bool is_c_lvalue(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!is_ident_char(*s) && *s != '.' && *s != '-' && *s != '>' &&
		    *s != '[' && *s != ']' && *s != '(' && *s != ')' && *s != '*' &&
		    *s != ' ')
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

static bool int_signed(const struct expr *e)
{
	return e->type.kind == TY_INT && e->type.is_signed;
}

static unsigned umin(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

static int emit_node(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		     struct strbuf *out);

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
		       struct strbuf *out)
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
		ret = expr_emit_store_str(k, ec, name, size, pre);
		if (ret)
			return ret;
	}
	strbuf_addf(out, "((__s64)%srcp_strneq(rcp_t%u, rcp_t%u, %u))",
		    e->op == T_NE ? "!" : "", t[0], t[1], size);
	return 0;
}

/*
 * Signed division by hand: clang's BPF backend before cpu=v4 rejects
 * sdiv/smod, so divide magnitudes unsigned and fix the sign as C does
 * (quotient truncates toward zero, remainder takes the dividend's sign).
 */
static int emit_sdiv(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		     struct strbuf *out)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
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
	strbuf_addf(pre, "__s64 rcp_t%u = (__s64)%s;\n", ta, a.buf);
	strbuf_addf(pre, "__s64 rcp_t%u = (__s64)%s;\n", tb, b.buf);
	snprintf(ua, sizeof(ua), "(rcp_t%u < 0 ? -(__u64)rcp_t%u : (__u64)rcp_t%u)", ta, ta, ta);
	snprintf(ub, sizeof(ub), "(rcp_t%u < 0 ? -(__u64)rcp_t%u : (__u64)rcp_t%u)", tb, tb, tb);
	if (e->op == T_SLASH)
		strbuf_addf(out, "(((rcp_t%u < 0) != (rcp_t%u < 0)) ? -(__s64)(%s / %s) : (__s64)(%s / %s))",
			    ta, tb, ua, ub, ua, ub);
	else
		strbuf_addf(out, "((rcp_t%u < 0) ? -(__s64)(%s %% %s) : (__s64)(%s %% %s))",
			    ta, ua, ub, ua, ub);
out:
	strbuf_release(&a);
	strbuf_release(&b);
	return ret;
}

static int emit_binary(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		       struct strbuf *out)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	const char *op = tok_text[e->op];
	const char *t;
	int ret;

	if (e->strcmp)
		return emit_strcmp(e, ec, pre, out);
	if ((e->op == T_SLASH || e->op == T_PERCENT) && e->type.is_signed)
		return emit_sdiv(e, ec, pre, out);
	ret = emit_node(e->kid[0], ec, pre, &a);
	if (!ret)
		ret = emit_node(e->kid[1], ec, pre, &b);
	if (ret)
		goto out;
	switch (e->op) {
	case T_ANDAND:
	case T_OROR:
		strbuf_addf(out, "((__s64)(%s %s %s))", a.buf, op, b.buf);
		break;
	case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE:
		t = int_signed(e->kid[0]) || int_signed(e->kid[1]) ? "__s64" : "__u64";
		strbuf_addf(out, "((__s64)((%s)%s %s (%s)%s))", t, a.buf, op, t, b.buf);
		break;
	case T_SHL:
	case T_SHR:
		/* BPF masks shift counts to 6 bits; say so, rather than leave it undefined in C. */
		t = ctype_int(8, e->type.is_signed);
		strbuf_addf(out, "((%s)%s %s ((__u64)%s & 63))", t, a.buf, op, b.buf);
		break;
	default:
		t = ctype_int(8, e->type.is_signed);
		strbuf_addf(out, "((%s)%s %s (%s)%s)", t, a.buf, op, t, b.buf);
		break;
	}
out:
	strbuf_release(&a);
	strbuf_release(&b);
	return ret;
}

static int emit_node(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
		     struct strbuf *out)
{
	struct strbuf k = STRBUF_INIT;
	int ret = 0;

	switch (e->kind) {
	case N_INT:
		if (e->ival <= INT64_MAX)
			strbuf_addf(out, "((__s64)%" PRIu64 "LL)", e->ival);
		else
			strbuf_addf(out, "((__u64)%" PRIu64 "ULL)", e->ival);
		return 0;
	case N_FIELD:
		if (e->res != RES_FIELD || !text_is_identifier(e->member) || !text_is_identifier(ec->ctx_var))
			return -EINVAL;
		if (e->fkind == FIELD_USDT_ARG) {
			/* libbpf's helper decodes the site's operand; 0 where it cannot */
			unsigned t = ec->next_tmp++;

			strbuf_addf(pre, "long rcp_t%u = 0;\n"
					 "bpf_usdt_arg((void *)%s, %u, &rcp_t%u);\n",
				    t, ec->ctx_var, e->findex, t);
			strbuf_addf(out, "((__s64)rcp_t%u)", t);
		} else if (e->type.kind == TY_INT)
			strbuf_addf(out, "((%s)(%s->%s))",
				    ctype_int(e->type.size, e->type.is_signed),
				    ec->ctx_var, e->member);
		else if (e->type.kind == TY_PTR)
			strbuf_addf(out, "((__u64)(%s->%s))", ec->ctx_var, e->member);
		else
			return -EINVAL;
		return 0;
	case N_IDENT:
		if (e->res == RES_NAMED) {
			if (e->type.kind == TY_STR || !is_c_lvalue(e->member))
				return -EINVAL;
			strbuf_addf(out, "(%s)", e->member);
			return 0;
		}
		if (e->res != RES_BUILTIN)
			return -EINVAL;
		if (e->builtin == B_PROBE || e->builtin == B_FUNC) {
			if (!ec->cookie_expr || !is_c_lvalue(ec->cookie_expr))
				return -EINVAL;
			strbuf_addf(out, "(%s)", ec->cookie_expr);
			return 0;
		}
		if (!builtins[e->builtin].c)
			return -EINVAL;
		if (is_stack_builtin(e->builtin)) {
			if (!text_is_identifier(ec->ctx_var))
				return -EINVAL;
			strbuf_addf(out, "%s((void *)%s)", builtins[e->builtin].c, ec->ctx_var);
			return 0;
		}
		strbuf_addstr(out, builtins[e->builtin].c);
		return 0;
	case N_CAST:
		ret = emit_node(e->kid[0], ec, pre, &k);
		if (!ret)
			strbuf_addf(out, "((%s)%s)", ctype_int(e->type.size, e->type.is_signed),
				    k.buf);
		break;
	case N_UNARY:
		ret = emit_node(e->kid[0], ec, pre, &k);
		if (ret)
			break;
		if (e->op == T_BANG)
			strbuf_addf(out, "((__s64)!%s)", k.buf);
		else
			strbuf_addf(out, "(%s(%s)%s)", tok_text[e->op],
				    ctype_int(8, e->type.is_signed), k.buf);
		break;
	case N_BINARY:
		return emit_binary(e, ec, pre, out);
	case N_CALL:
		if (e->first_fn)
			return emit_node(e->args[e->chosen], ec, pre, out);
		if (e->res == RES_BUILTIN && is_stack_builtin(e->builtin)) {
			if (!text_is_identifier(ec->ctx_var))
				return -EINVAL;
			strbuf_addf(out, "%s((void *)%s)", builtins[e->builtin].c, ec->ctx_var);
			return 0;
		}
		if (!e->display_fn)
			return -EINVAL;
		if (e->args[e->nargs - 1]->type.kind == TY_BYTES) {
			const struct expr *a = unwrap(e->args[e->nargs - 1]);
			unsigned t = ec->next_tmp++;

			if (a->kind != N_FIELD || a->type.size != 4 || !text_is_identifier(a->member) ||
			    !text_is_identifier(ec->ctx_var))
				return -EINVAL;
			strbuf_addf(pre, "__u32 rcp_t%u = 0;\n__builtin_memcpy(&rcp_t%u, %s->%s, 4);\n",
				    t, t, ec->ctx_var, a->member);
			strbuf_addf(out, "((__u64)rcp_t%u)", t);
			break;
		}
		ret = emit_node(e->args[e->nargs - 1], ec, pre, &k);
		if (!ret)
			strbuf_addf(out, "((%s)%s)", ctype_int(8, e->type.is_signed),
				    strbuf_str(&k));
		break;
	case N_STR:
		return -EINVAL;
	}
	strbuf_release(&k);
	return ret;
}

int expr_emit(const struct expr *e, struct emit_ctx *ec, struct strbuf *pre,
	      struct strbuf *out)
{
	struct strbuf body = STRBUF_INIT;
	int ret;

	if (!e || !e->checked ||
	    (e->type.kind != TY_INT && e->type.kind != TY_PROBE && e->type.kind != TY_PTR))
		return -EINVAL;
	ret = emit_node(e, ec, pre, &body);
	if (!ret)
		strbuf_addf(out, "((%s)%s)", int_signed(e) ? "__s64" : "__u64", body.buf);
	strbuf_release(&body);
	return ret;
}

int expr_emit_store_str(const struct expr *e, struct emit_ctx *ec,
			const char *dst, unsigned dst_size, struct strbuf *pre)
{
	struct strbuf p = STRBUF_INIT;
	unsigned n;
	int ret = 0;

	if (!e || e->type.kind != TY_STR || !dst_size || !is_c_lvalue(dst))
		return -EINVAL;
	n = umin(e->type.size, dst_size);
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
		return -EINVAL;
	case N_FIELD:
		if (e->res != RES_FIELD || !text_is_identifier(e->member) || !text_is_identifier(ec->ctx_var))
			return -EINVAL;
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
			return -EINVAL;
		return 0;
	case N_CALL:
		if (e->first_fn)
			return expr_emit_store_str(e->args[e->chosen], ec, dst, dst_size, pre);
		if (e->display_fn && e->type.display == DISP_JOIN) {
			ret = emit_node(e->args[0], ec, pre, &p);
			if (!ret)
				strbuf_addf(pre, "rcp_join(%s, (const void *)%s);\n", dst, strbuf_str(&p));
			strbuf_release(&p);
			return ret;
		}
		if (e->display_fn && e->type.display == DISP_USYM) {
			ret = emit_node(e->args[0], ec, pre, &p);
			if (!ret)
				strbuf_addf(pre, "rcp_usym(%s, (__u64)%s);\n", dst, strbuf_str(&p));
			strbuf_release(&p);
			return ret;
		}
		if (e->display_fn) {
			/* ntop() of 16 bytes: copy the address as it is */
			const struct expr *a = unwrap(e->args[e->nargs - 1]);

			if (a->kind != N_FIELD || a->type.kind != TY_BYTES ||
			    !text_is_identifier(a->member) || !text_is_identifier(ec->ctx_var))
				return -EINVAL;
			strbuf_addf(pre, "bpf_probe_read_kernel(%s, %u, &%s->%s);\n", dst,
				    n < a->type.size ? n : a->type.size, ec->ctx_var, a->member);
			return 0;
		}
		ret = emit_node(e->args[0], ec, pre, &p);
		if (!ret)
			strbuf_addf(pre, "bpf_probe_read_%s_str(%s, %u, (const void *)%s);\n",
				    e->args[0]->type.user ? "user" : "kernel", dst, n, p.buf);
		strbuf_release(&p);
		return ret;
	default:
		return -EINVAL;
	}
}
