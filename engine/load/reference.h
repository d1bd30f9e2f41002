/*
 * reference: the documented one-liners the catalogue reproduces, from
 * the project's own copy of the list, recipes/one-liners.tsv (installed
 * with the recipes, found in the same search directories).
 *
 * The file is tab-separated with a header line: id, tool, category,
 * source, description, one-liner. Ids are stable; a recipe's origin
 * names them.
 */
#ifndef RECIPE_LOAD_REFERENCE_H
#define RECIPE_LOAD_REFERENCE_H

#include <stddef.h>

#include "diag.h"

#define REFERENCE_FILE "one-liners.tsv"

struct oneliner {
	char *id;		/* "bpftrace-disk-5" */
	char *tool;		/* "bpftrace", "bcc", "perf", "derived" */
	char *category;		/* cpu memory fs disk net */
	char *source;		/* where the list took it from */
	char *description;	/* what it shows, in a few words */
	char *text;		/* the one-liner */
};

struct reference {
	char *path;		/* the file read */
	struct oneliner *v;	/* in file order */
	size_t n;
};

/*
 * Read the list from the first search directory holding it
 * (catalog_dirs()), or from path when not NULL. Returns 0, or -errno
 * with a diagnostic naming the file (and line, for a malformed row).
 */
int reference_load(struct reference *ref, const char *path, struct diag_list *d);
const struct oneliner *reference_find(const struct reference *ref, const char *id);
void reference_release(struct reference *ref);

#endif
