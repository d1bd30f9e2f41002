/*
 * tracefs: find (or mount) the tracing filesystem, list tracepoints and
 * parse their record layouts.
 *
 * The `format` file is the kernel's own description of a tracepoint's
 * record, so it is trusted over any guess from the C type: offset, size
 * and signedness are taken verbatim and the type text only decides the
 * kind (pointer, string, array). A format is parsed from one read into
 * one string block (`storage`), because the checker parses one per probe
 * and `recipe list` may parse hundreds.
 */
#include "probes/tracefs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/magic.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util/strbuf.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

#define TRACEFS_DEFAULT "/sys/kernel/tracing"
#define TRACEFS_DEBUGFS "/sys/kernel/debug/tracing"

static const char *cached_root;
static char mounts_root[PATH_MAX];

static bool is_tracefs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == TRACEFS_MAGIC;
}

/* A tracefs mounted somewhere unusual (containers, old distributions). */
static const char *scan_mounts(void)
{
	struct mntent *m;
	const char *found = NULL;
	FILE *fp = setmntent("/proc/mounts", "re");

	if (!fp)
		return NULL;
	while (!found && (m = getmntent(fp))) {
		if (strcmp(m->mnt_type, "tracefs") ||
		    strlen(m->mnt_dir) >= sizeof(mounts_root) ||
		    !is_tracefs(m->mnt_dir))
			continue;
		strcpy(mounts_root, m->mnt_dir);
		found = mounts_root;
	}
	endmntent(fp);
	return found;
}

const char *tracefs_root_peek(void)
{
	const char *override = getenv("RECIPE_TRACEFS");

	if (cached_root)
		return cached_root;
	/* Taken as given: a copy of tracefs files is not a tracefs mount. */
	if (override && *override)
		return cached_root = override;
	/*
	 * Looking at debug/tracing makes the kernel automount tracefs there
	 * when debugfs is mounted; that is not a mount of ours.
	 */
	if (is_tracefs(TRACEFS_DEFAULT))
		cached_root = TRACEFS_DEFAULT;
	else if (is_tracefs(TRACEFS_DEBUGFS))
		cached_root = TRACEFS_DEBUGFS;
	else
		cached_root = scan_mounts();
	return cached_root;
}

/* tracefs_root() without diagnostics: 0 or the mount(2) errno. */
static int find_root(const char **root)
{
	*root = tracefs_root_peek();
	if (*root)
		return 0;
	if (mount("nodev", TRACEFS_DEFAULT, "tracefs", 0, NULL)) {
		int err = errno;

		/* Another process may have won the race to mount it. */
		if (err == EBUSY && tracefs_root_peek()) {
			*root = cached_root;
			return 0;
		}
		return -err;
	}
	cached_root = TRACEFS_DEFAULT;
	*root = cached_root;
	return 0;
}

int tracefs_root(const char **root, struct diag_list *d)
{
	int err = find_root(root);

	if (!err)
		return 0;
	diag_err(d, NULL, "tracefs is not mounted and cannot be mounted: %s",
		 strerror(-err));
	if (err == -EPERM || err == -EACCES)
		diag_hint(d, "run as root, or: mount -t tracefs nodev "
			  TRACEFS_DEFAULT);
	else if (err == -ENODEV)
		diag_hint(d, "this kernel was built without tracing support "
			  "(CONFIG_FTRACE), so it has no tracepoints");
	else
		diag_hint(d, "mount it by hand: mount -t tracefs nodev "
			  TRACEFS_DEFAULT);
	return err;
}

static bool valid_component(const char *s);

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

/* A directory entry that is a directory (tracefs fills d_type, but be safe). */
static bool entry_is_dir(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_name[0] == '.')
		return false;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dirfd, de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

struct name_list {
	char **v;
	size_t n, cap;
};

