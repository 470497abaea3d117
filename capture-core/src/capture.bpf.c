// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * capture.bpf.c - the observation points of a pktmon session.
 *
 * Every program funnels into observe(): it follows the packet by its skb
 * address (one group id for its whole path, across veth, bridges and
 * namespaces), decides once, at first sighting, whether the session's filters
 * want it, counts it per component, and hands an event with the first bytes of
 * the frame to user space through one ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "pktmon/pktmon_format.h"
#include "capture_event.h"
#include "pkt_parse.h"
#include "nf_place.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define NF_ACCEPT 1
#define ETH_P_IP_BE 0x0008   /* htons(0x0800) */
#define ETH_P_IPV6_BE 0xDD86 /* htons(0x86DD) */
#define ETH_P_ARP_BE 0x0608  /* htons(0x0806) */
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
/* An skb address not seen for this long is taken to be a new packet: buffers
 * freed without a tracepoint (UDP and TCP receive paths) get reused. The layer
 * order (continues()) catches most reuse sooner. */
#define PM_STALE_NS 1000000000ULL

const volatile struct pm_bpf_config cfg = {};

__u64 next_group_id = 0;

/* Kernel code that drops for netfilter (nf_hook_slow, nft_do_chain, ...):
 * user space fills it from /proc/kallsyms after load. Kernels before 5.17 have
 * no drop reason, and not every netfilter drop says NETFILTER_DROP. */
struct pm_code_range nf_code[PM_NF_CODE_RANGES] = {};

struct pm_track {
	__u64 addr; /* the skb's: the slot holds this packet (0: free) */
	__u64 group_id;
	__u64 last_ts;
	struct pm_comp_key last; /* where the packet was last seen */
	__u32 appearance;
	__u8 matched;
	__u8 shed; /* first seen while the ring was nearly full: none of its points written */
	__u16 head_tag; /* bits of skb->head at INPUT: decapsulation keeps the buffer */
};

/* What reading a frame needs of an skb and its device, loaded by the caller the
 * way its program type allows (plain loads of trusted pointers, else probe reads),
 * so that the reader itself can be a global function: the verifier checks a global
 * function once per program, a static one again at each call site and on each
 * path there (most of a program's verification, when the reader was static). */
struct pm_frame_src {
	__u64 head;
	__u64 data;
	__u32 tail;
	__u32 data_len;
	__u16 mac;
	__u16 net;
	__be16 proto;
	__u16 dev_type;
};

struct pm_scratch {
	struct pm_event ev; /* the event's header, and its frame when filters read it */
	__u8 data[PM_MAX_DATA + PM_L2_LEN];
	struct pktmon_pkt_view view;
	struct pm_track fresh; /* a new track entry: here, not on the stack, which
				* the matcher's call chain needs */
	struct pm_frame_src src; /* the frame's place, for the reader */
	__u64 emits;           /* events this CPU emitted, for batched wake-ups */
	__u32 ring_full;       /* the ring was nearly full at this CPU's last look (ring_nearly_full()) */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* user space resizes before load */
} rb SEC(".maps");

/* Where each packet was last seen, direct-mapped by its skb address: skbs are
 * slab objects of 256 bytes or more, so packets alive at the same time take
 * distinct slots unless their addresses are a multiple of 64 MiB apart (then
 * the later one takes the slot and the earlier one continues as a new packet).
 * No hash, no lock, no eviction: an LRU hash here cost a bucket walk per point
 * and, full of skbs freed without a tracepoint, an eviction under its global
 * lock per packet. */
#define PM_TRACK_SLOTS 262144
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PM_TRACK_SLOTS);
	__type(key, __u32);
	__type(value, struct pm_track);
} tracks SEC(".maps");

/* The two per-CPU hashes allocate an entry when a component (or a component's drop reason) is
 * first counted, not all 8192/16384 on every CPU when made: preallocated, making them took 10-25 ms
 * of every start (one per-CPU allocation an entry), for a few dozen components. Run-time
 * allocation is allowed in tracing programs since 6.1 (bpf_mem_alloc). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pm_comp_key);
	__type(value, struct pm_counters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pm_ccache);
} ccache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pm_drop_key);
	__type(value, __u64);
} drop_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKTMON_MAX_FILTERS);
	__type(key, __u32);
	__type(value, struct pktmon_filter);
} filters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pm_scratch);
} scratch SEC(".maps");

/* Lean mode (cfg.lean): where this CPU last saw an skb, direct-mapped by its
 * address (skbs are 256-byte slab objects, so 64 neighbours get 64 slots), in
 * the ccache value (struct pm_last). A drop names the component the packet was
 * last seen at, as the tracking map would, as long as the packet did not change
 * CPUs in between (then the drop counts where it happened): no lock, no hash,
 * no clock per packet. */

/* The lean slot of an skb. Its address is a pointer to the verifier, which
 * allows no shift of it; pointer minus pointer is a number (privileged
 * programs), so the address is taken relative to a map's. */
static __always_inline __u32 lean_slot(const void *skb)
{
	__u64 a = (__u64)skb, base = (__u64)&ccache;
	asm volatile("%0 -= %1" : "+r"(a) : "r"(base));
	return (__u32)(a >> 8) & (PM_LAST_SLOTS - 1);
}

/* The tracks slot of an skb (NULL only to please the verifier). */
static __always_inline struct pm_track *track_slot(const void *skb)
{
	__u64 a = (__u64)skb, base = (__u64)&tracks;
	asm volatile("%0 -= %1" : "+r"(a) : "r"(base)); /* as in lean_slot() */
	__u32 i = (__u32)(a >> 8) & (PM_TRACK_SLOTS - 1);
	return bpf_map_lookup_elem(&tracks, &i);
}

/* Where the packet at `skb` was last seen, or NULL: never seen, or forgotten
 * (for programs that only look; observe() keeps the slot to fill it). */
static __always_inline __attribute__((unused)) struct pm_track *track_lookup(const void *skb)
{
	struct pm_track *t = track_slot(skb);
	if (!t)
		return NULL;
	__u64 known = t->addr == (__u64)skb; /* as in observe() */
	asm volatile("" : "+r"(known));
	return known ? t : NULL;
}

/* The packet at `skb` is gone (freed, or dropped): forget it. */
static __always_inline void track_forget(const void *skb)
{
	struct pm_track *t = track_slot(skb);
	if (t && t->addr == (__u64)skb)
		t->addr = 0;
}

/* tp_btf, fentry and netfilter programs get trusted BTF pointers and read
 * fields with plain loads; kprobes need probe reads. `direct` is a constant
 * wherever this is used, so only one side is compiled. */
#define PM_RD(direct, p, field) ((direct) ? (p)->field : BPF_CORE_READ(p, field))

static __always_inline __u32 dev_netns(struct net_device *dev)
{
	if (!dev)
		return 0;
	return dev->nd_net.net->ns.inum; /* tp_btf: trusted pointers */
}

/* net->net_cookie is a u64 set when the namespace is made (5.12+); older
 * kernels have none (or an atomic64_t made on demand): 0, "unknown". */
struct net___cookie {
	__u64 net_cookie;
} __attribute__((preserve_access_index));

