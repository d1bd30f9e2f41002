/*
 * usdt provider: "usdt:BINARY:PROVIDER:NAME" (alias "U"), a USDT
 * (SystemTap SDT) probe compiled into a program or library, in every
 * process that maps the file. BINARY is resolved as for uprobes
 * (symbols/libpath); PROVIDER and NAME may be globs, each matching
 * probe one attach point ("usdt:BINARY:NAME" means any provider). The
 * probes come from the file's .note.stapsdt notes (symbols/usdt_notes).
 *
 * libbpf attaches a probe (all its sites, each with its own argument
 * spec) and the program reads argument i with bpf_usdt_arg() from
 * <bpf/usdt.bpf.h>: the operand differs per site ("-4@%edi", "8@-8(%rbp)"),
 * so args are not members of the context but fields of kind
 * FIELD_READER_ARG, always a signed 64-bit integer. libbpf keeps its spec
 * id in the BPF cookie, so the point's index travels as the USDT cookie
 * and the program reads it with bpf_usdt_cookie().
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probes/kfunc_args.h"
#include "probes/provider.h"
#include "symbols/libpath.h"
#include "symbols/usdt_notes.h"
#include "util/strbuf.h"
#include "util/text.h"

#define UPROBE_PMU_TYPE "/sys/bus/event_source/devices/uprobe/type"
/* libbpf's USDT_MAX_ARG_CNT: more arguments than this are not read. */
#define MAX_ARGS 12

struct usdt_layout {
	char *path;
	char *provider;
	char *name;
	unsigned nargs;		/* the most any site has */
	char *names;
};

static const char *const usdt_aliases[] = { "U", NULL };

static void usdt_free_layout(void *layout)
{
	struct usdt_layout *l = layout;

	free(l->path);
	free(l->provider);
	free(l->name);
	free(l->names);
	free(l);
}

/* "-4@%edi 8@%rax" has two arguments. */
static unsigned count_args(const char *args)
{
	unsigned n = 0;

	for (const char *s = args; *s;) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		n++;
		while (*s && *s != ' ')
			s++;
	}
	return n < MAX_ARGS ? n : MAX_ARGS;
}

/*
 * Split "BINARY:PROVIDER:NAME" (or "BINARY:NAME", any provider) at its
 * first ':'. 0, or -EINVAL when a part is empty.
 */
static int split_target(const char *target, char **binary, char **provider,
			char **name)
{
	const char *c1 = strchr(target, ':'), *c2;

	if (!c1 || c1 == target || !c1[1])
		return -EINVAL;
	c2 = strchr(c1 + 1, ':');
	if (c2 && (c2 == c1 + 1 || !c2[1] || strchr(c2 + 1, ':')))
		return -EINVAL;
	*binary = xstrndup(target, (size_t)(c1 - target));
	*provider = c2 ? xstrndup(c1 + 1, (size_t)(c2 - c1 - 1)) : xstrdup("*");
	*name = xstrdup(c2 ? c2 + 1 : c1 + 1);
	return 0;
}

static int read_notes(const struct provider *p, const char *binary,
		      const struct diag_at *at, char **path,
		      struct usdt_notes *notes, struct diag_list *d)
{
	int err = libpath_resolve(binary, path);

	if (err == -ENOENT) {
		diag_err(d, at, "%s: no file, library or program '%s'", p->name, binary);
		diag_hint(d, "name a file by its path (/usr/bin/python3, ./a.out), a library "
			  "by its name (libc, libc.so.6) or a program on $PATH (python3)");
		return err;
	}
	if (err)
		return diag_err(d, at, "%s: cannot find '%s': %s", p->name, binary, strerror(-err));
	err = usdt_notes_read(*path, notes);
	if (err == -ENOEXEC) {
		diag_err(d, at, "%s: %s is not an ELF file", p->name, *path);
		diag_hint(d, "USDT probes live in executables and shared libraries");
	} else if (err) {
		diag_err(d, at, "%s: cannot read the USDT notes of %s: %s", p->name, *path,
			 strerror(-err));
	}
	return err;
}

/* The index of the first probe before i with the same provider and name, or i. */
static size_t first_of(const struct usdt_notes *notes, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(notes->v[j].provider, notes->v[i].provider) &&
		    !strcmp(notes->v[j].name, notes->v[i].name))
			return j;
	return i;
}

