/*
 * test_expr: the expression language end to end against fake probes:
 * parse, type-check, emit. Diagnostics are asserted by message and by
 * the exact column they point at; emitted C is asserted as exact text
 * where the shape matters and checked for leaks of recipe text where
 * safety matters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "check/expr.h"
#include "bpf-gen/emit.h"
#include "util/strbuf.h"

/* ---- fake probes ------------------------------------------------------ */

struct fake_probe {
	const char *desc;
	const char *names;
	const struct field_info *fields;
	unsigned n;
};

static const struct field_info exit_read_fields[] = {
	{ "__syscall_nr", "int", FIELD_INT, 8, 4, true, false },
	{ "ret", "long", FIELD_INT, 16, 8, true, false },
};

static const struct field_info rq_issue_fields[] = {
	{ "dev", "dev_t", FIELD_INT, 8, 4, false, false },
	{ "sector", "sector_t", FIELD_INT, 16, 8, false, false },
	{ "nr_sector", "unsigned int", FIELD_INT, 24, 4, false, false },
	{ "bytes", "unsigned int", FIELD_INT, 28, 4, false, false },
	{ "rwbs", "char[8]", FIELD_CHAR_ARRAY, 32, 8, false, false },
	{ "comm", "char[16]", FIELD_CHAR_ARRAY, 40, 16, false, false },
	{ "cmd", "__data_loc char[]", FIELD_DATA_LOC_STR, 56, 4, false, false },
};

static const struct field_info openat_fields[] = {
	{ "__syscall_nr", "int", FIELD_INT, 8, 4, true, false },
	{ "dfd", "int", FIELD_INT, 16, 8, true, false },
	{ "filename", "const char *", FIELD_PTR, 24, 8, false, true },
	{ "vals", "int[4]", FIELD_OTHER, 32, 16, false, false },
	{ "kname", "const char *", FIELD_PTR, 48, 8, false, false },
};

static const struct fake_probe exit_read = {
	"tracepoint syscalls:sys_exit_read", "__syscall_nr, ret", exit_read_fields, 2,
};
static const struct fake_probe rq_issue = {
	"tracepoint block:block_rq_issue",
	"dev, sector, nr_sector, bytes, rwbs, comm, cmd", rq_issue_fields, 7,
};
static const struct fake_probe openat = {
	"tracepoint syscalls:sys_enter_openat", "__syscall_nr, dfd, filename, vals, kname",
	openat_fields, 5,
};

static int fake_field(void *ctx, const char *name, struct field_info *out)
{
	const struct fake_probe *p = ctx;

	for (unsigned i = 0; i < p->n; i++)
		if (!strcmp(p->fields[i].name, name)) {
			*out = p->fields[i];
			return 0;
		}
	return -ENOENT;
}

static const char *fake_names(void *ctx)
{
	return ((const struct fake_probe *)ctx)->names;
}

static const struct expr_named params[] = {
	{ "min_bytes", { TY_INT, 8, false, false }, "rcp_cfg.p_min_bytes", false },
	{ "delta", { TY_INT, 8, true, false }, "rcp_cfg.p_delta", false },
	{ "target", { TY_STR, 16, false, false }, "rcp_cfg.p_target", false },
};

static struct expr_env env_for(const struct fake_probe *p)
{
	struct expr_env env = {
		.field = fake_field, .field_names = fake_names, .ctx = (void *)p,
		.probe_desc = p->desc, .named = params, .nnamed = 3,
	};
	return env;
}

static struct diag_at fake_locate(void *ctx, unsigned offset)
{
	struct diag_at at = { ctx, 1, offset + 1 };
	return at;
}

static const struct expr_src src = { fake_locate, "t.yaml" };

/* ---- helpers ---------------------------------------------------------- */

/* Parse and check; the tree on success (caller frees), NULL with diagnostics in *d. */
static struct expr *compile(const char *text, const struct fake_probe *p,
			    enum expr_use use, struct diag_list *d)
{
	struct expr_env env = env_for(p);
	struct expr *e = expr_parse(text, &src, d);

	if (e && expr_check(e, &env, use, d)) {
		expr_free(e);
		return NULL;
	}
	return e;
}

/* pre + "|" + out of an integer expression that must check. */
static char *emit(const char *text, const struct fake_probe *p, enum expr_use use)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct emit_ctx ec = { "ctx", "rcp_probe_idx", 0 };
	struct strbuf pre = STRBUF_INIT, out = STRBUF_INIT;
	struct expr *e = compile(text, p, use, &d);
	char *s;

	if (!e)
		fail_msg("'%s' did not check: %s", text, d.n ? d.v[0].msg : "?");
	assert_int_equal(emit_value(e, true, &ec, &pre, &out), 0);
	s = xasprintf("%s|%s", strbuf_str(&pre), strbuf_str(&out));
	strbuf_release(&pre);
	strbuf_release(&out);
	expr_free(e);
	diag_list_release(&d);
	return s;
}

static char *store(const char *text, const struct fake_probe *p, const char *dst,
		   unsigned size)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct emit_ctx ec = { "ctx", "rcp_probe_idx", 0 };
	struct strbuf pre = STRBUF_INIT;
	struct expr *e = compile(text, p, EXPR_USE_KEY, &d);

	if (!e)
		fail_msg("'%s' did not check: %s", text, d.n ? d.v[0].msg : "?");
	assert_int_equal(emit_store_str(e, &ec, dst, size, &pre), 0);
	expr_free(e);
	diag_list_release(&d);
	return strbuf_detach(&pre);
}

