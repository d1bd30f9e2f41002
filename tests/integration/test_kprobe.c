/*
 * test_kprobe: the kernel-function probe types on the real kernel.
 *
 * - A kprobe recipe and an fentry recipe pass `recipe check` (rendered,
 *   compiled, loaded and verified), whatever this kernel can attach.
 * - Where neither kprobes nor fentry attach (the reference VM: no
 *   CONFIG_KPROBES, function tracing not permitted), `recipe run` exits 1
 *   with one error at the probe's line naming both reasons, and leaves
 *   no rcp_ program loaded. Elsewhere that case skips, saying why.
 * - rawtracepoint:sys_enter keyed by the syscall id (arg1) counts
 *   exactly the 777 getppid calls (id 110) of `rcp-wl getppid 777`.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include "probes/kfunc_args.h"

#define HEAD \
	"summary: s\n" \
	"description: d\n" \
	"origin: {id: a, tool: b, text: c}\n" \
	"probes:\n"

/* Line 5, column 5: where each recipe below names its probe. */
static const char kprobe_recipe[] = HEAD
	"  - kprobe:vfs_read\n"
	"key: [probe, args.count]\n"
	"aggregate: {type: count}\n";
static const char fentry_recipe[] = HEAD
	"  - fentry:vfs_read\n"
	"key: [probe, args.count]\n"
	"aggregate: {type: count}\n";
static const char rawtp_recipe[] = HEAD
	"  - rawtracepoint:sys_enter\n"
	"key: [args.arg1]\n"
	"aggregate: {type: count}\n";

struct fixture {
	char dir[64];
	char *kprobe, *fentry, *rawtp;
};

static char *write_recipe(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(text, fp) < 0 || fclose(fp))
		fail_msg("cannot write %s: %s", path, strerror(errno));
	return path;
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/rcp-kprobe.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->kprobe = write_recipe(f->dir, "kprobe.yaml", kprobe_recipe);
	f->fentry = write_recipe(f->dir, "fentry.yaml", fentry_recipe);
	f->rawtp = write_recipe(f->dir, "rawtp.yaml", rawtp_recipe);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->kprobe);
	unlink(f->fentry);
	unlink(f->rawtp);
	rmdir(f->dir);
	free(f->kprobe);
	free(f->fentry);
	free(f->rawtp);
	free(f);
	return 0;
}

static void check_ok(const char *path)
{
	struct hproc p = { 0 };
	char *argv[] = { harness_paths.recipe, "check", (char *)path, NULL };
	char *want = xasprintf("%s: ok (1 attach point, 1 program", path);
	int rc = hproc_run(&p, argv, HARNESS_RUN_TIMEOUT_MS);

	HASSERT_EQ(&p, rc, 0);
	HASSERT(&p, strstr(strbuf_str(&p.out), want) != NULL);
	free(want);
	hproc_free(&p);
}

/* Both kinds load and pass the verifier, attachable here or not. */
static void test_check_kprobe_and_fentry(void **state)
{
	struct fixture *f = *state;
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	baseline = harness_bpf_max_prog_id();
	check_ok(f->kprobe);
	check_ok(f->fentry);
	harness_assert_no_rcp_progs(baseline, "recipe check");
}

