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

#include "run/display.h"
#include "run/symbolize.h"
#include "util/strbuf.h"

struct raw_entry {
	unsigned char *key;		/* key bytes with the slot zeroed */
	unsigned slot;
	struct report_value val;	/* folded over CPUs */
};

static unsigned nbuckets(const struct plan *p)
{
	if (p->agg->shape == RS_LHIST)
		return report_lhist_buckets(p->lmin, p->lmax, p->lstep);
	return REPORT_LOG2_BUCKETS;
}

#define STACK_FRAMES 127	/* the stack map's value: PERF_MAX_STACK_DEPTH addresses */

/* A stack key's frames, bpftrace's way: empty when the stack was not taken. */
static char *render_stack(const struct plan_key *pk, int64_t v, const struct maps_keys *mk)
{
	bool user = pk->type.display == DISP_USTACK;
	int32_t id = (int32_t)(uint32_t)v;
	uint64_t ips[STACK_FRAMES] = { 0 };
	struct strbuf sb = STRBUF_INIT;
	unsigned n = 0;

	if (id >= 0 && mk->stack_fd >= 0 && !bpf_map_lookup_elem(mk->stack_fd, &id, ips))
		n = STACK_FRAMES;
	if (!n || !ips[0])
		return xstrdup("");	/* no stack taken: bpftrace prints nothing */
	if (user)
		symbolizer_ustack(mk->sym, (pid_t)((uint64_t)v >> 32), ips, n, pk->type.depth, &sb);
	else
		symbolizer_kstack(mk->sym, ips, n, pk->type.depth, &sb);
	return strbuf_detach(&sb);
}

static char *render_display(const struct plan_key *pk, int64_t v, const struct maps_keys *mk)
{
	char name[256];

	switch (pk->type.display) {
	case DISP_KSTACK:
	case DISP_USTACK:
		return render_stack(pk, v, mk);
	case DISP_KSYM:
		symbolizer_ksym(mk->sym, (uint64_t)v, name, sizeof(name));
		break;
	default:
		display_render(pk->type.display, v, name, sizeof(name));
		break;
	}
	return xstrdup(name);
}

/* func: the last part of a point's target ("vfs_read" of "kprobe:vfs_read"). */
static const char *point_func(const struct attach_point *ap)
{
	const char *colon = strrchr(ap->display, ':');

	return colon ? colon + 1 : ap->display;
}

void maps_decode_key(const struct plan *p, const struct maps_keys *mk,
		     const void *bytes, struct report_key_part *parts)
{
	const unsigned char *key = bytes;

	for (unsigned k = 0; k < p->nkeys; k++) {
		const struct plan_key *pk = &p->keys[k];
		struct report_key_part *part = &parts[k];
		uint32_t idx;

		if (pk->kind == KEY_STR && pk->type.display != DISP_NONE) {
			char name[256];
			uint64_t v[2];

			if (pk->type.display == DISP_USYM && pk->size == sizeof(v)) {
				memcpy(v, key + pk->offset, sizeof(v));
				symbolizer_usym(mk->sym, (pid_t)v[0], v[1], name, sizeof(name));
			} else {
				display_render_bytes(pk->type.display, key + pk->offset,
						     pk->size, name, sizeof(name));
			}
			part->kind = RK_STR;
			part->s = xstrdup(name);
			continue;
		}
		if (pk->type.display != DISP_NONE && pk->kind != KEY_PROBE) {
			int64_t v;

			memcpy(&v, key + pk->offset, 8);
			part->kind = RK_STR;
			part->s = render_display(pk, v, mk);
			part->stack = pk->type.display == DISP_KSTACK ? RSTACK_KERNEL :
				      pk->type.display == DISP_USTACK ? RSTACK_USER : RSTACK_NONE;
			continue;
		}
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
			part->s = xstrdup(idx >= p->npoints ? "?"
					  : pk->type.display == DISP_FUNC ? point_func(&p->points[idx])
					  : p->points[idx].display);
			break;
		}
	}
}

