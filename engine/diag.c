/* diag: accumulate located diagnostics; render them once, at the edge. */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
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
	g->absent = false;
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

int diag_absent(struct diag_list *d, const struct diag_at *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(d, DIAG_ERROR, at, fmt, ap);
	va_end(ap);
	d->v[d->n - 1].absent = true;
	return -ENODEV;
}

bool diag_only_absent(const struct diag_list *d, size_t from)
{
	size_t errors = 0;

	for (size_t i = from; i < d->n; i++) {
		if (d->v[i].sev != DIAG_ERROR)
			continue;
		if (!d->v[i].absent)
			return false;
		errors++;
	}
	return errors > 0;
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
	if (d->v[d->n - 1].hint) {
		char *more = xasprintf("%s%c%s", d->v[d->n - 1].hint, DIAG_HINT_SEP, strbuf_str(&sb));

		strbuf_release(&sb);
		free(d->v[d->n - 1].hint);
		d->v[d->n - 1].hint = more;
		return;
	}
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

/* A source line longer than this is shown as the part around its column. */
#define SOURCE_WINDOW 100

/*
 * Line `line` of file (1-based) without its newline, or NULL when the
 * file cannot be read or is shorter.
 */
static char *source_line(const char *file, unsigned line)
{
	FILE *fp = fopen(file, "re");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len = -1;

	if (!fp)
		return NULL;
	for (unsigned i = 0; i < line && (len = getline(&buf, &cap, fp)) >= 0; i++)
		;
	fclose(fp);
	if (len < 0) {
		free(buf);
		return NULL;
	}
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return buf;
}

/*
 * The line under a diagnostic and a caret under its column, as gcc and
 * bpftrace show them. Tabs are kept in both lines so the caret lines up
 * however the terminal expands them; other control bytes show as '?'.
 * A column past the line's end (a diagnostic about its end) points just
 * after it.
 */
static void print_source(FILE *fp, const char *file, unsigned line, unsigned col)
{
	char *text = source_line(file, line);
	size_t len, from = 0, to;
	struct strbuf src = STRBUF_INIT, caret = STRBUF_INIT;

	if (!text)
		return;
	len = strlen(text);
	if (col - 1 > len) {
		free(text);
		return;
	}
	to = len;
	if (len > SOURCE_WINDOW) {
		from = col - 1 > SOURCE_WINDOW / 2 ? col - 1 - SOURCE_WINDOW / 2 : 0;
		to = from + SOURCE_WINDOW < len ? from + SOURCE_WINDOW : len;
	}
	if (from) {
		strbuf_addstr(&src, "...");
		strbuf_addstr(&caret, "   ");
	}
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)text[i];

		strbuf_addch(&src, c == '\t' || (c >= 0x20 && c != 0x7f) ? (char)c : '?');
		if (i < col - 1)
			strbuf_addch(&caret, c == '\t' ? '\t' : ' ');
	}
	if (to < len)
		strbuf_addstr(&src, "...");
	strbuf_addch(&caret, '^');
	fprintf(fp, "%6u | %s\n       | %s\n", line, strbuf_str(&src), strbuf_str(&caret));
	strbuf_release(&src);
	strbuf_release(&caret);
	free(text);
}

/* Each hint after "hint: ", its own further lines indented under it. */
static void print_hints(FILE *fp, const char *hints)
{
	fputs("  hint: ", fp);
	for (const char *h = hints; *h; h++) {
		if (*h == DIAG_HINT_SEP)
			fputs("\n  hint: ", fp);
		else if (*h == '\n')
			fputs("\n        ", fp);
		else
			fputc(*h, fp);
	}
	fputc('\n', fp);
}

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
		fprintf(fp, "%s: %s\n", g->absent ? "source absent" : sev_names[g->sev], g->msg);
		if (g->file && g->line && g->col)
			print_source(fp, g->file, g->line, g->col);
		if (g->hint)
			print_hints(fp, g->hint);
	}
	if (hidden)
		fprintf(fp, "%s: ... and %zu more\n", file, hidden);
}

void diag_list_truncate(struct diag_list *d, size_t n)
{
	while (d->n > n) {
		struct diag *g = &d->v[--d->n];

		free(g->file);
		free(g->msg);
		free(g->hint);
	}
}

void diag_list_release(struct diag_list *d)
{
	diag_list_truncate(d, 0);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}
