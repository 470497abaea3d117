/* SPDX-License-Identifier: MIT */
/*
 * capture_event.h - what the BPF programs hand to user space, and the keys of
 * the maps both sides read. Included by capture.bpf.c (after vmlinux.h) and by
 * the session engine (after <linux/types.h>).
 */
#ifndef PKTMON_CAPTURE_EVENT_H
#define PKTMON_CAPTURE_EVENT_H

/* Largest packet slice one event carries ("whole packet" means this much of
 * the skb's linear data). A power of two: the verifier bounds copies with it. */
#include "pktmon/pktmon_filter.h" /* PKTMON_MAX_NETNS */

#define PM_MAX_DATA 8192
#define PM_L2_LEN 14 /* an Ethernet header, the one we synthesize when a layer has none */
#define PM_IFNAMSIZ 16
#define PM_MAX_NETNS PKTMON_MAX_NETNS /* namespaces a session may be limited to */

/* A component: one observation point. Netfilter components have ifindex 0. */
struct pm_comp_key {
	__u32 netns;    /* network namespace inode */
	__u32 ifindex;  /* device, for device and qdisc layers */
	__u8 layer;     /* enum pktmon_layer */
	__u8 nf_family; /* PKTMON_NF_IPV4/IPV6 for netfilter layers, else 0 */
	__u8 pad[2];
	__u32 netns_cookie; /* low bits of the namespace's net_cookie (0: unknown):
			     * inode numbers are reused, cookies are not (5.12+) */
};

/* Per-CPU counters of one component (values of the `counters` map). */
struct pm_counters {
	__u64 pkts;         /* observations of packets that matched the filters */
	__u64 bytes;
	__u64 drops;        /* packets dropped while last seen at this component */
	__u64 emitted;      /* events handed to the ring buffer */
	__u64 lost;         /* events the ring buffer could not take */
	__u64 lost_pending; /* lost since this CPU's last emitted event of the component */
};

/* A per-CPU direct-mapped cache of counters (the `ccache` map, one value per
 * CPU): a component's counters live in its slot on a CPU where that slot was
 * free when the component was first counted there, else in the `counters`
 * hash. Each (CPU, component) is in exactly one place, so user space adds
 * both; the hot path costs a multiply and four compares instead of a hash.
 * The slot is chosen by the namespace's cookie where known, not its inode:
 * counters-only mode then finds the slot without reading the inode. */
#define PM_CCACHE_SLOTS 256
struct pm_ccache_slot {
	struct pm_comp_key key;
	__u64 used;
	struct pm_counters c;
};

/* Counters only, no filter (cfg.lean): where this CPU last saw an skb,
 * direct-mapped by its address, so a drop names the component the packet was
 * last seen at. In the same per-CPU value as the counters: one lookup. */
#define PM_LAST_SLOTS 64
struct pm_last {
	__u64 addr;
	struct pm_comp_key where;
};

struct pm_ccache {
	struct pm_ccache_slot slot[PM_CCACHE_SLOTS];
	struct pm_last last[PM_LAST_SLOTS];
};

/* A component's slot: `ns` is its namespace's cookie, or its inode where the
 * cookie is unknown (0). The counters-only fast path calls this with the
 * cookie alone, before it knows the inode: both must choose the same slot. */
static inline __u32 pm_ccache_index_of(__u32 ns, __u32 ifindex, __u8 layer, __u8 nf_family)
{
	/* one multiply (Fibonacci hashing): on every counted pass, between the cookie's
	 * load and the slot's, so its latency is the program's (four were ~9 cycles more) */
	__u64 x = ((__u64)ifindex << 12 ^ (__u64)layer << 4 ^ nf_family) << 32 | ns;
	return (__u32)((x * 0x9E3779B97F4A7C15ull) >> 56) & (PM_CCACHE_SLOTS - 1);
}

static inline __u32 pm_ccache_index(const struct pm_comp_key *k)
{
	return pm_ccache_index_of(k->netns_cookie ? k->netns_cookie : k->netns, k->ifindex, k->layer, k->nf_family);
}

