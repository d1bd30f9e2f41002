/*
 * report: the value model between the map reader (engine/run/maps.c)
 * and the renderers (text.c, json.c). This file owns construction,
 * release, ordering and bucket labels, i.e. everything both renderers
 * must agree on; the renderers only lay the model out.
 */
#include "report/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

struct report *report_new(void)
{
	return xcalloc(1, sizeof(struct report));
}

struct report_map *report_add_map(struct report *r, const char *name,
				  enum report_shape shape, unsigned nkeys)
{
	struct report_map *m;

	r->maps = xrealloc(r->maps, (r->n + 1) * sizeof(*r->maps));
	m = &r->maps[r->n++];
	memset(m, 0, sizeof(*m));
	m->name = xstrdup(name);
	m->shape = shape;
	m->nkeys = nkeys;
	return m;
}

struct report_entry *report_map_add_entry(struct report_map *m)
{
	struct report_entry *e;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->entries = xrealloc(m->entries, m->cap * sizeof(*m->entries));
	}
	e = &m->entries[m->n++];
	memset(e, 0, sizeof(*e));
	e->key = xcalloc(m->nkeys ? m->nkeys : 1, sizeof(*e->key));
	return e;
}

static void map_release(struct report_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct report_entry *e = &m->entries[i];

		for (unsigned k = 0; k < m->nkeys; k++)
			free(e->key[k].s);
		free(e->key);
		free(e->val.buckets);
	}
	free(m->entries);
	free(m->name);
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		map_release(&r->maps[i]);
	free(r->maps);
	free(r);
}

static int cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int key_cmp(const struct report_entry *a, const struct report_entry *b,
		   unsigned nkeys)
{
	for (unsigned k = 0; k < nkeys; k++) {
		const struct report_key_part *x = &a->key[k], *y = &b->key[k];
		int c;

		if (x->kind != y->kind)
			return cmp_i64(x->kind, y->kind);
		switch (x->kind) {
		case RK_INT:
			c = cmp_i64(x->i, y->i);
			break;
		case RK_UINT:
			c = cmp_u64(x->u, y->u);
			break;
		default:
			c = strcmp(x->s ? x->s : "", y->s ? y->s : "");
			break;
		}
		if (c)
			return c;
	}
	return 0;
}

static uint64_t bucket_total(const struct report_value *v)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < v->nbuckets; i++)
		t += v->buckets[i];
	return t;
}

int64_t report_average(const struct report_value *v)
{
	/* C division truncates toward zero, as bpftrace's int64_t does. */
	return v->count ? v->sum / (int64_t)v->count : 0;
}

unsigned report_lhist_buckets(int64_t min, int64_t max, int64_t step)
{
	return (unsigned)(((uint64_t)max - (uint64_t)min) / (uint64_t)step) + 2;
}

int64_t report_lhist_lower(const struct report_map *m, unsigned i)
{
	/* In range by construction; unsigned arithmetic cannot overflow on the way. */
	return (int64_t)((uint64_t)m->lmin + (uint64_t)(i - 1) * (uint64_t)m->lstep);
}

static int entry_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct report_map *m = ctx;
	const struct report_entry *a = pa, *b = pb;
	int c;

	switch (m->shape) {
	case RS_SCALAR:
		c = cmp_i64(a->val.value, b->val.value);
		break;
	case RS_AVG:
	case RS_STATS:
		c = cmp_i64(report_average(&a->val), report_average(&b->val));
		break;
	default:
		c = cmp_u64(bucket_total(&a->val), bucket_total(&b->val));
		break;
	}
	return c ? c : key_cmp(a, b, m->nkeys);
}

void report_sort(struct report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct report_map *m = &r->maps[i];

		if (m->n > 1)
			qsort_r(m->entries, m->n, sizeof(*m->entries), entry_cmp, m);
	}
}

/* bpftrace's hist_index_label(): 2^power with a binary K..E suffix. */
static void log2_label(unsigned power, char *buf, size_t len)
{
	static const char suffix[] = " KMGTPE";
	unsigned s = power / 10;

	if (s)
		snprintf(buf, len, "%" PRIu64 "%c", (uint64_t)1 << (power - 10 * s),
			 suffix[s]);
	else
		snprintf(buf, len, "%" PRIu64, (uint64_t)1 << power);
}

/* bpftrace's lhist_index_label(): exact multiples of 1M or 1K shortened. */
static void linear_label(int64_t n, char *buf, size_t len)
{
	const int64_t kilo = 1024, mega = 1048576;

	if (n != 0 && n % mega == 0)
		snprintf(buf, len, "%" PRId64 "M", n / mega);
	else if (n != 0 && n % kilo == 0)
		snprintf(buf, len, "%" PRId64 "K", n / kilo);
	else
		snprintf(buf, len, "%" PRId64, n);
}

void report_bucket_label(const struct report_map *m, unsigned i, char *buf,
			 size_t len)
{
	char lo[32], hi[32];

	if (m->shape == RS_LHIST) {
		unsigned last = report_lhist_buckets(m->lmin, m->lmax, m->lstep) - 1;

		if (i == 0) {
			linear_label(m->lmin, lo, sizeof(lo));
			snprintf(buf, len, "(..., %s)", lo);
		} else if (i == last) {
			linear_label(m->lmax, hi, sizeof(hi));
			snprintf(buf, len, "[%s, ...)", hi);
		} else {
			linear_label(report_lhist_lower(m, i), lo, sizeof(lo));
			linear_label(report_lhist_lower(m, i + 1), hi, sizeof(hi));
			snprintf(buf, len, "[%s, %s)", lo, hi);
		}
		return;
	}

	if (i == 0) {
		snprintf(buf, len, "(..., 0)");
	} else if (i == 1) {
		snprintf(buf, len, "[0]");
	} else if (i == 2) {
		snprintf(buf, len, "[1]");
	} else {
		log2_label(i - 2, lo, sizeof(lo));
		log2_label(i - 1, hi, sizeof(hi));
		snprintf(buf, len, "[%s, %s)", lo, hi);
	}
}

void report_nonzero_buckets(const struct report_value *v, unsigned *first, unsigned *last)
{
	*first = v->nbuckets;
	*last = 0;
	for (unsigned i = 0; i < v->nbuckets; i++) {
		if (!v->buckets[i])
			continue;
		if (*first == v->nbuckets)
			*first = i;
		*last = i;
	}
}
