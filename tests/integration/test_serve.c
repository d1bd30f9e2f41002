/*
 * test_serve: `recipe serve` on the real kernel, scraped directly and by
 * a real Prometheus.
 *
 * Two test recipes keyed by comm (tests/recipes/getppid-by-comm.yaml, a
 * count, and read-size-by-comm.yaml, a hist) are served on a free
 * loopback port (--listen 127.0.0.1:0; serve prints the port), while
 * rcp-wl makes an exact number of events: getppid 1000 (comm
 * rcp-wl-sys), read 100 4096 and read 50 100 (comm rcp-wl-read). The
 * direct case reads /metrics over a plain HTTP/1.0 socket and expects
 * exact lines, values that only grow between scrapes, promtool's
 * approval, /healthz, a SIGHUP that attaches the recipes anew (and one
 * that fails on a broken file and keeps the old maps counting), and a
 * clean exit 0 on SIGTERM with nothing left attached. The Prometheus case starts /usr/bin/prometheus with a
 * generated config (scrape_interval 1s) in a temporary directory and
 * asks its HTTP API (/api/v1/query) for the counter and the histogram's
 * buckets, parsed with json-c. No shell anywhere, no new library.
 *
 * Needs root (skips otherwise) and, for Prometheus and promtool, the
 * Debian prometheus package (skipped with the reason when it is absent).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <json-c/json.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define PROMETHEUS	"/usr/bin/prometheus"
#define PROMTOOL	"/usr/bin/promtool"
#define HTTP_TIMEOUT_MS	10000
#define PROM_READY_MS	60000
#define PROM_QUERY_MS	60000

struct fixture {
	struct hproc serve;
	struct hproc prom;
	struct hproc wl;
	struct hproc tool;
	char dir[PATH_MAX];	/* scratch (Prometheus's config and data), or "" */
	int port;		/* serve's */
};

static int setup(void **state)
{
	*state = xcalloc(1, sizeof(struct fixture));
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hproc_free(&f->prom);	/* kills Prometheus's process group */
	hproc_free(&f->serve);
	hproc_free(&f->wl);
	hproc_free(&f->tool);
	if (*f->dir)
		nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- HTTP/1.0 over a socket -------------------------------------- */

struct http_reply {
	int status;
	struct strbuf head;
	struct strbuf body;
};

static void http_reply_release(struct http_reply *r)
{
	strbuf_release(&r->head);
	strbuf_release(&r->body);
}

/* GET path from 127.0.0.1:port: 0, or -errno (the connection failed). */
static int http_get(int port, const char *path, struct http_reply *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	long long deadline = harness_now_ms() + HTTP_TIMEOUT_MS;
	struct strbuf all = STRBUF_INIT;
	char *req, buf[4096];
	const char *sep;
	int fd, err = 0;

	memset(r, 0, sizeof(*r));
	strbuf_init(&r->head);
	strbuf_init(&r->body);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	strbuf_init(&all);
	req = xasprintf("GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n", path, port);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		err = -EIO;
	free(req);
	while (!err) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - harness_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		strbuf_add(&all, buf, (size_t)n);
	}
	close(fd);
	sep = strstr(strbuf_str(&all), "\r\n\r\n");
	if (!err && (!sep || sscanf(strbuf_str(&all), "HTTP/%*s %d", &r->status) != 1))
		err = -EPROTO;
	if (!err) {
		strbuf_add(&r->head, all.buf, (size_t)(sep - all.buf));
		strbuf_addstr(&r->body, sep + 4);
	}
	strbuf_release(&all);
	return err;
}

static char *url_encode(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			strbuf_addch(&sb, (char)c);
		else
			strbuf_addf(&sb, "%%%02X", c);
	}
	return strbuf_detach(&sb);
}

/* A loopback port free now (bound, read, released) for Prometheus. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* ---- serve and the workload ---------------------------------------- */

