	{
		struct rcp_stats rcp_zero = {};
		struct rcp_stats *rcp_v = rcp_lookup_or_init(&rcp_map, &rcp_key, &rcp_zero);

		if (rcp_v) {
			rcp_v->count += 1;
			rcp_v->sum += rcp_value;
		}
	}
