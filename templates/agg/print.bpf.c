	if (bpf_ringbuf_output(&rcp_events, &rcp_key, sizeof(rcp_key), 0)) {
		__u32 rcp_zero = 0;
		__u64 *rcp_n = bpf_map_lookup_elem(&rcp_lost, &rcp_zero);

		if (rcp_n)
			*rcp_n += 1;
	}
