/* SPDX-License-Identifier: MIT */
/*
 * nft_owner_table.h - an nftables table owned by the capture, with an empty
 * base chain on every IPv4/IPv6 hook (family inet), so that nf_hook_slow runs
 * at every hook point of the namespace (kernels without netfilter links).
 *
 * The table has NFT_TABLE_F_OWNER (Linux 5.12+): the kernel deletes it when
 * the netlink socket that made it closes, so nothing is left behind, not
 * even after SIGKILL. The chains accept everything and hold no rules; the
 * user's ruleset is not touched.
 */
#ifndef PKTMON_NFT_OWNER_TABLE_H
#define PKTMON_NFT_OWNER_TABLE_H

#include <stdbool.h>
#include <stdint.h>

/* Make the table in the calling thread's network namespace. Returns the
 * owning netlink socket (close it to delete the table) or -errno. */
int pm_nft_owner_table_create(const char *table);

/* A bound NETLINK_NETFILTER socket in the calling thread's namespace, or -errno. */
int pm_nfnl_socket(void);

/* The same with the chains at `priority` and, with nftrace_rule, only the prerouting and output
 * chains, with rules that set `meta nftrace set 1` (tracing, nft_trace.h): one per match, or one
 * for every packet when nmatches < 0. */
#include "nft_trace_parse.h"
struct pm_nft_owner_opts {
	int32_t priority;
	bool nftrace_rule;
	const struct pm_nft_trace_match *matches;
	int nmatches;
};
int pm_nft_owner_table_create_ex(const char *table, const struct pm_nft_owner_opts *o);

#endif
