/*
 * plan: recipe -> checked plan. See plan.h for the contract.
 *
 * The order of the checks is the order a user reads the recipe in, and
 * each check keeps going where it can, so `recipe check` reports every
 * independent mistake at once.
 */
#include "check/plan.h"
#include "check/expr.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/yaml_index.h"
#include "report/printf.h"
#include "util/strbuf.h"
#include "util/text.h"

#define DEFAULT_MAX_ENTRIES 10240
#define MAX_MAX_ENTRIES (1u << 20)
#define MAX_LHIST_BUCKETS 1000
#define STR_PARAM_SIZE 64
/* The key lives on the 512-byte BPF stack beside the expressions' temporaries. */
#define MAX_KEY_SIZE 256
#define DEFAULT_RINGBUF_BYTES (1u << 20)
/*
 * An end program holds the key and the match on the stack (its copy of
 * the saved values is in a per-CPU array): 256 + 64 bytes at most,
 * leaving room for the expressions' temporaries in 512. A start holds
 * the match and the saved values.
 */
#define MAX_MATCH_SIZE 64
#define MAX_STARTED_SIZE 256
#define STARTED_TS_SIZE 8		/* struct rcp_started begins with the start's time */
#define NAMED_LVALUE_MAX 32

/* Where an expression came from, so its diagnostics point into the YAML. */
struct expr_origin {
	struct expr_src src;
	const struct recipe_file *rf;
	char path[32];
};

/* What plan_env hands the checker for one attach point. */
struct point_env {
	const struct plan *plan;
	struct attach_point *ap;
	/* fields resolved while checking, the point's layout signature */
	struct field_info *used;
	size_t nused;
};

struct plan_private {
	struct plan pub;
	struct expr_origin *origins;	/* one per expression */
	size_t norigins;
	struct point_env *envs;		/* one per attach point */
	/*
	 * What expressions know by name: the params (all a start point
	 * sees), then at an end point latency and the saved values.
	 */
	struct expr_named *named;
	char (*lvalues)[NAMED_LVALUE_MAX];
	unsigned nnamed;
	/* the groups' own trees, freed with the plan */
	struct expr **owned;
	size_t nowned;
};

static struct diag_at locate(void *ctx, unsigned offset)
{
	struct expr_origin *o = ctx;

	return recipe_locate(o->rf, o->path, offset);
}

static struct diag_at at_path(const struct plan *p, const char *path)
{
	return recipe_locate(p->rf, path, 0);
}

/* Decimal, or hexadecimal after 0x: a leading 0 is not octal here. */
static int number_base(const char *s)
{
	if (*s == '-')
		s++;
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
}

/*
 * Parse a whole-string integer (decimal or 0x hex, optional '-' for
 * int). strto*() would also skip blanks and, for unsigned, wrap a minus
 * sign: the first character is checked here instead.
 */
static bool parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
		return false;
	errno = 0;
	v = strtoll(s, &end, number_base(s));
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_uint(const char *s, int64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, number_base(s));
	if (errno || *end)
		return false;
	*out = (int64_t)v;
	return true;
}

static int param_set(struct plan_param *pp, const char *text,
		     const struct diag_at *at, struct diag_list *d)
{
	if (pp->type.kind == TY_STR) {
		if (strlen(text) >= sizeof(pp->sval))
			return diag_err(d, at, "param '%s': value longer than %zu bytes",
					pp->name, sizeof(pp->sval) - 1);
		memset(pp->sval, 0, sizeof(pp->sval));
		strcpy(pp->sval, text);
		return 0;
	}
	if (pp->type.is_signed ? parse_int(text, &pp->ival)
			       : parse_uint(text, &pp->ival))
		return 0;
	diag_err(d, at, "param '%s' (%s): '%s' is not %s integer", pp->name,
		 pp->type.is_signed ? "int" : "uint", text,
		 pp->type.is_signed ? "an" : "a non-negative");
	diag_hint(d, "decimal or 0x hexadecimal, e.g. %s=4096", pp->name);
	return -EINVAL;
}

static void build_params(struct plan *p, const struct plan_opts *opts,
			 struct diag_list *d)
{
	const struct recipe *r = p->rf->r;
	unsigned offset = PLAN_CFG_PARAMS_OFFSET;

	p->params = xcalloc(r->params_count, sizeof(*p->params));
	p->nparams = r->params_count;
	for (unsigned i = 0; i < r->params_count; i++) {
		const struct recipe_param *rp = &r->params[i];
		struct plan_param *pp = &p->params[i];
		char path[48];
		struct diag_at at;

		pp->name = rp->name;
		snprintf(pp->member, sizeof(pp->member), "p%u", i);
		snprintf(path, sizeof(path), "params[%u].name", i);
		at = at_path(p, path);
		if (!text_is_identifier(rp->name)) {
			diag_err(d, &at, "param name '%s' is not an identifier", rp->name);
			diag_hint(d, "use letters, digits and '_', starting with a letter");
		} else if (expr_is_builtin(rp->name) || !strcmp(rp->name, "args") ||
			   (r->start && !strcmp(rp->name, "latency"))) {
			/* the builtin would win, and the param would never be read */
			diag_err(d, &at, "param name '%s' is taken by a builtin", rp->name);
			diag_hint(d, "give the param a name of its own, e.g. min_%s", rp->name);
		}
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(r->params[j].name, rp->name))
				diag_err(d, &at, "param '%s' is declared twice", rp->name);
		if (!strcmp(rp->type, "int")) {
			pp->type = (struct expr_type){ .kind = TY_INT, .size = 8, .is_signed = true };
		} else if (!strcmp(rp->type, "uint")) {
			pp->type = (struct expr_type){ .kind = TY_INT, .size = 8 };
		} else if (!strcmp(rp->type, "string")) {
			pp->type = (struct expr_type){ .kind = TY_STR, .size = STR_PARAM_SIZE };
		} else {
			snprintf(path, sizeof(path), "params[%u].type", i);
			at = at_path(p, path);
			diag_err(d, &at, "param '%s' has unknown type '%s'", rp->name, rp->type);
			diag_hint(d, "types: int (signed 64-bit), uint (unsigned 64-bit), string");
			continue;
		}
		offset = (offset + 7) & ~7u;
		pp->offset = offset;
		offset += pp->type.kind == TY_STR ? STR_PARAM_SIZE : 8;
		snprintf(path, sizeof(path), "params[%u].default", i);
		at = at_path(p, path);
		param_set(pp, rp->default_value, &at, d);
	}
	p->cfg_size = (offset + 7) & ~7u;

	for (unsigned i = 0; i < opts->nparams; i++) {
		const char *kv = opts->params[i];
		const char *eq = strchr(kv, '=');
		struct plan_param *found = NULL;

		if (!eq) {
			diag_err(d, NULL, "--param '%s': expected NAME=VALUE", kv);
			continue;
		}
		for (unsigned j = 0; j < p->nparams; j++)
			if (strlen(p->params[j].name) == (size_t)(eq - kv) &&
			    !strncmp(p->params[j].name, kv, (size_t)(eq - kv)))
				found = &p->params[j];
		if (!found) {
			struct strbuf names = STRBUF_INIT;

			for (unsigned j = 0; j < p->nparams; j++)
				strbuf_addf(&names, "%s%s", j ? ", " : "", p->params[j].name);
			diag_err(d, NULL, "--param: %s has no param '%.*s'", p->name,
				 (int)(eq - kv), kv);
			diag_hint(d, p->nparams ? "its params are: %s"
						: "it takes no params%s", strbuf_str(&names));
			strbuf_release(&names);
			continue;
		}
		param_set(found, eq + 1, NULL, d);
	}
}

