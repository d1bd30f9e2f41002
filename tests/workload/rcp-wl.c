/*
 * rcp-wl: the integration tests' workload, a program whose system calls
 * are known exactly so that a recipe's report can be asserted to the unit.
 *
 * Each subcommand does all of its set-up (argument parsing, buffers, file
 * descriptors, the optional --wait-stdin handshake) first, then renames
 * itself with prctl(PR_SET_NAME) as its last system call before the
 * measured loop.  A tracepoint keyed or filtered by comm therefore sees
 * only the calls listed for that subcommand below; the sys_enter of the
 * prctl itself still carries the old comm.  Build it with -static: a
 * dynamic binary's loader makes read(2) and mmap(2) calls of its own,
 * which would land in the counts of a recipe filtered by pid.
 *
 * Usage: rcp-wl [--wait-stdin] SUBCOMMAND ARGS...
 *   --wait-stdin  before renaming, block until one byte (or EOF) arrives
 *                 on stdin: read(0, buf, 1) under the old comm.  This lets
 *                 a test start the workload, attach `recipe run --pid`,
 *                 then release it.
 * Exit status 0 on success, 1 with a message on stderr when a system
 * call fails, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sdt.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DIO_CHUNK	(1024 * 1024)
#define DIO_ALIGN	4096

static int wait_stdin;

static void usage(void)
{
	fprintf(stderr,
		"usage: rcp-wl [--wait-stdin] read COUNT SIZE [PAUSE_MS]\n"
		"       rcp-wl [--wait-stdin] badread COUNT\n"
		"       rcp-wl [--wait-stdin] getppid COUNT\n"
		"       rcp-wl [--wait-stdin] dio-write BYTES PATH\n"
		"       rcp-wl [--wait-stdin] spin MILLISECONDS\n"
		"       rcp-wl [--wait-stdin] touch PAGES\n"
		"       rcp-wl [--wait-stdin] ucall COUNT\n"
		"       rcp-wl [--wait-stdin] connect COUNT PORT\n"
		"       rcp-wl [--wait-stdin] open COUNT PATH\n"
		"       rcp-wl [--wait-stdin] exec COUNT\n"
		"       rcp-wl [--wait-stdin] sleep COUNT MILLISECONDS\n"
		"       rcp-wl [--wait-stdin] blk-error DIR\n"
		"       rcp-wl [--wait-stdin] refuse COUNT PORT\n"
		"       rcp-wl [--wait-stdin] tcp COUNT SIZE PORT\n"
		"       rcp-wl [--wait-stdin] udp COUNT SIZE PORT\n"
		"       rcp-wl [--wait-stdin] pingq COUNT\n"
		"       rcp-wl [--wait-stdin] synretry COUNT PORT\n"
		"       rcp-wl [--wait-stdin] creat COUNT DIR\n"
		"       rcp-wl [--wait-stdin] stat COUNT PATH\n"
		"       rcp-wl [--wait-stdin] write COUNT SIZE PATH\n"
		"       rcp-wl [--wait-stdin] sysopen COUNT PATH\n"
		"       rcp-wl [--wait-stdin] readfile COUNT SIZE PATH\n"
		"       rcp-wl [--wait-stdin] xfsmount COUNT DIR\n"
		"       rcp-wl [--wait-stdin] brk COUNT\n"
		"       rcp-wl [--wait-stdin] madvise COUNT\n");
	exit(2);
}

static long long parse_count(const char *what, const char *s, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max) {
		fprintf(stderr, "rcp-wl: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static void die(const char *what)
{
	fprintf(stderr, "rcp-wl: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * The handshake reads one byte of count 1, which no test's assertions
 * look at (a read-size histogram puts it in bucket [1]).  EOF releases
 * the workload too, so a test that closes the pipe cannot hang it.
 */
static void handshake(void)
{
	char c;

	if (!wait_stdin)
		return;
	while (read(STDIN_FILENO, &c, 1) < 0)
		if (errno != EINTR)
			die("read stdin");
}

static void rename_self(const char *comm)
{
	if (prctl(PR_SET_NAME, comm, 0, 0, 0))
		die("prctl");
}

/*
 * Under comm "rcp-wl-read": exactly COUNT read(fd, buf, SIZE) on
 * /dev/zero, then exit_group(0).  Each read returns SIZE (a short read
 * of /dev/zero does not happen), so sys_exit_read sees COUNT returns of
 * SIZE.  A read that failed would be reported after the loop, which
 * makes the count wrong but never silently. With PAUSE_MS, the reads
 * stop for that long halfway (an --interval report falls in the pause).
 */