static void assert_emit(const char *text, const struct fake_probe *p, const char *want)
{
	char *got = emit(text, p, EXPR_USE_VALUE);

	if (strcmp(got, want))
		fail_msg("'%s'\n  got:  %s\n  want: %s", text, got, want);
	free(got);
}

static void assert_type(const char *text, const struct fake_probe *p, enum expr_use use,
			const char *want)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct expr *e = compile(text, p, use, &d);
	struct expr_type t;
	char buf[32];

	if (!e)
		fail_msg("'%s' did not check: %s", text, d.n ? d.v[0].msg : "?");
	t = expr_type_of(e);
	expr_type_name(&t, buf, sizeof(buf));
	if (strcmp(buf, want))
		fail_msg("'%s' has type %s, want %s", text, buf, want);
	assert_int_equal(d.n, 0);
	expr_free(e);
	diag_list_release(&d);
}

/*
 * The expression must fail (in parse or check) with exactly one error,
 * containing `msg`, at 0-based byte `offset`, and (when given) a hint
 * containing `hint`.
 */
static void assert_error(const char *text, const struct fake_probe *p, enum expr_use use,
			 const char *msg, unsigned offset, const char *hint)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct expr *e = compile(text, p, use, &d);

	if (e)
		fail_msg("'%s' unexpectedly checked", text);
	assert_int_equal(diag_errors(&d), 1);
	assert_int_equal(d.v[0].sev, DIAG_ERROR);
	if (!strstr(d.v[0].msg, msg))
		fail_msg("'%s': message '%s' lacks '%s'", text, d.v[0].msg, msg);
	assert_string_equal(d.v[0].file, "t.yaml");
	assert_int_equal(d.v[0].line, 1);
	if (d.v[0].col != offset + 1)
		fail_msg("'%s': '%s' at col %u, want %u", text, d.v[0].msg, d.v[0].col,
			 offset + 1);
	if (hint) {
		if (!d.v[0].hint || !strstr(d.v[0].hint, hint))
			fail_msg("'%s': hint '%s' lacks '%s'", text,
				 d.v[0].hint ? d.v[0].hint : "(none)", hint);
	}
	diag_list_release(&d);
}


/* ---- precedence and emission shape ------------------------------------ */

static void test_precedence(void **state)
{
	(void)state;
	/* * binds tighter than + */
	assert_emit("1 + 2 * 3", &exit_read, "|(1LL + (2LL * 3LL))");
	/* parentheses override */
	assert_emit("(1 + 2) * 3", &exit_read, "|((1LL + 2LL) * 3LL)");
	/* && binds tighter than || */
	assert_emit("1 || 2 && 3", &exit_read, "|(__s64)(1LL || (2LL && 3LL))");
	/* + binds tighter than << */
	assert_emit("1 << 2 + 3", &exit_read, "|(1LL << ((2LL + 3LL) & 63))");
	/* == binds tighter than & (the C trap, kept) */
	assert_emit("1 & 2 == 3", &exit_read, "|(1LL & (__s64)(2LL == 3LL))");
	/* unary minus binds tighter than *, and - is left-associative */
	assert_emit("-1 * 2 - 3 - 4", &exit_read, "|(((-1LL * 2LL) - 3LL) - 4LL)");
	/* relational binds tighter than ==, ! and ~ are unary */
	assert_emit("!1 == ~2 < 3", &exit_read, "|(__s64)((__s64)!1LL == (__s64)(~2LL < 3LL))");
}

static void test_fields_and_signedness(void **state)
{
	(void)state;
	/* args. and args-> are the same thing */
	assert_emit("args.bytes", &rq_issue, "|(__u64)ctx->bytes");
	assert_emit("args->bytes", &rq_issue, "|(__u64)ctx->bytes");
	assert_emit("args.ret", &exit_read, "|ctx->ret");
	/* unsigned with unsigned compares unsigned */
	assert_emit("args.bytes > args.nr_sector", &rq_issue, "|(__s64)((__u64)ctx->bytes > (__u64)ctx->nr_sector)");
	/* a signed operand makes the comparison signed */
	assert_emit("args.ret < 0", &exit_read, "|(__s64)(ctx->ret < 0LL)");
	/* unsigned arithmetic stays unsigned */
	assert_emit("args.sector + args.nr_sector", &rq_issue, "|(ctx->sector + (__u64)ctx->nr_sector)");
	assert_type("args.sector + args.nr_sector", &rq_issue, EXPR_USE_VALUE, "u64");
	assert_type("args.sector + 1", &rq_issue, EXPR_USE_VALUE, "s64");
	assert_type("args.bytes", &rq_issue, EXPR_USE_VALUE, "u32");
	assert_type("args.__syscall_nr", &exit_read, EXPR_USE_VALUE, "s32");
	assert_type("args.rwbs", &rq_issue, EXPR_USE_KEY, "char[8]");
	assert_type("args.comm", &rq_issue, EXPR_USE_KEY, "char[16]");
	assert_type("args.cmd", &rq_issue, EXPR_USE_KEY, "char[64]");
	/* a shift keeps the left operand's signedness */
	assert_type("args.sector >> 9", &rq_issue, EXPR_USE_VALUE, "u64");
	/* pointers are usable as addresses */
	assert_emit("args.filename != 0", &openat, "|(__s64)((__s64)ctx->filename != 0LL)");
}

