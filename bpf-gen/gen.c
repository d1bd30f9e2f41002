/*
 * gen: render a plan into BPF C by filling templates/. Every decision
 * was made by plan_build(); this file only turns the plan's shape into
 * template slot values.
 */
#include "bpf-gen/gen.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "bpf-gen/btf_types.h"
#include "bpf-gen/emit.h"
#include "bpf-gen/tmpl.h"
#include "check/expr_tree.h"

#define LINE_RESTORE "#line RCP_RESTORE\n"

/* Types bpf_helpers.h, recipe.bpf.h and the templates use. */
static const char *const needed_types[] = {
	"__u8", "__s8", "__u16", "__s16", "__u32", "__s32", "__u64", "__s64",
	"__be16", "__be32", "__wsum", "bpf_map_type", NULL,
};
static const char *const needed_enum_consts[] = { "BPF_ANY", "BPF_NOEXIST", "BPF_F_USER_STACK", NULL };
/* What a provider's runtime adds (libbpf's usdt.bpf.h: struct pt_regs, bool). */
static const char *const runtime_types[] = { "pt_regs", "bool", NULL };

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* needed_types and runtime_types in one NULL-terminated list, built once. */
static const char *const *types_with_runtimes(void)
{
	static const char *all[NELEMS(needed_types) + NELEMS(runtime_types) - 1];
	size_t n = 0;

	if (!all[0]) {
		for (size_t i = 0; needed_types[i]; i++)
			all[n++] = needed_types[i];
		for (size_t i = 0; runtime_types[i]; i++)
			all[n++] = runtime_types[i];
	}
	return all;
}

/* A file name inside a C string literal, escaped byte by byte. */
static void add_c_string(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\' || !isprint(c))
			strbuf_addf(sb, "\\%03o", c);
		else
			strbuf_addch(sb, (char)c);
	}
	strbuf_addch(sb, '"');
}

/* Only names that cannot end a comment or carry code go into comments. */
static const char *comment_safe(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("_-./", *c))
			return "a recipe file";
	return strstr(s, "*/") ? "a recipe file" : s;
}

/*
 * Text that may come from a recipe (a uprobe's binary path) inside a C
 * comment: printable bytes only, and no "*" followed by "/".
 */
static void add_comment_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!isprint(c))
			strbuf_addch(sb, '?');
		else if (c == '/' && sb->len && sb->buf[sb->len - 1] == '*')
			strbuf_addstr(sb, " /");
		else
			strbuf_addch(sb, (char)c);
	}
}

static void add_line(struct strbuf *sb, const struct plan *p, const char *path)
{
	struct diag_at at = recipe_locate(p->rf, path, 0);

	if (!at.line)
		return;
	strbuf_addf(sb, "#line %u ", at.line);
	add_c_string(sb, p->rf->path);
	strbuf_addch(sb, '\n');
}

/* The emitter's statements, indented one level into the function body. */
static void add_indented(struct strbuf *body, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text + 1) : strlen(text);

		if (*text != '\t')
			strbuf_addch(body, '\t');
		strbuf_add(body, text, len);
		text += len;
	}
}

/*
 * Append an expression's statement under a #line naming its place in the
 * recipe, so clang's errors and the verifier's line info point there.
 * Set-up statements (temporaries) come first, under the generated file's
 * own numbering, so the line the recipe names is the expression's.
 */
static void emit_at(struct strbuf *body, const struct plan *p, const char *path,
		    const struct strbuf *pre, const char *fmt, ...)
{
	struct strbuf stmt = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&stmt, fmt, ap);
	va_end(ap);
	add_indented(body, strbuf_str(pre));
	add_line(body, p, path);
	add_indented(body, strbuf_str(&stmt));
	strbuf_addstr(body, LINE_RESTORE);
	strbuf_release(&stmt);
}

static const char *int_ctype(unsigned size, bool is_signed)
{
	static const char *const names[2][4] = {
		{ "__u8", "__u16", "__u32", "__u64" },
		{ "__s8", "__s16", "__s32", "__s64" },
	};
	unsigned idx = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;

	return names[is_signed][idx];
}

