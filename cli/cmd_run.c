/*
 * recipe run: load, attach, wait, report. The waiting is one poll()
 * over a signalfd (SIGINT, SIGTERM, SIGCHLD of the -c command) and a
 * timerfd (duration and interval), so every way of ending takes the
 * same path: stop the events, read, print, then release.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "compile/object.h"
#include "report/format.h"
#include "report/report.h"
#include "run/session.h"
#include "util/strbuf.h"

#define MAX_PARAMS 32

struct run_opts {
	const char *recipe;
	double duration;
	bool has_duration;	/* false: until Ctrl-C */
	double interval;	/* 0: none */
	const char *params[MAX_PARAMS];
	unsigned nparams;
	pid_t pid;
	const char *comm;
	unsigned max_probes;	/* 0: the recipe's, else 512 */
	const char *output;	/* -o FILE, or NULL for stdout */
	const char *cmd;
	const struct report_format *format;
};

/*
 * The -c command: forked before the plan (its pid is the filter), held
 * on a pipe until every probe is attached, then exec'd. A second,
 * close-on-exec pipe tells us whether the exec worked: it reads EOF on
 * success and the exec's errno on failure.
 */
struct child {
	pid_t pid;
	int go_fd;		/* write a byte to let it exec */
	int exec_fd;		/* EOF once exec'd, or the exec's errno */
	char *argv0;
	int status;
	bool exited;
	sigset_t child_mask;	/* the signal mask the command starts with */
};

#define CHILD_TERM_GRACE_MS 2000

static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v) || v < 0 || v > 1e7)
		return false;
	*out = v;
	return true;
}

/*
 * Split a -c command into words, honouring '...' and "..." quotes and
 * backslash escapes, as a shell would for a simple command: no
 * expansion, no redirection. The command is exec'd directly.
 */
static char **split_words(const char *s, struct diag_list *d)
{
	char **words = NULL;
	size_t n = 0;

	for (;;) {
		struct strbuf w = STRBUF_INIT;
		char quote = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		strbuf_init(&w);
		for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
			if (quote && *s == quote)
				quote = 0;
			else if (!quote && (*s == '\'' || *s == '"'))
				quote = *s;
			else if (*s == '\\' && s[1] && quote != '\'')
				strbuf_addch(&w, *++s);
			else
				strbuf_addch(&w, *s);
		}
		if (quote) {
			strbuf_release(&w);
			diag_err(d, NULL, "-c: unterminated %c quote", quote);
			break;
		}
		words = xrealloc(words, (n + 2) * sizeof(*words));
		words[n++] = strbuf_detach(&w);
		words[n] = NULL;
	}
	if (!diag_ok(d) || !n) {
		if (diag_ok(d))
			diag_err(d, NULL, "-c: empty command");
		for (size_t i = 0; i < n; i++)
			free(words[i]);
		free(words);
		return NULL;
	}
	return words;
}

static void free_words(char **words)
{
	for (char **w = words; *w; w++)
		free(*w);
	free(words);
}

static void child_exec(char **argv, int go, int report, const sigset_t *mask)
{
	char byte;
	ssize_t got;
	int err;

	do
		got = read(go, &byte, 1);
	while (got < 0 && errno == EINTR);
	if (got != 1)
		_exit(127);	/* the tracer gave up before attaching */
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(argv[0], argv);
	err = errno;
	if (write(report, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

static int child_start(const char *cmd, struct child *c, struct diag_list *d)
{
	char **argv = split_words(cmd, d);
	int go[2], report[2];

	if (!argv)
		return -EINVAL;
	if (pipe2(go, O_CLOEXEC) || pipe2(report, O_CLOEXEC)) {
		free_words(argv);
		return diag_err(d, NULL, "-c: pipe: %s", strerror(errno));
	}
	c->pid = fork();
	if (c->pid == 0) {
		close(go[1]);
		close(report[0]);
		child_exec(argv, go[0], report[1], &c->child_mask);
	}
	close(go[0]);
	close(report[1]);
	c->argv0 = xstrdup(argv[0]);
	free_words(argv);
	if (c->pid < 0) {
		close(go[1]);
		close(report[0]);
		return diag_err(d, NULL, "-c: fork: %s", strerror(errno));
	}
	c->go_fd = go[1];
	c->exec_fd = report[0];
	return 0;
}

/*
 * Wait (a second at most) until the command is parked in its read of
 * the go pipe, as /proc/PID/syscall shows it, before anything attaches:
 * a child the scheduler has not run yet would otherwise enter that read
 * after the probes are attached, and a recipe on read(2) would count a
 * read the command never made. (Its return, when released, is seen, as
 * under bpftrace -c.)
 */
static void child_wait_parked(const struct child *c)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)c->pid);
	for (int waited_ms = 0; waited_ms < 1000; waited_ms++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n <= 0)
			return;		/* no such file here, or the child is gone */
		buf[n] = '\0';
		if (strtol(buf, NULL, 10) == SYS_read && buf[0] != 'r')
			return;		/* "0 0x..." : blocked in read(2), not "running" */
		usleep(1000);
	}
}

