/*
 * json: what the two JSON printers share (json.c, recipe's own shape;
 * bpftrace_json.c, bpftrace's -f json stream): bucket bounds, the
 * joined key string and writing one document as one line.
 */
#ifndef RECIPE_REPORT_JSON_H
#define RECIPE_REPORT_JSON_H

#include <json-c/json.h>
#include <stdio.h>

#include "report/report.h"

/* Bucket i's inclusive bounds as bpftrace -f json gives them: an open end has no member. */
void report_json_bounds(struct json_object *b, const struct report_map *m, unsigned i);

/* The key parts joined by ",", as bpftrace's JSON and its key strings ("rcp-wl,42"). */
char *report_key_joined(const struct report_map *m, const struct report_entry *e);

/* doc on one line, then '\n', flushed; releases doc. 0 or -errno from the stream. */
int report_json_write(struct json_object *doc, FILE *fp);

#endif