/*
 * The members of a generated struct ("k0", "m0", "s0": letter and
 * index, never recipe text), with asserts that pin each offset the
 * plan chose.
 */
static void render_members(const struct plan_key *m, unsigned n, char letter,
			   const char *st, const char *what, struct strbuf *members,
			   struct strbuf *asserts)
{
	for (unsigned k = 0; k < n; k++) {
		if (m[k].kind == KEY_STR)
			strbuf_addf(members, "\tchar %c%u[%u];\n", letter, k, m[k].size);
		else if (m[k].kind == KEY_PROBE)
			strbuf_addf(members, "\t__u32 %c%u;\t/* attach point index */\n", letter, k);
		else
			strbuf_addf(members, "\t%s %c%u;\n",
				    m[k].kind == KEY_INT ? "__s64" : "__u64", letter, k);
		strbuf_addf(asserts,
			    "_Static_assert(__builtin_offsetof(struct %s, %c%u) == %u, \"%s layout\");\n",
			    st, letter, k, m[k].offset, what);
	}
}

static void render_key(const struct plan *p, struct strbuf *members,
		       struct strbuf *asserts)
{
	render_members(p->keys, p->nkeys, 'k', "rcp_key", "key", members, asserts);
	if (p->agg->bucketed || !p->nkeys) {
		strbuf_addstr(members, "\t__u32 rcp_slot;\n");
		strbuf_addf(asserts,
			    "_Static_assert(__builtin_offsetof(struct rcp_key, rcp_slot) == %u, \"key layout\");\n",
			    p->slot_offset);
	}
	strbuf_addf(asserts, "_Static_assert(sizeof(struct rcp_key) == %u, \"key layout\");\n",
		    p->key_size);
}

static void render_config(const struct plan *p, struct strbuf *members,
			  struct strbuf *asserts)
{
	for (unsigned i = 0; i < p->nparams; i++) {
		const struct plan_param *pp = &p->params[i];

		if (pp->type.kind == TY_STR)
			strbuf_addf(members, "\tchar %s[%u];\n", pp->member, pp->type.size);
		else
			strbuf_addf(members, "\t%s %s;\n",
				    pp->type.is_signed ? "__s64" : "__u64", pp->member);
		strbuf_addf(asserts,
			    "_Static_assert(__builtin_offsetof(struct rcp_config, %s) == %u, \"config layout\");\n",
			    pp->member, pp->offset);
	}
	strbuf_addf(asserts, "_Static_assert(sizeof(struct rcp_config) == %u, \"config layout\");\n",
		    p->cfg_size);
}

static int cmp_field_offset(const void *a, const void *b)
{
	const struct field_info *fa = a, *fb = b;

	return (fa->offset > fb->offset) - (fa->offset < fb->offset);
}

/*
 * The record as this group's programs read it: the used fields at their
 * exact offsets, padding in between. Asserts make a layout the compiler
 * would pad differently a compile error rather than a wrong read.
 */
static void render_record(const struct plan_group *g, unsigned gi,
			  struct strbuf *out, struct strbuf *ctx_type)
{
	struct field_info *f = xcalloc(g->nfields, sizeof(*f));
	unsigned pos = 0;
	size_t nf = 0;

