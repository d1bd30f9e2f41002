/*
 * cache: a content-addressed store of compiled BPF objects.
 *
 * A key is a 128-bit XXH3 hash over labelled parts (generated source,
 * compiler identity and flags, engine ABI, ...); the object for a key
 * lives at <dir>/<hex>.bpf.o, with the source it came from kept beside
 * it as <hex>.bpf.c for debugging. Entries are immutable: two processes
 * building the same key write the same bytes, and each publishes its
 * copy with an atomic rename, so readers see either nothing or a whole
 * file and no locking is needed.
 *
 * All functions return 0 or -errno.
 */
#ifndef RECIPE_COMPILE_CACHE_H
#define RECIPE_COMPILE_CACHE_H

#include <stddef.h>

/* XXH3_state_t is only complete in xxhash's "static linking" section. */
#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY
#endif
#include <xxhash.h>

struct diag_list;

#define CACHE_OBJ_SUFFIX ".bpf.o"
#define CACHE_SRC_SUFFIX ".bpf.c"
#define CACHE_HEX_LEN 32

struct cache_key {
	XXH3_state_t st;
};

/*
 * The cache directory, created (mkdir -p, mode 0700) if missing:
 * $RECIPE_CACHE_DIR, else $XDG_CACHE_HOME/recipe (absolute values only,
 * as the XDG spec says), else $HOME/.cache/recipe (passwd entry when HOME
 * is unset). It must be a directory owned by the effective user and not
 * group/world-writable, since objects found there are loaded into the
 * kernel. On success *out is a malloc'd path; on failure a diagnostic
 * with a hint is added.
 */
int cache_dir(char **out, struct diag_list *d);

/*
 * Build a key from parts. Each part's label and both lengths are hashed
 * along with its bytes, so ("ab","c") and ("a","bc") differ, as do two
 * parts with the same bytes under different labels.
 */
void cache_key_init(struct cache_key *k);
void cache_key_add(struct cache_key *k, const char *label, const void *data,
		   size_t len);
void cache_key_addstr(struct cache_key *k, const char *label, const char *s);
/*
 * Add a file's identity (resolved path, size, mtime, inode, device)
 * without reading it: cheap enough for the warm path, and any package
 * upgrade that replaces the file changes it. -errno if it cannot be
 * stat'ed; the key is then unchanged.
 */
int cache_key_add_file_id(struct cache_key *k, const char *label,
			  const char *path);
/*
 * Add a file's contents, streamed through the hash without being held in
 * memory (kernel BTF is ~5 MB), framed exactly as cache_key_add() would
 * frame them. The length is taken from fstat first, so this is for files
 * whose size is known up front (regular files, sysfs binary attributes):
 * -EAGAIN if the bytes read differ from it, other -errno on I/O errors.
 * On error the key is spoiled and must not be used.
 */
int cache_key_add_file(struct cache_key *k, const char *label, const char *path);
/* Lower-case hex of the 128-bit digest, NUL-terminated. */
void cache_key_hex(const struct cache_key *k, char hex[CACHE_HEX_LEN + 1]);

/*
 * A cached object is the ELF bytes followed by a seal: CACHE_SEAL_MAGIC,
 * the object's length and the XXH3-128 of the key and the object. The
 * seal catches what the ELF magic cannot (a truncated write, a flipped
 * bit, an object copied under another key). It is a checksum, not a
 * signature: what keeps others from planting an object is that the
 * directory and each file must be the user's own and not writable by
 * anyone else (docs/security.md). ELF tools ignore the trailing bytes.
 */
#define CACHE_SEAL_MAGIC "RCPSEAL1"
#define CACHE_SEAL_LEN 32

/*
 * Read and verify <dir>/<hex>.bpf.o into a malloc'd buffer (the object
 * without its seal). -ENOENT when absent. An entry that is there but
 * cannot be trusted is a miss too, reported with a DIAG_WARNING in d and
 * removed, so that the rebuild that follows replaces it and the warning
 * is given once: -EBADMSG when it is damaged (truncated, not ELF, seal
 * missing or not matching), -EPERM when it is not a regular file owned
 * by the effective user or is writable by group or others.
 */
int cache_get(const char *dir, const char *hex, void **data, size_t *len,
	      struct diag_list *d);

/*
 * Atomically publish data as <dir>/<hex><suffix> (mode 0600): write a
 * mkstemp file in dir, fsync it, then rename it over the final name. No
 * temporary file is left behind, on success or failure; a process killed
 * before the rename leaves at most a .tmp-* file, never a partial entry;
 * a later publish in the same dir removes such files once they are an
 * hour old (the user's own regular files only).
 */
int cache_put(const char *dir, const char *hex, const char *suffix,
	      const void *data, size_t len);
/* cache_put() of an object as <hex>.bpf.o, sealed for cache_get(). */
int cache_put_object(const char *dir, const char *hex, const void *obj,
		     size_t len);

/*
 * Tests only: when set, called with the temporary file's path after its
 * data is written and synced and before the rename publishes it, so a
 * test can kill the writer at the one moment a non-atomic store would
 * leave half an object.
 */
extern void (*cache_before_rename_hook)(const char *tmp);

#endif
