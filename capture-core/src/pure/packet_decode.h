/* SPDX-License-Identifier: MIT */
/* packet_decode.h - a tcpdump-like one-line decode of a captured frame, for
 * `pktmon format` and the real-time text lines. */
#ifndef PKTMON_PACKET_DECODE_H
#define PKTMON_PACKET_DECODE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt_parse.h"

struct pm_decoded {
	bool ok;                    /* headers were parsed (a link type we know) */
	bool real_eth;              /* MAC addresses come from the frame */
	struct pktmon_pkt_view v;
	int icmp_type, icmp_code;   /* -1 when unknown */
	int echo_id, echo_seq;      /* -1 unless an echo request/reply */
	char summary[384];
};

/* Decodes `data` of pcap link type `lt` (Ethernet, raw IP, Linux cooked, BSD loopback). */
void pm_packet_decode(uint16_t lt, const uint8_t *data, uint32_t caplen, uint32_t origlen, struct pm_decoded *d);
const char *pm_proto_name(unsigned p, char *buf, size_t len); /* "TCP", or "proto N" */
const char *pm_encap_name(unsigned encap);                    /* enum pktmon_encap */

#endif
