/* SPDX-License-Identifier: MIT */
/* btf_view.h - tests write BTF with libbpf (the reference writer) and read its raw bytes with ours. */
#ifndef PKTMON_TEST_BTF_VIEW_H
#define PKTMON_TEST_BTF_VIEW_H

#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_btf.h"

/* Copies of raw bytes the views read, freed at exit (libbpf frees its own raw data when a BTF
 * changes, a split BTF made on it included). */
static void *btf_view_copies[64];
static unsigned btf_view_ncopies;

static void btf_view_free_copies(void)
{
	while (btf_view_ncopies)
		free(btf_view_copies[--btf_view_ncopies]);
}

/* kb indexes a copy of b's raw bytes; base for a split BTF. Exits on failure: a BTF libbpf wrote
 * must be readable. */
static inline const struct pm_kbtf *btf_view(struct btf *b, struct pm_kbtf *kb, const struct pm_kbtf *base)
{
	__u32 size = 0;
	const void *raw = btf__raw_data(b, &size);
	void *copy = raw && btf_view_ncopies < 64 ? malloc(size) : NULL;
	char why[160] = "";
	if (copy) {
		memcpy(copy, raw, size);
		if (!btf_view_ncopies)
			atexit(btf_view_free_copies);
		btf_view_copies[btf_view_ncopies++] = copy;
	}
	if (!copy || pm_kbtf_index(kb, copy, size, base, why, sizeof(why)) < 0) {
		fprintf(stderr, "FAIL: libbpf's BTF (%u bytes) not indexed: %s\n", size, why);
		exit(1);
	}
	return kb;
}

#endif
