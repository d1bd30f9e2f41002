/*
 * provider: one table entry per probe type, describing everything the
 * engine needs to know about it: how a probe spec's target expands to
 * attach points, what fields an attach point offers expressions, which
 * BPF section and context type its program uses, how to attach one
 * point, and whether this kernel can attach it at all. The rest of the
 * engine never switches on the probe type.
 *
 * A probe spec is "TYPE:TARGET" as in bpftrace ("tracepoint:block:*",
 * alias "t:block:*"); the provider owns the TARGET syntax.
 */
#ifndef RECIPE_PROBES_PROVIDER_H
#define RECIPE_PROBES_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "probes/field.h"
#include "util/strbuf.h"

struct bpf_program;
struct bpf_link;

/* One concrete place a program attaches to, after wildcard expansion. */
struct attach_point {
	const struct provider *provider;
	char *target;		/* provider syntax, e.g. "block:block_rq_issue" */
	char *display;		/* "tracepoint:block:block_rq_issue", printed for `probe` */
	void *layout;		/* provider's lazily loaded field layout, or NULL */
	struct diag_at at;	/* the probe spec in the recipe, for attach errors */
	/* the type the recipe names, when its fallback replaced it; else NULL */
	const struct provider *written;
	/*
	 * Expanded from a pattern (kprobe:tcp_*): a point of it that cannot
	 * take a probe (a function in available_filter_functions that the
	 * kprobe blacklist refuses) is skipped with a warning at attach, as
	 * bpftrace does for wildcards; a point named exactly must attach.
	 */
	bool from_glob;
};

/* One attachment, owned by the session. */
struct attached {
	struct bpf_link *link;
	int perf_fd;		/* perf event to disable at stop, or -1 */
};

/* A session's attachments: one attach point may need several (one per CPU). */
struct attach_set {
	struct attached *v;
	size_t n, cap;
};

void attach_set_add(struct attach_set *set, struct bpf_link *link, int perf_fd);

/*
 * For list hooks: call cb with "TYPE:NAME" for each of names[0..n) while
 * err is 0, free names and each name, return the first error.
 */
int provider_list_names(const struct provider *p, char **names, size_t n, int err,
			int (*cb)(const char *spec, void *ctx), void *ctx);

struct provider {
	const char *name;		/* "tracepoint" */
	const char *const *aliases;	/* NULL-terminated, exact match */
	const char *summary;
	const char *section;		/* SEC() of its programs */
	const char *ctx_param;		/* the program's parameter type when no record struct is used */
	/*
	 * Expand TARGET (globs allowed) into attach points, appended to
	 * *pts and *n. Returns 0 or -errno with a diagnostic at `at`,
	 * e.g. no match, with a did-you-mean hint.
	 */
	int (*expand)(const struct provider *p, const char *target,
		      const struct diag_at *at, struct attach_point **pts,
		      size_t *n, struct diag_list *d);
	/* args.NAME of one attach point: 0, -ENOENT (no such field) or -errno. */
	int (*field)(struct attach_point *ap, const char *name,
		     struct field_info *out);
	/* Comma-separated field names of an attach point, or NULL. */
	const char *(*field_names)(struct attach_point *ap);
	/*
	 * Attach prog at ap, telling the program which point fired through
	 * the BPF cookie; every attachment made is added to `set` (also on
	 * failure, so the caller can release them). Returns 0, or -errno
	 * with a diagnostic that says why and what to do.
	 */
	int (*attach)(struct attach_point *ap, struct bpf_program *prog,
		      unsigned long long cookie, struct attach_set *set,
		      struct diag_list *d);
	/* Can this kernel attach this type at all? Sets *why when not. */
	bool (*available)(const char **why);
	/*
	 * Can this kernel at least load (verify) programs of this type,
	 * where it cannot attach them? NULL: yes. Decides which of a type
	 * and its fallback `recipe check` verifies when neither attaches.
	 */
	bool (*loads)(void);
	/*
	 * Called for a group's program between open and load, with the
	 * group's first point, for types that name their target at load
	 * (fentry: the kernel function's BTF id). NULL: nothing to do.
	 * Returns 0, or -errno with a diagnostic at ap->at.
	 */
	int (*prepare)(struct attach_point *ap, struct bpf_program *prog,
		       struct diag_list *d);
	/*
	 * Every point gets a program of its own (fentry: a program is
	 * verified against one function), instead of sharing one with the
	 * points of the same record layout.
	 */
	bool one_program_per_point;
	/*
	 * Its links cannot carry a BPF cookie (tp_btf with libbpf 1.1): with
	 * one program per point, each program knows its point's index as a
	 * constant instead.
	 */
	bool no_cookie;
	/*
	 * C expression over the program's `ctx` that gives the point's index
	 * where the BPF cookie is taken by a library (usdt: libbpf keeps its
	 * spec id there and hands ours out through bpf_usdt_cookie(ctx)).
	 * NULL: bpf_get_attach_cookie(ctx).
	 */
	const char *cookie_expr;
	/*
	 * A template (under templates/) the program includes once when it
	 * has a group of this type, for helpers its fields or cookie_expr
	 * call (usdt: "include/usdt.bpf.h"). NULL: none.
	 */
	const char *runtime;
	/*
	 * How its FIELD_READER_ARG args are read: a function of its runtime,
	 * `__s64 NAME(void *ctx, __u32 index)` (usdt: "rcp_usdt_arg"). NULL:
	 * every arg is a member of the program's context.
	 */
	const char *arg_reader;
	void (*free_layout)(void *layout);
	/*
	 * List what can be probed: call cb with each "type:target" matching
	 * glob (fnmatch on the whole spec; NULL for all). 0 or -errno.
	 */
	int (*list)(const struct provider *p, const char *glob,
		    int (*cb)(const char *spec, void *ctx), void *ctx);
	/*
	 * Append one line per arg of ap, "    TYPE NAME\n", for `recipe
	 * probes -v`. NULL when the type has no args.
	 */
	int (*describe)(struct attach_point *ap, struct strbuf *out);
	/*
	 * Another type that takes the same targets and offers the same args
	 * (kprobe and fentry): used when this one cannot attach here.
	 */
	const char *fallback;
};

