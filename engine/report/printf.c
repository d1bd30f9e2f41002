/* printf: parse a print recipe's format once; apply it per event. */
#include "report/printf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/strbuf.h"

struct piece {
	char *literal;		/* text before the conversion (%% already folded) */
	char spec[32];		/* normalized: "%-8" PRId64-ready prefix, e.g. "%-8" */
	char conv;		/* d i u x X o c s, or 0 for trailing text */
	unsigned offset;	/* of the conversion in the format */
};

struct print_format {
	struct piece *v;
	unsigned n;		/* pieces; the last may be text only */
	unsigned nargs;
};

/* A line, not a file: widths and precisions stay small. */
#define MAX_WIDTH 1024

/* Copy a decimal number of at most MAX_WIDTH into spec; false when larger. */
static bool digits(const char **s, char *spec, size_t *n)
{
	unsigned long v = 0;

	while (**s >= '0' && **s <= '9') {
		v = v * 10 + (unsigned long)(**s - '0');
		if (v > MAX_WIDTH)
			return false;
		spec[(*n)++] = *(*s)++;
	}
	return true;
}

static bool is_flag(char c)
{
	return c && strchr("-+ 0#", c);
}

int print_format_parse(const char *fmt, struct print_format **out,
		       unsigned *err_offset, char *errbuf, size_t errlen)
{
	struct print_format *f = xcalloc(1, sizeof(*f));
	struct strbuf lit = STRBUF_INIT;
	const char *s = fmt;

	strbuf_init(&lit);
	while (*s) {
		const char *start = s;
		struct piece *p;
		size_t n = 0;

		if (*s != '%') {
			strbuf_addch(&lit, *s++);
			continue;
		}
		if (s[1] == '%') {
			strbuf_addch(&lit, '%');
			s += 2;
			continue;
		}
		f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
		p = &f->v[f->n++];
		memset(p, 0, sizeof(*p));
		p->offset = (unsigned)(start - fmt);
		p->literal = strbuf_detach(&lit);
		strbuf_init(&lit);
		p->spec[n++] = *s++;
		while (is_flag(*s) && n < 8)
			p->spec[n++] = *s++;
		if (!digits(&s, p->spec, &n) ||
		    (*s == '.' && (p->spec[n++] = *s++, !digits(&s, p->spec, &n)))) {
			*err_offset = (unsigned)(start - fmt);
			snprintf(errbuf, errlen, "width or precision above %d in the format", MAX_WIDTH);
			strbuf_release(&lit);
			print_format_free(f);
			return -EINVAL;
		}
		while (*s && strchr("hlzj", *s))
			s++;	/* every value is 64-bit: lengths change nothing */
		if (!*s || !strchr("diuxXocs", *s)) {
			*err_offset = (unsigned)(start - fmt);
			snprintf(errbuf, errlen, "unsupported conversion '%.*s' in the format",
				 (int)(s - start + (*s ? 1 : 0)), start);
			strbuf_release(&lit);
			print_format_free(f);
			return -EINVAL;
		}
		if ((*s >= '0' && *s <= '9') || n >= 24) {
			*err_offset = (unsigned)(start - fmt);
			snprintf(errbuf, errlen, "conversion too long in the format");
			strbuf_release(&lit);
			print_format_free(f);
			return -EINVAL;
		}
		p->conv = *s++;
		f->nargs++;
	}
	f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
	memset(&f->v[f->n], 0, sizeof(f->v[f->n]));
	f->v[f->n++].literal = strbuf_detach(&lit);
	*out = f;
	return 0;
}

void print_format_free(struct print_format *f)
{
	if (!f)
		return;
	for (unsigned i = 0; i < f->n; i++)
		free(f->v[i].literal);
	free(f->v);
	free(f);
}

unsigned print_format_nargs(const struct print_format *f)
{
	return f->nargs;
}

static const struct piece *arg_piece(const struct print_format *f, unsigned i)
{
	for (unsigned k = 0; k < f->n; k++)
		if (f->v[k].conv && !i--)
			return &f->v[k];
	return NULL;
}

bool print_format_wants_string(const struct print_format *f, unsigned i)
{
	const struct piece *p = arg_piece(f, i);

	return p && p->conv == 's';
}

unsigned print_format_offset(const struct print_format *f, unsigned i)
{
	const struct piece *p = arg_piece(f, i);

	return p ? p->offset : 0;
}

/* The value as text, for %s of anything. */
static void part_text(const struct report_key_part *k, char *buf, size_t len)
{
	if (k->kind == RK_STR)
		snprintf(buf, len, "%s", k->s);
	else if (k->kind == RK_INT)
		snprintf(buf, len, "%" PRId64, k->i);
	else
		snprintf(buf, len, "%" PRIu64, k->u);
}

void print_format_write(const struct print_format *f,
			const struct report_key_part *parts, FILE *fp)
{
	unsigned arg = 0;

	for (unsigned i = 0; i < f->n; i++) {
		const struct piece *p = &f->v[i];
		const struct report_key_part *k;
		char spec[40], text[512];

		fputs(p->literal, fp);
		if (!p->conv)
			continue;
		k = &parts[arg++];
		if (p->conv == 's') {
			snprintf(spec, sizeof(spec), "%ss", p->spec);
			part_text(k, text, sizeof(text));
			fprintf(fp, spec, text);
		} else if (p->conv == 'c') {
			snprintf(spec, sizeof(spec), "%sc", p->spec);
			fprintf(fp, spec, (int)(k->kind == RK_INT ? k->i : (int64_t)k->u));
		} else if (p->conv == 'd' || p->conv == 'i') {
			snprintf(spec, sizeof(spec), "%s" PRId64, p->spec);
			fprintf(fp, spec, k->kind == RK_INT ? k->i : (int64_t)k->u);
		} else {
			snprintf(spec, sizeof(spec), "%s%s", p->spec,
				 p->conv == 'u' ? PRIu64 : p->conv == 'x' ? PRIx64 :
				 p->conv == 'X' ? PRIX64 : PRIo64);
			fprintf(fp, spec, k->kind == RK_INT ? (uint64_t)k->i : k->u);
		}
	}
}

void print_event_json(const struct report_key_part *parts, unsigned n, FILE *fp)
{
	struct json_object *o = json_object_new_object(), *args = json_object_new_array();

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(args,
			parts[i].kind == RK_STR ? json_object_new_string(parts[i].s)
			: parts[i].kind == RK_INT ? json_object_new_int64(parts[i].i)
			: json_object_new_uint64(parts[i].u));
	json_object_object_add(o, "args", args);
	fprintf(fp, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
