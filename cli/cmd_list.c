/*
 * recipe list: the catalogue by category, with whether this kernel can
 * run each recipe. "Can run" means the recipe checks against this
 * kernel (its probes exist and its expressions type-check) and every
 * probe type it uses can attach here; the reason is shown when not.
 *
 * --origin ID and a search WORD narrow the list (WORD matches, without
 * regard to case, a recipe's name, summary, description and origin ids
 * and texts); --markdown prints docs/catalogue.md (`make catalogue`).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "load/catalog.h"
#include "util/strbuf.h"

struct list_opts {
	const char *category;
	const char *origin;
	const char *word;
	bool markdown;
};

/* One recipe as listed. */
struct row {
	const struct catalog_entry *e;
	struct recipe_file *rf;	/* NULL when it does not load */
	char *why;		/* NULL when runnable here */
};

static int parse_opts(int argc, char **argv, struct list_opts *o)
{
	static const struct option longopts[] = {
		{ "category", required_argument, NULL, 'C' },
		{ "origin", required_argument, NULL, 'o' },
		{ "markdown", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "C:o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			cli_usage("list", stdout);
			return -1;
		case 'C':
			if (!catalog_is_category(optarg))
				return cli_usage_error("list", "unknown category '%s': expected cpu, memory, fs, disk or net",
						       optarg);
			o->category = optarg;
			break;
		case 'o':
			o->origin = optarg;
			break;
		case 'm':
			o->markdown = true;
			break;
		default:
			return cli_usage_error("list", "bad option");
		}
	}
	if (optind < argc)
		o->word = argv[optind++];
	if (optind != argc)
		return cli_usage_error("list", "unexpected argument '%s': one search word at most",
				       argv[optind]);
	if (o->markdown && (o->origin || o->word || o->category))
		return cli_usage_error("list", "--markdown lists the whole catalogue");
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

static bool claims(const struct recipe_origin *o, const char *id)
{
	if (!strcmp(o->id, id))
		return true;
	for (unsigned i = 0; i < o->also_count; i++)
		if (!strcmp(o->also[i].id, id))
			return true;
	return false;
}

static bool has_word(const char *s, const char *word)
{
	return s && strcasestr(s, word);
}

static bool mentions(const struct catalog_entry *e, const struct recipe *r, const char *word)
{
	const struct recipe_origin *o = r->origin;

	if (has_word(e->name, word) || has_word(r->summary, word) ||
	    has_word(r->description, word) || has_word(o->id, word) ||
	    has_word(o->text, word))
		return true;
	for (unsigned i = 0; i < o->also_count; i++)
		if (has_word(o->also[i].id, word) || has_word(o->also[i].text, word))
			return true;
	return false;
}

/* "bcc-cpu-4, bpftrace-cpu-3": every id a recipe claims. */
static char *origin_ids(const struct recipe_origin *o)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, o->id);
	for (unsigned i = 0; i < o->also_count; i++)
		strbuf_addf(&sb, ", %s", o->also[i].id);
	return strbuf_detach(&sb);
}

/* A table cell: pipes escaped, on one line. */
static void md_cell(const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else
			putchar(*s == '\n' ? ' ' : *s);
	}
}

static int at_least(size_t len, int width)
{
	return len > (size_t)width ? (int)len : width;
}

static void print_text(const struct row *rows, size_t n)
{
	const char *cat = NULL;
	char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	int name_w = 28, ids_w = 18;

	/* Columns as wide as their widest cell, so that a long name does not
	 * push its row's other columns out of line. */
	for (size_t i = 0; i < n; i++) {
		ids[i] = rows[i].rf ? origin_ids(rows[i].rf->r->origin) : xstrdup("?");
		name_w = at_least(strlen(rows[i].e->name), name_w);
		ids_w = at_least(strlen(ids[i]), ids_w);
	}
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];

		if (!cat || strcmp(cat, w->e->category)) {
			size_t count = 0, runs = 0;

			for (size_t j = i; j < n && !strcmp(rows[j].e->category, w->e->category); j++) {
				count++;
				runs += !rows[j].why;
			}
			cat = w->e->category;
			printf("%s%s: %zu recipe%s, %zu run%s here\n", i ? "\n" : "", cat, count,
			       count == 1 ? "" : "s", runs, runs == 1 ? "s" : "");
			printf("  %-*s %-4s %-*s %s\n", name_w, "NAME", "RUNS", ids_w, "ORIGIN", "SUMMARY");
		}
		printf("  %-*s %-4s %-*s %s\n", name_w, w->e->name, w->why ? "no" : "yes", ids_w,
		       ids[i], w->rf ? w->rf->r->summary : "?");
		if (w->why)
			printf("  %-*s %-4s   (%s)\n", name_w, "", "", w->why);
		free(ids[i]);
	}
	free(ids);
}

static void print_markdown(const struct row *rows, size_t n)
{
	const char *cat = NULL;

	printf("# The catalogue\n\n"
	       "Generated from the recipes by `make catalogue` (`recipe list --markdown`);\n"
	       "a test fails when this file is stale. \"Runs here\" is for the kernel it was\n"
	       "generated on; `recipe list` says it for yours, with the reason when a\n"
	       "recipe cannot run.\n");
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		char *ids;

		if (!cat || strcmp(cat, w->e->category)) {
			size_t count = 0;

			for (size_t j = i; j < n && !strcmp(rows[j].e->category, w->e->category); j++)
				count++;
			cat = w->e->category;
			printf("\n## %s (%zu)\n\n| name | summary | origin | runs here |\n|---|---|---|---|\n",
			       cat, count);
		}
		ids = w->rf ? origin_ids(w->rf->r->origin) : xstrdup("?");
		printf("| %s | ", w->e->name);
		md_cell(w->rf ? w->rf->r->summary : "?");
		printf(" | %s | %s |\n", ids, w->why ? "no" : "yes");
		free(ids);
	}
}

int cmd_list(int argc, char **argv)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct catalog_entry *v = NULL;
	struct list_opts o = { 0 };
	struct row *rows;
	size_t n = 0, nrows = 0;
	int ret = parse_opts(argc, argv, &o);

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	if (catalog_list(&v, &n, o.category)) {
		fprintf(stderr, "recipe: error: cannot read the catalogue\n");
		return EXIT_FAILED;
	}
	rows = xcalloc(n ? n : 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		struct row *w = &rows[nrows];

		w->e = &v[i];
		if (recipe_load_file(v[i].path, &w->rf, &d)) {
			w->rf = NULL;
			if (o.origin || o.word)
				continue;	/* cannot tell whether it matches */
			w->why = xstrdup("the recipe does not load (recipe check shows why)");
		} else if ((o.origin && !claims(w->rf->r->origin, o.origin)) ||
			   (o.word && !mentions(&v[i], w->rf->r, o.word))) {
			recipe_file_free(w->rf);
			continue;
		} else {
			w->why = why_not_runnable(v[i].path);
		}
		nrows++;
	}
	if (o.markdown)
		print_markdown(rows, nrows);
	else if (nrows)
		print_text(rows, nrows);
	else
		fprintf(stderr, "recipe: no recipe %s%s%s%s%s\n", o.origin ? "claims " : "",
			o.origin ? o.origin : "", o.origin && o.word ? " and " : "",
			o.word ? "mentions " : "", o.word ? o.word : "");
	for (size_t i = 0; i < nrows; i++) {
		recipe_file_free(rows[i].rf);
		free(rows[i].why);
	}
	free(rows);
	catalog_entries_free(v, n);
	diag_list_release(&d);
	return nrows || o.markdown ? EXIT_OK : EXIT_FAILED;
}
