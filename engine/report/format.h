/*
 * format: the output formats `recipe run --format NAME` writes, one
 * table entry each. A format renders a whole report (maps and
 * trailers) and a print recipe's single events; the CLI picks an entry
 * once at start and never tests for a format by name again.
 *
 * Adding a format: one printer file next to text.c and json.c, and one
 * entry in format.c's table (docs/architecture.md).
 */
#ifndef RECIPE_REPORT_FORMAT_H
#define RECIPE_REPORT_FORMAT_H

#include <stdbool.h>
#include <stdio.h>

#include "report/printf.h"
#include "report/report.h"

struct report_format {
	const char *name;	/* --format NAME */
	const char *summary;	/* one line, for --help and docs */
	/* The report; 0 or -errno from the stream. */
	int (*print_report)(const struct report *r, FILE *fp);
	/* One print recipe event; the caller checks the stream. */
	void (*print_event)(const struct print_format *f,
			    const struct report_key_part *parts, unsigned n, FILE *fp);
	bool for_people;	/* --interval stamps and a print recipe's header line */
	/*
	 * Only maps of one number per key (count, sum, min, max): the
	 * format has no place for a histogram. print_event is NULL when
	 * the format is for maps only.
	 */
	bool scalar_maps_only;
	/* Once every probe is attached, before any event (NULL: nothing). */
	void (*print_attached)(size_t probes, FILE *fp);
};

/* bpftrace -f json (bpftrace_json.c): the report, an event, the attached line. */
int report_print_bpftrace_json(const struct report *r, FILE *fp);
void report_print_bpftrace_event(const struct print_format *f, const struct report_key_part *parts,
				 unsigned n, FILE *fp);
void report_print_bpftrace_attached(size_t probes, FILE *fp);

/* Every format, the default first; ends with a NULL name. */
extern const struct report_format report_formats[];

/* The format called name, or NULL. */
const struct report_format *report_format_find(const char *name);

/* "text, json": the names, for a usage message. Static storage. */
const char *report_format_names(void);

#endif
