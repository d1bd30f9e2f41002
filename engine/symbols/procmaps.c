/*
 * procmaps: keep what /proc/PID/maps said at one moment, so addresses
 * collected from a process can be turned into "func+off" once it is
 * gone. Ranges are sorted by address (the kernel lists them so) and
 * found by binary search; each range remembers the symbol table it
 * resolved to, so a stack of many frames costs one search per frame.
 */
#include "symbols/procmaps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"
#include "util/strbuf.h"

#define DELETED_SUFFIX " (deleted)"

struct entry {
	struct procmaps_range r;
	size_t path;			/* arena offset until parsing ends */
	char *load_path;		/* map_files path for deleted files */
	const struct elfsyms *syms;
	int err;
	bool loaded;
};

struct procmaps {
	struct entry *v;
	size_t n;
	char *arena;
	struct elfsyms_cache *cache;
	bool own_cache;
};

static int parse_line(const char *line, size_t len, struct entry *e,
		      struct strbuf *arena, size_t *last_path)
{
	unsigned long long start, end, pgoff, inode;
	char perms[5];
	int pos = 0;
	const char *path;
	size_t plen;

	if (sscanf(line, "%llx-%llx %4s %llx %*x:%*x %llu %n", &start, &end,
		   perms, &pgoff, &inode, &pos) != 5 || !pos || end <= start)
		return -EBADMSG;
	memset(e, 0, sizeof(*e));
	e->r.start = start;
	e->r.end = end;
	e->r.pgoff = pgoff;
	e->r.inode = inode;
	e->r.exec = perms[2] == 'x';
	path = line + pos;
	plen = len > (size_t)pos ? len - (size_t)pos : 0;
	if (inode && plen > strlen(DELETED_SUFFIX) &&
	    !memcmp(path + plen - strlen(DELETED_SUFFIX), DELETED_SUFFIX,
		    strlen(DELETED_SUFFIX))) {
		plen -= strlen(DELETED_SUFFIX);
		e->r.deleted = true;
	}
	/* consecutive ranges of one file share its path */
	if (*last_path != SIZE_MAX && !strncmp(arena->buf + *last_path, path, plen) &&
	    !arena->buf[*last_path + plen]) {
		e->path = *last_path;
		return 0;
	}
	e->path = arena->len;
	*last_path = arena->len;
	strbuf_add(arena, path, plen);
	strbuf_addch(arena, '\0');
	return 0;
}

int procmaps_parse(const char *text, size_t len, pid_t pid,
		   struct elfsyms_cache *cache, struct procmaps **out)
{
	struct strbuf arena = STRBUF_INIT;
	size_t cap = 0, last_path = SIZE_MAX;
	struct procmaps *m;
	const char *p = text, *end = text + len;

	*out = NULL;
	m = xcalloc(1, sizeof(*m));
	strbuf_init(&arena);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xstrndup(p, llen);
		struct entry e;
		int err;

		p += llen + 1;
		err = parse_line(line, llen, &e, &arena, &last_path);
		free(line);
		if (err) {
			strbuf_release(&arena);
			procmaps_free(m);
			return err;
		}
		if (m->n == cap) {
			cap = cap ? 2 * cap : 64;
			m->v = xrealloc(m->v, cap * sizeof(*m->v));
		}
		m->v[m->n++] = e;
	}
	m->arena = strbuf_detach(&arena);
	m->cache = cache;
	if (!m->cache) {
		m->cache = elfsyms_cache_new();
		m->own_cache = true;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct entry *e = &m->v[i];

		e->r.path = m->arena + e->path;
		if (e->r.deleted && e->r.exec && pid > 0) {
			/* the path may now name another file, or none */
			e->load_path = xasprintf("/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
						 (int)pid, e->r.start, e->r.end);
			e->err = elfsyms_cache_get(m->cache, e->load_path, &e->syms);
			e->loaded = true;
		}
	}
	*out = m;
	return 0;
}

int procmaps_snapshot(pid_t pid, struct elfsyms_cache *cache,
		      struct procmaps **out)
{
	char path[64];
	void *data;
	size_t len;
	int err;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	err = file_read(path, &data, &len);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	err = procmaps_parse(data, len, pid, cache, out);
	free(data);
	return err;
}

void procmaps_free(struct procmaps *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].load_path);
	if (m->own_cache)
		elfsyms_cache_free(m->cache);
	free(m->v);
	free(m->arena);
	free(m);
}

size_t procmaps_count(const struct procmaps *m)
{
	return m->n;
}

const struct procmaps_range *procmaps_at(const struct procmaps *m, size_t i)
{
	return i < m->n ? &m->v[i].r : NULL;
}

static struct entry *find(const struct procmaps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].r.end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->n && m->v[lo].r.start <= addr)
		return &m->v[lo];
	return NULL;
}

const struct procmaps_range *procmaps_find(const struct procmaps *m,
					   uint64_t addr)
{
	struct entry *e = find(m, addr);

	return e ? &e->r : NULL;
}

int procmaps_resolve(struct procmaps *m, uint64_t addr,
		     struct procmaps_sym *out)
{
	struct entry *e = find(m, addr);
	const struct elfsym *sym;
	uint64_t vaddr;

	memset(out, 0, sizeof(*out));
	if (!e)
		return -ENOENT;
	out->path = e->r.path;
	if (!e->r.inode || e->r.path[0] != '/')
		return -ENOENT;
	if (!e->loaded) {
		e->err = elfsyms_cache_get(m->cache, e->r.path, &e->syms);
		e->loaded = true;
	}
	if (e->err)
		return e->err;
	if (elfsyms_offset_to_vaddr(e->syms, addr - e->r.start + e->r.pgoff, &vaddr))
		return -ENOENT;
	sym = elfsyms_lookup(e->syms, vaddr, &out->offset);
	if (!sym)
		return -ENOENT;
	out->name = sym->name;
	return 0;
}

int procmaps_symbolize(struct procmaps *m, uint64_t addr, unsigned flags,
		       char *buf, size_t len)
{
	struct procmaps_sym s;
	struct strbuf sb = STRBUF_INIT;
	int n;

	strbuf_init(&sb);
	if (procmaps_resolve(m, addr, &s))
		strbuf_addf(&sb, "0x%" PRIx64, addr);
	else if ((flags & PROCMAPS_OFFSET) && s.offset)
		strbuf_addf(&sb, "%s+%" PRIu64, s.name, s.offset);
	else
		strbuf_addstr(&sb, s.name);
	if ((flags & PROCMAPS_MODULE) && s.path && *s.path)
		strbuf_addf(&sb, " (%s)", s.path);
	n = snprintf(buf, len, "%s", strbuf_str(&sb));
	strbuf_release(&sb);
	return n;
}
