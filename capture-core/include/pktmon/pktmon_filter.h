/* SPDX-License-Identifier: MIT */
/*
 * pktmon_filter.h - the limits and the bits of capture constraints, shared by
 * the public API (struct pktmon_protocol_constraint) and the kernel's parser.
 *
 * Plain constants only: the BPF programs include it (after vmlinux.h, no libc),
 * so it must not include anything.
 */
#ifndef PKTMON_FILTER_CONSTANTS_H
#define PKTMON_FILTER_CONSTANTS_H

/* Limits of a session. */
#define PKTMON_MAX_FILTERS 32          /* capture constraints (text or struct) */
#define PKTMON_MAX_CONSTRAINTS PKTMON_MAX_FILTERS
#define PKTMON_FILTER_NAME_MAX 64      /* a constraint's name, with its NUL */
#define PKTMON_FILTER_TEXT_MAX 1024    /* pktmon_add_capture_constraint's text, with its NUL */
#define PKTMON_MAX_NETNS 16            /* pktmon_add_netns calls */
#define PKTMON_VXLAN_PORT 4789         /* IANA VXLAN port, the default of encapsulation matching */

/* struct pktmon_protocol_constraint.fields (and the kernel filter's): which conditions are set. */
#define PKTMON_FF_MAC1      0x0001u
#define PKTMON_FF_MAC2      0x0002u
#define PKTMON_FF_VLAN      0x0004u
#define PKTMON_FF_ETHERTYPE 0x0008u
#define PKTMON_FF_PROTO     0x0010u
#define PKTMON_FF_TCPFLAGS  0x0020u
#define PKTMON_FF_IP1       0x0040u
#define PKTMON_FF_IP2       0x0080u
#define PKTMON_FF_PORT1     0x0100u
#define PKTMON_FF_PORT2     0x0200u
#define PKTMON_FF_ENCAP     0x0400u
#define PKTMON_FF_ALL       0x07ffu

/* TCP flag bits as in the TCP header's 13th byte. */
#define PKTMON_TCP_FIN 0x01u
#define PKTMON_TCP_SYN 0x02u
#define PKTMON_TCP_RST 0x04u
#define PKTMON_TCP_PSH 0x08u
#define PKTMON_TCP_ACK 0x10u
#define PKTMON_TCP_URG 0x20u
#define PKTMON_TCP_ECE 0x40u
#define PKTMON_TCP_CWR 0x80u

#endif /* PKTMON_FILTER_CONSTANTS_H */
