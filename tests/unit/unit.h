/*
 * unit.h: what several unit tests share. Include after <cmocka.h>.
 */
#ifndef RECIPE_TESTS_UNIT_H
#define RECIPE_TESTS_UNIT_H

#include <stdlib.h>
#include <unistd.h>

/* Skip the test, saying why, unless it runs as root. */
#define NEED_ROOT()							\
	do {								\
		if (geteuid() != 0) {					\
			print_message("skipped: needs root (tracefs, "	\
				      "loading BPF programs)\n");	\
			skip();						\
		}							\
	} while (0)

/*
 * Skip unless the tracepoints can be read: as root (the engine mounts
 * tracefs), or from the checked-in formats RECIPE_TRACEFS names (make
 * check sets it for the hermetic tests, which then run as any user).
 */
#define NEED_TRACEFS()							\
	do {								\
		const char *tfs_ = getenv("RECIPE_TRACEFS");		\
									\
		if (geteuid() != 0 && !(tfs_ && *tfs_)) {		\
			print_message("skipped: needs root or "		\
				      "RECIPE_TRACEFS (tracepoint formats)\n"); \
			skip();						\
		}							\
	} while (0)

/* A recipe's required part, 3 lines: tests count line numbers from it. */
#define HEAD \
	"summary: s\n" \
	"description: d\n" \
	"origin: {id: a, tool: b, text: c}\n"

#endif