	/* args the provider reads with its arg_reader are not in the record */
	for (size_t i = 0; i < g->nfields; i++)
		if (g->fields[i].kind != FIELD_READER_ARG)
			f[nf++] = g->fields[i];
	if (!nf) {
		strbuf_addstr(ctx_type, "void");
		free(f);
		return;
	}
	qsort(f, nf, sizeof(*f), cmp_field_offset);
	strbuf_addf(ctx_type, "struct rcp_record_%u", gi);
	strbuf_addf(out, "struct rcp_record_%u {\n", gi);
	for (size_t i = 0; i < nf; i++) {
		if (f[i].offset > pos)
			strbuf_addf(out, "\tchar rcp_pad%zu[%u];\n", i, f[i].offset - pos);
		switch (f[i].kind) {
		case FIELD_CHAR_ARRAY:
			strbuf_addf(out, "\tchar %s[%u];\n", f[i].name, f[i].size);
			break;
		case FIELD_BYTES:
			strbuf_addf(out, "\t__u8 %s[%u];\n", f[i].name, f[i].size);
			break;
		case FIELD_DATA_LOC_STR:
			strbuf_addf(out, "\t__u32 %s;\t/* __data_loc: offset | length << 16 */\n",
				    f[i].name);
			break;
		case FIELD_PTR:
			strbuf_addf(out, "\t__u64 %s;\t/* %s */\n", f[i].name,
				    f[i].user_ptr ? "user pointer" : "kernel pointer");
			break;
		default:
			strbuf_addf(out, "\t%s %s;\n", int_ctype(f[i].size, f[i].is_signed),
				    f[i].name);
			break;
		}
		pos = f[i].offset + f[i].size;
	}
	strbuf_addstr(out, "};\n");
	for (size_t i = 0; i < nf; i++)
		strbuf_addf(out,
			    "_Static_assert(__builtin_offsetof(struct rcp_record_%u, %s) == %u, \"record layout\");\n",
			    gi, f[i].name, f[i].offset);
	free(f);
}

/* A C literal of v; INT64_MIN has none, so it is written as an expression. */
static void int64_literal(char *buf, size_t len, int64_t v)
{
	if (v == INT64_MIN)
		snprintf(buf, len, "(-%" PRId64 "LL - 1)", INT64_MAX);
	else
		snprintf(buf, len, "%" PRId64 "LL", v);
}

/*
 * Statements computing each member into VAR.LETTER<i> (a zeroed struct),
 * from the group's trees e[0..n) laid out as m[0..n).
 */
static int emit_members(const struct plan *p, struct emit_ctx *ec,
			const struct plan_key *m, const struct expr *const *e, unsigned n,
			const char *var, char letter, struct strbuf *body)
{
	struct strbuf pre = STRBUF_INIT, expr = STRBUF_INIT;
	int err = 0;

	for (unsigned k = 0; k < n && !err; k++) {
		char dst[32];

		strbuf_reset(&pre);
		strbuf_reset(&expr);
		snprintf(dst, sizeof(dst), "%s.%c%u", var, letter, k);
		if (m[k].kind == KEY_STR) {
			/* All of a string member's code is the expression's. */
			err = emit_store_str(e[k], ec, dst, m[k].size, &expr);
			emit_at(body, p, m[k].path, &pre, "%s", strbuf_str(&expr));
		} else {
			/* the assignment converts to the member's type */
			err = emit_value(e[k], false, ec, &pre, &expr);
			emit_at(body, p, m[k].path, &pre, "\t%s = %s;\n", dst,
				strbuf_str(&expr));
		}
	}
	strbuf_release(&pre);
	strbuf_release(&expr);
	return err;
}

/* `if (!part) return 0;` for each of parts[0..n), in order. */
static int emit_filter(const struct plan *p, const struct expr *const *parts, unsigned n,
		       const char *path, struct emit_ctx *ec, struct strbuf *body)
{
	struct strbuf pre = STRBUF_INIT, expr = STRBUF_INIT;
	int err = 0;

	for (unsigned i = 0; i < n && !err; i++) {
		strbuf_reset(&pre);
		strbuf_reset(&expr);
		err = emit_value(parts[i], false, ec, &pre, &expr);
		emit_at(body, p, path, &pre, "\tif (!%s)\n\t\treturn 0;\n", strbuf_str(&expr));
	}
	strbuf_release(&pre);
	strbuf_release(&expr);
	return err;
}

/* A start point's program: its filter, then the match and saved values, recorded. */
static int render_start_body(const struct plan *p, const struct plan_group *g,
			     struct emit_ctx *ec, struct strbuf *body, struct diag_list *d)
{
	const struct plan_pair *pr = p->pair;
	struct strbuf members = STRBUF_INIT;
	int err = 0;

