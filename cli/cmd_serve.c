/*
 * recipe serve: keep recipes attached and serve their maps as
 * Prometheus text on /metrics (libmicrohttpd, its own thread). A scrape
 * reads every map as it is (session_snapshot without clearing), so
 * counters only grow and two scrapers see the same values; the
 * exposition is engine/report/prom.c. The main thread waits on a
 * signalfd (SIGINT, SIGTERM end; SIGHUP loads the recipes again and,
 * when every one attached, swaps them in) and on the sessions' event fds
 * (user stacks to name), under the same lock as the scrapes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "compile/object.h"
#include "report/prom.h"
#include "report/report.h"
#include "run/session.h"
#include "util/strbuf.h"

#define DEFAULT_LISTEN "127.0.0.1:9435"
#define DEFAULT_MAX_KEYS 1000

struct serve_opts {
	const char *listen;
	size_t max_keys;
	char **recipes;
	int nrecipes;
};

/* One recipe, attached. */
struct served {
	struct recipe_file *rf;
	struct plan *p;
	struct session *s;
	char *recipe;		/* "cpu/syscalls-by-comm", or the file's stem */
	char **labels;		/* a label name per key part */
};

/* The recipes being served: every one attached, names unique. */
struct served_set {
	struct served *v;
	size_t n;
};

struct server {
	struct served_set set;	/* replaced (under lock) only by the main thread */
	size_t max_keys;
	pthread_mutex_t lock;	/* the set: a scrape against the main loop */
};