static int wl_read(long long count, long long size, long long pause_ms)
{
	long long failed = 0, i;
	char *buf;
	int fd;

	buf = malloc(size ? size : 1);
	if (!buf)
		die("malloc");
	fd = open("/dev/zero", O_RDONLY);
	if (fd < 0)
		die("open /dev/zero");
	handshake();
	rename_self("rcp-wl-read");
	for (i = 0; i < count; i++) {
		if (pause_ms && i == count / 2) {
			struct timespec ts = { .tv_sec = pause_ms / 1000,
					       .tv_nsec = pause_ms % 1000 * 1000000 };

			while (nanosleep(&ts, &ts))
				if (errno != EINTR)
					die("nanosleep");
		}
		if (read(fd, buf, size) != size)
			failed++;
	}
	if (failed) {
		fprintf(stderr, "rcp-wl: %lld of %lld reads failed\n", failed, count);
		_exit(1);
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-badrd": exactly COUNT read(-1, buf, 64), each
 * returning -EBADF (9), then exit_group(0).
 */
static int wl_badread(long long count)
{
	long long unexpected = 0, i;
	static char buf[64];

	handshake();
	rename_self("rcp-wl-badrd");
	for (i = 0; i < count; i++)
		if (read(-1, buf, sizeof(buf)) != -1 || errno != EBADF)
			unexpected++;
	if (unexpected) {
		fprintf(stderr, "rcp-wl: %lld reads did not fail with EBADF\n",
			unexpected);
		_exit(1);
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-sys": exactly COUNT getppid(), then exit_group(0),
 * so raw_syscalls:sys_enter sees COUNT + 1 entries under that comm.
 * syscall(2) is used because a libc may cache or inline getppid().
 */
static int wl_getppid(long long count)
{
	long long i;

	handshake();
	rename_self("rcp-wl-sys");
	for (i = 0; i < count; i++)
		syscall(SYS_getppid);
	_exit(0);
}

/*
 * Under comm "rcp-wl-dio": openat(PATH, O_DIRECT|O_CREAT|O_TRUNC|
 * O_WRONLY), ceil(BYTES / 1 MiB) write(2) of at most 1 MiB from a
 * 4096-aligned buffer, fsync, close, unlink, exit_group(0).  BYTES must be
 * a multiple of 4096, which O_DIRECT needs for the last write too.  The
 * block layer may split or issue the requests from another task; the
 * tests only rely on the total bytes written.  On error the message is
 * printed under this comm too, which only happens when the test fails.
 */
static int wl_dio_write(long long bytes, const char *path)
{
	long long left;
	void *buf;
	int fd;

	if (bytes % DIO_ALIGN) {
		fprintf(stderr, "rcp-wl: BYTES must be a multiple of %d\n", DIO_ALIGN);
		exit(2);
	}
	if (posix_memalign(&buf, DIO_ALIGN, DIO_CHUNK))
		die("posix_memalign");
	memset(buf, 0xa5, DIO_CHUNK);
	handshake();
	rename_self("rcp-wl-dio");
	fd = open(path, O_DIRECT | O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0)
		die(path);
	for (left = bytes; left > 0;) {
		size_t n = left < DIO_CHUNK ? (size_t)left : DIO_CHUNK;
		ssize_t w = write(fd, buf, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			unlink(path);
			die("write");
		}
		if (w == 0) {
			unlink(path);
			errno = EIO;
			die("write");
		}
		left -= w;
	}
	if (fsync(fd)) {
		unlink(path);
		die("fsync");
	}
	if (close(fd))
		die("close");
	if (unlink(path))
		die("unlink");
	_exit(0);
}

/*
 * The busy loop spin samples land in: a function of its own, kept out
 * of line so a user stack names it. It runs until the thread has had MS
 * milliseconds of CPU time, not of wall time, so a profile of it sees
 * the same number of samples however busy the machine is.
 */
__attribute__((noinline)) static void rcp_wl_spin_loop(long long ms)
{
	struct timespec now;
	volatile unsigned long long sink = 0;

	do {
		for (int i = 0; i < 100000; i++)
			sink += (unsigned long long)i;
		/* a system call, once per 100k additions: about 1% of the time */
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	} while (now.tv_sec * 1000LL + now.tv_nsec / 1000000 < ms);
}

/*
 * Under comm "rcp-wl-spin", pinned to CPU 0: burn MS milliseconds of
 * CPU time, reading its CPU clock (clock_gettime, a system call) every
 * 100k additions, then exit_group(0). A 99 Hz profile of it sees about
 * 99 samples per second of that time.
 */
static int wl_spin(long long ms)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");
	handshake();
	rename_self("rcp-wl-spin");
	rcp_wl_spin_loop(ms);
	_exit(0);
}

/*
 * Under comm "rcp-wl-touch": write one byte to each of PAGES fresh pages
 * of an anonymous mapping made before the rename, then exit_group(0).
 * Each first write faults once, so the page-faults event fires at least
 * PAGES times under this comm (exit may add a few more).
 */
static int wl_touch(long long pages)
{
	long size = sysconf(_SC_PAGESIZE);
	char *mem = mmap(NULL, (size_t)(pages * size), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		die("mmap");
	handshake();
	rename_self("rcp-wl-touch");
	for (long long i = 0; i < pages; i++)
		((volatile char *)mem)[i * size] = 1;
	_exit(0);
}

/*
 * The function ucall's uprobes attach to: out of line, kept (used), and
 * opaque to the optimizer through the asm, so each of the loop's calls
 * really happens. Returns i * 2, which a uretprobe sees in retval.
 */
__attribute__((noinline, used)) long rcp_wl_target(long i)
{
	__asm__ volatile("" : "+r"(i));
	return i * 2;
}

/*
 * Under comm "rcp-wl-ucall": one hit of the USDT probe
 * rcpwl_addr:target with the address of rcp_wl_target (for usym()),
 * then exactly COUNT calls rcp_wl_target(i) and COUNT hits of the USDT
 * probe rcpwl:tick with args (i, i * 3), for i in 0..COUNT-1, then
 * exit_group(0). No system call in the loop.
 */
static int wl_ucall(long long count)
{
	long sum = 0;

	handshake();
	rename_self("rcp-wl-ucall");
	STAP_PROBE1(rcpwl_addr, target, &rcp_wl_target);
	for (long i = 0; i < count; i++) {
		sum += rcp_wl_target(i);
		STAP_PROBE2(rcpwl, tick, i, i * 3);
	}
	__asm__ volatile("" : : "r"(sum));
	_exit(0);
}

/*
 * Under comm "rcp-wl-conn": COUNT loopback TCP connections to
 * 127.0.0.1:PORT, on a listener made before the rename. Each makes
 * socket, connect, accept4 and two close calls, so sys_enter_connect
 * fires exactly COUNT times, and sock:inet_sock_set_state sees COUNT
 * client sockets go from SYN_SENT to ESTABLISHED with dport PORT.
 */
static int wl_connect(long long count, long long port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 128))
		die("listen on 127.0.0.1:PORT");
	handshake();
	rename_self("rcp-wl-conn");
	for (long long i = 0; i < count; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), a;

		if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof(addr)))
			die("connect");
		a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0)
			die("accept");
		close(a);
		close(c);
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-sleep": COUNT nanosleep(2)s of MS milliseconds
 * each (glibc makes them clock_nanosleep system calls), restarted with
 * the time left when a signal interrupts one, then exit_group(0).
 */
