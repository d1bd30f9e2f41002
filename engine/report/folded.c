/*
 * folded: a report as folded stacks (report.h), the input of flame
 * graph tools: "comm;outer_frame;...;inner_frame COUNT" per entry.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/strbuf.h"

/* A frame or a key part as one folded element: ';' is the separator. */
static void add_element(struct strbuf *sb, const char *s, size_t len)
{
	if (sb->len)
		strbuf_addch(sb, ';');
	for (size_t i = 0; i < len; i++)
		strbuf_addch(sb, s[i] == ';' ? ':' : s[i]);
}

/* A frame line "    name+off": the name, without indentation or offset. */
static void add_frame(struct strbuf *sb, const char *line, size_t len)
{
	const char *plus;

	while (len && *line == ' ') {
		line++;
		len--;
	}
	plus = memrchr(line, '+', len);
	if (plus && plus != line)
		len = (size_t)(plus - line);
	if (len)
		add_element(sb, line, len);
}

/* A stack's frames, outermost first: its string lists them innermost first. */
static void add_stack(struct strbuf *sb, const char *s)
{
	const char *end = s + strlen(s);

	while (end > s) {
		const char *nl, *start;

		while (end > s && end[-1] == '\n')
			end--;
		nl = memrchr(s, '\n', (size_t)(end - s));
		start = nl ? nl + 1 : s;
		add_frame(sb, start, (size_t)(end - start));
		end = start;
	}
}

static void add_part(struct strbuf *sb, const struct report_key_part *kp)
{
	char num[32];

	switch (kp->kind) {
	case RK_INT:
		snprintf(num, sizeof(num), "%" PRId64, kp->i);
		add_element(sb, num, strlen(num));
		break;
	case RK_UINT:
		snprintf(num, sizeof(num), "%" PRIu64, kp->u);
		add_element(sb, num, strlen(num));
		break;
	case RK_STR:
		add_element(sb, kp->s, strlen(kp->s));
		break;
	}
}

struct folded {
	char *line;
	int64_t value;
};

static int by_line(const void *a, const void *b)
{
	return strcmp(((const struct folded *)a)->line, ((const struct folded *)b)->line);
}

/* An entry's folded stack: its other parts, then user, then kernel frames. */
static char *fold_entry(const struct report_map *map, const struct report_entry *en)
{
	static const enum report_stack order[] = { RSTACK_USER, RSTACK_KERNEL };
	struct strbuf line = STRBUF_INIT;

	for (unsigned k = 0; k < map->nkeys; k++)
		if (en->key[k].stack == RSTACK_NONE)
			add_part(&line, &en->key[k]);
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (unsigned k = 0; k < map->nkeys; k++)
			if (en->key[k].stack == order[o])
				add_stack(&line, en->key[k].s);
	if (!line.len)
		strbuf_addstr(&line, map->name);	/* a keyless map: one frame */
	return strbuf_detach(&line);
}

/*
 * Each map's entries folded, sorted, and those that fold alike merged:
 * stacks that differ only in offsets, or in frames past the depth shown,
 * are one stack to a flame graph.
 */
int report_print_folded(const struct report *r, FILE *fp)
{
	int err = 0;

	for (size_t m = 0; m < r->n && !err; m++) {
		const struct report_map *map = &r->maps[m];
		struct folded *v = xcalloc(map->n ? map->n : 1, sizeof(*v));
		size_t n = 0;

		for (size_t e = 0; e < map->n; e++)
			v[e] = (struct folded){ fold_entry(map, &map->entries[e]),
						map->entries[e].val.value };
		qsort(v, map->n, sizeof(*v), by_line);
		for (size_t e = 0; e < map->n; e++) {
			if (n && !strcmp(v[n - 1].line, v[e].line)) {
				v[n - 1].value += v[e].value;
				free(v[e].line);
				continue;
			}
			v[n++] = v[e];
		}
		for (size_t e = 0; e < n; e++) {
			errno = 0;
			if (!err && fprintf(fp, "%s %" PRId64 "\n", v[e].line, v[e].value) < 0)
				err = errno ? -errno : -EIO;
			free(v[e].line);
		}
		free(v);
	}
	if (!err && (fflush(fp) == EOF || ferror(fp)))
		err = errno ? -errno : -EIO;
	return err;
}
