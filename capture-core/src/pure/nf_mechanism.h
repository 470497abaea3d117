/* SPDX-License-Identifier: MIT */
/*
 * nf_mechanism.h - which mechanism observes the netfilter hooks on this kernel.
 * Tried in order: BPF netfilter links (6.4+), fentry on nf_hook_slow, kprobe
 * on nf_hook_slow; none left: the hooks are unavailable.
 */
#ifndef PKTMON_NF_MECHANISM_H
#define PKTMON_NF_MECHANISM_H

#include <stdbool.h>

enum pm_mechanism {
	PM_MECH_UNAVAILABLE = 0,
	PM_MECH_NF_LINK,
	PM_MECH_FENTRY,
	PM_MECH_KPROBE,
	PM_MECH_TRACEPOINT,
};

/* What the kernel offers: has_nf_link from BTF (struct bpf_nf_ctx); the
 * others are 0 when a probe program attached, else -errno. */
struct pm_nf_probe {
	bool has_nf_link;
	int fentry;
	int kprobe;
};

/* The first mechanism that works; `forced` (PKTMON_NF_MECHANISM: "link",
 * "fentry", "kprobe", "none"), when it names one that works, wins. */
enum pm_mechanism pm_nf_mechanism_choose(const struct pm_nf_probe *p, const char *forced);

/* "netfilter-link", "fentry", "kprobe", "tracepoint", "unavailable" */
const char *pm_mechanism_name(enum pm_mechanism m);

/* Why the netfilter hooks are unavailable, for `pktmon list`. */
const char *pm_nf_unavailable_why(const struct pm_nf_probe *p);

/* Kernel functions whose drops are netfilter's (for drops without a reason). */
extern const char *const pm_nf_drop_functions[];

#endif