struct pm_drop_key {
	struct pm_comp_key comp;
	__u32 reason;
};

/* One observation, followed by cap_len bytes of frame (Ethernet first). */
struct pm_event {
	__u64 ts_ns;         /* CLOCK_MONOTONIC */
	__u64 group_id;      /* same for every observation of one packet */
	__u64 drop_location; /* kernel address, drops only */
	__u64 lost_before;   /* events of this component this CPU lost just before this one */
	struct pm_comp_key comp;
	__u32 appearance;    /* 1, 2, 3 ... along the packet's path */
	__u32 orig_len;      /* frame length, including a synthesized L2 header */
	__u32 cap_len;       /* bytes that follow */
	__u32 drop_reason;   /* enum skb_drop_reason value, drops only */
	__u32 cpu;
	__u32 flags;         /* PKTMON_FLAG_* */
	__u32 ifindex;       /* device involved (for netfilter: in or out device) */
	__u32 why;           /* why layers: PKTMON_WHY_* | detail << 8 | detail << 16 (PM_WHY()), else 0 */
	char ifname[PM_IFNAMSIZ];
};

/* pm_bpf_config.floor */
#define PM_FLOOR_EMPTY 1
#define PM_FLOOR_WRITE 2
#define PM_FLOOR_COUNT 3

/* pm_event.why: the kind and two details (ICMP type and code; TCP state). */
#define PM_WHY(kind, a, b) ((__u32)(kind) | (__u32)(a) << 8 | (__u32)(b) << 16)
#define PM_WHY_KIND(w) ((w) & 0xff)
#define PM_WHY_A(w) (((w) >> 8) & 0xff)
#define PM_WHY_B(w) (((w) >> 16) & 0xff)

/* A range of kernel code addresses [lo, hi). */
#define PM_NF_CODE_RANGES 8
struct pm_code_range {
	__u64 lo, hi;
};

/* Values set before the programs load (the skeleton's .rodata). */
struct pm_bpf_config {
	__u32 snaplen;       /* bytes of frame per event, 0 = up to PM_MAX_DATA */
	__u32 capture_type;  /* enum pktmon_capture_type */
	__u32 counters_only; /* count, but send no events */
	__u32 nfilters;      /* filters in the `filters` map; 0 = everything matches */
	__u32 vxlan_port;    /* UDP port parsed as VXLAN for inner-header filters */
	__u32 wakeup_bytes;  /* wake the consumer when this much is queued */
	__u32 shed_bytes;    /* this much queued: new packets are not written (ring_nearly_full()) */
	/* prev_ok[L] has bit P set when a packet last seen at layer P may be seen
	 * next at layer L (pktmon_continuation_table()); otherwise the address was
	 * reused by a new packet after a free no tracepoint saw. */
	__u32 prev_ok[32]; /* by layer; why layers never continue a path, but the table spans them */
	__u64 decap_window_ns; /* INPUT -> device rx (tunnel decapsulation) only this fast */
	/* Namespaces whose observations are counted and sent; none = all. Packets
	 * are followed everywhere, so paths and drop attribution stay right. */
	__u32 nnetns;
	__u32 netns[PM_MAX_NETNS];
	/* Bit per netfilter layer wanted, for fentry/kprobe on nf_hook_slow,
	 * which see every hook (a netfilter link is made only where wanted). */
	__u32 nf_layers;
	/* Counters only and no filter: nothing needs a packet's identity, so the
	 * programs skip the tracking map and the clock (observe_lean()). */
	__u32 lean;
	/* Benchmark only (bench/): PM_FLOOR_EMPTY, every program returns at once;
	 * PM_FLOOR_WRITE, the device and netfilter points write a bare event each;
	 * PM_FLOOR_COUNT, they add to an unchecked per-CPU slot (count_floor_point()). */
	__u32 floor;
	/* pm_copy_delivered is loaded: drops of cloned buffers look for a delivered copy. */
	__u32 copy_watch;
};

#endif /* PKTMON_CAPTURE_EVENT_H */
