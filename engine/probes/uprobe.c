/*
 * uprobe providers: "uprobe:BINARY:FUNC" (alias "u") at a user function's
 * entry and "uretprobe:BINARY:FUNC" (alias "ur") at its return, in every
 * process that maps the file. BINARY is a path, a library name ("libc",
 * "libc.so.6") or a program on $PATH, resolved by symbols/libpath; FUNC
 * is a function symbol or a glob over them, each match one attach point.
 * The kernel attaches a uprobe at a file offset, which symbols/elfsyms
 * computes from the symbol's address through the PT_LOAD headers (right
 * for ET_EXEC, PIE and shared libraries alike).
 *
 * The context is struct pt_regs, as for kprobes: arg0..arg5 are the
 * argument registers of the x86-64 calling convention (di, si, dx, cx,
 * r8, r9) as u64, and a uretprobe's retval is ax, at offsets from the
 * kernel's BTF (probes/kfunc_args). User code has no BTF to type them.
 * All points of one binary share a program; the BPF cookie (the point's
 * index) tells them apart.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probes/kfunc_args.h"
#include "probes/provider.h"
#include "symbols/elfsyms.h"
#include "symbols/libpath.h"
#include "util/strbuf.h"
#include "util/text.h"

#define UPROBE_PMU_TYPE "/sys/bus/event_source/devices/uprobe/type"

struct up_layout {
	char *path;		/* the resolved file */
	uint64_t offset;	/* file offset of the function */
	struct kfunc_proto *proto;
	char *names;
};

static const char *const uprobe_aliases[] = { "u", NULL };
static const char *const uretprobe_aliases[] = { "ur", NULL };

static bool is_ret(const struct provider *p)
{
	return !strcmp(p->name, "uretprobe");
}

static void up_free_layout(void *layout)
{
	struct up_layout *l = layout;

	free(l->path);
	kfunc_proto_free(l->proto);
	free(l->names);
	free(l);
}

/* The args of a point: six untyped registers, or only retval for a uretprobe. */
static struct kfunc_proto *make_proto(bool ret)
{
	struct kfunc_proto *p = kfunc_proto_untyped(ret ? 0 : KFUNC_REG_ARGS, true);

	p->has_ret = ret;
	p->ret.slot = KFUNC_RET_SLOT;
	return p;
}

/*
 * Split "BINARY:FUNC" at the last ':' (a path may hold one, a symbol
 * does not). 0, or -EINVAL when either part is empty.
 */
static int split_target(const char *target, char **binary, const char **func)
{
	const char *colon = strrchr(target, ':');

	if (!colon || colon == target || !colon[1])
		return -EINVAL;
	*binary = xstrndup(target, (size_t)(colon - target));
	*func = colon + 1;
	return 0;
}

/*
 * The file BINARY names, or -errno with a diagnostic at `at` (which may
 * be NULL when listing).
 */
static int resolve_binary(const struct provider *p, const char *binary,
			  const struct diag_at *at, char **path, struct diag_list *d)
{
	int err = libpath_resolve(binary, path);

	if (!err)
		return 0;
	if (err == -ENOENT) {
		diag_err(d, at, "%s: no file, library or program '%s'", p->name, binary);
		diag_hint(d, "name a file by its path (/usr/bin/bash, ./a.out), a library "
			  "by its name (libc, libc.so.6) or a program on $PATH (bash)");
	} else {
		diag_err(d, at, "%s: cannot find '%s': %s", p->name, binary, strerror(-err));
	}
	return err;
}

static int load_symbols(const struct provider *p, const char *path,
			const struct diag_at *at, struct elfsyms **out,
			struct diag_list *d)
{
	int err = elfsyms_load(path, out);

	if (err == -ENOEXEC) {
		diag_err(d, at, "%s: %s is not an ELF file", p->name, path);
		diag_hint(d, "a uprobe attaches to an executable or a shared library");
	} else if (err) {
		diag_err(d, at, "%s: cannot read %s: %s", p->name, path, strerror(-err));
	} else if (!elfsyms_count(*out)) {
		diag_err(d, at, "%s: %s has no function symbols (it is stripped)", p->name, path);
		diag_hint(d, "install its debug symbols (a -dbgsym package puts them under "
			  "/usr/lib/debug/.build-id), or probe its USDT probes: "
			  "`recipe probes 'usdt:%s:*'`", path);
		elfsyms_free(*out);
		*out = NULL;
		err = -ENOENT;
	}
	return err;
}

