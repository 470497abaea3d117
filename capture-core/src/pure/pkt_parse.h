/* SPDX-License-Identifier: MIT */
/*
 * pkt_parse.h - header parsing and Windows-pktmon-style filter matching.
 *
 * Header-only and shared: the BPF program includes it after vmlinux.h
 * (clang -target bpf, no libc) and user space includes it with gcc. So:
 * - every function is static __always_inline, except the matcher's pieces,
 *   which are BPF global functions (PM_VERIFIED_ONCE, below);
 * - every read of the frame goes through pm__load(), which checks the offset
 *   against both the valid length and PKTMON_PARSE_MAX before copying a
 *   compile-time-constant number of bytes; that single pattern is what lets
 *   the verifier prove the accesses safe;
 * - loops have small constant bounds;
 * - multi-byte fields are assembled from bytes, so no byte-order helpers.
 */
#ifndef PKTMON_PKT_PARSE_H
#define PKTMON_PKT_PARSE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#include <stdbool.h>
#include <string.h> /* pulls sys/cdefs.h first, which redefines __always_inline */
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* PKTMON_MAX_FILTERS, PKTMON_VXLAN_PORT, the PKTMON_FF_* and PKTMON_TCP_* bits: public, as
 * struct pktmon_protocol_constraint uses them too. */
#include "pktmon/pktmon_filter.h"

#define PKTMON_PARSE_MAX 256   /* bytes of the frame the parser looks at */
#define PKTMON_IPV6_EXT_MAX 4  /* IPv6 extension headers followed */

/*
 * One filter, kernel-side form. Lives in a BPF array map: fixed 64-byte
 * layout, no pointers, no implicit padding. Unused fields are zero.
 */
struct pktmon_filter {
	__u32 fields;       /* PKTMON_FF_* */
	__u16 vlan;         /* VLAN id, 0-4095 */
	__u16 ethertype;    /* host order, the EtherType after any VLAN tag */
	__u16 port[2];      /* host order */
	__u16 encap_port;   /* VXLAN UDP port when PKTMON_FF_ENCAP, else 0 */
	__u8 ip_proto;      /* IPv4 protocol / IPv6 final next header */
	__u8 tcp_flags;     /* PKTMON_TCP_*: all must be set */
	__u8 ip_family[2];  /* 4 or 6 */
	__u8 ip_prefix[2];  /* CIDR length, 0-32 or 0-128 */
	__u8 mac[2][6];
	__u8 ip[2][16];     /* network order; IPv4 in the first 4 bytes */
};
/* The map layout is a contract between the BPF object and user space. */
_Static_assert(sizeof(struct pktmon_filter) == 64, "struct pktmon_filter must stay 64 bytes");

/* One level of parsed headers. Everything not found stays zero. */
struct pktmon_hdrs {
	__u8 dst_mac[6];
	__u8 src_mac[6];
	__u16 ethertype;    /* host order, after the VLAN tag */
	__u16 vlan_tpid;    /* 0x8100 / 0x88a8 when has_vlan */
	__u16 vlan;         /* VLAN id when has_vlan */
	__u8 has_vlan;
	__u8 has_eth;       /* 0 when the level began at IP (GRE/IP-in-IP) */
	__u8 ip_family;     /* 0, 4 or 6 */
	__u8 ip_proto;
	__u8 has_ports;     /* src/dst_port valid (TCP, UDP, SCTP, first fragment) */
	__u8 tcp_flags;     /* valid when ip_proto is TCP and has_ports */
	__u8 src_ip[16];
	__u8 dst_ip[16];
	__u16 src_port;     /* host order */
	__u16 dst_port;
	__u16 hdr_off;      /* where the last header the parser reached begins */
};

/* How the inner level was reached. */
enum pktmon_encap {
	PKTMON_ENCAP_NONE = 0,
	PKTMON_ENCAP_VXLAN = 1,
	PKTMON_ENCAP_GRE = 2,
	PKTMON_ENCAP_IPIP = 3, /* IPv4 or IPv6 directly in IPv4 or IPv6 */
};

