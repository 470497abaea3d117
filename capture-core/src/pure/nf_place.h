/* SPDX-License-Identifier: MIT */
/*
 * nf_place.h - where a drop is reported when netfilter dropped the packet.
 * Shared by capture.bpf.c (after vmlinux.h) and the unit tests (after
 * <linux/types.h>): keep it free of anything but __u8/__u32.
 *
 * A packet dropped by netfilter belongs to the netfilter hook that dropped it.
 * Where that hook is observed (netfilter link, fentry or kprobe on
 * nf_hook_slow) the packet was last seen there and nothing changes. Where it
 * is not, the last place seen is a device or the stack, which would be wrong:
 * the drop goes to a generic "netfilter" component of the namespace instead.
 */
#ifndef PKTMON_NF_PLACE_H
#define PKTMON_NF_PLACE_H

#include "pktmon/pktmon_format.h"

static inline int pm_layer_is_netfilter(__u8 layer)
{
	return (layer >= PKTMON_LAYER_NF_PREROUTING && layer <= PKTMON_LAYER_NF_POSTROUTING) ||
	       layer == PKTMON_LAYER_NETFILTER;
}

/* `where` is the component the drop would be reported at (the last one the
 * packet was seen at); `nf_drop` says the reason or the location is
 * netfilter's; `family` is PKTMON_NF_IPV4/IPV6 from the packet's protocol. */
static inline void pm_place_netfilter_drop(struct pm_comp_key *where, int nf_drop, __u8 family)
{
	if (!nf_drop || pm_layer_is_netfilter(where->layer))
		return;
	where->layer = PKTMON_LAYER_NETFILTER;
	where->ifindex = 0;
	where->nf_family = family;
}

#endif
