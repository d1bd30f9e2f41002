/*
 * tracefs: the kernel's tracing filesystem, the source of truth for
 * tracepoints: which exist (events/<sys>/<name>/), their ids, and the
 * exact layout of their records (the `format` file).
 *
 * tracefs is not always mounted (it is not at boot on the reference VM):
 * tracefs_root() looks at /sys/kernel/tracing, then
 * /sys/kernel/debug/tracing, then /proc/mounts, and mounts tracefs at
 * /sys/kernel/tracing when none is found (needs root).
 *
 * RECIPE_TRACEFS, when set and not empty, is the root instead, used as
 * it is and never mounted: the hermetic tests point it at the format
 * and id files checked in under tests/fixtures/tracefs/.
 */
#ifndef RECIPE_PROBES_TRACEFS_H
#define RECIPE_PROBES_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "probes/field.h"

/*
 * The tracefs mount point. Returns 0 and sets *root (a static string,
 * valid for the life of the process), or -errno with one diagnostic
 * saying what failed and what to do ("mount -t tracefs nodev
 * /sys/kernel/tracing", "run as root").
 */
int tracefs_root(const char **root, struct diag_list *d);

/* The same, but never mounts and never diagnoses: NULL when not found. */
const char *tracefs_root_peek(void);

/*
 * Expand a "sys:name" pattern (fnmatch(3) globs allowed in both parts)
 * to the sorted list of existing tracepoints that BPF can attach to
 * (with an id, and not ftrace's own events, ftrace:*), each "sys:name" (owned by
 * the caller: free each, then the array). Returns 0 (possibly with *n ==
 * 0) or -errno.
 */
int tracefs_glob(const char *pattern, char ***names, size_t *n);

/*
 * Whether events/<sys>/<name>/ exists at all: with no match from
 * tracefs_glob, an event BPF cannot attach to (ftrace:bprint).
 */
bool tracefs_event_listed(const char *sys, const char *name);

/* One tracepoint's record layout, parsed from events/<sys>/<name>/format. */
struct tp_format {
	char *sys, *name;
	unsigned id;			/* events/<sys>/<name>/id */
	struct field_info *fields;	/* excluding the common_* header fields */
	size_t nfields;
	unsigned record_size;		/* bytes, including the common header */
	char *storage;			/* owns the strings the fields point to */
};

/*
 * Parse the format of tracepoint sys:name. Pointer fields of the
 * syscalls subsystem are marked user_ptr (they are syscall arguments).
 * Returns 0 and *out, or -errno (-ENOENT when no such tracepoint).
 */
int tracefs_format(const char *sys, const char *name, struct tp_format **out);
void tp_format_free(struct tp_format *f);

/* Look up a field by name; NULL when absent. */
const struct field_info *tp_format_field(const struct tp_format *f,
					 const char *name);

#endif