struct pktmon_pkt_view {
	struct pktmon_hdrs outer, inner;
	__u8 has_inner;     /* inner holds headers */
	__u8 encap;         /* enum pktmon_encap found in the outer level */
	__u16 vxlan_port;   /* outer UDP port that made it VXLAN */
	__u16 inner_off;    /* where the inner level starts in the frame */
	__u16 inner_type;   /* 0: Ethernet, else EtherType of the inner IP header */
};

/* ---- parsing -------------------------------------------------------------------------------- */

/* The one bounded read. n is a constant after inlining; the first test
 * bounds off for the verifier, the second keeps us inside the valid bytes.
 * Offsets are 64-bit on purpose: with 32-bit ones clang re-zero-extends the
 * register after the test and the verifier loses the bound. */
static __always_inline int pm__load(const __u8 *frame, __u64 len, __u64 off, void *dst, __u64 n)
{
	/* Opaque to clang, so that it tests and uses this very register: otherwise
	 * it folds "off = base + k" into the test (base > MAX - n - k) and builds
	 * frame + off from another copy whose bound the verifier never saw (seen
	 * with clang 14 when the parser runs in a BPF global function). */
	__asm__ __volatile__("" : "+r"(off));
	if (off > PKTMON_PARSE_MAX - n || off + n > len)
		return -1;
	__builtin_memcpy(dst, frame + off, n);
	return 0;
}

/*
 * The parser's cursor and the next header's type pass through h at each join
 * of its paths: the verifier then sees one unknown offset and type there, not
 * an exact pair per way of getting there, and walks what follows once (its
 * bound comes from pm__load's test, as for any offset).
 */
static __always_inline __u64 pm__join(struct pktmon_hdrs *h, __u64 off, __u16 *type)
{
	h->hdr_off = (__u16)off;
	h->ethertype = *type;
	*type = *(volatile __u16 *)&h->ethertype;
	return *(volatile __u16 *)&h->hdr_off;
}

static __always_inline __u64 pm__join_proto(struct pktmon_hdrs *h, __u64 off, __u8 *proto)
{
	h->hdr_off = (__u16)off;
	h->ip_proto = *proto;
	*proto = *(volatile __u8 *)&h->ip_proto;
	return *(volatile __u16 *)&h->hdr_off;
}

static __always_inline __u16 pm__be16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

/*
 * Parse one level beginning at off: Ethernet when start_type is 0, else an IP
 * header of that EtherType. Fills h. When v is given (outer level), records
 * any encapsulation found and where its payload starts in v.
 */
static __always_inline int pm__parse_level(const __u8 *frame, __u64 len, __u64 off, __u16 start_type,
					   __u16 vxlan_port, struct pktmon_hdrs *h,
					   struct pktmon_pkt_view *v)
{
	__u16 type = start_type;
	__u8 proto = 0;
	int first_frag = 1;
	int i;

	if (!type) {
		__u8 eth[14];

		if (pm__load(frame, len, off, eth, sizeof(eth)))
			return -1;
		__builtin_memcpy(h->dst_mac, eth, 6);
		__builtin_memcpy(h->src_mac, eth + 6, 6);
		h->has_eth = 1;
		type = pm__be16(eth + 12);
		off += 14;
		if (type == 0x8100 || type == 0x88a8) {
			__u8 tag[4];

			h->ethertype = type;
			if (pm__load(frame, len, off, tag, sizeof(tag)))
				return 0;
			h->has_vlan = 1;
			h->vlan_tpid = type;
			h->vlan = pm__be16(tag) & 0x0fff;
			type = pm__be16(tag + 2);
			off += 4;
		}
	}
	off = pm__join(h, off, &type);

