/* diag: accumulate located diagnostics; render them once, at the edge. */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

static int vadd(struct diag_list *d, enum diag_sev sev, const struct diag_at *at,
		const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	struct diag *g;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	g = &d->v[d->n++];
	strbuf_vaddf(&sb, fmt, ap);
	g->sev = sev;
	g->file = at && at->file ? xstrdup(at->file) : NULL;
	g->line = at ? at->line : 0;
	g->col = at ? at->col : 0;
	g->msg = strbuf_detach(&sb);
	g->hint = NULL;
	return sev == DIAG_ERROR ? -EINVAL : 0;
}

int diag_add(struct diag_list *d, enum diag_sev sev, const struct diag_at *at,
	     const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vadd(d, sev, at, fmt, ap);
	va_end(ap);
	return ret;
}

int diag_err(struct diag_list *d, const struct diag_at *at, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vadd(d, DIAG_ERROR, at, fmt, ap);
	va_end(ap);
	return ret;
}

void diag_hint(struct diag_list *d, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!d->n)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(d->v[d->n - 1].hint);
	d->v[d->n - 1].hint = strbuf_detach(&sb);
}

size_t diag_errors(const struct diag_list *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].sev == DIAG_ERROR;
	return n;
}

bool diag_ok(const struct diag_list *d)
{
	return diag_errors(d) == 0;
}

static const char *const sev_names[] = {
	[DIAG_ERROR] = "error",
	[DIAG_WARNING] = "warning",
	[DIAG_NOTE] = "note",
};

/* Past this many, a file is not a recipe: say how many more and stop. */
#define PRINT_MAX_PER_FILE 20

void diag_print(const struct diag_list *d, FILE *fp)
{
	size_t shown = 0, hidden = 0;
	const char *file = NULL;

	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		if (!file || !g->file || strcmp(file, g->file)) {
			if (hidden)
				fprintf(fp, "%s: ... and %zu more\n", file, hidden);
			file = g->file;
			shown = hidden = 0;
		}
		if (g->file && shown++ >= PRINT_MAX_PER_FILE) {
			hidden++;
			continue;
		}

		if (g->file) {
			fputs(g->file, fp);
			if (g->line)
				fprintf(fp, ":%u", g->line);
			if (g->line && g->col)
				fprintf(fp, ":%u", g->col);
			fputs(": ", fp);
		} else {
			fputs("recipe: ", fp);
		}
		fprintf(fp, "%s: %s\n", sev_names[g->sev], g->msg);
		if (g->hint)
			fprintf(fp, "  hint: %s\n", g->hint);
	}
	if (hidden)
		fprintf(fp, "%s: ... and %zu more\n", file, hidden);
}

void diag_list_release(struct diag_list *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
		free(d->v[i].hint);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}
