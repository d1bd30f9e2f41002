/*
 * parse: expression text -> tree (engine/check/expr_tree.h).
 *
 * A hand-written lexer and precedence-climbing parser build a tree whose
 * nodes remember the byte offset they start at, so every diagnostic can
 * point at the exact character. Nothing here resolves a name or a type:
 * expr.c checks the tree against a probe, bpf-gen/emit.c renders it.
 */
#include "check/expr_tree.h"
#include "util/strbuf.h"
#include "util/text.h"

#include <stdarg.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A tree taller than this is not a real recipe (they need a few
 * levels); refusing it bounds every recursive walk of a tree (the
 * checker, the emitter, expr_free) as well as the parser's own
 * recursion, so no input can exhaust the stack.
 */
#define MAX_DEPTH	EXPR_MAX_DEPTH
#define STRLIT_MAX	255


/* Operator spellings; the emitter uses these fixed strings, never input text. */
const char *const expr_tok_text[] = {
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

static const struct cast_name {
	const char *name;
	unsigned size;
	bool is_signed;
} casts[] = {
	{ "u8", 1, false }, { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
	{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true }, { "s64", 8, true },
};

/* ------------------------------------------------------------------ */
/* Diagnostics                                                         */

struct diag_at expr_locate(const struct expr_src *src, unsigned off)
{
	struct diag_at at = { NULL, 0, 0 };

	if (src && src->locate)
		at = src->locate(src->ctx, off);
	return at;
}


int expr_err_at(struct diag_list *d, const struct expr_src *src, unsigned off,
		const char *fmt, ...)
{
	struct diag_at at = expr_locate(src, off);
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
		if (text_digit_value(t[i]) >= 16)
			return expr_err_at(p->d, p->src, start,
				      "hexadecimal literal has no digits");
	} else if (t[i] == '0' && t[i + 1] >= '0' && t[i + 1] <= '9') {
		base = 8;
		i++;
	}
	for (; is_ident_char(t[i]); i++) {
		unsigned dv = text_digit_value(t[i]);
		char cd[16];

		if (dv >= base) {
			char_desc(t[i], cd, sizeof(cd));
			expr_err_at(p->d, p->src, i, "invalid character %s in %s literal",
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
		expr_err_at(p->d, p->src, start, "integer literal out of range");
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
			expr_err_at(p->d, p->src, start, "unterminated string literal");
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
			if (text_digit_value(t[i + 2]) < 16 && text_digit_value(t[i + 3]) < 16) {
				strbuf_addch(&sb, (char)(text_digit_value(t[i + 2]) * 16 +
							 text_digit_value(t[i + 3])));
				i += 4;
				break;
			}
			/* fallthrough */
		default:
			strbuf_release(&sb);
			expr_err_at(p->d, p->src, i, "invalid escape sequence in string literal");
			diag_hint(p->d, "known escapes: \\\" \\\\ \\n \\t \\r \\0 \\xHH");
			return -EINVAL;
		}
	}
	if (sb.len > STRLIT_MAX) {
		strbuf_release(&sb);
		expr_err_at(p->d, p->src, start, "string literal is longer than %d bytes",
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
	expr_err_at(p->d, p->src, off, "unexpected character %s", cd);
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
		return xasprintf("'%s'", expr_tok_text[p->tok.kind]);
	}
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */

static struct expr *node_new(const struct parser *p, enum node_kind kind, unsigned off)
{
	struct expr *e = xcalloc(1, sizeof(*e));

	e->kind = kind;
	e->off = off;
	e->height = 1;
	e->src = *p->src;
	return e;
}

/*
 * e's height from its children's; -1 (reported at e) when that makes
 * the tree taller than MAX_DEPTH. A chain of binary operators is
 * parsed in a loop, so only its tree, not the parser, shows its depth.
 */
static int grow(const struct parser *p, struct expr *e)
{
	unsigned h = 0;

	for (unsigned i = 0; i < 2; i++)
		if (e->kid[i] && e->kid[i]->height > h)
			h = e->kid[i]->height;
	for (unsigned i = 0; i < e->nargs; i++)
		if (e->args[i]->height > h)
			h = e->args[i]->height;
	e->height = h + 1;
	if (e->height <= MAX_DEPTH)
		return 0;
	expr_err_at(p->d, p->src, e->kind == N_BINARY ? e->op_off : e->off,
		    "expression is nested too deeply: more than %d levels", MAX_DEPTH);
	diag_hint(p->d, "a recipe's expressions need a few levels; split this one, or drop parentheses it does not need");
	return -1;
}

/* Count one level of the parser's recursion; -1 (reported at off) past MAX_DEPTH. */
static int descend(struct parser *p, unsigned off)
{
	if (++p->depth <= MAX_DEPTH)
		return 0;
	p->depth--;
	expr_err_at(p->d, p->src, off, "expression is nested too deeply: more than %d levels",
		    MAX_DEPTH);
	diag_hint(p->d, "a recipe's expressions need a few levels; split this one, or drop parentheses it does not need");
	return -1;
}

static char *tok_name(const struct parser *p)
{
	return xstrndup(p->text + p->tok.off, p->tok.len);
}

static int expect_err(struct parser *p, const char *what)
{
	char *got = tok_desc(p);

	expr_err_at(p->d, p->src, p->tok.off, "expected %s, got %s", what, got);
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
				expr_err_at(p->d, p->src, p->tok.off,
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
			if (grow(p, e)) {
				expr_free(e);
				return NULL;
			}
			return e;
		}
	}
	e = parse_binary(p, 1);
	if (!e)
		return NULL;
	if (p->tok.kind != T_RPAREN) {
		char *got = tok_desc(p);
		struct diag_at at = expr_locate(p->src, open);

		expr_err_at(p->d, p->src, p->tok.off, "expected ')', got %s", got);
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
	if (descend(p, call->off)) {
		expr_free(call);
		return NULL;
	}
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

			expr_err_at(p->d, p->src, p->tok.off,
			       "expected ')' after argument list, got %s", got);
			diag_hint(p->d, "arguments are separated by ','");
			free(got);
			goto fail;
		}
		break;
	}
close:
	if (next(p) || grow(p, call))
		goto fail;
	p->depth--;
	return call;
fail:
	p->depth--;
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
		sep = expr_tok_text[p->tok.kind];
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
	if (descend(p, off))
		return NULL;
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
	if (grow(p, e)) {
		expr_free(e);
		return NULL;
	}
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
			expr_err_at(p->d, p->src, p->tok.off,
			       "expected an expression after '%s'", expr_tok_text[op]);
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
		if (grow(p, e))
			goto fail;
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
		expr_err_at(d, p.src, p.tok.off, "empty expression");
		diag_hint(d, "write an expression, e.g. pid == 42");
		goto fail;
	}
	e = parse_binary(&p, 1);
	if (!e)
		goto fail;
	if (p.tok.kind != T_EOF) {
		char *got = tok_desc(&p);

		expr_err_at(d, p.src, p.tok.off, "expected an operator or the end of the expression, got %s",
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

struct expr *expr_clone(const struct expr *e)
{
	struct expr *c;

	if (!e)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->kind = e->kind;
	c->off = e->off;
	c->op_off = e->op_off;
	c->op = e->op;
	c->src = e->src;
	c->ival = e->ival;
	c->slen = e->slen;
	if (e->sval) {
		c->sval = xcalloc(1, e->slen + 1);
		memcpy(c->sval, e->sval, e->slen);
	}
	c->name = e->name ? xstrdup(e->name) : NULL;
	c->cast = e->cast;
	c->height = e->height;
	c->kid[0] = expr_clone(e->kid[0]);
	c->kid[1] = expr_clone(e->kid[1]);
	if (e->nargs) {
		c->args = xcalloc(e->nargs, sizeof(*c->args));
		for (unsigned i = 0; i < e->nargs; i++)
			c->args[i] = expr_clone(e->args[i]);
		c->nargs = e->nargs;
	}
	return c;
}
