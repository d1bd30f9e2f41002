/*
 * test_printf: a print recipe's format, parsed and applied in user
 * space: every conversion, flags and widths, errors with their offsets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/printf.h"

static char *render(const char *fmt, const struct report_key_part *parts)
{
	struct print_format *f;
	unsigned off;
	char err[128], *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_int_equal(print_format_parse(fmt, &f, &off, err, sizeof(err)), 0);
	print_format_write(f, parts, fp);
	fclose(fp);
	print_format_free(f);
	return buf;
}

static void test_conversions(void **state)
{
	struct report_key_part parts[] = {
		{ .kind = RK_INT, .i = -42 },
		{ .kind = RK_UINT, .u = 255 },
		{ .kind = RK_STR, .s = "bash" },
		{ .kind = RK_UINT, .u = 255 },
		{ .kind = RK_INT, .i = 65 },
		{ .kind = RK_UINT, .u = 8 },
		{ .kind = RK_INT, .i = 7 },
	};
	char *out;

	(void)state;
	out = render("%-5d|%04x|%-6s|%X|%c|%o|%lld 100%%\n", parts);
	assert_string_equal(out, "-42  |00ff|bash  |FF|A|10|7 100%\n");
	free(out);
	/* %s of a number prints it; precision cuts strings */
	out = render("[%s] [%.2s]", (struct report_key_part[]){
		{ .kind = RK_INT, .i = -3 }, { .kind = RK_STR, .s = "abcdef" } });
	assert_string_equal(out, "[-3] [ab]");
	free(out);
}

static void test_arg_queries(void **state)
{
	struct print_format *f;
	unsigned off;
	char err[128];

	(void)state;
	assert_int_equal(print_format_parse("x %d y %s %% %5u\n", &f, &off, err, sizeof(err)), 0);
	assert_int_equal(print_format_nargs(f), 3);
	assert_false(print_format_wants_string(f, 0));
	assert_true(print_format_wants_string(f, 1));
	assert_int_equal(print_format_offset(f, 0), 2);
	assert_int_equal(print_format_offset(f, 1), 7);
	assert_int_equal(print_format_offset(f, 2), 13);
	print_format_free(f);
}

static void test_errors(void **state)
{
	static const struct { const char *fmt; unsigned off; const char *msg; } bad[] = {
		{ "ok %q", 3, "unsupported conversion '%q'" },
		{ "%5", 0, "unsupported conversion '%5'" },
		{ "a %-08.3z", 2, "unsupported conversion" },
		{ "%", 0, "unsupported conversion '%'" },
		{ "x %.99999999999999999d", 2, "width or precision above 1024" },
		{ "%999999999d", 0, "width or precision above 1024" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct print_format *f = NULL;
		unsigned off = 99;
		char err[128] = "";

		assert_int_equal(print_format_parse(bad[i].fmt, &f, &off, err, sizeof(err)), -22);
		assert_null(f);
		assert_int_equal(off, bad[i].off);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': '%s' lacks '%s'", bad[i].fmt, err, bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_arg_queries),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