	if (type == 0x0800) {
		__u8 ip[20];
		__u64 ihl;

		if (pm__load(frame, len, off, ip, sizeof(ip)) || (ip[0] >> 4) != 4)
			return 0;
		ihl = (__u64)(ip[0] & 0x0f) * 4;
		if (ihl < 20)
			return 0;
		h->ip_family = 4;
		proto = ip[9];
		h->ip_proto = proto;
		__builtin_memcpy(h->src_ip, ip + 12, 4);
		__builtin_memcpy(h->dst_ip, ip + 16, 4);
		/* Ports and inner headers exist only in the first fragment. */
		if (pm__be16(ip + 6) & 0x1fff)
			return 0;
		off += ihl;
	} else if (type == 0x86dd) {
		__u8 ip6[40];

		if (pm__load(frame, len, off, ip6, sizeof(ip6)) || (ip6[0] >> 4) != 6)
			return 0;
		h->ip_family = 6;
		proto = ip6[6];
		__builtin_memcpy(h->src_ip, ip6 + 8, 16);
		__builtin_memcpy(h->dst_ip, ip6 + 24, 16);
		off += 40;
		for (i = 0; i < PKTMON_IPV6_EXT_MAX; i++) {
			__u8 ext[4];

			/* hop-by-hop, routing, fragment, AH, destination options */
			if (proto != 0 && proto != 43 && proto != 44 && proto != 51 && proto != 60)
				break;
			if (pm__load(frame, len, off, ext, sizeof(ext))) {
				first_frag = 0; /* header chain cut short: no L4 */
				break;
			}
			if (proto == 44) {
				if (pm__be16(ext + 2) & 0xfff8)
					first_frag = 0;
				off += 8;
			} else if (proto == 51) {
				off += ((__u64)ext[1] + 2) * 4;
			} else {
				off += ((__u64)ext[1] + 1) * 8;
			}
			proto = ext[0];
			off = pm__join_proto(h, off, &proto);
		}
		h->ip_proto = proto;
		if (!first_frag)
			return 0;
		/* Still an extension header after the bound: L4 unknown. */
		if (proto == 0 || proto == 43 || proto == 44 || proto == 51 || proto == 60)
			return 0;
	} else {
		return 0; /* ARP and everything else: the EtherType is all we keep */
	}

	/* off is now the start of the L4 header. */
	off = pm__join_proto(h, off, &proto);
	if (proto == 6) {
		__u8 tcp[14];

		if (pm__load(frame, len, off, tcp, sizeof(tcp)))
			return 0;
		h->src_port = pm__be16(tcp);
		h->dst_port = pm__be16(tcp + 2);
		h->tcp_flags = tcp[13];
		h->has_ports = 1;
	} else if (proto == 17 || proto == 132) {
		__u8 l4[4];

		if (pm__load(frame, len, off, l4, sizeof(l4)))
			return 0;
		h->src_port = pm__be16(l4);
		h->dst_port = pm__be16(l4 + 2);
		h->has_ports = 1;
		if (v && proto == 17 && vxlan_port && h->dst_port == vxlan_port) {
			__u8 vx[1];

			/* VXLAN header after the 8-byte UDP header; the I flag marks a valid VNI. */
			if (pm__load(frame, len, off + 8, vx, sizeof(vx)) || !(vx[0] & 0x08))
				return 0;
			v->inner_off = (__u16)(off + 16);
			v->inner_type = 0;
			v->vxlan_port = vxlan_port;
			v->encap = PKTMON_ENCAP_VXLAN;
		}
	} else if (v && proto == 47) {
		__u8 gre[4];
		__u16 flags, ptype;
		__u64 hlen = 4;

		if (pm__load(frame, len, off, gre, sizeof(gre)))
			return 0;
		flags = pm__be16(gre);
		ptype = pm__be16(gre + 2);
		/* Version 0 only, no source routing (obsolete RFC 1701 form). */
		if (flags & 0x4007)
			return 0;
		if (flags & 0x8000) /* checksum + reserved */
			hlen += 4;
		if (flags & 0x2000) /* key (NVGRE puts the VSID here) */
			hlen += 4;
		if (flags & 0x1000) /* sequence number */
			hlen += 4;
		if (ptype == 0x6558)
			v->inner_type = 0; /* Transparent Ethernet Bridging */
		else if (ptype == 0x0800 || ptype == 0x86dd)
			v->inner_type = ptype;
		else
			return 0;
		v->inner_off = (__u16)(off + hlen);
		v->encap = PKTMON_ENCAP_GRE;
	} else if (v && (proto == 4 || proto == 41)) {
		v->inner_off = (__u16)off;
		v->inner_type = proto == 4 ? 0x0800 : 0x86dd;
		v->encap = PKTMON_ENCAP_IPIP;
	}
	return 0;
}

