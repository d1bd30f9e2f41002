struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, {{max_entries}});
	__type(key, struct rcp_key);
	__type(value, {{value_ctype}});
} rcp_map SEC(".maps");