static int wl_sleep(long long count, long long ms)
{
	handshake();
	rename_self("rcp-wl-sleep");
	for (long long i = 0; i < count; i++) {
		struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

		while (nanosleep(&ts, &ts))
			if (errno != EINTR)
				die("nanosleep");
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-open": COUNT openat(PATH, O_RDONLY) each followed
 * by close (or nothing, when the open fails), then exit_group(0).
 */
static int wl_open(long long count, const char *path)
{
	handshake();
	rename_self("rcp-wl-open");
	for (long long i = 0; i < count; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-exec": COUNT times, fork a child that execs
 * "/bin/true a b c" (its execve is made under this comm, before the new
 * program renames it) and wait for it; then exit_group(0).
 */
static int wl_exec(long long count)
{
	handshake();
	rename_self("rcp-wl-exec");
	for (long long i = 0; i < count; i++) {
		pid_t pid = fork();
		int status;

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			char *const argv[] = { "/bin/true", "a", "b", "c", NULL };
			volatile size_t touched = 0;

			/*
			 * A fresh child maps the binary's strings lazily; a
			 * tracer reads them without faulting, so touch them.
			 */
			for (int a = 0; argv[a]; a++)
				touched += strlen(argv[a]);
			(void)touched;
			execv(argv[0], argv);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("/bin/true a b c");
	}
	_exit(0);
}

/* ---- disk workloads ---- */

#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define BLKERR_TMPFS	"size=64k"
#define BLKERR_BACKING	(1024 * 1024)

/*
 * Under comm "rcp-wl-blkerr": a block device whose writes fail, for the
 * block I/O error recipes. Set-up (as root): mount a 64 KiB tmpfs on
 * DIR/tmpfs (created), make a sparse 1 MiB file in it, attach it to a
 * free loop device and open that with O_DIRECT. Then, renamed, write(2)
 * 4096-byte blocks from offset 0 until one fails: the first 16 fill the
 * tmpfs, the 17th is one request that the loop driver completes with an
 * error (-ENOSPC; -EIO on kernels that map every loop error to it), and
 * the workload stops there, so exactly one block request fails. Then
 * detach the loop device, unmount, exit_group(0). Exit 1 if no write
 * fails within the 1 MiB, or on any set-up error.
 */
static int wl_blk_error(const char *dir)
{
	char mnt[PATH_MAX], file[PATH_MAX], dev[64];
	struct loop_config cfg;
	int ctl, loopfd = -1, backfd, fd, n = -1, failed = 0;
	void *buf;
	long long off;

	if (snprintf(mnt, sizeof(mnt), "%s/tmpfs", dir) >= (int)sizeof(mnt) ||
	    snprintf(file, sizeof(file), "%s/backing", mnt) >= (int)sizeof(file)) {
		fprintf(stderr, "rcp-wl: DIR too long\n");
		exit(2);
	}
	if (posix_memalign(&buf, DIO_ALIGN, DIO_ALIGN))
		die("posix_memalign");
	memset(buf, 0xa5, DIO_ALIGN);
	if (mkdir(mnt, 0700) && errno != EEXIST)
		die(mnt);
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, BLKERR_TMPFS))
		die("mount tmpfs");
	backfd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (backfd < 0 || ftruncate(backfd, BLKERR_BACKING))
		goto fail;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		goto fail;
	/* another task may take the free device first: try again */
	for (int tries = 0; tries < 10 && loopfd < 0; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			break;
		snprintf(dev, sizeof(dev), "/dev/loop%d", n);
		loopfd = open(dev, O_RDWR | O_CLOEXEC);
		if (loopfd < 0)
			continue;
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (unsigned)backfd;
		if (ioctl(loopfd, LOOP_CONFIGURE, &cfg) == 0)
			break;
		if (errno == EINVAL && ioctl(loopfd, LOOP_SET_FD, backfd) == 0)
			break;
		close(loopfd);
		loopfd = -1;
	}
	close(ctl);
	if (loopfd < 0)
		goto fail;
	fd = open(dev, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		goto fail_loop;
	handshake();
	rename_self("rcp-wl-blkerr");
	for (off = 0; off < BLKERR_BACKING; off += DIO_ALIGN) {
		if (pwrite(fd, buf, DIO_ALIGN, off) < 0) {
			if (errno == EINTR) {
				off -= DIO_ALIGN;
				continue;
			}
			failed = 1;
			break;
		}
	}
	close(fd);
	ioctl(loopfd, LOOP_CLR_FD, 0);
	close(loopfd);
	close(backfd);
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	if (!failed) {
		fprintf(stderr, "rcp-wl: no write to %s failed\n", dev);
		exit(1);
	}
	_exit(0);
fail_loop:
	ioctl(loopfd, LOOP_CLR_FD, 0);
	close(loopfd);
fail:
	{
		int e = errno;

		umount2(mnt, MNT_DETACH);
		rmdir(mnt);
		errno = e;
	}
	die("blk-error set-up");
	return 1;
}

/* ---- net workloads ---- */

static struct sockaddr_in loopback(long long port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/*
 * Under comm "rcp-wl-refuse": COUNT TCP connect(2)s to 127.0.0.1:PORT,
 * where nothing listens, each failing with ECONNREFUSED (111), each on
 * a socket made before it and closed after, then exit_group(0). So
 * sys_exit_connect sees exactly COUNT returns of -111.
 */
static int wl_refuse(long long count, long long port)
{
	struct sockaddr_in addr = loopback(port);
	long long unexpected = 0;

	handshake();
	rename_self("rcp-wl-refuse");
	for (long long i = 0; i < count; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (c < 0)
			die("socket");
		if (connect(c, (struct sockaddr *)&addr, sizeof(addr)) == 0 ||
		    errno != ECONNREFUSED)
			unexpected++;
		close(c);
	}
	if (unexpected) {
		fprintf(stderr, "rcp-wl: %lld connects were not refused\n", unexpected);
		_exit(1);
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-tcp": one loopback TCP connection to 127.0.0.1:PORT
 * (listener, connect and accept made before the rename), then COUNT
 * times: send(2) of SIZE bytes on the client, recv(2) of SIZE bytes
 * with MSG_WAITALL on the accepted socket (one call returning SIZE);
 * then both closed and exit_group(0). So tcp_sendmsg sees COUNT sends
 * of SIZE, tcp_recvmsg COUNT receives returning SIZE, under this comm.
 * SIZE is at most 65536, which a loopback socket's buffers take at once.
 */
static int wl_tcp(long long count, long long size, long long port)
{
	struct sockaddr_in addr = loopback(port);
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c, a;
	char *buf = malloc(size ? size : 1);

	if (!buf)
		die("malloc");
	memset(buf, 'x', size);
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1))
		die("listen on 127.0.0.1:PORT");
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof(addr)))
		die("connect");
	a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		die("accept");
	handshake();
	rename_self("rcp-wl-tcp");
	for (long long i = 0; i < count; i++) {
		if (send(c, buf, size, 0) != size)
			die("send");
		if (recv(a, buf, size, MSG_WAITALL) != size)
			die("recv");
	}
	close(a);
	close(c);
	_exit(0);
}

/*
 * Under comm "rcp-wl-udp": two UDP sockets on the loopback, the receiver
 * bound to 127.0.0.1:PORT and the sender connected to it (made before
 * the rename), then COUNT times: send(2) of one SIZE-byte datagram and
 * recv(2) of it (returning SIZE); then exit_group(0). So udp_sendmsg
 * sees COUNT sends of SIZE, udp_recvmsg COUNT receives of SIZE, and lo
 * COUNT packets of SIZE + 28 bytes (IP and UDP headers) each way:
 * net_dev_xmit sees SIZE + 42 (with the 14-byte Ethernet header),
 * netif_receive_skb SIZE + 28 (the header already pulled).
 */
static int wl_udp(long long count, long long size, long long port)
{
	struct sockaddr_in addr = loopback(port);
	int r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char *buf = malloc(size ? size : 1);

	if (!buf)
		die("malloc");
	memset(buf, 'u', size);
	if (r < 0 || s < 0)
		die("socket");
	if (bind(r, (struct sockaddr *)&addr, sizeof(addr)))
		die("bind 127.0.0.1:PORT");
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)))
		die("connect");
	handshake();
	rename_self("rcp-wl-udp");
	for (long long i = 0; i < count; i++) {
		if (send(s, buf, size, 0) != size)
			die("send");
		if (recv(r, buf, size, 0) != size)
			die("recv");
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-pingq": in a network namespace of its own (lo up,
 * net.ipv4.ping_group_range "0 0" there, so its ICMP datagram socket
 * works), an ICMP echo ("ping") socket connected to 127.0.0.1 with the
 * smallest receive buffer (all made before the rename; needs
 * CAP_SYS_ADMIN), then COUNT send(2)s of an echo request with 56 bytes
 * of data, reading no reply, then exit_group(0). The loopback answers
 * each in the sender's context: the first few replies fill the
 * socket's receive queue, every later one is dropped there, so
 * sock:sock_rcvqueue_full fires COUNT minus those few times.
 */
