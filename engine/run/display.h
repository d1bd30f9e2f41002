/*
 * display: how the report shows an integer the BPF side kept as a
 * number (expr.h's enum expr_display): syscall names, errno names,
 * major:minor device numbers, kernel symbols.
 */
#ifndef RECIPE_RUN_DISPLAY_H
#define RECIPE_RUN_DISPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "check/expr_display.h"

/*
 * Render v as `display` says into buf. A number with no name (a syscall
 * newer than the build's headers, an unknown errno) is shown as the
 * number, so nothing is ever lost.
 */
void display_render(enum expr_display display, int64_t v, char *buf, size_t len);

/* Render a byte-string key part (an IPv6 address for DISP_IPV6). */
void display_render_bytes(enum expr_display display, const void *bytes,
			  size_t n, char *buf, size_t len);

#endif
