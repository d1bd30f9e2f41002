/*
 * kfunc_args: BTF prototypes, traceable functions and fentry's
 * availability for the kernel-function probe types. See kfunc_args.h.
 *
 * The BTF is parsed once and indexed by name (functions and btf_trace_*
 * typedefs) because libbpf's lookup by name walks every type: a glob
 * over a hundred functions would walk the 150,000 types a hundred times.
 */
#include "probes/kfunc_args.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "probes/tracefs.h"
#include "symbols/ksyms.h"
#include "util/file.h"
#include "util/text.h"
#include "util/vmlinux.h"

#define RAWTP_PREFIX "btf_trace_"
#define MAX_ARG_NAMES 16

struct name_id {
	const char *name;	/* borrowed from the BTF */
	__u32 id;
};

struct name_index {
	struct name_id *v;
	size_t n, cap;
};

static struct btf *vmlinux;
static struct name_index funcs, rawtps;
static char **symbols;		/* traceable function names, sorted, unique */
static size_t nsymbols;
static bool symbols_loaded;

static int cmp_name_id(const void *a, const void *b)
{
	return strcmp(((const struct name_id *)a)->name, ((const struct name_id *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void index_add(struct name_index *ix, const char *name, __u32 id)
{
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 4096;
		ix->v = xrealloc(ix->v, ix->cap * sizeof(*ix->v));
	}
	ix->v[ix->n++] = (struct name_id){ name, id };
}

static int index_find(const struct name_index *ix, const char *name)
{
	struct name_id key = { name, 0 };
	const struct name_id *hit = bsearch(&key, ix->v, ix->n, sizeof(*ix->v), cmp_name_id);

	return hit ? (int)hit->id : -ENOENT;
}

int kfunc_btf(const struct btf **out)
{
	if (!vmlinux) {
		struct btf *btf = btf__parse(vmlinux_btf_path(), NULL);
		unsigned n;

		if (!btf)
			return -errno;
		n = btf__type_cnt(btf);
		for (unsigned id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);
			const char *name = btf__name_by_offset(btf, t->name_off);

			if (btf_is_func(t))
				index_add(&funcs, name, id);
			else if (btf_is_typedef(t) && !strncmp(name, RAWTP_PREFIX, strlen(RAWTP_PREFIX)))
				index_add(&rawtps, name + strlen(RAWTP_PREFIX), id);
		}
		qsort(funcs.v, funcs.n, sizeof(*funcs.v), cmp_name_id);
		qsort(rawtps.v, rawtps.n, sizeof(*rawtps.v), cmp_name_id);
		vmlinux = btf;
	}
	*out = vmlinux;
	return 0;
}

const char *kfunc_arg_name(unsigned i)
{
	static char names[MAX_ARG_NAMES][8];

	if (i >= MAX_ARG_NAMES)
		return NULL;
	if (!names[i][0])
		snprintf(names[i], sizeof(names[i]), "arg%u", i);
	return names[i];
}

static const struct btf_type *skip_mods(const struct btf *btf, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);

	while (t && *id && (btf_is_mod(t) || btf_is_typedef(t))) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

/* The C spelling of a type, enough for messages and `recipe probes -v`. */
static void type_text(const struct btf *btf, __u32 id, struct strbuf *out)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name;

	if (!id || !t) {
		strbuf_addstr(out, "void");
		return;
	}
	name = btf__name_by_offset(btf, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_PTR: {
		struct strbuf inner = STRBUF_INIT;
		const char *s;

		type_text(btf, t->type, &inner);
		s = strbuf_str(&inner);
		strbuf_addf(out, "%s%s*", s, s[strlen(s) - 1] == '*' ? "" : " ");
		strbuf_release(&inner);
		break;
	}
	case BTF_KIND_CONST:
		strbuf_addstr(out, "const ");
		type_text(btf, t->type, out);
		break;
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		type_text(btf, t->type, out);
		break;
	case BTF_KIND_STRUCT:
		strbuf_addf(out, "struct %s", *name ? name : "(anon)");
		break;
	case BTF_KIND_UNION:
		strbuf_addf(out, "union %s", *name ? name : "(anon)");
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		strbuf_addf(out, "enum %s", *name ? name : "(anon)");
		break;
	case BTF_KIND_FUNC_PROTO:
		strbuf_addstr(out, "void (*)(...)");
		break;
	case BTF_KIND_ARRAY:
		type_text(btf, btf_array(t)->type, out);
		strbuf_addf(out, "[%u]", btf_array(t)->nelems);
		break;
	default:
		strbuf_addstr(out, *name ? name : "?");
		break;
	}
}

/* Whether a pointer's target carries the __user tag clang puts in BTF. */
static bool user_pointer(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && id && btf_is_mod(t)) {
		if (btf_is_type_tag(t) && !strcmp(btf__name_by_offset(btf, t->name_off), "user"))
			return true;
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	return false;
}

static void classify(const struct btf *btf, __u32 type_id, const char *name,
		     unsigned slot, struct kfunc_arg *a)
{
	__u32 id = type_id;
	const struct btf_type *t = skip_mods(btf, &id);
	struct strbuf ctype = STRBUF_INIT;
	__s64 size = id ? btf__resolve_size(btf, id) : 0;

	type_text(btf, type_id, &ctype);
	a->name = xstrdup(name ? name : "");
	a->ctype = strbuf_detach(&ctype);
	a->kind = FIELD_OTHER;
	a->size = size > 0 ? (unsigned)size : 0;
	a->is_signed = false;
	a->user_ptr = false;
	a->slot = slot;
	a->nslots = a->size > 8 ? (a->size + 7) / 8 : 1;
	if (!t)
		return;
	if (btf_is_int(t) && (a->size == 1 || a->size == 2 || a->size == 4 || a->size == 8)) {
		a->kind = FIELD_INT;
		a->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
	} else if (btf_is_any_enum(t) && a->size <= 8) {
		a->kind = FIELD_INT;
		a->is_signed = btf_kflag(t);
	} else if (btf_is_ptr(t)) {
		a->kind = FIELD_PTR;
		a->size = 8;
		a->user_ptr = user_pointer(btf, t->type);
	}
}

static void arg_release(struct kfunc_arg *a)
{
	free(a->name);
	free(a->ctype);
}

void kfunc_proto_free(struct kfunc_proto *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nargs; i++)
		arg_release(&p->args[i]);
	/* Whatever has_ret says: a proto may drop a retval it was built with. */
	arg_release(&p->ret);
	free(p->args);
	free(p);
}

