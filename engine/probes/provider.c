/*
 * provider: the registry of probe types. Exact names and explicit
 * aliases (as bpftrace's PROBE_LIST), no prefix matching.
 */
#include "probes/provider.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "util/strbuf.h"

extern const struct provider provider_tracepoint, provider_profile,
	provider_interval, provider_software, provider_hardware;
extern const struct provider provider_kprobe, provider_kretprobe,
	provider_fentry, provider_fexit, provider_rawtracepoint;
extern const struct provider provider_uprobe, provider_uretprobe, provider_usdt;

const struct provider *const providers[] = {
	&provider_tracepoint,
	&provider_profile,
	&provider_interval,
	&provider_software,
	&provider_hardware,
	&provider_kprobe,
	&provider_kretprobe,
	&provider_fentry,
	&provider_fexit,
	&provider_rawtracepoint,
	&provider_uprobe,
	&provider_uretprobe,
	&provider_usdt,
	NULL,
};

static bool ask_provider(const struct provider *p, const char **why)
{
	return p->available(why);
}

bool (*provider_available)(const struct provider *p, const char **why) = ask_provider;

const struct provider *provider_find(const char *name)
{
	for (size_t i = 0; providers[i]; i++) {
		const struct provider *p = providers[i];

		if (!strcmp(p->name, name))
			return p;
		for (size_t j = 0; p->aliases && p->aliases[j]; j++)
			if (!strcmp(p->aliases[j], name))
				return p;
	}
	return NULL;
}

const struct provider *provider_for_spec(const char *spec, const char **target,
					 const struct diag_at *at,
					 struct diag_list *d)
{
	const char *colon = strchr(spec, ':');
	const struct provider *p = NULL;
	char *type;

	if (!colon) {
		diag_err(d, at, "probe '%s' has no type", spec);
		diag_hint(d, "write TYPE:TARGET, e.g. tracepoint:block:block_rq_issue");
		return NULL;
	}
	type = xstrndup(spec, (size_t)(colon - spec));
	p = provider_find(type);
	if (!p) {
		struct strbuf names = STRBUF_INIT;

		for (size_t i = 0; providers[i]; i++)
			strbuf_addf(&names, "%s%s", i ? ", " : "", providers[i]->name);
		diag_err(d, at, "unknown probe type '%s'", type);
		diag_hint(d, "probe types available: %s", strbuf_str(&names));
		strbuf_release(&names);
	} else {
		*target = colon + 1;
	}
	free(type);
	return p;
}

void attach_point_release(struct attach_point *ap)
{
	if (ap->layout && ap->provider->free_layout)
		ap->provider->free_layout(ap->layout);
	free(ap->target);
	free(ap->display);
	memset(ap, 0, sizeof(*ap));
}

void attach_set_add(struct attach_set *set, struct bpf_link *link, int perf_fd)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xrealloc(set->v, set->cap * sizeof(*set->v));
	}
	set->v[set->n++] = (struct attached){ .link = link, .perf_fd = perf_fd };
}

int provider_list_names(const struct provider *p, char **names, size_t n, int err,
			int (*cb)(const char *spec, void *ctx), void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		if (!err) {
			char *spec = xasprintf("%s:%s", p->name, names[i]);

			err = cb(spec, ctx);
			free(spec);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

/* FNV-1a over the provider's name and the target. */
static uint64_t point_hash(const struct provider *p, const char *target)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *s = p->name; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h = (h ^ ':') * 1099511628211ull;
	for (const char *s = target; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct point_set_slot *point_slot(struct point_set_slot *slots, size_t cap,
					 const struct provider *p, const char *target)
{
	size_t i = (size_t)point_hash(p, target) & (cap - 1);

	while (slots[i].target &&
	       (slots[i].provider != p || strcmp(slots[i].target, target)))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

bool point_set_add(struct point_set *s, const struct attach_point *ap, unsigned tag,
		   unsigned *tag_out)
{
	struct point_set_slot *slot;

	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct point_set_slot *slots = xcalloc(cap, sizeof(*slots));

		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i].target)
				*point_slot(slots, cap, s->slots[i].provider,
					    s->slots[i].target) = s->slots[i];
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	slot = point_slot(s->slots, s->cap, ap->provider, ap->target);
	if (slot->target) {
		*tag_out = slot->tag;
		return false;
	}
	*slot = (struct point_set_slot){ ap->provider, ap->target, tag };
	s->n++;
	return true;
}

void point_set_release(struct point_set *s)
{
	free(s->slots);
	*s = (struct point_set)POINT_SET_INIT;
}

bool provider_more_fds(int err)
{
	struct rlimit rl;

	if (err != -EMFILE || getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return false;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

void provider_fd_headroom(int fd)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)fd + 1 >= rl.rlim_cur)
		provider_more_fds(-EMFILE);
}
