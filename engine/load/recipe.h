/*
 * recipe: the YAML recipe model, exactly as written (first stage of
 * YAML -> recipe -> plan -> BPF C -> object -> session -> report).
 *
 * recipe_load_file() parses recipes/<category>/<name>.yaml with libcyaml
 * against the schema in recipe_schema.c. Shape errors (bad YAML, unknown
 * key, wrong type, missing required field) become diagnostics located at
 * file:line:col. No defaults and no semantic checks happen here: those
 * belong to plan_build() (engine/check/plan.h), which trusts nothing but
 * the shape.
 *
 * Because libcyaml does not record where a value came from, the loader
 * also indexes the document with libyaml so later stages can locate any
 * value ("key[1]", "aggregate.value", "params[0].default") and any byte
 * offset inside it, for diagnostics such as
 *   recipes/fs/x.yaml:14:12: error: tracepoint syscalls:sys_exit_read has no field 'rett'
 */
#ifndef RECIPE_LOAD_RECIPE_H
#define RECIPE_LOAD_RECIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

/* A one-liner of recipes/one-liners.tsv that a recipe reproduces. */
struct recipe_oneliner {
	char *id;		/* required, e.g. "bpftrace-disk-5" */
	char *tool;		/* required, e.g. "bpftrace" */
	char *text;		/* required, the one-liner itself */
};

/*
 * Which one-liner this reproduces, and under `also` the others that
 * show exactly the same thing (a BCC tool and its bpftrace one-liner).
 */
struct recipe_origin {
	char *id;
	char *tool;
	char *text;
	struct recipe_oneliner *also;	/* optional */
	unsigned also_count;
};

/*
 * One figure an example's report must show. What is read is one of
 * `entry` (the value of the line "ENTRY: N", e.g. "@[rcp-wl-sys]"),
 * `hist` (a histogram's header without the colon, "@usecs"; its
 * `bucket` label, or the total of the rows from `from_bucket` up: a
 * latency's physical floor, where the row itself would depend on the
 * machine's load; or all buckets' total) or `lines` (how
 * many output lines contain this text); the bound is `equals`, or
 * `at_least` and/or `at_most` (sampled and system-wide events).
 */
struct recipe_expect {
	char *entry;
	char *hist;
	char *bucket;
	char *from_bucket;	/* with hist: that row and every row above it */
	char *lines;
	char *equals;
	char *at_least;
	char *at_most;
};

/*
 * The recipe's own test, which `recipe show` prints as its example:
 * run the recipe around `run` (an argv, no shell; "rcp-wl" is the
 * project's workload, found by the test runner; "{dir}" is a scratch
 * directory on a real disk, "{port}" a free TCP port), with `options`
 * added to `recipe run`, and the report must show every `expect`.
 * `system_wide: true` attaches first and runs the command while
 * attached (events another task makes for it: block I/O, wakeups), in
 * place of `-c`.
 */
struct recipe_example {
	char **run;		/* required, >= 1 */
	unsigned run_count;
	char **options;		/* optional: --comm NAME, --param k=v, ... */
	unsigned options_count;
	char *system_wide;	/* optional "true" / "false" */
	struct recipe_expect *expect;	/* required, >= 1 */
	unsigned expect_count;
	char *note;		/* optional: why these figures */
};

/* A named, typed value that expressions use by name and --param sets. */
struct recipe_param {
	char *name;		/* required, C-identifier-like */
	char *type;		/* required: "int" (s64), "uint" (u64) or "string" */
	char *default_value;	/* required scalar text, checked by plan */
	char *description;	/* optional */
};

/* The aggregation: `type` is a name from the agg table (engine/check/agg.h). */
struct recipe_aggregate {
	char *type;		/* required: count sum min max avg stats hist lhist */
	char *value;		/* expression; required except for count */
	char *min, *max, *step;	/* lhist bounds (integer scalars, checked by plan) */
};