static int cmp_raw(const void *a, const void *b, void *key_size)
{
	const struct raw_entry *ra = a, *rb = b;

	return memcmp(ra->key, rb->key, *(const unsigned *)key_size);
}

static void decode_entries(const struct plan *p, const struct maps_keys *mk,
			   struct raw_entry *raw, size_t n, struct report_map *m);

static int cmp_key_parts(const struct report_key_part *a,
			 const struct report_key_part *b, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		int c = a[k].kind != b[k].kind ? (int)a[k].kind - (int)b[k].kind
			: a[k].kind == RK_STR ? strcmp(a[k].s, b[k].s)
			: a[k].kind == RK_INT ? (a[k].i > b[k].i) - (a[k].i < b[k].i)
			: (a[k].u > b[k].u) - (a[k].u < b[k].u);

		if (c)
			return c;
	}
	return 0;
}

static int cmp_entries(const void *a, const void *b, void *nkeys)
{
	const struct report_entry *ea = a, *eb = b;

	return cmp_key_parts(ea->key, eb->key, *(const unsigned *)nkeys);
}

/*
 * A stack shown to N frames makes different kernel stacks read the
 * same; like bpftrace, whose stack map keeps only N frames, count them
 * as one entry.
 */
static void merge_equal_keys(const struct plan *p, struct report_map *m)
{
	size_t out = 0;

	qsort_r(m->entries, m->n, sizeof(*m->entries), cmp_entries, (void *)&m->nkeys);
	for (size_t i = 0; i < m->n; i++) {
		struct report_entry *e = &m->entries[i];

		if (out && !cmp_key_parts(m->entries[out - 1].key, e->key, m->nkeys)) {
			p->agg->merge(&m->entries[out - 1].val, &e->val);
			for (unsigned k = 0; k < m->nkeys; k++)
				free(e->key[k].s);
			free(e->key);
			free(e->val.buckets);
			continue;
		}
		m->entries[out++] = *e;
	}
	m->n = out;
}

static bool shortened_stacks(const struct plan *p)
{
	for (unsigned k = 0; k < p->nkeys; k++)
		if (p->keys[k].type.depth)
			return true;
	return false;
}

static void to_report(const struct plan *p, const struct maps_keys *mk,
		      struct raw_entry *raw, size_t n, struct report_map *m)
{
	decode_entries(p, mk, raw, n, m);
	if (shortened_stacks(p))
		merge_equal_keys(p, m);
}

static void decode_entries(const struct plan *p, const struct maps_keys *mk,
			   struct raw_entry *raw, size_t n, struct report_map *m)
{
	if (!p->agg->bucketed) {
		if (!n && !p->nkeys && p->agg->zero_when_empty)
			report_map_add_entry(m);	/* value 0 */
		for (size_t i = 0; i < n; i++) {
			struct report_entry *e = report_map_add_entry(m);

			maps_decode_key(p, mk, raw[i].key, e->key);
			e->val = raw[i].val;
		}
		return;
	}
	qsort_r(raw, n, sizeof(*raw), cmp_raw, (void *)&p->key_size);
	for (size_t i = 0; i < n;) {
		struct report_entry *e = report_map_add_entry(m);
		size_t j;

		maps_decode_key(p, mk, raw[i].key, e->key);
		e->val.nbuckets = nbuckets(p);
		e->val.buckets = xcalloc(e->val.nbuckets, sizeof(*e->val.buckets));
		/* each slot keeps its count and the sum of its values (struct rcp_stats) */
		for (j = i; j < n && !memcmp(raw[j].key, raw[i].key, p->key_size); j++) {
			if (raw[j].slot < e->val.nbuckets)
				e->val.buckets[raw[j].slot] += raw[j].val.count;
			e->val.sum += raw[j].val.sum;
		}
		i = j;
	}
}

