/*
 * libpath: find the file behind a probe target. Libraries are looked up
 * the way ld.so does, by reading /etc/ld.so.cache directly (running
 * ldconfig -p would mean a subprocess per lookup and parsing its text),
 * then the default library directories; programs are looked up on $PATH.
 */
#include "symbols/libpath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"
#include "util/strbuf.h"

#define OLD_MAGIC "ld.so-1.7.0"
#define NEW_MAGIC "glibc-ld.so.cache1.1"

#define FLAG_TYPE_MASK 0x00ff
#define FLAG_ELF_LIBC6 0x0003

/* glibc's FLAG_* required bits for the ABI this program is built for */
#if defined(__x86_64__) && !defined(__ILP32__)
#define NATIVE_FLAGS 0x0303
#define TRIPLET "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define NATIVE_FLAGS 0x0a03
#define TRIPLET "aarch64-linux-gnu"
#elif defined(__i386__)
#define NATIVE_FLAGS 0x0003
#define TRIPLET "i386-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_FLAGS 0x1003
#define TRIPLET "riscv64-linux-gnu"
#else
#define NATIVE_FLAGS (-1)
#define TRIPLET ""
#endif

/* On-disk layouts (glibc sysdeps/generic/dl-cache.h). */
struct old_header {
	char magic[sizeof(OLD_MAGIC) - 1];
	uint32_t nlibs;
};

struct old_entry {
	int32_t flags;
	uint32_t key, value;
};