/* A line per event, printf-like, instead of an aggregation. */
struct recipe_print {
	char *format;		/* required: "%-6d %s\n" (user space formats it) */
	char **args;		/* expressions, one per conversion */
	unsigned args_count;
	char *buffer;		/* optional ring buffer bytes (a power of two), checked by plan */
	char *columns;		/* optional "true": BCC trace's TIME PID TID COMM PROBE first */
};

/* A value the start keeps for the end, where expressions use it by name. */
struct recipe_saved {
	char *name;		/* required, an identifier */
	char *value;		/* required expression, evaluated at the start */
};

/*
 * The event that begins an interval (a start-to-end recipe: latency).
 * The recipe's own probes are then the end: an end event whose match
 * values equal a recorded start's consumes it.
 */
struct recipe_start {
	char **probes;		/* required, >= 1 */
	unsigned probes_count;
	char *filter;		/* optional: which events are starts */
	char **match;		/* required: what start and end both see (tid, dev+sector) */
	unsigned match_count;
	struct recipe_saved *save;	/* optional */
	unsigned save_count;
	char *max_entries;	/* optional: starts in flight at once, default in plan */
};

struct recipe {
	char *summary;		/* required, one line */
	char *description;	/* required, what it tells you and how to read it */
	struct recipe_origin *origin;		/* required */
	char **probes;		/* required, >= 1: "tracepoint:block:block_rq_issue", wildcards ok */
	unsigned probes_count;
	char *filter;		/* optional expression */
	char *map;		/* optional map name: "bytes" prints as @bytes */
	char **key;		/* optional list of expressions */
	unsigned key_count;
	struct recipe_aggregate *aggregate;	/* this, or print */
	struct recipe_print *print;		/* this, or aggregate */
	struct recipe_param *params;		/* optional */
	unsigned params_count;
	char *max_entries;	/* optional integer scalar, default in plan */
	char *max_probes;	/* optional integer scalar: attach points allowed, default in plan */
	struct recipe_start *start;	/* optional: the probes below are then the end */
	char **match;		/* optional with start: the end's match (default: start's text) */
	unsigned match_count;
	struct recipe_example *example;	/* optional: the recipe's own test */
};

/* A loaded recipe file: the model plus what is needed to locate values. */
struct recipe_file {
	char *path;		/* as given */
	char *name;		/* "category/name" when under a catalogue dir, else NULL */
	struct recipe *r;	/* owned by libcyaml */
	struct yaml_index *index;	/* opaque, for recipe_locate() */
};

/*
 * The largest recipe file read: the catalogue's are under 4 KiB; past
 * this the file is refused before it is parsed (docs/limits.md).
 */
#define RECIPE_MAX_BYTES (1024 * 1024)

/*
 * Load and shape-check one recipe file. On success returns 0 and sets
 * *out; on failure returns -errno (-EINVAL for a bad recipe) with the
 * reasons in d, and *out untouched.
 */
int recipe_load_file(const char *path, struct recipe_file **out,
		     struct diag_list *d);
/* Same, from a string (tests); `path` is only used in diagnostics. */
int recipe_load_string(const char *path, const char *text,
		       struct recipe_file **out, struct diag_list *d);
void recipe_file_free(struct recipe_file *rf);

/*
 * Locate a value by its path in the document ("summary", "probes[0]",
 * "key[1]", "aggregate.value", "params[2].default"). For a scalar,
 * `offset` is a byte offset into its (decoded) text and the result points
 * at that character, accounting for quotes and block scalars (| and >);
 * pass 0 for the value itself. For a missing path, falls back to the
 * nearest existing parent, then to line 0. Never fails.
 */
struct diag_at recipe_locate(const struct recipe_file *rf, const char *path,
			     unsigned offset);

/* The top-level libcyaml schema (for the schema agreement test). */
const struct cyaml_schema_value *recipe_cyaml_schema(void);

#endif
