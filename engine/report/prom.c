/*
 * report Prometheus renderer: recipes' reports as text exposition
 * format 0.0.4, for `recipe serve`'s /metrics. One metric family per
 * recipe map, then one per report counter (lost, missed, dropped,
 * evicted, cut) with a sample per recipe. prom.h states the naming
 * rules; docs/fleet.md shows them with PromQL. The whole exposition is
 * built in memory and written once, like the text report.
 */
#include "report/prom.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* How each report shape is exposed. */
struct family_kind {
	const char *type;	/* # TYPE */
	const char *suffix;	/* of the family name */
};

enum { FK_COUNTER, FK_GAUGE, FK_SUMMARY, FK_HISTOGRAM };

static const struct family_kind kinds[] = {
	[FK_COUNTER] = { "counter", "_total" },
	[FK_GAUGE] = { "gauge", "" },
	[FK_SUMMARY] = { "summary", "" },
	[FK_HISTOGRAM] = { "histogram", "" },
};

static int family_kind(const struct prom_source *src, const struct report_map *m)
{
	static const int by_shape[] = {
		[RS_SCALAR] = FK_GAUGE,	/* a counter when monotonic */
		[RS_AVG] = FK_GAUGE,
		[RS_STATS] = FK_SUMMARY,
		[RS_HIST] = FK_HISTOGRAM,
		[RS_LHIST] = FK_HISTOGRAM,
	};

	if (m->shape == RS_SCALAR && src->monotonic)
		return FK_COUNTER;
	return by_shape[m->shape];
}

/* The per-recipe counters, each a family of its own after the maps. */
struct report_counter {
	const char *name;
	const char *type;
	const char *help;
	uint64_t (*get)(const struct report *r, size_t cut);
};

static uint64_t get_lost(const struct report *r, size_t cut)
{
	(void)cut;
	return r->lost;
}

static uint64_t get_missed(const struct report *r, size_t cut)
{
	(void)cut;
	return r->missed_events;
}

static uint64_t get_dropped(const struct report *r, size_t cut)
{
	(void)cut;
	return r->dropped_keys;
}

static uint64_t get_evicted(const struct report *r, size_t cut)
{
	(void)cut;
	return r->evicted_starts;
}

static uint64_t get_cut(const struct report *r, size_t cut)
{
	(void)r;
	return cut;
}

static const struct report_counter counters[] = {
	{ "recipe_lost_events_total", "counter",
	  "Events the kernel could not hand over (ring buffer full).", get_lost },
	{ "recipe_missed_events_total", "counter",
	  "Program runs the kernel skipped while another BPF program ran on the CPU (recursion_misses).",
	  get_missed },
	{ "recipe_dropped_keys_total", "counter",
	  "Map updates refused because the map was full (max_entries).", get_dropped },
	{ "recipe_evicted_starts_total", "counter",
	  "Start events evicted before their end (start.max_entries).", get_evicted },
	{ "recipe_keys_cut", "gauge",
	  "Entries left out of this scrape by --max-keys (the smallest values).", get_cut },
};

#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))

char *prom_sanitize(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	for (const char *s = name; *s; s++) {
		bool ok = isascii((unsigned char)*s) && (isalnum((unsigned char)*s) || *s == '_');

		if (ok)
			strbuf_addch(&sb, *s);
		else if (!sb.len || sb.buf[sb.len - 1] != '_')
			strbuf_addch(&sb, '_');
	}
	return strbuf_detach(&sb);
}

static bool ident_start(char c)
{
	return isascii((unsigned char)c) && (isalpha((unsigned char)c) || c == '_');
}

static bool ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* The last identifier of expr not followed by '(' (or, failing that, any), or NULL. */
static char *last_identifier(const char *expr)
{
	const char *best = NULL, *any = NULL;
	size_t best_len = 0, any_len = 0;

	for (const char *s = expr; *s;) {
		const char *start = s, *after;

		if (*s == '"') {	/* skip string literals */
			for (s++; *s && *s != '"'; s++)
				if (*s == '\\' && s[1])
					s++;
			if (*s)
				s++;
			continue;
		}
		if (!ident_start(*s)) {
			/* a number's letters (0x1f) are no identifier */
			if (*s >= '0' && *s <= '9')
				while (ident_char(*s))
					s++;
			else
				s++;
			continue;
		}
		while (ident_char(*s))
			s++;
		any = start;
		any_len = (size_t)(s - start);
		for (after = s; *after == ' ' || *after == '\t'; after++)
			;
		if (*after != '(') {
			best = start;
			best_len = (size_t)(s - start);
		}
	}
	if (!best) {
		best = any;
		best_len = any_len;
	}
	return best ? xstrndup(best, best_len) : NULL;
}

static bool reserved_label(const char *name)
{
	return !strcmp(name, "le") || !strcmp(name, "quantile");
}

