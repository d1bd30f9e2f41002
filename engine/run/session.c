/*
 * session: load, attach, stop, read and release one compiled recipe.
 * See session.h for why stop and release are separate steps.
 */
#include "run/session.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "abi.h"
#include "run/maps.h"
#include "run/symbolize.h"
#include "util/strbuf.h"

/* Above this many events, release in a detached child (see session.h). */
#define DEFER_RELEASE_OVER 8
#define VERIFIER_TAIL_LINES 24

struct session {
	const struct plan *plan;
	struct bpf_object *obj;
	struct attach_set links;
	bool stopped;
	/* Keys that need symbols (stacks, ksym): NULL when none does. */
	struct symbolizer *sym;
	/* The programs' news: processes to snapshot, a print recipe's events. */
	struct ring_buffer *rings;
	session_event_fn sink;
	void *sink_ctx;
	int stack_fd;		/* the stack map, for stacks in events; -1 when none */
	unsigned burst;		/* events handled by the current consume */
	uint64_t evicted_reported;	/* evicted starts already in a report */
	uint64_t missed_reported;	/* kernel-skipped runs already in a report */
	size_t skipped;		/* points of patterns that could not attach */
	struct maps_shown *shown;	/* what --interval reports have shown */
};

/*
 * Events one consume handles at most: libbpf keeps consuming while data
 * arrives, and a busy probe must not keep the loop from its timers and
 * signals.
 */
#define EVENTS_PER_POLL 4096

static bool needs_symbols(const struct plan *p)
{
	for (unsigned k = 0; k < p->nkeys; k++)
		if (p->keys[k].type.display == DISP_KSYM)
			return true;
	return p->uses_stacks;
}

/* A process took its first user stack: read its memory map while it lives. */
static int note_stack_pid(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(__u32))
		symbolizer_note_pid(ctx, (pid_t)*(const __u32 *)data);
	return 0;
}

/* A print recipe's event: decoded here, rendered by the sink. */
static int on_event(void *ctx, void *data, size_t len)
{
	struct session *s = ctx;
	const struct plan *p = s->plan;
	struct report_key_part *parts;

	if (len < p->key_size || !s->sink)
		return 0;
	if (++s->burst > EVENTS_PER_POLL)
		return -EAGAIN;	/* the rest waits for the next poll */
	parts = xcalloc(p->nkeys ? p->nkeys : 1, sizeof(*parts));
	{
		const struct maps_keys mk = { .sym = s->sym, .stack_fd = s->stack_fd };

		maps_decode_key(p, &mk, data, parts);
	}
	s->sink(s->sink_ctx, parts, p->nkeys);
	for (unsigned k = 0; k < p->nkeys; k++)
		free(parts[k].s);
	free(parts);
	return 0;
}

static int add_ring(struct session *s, const char *name, ring_buffer_sample_fn fn,
		    void *ctx, struct diag_list *d)
{
	struct bpf_map *map = bpf_object__find_map_by_name(s->obj, name);
	int err = 0;

	if (!map)
		return 0;
	if (!s->rings) {
		s->rings = ring_buffer__new(bpf_map__fd(map), fn, ctx, NULL);
		err = s->rings ? 0 : -errno;
	} else {
		err = ring_buffer__add(s->rings, bpf_map__fd(map), fn, ctx);
	}
	if (err)
		return diag_err(d, NULL, "cannot read the %s ring buffer: %s", name, strerror(-err));
	return 0;
}

static int open_rings(struct session *s, struct diag_list *d)
{
	struct bpf_map *stacks = bpf_object__find_map_by_name(s->obj, ABI_STACK_MAP);

	s->stack_fd = stacks ? bpf_map__fd(stacks) : -1;
	if (needs_symbols(s->plan))
		s->sym = symbolizer_new();
	return (s->sym ? add_ring(s, ABI_STACK_PIDS_RINGBUF, note_stack_pid, s->sym, d) : 0) ?:
	       add_ring(s, ABI_EVENTS_RINGBUF, on_event, s, d);
}

void session_set_event_sink(struct session *s, session_event_fn fn, void *ctx)
{
	s->sink = fn;
	s->sink_ctx = ctx;
}

int session_event_fd(const struct session *s)
{
	return s->rings ? ring_buffer__epoll_fd(s->rings) : -1;
}

void session_note_process(struct session *s, pid_t pid)
{
	if (s->sym)
		symbolizer_note_pid(s->sym, pid);
}

void session_poll_events(struct session *s)
{
	s->burst = 0;
	if (s->rings)
		ring_buffer__consume(s->rings);
}

/* Everything left, for the final report: as many rounds as it takes. */
static void drain_events(struct session *s)
{
	do
		session_poll_events(s);
	while (s->burst > EVENTS_PER_POLL);
}

