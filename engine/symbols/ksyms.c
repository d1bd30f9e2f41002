/*
 * ksyms: parse /proc/kallsyms (about 200k lines) into a compact table.
 *
 * The file is read whole and parsed in place: each line's type letter,
 * name and module are moved down to the front of the same buffer, which
 * then becomes the string arena, so loading costs one read buffer, one
 * entry array sorted by address (for symbolizing) and one open-addressing
 * hash of names (for checking probe targets).
 */
#include "symbols/ksyms.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "util/file.h"
#include "util/strbuf.h"
#include "util/text.h"

struct ksym {
	uint64_t addr;
	uint32_t name;		/* arena offset of the type letter; name follows */
	uint16_t mod;		/* index in mods; 0 = kernel image */
	uint8_t pad[2];
};

struct ksyms {
	char *arena;
	size_t arena_len;
	struct ksym *v;		/* by address */
	size_t n;
	uint32_t *hash;		/* entry index + 1; 0 = empty */
	size_t hash_mask;
	uint32_t *mods;		/* arena offsets of module names; [0] unused */
	size_t nmods;
	bool hidden;
};

static const char *sym_name(const struct ksyms *ks, const struct ksym *s)
{
	return ks->arena + s->name + 1;
}

static char sym_type(const struct ksyms *ks, const struct ksym *s)
{
	return ks->arena[s->name];
}

static bool is_text(char type)
{
	return type == 't' || type == 'T';
}

static uint16_t module_index(struct ksyms *ks, size_t *cap, const char *name,
			     size_t len, size_t *w)
{
	/* a module's symbols are contiguous: check the last one first */
	for (size_t i = ks->nmods; i-- > 1;) {
		const char *m = ks->arena + ks->mods[i];

		if (!strncmp(m, name, len) && !m[len])
			return (uint16_t)i;
	}
	if (ks->nmods == UINT16_MAX)
		return 0;
	if (ks->nmods == *cap) {
		*cap *= 2;
		ks->mods = xrealloc(ks->mods, *cap * sizeof(*ks->mods));
	}
	memmove(ks->arena + *w, name, len);
	ks->arena[*w + len] = '\0';
	ks->mods[ks->nmods] = (uint32_t)*w;
	*w += len + 1;
	return (uint16_t)ks->nmods++;
}

/* Parse buf[0..len) in place; returns the arena length. */
static size_t parse(struct ksyms *ks, char *buf, size_t len)
{
	size_t cap = 1024, mcap = 16, w = 0, r = 0;
	bool any_addr = false;

	ks->arena = buf;
	ks->v = xmalloc(cap * sizeof(*ks->v));
	ks->mods = xmalloc(mcap * sizeof(*ks->mods));
	ks->nmods = 1;
	ks->mods[0] = 0;
	while (r < len) {
		char *line = buf + r, *nl = memchr(line, '\n', len - r);
		size_t end = nl ? (size_t)(nl - buf) : len;
		uint64_t addr = 0;
		size_t p = r, name, name_len, mod_len = 0;
		const char *mod = NULL;
		char type;
		unsigned h;

		r = end + 1;
		while (p < end && (h = text_digit_value(buf[p])) < 16) {
			addr = addr << 4 | (uint64_t)h;
			p++;
		}
		if (p + 3 >= end || buf[p] != ' ' || buf[p + 2] != ' ')
			continue;
		type = buf[p + 1];
		name = p + 3;
		name_len = strcspn(buf + name, "\t\n");
		if (name + name_len > end)
			name_len = end - name;
		if (name + name_len < end && buf[name + name_len] == '\t') {
			mod = buf + name + name_len + 1;
			mod_len = end - (size_t)(mod - buf);
			if (mod_len >= 2 && mod[0] == '[' && mod[mod_len - 1] == ']') {
				mod++;
				mod_len -= 2;
			}
		}
		if (!name_len || name_len > UINT32_MAX || w > UINT32_MAX - name_len - 2)
			continue;
		if (ks->n == cap) {
			cap *= 2;
			ks->v = xrealloc(ks->v, cap * sizeof(*ks->v));
		}
		/* w never passes the current line's start: moving down is safe */
		ks->v[ks->n] = (struct ksym){ .addr = addr, .name = (uint32_t)w };
		buf[w] = type;
		memmove(buf + w + 1, buf + name, name_len);
		buf[w + 1 + name_len] = '\0';
		w += name_len + 2;
		if (mod && mod_len)
			ks->v[ks->n].mod = module_index(ks, &mcap, mod, mod_len, &w);
		any_addr |= addr != 0;
		ks->n++;
	}
	ks->hidden = ks->n && !any_addr;
	return w;
}

static int cmp_addr(const void *a, const void *b, void *ctx)
{
	const struct ksyms *ks = ctx;
	const struct ksym *x = a, *y = b;
	bool tx, ty;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	tx = is_text(sym_type(ks, x));
	ty = is_text(sym_type(ks, y));
	if (tx != ty)
		return tx ? -1 : 1;
	/* arena offsets follow line order: keep the file's order */
	return x->name < y->name ? -1 : x->name > y->name;
}

static uint64_t hash_name(const char *name)
{
	return XXH3_64bits(name, strlen(name));
}

