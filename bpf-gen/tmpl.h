/*
 * tmpl: the templates bpf-gen fills. They are embedded in the binary at
 * build time (Makefile: templates.S, .incbin), so `recipe` runs from any
 * directory; RECIPE_TEMPLATES=DIR reads them from DIR instead, for
 * template development.
 *
 * A template is text with {{slot}} markers and nothing else: no
 * conditionals, no loops. Decisions are made in plan and gen; templates
 * only say where their results go.
 */
#ifndef RECIPE_BPFGEN_TMPL_H
#define RECIPE_BPFGEN_TMPL_H

#include <stddef.h>

#include "diag.h"
#include "util/strbuf.h"

struct tmpl_slot {
	const char *name;
	const char *value;
};

/*
 * Append template `name` (a path under templates/, e.g.
 * "agg/count.bpf.c") to out with every {{slot}} replaced. A missing
 * template or an unknown slot is an engine bug, reported as an error.
 */
int tmpl_expand(const char *name, const struct tmpl_slot *slots, size_t nslots,
		struct strbuf *out, struct diag_list *d);

/* The raw text of a template, or NULL (the caller frees nothing). */
const char *tmpl_get(const char *name);

#endif
