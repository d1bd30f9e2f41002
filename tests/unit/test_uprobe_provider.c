/*
 * test_uprobe_provider: the uprobe, uretprobe and usdt providers against this
 * test binary itself, which carries two functions to probe and two USDT
 * probes: target syntax, symbol resolution to file offsets, the fields
 * each type offers, listing, the errors (bad target, missing binary,
 * misspelt symbol or probe, with did-you-mean), and the C bpf-gen
 * renders for them. As root, a usdt recipe is also compiled and loaded
 * into the verifier, with libbpf's USDT maps in the object.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit.h"

#include "check/plan.h"
#include "compile/object.h"
#include "bpf-gen/gen.h"
#include "load/recipe.h"
#include "probes/kfunc_args.h"
#include "probes/provider.h"
#include "run/session.h"
#include "symbols/elfsyms.h"

static char self[PATH_MAX];
static char cache_dir[] = "/tmp/test_uprobe_provider.XXXXXX";
static const struct diag_at at = { "t.yaml", 3, 7 };

/* What the probes look at; never called. */
__attribute__((noinline, used)) long unit_target_one(long a)
{
	__asm__ volatile("" : "+r"(a));
	return a + 1;
}

__attribute__((noinline, used)) long unit_target_two(long a, long b)
{
	STAP_PROBE2(rcpunit, ping, a, b);
	STAP_PROBE(rcpunit, pong);
	__asm__ volatile("" : "+r"(a));
	return a + b;
}

struct expansion {
	struct attach_point *pts;
	size_t n;
	struct diag_list d;
	int err;
};

static void expand(struct expansion *x, const char *type, const char *fmt, ...)
{
	const struct provider *p = provider_find(type);
	struct strbuf target = STRBUF_INIT;
	va_list ap;

	assert_non_null(p);
	va_start(ap, fmt);
	strbuf_vaddf(&target, fmt, ap);
	va_end(ap);
	memset(x, 0, sizeof(*x));
	x->err = p->expand(p, strbuf_str(&target), &at, &x->pts, &x->n, &x->d);
	strbuf_release(&target);
}

static void release(struct expansion *x)
{
	for (size_t i = 0; i < x->n; i++)
		attach_point_release(&x->pts[i]);
	free(x->pts);
	diag_list_release(&x->d);
}

/* One error, at the probe, whose message and hint contain these. */
static void one_error(const struct expansion *x, int err, const char *msg, const char *hint)
{
	assert_int_equal(x->err, err);
	assert_int_equal(x->n, 0);
	assert_int_equal(x->d.n, 1);
	assert_int_equal(x->d.v[0].line, 3);
	assert_int_equal(x->d.v[0].col, 7);
	if (!strstr(x->d.v[0].msg, msg))
		fail_msg("message '%s' lacks '%s'", x->d.v[0].msg, msg);
	if (hint && (!x->d.v[0].hint || !strstr(x->d.v[0].hint, hint)))
		fail_msg("hint '%s' lacks '%s'", x->d.v[0].hint ? x->d.v[0].hint : "(none)", hint);
}

static unsigned regs_offset(const char *reg)
{
	unsigned off = 0;

	assert_int_equal(kfunc_pt_regs_offset(reg, &off), 0);
	return off;
}

static void test_aliases_and_flags(void **state)
{
	(void)state;
	assert_ptr_equal(provider_find("u"), provider_find("uprobe"));
	assert_ptr_equal(provider_find("ur"), provider_find("uretprobe"));
	assert_ptr_equal(provider_find("U"), provider_find("usdt"));
	assert_string_equal(provider_find("uprobe")->section, "uprobe");
	assert_string_equal(provider_find("uretprobe")->section, "uretprobe");
	assert_string_equal(provider_find("usdt")->section, "usdt");
	/* libbpf keeps its spec id in a USDT link's BPF cookie */
	assert_null(provider_find("uprobe")->cookie_expr);
	assert_string_equal(provider_find("usdt")->cookie_expr, "bpf_usdt_cookie(ctx)");
	assert_string_equal(provider_find("usdt")->runtime, "include/usdt.bpf.h");
	assert_null(provider_find("uprobe")->runtime);
}

