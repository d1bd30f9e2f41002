/*
 * text: small predicates and searches over names, shared by every stage
 * that checks a name or suggests one ("did you mean ...?").
 */
#ifndef RECIPE_UTIL_TEXT_H
#define RECIPE_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* [A-Za-z_][A-Za-z0-9_]*: a C identifier, and so a safe name in generated C. */
bool text_is_identifier(const char *s);

/* The value of a hexadecimal digit (0-9, a-f, A-F); 16 or more for any other byte. */
unsigned text_digit_value(char c);

/* Edits (insertions, deletions, substitutions) that turn a into b. */
size_t text_distance(const char *a, const char *b);

/*
 * The word of words[0..n) closest to `word` by edit distance, when a
 * third of the word (at least two edits) would turn one into the other;
 * NULL otherwise.
 */
const char *text_closest(const char *word, const char *const *words, size_t n);

/*
 * text_closest over a list the caller is done with: frees words[0..n)
 * and words, and returns a copy of the match (or NULL).
 */
char *text_closest_take(const char *word, char **words, size_t n);

#endif