/* libbpf's warnings of the current load, kept to explain a failure. */
static struct strbuf libbpf_log = STRBUF_INIT;

static int capture_print(enum libbpf_print_level level, const char *fmt,
			 va_list args)
{
	if (level != LIBBPF_DEBUG)
		strbuf_vaddf(&libbpf_log, fmt, args);
	return 0;
}

/* The last lines of the verifier log libbpf printed on a failed load. */
static void add_verifier_tail(struct diag_list *d)
{
	const char *log = strbuf_str(&libbpf_log);
	const char *begin = strstr(log, "-- BEGIN PROG LOAD LOG --");
	const char *end = begin ? strstr(begin, "-- END PROG LOAD LOG --") : NULL;
	const char *start;
	int lines = 0;

	if (!begin || !end) {
		if (*log)
			diag_hint(d, "libbpf said: %s", log);
		return;
	}
	begin = strchr(begin, '\n') + 1;
	start = end;
	while (start > begin && lines <= VERIFIER_TAIL_LINES)
		if (*--start == '\n')
			lines++;
	if (*start == '\n')
		start++;
	diag_hint(d, "the verifier's log ends with:\n%.*s",
		  (int)(end - start), start);
}

/*
 * The map that holds rcp_cfg and where in it, from the object's own BTF:
 * the DATASEC listing the rcp_cfg variable is the value type libbpf gave
 * that section's internal map. Matching map names would not do: clang
 * puts long string literals in a second read-only section
 * (.rodata.str1.1), whose map name also contains ".rodata".
 */
static int config_map(struct bpf_object *obj, struct bpf_map **out,
		      unsigned *offset)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;
	__u32 n = btf ? btf__type_cnt(btf) : 0;

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *sec = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *vs;

		if (!btf_is_datasec(sec))
			continue;
		vs = btf_var_secinfos(sec);
		for (unsigned i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, var->name_off), "rcp_cfg"))
				continue;
			bpf_object__for_each_map(map, obj) {
				if (bpf_map__is_internal(map) &&
				    bpf_map__btf_value_type_id(map) == id) {
					*out = map;
					*offset = vs->offset;
					return 0;
				}
			}
			return -ENOENT;
		}
	}
	return -ENOENT;
}

static int write_config(const struct plan *p, struct bpf_object *obj,
			struct diag_list *d)
{
	struct bpf_map *rodata;
	const void *init;
	size_t size;
	unsigned offset;
	char *data;
	int err;

	if (config_map(obj, &rodata, &offset))
		return diag_err(d, NULL, "internal: the object has no rcp_cfg in .rodata");
	init = bpf_map__initial_value(rodata, &size);
	if (!init || offset + p->cfg_size > size)
		return diag_err(d, NULL, "internal: rcp_cfg does not fit .rodata");
	data = xmalloc(size);
	memcpy(data, init, size);
	memset(data + offset, 0, p->cfg_size);
	plan_fill_config(p, data + offset);
	err = bpf_map__set_initial_value(rodata, data, size);
	free(data);
	if (err)
		return diag_err(d, NULL, "cannot set the program's config: %s", strerror(-err));
	return 0;
}

/* Types that name their target at load (fentry) are told it now. */
static int prepare_programs(const struct plan *p, struct bpf_object *obj,
			    struct diag_list *d)
{
	int err = 0;

	for (size_t g = 0; g < p->ngroups && !err; g++) {
		struct attach_point *ap = &p->points[p->groups[g].first];
		struct bpf_program *prog;
		char name[32];

		if (!ap->provider->prepare)
			continue;
		abi_prog_name((unsigned)g, name, sizeof(name));
		prog = bpf_object__find_program_by_name(obj, name);
		if (!prog)
			return diag_err(d, NULL, "internal: program %s is missing", name);
		err = ap->provider->prepare(ap, prog, d);
	}
	return err;
}

int session_load(const struct plan *p, const void *obj_data, size_t len,
		 struct session **out, struct diag_list *d)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "recipe");
	libbpf_print_fn_t old_print = libbpf_set_print(capture_print);
	struct session *s = xcalloc(1, sizeof(*s));
	int err;

	strbuf_reset(&libbpf_log);
	s->plan = p;
	s->obj = bpf_object__open_mem(obj_data, len, &opts);
	err = libbpf_get_error(s->obj);
	if (err) {
		s->obj = NULL;
		diag_err(d, NULL, "cannot open the compiled object: %s", strerror(-err));
		goto fail;
	}
	err = write_config(p, s->obj, d);
	if (err)
		goto fail;
	err = prepare_programs(p, s->obj, d);
	if (err)
		goto fail;
	err = bpf_object__load(s->obj);
	if (err) {
		const struct diag_at at = recipe_locate(p->rf, "probes", 0);

		diag_err(d, &at, "the kernel refused to load the program for %s: %s",
			 p->name, strerror(-err));
		/* The verifier also answers EACCES: only blame privileges without them. */
		if ((err == -EPERM || err == -EACCES) && geteuid() != 0)
			diag_hint(d, "run as root (loading BPF needs CAP_BPF and CAP_PERFMON)");
		else
			add_verifier_tail(d);
		goto fail;
	}
	libbpf_set_print(old_print);
	err = open_rings(s, d);
	if (err) {
		session_close(s, false);
		return err;
	}
	*out = s;
	return 0;