/* Let the command exec; fails when it could not be run. */
static int child_release(struct child *c, struct diag_list *d)
{
	int err = 0;
	ssize_t got;

	if (write(c->go_fd, "g", 1) != 1)
		err = errno;
	close(c->go_fd);
	c->go_fd = -1;
	do
		got = read(c->exec_fd, &err, sizeof(err));
	while (got < 0 && errno == EINTR);
	close(c->exec_fd);
	c->exec_fd = -1;
	if (got <= 0 && !err)
		return 0;
	diag_err(d, NULL, "-c: cannot run '%s': %s", c->argv0, strerror(err));
	if (err == ENOENT)
		diag_hint(d, "give a path, or a command in PATH");
	return -err;
}

/*
 * Stop the command if it is still running: SIGTERM, a grace period,
 * then SIGKILL, so a command that ignores signals cannot hang us.
 */
static void child_abandon(struct child *c)
{
	if (c->pid <= 0)
		return;
	if (c->go_fd >= 0)
		close(c->go_fd);	/* it exits without running the command */
	if (c->exec_fd >= 0)
		close(c->exec_fd);
	if (!c->exited) {
		int waited = 0;

		kill(c->pid, SIGTERM);
		while (waitpid(c->pid, &c->status, WNOHANG) == 0) {
			if (waited >= CHILD_TERM_GRACE_MS) {
				kill(c->pid, SIGKILL);
				waitpid(c->pid, &c->status, 0);
				break;
			}
			usleep(10000);
			waited += 10;
		}
		c->exited = true;
	}
	free(c->argv0);
	c->argv0 = NULL;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "param", required_argument, NULL, 'p' },
		{ "pid", required_argument, NULL, 'P' },
		{ "comm", required_argument, NULL, 'C' },
		{ "cmd", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "max-probes", required_argument, NULL, 'M' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	opterr = 0;
	o->format = &report_formats[0];
	while ((opt = getopt_long(argc, argv, "d:i:p:c:f:o:h", longopts, NULL)) != -1) {
		long v;

		switch (opt) {
		case 'd':
			if (!parse_seconds(optarg, &o->duration))
				return cli_usage_error("run", "--duration '%s': expected seconds", optarg);
			o->has_duration = true;
			break;
		case 'i':
			if (!parse_seconds(optarg, &o->interval) || o->interval < 0.001)
				return cli_usage_error("run", "--interval '%s': expected seconds > 0", optarg);
			break;
		case 'p':
			if (o->nparams == MAX_PARAMS)
				return cli_usage_error("run", "more than %d --param", MAX_PARAMS);
			o->params[o->nparams++] = optarg;
			break;
		case 'P':
			if (!cli_parse_count(optarg, 1, 0x7fffffff, &v))
				return cli_usage_error("run", "--pid '%s': expected a process id", optarg);
			o->pid = (pid_t)v;
			break;
		case 'C':
			o->comm = optarg;
			break;
		case 'M':
			if (!cli_parse_count(optarg, 1, 0x7fffffff, &v))
				return cli_usage_error("run", "--max-probes '%s': expected a count of attach points",
						       optarg);
			o->max_probes = (unsigned)v;
			break;
		case 'c':
			o->cmd = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'f':
			o->format = report_format_find(optarg);
			if (!o->format)
				return cli_usage_error("run", "--format '%s': expected one of %s", optarg,
						       report_format_names());
			break;
		case 'h':
			cli_usage("run", stdout);
			return -1;
		default:
			return cli_usage_error("run", "unknown option or missing argument: %s",
					       argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("run", optind >= argc ? "which recipe? (recipe list shows them)"
							       : "one recipe at a time");
	if (o->pid && o->cmd)
		return cli_usage_error("run", "--pid and -c both choose the process: use one");
	o->recipe = argv[optind];
	return 0;
}

/*
 * A print recipe's event: a line, as its format says, or a JSON object.
 * The first failed write is kept (a reader that went away: -EPIPE) and
 * ends the run; the events after it are not written.
 */
struct event_sink {
	const struct plan *plan;
	const struct report_format *format;
	int err;
};

static void print_event(void *ctx, const struct report_key_part *parts, unsigned n)
{
	struct event_sink *es = ctx;

	if (es->err)
		return;
	errno = 0;
	es->format->print_event(es->plan->print, parts, n, stdout);
	if (ferror(stdout))
		es->err = errno ? -errno : -EIO;
}

/*
 * Whether stdout is a pipe or socket whose reader has gone: poll()
 * reports POLLERR or POLLHUP for it even when asked for no events, and
 * nothing for a terminal or a file.
 */
static bool stdout_closed(const struct pollfd *pfd)
{
	return pfd->revents & (POLLERR | POLLHUP);
}

/*
 * -o FILE: the report and the events go to FILE, created (0644 less the
 * umask) or truncated; the -c command's own output stays where it was
 * (it was forked before). Running as root, recipe writes through no
 * symbolic link and to nothing but a regular file: a link planted in a
 * shared directory cannot make it clobber another file.
 */
static int output_to(const char *path, struct diag_list *d)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
	struct stat st;

	if (fd < 0) {
		diag_err(d, NULL, "-o %s: %s", path, strerror(errno));
		if (errno == ELOOP)
			diag_hint(d, "it is a symbolic link: recipe runs as root and writes through none; "
				  "name the file itself");
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		diag_err(d, NULL, "-o %s: not a regular file", path);
		diag_hint(d, "-o writes a file; a pipe or a device is stdout's job: recipe run ... | CMD");
		return -EINVAL;
	}
	fcntl(fd, F_SETFL, 0);
	fflush(stdout);
	if (dup2(fd, STDOUT_FILENO) < 0) {
		int err = -errno;

		close(fd);
		return diag_err(d, NULL, "-o %s: %s", path, strerror(-err)), err;
	}
	close(fd);
	return 0;
}

/* Whether the recipe's output has a place in the format; an error naming what would if not. */
static int format_fits(const struct plan *p, const struct report_format *f, struct diag_list *d)
{
	if (p->print && !f->print_event) {
		diag_err(d, NULL, "--format %s writes maps, and %s prints a line per event",
			 f->name, p->name);
		diag_hint(d, "use --format text or --format json for a print recipe");
		return -EINVAL;
	}
	if (!p->print && f->scalar_maps_only && p->agg->shape != RS_SCALAR) {
		diag_err(d, NULL, "--format %s needs one number per key (count, sum, min, max), "
			 "and %s makes a %s map", f->name, p->name, p->agg->name);
		diag_hint(d, "use --format text or --format json for it");
		return -EINVAL;
	}
	return 0;
}

/* With --interval, each report (the last one too) is stamped HH:MM:SS. */
static int print_report(struct session *s, const struct run_opts *o, bool clear,
			struct diag_list *d)
{
	struct report *r;
	int err = session_snapshot(s, clear, &r, d);

	if (err)
		return err;
	report_sort(r);
	if (o->interval && o->format->for_people) {
		time_t t = time(NULL);
		char stamp[16];

		strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&t));
		printf("%s\n", stamp);
	}
	err = o->format->print_report(r, stdout);
	report_free(r);
	fflush(stdout);
	return err;
}

