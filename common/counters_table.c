/* SPDX-License-Identifier: MIT */
/* counters_table.c - the counters table, one layout for `pktmon counters` and the helper. */
#include "counters_table.h"

/* Ids take up to 10 digits (docs/FORMAT.md, component ids); names carry the namespace
 * ("veth-b rx [netns web]"). */
#define NAME_W 44

void counters_table_header(FILE *f, bool flow)
{
	(void)flow;
	fprintf(f, "%-10s %-*s %-8s %-9s %10s %14s | %-9s %10s %14s\n", "Id", NAME_W, "Name", "Counter", "Direction",
		"Packets", "Bytes", "Direction", "Packets", "Bytes");
	fprintf(f, "%-10s %-*s %-8s %-9s %10s %14s | %-9s %10s %14s\n", "--", NAME_W, "----", "-------", "---------",
		"-------", "-----", "---------", "-------", "-----");
}

void counters_table_row(FILE *f, const struct ctl_comp_row *r, bool flow, bool drop)
{
	bool first = true;
	if (flow) {
		fprintf(f, "%-10u %-*s %-8s %-9s %10llu %14llu | %-9s %10llu %14llu\n", r->id, NAME_W, r->name,
			"Packets", "Rx", r->rx_pkts, r->rx_bytes, "Tx", r->tx_pkts, r->tx_bytes);
		first = false;
	}
	/* drops have no bytes here, and one direction: the component's */
	if (drop && (r->drops || r->lost || !flow)) {
		if (first)
			fprintf(f, "%-10u %-*s ", r->id, NAME_W, r->name);
		else
			fprintf(f, "%-10s %-*s ", "", NAME_W, "");
		fprintf(f, "%-8s %-9s %10llu %14s | Lost %llu%s%s\n", "Drops", "-", r->drops, "-", r->lost,
			r->reason[0] ? ", last reason " : "", r->reason);
	}
}
