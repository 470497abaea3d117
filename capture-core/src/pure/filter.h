/* SPDX-License-Identifier: MIT */
/*
 * filter.h - Windows-pktmon-style packet filters in user space: parsing the
 * `pktmon filter add` words, the one-line storage form, and `filter list`.
 *
 * Accepted words (after `filter add`):
 *   [NAME] [-m|--mac MAC [MAC2]] [-v|--vlan VLAN]
 *          [-d|--data-link|--ethertype ETHERTYPE]
 *          [-t|--transport-protocol|--protocol PROTO [TCP-FLAG...]]
 *          [-i|--ip IP[/LEN] [IP2[/LEN]]] [-p|--port PORT [PORT2]]
 *          [-e|--encap [VXLAN-PORT]]
 *   MAC       aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff
 *   ETHERTYPE number (2048, 0x0800) or IPv4, IPv6, ARP, VLAN (0x8100: tagged frames)
 *   PROTO     number or TCP, UDP, ICMP, ICMPv6, SCTP, GRE
 *   TCP-FLAG  FIN SYN RST PSH ACK URG ECE CWR (any case; only with TCP; all must be set)
 *   IP        IPv4 or IPv6, with an optional prefix length; both IPs one family
 *   -e        also match the inner headers of VXLAN (default port 4789), GRE,
 *             NVGRE and IP-in-IP packets
 *
 * Decisions:
 * - The name is optional (as in Windows) and is the first word when that word
 *   does not start with '-'. It is at most 63 bytes of printable ASCII with no
 *   space, '"' or ':' (so the line form needs no quoting).
 * - A filter must have at least one condition besides -e: a filter matching
 *   everything is the same as no filter and only hides mistakes.
 * - One VXLAN port per session: see pm_filters_vxlan_port().
 *
 * Line form (storage, extcap config, FILTER_TEXT in the rundown):
 *   "NAME: -m .. -v .. -d .. -t .. -i .. -p .. -e .." (canonical order, IPs
 *   always with /LEN), or just the words when the name is empty.
 */
#ifndef PKTMON_FILTER_H
#define PKTMON_FILTER_H

#include <stddef.h>

#include "pkt_parse.h"

#define PM_FILTER_NAME_MAX PKTMON_FILTER_NAME_MAX
#define PM_FILTER_LINE_MAX 320 /* enough for any pm_filter_format() output */

struct pm_filter {
	char name[PM_FILTER_NAME_MAX];
	struct pktmon_filter f;
};

/* Parse the words after `filter add`. 0, or -1 with a message naming the bad word in err. */
int pm_filter_parse_argv(int argc, char **argv, struct pm_filter *out, char *err, size_t errlen);

/* The one-line form. Returns the length written (as snprintf), or -1. */
int pm_filter_format(const struct pm_filter *pf, char *buf, size_t len);

/* Parse the one-line form (also accepts any argv form split on blanks). */
int pm_filter_parse_line(const char *line, struct pm_filter *out, char *err, size_t errlen);

/* The filter of a public struct pktmon_protocol_constraint, checked as its line form would be
 * (same rules, same messages). 0, or -1 with the reason in err. */
struct pktmon_protocol_constraint;
int pm_filter_from_constraint(const struct pktmon_protocol_constraint *c, struct pm_filter *out, char *err,
			      size_t errlen);

/* `filter list`: a header (two lines, no trailing newline) and one row per filter, 1-based. */
int pm_filter_table_header(char *buf, size_t len);
int pm_filter_table_row(int index, const struct pm_filter *pf, char *buf, size_t len);

/* 1 when any filter matches, 1 when there are none (pktmon semantics). */
int pm_filters_match_any(const struct pm_filter *fs, size_t n, const struct pktmon_pkt_view *v);

/*
 * The VXLAN port the kernel parser must use for this filter set: that of the
 * -e filters, PKTMON_VXLAN_PORT when there are none. -1 (message in err) when
 * two -e filters ask for different ports, which one parse cannot serve.
 */
int pm_filters_vxlan_port(const struct pm_filter *fs, size_t n, char *err, size_t errlen);

/* Helpers shared with the table and tests. */
const char *pm_ethertype_name(unsigned type);  /* "IPv4" or NULL */
const char *pm_ip_proto_name(unsigned proto);  /* "TCP" or NULL */

#endif /* PKTMON_FILTER_H */
