/* format: the table of output formats (format.h). */
#include "report/format.h"

#include <string.h>

#include "util/strbuf.h"

static void text_event(const struct print_format *f, const struct report_key_part *parts,
		       unsigned n, FILE *fp)
{
	(void)n;
	print_format_write(f, parts, fp);
}

static void json_event(const struct print_format *f, const struct report_key_part *parts,
		       unsigned n, FILE *fp)
{
	(void)f;
	print_event_json(parts, n, fp);
}

const struct report_format report_formats[] = {
	{ .name = "text", .for_people = true,
	  .summary = "bpftrace's layout: maps, histograms, a line per event as the recipe formats it",
	  .print_report = report_print_text, .print_event = text_event },
	{ .name = "json",
	  .summary = "one JSON document per report, one object per event (docs/output.md)",
	  .print_report = report_print_json, .print_event = json_event },
	{ .name = "folded", .scalar_maps_only = true,
	  .summary = "folded stacks for flame graphs: comm;frames... COUNT per entry",
	  .print_report = report_print_folded },
	{ .name = "bpftrace-json",
	  .summary = "the NDJSON stream bpftrace -f json writes, for tools that read it",
	  .print_report = report_print_bpftrace_json, .print_event = report_print_bpftrace_event,
	  .print_attached = report_print_bpftrace_attached },
	{ .name = NULL },
};

const struct report_format *report_format_find(const char *name)
{
	for (const struct report_format *f = report_formats; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

const char *report_format_names(void)
{
	static char names[128];

	if (!*names) {
		struct strbuf sb = STRBUF_INIT;

		for (const struct report_format *f = report_formats; f->name; f++)
			strbuf_addf(&sb, "%s%s", f == report_formats ? "" : ", ", f->name);
		snprintf(names, sizeof(names), "%s", strbuf_str(&sb));
		strbuf_release(&sb);
	}
	return names;
}
