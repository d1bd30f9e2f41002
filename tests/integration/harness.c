/*
 * harness.c: the integration tests' process, report and BPF-state
 * helpers; harness.h states what each one promises.
 */
#include "harness.h"

#include <dirent.h>

struct harness_paths harness_paths;

int harness_resolve(char *dst, const char *env, const char *fallback)
{
	const char *v = getenv(env);

	if (!v || !*v)
		v = fallback;
	if (!realpath(v, dst)) {
		snprintf(dst, PATH_MAX, "%s", v);
		return -errno;
	}
	return 0;
}

int harness_init_paths(const char **missing)
{
	int err;

	*missing = NULL;
	if ((err = harness_resolve(harness_paths.srcdir, "RECIPE_SRCDIR", "."))) {
		*missing = harness_paths.srcdir;
		return err;
	}
	if ((err = harness_resolve(harness_paths.recipe, "RECIPE_BIN", "build/recipe"))) {
		*missing = harness_paths.recipe;
		return err;
	}
	if ((err = harness_resolve(harness_paths.workload, "RECIPE_WORKLOAD",
				   "build/tests/rcp-wl"))) {
		*missing = harness_paths.workload;
		return err;
	}
	return 0;
}

int harness_high_fd(int fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

int harness_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	fds[0] = harness_high_fd(fds[0]);
	fds[1] = harness_high_fd(fds[1]);
	if (fds[0] < 0 || fds[1] < 0)
		return -EMFILE;
	return 0;
}

int hproc_spawn(struct hproc *p, char *const argv[], int with_stdin)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int in[2] = { -1, -1 }, out[2], err[2], rc, i;
	struct strbuf cmd = STRBUF_INIT;

	memset(p, 0, sizeof(*p));
	p->in_fd = p->out_fd = p->err_fd = -1;
	strbuf_init(&p->out);
	strbuf_init(&p->err);
	for (i = 0; argv[i]; i++)
		strbuf_addf(&cmd, "%s%s", i ? " " : "", argv[i]);
	p->cmdline = strbuf_detach(&cmd);

	if ((rc = harness_pipe(out)))
		return rc;
	if ((rc = harness_pipe(err)))
		return rc;
	if (with_stdin && (rc = harness_pipe(in)))
		return rc;

	posix_spawn_file_actions_init(&fa);
	if (with_stdin)
		posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);

	rc = posix_spawnp(&p->pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);

	close(out[1]);
	close(err[1]);
	if (with_stdin)
		close(in[0]);
	if (rc) {
		close(out[0]);
		close(err[0]);
		if (with_stdin)
			close(in[1]);
		p->pid = 0;
		return -rc;
	}
	p->out_fd = out[0];
	p->err_fd = err[0];
	p->in_fd = with_stdin ? in[1] : -1;
	return 0;
}

long long harness_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void harness_drain(int *fd, struct strbuf *sb)
{
	char buf[65536];
	ssize_t n;

	n = read(*fd, buf, sizeof(buf));
	if (n > 0) {
		strbuf_add(sb, buf, n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close(*fd);
		*fd = -1;
	}
}

void hproc_pump(struct hproc *p, int timeout_ms)
{
	struct pollfd pfd[2];
	int n = 0, i;

	if (p->out_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->out_fd, .events = POLLIN };
	if (p->err_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->err_fd, .events = POLLIN };
	/*
	 * Both pipes at EOF but the child alive (it closed them, or a
	 * grandchild holds them): poll() without fds just sleeps, in short
	 * slices so that the exit is noticed promptly.
	 */
	if (n == 0 && timeout_ms > 20)
		timeout_ms = 20;
	if (n > 0 && !p->reaped && timeout_ms > 50)
		timeout_ms = 50;
	if (poll(pfd, n, timeout_ms) > 0) {
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == p->out_fd)
				harness_drain(&p->out_fd, &p->out);
			else
				harness_drain(&p->err_fd, &p->err);
		}
	}
	if (!p->reaped && p->pid > 0 && waitpid(p->pid, &p->status, WNOHANG) == p->pid)
		p->reaped = 1;
}

