/*
 * test_plan: recipe -> checked plan against this kernel's real tracefs
 * (6.18, the CI kernel too): the key and config layouts bpf-gen relies
 * on, wildcard expansion and grouping by record layout, params and
 * --param, and the located diagnostics for every semantic mistake.
 * Tracepoint facts used below were read from this kernel's format files
 * (e.g. block_rq_issue has char rwbs[10]; syscalls:sys_enter_* is 360
 * tracepoints; sys_enter_fchownat has `user` at offset 32 where chown,
 * fchown and lchown have it at 24). Root only: tracefs may need mounting
 * and the format files are root-readable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit.h"

#include "check/plan.h"
#include "load/recipe.h"
#include "util/strbuf.h"

static const struct plan_opts no_opts;

struct built {
	struct recipe_file *rf;
	struct plan *p;
	struct diag_list d;
	int ret;
};

static void build(struct built *b, const char *text, const struct plan_opts *opts)
{
	memset(b, 0, sizeof(*b));
	if (recipe_load_string("t.yaml", text, &b->rf, &b->d)) {
		diag_print(&b->d, stderr);
		fail_msg("recipe did not load");
	}
	b->ret = plan_build(b->rf, opts ? opts : &no_opts, &b->p, &b->d);
}

static struct plan *build_ok(struct built *b, const char *text,
			     const struct plan_opts *opts)
{
	build(b, text, opts);
	if (b->ret) {
		diag_print(&b->d, stderr);
		fail_msg("plan_build failed: %d", b->ret);
	}
	assert_int_equal(b->d.n, 0);
	assert_non_null(b->p);
	return b->p;
}

/*
 * The build must fail with exactly one error at line:col whose message
 * and hint contain the given substrings (hint NULL: there is none).
 */
static void build_err(struct built *b, const char *text,
		      const struct plan_opts *opts, unsigned line, unsigned col,
		      const char *msg, const char *hint)
{
	build(b, text, opts);
	if (b->d.n != 1 || b->d.v[0].line != line || b->d.v[0].col != col)
		diag_print(&b->d, stderr);
	assert_int_equal(b->ret, -EINVAL);
	assert_null(b->p);
	assert_int_equal(b->d.n, 1);
	assert_int_equal(b->d.v[0].sev, DIAG_ERROR);
	assert_int_equal(b->d.v[0].line, line);
	assert_int_equal(b->d.v[0].col, col);
	if (line)
		assert_string_equal(b->d.v[0].file, "t.yaml");
	if (!strstr(b->d.v[0].msg, msg))
		fail_msg("message '%s' lacks '%s'", b->d.v[0].msg, msg);
	if (!hint) {
		assert_null(b->d.v[0].hint);
	} else {
		assert_non_null(b->d.v[0].hint);
		if (!strstr(b->d.v[0].hint, hint))
			fail_msg("hint '%s' lacks '%s'", b->d.v[0].hint, hint);
	}
}

static void done(struct built *b)
{
	plan_free(b->p);
	recipe_file_free(b->rf);
	diag_list_release(&b->d);
}

static void check_key(const struct plan *p, unsigned k, enum plan_key_kind kind,
		      unsigned offset, unsigned size)
{
	assert_true(k < p->nkeys);
	assert_int_equal(p->keys[k].kind, kind);
	assert_int_equal(p->keys[k].offset, offset);
	assert_int_equal(p->keys[k].size, size);
}

/* ---- key layout ---- */

static void test_no_key_count(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	NEED_TRACEFS();
	p = build_ok(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: count}\n", NULL);
	assert_string_equal(p->agg->name, "count");
	assert_null(p->value);
	assert_null(p->filter);
	assert_int_equal(p->nkeys, 0);
	/* a keyless map still needs a key: one zero __u32 */
	assert_int_equal(p->slot_offset, 0);
	assert_int_equal(p->key_size, 4);
	assert_string_equal(p->map_name, "@");
	assert_int_equal(p->max_entries, 10240);
	assert_string_equal(p->name, "t.yaml");
	assert_int_equal(p->npoints, 1);
	assert_string_equal(p->points[0].display, "tracepoint:block:block_rq_issue");
	assert_string_equal(p->points[0].target, "block:block_rq_issue");
	assert_int_equal(p->ngroups, 1);
	assert_int_equal(p->groups[0].first, 0);
	assert_string_equal(p->groups[0].provider->name, "tracepoint");
	/* no expression reads a field */
	assert_int_equal(p->groups[0].nfields, 0);
	assert_int_equal(p->nparams, 0);
	assert_int_equal(p->cfg_size, PLAN_CFG_PARAMS_OFFSET);
	done(&b);
}

