/*
 * expr_type: the type of a checked expression, as the plan records it
 * for each key, match and saved value. Later stages read it to lay out
 * and decode what the program stores; only engine/check assigns it.
 */
#ifndef RECIPE_CHECK_EXPR_TYPE_H
#define RECIPE_CHECK_EXPR_TYPE_H

#include <stdbool.h>

#include "check/expr_display.h"

enum expr_tkind {
	TY_INT,		/* size 1/2/4/8, is_signed */
	TY_STR,		/* char buffer of `size` bytes (NUL-padded) */
	TY_PTR,		/* 8-byte pointer; `user` says which address space */
	TY_PROBE,	/* u32 index of the attach point (BPF cookie); printed as its name */
	TY_BYTES,	/* raw bytes (a u8[N] field): only ntop() takes them */
};

struct expr_type {
	enum expr_tkind kind;
	unsigned size;
	bool is_signed;
	bool user;
	enum expr_display display;	/* TY_INT only */
	unsigned depth;			/* DISP_KSTACK, DISP_USTACK: frames shown, 0 = all */
};

#endif
