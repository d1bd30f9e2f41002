/*
 * agg: the table of aggregation kinds. The per-CPU value layouts here
 * must match the structs in templates/include/recipe.bpf.h; the update
 * code lives in templates/agg/<name>.bpf.c.
 */
#include "check/agg.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

/* Mirrors struct rcp_minmax and struct rcp_stats of recipe.bpf.h. */
struct minmax_value {
	int64_t value;
	uint64_t set;
};

struct stats_value {
	uint64_t count;
	int64_t sum;
};

static void fold_add(struct report_value *out, const void *v)
{
	out->value += *(const int64_t *)v;
}

static void fold_min(struct report_value *out, const void *v)
{
	const struct minmax_value *m = v;

	if (!m->set)
		return;
	if (!out->count || m->value < out->value)
		out->value = m->value;
	out->count = 1;
}

static void fold_max(struct report_value *out, const void *v)
{
	const struct minmax_value *m = v;

	if (!m->set)
		return;
	if (!out->count || m->value > out->value)
		out->value = m->value;
	out->count = 1;
}

static void fold_stats(struct report_value *out, const void *v)
{
	const struct stats_value *s = v;

	out->count += s->count;
	out->sum += s->sum;
}

static void merge_add(struct report_value *into, const struct report_value *from)
{
	into->value += from->value;
}

static void merge_min(struct report_value *into, const struct report_value *from)
{
	if (from->value < into->value)
		into->value = from->value;
}

static void merge_max(struct report_value *into, const struct report_value *from)
{
	if (from->value > into->value)
		into->value = from->value;
}

static void merge_stats(struct report_value *into, const struct report_value *from)
{
	into->count += from->count;
	into->sum += from->sum;
}

static void merge_buckets(struct report_value *into, const struct report_value *from)
{
	into->sum += from->sum;
	for (unsigned i = 0; i < into->nbuckets && i < from->nbuckets; i++)
		into->buckets[i] += from->buckets[i];
}

static const struct agg_kind kinds[] = {
	{ .type = AGG_COUNT, .additive = true, .counts_events = true, .name = "count", .doc = "number of events",
	  .zero_when_empty = true,
	  .value_ctype = "__u64", .value_size = 8, .map_tmpl = "maps/percpu_hash.bpf.c", .tmpl = "agg/count.bpf.c",
	  .shape = RS_SCALAR, .fold = fold_add, .merge = merge_add },
	{ .type = AGG_SUM, .additive = true, .name = "sum", .doc = "sum of value", .needs_value = true,
	  .zero_when_empty = true,
	  .value_ctype = "__s64", .value_size = 8, .map_tmpl = "maps/percpu_hash.bpf.c", .tmpl = "agg/sum.bpf.c",
	  .shape = RS_SCALAR, .fold = fold_add, .merge = merge_add },
	{ .type = AGG_MIN, .name = "min", .doc = "smallest value", .needs_value = true,
	  .value_ctype = "struct rcp_minmax", .value_size = sizeof(struct minmax_value),
	  .map_tmpl = "maps/percpu_hash.bpf.c", .tmpl = "agg/minmax.bpf.c", .compare = "<", .shape = RS_SCALAR,
	  .fold = fold_min, .merge = merge_min },
	{ .type = AGG_MAX, .name = "max", .doc = "largest value", .needs_value = true,
	  .value_ctype = "struct rcp_minmax", .value_size = sizeof(struct minmax_value),
	  .map_tmpl = "maps/percpu_hash.bpf.c", .tmpl = "agg/minmax.bpf.c", .compare = ">", .shape = RS_SCALAR,
	  .fold = fold_max, .merge = merge_max },
	{ .type = AGG_AVG, .additive = true, .counts_events = true, .name = "avg", .doc = "average of value (integer)",
	  .needs_value = true, .value_ctype = "struct rcp_stats",
	  .value_size = sizeof(struct stats_value), .map_tmpl = "maps/percpu_hash.bpf.c", .tmpl = "agg/stats.bpf.c",
	  .shape = RS_AVG, .fold = fold_stats, .merge = merge_stats },
	{ .type = AGG_STATS, .additive = true, .counts_events = true, .name = "stats", .doc = "count, average and total of value",
	  .needs_value = true, .value_ctype = "struct rcp_stats",
	  .value_size = sizeof(struct stats_value), .map_tmpl = "maps/percpu_hash.bpf.c", .tmpl = "agg/stats.bpf.c",
	  .shape = RS_STATS, .fold = fold_stats, .merge = merge_stats },
	{ .type = AGG_HIST, .additive = true, .counts_events = true, .name = "hist", .doc = "power-of-two histogram of value",
	  .needs_value = true, .bucketed = true, .value_ctype = "struct rcp_stats",
	  .value_size = sizeof(struct stats_value), .slot_tmpl = "agg/hist-slot.bpf.c",
	  .map_tmpl = "maps/percpu_hash.bpf.c", .tmpl = "agg/stats.bpf.c",
	  .shape = RS_HIST, .fold = fold_stats, .merge = merge_buckets },
	{ .type = AGG_LHIST, .additive = true, .counts_events = true, .name = "lhist", .doc = "linear histogram of value (min, max, step)",
	  .needs_value = true, .bucketed = true, .value_ctype = "struct rcp_stats",
	  .value_size = sizeof(struct stats_value), .slot_tmpl = "agg/lhist-slot.bpf.c",
	  .map_tmpl = "maps/percpu_hash.bpf.c", .tmpl = "agg/stats.bpf.c",
	  .shape = RS_LHIST, .fold = fold_stats, .merge = merge_buckets },
};
const struct agg_kind *agg_find(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

const struct agg_kind *agg_printer(void)
{
	static const struct agg_kind printer = {
		.type = AGG_PRINT, .name = "print", .doc = "a line per event",
		.value_ctype = "__u64", .value_size = 8,
		.map_tmpl = "maps/events.bpf.c", .tmpl = "agg/print.bpf.c",
		.shape = RS_SCALAR,
	};

	return &printer;
}

const char *agg_names(void)
{
	static char names[128];

	if (!*names) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", kinds[i].name);
		snprintf(names, sizeof(names), "%s", strbuf_str(&sb));
		strbuf_release(&sb);
	}
	return names;
}