static __always_inline __u32 net_cookie_rd(struct net *net, bool direct)
{
	if (!net || !bpf_core_field_exists(((struct net___cookie *)0)->net_cookie))
		return 0;
	return (__u32)PM_RD(direct, (struct net___cookie *)net, net_cookie);
}

static __always_inline __u32 dev_cookie(struct net_device *dev)
{
	return dev ? net_cookie_rd(dev->nd_net.net, true) : 0;
}

static __always_inline bool comp_key_eq(const struct pm_comp_key *a, const struct pm_comp_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;
	_Static_assert(sizeof(*a) == 16, "four words");
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* This CPU's counters of a component: its ccache slot, else the hash. */
static __always_inline struct pm_counters *counters_in(struct pm_ccache *cc, const struct pm_comp_key *key)
{
	struct pm_ccache_slot *sl = &cc->slot[pm_ccache_index(key)];
	if (sl->used && comp_key_eq(&sl->key, key))
		return &sl->c;
	if (!sl->used) {
		sl->key = *key;
		sl->used = 1;
		return &sl->c;
	}
	struct pm_counters *c = bpf_map_lookup_elem(&counters, key);
	if (c)
		return c;
	struct pm_counters none = {};
	bpf_map_update_elem(&counters, key, &none, BPF_NOEXIST);
	return bpf_map_lookup_elem(&counters, key);
}

static __always_inline struct pm_counters *counters_of(const struct pm_comp_key *key)
{
	__u32 zero = 0;
	struct pm_ccache *cc = bpf_map_lookup_elem(&ccache, &zero);
	return cc ? counters_in(cc, key) : NULL;
}

static __always_inline void frame_src(struct pm_frame_src *f, struct sk_buff *skb, struct net_device *dev,
				      bool direct)
{
	f->head = (__u64)PM_RD(direct, skb, head);
	f->data = (__u64)PM_RD(direct, skb, data);
	f->tail = PM_RD(direct, skb, tail);
	f->data_len = PM_RD(direct, skb, data_len);
	f->mac = PM_RD(direct, skb, mac_header);
	f->net = PM_RD(direct, skb, network_header);
	f->proto = PM_RD(direct, skb, protocol);
	f->dev_type = dev ? PM_RD(direct, dev, type) : 0;
}

/* Copy the frame, starting with an Ethernet header, after *ev (the scratch
 * event or a ring record with `room` + PM_L2_LEN bytes after the header). Where
 * the layer has no MAC header (OUTPUT, POSTROUTING, tunnels) one is
 * synthesized with zero addresses. At most `want` bytes in all; sets ev->flags
 * bits and ev->orig_len; returns the bytes written. */
static __always_inline __u32 read_frame_body(const struct pm_frame_src *f, __u32 want, struct pm_event *ev,
					     const __u32 room)
{
	__u8 *data = (__u8 *)(ev + 1);
	__u64 head = f->head, start = f->data;
	__u16 mac = f->mac, net = f->net;
	bool ether = f->dev_type == ARPHRD_ETHER || f->dev_type == ARPHRD_LOOPBACK;
	__u32 off = 0;

	if (mac != (__u16)~0U && net > mac && net - mac >= PM_L2_LEN && net - mac <= PM_L2_LEN + 8 && ether) {
		start = head + mac;
	} else if (net != 0 || !ether) {
		/* no usable MAC header: make one up */
		__be16 proto = f->proto;
		if (net != 0)
			start = head + net;
		if (proto == 0) {
			__u8 first = 0;
			bpf_probe_read_kernel(&first, 1, (const void *)start);
			proto = (first >> 4) == 6 ? ETH_P_IPV6_BE : ETH_P_IP_BE;
		}
		__builtin_memset(data, 0, 12);
		__builtin_memcpy(data + 12, &proto, 2);
		off = PM_L2_LEN;
		ev->flags |= PKTMON_FLAG_L2_SYNTHESIZED;
	}

	__u64 end = head + f->tail;
	__u64 avail = end > start ? end - start : 0;
	if (avail > 0xffff)
		avail = 0;
	__u32 lim = want > off ? want - off : 0;
	__u64 n = avail < lim ? avail : lim; /* 64 bits: no zero extension to hide the bound */
	asm volatile("" : "+r"(n)); /* the verifier's bound, which clang may find redundant */
	if (n > room) /* room + PM_L2_LEN bytes follow the header */
		n = room;
	bpf_probe_read_kernel(data + off, n, (const void *)start);

	ev->orig_len = off + (__u32)avail + f->data_len;
	if (f->data_len && off + n < ev->orig_len && n == avail)
		ev->flags |= PKTMON_FLAG_PAGED_NOT_CAPTURED;
	return off + (__u32)n;
}

/* One record type and one global reader per size class: a global function's
 * pointer argument is memory of its type's size, so the record's type carries
 * the class. The ring record is reserved at exactly that size. */
#define PM_FRAME_READER(name, room)                                                                        \
	struct pm_rec_##name {                                                                             \
		struct pm_event ev;                                                                        \
		__u8 data[(room) + PM_L2_LEN];                                                             \
	};                                                                                                 \
	__noinline __u32 pm_read_frame_##name(const struct pm_frame_src *f, struct pm_rec_##name *r,      \
					      __u32 want)                                                  \
	{                                                                                                  \
		if (!f || !r)                                                                              \
			return 0;                                                                          \
		return read_frame_body(f, want, &r->ev, (room));                                           \
	}
PM_FRAME_READER(128, 128)
PM_FRAME_READER(256, 256)
PM_FRAME_READER(512, 512)
PM_FRAME_READER(1536, 1536)
PM_FRAME_READER(max, PM_MAX_DATA)

/* A ring record of a class: the header, the frame's room, an 8-byte multiple (the ring's own). */
#define PM_REC_SIZE(room) ((sizeof(struct pm_event) + (room) + PM_L2_LEN + 7) & ~7UL)
_Static_assert(PM_REC_SIZE(128) == sizeof(struct pm_rec_128) && PM_REC_SIZE(256) == sizeof(struct pm_rec_256) &&
		       PM_REC_SIZE(512) == sizeof(struct pm_rec_512) &&
		       PM_REC_SIZE(1536) == sizeof(struct pm_rec_1536),
	       "a class's record type is the size reserved for it");

/* The scratch's event and frame are a record of the largest class. */
_Static_assert(__builtin_offsetof(struct pm_rec_max, data) == sizeof(struct pm_event), "no padding");

/* An upper bound of the bytes read_frame_body() writes, for the ring record's size:
 * from a MAC header at most PM_L2_LEN + 8 before the network header (or a
 * synthesized one) to the end of the linear data; from skb->data (or a
 * synthesized header) where there is no network header. */
static __always_inline __u32 frame_bound(const struct pm_frame_src *f)
{
	__u32 from = f->net;
	if (!from)
		from = (__u32)(f->data - f->head);
	__u32 b = f->tail > from ? f->tail - from : 0;
	return b < 0xffff ? b + PM_L2_LEN + 8 : 0xffff;
}

/* Parsing and matching are global functions: the verifier checks each once,
 * on its own, instead of once per program and call site. */
