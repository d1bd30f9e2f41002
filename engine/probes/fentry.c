/*
 * fentry providers: "fentry:FUNC" (aliases "f", bpftrace's "kfunc") and
 * "fexit:FUNC" (aliases "fr", "kretfunc"), BPF trampolines at a kernel
 * function's entry and return; FUNC may be a glob over the traceable
 * functions BTF has a prototype for. The context is the u64 array the
 * trampoline fills, so argument i is a field at 8*i (a struct passed by
 * value may take two slots), typed and named by the BTF prototype and
 * also reachable as argN; fexit adds retval after the args.
 *
 * The verifier checks an fentry program against one function (its BTF
 * id is given at load), so every point gets its own program, told its
 * target by the prepare hook before the session loads the object.
 *
 * The fallback is kprobe/kretprobe, with the same targets and arg names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "probes/kfunc_args.h"
#include "probes/provider.h"
#include "util/strbuf.h"

/* MAX_BPF_FUNC_ARGS: what a trampoline passes. */
#define MAX_SLOTS 12

struct fe_layout {
	struct kfunc_proto *proto;
	char *names;
};

static const char *const fentry_aliases[] = { "f", "kfunc", NULL };
static const char *const fexit_aliases[] = { "fr", "kretfunc", NULL };

static bool is_exit(const struct provider *p)
{
	return !strcmp(p->name, "fexit");
}

/* fexit's retval sits in the slot after the args: at most MAX_SLOTS + 1. */
static bool slot_offset(unsigned slot, unsigned *offset)
{
	*offset = 8 * slot;
	return slot <= MAX_SLOTS;
}

static int load_layout(struct attach_point *ap, struct fe_layout **out)
{
	struct fe_layout *l = ap->layout;

	if (!l) {
		struct kfunc_proto *proto;
		int err = kfunc_proto_get(ap->target, false, &proto);

		if (err)
			return err;
		l = xcalloc(1, sizeof(*l));
		l->proto = proto;
		ap->layout = l;
	}
	*out = l;
	return 0;
}

static void fe_free_layout(void *layout)
{
	struct fe_layout *l = layout;

	kfunc_proto_free(l->proto);
	free(l->names);
	free(l);
}

static int fe_expand(const struct provider *p, const char *target,
		     const struct diag_at *at, struct attach_point **pts,
		     size_t *n, struct diag_list *d)
{
	return kfunc_expand(p, target, true, at, pts, n, d);
}

static int fe_field(struct attach_point *ap, const char *name,
		    struct field_info *out)
{
	struct fe_layout *l;
	int err = load_layout(ap, &l);

	if (err)
		return err;
	return kfunc_field(l->proto, name, slot_offset,
			   is_exit(ap->provider) && l->proto->has_ret ? &l->proto->ret : NULL,
			   out);
}

static const char *fe_field_names(struct attach_point *ap)
{
	struct fe_layout *l;

	if (load_layout(ap, &l))
		return NULL;
	if (!l->names) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; i < l->proto->nargs; i++) {
			strbuf_addf(&sb, "%s%s", i ? ", " : "", kfunc_arg_name((unsigned)i));
			if (l->proto->args[i].name[0])
				strbuf_addf(&sb, " (%s)", l->proto->args[i].name);
		}
		if (is_exit(ap->provider) && l->proto->has_ret)
			strbuf_addf(&sb, "%sretval", sb.len ? ", " : "");
		l->names = strbuf_detach(&sb);
	}
	return l->names;
}

static bool fe_loads(void)
{
	bool loads;

	kfunc_fentry_works(&loads, NULL);
	return loads;
}

static int fe_prepare(struct attach_point *ap, struct bpf_program *prog,
		      struct diag_list *d)
{
	int err;

	/* Where even the load is refused, say why once, as attach would. */
	if (!fe_loads())
		return kfunc_cannot_attach(ap, d);
	err = bpf_program__set_attach_target(prog, 0, ap->target);
	if (err)
		diag_err(d, &ap->at, "%s: cannot target the function: %s", ap->display,
			 strerror(-err));
	return err;
}

static int fe_attach(struct attach_point *ap, struct bpf_program *prog,
		     unsigned long long cookie, struct attach_set *set,
		     struct diag_list *d)
{
	LIBBPF_OPTS(bpf_trace_opts, opts, .cookie = cookie);
	const char *why;
	struct bpf_link *link;
	int err;

	if (!provider_available(ap->provider, &why))
		return kfunc_cannot_attach(ap, d);
	link = bpf_program__attach_trace_opts(prog, &opts);
	err = libbpf_get_error(link);
	if (err) {
		diag_err(d, &ap->at, "%s: attach: %s", ap->display, strerror(-err));
		return err;
	}
	attach_set_add(set, link, -1);
	return 0;
}

static bool fe_available(const char **why)
{
	return kfunc_fentry_works(NULL, why);
}

static int fe_list(const struct provider *p, const char *glob,
		   int (*cb)(const char *spec, void *ctx), void *ctx)
{
	char **names = NULL;
	size_t n = 0;
	int err = kfunc_functions(glob ? glob : "*", true, &names, &n);

	return provider_list_names(p, names, n, err, cb, ctx);
}

static int fe_describe(struct attach_point *ap, struct strbuf *out)
{
	struct fe_layout *l;
	int err = load_layout(ap, &l);

	if (err)
		return err;
	kfunc_describe(l->proto, is_exit(ap->provider), out);
	return 0;
}

#define FENTRY_PROVIDER(NAME, ALIASES, SUMMARY, FALLBACK)	\
	{							\
		.name = NAME,					\
		.aliases = ALIASES,				\
		.summary = SUMMARY,				\
		.section = NAME,				\
		.ctx_param = "void",				\
		.expand = fe_expand,				\
		.field = fe_field,				\
		.field_names = fe_field_names,			\
		.attach = fe_attach,				\
		.available = fe_available,			\
		.loads = fe_loads,				\
		.prepare = fe_prepare,				\
		.one_program_per_point = true,			\
		.no_cookie = true, /* reading a cookie needs 5.19 */ \
		.free_layout = fe_free_layout,			\
		.list = fe_list,				\
		.describe = fe_describe,			\
		.fallback = FALLBACK,				\
	}

const struct provider provider_fentry = FENTRY_PROVIDER("fentry", fentry_aliases,
	"kernel function entry through a BPF trampoline, BTF-typed args: fentry:vfs_read",
	"kprobe");
const struct provider provider_fexit = FENTRY_PROVIDER("fexit", fexit_aliases,
	"kernel function return through a BPF trampoline, args and retval: fexit:vfs_read",
	"kretprobe");
