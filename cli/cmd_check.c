/*
 * recipe check: everything `run` does short of attaching: load the
 * YAML, check it against this kernel, render, compile, and have the
 * verifier load the program. Every file is checked, and every problem
 * of each is reported.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "compile/object.h"
#include "run/session.h"

/*
 * One recipe: ok, or its errors in d. A recipe whose only errors are
 * event sources this kernel lacks (diag.h: absent) passes as "source
 * absent here": it is right, this machine cannot run it.
 */
static bool check_one(const char *name, struct diag_list *d)
{
	size_t errors = diag_errors(d), first = d->n;
	int err;
	struct plan_opts opts = { 0 };
	struct recipe_file *rf = NULL;
	struct plan *p = NULL;
	struct object obj = { 0 };
	struct session *s = NULL;

	err = cli_load_plan(name, &opts, &rf, &p, d);
	if (!err)
		err = object_build(p, &obj, d);
	if (!err)
		err = session_load(p, obj.data, obj.len, &s, d);
	if (!err)
		printf("%s: ok (%zu attach point%s, %zu program%s, object %s)\n", name,
		       p->npoints, p->npoints == 1 ? "" : "s", p->ngroups,
		       p->ngroups == 1 ? "" : "s", obj.from_cache ? "cached" : "compiled");
	session_close(s, false);
	object_release(&obj);
	plan_free(p);
	recipe_file_free(rf);
	if (err && diag_only_absent(d, first)) {
		printf("%s: source absent here (it checks, and cannot run on this kernel)\n", name);
		return true;
	}
	return cli_exit_for(err, errors, d, name) == EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
	struct diag_list d = DIAG_LIST_INIT;
	bool ok = true;
	int ret;

	if (argc < 2)
		return cli_usage_error("check", "which recipe files?");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cli_usage("check", stdout);
		return EXIT_OK;
	}
	ret = cli_check_env("recipe check");
	if (ret)
		return ret;
	for (int i = 1; i < argc; i++)
		ok &= check_one(argv[i], &d);
	diag_print(&d, stderr);
	diag_list_release(&d);
	return ok ? EXIT_OK : EXIT_FAILED;
}