static void test_string_key_sum(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	NEED_TRACEFS();
	p = build_ok(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"map: bytes\n"
		"key: [args.rwbs]\n"
		"aggregate: {type: sum, value: args.bytes}\n", NULL);
	assert_string_equal(p->agg->name, "sum");
	assert_non_null(p->value);
	assert_string_equal(p->map_name, "@bytes");
	assert_int_equal(p->nkeys, 1);
	check_key(p, 0, KEY_STR, 0, 10);	/* char rwbs[10] on this kernel */
	assert_int_equal(p->keys[0].type.kind, TY_STR);
	assert_int_equal(p->keys[0].type.size, 10);
	assert_string_equal(p->keys[0].path, "key[0]");
	/* no slot: keyed and not bucketed; nothing pads a char array */
	assert_int_equal(p->key_size, 10);
	assert_int_equal(p->ngroups, 1);
	/* the group's record: exactly the two fields read, as tracefs lays them out */
	assert_int_equal(p->groups[0].nfields, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct field_info *f = &p->groups[0].fields[i];

		if (!strcmp(f->name, "rwbs")) {
			assert_int_equal(f->kind, FIELD_CHAR_ARRAY);
			assert_int_equal(f->offset, 34);
			assert_int_equal(f->size, 10);
		} else {
			assert_string_equal(f->name, "bytes");
			assert_int_equal(f->kind, FIELD_INT);
			assert_int_equal(f->offset, 28);
			assert_int_equal(f->size, 4);
		}
	}
	done(&b);
}

static void test_comm_pid_hist(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	NEED_TRACEFS();
	p = build_ok(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"key: [comm, pid]\n"
		"aggregate: {type: hist, value: args.bytes}\n", NULL);
	assert_true(p->agg->bucketed);
	assert_int_equal(p->nkeys, 2);
	check_key(p, 0, KEY_STR, 0, 16);
	check_key(p, 1, KEY_UINT, 16, 8);	/* pid is u32, widened to a u64 member */
	assert_int_equal(p->slot_offset, 24);
	assert_int_equal(p->key_size, 32);	/* 28 rounded to the u64's alignment */
	done(&b);
}

static void test_mixed_key_alignment(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	NEED_TRACEFS();
	p = build_ok(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"key: [args.rwbs, probe, (s32)args.bytes]\n"
		"aggregate: {type: lhist, value: args.bytes, min: 0, max: 100, step: 10}\n",
		NULL);
	check_key(p, 0, KEY_STR, 0, 10);
	check_key(p, 1, KEY_PROBE, 12, 4);	/* 10 aligned up to 4 */
	check_key(p, 2, KEY_INT, 16, 8);
	assert_int_equal(p->slot_offset, 24);
	assert_int_equal(p->key_size, 32);
	assert_int_equal(p->lmin, 0);
	assert_int_equal(p->lmax, 100);
	assert_int_equal(p->lstep, 10);
	done(&b);
}

