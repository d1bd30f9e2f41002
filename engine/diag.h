/*
 * diag: diagnostics accumulated by every stage, printed once at the edge.
 *
 * The library never prints. Each stage adds diagnostics with a location
 * in the recipe (file:line:col, 1-based; 0 means "unknown") and an
 * optional hint saying what to do; the CLI prints them all with
 * diag_print(). Tests assert on the structured fields, not on text.
 */
#ifndef RECIPE_DIAG_H
#define RECIPE_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum diag_sev { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag_at {
	const char *file;	/* borrowed; NULL when not tied to a file */
	unsigned line, col;	/* 1-based; 0 = unknown */
};

struct diag {
	enum diag_sev sev;
	char *file;		/* owned copy of at.file (or NULL) */
	unsigned line, col;
	char *msg;
	char *hint;		/* what to do: hints separated by DIAG_HINT_SEP; NULL when none */
	/*
	 * An error that is not the recipe's fault: the event source it
	 * names does not exist on this kernel (a driver, a module, a file
	 * system it lacks). `recipe check` passes such a recipe as
	 * "source absent here"; running it still fails.
	 */
	bool absent;
};

struct diag_list {
	struct diag *v;
	size_t n, cap;
};

#define DIAG_LIST_INIT { NULL, 0, 0 }

/* Between two hints of one diagnostic (a hint may span lines itself). */
#define DIAG_HINT_SEP '\x1e'

/*
 * Add a diagnostic. Returns -EINVAL for DIAG_ERROR (so a failing check
 * can `return diag_add(...)`), 0 otherwise. at may be NULL.
 */
int diag_add(struct diag_list *d, enum diag_sev sev, const struct diag_at *at,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Add a hint (a line of its own) to the most recently added diagnostic. */
void diag_hint(struct diag_list *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Shorthands for DIAG_ERROR. */
int diag_err(struct diag_list *d, const struct diag_at *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A DIAG_ERROR marked absent (see struct diag); returns -ENODEV. */
int diag_absent(struct diag_list *d, const struct diag_at *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

bool diag_ok(const struct diag_list *d);	/* true when no errors */
size_t diag_errors(const struct diag_list *d);
/* True when the errors from index `from` on are all marked absent (and there is one). */
bool diag_only_absent(const struct diag_list *d, size_t from);
/*
 * Print every diagnostic as
 *   file:line:col: error: msg
 *      14 | filter: args.rett > 0
 *         |         ^
 *     hint: ...
 * (location parts omitted when unknown; the source line and its caret
 * only when the file can be read and has that line and column), one
 * hint line per hint.
 */
void diag_print(const struct diag_list *d, FILE *fp);
/* Drop the diagnostics from index n on (a failure the caller recovered from). */
void diag_list_truncate(struct diag_list *d, size_t n);
void diag_list_release(struct diag_list *d);

#endif
