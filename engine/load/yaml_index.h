/*
 * yaml_index: where every value of a YAML document was written.
 *
 * libcyaml fills structs but forgets positions, and its own error
 * positions point wherever libyaml's scanner happened to be. The loader
 * therefore parses the text once more with libyaml's event API into a
 * small tree of nodes, each carrying the position and style of its
 * value (and of its key). A node's document path ("summary", "probes[0]",
 * "aggregate.value", "params[2].default", "" for the root) is built on
 * demand from its parents, so the index stays linear in the text even
 * for deep nesting, which YAML_MAX_DEPTH bounds anyway.
 *
 * Positions are 1-based lines and columns counted in characters, as
 * libyaml counts them. yaml_index_locate() turns a byte offset inside a
 * scalar's decoded text into the line:col of that character in the
 * source, for plain, quoted and block (| and >) scalars.
 */
#ifndef RECIPE_LOAD_YAML_INDEX_H
#define RECIPE_LOAD_YAML_INDEX_H

#include <stdbool.h>
#include <stddef.h>

enum yaml_node_kind { YAML_NODE_SCALAR, YAML_NODE_SEQUENCE, YAML_NODE_MAPPING,
		      YAML_NODE_ALIAS };

struct yaml_node {
	enum yaml_node_kind kind;
	int style;		/* yaml_scalar_style_t for scalars, else 0 */
	char *key;		/* mapping key of this value, or NULL */
	unsigned index;		/* position among its parent's children */
	unsigned line, col;	/* where the value starts (1-based) */
	unsigned key_line, key_col;	/* where its key starts; 0 if none */
	char *text;		/* decoded scalar text (NULL unless scalar) */
	size_t text_len;
	bool key_is_scalar;	/* false for complex keys ("? [a]: b") */
	struct yaml_node *parent, *child, *next;
	unsigned nchildren;
};

/* A libyaml syntax error: where and what, ready for a diagnostic. */
struct yaml_index_error {
	unsigned line, col;	/* 1-based; 0 when libyaml gave none */
	char *msg;		/* "found a tab character that violates indentation" */
	char *context;		/* "while scanning a quoted scalar", or NULL */
	unsigned context_line, context_col;
	const char *hint;	/* what to do, for a limit; static, or NULL */
	bool syntax;		/* libyaml's error; false for "two documents" or a limit */
	bool tab;		/* the line's indentation holds a tab */
};

struct yaml_index;

/*
 * Collections nested deeper than this are refused while indexing, before
 * libcyaml sees the text: a recipe needs four levels (params[0].default).
 */
#ifndef YAML_MAX_DEPTH
#define YAML_MAX_DEPTH 64
#endif

/*
 * Index `len` bytes of YAML. Returns 0 and *out on success (the root is
 * NULL for a document with no content: empty or only comments); returns
 * -EINVAL and fills *err (release with yaml_index_error_release()) when
 * libyaml rejects the text, it holds more than one document or nests
 * collections deeper than YAML_MAX_DEPTH.
 */
int yaml_index_build(const char *text, size_t len, struct yaml_index **out,
		     struct yaml_index_error *err);
void yaml_index_free(struct yaml_index *idx);
void yaml_index_error_release(struct yaml_index_error *err);

const struct yaml_node *yaml_index_root(const struct yaml_index *idx);
/* The node at `path`, or NULL. */
const struct yaml_node *yaml_index_find(const struct yaml_index *idx,
					const char *path);
/* Its document path ("params[2].default", "" for the root), malloc'd. */
char *yaml_node_path(const struct yaml_node *n);
/* The child of mapping `map` with key `key`, or NULL. */
const struct yaml_node *yaml_node_get(const struct yaml_node *map,
				      const char *key);

/*
 * The 1-based line:col of byte `offset` of the decoded text of `n` (of
 * the value itself when `n` is not a scalar or offset is 0). An offset
 * at or past the end points just after the last character.
 */
void yaml_index_locate(const struct yaml_index *idx, const struct yaml_node *n,
		       size_t offset, unsigned *line, unsigned *col);

#endif
