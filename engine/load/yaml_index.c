/*
 * yaml_index: a libyaml event pass that remembers where values were.
 *
 * The tree is built from parser events with an explicit stack of open
 * collections; a mapping alternates between waiting for a key and for
 * its value. Complex keys ("? [a, b]") are skipped as a whole and leave
 * their value marked key_is_scalar = false, so the loader can reject
 * them with a position. Positions come from the events' start marks;
 * byte offsets are recomputed from a table of line starts, because the
 * marks count characters, not bytes.
 */
#include "load/yaml_index.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/strbuf.h"

struct yaml_index {
	const char *src;	/* a private copy of the text */
	size_t len;
	size_t *lines;		/* byte offset where each line starts */
	size_t nlines;
	struct yaml_node *root;
	bool too_deep;		/* a collection opened past YAML_MAX_DEPTH */
	unsigned deep_line, deep_col;
};

/* An open collection while parsing. */
struct frame {
	struct yaml_node *node;
	struct yaml_node *last;		/* last child appended */
	bool want_key;			/* mappings: next event is a key */
	char *key;			/* mappings: pending key text */
	unsigned key_line, key_col;
	bool key_is_scalar;
};

struct builder {
	struct yaml_index *idx;
	struct frame *stack;
	size_t depth, cap;
	unsigned skip;		/* nesting depth inside a complex key */
	unsigned docs;
};

static void node_free(struct yaml_node *n)
{
	while (n) {
		struct yaml_node *next = n->next;

		node_free(n->child);
		free(n->key);
		free(n->text);
		free(n);
		n = next;
	}
}

void yaml_index_free(struct yaml_index *idx)
{
	if (!idx)
		return;
	node_free(idx->root);
	free((char *)idx->src);
	free(idx->lines);
	free(idx);
}

void yaml_index_error_release(struct yaml_index_error *err)
{
	free(err->msg);
	free(err->context);
	memset(err, 0, sizeof(*err));
}

static void index_lines(struct yaml_index *idx)
{
	size_t cap = 64;

	idx->lines = xmalloc(cap * sizeof(*idx->lines));
	idx->lines[idx->nlines++] = 0;
	for (size_t i = 0; i < idx->len; i++) {
		char c = idx->src[i];

		if (c == '\r' && i + 1 < idx->len && idx->src[i + 1] == '\n')
			continue;
		if (c != '\n' && c != '\r')
			continue;
		if (idx->nlines == cap) {
			cap *= 2;
			idx->lines = xrealloc(idx->lines, cap * sizeof(*idx->lines));
		}
		idx->lines[idx->nlines++] = i + 1;
	}
}

static size_t utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/* Byte offset of 1-based line:col (col counted in characters). */
static size_t byte_at(const struct yaml_index *idx, unsigned line, unsigned col)
{
	size_t p;

	if (!line || line > idx->nlines)
		return idx->len;
	p = idx->lines[line - 1];
	for (unsigned c = 1; c < col && p < idx->len; c++)
		p += utf8_len((unsigned char)idx->src[p]);
	return p < idx->len ? p : idx->len;
}

/* 1-based line:col of byte offset p. */
static void pos_of(const struct yaml_index *idx, size_t p, unsigned *line,
		   unsigned *col)
{
	size_t lo = 0, hi = idx->nlines;
	unsigned c = 1;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (idx->lines[mid] <= p)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t q = idx->lines[lo]; q < p && q < idx->len;
	     q += utf8_len((unsigned char)idx->src[q]))
		c++;
	*line = lo + 1;
	*col = c;
}

static struct frame *top(struct builder *b)
{
	return b->depth ? &b->stack[b->depth - 1] : NULL;
}

/*
 * Attach a new value node where the parser is: as the root, as a
 * sequence entry, or as the value of the pending mapping key. Returns
 * NULL when the event is a mapping key (recorded in the frame instead).
 */
static struct yaml_node *attach(struct builder *b, enum yaml_node_kind kind,
				const yaml_event_t *ev, bool *is_key)
{
	struct frame *f = top(b);
	struct yaml_node *n;

	*is_key = false;
	if (f && f->node->kind == YAML_NODE_MAPPING && f->want_key) {
		*is_key = true;
		f->want_key = false;
		f->key_line = ev->start_mark.line + 1;
		f->key_col = ev->start_mark.column + 1;
		f->key_is_scalar = kind == YAML_NODE_SCALAR;
		free(f->key);
		f->key = kind == YAML_NODE_SCALAR ?
			xstrdup((const char *)ev->data.scalar.value) :
			xstrdup("");
		return NULL;
	}
	n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->line = ev->start_mark.line + 1;
	n->col = ev->start_mark.column + 1;
	if (!f) {
		b->idx->root = n;
		return n;
	}
	n->parent = f->node;
	n->index = f->node->nchildren++;
	if (f->node->kind == YAML_NODE_MAPPING) {
		n->key = f->key;
		f->key = NULL;
		n->key_line = f->key_line;
		n->key_col = f->key_col;
		n->key_is_scalar = f->key_is_scalar;
		f->want_key = true;
	}
	if (f->last)
		f->last->next = n;
	else
		f->node->child = n;
	f->last = n;
	return n;
}

