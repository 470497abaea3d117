/* SPDX-License-Identifier: MIT */
/* packet_decode.c - see packet_decode.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "packet_decode.h"

/*
 * Turns a frame of a link type we know into the Ethernet view pkt_parse.h
 * wants: Ethernet as is; raw IP, Linux cooked (SLL, SLL2) and BSD loopback
 * get a synthesized Ethernet header (zero MACs) carrying the EtherType.
 * Returns the number of valid bytes in out, or -1 for an unknown link type.
 */
static int eth_view(uint16_t linktype, const uint8_t *d, uint32_t caplen, uint8_t *out, bool *real_eth)
{
	uint32_t hdr = 0;
	uint16_t et = 0;
	*real_eth = false;
	switch (linktype) {
	case 1: { /* LINKTYPE_ETHERNET */
		uint32_t n = caplen < PKTMON_PARSE_MAX ? caplen : PKTMON_PARSE_MAX;
		memcpy(out, d, n);
		*real_eth = true;
		return (int)n;
	}
	case 101: /* LINKTYPE_RAW */
	case 228: /* LINKTYPE_IPV4 */
	case 229: /* LINKTYPE_IPV6 */
		if (caplen < 1)
			return 0;
		et = (d[0] >> 4) == 6 ? 0x86dd : 0x0800;
		break;
	case 113: /* LINKTYPE_LINUX_SLL: protocol in bytes 14-15 */
		if (caplen < 16)
			return 0;
		hdr = 16;
		et = (uint16_t)(d[14] << 8 | d[15]);
		break;
	case 276: /* LINKTYPE_LINUX_SLL2: protocol in bytes 0-1 */
		if (caplen < 20)
			return 0;
		hdr = 20;
		et = (uint16_t)(d[0] << 8 | d[1]);
		break;
	case 0: { /* LINKTYPE_NULL: AF_ value in the writer's byte order */
		if (caplen < 4)
			return 0;
		uint32_t le = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
		uint32_t be = (uint32_t)d[3] | (uint32_t)d[2] << 8 | (uint32_t)d[1] << 16 | (uint32_t)d[0] << 24;
		uint32_t af = le < 256 ? le : be;
		hdr = 4;
		et = af == 2 ? 0x0800 : (af == 10 || af == 24 || af == 28 || af == 30) ? 0x86dd : 0;
		break;
	}
	default:
		return -1;
	}
	memset(out, 0, 12);
	out[12] = (uint8_t)(et >> 8);
	out[13] = (uint8_t)et;
	uint32_t n = caplen - hdr;
	if (n > PKTMON_PARSE_MAX - 14)
		n = PKTMON_PARSE_MAX - 14;
	memcpy(out + 14, d + hdr, n);
	return (int)(14 + n);
}

const char *pm_proto_name(unsigned p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "ICMP";
	case 2: return "IGMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 47: return "GRE";
	case 50: return "ESP";
	case 58: return "ICMPv6";
	case 132: return "SCTP";
	default: snprintf(buf, len, "proto %u", p); return buf;
	}
}

static const char *icmp_name(bool v6, int type, int code)
{
	if (!v6) {
		switch (type) {
		case 0: return "echo reply";
		case 3:
			switch (code) {
			case 0: return "net unreachable";
			case 1: return "host unreachable";
			case 2: return "protocol unreachable";
			case 3: return "port unreachable";
			case 4: return "fragmentation needed";
			case 13: return "administratively prohibited";
			default: return "destination unreachable";
			}
		case 5: return "redirect";
		case 8: return "echo request";
		case 11: return "time exceeded";
		default: return NULL;
		}
	}
	switch (type) {
	case 1: return code == 4 ? "port unreachable" : code == 1 ? "administratively prohibited" : "destination unreachable";
	case 2: return "packet too big";
	case 3: return "time exceeded";
	case 128: return "echo request";
	case 129: return "echo reply";
	case 133: return "router solicitation";
	case 134: return "router advertisement";
	case 135: return "neighbor solicitation";
	case 136: return "neighbor advertisement";
	default: return NULL;
	}
}