struct pm_parse_buf {
	__u8 frame[PKTMON_PARSE_MAX];
};

__noinline int pm_parse(struct pm_parse_buf *buf, __u32 len, __u32 vxlan_port, struct pktmon_pkt_view *view)
{
	if (!buf || !view)
		return -1;
	/* no clamp of len here: clang would then drop the parser's constant
	 * bound as redundant, and the verifier needs that one */
	return pktmon_parse_frame(buf->frame, len, (__u16)vxlan_port, view);
}

struct match_ctx {
	__u32 matched;
};

static long match_one(__u32 i, void *data)
{
	struct match_ctx *m = data;
	__u32 zero = 0;
	struct pm_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	struct pktmon_filter *f = bpf_map_lookup_elem(&filters, &i);
	if (!s || !f)
		return 1;
	if (pktmon_filter_match(f, &s->view)) { /* a global function of pkt_parse.h */
		m->matched = 1;
		return 1;
	}
	return 0;
}

/* Batched wake-ups: the consumer polls every 50 ms anyway, so look at the
 * ring's fill level only every 64th event of a CPU (the query costs more than
 * the output itself) and wake the consumer when it is filling up. */
static __always_inline __u64 wakeup_flag(struct pm_scratch *s)
{
	if (!cfg.wakeup_bytes)
		return 0;
	if (++s->emits & 63)
		return BPF_RB_NO_WAKEUP;
	__u64 queued = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	s->ring_full = queued >= cfg.shed_bytes;
	return queued >= cfg.wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Whole packets or none: while the ring is nearly full (cfg.shed_bytes queued), a
 * new packet is written at none of its points (each event counted lost), so the
 * packets already on their way keep the room to finish. A slow reader then gets
 * fewer packets, each with its whole path, instead of paths with holes. The fill
 * level is looked at every 64th event written (wakeup_flag()) and when a record is
 * refused; once nearly full, at each new packet until it is not (costs nothing
 * while there is room). */
static __always_inline bool ring_nearly_full(struct pm_scratch *s)
{
	if (__builtin_expect(!s->ring_full, 1))
		return false;
	s->ring_full = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) >= cfg.shed_bytes;
	return s->ring_full;
}

static __always_inline bool is_network_protocol(struct sk_buff *skb)
{
	__be16 p = BPF_CORE_READ(skb, protocol);
	return p == ETH_P_IP_BE || p == ETH_P_IPV6_BE || p == ETH_P_ARP_BE;
}

static __always_inline bool netns_selected(__u32 netns)
{
	if (!cfg.nnetns)
		return true;
	for (int i = 0; i < PM_MAX_NETNS; i++)
		if (i < cfg.nnetns && cfg.netns[i] == netns)
			return true;
	return false;
}

static __always_inline bool netfilter_dropped(__u32 reason, __u64 location)
{
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_NETFILTER_DROP) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NETFILTER_DROP))
		return true;
	for (int i = 0; i < PM_NF_CODE_RANGES; i++)
		if (location >= nf_code[i].lo && location < nf_code[i].hi)
			return true;
	return false;
}

static __always_inline __u8 nf_family_of(struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, protocol) == ETH_P_IPV6_BE ? PKTMON_NF_IPV6 : PKTMON_NF_IPV4;
}

/* A netfilter drop seen last elsewhere goes to a netfilter component (nf_place.h).
 * A subprogram: 6.1's verifier allows 512 bytes of stack for
 * the drop program, the matcher callback and the matcher together, and the
 * drop program had reached its share. */
static __noinline void place_drop(struct pm_comp_key *where, __u32 by_netfilter, struct sk_buff *skb)
{
	if (!where || !skb)
		return;
	pm_place_netfilter_drop(where, by_netfilter != 0, nf_family_of(skb));
}

/* A tag of the skb's data buffer: a tunnel decapsulates in the same buffer, a new
 * packet on a reused skb address almost always has another one. A probe read, as a
 * number: a direct read is a pointer the verifier (6.18) refuses 32-bit arithmetic on.
 * Read only after INPUT, where decapsulation happens. */
static __always_inline __u16 head_tag(struct sk_buff *skb)
{
	return (__u16)((__u64)BPF_CORE_READ(skb, head) >> 6);
}

/* Can the packet last seen where `t` says be seen at `layer` now? If not, the
 * skb address was freed without a tracepoint and reused by a new packet. */
static __always_inline bool continues(const struct pm_track *t, const struct pm_comp_key *key, __u64 now,
				      struct sk_buff *skb)
{
	__u8 layer = key->layer;
	if (!(cfg.prev_ok[layer & 15] & (1u << (t->last.layer & 31))))
		return false;
	/* a packet enters another namespace only through a device: anywhere else a
	 * different namespace means a new packet on a reused address (a drop's key
	 * is where its device is, which may be the next namespace's: not compared) */
	if (layer != PKTMON_LAYER_DEV_RX && layer != PKTMON_LAYER_STACK && key->netns && t->last.netns &&
	    key->netns != t->last.netns)
		return false;
	/* decapsulation follows INPUT in the same buffer, usually at once (later on a busy
	 * host: the tunnel's receive runs from its own NAPI); a new packet on a reused
	 * address has another buffer. In the window either is taken (a cloned packet is
	 * decapsulated in a copy) */
	if (layer == PKTMON_LAYER_DEV_RX && t->last.layer == PKTMON_LAYER_NF_INPUT &&
	    now - t->last_ts > cfg.decap_window_ns && head_tag(skb) != t->head_tag)
		return false;
	return true;
}

static __always_inline bool proto_is_network(__be16 p)
{
	return p == ETH_P_IP_BE || p == ETH_P_IPV6_BE || p == ETH_P_ARP_BE;
}

/* Counts one observation (or a drop) of a component; its counters, or NULL. */
static __always_inline struct pm_counters *count(struct pm_comp_key *where, __u32 len, bool is_drop, __u32 reason)
{
	struct pm_counters *c = counters_of(where);
	if (!c)
		return NULL;
	if (!is_drop) { /* a drop is not another crossing of the component */
		c->pkts++;
		c->bytes += len;
		return c;
	}
	struct pm_drop_key dk = { .comp = *where, .reason = reason };
	__u64 *dc = bpf_map_lookup_elem(&drop_counts, &dk);
	if (dc) {
		(*dc)++;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&drop_counts, &dk, &one, BPF_NOEXIST);
	}
	c->drops++;
	return c;
}

/* One observation when only counters are wanted and nothing is filtered
 * (cfg.lean): no tracking map, no clock, no group id. `len` and `proto` are
 * the skb's, read by the caller the way its program type allows. */
