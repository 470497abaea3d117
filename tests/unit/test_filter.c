/* SPDX-License-Identifier: MIT */
/*
 * test_filter - pkt_parse.h (parse + match) and filter.c (argv, line form,
 * listing) on hand-built frames. No root, no kernel.
 */
#include "filter.h"
#include "pkt_parse.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pktmon/pktmon.h"

/* ---- frame builder ------------------------------------------------------------------------- */

struct frame {
	uint8_t b[PKTMON_PARSE_MAX];
	uint32_t n;
	const char *what;
};

static void put(struct frame *f, const void *p, size_t n)
{
	if (f->n + n > sizeof(f->b)) {
		fprintf(stderr, "test frame too long\n");
		exit(2);
	}
	memcpy(f->b + f->n, p, n);
	f->n += (uint32_t)n;
}

static void put16(struct frame *f, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	put(f, b, 2);
}

static const uint8_t MAC_A[6] = {0x02, 0, 0, 0, 0, 0x0a}, MAC_B[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t MAC_C[6] = {0x02, 0, 0, 0, 0, 0x0c}, MAC_D[6] = {0x02, 0, 0, 0, 0, 0x0d};

static void eth(struct frame *f, const uint8_t *dst, const uint8_t *src, unsigned type)
{
	put(f, dst, 6);
	put(f, src, 6);
	put16(f, type);
}

static void vlan(struct frame *f, unsigned vid, unsigned type)
{
	put16(f, vid);
	put16(f, type);
}

/* IPv4 header; ihl_words >= 5 adds NOP options. */
static void ipv4(struct frame *f, unsigned proto, const char *src, const char *dst, unsigned frag_off,
		 unsigned ihl_words)
{
	uint8_t h[60] = {0};

	h[0] = (uint8_t)(0x40 | ihl_words);
	h[3] = 60;
	h[6] = (uint8_t)(frag_off >> 8);
	h[7] = (uint8_t)frag_off;
	h[8] = 64;
	h[9] = (uint8_t)proto;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	for (unsigned i = 20; i < ihl_words * 4; i++)
		h[i] = 1; /* NOP */
	put(f, h, ihl_words * 4);
}

static void ipv6(struct frame *f, unsigned nh, const char *src, const char *dst)
{
	uint8_t h[40] = {0x60};

	h[6] = (uint8_t)nh;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	put(f, h, 40);
}

/* Generic extension header of 8*(len8+1) bytes. */
static void ext6(struct frame *f, unsigned nh, unsigned len8)
{
	uint8_t h[64] = {0};

	h[0] = (uint8_t)nh;
	h[1] = (uint8_t)len8;
	put(f, h, 8 * (len8 + 1));
}

static void frag6(struct frame *f, unsigned nh, unsigned offset8)
{
	uint8_t h[8] = {0};

	h[0] = (uint8_t)nh;
	h[2] = (uint8_t)(offset8 >> 5);
	h[3] = (uint8_t)(offset8 << 3);
	put(f, h, 8);
}

static void tcp(struct frame *f, unsigned sport, unsigned dport, unsigned flags)
{
	uint8_t h[20] = {0};

	h[0] = (uint8_t)(sport >> 8);
	h[1] = (uint8_t)sport;
	h[2] = (uint8_t)(dport >> 8);
	h[3] = (uint8_t)dport;
	h[12] = 0x50;
	h[13] = (uint8_t)flags;
	put(f, h, 20);
}

static void udp(struct frame *f, unsigned sport, unsigned dport)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, 8);
	put16(f, 0);
}

static void vxlan(struct frame *f, unsigned vni)
{
	uint8_t h[8] = {0x08, 0, 0, 0, (uint8_t)(vni >> 16), (uint8_t)(vni >> 8), (uint8_t)vni, 0};

	put(f, h, 8);
}

static void gre(struct frame *f, unsigned flags, unsigned proto)
{
	uint8_t zero[4] = {0};

	put16(f, flags);
	put16(f, proto);
	if (flags & 0x8000)
		put(f, zero, 4);
	if (flags & 0x2000)
		put(f, zero, 4);
	if (flags & 0x1000)
		put(f, zero, 4);
}

static void payload(struct frame *f, size_t n)
{
	uint8_t z[64] = {0};

	put(f, z, n);
}

/* ---- helpers ------------------------------------------------------------------------------- */

static struct pm_filter mkf(const char *line)
{
	struct pm_filter pf;
	char err[256];

	if (pm_filter_parse_line(line, &pf, err, sizeof(err))) {
		fprintf(stderr, "FAIL: filter '%s' did not parse: %s\n", line, err);
		failures++;
		memset(&pf, 0, sizeof(pf));
	}
	return pf;
}

static int match_line(const struct frame *fr, uint16_t vxlan_port, const char *line)
{
	struct pktmon_pkt_view v;
	struct pm_filter pf = mkf(line);

	pktmon_parse_frame(fr->b, fr->n, vxlan_port, &v);
	return pktmon_filter_match(&pf.f, &v);
}

#define MATCH(fr, line) CHECK(match_line(&(fr), 4789, line) == 1, "%s: '%s' should match", (fr).what, line)
#define NOMATCH(fr, line) CHECK(match_line(&(fr), 4789, line) == 0, "%s: '%s' should not match", (fr).what, line)

/* ---- the frames ---------------------------------------------------------------------------- */

#define NFRAMES 24
static struct frame frames[NFRAMES];
static int nframes;

static struct frame *new_frame(const char *what)
{
	struct frame *f = &frames[nframes++];

	memset(f, 0, sizeof(*f));
	f->what = what;
	return f;
}

static struct frame *fr_tcp4, *fr_vlan_udp4, *fr_tcp6_ext, *fr_frag6, *fr_frag4, *fr_ihl6, *fr_arp;
static struct frame *fr_vxlan, *fr_vxlan8472, *fr_nvgre, *fr_gre_ip4, *fr_gre_ip6, *fr_ipip, *fr_6in4, *fr_4in6;
static struct frame *fr_udp4, *fr_sctp6, *fr_ext_chain;

