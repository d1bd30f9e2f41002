/*
 * plan: the checked, fully resolved form of a recipe (second stage:
 * recipe -> plan -> BPF C). plan_build() applies defaults, expands every
 * probe spec to attach points, parses and type-checks every expression
 * against each point's fields, groups points that share one record
 * layout into one BPF program with expression trees of its own, and
 * lays out the map key and the config block. The plan is final once
 * built: later stages get it const, trust it, and never look at recipe
 * text or call a check again.
 *
 * Shape versus values: everything that changes the generated C is in the
 * plan's shape; what only changes a constant (param values, --pid,
 * --comm) is written into the program's read-only config before load,
 * so all values share one cached object.
 *
 * A plan borrows from its recipe_file: it must not outlive it.
 */
#ifndef RECIPE_CHECK_PLAN_H
#define RECIPE_CHECK_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "check/agg.h"
#include "check/expr_type.h"
#include "diag.h"
#include "load/recipe.h"
#include "probes/provider.h"

/* Run-time values that do not change the program's shape. */
struct plan_opts {
	const char *const *params;	/* "name=value" strings */
	unsigned nparams;
	pid_t pid;			/* 0: any process */
	const char *comm;		/* NULL: any command */
	/*
	 * Most attach points after expansion, for a command-line option;
	 * 0: the recipe's max_probes, else PROBES_DEFAULT_MAX.
	 */
	unsigned max_probes;
};

enum plan_key_kind { KEY_INT, KEY_UINT, KEY_STR, KEY_PROBE };

/*
 * A member of a generated struct that an expression computes: a part
 * of the map key (struct rcp_key), of a start/end match (struct
 * rcp_match) or a value the start saves (struct rcp_started).
 */
struct expr;	/* a checked tree: engine/check/expr_tree.h */

struct plan_key {
	/* as parsed, checked against every point; a program reads its group's copy */
	struct expr *expr;
	const char *path;		/* "key[1]", for diagnostics */
	enum plan_key_kind kind;
	struct expr_type type;
	unsigned offset, size;		/* in its struct */
	const char *name;		/* a saved value's name (recipe text: messages only) */
};

struct plan_param {
	const char *name;		/* borrowed from the recipe */
	struct expr_type type;
	char member[16];		/* "p0", ...: generated, never recipe text */
	unsigned offset;		/* in struct rcp_config */
	int64_t ival;			/* value for TY_INT */
	char sval[64];			/* value for TY_STR */
};

/* How a program knows which of its attach points fired. */
enum plan_probe_index {
	PLAN_INDEX_COOKIE,	/* the BPF cookie, bpf_get_attach_cookie(ctx) */
	PLAN_INDEX_CONSTANT,	/* its one point's index: the links carry no cookie */
	PLAN_INDEX_PROVIDER,	/* the provider's cookie_expr (usdt: libbpf owns the cookie) */
};

/*
 * A BPF program: the attach points sharing one record layout, with the
 * expression trees of its own, checked against that layout once and
 * final; bpf-gen renders them as they are.
 */
struct plan_group {
	const struct provider *provider;
	bool start;			/* records starts (a start/end recipe's start points) */
	size_t first;			/* index of its representative attach point */
	/* fields used by expressions, as laid out in this group's records */
	struct field_info *fields;
	size_t nfields;

	/* --pid and --comm are tested (not by a start/end recipe's ends) */
	bool target_check;
	enum plan_probe_index probe_index;
	const char *cookie_expr;	/* PLAN_INDEX_PROVIDER: C over ctx, from the provider */
	/* the provider's reader of args that are no record member, or NULL */
	const char *arg_reader;

	const struct expr *filter;	/* the filter (start.filter for a start group), or NULL */
	/*
	 * An end group's filter split at its top-level &&s: the parts
	 * about the end event, tested before its start is looked up, and
	 * those about latency or saved values, after.
	 */
	const struct expr **filter_end, **filter_after;
	unsigned nfilter_end, nfilter_after;
	const struct expr **keys;	/* [nkeys]; NULL in a start group */
	const struct expr *value;	/* NULL for count and in a start group */
	const struct expr **match;	/* [pair->nmatch]: the start's or the end's */
	const struct expr **saved;	/* [pair->nsaved]: a start group's */
};

#define PLAN_STR_MAX 256
#define PLAN_CFG_SELF_OFFSET 4		/* struct rcp_config: __u32 target_tgid; __u32 self_tgid; */
#define PLAN_CFG_COMM_OFFSET 8		/* char target_comm[16]; then the params */
#define PLAN_CFG_PARAMS_OFFSET 24

/*
 * A start-to-end recipe's start side. Start programs store the time and
 * the saved values under the match values in an LRU hash (so starts that
 * never end cannot fill it for good); an end program looks its match
 * values up, deletes the entry, and only the one whose delete succeeded
 * goes on, with `latency` and the saved values known. Starts evicted
 * unmatched are counted (session.h reports them).
 */
struct plan_pair {
	struct expr *filter;		/* start.filter, or NULL */
	struct plan_key *start_match;	/* evaluated at start points */
	struct plan_key *end_match;	/* at end points: the same kinds, sizes and offsets */
	unsigned nmatch;
	unsigned match_size;		/* sizeof(struct rcp_match) */
	struct plan_key *saved;		/* in struct rcp_started, after its __u64 timestamp */
	unsigned nsaved;
	unsigned started_size;		/* sizeof(struct rcp_started) */
	unsigned max_entries;		/* of the LRU hash of starts */
	size_t first_point;		/* plan points from this index on are the start's */
};

struct plan {
	const struct recipe_file *rf;
	const char *name;		/* recipe name or path, for messages */
	const struct agg_kind *agg;	/* agg_printer() for a print recipe */
	struct print_format *print;	/* a print recipe's format; its args are the keys */
	unsigned ringbuf_bytes;		/* a print recipe's ring buffer */
	const char *print_header;	/* a line to print first (columns), or NULL */
	int64_t lmin, lmax, lstep;	/* lhist */
	char *map_name;			/* "@" or "@bytes" */
	unsigned max_entries;
	unsigned max_probes;		/* attach points allowed after expansion */

	struct expr *filter;		/* NULL: none */
	struct expr *value;		/* NULL for count */
	struct plan_key *keys;
	unsigned nkeys;
	unsigned key_size;		/* sizeof(struct rcp_key) */
	unsigned slot_offset;		/* bucketed aggs: offset of the __u32 slot */

	struct plan_pair *pair;		/* NULL unless the recipe has start: */

	bool uses_stacks;		/* kstack, ustack or usym: the stack map and ring buffer exist */

	struct attach_point *points;	/* cookie of a point = its index */
	size_t npoints;
	unsigned *point_group;		/* group index of each point */
	struct plan_group *groups;
	size_t ngroups;

	struct plan_param *params;
	unsigned nparams;
	unsigned cfg_size;		/* sizeof(struct rcp_config) */

	pid_t target_pid;
	char target_comm[16];
};

/*
 * Check `rf` against the running kernel and build its plan. Returns 0
 * and *out, or -errno with every problem found in d (it keeps going
 * after an error where that can find more).
 */
int plan_build(const struct recipe_file *rf, const struct plan_opts *opts,
	       struct plan **out, struct diag_list *d);
void plan_free(struct plan *p);

/* Write the run-time values into cfg (cfg_size bytes, zeroed by caller). */
void plan_fill_config(const struct plan *p, void *cfg);

#endif
