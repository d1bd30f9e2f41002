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
	__u64 p0;
};
_Static_assert(__builtin_offsetof(struct rcp_config, p0) == 24, "config layout");
_Static_assert(sizeof(struct rcp_config) == 32, "config layout");

const volatile struct rcp_config rcp_cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct rcp_key);
	__type(value, struct rcp_stats);
} rcp_map SEC(".maps");

/* A start-to-end recipe: what both events see, and what the start keeps. */
struct rcp_match {
	__u64 m0;
};
_Static_assert(__builtin_offsetof(struct rcp_match, m0) == 0, "match layout");
_Static_assert(sizeof(struct rcp_match) == 8, "match layout");

struct rcp_started {
	__u64 rcp_ts;		/* bpf_ktime_get_ns() at the start */
	char s0[16];
	__u64 s1;
};
_Static_assert(__builtin_offsetof(struct rcp_started, s0) == 8, "saved values layout");
_Static_assert(__builtin_offsetof(struct rcp_started, s1) == 24, "saved values layout");
_Static_assert(sizeof(struct rcp_started) == 32, "saved values layout");

/* Starts waiting for their end: LRU, so starts that never end cannot fill it for good. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct rcp_match);
	__type(value, struct rcp_started);
} rcp_starts SEC(".maps");

/* An end's copy of its start: off the 512-byte stack, which its key and expressions need. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rcp_started);
} rcp_started_copy SEC(".maps");

/*
 * [0] starts that made a new entry, [1] ends that consumed one. User
 * space derives the evicted starts: new - consumed - still waiting.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} rcp_pair_counts SEC(".maps");

static __always_inline void rcp_pair_count(__u32 idx)
{
	__u64 *n = bpf_map_lookup_elem(&rcp_pair_counts, &idx);

	if (n)
		*n += 1;
}

/*
 * Record a start. A repeated start of the same match restarts its clock
 * in place: an update of an existing key would take a free node from
 * the LRU first, evicting an unrelated start when the map is full.
 */
static __always_inline void rcp_pair_start(const struct rcp_match *m,
					   struct rcp_started *v)
{
	struct rcp_started *old = bpf_map_lookup_elem(&rcp_starts, m);

	v->rcp_ts = bpf_ktime_get_ns();
	if (old)
		__builtin_memcpy(old, v, sizeof(*v));
	else if (!bpf_map_update_elem(&rcp_starts, m, v, BPF_NOEXIST))
		rcp_pair_count(0);
}

/*
 * Take the start of m into *v and delete it. 1 when this end owns it:
 * of two ends racing for one start, only the one whose delete succeeds
 * goes on. (Two ends of one match at once, with a new start between
 * the first's copy and delete, would still pair wrongly: a tid never
 * ends twice at once, a block request's sector hardly.)
 */
static __always_inline int rcp_pair_end(const struct rcp_match *m,
					struct rcp_started *v)
{
	struct rcp_started *s = bpf_map_lookup_elem(&rcp_starts, m);

	if (!s)
		return 0;
	__builtin_memcpy(v, s, sizeof(*v));
	if (bpf_map_delete_elem(&rcp_starts, m))
		return 0;
	rcp_pair_count(1);
	return 1;
}

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

/* tracepoint:sock:inet_sock_set_state */
struct rcp_record_0 {
	char rcp_pad0[8];
	__u64 skaddr;	/* kernel pointer */
	__s32 oldstate;
	__s32 newstate;
};
_Static_assert(__builtin_offsetof(struct rcp_record_0, skaddr) == 8, "record layout");
_Static_assert(__builtin_offsetof(struct rcp_record_0, oldstate) == 16, "record layout");
_Static_assert(__builtin_offsetof(struct rcp_record_0, newstate) == 20, "record layout");