static void test_builtins(void **state)
{
	(void)state;
	assert_type("comm", &exit_read, EXPR_USE_KEY, "char[16]");
	assert_type("pid", &exit_read, EXPR_USE_KEY, "u32");
	assert_type("tid", &exit_read, EXPR_USE_KEY, "u32");
	assert_type("uid", &exit_read, EXPR_USE_KEY, "u32");
	assert_type("cpu", &exit_read, EXPR_USE_KEY, "u32");
	assert_type("nsecs", &exit_read, EXPR_USE_VALUE, "u64");
	assert_type("probe", &exit_read, EXPR_USE_KEY, "probe");
	assert_emit("pid", &exit_read, "|(__u64)(__u32)(bpf_get_current_pid_tgid() >> 32)");
	assert_emit("tid", &exit_read, "|(__u64)(__u32)bpf_get_current_pid_tgid()");
	assert_emit("uid", &exit_read, "|(__u64)(__u32)bpf_get_current_uid_gid()");
	assert_emit("cpu", &exit_read, "|(__u64)(__u32)bpf_get_smp_processor_id()");
	assert_emit("nsecs", &exit_read, "|bpf_ktime_get_ns()");

	char *s = emit("probe", &exit_read, EXPR_USE_KEY);
	assert_string_equal(s, "|(__u64)rcp_probe_idx");
	free(s);
	s = store("comm", &exit_read, "key->comm", 16);
	assert_string_equal(s, "bpf_get_current_comm(key->comm, 16);\n");
	free(s);
	/* a smaller destination bounds the copy */
	s = store("comm", &exit_read, "k.c", 8);
	assert_string_equal(s, "bpf_get_current_comm(k.c, 8);\n");
	free(s);
}

static void test_params(void **state)
{
	(void)state;
	assert_type("min_bytes", &rq_issue, EXPR_USE_VALUE, "u64");
	assert_type("delta", &rq_issue, EXPR_USE_VALUE, "s64");
	assert_emit("args.bytes >= min_bytes", &rq_issue, "|(__s64)((__u64)ctx->bytes >= rcp_cfg.p_min_bytes)");
	char *s = store("target", &rq_issue, "key.name", 16);
	/* byte by byte: a memcpy would cast away the config's volatile */
	assert_string_equal(s, "for (unsigned rcp_i = 0; rcp_i < 16; rcp_i++)\n"
			       "\tkey.name[rcp_i] = rcp_cfg.p_target[rcp_i];\n");
	free(s);
	s = emit("comm == target", &rq_issue, EXPR_USE_FILTER);
	assert_string_equal(s,
		"char rcp_t0[16] = {};\n"
		"bpf_get_current_comm(rcp_t0, 16);\n"
		"char rcp_t1[16] = {};\n"
		"for (unsigned rcp_i = 0; rcp_i < 16; rcp_i++)\n"
		"\trcp_t1[rcp_i] = rcp_cfg.p_target[rcp_i];\n"
		"|(__s64)rcp_strneq(rcp_t0, rcp_t1, 16)");
	free(s);
}

static void test_casts_and_literals(void **state)
{
	(void)state;
	assert_type("(u8)args.bytes", &rq_issue, EXPR_USE_VALUE, "u8");
	assert_type("(s16)1", &rq_issue, EXPR_USE_VALUE, "s16");
	assert_type("( u32 ) args.ret", &exit_read, EXPR_USE_VALUE, "u32");
	assert_type("(u64)args.filename", &openat, EXPR_USE_KEY, "u64");
	assert_emit("(u8)args.bytes", &rq_issue, "|(__u64)(__u8)ctx->bytes");
	assert_emit("(s32)args.sector * 2", &rq_issue, "|((__s64)(__s32)ctx->sector * 2LL)");
	/* literals are re-rendered from their value, whatever base was written */
	assert_emit("0x1f", &rq_issue, "|31LL");
	assert_emit("017", &rq_issue, "|15LL");
	assert_emit("18446744073709551615", &rq_issue, "|18446744073709551615ULL");
	assert_type("9223372036854775807", &rq_issue, EXPR_USE_VALUE, "s64");
	assert_type("9223372036854775808", &rq_issue, EXPR_USE_VALUE, "u64");
	/* (pid) is a parenthesised identifier, not a cast */
	assert_type("(pid)", &rq_issue, EXPR_USE_VALUE, "u32");
}

static void test_str_call(void **state)
{
	(void)state;
	assert_type("str(args.filename)", &openat, EXPR_USE_KEY, "char[64]");
	assert_type("str(args->filename, 128)", &openat, EXPR_USE_KEY, "char[128]");
	char *s = store("str(args.filename)", &openat, "key.path", 64);
	assert_string_equal(s,
		"bpf_probe_read_user_str(key.path, 64, (const void *)ctx->filename);\n");
	free(s);
	s = store("str(args.kname, 16)", &openat, "key.path", 64);
	assert_string_equal(s,
		"bpf_probe_read_kernel_str(key.path, 16, (const void *)ctx->kname);\n");
	free(s);
	s = store("args.rwbs", &rq_issue, "key.rwbs", 8);
	assert_string_equal(s, "bpf_probe_read_kernel(key.rwbs, 8, &ctx->rwbs);\n"
			       "rcp_zero_after_nul(key.rwbs, 8);\n");
	free(s);
	s = store("args.cmd", &rq_issue, "key.cmd", 32);
	assert_string_equal(s,
		"bpf_probe_read_kernel_str(key.cmd, 32, (void *)ctx + (ctx->cmd & 0xffff));\n");
	free(s);
}