/* A print recipe: the format, checked now; its args become the event. */
/* BCC trace's columns, before a print recipe's own when it asks for them. */
static const char *const trace_columns[] = { "time", "pid", "tid", "comm", "probe" };
#define TRACE_COLUMNS_FORMAT "%-8s %-7d %-7d %-16s %-24s "
#define TRACE_COLUMNS_HEADER "TIME     PID     TID     COMM             PROBE\n"
#define NTRACE_COLUMNS (sizeof(trace_columns) / sizeof(trace_columns[0]))

static bool wants_columns(const struct plan *p, struct diag_list *d)
{
	const char *c = p->rf->r->print ? p->rf->r->print->columns : NULL;
	struct diag_at at;

	if (!c || !strcmp(c, "false"))
		return false;
	if (!strcmp(c, "true"))
		return true;
	at = at_path(p, "print.columns");
	diag_err(d, &at, "print columns must be true or false, not '%s'", c);
	diag_hint(d, "columns: true starts each line with TIME PID TID COMM PROBE, as BCC's trace");
	return false;
}

static void build_print(struct plan *p, struct diag_list *d)
{
	const struct recipe_print *rp = p->rf->r->print;
	unsigned offset;
	char msg[128];

	p->agg = agg_printer();
	p->ringbuf_bytes = DEFAULT_RINGBUF_BYTES;
	if (rp->buffer) {
		struct diag_at at = at_path(p, "print.buffer");
		int64_t v;

		if (!parse_uint(rp->buffer, &v) || v < 4096 || v > (1 << 30) || (v & (v - 1))) {
			diag_err(d, &at, "print buffer must be a power of two from 4096 to %d bytes", 1 << 30);
			diag_hint(d, "e.g. buffer: 4194304 (4 MiB) for bursts of many events");
		} else {
			p->ringbuf_bytes = (unsigned)v;
		}
	}
	if (print_format_parse(rp->format, &p->print, &offset, msg, sizeof(msg))) {
		struct diag_at at = recipe_locate(p->rf, "print.format", offset);

		diag_err(d, &at, "%s", msg);
		diag_hint(d, "conversions: %%d %%i %%u %%x %%X %%o %%c %%s (flags, width, precision), %%%% for %%");
		return;
	}
	if (wants_columns(p, d)) {
		/* the recipe's format was checked alone, so its offsets stay its own */
		char *full = xasprintf("%s%s", TRACE_COLUMNS_FORMAT, rp->format);
		struct print_format *with;

		if (!print_format_parse(full, &with, &offset, msg, sizeof(msg))) {
			print_format_free(p->print);
			p->print = with;
			p->print_header = TRACE_COLUMNS_HEADER;
		}
		free(full);
	}
	if (print_format_nargs(p->print) - (p->print_header ? NTRACE_COLUMNS : 0) != rp->args_count) {
		struct diag_at at = at_path(p, "print.format");

		unsigned conv = print_format_nargs(p->print) -
				(p->print_header ? (unsigned)NTRACE_COLUMNS : 0);

		diag_err(d, &at, "the format has %u conversion%s but print has %u arg%s",
			 conv, conv == 1 ? "" : "s", rp->args_count, rp->args_count == 1 ? "" : "s");
		diag_hint(d, "one expression under print.args for each %%-conversion, in order");
	}
}

/* Numbers for %d and friends; %s takes anything. */
static void check_print_types(const struct plan *p, struct diag_list *d)
{
	for (unsigned k = 0; p->print && k < p->nkeys; k++) {
		const struct plan_key *key = &p->keys[k];
		bool text = key->type.kind == TY_STR || key->type.kind == TY_PROBE ||
			    key->type.display != DISP_NONE;

		if (text && !print_format_wants_string(p->print, k)) {
			struct diag_at at = recipe_locate(p->rf, "print.format",
							  print_format_offset(p->print, k));

			diag_err(d, &at, "conversion %u prints a number but its arg (%s) is text",
				 k + 1, key->path);
			diag_hint(d, "use %%s for it");
		}
	}
}

static void build_aggregate(struct plan *p, struct diag_list *d)
{
	const struct recipe_aggregate *ra = p->rf->r->aggregate;
	struct diag_at at = at_path(p, "aggregate.type");

	if (!ra) {
		build_print(p, d);
		return;
	}

	p->agg = agg_find(ra->type);
	if (!p->agg) {
		diag_err(d, &at, "unknown aggregation '%s'", ra->type);
		diag_hint(d, "aggregations: %s", agg_names());
		return;
	}
	if (p->agg->needs_value && !ra->value) {
		at = at_path(p, "aggregate");
		diag_err(d, &at, "aggregation '%s' needs a value", ra->type);
		diag_hint(d, "add `value: EXPRESSION` under aggregate, e.g. value: args.bytes");
	} else if (!p->agg->needs_value && ra->value) {
		at = at_path(p, "aggregate.value");
		diag_err(d, &at, "aggregation '%s' takes no value", ra->type);
		diag_hint(d, "remove `value:`, or use sum/hist/... to aggregate a value");
	}
	if (p->agg->type == AGG_LHIST) {
		const char *names[] = { "min", "max", "step" };
		const char *texts[] = { ra->min, ra->max, ra->step };
		int64_t *vals[] = { &p->lmin, &p->lmax, &p->lstep };
		bool ok = true;

		for (int i = 0; i < 3; i++) {
			char path[32];

			snprintf(path, sizeof(path), "aggregate.%s", names[i]);
			at = at_path(p, path);
			if (!texts[i]) {
				at = at_path(p, "aggregate");
				diag_err(d, &at, "lhist needs '%s'", names[i]);
				diag_hint(d, "lhist takes min, max and step, as bpftrace's lhist(value, min, max, step)");
				ok = false;
			} else if (!parse_int(texts[i], vals[i])) {
				diag_err(d, &at, "lhist %s '%s' is not an integer", names[i], texts[i]);
				ok = false;
			}
		}
		at = at_path(p, "aggregate.step");
		if (ok && p->lstep <= 0) {
			diag_err(d, &at, "lhist step must be positive");
			diag_hint(d, "min: 0, max: 100, step: 10 makes ten buckets of 10");
		} else if (ok && p->lmax <= p->lmin) {
			diag_err(d, &at, "lhist max (%" PRId64 ") must be greater than min (%" PRId64 ")",
				 p->lmax, p->lmin);
			diag_hint(d, "values from min up to max are bucketed; below and above get a bucket each");
		} else if (ok && ((uint64_t)p->lmax - (uint64_t)p->lmin) / (uint64_t)p->lstep >
				      MAX_LHIST_BUCKETS) {
			diag_err(d, &at, "lhist has more than %d buckets", MAX_LHIST_BUCKETS);
			diag_hint(d, "use a larger step, or hist for a power-of-two histogram");
		}
	} else {
		for (int i = 0; i < 3; i++) {
			const char *v = i == 0 ? ra->min : i == 1 ? ra->max : ra->step;
			const char *n = i == 0 ? "min" : i == 1 ? "max" : "step";
			char path[32];

			if (!v)
				continue;
			snprintf(path, sizeof(path), "aggregate.%s", n);
			at = at_path(p, path);
			diag_err(d, &at, "'%s' only applies to lhist", n);
		}
	}
}