static void test_probe_key_all_syscalls(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	NEED_TRACEFS();
	p = build_ok(&b, HEAD
		"probes: [tracepoint:syscalls:sys_enter_*]\n"
		"key: [probe]\n"
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(p->npoints, 360);
	/* no field read: every point shares one program */
	assert_int_equal(p->ngroups, 1);
	assert_int_equal(p->groups[0].first, 0);
	for (size_t i = 0; i < p->npoints; i++) {
		assert_int_equal(p->point_group[i], 0);
		assert_non_null(strstr(p->points[i].display, "tracepoint:syscalls:sys_enter_"));
	}
	/* sorted, so cookies (indexes) are stable from run to run */
	for (size_t i = 1; i < p->npoints; i++)
		assert_true(strcmp(p->points[i - 1].target, p->points[i].target) < 0);
	check_key(p, 0, KEY_PROBE, 0, 4);
	assert_int_equal(p->keys[0].type.kind, TY_PROBE);
	assert_int_equal(p->key_size, 4);
	done(&b);
}

static void test_wildcard_groups_by_layout(void **state)
{
	static const char *const names[] = {
		"syscalls:sys_enter_chown", "syscalls:sys_enter_fchown",
		"syscalls:sys_enter_fchownat", "syscalls:sys_enter_lchown",
	};
	struct built b;
	struct plan *p;

	(void)state;
	NEED_TRACEFS();
	p = build_ok(&b, HEAD
		"probes: [tracepoint:syscalls:sys_enter_*chown*]\n"
		"key: [args.user]\n"
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(p->npoints, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(p->points[i].target, names[i]);
	/* `user` is at 24 in chown, fchown and lchown, at 32 in fchownat */
	assert_int_equal(p->ngroups, 2);
	assert_int_equal(p->point_group[0], 0);
	assert_int_equal(p->point_group[1], 0);
	assert_int_equal(p->point_group[2], 1);
	assert_int_equal(p->point_group[3], 0);
	assert_int_equal(p->groups[0].first, 0);
	assert_int_equal(p->groups[1].first, 2);
	assert_int_equal(p->groups[0].nfields, 1);
	assert_int_equal(p->groups[1].nfields, 1);
	assert_string_equal(p->groups[0].fields[0].name, "user");
	assert_int_equal(p->groups[0].fields[0].offset, 24);
	assert_int_equal(p->groups[1].fields[0].offset, 32);
	/* same type everywhere, so one key layout */
	check_key(p, 0, KEY_UINT, 0, 8);
	assert_int_equal(p->key_size, 8);
	done(&b);

	/* Same points, no field read: one group again. */
	p = build_ok(&b, HEAD
		"probes: [tracepoint:syscalls:sys_enter_*chown*]\n"
		"key: [probe]\n"
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(p->npoints, 4);
	assert_int_equal(p->ngroups, 1);
	done(&b);
}

static void test_wildcard_field_missing_on_one(void **state)
{
	struct built b;

	(void)state;
	NEED_TRACEFS();
	/* pread64 preadv preadv2 have fd; process_vm_readv (4th) does not */
	build_err(&b, HEAD
		"probes: [tracepoint:syscalls:sys_enter_*read*]\n"	/* 4 */
		"key: [args.fd]\n"					/* 5 */
		"aggregate: {type: count}\n", NULL,
		5, 12, "tracepoint:syscalls:sys_enter_process_vm_readv has no field 'fd'",
		"available fields: __syscall_nr, pid, lvec");
	done(&b);
}

static void test_key_type_mismatch(void **state)
{
	struct built b;

	(void)state;
	NEED_TRACEFS();
	/* `now` is s64 in hrtimer_expire_entry, unsigned long long in itimer_expire */
	build_err(&b, HEAD
		"probes: [tracepoint:timer:hrtimer_expire_entry,\n"	/* 4 */
		"         tracepoint:timer:itimer_expire]\n"		/* 5 */
		"aggregate: {type: count}\n"				/* 6 */
		"key: [cpu, args.now]\n", NULL,			/* 7 */
		7, 12,
		"this key is s64 on tracepoint:timer:hrtimer_expire_entry but u64 on tracepoint:timer:itimer_expire",
		"cast the key");
	done(&b);

	/* the cast the hint suggests makes it one type */
	struct plan *p = build_ok(&b, HEAD
		"probes: [tracepoint:timer:hrtimer_expire_entry, tracepoint:timer:itimer_expire]\n"
		"aggregate: {type: count}\n"
		"key: [(u64)args.now]\n", NULL);
	check_key(p, 0, KEY_UINT, 0, 8);
	assert_int_equal(p->ngroups, 2);
	done(&b);
}

/* ---- params ---- */

#define PARAMS_RECIPE HEAD \
	"probes: [tracepoint:block:block_rq_issue]\n"			/* 4 */ \
	"filter: args.bytes > min_bytes && comm == who && delta < 0\n"	/* 5 */ \
	"aggregate: {type: count}\n"					/* 6 */ \
	"params:\n"							/* 7 */ \
	"  - {name: min_bytes, type: uint, default: 4096}\n"		/* 8 */ \
	"  - {name: who, type: string, default: bash}\n"		/* 9 */ \
	"  - {name: delta, type: int, default: -5}\n"			/* 10 */

static void check_param(const struct plan_param *pp, const char *name,
			enum expr_tkind kind, unsigned size, bool is_signed,
			const char *member, unsigned offset)
{
	assert_string_equal(pp->name, name);
	assert_int_equal(pp->type.kind, kind);
	assert_int_equal(pp->type.size, size);
	assert_int_equal(pp->type.is_signed, is_signed);
	assert_string_equal(pp->member, member);
	assert_int_equal(pp->offset, offset);
}

static void test_params_defaults_and_layout(void **state)
{
	unsigned char cfg[104];
	struct built b;
	struct plan *p;
	uint64_t u;
	int64_t s;
	uint32_t tgid;

	(void)state;
	NEED_TRACEFS();
	p = build_ok(&b, PARAMS_RECIPE, NULL);
	assert_int_equal(p->nparams, 3);
	check_param(&p->params[0], "min_bytes", TY_INT, 8, false, "p0", 24);
	check_param(&p->params[1], "who", TY_STR, 64, false, "p1", 32);
	check_param(&p->params[2], "delta", TY_INT, 8, true, "p2", 96);
	assert_int_equal(p->cfg_size, 104);
	assert_int_equal(p->params[0].ival, 4096);
	assert_string_equal(p->params[1].sval, "bash");
	assert_int_equal(p->params[2].ival, -5);

	memset(cfg, 0xaa, sizeof(cfg));
	memset(cfg, 0, p->cfg_size);
	plan_fill_config(p, cfg);
	memcpy(&tgid, cfg, 4);
	assert_int_equal(tgid, 0);
	assert_int_equal(cfg[PLAN_CFG_COMM_OFFSET], 0);
	memcpy(&u, cfg + 24, 8);
	assert_int_equal(u, 4096);
	assert_string_equal((char *)cfg + 32, "bash");
	assert_int_equal(cfg[32 + 63], 0);
	memcpy(&s, cfg + 96, 8);
	assert_int_equal(s, -5);
	done(&b);
}

/*
 * A start/end plan: start points after the end's, start groups marked,
 * one match layout for both sides (a u64 for an s32 and a u32, a char
 * array for strings), saved values after the start's time, and a saved value
 * keeping its type (a string, a syscall name) at the end.
 */
static void test_pair_layout(void **state)
{
	struct built b;
	struct plan *p;
	const struct plan_pair *pr;

	(void)state;
	NEED_TRACEFS();
	p = build_ok(&b, HEAD
		"start:\n"
		"  probes: [tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new]\n"
		"  match: [tid, args.comm]\n"
		"  save:\n"
		"    - {name: waker, value: comm}\n"
		"    - {name: prio, value: args.prio}\n"
		"probes: [tracepoint:sched:sched_switch]\n"
		"match:\n"
		"  - args.next_pid\n"
		"  - args.next_comm\n"
		"filter: prio < 100 && latency > 0\n"
		"key: [waker]\n"
		"aggregate: {type: hist, value: latency}\n", NULL);
	pr = p->pair;
	assert_non_null(pr);
	assert_int_equal(p->npoints, 3);
	assert_int_equal(pr->first_point, 1);
	assert_int_equal(p->ngroups, 2);
	assert_false(p->groups[p->point_group[0]].start);
	assert_true(p->groups[p->point_group[1]].start);
	assert_int_equal(p->point_group[1], p->point_group[2]);
	assert_int_equal(pr->nmatch, 2);
	assert_int_equal(pr->start_match[0].kind, KEY_UINT);
	assert_int_equal(pr->start_match[1].kind, KEY_STR);
	assert_int_equal(pr->start_match[1].size, 16);
	assert_int_equal(pr->end_match[1].size, 16);
	assert_int_equal(pr->end_match[1].offset, 8);
	assert_int_equal(pr->match_size, 24);
	assert_int_equal(pr->nsaved, 2);
	assert_int_equal(pr->saved[0].offset, 8);
	assert_int_equal(pr->saved[1].offset, 24);
	assert_int_equal(pr->started_size, 32);
	assert_int_equal(pr->max_entries, 10240);
	assert_int_equal(p->keys[0].type.kind, TY_STR);
	assert_int_equal(p->keys[0].type.size, 16);
	done(&b);

	/* a saved value keeps how it is shown: a syscall's name */
	p = build_ok(&b, HEAD
		"start:\n"
		"  probes: [tracepoint:raw_syscalls:sys_enter]\n"
		"  match: [tid]\n"
		"  save: [{name: call, value: syscall_name(args.id)}]\n"
		"probes: [tracepoint:raw_syscalls:sys_exit]\n"
		"key: [call]\n"
		"aggregate: {type: hist, value: latency}\n", NULL);
	assert_int_equal(p->keys[0].type.kind, TY_INT);
	assert_int_equal(p->keys[0].type.display, DISP_SYSCALL);
	assert_int_equal(p->pair->saved[0].offset, 8);
	done(&b);

	/* a string at one end, a number at the other */
	build_err(&b, HEAD
		"start:\n"
		"  probes: [tracepoint:sched:sched_wakeup]\n"
		"  match: [args.comm]\n"
		"probes: [tracepoint:sched:sched_switch]\n"
		"match: [args.next_pid]\n"
		"aggregate: {type: count}\n", NULL,
		8, 9, "match 1 is a number at the end but a string at the start", "like with like");
	done(&b);

	/* the saved values must leave room on the BPF stack */
	build_err(&b, HEAD
		"start:\n"
		"  probes: [tracepoint:syscalls:sys_enter_openat]\n"
		"  match: [tid]\n"
		"  save: [{name: path, value: \"str(args.filename, 256)\"}]\n"
		"probes: [tracepoint:syscalls:sys_exit_openat]\n"
		"aggregate: {type: count}\n", NULL,
		7, 31, "the saved values would take 264 bytes", "shorten strings");
	done(&b);
}

static void test_params_override(void **state)
{
	static const char *const params[] = {
		"min_bytes=0x10", "who=kworker/0:1", "delta=-0x10",
	};
	const struct plan_opts opts = {
		.params = params, .nparams = 3, .pid = 4242, .comm = "dd",
	};
	unsigned char cfg[104] = { 0 };
	struct built b;
	struct plan *p;
	uint64_t u;
	int64_t s;
	uint32_t tgid;

	(void)state;
	NEED_TRACEFS();
	p = build_ok(&b, PARAMS_RECIPE, &opts);
	assert_int_equal(p->params[0].ival, 16);
	assert_string_equal(p->params[1].sval, "kworker/0:1");
	assert_int_equal(p->params[2].ival, -16);
	assert_int_equal(p->target_pid, 4242);
	assert_string_equal(p->target_comm, "dd");
	plan_fill_config(p, cfg);
	memcpy(&tgid, cfg, 4);
	assert_int_equal(tgid, 4242);
	assert_string_equal((char *)cfg + PLAN_CFG_COMM_OFFSET, "dd");
	memcpy(&u, cfg + 24, 8);
	assert_int_equal(u, 16);
	assert_string_equal((char *)cfg + 32, "kworker/0:1");
	memcpy(&s, cfg + 96, 8);
	assert_int_equal(s, -16);
	done(&b);
}

static void test_param_unknown_name(void **state)
{
	static const char *const params[] = { "min_byte=1" };
	const struct plan_opts opts = { .params = params, .nparams = 1 };
	struct built b;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, PARAMS_RECIPE, &opts, 0, 0,
		  "t.yaml has no param 'min_byte'",
		  "its params are: min_bytes, who, delta");
	assert_null(b.d.v[0].file);
	done(&b);

	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: count}\n", &opts, 0, 0,
		"has no param 'min_byte'", "it takes no params");
	done(&b);
}

static void test_param_bad_values(void **state)
{
	static const char *const p1[] = { "min_bytes=12k" };
	static const char *const p2[] = { "min_bytes=-1" };
	static const char *const p3[] = { "delta=" };
	static const char *const p4[] = { "min_bytes" };
	static const char *const p5[] = { "delta=99999999999999999999" };
	static const char *const p6[] = {
		"who=0123456789012345678901234567890123456789012345678901234567890123",
	};
	const struct plan_opts o1 = { .params = p1, .nparams = 1 };
	const struct plan_opts o2 = { .params = p2, .nparams = 1 };
	const struct plan_opts o3 = { .params = p3, .nparams = 1 };
	const struct plan_opts o4 = { .params = p4, .nparams = 1 };
	const struct plan_opts o5 = { .params = p5, .nparams = 1 };
	const struct plan_opts o6 = { .params = p6, .nparams = 1 };
	struct built b;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, PARAMS_RECIPE, &o1, 0, 0,
		  "param 'min_bytes' (uint): '12k' is not a non-negative integer",
		  "min_bytes=4096");
	done(&b);
	build_err(&b, PARAMS_RECIPE, &o2, 0, 0,
		  "'-1' is not a non-negative integer", "decimal or 0x");
	done(&b);
	build_err(&b, PARAMS_RECIPE, &o3, 0, 0,
		  "param 'delta' (int): '' is not an integer", "delta=4096");
	done(&b);
	build_err(&b, PARAMS_RECIPE, &o4, 0, 0,
		  "--param 'min_bytes': expected NAME=VALUE", NULL);
	done(&b);
	build_err(&b, PARAMS_RECIPE, &o5, 0, 0,
		  "'99999999999999999999' is not an integer", "decimal");
	done(&b);
	/* 64 bytes do not fit the 64-byte buffer with its NUL */
	build_err(&b, PARAMS_RECIPE, &o6, 0, 0,
		  "param 'who': value longer than 63 bytes", NULL);
	done(&b);
}

