/* SPDX-License-Identifier: MIT */
/* vmlinux_btf.h - the running kernel's BTF, mapped (or read) for kernel_btf.h's lookups. */
#ifndef PKTMON_VMLINUX_BTF_H
#define PKTMON_VMLINUX_BTF_H

#include <stddef.h>

#include "kernel_btf.h"

struct pm_vmlinux_btf {
	struct pm_kbtf kb;
	void *map;      /* the kernel's pages, read-only (Linux 6.16+), or NULL */
	void *buf;      /* else a copy read from the file */
	size_t len;
};

/* Maps or reads path (normally /sys/kernel/btf/vmlinux) and indexes it. Returns 0, or a negative
 * errno with a reason in err; v is always safe to close. */
int pm_vmlinux_btf_open(struct pm_vmlinux_btf *v, const char *path, char *err, size_t errlen);

void pm_vmlinux_btf_close(struct pm_vmlinux_btf *v);

#endif
