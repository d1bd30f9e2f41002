/*
 * recipe: load a recipe file into struct recipe, or say precisely why not.
 *
 * Loading is three passes over the text. yaml_index parses it with
 * libyaml and keeps every value's position; a syntax error stops there,
 * located at libyaml's problem mark. Then the index is checked against
 * the libcyaml schema tables themselves (recipe_schema.c): unknown and
 * duplicate keys, wrong kinds, missing required keys and sequence bounds
 * each become a diagnostic at the exact key or value, all of them in one
 * run. libcyaml would catch the same mistakes, but stops at the first and
 * reports the scanner's position rather than the offending value's, so
 * this pass exists for the locations, not for extra rules. Last, libcyaml
 * fills the structs; should it still object, its log message and first
 * backtrace position become the diagnostic.
 */
#include "load/recipe.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "load/catalog.h"
#include "load/yaml_index.h"
#include "util/file.h"
#include "util/strbuf.h"
#include "util/text.h"

/* What libcyaml logged while failing: its message and first position. */
struct cyaml_log {
	struct strbuf msg;
	unsigned line, col;
};

static void log_fn(cyaml_log_t level, void *ctx, const char *fmt, va_list ap)
{
	struct cyaml_log *log = ctx;
	struct strbuf sb = STRBUF_INIT;
	const char *s, *at;
	unsigned line, col;

	if (level < CYAML_LOG_ERROR)
		return;
	strbuf_vaddf(&sb, fmt, ap);
	s = strbuf_str(&sb);
	at = strstr(s, "(line: ");
	if (at && !log->line && sscanf(at, "(line: %u, column: %u)", &line, &col) == 2) {
		log->line = line;
		log->col = col;
	} else if (!at && !log->msg.len && !strstr(s, "Backtrace")) {
		if (!strncmp(s, "Load: ", 6))
			s += 6;
		strbuf_addstr(&log->msg, s);
		while (log->msg.len && (log->msg.buf[log->msg.len - 1] == '\n' ||
					log->msg.buf[log->msg.len - 1] == '.'))
			log->msg.buf[--log->msg.len] = 0;
	}
	strbuf_release(&sb);
}

static const cyaml_config_t base_cfg = {
	.mem_fn = cyaml_mem,
	.log_level = CYAML_LOG_ERROR,
	.flags = CYAML_CFG_NO_ALIAS,
};

/* Shape checking of the index against the cyaml tables. */
struct shape {
	const char *file;
	struct diag_list *d;
	int err;
};