char **prom_label_names(char *const *exprs, unsigned n)
{
	char **out = xcalloc(n ? n : 1, sizeof(*out));

	for (unsigned i = 0; i < n; i++) {
		char *name = last_identifier(exprs[i] ? exprs[i] : "");
		bool taken = false;

		if (name && name[0] == '_') {	/* names starting "__" are Prometheus's */
			size_t skip = strspn(name, "_");

			memmove(name, name + skip, strlen(name + skip) + 1);
			if (!*name) {
				free(name);
				name = NULL;
			}
		}
		if (!name) {
			out[i] = xasprintf("k%u", i);
			continue;
		}
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(out[j], name))
				taken = true;
		if (taken || reserved_label(name)) {
			out[i] = xasprintf("%s_%u", name, i);
			free(name);
		} else {
			out[i] = name;
		}
	}
	return out;
}

void prom_labels_free(char **labels, unsigned n)
{
	if (!labels)
		return;
	for (unsigned i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
}

/* A label value: backslash, double quote and newline escaped. */
static void add_label_value(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_addstr(sb, "\\\\");
		else if (*s == '"')
			strbuf_addstr(sb, "\\\"");
		else if (*s == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

/* HELP text: backslash and newline escaped. */
static void add_help(struct strbuf *sb, const char *family, const char *help)
{
	strbuf_addf(sb, "# HELP %s ", family);
	for (const char *s = help; *s; s++) {
		if (*s == '\\')
			strbuf_addstr(sb, "\\\\");
		else if (*s == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\n');
}

/* `k1="v1",k2="v2"` of an entry (nothing for a keyless map). */
static void entry_labels(struct strbuf *sb, const struct prom_source *src,
			 const struct report_map *m, const struct report_entry *e)
{
	for (unsigned k = 0; k < m->nkeys; k++) {
		const struct report_key_part *p = &e->key[k];
		char num[32];

		if (k)
			strbuf_addch(sb, ',');
		strbuf_addf(sb, "%s=", src->labels[k]);
		switch (p->kind) {
		case RK_INT:
			snprintf(num, sizeof(num), "%" PRId64, p->i);
			add_label_value(sb, num);
			break;
		case RK_UINT:
			snprintf(num, sizeof(num), "%" PRIu64, p->u);
			add_label_value(sb, num);
			break;
		default:
			add_label_value(sb, p->s ? p->s : "");
			break;
		}
	}
}

/* NAME{labels} or NAME{labels,extra} or NAME, then the value. */
static void sample_start(struct strbuf *sb, const char *name, const char *labels,
			 const char *extra)
{
	strbuf_addstr(sb, name);
	if (*labels || extra) {
		strbuf_addch(sb, '{');
		strbuf_addstr(sb, labels);
		if (*labels && extra)
			strbuf_addch(sb, ',');
		if (extra)
			strbuf_addstr(sb, extra);
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, ' ');
}

/* The le of bucket i: the largest value it holds, or NULL for the last (+Inf). */
static const char *bucket_le(const struct report_map *m, const struct report_value *v,
			     unsigned i, char *buf, size_t len)
{
	if (i + 1 == v->nbuckets)
		return NULL;
	if (m->shape == RS_LHIST)
		snprintf(buf, len, "%" PRId64,
			 i == 0 ? m->lmin - 1 : report_lhist_lower(m, i + 1) - 1);
	else if (i == 0)
		snprintf(buf, len, "-1");
	else
		snprintf(buf, len, "%" PRIu64, ((uint64_t)1 << (i - 1)) - 1);
	return buf;
}

static void add_histogram(struct strbuf *sb, const char *family, const char *labels,
			  const struct report_map *m, const struct report_value *v)
{
	struct strbuf name = STRBUF_INIT;
	unsigned first, last;
	uint64_t cum = 0, total = 0;

	strbuf_init(&name);
	report_nonzero_buckets(v, &first, &last);
	for (unsigned i = 0; i < v->nbuckets; i++)
		total += v->buckets[i];
	strbuf_addf(&name, "%s_bucket", family);
	for (unsigned i = 0; i < v->nbuckets; i++) {
		char le[40], extra[48];

		cum += v->buckets[i];
		if (i < first || i > last || !bucket_le(m, v, i, le, sizeof(le)))
			continue;
		snprintf(extra, sizeof(extra), "le=\"%s\"", le);
		sample_start(sb, strbuf_str(&name), labels, extra);
		strbuf_addf(sb, "%" PRIu64 "\n", cum);
	}
	sample_start(sb, strbuf_str(&name), labels, "le=\"+Inf\"");
	strbuf_addf(sb, "%" PRIu64 "\n", total);
	strbuf_reset(&name);
	strbuf_addf(&name, "%s_sum", family);
	sample_start(sb, strbuf_str(&name), labels, NULL);
	strbuf_addf(sb, "%" PRId64 "\n", v->sum);
	strbuf_reset(&name);
	strbuf_addf(&name, "%s_count", family);
	sample_start(sb, strbuf_str(&name), labels, NULL);
	strbuf_addf(sb, "%" PRIu64 "\n", total);
	strbuf_release(&name);
}

static void add_entry(struct strbuf *sb, const char *family, int kind,
		      const char *labels, const struct report_map *m,
		      const struct report_entry *e)
{
	const struct report_value *v = &e->val;
	char *name;

	switch (kind) {
	case FK_COUNTER:
	case FK_GAUGE:
		sample_start(sb, family, labels, NULL);
		strbuf_addf(sb, "%" PRId64 "\n",
			    m->shape == RS_AVG ? report_average(v) : v->value);
		break;
	case FK_SUMMARY:
		name = xasprintf("%s_sum", family);
		sample_start(sb, name, labels, NULL);
		strbuf_addf(sb, "%" PRId64 "\n", v->sum);
		free(name);
		name = xasprintf("%s_count", family);
		sample_start(sb, name, labels, NULL);
		strbuf_addf(sb, "%" PRIu64 "\n", v->count);
		free(name);
		break;
	case FK_HISTOGRAM:
		add_histogram(sb, family, labels, m, v);
		break;
	}
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return t <= n && !strcmp(s + n - t, tail);
}

/*
 * recipe_<recipe>[_<map>]<suffix>: the map's name is left out when the
 * recipe's already ends with it (disk/rwbs-bytes, @bytes:
 * recipe_disk_rwbs_bytes_total).
 */
static char *family_name(const struct prom_source *src, const struct report_map *m,
			 int kind)
{
	const char *map = m->name[0] == '@' ? m->name + 1 : m->name;
	char *recipe = prom_sanitize(src->recipe), *tail = prom_sanitize(map);
	char *under_tail = xasprintf("_%s", tail);
	char *raw = *tail && !ends_with(recipe, under_tail)
		? xasprintf("recipe_%s_%s", recipe, tail) : xasprintf("recipe_%s", recipe);
	char *clean = prom_sanitize(raw);
	char *name;

	free(recipe);
	free(tail);
	free(under_tail);

	/* a trailing '_' (a recipe ending in '-') must not double before the suffix */
	if (clean[0] && clean[strlen(clean) - 1] == '_' && kinds[kind].suffix[0])
		clean[strlen(clean) - 1] = '\0';
	name = xasprintf("%s%s", clean, kinds[kind].suffix);
	free(raw);
	free(clean);
	return name;
}

/* Entries of m to show: the last `shown` (report_sort puts the largest last). */
static size_t keys_cut(const struct prom_source *src, const struct report_map *m)
{
	return src->max_keys && m->n > src->max_keys ? m->n - src->max_keys : 0;
}

static void add_map(struct strbuf *sb, const struct prom_source *src,
		    const struct report_map *m)
{
	int kind = family_kind(src, m);
	char *family = family_name(src, m, kind);
	struct strbuf labels = STRBUF_INIT;

	strbuf_init(&labels);
	add_help(sb, family, src->help);
	strbuf_addf(sb, "# TYPE %s %s\n", family, kinds[kind].type);
	for (size_t i = keys_cut(src, m); i < m->n; i++) {
		strbuf_reset(&labels);
		entry_labels(&labels, src, m, &m->entries[i]);
		add_entry(sb, family, kind, strbuf_str(&labels), m, &m->entries[i]);
	}
	strbuf_release(&labels);
	free(family);
}

static void add_counter(struct strbuf *sb, const struct report_counter *c,
			const struct prom_source *src, size_t n)
{
	struct strbuf label = STRBUF_INIT;

	strbuf_init(&label);
	add_help(sb, c->name, c->help);
	strbuf_addf(sb, "# TYPE %s %s\n", c->name, c->type);
	for (size_t i = 0; i < n; i++) {
		size_t cut = 0;

		for (size_t j = 0; j < src[i].report->n; j++)
			cut += keys_cut(&src[i], &src[i].report->maps[j]);
		strbuf_reset(&label);
		strbuf_addstr(&label, "recipe=");
		add_label_value(&label, src[i].recipe);
		sample_start(sb, c->name, strbuf_str(&label), NULL);
		strbuf_addf(sb, "%" PRIu64 "\n", c->get(src[i].report, cut));
	}
	strbuf_release(&label);
}

int report_print_prom(const struct prom_source *src, size_t n, double read_seconds,
		      FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	int err = 0;

	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < src[i].report->n; j++)
			add_map(&sb, &src[i], &src[i].report->maps[j]);
	for (size_t c = 0; c < NCOUNTERS; c++)
		add_counter(&sb, &counters[c], src, n);
	strbuf_addstr(&sb, "# HELP recipe_scrape_read_seconds Time this scrape took to read every map.\n"
		      "# TYPE recipe_scrape_read_seconds gauge\n");
	strbuf_addf(&sb, "recipe_scrape_read_seconds %.6f\n", read_seconds);

	errno = 0;
	len = fwrite(sb.buf, 1, sb.len, fp);
	if (len != sb.len || fflush(fp) == EOF || ferror(fp))
		err = errno ? -errno : -EIO;
	strbuf_release(&sb);
	return err;
}
