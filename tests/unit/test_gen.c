/*
 * test_gen: checked plan -> BPF C. The rendered body is asserted on
 * directly (#line directives back into the YAML, the layout asserts,
 * no recipe text outside expressions), and every aggregation kind with
 * a string, an integer and a probe key is compiled with the real clang
 * and loaded into this kernel's verifier, then released unattached.
 * Root only: plans read tracefs and loading needs CAP_BPF. Objects go
 * to a private cache directory, so each run really compiles.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit.h"

#include "abi.h"
#include "bpf-gen/gen.h"
#include "check/plan.h"
#include "compile/clang.h"
#include "compile/object.h"
#include "load/recipe.h"
#include "run/session.h"

static char cache_dir[] = "/tmp/test_gen.XXXXXX";

struct built {
	struct recipe_file *rf;
	struct plan *p;
	struct gen_unit u;
	struct diag_list d;
	const char *body;
};

static void render_path(struct built *b, const char *path, const char *text,
			const struct plan_opts *opts)
{
	static const struct plan_opts no_opts;

	memset(b, 0, sizeof(*b));
	if (recipe_load_string(path, text, &b->rf, &b->d) ||
	    plan_build(b->rf, opts ? opts : &no_opts, &b->p, &b->d) ||
	    gen_render(b->p, &b->u, &b->d)) {
		diag_print(&b->d, stderr);
		fail_msg("recipe did not render");
	}
	assert_int_equal(b->d.n, 0);
	b->body = strbuf_str(&b->u.body);
}

static void render(struct built *b, const char *text)
{
	render_path(b, "t.yaml", text, NULL);
}

static void done(struct built *b)
{
	gen_unit_release(&b->u);
	plan_free(b->p);
	recipe_file_free(b->rf);
	diag_list_release(&b->d);
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

static void has(const char *body, const char *needle)
{
	if (!strstr(body, needle))
		fail_msg("generated C lacks: %s", needle);
}

static void lacks(const char *body, const char *needle)
{
	const char *at = strstr(body, needle);

	if (at)
		fail_msg("generated C contains '%s' at: %.80s", needle, at);
}

/* Compile the plan, load it into the kernel, release it unattached. */
static void compile_and_load(const struct plan *p)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct object obj;
	struct session *s = NULL;

	if (object_build(p, &obj, &d)) {
		diag_print(&d, stderr);
		fail_msg("%s did not compile", p->name);
	}
	assert_true(obj.len > 0);
	if (session_load(p, obj.data, obj.len, &s, &d)) {
		diag_print(&d, stderr);
		object_release(&obj);
		fail_msg("%s did not load", p->name);
	}
	assert_non_null(s);
	assert_int_equal(session_attached(s), 0);
	if (d.n)
		diag_print(&d, stderr);
	assert_int_equal(d.n, 0);
	session_close(s, false);
	object_release(&obj);
	diag_list_release(&d);
}

/* ---- #line directives ---- */

static const char lines_recipe[] = HEAD
	"probes: [tracepoint:block:block_rq_issue]\n"	/* 4 */
	"filter: |\n"					/* 5 */
	"  args.bytes > 4096\n"				/* 6 */
	"key:\n"					/* 7 */
	"  - args.rwbs\n"				/* 8 */
	"  - pid\n"					/* 9 */
	"aggregate:\n"					/* 10 */
	"  type: sum\n"					/* 11 */
	"  value: args.bytes\n";			/* 12 */