int kfunc_proto_get(const char *func, bool rawtp, struct kfunc_proto **out)
{
	const struct btf *btf;
	const struct btf_type *t;
	const struct btf_param *params;
	struct kfunc_proto *p;
	unsigned first = rawtp ? 1 : 0, slot = 0;
	int err = kfunc_btf(&btf), id;
	__u32 tid;

	if (err)
		return err;
	id = index_find(rawtp ? &rawtps : &funcs, func);
	if (id < 0)
		return -ENOENT;
	/* FUNC -> FUNC_PROTO; btf_trace_X typedef -> pointer -> FUNC_PROTO */
	tid = btf__type_by_id(btf, (__u32)id)->type;
	t = skip_mods(btf, &tid);
	if (t && btf_is_ptr(t)) {
		tid = t->type;
		t = skip_mods(btf, &tid);
	}
	if (!t || !btf_is_func_proto(t))
		return -ENOENT;
	p = xcalloc(1, sizeof(*p));
	params = btf_params(t);
	p->args = xcalloc(btf_vlen(t) + 1, sizeof(*p->args));
	for (unsigned i = first; i < btf_vlen(t); i++) {
		struct kfunc_arg *a;

		if (!params[i].type)	/* the "..." of a variadic function */
			break;
		a = &p->args[p->nargs++];
		classify(btf, params[i].type, btf__name_by_offset(btf, params[i].name_off), slot, a);
		slot += a->nslots;
	}
	p->nslots = slot;
	if (t->type) {
		p->has_ret = true;
		classify(btf, t->type, "retval", slot, &p->ret);
	}
	*out = p;
	return 0;
}

