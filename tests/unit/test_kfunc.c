/*
 * test_kfunc: the kernel-function probe types (kprobe, kretprobe,
 * fentry, fexit, rawtracepoint) against this kernel's BTF and symbols:
 *
 * - the fallback rule of plan_build(), with availability faked through
 *   the provider_available seam: the written type when it attaches, its
 *   fallback when only that attaches, the written type when neither
 *   does, and then one message at attach naming both reasons;
 * - args as fields at exact offsets: fentry's from vfs_read's BTF
 *   prototype (slot i at 8*i), kprobe's at the pt_regs registers (the
 *   offsets read here independently from BTF), kretprobe/fexit retval,
 *   a raw tracepoint's;
 * - one program per fentry point, one shared by kprobe points;
 * - a kprobe glob expanded against the real /proc/kallsyms.
 *
 * Named test_kfunc, not test_providers: tests/integration/ already has
 * a test_providers and both would build to $(OUTPUT)/tests/test_providers.
 */
#include <errno.h>
#include <fnmatch.h>
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

#include <bpf/btf.h>

#include "check/plan.h"
#include "load/recipe.h"
#include "probes/kfunc_args.h"
#include "util/file.h"
#include "util/vmlinux.h"

extern const struct provider provider_kprobe, provider_kretprobe,
	provider_fentry, provider_fexit, provider_rawtracepoint;

#define KWHY "no kprobes (faked)"
#define FWHY "no fentry (faked)"

/* ---- faked availability -------------------------------------------- */

static bool fake_kprobe, fake_fentry;

static bool fake_available(const struct provider *p, const char **why)
{
	if (p == &provider_kprobe || p == &provider_kretprobe) {
		if (!fake_kprobe)
			*why = KWHY;
		return fake_kprobe;
	}
	if (p == &provider_fentry || p == &provider_fexit) {
		if (!fake_fentry)
			*why = FWHY;
		return fake_fentry;
	}
	return p->available(why);
}

static bool (*real_available)(const struct provider *p, const char **why);

static int fake_setup(void **state)
{
	(void)state;
	real_available = provider_available;
	provider_available = fake_available;
	return 0;
}

static int fake_teardown(void **state)
{
	(void)state;
	provider_available = real_available;
	return 0;
}

/* ---- plans ----------------------------------------------------------- */

static const struct plan_opts no_opts;

struct built {
	struct recipe_file *rf;
	struct plan *p;
	struct diag_list d;
};

static struct plan *build_ok(struct built *b, const char *text)
{
	int ret;

	memset(b, 0, sizeof(*b));
	if (recipe_load_string("t.yaml", text, &b->rf, &b->d)) {
		diag_print(&b->d, stderr);
		fail_msg("recipe did not load");
	}
	ret = plan_build(b->rf, &no_opts, &b->p, &b->d);
	if (ret) {
		diag_print(&b->d, stderr);
		fail_msg("plan_build failed: %d", ret);
	}
	assert_int_equal(b->d.n, 0);
	return b->p;
}

static void done(struct built *b)
{
	plan_free(b->p);
	recipe_file_free(b->rf);
	diag_list_release(&b->d);
}

static const struct field_info *group_field(const struct plan *p, unsigned g,
					    const char *name)
{
	for (size_t i = 0; i < p->groups[g].nfields; i++)
		if (!strcmp(p->groups[g].fields[i].name, name))
			return &p->groups[g].fields[i];
	fail_msg("group %u has no field %s", g, name);
	return NULL;
}

/* Offset of a struct pt_regs member, read here straight from BTF. */
static unsigned regs_offset(const char *reg)
{
	struct btf *btf = btf__parse(vmlinux_btf_path(), NULL);
	const struct btf_type *t;
	const struct btf_member *m;
	int id;

	assert_non_null(btf);
	id = btf__find_by_name_kind(btf, "pt_regs", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = btf__type_by_id(btf, (__u32)id);
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), reg)) {
			unsigned off = m->offset / 8;

			btf__free(btf);
			return off;
		}
	btf__free(btf);
	fail_msg("pt_regs has no %s", reg);
	return 0;
}

#define VFS_READ_COUNT \
	HEAD \
	"probes:\n" \
	"  - kprobe:vfs_read\n" \
	"key: [probe, args.count]\n" \
	"aggregate: {type: count}\n"