/*
 * Read one entry: with `take`, atomically take it out of the map
 * (BPF_MAP_LOOKUP_AND_DELETE_ELEM, per-CPU hashes since 5.14).
 */
static int read_entry(int map_fd, const void *key, void *values, bool take)
{
	return take ? bpf_map_lookup_and_delete_elem(map_fd, key, values)
		    : bpf_map_lookup_elem(map_fd, key, values);
}

struct shown_entry {
	unsigned char *key;		/* the whole key, bucket slot included */
	struct report_value val;	/* folded over CPUs, as last shown */
};

struct maps_shown {
	struct shown_entry *v;		/* sorted by key bytes */
	size_t n;
	unsigned key_size;
};

struct maps_shown *maps_shown_new(void)
{
	return xcalloc(1, sizeof(struct maps_shown));
}

static void shown_release(struct shown_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].key);
	free(v);
}

void maps_shown_free(struct maps_shown *sh)
{
	if (!sh)
		return;
	shown_release(sh->v, sh->n);
	free(sh);
}

static int cmp_shown(const void *a, const void *b, void *key_size)
{
	return memcmp(((const struct shown_entry *)a)->key,
		      ((const struct shown_entry *)b)->key, *(const unsigned *)key_size);
}

static const struct report_value *shown_value(const struct maps_shown *sh, const void *key)
{
	size_t lo = 0, hi = sh->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(sh->v[mid].key, key, sh->key_size);

		if (!c)
			return &sh->v[mid].val;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* v less what was shown of it (additive kinds); true when nothing is new. */
static bool less_shown(struct report_value *v, const struct report_value *shown)
{
	if (shown) {
		v->value -= shown->value;
		v->count -= shown->count;
		v->sum -= shown->sum;
	}
	return !v->value && !v->count && !v->sum;
}

/* Every key of the map now, at most `budget` of them; nothing is deleted. */
static unsigned char *all_keys(int map_fd, unsigned key_size, size_t budget, size_t *n)
{
	unsigned char *keys = NULL;
	size_t cap = 0;

	for (*n = 0; *n < budget; (*n)++) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			keys = xrealloc(keys, cap * key_size);
		}
		if (bpf_map_get_next_key(map_fd, *n ? keys + (*n - 1) * key_size : NULL,
					 keys + *n * key_size))
			break;
	}
	return keys;
}

struct reader {
	const struct plan *p;
	int map_fd, ncpu;
	size_t stride;
	unsigned char *values;		/* ncpu * stride bytes */
	struct raw_entry *raw;		/* what the report shows */
	size_t n, cap;
};

/* Fold one entry's per-CPU values; -1 when the key is gone. */
static int fold_entry(struct reader *rd, const void *key, bool take, struct report_value *out)
{
	memset(out, 0, sizeof(*out));
	if (read_entry(rd->map_fd, key, rd->values, take))
		return -1;
	for (int c = 0; c < rd->ncpu; c++)
		rd->p->agg->fold(out, rd->values + (size_t)c * rd->stride);
	return 0;
}

static void add_raw(struct reader *rd, const unsigned char *key, const struct report_value *val)
{
	const struct plan *p = rd->p;
	struct raw_entry *re;

	if (rd->n == rd->cap) {
		rd->cap = rd->cap ? rd->cap * 2 : 64;
		rd->raw = xrealloc(rd->raw, rd->cap * sizeof(*rd->raw));
	}
	re = &rd->raw[rd->n++];
	memset(re, 0, sizeof(*re));
	re->key = xmalloc(p->key_size);
	memcpy(re->key, key, p->key_size);
	if (p->agg->bucketed) {
		memcpy(&re->slot, key + p->slot_offset, 4);
		memset(re->key + p->slot_offset, 0, 4);
	}
	re->val = *val;
}