static unsigned most_args(const struct usdt_notes *notes, size_t first)
{
	unsigned n = 0;

	for (size_t j = first; j < notes->n; j++)
		if (!strcmp(notes->v[j].provider, notes->v[first].provider) &&
		    !strcmp(notes->v[j].name, notes->v[first].name) &&
		    count_args(notes->v[j].args) > n)
			n = count_args(notes->v[j].args);
	return n;
}

static void not_found(const struct provider *p, const struct usdt_notes *notes,
		      const char *path, const char *prov, const char *name,
		      const struct diag_at *at, struct diag_list *d)
{
	const char *near = NULL;
	char *want = xasprintf("%s:%s", prov, name);
	char **specs = xcalloc(notes->n ? notes->n : 1, sizeof(*specs));
	bool has_provider = false;

	for (size_t i = 0; i < notes->n; i++) {
		specs[i] = xasprintf("%s:%s", notes->v[i].provider, notes->v[i].name);
		has_provider = has_provider || !fnmatch(prov, notes->v[i].provider, 0);
	}
	if (!strpbrk(want, "*?["))
		near = text_closest(want, (const char *const *)specs, notes->n);
	/*
	 * No probe of that provider, and none close: this build of the
	 * program has no such probes (Debian's glibc is built without its
	 * libc:* ones), which is the machine, not the recipe.
	 */
	if (!has_provider && !near)
		diag_absent(d, at, "%s: %s has no USDT probes of provider '%s' (this build has none)",
			    p->name, path, prov);
	else
		diag_err(d, at, "%s: no USDT probe in %s matches '%s'", p->name, path, want);
	if (near)
		diag_hint(d, "did you mean %s:%s:%s?", p->name, path, near);
	else if (notes->n)
		diag_hint(d, "`recipe probes '%s:%s:*'` lists its probes", p->name, path);
	else
		diag_hint(d, "%s has no USDT probes (no .note.stapsdt section)", path);
	for (size_t i = 0; i < notes->n; i++)
		free(specs[i]);
	free(specs);
	free(want);
}

static int usdt_expand(const struct provider *p, const char *target,
		       const struct diag_at *at, struct attach_point **pts,
		       size_t *n, struct diag_list *d)
{
	struct usdt_notes notes = { 0 };
	char *binary, *prov, *name, *path = NULL;
	size_t found = 0;
	int err;

	if (split_target(target, &binary, &prov, &name)) {
		diag_err(d, at, "bad %s probe '%s:%s'", p->name, p->name, target);
		diag_hint(d, "write %s:BINARY:PROVIDER:NAME, e.g. %s:libc:libc:setjmp "
			  "(globs allowed in PROVIDER and NAME)", p->name, p->name);
		return -EINVAL;
	}
	err = read_notes(p, binary, at, &path, &notes, d);
	for (size_t i = 0; !err && i < notes.n; i++) {
		const struct usdt_probe *u = &notes.v[i];
		struct attach_point *ap;
		struct usdt_layout *l;

		if (!usdt_probe_matches(u, prov, name) || first_of(&notes, i) != i)
			continue;
		l = xcalloc(1, sizeof(*l));
		l->path = xstrdup(path);
		l->provider = xstrdup(u->provider);
		l->name = xstrdup(u->name);
		l->nargs = most_args(&notes, i);
		*pts = xrealloc(*pts, (*n + 1) * sizeof(**pts));
		ap = &(*pts)[(*n)++];
		memset(ap, 0, sizeof(*ap));
		ap->provider = p;
		ap->target = xasprintf("%s:%s:%s", path, u->provider, u->name);
		ap->display = xasprintf("%s:%s:%s:%s", p->name, path, u->provider, u->name);
		ap->layout = l;
		found++;
	}
	if (!err && !found) {
		not_found(p, &notes, path, prov, name, at, d);
		err = -ENOENT;
	}
	usdt_notes_release(&notes);
	free(path);
	free(binary);
	free(prov);
	free(name);
	return err;
}

static int usdt_field(struct attach_point *ap, const char *name,
		      struct field_info *out)
{
	struct usdt_layout *l = ap->layout;

