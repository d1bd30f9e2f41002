/* object: render, cache lookup, compile on a miss, store. See object.h. */
#include "compile/object.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf-gen/gen.h"
#include "compile/cache.h"
#include "compile/clang.h"
#include "util/file.h"
#include "util/vmlinux.h"

static int source_of(const struct plan *p, const struct gen_unit *u,
		     struct strbuf *out, struct diag_list *d)
{
	struct strbuf types = STRBUF_INIT;
	char *name = xasprintf("%s.bpf.c", p->name);
	int err = gen_types(u, &types, d);

	if (!err)
		gen_assemble(u, strbuf_str(&types), name, out);
	strbuf_release(&types);
	free(name);
	return err;
}

int object_source(const struct plan *p, struct strbuf *out, struct diag_list *d)
{
	struct gen_unit u;
	int err = gen_render(p, &u, d);

	if (err)
		return err;
	err = source_of(p, &u, out, d);
	gen_unit_release(&u);
	return err;
}

/*
 * The kernel types come from the running kernel's BTF. Reading its 5.5
 * MB to hash it costs 35-80 ms, more than the rest of a warm start, so
 * the kernel is identified by its GNU build id (/sys/kernel/notes, a
 * few hundred bytes) and the BTF's size instead: the same build keeps
 * its objects across reboots, and any other build misses. A BTF file
 * given by RECIPE_VMLINUX_BTF is identified by its file identity.
 */
static int add_kernel_identity(struct cache_key *k, struct diag_list *d)
{
	const char *btf_path = vmlinux_btf_path();
	struct stat st;
	void *notes;
	size_t len;
	int err;

	if (stat(btf_path, &st)) {
		err = -errno;
		diag_err(d, NULL, "cannot read kernel BTF from %s: %s", btf_path,
			 strerror(-err));
		diag_hint(d, "recipe needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return err;
	}
	if (strcmp(btf_path, "/sys/kernel/btf/vmlinux"))
		return cache_key_add_file_id(k, "btf-file", btf_path);
	cache_key_add(k, "btf-size", &st.st_size, sizeof(st.st_size));
	err = file_read("/sys/kernel/notes", &notes, &len);
	if (err) {
		struct utsname u;

		/* No build id: the release and build stamp are the next best. */
		uname(&u);
		cache_key_addstr(k, "kernel-release", u.release);
		cache_key_addstr(k, "kernel-version", u.version);
		return 0;
	}
	cache_key_add(k, "kernel-notes", notes, len);
	free(notes);
	return 0;
}

static int key_of(const struct gen_unit *u, struct cache_key *k,
		  struct diag_list *d)
{
	int err;

	cache_key_init(k);
	cache_key_addstr(k, "engine", RECIPE_VERSION);
	cache_key_addstr(k, "body", strbuf_str(&u->body));
	for (size_t i = 0; u->btf_types[i]; i++)
		cache_key_addstr(k, "type", u->btf_types[i]);
	for (size_t i = 0; u->btf_enum_consts[i]; i++)
		cache_key_addstr(k, "enum-const", u->btf_enum_consts[i]);
	err = add_kernel_identity(k, d);
	if (err)
		return err;
	err = clang_identity(k);
	if (err) {
		diag_err(d, NULL, "clang not found");
		diag_hint(d, "%s", clang_problem());
	}
	return err;
}

/*
 * The environment variables that change what root executes or loads.
 * Each is honoured (root may mean it), but said once per build, since
 * an environment kept by sudo or a service file is easy to miss.
 */
static const struct {
	const char *name;
	const char *what;
} root_env[] = {
	{ "RECIPE_CLANG", "the compiler root runs" },
	{ "RECIPE_CACHE_DIR", "where root loads compiled objects from" },
	{ "XDG_CACHE_HOME", "where root loads compiled objects from" },
	{ "RECIPE_PATH", "where recipes come from" },
	{ "RECIPE_TEMPLATES", "the C templates compiled and loaded" },
	{ "RECIPE_VMLINUX_BTF", "the kernel types compiled in" },
	{ "CPATH", "the headers clang includes" },
	{ "C_INCLUDE_PATH", "the headers clang includes" },
	{ "CCC_OVERRIDE_OPTIONS", "clang's options (it may load plugins)" },
};

void object_warn_root_env(struct diag_list *d)
{
	if (geteuid() != 0)
		return;
	for (size_t i = 0; i < sizeof(root_env) / sizeof(root_env[0]); i++) {
		const char *v = getenv(root_env[i].name);

		if (v && *v)
			diag_add(d, DIAG_WARNING, NULL, "running as root with %s=%s: it sets %s",
				 root_env[i].name, v, root_env[i].what);
	}
}

int object_build(const struct plan *p, struct object *out, struct diag_list *d)
{
	struct gen_unit u;
	struct cache_key k;
	struct strbuf src = STRBUF_INIT;
	char *dir = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	err = gen_render(p, &u, d);
	if (err)
		return err;
	err = key_of(&u, &k, d) ?: cache_dir(&dir, d);
	if (err)
		goto out;
	cache_key_hex(&k, out->key);
	if (!cache_get(dir, out->key, &out->data, &out->len, d)) {
		out->from_cache = true;
		goto out;
	}
	err = source_of(p, &u, &src, d);
	if (!err)
		err = clang_compile(strbuf_str(&src), src.len, dir, &out->data,
				    &out->len, d);
	if (!err) {
		/* A failed store only costs the next run a compile. */
		cache_put(dir, out->key, CACHE_SRC_SUFFIX, src.buf, src.len);
		cache_put_object(dir, out->key, out->data, out->len);
	}
out:
	strbuf_release(&src);
	gen_unit_release(&u);
	free(dir);
	return err;
}

void object_release(struct object *o)
{
	free(o->data);
	o->data = NULL;
}