static int timer_new(double seconds, double every)
{
	struct itimerspec its = {
		.it_value = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) },
		.it_interval = { (time_t)every, (long)((every - (time_t)every) * 1e9) },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;	/* --duration 0: stop at once */
	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Wait until the duration ends, SIGINT or SIGTERM comes, or the -c
 * command exits; print (and clear) the report at every interval tick.
 */
static int trace_loop(struct session *s, const struct run_opts *o,
		      struct child *c, struct event_sink *sink, struct diag_list *d)
{
	enum { SIGNALS, DURATION, INTERVAL, EVENTS, OUTPUT, NFDS };
	struct pollfd fds[NFDS] = {
		[SIGNALS] = { .fd = -1, .events = POLLIN },
		[DURATION] = { .fd = -1, .events = POLLIN },
		[INTERVAL] = { .fd = -1, .events = POLLIN },
		[EVENTS] = { .fd = session_event_fd(s), .events = POLLIN },
		[OUTPUT] = { .fd = STDOUT_FILENO, .events = 0 },
	};
	sigset_t mask;
	int err = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	fds[SIGNALS].fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (o->has_duration)
		fds[DURATION].fd = timer_new(o->duration, 0);
	if (o->interval)
		fds[INTERVAL].fd = timer_new(o->interval, o->interval);
	if (fds[SIGNALS].fd < 0 || (o->has_duration && fds[DURATION].fd < 0) ||
	    (o->interval && fds[INTERVAL].fd < 0)) {
		err = diag_err(d, NULL, "cannot set up signals and timers: %s", strerror(errno));
		goto out;
	}
	while (!(c->pid > 0 && c->exited)) {
		struct signalfd_siginfo si;
		uint64_t ticks;

		if (poll(fds, NFDS, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = diag_err(d, NULL, "poll: %s", strerror(errno));
			break;
		}
		if (fds[EVENTS].revents)
			session_poll_events(s);
		if (sink->err) {
			err = sink->err;
			break;
		}
		if (stdout_closed(&fds[OUTPUT])) {
			err = -EPIPE;
			break;
		}
		if (fds[DURATION].revents)
			break;
		if (fds[SIGNALS].revents && read(fds[SIGNALS].fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGCHLD)
				break;
			if (c->pid > 0 && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
				c->exited = true;
		}
		if (fds[INTERVAL].revents &&
		    read(fds[INTERVAL].fd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
			err = print_report(s, o, true, d);
			if (err)
				break;
		}
	}
out:
	for (int i = 0; i < EVENTS; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	return err;
}

/* A Ctrl-C during the compile must not turn into a run. */
static bool interrupted(void)
{
	sigset_t pending;

	sigpending(&pending);
	return sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct diag_list d = DIAG_LIST_INIT;
	struct child c = { .pid = 0, .go_fd = -1, .exec_fd = -1 };
	struct recipe_file *rf = NULL;
	struct plan *p = NULL;
	struct object obj = { 0 };
	struct session *s = NULL;
	struct plan_opts popts;
	struct event_sink sink;
	size_t attached;	/* points that took a probe: a pattern's refused ones are skipped */
	sigset_t mask;
	int ret = parse_opts(argc, argv, &o);

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	ret = cli_check_env("recipe run");
	if (ret)
		return ret;

	/* Signals are read from a signalfd; block them before any fork. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &c.child_mask);
	/* A reader that goes away must not kill us before the report. */
	signal(SIGPIPE, SIG_IGN);

	if (o.cmd && child_start(o.cmd, &c, &d))
		goto fail;
	if (o.output && output_to(o.output, &d))
		goto fail;
	popts = (struct plan_opts){
		.params = o.params, .nparams = o.nparams,
		.pid = c.pid > 0 ? c.pid : o.pid, .comm = o.comm,
		.max_probes = o.max_probes,
	};
	if (cli_load_plan(o.recipe, &popts, &rf, &p, &d) ||
	    format_fits(p, o.format, &d) ||
	    object_build(p, &obj, &d) ||
	    session_load(p, obj.data, obj.len, &s, &d))
		goto fail;
	if (interrupted()) {
		diag_err(&d, NULL, "interrupted before tracing began");
		goto fail;
	}
	sink = (struct event_sink){ .plan = p, .format = o.format };
	if (p->print) {
		/* lines as they come, even into a pipe */
		setvbuf(stdout, NULL, _IOLBF, 0);
		session_set_event_sink(s, print_event, &sink);
	}
	if (c.pid > 0)
		child_wait_parked(&c);
	if (session_attach(s, &d))
		goto fail;
	object_release(&obj);

	attached = p->npoints - session_skipped(s);
	fprintf(stderr, "Attached %zu probe%s (%s). ", attached, attached == 1 ? "" : "s", p->name);
	if (o.cmd)
		fprintf(stderr, "Tracing until the command exits, Ctrl-C to end.\n");
	else if (o.has_duration)
		fprintf(stderr, "Tracing for %g s, Ctrl-C to end.\n", o.duration);
	else
		fprintf(stderr, "Tracing, Ctrl-C to end.\n");
	if (o.format->print_attached)
		o.format->print_attached(attached, stdout);
	if (p->print_header && o.format->for_people)
		fputs(p->print_header, stdout);
	if (c.pid > 0 && child_release(&c, &d))
		goto fail;
	if (c.pid > 0)
		session_note_process(s, c.pid);	/* it may end before its first stack is read */
	ret = trace_loop(s, &o, &c, &sink, &d);
	session_stop(s);
	if (!ret)
		ret = print_report(s, &o, false, &d);
	if (!ret && sink.err)
		ret = sink.err;	/* an event the final drain could not write */
	child_abandon(&c);
	session_close(s, true);
	plan_free(p);
	recipe_file_free(rf);
	if (ret && ret != -EPIPE && diag_ok(&d))
		diag_err(&d, NULL, "writing the output failed: %s", strerror(-ret));
	diag_print(&d, stderr);
	diag_list_release(&d);
	if (ret == -EPIPE)
		return EXIT_PIPE;	/* detached, and no report: nobody reads it */
	return ret ? EXIT_FAILED : EXIT_OK;

fail:
	child_abandon(&c);
	session_close(s, true);
	object_release(&obj);
	plan_free(p);
	recipe_file_free(rf);
	diag_print(&d, stderr);
	diag_list_release(&d);
	return EXIT_FAILED;
}
