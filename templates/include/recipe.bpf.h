/*
 * Run-time helpers every generated program shares (in the spirit of
 * libbpf-tools' bits.bpf.h and maps.bpf.h). Kernel types come before
 * this from BTF; nothing here depends on a kernel version.
 */

/* One CPU's min or max: `set` tells an unset slot from a real 0. */
struct rcp_minmax {
	__s64 value;
	__u64 set;
};

/* One CPU's count and sum, for avg and stats. */
struct rcp_stats {
	__u64 count;
	__s64 sum;
};

/* Updates refused because the map was full, reported as dropped keys. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rcp_dropped SEC(".maps");

static __always_inline void *rcp_lookup_or_init(void *map, const void *key,
						const void *zero)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	value = bpf_map_lookup_elem(map, key);
	if (!value) {
		__u32 idx = 0;
		__u64 *dropped = bpf_map_lookup_elem(&rcp_dropped, &idx);

		if (dropped)
			*dropped += 1;
	}
	return value;
}

/* bpftrace's hist() slot: 0 for v < 0, 1 for 0, 2 + floor(log2(v)) above. */
static __always_inline __u32 rcp_log2_slot(__s64 v)
{
	__u64 u = (__u64)v;
	__u32 r = 0;

	if (v < 0)
		return 0;
	if (u == 0)
		return 1;
	if (u >> 32) { u >>= 32; r += 32; }
	if (u >> 16) { u >>= 16; r += 16; }
	if (u >> 8) { u >>= 8; r += 8; }
	if (u >> 4) { u >>= 4; r += 4; }
	if (u >> 2) { u >>= 2; r += 2; }
	if (u >> 1) { r += 1; }
	return r + 2;
}

/* lhist() slot: 0 below min, 1 + (v - min) / step inside, the last at or above max. */
static __always_inline __u32 rcp_linear_slot(__s64 v, __s64 min, __s64 max,
					     __u64 step)
{
	if (v < min)
		return 0;
	if (v >= max)
		return (__u32)((__u64)(max - min) / step) + 1;
	return (__u32)((__u64)(v - min) / step) + 1;
}

/* Equal in the first n bytes, up to and including the first NUL. */
static __always_inline int rcp_strneq(const char *a, const char *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (a[i] != b[i])
			return 0;
		if (!a[i])
			return 1;
	}
	return 1;
}

/* Zeros after the first NUL of a char[n], so equal strings are equal keys. */
static __always_inline void rcp_zero_after_nul(char *s, unsigned n)
{
	int ended = 0;

	for (unsigned i = 0; i < n; i++) {
		if (ended)
			s[i] = 0;
		else if (!s[i])
			ended = 1;
	}
}

/* join(argv): the first 6 strings of a user array, 32 bytes each, NUL-padded. */
static __always_inline void rcp_join(char *dst, const void *argv)
{
	for (int i = 0; i < 6; i++) {
		const char *arg = 0;

		if (bpf_probe_read_user(&arg, sizeof(arg), (const char *const *)argv + i) || !arg)
			break;
		bpf_probe_read_user_str(dst + i * 32, 32, arg);
	}
}