/* Start serve on both test recipes and learn its port from stderr. */
static void serve_start(struct fixture *f)
{
	char *getppid = harness_test_recipe("getppid-by-comm");
	char *reads = harness_test_recipe("read-size-by-comm");
	char *argv[] = { harness_paths.recipe, "serve", "--listen", "127.0.0.1:0",
			 getppid, reads, NULL };
	const char *at;

	HASSERT_EQ(&f->serve, hproc_spawn(&f->serve, argv, 0), 0);
	free(getppid);
	free(reads);
	HASSERT_EQ(&f->serve, hproc_wait_for(&f->serve, 2, "/metrics, ", HARNESS_ATTACH_TIMEOUT_MS), 0);
	at = strstr(strbuf_str(&f->serve.err), "Serving http://127.0.0.1:");
	HASSERT(&f->serve, at);
	f->port = atoi(at + strlen("Serving http://127.0.0.1:"));
	HASSERT(&f->serve, f->port > 0);
}

static void workload(struct fixture *f, const char *a, const char *b, const char *c)
{
	char *argv[] = { harness_paths.workload, (char *)a, (char *)b, (char *)c, NULL };

	hproc_free(&f->wl);
	HASSERT_EQ(&f->wl, hproc_run(&f->wl, argv, HARNESS_RUN_TIMEOUT_MS), 0);
}

/* The exact events both cases count. */
static void exact_workload(struct fixture *f)
{
	workload(f, "getppid", "1000", NULL);
	workload(f, "read", "100", "4096");
	workload(f, "read", "50", "100");
}

static void scrape(struct fixture *f, struct http_reply *r)
{
	HASSERT_EQ(&f->serve, http_get(f->port, "/metrics", r), 0);
	if (r->status != 200)
		fprintf(stderr, "%s\n", strbuf_str(&r->body));
	HASSERT_EQ(&f->serve, r->status, 200);
}

/* The histogram of read 100 4096 and read 50 100, exactly. */
static const char hist_lines[] =
	"recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\",le=\"127\"} 50\n"
	"recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\",le=\"255\"} 50\n"
	"recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\",le=\"511\"} 50\n"
	"recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\",le=\"1023\"} 50\n"
	"recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\",le=\"2047\"} 50\n"
	"recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\",le=\"4095\"} 50\n"
	"recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\",le=\"8191\"} 150\n"
	"recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\",le=\"+Inf\"} 150\n"
	"recipe_read_size_by_comm_bytes_sum{comm=\"rcp-wl-read\"} 414600\n"
	"recipe_read_size_by_comm_bytes_count{comm=\"rcp-wl-read\"} 150\n";

/* promtool check metrics reads the exposition on stdin. */
static void promtool_check(struct fixture *f, const char *text)
{
	char *argv[] = { PROMTOOL, "check", "metrics", NULL };

	if (access(PROMTOOL, X_OK)) {
		print_message("test_serve: %s missing (Debian package prometheus): promtool not run\n",
			      PROMTOOL);
		return;
	}
	HASSERT_EQ(&f->tool, hproc_spawn(&f->tool, argv, 1), 0);
	HASSERT_EQ(&f->tool, hproc_write_stdin(&f->tool, text), 0);
	HASSERT_EQ(&f->tool, hproc_wait(&f->tool, 30000), 0);
	HASSERT(&f->tool, !*strbuf_str(&f->tool.out) && !*strbuf_str(&f->tool.err));
}

/* SIGTERM (systemd, kubelet) or SIGINT (Ctrl-C): detached, exit 0. */
static void stop_serve(struct fixture *f, __u32 baseline, int sig)
{
	HASSERT_EQ(&f->serve, hproc_signal(&f->serve, sig), 0);
	HASSERT_EQ(&f->serve, hproc_wait(&f->serve, 30000), 0);
	harness_assert_no_rcp_progs(baseline, sig == SIGTERM ? "serve and SIGTERM"
							     : "serve and SIGINT");
}

/*
 * /metrics line for line: the counter, every bucket (cumulative, le the
 * largest value a bucket holds), _sum and _count; a second scrape after
 * more events shows the sum of both (nothing is reset by a scrape);
 * after SIGHUP the maps are new and count from 0.
 */
