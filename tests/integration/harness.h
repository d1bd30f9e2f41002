/*
 * harness.h: what every integration test needs to drive the real
 * `recipe` binary and the rcp-wl workload on the running kernel.
 *
 * - Processes: hproc_spawn() starts an argv directly (posix_spawnp, never
 *   a shell) in its own process group, with stdout and stderr captured
 *   into strbufs and an optional stdin pipe; hproc_wait() drains both
 *   pipes until the process exits or a deadline passes, and then kills
 *   the whole group so that a hung tracer cannot hang the suite.
 * - Reports: small parsers over bpftrace's text layout (`@map[key]: N`,
 *   histogram header then `[lo, hi)  N |@@@|` bucket lines).
 * - BPF state: which programs named rcp_* are loaded now, to prove that
 *   a run leaves nothing attached behind it.
 * - Paths: RECIPE_BIN, RECIPE_WORKLOAD and RECIPE_SRCDIR (set by `make
 *   integration`), made absolute once so a test may chdir.
 *
 * The code is in harness.c, compiled once and linked into every
 * integration test; this header is the contract. It also brings in the
 * headers the tests use with it (cmocka, libbpf, POSIX).
 */
#ifndef RECIPE_TESTS_HARNESS_H
#define RECIPE_TESTS_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "util/strbuf.h"

extern char **environ;

/* Deadlines generous enough for a cold clang compile on a slow CI box. */
#define HARNESS_RUN_TIMEOUT_MS		120000
#define HARNESS_ATTACH_TIMEOUT_MS	120000

/* ---- paths ------------------------------------------------------- */

struct harness_paths {
	char recipe[PATH_MAX];
	char workload[PATH_MAX];
	char srcdir[PATH_MAX];
};

/* Filled by harness_init_paths() (HARNESS_REQUIRE_ROOT does it). */
extern struct harness_paths harness_paths;

/*
 * $env (or fallback when unset or empty) made absolute into dst, which
 * holds PATH_MAX; -errno when it does not exist (dst then holds it as
 * given, for the message).
 */
int harness_resolve(char *dst, const char *env, const char *fallback);

/*
 * Resolve the three paths; returns 0, or -errno naming the first that
 * does not exist (the test then fails with that message: a missing
 * binary is a build problem, not a reason to skip).
 */
int harness_init_paths(const char **missing);

/*
 * Call first in every test.  Skips (with the reason printed) when not
 * root; fails when the binaries are missing.
 */
#define HARNESS_REQUIRE_ROOT() do {						\
	const char *missing_;							\
	if (geteuid() != 0) {							\
		print_message("integration: needs root, skipping\n");		\
		skip();								\
	}									\
	if (harness_init_paths(&missing_))					\
		fail_msg("integration: %s: %s", missing_, strerror(errno));	\
} while (0)

/* ---- processes --------------------------------------------------- */

struct hproc {
	pid_t pid;
	int in_fd;		/* write end of the child's stdin, or -1 */
	int out_fd;		/* read ends, -1 once at EOF */
	int err_fd;
	struct strbuf out;
	struct strbuf err;
	int status;		/* wait(2) status, valid once reaped */
	int reaped;
	char *cmdline;		/* for failure messages */
};

/* Keep our pipe ends off 0-2 in case the test itself was started without them. */
int harness_high_fd(int fd);

/* pipe2(O_CLOEXEC) with both ends above fd 2; 0 or -errno. */
int harness_pipe(int fds[2]);

/*
 * Start argv[0] (looked up in PATH if it has no slash) with stdout and
 * stderr captured.  with_stdin gives the child a pipe as stdin, written
 * with hproc_write_stdin(); otherwise its stdin is /dev/null.  The child
 * leads a new process group, so hproc_wait() can kill everything it
 * started (a recipe's -c command included).  Returns 0 or -errno.
 */
int hproc_spawn(struct hproc *p, char *const argv[], int with_stdin);

/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long long harness_now_ms(void);

/* Read whatever is ready on fd into sb; closes and clears fd at EOF. */
void harness_drain(int *fd, struct strbuf *sb);