fail:
	libbpf_set_print(old_print);
	bpf_object__close(s->obj);
	free(s);
	return err;
}

static void release_links(struct session *s, bool defer);

/* Pattern points skipped beyond this many are counted in one warning. */
#define SKIPPED_SAID 8

/* An attach error that says this point cannot take a probe, not that the machine failed. */
static bool point_refused(int err)
{
	return err == -EADDRNOTAVAIL || err == -ENOENT || err == -EINVAL ||
	       err == -EOPNOTSUPP || err == -ENXIO;
}

int session_attach(struct session *s, struct diag_list *d)
{
	const struct plan *p = s->plan;
	int err = 0;

	for (size_t i = 0; i < p->npoints && !err; i++) {
		struct attach_point *ap = &p->points[i];
		size_t mark = d->n;
		char name[32];
		struct bpf_program *prog;

		abi_prog_name(p->point_group[i], name, sizeof(name));
		prog = bpf_object__find_program_by_name(s->obj, name);
		if (!prog) {
			err = diag_err(d, NULL, "internal: program %s is missing", name);
			break;
		}
		err = ap->provider->attach(ap, prog, i, &s->links, d);
		if (err && ap->from_glob && point_refused(err) && p->npoints > 1) {
			diag_list_truncate(d, mark);
			if (s->skipped++ < SKIPPED_SAID)
				diag_add(d, DIAG_WARNING, &ap->at,
					 "%s cannot take a probe here (%s): skipped, as a point of a pattern",
					 ap->display, strerror(-err));
			err = 0;
		}
	}
	if (!err && s->skipped > SKIPPED_SAID)
		diag_add(d, DIAG_WARNING, NULL, "%zu more points of patterns skipped the same way",
			 s->skipped - SKIPPED_SAID);
	if (!err && s->skipped == p->npoints)
		err = diag_err(d, NULL, "no attach point of %s could take a probe", p->name);
	if (err)
		release_links(s, true);
	return err;
}

size_t session_skipped(const struct session *s)
{
	return s->skipped;
}

size_t session_attached(const struct session *s)
{
	return s->links.n;
}

void session_stop(struct session *s)
{
	if (s->stopped)
		return;
	for (size_t i = 0; i < s->links.n; i++) {
		struct attached *a = &s->links.v[i];

		if (a->perf_fd >= 0) {
			ioctl(a->perf_fd, PERF_EVENT_IOC_DISABLE, 0);
		} else if (a->link) {
			/* No perf event to disable (uprobes, raw tracepoints): detach now. */
			bpf_link__destroy(a->link);
			a->link = NULL;
		}
	}
	s->stopped = true;
}

/* The sum over CPUs of slot `idx` of a per-CPU counter array, zeroed with `clear`. */
static uint64_t percpu_total(int fd, __u32 idx, bool clear)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals = xcalloc(ncpu > 0 ? (size_t)ncpu : 1, sizeof(*vals));
	uint64_t total = 0;

	if (ncpu > 0 && !bpf_map_lookup_elem(fd, &idx, vals))
		for (int c = 0; c < ncpu; c++)
			total += vals[c];
	if (ncpu > 0 && clear) {
		memset(vals, 0, (size_t)ncpu * sizeof(*vals));
		bpf_map_update_elem(fd, &idx, vals, BPF_ANY);
	}
	free(vals);
	return total;
}

/*
 * Entries in a hash map, at most its capacity: a key deleted while we
 * walk sends the walk back to the first bucket, so a busy map could
 * otherwise be walked for ever.
 */
static uint64_t count_entries(const struct bpf_map *map)
{
	char *key = xcalloc(2, bpf_map__key_size(map));
	char *next = key + bpf_map__key_size(map);
	int fd = bpf_map__fd(map);
	uint64_t n = 0;

	for (int err = bpf_map_get_next_key(fd, NULL, next);
	     !err && n < bpf_map__max_entries(map);
	     err = bpf_map_get_next_key(fd, key, next)) {
		memcpy(key, next, bpf_map__key_size(map));
		n++;
	}
	free(key);
	return n;
}

