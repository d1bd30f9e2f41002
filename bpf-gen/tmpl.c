/* tmpl: look up embedded templates and fill their {{slot}} markers. */
#include "bpf-gen/tmpl.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"

/* Emitted by the Makefile's templates.S: {name, data, len} rows, then zeros. */
struct embedded_template {
	const char *name;
	const char *data;
	uint64_t len;
};

extern const struct embedded_template recipe_templates[];

static char *read_override(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	void *text;
	size_t len;
	int err = file_read(path, &text, &len);

	free(path);
	return err ? NULL : text;
}

const char *tmpl_get(const char *name)
{
	/* Overrides are read once per name and kept for the process's life. */
	static struct { char *name, *text; } cache[32];
	const char *dir = getenv("RECIPE_TEMPLATES");

	if (dir && *dir) {
		size_t i;

		for (i = 0; i < 32 && cache[i].name; i++)
			if (!strcmp(cache[i].name, name))
				return cache[i].text;
		if (i < 32) {
			cache[i].text = read_override(dir, name);
			if (cache[i].text) {
				cache[i].name = xstrdup(name);
				return cache[i].text;
			}
		}
	}
	for (const struct embedded_template *t = recipe_templates; t->name; t++)
		if (!strcmp(t->name, name))
			return t->data;
	return NULL;
}

static const char *slot_value(const struct tmpl_slot *slots, size_t n,
			      const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(slots[i].name) == len && !strncmp(slots[i].name, name, len))
			return slots[i].value;
	return NULL;
}

int tmpl_expand(const char *name, const struct tmpl_slot *slots, size_t nslots,
		struct strbuf *out, struct diag_list *d)
{
	const char *t = tmpl_get(name);

	if (!t)
		return diag_err(d, NULL, "internal: template '%s' is missing", name);
	while (*t) {
		const char *open = strstr(t, "{{");
		const char *close, *value;

		if (!open) {
			strbuf_addstr(out, t);
			break;
		}
		strbuf_add(out, t, (size_t)(open - t));
		close = strstr(open, "}}");
		if (!close)
			return diag_err(d, NULL, "internal: template '%s': unclosed {{", name);
		value = slot_value(slots, nslots, open + 2, (size_t)(close - open - 2));
		if (!value)
			return diag_err(d, NULL, "internal: template '%s': unknown slot '%.*s'",
					name, (int)(close - open - 2), open + 2);
		strbuf_addstr(out, value);
		t = close + 2;
	}
	return 0;
}