int hproc_exit_code(const struct hproc *p)
{
	if (WIFEXITED(p->status))
		return WEXITSTATUS(p->status);
	if (WIFSIGNALED(p->status))
		return 128 + WTERMSIG(p->status);
	return -1;
}

int hproc_wait(struct hproc *p, int timeout_ms)
{
	long long deadline = harness_now_ms() + timeout_ms;

	while (!p->reaped || p->out_fd >= 0 || p->err_fd >= 0) {
		long long left = deadline - harness_now_ms();

		if (left <= 0) {
			if (p->reaped)
				break;
			kill(-p->pid, SIGKILL);
			while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
				;
			p->reaped = 1;
			hproc_pump(p, 0);
			return -ETIMEDOUT;
		}
		hproc_pump(p, left > INT_MAX ? INT_MAX : (int)left);
	}
	return hproc_exit_code(p);
}

/*
 * Pump until done(stream text, arg) holds for stream `which`: 0, or
 * -ESRCH when the child ended first, -ETIMEDOUT at the deadline.
 */
static int pump_until(struct hproc *p, int which, bool (*done)(const char *, const void *),
		      const void *arg, int timeout_ms)
{
	long long deadline = harness_now_ms() + timeout_ms;
	struct strbuf *sb = which == 1 ? &p->out : &p->err;
	int *fd = which == 1 ? &p->out_fd : &p->err_fd;

	for (;;) {
		long long left;

		if (done(strbuf_str(sb), arg))
			return 0;
		if (*fd < 0 && p->reaped)
			return -ESRCH;
		left = deadline - harness_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		hproc_pump(p, left > INT_MAX ? INT_MAX : (int)left);
	}
}

static bool contains(const char *text, const void *needle)
{
	return strstr(text, needle) != NULL;
}

int hproc_wait_for(struct hproc *p, int which, const char *needle,
		   int timeout_ms)
{
	return pump_until(p, which, contains, needle, timeout_ms);
}

int harness_count_lines(const char *s)
{
	int n = 0;

	for (; (s = strchr(s, '\n')); s++)
		n++;
	return n;
}

static bool has_lines(const char *text, const void *n)
{
	return harness_count_lines(text) >= *(const int *)n;
}

int hproc_wait_lines(struct hproc *p, int which, int n, int timeout_ms)
{
	return pump_until(p, which, has_lines, &n, timeout_ms);
}

int hproc_signal(struct hproc *p, int sig)
{
	if (p->reaped)
		return -ESRCH;
	return kill(p->pid, sig) ? -errno : 0;
}

int hproc_write_stdin(struct hproc *p, const char *s)
{
	size_t len = strlen(s);
	int rc = 0;

	if (p->in_fd < 0)
		return -EBADF;
	while (len) {
		ssize_t n = write(p->in_fd, s, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		s += n;
		len -= n;
	}
	close(p->in_fd);
	p->in_fd = -1;
	return rc;
}

void hproc_free(struct hproc *p)
{
	if (!p->cmdline)
		return;
	if (p->pid > 0 && !p->reaped) {
		kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
			;
		p->reaped = 1;
	}
	if (p->in_fd >= 0)
		close(p->in_fd);
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	p->in_fd = p->out_fd = p->err_fd = -1;
	strbuf_release(&p->out);
	strbuf_release(&p->err);
	free(p->cmdline);
	p->cmdline = NULL;
}

int hproc_run(struct hproc *p, char *const argv[], int timeout_ms)
{
	int rc = hproc_spawn(p, argv, 0);

	return rc ? rc : hproc_wait(p, timeout_ms);
}

/*
 * Straight to stdout: cmocka's print_message() formats into a 1 KiB
 * buffer, which cut the reports a failure most needs to show.
 */
void hproc_dump(const struct hproc *p)
{
	fflush(stdout);
	printf("---- command: %s\n", p->cmdline ? p->cmdline : "(none)");
	if (p->reaped)
		printf("---- exit code: %d\n", hproc_exit_code(p));
	printf("---- stdout:\n");
	fputs(strbuf_str(&p->out), stdout);
	printf("\n---- stderr:\n");
	fputs(strbuf_str(&p->err), stdout);
	printf("\n----\n");
	fflush(stdout);
}

const char *report_next_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? nl + 1 : NULL;
}

