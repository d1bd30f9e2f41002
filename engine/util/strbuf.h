/*
 * strbuf: a growable, always NUL-terminated byte buffer.
 *
 * Used wherever text is built piecewise: generated BPF C, diagnostics,
 * report rendering. Allocation failure aborts (CLI-grade policy, as in
 * ply's xcalloc): a tracer that cannot allocate a few KiB cannot do
 * anything useful, and threading ENOMEM through every append would
 * bury the logic.
 */
#ifndef RECIPE_STRBUF_H
#define RECIPE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;	/* never NULL after strbuf_init(); always NUL-terminated */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT { .buf = NULL, .len = 0, .cap = 0 }

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
/* Give up ownership of the buffer: the caller frees it; sb is reset. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Guaranteed non-NULL, even for a never-used STRBUF_INIT buffer. */
const char *strbuf_str(const struct strbuf *sb);

/* Allocation helpers with the same abort-on-OOM policy. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
