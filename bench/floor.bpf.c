// SPDX-License-Identifier: GPL-2.0
/*
 * floor.bpf.c: the smallest useful program for the benchmark's floor,
 * the equivalent of disk/rwbs-bytes without the rwbs key: the total of
 * block:block_rq_issue bytes in a one-slot array.  bench/run compiles
 * it once, ahead of time, with clang -O2 -g -target bpf.
 *
 * No CO-RE: bench/run reads the offset of `bytes` from the tracepoint's
 * tracefs format and passes it as FLOOR_BYTES_OFFSET, so libbpf has no
 * relocation to do and need not load the kernel's BTF.  That keeps this
 * the least work a loader can do on this kernel.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef FLOOR_BYTES_OFFSET
#error "build with -DFLOOR_BYTES_OFFSET=N (offset of bytes in block_rq_issue's format)"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} floor_bytes SEC(".maps");

SEC("tracepoint/block/block_rq_issue")
int floor_rq_issue(void *ctx)
{
	__u32 bytes = *(__u32 *)((char *)ctx + FLOOR_BYTES_OFFSET);
	__u32 key = 0;
	__u64 *total = bpf_map_lookup_elem(&floor_bytes, &key);

	if (total)
		__sync_fetch_and_add(total, bytes);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
