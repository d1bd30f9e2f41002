	struct rcp_match rcp_match;
	__u32 rcp_copy_idx = 0;
	struct rcp_started *rcp_started = bpf_map_lookup_elem(&rcp_started_copy, &rcp_copy_idx);

	__builtin_memset(&rcp_match, 0, sizeof(rcp_match));
{{members}}	if (!rcp_started || !rcp_pair_end(&rcp_match, rcp_started))
		return 0;
	/* latency: what the end's expressions know, with the saved values */
	__u64 rcp_latency = bpf_ktime_get_ns() - rcp_started->rcp_ts;

	(void)rcp_latency;
