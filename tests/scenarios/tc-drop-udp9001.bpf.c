// SPDX-License-Identifier: GPL-2.0 OR MIT
/* A tc (cls_bpf, direct-action) program for scenarios/qdisc-drop.sh: drops IPv4 UDP
 * datagrams to port 9001 (TC_ACT_SHOT), lets everything else pass (TC_ACT_UNSPEC).
 * Built at test time: clang -O2 -target bpf -c tc-drop-udp9001.bpf.c */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>

#define SEC(name) __attribute__((section(name), used))
#define TC_ACT_UNSPEC (-1)
#define TC_ACT_SHOT 2

SEC("tc")
int drop_udp9001(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > end || eth->h_proto != __builtin_bswap16(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != 17)
		return TC_ACT_UNSPEC;
	return udp->dest == __builtin_bswap16(9001) ? TC_ACT_SHOT : TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