static int wl_pingq(long long count)
{
	struct sockaddr_in addr = loopback(0);
	struct ifreq ifr = { .ifr_name = "lo" };
	unsigned char echo[64] = { 8 };	/* type 8, code 0: the kernel sets id and checksum */
	int one = 1, ctl, fd, range;

	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET)");
	ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0 || ioctl(ctl, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(ctl, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS lo up");
	close(ctl);
	range = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	if (range < 0 || write(range, "0 0\n", 4) != 4)
		die("ping_group_range");
	close(range);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		die("socket IPPROTO_ICMP");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)) ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		die("ping socket to 127.0.0.1");
	handshake();
	rename_self("rcp-wl-pingq");
	for (long long i = 0; i < count; i++)
		if (send(fd, echo, sizeof(echo), 0) != (ssize_t)sizeof(echo))
			die("send");
	_exit(0);
}

/*
 * Under comm "rcp-wl-synrt": a listener on 127.0.0.1:PORT with a
 * backlog of 1 whose accept queue two connections fill (it never
 * accepts), all made before the rename; then COUNT non-blocking
 * connects to it from sockets bound to 127.0.0.3 with a TCP_USER_TIMEOUT
 * of 1500 ms, waited for together (1.5 s), each failing with ETIMEDOUT;
 * then exit_group(0). The listener drops every SYN (its accept queue is
 * full), so each client retransmits its SYN exactly once, from a timer
 * (after the initial RTO of 1 s; the next one is clamped to the 0.5 s
 * left, when the connect gives up):
 * tcp:tcp_retransmit_skb fires COUNT times with saddr 127.0.0.3, in
 * whatever task the timer interrupted.
 */