static void name_list_add(struct name_list *l, const char *sys,
			  const char *name)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xasprintf("%s:%s", sys, name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Whether a BPF program can attach to an event: it has an id (perf opens
 * it by that) and it is a tracepoint. The ftrace subsystem's events
 * (ftrace:function, ftrace:print, ftrace:bprint...) describe the ftrace
 * ring buffer's own records: most have no id, and the kernel attaches
 * BPF only to events flagged as tracepoints (perf_event_set_bpf_prog:
 * EINVAL), which none of them is. tracefs's available_events leaves them
 * out for the same reason, and so does bpftrace, which lists from it.
 */
static bool event_attachable(int dirfd, const char *sys, const char *rel)
{
	char path[NAME_MAX * 2 + 8];
	struct stat st;

	return strcmp(sys, "ftrace") &&
	       (size_t)snprintf(path, sizeof(path), "%s/id", rel) < sizeof(path) &&
	       fstatat(dirfd, path, &st, 0) == 0 && S_ISREG(st.st_mode);
}

/* Add the events of one subsystem directory that match pat. */
static int glob_sys(int eventsfd, const char *sys, const char *pat,
		    struct name_list *l)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	if (!has_glob(pat)) {
		char path[NAME_MAX * 2 + 2];

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", sys, pat) <
			    sizeof(path) &&
		    !strchr(pat, '/') && *pat && event_attachable(eventsfd, sys, path))
			name_list_add(l, sys, pat);
		return 0;
	}
	fd = openat(eventsfd, sys, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	dir = fdopendir(fd);
	if (!dir) {
		int err = -errno;

		close(fd);
		return err;
	}
	while ((de = readdir(dir)))
		if (!fnmatch(pat, de->d_name, 0) && entry_is_dir(fd, de) &&
		    event_attachable(fd, sys, de->d_name))
			name_list_add(l, sys, de->d_name);
	closedir(dir);
	return 0;
}

