/*
 * cli: the `recipe` command line, a thin layer over the engine. One
 * table (main.c) lists the subcommands; each lives in cmd_<name>.c,
 * parses its own options, and prints diagnostics once, at the edge.
 */
#ifndef RECIPE_CLI_H
#define RECIPE_CLI_H

#include <stdbool.h>

#include "check/plan.h"
#include "diag.h"
#include "load/recipe.h"

/* Exit codes (documented in docs/cli.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* the recipe is wrong or the run failed */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_ENV = 3,		/* environment: not root, no BTF, no clang */
	/*
	 * stdout's reader went away (`recipe run ... | head`). main() ends
	 * the process by SIGPIPE, as git does, so a shell sees 141 as from
	 * any filter whose pipe closed.
	 */
	EXIT_PIPE = 141,
};

struct cli_cmd {
	const char *name;
	const char *usage;	/* after "recipe NAME " */
	const char *summary;
	const char *help;	/* options, one per line */
	int (*fn)(int argc, char **argv);
};

int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_prebuild(int argc, char **argv);
int cmd_probes(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* Print usage of a command to fp (stdout for --help, stderr for errors). */
void cli_usage(const char *name, FILE *fp);
/*
 * The exit code of a command whose engine calls returned err: EXIT_OK
 * for 0, else EXIT_FAILED, and when err came with no new error in d
 * (errors_before: diag_errors(d) before the calls) an internal error
 * naming what failed is added, so no failure exits silently or 0.
 */
int cli_exit_for(int err, size_t errors_before, struct diag_list *d, const char *what);

/* s is a decimal number from min to max, nothing else: true with it in *out. */
bool cli_parse_count(const char *s, long min, long max, long *out);

/* Print an error (and usage) for a bad command line; returns EXIT_USAGE. */
int cli_usage_error(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Find, load and plan a recipe by name or path. Returns 0, or -errno
 * with the reasons in d; *rf and *p are set only on success.
 */
int cli_load_plan(const char *name, const struct plan_opts *opts,
		  struct recipe_file **rf, struct plan **p, struct diag_list *d);

/*
 * Check what every BPF command needs (root, kernel BTF, clang); on a
 * problem, print it and return EXIT_ENV, else EXIT_OK.
 */
int cli_check_env(const char *what);

#endif
