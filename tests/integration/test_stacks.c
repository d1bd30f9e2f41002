/*
 * test_stacks: kstack and ustack keys on the real kernel. User stacks
 * must be named even though the process exits before the report (its
 * memory map is read while it runs); kernel stacks must name real
 * kernel functions.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

struct fixture {
	struct hproc rec;
	char dir[PATH_MAX];
};

static int setup(void **state)
{
	*state = xcalloc(1, sizeof(struct fixture));
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hproc_free(&f->rec);
	if (*f->dir)
		rmdir(f->dir);
	free(f);
	return 0;
}

/* Call cb on every stack key's frames: "@[\n    f1\n    f2\n...]: N". */
struct stack_entry {
	char frames[32][128];
	int nframes;
	long long count;
};

static int parse_stacks(const char *out, struct stack_entry *v, int max)
{
	int n = 0;

	while (n < max && (out = strstr(out, "@[\n"))) {
		struct stack_entry *e = &v[n++];
		const char *l = out + 3;

		e->nframes = 0;
		while (!strncmp(l, "    ", 4)) {
			const char *nl = strchr(l, '\n');

			if (!nl)
				break;
			if (e->nframes < 32)
				snprintf(e->frames[e->nframes++], sizeof(e->frames[0]), "%.*s",
					 (int)(nl - l - 4), l + 4);
			l = nl + 1;
		}
		e->count = strncmp(l, "]: ", 3) ? -1 : atoll(l + 3);
		out = l;
	}
	return n;
}

/*
 * 49 Hz over a busy loop of 2 s of CPU time pinned to one CPU: about 98
 * samples (within 20%), at least 90% of them in stacks naming the
 * loop's function (or the one call it makes) under main, although the
 * process has exited when the report is made.
 */
static void test_ustack_names_exited_process(void **state)
{
	struct fixture *f = *state;
	static struct stack_entry v[64];
	char *cmd;
	long long total = 0, in_loop = 0;
	int n;

	HARNESS_REQUIRE_ROOT();
	cmd = xasprintf("%s spin 2000", harness_paths.workload);
	{
		char *argv[] = { harness_paths.recipe, "run", "cpu/profile-user-stacks", "--comm",
				 "rcp-wl-spin", "-c", cmd, NULL };

		HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	}
	free(cmd);
	n = parse_stacks(strbuf_str(&f->rec.out), v, 64);
	HASSERT_GE(&f->rec, n, 1);
	for (int i = 0; i < n; i++) {
		HASSERT_GE(&f->rec, v[i].count, 1);
		total += v[i].count;
		/*
		 * The loop, named, with main above it; or the clock_gettime
		 * call it makes (a few percent of its time, more on a busy
		 * machine), which static glibc builds without a frame
		 * pointer, so its stack goes from __clock_gettime (under a
		 * vDSO address) straight to main.
		 */
		for (int j = 0; j + 1 < v[i].nframes && j < 2; j++)
			if ((!strncmp(v[i].frames[j], "rcp_wl_spin_loop+", 17) ||
			     !strncmp(v[i].frames[j], "__clock_gettime+", 16)) &&
			    !strncmp(v[i].frames[j + 1], "main+", 5)) {
				in_loop += v[i].count;
				break;
			}
	}
	HASSERT_GE(&f->rec, total, 98 * 8 / 10);
	HASSERT_GE(&f->rec, 98 * 12 / 10, total);
	HASSERT_GE(&f->rec, in_loop * 10, total * 9);
}

/* Whether name is a text symbol in /proc/kallsyms. */
static bool kallsyms_has(const char *name)
{
	FILE *fp = fopen("/proc/kallsyms", "re");
	char line[512], sym[256], type;
	unsigned long long addr;
	bool found = false;

	assert_non_null(fp);
	while (!found && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 &&
		    (type == 't' || type == 'T') && !strcmp(sym, name))
			found = true;
	fclose(fp);
	return found;
}

/*
 * kstack under block:block_rq_issue during an O_DIRECT write: every
 * frame is a kernel text symbol, and the path goes through submit_bio.
 */
static void test_kstack_names_kernel_functions(void **state)
{
	struct fixture *f = *state;
	static struct stack_entry v[64];
	char *recipe, *cmd, *file;
	bool via_submit_bio = false;
	int n;

	HARNESS_REQUIRE_ROOT();
	snprintf(f->dir, sizeof(f->dir), "/var/tmp/rcp-stk.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	file = xasprintf("%s/dio.bin", f->dir);
	cmd = xasprintf("%s dio-write 4194304 %s", harness_paths.workload, file);
	recipe = harness_test_recipe("issue-kstacks");
	{
		char *argv[] = { harness_paths.recipe, "run", recipe, "--comm", "rcp-wl-dio",
				 "-c", cmd, NULL };

		HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	}
	n = parse_stacks(strbuf_str(&f->rec.out), v, 64);
	HASSERT_GE(&f->rec, n, 1);
	for (int i = 0; i < n; i++) {
		HASSERT_GE(&f->rec, v[i].nframes, 3);
		for (int j = 0; j < v[i].nframes; j++) {
			char *plus = strchr(v[i].frames[j], '+');

			if (plus)
				*plus = '\0';
			if (!kallsyms_has(v[i].frames[j]))
				fail_msg("frame '%s' is not a kernel function", v[i].frames[j]);
			via_submit_bio |= !strncmp(v[i].frames[j], "submit_bio", 10);
		}
	}
	HASSERT(&f->rec, via_submit_bio);
	unlink(file);
	free(file);
	free(cmd);
	free(recipe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ustack_names_exited_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kstack_names_kernel_functions, setup, teardown),
	};

	return cmocka_run_group_tests_name("integration/stacks", tests, NULL, NULL);
}
