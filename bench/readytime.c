/*
 * readytime: time a tracer's life cycle from the outside, the way a
 * person at a terminal sees it.
 *
 * It spawns an argv (no shell) with stdout and stderr on pipes and
 * measures, from the spawn:
 *   ready_ms   until READY first appears on stdout or stderr;
 * then it waits WAIT ms, sends SIGINT, and measures from the signal:
 *   report_ms  until the first byte of output after the signal;
 *   exit_ms    until the process has exited.
 * With -d MS the tracer is expected to stop by itself MS ms after it
 * became ready (recipe --duration): no signal is sent, and report_ms and
 * exit_ms count from ready + MS instead.
 * Memory: hwm_kb is the tracer's own peak RSS (VmHWM from /proc,
 * sampled every poll round until it exits); maxrss_kb is wait4()'s
 * ru_maxrss, the largest of it and the children it waited for (clang,
 * for a cold recipe).
 *
 * With -l READS, once the tracer is ready this process makes READS
 * read(2)s of one byte from /dev/zero, then sends SIGINT at once:
 * read_ns is the time per read under that tracer (the cost a traced
 * system call pays). Without an ARGV it only makes the reads: the
 * untraced floor.
 *
 * Prints one line: ok=1 ready_ms=... report_ms=... exit_ms=... hwm_kb=...
 * maxrss_kb=... status=... [read_ns=...]  (ok=0 and a reason= on failure,
 * exit 1).
 *
 * Usage: readytime -r READY [-w WAIT_MS] [-d DURATION_MS] [-t TIMEOUT_MS]
 *                  [-l READS] [-o OUTFILE] -- ARGV...
 *        readytime -l READS
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct out {
	char *buf;
	size_t len, cap;
	FILE *save;
};

static void out_add(struct out *o, const char *p, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->buf = realloc(o->buf, o->cap);
		if (!o->buf) {
			perror("readytime");
			exit(1);
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = '\0';
	if (o->save)
		fwrite(p, 1, n, o->save);
}

static long vm_hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void usage(void)
{
	fprintf(stderr, "usage: readytime -r READY [-w WAIT_MS] [-d DURATION_MS] "
		"[-t TIMEOUT_MS] [-l READS] [-o OUTFILE] -- ARGV...\n"
		"       readytime -l READS\n");
	exit(2);
}

/* ns per read(2) of one byte from /dev/zero, over `reads` of them. */
static double read_loop_ns(long reads)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	double t;
	char c;

	if (fd < 0) {
		perror("/dev/zero");
		exit(1);
	}
	t = now_ms();
	for (long i = 0; i < reads; i++)
		if (read(fd, &c, 1) != 1) {
			perror("read");
			exit(1);
		}
	t = now_ms() - t;
	close(fd);
	return t * 1e6 / (double)reads;
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *outfile = NULL;
	double wait_ms = 0, duration_ms = -1, timeout_ms = 120000;
	double t0, t_ready = -1, t_end = -1, t_report = -1, t_exit = -1;
	posix_spawn_file_actions_t fa;
	int pout[2], perr[2], fds[2], status = 0, opt, exited = 0, signalled = 0;
	struct out both = { 0 };
	struct rusage ru = { 0 };
	size_t ready_len = 0;	/* output length when ready was seen */
	long hwm = -1, reads = 0;
	double read_ns = -1;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+r:w:d:t:o:l:")) != -1) {
		switch (opt) {
		case 'l': reads = atol(optarg); break;
		case 'r': ready = optarg; break;
		case 'w': wait_ms = atof(optarg); break;
		case 'd': duration_ms = atof(optarg); break;
		case 't': timeout_ms = atof(optarg); break;
		case 'o': outfile = optarg; break;
		default: usage();
		}
	}
	if (reads > 0 && !ready && optind >= argc) {
		printf("ok=1 read_ns=%.1f\n", read_loop_ns(reads));
		return 0;
	}
	if (!ready || optind >= argc)
		usage();
	if (outfile && !(both.save = fopen(outfile, "w"))) {
		perror(outfile);
		return 2;
	}

	if (pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
		perror("pipe");
		return 1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	t0 = now_ms();
	errno = posix_spawnp(&pid, argv[optind], &fa, NULL, argv + optind, environ);
	if (errno) {
		printf("ok=0 reason=spawn:%s\n", strerror(errno));
		return 1;
	}
	close(pout[1]);
	close(perr[1]);
	fds[0] = pout[0];
	fds[1] = perr[0];

	for (;;) {
		struct pollfd pfd[2];
		double t = now_ms(), deadline;
		int n = 0, i;

		if (t - t0 > timeout_ms) {
			kill(pid, SIGKILL);
			wait4(pid, &status, 0, &ru);
			printf("ok=0 reason=timeout:%s\n", t_ready < 0 ? "ready" : "exit");
			return 1;
		}
		/* Time to send the signal? */
		if (!exited) {
			long kb = vm_hwm_kb(pid);

			if (kb > hwm)
				hwm = kb;
		}
		if (t_ready >= 0 && reads > 0 && read_ns < 0) {
			read_ns = read_loop_ns(reads);
			t_end = now_ms();
			kill(pid, SIGINT);
			signalled = 1;
		}
		if (t_ready >= 0 && duration_ms < 0 && !signalled && t - t_ready >= wait_ms) {
			t_end = now_ms();
			kill(pid, SIGINT);
			signalled = 1;
		}
		for (i = 0; i < 2; i++)
			if (fds[i] >= 0)
				pfd[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		/* Wake at least every 10 ms, and on time for the signal. */
		deadline = 10;
		if (t_ready >= 0 && duration_ms < 0 && !signalled &&
		    wait_ms - (t - t_ready) < deadline)
			deadline = wait_ms - (t - t_ready) + 1;
		if (deadline < 0)
			deadline = 0;
		if (n && poll(pfd, n, (int)deadline) > 0) {
			for (i = 0; i < n; i++) {
				char buf[65536];
				ssize_t r;

				if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				r = read(pfd[i].fd, buf, sizeof(buf));
				t = now_ms();
				if (r <= 0) {
					close(pfd[i].fd);
					fds[fds[0] == pfd[i].fd ? 0 : 1] = -1;
					continue;
				}
				out_add(&both, buf, r);
				if (t_ready < 0 && strstr(both.buf, ready)) {
					t_ready = t;
					ready_len = both.len;
					if (duration_ms >= 0)
						t_end = t_ready + duration_ms;
				} else if (t_ready >= 0 && t_report < 0 && t_end >= 0 &&
					   (signalled || both.len > ready_len)) {
					t_report = t;
				}
			}
		} else if (!n) {
			usleep(1000);
		}
		if (!exited && wait4(pid, &status, WNOHANG, &ru) == pid) {
			exited = 1;
			t_exit = now_ms();
		}
		if (exited && fds[0] < 0 && fds[1] < 0)
			break;
	}
	if (both.save)
		fclose(both.save);
	if (t_ready < 0) {
		printf("ok=0 reason=no-ready status=%d\n",
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return 1;
	}
	printf("ok=1 ready_ms=%.1f report_ms=%.1f exit_ms=%.1f hwm_kb=%ld maxrss_kb=%ld status=%d",
	       t_ready - t0, t_report < 0 ? -1 : t_report - t_end, t_exit - t_end,
	       hwm, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (read_ns >= 0)
		printf(" read_ns=%.1f", read_ns);
	putchar('\n');
	return 0;
}