static int parse_opts(int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "max-keys", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "l:h", longopts, NULL)) != -1) {
		char *end;
		unsigned long long v;

		switch (opt) {
		case 'l':
			o->listen = optarg;
			break;
		case 'm':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-')
				return cli_usage_error("serve", "--max-keys '%s': expected a number (0: no limit)",
						       optarg);
			o->max_keys = (size_t)v;
			break;
		case 'h':
			cli_usage("serve", stdout);
			return -1;
		default:
			return cli_usage_error("serve", "unknown option or missing argument: %s",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("serve", "which recipes? (recipe list shows them)");
	o->recipes = argv + optind;
	o->nrecipes = argc - optind;
	return 0;
}

/* "127.0.0.1:9435", "[::1]:9435", "0.0.0.0:0" (0: any free port). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			struct diag_list *d)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *ai = NULL;
	const char *arg = s, *colon = strrchr(s, ':');
	char host[128], *end;
	unsigned long port;
	size_t hlen;
	int rc;

	if (!colon || colon == s || !colon[1])
		goto bad;
	hlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hlen < 3 || s[hlen - 1] != ']')
			goto bad;
		s++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port > 65535 || !isdigit((unsigned char)colon[1])) {
		diag_err(d, NULL, "--listen '%s': the port is 0 to 65535", arg);
		diag_hint(d, "an address and a port: 127.0.0.1:9435, [::1]:9435, 0.0.0.0:9435");
		return -EINVAL;
	}
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc || !ai) {
		diag_err(d, NULL, "--listen '%s': '%s' is no numeric IPv4 or IPv6 address", arg, host);
		diag_hint(d, "an address and a port: 127.0.0.1:9435, [::1]:9435, 0.0.0.0:9435");
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
bad:
	diag_err(d, NULL, "--listen '%s': expected ADDRESS:PORT", arg);
	diag_hint(d, "an address and a port: 127.0.0.1:9435, [::1]:9435, 0.0.0.0:9435");
	return -EINVAL;
}

/* The recipe label: its catalogue name, or a file's name without .yaml. */
static char *recipe_label(const struct recipe_file *rf)
{
	char *copy, *base, *dot, *out;

	if (rf->name)
		return xstrdup(rf->name);
	copy = xstrdup(rf->path);
	base = basename(copy);
	dot = strrchr(base, '.');
	if (dot && dot != base && !strcmp(dot, ".yaml"))
		*dot = '\0';
	out = xstrdup(base);
	free(copy);
	return out;
}

static int serve_one(const char *name, struct served *sv, struct diag_list *d)
{
	const struct plan_opts popts = { 0 };
	struct object obj = { 0 };
	int err;

	err = cli_load_plan(name, &popts, &sv->rf, &sv->p, d);
	if (err)
		return err;
	sv->recipe = recipe_label(sv->rf);
	if (sv->p->print) {
		diag_err(d, NULL, "%s prints a line per event and keeps no map to serve",
			 sv->recipe);
		diag_hint(d, "recipe run %s shows its lines", name);
		return -EINVAL;
	}
	sv->labels = prom_label_names(sv->rf->r->key, sv->p->nkeys);
	err = object_build(sv->p, &obj, d);
	if (!err)
		err = session_load(sv->p, obj.data, obj.len, &sv->s, d);
	if (!err)
		err = session_attach(sv->s, d);
	object_release(&obj);
	return err;
}

static void served_release(struct served *sv)
{
	if (sv->s) {
		session_stop(sv->s);
		session_close(sv->s, true);
	}
	if (sv->p)
		prom_labels_free(sv->labels, sv->p->nkeys);
	plan_free(sv->p);
	recipe_file_free(sv->rf);
	free(sv->recipe);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The exposition of every recipe, into *body (malloc'd). On failure the
 * body is the diagnostics, and the status 500.
 */
static unsigned scrape(struct server *sv, char **body, size_t *len)
{
	struct diag_list d = DIAG_LIST_INIT;
	const struct served_set *set = &sv->set;
	struct prom_source *src;
	FILE *fp = open_memstream(body, len);
	unsigned status = MHD_HTTP_OK;
	double t0;
	size_t i, n;

	if (!fp) {
		*body = xasprintf("recipe serve: open_memstream: %s\n", strerror(errno));
		*len = strlen(*body);
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	pthread_mutex_lock(&sv->lock);
	n = set->n;
	src = xcalloc(n ? n : 1, sizeof(*src));
	t0 = now_seconds();
	for (i = 0; i < n; i++) {
		const struct served *one = &set->v[i];
		struct report *r;

		if (session_snapshot(one->s, false, &r, &d))
			break;
		report_sort(r);
		src[i] = (struct prom_source){
			.recipe = one->recipe,
			.help = one->rf->r->summary,
			.monotonic = one->p->agg->additive,
			.labels = one->labels,
			.max_keys = sv->max_keys,
			.report = r,
		};
	}
	if (i == n && report_print_prom(src, n, now_seconds() - t0, fp))
		diag_err(&d, NULL, "writing the exposition failed");
	pthread_mutex_unlock(&sv->lock);	/* src borrows the set's names */
	fclose(fp);
	if (!diag_ok(&d)) {
		/* the body says what failed; the log too, once */
		free(*body);
		fp = open_memstream(body, len);
		if (fp) {
			fprintf(fp, "recipe serve: scrape failed\n");
			diag_print(&d, fp);
			fclose(fp);
		} else {
			*body = xstrdup("recipe serve: scrape failed\n");
			*len = strlen(*body);
		}
		diag_print(&d, stderr);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	for (size_t j = 0; j < n; j++)
		report_free((struct report *)src[j].report);
	free(src);
	diag_list_release(&d);
	return status;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status,
			       const char *type, char *body, size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_size, void **con_cls)
{
	static const char text[] = "text/plain; charset=utf-8";
	struct server *sv = cls;
	char *body;
	size_t len;
	unsigned status;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text,
			       xstrdup("only GET and HEAD\n"), 16);
	if (!strcmp(url, "/metrics")) {
		status = scrape(sv, &body, &len);
		return respond(conn, status, status == MHD_HTTP_OK ? PROM_CONTENT_TYPE : text,
			       body, len);
	}
	if (!strcmp(url, "/healthz"))
		return respond(conn, MHD_HTTP_OK, text, xstrdup("ok\n"), 3);
	if (!strcmp(url, "/")) {
		body = xstrdup("recipe serve: /metrics (Prometheus text), /healthz\n");
		return respond(conn, MHD_HTTP_OK, text, body, strlen(body));
	}
	body = xstrdup("not found: /metrics or /healthz\n");
	return respond(conn, MHD_HTTP_NOT_FOUND, text, body, strlen(body));
}

static void http_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("recipe serve: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static struct MHD_Daemon *http_start(struct server *sv, const struct sockaddr_storage *ss,
				     struct diag_list *d)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *daemon;

	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, sv,
				  MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
				  MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
				  MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				  MHD_OPTION_END);
	if (!daemon)
		diag_err(d, NULL, "cannot serve on that address: %s",
			 errno ? strerror(errno) : "libmicrohttpd refused it");
	return daemon;
}

static void print_serving(const struct server *sv, struct MHD_Daemon *daemon,
			  const struct sockaddr_storage *ss)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	size_t npoints = 0;

	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host, sizeof(host));
	for (size_t i = 0; i < sv->set.n; i++)
		npoints += sv->set.v[i].p->npoints;
	fprintf(stderr, "Attached %zu probe%s (", npoints, npoints == 1 ? "" : "s");
	for (size_t i = 0; i < sv->set.n; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", sv->set.v[i].recipe);
	fprintf(stderr, "). Serving http://%s%s%s:%u/metrics, Ctrl-C or SIGTERM to end.\n",
		ss->ss_family == AF_INET6 ? "[" : "", host,
		ss->ss_family == AF_INET6 ? "]" : "", info ? info->port : 0);
}

static int check_unique(const struct served_set *set, struct diag_list *d);

/* Load and attach every recipe of o, or none (d says why). */
static int set_load(const struct serve_opts *o, struct served_set *set, struct diag_list *d)
{
	set->v = xcalloc((size_t)o->nrecipes, sizeof(*set->v));
	set->n = 0;
	for (int i = 0; i < o->nrecipes; i++) {
		int err;

		set->n++;
		err = serve_one(o->recipes[i], &set->v[i], d);
		if (err)
			return err;
	}
	return check_unique(set, d);
}

static void set_release(struct served_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		served_release(&set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

/*
 * SIGHUP: the recipes again, read anew (an edited file, an upgraded
 * catalogue). Only a set that attached completely replaces the one
 * served; its maps are new, so its counters start from 0 (a counter
 * reset to Prometheus). A failure keeps the old set.
 */
static void reload(struct server *sv, const struct serve_opts *o)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct served_set fresh = { 0 }, old;

	if (set_load(o, &fresh, &d)) {
		set_release(&fresh);
		diag_print(&d, stderr);
		fprintf(stderr, "recipe serve: SIGHUP: reload failed, still serving what was loaded before\n");
	} else {
		pthread_mutex_lock(&sv->lock);
		old = sv->set;
		sv->set = fresh;
		pthread_mutex_unlock(&sv->lock);
		set_release(&old);
		diag_print(&d, stderr);	/* warnings */
		fprintf(stderr, "recipe serve: SIGHUP: reloaded %zu recipe%s, counting from 0\n",
			sv->set.n, sv->set.n == 1 ? "" : "s");
	}
	diag_list_release(&d);
}

/* Until SIGINT or SIGTERM; user stacks named as they are announced. */
static int serve_loop(struct server *sv, const struct serve_opts *o, int sigfd,
		      struct diag_list *d)
{
	struct pollfd *fds = NULL;
	int err = 0;

	for (;;) {
		const struct served_set *set = &sv->set;	/* only this thread replaces it */
		struct signalfd_siginfo si;

		fds = xrealloc(fds, (set->n + 1) * sizeof(*fds));
		fds[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (size_t i = 0; i < set->n; i++)
			fds[i + 1] = (struct pollfd){ .fd = session_event_fd(set->v[i].s),
						      .events = POLLIN };
		if (poll(fds, set->n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = diag_err(d, NULL, "poll: %s", strerror(errno));
			break;
		}
		for (size_t i = 0; i < set->n; i++) {
			if (!fds[i + 1].revents)
				continue;
			pthread_mutex_lock(&sv->lock);
			session_poll_events(set->v[i].s);
			pthread_mutex_unlock(&sv->lock);
		}
		if (fds[0].revents && read(sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGHUP)
				break;
			reload(sv, o);
		}
	}
	free(fds);
	return err;
}

/* Two recipes whose names read the same in a metric name would make one family twice. */
static int check_unique(const struct served_set *set, struct diag_list *d)
{
	int err = 0;

	for (size_t i = 0; i < set->n && !err; i++) {
		char *a = prom_sanitize(set->v[i].recipe);

		for (size_t j = 0; j < i && !err; j++) {
			char *b = prom_sanitize(set->v[j].recipe);

			if (!strcmp(a, b) && !strcmp(set->v[i].p->map_name, set->v[j].p->map_name))
				err = !strcmp(set->v[i].recipe, set->v[j].recipe)
					? diag_err(d, NULL, "%s is served twice", set->v[i].recipe)
					: diag_err(d, NULL, "%s and %s would both be metric recipe_%s",
						   set->v[j].recipe, set->v[i].recipe, a);
			free(b);
		}
		free(a);
	}
	return err;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o = { .listen = DEFAULT_LISTEN, .max_keys = DEFAULT_MAX_KEYS };
	struct diag_list d = DIAG_LIST_INIT;
	struct server sv = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct MHD_Daemon *daemon = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen;
	sigset_t mask;
	int sigfd = -1, ret = parse_opts(argc, argv, &o);

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	if (parse_listen(o.listen, &ss, &sslen, &d)) {
		diag_print(&d, stderr);
		diag_list_release(&d);
		return EXIT_USAGE;
	}
	ret = cli_check_env("recipe serve");
	if (ret)
		return ret;

	/* Blocked before the HTTP thread starts, so only the signalfd sees them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0) {
		diag_err(&d, NULL, "signalfd: %s", strerror(errno));
		goto out;
	}

	sv.max_keys = o.max_keys;
	if (set_load(&o, &sv.set, &d))
		goto out;
	daemon = http_start(&sv, &ss, &d);
	if (!daemon)
		goto out;
	print_serving(&sv, daemon, &ss);
	serve_loop(&sv, &o, sigfd, &d);
out:
	if (daemon)
		MHD_stop_daemon(daemon);	/* joins the thread: no scrape after this */
	set_release(&sv.set);
	if (sigfd >= 0)
		close(sigfd);
	ret = diag_ok(&d) ? EXIT_OK : EXIT_FAILED;
	diag_print(&d, stderr);
	diag_list_release(&d);
	return ret;
}
