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
#include "load/reference.h"

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

/*
 * One one-liner the recipe reproduces: as the recipe quotes it, and the
 * reference list's entry beside it (what it shows, and its text where
 * the list words it differently).
 */
static void show_oneliner(const struct reference *ref, const char *id, const char *tool,
			  const char *text)
{
	const struct oneliner *o = reference_find(ref, id);

	printf("Reproduces %s (%s):\n  %s\n", id, tool, text);
	if (!o) {
		printf("  (not in %s)\n", ref->path ? ref->path : REFERENCE_FILE);
		return;
	}
	printf("  reference: %s", o->description);
	if (strcmp(o->text, text))
		printf(": %s", o->text);
	putchar('\n');
}

/* A word of the example's command, quoted as -c would need it. */
static void show_word(const char *w)
{
	if (*w && !strpbrk(w, " \t'\"\\")) {
		fputs(w, stdout);
		return;
	}
	putchar('\'');
	for (; *w; w++)
		if (*w == '\'')
			fputs("'\"'\"'", stdout);
		else
			putchar(*w);
	putchar('\'');
}

static void show_expect(const struct recipe_expect *e)
{
	if (e->entry)
		printf("  %s: ", e->entry);
	else if (e->hist && e->bucket)
		printf("  %s: bucket %s: ", e->hist, e->bucket);
	else if (e->hist && e->from_bucket)
		printf("  %s: buckets from %s up: ", e->hist, e->from_bucket);
	else if (e->hist)
		printf("  %s: all buckets: ", e->hist);
	else
		printf("  lines containing \"%s\": ", e->lines);
	if (e->equals)
		printf("%s\n", e->equals);
	else if (e->at_least && e->at_most)
		printf("%s to %s\n", e->at_least, e->at_most);
	else if (e->at_least)
		printf("at least %s\n", e->at_least);
	else
		printf("at most %s\n", e->at_most);
}

/* The recipe's own test, as an example of using it. */
static void show_example(const struct recipe_file *rf)
{
	const struct recipe_example *ex = rf->r->example;
	bool system_wide = ex->system_wide && !strcmp(ex->system_wide, "true");

	printf("\nExample (its test; rcp-wl is build/tests/rcp-wl):\n  ");
	if (system_wide)
		printf("sudo recipe run %s", rf->name ? rf->name : rf->path);
	else
		printf("sudo recipe run %s -c '", rf->name ? rf->name : rf->path);
	for (unsigned i = 0; !system_wide && i < ex->run_count; i++) {
		printf("%s", i ? " " : "");
		show_word(ex->run[i]);
	}
	if (!system_wide)
		putchar('\'');
	for (unsigned i = 0; i < ex->options_count; i++) {
		putchar(' ');
		show_word(ex->options[i]);
	}
	if (system_wide) {
		printf("\n  and while it is attached, in another terminal:\n  ");
		for (unsigned i = 0; i < ex->run_count; i++) {
			printf("%s", i ? " " : "");
			show_word(ex->run[i]);
		}
		printf("\n  then Ctrl-C");
	}
	printf("\nshows:\n");
	for (unsigned i = 0; i < ex->expect_count; i++)
		show_expect(&ex->expect[i]);
	if (ex->note)
		printf("  (%s)\n", ex->note);
}

static void show_recipe(const struct recipe_file *rf)
{
	const struct recipe *r = rf->r;
	struct diag_list d = DIAG_LIST_INIT;
	struct reference ref;

	printf("%s: %s\n", rf->name ? rf->name : rf->path, r->summary);
	printf("file: %s\n\n", rf->path);
	/* Without the list, the recipe's own quotes still show. */
	reference_load(&ref, NULL, &d);
	diag_list_release(&d);
	show_oneliner(&ref, r->origin->id, r->origin->tool, r->origin->text);
	for (unsigned i = 0; i < r->origin->also_count; i++)
		show_oneliner(&ref, r->origin->also[i].id, r->origin->also[i].tool,
			      r->origin->also[i].text);
	reference_release(&ref);
	putchar('\n');
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
	if (r->example)
		show_example(rf);
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
