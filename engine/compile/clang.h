/*
 * clang: compile generated BPF C into an object with the clang driver.
 *
 * The driver is spawned with an argv (never a shell). Its error lines
 * become diagnostics at the location clang reports, which is the
 * user's recipe YAML because the generated C carries #line directives.
 * All functions return 0 or -errno.
 */
#ifndef RECIPE_COMPILE_CLANG_H
#define RECIPE_COMPILE_CLANG_H

#include <stddef.h>

struct cache_key;
struct diag_list;

/*
 * The flags passed between the compiler path and the source file,
 * NULL-terminated. Part of every cache key (see clang_identity()).
 */
extern const char *const clang_flags[];

/*
 * The compiler to run, never looked up in $PATH (recipe runs it as
 * root): $RECIPE_CLANG if set, an absolute path or a bare name looked up
 * in /usr/local/bin and /usr/bin, with no fallback when it is refused;
 * else clang, then the newest of clang-19 .. clang-14, in those two
 * directories, then /usr/lib/llvm-N/bin/clang. A candidate is only used
 * when it is an executable regular file that, like the directory it is
 * named in and the directory of what it resolves to, is owned by root or
 * the effective user and not writable by group or others. Candidates are
 * only stat'ed, never run. NULL when none is found, and clang_problem()
 * says why. The result lives in a static buffer, valid until the next
 * call (the CLI is single-threaded).
 */
const char *clang_path(void);
/* Why the last clang_path() found nothing, as a hint for the user. */
const char *clang_problem(void);

/*
 * Add everything that determines the object besides the source to a key,
 * without spawning anything: the identity (resolved path, size, mtime,
 * inode) of the compiler binary, clang_flags, the environment variables
 * clang reads (CPATH, C_INCLUDE_PATH, CCC_OVERRIDE_OPTIONS), and the
 * identity of the libbpf BPF-side headers the generated C includes.
 * -ENOENT when no compiler is found.
 */
int clang_identity(struct cache_key *k);

/*
 * Compile source[0..len) to a BPF object, returned as a malloc'd buffer.
 * Temporary files (mode 0600) are created in workdir, normally the cache
 * directory, and removed before returning. On failure diagnostics are
 * added: clang's errors at their file:line:col (only errors; warnings
 * and notes only when clang failed without reporting an error), "clang
 * not found", or the signal that killed clang. On success clang's
 * warnings, if any, are added as DIAG_WARNING.
 *
 * Locations inside the temporary file itself (before the first #line)
 * are reported under the file name CLANG_GENERATED_NAME.
 */
#define CLANG_GENERATED_NAME "<generated C>"
int clang_compile(const char *source, size_t len, const char *workdir,
		  void **obj, size_t *objlen, struct diag_list *d);

#endif