static void test_string_compare(void **state)
{
	(void)state;
	char *s = emit("args.rwbs == \"W\"", &rq_issue, EXPR_USE_FILTER);
	assert_string_equal(s,
		"char rcp_t0[8] = {};\n"
		"bpf_probe_read_kernel(rcp_t0, 8, &ctx->rwbs);\n"
		"rcp_zero_after_nul(rcp_t0, 8);\n"
		"char rcp_t1[8] = { 87 };\n"
		"|(__s64)rcp_strneq(rcp_t0, rcp_t1, 8)");
	free(s);
	/* fields of different sizes compare over the larger, zero-padded */
	s = emit("args.rwbs != args.comm", &rq_issue, EXPR_USE_FILTER);
	assert_string_equal(s,
		"char rcp_t0[16] = {};\n"
		"bpf_probe_read_kernel(rcp_t0, 8, &ctx->rwbs);\n"
		"rcp_zero_after_nul(rcp_t0, 8);\n"
		"char rcp_t1[16] = {};\n"
		"bpf_probe_read_kernel(rcp_t1, 16, &ctx->comm);\n"
		"rcp_zero_after_nul(rcp_t1, 16);\n"
		"|(__s64)!rcp_strneq(rcp_t0, rcp_t1, 16)");
	free(s);
	assert_type("comm == \"bash\" && pid != 1", &exit_read, EXPR_USE_FILTER, "s64");
}

static void test_no_recipe_text_in_output(void **state)
{
	static const char *const tricky =
		"comm == \"a\\\"b); system(1\" || comm != \"*/ #include <x>\\n\"";
	(void)state;
	char *s = emit(tricky, &exit_read, EXPR_USE_FILTER);

	assert_null(strstr(s, "system"));
	assert_null(strstr(s, "#include"));
	assert_null(strstr(s, "*/"));
	assert_null(strstr(s, "\\\""));
	assert_null(strstr(s, "a\\\"b"));
	assert_null(strchr(s, '"'));
	/* the literal's bytes are there, as numbers: 'a' '"' 'b' ')' ';' */
	assert_non_null(strstr(s, "{ 97, 34, 98, 41, 59, 32, 115"));
	free(s);

	/* a byte above 127 is cast, not left to char's signedness */
	s = emit("comm == \"\\xff\"", &exit_read, EXPR_USE_FILTER);
	assert_non_null(strstr(s, "char rcp_t1[16] = { (char)255 };"));
	free(s);
}

static void test_literal_store(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct emit_ctx ec = { "ctx", "rcp_probe_idx", 0 };
	struct strbuf pre = STRBUF_INIT;
	struct expr_env env = env_for(&exit_read);
	struct expr *e = expr_parse("\"ab\"", &src, &d);
	(void)state;

	assert_non_null(e);
	/* a bare literal is no key, but it still has a type when checked */
	assert_int_equal(expr_check(e, &env, EXPR_USE_KEY, &d), -EINVAL);
	assert_int_equal(expr_type_of(e).kind, TY_STR);
	assert_int_equal(emit_store_str(e, &ec, "buf", 2, &pre), 0);
	assert_string_equal(strbuf_str(&pre), "buf[0] = 97;\nbuf[1] = 98;\n");
	strbuf_release(&pre);
	expr_free(e);
	diag_list_release(&d);
}

/* A provider that reports a name which is not a C identifier is refused at emit. */
static int evil_field(void *ctx, const char *name, struct field_info *out)
{
	(void)ctx;
	(void)name;
	*out = (struct field_info){ "x); evil(", "int", FIELD_INT, 8, 4, true, false };
	return 0;
}

static void test_emit_refuses_bad_names(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct emit_ctx ec = { "ctx", "rcp_probe_idx", 0 };
	struct strbuf pre = STRBUF_INIT, out = STRBUF_INIT;
	struct expr_env env = { .field = evil_field, .probe_desc = "x" };
	struct expr *e = expr_parse("args.a", &src, &d);
	(void)state;

	assert_int_equal(expr_check(e, &env, EXPR_USE_VALUE, &d), 0);
	assert_int_equal(emit_value(e, true, &ec, &pre, &out), -EINVAL);
	assert_int_equal(out.len, 0);
	expr_free(e);
	/* unchecked trees are not emitted either */
	e = expr_parse("1", &src, &d);
	assert_int_equal(emit_value(e, true, &ec, &pre, &out), -EINVAL);
	expr_free(e);
	strbuf_release(&pre);
	strbuf_release(&out);
	diag_list_release(&d);
}

static void test_signed_division(void **state)
{
	(void)state;
	/* unsigned division by a constant is plain C */
	assert_emit("args.sector / (u64)512", &rq_issue, "|(ctx->sector / (__u64)512LL)");
	/* signed division goes through temporaries and unsigned magnitudes */
	char *s = emit("args.ret / 2", &exit_read, EXPR_USE_VALUE);
	assert_string_equal(s,
		"__s64 rcp_t0 = ctx->ret;\n"
		"__s64 rcp_t1 = 2LL;\n"
		"|(((rcp_t0 < 0) != (rcp_t1 < 0)) ? "
		"(__s64)-((rcp_t0 < 0 ? -(__u64)rcp_t0 : (__u64)rcp_t0) / (rcp_t1 < 0 ? -(__u64)rcp_t1 : (__u64)rcp_t1)) : "
		"(__s64)((rcp_t0 < 0 ? -(__u64)rcp_t0 : (__u64)rcp_t0) / (rcp_t1 < 0 ? -(__u64)rcp_t1 : (__u64)rcp_t1)))");
	free(s);
	s = emit("args.ret % 3", &exit_read, EXPR_USE_VALUE);
	assert_non_null(strstr(s, "((rcp_t0 < 0) ? (__s64)-("));
	assert_non_null(strstr(s, " % "));
	/* the sign is put on the unsigned result: no s64 negation to overflow */
	assert_null(strstr(s, "-(__s64)"));
	free(s);
}