static void push(struct builder *b, struct yaml_node *n)
{
	if (b->depth == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->stack = xrealloc(b->stack, b->cap * sizeof(*b->stack));
	}
	b->stack[b->depth++] = (struct frame){ .node = n, .want_key = true };
}

static void event(struct builder *b, const yaml_event_t *ev)
{
	struct yaml_node *n;
	bool is_key;

	if (b->skip) {
		if (ev->type == YAML_SEQUENCE_START_EVENT ||
		    ev->type == YAML_MAPPING_START_EVENT)
			b->skip++;
		else if (ev->type == YAML_SEQUENCE_END_EVENT ||
			 ev->type == YAML_MAPPING_END_EVENT)
			b->skip--;
		return;
	}
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		b->docs++;
		break;
	case YAML_SCALAR_EVENT:
		n = attach(b, YAML_NODE_SCALAR, ev, &is_key);
		if (!n)
			break;
		n->style = ev->data.scalar.style;
		n->text = xstrndup((const char *)ev->data.scalar.value,
				   ev->data.scalar.length);
		n->text_len = ev->data.scalar.length;
		break;
	case YAML_ALIAS_EVENT:
		attach(b, YAML_NODE_ALIAS, ev, &is_key);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (b->depth >= YAML_MAX_DEPTH) {
			b->idx->too_deep = true;
			b->idx->deep_line = ev->start_mark.line + 1;
			b->idx->deep_col = ev->start_mark.column + 1;
			break;
		}
		n = attach(b, ev->type == YAML_SEQUENCE_START_EVENT ?
			   YAML_NODE_SEQUENCE : YAML_NODE_MAPPING, ev, &is_key);
		if (n)
			push(b, n);
		else
			b->skip = 1;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth) {
			free(top(b)->key);
			b->depth--;
		}
		break;
	default:
		break;
	}
}

static bool is_blank(char c);

static void set_error(struct yaml_index *idx, const yaml_parser_t *p,
		      struct yaml_index_error *err)
{
	memset(err, 0, sizeof(*err));
	err->syntax = true;
	err->msg = xstrdup(p->problem ? p->problem : "invalid YAML");
	if (p->error == YAML_READER_ERROR) {
		pos_of(idx, p->problem_offset, &err->line, &err->col);
		return;
	}
	err->line = p->problem_mark.line + 1;
	err->col = p->problem_mark.column + 1;
	if (err->line <= idx->nlines) {
		const char *q = idx->src + idx->lines[err->line - 1];

		while (q < idx->src + idx->len && is_blank(*q) && *q != '\t')
			q++;
		err->tab = q < idx->src + idx->len && *q == '\t';
	}
	if (p->context) {
		err->context = xstrdup(p->context);
		err->context_line = p->context_mark.line + 1;
		err->context_col = p->context_mark.column + 1;
	}
}

int yaml_index_build(const char *text, size_t len, struct yaml_index **out,
		     struct yaml_index_error *err)
{
	struct yaml_index *idx = xcalloc(1, sizeof(*idx));
	struct builder b = { .idx = idx };
	yaml_parser_t parser;
	yaml_event_t ev;
	int ret = 0;

	idx->src = xstrndup(text, len);
	idx->len = len;
	index_lines(idx);
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)idx->src, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			set_error(idx, &parser, err);
			ret = -EINVAL;
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT && b.docs) {
			memset(err, 0, sizeof(*err));
			err->msg = xstrdup("a second YAML document; a recipe file holds exactly one");
			err->line = ev.start_mark.line + 1;
			err->col = ev.start_mark.column + 1;
			yaml_event_delete(&ev);
			ret = -EINVAL;
			break;
		}
		event(&b, &ev);
		if (idx->too_deep) {
			memset(err, 0, sizeof(*err));
			err->msg = xasprintf("YAML nested more than %u levels deep (the recipe nesting-depth limit)",
					     YAML_MAX_DEPTH);
			err->hint = "a recipe needs 4 levels at most; this limit is fixed (YAML_MAX_DEPTH, docs/limits.md)";
			err->line = idx->deep_line;
			err->col = idx->deep_col;
			yaml_event_delete(&ev);
			ret = -EINVAL;
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	for (size_t i = 0; i < b.depth; i++)
		free(b.stack[i].key);
	free(b.stack);
	if (ret) {
		yaml_index_free(idx);
		return ret;
	}
	*out = idx;
	return 0;
}