/*
 * Everything, or (with take) everything taken out of the map: the way
 * for a first report, and for min and max, which cannot be differenced.
 */
static void read_whole(struct reader *rd, bool take)
{
	unsigned char *key = xcalloc(2, rd->p->key_size), *next = key + rd->p->key_size;
	/* While taking, new keys may keep arriving: take at most a map's worth twice. */
	size_t budget = 2 * (size_t)rd->p->max_entries;
	void *prev = NULL;

	/* Taken entries are gone, so taking always restarts from the first key. */
	while (budget-- && !bpf_map_get_next_key(rd->map_fd, take ? NULL : prev, next)) {
		struct report_value v;

		memcpy(key, next, rd->p->key_size);
		prev = key;
		if (!fold_entry(rd, key, take, &v))
			add_raw(rd, key, &v);
	}
	free(key);
}

/*
 * What is new since `since`, keys left in place. With `clear` the read
 * becomes what was shown, and keys that saw no event since the last
 * report are deleted (a sum's cannot tell, and stay): the map holds the
 * keys of the last two intervals, and an active key is never deleted
 * under a program. An update racing the delete of an idle key can still
 * be lost, through a pointer taken just before it.
 */
static void read_since(struct reader *rd, struct maps_shown *since, bool clear)
{
	const struct plan *p = rd->p;
	size_t nkeys, nkept = 0;
	unsigned char *keys = all_keys(rd->map_fd, p->key_size, p->max_entries, &nkeys);
	struct shown_entry *kept = xcalloc(nkeys ? nkeys : 1, sizeof(*kept));

	since->key_size = p->key_size;
	for (size_t i = 0; i < nkeys; i++) {
		const unsigned char *key = keys + i * p->key_size;
		const struct report_value *shown = shown_value(since, key);
		struct report_value now, fresh;
		bool unchanged;

		if (fold_entry(rd, key, false, &now))
			continue;	/* deleted meanwhile */
		fresh = now;
		unchanged = less_shown(&fresh, shown);
		if (unchanged && clear && p->agg->counts_events) {
			/* idle: take it out; an update that raced the read shows now */
			if (!fold_entry(rd, key, true, &fresh) && !less_shown(&fresh, shown))
				add_raw(rd, key, &fresh);
			continue;
		}
		if (!unchanged)
			add_raw(rd, key, &fresh);
		if (clear) {
			kept[nkept].key = xmalloc(p->key_size);
			memcpy(kept[nkept].key, key, p->key_size);
			kept[nkept++].val = now;
		}
	}
	if (clear) {
		qsort_r(kept, nkept, sizeof(*kept), cmp_shown, &since->key_size);
		shown_release(since->v, since->n);
		since->v = kept;
		since->n = nkept;
	} else {
		free(kept);
	}
	free(keys);
}

int maps_read(const struct plan *p, int map_fd, const struct maps_keys *mk,
	      struct maps_shown *since, bool clear, struct report *r,
	      struct diag_list *d)
{
	struct reader rd = { .p = p, .map_fd = map_fd, .ncpu = libbpf_num_possible_cpus() };
	struct report_map *m;

	if (rd.ncpu < 1)
		return diag_err(d, NULL, "cannot count possible CPUs: %s", strerror(-rd.ncpu));
	rd.stride = (p->agg->value_size + 7) & ~(size_t)7;
	rd.values = xcalloc((size_t)rd.ncpu, rd.stride);
	if (since && p->agg->additive)
		read_since(&rd, since, clear);
	else
		read_whole(&rd, clear);
	m = report_add_map(r, p->map_name, p->agg->shape, p->nkeys);
	m->lmin = p->lmin;
	m->lmax = p->lmax;
	m->lstep = p->lstep;
	to_report(p, mk, rd.raw, rd.n, m);
	for (size_t i = 0; i < rd.n; i++)
		free(rd.raw[i].key);
	free(rd.raw);
	free(rd.values);
	return 0;
}