#ifdef __VMLINUX_H__
/*
 * In BPF one level's parse is a global function: the verifier checks it once, on its own,
 * instead of once for the outer level and again for the inner one inlined (a third of every
 * program's verification, hence of the start-up, when filters are set). Five arguments at
 * most: the bounds and types travel packed. Pointers the verifier may see as NULL are checked.
 */
struct pm__frame {
	__u8 b[PKTMON_PARSE_MAX];
};

__attribute__((noinline)) int pm__parse_level_once(const struct pm__frame *frame, __u64 len_off,
						  __u32 type_port, struct pktmon_hdrs *h,
						  struct pktmon_pkt_view *v)
{
	if (!frame || !h)
		return -1;
	return pm__parse_level(frame->b, len_off & 0xffffffffu, len_off >> 32 & 0xffff, (__u16)type_port,
			       (__u16)(type_port >> 16), h, v);
}

static __always_inline int pm__parse_one(const __u8 *frame, __u64 len, __u64 off, __u16 start_type,
					 __u16 vxlan_port, struct pktmon_hdrs *h, struct pktmon_pkt_view *v)
{
	return pm__parse_level_once((const struct pm__frame *)frame, (off & 0xffff) << 32 | (len & 0xffffffffu),
				    (__u32)vxlan_port << 16 | start_type, h, v);
}
#else
#define pm__parse_one pm__parse_level
#endif

/*
 * Parse a frame that begins with an Ethernet header. frame points to at least
 * PKTMON_PARSE_MAX readable bytes of which len are valid. Returns 0, or -1 when
 * not even the Ethernet header fits (v is then all zero).
 */
static __always_inline int pktmon_parse_frame(const __u8 *frame, __u32 len, __u16 vxlan_port,
					      struct pktmon_pkt_view *v)
{
	__u64 off;
	__u16 type;

	__builtin_memset(v, 0, sizeof(*v));
	if (pm__parse_one(frame, len, 0, 0, vxlan_port, &v->outer, v))
		return -1;
	/*
	 * Re-read where the inner level starts through volatile loads: in BPF, v is
	 * a map value, so the verifier sees one unknown offset here instead of one
	 * exact value per outer path, and walks the inner parse once, not per path.
	 */
	if (*(volatile __u8 *)&v->encap == PKTMON_ENCAP_NONE)
		return 0;
	off = *(volatile __u16 *)&v->inner_off;
	type = *(volatile __u16 *)&v->inner_type;
	/* The inner level does not look for a further encapsulation (v NULL). */
	if (pm__parse_one(frame, len, off, type, 0, &v->inner, 0) == 0 &&
	    (v->inner.has_eth || v->inner.ip_family))
		v->has_inner = 1;
	return 0;
}

/* ---- matching ------------------------------------------------------------------------------- */

/*
 * The verifier's cost of the matcher is bounded by construction: in BPF each
 * PM_VERIFIED_ONCE function is a global (BPF-to-BPF) function, which the
 * verifier checks once, on its own, for any arguments, and whose result is
 * an unknown scalar to its callers. So the cost is the sum of the functions,
 * each walked in at most 2^(its own few conditions) paths, never the product
 * over all of a filter's conditions: a compiler that keeps one condition's
 * outcome in a register and tests it again later (clang 19 does) cannot make
 * the verifier walk every combination of a filter's 11 fields. Each takes
 * pointers the verifier may see as NULL, hence the checks. In user space they
 * are plain inline functions.
 */
#ifdef __VMLINUX_H__
#define PM_VERIFIED_ONCE __attribute__((noinline))
#else
#define PM_VERIFIED_ONCE static inline
#endif

