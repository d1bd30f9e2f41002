
/* {{points}} */
{{record}}
SEC("{{section}}")
int {{prog}}({{ctx_type}} *ctx)
{
	__u32 rcp_probe_idx = {{probe_idx}};
	struct rcp_key rcp_key;

	(void)rcp_probe_idx;
{{target_check}}{{body}}
	return 0;
}
