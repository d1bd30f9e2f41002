/*
 * recipe list: the catalogue, with whether this kernel can run each
 * recipe. "Can run" means the recipe checks against this kernel (its
 * probes exist and its expressions type-check); the reason is shown
 * when it cannot.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "load/catalog.h"

static int parse_opts(int argc, char **argv, const char **category)
{
	static const struct option longopts[] = {
		{ "category", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			cli_usage("list", stdout);
			return -1;
		}
		if (opt != 'C')
			return cli_usage_error("list", "bad option");
		if (!catalog_is_category(optarg))
			return cli_usage_error("list", "unknown category '%s': expected cpu, memory, fs, disk or net",
					       optarg);
		*category = optarg;
	}
	if (optind != argc)
		return cli_usage_error("list", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* NULL when runnable here, else the first reason it is not. */
static char *why_not_runnable(const char *path)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct plan_opts opts = { 0 };
	struct recipe_file *rf;
	struct plan *p;
	char *why = NULL;

	if (!cli_load_plan(path, &opts, &rf, &p, &d)) {
		/* Checks pass, but can this kernel attach every probe type it uses? */
		for (size_t i = 0; i < p->npoints && !why; i++) {
			const struct provider *prov = p->points[i].provider;
			const struct provider *alt = prov->fallback ? provider_find(prov->fallback) : NULL;
			const char *reason = NULL, *alt_reason = NULL;

			if (provider_available(prov, &reason))
				continue;
			if (alt && !provider_available(alt, &alt_reason))
				why = xasprintf("needs %s or %s: neither is available on this kernel (%s; %s)",
						prov->name, alt->name, reason, alt_reason);
			else
				why = xasprintf("%s: %s", p->points[i].display, reason);
		}
		plan_free(p);
		recipe_file_free(rf);
	}
	for (size_t i = 0; i < d.n && !why; i++)
		if (d.v[i].sev == DIAG_ERROR)
			why = xstrdup(d.v[i].msg);
	diag_list_release(&d);
	return why;
}

int cmd_list(int argc, char **argv)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct catalog_entry *v = NULL;
	const char *category = NULL;
	size_t n = 0;
	int ret = parse_opts(argc, argv, &category);

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	if (catalog_list(&v, &n, category)) {
		fprintf(stderr, "recipe: error: cannot read the catalogue\n");
		return EXIT_FAILED;
	}
	printf("%-28s %-8s %-4s %s\n", "NAME", "CATEGORY", "RUNS", "SUMMARY");
	for (size_t i = 0; i < n; i++) {
		struct recipe_file *rf;
		char *why = NULL;
		const char *summary = "?";

		if (recipe_load_file(v[i].path, &rf, &d)) {
			why = xstrdup("the recipe does not load (recipe check shows why)");
			rf = NULL;
		} else {
			summary = rf->r->summary;
			why = why_not_runnable(v[i].path);
		}
		printf("%-28s %-8s %-4s %s\n", v[i].name, v[i].category,
		       why ? "no" : "yes", summary);
		if (why)
			printf("%-28s %-8s %-4s   (%s)\n", "", "", "", why);
		free(why);
		recipe_file_free(rf);
	}
	catalog_entries_free(v, n);
	diag_list_release(&d);
	return EXIT_OK;
}
