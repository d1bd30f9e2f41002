/*
 * ksyms: the kernel's symbol table from /proc/kallsyms, loaded once, for
 * checking kernel function names (probe targets, wildcards) and for
 * symbolizing kernel addresses in reports (ksym(), kstack).
 *
 * Memory is one arena holding every name (with its type letter and the
 * module names) plus a 16-byte entry per symbol sorted by address and a
 * hash index by name. Without CAP_SYSLOG (or with kptr_restrict) the
 * kernel shows every address as 0: the table still loads, names can be
 * checked, but ksyms_addresses_hidden() is true, ksyms_lookup() finds
 * nothing and ksyms_find() returns -EPERM.
 *
 * kallsyms has no symbol sizes: an address belongs to the closest symbol
 * at or below it (what bpftrace and BCC do too).
 *
 * All functions return 0 or -errno and never print.
 */
#ifndef RECIPE_SYMBOLS_KSYMS_H
#define RECIPE_SYMBOLS_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksyms;

/* Load /proc/kallsyms. */
int ksyms_load(struct ksyms **out);
/* Load a file in kallsyms format ("addr type name [\t[module]]" lines). */
int ksyms_load_file(const char *path, struct ksyms **out);
void ksyms_free(struct ksyms *ks);

size_t ksyms_count(const struct ksyms *ks);
/* Bytes of heap the table uses. */
size_t ksyms_memory(const struct ksyms *ks);
/* True when every address read was 0 (not root, or kptr_restrict). */
bool ksyms_addresses_hidden(const struct ksyms *ks);

/*
 * The symbol containing addr: the one with the greatest address <= addr
 * (text symbols win over others at the same address). *offset (may be
 * NULL) is addr minus the symbol's address. *module (may be NULL) gets
 * the module name, or NULL for the kernel image. NULL when addr is below
 * every symbol or addresses are hidden.
 */
const char *ksyms_lookup(const struct ksyms *ks, uint64_t addr,
			 uint64_t *offset);
const char *ksyms_lookup_module(const struct ksyms *ks, uint64_t addr,
				uint64_t *offset, const char **module);

/*
 * The address of name (the lowest, when static functions in several
 * files share it). -ENOENT when there is no such symbol, -EPERM when
 * there is but addresses are hidden.
 */
int ksyms_find(const struct ksyms *ks, const char *name, uint64_t *addr);
bool ksyms_exists(const struct ksyms *ks, const char *name);

/*
 * Call cb once per distinct name of a text symbol (type t or T) matching
 * the fnmatch(3) glob, in name order, with its lowest address (0 when
 * hidden) and module (NULL for the kernel image). A nonzero return from
 * cb stops the walk and is returned.
 */
typedef int (*ksyms_cb)(const char *name, uint64_t addr, const char *module,
			void *ctx);
int ksyms_foreach_match(const struct ksyms *ks, const char *glob,
			ksyms_cb cb, void *ctx);

#endif