/*
 * strtoull() skips leading blanks and then accepts a '-', wrapping: a
 * uint param must not take " -1" as 18446744073709551615.
 */
static void test_param_uint_rejects_blank_minus(void **state)
{
	static const char *const params[] = { "min_bytes= -1" };
	const struct plan_opts opts = { .params = params, .nparams = 1 };
	struct built b;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, PARAMS_RECIPE, &opts, 0, 0,
		  "is not a non-negative integer", "decimal or 0x");
	done(&b);
}

static void test_param_bad_declarations(void **state)
{
	struct built b;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"	/* 4 */
		"aggregate: {type: count}\n"			/* 5 */
		"params:\n"					/* 6 */
		"  - name: min_bytes\n"				/* 7 */
		"    type: uint\n"				/* 8 */
		"    default: 4k\n", NULL,			/* 9 */
		9, 14, "param 'min_bytes' (uint): '4k' is not a non-negative integer",
		"decimal or 0x hexadecimal");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: count}\n"
		"params:\n"
		"  - {name: n, type: float, default: 1}\n", NULL,	/* 7 */
		7, 21, "param 'n' has unknown type 'float'", "int (signed 64-bit)");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: count}\n"
		"params:\n"
		"  - {name: 2fast, type: int, default: 1}\n", NULL,	/* 7 */
		7, 12, "param name '2fast' is not an identifier", "letters, digits");
	done(&b);
}

