/* SPDX-License-Identifier: MIT */
/* packet_text.h - a decoded packet's headers, one per line (hex2pkt, format --verbose 2). */
#ifndef PKTMON_PACKET_TEXT_H
#define PKTMON_PACKET_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "packet_decode.h"

/* Lines "<tab>Destination MAC ...", "<tab>IPv4 A > B, protocol P", ports, ICMP, TCP flags, the
 * encapsulated level; MAC lines only when eth (and the frame has them). */
void packet_fields_text(FILE *f, const struct pm_decoded *d, bool eth);

#endif
