/*
 * cache: where compiled BPF objects are kept between runs.
 *
 * The warm path of `recipe run` is: hash the generated C together with
 * the compiler's identity, find <hex>.bpf.o, load it. Nothing here spawns
 * a process or reads more than the one object, so a cache hit costs about
 * what a bare libbpf loader costs. Writers never lock: entries are
 * immutable and published by rename(2), which is atomic with respect to
 * readers. The data is fsync'd before the rename: that costs ~0.4 ms on
 * a miss that already spent ~100 ms in clang, and without it a crash can
 * publish an empty or truncated object under a valid name. Reading
 * verifies what writing promised: each object carries a seal (its
 * length and XXH3-128, ~3 us for a 20 KB object), checked on every hit,
 * and a file that is not the user's own is refused like the directory.
 */
#include "compile/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "util/file.h"
#include "util/strbuf.h"

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	int err = 0;

	for (char *s = p + 1; ; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST) {
			err = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return err;
}

static char *default_dir(void)
{
	const char *s = getenv("RECIPE_CACHE_DIR");
	struct passwd *pw;

	if (s && *s)
		return xstrdup(s);
	s = getenv("XDG_CACHE_HOME");
	if (s && *s == '/')
		return xasprintf("%s/recipe", s);
	s = getenv("HOME");
	if (!s || !*s) {
		pw = getpwuid(geteuid());
		s = pw ? pw->pw_dir : NULL;
	}
	return s && *s ? xasprintf("%s/.cache/recipe", s) : NULL;
}

int cache_dir(char **out, struct diag_list *d)
{
	char *dir = default_dir();
	struct stat st;
	int err;

	*out = NULL;
	if (!dir) {
		diag_err(d, NULL, "cannot find a cache directory: no home directory");
		diag_hint(d, "set RECIPE_CACHE_DIR to a private directory");
		return -ENOENT;
	}
	err = mkdir_p(dir);
	if (!err && stat(dir, &st))
		err = -errno;
	if (!err && !S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	if (err) {
		diag_err(d, NULL, "cannot create cache directory %s: %s", dir,
			 strerror(-err));
		diag_hint(d, "set RECIPE_CACHE_DIR to a writable directory");
		free(dir);
		return err;
	}
	if (st.st_uid != geteuid()) {
		diag_err(d, NULL, "cache directory %s is owned by uid %u, not by you (uid %u)",
			 dir, (unsigned)st.st_uid, (unsigned)geteuid());
		diag_hint(d, "objects from the cache are loaded into the kernel; "
			  "remove it or set RECIPE_CACHE_DIR to a private directory");
		free(dir);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diag_err(d, NULL, "cache directory %s is writable by others (mode %04o)",
			 dir, (unsigned)(st.st_mode & 07777));
		diag_hint(d, "objects from the cache are loaded into the kernel: chmod 700 %s",
			  dir);
		free(dir);
		return -EPERM;
	}
	/* Absolute, so paths built on it can never read as a clang option. */
	*out = realpath(dir, NULL);
	free(dir);
	return *out ? 0 : -errno;
}

void cache_key_init(struct cache_key *k)
{
	XXH3_128bits_reset(&k->st);
}

void cache_key_add(struct cache_key *k, const char *label, const void *data,
		   size_t len)
{
	uint64_t n = strlen(label);

	XXH3_128bits_update(&k->st, &n, sizeof(n));
	XXH3_128bits_update(&k->st, label, n);
	n = len;
	XXH3_128bits_update(&k->st, &n, sizeof(n));
	XXH3_128bits_update(&k->st, data, len);
}

void cache_key_addstr(struct cache_key *k, const char *label, const char *s)
{
	cache_key_add(k, label, s, strlen(s));
}

int cache_key_add_file_id(struct cache_key *k, const char *label,
			  const char *path)
{
	char *real = realpath(path, NULL);
	struct stat st;
	uint64_t id[6];

	if (!real)
		return -errno;
	if (stat(real, &st)) {
		int err = -errno;

		free(real);
		return err;
	}
	id[0] = st.st_size;
	id[1] = st.st_mtim.tv_sec;
	id[2] = st.st_mtim.tv_nsec;
	id[3] = st.st_ino;
	id[4] = st.st_dev;
	id[5] = st.st_ctim.tv_sec;
	cache_key_addstr(k, label, real);
	cache_key_add(k, label, id, sizeof(id));
	free(real);
	return 0;
}

void cache_key_hex(const struct cache_key *k, char hex[CACHE_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&k->st));
	for (size_t i = 0; i < sizeof(c.digest); i++) {
		hex[2 * i] = digits[c.digest[i] >> 4];
		hex[2 * i + 1] = digits[c.digest[i] & 15];
	}
	hex[CACHE_HEX_LEN] = '\0';
}