struct matches {
	const struct elfsyms *syms;
	char **names;
	uint64_t *offsets;
	size_t n;
	int err;
};

static int collect(const struct elfsym *sym, void *ctx)
{
	struct matches *m = ctx;
	uint64_t off;

	/* a symbol outside any file-backed segment has nothing to probe */
	if (elfsyms_vaddr_to_offset(m->syms, sym->addr, &off))
		return 0;
	m->names = xrealloc(m->names, (m->n + 1) * sizeof(*m->names));
	m->offsets = xrealloc(m->offsets, (m->n + 1) * sizeof(*m->offsets));
	m->names[m->n] = xstrdup(sym->name);
	m->offsets[m->n++] = off;
	return 0;
}

static void not_found(const struct provider *p, const struct elfsyms *s,
		      const char *path, const char *func, const struct diag_at *at,
		      struct diag_list *d)
{
	bool glob = strpbrk(func, "*?[");
	const char *near = NULL;

	diag_err(d, at, "%s: no function in %s %s '%s'", p->name, path,
		 glob ? "matches" : "is named", func);
	if (!glob) {
		size_t n = elfsyms_count(s);
		const char **words = xcalloc(n ? n : 1, sizeof(*words));

		for (size_t i = 0; i < n; i++)
			words[i] = elfsyms_at(s, i)->name;
		near = text_closest(func, (const char *const *)words, n);
		if (near)
			diag_hint(d, "did you mean %s:%s:%s?", p->name, path, near);
		free(words);
	}
	if (!near)
		diag_hint(d, "`recipe probes '%s:%s:*'` lists its functions", p->name, path);
}

static int up_expand(const struct provider *p, const char *target,
		     const struct diag_at *at, struct attach_point **pts,
		     size_t *n, struct diag_list *d)
{
	struct matches m = { 0 };
	struct elfsyms *syms = NULL;
	char *binary = NULL, *path = NULL;
	const char *func;
	int err;

	if (split_target(target, &binary, &func)) {
		diag_err(d, at, "bad %s probe '%s:%s'", p->name, p->name, target);
		diag_hint(d, "write %s:BINARY:FUNCTION, e.g. %s:libc:malloc or %s:/usr/bin/bash:readline "
			  "(globs allowed in FUNCTION)", p->name, p->name, p->name);
		return -EINVAL;
	}
	err = resolve_binary(p, binary, at, &path, d);
	if (!err)
		err = load_symbols(p, path, at, &syms, d);
	if (!err) {
		m.syms = syms;
		err = elfsyms_foreach_match(syms, func, collect, &m);
	}
	if (!err && !m.n) {
		not_found(p, syms, path, func, at, d);
		err = -ENOENT;
	}
	if (!err) {
		*pts = xrealloc(*pts, (*n + m.n) * sizeof(**pts));
		for (size_t i = 0; i < m.n; i++) {
			struct attach_point *ap = &(*pts)[(*n)++];
			struct up_layout *l = xcalloc(1, sizeof(*l));

			l->path = xstrdup(path);
			l->offset = m.offsets[i];
			l->proto = make_proto(is_ret(p));
			memset(ap, 0, sizeof(*ap));
			ap->provider = p;
			ap->target = xasprintf("%s:%s", path, m.names[i]);
			ap->display = xasprintf("%s:%s:%s", p->name, path, m.names[i]);
			ap->layout = l;
		}
	}
	for (size_t i = 0; i < m.n; i++)
		free(m.names[i]);
	free(m.names);
	free(m.offsets);
	elfsyms_free(syms);
	free(path);
	free(binary);
	return err;
}

static int up_field(struct attach_point *ap, const char *name,
		    struct field_info *out)
{
	struct up_layout *l = ap->layout;

	return kfunc_field(l->proto, name, kfunc_pt_regs_arg_offset,
			   l->proto->has_ret ? &l->proto->ret : NULL, out);
}

