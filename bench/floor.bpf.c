// SPDX-License-Identifier: GPL-2.0
/*
 * floor.bpf.c: the smallest useful program for the benchmark's floor,
 * the equivalent of disk/rwbs-bytes without the rwbs key: the total of
 * block:block_rq_issue bytes in a one-slot array.  bench/run compiles
 * it once, ahead of time, with clang -O2 -g -target bpf against a
 * vmlinux.h dumped from the running kernel's BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} floor_bytes SEC(".maps");

SEC("tracepoint/block/block_rq_issue")
int floor_rq_issue(struct trace_event_raw_block_rq *ctx)
{
	__u32 key = 0;
	__u64 *total = bpf_map_lookup_elem(&floor_bytes, &key);

	if (total)
		__sync_fetch_and_add(total, ctx->bytes);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
