/*
 * unit.h: what several unit tests share. Include after <cmocka.h>.
 */
#ifndef RECIPE_TESTS_UNIT_H
#define RECIPE_TESTS_UNIT_H

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

/* A recipe's required part, 3 lines: tests count line numbers from it. */
#define HEAD \
	"summary: s\n" \
	"description: d\n" \
	"origin: {id: a, tool: b, text: c}\n"

#endif