static void test_scrape_exact(void **state)
{
	struct fixture *f = *state;
	struct http_reply r;
	__u32 baseline;
	const char *body;

	HARNESS_REQUIRE_ROOT();
	baseline = harness_bpf_max_prog_id();
	serve_start(f);
	exact_workload(f);
	scrape(f, &r);
	body = strbuf_str(&r.body);
	HASSERT(&f->serve, strstr(strbuf_str(&r.head),
				  "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
	HASSERT(&f->serve, strstr(body,
		"# TYPE recipe_getppid_by_comm_total counter\n"));
	HASSERT(&f->serve, strstr(body,
		"\nrecipe_getppid_by_comm_total{comm=\"rcp-wl-sys\"} 1000\n"));
	HASSERT(&f->serve, strstr(body,
		"# TYPE recipe_read_size_by_comm_bytes histogram\n"));
	HASSERT(&f->serve, strstr(body, hist_lines));
	HASSERT(&f->serve, strstr(body,
		"\nrecipe_dropped_keys_total{recipe=\"read-size-by-comm\"} 0\n"));
	HASSERT(&f->serve, strstr(body, "\nrecipe_lost_events_total{recipe=\"getppid-by-comm\"} 0\n"));
	HASSERT(&f->serve, strstr(body, "\nrecipe_missed_events_total{recipe=\"getppid-by-comm\"} "));
	promtool_check(f, body);
	http_reply_release(&r);

	workload(f, "getppid", "500", NULL);
	scrape(f, &r);
	HASSERT(&f->serve, strstr(strbuf_str(&r.body),
		"\nrecipe_getppid_by_comm_total{comm=\"rcp-wl-sys\"} 1500\n"));
	HASSERT(&f->serve, strstr(strbuf_str(&r.body), hist_lines));
	http_reply_release(&r);

	HASSERT_EQ(&f->serve, http_get(f->port, "/healthz", &r), 0);
	HASSERT_EQ(&f->serve, r.status, 200);
	HASSERT(&f->serve, !strcmp(strbuf_str(&r.body), "ok\n"));
	http_reply_release(&r);
	HASSERT_EQ(&f->serve, http_get(f->port, "/nothing", &r), 0);
	HASSERT_EQ(&f->serve, r.status, 404);
	http_reply_release(&r);

	/* SIGHUP: the recipes attached anew, so their maps start empty */
	HASSERT_EQ(&f->serve, hproc_signal(&f->serve, SIGHUP), 0);
	HASSERT_EQ(&f->serve, hproc_wait_for(&f->serve, 2, "SIGHUP: reloaded 2 recipes",
					     HARNESS_ATTACH_TIMEOUT_MS), 0);
	workload(f, "getppid", "7", NULL);
	scrape(f, &r);
	HASSERT(&f->serve, strstr(strbuf_str(&r.body),
		"\nrecipe_getppid_by_comm_total{comm=\"rcp-wl-sys\"} 7\n"));
	HASSERT(&f->serve, !strstr(strbuf_str(&r.body), "comm=\"rcp-wl-read\""));
	http_reply_release(&r);

	stop_serve(f, baseline, SIGTERM);
}

/*
 * What cannot be served says so before anything is served: a print
 * recipe keeps no map (exit 1), a --listen that is no ADDRESS:PORT is a
 * usage error (exit 2), one recipe twice would be one family twice
 * (exit 1, after loading: nothing stays attached).
 */
static void test_refusals(void **state)
{
	struct fixture *f = *state;
	char *print = harness_test_recipe("sleep-print");
	char *getppid = harness_test_recipe("getppid-by-comm");
	char *print_argv[] = { harness_paths.recipe, "serve", "--listen", "127.0.0.1:0",
			       print, NULL };
	char *listen_argv[] = { harness_paths.recipe, "serve", "--listen", "localhost",
				getppid, NULL };
	char *twice_argv[] = { harness_paths.recipe, "serve", "--listen", "127.0.0.1:0",
			       getppid, getppid, NULL };

	HARNESS_REQUIRE_ROOT();
	HASSERT_EQ(&f->serve, hproc_run(&f->serve, print_argv, HARNESS_RUN_TIMEOUT_MS), 1);
	HASSERT(&f->serve, strstr(strbuf_str(&f->serve.err),
				  "prints a line per event and keeps no map to serve"));
	hproc_free(&f->serve);
	HASSERT_EQ(&f->serve, hproc_run(&f->serve, listen_argv, HARNESS_RUN_TIMEOUT_MS), 2);
	HASSERT(&f->serve, strstr(strbuf_str(&f->serve.err),
				  "--listen 'localhost': expected ADDRESS:PORT"));
	hproc_free(&f->serve);
	HASSERT_EQ(&f->serve, hproc_run(&f->serve, twice_argv, HARNESS_RUN_TIMEOUT_MS), 1);
	HASSERT(&f->serve, strstr(strbuf_str(&f->serve.err), "getppid-by-comm is served twice"));
	free(print);
	free(getppid);
}

/*
 * A reload that fails (the recipe file broken meanwhile) keeps serving
 * the old maps, still counting.
 */
static void test_reload_failure(void **state)
{
	struct fixture *f = *state;
	char *src = harness_test_recipe("getppid-by-comm");
	char *copy, *text = NULL;
	char *argv[] = { harness_paths.recipe, "serve", "--listen", "127.0.0.1:0", NULL, NULL };
	struct http_reply r;
	const char *at;
	__u32 baseline;
	size_t len = 0;
	FILE *fp;

	HARNESS_REQUIRE_ROOT();
	baseline = harness_bpf_max_prog_id();
	snprintf(f->dir, sizeof(f->dir), "/var/tmp/rcp-serve.XXXXXX");
	if (!mkdtemp(f->dir)) {
		*f->dir = '\0';
		fail_msg("mkdtemp: %s", strerror(errno));
	}
	copy = xasprintf("%s/getppid-by-comm.yaml", f->dir);
	fp = fopen(src, "r");
	if (!fp || getdelim(&text, &len, '\0', fp) < 0)
		fail_msg("%s: %s", src, strerror(errno));
	fclose(fp);
	fp = fopen(copy, "w");
	if (!fp || fputs(text, fp) == EOF || fclose(fp))
		fail_msg("%s: %s", copy, strerror(errno));
	argv[4] = copy;
	HASSERT_EQ(&f->serve, hproc_spawn(&f->serve, argv, 0), 0);
	HASSERT_EQ(&f->serve, hproc_wait_for(&f->serve, 2, "/metrics, ", HARNESS_ATTACH_TIMEOUT_MS), 0);
	at = strstr(strbuf_str(&f->serve.err), "Serving http://127.0.0.1:");
	HASSERT(&f->serve, at);
	f->port = atoi(at + strlen("Serving http://127.0.0.1:"));
	workload(f, "getppid", "5", NULL);

	fp = fopen(copy, "w");
	if (!fp || fputs("summary: [unclosed\n", fp) == EOF || fclose(fp))
		fail_msg("%s: %s", copy, strerror(errno));
	HASSERT_EQ(&f->serve, hproc_signal(&f->serve, SIGHUP), 0);
	HASSERT_EQ(&f->serve, hproc_wait_for(&f->serve, 2, "SIGHUP: reload failed, still serving",
					     HARNESS_ATTACH_TIMEOUT_MS), 0);
	workload(f, "getppid", "3", NULL);
	scrape(f, &r);
	HASSERT(&f->serve, strstr(strbuf_str(&r.body),
		"\nrecipe_getppid_by_comm_total{comm=\"rcp-wl-sys\"} 8\n"));
	http_reply_release(&r);
	stop_serve(f, baseline, SIGTERM);
	free(text);
	free(src);
	free(copy);
}

/* ---- Prometheus ---------------------------------------------------- */

static void prom_start(struct fixture *f, int *port)
{
	char *conf, *cfg_arg, *data_arg, *listen_arg;
	char *argv[8];
	FILE *fp;
	long long deadline;

	snprintf(f->dir, sizeof(f->dir), "/var/tmp/rcp-prom.XXXXXX");
	if (!mkdtemp(f->dir)) {
		*f->dir = '\0';
		fail_msg("mkdtemp /var/tmp/rcp-prom.XXXXXX: %s", strerror(errno));
	}
	conf = xasprintf("%s/prometheus.yml", f->dir);
	fp = fopen(conf, "w");
	if (!fp)
		fail_msg("%s: %s", conf, strerror(errno));
	fprintf(fp, "global:\n"
		    "  scrape_interval: 1s\n"
		    "  evaluation_interval: 1s\n"
		    "scrape_configs:\n"
		    "  - job_name: recipe\n"
		    "    static_configs:\n"
		    "      - targets: ['127.0.0.1:%d']\n", f->port);
	if (fclose(fp))
		fail_msg("%s: %s", conf, strerror(errno));
	*port = free_port();
	if (*port <= 0)
		fail_msg("no free loopback port for Prometheus");
	cfg_arg = xasprintf("--config.file=%s", conf);
	data_arg = xasprintf("--storage.tsdb.path=%s/data", f->dir);
	listen_arg = xasprintf("--web.listen-address=127.0.0.1:%d", *port);
	argv[0] = PROMETHEUS;
	argv[1] = cfg_arg;
	argv[2] = data_arg;
	argv[3] = listen_arg;
	argv[4] = "--log.level=warn";
	argv[5] = NULL;
	HASSERT_EQ(&f->prom, hproc_spawn(&f->prom, argv, 0), 0);
	free(conf);
	free(cfg_arg);
	free(data_arg);
	free(listen_arg);

	deadline = harness_now_ms() + PROM_READY_MS;
	for (;;) {
		struct http_reply r;
		int ok = !http_get(*port, "/-/ready", &r) && r.status == 200;

		http_reply_release(&r);
		if (ok)
			return;
		hproc_pump(&f->prom, 200);	/* keeps its pipes drained */
		HASSERT(&f->prom, !f->prom.reaped);
		HASSERT(&f->prom, harness_now_ms() < deadline);
	}
}

/*
 * The result vector of an instant query, once it has `want` samples
 * (Prometheus scrapes every second; the first scrape may be pending).
 * Returns the parsed document (put it) and its result array.
 */
static struct json_object *prom_query(struct fixture *f, int port, const char *query,
				      size_t want, struct json_object **result)
{
	char *q = url_encode(query);
	char *path = xasprintf("/api/v1/query?query=%s", q);
	long long deadline = harness_now_ms() + PROM_QUERY_MS;

	free(q);
	for (;;) {
		struct http_reply r;
		struct json_object *doc = NULL, *data, *status;

		if (!http_get(port, path, &r) && r.status == 200)
			doc = json_tokener_parse(strbuf_str(&r.body));
		http_reply_release(&r);
		if (doc && json_object_object_get_ex(doc, "status", &status) &&
		    !strcmp(json_object_get_string(status), "success") &&
		    json_object_object_get_ex(doc, "data", &data) &&
		    json_object_object_get_ex(data, "result", result) &&
		    json_object_array_length(*result) >= want) {
			free(path);
			return doc;
		}
		json_object_put(doc);
		hproc_pump(&f->prom, 250);
		hproc_pump(&f->serve, 0);
		if (harness_now_ms() > deadline) {
			hproc_dump(&f->prom);
			fail_msg("Prometheus: %s has no %zu samples after %d ms", query, want,
				 PROM_QUERY_MS);
		}
	}
}

/* A sample's value ("1000" in [ts, "1000"]) and a label of its metric. */
static const char *sample_value(struct json_object *sample)
{
	struct json_object *v;

	if (!json_object_object_get_ex(sample, "value", &v))
		return "";
	return json_object_get_string(json_object_array_get_idx(v, 1));
}

static const char *sample_label(struct json_object *sample, const char *label)
{
	struct json_object *m, *l;

	if (!json_object_object_get_ex(sample, "metric", &m) ||
	    !json_object_object_get_ex(m, label, &l))
		return "";
	return json_object_get_string(l);
}

/* The one sample of query, as a string ("1000"). */
static char *prom_scalar(struct fixture *f, int port, const char *query)
{
	struct json_object *result;
	struct json_object *doc = prom_query(f, port, query, 1, &result);
	char *v = xstrdup(sample_value(json_object_array_get_idx(result, 0)));

	json_object_put(doc);
	return v;
}

static int cmp_le(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * A real Prometheus scrapes serve: the exact count arrives, and the
 * histogram's buckets are there, cumulative, with _count and _sum.
 */
static void test_prometheus_scrapes(void **state)
{
	struct fixture *f = *state;
	static const struct { const char *le; double num; long long count; } want[] = {
		{ "127", 127, 50 }, { "255", 255, 50 }, { "511", 511, 50 },
		{ "1023", 1023, 50 }, { "2047", 2047, 50 }, { "4095", 4095, 50 },
		{ "8191", 8191, 150 }, { "+Inf", INFINITY, 150 },
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	struct json_object *doc, *result;
	double les[16][2];
	int prom_port;
	__u32 baseline;
	char *v;

	HARNESS_REQUIRE_ROOT();
	if (access(PROMETHEUS, X_OK)) {
		print_message("test_serve: %s missing (Debian package prometheus, scripts/install-deps), skipping\n",
			      PROMETHEUS);
		skip();
	}
	baseline = harness_bpf_max_prog_id();
	serve_start(f);
	exact_workload(f);
	prom_start(f, &prom_port);

	v = prom_scalar(f, prom_port, "recipe_getppid_by_comm_total{comm=\"rcp-wl-sys\"}");
	HASSERT(&f->prom, !strcmp(v, "1000"));
	free(v);
	v = prom_scalar(f, prom_port, "up{job=\"recipe\"}");
	HASSERT(&f->prom, !strcmp(v, "1"));
	free(v);

	doc = prom_query(f, prom_port, "recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\"}",
			 nwant, &result);
	HASSERT_EQ(&f->prom, json_object_array_length(result), nwant);
	for (size_t i = 0; i < nwant; i++) {
		struct json_object *s = json_object_array_get_idx(result, i);
		const char *le = sample_label(s, "le");
		size_t j;

		for (j = 0; j < nwant && strcmp(want[j].le, le); j++)
			;
		if (j == nwant)
			fail_msg("unexpected bucket le=\"%s\"", le);
		HASSERT_EQ(&f->prom, atoll(sample_value(s)), want[j].count);
		les[i][0] = want[j].num;
		les[i][1] = (double)atoll(sample_value(s));
	}
	/* cumulative: sorted by le, the counts never go down */
	qsort(les, nwant, sizeof(les[0]), cmp_le);
	for (size_t i = 1; i < nwant; i++)
		HASSERT(&f->prom, les[i][1] >= les[i - 1][1]);
	json_object_put(doc);

	v = prom_scalar(f, prom_port, "recipe_read_size_by_comm_bytes_count{comm=\"rcp-wl-read\"}");
	HASSERT(&f->prom, !strcmp(v, "150"));
	free(v);
	v = prom_scalar(f, prom_port, "recipe_read_size_by_comm_bytes_sum{comm=\"rcp-wl-read\"}");
	HASSERT(&f->prom, !strcmp(v, "414600"));
	free(v);
	/* every read of 4096 is <= 4096 and none is <= 4095: the quantile lands in (4095, 8191] */
	v = prom_scalar(f, prom_port,
			"histogram_quantile(0.9, recipe_read_size_by_comm_bytes_bucket{comm=\"rcp-wl-read\"})");
	HASSERT(&f->prom, atof(v) > 4095 && atof(v) <= 8191);
	free(v);

	hproc_free(&f->prom);
	stop_serve(f, baseline, SIGINT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scrape_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prometheus_scrapes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