struct new_header {
	char magic[sizeof(NEW_MAGIC) - 1];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct new_entry {
	int32_t flags;
	uint32_t key, value;
	uint32_t osversion;
	uint64_t hwcap;
};

static bool native_flags(int32_t flags)
{
	if (NATIVE_FLAGS == -1)
		return (flags & FLAG_TYPE_MASK) == FLAG_ELF_LIBC6;
	return flags == NATIVE_FLAGS;
}

/* A NUL-terminated string at off within [0, len), or NULL. */
static const char *cache_str(const char *base, size_t len, uint32_t off)
{
	if (off >= len || !memchr(base + off, '\0', len - off))
		return NULL;
	return base + off;
}

static int walk(const char *data, size_t len, libpath_cb cb, void *ctx)
{
	const struct new_header *h;
	size_t start = 0;

	if (len >= sizeof(struct old_header) &&
	    !memcmp(data, OLD_MAGIC, sizeof(OLD_MAGIC) - 1)) {
		const struct old_header *oh = (const void *)data;

		start = sizeof(*oh) + (size_t)oh->nlibs * sizeof(struct old_entry);
		start = (start + 7) & ~(size_t)7;
	}
	if (start > len || len - start < sizeof(*h) ||
	    memcmp(data + start, NEW_MAGIC, sizeof(NEW_MAGIC) - 1))
		return -ENOEXEC;
	h = (const void *)(data + start);
	if ((len - start - sizeof(*h)) / sizeof(struct new_entry) < h->nlibs)
		return -ENOEXEC;
	/* string offsets count from the new header */
	data += start;
	len -= start;
	for (uint32_t i = 0; i < h->nlibs; i++) {
		struct new_entry ne;
		struct libpath_entry e;
		int ret;

		memcpy(&ne, data + sizeof(*h) + i * sizeof(ne), sizeof(ne));
		e.soname = cache_str(data, len, ne.key);
		e.path = cache_str(data, len, ne.value);
		if (!e.soname || !e.path)
			continue;
		e.flags = ne.flags;
		e.hwcap = ne.hwcap;
		e.native = native_flags(ne.flags);
		ret = cb(&e, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int libpath_cache_foreach(const char *cache_path, libpath_cb cb, void *ctx)
{
	void *data;
	size_t len;
	int err;

	err = file_read(cache_path ? cache_path : "/etc/ld.so.cache", &data, &len);
	if (err)
		return err;
	err = walk(data, len, cb, ctx);
	free(data);
	return err;
}

static int real_file(const char *path, char **out)
{
	char buf[PATH_MAX];
	struct stat st;

	if (!realpath(path, buf))
		return -errno;
	if (stat(buf, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	*out = xstrdup(buf);
	return 0;
}

struct search {
	const char *stem;	/* "libc.so" or "libc.so.6" */
	bool exact;		/* the stem itself must be a soname */
	int pass;		/* 0: baseline entries; 1: hwcaps variants too */
	char *found;
};

static bool soname_matches(const char *soname, const char *stem, bool exact)
{
	size_t n = strlen(stem);

	if (strncmp(soname, stem, n))
		return false;
	return !soname[n] || (!exact && soname[n] == '.');
}

static int search_cb(const struct libpath_entry *e, void *ctx)
{
	struct search *s = ctx;

	if (!e->native || (s->pass == 0 && e->hwcap) ||
	    !soname_matches(e->soname, s->stem, s->exact))
		return 0;
	return real_file(e->path, &s->found) ? 0 : 1;
}

static int search_cache(const char *stem, bool exact, char **path)
{
	struct search s = { .stem = stem, .exact = exact };

	for (s.pass = 0; s.pass < 2; s.pass++) {
		if (libpath_cache_foreach(NULL, search_cb, &s) == 1) {
			*path = s.found;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *const default_dirs[] = {
	"/lib/" TRIPLET, "/usr/lib/" TRIPLET, "/lib64", "/usr/lib64",
	"/lib", "/usr/lib",
};

/* Development "libfoo.so" files are often linker scripts, not ELF. */
static int real_elf(const char *path, char **out)
{
	char magic[4];
	ssize_t n;
	int fd, err = real_file(path, out);

	if (err)
		return err;
	fd = open(*out, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, magic, sizeof(magic));
	if (fd >= 0)
		close(fd);
	if (n == sizeof(magic) && !memcmp(magic, "\177ELF", 4))
		return 0;
	free(*out);
	*out = NULL;
	return -ENOEXEC;
}

/* dir/stem, else the highest-versioned dir/stem.* */
static int search_dir(const char *dir, const char *stem, char **path)
{
	size_t n = strlen(stem);
	char *best = NULL, *p;
	struct dirent *de;
	DIR *d;
	int err;

	p = xasprintf("%s/%s", dir, stem);
	err = real_elf(p, path);
	free(p);
	if (!err)
		return 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, stem, n) && de->d_name[n] == '.' &&
		    (!best || strverscmp(de->d_name, best) > 0)) {
			free(best);
			best = xstrdup(de->d_name);
		}
	}
	closedir(d);
	if (!best)
		return -ENOENT;
	p = xasprintf("%s/%s", dir, best);
	err = real_elf(p, path);
	free(p);
	free(best);
	return err;
}

int libpath_find_library(const char *name, char **path)
{
	char *stem;
	int err;

	*path = NULL;
	if (!*name)
		return -ENOENT;
	if (strchr(name, '/'))
		return real_file(name, path);
	if (strstr(name, ".so"))
		stem = xstrdup(name);
	else
		stem = xasprintf("%s%s.so", strncmp(name, "lib", 3) ? "lib" : "",
				 name);
	/* an exact soname wins over a longer one sharing it as prefix */
	err = search_cache(stem, true, path);
	if (err)
		err = search_cache(stem, false, path);
	for (size_t i = 0; err && i < sizeof(default_dirs) / sizeof(*default_dirs); i++) {
		if (!*TRIPLET && i < 2)
			continue;
		err = search_dir(default_dirs[i], stem, path);
	}
	free(stem);
	return err ? -ENOENT : 0;
}

int libpath_find_binary(const char *name, char **path)
{
	const char *env = getenv("PATH");
	char *dirs, *save = NULL;
	int err = -ENOENT;

	*path = NULL;
	if (!*name)
		return -ENOENT;
	if (strchr(name, '/'))
		return real_file(name, path);
	dirs = xstrdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
	for (char *dir = strtok_r(dirs, ":", &save); dir && err;
	     dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *dir ? dir : ".", name);

		if (!access(p, X_OK))
			err = real_file(p, path);
		free(p);
	}
	free(dirs);
	return err ? -ENOENT : 0;
}

int libpath_resolve(const char *target, char **path)
{
	*path = NULL;
	if (strchr(target, '/'))
		return real_file(target, path);
	if (!strncmp(target, "lib", 3) || strstr(target, ".so"))
		return libpath_find_library(target, path);
	if (!libpath_find_binary(target, path))
		return 0;
	return libpath_find_library(target, path);
}
