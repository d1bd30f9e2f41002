/*
 * elfsyms: the function symbols of one ELF file (executable or shared
 * library), for attaching uprobes and for symbolizing user addresses.
 *
 * A table is loaded once with libelf and then needs no open file: names
 * live in one arena, symbols are kept sorted by address (for address ->
 * symbol) with a name index (for symbol -> address). Function symbols
 * (STT_FUNC, STT_GNU_IFUNC, defined, nonzero value) come from .symtab
 * and .dynsym, deduplicated by (name, address). When the file is
 * stripped and /usr/lib/debug/.build-id/xx/yyyy.debug exists for its
 * build-id, that file's .symtab is read too (same addresses).
 *
 * Addresses: a symbol's `addr` is its st_value, a virtual address in the
 * file's own layout (link-time for ET_EXEC, relative to load base 0 for
 * PIE and shared libraries). The kernel's uprobe wants a file offset,
 * found through the PT_LOAD header holding the address:
 *   offset = vaddr - p_vaddr + p_offset
 * which is right for ET_EXEC, PIE and shared libraries alike. Going the
 * other way (a runtime address in a mapping of file offset pgoff starting
 * at `start`): offset = addr - start + pgoff, then offset -> vaddr.
 *
 * An IFUNC symbol's address is its resolver: probing it fires when the
 * dynamic linker binds the symbol, not on every call (bpftrace and BCC
 * behave the same).
 *
 * All functions return 0 or -errno and never print.
 */
#ifndef RECIPE_SYMBOLS_ELFSYMS_H
#define RECIPE_SYMBOLS_ELFSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libelf.h>

struct elfsym {
	const char *name;	/* in the table's arena */
	uint64_t addr;		/* st_value */
	uint64_t size;		/* st_size; 0 when the symbol has none */
	uint8_t bind;		/* STB_GLOBAL, STB_WEAK, STB_LOCAL */
	uint8_t type;		/* STT_FUNC or STT_GNU_IFUNC */
	bool hidden_version;	/* .dynsym name@VER (not @@VER): not what a
				   plain reference binds to */
};

struct elfsyms;

/*
 * Load the function symbols of path. -ENOENT/-EACCES from open(2),
 * -ENOEXEC when it is not an ELF file. A file without any function
 * symbol loads fine (count 0).
 */
int elfsyms_load(const char *path, struct elfsyms **out);
void elfsyms_free(struct elfsyms *s);

const char *elfsyms_path(const struct elfsyms *s);
/* ET_EXEC (fixed addresses) or ET_DYN (PIE executable or library). */
unsigned elfsyms_elf_type(const struct elfsyms *s);
size_t elfsyms_count(const struct elfsyms *s);
/* The i-th symbol in address order (i < elfsyms_count()). */
const struct elfsym *elfsyms_at(const struct elfsyms *s, size_t i);

/*
 * The symbol called name, or NULL. When several share the name, the one
 * a reference would bind to wins: default version over name@VER, then
 * global over weak over local, then the lowest address.
 */
const struct elfsym *elfsyms_find(const struct elfsyms *s, const char *name);

/*
 * The function containing vaddr (st_value <= vaddr < st_value + st_size;
 * a size-0 symbol only contains its own address), with the distance
 * from its start in *offset (may be NULL). NULL when none does.
 */
const struct elfsym *elfsyms_lookup(const struct elfsyms *s, uint64_t vaddr,
				    uint64_t *offset);

/* vaddr <-> file offset through the PT_LOAD headers; -ERANGE when no
   loaded, file-backed segment holds it. */
int elfsyms_vaddr_to_offset(const struct elfsyms *s, uint64_t vaddr,
			    uint64_t *off);
int elfsyms_offset_to_vaddr(const struct elfsyms *s, uint64_t off,
			    uint64_t *vaddr);

/*
 * Call cb for every distinct symbol name matching the fnmatch(3) glob,
 * in name order, with the symbol elfsyms_find() would pick. A nonzero
 * return from cb stops the walk and is returned.
 */
typedef int (*elfsyms_cb)(const struct elfsym *sym, void *ctx);
int elfsyms_foreach_match(const struct elfsyms *s, const char *glob,
			  elfsyms_cb cb, void *ctx);

/* The GNU build-id (.note.gnu.build-id), NULL with *len 0 when absent. */
const uint8_t *elfsyms_build_id(const struct elfsyms *s, size_t *len);
/* The build-id in lowercase hex ("" when absent); buf needs 2*len+1. */
void elfsyms_build_id_hex(const struct elfsyms *s, char *buf, size_t size);

/*
 * One-shot: the file offset of symbol in path, what a uprobe attaches
 * to. -ENOENT when the file has no such function.
 */
int elfsyms_resolve(const char *path, const char *symbol, uint64_t *file_offset);

/*
 * The same vaddr -> file offset rule on an Elf handle already open, for
 * other readers of the same file (usdt_notes).
 */
int elfsyms_elf_vaddr_to_offset(Elf *e, uint64_t vaddr, uint64_t *off);

/*
 * Loaded tables shared by path, so symbolizing many addresses of many
 * processes opens each file once. Failures are remembered too (a
 * missing file is not retried). Tables stay valid until the cache is
 * freed.
 */
struct elfsyms_cache;

struct elfsyms_cache *elfsyms_cache_new(void);
void elfsyms_cache_free(struct elfsyms_cache *c);
int elfsyms_cache_get(struct elfsyms_cache *c, const char *path,
		      const struct elfsyms **out);

#endif