SEC("tracepoint")
int rcp_prog_0(struct rcp_record_0 *ctx)
{
	__u32 rcp_probe_idx = (__u32)bpf_get_attach_cookie(ctx);
	struct rcp_key rcp_key;

	(void)rcp_probe_idx;
#line 17 "tests/golden/connect-latency-pair.yaml"
	if (!((__s64)ctx->oldstate == 2LL))
		return 0;
#line 370 "tests/golden/connect-latency-pair.yaml.bpf.c"
#line 17 "tests/golden/connect-latency-pair.yaml"
	if (!((__s64)ctx->newstate == 1LL))
		return 0;
#line 374 "tests/golden/connect-latency-pair.yaml.bpf.c"
	struct rcp_match rcp_match;
	__u32 rcp_copy_idx = 0;
	struct rcp_started *rcp_started = bpf_map_lookup_elem(&rcp_started_copy, &rcp_copy_idx);

	__builtin_memset(&rcp_match, 0, sizeof(rcp_match));
#line 12 "tests/golden/connect-latency-pair.yaml"
	rcp_match.m0 = ctx->skaddr;
#line 382 "tests/golden/connect-latency-pair.yaml.bpf.c"
	if (!rcp_started || !rcp_pair_end(&rcp_match, rcp_started))
		return 0;
	/* latency: what the end's expressions know, with the saved values */
	__u64 rcp_latency = bpf_ktime_get_ns() - rcp_started->rcp_ts;

	(void)rcp_latency;
	__s64 rcp_t0 = rcp_latency;
	__s64 rcp_t1 = 1000LL;
#line 17 "tests/golden/connect-latency-pair.yaml"
	if (!((((rcp_t0 < 0) != (rcp_t1 < 0)) ? (__s64)-((rcp_t0 < 0 ? -(__u64)rcp_t0 : (__u64)rcp_t0) / (rcp_t1 < 0 ? -(__u64)rcp_t1 : (__u64)rcp_t1)) : (__s64)((rcp_t0 < 0 ? -(__u64)rcp_t0 : (__u64)rcp_t0) / (rcp_t1 < 0 ? -(__u64)rcp_t1 : (__u64)rcp_t1))) >= (__s64)rcp_cfg.p0))
		return 0;
#line 394 "tests/golden/connect-latency-pair.yaml.bpf.c"
	__builtin_memset(&rcp_key, 0, sizeof(rcp_key));
#line 18 "tests/golden/connect-latency-pair.yaml"
	for (unsigned rcp_i = 0; rcp_i < 16; rcp_i++)
	rcp_key.k0[rcp_i] = rcp_started->s0[rcp_i];
#line 399 "tests/golden/connect-latency-pair.yaml.bpf.c"
#line 18 "tests/golden/connect-latency-pair.yaml"
	rcp_key.k1 = rcp_started->s1;
#line 402 "tests/golden/connect-latency-pair.yaml.bpf.c"
	__s64 rcp_t2 = rcp_latency;
	__s64 rcp_t3 = 1000LL;
#line 19 "tests/golden/connect-latency-pair.yaml"
	__s64 rcp_value = (((rcp_t2 < 0) != (rcp_t3 < 0)) ? (__s64)-((rcp_t2 < 0 ? -(__u64)rcp_t2 : (__u64)rcp_t2) / (rcp_t3 < 0 ? -(__u64)rcp_t3 : (__u64)rcp_t3)) : (__s64)((rcp_t2 < 0 ? -(__u64)rcp_t2 : (__u64)rcp_t2) / (rcp_t3 < 0 ? -(__u64)rcp_t3 : (__u64)rcp_t3)));
#line 407 "tests/golden/connect-latency-pair.yaml.bpf.c"
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

/* tracepoint:sock:inet_sock_set_state */
struct rcp_record_1 {
	char rcp_pad0[8];
	__u64 skaddr;	/* kernel pointer */
	char rcp_pad1[4];
	__s32 newstate;
	char rcp_pad2[2];
	__u16 dport;
};
_Static_assert(__builtin_offsetof(struct rcp_record_1, skaddr) == 8, "record layout");
_Static_assert(__builtin_offsetof(struct rcp_record_1, newstate) == 20, "record layout");
_Static_assert(__builtin_offsetof(struct rcp_record_1, dport) == 26, "record layout");

SEC("tracepoint")
int rcp_prog_1(struct rcp_record_1 *ctx)
{
	__u32 rcp_probe_idx = (__u32)bpf_get_attach_cookie(ctx);
	struct rcp_key rcp_key;

	(void)rcp_probe_idx;
	if (!rcp_target_ok())
		return 0;
#line 11 "tests/golden/connect-latency-pair.yaml"
	if (!((__s64)ctx->newstate == 2LL))
		return 0;
#line 447 "tests/golden/connect-latency-pair.yaml.bpf.c"
	struct rcp_match rcp_match;
	struct rcp_started rcp_started;

	__builtin_memset(&rcp_match, 0, sizeof(rcp_match));
	__builtin_memset(&rcp_started, 0, sizeof(rcp_started));
#line 12 "tests/golden/connect-latency-pair.yaml"
	rcp_match.m0 = ctx->skaddr;
#line 455 "tests/golden/connect-latency-pair.yaml.bpf.c"
#line 14 "tests/golden/connect-latency-pair.yaml"
	bpf_get_current_comm(rcp_started.s0, 16);
#line 458 "tests/golden/connect-latency-pair.yaml.bpf.c"
#line 15 "tests/golden/connect-latency-pair.yaml"
	rcp_started.s1 = ctx->dport;
#line 461 "tests/golden/connect-latency-pair.yaml.bpf.c"
	rcp_pair_start(&rcp_match, &rcp_started);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
