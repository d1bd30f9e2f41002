/*
 * libbpf's USDT runtime: bpf_usdt_arg() decodes argument i at the site
 * that fired, bpf_usdt_cookie() gives the point's index, from the specs
 * libbpf writes into its maps (__bpf_usdt_specs) when it attaches. The
 * kernel types above come from BTF, as under vmlinux.h, so bpf_tracing.h
 * names struct pt_regs' members as the kernel does.
 */
#define __VMLINUX_H__
#include <bpf/usdt.bpf.h>

/* Argument i of the site that fired (the provider's arg_reader); 0 where it cannot be read. */
static __always_inline __s64 rcp_usdt_arg(void *ctx, __u32 i)
{
	long v = 0;

	bpf_usdt_arg(ctx, i, &v);
	return v;
}
