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

/* "label:" in the first line's margin, the rest of a list under it. */
static void show_list(const char *label, char *const *items, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		printf("%-10s %s\n", i ? "" : label, items[i]);
}

static void show_joined(const char *label, char *const *items, unsigned n)
{
	printf("%-10s", label);
	for (unsigned i = 0; i < n; i++)
		printf("%s%s", i ? ", " : " ", items[i]);
	putchar('\n');
}

/* A print format as it would be written in YAML's double quotes. */
static void show_quoted(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void show_start(const struct recipe_start *st)
{
	show_list("start:", st->probes, st->probes_count);
	if (st->filter)
		printf("%-10s %s\n", "  filter:", st->filter);
	show_joined("  match:", st->match, st->match_count);
	for (unsigned i = 0; i < st->save_count; i++)
		printf("%-10s %s = %s\n", i ? "" : "  save:", st->save[i].name,
		       st->save[i].value);
	if (st->max_entries)
		printf("%-10s %s starts waiting at most\n", "  max:", st->max_entries);
}

static void show_output(const struct recipe *r)
{
	const struct recipe_aggregate *a = r->aggregate;

	if (r->print) {
		printf("%-10s ", "print:");
		show_quoted(r->print->format);
		putchar('\n');
		if (r->print->args_count)
			show_joined("  args:", r->print->args, r->print->args_count);
		if (r->print->columns)
			printf("%-10s %s\n", "  columns:", r->print->columns);
		return;
	}
	printf("%-10s @%s", "map:", r->map ? r->map : "");
	for (unsigned k = 0; k < r->key_count; k++)
		printf("%s%s", k ? ", " : "[", r->key[k]);
	printf("%s = %s(", r->key_count ? "]" : "", a->type);
	if (a->value)
		printf("%s", a->value);
	if (a->min)
		printf(", %s, %s, %s", a->min, a->max ? a->max : "?", a->step ? a->step : "?");
	printf(")\n");
}

static void show_recipe(const struct recipe_file *rf)
{
	const struct recipe *r = rf->r;

	printf("%s: %s\n", rf->name ? rf->name : rf->path, r->summary);
	printf("file: %s\n\n", rf->path);
	printf("Reproduces %s (%s):\n  %s\n\n", r->origin->id, r->origin->tool,
	       r->origin->text);
	printf("%s", r->description);
	if (r->description[0] && r->description[strlen(r->description) - 1] != '\n')
		putchar('\n');
	putchar('\n');
	if (r->start)
		show_start(r->start);
	show_list(r->start ? "end:" : "probes:", r->probes, r->probes_count);
	if (r->match)
		show_joined("  match:", r->match, r->match_count);
	if (r->filter)
		printf("%-10s %s\n", "filter:", r->filter);
	show_output(r);
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
	int opt, err, ret;

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

		err = cli_load_plan(argv[optind], &opts, &rf, &p, &d);
		if (!err)
			err = object_source(p, &src, &d);
		if (!err)
			fputs(strbuf_str(&src), stdout);
		strbuf_release(&src);
	} else {
		err = catalog_resolve(argv[optind], &path, &d);
		if (!err)
			err = recipe_load_file(path, &rf, &d);
		if (!err)
			show_recipe(rf);
	}
	ret = cli_exit_for(err, 0, &d, "recipe show");
	if (!diag_ok(&d))
		ret = EXIT_FAILED;
	diag_print(&d, stderr);
	diag_list_release(&d);
	plan_free(p);
	recipe_file_free(rf);
	free(path);
	return ret;
}
