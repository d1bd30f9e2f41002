/*
 * expr_display: how user space shows an integer or byte-string value an
 * expression computed. The BPF side keeps the number; the report renders
 * it (engine/run/display.c). Shared by check (which decides it), the plan
 * (which records it per key) and run (which renders it), so it is a
 * header of its own: run needs no part of the checker to read it.
 */
#ifndef RECIPE_CHECK_EXPR_DISPLAY_H
#define RECIPE_CHECK_EXPR_DISPLAY_H

enum expr_display {
	DISP_NONE,
	DISP_SYSCALL,	/* syscall_name(id): "read" */
	DISP_ERRNO,	/* errno_name(n): "EBADF" (n or -n) */
	DISP_DEV,	/* majmin(dev): "254:0", the kernel's dev_t */
	DISP_KSYM,	/* ksym(addr): "vfs_read+4" */
	DISP_KSTACK,	/* kstack, kstack(N): a stack id, shown as kernel frames */
	DISP_USTACK,	/* ustack, ustack(N): pid << 32 | stack id, shown as user frames */
	DISP_FUNC,	/* func (TY_PROBE): the attach point's function, "vfs_read" */
	DISP_IPV4,	/* ntop(addr): 4 address bytes in a u64, "127.0.0.1" */
	DISP_IPV6,	/* ntop(addr) of 16 bytes (TY_STR): "::1" */
	/*
	 * ntop(addr) of a 28-byte socket address (TY_STR; tcp:tcp_probe's
	 * saddr and daddr, a sockaddr_in or sockaddr_in6 by its family):
	 * the address, "127.0.0.1" or "::1", without the port
	 */
	DISP_SOCKADDR,
	DISP_USYM,	/* usym(addr): pid and address (TY_STR of 16 bytes), "main" */
	DISP_TIME,	/* time: boot-clock ns of the event, shown as wall time "14:03:07" */
	DISP_JOIN,	/* join(argv): up to 6 strings of 32 bytes (TY_STR), shown space-separated */
};

#endif