/*
 * One round of I/O: wait up to timeout_ms for output on either pipe,
 * collect it, and reap the child if it has exited.
 */
void hproc_pump(struct hproc *p, int timeout_ms);

/* Shell-style exit code: 0-255 for exit(), 128 + N for signal N. */
int hproc_exit_code(const struct hproc *p);

/*
 * Wait for exit and EOF on both pipes, up to timeout_ms.  Returns the
 * exit code, or -ETIMEDOUT after killing the process group (SIGKILL) and
 * reaping the child.  A grandchild that keeps the pipes open past the
 * child's exit does not hold us beyond the deadline either.
 */
int hproc_wait(struct hproc *p, int timeout_ms);

/*
 * Wait until stderr (which = 2) or stdout (which = 1) contains needle.
 * Returns 0 when found, -ESRCH if the process exited without printing it,
 * -ETIMEDOUT when the deadline passes (the process is left running: the
 * caller decides, usually hproc_wait() with a short timeout to kill it).
 */
int hproc_wait_for(struct hproc *p, int which, const char *needle,
		   int timeout_ms);

/*
 * Pump until stream `which` holds at least n complete lines: 0, or
 * -ETIMEDOUT, or -ESRCH when the child ended first.
 */
int hproc_wait_lines(struct hproc *p, int which, int n, int timeout_ms);

/* Complete lines in s. */
int harness_count_lines(const char *s);

/* kill(2) the child (not its group); -ESRCH once it is reaped. */
int hproc_signal(struct hproc *p, int sig);

/* Write s to the child's stdin and close it. */
int hproc_write_stdin(struct hproc *p, const char *s);

/*
 * Kills a still-running child's group and releases the buffers; a no-op
 * for a zeroed or already freed hproc, so a test's teardown can free
 * every hproc whatever point a failed assertion left it at.
 */
void hproc_free(struct hproc *p);

/* Spawn and wait: returns the exit code, -ETIMEDOUT, or -errno from spawn. */
int hproc_run(struct hproc *p, char *const argv[], int timeout_ms);

/* Print the command and everything it printed, before a failure. */
void hproc_dump(const struct hproc *p);

/* Assertions that show the process's output when they fail. */
#define HASSERT(p, cond) do {							\
	if (!(cond)) {								\
		hproc_dump(p);							\
		fail_msg("%s", #cond);						\
	}									\
} while (0)

#define HASSERT_EQ(p, actual, expected) do {					\
	long long a_ = (actual), e_ = (expected);				\
	if (a_ != e_) {								\
		hproc_dump(p);							\
		fail_msg("%s is %lld, expected %lld", #actual, a_, e_);		\
	}									\
} while (0)

#define HASSERT_GE(p, actual, minimum) do {					\
	long long a_ = (actual), m_ = (minimum);				\
	if (a_ < m_) {								\
		hproc_dump(p);							\
		fail_msg("%s is %lld, expected >= %lld", #actual, a_, m_);	\
	}									\
} while (0)

/* ---- report parsing (bpftrace text layout) ----------------------- */

/* Start of the line after the one containing s (or NULL at the end). */
const char *report_next_line(const char *s);

/* Parse the integer at s (after optional blanks); -1 if there is none. */
long long report_number(const char *s);

/*
 * The value on the first line that begins with key_line_prefix, e.g.
 * "@[9]: " or "@bytes[W]: "; -1 if there is no such line.
 */
long long report_scalar(const char *out, const char *key_line_prefix);

/*
 * Visit every `@map[KEY]: VALUE` line of map (e.g. "@bytes" or "@")
 * whose KEY contains key_substr.  Returns how many matched and, through
 * max and sum, their largest value and their total.
 */
int report_keys_where(const char *out, const char *map,
		      const char *key_substr,
		      long long *max, long long *sum);

/* Largest value of a key of map containing key_substr; -1 if none. */
long long report_max_where(const char *out, const char *map,
			   const char *key_substr);

/*
 * How many `@map[KEY]:` lines repeat an earlier one: a map prints each
 * key once, so two lines alike mean two keys that differ in bytes the
 * report does not show (junk after a string's NUL).
 */
