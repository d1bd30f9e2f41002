/*
 * btf_types: C declarations of kernel types, taken from the running
 * kernel's BTF with libbpf's BTF dump API: only the types a program
 * needs, not all of vmlinux.h (see docs/decisions/compile.md for what
 * that saves). Runs only when the object is not cached.
 */
#ifndef RECIPE_BPFGEN_BTF_TYPES_H
#define RECIPE_BPFGEN_BTF_TYPES_H

#include "diag.h"
#include "util/strbuf.h"

/*
 * Append declarations for the named types (typedefs, structs, unions,
 * enums; each with what it depends on) and for the enums that define
 * the named constants (e.g. "BPF_NOEXIST", an anonymous enum in BTF).
 * Both lists are NULL-terminated. Returns 0 or -errno with a diagnostic.
 */
int btf_types_emit(const char *const *types, const char *const *enum_consts,
		   struct strbuf *out, struct diag_list *d);

#endif
