/*
 * elfsyms: read an ELF file's function symbols once with libelf into a
 * compact, file-independent table, and answer the two questions the
 * tracer asks of user code: "where do I attach for symbol S" (symbol ->
 * file offset, through the PT_LOAD headers) and "which function is this
 * address in" (address -> symbol, binary search over the sorted table).
 * A per-path cache lets symbolization of many stacks open each file once.
 */
#include "symbols/elfsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "util/strbuf.h"

#define BUILD_ID_MAX 64
/* How far back address lookup looks for a symbol enclosing the nearest
   one (nested or overlapping symbols are rare and close together). */
#define LOOKUP_BACKTRACK 64

struct segment {
	uint64_t vaddr, off, filesz;
};

struct raw_sym {
	uint32_t name;		/* offset in the arena */
	uint64_t addr, size;
	uint8_t bind, type;
	bool hidden;
};

struct elfsyms {
	char *path;
	unsigned type;
	char *arena;
	struct elfsym *syms;	/* by address */
	uint32_t *by_name;	/* indices into syms, by name then rank */
	size_t n;
	struct segment *segs;
	size_t nsegs;
	uint8_t build_id[BUILD_ID_MAX];
	size_t build_id_len;
};

struct loader {
	struct strbuf arena;
	struct raw_sym *v;
	size_t n, cap;
};

static unsigned bind_rank(uint8_t bind)
{
	switch (bind) {
	case STB_GLOBAL:
		return 0;
	case STB_WEAK:
		return 1;
	default:
		return 2;
	}
}

static unsigned sym_rank(const struct elfsym *s)
{
	return (s->hidden_version ? 4 : 0) + bind_rank(s->bind);
}

static int open_elf(const char *path, int *fdp, Elf **ep)
{
	int fd;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (e)
			elf_end(e);
		close(fd);
		return -ENOEXEC;
	}
	*fdp = fd;
	*ep = e;
	return 0;
}

static void close_elf(int fd, Elf *e)
{
	elf_end(e);
	close(fd);
}

static Elf_Data *versym_data(Elf *e, size_t dynsym_index)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_GNU_versym)
			continue;
		/* .gnu.version is parallel to the symbol table it links to */
		if (sh.sh_link == dynsym_index)
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

static void add_symbols(struct loader *ld, Elf *e, Elf_Scn *scn,
			const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	Elf_Data *ver = NULL;
	size_t count;

	if (!data || !sh->sh_entsize)
		return;
	if (sh->sh_type == SHT_DYNSYM)
		ver = versym_data(e, elf_ndxscn(scn));
	count = sh->sh_size / sh->sh_entsize;
	for (size_t i = 1; i < count; i++) {
		GElf_Sym sym;
		GElf_Versym vs;
		const char *name;
		struct raw_sym *r;
		unsigned type;

		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (ld->n == ld->cap) {
			ld->cap = ld->cap ? 2 * ld->cap : 1024;
			ld->v = xrealloc(ld->v, ld->cap * sizeof(*ld->v));
		}
		r = &ld->v[ld->n++];
		r->name = (uint32_t)ld->arena.len;
		strbuf_add(&ld->arena, name, strlen(name) + 1);
		r->addr = sym.st_value;
		r->size = sym.st_size;
		r->bind = GELF_ST_BIND(sym.st_info);
		r->type = type;
		r->hidden = ver && gelf_getversym(ver, (int)i, &vs) &&
			    (vs & 0x8000);
	}
}

/* Returns whether the file had a .symtab (a stripped one has not). */
static bool add_file_symbols(struct loader *ld, Elf *e, bool symtab_only)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool symtab = false;

	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			symtab = true;
			add_symbols(ld, e, scn, &sh);
		} else if (sh.sh_type == SHT_DYNSYM && !symtab_only) {
			add_symbols(ld, e, scn, &sh);
		}
	}
	return symtab;
}

static void read_build_id(struct elfsyms *s, Elf *e)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off))) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4) ||
			    !nh.n_descsz || nh.n_descsz > BUILD_ID_MAX)
				continue;
			memcpy(s->build_id, (char *)data->d_buf + desc_off,
			       nh.n_descsz);
			s->build_id_len = nh.n_descsz;
			return;
		}
	}
}

static void read_segments(struct elfsyms *s, Elf *e)
{
	size_t n;

	if (elf_getphdrnum(e, &n))
		return;
	s->segs = xcalloc(n ? n : 1, sizeof(*s->segs));
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		s->segs[s->nsegs++] = (struct segment){
			.vaddr = ph.p_vaddr, .off = ph.p_offset,
			.filesz = ph.p_filesz,
		};
	}
}

