	{
		__s64 rcp_zero = 0;
		__s64 *rcp_v = rcp_lookup_or_init(&rcp_map, &rcp_key, &rcp_zero);

		if (rcp_v)
			*rcp_v += rcp_value;
	}