const struct yaml_node *yaml_index_root(const struct yaml_index *idx)
{
	return idx ? idx->root : NULL;
}

const struct yaml_node *yaml_node_get(const struct yaml_node *map,
				      const char *key)
{
	if (!map || map->kind != YAML_NODE_MAPPING)
		return NULL;
	for (const struct yaml_node *c = map->child; c; c = c->next)
		if (c->key && !strcmp(c->key, key))
			return c;
	return NULL;
}

/* The child of a sequence at `index`, or NULL. */
static const struct yaml_node *nth(const struct yaml_node *seq, unsigned long index)
{
	const struct yaml_node *c;

	if (!seq || seq->kind != YAML_NODE_SEQUENCE || index >= seq->nchildren)
		return NULL;
	for (c = seq->child; c && index; c = c->next)
		index--;
	return c;
}

/*
 * Walk "a.b[2].c" from the root one component at a time. Keys hold no
 * '.' or '[' in a recipe; a key that does is simply not found.
 */
const struct yaml_node *yaml_index_find(const struct yaml_index *idx,
					const char *path)
{
	const struct yaml_node *n = idx ? idx->root : NULL;
	const char *p = path;

	while (n && *p) {
		if (*p == '[') {
			char *end;
			unsigned long i = strtoul(p + 1, &end, 10);

			if (end == p + 1 || *end != ']')
				return NULL;
			n = nth(n, i);
			p = end + 1;
			continue;
		}
		if (*p == '.') {
			if (p == path)
				return NULL;
			p++;
		}
		size_t l = strcspn(p, ".[");
		char *key = xstrndup(p, l);

		n = yaml_node_get(n, key);
		free(key);
		p += l;
	}
	return n;
}

char *yaml_node_path(const struct yaml_node *n)
{
	size_t depth = 0, i;
	const struct yaml_node *c;
	const struct yaml_node **chain;
	struct strbuf sb = STRBUF_INIT;

	for (c = n; c && c->parent; c = c->parent)
		depth++;
	chain = xmalloc((depth ? depth : 1) * sizeof(*chain));
	for (c = n, i = depth; i; c = c->parent)
		chain[--i] = c;
	for (i = 0; i < depth; i++) {
		if (chain[i]->parent->kind == YAML_NODE_SEQUENCE)
			strbuf_addf(&sb, "[%u]", chain[i]->index);
		else
			strbuf_addf(&sb, "%s%s", sb.len ? "." : "", chain[i]->key);
	}
	free(chain);
	return strbuf_detach(&sb);
}