static void build_frames(void)
{
	struct frame *f;

	f = fr_tcp4 = new_frame("IPv4 TCP SYN 10.0.0.1:12345 > 10.0.0.2:80");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 6, "10.0.0.1", "10.0.0.2", 0, 5);
	tcp(f, 12345, 80, PKTMON_TCP_SYN);

	f = fr_udp4 = new_frame("IPv4 UDP 10.0.0.1:5000 > 10.0.0.2:53");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 17, "10.0.0.1", "10.0.0.2", 0, 5);
	udp(f, 5000, 53);

	f = fr_vlan_udp4 = new_frame("VLAN 100 IPv4 UDP 192.168.1.1:5353 > 224.0.0.251:5353");
	eth(f, MAC_B, MAC_A, 0x8100);
	vlan(f, 0x2000 | 100, 0x0800); /* PCP 1, VID 100 */
	ipv4(f, 17, "192.168.1.1", "224.0.0.251", 0, 5);
	udp(f, 5353, 5353);

	f = fr_tcp6_ext = new_frame("IPv6 hop-by-hop+dest-opts TCP 2001:db8::1:40000 > 2001:db8::2:443 SYN ACK");
	eth(f, MAC_B, MAC_A, 0x86dd);
	ipv6(f, 0, "2001:db8::1", "2001:db8::2");
	ext6(f, 60, 0);
	ext6(f, 6, 1);
	tcp(f, 40000, 443, PKTMON_TCP_SYN | PKTMON_TCP_ACK);

	f = fr_frag6 = new_frame("IPv6 non-first fragment of UDP");
	eth(f, MAC_B, MAC_A, 0x86dd);
	ipv6(f, 44, "2001:db8::1", "2001:db8::2");
	frag6(f, 17, 185);
	udp(f, 1111, 53); /* bytes that look like ports but are not */

	f = fr_frag4 = new_frame("IPv4 non-first fragment of UDP");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 17, "10.0.0.1", "10.0.0.2", 185, 5);
	udp(f, 1111, 53);

	f = fr_ihl6 = new_frame("IPv4 with options (IHL 6) TCP 10.0.0.1:1000 > 10.0.0.2:2000");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 6, "10.0.0.1", "10.0.0.2", 0x4000 /* DF */, 6);
	tcp(f, 1000, 2000, PKTMON_TCP_ACK);

	f = fr_arp = new_frame("ARP");
	eth(f, (const uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, MAC_A, 0x0806);
	payload(f, 28);

	f = fr_sctp6 = new_frame("IPv6 SCTP 2001:db8::1:3868 > 2001:db8::2:3868");
	eth(f, MAC_B, MAC_A, 0x86dd);
	ipv6(f, 132, "2001:db8::1", "2001:db8::2");
	put16(f, 3868);
	put16(f, 3868);
	payload(f, 8);

	f = fr_ext_chain = new_frame("IPv6 with 5 extension headers before UDP (beyond the parser's bound)");
	eth(f, MAC_B, MAC_A, 0x86dd);
	ipv6(f, 0, "2001:db8::1", "2001:db8::2");
	ext6(f, 60, 0);
	ext6(f, 60, 0);
	ext6(f, 60, 0);
	ext6(f, 60, 0);
	ext6(f, 17, 0);
	udp(f, 7, 7);

	f = fr_vxlan = new_frame("VXLAN 192.0.2.1 > 192.0.2.2:4789 | 10.1.1.1:5555 > 10.1.1.2:22 TCP SYN");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 17, "192.0.2.1", "192.0.2.2", 0, 5);
	udp(f, 40001, 4789);
	vxlan(f, 42);
	eth(f, MAC_D, MAC_C, 0x0800);
	ipv4(f, 6, "10.1.1.1", "10.1.1.2", 0, 5);
	tcp(f, 5555, 22, PKTMON_TCP_SYN);

	f = fr_vxlan8472 = new_frame("VXLAN on UDP 8472 | 10.1.1.1 > 10.1.1.2 UDP 53");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 17, "192.0.2.1", "192.0.2.2", 0, 5);
	udp(f, 40001, 8472);
	vxlan(f, 42);
	eth(f, MAC_D, MAC_C, 0x0800);
	ipv4(f, 17, "10.1.1.1", "10.1.1.2", 0, 5);
	udp(f, 5000, 53);

	f = fr_nvgre = new_frame("NVGRE (GRE key + TEB) | VLAN 7 10.2.2.1 > 10.2.2.2 UDP 53");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 47, "192.0.2.1", "192.0.2.2", 0, 5);
	gre(f, 0x2000, 0x6558);
	eth(f, MAC_D, MAC_C, 0x8100);
	vlan(f, 7, 0x0800);
	ipv4(f, 17, "10.2.2.1", "10.2.2.2", 0, 5);
	udp(f, 5000, 53);

	f = fr_gre_ip4 = new_frame("GRE csum+seq over IPv6 | IPv4 10.3.3.1 > 10.3.3.2 TCP 443");
	eth(f, MAC_B, MAC_A, 0x86dd);
	ipv6(f, 47, "2001:db8::a", "2001:db8::b");
	gre(f, 0x9000, 0x0800);
	ipv4(f, 6, "10.3.3.1", "10.3.3.2", 0, 5);
	tcp(f, 50000, 443, PKTMON_TCP_ACK | PKTMON_TCP_PSH);

	f = fr_gre_ip6 = new_frame("GRE | IPv6 2001:db8:1::1 > 2001:db8:1::2 UDP 123");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 47, "192.0.2.1", "192.0.2.2", 0, 5);
	gre(f, 0, 0x86dd);
	ipv6(f, 17, "2001:db8:1::1", "2001:db8:1::2");
	udp(f, 123, 123);

	f = fr_ipip = new_frame("IPIP 192.0.2.1 > 192.0.2.2 | 10.4.4.1 > 10.4.4.2 ICMP");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 4, "192.0.2.1", "192.0.2.2", 0, 5);
	ipv4(f, 1, "10.4.4.1", "10.4.4.2", 0, 5);
	payload(f, 8);

	f = fr_6in4 = new_frame("6in4 | 2001:db8:2::1 > 2001:db8:2::2 TCP 80");
	eth(f, MAC_B, MAC_A, 0x0800);
	ipv4(f, 41, "192.0.2.1", "192.0.2.2", 0, 5);
	ipv6(f, 6, "2001:db8:2::1", "2001:db8:2::2");
	tcp(f, 33000, 80, PKTMON_TCP_FIN | PKTMON_TCP_ACK);

	f = fr_4in6 = new_frame("4in6 | 10.5.5.1 > 10.5.5.2 UDP 4789 (inner VXLAN port is not followed)");
	eth(f, MAC_B, MAC_A, 0x86dd);
	ipv6(f, 4, "2001:db8::a", "2001:db8::b");
	ipv4(f, 17, "10.5.5.1", "10.5.5.2", 0, 5);
	udp(f, 1, 4789);
	vxlan(f, 1);
	eth(f, MAC_D, MAC_C, 0x0800);
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_parse_fields(void)
{
	struct pktmon_pkt_view v;
	uint8_t a[16] = {0};

	CHECK(pktmon_parse_frame(fr_tcp4->b, fr_tcp4->n, 4789, &v) == 0, "parse");
	CHECK(v.outer.has_eth && !memcmp(v.outer.src_mac, MAC_A, 6) && !memcmp(v.outer.dst_mac, MAC_B, 6), "macs");
	CHECK(v.outer.ethertype == 0x0800 && v.outer.ip_family == 4 && v.outer.ip_proto == 6, "l3");
	inet_pton(AF_INET, "10.0.0.1", a);
	CHECK(!memcmp(v.outer.src_ip, a, 16), "src ip, rest zero");
	CHECK(v.outer.has_ports && v.outer.src_port == 12345 && v.outer.dst_port == 80, "ports");
	CHECK(v.outer.tcp_flags == PKTMON_TCP_SYN && !v.has_inner, "flags");

	pktmon_parse_frame(fr_vlan_udp4->b, fr_vlan_udp4->n, 4789, &v);
	CHECK(v.outer.has_vlan && v.outer.vlan == 100 && v.outer.vlan_tpid == 0x8100 && v.outer.ethertype == 0x0800,
	      "vlan %u tpid %x type %x", v.outer.vlan, v.outer.vlan_tpid, v.outer.ethertype);

	pktmon_parse_frame(fr_tcp6_ext->b, fr_tcp6_ext->n, 4789, &v);
	CHECK(v.outer.ip_family == 6 && v.outer.ip_proto == 6 && v.outer.dst_port == 443, "ipv6 ext: proto %u port %u",
	      v.outer.ip_proto, v.outer.dst_port);

	pktmon_parse_frame(fr_ext_chain->b, fr_ext_chain->n, 4789, &v);
	CHECK(v.outer.ip_family == 6 && !v.outer.has_ports, "too many ext headers: no ports");

	pktmon_parse_frame(fr_ihl6->b, fr_ihl6->n, 4789, &v);
	CHECK(v.outer.src_port == 1000 && v.outer.dst_port == 2000, "IHL honoured: %u %u", v.outer.src_port,
	      v.outer.dst_port);

	pktmon_parse_frame(fr_vxlan->b, fr_vxlan->n, 4789, &v);
	CHECK(v.has_inner && v.encap == PKTMON_ENCAP_VXLAN && v.vxlan_port == 4789, "vxlan inner");
	CHECK(v.inner.has_eth && !memcmp(v.inner.src_mac, MAC_C, 6) && v.inner.dst_port == 22, "vxlan inner hdrs");
	pktmon_parse_frame(fr_vxlan->b, fr_vxlan->n, 0, &v);
	CHECK(!v.has_inner, "vxlan port 0: no VXLAN parsing");

	pktmon_parse_frame(fr_nvgre->b, fr_nvgre->n, 4789, &v);
	CHECK(v.has_inner && v.encap == PKTMON_ENCAP_GRE && v.inner.has_vlan && v.inner.vlan == 7 &&
	      v.inner.dst_port == 53, "nvgre inner");
	pktmon_parse_frame(fr_gre_ip4->b, fr_gre_ip4->n, 4789, &v);
	CHECK(v.has_inner && !v.inner.has_eth && v.inner.ethertype == 0x0800 && v.inner.dst_port == 443,
	      "gre csum+seq ipv4 inner port %u", v.inner.dst_port);
	pktmon_parse_frame(fr_ipip->b, fr_ipip->n, 4789, &v);
	CHECK(v.has_inner && v.encap == PKTMON_ENCAP_IPIP && v.inner.ip_proto == 1, "ipip");
	pktmon_parse_frame(fr_4in6->b, fr_4in6->n, 4789, &v);
	CHECK(v.has_inner && v.inner.dst_port == 4789 && v.inner.ip_family == 4, "4in6, inner not followed further");

	pktmon_parse_frame(fr_arp->b, fr_arp->n, 4789, &v);
	CHECK(v.outer.ethertype == 0x0806 && v.outer.ip_family == 0, "arp");

	CHECK(pktmon_parse_frame(fr_tcp4->b, 13, 4789, &v) == -1, "13 bytes: no Ethernet");
	{
		static const uint8_t zero[16];

		CHECK(!memcmp(&v, zero, sizeof(zero)) && !v.outer.has_eth, "view zeroed on failure");
	}
}