/*
 * Whether the kernel can attach p (p->available), through one indirect
 * call so unit tests can fake what a kernel offers.
 */
extern bool (*provider_available)(const struct provider *p, const char **why);

/*
 * Split "type:target" and find the provider (by name or alias).
 * Returns the provider and sets *target to the part after the first ':',
 * or NULL with a diagnostic listing the known types.
 */
const struct provider *provider_for_spec(const char *spec, const char **target,
					 const struct diag_at *at,
					 struct diag_list *d);
const struct provider *provider_find(const char *name);
/* All providers, NULL-terminated. */
extern const struct provider *const providers[];

void attach_point_release(struct attach_point *ap);

/*
 * After an attach failed with -EMFILE: raise the soft limit on open
 * files to the hard one (each tracepoint point holds a perf event and a
 * link, so 512 points need more than the usual soft 1024). True when it
 * was raised, and the attach is worth trying again.
 */
bool provider_more_fds(int err);
/* The same before the next open, when fd is the last the soft limit allows. */
void provider_fd_headroom(int fd);

/*
 * Attach points a recipe may have after expansion (its probes and its
 * start's together): bpftrace's default cap (BPFTRACE_MAX_PROBES), and
 * the most a recipe's `max_probes:` may raise it to. Checked right after
 * each probe spec is expanded, before any point's fields or programs.
 */
#define PROBES_DEFAULT_MAX 512u
#define PROBES_MAX_MAX (1u << 20)

/*
 * A set of attach points by identity (provider and target), to merge a
 * point listed twice: the same tracepoint cannot take one program twice
 * (the kernel answers EEXIST), and any other type would count its
 * events twice. Each entry keeps a caller's number (the spec it came
 * from).
 */
struct point_set {
	struct point_set_slot {
		const struct provider *provider;
		const char *target;	/* borrowed from the point */
		unsigned tag;
	} *slots;
	size_t n, cap;		/* cap: a power of two, or 0 */
};

#define POINT_SET_INIT { NULL, 0, 0 }

/*
 * Add ap (tagged `tag`) unless a point of the same provider and target
 * is in the set: then return false and set *tag_out to that one's tag.
 * The set borrows ap->target: keep the point alive while the set is.
 */
bool point_set_add(struct point_set *s, const struct attach_point *ap, unsigned tag,
		   unsigned *tag_out);
void point_set_release(struct point_set *s);

#endif
