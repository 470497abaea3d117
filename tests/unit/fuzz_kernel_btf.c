/* SPDX-License-Identifier: MIT */
/* fuzz_kernel_btf - libFuzzer on kernel_btf.c: any bytes are indexed or refused, and what indexes
 * is read whole (every type, its name, its enum members, a lookup) without reading past it. */
#include "btf_walk.h"
#include "kernel_btf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes, 4-byte aligned, as the kernel's pages or a read buffer are */
	uint32_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	struct pm_kbtf kb;
	char why[160];
	if (pm_kbtf_index(&kb, copy, size, NULL, why, sizeof(why)) == 0) {
		if (btf_read_all(&kb) == (size_t)-1)
			abort(); /* keeps the reads */
		pm_kbtf_free(&kb);
	}
	free(copy);
	return 0;
}
