/* SPDX-License-Identifier: MIT */
/*
 * nf_fallback.h - observing netfilter hooks on kernels without BPF netfilter
 * links: probe whether fentry or a kprobe on nf_hook_slow attaches, and find
 * the kernel code whose drops are netfilter's.
 */
#ifndef PKTMON_NF_FALLBACK_H
#define PKTMON_NF_FALLBACK_H

#include <stddef.h>

#include "kallsyms.h"
#include "nf_mechanism.h"

struct pm_kbtf;

/* The netfilter core function every hook point's hooks run from. */
#define PM_NF_CORE_FUNC "nf_hook_slow"

/* Fill *p for this kernel: BTF says whether netfilter links exist; fentry, then
 * the kprobe only if fentry fails (or PKTMON_NF_MECHANISM=kprobe), are tried with
 * a two-instruction program, attached and detached at once (only when there are
 * no netfilter links: they cost a few ms). A kprobe not tried stays -EAGAIN. */
void pm_nf_probe_kernel(const struct pm_kbtf *vmlinux, struct pm_nf_probe *p);
/* 0 when a tracing program can attach to the entry of kernel function `func` (fentry/fexit:
 * BTF and trampolines; some kernels refuse them), else -errno. */
int pm_probe_fentry(const struct pm_kbtf *vmlinux, const char *func);

/* Address ranges [lo, hi) of pm_nf_drop_functions found in ks; returns how
 * many were written (at most max). */
struct pm_code_range;
size_t pm_nf_code_ranges(const struct pm_ksyms *ks, struct pm_code_range *out, size_t max);

#endif