static int wl_synretry(long long count, long long port)
{
	struct sockaddr_in addr = loopback(port), src = loopback(0);
	int one = 1, tmo = 1500, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), fill[2];
	struct pollfd *p = calloc(count ? count : 1, sizeof(*p));
	long long unexpected = 0, left = count;

	src.sin_addr.s_addr = htonl(0x7f000003);
	if (!p)
		die("calloc");
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1))
		die("listen on 127.0.0.1:PORT");
	for (int i = 0; i < 2; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fill[i] < 0 || connect(fill[i], (struct sockaddr *)&addr, sizeof(addr)))
			die("connect");
	}
	handshake();
	rename_self("rcp-wl-synrt");
	for (long long i = 0; i < count; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (c < 0 || setsockopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT, &tmo, sizeof(tmo)) ||
		    bind(c, (struct sockaddr *)&src, sizeof(src)))
			die("socket on 127.0.0.3");
		if (!connect(c, (struct sockaddr *)&addr, sizeof(addr)) || errno != EINPROGRESS)
			die("connect did not start");
		p[i].fd = c;
		p[i].events = POLLOUT;
	}
	while (left > 0) {
		int n = poll(p, count, 30000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("poll");
		for (long long i = 0; i < count; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) || err != ETIMEDOUT)
				unexpected++;
			close(p[i].fd);
			p[i].fd = -1;
			left--;
		}
	}
	if (unexpected) {
		fprintf(stderr, "rcp-wl: %lld connects did not time out\n", unexpected);
		_exit(1);
	}
	_exit(0);
}

