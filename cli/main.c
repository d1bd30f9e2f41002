/*
 * recipe: run the classic BPF one-liners as declarative YAML recipes.
 * main() dispatches on the command table, then checks that stdout was
 * written completely (as git does), so `recipe run ... > full-disk`
 * cannot fail silently.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compile/clang.h"
#include "compile/object.h"
#include "load/catalog.h"
#include "util/vmlinux.h"

static const struct cli_cmd commands[] = {
	{ "list", "[--category CATEGORY] [--origin ID] [--markdown] [WORD]",
	  "list the recipes, and whether this kernel can run each",
	  "  -C, --category CAT   only recipes of CAT (cpu, memory, fs, disk, net)\n"
	  "  -o, --origin ID      only the recipe(s) reproducing one-liner ID (recipes/one-liners.tsv)\n"
	  "      --markdown       the catalogue as docs/catalogue.md (make catalogue)\n"
	  "  WORD                 only recipes whose name, summary, description or origin mention WORD\n",
	  cmd_list },
	{ "show", "NAME|FILE.yaml [--c]",
	  "show a recipe and the one-liner it reproduces",
	  "      --c              print the generated BPF C instead\n",
	  cmd_show },
	{ "run", "NAME|FILE.yaml [options]",
	  "run a recipe and print its report",
	  "  -d, --duration S     stop after S seconds (default: Ctrl-C)\n"
	  "  -i, --interval S     print and clear the report every S seconds\n"
	  "  -p, --param K=V      set a recipe param (repeatable)\n"
	  "      --pid PID        only events of process PID\n"
	  "      --comm NAME      only events of processes named NAME\n"
	  "  -c, --cmd 'CMD ARGS' run CMD once attached, trace only it, stop when it exits\n"
	  "  -f, --format FMT     text (default, bpftrace's layout), json, folded (flame graph stacks), bpftrace-json (as bpftrace -f json)\n"
	  "      --max-probes N   allow N attach points after globs expand (default: the recipe's max_probes, else 512)\n"
	  "  -o, --output FILE    write the report (and events) to FILE instead of stdout\n",
	  cmd_run },
	{ "serve", "[--listen ADDR:PORT] [--max-keys N] NAME|FILE.yaml...",
	  "keep recipes attached and serve their maps to Prometheus on /metrics",
	  "  -l, --listen A:P     where to listen (default 127.0.0.1:9435; port 0: any free one)\n"
	  "      --max-keys N     keys per recipe map at most, the largest kept (default 1000, 0: all)\n",
	  cmd_serve },
	{ "probes", "[-v] [PATTERN]",
	  "list what can be probed here, by type (PATTERN: a glob such as 'tracepoint:block:*')",
	  "  -v, --verbose        also each probe's args and their types\n",
	  cmd_probes },
	{ "check", "FILE.yaml|NAME...",
	  "check recipes: load, check, render, compile and verifier-load, without attaching",
	  "",
	  cmd_check },
	{ "prebuild", "[-j N] [NAME...]",
	  "compile the catalogue (or the named recipes) for this kernel into the cache, so their first run starts warm",
	  "  -j, --jobs N         compile N at a time (default: the number of CPUs)\n",
	  cmd_prebuild },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void cli_usage(const char *name, FILE *fp)
{
	const struct cli_cmd *c = find_command(name);

	if (!c)
		return;
	fprintf(fp, "usage: recipe %s %s\n\n%s.\n", c->name, c->usage, c->summary);
	if (*c->help)
		fprintf(fp, "\noptions:\n%s", c->help);
	fputs("  -h, --help           show this help\n", fp);
}

int cli_usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;

	fputs("recipe: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  hint: recipe %s --help shows the options\n", name);
	return EXIT_USAGE;
}

static void usage(FILE *fp)
{
	fputs("usage: recipe COMMAND [ARGS]\n\ncommands:\n", fp);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-7s %s\n", commands[i].name, commands[i].summary);
	fputs("\n  recipe COMMAND --help   options of a command\n"
	      "  recipe --version        print the version\n\n"
	      "exit codes: 0 ok, 1 recipe or run failed, 2 usage, 3 environment\n"
	      "(not root, no kernel BTF, no clang), 141 stdout's reader went away\n", fp);
}

bool cli_parse_count(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int cli_exit_for(int err, size_t errors_before, struct diag_list *d, const char *what)
{
	if (!err)
		return EXIT_OK;
	if (diag_errors(d) == errors_before)
		diag_err(d, NULL, "internal: %s failed without a diagnostic (%s)", what,
			 strerror(err < 0 ? -err : err));
	return EXIT_FAILED;
}

int cli_check_env(const char *what)
{
	struct diag_list d = DIAG_LIST_INIT;

	if (geteuid() != 0) {
		diag_err(&d, NULL, "%s needs root: it loads BPF programs into the kernel", what);
		diag_hint(&d, "sudo recipe ...");
	} else if (access(vmlinux_btf_path(), R_OK)) {
		diag_err(&d, NULL, "no kernel BTF at %s: %s", vmlinux_btf_path(),
			 strerror(errno));
		diag_hint(&d, "recipe needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
	} else if (!clang_path()) {
		diag_err(&d, NULL, "clang not found: recipe compiles BPF programs at run time");
		diag_hint(&d, "%s", clang_problem());
	}
	if (diag_ok(&d)) {
		object_warn_root_env(&d);
		diag_print(&d, stderr);
		diag_list_release(&d);
		return EXIT_OK;
	}
	diag_print(&d, stderr);
	diag_list_release(&d);
	return EXIT_ENV;
}

int cli_load_plan(const char *name, const struct plan_opts *opts,
		  struct recipe_file **rf, struct plan **p, struct diag_list *d)
{
	char *path = NULL;
	int err = catalog_resolve(name, &path, d);

	if (err)
		return err;
	err = recipe_load_file(path, rf, d);
	free(path);
	if (err)
		return err;
	err = plan_build(*rf, opts, p, d);
	if (err) {
		recipe_file_free(*rf);
		*rf = NULL;
	}
	return err;
}

/* Die of SIGPIPE, as a filter whose reader went away does (git's check_pipe()). */
static int die_of_sigpipe(void)
{
	sigset_t pipe_only;

	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &pipe_only, NULL);
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	return EXIT_PIPE;	/* not reached */
}

/*
 * Every command's output is complete or the exit says it is not, as in
 * git's run_builtin(): flush, check the stream's error flag, close. A
 * reader that went away is SIGPIPE's exit; any other failure (a full
 * disk) is an error.
 */
static int finish_stdout(int ret)
{
	int err = 0;

	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout))
		err = errno ? errno : EIO;
	if (fclose(stdout) == EOF && !err)
		err = errno ? errno : EIO;
	if (ret == EXIT_PIPE || err == EPIPE)
		return die_of_sigpipe();
	if (err) {
		fprintf(stderr, "recipe: error: writing the output failed: %s\n",
			strerror(err));
		return EXIT_FAILED;
	}
	return ret;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;
	int ret;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && find_command(argv[2]))
			cli_usage(argv[2], stdout);
		else
			usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("recipe %s\n", RECIPE_VERSION);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "recipe: error: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	ret = c->fn(argc - 1, argv + 1);
	return finish_stdout(ret);
}
