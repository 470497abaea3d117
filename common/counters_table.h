/* SPDX-License-Identifier: MIT */
/* counters_table.h - the per-component counters as Windows `pktmon counters` lays them out:
 * Id, Name, Counter, then Direction, Packets, Bytes for Rx | the same for Tx. Printed by
 * `pktmon counters` (a running session) and by pktmon-capture at the end of a capture. */
#ifndef PKTMON_COUNTERS_TABLE_H
#define PKTMON_COUNTERS_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "control_protocol.h"

/* flow: the packet rows; drop: the drop rows (Drops, lost events, last reason). */
void counters_table_header(FILE *f, bool flow);
void counters_table_row(FILE *f, const struct ctl_comp_row *r, bool flow, bool drop);

#endif
