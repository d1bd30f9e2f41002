	{
		struct rcp_minmax rcp_zero = {};
		struct rcp_minmax *rcp_v = rcp_lookup_or_init(&rcp_map, &rcp_key, &rcp_zero);

		if (rcp_v && (!rcp_v->set || rcp_value {{compare}} rcp_v->value)) {
			rcp_v->value = rcp_value;
			rcp_v->set = 1;
		}
	}
