/* SPDX-License-Identifier: MIT */
/* fuzz_kernel_btf - libFuzzer on kernel_btf.c: any bytes are indexed or refused, and what indexes
 * is read whole (every type, its name, its enum members, a lookup) without reading past it. */
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
		size_t sum = 0;
		for (uint32_t id = 0; id <= pm_kbtf_end(&kb); id++) {
			const struct btf_type *t = pm_kbtf_type(&kb, id);
			if (!t)
				continue;
			const char *n = pm_kbtf_str(&kb, t->name_off);
			sum += n ? strlen(n) : 0;
			if (pm_btf_kind(t) == BTF_KIND_ENUM)
				for (unsigned i = 0; i < pm_btf_vlen(t); i++) {
					const char *m = pm_kbtf_str(&kb, ((const struct btf_enum *)pm_btf_members(t))[i].name_off);
					sum += m ? strlen(m) : 0;
				}
		}
		sum += pm_kbtf_find(&kb, "skb_drop_reason", BTF_KIND_ENUM) > 0;
		if (sum == (size_t)-1)
			abort(); /* keeps the reads */
		pm_kbtf_free(&kb);
	}
	free(copy);
	return 0;
}
