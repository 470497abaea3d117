/* SPDX-License-Identifier: MIT */
/*
 * pktmon_format.h - the numbers of the pktmon pcapng contract (docs/FORMAT.md).
 *
 * Plain constants only: this header is included by the BPF programs, by the
 * user-space library, by the CLI and by the Wireshark dissector, so it must not
 * include anything.
 */
#ifndef PKTMON_FORMAT_H
#define PKTMON_FORMAT_H

/* Private Enterprise Number. We have none registered yet: 32473 is the one
 * RFC 5612 reserves for documentation. Change it here and nowhere else. */
#define PKTMON_PEN 32473u

/* pcapng codes we use. */
#define PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY 2989u /* per-EPB metadata option */
#define PKTMON_PCAPNG_BT_CUSTOM_COPY 0x00000BADu /* end-of-capture rundown */

/* Version byte at the start of the EPB metadata payload. */
#define PKTMON_META_VERSION 1u
/* Version of the Custom Block payload header. */
#define PKTMON_RUNDOWN_VERSION 1u
#define PKTMON_RUNDOWN_KIND_SESSION 1u

/* Layers: where in the stack a component observes packets. */
enum pktmon_layer {
	PKTMON_LAYER_UNKNOWN = 0,
	PKTMON_LAYER_DEV_RX = 1,         /* net:netif_receive_skb */
	PKTMON_LAYER_NF_PREROUTING = 2,  /* netfilter hooks, per family */
	PKTMON_LAYER_NF_INPUT = 3,
	PKTMON_LAYER_NF_FORWARD = 4,
	PKTMON_LAYER_NF_OUTPUT = 5,
	PKTMON_LAYER_NF_POSTROUTING = 6,
	PKTMON_LAYER_SOCK_RX = 7,        /* skb:skb_copy_datagram_iovec */
	PKTMON_LAYER_QDISC_ENQ = 8,      /* net:net_dev_queue */
	PKTMON_LAYER_QDISC_DEQ = 9,      /* qdisc:qdisc_dequeue */
	PKTMON_LAYER_DEV_TX = 10,        /* net:net_dev_start_xmit */
	PKTMON_LAYER_STACK = 11,         /* a packet first seen when it was dropped */
	PKTMON_LAYER_NETFILTER = 12,     /* netfilter dropped it at a hook no mechanism observes */
	/* What the kernel did next: "why" points, rare events tied to the group of the
	 * packet that caused them (PKTMON_TLV_WHY says which; none is a crossing). */
	PKTMON_LAYER_ICMP_SEND = 13,     /* icmp:icmp_send (fentry icmp6_send): an ICMP error sent */
	PKTMON_LAYER_TCP_RESET = 14,     /* tcp:tcp_send_reset: a TCP reset sent */
	PKTMON_LAYER_TCP_RETRANS = 15,   /* tcp:tcp_retransmit_skb: a TCP segment retransmitted */
	PKTMON_LAYER_RCVQ_FULL = 16,     /* sock:sock_rcvqueue_full: a socket's receive queue was full */
	PKTMON_LAYER_MAX = 17
};

#define PKTMON_LAYER_IS_WHY(l) ((l) >= PKTMON_LAYER_ICMP_SEND && (l) <= PKTMON_LAYER_RCVQ_FULL)

/* PKTMON_TLV_WHY values: what the kernel did next. */
enum pktmon_why {
	PKTMON_WHY_NONE = 0,
	PKTMON_WHY_ICMP_SENT = 1,    /* an ICMP error about the packet was sent */
	PKTMON_WHY_ICMPV6_SENT = 2,  /* an ICMPv6 error about the packet was sent */
	PKTMON_WHY_TCP_RESET = 3,    /* a TCP reset answered the segment (or, without one, the socket) */
	PKTMON_WHY_TCP_RETRANS = 4,  /* the segment was sent again */
	PKTMON_WHY_RCVQ_FULL = 5,    /* the socket's receive queue had no room for the packet */
	PKTMON_WHY_MAX = 6
};

enum pktmon_direction {
	PKTMON_DIR_UNKNOWN = 0,
	PKTMON_DIR_RX = 1,
	PKTMON_DIR_TX = 2
};

/* Netfilter families carried in PKTMON_TLV_NF_FAMILY (NFPROTO_* values). */
#define PKTMON_NF_IPV4 2u
#define PKTMON_NF_IPV6 10u

