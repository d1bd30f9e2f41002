	struct rcp_match rcp_match;
	struct rcp_started rcp_started;

	__builtin_memset(&rcp_match, 0, sizeof(rcp_match));
{{members}}	if (!rcp_pair_end(&rcp_match, &rcp_started))
		return 0;
	/* latency: what the end's expressions know, with the saved values */
	__u64 rcp_latency = bpf_ktime_get_ns() - rcp_started.rcp_ts;

	(void)rcp_latency;
