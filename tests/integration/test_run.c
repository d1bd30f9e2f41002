/*
 * test_run: end-to-end runs of the real `recipe` binary on the running
 * kernel, asserting exact figures from the rcp-wl workload, whose system
 * calls are known to the unit (see tests/workload/rcp-wl.c), plus the
 * failure paths: bad parameters, every tests/bad/NAME.yaml with the
 * diagnostic it expects, and that no rcp_* BPF program outlives a run.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include "util/file.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>

/* At least this many tests/bad/NAME.yaml files must exist. */
#define MIN_BAD_RECIPES	15

/*
 * The parsers the other cases rely on, on text in bpftrace's layout:
 * needs no root, so the harness is checked even where the rest skips.
 */
static void test_harness_parsers(void **state)
{
	static const char out[] =
		"Attached 1 probe\n"
		"@bytes[WS]: 16777216\n"
		"@bytes[W]: 4096\n"
		"@bytes[R]: 512\n"
		"@[9]: 500\n"
		"@[tracepoint:syscalls:sys_enter_getppid]: 777\n"
		"\n"
		"@:\n"
		"[1]                    1 |                                                    |\n"
		"[2, 4)                 0 |                                                    |\n"
		"[4K, 8K)            1000 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@bytes:\n"
		"[512K, 1M)             3 |@@@@@@@@@                                           |\n"
		"[1M, 2M)              16 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n";
	long long max, sum;
	int n;

	(void)state;
	assert_int_equal(report_scalar(out, "@[9]: "), 500);
	assert_int_equal(report_scalar(out, "@bytes[W]: "), 4096);
	assert_int_equal(report_scalar(out, "@[tracepoint:syscalls:sys_enter_getppid]: "), 777);
	assert_int_equal(report_scalar(out, "@[8]: "), -1);
	assert_int_equal(report_max_where(out, "@bytes", "W"), 16777216);
	assert_int_equal(report_keys_where(out, "@bytes", "W", &max, &sum), 2);
	assert_int_equal(sum, 16777216 + 4096);
	assert_int_equal(report_max_where(out, "@bytes", "D"), -1);
	assert_int_equal(report_max_where(out, "@", "9"), 500);
	assert_int_equal(report_bucket(out, "@:", "[4K, 8K)"), 1000);
	assert_int_equal(report_bucket(out, "@:", "[1]"), 1);
	assert_int_equal(report_bucket(out, "@:", "[2, 4)"), 0);
	assert_int_equal(report_bucket(out, "@:", "[1M, 2M)"), -1);
	assert_int_equal(report_bucket(out, "@bytes:", "[1M, 2M)"), 16);
	assert_int_equal(report_bucket(out, "@nosuch:", "[1M, 2M)"), -1);
	assert_int_equal(report_bucket_total(out, "@bytes:", &n), 19);
	assert_int_equal(n, 2);
	assert_int_equal(report_bucket_total(out, "@:", &n), 1001);
	assert_int_equal(n, 3);
	assert_int_equal(report_bucket_total(out, "@x:", &n), -1);
	assert_int_equal(report_repeated_keys(out), 0);
	assert_int_equal(report_repeated_keys("@b[WS]: 1\n@b[W]: 2\n@b[WS]: 3\n@b[WS]: 4\n"), 3);
}

/* recipe run NAME -c "rcp-wl ARGS" [extra...]: exit code, output in *p. */
static void test_read_size_hist_cmd(void **state)
{
	struct harness_fixture *f = *state;
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	baseline = harness_bpf_max_prog_id();
	HASSERT_EQ(&f->rec, harness_run_with_workload(&f->rec, "fs/read-size-hist",
					      "read 1000 4096", NULL, NULL), 0);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), "Attached "));
	HASSERT_EQ(&f->rec, report_bucket(strbuf_str(&f->rec.out), "@:", "[4K, 8K)"), 1000);
	harness_assert_no_rcp_progs(baseline, "run -c");
}