/*
 * The comparisons accumulate differences instead of returning at the first
 * one, and combine results with & and | rather than && and ||: BPF has no
 * set-on-compare instruction, so every early exit is a jump whose outcomes
 * the verifier walks.
 */
static __always_inline int pm__mac_eq(const __u8 *a, const __u8 *b)
{
	__u32 diff = 0;
	int i;

	for (i = 0; i < 6; i++)
		diff |= (__u32)(a[i] ^ b[i]);
	return diff == 0;
}

static __always_inline __u32 pm__be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/*
 * Does addr lie in prefix/plen? Compared as four 32-bit words; both sides keep
 * unused address bytes zero (parser and filter.c), so IPv4 needs no special
 * case and a too-long plen cannot make a wrong match.
 */
static __always_inline int pm__prefix_eq(const __u8 *a, const __u8 *prefix, __u32 plen)
{
	__u32 diff = 0;
	int k;

	for (k = 0; k < 4; k++) {
		/* this word's bits of the prefix, clamped to 0..32 by sign masks, not
		 * tests: each test would double the paths the verifier walks */
		__s64 bits = (__s64)plen - 32 * k, over = bits - 32, neg, pos;

		neg = over >> 63; /* -1 when bits < 32 */
		__asm__ __volatile__("" : "+r"(neg)); /* keep clang from making it a test again */
		bits = 32 + (over & neg);
		pos = bits >> 63; /* -1 when bits < 0 */
		__asm__ __volatile__("" : "+r"(pos));
		bits &= ~pos;
		/* bits leading ones: 0 -> 0, 8 -> 0xff000000, 32 -> 0xffffffff */
		diff |= (pm__be32(a + 4 * k) ^ pm__be32(prefix + 4 * k)) &
			(__u32)(0xffffffff00000000ULL >> (bits & 63));
	}
	return diff == 0;
}

/* Is address k of the filter (family and prefix) the one at addr? */
PM_VERIFIED_ONCE int pktmon_ip_is(const struct pktmon_filter *f, __u32 k, const struct pktmon_hdrs *h,
				  __u32 dst)
{
	if (!f || !h)
		return 0;
	k &= 1;
	/* dst_ip follows src_ip: the address picked by an offset, not a branch (one path to verify) */
	_Static_assert(__builtin_offsetof(struct pktmon_hdrs, dst_ip) ==
			       __builtin_offsetof(struct pktmon_hdrs, src_ip) + 16, "addresses side by side");
	const __u8 *addr = (const __u8 *)h + __builtin_offsetof(struct pktmon_hdrs, src_ip) + ((dst & 1) << 4);
	return (h->ip_family == f->ip_family[k]) & pm__prefix_eq(addr, f->ip[k], f->ip_prefix[k]);
}

/*
 * With one value (MAC, IP, port) the source or the destination must equal it;
 * with two, (src, dst) must be (v0, v1) or (v1, v0). Each condition below
 * returns 1 when the filter does not ask for it.
 */
PM_VERIFIED_ONCE int pktmon_match_mac(const struct pktmon_filter *f, const struct pktmon_hdrs *h)
{
	if (!f || !h)
		return 0;
	if (!(f->fields & PKTMON_FF_MAC1))
		return 1;
	if (!h->has_eth)
		return 0;
	if (f->fields & PKTMON_FF_MAC2)
		return (pm__mac_eq(h->src_mac, f->mac[0]) & pm__mac_eq(h->dst_mac, f->mac[1])) |
		       (pm__mac_eq(h->src_mac, f->mac[1]) & pm__mac_eq(h->dst_mac, f->mac[0]));
	return pm__mac_eq(h->src_mac, f->mac[0]) | pm__mac_eq(h->dst_mac, f->mac[0]);
}

