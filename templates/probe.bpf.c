
/* {{points}} */
{{record}}
SEC("{{section}}")
int {{prog}}({{ctx_type}} *ctx)
{
	__u32 rcp_probe_idx = (__u32)bpf_get_attach_cookie(ctx);
	struct rcp_key rcp_key;

	(void)rcp_probe_idx;
	if (!rcp_target_ok())
		return 0;
{{body}}
	return 0;
}
