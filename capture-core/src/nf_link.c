/* SPDX-License-Identifier: MIT */
/* nf_link.c - BPF_LINK_CREATE for BPF_NETFILTER through the raw syscall. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "nf_link.h"

/* The link_create member of union bpf_attr as the kernel reads it for
 * netfilter links; Debian 12's uapi headers predate it. */
struct pm_link_create_nf {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u32 pf;
	__u32 hooknum;
	__s32 priority;
	__u32 nf_flags;
};

int pm_nf_link_create(int prog_fd, int pf, int hooknum, int priority)
{
	union {
		union bpf_attr attr; /* the kernel wants the whole union's size zeroed */
		struct pm_link_create_nf nf;
	} u;
	memset(&u, 0, sizeof(u));
	u.nf.prog_fd = (__u32)prog_fd;
	u.nf.attach_type = PM_BPF_NETFILTER;
	u.nf.pf = (__u32)pf;
	u.nf.hooknum = (__u32)hooknum;
	u.nf.priority = priority;
	long fd = syscall(__NR_bpf, BPF_LINK_CREATE, &u, sizeof(u));
	return fd < 0 ? -errno : (int)fd;
}