struct kfunc_proto *kfunc_proto_untyped(unsigned nargs, bool user)
{
	struct kfunc_proto *p = xcalloc(1, sizeof(*p));

	p->args = xcalloc(nargs, sizeof(*p->args));
	for (unsigned i = 0; i < nargs; i++)
		p->args[i] = (struct kfunc_arg){
			.name = xstrdup(""), .ctype = xstrdup("u64"), .kind = FIELD_INT,
			.size = 8, .slot = i, .nslots = 1, .user_ptr = user,
		};
	p->nargs = nargs;
	p->nslots = nargs;
	p->has_ret = true;
	p->ret = (struct kfunc_arg){
		.name = xstrdup("retval"), .ctype = xstrdup("long"), .kind = FIELD_INT,
		.size = 8, .is_signed = true, .slot = nargs, .nslots = 1, .user_ptr = user,
	};
	return p;
}

int kfunc_pt_regs_offset(const char *reg, unsigned *offset)
{
	const struct btf *btf;
	const struct btf_type *t;
	const struct btf_member *m;
	int err = kfunc_btf(&btf), id;

	if (err)
		return err;
	id = btf__find_by_name_kind(btf, "pt_regs", BTF_KIND_STRUCT);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, (__u32)id);
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), reg)) {
			*offset = btf_member_bit_offset(t, i) / 8;
			return 0;
		}
	return -ENOENT;
}

int kfunc_field(const struct kfunc_proto *p, const char *name,
		bool (*slot_offset)(unsigned slot, unsigned *offset),
		const struct kfunc_arg *ret, struct field_info *out)
{
	const struct kfunc_arg *a = NULL;
	const char *field_name = NULL;
	unsigned offset;

	for (size_t i = 0; i < p->nargs && !a; i++)
		if (!strcmp(name, kfunc_arg_name((unsigned)i) ?: "")) {
			a = &p->args[i];
			field_name = kfunc_arg_name((unsigned)i);
		}
	if (!a && ret && !strcmp(name, "retval")) {
		a = ret;
		field_name = "retval";
	}
	for (size_t i = 0; i < p->nargs && !a; i++)
		if (p->args[i].name[0] && !strcmp(name, p->args[i].name) && kfunc_arg_name((unsigned)i)) {
			a = &p->args[i];
			field_name = kfunc_arg_name((unsigned)i);
		}
	if (!a || !slot_offset(a->slot, &offset) ||
	    (a->nslots > 1 && !slot_offset(a->slot + a->nslots - 1, &offset)))
		return -ENOENT;
	slot_offset(a->slot, &offset);
	*out = (struct field_info){
		.name = field_name,
		.ctype = a->ctype,
		.kind = a->kind,
		.offset = offset,
		.size = a->size,
		.is_signed = a->is_signed,
		.user_ptr = a->user_ptr,
	};
	return 0;
}

void kfunc_describe(const struct kfunc_proto *p, bool with_ret, struct strbuf *out)
{
	for (size_t i = 0; i < p->nargs; i++)
		strbuf_addf(out, "    %s %s\n", p->args[i].ctype,
			    p->args[i].name[0] ? p->args[i].name : kfunc_arg_name((unsigned)i));
	if (with_ret && p->has_ret)
		strbuf_addf(out, "    %s retval\n", p->ret.ctype);
}

