/*
 * printf: the format of a print recipe's lines, checked at plan time
 * and applied in user space to each event's values. The kernel never
 * formats anything; recipe text never reaches the generated C this way.
 *
 * Conversions: %d %i %u %x %X %o %c %s %%, with flags (-+ 0#), a width
 * and a precision; length modifiers l, ll, h, hh, z, j are accepted and
 * ignored (every integer is 64-bit). Escapes in YAML strings already
 * give \n and \t.
 */
#ifndef RECIPE_REPORT_PRINTF_H
#define RECIPE_REPORT_PRINTF_H

#include <stdbool.h>
#include <stdio.h>

#include "report/report.h"

struct print_format;

/*
 * Parse fmt. Returns 0 and *out, or -EINVAL with *err_offset (byte
 * offset of the bad conversion) and a message in errbuf.
 */
int print_format_parse(const char *fmt, struct print_format **out,
		       unsigned *err_offset, char *errbuf, size_t errlen);
void print_format_free(struct print_format *f);

/* Number of values the format takes. */
unsigned print_format_nargs(const struct print_format *f);
/* Whether value i is formatted as a string (%s) rather than a number. */
bool print_format_wants_string(const struct print_format *f, unsigned i);
/* Byte offset of value i's conversion in the format, for diagnostics. */
unsigned print_format_offset(const struct print_format *f, unsigned i);

/* Write one event's line: parts[i] is value i. */
void print_format_write(const struct print_format *f,
			const struct report_key_part *parts, FILE *fp);

/* The same event as one JSON object on one line: {"args": [...]}. */
void print_event_json(const struct report_key_part *parts, unsigned n, FILE *fp);

#endif
