/*
 * bpftrace_json: the NDJSON stream `bpftrace -f json` writes (0.17),
 * so that tools written for bpftrace's JSON read recipe's unchanged:
 *
 *   {"type": "attached_probes", "data": {"probes": N}}     once attached
 *   {"type": "printf", "data": "LINE\n"}                    a print recipe's event
 *   {"type": "map", "data": {"@m": V}}                      count sum min max
 *   {"type": "map", "data": {"@m": {"k1,k2": V, ...}}}      ... keyed
 *   {"type": "stats", "data": {"@m": AVG}}                  avg
 *   {"type": "stats", "data": {"@m": {"count": N, "average": A, "total": T}}}
 *   {"type": "hist", "data": {"@m": [{"min": LO, "max": HI, "count": N}, ...]}}
 *   {"type": "lost_events", "data": {"events": N}}
 *
 * Keys are bpftrace's joined strings; buckets run from the first
 * non-zero one to the last, the zeros between included, an open end
 * without its member. recipe's own warnings (dropped keys, evictions,
 * skipped runs) have no place in bpftrace's stream: use --format json.
 */
#include <errno.h>
#include <stdlib.h>

#include "report/format.h"
#include "report/json.h"

static struct json_object *typed(const char *type, struct json_object *data)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "data", data);
	return o;
}

static struct json_object *hist_buckets(const struct report_map *m, const struct report_value *v)
{
	struct json_object *arr = json_object_new_array();
	unsigned first, last;

	report_nonzero_buckets(v, &first, &last);
	for (unsigned i = first; i < v->nbuckets && i <= last; i++) {
		struct json_object *b = json_object_new_object();

		report_json_bounds(b, m, i);
		json_object_object_add(b, "count", json_object_new_uint64(v->buckets[i]));
		json_object_array_add(arr, b);
	}
	return arr;
}

static struct json_object *value_of(const struct report_map *m, const struct report_value *v)
{
	struct json_object *o;

	switch (m->shape) {
	case RS_AVG:
		return json_object_new_int64(report_average(v));
	case RS_STATS:
		o = json_object_new_object();
		json_object_object_add(o, "count", json_object_new_uint64(v->count));
		json_object_object_add(o, "average", json_object_new_int64(report_average(v)));
		json_object_object_add(o, "total", json_object_new_int64(v->sum));
		return o;
	case RS_HIST:
	case RS_LHIST:
		return hist_buckets(m, v);
	case RS_SCALAR:
	default:
		return json_object_new_int64(v->value);
	}
}

static const char *type_of(enum report_shape shape)
{
	return shape == RS_AVG || shape == RS_STATS ? "stats" :
	       shape == RS_HIST || shape == RS_LHIST ? "hist" : "map";
}

int report_print_bpftrace_json(const struct report *r, FILE *fp)
{
	int err = 0;

	for (size_t i = 0; i < r->n && !err; i++) {
		const struct report_map *m = &r->maps[i];
		struct json_object *data = json_object_new_object(), *val;

		if (m->nkeys) {
			val = json_object_new_object();
			for (size_t e = 0; e < m->n; e++) {
				char *key = report_key_joined(m, &m->entries[e]);

				json_object_object_add(val, key, value_of(m, &m->entries[e].val));
				free(key);
			}
		} else {
			/* keyless: its one entry, or nothing seen (a hist with no rows) */
			val = m->n ? value_of(m, &m->entries[0].val) :
			      m->shape == RS_HIST || m->shape == RS_LHIST ? json_object_new_array() :
			      json_object_new_int64(0);
		}
		json_object_object_add(data, m->name, val);
		err = report_json_write(typed(type_of(m->shape), data), fp);
	}
	if (!err && r->lost) {
		struct json_object *data = json_object_new_object();

		json_object_object_add(data, "events", json_object_new_uint64(r->lost));
		err = report_json_write(typed("lost_events", data), fp);
	}
	return err;
}

void report_print_bpftrace_attached(size_t probes, FILE *fp)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "probes", json_object_new_uint64(probes));
	report_json_write(typed("attached_probes", data), fp);
}

void report_print_bpftrace_event(const struct print_format *f, const struct report_key_part *parts,
				 unsigned n, FILE *fp)
{
	char *line = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&line, &len);

	(void)n;
	if (!mem)
		return;
	print_format_write(f, parts, mem);
	fclose(mem);
	report_json_write(typed("printf", json_object_new_string_len(line, (int)len)), fp);
	free(line);
}