int report_repeated_keys(const char *out);

/*
 * Find a histogram's header line (exactly map_header, e.g. "@:" or
 * "@bytes[W]:") and return the first bucket line under it, or NULL.
 */
const char *report_hist_body(const char *out, const char *map_header);

/* A bucket line starts with '[' or '(' ("(..., 0)" in lhist). */
int report_is_bucket(const char *l);

/* The bucket label's end: the closing ']' or ')' of "[lo, hi)" / "[n]". */
const char *report_label_end(const char *l);

/*
 * The count of bucket label (e.g. "[4K, 8K)") in the histogram under
 * map_header; -1 if the header or the bucket is absent.
 */
long long report_bucket(const char *out, const char *map_header,
			const char *label);

/*
 * Sum of all bucket counts in the histogram under map_header; -1 if the
 * header is absent.  *nbuckets (if non-NULL) gets the number of lines.
 */
long long report_bucket_total(const char *out, const char *map_header,
			      int *nbuckets);

/*
 * Sum of the bucket counts from the row labelled label (e.g. "[8K, 16K)")
 * to the last: a latency's physical floor ("no 10 ms sleep took less
 * than 8 ms"), where the row it lands in would be a timing assertion.
 * 0 when no row has that label or later; -1 if the header is absent.
 */
long long report_buckets_from(const char *out, const char *map_header,
			      const char *label);

/*
 * The N of the report's "WARNING: N events missed" trailer: runs of the
 * recipe's programs the kernel skipped (docs/output.md); 0 without it.
 */
long long report_missed(const char *out);

/* ---- files --------------------------------------------------------- */

/* Remove a directory and the files in it (one level: a cache, a scratch dir). */
void harness_rm_dir(const char *path);

/* ---- loaded BPF programs ------------------------------------------ */

/* The highest BPF program id in use now (0 if none): a baseline. */
__u32 harness_bpf_max_prog_id(void);

/*
 * Count the loaded BPF programs whose name starts with "rcp_" and whose
 * id is above min_id (0: all of them), appending "id:name " for each to
 * names if non-NULL.  Passing a baseline taken before a run attributes
 * leftovers to that run rather than to whatever else is loaded.
 */
int harness_rcp_progs(__u32 min_id, struct strbuf *names);

/*
 * Like harness_rcp_progs(), but gives the kernel up to timeout_ms to
 * finish releasing programs of a process that has just exited.
 */
int harness_rcp_progs_settled(__u32 min_id, struct strbuf *names,
			      int timeout_ms);

/* Fail (cmocka) when an rcp_ program with an id above baseline is still loaded. */
void harness_assert_no_rcp_progs(__u32 baseline, const char *after);

/* ---- a case's processes and scratch files ------------------------- */

/* What the O_DIRECT writer (rcp-wl dio-write) writes in the block tests. */
#define DIO_BYTES	16777216
#define DIO_BYTES_STR	"16777216"

/*
 * Per-case state, freed by harness_teardown() even when an assertion
 * fails half-way, so that no recipe or workload outlives its case.
 * harness_setup() and harness_teardown() are cmocka fixtures for it.
 */
struct harness_fixture {
	struct hproc rec;
	struct hproc wl;
	char dir[PATH_MAX];	/* mkdtemp()ed under /var/tmp, or "" */
	char *file;		/* the O_DIRECT target inside dir */
};

int harness_setup(void **state);

int harness_teardown(void **state);

/* A file for O_DIRECT writes on a real block device (/tmp may be tmpfs). */
const char *harness_dio_file(struct harness_fixture *f);

/* tests/recipes/NAME.yaml, for cases that run a test recipe (free it). */
char *harness_test_recipe(const char *name);

/* ---- running a recipe around a workload --------------------------- */

/*
 * `recipe run RECIPE -c "rcp-wl WL_ARGS" [extra1 [extra2]]` to its end:
 * the exit code, -ETIMEDOUT or -errno.
 */
int harness_run_with_workload(struct hproc *p, const char *recipe,
			      const char *wl_args, const char *extra1,
			      const char *extra2);

#endif
