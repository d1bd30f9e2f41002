/*
 * test_diag: how diagnostics print at the edge: the location, the
 * source line with a caret under the column (tabs kept, control bytes
 * masked, a long line shown around its column), every hint of a
 * diagnostic on its own line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "util/strbuf.h"

static char path[] = "/tmp/rcp-test-diag.XXXXXX";

static void write_source(const char *text)
{
	int fd = mkstemp(path);
	FILE *fp;

	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* noinline: gcc cannot see that fclose() sets buf, and calls it dangling */
__attribute__((noinline)) static char *printed(const struct diag_list *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	diag_print(d, fp);
	fclose(fp);
	return buf;
}

static void expect_printed(const struct diag_list *d, const char *want)
{
	char *got = printed(d);

	if (strcmp(got, want))
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	free(got);
}

static int cleanup(void **state)
{
	(void)state;
	unlink(path);
	strcpy(path + strlen(path) - 6, "XXXXXX");
	return 0;
}

static void test_caret_and_hints(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct diag_at at;
	char *want;

	(void)state;
	write_source("probes: [x]\nfilter: args.rett > 0\n");
	at = (struct diag_at){ path, 2, 9 };
	diag_err(&d, &at, "no field 'rett'");
	diag_hint(&d, "did you mean 'ret'?");
	diag_hint(&d, "fields: a, b,\nc");
	want = xasprintf("%s:2:9: error: no field 'rett'\n"
			 "     2 | filter: args.rett > 0\n"
			 "       |         ^\n"
			 "  hint: did you mean 'ret'?\n"
			 "  hint: fields: a, b,\n"
			 "        c\n", path);
	expect_printed(&d, want);
	/* the structured hint keeps both, told apart by the separator */
	assert_non_null(strchr(d.v[0].hint, DIAG_HINT_SEP));
	free(want);
	diag_list_release(&d);
}

static void test_tabs_controls_and_end(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct diag_at at;
	char *want;

	(void)state;
	write_source("a:\tb\x01 c\n");
	at = (struct diag_at){ path, 1, 7 };
	diag_err(&d, &at, "here");
	/* one past the end: the diagnostic is about what is missing there */
	at.col = 8;
	diag_add(&d, DIAG_WARNING, &at, "at the end");
	/* past that: nothing to point at */
	at.col = 20;
	diag_add(&d, DIAG_NOTE, &at, "beyond");
	want = xasprintf("%s:1:7: error: here\n"
			 "     1 | a:\tb? c\n"
			 "       |   \t   ^\n"
			 "%s:1:8: warning: at the end\n"
			 "     1 | a:\tb? c\n"
			 "       |   \t    ^\n"
			 "%s:1:20: note: beyond\n", path, path, path);
	expect_printed(&d, want);
	free(want);
	diag_list_release(&d);
}

static void test_long_line_window(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct strbuf src = STRBUF_INIT;
	struct diag_at at;
	char *got, *line, *caret;

	(void)state;
	for (int i = 0; i < 1000; i++)
		strbuf_addch(&src, (char)('a' + i % 26));
	strbuf_addch(&src, '\n');
	write_source(strbuf_str(&src));
	at = (struct diag_at){ path, 1, 500 };
	diag_err(&d, &at, "deep");
	got = printed(&d);
	line = strstr(got, "     1 | ...");
	assert_non_null(line);
	caret = strstr(line, "\n       | ");
	assert_non_null(caret);
	/* the caret sits under byte 500 of the line, shown after a "..." */
	caret += strlen("\n       | ");
	line += strlen("     1 | ");
	assert_int_equal(line[strchr(caret, '^') - caret], src.buf[499]);
	assert_true(strchr(line, '\n') - line < 120);
	free(got);
	strbuf_release(&src);
	diag_list_release(&d);
}

static void test_no_file_no_source(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct diag_at at = { "/nonexistent/recipe.yaml", 3, 4 };

	(void)state;
	diag_err(&d, &at, "gone");
	diag_err(&d, NULL, "no place");
	diag_hint(&d, "one");
	expect_printed(&d, "/nonexistent/recipe.yaml:3:4: error: gone\n"
			   "recipe: error: no place\n"
			   "  hint: one\n");
	diag_list_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_caret_and_hints, cleanup),
		cmocka_unit_test_teardown(test_tabs_controls_and_end, cleanup),
		cmocka_unit_test_teardown(test_long_line_window, cleanup),
		cmocka_unit_test(test_no_file_no_source),
	};

	return cmocka_run_group_tests_name("unit/diag", tests, NULL, NULL);
}