	if (g->filter)
		err = emit_filter(p, &g->filter, 1, "start.filter", ec, body);
	if (!err)
		err = emit_members(p, ec, pr->start_match, g->match, pr->nmatch, "rcp_match", 'm',
				   &members);
	if (!err)
		err = emit_members(p, ec, pr->saved, g->saved, pr->nsaved, "rcp_started", 's',
				   &members);
	if (!err) {
		const struct tmpl_slot slot = { "members", strbuf_str(&members) };

		err = tmpl_expand("pair/start.bpf.c", &slot, 1, body, d);
	}
	strbuf_release(&members);
	return err;
}

/* An end point's: the filter's own parts, its start found and consumed, the rest. */
static int render_end_pairing(const struct plan *p, const struct plan_group *g,
			      struct emit_ctx *ec, struct strbuf *body, struct diag_list *d)
{
	struct strbuf members = STRBUF_INIT;
	int err = 0;

	err = emit_filter(p, g->filter_end, g->nfilter_end, "filter", ec, body);
	if (!err)
		err = emit_members(p, ec, p->pair->end_match, g->match, p->pair->nmatch,
				   "rcp_match", 'm', &members);
	if (!err) {
		const struct tmpl_slot slot = { "members", strbuf_str(&members) };

		err = tmpl_expand("pair/end.bpf.c", &slot, 1, body, d);
	}
	if (!err)
		err = emit_filter(p, g->filter_after, g->nfilter_after, "filter", ec, body);
	strbuf_release(&members);
	return err;
}

static int render_body(const struct plan *p, const struct plan_group *g,
		       struct emit_ctx *ec, struct strbuf *body, struct diag_list *d)
{
	const struct agg_kind *agg = p->agg;
	struct strbuf pre = STRBUF_INIT, expr = STRBUF_INIT;
	char min[32], max[32], step[32];
	const struct tmpl_slot slots[] = {
		{ "compare", agg->compare ? agg->compare : "" },
		{ "lhist_min", min }, { "lhist_max", max }, { "lhist_step", step },
	};
	int err = 0;

	if (g->start)
		return render_start_body(p, g, ec, body, d);
	int64_literal(min, sizeof(min), p->lmin);
	int64_literal(max, sizeof(max), p->lmax);
	snprintf(step, sizeof(step), "%" PRId64 "ULL", p->lstep);

	if (p->pair)
		err = render_end_pairing(p, g, ec, body, d);
	else if (g->filter)
		err = emit_filter(p, &g->filter, 1, "filter", ec, body);
	strbuf_addstr(body, "\t__builtin_memset(&rcp_key, 0, sizeof(rcp_key));\n");
	if (!err)
		err = emit_members(p, ec, p->keys, g->keys, p->nkeys, "rcp_key", 'k', body);
	if (g->value && !err) {
		strbuf_reset(&pre);
		strbuf_reset(&expr);
		/* the declaration converts to __s64 */
		err = emit_value(g->value, false, ec, &pre, &expr);
		emit_at(body, p, "aggregate.value", &pre,
			"\t__s64 rcp_value = %s;\n", strbuf_str(&expr));
	}
	strbuf_release(&pre);
	strbuf_release(&expr);
	if (err)
		return err;
	if (agg->slot_tmpl)
		err = tmpl_expand(agg->slot_tmpl, slots, 4, body, d);
	return err ?: tmpl_expand(agg->tmpl, slots, 4, body, d);
}

static int render_group(const struct plan *p, unsigned gi, struct strbuf *out,
			struct diag_list *d)
{
	const struct plan_group *g = &p->groups[gi];
	struct strbuf record = STRBUF_INIT, ctx_type = STRBUF_INIT;
	struct strbuf body = STRBUF_INIT, points = STRBUF_INIT;
	struct emit_ctx ec = { .ctx_var = "ctx", .cookie_expr = "rcp_probe_idx",
			       .arg_reader = g->arg_reader, .d = d };
	size_t count = 0;
	char prog[32], probe_idx[48];
	int err;

