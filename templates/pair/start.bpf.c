	struct rcp_match rcp_match;
	struct rcp_started rcp_started;

	__builtin_memset(&rcp_match, 0, sizeof(rcp_match));
	__builtin_memset(&rcp_started, 0, sizeof(rcp_started));
{{members}}	rcp_pair_start(&rcp_match, &rcp_started);