/*
 * A start/end recipe's starts still waiting, and those the LRU map
 * evicted before their end came: the starts that made an entry, less
 * those consumed and those waiting. The counters are never cleared, so
 * the three stay comparable; a report gets the evictions new since the
 * last one that cleared. Read in this order while programs run, a start
 * or an end racing the reads is counted twice, never missed, so the
 * difference errs low and a report never warns of an eviction that did
 * not happen.
 */
static void count_starts(struct session *s, bool clear, struct report *r)
{
	struct bpf_map *counts = bpf_object__find_map_by_name(s->obj, ABI_PAIR_COUNTS_MAP);
	struct bpf_map *starts = bpf_object__find_map_by_name(s->obj, ABI_PAIR_STARTS_MAP);
	uint64_t recorded, consumed, total;

	if (!counts || !starts)
		return;
	recorded = percpu_total(bpf_map__fd(counts), 0, false);
	r->pending_starts = count_entries(starts);
	consumed = percpu_total(bpf_map__fd(counts), 1, false);
	/* the races err low: never below 0 */
	total = recorded > consumed + r->pending_starts ?
		recorded - consumed - r->pending_starts : 0;
	r->evicted_starts = total > s->evicted_reported ? total - s->evicted_reported : 0;
	if (clear)
		s->evicted_reported += r->evicted_starts;
}

/*
 * Runs of our programs the kernel skipped (bpf_prog_info's
 * recursion_misses): a tracepoint's program does not run while another
 * BPF program runs on the same CPU, as when a block completion
 * interrupts the program of a block issue. Each skip is an event the
 * report does not have; like evictions, a report gets those new since
 * the last one that cleared.
 */
static void count_missed(struct session *s, bool clear, struct report *r)
{
	struct bpf_program *prog;
	uint64_t total = 0;

	bpf_object__for_each_program(prog, s->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			total += info.recursion_misses;
	}
	r->missed_events = total > s->missed_reported ? total - s->missed_reported : 0;
	if (clear)
		s->missed_reported += r->missed_events;
}

int session_snapshot(struct session *s, bool clear, struct report **out,
		     struct diag_list *d)
{
	struct bpf_map *map = bpf_object__find_map_by_name(s->obj, ABI_MAP);
	struct bpf_map *dropped = bpf_object__find_map_by_name(s->obj, ABI_DROPPED_MAP);
	struct bpf_map *lost = bpf_object__find_map_by_name(s->obj, ABI_LOST_MAP);
	struct report *r = report_new();
	int err;

	if (lost) {
		/* A print recipe: its events went out as they came; only losses remain. */
		drain_events(s);
		r->lost = percpu_total(bpf_map__fd(lost), 0, clear);
		count_starts(s, clear, r);
		count_missed(s, clear, r);
		*out = r;
		return 0;
	}
	if (!map || !dropped) {
		report_free(r);
		return diag_err(d, NULL, "internal: the object has no rcp_map");
	}
	{
		struct bpf_map *stacks = bpf_object__find_map_by_name(s->obj, ABI_STACK_MAP);
		const struct maps_keys mk = {
			.sym = s->sym,
			.stack_fd = stacks ? bpf_map__fd(stacks) : -1,
		};

		session_poll_events(s);
		if (clear && !s->shown)
			s->shown = maps_shown_new();
		err = maps_read(s->plan, bpf_map__fd(map), &mk, s->shown, clear, r, d);
	}
	if (!err) {
		r->dropped_keys = percpu_total(bpf_map__fd(dropped), 0, clear);
		count_starts(s, clear, r);
		count_missed(s, clear, r);
	}
	if (err) {
		report_free(r);
		return err;
	}
	*out = r;
	return 0;
}

/*
 * Fork a child that holds every fd, and return the write end of a pipe:
 * our own closes are then fast, because they are not the last
 * references. The child waits until that pipe is closed (after our
 * closes, or when this process exits), so it is the one that pays the
 * kernel's grace periods, with no terminal and no stdio. -1 on failure:
 * the caller then releases in process, slowly but correctly.
 */
static int release_in_child(void)
{
	int pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		char c;
		int null = open("/dev/null", O_RDWR);

		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pipefd[0]);
	return pipefd[1];
}

/* Disable, then destroy every link; many are handed to a child (see above). */
static void release_links(struct session *s, bool defer)
{
	int handoff = -1;

	session_stop(s);
	if (defer && s->links.n > DEFER_RELEASE_OVER)
		handoff = release_in_child();
	for (size_t i = 0; i < s->links.n; i++)
		bpf_link__destroy(s->links.v[i].link);
	s->links.n = 0;
	if (handoff >= 0)
		close(handoff);
}

void session_close(struct session *s, bool defer)
{
	if (!s)
		return;
	release_links(s, defer);
	free(s->links.v);
	ring_buffer__free(s->rings);
	maps_shown_free(s->shown);
	symbolizer_free(s->sym);
	bpf_object__close(s->obj);
	free(s);
}
