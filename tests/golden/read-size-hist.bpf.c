/* The map key: one member per key expression, then the bucket slot if any. */
struct rcp_key {
	char k0[16];
	__u64 k1;
	__u32 rcp_slot;
};
_Static_assert(__builtin_offsetof(struct rcp_key, k0) == 0, "key layout");
_Static_assert(__builtin_offsetof(struct rcp_key, k1) == 16, "key layout");
_Static_assert(__builtin_offsetof(struct rcp_key, rcp_slot) == 24, "key layout");
_Static_assert(sizeof(struct rcp_key) == 32, "key layout");

/*
 * Values set before load (--pid, --comm, recipe params). Read-only, so
 * the verifier prunes what they disable and one object serves them all.
 */
struct rcp_config {
	__u32 target_tgid;
	__u32 self_tgid;	/* a print recipe's own process: its output must not feed it */
	char target_comm[16];
};
_Static_assert(sizeof(struct rcp_config) == 24, "config layout");

const volatile struct rcp_config rcp_cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct rcp_key);
	__type(value, struct rcp_stats);
} rcp_map SEC(".maps");

/* --pid and --comm, filtered here so other processes cost one branch. */
static __always_inline int rcp_target_ok(void)
{
	__u32 rcp_tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);

	if (rcp_cfg.target_tgid && rcp_tgid != rcp_cfg.target_tgid)
		return 0;
	if (rcp_cfg.self_tgid && rcp_tgid == rcp_cfg.self_tgid)
		return 0;
	if (rcp_cfg.target_comm[0]) {
		char comm[16] = {};

		bpf_get_current_comm(comm, sizeof(comm));
		/*
		 * Read the config through its volatile lvalue: casting the
		 * qualifier away would let clang fold the zero initializer.
		 */
		for (unsigned i = 0; i < sizeof(comm); i++) {
			if (comm[i] != rcp_cfg.target_comm[i])
				return 0;
			if (!comm[i])
				break;
		}
	}
	return 1;
}

/* tracepoint:syscalls:sys_exit_read */
struct rcp_record_0 {
	char rcp_pad0[16];
	__s64 ret;
};
_Static_assert(__builtin_offsetof(struct rcp_record_0, ret) == 16, "record layout");

SEC("tracepoint")
int rcp_prog_0(struct rcp_record_0 *ctx)
{
	__u32 rcp_probe_idx = (__u32)bpf_get_attach_cookie(ctx);
	struct rcp_key rcp_key;

	(void)rcp_probe_idx;
	if (!rcp_target_ok())
		return 0;
#line 10 "tests/golden/read-size-hist.yaml"
	if (!(ctx->ret >= 0LL))
		return 0;
#line 277 "tests/golden/read-size-hist.yaml.bpf.c"
	__builtin_memset(&rcp_key, 0, sizeof(rcp_key));
#line 11 "tests/golden/read-size-hist.yaml"
	bpf_get_current_comm(rcp_key.k0, 16);
#line 281 "tests/golden/read-size-hist.yaml.bpf.c"
#line 11 "tests/golden/read-size-hist.yaml"
	rcp_key.k1 = (__u32)(bpf_get_current_pid_tgid() >> 32);
#line 284 "tests/golden/read-size-hist.yaml.bpf.c"
#line 14 "tests/golden/read-size-hist.yaml"
	__s64 rcp_value = ctx->ret;
#line 287 "tests/golden/read-size-hist.yaml.bpf.c"
	rcp_key.rcp_slot = rcp_log2_slot(rcp_value);
	{
		struct rcp_stats rcp_zero = {};
		struct rcp_stats *rcp_v = rcp_lookup_or_init(&rcp_map, &rcp_key, &rcp_zero);

		if (rcp_v) {
			rcp_v->count += 1;
			rcp_v->sum += rcp_value;
		}
	}

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
