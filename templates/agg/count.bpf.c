	{
		__u64 rcp_zero = 0;
		__u64 *rcp_v = rcp_lookup_or_init(&rcp_map, &rcp_key, &rcp_zero);

		if (rcp_v)
			*rcp_v += 1;
	}
