/*
 * kprobe providers: "kprobe:FUNC" (alias "k") at a kernel function's
 * entry and "kretprobe:FUNC" (alias "kr") at its return; FUNC may be a
 * glob over the traceable functions. The program's context is the
 * kernel's struct pt_regs, so an argument is a field at the offset of
 * the register the x86-64 calling convention passes it in (di, si, dx,
 * cx, r8, r9; offsets from BTF), and retval is ax. BTF's prototype of
 * the function types the args (an int is read as the low bytes of its
 * register) and names them; a function BTF does not know offers
 * arg0..arg5 as u64 and a long retval. All points of one layout share a
 * program; the BPF cookie tells them apart.
 *
 * Their fallback is fentry/fexit (same targets, same arg names): where
 * kprobes are missing (CONFIG_KPROBES off: no kprobe PMU), the plan uses
 * those instead, and where neither attaches the attach step says so once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probes/kfunc_args.h"
#include "probes/provider.h"
#include "util/strbuf.h"

#define KPROBE_PMU_TYPE "/sys/bus/event_source/devices/kprobe/type"

struct kp_layout {
	struct kfunc_proto *proto;	/* args (none for kretprobe) */
	struct kfunc_proto *typed;	/* the function's own, for describe */
	struct kfunc_arg ret;		/* retval, at KFUNC_RET_SLOT */
	bool has_ret;
	char *names;
};

static const char *const kprobe_aliases[] = { "k", NULL };
static const char *const kretprobe_aliases[] = { "kr", NULL };

static bool is_ret(const struct provider *p)
{
	return !strcmp(p->name, "kretprobe");
}

static int load_layout(struct attach_point *ap, struct kp_layout **out)
{
	struct kp_layout *l = ap->layout;

	if (!l) {
		struct kfunc_proto *proto;

		if (kfunc_proto_get(ap->target, false, &proto))
			proto = kfunc_proto_untyped(KFUNC_REG_ARGS, false);
		l = xcalloc(1, sizeof(*l));
		l->typed = proto;
		if (is_ret(ap->provider)) {
			l->proto = xcalloc(1, sizeof(*l->proto));
			l->has_ret = proto->has_ret;
			l->ret = proto->ret;
			l->ret.slot = KFUNC_RET_SLOT;
		} else {
			l->proto = proto;
		}
		ap->layout = l;
	}
	*out = l;
	return 0;
}

static void kp_free_layout(void *layout)
{
	struct kp_layout *l = layout;

	if (l->proto != l->typed)
		kfunc_proto_free(l->proto);
	kfunc_proto_free(l->typed);
	free(l->names);
	free(l);
}

static int kp_expand(const struct provider *p, const char *target,
		     const struct diag_at *at, struct attach_point **pts,
		     size_t *n, struct diag_list *d)
{
	return kfunc_expand(p, target, false, at, pts, n, d);
}

static int kp_field(struct attach_point *ap, const char *name,
		    struct field_info *out)
{
	struct kp_layout *l;
	int err = load_layout(ap, &l);

	if (err)
		return err;
	return kfunc_field(l->proto, name, kfunc_pt_regs_arg_offset, l->has_ret ? &l->ret : NULL, out);
}

static const char *kp_field_names(struct attach_point *ap)
{
	struct kp_layout *l;

	if (load_layout(ap, &l))
		return NULL;
	if (!l->names) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; i < l->proto->nargs; i++) {
			unsigned off;

			if (!kfunc_pt_regs_arg_offset(l->proto->args[i].slot, &off))
				break;
			strbuf_addf(&sb, "%s%s", i ? ", " : "", kfunc_arg_name((unsigned)i));
			if (l->proto->args[i].name[0])
				strbuf_addf(&sb, " (%s)", l->proto->args[i].name);
		}
		if (l->has_ret)
			strbuf_addf(&sb, "%sretval", sb.len ? ", " : "");
		l->names = strbuf_detach(&sb);
	}
	return l->names;
}

static int kp_attach(struct attach_point *ap, struct bpf_program *prog,
		     unsigned long long cookie, struct attach_set *set,
		     struct diag_list *d)
{
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = cookie,
		    .retprobe = is_ret(ap->provider));
	const char *why;
	struct bpf_link *link;
	int err;

	if (!provider_available(ap->provider, &why))
		return kfunc_cannot_attach(ap, d);
	/* libbpf owns the perf event: the session stops it by destroying the link */
	link = bpf_program__attach_kprobe_opts(prog, ap->target, &opts);
	err = libbpf_get_error(link);
	if (err) {
		diag_err(d, &ap->at, "%s: attach: %s", ap->display, strerror(-err));
		if (err == -ENOENT || err == -EINVAL)
			diag_hint(d, "the function may be inlined or not traceable: "
				  "`recipe probes '%s:*'` lists what can be", ap->provider->name);
		return err;
	}
	attach_set_add(set, link, -1);
	return 0;
}

static bool kp_available(const char **why)
{
	if (!access(KPROBE_PMU_TYPE, F_OK))
		return true;
	*why = "kprobes are not available (no kprobe PMU in /sys/bus/event_source/devices: "
	       "the kernel is built without CONFIG_KPROBES)";
	return false;
}

static int kp_list(const struct provider *p, const char *glob,
		   int (*cb)(const char *spec, void *ctx), void *ctx)
{
	char **names = NULL;
	size_t n = 0;
	int err = kfunc_functions(glob ? glob : "*", false, &names, &n);

	return provider_list_names(p, names, n, err, cb, ctx);
}

static int kp_describe(struct attach_point *ap, struct strbuf *out)
{
	struct kp_layout *l;
	int err = load_layout(ap, &l);

	if (err)
		return err;
	if (is_ret(ap->provider)) {
		if (l->has_ret)
			strbuf_addf(out, "    %s retval\n", l->ret.ctype);
	} else {
		kfunc_describe(l->proto, false, out);
	}
	return 0;
}

#define KPROBE_PROVIDER(NAME, ALIASES, SUMMARY, FALLBACK)	\
	{							\
		.name = NAME,					\
		.aliases = ALIASES,				\
		.summary = SUMMARY,				\
		.section = NAME,				\
		.ctx_param = "void",				\
		.expand = kp_expand,				\
		.field = kp_field,				\
		.field_names = kp_field_names,			\
		.attach = kp_attach,				\
		.available = kp_available,			\
		.free_layout = kp_free_layout,			\
		.list = kp_list,				\
		.describe = kp_describe,			\
		.fallback = FALLBACK,				\
	}

const struct provider provider_kprobe = KPROBE_PROVIDER("kprobe", kprobe_aliases,
	"kernel function entry, args from registers: kprobe:vfs_read, kprobe:vfs_*",
	"fentry");
const struct provider provider_kretprobe = KPROBE_PROVIDER("kretprobe", kretprobe_aliases,
	"kernel function return, retval: kretprobe:vfs_read",
	"fexit");