static __always_inline int observe_lean(struct sk_buff *skb, struct pm_comp_key *key, __u32 len, __be16 proto,
					bool is_drop, __u32 reason, __u64 location)
{
	__u32 zero = 0;
	struct pm_ccache *cc = bpf_map_lookup_elem(&ccache, &zero);
	if (!cc)
		return 0;
	__u64 addr = (__u64)skb;
	struct pm_last *slot = &cc->last[lean_slot(skb)];
	bool seen = slot->addr == addr;

	if ((is_drop || key->layer == PKTMON_LAYER_SOCK_RX) && !seen && !proto_is_network(proto))
		return 0; /* vsock, netlink ...: not a packet any component saw */
	if (key->netns == 0 && seen) { /* socket layer: skb->dev may be gone */
		key->netns = slot->where.netns;
		key->netns_cookie = slot->where.netns_cookie;
	}
	if (is_drop) {
		struct pm_comp_key where = seen ? slot->where : *key;
		slot->addr = 0;
		pm_place_netfilter_drop(&where, netfilter_dropped(reason, location),
					proto == ETH_P_IPV6_BE ? PKTMON_NF_IPV6 : PKTMON_NF_IPV4);
		if (netns_selected(where.netns))
			count(&where, 0, true, reason);
		return 0;
	}
	slot->addr = addr;
	slot->where = *key;
	if (netns_selected(key->netns)) {
		struct pm_counters *c = counters_in(cc, key);
		if (c) {
			c->pkts++;
			c->bytes += len;
		}
	}
	return 0;
}

/* A key's two words as the ccache slot holds them (loads and compares of 64 bits). */
typedef __u64 __attribute__((may_alias)) pm_word;
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "key words built by shifts");

/* This CPU's counters cache, looked up before a point reads the packet's fields:
 * a lookup is a call to the compiler, so values read before it would be kept on
 * the stack across it. */
static __always_inline struct pm_ccache *lean_cache(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&ccache, &zero);
}

/*
 * Counters only, a packet passing a point that knows its namespace (a device, a
 * netfilter hook): the hot path of counters-only mode. The component's ccache
 * slot is found by the namespace's cookie, which with the device (or hook) and
 * layer names it, so the namespace's inode (a load from another line of struct
 * net) and a key on the stack are needed only when the slot is first filled on
 * this CPU; an unused slot never matches (its words are zero, a known cookie is
 * not). Without a cookie (kernels before 5.12), or when the session is limited
 * to some namespaces, the general path.
 */
static __always_inline void lean_pass(struct pm_ccache *cc, struct sk_buff *skb, struct net *net, __u32 ifindex,
				      __u8 layer, __u8 family, __u32 len, bool direct)
{
	__u32 cookie = net_cookie_rd(net, direct);
	/* expected branches: the hot path laid out in one run of code, the general path and a
	 * slot's first fill out of line (programs' time at a flood -3 %) */
	if (__builtin_expect(!cookie || cfg.nnetns, 0)) {
		struct pm_comp_key key = { .netns = net ? PM_RD(direct, net, ns.inum) : 0, .ifindex = ifindex,
					   .layer = layer, .nf_family = family, .netns_cookie = cookie };
		observe_lean(skb, &key, len, 0, false, 0, 0);
		return;
	}
	/* word 0: netns, ifindex; word 1: layer, nf_family, pad, netns_cookie */
	__u64 w1 = (__u64)layer | (__u64)family << 8 | (__u64)cookie << 32, w0;
	struct pm_ccache_slot *sl = &cc->slot[pm_ccache_index_of(cookie, ifindex, layer, family)];
	pm_word *k = (pm_word *)&sl->key;
	struct pm_counters *c;
	if (__builtin_expect(k[1] == w1 && (__u32)(k[0] >> 32) == ifindex, 1)) {
		c = &sl->c;
		w0 = k[0];
	} else {
		struct pm_comp_key key = { .netns = PM_RD(direct, net, ns.inum), .ifindex = ifindex, .layer = layer,
					   .nf_family = family, .netns_cookie = cookie };
		c = counters_in(cc, &key);
		w0 = (__u64)key.netns | (__u64)ifindex << 32;
	}
	struct pm_last *last = &cc->last[lean_slot(skb)];
	pm_word *where = (pm_word *)&last->where;
	last->addr = (__u64)skb;
	where[0] = w0;
	where[1] = w1;
	if (c) {
		c->pkts++;
		c->bytes += len;
	}
}

/* The skb's address leaves this CPU's lean cache when the skb is freed. */
static __always_inline void lean_forget(struct sk_buff *skb)
{
	__u32 zero = 0;
	struct pm_ccache *cc = bpf_map_lookup_elem(&ccache, &zero);
	if (!cc)
		return;
	__u64 addr = (__u64)skb;
	struct pm_last *slot = &cc->last[lean_slot(skb)];
	if (slot->addr == addr)
		slot->addr = 0;
}

/* Hands one event to user space: a ring record of a size class (`room` bytes of
 * frame, a constant), the header from the scratch, the frame read in place (or
 * copied from the scratch where a why event read it first: `read`). Counts it as
 * emitted or lost: written + lost = generated, and the next event this CPU
 * writes for the component says how many were lost before it. */
static __always_inline void emit(struct pm_scratch *s, struct pm_counters *c, __u32 want, bool read,
				 const __u32 room)
{
	struct pm_event *ev = bpf_ringbuf_reserve(&rb, PM_REC_SIZE(room), 0);
	if (!ev) {
		c->lost++;
		c->lost_pending++;
		s->ring_full = 1;
		return;
	}
	__builtin_memcpy(ev, &s->ev, sizeof(*ev));
	__u32 have;
	if (read) {
		__u64 n = want;
		/* the caller's class check implies this bound: keep clang from dropping it */
		asm volatile("" : "+r"(n));
		if (n > room)
			n = room;
		bpf_probe_read_kernel(ev + 1, n, s->data);
		have = n;
	} else if (room == 128) {
		have = pm_read_frame_128(&s->src, (struct pm_rec_128 *)ev, want);
	} else if (room == 256) {
		have = pm_read_frame_256(&s->src, (struct pm_rec_256 *)ev, want);
	} else if (room == 512) {
		have = pm_read_frame_512(&s->src, (struct pm_rec_512 *)ev, want);
	} else if (room == 1536) {
		have = pm_read_frame_1536(&s->src, (struct pm_rec_1536 *)ev, want);
	} else {
		_Static_assert(PM_REC_SIZE(PM_MAX_DATA) == sizeof(struct pm_rec_max), "the largest class");
		have = pm_read_frame_max(&s->src, (struct pm_rec_max *)ev, want);
	}
	ev->cap_len = have;
	ev->lost_before = c->lost_pending;
	bpf_ringbuf_submit(ev, wakeup_flag(s));
	c->emitted++;
	c->lost_pending = 0;
}

/*
 * One observation. `key` names the component; for drops it is ignored unless
 * the packet was never seen before (the drop is attributed to the component
 * where the packet was last seen).
 */
