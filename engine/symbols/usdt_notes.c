/*
 * usdt_notes: decode the NT_STAPSDT notes of an ELF file into a list of
 * probes with file offsets ready for attaching. The note format is the
 * one <sys/sdt.h> emits (version 3): three addresses of the file's word
 * size, then provider, name and argument string, each NUL-terminated.
 */
#include "symbols/usdt_notes.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols/elfsyms.h"
#include "util/strbuf.h"

#define NT_STAPSDT 3

struct raw_probe {
	uint64_t pc, base, sema;
	size_t provider, name, args;	/* arena offsets */
};

static uint64_t read_word(const unsigned char *p, bool is64, bool swap)
{
	uint64_t v;
	uint32_t w;

	if (is64) {
		memcpy(&v, p, 8);
		return swap ? __builtin_bswap64(v) : v;
	}
	memcpy(&w, p, 4);
	return swap ? __builtin_bswap32(w) : w;
}

static int find_sections(Elf *e, Elf_Scn **notes, GElf_Shdr *base)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	bool have_base = false;
	GElf_Shdr sh;

	*notes = NULL;
	if (elf_getshdrstrndx(e, &shstrndx))
		return -ENOEXEC;
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (sh.sh_type == SHT_NOTE && !strcmp(name, ".note.stapsdt"))
			*notes = scn;
		else if (!strcmp(name, ".stapsdt.base")) {
			*base = sh;
			have_base = true;
		}
	}
	if (!have_base)
		memset(base, 0, sizeof(*base));
	return 0;
}

static int parse_notes(Elf *e, Elf_Scn *scn, struct strbuf *arena,
		       struct raw_probe **v, size_t *n)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	const char *ident = elf_getident(e, NULL);
	bool is64 = ident && ident[EI_CLASS] == ELFCLASS64;
	bool swap = ident && ident[EI_DATA] !=
		(__BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB);
	size_t word = is64 ? 8 : 4, cap = 0, off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (!data)
		return 0;
	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off))) {
		const unsigned char *d = (const unsigned char *)data->d_buf + desc_off;
		const char *s = (const char *)d + 3 * word, *end = (const char *)d + nh.n_descsz;
		struct raw_probe *r;
		size_t offs[3];

		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
		    memcmp((char *)data->d_buf + name_off, "stapsdt", 8))
			continue;
		if (nh.n_descsz < 3 * word + 3)
			return -EBADMSG;
		for (int k = 0; k < 3; k++) {
			const char *z = memchr(s, '\0', (size_t)(end - s));

			if (!z)
				return -EBADMSG;
			offs[k] = arena->len;
			strbuf_add(arena, s, (size_t)(z - s) + 1);
			s = z + 1;
			if (k < 2 && s >= end)
				return -EBADMSG;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*v = xrealloc(*v, cap * sizeof(**v));
		}
		r = &(*v)[(*n)++];
		r->pc = read_word(d, is64, swap);
		r->base = read_word(d + word, is64, swap);
		r->sema = read_word(d + 2 * word, is64, swap);
		r->provider = offs[0];
		r->name = offs[1];
		r->args = offs[2];
	}
	return 0;
}

static int build(Elf *e, struct usdt_notes *out)
{
	struct strbuf arena = STRBUF_INIT;
	struct raw_probe *raw = NULL;
	Elf_Scn *scn;
	GElf_Shdr base;
	size_t n = 0;
	int err;

	err = find_sections(e, &scn, &base);
	if (err || !scn)
		return err;
	strbuf_init(&arena);
	err = parse_notes(e, scn, &arena, &raw, &n);
	if (err) {
		strbuf_release(&arena);
		free(raw);
		return err;
	}
	out->arena = strbuf_detach(&arena);
	out->v = xcalloc(n ? n : 1, sizeof(*out->v));
	for (size_t i = 0; i < n; i++) {
		const struct raw_probe *r = &raw[i];
		struct usdt_probe *p = &out->v[out->n];
		uint64_t delta = base.sh_addr && r->base ? base.sh_addr - r->base : 0;

		p->provider = out->arena + r->provider;
		p->name = out->arena + r->name;
		p->args = out->arena + r->args;
		p->pc = r->pc + delta;
		p->semaphore = r->sema ? r->sema + delta : 0;
		/* a site or semaphore outside the file's loaded bytes */
		if (elfsyms_elf_vaddr_to_offset(e, p->pc, &p->pc_offset) ||
		    (p->semaphore &&
		     elfsyms_elf_vaddr_to_offset(e, p->semaphore, &p->sema_offset))) {
			err = -EBADMSG;
			break;
		}
		out->n++;
	}
	free(raw);
	return err;
}

int usdt_notes_read(const char *path, struct usdt_notes *out)
{
	int fd, err;
	Elf *e;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		err = -ENOEXEC;
	} else {
		err = build(e, out);
	}
	if (e)
		elf_end(e);
	close(fd);
	if (err)
		usdt_notes_release(out);
	return err;
}

void usdt_notes_release(struct usdt_notes *notes)
{
	if (!notes)
		return;
	free(notes->v);
	free(notes->arena);
	memset(notes, 0, sizeof(*notes));
}

bool usdt_probe_matches(const struct usdt_probe *p, const char *provider_glob,
			const char *name_glob)
{
	return !fnmatch(provider_glob, p->provider, 0) &&
	       !fnmatch(name_glob, p->name, 0);
}
