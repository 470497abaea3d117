/* SPDX-License-Identifier: MIT */
/*
 * kernel_btf.h - the few lookups pktmon makes in the kernel's BTF, on its raw bytes.
 *
 * Before loading, pktmon asks the kernel's BTF a dozen questions (which tracepoints exist and
 * with which arguments, the drop reasons' names, whether BPF netfilter links exist, the ids of
 * a few functions). libbpf's btf__load_vmlinux_btf() answers them after copying the whole BTF
 * twice (~5.5 MB on 6.18) and indexing it: tens of milliseconds on the start-up's critical path,
 * beside libbpf's own parse for the objects. This reader works on the bytes in place (the
 * kernel's pages mapped read-only where the kernel allows it: vmlinux_btf.c), keeping only an
 * array of type offsets.
 *
 * Every length, offset and kind is checked when the BTF is indexed: a truncated or corrupted
 * BTF is refused with a reason, never read past. Native byte order only (the running kernel's).
 * Split BTF (a module's, on top of vmlinux) continues the base's type ids and string offsets.
 */
#ifndef PKTMON_KERNEL_BTF_H
#define PKTMON_KERNEL_BTF_H

#include <linux/btf.h>
#include <stddef.h>
#include <stdint.h>

struct pm_kbtf {
	const uint8_t *types;        /* the type section */
	const char *strs;            /* the string section, its last byte NUL */
	uint32_t str_len;
	uint32_t *offs;              /* offs[i]: offset in types of type id first_id + i */
	uint32_t n;                  /* types in this BTF */
	uint32_t first_id;           /* 1, or the base's end for split BTF */
	uint32_t str_first;          /* string offsets from here are this BTF's (0, or the base's end) */
	const struct pm_kbtf *base;  /* split BTF: the BTF it continues, else NULL */
};

/* Indexes len bytes of raw BTF at data (kept by the caller for the reader's life; at least
 * 4-byte aligned). base: NULL, or the BTF a split BTF continues. Returns 0, or -EINVAL with
 * a reason in err (-ENOMEM). kb is zeroed first and always safe to free. */
int pm_kbtf_index(struct pm_kbtf *kb, const void *data, size_t len, const struct pm_kbtf *base, char *err,
		  size_t errlen);

void pm_kbtf_free(struct pm_kbtf *kb);

/* One past the last type id (the base's types included). */
uint32_t pm_kbtf_end(const struct pm_kbtf *kb);

/* The type with this id (the base's included), or NULL (id 0 is void: NULL). */
const struct btf_type *pm_kbtf_type(const struct pm_kbtf *kb, uint32_t id);

/* The string at this offset, or NULL when out of range. */
const char *pm_kbtf_str(const struct pm_kbtf *kb, uint32_t off);

/* The first type id of this kind (BTF_KIND_*) with this name, searching the base first; -ENOENT. */
int32_t pm_kbtf_find(const struct pm_kbtf *kb, const char *name, unsigned kind);

static inline unsigned pm_btf_kind(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info);
}

static inline unsigned pm_btf_vlen(const struct btf_type *t)
{
	return BTF_INFO_VLEN(t->info);
}

/* The members that follow a type (enum, enum64, func_proto...): checked by pm_kbtf_index. */
static inline const void *pm_btf_members(const struct btf_type *t)
{
	return t + 1;
}

#endif