static void test_match_basic(void)
{
	struct frame t4 = *fr_tcp4, u4 = *fr_udp4, vl = *fr_vlan_udp4, t6 = *fr_tcp6_ext, arp = *fr_arp;

	MATCH(t4, "-t TCP");
	MATCH(t4, "-t 6");
	NOMATCH(t4, "-t UDP");
	MATCH(t4, "-t TCP SYN");
	MATCH(t4, "-t tcp syn");
	NOMATCH(t4, "-t TCP SYN ACK");
	NOMATCH(t4, "-t TCP ACK");
	NOMATCH(u4, "-t TCP SYN");
	MATCH(u4, "-t UDP -p 53");

	/* one address: source or destination */
	MATCH(t4, "-i 10.0.0.1");
	MATCH(t4, "-i 10.0.0.2");
	NOMATCH(t4, "-i 10.0.0.3");
	/* two addresses: one each way, either order */
	MATCH(t4, "-i 10.0.0.1 10.0.0.2");
	MATCH(t4, "-i 10.0.0.2 10.0.0.1");
	NOMATCH(t4, "-i 10.0.0.1 10.0.0.3");
	NOMATCH(t4, "-i 10.0.0.1 10.0.0.1");
	/* CIDR */
	MATCH(t4, "-i 10.0.0.0/24");
	MATCH(t4, "-i 10.0.0.0/8");
	NOMATCH(t4, "-i 10.0.1.0/24");
	MATCH(t4, "-i 10.0.0.0/31");     /* .1 is in it */
	NOMATCH(t4, "-i 10.0.0.4/30");
	MATCH(t4, "-i 10.0.0.2/32 10.0.0.0/31");
	NOMATCH(t4, "-i 10.0.0.0/31 10.0.0.0/31"); /* .2 is not */
	MATCH(t4, "-i 10.0.0.77/25");    /* host bits of the filter are ignored */
	MATCH(t4, "-i 0.0.0.0/0");
	NOMATCH(t4, "-i ::/0");
	NOMATCH(t6, "-i 0.0.0.0/0");
	/* ports */
	MATCH(t4, "-p 80");
	MATCH(t4, "-p 12345");
	MATCH(t4, "-p 12345 80");
	MATCH(t4, "-p 80 12345");
	NOMATCH(t4, "-p 80 80");
	NOMATCH(t4, "-p 443");
	/* L2 */
	MATCH(t4, "-m 02:00:00:00:00:0a");
	MATCH(t4, "-m 02-00-00-00-00-0B");
	MATCH(t4, "-m 02:00:00:00:00:0b 02:00:00:00:00:0a");
	NOMATCH(t4, "-m 02:00:00:00:00:0a 02:00:00:00:00:0c");
	NOMATCH(t4, "-m 02:00:00:00:00:0c");
	MATCH(t4, "-d IPv4");
	MATCH(t4, "-d 0x0800");
	MATCH(t4, "-d 2048");
	NOMATCH(t4, "-d IPv6");
	NOMATCH(t4, "-v 0");
	/* all conditions must hold */
	MATCH(t4, "-t TCP -i 10.0.0.1 -p 80");
	NOMATCH(t4, "-t TCP -i 10.0.0.1 -p 81");
	NOMATCH(t4, "-t UDP -i 10.0.0.1 -p 80");
	MATCH(t4, "-m 02:00:00:00:00:0a -d IPv4 -t TCP SYN -i 10.0.0.0/24 10.0.0.2 -p 80 12345");

	MATCH(vl, "-v 100");
	NOMATCH(vl, "-v 101");
	MATCH(vl, "-d IPv4");
	MATCH(vl, "-d VLAN");
	NOMATCH(u4, "-d VLAN");
	MATCH(vl, "-v 100 -p 5353 5353");
	MATCH(vl, "-i 224.0.0.0/4");

	MATCH(t6, "-t TCP SYN ACK");
	MATCH(t6, "-p 443");
	MATCH(t6, "-d IPv6");
	MATCH(t6, "-i 2001:db8::/32");
	MATCH(t6, "-i 2001:db8::1 2001:db8::2");
	MATCH(t6, "-i 2001:db8::2 2001:db8::1/128");
	NOMATCH(t6, "-i 2001:db8::1 2001:db8::3");
	NOMATCH(t6, "-i 2001:db9::/32");
	MATCH(t6, "-i 2001:db8::/127"); /* ::1 */
	NOMATCH(t6, "-i 2001:db8::4/126");
	NOMATCH(t6, "-i 10.0.0.1");

	{
		struct frame s6 = *fr_sctp6, f6 = *fr_frag6, f4 = *fr_frag4, ih = *fr_ihl6, ec = *fr_ext_chain;

		MATCH(s6, "-t SCTP -p 3868");
		MATCH(f6, "-t UDP");
		NOMATCH(f6, "-p 53");
		NOMATCH(f6, "-p 1111");
		MATCH(f4, "-t UDP -i 10.0.0.2");
		NOMATCH(f4, "-p 53");
		MATCH(ih, "-p 1000 2000");
		MATCH(ih, "-t TCP ACK");
		NOMATCH(ec, "-p 7");
	}
	MATCH(arp, "-d ARP");
	NOMATCH(arp, "-t TCP");
	NOMATCH(arp, "-i 0.0.0.0/0");
	MATCH(arp, "-m ff:ff:ff:ff:ff:ff");
}

