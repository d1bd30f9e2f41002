/*
 * test_schema: schema/recipe.schema.json and the libcyaml tables describe
 * the same format. Both are walked together: at every mapping the same
 * property names and the same required set, at every value a compatible
 * type and the same length and count bounds. A field added to one side
 * only fails here. The mismatch counter is itself tested on doctored
 * copies, so a comparator that always agrees would fail too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cyaml/cyaml.h>
#include <json-c/json.h>

#include "check/agg.h"
#include "load/recipe.h"
#include "util/strbuf.h"

static int mismatch(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int mismatch(const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "schema mismatch at '%s': ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static bool has_type(json_object *j, const char *type)
{
	json_object *t;

	if (!json_object_object_get_ex(j, "type", &t))
		return false;
	if (json_object_is_type(t, json_type_string))
		return !strcmp(json_object_get_string(t), type);
	for (size_t i = 0; i < json_object_array_length(t); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(t, i)),
			    type))
			return true;
	return false;
}

/* An integer keyword, or `dflt` when absent. */
static long long num(json_object *j, const char *key, long long dflt)
{
	json_object *v;

	return json_object_object_get_ex(j, key, &v) ? json_object_get_int64(v) : dflt;
}

static bool in_required(json_object *j, const char *key)
{
	json_object *req;

	if (!json_object_object_get_ex(j, "required", &req))
		return false;
	for (size_t i = 0; i < json_object_array_length(req); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(req, i)),
			    key))
			return true;
	return false;
}

static int compare(const cyaml_schema_value_t *v, json_object *j, const char *path);

static int compare_mapping(const cyaml_schema_field_t *fields, json_object *j,
			   const char *path)
{
	json_object *props, *addl, *req;
	int bad = 0;

	if (!json_object_object_get_ex(j, "additionalProperties", &addl) ||
	    json_object_get_boolean(addl))
		bad += mismatch(path, "additionalProperties must be false");
	if (!json_object_object_get_ex(j, "properties", &props))
		return bad + mismatch(path, "no properties");
	for (const cyaml_schema_field_t *f = fields; f->key; f++) {
		json_object *p;
		char *sub;
		bool required = !(f->value.flags & CYAML_FLAG_OPTIONAL);

		if (asprintf(&sub, "%s%s%s", path, *path ? "." : "", f->key) < 0)
			abort();
		if (!json_object_object_get_ex(props, f->key, &p)) {
			bad += mismatch(sub, "in the cyaml tables only");
		} else {
			if (required != in_required(j, f->key))
				bad += mismatch(sub, "required in %s only",
						required ? "cyaml" : "JSON");
			bad += compare(&f->value, p, sub);
		}
		free(sub);
	}
	json_object_object_foreach(props, key, val) {
		const cyaml_schema_field_t *f = fields;

		(void)val;
		while (f->key && strcmp(f->key, key))
			f++;
		if (!f->key)
			bad += mismatch(path, "property '%s' in the JSON schema only", key);
	}
	if (json_object_object_get_ex(j, "required", &req))
		for (size_t i = 0; i < json_object_array_length(req); i++) {
			const char *key = json_object_get_string(json_object_array_get_idx(req, i));
			const cyaml_schema_field_t *f = fields;

			while (f->key && strcmp(f->key, key))
				f++;
			if (!f->key)
				bad += mismatch(path, "required '%s' is not a property", key);
		}
	return bad;
}

static int compare(const cyaml_schema_value_t *v, json_object *j, const char *path)
{
	json_object *items;
	long long max;

	switch (v->type) {
	case CYAML_STRING:
		if (!has_type(j, "string"))
			return mismatch(path, "string in cyaml, not in JSON");
		max = v->string.max == CYAML_UNLIMITED ? -1 : (long long)v->string.max;
		if (num(j, "minLength", 0) != v->string.min ||
		    num(j, "maxLength", -1) != max)
			return mismatch(path, "string length bounds differ");
		return 0;
	case CYAML_MAPPING:
		if (!has_type(j, "object"))
			return mismatch(path, "mapping in cyaml, not an object in JSON");
		return compare_mapping(v->mapping.fields, j, path);
	case CYAML_SEQUENCE: {
		char *sub;
		int bad;

		if (!has_type(j, "array"))
			return mismatch(path, "sequence in cyaml, not an array in JSON");
		max = v->sequence.max == CYAML_UNLIMITED ? -1 : (long long)v->sequence.max;
		if (num(j, "minItems", 0) != v->sequence.min ||
		    num(j, "maxItems", -1) != max)
			return mismatch(path, "item count bounds differ");
		if (!json_object_object_get_ex(j, "items", &items))
			return mismatch(path, "array without items");
		if (asprintf(&sub, "%s[]", path) < 0)
			abort();
		bad = compare(v->sequence.entry, items, sub);
		free(sub);
		return bad;
	}
	default:
		return mismatch(path, "cyaml type %d has no JSON counterpart", v->type);
	}
}

