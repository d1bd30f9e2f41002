/*
 * test_recipe: loading recipes, locating values, and the diagnostics for
 * malformed ones (exact line, column and message).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "load/recipe.h"
#include "util/file.h"
#include "load/yaml_index.h"
#include "util/strbuf.h"

static const char good[] =
	"summary: Total bytes by I/O type\n"			/* 1 */
	"description: |\n"					/* 2 */
	"  Sums the bytes of every block I/O request issued,\n"	/* 3 */
	"  by I/O type.\n"					/* 4 */
	"origin:\n"						/* 5 */
	"  id: bpftrace-disk-5\n"				/* 6 */
	"  tool: bpftrace\n"					/* 7 */
	"  text: \"bpftrace -e 't:block:block_rq_issue { @[args->rwbs] = sum(args->bytes); }'\"\n" /* 8 */
	"probes:\n"						/* 9 */
	"  - tracepoint:block:block_rq_issue\n"			/* 10 */
	"filter: args.bytes > min_bytes\n"			/* 11 */
	"map: bytes\n"						/* 12 */
	"key: [args.rwbs]\n"					/* 13 */
	"aggregate:\n"						/* 14 */
	"  type: sum\n"						/* 15 */
	"  value: args.bytes\n"					/* 16 */
	"params:\n"						/* 17 */
	"  - name: min_bytes\n"					/* 18 */
	"    type: uint\n"					/* 19 */
	"    default: 0\n"					/* 20 */
	"    description: ignore smaller requests\n";		/* 21 */

/* The required part, for building bad variants. */
#define HEAD \
	"summary: s\n" \
	"description: d\n" \
	"origin: {id: a, tool: b, text: c}\n" \
	"probes: [tracepoint:a:b]\n" \
	"aggregate: {type: count}\n"

static struct recipe_file *load_ok(const char *text)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct recipe_file *rf = NULL;
	int ret = recipe_load_string("t.yaml", text, &rf, &d);

	if (ret) {
		diag_print(&d, stderr);
		fail_msg("load failed: %d", ret);
	}
	assert_int_equal(d.n, 0);
	diag_list_release(&d);
	return rf;
}

static void test_good_recipe(void **state)
{
	struct recipe_file *rf = load_ok(good);
	struct recipe *r = rf->r;

	(void)state;
	assert_string_equal(rf->path, "t.yaml");
	assert_null(rf->name);
	assert_string_equal(r->summary, "Total bytes by I/O type");
	assert_string_equal(r->description,
			    "Sums the bytes of every block I/O request issued,\nby I/O type.\n");
	assert_string_equal(r->origin->id, "bpftrace-disk-5");
	assert_string_equal(r->origin->tool, "bpftrace");
	assert_string_equal(r->origin->text,
			    "bpftrace -e 't:block:block_rq_issue { @[args->rwbs] = sum(args->bytes); }'");
	assert_int_equal(r->probes_count, 1);
	assert_string_equal(r->probes[0], "tracepoint:block:block_rq_issue");
	assert_string_equal(r->filter, "args.bytes > min_bytes");
	assert_string_equal(r->map, "bytes");
	assert_int_equal(r->key_count, 1);
	assert_string_equal(r->key[0], "args.rwbs");
	assert_string_equal(r->aggregate->type, "sum");
	assert_string_equal(r->aggregate->value, "args.bytes");
	assert_null(r->aggregate->min);
	assert_null(r->aggregate->max);
	assert_null(r->aggregate->step);
	assert_int_equal(r->params_count, 1);
	assert_string_equal(r->params[0].name, "min_bytes");
	assert_string_equal(r->params[0].type, "uint");
	assert_string_equal(r->params[0].default_value, "0");
	assert_string_equal(r->params[0].description, "ignore smaller requests");
	assert_null(r->max_entries);
	recipe_file_free(rf);
}