static bool is_break(char c)
{
	return c == '\n' || c == '\r';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Skip one line break at p. */
static size_t skip_break(const struct yaml_index *idx, size_t p)
{
	if (p < idx->len && idx->src[p] == '\r')
		p++;
	if (p < idx->len && idx->src[p] == '\n')
		p++;
	return p;
}

/* True when only blanks remain before the end of the line at p. */
static bool rest_blank(const struct yaml_index *idx, size_t p)
{
	while (p < idx->len && is_blank(idx->src[p]))
		p++;
	return p >= idx->len || is_break(idx->src[p]);
}

static unsigned utf8_encoded_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/*
 * A double-quoted escape at p: its source length and how many decoded
 * bytes it stands for.
 */
static void escape_len(const struct yaml_index *idx, size_t p, size_t *src,
		       size_t *dec)
{
	char e = p + 1 < idx->len ? idx->src[p + 1] : 0;
	unsigned hex = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;

	*src = 2;
	*dec = 1;
	if (e == 'N' || e == '_')
		*dec = 2;
	else if (e == 'L' || e == 'P')
		*dec = 3;
	if (hex && p + 2 + hex <= idx->len) {
		char buf[9];

		memcpy(buf, idx->src + p + 2, hex);
		buf[hex] = 0;
		*src = 2 + hex;
		*dec = utf8_encoded_len(strtoul(buf, NULL, 16));
	}
}

/*
 * Plain and quoted scalars: walk source and decoded text side by side,
 * following YAML line folding (a single break is one space, n+1 breaks
 * are n newlines; blanks around breaks vanish).
 */
static size_t locate_flow(const struct yaml_index *idx, const struct yaml_node *n,
			  size_t off)
{
	size_t p = byte_at(idx, n->line, n->col);
	size_t d = 0;
	bool dq = n->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	bool sq = n->style == YAML_SINGLE_QUOTED_SCALAR_STYLE;

	if (dq || sq)
		p++;
	while (d < off && p < idx->len) {
		char c = idx->src[p];
		size_t src, dec;

		if (is_blank(c) && rest_blank(idx, p)) {
			while (is_blank(idx->src[p]))
				p++;
			continue;
		}
		if (is_break(c) || (dq && c == '\\' && p + 1 < idx->len &&
				    is_break(idx->src[p + 1]))) {
			bool escaped = c == '\\';
			size_t q = skip_break(idx, escaped ? p + 1 : p);
			size_t blank = 0;

			for (;;) {
				while (q < idx->len && is_blank(idx->src[q]))
					q++;
				if (q >= idx->len || !is_break(idx->src[q]))
					break;
				blank++;
				q = skip_break(idx, q);
			}
			dec = escaped ? blank : blank ? blank : 1;
			if (d + dec > off)
				return p;
			d += dec;
			p = q;
			continue;
		}
		if (dq && c == '\\') {
			escape_len(idx, p, &src, &dec);
		} else if (sq && c == '\'' && p + 1 < idx->len &&
			   idx->src[p + 1] == '\'') {
			src = 2;
			dec = 1;
		} else {
			src = dec = utf8_len((unsigned char)c);
		}
		if (d + dec > off)
			return p;
		d += dec;
		p += src;
	}
	return p;
}

static size_t line_end(const struct yaml_index *idx, size_t p)
{
	while (p < idx->len && !is_break(idx->src[p]))
		p++;
	return p;
}

static size_t indent_of(const struct yaml_index *idx, size_t p)
{
	size_t i = 0;

	while (p + i < idx->len && idx->src[p + i] == ' ')
		i++;
	return i;
}

/*
 * Block scalars: content starts on the line after the indicator, every
 * line minus the block's indentation. Literal (|) keeps each break;
 * folded (>) turns a single break between two normal lines into a space.
 */
static size_t locate_block(const struct yaml_index *idx, const struct yaml_node *n,
			   size_t off)
{
	bool folded = n->style == YAML_FOLDED_SCALAR_STYLE;
	unsigned ln = n->line + 1;
	size_t indent = 0, d = 0, last_end;

	/* Leading blank lines are '\n's in the text, like any blank line. */
	for (unsigned l = ln; l <= idx->nlines; l++) {
		size_t p = idx->lines[l - 1];

		if (!rest_blank(idx, p)) {
			indent = indent_of(idx, p);
			break;
		}
	}
	last_end = byte_at(idx, n->line, n->col) + 1;
	while (ln <= idx->nlines) {
		size_t p = idx->lines[ln - 1], e, len;
		unsigned blank = 0, nl;
		bool more;

		if (rest_blank(idx, p)) {
			if (d + 1 > off)
				return p + (line_end(idx, p) - p < indent ?
					    line_end(idx, p) - p : indent);
			d++;
			ln++;
			continue;
		}
		if (indent_of(idx, p) < indent)
			break;
		p += indent;
		e = line_end(idx, p);
		len = e - p;
		if (off < d + len)
			return p + (off - d);
		d += len;
		last_end = e;
		more = is_blank(idx->src[p]);
		for (nl = ln + 1; nl <= idx->nlines &&
		     rest_blank(idx, idx->lines[nl - 1]); nl++)
			blank++;
		if (nl > idx->nlines ||
		    indent_of(idx, idx->lines[nl - 1]) < indent)
			return e;
		if (!folded || more ||
		    is_blank(idx->src[idx->lines[nl - 1] + indent]))
			d += blank + 1;
		else
			d += blank ? blank : 1;
		if (d > off)
			return e;
		ln = nl;
	}
	return last_end;
}

void yaml_index_locate(const struct yaml_index *idx, const struct yaml_node *n,
		       size_t offset, unsigned *line, unsigned *col)
{
	size_t p;

	*line = n ? n->line : 0;
	*col = n ? n->col : 0;
	if (!idx || !n || n->kind != YAML_NODE_SCALAR)
		return;
	if (offset > n->text_len)
		offset = n->text_len;
	if (n->style == YAML_LITERAL_SCALAR_STYLE ||
	    n->style == YAML_FOLDED_SCALAR_STYLE)
		p = locate_block(idx, n, offset);
	else
		p = locate_flow(idx, n, offset);
	pos_of(idx, p, line, col);
}