/*
 * --pid: start the workload held on its stdin, attach to its pid, wait
 * for "Attached ", release it, then end the recipe with SIGINT.
 */
static void test_read_size_hist_pid(void **state)
{
	struct harness_fixture *f = *state;
	char *wl_argv[] = { harness_paths.workload, "--wait-stdin", "read", "1000",
			    "4096", NULL };
	char pid[32];
	char *rec_argv[] = { harness_paths.recipe, "run", "fs/read-size-hist",
			     "--pid", pid, "--duration", "600", NULL };
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	baseline = harness_bpf_max_prog_id();
	HASSERT_EQ(&f->wl, hproc_spawn(&f->wl, wl_argv, 1), 0);
	snprintf(pid, sizeof(pid), "%d", (int)f->wl.pid);
	HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, rec_argv, 0), 0);

	HASSERT_EQ(&f->rec, hproc_wait_for(&f->rec, 2, "Attached ",
					   HARNESS_ATTACH_TIMEOUT_MS), 0);
	HASSERT_EQ(&f->wl, hproc_write_stdin(&f->wl, "x"), 0);
	HASSERT_EQ(&f->wl, hproc_wait(&f->wl, 30000), 0);

	/* The recipe may have ended by itself when its target exited. */
	hproc_signal(&f->rec, SIGINT);
	HASSERT_EQ(&f->rec, hproc_wait(&f->rec, 30000), 0);
	HASSERT_EQ(&f->rec, report_bucket(strbuf_str(&f->rec.out), "@:", "[4K, 8K)"), 1000);
	harness_assert_no_rcp_progs(baseline, "run --pid and SIGINT");
}

/*
 * disk/rwbs-bytes without -c: attach system-wide, run the O_DIRECT
 * writer to completion, then SIGINT.  The block layer may issue a
 * request from a kworker, so this flow does not depend on pid filtering.
 */
static void test_rwbs_bytes(void **state)
{
	struct harness_fixture *f = *state;
	char *rec_argv[] = { harness_paths.recipe, "run", "disk/rwbs-bytes",
			     "--duration", "600", NULL };
	char *wl_argv[] = { harness_paths.workload, "dio-write", DIO_BYTES_STR,
			    NULL, NULL };
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	wl_argv[3] = (char *)harness_dio_file(f);
	baseline = harness_bpf_max_prog_id();
	HASSERT_EQ(&f->rec, hproc_spawn(&f->rec, rec_argv, 0), 0);
	HASSERT_EQ(&f->rec, hproc_wait_for(&f->rec, 2, "Attached ",
					   HARNESS_ATTACH_TIMEOUT_MS), 0);
	HASSERT_EQ(&f->wl, hproc_run(&f->wl, wl_argv, 60000), 0);
	HASSERT_EQ(&f->rec, hproc_signal(&f->rec, SIGINT), 0);
	HASSERT_EQ(&f->rec, hproc_wait(&f->rec, 30000), 0);
	/* the one-liner's map is anonymous: @[WS] */
	HASSERT_EQ(&f->rec, report_max_where(strbuf_str(&f->rec.out), "@bytes", "W"), -1);
	/* a completion the kernel skipped (docs/output.md) may miss a request */
	if (!report_missed(strbuf_str(&f->rec.out)))
		HASSERT_GE(&f->rec, report_max_where(strbuf_str(&f->rec.out), "@", "W"),
			   DIO_BYTES);
	HASSERT_EQ(&f->rec, report_repeated_keys(strbuf_str(&f->rec.out)), 0);
	harness_assert_no_rcp_progs(baseline, "run and SIGINT");
}

/*
 * disk/io-size-hist with -c: 16 writes of 1 MiB, which the block layer
 * may split, so at least 16 requests and a [512K, 1M) or [1M, 2M) bucket.
 */
