/*
 * libpath: turn a uprobe/USDT target as a user writes it into the file
 * to read and attach to.
 *
 *   "/usr/bin/bash", "./a.out"   taken as given (realpath; must exist)
 *   "libc", "c", "libc.so.6"      a library, found like the dynamic
 *                                 linker would: /etc/ld.so.cache, then
 *                                 the default directories
 *   "bash"                        a program on $PATH
 *
 * Library lookup reads glibc's ld.so.cache format ("glibc-ld.so.cache1.1",
 * also when it follows the old "ld.so-1.7.0" table), keeps entries for
 * this process's ABI (so /lib32 copies are skipped), and prefers the
 * baseline entry over glibc-hwcaps subdirectory variants. "NAME" and
 * "libNAME" stand for the stem "libNAME.so"; a name containing ".so" is
 * its own stem. The soname equal to the stem wins, else the first in
 * cache order that continues the stem with '.' (the highest version, as
 * the cache is sorted). The default directories are searched the same
 * way, skipping non-ELF files (development "libfoo.so" linker scripts).
 * The target process's LD_LIBRARY_PATH and RPATH are not known here and
 * not consulted.
 *
 * Every result is a realpath(3), so it compares equal to the paths in
 * /proc/PID/maps. Functions return 0 or -errno (-ENOENT: not found) and
 * never print; *path is malloc'd.
 */
#ifndef RECIPE_SYMBOLS_LIBPATH_H
#define RECIPE_SYMBOLS_LIBPATH_H

#include <stdbool.h>
#include <stdint.h>

int libpath_resolve(const char *target, char **path);
int libpath_find_library(const char *name, char **path);
int libpath_find_binary(const char *name, char **path);

/* One ld.so.cache entry, in the file's order. Strings are borrowed for
   the duration of the callback. */
struct libpath_entry {
	const char *soname;
	const char *path;
	int32_t flags;		/* glibc FLAG_*: ABI and library kind */
	uint64_t hwcap;		/* nonzero for glibc-hwcaps variants */
	bool native;		/* flags match this process's ABI */
};

typedef int (*libpath_cb)(const struct libpath_entry *e, void *ctx);
/*
 * Walk the entries of a cache file (NULL: /etc/ld.so.cache). -ENOEXEC
 * when the file is not in a known format. A nonzero return from cb stops
 * the walk and is returned.
 */
int libpath_cache_foreach(const char *cache_path, libpath_cb cb, void *ctx);

#endif