long long report_number(const char *s)
{
	char *end;
	long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno)
		return -1;
	return v;
}

long long report_scalar(const char *out, const char *key_line_prefix)
{
	size_t plen = strlen(key_line_prefix);
	const char *l;

	for (l = out; l && *l; l = report_next_line(l))
		if (!strncmp(l, key_line_prefix, plen))
			return report_number(l + plen);
	return -1;
}

int report_keys_where(const char *out, const char *map,
		      const char *key_substr,
		      long long *max, long long *sum)
{
	size_t mlen = strlen(map);
	const char *l;
	int n = 0;

	*max = -1;
	*sum = 0;
	for (l = out; l && *l; l = report_next_line(l)) {
		const char *key, *end, *eol;
		long long v;

		if (strncmp(l, map, mlen) || l[mlen] != '[')
			continue;
		key = l + mlen + 1;
		eol = strchr(key, '\n');
		if (!eol)
			eol = key + strlen(key);
		/* The last "]:" on the line: a key may itself contain ']'. */
		end = NULL;
		for (const char *c = key; c + 1 < eol; c++)
			if (c[0] == ']' && c[1] == ':')
				end = c;
		if (!end || !memmem(key, end - key, key_substr, strlen(key_substr)))
			continue;
		v = report_number(end + 2);
		if (v < 0)
			continue;
		n++;
		*sum += v;
		if (v > *max)
			*max = v;
	}
	return n;
}

long long report_max_where(const char *out, const char *map,
			   const char *key_substr)
{
	long long max, sum;

	return report_keys_where(out, map, key_substr, &max, &sum) ? max : -1;
}

long long report_missed(const char *out)
{
	static const char trailer[] = "WARNING: ";
	const char *l;

	for (l = out; l && *l; l = report_next_line(l))
		if (!strncmp(l, trailer, sizeof(trailer) - 1) &&
		    strstr(l, " events missed: ") &&
		    strstr(l, " events missed: ") < (strchr(l, '\n') ?: l + strlen(l)))
			return report_number(l + sizeof(trailer) - 1);
	return 0;
}

int report_repeated_keys(const char *out)
{
	int n = 0;

	for (const char *l = out; l && *l; l = report_next_line(l)) {
		const char *colon = strstr(l, "]: ");
		const char *eol = strchr(l, '\n');

		if (*l != '@' || !colon || (eol && colon > eol))
			continue;
		for (const char *m = out; m != l; m = report_next_line(m))
			if (!strncmp(m, l, (size_t)(colon - l) + 3))
				n++;
	}
	return n;
}

const char *report_hist_body(const char *out, const char *map_header)
{
	size_t hlen = strlen(map_header);
	const char *l;

	for (l = out; l && *l; l = report_next_line(l)) {
		const char *rest = l + hlen;

		if (strncmp(l, map_header, hlen))
			continue;
		while (*rest == ' ' || *rest == '\t' || *rest == '\r')
			rest++;
		if (*rest == '\n' || !*rest)
			return report_next_line(l);
	}
	return NULL;
}

int report_is_bucket(const char *l)
{
	return l && (*l == '[' || *l == '(');
}

const char *report_label_end(const char *l)
{
	const char *c;

	for (c = l + 1; *c && *c != '\n'; c++)
		if (*c == ']' || *c == ')')
			return c + 1;
	return NULL;
}

long long report_bucket(const char *out, const char *map_header,
			const char *label)
{
	const char *l = report_hist_body(out, map_header);
	size_t len = strlen(label);

	for (; report_is_bucket(l); l = report_next_line(l)) {
		const char *end = report_label_end(l);

		if (end && (size_t)(end - l) == len && !strncmp(l, label, len))
			return report_number(end);
	}
	return -1;
}

