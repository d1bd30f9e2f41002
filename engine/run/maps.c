/*
 * maps: BPF map -> report map. One pass over the keys; per-CPU values
 * are folded with the aggregation's fold(); for hist and lhist the
 * bucket slot is split off the key and entries sharing the rest of the
 * key become one histogram.
 */
#include "run/maps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "util/strbuf.h"

struct raw_entry {
	unsigned char *key;		/* key bytes with the slot zeroed */
	unsigned slot;
	struct report_value val;	/* folded over CPUs */
};

static unsigned nbuckets(const struct plan *p)
{
	if (p->agg->shape == RS_LHIST)
		return (unsigned)(((uint64_t)p->lmax - (uint64_t)p->lmin) / (uint64_t)p->lstep) + 2;
	return REPORT_LOG2_BUCKETS;
}

static void decode_key(const struct plan *p, const unsigned char *key,
		       struct report_entry *e)
{
	e->key = xcalloc(p->nkeys ? p->nkeys : 1, sizeof(*e->key));
	for (unsigned k = 0; k < p->nkeys; k++) {
		const struct plan_key *pk = &p->keys[k];
		struct report_key_part *part = &e->key[k];
		uint32_t idx;

		switch (pk->kind) {
		case KEY_INT:
			part->kind = RK_INT;
			memcpy(&part->i, key + pk->offset, 8);
			break;
		case KEY_UINT:
			part->kind = RK_UINT;
			memcpy(&part->u, key + pk->offset, 8);
			break;
		case KEY_STR:
			part->kind = RK_STR;
			part->s = xstrndup((const char *)key + pk->offset, pk->size);
			break;
		case KEY_PROBE:
			part->kind = RK_STR;
			memcpy(&idx, key + pk->offset, 4);
			part->s = xstrdup(idx < p->npoints ? p->points[idx].display : "?");
			break;
		}
	}
}

static size_t sort_key_size;

static int cmp_raw(const void *a, const void *b)
{
	const struct raw_entry *ra = a, *rb = b;

	return memcmp(ra->key, rb->key, sort_key_size);
}

static void to_report(const struct plan *p, struct raw_entry *raw, size_t n,
		      struct report_map *m)
{
	if (!p->agg->bucketed) {
		for (size_t i = 0; i < n; i++) {
			struct report_entry *e = report_map_add_entry(m);

			decode_key(p, raw[i].key, e);
			e->val = raw[i].val;
		}
		return;
	}
	sort_key_size = p->key_size;
	qsort(raw, n, sizeof(*raw), cmp_raw);
	for (size_t i = 0; i < n;) {
		struct report_entry *e = report_map_add_entry(m);
		size_t j;

		decode_key(p, raw[i].key, e);
		e->val.nbuckets = nbuckets(p);
		e->val.buckets = xcalloc(e->val.nbuckets, sizeof(*e->val.buckets));
		for (j = i; j < n && !memcmp(raw[j].key, raw[i].key, p->key_size); j++)
			if (raw[j].slot < e->val.nbuckets)
				e->val.buckets[raw[j].slot] += (uint64_t)raw[j].val.value;
		i = j;
	}
}

int maps_read(const struct plan *p, int map_fd, bool clear, struct report *r,
	      struct diag_list *d)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t stride = (p->agg->value_size + 7) & ~(size_t)7;
	unsigned char *key = xcalloc(1, p->key_size), *next = xcalloc(1, p->key_size);
	unsigned char *values = NULL;
	struct raw_entry *raw = NULL;
	size_t n = 0, cap = 0;
	struct report_map *m;
	void *prev = NULL;
	int err = 0;

	if (ncpu < 1) {
		free(key);
		free(next);
		return diag_err(d, NULL, "cannot count possible CPUs: %s", strerror(-ncpu));
	}
	values = xcalloc((size_t)ncpu, stride);
	while (!bpf_map_get_next_key(map_fd, prev, next)) {
		struct raw_entry *re;

		memcpy(key, next, p->key_size);
		prev = key;
		if (bpf_map_lookup_elem(map_fd, key, values))
			continue;	/* deleted meanwhile */
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			raw = xrealloc(raw, cap * sizeof(*raw));
		}
		re = &raw[n++];
		memset(re, 0, sizeof(*re));
		re->key = xmalloc(p->key_size);
		memcpy(re->key, key, p->key_size);
		if (p->agg->bucketed) {
			memcpy(&re->slot, key + p->slot_offset, 4);
			memset(re->key + p->slot_offset, 0, 4);
		}
		for (int c = 0; c < ncpu; c++)
			p->agg->fold(&re->val, values + (size_t)c * stride);
	}
	if (clear)
		for (size_t i = 0; i < n; i++) {
			unsigned char *k = xmalloc(p->key_size);

			memcpy(k, raw[i].key, p->key_size);
			if (p->agg->bucketed)
				memcpy(k + p->slot_offset, &raw[i].slot, 4);
			if (bpf_map_delete_elem(map_fd, k) && errno != ENOENT && !err)
				err = diag_err(d, NULL, "cannot clear the map: %s", strerror(errno));
			free(k);
		}
	m = report_add_map(r, p->map_name, p->agg->shape, p->nkeys);
	m->lmin = p->lmin;
	m->lmax = p->lmax;
	m->lstep = p->lstep;
	to_report(p, raw, n, m);
	for (size_t i = 0; i < n; i++)
		free(raw[i].key);
	free(raw);
	free(values);
	free(key);
	free(next);
	return err;
}