static bool parse_max_entries(const struct plan *p, const char *text,
			      const char *path, unsigned *out, struct diag_list *d)
{
	struct diag_at at = at_path(p, path);
	int64_t v;

	if (!parse_uint(text, &v) || v < 1 || v > MAX_MAX_ENTRIES) {
		diag_err(d, &at, "max_entries must be an integer from 1 to %u", MAX_MAX_ENTRIES);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static void build_misc(struct plan *p, struct diag_list *d)
{
	const struct recipe *r = p->rf->r;
	struct diag_at at;

	if (r->map && !text_is_identifier(r->map)) {
		at = at_path(p, "map");
		diag_err(d, &at, "map name '%s' is not an identifier", r->map);
		diag_hint(d, "it prints as @NAME: use letters, digits and '_'");
	}
	p->map_name = r->map ? xasprintf("@%s", r->map) : xstrdup("@");
	p->max_entries = DEFAULT_MAX_ENTRIES;
	if (r->max_entries)
		parse_max_entries(p, r->max_entries, "max_entries", &p->max_entries, d);
}

/* The cap on attach points: --max-probes, else the recipe's max_probes:, else 512. */
static void build_max_probes(struct plan *p, const struct plan_opts *opts,
			     struct diag_list *d)
{
	const char *text = p->rf->r->max_probes;
	struct diag_at at;
	int64_t v;

	p->max_probes = PROBES_DEFAULT_MAX;
	if (opts->max_probes) {
		if (opts->max_probes > PROBES_MAX_MAX)
			diag_err(d, NULL, "--max-probes %u is over the most a recipe may attach, %u",
				 opts->max_probes, PROBES_MAX_MAX);
		p->max_probes = opts->max_probes;
		return;
	}
	if (!text)
		return;
	at = at_path(p, "max_probes");
	if (!parse_uint(text, &v) || v < 1 || v > PROBES_MAX_MAX) {
		diag_err(d, &at, "max_probes must be an integer from 1 to %u", PROBES_MAX_MAX);
		diag_hint(d, "the attach points the probes may expand to; without it, %u",
			  PROBES_DEFAULT_MAX);
		return;
	}
	p->max_probes = (unsigned)v;
}

/*
 * The type to expand a probe with: the one written, or its fallback
 * (kprobe <-> fentry) where only the fallback attaches here. Where
 * neither does, the written one stays, so `recipe check` still verifies
 * the program and attaching says why once - unless this kernel cannot
 * even load the written type and loads the fallback.
 */
static const struct provider *usable_provider(const struct provider *written)
{
	const struct provider *fb = written->fallback ? provider_find(written->fallback) : NULL;
	const char *why;

	if (!fb || provider_available(written, &why))
		return written;
	if (provider_available(fb, &why))
		return fb;
	if (written->loads && !written->loads() && (!fb->loads || fb->loads()))
		return fb;
	return written;
}

/* Past this many, repeated probes are summed up in one last warning. */
#define DUPLICATE_WARNINGS_MAX 8

/*
 * The error for going past max_probes, at the spec that went past it:
 * `n` specs listed (or points expanded) in this list, after `before`
 * points of the end's probes.
 */
static void over_max_probes(const struct plan *p, const struct diag_at *at,
			    const char *where, bool expanded, size_t n, size_t before,
			    struct diag_list *d)
{
	char with[64] = "";

	if (before)
		snprintf(with, sizeof(with), " (and the probes %zu)", before);
	diag_err(d, at, "%s %s %zu %s%s, more than the limit of %u attach points (max_probes)",
		 where, expanded ? "expand to" : "lists", n,
		 expanded ? "attach points" : "probes", with, p->max_probes);
	diag_hint(d, "%s, or raise the limit with max_probes: N in the recipe (at most %u)",
		  expanded ? "narrow the globs" : "list fewer probes", PROBES_MAX_MAX);
}

/*
 * Where each spec of a list is, in one walk of its sequence: a lookup by
 * path per spec walks the sequence from its start each time, which made
 * 100,000 probes take a minute.
 */
static struct diag_at *spec_locations(const struct plan *p, const char *where, unsigned n)
{
	struct diag_at *v = xcalloc(n ? n : 1, sizeof(*v));
	const struct yaml_node *seq = yaml_index_find(p->rf->index, where);
	const struct yaml_node *c = seq ? seq->child : NULL;

	for (unsigned i = 0; i < n; i++, c = c ? c->next : NULL) {
		char path[32];

		if (!c) {
			snprintf(path, sizeof(path), "%s[%u]", where, i);
			v[i] = at_path(p, path);
			continue;
		}
		v[i].file = p->rf->path;
		yaml_index_locate(p->rf->index, c, 0, &v[i].line, &v[i].col);
	}
	return v;
}

/* A spec whose points were all or partly listed already: said once, merged. */
static void warn_repeated(unsigned spec, char *const *specs, const struct diag_at *ats,
			  const char *dup_name, unsigned dup_of, size_t ndup, size_t nexp,
			  struct diag_list *d)
{
	if (ndup == nexp && nexp == 1 && dup_of == spec)
		diag_add(d, DIAG_WARNING, &ats[spec],
			 "probe '%s' matches %s more than once; it is attached once",
			 specs[spec], dup_name);
	else if (ndup == nexp && nexp == 1)
		diag_add(d, DIAG_WARNING, &ats[spec],
			 "probe '%s' repeats '%s' (%u:%u); it is attached once",
			 specs[spec], specs[dup_of], ats[dup_of].line, ats[dup_of].col);
	else
		diag_add(d, DIAG_WARNING, &ats[spec],
			 "%zu of the %zu attach points of '%s' are listed already (%s, by '%s' at %u:%u); each is attached once",
			 ndup, nexp, specs[spec], dup_name, specs[dup_of], ats[dup_of].line,
			 ats[dup_of].col);
	diag_hint(d, "remove the repeated probe, or narrow the glob");
}

/*
 * Expand specs (the recipe's probes, or its start's) into p->points. A
 * point listed twice in one list is kept once, with a warning (the
 * start's may repeat the end's: those are other programs). The cap on
 * points is checked before expanding (a list longer than it cannot fit)
 * and after each spec, so a glob too wide stops there, before any
 * point's fields are read.
 */
static void build_points(struct plan *p, char *const *specs, unsigned nspecs,
			 const char *where, struct diag_list *d)
{
	struct point_set seen = POINT_SET_INIT;
	struct diag_at *ats, at;
	size_t repeats = 0, list_first;

	if (p->npoints > p->max_probes)
		return;		/* the end's probes went past it: said there */
	list_first = p->npoints;
	if (nspecs > p->max_probes - p->npoints) {
		/* each spec is at least one point: no need to expand any */
		char path[32];

		snprintf(path, sizeof(path), "%s[%zu]", where, p->max_probes - p->npoints);
		at = at_path(p, path);
		over_max_probes(p, &at, where, false, nspecs, list_first, d);
		return;
	}
	ats = spec_locations(p, where, nspecs);
	for (unsigned i = 0; i < nspecs; i++) {
		const struct provider *written, *prov;
		const char *target;
		size_t first = p->npoints, kept = first, ndup = 0;
		unsigned dup_of = 0;
		char *dup_name = NULL;

		written = provider_for_spec(specs[i], &target, &ats[i], d);
		prov = written ? usable_provider(written) : NULL;
		if (!prov || prov->expand(prov, target, &ats[i], &p->points, &p->npoints, d))
			continue;
		for (size_t j = first; j < p->npoints; j++) {
			struct attach_point *ap = &p->points[j];
			unsigned tag;

			ap->at = ats[i];
			ap->written = NULL;
			ap->from_glob = strpbrk(target, "*?[") != NULL;
			if (prov != written) {
				/* A report reads the same whichever type ran. */
				ap->written = written;
				free(ap->display);
				ap->display = xasprintf("%s:%s", written->name, ap->target);
			}
			if (point_set_add(&seen, ap, i, &tag)) {
				if (kept != j)
					p->points[kept] = *ap;
				kept++;
				continue;
			}
			if (!ndup++) {
				dup_name = xstrdup(ap->display);
				dup_of = tag;
			}
			attach_point_release(ap);
		}
		if (ndup && ++repeats <= DUPLICATE_WARNINGS_MAX)
			warn_repeated(i, specs, ats, dup_name, dup_of, ndup, p->npoints - first, d);
		free(dup_name);
		p->npoints = kept;
		if (p->npoints > p->max_probes) {
			over_max_probes(p, &ats[i], where, true, p->npoints - list_first,
					list_first, d);
			break;
		}
	}
	if (repeats > DUPLICATE_WARNINGS_MAX) {
		at = at_path(p, where);
		diag_add(d, DIAG_WARNING, &at,
			 "%zu more probes repeat attach points listed already; each is attached once",
			 repeats - DUPLICATE_WARNINGS_MAX);
		diag_hint(d, "remove the repeated probes");
	}
	point_set_release(&seen);
	free(ats);
}

/* More '(' than ')': what a flow list's comma leaves of "f(x, y)". */
static bool unbalanced(const char *text)
{
	int depth = 0;

	for (; *text; text++)
		depth += (*text == '(') - (*text == ')');
	return depth != 0;
}

static struct expr *parse(struct plan_private *pp, const char *text,
			  const char *path, struct diag_list *d)
{
	struct expr_origin *o = &pp->origins[pp->norigins++];
	struct expr *e;

	o->rf = pp->pub.rf;
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->src.locate = locate;
	o->src.ctx = o;
	e = expr_parse(text, &o->src, d);
	if (!e && unbalanced(text))
		diag_hint(d, "YAML splits a [a, b] list at every comma, even inside f(x, y): "
			  "write each entry on its own `- ` line");
	return e;
}

/* Parse a list of expressions into m[0..n), each located at "WHERE[i]". */
static void parse_into(struct plan_private *pp, char *const *texts, unsigned n,
		       const char *where, struct plan_key *m, struct diag_list *d)
{
	for (unsigned k = 0; k < n; k++) {
		char path[32];

		snprintf(path, sizeof(path), "%s[%u]", where, k);
		m[k].expr = parse(pp, texts[k], path, d);
		m[k].path = pp->origins[pp->norigins - 1].path;
	}
}

static struct plan_key *parse_list(struct plan_private *pp, char *const *texts,
				   unsigned n, const char *where, struct diag_list *d)
{
	struct plan_key *m = xcalloc(n ? n : 1, sizeof(*m));

	parse_into(pp, texts, n, where, m, d);
	return m;
}

/* A saved value's name must not hide anything an expression could mean. */
static void check_saved_name(const struct plan *p, unsigned i, struct diag_list *d)
{
	const struct recipe_start *rs = p->rf->r->start;
	const char *name = rs->save[i].name;
	char path[40];
	struct diag_at at;

	snprintf(path, sizeof(path), "start.save[%u].name", i);
	at = at_path(p, path);
	if (!text_is_identifier(name)) {
		diag_err(d, &at, "saved value name '%s' is not an identifier", name);
		diag_hint(d, "use letters, digits and '_', starting with a letter");
		return;
	}
	if (expr_is_builtin(name) || !strcmp(name, "latency") || !strcmp(name, "args")) {
		diag_err(d, &at, "'%s' is a builtin: a saved value needs a name of its own", name);
		diag_hint(d, "e.g. start_%s", name);
		return;
	}
	for (unsigned j = 0; j < p->nparams; j++)
		if (!strcmp(p->params[j].name, name)) {
			diag_err(d, &at, "'%s' is already a param", name);
			return;
		}
	for (unsigned j = 0; j < i; j++)
		if (!strcmp(rs->save[j].name, name)) {
			diag_err(d, &at, "saved value '%s' is declared twice", name);
			return;
		}
}

/* The start: section, parsed; its points come after the end's. */
static void build_pair(struct plan_private *pp, struct diag_list *d)
{
	struct plan *p = &pp->pub;
	const struct recipe *r = p->rf->r;
	const struct recipe_start *rs = r->start;
	struct plan_pair *pr;
	struct diag_at at;

	if (!rs) {
		if (r->match) {
			at = at_path(p, "match");
			diag_err(d, &at, "'match' pairs the end with a start, but this recipe has no start: section");
			diag_hint(d, "add start: {probes: [...], match: [...]}, or remove match:");
		}
		return;
	}
	pr = p->pair = xcalloc(1, sizeof(*pr));
	pr->max_entries = DEFAULT_MAX_ENTRIES;
	if (rs->max_entries)
		parse_max_entries(p, rs->max_entries, "start.max_entries", &pr->max_entries, d);
	if (rs->filter)
		pr->filter = parse(pp, rs->filter, "start.filter", d);
	pr->nmatch = rs->match_count;
	if (r->match && r->match_count != rs->match_count) {
		at = at_path(p, "match");
		diag_err(d, &at, "the end has %u match expression%s but the start has %u",
			 r->match_count, r->match_count == 1 ? "" : "s", rs->match_count);
		diag_hint(d, "one for each of start.match, in the same order");
		pr->nmatch = 0;
	}
	pr->start_match = parse_list(pp, rs->match, pr->nmatch, "start.match", d);
	/* Without its own, the end evaluates the start's text in its own context. */
	pr->end_match = r->match ? parse_list(pp, r->match, pr->nmatch, "match", d)
				 : parse_list(pp, rs->match, pr->nmatch, "start.match", d);
	pr->nsaved = rs->save_count;
	pr->saved = xcalloc(pr->nsaved ? pr->nsaved : 1, sizeof(*pr->saved));
	for (unsigned i = 0; i < pr->nsaved; i++) {
		char path[40];

		check_saved_name(p, i, d);
		snprintf(path, sizeof(path), "start.save[%u].value", i);
		pr->saved[i].expr = parse(pp, rs->save[i].value, path, d);
		pr->saved[i].path = pp->origins[pp->norigins - 1].path;
		pr->saved[i].name = rs->save[i].name;
	}
	pr->first_point = p->npoints;
	build_points(p, rs->probes, rs->probes_count, "start.probes", d);
}

static bool is_start_point(const struct plan *p, size_t i)
{
	return p->pair && i >= p->pair->first_point;
}

static void add_named(struct plan_private *pp, const char *name,
		      const struct expr_type *type, bool from_start, const char *lvalue)
{
	unsigned n = pp->nnamed++;

	snprintf(pp->lvalues[n], sizeof(pp->lvalues[n]), "%s", lvalue);
	pp->named[n] = (struct expr_named){
		.name = name, .type = *type, .lvalue = pp->lvalues[n],
		.from_start = from_start,
	};
}

/*
 * The names expressions know: the params, then latency and the saved
 * values, which only an end point may use and which are typed once the
 * start points are checked (see end_named_types).
 */
static void build_named(struct plan_private *pp)
{
	struct plan *p = &pp->pub;
	unsigned n = p->nparams + (p->pair ? 1 + p->pair->nsaved : 0);
	static const struct expr_type ns = { .kind = TY_INT, .size = 8 };
	char lvalue[NAMED_LVALUE_MAX];

	pp->named = xcalloc(n ? n : 1, sizeof(*pp->named));
	pp->lvalues = xcalloc(n ? n : 1, sizeof(*pp->lvalues));
	for (unsigned i = 0; i < p->nparams; i++) {
		snprintf(lvalue, sizeof(lvalue), "rcp_cfg.%s", p->params[i].member);
		add_named(pp, p->params[i].name, &p->params[i].type, false, lvalue);
	}
	if (!p->pair)
		return;
	add_named(pp, "latency", &ns, true, "rcp_latency");
	for (unsigned i = 0; i < p->pair->nsaved; i++) {
		snprintf(lvalue, sizeof(lvalue), "rcp_started->s%u", i);
		add_named(pp, p->pair->saved[i].name, &p->pair->saved[i].type, true, lvalue);
	}
}

/* Saved values are known at the end with the types the start gave them. */
static void end_named_types(struct plan_private *pp)
{
	struct plan *p = &pp->pub;

	for (unsigned i = 0; i < p->pair->nsaved; i++)
		pp->named[p->nparams + 1 + i].type = p->pair->saved[i].type;
}

static int env_field(void *ctx, const char *name, struct field_info *out)
{
	struct point_env *pe = ctx;
	int err;

	if (!pe->ap->provider->field)
		return -ENOENT;
	err = pe->ap->provider->field(pe->ap, name, out);
	if (err)
		return err;
	for (size_t i = 0; i < pe->nused; i++)
		if (!strcmp(pe->used[i].name, out->name))
			return 0;
	pe->used = xrealloc(pe->used, (pe->nused + 1) * sizeof(*pe->used));
	pe->used[pe->nused++] = *out;
	return 0;
}

static const char *env_field_names(void *ctx)
{
	struct point_env *pe = ctx;

	return pe->ap->provider->field_names ? pe->ap->provider->field_names(pe->ap)
					     : NULL;
}

/* The expression environment of attach point `point`. */
static void plan_env(const struct plan *p, size_t point, struct expr_env *env)
{
	const struct plan_private *pp = (const struct plan_private *)p;
	struct point_env *pe = &pp->envs[point];

	*env = (struct expr_env){
		.field = env_field,
		.field_names = env_field_names,
		.ctx = pe,
		.probe_desc = p->points[point].display,
		.named = pp->named,
		.nnamed = pp->nnamed,
		.at_start = is_start_point(p, point),
	};
}

static bool same_field(const struct field_info *a, const struct field_info *b)
{
	return !strcmp(a->name, b->name) && a->kind == b->kind &&
	       a->offset == b->offset && a->size == b->size &&
	       a->is_signed == b->is_signed && a->user_ptr == b->user_ptr;
}

/* Points share a program when they read the same fields at the same places. */
static bool same_layout(const struct point_env *a, const struct point_env *b)
{
	if (a->ap->provider != b->ap->provider || a->nused != b->nused)
		return false;
	for (size_t i = 0; i < a->nused; i++) {
		size_t j;

		for (j = 0; j < b->nused; j++)
			if (same_field(&a->used[i], &b->used[j]))
				break;
		if (j == b->nused)
			return false;
	}
	return true;
}

static bool same_type(const struct expr_type *a, const struct expr_type *b)
{
	return a->kind == b->kind && a->size == b->size &&
	       a->is_signed == b->is_signed && a->display == b->display;
}

/*
 * Check a list of members at point i. The first point of the list's
 * side (start or end) sets the types; every other point must agree,
 * since one struct layout serves them all.
 */
static int check_members(const struct plan *p, struct plan_key *m, unsigned n,
			 const struct expr_env *env, enum expr_use use, size_t i,
			 size_t first, const char *what, struct diag_list *d)
{
	for (unsigned k = 0; k < n; k++) {
		struct expr_type t;
		int err = expr_check(m[k].expr, env, use, d);

		if (err)
			return err;
		t = expr_type_of(m[k].expr);
		if (i == first) {
			m[k].type = t;
		} else if (!same_type(&m[k].type, &t)) {
			char a[32], b[32];
			struct diag_at at = at_path(p, m[k].path);

			expr_type_name(&m[k].type, a, sizeof(a));
			expr_type_name(&t, b, sizeof(b));
			err = diag_err(d, &at, "this %s is %s on %s but %s on %s", what, a,
				       p->points[first].display, b, p->points[i].display);
			diag_hint(d, "split the recipe, or cast the %s to one type, e.g. (u64)", what);
			return err;
		}
	}
	return 0;
}

static int check_start_point(struct plan_private *pp, size_t i, struct diag_list *d)
{
	struct plan *p = &pp->pub;
	struct plan_pair *pr = p->pair;
	struct expr_env env;
	int err = 0;

	plan_env(p, i, &env);
	if (pr->filter)
		err = expr_check(pr->filter, &env, EXPR_USE_FILTER, d);
	if (!err)
		err = check_members(p, pr->start_match, pr->nmatch, &env, EXPR_USE_MATCH,
				    i, pr->first_point, "match", d);
	if (!err)
		err = check_members(p, pr->saved, pr->nsaved, &env, EXPR_USE_SAVE,
				    i, pr->first_point, "saved value", d);
	return err;
}

static int check_point(struct plan_private *pp, size_t i, struct diag_list *d)
{
	struct plan *p = &pp->pub;
	struct expr_env env;
	int err = 0;

	if (is_start_point(p, i))
		return check_start_point(pp, i, d);
	plan_env(p, i, &env);
	if (p->filter)
		err = expr_check(p->filter, &env, EXPR_USE_FILTER, d);
	if (p->pair && !err) {
		err = check_members(p, p->pair->end_match, p->pair->nmatch, &env,
				    EXPR_USE_MATCH, i, 0, "match", d);
		if (err && !p->rf->r->match)
			diag_hint(d, "without a match: of its own, the end (%s) evaluates start.match too",
				  p->points[i].display);
		for (unsigned k = 0; k < p->pair->nmatch && !err; k++)
			if (expr_uses_start(p->pair->end_match[k].expr)) {
				struct diag_at at = at_path(p, p->pair->end_match[k].path);

				err = diag_err(d, &at, "the end's match finds its start, so it cannot use latency or a saved value");
				diag_hint(d, "match on what the end event itself shows, e.g. tid or args.FIELD");
			}
	}
	if (!err)
		err = check_members(p, p->keys, p->nkeys, &env, EXPR_USE_KEY, i, 0, "key", d);
	if (p->value && !err)
		err = expr_check(p->value, &env, EXPR_USE_VALUE, d);
	return err;
}

/*
 * Keep of `scratch` what d does not hold yet, then release it. A check
 * of an expression runs for every attach point and again for every
 * group, and a warning it gives (a string literal longer than the field
 * it is compared with) is the same each time: it is said once.
 */
static void merge_new(struct diag_list *d, struct diag_list *scratch)
{
	for (size_t i = 0; i < scratch->n; i++) {
		const struct diag *s = &scratch->v[i];
		struct diag_at at = { s->file, s->line, s->col };
		bool seen = false;

		for (size_t j = 0; s->sev != DIAG_ERROR && j < d->n && !seen; j++) {
			const struct diag *o = &d->v[j];

			seen = o->sev == s->sev && o->line == s->line && o->col == s->col &&
			       !strcmp(o->msg, s->msg) &&
			       (o->file == s->file || (o->file && s->file && !strcmp(o->file, s->file)));
		}
		if (seen)
			continue;
		diag_add(d, s->sev, &at, "%s", s->msg);
		if (s->hint)
			diag_hint(d, "%s", s->hint);
	}
	diag_list_release(scratch);
}

/* check_point, saying each of its diagnostics once over all points. */
static int check_point_once(struct plan_private *pp, size_t i, struct diag_list *d)
{
	struct diag_list scratch = DIAG_LIST_INIT;
	int err = check_point(pp, i, &scratch);

	merge_new(d, &scratch);
	return err;
}

static void group_points(struct plan_private *pp)
{
	struct plan *p = &pp->pub;

	p->point_group = xcalloc(p->npoints, sizeof(*p->point_group));
	for (size_t i = 0; i < p->npoints; i++) {
		size_t g;

		for (g = 0; g < p->ngroups; g++)
			if (!p->points[i].provider->one_program_per_point &&
			    p->groups[g].start == is_start_point(p, i) &&
			    same_layout(&pp->envs[p->groups[g].first], &pp->envs[i]))
				break;
		if (g == p->ngroups) {
			p->groups = xrealloc(p->groups, (g + 1) * sizeof(*p->groups));
			p->groups[g] = (struct plan_group){
				.provider = p->points[i].provider,
				.start = is_start_point(p, i),
				.first = i,
				.fields = pp->envs[i].used,
				.nfields = pp->envs[i].nused,
			};
			p->ngroups++;
		}
		p->point_group[i] = (unsigned)g;
	}
}

/* A copy of e for a group, checked against its first point; NULL for none. */
static const struct expr *group_tree(struct plan_private *pp, const struct expr *e,
				     const struct expr_env *env, enum expr_use use, int *err,
				     struct diag_list *d)
{
	struct expr *c;

	if (!e || *err)
		return NULL;
	c = expr_clone(e);
	pp->owned = xrealloc(pp->owned, (pp->nowned + 1) * sizeof(*pp->owned));
	pp->owned[pp->nowned++] = c;
	*err = expr_check(c, env, use, d);
	return c;
}

static const struct expr **group_members(struct plan_private *pp, const struct plan_key *m,
					 unsigned n, const struct expr_env *env,
					 enum expr_use use, int *err, struct diag_list *d)
{
	const struct expr **v = xcalloc(n ? n : 1, sizeof(*v));

	for (unsigned k = 0; k < n; k++)
		v[k] = group_tree(pp, m[k].expr, env, use, err, d);
	return v;
}

/* An end's filter, split at its &&s into the parts before and after its start is found. */
static void split_end_filter(struct plan_group *g)
{
	unsigned n = expr_conjuncts(g->filter, NULL, 0);
	const struct expr **parts = xcalloc(n, sizeof(*parts));

	expr_conjuncts(g->filter, parts, n);
	g->filter_end = xcalloc(n, sizeof(*g->filter_end));
	g->filter_after = xcalloc(n, sizeof(*g->filter_after));
	for (unsigned i = 0; i < n; i++) {
		if (expr_uses_start(parts[i]))
			g->filter_after[g->nfilter_after++] = parts[i];
		else
			g->filter_end[g->nfilter_end++] = parts[i];
	}
	free(parts);
}

/*
 * Give group gi trees of its own, checked against its first point: a
 * tree carries the annotations of its last check, and plan_build checked
 * the shared ones against every point. Cannot fail but for an engine
 * bug, since that point passed the same checks.
 */
static int build_group(struct plan_private *pp, unsigned gi, struct diag_list *d)
{
	struct plan *p = &pp->pub;
	struct plan_group *g = &p->groups[gi];
	const struct plan_pair *pr = p->pair;
	struct expr_env env;
	int err = 0;

	plan_env(p, g->first, &env);
	/* A start/end recipe's --pid and --comm choose starts; ends come from anywhere. */
	g->target_check = !pr || g->start;
	g->probe_index = g->provider->no_cookie ? PLAN_INDEX_CONSTANT :
			 g->provider->cookie_expr ? PLAN_INDEX_PROVIDER : PLAN_INDEX_COOKIE;
	g->cookie_expr = g->provider->cookie_expr;
	g->arg_reader = g->provider->arg_reader;
	if (g->start) {
		g->filter = group_tree(pp, pr->filter, &env, EXPR_USE_FILTER, &err, d);
		g->match = group_members(pp, pr->start_match, pr->nmatch, &env, EXPR_USE_MATCH,
					 &err, d);
		g->saved = group_members(pp, pr->saved, pr->nsaved, &env, EXPR_USE_SAVE, &err, d);
	} else {
		g->filter = group_tree(pp, p->filter, &env, EXPR_USE_FILTER, &err, d);
		if (pr)
			g->match = group_members(pp, pr->end_match, pr->nmatch, &env,
						 EXPR_USE_MATCH, &err, d);
		g->keys = group_members(pp, p->keys, p->nkeys, &env, EXPR_USE_KEY, &err, d);
		g->value = group_tree(pp, p->value, &env, EXPR_USE_VALUE, &err, d);
		if (pr && g->filter && !err)
			split_end_filter(g);
	}
	if (err)
		diag_err(d, &p->points[g->first].at,
			 "internal: the expressions of %s no longer check against it",
			 p->points[g->first].display);
	return err;
}

static bool keeps_stacks(const struct plan_key *m, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		if (m[k].type.display == DISP_KSTACK || m[k].type.display == DISP_USTACK ||
		    m[k].type.display == DISP_USYM)
			return true;
	return false;
}

static unsigned align_up(unsigned v, unsigned a)
{
	return (v + a - 1) & ~(a - 1);
}

/* How a member of this type is stored: numbers in 8 bytes, strings as they are. */
static void member_kind(struct plan_key *m)
{
	switch (m->type.kind) {
	case TY_STR:
		m->kind = KEY_STR;
		m->size = m->type.size;
		break;
	case TY_PROBE:
		m->kind = KEY_PROBE;
		m->size = 4;
		break;
	default:
		m->kind = m->type.kind == TY_INT && m->type.is_signed ? KEY_INT : KEY_UINT;
		m->size = 8;
		break;
	}
}

/*
 * Give members with kinds their offsets from `offset` on. Returns the end
 * offset, or 0 with a diagnostic at the first member past `limit`.
 */
static unsigned layout_members(const struct plan *p, struct plan_key *m, unsigned n,
			       unsigned offset, unsigned *max_align, unsigned limit,
			       const char *what, struct diag_list *d)
{
	for (unsigned k = 0; k < n; k++) {
		unsigned align = m[k].kind == KEY_STR ? 1 : m[k].kind == KEY_PROBE ? 4 : 8;

		offset = align_up(offset, align);
		m[k].offset = offset;
		offset += m[k].size;
		if (align > *max_align)
			*max_align = align;
		if (offset > limit) {
			struct diag_at at = at_path(p, m[k].path);

			diag_err(d, &at, "the %s would take %u bytes; at most %u fit beside the program's other data on the 512-byte BPF stack",
				 what, offset, limit);
			diag_hint(d, "shorten strings with str(ptr, maxlen), or use fewer strings");
			return 0;
		}
	}
	return offset;
}

static int layout_key(struct plan *p, struct diag_list *d)
{
	unsigned offset, max_align = 1;

	for (unsigned k = 0; k < p->nkeys; k++)
		member_kind(&p->keys[k]);
	offset = layout_members(p, p->keys, p->nkeys, 0, &max_align, MAX_KEY_SIZE, "key", d);
	if (p->nkeys && !offset)
		return -E2BIG;
	/* A keyless, unbucketed map still needs a key: one zero __u32. */
	if (p->agg && (p->agg->bucketed || p->nkeys == 0)) {
		offset = align_up(offset, 4);
		p->slot_offset = offset;
		offset += 4;
		if (max_align < 4)
			max_align = 4;
	}
	p->key_size = align_up(offset, max_align);
	return 0;
}

/*
 * One struct rcp_match serves both sides: each member is a u64 when both
 * are numbers (a pointer is one), the longer char array when both are
 * strings. Saved values follow the start's time in struct rcp_started.
 */
static int layout_pair(struct plan *p, struct diag_list *d)
{
	struct plan_pair *pr = p->pair;
	unsigned max_align = 1, end;

	for (unsigned k = 0; k < pr->nmatch; k++) {
		struct plan_key *a = &pr->start_match[k], *b = &pr->end_match[k];
		bool a_str = a->type.kind == TY_STR, b_str = b->type.kind == TY_STR;

		if (a_str != b_str) {
			struct diag_at at = at_path(p, b->path);

			diag_err(d, &at, "match %u is %s at the end but %s at the start", k + 1,
				 b_str ? "a string" : "a number", a_str ? "a string" : "a number");
			diag_hint(d, "both sides must compare like with like: numbers (a pointer is one) or strings");
			return -EINVAL;
		}
		a->kind = b->kind = a_str ? KEY_STR : KEY_UINT;
		a->size = b->size = a_str ? (a->type.size > b->type.size ? a->type.size : b->type.size) : 8;
	}
	end = layout_members(p, pr->start_match, pr->nmatch, 0, &max_align, MAX_MATCH_SIZE,
			     "match", d);
	if (!end)
		return -E2BIG;
	for (unsigned k = 0; k < pr->nmatch; k++)
		pr->end_match[k].offset = pr->start_match[k].offset;
	pr->match_size = align_up(end, max_align);

	max_align = 8;
	for (unsigned k = 0; k < pr->nsaved; k++)
		member_kind(&pr->saved[k]);
	end = layout_members(p, pr->saved, pr->nsaved, STARTED_TS_SIZE, &max_align,
			     MAX_STARTED_SIZE, "saved values", d);
	if (!end)
		return -E2BIG;
	pr->started_size = align_up(end, max_align);
	return 0;
}

int plan_build(const struct recipe_file *rf, const struct plan_opts *opts,
	       struct plan **out, struct diag_list *d)
{
	struct plan_private *pp = xcalloc(1, sizeof(*pp));
	struct plan *p = &pp->pub;
	const struct recipe *r = rf->r;
	size_t errors_before = diag_errors(d);
	char *const *keys;
	unsigned nkeys, ncols;

	p->rf = rf;
	p->name = rf->name ? rf->name : rf->path;
	pp->origins = xcalloc(2 + r->key_count + NTRACE_COLUMNS +
			      (r->print ? r->print->args_count : 0) +
			      (r->start ? 1 + 2 * r->start->match_count + r->start->save_count : 0),
			      sizeof(*pp->origins));

	build_misc(p, d);
	build_max_probes(p, opts, d);
	build_params(p, opts, d);
	build_aggregate(p, d);
	build_points(p, r->probes, r->probes_count, "probes", d);
	build_pair(pp, d);
	build_named(pp);

	p->target_pid = opts->pid;
	if (opts->comm) {
		if (strlen(opts->comm) >= sizeof(p->target_comm))
			diag_err(d, NULL, "--comm '%s' is longer than the kernel's 15-byte command names",
				 opts->comm);
		snprintf(p->target_comm, sizeof(p->target_comm), "%s", opts->comm);
	}

	if (r->filter)
		p->filter = parse(pp, r->filter, "filter", d);
	/* A print recipe's args are its key: the event user space receives. */
	keys = r->print ? r->print->args : r->key;
	nkeys = r->print ? r->print->args_count : r->key_count;
	ncols = p->print_header ? NTRACE_COLUMNS : 0;
	p->keys = xcalloc(ncols + nkeys, sizeof(*p->keys));
	p->nkeys = ncols + nkeys;
	for (unsigned k = 0; k < ncols; k++) {
		/* our own text for the columns, located at print.columns */
		p->keys[k].expr = parse(pp, trace_columns[k], "print.columns", d);
		p->keys[k].path = pp->origins[pp->norigins - 1].path;
	}
	parse_into(pp, keys, nkeys, r->print ? "print.args" : "key", p->keys + ncols, d);
	if (r->aggregate && r->aggregate->value)
		p->value = parse(pp, r->aggregate->value, "aggregate.value", d);

	if (diag_errors(d) > errors_before || !p->npoints) {
		plan_free(p);
		return -EINVAL;
	}

	pp->envs = xcalloc(p->npoints, sizeof(*pp->envs));
	for (size_t i = 0; i < p->npoints; i++) {
		pp->envs[i].plan = p;
		pp->envs[i].ap = &p->points[i];
	}
	/*
	 * The start's points first: the end's expressions see the values
	 * they save. The first failing point explains the problem; the
	 * rest would repeat it.
	 */
	if (p->pair) {
		for (size_t i = p->pair->first_point; i < p->npoints; i++)
			if (check_point_once(pp, i, d))
				break;
		end_named_types(pp);
	}
	for (size_t i = 0; i < (p->pair ? p->pair->first_point : p->npoints); i++)
		if (diag_errors(d) > errors_before || check_point_once(pp, i, d))
			break;
	if (diag_errors(d) > errors_before) {
		plan_free(p);
		return -EINVAL;
	}
	check_print_types(p, d);
	if (diag_errors(d) > errors_before) {
		plan_free(p);
		return -EINVAL;
	}
	group_points(pp);
	for (unsigned g = 0; g < p->ngroups; g++) {
		struct diag_list scratch = DIAG_LIST_INIT;
		int err = build_group(pp, g, &scratch);

		merge_new(d, &scratch);
		if (err) {
			plan_free(p);
			return -EINVAL;
		}
	}
	p->uses_stacks = keeps_stacks(p->keys, p->nkeys) ||
			 (p->pair && keeps_stacks(p->pair->saved, p->pair->nsaved));
	if (layout_key(p, d) || (p->pair && layout_pair(p, d))) {
		plan_free(p);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

void plan_fill_config(const struct plan *p, void *cfg)
{
	char *c = cfg;
	uint32_t tgid = (uint32_t)p->target_pid;

	memcpy(c, &tgid, sizeof(tgid));
	/* A print recipe's lines are writes of ours: never trace them. */
	if (p->print) {
		uint32_t self = (uint32_t)getpid();

		memcpy(c + PLAN_CFG_SELF_OFFSET, &self, sizeof(self));
	}
	memcpy(c + PLAN_CFG_COMM_OFFSET, p->target_comm, sizeof(p->target_comm));
	for (unsigned i = 0; i < p->nparams; i++) {
		const struct plan_param *pp = &p->params[i];

		if (pp->type.kind == TY_STR)
			memcpy(c + pp->offset, pp->sval, STR_PARAM_SIZE);
		else
			memcpy(c + pp->offset, &pp->ival, 8);
	}
}

void plan_free(struct plan *p)
{
	struct plan_private *pp = (struct plan_private *)p;

	if (!p)
		return;
	expr_free(p->filter);
	expr_free(p->value);
	for (unsigned k = 0; k < p->nkeys; k++)
		expr_free(p->keys[k].expr);
	free(p->keys);
	if (pp->envs)
		for (size_t i = 0; i < p->npoints; i++)
			free(pp->envs[i].used);
	for (size_t i = 0; i < p->npoints; i++)
		attach_point_release(&p->points[i]);
	free(p->points);
	free(p->point_group);
	for (size_t g = 0; g < p->ngroups; g++) {
		free(p->groups[g].filter_end);
		free(p->groups[g].filter_after);
		free(p->groups[g].keys);
		free(p->groups[g].match);
		free(p->groups[g].saved);
	}
	free(p->groups);
	for (size_t i = 0; i < pp->nowned; i++)
		expr_free(pp->owned[i]);
	free(pp->owned);
	free(p->params);
	free(p->map_name);
	print_format_free(p->print);
	if (p->pair) {
		expr_free(p->pair->filter);
		for (unsigned k = 0; k < p->pair->nmatch; k++) {
			expr_free(p->pair->start_match[k].expr);
			expr_free(p->pair->end_match[k].expr);
		}
		for (unsigned k = 0; k < p->pair->nsaved; k++)
			expr_free(p->pair->saved[k].expr);
		free(p->pair->start_match);
		free(p->pair->end_match);
		free(p->pair->saved);
		free(p->pair);
	}
	free(pp->origins);
	free(pp->envs);
	free(pp->named);
	free(pp->lvalues);
	free(pp);
}