/* read(2) all of fd into sb, or, when h is set, into the hash only. */
static int drain(int fd, struct strbuf *sb, XXH3_state_t *h, uint64_t *total)
{
	char buf[65536];
	ssize_t n;

	*total = 0;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		if (h)
			XXH3_128bits_update(h, buf, n);
		else
			strbuf_add(sb, buf, n);
		*total += n;
	}
}

int cache_key_add_file(struct cache_key *k, const char *label, const char *path)
{
	uint64_t n = strlen(label), size, total;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	size = st.st_size;
	XXH3_128bits_update(&k->st, &n, sizeof(n));
	XXH3_128bits_update(&k->st, label, n);
	XXH3_128bits_update(&k->st, &size, sizeof(size));
	err = drain(fd, NULL, &k->st, &total);
	close(fd);
	if (!err && total != size)
		err = -EAGAIN;
	return err;
}

void (*cache_before_rename_hook)(const char *tmp);

/* The seal's digest: the key binds the object to the name it is stored under. */
static XXH128_canonical_t seal_digest(const char *hex, const void *obj,
				      size_t len)
{
	XXH3_state_t st;
	XXH128_canonical_t c;

	XXH3_128bits_reset(&st);
	XXH3_128bits_update(&st, hex, strlen(hex));
	XXH3_128bits_update(&st, obj, len);
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&st));
	return c;
}

static void make_seal(const char *hex, const void *obj, size_t len,
		      unsigned char seal[CACHE_SEAL_LEN])
{
	XXH128_canonical_t c = seal_digest(hex, obj, len);
	uint64_t n = len;

	memcpy(seal, CACHE_SEAL_MAGIC, 8);
	memcpy(seal + 8, &n, 8);
	memcpy(seal + 16, c.digest, 16);
}

/* NULL when buf[0..len) is a sealed ELF object for hex, else what is wrong. */
static const char *seal_problem(const char *hex, const char *buf, size_t len)
{
	unsigned char want[CACHE_SEAL_LEN];
	const char *seal;
	uint64_t n;

	if (len < CACHE_SEAL_LEN + 4)
		return "truncated (shorter than a seal)";
	seal = buf + len - CACHE_SEAL_LEN;
	if (memcmp(seal, CACHE_SEAL_MAGIC, 8))
		return "truncated or not written by this version (no seal)";
	memcpy(&n, seal + 8, 8);
	if (n != len - CACHE_SEAL_LEN)
		return "truncated (its length does not match its seal)";
	if (memcmp(buf, "\177ELF", 4))
		return "not an ELF object";
	make_seal(hex, buf, n, want);
	if (memcmp(seal, want, CACHE_SEAL_LEN))
		return "corrupted (its checksum does not match its seal)";
	return NULL;
}

/* NULL when the open entry may be loaded, else why not. */
static char *untrusted(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return xstrdup("not a regular file");
	if (st->st_uid != geteuid())
		return xasprintf("owned by uid %u, not by you (uid %u)",
				 (unsigned)st->st_uid, (unsigned)geteuid());
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return xasprintf("writable by others (mode %04o)",
				 (unsigned)(st->st_mode & 07777));
	return NULL;
}

