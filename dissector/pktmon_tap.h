/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pktmon_tap.h - what the "pktmon" tap hands its listeners (the stats tree, the flow graph):
 * one per frame with pktmon metadata. */
#ifndef PKTMON_TAP_H
#define PKTMON_TAP_H

#include <glib.h>

typedef struct {
	const char *component;
	const char *prev_component; /* where this packet was observed just before; NULL: first seen here */
	guint64 group;              /* packet group id, 0 when the record has none */
	guint32 appearance;
	guint8 layer;
	guint8 direction;
	gboolean dropped;
	const char *reason;
	const char *why;            /* what the kernel did next (why layers), e.g. "TCP reset sent"; else NULL */
	gboolean delivered_copy;    /* dropped, but a copy reached a socket */
} pktmon_tap_info_t;

#endif
