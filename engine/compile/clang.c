/*
 * clang: run the clang driver on generated BPF C, once per cache miss.
 *
 * libclang's C API can parse but cannot emit an object, so the driver is
 * the only way to compile (docs/decisions/compile.md has the numbers).
 * It is spawned with posix_spawn and a fixed argv; its stdout and stderr
 * share one pipe that is drained to EOF before waiting, so a chatty
 * compiler can never block on a full pipe. Its error lines
 * `FILE:LINE:COL: error: MSG` become located diagnostics; since the
 * generated C carries #line directives, FILE:LINE is the user's recipe.
 */
#include "compile/clang.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compile/cache.h"
#include "diag.h"
#include "util/file.h"
#include "util/strbuf.h"

extern char **environ;

#if defined(__x86_64__) || defined(__i386__)
#define TARGET_ARCH "x86"
#elif defined(__aarch64__)
#define TARGET_ARCH "arm64"
#elif defined(__s390x__)
#define TARGET_ARCH "s390"
#elif defined(__powerpc64__)
#define TARGET_ARCH "powerpc"
#elif defined(__riscv)
#define TARGET_ARCH "riscv"
#else
#error "unsupported architecture: add its __TARGET_ARCH_ name"
#endif

/*
 * Where the build machine's C library keeps asm/ headers (Debian's
 * multiarch directory, from the Makefile): libbpf's usdt.bpf.h includes
 * <linux/errno.h> and so <asm/errno.h>, which -target bpf does not look
 * for there. After every other directory, so it can only add, not shadow.
 */
#ifndef RECIPE_MULTIARCH_INCLUDE
#define RECIPE_MULTIARCH_INCLUDE "/usr/include/x86_64-linux-gnu"
#endif

const char *const clang_flags[] = {
	"-O2", "-g", "-target", "bpf", "-D__TARGET_ARCH_" TARGET_ARCH,
	"-Wall", "-Wno-unused-variable", "-Wno-unused-function",
	"-fno-color-diagnostics", "-ferror-limit=5",
	"-idirafter", RECIPE_MULTIARCH_INCLUDE,
	NULL,
};

#define NOT_FOUND_HINT "apt-get install clang (recipe compiles BPF programs at run time), or set RECIPE_CLANG=/path/to/clang"
#define SHOW_C_HINT "the generated C is shown by: recipe show NAME --c"
/* Enough for -ferror-limit=5 with source excerpts; the rest is dropped. */
#define MAX_OUTPUT (256 * 1024)

/*
 * Where clang is looked for, never $PATH: recipe runs it as root, and a
 * directory early in a user's PATH is exactly what must not decide what
 * root executes. Debian's packages put clang-N in /usr/bin (clang is the
 * default version's link) and the binary itself in /usr/lib/llvm-N/bin.
 */
static const char *const trusted_dirs[] = { "/usr/local/bin", "/usr/bin" };
static const char *const versioned[] = {
	"clang-19", "clang-18", "clang-17", "clang-16", "clang-15", "clang-14",
};

/*
 * The libbpf headers generated C may include; /usr/local first, as in
 * clang's own search order.
 */
static const char *const header_dirs[] = { "/usr/local/include/bpf", "/usr/include/bpf" };
static const char *const headers[] = {
	"bpf_helpers.h", "bpf_helper_defs.h", "bpf_tracing.h",
	"bpf_core_read.h", "bpf_endian.h", "usdt.bpf.h",
};

/* clang reads these; they change the object without changing argv. */
static const char *const env_inputs[] = { "CPATH", "C_INCLUDE_PATH", "CCC_OVERRIDE_OPTIONS" };

static char found[PATH_MAX];
static char problem[PATH_MAX + 256];