static void test_match_encap(void)
{
	struct frame vx = *fr_vxlan, vx8 = *fr_vxlan8472, nv = *fr_nvgre, g4 = *fr_gre_ip4, g6 = *fr_gre_ip6;
	struct frame ii = *fr_ipip, s64 = *fr_6in4, s46 = *fr_4in6;

	/* inner conditions need -e */
	NOMATCH(vx, "-i 10.1.1.1");
	MATCH(vx, "-i 10.1.1.1 -e");
	MATCH(vx, "-i 10.1.1.2 10.1.1.1 -e");
	NOMATCH(vx, "-t TCP");
	MATCH(vx, "-t TCP SYN -e");
	MATCH(vx, "-p 22 -e");
	MATCH(vx, "-m 02:00:00:00:00:0c -e");
	NOMATCH(vx, "-m 02:00:00:00:00:0c");
	/* outer still matches with -e */
	MATCH(vx, "-p 4789");
	MATCH(vx, "-p 4789 -e");
	MATCH(vx, "-i 192.0.2.1 -e");
	/* all conditions from one level: outer port + inner address is not a match */
	NOMATCH(vx, "-i 10.1.1.1 -p 4789 -e");
	/* a filter for another VXLAN port does not look inside 4789 traffic */
	NOMATCH(vx, "-i 10.1.1.1 -e 8472");
	/* custom VXLAN port: the parse and the filter agree */
	CHECK(match_line(&vx8, 8472, "-i 10.1.1.1 -e 8472") == 1, "vxlan 8472");
	CHECK(match_line(&vx8, 4789, "-i 10.1.1.1 -e") == 0, "8472 traffic is not VXLAN for 4789");
	CHECK(match_line(&vx8, 8472, "-i 10.1.1.1 -e") == 0, "filter on 4789, traffic on 8472");

	NOMATCH(nv, "-v 7");
	MATCH(nv, "-v 7 -e");
	MATCH(nv, "-i 10.2.2.0/24 -p 53 -e");
	MATCH(nv, "-t GRE");
	MATCH(nv, "-t GRE -e");
	NOMATCH(g4, "-p 443");
	MATCH(g4, "-t TCP ACK PSH -p 443 -i 10.3.3.1 -e");
	MATCH(g4, "-d IPv4 -e"); /* inner EtherType comes from the GRE protocol */
	MATCH(g6, "-i 2001:db8:1::/48 -t UDP -p 123 -e");
	NOMATCH(g6, "-i 2001:db8:1::/48");
	NOMATCH(g6, "-m 02:00:00:00:00:0a 02:00:00:00:00:0b -i 2001:db8:1::1 -e"); /* no inner MACs */
	MATCH(ii, "-t ICMP -e");
	MATCH(ii, "-t 4");
	NOMATCH(ii, "-t ICMP");
	MATCH(s64, "-t TCP FIN ACK -i 2001:db8:2::2 -e");
	NOMATCH(s64, "-i 2001:db8:2::2");
	MATCH(s46, "-i 10.5.5.0/24 -p 4789 -e");
	NOMATCH(s46, "-m 02:00:00:00:00:0c -e"); /* only one level of encapsulation */
}