/* ICMP type/code (and echo id/seq) of the outer level, when its header was captured. */
static void find_icmp(const uint8_t *f, int n, struct pm_decoded *d)
{
	const struct pktmon_hdrs *h = &d->v.outer;
	int l3 = 14 + (h->has_vlan ? 4 : 0), l4 = -1;
	if (h->ip_family == 4 && h->ip_proto == 1 && l3 + 20 <= n) {
		if ((f[l3 + 6] & 0x1f) || f[l3 + 7]) /* not the first fragment */
			return;
		l4 = l3 + (f[l3] & 0x0f) * 4;
	} else if (h->ip_family == 6 && h->ip_proto == 58 && l3 + 40 <= n && f[l3 + 6] == 58) {
		l4 = l3 + 40; /* ICMPv6 right after the fixed header; behind extension headers we do not look */
	}
	if (l4 < 0 || l4 + 2 > n)
		return;
	d->icmp_type = f[l4];
	d->icmp_code = f[l4 + 1];
	bool v6 = h->ip_family == 6;
	bool echo = v6 ? (d->icmp_type == 128 || d->icmp_type == 129) : (d->icmp_type == 0 || d->icmp_type == 8);
	if (echo && l4 + 8 <= n) {
		d->echo_id = f[l4 + 4] << 8 | f[l4 + 5];
		d->echo_seq = f[l4 + 6] << 8 | f[l4 + 7];
	}
}

/* One level as text: "src.port > dst.port: TCP SA" / "src > dst: ICMP ..." / "ARP" ... */
static int level_text(char *buf, size_t len, const struct pktmon_hdrs *h, const struct pm_decoded *d, bool outer)
{
	char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?", pb[16];
	if (h->ip_family == 4 || h->ip_family == 6) {
		int af = h->ip_family == 4 ? AF_INET : AF_INET6;
		inet_ntop(af, h->src_ip, src, sizeof(src));
		inet_ntop(af, h->dst_ip, dst, sizeof(dst));
		const char *proto = pm_proto_name(h->ip_proto, pb, sizeof(pb));
		if (h->has_ports) {
			char flags[9] = "";
			if (h->ip_proto == 6) {
				static const char names[] = "FSRPAUEC";
				size_t k = 0;
				for (int b = 0; b < 8; b++)
					if (h->tcp_flags & (1u << b))
						flags[k++] = names[b];
				flags[k] = 0;
			}
			return snprintf(buf, len, "%s.%u > %s.%u: %s%s%s", src, h->src_port, dst, h->dst_port, proto,
					flags[0] ? " " : "", flags);
		}
		if (outer && d->icmp_type >= 0) {
			const char *what = icmp_name(h->ip_family == 6, d->icmp_type, d->icmp_code);
			char ty[40];
			if (!what) {
				snprintf(ty, sizeof(ty), "type %d code %d", d->icmp_type, d->icmp_code);
				what = ty;
			}
			if (d->echo_id >= 0)
				return snprintf(buf, len, "%s > %s: %s %s, id %d, seq %d", src, dst, proto, what, d->echo_id,
						d->echo_seq);
			return snprintf(buf, len, "%s > %s: %s %s", src, dst, proto, what);
		}
		return snprintf(buf, len, "%s > %s: %s", src, dst, proto);
	}
	if (h->ethertype == 0x0806)
		return snprintf(buf, len, "ARP");
	if (h->has_vlan && h->ethertype == h->vlan_tpid)
		return snprintf(buf, len, "VLAN %u", h->vlan);
	return snprintf(buf, len, "ethertype 0x%04x", h->ethertype);
}

const char *pm_encap_name(unsigned e)
{
	switch (e) {
	case PKTMON_ENCAP_VXLAN: return "VXLAN";
	case PKTMON_ENCAP_GRE: return "GRE";
	case PKTMON_ENCAP_IPIP: return "IP-in-IP";
	default: return "none";
	}
}

void pm_packet_decode(uint16_t lt, const uint8_t *data, uint32_t caplen, uint32_t origlen, struct pm_decoded *d)
{
	uint8_t frame[PKTMON_PARSE_MAX];
	memset(d, 0, sizeof(*d));
	d->icmp_type = d->icmp_code = d->echo_id = d->echo_seq = -1;
	int n = eth_view(lt, data, caplen, frame, &d->real_eth);
	if (n < 0) {
		snprintf(d->summary, sizeof(d->summary), "link type %u, length %u", lt, origlen);
		return;
	}
	if (pktmon_parse_frame(frame, (__u32)n, PKTMON_VXLAN_PORT, &d->v) < 0) {
		snprintf(d->summary, sizeof(d->summary), "frame too short to decode, length %u", origlen);
		return;
	}
	d->ok = true;
	find_icmp(frame, n, d);
	char outer[192], inner[192] = "";
	level_text(outer, sizeof(outer), &d->v.outer, d, true);
	if (d->v.has_inner) {
		char t[160];
		level_text(t, sizeof(t), &d->v.inner, d, false);
		snprintf(inner, sizeof(inner), " encapsulated (%s): %s", pm_encap_name(d->v.encap), t);
	}
	/* A long summary is cut short on purpose; using the result tells gcc so
	 * (-Os warns of a possible truncation otherwise). */
	if (snprintf(d->summary, sizeof(d->summary), "%s%s, length %u", outer, inner, origlen) < 0)
		d->summary[0] = 0;
}
