/*
 * object: checked plan -> BPF object bytes (the compile stage's entry
 * point). Renders the plan, looks the object up in the cache, and only
 * on a miss dumps kernel types from BTF and runs clang, then stores the
 * result. The cache key covers everything that affects the object: the
 * rendered body, the kernel types it asks for and the kernel BTF they
 * come from (by content), the compiler's identity and flags, and the
 * engine version; values that only change a constant are not in it
 * (plan.h: shape versus values).
 */
#ifndef RECIPE_COMPILE_OBJECT_H
#define RECIPE_COMPILE_OBJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "check/plan.h"
#include "diag.h"
#include "util/strbuf.h"

struct object {
	void *data;		/* the ELF object, malloc'd */
	size_t len;
	bool from_cache;	/* false: clang ran */
	char key[33];		/* the cache key, hex */
};

int object_build(const struct plan *p, struct object *out, struct diag_list *d);
/* The complete generated C (what clang compiles), for `recipe show --c`. */
int object_source(const struct plan *p, struct strbuf *out, struct diag_list *d);
void object_release(struct object *o);
/*
 * Running as root, a warning for each set variable that changes what
 * root executes or loads (RECIPE_CLANG, RECIPE_CACHE_DIR, RECIPE_PATH,
 * clang's CPATH, ...): honoured, but said. For the CLI's edge, once.
 */
void object_warn_root_env(struct diag_list *d);

#endif