/* An exact symbol: one point at the file offset elfsyms computes, args in registers. */
static void test_uprobe_symbol(void **state)
{
	struct expansion x;
	struct field_info fi;
	uint64_t off = 0;
	char *want;

	(void)state;
	expand(&x, "uprobe", "%s:unit_target_one", self);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 1);
	want = xasprintf("uprobe:%s:unit_target_one", self);
	assert_string_equal(x.pts[0].display, want);
	assert_string_equal(x.pts[0].target, want + strlen("uprobe:"));
	free(want);
	assert_int_equal(elfsyms_resolve(self, "unit_target_one", &off), 0);
	assert_true(off > 0);

	assert_int_equal(x.pts[0].provider->field(&x.pts[0], "arg0", &fi), 0);
	assert_int_equal(fi.kind, FIELD_INT);
	assert_int_equal(fi.size, 8);
	assert_false(fi.is_signed);
	assert_int_equal(fi.offset, regs_offset("di"));
	assert_int_equal(x.pts[0].provider->field(&x.pts[0], "arg5", &fi), 0);
	assert_string_equal(fi.name, "arg5");
	assert_int_equal(fi.offset, regs_offset("r9"));
	assert_int_equal(x.pts[0].provider->field(&x.pts[0], "arg6", &fi), -ENOENT);
	assert_int_equal(x.pts[0].provider->field(&x.pts[0], "retval", &fi), -ENOENT);
	assert_string_equal(x.pts[0].provider->field_names(&x.pts[0]),
			    "arg0, arg1, arg2, arg3, arg4, arg5");
	release(&x);

	expand(&x, "uretprobe", "%s:unit_target_one", self);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.pts[0].provider->field(&x.pts[0], "retval", &fi), 0);
	assert_int_equal(fi.offset, regs_offset("ax"));
	assert_true(fi.is_signed);
	assert_int_equal(x.pts[0].provider->field(&x.pts[0], "arg0", &fi), -ENOENT);
	{
		struct strbuf sb = STRBUF_INIT;

		assert_int_equal(x.pts[0].provider->describe(&x.pts[0], &sb), 0);
		assert_string_equal(strbuf_str(&sb), "    long retval\n");
		strbuf_release(&sb);
	}
	release(&x);
}

/* A glob: every matching function a point, in name order. */
/* Bytes malloc has handed out and not had back. */
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

/*
 * Expanding and releasing points gives back every byte: make_proto once
 * cleared has_ret on uprobe points, so kfunc_proto_free() never freed
 * the untyped retval's two strings, which grew the heap by kilobytes in
 * every round below. malloc's own bookkeeping may move the figure in
 * some round, so the test asks for one round, after warm-up rounds, that
 * ends where it began; a leak never gives one.
 * `valgrind --leak-check=full build/tests/test_uprobe_provider` reports
 * no leak either.
 */
static void test_points_do_not_leak(void **state)
{
	static const char *const types[] = { "uprobe", "uretprobe" };
	size_t min_growth = SIZE_MAX;

	(void)state;
	for (int round = 0; round < 10; round++) {
		size_t before = heap_in_use(), after;

		for (size_t t = 0; t < 2; t++) {
			for (int i = 0; i < 50; i++) {
				struct expansion x;

				expand(&x, types[t], "%s:unit_target_*", self);
				assert_int_equal(x.err, 0);
				assert_int_equal(x.n, 2);
				release(&x);
			}
		}
		after = heap_in_use();
		if (round >= 3 && after >= before && after - before < min_growth)
			min_growth = after - before;
		if (round >= 3 && after < before)
			min_growth = 0;
	}
	assert_int_equal(min_growth, 0);
}

static void test_uprobe_glob(void **state)
{
	struct expansion x;

	(void)state;
	expand(&x, "u", "%s:unit_target_*", self);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 2);
	assert_non_null(strstr(x.pts[0].display, ":unit_target_one"));
	assert_non_null(strstr(x.pts[1].display, ":unit_target_two"));
	release(&x);
}

static void test_uprobe_errors(void **state)
{
	struct expansion x;
	char *want;

	(void)state;
	expand(&x, "uprobe", "%s", "libc");
	one_error(&x, -EINVAL, "bad uprobe probe 'uprobe:libc'", "uprobe:BINARY:FUNCTION");
	release(&x);

	expand(&x, "uprobe", "%s", "/nonexistent/bin:main");
	one_error(&x, -ENOENT, "uprobe: no file, library or program '/nonexistent/bin'",
		  "a library by its name (libc, libc.so.6)");
	release(&x);

	expand(&x, "uprobe", "%s", "libnosuchlibrary:main");
	one_error(&x, -ENOENT, "no file, library or program 'libnosuchlibrary'", NULL);
	release(&x);

	expand(&x, "uprobe", "%s:unit_target_oen", self);
	want = xasprintf("did you mean uprobe:%s:unit_target_one?", self);
	one_error(&x, -ENOENT, "is named 'unit_target_oen'", want);
	free(want);
	release(&x);

	expand(&x, "uprobe", "%s:zzz_nothing_*", self);
	one_error(&x, -ENOENT, "matches 'zzz_nothing_*'", "lists its functions");
	release(&x);
}