	for (size_t i = 0; i < p->npoints; i++)
		count += p->point_group[i] == gi;
	add_comment_text(&points, p->points[g->first].display);
	if (count > 1)
		strbuf_addstr(&points, " and others of the same layout");
	abi_prog_name(gi, prog, sizeof(prog));
	/* Which point fired: the BPF cookie, or a constant for a program of one point. */
	switch (g->probe_index) {
	case PLAN_INDEX_CONSTANT:
		snprintf(probe_idx, sizeof(probe_idx), "%zuU", g->first);
		break;
	case PLAN_INDEX_PROVIDER:
		snprintf(probe_idx, sizeof(probe_idx), "(__u32)%s", g->cookie_expr);
		break;
	case PLAN_INDEX_COOKIE:
		snprintf(probe_idx, sizeof(probe_idx), "(__u32)bpf_get_attach_cookie(ctx)");
		break;
	}
	render_record(g, gi, &record, &ctx_type);
	err = render_body(p, g, &ec, &body, d);
	if (!err) {
		const char *target_check = g->target_check ?
			"\tif (!rcp_target_ok())\n\t\treturn 0;\n" : "";
		const struct tmpl_slot slots[] = {
			{ "target_check", target_check },
			{ "points", strbuf_str(&points) },
			{ "record", strbuf_str(&record) },
			{ "section", g->provider->section },
			{ "prog", prog },
			{ "probe_idx", probe_idx },
			{ "ctx_type", strbuf_str(&ctx_type) },
			{ "body", strbuf_str(&body) },
		};
		err = tmpl_expand("probe.bpf.c", slots, sizeof(slots) / sizeof(slots[0]), out, d);
	}
	strbuf_release(&record);
	strbuf_release(&ctx_type);
	strbuf_release(&body);
	strbuf_release(&points);
	return err;
}

void gen_assemble(const struct gen_unit *u, const char *types,
		  const char *name, struct strbuf *out)
{
	const char *s = strbuf_str(&u->body);
	unsigned line = 1;

	strbuf_addstr(out, types);
	for (const char *t = types; *t; t++)
		line += *t == '\n';

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s + 1) : strlen(s);

		if (!strncmp(s, LINE_RESTORE, len)) {
			strbuf_addf(out, "#line %u ", line + 1);
			add_c_string(out, name);
			strbuf_addch(out, '\n');
		} else {
			strbuf_add(out, s, len);
		}
		line++;
		s += len;
	}
}

/* A start/end recipe's match and started structs, the map of starts, its counters. */
static int render_pair(const struct plan *p, struct strbuf *out, struct diag_list *d)
{
	struct strbuf mm = STRBUF_INIT, ma = STRBUF_INIT, sm = STRBUF_INIT, sa = STRBUF_INIT;
	char max_entries[16];
	int err;

	if (!p->pair)
		return 0;
	render_members(p->pair->start_match, p->pair->nmatch, 'm', "rcp_match", "match", &mm, &ma);
	strbuf_addf(&ma, "_Static_assert(sizeof(struct rcp_match) == %u, \"match layout\");\n",
		    p->pair->match_size);
	render_members(p->pair->saved, p->pair->nsaved, 's', "rcp_started", "saved values",
		       &sm, &sa);
	strbuf_addf(&sa, "_Static_assert(sizeof(struct rcp_started) == %u, \"saved values layout\");\n",
		    p->pair->started_size);
	snprintf(max_entries, sizeof(max_entries), "%u", p->pair->max_entries);
	{
		const struct tmpl_slot slots[] = {
			{ "match_members", strbuf_str(&mm) },
			{ "match_asserts", strbuf_str(&ma) },
			{ "started_members", strbuf_str(&sm) },
			{ "started_asserts", strbuf_str(&sa) },
			{ "max_entries", max_entries },
		};

		err = tmpl_expand("pair/maps.bpf.c", slots, sizeof(slots) / sizeof(slots[0]), out, d);
	}
	strbuf_release(&mm);
	strbuf_release(&ma);
	strbuf_release(&sm);
	strbuf_release(&sa);
	return err;
}

/*
 * The runtimes of the plan's probe types (usdt: libbpf's usdt.bpf.h),
 * each once, in the order their groups come.
 */
static int render_provider_runtimes(const struct plan *p, struct strbuf *out,
				    struct diag_list *d)
{
	int err = 0;

