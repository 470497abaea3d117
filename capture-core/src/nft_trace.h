/* SPDX-License-Identifier: MIT */
/*
 * nft_trace.h - which nftables rule dropped a packet, through nftables tracing: in a namespace, a
 * table owned by the capture whose base chains (lowest priority, every IPv4/IPv6 hook) hold
 * `meta nftrace set 1`, and a netlink socket that receives the trace messages (NFNLGRP_NFTRACE).
 * (Only PREROUTING and OUTPUT: the mark stays on the packet through the namespace's later hooks.)
 * The kernel sends a packet's traces from nft_do_chain before the verdict is applied, so when the
 * drop event is read, the trace of the drop is already queued on the socket: drain, match by the
 * packet's header bytes, name the rule (raw NFT_MSG_GETRULE for the comment, libnftables for the
 * text when built with it).
 */
#ifndef PKTMON_NFT_TRACE_H
#define PKTMON_NFT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_nft_ns;

/* In the calling thread's namespace: the table `table` and the sockets; the packets traced are
 * those of the matches (nmatches < 0: all; pm_nft_trace_plan()). netns_fd (owned from now on, or
 * -1) is that namespace, for the rule's text. NULL with *err = errno. */
struct pm_nft_trace_match;
struct pm_nft_ns *pm_nft_trace_open(const char *table, const struct pm_nft_trace_match *m, int nmatches, int netns_fd,
				    int *err);
/* Closes the sockets: the kernel deletes the table. NULL is fine. */
void pm_nft_trace_close(struct pm_nft_ns *n);

/* Reads what is queued, without blocking, and keeps the drop verdicts. Returns how many times
 * the socket said ENOBUFS (traces lost: the socket's buffer was full). */
uint64_t pm_nft_trace_drain(struct pm_nft_ns *n);

struct pm_nft_rule_info {
	char table[8 + 256]; /* "inet filter" */
	char chain[256];
	uint64_t handle;   /* 0: the chain's policy */
	char rule[1024];   /* as `nft -a list` prints it; "" when unknown */
	char comment[256]; /* "" when none */
};

/* The rule that dropped this frame at `hook` (NF_INET_*, or -1 when unknown), among the drop
 * traces drained so far (drain first). The rule's text is read in its namespace: the calling
 * thread enters it and returns to self_netns_fd.
 * True when a drop trace matched. */
bool pm_nft_trace_find(struct pm_nft_ns *n, int self_netns_fd, int hook, const uint8_t *frame, size_t len,
		       struct pm_nft_rule_info *out);

/* iptables-legacy tables are loaded in the calling thread's namespace and a kernel logger is bound
 * for their family: x_tables would log a TRACE line for every traced packet (ipt_do_table's
 * trace_packet), so this namespace is not traced. */
bool pm_nft_trace_legacy_logs(void);

/* Built with libnftables (rule text available). */
bool pm_nft_trace_has_text(void);

#endif
