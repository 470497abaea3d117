/* SPDX-License-Identifier: MIT */
/* layers.c - names and directions of the observation layers. */
#include <string.h>
#include <strings.h>

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