/*
 * Issue 11 item 6: `x / 0` was undefined in the C, and clang dropped
 * the update after it (the sum read 0). A constant zero divisor is an
 * error at the operator; one known only at run time gives 0, as in
 * bpftrace: the divisor is read once and tested.
 */
static void test_division_by_zero(void **state)
{
	char *s;

	(void)state;
	assert_error("args.ret / 0 + 5", &exit_read, EXPR_USE_VALUE,
		     "division by zero: the divisor is the constant 0", 9, "gives 0");
	assert_error("args.ret % 0", &exit_read, EXPR_USE_VALUE,
		     "modulo by zero: the divisor is the constant 0", 9, NULL);
	assert_error("args.sector / (1 - 1)", &rq_issue, EXPR_USE_VALUE,
		     "division by zero", 12, NULL);
	assert_error("args.sector % (u8)256", &rq_issue, EXPR_USE_VALUE,
		     "modulo by zero", 12, NULL);
	assert_error("1 + args.sector / (2 * 0x0)", &rq_issue, EXPR_USE_FILTER,
		     "division by zero", 16, NULL);
	assert_error("args.ret / -0", &exit_read, EXPR_USE_VALUE, "division by zero", 9, NULL);

	/* unsigned, by a field: 0 when it is 0 */
	assert_emit("args.sector / args.bytes", &rq_issue,
		    "__u64 rcp_t0 = (__u64)ctx->bytes;\n|(rcp_t0 ? ctx->sector / rcp_t0 : 0)");
	assert_emit("args.sector % min_bytes", &rq_issue,
		    "__u64 rcp_t0 = rcp_cfg.p_min_bytes;\n|(rcp_t0 ? ctx->sector % rcp_t0 : 0)");
	/* signed, by a param: the same test around the signed division */
	s = emit("args.ret / delta", &exit_read, EXPR_USE_VALUE);
	assert_non_null(strstr(s, "__s64 rcp_t1 = rcp_cfg.p_delta;\n"));
	assert_non_null(strstr(s, "|(rcp_t1 == 0 ? 0 : (((rcp_t0 < 0) != (rcp_t1 < 0)) ? "));
	free(s);
	s = emit("args.ret % delta", &exit_read, EXPR_USE_VALUE);
	assert_non_null(strstr(s, "|(rcp_t1 == 0 ? 0 : ((rcp_t0 < 0) ? "));
	free(s);
	/* a divisor that is a non-zero constant needs no test */
	s = emit("args.ret / (2 - 1)", &exit_read, EXPR_USE_VALUE);
	assert_null(strstr(s, "== 0 ? 0"));
	free(s);
	assert_emit("args.sector / (u8)257", &rq_issue, "|(ctx->sector / (__u64)(__u8)257LL)");
}

static void test_recheck_and_uses_args(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct expr_env a = env_for(&exit_read), b = env_for(&rq_issue);
	struct expr *e = expr_parse("args.ret > 0", &src, &d);
	struct expr *f = expr_parse("pid == 1 && comm == \"x\"", &src, &d);
	(void)state;

	assert_true(expr_uses_args(e));
	assert_false(expr_uses_args(f));
	assert_int_equal(expr_check(e, &a, EXPR_USE_FILTER, &d), 0);
	assert_int_equal(expr_check(e, &b, EXPR_USE_FILTER, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "tracepoint block:block_rq_issue has no field 'ret'");
	assert_int_equal(d.v[0].col, 6);
	assert_int_equal(expr_check(e, &a, EXPR_USE_FILTER, &d), 0);
	assert_int_equal(d.n, 1);
	expr_free(e);
	expr_free(f);
	diag_list_release(&d);
	expr_free(NULL);
}

/*
 * An end's filter is split at its top-level &&: the parts that read
 * latency or a saved value, and the others. A start cannot use them.
 */
static void test_conjuncts_and_start_values(void **state)
{
	static const struct expr_named pair_named[] = {
		{ "latency", { TY_INT, 8, false, false }, "rcp_latency", true },
		{ "fd", { TY_INT, 8, false, false }, "rcp_started.s0", true },
		{ "min", { TY_INT, 8, false, false }, "rcp_cfg.p0", false },
	};
	struct diag_list d = DIAG_LIST_INIT;
	struct expr_env env = env_for(&exit_read);
	struct expr *e = expr_parse("args.ret > 0 && (latency > min || fd == 3) && pid != 1",
				    &src, &d);
	const struct expr *parts[2];
	struct strbuf pre = STRBUF_INIT, out = STRBUF_INIT;
	struct emit_ctx ec = { "ctx", "rcp_probe_idx", 0 };
	(void)state;

	env.named = pair_named;
	env.nnamed = 3;
	assert_int_equal(expr_check(e, &env, EXPR_USE_FILTER, &d), 0);
	assert_true(expr_uses_start(e));
	/* three parts; only two asked for */
	assert_int_equal(expr_conjuncts(e, parts, 2), 3);
	assert_false(expr_uses_start(parts[0]));
	assert_true(expr_uses_start(parts[1]));
	assert_int_equal(emit_value(parts[1], true, &ec, &pre, &out), 0);
	assert_non_null(strstr(out.buf, "rcp_latency"));
	assert_non_null(strstr(out.buf, "rcp_started.s0"));
	assert_non_null(strstr(out.buf, "rcp_cfg.p0"));
	assert_int_equal(expr_conjuncts(parts[0], parts, 2), 1);

	/* at a start point the end's values are refused, by name */
	env.at_start = true;
	assert_int_equal(expr_check(e, &env, EXPR_USE_FILTER, &d), -EINVAL);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].msg, "'latency' is known only at the end");
	assert_string_equal(d.v[1].msg, "'fd' is known only at the end");
	expr_free(e);
	strbuf_release(&pre);
	strbuf_release(&out);
	diag_list_release(&d);
}