/* Symbols of a separate debug file found by build-id, if installed. */
static void add_debug_file(struct loader *ld, const struct elfsyms *s)
{
	char hex[2 * BUILD_ID_MAX + 1], *path;
	int fd;
	Elf *e;

	if (s->build_id_len < 2)
		return;
	elfsyms_build_id_hex(s, hex, sizeof(hex));
	path = xasprintf("/usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
	if (!open_elf(path, &fd, &e)) {
		add_file_symbols(ld, e, true);
		close_elf(fd, e);
	}
	free(path);
}

static int cmp_raw_addr(const void *a, const void *b, void *arena)
{
	const struct raw_sym *x = a, *y = b;
	const char *names = arena;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(names + x->name, names + y->name);
}

static int cmp_by_name(const void *a, const void *b, void *syms)
{
	const struct elfsym *syms_v = syms;
	const struct elfsym *x = &syms_v[*(const uint32_t *)a];
	const struct elfsym *y = &syms_v[*(const uint32_t *)b];
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (sym_rank(x) != sym_rank(y))
		return sym_rank(x) < sym_rank(y) ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

/* Sort, merge duplicates from .symtab and .dynsym, and index by name. */
static void finish(struct elfsyms *s, struct loader *ld)
{
	size_t n = 0;

	s->arena = strbuf_detach(&ld->arena);
	qsort_r(ld->v, ld->n, sizeof(*ld->v), cmp_raw_addr, s->arena);
	s->syms = xcalloc(ld->n ? ld->n : 1, sizeof(*s->syms));
	for (size_t i = 0; i < ld->n; i++) {
		const struct raw_sym *r = &ld->v[i];
		struct elfsym *prev = n ? &s->syms[n - 1] : NULL;

		if (prev && prev->addr == r->addr &&
		    !strcmp(prev->name, s->arena + r->name)) {
			/* the same symbol seen twice: keep the strongest view */
			if (bind_rank(r->bind) < bind_rank(prev->bind))
				prev->bind = r->bind;
			prev->hidden_version &= r->hidden;
			if (!prev->size)
				prev->size = r->size;
			continue;
		}
		s->syms[n++] = (struct elfsym){
			.name = s->arena + r->name, .addr = r->addr,
			.size = r->size, .bind = r->bind, .type = r->type,
			.hidden_version = r->hidden,
		};
	}
	s->n = n;
	s->by_name = xcalloc(n ? n : 1, sizeof(*s->by_name));
	for (size_t i = 0; i < n; i++)
		s->by_name[i] = (uint32_t)i;
	qsort_r(s->by_name, n, sizeof(*s->by_name), cmp_by_name, s->syms);
}

int elfsyms_load(const char *path, struct elfsyms **out)
{
	struct loader ld = { .arena = STRBUF_INIT };
	struct elfsyms *s;
	GElf_Ehdr eh;
	bool symtab;
	int fd, err;
	Elf *e;

	*out = NULL;
	err = open_elf(path, &fd, &e);
	if (err)
		return err;
	if (!gelf_getehdr(e, &eh)) {
		close_elf(fd, e);
		return -ENOEXEC;
	}
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->type = eh.e_type;
	strbuf_init(&ld.arena);
	read_segments(s, e);
	read_build_id(s, e);
	symtab = add_file_symbols(&ld, e, false);
	close_elf(fd, e);
	if (!symtab)
		add_debug_file(&ld, s);
	finish(s, &ld);
	free(ld.v);
	*out = s;
	return 0;
}

void elfsyms_free(struct elfsyms *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->arena);
	free(s->syms);
	free(s->by_name);
	free(s->segs);
	free(s);
}

const char *elfsyms_path(const struct elfsyms *s)
{
	return s->path;
}

unsigned elfsyms_elf_type(const struct elfsyms *s)
{
	return s->type;
}

size_t elfsyms_count(const struct elfsyms *s)
{
	return s->n;
}

const struct elfsym *elfsyms_at(const struct elfsyms *s, size_t i)
{
	return i < s->n ? &s->syms[i] : NULL;
}

/* First position in by_name whose name is >= key (compared on at most
   len bytes when len is nonzero: a prefix search). */
static size_t name_lower_bound(const struct elfsyms *s, const char *key,
			       size_t len)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *name = s->syms[s->by_name[mid]].name;
		int c = len ? strncmp(name, key, len) : strcmp(name, key);

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct elfsym *elfsyms_find(const struct elfsyms *s, const char *name)
{
	size_t i = name_lower_bound(s, name, 0);

	if (i < s->n && !strcmp(s->syms[s->by_name[i]].name, name))
		return &s->syms[s->by_name[i]];
	return NULL;
}

static bool contains(const struct elfsym *sym, uint64_t vaddr)
{
	if (!sym->size)
		return vaddr == sym->addr;
	return vaddr >= sym->addr && vaddr - sym->addr < sym->size;
}

const struct elfsym *elfsyms_lookup(const struct elfsyms *s, uint64_t vaddr,
				    uint64_t *offset)
{
	const struct elfsym *best = NULL;
	size_t lo = 0, hi = s->n;

	/* lo = number of symbols starting at or below vaddr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = 0; k < LOOKUP_BACKTRACK && k < lo; k++) {
		const struct elfsym *sym = &s->syms[lo - 1 - k];

		if (best && sym->addr != best->addr)
			break;
		if (contains(sym, vaddr) && (!best || sym_rank(sym) < sym_rank(best)))
			best = sym;
	}
	if (best && offset)
		*offset = vaddr - best->addr;
	return best;
}

static int segs_vaddr_to_offset(const struct segment *segs, size_t n,
				uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < n; i++) {
		if (vaddr >= segs[i].vaddr && vaddr - segs[i].vaddr < segs[i].filesz) {
			*off = vaddr - segs[i].vaddr + segs[i].off;
			return 0;
		}
	}
	return -ERANGE;
}

int elfsyms_vaddr_to_offset(const struct elfsyms *s, uint64_t vaddr,
			    uint64_t *off)
{
	return segs_vaddr_to_offset(s->segs, s->nsegs, vaddr, off);
}

int elfsyms_offset_to_vaddr(const struct elfsyms *s, uint64_t off,
			    uint64_t *vaddr)
{
	for (size_t i = 0; i < s->nsegs; i++) {
		const struct segment *g = &s->segs[i];

		if (off >= g->off && off - g->off < g->filesz) {
			*vaddr = off - g->off + g->vaddr;
			return 0;
		}
	}
	return -ERANGE;
}

int elfsyms_elf_vaddr_to_offset(Elf *e, uint64_t vaddr, uint64_t *off)
{
	size_t n;

	if (elf_getphdrnum(e, &n))
		return -ENOEXEC;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		struct segment g;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		g = (struct segment){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
		if (!segs_vaddr_to_offset(&g, 1, vaddr, off))
			return 0;
	}
	return -ERANGE;
}

int elfsyms_foreach_match(const struct elfsyms *s, const char *glob,
			  elfsyms_cb cb, void *ctx)
{
	/* names sharing the glob's literal prefix are contiguous by name */
	size_t plen = strcspn(glob, "*?[\\");
	const char *prev = NULL;

	for (size_t i = plen ? name_lower_bound(s, glob, plen) : 0; i < s->n; i++) {
		const struct elfsym *sym = &s->syms[s->by_name[i]];
		int ret;

		if (plen && strncmp(sym->name, glob, plen))
			break;
		if (prev && !strcmp(prev, sym->name))
			continue;
		prev = sym->name;
		if (fnmatch(glob, sym->name, 0))
			continue;
		ret = cb(sym, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

const uint8_t *elfsyms_build_id(const struct elfsyms *s, size_t *len)
{
	*len = s->build_id_len;
	return s->build_id_len ? s->build_id : NULL;
}

void elfsyms_build_id_hex(const struct elfsyms *s, char *buf, size_t size)
{
	size_t j = 0;

	if (!size)
		return;
	for (size_t i = 0; i < s->build_id_len && j + 2 < size; i++, j += 2)
		snprintf(buf + j, 3, "%02x", s->build_id[i]);
	buf[j] = '\0';
}

int elfsyms_resolve(const char *path, const char *symbol, uint64_t *file_offset)
{
	const struct elfsym *sym;
	struct elfsyms *s;
	int err;

	err = elfsyms_load(path, &s);
	if (err)
		return err;
	sym = elfsyms_find(s, symbol);
	err = sym ? elfsyms_vaddr_to_offset(s, sym->addr, file_offset) : -ENOENT;
	elfsyms_free(s);
	return err;
}

struct cache_entry {
	uint64_t hash;
	char *path;
	struct elfsyms *syms;
	int err;
};

struct elfsyms_cache {
	struct cache_entry *v;
	size_t n, cap;
};

struct elfsyms_cache *elfsyms_cache_new(void)
{
	return xcalloc(1, sizeof(struct elfsyms_cache));
}

void elfsyms_cache_free(struct elfsyms_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		elfsyms_free(c->v[i].syms);
	}
	free(c->v);
	free(c);
}

int elfsyms_cache_get(struct elfsyms_cache *c, const char *path,
		      const struct elfsyms **out)
{
	uint64_t h = XXH3_64bits(path, strlen(path));
	struct cache_entry *ent;

	for (size_t i = 0; i < c->n; i++) {
		ent = &c->v[i];
		if (ent->hash == h && !strcmp(ent->path, path)) {
			*out = ent->syms;
			return ent->err;
		}
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	ent = &c->v[c->n++];
	ent->hash = h;
	ent->path = xstrdup(path);
	ent->err = elfsyms_load(path, &ent->syms);
	*out = ent->syms;
	return ent->err;
}