/* Every truncation of every frame: never a read past len, and the bytes
 * past len never change the result. */
static void test_truncation(void)
{
	static const uint16_t ports[] = {0, 4789, 8472};

	for (int i = 0; i < nframes; i++) {
		for (uint32_t len = 0; len <= frames[i].n; len++) {
			for (size_t p = 0; p < sizeof(ports) / sizeof(ports[0]); p++) {
				uint8_t *a = malloc(PKTMON_PARSE_MAX), *b = malloc(PKTMON_PARSE_MAX);
				uint8_t *exact = malloc(len ? len : 1);
				struct pktmon_pkt_view va, vb, ve;

				memset(a, 0xaa, PKTMON_PARSE_MAX);
				memset(b, 0x55, PKTMON_PARSE_MAX);
				memcpy(a, frames[i].b, len);
				memcpy(b, frames[i].b, len);
				memcpy(exact, frames[i].b, len);
				pktmon_parse_frame(a, len, ports[p], &va);
				pktmon_parse_frame(b, len, ports[p], &vb);
				/* exact-size buffer: AddressSanitizer catches a read past len */
				pktmon_parse_frame(exact, len, ports[p], &ve);
				CHECK(!memcmp(&va, &vb, sizeof(va)) && !memcmp(&va, &ve, sizeof(va)),
				      "%s: truncated to %u bytes, bytes past the end changed the result", frames[i].what,
				      len);
				free(a);
				free(b);
				free(exact);
			}
		}
	}
	/* random bytes behind plausible headers */
	srand(12345);
	for (int iter = 0; iter < 20000; iter++) {
		uint8_t a[PKTMON_PARSE_MAX], b[PKTMON_PARSE_MAX];
		uint32_t len = (uint32_t)(rand() % (PKTMON_PARSE_MAX + 1));
		struct frame *base = &frames[rand() % nframes];
		struct pktmon_pkt_view va, vb;
		struct pm_filter pf = mkf("-t TCP SYN -i 10.0.0.0/8 -e");

		for (int k = 0; k < PKTMON_PARSE_MAX; k++)
			a[k] = (uint8_t)rand();
		/* keep a prefix of a real frame, then mutate a few bytes */
		memcpy(a, base->b, base->n);
		for (int k = 0; k < 4; k++)
			a[rand() % PKTMON_PARSE_MAX] = (uint8_t)rand();
		memcpy(b, a, sizeof(a));
		for (uint32_t k = len; k < PKTMON_PARSE_MAX; k++)
			b[k] = (uint8_t)~a[k];
		pktmon_parse_frame(a, len, 4789, &va);
		pktmon_parse_frame(b, len, 4789, &vb);
		if (memcmp(&va, &vb, sizeof(va)) || pktmon_filter_match(&pf.f, &va) != pktmon_filter_match(&pf.f, &vb)) {
			CHECK(0, "random frame %d (len %u): bytes past the end changed the result", iter, len);
			break;
		}
	}
	/* len larger than PKTMON_PARSE_MAX must still stay inside the buffer */
	{
		uint8_t *big = calloc(1, PKTMON_PARSE_MAX);
		struct pktmon_pkt_view v;

		memcpy(big, fr_tcp4->b, fr_tcp4->n);
		CHECK(pktmon_parse_frame(big, 100000, 4789, &v) == 0 && v.outer.dst_port == 80, "len > max");
		free(big);
	}
}

/* ---- argv / line ---------------------------------------------------------------------------- */

static int parse_words(const char *line, struct pm_filter *pf, char *err, size_t errlen)
{
	return pm_filter_parse_line(line, pf, err, errlen);
}

/* The prefix comparison against the definition, bit by bit: the first
 * min(plen, 128) bits equal, for every plen a u8 holds. */
