/* SPDX-License-Identifier: MIT */
/* layers.c - names and directions of the observation layers. */
#include <string.h>
#include <strings.h>
#include <stdbool.h>
#include <stdint.h>

#include "pktmon/pktmon.h"

struct layer_info {
	const char *name;  /* stable, for --comp and JSON */
	const char *label; /* in component names */
	enum pktmon_direction dir;
};

static const struct layer_info layers[PKTMON_LAYER_MAX] = {
	[PKTMON_LAYER_UNKNOWN] = { "unknown", "unknown", PKTMON_DIR_UNKNOWN },
	[PKTMON_LAYER_DEV_RX] = { "dev-rx", "rx", PKTMON_DIR_RX },
	[PKTMON_LAYER_NF_PREROUTING] = { "nf-prerouting", "PREROUTING", PKTMON_DIR_RX },
	[PKTMON_LAYER_NF_INPUT] = { "nf-input", "INPUT", PKTMON_DIR_RX },
	[PKTMON_LAYER_NF_FORWARD] = { "nf-forward", "FORWARD", PKTMON_DIR_TX },
	[PKTMON_LAYER_NF_OUTPUT] = { "nf-output", "OUTPUT", PKTMON_DIR_TX },
	[PKTMON_LAYER_NF_POSTROUTING] = { "nf-postrouting", "POSTROUTING", PKTMON_DIR_TX },
	[PKTMON_LAYER_SOCK_RX] = { "socket-rx", "socket rx", PKTMON_DIR_RX },
	[PKTMON_LAYER_QDISC_ENQ] = { "qdisc-enqueue", "qdisc enqueue", PKTMON_DIR_TX },
	[PKTMON_LAYER_QDISC_DEQ] = { "qdisc-dequeue", "qdisc dequeue", PKTMON_DIR_TX },
	[PKTMON_LAYER_DEV_TX] = { "dev-tx", "tx", PKTMON_DIR_TX },
	[PKTMON_LAYER_STACK] = { "stack", "stack", PKTMON_DIR_UNKNOWN },
	[PKTMON_LAYER_NETFILTER] = { "netfilter", "netfilter", PKTMON_DIR_UNKNOWN },
	/* why points: what the kernel did next (events, not crossings) */
	[PKTMON_LAYER_ICMP_SEND] = { "icmp-error", "ICMP error sent", PKTMON_DIR_UNKNOWN },
	[PKTMON_LAYER_TCP_RESET] = { "tcp-reset", "TCP reset sent", PKTMON_DIR_UNKNOWN },
	[PKTMON_LAYER_TCP_RETRANS] = { "tcp-retransmit", "TCP retransmission", PKTMON_DIR_UNKNOWN },
	[PKTMON_LAYER_RCVQ_FULL] = { "rcvqueue-full", "receive queue full", PKTMON_DIR_UNKNOWN },
};

static const struct layer_info *info(enum pktmon_layer l)
{
	return (unsigned)l < PKTMON_LAYER_MAX ? &layers[l] : &layers[PKTMON_LAYER_UNKNOWN];
}

const char *pktmon_layer_name(enum pktmon_layer l) { return info(l)->name; }
const char *pktmon_layer_label(enum pktmon_layer l) { return info(l)->label; }
enum pktmon_direction pktmon_layer_direction(enum pktmon_layer l) { return info(l)->dir; }

enum pktmon_layer pktmon_layer_from_name(const char *name)
{
	for (int l = 1; l < PKTMON_LAYER_MAX; l++)
		if (strcasecmp(name, layers[l].name) == 0)
			return (enum pktmon_layer)l;
	return PKTMON_LAYER_UNKNOWN;
}

#define B(l) (1u << (l))

/* Direct steps of one packet through the stack (one skb: veth, bridges, NAT,
 * tunnels). Left out on purpose: INPUT -> OUTPUT and anything after socket rx,
 * the ways a reused skb address shows up (UDP and TCP free delivered buffers
 * without a tracepoint). */
static const uint32_t direct_prev[PKTMON_LAYER_MAX] = {
	[PKTMON_LAYER_DEV_RX] = B(PKTMON_LAYER_DEV_TX) | B(PKTMON_LAYER_DEV_RX) |  /* veth/lo; bridge port -> bridge */
				B(PKTMON_LAYER_NF_INPUT),                         /* tunnel decapsulation */
	[PKTMON_LAYER_NF_PREROUTING] = B(PKTMON_LAYER_DEV_RX) | B(PKTMON_LAYER_NF_PREROUTING),
	[PKTMON_LAYER_NF_INPUT] = B(PKTMON_LAYER_NF_PREROUTING) | B(PKTMON_LAYER_NF_INPUT),
	[PKTMON_LAYER_NF_FORWARD] = B(PKTMON_LAYER_NF_PREROUTING) | B(PKTMON_LAYER_NF_FORWARD),
	[PKTMON_LAYER_NF_OUTPUT] = B(PKTMON_LAYER_DEV_TX) | B(PKTMON_LAYER_QDISC_ENQ) |    /* tunnel encapsulation */
				   B(PKTMON_LAYER_QDISC_DEQ) | B(PKTMON_LAYER_NF_OUTPUT),
	[PKTMON_LAYER_NF_POSTROUTING] = B(PKTMON_LAYER_NF_OUTPUT) | B(PKTMON_LAYER_NF_FORWARD) |
					B(PKTMON_LAYER_NF_POSTROUTING),
	[PKTMON_LAYER_SOCK_RX] = B(PKTMON_LAYER_NF_INPUT) | B(PKTMON_LAYER_SOCK_RX),
	[PKTMON_LAYER_QDISC_ENQ] = B(PKTMON_LAYER_NF_POSTROUTING) | B(PKTMON_LAYER_DEV_RX) | /* bridge forwarding */
				   B(PKTMON_LAYER_DEV_TX) | B(PKTMON_LAYER_QDISC_ENQ) |      /* stacked devices */
				   B(PKTMON_LAYER_QDISC_DEQ),
	[PKTMON_LAYER_QDISC_DEQ] = B(PKTMON_LAYER_QDISC_ENQ) | B(PKTMON_LAYER_QDISC_DEQ),
	[PKTMON_LAYER_DEV_TX] = B(PKTMON_LAYER_QDISC_ENQ) | B(PKTMON_LAYER_QDISC_DEQ) | B(PKTMON_LAYER_DEV_TX),
};

void pktmon_continuation_table(uint32_t observed, uint32_t prev_ok[PKTMON_LAYER_MAX])
{
	for (int l = 0; l < PKTMON_LAYER_MAX; l++)
		prev_ok[l] = direct_prev[l];
	/* a step through an unobserved layer M: whatever may precede M may precede L */
	for (bool changed = true; changed;) {
		changed = false;
		for (int l = 1; l < PKTMON_LAYER_MAX; l++)
			for (int m = 1; m < PKTMON_LAYER_MAX; m++) {
				if (!(prev_ok[l] & B(m)) || (observed & B(m)))
					continue;
				uint32_t more = prev_ok[m] & ~prev_ok[l];
				if (more) {
					prev_ok[l] |= more;
					changed = true;
				}
			}
	}
	prev_ok[PKTMON_LAYER_STACK] = ~0u; /* a drop may follow anything */
	/* so may a why point: it continues the path of the packet that caused it (the programs
	 * look the packet up without this table, and never move it) */
	for (int l = 1; l < PKTMON_LAYER_MAX; l++)
		if (PKTMON_LAYER_IS_WHY(l))
			prev_ok[l] = ~0u;
}

