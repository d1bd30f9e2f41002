/* Unit tests for engine/compile/cache.c: keys, directory policy, put/get. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "compile/cache.h"
#include "diag.h"
#include "util/file.h"
#include "util/strbuf.h"

static void hex_of(char hex[CACHE_HEX_LEN + 1], int nparts, ...)
{
	struct cache_key k;
	va_list ap;

	cache_key_init(&k);
	va_start(ap, nparts);
	for (int i = 0; i < nparts; i++) {
		const char *label = va_arg(ap, const char *);
		const char *data = va_arg(ap, const char *);

		cache_key_addstr(&k, label, data);
	}
	va_end(ap);
	cache_key_hex(&k, hex);
}

static void test_key_stable_and_hex(void **state)
{
	char a[CACHE_HEX_LEN + 1], b[CACHE_HEX_LEN + 1];

	(void)state;
	hex_of(a, 2, "src", "int x;", "abi", "1");
	hex_of(b, 2, "src", "int x;", "abi", "1");
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strspn(a, "0123456789abcdef"), 32);
}

static void test_key_differs(void **state)
{
	char base[CACHE_HEX_LEN + 1], h[CACHE_HEX_LEN + 1];

	(void)state;
	hex_of(base, 2, "src", "abc", "abi", "1");
	/* a different part */
	hex_of(h, 2, "src", "abd", "abi", "1");
	assert_string_not_equal(base, h);
	/* a different label, same bytes */
	hex_of(h, 2, "sro", "abc", "abi", "1");
	assert_string_not_equal(base, h);
	/* the same bytes split at another point: labels+lengths keep them apart */
	hex_of(h, 2, "src", "ab", "abi", "c1");
	assert_string_not_equal(base, h);
	hex_of(h, 2, "src", "abca", "bi", "1");
	assert_string_not_equal(base, h);
	/* an extra empty part still counts */
	hex_of(h, 3, "src", "abc", "abi", "1", "x", "");
	assert_string_not_equal(base, h);
	/* order matters */
	hex_of(h, 2, "abi", "1", "src", "abc");
	assert_string_not_equal(base, h);
}

/* Known-answer test: pins the key scheme so an accidental change shows. */
static void test_key_known_answer(void **state)
{
	char h[CACHE_HEX_LEN + 1], ref[CACHE_HEX_LEN + 1];
	XXH128_canonical_t c;
	struct strbuf sb = STRBUF_INIT;
	uint64_t n;

	(void)state;
	hex_of(h, 1, "src", "abc");
	/* The same bytes fed to the one-shot API: len(label) label len(data) data. */
	strbuf_init(&sb);
	n = 3;
	strbuf_add(&sb, &n, 8);
	strbuf_add(&sb, "src", 3);
	strbuf_add(&sb, &n, 8);
	strbuf_add(&sb, "abc", 3);
	XXH128_canonicalFromHash(&c, XXH3_128bits(sb.buf, sb.len));
	for (int i = 0; i < 16; i++)
		sprintf(ref + 2 * i, "%02x", c.digest[i]);
	assert_string_equal(h, ref);
	strbuf_release(&sb);
}

static void test_key_file_id(void **state)
{
	char tmpl[] = "/tmp/test_cache.XXXXXX";
	char a[CACHE_HEX_LEN + 1], b[CACHE_HEX_LEN + 1];
	struct cache_key k;
	char *f;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	f = xasprintf("%s/bin", tmpl);
	fp = fopen(f, "w");
	fputs("v1", fp);
	fclose(fp);
	cache_key_init(&k);
	assert_int_equal(cache_key_add_file_id(&k, "cc", f), 0);
	cache_key_hex(&k, a);
	cache_key_init(&k);
	assert_int_equal(cache_key_add_file_id(&k, "cc", f), 0);
	cache_key_hex(&k, b);
	assert_string_equal(a, b);
	fp = fopen(f, "a");
	fputs("+", fp);
	fclose(fp);
	cache_key_init(&k);
	assert_int_equal(cache_key_add_file_id(&k, "cc", f), 0);
	cache_key_hex(&k, b);
	assert_string_not_equal(a, b);
	unlink(f);
	cache_key_init(&k);
	assert_int_equal(cache_key_add_file_id(&k, "cc", f), -ENOENT);
	free(f);
	rmdir(tmpl);
}