	for (unsigned g = 0; g < p->ngroups && !err; g++) {
		const char *rt = p->groups[g].provider->runtime;
		bool seen = false;

		for (unsigned h = 0; h < g && rt; h++)
			seen |= p->groups[h].provider->runtime &&
				!strcmp(p->groups[h].provider->runtime, rt);
		if (rt && !seen)
			err = tmpl_expand(rt, NULL, 0, out, d);
	}
	return err;
}

int gen_render(const struct plan *p, struct gen_unit *u, struct diag_list *d)
{
	struct strbuf key_members = STRBUF_INIT, key_asserts = STRBUF_INIT;
	struct strbuf cfg_members = STRBUF_INIT, cfg_asserts = STRBUF_INIT;
	struct strbuf programs = STRBUF_INIT, stacks = STRBUF_INIT, map = STRBUF_INIT;
	struct strbuf provider_runtimes = STRBUF_INIT, pair = STRBUF_INIT;
	const char *runtime = tmpl_get("include/recipe.bpf.h");
	char max_entries[16], ringbuf_bytes[16];
	int err = 0;

	strbuf_init(&u->body);
	u->btf_types = needed_types;
	u->btf_enum_consts = needed_enum_consts;
	if (!runtime)
		return diag_err(d, NULL, "internal: template include/recipe.bpf.h is missing");
	snprintf(max_entries, sizeof(max_entries), "%u", p->max_entries);
	if (p->uses_stacks) {
		const struct tmpl_slot slot = { "max_stacks", max_entries };

		err = tmpl_expand("include/stacks.bpf.h", &slot, 1, &stacks, d);
	}
	if (!err)
		err = render_provider_runtimes(p, &provider_runtimes, d);
	if (!err)
		err = render_pair(p, &pair, d);
	if (provider_runtimes.len)
		u->btf_types = types_with_runtimes();
	render_key(p, &key_members, &key_asserts);
	render_config(p, &cfg_members, &cfg_asserts);
	for (unsigned g = 0; g < p->ngroups && !err; g++)
		err = render_group(p, g, &programs, d);
	snprintf(ringbuf_bytes, sizeof(ringbuf_bytes), "%u", p->ringbuf_bytes);
	if (!err) {
		const struct tmpl_slot map_slots[] = {
			{ "max_entries", max_entries },
			{ "value_ctype", p->agg->value_ctype },
			{ "ringbuf_bytes", ringbuf_bytes },
		};

		err = tmpl_expand(p->agg->map_tmpl, map_slots,
				  sizeof(map_slots) / sizeof(map_slots[0]), &map, d);
	}
	if (!err) {
		const struct tmpl_slot slots[] = {
			{ "map", strbuf_str(&map) },
			{ "pair", strbuf_str(&pair) },
			{ "version", RECIPE_VERSION },
			{ "origin", comment_safe(p->name) },
			{ "runtime", runtime },
			{ "stacks", strbuf_str(&stacks) },
			{ "provider_runtimes", strbuf_str(&provider_runtimes) },
			{ "key_members", strbuf_str(&key_members) },
			{ "key_asserts", strbuf_str(&key_asserts) },
			{ "config_members", strbuf_str(&cfg_members) },
			{ "config_asserts", strbuf_str(&cfg_asserts) },
			{ "programs", strbuf_str(&programs) },
		};
		err = tmpl_expand("program.bpf.c", slots, sizeof(slots) / sizeof(slots[0]),
				  &u->body, d);
	}
	strbuf_release(&key_members);
	strbuf_release(&key_asserts);
	strbuf_release(&cfg_members);
	strbuf_release(&cfg_asserts);
	strbuf_release(&programs);
	strbuf_release(&stacks);
	strbuf_release(&provider_runtimes);
	strbuf_release(&map);
	strbuf_release(&pair);
	if (err)
		strbuf_release(&u->body);
	return err;
}

int gen_types(const struct gen_unit *u, struct strbuf *out, struct diag_list *d)
{
	return btf_types_emit(u->btf_types, u->btf_enum_consts, out, d);
}

void gen_unit_release(struct gen_unit *u)
{
	strbuf_release(&u->body);
}
