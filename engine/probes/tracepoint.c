/*
 * tracepoint provider: "tracepoint:SYS:NAME" (alias "t"), globs allowed
 * in both parts. Points come from tracefs; fields from each point's
 * format file, loaded only when an expression asks for args; attaching
 * opens a tracepoint perf event ourselves (rather than letting libbpf do
 * it) so the session keeps the perf fd and can disable every event in
 * about a millisecond at stop, long before the slow release.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probes/provider.h"
#include "probes/tracefs.h"
#include "util/file.h"
#include "util/strbuf.h"
#include "util/text.h"

struct tp_layout {
	struct tp_format *fmt;
	char *names;
};

static const char *const aliases[] = { "t", NULL };

/*
 * Every attachable tracepoint, listed once per process for did-you-mean
 * hints (a recipe with many misspelt probes must not list tracefs's 2,300
 * events once for each), by subsystem. The list is sorted, so each
 * subsystem's events ("sys:" and more) are together.
 */
struct tp_sub {
	char *name;
	size_t first, count;	/* its events in tps.events */
};

static struct {
	bool loaded;
	char **names;		/* "sys:event", sorted */
	const char **events;	/* the part after ':' of each */
	size_t n;
	struct tp_sub *subs;	/* sorted by name */
	const char **sub_names;	/* the same order, for text_closest */
	size_t nsubs;
} tps;

static int cmp_sub(const void *a, const void *b)
{
	return strcmp(((const struct tp_sub *)a)->name, ((const struct tp_sub *)b)->name);
}

static void load_all(void)
{
	size_t cap;

	if (tps.loaded || tracefs_glob("*:*", &tps.names, &tps.n))
		return;
	tps.loaded = true;
	cap = tps.n ? tps.n : 1;
	tps.events = xcalloc(cap, sizeof(*tps.events));
	tps.subs = xcalloc(cap, sizeof(*tps.subs));
	tps.sub_names = xcalloc(cap, sizeof(*tps.sub_names));
	for (size_t i = 0; i < tps.n; i++) {
		size_t l = strcspn(tps.names[i], ":");
		struct tp_sub *last = tps.nsubs ? &tps.subs[tps.nsubs - 1] : NULL;

		tps.events[i] = tps.names[i] + l + (tps.names[i][l] == ':');
		if (!last || strlen(last->name) != l || strncmp(last->name, tps.names[i], l)) {
			last = &tps.subs[tps.nsubs++];
			last->name = xstrndup(tps.names[i], l);
			last->first = i;
		}
		last->count++;
	}
	/* "a-b:x" sorts before "a:y", but "a" before "a-b": sort the names themselves */
	qsort(tps.subs, tps.nsubs, sizeof(*tps.subs), cmp_sub);
	for (size_t i = 0; i < tps.nsubs; i++)
		tps.sub_names[i] = tps.subs[i].name;
}

static const struct tp_sub *find_sub(const char *name)
{
	struct tp_sub key = { .name = (char *)name };

	return tps.nsubs ? bsearch(&key, tps.subs, tps.nsubs, sizeof(*tps.subs), cmp_sub) : NULL;
}

/*
 * The closest existing tracepoint, for a did-you-mean hint: the closest
 * event of the same subsystem or, when there is no such subsystem, of
 * the closest one. A few dozen names to compare with instead of every
 * event keeps a miss cheap (issue 11: 2 ms each before).
 */
static char *closest(const char *target)
{
	const char *colon = strchr(target, ':'), *best;
	char *sys = xstrndup(target, (size_t)(colon - target)), *found = NULL;
	const struct tp_sub *sub;

	load_all();
	sub = find_sub(sys);
	if (!sub) {
		best = text_closest(sys, tps.sub_names, tps.nsubs);
		sub = best ? find_sub(best) : NULL;
	}
	free(sys);
	if (!sub)
		return NULL;
	best = text_closest(colon + 1, tps.events + sub->first, sub->count);
	if (best)
		found = xasprintf("%s:%s", sub->name, best);
	return found;
}

/*
 * Whether target's subsystem is absent from this kernel rather than
 * misspelt: it is a plain name, no tracepoint has it, and no tracepoint
 * that does exist is close to the whole target (near, from closest()).
 * A kernel without SCSI has no scsi:* tracepoints at all; that is the
 * machine, not the recipe.
 */
static bool subsystem_absent(const char *target, const char *near)
{
	char *sys = xstrndup(target, strcspn(target, ":"));
	bool absent;

	load_all();
	absent = !near && !strpbrk(sys, "*?[") && !find_sub(sys);
	free(sys);
	return absent;
}