static void test_io_size_hist(void **state)
{
	struct harness_fixture *f = *state;
	long long big = 0, total, n;
	const char *out;
	char *args;

	HARNESS_REQUIRE_ROOT();
	args = xasprintf("dio-write %s %s", DIO_BYTES_STR, harness_dio_file(f));
	n = harness_run_with_workload(&f->rec, "disk/io-size-hist", args, NULL, NULL);
	free(args);
	HASSERT_EQ(&f->rec, n, 0);
	out = strbuf_str(&f->rec.out);
	total = report_bucket_total(out, "@bytes:", NULL);
	HASSERT_GE(&f->rec, total, 16);
	if ((n = report_bucket(out, "@bytes:", "[512K, 1M)")) > 0)
		big += n;
	if ((n = report_bucket(out, "@bytes:", "[1M, 2M)")) > 0)
		big += n;
	HASSERT_GE(&f->rec, big, 1);
}

/* An unknown --param is the user's mistake: exit 1 or 2, naming it. */
static void test_unknown_param(void **state)
{
	struct harness_fixture *f = *state;
	char *argv[] = { harness_paths.recipe, "run", "fs/read-size-hist",
			 "--param", "nosuch=1", "--duration", "1", NULL };
	__u32 baseline;
	int rc;

	HARNESS_REQUIRE_ROOT();
	baseline = harness_bpf_max_prog_id();
	rc = hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS);
	HASSERT(&f->rec, rc == 1 || rc == 2);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), "nosuch"));
	HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.err), "Attached "));
	harness_assert_no_rcp_progs(baseline, "a failed run");
}

/* "# expect: LINE:COL: error: SUBSTRING" -> 0, or -EINVAL. */
static int parse_expect(const char *path, int *line, int *col, char *substr, size_t size)
{
	char buf[1024], *s;
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -errno;
	s = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!s || sscanf(buf, "# expect: %d:%d: error: %n", line, col, &n) != 2 || !n)
		return -EINVAL;
	s = buf + n;
	s[strcspn(s, "\r\n")] = '\0';
	if (!*s)
		return -EINVAL;
	snprintf(substr, size, "%s", s);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every tests/bad/NAME.yaml states its diagnostic on its first line;
 * `recipe check` must exit 1 with exactly that location and message.
 * All files are checked before failing, so one run lists every miss.
 */
static void test_check_bad(void **state)
{
	struct strbuf fails = STRBUF_INIT;
	char **files = NULL;
	size_t nfiles = 0, i;
	struct dirent *de;
	__u32 baseline;
	DIR *d;

	(void)state;
	HARNESS_REQUIRE_ROOT();
	if (chdir(harness_paths.srcdir))
		fail_msg("chdir %s: %s", harness_paths.srcdir, strerror(errno));
	d = opendir("tests/bad");
	if (!d)
		fail_msg("tests/bad: %s", strerror(errno));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".yaml")) {
			files = xrealloc(files, (nfiles + 1) * sizeof(*files));
			files[nfiles++] = xasprintf("tests/bad/%s", de->d_name);
		}
	}
	closedir(d);
	if (nfiles < MIN_BAD_RECIPES)
		fail_msg("only %zu tests/bad/NAME.yaml files, expected at least %d",
			 nfiles, MIN_BAD_RECIPES);
	qsort(files, nfiles, sizeof(*files), cmp_str);

	baseline = harness_bpf_max_prog_id();
	for (i = 0; i < nfiles; i++) {
		char substr[1024], *loc, *argv[] = { harness_paths.recipe, "check", files[i], NULL };
		const char *err;
		struct hproc p;
		int line, col, rc;

		if (parse_expect(files[i], &line, &col, substr, sizeof(substr))) {
			strbuf_addf(&fails, "%s: first line is not '# expect: LINE:COL: error: TEXT'\n",
				    files[i]);
			continue;
		}
		rc = hproc_run(&p, argv, 30000);
		err = strbuf_str(&p.err);
		loc = xasprintf("%s:%d:%d: error:", files[i], line, col);
		if (rc != 1)
			strbuf_addf(&fails, "%s: exit code %d, expected 1\n", files[i], rc);
		if (!strstr(err, loc))
			strbuf_addf(&fails, "%s: stderr lacks '%s'\n", files[i], loc);
		if (!strstr(err, substr))
			strbuf_addf(&fails, "%s: stderr lacks '%s'\n", files[i], substr);
		/* Every error says what to do about it. */
		if (!strstr(err, "\n  hint: "))
			strbuf_addf(&fails, "%s: no hint\n", files[i]);
		if (rc != 1 || !strstr(err, loc) || !strstr(err, substr) ||
		    !strstr(err, "\n  hint: "))
			strbuf_addf(&fails, "    stderr was: %s\n", err);
		free(loc);
		hproc_free(&p);
	}
	if (harness_rcp_progs_settled(baseline, NULL, 1000))
		strbuf_addstr(&fails, "rcp_ BPF programs loaded after recipe check\n");
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	if (fails.len)
		fail_msg("recipe check on tests/bad:\n%s", strbuf_str(&fails));
	strbuf_release(&fails);
	print_message("checked %zu bad recipes\n", nfiles);
}