/* kprobes attach: the recipe runs as written, count read from dx. */
static void test_written_type_when_available(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	fake_kprobe = true;
	fake_fentry = true;
	p = build_ok(&b, VFS_READ_COUNT);
	assert_int_equal(p->npoints, 1);
	assert_ptr_equal(p->points[0].provider, &provider_kprobe);
	assert_null(p->points[0].written);
	assert_string_equal(p->points[0].display, "kprobe:vfs_read");
	assert_int_equal(group_field(p, 0, "arg2")->offset, regs_offset("dx"));
	assert_int_equal(group_field(p, 0, "arg2")->size, 8);
	done(&b);
}

/* No kprobes, fentry works: the same recipe runs on fentry, count at 16. */
static void test_fallback_when_only_it_attaches(void **state)
{
	struct built b;
	struct plan *p;
	const struct field_info *f;

	(void)state;
	fake_kprobe = false;
	fake_fentry = true;
	p = build_ok(&b, VFS_READ_COUNT);
	assert_int_equal(p->npoints, 1);
	assert_ptr_equal(p->points[0].provider, &provider_fentry);
	assert_ptr_equal(p->points[0].written, &provider_kprobe);
	/* the report names the probe as the recipe does */
	assert_string_equal(p->points[0].display, "kprobe:vfs_read");
	f = group_field(p, 0, "arg2");
	assert_int_equal(f->offset, 16);
	assert_int_equal(f->kind, FIELD_INT);
	assert_false(f->is_signed);
	assert_string_equal(p->groups[0].provider->section, "fentry");
	done(&b);

	/* and the other way round: fentry written, kprobes work */
	fake_kprobe = true;
	fake_fentry = false;
	p = build_ok(&b, HEAD "probes: [fentry:vfs_read]\nkey: [(u64)args.pos]\naggregate: {type: count}\n");
	assert_ptr_equal(p->points[0].provider, &provider_kprobe);
	assert_ptr_equal(p->points[0].written, &provider_fentry);
	assert_int_equal(group_field(p, 0, "arg3")->offset, regs_offset("cx"));
	done(&b);

	/* kretprobe's retval becomes fexit's, after vfs_read's four args */
	fake_kprobe = false;
	fake_fentry = true;
	p = build_ok(&b, HEAD "probes: [kretprobe:vfs_read]\nkey: [args.retval]\n"
			 "aggregate: {type: count}\n");
	assert_ptr_equal(p->points[0].provider, &provider_fexit);
	f = group_field(p, 0, "retval");
	assert_int_equal(f->offset, 32);
	assert_true(f->is_signed);
	done(&b);
}

/*
 * Neither attaches: the written type stays (so `recipe check` verifies
 * its program), and attaching says once why neither can, at the probe.
 */
static void test_neither_keeps_written_and_one_message(void **state)
{
	struct built b;
	struct plan *p;
	struct attach_set set = { 0 };
	struct diag_list d = DIAG_LIST_INIT;
	int err;

	(void)state;
	fake_kprobe = false;
	fake_fentry = false;
	p = build_ok(&b, VFS_READ_COUNT);
	assert_ptr_equal(p->points[0].provider, &provider_kprobe);
	assert_null(p->points[0].written);
	err = p->points[0].provider->attach(&p->points[0], NULL, 0, &set, &d);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_int_equal(set.n, 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, DIAG_ERROR);
	assert_string_equal(d.v[0].file, "t.yaml");
	assert_int_equal(d.v[0].line, 5);
	assert_int_equal(d.v[0].col, 5);
	assert_string_equal(d.v[0].msg,
			    "kprobe:vfs_read cannot attach on this kernel: " KWHY
			    "; its fentry fallback cannot either: " FWHY);
	assert_non_null(d.v[0].hint);
	assert_non_null(strstr(d.v[0].hint, "tracepoint"));
	diag_list_release(&d);
	done(&b);
}

/* fentry points never share a program; kprobe points of one layout do. */
static void test_programs_per_point(void **state)
{
	struct built b;
	struct plan *p;

	(void)state;
	fake_kprobe = true;
	fake_fentry = true;
	p = build_ok(&b, HEAD "probes: [fentry:vfs_read, fentry:vfs_write]\nkey: [probe]\n"
			 "aggregate: {type: count}\n");
	assert_int_equal(p->npoints, 2);
	assert_int_equal(p->ngroups, 2);
	assert_int_equal(p->point_group[1], 1);
	done(&b);
	p = build_ok(&b, HEAD "probes: [kprobe:vfs_read, kprobe:vfs_write]\nkey: [probe, args.count]\n"
			 "aggregate: {type: count}\n");
	assert_int_equal(p->npoints, 2);
	assert_int_equal(p->ngroups, 1);
	done(&b);
}