static int collect(const char *spec, void *ctx)
{
	struct strbuf *sb = ctx;

	strbuf_addf(sb, "%s\n", spec);
	return 0;
}

static void test_listing(void **state)
{
	const struct provider *u = provider_find("uprobe"), *U = provider_find("usdt");
	struct strbuf sb = STRBUF_INIT;
	char *glob = xasprintf("%s:unit_target_*", self);
	char *want = xasprintf("uprobe:%s:unit_target_one\nuprobe:%s:unit_target_two\n",
			       self, self);

	(void)state;
	assert_int_equal(u->list(u, glob, collect, &sb), 0);
	assert_string_equal(strbuf_str(&sb), want);
	/* without a binary there is nothing to list */
	strbuf_reset(&sb);
	assert_int_equal(u->list(u, NULL, collect, &sb), 0);
	assert_int_equal(sb.len, 0);
	free(glob);
	free(want);

	glob = xasprintf("%s:rcpunit:*", self);
	want = xasprintf("usdt:%s:rcpunit:ping\nusdt:%s:rcpunit:pong\n", self, self);
	assert_int_equal(U->list(U, glob, collect, &sb), 0);
	assert_string_equal(strbuf_str(&sb), want);
	free(glob);
	free(want);
	strbuf_release(&sb);
}

/* USDT probes from the notes: args are FIELD_READER_ARG by position. */
static void test_usdt_points(void **state)
{
	struct expansion x;
	struct field_info fi;
	struct strbuf sb = STRBUF_INIT;
	char *want;

	(void)state;
	expand(&x, "usdt", "%s:rcpunit:p*", self);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 2);
	want = xasprintf("usdt:%s:rcpunit:ping", self);
	assert_string_equal(x.pts[0].display, want);
	free(want);
	assert_int_equal(x.pts[0].provider->field(&x.pts[0], "arg1", &fi), 0);
	assert_int_equal(fi.kind, FIELD_READER_ARG);
	assert_int_equal(fi.offset, 1);
	assert_int_equal(fi.size, 8);
	assert_true(fi.is_signed);
	assert_string_equal(fi.name, "arg1");
	assert_int_equal(x.pts[0].provider->field(&x.pts[0], "arg2", &fi), -ENOENT);
	assert_string_equal(x.pts[0].provider->field_names(&x.pts[0]), "arg0, arg1");
	assert_int_equal(x.pts[0].provider->describe(&x.pts[0], &sb), 0);
	assert_string_equal(strbuf_str(&sb), "    long arg0\n    long arg1\n");
	/* pong has no args */
	assert_int_equal(x.pts[1].provider->field(&x.pts[1], "arg0", &fi), -ENOENT);
	release(&x);
	strbuf_release(&sb);

	/* BINARY:NAME means any provider */
	expand(&x, "usdt", "%s:pong", self);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 1);
	release(&x);
}

static void test_usdt_errors(void **state)
{
	struct expansion x;
	char *want;

	(void)state;
	expand(&x, "usdt", "%s", "nocolon");
	one_error(&x, -EINVAL, "bad usdt probe 'usdt:nocolon'", "usdt:BINARY:PROVIDER:NAME");
	release(&x);

	expand(&x, "usdt", "%s:a:b:c", self);
	assert_int_equal(x.err, -EINVAL);
	release(&x);

	expand(&x, "usdt", "%s:rcpunit:pnig", self);
	want = xasprintf("did you mean usdt:%s:rcpunit:ping?", self);
	one_error(&x, -ENOENT, "matches 'rcpunit:pnig'", want);
	free(want);
	release(&x);
}

/* ---- generated C ---- */

struct built {
	struct recipe_file *rf;
	struct plan *p;
	struct gen_unit u;
	struct diag_list d;
	const char *body;
};