/* VLAN, EtherType, IP protocol and TCP flags: single-field comparisons. */
PM_VERIFIED_ONCE int pktmon_match_types(const struct pktmon_filter *f, const struct pktmon_hdrs *h)
{
	__u32 ff;

	if (!f || !h)
		return 0;
	ff = f->fields;
	if ((ff & PKTMON_FF_VLAN) && (!h->has_vlan || h->vlan != f->vlan))
		return 0;
	/* "-d VLAN" asks for tagged frames, whose EtherType we report after the tag. */
	if ((ff & PKTMON_FF_ETHERTYPE) && h->ethertype != f->ethertype &&
	    !(h->has_vlan && h->vlan_tpid == f->ethertype))
		return 0;
	if ((ff & PKTMON_FF_PROTO) && (!h->ip_family || h->ip_proto != f->ip_proto))
		return 0;
	if ((ff & PKTMON_FF_TCPFLAGS) && (!h->ip_family || h->ip_proto != 6 || !h->has_ports ||
					  (h->tcp_flags & f->tcp_flags) != f->tcp_flags))
		return 0;
	return 1;
}

PM_VERIFIED_ONCE int pktmon_match_ip(const struct pktmon_filter *f, const struct pktmon_hdrs *h)
{
	if (!f || !h)
		return 0;
	if (!(f->fields & PKTMON_FF_IP1))
		return 1;
	if (f->fields & PKTMON_FF_IP2)
		return (pktmon_ip_is(f, 0, h, 0) & pktmon_ip_is(f, 1, h, 1)) |
		       (pktmon_ip_is(f, 1, h, 0) & pktmon_ip_is(f, 0, h, 1));
	return pktmon_ip_is(f, 0, h, 0) | pktmon_ip_is(f, 0, h, 1);
}

PM_VERIFIED_ONCE int pktmon_match_port(const struct pktmon_filter *f, const struct pktmon_hdrs *h)
{
	if (!f || !h)
		return 0;
	if (!(f->fields & PKTMON_FF_PORT1))
		return 1;
	if (!h->has_ports)
		return 0;
	if (f->fields & PKTMON_FF_PORT2)
		return ((h->src_port == f->port[0]) & (h->dst_port == f->port[1])) |
		       ((h->src_port == f->port[1]) & (h->dst_port == f->port[0]));
	return (h->src_port == f->port[0]) | (h->dst_port == f->port[0]);
}

/* All conditions except ENCAP against one level of headers. */
PM_VERIFIED_ONCE int pktmon_match_hdrs(const struct pktmon_filter *f, const struct pktmon_hdrs *h)
{
	if (!f || !h)
		return 0;
	if (!pktmon_match_mac(f, h))
		return 0;
	if (!pktmon_match_types(f, h))
		return 0;
	if (!pktmon_match_ip(f, h))
		return 0;
	return pktmon_match_port(f, h);
}

/*
 * 1 when the packet satisfies every condition of f (Windows pktmon semantics);
 * with PKTMON_FF_ENCAP, the outer or the inner headers may satisfy them.
 * Self-contained: the BPF side calls it once per filter from bpf_loop.
 */
PM_VERIFIED_ONCE int pktmon_filter_match(const struct pktmon_filter *f, const struct pktmon_pkt_view *v)
{
	if (!f || !v)
		return 0;
	if (pktmon_match_hdrs(f, &v->outer))
		return 1;
	if (!(f->fields & PKTMON_FF_ENCAP) || !v->has_inner)
		return 0;
	/* A VXLAN inner level counts only if it was found on this filter's port. */
	if (v->encap == PKTMON_ENCAP_VXLAN && v->vxlan_port != f->encap_port)
		return 0;
	return pktmon_match_hdrs(f, &v->inner);
}

/* User-space convenience; no filters means everything matches. */
static __always_inline int pktmon_filters_match_any(const struct pktmon_filter *fs, __u32 n,
						    const struct pktmon_pkt_view *v)
{
	__u32 i;

	if (n == 0)
		return 1;
	for (i = 0; i < n && i < PKTMON_MAX_FILTERS; i++)
		if (pktmon_filter_match(&fs[i], v))
			return 1;
	return 0;
}

#endif /* PKTMON_PKT_PARSE_H */