/* first(): the first argument each probe can evaluate, chosen per probe. */
static void test_first(void **state)
{
	char *s;

	(void)state;
	assert_type("first(args.bytes, args.ret)", &exit_read, EXPR_USE_VALUE, "s64");
	assert_type("first(args.bytes, args.ret)", &rq_issue, EXPR_USE_VALUE, "u32");
	s = emit("first(args.nope, args.ret, 7)", &exit_read, EXPR_USE_VALUE);
	assert_non_null(strstr(s, "ctx->ret"));
	assert_null(strstr(s, "7LL"));
	free(s);
	s = store("first(args.rwbs, comm)", &exit_read, "key.k0", 16);
	assert_string_equal(s, "bpf_get_current_comm(key.k0, 16);\n");
	free(s);
	assert_error("first(args.nope, args.rett)", &exit_read, EXPR_USE_VALUE,
		     "has no field 'rett'", 22, "first() found none of its 2 arguments");
	assert_error("first()", &exit_read, EXPR_USE_VALUE,
		     "first() needs at least one argument", 0, NULL);
	/* the rules about an argument's form look through first() */
	assert_error("first(\"x\")", &exit_read, EXPR_USE_KEY,
		     "a key must be an integer, string or probe expression, got a string literal", 0, NULL);
	{
		struct diag_list d = DIAG_LIST_INIT;
		/* rwbs is a char[8] field, which may hold 8 characters: no warning */
		struct expr *e = compile("first(args.rwbs, comm) == \"01234567\"", &rq_issue,
					 EXPR_USE_FILTER, &d);

		assert_non_null(e);
		assert_int_equal(d.n, 0);
		expr_free(e);
		diag_list_release(&d);
	}
}

/* Issue 11 item 9: -9223372036854775809 wrapped to 2^63 - 1 without a word. */
static void test_literal_range(void **state)
{
	(void)state;
	assert_error("-9223372036854775809", &exit_read, EXPR_USE_VALUE,
		     "integer literal -9223372036854775809 is out of range", 0, "-9223372036854775808");
	assert_error("args.ret + -18446744073709551615", &exit_read, EXPR_USE_VALUE,
		     "integer literal -18446744073709551615 is out of range", 11, NULL);
	assert_error("1 - -(0x8000000000000001)", &exit_read, EXPR_USE_VALUE,
		     "integer literal -9223372036854775809 is out of range", 4, NULL);
	assert_error("18446744073709551616", &exit_read, EXPR_USE_VALUE,
		     "integer literal out of range", 0, NULL);
	/* the ends of the range stay literals */
	assert_type("-9223372036854775808", &exit_read, EXPR_USE_VALUE, "u64");
	assert_type("18446744073709551615", &exit_read, EXPR_USE_VALUE, "u64");
	assert_type("-9223372036854775807", &exit_read, EXPR_USE_VALUE, "s64");
}

static void test_long_literal_warns(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct expr *e = compile("comm == \"0123456789abcdef\"", &exit_read,
				 EXPR_USE_FILTER, &d);
	(void)state;

	assert_non_null(e);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, DIAG_WARNING);
	assert_non_null(strstr(d.v[0].msg, "always false"));
	assert_int_equal(d.v[0].col, 9);
	expr_free(e);
	diag_list_release(&d);
	/* an 8-character rwbs may fill its array, so no warning */
	e = compile("args.rwbs == \"01234567\"", &rq_issue, EXPR_USE_FILTER, &d);
	assert_non_null(e);
	assert_int_equal(d.n, 0);
	expr_free(e);
	diag_list_release(&d);
}

static void test_type_names(void **state)
{
	struct expr_type t = { TY_INT, 2, true, false };
	char buf[32];
	(void)state;

	expr_type_name(&t, buf, sizeof(buf));
	assert_string_equal(buf, "s16");
	t = (struct expr_type){ TY_PTR, 8, false, true };
	expr_type_name(&t, buf, sizeof(buf));
	assert_string_equal(buf, "pointer");
	t = (struct expr_type){ TY_STR, 64, false, false };
	expr_type_name(&t, buf, 5);
	assert_string_equal(buf, "char");
}

/* ---- errors ------------------------------------------------------------ */