static void test_optional_absent_and_lhist(void **state)
{
	struct recipe_file *rf = load_ok(HEAD
		"max_entries: 10240\n"
		"params:\n"
		"  - {name: comm, type: string, default: ''}\n");
	struct recipe *r = rf->r;

	(void)state;
	assert_null(r->filter);
	assert_null(r->map);
	assert_null(r->key);
	assert_int_equal(r->key_count, 0);
	assert_null(r->aggregate->value);
	assert_string_equal(r->max_entries, "10240");
	assert_string_equal(r->params[0].default_value, "");
	assert_null(r->params[0].description);
	recipe_file_free(rf);

	rf = load_ok("summary: s\ndescription: d\norigin: {id: a, tool: b, text: c}\n"
		     "probes: [a, b, 'c']\n"
		     "aggregate: {type: lhist, value: x, min: 0, max: 100, step: 10}\n");
	assert_int_equal(rf->r->probes_count, 3);
	assert_string_equal(rf->r->probes[2], "c");
	assert_string_equal(rf->r->aggregate->min, "0");
	assert_string_equal(rf->r->aggregate->max, "100");
	assert_string_equal(rf->r->aggregate->step, "10");
	recipe_file_free(rf);
	recipe_file_free(NULL);
}

#define assert_at(rf, path, off, l, c) do { \
	struct diag_at at_ = recipe_locate(rf, path, off); \
	assert_string_equal(at_.file, "t.yaml"); \
	assert_int_equal(at_.line, l); \
	assert_int_equal(at_.col, c); \
} while (0)

static void test_locate(void **state)
{
	struct recipe_file *rf = load_ok(good);
	const char *desc = rf->r->description;

	(void)state;
	/* Values themselves. */
	assert_at(rf, "summary", 0, 1, 10);
	assert_at(rf, "probes", 0, 10, 3);
	assert_at(rf, "probes[0]", 0, 10, 5);
	assert_at(rf, "origin.id", 0, 6, 7);
	assert_at(rf, "params[0].default", 0, 20, 14);
	assert_at(rf, "params[0]", 0, 18, 5);
	/* Plain: 'm' of min_bytes. */
	assert_at(rf, "filter", 13, 11, 22);
	assert_at(rf, "probes[0]", 11, 10, 16);
	/* Double-quoted: +1 for the quote; offset 9 is the '-' of -e. */
	assert_at(rf, "origin.text", 9, 8, 19);
	assert_at(rf, "origin.text", 0, 8, 10);
	/* Flow sequence entry: 'r' of rwbs. */
	assert_at(rf, "key[0]", 5, 13, 12);
	/* Literal block: second content line, after the indentation. */
	assert_at(rf, "description", strstr(desc, "I/O type") - desc, 4, 6);
	assert_at(rf, "description", 5, 3, 8);
	/* End of a value: just after its last character. */
	assert_at(rf, "aggregate.value", 10, 16, 20);
	assert_at(rf, "aggregate.value", 999, 16, 20);
	/* Missing paths fall back to the nearest parent. */
	assert_at(rf, "aggregate.min", 3, 15, 3);
	assert_at(rf, "params[0].nope", 0, 18, 5);
	assert_at(rf, "params[3]", 0, 18, 3);
	assert_at(rf, "nope", 0, 1, 1);
	recipe_file_free(rf);
}

static void test_locate_styles(void **state)
{
	struct recipe_file *rf = load_ok(
		"summary: >\n"				/* 1 */
		"  one two\n"				/* 2 */
		"  three\n"				/* 3 */
		"\n"					/* 4 */
		"  four\n"				/* 5 */
		"description: \"h\\u00e9llo\\tx\"\n"	/* 6 */
		"origin: {id: 'it''s', tool: b, text: \"héllo y\"}\n"	/* 7 */
		"probes: [a]\n"				/* 8 */
		"filter: a >\n"				/* 9 */
		"  b\n"					/* 10 */
		"aggregate: {type: count}\n");
	struct recipe *r = rf->r;

	(void)state;
	/* Folded: "one two three\nfour\n". */
	assert_string_equal(r->summary, "one two three\nfour\n");
	assert_at(rf, "summary", 0, 2, 3);
	assert_at(rf, "summary", 4, 2, 7);
	assert_at(rf, "summary", 8, 3, 3);
	assert_at(rf, "summary", 14, 5, 3);
	assert_at(rf, "summary", 16, 5, 5);
	/* Escapes: "h\u00e9llo\tx" decodes to 8 bytes; 'x' is byte 7. */
	assert_string_equal(r->description, "h\xc3\xa9llo\tx");
	assert_at(rf, "description", 1, 6, 16);
	assert_at(rf, "description", 3, 6, 22);
	assert_at(rf, "description", 7, 6, 27);
	assert_at(rf, "description", 8, 6, 28);
	/* Single-quoted '' is one character. */
	assert_string_equal(r->origin->id, "it's");
	assert_at(rf, "origin.id", 3, 7, 19);
	/* UTF-8: columns count characters, offsets count bytes. */
	assert_at(rf, "origin.text", 7, 7, 45);
	/* Multi-line plain scalar folds into one space. */
	assert_string_equal(r->filter, "a > b");
	assert_at(rf, "filter", 4, 10, 3);
	recipe_file_free(rf);
}

