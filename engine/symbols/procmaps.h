/*
 * procmaps: a snapshot of a process's memory map (/proc/PID/maps), for
 * symbolizing its user addresses (usym(), ustack) after it has exited:
 * traced processes are often gone by the time the report is printed.
 *
 * The snapshot keeps each range's addresses, file offset, inode and path
 * (paths in one arena). Symbol tables are loaded lazily, by path, through
 * an elfsyms cache shared between snapshots, the first time an address
 * in that file is symbolized; files deleted from the disk (the maps line
 * says "(deleted)") are loaded at snapshot time through
 * /proc/PID/map_files instead, as their path no longer leads to them.
 * Paths are those of the caller's mount namespace: a process in another
 * one (a container) may not be symbolizable.
 *
 * An address maps to a symbol by
 *   file offset = addr - start + pgoff,  vaddr = through PT_LOAD
 * (see elfsyms.h), the same for executables, PIE and libraries.
 *
 * Functions return 0 or -errno and never print.
 */
#ifndef RECIPE_SYMBOLS_PROCMAPS_H
#define RECIPE_SYMBOLS_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "symbols/elfsyms.h"

struct procmaps_range {
	uint64_t start, end;	/* [start, end) */
	uint64_t pgoff;		/* file offset of start */
	uint64_t inode;		/* 0 for anonymous and pseudo ranges */
	const char *path;	/* file path, "[vdso]"-style pseudo name, or "" */
	bool exec;
	bool deleted;		/* the file was unlinked while mapped */
};

struct procmaps;

/*
 * Read /proc/PID/maps now. cache may be NULL (the snapshot then keeps
 * its own); a shared one must outlive the snapshot. -ESRCH when the
 * process is gone.
 */
int procmaps_snapshot(pid_t pid, struct elfsyms_cache *cache,
		      struct procmaps **out);
/* The same from maps text (for tests and saved maps); pid is only used
   for deleted files' map_files paths (0: none). */
int procmaps_parse(const char *text, size_t len, pid_t pid,
		   struct elfsyms_cache *cache, struct procmaps **out);
void procmaps_free(struct procmaps *m);

size_t procmaps_count(const struct procmaps *m);
const struct procmaps_range *procmaps_at(const struct procmaps *m, size_t i);
/* The range holding addr, or NULL. */
const struct procmaps_range *procmaps_find(const struct procmaps *m,
					   uint64_t addr);

struct procmaps_sym {
	const char *name;	/* NULL when no function covers addr */
	uint64_t offset;	/* addr - function start */
	const char *path;	/* the range's path; NULL outside any range */
};

/*
 * Resolve addr. 0 when a function was found; -ENOENT when addr is in no
 * range or no symbol covers it (out->path still says which file, when
 * known), or the file's symbols cannot be read.
 */
int procmaps_resolve(struct procmaps *m, uint64_t addr,
		     struct procmaps_sym *out);

/* Output flags for procmaps_symbolize(). */
#define PROCMAPS_OFFSET 0x1	/* "func+18" (decimal, as bpftrace's ustack) */
#define PROCMAPS_MODULE 0x2	/* append " (/path/to/file)" */

/*
 * Format addr into buf like bpftrace: "func", "func+18" with
 * PROCMAPS_OFFSET (no "+0"), and "0x7f12..." (hex address) when it
 * cannot be resolved. Returns the length snprintf(3) would have written.
 */
int procmaps_symbolize(struct procmaps *m, uint64_t addr, unsigned flags,
		       char *buf, size_t len);

#endif
