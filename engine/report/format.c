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
	{ "text", "bpftrace's layout: maps, histograms, a line per event as the recipe formats it",
	  report_print_text, text_event, true, false },
	{ "json", "one JSON document per report, one object per event (docs/output.md)",
	  report_print_json, json_event, false, false },
	{ "folded", "folded stacks for flame graphs: comm;frames... COUNT per entry",
	  report_print_folded, NULL, false, true },
	{ "bpftrace-json", "the NDJSON stream bpftrace -f json writes, for tools that read it",
	  report_print_bpftrace_json, report_print_bpftrace_event, false, false,
	  report_print_bpftrace_attached },
	{ NULL, NULL, NULL, NULL, false, false },
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
