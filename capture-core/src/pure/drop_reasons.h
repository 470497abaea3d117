/* SPDX-License-Identifier: MIT */
/*
 * drop_reasons.h - names of the kernel's drop reasons, read from BTF at run
 * time (the numbers change between kernels; there is no table of numbers here).
 *
 * Naming (as the kernel's own skb:kfree_skb tracepoint prints them):
 *   SKB_DROP_REASON_NETFILTER_DROP -> NETFILTER_DROP
 *   SKB_NOT_DROPPED_YET            -> NOT_DROPPED_YET
 *   SKB_CONSUMED                   -> CONSUMED
 * The markers SKB_DROP_REASON_MAX and SKB_DROP_REASON_SUBSYS_MASK are not reasons
 * and are left out.
 *
 * Since Linux 6.5 the high 16 bits of a reason can name a subsystem
 * (enum skb_drop_reason_subsys, mask SKB_DROP_REASON_SUBSYS_MASK); such a
 * subsystem's reasons live in its own enum (e.g. enum ovs_drop_reason, in the
 * module's BTF). pm_drop_reasons_add_subsys_btf() adds those names; codes of a
 * subsystem we have no names for come out as "SUBSYS_<NAME>:<low 16 bits>"
 * from pm_drop_reason_str().
 */
#ifndef PKTMON_DROP_REASONS_H
#define PKTMON_DROP_REASONS_H

#include <stddef.h>
#include <stdint.h>

struct pm_kbtf;

struct pm_drop_reason {
	uint32_t code;
	char *name;
};

struct pm_drop_reasons {
	struct pm_drop_reason *v; /* sorted by code */
	size_t n;
	char **subsys;            /* subsys[id] = "OPENVSWITCH", or NULL */
	size_t n_subsys;
	uint32_t subsys_mask;     /* 0 when the kernel has no subsystems */
	unsigned subsys_shift;
};

/*
 * Build the table from `enum skb_drop_reason` (enum or enum64) in btf, usually
 * the kernel's (vmlinux_btf.h). Returns 0, -ENOENT when the kernel has no such enum
 * (older than 5.17), -ENOMEM. drs is zeroed first and always safe to free.
 */
int pm_drop_reasons_load(struct pm_drop_reasons *drs, const struct pm_kbtf *btf);

/*
 * Add the reasons of subsystems found in another BTF (a module's, e.g.
 * /sys/kernel/btf/openvswitch): every enum whose name ends in "drop_reason"
 * and whose values carry a known subsystem id in the high bits. Returns the
 * number of names added, or a negative errno.
 */
int pm_drop_reasons_add_subsys_btf(struct pm_drop_reasons *drs, const struct pm_kbtf *btf);

void pm_drop_reasons_free(struct pm_drop_reasons *drs);

/* The name for code, or NULL when this kernel's BTF has none. O(log n). */
const char *pm_drop_reason_name(const struct pm_drop_reasons *drs, uint32_t code);

/*
 * Always a printable string: the name, else "SUBSYS_<NAME>:<n>" for a code of
 * a known subsystem, else "UNKNOWN_<code>". Returns buf.
 */
const char *pm_drop_reason_str(const struct pm_drop_reasons *drs, uint32_t code, char *buf, size_t len);

/* "UNKNOWN_<code>" into buf. Returns buf. */
const char *pm_drop_reason_unknown(uint32_t code, char *buf, size_t len);

#endif /* PKTMON_DROP_REASONS_H */