static void expect_bad(const char *text, unsigned line, unsigned col,
		       const char *substr)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct recipe_file *rf = (struct recipe_file *)&d;	/* must stay untouched */
	int ret = recipe_load_string("bad.yaml", text, &rf, &d);

	assert_int_equal(ret, -EINVAL);
	assert_ptr_equal(rf, (struct recipe_file *)&d);
	assert_true(d.n >= 1);
	if (!strstr(d.v[0].msg, substr) || d.v[0].line != line ||
	    d.v[0].col != col) {
		diag_print(&d, stderr);
		fail_msg("expected %u:%u '%s'", line, col, substr);
	}
	assert_int_equal(d.v[0].sev, DIAG_ERROR);
	assert_string_equal(d.v[0].file, "bad.yaml");
	diag_list_release(&d);
}

/*
 * issue 11 item 1: every node kept its full path, so 20,000 nested
 * mappings took ~460 MB and seconds before any diagnostic. Past
 * YAML_MAX_DEPTH the index now stops with a located error naming the
 * limit (and libcyaml never runs); just under it, the shape check reports
 * the usual error, with the nested path built on demand.
 */
static char *nested(unsigned levels)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "summary: x\nbogus: ");
	for (unsigned i = 0; i < levels; i++)
		strbuf_addstr(&sb, "{a: ");
	strbuf_addstr(&sb, "1");
	for (unsigned i = 0; i < levels; i++)
		strbuf_addstr(&sb, "}");
	strbuf_addstr(&sb, "\n");
	return strbuf_detach(&sb);
}

static void test_nesting_limit(void **state)
{
	char *deep = nested(20000), *ok = nested(YAML_MAX_DEPTH - 1);

	(void)state;
	/* The root mapping is level 1: the 64th '{' opens level 65. */
	expect_bad(deep, 2, 8 + 4 * (YAML_MAX_DEPTH - 1), "nesting-depth limit");
	expect_bad(ok, 2, 1, "unknown key 'bogus'");
	free(deep);
	free(ok);
}

/* A file past RECIPE_MAX_BYTES is refused unparsed; one just under loads as YAML. */
static void test_file_size_limit(void **state)
{
	char path[] = "/tmp/rcp-test-big.XXXXXX";
	struct diag_list d = DIAG_LIST_INIT;
	struct recipe_file *rf = NULL;
	int fd = mkstemp(path);
	char *text = xcalloc(1, RECIPE_MAX_BYTES + 2);

	(void)state;
	assert_true(fd >= 0);
	/* a YAML comment as long as the limit, and one byte more */
	memset(text, '#', RECIPE_MAX_BYTES + 1);
	assert_int_equal(file_write_all(fd, text, RECIPE_MAX_BYTES + 1), 0);
	close(fd);
	assert_int_equal(recipe_load_file(path, &rf, &d), -EFBIG);
	assert_null(rf);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "the limit for a recipe file (RECIPE_MAX_BYTES)"));
	diag_list_release(&d);

	/* at the limit: read, parsed, and refused for what it says, not its size */
	assert_int_equal(truncate(path, RECIPE_MAX_BYTES), 0);
	assert_int_not_equal(recipe_load_file(path, &rf, &d), -EFBIG);
	assert_true(d.n >= 1 && !strstr(d.v[0].msg, "RECIPE_MAX_BYTES"));
	diag_list_release(&d);
	recipe_file_free(rf);
	unlink(path);
	free(text);
}

static void test_bad_keys(void **state)
{
	(void)state;
	expect_bad(HEAD "filtr: x\n", 6, 1, "unknown key 'filtr'");
	expect_bad(HEAD "aggregate2: {}\n", 6, 1, "unknown key 'aggregate2'");
	expect_bad("summary: s\ndescription: d\norigin: {id: a, tool: b, text: c}\n"
		   "probes: [p]\naggregate:\n  type: sum\n  vlaue: x\n",
		   7, 3, "unknown key 'vlaue' in 'aggregate'");
	expect_bad(HEAD "params:\n  - name: x\n    type: int\n    default: 1\n    desc: y\n",
		   10, 5, "unknown key 'desc' in 'params[0]'");
	expect_bad(HEAD "summary: again\n", 6, 1, "duplicate key 'summary'");
	expect_bad(HEAD "? [a]\n: b\n", 6, 3, "a key must be a plain name");
}