/* ---- aggregation ---- */

static void test_lhist_bounds(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: lhist, value: args.bytes, min: 0, max: 100, step: 0}\n",
		NULL, 5, 69, "lhist step must be positive", "ten buckets of 10");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: lhist, value: args.bytes, min: 0, max: 100, step: -5}\n",
		NULL, 5, 69, "lhist step must be positive", "ten buckets of 10");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: lhist, value: args.bytes, min: 10, max: 10, step: 1}\n",
		NULL, 5, 69, "lhist max (10) must be greater than min (10)", "below and above");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: lhist, value: args.bytes, min: 0, max: 1001, step: 1}\n",
		NULL, 5, 70, "lhist has more than 1000 buckets", "larger step");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: lhist, value: args.bytes, min: 0, max: 100}\n",
		NULL, 5, 12, "lhist needs 'step'", "lhist(value, min, max, step)");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: lhist, value: args.bytes, min: 0, max: 1e3, step: 1}\n",
		NULL, 5, 58, "lhist max '1e3' is not an integer", NULL);
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: hist, value: args.bytes, step: 1}\n",
		NULL, 5, 50, "'step' only applies to lhist", NULL);
	done(&b);

	/* the largest accepted: (max - min) / step == 1000 */
	p = build_ok(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: lhist, value: args.bytes, min: -0x10, max: 984, step: 1}\n",
		NULL);
	assert_int_equal(p->lmin, -16);
	assert_int_equal(p->lmax, 984);
	assert_int_equal(p->lstep, 1);
	done(&b);
}

