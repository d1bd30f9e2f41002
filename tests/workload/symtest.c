/*
 * symtest: a small program with known function symbols and USDT probes,
 * compiled by tests/unit/test_symbols.c (as PIE with probe semaphores,
 * and as non-PIE with -DSYMTEST_NO_SEMAPHORES) to check symbol -> file
 * offset resolution and .note.stapsdt decoding against binutils' view of
 * the same file.
 */
#ifndef SYMTEST_NO_SEMAPHORES
#define _SDT_HAS_SEMAPHORES 1
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

#ifdef _SDT_HAS_SEMAPHORES
/* With semaphores on, every probe needs one (in .probes, as sdt.h wants). */
unsigned short rcptest_tick_semaphore __attribute__((unused, section(".probes")));
unsigned short rcptest_done_semaphore __attribute__((unused, section(".probes")));
#endif

__attribute__((noinline)) long symtest_add(int a, long b)
{
	STAP_PROBE2(rcptest, tick, a, b);
	return a + b;
}

__attribute__((noinline)) static int symtest_local(int x)
{
	STAP_PROBE(rcptest, done);
	return x * 3;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
	long sum = 0;

	for (long i = 0; i < n; i++)
		sum += symtest_add((int)i, i) + symtest_local((int)i);
	printf("%ld\n", sum);
	return 0;
}
