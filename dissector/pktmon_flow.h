/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pktmon_flow.h - the packet paths as a Wireshark sequence analysis (Statistics → Flow Graph,
 * `tshark -z flow,pktmon,standard`). */
#ifndef PKTMON_FLOW_H
#define PKTMON_FLOW_H

/* Registers the "pktmon" flow on the "pktmon" tap; call from the protocol's registration. */
void pktmon_flow_register(int proto_id);

#endif
