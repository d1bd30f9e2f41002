	rcp_key.rcp_slot = rcp_linear_slot(rcp_value, {{lhist_min}}, {{lhist_max}}, {{lhist_step}});
