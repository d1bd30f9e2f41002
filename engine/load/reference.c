/*
 * reference: read recipes/one-liners.tsv. The list is small (a few
 * hundred rows), so it is read whole and searched linearly.
 */
#include "load/reference.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "load/catalog.h"
#include "util/file.h"
#include "util/strbuf.h"

#define NCOLUMNS 6

static char *find_file(void)
{
	size_t n;
	char **dirs = catalog_dirs(&n);
	char *found = NULL;

	for (size_t i = 0; i < n && !found; i++) {
		char *p = xasprintf("%s/" REFERENCE_FILE, dirs[i]);
		struct stat st;

		if (!stat(p, &st) && S_ISREG(st.st_mode))
			found = p;
		else
			free(p);
	}
	catalog_dirs_free(dirs, n);
	return found;
}

/* Split line (modified in place) at tabs into exactly NCOLUMNS fields. */
static int split_row(char *line, char *col[NCOLUMNS])
{
	int n = 0;

	for (char *s = line;;) {
		char *tab = strchr(s, '\t');

		col[n++] = s;
		if (!tab)
			break;
		if (n == NCOLUMNS)
			return -1;	/* a seventh field */
		*tab = 0;
		s = tab + 1;
	}
	return n == NCOLUMNS ? 0 : -1;
}

int reference_load(struct reference *ref, const char *path, struct diag_list *d)
{
	char *file = path ? xstrdup(path) : find_file(), *text, *line, *next;
	unsigned lineno = 0;
	size_t len;
	int err;

	memset(ref, 0, sizeof(*ref));
	if (!file) {
		diag_err(d, NULL, "cannot find " REFERENCE_FILE " in the catalogue directories");
		diag_hint(d, "it ships in recipes/; set RECIPE_PATH to a directory holding it");
		return -ENOENT;
	}
	err = file_read(file, (void **)&text, &len);
	if (err) {
		diag_err(d, &(struct diag_at){ .file = file }, "cannot read: %s", strerror(-err));
		free(file);
		return err;
	}
	ref->path = file;
	for (line = text; line && *line; line = next) {
		char *col[NCOLUMNS];
		struct oneliner *o;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (++lineno == 1 || !*line)
			continue;	/* the header */
		if (split_row(line, col) || !*col[0]) {
			diag_err(d, &(struct diag_at){ .file = file, .line = lineno, .col = 1 },
				 "expected %d tab-separated fields: id, tool, category, source, description, one-liner",
				 NCOLUMNS);
			diag_hint(d, "fields are separated by one tab each");
			free(text);
			reference_release(ref);
			return -EINVAL;
		}
		ref->v = xrealloc(ref->v, (ref->n + 1) * sizeof(*ref->v));
		o = &ref->v[ref->n++];
		o->id = xstrdup(col[0]);
		o->tool = xstrdup(col[1]);
		o->category = xstrdup(col[2]);
		o->source = xstrdup(col[3]);
		o->description = xstrdup(col[4]);
		o->text = xstrdup(col[5]);
	}
	free(text);
	return 0;
}

const struct oneliner *reference_find(const struct reference *ref, const char *id)
{
	for (size_t i = 0; id && i < ref->n; i++)
		if (!strcmp(ref->v[i].id, id))
			return &ref->v[i];
	return NULL;
}

void reference_release(struct reference *ref)
{
	for (size_t i = 0; i < ref->n; i++) {
		struct oneliner *o = &ref->v[i];

		free(o->id);
		free(o->tool);
		free(o->category);
		free(o->source);
		free(o->description);
		free(o->text);
	}
	free(ref->v);
	free(ref->path);
	memset(ref, 0, sizeof(*ref));
}