static int fail_at(struct shape *s, unsigned line, unsigned col,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail_at(struct shape *s, unsigned line, unsigned col,
		   const char *fmt, ...)
{
	struct diag_at at = { .file = s->file, .line = line, .col = col };
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	s->err = diag_err(s->d, &at, "%s", strbuf_str(&sb));
	strbuf_release(&sb);
	return s->err;
}

static bool is_empty(const struct yaml_node *n)
{
	return n->kind == YAML_NODE_SCALAR && !n->text_len &&
	       n->style == YAML_PLAIN_SCALAR_STYLE;
}

static const char *kind_name(const struct yaml_node *n)
{
	switch (n->kind) {
	case YAML_NODE_SCALAR:
		return "a string";
	case YAML_NODE_SEQUENCE:
		return "a list";
	case YAML_NODE_MAPPING:
		return "a mapping";
	default:
		return "an alias";
	}
}

static const char *want_name(const cyaml_schema_value_t *v)
{
	switch (v->type) {
	case CYAML_SEQUENCE:
		return "a list";
	case CYAML_MAPPING:
		return "a mapping";
	default:
		return "a string";
	}
}

static void keys_of(struct strbuf *sb, const cyaml_schema_field_t *f,
		    bool required_only)
{
	for (; f->key; f++) {
		if (required_only && (f->value.flags & CYAML_FLAG_OPTIONAL))
			continue;
		strbuf_addf(sb, "%s%s", sb->len ? ", " : "", f->key);
	}
}

/* " in 'aggregate'" for nested mappings, nothing at the top level. */
static char *where(const struct yaml_node *map)
{
	char *path = yaml_node_path(map);
	char *in = *path ? xasprintf(" in '%s'", path) : xstrdup("");

	free(path);
	return in;
}

static void check_value(struct shape *s, const struct yaml_node *n,
			const cyaml_schema_value_t *v);

static void unknown_key(struct shape *s, const struct yaml_node *map,
			const struct yaml_node *c, const cyaml_schema_field_t *fields)
{
	struct strbuf valid = STRBUF_INIT;
	const char *keys[64], *best;
	size_t nkeys = 0;
	char *in = where(map);

	for (const cyaml_schema_field_t *f = fields; f->key && nkeys < 64; f++)
		keys[nkeys++] = f->key;
	keys_of(&valid, fields, false);
	best = text_closest(c->key, keys, nkeys);
	fail_at(s, c->key_line, c->key_col, "unknown key '%s'%s", c->key, in);
	if (best)
		diag_hint(s->d, "did you mean '%s'? valid keys here: %s", best,
			  strbuf_str(&valid));
	else
		diag_hint(s->d, "valid keys here: %s (see docs/recipe-format.md)",
			  strbuf_str(&valid));
	strbuf_release(&valid);
	free(in);
}

static void check_mapping(struct shape *s, const struct yaml_node *map,
			  const cyaml_schema_field_t *fields)
{
	struct strbuf missing = STRBUF_INIT;
	unsigned nmissing = 0;
	char *in;

	for (const struct yaml_node *c = map->child; c; c = c->next) {
		const cyaml_schema_field_t *f;
		const struct yaml_node *first;

		if (!c->key_is_scalar) {
			fail_at(s, c->key_line, c->key_col,
				"a key must be a plain name, not a list or mapping");
			continue;
		}
		for (f = fields; f->key && strcmp(f->key, c->key); f++)
			;
		if (!f->key) {
			unknown_key(s, map, c, fields);
			continue;
		}
		first = yaml_node_get(map, c->key);
		if (first != c) {
			fail_at(s, c->key_line, c->key_col, "duplicate key '%s'",
				c->key);
			diag_hint(s->d, "'%s' is already given at line %u",
				  c->key, first->key_line);
			continue;
		}
		check_value(s, c, &f->value);
	}
	for (const cyaml_schema_field_t *f = fields; f->key; f++) {
		if ((f->value.flags & CYAML_FLAG_OPTIONAL) ||
		    yaml_node_get(map, f->key))
			continue;
		strbuf_addf(&missing, "%s'%s'", missing.len ? ", " : "", f->key);
		nmissing++;
	}
	if (nmissing) {
		struct strbuf req = STRBUF_INIT;

		in = where(map);
		keys_of(&req, fields, true);
		fail_at(s, map->line, map->col, "missing required key%s %s%s",
			nmissing > 1 ? "s" : "", strbuf_str(&missing), in);
		diag_hint(s->d, "required here: %s (see docs/recipe-format.md)",
			  strbuf_str(&req));
		strbuf_release(&req);
		free(in);
	}
	strbuf_release(&missing);
}

/* Check n against v; `path` is n's document path, for messages. */
static void check_value_at(struct shape *s, const struct yaml_node *n,
			   const cyaml_schema_value_t *v, const char *path)
{
	const char *want = want_name(v);

	if (n->kind == YAML_NODE_ALIAS) {
		fail_at(s, n->line, n->col, "YAML aliases are not supported in recipes");
		diag_hint(s->d, "write the value out in full");
		return;
	}
	if (is_empty(n) && v->type != CYAML_STRING) {
		fail_at(s, n->key_line, n->key_col, "'%s' is empty; it must be %s",
			path, want);
		diag_hint(s->d, "docs/recipe-format.md shows what '%s' holds", path);
		return;
	}
	switch (v->type) {
	case CYAML_STRING:
		if (n->kind != YAML_NODE_SCALAR) {
			fail_at(s, n->line, n->col, "'%s' must be %s, not %s",
				path, want, kind_name(n));
			diag_hint(s->d, n->kind == YAML_NODE_MAPPING ?
				  "quote the value if it contains ': ' or starts with '{'" :
				  "give a single value, or quote it if it starts with '['");
		} else if (n->text_len < v->string.min) {
			fail_at(s, n->line, n->col, "'%s' is empty", path);
			diag_hint(s->d, "give it a value, or leave the key out if it is optional");
		} else if (v->string.max != CYAML_UNLIMITED &&
			   n->text_len > v->string.max) {
			fail_at(s, n->line, n->col, "'%s' is longer than %u characters",
				path, v->string.max);
			diag_hint(s->d, "shorten it");
		}
		return;
	case CYAML_MAPPING:
		if (n->kind != YAML_NODE_MAPPING) {
			fail_at(s, n->line, n->col, "'%s' must be %s, not %s",
				path, want, kind_name(n));
			return;
		}
		check_mapping(s, n, v->mapping.fields);
		return;
	case CYAML_SEQUENCE:
		if (n->kind != YAML_NODE_SEQUENCE) {
			fail_at(s, n->line, n->col, "'%s' must be %s, not %s",
				path, want, kind_name(n));
			diag_hint(s->d, "write a list: `%s: [%s]`, or one `- item` per line",
				  n->key, n->kind == YAML_NODE_SCALAR ? n->text : "...");
			return;
		}
		if (n->nchildren < v->sequence.min) {
			fail_at(s, n->line, n->col, "'%s' needs at least %u entr%s",
				path, v->sequence.min,
				v->sequence.min == 1 ? "y" : "ies");
			diag_hint(s->d, "e.g. %s: [...], one entry per item; docs/recipe-format.md",
				  n->key);
		} else if (n->nchildren > v->sequence.max) {
			const struct yaml_node *c = n->child;

			for (unsigned i = 0; i < v->sequence.max; i++)
				c = c->next;
			fail_at(s, c->line, c->col,
				"'%s' has %u entries; at most %u are allowed",
				path, n->nchildren, v->sequence.max);
			diag_hint(s->d, "remove the entries from this one on");
		}
		for (const struct yaml_node *c = n->child; c; c = c->next)
			check_value(s, c, v->sequence.entry);
		return;
	default:
		return;
	}
}

static void check_value(struct shape *s, const struct yaml_node *n,
			const cyaml_schema_value_t *v)
{
	char *path = yaml_node_path(n);

	check_value_at(s, n, v, path);
	free(path);
}

static int check_shape(const char *file, const struct yaml_index *idx,
		       struct diag_list *d)
{
	const struct yaml_node *root = yaml_index_root(idx);
	const cyaml_schema_value_t *top = recipe_cyaml_schema();
	struct shape s = { .file = file, .d = d };
	struct strbuf req = STRBUF_INIT;

	keys_of(&req, top->mapping.fields, true);
	if (!root || is_empty(root)) {
		fail_at(&s, 1, 1, "empty recipe");
		diag_hint(d, "a recipe is a YAML mapping with at least: %s (see docs/recipe-format.md)",
			  strbuf_str(&req));
	} else if (root->kind != YAML_NODE_MAPPING) {
		fail_at(&s, root->line, root->col,
			"a recipe must be a mapping of keys, not %s",
			kind_name(root));
		diag_hint(d, "start with `summary: ...`; required keys: %s",
			  strbuf_str(&req));
	} else {
		check_mapping(&s, root, top->mapping.fields);
	}
	strbuf_release(&req);
	return s.err;
}

static void syntax_error(const char *file, const struct yaml_index_error *e,
			 struct diag_list *d)
{
	struct diag_at at = { .file = file, .line = e->line, .col = e->col };

	if (!e->syntax) {
		diag_err(d, &at, "%s", e->msg);
		if (e->hint)
			diag_hint(d, "%s", e->hint);
		return;
	}
	/*
	 * An unclosed quote or bracket is only noticed at the end of the
	 * file; the place to fix is where it was opened.
	 */
	if (e->context && strstr(e->msg, "end of stream")) {
		at.line = e->context_line;
		at.col = e->context_col;
		diag_err(d, &at, "invalid YAML: %s, %s", e->context, e->msg);
		diag_hint(d, "a quote or bracket opened here is never closed");
		return;
	}
	if (e->tab) {
		diag_err(d, &at, "invalid YAML: tabs are not allowed in indentation");
		diag_hint(d, "indent with spaces (libyaml: %s)", e->msg);
		return;
	}
	diag_err(d, &at, "invalid YAML: %s", e->msg);
	if (strstr(e->msg, "mapping values are not allowed"))
		diag_hint(d, "quote a value that contains ': ', or check this line's indentation");
	else if (e->context)
		diag_hint(d, "%s that starts at line %u, column %u", e->context,
			  e->context_line, e->context_col);
}

/* A bound of an example's figure: a non-negative decimal integer. */
static bool is_count(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * What the example tables cannot say: each expect reads one figure and
 * bounds it, with integers. Returns 0 or -EINVAL with the diagnostics.
 */
static int check_example(const struct recipe_file *rf, struct diag_list *d)
{
	const struct recipe_example *ex = rf->r->example;
	int err = 0;

	if (!ex)
		return 0;
	if (ex->system_wide && strcmp(ex->system_wide, "true") &&
	    strcmp(ex->system_wide, "false")) {
		struct diag_at at = recipe_locate(rf, "example.system_wide", 0);

		err = diag_err(d, &at, "'example.system_wide' must be true or false");
		diag_hint(d, "true attaches first and runs the command while attached");
	}
	for (unsigned i = 0; i < ex->expect_count; i++) {
		const struct recipe_expect *e = &ex->expect[i];
		const char *bounds[] = { e->equals, e->at_least, e->at_most };
		const char *names[] = { "equals", "at_least", "at_most" };
		char *path = xasprintf("example.expect[%u]", i);
		struct diag_at at = recipe_locate(rf, path, 0);

		if (!!e->entry + !!e->hist + !!e->lines != 1) {
			err = diag_err(d, &at, "an expect reads one figure: 'entry', 'hist' or 'lines'");
			diag_hint(d, "entry: \"@[rcp-wl-sys]\" reads the line '@[rcp-wl-sys]: N'; "
				  "hist: \"@usecs\" (with bucket: \"[8K, 16K)\" or from_bucket) a histogram; "
				  "lines: TEXT counts output lines containing TEXT");
		} else if ((e->bucket || e->from_bucket) && !e->hist) {
			err = diag_err(d, &at, "'%s' belongs with 'hist'", e->bucket ? "bucket" : "from_bucket");
			diag_hint(d, "hist: \"@usecs\" names the histogram the bucket is in");
		} else if (e->bucket && e->from_bucket) {
			err = diag_err(d, &at, "an expect reads one row ('bucket') or the rows from one up ('from_bucket'), not both");
			diag_hint(d, "from_bucket: \"[8K, 16K)\" counts that row and every row above it");
		} else if (!e->equals && !e->at_least && !e->at_most) {
			err = diag_err(d, &at, "an expect needs a bound: 'equals', 'at_least' or 'at_most'");
			diag_hint(d, "equals: N where only the workload makes the event, a bound for sampled or system-wide ones");
		} else if (e->equals && (e->at_least || e->at_most)) {
			err = diag_err(d, &at, "'equals' is exact; it takes no 'at_least' or 'at_most'");
			diag_hint(d, "keep one or the other");
		}
		for (int b = 0; b < 3; b++) {
			char *bpath;

			if (!bounds[b] || is_count(bounds[b]))
				continue;
			bpath = xasprintf("%s.%s", path, names[b]);
			at = recipe_locate(rf, bpath, 0);
			err = diag_err(d, &at, "'%s' must be a non-negative integer, not '%s'",
				       names[b], bounds[b]);
			diag_hint(d, "write the figure in decimal, e.g. %s: 1000", names[b]);
			free(bpath);
		}
		free(path);
	}
	return err ? -EINVAL : 0;
}

/* "category/name" when path is <dir>/<category>/<name>.yaml. */
static char *name_of(const char *path)
{
	const char *base = strrchr(path, '/'), *cat;
	size_t l;

	if (!base || base == path)
		return NULL;
	l = strlen(base + 1);
	if (l <= 5 || strcmp(base + 1 + l - 5, ".yaml"))
		return NULL;
	for (cat = base - 1; cat > path && cat[-1] != '/'; cat--)
		;
	for (size_t i = 0; catalog_categories[i]; i++)
		if ((size_t)(base - cat) == strlen(catalog_categories[i]) &&
		    !strncmp(cat, catalog_categories[i], base - cat))
			return xasprintf("%.*s/%.*s", (int)(base - cat), cat,
					 (int)(l - 5), base + 1);
	return NULL;
}

int recipe_load_string(const char *path, const char *text,
		       struct recipe_file **out, struct diag_list *d)
{
	struct cyaml_log log = { .msg = STRBUF_INIT };
	cyaml_config_t cfg = base_cfg;
	struct yaml_index_error yerr;
	struct yaml_index *idx;
	struct recipe_file *rf;
	struct recipe *r = NULL;
	cyaml_err_t cerr;
	int ret;

	ret = yaml_index_build(text, strlen(text), &idx, &yerr);
	if (ret) {
		syntax_error(path, &yerr, d);
		yaml_index_error_release(&yerr);
		return ret;
	}
	ret = check_shape(path, idx, d);
	if (ret) {
		yaml_index_free(idx);
		return ret;
	}
	cfg.log_fn = log_fn;
	cfg.log_ctx = &log;
	cerr = cyaml_load_data((const uint8_t *)text, strlen(text), &cfg,
			       recipe_cyaml_schema(), (cyaml_data_t **)&r, NULL);
	if (cerr != CYAML_OK || !r) {
		struct diag_at at = { .file = path, .line = log.line, .col = log.col };

		diag_err(d, &at, "%s", log.msg.len ? strbuf_str(&log.msg) :
			 cyaml_strerror(cerr));
		diag_hint(d, "see docs/recipe-format.md");
		strbuf_release(&log.msg);
		yaml_index_free(idx);
		return -EINVAL;
	}
	strbuf_release(&log.msg);
	rf = xcalloc(1, sizeof(*rf));
	rf->path = xstrdup(path);
	rf->name = name_of(path);
	rf->r = r;
	rf->index = idx;
	/* One of two keys, which the per-key tables cannot say. */
	if (!r->aggregate == !r->print) {
		struct diag_at at = recipe_locate(rf, r->print ? "print" : "", 0);

		if (r->print)
			diag_err(d, &at, "a recipe has 'aggregate' or 'print', not both");
		else
			diag_err(d, &at, "missing required key 'aggregate' (or 'print')");
		diag_hint(d, "aggregate: {type: count} counts events; print: {format: \"...\", args: [...]} prints a line each");
		recipe_file_free(rf);
		return -EINVAL;
	}
	if (check_example(rf, d)) {
		recipe_file_free(rf);
		return -EINVAL;
	}
	*out = rf;
	return 0;
}

int recipe_load_file(const char *path, struct recipe_file **out,
		     struct diag_list *d)
{
	struct diag_at at = { .file = path };
	void *text;
	size_t len;
	int ret;

	ret = file_read_max(path, RECIPE_MAX_BYTES, &text, &len);
	if (ret == -EFBIG) {
		diag_err(d, &at, "larger than %d MiB, the limit for a recipe file (RECIPE_MAX_BYTES)",
			 RECIPE_MAX_BYTES / (1024 * 1024));
		diag_hint(d, "a recipe is a page or two of YAML, so this file is something else; "
			  "the limit is RECIPE_MAX_BYTES in engine/load/recipe.h");
		return ret;
	}
	if (ret) {
		diag_err(d, &at, "cannot %s: %s", ret == -EISDIR ? "read" : "open",
			 strerror(-ret));
		return ret;
	}
	if (strlen(text) != len) {
		/* where the first one is, counting characters as libyaml does */
		const unsigned char *t = text, *nul = t + strlen(text);

		at.line = at.col = 1;
		for (; t < nul; t++) {
			if (*t == '\n') {
				at.line++;
				at.col = 1;
			} else if ((*t & 0xc0) != 0x80) {
				at.col++;
			}
		}
		diag_err(d, &at, "not a text file (contains NUL bytes)");
		diag_hint(d, "a recipe is UTF-8 YAML text; the first NUL byte is here");
		free(text);
		return -EINVAL;
	}
	ret = recipe_load_string(path, text, out, d);
	free(text);
	return ret;
}

void recipe_file_free(struct recipe_file *rf)
{
	if (!rf)
		return;
	cyaml_free(&base_cfg, recipe_cyaml_schema(), rf->r, 0);
	yaml_index_free(rf->index);
	free(rf->path);
	free(rf->name);
	free(rf);
}

struct diag_at recipe_locate(const struct recipe_file *rf, const char *path,
			     unsigned offset)
{
	struct diag_at at = { .file = rf ? rf->path : NULL };
	const struct yaml_node *n = NULL;
	char *p;

	if (!rf || !path)
		return at;
	p = xstrdup(path);
	for (;;) {
		char *dot, *br;

		n = yaml_index_find(rf->index, p);
		if (n || !*p)
			break;
		dot = strrchr(p, '.');
		br = strrchr(p, '[');
		if (br && (!dot || br > dot))
			*br = 0;
		else if (dot)
			*dot = 0;
		else
			*p = 0;
		offset = 0;
	}
	free(p);
	if (n)
		yaml_index_locate(rf->index, n, offset, &at.line, &at.col);
	return at;
}