static void test_prefix_every_length(void)
{
	srand(777);
	for (unsigned plen = 0; plen < 256; plen++) {
		for (int iter = 0; iter < 200; iter++) {
			uint8_t a[16], b[16];
			unsigned first_diff = 128;

			for (int k = 0; k < 16; k++)
				a[k] = b[k] = (uint8_t)rand();
			if (iter % 4) { /* flip one bit, anywhere */
				unsigned bit = (unsigned)rand() % 128;
				b[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
			}
			for (unsigned bit = 0; bit < 128; bit++)
				if ((a[bit / 8] ^ b[bit / 8]) & (0x80 >> (bit % 8))) {
					first_diff = bit;
					break;
				}
			int want = first_diff >= (plen < 128 ? plen : 128);
			if (pm__prefix_eq(a, b, plen) != want) {
				CHECK(0, "prefix /%u: first difference at bit %u, match %d", plen, first_diff, !want);
				return;
			}
		}
	}
}

static void test_parse_ok(void)
{
	struct pm_filter pf;
	char err[256] = "";
	char *argv1[] = {"web", "-t", "TCP", "SYN", "-i", "198.18.0.1/32", "-p", "80"};
	char *argv2[] = {"--mac", "aa-BB-cc-dd-ee-ff", "11:22:33:44:55:66", "--vlan", "4095", "--data-link", "arp",
			 "--transport-protocol", "icmpv6", "--ip", "fe80::1/64", "::1", "--port", "0", "65535",
			 "--encap", "8472"};

	CHECK(pm_filter_parse_argv(8, argv1, &pf, err, sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(pf.name, "web"), "name");
	CHECK(pf.f.fields == (PKTMON_FF_PROTO | PKTMON_FF_TCPFLAGS | PKTMON_FF_IP1 | PKTMON_FF_PORT1), "fields %x",
	      pf.f.fields);
	CHECK(pf.f.ip_proto == 6 && pf.f.tcp_flags == PKTMON_TCP_SYN, "proto");
	CHECK(pf.f.ip_family[0] == 4 && pf.f.ip_prefix[0] == 32 && pf.f.ip[0][0] == 198 && pf.f.ip[0][3] == 1, "ip");
	CHECK(pf.f.port[0] == 80 && pf.f.encap_port == 0, "port");

	CHECK(pm_filter_parse_argv(17, argv2, &pf, err, sizeof(err)) == 0, "%s", err);
	CHECK(pf.name[0] == 0, "no name");
	CHECK(pf.f.fields == (PKTMON_FF_ALL & ~PKTMON_FF_TCPFLAGS), "fields %x", pf.f.fields);
	CHECK(pf.f.mac[0][0] == 0xaa && pf.f.mac[0][1] == 0xbb && pf.f.mac[1][5] == 0x66, "macs");
	CHECK(pf.f.vlan == 4095 && pf.f.ethertype == 0x0806 && pf.f.ip_proto == 58, "vlan/type/proto");
	CHECK(pf.f.ip_family[0] == 6 && pf.f.ip_prefix[0] == 64 && pf.f.ip_prefix[1] == 128 && pf.f.ip[1][15] == 1,
	      "ipv6");
	CHECK(pf.f.port[0] == 0 && pf.f.port[1] == 65535 && pf.f.encap_port == 8472, "ports/encap");

	CHECK(parse_words("x -e -p 1", &pf, err, sizeof(err)) == 0 && pf.f.encap_port == 4789, "-e default %s", err);
	CHECK(parse_words("-t tcp fin syn rst psh ack urg ece cwr", &pf, err, sizeof(err)) == 0 &&
	      pf.f.tcp_flags == 0xff, "all flags");
	CHECK(parse_words("-d 0x88cc", &pf, err, sizeof(err)) == 0 && pf.f.ethertype == 0x88cc, "hex ethertype");
	CHECK(parse_words("-d VLAN", &pf, err, sizeof(err)) == 0 && pf.f.ethertype == 0x8100, "VLAN");
	CHECK(parse_words("-t 132", &pf, err, sizeof(err)) == 0 && pf.f.ip_proto == 132, "numeric proto");
	CHECK(parse_words("-t 6 SYN", &pf, err, sizeof(err)) == 0 && pf.f.tcp_flags == PKTMON_TCP_SYN, "6 SYN");
	CHECK(parse_words("web: -p 22", &pf, err, sizeof(err)) == 0 && !strcmp(pf.name, "web"), "line name");
	CHECK(parse_words("  web:\t-p 22 \r\n", &pf, err, sizeof(err)) == 0 && pf.f.port[0] == 22, "blanks");
	CHECK(parse_words("-i 10.0.0.0/0", &pf, err, sizeof(err)) == 0 && pf.f.ip_prefix[0] == 0, "/0");
}

struct bad_case {
	const char *line;
	const char *must_name; /* the error must mention this word */
};

static void test_parse_errors(void)
{
	static const struct bad_case cases[] = {
		{"", "no condition"},
		{"web", "no condition"},
		{"web:", "no condition"},
		{"web -e", "no condition"},
		{"-m", "-m"},
		{"-m 00:11:22:33:44", "00:11:22:33:44"},
		{"-m 00:11:22:33:44:55:66", "00:11:22:33:44:55:66"},
		{"-m 00:11-22:33:44:55", "00:11-22:33:44:55"},
		{"-m 0g:11:22:33:44:55", "0g:11:22:33:44:55"},
		{"-m 00:11:22:33:44:55 zz", "zz"},
		{"-v 4096", "4096"},
		{"-v -1", "-v"},
		{"-v 1x", "1x"},
		{"-d IPX", "IPX"},
		{"-d 0x10000", "0x10000"},
		{"-t FOO", "FOO"},
		{"-t 256", "256"},
		{"-t UDP SYN", "SYN"},
		{"-t TCP SYNN", "SYNN"},
		{"-i 10.0.0.256", "10.0.0.256"},
		{"-i 10.0.0.1/33", "10.0.0.1/33"},
		{"-i ::1/129", "::1/129"},
		{"-i 10.0.0.1/", "10.0.0.1/"},
		{"-i 10.0.0.1/0x8", "10.0.0.1/0x8"},
		{"-i 10.0.0.1 ::1", "::1"},
		{"-i 1.1.1.1 2.2.2.2 3.3.3.3", "3.3.3.3"},
		{"-p 65536", "65536"},
		{"-p http", "http"},
		{"-p 1 2 3", "3"},
		{"-p 80 -e 0", "0"},
		{"-p 80 -e x", "x"},
		{"-p 80 -p 81", "twice"},
		{"-p 80 --port 81", "--port"},
		{"-p 80 --bogus", "--bogus"},
		{"-b", "-b"},
		{"-p 80 extra", "extra"},
		{"bad:name -p 80", "bad:name"},
		{"a\"b -p 80", "a\"b"},
		{"0123456789012345678901234567890123456789012345678901234567890123456789 -p 1", "0123456789"},
	};
	struct pm_filter pf;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		memset(&pf, 0x5a, sizeof(pf));
		int r = parse_words(cases[i].line, &pf, err, sizeof(err));

		CHECK(r == -1, "'%s' should be rejected", cases[i].line);
		CHECK(strstr(err, cases[i].must_name) != NULL, "error for '%s' should name '%s': got '%s'", cases[i].line,
		      cases[i].must_name, err);
		CHECK(((uint8_t *)&pf)[0] == 0x5a, "'%s': out was written on error", cases[i].line);
	}
	/* NULL and tiny error buffers */
	CHECK(pm_filter_parse_line(NULL, &pf, NULL, 0) == -1, "NULL line");
	CHECK(pm_filter_parse_line("-v 9999", &pf, err, 1) == -1 && err[0] == 0, "1-byte err buffer");
	{
		char longline[2000];

		memset(longline, 'a', sizeof(longline) - 1);
		longline[sizeof(longline) - 1] = 0;
		CHECK(pm_filter_parse_line(longline, &pf, err, sizeof(err)) == -1, "long line");
		memset(longline, 0, sizeof(longline));
		for (int i = 0; i < 100; i++)
			strcat(longline, "-p 1 ");
		CHECK(pm_filter_parse_line(longline, &pf, err, sizeof(err)) == -1, "many words");
	}
}

static void test_round_trip(void)
{
	static const char *canonical[] = {
		"web: -t TCP SYN -i 198.18.0.1/32 -p 80",
		"-t TCP SYN -i 198.18.0.1/32 -p 80",
		("all: -m 02:00:00:00:00:0a 02:00:00:00:00:0b -v 100 -d IPv4 -t TCP FIN SYN RST PSH ACK URG ECE CWR "
		 "-i 10.0.0.0/8 192.168.1.77/32 -p 0 65535 -e"),
		"v6: -d IPv6 -t ICMPv6 -i 2001:db8::/32 fe80::1/128",
		"x: -d 0x88CC",
		"y: -t 254 -p 7 -e 8472",
		"z.Z_-9: -d ARP",
		"g: -t GRE -e",
		"s: -t SCTP -p 3868",
		"u: -t UDP -i ::/0 -p 53",
	};
	static const struct {
		const char *in, *out;
	} normalize[] = {
		{"web -p 80 -t tcp syn -i 198.18.0.1", "web: -t TCP SYN -i 198.18.0.1/32 -p 80"},
		{"--encap 4789 --ip ::FFFF:1.2.3.4 --data-link 0x0800", "-d IPv4 -i ::ffff:1.2.3.4/128 -e"},
		{"-t tcp ack syn ack", "-t TCP SYN ACK"},
		{"-m AA-BB-CC-DD-EE-FF -t 17", "-m aa:bb:cc:dd:ee:ff -t UDP"},
		{"-d 34525", "-d IPv6"},
	};
	char buf[PM_FILTER_LINE_MAX], buf2[PM_FILTER_LINE_MAX], err[256];
	struct pm_filter a, b;

	for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
		CHECK(pm_filter_parse_line(canonical[i], &a, err, sizeof(err)) == 0, "'%s': %s", canonical[i], err);
		CHECK(pm_filter_format(&a, buf, sizeof(buf)) == (int)strlen(canonical[i]), "format length");
		CHECK(!strcmp(buf, canonical[i]), "round trip:\n  in  '%s'\n  out '%s'", canonical[i], buf);
		CHECK(pm_filter_parse_line(buf, &b, err, sizeof(err)) == 0 && !memcmp(&a, &b, sizeof(a)),
		      "struct round trip '%s'", buf);
		CHECK(pm_filter_format(&b, buf2, sizeof(buf2)) >= 0 && !strcmp(buf, buf2), "stable");
	}
	for (size_t i = 0; i < sizeof(normalize) / sizeof(normalize[0]); i++) {
		CHECK(pm_filter_parse_line(normalize[i].in, &a, err, sizeof(err)) == 0, "'%s': %s", normalize[i].in, err);
		pm_filter_format(&a, buf, sizeof(buf));
		CHECK(!strcmp(buf, normalize[i].out), "'%s' -> '%s', want '%s'", normalize[i].in, buf, normalize[i].out);
	}
	/* The worst case fits PM_FILTER_LINE_MAX. */
	{
		struct pm_filter w;

		memset(&w, 0, sizeof(w));
		memset(w.name, 'n', sizeof(w.name) - 1);
		w.f.fields = PKTMON_FF_ALL;
		w.f.vlan = 4095;
		w.f.ethertype = 0x1234;
		w.f.ip_proto = 6;
		w.f.tcp_flags = 0xff;
		w.f.ip_family[0] = w.f.ip_family[1] = 6;
		w.f.ip_prefix[0] = w.f.ip_prefix[1] = 128;
		for (int i = 0; i < 16; i++)
			w.f.ip[0][i] = w.f.ip[1][i] = (uint8_t)(0x11 * (i + 1));
		w.f.port[0] = w.f.port[1] = 65535;
		w.f.encap_port = 65535;
		int n = pm_filter_format(&w, buf, sizeof(buf));

		CHECK(n > 0 && n < PM_FILTER_LINE_MAX, "worst case %d bytes", n);
		CHECK(pm_filter_parse_line(buf, &a, err, sizeof(err)) == 0 && !memcmp(&a, &w, sizeof(w)),
		      "worst case round trip: %s", err);
		CHECK(pm_filter_format(&w, buf, 10) == -1, "small buffer reports truncation");
		/* name without a NUL must not be overread */
		memset(w.name, 'q', sizeof(w.name));
		CHECK(pm_filter_format(&w, buf, sizeof(buf)) > 0, "unterminated name");
	}
}

