/*
 * recipe_schema: the libcyaml schema of a recipe file, as static data.
 *
 * Built bottom-up (leaves, then mappings, then the top level), so the
 * tables read in the same order as docs/recipe-format.md. Every scalar is
 * a string, numbers included (`default: 0`, `min: 0`): plan_build()
 * parses them with the type it knows, which libcyaml cannot. Unknown keys
 * stay rejected so a typo such as `filtr:` is an error, not a silent
 * no-op. tests/unit/test_schema.c keeps schema/recipe.schema.json in step
 * with these tables.
 */
#include <cyaml/cyaml.h>

#include "load/recipe.h"

/* Strings may not be empty, except a parameter's default (a "" string). */
#define STR_REQ(key, st, member) \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, st, member, 1, CYAML_UNLIMITED)
#define STR_OPT(key, st, member) \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, \
			       st, member, 1, CYAML_UNLIMITED)

static const cyaml_schema_value_t string_entry = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t oneliner_fields[] = {
	STR_REQ("id", struct recipe_oneliner, id),
	STR_REQ("tool", struct recipe_oneliner, tool),
	STR_REQ("text", struct recipe_oneliner, text),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t oneliner_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct recipe_oneliner, oneliner_fields),
};

static const cyaml_schema_field_t origin_fields[] = {
	STR_REQ("id", struct recipe_origin, id),
	STR_REQ("tool", struct recipe_origin, tool),
	STR_REQ("text", struct recipe_origin, text),
	CYAML_FIELD_SEQUENCE("also", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct recipe_origin, also, &oneliner_entry, 1, 8),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t expect_fields[] = {
	STR_OPT("entry", struct recipe_expect, entry),
	STR_OPT("hist", struct recipe_expect, hist),
	STR_OPT("bucket", struct recipe_expect, bucket),
	STR_OPT("from_bucket", struct recipe_expect, from_bucket),
	STR_OPT("lines", struct recipe_expect, lines),
	STR_OPT("equals", struct recipe_expect, equals),
	STR_OPT("at_least", struct recipe_expect, at_least),
	STR_OPT("at_most", struct recipe_expect, at_most),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t expect_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct recipe_expect, expect_fields),
};

static const cyaml_schema_field_t example_fields[] = {
	CYAML_FIELD_SEQUENCE("run", CYAML_FLAG_POINTER, struct recipe_example, run,
			     &string_entry, 1, 32),
	CYAML_FIELD_SEQUENCE("options", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct recipe_example, options, &string_entry, 0, 16),
	STR_OPT("system_wide", struct recipe_example, system_wide),
	CYAML_FIELD_SEQUENCE("expect", CYAML_FLAG_POINTER, struct recipe_example, expect,
			     &expect_entry, 1, 16),
	STR_OPT("note", struct recipe_example, note),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t print_fields[] = {
	STR_REQ("format", struct recipe_print, format),
	CYAML_FIELD_SEQUENCE("args", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct recipe_print, args, &string_entry, 0, 16),
	STR_OPT("buffer", struct recipe_print, buffer),
	STR_OPT("columns", struct recipe_print, columns),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t aggregate_fields[] = {
	STR_REQ("type", struct recipe_aggregate, type),
	STR_OPT("value", struct recipe_aggregate, value),
	STR_OPT("min", struct recipe_aggregate, min),
	STR_OPT("max", struct recipe_aggregate, max),
	STR_OPT("step", struct recipe_aggregate, step),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t saved_fields[] = {
	STR_REQ("name", struct recipe_saved, name),
	STR_REQ("value", struct recipe_saved, value),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t saved_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct recipe_saved, saved_fields),
};

static const cyaml_schema_field_t start_fields[] = {
	CYAML_FIELD_SEQUENCE("probes", CYAML_FLAG_POINTER, struct recipe_start, probes,
			     &string_entry, 1, CYAML_UNLIMITED),
	STR_OPT("filter", struct recipe_start, filter),
	CYAML_FIELD_SEQUENCE("match", CYAML_FLAG_POINTER, struct recipe_start, match,
			     &string_entry, 1, 4),
	CYAML_FIELD_SEQUENCE("save", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct recipe_start, save, &saved_entry, 0, 8),
	STR_OPT("max_entries", struct recipe_start, max_entries),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t param_fields[] = {
	STR_REQ("name", struct recipe_param, name),
	STR_REQ("type", struct recipe_param, type),
	CYAML_FIELD_STRING_PTR("default", CYAML_FLAG_POINTER, struct recipe_param,
			       default_value, 0, CYAML_UNLIMITED),
	STR_OPT("description", struct recipe_param, description),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t param_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct recipe_param, param_fields),
};

static const cyaml_schema_field_t recipe_fields[] = {
	STR_REQ("summary", struct recipe, summary),
	STR_REQ("description", struct recipe, description),
	CYAML_FIELD_MAPPING_PTR("origin", CYAML_FLAG_POINTER, struct recipe,
				origin, origin_fields),
	CYAML_FIELD_SEQUENCE("probes", CYAML_FLAG_POINTER, struct recipe, probes,
			     &string_entry, 1, CYAML_UNLIMITED),
	STR_OPT("filter", struct recipe, filter),
	STR_OPT("map", struct recipe, map),
	CYAML_FIELD_SEQUENCE("key", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct recipe, key, &string_entry, 0, 8),
	CYAML_FIELD_MAPPING_PTR("aggregate", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct recipe, aggregate, aggregate_fields),
	CYAML_FIELD_MAPPING_PTR("print", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct recipe, print, print_fields),
	CYAML_FIELD_SEQUENCE("params", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct recipe, params, &param_entry, 0, 16),
	STR_OPT("max_entries", struct recipe, max_entries),
	STR_OPT("max_probes", struct recipe, max_probes),
	CYAML_FIELD_MAPPING_PTR("start", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct recipe, start, start_fields),
	CYAML_FIELD_SEQUENCE("match", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct recipe, match, &string_entry, 1, 4),
	CYAML_FIELD_MAPPING_PTR("example", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct recipe, example, example_fields),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t recipe_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct recipe, recipe_fields),
};

const struct cyaml_schema_value *recipe_cyaml_schema(void)
{
	return &recipe_schema;
}