/* ---- fields ------------------------------------------------------------ */

static struct attach_point expand_one(const struct provider *prov, const char *target)
{
	struct attach_point *pts = NULL, ap;
	struct diag_list d = DIAG_LIST_INIT;
	size_t n = 0;

	if (prov->expand(prov, target, NULL, &pts, &n, &d)) {
		diag_print(&d, stderr);
		fail_msg("%s:%s did not expand", prov->name, target);
	}
	assert_int_equal(n, 1);
	ap = pts[0];
	free(pts);
	diag_list_release(&d);
	return ap;
}

static void expect_field(struct attach_point *ap, const char *name, const char *as,
			 enum field_kind kind, unsigned offset, unsigned size,
			 bool is_signed, const char *ctype)
{
	struct field_info f;
	int err = ap->provider->field(ap, name, &f);

	if (err)
		fail_msg("%s has no field %s: %d", ap->display, name, err);
	assert_string_equal(f.name, as);
	assert_int_equal(f.kind, kind);
	assert_int_equal(f.offset, offset);
	assert_int_equal(f.size, size);
	assert_int_equal(f.is_signed, is_signed);
	assert_string_equal(f.ctype, ctype);
}

/* vfs_read(struct file *file, char *buf, size_t count, loff_t *pos) */
static void test_fentry_fields_of_vfs_read(void **state)
{
	struct attach_point ap = expand_one(&provider_fentry, "vfs_read");
	struct field_info f;

	(void)state;
	assert_string_equal(ap.display, "fentry:vfs_read");
	expect_field(&ap, "file", "arg0", FIELD_PTR, 0, 8, false, "struct file *");
	expect_field(&ap, "buf", "arg1", FIELD_PTR, 8, 8, false, "char *");
	expect_field(&ap, "count", "arg2", FIELD_INT, 16, 8, false, "size_t");
	expect_field(&ap, "arg2", "arg2", FIELD_INT, 16, 8, false, "size_t");
	expect_field(&ap, "pos", "arg3", FIELD_PTR, 24, 8, false, "loff_t *");
	assert_int_equal(ap.provider->field(&ap, "retval", &f), -ENOENT);
	assert_int_equal(ap.provider->field(&ap, "arg4", &f), -ENOENT);
	assert_string_equal(ap.provider->field_names(&ap),
			    "arg0 (file), arg1 (buf), arg2 (count), arg3 (pos)");
	attach_point_release(&ap);

	ap = expand_one(&provider_fexit, "vfs_read");
	expect_field(&ap, "retval", "retval", FIELD_INT, 32, 8, true, "ssize_t");
	expect_field(&ap, "count", "arg2", FIELD_INT, 16, 8, false, "size_t");
	attach_point_release(&ap);
}

/* kprobe: the same names, at the registers; kretprobe: retval in ax. */
static void test_kprobe_fields_at_registers(void **state)
{
	struct attach_point ap = expand_one(&provider_kprobe, "vfs_read");
	struct field_info f;

	(void)state;
	expect_field(&ap, "file", "arg0", FIELD_PTR, regs_offset("di"), 8, false, "struct file *");
	expect_field(&ap, "arg1", "arg1", FIELD_PTR, regs_offset("si"), 8, false, "char *");
	expect_field(&ap, "count", "arg2", FIELD_INT, regs_offset("dx"), 8, false, "size_t");
	expect_field(&ap, "pos", "arg3", FIELD_PTR, regs_offset("cx"), 8, false, "loff_t *");
	assert_int_equal(ap.provider->field(&ap, "retval", &f), -ENOENT);
	attach_point_release(&ap);

	ap = expand_one(&provider_kretprobe, "vfs_read");
	expect_field(&ap, "retval", "retval", FIELD_INT, regs_offset("ax"), 8, true, "ssize_t");
	/* registers are clobbered by the return: no args there */
	assert_int_equal(ap.provider->field(&ap, "count", &f), -ENOENT);
	attach_point_release(&ap);

	/* an int is read as the low half of its register: fd_install(unsigned int fd, ...) */
	ap = expand_one(&provider_kprobe, "fd_install");
	expect_field(&ap, "fd", "arg0", FIELD_INT, regs_offset("di"), 4, false, "unsigned int");
	attach_point_release(&ap);
}

