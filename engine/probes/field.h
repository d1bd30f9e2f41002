/*
 * field: what a probe offers an expression as `args.NAME`.
 *
 * A provider describes each argument of its context record with one of
 * these. The expression checker (engine/check/expr.h) types `args.NAME`
 * from it and the emitter reads it at exactly this offset: the program is
 * compiled on the machine it runs on, so the layout is known and needs no
 * CO-RE. Args a provider reads with a function of its runtime (USDT) are
 * the exception: FIELD_READER_ARG.
 */
#ifndef RECIPE_PROBES_FIELD_H
#define RECIPE_PROBES_FIELD_H

#include <stdbool.h>

enum field_kind {
	FIELD_INT,		/* integer of size 1, 2, 4 or 8 */
	FIELD_CHAR_ARRAY,	/* char name[N]: a string of at most N bytes */
	FIELD_DATA_LOC_STR,	/* __data_loc char[] name: u32, offset (low 16) + length (high 16) */
	FIELD_PTR,		/* a pointer (8 bytes); user_ptr says into which address space */
	FIELD_BYTES,		/* __u8 name[N]: raw bytes, e.g. an IPv4 or IPv6 address for ntop() */
	FIELD_OTHER,		/* anything else (int arrays, structs): not usable in expressions */
	/*
	 * An argument that is no member of the context, `offset` being its
	 * index: the provider's arg_reader reads it (usdt: libbpf's
	 * bpf_usdt_arg(), which knows each probe site's operand); a signed
	 * 64-bit integer.
	 */
	FIELD_READER_ARG,
};

struct field_info {
	const char *name;	/* borrowed from the provider */
	const char *ctype;	/* the declaration's type text, e.g. "unsigned int", for messages */
	enum field_kind kind;
	unsigned offset;	/* byte offset in the context record */
	unsigned size;		/* bytes; for FIELD_CHAR_ARRAY the array length */
	bool is_signed;		/* FIELD_INT */
	/*
	 * FIELD_PTR: points into user memory (syscall arguments). An 8-byte
	 * integer: a user program's arg, which str() may read as an address.
	 */
	bool user_ptr;
};

#endif
