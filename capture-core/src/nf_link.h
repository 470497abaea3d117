/* SPDX-License-Identifier: MIT */
/* nf_link.h - BPF netfilter links, which Debian 12's libbpf 1.1 cannot create. */
#ifndef PKTMON_NF_LINK_H
#define PKTMON_NF_LINK_H

/* Stable uapi numbers (linux/bpf.h since 6.4). */
#define PM_BPF_PROG_TYPE_NETFILTER 32
#define PM_BPF_NETFILTER 45
/* Highest priority a BPF netfilter link may take (NF_IP_PRI_FIRST + 1). */
#define PM_NF_PRIORITY_FIRST (-2147483647)
/* Priorities tried, one after the other, when another BPF hook holds one (EBUSY). */
#define PM_NF_PRIORITY_TRIES 64

/* Attach prog_fd to hook `hooknum` of family `pf` in the caller thread's
 * network namespace. Returns a link fd (close it to detach) or -errno. */
int pm_nf_link_create(int prog_fd, int pf, int hooknum, int priority);

#endif
