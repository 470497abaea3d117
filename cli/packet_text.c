/* SPDX-License-Identifier: MIT */
/* packet_text.c - a decoded packet's headers, one per line. */
#include <arpa/inet.h>

#include "packet_text.h"

static void put_mac(FILE *f, const char *label, const uint8_t *m)
{
	fprintf(f, "\t%s %02x:%02x:%02x:%02x:%02x:%02x\n", label, m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void put_level(FILE *f, const struct pktmon_hdrs *h, bool eth, const char *indent)
{
	if (eth && h->has_eth) {
		put_mac(f, "Destination MAC", h->dst_mac);
		put_mac(f, "Source MAC     ", h->src_mac);
	}
	fprintf(f, "\t%sEtherType 0x%04x", indent, h->ethertype);
	if (h->has_vlan)
		fprintf(f, ", VLAN %u", h->vlan);
	fputc('\n', f);
	if (h->ip_family) {
		char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pb[16];
		int af = h->ip_family == 4 ? AF_INET : AF_INET6;
		inet_ntop(af, h->src_ip, s, sizeof(s));
		inet_ntop(af, h->dst_ip, d, sizeof(d));
		fprintf(f, "\t%sIPv%u %s > %s, protocol %s\n", indent, h->ip_family, s, d,
			pm_proto_name(h->ip_proto, pb, sizeof(pb)));
		if (h->has_ports)
			fprintf(f, "\t%sPorts %u > %u\n", indent, h->src_port, h->dst_port);
		if (h->ip_proto == 6 && h->has_ports)
			fprintf(f, "\t%sTCP flags 0x%02x\n", indent, h->tcp_flags);
	}
}

void packet_fields_text(FILE *f, const struct pm_decoded *d, bool eth)
{
	if (!d->ok)
		return;
	put_level(f, &d->v.outer, eth && d->real_eth, "");
	if (d->icmp_type >= 0)
		fprintf(f, "\tICMP type %d, code %d\n", d->icmp_type, d->icmp_code);
	if (d->v.has_inner) {
		fprintf(f, "\tEncapsulated (%s):\n", pm_encap_name(d->v.encap));
		put_level(f, &d->v.inner, eth, "  ");
	}
}