static struct strbuf good_fails = STRBUF_INIT;
static int good_count;

static int check_good(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);
	char *argv[] = { harness_paths.recipe, "check", (char *)path, NULL };
	struct hproc p;
	int rc;

	(void)st;
	(void)ftw;
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".yaml"))
		return 0;
	good_count++;
	rc = hproc_run(&p, argv, 30000);
	if (rc != 0)
		strbuf_addf(&good_fails, "%s: exit code %d\n%s\n", path, rc, strbuf_str(&p.err));
	hproc_free(&p);
	/* and in words: every section of every shipped shape */
	argv[1] = "show";
	rc = hproc_run(&p, argv, 30000);
	if (rc != 0 || !strstr(strbuf_str(&p.out), "\nReproduces ") || p.err.len)
		strbuf_addf(&good_fails, "%s: show: exit code %d\n%s\n", path, rc,
			    strbuf_str(&p.err));
	hproc_free(&p);
	return 0;
}

static void test_check_recipes(void **state)
{
	__u32 baseline;

	(void)state;
	HARNESS_REQUIRE_ROOT();
	if (chdir(harness_paths.srcdir))
		fail_msg("chdir %s: %s", harness_paths.srcdir, strerror(errno));
	baseline = harness_bpf_max_prog_id();
	strbuf_reset(&good_fails);
	good_count = 0;
	if (nftw("recipes", check_good, 16, FTW_PHYS))
		fail_msg("walking recipes/: %s", strerror(errno));
	if (!good_count)
		fail_msg("no recipes/**/*.yaml found");
	if (good_fails.len)
		fail_msg("recipe check or show failed on shipped recipes:\n%s", strbuf_str(&good_fails));
	harness_assert_no_rcp_progs(baseline, "recipe check");
	print_message("checked %d shipped recipes\n", good_count);
}

/*
 * A recipe for sources this kernel lacks (no SCSI tracepoints, no such
 * driver's functions): `recipe check` passes it as source absent and
 * says why at each probe; `recipe run` fails with the same words and
 * attaches nothing. A misspelt subsystem stays an error.
 */
static void test_source_absent(void **state)
{
	struct harness_fixture *f = *state;
	char *recipe, *check[] = { NULL, "check", NULL, NULL }, *run[] = { NULL, "run", NULL, "-d", "1", NULL };
	const char *err;
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	check[0] = run[0] = harness_paths.recipe;
	check[2] = run[2] = recipe = harness_test_recipe("absent-source");
	baseline = harness_bpf_max_prog_id();
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, check, HARNESS_RUN_TIMEOUT_MS), 0);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.out), ": source absent here (") != NULL);
	err = strbuf_str(&f->rec.err);
	HASSERT(&f->rec, strstr(err, ":7:5: source absent: this kernel has no scsi tracepoints") != NULL);
	HASSERT(&f->rec, strstr(err, ":8:5: source absent: this kernel has no function matching "
				     "'rcp_no_such_driver_*'") != NULL);
	HASSERT(&f->rec, !strstr(err, " error: "));
	hproc_free(&f->rec);

	HASSERT_EQ(&f->rec, hproc_run(&f->rec, run, HARNESS_RUN_TIMEOUT_MS), 1);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), ":7:5: source absent: ") != NULL);
	HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.err), "Attached "));
	harness_assert_no_rcp_progs(baseline, "a recipe whose source is absent");
	free(recipe);
}