static size_t hash_slot(const struct ksyms *ks, const char *name)
{
	size_t i = hash_name(name) & ks->hash_mask;

	while (ks->hash[i] &&
	       strcmp(sym_name(ks, &ks->v[ks->hash[i] - 1]), name))
		i = (i + 1) & ks->hash_mask;
	return i;
}

static void build_hash(struct ksyms *ks)
{
	size_t size = 16;

	while (size < 2 * ks->n)
		size *= 2;
	ks->hash = xcalloc(size, sizeof(*ks->hash));
	ks->hash_mask = size - 1;
	/* in address order, so a shared name keeps its lowest address */
	for (size_t i = 0; i < ks->n; i++) {
		size_t slot = hash_slot(ks, sym_name(ks, &ks->v[i]));

		if (!ks->hash[slot])
			ks->hash[slot] = (uint32_t)(i + 1);
	}
}

int ksyms_load_file(const char *path, struct ksyms **out)
{
	struct ksyms *ks;
	void *data;
	size_t len, alen;
	int err;

	*out = NULL;
	err = file_read(path, &data, &len);
	if (err)
		return err;
	if (len > UINT32_MAX) {
		free(data);
		return -EFBIG;
	}
	ks = xcalloc(1, sizeof(*ks));
	alen = parse(ks, data, len);
	ks->arena = xrealloc(data, alen ? alen : 1);
	ks->arena_len = alen;
	ks->v = xrealloc(ks->v, (ks->n ? ks->n : 1) * sizeof(*ks->v));
	qsort_r(ks->v, ks->n, sizeof(*ks->v), cmp_addr, ks);
	build_hash(ks);
	*out = ks;
	return 0;
}

int ksyms_load(struct ksyms **out)
{
	return ksyms_load_file("/proc/kallsyms", out);
}

void ksyms_free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->arena);
	free(ks->v);
	free(ks->hash);
	free(ks->mods);
	free(ks);
}

size_t ksyms_count(const struct ksyms *ks)
{
	return ks->n;
}

size_t ksyms_memory(const struct ksyms *ks)
{
	return sizeof(*ks) + ks->arena_len + ks->n * sizeof(*ks->v) +
	       (ks->hash_mask + 1) * sizeof(*ks->hash) +
	       ks->nmods * sizeof(*ks->mods);
}

bool ksyms_addresses_hidden(const struct ksyms *ks)
{
	return ks->hidden;
}

static const char *module_of(const struct ksyms *ks, const struct ksym *s)
{
	return s->mod ? ks->arena + ks->mods[s->mod] : NULL;
}

const char *ksyms_lookup_module(const struct ksyms *ks, uint64_t addr,
				uint64_t *offset, const char **module)
{
	size_t lo = 0, hi = ks->n;
	const struct ksym *s;

	if (ks->hidden)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &ks->v[lo - 1];
	/* the first of several symbols at that address is the preferred one */
	while (s > ks->v && s[-1].addr == s->addr)
		s--;
	if (offset)
		*offset = addr - s->addr;
	if (module)
		*module = module_of(ks, s);
	return sym_name(ks, s);
}

const char *ksyms_lookup(const struct ksyms *ks, uint64_t addr,
			 uint64_t *offset)
{
	return ksyms_lookup_module(ks, addr, offset, NULL);
}

int ksyms_find(const struct ksyms *ks, const char *name, uint64_t *addr)
{
	size_t slot = hash_slot(ks, name);

	if (!ks->hash[slot])
		return -ENOENT;
	if (ks->hidden)
		return -EPERM;
	*addr = ks->v[ks->hash[slot] - 1].addr;
	return 0;
}

bool ksyms_exists(const struct ksyms *ks, const char *name)
{
	return ks->hash[hash_slot(ks, name)] != 0;
}

static int cmp_match(const void *a, const void *b, void *ctx)
{
	const struct ksyms *ks = ctx;
	const struct ksym *x = &ks->v[*(const uint32_t *)a];
	const struct ksym *y = &ks->v[*(const uint32_t *)b];
	int c = strcmp(sym_name(ks, x), sym_name(ks, y));

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksyms_foreach_match(const struct ksyms *ks, const char *glob,
			ksyms_cb cb, void *ctx)
{
	uint32_t *match = NULL;
	size_t n = 0, cap = 0;
	const char *prev = NULL;
	int ret = 0;

	for (size_t i = 0; i < ks->n; i++) {
		const struct ksym *s = &ks->v[i];

		if (!is_text(sym_type(ks, s)) ||
		    fnmatch(glob, sym_name(ks, s), 0))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			match = xrealloc(match, cap * sizeof(*match));
		}
		match[n++] = (uint32_t)i;
	}
	if (!n)
		return 0;
	qsort_r(match, n, sizeof(*match), cmp_match, (void *)ks);
	for (size_t i = 0; i < n && !ret; i++) {
		const struct ksym *s = &ks->v[match[i]];
		const char *name = sym_name(ks, s);

		if (prev && !strcmp(prev, name))
			continue;
		prev = name;
		ret = cb(name, s->addr, module_of(ks, s), ctx);
	}
	free(match);
	return ret;
}