	for (unsigned i = 0; i < l->nargs; i++)
		if (!strcmp(name, kfunc_arg_name(i))) {
			*out = (struct field_info){
				.name = kfunc_arg_name(i),
				.ctype = "long",
				.kind = FIELD_READER_ARG,
				.offset = i,
				.size = 8,
				.is_signed = true,
				.user_ptr = true,
			};
			return 0;
		}
	return -ENOENT;
}

static const char *usdt_field_names(struct attach_point *ap)
{
	struct usdt_layout *l = ap->layout;

	if (!l->names) {
		struct strbuf sb = STRBUF_INIT;

		for (unsigned i = 0; i < l->nargs; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", kfunc_arg_name(i));
		l->names = strbuf_detach(&sb);
	}
	return l->names;
}

static int usdt_attach(struct attach_point *ap, struct bpf_program *prog,
		       unsigned long long cookie, struct attach_set *set,
		       struct diag_list *d)
{
	LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = cookie);
	struct usdt_layout *l = ap->layout;
	struct bpf_link *link;
	const char *why;
	int err;

	if (!provider_available(ap->provider, &why)) {
		diag_err(d, &ap->at, "%s: %s", ap->display, why);
		return -EOPNOTSUPP;
	}
	/* pid -1: every process that maps the file; one uprobe per site */
	link = bpf_program__attach_usdt(prog, -1, l->path, l->provider, l->name, &opts);
	err = libbpf_get_error(link);
	if (err) {
		diag_err(d, &ap->at, "%s: attach: %s", ap->display, strerror(-err));
		if (err == -E2BIG || err == -ENOSPC)
			diag_hint(d, "libbpf's USDT runtime holds 256 probe sites per program: "
				  "narrow the PROVIDER and NAME globs");
		return err;
	}
	attach_set_add(set, link, -1);
	return 0;
}

static bool usdt_available(const char **why)
{
	if (!access(UPROBE_PMU_TYPE, F_OK))
		return true;
	*why = "USDT probes need uprobes (no uprobe PMU in /sys/bus/event_source/devices: "
	       "the kernel is built without CONFIG_UPROBE_EVENTS)";
	return false;
}

/* The probes of one binary: glob is "BINARY:PROVIDER:NAME" or "BINARY:NAME". */
static int usdt_list(const struct provider *p, const char *glob,
		     int (*cb)(const char *spec, void *ctx), void *ctx)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct usdt_notes notes = { 0 };
	char *binary, *prov, *name, *path = NULL;
	int err;

	if (!glob || split_target(glob, &binary, &prov, &name))
		return 0;
	err = read_notes(p, binary, NULL, &path, &notes, &d);
	for (size_t i = 0; !err && i < notes.n; i++) {
		const struct usdt_probe *u = &notes.v[i];

		if (usdt_probe_matches(u, prov, name) && first_of(&notes, i) == i) {
			char *spec = xasprintf("%s:%s:%s:%s", p->name, path, u->provider, u->name);

			err = cb(spec, ctx);
			free(spec);
		}
	}
	usdt_notes_release(&notes);
	diag_list_release(&d);
	free(path);
	free(binary);
	free(prov);
	free(name);
	return err;
}

static int usdt_describe(struct attach_point *ap, struct strbuf *out)
{
	struct usdt_layout *l = ap->layout;

	for (unsigned i = 0; i < l->nargs; i++)
		strbuf_addf(out, "    long %s\n", kfunc_arg_name(i));
	return 0;
}

const struct provider provider_usdt = {
	.name = "usdt",
	.aliases = usdt_aliases,
	.summary = "user-space static probe (USDT), args by position: usdt:/usr/bin/python3:python:function__entry",
	.section = "usdt",
	.ctx_param = "void",
	.expand = usdt_expand,
	.field = usdt_field,
	.field_names = usdt_field_names,
	.attach = usdt_attach,
	.available = usdt_available,
	.free_layout = usdt_free_layout,
	.list = usdt_list,
	.describe = usdt_describe,
	.cookie_expr = "bpf_usdt_cookie(ctx)",
	.runtime = "include/usdt.bpf.h",
	.arg_reader = "rcp_usdt_arg",
};