/* Streaming a file into the key frames it exactly as cache_key_add() would. */
static void test_key_file_contents(void **state)
{
	char tmpl[] = "/tmp/test_cache.XXXXXX";
	char a[CACHE_HEX_LEN + 1], b[CACHE_HEX_LEN + 1];
	static char big[200000];
	const char *btf = "/sys/kernel/btf/vmlinux";
	struct cache_key k;
	void *data;
	size_t len;
	char *f;
	FILE *fp;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	assert_non_null(mkdtemp(tmpl));
	f = xasprintf("%s/blob", tmpl);
	fp = fopen(f, "w");
	assert_int_equal(fwrite(big, 1, sizeof(big), fp), sizeof(big));
	fclose(fp);

	cache_key_init(&k);
	assert_int_equal(cache_key_add_file(&k, "blob", f), 0);
	cache_key_hex(&k, a);
	cache_key_init(&k);
	cache_key_add(&k, "blob", big, sizeof(big));
	cache_key_hex(&k, b);
	assert_string_equal(a, b);
	cache_key_init(&k);
	cache_key_add(&k, "blob", big, sizeof(big) - 1);
	cache_key_hex(&k, b);
	assert_string_not_equal(a, b);

	assert_int_equal(file_read(f, &data, &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_memory_equal(data, big, sizeof(big));
	assert_int_equal(((char *)data)[len], '\0');
	free(data);

	/* sysfs reports the BTF blob's size up front, so it can be streamed */
	if (!access(btf, R_OK)) {
		cache_key_init(&k);
		assert_int_equal(cache_key_add_file(&k, "btf", btf), 0);
		cache_key_hex(&k, a);
		assert_int_equal(file_read(btf, &data, &len), 0);
		cache_key_init(&k);
		cache_key_add(&k, "btf", data, len);
		cache_key_hex(&k, b);
		assert_string_equal(a, b);
		free(data);
	}

	unlink(f);
	cache_key_init(&k);
	assert_int_equal(cache_key_add_file(&k, "blob", f), -ENOENT);
	assert_int_equal(file_read(f, &data, &len), -ENOENT);
	assert_null(data);
	free(f);
	rmdir(tmpl);
}

static char *fresh_dir(void)
{
	char tmpl[] = "/tmp/test_cache.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void rm_rf(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp)
		return;
	while ((de = readdir(dp))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			rm_rf(p);
		else
			unlink(p);
		free(p);
	}
	closedir(dp);
	rmdir(dir);
}

static int count_entries(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(dp);
	return n;
}

static void test_dir_env_created_0700(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	char *base = fresh_dir(), *want, *dir;
	struct stat st;

	(void)state;
	want = xasprintf("%s/a/b/recipe", base);
	setenv("RECIPE_CACHE_DIR", want, 1);
	assert_int_equal(cache_dir(&dir, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(dir, want);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	/* a second call finds it as it is */
	free(dir);
	assert_int_equal(cache_dir(&dir, &d), 0);
	assert_string_equal(dir, want);
	free(dir);
	free(want);
	unsetenv("RECIPE_CACHE_DIR");
	rm_rf(base);
	free(base);
}

static void test_dir_xdg_then_home(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	char *base = fresh_dir(), *want, *dir;

	(void)state;
	unsetenv("RECIPE_CACHE_DIR");
	setenv("XDG_CACHE_HOME", base, 1);
	want = xasprintf("%s/recipe", base);
	assert_int_equal(cache_dir(&dir, &d), 0);
	assert_string_equal(dir, want);
	free(dir);
	free(want);
	/* relative XDG_CACHE_HOME is ignored, as the XDG spec says */
	setenv("XDG_CACHE_HOME", "relative", 1);
	setenv("HOME", base, 1);
	want = xasprintf("%s/.cache/recipe", base);
	assert_int_equal(cache_dir(&dir, &d), 0);
	assert_string_equal(dir, want);
	assert_int_equal(d.n, 0);
	free(dir);
	free(want);
	unsetenv("XDG_CACHE_HOME");
	rm_rf(base);
	free(base);
}

static void test_dir_rejects_world_writable(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	char *base = fresh_dir(), *dir = (char *)"sentinel";

	(void)state;
	assert_int_equal(chmod(base, 0777), 0);
	setenv("RECIPE_CACHE_DIR", base, 1);
	assert_int_equal(cache_dir(&dir, &d), -EPERM);
	assert_null(dir);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, DIAG_ERROR);
	assert_non_null(strstr(d.v[0].msg, "writable by others (mode 0777)"));
	assert_non_null(d.v[0].hint);
	assert_non_null(strstr(d.v[0].hint, "chmod 700"));
	diag_list_release(&d);
	unsetenv("RECIPE_CACHE_DIR");
	rm_rf(base);
	free(base);
}

static void test_dir_rejects_file_and_foreign_owner(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	char *base = fresh_dir(), *f, *dir;
	FILE *fp;

	(void)state;
	f = xasprintf("%s/file", base);
	fp = fopen(f, "w");
	fclose(fp);
	setenv("RECIPE_CACHE_DIR", f, 1);
	assert_int_equal(cache_dir(&dir, &d), -ENOTDIR);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "cannot create cache directory"));
	assert_non_null(strstr(d.v[0].hint, "RECIPE_CACHE_DIR"));
	diag_list_release(&d);

	if (geteuid() == 0) {
		assert_int_equal(chown(base, 65534, 65534), 0);
		setenv("RECIPE_CACHE_DIR", base, 1);
		assert_int_equal(cache_dir(&dir, &d), -EPERM);
		assert_int_equal(d.n, 1);
		assert_non_null(strstr(d.v[0].msg, "owned by uid 65534"));
		diag_list_release(&d);
	}
	unsetenv("RECIPE_CACHE_DIR");
	free(f);
	rm_rf(base);
	free(base);
}

static const char fake_obj[] = "\177ELF fake object bytes \0 with a NUL";

static void test_put_get_roundtrip(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	const char *hex = "00112233445566778899aabbccddeeff";
	char *base = fresh_dir(), *dir, *path;
	struct stat st;
	void *data;
	size_t len;

	(void)state;
	path = xasprintf("%s/c", base);
	setenv("RECIPE_CACHE_DIR", path, 1);
	free(path);
	assert_int_equal(cache_dir(&dir, &d), 0);

	assert_int_equal(cache_get(dir, hex, &data, &len, &d), -ENOENT);
	assert_int_equal(cache_put_object(dir, hex, fake_obj, sizeof(fake_obj)), 0);
	assert_int_equal(cache_put(dir, hex, CACHE_SRC_SUFFIX, "int x;\n", 7), 0);
	assert_int_equal(cache_get(dir, hex, &data, &len, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(len, sizeof(fake_obj));
	assert_memory_equal(data, fake_obj, sizeof(fake_obj));
	free(data);

	path = xasprintf("%s/%s.bpf.o", dir, hex);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* the object, then its seal */
	assert_int_equal(st.st_size, sizeof(fake_obj) + CACHE_SEAL_LEN);
	free(path);
	path = xasprintf("%s/%s.bpf.c", dir, hex);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 7);
	free(path);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* exactly the two published files: no temporaries left behind */
	assert_int_equal(count_entries(dir), 2);

	/* overwriting an entry is atomic replacement, still no leftovers */
	assert_int_equal(cache_put_object(dir, hex, "\177ELF2", 5), 0);
	assert_int_equal(cache_get(dir, hex, &data, &len, &d), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "\177ELF2", 5);
	free(data);
	assert_int_equal(count_entries(dir), 2);

	free(dir);
	unsetenv("RECIPE_CACHE_DIR");
	rm_rf(base);
	free(base);
}

/*
 * get() on an entry whose bytes were changed by edit(): a miss with one
 * warning containing `says`, and the entry removed, so the next get()
 * is a silent miss.
 */
static void expect_refused(const char *dir, const char *hex, int err,
			   const char *says)
{
	struct diag_list d = DIAG_LIST_INIT;
	void *data = (void *)1;
	size_t len = 1;
	char *path = xasprintf("%s/%s.bpf.o", dir, hex);

	assert_int_equal(cache_get(dir, hex, &data, &len, &d), err);
	assert_null(data);
	assert_int_equal(len, 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, DIAG_WARNING);
	assert_non_null(strstr(d.v[0].msg, path));
	assert_non_null(strstr(d.v[0].msg, says));
	assert_non_null(strstr(d.v[0].msg, "rebuilding it"));
	diag_list_release(&d);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(cache_get(dir, hex, &data, &len, &d), -ENOENT);
	assert_int_equal(d.n, 0);
	free(path);
}

static void rewrite(const char *dir, const char *hex, const void *bytes, size_t len)
{
	char *path = xasprintf("%s/%s.bpf.o", dir, hex);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(bytes, 1, len, fp), len);
	fclose(fp);
	free(path);
}

/* A stored object of n bytes, read back raw (object and seal). */
static char *stored(const char *dir, const char *hex, size_t n, size_t *len)
{
	char *obj = xmalloc(n), *path = xasprintf("%s/%s.bpf.o", dir, hex);
	void *raw;

	memcpy(obj, "\177ELF", 4);
	for (size_t i = 4; i < n; i++)
		obj[i] = (char)(i * 31);
	assert_int_equal(cache_put_object(dir, hex, obj, n), 0);
	assert_int_equal(file_read(path, &raw, len), 0);
	assert_int_equal(*len, n + CACHE_SEAL_LEN);
	free(obj);
	free(path);
	return raw;
}

/*
 * The defects the ELF magic let through: a truncated object (libbpf
 * then failed every run with "Unknown error 4001"), one flipped bit
 * (loaded silently), an object copied under another key, and objects
 * from before seals existed.
 */
static void test_get_verifies_seal(void **state)
{
	const char *hex = "ffeeddccbbaa99887766554433221100";
	const char *other = "00112233445566778899aabbccddeeff";
	char *dir = fresh_dir(), *raw;
	size_t len;

	(void)state;
	raw = stored(dir, hex, 20000, &len);
	rewrite(dir, hex, raw, 200);
	expect_refused(dir, hex, -EBADMSG, "truncated");
	rewrite(dir, hex, raw, len - 1);
	expect_refused(dir, hex, -EBADMSG, "no seal");
	rewrite(dir, hex, "", 0);
	expect_refused(dir, hex, -EBADMSG, "truncated");
	/* a seal that survives while bytes before it are lost */
	{
		char *cut = xmalloc(len - 100);

		memcpy(cut, raw, len - CACHE_SEAL_LEN - 100);
		memcpy(cut + len - CACHE_SEAL_LEN - 100, raw + len - CACHE_SEAL_LEN, CACHE_SEAL_LEN);
		rewrite(dir, hex, cut, len - 100);
		expect_refused(dir, hex, -EBADMSG, "length does not match");
		free(cut);
	}
	for (size_t at = 4; at < len - CACHE_SEAL_LEN; at += 4999) {
		raw[at] ^= 0x10;
		rewrite(dir, hex, raw, len);
		expect_refused(dir, hex, -EBADMSG, "checksum does not match");
		raw[at] ^= 0x10;
	}
	raw[0] = 'X';
	rewrite(dir, hex, raw, len);
	expect_refused(dir, hex, -EBADMSG, "not an ELF object");
	raw[0] = '\177';
	/* intact bytes under another key's name */
	rewrite(dir, other, raw, len);
	expect_refused(dir, other, -EBADMSG, "checksum does not match");
	/* and intact bytes under their own name load */
	rewrite(dir, hex, raw, len);
	{
		struct diag_list d = DIAG_LIST_INIT;
		void *data;
		size_t n;

		assert_int_equal(cache_get(dir, hex, &data, &n, &d), 0);
		assert_int_equal(n, 20000);
		assert_memory_equal(data, raw, 20000);
		assert_int_equal(d.n, 0);
		free(data);
	}
	free(raw);
	rm_rf(dir);
	free(dir);
}

/* Files that are not the user's own are refused, as the directory is. */
static void test_get_refuses_untrusted_files(void **state)
{
	const char *hex = "ffeeddccbbaa99887766554433221100";
	char *dir = fresh_dir(), *raw, *path, *target;
	size_t len;

	(void)state;
	path = xasprintf("%s/%s.bpf.o", dir, hex);
	raw = stored(dir, hex, 5000, &len);
	assert_int_equal(chmod(path, 0666), 0);
	expect_refused(dir, hex, -EPERM, "writable by others (mode 0666)");
	rewrite(dir, hex, raw, len);
	assert_int_equal(chmod(path, 0620), 0);
	expect_refused(dir, hex, -EPERM, "writable by others (mode 0620)");
	/* a symlink to a perfectly good sealed object is not followed */
	target = xasprintf("%s/elsewhere", dir);
	rewrite(dir, "elsewhere", raw, len);
	free(target);
	target = xasprintf("%s/elsewhere.bpf.o", dir);
	assert_int_equal(symlink(target, path), 0);
	expect_refused(dir, hex, -EPERM, "symbolic link");
	assert_int_equal(mkdir(path, 0700), 0);
	expect_refused(dir, hex, -EPERM, "not a regular file");
	if (geteuid() == 0) {
		rewrite(dir, hex, raw, len);
		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(chown(path, 65534, 65534), 0);
		expect_refused(dir, hex, -EPERM, "owned by uid 65534");
	} else {
		print_message("foreign owner case skipped: chown needs root\n");
	}
	free(target);
	free(path);
	free(raw);
	rm_rf(dir);
	free(dir);
}

static void die_now(const char *tmp)
{
	(void)tmp;
	raise(SIGKILL);
}

/*
 * A writer killed after writing and syncing, before the rename: no entry
 * appears under the key (only the .tmp- file), a get() is a silent miss,
 * and the next store publishes a good one.
 */
static void test_killed_writer_leaves_no_entry(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	const char *hex = "ffeeddccbbaa99887766554433221100";
	char *dir = fresh_dir(), *path;
	struct dirent *de;
	void *data;
	size_t len;
	int status, tmps = 0;
	DIR *dp;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		cache_before_rename_hook = die_now;
		cache_put_object(dir, hex, fake_obj, sizeof(fake_obj));
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	path = xasprintf("%s/%s.bpf.o", dir, hex);
	assert_int_equal(access(path, F_OK), -1);
	dp = opendir(dir);
	while ((de = readdir(dp)))
		tmps += !strncmp(de->d_name, ".tmp-", 5);
	closedir(dp);
	assert_int_equal(tmps, 1);
	assert_int_equal(cache_get(dir, hex, &data, &len, &d), -ENOENT);
	assert_int_equal(d.n, 0);
	assert_int_equal(cache_put_object(dir, hex, fake_obj, sizeof(fake_obj)), 0);
	assert_int_equal(cache_get(dir, hex, &data, &len, &d), 0);
	assert_int_equal(len, sizeof(fake_obj));
	free(data);
	free(path);
	rm_rf(dir);
	free(dir);
}

/* An abandoned .tmp-* file is swept by the next publish; a fresh one (a
 * writer still at work) and anything that is not a .tmp-* file stay. */
static void test_put_sweeps_abandoned_tmps(void **state)
{
	char *dir = fresh_dir();
	char *old_tmp = xasprintf("%s/.tmp-abandoned.bpf.o.AAAAAA", dir);
	char *fresh_tmp = xasprintf("%s/.tmp-writing.bpf.o.BBBBBB", dir);
	char *old_other = xasprintf("%s/notes.txt", dir);
	struct timespec two_hours_ago[2] = {
		{ .tv_sec = time(NULL) - 7200 }, { .tv_sec = time(NULL) - 7200 },
	};
	const char *made[] = { old_tmp, fresh_tmp, old_other };
	const unsigned char obj[] = "\x7f" "ELF object";

	(void)state;
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		int fd = open(made[i], O_WRONLY | O_CREAT | O_EXCL, 0600);

		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(utimensat(AT_FDCWD, old_tmp, two_hours_ago, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, old_other, two_hours_ago, 0), 0);
	assert_int_equal(cache_put(dir, "00ff", ".txt", obj, sizeof(obj)), 0);
	assert_int_equal(access(old_tmp, F_OK), -1);
	assert_int_equal(access(fresh_tmp, F_OK), 0);
	assert_int_equal(access(old_other, F_OK), 0);
	free(old_tmp);
	free(fresh_tmp);
	free(old_other);
	rm_rf(dir);
	free(dir);
}

static void test_put_failure_leaves_nothing(void **state)
{
	char *dir = fresh_dir(), *missing;

	(void)state;
	missing = xasprintf("%s/nope", dir);
	assert_int_equal(cache_put(missing, "00", CACHE_OBJ_SUFFIX, "x", 1), -ENOENT);
	/* rename onto a directory fails: the temporary must be removed */
	assert_int_equal(mkdir(missing, 0700), 0);
	{
		char *blocker = xasprintf("%s/ab.bpf.o", missing);

		assert_int_equal(mkdir(blocker, 0700), 0);
		assert_int_equal(cache_put(missing, "ab", CACHE_OBJ_SUFFIX, "x", 1), -EISDIR);
		assert_int_equal(count_entries(missing), 1);
		free(blocker);
	}
	free(missing);
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_stable_and_hex),
		cmocka_unit_test(test_key_differs),
		cmocka_unit_test(test_key_known_answer),
		cmocka_unit_test(test_key_file_id),
		cmocka_unit_test(test_key_file_contents),
		cmocka_unit_test(test_dir_env_created_0700),
		cmocka_unit_test(test_dir_xdg_then_home),
		cmocka_unit_test(test_dir_rejects_world_writable),
		cmocka_unit_test(test_dir_rejects_file_and_foreign_owner),
		cmocka_unit_test(test_put_get_roundtrip),
		cmocka_unit_test(test_get_verifies_seal),
		cmocka_unit_test(test_get_refuses_untrusted_files),
		cmocka_unit_test(test_killed_writer_leaves_no_entry),
		cmocka_unit_test(test_put_sweeps_abandoned_tmps),
		cmocka_unit_test(test_put_failure_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
