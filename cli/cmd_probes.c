/*
 * recipe probes: what can be probed on this kernel, by type, like
 * `bpftrace -l`; with -v, each probe's args and their types. Types this
 * kernel cannot attach are named on stderr with the reason, so stdout
 * stays a clean list to grep.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "probes/provider.h"
#include "util/strbuf.h"

struct listing {
	const struct provider *provider;
	const char *full_glob;	/* on "type:target", when no type was named */
	bool verbose;
	size_t count;
};

static void describe(const struct provider *p, const char *spec)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct attach_point *pts = NULL;
	struct strbuf out = STRBUF_INIT;
	size_t n = 0;

	if (!p->expand(p, strchr(spec, ':') + 1, NULL, &pts, &n, &d) && n == 1 &&
	    !p->describe(&pts[0], &out))
		fputs(strbuf_str(&out), stdout);
	for (size_t i = 0; i < n; i++)
		attach_point_release(&pts[i]);
	free(pts);
	strbuf_release(&out);
	diag_list_release(&d);
}

static int print_spec(const char *spec, void *ctx)
{
	struct listing *l = ctx;

	if (l->full_glob && fnmatch(l->full_glob, spec, 0))
		return 0;
	puts(spec);
	l->count++;
	if (l->verbose && l->provider->describe)
		describe(l->provider, spec);
	return 0;
}

int cmd_probes(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct listing l = { 0 };
	const struct provider *only = NULL;
	const char *target_glob = NULL;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (opt == 'h') {
			cli_usage("probes", stdout);
			return EXIT_OK;
		}
		if (opt != 'v')
			return cli_usage_error("probes", "unknown option: %s", argv[optind - 1]);
		l.verbose = true;
	}
	if (argc - optind > 1)
		return cli_usage_error("probes", "one pattern at a time");
	if (optind < argc) {
		const char *pat = argv[optind], *colon = strchr(pat, ':');
		char *type = colon ? xstrndup(pat, (size_t)(colon - pat)) : NULL;

		only = type ? provider_find(type) : NULL;
		free(type);
		if (only)
			target_glob = colon + 1;	/* "t:block:*" names a type by alias too */
		else
			l.full_glob = pat;
	}
	for (size_t i = 0; providers[i]; i++) {
		const struct provider *p = providers[i];
		const char *why = NULL;
		int err;

		if ((only && p != only) || !p->list)
			continue;
		l.provider = p;
		if (!provider_available(p, &why))
			fprintf(stderr, "# %s: this kernel cannot attach it: %s\n", p->name, why);
		err = p->list(p, target_glob, print_spec, &l);
		if (err)
			fprintf(stderr, "# %s: cannot list: %s%s\n", p->name, strerror(-err),
				err == -EACCES || err == -EPERM ? " (run as root)" : "");
	}
	return l.count ? EXIT_OK : EXIT_FAILED;
}