static int tp_expand(const struct provider *p, const char *target,
		     const struct diag_at *at, struct attach_point **pts,
		     size_t *n, struct diag_list *d)
{
	const char *root;
	char **names = NULL;
	size_t count = 0;
	int err;

	err = tracefs_root(&root, d);
	if (err)
		return err;
	if (!strchr(target, ':')) {
		diag_err(d, at, "tracepoint '%s' needs a subsystem", target);
		diag_hint(d, "write tracepoint:SUBSYSTEM:EVENT, e.g. tracepoint:block:block_rq_issue");
		return -EINVAL;
	}
	err = tracefs_glob(target, &names, &count);
	if (err == -EACCES || err == -EPERM) {
		diag_err(d, at, "listing tracepoints needs root (%s is root-only)", root);
		diag_hint(d, "sudo recipe ...");
		return err;
	}
	if (err) {
		diag_err(d, at, "cannot list tracepoints under %s/events: %s", root,
			 strerror(-err));
		return err;
	}
	if (!count && !strpbrk(target, "*?[\\")) {
		const char *colon = strchr(target, ':');
		char *sys = xstrndup(target, (size_t)(colon - target));
		bool listed = tracefs_event_listed(sys, colon + 1);

		free(sys);
		if (listed) {
			diag_err(d, at, "%s is one of ftrace's own events, which BPF cannot attach to",
				 target);
			diag_hint(d, "ftrace:* describe the ftrace ring buffer's records and are no "
				  "tracepoints (tracefs's available_events leaves them out too)");
			free(names);
			return -ENOENT;
		}
	}
	if (!count) {
		char *near = closest(target);

		if (subsystem_absent(target, near)) {
			diag_absent(d, at, "this kernel has no %.*s tracepoints ('%s')",
				    (int)strcspn(target, ":"), target, target);
			diag_hint(d, "they come with the driver, module or file system that defines them; "
				  "`recipe probes 'tracepoint:*'` lists what this kernel has");
			free(names);
			return -ENODEV;
		}
		diag_err(d, at, "no tracepoint matches '%s'", target);
		if (near)
			diag_hint(d, "did you mean tracepoint:%s?", near);
		else
			diag_hint(d, "ls %s/events shows the subsystems and their tracepoints", root);
		free(near);
		free(names);
		return -ENOENT;
	}
	*pts = xrealloc(*pts, (*n + count) * sizeof(**pts));
	for (size_t i = 0; i < count; i++) {
		struct attach_point *ap = &(*pts)[(*n)++];

		ap->provider = p;
		ap->target = names[i];
		ap->display = xasprintf("%s:%s", p->name, names[i]);
		ap->layout = NULL;
	}
	free(names);
	return 0;
}

static int load_layout(struct attach_point *ap, struct tp_layout **out)
{
	struct tp_layout *l = ap->layout;

	if (!l) {
		const char *colon = strchr(ap->target, ':');
		char *sys = xstrndup(ap->target, (size_t)(colon - ap->target));
		struct tp_format *fmt;
		int err = tracefs_format(sys, colon + 1, &fmt);

		free(sys);
		if (err)
			return err;
		l = xcalloc(1, sizeof(*l));
		l->fmt = fmt;
		ap->layout = l;
	}
	*out = l;
	return 0;
}

static int tp_field(struct attach_point *ap, const char *name,
		    struct field_info *out)
{
	struct tp_layout *l;
	const struct field_info *f;
	int err = load_layout(ap, &l);

	if (err)
		return err;
	f = tp_format_field(l->fmt, name);
	if (!f)
		return -ENOENT;
	*out = *f;
	return 0;
}

static const char *tp_field_names(struct attach_point *ap)
{
	struct tp_layout *l;

	if (load_layout(ap, &l))
		return NULL;
	if (!l->names) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; i < l->fmt->nfields; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", l->fmt->fields[i].name);
		l->names = strbuf_detach(&sb);
	}
	return l->names;
}

static void tp_free_layout(void *layout)
{
	struct tp_layout *l = layout;

	tp_format_free(l->fmt);
	free(l->names);
	free(l);
}

static int read_id(const char *root, const char *target, unsigned *id)
{
	const char *colon = strchr(target, ':');
	char *path = xasprintf("%s/events/%.*s/%s/id", root, (int)(colon - target),
			       target, colon + 1);
	void *text;
	size_t len;
	int err = file_read(path, &text, &len);

	free(path);
	if (err)
		return err;
	*id = (unsigned)strtoul(text, NULL, 10);
	free(text);
	return 0;
}