static void render(struct built *b, const char *type, const char *target, const char *rest)
{
	static const struct plan_opts no_opts;
	char *text = xasprintf(HEAD "probes: ['%s:%s:%s']\n%s", type, self, target, rest);

	memset(b, 0, sizeof(*b));
	if (recipe_load_string("t.yaml", text, &b->rf, &b->d) ||
	    plan_build(b->rf, &no_opts, &b->p, &b->d) ||
	    gen_render(b->p, &b->u, &b->d)) {
		diag_print(&b->d, stderr);
		fail_msg("recipe did not render");
	}
	free(text);
	b->body = strbuf_str(&b->u.body);
}

static void done(struct built *b)
{
	gen_unit_release(&b->u);
	plan_free(b->p);
	recipe_file_free(b->rf);
	diag_list_release(&b->d);
}

static bool has_type(const struct gen_unit *u, const char *name)
{
	for (size_t i = 0; u->btf_types[i]; i++)
		if (!strcmp(u->btf_types[i], name))
			return true;
	return false;
}

static void has(const char *body, const char *needle)
{
	if (!strstr(body, needle))
		fail_msg("generated C lacks: %s", needle);
}

/*
 * A USDT arg is read with bpf_usdt_arg(), through the provider's
 * arg_reader (rcp_usdt_arg in usdt.bpf.h), never from a record; the point's index is the USDT cookie; usdt.bpf.h and the
 * kernel types it needs come with it. As root it compiles and loads.
 */
static void test_gen_usdt(void **state)
{
	struct built b;

	(void)state;
	render(&b, "usdt", "rcpunit:ping",
	       "filter: args.arg0 > 1\n"
	       "key: [probe]\n"
	       "aggregate:\n  type: sum\n  value: args.arg1\n");
	has(b.body, "#define __VMLINUX_H__\n#include <bpf/usdt.bpf.h>\n");
	has(b.body, "SEC(\"usdt\")\nint rcp_prog_0(void *ctx)\n");
	has(b.body, "__u32 rcp_probe_idx = (__u32)bpf_usdt_cookie(ctx);\n");
	has(b.body, "bpf_usdt_arg(ctx, i, &v);\n");
	has(b.body, "if (!(rcp_usdt_arg((void *)ctx, 0) > 1LL))");
	has(b.body, "__s64 rcp_value = rcp_usdt_arg((void *)ctx, 1);");
	assert_null(strstr(b.body, "struct rcp_record_"));
	assert_null(strstr(b.body, "bpf_get_attach_cookie"));
	assert_true(has_type(&b.u, "pt_regs"));
	assert_true(has_type(&b.u, "bool"));
	if (geteuid() == 0) {
		struct diag_list d = DIAG_LIST_INIT;
		struct object obj;
		struct session *s = NULL;

		if (object_build(b.p, &obj, &d)) {
			diag_print(&d, stderr);
			fail_msg("the usdt program did not compile");
		}
		if (session_load(b.p, obj.data, obj.len, &s, &d)) {
			diag_print(&d, stderr);
			fail_msg("the usdt program did not load");
		}
		assert_int_equal(d.n, 0);
		session_close(s, false);
		object_release(&obj);
		diag_list_release(&d);
	}
	done(&b);
}

/* A uprobe's args are members of a pt_regs-shaped record; no USDT runtime. */
static void test_gen_uprobe(void **state)
{
	struct built b;
	char line[96];

	(void)state;
	render(&b, "uprobe", "unit_target_two",
	       "key: [comm]\n"
	       "aggregate:\n  type: sum\n  value: args.arg1\n");
	has(b.body, "SEC(\"uprobe\")\nint rcp_prog_0(struct rcp_record_0 *ctx)\n");
	snprintf(line, sizeof(line), "__builtin_offsetof(struct rcp_record_0, arg1) == %u",
		 regs_offset("si"));
	has(b.body, line);
	has(b.body, "(__u32)bpf_get_attach_cookie(ctx)");
	assert_null(strstr(b.body, "usdt.bpf.h"));
	assert_false(has_type(&b.u, "pt_regs"));
	done(&b);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	if (!realpath("/proc/self/exe", self) || !mkdtemp(cache_dir))
		return -1;
	setenv("RECIPE_CACHE_DIR", cache_dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(cache_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	kfunc_cache_release();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aliases_and_flags),
		cmocka_unit_test(test_uprobe_symbol),
		cmocka_unit_test(test_uprobe_glob),
		cmocka_unit_test(test_points_do_not_leak),
		cmocka_unit_test(test_uprobe_errors),
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_usdt_points),
		cmocka_unit_test(test_usdt_errors),
		cmocka_unit_test(test_gen_usdt),
		cmocka_unit_test(test_gen_uprobe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