static void test_bad_hints(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct recipe_file *rf = NULL;

	(void)state;
	assert_int_equal(recipe_load_string("h.yaml", HEAD "filtr: x\n", &rf, &d),
			 -EINVAL);
	assert_non_null(d.v[0].hint);
	assert_non_null(strstr(d.v[0].hint, "did you mean 'filter'?"));
	assert_non_null(strstr(d.v[0].hint, "summary, description, origin, probes, "
				"filter, map, key, aggregate, print, params, max_entries"));
	diag_list_release(&d);

	/* Every shape error of the file, not just the first. */
	assert_int_equal(recipe_load_string("h.yaml",
		"summary: s\nsumary: t\norigin: {id: a}\nprobes: []\naggregate: {type: x}\n",
		&rf, &d), -EINVAL);
	assert_int_equal(d.n, 4);
	assert_int_equal(d.v[0].line, 2);
	assert_non_null(strstr(d.v[0].hint, "did you mean 'summary'?"));
	assert_int_equal(d.v[1].line, 3);
	assert_int_equal(d.v[1].col, 9);
	assert_non_null(strstr(d.v[1].msg, "missing required keys 'tool', 'text' in 'origin'"));
	assert_int_equal(d.v[2].line, 4);
	assert_non_null(strstr(d.v[2].msg, "'probes' needs at least 1 entry"));
	assert_int_equal(d.v[3].line, 1);
	assert_non_null(strstr(d.v[3].msg, "missing required key 'description'"));
	diag_list_release(&d);
}

static void test_bad_shapes(void **state)
{
	(void)state;
	expect_bad("description: d\norigin: {id: a, tool: b, text: c}\n"
		   "probes: [p]\naggregate: {type: count}\n",
		   1, 1, "missing required key 'summary'");
	expect_bad("# a comment\n\ndescription: d\nsummary: s\n"
		   "origin: {id: a, tool: b, text: c}\nprobes: [p]\n",
		   3, 1, "missing required key 'aggregate'");
	expect_bad("summary: s\ndescription: d\norigin: {id: a, tool: b, text: c}\n"
		   "probes: tracepoint:a:b\naggregate: {type: count}\n",
		   4, 9, "'probes' must be a list, not a string");
	expect_bad("summary: s\ndescription: d\norigin: {id: a, tool: b, text: c}\n"
		   "probes: []\naggregate: {type: count}\n",
		   4, 9, "'probes' needs at least 1 entry");
	expect_bad("summary: {a: b}\ndescription: d\norigin: {id: a, tool: b, text: c}\n"
		   "probes: [p]\naggregate: {type: count}\n",
		   1, 10, "'summary' must be a string, not a mapping");
	expect_bad(HEAD "key:\n  - a\n  - [b, c]\n", 8, 5,
		   "'key[1]' must be a string, not a list");
	expect_bad(HEAD "key: [a, b, c, d, e, f, g, h, i]\n", 6, 31,
		   "'key' has 9 entries; at most 8 are allowed");
	expect_bad(HEAD "params:\n  name: x\n", 7, 3,
		   "'params' must be a list, not a mapping");
	expect_bad(HEAD "params:\n  - name: x\n    type: int\n", 7, 5,
		   "missing required key 'default' in 'params[0]'");
	expect_bad("summary: s\ndescription: d\norigin:\nprobes: [p]\naggregate: {type: count}\n",
		   3, 1, "'origin' is empty; it must be a mapping");
	expect_bad("summary:\ndescription: d\norigin: {id: a, tool: b, text: c}\n"
		   "probes: [p]\naggregate: {type: count}\n", 1, 9, "'summary' is empty");
	expect_bad("- summary: s\n", 1, 1, "a recipe must be a mapping of keys, not a list");
}