static int tp_attach(struct attach_point *ap, struct bpf_program *prog,
		     unsigned long long cookie, struct attach_set *set,
		     struct diag_list *d)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = cookie);
	/*
	 * A counting event, as libbpf opens one: the program runs on every
	 * hit either way, and a sampling event is refused (EPERM, even to
	 * root) where sampling could feed itself: irq_vectors:irq_work_exit
	 * (TRACE_EVENT_PERF_PERM in arch/x86/include/asm/trace/irq_vectors.h).
	 */
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
	};
	const char *root;
	struct bpf_link *link;
	unsigned id = 0;
	int pfd, err;

	err = tracefs_root(&root, d);
	if (err)
		return err;
	err = read_id(root, ap->target, &id);
	if (err) {
		diag_err(d, &ap->at, "%s: cannot read its id: %s", ap->display, strerror(-err));
		return err;
	}
	attr.config = id;
	do
		pfd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1,
				   PERF_FLAG_FD_CLOEXEC);
	while (pfd < 0 && provider_more_fds(-errno));
	if (pfd < 0) {
		err = -errno;
		diag_err(d, &ap->at, "%s: perf_event_open: %s", ap->display, strerror(-err));
		if (err == -EACCES || err == -EPERM)
			diag_hint(d, "run as root (or with CAP_PERFMON and CAP_BPF)");
		else if (err == -EMFILE)
			diag_hint(d, "each tracepoint holds two open files: raise the hard limit "
				  "(ulimit -Hn) or attach fewer points");
		return err;
	}
	/* the link is one more fd: make room now rather than have libbpf log a failure */
	provider_fd_headroom(pfd);
	do
		link = bpf_program__attach_perf_event_opts(prog, pfd, &opts);
	while ((err = libbpf_get_error(link)) && provider_more_fds(err));
	if (err) {
		close(pfd);
		diag_err(d, &ap->at, "%s: attach: %s", ap->display, strerror(-err));
		if (err == -EMFILE)
			diag_hint(d, "each tracepoint holds two open files: raise the hard limit "
				  "(ulimit -Hn) or attach fewer points");
		return err;
	}
	attach_set_add(set, link, pfd);
	return 0;
}

static bool tp_available(const char **why)
{
	if (tracefs_root_peek() || geteuid() == 0)
		return true;
	*why = "tracefs is not mounted (run as root to mount it)";
	return false;
}

static int tp_list(const struct provider *p, const char *glob,
		   int (*cb)(const char *spec, void *ctx), void *ctx)
{
	char **names = NULL;
	size_t n = 0;
	/* "tracepoint:sched*" means any subsystem's events matching it, as bpftrace */
	char *full = glob && !strchr(glob, ':') ? xasprintf("*:%s", glob) : NULL;
	int err = tracefs_glob(full ? full : glob ? glob : "*:*", &names, &n);

	free(full);
	if (glob && !strchr(glob, ':') && !err) {
		/* keep events whose "sys:name" matches, or whose subsystem does */
		size_t kept = 0;

		for (size_t i = 0; i < n; i++) {
			char *colon = strchr(names[i], ':');
			bool match = !fnmatch(glob, names[i], 0) || !fnmatch(glob, colon + 1, 0);

			if (!match) {
				*colon = '\0';
				match = !fnmatch(glob, names[i], 0);
				*colon = ':';
			}
			if (match)
				names[kept++] = names[i];
			else
				free(names[i]);
		}
		n = kept;
	}

	return provider_list_names(p, names, n, err, cb, ctx);
}

static int tp_describe(struct attach_point *ap, struct strbuf *out)
{
	struct tp_layout *l;
	int err = load_layout(ap, &l);

	if (err)
		return err;
	for (size_t i = 0; i < l->fmt->nfields; i++)
		strbuf_addf(out, "    %s %s\n", l->fmt->fields[i].ctype, l->fmt->fields[i].name);
	return 0;
}

const struct provider provider_tracepoint = {
	.name = "tracepoint",
	.aliases = aliases,
	.summary = "kernel static tracepoints (tracefs events/SYS/NAME)",
	.section = "tracepoint",
	.ctx_param = "void",
	.expand = tp_expand,
	.field = tp_field,
	.field_names = tp_field_names,
	.attach = tp_attach,
	.available = tp_available,
	.free_layout = tp_free_layout,
	.list = tp_list,
	.describe = tp_describe,
};