static void test_table(void)
{
	char buf[1024];
	struct pm_filter pf = mkf("web: -m 02:00:00:00:00:0a 02:00:00:00:00:0b -t TCP SYN -i 10.0.0.1 10.0.0.2/24 -p 80 443 -e");
	struct pm_filter p2 = mkf("-d IPv6");

	CHECK(pm_filter_table_header(buf, sizeof(buf)) > 0 && strstr(buf, "Name"), "header");
	printf("%s\n", buf);
	CHECK(pm_filter_table_row(1, &pf, buf, sizeof(buf)) > 0, "row");
	printf("%s\n", buf);
	CHECK(strstr(buf, "web") && strstr(buf, "TCP SYN") && strstr(buf, "10.0.0.2/24") && strchr(buf, '\n') &&
	      !strstr(buf, " \n"), "row contents");
	CHECK(pm_filter_table_row(2, &p2, buf, sizeof(buf)) > 0 && strstr(buf, "IPv6") && !strchr(buf, '\n'), "row 2");
	printf("%s\n", buf);
	CHECK(pm_filter_table_row(1, &pf, buf, 20) == -1, "row truncation reported");
}

static void test_sets(void)
{
	struct pm_filter fs[3];
	struct pktmon_pkt_view v;
	char err[256];

	fs[0] = mkf("a: -p 1");
	fs[1] = mkf("b: -i 10.0.0.2 -e");
	fs[2] = mkf("c: -t UDP -e");
	CHECK(pm_filters_vxlan_port(fs, 3, err, sizeof(err)) == 4789, "same port");
	CHECK(pm_filters_vxlan_port(fs, 1, err, sizeof(err)) == 4789, "no -e: default");
	fs[2] = mkf("c: -t UDP -e 8472");
	CHECK(pm_filters_vxlan_port(fs, 3, err, sizeof(err)) == -1 && strstr(err, "'b'") && strstr(err, "'c'"),
	      "different ports: %s", err);
	CHECK(pm_filters_vxlan_port(fs + 2, 1, err, sizeof(err)) == 8472, "one custom port");

	pktmon_parse_frame(fr_tcp4->b, fr_tcp4->n, 4789, &v);
	CHECK(pm_filters_match_any(fs, 0, &v) == 1, "no filters: everything");
	CHECK(pm_filters_match_any(fs, 1, &v) == 0, "a only");
	CHECK(pm_filters_match_any(fs, 2, &v) == 1, "a or b");
	CHECK(pktmon_filters_match_any(&fs[1].f, 1, &v) == 1, "header version");
}

