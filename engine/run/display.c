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
#include <time.h>

#include "syscall_names.h"

#define JOIN_SLOT 32	/* bytes per string of join(): rcp_join in recipe.bpf.h */

static const char *syscall_name(int64_t id)
{
	if (id < 0 || (uint64_t)id >= sizeof(syscall_names) / sizeof(syscall_names[0]))
		return NULL;
	return syscall_names[id];
}

/* join(): the non-empty slots, space-separated. */
static void render_join(const char *slots, size_t n, char *buf, size_t len)
{
	size_t out = 0;

	buf[0] = '\0';
	for (size_t i = 0; i + JOIN_SLOT <= n && out + 1 < len; i += JOIN_SLOT) {
		int w;

		if (!slots[i])
			break;
		w = snprintf(buf + out, len - out, "%s%.*s", out ? " " : "", JOIN_SLOT, slots + i);
		out += w > 0 ? (size_t)w : 0;
	}
}

/*
 * A sockaddr_in or sockaddr_in6 as the kernel keeps it (family in host
 * order, then the port, then the address): the address alone.
 */
static void render_sockaddr(const unsigned char *bytes, size_t n, char *buf, size_t len)
{
	uint16_t family;

	if (n >= 2)
		memcpy(&family, bytes, sizeof(family));
	if (n < 2 || !((family == AF_INET && n >= 8 && inet_ntop(AF_INET, bytes + 4, buf, (socklen_t)len)) ||
		       (family == AF_INET6 && n >= 24 && inet_ntop(AF_INET6, bytes + 8, buf, (socklen_t)len))))
		snprintf(buf, len, "?");
}

void display_render_bytes(enum expr_display display, const void *bytes,
			  size_t n, char *buf, size_t len)
{
	if (display == DISP_JOIN)
		render_join(bytes, n, buf, len);
	else if (display == DISP_SOCKADDR)
		render_sockaddr(bytes, n, buf, len);
	else if (display != DISP_IPV6 || n != 16 || !inet_ntop(AF_INET6, bytes, buf, (socklen_t)len))
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
	case DISP_TIME: {
		/* boot-clock ns to wall time: now, less how long ago the event was */
		struct timespec real, boot;
		time_t t;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &real);
		clock_gettime(CLOCK_BOOTTIME, &boot);
		t = (time_t)((real.tv_sec * 1000000000LL + real.tv_nsec -
			      (boot.tv_sec * 1000000000LL + boot.tv_nsec - v)) / 1000000000LL);
		localtime_r(&t, &tm);
		strftime(buf, len, "%H:%M:%S", &tm);
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
	case DISP_SOCKADDR:
	case DISP_USYM:
	case DISP_JOIN:
	case DISP_NONE:
		break;
	}
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%" PRId64, v);
}
