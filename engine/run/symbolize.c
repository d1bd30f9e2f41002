/*
 * symbolize: kallsyms for kernel frames; for user frames, per-process
 * memory map snapshots (engine/symbols/procmaps.h) taken while the
 * process lives.
 */
#include "run/symbolize.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "symbols/elfsyms.h"
#include "symbols/ksyms.h"
#include "symbols/procmaps.h"

struct pid_maps {
	pid_t pid;
	struct procmaps *maps;	/* NULL: could not be read */
};

struct symbolizer {
	struct ksyms *ksyms;
	bool ksyms_tried;
	struct elfsyms_cache *elf;	/* symbol tables, shared by every process */
	struct pid_maps *pids;
	size_t npids;
};

struct symbolizer *symbolizer_new(void)
{
	struct symbolizer *s = xcalloc(1, sizeof(*s));

	s->elf = elfsyms_cache_new();
	return s;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	ksyms_free(s->ksyms);
	for (size_t i = 0; i < s->npids; i++)
		procmaps_free(s->pids[i].maps);
	free(s->pids);
	elfsyms_cache_free(s->elf);
	free(s);
}

static struct pid_maps *find_pid(struct symbolizer *s, pid_t pid)
{
	for (size_t i = 0; i < s->npids; i++)
		if (s->pids[i].pid == pid)
			return &s->pids[i];
	return NULL;
}

/* The snapshot of pid, taking one now if there is none yet. */
static struct pid_maps *ensure_pid(struct symbolizer *s, pid_t pid)
{
	struct pid_maps *pm = find_pid(s, pid);

	if (pm)
		return pm;
	s->pids = xrealloc(s->pids, (s->npids + 1) * sizeof(*s->pids));
	pm = &s->pids[s->npids++];
	pm->pid = pid;
	if (procmaps_snapshot(pid, s->elf, &pm->maps))
		pm->maps = NULL;
	return pm;
}

/*
 * A newer snapshot replaces an older one: a process announced after the
 * -c command was first read has loaded its libraries by now.
 */
void symbolizer_note_pid(struct symbolizer *s, pid_t pid)
{
	struct pid_maps *pm = find_pid(s, pid);
	struct procmaps *fresh;

	if (!pm) {
		ensure_pid(s, pid);
		return;
	}
	if (!procmaps_snapshot(pid, s->elf, &fresh)) {
		procmaps_free(pm->maps);
		pm->maps = fresh;
	}
}

/* "name+off" (off may be 0, as bpftrace prints frames), name only, or the address. */
static void kernel_name(struct symbolizer *s, uint64_t addr, bool with_offset,
			char *buf, size_t len)
{
	const char *name = NULL;
	uint64_t off = 0;

	if (!s->ksyms_tried) {
		s->ksyms_tried = true;
		if (ksyms_load(&s->ksyms))
			s->ksyms = NULL;
	}
	if (s->ksyms)
		name = ksyms_lookup(s->ksyms, addr, &off);
	if (!name)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else if (with_offset)
		snprintf(buf, len, "%s+%" PRIu64, name, off);
	else
		snprintf(buf, len, "%s", name);
}

void symbolizer_ksym(struct symbolizer *s, uint64_t addr, char *buf, size_t len)
{
	kernel_name(s, addr, false, buf, len);
}

static unsigned frames(const uint64_t *ips, unsigned n, unsigned depth)
{
	unsigned count = 0;

	while (count < n && ips[count])
		count++;
	return depth && depth < count ? depth : count;
}

void symbolizer_kstack(struct symbolizer *s, const uint64_t *ips, unsigned n,
		       unsigned depth, struct strbuf *out)
{
	unsigned count = frames(ips, n, depth);
	char name[256];

	strbuf_addch(out, '\n');
	for (unsigned i = 0; i < count; i++) {
		kernel_name(s, ips[i], true, name, sizeof(name));
		strbuf_addf(out, "    %s\n", name);
	}
}

void symbolizer_usym(struct symbolizer *s, pid_t pid, uint64_t addr, char *buf,
		     size_t len)
{
	struct procmaps_sym sym;
	struct pid_maps *pm;

	pm = ensure_pid(s, pid);
	if (pm->maps && !procmaps_resolve(pm->maps, addr, &sym) && sym.name)
		snprintf(buf, len, "%s", sym.name);
	else
		snprintf(buf, len, "0x%" PRIx64, addr);
}

void symbolizer_ustack(struct symbolizer *s, pid_t pid, const uint64_t *ips,
		       unsigned n, unsigned depth, struct strbuf *out)
{
	unsigned count = frames(ips, n, depth);
	struct pid_maps *pm;
	char name[256];

	/* Not announced (the event was lost): try the process while it may live. */
	pm = ensure_pid(s, pid);
	strbuf_addch(out, '\n');
	for (unsigned i = 0; i < count; i++) {
		struct procmaps_sym sym;

		if (pm->maps && !procmaps_resolve(pm->maps, ips[i], &sym) && sym.name)
			snprintf(name, sizeof(name), "%s+%" PRIu64, sym.name, sym.offset);
		else
			snprintf(name, sizeof(name), "0x%" PRIx64, ips[i]);
		strbuf_addf(out, "    %s\n", name);
	}
}