static const char *up_field_names(struct attach_point *ap)
{
	struct up_layout *l = ap->layout;

	if (!l->names) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; i < l->proto->nargs; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", kfunc_arg_name((unsigned)i));
		if (l->proto->has_ret)
			strbuf_addf(&sb, "%sretval", sb.len ? ", " : "");
		l->names = strbuf_detach(&sb);
	}
	return l->names;
}

static int up_attach(struct attach_point *ap, struct bpf_program *prog,
		     unsigned long long cookie, struct attach_set *set,
		     struct diag_list *d)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = cookie,
		    .retprobe = is_ret(ap->provider));
	struct up_layout *l = ap->layout;
	struct bpf_link *link;
	const char *why;
	int err;

	if (!provider_available(ap->provider, &why)) {
		diag_err(d, &ap->at, "%s: %s", ap->display, why);
		return -EOPNOTSUPP;
	}
	/* pid -1: every process that maps the file; libbpf owns the perf event */
	link = bpf_program__attach_uprobe_opts(prog, -1, l->path, (size_t)l->offset, &opts);
	err = libbpf_get_error(link);
	if (err) {
		diag_err(d, &ap->at, "%s: attach: %s", ap->display, strerror(-err));
		if (err == -EINVAL)
			diag_hint(d, "the offset %#llx may not be an instruction boundary of %s",
				  (unsigned long long)l->offset, l->path);
		return err;
	}
	attach_set_add(set, link, -1);
	return 0;
}

static bool up_available(const char **why)
{
	if (!access(UPROBE_PMU_TYPE, F_OK))
		return true;
	*why = "uprobes are not available (no uprobe PMU in /sys/bus/event_source/devices: "
	       "the kernel is built without CONFIG_UPROBE_EVENTS)";
	return false;
}

struct list_ctx {
	const struct provider *p;
	const char *path;
	int (*cb)(const char *spec, void *ctx);
	void *ctx;
};

static int list_one(const struct elfsym *sym, void *ctx)
{
	struct list_ctx *lc = ctx;
	char *spec = xasprintf("%s:%s:%s", lc->p->name, lc->path, sym->name);
	int err = lc->cb(spec, lc->ctx);

	free(spec);
	return err;
}

/*
 * The functions of one binary: glob is "BINARY:FUNC_GLOB". Without a
 * binary there is nothing to list (every file on the system could be
 * probed).
 */
static int up_list(const struct provider *p, const char *glob,
		   int (*cb)(const char *spec, void *ctx), void *ctx)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct list_ctx lc = { .p = p, .cb = cb, .ctx = ctx };
	struct elfsyms *syms = NULL;
	char *binary = NULL, *path = NULL;
	const char *func;
	int err;

	if (!glob || split_target(glob, &binary, &func))
		return 0;
	err = resolve_binary(p, binary, NULL, &path, &d);
	if (!err)
		err = load_symbols(p, path, NULL, &syms, &d);
	if (!err) {
		lc.path = path;
		err = elfsyms_foreach_match(syms, func, list_one, &lc);
	}
	elfsyms_free(syms);
	free(path);
	free(binary);
	diag_list_release(&d);
	return err;
}

static int up_describe(struct attach_point *ap, struct strbuf *out)
{
	struct up_layout *l = ap->layout;

	kfunc_describe(l->proto, true, out);
	return 0;
}

#define UPROBE_PROVIDER(NAME, ALIASES, SUMMARY)		\
	{							\
		.name = NAME,					\
		.aliases = ALIASES,				\
		.summary = SUMMARY,				\
		.section = NAME,				\
		.ctx_param = "void",				\
		.expand = up_expand,				\
		.field = up_field,				\
		.field_names = up_field_names,			\
		.attach = up_attach,				\
		.available = up_available,			\
		.free_layout = up_free_layout,			\
		.list = up_list,				\
		.describe = up_describe,			\
	}

const struct provider provider_uprobe = UPROBE_PROVIDER("uprobe", uprobe_aliases,
	"user function entry, args from registers: uprobe:libc:malloc, uprobe:/usr/bin/bash:read*");
const struct provider provider_uretprobe = UPROBE_PROVIDER("uretprobe", uretprobe_aliases,
	"user function return, retval: uretprobe:libc:malloc");
