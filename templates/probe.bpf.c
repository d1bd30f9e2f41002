
/* {{points}} */
{{record}}
SEC("{{section}}")
int {{prog}}({{ctx_type}} *ctx)
{
	__u32 rcp_probe_idx = {{probe_idx}};
	struct rcp_key rcp_key;

	(void)rcp_probe_idx;
	if (!rcp_target_ok())
		return 0;
{{body}}
	return 0;
}