int tracefs_glob(const char *pattern, char ***names, size_t *n)
{
	struct name_list l = { NULL, 0, 0 };
	const char *root, *colon = strchr(pattern, ':');
	char *sys_pat, events[PATH_MAX];
	int eventsfd, err;

	*names = NULL;
	*n = 0;
	if (!colon)
		return -EINVAL;
	err = find_root(&root);
	if (err)
		return err;
	snprintf(events, sizeof(events), "%s/events", root);
	eventsfd = open(events, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (eventsfd < 0)
		return -errno;

	sys_pat = xstrndup(pattern, colon - pattern);
	if (!has_glob(sys_pat)) {
		err = strchr(sys_pat, '/') || !*sys_pat ? 0 :
			glob_sys(eventsfd, sys_pat, colon + 1, &l);
	} else {
		struct dirent *de;
		DIR *dir = fdopendir(dup(eventsfd));

		if (!dir) {
			err = -errno;
		} else {
			while (!err && (de = readdir(dir)))
				if (!fnmatch(sys_pat, de->d_name, 0) &&
				    entry_is_dir(eventsfd, de))
					err = glob_sys(eventsfd, de->d_name,
						       colon + 1, &l);
			closedir(dir);
		}
	}
	free(sys_pat);
	close(eventsfd);

	if (err) {
		while (l.n)
			free(l.v[--l.n]);
		free(l.v);
		return err;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	*names = l.v;
	*n = l.n;
	return 0;
}

bool tracefs_event_listed(const char *sys, const char *name)
{
	const char *root;
	char path[PATH_MAX];
	struct stat st;

	return valid_component(sys) && valid_component(name) && !find_root(&root) &&
	       (size_t)snprintf(path, sizeof(path), "%s/events/%s/%s", root, sys, name) <
		       sizeof(path) &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The whole file in one malloc'd, NUL-terminated buffer. */
static int read_file(const char *path, char **out, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *buf;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	for (;;) {
		if (cap - n < 2)
			buf = xrealloc(buf, cap *= 2);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	if (r < 0) {
		int err = -errno;

		close(fd);
		free(buf);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static bool is_ident(const char *s, size_t n)
{
	if (!n || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Parse "key:NUMBER;" starting at *p, advancing past the ';'. */
static bool parse_attr(const char **p, const char *key, unsigned long *val)
{
	const char *s = *p;
	char *end;
	size_t klen = strlen(key);

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, key, klen) || s[klen] != ':')
		return false;
	s += klen + 1;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*val = strtoul(s, &end, 10);
	if (errno || *end != ';' || *val > UINT_MAX)
		return false;
	*p = end + 1;
	return true;
}

static char *put(char **sp, const char *s, size_t n)
{
	char *r = *sp;

	memcpy(r, s, n);
	r[n] = '\0';
	*sp += n + 1;
	return r;
}

/*
 * Classify a declaration whose pieces are already split: type text,
 * array suffix ("[10]", "" when none), and the format's size.
 */
static enum field_kind classify(const char *type, const char *arr,
				unsigned size)
{
	if (starts_with(type, "__data_loc "))
		return !strcmp(type, "__data_loc char[]") ||
			       !strcmp(type, "__data_loc const char[]") ?
			       FIELD_DATA_LOC_STR : FIELD_OTHER;
	if (*arr) {
		/* One dimension, non-empty: "char x[N]", not "char x[]" */
		bool one = !strchr(arr + 1, '[');

		if (one && size > 0 && (!strcmp(type, "char") || !strcmp(type, "const char")))
			return FIELD_CHAR_ARRAY;
		return one && size > 0 &&
			       (!strcmp(type, "__u8") || !strcmp(type, "u8") ||
				!strcmp(type, "unsigned char") || !strcmp(type, "uint8_t")) ?
			       FIELD_BYTES : FIELD_OTHER;
	}
	if (strchr(type, '*'))
		return size == 8 || size == 4 ? FIELD_PTR : FIELD_OTHER;
	if (starts_with(type, "struct ") || starts_with(type, "union ") ||
	    starts_with(type, "__rel_loc "))
		return FIELD_OTHER;
	return size == 1 || size == 2 || size == 4 || size == 8 ?
		       FIELD_INT : FIELD_OTHER;
}

/*
 * One "field:DECL;\toffset:N;\tsize:N;\tsigned:N;" line (p just past
 * "field:"). Strings go to *sp; the caller sized storage so that every
 * line fits (ctype, name and their NULs are never longer than the line).
 */
static int parse_field(const char *p, const char *sys, char **sp,
		       struct field_info *fi, unsigned *end, bool *common)
{
	const char *decl = p, *de = strchr(p, ';'), *te, *ns, *ne;
	unsigned long off, size, sgn = 0;
	char ctype[512];
	size_t tlen, alen;

	if (!de || memchr(decl, '\n', de - decl))
		return -EINVAL;
	p = de + 1;
	if (!parse_attr(&p, "offset", &off) || !parse_attr(&p, "size", &size))
		return -EINVAL;
	/* Kernels before 2.6.32 have no signed: attribute. */
	parse_attr(&p, "signed", &sgn);
	if (off + size > UINT_MAX)
		return -EINVAL;
	*end = off + size;

	while (de > decl && isspace((unsigned char)de[-1]))
		de--;
	/* Array suffix: one or more "[...]" groups after the name. */
	ne = de;
	while (ne > decl && ne[-1] == ']') {
		const char *lb = ne - 1;

		while (lb > decl && *lb != '[')
			lb--;
		if (*lb != '[')
			break;
		ne = lb;
	}
	ns = ne;
	while (ns > decl && (isalnum((unsigned char)ns[-1]) || ns[-1] == '_'))
		ns--;
	te = ns;
	while (te > decl && isspace((unsigned char)te[-1]))
		te--;

	memset(fi, 0, sizeof(*fi));
	fi->offset = off;
	fi->size = size;
	*common = false;
	tlen = te - decl;
	alen = de - ne;
	if (!tlen || !is_ident(ns, ne - ns) || tlen + alen + 2 > sizeof(ctype)) {
		/* Not a plain declaration: keep it whole, unusable. */
		fi->ctype = fi->name = put(sp, decl, de - decl);
		fi->kind = FIELD_OTHER;
		return 0;
	}
	if (ne - ns > 7 && starts_with(ns, "common_")) {
		*common = true;
		return 0;
	}
	memcpy(ctype, decl, tlen);
	memcpy(ctype + tlen + 1, ne, alen);
	ctype[tlen] = ctype[tlen + 1 + alen] = '\0';
	fi->kind = classify(ctype, ctype + tlen + 1, size);
	memmove(ctype + tlen, ctype + tlen + 1, alen + 1);
	fi->ctype = put(sp, ctype, tlen + alen);
	fi->name = put(sp, ns, ne - ns);
	fi->is_signed = fi->kind == FIELD_INT && sgn;
	fi->user_ptr = fi->kind == FIELD_PTR && !strcmp(sys, "syscalls");
	return 0;
}

static bool valid_component(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static int read_id(const char *root, const char *sys, const char *name,
		   unsigned *id)
{
	char path[PATH_MAX], *buf, *end;
	unsigned long v;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/events/%s/%s/id", root, sys, name);
	err = read_file(path, &buf, &len);
	if (err)
		return err;
	errno = 0;
	v = strtoul(buf, &end, 10);
	err = errno || end == buf || v > UINT_MAX ? -EINVAL : 0;
	free(buf);
	*id = v;
	return err;
}

int tracefs_format(const char *sys, const char *name, struct tp_format **out)
{
	size_t len, nlines = 0, sys_len, name_len;
	const char *root, *p;
	char path[PATH_MAX], *buf, *sp;
	struct tp_format *f;
	unsigned end;
	bool have_id = false, common;
	int err;

	*out = NULL;
	if (!valid_component(sys) || !valid_component(name))
		return -ENOENT;
	err = find_root(&root);
	if (err)
		return err;
	if ((size_t)snprintf(path, sizeof(path), "%s/events/%s/%s/format",
			     root, sys, name) >= sizeof(path))
		return -ENAMETOOLONG;
	err = read_file(path, &buf, &len);
	if (err)
		return err == -ENOTDIR ? -ENOENT : err;

	for (p = buf; (p = strstr(p, "field:")); p += 6)
		nlines++;
	sys_len = strlen(sys);
	name_len = strlen(name);
	f = xcalloc(1, sizeof(*f));
	f->fields = xcalloc(nlines ? nlines : 1, sizeof(*f->fields));
	f->storage = sp = xmalloc(sys_len + name_len + len + 2);
	f->sys = put(&sp, sys, sys_len);
	f->name = put(&sp, name, name_len);

	for (p = buf; *p; p = strchrnul(p, '\n'), p += !!*p) {
		const char *s = p;

		while (*s == ' ' || *s == '\t')
			s++;
		if (starts_with(s, "ID:")) {
			char *e;
			unsigned long v = strtoul(s + 3, &e, 10);

			if (e != s + 3 && v <= UINT_MAX) {
				f->id = v;
				have_id = true;
			}
		} else if (starts_with(s, "field:")) {
			struct field_info *fi = &f->fields[f->nfields];

			err = parse_field(s + 6, sys, &sp, fi, &end, &common);
			if (err)
				break;
			if (end > f->record_size)
				f->record_size = end;
			if (!common)
				f->nfields++;
		} else if (starts_with(s, "print fmt:")) {
			break;
		}
	}
	free(buf);
	if (!err && !have_id)
		err = read_id(root, sys, name, &f->id);
	if (err) {
		tp_format_free(f);
		return err;
	}
	*out = f;
	return 0;
}

void tp_format_free(struct tp_format *f)
{
	if (!f)
		return;
	free(f->fields);
	free(f->storage);
	free(f);
}

const struct field_info *tp_format_field(const struct tp_format *f,
					 const char *name)
{
	for (size_t i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}
