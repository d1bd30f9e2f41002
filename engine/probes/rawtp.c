/*
 * rawtracepoint provider: "rawtracepoint:NAME" (alias "rt"), a kernel
 * tracepoint's raw arguments before any formatting, as bpftrace's
 * rawtracepoint. It attaches as tp_btf: BTF types the arguments (the
 * btf_trace_NAME typedef is the tracepoint's function prototype after a
 * leading void *), and the context is the u64 array of them, so
 * argument i is a field at 8*i, named argN and by its BTF name.
 *
 * A tp_btf program names its tracepoint at load (the prepare hook), so
 * each point has a program of its own. libbpf 1.1 cannot give a raw
 * tracepoint link a BPF cookie, so each program knows its point's index
 * as a constant (no_cookie). A glob makes one point per tracepoint.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "probes/kfunc_args.h"
#include "probes/provider.h"
#include "util/strbuf.h"
#include "util/text.h"

#define MAX_SLOTS 12

struct rt_layout {
	struct kfunc_proto *proto;
	char *names;
};

static const char *const aliases[] = { "rt", NULL };

static bool slot_offset(unsigned slot, unsigned *offset)
{
	*offset = 8 * slot;
	return slot < MAX_SLOTS;
}

static char *closest(const char *target)
{
	char **names = NULL;
	size_t n = 0;

	if (kfunc_rawtp_names("*", &names, &n))
		return NULL;
	return text_closest_take(target, names, n);
}

/* One raw tracepoint, typed from BTF, as a point. */
static int add_point(const struct provider *p, const char *target,
		     const struct diag_at *at, struct attach_point **pts,
		     size_t *n, struct diag_list *d)
{
	struct kfunc_proto *proto;
	struct attach_point *ap;
	int err = kfunc_proto_get(target, true, &proto);

	if (err == -ENOENT) {
		char *near = closest(target);

		diag_err(d, at, "no raw tracepoint '%s' in the kernel's BTF", target);
		if (near)
			diag_hint(d, "did you mean rawtracepoint:%s?", near);
		else
			diag_hint(d, "`recipe probes 'rawtracepoint:*'` lists them");
		free(near);
		return err;
	}
	if (err) {
		diag_err(d, at, "cannot read kernel BTF: %s", strerror(-err));
		diag_hint(d, "raw tracepoints need a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return err;
	}
	*pts = xrealloc(*pts, (*n + 1) * sizeof(**pts));
	ap = &(*pts)[(*n)++];
	memset(ap, 0, sizeof(*ap));
	ap->provider = p;
	ap->target = xstrdup(target);
	ap->display = xasprintf("%s:%s", p->name, target);
	ap->layout = xcalloc(1, sizeof(struct rt_layout));
	((struct rt_layout *)ap->layout)->proto = proto;
	return 0;
}

static int rt_expand(const struct provider *p, const char *target,
		     const struct diag_at *at, struct attach_point **pts,
		     size_t *n, struct diag_list *d)
{
	int err;

	if (!*target || strchr(target, ':')) {
		diag_err(d, at, "bad rawtracepoint probe '%s:%s'", p->name, target);
		diag_hint(d, "write rawtracepoint:NAME, without a subsystem, e.g. rawtracepoint:sched_switch "
			  "(globs allowed: rawtracepoint:sched_*)");
		return -EINVAL;
	}
	if (strpbrk(target, "*?[")) {
		char **names = NULL;
		size_t count = 0;

		err = kfunc_rawtp_names(target, &names, &count);
		if (!err && !count) {
			diag_err(d, at, "no raw tracepoint matches '%s'", target);
			diag_hint(d, "`recipe probes 'rawtracepoint:*'` lists them");
			err = -ENOENT;
		} else if (err) {
			diag_err(d, at, "cannot read kernel BTF: %s", strerror(-err));
		}
		for (size_t i = 0; i < count; i++) {
			if (!err)
				err = add_point(p, names[i], at, pts, n, d);
			free(names[i]);
		}
		free(names);
		return err;
	}
	return add_point(p, target, at, pts, n, d);
}

static struct rt_layout *layout_of(struct attach_point *ap)
{
	struct rt_layout *l = ap->layout;

	if (!l) {
		struct kfunc_proto *proto;

		if (kfunc_proto_get(ap->target, true, &proto))
			return NULL;
		l = xcalloc(1, sizeof(*l));
		l->proto = proto;
		ap->layout = l;
	}
	return l;
}

static int rt_field(struct attach_point *ap, const char *name,
		    struct field_info *out)
{
	struct rt_layout *l = layout_of(ap);

	return l ? kfunc_field(l->proto, name, slot_offset, NULL, out) : -ENOENT;
}

static const char *rt_field_names(struct attach_point *ap)
{
	struct rt_layout *l = layout_of(ap);

	if (!l)
		return NULL;
	if (!l->names) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; i < l->proto->nargs; i++) {
			strbuf_addf(&sb, "%s%s", i ? ", " : "", kfunc_arg_name((unsigned)i));
			if (l->proto->args[i].name[0])
				strbuf_addf(&sb, " (%s)", l->proto->args[i].name);
		}
		l->names = strbuf_detach(&sb);
	}
	return l->names;
}

static void rt_free_layout(void *layout)
{
	struct rt_layout *l = layout;

	kfunc_proto_free(l->proto);
	free(l->names);
	free(l);
}

static int rt_prepare(struct attach_point *ap, struct bpf_program *prog,
		      struct diag_list *d)
{
	int err = bpf_program__set_attach_target(prog, 0, ap->target);

	if (err)
		diag_err(d, &ap->at, "%s: cannot target the tracepoint: %s", ap->display,
			 strerror(-err));
	return err;
}

static int rt_attach(struct attach_point *ap, struct bpf_program *prog,
		     unsigned long long cookie, struct attach_set *set,
		     struct diag_list *d)
{
	struct bpf_link *link;
	int err;

	(void)cookie;	/* no_cookie: the program has its index built in */
	link = bpf_program__attach_trace(prog);
	err = libbpf_get_error(link);
	if (err) {
		diag_err(d, &ap->at, "%s: attach: %s", ap->display, strerror(-err));
		return err;
	}
	attach_set_add(set, link, -1);
	return 0;
}

static bool rt_available(const char **why)
{
	const struct btf *btf;

	if (!kfunc_btf(&btf))
		return true;
	*why = "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF) to type raw tracepoints";
	return false;
}

static int rt_list(const struct provider *p, const char *glob,
		   int (*cb)(const char *spec, void *ctx), void *ctx)
{
	char **names = NULL;
	size_t n = 0;
	int err = kfunc_rawtp_names(glob ? glob : "*", &names, &n);

	return provider_list_names(p, names, n, err, cb, ctx);
}

static int rt_describe(struct attach_point *ap, struct strbuf *out)
{
	struct rt_layout *l = layout_of(ap);

	if (!l)
		return -ENOENT;
	kfunc_describe(l->proto, false, out);
	return 0;
}

const struct provider provider_rawtracepoint = {
	.name = "rawtracepoint",
	.aliases = aliases,
	.summary = "a tracepoint's raw, BTF-typed arguments: rawtracepoint:sched_switch",
	.section = "tp_btf",
	.ctx_param = "void",
	.expand = rt_expand,
	.field = rt_field,
	.field_names = rt_field_names,
	.attach = rt_attach,
	.available = rt_available,
	.prepare = rt_prepare,
	.one_program_per_point = true,
	.no_cookie = true,
	.free_layout = rt_free_layout,
	.list = rt_list,
	.describe = rt_describe,
};