/*
 * max - min overflows int64 for wide bounds, and the wrapped (negative)
 * difference passes the bucket limit: 1.8e19 / 9e15 is 2000 buckets.
 */
static void test_lhist_bucket_limit_no_overflow(void **state)
{
	struct built b;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate:\n"						/* 5 */
		"  type: lhist\n"
		"  value: args.bytes\n"
		"  min: -9000000000000000000\n"
		"  max: 9000000000000000000\n"
		"  step: 9000000000000000\n", NULL,			/* 10 */
		10, 9, "lhist has more than 1000 buckets", "larger step");
	done(&b);
}

static void test_aggregation_value_rules(void **state)
{
	struct built b;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"	/* 4 */
		"aggregate:\n"					/* 5 */
		"  type: avg\n", NULL,				/* 6 */
		6, 3, "aggregation 'avg' needs a value", "value: EXPRESSION");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate:\n"
		"  type: count\n"
		"  value: args.bytes\n", NULL,			/* 7 */
		7, 10, "aggregation 'count' takes no value", "remove `value:`");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate:\n"
		"  type: histogram\n"				/* 6 */
		"  value: args.bytes\n", NULL,
		6, 9, "unknown aggregation 'histogram'",
		"count, sum, min, max, avg, stats, hist, lhist");
	done(&b);
}

/* ---- probes and fields ---- */

static void test_unknown_probe_type(void **state)
{
	struct built b;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, HEAD
		"probes:\n"					/* 4 */
		"  - kprobx:vfs_read\n"				/* 5 */
		"aggregate: {type: count}\n", NULL,
		5, 5, "unknown probe type 'kprobx'", "tracepoint");
	done(&b);
}

static void test_no_tracepoint_matches(void **state)
{
	struct built b;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, HEAD
		"probes:\n"
		"  - tracepoint:block:block_rq_issue\n"		/* 5 */
		"  - t:block:block_rq_isue\n"			/* 6 */
		"aggregate: {type: count}\n", NULL,
		6, 5, "no tracepoint matches 'block:block_rq_isue'",
		"did you mean tracepoint:block:block_rq_issue?");
	done(&b);
}

static void test_unknown_field_location(void **state)
{
	struct built b;

	(void)state;
	NEED_TRACEFS();
	/* flow sequence: the field name is at column 23 */
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"	/* 4 */
		"key: [args.rwbs, args.bytez]\n"		/* 5 */
		"aggregate: {type: count}\n", NULL,
		5, 23, "tracepoint:block:block_rq_issue has no field 'bytez'",
		"available fields: dev, sector, nr_sector, bytes, ioprio, rwbs, comm, cmd");
	done(&b);
	/* second line of a literal block scalar, after its own indentation */
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"	/* 4 */
		"filter: |\n"					/* 5 */
		"  args.bytes > 0 &&\n"				/* 6 */
		"    args->nr_sectr > 1\n"			/* 7 */
		"aggregate: {type: count}\n", NULL,
		7, 11, "has no field 'nr_sectr'", "nr_sector");
	done(&b);
	/* double-quoted value: the quote is not part of the text */
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate:\n"
		"  type: sum\n"
		"  value: \"args.bytes + args.sz\"\n", NULL,	/* 7 */
		7, 29, "has no field 'sz'", "available fields");
	done(&b);
}

static void test_misc_checks(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	NEED_TRACEFS();
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"map: \"by-type\"\n"				/* 5 */
		"aggregate: {type: count}\n", NULL,
		5, 7, "map name 'by-type' is not an identifier", "@NAME");
	done(&b);
	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"max_entries: 0\n"				/* 5 */
		"aggregate: {type: count}\n", NULL,
		5, 14, "max_entries must be an integer from 1 to 1048576", NULL);
	done(&b);

	const struct plan_opts opts = { .comm = "a-very-long-command" };

	build_err(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"aggregate: {type: count}\n", &opts, 0, 0,
		"--comm 'a-very-long-command' is longer than", NULL);
	done(&b);

	p = build_ok(&b, HEAD
		"probes: [tracepoint:block:block_rq_issue]\n"
		"max_entries: 0x100\n"
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(p->max_entries, 256);
	done(&b);
}

