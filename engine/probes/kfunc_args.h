/*
 * kfunc_args: what the kernel-function probe types (kprobe, kretprobe,
 * fentry, fexit, rawtracepoint) share: the running kernel's BTF (loaded
 * once per process), functions' and raw tracepoints' prototypes from it,
 * the traceable kernel functions (/proc/kallsyms text symbols that
 * ftrace can trace), whether fentry works here, and the one message for
 * a kernel function that neither a type nor its fallback can attach.
 *
 * Arguments become fields at exact offsets in the program's context, so
 * the record-struct code generation serves these types unchanged: a
 * kprobe reads registers in struct pt_regs (offsets from BTF), fentry and
 * tp_btf read the u64 array the trampoline builds (slot i at 8*i).
 */
#ifndef RECIPE_PROBES_KFUNC_ARGS_H
#define RECIPE_PROBES_KFUNC_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "probes/field.h"
#include "probes/provider.h"
#include "util/strbuf.h"

struct btf;

/* One parameter (or the return value) as BTF types it. */
struct kfunc_arg {
	char *name;		/* the BTF parameter name; "" when unnamed */
	char *ctype;		/* "struct file *", "size_t" */
	enum field_kind kind;	/* FIELD_INT, FIELD_PTR or FIELD_OTHER */
	unsigned size;		/* bytes */
	bool is_signed;
	bool user_ptr;		/* a pointer BTF tags __user, or a user program's arg */
	unsigned slot;		/* first 8-byte argument slot it occupies */
	unsigned nslots;	/* a struct passed by value may take two */
};

struct kfunc_proto {
	struct kfunc_arg *args;
	size_t nargs;
	unsigned nslots;	/* slots all args take: fexit's retval follows them */
	bool has_ret;		/* false for void */
	struct kfunc_arg ret;
};

/*
 * The running kernel's BTF ($RECIPE_VMLINUX_BTF or the kernel's own),
 * parsed on first use and kept for the life of the process. 0 or -errno.
 */
int kfunc_btf(const struct btf **out);

/*
 * The prototype of kernel function `func`; -ENOENT when BTF has no such
 * function. With `rawtp`, `func` names a raw tracepoint instead and the
 * prototype is its btf_trace_<name> typedef's, minus the leading
 * `void *` every raw tracepoint takes first.
 */
int kfunc_proto_get(const char *func, bool rawtp, struct kfunc_proto **out);
/* Frees every arg and the retval (zeroed when there is none), whatever has_ret says. */
void kfunc_proto_free(struct kfunc_proto *p);

/*
 * A prototype for a function BTF does not know: `nargs` u64 args and a
 * `long` return value, what bpftrace offers for such a kprobe. With
 * `user`, str() reads them as user addresses (a user program's args).
 */
struct kfunc_proto *kfunc_proto_untyped(unsigned nargs, bool user);

/* Byte offset of member `reg` ("di", "ax") in the kernel's struct pt_regs. */
int kfunc_pt_regs_offset(const char *reg, unsigned *offset);

/*
 * Where a probed function's argument `slot` (0..KFUNC_REG_ARGS-1: di si
 * dx cx r8 r9, the x86-64 calling convention) or its return value
 * (KFUNC_RET_SLOT: ax) sits in pt_regs, for kprobes and uprobes alike.
 */
#define KFUNC_REG_ARGS 6
#define KFUNC_RET_SLOT 64	/* a slot no argument has */
bool kfunc_pt_regs_arg_offset(unsigned slot, unsigned *offset);

/*
 * Field `name` of an argument list: "argN" (N the argument's position),
 * the BTF parameter name, or "retval" (when ret is not NULL; it sits at
 * ret->slot). Every name of one argument yields the same field, named
 * "argN", so two spellings in one recipe read one member. `slot_offset`
 * maps a slot to its byte offset; slots it rejects (returns false for)
 * are not available. 0 or -ENOENT.
 */
int kfunc_field(const struct kfunc_proto *p, const char *name,
		bool (*slot_offset)(unsigned slot, unsigned *offset),
		const struct kfunc_arg *ret, struct field_info *out);

/* "argN" names, cached in a static table (N < 16). */
const char *kfunc_arg_name(unsigned i);

/*
 * The traceable kernel functions matching glob (fnmatch; an exact name
 * is a glob too): text symbols of /proc/kallsyms that ftrace lists in
 * available_filter_functions (when tracefs is there), sorted, unique,
 * owned by the caller (free each, then the array). With `need_btf`,
 * only those BTF has a prototype for (fentry, fexit). 0 or -errno.
 */
int kfunc_functions(const char *glob, bool need_btf, char ***names, size_t *n);

/*
 * The raw tracepoints BTF types (btf_trace_<name> typedefs) whose name
 * matches glob, sorted, owned by the caller. 0 or -errno.
 */
int kfunc_rawtp_names(const char *glob, char ***names, size_t *n);

/*
 * Expand a function glob into points of provider p ("p:func"), with a
 * diagnostic at `at` when nothing matches. Shared by kprobe and fentry.
 */
int kfunc_expand(const struct provider *p, const char *target, bool need_btf,
		 const struct diag_at *at, struct attach_point **pts, size_t *n,
		 struct diag_list *d);

/*
 * Whether fentry and fexit work here, found the way libbpf-tools'
 * fentry_can_attach() does: load an empty fentry program on a known
 * function and attach it. Asked once, then cached. *loads tells whether
 * at least the load succeeded; *why says what failed.
 */
bool kfunc_fentry_works(bool *loads, const char **why);

/*
 * The message for a point whose type cannot attach here: the type the
 * recipe names, why not, and why its fallback cannot either, at the
 * probe, with a hint. Returns -EOPNOTSUPP.
 */
int kfunc_cannot_attach(const struct attach_point *ap, struct diag_list *d);

/* Append "    TYPE NAME\n" for each arg (and "    TYPE retval\n"). */
void kfunc_describe(const struct kfunc_proto *p, bool with_ret, struct strbuf *out);

/* Free the cached BTF and symbol tables (for leak checkers in tests). */
void kfunc_cache_release(void);

#endif
