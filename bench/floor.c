/*
 * floor: the benchmark's performance floor, a hand-written libbpf loader
 * that does the least a tracer can: open a pre-compiled object
 * (floor.bpf.o), load it, attach its one tracepoint program, say "ready"
 * on stderr, wait for SIGINT or SIGTERM, print the map's one value and
 * exit.  No code generation, no compiler, no YAML: whatever recipe
 * spends beyond this is the price of its conveniences.
 *
 * Usage: floor FILE.bpf.o
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct bpf_map *map;
	unsigned long long total = 0;
	unsigned int key = 0;
	sigset_t set;
	int sig, err;

	if (argc != 2) {
		fprintf(stderr, "usage: floor FILE.bpf.o\n");
		return 2;
	}
	libbpf_set_print(libbpf_quiet);

	/* Block the signals first: one that arrives while loading is kept. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "floor: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "floor: load: %s\n", strerror(-err));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "floor_rq_issue");
	map = bpf_object__find_map_by_name(obj, "floor_bytes");
	if (!prog || !map) {
		fprintf(stderr, "floor: %s lacks floor_rq_issue or floor_bytes\n", argv[1]);
		return 1;
	}
	link = bpf_program__attach(prog);
	if (!link) {
		fprintf(stderr, "floor: attach: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "ready\n");

	if (sigwait(&set, &sig))
		return 1;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, &total)) {
		fprintf(stderr, "floor: map lookup: %s\n", strerror(errno));
		return 1;
	}
	printf("@bytes: %llu\n", total);
	fflush(stdout);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
}