static void test_parse_errors(void **state)
{
	(void)state;
	assert_error("pid == (1 + 2", &exit_read, EXPR_USE_FILTER,
		     "expected ')', got the end of the expression", 13, "column 8");
	assert_error("pid == $1", &exit_read, EXPR_USE_FILTER,
		     "unexpected character '$'", 7, "bare name");
	assert_error("pid = 1", &exit_read, EXPR_USE_FILTER,
		     "unexpected character '='", 4, "'=='");
	assert_error("pid == 99999999999999999999", &exit_read, EXPR_USE_FILTER,
		     "integer literal out of range", 7, "64 bits");
	assert_error("pid 42", &exit_read, EXPR_USE_FILTER,
		     "expected an operator or the end of the expression, got '42'", 4,
		     "operator missing");
	assert_error("pid == 1)", &exit_read, EXPR_USE_FILTER,
		     "got ')'", 8, "no matching '('");
	assert_error("", &exit_read, EXPR_USE_FILTER, "empty expression", 0, NULL);
	assert_error("   ", &exit_read, EXPR_USE_FILTER, "empty expression", 3, NULL);
	assert_error("pid +", &exit_read, EXPR_USE_FILTER,
		     "expected an expression after '+'", 5, NULL);
	assert_error("pid * * 2", &exit_read, EXPR_USE_FILTER,
		     "expected an expression, got '*'", 6, NULL);
	assert_error("str(args.filename, 1", &openat, EXPR_USE_KEY,
		     "expected ')' after argument list", 20, NULL);
	assert_error("args + 1", &exit_read, EXPR_USE_VALUE,
		     "expected '.' or '->' after 'args', got '+'", 5, "args.NAME");
	assert_error("args->", &exit_read, EXPR_USE_VALUE,
		     "expected a field name after 'args->'", 6, NULL);
	assert_error("comm == \"abc", &exit_read, EXPR_USE_FILTER,
		     "unterminated string literal", 8, NULL);
	assert_error("comm == \"a\\qb\"", &exit_read, EXPR_USE_FILTER,
		     "invalid escape sequence", 10, NULL);
	assert_error("0x", &exit_read, EXPR_USE_VALUE, "hexadecimal literal has no digits", 0, NULL);
	assert_error("10 + 12ms", &exit_read, EXPR_USE_VALUE,
		     "invalid character 'm' in integer literal", 7, NULL);
	assert_error("089", &exit_read, EXPR_USE_VALUE,
		     "invalid character '8' in octal literal", 1, "octal");
	assert_error("(u32)", &exit_read, EXPR_USE_VALUE,
		     "expected an expression after the cast to u32", 5, NULL);
	assert_error("pid == 'x'", &exit_read, EXPR_USE_FILTER,
		     "unexpected character '''", 7, "double quotes");
}

static void test_deep_nesting(void **state)
{
	char text[400];
	(void)state;

	memset(text, '(', 200);
	strcpy(text + 200, "1");
	assert_error(text, &exit_read, EXPR_USE_VALUE, "nested too deeply", 64, NULL);
	memset(text, '-', 200);
	assert_error(text, &exit_read, EXPR_USE_VALUE, "nested too deeply", 64, NULL);
}

/*
 * Trees tall in ways the parser does not recurse for: calls in calls,
 * and a long chain of one operator (a loop in the parser, a deep tree
 * for the checker and the emitter). Each is refused where it crosses
 * EXPR_MAX_DEPTH, however long the text: 18,000 levels used to crash
 * check, run and show --c.
 */
static void test_tall_trees(void **state)
{
	enum { LEVELS = 20000 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	for (int i = 0; i < LEVELS; i++)
		strbuf_addstr(&sb, "f(");
	strbuf_addch(&sb, '1');
	for (int i = 0; i < LEVELS; i++)
		strbuf_addch(&sb, ')');
	/* the 65th call, at column 2 * 64 */
	assert_error(strbuf_str(&sb), &exit_read, EXPR_USE_VALUE, "nested too deeply", 128, NULL);

	strbuf_reset(&sb);
	strbuf_addch(&sb, '1');
	for (int i = 0; i < 5 * LEVELS; i++)
		strbuf_addstr(&sb, "+1");
	/* "1+1" is 2 levels: the 64th '+' makes 65 */
	assert_error(strbuf_str(&sb), &exit_read, EXPR_USE_VALUE, "nested too deeply", 127, NULL);

	strbuf_reset(&sb);
	for (int i = 0; i < LEVELS; i++)
		strbuf_addstr(&sb, "(u8)");
	strbuf_addch(&sb, '1');
	assert_error(strbuf_str(&sb), &exit_read, EXPR_USE_VALUE, "nested too deeply", 4 * 64, NULL);

	/* 64 levels are still an expression: 1 and 63 '+' */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "args.ret");
	for (int i = 0; i < EXPR_MAX_DEPTH - 1; i++)
		strbuf_addstr(&sb, " + 1");
	assert_type(strbuf_str(&sb), &exit_read, EXPR_USE_VALUE, "s64");
	strbuf_release(&sb);
}

