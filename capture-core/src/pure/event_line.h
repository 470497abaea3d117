/* SPDX-License-Identifier: MIT */
/* event_line.h - the pktmon-style text line of one observation, in parts, for `pktmon format`,
 * which adds the packet from a file's own link type. */
#ifndef PKTMON_EVENT_LINE_H
#define PKTMON_EVENT_LINE_H

#include <stddef.h>

#include "pktmon/pktmon.h"

/* "HH:MM:SS.nnnnnnnnn PktGroupId G, Appearance A, Direction D, Component C (NAME)[, Drop: Reason R,
 * Location L[ (a copy reached a socket: not a loss)]][, Next: WHAT]": pktmon_format_event() without
 * "; <packet>". Strings are written as given. */
int pm_event_line_head(const struct pktmon_event *ev, char *buf, size_t len);

#endif