long long report_bucket_total(const char *out, const char *map_header,
			      int *nbuckets)
{
	const char *l = report_hist_body(out, map_header);
	long long total = 0;
	int n = 0;

	if (nbuckets)
		*nbuckets = 0;
	if (!l)
		return -1;
	for (; report_is_bucket(l); l = report_next_line(l)) {
		const char *end = report_label_end(l);
		long long v = end ? report_number(end) : -1;

		if (v >= 0) {
			total += v;
			n++;
		}
	}
	if (nbuckets)
		*nbuckets = n;
	return total;
}

long long report_buckets_from(const char *out, const char *map_header,
			      const char *label)
{
	const char *l = report_hist_body(out, map_header);
	size_t len = strlen(label);
	long long total = 0;
	bool counting = false;

	if (!l)
		return -1;
	for (; report_is_bucket(l); l = report_next_line(l)) {
		const char *end = report_label_end(l);
		long long v = end ? report_number(end) : -1;

		counting = counting || !strncmp(l, label, len);
		if (counting && v >= 0)
			total += v;
	}
	return total;
}

void harness_rm_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;

	while (dir && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(dir), e->d_name, 0);
	if (dir)
		closedir(dir);
	rmdir(path);
}

__u32 harness_bpf_max_prog_id(void)
{
	__u32 id = 0, next;

	while (!bpf_prog_get_next_id(id, &next))
		id = next;
	return id;
}

int harness_rcp_progs(__u32 min_id, struct strbuf *names)
{
	__u32 id = min_id, next;
	int n = 0;

	while (!bpf_prog_get_next_id(id, &next)) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd;

		id = next;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* unloaded meanwhile */
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strncmp(info.name, "rcp_", 4)) {
			n++;
			if (names)
				strbuf_addf(names, "%u:%s ", info.id, info.name);
		}
		close(fd);
	}
	return n;
}

int harness_rcp_progs_settled(__u32 min_id, struct strbuf *names,
			      int timeout_ms)
{
	long long deadline = harness_now_ms() + timeout_ms;
	int n;

	for (;;) {
		n = harness_rcp_progs(min_id, NULL);
		if (!n || harness_now_ms() >= deadline)
			break;
		usleep(20000);
	}
	return n ? harness_rcp_progs(min_id, names) : 0;
}

void harness_assert_no_rcp_progs(__u32 baseline, const char *after)
{
	struct strbuf names = STRBUF_INIT;
	int n = harness_rcp_progs_settled(baseline, &names, 1000);

	if (n)
		fail_msg("%d rcp_ BPF program(s) still loaded after %s: %s",
			 n, after, strbuf_str(&names));
	strbuf_release(&names);
}

int harness_setup(void **state)
{
	*state = xcalloc(1, sizeof(struct harness_fixture));
	return 0;
}

int harness_teardown(void **state)
{
	struct harness_fixture *f = *state;

	hproc_free(&f->rec);
	hproc_free(&f->wl);
	if (f->file) {
		unlink(f->file);
		free(f->file);
	}
	if (*f->dir)
		rmdir(f->dir);
	free(f);
	return 0;
}

const char *harness_dio_file(struct harness_fixture *f)
{
	snprintf(f->dir, sizeof(f->dir), "/var/tmp/rcp-it.XXXXXX");
	if (!mkdtemp(f->dir)) {
		*f->dir = '\0';
		fail_msg("mkdtemp /var/tmp/rcp-it.XXXXXX: %s", strerror(errno));
	}
	f->file = xasprintf("%s/dio.bin", f->dir);
	return f->file;
}

char *harness_test_recipe(const char *name)
{
	return xasprintf("%s/tests/recipes/%s.yaml", harness_paths.srcdir, name);
}

int harness_run_with_workload(struct hproc *p, const char *recipe,
			      const char *wl_args, const char *extra1,
			      const char *extra2)
{
	char *cmd = xasprintf("%s %s", harness_paths.workload, wl_args);
	char *argv[] = { harness_paths.recipe, "run", (char *)recipe, "-c", cmd,
			 (char *)extra1, (char *)extra2, NULL };
	int rc = hproc_run(p, argv, HARNESS_RUN_TIMEOUT_MS);

	free(cmd);
	return rc;
}
