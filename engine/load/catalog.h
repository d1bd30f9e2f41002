/*
 * catalog: where recipes live, and how a name becomes a file.
 *
 * A catalogue directory holds <category>/<name>.yaml; a recipe's name is
 * "category/name" (e.g. "disk/rwbs-bytes"). Directories are searched in
 * this order, and the first one holding a name wins:
 *   1. the installed catalogue, RECIPE_DATADIR "/recipes";
 *   2. each directory of the colon-separated $RECIPE_PATH;
 *   3. the source tree's recipes/, found as dirname(/proc/self/exe)/../recipes,
 *      so build/recipe run from a checkout finds ./recipes.
 */
#ifndef RECIPE_LOAD_CATALOG_H
#define RECIPE_LOAD_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* The valid categories, NULL-terminated: cpu memory fs disk net. */
extern const char *const catalog_categories[];
bool catalog_is_category(const char *s);

struct catalog_entry {
	char *name;		/* "disk/rwbs-bytes" */
	char *category;		/* "disk" */
	char *path;		/* the file that wins for this name */
};

/*
 * Turn what the user typed into a recipe file. A name ending in ".yaml",
 * or containing '/' and naming an existing file, is used as is.
 * Otherwise "category/name" (or a bare "name" that is unique across
 * categories) is looked up in the search directories. Returns 0 with a
 * malloc'd *path_out, or -ENOENT with a diagnostic (and a did-you-mean
 * hint when a known name is close).
 */
int catalog_resolve(const char *name_or_path, char **path_out,
		    struct diag_list *d);

/*
 * Every recipe of the catalogue (or of one category when category is
 * not NULL), sorted by name, each name once: the file of the first
 * search directory that has it. Returns 0, or -EINVAL for an unknown
 * category.
 */
int catalog_list(struct catalog_entry **out, size_t *n, const char *category);
void catalog_entries_free(struct catalog_entry *v, size_t n);

/* The search directories, in order, existing or not; free with catalog_dirs_free(). */
char **catalog_dirs(size_t *n);
void catalog_dirs_free(char **dirs, size_t n);


#endif
