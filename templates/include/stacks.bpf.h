/*
 * Stack traces for kstack and ustack keys, and usym() keys. A key holds a stack id (and
 * for ustack the process's pid above it); user space reads the frames
 * from rcp_stacks and symbolizes them. A process's first user stack is
 * announced on rcp_stack_pids_new, so user space can read its memory
 * map while it still lives: its stacks can be named after it exits.
 */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, {{max_stacks}});
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} rcp_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} rcp_stack_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} rcp_stack_pids_new SEC(".maps");

static __always_inline __s64 rcp_kstack(void *ctx)
{
	return bpf_get_stackid(ctx, &rcp_stacks, 0);
}

/* This process's user addresses must be named: announce it, once. */
static __always_inline __u32 rcp_user_process(void)
{
	__u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	__u8 seen = 1;

	if (!bpf_map_update_elem(&rcp_stack_pids, &tgid, &seen, BPF_NOEXIST))
		bpf_ringbuf_output(&rcp_stack_pids_new, &tgid, sizeof(tgid), 0);
	return tgid;
}

static __always_inline __u64 rcp_ustack(void *ctx)
{
	long id = bpf_get_stackid(ctx, &rcp_stacks, BPF_F_USER_STACK);

	return ((__u64)rcp_user_process() << 32) | (__u32)id;
}

/* usym(addr): the pid, then the address, in a 16-byte key part. */
static __always_inline void rcp_usym(char *dst, __u64 addr)
{
	__u64 v[2] = { rcp_user_process(), addr };

	__builtin_memcpy(dst, v, sizeof(v));
}
