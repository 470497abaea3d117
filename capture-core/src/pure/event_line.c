/* SPDX-License-Identifier: MIT */
/* event_line.c - one pktmon-style text line per observation (real-time mode, `pktmon format`). */
#include <arpa/inet.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pkt_parse.h"
#include "pktmon/pktmon.h"

static const char *proto_name(unsigned p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 47: return "GRE";
	case 58: return "ICMPv6";
	case 132: return "SCTP";
	default: snprintf(buf, len, "proto %u", p); return buf;
	}
}

/* "198.18.0.1.5353 > 198.18.0.2.9: UDP" and friends, tcpdump-like. */
static int describe_packet(const uint8_t *data, uint32_t cap_len, uint32_t orig_len, char *buf, size_t len)
{
	uint8_t frame[PKTMON_PARSE_MAX] = { 0 };
	uint32_t n = cap_len < sizeof(frame) ? cap_len : (uint32_t)sizeof(frame);
	memcpy(frame, data, n);
	struct pktmon_pkt_view v;
	memset(&v, 0, sizeof(v));
	pktmon_parse_frame(frame, n, 4789, &v);
	const struct pktmon_hdrs *h = &v.outer;
	char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?", pb[16];
	if (h->ip_family == 4 || h->ip_family == 6) {
		int af = h->ip_family == 4 ? AF_INET : AF_INET6;
		inet_ntop(af, h->src_ip, src, sizeof(src));
		inet_ntop(af, h->dst_ip, dst, sizeof(dst));
		const char *proto = proto_name(h->ip_proto, pb, sizeof(pb));
		if (h->has_ports) {
			char flags[16] = "";
			if (h->ip_proto == 6) {
				static const char names[] = "FSRPAUEC";
				size_t k = 0;
				for (int b = 0; b < 8; b++)
					if (h->tcp_flags & (1u << b))
						flags[k++] = names[b];
				flags[k] = 0;
			}
			return snprintf(buf, len, "%s.%u > %s.%u: %s%s%s, length %u", src, h->src_port, dst,
					h->dst_port, proto, flags[0] ? " " : "", flags, orig_len);
		}
		return snprintf(buf, len, "%s > %s: %s, length %u", src, dst, proto, orig_len);
	}
	if (h->ethertype == 0x0806)
		return snprintf(buf, len, "ARP, length %u", orig_len);
	return snprintf(buf, len, "ethertype 0x%04x, length %u", h->ethertype, orig_len);
}

int pktmon_format_event(const struct pktmon_event *ev, char *buf, size_t len)
{
	time_t sec = (time_t)(ev->timestamp_ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char pkt[192];
	describe_packet(ev->data, ev->cap_len, ev->orig_len, pkt, sizeof(pkt));
	const char *dir = ev->direction == PKTMON_DIR_RX ? "Rx" : ev->direction == PKTMON_DIR_TX ? "Tx" : "--";
	if (ev->drop_reason)
		return snprintf(buf, len,
				"%02d:%02d:%02d.%09llu PktGroupId %llu, Appearance %u, Direction %s, Component %u (%s), "
				"Drop: Reason %s, Location %s; %s",
				tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long long)(ev->timestamp_ns % 1000000000ull),
				(unsigned long long)ev->pkt_group_id, ev->appearance, dir, ev->component_id,
				ev->component_name, ev->drop_reason, ev->drop_symbol ? ev->drop_symbol : "?", pkt);
	return snprintf(buf, len,
			"%02d:%02d:%02d.%09llu PktGroupId %llu, Appearance %u, Direction %s, Component %u (%s); %s",
			tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long long)(ev->timestamp_ns % 1000000000ull),
			(unsigned long long)ev->pkt_group_id, ev->appearance, dir, ev->component_id,
			ev->component_name, pkt);
}
