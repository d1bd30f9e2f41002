/*
 * recipe show: a recipe in words (what it measures, the one-liner it
 * reproduces, its probes, filter, key, aggregation and params), or with
 * --c the exact BPF C it compiles to.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compile/object.h"
#include "load/catalog.h"

static void show_recipe(const struct recipe_file *rf)
{
	const struct recipe *r = rf->r;
	const struct recipe_aggregate *a = r->aggregate;

	printf("%s: %s\n", rf->name ? rf->name : rf->path, r->summary);
	printf("file: %s\n\n", rf->path);
	printf("Reproduces %s (%s):\n  %s\n\n", r->origin->id, r->origin->tool,
	       r->origin->text);
	printf("%s", r->description);
	if (r->description[0] && r->description[strlen(r->description) - 1] != '\n')
		putchar('\n');
	putchar('\n');
	for (unsigned i = 0; i < r->probes_count; i++)
		printf("%-10s %s\n", i ? "" : "probes:", r->probes[i]);
	if (r->filter)
		printf("%-10s %s\n", "filter:", r->filter);
	printf("%-10s @%s", "map:", r->map ? r->map : "");
	for (unsigned k = 0; k < r->key_count; k++)
		printf("%s%s", k ? ", " : "[", r->key[k]);
	printf("%s = %s(", r->key_count ? "]" : "", a->type);
	if (a->value)
		printf("%s", a->value);
	if (a->min)
		printf(", %s, %s, %s", a->min, a->max ? a->max : "?", a->step ? a->step : "?");
	printf(")\n");
	for (unsigned i = 0; i < r->params_count; i++) {
		const struct recipe_param *pp = &r->params[i];

		printf("%-10s %s (%s, default %s)%s%s\n", i ? "" : "params:", pp->name,
		       pp->type, pp->default_value, pp->description ? ": " : "",
		       pp->description ? pp->description : "");
	}
}

int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "c", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diag_list d = DIAG_LIST_INIT;
	struct recipe_file *rf = NULL;
	struct plan *p = NULL;
	bool show_c = false;
	char *path = NULL;
	int opt, ret = EXIT_OK;

	optind = 1;
	while ((opt = getopt_long_only(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			cli_usage("show", stdout);
			return EXIT_OK;
		}
		if (opt != 'c')
			return cli_usage_error("show", "bad option");
		show_c = true;
	}
	if (optind != argc - 1)
		return cli_usage_error("show", "which recipe? (recipe list shows them)");

	if (show_c) {
		struct plan_opts opts = { 0 };
		struct strbuf src = STRBUF_INIT;

		if (!cli_load_plan(argv[optind], &opts, &rf, &p, &d) &&
		    !object_source(p, &src, &d))
			fputs(strbuf_str(&src), stdout);
		strbuf_release(&src);
	} else if (!catalog_resolve(argv[optind], &path, &d) &&
		   !recipe_load_file(path, &rf, &d)) {
		show_recipe(rf);
	}
	if (!diag_ok(&d))
		ret = EXIT_FAILED;
	diag_print(&d, stderr);
	diag_list_release(&d);
	plan_free(p);
	recipe_file_free(rf);
	free(path);
	return ret;
}
