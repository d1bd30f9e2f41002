/*
 * recipe prebuild: compile the catalogue (or the named recipes) for the
 * running kernel into the object cache, several at once, so that the
 * first `recipe run` of each is a warm start (issue 14). The cache key
 * covers the kernel's BTF, so a kernel upgrade makes them build again.
 *
 * Each recipe is built in a child process of its own (clang is the
 * cost, and it is a process anyway): the child loads, plans and builds
 * one recipe, prints that recipe's diagnostics, and tells its outcome
 * by its exit status. The parent keeps at most -j children running.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "compile/object.h"
#include "load/catalog.h"
#include "load/recipe.h"

/* A child's exit status: what became of its recipe. */
enum built {
	BUILT_COMPILED = 0,	/* clang ran; the object is in the cache now */
	BUILT_CACHED = 10,	/* already there */
	BUILT_FAILED = 11,	/* its diagnostics are on stderr */
	BUILT_ABSENT = 12,	/* its event source is not on this kernel (recipe list says why) */
};

static const char *const built_words[] = {
	[BUILT_COMPILED] = "compiled",
	[BUILT_CACHED] = "cached",
	[BUILT_FAILED] = "failed",
	[BUILT_ABSENT] = "source absent here",
};

/* In the child: build one recipe; never returns. */
static void build_one(const char *name)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct plan_opts opts = { 0 };
	struct recipe_file *rf = NULL;
	struct plan *p = NULL;
	struct object obj = { 0 };
	int err = cli_load_plan(name, &opts, &rf, &p, &d);
	enum built b;

	if (!err)
		err = object_build(p, &obj, &d);
	if (err && diag_only_absent(&d, 0))
		b = BUILT_ABSENT;	/* nothing to build here, and nothing wrong */
	else
		b = cli_exit_for(err, 0, &d, name) != EXIT_OK ? BUILT_FAILED :
		    obj.from_cache ? BUILT_CACHED : BUILT_COMPILED;
	if (b != BUILT_ABSENT)
		diag_print(&d, stderr);
	diag_list_release(&d);
	object_release(&obj);
	plan_free(p);
	recipe_file_free(rf);
	fflush(stderr);
	_exit(b);
}

struct job {
	pid_t pid;
	const char *name;
};

/* Wait for one child; count and report its outcome. */
static void reap_one(struct job *jobs, unsigned njobs, unsigned counts[])
{
	int status;
	pid_t pid = wait(&status);
	enum built b = BUILT_FAILED;

	if (pid < 0)
		return;
	if (WIFEXITED(status) && (WEXITSTATUS(status) == BUILT_COMPILED ||
				  WEXITSTATUS(status) == BUILT_CACHED ||
				  WEXITSTATUS(status) == BUILT_ABSENT))
		b = (enum built)WEXITSTATUS(status);
	for (unsigned i = 0; i < njobs; i++)
		if (jobs[i].pid == pid) {
			printf("  %-32s %s\n", jobs[i].name, built_words[b]);
			jobs[i].pid = 0;
			break;
		}
	fflush(stdout);
	counts[b]++;
}

int cmd_prebuild(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct catalog_entry *all = NULL;
	size_t nall = 0;
	const char **names;
	unsigned nnames = 0, counts[BUILT_ABSENT + 1] = { 0 }, running = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned max_jobs = cpus > 0 ? (unsigned)cpus : 1;
	struct job *jobs;
	struct utsname un;
	int opt, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
		long jobs;

		if (opt == 'h') {
			cli_usage("prebuild", stdout);
			return EXIT_OK;
		}
		if (opt == 'j' && cli_parse_count(optarg, 1, 256, &jobs)) {
			max_jobs = (unsigned)jobs;
			continue;
		}
		if (opt == 'j')
			return cli_usage_error("prebuild", "--jobs '%s': expected a number from 1 to 256",
					       optarg);
		return cli_usage_error("prebuild", "unknown option '%s'", argv[optind - 1]);
	}
	ret = cli_check_env("recipe prebuild");
	if (ret)
		return ret;
	if (optind < argc) {
		names = xcalloc((size_t)(argc - optind), sizeof(*names));
		for (int i = optind; i < argc; i++)
			names[nnames++] = argv[i];
	} else {
		if (catalog_list(&all, &nall, NULL)) {
			fprintf(stderr, "recipe: error: cannot read the catalogue\n");
			return EXIT_FAILED;
		}
		names = xcalloc(nall ? nall : 1, sizeof(*names));
		for (size_t i = 0; i < nall; i++)
			names[nnames++] = all[i].name;
	}
	uname(&un);
	printf("Building %u recipe%s for kernel %s, %u at a time:\n", nnames,
	       nnames == 1 ? "" : "s", un.release, max_jobs);
	fflush(stdout);
	jobs = xcalloc(nnames ? nnames : 1, sizeof(*jobs));
	for (unsigned i = 0; i < nnames; i++) {
		pid_t pid;

		if (running == max_jobs) {
			reap_one(jobs, i, counts);
			running--;
		}
		pid = fork();
		if (pid == 0)
			build_one(names[i]);
		if (pid < 0) {
			fprintf(stderr, "recipe: error: fork: %s\n", strerror(errno));
			counts[BUILT_FAILED]++;
			continue;
		}
		jobs[i] = (struct job){ pid, names[i] };
		running++;
	}
	while (running--)
		reap_one(jobs, nnames, counts);
	printf("%u compiled, %u already cached, %u failed", counts[BUILT_COMPILED],
	       counts[BUILT_CACHED], counts[BUILT_FAILED]);
	if (counts[BUILT_ABSENT])
		printf(", %u source absent here (recipe list says why)", counts[BUILT_ABSENT]);
	putchar('\n');
	free(jobs);
	free(names);
	catalog_entries_free(all, nall);
	return counts[BUILT_FAILED] ? EXIT_FAILED : EXIT_OK;
}