static __always_inline int observe(struct sk_buff *skb, struct net_device *dev,
				   struct pm_comp_key *key, __u32 ifindex,
				   bool is_drop, __u32 reason, __u64 location, bool direct)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 addr = (__u64)skb;
	__u32 zero = 0;
	struct pm_track *slot = track_slot(skb);
	if (!slot)
		return 0;
	/* 0 or 1 in a register: the verifier then knows which on every path (an
	 * skb pointer compared twice would leave it guessing) */
	__u64 known = slot->addr == addr;
	asm volatile("" : "+r"(known));
	struct pm_track *t = known ? slot : NULL;
	bool fresh = !t || now - t->last_ts > PM_STALE_NS || !continues(t, key, now, skb);

	/* a unix or netlink message (skb_copy_datagram_iovec serves them too) on the address of a
	 * freed packet is not that packet's socket delivery: checked even where it would continue */
	if (((is_drop && fresh) || key->layer == PKTMON_LAYER_SOCK_RX) && !is_network_protocol(skb))
		return 0; /* vsock, netlink ...: not a packet any component saw */
	if (key->netns == 0 && t) { /* socket layer: skb->dev may be gone */
		key->netns = t->last.netns;
		key->netns_cookie = t->last.netns_cookie;
	}

	struct pm_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	s->ev.flags = 0;
	__u32 cap = cfg.snaplen && cfg.snaplen < PM_MAX_DATA ? cfg.snaplen : PM_MAX_DATA;

	if (fresh) {
		struct pm_track *local = &s->fresh;
		__builtin_memset(local, 0, sizeof(*local));
		local->matched = 1;
		if (cfg.nfilters) {
			/* read for the filters only: emit() reads the frame again, into the
			 * ring, as for a packet followed (paths the verifier walks once, not
			 * once for each) */
			__u32 want = cap > PKTMON_PARSE_MAX ? cap : PKTMON_PARSE_MAX;
			frame_src(&s->src, skb, dev, direct);
			__u32 have = pm_read_frame_max(&s->src, (struct pm_rec_max *)&s->ev, want);
			__builtin_memset(&s->view, 0, sizeof(s->view));
			pm_parse((struct pm_parse_buf *)s->data, have, cfg.vxlan_port, &s->view);
			struct match_ctx m = {};
			bpf_loop(cfg.nfilters, match_one, &m, 0);
			local->matched = m.matched;
		}
		local->group_id = __sync_fetch_and_add(&next_group_id, 1) + 1;
		local->last = *key;
		local->shed = !is_drop && ring_nearly_full(s);
		t = local;
		if (!is_drop) { /* a drop ends the packet: nothing to keep */
			local->addr = addr;
			local->last_ts = now;
			*slot = *local;
			t = slot;
		}
	}
	if (!t->matched) {
		if (is_drop && known) /* the packet ends here */
			slot->addr = 0;
		return 0;
	}

	__u32 appearance = ++t->appearance;
	__u64 group_id = t->group_id;
	if (is_drop) /* t->last is the drop's place: the entry goes away below */
		place_drop(&t->last, netfilter_dropped(reason, location), skb);
	struct pm_comp_key where = is_drop ? t->last : *key;
	if (is_drop) {
		if (known) /* this address held this or an older packet: both end here */
			slot->addr = 0;
	} else {
		t->last = *key;
		t->last_ts = now;
		if (key->layer == PKTMON_LAYER_NF_INPUT)
			t->head_tag = head_tag(skb);
	}

	if (!netns_selected(where.netns))
		return 0; /* followed (above), not reported */
	/* a plain load where the pointer is trusted: a probe read per event cost a helper call */
	struct pm_counters *c = count(&where, is_drop ? 0 : PM_RD(direct, skb, len), is_drop, reason);
	if (!c)
		return 0;

	if (cfg.counters_only || (is_drop && cfg.capture_type == PKTMON_TYPE_FLOW) ||
	    (!is_drop && cfg.capture_type == PKTMON_TYPE_DROP))
		return 0;
	if (t->shed && !is_drop) { /* a drop is written all the same: it is what pktmon is for */
		c->lost++;
		c->lost_pending++;
		return 0;
	}

	struct pm_event *ev = &s->ev; /* the header, copied into the ring record */
	ev->ts_ns = now;
	ev->group_id = group_id;
	ev->drop_location = is_drop ? location : 0;
	ev->comp = where;
	ev->appearance = appearance;
	ev->drop_reason = is_drop ? reason : 0;
	ev->cpu = bpf_get_smp_processor_id();
	if (is_drop)
		ev->flags |= PKTMON_FLAG_DROPPED;
	ev->ifindex = ifindex;
	ev->why = 0;
	_Static_assert(sizeof(ev->ifname) == 16, "ifname is two words");
	if (dev && direct) { /* two plain loads instead of a helper call */
		const __u64 *name = (const __u64 *)dev->name;
		((__u64 *)ev->ifname)[0] = name[0];
		((__u64 *)ev->ifname)[1] = name[1];
	} else {
		__builtin_memset(ev->ifname, 0, sizeof(ev->ifname));
		if (dev)
			bpf_probe_read_kernel_str(ev->ifname, sizeof(ev->ifname), dev->name);
	}

	/* The ring record is reserved at the smallest size class that holds the
	 * frame and filled in place: no copy of the frame through the scratch. */
	frame_src(&s->src, skb, dev, direct);
	__u32 want = frame_bound(&s->src);
	if (want > cap)
		want = cap;
	if (want <= 128)
		emit(s, c, want, false, 128);
	else if (want <= 256)
		emit(s, c, want, false, 256);
	else if (want <= 512)
		emit(s, c, want, false, 512);
	else if (want <= 1536) /* an Ethernet MTU's frame */
		emit(s, c, want, false, 1536);
	else
		emit(s, c, want, false, PM_MAX_DATA);
	return 0;
}

/*
 * The counting floor (benchmark only, cfg.floor == PM_FLOOR_COUNT): the least any
 * count per component and CPU does at a point: read what names the component
 * (the namespace's cookie, the device's index), choose this CPU's slot by it, add
 * the packet and its bytes. No compare of the slot's key (components sharing a slot
 * are added together), no hash map, no last-seen record: a lower bound on
 * counters-only's cost, not a counter (the slots stay unused, so nothing reads them).
 */
static __always_inline int count_floor_point(struct sk_buff *skb, __u32 ifindex, struct net *net, __u8 layer, __u8 pf)
{
	struct pm_ccache *cc = lean_cache();
	if (!cc)
		return 0;
	__u32 cookie = net_cookie_rd(net, true);
	struct pm_counters *c = &cc->slot[pm_ccache_index_of(cookie, ifindex, layer, pf)].c;
	c->pkts++;
	c->bytes += skb->len;
	return 0;
}

/*
 * The write floor (benchmark only, cfg.floor == PM_FLOOR_WRITE): what any design
 * writing one event per point pays, whatever it knows about the packet: a ring
 * record reserved, a timestamp, the component's words and device name, the first
 * 128 bytes from skb->data, the record submitted (wake-ups batched as emit() does).
 * No following, no counters, no filters, no size classes.
 */