int cache_get(const char *dir, const char *hex, void **data, size_t *len,
	      struct diag_list *d)
{
	char *path = xasprintf("%s/%s" CACHE_OBJ_SUFFIX, dir, hex), *why = NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *bad = NULL;
	struct stat st;
	uint64_t total;
	int fd, err;

	*data = NULL;
	*len = 0;
	/* O_NOFOLLOW: a symlink planted in the directory is refused, not followed. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP) {
		why = xstrdup("a symbolic link");
	} else if (fd < 0) {
		err = -errno;
		free(path);
		return err;
	} else if (fstat(fd, &st)) {
		why = xasprintf("cannot be examined: %s", strerror(errno));
	} else {
		why = untrusted(&st);
	}
	if (why) {
		err = -EPERM;
		diag_add(d, DIAG_WARNING, NULL, "cached object %s is refused: %s; rebuilding it", path, why);
		goto refuse;
	}
	err = drain(fd, &sb, NULL, &total);
	if (!err && (bad = seal_problem(hex, sb.buf, sb.len))) {
		err = -EBADMSG;
		diag_add(d, DIAG_WARNING, NULL, "cached object %s is %s; rebuilding it", path, bad);
		goto refuse;
	}
	if (err)
		goto out;
	*len = sb.len - CACHE_SEAL_LEN;
	sb.buf[*len] = '\0';
	*data = strbuf_detach(&sb);
	goto out;
refuse:
	/* Removed, so that even a failed rebuild reports it only once. */
	if (unlink(path) && errno == EISDIR)
		rmdir(path);
out:
	if (fd >= 0)
		close(fd);
	strbuf_release(&sb);
	free(why);
	free(path);
	return err;
}

/*
 * A writer killed between mkstemp and rename leaves its .tmp-* file; no
 * one else ever will remove it. Every publish sweeps the ones that are
 * surely abandoned: the user's own regular files, untouched for
 * CACHE_TMP_ABANDONED_S, far longer than any compile, so a concurrent
 * writer's file is never taken. Best effort: a file that cannot be
 * removed costs only its space.
 */
#define CACHE_TMP_ABANDONED_S 3600

static void sweep_abandoned_tmps(const char *dir)
{
	DIR *dp = opendir(dir);
	time_t before = time(NULL) - CACHE_TMP_ABANDONED_S;
	struct dirent *de;
	struct stat st;

	if (!dp)
		return;
	while ((de = readdir(dp))) {
		if (strncmp(de->d_name, ".tmp-", 5))
			continue;
		if (fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISREG(st.st_mode) && st.st_uid == geteuid() && st.st_mtime < before)
			unlinkat(dirfd(dp), de->d_name, 0);
	}
	closedir(dp);
}

static int publish(const char *dir, const char *hex, const char *suffix,
		   const void *data, size_t len, const void *trailer,
		   size_t trailer_len)
{
	char *tmp = xasprintf("%s/.tmp-%s%s.XXXXXX", dir, hex, suffix);
	char *path = NULL;
	int fd, err;

	sweep_abandoned_tmps(dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	err = file_write_all(fd, data, len);
	if (!err && trailer_len)
		err = file_write_all(fd, trailer, trailer_len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && cache_before_rename_hook)
		cache_before_rename_hook(tmp);
	if (!err) {
		path = xasprintf("%s/%s%s", dir, hex, suffix);
		if (rename(tmp, path))
			err = -errno;
	}
	if (err)
		unlink(tmp);
	free(path);
	free(tmp);
	return err;
}

int cache_put(const char *dir, const char *hex, const char *suffix,
	      const void *data, size_t len)
{
	return publish(dir, hex, suffix, data, len, NULL, 0);
}

int cache_put_object(const char *dir, const char *hex, const void *obj,
		     size_t len)
{
	unsigned char seal[CACHE_SEAL_LEN];

	make_seal(hex, obj, len, seal);
	return publish(dir, hex, CACHE_OBJ_SUFFIX, obj, len, seal, sizeof(seal));
}