/*
 * -o FILE: the report goes to the file (exactly what stdout would show),
 * stdout stays empty; a symbolic link is refused, and its target is not
 * touched.
 */
static void test_output_file(void **state)
{
	struct harness_fixture *f = *state;
	char dir[] = "/var/tmp/rcp-out.XXXXXX";
	char *file, *link, *cmd;
	void *text = NULL;
	size_t len;

	HARNESS_REQUIRE_ROOT();
	HASSERT(&f->rec, mkdtemp(dir) != NULL);
	file = xasprintf("%s/report.txt", dir);
	link = xasprintf("%s/link.txt", dir);
	cmd = xasprintf("%s read 100 4096", harness_paths.workload);
	{
		char *argv[] = { harness_paths.recipe, "run", "fs/read-size-hist", "-o", file,
				 "-c", cmd, NULL };

		HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	}
	HASSERT(&f->rec, !*strbuf_str(&f->rec.out));
	HASSERT_EQ(&f->rec, file_read(file, &text, &len), 0);
	HASSERT_EQ(&f->rec, report_bucket(text, "@:", "[4K, 8K)"), 100);
	free(text);
	hproc_free(&f->rec);

	HASSERT_EQ(&f->rec, symlink(file, link), 0);
	{
		char *argv[] = { harness_paths.recipe, "run", "fs/read-size-hist", "-o", link,
				 "-d", "1", NULL };

		HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 1);
	}
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err), "it is a symbolic link") != NULL);
	HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.err), "Attached "));
	/* the target still holds the first report */
	HASSERT_EQ(&f->rec, file_read(file, &text, &len), 0);
	HASSERT_EQ(&f->rec, report_bucket(text, "@:", "[4K, 8K)"), 100);
	free(text);
	unlink(link);
	unlink(file);
	rmdir(dir);
	free(cmd);
	free(link);
	free(file);
}

/*
 * --max-probes N caps the attach points for one run: cpu/syscalls-by-probe
 * (one tracepoint per system call, hundreds) is refused under 100, at
 * the probe, naming the limit, before anything is compiled or attached.
 */
static void test_max_probes_option(void **state)
{
	struct harness_fixture *f = *state;
	char *argv[] = { NULL, "run", "cpu/syscalls-by-probe", "--max-probes", "100",
			 "-d", "1", NULL };
	__u32 baseline;

	HARNESS_REQUIRE_ROOT();
	argv[0] = harness_paths.recipe;
	baseline = harness_bpf_max_prog_id();
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 1);
	HASSERT(&f->rec, strstr(strbuf_str(&f->rec.err),
				"attach points, more than the limit of 100 attach points (max_probes)") != NULL);
	HASSERT(&f->rec, !strstr(strbuf_str(&f->rec.err), "Attached "));
	harness_assert_no_rcp_progs(baseline, "a run refused by --max-probes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_max_probes_option, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_output_file, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_source_absent, harness_setup, harness_teardown),
		cmocka_unit_test(test_harness_parsers),
		cmocka_unit_test_setup_teardown(test_read_size_hist_cmd, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_read_size_hist_pid, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_rwbs_bytes, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_io_size_hist, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_param, harness_setup, harness_teardown),
		cmocka_unit_test(test_check_bad),
		cmocka_unit_test(test_check_recipes),
	};

	return cmocka_run_group_tests_name("integration/run", tests, NULL, NULL);
}