static __always_inline int floor_point(struct sk_buff *skb, struct net_device *dev, struct net *net, __u8 layer,
				       __u8 pf)
{
	if (cfg.floor == PM_FLOOR_COUNT && skb)
		return count_floor_point(skb, pf ? 0 : (dev ? dev->ifindex : 0), net, layer, pf);
	if (cfg.floor != PM_FLOOR_WRITE || !skb)
		return 0;
	__u32 zero = 0;
	struct pm_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct pm_event *ev = bpf_ringbuf_reserve(&rb, sizeof(*ev) + 128 + PM_L2_LEN, 0);
	if (!ev)
		return 0;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->ts_ns = bpf_ktime_get_ns();
	ev->comp.netns = net ? net->ns.inum : 0;
	ev->comp.layer = layer;
	ev->comp.nf_family = pf;
	if (dev) {
		const __u64 *name = (const __u64 *)dev->name;
		ev->comp.ifindex = pf ? 0 : dev->ifindex;
		ev->ifindex = dev->ifindex;
		((__u64 *)ev->ifname)[0] = name[0];
		((__u64 *)ev->ifname)[1] = name[1];
	}
	ev->appearance = 1;
	ev->cpu = bpf_get_smp_processor_id();
	ev->comp.netns_cookie = net_cookie_rd(net, true);
	ev->orig_len = skb->len + PM_L2_LEN;
	ev->cap_len = ev->orig_len < 128 ? ev->orig_len : 128;
	bpf_probe_read_kernel(ev + 1, 128, skb->data);
	bpf_ringbuf_submit(ev, wakeup_flag(s));
	return 0;
}

/* A tp_btf observation: the lean counters or the full path. */
static __always_inline int observe_tp(struct sk_buff *skb, struct net_device *dev, struct pm_comp_key *key,
				      __u32 ifindex, bool is_drop, __u32 reason, __u64 location)
{
	if (cfg.lean)
		return observe_lean(skb, key, skb->len, skb->protocol, is_drop, reason, location);
	return observe(skb, dev, key, ifindex, is_drop, reason, location, true);
}

