/*
 * catalog: find recipe files by name across the search directories.
 *
 * Nothing is cached: the catalogue is a few dozen files, and reading
 * the directories on each call keeps `recipe list` honest after edits.
 * Names are compared as "category/name", so the same recipe shipped in
 * the installed catalogue and in $RECIPE_PATH resolves to the first.
 */
#include "load/catalog.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "util/text.h"

#ifndef RECIPE_DATADIR
#define RECIPE_DATADIR "/usr/local/share/recipe"
#endif

const char *const catalog_categories[] = {
	"cpu", "memory", "fs", "disk", "net", NULL
};

bool catalog_is_category(const char *s)
{
	for (size_t i = 0; s && catalog_categories[i]; i++)
		if (!strcmp(s, catalog_categories[i]))
			return true;
	return false;
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void add_dir(char ***dirs, size_t *n, char *dir)
{
	*dirs = xrealloc(*dirs, (*n + 1) * sizeof(**dirs));
	(*dirs)[(*n)++] = dir;
}

char **catalog_dirs(size_t *n)
{
	const char *env = getenv("RECIPE_PATH");
	char exe[PATH_MAX];
	char **dirs = NULL;
	ssize_t len;

	*n = 0;
	add_dir(&dirs, n, xstrdup(RECIPE_DATADIR "/recipes"));
	if (env) {
		char *copy = xstrdup(env), *save = NULL;

		for (char *t = strtok_r(copy, ":", &save); t;
		     t = strtok_r(NULL, ":", &save))
			add_dir(&dirs, n, xstrdup(t));
		free(copy);
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		/* A build tree (build/recipe) and a relocated install (bin/recipe). */
		static const char *const beside[] = { "../recipes", "../share/recipe/recipes" };
		const char *bindir;

		exe[len] = 0;
		bindir = dirname(exe);
		for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
			char *dir = xasprintf("%s/%s", bindir, beside[i]);
			/* Resolved, so messages and #line directives show a clean path. */
			char *real = realpath(dir, NULL);

			free(dir);
			if (real && is_dir(real))
				add_dir(&dirs, n, real);
			else
				free(real);
		}
	}
	return dirs;
}

void catalog_dirs_free(char **dirs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
}

static int by_name(const void *a, const void *b)
{
	const struct catalog_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static bool has_entry(const struct catalog_entry *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return true;
	return false;
}

static void scan_category(const char *dir, const char *cat,
			  struct catalog_entry **v, size_t *n)
{
	char *path = xasprintf("%s/%s", dir, cat);
	DIR *dp = opendir(path);
	struct dirent *de;

	while (dp && (de = readdir(dp))) {
		size_t l = strlen(de->d_name);
		char *name, *file;

		if (de->d_name[0] == '.' || l <= 5 ||
		    strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		name = xasprintf("%s/%.*s", cat, (int)(l - 5), de->d_name);
		file = xasprintf("%s/%s", path, de->d_name);
		if (has_entry(*v, *n, name) || !is_file(file)) {
			free(name);
			free(file);
			continue;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = (struct catalog_entry){
			.name = name, .category = xstrdup(cat), .path = file,
		};
	}
	if (dp)
		closedir(dp);
	free(path);
}

int catalog_list(struct catalog_entry **out, size_t *n, const char *category)
{
	struct catalog_entry *v = NULL;
	size_t nv = 0, ndirs;
	char **dirs;

	if (category && !catalog_is_category(category))
		return -EINVAL;
	dirs = catalog_dirs(&ndirs);
	for (size_t i = 0; i < ndirs; i++)
		for (size_t c = 0; catalog_categories[c]; c++)
			if (!category || !strcmp(category, catalog_categories[c]))
				scan_category(dirs[i], catalog_categories[c], &v, &nv);
	catalog_dirs_free(dirs, ndirs);
	if (nv)
		qsort(v, nv, sizeof(*v), by_name);
	*out = v;
	*n = nv;
	return 0;
}

void catalog_entries_free(struct catalog_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].category);
		free(v[i].path);
	}
	free(v);
}

/* A bare "name" matching exactly one "category/name". */
static const struct catalog_entry *find_bare(const struct catalog_entry *v,
					     size_t n, const char *name,
					     size_t *matches)
{
	const struct catalog_entry *hit = NULL;

	*matches = 0;
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(v[i].name, '/');

		if (slash && !strcmp(slash + 1, name)) {
			hit = &v[i];
			(*matches)++;
		}
	}
	return hit;
}

static void unknown(struct diag_list *d, const char *name,
		    const struct catalog_entry *v, size_t n)
{
	const char **names = xmalloc((2 * n + 1) * sizeof(*names));
	const char *best;
	size_t nn = 0;

	for (size_t i = 0; i < n; i++) {
		names[nn++] = v[i].name;
		names[nn++] = strchr(v[i].name, '/') + 1;
	}
	best = text_closest(name, names, nn);
	for (size_t i = 0; best && i < n; i++)
		if (best == strchr(v[i].name, '/') + 1)
			best = v[i].name;
	diag_err(d, NULL, "unknown recipe '%s'", name);
	if (best)
		diag_hint(d, "did you mean '%s'? `recipe list` shows what exists",
			  best);
	else
		diag_hint(d, "`recipe list` shows what exists");
	free(names);
}

int catalog_resolve(const char *name_or_path, char **path_out,
		    struct diag_list *d)
{
	size_t l = strlen(name_or_path), n, matches;
	bool yaml = l > 5 && !strcmp(name_or_path + l - 5, ".yaml");
	const struct catalog_entry *hit = NULL;
	struct catalog_entry *v;

	/* A .yaml name or an explicit path is a file; anything else a catalogue name. */
	if (yaml || name_or_path[0] == '/' || name_or_path[0] == '.') {
		struct stat st;
		int err = stat(name_or_path, &st) ? -errno
			  : S_ISREG(st.st_mode) ? 0 : -EINVAL;

		if (!err) {
			*path_out = xstrdup(name_or_path);
			return 0;
		}
		if (err == -EINVAL)
			diag_err(d, &(struct diag_at){ .file = name_or_path },
				 "not a regular file");
		else
			diag_err(d, &(struct diag_at){ .file = name_or_path },
				 "cannot open: %s", strerror(-err));
		return err;
	}
	catalog_list(&v, &n, NULL);
	for (size_t i = 0; i < n && !hit; i++)
		if (!strcmp(v[i].name, name_or_path))
			hit = &v[i];
	if (!hit && !strchr(name_or_path, '/')) {
		hit = find_bare(v, n, name_or_path, &matches);
		if (matches > 1) {
			struct strbuf sb = STRBUF_INIT;

			for (size_t i = 0; i < n; i++) {
				const char *slash = strchr(v[i].name, '/');

				if (!strcmp(slash + 1, name_or_path))
					strbuf_addf(&sb, "%s%s", sb.len ? ", " : "",
						    v[i].name);
			}
			diag_err(d, NULL, "recipe name '%s' is ambiguous", name_or_path);
			diag_hint(d, "say which one: %s", strbuf_str(&sb));
			strbuf_release(&sb);
			catalog_entries_free(v, n);
			return -ENOENT;
		}
	}
	if (!hit) {
		unknown(d, name_or_path, v, n);
		catalog_entries_free(v, n);
		return -ENOENT;
	}
	*path_out = xstrdup(hit->path);
	catalog_entries_free(v, n);
	return 0;
}