static void test_bad_yaml(void **state)
{
	(void)state;
	expect_bad("summary: \"Total bytes\ndescription: d\n", 1, 10,
		   "invalid YAML: while scanning a quoted scalar, found unexpected end of stream");
	expect_bad("summary: s\n\tdescription: d\n", 2, 1,
		   "invalid YAML: tabs are not allowed in indentation");
	expect_bad("aggregate:\n  type: sum\n\tvalue: x\n", 3, 1,
		   "invalid YAML: tabs are not allowed in indentation");
	expect_bad("summary: s\n  description: d\n", 2, 14,
		   "mapping values are not allowed in this context");
	expect_bad("summary: s\nprobes: [a, b\naggregate: {type: count}\n", 3, 10,
		   "did not find expected ',' or ']'");
	expect_bad("", 1, 1, "empty recipe");
	expect_bad("# only a comment\n\n", 1, 1, "empty recipe");
	expect_bad(HEAD "---\nsummary: again\n", 6, 1, "a second YAML document");
	expect_bad("summary: &s hello\ndescription: *s\n", 2, 14,
		   "YAML aliases are not supported");
	expect_bad("summary: \xff\n", 1, 10, "invalid leading UTF-8 octet");
}

static void test_load_file(void **state)
{
	struct diag_list d = DIAG_LIST_INIT;
	struct recipe_file *rf = NULL;
	char dir[] = "/tmp/test_recipe.XXXXXX";
	char *path;
	FILE *fp;

	(void)state;
	assert_int_equal(recipe_load_file("/nonexistent/x.yaml", &rf, &d), -ENOENT);
	assert_null(rf);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "cannot open: No such file or directory");
	assert_string_equal(d.v[0].file, "/nonexistent/x.yaml");
	assert_int_equal(d.v[0].line, 0);
	diag_list_release(&d);

	assert_non_null(mkdtemp(dir));
	path = NULL;
	assert_true(asprintf(&path, "%s/disk", dir) > 0);
	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
	assert_true(asprintf(&path, "%s/disk/rwbs-bytes.yaml", dir) > 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(good, fp);
	fclose(fp);
	assert_int_equal(recipe_load_file(path, &rf, &d), 0);
	assert_string_equal(rf->name, "disk/rwbs-bytes");
	assert_string_equal(rf->path, path);
	assert_string_equal(rf->r->params[0].name, "min_bytes");
	assert_int_equal(recipe_locate(rf, "filter", 0).line, 11);
	recipe_file_free(rf);
	unlink(path);
	free(path);

	/* Not under a category directory: no name. */
	assert_true(asprintf(&path, "%s/x.yaml", dir) > 0);
	fp = fopen(path, "w");
	fputs(good, fp);
	fclose(fp);
	assert_int_equal(recipe_load_file(path, &rf, &d), 0);
	assert_null(rf->name);
	recipe_file_free(rf);
	unlink(path);
	free(path);

	assert_true(asprintf(&path, "%s/disk", dir) > 0);
	rmdir(path);
	free(path);
	rmdir(dir);
	assert_int_equal(d.n, 0);
}

/*
 * The shape fixtures of tests/bad/ (the CLI test runs `recipe check` on
 * every file there): each says on its first line where the error is.
 */
static void test_bad_fixtures(void **state)
{
	static const char *const names[] = {
		"alias", "duplicate-key", "empty", "empty-origin", "indentation",
		"key-too-long", "missing-origin-text", "missing-summary",
		"nested-unknown-key", "not-mapping", "nul-byte", "param-missing-default",
		"probes-empty", "probes-not-list", "summary-mapping",
		"tab-indent", "unclosed-quote", "unknown-key",
	};
	const char *src = getenv("RECIPE_SRCDIR");

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct diag_list d = DIAG_LIST_INIT;
		struct recipe_file *rf = NULL;
		char *path, line[256], sub[200];
		unsigned l, c;
		FILE *fp;

		assert_true(asprintf(&path, "%s/tests/bad/bad-%s.yaml",
				     src ? src : ".", names[i]) > 0);
		fp = fopen(path, "r");
		if (!fp)
			fail_msg("cannot open %s", path);
		assert_non_null(fgets(line, sizeof(line), fp));
		fclose(fp);
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "# expect: %u:%u: error: %199[^\n]", &l, &c, sub) != 3)
			fail_msg("%s: bad expect line '%s'", path, line);
		assert_int_equal(recipe_load_file(path, &rf, &d), -EINVAL);
		assert_null(rf);
		if (d.v[0].line != l || d.v[0].col != c || !strstr(d.v[0].msg, sub)) {
			diag_print(&d, stderr);
			fail_msg("%s: expected %u:%u '%s'", path, l, c, sub);
		}
		assert_string_equal(d.v[0].file, path);
		diag_list_release(&d);
		free(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_recipe),
		cmocka_unit_test(test_optional_absent_and_lhist),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_locate_styles),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_bad_hints),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_bad_yaml),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_bad_fixtures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