static __always_inline int observe_dev(struct sk_buff *skb, struct net_device *dev, __u8 layer)
{
	if (!skb || !dev)
		return 0;
	if (cfg.lean) {
		struct pm_ccache *cc = lean_cache();
		if (cc)
			lean_pass(cc, skb, dev->nd_net.net, dev->ifindex, layer, 0, skb->len, true);
		return 0;
	}
	struct pm_comp_key key = {
		.netns = dev_netns(dev),
		.netns_cookie = dev_cookie(dev),
		.ifindex = dev->ifindex,
		.layer = layer,
	};
	return observe_tp(skb, dev, &key, key.ifindex, false, 0, 0);
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(pm_dev_rx, struct sk_buff *skb)
{
	if (cfg.floor)
		return floor_point(skb, skb->dev, skb->dev->nd_net.net, PKTMON_LAYER_DEV_RX, 0);
	return observe_dev(skb, skb->dev, PKTMON_LAYER_DEV_RX);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(pm_qdisc_enq, struct sk_buff *skb)
{
	if (cfg.floor)
		return floor_point(skb, skb->dev, skb->dev->nd_net.net, PKTMON_LAYER_QDISC_ENQ, 0);
	return observe_dev(skb, skb->dev, PKTMON_LAYER_QDISC_ENQ);
}

SEC("tp_btf/qdisc_dequeue")
int BPF_PROG(pm_qdisc_deq, struct Qdisc *q, const struct netdev_queue *txq, int packets,
	     struct sk_buff *skb)
{
	if (cfg.floor || !skb) /* !skb: an empty dequeue */
		return 0;
	return observe_dev(skb, skb->dev, PKTMON_LAYER_QDISC_DEQ);
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(pm_dev_tx, const struct sk_buff *skb, const struct net_device *dev)
{
	if (cfg.floor)
		return floor_point((struct sk_buff *)skb, (struct net_device *)dev, dev->nd_net.net,
				   PKTMON_LAYER_DEV_TX, 0);
	return observe_dev((struct sk_buff *)skb, (struct net_device *)dev, PKTMON_LAYER_DEV_TX);
}

/* The namespace of a socket, where skb->dev is gone (trusted pointers). */
static __always_inline void key_set_sk_net(struct pm_comp_key *key, struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	if (!sk)
		return;
	struct net *net = sk->__sk_common.skc_net.net;
	if (!net)
		return;
	key->netns = net->ns.inum;
	key->netns_cookie = net_cookie_rd(net, true);
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(pm_sock_rx, const struct sk_buff *cskb, int len)
{
	if (cfg.floor)
		return 0;
	struct sk_buff *skb = (struct sk_buff *)cskb;
	struct net_device *dev = skb->dev;
	struct pm_comp_key key = { .netns = dev_netns(dev), .netns_cookie = dev_cookie(dev),
				   .layer = PKTMON_LAYER_SOCK_RX };
	if (!key.netns)
		key_set_sk_net(&key, skb);
	return observe_tp(skb, dev, &key, dev ? dev->ifindex : 0, false, 0, 0);
}

/* The why section, at the end: a buffer freed after a copy of it reached a socket. */
static __always_inline bool delivered_copy(struct sk_buff *skb);
static __always_inline int emit_delivered_copy(struct sk_buff *skb, __u32 reason, __u64 location);

SEC("tp_btf/kfree_skb")
int BPF_PROG(pm_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	if (cfg.floor)
		return 0;
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED)) {
		if (cfg.lean)
			lean_forget(skb);
		else
			track_forget(skb);
		return 0;
	}
	if (!cfg.lean && delivered_copy(skb))
		return emit_delivered_copy(skb, (__u32)reason, (__u64)location);
	struct net_device *dev = skb->dev;
	struct pm_comp_key key = { .netns = dev_netns(dev), .netns_cookie = dev_cookie(dev),
				   .layer = PKTMON_LAYER_STACK };
	if (dev)
		key.ifindex = dev->ifindex;
	if (!key.netns)
		key_set_sk_net(&key, skb);
	return observe_tp(skb, dev, &key, key.ifindex, true, (__u32)reason, (__u64)location);
}

/* Kernels before 5.17: kfree_skb(skb, location), no reason. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(pm_drop_noreason, struct sk_buff *skb, void *location)
{
	if (cfg.floor)
		return 0;
	struct net_device *dev = skb->dev;
	struct pm_comp_key key = { .netns = dev_netns(dev), .layer = PKTMON_LAYER_STACK };
	if (dev)
		key.ifindex = dev->ifindex;
	return observe_tp(skb, dev, &key, key.ifindex, true, 0, (__u64)location);
}

SEC("tp_btf/consume_skb")
int BPF_PROG(pm_consume, struct sk_buff *skb)
{
	if (cfg.floor)
		return 0;
	if (cfg.lean) {
		lean_forget(skb);
		return 0;
	}
	track_forget(skb);
	return 0;
}

/* One netfilter hook crossing, whatever observed it (link, fentry, kprobe). */
static __always_inline void observe_nf(struct sk_buff *skb, const struct nf_hook_state *st, bool direct)
{
	if (!skb || !st)
		return;
	__u8 hook = PM_RD(direct, st, hook);
	__u8 pf = PM_RD(direct, st, pf);
	if (hook > 4 || (pf != PKTMON_NF_IPV4 && pf != PKTMON_NF_IPV6))
		return; /* bridge, arp, netdev ingress: not ours */
	if (!(cfg.nf_layers & (1u << (PKTMON_LAYER_NF_PREROUTING + hook))))
		return;
	if (cfg.lean) { /* netfilter components have no device */
		struct pm_ccache *cc = lean_cache();
		if (cc)
			lean_pass(cc, skb, PM_RD(direct, st, net), 0, PKTMON_LAYER_NF_PREROUTING + hook, pf,
				  PM_RD(direct, skb, len), direct);
		return;
	}
	struct net *net = PM_RD(direct, st, net);
	struct pm_comp_key key = {
		.netns = net ? PM_RD(direct, net, ns.inum) : 0,
		.netns_cookie = net_cookie_rd(net, direct),
		.layer = PKTMON_LAYER_NF_PREROUTING + hook,
		.nf_family = pf,
	};
	struct net_device *dev = PM_RD(direct, st, in);
	if (!dev)
		dev = PM_RD(direct, st, out);
	observe(skb, dev, &key, dev ? PM_RD(direct, dev, ifindex) : 0, false, 0, 0, direct);
}

/* Netfilter hooks: one link per hook, family and namespace, at the highest
 * priority allowed, so the packet is seen before any rule can drop it. libbpf
 * 1.1 does not know this section; the loader sets the program type. */
SEC("netfilter")
int pm_nf(struct bpf_nf_ctx *ctx)
{
	if (cfg.floor) {
		const struct nf_hook_state *st = ctx->state;
		if (st && st->hook <= 4)
			floor_point((struct sk_buff *)ctx->skb, st->in ? st->in : st->out, st->net,
				    PKTMON_LAYER_NF_PREROUTING + st->hook, st->pf);
		return NF_ACCEPT;
	}
	observe_nf((struct sk_buff *)ctx->skb, ctx->state, true);
	return NF_ACCEPT;
}

/* Kernels without netfilter links (before 6.4): the netfilter core's entry,
 * which runs every hook of a hook point, so it sees the packet before any rule.
 * It only runs where a hook is registered: the session adds an empty nftables
 * table of its own in every namespace (nft_owner_table.c). */
SEC("fentry/nf_hook_slow")
int BPF_PROG(pm_nf_fentry, struct sk_buff *skb, struct nf_hook_state *state)
{
	if (cfg.floor)
		return 0;
	observe_nf(skb, state, true);
	return 0;
}

SEC("kprobe/nf_hook_slow")
int BPF_KPROBE(pm_nf_kprobe, struct sk_buff *skb, struct nf_hook_state *state)
{
	if (cfg.floor)
		return 0;
	observe_nf(skb, state, false);
	return 0;
}

/* ==== What the kernel did next: the why points =================================================
 *
 * Rare events, each tied to the packet group of the packet that caused it: an ICMP error sent
 * about it, a TCP reset answering it, a retransmitted segment, a receive queue with no room for
 * it. None is on an accepted packet's path (a flood of delivered packets never runs them), and
 * none moves the packet: its tracking entry keeps the component it was last seen at (the drop
 * that usually follows is placed there), only its appearance count moves on. A packet never
 * seen before gets a group of its own, but no tracking entry.
 */

/* The namespace of a socket (trusted pointer). */
static __always_inline void key_set_sock_net(struct pm_comp_key *key, const struct sock *sk)
{
	struct net *net = sk ? sk->__sk_common.skc_net.net : NULL;
	if (!net)
		return;
	key->netns = net->ns.inum;
	key->netns_cookie = net_cookie_rd(net, true);
}

/*
 * One why event. `addr` is the cause's tracking key; `skb` the buffer whose frame the event
 * carries (NULL: none), read by plain loads when `direct` (a trusted argument), else by probe
 * reads; `dev` its device for the Ethernet header.
 */
static __always_inline int emit_why(__u64 addr, struct sk_buff *skb, struct net_device *dev, bool direct,
				    struct pm_comp_key *key, __u32 why)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	struct pm_track *t = addr ? track_lookup((const void *)addr) : NULL;
	if (t && now - t->last_ts > PM_STALE_NS)
		t = NULL; /* a stale entry: not the cause */
	if (t && !key->netns) {
		key->netns = t->last.netns;
		key->netns_cookie = t->last.netns_cookie;
	}
	if (cfg.lean) { /* counters only: one more event at this component */
		if (netns_selected(key->netns))
			count(key, skb ? (direct ? skb->len : BPF_CORE_READ(skb, len)) : 0, false, 0);
		return 0;
	}
	struct pm_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	s->ev.flags = 0;
	__u32 cap = cfg.snaplen && cfg.snaplen < PM_MAX_DATA ? cfg.snaplen : PM_MAX_DATA;
	__u32 have = 0;
	if (skb) { /* into the scratch: the filters may read it; emit() copies it */
		frame_src(&s->src, skb, dev, direct);
		have = pm_read_frame_max(&s->src, (struct pm_rec_max *)&s->ev, cap);
	} else
		s->ev.orig_len = 0;

	__u64 group_id;
	__u32 appearance;
	if (t) {
		if (!t->matched)
			return 0;
		group_id = t->group_id;
		appearance = ++t->appearance;
	} else {
		if (cfg.nfilters) { /* an unknown cause: the filters decide, on what we have */
			if (!have)
				return 0;
			__builtin_memset(&s->view, 0, sizeof(s->view));
			pm_parse((struct pm_parse_buf *)s->data, have, cfg.vxlan_port, &s->view);
			struct match_ctx m = {};
			bpf_loop(cfg.nfilters, match_one, &m, 0);
			if (!m.matched)
				return 0;
		}
		group_id = __sync_fetch_and_add(&next_group_id, 1) + 1;
		appearance = 1;
	}
	if (!netns_selected(key->netns))
		return 0;
	struct pm_counters *c = count(key, s->ev.orig_len, false, 0);
	if (!c || cfg.counters_only)
		return 0;
	if (have > cap)
		have = cap;

	struct pm_event *ev = &s->ev;
	ev->ts_ns = now;
	ev->group_id = group_id;
	ev->drop_location = 0;
	ev->comp = *key;
	ev->appearance = appearance;
	ev->drop_reason = 0;
	ev->cpu = bpf_get_smp_processor_id();
	ev->ifindex = 0;
	ev->why = why;
	__builtin_memset(ev->ifname, 0, sizeof(ev->ifname));
	/* rare events: two size classes are enough */
	if (have <= 128)
		emit(s, c, have, true, 128);
	else
		emit(s, c, have, true, PM_MAX_DATA);
	return 0;
}

static __always_inline int why_of_skb(struct sk_buff *skb, const struct sock *sk, __u8 layer, __u32 why)
{
	struct pm_comp_key key = { .layer = layer };
	struct net_device *dev = skb ? skb->dev : NULL;
	if (sk)
		key_set_sock_net(&key, sk);
	if (!key.netns && dev) {
		key.netns = dev_netns(dev);
		key.netns_cookie = dev_cookie(dev);
	}
	if (!key.netns && skb)
		key_set_sk_net(&key, skb);
	return emit_why((__u64)skb, skb, dev, true, &key, why);
}

static __always_inline __u8 tcp_state_of(const struct sock *sk)
{
	return sk ? sk->__sk_common.skc_state : 0;
}

/* An ICMP error about skb is about to be sent (after the rate limits: it is sent). 6.9+. */
SEC("tp_btf/icmp_send")
int BPF_PROG(pm_why_icmp, const struct sk_buff *skb, int type, int code)
{
	if (cfg.floor || !skb)
		return 0;
	return why_of_skb((struct sk_buff *)skb, NULL, PKTMON_LAYER_ICMP_SEND,
			  PM_WHY(PKTMON_WHY_ICMP_SENT, type, code));
}

/* Kernels without that tracepoint: every ICMP error asked for (rate limits not applied yet). */
SEC("fentry/__icmp_send")
int BPF_PROG(pm_why_icmp_fentry, struct sk_buff *skb, int type, int code)
{
	if (cfg.floor || !skb)
		return 0;
	return why_of_skb(skb, NULL, PKTMON_LAYER_ICMP_SEND, PM_WHY(PKTMON_WHY_ICMP_SENT, type, code));
}

/* ICMPv6 has no tracepoint: every ICMPv6 error asked for (rate limits not applied yet). */
SEC("fentry/icmp6_send")
int BPF_PROG(pm_why_icmp6, struct sk_buff *skb, __u8 type, __u8 code)
{
	if (cfg.floor || !skb)
		return 0;
	return why_of_skb(skb, NULL, PKTMON_LAYER_ICMP_SEND, PM_WHY(PKTMON_WHY_ICMPV6_SENT, type, code));
}

/* A reset sent: skb is the segment it answers, or NULL for a reset the socket sends on its own
 * (abort, close with unread data). */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(pm_why_reset, const struct sock *sk, const struct sk_buff *skb)
{
	if (cfg.floor)
		return 0;
	return why_of_skb((struct sk_buff *)skb, sk, PKTMON_LAYER_TCP_RESET,
			  PM_WHY(PKTMON_WHY_TCP_RESET, tcp_state_of(sk), 0));
}

/* A segment sent again. skb is the one in the socket's queue, which is never sent itself:
 * its clone is, and TCP's buffers are allocated in pairs (struct sk_buff_fclones), the clone
 * right after the original. The tracepoint fires once the clone is on its way, so the event
 * joins the retransmitted copy's group and carries its frame. */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(pm_why_retrans, const struct sock *sk, const struct sk_buff *skb)
{
	if (cfg.floor || !skb)
		return 0;
	struct pm_comp_key key = { .layer = PKTMON_LAYER_TCP_RETRANS };
	key_set_sock_net(&key, sk);
	__u64 clone = (__u64)skb + bpf_core_type_size(struct sk_buff);
	struct pm_track *t = track_lookup((const void *)clone);
	return emit_why(clone, t ? (struct sk_buff *)clone : NULL, NULL, false, &key,
			PM_WHY(PKTMON_WHY_TCP_RETRANS, tcp_state_of(sk), 0));
}

/* A socket whose receive queue had no room for skb (the sockets of sock_queue_rcv_skb: raw,
 * ping, ICMPv6, ...; UDP and TCP have their own checks and no such tracepoint). */
SEC("tp_btf/sock_rcvqueue_full")
int BPF_PROG(pm_why_rcvq, struct sock *sk, struct sk_buff *skb)
{
	if (cfg.floor || !skb)
		return 0;
	return why_of_skb(skb, sk, PKTMON_LAYER_RCVQ_FULL, PM_WHY(PKTMON_WHY_RCVQ_FULL, 0, 0));
}

/* ---- a copy reached a socket ------------------------------------------------------------------
 *
 * Raw and ping sockets get clones: an echo reply a raw socket (ping without ICMP sockets)
 * received is then freed by icmp_rcv/ping_rcv with NO_SOCKET, a loss to kfree_skb but not to
 * the user. A clone shares its data (skb->head) with the original, so the heads that reached a
 * socket's queue are remembered for a moment, and the original's "drop" is reported with
 * PKTMON_FLAG_DELIVERED_COPY and not counted as a drop (counters, rundown): it lost nothing.
 * Only cloned buffers are looked up (one flag test per drop); the program that remembers runs
 * only where sock_queue_rcv_skb_reason() queues (raw, ping, ICMPv6 ... sockets: not UDP or TCP).
 */
#define PM_DELIVERED_NS 1000000000ULL

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);   /* skb->head of a buffer a socket queued */
	__type(value, __u64); /* when */
} delivered_heads SEC(".maps");

