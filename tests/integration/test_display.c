/*
 * test_display: integers the report shows by name, on the real kernel:
 * syscall_name() of raw syscall ids, errno_name() of return values,
 * majmin() of block device numbers.
 *
 * Needs root (each case skips otherwise); `make integration` sets
 * RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR.
 */
#include "harness.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

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

static int run(struct hproc *p, const char *recipe, const char *comm, const char *wl_args)
{
	char *cmd = xasprintf("%s %s", harness_paths.workload, wl_args);
	char *with_comm[] = { harness_paths.recipe, "run", (char *)recipe, "--comm",
			      (char *)comm, "-c", cmd, NULL };
	char *without[] = { harness_paths.recipe, "run", (char *)recipe, "-c", cmd, NULL };
	int rc = hproc_run(p, comm ? with_comm : without, HARNESS_RUN_TIMEOUT_MS);

	free(cmd);
	return rc;
}

/*
 * cpu/syscall-count keys raw_syscalls:sys_enter by syscall_name(args.id):
 * rcp-wl getppid 777 makes exactly 777 getppid and one exit_group under
 * its comm, and nothing else.
 */
static void test_syscall_names(void **state)
{
	struct fixture *f = *state;
	const char *out;

	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&f->rec, run(&f->rec, "cpu/syscall-count", "rcp-wl-sys", "getppid 777"), 0);
	out = strbuf_str(&f->rec.out);
	/*
	 * Counted at the syscall's exit, as syscount: the prctl that renamed
	 * the workload returns under its new name; exit_group never returns.
	 */
	HASSERT_EQ(&f->rec, report_scalar(out, "@[getppid]: "), 777);
	HASSERT(&f->rec, !strcmp(out, "@[prctl]: 1\n@[getppid]: 777\n"));
}

/* errno_name(args.ret) of 500 reads on a bad fd: EBADF, 500 times. */
static void test_errno_names(void **state)
{
	struct fixture *f = *state;
	char *recipe;

	HARNESS_REQUIRE_ROOT();
	recipe = harness_test_recipe("read-errno-names");
	HASSERT_EQ(&f->rec, run(&f->rec, recipe, NULL, "badread 500"), 0);
	HASSERT(&f->rec, !strcmp(strbuf_str(&f->rec.out), "@[EBADF]: 500\n"));
	free(recipe);
}

/*
 * majmin(args.dev) of the requests an O_DIRECT write makes: the key is
 * the major:minor of the device holding the file, with all its bytes.
 */
static void test_device_numbers(void **state)
{
	struct fixture *f = *state;
	char *recipe, *args, *file, key[64];
	struct stat st;

	HARNESS_REQUIRE_ROOT();
	snprintf(f->dir, sizeof(f->dir), "/var/tmp/rcp-dev.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(stat(f->dir, &st), 0);
	file = xasprintf("%s/dio.bin", f->dir);
	args = xasprintf("dio-write 4194304 %s", file);
	recipe = harness_test_recipe("bytes-by-device");
	HASSERT_EQ(&f->rec, run(&f->rec, recipe, "rcp-wl-dio", args), 0);
	snprintf(key, sizeof(key), "@[%u:%u]: ", major(st.st_dev), minor(st.st_dev));
	HASSERT_GE(&f->rec, report_scalar(strbuf_str(&f->rec.out), key), 4194304);
	unlink(file);
	free(file);
	free(args);
	free(recipe);
}

/* func: the attach point's function, here the tracepoint's event name. */
static void test_func(void **state)
{
	struct fixture *f = *state;
	char *recipe;

	HARNESS_REQUIRE_ROOT();
	recipe = harness_test_recipe("getppid-func");
	HASSERT_EQ(&f->rec, run(&f->rec, recipe, "rcp-wl-sys", "getppid 777"), 0);
	HASSERT(&f->rec, !strcmp(strbuf_str(&f->rec.out), "@[sys_enter_getppid]: 777\n"));
	free(recipe);
}

/*
 * ntop() of sock:inet_sock_set_state's u8[4] and u8[16] addresses: 50
 * loopback connections to one port go SYN_SENT -> ESTABLISHED, keyed
 * by destination: 127.0.0.1 and its IPv4-mapped IPv6 form.
 */
static void test_ntop(void **state)
{
	struct fixture *f = *state;
	char *recipe, *args, port[16], *param;

	HARNESS_REQUIRE_ROOT();
	/* a port of our own: the filter keeps only these connections */
	snprintf(port, sizeof(port), "%d", 20000 + (int)(getpid() % 20000));
	recipe = harness_test_recipe("established-by-daddr");
	args = xasprintf("%s connect 50 %s", harness_paths.workload, port);
	param = xasprintf("port=%s", port);
	{
		char *argv[] = { harness_paths.recipe, "run", recipe, "-p", param, "-c", args, NULL };

		HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	}
	HASSERT(&f->rec, !strcmp(strbuf_str(&f->rec.out), "@[127.0.0.1, ::ffff:127.0.0.1]: 50\n"));
	free(param);
	free(args);
	free(recipe);
}

/*
 * ntop() of tcp:tcp_probe's 28-byte socket addresses (net/tcp-rtt-by-
 * remote) over 200 loopback sends: one key, 127.0.0.1, whichever side's
 * socket and port the sample came from (the port is not in the key).
 */
static void test_ntop_sockaddr(void **state)
{
	struct fixture *f = *state;
	char *args = xasprintf("%s tcp 200 1000 %d", harness_paths.workload,
			       20000 + (int)(getpid() % 20000));
	char *argv[] = { harness_paths.recipe, "run", "net/tcp-rtt-by-remote", "-c", args, NULL };
	const char *out;
	int headers = 0;

	HARNESS_REQUIRE_ROOT();
	argv[0] = harness_paths.recipe;
	HASSERT_EQ(&f->rec, hproc_run(&f->rec, argv, HARNESS_RUN_TIMEOUT_MS), 0);
	out = strbuf_str(&f->rec.out);
	for (const char *l = out; l && *l; l = report_next_line(l))
		headers += !strncmp(l, "@usecs[", 7);
	HASSERT_EQ(&f->rec, headers, 1);
	HASSERT_GE(&f->rec, report_bucket_total(out, "@usecs[127.0.0.1]:", NULL), 1);
	free(args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syscall_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errno_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_func, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntop_sockaddr, setup, teardown),
	};

	return cmocka_run_group_tests_name("integration/display", tests, NULL, NULL);
}
