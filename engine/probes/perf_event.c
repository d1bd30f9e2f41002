/*
 * perf event providers: timed sampling (profile:hz:99, profile:ms:10),
 * a periodic timer on one CPU (interval:s:1), software events
 * (software:page-faults:1) and hardware events (hardware:cycles:1000000).
 * Each attach point opens one perf event per online CPU (one only for
 * interval) and attaches a BPF perf_event program to each, with the
 * point's index as the BPF cookie. They offer no args.
 *
 * Hardware events need a PMU, which a VM may not expose; that is
 * reported plainly at check time (`recipe list`) and at attach time.
 */
#include <errno.h>
#include <fnmatch.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probes/provider.h"
#include "util/file.h"
#include "util/strbuf.h"
#include "util/text.h"

/* A named perf event: software:NAME or hardware:NAME. */
struct perf_event_name {
	const char *name;
	const char *alias;	/* bpftrace's other spelling, or NULL */
	unsigned type;
	unsigned long long config;
	unsigned long long default_period;
};

#define HW_CACHE(cache, op, result) \
	((PERF_COUNT_HW_CACHE_##cache) | (PERF_COUNT_HW_CACHE_OP_##op << 8) | \
	 (PERF_COUNT_HW_CACHE_RESULT_##result << 16))

static const struct perf_event_name software_events[] = {
	{ "cpu-clock", "cpu", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1000000 },
	{ "task-clock", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 1000000 },
	{ "page-faults", "page-fault", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ "faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ "minor-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100 },
	{ "major-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
	{ "context-switches", "cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 1000 },
	{ "cpu-migrations", "migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	{ "alignment-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1 },
	{ "emulation-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS, 1 },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct perf_event_name hardware_events[] = {
	{ "cpu-cycles", "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 1000000 },
	{ "instructions", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 1000000 },
	{ "cache-references", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, 1000000 },
	{ "cache-misses", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, 1000000 },
	{ "branch-instructions", "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000 },
	{ "branch-misses", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, 100000 },
	{ "bus-cycles", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES, 100000 },
	{ "frontend-stalls", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000 },
	{ "backend-stalls", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000 },
	{ "ref-cycles", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000 },
	{ "LLC-load-misses", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(LL, READ, MISS), 1000 },
	{ "LLC-loads", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(LL, READ, ACCESS), 1000 },
	/* perf's generic cache events, by perf list's names */
	{ "L1-dcache-load-misses", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(L1D, READ, MISS), 10000 },
	{ "L1-dcache-loads", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(L1D, READ, ACCESS), 100000 },
	{ "L1-dcache-stores", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(L1D, WRITE, ACCESS), 100000 },
	{ "L1-icache-load-misses", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(L1I, READ, MISS), 10000 },
	{ "LLC-stores", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(LL, WRITE, ACCESS), 1000 },
	{ "LLC-store-misses", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(LL, WRITE, MISS), 1000 },
	{ "dTLB-loads", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(DTLB, READ, ACCESS), 100000 },
	{ "dTLB-load-misses", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(DTLB, READ, MISS), 1000 },
	{ "iTLB-load-misses", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(ITLB, READ, MISS), 1000 },
	{ "branch-loads", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(BPU, READ, ACCESS), 100000 },
	{ "branch-load-misses", NULL, PERF_TYPE_HW_CACHE, HW_CACHE(BPU, READ, MISS), 10000 },
	{ NULL, NULL, 0, 0, 0 },
};

/* What a resolved point opens on each CPU. */
struct perf_layout {
	struct perf_event_attr attr;
	bool one_cpu;		/* interval: fire on one CPU only */
};

static const char *const profile_aliases[] = { "p", NULL };
static const char *const interval_aliases[] = { "i", NULL };
static const char *const software_aliases[] = { "s", NULL };
static const char *const hardware_aliases[] = { "h", NULL };

static bool parse_count(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end && *out > 0;
}

static void add_point(const struct provider *p, const char *display,
		      struct perf_layout *l, struct attach_point **pts, size_t *n)
{
	struct attach_point *ap;

	*pts = xrealloc(*pts, (*n + 1) * sizeof(**pts));
	ap = &(*pts)[(*n)++];
	ap->provider = p;
	ap->target = xstrdup(display + strlen(p->name) + 1);
	ap->display = xstrdup(display);
	ap->layout = l;
}

/* The kernel's cap on sampling frequency (it lowers it under load). */
static unsigned long long max_sample_rate(void)
{
	unsigned long long rate = 100000;
	void *text;
	size_t len;

	if (!file_read("/proc/sys/kernel/perf_event_max_sample_rate", &text, &len)) {
		rate = strtoull(text, NULL, 10);
		free(text);
	}
	return rate;
}

/* profile:UNIT:N and interval:UNIT:N; UNIT is hz, s, ms or us. */
static int timer_expand(const struct provider *p, const char *target,
			const struct diag_at *at, struct attach_point **pts,
			size_t *n, struct diag_list *d)
{
	static const struct { const char *unit; unsigned long long ns; } units[] = {
		{ "s", 1000000000ULL }, { "ms", 1000000ULL }, { "us", 1000ULL },
		{ "hz", 0 },
	};
	bool interval = !strcmp(p->name, "interval");
	const char *colon = strchr(target, ':');
	struct perf_layout *l;
	unsigned long long count;
	char *display;
	size_t u;

	for (u = 0; colon && u < sizeof(units) / sizeof(units[0]); u++)
		if (strlen(units[u].unit) == (size_t)(colon - target) &&
		    !strncmp(units[u].unit, target, (size_t)(colon - target)))
			break;
	if (!colon || u == sizeof(units) / sizeof(units[0]) ||
	    !parse_count(colon + 1, &count) || (interval && !units[u].ns)) {
		diag_err(d, at, "bad %s probe '%s:%s'", p->name, p->name, target);
		diag_hint(d, interval ? "interval:s:N, interval:ms:N or interval:us:N, e.g. interval:s:1"
				      : "profile:hz:N, profile:s:N, profile:ms:N or profile:us:N, e.g. profile:hz:99");
		return -EINVAL;
	}
	if (units[u].ns && count > UINT64_MAX / units[u].ns) {
		diag_err(d, at, "%s:%s:%llu: the period does not fit in 64 bits of nanoseconds",
			 p->name, units[u].unit, count);
		diag_hint(d, "use a smaller count or a larger unit");
		return -ERANGE;
	}
	if (!units[u].ns && count > max_sample_rate()) {
		diag_err(d, at, "%s:hz:%llu is above this kernel's highest sampling rate, %llu Hz",
			 p->name, count, max_sample_rate());
		diag_hint(d, "/proc/sys/kernel/perf_event_max_sample_rate sets it; 99 Hz is usual");
		return -ERANGE;
	}
	l = xcalloc(1, sizeof(*l));
	l->attr.type = PERF_TYPE_SOFTWARE;
	l->attr.config = PERF_COUNT_SW_CPU_CLOCK;
	l->attr.size = sizeof(l->attr);
	l->one_cpu = interval;
	if (units[u].ns) {
		l->attr.sample_period = count * units[u].ns;
	} else {
		l->attr.freq = 1;
		l->attr.sample_freq = count;
	}
	display = xasprintf("%s:%s:%llu", p->name, units[u].unit, count);
	add_point(p, display, l, pts, n);
	free(display);
	return 0;
}

static const struct perf_event_name *event_table(const struct provider *p)
{
	return !strcmp(p->name, "hardware") ? hardware_events : software_events;
}

/* software:EVENT[:PERIOD] and hardware:EVENT[:PERIOD]. */
static int event_expand(const struct provider *p, const char *target,
			const struct diag_at *at, struct attach_point **pts,
			size_t *n, struct diag_list *d)
{
	const struct perf_event_name *ev = NULL, *table = event_table(p);
	const char *colon = strchr(target, ':');
	size_t len = colon ? (size_t)(colon - target) : strlen(target);
	unsigned long long period;
	struct perf_layout *l;
	char *display;

	for (const struct perf_event_name *e = table; e->name && !ev; e++)
		if ((strlen(e->name) == len && !strncmp(e->name, target, len)) ||
		    (e->alias && strlen(e->alias) == len && !strncmp(e->alias, target, len)))
			ev = e;
	if (!ev) {
		const char *names[32];
		size_t nn = 0;
		char *word = xstrndup(target, len);
		const char *near;
		struct strbuf all = STRBUF_INIT;

		for (const struct perf_event_name *e = table; e->name && nn < 32; e++) {
			names[nn++] = e->name;
			strbuf_addf(&all, "%s%s", all.len ? ", " : "", e->name);
		}
		near = text_closest(word, names, nn);
		diag_err(d, at, "unknown %s event '%s'", p->name, word);
		if (near)
			diag_hint(d, "did you mean %s:%s? (events: %s)", p->name, near, strbuf_str(&all));
		else
			diag_hint(d, "%s events: %s", p->name, strbuf_str(&all));
		strbuf_release(&all);
		free(word);
		return -ENOENT;
	}
	period = ev->default_period;
	if (colon && !parse_count(colon + 1, &period)) {
		diag_err(d, at, "bad period '%s' for %s:%s", colon + 1, p->name, ev->name);
		diag_hint(d, "a positive count: sample every N events, e.g. %s:%s:%llu",
			  p->name, ev->name, ev->default_period);
		return -EINVAL;
	}
	l = xcalloc(1, sizeof(*l));
	l->attr.type = ev->type;
	l->attr.config = ev->config;
	l->attr.size = sizeof(l->attr);
	l->attr.sample_period = period;
	display = xasprintf("%s:%s:%llu", p->name, ev->name, period);
	add_point(p, display, l, pts, n);
	free(display);
	return 0;
}

/* The online CPUs, from the kernel's list ("0-3,5"). */
static int online_cpus(bool *cpus, int max)
{
	void *text;
	size_t len;
	char *s, *end;
	int err = file_read("/sys/devices/system/cpu/online", &text, &len);

	if (err)
		return err;
	memset(cpus, 0, (size_t)max * sizeof(*cpus));
	for (s = text; *s && *s != '\n'; s = *end == ',' ? end + 1 : end) {
		long lo = strtol(s, &end, 10), hi = lo;

		if (end == s)
			break;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (long c = lo; c <= hi && c < max; c++)
			cpus[c] = true;
	}
	free(text);
	return 0;
}

static void explain_open_failure(const struct attach_point *ap, int err,
				 struct diag_list *d)
{
	const struct perf_layout *l = ap->layout;
	bool hardware = l->attr.type == PERF_TYPE_HARDWARE || l->attr.type == PERF_TYPE_HW_CACHE;

	if (hardware && (err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV)) {
		diag_err(d, &ap->at, "%s: this machine has no hardware PMU to count it (perf_event_open: %s)",
			 ap->display, strerror(-err));
		diag_hint(d, "in a VM the hypervisor must expose the PMU; software events "
			  "(software:cpu-clock, profile:hz:99) work without one");
		return;
	}
	diag_err(d, &ap->at, "%s: perf_event_open: %s", ap->display, strerror(-err));
	if (err == -EACCES || err == -EPERM)
		diag_hint(d, "run as root (or with CAP_PERFMON and CAP_BPF)");
}

static int perf_attach(struct attach_point *ap, struct bpf_program *prog,
		       unsigned long long cookie, struct attach_set *set,
		       struct diag_list *d)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = cookie);
	const struct perf_layout *l = ap->layout;
	int ncpu = libbpf_num_possible_cpus();
	unsigned attached = 0;
	bool *cpus;
	int err;

	if (ncpu < 1)
		return diag_err(d, NULL, "cannot count CPUs: %s", strerror(-ncpu));
	cpus = xcalloc((size_t)ncpu, sizeof(*cpus));
	err = online_cpus(cpus, ncpu);
	if (err) {
		free(cpus);
		diag_err(d, NULL, "cannot read the online CPUs: %s", strerror(-err));
		return err;
	}
	for (int cpu = 0; cpu < ncpu && !err; cpu++) {
		struct perf_event_attr attr = l->attr;
		struct bpf_link *link;
		int pfd;

		if (!cpus[cpu])
			continue;
		pfd = (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1,
				   PERF_FLAG_FD_CLOEXEC);
		/* A CPU that went offline since the list was read has nothing to sample. */
		if (pfd < 0 && errno == ENODEV && attached)
			continue;
		if (pfd < 0) {
			err = -errno;
			explain_open_failure(ap, err, d);
			break;
		}
		link = bpf_program__attach_perf_event_opts(prog, pfd, &opts);
		err = libbpf_get_error(link);
		if (err) {
			close(pfd);
			diag_err(d, &ap->at, "%s: attach on CPU %d: %s", ap->display, cpu,
				 strerror(-err));
			break;
		}
		attach_set_add(set, link, pfd);
		attached++;
		if (l->one_cpu)
			break;
	}
	free(cpus);
	return err;
}

/* profile and interval take any rate: list their forms. */
static int timer_list(const struct provider *p, const char *glob,
		      int (*cb)(const char *spec, void *ctx), void *ctx)
{
	static const char *const forms[] = { "hz:N", "s:N", "ms:N", "us:N" };
	int err = 0;

	for (size_t i = !strcmp(p->name, "interval"); i < 4 && !err; i++)
		if (!glob || !fnmatch(glob, forms[i], 0)) {
			char *spec = xasprintf("%s:%s", p->name, forms[i]);

			err = cb(spec, ctx);
			free(spec);
		}
	return err;
}

static int event_list(const struct provider *p, const char *glob,
		      int (*cb)(const char *spec, void *ctx), void *ctx)
{
	int err = 0;

	for (const struct perf_event_name *e = event_table(p); e->name && !err; e++)
		if (!glob || !fnmatch(glob, e->name, 0)) {
			char *spec = xasprintf("%s:%s", p->name, e->name);

			err = cb(spec, ctx);
			free(spec);
		}
	return err;
}

static bool always_available(const char **why)
{
	(void)why;
	return true;
}

/* Counting cycles on CPU 0 is the test: it needs the PMU, nothing else. */
static bool hardware_available(const char **why)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.disabled = 1,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	*why = errno == EACCES || errno == EPERM
	       ? "hardware events need root"
	       : "this machine has no hardware PMU (a VM that does not expose one)";
	return false;
}

static void free_layout(void *layout)
{
	free(layout);
}

#define PERF_PROVIDER(NAME, ALIASES, SUMMARY, EXPAND, LIST, AVAILABLE) \
	{								\
		.name = NAME,						\
		.aliases = ALIASES,					\
		.summary = SUMMARY,					\
		.section = "perf_event",				\
		.ctx_param = "void",					\
		.expand = EXPAND,					\
		.attach = perf_attach,					\
		.available = AVAILABLE,					\
		.free_layout = free_layout,				\
		.list = LIST,						\
	}

const struct provider provider_profile = PERF_PROVIDER("profile", profile_aliases,
	"timed sampling on every CPU: profile:hz:99, profile:ms:10",
	timer_expand, timer_list, always_available);
const struct provider provider_interval = PERF_PROVIDER("interval", interval_aliases,
	"a timer on one CPU: interval:s:1, interval:ms:100",
	timer_expand, timer_list, always_available);
const struct provider provider_software = PERF_PROVIDER("software", software_aliases,
	"kernel software events, every N: software:page-faults:1, software:cs:100",
	event_expand, event_list, always_available);
const struct provider provider_hardware = PERF_PROVIDER("hardware", hardware_aliases,
	"CPU hardware counters (PMU), every N: hardware:cycles:1000000",
	event_expand, event_list, hardware_available);