/* Owned by root or by us, and writable by no one else. */
static const char *unsafe_stat(const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "is owned by another user";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "is writable by group or others";
	return NULL;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/*
 * Whether the absolute path may be run as root: an executable regular
 * file that, like the directory it is named in and the directory of
 * what it resolves to (Debian's /usr/bin/clang is a link into
 * /usr/lib/llvm-N/bin), is owned by root or the user and writable by no
 * one else. Otherwise problem[] says why.
 */
static bool trusted_exec(const char *path)
{
	char *real = realpath(path, NULL), *dirs[2] = { dir_of(path), NULL };
	const char *bad = NULL, *what = real;
	struct stat st;

	if (!real || stat(real, &st) || !S_ISREG(st.st_mode) || access(real, X_OK)) {
		snprintf(problem, sizeof(problem), "%s is not an executable file", path);
		free(real);
		free(dirs[0]);
		return false;
	}
	dirs[1] = dir_of(real);
	bad = unsafe_stat(&st);
	for (int i = 0; i < 2 && !bad; i++) {
		what = dirs[i];
		bad = stat(dirs[i], &st) ? "cannot be examined" : unsafe_stat(&st);
	}
	if (bad)
		snprintf(problem, sizeof(problem),
			 "%s %s (mode %04o, uid %u): refused, since recipe runs the compiler as root",
			 what, bad, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
	free(real);
	free(dirs[0]);
	free(dirs[1]);
	return !bad;
}

static bool try_path(const char *dir, const char *name)
{
	int n = snprintf(found, sizeof(found), "%s/%s", dir, name);

	*problem = '\0';
	return n < (int)sizeof(found) && trusted_exec(found);
}

/* A bare name in the trusted directories, then the LLVM trees for versions. */
static bool search_trusted(const char *name)
{
	for (size_t i = 0; i < sizeof(trusted_dirs) / sizeof(trusted_dirs[0]); i++)
		if (try_path(trusted_dirs[i], name))
			return true;
	return false;
}

/* $RECIPE_CLANG: an absolute path, or a name in the trusted directories. */
static bool from_env(const char *env)
{
	char why[sizeof(problem)];
	bool ok = false;

	if (*env == '/')
		ok = snprintf(found, sizeof(found), "%s", env) < (int)sizeof(found) &&
		     trusted_exec(found);
	else if (strchr(env, '/'))
		snprintf(problem, sizeof(problem), "it is a relative path: give an absolute one");
	else if (!(ok = search_trusted(env)) && strstr(problem, " is not an executable file"))
		snprintf(problem, sizeof(problem), "no %s in /usr/local/bin or /usr/bin", env);
	if (!ok) {
		memcpy(why, problem, sizeof(why));
		snprintf(problem, sizeof(problem), "RECIPE_CLANG=%.200s: %.*s", env,
			 (int)(sizeof(why) - 256), why);
	}
	return ok;
}

const char *clang_path(void)
{
	const char *env = getenv("RECIPE_CLANG");

	*problem = '\0';
	if (env && *env)
		return from_env(env) ? found : NULL;
	if (search_trusted("clang"))
		return found;
	for (size_t i = 0; i < sizeof(versioned) / sizeof(versioned[0]); i++)
		if (search_trusted(versioned[i]))
			return found;
	for (size_t i = 0; i < sizeof(versioned) / sizeof(versioned[0]); i++) {
		char *dir = xasprintf("/usr/lib/llvm-%s/bin", versioned[i] + strlen("clang-"));
		bool ok = try_path(dir, "clang");

		free(dir);
		if (ok)
			return found;
	}
	snprintf(problem, sizeof(problem), "%s", NOT_FOUND_HINT);
	return NULL;
}

const char *clang_problem(void)
{
	return *problem ? problem : NOT_FOUND_HINT;
}

int clang_identity(struct cache_key *k)
{
	const char *cc = clang_path();
	int err;

	if (!cc)
		return -ENOENT;
	err = cache_key_add_file_id(k, "clang", cc);
	if (err)
		return err;
	for (size_t i = 0; clang_flags[i]; i++)
		cache_key_addstr(k, "flag", clang_flags[i]);
	for (size_t i = 0; i < sizeof(env_inputs) / sizeof(env_inputs[0]); i++) {
		const char *v = getenv(env_inputs[i]);

		cache_key_addstr(k, env_inputs[i], v ? v : "");
		cache_key_add(k, "set", &(char){ v != NULL }, 1);
	}
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		for (size_t j = 0; j < sizeof(header_dirs) / sizeof(header_dirs[0]); j++) {
			char *h = xasprintf("%s/%s", header_dirs[j], headers[i]);

			err = cache_key_add_file_id(k, "header", h);
			free(h);
			if (!err)
				break;
		}
	}
	return 0;
}

struct clang_msg {
	enum diag_sev sev;
	char *file;
	unsigned line, col;
	const char *msg;
};

static bool parse_uint(const char *s, size_t n, unsigned *out)
{
	unsigned long v = 0;

	if (!n || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Split "FILE:LINE:COL" or "FILE:LINE" from the right: FILE may hold ':'. */
static void parse_loc(const char *s, size_t n, const char *src,
		      struct clang_msg *m)
{
	const char *c1 = memrchr(s, ':', n), *c2;
	unsigned a, b;

	if (!c1 || !parse_uint(c1 + 1, s + n - c1 - 1, &a))
		return;
	c2 = memrchr(s, ':', c1 - s);
	if (c2 && parse_uint(c2 + 1, c1 - c2 - 1, &b)) {
		m->line = b;
		m->col = a;
		n = c2 - s;
	} else {
		m->line = a;
		n = c1 - s;
	}
	if (!n)
		return;
	if (strlen(src) == n && !memcmp(s, src, n))
		m->file = xstrdup(CLANG_GENERATED_NAME);
	else
		m->file = xstrndup(s, n);
}

static const struct {
	const char *tag;
	enum diag_sev sev;
} tags[] = {
	{ "fatal error: ", DIAG_ERROR },
	{ "error: ", DIAG_ERROR },
	{ "warning: ", DIAG_WARNING },
	{ "note: ", DIAG_NOTE },
};

/*
 * Recognise "PREFIX: TAG MSG" where TAG is a severity and PREFIX is a
 * location, the driver's name ("clang: error: ..."), or empty. Source
 * excerpts, carets and "N errors generated." match nothing.
 */
static bool parse_line(char *line, const char *src, struct clang_msg *m)
{
	const char *best = NULL;
	size_t bi = 0, plen;

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t tl = strlen(tags[i].tag);
		const char *p;

		if (!strncmp(line, tags[i].tag, tl))
			p = line;
		else if ((p = strstr(line, tags[i].tag)) && p - line >= 2 &&
			 p[-1] == ' ' && p[-2] == ':')
			;
		else
			continue;
		if (!best || p < best) {
			best = p;
			bi = i;
		}
	}
	if (!best)
		return false;
	memset(m, 0, sizeof(*m));
	m->sev = tags[bi].sev;
	m->msg = best + strlen(tags[bi].tag);
	plen = best == line ? 0 : (size_t)(best - line - 2);
	parse_loc(line, plen, src, m);
	return true;
}

static void add_msg(struct diag_list *d, const struct clang_msg *m)
{
	struct diag_at at = { m->file, m->line, m->col };

	diag_add(d, m->sev, &at, "%s", m->msg);
}

/* The last few lines of output, for failures clang did not explain. */
static const char *tail(const char *out, size_t len, int lines)
{
	while (len && out[len - 1] == '\n')
		len--;
	for (size_t i = len; i > 0; i--)
		if (out[i - 1] == '\n' && --lines == 0)
			return out + i;
	return out;
}

static void report(struct diag_list *d, char *out, size_t outlen,
		   const char *src, int status)
{
	struct clang_msg *v = NULL;
	size_t n = 0, nerr = 0;
	bool failed = !WIFEXITED(status) || WEXITSTATUS(status), stack_said = false;
	char *saveptr = NULL, *copy = xstrndup(out, outlen);

	for (char *l = strtok_r(copy, "\n", &saveptr); l; l = strtok_r(NULL, "\n", &saveptr)) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		if (parse_line(l, src, &v[n])) {
			nerr += v[n].sev == DIAG_ERROR;
			n++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!failed && v[i].sev != DIAG_WARNING)
			continue;
		if (failed && nerr && v[i].sev != DIAG_ERROR)
			continue;
		/*
		 * The BPF backend says this once per offending function, at
		 * the generated C: say it once, in the recipe's terms.
		 */
		if (stack_said && strstr(v[i].msg, "too many errors emitted"))
			continue;
		if (strstr(v[i].msg, "BPF stack limit of 512 bytes")) {
			if (!stack_said)
				diag_err(d, NULL, "the recipe needs more than the 512 bytes of BPF stack a program has: "
					 "its string keys and the strings its expressions build or compare are too large together");
			stack_said = true;
			continue;
		}
		add_msg(d, &v[i]);
	}
	if (stack_said)
		diag_hint(d, "shorten strings with str(ptr, maxlen), use fewer string keys, or compare fewer strings in the filter");
	if (WIFSIGNALED(status)) {
		diag_err(d, NULL, "clang was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (failed && !nerr) {
		diag_err(d, NULL, "clang failed (exit %d)%s%s",
			 WEXITSTATUS(status), outlen ? ": " : "",
			 outlen ? tail(out, outlen, 3) : "");
	}
	if (failed && !stack_said)
		diag_hint(d, SHOW_C_HINT);
	for (size_t i = 0; i < n; i++)
		free(v[i].file);
	free(v);
	free(copy);
}

/* Run argv; collect its merged stdout/stderr (capped) and exit status. */
static int run(char *const argv[], struct strbuf *out, int *status)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int pfd[2], err;
	char buf[4096];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	/*
	 * The caller may block signals it reads from a signalfd; clang must
	 * not inherit that, or Ctrl-C during a compile would not stop it.
	 */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	err = -posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (err) {
		close(pfd[0]);
		return err;
	}
	for (;;) {
		ssize_t n = read(pfd[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len < MAX_OUTPUT)
			strbuf_add(out, buf, n);
	}
	close(pfd[0]);
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int clang_compile(const char *source, size_t len, const char *workdir,
		  void **obj, size_t *objlen, struct diag_list *d)
{
	const char *cc = clang_path();
	struct strbuf out = STRBUF_INIT;
	char *src, *dst = NULL, *cc_copy;
	const char **argv;
	size_t nflags = 0, i = 0;
	int fd, err, status = 0;

	*obj = NULL;
	*objlen = 0;
	if (!cc) {
		diag_err(d, NULL, "clang not found");
		diag_hint(d, "%s", clang_problem());
		return -ENOENT;
	}
	cc_copy = xstrdup(cc);
	src = xasprintf("%s/.tmp-XXXXXX" CACHE_SRC_SUFFIX, workdir);
	fd = mkostemps(src, strlen(CACHE_SRC_SUFFIX), O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		diag_err(d, NULL, "cannot create a temporary file in %s: %s",
			 workdir, strerror(-err));
		goto out;
	}
	err = file_write_all(fd, source, len);
	if (close(fd) && !err)
		err = -errno;
	if (err) {
		diag_err(d, NULL, "cannot write %s: %s", src, strerror(-err));
		goto out;
	}
	/* The .bpf.c name is unique (O_EXCL), so its sibling .bpf.o is ours. */
	dst = xstrdup(src);
	strcpy(dst + strlen(dst) - strlen(CACHE_OBJ_SUFFIX), CACHE_OBJ_SUFFIX);

	while (clang_flags[nflags])
		nflags++;
	argv = xcalloc(nflags + 6, sizeof(*argv));
	argv[i++] = cc_copy;
	for (size_t j = 0; j < nflags; j++)
		argv[i++] = clang_flags[j];
	argv[i++] = "-c";
	argv[i++] = src;
	argv[i++] = "-o";
	argv[i++] = dst;
	argv[i] = NULL;
	strbuf_init(&out);
	err = run((char *const *)argv, &out, &status);
	free(argv);
	if (err) {
		diag_err(d, NULL, "cannot run %s: %s", cc_copy, strerror(-err));
		diag_hint(d, NOT_FOUND_HINT);
		goto out;
	}
	report(d, out.buf, out.len, src, status);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		err = WIFSIGNALED(status) ? -ECANCELED : -EINVAL;
		goto out;
	}
	err = file_read(dst, obj, objlen);
	if (!err && (*objlen < 4 || memcmp(*obj, "\177ELF", 4)))
		err = -EBADMSG;
	if (err) {
		free(*obj);
		*obj = NULL;
		*objlen = 0;
		diag_err(d, NULL, "clang exited 0 but left no object in %s: %s",
			 dst, strerror(-err));
	}
out:
	unlink(src);
	if (dst)
		unlink(dst);
	strbuf_release(&out);
	free(dst);
	free(src);
	free(cc_copy);
	return err;
}