/* Sorted, unique names: each line's first word (available_filter_functions). */
static char **read_names(const char *text, size_t *n)
{
	char **v = NULL;
	size_t count = 0, cap = 0, out = 0;

	for (const char *line = text; *line;) {
		const char *nl = strchrnul(line, '\n');
		size_t len = strcspn(line, " \t\n");

		if (len) {
			if (count == cap) {
				cap = cap ? cap * 2 : 4096;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[count++] = xstrndup(line, len);
		}
		line = *nl ? nl + 1 : nl;
	}
	if (count)
		qsort(v, count, sizeof(*v), cmp_str);
	for (size_t i = 0; i < count; i++) {
		if (out && !strcmp(v[out - 1], v[i]))
			free(v[i]);
		else
			v[out++] = v[i];
	}
	*n = out;
	return v;
}

/* The kernel's functions, from kallsyms (engine/symbols/ksyms.h). */
struct function_list {
	uint64_t init_lo, init_hi;	/* init text, freed after boot */
	char **v;
	size_t n, cap;
};

static int add_function(const char *name, uint64_t addr, const char *module, void *ctx)
{
	struct function_list *fl = ctx;

	(void)module;
	/* compiler clones (name.cold, .isra) and patch-area prefixes are not functions */
	if (strchr(name, '.') || !strncmp(name, "__pfx_", 6) ||
	    (addr >= fl->init_lo && addr < fl->init_hi))
		return 0;
	if (fl->n == fl->cap) {
		fl->cap = fl->cap ? fl->cap * 2 : 4096;
		fl->v = xrealloc(fl->v, fl->cap * sizeof(*fl->v));
	}
	fl->v[fl->n++] = xstrdup(name);
	return 0;
}

/* Text symbols outside the init text, sorted and unique. */
static int kernel_functions(char ***names, size_t *n)
{
	struct function_list fl = { 0 };
	struct ksyms *ks;
	int err = ksyms_load(&ks);

	if (err)
		return err;
	if (ksyms_find(ks, "_sinittext", &fl.init_lo) || ksyms_find(ks, "_einittext", &fl.init_hi))
		fl.init_lo = fl.init_hi = 0;
	err = ksyms_foreach_match(ks, "*", add_function, &fl);
	ksyms_free(ks);
	*names = fl.v;
	*n = fl.n;
	return err;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int load_symbols(void)
{
	void *text;
	size_t len, nsyms, nfilter = 0;
	char **syms, **filter = NULL;
	const char *root = tracefs_root_peek();
	int err;

	if (symbols_loaded)
		return 0;
	err = kernel_functions(&syms, &nsyms);
	if (err)
		return err;
	if (!root && geteuid() == 0) {
		struct diag_list d = DIAG_LIST_INIT;

		tracefs_root(&root, &d);
		diag_list_release(&d);
	}
	if (root) {
		char *path = xasprintf("%s/available_filter_functions", root);

		if (!file_read(path, &text, &len)) {
			filter = read_names(text, &nfilter);
			free(text);
		}
		free(path);
	}
	if (filter) {
		size_t out = 0;

		for (size_t i = 0; i < nsyms; i++) {
			if (bsearch(&syms[i], filter, nfilter, sizeof(*filter), cmp_str))
				syms[out++] = syms[i];
			else
				free(syms[i]);
		}
		nsyms = out;
		free_names(filter, nfilter);
	}
	symbols = syms;
	nsymbols = nsyms;
	symbols_loaded = true;
	return 0;
}

int kfunc_functions(const char *glob, bool need_btf, char ***names, size_t *n)
{
	const struct btf *btf;
	char **v = NULL;
	size_t count = 0;
	int err = load_symbols();

	if (!err && need_btf)
		err = kfunc_btf(&btf);
	if (err)
		return err;
	for (size_t i = 0; i < nsymbols; i++) {
		if (fnmatch(glob, symbols[i], 0))
			continue;
		if (need_btf && index_find(&funcs, symbols[i]) < 0)
			continue;
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = xstrdup(symbols[i]);
	}
	*names = v;
	*n = count;
	return 0;
}

int kfunc_rawtp_names(const char *glob, char ***names, size_t *n)
{
	const struct btf *btf;
	char **v = NULL;
	size_t count = 0;
	int err = kfunc_btf(&btf);

	if (err)
		return err;
	for (size_t i = 0; i < rawtps.n; i++) {
		if (fnmatch(glob, rawtps.v[i].name, 0))
			continue;
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = xstrdup(rawtps.v[i].name);
	}
	*names = v;
	*n = count;
	return 0;
}

static char *closest_function(const char *target)
{
	const char *best;

	if (load_symbols())
		return NULL;
	best = text_closest(target, (const char *const *)symbols, nsymbols);
	return best ? xstrdup(best) : NULL;
}

/* Whether name looks like a slip of the keyboard for near (see kfunc_expand). */
static bool is_typo_of(const char *name, const char *near)
{
	size_t prefix = strcspn(name, "_");

	return near && text_distance(name, near) <= 1 &&
	       strcspn(near, "_") == prefix && !strncmp(name, near, prefix);
}

/* Whether a function matching glob is in the kernel at all, BTF or not. */
static bool kfunc_exists(const char *glob)
{
	char **names = NULL;
	size_t n = 0;

	if (kfunc_functions(glob, false, &names, &n))
		return false;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return n > 0;
}

int kfunc_expand(const struct provider *p, const char *target, bool need_btf,
		 const struct diag_at *at, struct attach_point **pts, size_t *n,
		 struct diag_list *d)
{
	char **names = NULL;
	size_t count = 0;
	int err;

	if (!*target || strchr(target, ':')) {
		diag_err(d, at, "bad %s probe '%s:%s'", p->name, p->name, target);
		diag_hint(d, "write %s:FUNCTION, e.g. %s:vfs_read (globs allowed: %s:vfs_*)",
			  p->name, p->name, p->name);
		return -EINVAL;
	}
	err = kfunc_functions(target, need_btf, &names, &count);
	if (err) {
		diag_err(d, at, "cannot list kernel functions (/proc/kallsyms%s): %s",
			 need_btf ? ", BTF" : "", strerror(-err));
		return err;
	}
	if (!count) {
		char *near = strpbrk(target, "*?[") ? NULL : closest_function(target);

		/*
		 * Nothing of that name, nor a typo of one (one edit away,
		 * in the same subsystem: the same prefix before the first
		 * '_', as vfs_reed of vfs_read): the code is not in this
		 * kernel (a driver, a module or a file system it lacks:
		 * nvme_*, scsi_*, ZFS's spa_sync, which is one edit from
		 * spi_sync), which is the machine, not the recipe. A name
		 * farther off is only a hint.
		 */
		if (!is_typo_of(target, near) && !(need_btf && kfunc_exists(target))) {
			diag_absent(d, at, "this kernel has no function %s '%s'",
				    strpbrk(target, "*?[") ? "matching" : "named", target);
			if (near)
				diag_hint(d, "did you mean %s:%s?", p->name, near);
			diag_hint(d, "it comes with the driver, module or file system that defines it; "
				  "`recipe probes '%s:*'` lists what this kernel has", p->name);
			free(near);
			free(names);
			return -ENODEV;
		}
		diag_err(d, at, "no traceable kernel function %s '%s'%s",
			 strpbrk(target, "*?[") ? "matches" : "is named", target,
			 need_btf ? " with a BTF prototype" : "");
		if (near)
			diag_hint(d, "did you mean %s:%s?", p->name, near);
		else
			diag_hint(d, "`recipe probes '%s:*'` lists the functions %s can trace",
				  p->name, p->name);
		free(near);
		free(names);
		return -ENOENT;
	}
	*pts = xrealloc(*pts, (*n + count) * sizeof(**pts));
	for (size_t i = 0; i < count; i++) {
		struct attach_point *ap = &(*pts)[(*n)++];

		memset(ap, 0, sizeof(*ap));
		ap->provider = p;
		ap->target = names[i];
		ap->display = xasprintf("%s:%s", p->name, names[i]);
	}
	free(names);
	return 0;
}

bool kfunc_fentry_works(bool *loads, const char **why)
{
	static int answer = -1;
	static bool answer_loads;
	static char reason[160];
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	if (answer < 0) {
		const struct btf *btf;
		int id = kfunc_btf(&btf) ? -ENOENT : index_find(&funcs, "vfs_read");

		answer = 0;
		if (id < 0) {
			snprintf(reason, sizeof(reason), "kernel BTF (%s) has no vfs_read to try fentry on",
				 vmlinux_btf_path());
		} else {
			LIBBPF_OPTS(bpf_prog_load_opts, opts,
				    .expected_attach_type = BPF_TRACE_FENTRY,
				    .attach_btf_id = (__u32)id);
			int prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "rcp_fentry_try", "GPL",
						 insns, 2, &opts);
			int err = prog < 0 ? -errno : 0, link;

			if (prog < 0) {
				snprintf(reason, sizeof(reason),
					 "%s (loading an fentry program: %s)",
					 err == -EPERM || err == -EACCES ? "function tracing is not permitted"
									 : "fentry programs do not load",
					 strerror(-err));
			} else {
				answer_loads = true;
				link = bpf_link_create(prog, 0, BPF_TRACE_FENTRY, NULL);
				if (link < 0)
					snprintf(reason, sizeof(reason),
						 "function tracing is not permitted (attaching an fentry program: %s)",
						 strerror(-link));
				else
					answer = 1;
				if (link >= 0)
					close(link);
				close(prog);
			}
		}
		if (!answer && geteuid() != 0)
			snprintf(reason, sizeof(reason), "fentry needs root (or CAP_BPF and CAP_PERFMON)");
	}
	if (loads)
		*loads = answer_loads;
	if (!answer && why)
		*why = reason;
	return answer;
}

int kfunc_cannot_attach(const struct attach_point *ap, struct diag_list *d)
{
	const struct provider *w = ap->written ? ap->written : ap->provider;
	const struct provider *fb = w->fallback ? provider_find(w->fallback) : NULL;
	const char *why_w = "it cannot attach here", *why_f = "it cannot attach here";
	bool ok_w = provider_available(w, &why_w);
	char *spec = xasprintf("%s:%s", w->name, ap->target);

	if (fb && !provider_available(fb, &why_f))
		diag_err(d, &ap->at, "%s cannot attach on this kernel: %s; its %s fallback cannot either: %s",
			 spec, ok_w ? "it failed" : why_w, fb->name, why_f);
	else
		diag_err(d, &ap->at, "%s cannot attach on this kernel: %s", spec, why_w);
	diag_hint(d, "kernel functions cannot be traced here: a tracepoint near the function may serve "
		  "(`recipe probes 'tracepoint:*'` lists them), or use a kernel with "
		  "CONFIG_KPROBES=y or fentry permitted");
	free(spec);
	return -EOPNOTSUPP;
}

void kfunc_cache_release(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
	free(funcs.v);
	free(rawtps.v);
	memset(&funcs, 0, sizeof(funcs));
	memset(&rawtps, 0, sizeof(rawtps));
	free_names(symbols, nsymbols);
	symbols = NULL;
	nsymbols = 0;
	symbols_loaded = false;
}

bool kfunc_pt_regs_arg_offset(unsigned slot, unsigned *offset)
{
	static const char *const regs[KFUNC_REG_ARGS] = { "di", "si", "dx", "cx", "r8", "r9" };

	if (slot == KFUNC_RET_SLOT)
		return !kfunc_pt_regs_offset("ax", offset);
	return slot < KFUNC_REG_ARGS && !kfunc_pt_regs_offset(regs[slot], offset);
}
