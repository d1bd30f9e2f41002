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