/* Issue 11 items 3-4: the same point twice is attached once, with a warning. */
static void test_duplicate_probes_merged(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	NEED_ROOT();
	build(&b, HEAD
		"probes:\n"
		"  - tracepoint:sched:sched_switch\n"		/* 5 */
		"  - t:sched:sched_switch\n"			/* 6 */
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(b.ret, 0);
	p = b.p;
	assert_int_equal(p->npoints, 1);
	assert_string_equal(p->points[0].display, "tracepoint:sched:sched_switch");
	assert_int_equal(b.d.n, 1);
	assert_int_equal(b.d.v[0].sev, DIAG_WARNING);
	assert_int_equal(b.d.v[0].line, 6);
	assert_int_equal(b.d.v[0].col, 5);
	assert_non_null(strstr(b.d.v[0].msg, "repeats 'tracepoint:sched:sched_switch' (5:5); it is attached once"));
	done(&b);

	/* overlapping globs: the glob's points once each, in its order */
	build(&b, HEAD
		"probes: ['tracepoint:sched:sched_wakeup*', 'tracepoint:sched:*']\n"
		"key: [probe]\n"
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(b.ret, 0);
	p = b.p;
	assert_int_equal(p->npoints, 4);
	assert_string_equal(p->points[0].target, "sched:sched_wakeup");
	assert_string_equal(p->points[1].target, "sched:sched_wakeup_new");
	assert_string_equal(p->points[2].target, "sched:sched_process_exec");
	assert_string_equal(p->points[3].target, "sched:sched_switch");
	assert_int_equal(b.d.n, 1);
	assert_int_equal(b.d.v[0].sev, DIAG_WARNING);
	assert_int_equal(b.d.v[0].col, 45);
	assert_non_null(strstr(b.d.v[0].msg, "2 of the 4 attach points of 'tracepoint:sched:*' are listed already"));
	done(&b);

	/* a start may attach where its end does: those are other programs */
	p = build_ok(&b, HEAD
		"probes: [tracepoint:sched:sched_switch]\n"
		"start: {probes: [tracepoint:sched:sched_switch], match: [cpu]}\n"
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(p->npoints, 2);
	done(&b);
}

/* Many repeats: a few warnings, then one that counts the rest. */
static void test_duplicate_probes_many(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct built b;

	(void)state;
	NEED_ROOT();
	strbuf_addstr(&sb, HEAD "aggregate: {type: count}\nprobes:\n");
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&sb, "  - tracepoint:sched:sched_switch\n");
	build(&b, strbuf_str(&sb), NULL);
	assert_int_equal(b.ret, 0);
	assert_int_equal(b.p->npoints, 1);
	assert_int_equal(b.d.n, 9);
	assert_non_null(strstr(b.d.v[8].msg, "91 more probes repeat attach points"));
	done(&b);
	strbuf_release(&sb);
}

/* The cap on attach points: 512 by default, max_probes: N, --max-probes. */
static void test_max_probes(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct built b;
	struct plan *p;

	(void)state;
	NEED_ROOT();
	/* at the spec that crossed it: 2 + 360 > 300 */
	build_err(&b, HEAD
		"max_probes: 300\n"
		"probes:\n"
		"  - tracepoint:syscalls:sys_exit_*\n"
		"  - tracepoint:syscalls:sys_enter_*\n"		/* 7 */
		"aggregate: {type: count}\n", NULL,
		7, 5, "probes expand to 362 attach points, more than the limit of 300 attach points (max_probes)",
		"max_probes: N");
	done(&b);
	p = build_ok(&b, HEAD
		"probes:\n"
		"  - tracepoint:syscalls:sys_exit_*\n"
		"  - tracepoint:syscalls:sys_enter_*\n"
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(p->npoints, 362);
	assert_int_equal(p->max_probes, 512);
	done(&b);
	p = build_ok(&b, HEAD
		"probes: [tracepoint:syscalls:sys_exit_*, tracepoint:syscalls:sys_enter_*]\n"
		"max_probes: 362\n"
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(p->npoints, 362);
	assert_int_equal(p->max_probes, 362);
	done(&b);

	const struct plan_opts opts = { .max_probes = 3 };

	build_err(&b, HEAD
		"probes: ['tracepoint:sched:*']\n"		/* 4 */
		"max_probes: 1000\n"
		"aggregate: {type: count}\n", &opts,
		4, 11, "probes expand to 4 attach points, more than the limit of 3", "max_probes");
	done(&b);

	/* a list longer than the cap fails before anything is expanded */
	build_err(&b, HEAD
		"max_probes: 2\n"
		"probes: [t:nosuch:a, t:nosuch:b, t:nosuch:c, t:nosuch:d]\n"	/* 5 */
		"aggregate: {type: count}\n", NULL,
		5, 34, "probes lists 4 probes, more than the limit of 2 attach points", "list fewer");
	done(&b);

	/* the start's points count too */
	build_err(&b, HEAD
		"max_probes: 2\n"
		"probes: ['tracepoint:sched:sched_switch']\n"
		"start: {probes: ['tracepoint:sched:sched_wakeup*'], match: [cpu]}\n"	/* 6 */
		"aggregate: {type: count}\n", NULL,
		6, 19, "start.probes expand to 2 attach points (and the probes 1), more than the limit of 2", "max_probes");
	done(&b);

	build_err(&b, HEAD
		"probes: [tracepoint:sched:sched_switch]\n"
		"max_probes: 0\n"				/* 5 */
		"aggregate: {type: count}\n", NULL,
		5, 13, "max_probes must be an integer from 1 to 1048576", "without it, 512");
	done(&b);

	/* a long list of one point needs a cap that long, and is merged */
	strbuf_addstr(&sb, HEAD "aggregate: {type: count}\nmax_probes: 600\nprobes:\n");
	for (int i = 0; i < 600; i++)
		strbuf_addstr(&sb, "  - tracepoint:sched:sched_switch\n");
	build(&b, strbuf_str(&sb), NULL);
	assert_int_equal(b.ret, 0);
	assert_int_equal(b.p->npoints, 1);
	done(&b);
	strbuf_release(&sb);
}

/* ftrace's own events are no tracepoints: no glob matches them, a name says why. */
static void test_ftrace_events_refused(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	NEED_ROOT();
	build_err(&b, HEAD
		"probes: [tracepoint:ftrace:bprint]\n"		/* 4 */
		"aggregate: {type: count}\n", NULL,
		4, 10, "ftrace:bprint is one of ftrace's own events, which BPF cannot attach to",
		"available_events");
	done(&b);
	/* ftrace:function has an id, and still no program attaches to it */
	build_err(&b, HEAD
		"probes: [tracepoint:ftrace:function]\n"	/* 4 */
		"aggregate: {type: count}\n", NULL,
		4, 10, "ftrace:function is one of ftrace's own events", "no tracepoints");
	done(&b);
	p = build_ok(&b, HEAD
		"probes: ['tracepoint:*:*']\n"
		"max_probes: 100000\n"
		"aggregate: {type: count}\n", NULL);
	for (size_t i = 0; i < p->npoints; i++)
		if (!strncmp(p->points[i].target, "ftrace:", 7))
			fail_msg("tracepoint:*:* matched %s", p->points[i].target);
	done(&b);
}

/*
 * Issue 11 item 9: an expression's warning is said once, not once per
 * point it is checked on and once more per program group.
 */
static void test_warning_once(void **state)
{
	struct built b;

	(void)state;
	NEED_ROOT();
	build(&b, HEAD
		"probes: ['tracepoint:syscalls:sys_enter_*chown*']\n"
		"filter: comm != \"a-command-name-too-long\"\n"	/* 5 */
		"key: [args.user]\n"
		"aggregate: {type: count}\n", NULL);
	assert_int_equal(b.ret, 0);
	/* four points, two programs (test_wildcard_groups_by_layout): it was said six times */
	assert_int_equal(b.p->npoints, 4);
	assert_int_equal(b.p->ngroups, 2);
	assert_int_equal(b.d.n, 1);
	assert_int_equal(b.d.v[0].sev, DIAG_WARNING);
	assert_int_equal(b.d.v[0].line, 5);
	assert_int_equal(b.d.v[0].col, 17);
	assert_non_null(strstr(b.d.v[0].msg, "the comparison is always true"));
	assert_non_null(b.d.v[0].hint);
	done(&b);
}

/* Independent mistakes are all reported by one build. */
static void test_reports_every_mistake(void **state)
{
	struct built b;

	(void)state;
	NEED_TRACEFS();
	build(&b, HEAD
		"probes: [tracepoint:block:block_rq_isue]\n"	/* 4 */
		"aggregate: {type: sum}\n"			/* 5 */
		"params:\n"
		"  - {name: n, type: uint, default: x}\n", NULL);	/* 7 */
	assert_int_equal(b.ret, -EINVAL);
	assert_null(b.p);
	assert_int_equal(b.d.n, 3);
	/* in reading order of the checks: params, aggregate, probes */
	assert_int_equal(b.d.v[0].line, 7);
	assert_non_null(strstr(b.d.v[0].msg, "'x' is not a non-negative integer"));
	assert_int_equal(b.d.v[1].line, 5);
	assert_non_null(strstr(b.d.v[1].msg, "aggregation 'sum' needs a value"));
	assert_int_equal(b.d.v[2].line, 4);
	assert_non_null(strstr(b.d.v[2].msg, "no tracepoint matches"));
	done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_key_count),
		cmocka_unit_test(test_string_key_sum),
		cmocka_unit_test(test_comm_pid_hist),
		cmocka_unit_test(test_mixed_key_alignment),
		cmocka_unit_test(test_probe_key_all_syscalls),
		cmocka_unit_test(test_wildcard_groups_by_layout),
		cmocka_unit_test(test_wildcard_field_missing_on_one),
		cmocka_unit_test(test_key_type_mismatch),
		cmocka_unit_test(test_params_defaults_and_layout),
		cmocka_unit_test(test_pair_layout),
		cmocka_unit_test(test_params_override),
		cmocka_unit_test(test_param_unknown_name),
		cmocka_unit_test(test_param_bad_values),
		cmocka_unit_test(test_param_uint_rejects_blank_minus),
		cmocka_unit_test(test_param_bad_declarations),
		cmocka_unit_test(test_lhist_bounds),
		cmocka_unit_test(test_lhist_bucket_limit_no_overflow),
		cmocka_unit_test(test_aggregation_value_rules),
		cmocka_unit_test(test_unknown_probe_type),
		cmocka_unit_test(test_no_tracepoint_matches),
		cmocka_unit_test(test_unknown_field_location),
		cmocka_unit_test(test_misc_checks),
		cmocka_unit_test(test_reports_every_mistake),
		cmocka_unit_test(test_duplicate_probes_merged),
		cmocka_unit_test(test_duplicate_probes_many),
		cmocka_unit_test(test_max_probes),
		cmocka_unit_test(test_ftrace_events_refused),
		cmocka_unit_test(test_warning_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