/* Random word soups: parse never crashes, and whatever parses round-trips. */
static void test_word_soup(void)
{
	static const char *vocab[] = {
		"-m", "-v", "-d", "-t", "-i", "-p", "-e", "--mac", "--encap", "-b", "-x", "web", "web:", ":", "",
		"02:00:00:00:00:0a", "aa-bb-cc-dd-ee-ff", "1", "0", "65535", "65536", "4095", "0x0800", "0x", "IPv4",
		"ipv6", "ARP", "TCP", "udp", "SYN", "ack", "10.0.0.1", "10.0.0.0/8", "::1", "::/0", "fe80::1/129",
		"1.2.3.4/", "/8", "-", "--", "x:y", "\"q\"", "VLAN", "GRE", "cwr",
	};
	const size_t nv = sizeof(vocab) / sizeof(vocab[0]);
	char line[512], buf[PM_FILTER_LINE_MAX], buf2[PM_FILTER_LINE_MAX], err[128];
	struct pm_filter a, b;
	int ok = 0;

	srand(99);
	for (int it = 0; it < 200000; it++) {
		size_t pos = 0;
		int words = rand() % 9;

		line[0] = 0;
		for (int w = 0; w < words; w++)
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos, "%s ", vocab[(size_t)rand() % nv]);
		if (pm_filter_parse_line(line, &a, err, sizeof(err)))
			continue;
		ok++;
		if (pm_filter_format(&a, buf, sizeof(buf)) < 0 || pm_filter_parse_line(buf, &b, err, sizeof(err)) ||
		    memcmp(&a, &b, sizeof(a)) || pm_filter_format(&b, buf2, sizeof(buf2)) < 0 || strcmp(buf, buf2)) {
			CHECK(0, "'%s' -> '%s' does not round-trip (%s)", line, buf, err);
			break;
		}
	}
	CHECK(ok > 200, "only %d random lines parsed", ok);
}

/* The public struct: the same filter (and the same line) as its text, the same rules. */
static void test_constraint_struct(void)
{
	struct pm_filter from_struct, from_text;
	char err[256] = "", a[PM_FILTER_LINE_MAX], b[PM_FILTER_LINE_MAX];
	struct pktmon_protocol_constraint c = {
		.name = "web",
		.fields = PKTMON_FF_PROTO | PKTMON_FF_TCPFLAGS | PKTMON_FF_IP1 | PKTMON_FF_PORT1 | PKTMON_FF_PORT2,
		.ip_proto = 6,
		.tcp_flags = PKTMON_TCP_SYN,
		.ip_family = { 4 },
		.ip_prefix = { 24 },
		.port = { 80, 8080 },
	};
	inet_pton(AF_INET, "198.18.3.0", c.ip[0]);
	CHECK(pm_filter_from_constraint(&c, &from_struct, err, sizeof(err)) == 0, "%s", err);
	CHECK(pm_filter_parse_line("web: -t TCP SYN -i 198.18.3.0/24 -p 80 8080", &from_text, err, sizeof(err)) == 0,
	      "%s", err);
	pm_filter_format(&from_struct, a, sizeof(a));
	pm_filter_format(&from_text, b, sizeof(b));
	CHECK(strcmp(a, b) == 0, "struct [%s] text [%s]", a, b);
	CHECK(memcmp(&from_struct.f, &from_text.f, sizeof(from_text.f)) == 0, "kernel forms differ");

	/* one MAC, VLAN, encapsulation with the default port, no name */
	struct pktmon_protocol_constraint m = {
		.fields = PKTMON_FF_MAC1 | PKTMON_FF_VLAN | PKTMON_FF_ENCAP,
		.mac = { { 0x02, 0, 0, 0, 0, 0x01 } },
		.vlan = 7,
	};
	CHECK(pm_filter_from_constraint(&m, &from_struct, err, sizeof(err)) == 0, "%s", err);
	pm_filter_format(&from_struct, a, sizeof(a));
	CHECK(strcmp(a, "-m 02:00:00:00:00:01 -v 7 -e") == 0, "got [%s]", a);
	CHECK(from_struct.f.encap_port == PKTMON_VXLAN_PORT, "encap port %u", from_struct.f.encap_port);

	static const struct {
		struct pktmon_protocol_constraint c;
		const char *why;
	} bad[] = {
		{ { .fields = 0 }, "a condition besides encapsulation" },
		{ { .fields = PKTMON_FF_ENCAP }, "a condition besides encapsulation" },
		{ { .fields = 0x8000 }, "unknown fields bits 0x8000" },
		{ { .fields = PKTMON_FF_PORT2, .port = { 0, 80 } }, "PORT2 needs PORT1" },
		{ { .fields = PKTMON_FF_TCPFLAGS, .tcp_flags = PKTMON_TCP_SYN }, "TCP flags need the protocol" },
		{ { .fields = PKTMON_FF_IP1, .ip_family = { 5 } }, "IP1: family 5 is neither 4 nor 6" },
		{ { .fields = PKTMON_FF_IP1, .ip_family = { 4 }, .ip_prefix = { 33 } }, "33" },
		{ { .fields = PKTMON_FF_VLAN, .vlan = 4096 }, "4096" },
		{ { .fields = PKTMON_FF_PROTO | PKTMON_FF_TCPFLAGS, .ip_proto = 17, .tcp_flags = 2 }, "TCP" },
		{ { .name = "two words", .fields = PKTMON_FF_VLAN }, "bad constraint name" },
		{ { .name = "-x", .fields = PKTMON_FF_VLAN }, "bad constraint name" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECK(pm_filter_from_constraint(&bad[i].c, &from_struct, err, sizeof(err)) < 0, "bad[%zu] accepted", i);
		CHECK(strstr(err, bad[i].why) != NULL, "bad[%zu]: [%s] lacks [%s]", i, err, bad[i].why);
	}
}

int main(void)
{
	build_frames();
	test_parse_fields();
	test_match_basic();
	test_match_encap();
	test_truncation();
	test_prefix_every_length();
	test_parse_ok();
	test_parse_errors();
	test_round_trip();
	test_table();
	test_sets();
	test_word_soup();
	test_constraint_struct();
	if (failures) {
		fprintf(stderr, "%d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("PASS: %d checks\n", checks);
	return 0;
}