/* TLV types: in the EPB metadata and, nested, in the rundown records. */
enum pktmon_tlv {
	PKTMON_TLV_COMPONENT_ID = 1,     /* u32 */
	PKTMON_TLV_LAYER = 2,            /* u8, enum pktmon_layer */
	PKTMON_TLV_DIRECTION = 3,        /* u8, enum pktmon_direction */
	PKTMON_TLV_PKT_GROUP_ID = 4,     /* u64 */
	PKTMON_TLV_APPEARANCE = 5,       /* u32, 1 at first sighting */
	PKTMON_TLV_DROP_REASON = 6,      /* string, kernel name without SKB_DROP_REASON_ */
	PKTMON_TLV_DROP_REASON_CODE = 7, /* u32, the running kernel's value */
	PKTMON_TLV_DROP_LOCATION = 8,    /* u64, kernel text address */
	PKTMON_TLV_DROP_SYMBOL = 9,      /* string, e.g. "nft_do_chain+0x46f" */
	PKTMON_TLV_IFINDEX = 10,         /* u32 */
	PKTMON_TLV_NETNS = 11,           /* u32, network namespace inode */
	PKTMON_TLV_CPU = 12,             /* u32 */
	PKTMON_TLV_FLAGS = 13,           /* u32, PKTMON_FLAG_* */
	PKTMON_TLV_NF_FAMILY = 14,       /* u8, PKTMON_NF_IPV4 / PKTMON_NF_IPV6 */
	/* 0x70-0x7f: what the kernel did next (the why layers) */
	PKTMON_TLV_WHY = 0x70,           /* u8, enum pktmon_why */
	PKTMON_TLV_ICMP_TYPE = 0x71,     /* u8, the ICMP (ICMPv6) error's type */
	PKTMON_TLV_ICMP_CODE = 0x72,     /* u8, its code */
	PKTMON_TLV_TCP_STATE = 0x73,     /* u8, the socket's TCP state (1 ESTABLISHED ...): resets, retransmits */

	/* Only inside rundown records. */
	PKTMON_TLV_NAME = 0x20,          /* string, component name */
	PKTMON_TLV_IFNAME = 0x21,        /* string */
	PKTMON_TLV_NETNS_NAME = 0x22,    /* string, `ip netns` name or "host" */
	PKTMON_TLV_INTERFACE_ID = 0x23,  /* u32, pcapng interface (IDB) index */
	PKTMON_TLV_FILTER_INDEX = 0x30,  /* u32 */
	PKTMON_TLV_FILTER_NAME = 0x31,   /* string */
	PKTMON_TLV_FILTER_TEXT = 0x32,   /* string, the filter as pktmon prints it */
	PKTMON_TLV_CAPTURE_FILTER = 0x33,/* string, pcap-filter expression */
	PKTMON_TLV_RX_PKTS = 0x40,       /* u64 */
	PKTMON_TLV_RX_BYTES = 0x41,      /* u64 */
	PKTMON_TLV_TX_PKTS = 0x42,       /* u64 */
	PKTMON_TLV_TX_BYTES = 0x43,      /* u64 */
	PKTMON_TLV_DROPS = 0x44,         /* u64 */
	PKTMON_TLV_LOST = 0x45,          /* u64, events the ring buffer could not take */
	PKTMON_TLV_COUNT = 0x46,         /* u64 */
	PKTMON_TLV_SESSION_NAME = 0x50,  /* string */
	PKTMON_TLV_START_NS = 0x51,      /* u64, ns since the Unix epoch */
	PKTMON_TLV_STOP_NS = 0x52,       /* u64 */
	PKTMON_TLV_SNAPLEN = 0x53,       /* u32, 0 = whole packet */
	PKTMON_TLV_CAPTURE_TYPE = 0x54,  /* u8, enum pktmon_capture_type */
	PKTMON_TLV_EVENTS_WRITTEN = 0x55,/* u64 */
	PKTMON_TLV_EVENTS_LOST = 0x56,   /* u64 */
	PKTMON_TLV_KERNEL = 0x57,        /* string, uname release */
	PKTMON_TLV_HOST = 0x58,          /* string, the captured host's name (uname nodename or --host-name) */
	PKTMON_TLV_EVENTS_MISSED = 0x59, /* u64, observations the kernel skipped: a program of the session was
					  * already running on that CPU (written only when not 0) */

	/* EPB metadata of a NETFILTER_DROP by an nftables rule (nftables tracing). */
	PKTMON_TLV_NF_TABLE = 0x60,      /* string, family and table, "inet filter" */
	PKTMON_TLV_NF_CHAIN = 0x61,      /* string */
	PKTMON_TLV_NF_RULE_HANDLE = 0x62,/* u64, 0 = the chain's policy */
	PKTMON_TLV_NF_RULE = 0x63,       /* string, the rule as `nft -a list` prints it */
	PKTMON_TLV_NF_RULE_COMMENT = 0x64,/* string, the rule's comment */

	/* Rundown records (top level of the Custom Block payload). The value of
	 * each is itself a sequence of TLVs from the list above. */
	PKTMON_REC_COMPONENT = 0x0101,
	PKTMON_REC_FILTER = 0x0102,
	PKTMON_REC_CAPTURE_FILTER = 0x0103,
	PKTMON_REC_COUNTERS = 0x0104,
	PKTMON_REC_DROP_COUNT = 0x0105,
	PKTMON_REC_SESSION = 0x0106
};

/* PKTMON_TLV_FLAGS bits. */
#define PKTMON_FLAG_DROPPED 0x1u         /* this observation is the packet's drop */
#define PKTMON_FLAG_L2_SYNTHESIZED 0x2u  /* the Ethernet header was made up (zero MACs) */
#define PKTMON_FLAG_PAGED_NOT_CAPTURED 0x4u /* data beyond the skb's linear part was not captured */
#define PKTMON_FLAG_DELIVERED_COPY 0x8u  /* freed as a drop, but a copy reached a socket: not a loss */

enum pktmon_capture_type {
	PKTMON_TYPE_ALL = 0,
	PKTMON_TYPE_FLOW = 1,
	PKTMON_TYPE_DROP = 2
};

#endif /* PKTMON_FORMAT_H */