/* ---- fs workloads ---- */
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

/*
 * Under comm "rcp-wl-creat": COUNT times creat(DIR/rcp-creat-I) (the
 * creat(2) system call itself, through syscall(2), as a libc may make
 * it an openat), close and unlink it, for I in 0..COUNT-1; then
 * exit_group(0). sys_enter_creat fires exactly COUNT times, each with
 * pathname DIR/rcp-creat-I.
 */
static int wl_creat(long long count, const char *dir)
{
	char path[PATH_MAX];

	handshake();
	rename_self("rcp-wl-creat");
	for (long long i = 0; i < count; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/rcp-creat-%lld", dir, i);
		fd = (int)syscall(SYS_creat, path, 0600);
		if (fd < 0)
			die(path);
		close(fd);
		if (unlink(path))
			die("unlink");
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-stat": exactly COUNT stat(2) system calls of PATH
 * (SYS_stat, which x86-64 names sys_newstat; a libc's stat() may make
 * newfstatat instead, hence syscall(2)), then exit_group(0). Whether
 * PATH exists does not matter: sys_enter_newstat sees it either way.
 */
static int wl_stat(long long count, const char *path)
{
	/* room for the kernel's struct stat (144 bytes on x86-64) */
	static long long st[64];

	handshake();
	rename_self("rcp-wl-stat");
	for (long long i = 0; i < count; i++)
		syscall(SYS_stat, path, st);
	_exit(0);
}

/*
 * Under comm "rcp-wl-write": openat(PATH, O_CREAT|O_TRUNC|O_WRONLY),
 * exactly COUNT buffered write(2)s of SIZE bytes (each returning SIZE;
 * a short write is reported after the loop), close, unlink, then
 * exit_group(0). On ext4 with delayed allocation (the default), each
 * write of SIZE <= 4096 at a multiple of SIZE dividing 4096 makes one
 * ext4:ext4_da_write_begin of len SIZE. The file is unlinked before
 * writeback, so the data normally never reaches the disk.
 */
static int wl_write(long long count, long long size, const char *path)
{
	long long failed = 0;
	char *buf = malloc(size ? size : 1);
	int fd;

	if (!buf)
		die("malloc");
	memset(buf, 'w', size ? size : 1);
	handshake();
	rename_self("rcp-wl-write");
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		die(path);
	for (long long i = 0; i < count; i++)
		if (write(fd, buf, size) != size)
			failed++;
	close(fd);
	unlink(path);
	if (failed) {
		fprintf(stderr, "rcp-wl: %lld of %lld writes failed\n", failed, count);
		_exit(1);
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-sysopen": COUNT open(2) system calls of PATH,
 * O_RDONLY (SYS_open itself, through syscall(2): a libc's open() makes
 * openat), each followed by close when it succeeds; then exit_group(0).
 * sys_enter_open fires exactly COUNT times, sys_enter_openat never.
 */
static int wl_sysopen(long long count, const char *path)
{
	handshake();
	rename_self("rcp-wl-sysopen");
	for (long long i = 0; i < count; i++) {
		int fd = (int)syscall(SYS_open, path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-rdfile": COUNT pread(2)s of SIZE bytes at offset 0
 * of PATH, then close, unlink, exit_group(0). Before the rename PATH is
 * created with SIZE bytes, fsync'd and dropped from the page cache
 * (POSIX_FADV_DONTNEED), so the first pread reads it from the device
 * (readahead: read_pages, ext4_readahead) and the others hit the cache.
 * On ext4 each pread is one ext4_file_read_iter call.
 */
static int wl_readfile(long long count, long long size, const char *path)
{
	long long failed = 0;
	char *buf = malloc(size ? size : 1);
	int fd;

	if (!buf)
		die("malloc");
	memset(buf, 'r', size ? size : 1);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		die(path);
	if (write(fd, buf, size) != size || fsync(fd))
		die("write");
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	handshake();
	rename_self("rcp-wl-rdfile");
	for (long long i = 0; i < count; i++)
		if (pread(fd, buf, size, 0) != size)
			failed++;
	close(fd);
	unlink(path);
	if (failed) {
		fprintf(stderr, "rcp-wl: %lld of %lld preads failed\n", failed, count);
		_exit(1);
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-xfsmnt": COUNT attempts to mount, read-only, a
 * 64 MiB image of zeros as XFS, all failing (no XFS superblock); then
 * exit_group(0). Before the rename the image DIR/rcp-xfs.img and the
 * mount point DIR/rcp-xfs.mnt are made and the image attached to a free
 * loop device; after the loop both are removed and the device detached.
 * Each attempt reads the would-be superblock through XFS's buffer cache
 * (xfs:xfs_buf_* tracepoints) in this process, and XFS needs no
 * mkfs.xfs for it: only the kernel's XFS and a loop device.
 */
static int wl_xfsmount(long long count, const char *dir)
{
	char img[PATH_MAX], mnt[PATH_MAX], dev[64];
	int ctl, fd, loop, n;

	snprintf(img, sizeof(img), "%s/rcp-xfs.img", dir);
	snprintf(mnt, sizeof(mnt), "%s/rcp-xfs.mnt", dir);
	fd = open(img, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 64 << 20))
		die(img);
	if (mkdir(mnt, 0700) && errno != EEXIST)
		die(mnt);
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("/dev/loop-control");
	/* another program may take the free device first: EBUSY, try again */
	for (int tries = 0;; tries++) {
		if ((n = ioctl(ctl, LOOP_CTL_GET_FREE)) < 0)
			die("LOOP_CTL_GET_FREE");
		snprintf(dev, sizeof(dev), "/dev/loop%d", n);
		loop = open(dev, O_RDWR | O_CLOEXEC);
		if (loop < 0)
			die(dev);
		if (!ioctl(loop, LOOP_SET_FD, fd))
			break;
		if (errno != EBUSY || tries == 20)
			die(dev);
		close(loop);
	}
	close(ctl);
	handshake();
	rename_self("rcp-wl-xfsmnt");
	for (long long i = 0; i < count; i++)
		if (!mount(dev, mnt, "xfs", MS_RDONLY | MS_SILENT, NULL)) {
			umount(mnt);
			fprintf(stderr, "rcp-wl: %s mounted as XFS\n", dev);
			_exit(1);
		}
	ioctl(loop, LOOP_CLR_FD, 0);
	close(loop);
	close(fd);
	rmdir(mnt);
	unlink(img);
	_exit(0);
}


/* ---- cpu and memory workloads ---- */

/*
 * Under comm "rcp-wl-brk": exactly COUNT brk(2) calls, each moving the
 * program break up by one page (raw system calls: glibc's sbrk may skip
 * one), then exit_group(0). The break is read with brk(0) before the
 * rename, so sys_enter_brk fires COUNT times under this comm, all from
 * one user stack.
 */
static int wl_brk(long long count)
{
	long page = sysconf(_SC_PAGESIZE), base = syscall(SYS_brk, 0), failed = 0;

	handshake();
	rename_self("rcp-wl-brk");
	for (long long i = 1; i <= count; i++)
		if (syscall(SYS_brk, base + i * page) != base + i * page)
			failed++;
	if (failed) {
		fprintf(stderr, "rcp-wl: %ld brk calls failed\n", failed);
		_exit(1);
	}
	_exit(0);
}

/*
 * Under comm "rcp-wl-madv": COUNT madvise(MADV_HUGEPAGE) calls, one per
 * 2 MiB chunk of an anonymous mapping made before the rename, then
 * exit_group(0). Each call reaches the kernel's hugepage_madvise() once.
 */
static int wl_madvise(long long count)
{
	size_t chunk = 2UL << 20;
	char *mem = mmap(NULL, (size_t)count * chunk + chunk, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		die("mmap");
	handshake();
	rename_self("rcp-wl-madv");
	for (long long i = 0; i < count; i++)
		if (madvise(mem + i * chunk, chunk, MADV_HUGEPAGE))
			die("madvise");
	_exit(0);
}


int main(int argc, char **argv)
{
	const char *cmd;
	int i = 1;

	if (i < argc && !strcmp(argv[i], "--wait-stdin")) {
		wait_stdin = 1;
		i++;
	}
	if (i >= argc)
		usage();
	cmd = argv[i++];
	argc -= i;
	argv += i;

	if (!strcmp(cmd, "read") && (argc == 2 || argc == 3))
		return wl_read(parse_count("COUNT", argv[0], LLONG_MAX),
			       parse_count("SIZE", argv[1], INT_MAX),
			       argc == 3 ? parse_count("PAUSE_MS", argv[2], 3600000) : 0);
	if (!strcmp(cmd, "badread") && argc == 1)
		return wl_badread(parse_count("COUNT", argv[0], LLONG_MAX));
	if (!strcmp(cmd, "getppid") && argc == 1)
		return wl_getppid(parse_count("COUNT", argv[0], LLONG_MAX));
	if (!strcmp(cmd, "dio-write") && argc == 2)
		return wl_dio_write(parse_count("BYTES", argv[0], LLONG_MAX), argv[1]);
	if (!strcmp(cmd, "spin") && argc == 1)
		return wl_spin(parse_count("MILLISECONDS", argv[0], 3600000));
	if (!strcmp(cmd, "touch") && argc == 1)
		return wl_touch(parse_count("PAGES", argv[0], 1LL << 24));
	if (!strcmp(cmd, "exec") && argc == 1)
		return wl_exec(parse_count("COUNT", argv[0], 100000));
	if (!strcmp(cmd, "open") && argc == 2)
		return wl_open(parse_count("COUNT", argv[0], LLONG_MAX), argv[1]);
	if (!strcmp(cmd, "connect") && argc == 2)
		return wl_connect(parse_count("COUNT", argv[0], 100000),
				  parse_count("PORT", argv[1], 65535));
	if (!strcmp(cmd, "sleep") && argc == 2)
		return wl_sleep(parse_count("COUNT", argv[0], LLONG_MAX),
				parse_count("MILLISECONDS", argv[1], 3600000));
	if (!strcmp(cmd, "ucall") && argc == 1)
		return wl_ucall(parse_count("COUNT", argv[0], LONG_MAX));
	if (!strcmp(cmd, "blk-error") && argc == 1)
		return wl_blk_error(argv[0]);
	if (!strcmp(cmd, "refuse") && argc == 2)
		return wl_refuse(parse_count("COUNT", argv[0], 100000),
				 parse_count("PORT", argv[1], 65535));
	if (!strcmp(cmd, "tcp") && argc == 3)
		return wl_tcp(parse_count("COUNT", argv[0], LLONG_MAX),
			      parse_count("SIZE", argv[1], 65536),
			      parse_count("PORT", argv[2], 65535));
	if (!strcmp(cmd, "udp") && argc == 3)
		return wl_udp(parse_count("COUNT", argv[0], LLONG_MAX),
			      parse_count("SIZE", argv[1], 65507),
			      parse_count("PORT", argv[2], 65535));
	if (!strcmp(cmd, "pingq") && argc == 1)
		return wl_pingq(parse_count("COUNT", argv[0], LLONG_MAX));
	if (!strcmp(cmd, "synretry") && argc == 2)
		return wl_synretry(parse_count("COUNT", argv[0], 1000),
				   parse_count("PORT", argv[1], 65535));
	if (!strcmp(cmd, "creat") && argc == 2)
		return wl_creat(parse_count("COUNT", argv[0], LLONG_MAX), argv[1]);
	if (!strcmp(cmd, "stat") && argc == 2)
		return wl_stat(parse_count("COUNT", argv[0], LLONG_MAX), argv[1]);
	if (!strcmp(cmd, "xfsmount") && argc == 2)
		return wl_xfsmount(parse_count("COUNT", argv[0], 100000), argv[1]);
	if (!strcmp(cmd, "readfile") && argc == 3)
		return wl_readfile(parse_count("COUNT", argv[0], LLONG_MAX),
				   parse_count("SIZE", argv[1], INT_MAX), argv[2]);
	if (!strcmp(cmd, "sysopen") && argc == 2)
		return wl_sysopen(parse_count("COUNT", argv[0], LLONG_MAX), argv[1]);
	if (!strcmp(cmd, "write") && argc == 3)
		return wl_write(parse_count("COUNT", argv[0], LLONG_MAX),
				parse_count("SIZE", argv[1], INT_MAX), argv[2]);
	if (!strcmp(cmd, "brk") && argc == 1)
		return wl_brk(parse_count("COUNT", argv[0], 100000));
	if (!strcmp(cmd, "madvise") && argc == 1)
		return wl_madvise(parse_count("COUNT", argv[0], 4096));
	usage();
	return 2;
}