static size_t count_of(const char *s, const char *needle)
{
	size_t n = 0;

	for (; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

static void run_fails_once(const char *path, const char *type, const char *other)
{
	struct hproc p = { 0 };
	char *argv[] = { harness_paths.recipe, "run", (char *)path, "-c", "true", NULL };
	char *loc = xasprintf("%s:5:5: error: %s:vfs_read cannot attach on this kernel: ",
			      path, type);
	char *both = xasprintf("; its %s fallback cannot either: ", other);
	int rc = hproc_run(&p, argv, HARNESS_RUN_TIMEOUT_MS);
	const char *err = strbuf_str(&p.err);

	HASSERT_EQ(&p, rc, 1);
	HASSERT(&p, strstr(err, loc) != NULL);
	HASSERT(&p, strstr(err, both) != NULL);
	HASSERT(&p, strstr(err, "kprobes are not available") != NULL);
	HASSERT(&p, strstr(err, "function tracing is not permitted") != NULL);
	HASSERT_EQ(&p, count_of(err, "error:"), 1);
	HASSERT(&p, strstr(err, "\n  hint: ") != NULL);
	/* nothing was counted, so nothing is reported */
	HASSERT(&p, strstr(strbuf_str(&p.out), "@[") == NULL);
	free(loc);
	free(both);
	hproc_free(&p);
}

/* Neither kprobes nor fentry here: one message with both reasons. */
static void test_run_says_why_once(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	if (!access("/sys/bus/event_source/devices/kprobe/type", F_OK) ||
	    kfunc_fentry_works(NULL, &why)) {
		print_message("skipped: this kernel attaches kprobes or fentry\n");
		skip();
	}
	baseline = harness_bpf_max_prog_id();
	run_fails_once(f->kprobe, "kprobe", "fentry");
	run_fails_once(f->fentry, "fentry", "kprobe");
	harness_assert_no_rcp_progs(baseline, "a failed kprobe/fentry run");

	/* recipe list marks the shipped kprobe recipes not runnable, saying why */
	{
		char *argv[] = { harness_paths.recipe, "list", "--category", "fs", NULL };
		struct hproc p = { 0 };

		HASSERT_EQ(&p, hproc_run(&p, argv, HARNESS_RUN_TIMEOUT_MS), 0);
		HASSERT(&p, strstr(strbuf_str(&p.out), "fs/vfs-calls"));
		HASSERT(&p, strstr(strbuf_str(&p.out),
				   "(needs kprobe or fentry: neither is available on this kernel ("));
		hproc_free(&p);
	}
}

/*
 * disk/plug-time (bpftrace-disk-7): a start/end recipe on two kprobes.
 * `check` compiles, loads and verifies both programs here; where
 * neither kprobes nor fentry attach, `run` fails with one error and
 * leaves nothing loaded.
 */
static void test_plug_time(void **state)
{
	char *check_argv[] = { harness_paths.recipe, "check", "disk/plug-time", NULL };
	char *run_argv[] = { harness_paths.recipe, "run", "disk/plug-time", "-c", "true", NULL };
	struct hproc p = { 0 };
	const char *why = NULL;
	__u32 baseline;

	(void)state;
	HARNESS_REQUIRE_ROOT();
	baseline = harness_bpf_max_prog_id();
	HASSERT_EQ(&p, hproc_run(&p, check_argv, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&p, strstr(strbuf_str(&p.out), "disk/plug-time: ok (2 attach points, 2 programs"));
	hproc_free(&p);
	if (!access("/sys/bus/event_source/devices/kprobe/type", F_OK) ||
	    kfunc_fentry_works(NULL, &why)) {
		print_message("skipped the failing run: this kernel attaches kprobes or fentry\n");
		return;
	}
	HASSERT_EQ(&p, hproc_run(&p, run_argv, HARNESS_RUN_TIMEOUT_MS), 1);
	HASSERT(&p, strstr(strbuf_str(&p.err), "cannot attach on this kernel: kprobes are not available"));
	HASSERT_EQ(&p, count_of(strbuf_str(&p.err), "error:"), 1);
	hproc_free(&p);
	harness_assert_no_rcp_progs(baseline, "disk/plug-time");
}

/* 777 getppid() calls, syscall 110 on x86-64, counted exactly. */
static void test_rawtracepoint_sys_enter(void **state)
{
	struct fixture *f = *state;
	struct hproc p = { 0 };
	char *cmd;
	__u32 baseline;
	int rc;

	HARNESS_REQUIRE_ROOT();
	cmd = xasprintf("%s getppid 777", harness_paths.workload);
	{
		char *argv[] = { harness_paths.recipe, "run", f->rawtp, "-c", cmd, NULL };

		baseline = harness_bpf_max_prog_id();
		rc = hproc_run(&p, argv, HARNESS_RUN_TIMEOUT_MS);
	}
	HASSERT_EQ(&p, rc, 0);
	HASSERT_EQ(&p, report_scalar(strbuf_str(&p.out), "@[110]: "), 777);
	hproc_free(&p);
	free(cmd);
	harness_assert_no_rcp_progs(baseline, "a rawtracepoint run");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_kprobe_and_fentry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_says_why_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rawtracepoint_sys_enter, setup, teardown),
		cmocka_unit_test(test_plug_time),
	};
	int ret = cmocka_run_group_tests_name("integration/kprobe", tests, NULL, NULL);

	kfunc_cache_release();
	return ret;
}
