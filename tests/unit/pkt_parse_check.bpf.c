// SPDX-License-Identifier: MIT
/*
 * pkt_parse_check.bpf.c - proves pkt_parse.h builds for BPF and passes the
 * verifier in the two shapes a program can use it: the frame in a per-CPU
 * array value, parse once, then one pktmon_filter_match() per filter from
 * bpf_loop; first everything inlined (pm_check), then parse and match as
 * global functions verified on their own (pm_check_global, as capture.bpf.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "pkt_parse.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct scratch {
	__u8 frame[PKTMON_PARSE_MAX];
	struct pktmon_pkt_view view;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} pm_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKTMON_MAX_FILTERS);
	__type(key, __u32);
	__type(value, struct pktmon_filter);
} pm_filters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pm_matched SEC(".maps");

/*
 * Plain globals, not const volatile: their values are unknown to the
 * verifier, so it must check the match path too (a frozen nr_filters of 0
 * would let it skip the bpf_loop callback as dead code) and any VXLAN port.
 */
__u32 nr_filters = 0;
__u16 vxlan_port = PKTMON_VXLAN_PORT;

struct loop_ctx {
	struct pktmon_pkt_view *view;
	int matched;
};

static long match_one(__u32 i, void *data)
{
	struct loop_ctx *c = data;
	struct pktmon_filter *f = bpf_map_lookup_elem(&pm_filters, &i);

	if (!f)
		return 1;
	if (pktmon_filter_match(f, c->view)) {
		c->matched = 1;
		return 1;
	}
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(pm_check, struct sk_buff *skb)
{
	__u32 zero = 0, len;
	struct scratch *s = bpf_map_lookup_elem(&pm_scratch, &zero);
	struct loop_ctx c = {};
	unsigned char *mac;
	__u64 *cnt;

	if (!s)
		return 0;
	mac = skb->head + skb->mac_header;
	len = skb->len + (__u32)(skb->data - mac);
	if (len > PKTMON_PARSE_MAX)
		len = PKTMON_PARSE_MAX;
	if (bpf_probe_read_kernel(s->frame, sizeof(s->frame), mac))
		return 0;
	pktmon_parse_frame(s->frame, len, vxlan_port, &s->view);
	c.view = &s->view;
	if (nr_filters)
		bpf_loop(nr_filters, match_one, &c, 0);
	else
		c.matched = 1;
	cnt = bpf_map_lookup_elem(&pm_matched, &zero);
	if (cnt && c.matched)
		*cnt += 1;
	return 0;
}

/* ---- the same through global functions ---- */

struct pm_parse_buf {
	__u8 frame[PKTMON_PARSE_MAX];
};

__noinline int pm_check_parse(struct pm_parse_buf *buf, __u32 len, __u32 port, struct pktmon_pkt_view *view)
{
	if (!buf || !view)
		return -1;
	return pktmon_parse_frame(buf->frame, len, (__u16)port, view);
}

__noinline int pm_check_match(const struct pktmon_filter *f, const struct pktmon_pkt_view *view)
{
	if (!f || !view)
		return 0;
	return pktmon_filter_match(f, view);
}

static long match_one_global(__u32 i, void *data)
{
	int *matched = data;
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&pm_scratch, &zero);
	struct pktmon_filter *f = bpf_map_lookup_elem(&pm_filters, &i);

	if (!s || !f)
		return 1;
	if (pm_check_match(f, &s->view)) {
		*matched = 1;
		return 1;
	}
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(pm_check_global, struct sk_buff *skb)
{
	__u32 zero = 0, len;
	struct scratch *s = bpf_map_lookup_elem(&pm_scratch, &zero);
	unsigned char *mac;
	int matched = 0;
	__u64 *cnt;

	if (!s)
		return 0;
	mac = skb->head + skb->mac_header;
	len = skb->len + (__u32)(skb->data - mac);
	if (bpf_probe_read_kernel(s->frame, sizeof(s->frame), mac))
		return 0;
	pm_check_parse((struct pm_parse_buf *)s->frame, len, vxlan_port, &s->view);
	if (nr_filters)
		bpf_loop(nr_filters, match_one_global, &matched, 0);
	else
		matched = 1;
	cnt = bpf_map_lookup_elem(&pm_matched, &zero);
	if (cnt && matched)
		*cnt += 1;
	return 0;
}
