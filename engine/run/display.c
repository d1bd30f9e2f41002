/*
 * display: numbers to names for the report. The syscall table is
 * generated at build time from the kernel headers' unistd_64.h (the
 * Makefile's syscall_names.h); errno names come from glibc.
 */
#include "run/display.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "syscall_names.h"

static const char *syscall_name(int64_t id)
{
	if (id < 0 || (uint64_t)id >= sizeof(syscall_names) / sizeof(syscall_names[0]))
		return NULL;
	return syscall_names[id];
}

void display_render_bytes(enum expr_display display, const void *bytes,
			  size_t n, char *buf, size_t len)
{
	if (display != DISP_IPV6 || n != 16 || !inet_ntop(AF_INET6, bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void display_render(enum expr_display display, int64_t v, char *buf, size_t len)
{
	const char *name = NULL;

	switch (display) {
	case DISP_SYSCALL:
		name = syscall_name(v);
		break;
	case DISP_ERRNO:
		/* Return values carry -errno: show either sign by its name. */
		name = strerrorname_np(v < 0 ? (int)-v : (int)v);
		break;
	case DISP_IPV4: {
		/* the address's four bytes, as the kernel kept them (network order) */
		uint32_t a = (uint32_t)v;

		if (!inet_ntop(AF_INET, &a, buf, (socklen_t)len))
			snprintf(buf, len, "?");
		return;
	}
	case DISP_DEV:
		/* The kernel's dev_t: 12 bits of major above 20 bits of minor. */
		snprintf(buf, len, "%" PRIu64 ":%" PRIu64, (uint64_t)v >> 20,
			 (uint64_t)v & 0xfffff);
		return;
	case DISP_KSYM:
	case DISP_KSTACK:
	case DISP_USTACK:
	case DISP_FUNC:
	case DISP_IPV6:
	case DISP_USYM:
	case DISP_NONE:
		break;
	}
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%" PRId64, v);
}