static void test_line_directives(void **state)
{
	static const char types[] = "typedef int rcp_a;\ntypedef int rcp_b;\n";
	struct strbuf out = STRBUF_INIT;
	struct built b;
	const char *filter, *k0, *k1, *value;
	unsigned line = 1, restores = 0;

	(void)state;
	NEED_ROOT();
	render(&b, lines_recipe);
	/* each expression under the line of its value in the YAML */
	filter = strstr(b.body, "#line 6 \"t.yaml\"\n");
	k0 = strstr(b.body, "#line 8 \"t.yaml\"\n");
	k1 = strstr(b.body, "#line 9 \"t.yaml\"\n");
	value = strstr(b.body, "#line 12 \"t.yaml\"\n");
	assert_non_null(filter);
	assert_non_null(k0);
	assert_non_null(k1);
	assert_non_null(value);
	assert_true(filter < k0 && k0 < k1 && k1 < value);
	/* the expression itself is the next line */
	has(filter, "#line 6 \"t.yaml\"\n\tif (!");
	has(k0, "#line 8 \"t.yaml\"\n\tbpf_probe_read_kernel(rcp_key.k0, 10, &ctx->rwbs);\n");
	has(k1, "#line 9 \"t.yaml\"\n\trcp_key.k1 = ");
	has(value, "#line 12 \"t.yaml\"\n\t__s64 rcp_value = ");
	assert_int_equal(count(b.body, "\"t.yaml\""), 4);
	assert_int_equal(count(b.body, "#line RCP_RESTORE\n"), 4);

	/*
	 * Assembled, every restore names the generated file at the line that
	 * follows it, counting the types before the body.
	 */
	gen_assemble(&b.u, types, "gen.bpf.c", &out);
	assert_int_equal(strncmp(strbuf_str(&out), types, strlen(types)), 0);
	lacks(strbuf_str(&out), "RCP_RESTORE");
	for (const char *s = strbuf_str(&out); *s; line++) {
		const char *nl = strchr(s, '\n');
		unsigned n;
		int end = 0;

		if (sscanf(s, "#line %u \"gen.bpf.c\"%n", &n, &end) == 1 && end) {
			assert_int_equal(n, line + 1);
			restores++;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	assert_int_equal(restores, 4);
	strbuf_release(&out);
	done(&b);
}

/*
 * Statements an expression needs first (temporaries) must not shift it
 * off its #line: clang numbers the lines after a directive, so with
 * three statements before it, an error in a filter on YAML line 5 would
 * be reported at line 8.
 */
static void test_line_directive_precedes_expression(void **state)
{
	struct built b;
	const char *at;

	(void)state;
	NEED_ROOT();
	render(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"filter: comm == \"bash\" && args.bytes > 1\n"	/* 5 */
		"aggregate: {type: count}\n");
	at = strstr(b.body, "#line 5 \"t.yaml\"\n");
	assert_non_null(at);
	at = strchr(at, '\n') + 1;
	/* the line numbered 5 is the one with the filter's expression */
	if (strncmp(at, "\tif (!", 6))
		fail_msg("line 5 of t.yaml is: %.*s", (int)(strchr(at, '\n') - at), at);
	done(&b);
}

/* ---- layouts ---- */

static void test_layout_asserts(void **state)
{
	struct built b;

	(void)state;
	NEED_ROOT();
	render(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"filter: args.bytes >= min_bytes && delta < 1\n"
		"key: [args.rwbs, probe, cpu]\n"
		"aggregate: {type: hist, value: args.bytes}\n"
		"params:\n"
		"  - {name: min_bytes, type: uint, default: 0}\n"
		"  - {name: who, type: string, default: ''}\n"
		"  - {name: delta, type: int, default: 0}\n");
	has(b.body,
	    "struct rcp_key {\n"
	    "\tchar k0[10];\n"
	    "\t__u32 k1;\t/* attach point index */\n"
	    "\t__u64 k2;\n"
	    "\t__u32 rcp_slot;\n"
	    "};\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_key, k0) == 0, \"key layout\");\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_key, k1) == 12, \"key layout\");\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_key, k2) == 16, \"key layout\");\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_key, rcp_slot) == 24, \"key layout\");\n"
	    "_Static_assert(sizeof(struct rcp_key) == 32, \"key layout\");\n");
	has(b.body,
	    "struct rcp_config {\n"
	    "\t__u32 target_tgid;\n"
	    "\t__u32 self_tgid;\t/* a print recipe's own process: its output must not feed it */\n"
	    "\tchar target_comm[16];\n"
	    "\t__u64 p0;\n"
	    "\tchar p1[64];\n"
	    "\t__s64 p2;\n"
	    "};\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_config, p0) == 24, \"config layout\");\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_config, p1) == 32, \"config layout\");\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_config, p2) == 96, \"config layout\");\n"
	    "_Static_assert(sizeof(struct rcp_config) == 104, \"config layout\");\n");
	/* the record: used fields at tracefs offsets, padding between */
	has(b.body,
	    "struct rcp_record_0 {\n"
	    "\tchar rcp_pad0[28];\n"
	    "\t__u32 bytes;\n"
	    "\tchar rcp_pad1[2];\n"
	    "\tchar rwbs[10];\n"
	    "};\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_record_0, bytes) == 28, \"record layout\");\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_record_0, rwbs) == 34, \"record layout\");\n");
	has(b.body, "__type(value, __u64);\n");
	has(b.body, "rcp_key.rcp_slot = rcp_log2_slot(rcp_value);\n");
	has(b.body, "SEC(\"tracepoint\")\nint rcp_prog_0(struct rcp_record_0 *ctx)\n");
	compile_and_load(b.p);
	done(&b);

	/* keyless count: the one zero __u32, and the bare config */
	render(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"max_entries: 1\n"
		"aggregate: {type: count}\n");
	has(b.body,
	    "struct rcp_key {\n"
	    "\t__u32 rcp_slot;\n"
	    "};\n"
	    "_Static_assert(__builtin_offsetof(struct rcp_key, rcp_slot) == 0, \"key layout\");\n"
	    "_Static_assert(sizeof(struct rcp_key) == 4, \"key layout\");\n");
	has(b.body, "\tchar target_comm[16];\n};\n"
		    "_Static_assert(sizeof(struct rcp_config) == 24, \"config layout\");\n");
	has(b.body, "__uint(max_entries, 1);\n");
	/* no field read: the program takes no record */
	has(b.body, "int rcp_prog_0(void *ctx)\n");
	lacks(b.body, "rcp_record");
	done(&b);
}

/* One program per record layout, each with its own record struct. */
static void test_one_program_per_layout(void **state)
{
	char name[32];
	struct built b;

	(void)state;
	NEED_ROOT();
	abi_prog_name(7, name, sizeof(name));
	assert_string_equal(name, "rcp_prog_7");
	render(&b, HEAD
		"probes: [tracepoint:syscalls:sys_enter_*chown*]\n"
		"key: [args.user]\n"
		"aggregate: {type: count}\n");
	assert_int_equal(b.p->ngroups, 2);
	has(b.body, "/* tracepoint:syscalls:sys_enter_chown and others of the same layout */\n"
		    "struct rcp_record_0 {\n\tchar rcp_pad0[24];\n\t__u64 user;\n};\n");
	has(b.body, "/* tracepoint:syscalls:sys_enter_fchownat */\n"
		    "struct rcp_record_1 {\n\tchar rcp_pad0[32];\n\t__u64 user;\n};\n");
	has(b.body, "int rcp_prog_0(struct rcp_record_0 *ctx)\n");
	has(b.body, "int rcp_prog_1(struct rcp_record_1 *ctx)\n");
	assert_int_equal(count(b.body, "SEC(\"tracepoint\")"), 2);
	assert_int_equal(count(b.body, "struct rcp_key {"), 1);
	compile_and_load(b.p);
	done(&b);
}

/* ---- recipe text stays out of the C ---- */

static void test_no_recipe_text_leaks(void **state)
{
	static const char evil_path[] = "dir/evil */ #include \"x.h\"\n.yaml";
	struct built b;

	(void)state;
	NEED_ROOT();
	render_path(&b, evil_path,
		"summary: \"*/ #include <summary.h> /*\"\n"
		"description: |\n"
		"  */ #include <description.h>\n"
		"  #define LEAKDESC 1\n"
		"origin: {id: \"*/ leakid\", tool: leaktool, text: \"*/ #include <text.h>\"}\n"
		"probes: [tracepoint:block:block_rq_issue]\n"
		"filter: args.bytes > leakparam_min && args.bytes < leakparam_max\n"
		"map: leakmapname\n"
		"key: [comm]\n"
		"aggregate: {type: count}\n"
		"max_entries: 64\n"
		"params:\n"
		"  - {name: leakparam_min, type: uint, default: 0,\n"
		"     description: \"*/ #include <param.h>\"}\n"
		"  - {name: leakparam_max, type: uint, default: 0x7fffffff}\n"
		"  - {name: leakparam_who, type: string, default: \"*/ leakdefault\"}\n",
		NULL);
	/* summary, description, origin, map and param names: nowhere */
	lacks(b.body, "#include <summary.h>");
	lacks(b.body, "description.h");
	lacks(b.body, "LEAKDESC");
	lacks(b.body, "leakid");
	lacks(b.body, "leaktool");
	lacks(b.body, "text.h");
	lacks(b.body, "leakmapname");
	lacks(b.body, "leakparam");
	lacks(b.body, "param.h");
	/* param values go into the config at load time, never into the C */
	lacks(b.body, "leakdefault");
	/* params are reached by generated member names */
	has(b.body, "rcp_cfg.p0");
	has(b.body, "rcp_cfg.p1");
	has(b.body, "\tchar p2[64];\n");
	/* the path is unsafe in a comment, and escaped in #line */
	has(b.body, "Generated by recipe " RECIPE_VERSION " from a recipe file.\n");
	has(b.body, "#line 7 \"dir/evil */ #include \\042x.h\\042\\012.yaml\"\n");
	assert_int_equal(count(b.body, "evil"), 2);	/* filter and key #lines */
	lacks(b.body, "#include \"x.h\"");
	/* and the result is still valid C the kernel accepts */
	compile_and_load(b.p);
	done(&b);

	/* a catalogue recipe's name is safe in the comment */
	render_path(&b, "recipes/disk/some_name-1.yaml", HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: count}\n", NULL);
	has(b.body, "Generated by recipe " RECIPE_VERSION " from disk/some_name-1.\n");
	done(&b);
}

/*
 * A string param is compared against the config clang cannot see: the
 * config is `const volatile` with a zero initializer, so any read that
 * drops the volatile lets clang fold the param to "" (the comment in
 * program.bpf.c's rcp_target_ok explains the same trap). clang warns
 * when a volatile qualifier is discarded; there must be no warning.
 */
static void test_string_param_read_at_run_time(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct object obj;
	struct built b;

	(void)state;
	NEED_ROOT();
	render(&b, HEAD
		"probes: [tracepoint:sched:sched_process_exec]\n"
		"filter: comm == who\n"			/* 5 */
		"aggregate: {type: count}\n"
		"params:\n"
		"  - {name: who, type: string, default: bash}\n");
	if (object_build(b.p, &obj, &d)) {
		diag_print(&d, stderr);
		fail_msg("did not compile");
	}
	if (d.n)
		diag_print(&d, stderr);
	assert_int_equal(d.n, 0);
	object_release(&obj);
	diag_list_release(&d);
	done(&b);
}

/* ---- every aggregation, every key kind: compiles and verifies ---- */

static const char *const aggs[] = {
	"count", "sum", "min", "max", "avg", "stats", "hist", "lhist",
};

static void render_agg(struct built *b, const char *probe, const char *key,
		       const char *value, const char *agg)
{
	char *text;

	if (!strcmp(agg, "count"))
		text = xasprintf(HEAD "probes: [%s]\nkey: [%s]\naggregate: {type: count}\n",
				 probe, key);
	else if (!strcmp(agg, "lhist"))
		text = xasprintf(HEAD "probes: [%s]\nkey: [%s]\n"
				 "aggregate: {type: lhist, value: %s, min: 0, max: 1000, step: 100}\n",
				 probe, key, value);
	else
		text = xasprintf(HEAD "probes: [%s]\nkey: [%s]\n"
				 "aggregate: {type: %s, value: %s}\n",
				 probe, key, agg, value);
	render(b, text);
	free(text);
}

static void agg_matrix(const char *probe, const char *key, const char *value,
		       const char *key_member)
{
	for (size_t i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++) {
		struct built b;

		print_message("  %s by %s\n", aggs[i], key);
		render_agg(&b, probe, key, value, aggs[i]);
		assert_string_equal(b.p->agg->name, aggs[i]);
		has(b.body, key_member);
		has(b.body, "rcp_lookup_or_init(&rcp_map, &rcp_key, &rcp_zero)");
		if (!strcmp(aggs[i], "count"))
			lacks(b.body, "rcp_value");
		else
			has(b.body, "__s64 rcp_value = ");
		if (!strcmp(aggs[i], "min"))
			has(b.body, "rcp_value < rcp_v->value");
		if (!strcmp(aggs[i], "max"))
			has(b.body, "rcp_value > rcp_v->value");
		if (!strcmp(aggs[i], "lhist"))
			has(b.body, "rcp_linear_slot(rcp_value, 0LL, 1000LL, 100ULL)");
		compile_and_load(b.p);
		done(&b);
	}
}

static void test_aggs_string_key(void **state)
{
	(void)state;
	NEED_ROOT();
	agg_matrix("tracepoint:block:block_rq_issue", "args.rwbs", "args.bytes",
		   "\tchar k0[10];\n");
	agg_matrix("tracepoint:sched:sched_process_exec", "comm", "args.pid",
		   "\tchar k0[16];\n");
}

static void test_aggs_int_key(void **state)
{
	(void)state;
	NEED_ROOT();
	/* two record layouts: two programs in one object */
	agg_matrix("tracepoint:syscalls:sys_enter_*chown*", "args.user",
		   "(s64)args.group - 1", "\t__u64 k0;\n");
}

static void test_aggs_probe_key(void **state)
{
	(void)state;
	NEED_ROOT();
	agg_matrix("tracepoint:syscalls:sys_enter_*chown*", "probe", "args.group",
		   "\t__u32 k0;\t/* attach point index */\n");
}

/* A __data_loc string key: read at the offset its descriptor gives. */
static void test_data_loc_key(void **state)
{
	struct built b;

	(void)state;
	NEED_ROOT();
	render(&b, HEAD
		"probes: [tracepoint:sched:sched_process_exec]\n"
		"key: [args.filename, comm]\n"
		"aggregate: {type: count}\n");
	has(b.body, "\t__u32 filename;\t/* __data_loc: offset | length << 16 */\n");
	has(b.body, "\tchar k0[64];\n\tchar k1[16];\n");
	compile_and_load(b.p);
	done(&b);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * A program the verifier rejects: the rendered source with its field
 * read moved far past the tracepoint's record. session_load() must fail
 * with one located error whose hint carries the tail of the verifier's
 * log, and leave nothing loaded behind.
 */
static void test_verifier_rejection_shows_log_tail(void **state)
{
	struct built b;
	struct strbuf src = STRBUF_INIT, bad = STRBUF_INIT;
	struct diag_list d = DIAG_LIST_INIT;
	struct session *s = NULL;
	const char *at;
	void *obj;
	size_t len;

	(void)state;
	NEED_ROOT();
	render(&b, HEAD
		"probes: [tracepoint:syscalls:sys_exit_read]\n"
		"filter: args.ret < 0\n"		/* 5 */
		"aggregate: {type: count}\n");
	assert_int_equal(object_source(b.p, &src, &b.d), 0);
	at = strstr(strbuf_str(&src), "ctx->ret");
	assert_non_null(at);
	strbuf_add(&bad, src.buf, (size_t)(at - src.buf));
	strbuf_addstr(&bad, "(((__s64 *)ctx)[4096])");
	strbuf_addstr(&bad, at + strlen("ctx->ret"));
	assert_int_equal(clang_compile(bad.buf, bad.len, cache_dir, &obj, &len, &d), 0);

	assert_int_equal(session_load(b.p, obj, len, &s, &d), -EACCES);
	assert_null(s);
	assert_int_equal(diag_errors(&d), 1);
	assert_non_null(strstr(d.v[d.n - 1].msg, "the kernel refused to load the program"));
	assert_string_equal(d.v[d.n - 1].file, "t.yaml");
	assert_non_null(d.v[d.n - 1].hint);
	assert_non_null(strstr(d.v[d.n - 1].hint, "the verifier's log ends with"));
	/* the rejected access, and the verifier's closing statistics */
	assert_non_null(strstr(d.v[d.n - 1].hint, "ctx ptr"));
	assert_non_null(strstr(d.v[d.n - 1].hint, "processed "));
	free(obj);
	strbuf_release(&src);
	strbuf_release(&bad);
	diag_list_release(&d);
	done(&b);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(cache_dir))
		return -1;
	return setenv("RECIPE_CACHE_DIR", cache_dir, 1);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(cache_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_directives),
		cmocka_unit_test(test_line_directive_precedes_expression),
		cmocka_unit_test(test_layout_asserts),
		cmocka_unit_test(test_one_program_per_layout),
		cmocka_unit_test(test_no_recipe_text_leaks),
		cmocka_unit_test(test_string_param_read_at_run_time),
		cmocka_unit_test(test_aggs_string_key),
		cmocka_unit_test(test_aggs_int_key),
		cmocka_unit_test(test_aggs_probe_key),
		cmocka_unit_test(test_data_loc_key),
		cmocka_unit_test(test_verifier_rejection_shows_log_tail),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
