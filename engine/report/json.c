/*
 * report JSON renderer: the whole report as one json-c document on one
 * line, for scripts, integration tests and `serve`. bpftrace's -f json
 * prints one document per map and flattens a key tuple into a joined
 * string ("1,ab"), which is ambiguous once a string key contains a
 * comma; here every entry carries its key as an array of typed parts,
 * keeps the joined string only for familiarity, and buckets carry
 * bpftrace's inclusive min/max plus the text label. docs/output.md is
 * the reference for the shape.
 */
#include "report/json.h"

#include <errno.h>
#include <inttypes.h>

#include "util/strbuf.h"

static const char *const shape_names[] = {
	[RS_SCALAR] = "scalar",
	[RS_AVG] = "avg",
	[RS_STATS] = "stats",
	[RS_HIST] = "hist",
	[RS_LHIST] = "lhist",
};

static void add_i64(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

char *report_key_joined(const struct report_map *m, const struct report_entry *e)
{
	struct strbuf joined = STRBUF_INIT;

	strbuf_init(&joined);
	for (unsigned k = 0; k < m->nkeys; k++) {
		const struct report_key_part *p = &e->key[k];

		if (k)
			strbuf_addch(&joined, ',');
		if (p->kind == RK_INT)
			strbuf_addf(&joined, "%" PRId64, p->i);
		else if (p->kind == RK_UINT)
			strbuf_addf(&joined, "%" PRIu64, p->u);
		else
			strbuf_addstr(&joined, p->s ? p->s : "");
	}
	return strbuf_detach(&joined);
}

static void add_key(struct json_object *entry, const struct report_map *m,
		    const struct report_entry *e)
{
	struct json_object *arr = json_object_new_array();
	char *joined = report_key_joined(m, e);

	for (unsigned k = 0; k < m->nkeys; k++) {
		const struct report_key_part *p = &e->key[k];

		if (p->kind == RK_INT)
			json_object_array_add(arr, json_object_new_int64(p->i));
		else if (p->kind == RK_UINT)
			json_object_array_add(arr, json_object_new_uint64(p->u));
		else
			json_object_array_add(arr, json_object_new_string(p->s ? p->s : ""));
	}
	json_object_object_add(entry, "key", arr);
	json_object_object_add(entry, "keystr", json_object_new_string(joined));
	free(joined);
}

void report_json_bounds(struct json_object *b, const struct report_map *m, unsigned i)
{
	if (m->shape == RS_LHIST) {
		unsigned last = report_lhist_buckets(m->lmin, m->lmax, m->lstep) - 1;

		if (i == 0) {
			if (m->lmin > INT64_MIN)
				add_i64(b, "max", m->lmin - 1);
		} else if (i == last) {
			add_i64(b, "min", m->lmax);
		} else {
			add_i64(b, "min", report_lhist_lower(m, i));
			add_i64(b, "max", report_lhist_lower(m, i + 1) - 1);
		}
		return;
	}

	if (i == 0) {
		add_i64(b, "max", -1);
	} else if (i == 1 || i == 2) {
		add_i64(b, "min", i - 1);
		add_i64(b, "max", i - 1);
	} else {
		/* Unsigned: the top bucket [2^63, 2^64) exceeds int64. */
		add_u64(b, "min", (uint64_t)1 << (i - 2));
		add_u64(b, "max", ((uint64_t)1 << (i - 2) << 1) - 1);
	}
}

static void add_buckets(struct json_object *entry, const struct report_map *m,
			const struct report_value *v)
{
	struct json_object *arr = json_object_new_array();
	unsigned first, last;
	uint64_t total = 0;
	char label[64];

	report_nonzero_buckets(v, &first, &last);
	for (unsigned i = first; i < v->nbuckets && i <= last; i++) {
		struct json_object *b = json_object_new_object();

		total += v->buckets[i];
		report_json_bounds(b, m, i);
		add_u64(b, "count", v->buckets[i]);
		report_bucket_label(m, i, label, sizeof(label));
		json_object_object_add(b, "label", json_object_new_string(label));
		json_object_array_add(arr, b);
	}
	add_u64(entry, "total", total);
	json_object_object_add(entry, "buckets", arr);
}

static struct json_object *map_json(const struct report_map *m)
{
	struct json_object *o = json_object_new_object();
	struct json_object *entries = json_object_new_array();

	json_object_object_add(o, "type",
			       json_object_new_string(shape_names[m->shape]));
	add_u64(o, "nkeys", m->nkeys);
	if (m->shape == RS_LHIST) {
		add_i64(o, "min", m->lmin);
		add_i64(o, "max", m->lmax);
		add_i64(o, "step", m->lstep);
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct report_entry *e = &m->entries[i];
		const struct report_value *v = &e->val;
		struct json_object *je = json_object_new_object();
		int64_t avg = report_average(v);

		add_key(je, m, e);
		switch (m->shape) {
		case RS_SCALAR:
			add_i64(je, "value", v->value);
			break;
		case RS_AVG:
			add_i64(je, "value", avg);
			add_u64(je, "count", v->count);
			add_i64(je, "total", v->sum);
			break;
		case RS_STATS:
			add_u64(je, "count", v->count);
			add_i64(je, "average", avg);
			add_i64(je, "total", v->sum);
			break;
		case RS_HIST:
		case RS_LHIST:
			add_buckets(je, m, v);
			break;
		}
		json_object_array_add(entries, je);
	}
	json_object_object_add(o, "entries", entries);
	return o;
}

int report_print_json(const struct report *r, FILE *fp)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *maps = json_object_new_object();

	for (size_t i = 0; i < r->n; i++)
		json_object_object_add(maps, r->maps[i].name,
				       map_json(&r->maps[i]));
	json_object_object_add(doc, "maps", maps);
	add_u64(doc, "lost", r->lost);
	add_u64(doc, "dropped_keys", r->dropped_keys);
	add_u64(doc, "evicted_starts", r->evicted_starts);
	add_u64(doc, "pending_starts", r->pending_starts);
	add_u64(doc, "missed_events", r->missed_events);
	return report_json_write(doc, fp);
}

int report_json_write(struct json_object *doc, FILE *fp)
{
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	int err = 0;

	errno = 0;
	if (fputs(s, fp) == EOF || fputc('\n', fp) == EOF ||
	    fflush(fp) == EOF || ferror(fp))
		err = errno ? -errno : -EIO;
	json_object_put(doc);
	return err;
}