SEC("fexit/sock_queue_rcv_skb_reason")
int BPF_PROG(pm_copy_delivered, struct sock *sk, struct sk_buff *skb, void *reason, int ret)
{
	if (cfg.floor || ret != 0 || !skb)
		return 0;
	__u64 head = (__u64)skb->head, now = bpf_ktime_get_ns();
	bpf_map_update_elem(&delivered_heads, &head, &now, BPF_ANY);
	return 0;
}

static __always_inline bool delivered_copy(struct sk_buff *skb)
{
	if (!cfg.copy_watch || !BPF_CORE_READ_BITFIELD(skb, cloned)) /* not watched, or no copy was ever made */
		return false;
	__u64 head = (__u64)skb->head;
	__u64 *when = bpf_map_lookup_elem(&delivered_heads, &head);
	if (!when)
		return false;
	bool recent = bpf_ktime_get_ns() - *when < PM_DELIVERED_NS;
	bpf_map_delete_elem(&delivered_heads, &head); /* once: the head is reused after this free */
	return recent;
}

/* The freed original: its last component, flagged, not counted; the tracking ends. */
static __always_inline int emit_delivered_copy(struct sk_buff *skb, __u32 reason, __u64 location)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	struct pm_track *t = track_lookup(skb);
	if (!t)
		return 0; /* never seen: nothing to report, and not a loss */
	struct pm_comp_key where = t->last;
	__u64 group_id = t->group_id;
	__u32 appearance = ++t->appearance;
	bool report = t->matched && now - t->last_ts <= PM_STALE_NS;
	t->addr = 0; /* forgotten: the packet ends here */
	if (!report || !netns_selected(where.netns) || cfg.counters_only || cfg.capture_type == PKTMON_TYPE_DROP)
		return 0;
	place_drop(&where, netfilter_dropped(reason, location), skb);
	struct pm_counters *c = counters_of(&where);
	struct pm_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!c || !s)
		return 0;
	__u32 cap = cfg.snaplen && cfg.snaplen < PM_MAX_DATA ? cfg.snaplen : PM_MAX_DATA;
	struct pm_event *ev = &s->ev; /* the header; emit() reads the frame into the ring record */
	ev->ts_ns = now;
	ev->group_id = group_id;
	ev->drop_location = location;
	ev->comp = where;
	ev->appearance = appearance;
	ev->drop_reason = reason;
	ev->cpu = bpf_get_smp_processor_id();
	ev->flags = PKTMON_FLAG_DROPPED | PKTMON_FLAG_DELIVERED_COPY;
	ev->ifindex = skb->dev ? skb->dev->ifindex : 0;
	ev->why = 0;
	__builtin_memset(ev->ifname, 0, sizeof(ev->ifname));
	frame_src(&s->src, skb, skb->dev, true);
	if (cap <= 128)
		emit(s, c, cap, false, 128);
	else
		emit(s, c, cap, false, PM_MAX_DATA);
	return 0;
}
