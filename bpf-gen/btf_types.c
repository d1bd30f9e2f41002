/* btf_types: dump the kernel types a generated program needs from BTF. */
#include "bpf-gen/btf_types.h"
#include "util/vmlinux.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	strbuf_vaddf(ctx, fmt, args);
}

static int find_enum_with(const struct btf *btf, const char *constant)
{
	unsigned n = btf__type_cnt(btf);

	for (unsigned id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (unsigned i = 0; i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(btf, e[i].name_off), constant))
				return (int)id;
	}
	return -ENOENT;
}

int btf_types_emit(const char *const *types, const char *const *enum_consts,
		   struct strbuf *out, struct diag_list *d)
{
	const char *path = vmlinux_btf_path();
	struct btf *btf = btf__parse(path, NULL);
	struct btf_dump *dump;
	int err = 0;

	if (!btf) {
		err = -errno;
		diag_err(d, NULL, "cannot read kernel BTF from %s: %s", path, strerror(-err));
		diag_hint(d, "recipe needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return err;
	}
	dump = btf_dump__new(btf, dump_printf, out, NULL);
	if (!dump) {
		err = -errno;
		btf__free(btf);
		return diag_err(d, NULL, "cannot dump kernel BTF: %s", strerror(-err));
	}
	strbuf_addstr(out, "/* Kernel types, from the running kernel's BTF. */\n");
	for (size_t i = 0; types[i] && !err; i++) {
		int id = btf__find_by_name(btf, types[i]);

		if (id < 0)
			err = diag_err(d, NULL, "kernel BTF has no type '%s'", types[i]);
		else
			err = btf_dump__dump_type(dump, (__u32)id);
	}
	for (size_t i = 0; enum_consts[i] && !err; i++) {
		int id = find_enum_with(btf, enum_consts[i]);

		if (id < 0)
			err = diag_err(d, NULL, "kernel BTF defines no '%s'", enum_consts[i]);
		else
			err = btf_dump__dump_type(dump, (__u32)id);
	}
	strbuf_addch(out, '\n');
	btf_dump__free(dump);
	btf__free(btf);
	return err;
}