static json_object *load_schema(void)
{
	const char *src = getenv("RECIPE_SRCDIR");
	char *path;
	json_object *j;

	if (asprintf(&path, "%s/schema/recipe.schema.json", src ? src : ".") < 0)
		abort();
	j = json_object_from_file(path);
	if (!j)
		fail_msg("cannot parse %s: %s", path, json_util_get_last_err());
	free(path);
	return j;
}

static void test_agree(void **state)
{
	json_object *j = load_schema();

	(void)state;
	assert_true(has_type(j, "object"));
	assert_int_equal(compare(recipe_cyaml_schema(), j, ""), 0);
	json_object_put(j);
}

static json_object *at(json_object *j, const char *a, const char *b)
{
	json_object *x, *y;

	assert_true(json_object_object_get_ex(j, a, &x));
	assert_true(json_object_object_get_ex(x, b, &y));
	return y;
}

static void test_detects_json_drift(void **state)
{
	json_object *j = load_schema();
	json_object *props = at(j, "properties", "origin");

	(void)state;
	/* A property added on the JSON side only, one level down. */
	json_object_object_add(json_object_object_get(props, "properties"),
			       "url", json_object_new_object());
	assert_int_equal(compare(recipe_cyaml_schema(), j, ""), 1);
	json_object_put(j);

	/* A property removed from the JSON side. */
	j = load_schema();
	json_object_object_del(json_object_object_get(
		at(j, "properties", "aggregate"), "properties"), "step");
	assert_int_equal(compare(recipe_cyaml_schema(), j, ""), 1);
	json_object_put(j);

	/* A field made optional on one side only. */
	j = load_schema();
	json_object_object_del(j, "required");
	json_object_object_add(j, "required", json_object_new_array());
	assert_int_equal(compare(recipe_cyaml_schema(), j, ""), 4);
	json_object_put(j);

	/* A type and a bound changed. */
	j = load_schema();
	json_object_object_add(at(j, "properties", "summary"), "type",
			       json_object_new_string("integer"));
	json_object_object_add(at(j, "properties", "key"), "maxItems",
			       json_object_new_int(9));
	assert_int_equal(compare(recipe_cyaml_schema(), j, ""), 2);
	json_object_put(j);
}

/*
 * aggregate.type's enum in the JSON Schema is agg.c's table, in order:
 * the schema an editor validates against offers what the engine takes.
 */
static void test_aggregations_agree(void **state)
{
	json_object *j = load_schema();
	json_object *type = at(at(j, "properties", "aggregate"), "properties", "type");
	json_object *names;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_true(json_object_object_get_ex(type, "enum", &names));
	for (size_t i = 0; i < json_object_array_length(names); i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "",
			    json_object_get_string(json_object_array_get_idx(names, i)));
	assert_string_equal(strbuf_str(&sb), agg_names());
	for (size_t i = 0; i < json_object_array_length(names); i++)
		assert_non_null(agg_find(json_object_get_string(json_object_array_get_idx(names, i))));
	strbuf_release(&sb);
	json_object_put(j);
}

struct toy {
	char *a, *b;
};

static const cyaml_schema_field_t toy_fields[] = {
	CYAML_FIELD_STRING_PTR("summary", CYAML_FLAG_POINTER, struct toy, a, 1,
			       CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("extra", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct toy, b, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t toy_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct toy, toy_fields),
};

static void test_detects_cyaml_drift(void **state)
{
	json_object *j = json_tokener_parse(
		"{\"type\": \"object\", \"additionalProperties\": false,"
		" \"required\": [\"summary\"],"
		" \"properties\": {\"summary\": {\"type\": \"string\", \"minLength\": 1}}}");

	(void)state;
	/* "extra" exists in the cyaml tables only. */
	assert_int_equal(compare(&toy_schema, j, ""), 1);
	json_object_object_add(json_object_object_get(j, "properties"), "extra",
			       json_tokener_parse("{\"type\": \"string\"}"));
	assert_int_equal(compare(&toy_schema, j, ""), 0);
	json_object_put(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agree),
		cmocka_unit_test(test_detects_json_drift),
		cmocka_unit_test(test_aggregations_agree),
		cmocka_unit_test(test_detects_cyaml_drift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
