/* SPDX-License-Identifier: MIT */
/* start_heap.c - a start-up heap on transparent huge pages (start_heap.h). */
#define _GNU_SOURCE
#include "start_heap.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE (2u << 20)
#define RESERVE (48u << 20) /* two objects' BTF copies, kallsyms, the skeletons, with room */

void start_heap_on_huge_pages(void)
{
	/* one heap for every thread (the objects are prepared in threads), grown by brk, large
	 * blocks from it rather than from their own mmap, nothing trimmed during the start */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 2 * RESERVE);
	mallopt(M_TOP_PAD, RESERVE);
	uintptr_t lo = (uintptr_t)sbrk(0);
	/* more than the new heap holds: it grows by this and the reserve (volatile: a malloc
	 * freed at once may be elided) */
	void *volatile grow = malloc(1 << 20);
	free(grow);
	uintptr_t hi = (uintptr_t)sbrk(0);
	mallopt(M_TOP_PAD, 0);
	uintptr_t a = (lo + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1), b = hi & ~(uintptr_t)(HUGE_PAGE - 1);
	if (lo != (uintptr_t)-1 && b > a)
		madvise((void *)a, b - a, MADV_HUGEPAGE); /* EINVAL without THP: the usual pages */
}

void start_heap_release(void)
{
	mallopt(M_TRIM_THRESHOLD, 128 << 10); /* glibc's defaults */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	malloc_trim(0);
}
