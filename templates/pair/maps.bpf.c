/* A start-to-end recipe: what both events see, and what the start keeps. */
struct rcp_match {
{{match_members}}};
{{match_asserts}}
struct rcp_started {
	__u64 rcp_ts;		/* bpf_ktime_get_ns() at the start */
{{started_members}}};
{{started_asserts}}
/* Starts waiting for their end: LRU, so starts that never end cannot fill it for good. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, {{max_entries}});
	__type(key, struct rcp_match);
	__type(value, struct rcp_started);
} rcp_starts SEC(".maps");

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

/* Record a start; a repeated start of the same match restarts its clock. */
static __always_inline void rcp_pair_start(const struct rcp_match *m,
					   struct rcp_started *v)
{
	v->rcp_ts = bpf_ktime_get_ns();
	if (!bpf_map_update_elem(&rcp_starts, m, v, BPF_NOEXIST))
		rcp_pair_count(0);
	else
		bpf_map_update_elem(&rcp_starts, m, v, BPF_ANY);
}

/*
 * Take the start of m into *v and delete it. 1 when this end owns it:
 * of two ends racing for one start, only the one whose delete succeeds
 * goes on, so no interval is counted twice.
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

