/* SPDX-License-Identifier: MIT */
/* btf_walk.h - read everything an indexed BTF vouches for (the mutation test and the fuzzer). */
#ifndef PKTMON_TEST_BTF_WALK_H
#define PKTMON_TEST_BTF_WALK_H

#include <string.h>

#include "kernel_btf.h"

/* Every type, its name, an enum's member names, one lookup: a sum the caller keeps, so the reads
 * stay (ASan sees any read past the BTF). */
static inline size_t btf_read_all(const struct pm_kbtf *kb)
{
	size_t sum = 0;
	for (uint32_t id = 0; id <= pm_kbtf_end(kb); id++) {
		const struct btf_type *t = pm_kbtf_type(kb, id);
		if (!t)
			continue;
		const char *n = pm_kbtf_str(kb, t->name_off);
		sum += n ? strlen(n) : 0;
		if (pm_btf_kind(t) == BTF_KIND_ENUM)
			for (unsigned i = 0; i < pm_btf_vlen(t); i++) {
				const char *m = pm_kbtf_str(kb, ((const struct btf_enum *)pm_btf_members(t))[i].name_off);
				sum += m ? strlen(m) : 0;
			}
	}
	return sum + (pm_kbtf_find(kb, "skb_drop_reason", BTF_KIND_ENUM) > 0);
}

#endif
