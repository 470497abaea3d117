/* SPDX-License-Identifier: MIT */
/*
 * nft_trace_parse.h - nftables trace messages (NFT_MSG_TRACE, group NFNLGRP_NFTRACE) and rule
 * replies (NFT_MSG_NEWRULE) read from raw netlink bytes; matching a trace to a captured frame;
 * picking a rule's line out of `nft -a list chain`. Pure: the unit tests call it without root.
 */
#ifndef PKTMON_NFT_TRACE_PARSE_H
#define PKTMON_NFT_TRACE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PM_NFT_NAME_MAX 256 /* NFT_NAME_MAXLEN */
#define PM_NFT_HDR_MAX  40  /* NFT_TRACETYPE_*_HSIZE: the kernel copies at most this much */

struct pm_nft_trace {
	uint8_t family; /* the table's family (NFPROTO_INET, NFPROTO_IPV4...) */
	uint32_t type;  /* NFT_TRACETYPE_* */
	uint32_t id;    /* the kernel's pseudo-id of the skb */
	bool has_verdict;
	uint32_t verdict; /* NFTA_VERDICT_CODE (NF_DROP 0, NF_ACCEPT 1; negative codes for jumps) */
	bool has_policy;
	uint32_t policy;
	uint64_t handle; /* rule handle; 0 when none (a policy) */
	uint32_t iif, oif;
	uint32_t nfproto; /* the packet's family: NFPROTO_IPV4 / NFPROTO_IPV6 */
	char table[PM_NFT_NAME_MAX], chain[PM_NFT_NAME_MAX];
	uint8_t nh[PM_NFT_HDR_MAX], th[PM_NFT_HDR_MAX];
	uint16_t nh_len, th_len;
};

/* One netlink message (header included, `len` bytes available). 1: a trace, filled in; 0: some
 * other message; -1: a trace that is malformed. */
int pm_nft_trace_parse(const void *msg, size_t len, struct pm_nft_trace *t);

/* The trace says the packet was dropped: a rule's drop verdict, or a chain's drop policy. */
bool pm_nft_trace_is_drop(const struct pm_nft_trace *t);

/* The trace's network (+ transport) header bytes are those of the frame's layer 3 (frame: Ethernet
 * first, VLAN tags skipped); at least the 20 bytes of an IPv4 header must be compared. */
bool pm_nft_trace_matches_frame(const struct pm_nft_trace *t, const uint8_t *frame, size_t len);

/* The hook (NF_INET_*) is consistent with the trace's devices: only an input device before
 * routing and on input, only an output device on output and after routing, both when forwarding.
 * hook < 0: no hook known, anything goes. */
bool pm_nft_trace_hook_ok(const struct pm_nft_trace *t, int hook);

/* The drop traces of one namespace not yet given to a drop event, oldest first (the kernel sends a
 * packet's trace before its drop event, and both arrive in order); and the headers of the recent
 * packets by trace id. The queue grows with bursts of drops (a 20 ms drain holds 40 traces at 2,000
 * drops/s) up to PM_NFT_QUEUE_MAX, then forgets its oldest; a trace no drop event took while
 * PM_NFT_QUEUE_PASSES later ones were taken (its event was filtered out or lost) is forgotten. */
#define PM_NFT_QUEUE_MIN    16
#define PM_NFT_QUEUE_MAX    4096
#define PM_NFT_QUEUE_PASSES 64
#define PM_NFT_RECENT_HDRS  32
struct pm_nft_hdrs {
	uint32_t id, iif, oif;
	uint16_t nh_len, th_len;
	uint8_t nh[PM_NFT_HDR_MAX], th[PM_NFT_HDR_MAX];
};
struct pm_nft_recent {
	struct pm_nft_trace *t; /* a ring of cap entries: n of them from head on */
	uint8_t *passes;        /* per entry: later traces taken before it; 0xff: taken */
	unsigned cap, head, n;
	uint64_t forgotten;     /* traces pushed out before a drop event took them */
	struct pm_nft_hdrs hdrs[PM_NFT_RECENT_HDRS];
	unsigned hdrs_next;
};
/* The kernel puts a packet's headers and devices only in the first trace message of a chain's run
 * (a rule that continued, say), not in the later drop: remember them by trace id from the messages
 * that carry them, and give them to a message of the same id that lacks them. */
void pm_nft_recent_headers(struct pm_nft_recent *r, struct pm_nft_trace *t);
/* Queues a drop trace. An all-zero pm_nft_recent is empty; pm_nft_recent_free releases it. */
void pm_nft_recent_add(struct pm_nft_recent *r, const struct pm_nft_trace *t);
void pm_nft_recent_free(struct pm_nft_recent *r);
/* The oldest queued drop trace that matches the frame and the hook; it is taken out (one drop, one
 * trace). NULL when none. The pointer stays valid until the next add. */
const struct pm_nft_trace *pm_nft_recent_take(struct pm_nft_recent *r, int hook, const uint8_t *frame, size_t len);

/* A rule reply (NFT_MSG_NEWRULE): its comment, from NFTA_RULE_USERDATA. 1: found; 0: no comment;
 * -1: not a rule message or malformed. */
int pm_nft_rule_comment(const void *msg, size_t len, char *out, size_t outlen);

/* `nft -a list chain` output: the rule line that ends with "# handle N", without its indentation
 * and the handle comment. 1: found, 0: not there. */
int pm_nft_rule_line(const char *listing, uint64_t handle, char *out, size_t outlen);

/* Names we put into an nft command: letters, digits, '_', '-', '.', '/' only (no quoting, nothing
 * the parser could take for another command or an include). */
bool pm_nft_name_ok(const char *s);

/* Which packets to trace: one `meta nftrace set 1` rule per match, each a superset of what a
 * session filter selects (IP version, protocol, one address at either end, compared on whole
 * bytes of its prefix); ports, MACs, VLANs and TCP flags are not compared. */
struct pm_nft_trace_match {
	uint8_t family; /* 0 any, 4, 6 */
	uint8_t proto;  /* 0 any, else the IP protocol (meta l4proto) */
	uint8_t ip_at;  /* 0 none, else the offset in the IP header: 12/16 (IPv4), 8/24 (IPv6) */
	uint8_t ip_len; /* bytes of ip compared (the prefix, rounded down to whole bytes) */
	uint8_t ip[16];
};
#define PM_NFT_TRACE_MATCHES 64
struct pm_filter;
/* The matches for the session's filters: -1 when every packet must be traced (no filter, or one
 * the rules cannot narrow: inner headers with -e), else how many were written to out (0: none of
 * the selected packets is IP, nothing to trace). */
int pm_nft_trace_plan(const struct pm_filter *fs, size_t n, struct pm_nft_trace_match *out, size_t cap);

/* "inet", "ip", "ip6", "arp", "bridge", "netdev", or NULL. */
const char *pm_nft_family_name(uint8_t family);

#endif