/* sched_switch(bool preempt, prev, next, unsigned int prev_state); sys_enter(regs, long id) */
static void test_rawtracepoint_fields(void **state)
{
	struct attach_point ap = expand_one(&provider_rawtracepoint, "sched_switch");
	struct diag_list d = DIAG_LIST_INIT;
	struct attach_point *pts = NULL;
	size_t n = 0;

	(void)state;
	expect_field(&ap, "arg0", "arg0", FIELD_INT, 0, 1, false, "bool");
	expect_field(&ap, "arg1", "arg1", FIELD_PTR, 8, 8, false, "struct task_struct *");
	expect_field(&ap, "arg3", "arg3", FIELD_INT, 24, 4, false, "unsigned int");
	attach_point_release(&ap);
	ap = expand_one(&provider_rawtracepoint, "sys_enter");
	expect_field(&ap, "arg1", "arg1", FIELD_INT, 8, 8, true, "long int");
	attach_point_release(&ap);

	assert_int_equal(provider_rawtracepoint.expand(&provider_rawtracepoint, "sched_swtch",
						       NULL, &pts, &n, &d), -ENOENT);
	assert_int_equal(n, 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "no raw tracepoint 'sched_swtch' in the kernel's BTF");
	assert_string_equal(d.v[0].hint, "did you mean rawtracepoint:sched_switch?");
	diag_list_release(&d);
	free(pts);
}

/* ---- expansion ------------------------------------------------------- */

/* Whether /proc/kallsyms has `name` as a text symbol (t or T). */
static bool in_kallsyms(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *s = text; (s = strstr(s, name)); s += len)
		if (s > text + 3 && s[-1] == ' ' && (s[-2] == 't' || s[-2] == 'T') &&
		    s[-3] == ' ' && (s[len] == '\n' || s[len] == '\t'))
			return true;
	return false;
}

static void test_kprobe_glob_against_kallsyms(void **state)
{
	struct attach_point *pts = NULL;
	struct diag_list d = DIAG_LIST_INIT;
	size_t n = 0, len;
	bool read = false, readv = false;
	void *text;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: available_filter_functions is root-only\n");
		skip();
	}
	assert_int_equal(file_read("/proc/kallsyms", &text, &len), 0);
	assert_int_equal(provider_kprobe.expand(&provider_kprobe, "vfs_rea*", NULL, &pts, &n, &d), 0);
	assert_int_equal(d.n, 0);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(pts[i].provider, &provider_kprobe);
		assert_int_equal(fnmatch("vfs_rea*", pts[i].target, 0), 0);
		if (!in_kallsyms(text, pts[i].target))
			fail_msg("%s is not a text symbol", pts[i].target);
		if (i)
			assert_true(strcmp(pts[i - 1].target, pts[i].target) < 0);
		read |= !strcmp(pts[i].display, "kprobe:vfs_read");
		readv |= !strcmp(pts[i].display, "kprobe:vfs_readv");
	}
	for (size_t i = 0; i < n; i++)
		attach_point_release(&pts[i]);
	assert_true(read);
	assert_true(readv);
	free(pts);
	free(text);

	/* a misspelt name: no point, and a did-you-mean */
	pts = NULL;
	n = 0;
	assert_int_equal(provider_kprobe.expand(&provider_kprobe, "vfs_reed", NULL, &pts, &n, &d),
			 -ENOENT);
	assert_int_equal(n, 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "no traceable kernel function is named 'vfs_reed'");
	assert_string_equal(d.v[0].hint, "did you mean kprobe:vfs_read?");
	diag_list_release(&d);
	free(pts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written_type_when_available),
		cmocka_unit_test(test_fallback_when_only_it_attaches),
		cmocka_unit_test(test_neither_keeps_written_and_one_message),
		cmocka_unit_test(test_programs_per_point),
		cmocka_unit_test(test_fentry_fields_of_vfs_read),
		cmocka_unit_test(test_kprobe_fields_at_registers),
		cmocka_unit_test(test_rawtracepoint_fields),
		cmocka_unit_test(test_kprobe_glob_against_kallsyms),
	};
	int ret = cmocka_run_group_tests(tests, fake_setup, fake_teardown);

	kfunc_cache_release();
	return ret;
}