static void test_check_errors(void **state)
{
	(void)state;
	assert_error("foo == 1", &exit_read, EXPR_USE_FILTER,
		     "unknown identifier 'foo'", 0, "named values: min_bytes, delta, target");
	assert_error("pid == 1 && args.rett > 0", &exit_read, EXPR_USE_FILTER,
		     "tracepoint syscalls:sys_exit_read has no field 'rett'", 17,
		     "available fields: __syscall_nr, ret");
	assert_error("str(args.filename, 1, 2)", &openat, EXPR_USE_KEY,
		     "str() takes 1 or 2 arguments, got 3", 0, NULL);
	assert_error("str()", &openat, EXPR_USE_KEY,
		     "str() takes 1 or 2 arguments, got 0", 0, NULL);
	assert_error("1 + args.rwbs", &rq_issue, EXPR_USE_VALUE,
		     "operand of '+' is a string (char[8]), expected an integer", 4,
		     "only == and !=");
	assert_error("str(args.bytes)", &rq_issue, EXPR_USE_KEY,
		     "str() needs a pointer, got u32", 4, NULL);
	assert_error("str(args.comm)", &rq_issue, EXPR_USE_KEY,
		     "str() needs a pointer, got char[16]", 4, "already a string");
	assert_error("str(args.filename, 300)", &openat, EXPR_USE_KEY,
		     "maxlen must be an integer literal from 1 to 256", 19, NULL);
	assert_error("str(args.filename, min_bytes)", &openat, EXPR_USE_KEY,
		     "maxlen must be an integer literal", 19, NULL);
	assert_error("comm == 5", &exit_read, EXPR_USE_FILTER,
		     "cannot compare a string (char[16]) with an integer (s64)", 5, NULL);
	assert_error("args.filename == \"/etc\"", &openat, EXPR_USE_FILTER,
		     "with a pointer", 14, "str()");
	assert_error("comm", &exit_read, EXPR_USE_FILTER,
		     "a filter must be an integer expression, got char[16]", 0, "comm ==");
	assert_error("args.cmd", &rq_issue, EXPR_USE_VALUE,
		     "a value must be an integer expression, got char[64]", 0, NULL);
	assert_error("args.filename", &openat, EXPR_USE_KEY,
		     "a key must be an integer, string or probe expression, got pointer", 0,
		     "str(");
	assert_error("\"abc\"", &openat, EXPR_USE_KEY,
		     "got a string literal", 0, NULL);
	assert_error("args.vals == 0", &openat, EXPR_USE_FILTER,
		     "field 'vals' has type 'int[4]' which expressions cannot use", 5, NULL);
	assert_error("probe + 1", &exit_read, EXPR_USE_KEY,
		     "operand of '+' is a probe, expected an integer", 0, "as a key");
	assert_error("probe", &exit_read, EXPR_USE_FILTER,
		     "a filter must be an integer expression, got probe", 0, NULL);
	assert_error("(u32)comm", &exit_read, EXPR_USE_VALUE,
		     "cannot cast a string (char[16]) to u32", 5, NULL);
	assert_error("comm < \"x\"", &exit_read, EXPR_USE_FILTER,
		     "operand of '<' is a string (char[16])", 0, NULL);
	assert_error("foo(1)", &exit_read, EXPR_USE_VALUE,
		     "unknown function 'foo'", 0, "str(ptr[, maxlen])");
	assert_error("1 + pid()", &exit_read, EXPR_USE_VALUE,
		     "unknown function 'pid'", 4, "without parentheses");
	assert_error("-\"x\"", &exit_read, EXPR_USE_VALUE,
		     "operand of '-' is a string literal", 1, NULL);
}

static void test_no_args(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct expr_env env = { .probe_desc = "profile hz:99" };
	struct expr *e = expr_parse("cpu + args.x", &src, &d);
	(void)state;

	assert_int_equal(expr_check(e, &env, EXPR_USE_VALUE, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "profile hz:99 has no args");
	assert_int_equal(d.v[0].col, 7);
	expr_free(e);
	diag_list_release(&d);

	/* both operands are checked, so one pass reports both mistakes */
	e = expr_parse("nope + args.nope", &src, &d);
	env = env_for(&exit_read);
	assert_int_equal(expr_check(e, &env, EXPR_USE_VALUE, &d), -EINVAL);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].col, 1);
	assert_int_equal(d.v[1].col, 13);
	expr_free(e);
	diag_list_release(&d);
}

/* Display functions keep the integer and say how the report names it. */
static void test_display_functions(void **state)
{
	static const struct { const char *text; enum expr_display display; const char *type; } ok[] = {
		{ "syscall_name(args.__syscall_nr)", DISP_SYSCALL, "u64" },
		{ "errno_name(args.ret)", DISP_ERRNO, "s64" },
		{ "majmin(args.__syscall_nr)", DISP_DEV, "u64" },
		{ "ksym(args.ret)", DISP_KSYM, "u64" },
	};
	struct diag_list d = DIAG_LIST_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct expr *e = compile(ok[i].text, &exit_read, EXPR_USE_KEY, &d);

		assert_non_null(e);
		assert_int_equal(expr_type_of(e).display, ok[i].display);
		expr_free(e);
		assert_type(ok[i].text, &exit_read, EXPR_USE_KEY, ok[i].type);
	}
	/* arithmetic makes a plain number again */
	{
		struct expr *e = compile("errno_name(args.ret) + 1", &exit_read, EXPR_USE_KEY, &d);

		assert_non_null(e);
		assert_int_equal(expr_type_of(e).display, DISP_NONE);
		expr_free(e);
	}
	assert_int_equal(d.n, 0);
	assert_emit("errno_name(args.ret)", &exit_read, "|ctx->ret");
	assert_error("syscall_name()", &exit_read, EXPR_USE_KEY,
		     "syscall_name() takes 1 argument, got 0", 0, "e.g. syscall_name(args.id)");
	assert_error("majmin(comm)", &exit_read, EXPR_USE_KEY,
		     "majmin() needs an integer, got char[16]", 7, "give it the number");
	diag_list_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_display_functions),
		cmocka_unit_test(test_fields_and_signedness),
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_casts_and_literals),
		cmocka_unit_test(test_str_call),
		cmocka_unit_test(test_string_compare),
		cmocka_unit_test(test_no_recipe_text_in_output),
		cmocka_unit_test(test_literal_store),
		cmocka_unit_test(test_emit_refuses_bad_names),
		cmocka_unit_test(test_signed_division),
		cmocka_unit_test(test_division_by_zero),
		cmocka_unit_test(test_literal_range),
		cmocka_unit_test(test_recheck_and_uses_args),
		cmocka_unit_test(test_conjuncts_and_start_values),
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_long_literal_warns),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_tall_trees),
		cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_no_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
