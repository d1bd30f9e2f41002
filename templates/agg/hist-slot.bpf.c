	rcp_key.rcp_slot = rcp_log2_slot(rcp_value);
