/*
 * symbolize: kernel and user addresses to names, for kstack, ustack and
 * ksym() keys. Kernel symbols come from /proc/kallsyms, loaded on first
 * use. A process's user addresses need its memory map, which is gone
 * once it exits: symbolizer_note_pid() takes a snapshot while it lives
 * (the BPF side announces each process's first user stack), so its
 * stacks are still named in a report printed after it ended.
 */
#ifndef RECIPE_RUN_SYMBOLIZE_H
#define RECIPE_RUN_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/strbuf.h"

struct symbolizer;

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *s);

/*
 * Snapshot pid's memory map now, replacing an older snapshot of it (a
 * vanished pid keeps what was read before).
 */
void symbolizer_note_pid(struct symbolizer *s, pid_t pid);

/*
 * Append a stack the way bpftrace prints one as a key: a newline, then
 * one "    frame\n" per frame, innermost first, at most `depth` frames
 * (0: all). Frames are "func+OFFSET" (decimal, +0 included, as
 * bpftrace prints them), or the bare address where no symbol covers
 * it. A stack that was not taken prints as nothing at all.
 */
void symbolizer_kstack(struct symbolizer *s, const uint64_t *ips, unsigned n,
		       unsigned depth, struct strbuf *out);
void symbolizer_ustack(struct symbolizer *s, pid_t pid, const uint64_t *ips,
		       unsigned n, unsigned depth, struct strbuf *out);
/* One user address of pid as usym(): "main" (no offset, as bpftrace), or "0x..." */
void symbolizer_usym(struct symbolizer *s, pid_t pid, uint64_t addr, char *buf,
		     size_t len);
/* One kernel address as ksym(): "vfs_read" (no offset, as bpftrace), or "0xffff..." when unknown. */
void symbolizer_ksym(struct symbolizer *s, uint64_t addr, char *buf, size_t len);

#endif
